/*
 * Drill-down: the contacts behind one count of a report, the only place
 * names appear. Each is audited through the source before anyone sees it;
 * a source without contacts or an audit trail (frontdeskd) has none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

struct drill_rows {
	struct report_contact *row;
	size_t n;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int keep_contact(void *ctx, const struct report_contact *c)
{
	struct drill_rows *d = ctx;
	struct report_contact *k;

	d->row = xrealloc(d->row, (d->n + 1) * sizeof *d->row);
	k = &d->row[d->n++];
	k->id = xstrdup(c->id);
	k->created_at = xstrdup(c->created_at);
	k->service = xstrdup(c->service);
	k->site = xstrdup(c->site);
	k->channel = xstrdup(c->channel);
	k->advisor = xstrdup(c->advisor);
	k->outcome = xstrdup(c->outcome);
	k->failure = dup_or_null(c->failure);
	k->customer_id = dup_or_null(c->customer_id);
	k->customer_name = dup_or_null(c->customer_name);
	k->case_reference = dup_or_null(c->case_reference);
	return 0;
}

static void drill_rows_release(struct drill_rows *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct report_contact *k = &d->row[i];

		free((char *)k->id);
		free((char *)k->created_at);
		free((char *)k->service);
		free((char *)k->site);
		free((char *)k->channel);
		free((char *)k->advisor);
		free((char *)k->outcome);
		free((char *)k->failure);
		free((char *)k->customer_id);
		free((char *)k->customer_name);
		free((char *)k->case_reference);
	}
	free(d->row);
}

/* The days of a time bucket's key ("2026-11-20", "2026-W47", "2026-11"). */
static bool bucket_days(enum report_by by, const char *key, struct date *a, struct date *b)
{
	char text[16];

	if (by == REPORT_BY_DAY) {
		if (date_parse(key, a, "day", NULL) != STATUS_OK)
			return false;
		*b = *a;
		return true;
	}
	if (by == REPORT_BY_MONTH) {
		snprintf(text, sizeof text, "%.7s-01", key);
		if (strlen(key) != 7 || date_parse(text, a, "month", NULL) != STATUS_OK)
			return false;
		*b = (struct date){ a->year, a->month, report_month_days(a->year, a->month) };
		return true;
	}
	{
		long y, w;
		char ys[8], ws[4];
		struct date jan4;
		int64_t monday;
		int iy, iw;

		if (strlen(key) != 8 || key[4] != '-' || key[5] != 'W')
			return false;
		snprintf(ys, sizeof ys, "%.4s", key);
		snprintf(ws, sizeof ws, "%.2s", key + 6);
		if (valid_int("year", ys, 1900, 9999, &y, NULL) ||
		    valid_int("week", ws, 1, 53, &w, NULL))
			return false;
		/* Week 1 holds 4 January. */
		jan4 = (struct date){ (int)y, 1, 4 };
		monday = date_to_days(jan4) - (date_weekday(jan4) - 1) + (w - 1) * 7;
		*a = date_from_days(monday);
		*b = date_from_days(monday + 6);
		report_iso_week(*a, &iy, &iw);
		return iy == y && iw == w; /* no week 53 in a 52-week year */
	}
}

const char *report_drill_count(enum report_kind k)
{
	switch (k) {
	case REPORT_REFERRALS:
		return "referred";
	case REPORT_FCR:
		return "resolved";
	case REPORT_FAILURE:
		return "failure";
	case REPORT_CHANNELS:
	case REPORT_COST:
		return "contacts";
	default:
		return NULL;
	}
}

/* report_drill; every_contact drops the report's own filter (outcome,
 * failure demand) so the list is the row's "contacts" count. */
