/*
 * The reports: tallies from a source folded into groups (teams from
 * services, London days, ISO weeks and months from UTC hours), then laid out
 * as a table of typed cells. Shares are kept as numerator and denominator
 * so a zero denominator shows as n/a and rounding happens once, in
 * report_cell_format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

#define MAX_CHANNELS 32

struct col_spec {
	const char *name;
	enum report_value kind;
};

static struct report_table *table_new(const struct col_spec *cols, size_t n)
{
	struct report_table *t = xcalloc(1, sizeof *t);

	t->ncolumns = n;
	t->columns = xcalloc(n, sizeof *t->columns);
	for (size_t i = 0; i < n; i++) {
		t->columns[i].name = xstrdup(cols[i].name);
		t->columns[i].kind = cols[i].kind;
	}
	return t;
}

static void table_add_column(struct report_table *t, const char *name, enum report_value kind)
{
	t->columns = xrealloc(t->columns, (t->ncolumns + 1) * sizeof *t->columns);
	t->columns[t->ncolumns].name = xstrdup(name);
	t->columns[t->ncolumns++].kind = kind;
}

/* A new zeroed row; its cells take the columns' kinds. */
static struct report_cell *row_add(struct report_table *t)
{
	struct report_cell *row;

	t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncolumns * sizeof *t->cells);
	row = &t->cells[t->nrows++ * t->ncolumns];
	memset(row, 0, t->ncolumns * sizeof *row);
	for (size_t i = 0; i < t->ncolumns; i++)
		row[i].kind = t->columns[i].kind;
	return row;
}

static void cell_text(struct report_cell *c, const char *s)
{
	c->kind = REPORT_VALUE_TEXT;
	c->text = xstrdup(s ? s : "");
}

static void cell_num(struct report_cell *c, long long n, long long d)
{
	c->n = n;
	c->d = d;
}

/* ---- gathering ---------------------------------------------------------- */

struct measures {
	long contacts, referred, resolved, resolved_first, signposted, assisted, abandoned,
		failure, digital_done;
	long long cost;
	long per_channel[MAX_CHANNELS];
};

struct group {
	char *label;
	struct measures now, prev;
};

struct channel_info {
	char code[48];
	long unit_cost;
	bool digital;
	long target_percent;
};

struct service_team {
	char *service, *team;
};

struct rctx {
	struct report_scope sc;
	struct channel_info ch[MAX_CHANNELS];
	size_t nch;
	struct service_team *st;
	size_t nst;
	int repeat_days;
	/* groups being folded */
	struct group *g;
	size_t ng;
	bool prev; /* folding into .prev */
	/* per London day (time groupings), from day0 */
	struct measures *days;
	int64_t day0;
	size_t ndays;
};

static int add_channel(void *ctx, const struct report_channel *c)
{
	struct rctx *r = ctx;

	if (r->nch == MAX_CHANNELS)
		return 1;
	snprintf(r->ch[r->nch].code, sizeof r->ch[0].code, "%s", c->code);
	r->ch[r->nch].unit_cost = c->unit_cost_pence;
	r->ch[r->nch].digital = c->digital;
	r->nch++;
	return 0;
}

static int add_service_team(void *ctx, const char *service, const char *team)
{
	struct rctx *r = ctx;

	r->st = xrealloc(r->st, (r->nst + 1) * sizeof *r->st);
	r->st[r->nst].service = xstrdup(service);
	r->st[r->nst++].team = xstrdup(team);
	return 0;
}

static const char *team_of(const struct rctx *r, const char *service)
{
	for (size_t i = 0; i < r->nst; i++)
		if (strcmp(r->st[i].service, service) == 0)
			return r->st[i].team;
	return "";
}

static int channel_index(const struct rctx *r, const char *code)
{
	for (size_t i = 0; i < r->nch; i++)
		if (strcmp(r->ch[i].code, code) == 0)
			return (int)i;
	return -1;
}

static void measures_add(struct measures *m, const struct report_tally *t, int chan,
			 const struct rctx *r)
{
	m->contacts += t->contacts;
	m->referred += t->referred;
	m->resolved += t->resolved;
	m->resolved_first += t->resolved_first;
	m->signposted += t->signposted;
	m->assisted += t->assisted_digital;
	m->abandoned += t->abandoned;
	m->failure += t->failure;
	if (chan >= 0) {
		/* UK government digital take-up: completed digital transactions,
		 * assisted digital included. */
		m->digital_done += r->ch[chan].digital ? t->contacts - t->abandoned
						       : t->assisted_digital;
		m->cost += (long long)t->contacts * r->ch[chan].unit_cost;
		m->per_channel[chan] += t->contacts;
	}
}

static void measures_sum(struct measures *to, const struct measures *m)
{
	to->contacts += m->contacts;
	to->referred += m->referred;
	to->resolved += m->resolved;
	to->resolved_first += m->resolved_first;
	to->signposted += m->signposted;
	to->assisted += m->assisted;
	to->abandoned += m->abandoned;
	to->failure += m->failure;
	to->digital_done += m->digital_done;
	to->cost += m->cost;
	for (size_t i = 0; i < MAX_CHANNELS; i++)
		to->per_channel[i] += m->per_channel[i];
}

