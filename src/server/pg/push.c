/*
 * Push: a console's batch applied in one transaction, idempotent on
 * (device, seq). Contacts and visits go in with one statement each per
 * batch; customers merge field by field under a row lock; cases and their
 * events are appended, and everything consoles must see goes to the change
 * log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_int.h"

#define CODES_TTL_MS 5000
#define LOG_LOCK "7231"
#define DEVICE_LOCK "7232" /* with the device's hash: one push per device at a time */
#define ORDER_WAIT_MS 5	   /* a batch whose predecessor is not held yet waits */
#define ORDER_TRIES 60	   /* this long, this often (0.3 s), then is answered 409 */

/* The statements of a push, shared by its two paths (see pg_push). */
/* $5: the digests back to back, 32 bytes each (one bytea is read far
 * faster than an array of texts), kept as hex. */
#define SQL_CHANGE_IN                                                                \
	"INSERT INTO change_in (device_id, seq, record_type, record_id, digest)"      \
	" SELECT $1, s, t, i, encode(substring($5::bytea FROM (n::int - 1) * 32 + 1"  \
	" FOR 32), 'hex') FROM unnest($2::bigint[], $3::text[], $4::text[])"          \
	" WITH ORDINALITY u(s, t, i, n) ON CONFLICT DO NOTHING RETURNING seq"
/* A seq held with another record's digest: a restored desk (FD412). */
#define SQL_SAME_SEQS "SELECT frontdesk_same_seqs($1, $2::bigint, $3, $4::bytea)"
#define SQL_VISITS                                                    \
	"INSERT INTO visit (id, device_id, body)"                     \
	" SELECT x->>'id', $1, x FROM jsonb_array_elements($2::jsonb) x" \
	" ON CONFLICT (id) DO NOTHING"
/* (a contact logged at a desk before an erasure reached it is scrubbed) */
#define SQL_CONTACTS                                                         \
	"INSERT INTO contact (id, device_id, customer_id, site, service,"     \
	" outcome, created_at, body)"                                         \
	" SELECT x->>'id', $1, x->>'customer_id', x->>'site', x->>'service'," \
	" x->>'outcome', x->>'created_at',"                                   \
	" CASE WHEN x->>'customer_id' IS NOT NULL AND EXISTS (SELECT 1"       \
	"  FROM customer u WHERE u.id = x->>'customer_id' AND u.erased)"      \
	" THEN x || '{\"notes\": null, \"answers\": null}' ELSE x END"        \
	" FROM jsonb_array_elements($2::jsonb) x ON CONFLICT (id) DO NOTHING"
/* An audit id held already with another body is refused (id_reused), not
 * dropped: run before SQL_AUDITS, on the rows this transaction records.
 * $3 holds each audit row's change seq, in the order of $2, so every
 * lookup is by key. */
#define SQL_AUDITS_REUSED                                                        \
	"UPDATE change_in c SET code = 'id_reused', error = 'audit seq ' || c.seq"  \
	" || ' (id ' || c.record_id || '): id is held already with another body;'" \
	" || ' an audit row is never replaced (was this desk restored?)'"          \
	" FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY x(v, n)"            \
	" JOIN audit a ON a.id = v->>'id'"                                          \
	" WHERE a.body <> v AND c.device_id = $1"                                  \
	" AND c.seq = ($3::bigint[])[n] AND c.received_at = now() AND c.error IS NULL"
#define SQL_AUDITS                                                    \
	"INSERT INTO audit (id, device_id, body)"                     \
	" SELECT x->>'id', $1, x FROM jsonb_array_elements($2::jsonb) x" \
	" ON CONFLICT (id) DO NOTHING"
/* Only rows this transaction records (received now): a change held and
 * accepted by an earlier try keeps its answer. */
#define SQL_REFUSALS                                        \
	"UPDATE change_in SET error = x->>'error', code = x->>'code'" \
	" FROM jsonb_array_elements($2::jsonb) x"           \
	" WHERE device_id = $1 AND seq = (x->>'seq')::bigint" \
	" AND received_at = now()"
/* What the device gets back: the highest seq held, and every refusal in
 * the batch's range (also those recorded by an earlier try). */
#define SQL_HELD                                                                  \
	"SELECT (SELECT max(seq) FROM change_in WHERE device_id = $1),"            \
	" coalesce((SELECT json_agg(json_build_object('seq', seq, 'error', error," \
	"   'code', coalesce(code, 'invalid'))"                                    \
	"   ORDER BY seq)::text FROM change_in WHERE device_id = $1"               \
	"   AND seq BETWEEN $2::bigint AND $3::bigint AND error IS NOT NULL), '[]')"

enum status pg_log_change(struct pg *db, bool *locked, const char *type, const char *id,
			  const char *origin, const char *body, struct err *e)
{
	const char *p[4] = { type, id, origin, body };
	enum status rc;

	if (!*locked) {
		rc = pg_run(db, "SELECT pg_advisory_xact_lock(" LOG_LOCK ")", 0, NULL,
			    "locking the change log", e);
		if (rc)
			return rc;
		*locked = true;
	}
	return pg_run(db,
		      "INSERT INTO change_log (record_type, record_id, origin_device, body)"
		      " VALUES ($1, $2, $3, $4::jsonb)",
		      4, p, "logging the change", e);
}

static bool code_exists(void *ctx, const char *kind, const char *code)
{
	struct pg *db = ctx;
	char key[128];

	snprintf(key, sizeof key, "%s:%s", kind, code);
	return json_object_get(db->codes, key) != NULL;
}

static enum status load_codes(struct pg *db, struct err *e)
{
	long long now = clock_now_ms();
	PGresult *r;

	if (db->codes && now - db->codes_at_ms < CODES_TTL_MS && now >= db->codes_at_ms)
		return STATUS_OK;
	r = pg_exec(db, "SELECT kind || ':' || code FROM refdata WHERE active", 0, NULL,
		    "reading the reference data", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	json_decref(db->codes);
	db->codes = json_object();
	for (int i = 0; i < PQntuples(r); i++)
		json_object_set_new(db->codes, PQgetvalue(r, i, 0), json_true());
	PQclear(r);
	db->codes_at_ms = now;
	return STATUS_OK;
}

static char *dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	if (!s)
		die("out of memory encoding JSON");
	return s;
}

static void refuse(json_t *refusals, long long seq, const char *msg, const char *code)
{
	json_t *o = json_object();

	json_object_set_new(o, "seq", json_integer(seq));
	json_object_set_new(o, "error", json_string(msg));
	json_object_set_new(o, "code", json_string(code ? code : "invalid"));
	json_array_append_new(refusals, o);
}

/*
 * Erasure at the centre: what was said about the person goes from their
 * contacts, cases and case events, from the bodies in the change log, and
 * their parked flow runs go, so nothing of them stays here either. The
 * tombstone itself is logged by the caller.
 */
enum status pg_customer_scrub(struct pg *db, const char *id, struct err *e)
{
	static const char *const sql[] = {
		"UPDATE contact SET body = body || '{\"notes\": null, \"answers\": null}'"
		" WHERE customer_id = $1 AND (body->'notes' <> 'null' OR body->'answers' <> 'null')",
		"UPDATE \"case\" SET body = body || jsonb_build_object('reason', '[erased]',"
		" 'result', CASE WHEN body->>'result' IS NULL THEN NULL ELSE '[erased]' END)"
		" WHERE customer_id = $1",
		"UPDATE case_event SET body = body || '{\"note\": null}'"
		" WHERE case_id IN (SELECT id FROM \"case\" WHERE customer_id = $1)"
		" AND body->'note' <> 'null'",
		"UPDATE change_log l SET body = c.body FROM \"case\" c"
		" WHERE l.record_type = 'case' AND l.record_id = c.id AND c.customer_id = $1",
		"UPDATE change_log SET body = body || '{\"note\": null}'"
		" WHERE record_type = 'case_event' AND record_id IN (SELECT e.id FROM case_event e"
		"  JOIN \"case\" c ON c.id = e.case_id WHERE c.customer_id = $1)",
		"DELETE FROM change_log WHERE record_type = 'flow_park'"
		" AND record_id IN (SELECT id FROM flow_park WHERE customer_id = $1)",
		"DELETE FROM flow_park WHERE customer_id = $1",
		"DELETE FROM change_log WHERE record_type = 'customer' AND record_id = $1",
	};
	const char *p[1] = { id };
	enum status rc = STATUS_OK;

