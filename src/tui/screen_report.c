/*
 * Reports: the supervisor reports on the console. Choose the
 * report, the period and the grouping; the table sorts by any column; the
 * focused column shows as horizontal bars or as a weekly trend over twelve
 * weeks; the table (as sorted) saves to a CSV file, audited.
 *
 * Supervisors and administrators see every advisor; an advisor opens the
 * same screen and sees only their own figures (src/report enforces it from
 * the store's signed-in actor, not this screen). The figures are this
 * desk's database ("this desk").
 *
 * Besides the preset periods, d takes typed From and To dates (25/12/2026 or
 * 2026-12-25). Enter on a row lists the contacts behind its count, the only
 * place names show: report_drill_column reads and audits them exactly as
 * `frontdesk report --drill` does. The server's all-hubs figures have no
 * drill-down (frontdeskd offers none), and the screen says so.
 *
 * Bars and the trend are drawn with block characters when the terminal's
 * locale is UTF-8 and with '#' otherwise; every bar has its value written
 * beside it, so nothing is told by colour or by shape alone.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/report.h"
#include "frontdesk/sync.h"
#include "tui_int.h"

enum report_view { VIEW_TABLE, VIEW_BARS, VIEW_TREND };

enum period_preset {
	PERIOD_THIS_WEEK,
	PERIOD_LAST_WEEK,
	PERIOD_LAST_4_WEEKS,
	PERIOD_THIS_MONTH,
	PERIOD_LAST_MONTH,
	PERIOD_LAST_12_WEEKS,
	PERIOD_THIS_YEAR,
	PERIOD_COUNT
};
static const char *const period_names[PERIOD_COUNT] = {
	"this week",  "last week",     "last 4 weeks", "this month",
	"last month", "last 12 weeks", "this year",
};

#define TREND_WEEKS 12
/* At most this many contacts listed behind a count (each named one is an
 * audit row); the screen says when the count is larger. */
#define DRILL_LIMIT 1000

/* One contact behind a count, as listed (strings owned). */
struct drill_row {
	char when[24];
	char *channel, *service, *outcome, *advisor, *customer;
};

/* The contacts behind one count of the table. */
struct drill_view {
	char what[256];	 /* "referred contacts: service council-tax-moving, ..." */
	char count[192]; /* how many, against the table's figure */
	struct drill_row *rows;
	size_t n;
	struct tui_list list;
	size_t widths[6]; /* of the list's columns, for this frame */
};

/* The report's rows as listed: the list widget, the order the rows show in
 * and the sort that made it. */
struct table_list {
	struct tui_list list;
	size_t *order; /* rows as shown; the total stays last */
	int sort_col;  /* -1: as the report lists them */
	bool sort_desc;
};

struct report_screen {
	enum report_kind kind;
	enum report_by by;
	enum period_preset period;
	int shift; /* periods back (negative) or on from the preset */
	struct date from, to;
	struct report_table *table;
	struct table_list rows;
	int focus; /* the focused column */
	enum report_view view;
	struct report_table *trend; /* by week, for VIEW_TREND */
	char problem[ERR_MSG_MAX];  /* why there is no table */
	bool utf8;
	bool supervisor;
	/* saving to CSV */
	bool exporting;
	struct tui_field path;
	size_t path_first;
	/* all hubs: the figures from frontdeskd, with the password the person
	 * typed for it (kept while the screen is open, wiped on close) */
	bool org_wide;
	bool asking_password;
	struct tui_field password;
	size_t password_first;
	/* typed dates: while custom, they replace the preset period */
	bool custom;
	struct date custom_from, custom_to;
	bool typing_dates;
	int date_focus; /* 0: From, 1: To */
	struct tui_field date_text[2];
	size_t date_first[2];
	/* the contacts behind a count; NULL when the table shows */
	struct drill_view *drill;
};

/* Overwrites a secret. */
static void secret_wipe(char *p, size_t n)
{
	volatile char *v = p;

	while (n--)
		*v++ = '\0';
}

/* ---- the terminal's character set ------------------------------------------- */

static bool has_utf8(const char *v)
{
	for (; v && *v; v++) {
		char a = (char)(*v | 0x20);

		if (a == 'u' && (v[1] | 0x20) == 't' && (v[2] | 0x20) == 'f' &&
		    (v[3] == '8' || (v[3] == '-' && v[4] == '8')))
			return true;
	}
	return false;
}

/*
 * The codeset of the locale the person asked for (LC_ALL, else LC_CTYPE,
 * else LANG, as setlocale reads them). The program itself always runs in a
 * UTF-8 locale for text widths, so its own codeset says nothing about the
 * terminal.
 */
static bool terminal_utf8(void)
{
	const char *v = getenv("LC_ALL");

	if (!v || !*v)
		v = getenv("LC_CTYPE");
	if (!v || !*v)
		v = getenv("LANG");
	return has_utf8(v);
}

/* ---- periods and groupings ---------------------------------------------------- */

static struct date monday_of(struct date d)
{
	return date_from_days(date_to_days(d) - (date_weekday(d) - 1));
}

static struct date month_start(int year, int month)
{
	while (month < 1) {
		month += 12;
		year--;
	}
	while (month > 12) {
		month -= 12;
		year++;
	}
	return (struct date){ year, month, 1 };
}

static struct date month_end(struct date start)
{
	struct date next = month_start(start.year, start.month + 1);

	return date_from_days(date_to_days(next) - 1);
}

static void period_compute(struct report_screen *st)
{
	struct date today = date_today_london(), mon = monday_of(today);
	int64_t m = date_to_days(mon), k = st->shift;

	if (st->custom) {
		/* [ and ] move typed dates by their own length */
		int64_t len = date_to_days(st->custom_to) - date_to_days(st->custom_from) + 1;

		st->from = date_from_days(date_to_days(st->custom_from) + len * k);
		st->to = date_from_days(date_to_days(st->custom_to) + len * k);
		return;
	}
	switch (st->period) {
	case PERIOD_THIS_WEEK:
		st->from = date_from_days(m + 7 * k);
		st->to = date_from_days(m + 7 * k + 6);
		break;
	case PERIOD_LAST_WEEK:
		st->from = date_from_days(m - 7 + 7 * k);
		st->to = date_from_days(m - 1 + 7 * k);
		break;
	case PERIOD_LAST_4_WEEKS:
		st->from = date_from_days(m - 28 + 28 * k);
		st->to = date_from_days(m - 1 + 28 * k);
		break;
	case PERIOD_LAST_12_WEEKS:
		st->from = date_from_days(m - 84 + 84 * k);
		st->to = date_from_days(m - 1 + 84 * k);
		break;
	case PERIOD_THIS_MONTH:
	case PERIOD_LAST_MONTH:
		st->from = month_start(today.year,
				       today.month + (int)k - (st->period == PERIOD_LAST_MONTH));
		st->to = month_end(st->from);
		break;
	default:
		st->from = (struct date){ today.year + (int)k, 1, 1 };
		st->to = (struct date){ today.year + (int)k, 12, 31 };
		break;
	}
}

