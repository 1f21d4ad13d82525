/*
 * Every report over a month of a demo database, beside the equivalent
 * hand-written SQL run in the sqlite3 shell on the same file in the same run
 * (the ratio is the figure to watch).
 *
 *   bench_report DB [FROM TO]
 *
 * FROM..TO (London days) default to the last whole calendar month before
 * the newest contact. Each report runs ROUNDS times through report_run (the
 * first run warms the page cache and the statement cache, as a console
 * showing a report a second time would); the median is reported. The SQL
 * runs ROUNDS times in one `sqlite3` process with `.timer on`, median too.
 * Prints "FIGURE report_NAME_ms X" and "FIGURE report_NAME_sql_ms Y".
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "frontdesk/report.h"
#include "frontdesk/store.h"

#define ROUNDS 5

struct bench {
	enum report_kind kind;
	enum report_by by;
	const char *sql; /* %1$s = from, %2$s = to, %3$s = previous from, %4$s = repeat days */
};

/* The same answers written by hand, the way one would at the sqlite3 prompt. */
static const struct bench benches[] = {
	{ REPORT_REFERRALS, REPORT_BY_SERVICE,
	  "SELECT service, count(*), sum(outcome = 'referred') FROM contact"
	  " WHERE created_at >= '%1$s' AND created_at < '%2$s' GROUP BY service;"
	  "SELECT service, count(*), sum(outcome = 'referred') FROM contact"
	  " WHERE created_at >= '%3$s' AND created_at < '%1$s' GROUP BY service;" },
	{ REPORT_FCR, REPORT_BY_ADVISOR,
	  "SELECT advisor, count(*), sum(outcome = 'resolved'),"
	  " sum(outcome = 'resolved' AND NOT (customer_id IS NOT NULL AND EXISTS (SELECT 1 FROM"
	  " contact r WHERE r.customer_id = c.customer_id AND r.created_at > c.created_at AND"
	  " r.created_at <= strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', c.created_at, '+%4$s days')"
	  " AND r.service = c.service AND r.visit_id <> c.visit_id)))"
	  " FROM contact c WHERE created_at >= '%1$s' AND created_at < '%2$s' GROUP BY advisor;" },
	{ REPORT_CHANNELS, REPORT_BY_WEEK,
	  "SELECT substr(created_at, 1, 13) AS h, channel, count(*), sum(outcome = 'abandoned'),"
	  " sum(outcome = 'assisted-digital') FROM contact"
	  " WHERE created_at >= '%1$s' AND created_at < '%2$s' GROUP BY h, channel;" },
	{ REPORT_FAILURE, REPORT_BY_REASON,
	  "SELECT failure_demand, count(*) FROM contact"
	  " WHERE created_at >= '%1$s' AND created_at < '%2$s' GROUP BY failure_demand;" },
	{ REPORT_FAILURE, REPORT_BY_SERVICE,
	  "SELECT service, count(*), count(failure_demand) FROM contact"
	  " WHERE created_at >= '%1$s' AND created_at < '%2$s' GROUP BY service"
	  " ORDER BY 3 DESC;" },
	{ REPORT_SIGNPOSTING, REPORT_BY_NONE,
	  "SELECT sum(outcome = 'signposted'), sum(outcome = 'assisted-digital') FROM contact"
	  " WHERE created_at >= '%1$s' AND created_at < '%2$s';" },
	{ REPORT_COST, REPORT_BY_CHANNEL,
	  "SELECT c.channel, count(*), count(*) * ch.unit_cost_pence FROM contact c"
	  " JOIN channel ch ON ch.code = c.channel"
	  " WHERE c.created_at >= '%1$s' AND c.created_at < '%2$s' GROUP BY c.channel;" },
	{ REPORT_CASES, REPORT_BY_TEAM,
	  "SELECT team, count(*), sum(status <> 'closed'),"
	  " sum(status <> 'closed' AND due_date < date('now')), sum(status = 'closed'),"
	  " sum(status = 'closed' AND substr(closed_at, 1, 10) <= due_date),"
	  " avg(julianday(closed_at) - julianday(created_at))"
	  " FROM \"case\" WHERE created_at >= '%1$s' AND created_at < '%2$s' GROUP BY team;" },
};

/* Median of the "Run Time: real X" lines the shell printed for statement
 * group k of n per round (summing the statements of one round). */
