/*
 * The data subject's rights: subject access (everything held about a
 * customer, as one JSON document, and the same as rows for a CSV file) and
 * erasure (the record becomes a tombstone; contacts and cases stay as
 * anonymous statistics; the outbox, the search index and the log are
 * cleaned too, so nothing readable of the person is left in the file).
 *
 * Nothing here puts personal data in a message or an audit row: messages
 * name ids, fields and rules, never values.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- subject access ---------------------------------------------------- */

static json_t *jstr(const char *v)
{
	json_t *j = v ? json_string(v) : NULL;

	return j ? j : json_null();
}

/* A stored flow answers text as JSON (as text if it does not parse). */
static json_t *janswers(const char *text)
{
	json_t *j;

	if (!text)
		return json_null();
	j = json_loads(text, 0, NULL);
	return j ? j : jstr(text);
}

static enum status export_customer(struct store *s, const char *id, json_t *root,
				   struct err *e)
{
	struct customer *c = NULL;
	json_t *o, *fields;
	sqlite3_stmt *st;
	enum status rc = customer_load(s, id, &c, NULL, e);

	if (rc)
		return rc;
	o = json_object();
	fields = json_object();
	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "created_at", jstr(c->created_at));
	st = stmt_sql(s, "SELECT updated_at FROM customer WHERE id = ?1", e);
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			json_object_set_new(o, "updated_at", jstr(col_text_or_null(st, 0)));
		sqlite3_reset(st);
	}
	json_object_set_new(o, "erased", json_boolean(c->erased));
	for (int f = 0; f < CF_COUNT; f++)
		json_object_set_new(fields, customer_field_name((enum customer_field)f),
				    jstr(c->field[f]));
	json_object_set_new(fields, "phone_as_given", jstr(c->phone_raw));
	json_object_set_new(o, "fields", fields);
	json_object_set_new(root, "customer", o);
	customer_free(c);
	return STATUS_OK;
}

static enum status export_contacts(struct store *s, const char *id, json_t *root, struct err *e)
{
	static const char sql[] =
		"SELECT c.id, c.visit_id, c.created_at, c.channel, ch.name, c.site, si.name,"
		" c.advisor, c.service, sv.name, c.outcome, o.name, c.failure_demand,"
		" c.duration_s, c.flow_id, c.flow_version, c.answers, c.notes, c.corrects"
		" FROM contact c LEFT JOIN channel ch ON ch.code = c.channel"
		" LEFT JOIN site si ON si.code = c.site LEFT JOIN service sv ON sv.code = c.service"
		" LEFT JOIN outcome o ON o.code = c.outcome"
		" WHERE c.customer_id = ?1 ORDER BY c.created_at, c.num";
	static const char *const names[] = { "id",	     "visit_id",     "created_at",
					     "channel",	     "channel_name", "site",
					     "site_name",    "advisor",	     "service",
					     "service_name", "outcome",	     "outcome_name",
					     "failure_demand" };
	sqlite3_stmt *st = stmt_sql(s, sql, e);
	json_t *list = json_array();
	int step;

	json_object_set_new(root, "contacts", list);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();

		for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
			json_object_set_new(o, names[i], jstr(col_text_or_null(st, i)));
		json_object_set_new(o, "duration_s",
				    sqlite3_column_type(st, 13) == SQLITE_NULL
					    ? json_null()
					    : json_integer(sqlite3_column_int64(st, 13)));
		json_object_set_new(o, "flow_id", jstr(col_text_or_null(st, 14)));
		json_object_set_new(o, "flow_version",
				    sqlite3_column_type(st, 15) == SQLITE_NULL
					    ? json_null()
					    : json_integer(sqlite3_column_int64(st, 15)));
		json_object_set_new(o, "answers", janswers(col_text_or_null(st, 16)));
		json_object_set_new(o, "notes", jstr(col_text_or_null(st, 17)));
		json_object_set_new(o, "corrects", jstr(col_text_or_null(st, 18)));
		json_array_append_new(list, o);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return store_db_error(s, step, "reading the customer's contacts", e);
	return STATUS_OK;
}

