/*
 * The reports: tallies from the store folded into groups (teams from
 * services, London days, ISO weeks and months from UTC hours), then laid out
 * as a table of typed cells. Shares are kept as numerator and denominator
 * so a zero denominator shows as n/a and rounding happens once, in
 * report_cell_format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/report.h"

#define MAX_CHANNELS 32

/* ---- names -------------------------------------------------------------- */

static const char *const kind_names[] = {
#define RK_NAME(n, name, help) name,
	REPORT_KINDS(RK_NAME)
#undef RK_NAME
};
static const char *const kind_helps[] = {
#define RK_HELP(n, name, help) help,
	REPORT_KINDS(RK_HELP)
#undef RK_HELP
};
static const char *const by_names[] = {
#define RB_NAME(n, name) name,
	REPORT_BYS(RB_NAME)
#undef RB_NAME
};

const char *report_kind_name(enum report_kind k)
{
	return (unsigned)k < REPORT_KIND_COUNT ? kind_names[k] : "?";
}

const char *report_kind_help(enum report_kind k)
{
	return (unsigned)k < REPORT_KIND_COUNT ? kind_helps[k] : "";
}

int report_kind_find(const char *name)
{
	for (int i = 0; name && i < REPORT_KIND_COUNT; i++)
		if (strcmp(kind_names[i], name) == 0)
			return i;
	return -1;
}

const char *report_by_name(enum report_by b)
{
	return (unsigned)b < REPORT_BY_COUNT ? by_names[b] : "?";
}

int report_by_find(const char *name)
{
	for (int i = 0; name && i < REPORT_BY_COUNT; i++)
		if (strcmp(by_names[i], name) == 0)
			return i;
	return -1;
}

/* ---- tables ------------------------------------------------------------- */

void report_table_free(struct report_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncolumns; i++)
		free(t->cells[i].text);
	for (size_t i = 0; i < t->ncolumns; i++)
		free(t->columns[i].name);
	free(t->columns);
	free(t->cells);
	free(t->title);
	free(t->note);
	free(t);
}

const struct report_cell *report_cell(const struct report_table *t, size_t row, size_t col)
{
	return &t->cells[row * t->ncolumns + col];
}

bool report_cell_na(const struct report_cell *c)
{
	return !c->blank && (c->kind == RV_PERCENT || c->kind == RV_AVERAGE) && c->d == 0;
}

/* n / d * scale to one decimal, rounded half away from zero, as "12.5". */
static void format_tenths(long long n, long long d, long long scale, char *out, size_t outsz)
{
	long long num = n * scale * 10, t;
	bool neg = (num < 0) != (d < 0);

	if (num < 0)
		num = -num;
	if (d < 0)
		d = -d;
	t = (2 * num + d) / (2 * d);
	snprintf(out, outsz, "%s%lld.%lld", neg && t ? "-" : "", t / 10, t % 10);
}

void report_cell_format(const struct report_cell *c, bool for_people, char *out, size_t outsz)
{
	char num[64];

	if (c->blank) {
		snprintf(out, outsz, "%s", "");
		return;
	}
	if (report_cell_na(c)) {
		snprintf(out, outsz, "n/a");
		return;
	}
	switch (c->kind) {
	case RV_TEXT:
		snprintf(out, outsz, "%s", c->text ? c->text : "");
		break;
	case RV_COUNT:
		snprintf(out, outsz, "%lld", c->n);
		break;
	case RV_CHANGE:
		snprintf(out, outsz, "%s%lld", c->n > 0 ? "+" : "", c->n);
		break;
	case RV_PERCENT:
		format_tenths(c->n, c->d, 100, num, sizeof num);
		snprintf(out, outsz, "%s%s", num, for_people ? "%" : "");
		break;
	case RV_PENCE: {
		long long p = c->n < 0 ? -c->n : c->n;

		snprintf(out, outsz, "%s%s%lld.%02lld", c->n < 0 ? "-" : "", for_people ? "£" : "",
			 p / 100, p % 100);
		break;
	}
	case RV_AVERAGE:
		format_tenths(c->n, c->d, 1, out, outsz);
		break;
	}
}

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
	c->kind = RV_TEXT;
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
	const struct report_source *src;
	const struct report_query *q;
	const char *site, *advisor; /* the filters in force */
	enum report_by by;	    /* the grouping in force */
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

