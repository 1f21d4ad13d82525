/*
 * The audit trail: append-only and hash-chained per device, read and
 * verified only by those allowed to (STORE_PERM_AUDIT), and that reading is
 * itself audited.
 *
 * Each row carries the hash of the row before it (prev_hash) and its own
 * hash: BLAKE2b-256 (libsodium's crypto_generichash) over a canonical
 * encoding of the row (audit_hash_row, in core so the server checks the
 * same chain). Changing, deleting or reordering a
 * row breaks the chain at that row, and store_audit_verify names it. The
 * table's triggers refuse UPDATE and DELETE from any program that keeps to
 * SQL; a person who drops them with a SQLite shell is caught by the chain,
 * and the copy of every row pushed to the centre (the outbox) keeps the
 * evidence off the machine.
 *
 * Retention (retention.c) may delete old rows: it appends an "audit.retention"
 * checkpoint row carrying the last deleted row's number and hash, and the
 * chain is verified from there.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Append-only: the only way to remove rows is audit_trim(), which lifts
 * the delete trigger inside its own transaction. */
static const char audit_triggers[] =
	"CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'audit rows cannot be changed'); END;"
	"CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'audit rows cannot be deleted'); END;";

/* The last row's number and hash (seq 0 and zeros when there is none). */
static enum status audit_head(struct store *s, long long *seq, char hash[AUDIT_HASH_HEX + 1],
			      struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", e);
	int rc;

	*seq = 0;
	snprintf(hash, AUDIT_HASH_HEX + 1, "%s", AUDIT_ZERO_HASH);
	if (!st)
		return e ? e->code : STATUS_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (col_text_or_null(st, 1))
			snprintf(hash, AUDIT_HASH_HEX + 1, "%s", col_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading the audit trail", e);
	return STATUS_OK;
}

/* The JSON form of an audit row as it travels to the centre. */
static enum status queue_audit(struct store *s, const struct audit_row *r, struct err *e)
{
	char id[UUID_STR_LEN + 32];
	json_t *o;
	char *body;
	enum status rc;

	if (!s->outbox_capture)
		return STATUS_OK;
	snprintf(id, sizeof id, "%s:%lld", r->device_id ? r->device_id : "", r->seq);
	o = json_object();
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "seq", json_integer(r->seq));
	json_object_set_new(o, "device_id", r->device_id ? json_string(r->device_id) : json_null());
	json_object_set_new(o, "at", json_string(r->at));
	json_object_set_new(o, "actor", json_string(r->actor));
	json_object_set_new(o, "action", json_string(r->action));
	json_object_set_new(o, "record_type", r->record_type ? json_string(r->record_type) : json_null());
	json_object_set_new(o, "record_id", r->record_id ? json_string(r->record_id) : json_null());
	json_object_set_new(o, "detail", r->detail ? json_string(r->detail) : json_null());
	json_object_set_new(o, "prev_hash", json_string(r->prev_hash));
	json_object_set_new(o, "hash", json_string(r->hash));
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!body)
		die("out of memory encoding JSON");
	rc = outbox_add(s, "audit", id, "insert", body, e);
	free(body);
	return rc;
}

/* Empty strings are stored as NULL (as bind_text_or_null does), so the
 * hash is taken over what the row will hold. */
static const char *nul_if_empty(const char *v)
{
	return v && *v ? v : NULL;
}

enum status store_audit(struct store *s, const char *action, const char *record_type,
			const char *record_id, const char *detail, struct err *e)
{
	static const char sql[] =
		"INSERT INTO audit (seq, at, actor, action, record_type, record_id, detail,"
		" device_id, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	char now[32], prev[AUDIT_HASH_HEX + 1], hash[AUDIT_HASH_HEX + 1];
	struct audit_row r;
	sqlite3_stmt *st;
	long long last;
	enum status rc;

	if (!action || !*action)
		die("store_audit without an action");
	/* The write lock is taken before the head is read, so two processes
	 * never chain to the same row. */
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	rc = audit_head(s, &last, prev, e);
	if (rc)
		goto out;
	store_now(now, sizeof now);
	r = (struct audit_row){
		.seq = last + 1,
		.device_id = nul_if_empty(s->device_id),
		.at = now,
		.actor = s->actor,
		.action = action,
		.record_type = nul_if_empty(record_type),
		.record_id = nul_if_empty(record_id),
		.detail = nul_if_empty(detail),
		.prev_hash = prev,
	};
	audit_hash_row(&r, hash);
	r.hash = hash;
	st = stmt_sql(s, sql, e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, r.seq);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r.actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	bind_text_or_null(st, 5, r.record_type);
	bind_text_or_null(st, 6, r.record_id);
	bind_text_or_null(st, 7, r.detail);
	bind_text_or_null(st, 8, r.device_id);
	sqlite3_bind_text(st, 9, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, hash, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "writing the audit trail", e);
	if (!rc)
		rc = queue_audit(s, &r, e);
out:
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	return store_tx_end(s, true, e);
}

