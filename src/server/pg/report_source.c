/*
 * PostgreSQL as a report source (struct report_source, report.h): the
 * tallies src/report computes its reports over every hub from, so frontdeskd
 * and a console give the same numbers for the same contacts; and the check
 * of a supervisor's login and password against the server's copy of the
 * user. No drill-down and no audit trail of reports here: the route checks
 * who asks first, and names never leave the server in a report.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "frontdesk/report.h"
#include "pg_int.h"

/*
 * Contacts in [$1, $2), site $3 and advisor $4 when given, grouped by the
 * key $5 picks (as the console's store does) and channel. A contact that
 * another corrects is left out (it counts once, as its correction). With
 * $6 > 0 days, "undone" counts the resolutions a repeat undoes: another
 * uncorrected contact from the same customer about the same service, from
 * another visit, after it and within $6 days (at any site, by anyone, even
 * after the period, so up to $7, the period's end plus $6 days).
 *
 * Planned for a big table: the period and the days after it are read once,
 * by the created_at index, into span; whether a contact is corrected is a
 * probe of the small partial index of corrections (migration 4 tells the
 * planner they are few), which finds nothing for almost every contact and
 * so reads no row; repeats are found by hashing span against itself rather
 * than by probing an index for every resolved contact.
 */
static const char sql_tally[] =
	"WITH span AS MATERIALIZED ("
	" SELECT c.id, c.customer_id, c.site, c.service, c.outcome, c.created_at,"
	"  c.body->>'channel' AS channel, c.body->>'advisor' AS advisor,"
	"  c.body->>'failure_demand' AS failure, c.body->>'visit_id' AS visit,"
	"  c.created_at < $2 AND ($3::text IS NULL OR c.site = $3)"
	"   AND ($4::text IS NULL OR c.body->>'advisor' = $4) AS counted"
	" FROM contact c WHERE c.created_at >= $1 AND c.created_at < $7"
	"  AND NOT EXISTS (SELECT 1 FROM contact x WHERE x.body->>'corrects' = c.id)),"
	" undone AS ("
	" SELECT DISTINCT l.id FROM span l JOIN span j"
	"  ON j.customer_id = l.customer_id AND j.service = l.service"
	" WHERE $6::int > 0 AND l.counted AND l.outcome = 'resolved'"
	"  AND j.created_at > l.created_at"
	"  AND j.created_at::timestamptz <= l.created_at::timestamptz"
	"      + make_interval(days => $6::int)"
	"  AND j.visit IS DISTINCT FROM l.visit)"
	" SELECT CASE $5::int WHEN 1 THEN l.service WHEN 2 THEN l.site WHEN 3 THEN l.advisor"
	"  WHEN 4 THEN substr(l.created_at, 1, 13) WHEN 5 THEN coalesce(l.failure, '')"
	"  ELSE '' END AS key, coalesce(l.channel, '') AS channel, count(*),"
	"  count(*) FILTER (WHERE l.outcome = 'referred'),"
	"  count(*) FILTER (WHERE l.outcome = 'resolved'),"
	"  count(*) FILTER (WHERE l.outcome = 'signposted'),"
	"  count(*) FILTER (WHERE l.outcome = 'assisted-digital'),"
	"  count(*) FILTER (WHERE l.outcome = 'abandoned'),"
	"  count(*) FILTER (WHERE l.failure IS NOT NULL),"
	"  count(u.id)"
	" FROM span l LEFT JOIN undone u ON u.id = l.id WHERE l.counted"
	" GROUP BY 1, 2 ORDER BY 1, 2";

/*
 * Runs one of a report's reads in a read-only transaction of its own, with
 * JIT compilation off (on a report over a long period it costs more than
 * the query, up to seconds), no parallel workers (measured: three times the
 * CPU for no gain in time, taken from the consoles' pushes and pulls on the
 * same cores) and room to hash a period in memory. The result (caller
 * PQclears) or NULL with e filled.
 */
