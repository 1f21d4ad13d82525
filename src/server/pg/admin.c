/*
 * The centre's own changes: case status from the back office, flows, hot
 * topics, reference data, users and erasure. Each is one transaction and
 * reaches the consoles through the change log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

static char *dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	if (!s)
		die("out of memory encoding JSON");
	return s;
}

static void set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v && *v ? json_string(v) : json_null());
}

/* Begins a transaction that will log changes: the log lock comes first. */
static enum status begin_logged(struct pg *db, bool *locked, struct err *e)
{
	enum status rc = pg_begin(db, e);

	if (rc)
		return rc;
	rc = pg_run(db, "SELECT pg_advisory_xact_lock(7231)", 0, NULL, "locking the change log", e);
	if (rc) {
		pg_end(db, false, NULL);
		return rc;
	}
	*locked = true;
	return STATUS_OK;
}

static enum status finish(struct pg *db, enum status rc, struct err *e)
{
	if (rc) {
		pg_end(db, false, NULL);
		return rc;
	}
	return pg_end(db, true, e);
}

/* The bank holidays, sorted; *out is the caller's to free. */
static enum status holidays_read(struct pg *db, struct date **out, size_t *n, struct err *e)
{
	PGresult *r = pg_exec(db, "SELECT day::text FROM bank_holiday ORDER BY day", 0, NULL,
			      "reading bank holidays", e);

	*out = NULL;
	*n = 0;
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	*out = xcalloc((size_t)PQntuples(r) + 1, sizeof **out);
	for (int i = 0; i < PQntuples(r); i++)
		if (date_parse(PQgetvalue(r, i, 0), &(*out)[*n], "bank holiday", NULL) == STATUS_OK)
			(*n)++;
	PQclear(r);
	return STATUS_OK;
}

/*
 * Where a pause that ends now leaves the case: the due date and paused days
 * moved on as a desk moves them (core's case rules), from the day of the
 * case's latest awaiting-customer event.
 */
static enum status pause_end(struct pg *db, const char *since_utc, char due[11], long *paused,
			     struct err *e)
{
	struct date *hol, since, d;
	size_t nhol;
	int64_t ms;
	enum status rc;

	if (date_parse(due, &d, "due date", NULL) != STATUS_OK)
		return STATUS_OK; /* no due date to move */
	since = date_today_london();
	if (since_utc && time_parse_utc(since_utc, &ms) == STATUS_OK)
		since = date_of_ms_london(ms);
	rc = holidays_read(db, &hol, &nhol, e);
	if (rc)
		return rc;
	if (case_pause_end(since, date_today_london(), hol, nhol, &d, paused) > 0)
		date_format(d, due, 11);
	free(hol);
	return STATUS_OK;
}