/* Fills r from a row of "SELECT seq, device_id, at, actor, action,
 * record_type, record_id, detail, prev_hash, hash"; strings borrowed. */
static void row_from(sqlite3_stmt *st, struct audit_row *r)
{
	r->seq = sqlite3_column_int64(st, 0);
	r->device_id = col_text_or_null(st, 1);
	r->at = col_text(st, 2);
	r->actor = col_text(st, 3);
	r->action = col_text(st, 4);
	r->record_type = col_text_or_null(st, 5);
	r->record_id = col_text_or_null(st, 6);
	r->detail = col_text_or_null(st, 7);
	r->prev_hash = col_text_or_null(st, 8);
	r->hash = col_text_or_null(st, 9);
}

#define AUDIT_COLUMNS                                                                              \
	"seq, device_id, at, actor, action, record_type, record_id, detail, prev_hash, hash"

enum status audit_chain_migrate(struct store *s, struct err *e)
{
	static const char sql[] = "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY seq";
	char prev[AUDIT_HASH_HEX + 1] = AUDIT_ZERO_HASH, hash[AUDIT_HASH_HEX + 1];
	char *device = setting_raw(s, "device_id");
	sqlite3_stmt *rd = NULL, *wr = NULL;
	enum status rc = STATUS_OK;
	int step;

	/* Rows written before the chain existed join it in their order, as
	 * written by this device. Prepared here, not cached: a migration runs
	 * once. */
	if (sqlite3_prepare_v2(s->db, sql, -1, &rd, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
			       "UPDATE audit SET device_id = ?2, prev_hash = ?3, hash = ?4"
			       " WHERE seq = ?1",
			       -1, &wr, NULL) != SQLITE_OK) {
		rc = store_db_error(s, sqlite3_errcode(s->db), "sealing the audit trail", e);
		goto out;
	}
	while ((step = sqlite3_step(rd)) == SQLITE_ROW) {
		struct audit_row r;

		row_from(rd, &r);
		r.device_id = device;
		r.prev_hash = prev;
		audit_hash_row(&r, hash);
		sqlite3_reset(wr);
		sqlite3_bind_int64(wr, 1, r.seq);
		bind_text_or_null(wr, 2, device);
		sqlite3_bind_text(wr, 3, prev, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(wr, 4, hash, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(wr) != SQLITE_DONE) {
			rc = store_db_error(s, sqlite3_errcode(s->db), "sealing the audit trail", e);
			goto out;
		}
		memcpy(prev, hash, sizeof prev);
	}
	if (step != SQLITE_DONE) {
		rc = store_db_error(s, step, "sealing the audit trail", e);
		goto out;
	}
	rc = store_exec(s, audit_triggers, e);
out:
	sqlite3_finalize(rd);
	sqlite3_finalize(wr);
	free(device);
	return rc;
}

/* ---- the head the server acknowledged ---------------------------------- */

/* The acknowledged head, "SEQ HASH AT" in the sync state; false if none. */
static bool ack_get(struct store *s, long long *seq, char hash[AUDIT_HASH_HEX + 1], char at[32])
{
	char *v = setting_raw(s, "audit_ack");
	char h[AUDIT_HASH_HEX + 1], t[32];
	long long n;
	bool ok = v && sscanf(v, "%lld %64s %31s", &n, h, t) == 3 && n > 0;

	if (ok) {
		*seq = n;
		memcpy(hash, h, sizeof h);
		memcpy(at, t, sizeof t);
	}
	free(v);
	return ok;
}

enum status store_audit_ack(struct store *s, long long seq, const char *hash, struct err *e)
{
	char old_hash[AUDIT_HASH_HEX + 1], old_at[32], now[32], *v;
	long long old_seq = 0;
	enum status rc;

