/*
 * report — the supervisor reports (issue 6): referral counts, first-contact
 * resolution, channel mix and digital take-up, failure demand, signposting
 * and assisted digital against yearly targets, cost to serve, case service
 * standards.
 *
 * No UI and no SQL: each report reads aggregates through the store's report
 * functions and returns a table of typed cells that any front end renders
 * (the command line, the console's report screen, frontdeskd's
 * /v1/reports/NAME). Periods are Europe/London days, inclusive, turned into
 * UTC instants here; weeks are ISO weeks (Monday first; week 53 exists).
 * A share whose denominator is zero is "n/a", never 0%.
 *
 * Roles are enforced here, not in screens: every call takes the viewer, and
 * an advisor sees only their own figures.
 */
#ifndef FRONTDESK_REPORT_H
#define FRONTDESK_REPORT_H

#include "frontdesk/core.h"
#include "frontdesk/store.h"

#define REPORT_KINDS(_)                                                        \
	_(REFERRALS, "referrals", "contacts referred on, with the previous period and the change") \
	_(FCR, "fcr", "first-contact resolution against the target, plain and audited") \
	_(CHANNELS, "channels", "channel mix and digital take-up")             \
	_(FAILURE, "failure", "failure demand by reason or service")          \
	_(SIGNPOSTING, "signposting", "signposted and assisted digital against yearly targets") \
	_(COST, "cost", "cost to serve, now and at the target channel mix")   \
	_(CASES, "cases", "case service standards by team or service")

enum report_kind {
#define RK_ENUM(n, name, help) REPORT_##n,
	REPORT_KINDS(RK_ENUM)
#undef RK_ENUM
	REPORT_KIND_COUNT
};
/* "referrals", ...; and back (-1 when unknown). One line of help. */
const char *report_kind_name(enum report_kind k);
const char *report_kind_help(enum report_kind k);
int report_kind_find(const char *name);

#define REPORT_BYS(_)                                                          \
	_(NONE, "none")                                                        \
	_(SERVICE, "service")                                                  \
	_(TEAM, "team")                                                        \
	_(SITE, "site")                                                        \
	_(ADVISOR, "advisor")                                                  \
	_(CHANNEL, "channel")                                                  \
	_(REASON, "reason")                                                    \
	_(DAY, "day")                                                          \
	_(WEEK, "week")                                                        \
	_(MONTH, "month")

enum report_by {
#define RB_ENUM(n, name) REPORT_BY_##n,
	REPORT_BYS(RB_ENUM)
#undef RB_ENUM
	REPORT_BY_COUNT
};
const char *report_by_name(enum report_by b);
int report_by_find(const char *name); /* -1 when unknown */

/*
 * Who is looking. A supervisor (or admin) sees every advisor's figures; an
 * advisor only their own: advisor is then required and forced as the advisor
 * filter, and asking for another advisor's figures or contacts (by their code
 * "advisor:LOGIN" or the bare login) is STATUS_DENIED with an audit row
 * ("access.denied", record type "report", detail "report-all"). Both the
 * command line and the console fill it with report_viewer_from_store.
 */
struct report_viewer {
	const char *advisor; /* the advisor code on their contacts */
	bool supervisor;
};
/*
 * The viewer the store's actor is: a supervisor when
 * store_allowed(s, STORE_PERM_REPORT_ALL) (supervisor, admin, and the owner
 * of the database file at a shell), otherwise an advisor whose contacts are
 * those logged as store_actor(s). v->advisor is borrowed from the store until
 * its actor next changes.
 */
void report_viewer_from_store(struct store *s, struct report_viewer *v);

struct report_query {
	enum report_kind kind;
	struct date from, to; /* Europe/London days, inclusive */
	enum report_by by;    /* REPORT_BY_NONE: the report's natural grouping */
	const char *site;     /* NULL: every site */
	const char *advisor;  /* NULL: every advisor (supervisors only) */
};