static enum status export_cases(struct store *s, const char *id, json_t *root, struct err *e)
{
	static const char sql[] =
		"SELECT c.id, c.reference, c.team, t.name, c.service, sv.name, c.reason, c.status,"
		" c.due_date, c.created_at, c.closed_at, c.result, c.paused_days"
		" FROM \"case\" c LEFT JOIN team t ON t.code = c.team"
		" LEFT JOIN service sv ON sv.code = c.service"
		" WHERE c.customer_id = ?1 ORDER BY c.created_at, c.num";
	static const char events_sql[] = "SELECT at, status, note, actor FROM case_event"
					 " WHERE case_id = ?1 ORDER BY at, rowid";
	static const char *const names[] = { "id",	 "reference", "team",	  "team_name",
					     "service",	 "service_name", "reason", "status",
					     "due_date", "created_at", "closed_at", "result" };
	sqlite3_stmt *st = stmt_sql(s, sql, e), *ev;
	json_t *list = json_array();
	int step;

	json_object_set_new(root, "cases", list);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object(), *events = json_array();
		int evstep;

		for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
			json_object_set_new(o, names[i], jstr(col_text_or_null(st, i)));
		json_object_set_new(o, "paused_days", json_integer(sqlite3_column_int64(st, 12)));
		json_object_set_new(o, "events", events);
		json_array_append_new(list, o);
		ev = stmt_sql(s, events_sql, e);
		if (!ev) {
			sqlite3_reset(st);
			return e ? e->code : STATUS_DB;
		}
		sqlite3_bind_text(ev, 1, col_text(st, 0), -1, SQLITE_TRANSIENT);
		while ((evstep = sqlite3_step(ev)) == SQLITE_ROW) {
			json_t *x = json_object();

			json_object_set_new(x, "at", jstr(col_text_or_null(ev, 0)));
			json_object_set_new(x, "status", jstr(col_text_or_null(ev, 1)));
			json_object_set_new(x, "note", jstr(col_text_or_null(ev, 2)));
			json_object_set_new(x, "actor", jstr(col_text_or_null(ev, 3)));
			json_array_append_new(events, x);
		}
		sqlite3_reset(ev);
		if (evstep != SQLITE_DONE) {
			sqlite3_reset(st);
			return store_db_error(s, evstep, "reading a case's history", e);
		}
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return store_db_error(s, step, "reading the customer's cases", e);
	return STATUS_OK;
}

/* Flow runs parked on the customer (flow_park): their saved
 * answers are held about the person too. */
static enum status export_parked(struct store *s, const char *id, json_t *root, struct err *e)
{
	static const char sql[] = "SELECT id, flow_id, flow_version, step, saved, parked_by,"
				  " parked_at FROM flow_park WHERE customer_id = ?1 ORDER BY parked_at";
	sqlite3_stmt *st = stmt_sql(s, sql, e);
	json_t *list = json_array();
	int step;

	json_object_set_new(root, "parked_flows", list);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();

		json_object_set_new(o, "id", jstr(col_text_or_null(st, 0)));
		json_object_set_new(o, "flow_id", jstr(col_text_or_null(st, 1)));
		json_object_set_new(o, "flow_version", json_integer(sqlite3_column_int64(st, 2)));
		json_object_set_new(o, "step", jstr(col_text_or_null(st, 3)));
		json_object_set_new(o, "saved", janswers(col_text_or_null(st, 4)));
		json_object_set_new(o, "parked_by", jstr(col_text_or_null(st, 5)));
		json_object_set_new(o, "parked_at", jstr(col_text_or_null(st, 6)));
		json_array_append_new(list, o);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return store_db_error(s, step, "reading the customer's parked flows", e);
	return STATUS_OK;
}

static int export_access_row(void *ctx, const struct audit_row *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "at", jstr(r->at));
	json_object_set_new(o, "actor", jstr(r->actor));
	json_object_set_new(o, "action", jstr(r->action));
	json_object_set_new(o, "record_type", jstr(r->record_type));
	json_object_set_new(o, "record_id", jstr(r->record_id));
	json_object_set_new(o, "detail", jstr(r->detail));
	json_array_append_new(ctx, o);
	return 0;
}

enum status store_customer_export(struct store *s, const char *id, const char *format,
				  struct json_t **out, struct err *e)
{
	struct audit_filter f = { .customer_id = id };
	json_t *root = NULL, *head, *access;
	char now[32];
	enum status rc;