	if (seq <= 0 || !hash || strlen(hash) != AUDIT_HASH_HEX || strspn(hash, "0123456789abcdef") !=
	    AUDIT_HASH_HEX)
		return err_set(e, STATUS_INVALID,
			       "the server's audit_head is not a row number and hash; update "
			       "frontdesk or frontdeskd so they agree");
	/* The server's head only moves on; an older answer changes nothing. */
	if (ack_get(s, &old_seq, old_hash, old_at) && old_seq > seq)
		return STATUS_OK;
	store_now(now, sizeof now);
	v = xasprintf("%lld %s %s", seq, hash, now);
	rc = setting_put(s, "audit_ack", v, e);
	free(v);
	return rc;
}

/* After the chain checked whole: is the row the server acknowledged still
 * there, with the hash it had? */
static void ack_check(struct store *s, struct audit_verify *out, long long retained_through,
		      const char *acked_row_hash)
{
	char hash[AUDIT_HASH_HEX + 1], *url = setting_raw(s, "server_url");

	out->enrolled = url && *url;
	free(url);
	if (!ack_get(s, &out->acked_seq, hash, out->acked_at))
		return;
	if (out->last_seq < out->acked_seq)
		out->cut = true;
	else if (out->acked_seq > retained_through && acked_row_hash &&
		 strcmp(acked_row_hash, hash) != 0)
		out->cut = true;
}

/* ---- verifying --------------------------------------------------------- */

/* Reads the latest retention checkpoint: the seq and hash of the last row
 * it removed. false when there is none. */
static bool checkpoint_get(struct store *s, long long *through, char hash[AUDIT_HASH_HEX + 1])
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT detail FROM audit WHERE action = 'audit.retention'"
				    " ORDER BY seq DESC LIMIT 1",
				    NULL);
	bool found = false;

	if (!st)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = col_text(st, 0);
		const char *t = strstr(d, "through=");
		const char *h = strstr(d, "hash=");

		if (t && h && strlen(h + 5) >= AUDIT_HASH_HEX) {
			*through = strtoll(t + 8, NULL, 10);
			snprintf(hash, AUDIT_HASH_HEX + 1, "%.*s", AUDIT_HASH_HEX, h + 5);
			found = true;
		}
	}
	sqlite3_reset(st);
	return found;
}

static void describe(char *out, size_t outsz, const struct audit_row *r, const char *why)
{
	snprintf(out, outsz, "audit row %lld (%s %s by %s) %s", r->seq, r->at, r->action, r->actor,
		 why);
}

/* Verifies the chain (no permission check, no audit row). */
static enum status audit_chain_verify(struct store *s, struct audit_verify *out, struct err *e)
{
	static const char sql[] = "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY seq";
	char prev[AUDIT_HASH_HEX + 1] = AUDIT_ZERO_HASH, hash[AUDIT_HASH_HEX + 1];
	char anchor[AUDIT_HASH_HEX + 1], acked_row[AUDIT_HASH_HEX + 1] = "";
	long long through = 0, expect_seq = 1, acked = 0;
	bool have_anchor, first = true;
	sqlite3_stmt *st;
	int step;

	memset(out, 0, sizeof *out);
	have_anchor = checkpoint_get(s, &through, anchor);
	{
		char h[AUDIT_HASH_HEX + 1], at[32];

		if (!ack_get(s, &acked, h, at))
			acked = 0;
	}
	st = stmt_sql(s, sql, e);
	if (!st)
		return e ? e->code : STATUS_DB;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_row r;
		const char *why = NULL;

		row_from(st, &r);
		out->rows++;
		if (first && r.seq != 1) {
			/* Older rows went by retention: the chain starts at the
			 * checkpoint's hash. */
			if (have_anchor && r.seq == through + 1) {
				memcpy(prev, anchor, sizeof prev);
				expect_seq = r.seq;
			} else {
				why = "is the first row, but rows before it are missing and no "
				      "retention checkpoint accounts for them";
			}
		}
		first = false;
		if (!why && r.seq != expect_seq)
			why = "follows a gap: the row before it is missing";
		if (!why && (!r.hash || !r.prev_hash))
			why = "has no hash: it was added outside frontdesk";
		if (!why && strcmp(r.prev_hash, prev) != 0)
			why = "does not follow the row before it: a row was deleted, moved or "
			      "changed";
		if (!why) {
			audit_hash_row(&r, hash);
			if (strcmp(hash, r.hash) != 0)
				why = "does not match its hash: it was changed after it was written";
		}
		if (why) {
			out->first_bad = r.seq;
			describe(out->problem, sizeof out->problem, &r, why);
			break;
		}
		memcpy(prev, r.hash, sizeof prev);
		if (r.seq == acked)
			memcpy(acked_row, r.hash, sizeof acked_row);
		out->last_seq = r.seq;
		expect_seq = r.seq + 1;
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_db_error(s, step, "reading the audit trail", e);
	if (out->first_bad)
		return STATUS_OK;
	snprintf(out->head, sizeof out->head, "%s", prev);
	ack_check(s, out, have_anchor ? through : 0, acked_row[0] ? acked_row : NULL);
	return STATUS_OK;
}

/* ---- reading ----------------------------------------------------------- */

