/*
 * The console's side of sync in the store. The outbox: every write that
 * must reach the centre appends its change here (outbox_add) in the write's
 * own transaction; the push reads batches, marks what the server holds and
 * keeps refused rows for an administrator; privileged changes wait for a
 * person. The pull: applying pulled pages (the customer merge by HLC), the
 * cursor, changes kept aside. And the enrolment identity.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- outbox ------------------------------------------------------------ */

/*
 * The role a change needs from a person at the server, or NULL:
 * a user change, and a customer's erasure, need an administrator.
 */
static const char *outbox_privilege(const char *record_type, const char *body)
{
	if (!strcmp(record_type, "user"))
		return "admin";
	if (!strcmp(record_type, "customer") && strstr(body, "\"erased\"")) {
		json_t *j = json_loads(body, 0, NULL);
		bool erased = json_is_true(json_object_get(j, "erased"));

		json_decref(j);
		return erased ? "admin" : NULL;
	}
	return NULL;
}

/* The acting user's login when they hold role (actor "ROLE:LOGIN"), else
 * NULL: anyone holding the role may send the change. */
static const char *acting_login(struct store *s, const char *role)
{
	const char *actor = store_actor(s), *colon = strchr(actor, ':');
	enum store_role need = store_role_find(role);

	if (!colon || store_actor_role(s) < need)
		return NULL;
	{
		char prefix[16];

		snprintf(prefix, sizeof prefix, "%.*s", (int)(colon - actor), actor);
		if (store_role_find(prefix) == STORE_ROLE_NONE)
			return NULL; /* not a user (cli:root) */
	}
	return colon + 1;
}

enum status outbox_add(struct store *s, const char *record_type, const char *record_id,
		       const char *op, const char *body, struct err *e)
{
	sqlite3_stmt *st;
	char now[32];
	const char *wait_role = outbox_privilege(record_type, body);
	enum status rc;

	if (!s->outbox_capture)
		return STATUS_OK;
	st = stmt_get(s, ST_OUTBOX_INSERT, e);
	if (!st)
		return e ? e->code : STATUS_DB;
	store_now(now, sizeof now);
	sqlite3_bind_text(st, 1, record_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, op, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if (wait_role) {
		sqlite3_bind_text(st, 6, wait_role, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, acting_login(s, wait_role), -1, SQLITE_TRANSIENT);
	}
	rc = stmt_run(s, st, "queueing the change for the server", e);
	if (rc || !wait_role)
		return rc;
	/* The record's earlier changes not sent yet carry it now too (an
	 * erasure rewrites them as the tombstone): they wait with it. */
	st = stmt_sql(s,
		      "UPDATE outbox SET wait_role = ?3, wait_login = ?4 WHERE record_type = ?1"
		      " AND record_id = ?2 AND sent_at IS NULL AND error IS NULL"
		      " AND wait_role IS NULL",
		      e);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, record_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, wait_role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, acting_login(s, wait_role), -1, SQLITE_TRANSIENT);
	return stmt_run(s, st, "queueing the change for the server", e);
}

long store_outbox_pending(struct store *s)
{
	return (long)stmt_number(stmt_get(s, ST_OUTBOX_PENDING, NULL));
}

/*
 * A row that may go in this process's pushes: one that waits for no person,
 * or one that waits for the person whose session is held (login L, role R:
 * the row's person, or anyone, and the role or above).
 */
#define OUTBOX_SENDABLE(L, R)                                                     \
	"(wait_role IS NULL OR (" L " IS NOT NULL AND coalesce(wait_login, " L ") = " \
	L " AND (wait_role = " R " OR " R " = 'admin')))"

static void bind_person(struct store *s, sqlite3_stmt *st, int at)
{
	if (s->person_login[0]) {
		sqlite3_bind_text(st, at, s->person_login, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, at + 1, s->person_role, -1, SQLITE_TRANSIENT);
	}
}

void store_outbox_set_person(struct store *s, const char *login, const char *role)
{
	snprintf(s->person_login, sizeof s->person_login, "%s", login ? login : "");
	snprintf(s->person_role, sizeof s->person_role, "%s", login && role ? role : "");
}

enum status store_outbox_waiting(struct store *s,
				 int (*fn)(void *ctx, const struct outbox_waiting *w), void *ctx,
				 struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT coalesce(wait_login, ''), wait_role, count(*) FROM outbox"
				    " WHERE sent_at IS NULL AND error IS NULL AND wait_role IS NOT NULL"
				    " GROUP BY 1, 2 ORDER BY 1, 2",
				    e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct outbox_waiting w = {
			.login = col_text(st, 0),
			.role = col_text(st, 1),
			.count = (long)sqlite3_column_int64(st, 2),
		};

		if (fn(ctx, &w))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading the changes that wait", e);
	return STATUS_OK;
}

/*
 * A change refused "needs_person" waits for one instead of failing: it
 * takes the next seq (after every seq this outbox has used, so the server
 * sees a new change) and keeps, or gets, the role it waits for.
 */