	*out = NULL;
	if (!id || !uuid_valid(id))
		return err_set(e, STATUS_INVALID,
			       "'%s' is not a customer id; ids look like "
			       "0193a5c2-7d1e-7abc-8def-0123456789ab",
			       id ? id : "");
	rc = store_require(s, STORE_PERM_EXPORT, "customer", id, e);
	if (rc)
		return rc;
	rc = store_offline_check(s, e);
	if (rc) {
		store_audit(s, "access.denied", "customer", id, "offline-limit", NULL);
		return rc;
	}
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	root = json_object();
	head = json_object();
	store_now(now, sizeof now);
	json_object_set_new(head, "customer_id", json_string(id));
	json_object_set_new(head, "generated_at", json_string(now));
	json_object_set_new(head, "generated_by", json_string(store_actor(s)));
	json_object_set_new(head, "format", jstr(format));
	json_object_set_new(root, "subject_access", head);
	rc = export_customer(s, id, root, e);
	/* Audited before the history is read, so the export lists itself. */
	if (!rc)
		rc = store_audit(s, "customer.export", "customer", id, format, e);
	if (!rc)
		rc = export_contacts(s, id, root, e);
	if (!rc)
		rc = export_cases(s, id, root, e);
	if (!rc)
		rc = export_parked(s, id, root, e);
	if (!rc) {
		access = json_array();
		json_object_set_new(root, "access", access);
		rc = audit_rows(s, &f, export_access_row, access, e);
	}
	if (rc) {
		store_tx_end(s, false, NULL);
		json_decref(root);
		return rc;
	}
	rc = store_tx_end(s, true, e);
	if (rc) {
		json_decref(root);
		return rc;
	}
	*out = root;
	return STATUS_OK;
}

/* ---- subject access as rows -------------------------------------------- */

/* Where store_export_rows is: the caller's callback, and whether it said stop. */
struct export_rows {
	int (*fn)(void *ctx, const char *const *cells, size_t n);
	void *ctx;
	int stopped; /* fn's non-zero answer: no more rows */
};

static void export_row(struct export_rows *x, const char *section, const char *record,
		       const char *at, const char *field, const char *value)
{
	const char *cells[STORE_EXPORT_COLUMNS] = { section, record, at, field, value };

	if (!x->stopped)
		x->stopped = x->fn(x->ctx, cells, STORE_EXPORT_COLUMNS);
}

/* Hands out every non-null leaf of v as a row, the field named by its path. */
static void export_leaves(struct export_rows *x, const char *section, const char *record,
			  const char *at, const char *path, const json_t *v)
{
	char buf[64], sub[512];

	if (x->stopped)
		return;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *item;

		json_object_foreach((json_t *)v, key, item)
		{
			snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
			export_leaves(x, section, record, at, sub, item);
		}
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *item;

		json_array_foreach(v, i, item)
		{
			snprintf(sub, sizeof sub, "%s[%zu]", path, i + 1);
			export_leaves(x, section, record, at, sub, item);
		}
		break;
	}
	case JSON_STRING:
		export_row(x, section, record, at, path, json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		export_row(x, section, record, at, path, buf);
		break;
	case JSON_REAL:
		snprintf(buf, sizeof buf, "%g", json_real_value(v));
		export_row(x, section, record, at, path, buf);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		export_row(x, section, record, at, path, json_is_true(v) ? "yes" : "no");
		break;
	case JSON_NULL:
		break;
	}
}