static struct group *group_find(struct rctx *r, const char *label)
{
	for (size_t i = 0; i < r->ng; i++)
		if (strcmp(r->g[i].label, label) == 0)
			return &r->g[i];
	r->g = xrealloc(r->g, (r->ng + 1) * sizeof *r->g);
	memset(&r->g[r->ng], 0, sizeof r->g[0]);
	r->g[r->ng].label = xstrdup(label);
	return &r->g[r->ng++];
}

static enum report_tally_key tally_key(enum report_by by)
{
	switch (by) {
	case REPORT_BY_SERVICE:
	case REPORT_BY_TEAM:
		return REPORT_TALLY_SERVICE;
	case REPORT_BY_SITE:
		return REPORT_TALLY_SITE;
	case REPORT_BY_ADVISOR:
		return REPORT_TALLY_ADVISOR;
	case REPORT_BY_REASON:
		return REPORT_TALLY_FAILURE;
	case REPORT_BY_DAY:
	case REPORT_BY_WEEK:
	case REPORT_BY_MONTH:
		return REPORT_TALLY_HOUR;
	default:
		return REPORT_TALLY_NONE;
	}
}

static bool by_is_time(enum report_by by)
{
	return by == REPORT_BY_DAY || by == REPORT_BY_WEEK || by == REPORT_BY_MONTH;
}

/* The London date of a UTC hour "YYYY-MM-DDTHH" (BST moves whole hours). */
static bool hour_date(const char *hour, struct date *out)
{
	char text[40];
	int64_t ms;

	snprintf(text, sizeof text, "%.13s:00:00Z", hour);
	if (time_parse_utc(text, &ms) != STATUS_OK)
		return false;
	*out = date_of_ms_london(ms);
	return true;
}

static int fold_tally(void *ctx, const struct report_tally *t)
{
	struct rctx *r = ctx;
	int chan = channel_index(r, t->channel);
	const char *label = t->key;
	struct group *g;

	if (r->days) {
		struct date d;
		int64_t i;

		if (!hour_date(t->key, &d))
			return 0;
		i = date_to_days(d) - r->day0;
		if (i >= 0 && (size_t)i < r->ndays)
			measures_add(&r->days[i], t, chan, r);
		return 0;
	}
	if (r->sc.by == REPORT_BY_TEAM)
		label = team_of(r, t->key);
	else if (r->sc.by == REPORT_BY_CHANNEL)
		label = t->channel;
	g = group_find(r, label);
	measures_add(r->prev ? &g->prev : &g->now, t, chan, r);
	return 0;
}

static enum status tally(struct rctx *r, struct date from, struct date to, struct err *e)
{
	char lo[32], hi[32];
	struct report_range range = { lo, hi, r->sc.site, r->sc.advisor };

	report_period_bounds(from, to, lo, hi, sizeof lo);
	return r->sc.src->tally(r->sc.src->ctx, &range, r->days ? REPORT_TALLY_HOUR : tally_key(r->sc.by),
			     r->repeat_days, fold_tally, r, e);
}

static struct date add_days(struct date d, int64_t n)
{
	return date_from_days(date_to_days(d) + n);
}

static struct date month_back(struct date d)
{
	struct date m = { d.month == 1 ? d.year - 1 : d.year, d.month == 1 ? 12 : d.month - 1, 1 };
	int last = report_month_days(m.year, m.month);

	m.day = d.day > last ? last : d.day;
	return m;
}

static void bucket_label(enum report_by by, struct date d, char *out, size_t outsz)
{
	int y, w;

	switch (by) {
	case REPORT_BY_WEEK:
		report_iso_week(d, &y, &w);
		snprintf(out, outsz, "%04d-W%02d", y, w);
		break;
	case REPORT_BY_MONTH:
		snprintf(out, outsz, "%04d-%02d", d.year, d.month);
		break;
	default:
		date_format(d, out, outsz);
		break;
	}
}

/* Sums the per-day measures over [a, b] (days outside the array add 0). */
static void days_sum(const struct rctx *r, struct date a, struct date b, struct measures *out)
{
	for (int64_t i = date_to_days(a) - r->day0; i <= date_to_days(b) - r->day0; i++)
		if (i >= 0 && (size_t)i < r->ndays)
			measures_sum(out, &r->days[i]);
}

/*
 * Time groupings: counts per London day over the period (and, with_prev,
 * the time before it), then one group per day, ISO week or month, clipped
 * to the period. A bucket's previous value is the same days one bucket
 * earlier (the day before, the week before, the month before), so a trend
 * reads bucket against bucket; empty buckets are rows with zeros.
 */
static enum status gather_time(struct rctx *r, bool with_prev, struct measures *total_prev,
			       struct err *e)
{
	const struct report_query *q = r->sc.q;
	int64_t len = report_period_days(q->from, q->to);
	struct date start = with_prev ? add_days(q->from, -(len > 31 ? len : 31)) : q->from;
	enum status rc;