static enum status outbox_wait_again(struct store *s, long long seq, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(
		s,
		"UPDATE outbox SET seq = 1 + max((SELECT max(seq) FROM outbox),"
		"  coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0)),"
		" wait_role = coalesce(wait_role, CASE WHEN record_type IN ('user', 'customer')"
		"  THEN 'admin' ELSE 'supervisor' END), error = NULL, sent_at = NULL"
		" WHERE seq = ?1 AND sent_at IS NULL AND error IS NULL",
		e);
	enum status rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_int64(st, 1, seq);
	rc = stmt_run(s, st, "keeping a change for a person", e);
	if (rc)
		return rc;
	st = stmt_sql(s,
		      "UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM outbox)"
		      " WHERE name = 'outbox' AND seq < (SELECT max(seq) FROM outbox)",
		      e);
	if (!st)
		return e ? e->code : STATUS_DB;
	return stmt_run(s, st, "keeping a change for a person", e);
}

/*
 * The body to send for a customer's row queued without a copy: the record
 * as it stands now (its fields and stamps are in the row; a later edit or
 * erasure is already in them). Caller frees; NULL when the customer is not
 * here, and the row is then sent as it is (the server refuses it and the
 * row is kept aside for an administrator).
 */
static char *customer_body_now(struct store *s, const char *id)
{
	struct customer *c = NULL;
	json_t *j;
	char *body;

	if (customer_load(s, id, &c, NULL, NULL) != STATUS_OK)
		return NULL;
	j = customer_to_json(c);
	customer_free(c);
	if (!j)
		return NULL;
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!body)
		die("out of memory encoding JSON");
	return body;
}

enum status store_outbox_batch(struct store *s, long long after, size_t max_changes,
			       size_t max_bytes,
			       int (*fn)(void *ctx, const struct outbox_change *c), void *ctx,
			       size_t *count, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT seq, record_type, record_id, op, body, wait_role FROM outbox"
				    " WHERE sent_at IS NULL AND error IS NULL AND seq > ?2"
				    " AND " OUTBOX_SENDABLE("?3", "?4") " ORDER BY seq LIMIT ?1",
				    e);
	size_t n = 0, bytes = 0;
	int rc;

	if (count)
		*count = 0;
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max_changes);
	sqlite3_bind_int64(st, 2, after);
	bind_person(s, st, 3);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct outbox_change c = {
			.seq = sqlite3_column_int64(st, 0),
			.record_type = col_text(st, 1),
			.record_id = col_text(st, 2),
			.op = col_text(st, 3),
			.body = col_text(st, 4),
			.wait_role = (const char *)sqlite3_column_text(st, 5),
		};
		size_t len = (size_t)sqlite3_column_bytes(st, 4);
		char *built = NULL;
		int stop;

		if (!strcmp(c.record_type, "customer") && !strcmp(c.body, OUTBOX_BODY_FROM_RECORD) &&
		    (built = customer_body_now(s, c.record_id))) {
			c.body = built;
			len = strlen(built);
		}
		if (n > 0 && bytes + len > max_bytes) {
			free(built);
			break;
		}
		bytes += len;
		n++;
		stop = fn(ctx, &c);
		free(built);
		if (stop)
			break;
	}
	sqlite3_reset(st);
	if (count)
		*count = n;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading the outbox", e);
	return STATUS_OK;
}

enum status store_outbox_mark(struct store *s, long long first, long long last, long long held,
			      const struct outbox_refusal *refused, size_t nrefused,
			      struct err *e)
{
	sqlite3_stmt *st;
	char now[32];
	bool relaxed = false;
	enum status rc;

