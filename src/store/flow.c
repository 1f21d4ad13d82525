/*
 * FAQ flows in the store: checked flows kept by (id, version) with
 * their source, so a contact can always be explained by the flow it used;
 * finding a flow by the customer's words (FTS5 over the latest version of
 * each flow, kept by triggers on the flow table, so flows pulled from the
 * server are found too); and runs parked on a customer until they come back.
 *
 * The store does not read flow files (flow/ sits above it): callers pass
 * the texts to index and the source to keep.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- storing ----------------------------------------------------------- */

/* Parked runs of one flow version; -1 on a database error. */
static long parked_uses(struct store *s, const char *id, long version)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT count(*) FROM flow_park WHERE flow_id = ?1"
				    " AND flow_version = ?2",
				    NULL);

	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, version);
	}
	return (long)stmt_number(st);
}

static enum status flow_put_check(const struct store_flow *f, struct err *e)
{
	if (!f || !f->id || !*f->id || !f->title || !*f->title || !f->source)
		return err_set(e, STATUS_INVALID, "a flow needs an id, a title and its source");
	if (f->version < 1)
		return err_set(e, STATUS_INVALID, "flow '%s' has version %ld; versions start at 1",
			       f->id, f->version);
	if (!utf8_valid(f->source, f->source_len) || memchr(f->source, '\0', f->source_len))
		return err_set(e, STATUS_INVALID, "flow '%s' is not valid UTF-8 text", f->id);
	return STATUS_OK;
}

enum status store_flow_put(struct store *s, const struct store_flow *f,
			   enum store_flow_put_result *res, struct err *e)
{
	sqlite3_stmt *st;
	char now[32];
	enum status rc;
	int step;