static PGresult *report_exec(struct pg *db, const char *sql, int n, const char *const *p,
			     const char *what, struct err *e)
{
	PGresult *res = NULL;

	if (pg_run(db, "BEGIN READ ONLY", 0, NULL, what, e))
		return NULL;
	if (!pg_run(db,
		    "SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true),"
		    " set_config('max_parallel_workers_per_gather', '0', true)",
		    0, NULL, what, e))
		res = pg_exec(db, sql, n, p, what, e);
	if (!res) {
		pg_end(db, false, NULL);
		return NULL;
	}
	if (pg_end(db, true, e)) {
		PQclear(res);
		return NULL;
	}
	return res;
}

static enum status tally(void *ctx, const struct report_range *r, enum report_tally_key key,
			 int repeat_days, int (*fn)(void *, const struct report_tally *),
			 void *fctx, struct err *e)
{
	struct pg_report *pr = ctx;
	char k[8], days[16], until[32];
	const char *p[7] = { r->from_utc, r->to_utc, r->site, r->advisor, k, days, until };
	PGresult *res;
	int64_t end;

	if (repeat_days < 0)
		repeat_days = 0;
	if (time_parse_utc(r->to_utc, &end) != STATUS_OK)
		return err_set(e, STATUS_INVALID, "report range end '%s' is not a UTC time",
			       r->to_utc);
	time_format_utc(end + (int64_t)repeat_days * 86400000, until, sizeof until);
	snprintf(k, sizeof k, "%d", (int)key);
	snprintf(days, sizeof days, "%d", repeat_days);
	res = report_exec(pr->db, sql_tally, 7, p, "counting contacts for a report", e);
	if (!res)
		return e && e->code ? e->code : STATUS_DB;
	for (int i = 0; i < PQntuples(res); i++) {
		struct report_tally t = {
			.key = PQgetvalue(res, i, 0),
			.channel = PQgetvalue(res, i, 1),
			.contacts = (long)pg_ll(res, i, 2),
			.referred = (long)pg_ll(res, i, 3),
			.resolved = (long)pg_ll(res, i, 4),
			.signposted = (long)pg_ll(res, i, 5),
			.assisted_digital = (long)pg_ll(res, i, 6),
			.abandoned = (long)pg_ll(res, i, 7),
			.failure = (long)pg_ll(res, i, 8),
		};

		t.resolved_first = repeat_days > 0 ? t.resolved - (long)pg_ll(res, i, 9) : 0;
		if (fn(fctx, &t))
			break;
	}
	PQclear(res);
	return STATUS_OK;
}

static enum status channels(void *ctx, int (*fn)(void *, const struct report_channel *),
			    void *fctx, struct err *e)
{
	struct pg_report *pr = ctx;
	PGresult *res = pg_exec(pr->db,
				"SELECT code, coalesce((body->>'unit_cost_pence')::bigint, 0),"
				" coalesce((body->>'digital')::boolean, false)"
				" FROM refdata WHERE kind = 'channel' ORDER BY code",
				0, NULL, "reading channels", e);

	if (!res)
		return e && e->code ? e->code : STATUS_DB;
	for (int i = 0; i < PQntuples(res); i++) {
		struct report_channel c = {
			.code = PQgetvalue(res, i, 0),
			.unit_cost_pence = (long)pg_ll(res, i, 1),
			.digital = PQgetvalue(res, i, 2)[0] == 't',
		};
		if (fn(fctx, &c))
			break;
	}
	PQclear(res);
	return STATUS_OK;
}

static enum status service_teams(void *ctx, int (*fn)(void *, const char *, const char *),
				 void *fctx, struct err *e)
{
	struct pg_report *pr = ctx;
	PGresult *res = pg_exec(pr->db,
				"SELECT code, coalesce(body->>'team', '') FROM refdata"
				" WHERE kind = 'service' ORDER BY code",
				0, NULL, "reading services", e);

	if (!res)
		return e && e->code ? e->code : STATUS_DB;
	for (int i = 0; i < PQntuples(res); i++)
		if (fn(fctx, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1)))
			break;
	PQclear(res);
	return STATUS_OK;
}

