/*
 * Data protection (issue 7): roles enforced in the store, the offline
 * limit, subject access export, erasure, retention and minimisation of
 * flow answers. The audit chain itself is in audit.c.
 *
 * Nothing here puts personal data in a message or an audit row: messages
 * name ids, fields and rules, never values.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- roles ------------------------------------------------------------- */

static const char *const role_names[] = {
	[STORE_ROLE_NONE] = "no role",
	[STORE_ROLE_ADVISOR] = "advisor",
	[STORE_ROLE_SUPERVISOR] = "supervisor",
	[STORE_ROLE_ADMIN] = "admin",
};

const char *store_role_name(enum store_role r)
{
	if ((int)r < 0 || (size_t)r >= sizeof role_names / sizeof role_names[0])
		return role_names[STORE_ROLE_NONE];
	return role_names[r];
}

enum store_role store_role_find(const char *name)
{
	for (int r = STORE_ROLE_ADVISOR; name && r <= STORE_ROLE_ADMIN; r++)
		if (strcmp(name, role_names[r]) == 0)
			return (enum store_role)r;
	return STORE_ROLE_NONE;
}

void store_set_actor_role(struct store *s, const char *actor, enum store_role role)
{
	store_set_actor(s, actor);
	snprintf(s->role_actor, sizeof s->role_actor, "%s", store_actor(s));
	s->role = role;
}

enum store_role store_actor_role(struct store *s)
{
	const char *actor = store_actor(s);
	const char *colon = strchr(actor, ':');
	char prefix[16];
	enum store_role r = STORE_ROLE_NONE;
	sqlite3_stmt *st;

	if (s->role_actor[0] && strcmp(s->role_actor, actor) == 0)
		return (enum store_role)s->role;
	if (!colon || (size_t)(colon - actor) >= sizeof prefix)
		return STORE_ROLE_NONE;
	snprintf(prefix, sizeof prefix, "%.*s", (int)(colon - actor), actor);
	if (store_role_find(prefix) == STORE_ROLE_NONE)
		return STORE_ROLE_NONE;
	/* The table, not the prefix, says what the user may do now. */
	st = stmt_sql(s, "SELECT role FROM user WHERE login = ?1 AND NOT disabled", NULL);
	if (!st)
		return STORE_ROLE_NONE;
	sqlite3_bind_text(st, 1, colon + 1, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = store_role_find(col_text(st, 0));
	sqlite3_reset(st);
	return r;
}

static const struct {
	const char *name, *words;
	enum store_role least;
} perms[] = {
#define SP_ROW(n, w, role) { #n, w, STORE_ROLE_##role },
	STORE_PERMS(SP_ROW)
#undef SP_ROW
};

bool store_allowed(struct store *s, enum store_perm p)
{
	if ((int)p < 0 || p >= STORE_PERM_COUNT)
		die("store_allowed: no permission %d", (int)p);
	return store_actor_role(s) >= perms[p].least;
}

enum status store_require(struct store *s, enum store_perm p, const char *record_type,
			  const char *record_id, struct err *e)
{
	enum store_role r;
	const char *who;
	char detail[64];
	enum status rc;

	if (store_allowed(s, p))
		return STATUS_OK;
	r = store_actor_role(s);
	snprintf(detail, sizeof detail, "%s", perms[p].name);
	for (char *c = detail; *c; c++)
		*c = (char)(*c == '_' ? '-' : (*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c));
	rc = store_audit(s, "access.denied", record_type, record_id, detail, e);
	if (rc)
		return rc;
	who = perms[p].least == STORE_ROLE_ADMIN ? "an administrator"
						 : "a supervisor or an administrator";
	if (r == STORE_ROLE_NONE)
		return err_set(e, STATUS_DENIED,
			       "not allowed: %s has no frontdesk role, so may not %s; only %s can",
			       store_actor(s), perms[p].words, who);
	return err_set(e, STATUS_DENIED, "not allowed: %s is %s %s and may not %s; only %s can",
		       store_actor(s), r == STORE_ROLE_ADMIN || r == STORE_ROLE_ADVISOR ? "an" : "a",
		       r == STORE_ROLE_ADMIN ? "administrator" : store_role_name(r), perms[p].words,
		       who);
}

/* ---- the audit trail, for people ----------------------------------------- */

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

/* ---- the offline limit ------------------------------------------------- */

#define DAY_MS (24LL * 3600 * 1000)

/* When the server_url setting was last written (the enrolment); 0 if unknown. */
static int64_t enrolled_at(struct store *s)
{
	sqlite3_stmt *st = stmt_sql(s, "SELECT updated_at FROM settings WHERE key = 'server_url'",
				    NULL);
	int64_t ms = 0;

	if (!st)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW && time_parse_utc(col_text(st, 0), &ms) != STATUS_OK)
		ms = 0;
	sqlite3_reset(st);
	return ms;
}