	r->day0 = date_to_days(start);
	r->ndays = (size_t)(date_to_days(q->to) - r->day0 + 1);
	r->days = xcalloc(r->ndays, sizeof *r->days);
	rc = tally(r, start, q->to, e);
	if (rc)
		return rc;
	for (struct date a = q->from; date_cmp(a, q->to) <= 0;) {
		char label[16], next[16];
		struct date b = a;
		struct group *g;

		bucket_label(r->sc.by, a, label, sizeof label);
		for (;;) {
			struct date n = add_days(b, 1);

			if (date_cmp(n, q->to) > 0)
				break;
			bucket_label(r->sc.by, n, next, sizeof next);
			if (strcmp(next, label) != 0)
				break;
			b = n;
		}
		g = group_find(r, label);
		days_sum(r, a, b, &g->now);
		if (with_prev) {
			if (r->sc.by == REPORT_BY_DAY)
				days_sum(r, add_days(a, -1), add_days(b, -1), &g->prev);
			else if (r->sc.by == REPORT_BY_WEEK)
				days_sum(r, add_days(a, -7), add_days(b, -7), &g->prev);
			else
				days_sum(r, month_back(a), month_back(b), &g->prev);
		}
		a = add_days(b, 1);
	}
	if (with_prev)
		days_sum(r, add_days(q->from, -len), add_days(q->from, -1), total_prev);
	return STATUS_OK;
}

static int group_cmp_label(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;

	return strcmp(a->label, b->label);
}

/* Groups for the query's grouping, sorted by label; total gets the sums. */
static enum status gather(struct rctx *r, bool with_prev, struct measures *total,
			  struct measures *total_prev, struct err *e)
{
	enum status rc;

	if (by_is_time(r->sc.by)) {
		rc = gather_time(r, with_prev, total_prev, e);
	} else {
		rc = tally(r, r->sc.q->from, r->sc.q->to, e);
		if (!rc && with_prev) {
			int64_t len = report_period_days(r->sc.q->from, r->sc.q->to);

			r->prev = true;
			rc = tally(r, add_days(r->sc.q->from, -len), add_days(r->sc.q->from, -1), e);
			r->prev = false;
		}
	}
	if (rc)
		return rc;
	if (!by_is_time(r->sc.by) && r->ng)
		qsort(r->g, r->ng, sizeof *r->g, group_cmp_label);
	for (size_t i = 0; i < r->ng; i++) {
		measures_sum(total, &r->g[i].now);
		if (!by_is_time(r->sc.by) && with_prev)
			measures_sum(total_prev, &r->g[i].prev);
	}
	if (r->sc.by == REPORT_BY_NONE) { /* the total alone */
		for (size_t i = 0; i < r->ng; i++)
			free(r->g[i].label);
		r->ng = 0;
	}
	return STATUS_OK;
}

static void rctx_release(struct rctx *r)
{
	for (size_t i = 0; i < r->ng; i++)
		free(r->g[i].label);
	free(r->g);
	for (size_t i = 0; i < r->nst; i++) {
		free(r->st[i].service);
		free(r->st[i].team);
	}
	free(r->st);
	free(r->days);
}

/* A whole-number setting (its default when unset). */
static long setting_long(const struct report_source *src, const char *key, long fallback)
{
	char *v = src->setting(src->ctx, key);
	long n = fallback;

	if (v)
		if (valid_int(key, v, 0, 100000000L, &n, NULL) != STATUS_OK)
			n = fallback;
	free(v);
	return n;
}

/* ---- the reports -------------------------------------------------------- */

static const char *by_column(enum report_by by)
{
	return by == REPORT_BY_NONE ? "period" : report_by_name(by);
}

/* The label cell of a group row, or "total". */
static void label_cell(struct report_cell *c, const char *label)
{
	cell_text(c, label && *label ? label : "(none)");
}

static struct report_table *referrals_table(struct rctx *r, const struct measures *total,
					    const struct measures *total_prev)
{
	const struct col_spec cols[] = {
		{ by_column(r->sc.by), REPORT_VALUE_TEXT },	{ "contacts", REPORT_VALUE_COUNT },
		{ "referred", REPORT_VALUE_COUNT },	{ "referred_pct", REPORT_VALUE_PERCENT },
		{ "previous", REPORT_VALUE_COUNT },	{ "change", REPORT_VALUE_CHANGE },
		{ "change_pct", REPORT_VALUE_PERCENT },
	};
	struct report_table *t = table_new(cols, sizeof cols / sizeof cols[0]);

	for (size_t i = 0; i <= r->ng; i++) {
		const struct measures *m = i < r->ng ? &r->g[i].now : total;
		const struct measures *p = i < r->ng ? &r->g[i].prev : total_prev;
		struct report_cell *c;

		if (i == r->ng)
			t->total_last = true;
		c = row_add(t);
		label_cell(&c[0], i < r->ng ? r->g[i].label : "total");
		cell_num(&c[1], m->contacts, 0);
		cell_num(&c[2], m->referred, 0);
		cell_num(&c[3], m->referred, m->contacts);
		cell_num(&c[4], p->referred, 0);
		cell_num(&c[5], m->referred - p->referred, 0);
		cell_num(&c[6], m->referred - p->referred, p->referred);
	}
	return t;
}