static const char *member(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* One section of records: each object's leaves, but the nested list
 * `nested` (case events) as its own section. */
static void export_section(struct export_rows *x, const char *section, const json_t *list,
			   const char *at_key, const char *nested, const char *nested_section)
{
	size_t i;
	json_t *o;

	json_array_foreach(list, i, o)
	{
		const char *id = member(o, "reference") ? member(o, "reference") : member(o, "id");
		const char *at = member(o, at_key);
		const char *key;
		json_t *item;

		if (!id)
			id = member(o, "record_id");
		json_object_foreach(o, key, item)
		{
			if (nested && strcmp(key, nested) == 0) {
				size_t k;
				json_t *ev;

				json_array_foreach(item, k, ev)
					export_leaves(x, nested_section, id, member(ev, "at"), "",
						      ev);
				continue;
			}
			if (!strcmp(key, at_key))
				continue;
			export_leaves(x, section, id, at, key, item);
		}
	}
}

/* Who looked, one row each: the action as the field, who (and any detail)
 * as the value. */
static void export_access(struct export_rows *x, const json_t *list)
{
	size_t i;
	json_t *o;

	json_array_foreach(list, i, o)
	{
		const char *detail = member(o, "detail");
		char *who = xasprintf("by %s%s%s", member(o, "actor"), detail ? "; " : "",
				      detail ? detail : "");

		export_row(x, "access", member(o, "record_id"), member(o, "at"),
			   member(o, "action"), who);
		free(who);
	}
}

int store_export_rows(const struct json_t *doc,
		      int (*fn)(void *ctx, const char *const *cells, size_t n), void *ctx)
{
	struct export_rows x = { fn, ctx, 0 };
	const json_t *head = json_object_get(doc, "subject_access");
	const json_t *cust = json_object_get(doc, "customer");

	export_row(&x, "section", "record", "at", "field", "value");
	export_leaves(&x, "request", member(head, "customer_id"), member(head, "generated_at"),
		      "", head);
	export_leaves(&x, "customer", member(cust, "id"), member(cust, "created_at"), "", cust);
	export_section(&x, "contact", json_object_get(doc, "contacts"), "created_at", NULL, NULL);
	export_section(&x, "case", json_object_get(doc, "cases"), "created_at", "events",
		       "case event");
	export_section(&x, "parked flow", json_object_get(doc, "parked_flows"), "parked_at", NULL,
		       NULL);
	export_access(&x, json_object_get(doc, "access"));
	return x.stopped;
}

/* ---- erasure ----------------------------------------------------------- */

#define ERASED_TEXT "[erased]"

enum status customer_scrub(struct store *s, const char *id, bool queue, struct erase_result *out,
			   struct err *e)
{
	struct erase_result not_wanted; /* the caller passed no result */
	struct customer *c = NULL;
	sqlite3_int64 num;
	sqlite3_stmt *st;
	char now[32];
	char *body = NULL;
	enum status rc;

	if (!out)
		out = &not_wanted;
	memset(out, 0, sizeof *out);
	/* Freed cells and pages are overwritten, whoever calls (sync too). */
	rc = store_exec(s, "PRAGMA secure_delete = ON", e);
	if (!rc)
		rc = customer_load(s, id, &c, &num, e);
	if (rc)
		return rc;
	for (int f = 0; f < CF_COUNT; f++)
		customer_set(c, (enum customer_field)f, NULL);
	free(c->phone_raw);
	c->phone_raw = NULL;
	c->erased = true;
	store_now(now, sizeof now);
	st = stmt_sql(s,
		      "UPDATE customer SET name = NULL, dob = NULL, address = NULL, postcode = NULL,"
		      " uprn = NULL, phone = NULL, phone_raw = NULL, email = NULL,"
		      " preferred_channel = NULL, needs = NULL, consent = NULL, needs_basis = NULL, erased = 1,"
		      " updated_at = ?2 WHERE id = ?1",
		      e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "erasing the customer", e);
	if (!rc)
		rc = search_index_customer(s, num, c, NULL, e);
	/* Contacts stay as statistics (channel, service, outcome, times);
	 * what was said about the person goes. */
	if (!rc)
		rc = stmt_run1(s,
			       "UPDATE contact SET notes = NULL, answers = NULL WHERE customer_id = ?1"
			       " AND (notes IS NOT NULL OR answers IS NOT NULL)",
			       id, &out->contacts, "erasing contact notes", e);
	if (!rc)
		rc = stmt_run1(s,
			       "UPDATE case_event SET note = NULL WHERE note IS NOT NULL AND case_id IN"
			       " (SELECT id FROM \"case\" WHERE customer_id = ?1)",
			       id, &out->case_events, "erasing case notes", e);
	if (!rc)
		rc = stmt_run1(s,
			       "UPDATE \"case\" SET reason = '" ERASED_TEXT "', result = CASE WHEN result"
			       " IS NULL THEN NULL ELSE '" ERASED_TEXT "' END WHERE customer_id = ?1"
			       " AND (reason IS NOT '" ERASED_TEXT "' OR result IS NOT NULL AND result"
			       " IS NOT '" ERASED_TEXT "')",
			       id, &out->cases, "erasing case reasons", e);
	/* The outbox keeps change bodies, sent or not: they must not keep the
	 * person either. json_replace leaves the members a body has. */
	if (!rc)
		rc = stmt_run1(s,
			       "UPDATE outbox SET body = json_replace(body, '$.notes', NULL,"
			       " '$.answers', NULL) WHERE record_type = 'contact' AND record_id IN"
			       " (SELECT id FROM contact WHERE customer_id = ?1)",
			       id, &out->outbox, "cleaning queued changes", e);
	if (!rc)
		rc = stmt_run1(s,
			       "UPDATE outbox SET body = json_replace(body, '$.reason', '" ERASED_TEXT "',"
			       " '$.result', CASE WHEN json_extract(body, '$.result') IS NULL THEN NULL"
			       " ELSE '" ERASED_TEXT "' END, '$.note', NULL)"
			       " WHERE record_type IN ('case', 'case_event') AND (record_id IN"
			       " (SELECT id FROM \"case\" WHERE customer_id = ?1) OR record_id IN"
			       " (SELECT e.id FROM case_event e JOIN \"case\" k ON k.id = e.case_id"
			       "  WHERE k.customer_id = ?1))",
			       id, &out->outbox, "cleaning queued changes", e);
	if (!rc) {
		json_t *j = customer_to_json(c);

		body = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (!body)
			die("out of memory encoding JSON");
		st = stmt_sql(s, "UPDATE outbox SET body = ?2 WHERE record_type = 'customer'"
				 " AND record_id = ?1",
			      e);
		if (!st)
			rc = e ? e->code : STATUS_DB;
	}
	if (!rc) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
		rc = stmt_run(s, st, "cleaning queued changes", e);
		out->outbox += rc ? 0 : (long)sqlite3_changes(s->db);
	}
	/* Runs parked on the customer go (the flow_park_erase trigger), and
	 * their queued bodies lose the saved answers. */
	if (!rc)
		rc = stmt_run1(s,
			       "UPDATE outbox SET body = json_set(body, '$.saved', '{}', '$.step', NULL)"
			       " WHERE record_type = 'flow_park' AND json_extract(body, '$.customer_id') = ?1"
			       " AND json_extract(body, '$.saved') IS NOT '{}'",
			       id, &out->outbox, "cleaning queued changes", e);
	if (!rc)
		rc = stmt_run1(s, "DELETE FROM flow_park WHERE customer_id = ?1", id, NULL,
			       "removing parked flows", e);
	if (!rc && queue)
		rc = outbox_add(s, "customer", id, "upsert", body, e);
out:
	free(body);
	customer_free(c);
	return rc;
}