/* What a cell holds, and so how it is shown. */
enum report_value {
	RV_TEXT,    /* text: a label, "yes"/"no" */
	RV_COUNT,   /* n */
	RV_CHANGE,  /* n, signed ("+3", "-2") */
	RV_PERCENT, /* 100 * n / d, one decimal; n/a when d == 0 */
	RV_PENCE,   /* n pence, shown as pounds */
	RV_AVERAGE  /* n / d, one decimal; n/a when d == 0 */
};
struct report_cell {
	enum report_value kind;
	char *text; /* RV_TEXT; owned by the table */
	long long n, d;
	bool blank; /* no value here (a target on a group row) */
};
struct report_column {
	char *name; /* snake_case, the same in every format; owned */
	enum report_value kind;
};
struct report_table {
	char *title; /* "referrals 2026-11-01..2026-11-30 by service"; owned */
	char *note;  /* a line under the table or NULL ("target 80%"); owned */
	struct report_column *columns;
	size_t ncolumns;
	struct report_cell *cells; /* nrows * ncolumns, row by row */
	size_t nrows;
	bool total_last; /* the last row is the total */
};
/* Frees the table and every string in it; NULL is a no-op. */
void report_table_free(struct report_table *t);
/* The cell at (row, col); borrowed from t. */
const struct report_cell *report_cell(const struct report_table *t, size_t row, size_t col);
/* True when the cell has no number to show (n/a: a zero denominator). */
bool report_cell_na(const struct report_cell *c);
/*
 * Writes the cell as text into out: for people (table, screen) percents get
 * "%" and money "£"; otherwise (CSV, JSON) plain numbers ("62.5", "12.34").
 * "n/a" for a zero denominator either way; "" for a blank cell.
 */
void report_cell_format(const struct report_cell *c, bool for_people, char *out, size_t outsz);

/* The longest period a report covers, in days (about ten years). */
#define REPORT_MAX_DAYS 3700

/*
 * Runs one report. Checks the query (from <= to, at most REPORT_MAX_DAYS days, a
 * grouping the report takes, the site code) and the viewer (see above);
 * STATUS_USAGE / STATUS_INVALID / STATUS_DENIED with a message otherwise.
 * An empty period gives a table with a zero total and n/a shares. Caller
 * frees *out with report_table_free().
 */
enum status report_run(struct store *s, const struct report_viewer *v,
		       const struct report_query *q, struct report_table **out, struct err *e);

/*
 * Where a report's figures come from. report_run reads the desk's SQLite
 * store; frontdeskd reads PostgreSQL over every hub (src/server/pg/report.c)
 * and calls report_run_source. The reports are computed from these answers
 * alone, so the same contacts give the same numbers on either side. Each
 * function keeps the contract of the store function it stands for
 * (store_report_tally, store_report_channels, store_report_service_teams,
 * store_report_cases, store_holidays); ctx is the source's own.
 */
struct report_source {
	void *ctx;
	enum status (*tally)(void *ctx, const struct store_report_range *r,
			     enum store_report_key key, int repeat_days,
			     int (*fn)(void *fctx, const struct store_report_tally *t), void *fctx,
			     struct err *e);
	enum status (*channels)(void *ctx,
				int (*fn)(void *fctx, const struct store_report_channel *c),
				void *fctx, struct err *e);
	enum status (*service_teams)(void *ctx,
				     int (*fn)(void *fctx, const char *service, const char *team),
				     void *fctx, struct err *e);
	enum status (*cases)(void *ctx, const struct store_report_range *r,
			     int (*fn)(void *fctx, const struct store_report_case *c), void *fctx,
			     struct err *e);
	/* Bank holidays, sorted; caller frees *out. */
	enum status (*holidays)(void *ctx, struct date **out, size_t *n, struct err *e);
	/* A setting's text, or NULL when unset (the report's default then);
	 * caller frees. */
	char *(*setting)(void *ctx, const char *key);
	/* STATUS_OK for a known site code, else an error worded for people. */
	enum status (*site_check)(void *ctx, const char *site, struct err *e);
};
/*
 * report_run over any source. Refusals are not audited here (there is no
 * store to audit in); the caller checks who is asking first. Caller frees
 * *out with report_table_free().
 */