static struct report_table *fcr_table(struct rctx *r, const struct measures *total, long target)
{
	const struct col_spec cols[] = {
		{ by_column(r->sc.by), REPORT_VALUE_TEXT },	{ "contacts", REPORT_VALUE_COUNT },
		{ "resolved", REPORT_VALUE_COUNT },	{ "fcr_pct", REPORT_VALUE_PERCENT },
		{ "target_pct", REPORT_VALUE_PERCENT },	{ "met", REPORT_VALUE_TEXT },
		{ "resolved_audited", REPORT_VALUE_COUNT }, { "fcr_audited_pct", REPORT_VALUE_PERCENT },
	};
	struct report_table *t = table_new(cols, sizeof cols / sizeof cols[0]);

	for (size_t i = 0; i <= r->ng; i++) {
		const struct measures *m = i < r->ng ? &r->g[i].now : total;
		struct report_cell *c;

		if (i == r->ng)
			t->total_last = true;
		c = row_add(t);
		label_cell(&c[0], i < r->ng ? r->g[i].label : "total");
		cell_num(&c[1], m->contacts, 0);
		cell_num(&c[2], m->resolved, 0);
		cell_num(&c[3], m->resolved, m->contacts);
		cell_num(&c[4], target, 100);
		/* met: resolved/contacts >= target/100, in whole numbers */
		cell_text(&c[5], m->contacts == 0 ? "n/a"
			  : (long long)m->resolved * 100 >= (long long)target * m->contacts
				  ? "yes"
				  : "no");
		cell_num(&c[6], m->resolved_first, 0);
		cell_num(&c[7], m->resolved_first, m->contacts);
	}
	return t;
}

static bool channel_used(const struct measures *total, size_t i)
{
	return total->per_channel[i] != 0;
}

static struct report_table *channels_table(struct rctx *r, const struct measures *total)
{
	struct report_table *t;

	if (r->sc.by == REPORT_BY_CHANNEL) {
		const struct col_spec cols[] = {
			{ "channel", REPORT_VALUE_TEXT },		 { "contacts", REPORT_VALUE_COUNT },
			{ "share_pct", REPORT_VALUE_PERCENT },	 { "digital", REPORT_VALUE_TEXT },
			{ "digital_done", REPORT_VALUE_COUNT },	 { "digital_takeup_pct", REPORT_VALUE_PERCENT },
		};
		t = table_new(cols, sizeof cols / sizeof cols[0]);
		for (size_t i = 0; i <= r->ng; i++) {
			const struct measures *m = i < r->ng ? &r->g[i].now : total;
			int ch = i < r->ng ? channel_index(r, r->g[i].label) : -1;
			struct report_cell *c;

			if (i == r->ng)
				t->total_last = true;
			c = row_add(t);
			label_cell(&c[0], i < r->ng ? r->g[i].label : "total");
			cell_num(&c[1], m->contacts, 0);
			cell_num(&c[2], m->contacts, total->contacts);
			cell_text(&c[3], ch < 0 ? "" : r->ch[ch].digital ? "yes" : "no");
			cell_num(&c[4], m->digital_done, 0);
			cell_num(&c[5], m->digital_done, m->contacts);
		}
		return t;
	}
	{
		const struct col_spec cols[] = {
			{ by_column(r->sc.by), REPORT_VALUE_TEXT },	  { "contacts", REPORT_VALUE_COUNT },
			{ "digital_done", REPORT_VALUE_COUNT },	  { "digital_takeup_pct", REPORT_VALUE_PERCENT },
		};
		t = table_new(cols, sizeof cols / sizeof cols[0]);
	}
	for (size_t k = 0; k < r->nch; k++) {
		char name[64];

		if (!channel_used(total, k))
			continue;
		snprintf(name, sizeof name, "%s_pct", r->ch[k].code);
		table_add_column(t, name, REPORT_VALUE_PERCENT);
	}
	for (size_t i = 0; i <= r->ng; i++) {
		const struct measures *m = i < r->ng ? &r->g[i].now : total;
		struct report_cell *c;
		size_t col = 4;

		if (i == r->ng)
			t->total_last = true;
		c = row_add(t);
		label_cell(&c[0], i < r->ng ? r->g[i].label : "total");
		cell_num(&c[1], m->contacts, 0);
		cell_num(&c[2], m->digital_done, 0);
		cell_num(&c[3], m->digital_done, m->contacts);
		for (size_t k = 0; k < r->nch; k++)
			if (channel_used(total, k))
				cell_num(&c[col++], m->per_channel[k], m->contacts);
	}
	return t;
}

static int group_cmp_failure(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;

	if (a->now.failure != b->now.failure)
		return a->now.failure < b->now.failure ? 1 : -1;
	return strcmp(a->label, b->label);
}

static struct report_table *failure_table(struct rctx *r, const struct measures *total)
{
	struct report_table *t;