	/*
	 * A mark lost to a power cut only sends those changes again, and the
	 * server holds them once whatever it is sent (idempotent on device and
	 * sequence): this commit need not wait for the disk (one fsync less per
	 * batch). Every write of a record keeps synchronous = FULL.
	 */
	if (s->tx_depth == 0)
		relaxed = sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) ==
			  SQLITE_OK;
	rc = store_tx_begin(s, e);
	if (rc)
		goto out;
	store_now(now, sizeof now);
	for (size_t i = 0; i < nrefused && !rc; i++) {
		if (refused[i].code && !strcmp(refused[i].code, "needs_person")) {
			rc = outbox_wait_again(s, refused[i].seq, e);
			continue;
		}
		st = stmt_sql(s,
			      "UPDATE outbox SET error = ?2, sent_at = ?3 WHERE seq = ?1"
			      " AND error IS NULL",
			      e);
		if (!st) {
			rc = e ? e->code : STATUS_DB;
			break;
		}
		sqlite3_bind_int64(st, 1, refused[i].seq);
		sqlite3_bind_text(st, 2, refused[i].error ? refused[i].error : "refused", -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
		rc = stmt_run(s, st, "recording a refused change", e);
	}
	if (!rc && held >= first) {
		st = stmt_sql(s,
			      "UPDATE outbox SET sent_at = ?3 WHERE seq BETWEEN ?1 AND ?2"
			      " AND sent_at IS NULL AND " OUTBOX_SENDABLE("?4", "?5"),
			      e);
		if (!st) {
			rc = e ? e->code : STATUS_DB;
		} else {
			sqlite3_bind_int64(st, 1, first);
			sqlite3_bind_int64(st, 2, held < last ? held : last);
			sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
			bind_person(s, st, 4);
			rc = stmt_run(s, st, "marking changes sent", e);
		}
	}
	if (rc)
		store_tx_end(s, false, NULL);
	else
		rc = store_tx_end(s, true, e);
out:
	if (relaxed)
		sqlite3_exec(s->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	return rc;
}

/* One row's count or number from a statement with no parameters; -1 on error. */

enum status store_outbox_renumber(struct store *s, long long held, long *renumbered,
				  struct err *e)
{
	char now[32], text[24], detail[128];
	long long kept, base, count, lost, counter;
	char *v;
	enum status rc;

	if (renumbered)
		*renumbered = 0;
	/* Bounded, so the new numbers cannot overflow (2^53: more changes
	 * than any desk makes). */
	if (held < 0 || held > (1LL << 53))
		return err_set(e, STATUS_INVALID,
			       "the server says it holds sequence %lld, which cannot be; nothing was "
			       "renumbered; check that server_url names this council's server",
			       held);
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	/* The rows that stay where they are: those the server holds (sent or
	 * refused). The new numbers follow the server's and every one of them,
	 * so no two rows ever share a number, in the middle of the update too:
	 * first to minus the new number (below every row), then flipped. */
	kept = stmt_number(stmt_sql(
		s, "SELECT coalesce(max(seq), 0) FROM outbox WHERE sent_at IS NOT NULL", NULL));
	count = stmt_number(stmt_sql(s, "SELECT count(*) FROM outbox WHERE sent_at IS NULL", NULL));
	if (kept < 0 || count < 0) {
		rc = store_db_error(s, sqlite3_errcode(s->db), "reading the outbox", e);
		goto out;
	}
	base = held > kept ? held : kept;
	/* What the server holds beyond what this copy knows it sent was made
	 * by the work this copy lost: at most that many case references were
	 * taken too, so new cases skip them. */
	lost = held > kept ? held - kept : 0;
	{
		sqlite3_stmt *st = stmt_sql(
			s,
			"UPDATE outbox SET seq = -(?1 + m.n) FROM (SELECT seq AS old,"
			" row_number() OVER (ORDER BY seq) AS n FROM outbox WHERE sent_at IS NULL) AS m"
			" WHERE outbox.seq = m.old",
			e);

		if (!st) {
			rc = e ? e->code : STATUS_DB;
			goto out;
		}
		sqlite3_bind_int64(st, 1, base);
		rc = stmt_run(s, st, "renumbering the changes not sent", e);
	}
	if (!rc)
		rc = store_exec(s, "UPDATE outbox SET seq = -seq WHERE seq < 0", e);
	/* AUTOINCREMENT numbers the next row after the larger of the highest
	 * row and sqlite_sequence: keep both past what the server holds. */
	if (!rc) {
		sqlite3_stmt *st = stmt_sql(
			s,
			"INSERT OR REPLACE INTO sqlite_sequence (name, seq) SELECT 'outbox',"
			" max(?1, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0),"
			" coalesce((SELECT max(seq) FROM outbox), 0))",
			e);

		if (!st) {
			rc = e ? e->code : STATUS_DB;
			goto out;
		}
		sqlite3_bind_int64(st, 1, base + count);
		rc = stmt_run(s, st, "renumbering the changes not sent", e);
	}
	if (!rc && lost > 0) {
		v = setting_raw(s, "case_counter");
		counter = v ? strtoll(v, NULL, 10) : 0;
		free(v);
		snprintf(text, sizeof text, "%lld", (counter > 0 ? counter : 0) + lost);
		rc = setting_put(s, "case_counter", text, e);
	}
	store_now(now, sizeof now);
	if (!rc)
		rc = setting_put(s, "sync_restore_at", now, e);
	snprintf(text, sizeof text, "%lld", held);
	if (!rc)
		rc = setting_put(s, "sync_restore_held", text, e);
	snprintf(text, sizeof text, "%lld", count);
	if (!rc)
		rc = setting_put(s, "sync_restore_renumbered", text, e);
	snprintf(text, sizeof text, "%lld", lost);
	if (!rc)
		rc = setting_put(s, "sync_restore_lost", text, e);
	snprintf(detail, sizeof detail,
		 "restore detected: server holds %lld, %lld changes renumbered after it", held,
		 count);
	if (!rc)
		rc = store_audit(s, "sync.restore", "outbox", NULL, detail, e);
out:
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	rc = store_tx_end(s, true, e);
	if (!rc && renumbered)
		*renumbered = (long)count;
	return rc;
}

long store_outbox_refused_count(struct store *s)
{
	return (long)stmt_number(
		stmt_sql(s, "SELECT count(*) FROM outbox WHERE error IS NOT NULL", NULL));
}

enum status store_outbox_refused(struct store *s,
				 int (*fn)(void *ctx, const struct outbox_refused_row *r),
				 void *ctx, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT seq, record_type, record_id, error, created_at FROM outbox"
				    " WHERE error IS NOT NULL ORDER BY seq",
				    e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct outbox_refused_row r = {
			.seq = sqlite3_column_int64(st, 0),
			.record_type = col_text(st, 1),
			.record_id = col_text(st, 2),
			.error = col_text(st, 3),
			.created_at = col_text(st, 4),
		};
		if (fn(ctx, &r))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading refused changes", e);
	return STATUS_OK;
}

/* ---- state ------------------------------------------------------------- */

char *store_sync_state(struct store *s, const char *key)
{
	return setting_raw(s, key);
}

enum status store_sync_state_set(struct store *s, const char *key, const char *value,
				 struct err *e)
{
	if (!value)
		value = "";
	return setting_put(s, key, value, e);
}

long long store_sync_cursor(struct store *s)
{
	char *v = setting_raw(s, "sync_cursor");
	long long n = v ? strtoll(v, NULL, 10) : 0;

	free(v);
	return n < 0 ? 0 : n;
}

enum status store_device_enrolled(struct store *s, const char *device_id,
				  const char *device_code, const char *server_url, struct err *e)
{
	enum status rc;

	if (!uuid_valid(device_id))
		return err_set(e, STATUS_INVALID, "the server sent a device id that is not a UUID");
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	rc = setting_put(s, "device_id", device_id, e);
	if (!rc)
		rc = store_setting_set(s, "device_code", device_code, e);
	if (!rc)
		rc = store_setting_set(s, "server_url", server_url, e);
	if (!rc)
		rc = setting_put(s, "sync_cursor", "0", e);
	if (!rc)
		rc = store_audit(s, "device.enrol", "settings", NULL, device_code, e);
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	rc = store_tx_end(s, true, e);
	if (!rc)
		snprintf(s->device_id, sizeof s->device_id, "%s", device_id);
	return rc;
}

/* ---- applying a pulled page -------------------------------------------- */

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void bind_jstr(sqlite3_stmt *st, int idx, const json_t *o, const char *key)
{
	bind_text_or_null(st, idx, jstr(o, key));
}

static bool customer_pending(struct store *s, const char *id)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT 1 FROM outbox WHERE sent_at IS NULL AND error IS NULL"
				    " AND record_type = 'customer' AND record_id = ?1 LIMIT 1",
				    NULL);
	bool yes;

	if (!st)
		return true;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return yes;
}