/* Rebuilds the search index's segments so deleted terms leave the file. */
enum status customer_index_purge(struct store *s, struct err *e)
{
	return store_exec(s, "INSERT INTO customer_fts (customer_fts) VALUES ('optimize')", e);
}

/* After a commit: copies the log into the file and empties it, so old page
 * images in the -wal go. false when another process holds the log. */
bool store_log_purge(struct store *s)
{
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);

	return rc == SQLITE_OK;
}

/*
 * Lower-case Latin letters without their accents (Zoë -> zoe, Nguyễn ->
 * nguyen), other characters dropped but spaces kept; caller frees. Only
 * for the check below: a reason that names the person.
 */
static char *latin_skeleton(const char *s)
{
	/* U+00C0..U+00FF and U+0100..U+017F, '.' for none */
	static const char latin1[] = "aaaaaaaceeeeiiiidnooooo.ouuuuyts"
				     "aaaaaaaceeeeiiiidnooooo.ouuuuyty";
	static const char ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkk"
				    "llllllllllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuu"
				    "wwyyyzzzzzzs";
	size_t n = strlen(s);
	char *out = xmalloc(n + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned cp;
		int len = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : 4;
		char c = 0;

		if (len == 1)
			cp = *p;
		else if (len == 2 && p[1])
			cp = ((unsigned)(*p & 0x1f) << 6) | (p[1] & 0x3f);
		else if (len == 3 && p[1] && p[2])
			cp = ((unsigned)(*p & 0x0f) << 12) | ((unsigned)(p[1] & 0x3f) << 6) |
			     (p[2] & 0x3f);
		else
			cp = 0xfffd;
		if (cp < 0x80)
			c = (char)(cp >= 'A' && cp <= 'Z' ? cp - 'A' + 'a' : cp);
		else if (cp >= 0xc0 && cp <= 0xff)
			c = latin1[cp - 0xc0];
		else if (cp >= 0x100 && cp < 0x100 + sizeof ext_a - 1)
			c = ext_a[cp - 0x100];
		else if (cp >= 0x1ea0 && cp <= 0x1ef9) /* Vietnamese */
			c = cp <= 0x1eb7 ? 'a' : cp <= 0x1ec7 ? 'e' : cp <= 0x1ecb ? 'i'
			  : cp <= 0x1ee3 ? 'o' : cp <= 0x1ef1 ? 'u' : 'y';
		if (c && c != '.')
			*o++ = c;
		for (int i = 0; i < len && *p; i++)
			p++;
	}
	*o = '\0';
	return out;
}