	if (r->sc.by == REPORT_BY_REASON) {
		const struct col_spec cols[] = {
			{ "reason", REPORT_VALUE_TEXT },
			{ "failure", REPORT_VALUE_COUNT },
			{ "share_of_failure_pct", REPORT_VALUE_PERCENT },
			{ "share_of_contacts_pct", REPORT_VALUE_PERCENT },
		};
		t = table_new(cols, sizeof cols / sizeof cols[0]);
		for (size_t i = 0; i <= r->ng; i++) {
			const struct measures *m = i < r->ng ? &r->g[i].now : total;
			struct report_cell *c;

			if (i < r->ng && !r->g[i].label[0])
				continue; /* contacts that were not failure demand */
			if (i == r->ng)
				t->total_last = true;
			c = row_add(t);
			label_cell(&c[0], i < r->ng ? r->g[i].label : "total");
			cell_num(&c[1], m->failure, 0);
			cell_num(&c[2], m->failure, total->failure);
			cell_num(&c[3], m->failure, total->contacts);
		}
		return t;
	}
	{
		const struct col_spec cols[] = {
			{ by_column(r->sc.by), REPORT_VALUE_TEXT },	      { "contacts", REPORT_VALUE_COUNT },
			{ "failure", REPORT_VALUE_COUNT },	      { "failure_pct", REPORT_VALUE_PERCENT },
			{ "share_of_failure_pct", REPORT_VALUE_PERCENT },
		};
		t = table_new(cols, sizeof cols / sizeof cols[0]);
	}
	/* The services (teams, sites...) generating most failure demand first;
	 * time groupings stay in time order. */
	if (!by_is_time(r->sc.by) && r->ng)
		qsort(r->g, r->ng, sizeof *r->g, group_cmp_failure);
	for (size_t i = 0; i <= r->ng; i++) {
		const struct measures *m = i < r->ng ? &r->g[i].now : total;
		struct report_cell *c;

		if (i == r->ng)
			t->total_last = true;
		c = row_add(t);
		label_cell(&c[0], i < r->ng ? r->g[i].label : "total");
		cell_num(&c[1], m->contacts, 0);
		cell_num(&c[2], m->failure, 0);
		cell_num(&c[3], m->failure, m->contacts);
		cell_num(&c[4], m->failure, total->failure);
	}
	return t;
}

/* A yearly target for the period's days, rounded to the nearest whole. */
static long prorate(long yearly, int64_t days)
{
	return (long)(((long long)yearly * days * 2 + 365) / (2 * 365));
}

static struct report_table *signposting_table(struct rctx *r, const struct measures *total,
					      long sign_year, long ad_year)
{
	const struct col_spec cols[] = {
		{ by_column(r->sc.by), REPORT_VALUE_TEXT },
		{ "signposted", REPORT_VALUE_COUNT },
		{ "signposted_target", REPORT_VALUE_COUNT },
		{ "signposted_pct_of_target", REPORT_VALUE_PERCENT },
		{ "assisted_digital", REPORT_VALUE_COUNT },
		{ "assisted_digital_target", REPORT_VALUE_COUNT },
		{ "assisted_digital_pct_of_target", REPORT_VALUE_PERCENT },
	};
	struct report_table *t = table_new(cols, sizeof cols / sizeof cols[0]);
	int64_t days = report_period_days(r->sc.q->from, r->sc.q->to);
	long st = prorate(sign_year, days), at = prorate(ad_year, days);

	for (size_t i = 0; i <= r->ng; i++) {
		const struct measures *m = i < r->ng ? &r->g[i].now : total;
		bool is_total = i == r->ng;
		struct report_cell *c;

		t->total_last = is_total;
		c = row_add(t);
		label_cell(&c[0], !is_total ? r->g[i].label : "total");
		cell_num(&c[1], m->signposted, 0);
		cell_num(&c[2], st, 0);
		cell_num(&c[3], m->signposted, st);
		cell_num(&c[4], m->assisted, 0);
		cell_num(&c[5], at, 0);
		cell_num(&c[6], m->assisted, at);
		/* Targets are the desk's, not a service's or an advisor's. */
		c[2].blank = c[3].blank = c[5].blank = c[6].blank = !is_total;
	}
	t->note = xasprintf("yearly targets: %ld signposted, %ld assisted digital; for these %lld "
			    "days: %ld and %ld",
			    sign_year, ad_year, (long long)days, st, at);
	return t;
}

/* Pence the contacts would cost at the target mix (shares in percent). */
static long long cost_at_target(const struct rctx *r, long contacts)
{
	long long per100 = 0;

	for (size_t k = 0; k < r->nch; k++)
		per100 += (long long)r->ch[k].target_percent * r->ch[k].unit_cost;
	return ((long long)contacts * per100 * 2 + 100) / 200;
}

static enum status load_target_mix(struct rctx *r, struct err *e)
{
	struct channel_share shares[CHANNEL_MIX_MAX];
	char *mix = NULL;
	size_t n;
	enum status rc;

	mix = r->sc.src->setting(r->sc.src->ctx, "cost_target_mix");
	rc = valid_channel_mix(mix, shares, &n, e);
	for (size_t i = 0; !rc && i < n; i++) {
		int k = channel_index(r, shares[i].channel);

		if (k < 0)
			rc = err_set(e, STATUS_INVALID,
				     "cost_target_mix names channel '%s', which is not loaded; fix it with: frontdesk config set cost_target_mix ...",
				     shares[i].channel);
		else
			r->ch[k].target_percent = shares[i].percent;
	}
	free(mix);
	return rc;
}