enum status pg_case_update(struct pg *db, const char *reference, const char *status,
			   const char *note, const char *result, const char *actor, struct err *e)
{
	char event_id[UUID_STR_LEN + 1], now[32], due[11], paused_text[24], ref[40], id[40];
	char customer[UUID_STR_LEN + 1];
	json_t *closing; /* the result, sealed as the case's is */
	char *text;
	const char *p[1] = { reference };
	json_t *ev;
	PGresult *r;
	bool locked = false;
	enum status rc;
	int from, to = case_status_find(status);
	long paused;

	if (to < 0)
		return err_set(e, STATUS_INVALID,
			       "unknown case status '%s'; use open, in-progress, awaiting-customer or closed",
			       status);
	if (note && valid_text("note", note, NOTES_MAX_CHARS, false, true, e))
		return STATUS_INVALID;
	/* Closing needs a result whatever the case: said before it is looked up. */
	if (to == CASE_CLOSED && (rc = case_change_check(reference, CASE_OPEN, CASE_CLOSED, result, e)))
		return rc;
	rc = begin_logged(db, &locked, e);
	if (rc)
		return rc;
	r = pg_exec(db,
		    "SELECT c.id, c.reference, c.status, coalesce(c.body->>'due_date', ''),"
		    " CASE WHEN jsonb_typeof(c.body->'paused_days') = 'number'"
		    "  THEN (c.body->>'paused_days')::numeric::bigint ELSE 0 END,"
		    " (SELECT max(v.body->>'at') FROM case_event v WHERE v.case_id = c.id"
		    "  AND v.body->>'status' = 'awaiting-customer'), coalesce(c.customer_id, '')"
		    " FROM \"case\" c WHERE c.reference = upper($1) FOR UPDATE OF c",
		    1, p, "finding the case", e);
	if (!r)
		return finish(db, e && e->code ? e->code : STATUS_DB, e);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return finish(db,
			      err_set(e, STATUS_NOT_FOUND,
				      "no case with reference '%s' has reached the server", reference),
			      e);
	}
	snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
	snprintf(ref, sizeof ref, "%s", PQgetvalue(r, 0, 1));
	from = case_status_find(PQgetvalue(r, 0, 2));
	snprintf(due, sizeof due, "%s", PQgetvalue(r, 0, 3));
	paused = (long)pg_ll(r, 0, 4);
	snprintf(customer, sizeof customer, "%s", PQgetvalue(r, 0, 6));
	/* The same rules as at a desk: a closed case stays closed. */
	rc = case_change_check(ref, from < 0 ? CASE_OPEN : (enum case_status)from,
			       (enum case_status)to, result, e);
	if (!rc && from >= 0 && case_pause_ends((enum case_status)from, (enum case_status)to))
		rc = pause_end(db, PQgetisnull(r, 0, 5) ? NULL : PQgetvalue(r, 0, 5), due, &paused,
			       e);
	PQclear(r);
	if (rc)
		return finish(db, rc, e);
	snprintf(paused_text, sizeof paused_text, "%ld", paused);
	uuid_v7(event_id);
	time_format_utc(clock_now_ms(), now, sizeof now);
	ev = json_object();
	set_str(ev, "id", event_id);
	set_str(ev, "case_id", id);
	set_str(ev, "status", status);
	set_str(ev, "note", note);
	set_str(ev, "actor", actor);
	set_str(ev, "at", now);
	closing = json_object();
	set_str(closing, "result", result);
	rc = pg_seal(db, "case_event", ev, customer[0] ? customer : NULL, e);
	if (!rc)
		rc = pg_seal(db, "case", closing, customer[0] ? customer : NULL, e);
	if (rc) {
		json_decref(ev);
		json_decref(closing);
		return finish(db, rc, e);
	}
	text = dump(ev);
	{
		const char *q[3] = { event_id, id, text };

		rc = pg_run(db,
			    "INSERT INTO case_event (id, case_id, device_id, body)"
			    " VALUES ($1, $2, NULL, $3::jsonb)",
			    3, q, "saving the case event", e);
	}
	if (!rc) {
		/* Every desk takes status, due date and paused days from this
		 * body as it takes a desk's own change. */
		const char *q[7] = { id, status, now,
				     json_string_value(json_object_get(closing, "result")),
				     due[0] ? due : NULL, paused_text,
				     json_string_value(json_object_get(closing, "sealed")) };

		r = pg_exec(db,
			    "UPDATE \"case\" SET status = $2, updated_at = now(), body = body"
			    " || jsonb_build_object('status', $2::text,"
			    "   'closed_at', CASE WHEN $2 = 'closed' THEN $3::text END,"
			    "   'result', CASE WHEN $2 = 'closed' THEN $4::text END,"
			    "   'paused_days', $6::bigint)"
			    " || CASE WHEN $5::text IS NULL THEN '{}'::jsonb"
			    "   ELSE jsonb_build_object('due_date', $5::text) END"
			    " || CASE WHEN $2 = 'closed' AND $7::text IS NOT NULL"
			    "   THEN jsonb_build_object('sealed', $7::text) ELSE '{}'::jsonb END"
			    " WHERE id = $1 RETURNING body::text",
			    7, q, "updating the case", e);
		if (!r)
			rc = e && e->code ? e->code : STATUS_DB;
		else {
			rc = pg_log_change(db, &locked, "case", id, NULL, PQgetvalue(r, 0, 0), e);
			PQclear(r);
		}
	}
	if (!rc)
		rc = pg_log_change(db, &locked, "case_event", event_id, NULL, text, e);
	if (!rc)
		rc = pg_seal_commit(db, e);
	free(text);
	json_decref(ev);
	json_decref(closing);
	return finish(db, rc, e);
}