enum status store_offline_check(struct store *s, struct err *e)
{
	char *url = setting_raw(s, "server_url");
	char *last = NULL, *days_text = NULL, when[32];
	long days = 14;
	int64_t last_ms = 0, now = clock_now_ms();
	enum status rc = STATUS_OK;

	if (!url || !*url)
		goto out; /* never enrolled: a stand-alone desk */
	if (store_setting_get(s, "max_offline_days", &days_text, NULL) == STATUS_OK && days_text) {
		long d = strtol(days_text, NULL, 10);

		if (d > 0)
			days = d;
	}
	last = setting_raw(s, "sync_last_ok");
	if (!last || !*last || time_parse_utc(last, &last_ms) != STATUS_OK)
		last_ms = enrolled_at(s);
	if (last_ms <= 0 || now - last_ms <= days * DAY_MS)
		goto out;
	time_format_utc(last_ms, when, sizeof when);
	when[10] = '\0';
	rc = err_set(e, STATUS_DENIED,
		     "customer records are hidden: this console has not synced with the server "
		     "since %s (%lld days; the limit is %ld, setting max_offline_days); connect "
		     "to the network and run: frontdesk sync",
		     when, (long long)((now - last_ms) / DAY_MS), days);
out:
	free(url);
	free(last);
	free(days_text);
	return rc;
}

/* ---- subject access ------------------------------------------------------ */

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

/* Flow runs parked on the customer (issue 4's flow_park): their saved
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

/* ---- erasure ------------------------------------------------------------- */

/* Runs a statement bound to one text parameter (?1) and adds the rows it
 * changed to *count (may be NULL). */