static struct report_table *cost_table(struct rctx *r, const struct measures *total)
{
	struct report_table *t;

	if (r->sc.by == REPORT_BY_CHANNEL) {
		const struct col_spec cols[] = {
			{ "channel", REPORT_VALUE_TEXT },		{ "contacts", REPORT_VALUE_COUNT },
			{ "unit_cost", REPORT_VALUE_PENCE },	{ "cost", REPORT_VALUE_PENCE },
			{ "target_share_pct", REPORT_VALUE_PERCENT }, { "target_contacts", REPORT_VALUE_COUNT },
			{ "target_cost", REPORT_VALUE_PENCE },
		};
		t = table_new(cols, sizeof cols / sizeof cols[0]);
		for (size_t k = 0; k < r->nch; k++) {
			struct group *g = NULL;
			struct report_cell *c;
			long n;

			for (size_t i = 0; i < r->ng; i++)
				if (strcmp(r->g[i].label, r->ch[k].code) == 0)
					g = &r->g[i];
			if (!g && !r->ch[k].target_percent)
				continue;
			n = g ? g->now.contacts : 0;
			c = row_add(t);
			cell_text(&c[0], r->ch[k].code);
			cell_num(&c[1], n, 0);
			cell_num(&c[2], r->ch[k].unit_cost, 0);
			cell_num(&c[3], (long long)n * r->ch[k].unit_cost, 0);
			cell_num(&c[4], r->ch[k].target_percent, 100);
			cell_num(&c[5], ((long long)total->contacts * r->ch[k].target_percent * 2 + 100) / 200, 0);
			cell_num(&c[6], ((long long)total->contacts * r->ch[k].target_percent *
						 r->ch[k].unit_cost * 2 + 100) / 200, 0);
		}
		{
			struct report_cell *c = row_add(t);

			t->total_last = true;
			cell_text(&c[0], "total");
			cell_num(&c[1], total->contacts, 0);
			c[2].blank = true;
			cell_num(&c[3], total->cost, 0);
			cell_num(&c[4], 100, 100);
			cell_num(&c[5], total->contacts, 0);
			cell_num(&c[6], cost_at_target(r, total->contacts), 0);
		}
		return t;
	}
	{
		const struct col_spec cols[] = {
			{ by_column(r->sc.by), REPORT_VALUE_TEXT },	  { "contacts", REPORT_VALUE_COUNT },
			{ "cost", REPORT_VALUE_PENCE },		  { "cost_at_target", REPORT_VALUE_PENCE },
			{ "difference", REPORT_VALUE_PENCE },
		};
		t = table_new(cols, sizeof cols / sizeof cols[0]);
	}
	for (size_t i = 0; i <= r->ng; i++) {
		const struct measures *m = i < r->ng ? &r->g[i].now : total;
		struct report_cell *c;
		long long target = cost_at_target(r, m->contacts);

		if (i == r->ng)
			t->total_last = true;
		c = row_add(t);
		label_cell(&c[0], i < r->ng ? r->g[i].label : "total");
		cell_num(&c[1], m->contacts, 0);
		cell_num(&c[2], m->cost, 0);
		cell_num(&c[3], target, 0);
		cell_num(&c[4], target - m->cost, 0);
	}
	return t;
}

/* ---- cases -------------------------------------------------------------- */

struct case_group {
	char *label;
	long cases, open, overdue, closed, within, days_total;
};

/* London dates of UTC hours already worked out (a London day starts on a
 * whole UTC hour, so every instant in an hour has the hour's date). */
#define HOUR_CACHE 1024
struct hour_date {
	int64_t hour; /* -1: empty */
	struct date d;
};

struct case_ctx {
	struct rctx *r;
	const struct date *hol;
	size_t nhol;
	struct date *workday_hol; /* hol, sorted */
	struct date today;
	struct case_group *g;
	size_t ng;
	struct hour_date hours[HOUR_CACHE];
};

/* Working days d with a < d <= b (0 when b <= a): core's case rules. */
static long working_days_between(const struct case_ctx *cc, struct date a, struct date b)
{
	return date_working_days_between(a, b, cc->workday_hol, cc->nhol);
}

static int date_order(const void *pa, const void *pb)
{
	return date_cmp(*(const struct date *)pa, *(const struct date *)pb);
}

/* The holidays, sorted (as core's working-day count needs them). */
static void workday_holidays(struct case_ctx *cc)
{
	cc->workday_hol = xcalloc(cc->nhol ? cc->nhol : 1, sizeof *cc->workday_hol);
	if (cc->nhol)
		memcpy(cc->workday_hol, cc->hol, cc->nhol * sizeof *cc->hol);
	qsort(cc->workday_hol, cc->nhol, sizeof *cc->workday_hol, date_order);
	for (size_t i = 0; i < HOUR_CACHE; i++)
		cc->hours[i].hour = -1;
}

