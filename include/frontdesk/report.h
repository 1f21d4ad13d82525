/*
 * report — the supervisor reports: referral counts, first-contact
 * resolution, channel mix and digital take-up, failure demand, signposting
 * and assisted digital against yearly targets, cost to serve, case service
 * standards.
 *
 * No UI, no SQL and no store: each report reads aggregates through the
 * struct report_source it is given (the desk's SQLite store binds one in
 * src/store/report_source.c, frontdeskd's PostgreSQL another in
 * src/server/pg/report_source.c) and returns a table of typed cells that
 * any front end renders (the command line, the console's report screen,
 * frontdeskd's /v1/reports/NAME). Depends on core only. Periods are
 * Europe/London days, inclusive, turned into UTC instants here; weeks are
 * ISO weeks (Monday first; week 53 exists). A share whose denominator is
 * zero is "n/a", never 0%.
 *
 * The rules live here, not in front ends: which groupings a report takes,
 * how long a period may be, and who may see what. Every call takes the
 * viewer, and an advisor sees only their own figures.
 */
#ifndef FRONTDESK_REPORT_H
#define FRONTDESK_REPORT_H

#include "frontdesk/core.h"

/* ---- reports, groupings and their rules --------------------------------- */

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

/* The grouping a report uses when the query asks for none (REPORT_BY_NONE):
 * channels and cost by channel, failure by reason, cases by team, the
 * others none (one total row). */
enum report_by report_natural_by(enum report_kind k);
/* The grouping a screen opens a report with: its natural one, except that
 * referrals and first-contact resolution break down by service at once. */
enum report_by report_first_by(enum report_kind k);
/* True when report k can be grouped by b: only failure groups by reason;
 * cases group by team or service, never by none; the others take any. */
bool report_by_allowed(enum report_kind k, enum report_by b);

/* ---- who asks, and what ------------------------------------------------- */

/*
 * Who is looking. A supervisor (or admin) sees every advisor's figures; an
 * advisor only their own: advisor is then required and forced as the advisor
 * filter, and asking for another advisor's figures or contacts (by their code
 * "advisor:LOGIN" or the bare login) is STATUS_DENIED with an audit row
 * ("access.denied", record type "report", detail "report-all") when the
 * source keeps an audit trail. Both the command line and the console fill
 * it with store_report_viewer (store.h).
 */
struct report_viewer {
	const char *advisor; /* the advisor code on their contacts */
	bool supervisor;
};
struct report_query {
	enum report_kind kind;
	struct date from, to; /* Europe/London days, inclusive */
	enum report_by by;    /* REPORT_BY_NONE: the report's natural grouping */
	const char *site;     /* NULL: every site */
	const char *advisor;  /* NULL: every advisor (supervisors only) */
};

/* ---- the table a report gives ------------------------------------------- */