enum status pg_flow_publish(struct pg *db, const struct flow *f, bool *was_new, struct err *e)
{
	json_t *o = json_object();
	char version[24], now[32], *text;
	size_t len;
	const char *src = flow_source(f, &len);
	PGresult *r;
	bool locked = false;
	enum status rc;

	*was_new = false;
	time_format_utc(clock_now_ms(), now, sizeof now);
	snprintf(version, sizeof version, "%ld", f->version);
	set_str(o, "id", f->id);
	json_object_set_new(o, "version", json_integer(f->version));
	set_str(o, "title", f->title);
	set_str(o, "service", f->service);
	json_object_set_new(o, "source", json_stringn(src, len));
	set_str(o, "published_at", now);
	if (!json_is_string(json_object_get(o, "source"))) {
		json_decref(o);
		return err_set(e, STATUS_INVALID, "flow '%s' is not UTF-8 text", f->id);
	}
	text = dump(o);
	rc = begin_logged(db, &locked, e);
	if (rc)
		goto out;
	{
		const char *p[3] = { f->id, version, text };

		r = pg_exec(db,
			    "INSERT INTO flow (id, version, body) VALUES ($1, $2::integer, $3::jsonb)"
			    " ON CONFLICT DO NOTHING RETURNING id",
			    3, p, "publishing the flow", e);
		if (!r) {
			rc = finish(db, e && e->code ? e->code : STATUS_DB, e);
			goto out;
		}
		*was_new = PQntuples(r) == 1;
		PQclear(r);
		if (!*was_new) {
			r = pg_exec(db,
				    "SELECT body->>'source' = $3::jsonb->>'source' FROM flow"
				    " WHERE id = $1 AND version = $2::integer",
				    3, p, "reading the flow", e);
			if (r && PQgetvalue(r, 0, 0)[0] != 't')
				rc = err_set(e, STATUS_EXISTS,
					     "flow '%s' version %ld is already published with other "
					     "content; raise its version",
					     f->id, f->version);
			else if (!r)
				rc = e && e->code ? e->code : STATUS_DB;
			PQclear(r);
		} else {
			char key[200];

			snprintf(key, sizeof key, "%s@%ld", f->id, f->version);
			rc = pg_log_change(db, &locked, "flow", key, NULL, text, e);
		}
	}
	rc = finish(db, rc, e);
out:
	free(text);
	json_decref(o);
	return rc;
}

enum status pg_hot_topic_add(struct pg *db, const struct hot_topic_in *h, char *id_out,
			     struct err *e)
{
	json_t *o = json_object();
	char id[UUID_STR_LEN + 1], now[32], *text;
	bool locked = false;
	enum status rc;

	uuid_v7(id);
	time_format_utc(clock_now_ms(), now, sizeof now);
	set_str(o, "id", id);
	set_str(o, "text", h->text);
	set_str(o, "site", h->site);
	set_str(o, "service", h->service);
	set_str(o, "starts_at", h->starts_at);
	set_str(o, "ends_at", h->ends_at);
	set_str(o, "created_at", now);
	text = dump(o);
	json_decref(o);
	rc = begin_logged(db, &locked, e);
	if (!rc) {
		const char *p[2] = { id, text };

		rc = pg_run(db, "INSERT INTO hot_topic (id, body) VALUES ($1, $2::jsonb)", 2, p,
			    "saving the hot topic", e);
		if (!rc)
			rc = pg_log_change(db, &locked, "hot_topic", id, NULL, text, e);
		rc = finish(db, rc, e);
	}
	free(text);
	if (!rc)
		snprintf(id_out, UUID_STR_LEN + 1, "%s", id);
	return rc;
}

/* Upserts one row of reference data; logs it when it changed and when
 * consoles take that kind (sites, teams, services). */