/* The London date of a stored UTC time; false when it is not one. */
static bool text_date(struct case_ctx *cc, const char *utc, struct date *out)
{
	struct hour_date *h;
	int64_t ms, hour;

	if (!utc || time_parse_utc(utc, &ms) != STATUS_OK)
		return false;
	hour = ms >= 0 ? ms / 3600000 : -1 - (-1 - ms) / 3600000;
	h = &cc->hours[(uint64_t)hour % HOUR_CACHE];
	if (h->hour != hour) {
		h->hour = hour;
		h->d = date_of_ms_london(hour * 3600000);
	}
	*out = h->d;
	return true;
}

/* A stored "YYYY-MM-DD" date (date_parse's rules, without its message). */
static bool text_day(const char *day, struct date *out)
{
	char utc[] = "YYYY-MM-DDT00:00:00Z";
	int64_t ms;

	if (strnlen(day, 11) != 10)
		return false;
	memcpy(utc, day, 10);
	if (time_parse_utc(utc, &ms) != STATUS_OK)
		return false;
	*out = date_from_days(ms / 86400000);
	return true;
}

/* Working days the case waited on the customer, from its history: each
 * awaiting-customer stretch until the next other status (or today). */
static long paused_from_events(struct case_ctx *cc, const struct report_case *k,
			       bool *waiting_now)
{
	long n = 0;

	*waiting_now = false;
	for (size_t i = 0; i < k->nevents; i++) {
		struct date a, b;
		size_t j;

		if (strcmp(k->event_status[i], "awaiting-customer") != 0)
			continue;
		for (j = i + 1; j < k->nevents; j++)
			if (strcmp(k->event_status[j], "awaiting-customer") != 0)
				break;
		if (!text_date(cc, k->event_at[i], &a))
			continue;
		if (j < k->nevents) {
			if (!text_date(cc, k->event_at[j], &b))
				continue;
		} else {
			b = cc->today;
			*waiting_now = strcmp(k->status, "awaiting-customer") == 0;
		}
		n += working_days_between(cc, a, b);
		i = j - 1;
	}
	return n;
}

static int fold_case(void *ctx, const struct report_case *k)
{
	struct case_ctx *cc = ctx;
	const char *label = cc->r->sc.by == REPORT_BY_SERVICE ? k->service : k->team;
	struct case_group *g = NULL;
	struct date created, due, closed;
	bool waiting_now = false, is_closed = strcmp(k->status, "closed") == 0;
	long paused = paused_from_events(cc, k, &waiting_now);
	long stored = k->paused_days;

	for (size_t i = 0; i < cc->ng; i++)
		if (strcmp(cc->g[i].label, label) == 0)
			g = &cc->g[i];
	if (!g) {
		cc->g = xrealloc(cc->g, (cc->ng + 1) * sizeof *cc->g);
		g = &cc->g[cc->ng++];
		memset(g, 0, sizeof *g);
		g->label = xstrdup(label);
	}
	g->cases++;
	if (!text_date(cc, k->created_at, &created) || !text_day(k->due_date, &due))
		return 0;
	/* The console moves the due date on when a pause ends and keeps the
	 * days in paused_days; history without that (synced, older) is
	 * counted from the events instead, and the due date moved here. */
	if (stored == 0 && paused > 0)
		due = date_add_working_days(due, (int)paused, cc->workday_hol, cc->nhol);
	if (stored > paused)
		paused = stored;
	if (!is_closed) {
		g->open++;
		int st = case_status_find(k->status);

		if (!waiting_now && st >= 0 && case_overdue((enum case_status)st, due, cc->today))
			g->overdue++;
		return 0;
	}
	g->closed++;
	if (!text_date(cc, k->closed_at, &closed))
		return 0;
	if (date_cmp(closed, due) <= 0)
		g->within++;
	{
		long d = working_days_between(cc, created, closed) - paused;

		g->days_total += d > 0 ? d : 0;
	}
	return 0;
}

static int case_group_cmp(const void *pa, const void *pb)
{
	const struct case_group *a = pa, *b = pb;

	return strcmp(a->label, b->label);
}

static enum status cases_report(struct rctx *r, struct report_table **out, struct err *e)
{
	const struct col_spec cols[] = {
		{ by_column(r->sc.by), REPORT_VALUE_TEXT },	   { "cases", REPORT_VALUE_COUNT },
		{ "open", REPORT_VALUE_COUNT },		   { "overdue", REPORT_VALUE_COUNT },
		{ "closed", REPORT_VALUE_COUNT },		   { "closed_within_standard", REPORT_VALUE_COUNT },
		{ "within_standard_pct", REPORT_VALUE_PERCENT }, { "avg_working_days", REPORT_VALUE_AVERAGE },
	};
	struct case_ctx cc = { .r = r, .today = date_today_london() };
	struct date *hol = NULL;
	struct case_group total = { 0 };
	char lo[32], hi[32];
	struct report_range range = { lo, hi, r->sc.site, r->sc.advisor };
	struct report_table *t;
	enum status rc;