	for (size_t i = 0; i < sizeof sql / sizeof sql[0] && !rc; i++)
		rc = pg_run(db, sql[i], 1, p, "erasing the customer", e);
	return rc;
}

enum status pg_erasure_note(struct pg *db, const char *id, const char *origin, struct err *e)
{
	const char *q[2] = { id, origin };

	return pg_run(db,
		      "INSERT INTO erasure (customer_id, log_cursor, origin_device)"
		      " VALUES ($1, currval(pg_get_serial_sequence('change_log', 'cursor')), $2)"
		      " ON CONFLICT DO NOTHING",
		      2, q, "recording the erasure", e);
}

/* Merges a pushed customer into the central record under a row lock. */
static enum status apply_customer(struct pg *db, const struct device_auth *dev,
				  struct customer *in, bool *locked, long long *ahead,
				  struct err *e)
{
	const char *p[3];
	struct customer *cur = NULL;
	PGresult *r;
	json_t *j;
	char *text;
	enum status rc;
	long long now = clock_now_ms();

	/* A device with a wrong date must not win every conflict. */
	for (int f = 0; f < CF_COUNT; f++) {
		int64_t a = hlc_bound(in->hlc[f], now, SERVER_HLC_AHEAD_MAX_MS);

		if (a > *ahead)
			*ahead = a;
	}
	p[0] = in->id;
	r = pg_exec(db, "SELECT body::text FROM customer WHERE id = $1 FOR UPDATE", 1, p,
		    "reading the customer", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	if (PQntuples(r) == 1) {
		json_t *old = json_loads(PQgetvalue(r, 0, 0), 0, NULL);

		rc = old ? pg_unseal(db, "customer", old, in->id, e) : STATUS_OK;
		cur = old && !rc ? customer_from_json(old, NULL) : NULL;
		json_decref(old);
		if (rc) {
			PQclear(r);
			customer_free(in);
			return rc;
		}
	}
	PQclear(r);
	if (cur) {
		customer_merge(cur, in);
	} else {
		cur = in;
		in = NULL;
	}
	/* An erasure destroys the key first: whatever of the person is left
	 * anywhere (old row versions, the WAL, backups) is sealed under it. */
	rc = cur->erased ? pg_shred(db, cur->id, e) : STATUS_OK;
	j = customer_to_json(cur);
	if (!rc)
		rc = pg_seal(db, "customer", j, cur->id, e);
	text = dump(j);
	json_decref(j);
	if (rc) {
		free(text);
		customer_free(cur);
		customer_free(in);
		return rc;
	}
	p[1] = text;
	p[2] = cur->erased ? "t" : "f";
	rc = pg_run(db,
		    "INSERT INTO customer (id, body, erased) VALUES ($1, $2::jsonb, $3::boolean)"
		    " ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, erased = EXCLUDED.erased,"
		    " updated_at = now()",
		    3, p, "saving the customer", e);
	/* An erasure leaves nothing of the person here, older log entries of
	 * the record included; the tombstone logged next replaces them. */
	if (!rc && cur->erased)
		rc = pg_customer_scrub(db, cur->id, e);
	/* Always logged, also back to the sender: a bounded stamp or a merge
	 * that kept another value must reach it so every copy ends the same. */
	if (!rc)
		rc = pg_log_change(db, locked, "customer", cur->id, NULL, text, e);
	if (!rc && cur->erased)
		rc = pg_erasure_note(db, cur->id, dev ? dev->id : NULL, e);
	free(text);
	customer_free(cur);
	customer_free(in);
	return rc;
}

/*
 * The desks' case rules (core.h "case rules") for a pushed change of case
 * case_id to status `to`: a closed case never changes, closing needs a
 * result. Fills refusal (code invalid) when the change breaks them; a case
 * the server does not hold is left to the caller. The event that records a
 * close (event_at NULL for a case update) is written with the close, at its
 * closed_at, and keeps to the rules; any other event on a closed case (a
 * note) does not. The case's customer goes to customer ("" when it has
 * none, or the server holds no such case), for sealing.
 */
static enum status case_rules_refusal(struct pg *db, const char *case_id, const char *to,
				      const char *result, const char *event_at, char *refusal,
				      size_t refsz, char customer[UUID_STR_LEN + 1], struct err *e)
{
	const char *p[1] = { case_id };
	PGresult *r = pg_exec(db,
			      "SELECT status, reference, coalesce(body->>'closed_at', ''),"
			      " coalesce(customer_id, '') FROM \"case\" WHERE id = $1",
			      1, p, "reading the case", e);
	struct err why;
	int from, want = case_status_find(to);
	bool event = event_at != NULL;

	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	customer[0] = '\0';
	if (PQntuples(r) == 1)
		snprintf(customer, UUID_STR_LEN + 1, "%s", PQgetvalue(r, 0, 3));
	if (PQntuples(r) == 1 && want >= 0) {
		from = case_status_find(PQgetvalue(r, 0, 0));
		err_clear(&why);
		if (from >= 0 &&
		    !(event && from == CASE_CLOSED && want == CASE_CLOSED &&
		      !strcmp(event_at, PQgetvalue(r, 0, 2))) &&
		    case_change_check(PQgetvalue(r, 0, 1), (enum case_status)from,
				      (enum case_status)want, result, &why))
			snprintf(refusal, refsz, "%s: %.250s", want == CASE_CLOSED &&
				 why.code == STATUS_INVALID ? (event ? "note" : "result") : "status",
				 why.msg);
	}
	PQclear(r);
	return STATUS_OK;
}

/* A status change made at a desk: the case's body takes the new status,
 * due date, pause and result, and every other console gets it. */
static enum status apply_case_update(struct pg *db, const struct device_auth *dev,
				     const struct push_change *c, bool *locked, char *refusal,
				     size_t refsz, struct err *e)
{
	char customer[UUID_STR_LEN + 1];
	enum status rules = case_rules_refusal(
		db, c->id, json_string_value(json_object_get(c->body, "status")),
		json_string_value(json_object_get(c->body, "result")), NULL, refusal, refsz,
		customer, e);

	if (rules || refusal[0])
		return rules;
	char *text = pg_sealed_text(db, "case", c->body, customer[0] ? customer : NULL, e);
	if (!text)
		return e && e->code ? e->code : STATUS_INVALID;
	const char *p[2] = { c->id, text };
	/* (sealed: the body says under whose key, as the case's own does) */
	PGresult *r = pg_exec(db,
			      "UPDATE \"case\" SET status = $2::jsonb->>'status', updated_at = now(),"
			      " body = body || jsonb_strip_nulls(jsonb_build_object("
			      "   'status', $2::jsonb->'status', 'due_date', $2::jsonb->'due_date',"
			      "   'paused_days', $2::jsonb->'paused_days', 'sealed', $2::jsonb->'sealed'))"
			      "   || jsonb_build_object('closed_at', $2::jsonb->'closed_at',"
			      "   'result', $2::jsonb->'result')"
			      " WHERE id = $1 RETURNING body::text",
			      2, p, "updating the case", e);
	enum status rc = STATUS_OK;

	free(text);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	if (PQntuples(r) == 1)
		rc = pg_log_change(db, locked, "case", c->id, dev->id, PQgetvalue(r, 0, 0), e);
	else
		snprintf(refusal, refsz, "id names no case this server holds");
	PQclear(r);
	return rc;
}

static enum status apply_case(struct pg *db, const struct device_auth *dev,
			      const struct push_change *c, bool *locked, char *refusal,
			      size_t refsz, struct err *e)
{
	if (!strcmp(c->op, "update"))
		return apply_case_update(db, dev, c, locked, refusal, refsz, e);
	{
	char *text = pg_sealed_text(db, "case", c->body,
				    json_string_value(json_object_get(c->body, "customer_id")), e);
	const char *p[6];
	PGresult *r;
	enum status rc = STATUS_OK;

	if (!text)
		return e && e->code ? e->code : STATUS_INVALID;

	p[0] = c->id;
	p[1] = json_string_value(json_object_get(c->body, "reference"));
	p[2] = dev->id;
	p[3] = json_string_value(json_object_get(c->body, "customer_id"));
	p[4] = json_string_value(json_object_get(c->body, "team"));
	p[5] = text;
	r = pg_exec(db,
		    "INSERT INTO \"case\" (id, reference, device_id, customer_id, team, status, body)"
		    " VALUES ($1, $2, $3, $4, $5, $6::jsonb->>'status', $6::jsonb)"
		    " ON CONFLICT DO NOTHING RETURNING id",
		    6, p, "saving the case", e);
	if (!r) {
		free(text);
		return e && e->code ? e->code : STATUS_DB;
	}
	if (PQntuples(r) == 1) {
		rc = pg_log_change(db, locked, "case", c->id, dev->id, text, e);
	} else {
		PGresult *q = pg_exec(db, "SELECT 1 FROM \"case\" WHERE id = $1", 1, p,
				      "reading the case", e);

		if (!q)
			rc = e && e->code ? e->code : STATUS_DB;
		else if (PQntuples(q) == 0)
			snprintf(refusal, refsz, "reference is already used by another case");
		PQclear(q);
	}
	PQclear(r);
	free(text);
	return rc;
	}
}

/* Appends a status event; a change of status updates the case for all. */
static enum status apply_case_event(struct pg *db, const char *device, json_t *body,
				    bool *locked, char *refusal, size_t refsz, struct err *e)
{
	const char *event_at = json_string_value(json_object_get(body, "at"));
	char customer[UUID_STR_LEN + 1];
	enum status rules = case_rules_refusal(
		db, json_string_value(json_object_get(body, "case_id")),
		json_string_value(json_object_get(body, "status")),
		json_string_value(json_object_get(body, "note")), event_at ? event_at : "", refusal,
		refsz, customer, e);

	if (rules || refusal[0])
		return rules;
	json_t *sealed = json_deep_copy(body);
	if (!sealed)
		die("out of memory copying JSON");
	rules = pg_seal(db, "case_event", sealed, customer[0] ? customer : NULL, e);
	if (rules) {
		json_decref(sealed);
		return rules;
	}
	char *text = dump(sealed);
	const char *p[4];
	PGresult *r;
	enum status rc = STATUS_OK;

	p[0] = json_string_value(json_object_get(body, "id"));
	p[1] = json_string_value(json_object_get(body, "case_id"));
	p[2] = device;
	p[3] = text;
	r = pg_exec(db,
		    "INSERT INTO case_event (id, case_id, device_id, body)"
		    " SELECT $1, $2, $3, $4::jsonb WHERE EXISTS (SELECT 1 FROM \"case\" WHERE id = $2)"
		    " ON CONFLICT DO NOTHING RETURNING id",
		    4, p, "saving the case event", e);
	if (!r) {
		free(text);
		json_decref(sealed);
		return e && e->code ? e->code : STATUS_DB;
	}
	if (PQntuples(r) == 0) {
		PGresult *q = pg_exec(db, "SELECT 1 FROM case_event WHERE id = $1", 1, p,
				      "reading the case event", e);

		if (!q)
			rc = e && e->code ? e->code : STATUS_DB;
		else if (PQntuples(q) == 0)
			snprintf(refusal, refsz, "case_id names no case this server holds");
		PQclear(q);
		PQclear(r);
		free(text);
		json_decref(sealed);
		return rc;
	}
	PQclear(r);
	{
		const char *u[5];
		const char *status = json_string_value(json_object_get(body, "status"));
		const char *at = json_string_value(json_object_get(body, "at"));
		/* The closing note becomes the case's result, sealed as it is. */
		const char *note = json_string_value(json_object_get(sealed, "note"));

		u[0] = p[1];
		u[1] = status;
		u[2] = at;
		u[3] = note;
		u[4] = json_string_value(json_object_get(sealed, "sealed"));
		r = pg_exec(db,
			    "UPDATE \"case\" SET status = $2, updated_at = now(), body = body"
			    " || jsonb_build_object('status', $2::text,"
			    "   'closed_at', CASE WHEN $2 = 'closed' THEN $3::text END,"
			    "   'result', CASE WHEN $2 = 'closed' THEN $4::text END)"
			    " || CASE WHEN $2 = 'closed' AND $5::text IS NOT NULL"
			    "   THEN jsonb_build_object('sealed', $5::text) ELSE '{}'::jsonb END"
			    " WHERE id = $1 AND status <> $2 RETURNING body::text",
			    5, u, "updating the case", e);
		if (!r) {
			free(text);
			json_decref(sealed);
			return e && e->code ? e->code : STATUS_DB;
		}
		if (PQntuples(r) == 1)
			rc = pg_log_change(db, locked, "case", p[1], NULL, PQgetvalue(r, 0, 0), e);
		PQclear(r);
	}
	if (!rc)
		rc = pg_log_change(db, locked, "case_event", p[0], device, text, e);
	free(text);
	json_decref(sealed);
	return rc;
}

/* A run parked at a desk (to resume at any desk) or its removal. */
static enum status apply_flow_park(struct pg *db, const struct device_auth *dev,
				   const struct push_change *c, const char *batch_customers,
				   bool *locked, char *refusal, size_t refsz, struct err *e)
{
	const char *customer = json_string_value(json_object_get(c->body, "customer_id"));
	char *text = pg_sealed_text(db, "flow_park", c->body, customer, e);
	const char *p[4] = { c->id, customer, dev->id, text };
	enum status rc = STATUS_OK;
	PGresult *r;

	if (!text)
		return e && e->code ? e->code : STATUS_INVALID;

	if (!strcmp(c->op, "delete")) {
		/* A run is resumed at any desk, but removed only by a desk with a
		 * part in it: the one that parked it, one sharing a site with
		 * that one, or one that logged the contact that finished it (the
		 * run's customer and flow, since it was parked; in this batch or
		 * before). A device could make that contact up, but it then
		 * stands in the server's copy as that device's, for the audit. */
		const char *q[3] = { c->id, dev->id, batch_customers ? batch_customers : "[]" };

		r = pg_exec(db,
			    "SELECT 1 FROM flow_park f WHERE f.id = $1 AND f.device_id IS DISTINCT"
			    " FROM $2 AND NOT EXISTS (SELECT 1 FROM device a, device b"
			    "  WHERE a.id = f.device_id AND b.id = $2 AND a.sites && b.sites)"
			    " AND NOT EXISTS (SELECT 1 FROM contact k WHERE k.customer_id ="
			    "  f.customer_id AND k.device_id = $2"
			    "  AND k.body->>'flow_id' = f.body->>'flow_id'"
			    "  AND k.created_at >= f.body->>'parked_at')"
			    " AND NOT (f.customer_id || ' ' || (f.body->>'flow_id')) IN"
			    "  (SELECT jsonb_array_elements_text($3::jsonb))",
			    3, q, "checking the parked flow", e);
		if (!r) {
			free(text);
			return e && e->code ? e->code : STATUS_DB;
		}
		if (PQntuples(r) == 1) {
			snprintf(refusal, refsz,
				 "id names a run parked at a desk that shares no site with this one, "
				 "and this desk has logged no contact finishing it since; resume it at "
				 "a desk of that site");
			PQclear(r);
			free(text);
			return STATUS_OK;
		}
		PQclear(r);
		/* The parked state (answers) leaves the log with the run. */
		rc = pg_run(db, "DELETE FROM flow_park WHERE id = $1", 1, p,
			    "removing the parked flow", e);
		if (!rc)
			rc = pg_run(db,
				    "DELETE FROM change_log WHERE record_type = 'flow_park'"
				    " AND record_id = $1",
				    1, p, "removing the parked flow", e);
		if (!rc) {
			/* The body names the run only. */
			char gone[96];

			snprintf(gone, sizeof gone, "{\"id\": \"%.40s\", \"deleted\": true}", c->id);
			rc = pg_log_change(db, locked, "flow_park", c->id, dev->id, gone, e);
		}
		free(text);
		return rc;
	}
	/* Never for a customer erased here. */
	r = pg_exec(db,
		    "INSERT INTO flow_park (id, customer_id, device_id, body)"
		    " SELECT $1, $2, $3, $4::jsonb WHERE NOT EXISTS (SELECT 1 FROM customer"
		    "  WHERE id = $2 AND erased) ON CONFLICT (id) DO NOTHING RETURNING id",
		    4, p, "saving the parked flow", e);
	if (!r) {
		free(text);
		return e && e->code ? e->code : STATUS_DB;
	}
	if (PQntuples(r) == 1)
		rc = pg_log_change(db, locked, "flow_park", c->id, dev->id, text, e);
	PQclear(r);
	free(text);
	return rc;
}

/* Cases and case events raised at a desk before an erasure reached it:
 * scrubbed as the erasure did. */
static enum status scrub_late_cases(struct pg *db, json_t *cases, struct err *e)
{
	char *text = json_dumps(cases, JSON_COMPACT);
	const char *p[1] = { text };
	enum status rc = STATUS_OK;
	PGresult *r;