static enum status ref_put(struct pg *db, bool *locked, const char *kind, const char *code,
			   json_t *body, long *changed, struct err *e)
{
	char *text = dump(body);
	const char *p[3] = { kind, code, text };
	PGresult *r = pg_exec(db,
			      "INSERT INTO refdata (kind, code, body, active)"
			      " VALUES ($1, $2, $3::jsonb, true) ON CONFLICT (kind, code) DO UPDATE"
			      " SET body = EXCLUDED.body, active = true"
			      " WHERE refdata.body IS DISTINCT FROM EXCLUDED.body OR NOT refdata.active"
			      " RETURNING code",
			      3, p, "saving reference data", e);
	enum status rc = STATUS_OK;

	json_decref(body);
	if (!r) {
		free(text);
		return e && e->code ? e->code : STATUS_DB;
	}
	if (PQntuples(r) == 1) {
		(*changed)++;
		if (!strcmp(kind, "site") || !strcmp(kind, "team") || !strcmp(kind, "service")) {
			char key[128];

			snprintf(key, sizeof key, "%s:%s", kind, code);
			rc = pg_log_change(db, locked, kind, key, NULL, text, e);
		}
	}
	PQclear(r);
	free(text);
	return rc;
}

/*
 * Makes the bank holidays equal to rd's, for the cases report's working
 * days: new days added, renamed ones renamed, days the file no longer lists
 * removed; *changed counts each. Consoles keep their own (they load the same
 * files), so nothing is logged.
 */
static enum status holidays_put(struct pg *db, const struct refdata *rd, long *changed,
				struct err *e)
{
	static const char *const sql[] = {
		"INSERT INTO bank_holiday (day, name)"
		" SELECT (x->>'day')::date, x->>'name' FROM jsonb_array_elements($1::jsonb) x"
		" ON CONFLICT (day) DO UPDATE SET name = EXCLUDED.name"
		" WHERE bank_holiday.name <> EXCLUDED.name RETURNING day",
		"DELETE FROM bank_holiday WHERE day NOT IN"
		" (SELECT (x->>'day')::date FROM jsonb_array_elements($1::jsonb) x) RETURNING day",
	};
	json_t *list = json_array();
	const char *p[1];
	char *text;
	enum status rc = STATUS_OK;

	for (size_t i = 0; i < rd->nholidays; i++) {
		json_t *o = json_object();
		char day[11];

		date_format(rd->holidays[i], day, sizeof day);
		set_str(o, "day", day);
		set_str(o, "name", rd->holiday_names[i]);
		json_array_append_new(list, o);
	}
	text = dump(list);
	json_decref(list);
	p[0] = text;
	for (size_t i = 0; i < sizeof sql / sizeof sql[0] && !rc; i++) {
		PGresult *r = pg_exec(db, sql[i], 1, p, "saving bank holidays", e);

		if (!r) {
			rc = e && e->code ? e->code : STATUS_DB;
			break;
		}
		*changed += PQntuples(r);
		PQclear(r);
	}
	free(text);
	return rc;
}

enum status pg_refdata_load(struct pg *db, const struct refdata *rd, long *changed,
			    struct err *e)
{
	bool locked = false;
	enum status rc;