enum status audit_rows(struct store *s, const struct audit_filter *f,
		       int (*fn)(void *ctx, const struct audit_row *r), void *ctx, struct err *e)
{
	/* A customer's rows: those about the customer, and those about their
	 * contacts and cases (a case's status change names the case). */
	static const char by_customer[] =
		"SELECT " AUDIT_COLUMNS " FROM audit WHERE record_id = ?1"
		" UNION SELECT " AUDIT_COLUMNS " FROM audit WHERE record_id IN"
		" (SELECT id FROM \"case\" WHERE customer_id = ?1"
		"  UNION SELECT reference FROM \"case\" WHERE customer_id = ?1)"
		" ORDER BY seq";
	static const char all[] = "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY seq";
	sqlite3_stmt *st;
	long n = 0;
	int step;

	st = stmt_sql(s, f && f->customer_id ? by_customer : all, e);
	if (!st)
		return e ? e->code : STATUS_DB;
	if (f && f->customer_id)
		sqlite3_bind_text(st, 1, f->customer_id, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_row r;

		row_from(st, &r);
		if (f && f->user && *f->user) {
			const char *colon = strrchr(r.actor, ':');
			const char *login = colon ? colon + 1 : r.actor;

			if (strcmp(login, f->user) != 0 && strcmp(r.actor, f->user) != 0)
				continue;
		}
		if (f && f->from && *f->from && strcmp(r.at, f->from) < 0)
			continue;
		if (fn(ctx, &r))
			break;
		if (f && f->limit > 0 && ++n >= f->limit)
			break;
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_db_error(s, step, "reading the audit trail", e);
	return STATUS_OK;
}

/* ---- retention --------------------------------------------------------- */

enum status audit_trim(struct store *s, const char *cutoff, bool dry_run, long *removed,
		       struct err *e)
{
	sqlite3_stmt *st;
	long long last_seq = 0, head_seq;
	char last_hash[AUDIT_HASH_HEX + 1] = "", head_hash[AUDIT_HASH_HEX + 1];
	char detail[256];
	enum status rc;
	int step;

	*removed = 0;
	rc = audit_head(s, &head_seq, head_hash, e);
	if (rc)
		return rc;
	/* Never the newest row: the chain must keep a head. */
	st = stmt_sql(s,
		      "SELECT count(*), max(seq) FROM audit WHERE at < ?1 AND seq < ?2", e);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, head_seq);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*removed = (long)sqlite3_column_int64(st, 0);
		last_seq = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW)
		return store_db_error(s, step, "reading the audit trail", e);
	if (*removed == 0 || dry_run)
		return STATUS_OK;
	/* Rows go oldest first, so what stays is one unbroken run. */
	st = stmt_sql(s, "SELECT hash FROM audit WHERE seq = ?1", e);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_int64(st, 1, last_seq);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(last_hash, sizeof last_hash, "%s", col_text(st, 0));
	sqlite3_reset(st);
	rc = store_exec(s, "DROP TRIGGER IF EXISTS audit_no_delete", e);
	if (!rc) {
		st = stmt_sql(s, "DELETE FROM audit WHERE seq <= ?1", e);
		if (!st)
			rc = e ? e->code : STATUS_DB;
	}
	if (!rc) {
		sqlite3_bind_int64(st, 1, last_seq);
		rc = stmt_run(s, st, "removing old audit rows", e);
		*removed = (long)sqlite3_changes(s->db);
	}
	if (!rc)
		rc = store_exec(s, audit_triggers, e);
	if (rc)
		return rc;
	snprintf(detail, sizeof detail, "removed=%ld before=%s through=%lld hash=%s", *removed,
		 cutoff, last_seq, last_hash);
	return store_audit(s, "audit.retention", "audit", NULL, detail, e);
}

/* ---- the audit trail, for people --------------------------------------- */

enum status store_audit_list(struct store *s, const struct audit_filter *f,
			     int (*fn)(void *ctx, const struct audit_row *r), void *ctx,
			     struct err *e)
{
	enum status rc = store_require(s, STORE_PERM_AUDIT, "audit", NULL, e);

	if (rc)
		return rc;
	/* Reading who looked at whom is itself an access to record. */
	rc = store_audit(s, "audit.show", f && f->customer_id ? "customer" : "audit",
			 f ? f->customer_id : NULL, f && f->user ? f->user : NULL, e);
	if (rc)
		return rc;
	return audit_rows(s, f, fn, ctx, e);
}

enum status store_audit_verify(struct store *s, struct audit_verify *out, struct err *e)
{
	enum status rc = store_require(s, STORE_PERM_AUDIT, "audit", NULL, e);
	char detail[96];

	if (rc)
		return rc;
	rc = audit_chain_verify(s, out, e);
	if (rc)
		return rc;
	if (out->first_bad)
		snprintf(detail, sizeof detail, "broken at row %lld", out->first_bad);
	else if (out->cut)
		snprintf(detail, sizeof detail, "cut: ends at row %lld, server confirmed row %lld",
			 out->last_seq, out->acked_seq);
	else
		snprintf(detail, sizeof detail, "whole, %lld rows", out->rows);
	return store_audit(s, "audit.verify", "audit", NULL, detail, e);
}