	if (!text)
		die("out of memory encoding JSON");
	r = pg_exec(db,
		    "SELECT DISTINCT c.customer_id FROM \"case\" c JOIN customer u"
		    " ON u.id = c.customer_id WHERE u.erased"
		    " AND c.id IN (SELECT jsonb_array_elements_text($1::jsonb))",
		    1, p, "reading erased customers", e);
	free(text);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	for (int i = 0; i < PQntuples(r) && !rc; i++) {
		const char *q[1] = { PQgetvalue(r, i, 0) };

		/* Not the record's log entries: the tombstone stays. */
		rc = pg_run(db,
			    "UPDATE \"case\" SET body = body || jsonb_build_object('reason',"
			    " '[erased]', 'result', CASE WHEN body->>'result' IS NULL THEN NULL"
			    " ELSE '[erased]' END) WHERE customer_id = $1",
			    1, q, "erasing the customer", e);
		if (!rc)
			rc = pg_run(db,
				    "UPDATE case_event SET body = body || '{\"note\": null}'"
				    " WHERE case_id IN (SELECT id FROM \"case\" WHERE customer_id = $1)",
				    1, q, "erasing the customer", e);
		if (!rc)
			rc = pg_run(db,
				    "UPDATE change_log l SET body = c.body FROM \"case\" c"
				    " WHERE l.record_type = 'case' AND l.record_id = c.id"
				    " AND c.customer_id = $1",
				    1, q, "erasing the customer", e);
		if (!rc)
			rc = pg_run(db,
				    "UPDATE change_log SET body = body || '{\"note\": null}'"
				    " WHERE record_type = 'case_event' AND record_id IN (SELECT e.id"
				    " FROM case_event e JOIN \"case\" c ON c.id = e.case_id"
				    " WHERE c.customer_id = $1)",
				    1, q, "erasing the customer", e);
	}
	PQclear(r);
	return rc;
}

/* Appends s to a PostgreSQL array literal, quoted ("{" first). */
static void array_add(struct buf *b, const char *s, bool first)
{
	buf_adds(b, first ? "{\"" : ",\"");
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_add(b, "\\", 1);
		buf_add(b, p, 1);
	}
	buf_adds(b, "\"");
}