	*changed = 0;
	rc = begin_logged(db, &locked, e);
	if (rc)
		return rc;
	/* Teams before services: a console applies them in log order. */
	for (size_t i = 0; !rc && i < rd->nteams; i++) {
		json_t *o = json_object();

		set_str(o, "code", rd->teams[i].code);
		set_str(o, "name", rd->teams[i].name);
		set_str(o, "email", rd->teams[i].email);
		rc = ref_put(db, &locked, "team", rd->teams[i].code, o, changed, e);
	}
	for (size_t i = 0; !rc && i < rd->nservices; i++) {
		json_t *o = json_object();
		const struct ref_service *s = &rd->services[i];

		set_str(o, "code", s->code);
		set_str(o, "name", s->name);
		set_str(o, "team", s->team);
		set_str(o, "url", s->url);
		json_object_set_new(o, "lgsl", s->lgsl ? json_integer(s->lgsl) : json_null());
		json_object_set_new(o, "standard_days", json_integer(s->standard_days));
		rc = ref_put(db, &locked, "service", s->code, o, changed, e);
	}
	for (size_t i = 0; !rc && i < rd->nsites; i++) {
		json_t *o = json_object();
		const struct ref_site *s = &rd->sites[i];

		set_str(o, "code", s->code);
		set_str(o, "name", s->name);
		set_str(o, "kind", s->kind);
		set_str(o, "address", s->address);
		set_str(o, "postcode", s->postcode);
		rc = ref_put(db, &locked, "site", s->code, o, changed, e);
	}
	for (size_t i = 0; !rc && i < rd->nchannels; i++) {
		json_t *o = json_object();

		set_str(o, "code", rd->channels[i].code);
		set_str(o, "name", rd->channels[i].name);
		/* for the reports over every hub (cost to serve, digital take-up) */
		json_object_set_new(o, "unit_cost_pence", json_integer(rd->channels[i].unit_cost_pence));
		json_object_set_new(o, "digital", json_boolean(rd->channels[i].digital));
		rc = ref_put(db, &locked, "channel", rd->channels[i].code, o, changed, e);
	}
	for (size_t i = 0; !rc && i < rd->noutcomes; i++) {
		json_t *o = json_object();

		set_str(o, "code", rd->outcomes[i].code);
		set_str(o, "name", rd->outcomes[i].name);
		rc = ref_put(db, &locked, "outcome", rd->outcomes[i].code, o, changed, e);
	}
	for (size_t i = 0; !rc && i < rd->nfailures; i++) {
		json_t *o = json_object();

		set_str(o, "code", rd->failures[i].code);
		set_str(o, "name", rd->failures[i].name);
		rc = ref_put(db, &locked, "failure", rd->failures[i].code, o, changed, e);
	}
	for (size_t i = 0; !rc && i < rd->nneeds; i++) {
		json_t *o = json_object();
		const struct ref_need *n = &rd->needs[i];

		/* for checking pushed customers' needs (server_change_check) */
		set_str(o, "code", n->code);
		set_str(o, "name", n->label);
		set_str(o, "detail", need_detail_name(n->detail));
		json_object_set_new(o, "detail_required", json_boolean(n->detail_required));
		rc = ref_put(db, &locked, "need", n->code, o, changed, e);
	}
	if (!rc)
		rc = holidays_put(db, rd, changed, e);
	return finish(db, rc, e);
}

/*
 * Users are managed centrally: each change is one transaction,
 * logged for every desk's pull with the whole row (argon2id hash, role,
 * disabled), so a desk's copy ends equal to the server's.
 */
static enum status user_save(struct pg *db, bool *locked, json_t *o, struct err *e)
{
	char *text = dump(o);
	const char *p[3] = { json_string_value(json_object_get(o, "id")),
			     json_string_value(json_object_get(o, "login")), text };
	enum status rc = pg_run(db,
				"INSERT INTO app_user (id, login, body) VALUES ($1, $2, $3::jsonb)"
				" ON CONFLICT (login) DO UPDATE SET body = EXCLUDED.body",
				3, p, "saving the user", e);

	if (!rc)
		rc = pg_log_change(db, locked, "user", p[0], NULL, text, e);
	if (!rc && json_is_true(json_object_get(o, "disabled")))
		rc = pg_session_end_user(db, p[1], e);
	free(text);
	return rc;
}

enum status pg_user_add(struct pg *db, const char *login, const char *name, const char *role,
			const char *password_hash, struct err *e)
{
	json_t *o;
	char id[UUID_STR_LEN + 1], now[32];
	const char *p[1] = { login };
	bool locked = false;
	PGresult *r;
	enum status rc;

	rc = begin_logged(db, &locked, e);
	if (rc)
		return rc;
	r = pg_exec(db, "SELECT 1 FROM app_user WHERE login = $1 FOR UPDATE", 1, p,
		    "reading the user", e);
	if (!r)
		return finish(db, e && e->code ? e->code : STATUS_DB, e);
	if (PQntuples(r) == 1) {
		PQclear(r);
		return finish(db,
			      err_set(e, STATUS_EXISTS,
				      "user '%s' exists already (maybe disabled); use frontdeskd user "
				      "passwd, role or enable to change it",
				      login),
			      e);
	}
	PQclear(r);
	time_format_utc(clock_now_ms(), now, sizeof now);
	uuid_v7(id);
	o = json_object();
	set_str(o, "id", id);
	set_str(o, "login", login);
	set_str(o, "display_name", name);
	set_str(o, "role", role);
	set_str(o, "password_hash", password_hash);
	json_object_set_new(o, "disabled", json_false());
	set_str(o, "created_at", now);
	set_str(o, "updated_at", now);
	rc = user_save(db, &locked, o, e);
	json_decref(o);
	return finish(db, rc, e);
}

