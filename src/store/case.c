/*
 * Cases: referrals to a back-office team, raised when a contact's outcome is
 * referred (contact.c writes the case and its first event in the contact's
 * transaction). Here: reading them (by filter, by scope for the console's
 * lists, one by reference with its history) and changing them, where the
 * rules are core's (case_change_check): closing needs a result, and while a
 * case waits on the customer its clock is paused and its due date moves on.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The columns every console case query selects, in this order. */
#define CASE_COLUMNS                                                                       \
	"c.id, c.reference, c.customer_id, c.team, c.service, c.reason, c.status,"         \
	" c.due_date, c.created_at, c.closed_at, c.result, u.name, v.name, k.advisor,"    \
	" k.site, c.paused_days, u.needs"
#define CASE_JOINS                                                                         \
	" FROM \"case\" c LEFT JOIN customer u ON u.id = c.customer_id"                    \
	" LEFT JOIN service v ON v.code = c.service"                                       \
	" LEFT JOIN contact k ON k.id = c.contact_id"

static void today_text(char *out, size_t outsz)
{
	date_format(date_today_london(), out, outsz);
}

static bool case_row_overdue(const char *status, const char *due, const char *today)
{
	struct date d, now;
	int st = case_status_find(status);

	return st >= 0 && !date_parse(due, &d, "due date", NULL) &&
	       !date_parse(today, &now, "today", NULL) && case_overdue((enum case_status)st, d, now);
}

static void fill_case_row(sqlite3_stmt *st, struct case_row *r, const char *today)
{
	r->id = col_text(st, 0);
	r->reference = col_text(st, 1);
	r->customer_id = col_text_or_null(st, 2);
	r->team = col_text(st, 3);
	r->service = col_text(st, 4);
	r->reason = col_text(st, 5);
	r->status = col_text(st, 6);
	r->due = col_text(st, 7);
	r->created_at = col_text(st, 8);
	r->closed_at = col_text_or_null(st, 9);
	r->result = col_text_or_null(st, 10);
	r->customer_needs = NULL; /* the queries that join the customer say */
	r->overdue = case_row_overdue(r->status, r->due, today);
}

static void fill_console_case(sqlite3_stmt *st, struct console_case *r, const char *today)
{
	memset(r, 0, sizeof *r);
	fill_case_row(st, &r->c, today);
	r->customer_name = col_text_or_null(st, 11);
	r->service_name = col_text(st, 12);
	r->advisor = col_text(st, 13);
	r->site = col_text(st, 14);
	r->paused_days = (long)sqlite3_column_int64(st, 15);
	r->c.customer_needs = col_text_or_null(st, 16);
}

enum status store_case_list(struct store *s, const struct case_filter *f,
			    int (*fn)(void *ctx, const struct case_row *row), void *ctx,
			    struct err *e)
{
	struct buf sql;
	sqlite3_stmt *st = NULL;
	char today[16];
	int rc, idx = 1;
	const char *status = f && f->status ? f->status : NULL;

	if (status && strcmp(status, "all") != 0 && case_status_find(status) < 0)
		return err_set(e, STATUS_INVALID,
			       "unknown case status '%s'; use open, in-progress, awaiting-customer, closed or all",
			       status);
	if (f && f->team && *f->team && !store_ref_exists(s, REF_TEAM, f->team))
		return store_ref_check(s, REF_TEAM, f->team, e);
	today_text(today, sizeof today);
	/* Fixed fragments only (so no cap is needed); every value is bound. */
	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT id, reference, customer_id, team, service, reason, status,"
		       " due_date, created_at, closed_at, result,"
		       " (SELECT needs FROM customer u WHERE u.id = customer_id)"
		       " FROM \"case\" WHERE 1");
	if (!status)
		buf_adds(&sql, " AND status <> 'closed'");
	else if (strcmp(status, "all") != 0)
		buf_printf(&sql, " AND status = ?%d", idx++);
	if (f && f->team && *f->team)
		buf_printf(&sql, " AND team = ?%d", idx++);
	if (f && f->overdue)
		buf_printf(&sql, " AND status NOT IN ('closed', 'awaiting-customer') AND due_date < ?%d",
			   idx++);
	buf_adds(&sql, " ORDER BY due_date, num");
	rc = sqlite3_prepare_v2(s->db, buf_str(&sql), -1, &st, NULL);
	buf_release(&sql);
	if (rc != SQLITE_OK)
		return store_db_error(s, rc, "listing cases", e);
	idx = 1;
	if (status && strcmp(status, "all") != 0)
		sqlite3_bind_text(st, idx++, status, -1, SQLITE_STATIC);
	if (f && f->team && *f->team)
		sqlite3_bind_text(st, idx++, f->team, -1, SQLITE_STATIC);
	if (f && f->overdue)
		sqlite3_bind_text(st, idx++, today, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct case_row r;

		fill_case_row(st, &r, today);
		r.customer_needs = col_text_or_null(st, 11);
		if (fn(ctx, &r))
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "listing cases", e);
	return STATUS_OK;
}