static double shell_ms(const char *db, const char *sql_text, int statements)
{
	char file[] = "/tmp/fd-bench-report-XXXXXX";
	int fd = mkstemp(file);
	FILE *f, *p;
	char line[512], *cmd;
	double t[ROUNDS] = { 0 };
	int i = 0;

	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	fputs(".timer on\n.output /dev/null\n", f);
	for (int r = 0; r < ROUNDS; r++)
		fprintf(f, "%s\n", sql_text);
	fclose(f);
	cmd = xasprintf("sqlite3 -readonly '%s' < '%s' 2>&1", db, file);
	p = popen(cmd, "r");
	free(cmd);
	if (!p) {
		unlink(file);
		return -1;
	}
	while (fgets(line, sizeof line, p)) {
		const char *real = strstr(line, "real ");

		if (!real)
			continue;
		if (i / statements < ROUNDS)
			t[i / statements] += strtod(real + 5, NULL) * 1000.0;
		i++;
	}
	pclose(p);
	unlink(file);
	return bench_percentile(t, ROUNDS, 50);
}

static int count_statements(const char *sql)
{
	int n = 0;

	for (; *sql; sql++)
		n += *sql == ';';
	return n ? n : 1;
}

/* The last whole calendar month before the newest contact. */
static void default_period(const char *db, struct date *from, struct date *to)
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
	*to = date_from_days(date_to_days((struct date){ newest.year, newest.month, 1 }) - 1);
	*from = (struct date){ to->year, to->month, 1 };
}

int main(int argc, char **argv)
{
	const struct report_viewer viewer = { NULL, true };
	struct store *s = NULL;
	struct date from, to;
	struct err e;
	char lo[32], hi[32], plo[32], phi[32], a[16], b[16];
	double t0;

	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: bench_report DB [FROM TO]\n");
		return 2;
	}
	if (argc == 4) {
		if (date_parse(argv[2], &from, "FROM", &e) || date_parse(argv[3], &to, "TO", &e)) {
			fprintf(stderr, "bench_report: %s\n", e.msg);
			return 2;
		}
	} else {
		default_period(argv[1], &from, &to);
	}
	t0 = bench_now_ms();
	if (store_open(argv[1], STORE_NO_CREATE, &s, &e) != STATUS_OK) {
		fprintf(stderr, "bench_report: %s\n", e.msg);
		return 1;
	}
	printf("  open (and migrate if needed): %.0f ms\n", bench_now_ms() - t0);
	store_set_actor(s, "bench:report");
	report_period_bounds(from, to, lo, hi, sizeof lo);
	report_period_bounds(date_from_days(2 * date_to_days(from) - date_to_days(to) - 1),
			     date_from_days(date_to_days(from) - 1), plo, phi, sizeof plo);
	date_format(from, a, sizeof a);
	date_format(to, b, sizeof b);
	printf("  period %s..%s (%s..%s UTC)\n", a, b, lo, hi);
	printf("  %-24s %10s %10s %7s %6s\n", "report", "report ms", "sql ms", "ratio", "rows");
	for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
		const struct bench *bn = &benches[i];
		struct report_query q = { bn->kind, from, to, bn->by, NULL, NULL };
		double t[ROUNDS], ms, sql_ms;
		char name[64], *sql;
		size_t rows = 0;

		for (int r = 0; r < ROUNDS; r++) {
			struct report_table *tab = NULL;
			double start = bench_now_ms();

			if (report_run(s, &viewer, &q, &tab, &e) != STATUS_OK) {
				fprintf(stderr, "bench_report: %s\n", e.msg);
				store_close(s);
				return 1;
			}
			t[r] = bench_now_ms() - start;
			rows = tab->nrows;
			report_table_free(tab);
		}
		ms = bench_percentile(t, ROUNDS, 50);
		sql = xasprintf(bn->sql, lo, hi, plo, "7");
		sql_ms = shell_ms(argv[1], sql, count_statements(sql));
		free(sql);
		snprintf(name, sizeof name, "%s_by_%s", report_kind_name(bn->kind),
			 report_by_name(bn->by));
		printf("  %-24s %10.1f %10.1f %7.2f %6zu\n", name, ms, sql_ms,
		       sql_ms > 0 ? ms / sql_ms : 0, rows);
		printf("FIGURE report_%s_ms %.1f\n", name, ms);
		printf("FIGURE report_%s_sql_ms %.1f\n", name, sql_ms);
	}
	store_close(s);
	return 0;
}