static enum status apply_customer(struct store *s, const json_t *body, long *erasures,
				  struct err *e)
{
	struct customer *in, *cur = NULL, *use;
	sqlite3_stmt *st;
	char *stamps, now[32];
	bool pending, scrub;
	enum status rc;

	in = customer_from_json(body, e);
	if (!in)
		return STATUS_INVALID;
	for (int f = 0; f < CF_COUNT; f++)
		if (in->hlc[f][0])
			hlc_observe(&s->hlc, in->hlc[f], NULL);
	rc = customer_load(s, in->id, &cur, NULL, NULL);
	pending = rc == STATUS_OK && customer_pending(s, in->id);
	/* An erasure scrubs what this console holds of the person: once when
	 * it arrives, and again when edits made here were still waiting. A
	 * customer it never had leaves nothing to scrub. */
	scrub = in->erased && cur && (!cur->erased || pending);
	if (pending) {
		/* Local edits still to go: merge, and the server merges them in
		 * when they arrive; its answer comes back on a later pull. */
		customer_merge(cur, in);
		use = cur;
	} else {
		/* Nothing local waiting: the server's copy already holds every
		 * change this console sent, merged, so take it whole. */
		use = in;
	}
	stamps = customer_stamps_json(use);
	store_now(now, sizeof now);
	st = stmt_sql(s,
		      "INSERT INTO customer (id, name, dob, address, postcode, uprn, phone, phone_raw,"
		      " email, preferred_channel, needs, consent, field_hlc, erased, created_at,"
		      " updated_at, needs_basis) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		      " (SELECT code FROM channel WHERE code = ?10), ?11, ?12, ?13, ?14, ?15, ?16, ?20)"
		      " ON CONFLICT (id) DO UPDATE SET name = excluded.name, dob = excluded.dob,"
		      " address = excluded.address, postcode = excluded.postcode,"
		      " uprn = excluded.uprn, phone = excluded.phone, phone_raw = excluded.phone_raw,"
		      " email = excluded.email, preferred_channel = excluded.preferred_channel,"
		      " needs = excluded.needs, consent = excluded.consent,"
		      " needs_basis = excluded.needs_basis,"
		      " field_hlc = excluded.field_hlc, erased = excluded.erased,"
		      " updated_at = excluded.updated_at",
		      e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	sqlite3_bind_text(st, 1, use->id, -1, SQLITE_STATIC);
	customer_bind_fields(st, use, stamps);
	sqlite3_bind_int(st, 14, use->erased);
	sqlite3_bind_text(st, 15, use->created_at[0] ? use->created_at : now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "saving a customer from the server", e);
	if (!rc && use->erased && scrub) {
		/* Erasure wins: notes, answers, case texts, queued bodies and
		 * parked runs go too, and the index entry (customer_scrub). */
		rc = customer_scrub(s, use->id, false, NULL, e);
		if (!rc)
			rc = store_audit(s, "customer.erase", "customer", use->id,
					 "erasure received from the server", e);
		if (!rc)
			(*erasures)++;
	} else if (!rc) {
		rc = search_reindex_customer(s, use->id, e);
	}
out:
	free(stamps);
	customer_free(in);
	customer_free(cur);
	return rc;
}