/* ---- running and sorting --------------------------------------------------- */

/* A cell as a number to sort and draw; false for n/a, blanks and text. */
static bool cell_value(const struct report_cell *c, double *out)
{
	if (c->blank || report_cell_na(c))
		return false;
	switch (c->kind) {
	case REPORT_VALUE_TEXT:
		return false;
	case REPORT_VALUE_PERCENT:
		*out = 100.0 * (double)c->n / (double)c->d;
		return true;
	case REPORT_VALUE_AVERAGE:
		*out = (double)c->n / (double)c->d;
		return true;
	default:
		*out = (double)c->n;
		return true;
	}
}

/* One row being sorted, with the sort it follows (qsort passes no context). */
struct sort_item {
	size_t row;
	const struct report_table *table;
	const struct table_list *by;
};

/* Numbers before n/a; text in byte order; ties in the report's order. */
static int row_cmp(const void *pa, const void *pb)
{
	const struct sort_item *ia = pa, *ib = pb;
	size_t a = ia->row, b = ib->row;
	const struct report_cell *ca = report_cell(ia->table, a, (size_t)ia->by->sort_col);
	const struct report_cell *cb = report_cell(ia->table, b, (size_t)ia->by->sort_col);
	double va = 0, vb = 0;
	bool ha, hb;
	int c = 0;

	if (ca->kind == REPORT_VALUE_TEXT && cb->kind == REPORT_VALUE_TEXT) {
		c = strcmp(ca->text ? ca->text : "", cb->text ? cb->text : "");
	} else {
		ha = cell_value(ca, &va);
		hb = cell_value(cb, &vb);
		if (ha != hb)
			return ha ? -1 : 1; /* n/a last either way */
		c = (va > vb) - (va < vb);
	}
	if (ia->by->sort_desc)
		c = -c;
	return c ? c : (a > b) - (a < b);
}

/* Lays t's rows out in tl's sort (t may be NULL: no rows). */
static void table_list_order(struct table_list *tl, const struct report_table *t)
{
	struct sort_item *items;
	size_t n;

	free(tl->order);
	tl->order = NULL;
	if (!t)
		return;
	tl->order = xcalloc(t->nrows ? t->nrows : 1, sizeof *tl->order);
	for (size_t i = 0; i < t->nrows; i++)
		tl->order[i] = i;
	n = t->nrows;
	if (t->total_last && n)
		n--; /* the total stays at the foot */
	if (tl->sort_col < 0 || (size_t)tl->sort_col >= t->ncolumns || n < 2)
		return;
	items = xcalloc(n, sizeof *items);
	for (size_t i = 0; i < n; i++)
		items[i] = (struct sort_item){ i, t, tl };
	qsort(items, n, sizeof *items, row_cmp);
	for (size_t i = 0; i < n; i++)
		tl->order[i] = items[i].row;
	free(items);
}

static void fetch_org_wide(struct report_screen *st, struct tui *t, enum report_by by,
			   struct date from, struct date to, struct report_table **out,
			   struct err *e)
{
	struct report_query q = { st->kind, from, to, by, NULL, NULL };
	struct sync_report_request rq = { &q, NULL };
	json_t *j = NULL;

	/* the first report over all hubs signs the person in at the server;
	 * the ones after use that session (no password asked or checked) */
	if (!t->org_person.token[0]) {
		sync_person_forget(&t->org_person);
		snprintf(t->org_person.login, sizeof t->org_person.login, "%s", t->who.login);
		snprintf(t->org_person.password, sizeof t->org_person.password, "%.*s",
			 (int)sizeof t->org_person.password - 1, st->password.text);
	}
	secret_wipe(st->password.text, sizeof st->password.text);
	rq.person = &t->org_person;
	if (sync_report_fetch(t->store, store_path(t->store), &rq, &j, e) == STATUS_OK &&
	    report_table_from_json(j, out, e) == STATUS_OK) {
		char *title = xasprintf("%s (all hubs)", (*out)->title ? (*out)->title : "");

		free((*out)->title);
		(*out)->title = title;
	}
	json_decref(j);
}

static void run_query(struct report_screen *st, struct tui *t, enum report_by by,
		      struct date from, struct date to, struct report_table **out, struct err *e)
{
	struct store *s = t->store;
	struct report_viewer v;
	struct report_source src;
	struct report_query q = { 0 };

	if (st->org_wide) {
		*out = NULL;
		fetch_org_wide(st, t, by, from, to, out, e);
		return;
	}
	store_report_viewer(s, &v);
	store_report_source(s, &src);
	q.kind = st->kind;
	q.from = from;
	q.to = to;
	q.by = by;
	*out = NULL;
	if (report_run(&src, &v, &q, out, e) != STATUS_OK) {
		report_table_free(*out);
		*out = NULL;
	}
}

/* The focused column if it holds numbers, else the first that does. */
static int value_column(const struct report_screen *st, const struct report_table *t)
{
	if (!t)
		return -1;
	if (st->table && st->focus > 0 && (size_t)st->focus < st->table->ncolumns) {
		const char *name = st->table->columns[st->focus].name;

		for (size_t c = 1; c < t->ncolumns; c++)
			if (strcmp(t->columns[c].name, name) == 0 && t->columns[c].kind != REPORT_VALUE_TEXT)
				return (int)c;
	}
	for (size_t c = 1; c < t->ncolumns; c++)
		if (t->columns[c].kind != REPORT_VALUE_TEXT)
			return (int)c;
	return -1;
}

static void trend_load(struct screen *sc)
{
	struct report_screen *st = sc->state;
	struct date from = date_from_days(date_to_days(monday_of(st->to)) - 7 * (TREND_WEEKS - 1));
	struct err e;

	report_table_free(st->trend);
	st->trend = NULL;
	if (st->kind == REPORT_CASES) {
		tui_error(sc->t, "the cases report has no weekly trend; choose another report with r");
		return;
	}
	err_clear(&e);
	run_query(st, sc->t, REPORT_BY_WEEK, from, st->to, &st->trend, &e);
	if (!st->trend)
		tui_error_err(sc->t, &e);
}