/* Try i of a batch whose predecessor is not held: waits a moment, or after
 * the last try gives up (409). */
static enum status order_wait(const struct push_batch *b, int i, struct push_result *res,
			      struct err *e)
{
	struct timespec ts = { 0, ORDER_WAIT_MS * 1000000L };

	if (i + 1 >= ORDER_TRIES) {
		res->out_of_order = true;
		return err_set(e, STATUS_INVALID,
			       "the batch before this one (up to seq %lld) is not held; send that "
			       "one first",
			       b->after);
	}
	nanosleep(&ts, NULL);
	return STATUS_OK;
}


void push_result_release(struct push_result *r)
{
	if (!r)
		return;
	json_decref(r->refused);
	r->refused = NULL;
}

/*
 * A batch checked before its transaction: every change's refusal (NULL when
 * valid) and decoded customer, and the append-only facts (visits, contacts,
 * audit rows) encoded for one statement each, so the device's turn in the
 * database is spent on the database only.
 */
struct checked {
	char **refusal;
	const char **code; /* each refusal's code (invalid, not_yours) */
	char **text;	   /* each body as its digest saw it (NULL: a customer) */
	char (*digest)[65]; /* each change's digest */
	struct customer **cu;
	char *visits, *contacts, *audits; /* JSON arrays; NULL when empty */
	char *audit_seqs; /* the change seq of each of audits, as an array literal */
};

static bool is_fact(const char *type)
{
	return !strcmp(type, "visit") || !strcmp(type, "contact") || !strcmp(type, "audit");
}

/* Appends text to the JSON array being built in out ("[" first). */
static void array_text_add(struct buf *out, const char *text)
{
	buf_adds(out, out->len ? "," : "[");
	buf_adds(out, text);
}

static char *array_text_end(struct buf *out)
{
	char *text = NULL;

	if (out->len) {
		buf_adds(out, "]");
		text = buf_detach(out);
	}
	buf_release(out);
	return text;
}

/* Encodes the valid facts of the batch; those with fresh[i] false (already
 * held) are left out when fresh is given. Each body's text is the one its
 * digest was taken over, dumped once. */
static void encode_facts(const struct push_batch *b, struct checked *ck, const bool *fresh)
{
	struct buf visits, contacts, audits, seqs;

	/* No cap of their own: the batch came in a request of at most
	 * SERVER_INFLATED_MAX bytes, and these hold its texts once. */
	buf_init(&seqs, 0);
	buf_init(&visits, 0);
	buf_init(&contacts, 0);
	buf_init(&audits, 0);
	for (size_t i = 0; i < b->n; i++) {
		const struct push_change *c = &b->changes[i];

		if (ck->refusal[i] || (fresh && !fresh[i]) || !is_fact(c->type))
			continue;
		array_text_add(!strcmp(c->type, "visit")     ? &visits
			       : !strcmp(c->type, "contact") ? &contacts
							     : &audits,
			       ck->text[i]);
		if (!strcmp(c->type, "audit"))
			buf_printf(&seqs, "%s%lld", seqs.len ? "," : "{", c->seq);
	}
	free(ck->audit_seqs);
	ck->audit_seqs = NULL;
	if (seqs.len) {
		buf_adds(&seqs, "}");
		ck->audit_seqs = xstrdup(buf_str(&seqs));
	}
	buf_release(&seqs);
	free(ck->visits);
	free(ck->contacts);
	free(ck->audits);
	ck->visits = array_text_end(&visits);
	ck->contacts = array_text_end(&contacts);
	ck->audits = array_text_end(&audits);
}

/* The users a batch names (advisors and actors), read in one statement. */
struct batch_user {
	char *login;
	bool disabled;
	char **sites;
	size_t nsites;
};
struct batch_users {
	struct batch_user *u;
	size_t n;
};

static bool batch_user_find(void *ctx, const char *login, bool *disabled,
			    const char *const **sites, size_t *nsites)
{
	struct batch_users *bu = ctx;

	for (size_t i = 0; i < bu->n; i++)
		if (!strcmp(bu->u[i].login, login)) {
			*disabled = bu->u[i].disabled;
			*sites = (const char *const *)bu->u[i].sites;
			*nsites = bu->u[i].nsites;
			return true;
		}
	return false;
}

static void batch_users_release(struct batch_users *bu)
{
	for (size_t i = 0; i < bu->n; i++) {
		for (size_t k = 0; k < bu->u[i].nsites; k++)
			free(bu->u[i].sites[k]);
		free(bu->u[i].sites);
		free(bu->u[i].login);
	}
	free(bu->u);
	memset(bu, 0, sizeof *bu);
}

static enum status load_users(struct pg *db, const struct push_batch *b, struct batch_users *bu,
			      struct err *e)
{
	json_t *logins = json_object(), *v;
	struct buf arr;
	const char *key, *p[1];
	bool first = true;
	PGresult *r;