static enum status run1(struct store *s, const char *sql, const char *p1, long *count,
			const char *what, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql, e);
	enum status rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, p1, -1, SQLITE_TRANSIENT);
	rc = stmt_run(s, st, what, e);
	if (!rc && count)
		*count += (long)sqlite3_changes(s->db);
	return rc;
}

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
		      " preferred_channel = NULL, needs = NULL, consent = NULL, erased = 1,"
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
		rc = run1(s,
			  "UPDATE contact SET notes = NULL, answers = NULL WHERE customer_id = ?1"
			  " AND (notes IS NOT NULL OR answers IS NOT NULL)",
			  id, &out->contacts, "erasing contact notes", e);
	if (!rc)
		rc = run1(s,
			  "UPDATE case_event SET note = NULL WHERE note IS NOT NULL AND case_id IN"
			  " (SELECT id FROM \"case\" WHERE customer_id = ?1)",
			  id, &out->case_events, "erasing case notes", e);
	if (!rc)
		rc = run1(s,
			  "UPDATE \"case\" SET reason = '" ERASED_TEXT "', result = CASE WHEN result"
			  " IS NULL THEN NULL ELSE '" ERASED_TEXT "' END WHERE customer_id = ?1"
			  " AND (reason IS NOT '" ERASED_TEXT "' OR result IS NOT NULL AND result"
			  " IS NOT '" ERASED_TEXT "')",
			  id, &out->cases, "erasing case reasons", e);
	/* The outbox keeps change bodies, sent or not: they must not keep the
	 * person either. json_replace leaves the members a body has. */
	if (!rc)
		rc = run1(s,
			  "UPDATE outbox SET body = json_replace(body, '$.notes', NULL,"
			  " '$.answers', NULL) WHERE record_type = 'contact' AND record_id IN"
			  " (SELECT id FROM contact WHERE customer_id = ?1)",
			  id, &out->outbox, "cleaning queued changes", e);
	if (!rc)
		rc = run1(s,
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
		rc = run1(s,
			  "UPDATE outbox SET body = json_set(body, '$.saved', '{}', '$.step', NULL)"
			  " WHERE record_type = 'flow_park' AND json_extract(body, '$.customer_id') = ?1"
			  " AND json_extract(body, '$.saved') IS NOT '{}'",
			  id, &out->outbox, "cleaning queued changes", e);
	if (!rc)
		rc = run1(s, "DELETE FROM flow_park WHERE customer_id = ?1", id, NULL,
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

/* ---- minimisation ---------------------------------------------------------- */

enum status privacy_answers_check(const struct json_t *answers, bool linked, struct err *e)
{
	const json_t *list;
	const char *key;
	json_t *v;

	if (linked || !answers || !json_is_object(answers))
		return STATUS_OK;
	list = json_object_get(answers, "answers");
	if (!json_is_object(list))
		list = answers;
	json_object_foreach((json_t *)list, key, v)
	{
		if (json_is_object(v) && json_is_true(json_object_get(v, "personal")))
			return err_set(e, STATUS_INVALID,
				       "flow answer '%s' is personal, and this contact is not linked to "
				       "a customer: link it to the customer, or leave personal answers "
				       "out",
				       key);
	}
	return STATUS_OK;
}

/* ---- retention ------------------------------------------------------------- */

static const char *const record_names[] = {
#define RR_NAME(n, name) name,
	RETENTION_RECORDS(RR_NAME)
#undef RR_NAME
};

const char *retention_record_name(enum retention_record r)
{
	return (int)r >= 0 && r < RETENTION_RECORD_COUNT ? record_names[r] : "?";
}

const char *retention_action_name(enum retention_action a)
{
	return a == RETENTION_DELETE ? "delete" : "anonymise";
}

int retention_record_find(const char *name)
{
	for (int i = 0; name && i < RETENTION_RECORD_COUNT; i++)
		if (strcmp(name, record_names[i]) == 0)
			return i;
	return -1;
}

int retention_action_find(const char *name)
{
	if (!name)
		return -1;
	if (strcmp(name, "delete") == 0)
		return RETENTION_DELETE;
	if (strcmp(name, "anonymise") == 0 || strcmp(name, "anonymize") == 0)
		return RETENTION_ANONYMISE;
	return -1;
}

enum status retention_period_parse(const char *text, int *amount, char *unit, struct err *e)
{
	static const struct {
		const char *word;
		char unit;
		long max;
	} units[] = {
		{ "d", 'd', 36500 },	{ "day", 'd', 36500 },	 { "days", 'd', 36500 },
		{ "m", 'm', 1200 },	{ "month", 'm', 1200 }, { "months", 'm', 1200 },
		{ "y", 'y', 100 },	{ "year", 'y', 100 },	 { "years", 'y', 100 },
	};
	const char *p = text ? text : "";
	long n = 0;
	int digits = 0;

	while (*p == ' ')
		p++;
	while (*p >= '0' && *p <= '9' && digits < 7) {
		n = n * 10 + (*p++ - '0');
		digits++;
	}
	while (*p == ' ')
		p++;
	for (size_t i = 0; digits && digits < 7 && i < sizeof units / sizeof units[0]; i++) {
		size_t len = strlen(units[i].word);

		if (strncmp(p, units[i].word, len) == 0 && (p[len] == '\0' || p[len] == ' ') &&
		    strspn(p + len, " ") == strlen(p + len)) {
			if (n < 1 || n > units[i].max)
				return err_set(e, STATUS_INVALID,
					       "period '%s' is out of range; give 1 day to 100 years",
					       text);
			*amount = (int)n;
			*unit = units[i].unit;
			return STATUS_OK;
		}
	}
	return err_set(e, STATUS_INVALID,
		       "period '%s' is not a period; write it like 6y, 18m, 30d or 6 years",
		       text ? text : "");
}

enum status retention_rule_check(const struct retention_rule *r, struct err *e)
{
	switch (r->record) {
	case RETENTION_CONTACT:
	case RETENTION_CUSTOMER:
		if (r->action != RETENTION_ANONYMISE)
			return err_set(e, STATUS_INVALID,
				       "%ss can only be anonymised (reports count them); use anonymise",
				       retention_record_name(r->record));
		return STATUS_OK;
	case RETENTION_AUDIT:
	case RETENTION_OUTBOX:
		if (r->action != RETENTION_DELETE)
			return err_set(e, STATUS_INVALID,
				       "%s rows can only be deleted; use delete",
				       retention_record_name(r->record));
		return STATUS_OK;
	case RETENTION_CASE:
		return STATUS_OK;
	default:
		return err_set(e, STATUS_INVALID, "unknown record type in the retention schedule");
	}
}

/* Midnight UTC of (today - the rule's period), as stored times are written. */
static void cutoff_for(const struct retention_rule *r, char out[32])
{
	struct date d = date_from_days(clock_now_ms() / DAY_MS);
	char day[16];

	if (r->unit == 'd') {
		d = date_from_days(date_to_days(d) - r->amount);
	} else {
		int months = r->unit == 'y' ? 12 * r->amount : r->amount;
		int total = d.year * 12 + (d.month - 1) - months;

		d.year = total / 12;
		d.month = total % 12 + 1;
		while (!date_valid(d) && d.day > 28)
			d.day--; /* 29 February, 31 April: the month's last day */
	}
	date_format(d, day, sizeof day);
	snprintf(out, 32, "%sT00:00:00.000Z", day);
}

/* A count query bound to the cutoff. */
static enum status count1(struct store *s, const char *sql, const char *cutoff, long *n,
			  struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql, e);
	int step;

	*n = 0;
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return step == SQLITE_ROW ? STATUS_OK : store_db_error(s, step, "applying retention", e);
}

/* Customers not erased with nothing done for them since cutoff. */
#define IDLE_CUSTOMERS                                                                             \
	" FROM customer c WHERE NOT c.erased AND c.updated_at < ?1"                                \
	" AND NOT EXISTS (SELECT 1 FROM contact WHERE customer_id = c.id AND created_at >= ?1)"  \
	" AND NOT EXISTS (SELECT 1 FROM \"case\" WHERE customer_id = c.id AND (status != 'closed'" \
	"  OR closed_at >= ?1 OR created_at >= ?1))"

#define OLD_CLOSED_CASES " FROM \"case\" WHERE status = 'closed' AND closed_at < ?1"

/* Re-indexes the customers whose cases (and so references) changed. */
static enum status reindex_all(struct store *s, char **ids, size_t n, struct err *e)
{
	enum status rc = STATUS_OK;

	for (size_t i = 0; i < n && !rc; i++)
		rc = search_reindex_customer(s, ids[i], e);
	return rc;
}

/* The ids a query (bound to the cutoff) returns; caller frees each and
 * the array. */
static enum status collect_ids(struct store *s, const char *sql, const char *cutoff,
			       char ***out, size_t *n, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql, e);
	size_t alloc = 0;
	int step;

	*out = NULL;
	*n = 0;
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			*out = xrealloc(*out, alloc * sizeof **out);
		}
		(*out)[(*n)++] = xstrdup(col_text(st, 0));
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? STATUS_OK : store_db_error(s, step, "applying retention", e);
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static enum status apply_cases(struct store *s, const struct retention_rule *r,
			       const char *cutoff, bool dry_run, long *rows, struct err *e)
{
	char **ids = NULL;
	size_t n = 0;
	enum status rc;

	if (r->action == RETENTION_DELETE)
		rc = count1(s, "SELECT count(*)" OLD_CLOSED_CASES, cutoff, rows, e);
	else
		rc = count1(s,
			    "SELECT count(*)" OLD_CLOSED_CASES " AND (customer_id IS NOT NULL OR"
			    " reason IS NOT '[removed]' OR result IS NOT NULL)",
			    cutoff, rows, e);
	if (rc || dry_run || *rows == 0)
		return rc;
	rc = collect_ids(s,
			 "SELECT DISTINCT customer_id" OLD_CLOSED_CASES " AND customer_id IS NOT NULL",
			 cutoff, &ids, &n, e);
	if (!rc && r->action == RETENTION_DELETE) {
		rc = run1(s, "DELETE FROM case_event WHERE case_id IN (SELECT id" OLD_CLOSED_CASES ")",
			  cutoff, NULL, "removing old cases", e);
		if (!rc)
			rc = run1(s, "DELETE" OLD_CLOSED_CASES, cutoff, NULL, "removing old cases", e);
	} else if (!rc) {
		rc = run1(s,
			  "UPDATE case_event SET note = NULL WHERE note IS NOT NULL AND case_id IN"
			  " (SELECT id" OLD_CLOSED_CASES ")",
			  cutoff, NULL, "anonymising old cases", e);
		if (!rc)
			rc = run1(s,
				  "UPDATE \"case\" SET customer_id = NULL, reason = '[removed]',"
				  " result = NULL WHERE status = 'closed' AND closed_at < ?1",
				  cutoff, NULL, "anonymising old cases", e);
	}
	if (!rc)
		rc = reindex_all(s, ids, n, e);
	free_ids(ids, n);
	return rc;
}

