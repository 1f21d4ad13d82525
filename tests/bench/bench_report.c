/*
 * Every report over a month and over a quarter of a demo database, beside
 * the equivalent hand-written SQL run in the sqlite3 shell on the same file
 * in the same run (the ratio is the figure to watch).
 *
 *   bench_report DB [FROM TO]
 *
 * Periods (London days): the last whole calendar month and the last whole
 * calendar quarter before the newest contact, or FROM..TO alone. Each
 * report runs ROUNDS times through report_run (the first run warms the
 * statement cache, as a console showing a report a second time would); the
 * median wall and CPU time are reported. The SQL runs ROUNDS times in one
 * `sqlite3` process with `.timer on`, median too.
 *
 * The SQL must give the same answer, not a cheaper one: it is run once more
 * with its rows read back, and each report's total row is compared with the
 * sums of those rows ("same", or "DIFFERENT" with the numbers). It works in
 * London days where the report does (BST from the last Sunday of March to
 * the last Sunday of October, both at 01:00 UTC), and in working days for
 * cases. It leaves out two things the demo database does not have, so the
 * answer there is the same: corrected contacts (which the reports count
 * once, as the correction) and pauses known only from a case's history.
 *
 * Prints "FIGURE report_NAME_ms X", "FIGURE report_NAME_cpu_ms X" and
 * "FIGURE report_NAME_sql_ms Y" for the month, the same with "_quarter"
 * after NAME for the quarter.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_util.h"
#include "frontdesk/report.h"
#include "frontdesk/store.h"

#define ROUNDS 5
#define MAX_CHECKS 6
#define MAX_STATEMENTS 4

/* A number of the report's total row, and the sum that gives it in the
 * rows of one statement of the SQL. */
struct check {
	const char *what;
	int stmt, col;	   /* the statement (from 0) and the column summed */
	bool reasons_only; /* only rows whose first column is not empty */
	int report_col;	   /* in the report's total row */
	bool denominator;  /* the cell's denominator rather than its number */
};

struct bench {
	enum report_kind kind;
	enum report_by by;
	/* %1$s = from, %2$s = to, %3$s = previous from, %4$s = repeat days */
	const char *sql;
	struct check checks[MAX_CHECKS];
};

/* The Europe/London date of a stored UTC time x (an SQL expression). */
#define LONDON_DATE(x)                                                         \
	"date(" x ", CASE WHEN " x " >= date(substr(" x ", 1, 4) || '-03-25', 'weekday 0')" \
	" || 'T01:00:00.000Z' AND " x " < date(substr(" x ", 1, 4) || '-10-25', 'weekday 0')" \
	" || 'T01:00:00.000Z' THEN '+1 hours' ELSE '+0 hours' END)"
/* Monday to Friday days from Monday 2000-01-03 to date d, inclusive. */
#define WEEKDAYS_UPTO(d)                                                       \
	"((CAST(julianday(" d ") - julianday('2000-01-03') AS INTEGER) + 1) / 7 * 5 + " \
	"min((CAST(julianday(" d ") - julianday('2000-01-03') AS INTEGER) + 1) % 7, 5))"