static void report_load(struct screen *sc)
{
	struct report_screen *st = sc->state;
	struct err e;

	report_table_free(st->table);
	st->table = NULL;
	st->problem[0] = '\0';
	period_compute(st);
	err_clear(&e);
	run_query(st, sc->t, st->by, st->from, st->to, &st->table, &e);
	if (!st->table) {
		err_format(&e, st->problem, sizeof st->problem);
		tui_error_err(sc->t, &e);
	}
	if (st->table && (st->focus < 0 || (size_t)st->focus >= st->table->ncolumns))
		st->focus = st->table->ncolumns > 1 ? 1 : 0;
	if (st->table && st->rows.sort_col >= (int)st->table->ncolumns)
		st->rows.sort_col = -1;
	table_list_order(&st->rows, st->table);
	st->rows.list.count = st->table ? (int)st->table->nrows : 0;
	st->rows.list.selected = st->rows.list.top = 0;
	tui_list_fix(&st->rows.list);
	if (st->view == VIEW_TREND)
		trend_load(sc);
}

/* The contacts behind a count (filled by drill_open, under drawing). */
static void drill_free(struct drill_view *dv)
{
	if (!dv)
		return;
	for (size_t i = 0; i < dv->n; i++) {
		free(dv->rows[i].channel);
		free(dv->rows[i].service);
		free(dv->rows[i].outcome);
		free(dv->rows[i].advisor);
		free(dv->rows[i].customer);
	}
	free(dv->rows);
	free(dv);
}

/* ---- open and close -------------------------------------------------------- */

static void report_open(struct screen *sc, const void *arg)
{
	struct report_screen *st = xcalloc(1, sizeof *st);
	struct report_viewer v;

	(void)arg;
	sc->state = st;
	st->kind = REPORT_REFERRALS;
	st->by = report_first_by(st->kind);
	st->period = PERIOD_THIS_MONTH;
	st->rows.sort_col = -1;
	st->focus = 1;
	st->utf8 = terminal_utf8();
	store_report_viewer(sc->t->store, &v);
	st->supervisor = v.supervisor;
	report_load(sc);
}

static void report_close(struct screen *sc)
{
	struct report_screen *st = sc->state;

	report_table_free(st->table);
	report_table_free(st->trend);
	free(st->rows.order);
	drill_free(st->drill);
	secret_wipe(st->password.text, sizeof st->password.text);
	free(st);
}

/* ---- drawing ------------------------------------------------------------------ */

static void cell_text_for(const struct report_cell *c, char *out, size_t outsz)
{
	if (c->kind == REPORT_VALUE_TEXT && !c->blank)
		snprintf(out, outsz, "%s", c->text ? c->text : "");
	else
		report_cell_format(c, true, out, outsz);
}

static void header_name(const struct report_screen *st, size_t c, char *out, size_t outsz)
{
	const char *mark = "";

	if ((int)c == st->rows.sort_col)
		mark = st->rows.sort_desc ? " v" : " ^";
	if ((int)c == st->focus)
		snprintf(out, outsz, "[%s%s]", st->table->columns[c].name, mark);
	else
		snprintf(out, outsz, "%s%s", st->table->columns[c].name, mark);
}

static void column_widths(const struct report_screen *st, int total, size_t *out)
{
	const struct report_table *t = st->table;
	size_t *want = xcalloc(t->ncolumns, sizeof *want), *min = xcalloc(t->ncolumns, sizeof *min);
	char text[128];

	for (size_t c = 0; c < t->ncolumns; c++) {
		header_name(st, c, text, sizeof text);
		want[c] = tui_text_width(text);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w;

			cell_text_for(report_cell(t, r, c), text, sizeof text);
			w = tui_text_width(text);
			if (w > want[c])
				want[c] = w;
		}
		min[c] = want[c] < (c ? 6u : 12u) ? want[c] : (c ? 6u : 12u);
	}
	tui_column_widths(want, min, t->ncolumns, total > 0 ? (size_t)total : 1, 1, out);
	free(want);
	free(min);
}

static char *table_row(void *ctx, int index, int width)
{
	struct report_screen *st = ctx;
	const struct report_table *t = st->table;
	size_t r = st->rows.order[index], *widths = xcalloc(t->ncolumns, sizeof *widths);
	const char **cells = xcalloc(t->ncolumns, sizeof *cells);
	char (*text)[64] = xcalloc(t->ncolumns, sizeof *text);
	char *row;

	column_widths(st, width, widths);
	for (size_t c = 0; c < t->ncolumns; c++) {
		cell_text_for(report_cell(t, r, c), text[c], sizeof text[c]);
		cells[c] = text[c];
	}
	row = tui_row_format(cells, widths, t->ncolumns, 1);
	free(text);
	free(cells);
	free(widths);
	return row;
}