/*
 * Cases raised in [$1, $2) with their history, one row per event (a case
 * with none still gives one row), as the console's store reads them: the
 * fields from the body a desk pushed (and a desk's updates merged in), the
 * status from the column that every change keeps, events at a desk and at
 * the centre (frontdeskd case update, the back office) alike, in time
 * order. Site $3 and advisor $4 filter through the contact that raised the
 * case.
 */
static const char sql_cases[] =
	"SELECT k.id, k.team, coalesce(k.body->>'service', ''), k.status,"
	" coalesce(k.body->>'due_date', ''), k.body->>'created_at', k.body->>'closed_at',"
	" CASE WHEN jsonb_typeof(k.body->'paused_days') = 'number'"
	"  THEN (k.body->>'paused_days')::numeric::bigint ELSE 0 END,"
	" e.body->>'status', e.body->>'at'"
	" FROM \"case\" k LEFT JOIN LATERAL (SELECT e.id, e.body FROM case_event e"
	"  WHERE e.case_id = k.id OFFSET 0) e ON true" /* by case_event_case, case by case */
	" WHERE k.body->>'created_at' >= $1 AND k.body->>'created_at' < $2"
	"  AND ($3::text IS NULL AND $4::text IS NULL OR EXISTS (SELECT 1 FROM contact c"
	"   WHERE c.id = k.body->>'contact_id' AND ($3::text IS NULL OR c.site = $3)"
	"   AND ($4::text IS NULL OR c.body->>'advisor' = $4)))"
	" ORDER BY k.body->>'created_at', k.id, e.body->>'at', e.id";

/* Text the row gives for a column, NULL for SQL NULL; borrowed from res. */
static const char *value_or_null(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static enum status cases(void *ctx, const struct report_range *r,
			 int (*fn)(void *, const struct report_case *), void *fctx,
			 struct err *e)
{
	struct pg_report *pr = ctx;
	const char *p[4] = { r->from_utc, r->to_utc, r->site, r->advisor };
	const char **ev_status = NULL, **ev_at = NULL;
	PGresult *res;
	int n;

	res = report_exec(pr->db, sql_cases, 4, p, "reading cases for a report", e);
	if (!res)
		return e && e->code ? e->code : STATUS_DB;
	n = PQntuples(res);
	/* A case's events are borrowed from res while fn sees them. */
	if (n) {
		ev_status = xcalloc((size_t)n, sizeof *ev_status);
		ev_at = xcalloc((size_t)n, sizeof *ev_at);
	}
	for (int i = 0; i < n;) {
		struct report_case k = {
			.id = PQgetvalue(res, i, 0),
			.team = PQgetvalue(res, i, 1),
			.service = PQgetvalue(res, i, 2),
			.status = PQgetvalue(res, i, 3),
			.due_date = PQgetvalue(res, i, 4),
			.created_at = PQgetvalue(res, i, 5),
			.closed_at = value_or_null(res, i, 6),
			.paused_days = (long)pg_ll(res, i, 7),
			.event_status = ev_status,
			.event_at = ev_at,
		};
		int j = i;

		for (; j < n && strcmp(PQgetvalue(res, j, 0), k.id) == 0; j++) {
			if (PQgetisnull(res, j, 8) || PQgetisnull(res, j, 9))
				continue;
			ev_status[k.nevents] = PQgetvalue(res, j, 8);
			ev_at[k.nevents++] = PQgetvalue(res, j, 9);
		}
		if (fn(fctx, &k))
			break;
		i = j;
	}
	free(ev_status);
	free(ev_at);
	PQclear(res);
	return STATUS_OK;
}

/* The bank holidays frontdeskd data load stored, in order. None at all
 * means the reference data was loaded before the server kept them: the
 * working days would be wrong, so the report is refused until it is
 * loaded again. */
static enum status holidays(void *ctx, struct date **out, size_t *n, struct err *e)
{
	struct pg_report *pr = ctx;
	PGresult *res = pg_exec(pr->db, "SELECT day::text FROM bank_holiday ORDER BY day", 0,
				NULL, "reading bank holidays", e);
	size_t count = 0;

	*out = NULL;
	*n = 0;
	if (!res)
		return e && e->code ? e->code : STATUS_DB;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return err_set(e, STATUS_INVALID,
			       "the server holds no bank holidays, so working days cannot be "
			       "counted; an administrator loads them with: frontdeskd data load DIR");
	}
	*out = xcalloc((size_t)PQntuples(res), sizeof **out);
	for (int i = 0; i < PQntuples(res); i++)
		if (date_parse(PQgetvalue(res, i, 0), &(*out)[count], "bank holiday", NULL) ==
		    STATUS_OK)
			count++;
	*n = count;
	PQclear(res);
	return STATUS_OK;
}