enum status pg_user_change(struct pg *db, const char *login, const struct user_change *ch,
			   struct err *e)
{
	const char *p[1] = { login };
	bool locked = false;
	json_t *o;
	PGresult *r;
	char now[32];
	enum status rc;

	rc = begin_logged(db, &locked, e);
	if (rc)
		return rc;
	r = pg_exec(db, "SELECT body::text FROM app_user WHERE login = $1 FOR UPDATE", 1, p,
		    "reading the user", e);
	if (!r)
		return finish(db, e && e->code ? e->code : STATUS_DB, e);
	o = PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : NULL;
	PQclear(r);
	if (!o)
		return finish(db,
			      err_set(e, STATUS_NOT_FOUND,
				      "no user '%s' on the server; list them with: frontdeskd user "
				      "list",
				      login),
			      e);
	if (ch->role)
		set_str(o, "role", ch->role);
	if (ch->password_hash)
		set_str(o, "password_hash", ch->password_hash);
	if (ch->disabled >= 0)
		json_object_set_new(o, "disabled", json_boolean(ch->disabled));
	time_format_utc(clock_now_ms(), now, sizeof now);
	set_str(o, "updated_at", now);
	rc = user_save(db, &locked, o, e);
	json_decref(o);
	return finish(db, rc, e);
}

enum status pg_user_list(struct pg *db, int (*fn)(void *ctx, const struct user_listed *u),
			 void *ctx, struct err *e)
{
	PGresult *r = pg_exec(db,
			      "SELECT login, coalesce(body->>'role', ''),"
			      " coalesce((body->>'disabled')::boolean, false),"
			      " coalesce(body->>'display_name', ''),"
			      " coalesce(body->>'updated_at', ''),"
			      " (SELECT count(*) FROM person_session s WHERE s.login = u.login"
			      "  AND s.ended_at IS NULL AND s.expires_at > now())"
			      " FROM app_user u ORDER BY login",
			      0, NULL, "reading the users", e);

	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	for (int i = 0; i < PQntuples(r); i++) {
		struct user_listed u = {
			.login = PQgetvalue(r, i, 0),
			.role = PQgetvalue(r, i, 1),
			.disabled = PQgetvalue(r, i, 2)[0] == 't',
			.name = PQgetvalue(r, i, 3),
			.updated_at = PQgetvalue(r, i, 4),
			.sessions = pg_ll(r, i, 5),
		};

		if (fn(ctx, &u))
			break;
	}
	PQclear(r);
	return STATUS_OK;
}

enum status pg_user_sites(struct pg *db, const char *login, const char *const *sites, int n,
			  struct err *e)
{
	const char *p[2] = { login, NULL };
	enum status rc;
	PGresult *r;

	for (int i = 0; i < n; i++)
		if (!pg_code_exists(db, "site", sites[i]))
			return err_set(e, STATUS_UNKNOWN_CODE,
				       "unknown site '%s'; load the reference data first "
				       "(frontdeskd data load DIR)",
				       sites[i]);
	rc = pg_begin(db, e);
	if (rc)
		return rc;
	r = pg_exec(db, "SELECT 1 FROM app_user WHERE login = $1 FOR UPDATE", 1, p,
		    "reading the user", e);
	if (!r) {
		pg_end(db, false, NULL);
		return e && e->code ? e->code : STATUS_DB;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		pg_end(db, false, NULL);
		return err_set(e, STATUS_NOT_FOUND,
			       "no user '%s' here; add it first with: frontdeskd user add %s --role ROLE",
			       login, login);
	}
	PQclear(r);
	rc = pg_run(db, "DELETE FROM user_site WHERE login = $1", 1, p, "saving the user's sites",
		    e);
	for (int i = 0; i < n && !rc; i++) {
		p[1] = sites[i];
		rc = pg_run(db,
			    "INSERT INTO user_site (login, site) VALUES ($1, $2) ON CONFLICT DO NOTHING",
			    2, p, "saving the user's sites", e);
	}
	if (rc) {
		pg_end(db, false, NULL);
		return rc;
	}
	return pg_end(db, true, e);
}

