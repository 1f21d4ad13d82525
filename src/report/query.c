/*
 * The report rules every front end shares (the command line, the console's
 * report screen, frontdeskd): which groupings a report takes, how long a
 * period may be, and who may see whose figures. A front end asks here
 * instead of repeating them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

const char *const report_setting_keys[] = {
	"fcr_target_percent", "fcr_repeat_days", "signposting_target_year",
	"assisted_digital_target_year", "cost_target_mix", NULL,
};

enum report_by report_natural_by(enum report_kind k)
{
	switch (k) {
	case REPORT_CHANNELS:
	case REPORT_COST:
		return REPORT_BY_CHANNEL;
	case REPORT_FAILURE:
		return REPORT_BY_REASON;
	case REPORT_CASES:
		return REPORT_BY_TEAM;
	default:
		return REPORT_BY_NONE;
	}
}

enum report_by report_first_by(enum report_kind k)
{
	if (k == REPORT_REFERRALS || k == REPORT_FCR)
		return REPORT_BY_SERVICE; /* a lone total row says little on a screen */
	return report_natural_by(k);
}

bool report_by_allowed(enum report_kind k, enum report_by b)
{
	if (k == REPORT_CASES)
		return b == REPORT_BY_TEAM || b == REPORT_BY_SERVICE;
	if (b == REPORT_BY_REASON)
		return k == REPORT_FAILURE;
	return true;
}

bool report_viewer_is(const struct report_viewer *v, const char *who)
{
	const char *colon = strchr(v->advisor, ':');

	return strcmp(who, v->advisor) == 0 || (colon && strcmp(who, colon + 1) == 0);
}

enum status report_deny_others(const struct report_source *src, const struct report_viewer *v,
			       const char *who, const char *what, struct err *e)
{
	enum status rc = src->audit ? src->audit(src->ctx, "access.denied", "report", NULL,
						 "report-all", e)
				    : STATUS_OK;

	if (rc)
		return rc;
	return err_set(e, STATUS_DENIED,
		       "not allowed: %s is an advisor and sees only their own %s, not those of '%s'; "
		       "only a supervisor or an administrator can see other advisors' %s",
		       v->advisor, what, who, what);
}

enum status report_query_check(const struct report_source *src, const struct report_viewer *v,
			       const struct report_query *q, struct report_scope *sc,
			       struct err *e)
{
	int64_t len;

	if (!q || (unsigned)q->kind >= REPORT_KIND_COUNT)
		return err_set(e, STATUS_USAGE, "no such report");
	if (!v || (!v->supervisor && (!v->advisor || !*v->advisor)))
		return err_set(e, STATUS_DENIED,
			       "reports need a signed-in advisor or supervisor");
	if (!date_valid(q->from) || !date_valid(q->to))
		return err_set(e, STATUS_USAGE, "a report needs a period: --from DATE --to DATE");
	len = report_period_days(q->from, q->to);
	if (len < 1)
		return err_set(e, STATUS_INVALID,
			       "the period ends before it starts; give --from on or before --to");
	if (len > REPORT_MAX_DAYS)
		return err_set(e, STATUS_INVALID,
			       "the period is %lld days; a report covers at most %d days (about ten years)",
			       (long long)len, REPORT_MAX_DAYS);
	sc->src = src;
	sc->q = q;
	sc->by = q->by == REPORT_BY_NONE ? report_natural_by(q->kind) : q->by;
	if ((unsigned)sc->by >= REPORT_BY_COUNT)
		return err_set(e, STATUS_USAGE, "no such grouping");
	if (!report_by_allowed(q->kind, sc->by)) {
		if (sc->by == REPORT_BY_REASON)
			return err_set(e, STATUS_USAGE,
				       "only the failure report groups by reason; use service, team, site, advisor, channel, day, week or month");
		return err_set(e, STATUS_USAGE, "the cases report groups by team or service, not %s",
			       report_by_name(sc->by));
	}
	sc->site = q->site && *q->site ? q->site : NULL;
	sc->advisor = q->advisor && *q->advisor ? q->advisor : NULL;
	if (!v->supervisor) {
		if (sc->advisor && !report_viewer_is(v, sc->advisor))
			return report_deny_others(src, v, sc->advisor, "figures", e);
		sc->advisor = v->advisor;
	}
	if (sc->site)
		return src->site_check(src->ctx, sc->site, e);
	return STATUS_OK;
}