	if (res)
		*res = STORE_FLOW_UNCHANGED;
	rc = flow_put_check(f, e);
	if (!rc)
		rc = store_require(s, STORE_PERM_SETTINGS, "flow", f->id, e);
	if (rc)
		return rc;
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	st = stmt_sql(s, "SELECT source FROM flow WHERE id = ?1 AND version = ?2", e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	sqlite3_bind_text(st, 1, f->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->version);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		const void *old = sqlite3_column_blob(st, 0);
		bool same = len == f->source_len && (len == 0 || memcmp(old, f->source, len) == 0);
		long uses;

		sqlite3_reset(st);
		if (same)
			goto out; /* loaded already: nothing to do */
		uses = parked_uses(s, f->id, f->version);
		rc = err_set(e, STATUS_EXISTS,
			     "flow '%s' version %ld is already loaded with different text%s; "
			     "nothing was loaded: give the changed flow 'version: %ld' (contacts%s "
			     "keep version %ld)",
			     f->id, f->version,
			     uses > 0 ? (uses == 1 ? ", and a run parked on a customer uses it"
						   : ", and runs parked on customers use it")
				      : "",
			     f->version + 1, uses > 0 ? " and parked runs" : "", f->version);
		goto out;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		rc = store_db_error(s, step, "reading the flows", e);
		goto out;
	}
	st = stmt_sql(s,
		      "INSERT INTO flow (id, version, title, service, source, loaded_at, keywords,"
		      " body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		      e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	store_now(now, sizeof now);
	sqlite3_bind_text(st, 1, f->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->version);
	sqlite3_bind_text(st, 3, f->title, -1, SQLITE_STATIC);
	bind_text_or_null(st, 4, f->service);
	sqlite3_bind_text(st, 5, f->source, (int)f->source_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	bind_text_or_null(st, 7, f->keywords);
	bind_text_or_null(st, 8, f->text);
	rc = stmt_run(s, st, "saving the flow", e);
	if (!rc) {
		char detail[32];

		snprintf(detail, sizeof detail, "version %ld", f->version);
		rc = store_audit(s, "flow.load", "flow", f->id, detail, e);
	}
	if (!rc && res)
		*res = STORE_FLOW_ADDED;
out:
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	return store_tx_end(s, true, e);
}

/* The highest version of flow id on this desk; 0 when none. */
static long latest_version(struct store *s, const char *id)
{
	sqlite3_stmt *st = stmt_sql(s, "SELECT max(version) FROM flow WHERE id = ?1", NULL);
	long v;

	if (st)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	v = (long)stmt_number(st);
	return v > 0 ? v : 0;
}

enum status store_flow_get(struct store *s, const char *id, long version, char **source,
			   size_t *len, long *version_out, struct err *e)
{
	sqlite3_stmt *st;
	long want = version > 0 ? version : 0;
	int step;

	*source = NULL;
	if (len)
		*len = 0;
	if (!id || !*id)
		return err_set(e, STATUS_INVALID, "no flow id given");
	if (!want)
		want = latest_version(s, id);
	st = stmt_sql(s, "SELECT source, version FROM flow WHERE id = ?1 AND version = ?2", e);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, want);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		*source = xmalloc(n + 1);
		memcpy(*source, sqlite3_column_blob(st, 0), n);
		(*source)[n] = '\0';
		if (len)
			*len = n;
		if (version_out)
			*version_out = (long)sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
		return STATUS_OK;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return store_db_error(s, step, "reading the flow", e);
	want = latest_version(s, id);
	if (version > 0 && want > 0)
		return err_set(e, STATUS_NOT_FOUND,
			       "flow '%s' version %ld is not on this desk (the latest here is "
			       "version %ld); load that version with: frontdesk flow load FILE",
			       id, version, want);
	return err_set(e, STATUS_NOT_FOUND,
		       "no flow '%s' on this desk; load it with: frontdesk flow load", id);
}

long store_flow_count(struct store *s)
{
	return (long)stmt_number(stmt_sql(s, "SELECT count(*) FROM flow", NULL));
}

/* ---- finding a flow by the customer's words ---------------------------- */

char *store_flow_search_expr(const char *query)
{
	struct buf b;
	size_t n, words = 0;
	bool last_open;

	if (!query)
		return NULL;
	n = strlen(query);
	buf_init(&b, 0); /* 32 of the query's words at most: no cap of its own */
	/* The last word is still being typed unless something follows it. */
	last_open = n && ((unsigned char)query[n - 1] >= 0x80 ||
			  isalnum((unsigned char)query[n - 1]));
	for (const char *p = query; *p;) {
		const char *start;

		while (*p && (unsigned char)*p < 0x80 && !isalnum((unsigned char)*p))
			p++;
		start = p;
		while (*p && ((unsigned char)*p >= 0x80 || isalnum((unsigned char)*p)))
			p++;
		if (p == start || words == 32)
			continue;
		/* Any word may match: the customer's words are ranked, not
		 * required ("my bin wasn't collected" still finds bins). */
		if (words++)
			buf_adds(&b, " OR ");
		fts_quote(&b, start, (size_t)(p - start));
		if (last_open && !*p)
			buf_adds(&b, "*");
	}
	if (!words) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

enum status store_flow_search(struct store *s, const char *query, int limit,
			      int (*fn)(void *ctx, const struct store_flow_hit *hit), void *ctx,
			      int *count, struct err *e)
{
	static const char by_words[] =
		"SELECT f.id, f.version, f.title, f.service FROM flow_fts"
		" JOIN flow f ON f.id = flow_fts.id AND f.version = flow_fts.version"
		" WHERE flow_fts MATCH ?1"
		" ORDER BY bm25(flow_fts, 0.0, 0.0, 10.0, 5.0, 1.0), f.title LIMIT ?2";
	static const char every[] =
		"SELECT f.id, f.version, f.title, f.service FROM flow_fts"
		" JOIN flow f ON f.id = flow_fts.id AND f.version = flow_fts.version"
		" ORDER BY f.title LIMIT ?2";
	sqlite3_stmt *st;
	char *expr = NULL;
	int n = 0, rc;

	if (count)
		*count = 0;
	if (!query || !utf8_valid(query, strlen(query)))
		return err_set(e, STATUS_INVALID, "search text is not valid UTF-8");
	expr = store_flow_search_expr(query);
	st = stmt_sql(s, expr ? by_words : every, e);
	if (!st) {
		free(expr);
		return e ? e->code : STATUS_DB;
	}
	if (expr)
		sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 50);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_flow_hit h = {
			.id = col_text(st, 0),
			.version = (long)sqlite3_column_int64(st, 1),
			.title = col_text(st, 2),
			.service = col_text_or_null(st, 3),
		};
		n++;
		if (fn && fn(ctx, &h))
			break;
	}
	sqlite3_reset(st);
	free(expr);
	if (count)
		*count = n;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "finding a flow", e);
	return STATUS_OK;
}

/* ---- parked runs ------------------------------------------------------- */