static enum status apply_case(struct store *s, const json_t *b, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(
		s,
		"INSERT INTO \"case\" (id, reference, contact_id, customer_id, team, service, reason,"
		" status, due_date, created_at, closed_at, result) VALUES (?1, ?2,"
		" (SELECT id FROM contact WHERE id = ?3), (SELECT id FROM customer WHERE id = ?4),"
		" ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
		" ON CONFLICT (id) DO UPDATE SET status = excluded.status,"
		" due_date = excluded.due_date, closed_at = excluded.closed_at,"
		" result = excluded.result,"
		" paused_days = coalesce(?13, paused_days)",
		e);
	static const char *const keys[] = { "id",     "reference", "contact_id", "customer_id",
					     "team",   "service",   "reason",	  "status",
					     "due_date", "created_at", "closed_at", "result" };
	enum status rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	if (!jstr(b, "id") || !jstr(b, "reference") || !jstr(b, "status"))
		return err_set(e, STATUS_INVALID, "a case from the server lacks its id, reference or status");
	for (int i = 0; i < 12; i++)
		bind_jstr(st, i + 1, b, keys[i]);
	if (json_is_integer(json_object_get(b, "paused_days")))
		sqlite3_bind_int64(st, 13, json_integer_value(json_object_get(b, "paused_days")));
	rc = stmt_run(s, st, "saving a case from the server", e);
	if (!rc && jstr(b, "customer_id")) {
		struct customer *c = NULL;

		if (customer_load(s, jstr(b, "customer_id"), &c, NULL, NULL) == STATUS_OK)
			rc = search_reindex_customer(s, c->id, e);
		customer_free(c);
	}
	return rc;
}

static enum status apply_case_event(struct store *s, const json_t *b, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "INSERT INTO case_event (id, case_id, status, note, actor, at)"
				    " SELECT ?1, ?2, ?3, ?4, ?5, ?6"
				    " WHERE EXISTS (SELECT 1 FROM \"case\" WHERE id = ?2)"
				    " ON CONFLICT (id) DO NOTHING",
				    e);
	static const char *const keys[] = { "id", "case_id", "status", "note", "actor", "at" };

	if (!st)
		return e ? e->code : STATUS_DB;
	for (int i = 0; i < 6; i++)
		bind_jstr(st, i + 1, b, keys[i]);
	return stmt_run(s, st, "saving a case event from the server", e);
}

static enum status apply_user(struct store *s, const json_t *b, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(
		s,
		"INSERT INTO user (id, login, display_name, role, password_hash, disabled,"
		" created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		" ON CONFLICT (login) DO UPDATE SET display_name = excluded.display_name,"
		" role = excluded.role, password_hash = excluded.password_hash,"
		" disabled = excluded.disabled, updated_at = excluded.updated_at",
		e);

	if (!st)
		return e ? e->code : STATUS_DB;
	bind_jstr(st, 1, b, "id");
	bind_jstr(st, 2, b, "login");
	bind_jstr(st, 3, b, "display_name");
	bind_jstr(st, 4, b, "role");
	bind_jstr(st, 5, b, "password_hash");
	sqlite3_bind_int(st, 6, json_is_true(json_object_get(b, "disabled")));
	bind_jstr(st, 7, b, "created_at");
	bind_jstr(st, 8, b, "updated_at");
	return stmt_run(s, st, "saving a user from the server", e);
}

static enum status apply_flow(struct store *s, const json_t *b, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "INSERT INTO flow (id, version, title, service, source, loaded_at,"
				    " keywords, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
				    " ON CONFLICT DO NOTHING",
				    e);

	if (!st)
		return e ? e->code : STATUS_DB;
	bind_jstr(st, 1, b, "id");
	sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(b, "version")));
	bind_jstr(st, 3, b, "title");
	bind_jstr(st, 4, b, "service");
	bind_jstr(st, 5, b, "source");
	bind_jstr(st, 6, b, "published_at");
	/* The search words, filled by the sync module from the source. */
	bind_jstr(st, 7, b, "keywords");
	bind_jstr(st, 8, b, "text");
	return stmt_run(s, st, "saving a flow from the server", e);
}

/*
 * A run parked at another desk, or its removal there (resumed and finished,
 * or replaced). Kept only for a customer this desk has and has not erased.
 */
static enum status apply_flow_park(struct store *s, const json_t *b, struct err *e)
{
	sqlite3_stmt *st;