enum status store_case_show(struct store *s, const char *reference,
			    int (*case_fn)(void *ctx, const struct case_row *row),
			    int (*event_fn)(void *ctx, const struct case_event_row *ev), void *ctx,
			    struct err *e)
{
	sqlite3_stmt *st = stmt_get(s, ST_CASE_GET, e);
	char today[16], *case_id, upper[32];
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	/* People read references aloud and type them in any case. */
	snprintf(upper, sizeof upper, "%s", reference ? reference : "");
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	if (!reference || !case_reference_valid(upper))
		return err_set(e, STATUS_INVALID,
			       "'%s' is not a case reference; references look like WB2-00417",
			       reference ? reference : "");
	reference = upper;
	today_text(today, sizeof today);
	sqlite3_bind_text(st, 1, reference, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return store_db_error(s, rc, "reading the case", e);
		return err_set(e, STATUS_NOT_FOUND,
			       "no case with reference '%s'; list cases with: frontdesk case list --status all",
			       reference);
	}
	{
		struct case_row r;

		fill_case_row(st, &r, today);
		case_id = xstrdup(r.id);
		if (case_fn)
			case_fn(ctx, &r);
	}
	sqlite3_reset(st);
	st = stmt_get(s, ST_CASE_EVENTS, e);
	if (!st) {
		free(case_id);
		return e ? e->code : STATUS_DB;
	}
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct case_event_row ev = {
			.at = col_text(st, 0),
			.status = col_text(st, 1),
			.note = col_text_or_null(st, 2),
			.actor = col_text(st, 3),
		};
		if (event_fn && event_fn(ctx, &ev))
			break;
	}
	sqlite3_reset(st);
	free(case_id);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading the case history", e);
	return STATUS_OK;
}

static enum status each_case(struct store *s, sqlite3_stmt *st,
			     int (*fn)(void *ctx, const struct console_case *row), void *ctx,
			     const char *what, struct err *e)
{
	char today[16];
	int rc;

	today_text(today, sizeof today);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct console_case r;

		fill_console_case(st, &r, today);
		if (fn(ctx, &r))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, what, e);
	return STATUS_OK;
}

enum status store_customer_cases(struct store *s, const char *customer_id, bool all,
				 int (*fn)(void *ctx, const struct console_case *row), void *ctx,
				 struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT " CASE_COLUMNS CASE_JOINS
				    " WHERE c.customer_id = ?1 AND (?2 OR c.status <> 'closed')"
				    " ORDER BY c.status = 'closed',"
				    " CASE WHEN c.status = 'closed' THEN '' ELSE c.due_date END,"
				    " c.closed_at DESC, c.num",
				    e);

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, customer_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, all);
	return each_case(s, st, fn, ctx, "reading the customer's cases", e);
}

enum status store_case_scope(struct store *s, enum case_scope scope, const char *advisor,
			     const char *site, int limit,
			     int (*fn)(void *ctx, const struct console_case *row), void *ctx,
			     struct err *e)
{
	static const char mine[] = "SELECT " CASE_COLUMNS CASE_JOINS
				   " WHERE c.status <> 'closed' AND k.advisor = ?1"
				   " ORDER BY c.due_date, c.num LIMIT ?2";
	static const char at_site[] = "SELECT " CASE_COLUMNS CASE_JOINS
				      " WHERE c.status <> 'closed' AND k.site = ?1"
				      " ORDER BY c.due_date, c.num LIMIT ?2";
	static const char overdue[] =
		"SELECT " CASE_COLUMNS CASE_JOINS
		" WHERE c.status IN ('open', 'in-progress') AND c.due_date < ?1"
		" ORDER BY c.due_date, c.num LIMIT ?2";
	sqlite3_stmt *st;
	char today[16];