static enum status apply_customers(struct store *s, const char *cutoff, bool dry_run,
				   long *rows, struct err *e)
{
	char **ids = NULL;
	size_t n = 0;
	enum status rc = count1(s, "SELECT count(*)" IDLE_CUSTOMERS, cutoff, rows, e);

	if (rc || dry_run || *rows == 0)
		return rc;
	rc = collect_ids(s, "SELECT c.id" IDLE_CUSTOMERS, cutoff, &ids, &n, e);
	for (size_t i = 0; i < n && !rc; i++) {
		rc = customer_scrub(s, ids[i], true, NULL, e);
		if (!rc)
			rc = store_audit(s, "customer.erase", "customer", ids[i], "retention", e);
	}
	if (!rc)
		rc = customer_index_purge(s, e);
	free_ids(ids, n);
	return rc;
}

static enum status apply_rule(struct store *s, const struct retention_rule *r,
			      const char *cutoff, bool dry_run, long *rows, struct err *e)
{
	static const char contacts_count[] =
		"SELECT count(*) FROM contact WHERE created_at < ?1 AND (customer_id IS NOT NULL"
		" OR notes IS NOT NULL OR answers IS NOT NULL)";
	enum status rc;

	*rows = 0;
	switch (r->record) {
	case RETENTION_CONTACT:
		rc = count1(s, contacts_count, cutoff, rows, e);
		if (rc || dry_run || *rows == 0)
			return rc;
		rc = run1(s,
			  "UPDATE contact SET customer_id = NULL, notes = NULL, answers = NULL"
			  " WHERE created_at < ?1 AND (customer_id IS NOT NULL OR notes IS NOT NULL"
			  " OR answers IS NOT NULL)",
			  cutoff, NULL, "anonymising old contacts", e);
		if (!rc)
			rc = run1(s,
				  "UPDATE visit SET customer_id = NULL WHERE started_at < ?1 AND"
				  " customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contact"
				  " WHERE visit_id = visit.id AND customer_id IS NOT NULL)",
				  cutoff, NULL, "anonymising old visits", e);
		return rc;
	case RETENTION_CASE:
		return apply_cases(s, r, cutoff, dry_run, rows, e);
	case RETENTION_CUSTOMER:
		return apply_customers(s, cutoff, dry_run, rows, e);
	case RETENTION_AUDIT:
		return audit_trim(s, cutoff, dry_run, rows, e);
	case RETENTION_OUTBOX:
		rc = count1(s,
			    "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?1",
			    cutoff, rows, e);
		if (rc || dry_run || *rows == 0)
			return rc;
		return run1(s, "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?1",
			    cutoff, NULL, "removing sent changes", e);
	default:
		return err_set(e, STATUS_INVALID, "unknown record type in the retention schedule");
	}
}