	if (!jstr(b, "id"))
		return err_set(e, STATUS_INVALID, "a parked flow from the server lacks its id");
	if (json_is_true(json_object_get(b, "deleted"))) {
		st = stmt_sql(s, "DELETE FROM flow_park WHERE id = ?1", e);
		if (!st)
			return e ? e->code : STATUS_DB;
		bind_jstr(st, 1, b, "id");
		return stmt_run(s, st, "removing a parked flow", e);
	}
	if (!jstr(b, "customer_id") || !jstr(b, "flow_id") || !jstr(b, "saved") ||
	    !json_is_integer(json_object_get(b, "flow_version")))
		return err_set(e, STATUS_INVALID, "a parked flow from the server lacks its customer, "
						  "flow or state");
	st = stmt_sql(s,
		      "INSERT INTO flow_park (id, customer_id, flow_id, flow_version, step, saved,"
		      " parked_by, parked_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, 'unknown'),"
		      " coalesce(?8, '') WHERE EXISTS (SELECT 1 FROM customer WHERE id = ?2"
		      " AND NOT erased) ON CONFLICT (id) DO NOTHING",
		      e);
	if (!st)
		return e ? e->code : STATUS_DB;
	bind_jstr(st, 1, b, "id");
	bind_jstr(st, 2, b, "customer_id");
	bind_jstr(st, 3, b, "flow_id");
	sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(b, "flow_version")));
	bind_jstr(st, 5, b, "step");
	bind_jstr(st, 6, b, "saved");
	bind_jstr(st, 7, b, "parked_by");
	bind_jstr(st, 8, b, "parked_at");
	return stmt_run(s, st, "saving a parked flow from the server", e);
}

static enum status apply_hot_topic(struct store *s, const json_t *b, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(
		s,
		"INSERT INTO hot_topic (id, text, site, service, starts_at, ends_at, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET"
		" text = excluded.text, site = excluded.site, service = excluded.service,"
		" starts_at = excluded.starts_at, ends_at = excluded.ends_at",
		e);
	static const char *const keys[] = { "id",	 "text",    "site",	 "service",
					     "starts_at", "ends_at", "created_at" };

	if (!st)
		return e ? e->code : STATUS_DB;
	for (int i = 0; i < 7; i++)
		bind_jstr(st, i + 1, b, keys[i]);
	return stmt_run(s, st, "saving a hot topic from the server", e);
}

static enum status apply_ref(struct store *s, const char *type, const json_t *b, struct err *e)
{
	sqlite3_stmt *st;

	if (!strcmp(type, "team")) {
		st = stmt_sql(s,
			      "INSERT INTO team (code, name, email, active) VALUES (?1, ?2, ?3, 1)"
			      " ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
			      " email = excluded.email, active = 1",
			      e);
		if (!st)
			return e ? e->code : STATUS_DB;
		bind_jstr(st, 1, b, "code");
		bind_jstr(st, 2, b, "name");
		bind_jstr(st, 3, b, "email");
	} else if (!strcmp(type, "site")) {
		st = stmt_sql(s,
			      "INSERT INTO site (code, name, kind, address, postcode, active)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, 1) ON CONFLICT (code) DO UPDATE SET"
			      " name = excluded.name, kind = excluded.kind,"
			      " address = excluded.address, postcode = excluded.postcode, active = 1",
			      e);
		if (!st)
			return e ? e->code : STATUS_DB;
		bind_jstr(st, 1, b, "code");
		bind_jstr(st, 2, b, "name");
		bind_jstr(st, 3, b, "kind");
		bind_jstr(st, 4, b, "address");
		bind_jstr(st, 5, b, "postcode");
	} else {
		json_t *lgsl = json_object_get(b, "lgsl");

		st = stmt_sql(s,
			      "INSERT INTO service (code, name, lgsl, team, url, standard_days, active)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT (code) DO UPDATE SET"
			      " name = excluded.name, lgsl = excluded.lgsl, team = excluded.team,"
			      " url = excluded.url, standard_days = excluded.standard_days, active = 1",
			      e);
		if (!st)
			return e ? e->code : STATUS_DB;
		bind_jstr(st, 1, b, "code");
		bind_jstr(st, 2, b, "name");
		if (json_is_integer(lgsl))
			sqlite3_bind_int64(st, 3, json_integer_value(lgsl));
		bind_jstr(st, 4, b, "team");
		bind_jstr(st, 5, b, "url");
		sqlite3_bind_int64(st, 6, json_integer_value(json_object_get(b, "standard_days")));
	}
	return stmt_run(s, st, "saving reference data from the server", e);
}

/* Applies one pulled change (counted in n); e says why it could not be. */
static enum status apply_one(struct store *s, const char *type, const json_t *body,
			     struct sync_applied *n, struct err *e)
{
	if (!type || !json_is_object(body))
		return err_set(e, STATUS_INVALID, "the change has no type or body");
	if (!strcmp(type, "customer")) {
		n->customers++;
		return apply_customer(s, body, &n->erasures, e);
	} else if (!strcmp(type, "case")) {
		n->cases++;
		return apply_case(s, body, e);
	} else if (!strcmp(type, "case_event")) {
		n->case_events++;
		return apply_case_event(s, body, e);
	} else if (!strcmp(type, "user")) {
		n->users++;
		return apply_user(s, body, e);
	} else if (!strcmp(type, "flow")) {
		n->flows++;
		return apply_flow(s, body, e);
	} else if (!strcmp(type, "flow_park")) {
		n->flow_parks++;
		return apply_flow_park(s, body, e);
	} else if (!strcmp(type, "hot_topic")) {
		n->hot_topics++;
		return apply_hot_topic(s, body, e);
	} else if (!strcmp(type, "team") || !strcmp(type, "site") || !strcmp(type, "service")) {
		n->refdata++;
		return apply_ref(s, type, body, e);
	}
	n->skipped++;
	return STATUS_OK;
}