	for (size_t i = 0; i < b->n; i++) {
		const struct push_change *c = &b->changes[i];
		const char *m = !strcmp(c->type, "case_event") ? "actor" : "advisor";
		char login[128];

		if ((strcmp(c->type, "visit") && strcmp(c->type, "contact") &&
		     strcmp(c->type, "case_event")) ||
		    !server_advisor_login(json_string_value(json_object_get(c->body, m)), login,
					  sizeof login) ||
		    !login[0])
			continue;
		json_object_set_new(logins, login, json_true());
	}
	if (!json_object_size(logins)) {
		json_decref(logins);
		return STATUS_OK;
	}
	buf_init(&arr, 1024 * 1024);
	json_object_foreach(logins, key, v)
	{
		array_add(&arr, key, first);
		first = false;
	}
	buf_adds(&arr, "}");
	json_decref(logins);
	if (buf_status(&arr) != STATUS_OK) {
		buf_release(&arr);
		return err_set(e, STATUS_TOO_BIG, "a push names too many users; send fewer changes");
	}
	p[0] = buf_str(&arr);
	r = pg_exec(db,
		    "SELECT login, coalesce(body->>'disabled', 'false') = 'true',"
		    " coalesce((SELECT string_agg(s.site, ' ') FROM user_site s"
		    "  WHERE s.login = u.login), '')"
		    " FROM app_user u WHERE login = ANY($1::text[])",
		    1, p, "reading the users a push names", e);
	buf_release(&arr);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	bu->n = (size_t)PQntuples(r);
	bu->u = xcalloc(bu->n ? bu->n : 1, sizeof *bu->u);
	for (size_t i = 0; i < bu->n; i++) {
		struct batch_user *u = &bu->u[i];
		const char *sp = PQgetvalue(r, (int)i, 2);

		u->login = xstrdup(PQgetvalue(r, (int)i, 0));
		u->disabled = PQgetvalue(r, (int)i, 1)[0] == 't';
		u->sites = xcalloc(strlen(sp) / 2 + 2, sizeof *u->sites);
		while (*sp) {
			size_t n = strcspn(sp, " ");

			if (n) {
				u->sites[u->nsites] = xcalloc(n + 1, 1);
				memcpy(u->sites[u->nsites++], sp, n);
			}
			sp += n;
			sp += strspn(sp, " ");
		}
	}
	PQclear(r);
	return STATUS_OK;
}

/* The provisional identity a desk used before enrolment (its first device
 * id, in contacts and audit ids; its first code, in case references) is
 * recorded at enrolment only, from what the desk sends with its one-time
 * enrolment code (pg_device_claim): a device already enrolled cannot claim
 * another desk's by pushing records that use it. */

/*
 * A contact that corrects another (corrects: its id) is taken only for a
 * contact this device made: a desk never sees another desk's contacts, and
 * a correction takes the corrected contact out of the reports. One
 * statement for the batch, when it carries corrections at all.
 */
static enum status check_corrections(struct pg *db, const struct device_auth *dev,
				     const struct push_batch *b, struct checked *ck, struct err *e)
{
	struct buf ids;
	const char *p[3];
	PGresult *r;
	bool any = false;

	buf_init(&ids, 64 * 1024 * 1024);
	for (size_t i = 0; i < b->n; i++) {
		const char *k = json_string_value(json_object_get(b->changes[i].body, "corrects"));

		if (ck->refusal[i] || strcmp(b->changes[i].type, "contact") != 0 || !k)
			continue;
		array_add(&ids, k, !any);
		any = true;
	}
	if (!any) {
		buf_release(&ids);
		return STATUS_OK;
	}
	buf_adds(&ids, "}");
	if (buf_status(&ids) != STATUS_OK) {
		buf_release(&ids);
		return err_set(e, STATUS_TOO_BIG, "a push corrects too many contacts; send fewer");
	}
	p[0] = buf_str(&ids);
	p[1] = dev->id;
	p[2] = dev->prov_id;
	r = pg_exec(db,
		    "SELECT id FROM contact WHERE id = ANY($1::text[]) AND device_id <> $2"
		    " AND device_id <> $3",
		    3, p, "reading the contacts corrected", e);
	buf_release(&ids);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	for (int row = 0; row < PQntuples(r); row++)
		for (size_t i = 0; i < b->n; i++) {
			const struct push_change *c = &b->changes[i];
			const char *k = json_string_value(json_object_get(c->body, "corrects"));
			char text[400];

			if (ck->refusal[i] || strcmp(c->type, "contact") != 0 || !k ||
			    strcmp(k, PQgetvalue(r, row, 0)) != 0)
				continue;
			server_refusal_text(c,
					    "corrects names a contact made at another desk; a desk "
					    "corrects only its own contacts",
					    text, sizeof text);
			ck->refusal[i] = xstrdup(text);
			ck->code[i] = "not_yours";
		}
	PQclear(r);
	return STATUS_OK;
}

/*
 * The valid contacts of a batch for a customer, with notes or answers:
 * their texts (the digests are taken already) replaced by sealed ones, and
 * the keys made for them durable before the batch's transaction begins.
 */
static enum status seal_contacts(struct pg *db, const struct push_batch *b, struct checked *ck,
				 struct err *e)
{
	for (size_t i = 0; i < b->n; i++) {
		const json_t *body = b->changes[i].body;
		const char *customer = json_string_value(json_object_get(body, "customer_id"));
		char *text;

		if (ck->refusal[i] || strcmp(b->changes[i].type, "contact") != 0 || !customer)
			continue;
		const json_t *notes = json_object_get(body, "notes");
		const json_t *answers = json_object_get(body, "answers");

		if ((!notes || json_is_null(notes)) && (!answers || json_is_null(answers)))
			continue;
		text = pg_sealed_text(db, "contact", body, customer, e);
		if (!text)
			return e && e->code ? e->code : STATUS_INVALID;
		free(ck->text[i]);
		ck->text[i] = text;
	}
	return pg_seal_commit(db, e);
}

static enum status check_batch(struct pg *db, struct device_auth *dev,
			       const struct push_batch *b, struct checked *ck, struct err *e)
{
	struct server_codes codes = { code_exists, db };
	struct batch_users bu = { NULL, 0 };
	struct server_users users = { batch_user_find, &bu };
	const char *sites[DEVICE_SITES_MAX];
	struct server_device d;
	enum status rc = load_codes(db, e);

	ck->refusal = xcalloc(b->n ? b->n : 1, sizeof *ck->refusal);
	ck->code = xcalloc(b->n ? b->n : 1, sizeof *ck->code);
	ck->text = xcalloc(b->n ? b->n : 1, sizeof *ck->text);
	ck->digest = xcalloc(b->n ? b->n : 1, sizeof *ck->digest);
	ck->cu = xcalloc(b->n ? b->n : 1, sizeof *ck->cu);
	if (!rc)
		rc = load_users(db, b, &bu, e);
	if (rc) {
		batch_users_release(&bu);
		return rc;
	}
	for (int i = 0; i < dev->nsites; i++)
		sites[i] = dev->sites[i];
	d = (struct server_device){ dev->id, dev->prov_id, dev->code, dev->prov_code, sites,
				    (size_t)dev->nsites };
	for (size_t i = 0; i < b->n; i++) {
		const struct push_change *c = &b->changes[i];
		char msg[300] = "", text[400];
		const char *code = NULL;

		if (strcmp(c->type, "customer") != 0) {
			ck->text[i] = json_dumps(c->body, JSON_COMPACT | JSON_SORT_KEYS);
			if (!ck->text[i])
				die("out of memory encoding JSON");
		}
		server_change_digest_text(c, ck->text[i], ck->digest[i]);

		if (!server_change_check(c, &codes, &ck->cu[i], msg, sizeof msg))
			code = "invalid";
		else
			code = server_change_owned(c, &d, &users, msg, sizeof msg);
		if (!code)
			continue;
		server_refusal_text(c, msg[0] ? msg : "refused", text, sizeof text);
		ck->refusal[i] = xstrdup(text);
		ck->code[i] = code;
		customer_free(ck->cu[i]);
		ck->cu[i] = NULL;
	}
	batch_users_release(&bu);
	rc = check_corrections(db, dev, b, ck, e);
	if (!rc)
		rc = seal_contacts(db, b, ck, e);
	if (rc)
		return rc;
	encode_facts(b, ck, NULL);
	return STATUS_OK;
}

static void checked_release(struct checked *ck, size_t n)
{
	for (size_t i = 0; ck->refusal && i < n; i++) {
		free(ck->refusal[i]);
		free(ck->text[i]);
		customer_free(ck->cu[i]);
	}
	free(ck->refusal);
	free(ck->code);
	free(ck->text);
	free(ck->digest);
	free(ck->cu);
	free(ck->visits);
	free(ck->contacts);
	free(ck->audits);
	free(ck->audit_seqs);
}

/* ---- privileged acts need a person ------------------------------------- */

/*
 * The role a change needs from a person, or NULL when the device's token
 * is enough: an erasure and any user change need an administrator; a
 * status change or event on a case another device raised needs a
 * supervisor (or an administrator). cu is the decoded customer.
 */