enum status store_retention_apply(struct store *s, const struct retention_rule *rules,
				  size_t n, bool dry_run,
				  int (*fn)(void *ctx, const struct retention_outcome *o),
				  void *ctx, struct err *e)
{
	struct retention_outcome *done = NULL;
	struct buf detail;
	enum status rc;

	for (size_t i = 0; i < n; i++) {
		rc = retention_rule_check(&rules[i], e);
		if (rc)
			return rc;
	}
	rc = store_require(s, STORE_PERM_RETENTION, "retention", NULL, e);
	if (rc)
		return rc;
	if (!dry_run) {
		rc = store_exec(s, "PRAGMA secure_delete = ON", e);
		if (rc)
			return rc;
	}
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	buf_init(&detail, 4096);
	buf_adds(&detail, dry_run ? "dry run:" : "applied:");
	done = xcalloc(n ? n : 1, sizeof *done);
	for (size_t i = 0; i < n && !rc; i++) {
		done[i].rule = &rules[i];
		cutoff_for(&rules[i], done[i].cutoff);
		rc = apply_rule(s, &rules[i], done[i].cutoff, dry_run, &done[i].rows, e);
		buf_printf(&detail, " %s.%s=%ld", retention_record_name(rules[i].record),
			   retention_action_name(rules[i].action), done[i].rows);
	}
	if (!rc)
		rc = store_audit(s, dry_run ? "retention.check" : "retention.apply", "retention", NULL,
				 buf_str(&detail), e);
	if (rc) {
		store_tx_end(s, false, NULL);
		goto out;
	}
	rc = store_tx_end(s, true, e);
	if (rc)
		goto out;
	if (!dry_run && s->tx_depth == 0)
		store_log_purge(s);
	for (size_t i = 0; i < n && fn; i++)
		if (fn(ctx, &done[i]))
			break;
out:
	free(done);
	buf_release(&detail);
	return rc;
}