enum status report_run_source(const struct report_source *src, const struct report_viewer *v,
			      const struct report_query *q, struct report_table **out,
			      struct err *e);

/*
 * Drill-down: the contacts behind one count of a report (referrals, fcr,
 * failure, channels, cost) for one row key of q's grouping ("" or "total"
 * for the whole period), oldest first, at most limit. The only place names
 * appear: every named customer shown is audited ("report.drill", the
 * customer's id) before fn sees any row, in one transaction with a summary
 * audit row. Same viewer rules as report_run. Rows are borrowed for the call.
 */
enum status report_drill(struct store *s, const struct report_viewer *v,
			 const struct report_query *q, const char *key, long limit,
			 int (*fn)(void *ctx, const struct store_report_contact *c), void *ctx,
			 struct err *e);

/*
 * The column of a report's table whose count report_drill lists ("referred",
 * "resolved", "failure", "contacts"), or NULL when the report has none
 * (signposting, cases). Static text.
 */
const char *report_drill_count(enum report_kind k);
/*
 * report_drill for one column of the row: NULL or the report's own count
 * (report_drill_count) is report_drill; "contacts" lists every contact of
 * the row, without the report's outcome or failure-demand filter (audited
 * the same way, the summary saying "count contacts"). Any other column is
 * STATUS_USAGE: it is not a count of contacts.
 */
enum status report_drill_column(struct store *s, const struct report_viewer *v,
				const struct report_query *q, const char *key,
				const char *column, long limit,
				int (*fn)(void *ctx, const struct store_report_contact *c),
				void *ctx, struct err *e);

/*
 * Saves t as a new CSV file at path (RFC 4180, CRLF line ends, the header
 * row first, numbers as `frontdesk report --format csv` writes them): rows
 * in the order order[0..t->nrows-1] when order is non-NULL, else as in t.
 * Never replaces an existing file (STATUS_IO, "already exists"). Audited
 * ("report.export", the title, rows and path) in the same call; when the
 * audit row cannot be written the file is removed. Reports hold no personal
 * data, so neither does the file.
 */
enum status report_export_csv(struct store *s, const struct report_table *t,
			      const size_t *order, const char *path, struct err *e);

/*
 * The JSON form of a report: {"report", "from", "to", "title", "site",
 * "advisor", "note", "rows": [{column: value}]}, shares as numbers with one
 * decimal and n/a as null. With scope (frontdeskd: "all hubs") it also
 * carries "scope", "columns": [{"name", "kind"}] and "total_last", which
 * report_table_from_json needs. Caller json_decref()s the result.
 */
struct json_t;
struct json_t *report_table_json(const struct report_table *t, const struct report_query *q,
				 const char *scope);
/* A table back from report_table_json's form (with scope): null reads as
 * n/a for a share or an average and as a blank cell otherwise; numbers
 * format as they did on the server. STATUS_INVALID when it is not one.
 * Caller frees *out with report_table_free(). */
enum status report_table_from_json(const struct json_t *root, struct report_table **out,
				   struct err *e);

/* ---- periods ------------------------------------------------------------ */

/* The UTC instant (ms) at which Europe/London day d starts. */
int64_t report_day_start_ms(struct date d);
/* The created_at text bounds [lo, hi) of the London days from..to (inclusive);
 * lo and hi at least 32 bytes. */
void report_period_bounds(struct date from, struct date to, char *lo, char *hi, size_t outsz);
/* ISO 8601 week of d: weeks start on Monday; week 1 holds the year's first
 * Thursday, so 2026-12-28..2027-01-03 is week 53 of 2026. */
void report_iso_week(struct date d, int *year, int *week);

#endif