/* The id a kept-aside change is named by: its record id, or the code of
 * reference data; "" when it has neither. Borrowed from body. */
static const char *change_record_id(const json_t *body)
{
	const char *id = jstr(body, "id");

	if (!id)
		id = jstr(body, "code");
	if (!id)
		id = jstr(body, "login");
	return id ? id : "";
}

/*
 * The reason kept and reported for a change not applied, with no personal
 * data: a customer's field check may quote the value, so for a field only
 * the member is named; anything else quoted is cut to "'…'". out gets at
 * most outsz - 1 bytes.
 */
static void problem_reason(const char *type, const char *msg, char *out, size_t outsz)
{
	if (type && !strcmp(type, "customer") && !strncmp(msg, "fields.", 7)) {
		snprintf(out, outsz, "%.*s does not pass this desk's check", (int)strcspn(msg, ": "),
			 msg);
		return;
	}
	text_hide_quoted(msg, "'\xe2\x80\xa6'", out, outsz); /* '…' */
}

/*
 * Keeps a change this desk could not apply: its place in the server's
 * order, type, record id and reason, never its body (nothing personal is
 * kept, so an erasure has nothing here to scrub). The same change pulled
 * again (a restored desk's old cursor) replaces its row.
 */
static enum status problem_keep(struct store *s, long long cursor, const char *type,
				const json_t *body, const char *reason, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(
		s,
		"INSERT INTO pull_problem (cursor, record_type, record_id, reason, at)"
		" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (cursor) DO UPDATE SET"
		" record_type = excluded.record_type, record_id = excluded.record_id,"
		" reason = excluded.reason, at = excluded.at,"
		" reported_at = CASE WHEN reason = excluded.reason THEN reported_at END",
		e);
	char now[32], why[ERR_MSG_MAX];
	const char *id = json_is_object(body) ? change_record_id(body) : "";
	size_t idlen = strlen(id), typelen = type ? strlen(type) : 0;

	if (!st)
		return e ? e->code : STATUS_DB;
	store_now(now, sizeof now);
	/* Only what names the change (ids, not contents), bounded; the
	 * reason is one of this program's messages (at most ERR_MSG_MAX). */
	sqlite3_bind_int64(st, 1, cursor);
	sqlite3_bind_text(st, 2, type ? type : "unknown", typelen > 40 ? 40 : -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, id, idlen > 100 ? 100 : -1, SQLITE_TRANSIENT);
	problem_reason(type, reason, why, sizeof why);
	sqlite3_bind_text(st, 4, why, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_TRANSIENT);
	return stmt_run(s, st, "keeping aside a change from the server", e);
}

/*
 * A change applied: the same record's earlier changes kept aside are
 * superseded (every pulled change carries the whole record, so the later
 * one holds what they held), and go from the list. This is the retry.
 */
static enum status problem_resolved(struct store *s, bool any, const char *type,
				    const json_t *body, long long cursor, struct err *e)
{
	sqlite3_stmt *st;

	if (!any || !type || !json_is_object(body))
		return STATUS_OK;
	st = stmt_sql(s,
		      "DELETE FROM pull_problem WHERE record_type = ?1 AND record_id = ?2"
		      " AND cursor < ?3",
		      e);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, change_record_id(body), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, cursor);
	return stmt_run(s, st, "clearing a change kept aside", e);
}

/*
 * An erasure whose record could not be applied still erases: the person's
 * fields, notes, answers and case texts go here (customer_scrub) when this
 * desk holds them, while the change stays kept aside for an administrator.
 * Erasure wins, even over a body this version cannot read.
 */
static enum status erase_kept_aside(struct store *s, const json_t *body, long *erasures,
				    struct err *e)
{
	const char *id = jstr(body, "id");
	struct customer *cur = NULL;
	bool held;
	enum status rc;

	if (!id || !uuid_valid(id) || !json_is_true(json_object_get(body, "erased")))
		return STATUS_OK;
	held = customer_load(s, id, &cur, NULL, NULL) == STATUS_OK && !cur->erased;
	customer_free(cur);
	if (!held)
		return STATUS_OK;
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	rc = customer_scrub(s, id, false, NULL, e);
	if (!rc)
		rc = store_audit(s, "customer.erase", "customer", id,
				 "erasure received from the server (its record kept aside)", e);
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	rc = store_tx_end(s, true, e);
	if (!rc)
		(*erasures)++;
	return rc;
}