/* The same answers written by hand, the way one would at the sqlite3 prompt. */
static const struct bench benches[] = {
	{ REPORT_REFERRALS, REPORT_BY_SERVICE,
	  "SELECT service, count(*), sum(outcome = 'referred') FROM contact"
	  " WHERE created_at >= '%1$s' AND created_at < '%2$s' GROUP BY service;"
	  "SELECT service, count(*), sum(outcome = 'referred') FROM contact"
	  " WHERE created_at >= '%3$s' AND created_at < '%1$s' GROUP BY service;",
	  { { "contacts", 0, 1, false, 1, false },
	    { "referred", 0, 2, false, 2, false },
	    { "previous", 1, 2, false, 4, false } } },
	{ REPORT_FCR, REPORT_BY_ADVISOR,
	  "SELECT advisor, count(*), sum(outcome = 'resolved'),"
	  " sum(outcome = 'resolved' AND NOT (customer_id IS NOT NULL AND EXISTS (SELECT 1 FROM"
	  " contact r WHERE r.customer_id = c.customer_id AND r.created_at > c.created_at AND"
	  " r.created_at <= strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', c.created_at, '+%4$s days')"
	  " AND r.service = c.service AND r.visit_id <> c.visit_id)))"
	  " FROM contact c WHERE created_at >= '%1$s' AND created_at < '%2$s' GROUP BY advisor;",
	  { { "contacts", 0, 1, false, 1, false },
	    { "resolved", 0, 2, false, 2, false },
	    { "audited", 0, 3, false, 6, false } } },
	{ REPORT_CHANNELS, REPORT_BY_WEEK,
	  "SELECT substr(c.created_at, 1, 13) AS h, c.channel, count(*),"
	  " sum(CASE WHEN ch.digital THEN c.outcome <> 'abandoned'"
	  " ELSE c.outcome = 'assisted-digital' END)"
	  " FROM contact c JOIN channel ch ON ch.code = c.channel"
	  " WHERE c.created_at >= '%1$s' AND c.created_at < '%2$s' GROUP BY h, c.channel;",
	  { { "contacts", 0, 2, false, 1, false },
	    { "digital", 0, 3, false, 2, false } } },
	{ REPORT_FAILURE, REPORT_BY_REASON,
	  "SELECT failure_demand, count(*) FROM contact"
	  " WHERE created_at >= '%1$s' AND created_at < '%2$s' GROUP BY failure_demand;",
	  { { "failure", 0, 1, true, 1, false },
	    { "contacts", 0, 1, false, 3, true } } },
	{ REPORT_FAILURE, REPORT_BY_SERVICE,
	  "SELECT service, count(*), count(failure_demand) FROM contact"
	  " WHERE created_at >= '%1$s' AND created_at < '%2$s' GROUP BY service"
	  " ORDER BY 3 DESC;",
	  { { "contacts", 0, 1, false, 1, false },
	    { "failure", 0, 2, false, 2, false } } },
	{ REPORT_SIGNPOSTING, REPORT_BY_NONE,
	  "SELECT sum(outcome = 'signposted'), sum(outcome = 'assisted-digital') FROM contact"
	  " WHERE created_at >= '%1$s' AND created_at < '%2$s';",
	  { { "signposted", 0, 0, false, 1, false },
	    { "assisted", 0, 1, false, 4, false } } },
	{ REPORT_COST, REPORT_BY_CHANNEL,
	  "SELECT c.channel, count(*), count(*) * ch.unit_cost_pence FROM contact c"
	  " JOIN channel ch ON ch.code = c.channel"
	  " WHERE c.created_at >= '%1$s' AND c.created_at < '%2$s' GROUP BY c.channel;",
	  { { "contacts", 0, 1, false, 1, false },
	    { "cost", 0, 2, false, 3, false } } },
	{ REPORT_CASES, REPORT_BY_TEAM,
	  "SELECT team, count(*), sum(status <> 'closed'),"
	  " sum(status NOT IN ('closed', 'awaiting-customer') AND due_date < "
	  LONDON_DATE("strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now')") "),"
	  " sum(status = 'closed'), sum(status = 'closed' AND cl <= due_date),"
	  " sum(CASE WHEN status = 'closed' THEN max(wd - paused_days, 0) ELSE 0 END)"
	  " FROM (SELECT team, status, due_date, paused_days, cl,"
	  "  CASE WHEN cl > cr THEN " WEEKDAYS_UPTO("cl") " - " WEEKDAYS_UPTO("cr")
	  "  - (SELECT count(*) FROM bank_holiday h WHERE h.day > cr AND h.day <= cl"
	  "     AND strftime('%%w', h.day) NOT IN ('0', '6')) ELSE 0 END AS wd"
	  " FROM (SELECT team, status, due_date, paused_days,"
	  "  " LONDON_DATE("created_at") " AS cr, " LONDON_DATE("closed_at") " AS cl"
	  "  FROM \"case\" WHERE created_at >= '%1$s' AND created_at < '%2$s'))"
	  " GROUP BY team;",
	  { { "cases", 0, 1, false, 1, false },
	    { "open", 0, 2, false, 2, false },
	    { "overdue", 0, 3, false, 3, false },
	    { "closed", 0, 4, false, 4, false },
	    { "within", 0, 5, false, 5, false },
	    { "days", 0, 6, false, 7, false } } },
};

static double cpu_ms(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

static int count_statements(const char *sql)
{
	int n = 0;

	for (; *sql; sql++)
		n += *sql == ';';
	return n ? n : 1;
}

/* The sqlite3 shell reading input (a scratch file, named in *file) on db,
 * its output to read; NULL when it cannot start. */
static FILE *shell_open(const char *db, const char *input, char **file)
{
	int fd;
	FILE *f, *p;
	char *cmd;

	*file = xstrdup("/tmp/fd-bench-report-XXXXXX");
	fd = mkstemp(*file);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		free(*file);
		*file = NULL;
		return NULL;
	}
	fputs(input, f);
	fclose(f);
	cmd = xasprintf("sqlite3 -readonly '%s' < '%s' 2>&1", db, *file);
	p = popen(cmd, "r");
	free(cmd);
	return p;
}