static enum status drill(const struct report_source *src, const struct report_viewer *v,
			 const struct report_query *q, const char *key, bool every_contact,
			 long limit, int (*fn)(void *ctx, const struct report_contact *c),
			 void *ctx, struct err *e)
{
	struct report_scope sc = { 0 };
	struct report_drill_filter d = { 0 };
	struct drill_rows rows = { 0 };
	struct date from, to;
	char lo[32], hi[32], a[16], b[16], *detail = NULL;
	bool whole = !key || !*key || strcmp(key, "total") == 0;
	bool none = false;
	enum status rc;

	if (!src->contacts || !src->audit || !src->audit_begin || !src->audit_end)
		return err_set(e, STATUS_USAGE,
			       "these figures have no drill-down: their contacts are not here");
	rc = report_query_check(src, v, q, &sc, e);
	if (rc)
		return rc;
	switch (q->kind) {
	case REPORT_REFERRALS:
		d.outcome = OUTCOME_REFERRED;
		break;
	case REPORT_FCR:
		d.outcome = OUTCOME_RESOLVED;
		break;
	case REPORT_FAILURE:
		d.failure_only = true;
		break;
	case REPORT_CHANNELS:
	case REPORT_COST:
		break;
	default:
		return err_set(e, STATUS_USAGE,
			       "the %s report has no drill-down; drill into referrals, fcr, failure, channels or cost",
			       report_kind_name(q->kind));
	}
	if (every_contact) {
		d.outcome = NULL;
		d.failure_only = false;
	}
	from = q->from;
	to = q->to;
	d.range.site = sc.site;
	d.range.advisor = sc.advisor;
	if (!whole) {
		switch (sc.by) {
		case REPORT_BY_SERVICE:
			d.service = key;
			break;
		case REPORT_BY_TEAM:
			d.team = key;
			break;
		case REPORT_BY_SITE:
			none = sc.site && strcmp(sc.site, key) != 0;
			d.range.site = key;
			break;
		case REPORT_BY_ADVISOR:
			if (!v->supervisor && !report_viewer_is(v, key)) {
				return report_deny_others(src, v, key, "contacts", e);
			}
			if (!v->supervisor)
				key = v->advisor;
			none = sc.advisor && strcmp(sc.advisor, key) != 0;
			d.range.advisor = key;
			break;
		case REPORT_BY_CHANNEL:
			d.channel = key;
			break;
		case REPORT_BY_REASON:
			d.failure = key;
			break;
		case REPORT_BY_DAY:
		case REPORT_BY_WEEK:
		case REPORT_BY_MONTH: {
			struct date ka, kb;

			if (!bucket_days(sc.by, key, &ka, &kb))
				return err_set(e, STATUS_USAGE,
					       "'%s' is not a %s; use the first column of the report",
					       key, report_by_name(sc.by));
			if (date_cmp(ka, from) > 0)
				from = ka;
			if (date_cmp(kb, to) < 0)
				to = kb;
			none = date_cmp(from, to) > 0;
			break;
		}
		default:
			break;
		}
	}
	if (none)
		return STATUS_OK;
	report_period_bounds(from, to, lo, hi, sizeof lo);
	d.range.from_utc = lo;
	d.range.to_utc = hi;
	d.limit = limit > 0 ? limit : 100;
	rc = src->contacts(src->ctx, &d, keep_contact, &rows, e);
	if (rc)
		goto out;
	/* Audit before anyone sees a name: the summary, then each customer. */
	date_format(q->from, a, sizeof a);
	date_format(q->to, b, sizeof b);
	detail = xasprintf("%s %s..%s by %s key %s%s: contacts %zu", report_kind_name(q->kind), a,
			   b, report_by_name(sc.by), whole ? "total" : key,
			   every_contact ? " count contacts" : "", rows.n);
	rc = src->audit_begin(src->ctx, e);
	if (rc)
		goto out;
	rc = src->audit(src->ctx, "report.drill", "report", NULL, detail, e);
	for (size_t i = 0; !rc && i < rows.n; i++)
		if (rows.row[i].customer_name)
			rc = src->audit(src->ctx, "report.drill", "customer", rows.row[i].customer_id,
					report_kind_name(q->kind), e);
	if (rc) {
		src->audit_end(src->ctx, false, NULL);
		goto out;
	}
	rc = src->audit_end(src->ctx, true, e);
	for (size_t i = 0; !rc && i < rows.n; i++)
		if (fn(ctx, &rows.row[i]))
			break;
out:
	free(detail);
	drill_rows_release(&rows);
	return rc;
}

enum status report_drill(const struct report_source *src, const struct report_viewer *v,
			 const struct report_query *q, const char *key, long limit,
			 int (*fn)(void *ctx, const struct report_contact *c), void *ctx,
			 struct err *e)
{
	return drill(src, v, q, key, false, limit, fn, ctx, e);
}

enum status report_drill_column(const struct report_source *src, const struct report_viewer *v,
				const struct report_query *q, const char *key,
				const char *column, long limit,
				int (*fn)(void *ctx, const struct report_contact *c),
				void *ctx, struct err *e)
{
	const char *count = q ? report_drill_count(q->kind) : NULL;

	if (!column || (count && strcmp(column, count) == 0))
		return drill(src, v, q, key, false, limit, fn, ctx, e);
	if (count && strcmp(column, "contacts") == 0)
		return drill(src, v, q, key, true, limit, fn, ctx, e);
	if (!count)
		return drill(src, v, q, key, false, limit, fn, ctx, e); /* says there is none */
	return err_set(e, STATUS_USAGE,
		       "'%s' is not a count of contacts; drill into contacts or %s", column,
		       count);
}