enum status store_sync_apply(struct store *s, const struct json_t *changes,
			     long long next_cursor, struct sync_applied *n, struct err *e)
{
	char cursor[24], last[HLC_STR_MAX], detail[64];
	bool kept;
	size_t i;
	json_t *c;
	enum status rc;

	memset(n, 0, sizeof *n);
	if (!json_is_array(changes))
		return err_set(e, STATUS_INVALID, "the server's changes are not a list");
	/* Server order starts at 0; a negative cursor is a broken answer, and
	 * storing it would make the next pull start from the beginning. */
	if (next_cursor < 0)
		return err_set(e, STATUS_INVALID,
			       "the server sent a negative pull cursor (%lld); nothing was applied",
			       next_cursor);
	/* A page that erases someone overwrites what it frees (the pragma
	 * must be set outside the transaction to cover all of it). */
	json_array_foreach(changes, i, c)
	{
		const char *type = jstr(c, "type");

		if (type && !strcmp(type, "customer") &&
		    json_is_true(json_object_get(json_object_get(c, "body"), "erased"))) {
			rc = store_exec(s, "PRAGMA secure_delete = ON", e);
			if (rc)
				return rc;
			break;
		}
	}
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	kept = stmt_number(stmt_sql(s, "SELECT EXISTS (SELECT 1 FROM pull_problem)", NULL)) != 0;
	json_array_foreach(changes, i, c)
	{
		const char *type = jstr(c, "type");
		const json_t *body = json_object_get(c, "body");
		const json_t *at = json_object_get(c, "cursor");
		long long where = json_is_integer(at) ? json_integer_value(at) : -1;
		struct err why;

		/* Each change in its own savepoint: one this desk cannot apply
		 * is kept aside (pull_problem) and the rest of the page goes on.
		 * Only a fault of this desk (disk, lock, database) stops it. */
		rc = store_tx_begin(s, e);
		if (rc)
			break;
		err_clear(&why);
		rc = apply_one(s, type, body, n, &why);
		if (rc == STATUS_OK) {
			rc = store_tx_end(s, true, e);
			if (!rc)
				rc = problem_resolved(s, kept, type, body, where, e);
		} else if (rc == STATUS_INVALID || rc == STATUS_PARSE || rc == STATUS_NOT_FOUND) {
			store_tx_end(s, false, NULL);
			rc = problem_keep(s, where, type, body, why.msg[0] ? why.msg : "not applied",
					  e);
			if (!rc && type && !strcmp(type, "customer") && json_is_object(body))
				rc = erase_kept_aside(s, body, &n->erasures, e);
			if (!rc) {
				n->kept_aside++;
				kept = true;
			}
		} else {
			store_tx_end(s, false, NULL);
			if (e)
				*e = why;
		}
		if (rc)
			break;
	}
	snprintf(cursor, sizeof cursor, "%lld", next_cursor);
	if (!rc)
		rc = setting_put(s, "sync_cursor", cursor, e);
	if (!rc && n->customers) {
		/* Keep the clock's high-water mark past what was received. */
		hlc_tick(&s->hlc, s->device_id[0] ? s->device_id : "local", last);
		rc = setting_put(s, "hlc_last", last, e);
	}
	if (!rc && n->erasures)
		rc = customer_index_purge(s, e);
	if (!rc && json_array_size(changes)) {
		snprintf(detail, sizeof detail, "%zu changes", json_array_size(changes));
		rc = store_audit(s, "sync.pull", NULL, NULL, detail, e);
	}
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	rc = store_tx_end(s, true, e);
	/* The old page images of an erased person leave the -wal too. */
	if (!rc && n->erasures && s->tx_depth == 0)
		store_log_purge(s);
	return rc;
}

/* ---- pulled changes kept aside ----------------------------------------- */

long store_pull_problem_count(struct store *s)
{
	return (long)stmt_number(stmt_sql(s, "SELECT count(*) FROM pull_problem", NULL));
}

enum status store_pull_problems(struct store *s, bool unreported, size_t max,
				int (*fn)(void *ctx, const struct pull_problem_row *r), void *ctx,
				struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT cursor, record_type, record_id, reason, at, reported_at"
				    " FROM pull_problem WHERE NOT ?1 OR reported_at IS NULL"
				    " ORDER BY cursor LIMIT ?2",
				    e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_int(st, 1, unreported);
	sqlite3_bind_int64(st, 2, max ? (sqlite3_int64)max : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pull_problem_row r = {
			.cursor = sqlite3_column_int64(st, 0),
			.record_type = col_text(st, 1),
			.record_id = col_text(st, 2),
			.reason = col_text(st, 3),
			.at = col_text(st, 4),
			.reported_at = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL
										 : col_text(st, 5),
		};
		if (fn(ctx, &r))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading the changes kept aside", e);
	return STATUS_OK;
}

enum status store_pull_problems_reported(struct store *s, long long first, long long last,
					 struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "UPDATE pull_problem SET reported_at = ?3 WHERE cursor BETWEEN ?1"
				    " AND ?2 AND reported_at IS NULL",
				    e);
	char now[32];

	if (!st)
		return e ? e->code : STATUS_DB;
	store_now(now, sizeof now);
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
	return stmt_run(s, st, "noting the changes kept aside as reported", e);
}