static enum status person_needed(struct pg *db, const struct device_auth *dev,
				 const struct push_change *c, const struct customer *cu,
				 const char **role, struct err *e)
{
	const char *case_id = NULL;

	*role = NULL;
	if (!strcmp(c->type, "customer")) {
		if (cu && cu->erased)
			*role = "admin";
		return STATUS_OK;
	}
	if (!strcmp(c->type, "user")) {
		*role = "admin";
		return STATUS_OK;
	}
	if (!strcmp(c->type, "case") && !strcmp(c->op, "update"))
		case_id = c->id;
	else if (!strcmp(c->type, "case_event"))
		case_id = json_string_value(json_object_get(c->body, "case_id"));
	if (case_id) {
		const char *p[2] = { case_id, dev->id };
		PGresult *r = pg_exec(db,
				      "SELECT 1 FROM \"case\" WHERE id = $1"
				      " AND device_id IS DISTINCT FROM $2",
				      2, p, "reading the case's desk", e);

		if (!r)
			return e && e->code ? e->code : STATUS_DB;
		if (PQntuples(r) == 1)
			*role = "supervisor";
		PQclear(r);
	}
	return STATUS_OK;
}

/*
 * Refuses with needs_person every privileged change of the batch whose
 * session does not prove a person holding the role at this device. Runs
 * before the batch's transaction; nothing of a refused change is applied.
 */
static enum status check_persons(struct pg *db, const struct device_auth *dev,
				 const struct push_batch *b, struct checked *ck, struct err *e)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct push_change *c = &b->changes[i];
		const char *role;
		char login[64], msg[900];
		struct err why;
		enum status rc;

		if (ck->refusal[i] || is_fact(c->type))
			continue;
		rc = person_needed(db, dev, c, ck->cu[i], &role, e);
		if (rc)
			return rc;
		if (!role)
			continue;
		err_clear(&why);
		rc = c->session ? pg_session_check(db, dev, c->session, role, login, sizeof login,
						   &why)
				: err_set(&why, STATUS_DENIED, "no session given");
		if (rc == STATUS_OK)
			continue;
		if (rc != STATUS_DENIED) {
			if (e)
				*e = why;
			return rc;
		}
		snprintf(msg, sizeof msg,
			 "%.20s %.40s (seq %lld) is a privileged act: it needs the session of %s %s "
			 "signed in at this desk (%s); sign in online and send it again",
			 c->type, c->id, c->seq, !strcmp(role, "admin") ? "an" : "a",
			 !strcmp(role, "admin") ? "administrator" : "supervisor or administrator",
			 why.msg);
		ck->refusal[i] = xstrdup(msg);
		ck->code[i] = "needs_person";
	}
	return STATUS_OK;
}

/*
 * A user made or changed at a desk by an administrator: saved by login
 * (the server's id kept for a login it knows) and logged for every desk.
 * A disabled user's sessions end.
 */
static enum status apply_user(struct pg *db, json_t *body, bool *locked, struct err *e)
{
	const char *login = json_string_value(json_object_get(body, "login"));
	const char *p[3] = { login, NULL, NULL };
	json_t *o = json_deep_copy(body);
	PGresult *r;
	char *text;
	enum status rc;

	r = pg_exec(db, "SELECT id, body->>'password_hash' FROM app_user WHERE login = $1", 1, p,
		    "reading the user", e);
	if (!r) {
		json_decref(o);
		return e && e->code ? e->code : STATUS_DB;
	}
	if (PQntuples(r) == 1) {
		json_object_set_new(o, "id", json_string(PQgetvalue(r, 0, 0)));
		/* a change without a password keeps the one held */
		if (!json_is_string(json_object_get(o, "password_hash")) && !PQgetisnull(r, 0, 1))
			json_object_set_new(o, "password_hash", json_string(PQgetvalue(r, 0, 1)));
	}
	PQclear(r);
	text = dump(o);
	p[0] = json_string_value(json_object_get(o, "id"));
	p[1] = login;
	p[2] = text;
	rc = pg_run(db,
		    "INSERT INTO app_user (id, login, body) VALUES ($1, $2, $3::jsonb)"
		    " ON CONFLICT (login) DO UPDATE SET body = EXCLUDED.body",
		    3, p, "saving the user", e);
	if (!rc)
		rc = pg_log_change(db, locked, "user", p[0], NULL, text, e);
	if (!rc && json_is_true(json_object_get(o, "disabled")))
		rc = pg_session_end_user(db, login, e);
	free(text);
	json_decref(o);
	return rc;
}

static enum status bulk_insert(struct pg *db, const char *sql, const char *device,
			       const char *arr, const char *what, struct err *e)
{
	const char *p[2] = { device, arr };

	return arr ? pg_run(db, sql, 2, p, what, e) : STATUS_OK;
}

/* One statement of a pipeline, and where its rows go (if anywhere). */
struct step {
	const char *sql, *what;
	int n;
	const char *p[5];
	PGresult **keep;
};

/*
 * Runs steps as one pipeline: sent together, answered together, so a push
 * costs the database one round trip instead of one a statement (on a busy
 * machine each round trip is a wait for the scheduler). The first failure
 * fills e and code (its SQLSTATE); the server skips the rest. The
 * connection leaves pipeline mode in any case.
 */
static enum status pipeline(struct pg *db, const struct step *st, int n, char code[6],
			    struct err *e)
{
	PGconn *c = db->conn;
	enum status rc = STATUS_OK;
	int q = 0, nulls = 0;
	bool synced = false;

	code[0] = '\0';
	if (!PQenterPipelineMode(c))
		return pg_error(db, NULL, "starting a pipeline", e);
	for (int i = 0; i < n && !rc; i++)
		if (!PQsendQueryParams(c, st[i].sql, st[i].n, NULL, st[i].p, NULL, NULL, 0))
			rc = pg_error(db, NULL, st[i].what, e);
	if (!rc && !PQpipelineSync(c))
		rc = pg_error(db, NULL, "sending the push", e);
	/* Each statement answers with its result and then NULL; the sync
	 * point ends the pipeline. Bounded, in case the connection is lost. */
	while (!rc && !synced && nulls <= n + 1) {
		PGresult *r = PQgetResult(c);
		ExecStatusType s;

		if (!r) {
			q++;
			nulls++;
			if (PQstatus(c) != CONNECTION_OK)
				break;
			continue;
		}
		s = PQresultStatus(r);
		if (s == PGRES_PIPELINE_SYNC) {
			synced = true;
		} else if (s == PGRES_FATAL_ERROR && !code[0]) {
			const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

			snprintf(code, 6, "%s", state ? state : "XX000");
			pg_error(db, r, q < n ? st[q].what : "pushing", e);
		} else if ((s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) && q < n && st[q].keep &&
			   !*st[q].keep) {
			*st[q].keep = r;
			continue;
		}
		PQclear(r);
	}
	if (!synced && !rc)
		rc = pg_error(db, NULL, "reading the push's answers", e);
	if (!PQexitPipelineMode(c)) {
		/* answers left unread (the connection failed): start afresh,
		 * with synchronous commit as pg_connect sets it */
		PQreset(c);
		if (PQstatus(c) == CONNECTION_OK)
			pg_run(db, "SET synchronous_commit = on", 0, NULL, "reconnecting", NULL);
		if (!rc)
			rc = pg_error(db, NULL, "ending the pipeline", e);
	}
	if (!rc && code[0])
		rc = e && e->code ? e->code : STATUS_DB;
	return rc;
}

/*
 * A batch naming a seq the server holds with another record: a desk
 * restored from a backup reuses seqs. Nothing of it is applied; the answer
 * says which seq and the highest held, so the desk renumbers what it has
 * not sent after that (common decision 2).
 */
static enum status seq_reused(struct pg *db, const struct device_auth *dev,
			      const struct push_batch *b, const char *seqs, const char *digests,
			      struct push_result *res, struct err *e)
{
	const char *p[3] = { dev->id, seqs, digests };
	PGresult *r = pg_exec(db,
			      "SELECT (SELECT max(seq) FROM change_in WHERE device_id = $1),"
			      " (SELECT min(c.seq) FROM change_in c"
			      "  JOIN unnest($2::bigint[]) WITH ORDINALITY u(s, n)"
			      "  ON c.device_id = $1 AND c.seq = u.s WHERE c.digest <>"
			      "  encode(substring($3::bytea FROM (u.n::int - 1) * 32 + 1 FOR 32), 'hex'))",
			      3, p, "reading the seqs held", e);

	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	res->held = pg_ll(r, 0, 0);
	res->reused_seq = pg_ll(r, 0, 1);
	PQclear(r);
	res->seq_reused = true;
	for (size_t i = 0; i < b->n; i++)
		if (b->changes[i].seq == res->reused_seq)
			res->reused_index = i;
	return err_set(e, STATUS_EXISTS,
		       "seq %lld is held already with another record (the server holds up to "
		       "seq %lld): this desk was restored from a backup; renumber what it has not "
		       "sent after %lld and push again",
		       res->reused_seq, res->held, res->held);
}