/* True if the reason holds a word of the name (3 letters or more),
 * accents and case aside. */
static bool names_person(const char *reason, const char *name)
{
	char *r = latin_skeleton(reason), *n = latin_skeleton(name);
	bool found = false;

	for (char *w = n; *w && !found;) {
		size_t len = 0;

		while (w[len] && w[len] != ' ' && w[len] != '-' && w[len] != '\'')
			len++;
		if (len >= 3) {
			char word[128];

			snprintf(word, sizeof word, "%.*s", (int)len, w);
			found = strstr(r, word) != NULL;
		}
		w += len;
		while (*w == ' ' || *w == '-' || *w == '\'')
			w++;
	}
	free(r);
	free(n);
	return found;
}

enum status store_customer_erase(struct store *s, const char *id, const char *reason,
				 struct erase_result *out, struct err *e)
{
	struct erase_result not_wanted; /* the caller passed no result */
	struct customer *c = NULL;
	char when[32];
	enum status rc;

	if (!out)
		out = &not_wanted;
	memset(out, 0, sizeof *out);
	if (!id || !uuid_valid(id))
		return err_set(e, STATUS_INVALID,
			       "'%s' is not a customer id; find the id with: frontdesk customer find "
			       "TEXT",
			       id ? id : "");
	rc = store_require(s, STORE_PERM_ERASE, "customer", id, e);
	if (rc)
		return rc;
	if (!reason || !*reason)
		return err_set(e, STATUS_USAGE,
			       "an erasure needs a reason for the record, such as: request by "
			       "letter of 3 May");
	rc = valid_text("reason", reason, 200, true, false, e);
	if (rc)
		return rc;
	rc = store_exec(s, "PRAGMA secure_delete = ON", e);
	if (rc)
		return rc;
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	rc = customer_load(s, id, &c, NULL, e);
	if (rc)
		goto out;
	if (c->erased) {
		sqlite3_stmt *st = stmt_sql(s, "SELECT updated_at FROM customer WHERE id = ?1", e);

		snprintf(when, sizeof when, "an earlier date");
		if (st) {
			sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(st) == SQLITE_ROW)
				snprintf(when, sizeof when, "%.10s", col_text(st, 0));
			sqlite3_reset(st);
		}
		rc = err_set(e, STATUS_EXISTS,
			     "customer '%s' was already erased on %s; nothing of them is left to "
			     "erase",
			     id, when);
		goto out;
	}
	if (c->field[CF_name] && names_person(reason, c->field[CF_name])) {
		rc = err_set(e, STATUS_INVALID,
			     "the reason must not name the person (it stays in the audit trail); "
			     "say why, such as: request by letter of 3 May");
		goto out;
	}
	rc = customer_scrub(s, id, true, out, e);
	if (!rc)
		rc = store_audit(s, "customer.erase", "customer", id, reason, e);
	if (!rc)
		rc = customer_index_purge(s, e);
out:
	customer_free(c);
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	rc = store_tx_end(s, true, e);
	if (!rc && s->tx_depth == 0)
		out->purged = store_log_purge(s);
	return rc;
}