/* What a cell holds, and so how it is shown. */
enum report_value {
	REPORT_VALUE_TEXT,    /* text: a label, "yes"/"no" */
	REPORT_VALUE_COUNT,   /* n */
	REPORT_VALUE_CHANGE,  /* n, signed ("+3", "-2") */
	REPORT_VALUE_PERCENT, /* 100 * n / d, one decimal; n/a when d == 0 */
	REPORT_VALUE_PENCE,   /* n pence, shown as pounds */
	REPORT_VALUE_AVERAGE  /* n / d, one decimal; n/a when d == 0 */
};
struct report_cell {
	enum report_value kind;
	char *text; /* REPORT_VALUE_TEXT; owned by the table */
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

/* ---- the query's limits and settings ------------------------------------ */

/* The settings the reports read ("fcr_target_percent", ...), NULL at the
 * end. A desk sends its own with a report over all hubs, so those figures
 * use the same targets as its own. */
extern const char *const report_setting_keys[];

/* The longest period a report covers, in days (about ten years). */
#define REPORT_MAX_DAYS 3700
/* The days in from..to, both counted; 0 or less when to is before from. A
 * report's period is 1 to REPORT_MAX_DAYS days. */
int64_t report_period_days(struct date from, struct date to);

/* ---- where the figures come from ---------------------------------------- */

/*
 * A source answers a few aggregate reads; the reports are computed from
 * these answers alone, so the same contacts give the same numbers from the
 * desk's SQLite store (store_report_source, store.h) and from frontdeskd's
 * PostgreSQL over every hub (pg_report_source).
 *
 * Every read covers contacts (or cases) created in [from_utc, to_utc), the
 * UTC bounds of the London days asked for (report_period_bounds). Corrected
 * contacts are left out: a contact that another contact corrects counts
 * once, as its correction. Filters that are NULL do not filter. Strings in
 * callback rows are borrowed for the call; fn returns non-zero to stop.
 */
struct report_range {
	const char *from_utc; /* inclusive, "YYYY-MM-DDTHH:MM:SS.mmmZ" */
	const char *to_utc;   /* exclusive */
	const char *site;     /* NULL: every site */
	const char *advisor;  /* NULL: every advisor */
};

/* What a tally row is keyed by (besides its channel, always a key). The
 * numbers are the desk's schema's too (contact_tally.kind). */
enum report_tally_key {
	REPORT_TALLY_NONE,     /* key is "" */
	REPORT_TALLY_SERVICE,  /* service code */
	REPORT_TALLY_SITE,     /* site code */
	REPORT_TALLY_ADVISOR,  /* advisor login */
	REPORT_TALLY_HOUR,     /* UTC hour "YYYY-MM-DDTHH" (the engine maps it to a London day) */
	REPORT_TALLY_FAILURE   /* failure-demand reason code, "" for none */
};

/* Counts of contacts for one (key, channel). */
struct report_tally {
	const char *key;
	const char *channel;
	long contacts;
	long referred, resolved, signposted, assisted_digital, abandoned;
	long failure;	     /* with a failure-demand reason */
	long resolved_first; /* resolved and not followed within repeat_days by
				another contact from the same customer about the
				same service (another visit); 0 unless asked */
};

/* A channel's cost and kind, for every channel (active or not). */
struct report_channel {
	const char *code;
	long unit_cost_pence;
	bool digital;
};

/* A case created in the range, with its status history (oldest first) when
 * it ever waited on the customer (status awaiting-customer): the only
 * history a report reads, so other cases may come with none (a source that
 * gives every case's history gives the same report). The site and advisor
 * filters apply to the contact that raised the case. */
struct report_case {
	const char *id, *team, *service, *status, *due_date, *created_at, *closed_at;
	long paused_days;
	size_t nevents;
	const char *const *event_status; /* nevents entries each */
	const char *const *event_at;
};

/* The contacts behind a count (drill-down). Every filter that is NULL (or
 * false) does not filter. */
struct report_drill_filter {
	struct report_range range;
	const char *outcome;  /* one outcome code */
	bool failure_only;    /* only contacts with a failure-demand reason */
	const char *service, *team, *channel, *failure;
	long limit;	      /* at most this many rows (> 0) */
};
/* One contact behind a count. The customer's name is filled only here,
 * NULL for anonymous or erased customers. */
struct report_contact {
	const char *id, *created_at, *service, *site, *channel, *advisor, *outcome,
		*failure, *customer_id, *customer_name, *case_reference;
};

struct report_source {
	void *ctx; /* the source's own, passed to every function */
	/* Tallies contacts in r grouped by (key, channel). repeat_days > 0 also
	 * counts resolved_first (the audited first-contact resolution; a repeat
	 * may fall after r's end); 0 skips that work. */
	enum status (*tally)(void *ctx, const struct report_range *r,
			     enum report_tally_key key, int repeat_days,
			     int (*fn)(void *fctx, const struct report_tally *t), void *fctx,
			     struct err *e);
	enum status (*channels)(void *ctx,
				int (*fn)(void *fctx, const struct report_channel *c),
				void *fctx, struct err *e);
	/* Every service (active or not) with its owning team. */
	enum status (*service_teams)(void *ctx,
				     int (*fn)(void *fctx, const char *service, const char *team),
				     void *fctx, struct err *e);
	enum status (*cases)(void *ctx, const struct report_range *r,
			     int (*fn)(void *fctx, const struct report_case *c), void *fctx,
			     struct err *e);
	/* Bank holidays, sorted; caller frees *out. */
	enum status (*holidays)(void *ctx, struct date **out, size_t *n, struct err *e);
	/* A setting's text, or NULL when unset (the report's default then);
	 * caller frees. */
	char *(*setting)(void *ctx, const char *key);
	/* STATUS_OK for a known site code, else an error worded for people. */
	enum status (*site_check)(void *ctx, const char *site, struct err *e);