static void shell_close(FILE *p, char *file)
{
	if (p)
		pclose(p);
	if (file)
		unlink(file);
	free(file);
}

/* Median wall and CPU (user + sys) ms of ROUNDS runs of sql in one shell,
 * from its "Run Time: real X user Y sys Z" lines (a round's statements
 * summed). */
static void shell_ms(const char *db, const char *sql_text, double *wall, double *cpu)
{
	int statements = count_statements(sql_text);
	double t[ROUNDS] = { 0 }, c[ROUNDS] = { 0 };
	struct buf in;
	char line[512], *file;
	FILE *p;
	int i = 0;

	buf_init(&in, 0);
	buf_adds(&in, ".timer on\n.output /dev/null\n");
	for (int r = 0; r < ROUNDS; r++)
		buf_printf(&in, "%s\n", sql_text);
	p = shell_open(db, buf_str(&in), &file);
	buf_release(&in);
	while (p && fgets(line, sizeof line, p)) {
		const char *real = strstr(line, "real "), *user = strstr(line, "user "),
			   *sys = strstr(line, "sys ");

		if (!real)
			continue;
		if (i / statements < ROUNDS) {
			t[i / statements] += strtod(real + 5, NULL) * 1000.0;
			c[i / statements] += ((user ? strtod(user + 5, NULL) : 0) +
					      (sys ? strtod(sys + 4, NULL) : 0)) * 1000.0;
		}
		i++;
	}
	shell_close(p, file);
	*wall = bench_percentile(t, ROUNDS, 50);
	*cpu = bench_percentile(c, ROUNDS, 50);
}

/* Runs sql once and sums each check's column over its statement's rows. */
static bool shell_sums(const char *db, const char *sql_text, const struct bench *bn,
		       double *sum)
{
	struct buf in;
	char line[4096], *file;
	FILE *p;
	int stmt = 0;

	buf_init(&in, 0);
	buf_adds(&in, ".mode list\n.separator |\n.nullvalue ''\n");
	for (const char *s = sql_text, *end; (end = strchr(s, ';')); s = end + 1)
		buf_printf(&in, "%.*s;\n.print @@\n", (int)(end - s), s);
	for (int k = 0; k < MAX_CHECKS; k++)
		sum[k] = 0;
	p = shell_open(db, buf_str(&in), &file);
	buf_release(&in);
	while (p && fgets(line, sizeof line, p)) {
		char *field[16];
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "@@") == 0) {
			stmt++;
			continue;
		}
		for (char *f = line; n < 16;) {
			char *bar = strchr(f, '|');

			field[n++] = f;
			if (!bar)
				break;
			*bar = '\0';
			f = bar + 1;
		}
		for (int k = 0; k < MAX_CHECKS && bn->checks[k].what; k++) {
			const struct check *c = &bn->checks[k];

			if (c->stmt != stmt || c->col >= n || (c->reasons_only && !*field[0]))
				continue;
			sum[k] += strtod(field[c->col], NULL);
		}
	}
	shell_close(p, file);
	return stmt == count_statements(sql_text);
}

/* "same", or what differs, comparing t's total row with the SQL's sums. */
static void compare(const struct bench *bn, const struct report_table *t, const double *sum,
		    char *out, size_t outsz)
{
	size_t used = 0;

	snprintf(out, outsz, "same");
	for (int k = 0; k < MAX_CHECKS && bn->checks[k].what; k++) {
		const struct check *c = &bn->checks[k];
		const struct report_cell *cell;
		long long want;

		if (t->nrows == 0 || (size_t)c->report_col >= t->ncolumns)
			continue;
		cell = report_cell(t, t->nrows - 1, (size_t)c->report_col);
		want = c->denominator ? cell->d : cell->n;
		if ((long long)(sum[k] + 0.5) == want)
			continue;
		if (used == 0)
			used = (size_t)snprintf(out, outsz, "DIFFERENT");
		if (used < outsz)
			used += (size_t)snprintf(out + used, outsz - used, " %s %lld/%.0f", c->what,
						 want, sum[k]);
	}
}

static struct date newest_day(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *q;
	struct date newest = { 2026, 11, 1 };

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT max(created_at) FROM contact", -1, &q, NULL) ==
		    SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
			int64_t ms;

			if (time_parse_utc((const char *)sqlite3_column_text(q, 0), &ms) ==
			    STATUS_OK)
				newest = date_of_ms_london(ms);
		}
		sqlite3_finalize(q);
	}
	sqlite3_close(h);
	return newest;
}