	if (scope == CASES_MINE)
		st = stmt_sql(s, mine, e);
	else if (scope == CASES_SITE)
		st = stmt_sql(s, at_site, e);
	else
		st = stmt_sql(s, overdue, e);
	if (!st)
		return e ? e->code : STATUS_DB;
	today_text(today, sizeof today);
	if (scope == CASES_MINE)
		sqlite3_bind_text(st, 1, advisor ? advisor : "", -1, SQLITE_TRANSIENT);
	else if (scope == CASES_SITE)
		sqlite3_bind_text(st, 1, site ? site : "", -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 500);
	return each_case(s, st, fn, ctx, "listing cases", e);
}

enum status store_case_get_console(struct store *s, const char *reference,
				   int (*fn)(void *ctx, const struct console_case *row),
				   void *ctx, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT " CASE_COLUMNS CASE_JOINS
				    " WHERE c.reference = ?1 COLLATE NOCASE",
				    e);
	struct {
		int (*fn)(void *ctx, const struct console_case *row);
		void *ctx;
		int n;
	} seen = { fn, ctx, 0 };
	char today[16];
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, reference ? reference : "", -1, SQLITE_TRANSIENT);
	today_text(today, sizeof today);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct console_case r;

		fill_console_case(st, &r, today);
		seen.n++;
		seen.fn(seen.ctx, &r);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading the case", e);
	if (!seen.n)
		return err_set(e, STATUS_NOT_FOUND, "no case with reference '%s'",
			       reference ? reference : "");
	return STATUS_OK;
}

/* What store_case_update needs to know about the case. */
struct case_state {
	char id[UUID_STR_LEN + 1];
	char reference[32];
	char status[24];
	char due[11];
	long paused_days;
};

static enum status case_state_load(struct store *s, const char *reference,
				   struct case_state *cs, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT id, reference, status, due_date, paused_days"
				    " FROM \"case\" WHERE reference = ?1 COLLATE NOCASE",
				    e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, reference, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(cs->id, sizeof cs->id, "%s", col_text(st, 0));
		snprintf(cs->reference, sizeof cs->reference, "%s", col_text(st, 1));
		snprintf(cs->status, sizeof cs->status, "%s", col_text(st, 2));
		snprintf(cs->due, sizeof cs->due, "%s", col_text(st, 3));
		cs->paused_days = (long)sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return err_set(e, STATUS_NOT_FOUND, "no case with reference '%s'", reference);
	if (rc != SQLITE_ROW)
		return store_db_error(s, rc, "reading the case", e);
	return STATUS_OK;
}

/* When the case last went into awaiting-customer (its latest such event). */
static enum status pause_started(struct store *s, const char *case_id, struct date *out,
				 struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT at FROM case_event WHERE case_id = ?1"
				    " AND status = 'awaiting-customer' ORDER BY at DESC, rowid DESC"
				    " LIMIT 1",
				    e);
	int64_t ms;
	int rc;

	*out = date_today_london();
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && time_parse_utc(col_text(st, 0), &ms) == STATUS_OK)
		*out = date_of_ms_london(ms);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading the case history", e);
	return STATUS_OK;
}

static void json_set(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v && *v ? json_string(v) : json_null());
}

static enum status queue(struct store *s, const char *type, const char *id, const char *op,
			 json_t *o, struct err *e)
{
	char *body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	enum status rc;

	json_decref(o);
	if (!body)
		die("out of memory encoding JSON");
	rc = outbox_add(s, type, id, op, body, e);
	free(body);
	return rc;
}

/* Writes the case row's new state and queues it. */
static enum status case_write(struct store *s, const struct case_state *cs, const char *status,
			      const char *due, long paused, const char *result, const char *now,
			      struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "UPDATE \"case\" SET status = ?2, due_date = ?3, paused_days = ?4,"
				    " closed_at = CASE WHEN ?2 = 'closed' THEN ?5 ELSE NULL END,"
				    " result = CASE WHEN ?2 = 'closed' THEN ?6 ELSE NULL END"
				    " WHERE id = ?1",
				    e);
	json_t *o;
	enum status rc;
	bool closed = strcmp(status, "closed") == 0;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, cs->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, due, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, paused);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	bind_text_or_null(st, 6, result);
	rc = stmt_run(s, st, "changing the case", e);
	if (rc)
		return rc;
	o = json_object();
	json_set(o, "id", cs->id);
	json_set(o, "reference", cs->reference);
	json_set(o, "status", status);
	json_set(o, "due_date", due);
	json_object_set_new(o, "paused_days", json_integer(paused));
	json_set(o, "closed_at", closed ? now : NULL);
	json_set(o, "result", closed ? result : NULL);
	return queue(s, "case", cs->id, "update", o, e);
}