/*
 * The steps every push opens with, into st (room for 4): BEGIN, the
 * device's turn, the batch before held (when it names one: after), and
 * no seq of it held with another record (first: its first seq). Returns
 * how many; the strings are borrowed by the steps.
 */
static int opening_steps(struct step *st, const struct device_auth *dev,
			 const struct push_batch *b, const char *after, const char *first,
			 const char *seqs, const char *digests)
{
	int n = 0;

	st[n++] = (struct step){ "BEGIN", "starting a transaction", 0, { NULL }, NULL };
	st[n++] = (struct step){ "SELECT pg_advisory_xact_lock(" DEVICE_LOCK ", hashtext($1))",
				 "taking the device's turn", 1, { dev->id }, NULL };
	if (b->after > 0)
		st[n++] = (struct step){ "SELECT frontdesk_follows($1, $2::bigint)",
					 "checking the batch before", 2, { dev->id, after }, NULL };
	st[n++] = (struct step){ SQL_SAME_SEQS, "checking the batch's seqs", 4,
				 { dev->id, first, seqs, digests }, NULL };
	return n;
}

/*
 * Begins the batch's transaction holding the device's lock. A console keeps
 * two batches in flight, so the second can reach the database first: a
 * batch that follows another ("after") goes ahead only once that one is
 * held (frontdesk_follows), since a case must be in before its events. The
 * lock is not held while waiting, or the batch waited for could never take
 * it.
 */
static enum status begin_in_order(struct pg *db, const struct device_auth *dev,
				  const struct push_batch *b, const char *seqs, const char *digests,
				  struct push_result *res, struct err *e)
{
	char after[24], first[24];

	snprintf(after, sizeof after, "%lld", b->after);
	snprintf(first, sizeof first, "%lld", b->changes[0].seq);
	for (int i = 0;; i++) {
		struct step st[4];
		int n;
		char code[6];
		enum status rc;

		n = opening_steps(st, dev, b, after, first, seqs, digests);
		rc = pipeline(db, st, n, code, e);
		if (!strcmp(code, "FD412")) {
			if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
				pg_end(db, false, NULL);
			return seq_reused(db, dev, b, seqs, digests, res, e);
		}
		if (strcmp(code, "FD409") != 0)
			return rc;
		pg_end(db, false, NULL);
		rc = order_wait(b, i, res, e);
		if (rc)
			return rc;
	}
}

/*
 * A batch of facts only (visits, contacts, audit rows: appended, each
 * idempotent on its id, nothing to merge or log, the common push): one
 * pipeline from BEGIN to COMMIT. A batch whose predecessor is not held yet
 * fails at frontdesk_follows, is rolled back, and waits as begin_in_order
 * does.
 */
static enum status push_facts(struct pg *db, const struct device_auth *dev,
			      const struct push_batch *b, const struct checked *ck,
			      const char *seqs, const char *types, const char *ids,
			      const char *digests, const char *refused, struct push_result *res,
			      struct err *e)
{
	char after[24], first[24], last[24], delay[24];
	long delay_ms = server_hook_push_delay_ms();

	snprintf(after, sizeof after, "%lld", b->after);
	snprintf(first, sizeof first, "%lld", b->changes[0].seq);
	snprintf(last, sizeof last, "%lld", b->changes[b->n - 1].seq);
	snprintf(delay, sizeof delay, "%ld", delay_ms);
	for (int i = 0;; i++) {
		PGresult *in = NULL, *held = NULL;
		struct step st[12];
		int n;
		char code[6];
		enum status rc;

		n = opening_steps(st, dev, b, after, first, seqs, digests);
		st[n++] = (struct step){ SQL_CHANGE_IN, "recording the batch", 5,
					 { dev->id, seqs, types, ids, digests }, &in };
		if (ck->visits)
			st[n++] = (struct step){ SQL_VISITS, "saving visits", 2,
						 { dev->id, ck->visits }, NULL };
		if (ck->contacts)
			st[n++] = (struct step){ SQL_CONTACTS, "saving contacts", 2,
						 { dev->id, ck->contacts }, NULL };
		if (ck->audits) {
			st[n++] = (struct step){ SQL_AUDITS_REUSED, "checking audit ids", 3,
						 { dev->id, ck->audits, ck->audit_seqs }, NULL };
			st[n++] = (struct step){ SQL_AUDITS, "saving the audit trail", 2,
						 { dev->id, ck->audits }, NULL };
		}
		if (refused)
			st[n++] = (struct step){ SQL_REFUSALS, "recording refusals", 2,
						 { dev->id, refused }, NULL };
		/* (test: a push held inside its transaction, to be killed) */
		if (delay_ms > 0)
			st[n++] = (struct step){ "SELECT pg_sleep($1::float8 / 1000)", "waiting",
						 1, { delay }, NULL };
		st[n++] = (struct step){ SQL_HELD, "reading what is held", 3,
					 { dev->id, first, last }, &held };
		st[n++] = (struct step){ "COMMIT", "committing", 0, { NULL }, NULL };
		rc = pipeline(db, st, n, code, e);
		if (!rc) {
			res->applied = in ? (size_t)PQntuples(in) : 0;
			res->held = held ? pg_ll(held, 0, 0) : 0;
			res->refused = held ? json_loads(PQgetvalue(held, 0, 1), 0, NULL) : NULL;
			if (!res->refused)
				res->refused = json_array();
		}
		PQclear(in);
		PQclear(held);
		if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
			pg_end(db, false, NULL);
		if (!strcmp(code, "FD412"))
			return seq_reused(db, dev, b, seqs, digests, res, e);
		if (strcmp(code, "FD409") != 0)
			return rc;
		rc = order_wait(b, i, res, e);
		if (rc)
			return rc;
	}
}

/* The customers the batch's valid contacts are for, as a JSON array (for
 * the parked-flow rule); NULL when the batch removes no parked run. */
static char *batch_contact_customers(const struct push_batch *b, const struct checked *ck)
{
	json_t *arr = NULL;
	char *text;

	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->changes[i].type, "flow_park") && !strcmp(b->changes[i].op, "delete"))
			arr = json_array();
	if (!arr)
		return NULL;
	for (size_t i = 0; i < b->n; i++) {
		json_t *cu = json_object_get(b->changes[i].body, "customer_id");
		json_t *fl = json_object_get(b->changes[i].body, "flow_id");

		/* "CUSTOMER FLOW": a contact that finished a flow for a customer */
		if (!ck->refusal[i] && !strcmp(b->changes[i].type, "contact") && json_is_string(cu) &&
		    json_is_string(fl)) {
			char *pair = xasprintf("%s %s", json_string_value(cu), json_string_value(fl));

			json_array_append_new(arr, json_string(pair));
			free(pair);
		}
	}
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (!text)
		die("out of memory encoding JSON");
	return text;
}

/*
 * When the batch carried audit rows: the device's audit head after it, for
 * the answer (common decision 4). Read after the commit; a failure here
 * only leaves the head out of the answer (the next push carries it).
 */
static void answer_audit_head(struct pg *db, const struct device_auth *dev,
			      const struct push_batch *b, struct push_result *res)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->changes[i].type, "audit")) {
			if (pg_audit_head(db, dev->id, &res->audit_seq, res->audit_hash, NULL))
				res->audit_seq = 0;
			return;
		}
}

enum status pg_push(struct pg *db, const struct device_auth *dev, const struct push_batch *b,
		    struct push_result *res, struct err *e)
{
	struct buf seqs, types, ids, digests;
	struct device_auth me = *dev; /* (a copy the checks may read) */
	struct checked ck = { 0 };
	json_t *refusals = json_array(), *cases = json_array();
	bool *fresh = xcalloc(b->n ? b->n : 1, sizeof *fresh);
	char first[24], last[24], *refused_text = NULL, *park_customers = NULL;
	const char *p[3];
	bool locked = false, ok = false;
	size_t nfresh = 0;
	PGresult *r;
	enum status rc;

