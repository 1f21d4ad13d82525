/*
 * route_report.c — GET /v1/reports/NAME: one report over every hub's
 * contacts, for a supervisor's session at a console.
 */
#include <stdio.h>
#include <string.h>

#include "frontdesk/report.h"
#include "route.h"

/* The query arguments a report takes: its period, grouping and site, and
 * the desk settings a console sends so its figures match its own. */
static const char *const report_args[] = {
    "from",
    "to",
    "by",
    "site",
    "fcr_target_percent",
    "fcr_repeat_days",
    "signposting_target_year",
    "assisted_digital_target_year",
    "cost_target_mix",
    NULL,
};

/* What is wrong with a report's arguments: the first one that is unknown,
 * given twice, or holds a NUL (%00), which would otherwise cut the value
 * short without a word. */
struct report_args_check {
	char bad[48];
	const char *why;
	unsigned seen; /* one bit per report_args entry */
};

static enum MHD_Result report_arg_check(void *cls, enum MHD_ValueKind kind, const char *key,
					size_t key_size, const char *value, size_t value_size)
{
	struct report_args_check *ck = cls;
	size_t i;

	(void)kind;
	for (i = 0; report_args[i]; i++)
		if (!strcmp(key, report_args[i]))
			break;
	if (!report_args[i])
		ck->why = "a report takes from, to, by, site and the report settings only";
	else if (ck->seen & (1u << i))
		ck->why = "give each report argument once";
	else if (strlen(key) != key_size || (value && strlen(value) != value_size))
		ck->why = "a report argument must not hold a NUL character (%00)";
	else if (value && value_size > 200)
		ck->why = "a report argument is at most 200 characters";
	if (ck->why) {
		snprintf(ck->bad, sizeof ck->bad, "%.40s", key);
		return MHD_NO;
	}
	ck->seen |= 1u << i;
	return MHD_YES;
}

/* The desk's report settings sent along are checked as `frontdesk config
 * set` checks them: a value out of range is refused, never replaced by the
 * default without a word. Fills field and returns the message, or NULL. */
static const char *report_settings_check(struct MHD_Connection *c, struct pg *db,
					 const char **field, char *msg, size_t msgsz)
{
	static const struct {
		const char *key;
		long min, max;
	} ints[] = {
	    {"fcr_target_percent", 1, 100},
	    {"fcr_repeat_days", 1, 90},
	    {"signposting_target_year", 0, 1000000},
	    {"assisted_digital_target_year", 0, 1000000},
	};
	struct channel_share shares[CHANNEL_MIX_MAX];
	const char *v;
	struct err e;
	size_t n;
	long x;

	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, ints[i].key);
		err_clear(&e);
		if (v && valid_int(ints[i].key, v, ints[i].min, ints[i].max, &x, &e) != STATUS_OK) {
			*field = ints[i].key;
			snprintf(msg, msgsz, "%s", e.msg);
			return msg;
		}
	}
	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cost_target_mix");
	err_clear(&e);
	if (v && valid_channel_mix(v, shares, &n, &e) != STATUS_OK) {
		*field = "cost_target_mix";
		snprintf(msg, msgsz, "%s", e.msg);
		return msg;
	}
	for (size_t i = 0; v && i < n; i++)
		if (!pg_code_exists(db, "channel", shares[i].channel)) {
			*field = "cost_target_mix";
			snprintf(msg, msgsz,
				 "cost_target_mix names channel '%.40s', which is not known",
				 shares[i].channel);
			return msg;
		}
	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "site");
	if (v && !pg_code_exists(db, "site", v)) {
		*field = "site";
		snprintf(msg, msgsz, "site '%.40s' is not a site this server knows", v);
		return msg;
	}
	return NULL;
}

/* A setting for the report: the request's argument of that name, if any. */
static char *report_setting(void *ctx, const char *key)
{
	const char *v = MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);

	return v ? xstrdup(v) : NULL;
}

/*
 * GET /v1/reports/NAME?from=DATE&to=DATE[&by=..][&site=..]: one report over
 * every hub's contacts. The device's bearer token says which console asks;
 * X-Frontdesk-Session says who sits at it: a session they opened at this
 * device (POST /v1/session, the one argon2id check, with its lockout).
 * Supervisors and administrators only: the route table says so, and the
 * dispatcher answers an advisor 403 before this runs.
 */
enum MHD_Result route_report(struct route_call *rc)
{
	struct MHD_Connection *c = rc->c;
	struct request *rq = rc->rq;
	struct pg *db = rc->db;
	struct report_viewer viewer = {NULL, true};
	struct report_query q = {0};
	struct report_table *t = NULL;
	struct report_source src;
	struct pg_report pr = {db, report_setting, c};
	const char *name = rc->param, *arg;
	struct report_args_check ck = {"", NULL, 0};
	const char *field = NULL;
	char msg[sizeof((struct err *)0)->msg], *text;
	int kind, by;
	struct err e;
	json_t *j;

	kind = report_kind_find(name);
	if (kind < 0)
		return http_fail(
		    c, rq, 404, "not_found", "",
		    "no such report; use referrals, fcr, channels, failure, signposting, "
		    "cost or cases");
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, report_arg_check, &ck);
	if (ck.why)
		return http_fail(c, rq, 422, strstr(ck.why, "takes") ? "unknown_field" : "invalid",
				 ck.bad, ck.why);
	if (report_settings_check(c, db, &field, msg, sizeof msg))
		return http_fail(c, rq, 422, "invalid", field, msg);
	q.kind = (enum report_kind)kind;
	arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	if (!arg || date_parse(arg, &q.from, "from", &e) != STATUS_OK)
		return http_fail(c, rq, 422, "wrong_type", "from",
				 "from must be a date, YYYY-MM-DD");
	arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to");
	if (!arg || date_parse(arg, &q.to, "to", &e) != STATUS_OK)
		return http_fail(c, rq, 422, "wrong_type", "to", "to must be a date, YYYY-MM-DD");
	arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "by");
	if (arg) {
		by = report_by_find(arg);
		if (by < 0)
			return http_fail(
			    c, rq, 422, "wrong_type", "by",
			    "by must be service, team, site, advisor, channel, reason, day, "
			    "week or month");
		q.by = (enum report_by)by;
	}
	q.site = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "site");
	pg_report_source(&pr, &src);
	err_clear(&e);
	switch (report_run(&src, &viewer, &q, &t, &e)) {
	case STATUS_OK:
		break;
	case STATUS_USAGE:
	case STATUS_INVALID:
		return http_fail(c, rq, 422, "invalid", "", e.msg);
	default:
		return http_db_failure(c, rq, &e);
	}
	j = report_table_json(t, &q, "all hubs");
	report_table_free(t);
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	json_decref(j);
	if (!text)
		die("out of memory encoding JSON");
	fprintf(stderr, "frontdeskd: report %s over all hubs for %s at device %s\n", name, rc->user,
		rc->dev.code);
	return http_send_body(c, rq, 200, text, NULL);
}