	/* The rest is for a source with people's names and an audit trail (the
	 * desk's store); NULL in a source without (frontdeskd, whose caller
	 * checks who is asking first and offers no drill-down). */

	/* The contacts behind a count, oldest first, at most d->limit. */
	enum status (*contacts)(void *ctx, const struct report_drill_filter *d,
				int (*fn)(void *fctx, const struct report_contact *c),
				void *fctx, struct err *e);
	/* Appends one audit row (who and when are the source's). */
	enum status (*audit)(void *ctx, const char *action, const char *record_type,
			     const char *record_id, const char *detail, struct err *e);
	/* The audit rows written between these two are kept all or none:
	 * audit_end(ctx, true, e) keeps them, (ctx, false, NULL) drops them. */
	enum status (*audit_begin)(void *ctx, struct err *e);
	enum status (*audit_end)(void *ctx, bool keep, struct err *e);
};

/* ---- running, drilling down, saving ------------------------------------- */

/*
 * Runs one report over src. Checks the query (from <= to, at most
 * REPORT_MAX_DAYS days, a grouping the report takes, the site code) and the
 * viewer (see above); STATUS_USAGE / STATUS_INVALID / STATUS_DENIED with a
 * message otherwise. An empty period gives a table with a zero total and
 * n/a shares. Caller frees *out with report_table_free().
 */
enum status report_run(const struct report_source *src, const struct report_viewer *v,
		       const struct report_query *q, struct report_table **out, struct err *e);

/*
 * Drill-down: the contacts behind one count of a report (referrals, fcr,
 * failure, channels, cost) for one row key of q's grouping ("" or "total"
 * for the whole period), oldest first, at most limit. The only place names
 * appear: every named customer shown is audited ("report.drill", the
 * customer's id) before fn sees any row, all or none with a summary audit
 * row. Same viewer rules as report_run. STATUS_USAGE from a source without
 * contacts or audit. Rows are borrowed for the call.
 */
enum status report_drill(const struct report_source *src, const struct report_viewer *v,
			 const struct report_query *q, const char *key, long limit,
			 int (*fn)(void *ctx, const struct report_contact *c), void *ctx,
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
enum status report_drill_column(const struct report_source *src, const struct report_viewer *v,
				const struct report_query *q, const char *key,
				const char *column, long limit,
				int (*fn)(void *ctx, const struct report_contact *c),
				void *ctx, struct err *e);

/*
 * Saves t as a new CSV file at path (RFC 4180, CRLF line ends, the header
 * row first, numbers as `frontdesk report --format csv` writes them): rows
 * in the order order[0..t->nrows-1] when order is non-NULL, else as in t.
 * Never replaces an existing file (STATUS_IO, "already exists"). Audited
 * ("report.export", the title, rows and path) through src in the same
 * call; when the audit row cannot be written the file is removed, and a
 * source without an audit trail saves nothing (STATUS_USAGE). Reports hold
 * no personal data, so neither does the file.
 */
enum status report_export_csv(const struct report_source *src, const struct report_table *t,
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