/* Queues the removal of a parked run for every other desk. */
static enum status park_queue_removal(struct store *s, const char *park_id,
				      const char *customer_id, struct err *e)
{
	json_t *b = json_object();
	char *text;
	enum status rc;

	json_object_set_new(b, "id", json_string(park_id));
	json_object_set_new(b, "customer_id", customer_id ? json_string(customer_id) : json_null());
	json_object_set_new(b, "deleted", json_true());
	text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	if (!text)
		die("out of memory encoding JSON");
	rc = outbox_add(s, "flow_park", park_id, "delete", text, e);
	free(text);
	return rc;
}

static enum status customer_usable(struct store *s, const char *id, struct err *e)
{
	struct customer *c = NULL;
	enum status rc;

	if (!id || !uuid_valid(id))
		return err_set(e, STATUS_INVALID, "'%s' is not a customer id", id ? id : "");
	rc = customer_load(s, id, &c, NULL, e);
	if (!rc && c->erased)
		rc = err_set(e, STATUS_DENIED, "customer '%s' has been erased", id);
	customer_free(c);
	return rc;
}

enum status store_flow_park(struct store *s, const struct store_flow_park_input *in,
			    char id_out[UUID_STR_LEN + 1], struct err *e)
{
	sqlite3_stmt *st;
	json_t *saved;
	json_error_t je;
	char now[32], detail[256];
	enum status rc;
	int step;

	id_out[0] = '\0';
	if (!in->flow_id || !*in->flow_id || in->flow_version < 1 || !in->saved_json)
		return err_set(e, STATUS_INVALID, "a parked flow needs its id, version and state");
	saved = json_loads(in->saved_json, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(saved)) {
		json_decref(saved);
		return err_set(e, STATUS_INVALID, "the flow's state to park is not a JSON object");
	}
	json_decref(saved);
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	rc = customer_usable(s, in->customer_id, e);
	if (rc)
		goto out;
	st = stmt_sql(s, "SELECT 1 FROM flow WHERE id = ?1 AND version = ?2", e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	sqlite3_bind_text(st, 1, in->flow_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, in->flow_version);
	step = sqlite3_step(st);
	sqlite3_reset(st);
	if (step != SQLITE_ROW) {
		rc = step == SQLITE_DONE
			     ? err_set(e, STATUS_NOT_FOUND,
				       "flow '%s' version %ld is not on this desk; load it with: "
				       "frontdesk flow load",
				       in->flow_id, in->flow_version)
			     : store_db_error(s, step, "reading the flows", e);
		goto out;
	}
	if (in->replaces && *in->replaces) {
		st = stmt_sql(s, "DELETE FROM flow_park WHERE id = ?1 AND customer_id = ?2", e);
		if (!st) {
			rc = e ? e->code : STATUS_DB;
			goto out;
		}
		sqlite3_bind_text(st, 1, in->replaces, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, in->customer_id, -1, SQLITE_STATIC);
		rc = stmt_run(s, st, "parking the flow", e);
		if (!rc && sqlite3_changes(s->db) > 0)
			rc = park_queue_removal(s, in->replaces, in->customer_id, e);
		if (rc)
			goto out;
	}
	st = stmt_sql(s,
		      "INSERT INTO flow_park (id, customer_id, flow_id, flow_version, step, saved,"
		      " parked_by, parked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		      e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	uuid_v7(id_out);
	store_now(now, sizeof now);
	sqlite3_bind_text(st, 1, id_out, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in->customer_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->flow_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, in->flow_version);
	bind_text_or_null(st, 5, in->step);
	sqlite3_bind_text(st, 6, in->saved_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, s->actor ? s->actor : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "parking the flow", e);
	if (rc)
		goto out;
	/* Every desk that has the customer can resume it (sync). */
	{
		json_t *b = json_object();
		char *text;

		json_object_set_new(b, "id", json_string(id_out));
		json_object_set_new(b, "customer_id", json_string(in->customer_id));
		json_object_set_new(b, "flow_id", json_string(in->flow_id));
		json_object_set_new(b, "flow_version", json_integer(in->flow_version));
		json_object_set_new(b, "step", in->step ? json_string(in->step) : json_null());
		json_object_set_new(b, "saved", json_string(in->saved_json));
		json_object_set_new(b, "parked_by",
				    json_string(s->actor ? s->actor : "unknown"));
		json_object_set_new(b, "parked_at", json_string(now));
		text = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		if (!text)
			die("out of memory encoding JSON");
		rc = outbox_add(s, "flow_park", id_out, "insert", text, e);
		free(text);
		if (rc)
			goto out;
	}
	/* Ids and step names only: never the answers. */
	snprintf(detail, sizeof detail, "%s version %ld at step %s (parked run %s)", in->flow_id,
		 in->flow_version, in->step && *in->step ? in->step : "?", id_out);
	rc = store_audit(s, "flow.park", "customer", in->customer_id, detail, e);
out:
	if (rc) {
		store_tx_end(s, false, NULL);
		id_out[0] = '\0';
		return rc;
	}
	rc = store_tx_end(s, true, e);
	if (rc)
		id_out[0] = '\0';
	return rc;
}

/* The columns every parked-run read returns, in fill_parked's order. */
#define PARKED_COLUMNS                                                                     \
	"SELECT p.id, p.customer_id, p.flow_id, p.flow_version, p.step, p.saved,"          \
	" p.parked_by, p.parked_at, f.title,"                                              \
	" (SELECT max(version) FROM flow l WHERE l.id = p.flow_id)"                        \
	" FROM flow_park p LEFT JOIN flow f ON f.id = p.flow_id AND f.version = p.flow_version"

static void fill_parked(sqlite3_stmt *st, struct store_flow_parked *p)
{
	p->id = col_text(st, 0);
	p->customer_id = col_text(st, 1);
	p->flow_id = col_text(st, 2);
	p->flow_version = (long)sqlite3_column_int64(st, 3);
	p->step = col_text_or_null(st, 4);
	p->saved_json = col_text(st, 5);
	p->parked_by = col_text(st, 6);
	p->parked_at = col_text(st, 7);
	p->title = col_text_or_null(st, 8);
	p->latest_version = (long)sqlite3_column_int64(st, 9);
}

enum status store_flow_parked(struct store *s, const char *customer_id,
			      int (*fn)(void *ctx, const struct store_flow_parked *p), void *ctx,
			      struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, PARKED_COLUMNS " WHERE p.customer_id = ?1"
						      " ORDER BY p.parked_at DESC, p.id DESC",
				    e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, customer_id ? customer_id : "", -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_flow_parked p;

		fill_parked(st, &p);
		if (fn && fn(ctx, &p))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading parked flows", e);
	return STATUS_OK;
}

long store_flow_parked_count(struct store *s, const char *customer_id)
{
	sqlite3_stmt *st = stmt_sql(s, "SELECT count(*) FROM flow_park WHERE customer_id = ?1",
				    NULL);

	if (st)
		sqlite3_bind_text(st, 1, customer_id ? customer_id : "", -1, SQLITE_STATIC);
	return (long)stmt_number(st);
}

enum status store_flow_resume(struct store *s, const char *park_id,
			      int (*fn)(void *ctx, const struct store_flow_parked *p), void *ctx,
			      struct err *e)
{
	sqlite3_stmt *st;
	struct store_flow_parked p;
	char customer[UUID_STR_LEN + 1], detail[256];
	enum status rc;
	int step;

	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	st = stmt_sql(s, PARKED_COLUMNS " WHERE p.id = ?1", e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	sqlite3_bind_text(st, 1, park_id ? park_id : "", -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		sqlite3_reset(st);
		rc = step == SQLITE_DONE
			     ? err_set(e, STATUS_NOT_FOUND,
				       "parked flow '%s' is not on this desk any more (finished or "
				       "removed at another desk?)",
				       park_id ? park_id : "")
			     : store_db_error(s, step, "reading the parked flow", e);
		goto out;
	}
	fill_parked(st, &p);
	snprintf(customer, sizeof customer, "%s", p.customer_id);
	snprintf(detail, sizeof detail, "%s version %ld (parked run %s)", p.flow_id,
		 p.flow_version, p.id);
	if (fn)
		fn(ctx, &p);
	sqlite3_reset(st);
	rc = store_audit(s, "flow.resume", "customer", customer, detail, e);
out:
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	return store_tx_end(s, true, e);
}

enum status store_flow_park_remove(struct store *s, const char *park_id, struct err *e)
{
	sqlite3_stmt *st;
	enum status rc;

	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	st = stmt_sql(s, "DELETE FROM flow_park WHERE id = ?1", e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	sqlite3_bind_text(st, 1, park_id ? park_id : "", -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "removing the parked flow", e);
	if (!rc && sqlite3_changes(s->db) == 0)
		rc = err_set(e, STATUS_NOT_FOUND,
			     "parked flow '%s' is not on this desk any more (finished at another "
			     "desk?)",
			     park_id ? park_id : "");
	else if (!rc)
		rc = park_queue_removal(s, park_id, NULL, e);
out:
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	return store_tx_end(s, true, e);
}