	rc = r->sc.src->holidays(r->sc.src->ctx, &hol, &cc.nhol, e);
	if (rc)
		return rc;
	cc.hol = hol;
	workday_holidays(&cc);
	report_period_bounds(r->sc.q->from, r->sc.q->to, lo, hi, sizeof lo);
	rc = r->sc.src->cases(r->sc.src->ctx, &range, fold_case, &cc, e);
	if (!rc) {
		if (cc.ng)
			qsort(cc.g, cc.ng, sizeof *cc.g, case_group_cmp);
		t = table_new(cols, sizeof cols / sizeof cols[0]);
		for (size_t i = 0; i <= cc.ng; i++) {
			struct case_group *g = i < cc.ng ? &cc.g[i] : &total;
			struct report_cell *c;

			if (i < cc.ng) {
				total.cases += g->cases;
				total.open += g->open;
				total.overdue += g->overdue;
				total.closed += g->closed;
				total.within += g->within;
				total.days_total += g->days_total;
			} else {
				t->total_last = true;
			}
			c = row_add(t);
			label_cell(&c[0], i < cc.ng ? g->label : "total");
			cell_num(&c[1], g->cases, 0);
			cell_num(&c[2], g->open, 0);
			cell_num(&c[3], g->overdue, 0);
			cell_num(&c[4], g->closed, 0);
			cell_num(&c[5], g->within, 0);
			cell_num(&c[6], g->within, g->closed);
			cell_num(&c[7], g->days_total, g->closed);
		}
		t->note = xstrdup("cases raised in the period; working days exclude weekends, bank "
				  "holidays and time awaiting the customer");
		*out = t;
	}
	for (size_t i = 0; i < cc.ng; i++)
		free(cc.g[i].label);
	free(cc.g);
	free(hol);
	free(cc.workday_hol);
	return rc;
}

/* ---- running one report ------------------------------------------------- */

static void set_title(struct report_table *t, const struct rctx *r)
{
	char a[16], b[16];

	date_format(r->sc.q->from, a, sizeof a);
	date_format(r->sc.q->to, b, sizeof b);
	free(t->title);
	t->title = xasprintf("%s %s..%s%s%s%s%s%s%s", report_kind_name(r->sc.q->kind), a, b,
			     r->sc.by == REPORT_BY_NONE ? "" : " by ",
			     r->sc.by == REPORT_BY_NONE ? "" : report_by_name(r->sc.by),
			     r->sc.site ? ", site " : "", r->sc.site ? r->sc.site : "",
			     r->sc.advisor ? ", advisor " : "", r->sc.advisor ? r->sc.advisor : "");
}

enum status report_run(const struct report_source *src, const struct report_viewer *v,
		       const struct report_query *q, struct report_table **out, struct err *e)
{
	struct rctx r = { 0 };
	struct measures total = { 0 }, total_prev = { 0 };
	struct report_table *t = NULL;
	enum status rc;

	*out = NULL;
	rc = report_query_check(src, v, q, &r.sc, e);
	if (rc)
		return rc;
	rc = src->channels(src->ctx, add_channel, &r, e);
	if (!rc && r.sc.by == REPORT_BY_TEAM)
		rc = src->service_teams(src->ctx, add_service_team, &r, e);
	if (rc)
		goto out;
	switch (q->kind) {
	case REPORT_REFERRALS:
		rc = gather(&r, true, &total, &total_prev, e);
		if (!rc)
			t = referrals_table(&r, &total, &total_prev);
		break;
	case REPORT_FCR: {
		long target = setting_long(src, "fcr_target_percent", 80);

		r.repeat_days = (int)setting_long(src, "fcr_repeat_days", 7);
		rc = gather(&r, false, &total, NULL, e);
		if (!rc) {
			t = fcr_table(&r, &total, target);
			t->note = xasprintf("target %ld%%; audited: a resolution is undone when the "
					    "customer comes back about the same service within %d days",
					    target, r.repeat_days);
		}
		break;
	}
	case REPORT_CHANNELS:
		rc = gather(&r, false, &total, NULL, e);
		if (!rc) {
			t = channels_table(&r, &total);
			t->note = xstrdup("digital take-up: completed digital transactions, assisted "
					  "digital included, over all transactions");
		}
		break;
	case REPORT_FAILURE:
		rc = gather(&r, false, &total, NULL, e);
		if (!rc)
			t = failure_table(&r, &total);
		break;
	case REPORT_SIGNPOSTING:
		rc = gather(&r, false, &total, NULL, e);
		if (!rc)
			t = signposting_table(&r, &total,
					      setting_long(src, "signposting_target_year", 1000),
					      setting_long(src, "assisted_digital_target_year", 1000));
		break;
	case REPORT_COST:
		rc = load_target_mix(&r, e);
		if (!rc)
			rc = gather(&r, false, &total, NULL, e);
		if (!rc) {
			char *mix = NULL;

			t = cost_table(&r, &total);
			mix = src->setting(src->ctx, "cost_target_mix");
			t->note = xasprintf("unit costs from channels.csv; target mix (setting "
					    "cost_target_mix): %s",
					    mix ? mix : "");
			free(mix);
		}
		break;
	case REPORT_CASES:
		rc = cases_report(&r, &t, e);
		break;
	default:
		rc = err_set(e, STATUS_USAGE, "no such report");
		break;
	}
	if (!rc && t) {
		set_title(t, &r);
		*out = t;
		t = NULL;
	}
out:
	report_table_free(t);
	rctx_release(&r);
	return rc;
}