/* The last whole calendar month, and quarter, before the day. */
static void last_month(struct date d, struct date *from, struct date *to)
{
	*to = date_from_days(date_to_days((struct date){ d.year, d.month, 1 }) - 1);
	*from = (struct date){ to->year, to->month, 1 };
}

static void last_quarter(struct date d, struct date *from, struct date *to)
{
	int first = (d.month - 1) / 3 * 3 + 1; /* this quarter's first month */

	*to = date_from_days(date_to_days((struct date){ d.year, first, 1 }) - 1);
	*from = (struct date){ to->year, to->month - 2, 1 };
}

static int run_period(struct store *s, const char *db, const char *label, const char *suffix,
		      struct date from, struct date to)
{
	const struct report_viewer viewer = { NULL, true };
	struct report_source src;
	char lo[32], hi[32], plo[32], phi[32], a[16], b[16];

	store_report_source(s, &src);
	report_period_bounds(from, to, lo, hi, sizeof lo);
	report_period_bounds(date_from_days(2 * date_to_days(from) - date_to_days(to) - 1),
			     date_from_days(date_to_days(from) - 1), plo, phi, sizeof plo);
	date_format(from, a, sizeof a);
	date_format(to, b, sizeof b);
	printf("  %s %s..%s (%s..%s UTC)\n", label, a, b, lo, hi);
	printf("  %-24s %9s %7s %9s %7s %7s %5s  %s\n", "report", "report ms", "cpu", "sql ms",
	       "cpu", "ratio", "rows", "same answer");
	for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
		const struct bench *bn = &benches[i];
		struct report_query q = { bn->kind, from, to, bn->by, NULL, NULL };
		struct report_table *tab = NULL;
		double t[ROUNDS], c[ROUNDS], sum[MAX_CHECKS], ms, cpu, sql_ms, sql_cpu;
		char name[64], same[256], *sql;
		struct err e;

		for (int r = 0; r < ROUNDS; r++) {
			double start = bench_now_ms(), start_cpu = cpu_ms();

			report_table_free(tab);
			tab = NULL;
			if (report_run(&src, &viewer, &q, &tab, &e) != STATUS_OK) {
				fprintf(stderr, "bench_report: %s\n", e.msg);
				return 1;
			}
			t[r] = bench_now_ms() - start;
			c[r] = cpu_ms() - start_cpu;
		}
		ms = bench_percentile(t, ROUNDS, 50);
		cpu = bench_percentile(c, ROUNDS, 50);
		sql = xasprintf(bn->sql, lo, hi, plo, "7");
		shell_ms(db, sql, &sql_ms, &sql_cpu);
		if (shell_sums(db, sql, bn, sum))
			compare(bn, tab, sum, same, sizeof same);
		else
			snprintf(same, sizeof same, "(the SQL failed)");
		free(sql);
		snprintf(name, sizeof name, "%s_by_%s", report_kind_name(bn->kind),
			 report_by_name(bn->by));
		printf("  %-24s %9.1f %7.1f %9.1f %7.1f %7.2f %5zu  %s\n", name, ms, cpu, sql_ms,
		       sql_cpu, sql_ms > 0 ? ms / sql_ms : 0, tab->nrows, same);
		printf("FIGURE report_%s%s_ms %.1f\n", name, suffix, ms);
		printf("FIGURE report_%s%s_cpu_ms %.1f\n", name, suffix, cpu);
		printf("FIGURE report_%s%s_sql_ms %.1f\n", name, suffix, sql_ms);
		report_table_free(tab);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct store *s = NULL;
	struct date from, to;
	struct err e;
	double t0;
	int rc;

	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: bench_report DB [FROM TO]\n");
		return 2;
	}
	if (argc == 4 &&
	    (date_parse(argv[2], &from, "FROM", &e) || date_parse(argv[3], &to, "TO", &e))) {
		fprintf(stderr, "bench_report: %s\n", e.msg);
		return 2;
	}
	t0 = bench_now_ms();
	if (store_open(argv[1], STORE_NO_CREATE, &s, &e) != STATUS_OK) {
		fprintf(stderr, "bench_report: %s\n", e.msg);
		return 1;
	}
	printf("  open (and migrate if needed): %.0f ms\n", bench_now_ms() - t0);
	store_set_actor(s, "bench:report");
	if (argc == 4) {
		rc = run_period(s, argv[1], "period", "", from, to);
	} else {
		struct date newest = newest_day(argv[1]);

		last_month(newest, &from, &to);
		rc = run_period(s, argv[1], "month", "", from, to);
		last_quarter(newest, &from, &to);
		if (!rc)
			rc = run_period(s, argv[1], "quarter", "_quarter", from, to);
	}
	store_close(s);
	return rc;
}