static int add_channel(void *ctx, const struct store_report_channel *c)
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

static void measures_add(struct measures *m, const struct store_report_tally *t, int chan,
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

static enum store_report_key store_key(enum report_by by)
{
	switch (by) {
	case REPORT_BY_SERVICE:
	case REPORT_BY_TEAM:
		return SRK_SERVICE;
	case REPORT_BY_SITE:
		return SRK_SITE;
	case REPORT_BY_ADVISOR:
		return SRK_ADVISOR;
	case REPORT_BY_REASON:
		return SRK_FAILURE;
	case REPORT_BY_DAY:
	case REPORT_BY_WEEK:
	case REPORT_BY_MONTH:
		return SRK_HOUR;
	default:
		return SRK_NONE;
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

static int fold_tally(void *ctx, const struct store_report_tally *t)
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
	if (r->by == REPORT_BY_TEAM)
		label = team_of(r, t->key);
	else if (r->by == REPORT_BY_CHANNEL)
		label = t->channel;
	g = group_find(r, label);
	measures_add(r->prev ? &g->prev : &g->now, t, chan, r);
	return 0;
}

static enum status tally(struct rctx *r, struct date from, struct date to, struct err *e)
{
	char lo[32], hi[32];
	struct store_report_range range = { lo, hi, r->site, r->advisor };

	report_period_bounds(from, to, lo, hi, sizeof lo);
	return r->src->tally(r->src->ctx, &range, r->days ? SRK_HOUR : store_key(r->by),
			     r->repeat_days, fold_tally, r, e);
}

static int64_t period_days(const struct report_query *q)
{
	return date_to_days(q->to) - date_to_days(q->from) + 1;
}

static struct date add_days(struct date d, int64_t n)
{
	return date_from_days(date_to_days(d) + n);
}

static int month_days(int year, int month)
{
	for (int d = 31; d > 28; d--)
		if (date_valid((struct date){ year, month, d }))
			return d;
	return 28;
}

static struct date month_back(struct date d)
{
	struct date m = { d.month == 1 ? d.year - 1 : d.year, d.month == 1 ? 12 : d.month - 1, 1 };
	int last = month_days(m.year, m.month);

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
	const struct report_query *q = r->q;
	int64_t len = period_days(q);
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

		bucket_label(r->by, a, label, sizeof label);
		for (;;) {
			struct date n = add_days(b, 1);

			if (date_cmp(n, q->to) > 0)
				break;
			bucket_label(r->by, n, next, sizeof next);
			if (strcmp(next, label) != 0)
				break;
			b = n;
		}
		g = group_find(r, label);
		days_sum(r, a, b, &g->now);
		if (with_prev) {
			if (r->by == REPORT_BY_DAY)
				days_sum(r, add_days(a, -1), add_days(b, -1), &g->prev);
			else if (r->by == REPORT_BY_WEEK)
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

	if (by_is_time(r->by)) {
		rc = gather_time(r, with_prev, total_prev, e);
	} else {
		rc = tally(r, r->q->from, r->q->to, e);
		if (!rc && with_prev) {
			int64_t len = period_days(r->q);

			r->prev = true;
			rc = tally(r, add_days(r->q->from, -len), add_days(r->q->from, -1), e);
			r->prev = false;
		}
	}
	if (rc)
		return rc;
	if (!by_is_time(r->by) && r->ng)
		qsort(r->g, r->ng, sizeof *r->g, group_cmp_label);
	for (size_t i = 0; i < r->ng; i++) {
		measures_sum(total, &r->g[i].now);
		if (!by_is_time(r->by) && with_prev)
			measures_sum(total_prev, &r->g[i].prev);
	}
	if (r->by == REPORT_BY_NONE) { /* the total alone */
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
		{ by_column(r->by), RV_TEXT },	{ "contacts", RV_COUNT },
		{ "referred", RV_COUNT },	{ "referred_pct", RV_PERCENT },
		{ "previous", RV_COUNT },	{ "change", RV_CHANGE },
		{ "change_pct", RV_PERCENT },
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
		{ by_column(r->by), RV_TEXT },	{ "contacts", RV_COUNT },
		{ "resolved", RV_COUNT },	{ "fcr_pct", RV_PERCENT },
		{ "target_pct", RV_PERCENT },	{ "met", RV_TEXT },
		{ "resolved_audited", RV_COUNT }, { "fcr_audited_pct", RV_PERCENT },
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

	if (r->by == REPORT_BY_CHANNEL) {
		const struct col_spec cols[] = {
			{ "channel", RV_TEXT },		 { "contacts", RV_COUNT },
			{ "share_pct", RV_PERCENT },	 { "digital", RV_TEXT },
			{ "digital_done", RV_COUNT },	 { "digital_takeup_pct", RV_PERCENT },
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
			{ by_column(r->by), RV_TEXT },	  { "contacts", RV_COUNT },
			{ "digital_done", RV_COUNT },	  { "digital_takeup_pct", RV_PERCENT },
		};
		t = table_new(cols, sizeof cols / sizeof cols[0]);
	}
	for (size_t k = 0; k < r->nch; k++) {
		char name[64];

		if (!channel_used(total, k))
			continue;
		snprintf(name, sizeof name, "%s_pct", r->ch[k].code);
		table_add_column(t, name, RV_PERCENT);
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

	if (r->by == REPORT_BY_REASON) {
		const struct col_spec cols[] = {
			{ "reason", RV_TEXT },
			{ "failure", RV_COUNT },
			{ "share_of_failure_pct", RV_PERCENT },
			{ "share_of_contacts_pct", RV_PERCENT },
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
			{ by_column(r->by), RV_TEXT },	      { "contacts", RV_COUNT },
			{ "failure", RV_COUNT },	      { "failure_pct", RV_PERCENT },
			{ "share_of_failure_pct", RV_PERCENT },
		};
		t = table_new(cols, sizeof cols / sizeof cols[0]);
	}
	/* The services (teams, sites...) generating most failure demand first;
	 * time groupings stay in time order. */
	if (!by_is_time(r->by) && r->ng)
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
		{ by_column(r->by), RV_TEXT },
		{ "signposted", RV_COUNT },
		{ "signposted_target", RV_COUNT },
		{ "signposted_pct_of_target", RV_PERCENT },
		{ "assisted_digital", RV_COUNT },
		{ "assisted_digital_target", RV_COUNT },
		{ "assisted_digital_pct_of_target", RV_PERCENT },
	};
	struct report_table *t = table_new(cols, sizeof cols / sizeof cols[0]);
	int64_t days = period_days(r->q);
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
	struct store_report_share shares[STORE_MIX_MAX];
	char *mix = NULL;
	size_t n;
	enum status rc;

	mix = r->src->setting(r->src->ctx, "cost_target_mix");
	rc = store_report_mix_parse(mix, shares, &n, e);
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

	if (r->by == REPORT_BY_CHANNEL) {
		const struct col_spec cols[] = {
			{ "channel", RV_TEXT },		{ "contacts", RV_COUNT },
			{ "unit_cost", RV_PENCE },	{ "cost", RV_PENCE },
			{ "target_share_pct", RV_PERCENT }, { "target_contacts", RV_COUNT },
			{ "target_cost", RV_PENCE },
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
			{ by_column(r->by), RV_TEXT },	  { "contacts", RV_COUNT },
			{ "cost", RV_PENCE },		  { "cost_at_target", RV_PENCE },
			{ "difference", RV_PENCE },
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
static long paused_from_events(struct case_ctx *cc, const struct store_report_case *k,
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

static int fold_case(void *ctx, const struct store_report_case *k)
{
	struct case_ctx *cc = ctx;
	const char *label = cc->r->by == REPORT_BY_SERVICE ? k->service : k->team;
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
		{ by_column(r->by), RV_TEXT },	   { "cases", RV_COUNT },
		{ "open", RV_COUNT },		   { "overdue", RV_COUNT },
		{ "closed", RV_COUNT },		   { "closed_within_standard", RV_COUNT },
		{ "within_standard_pct", RV_PERCENT }, { "avg_working_days", RV_AVERAGE },
	};
	struct case_ctx cc = { .r = r, .today = date_today_london() };
	struct date *hol = NULL;
	struct case_group total = { 0 };
	char lo[32], hi[32];
	struct store_report_range range = { lo, hi, r->site, r->advisor };
	struct report_table *t;
	enum status rc;

	rc = r->src->holidays(r->src->ctx, &hol, &cc.nhol, e);
	if (rc)
		return rc;
	cc.hol = hol;
	workday_holidays(&cc);
	report_period_bounds(r->q->from, r->q->to, lo, hi, sizeof lo);
	rc = r->src->cases(r->src->ctx, &range, fold_case, &cc, e);
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

/* ---- checks and dispatch ------------------------------------------------ */

/* The grouping a report uses when none is asked for. */
static enum report_by natural_by(enum report_kind k)
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

/* True when who names the viewer: their advisor code ("advisor:jsmith") or
 * the login in it ("jsmith"). */
static bool viewer_is(const struct report_viewer *v, const char *who)
{
	const char *colon = strchr(v->advisor, ':');

	return strcmp(who, v->advisor) == 0 || (colon && strcmp(who, colon + 1) == 0);
}

/* Refuses an advisor another advisor's figures or contacts, with an audit
 * row ("access.denied", detail "report-all") written before the refusal. */
static enum status deny_others(struct store *s, const struct report_viewer *v, const char *who,
			       const char *what, struct err *e)
{
	enum status rc = s ? store_audit(s, "access.denied", "report", NULL, "report-all", e)
			   : STATUS_OK;

	if (rc)
		return rc;
	return err_set(e, STATUS_DENIED,
		       "not allowed: %s is an advisor and sees only their own %s, not those of '%s'; "
		       "only a supervisor or an administrator can see other advisors' %s",
		       v->advisor, what, who, what);
}

void report_viewer_from_store(struct store *s, struct report_viewer *v)
{
	v->advisor = store_actor(s);
	v->supervisor = store_allowed(s, STORE_PERM_REPORT_ALL);
}

/* s (may be NULL) takes the audit row of a refusal. */
static enum status check_query(const struct report_source *src, struct store *s,
			       const struct report_viewer *v, const struct report_query *q,
			       struct rctx *r, struct err *e)
{
	int64_t len;

	if (!q || (unsigned)q->kind >= REPORT_KIND_COUNT)
		return err_set(e, STATUS_USAGE, "no such report");
	if (!v || (!v->supervisor && (!v->advisor || !*v->advisor)))
		return err_set(e, STATUS_DENIED,
			       "reports need a signed-in advisor or supervisor");
	if (!date_valid(q->from) || !date_valid(q->to))
		return err_set(e, STATUS_USAGE, "a report needs a period: --from DATE --to DATE");
	len = period_days(q);
	if (len < 1)
		return err_set(e, STATUS_INVALID,
			       "the period ends before it starts; give --from on or before --to");
	if (len > REPORT_MAX_DAYS)
		return err_set(e, STATUS_INVALID,
			       "the period is %lld days; a report covers at most %d days (about ten years)",
			       (long long)len, REPORT_MAX_DAYS);
	r->src = src;
	r->q = q;
	r->by = q->by == REPORT_BY_NONE ? natural_by(q->kind) : q->by;
	if ((unsigned)r->by >= REPORT_BY_COUNT)
		return err_set(e, STATUS_USAGE, "no such grouping");
	if (r->by == REPORT_BY_REASON && q->kind != REPORT_FAILURE)
		return err_set(e, STATUS_USAGE,
			       "only the failure report groups by reason; use service, team, site, advisor, channel, day, week or month");
	if (q->kind == REPORT_CASES && r->by != REPORT_BY_TEAM && r->by != REPORT_BY_SERVICE)
		return err_set(e, STATUS_USAGE, "the cases report groups by team or service, not %s",
			       report_by_name(r->by));
	r->site = q->site && *q->site ? q->site : NULL;
	r->advisor = q->advisor && *q->advisor ? q->advisor : NULL;
	if (!v->supervisor) {
		if (r->advisor && !viewer_is(v, r->advisor))
			return deny_others(s, v, r->advisor, "figures", e);
		r->advisor = v->advisor;
	}
	if (r->site)
		return src->site_check(src->ctx, r->site, e);
	return STATUS_OK;
}

static void set_title(struct report_table *t, const struct rctx *r)
{
	char a[16], b[16];

	date_format(r->q->from, a, sizeof a);
	date_format(r->q->to, b, sizeof b);
	free(t->title);
	t->title = xasprintf("%s %s..%s%s%s%s%s%s%s", report_kind_name(r->q->kind), a, b,
			     r->by == REPORT_BY_NONE ? "" : " by ",
			     r->by == REPORT_BY_NONE ? "" : report_by_name(r->by),
			     r->site ? ", site " : "", r->site ? r->site : "",
			     r->advisor ? ", advisor " : "", r->advisor ? r->advisor : "");
}

static enum status run(const struct report_source *src, struct store *s,
		       const struct report_viewer *v, const struct report_query *q,
		       struct report_table **out, struct err *e)
{
	struct rctx r = { 0 };
	struct measures total = { 0 }, total_prev = { 0 };
	struct report_table *t = NULL;
	enum status rc;

	*out = NULL;
	rc = check_query(src, s, v, q, &r, e);
	if (rc)
		return rc;
	rc = src->channels(src->ctx, add_channel, &r, e);
	if (!rc && r.by == REPORT_BY_TEAM)
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

/* ---- the store as a source ----------------------------------------------- */

static enum status store_tally(void *ctx, const struct store_report_range *r,
			       enum store_report_key key, int repeat_days,
			       int (*fn)(void *, const struct store_report_tally *), void *fctx,
			       struct err *e)
{
	return store_report_tally(ctx, r, key, repeat_days, fn, fctx, e);
}

static enum status store_channels(void *ctx,
				  int (*fn)(void *, const struct store_report_channel *),
				  void *fctx, struct err *e)
{
	return store_report_channels(ctx, fn, fctx, e);
}

static enum status store_service_teams(void *ctx, int (*fn)(void *, const char *, const char *),
				       void *fctx, struct err *e)
{
	return store_report_service_teams(ctx, fn, fctx, e);
}

static enum status store_cases(void *ctx, const struct store_report_range *r,
			       int (*fn)(void *, const struct store_report_case *), void *fctx,
			       struct err *e)
{
	return store_report_cases(ctx, r, fn, fctx, e);
}

static enum status store_holiday_list(void *ctx, struct date **out, size_t *n, struct err *e)
{
	return store_holidays(ctx, out, n, e);
}

static char *store_setting(void *ctx, const char *key)
{
	char *v = NULL;

	if (store_setting_get(ctx, key, &v, NULL) != STATUS_OK) {
		free(v);
		return NULL;
	}
	return v;
}

static enum status store_site_check(void *ctx, const char *site, struct err *e)
{
	if (store_ref_exists(ctx, REF_SITE, site))
		return STATUS_OK;
	return store_ref_check(ctx, REF_SITE, site, e);
}

static void store_source(struct store *s, struct report_source *src)
{
	*src = (struct report_source){
		.ctx = s,
		.tally = store_tally,
		.channels = store_channels,
		.service_teams = store_service_teams,
		.cases = store_cases,
		.holidays = store_holiday_list,
		.setting = store_setting,
		.site_check = store_site_check,
	};
}

enum status report_run(struct store *s, const struct report_viewer *v,
		       const struct report_query *q, struct report_table **out, struct err *e)
{
	struct report_source src;

	store_source(s, &src);
	return run(&src, s, v, q, out, e);
}

enum status report_run_source(const struct report_source *src, const struct report_viewer *v,
			      const struct report_query *q, struct report_table **out,
			      struct err *e)
{
	return run(src, NULL, v, q, out, e);
}

/* ---- drill-down --------------------------------------------------------- */

struct drill_rows {
	struct store_report_contact *row;
	size_t n;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int keep_contact(void *ctx, const struct store_report_contact *c)
{
	struct drill_rows *d = ctx;
	struct store_report_contact *k;

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
		struct store_report_contact *k = &d->row[i];

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
		*b = (struct date){ a->year, a->month, month_days(a->year, a->month) };
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
static enum status drill(struct store *s, const struct report_viewer *v,
			 const struct report_query *q, const char *key, bool every_contact,
			 long limit, int (*fn)(void *ctx, const struct store_report_contact *c),
			 void *ctx, struct err *e)
{
	struct rctx r = { 0 };
	struct report_source src;
	struct store_report_drill d = { 0 };
	struct drill_rows rows = { 0 };
	struct date from, to;
	char lo[32], hi[32], a[16], b[16], *detail = NULL;
	bool whole = !key || !*key || strcmp(key, "total") == 0;
	bool none = false;
	enum status rc;

	store_source(s, &src);
	rc = check_query(&src, s, v, q, &r, e);
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
	d.range.site = r.site;
	d.range.advisor = r.advisor;
	if (!whole) {
		switch (r.by) {
		case REPORT_BY_SERVICE:
			d.service = key;
			break;
		case REPORT_BY_TEAM:
			d.team = key;
			break;
		case REPORT_BY_SITE:
			none = r.site && strcmp(r.site, key) != 0;
			d.range.site = key;
			break;
		case REPORT_BY_ADVISOR:
			if (!v->supervisor && !viewer_is(v, key)) {
				rc = deny_others(s, v, key, "contacts", e);
				rctx_release(&r);
				return rc;
			}
			if (!v->supervisor)
				key = v->advisor;
			none = r.advisor && strcmp(r.advisor, key) != 0;
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

			if (!bucket_days(r.by, key, &ka, &kb))
				return err_set(e, STATUS_USAGE,
					       "'%s' is not a %s; use the first column of the report",
					       key, report_by_name(r.by));
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
	if (none) {
		rctx_release(&r);
		return STATUS_OK;
	}
	report_period_bounds(from, to, lo, hi, sizeof lo);
	d.range.from_utc = lo;
	d.range.to_utc = hi;
	d.limit = limit > 0 ? limit : 100;
	rc = store_report_contacts(s, &d, keep_contact, &rows, e);
	if (rc)
		goto out;
	/* Audit before anyone sees a name: the summary, then each customer. */
	date_format(q->from, a, sizeof a);
	date_format(q->to, b, sizeof b);
	detail = xasprintf("%s %s..%s by %s key %s%s: contacts %zu", report_kind_name(q->kind), a,
			   b, report_by_name(r.by), whole ? "total" : key,
			   every_contact ? " count contacts" : "", rows.n);
	rc = store_tx_begin(s, e);
	if (rc)
		goto out;
	rc = store_audit(s, "report.drill", "report", NULL, detail, e);
	for (size_t i = 0; !rc && i < rows.n; i++)
		if (rows.row[i].customer_name)
			rc = store_audit(s, "report.drill", "customer", rows.row[i].customer_id,
					 report_kind_name(q->kind), e);
	if (rc) {
		store_tx_end(s, false, NULL);
		goto out;
	}
	rc = store_tx_end(s, true, e);
	for (size_t i = 0; !rc && i < rows.n; i++)
		if (fn(ctx, &rows.row[i]))
			break;
out:
	free(detail);
	drill_rows_release(&rows);
	rctx_release(&r);
	return rc;
}

enum status report_drill(struct store *s, const struct report_viewer *v,
			 const struct report_query *q, const char *key, long limit,
			 int (*fn)(void *ctx, const struct store_report_contact *c), void *ctx,
			 struct err *e)
{
	return drill(s, v, q, key, false, limit, fn, ctx, e);
}

enum status report_drill_column(struct store *s, const struct report_viewer *v,
				const struct report_query *q, const char *key,
				const char *column, long limit,
				int (*fn)(void *ctx, const struct store_report_contact *c),
				void *ctx, struct err *e)
{
	const char *count = q ? report_drill_count(q->kind) : NULL;

	if (!column || (count && strcmp(column, count) == 0))
		return drill(s, v, q, key, false, limit, fn, ctx, e);
	if (count && strcmp(column, "contacts") == 0)
		return drill(s, v, q, key, true, limit, fn, ctx, e);
	if (!count)
		return drill(s, v, q, key, false, limit, fn, ctx, e); /* says there is none */
	return err_set(e, STATUS_USAGE,
		       "'%s' is not a count of contacts; drill into contacts or %s", column,
		       count);
}