static char *setting(void *ctx, const char *key)
{
	struct pg_report *pr = ctx;

	return pr->setting ? pr->setting(pr->setting_ctx, key) : NULL;
}

static enum status site_check(void *ctx, const char *site, struct err *e)
{
	struct pg_report *pr = ctx;
	const char *p[1] = { site };
	PGresult *res = pg_exec(pr->db, "SELECT 1 FROM refdata WHERE kind = 'site' AND code = $1",
				1, p, "checking the site", e);
	bool found;

	if (!res)
		return e && e->code ? e->code : STATUS_DB;
	found = PQntuples(res) > 0;
	PQclear(res);
	if (!found)
		return err_set(e, STATUS_INVALID, "site '%s' is not one the server knows", site);
	return STATUS_OK;
}

void pg_report_source(struct pg_report *pr, struct report_source *src)
{
	*src = (struct report_source){
		.ctx = pr,
		.tally = tally,
		.channels = channels,
		.service_teams = service_teams,
		.cases = cases,
		.holidays = holidays,
		.setting = setting,
		.site_check = site_check,
	};
}

static char stand_in[crypto_pwhash_STRBYTES];
static pthread_once_t stand_in_once = PTHREAD_ONCE_INIT;

static void stand_in_make(void)
{
	unsigned char raw[16];
	char pw[33];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
	if (crypto_pwhash_str(stand_in, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		die("out of memory hashing a password");
}

/* A hash made as user passwords are, of a password no one knows. */
static const char *stand_in_hash(void)
{
	pthread_once(&stand_in_once, stand_in_make);
	return stand_in;
}

enum status pg_user_check(struct pg *db, const char *login, const char *password, char *role,
			  size_t rolesz, struct err *e)
{
	const char *p[1] = { login };
	PGresult *res;
	bool ok = false;

	role[0] = '\0';
	res = pg_exec(db,
		      "SELECT body->>'password_hash', coalesce(body->>'role', ''),"
		      " coalesce((body->>'disabled')::boolean, false)"
		      " FROM app_user WHERE login = $1",
		      1, p, "reading the user", e);
	if (!res)
		return e && e->code ? e->code : STATUS_DB;
	/* One argon2id check whatever the login: an unknown login is checked
	 * against a stand-in hash, and a disabled user's password is checked
	 * too, so the time taken does not tell them apart. */
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		ok = crypto_pwhash_str_verify(PQgetvalue(res, 0, 0), password, strlen(password)) == 0;
	else if (crypto_pwhash_str_verify(stand_in_hash(), password, strlen(password)) == 0)
		ok = false; /* (never: no one knows its password) */
	if (ok && PQgetvalue(res, 0, 2)[0] == 't')
		ok = false;
	if (ok)
		snprintf(role, rolesz, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	if (!ok)
		return err_set(e, STATUS_DENIED,
			       "that login name and password do not match a user on the server");
	return STATUS_OK;
}