static enum status event_write(struct store *s, const struct case_state *cs, const char *status,
			       const char *note, const char *now, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "INSERT INTO case_event (id, case_id, status, note, actor, at)"
				    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				    e);
	char id[UUID_STR_LEN + 1];
	json_t *o;
	enum status rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	uuid_v7(id);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cs->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	bind_text_or_null(st, 4, note);
	sqlite3_bind_text(st, 5, store_actor(s), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "saving the case history", e);
	if (rc)
		return rc;
	o = json_object();
	json_set(o, "id", id);
	json_set(o, "case_id", cs->id);
	json_set(o, "status", status);
	json_set(o, "note", note);
	json_set(o, "actor", store_actor(s));
	json_set(o, "at", now);
	return queue(s, "case_event", id, "insert", o, e);
}

/* Checks the inputs of store_case_update before anything is written; the
 * case rules themselves are core's (case_change_check). */
static enum status case_update_check(const char *status, const char *note, struct err *e)
{
	enum status rc;

	if (status && case_status_find(status) < 0)
		return err_set(e, STATUS_INVALID,
			       "unknown case status '%s'; use open, in-progress, awaiting-customer "
			       "or closed",
			       status);
	if (note && *note && (rc = valid_text("note", note, NOTES_MAX_CHARS, false, true, e)))
		return rc;
	if ((!status || !*status) && (!note || !*note))
		return err_set(e, STATUS_INVALID, "nothing to save: give a note or a new status");
	return STATUS_OK;
}

enum status store_case_update(struct store *s, const char *reference, const char *status,
			      const char *note, const char *result, struct err *e)
{
	struct case_state cs;
	char now[32], due[11];
	long paused;
	enum status rc;
	int from, to;

	if (status && !*status)
		status = NULL;
	rc = case_update_check(status, note, e);
	if (rc)
		return rc;
	/* Closing needs a result whatever the case: said before the case is
	 * looked up. */
	if (status && case_status_find(status) == CASE_CLOSED &&
	    (rc = case_change_check(reference, CASE_OPEN, CASE_CLOSED, result, e)))
		return rc;
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	rc = case_state_load(s, reference ? reference : "", &cs, e);
	if (rc)
		goto out;
	if (!status)
		status = cs.status;
	from = case_status_find(cs.status);
	to = case_status_find(status);
	rc = case_change_check(cs.reference, from < 0 ? CASE_OPEN : (enum case_status)from,
			       (enum case_status)to, result, e);
	if (rc)
		goto out;
	store_now(now, sizeof now);
	snprintf(due, sizeof due, "%s", cs.due);
	paused = cs.paused_days;
	if (from >= 0 && case_pause_ends((enum case_status)from, (enum case_status)to)) {
		/* Leaving the pause: the due date moves on by the working days waited. */
		const struct date *hol;
		size_t nhol;
		struct date since, d;

		rc = holidays_get(s, &hol, &nhol, e);
		if (!rc)
			rc = pause_started(s, cs.id, &since, e);
		if (rc)
			goto out;
		if (!date_parse(cs.due, &d, "due date", NULL) &&
		    case_pause_end(since, date_today_london(), hol, nhol, &d, &paused) > 0)
			date_format(d, due, sizeof due);
	}
	if (strcmp(status, cs.status) != 0 || strcmp(status, "closed") == 0 ||
	    strcmp(due, cs.due) != 0)
		rc = case_write(s, &cs, status, due, paused, result, now, e);
	if (!rc)
		rc = event_write(s, &cs, status, note && *note ? note : NULL, now, e);
	if (!rc)
		rc = store_audit(s, strcmp(status, cs.status) ? "case.status" : "case.note", "case",
				 cs.id, status, e);
out:
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	return store_tx_end(s, true, e);
}