enum status pg_customer_erase(struct pg *db, const char *id, struct err *e)
{
	const char *p[2] = { id, NULL };
	struct customer *c = NULL;
	bool locked = false;
	PGresult *r;
	json_t *j;
	char *text;
	enum status rc;

	if (!uuid_valid(id))
		return err_set(e, STATUS_INVALID, "'%s' is not a customer id", id);
	rc = begin_logged(db, &locked, e);
	if (rc)
		return rc;
	r = pg_exec(db, "SELECT body::text FROM customer WHERE id = $1 FOR UPDATE", 1, p,
		    "reading the customer", e);
	if (!r)
		return finish(db, e && e->code ? e->code : STATUS_DB, e);
	if (PQntuples(r) == 1) {
		json_t *old = json_loads(PQgetvalue(r, 0, 0), 0, NULL);

		rc = old ? pg_unseal(db, "customer", old, id, e) : STATUS_OK;
		c = old && !rc ? customer_from_json(old, NULL) : NULL;
		json_decref(old);
	}
	PQclear(r);
	if (rc)
		return finish(db, rc, e);
	/* The key goes first: every copy of what was sealed under it, in old
	 * row versions, the WAL and backups, is then unreadable. */
	if (c)
		rc = pg_shred(db, id, e);
	if (rc) {
		customer_free(c);
		return finish(db, rc, e);
	}
	if (!c) {
		return finish(db,
			      err_set(e, STATUS_NOT_FOUND, "no customer '%s' has reached the server",
				      id),
			      e);
	}
	{
		struct customer *tomb = customer_new();

		snprintf(tomb->id, sizeof tomb->id, "%s", id);
		tomb->erased = true;
		customer_merge(c, tomb);
		customer_free(tomb);
	}
	j = customer_to_json(c);
	text = dump(j);
	json_decref(j);
	customer_free(c);
	p[1] = text;
	rc = pg_run(db,
		    "UPDATE customer SET body = $2::jsonb, erased = true, updated_at = now()"
		    " WHERE id = $1",
		    2, p, "erasing the customer", e);
	/* No personal data may stay behind: contacts, cases, parked runs and
	 * the log's older entries of the record go with it. */
	if (!rc)
		rc = pg_customer_scrub(db, id, e);
	if (!rc)
		rc = pg_log_change(db, &locked, "customer", id, NULL, text, e);
	if (!rc)
		rc = pg_erasure_note(db, id, NULL, e);
	free(text);
	return finish(db, rc, e);
}

enum status pg_erasure_list(struct pg *db, int (*fn)(void *ctx, const struct erasure_row *r),
			    void *ctx, struct err *e)
{
	/* Enrolled consoles that are not revoked; the device an erasure came
	 * from has applied it, and a console that asked for changes after the
	 * tombstone's cursor has applied everything up to it. */
	PGresult *r = pg_exec(
		db,
		"SELECT x.customer_id,"
		" to_char(x.erased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		" coalesce(o.code, ''),"
		" coalesce(string_agg(d.code, ', ' ORDER BY d.code) FILTER (WHERE d.pulled_to >="
		"  x.log_cursor OR d.id = x.origin_device), ''),"
		" coalesce(string_agg(d.code, ', ' ORDER BY d.code) FILTER (WHERE NOT (d.pulled_to"
		"  >= x.log_cursor OR d.id = x.origin_device)), '')"
		" FROM erasure x LEFT JOIN device o ON o.id = x.origin_device"
		" LEFT JOIN device d ON d.enrolled_at IS NOT NULL AND d.revoked_at IS NULL"
		"  AND d.role = 'console'"
		" GROUP BY x.customer_id, x.erased_at, o.code ORDER BY x.erased_at, x.customer_id",
		0, NULL, "reading the erasures", e);

	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	for (int i = 0; i < PQntuples(r); i++) {
		struct erasure_row row = {
			.customer_id = PQgetvalue(r, i, 0),
			.erased_at = PQgetvalue(r, i, 1),
			.origin = PQgetvalue(r, i, 2),
			.applied = PQgetvalue(r, i, 3),
			.waiting = PQgetvalue(r, i, 4),
		};

		if (fn(ctx, &row))
			break;
	}
	PQclear(r);
	return STATUS_OK;
}