/* A bar of frac (0..1) of width columns: eighths in UTF-8, '#' otherwise. */
static void bar_text(struct buf *b, double frac, int width, bool utf8)
{
	static const char *const eighths[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	long units;

	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	if (!utf8) {
		units = (long)(frac * width + 0.5);
		for (long i = 0; i < units; i++)
			buf_adds(b, "#");
		return;
	}
	units = (long)(frac * width * 8 + 0.5);
	for (long i = 0; i < units / 8; i++)
		buf_adds(b, "█");
	buf_adds(b, eighths[units % 8]);
}

static double column_max(const struct report_screen *st, const struct report_table *t, int col)
{
	double max = 0, v;
	size_t n = t->nrows - (t->total_last && t->nrows ? 1 : 0);

	(void)st;
	for (size_t r = 0; r < n; r++)
		if (cell_value(report_cell(t, r, (size_t)col), &v) && (v < 0 ? -v : v) > max)
			max = v < 0 ? -v : v;
	return max;
}

static char *bar_row(void *ctx, int index, int width)
{
	struct report_screen *st = ctx;
	const struct report_table *t = st->table;
	int col = value_column(st, t);
	size_t r = st->rows.order[index], label_w = 22, value_w = 10;
	int bar_w = width - (int)label_w - (int)value_w - 2;
	const struct report_cell *c = report_cell(t, r, (size_t)col);
	char label[128], value[64];
	double v = 0, max = column_max(st, t, col);
	bool total = t->total_last && r == t->nrows - 1;
	struct buf b;

	cell_text_for(report_cell(t, r, 0), label, sizeof label);
	cell_text_for(c, value, sizeof value);
	buf_init(&b, 0); /* one row, as wide as the screen: no cap of its own */
	tui_text_pad(&b, label, label_w);
	buf_adds(&b, " ");
	tui_text_pad(&b, value, value_w);
	buf_adds(&b, " ");
	/* The total is a sum, not a bar beside its parts. */
	if (!total && bar_w > 0 && cell_value(c, &v) && max > 0) {
		if (v < 0)
			buf_adds(&b, "-");
		bar_text(&b, (v < 0 ? -v : v) / max, bar_w - (v < 0), st->utf8);
	}
	return buf_detach(&b);
}

static void draw_table(struct report_screen *st, struct tui *t, int y, int height)
{
	size_t *widths = xcalloc(st->table->ncolumns, sizeof *widths);
	const char **cells = xcalloc(st->table->ncolumns, sizeof *cells);
	char (*text)[128] = xcalloc(st->table->ncolumns, sizeof *text);
	char *head;
	int x = 2;

	column_widths(st, COLS - 2, widths);
	for (size_t c = 0; c < st->table->ncolumns; c++) {
		header_name(st, c, text[c], sizeof text[c]);
		cells[c] = text[c];
	}
	head = tui_row_format(cells, widths, st->table->ncolumns, 1);
	draw_text(t, y, 2, COLS - 2, head, PAINT_HEADER);
	free(head);
	draw_list(t, &st->rows.list, y + 1, 0, COLS, height - 1, table_row, st, true,
		  "  No rows for this period.");
	/* The cursor sits on the focused column's heading. */
	for (int c = 0; c < st->focus; c++)
		x += (int)widths[c] + 1;
	tui_cursor(t, y, x < COLS ? x : COLS - 1);
	free(text);
	free(cells);
	free(widths);
}

static void draw_bars(struct report_screen *st, struct tui *t, int y, int height)
{
	int col = value_column(st, st->table);

	if (col < 0) {
		draw_text(t, y, 2, COLS - 4, "This report has no numbers to draw.", PAINT_DIM);
		tui_cursor(t, y, 2);
		return;
	}
	draw_textf(t, y, 2, COLS - 2, PAINT_HEADER, "%-22s %-10s bars: %s%s",
		   st->table->columns[0].name, st->table->columns[col].name,
		   st->table->columns[col].name,
		   st->utf8 ? "" : " (# bars: no UTF-8 here)");
	draw_list(t, &st->rows.list, y + 1, 0, COLS, height - 1, bar_row, st, true,
		  "  No rows for this period.");
	if (!st->rows.list.count)
		tui_cursor(t, y + 1, 2);
}

/* A short value for a trend column: "12", "1.2k", "62%". */
static void short_value(const struct report_cell *c, char *out, size_t outsz)
{
	double v;

	if (!cell_value(c, &v)) {
		snprintf(out, outsz, "n/a");
		return;
	}
	if (c->kind == REPORT_VALUE_PERCENT)
		snprintf(out, outsz, "%.0f%%", v);
	else if (c->kind == REPORT_VALUE_PENCE)
		snprintf(out, outsz, "%.0f", v / 100);
	else if (v >= 10000 || v <= -10000)
		snprintf(out, outsz, "%.0fk", v / 1000);
	else
		snprintf(out, outsz, "%.0f", v);
}

static void draw_trend(struct report_screen *st, struct tui *t, int y, int height)
{
	static const char *const blocks[] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	const struct report_table *w = st->trend;
	int col = value_column(st, w), chart_h = height - 4, x0 = 8, cw = 6;
	size_t n = w ? w->nrows - (w->total_last && w->nrows ? 1 : 0) : 0;
	double max;
	char text[64];

	if (!w || col < 0) {
		draw_text(t, y, 2, COLS - 4, "No weekly trend for this report.", PAINT_DIM);
		tui_cursor(t, y, 2);
		return;
	}
	if (n > TREND_WEEKS)
		n = TREND_WEEKS;
	max = column_max(st, w, col);
	draw_textf(t, y, 2, COLS - 2, PAINT_HEADER, "%s by week, %zu weeks to %04d-%02d-%02d%s",
		   w->columns[col].name, n, st->to.year, st->to.month, st->to.day,
		   st->utf8 ? "" : " (# bars: no UTF-8 here)");
	if (w->columns[col].kind == REPORT_VALUE_PERCENT)
		snprintf(text, sizeof text, "%.0f%%", max);
	else if (w->columns[col].kind == REPORT_VALUE_PENCE)
		snprintf(text, sizeof text, "%.0f", max / 100);
	else
		snprintf(text, sizeof text, "%.0f", max);
	draw_text(t, y + 1, 0, x0 - 1, text, PAINT_DIM);
	draw_text(t, y + chart_h, 0, x0 - 1, "0", PAINT_DIM);
	for (size_t i = 0; i < n; i++) {
		const struct report_cell *c = report_cell(w, i, (size_t)col);
		int x = x0 + (int)i * cw;
		double v = 0;
		long eighths = 0;

		if (cell_value(c, &v) && max > 0 && v > 0)
			eighths = (long)(v / max * chart_h * 8 + 0.5);
		for (int row = 0; row < chart_h; row++) {
			long fill = eighths - (long)row * 8; /* eighths in this row */
			const char *mark;
			char cell[32];

			if (fill <= 0)
				continue;
			if (st->utf8)
				mark = blocks[fill >= 8 ? 8 : fill];
			else
				mark = fill >= 4 ? "#" : " ";
			snprintf(cell, sizeof cell, "%s%s%s%s", mark, mark, mark, mark);
			draw_text(t, y + chart_h - row, x, 4, cell, PAINT_PLAIN);
		}
		short_value(c, text, sizeof text);
		draw_text(t, y + chart_h + 1, x, cw - 1, text, PAINT_PLAIN);
		cell_text_for(report_cell(w, i, 0), text, sizeof text);
		/* "2026-W47" reads W47 */
		draw_text(t, y + chart_h + 2, x, cw - 1, strlen(text) > 5 ? text + 5 : text,
			  PAINT_DIM);
	}
	tui_cursor(t, y, 2);
}

/* ---- drill-down: the contacts behind a count ------------------------------- */

/* Keeps one contact (report_drill_column lends the row for the call). */
static int drill_keep(void *ctx, const struct report_contact *c)
{
	struct drill_view *dv = ctx;
	struct drill_row *r;
	int64_t ms;

	dv->rows = xrealloc(dv->rows, (dv->n + 1) * sizeof *dv->rows);
	r = &dv->rows[dv->n++];
	memset(r, 0, sizeof *r);
	if (time_parse_utc(c->created_at, &ms) == STATUS_OK)
		time_format_london(ms, r->when, sizeof r->when);
	else
		snprintf(r->when, sizeof r->when, "%.16s", c->created_at);
	r->channel = xstrdup(c->channel);
	r->service = xstrdup(c->service);
	r->outcome = xstrdup(c->outcome);
	/* the heading says advisor: "jsmith" (a supervisor's stays "supervisor:...") */
	r->advisor = xstrdup(strncmp(c->advisor, "advisor:", 8) == 0 ? c->advisor + 8 : c->advisor);
	/* never blank: anonymous, or a customer since erased */
	r->customer = xstrdup(c->customer_name ? c->customer_name
			      : c->customer_id ? "(erased)"
					       : "(anonymous)");
	return 0;
}

/* The column whose count Enter lists: the focused one when it is a count
 * of contacts, else the report's own count. */
static const char *drill_column(const struct report_screen *st)
{
	const char *count = report_drill_count(st->kind), *name;

	if (!count || st->focus <= 0 || (size_t)st->focus >= st->table->ncolumns)
		return count;
	name = st->table->columns[st->focus].name;
	return strcmp(name, "contacts") == 0 ? name : count;
}

/* The table's figure for column on row r, or -1 when it has none. */
static long long table_figure(const struct report_table *t, size_t r, const char *column)
{
	for (size_t c = 0; column && c < t->ncolumns; c++)
		if (strcmp(t->columns[c].name, column) == 0 && t->columns[c].kind == REPORT_VALUE_COUNT) {
			const struct report_cell *cell = report_cell(t, r, c);

			return cell->blank ? -1 : cell->n;
		}
	return -1;
}

/* Enter: the contacts behind the selected row's count. */
static void drill_open(struct screen *sc)
{
	struct report_screen *st = sc->state;
	struct report_query q = { 0 };
	struct report_viewer v;
	struct report_source src;
	struct drill_view *dv;
	const char *column, *key;
	char a[16], b[16], label[128];
	long long figure;
	size_t r;
	struct err e;

	if (!st->table) {
		tui_error(sc->t, "there is no table to drill into; choose a report that runs first");
		return;
	}
	if (st->org_wide) {
		tui_error(sc->t, "all hubs' figures have no drill-down: the server does not list the "
				 "contacts behind them; press o for this desk's figures to drill in");
		return;
	}
	if (st->view == VIEW_TREND) {
		tui_error(sc->t, "choose a row in the table (t) or the bars (b), then press Enter");
		return;
	}
	if (!st->rows.list.count) {
		tui_error(sc->t, "no rows in this period, so no contacts to list");
		return;
	}
	r = st->rows.order[st->rows.list.selected];
	cell_text_for(report_cell(st->table, r, 0), label, sizeof label);
	key = st->table->total_last && r == st->table->nrows - 1 ? "total" : label;
	column = drill_column(st);
	q.kind = st->kind;
	q.from = st->from;
	q.to = st->to;
	q.by = st->by;
	store_report_viewer(sc->t->store, &v);
	store_report_source(sc->t->store, &src);
	dv = xcalloc(1, sizeof *dv);
	err_clear(&e);
	if (report_drill_column(&src, &v, &q, key, column, DRILL_LIMIT, drill_keep, dv, &e) !=
	    STATUS_OK) {
		drill_free(dv);
		tui_error_err(sc->t, &e);
		return;
	}
	date_format(st->from, a, sizeof a);
	date_format(st->to, b, sizeof b);
	if (strcmp(key, "total") == 0)
		snprintf(dv->what, sizeof dv->what, "Contacts behind %s: every row (total), %s..%s",
			 column, a, b);
	else
		snprintf(dv->what, sizeof dv->what, "Contacts behind %s: %s %s, %s..%s", column,
			 st->table->columns[0].name, key, a, b);
	figure = table_figure(st->table, r, column);
	if (figure >= 0 && (long long)dv->n == figure)
		snprintf(dv->count, sizeof dv->count, "%zu contact%s, as the table counts.", dv->n,
			 dv->n == 1 ? "" : "s");
	else if (figure > (long long)dv->n && dv->n == DRILL_LIMIT)
		snprintf(dv->count, sizeof dv->count,
			 "The first %zu of the %lld contacts the table counts (oldest first).",
			 dv->n, figure);
	else if (figure >= 0)
		snprintf(dv->count, sizeof dv->count,
			 "%zu contact%s listed; the table counts %lld for this row.", dv->n,
			 dv->n == 1 ? "" : "s", figure);
	else
		snprintf(dv->count, sizeof dv->count, "%zu contact%s.", dv->n,
			 dv->n == 1 ? "" : "s");
	dv->list.count = (int)dv->n;
	st->drill = dv;
	tui_say(sc->t, "Names show only here, and this look is in the audit trail. Esc: back.");
}

static char *drill_row_text(void *ctx, int index, int width)
{
	struct drill_view *dv = ctx;
	const struct drill_row *r = &dv->rows[index];
	const char *cells[] = { r->when,    r->channel, r->service,
				r->outcome, r->advisor, r->customer };

	(void)width;
	return tui_row_format(cells, dv->widths, 6, 1);
}

static void drill_draw(struct report_screen *st, struct tui *t)
{
	static const char *const head[] = { "when", "channel", "service",
					    "outcome", "advisor", "customer" };
	static const size_t least[] = { 16, 7, 8, 8, 8, 12 };
	struct drill_view *dv = st->drill;
	size_t want[6], min[6];
	char *line;

	for (int c = 0; c < 6; c++)
		want[c] = tui_text_width(head[c]);
	for (size_t i = 0; i < dv->n; i++) {
		const struct drill_row *r = &dv->rows[i];
		const char *cells[] = { r->when,    r->channel, r->service,
					r->outcome, r->advisor, r->customer };

		for (int c = 0; c < 6; c++) {
			size_t w = tui_text_width(cells[c]);

			if (w > want[c])
				want[c] = w;
		}
	}
	for (int c = 0; c < 6; c++)
		min[c] = want[c] < least[c] ? want[c] : least[c];
	tui_column_widths(want, min, 6, (size_t)(COLS - 2), 1, dv->widths);
	draw_text(t, 1, 1, COLS - 2, dv->what, PAINT_PLAIN);
	draw_text(t, 2, 1, COLS - 2, dv->count, PAINT_PLAIN);
	line = tui_row_format(head, dv->widths, 6, 1);
	draw_text(t, 4, 2, COLS - 2, line, PAINT_HEADER);
	free(line);
	draw_list(t, &dv->list, 5, 0, COLS, LINES - 5 - 4, drill_row_text, dv, true,
		  "  No contacts behind this count.");
	if (!dv->n)
		tui_cursor(t, 5, 2);
	draw_text(t, LINES - 3, 0, COLS,
		  " Up/Down PgUp/PgDn scroll  Esc back to the table  F1 keys", PAINT_DIM);
}

static enum key_result drill_key(struct screen *sc, const struct tui_key *k)
{
	struct report_screen *st = sc->state;

	if (k->kind == TUI_KEY_ESC) {
		drill_free(st->drill);
		st->drill = NULL;
		return KR_USED;
	}
	if (k->kind == TUI_KEY_ENTER)
		return KR_USED;
	return tui_list_key(&st->drill->list, k) ? KR_USED : KR_UNUSED;
}

static void report_draw(struct screen *sc)
{
	struct report_screen *st = sc->state;
	struct tui *t = sc->t;
	char a[16], b[16], period[64];
	static const char *const view_names[] = { "table", "bars", "weekly trend" };
	int y = 4, height = LINES - 4 - 4;

	const char *name = st->custom ? "your dates" : period_names[st->period];

	date_format(st->from, a, sizeof a);
	date_format(st->to, b, sizeof b);
	if (st->shift)
		snprintf(period, sizeof period, "%s %+d", name, st->shift);
	else
		snprintf(period, sizeof period, "%s", name);
	draw_title(t, 0, st->org_wide ? " Reports: all hubs (from the server)" : " Reports: this desk",
		   st->supervisor ? "all advisors " : "your own figures only ");
	if (st->drill) {
		drill_draw(st, t);
		return;
	}
	draw_textf(t, 1, 1, COLS - 2, PAINT_PLAIN, "Report (r): %-11s Period (p d [ ]): %s %s..%s",
		   report_kind_name(st->kind), period, a, b);
	draw_textf(t, 2, 1, COLS - 2, PAINT_PLAIN,
		   "By (g): %s   View (t b w): %s   Sort (s): %s%s",
		   st->by == REPORT_BY_NONE ? "total" : report_by_name(st->by),
		   view_names[st->view],
		   st->table && st->rows.sort_col >= 0 ? st->table->columns[st->rows.sort_col].name
						   : "as listed",
		   st->rows.sort_col >= 0 ? (st->rows.sort_desc ? ", largest first" : ", smallest first") : "");
	if (!st->table) {
		draw_text(t, y, 2, COLS - 4, "No figures:", PAINT_WARN);
		draw_text(t, y + 1, 2, COLS - 4, st->problem, PAINT_PLAIN);
		tui_cursor(t, y, 2);
	} else {
		draw_text(t, 3, 1, COLS - 2, st->table->title, PAINT_DIM);
		if (st->view == VIEW_TABLE)
			draw_table(st, t, y, height);
		else if (st->view == VIEW_BARS)
			draw_bars(st, t, y, height);
		else
			draw_trend(st, t, y, height);
		if (st->table->note)
			draw_textf(t, LINES - 4, 1, COLS - 2, PAINT_DIM, "(%s)", st->table->note);
	}
	if (st->asking_password) {
		static const char label[] = " Password: ";
		int w = (int)sizeof label - 1;

		draw_text(t, LINES - 4, 0, COLS,
			  " The server checks it is you: type your password. Enter asks, Esc "
			  "cancels.",
			  PAINT_DIM);
		draw_text(t, LINES - 3, 0, w, label, PAINT_PLAIN);
		draw_field(t, LINES - 3, w, 40, &st->password, &st->password_first, true);
		return;
	}
	if (st->typing_dates) {
		static const char *const labels[] = { " From: ", "   To: " };
		int x = 0;

		draw_text(t, LINES - 4, 0, COLS,
			  " Type dates like 25/12/2026 or 2026-12-25. Tab: the other date. Enter "
			  "runs, Esc cancels.",
			  PAINT_DIM);
		draw_text(t, LINES - 3, 0, COLS, "", PAINT_PLAIN);
		for (int i = 0; i < 2; i++) {
			int w = (int)strlen(labels[i]);

			draw_text(t, LINES - 3, x, w, labels[i], PAINT_PLAIN);
			x += w;
			draw_field(t, LINES - 3, x, 12, &st->date_text[i], &st->date_first[i],
				   false);
			x += 12;
		}
		/* the cursor sits in the date being typed */
		draw_field(t, LINES - 3, st->date_focus ? 7 + 12 + 7 : 7, 12,
			   &st->date_text[st->date_focus], &st->date_first[st->date_focus], true);
		return;
	}
	if (st->exporting) {
		static const char label[] = " Save as CSV: ";
		int w = (int)sizeof label - 1;

		draw_text(t, LINES - 4, 0, COLS,
			  " A new file, in the current folder unless you type a path. Enter saves, "
			  "Esc cancels.",
			  PAINT_DIM);
		draw_text(t, LINES - 3, 0, w, label, PAINT_PLAIN);
		draw_field(t, LINES - 3, w, COLS - w - 1, &st->path, &st->path_first, true);
		return;
	}
	draw_text(t, LINES - 3, 0, COLS,
		  st->org_wide
			  ? " Enter contacts  d dates  Left/Right column  s sort  e CSV  o this desk"
			    "  F1 keys"
			  : " Enter contacts  d dates  Left/Right column  s sort  e CSV  o all hubs"
			    "  F1 keys",
		  PAINT_DIM);
}

/* ---- keys --------------------------------------------------------------------- */

static void export_begin(struct report_screen *st)
{
	char a[16], b[16], name[96];

	date_format(st->from, a, sizeof a);
	date_format(st->to, b, sizeof b);
	snprintf(name, sizeof name, "report-%s-%s-%s.csv", report_kind_name(st->kind), a, b);
	tui_field_set(&st->path, name);
	st->path_first = 0;
	st->exporting = true;
}

static void export_save(struct screen *sc)
{
	struct report_screen *st = sc->state;
	struct report_source src;
	struct err e;

	err_clear(&e);
	store_report_source(sc->t->store, &src);
	if (report_export_csv(&src, st->table, st->rows.order, st->path.text, &e) != STATUS_OK) {
		tui_error_err(sc->t, &e);
		return;
	}
	st->exporting = false;
	tui_say(sc->t, "Saved %zu rows to %s (the save is in the audit trail).",
		st->table->nrows, st->path.text);
}

static enum key_result export_key(struct screen *sc, const struct tui_key *k)
{
	struct report_screen *st = sc->state;

	if (k->kind == TUI_KEY_ESC) {
		st->exporting = false;
		tui_say(sc->t, "Not saved.");
		return KR_USED;
	}
	if (k->kind == TUI_KEY_ENTER) {
		export_save(sc);
		return KR_USED;
	}
	if (k->kind == TUI_KEY_FN || (k->kind == TUI_KEY_CTRL && (k->wc == L'q' || k->wc == L'l')))
		return KR_UNUSED;
	tui_field_key(&st->path, k);
	return KR_USED;
}

static void password_key(struct screen *sc, const struct tui_key *k)
{
	struct report_screen *st = sc->state;

	if (k->kind == TUI_KEY_ESC) {
		st->asking_password = false;
		secret_wipe(st->password.text, sizeof st->password.text);
		tui_field_set(&st->password, "");
		tui_say(sc->t, "Still this desk's figures.");
		return;
	}
	if (k->kind != TUI_KEY_ENTER) {
		tui_field_key(&st->password, k);
		return;
	}
	st->asking_password = false;
	st->org_wide = true;
	report_load(sc);
	if (!st->table) {
		char problem[ERR_MSG_MAX];

		/* refused or unreachable: back to this desk, the password forgotten */
		snprintf(problem, sizeof problem, "%s", st->problem);
		st->org_wide = false;
		secret_wipe(st->password.text, sizeof st->password.text);
		tui_field_set(&st->password, "");
		report_load(sc);
		tui_error(sc->t, "%s", problem);
	} else {
		tui_say(sc->t, "Showing the figures of all hubs, from the server.");
	}
}

/* o: all hubs (asks for the password first) or back to this desk. */
static void org_wide_toggle(struct screen *sc)
{
	struct report_screen *st = sc->state;
	struct err e;

	if (st->org_wide) {
		st->org_wide = false;
		report_load(sc);
		tui_say(sc->t, "Showing this desk's figures.");
		return;
	}
	err_clear(&e);
	/* An advisor is refused here, audited, before anything is sent. */
	if (store_require(sc->t->store, STORE_PERM_REPORT_ALL, "report", NULL, &e) != STATUS_OK) {
		tui_error_err(sc->t, &e);
		return;
	}
	if (sc->t->org_person.token[0] && !strcmp(sc->t->org_person.login, sc->t->who.login)) {
		/* signed in at the server already: no password again */
		st->org_wide = true;
		report_load(sc);
		if (!st->table) {
			char problem[ERR_MSG_MAX];

			snprintf(problem, sizeof problem, "%s", st->problem);
			st->org_wide = false;
			report_load(sc);
			tui_error(sc->t, "%s", problem);
		} else {
			tui_say(sc->t, "Showing the figures of all hubs, from the server.");
		}
		return;
	}
	tui_field_set(&st->password, "");
	st->password.secret = true;
	st->password_first = 0;
	st->asking_password = true;
}

/* d: From and To, filled with the period shown, From first. */
static void dates_begin(struct report_screen *st)
{
	struct date d[2] = { st->from, st->to };
	char text[16];

	for (int i = 0; i < 2; i++) {
		snprintf(text, sizeof text, "%02d/%02d/%04d", d[i].day, d[i].month, d[i].year);
		tui_field_set(&st->date_text[i], text);
		st->date_text[i].max_chars = 10;
		st->date_first[i] = 0;
	}
	st->date_focus = 0;
	st->typing_dates = true;
}

/* The typed dates checked: a date each, To not before From, not longer
 * than a report covers. A problem goes to the message line and the cursor
 * to the date at fault; false then. */
static bool dates_check(struct screen *sc, struct date *from, struct date *to)
{
	static const char *const names[] = { "From", "To" };
	struct report_screen *st = sc->state;
	struct date d[2];
	char *text[2];
	bool ok = true;
	struct err e;

	for (int i = 0; i < 2; i++)
		text[i] = text_trim(st->date_text[i].text);
	err_clear(&e);
	for (int i = 0; ok && i < 2; i++)
		if (date_parse_uk(text[i], &d[i], names[i], &e) != STATUS_OK) {
			tui_error_err(sc->t, &e);
			st->date_focus = i;
			ok = false;
		}
	if (ok && report_period_days(d[0], d[1]) < 1) {
		tui_error(sc->t, "To %s is before From %s; make To the same day as From or later",
			  text[1], text[0]);
		st->date_focus = 1;
		ok = false;
	}
	if (ok && report_period_days(d[0], d[1]) > REPORT_MAX_DAYS) {
		tui_error(sc->t,
			  "%s to %s is %lld days; a report covers at most %d days (about ten "
			  "years), so choose a later From",
			  text[0], text[1], (long long)report_period_days(d[0], d[1]),
			  REPORT_MAX_DAYS);
		st->date_focus = 0;
		ok = false;
	}
	free(text[0]);
	free(text[1]);
	*from = d[0];
	*to = d[1];
	return ok;
}

static enum key_result dates_key(struct screen *sc, const struct tui_key *k)
{
	struct report_screen *st = sc->state;
	struct date from, to;
	char a[16], b[16];

	switch (k->kind) {
	case TUI_KEY_ESC:
		st->typing_dates = false;
		tui_say(sc->t, "Dates not changed.");
		return KR_USED;
	case TUI_KEY_TAB:
	case TUI_KEY_BTAB:
	case TUI_KEY_UP:
	case TUI_KEY_DOWN:
		st->date_focus = !st->date_focus;
		return KR_USED;
	case TUI_KEY_ENTER:
		if (!dates_check(sc, &from, &to))
			return KR_USED;
		st->typing_dates = false;
		st->custom = true;
		st->custom_from = from;
		st->custom_to = to;
		st->shift = 0;
		report_load(sc);
		date_format(from, a, sizeof a);
		date_format(to, b, sizeof b);
		if (st->table)
			tui_say(sc->t, "The report for %s..%s; p goes back to the preset periods.",
				a, b);
		return KR_USED;
	case TUI_KEY_FN:
		return KR_UNUSED;
	case TUI_KEY_CTRL:
		if (k->wc == L'q' || k->wc == L'l')
			return KR_UNUSED;
		break;
	default:
		break;
	}
	tui_field_key(&st->date_text[st->date_focus], k);
	return KR_USED;
}

static void next_by(struct report_screen *st, int dir)
{
	int b = (int)st->by;

	for (int i = 0; i < REPORT_BY_COUNT; i++) {
		b = (b + dir + REPORT_BY_COUNT) % REPORT_BY_COUNT;
		if (report_by_allowed(st->kind, (enum report_by)b))
			break;
	}
	st->by = (enum report_by)b;
}

static enum key_result report_key(struct screen *sc, const struct tui_key *k)
{
	struct report_screen *st = sc->state;
	bool reload = false;

	if (st->asking_password) {
		if (k->kind == TUI_KEY_FN || (k->kind == TUI_KEY_CTRL && (k->wc == L'q' || k->wc == L'l')))
			return KR_UNUSED;
		password_key(sc, k);
		return KR_USED;
	}
	if (st->exporting)
		return export_key(sc, k);
	if (st->typing_dates)
		return dates_key(sc, k);
	if (st->drill)
		return drill_key(sc, k);
	switch (k->kind) {
	case TUI_KEY_ESC:
		return KR_CLOSE;
	case TUI_KEY_ENTER:
		drill_open(sc);
		return KR_USED;
	case TUI_KEY_LEFT:
	case TUI_KEY_RIGHT:
		if (st->table && st->table->ncolumns) {
			int n = (int)st->table->ncolumns;

			st->focus = (st->focus + (k->kind == TUI_KEY_LEFT ? n - 1 : 1)) % n;
			if (st->view == VIEW_TREND && st->trend == NULL)
				trend_load(sc);
		}
		return KR_USED;
	case TUI_KEY_CHAR:
		break;
	default:
		return tui_list_key(&st->rows.list, k) ? KR_USED : KR_UNUSED;
	}
	switch (k->wc) {
	case L'r':
	case L'R':
		st->kind = (enum report_kind)(((int)st->kind + (k->wc == L'r' ? 1 : -1) +
					       REPORT_KIND_COUNT) % REPORT_KIND_COUNT);
		st->by = report_first_by(st->kind);
		st->rows.sort_col = -1;
		st->focus = 1;
		reload = true;
		break;
	case L'1': case L'2': case L'3': case L'4': case L'5': case L'6': case L'7':
		if ((int)(k->wc - L'1') >= REPORT_KIND_COUNT)
			return KR_UNUSED;
		st->kind = (enum report_kind)(k->wc - L'1');
		st->by = report_first_by(st->kind);
		st->rows.sort_col = -1;
		st->focus = 1;
		reload = true;
		break;
	case L'p':
	case L'P':
		/* from typed dates, p goes back to the preset they left */
		if (!st->custom)
			st->period = (enum period_preset)(((int)st->period +
							   (k->wc == L'p' ? 1 : -1) +
							   PERIOD_COUNT) %
							  PERIOD_COUNT);
		st->custom = false;
		st->shift = 0;
		reload = true;
		break;
	case L'[':
		st->shift--;
		reload = true;
		break;
	case L']':
		st->shift++;
		reload = true;
		break;
	case L'd':
	case L'D':
		dates_begin(st);
		return KR_USED;
	case L'g':
	case L'G':
		next_by(st, k->wc == L'g' ? 1 : -1);
		st->rows.sort_col = -1;
		reload = true;
		break;
	case L's':
	case L'S':
		if (!st->table)
			return KR_USED;
		if (st->rows.sort_col == st->focus)
			st->rows.sort_desc = !st->rows.sort_desc;
		else {
			st->rows.sort_col = st->focus;
			/* numbers read largest first, labels A to Z */
			st->rows.sort_desc = st->table->columns[st->focus].kind != REPORT_VALUE_TEXT;
		}
		table_list_order(&st->rows, st->table);
		st->rows.list.selected = st->rows.list.top = 0;
		return KR_USED;
	case L't':
		st->view = VIEW_TABLE;
		return KR_USED;
	case L'b':
		st->view = VIEW_BARS;
		return KR_USED;
	case L'w':
		st->view = VIEW_TREND;
		trend_load(sc);
		return KR_USED;
	case L'o':
		org_wide_toggle(sc);
		return KR_USED;
	case L'e':
		if (!st->table) {
			tui_error(sc->t, "there is no table to save; choose a report that runs first");
			return KR_USED;
		}
		export_begin(st);
		return KR_USED;
	default:
		return KR_UNUSED;
	}
	if (reload)
		report_load(sc);
	return KR_USED;
}

/* At most 8 lines, so that every key of the console fits at 80x24 too. */
static const struct key_help report_help[] = {
	{ "r R 1-7", "next / previous report, or a report by number" },
	{ "p P [ ]", "next / previous period; [ and ] the one before / after" },
	{ "d", "type From and To dates (25/12/2026 or 2026-12-25)" },
	{ "g G", "next / previous grouping (service, team, site, ...)" },
	{ "Left/Right, s", "choose a [column]; s sorts by it, again reverses" },
	{ "t b w", "table, bars, weekly trend of the chosen column" },
	{ "Up/Down, Enter", "choose a row; Enter lists the contacts behind its count" },
	{ "e, o", "save the table as CSV (audited); o all hubs or this desk" },
	{ NULL, NULL },
};

static const struct key_help drill_help[] = {
	{ "Up/Down", "move through the contacts (PgUp, PgDn, Home, End)" },
	{ "Esc", "back to the table, on the same row" },
	{ "", "names show only here; each look is in the audit trail" },
	{ NULL, NULL },
};

static const struct key_help dates_help[] = {
	{ "0-9 / -", "type a date: 25/12/2026 or 2026-12-25" },
	{ "Tab", "the other date (From, To)" },
	{ "Enter, Esc", "run the report for these dates; cancel" },
	{ NULL, NULL },
};

static const struct key_help *report_help_now(struct screen *sc)
{
	const struct report_screen *st = sc->state;

	if (st->drill)
		return drill_help;
	if (st->typing_dates)
		return dates_help;
	return report_help;
}

const struct screen_ops screen_report_ops = {
	.name = "reports",
	.help = report_help,
	.help_now = report_help_now,
	.open = report_open,
	.close = report_close,
	.draw = report_draw,
	.key = report_key,
	.reenter = report_load,
};
