/*
 * The supervisor reports over every hub (issue 6): the tallies src/report
 * computes its reports from, read from PostgreSQL, so frontdeskd and a
 * console give the same numbers for the same contacts; and the check of a
 * supervisor's login and password against the server's copy of the user.
 */
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
 * after the period).
 */
static const char sql_tally[] =
	"WITH live AS ("
	" SELECT c.id, c.customer_id, c.site, c.service, c.outcome, c.created_at,"
	"  c.body->>'channel' AS channel, c.body->>'advisor' AS advisor,"
	"  c.body->>'failure_demand' AS failure, c.body->>'visit_id' AS visit"
	" FROM contact c"
	" WHERE c.created_at >= $1 AND c.created_at < $2"
	"  AND ($3::text IS NULL OR c.site = $3) AND ($4::text IS NULL OR c.body->>'advisor' = $4)"
	"  AND NOT EXISTS (SELECT 1 FROM contact x WHERE x.body->>'corrects' = c.id))"
	" SELECT CASE $5::int WHEN 1 THEN l.service WHEN 2 THEN l.site WHEN 3 THEN l.advisor"
	"  WHEN 4 THEN substr(l.created_at, 1, 13) WHEN 5 THEN coalesce(l.failure, '')"
	"  ELSE '' END AS key, coalesce(l.channel, '') AS channel, count(*),"
	"  count(*) FILTER (WHERE l.outcome = 'referred'),"
	"  count(*) FILTER (WHERE l.outcome = 'resolved'),"
	"  count(*) FILTER (WHERE l.outcome = 'signposted'),"
	"  count(*) FILTER (WHERE l.outcome = 'assisted-digital'),"
	"  count(*) FILTER (WHERE l.outcome = 'abandoned'),"
	"  count(*) FILTER (WHERE l.failure IS NOT NULL),"
	"  count(*) FILTER (WHERE $6::int > 0 AND l.outcome = 'resolved'"
	"   AND l.customer_id IS NOT NULL AND EXISTS (SELECT 1 FROM contact j"
	"    WHERE j.customer_id = l.customer_id AND j.service = l.service"
	"    AND j.created_at > l.created_at"
	"    AND j.created_at::timestamptz <= l.created_at::timestamptz"
	"        + make_interval(days => $6::int)"
	"    AND (j.body->>'visit_id') IS DISTINCT FROM l.visit"
	"    AND NOT EXISTS (SELECT 1 FROM contact y WHERE y.body->>'corrects' = j.id)))"
	" FROM live l GROUP BY 1, 2 ORDER BY 1, 2";

static enum status tally(void *ctx, const struct store_report_range *r, enum store_report_key key,
			 int repeat_days, int (*fn)(void *, const struct store_report_tally *),
			 void *fctx, struct err *e)
{
	struct pg_report *pr = ctx;
	char k[8], days[16];
	const char *p[6] = { r->from_utc, r->to_utc, r->site, r->advisor, k, days };
	PGresult *res;

	snprintf(k, sizeof k, "%d", (int)key);
	snprintf(days, sizeof days, "%d", repeat_days > 0 ? repeat_days : 0);
	res = pg_exec(pr->db, sql_tally, 6, p, "counting contacts for a report", e);
	if (!res)
		return e && e->code ? e->code : STATUS_DB;
	for (int i = 0; i < PQntuples(res); i++) {
		struct store_report_tally t = {
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

static enum status channels(void *ctx, int (*fn)(void *, const struct store_report_channel *),
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
		struct store_report_channel c = {
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

static enum status cases(void *ctx, const struct store_report_range *r,
			 int (*fn)(void *, const struct store_report_case *), void *fctx,
			 struct err *e)
{
	(void)ctx;
	(void)r;
	(void)fn;
	(void)fctx;
	return err_set(e, STATUS_USAGE,
		       "the cases report is not available over all hubs yet; run it at a desk");
}

static enum status holidays(void *ctx, struct date **out, size_t *n, struct err *e)
{
	(void)ctx;
	(void)e;
	*out = NULL;
	*n = 0;
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
	if (PQntuples(res) == 1 && PQgetvalue(res, 0, 2)[0] != 't' && !PQgetisnull(res, 0, 0))
		ok = crypto_pwhash_str_verify(PQgetvalue(res, 0, 0), password, strlen(password)) == 0;
	if (ok)
		snprintf(role, rolesz, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	if (!ok)
		return err_set(e, STATUS_DENIED,
			       "that login name and password do not match a user on the server");
	return STATUS_OK;
}