	memset(res, 0, sizeof *res);
	buf_init(&seqs, 64 * 1024 * 1024);
	buf_init(&types, 64 * 1024 * 1024);
	buf_init(&ids, 64 * 1024 * 1024);
	buf_init(&digests, 64 * 1024 * 1024);
	dev = &me;
	rc = check_batch(db, &me, b, &ck, e);
	if (!rc)
		rc = check_persons(db, dev, b, &ck, e);
	if (rc)
		goto out;
	for (size_t i = 0; i < b->n; i++) {
		/* Three array parameters: cheaper for the server than a JSON
		 * document to take apart. */
		buf_printf(&seqs, "%s%lld", i ? "," : "{", b->changes[i].seq);
		array_add(&types, b->changes[i].type, i == 0);
		array_add(&ids, b->changes[i].id, i == 0);
		if (!i)
			buf_adds(&digests, "\\x");
		buf_adds(&digests, ck.digest[i]);
		/* Changes the log records take its lock first, before any row
		 * lock, so two pushes never wait on each other in a circle. */
		if (!is_fact(b->changes[i].type))
			locked = true;
	}
	buf_adds(&seqs, b->n ? "}" : "{}");
	buf_adds(&types, b->n ? "}" : "{}");
	buf_adds(&ids, b->n ? "}" : "{}");
	if (!b->n)
		buf_adds(&digests, "\\x");
	if (buf_status(&seqs) || buf_status(&types) || buf_status(&ids) || buf_status(&digests)) {
		rc = err_set(e, STATUS_TOO_BIG, "the batch is too big to record; send fewer changes");
		goto out;
	}
	if (b->after > 0 && server_hook_push_overtaken()) {
		res->out_of_order = true;
		rc = err_set(e, STATUS_INVALID, "test: this batch overtook the one before");
		goto out;
	}
	if (!locked) {
		/* Facts only: every refusal is known already (SQL_REFUSALS
		 * keeps to the rows this try records). */
		for (size_t i = 0; i < b->n; i++)
			if (ck.refusal[i])
				refuse(refusals, b->changes[i].seq, ck.refusal[i], ck.code[i]);
		if (json_array_size(refusals)) {
			refused_text = json_dumps(refusals, JSON_COMPACT);
			if (!refused_text)
				die("out of memory encoding JSON");
		}
		rc = push_facts(db, dev, b, &ck, buf_str(&seqs), buf_str(&types), buf_str(&ids),
				buf_str(&digests), refused_text, res, e);
		ok = rc == STATUS_OK;
		goto out;
	}
	rc = begin_in_order(db, dev, b, buf_str(&seqs), buf_str(&digests), res, e);
	if (rc)
		goto out;
	if (locked) {
		rc = pg_run(db, "SELECT pg_advisory_xact_lock(" LOG_LOCK ")", 0, NULL,
			    "locking the change log", e);
		if (rc)
			goto out;
	}
	{
		const char *q[5] = { dev->id, buf_str(&seqs), buf_str(&types), buf_str(&ids),
				     buf_str(&digests) };

		r = pg_exec(db, SQL_CHANGE_IN, 5, q, "recording the batch", e);
	}
	if (!r) {
		rc = e && e->code ? e->code : STATUS_DB;
		goto out;
	}
	/* RETURNING gives the new rows in no promised order: find each one's
	 * change (seqs increase through the batch, so a binary search). */
	for (int i = 0; i < PQntuples(r); i++) {
		long long seq = pg_ll(r, i, 0);
		size_t lo = 0, hi = b->n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (b->changes[mid].seq < seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < b->n && b->changes[lo].seq == seq && !fresh[lo]) {
			fresh[lo] = true;
			nfresh++;
		}
	}
	PQclear(r);
	/* A retried batch: only what was not held before goes in. */
	if (nfresh < b->n)
		encode_facts(b, &ck, fresh);
	park_customers = batch_contact_customers(b, &ck);

	for (size_t i = 0; i < b->n && !rc; i++) {
		const struct push_change *c = &b->changes[i];
		char msg[300] = "";
		const char *msg_code = "";

		if (!fresh[i])
			continue; /* held already: a retried batch changes nothing */
		res->applied++;
		if (ck.refusal[i]) {
			refuse(refusals, c->seq, ck.refusal[i], ck.code[i]);
			continue;
		}
		if (!strcmp(c->type, "customer")) {
			rc = apply_customer(db, dev, ck.cu[i], &locked, &res->clock_ahead_ms, e);
			ck.cu[i] = NULL; /* apply_customer took it */
		} else if (!strcmp(c->type, "case"))
			rc = apply_case(db, dev, c, &locked, msg, sizeof msg, e);
		else if (!strcmp(c->type, "case_event"))
			rc = apply_case_event(db, dev->id, c->body, &locked, msg, sizeof msg, e);
		else if (!strcmp(c->type, "flow_park")) {
			rc = apply_flow_park(db, dev, c, park_customers, &locked, msg, sizeof msg, e);
			msg_code = "not_yours";
		} else if (!strcmp(c->type, "user"))
			rc = apply_user(db, c->body, &locked, e);
		if (!strcmp(c->type, "case"))
			json_array_append_new(cases, json_string(c->id));
		else if (!strcmp(c->type, "case_event"))
			json_array_append(cases, json_object_get(c->body, "case_id"));
		if (!rc && msg[0]) {
			char text[400];

			server_refusal_text(c, msg, text, sizeof text);
			refuse(refusals, c->seq, text, msg_code[0] ? msg_code : "invalid");
		}
	}
	if (rc)
		goto out;
	rc = bulk_insert(db, SQL_VISITS, dev->id, ck.visits, "saving visits", e);
	if (!rc)
		rc = bulk_insert(db, SQL_CONTACTS, dev->id, ck.contacts, "saving contacts", e);
	if (!rc && ck.audits) {
		const char *q[3] = { dev->id, ck.audits, ck.audit_seqs };

		rc = pg_run(db, SQL_AUDITS_REUSED, 3, q, "checking audit ids", e);
	}
	if (!rc)
		rc = bulk_insert(db, SQL_AUDITS, dev->id, ck.audits, "saving the audit trail", e);
	if (!rc && json_array_size(refusals)) {
		refused_text = json_dumps(refusals, JSON_COMPACT);
		if (!refused_text)
			die("out of memory encoding JSON");
		rc = bulk_insert(db, SQL_REFUSALS, dev->id, refused_text, "recording refusals", e);
	}
	if (!rc && json_array_size(cases))
		rc = scrub_late_cases(db, cases, e);
	if (!rc && res->clock_ahead_ms > 0) {
		char ahead[24];
		const char *q[2] = { dev->id, ahead };

		snprintf(ahead, sizeof ahead, "%lld", res->clock_ahead_ms);
		rc = pg_run(db,
			    "UPDATE device SET clock_ahead_ms = $2::bigint, clock_flagged_at = now()"
			    " WHERE id = $1",
			    2, q, "flagging the device clock", e);
	}
	if (!rc)
		rc = pg_seal_commit(db, e);
	if (rc)
		goto out;
	if (server_hook_push_delay_ms() > 0) {
		long ms = server_hook_push_delay_ms();
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	snprintf(first, sizeof first, "%lld", b->changes[0].seq);
	snprintf(last, sizeof last, "%lld", b->changes[b->n - 1].seq);
	p[0] = dev->id;
	p[1] = first;
	p[2] = last;
	r = pg_exec(db, SQL_HELD, 3, p, "reading what is held", e);
	if (!r) {
		rc = e && e->code ? e->code : STATUS_DB;
		goto out;
	}
	res->held = pg_ll(r, 0, 0);
	res->refused = json_loads(PQgetvalue(r, 0, 1), 0, NULL);
	if (!res->refused)
		res->refused = json_array();
	PQclear(r);
	rc = pg_end(db, true, e);
	ok = rc == STATUS_OK;
out:
	if (ok)
		answer_audit_head(db, dev, b, res);
	if (!ok) {
		if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
			pg_end(db, false, NULL);
		push_result_release(res);
		if (!rc)
			rc = STATUS_DB;
	}
	checked_release(&ck, b->n);
	buf_release(&seqs);
	buf_release(&types);
	buf_release(&ids);
	buf_release(&digests);
	free(park_customers);
	free(fresh);
	free(refused_text);
	json_decref(refusals);
	json_decref(cases);
	return rc;
}
