/*
 * The desks' audit trails as the centre holds them: each device's head
 * acknowledged as rows arrive (so a desk can tell when rows were cut off
 * the end of its own trail), and the chain recomputed over the central copy
 * with the desks' own hash (core's audit_hash_row).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

enum status pg_audit_head(struct pg *db, const char *device_id, long long *seq, char hash[65],
			  struct err *e)
{
	const char *p[1] = { device_id };
	PGresult *r = pg_exec(db, "SELECT seq, hash FROM frontdesk_audit_advance($1)", 1, p,
			      "acknowledging the audit trail", e);

	*seq = 0;
	hash[0] = '\0';
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	if (PQntuples(r) == 1) {
		*seq = pg_ll(r, 0, 0);
		snprintf(hash, 65, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return STATUS_OK;
}

/* A member of an audit body as text, NULL when absent or null. */
static const char *member(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Checks one device's rows (ordered by seq) against the chain. */
static void check_device(PGresult *r, int from, int to, long long acked_seq,
			 const char *acked_hash, struct audit_check *c)
{
	char prev[AUDIT_HASH_HEX + 1] = "", hash[AUDIT_HASH_HEX + 1];
	long long last = 0;

	for (int i = from; i < to; i++) {
		json_t *b = json_loads(PQgetvalue(r, i, 2), 0, NULL);
		struct audit_row row;
		const char *why = NULL;
		long long seq = pg_ll(r, i, 1);

		c->rows++;
		if (!b) {
			snprintf(c->problem, sizeof c->problem,
				 "audit row %lld cannot be read as JSON: it was changed here", seq);
			return;
		}
		row = (struct audit_row){
			.seq = seq,
			.device_id = member(b, "device_id"),
			.at = member(b, "at"),
			.actor = member(b, "actor"),
			.action = member(b, "action"),
			.record_type = member(b, "record_type"),
			.record_id = member(b, "record_id"),
			.detail = member(b, "detail"),
			.prev_hash = member(b, "prev_hash"),
			.hash = member(b, "hash"),
		};
		if (i == from) {
			/* Rows before the first the desk sent were written before it
			 * enrolled: the chain is checked from there. */
			c->first_seq = seq;
			snprintf(prev, sizeof prev, "%s", row.prev_hash ? row.prev_hash : "");
		}
		if (i > from && seq == last)
			why = "is held twice with different content: the desk's trail forked "
			      "(restored from a backup?)";
		else if (i > from && seq != last + 1)
			why = "follows a gap: the rows before it are missing here (deleted at the "
			      "server?)";
		else if (!row.hash || !row.prev_hash)
			why = "has no hash";
		if (!why) {
			audit_hash_row(&row, hash);
			if (strcmp(hash, row.hash) != 0)
				why = "does not match its hash: it was changed after it was written";
			else if (strcmp(row.prev_hash, prev) != 0)
				why = "does not follow the row before it: the desk's trail forked "
				      "there (restored from a backup and written on?)";
		}
		if (!why)
			snprintf(prev, sizeof prev, "%s", row.hash);
		json_decref(b); /* row's strings were b's */
		if (why) {
			snprintf(c->problem, sizeof c->problem, "audit row %lld %s", seq, why);
			return;
		}
		last = seq;
		c->head_seq = seq;
		snprintf(c->head_hash, sizeof c->head_hash, "%s", prev);
	}
	if (acked_seq > 0 && c->rows == 0)
		snprintf(c->problem, sizeof c->problem,
			 "no audit row is held here, but the server acknowledged row %lld to the "
			 "desk (deleted at the server?)",
			 acked_seq);
	else if (acked_seq > last)
		snprintf(c->problem, sizeof c->problem,
			 "rows after audit row %lld are missing here: the server acknowledged row "
			 "%lld to the desk (deleted at the server?)",
			 last, acked_seq);
	else if (acked_seq > 0 && acked_hash && acked_seq == last && strcmp(acked_hash, prev) != 0)
		snprintf(c->problem, sizeof c->problem,
			 "audit row %lld is not the row the server acknowledged to the desk", last);
}

enum status pg_audit_verify(struct pg *db, const char *device,
			    int (*fn)(void *ctx, const struct audit_check *c), void *ctx,
			    struct err *e)
{
	const char *p[1] = { device };
	PGresult *d, *r;
	enum status rc = STATUS_OK;

	/* The head is brought up to date first (rows may have arrived since
	 * the last push answer); it never moves back, so rows deleted here
	 * after it was acknowledged show as missing. */
	d = pg_exec(db,
		    "SELECT v.id, v.code, coalesce(h.seq, 0), coalesce(h.hash, '')"
		    " FROM device v LEFT JOIN LATERAL frontdesk_audit_advance(v.id) h ON true"
		    " WHERE ($1::text IS NULL OR v.id = $1 OR v.code = upper($1))"
		    " AND (h.seq IS NOT NULL OR EXISTS (SELECT 1 FROM audit a"
		    "  WHERE a.device_id = v.id)) ORDER BY v.code",
		    1, p, "reading the devices", e);
	if (!d)
		return e && e->code ? e->code : STATUS_DB;
	if (PQntuples(d) == 0 && device) {
		PGresult *any = pg_exec(db, "SELECT 1 FROM device WHERE id = $1 OR code = upper($1)",
					1, p, "reading the devices", e);

		if (!any) {
			rc = e && e->code ? e->code : STATUS_DB;
		} else {
			if (PQntuples(any) == 0)
				rc = err_set(e, STATUS_NOT_FOUND,
					     "no device '%s'; see frontdeskd device list", device);
			else
				rc = err_set(e, STATUS_NOT_FOUND,
					     "device '%s' has sent no audit rows yet; sync it first",
					     device);
			PQclear(any);
		}
		PQclear(d);
		return rc;
	}
	for (int i = 0; i < PQntuples(d) && !rc; i++) {
		struct audit_check c;
		const char *q[1] = { PQgetvalue(d, i, 0) };

		memset(&c, 0, sizeof c);
		c.device_id = PQgetvalue(d, i, 0);
		c.device_code = PQgetvalue(d, i, 1);
		r = pg_exec(db,
			    "SELECT id, (body->>'seq')::bigint, body::text FROM audit"
			    " WHERE device_id = $1 ORDER BY (body->>'seq')::bigint, id",
			    1, q, "reading the audit trail", e);
		if (!r) {
			rc = e && e->code ? e->code : STATUS_DB;
			break;
		}
		check_device(r, 0, PQntuples(r), pg_ll(d, i, 2), PQgetvalue(d, i, 3), &c);
		PQclear(r);
		if (fn(ctx, &c))
			break;
	}
	PQclear(d);
	return rc;
}
