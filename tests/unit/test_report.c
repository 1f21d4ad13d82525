/*
 * Report tests: a real SQLite file with the real schema, contacts logged
 * through store_contact_log with the clock moved to place each one in time,
 * and every expected figure worked out by hand (the working is in the
 * comments beside the fixture). The test reads the file with SQLite
 * directly only to close cases and to count audit rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include <jansson.h>

#include "frontdesk/report.h"
#include "frontdesk/store.h"

static char dir[64];
static char path[128];
static int64_t fake_now;
static struct store *st;
static char cust_a[UUID_STR_LEN + 1];

/* The store open now (st) as the reports' source. */
static const struct report_source *desk(void)
{
	static struct report_source src;

	store_report_source(st, &src);
	return &src;
}

static int64_t fixed_clock(void)
{
	return fake_now;
}

static int64_t at(const char *utc)
{
	int64_t ms = 0;

	assert_int_equal(time_parse_utc(utc, &ms), STATUS_OK);
	return ms;
}

static struct date day(const char *s)
{
	struct date d;

	assert_int_equal(date_parse(s, &d, "day", NULL), STATUS_OK);
	return d;
}

static char *S(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static struct refdata make_refdata(void)
{
	struct refdata rd = { 0 };

	rd.nteams = 2;
	rd.teams = xcalloc(2, sizeof *rd.teams);
	rd.teams[0] = (struct ref_team){ S("revenues"), S("Revenues"), NULL };
	rd.teams[1] = (struct ref_team){ S("waste"), S("Waste"), NULL };
	rd.nservices = 2;
	rd.services = xcalloc(2, sizeof *rd.services);
	rd.services[0] = (struct ref_service){ S("council-tax-moving"), S("Moving"), S("revenues"),
					       NULL, 0, 5 };
	rd.services[1] = (struct ref_service){ S("missed-bin"), S("Missed bin"), S("waste"), NULL,
					       0, 2 };
	rd.nsites = 2;
	rd.sites = xcalloc(2, sizeof *rd.sites);
	rd.sites[0] = (struct ref_site){ S("civic-centre"), S("Civic"), S("office"), NULL, NULL };
	rd.sites[1] = (struct ref_site){ S("hub-library"), S("Library"), S("hub"), NULL, NULL };
	rd.nchannels = 3;
	rd.channels = xcalloc(3, sizeof *rd.channels);
	rd.channels[0] = (struct ref_channel){ S("face-to-face"), S("Face to face"), 1053, false };
	rd.channels[1] = (struct ref_channel){ S("phone"), S("Phone"), 300, false };
	rd.channels[2] = (struct ref_channel){ S("web"), S("Web"), 8, true };
	rd.noutcomes = 5;
	rd.outcomes = xcalloc(5, sizeof *rd.outcomes);
	rd.outcomes[0] = (struct ref_simple){ S("resolved"), S("Resolved"), NULL };
	rd.outcomes[1] = (struct ref_simple){ S("referred"), S("Referred"), NULL };
	rd.outcomes[2] = (struct ref_simple){ S("signposted"), S("Signposted"), NULL };
	rd.outcomes[3] = (struct ref_simple){ S("assisted-digital"), S("Assisted"), NULL };
	rd.outcomes[4] = (struct ref_simple){ S("abandoned"), S("Abandoned"), NULL };
	rd.nfailures = 2;
	rd.failures = xcalloc(2, sizeof *rd.failures);
	rd.failures[0] = (struct ref_simple){ S("chasing-progress"), S("Chasing"), NULL };
	rd.failures[1] = (struct ref_simple){ S("not-done"), S("Not done"), NULL };
	rd.nholidays = 2;
	rd.holidays = xcalloc(2, sizeof *rd.holidays);
	rd.holiday_names = xcalloc(2, sizeof *rd.holiday_names);
	rd.holidays[0] = (struct date){ 2026, 12, 25 };
	rd.holidays[1] = (struct date){ 2026, 12, 28 };
	rd.holiday_names[0] = S("Christmas Day");
	rd.holiday_names[1] = S("Boxing Day (substitute day)");
	return rd;
}

/* Logs in at utc from the civic centre, duration unknown, a referral with
 * a reason; out (may be NULL) gets its ids. */
static void log_input(const char *utc, struct contact_input *in, struct contact_result *out)
{
	struct contact_result ignored;
	struct err e;

	fake_now = at(utc);
	in->site = "civic-centre";
	in->duration_s = -1;
	if (strcmp(in->outcome, "referred") == 0)
		in->reason = "back office";
	err_clear(&e);
	if (store_contact_log(st, in, out ? out : &ignored, &e) != STATUS_OK)
		fail_msg("log %s: %s", utc, e.msg);
}

static void log_at(const char *utc, const char *channel, const char *advisor,
		   const char *service, const char *outcome, const char *failure,
		   const char *customer)
{
	struct contact_input in = { .channel = channel, .advisor = advisor, .service = service,
				    .outcome = outcome, .failure_demand = failure,
				    .customer_id = customer };

	log_input(utc, &in, NULL);
}

static void sql(const char *text)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, text, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", text, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static long count(const char *text)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	long n = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, text, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

/*
 * The fixture. Week 13 of 2026 is Monday 23 to Sunday 29 March; British
 * Summer Time starts on the 29th at 01:00 UTC.
 *
 *   c1 03-23 09:00Z phone alice ctm  resolved          customer A
 *   c2 03-24 10:00Z f2f   bob   bin  referred  chasing
 *   c3 03-25 11:00Z web   alice bin  resolved
 *   c4 03-26 12:00Z phone alice ctm  signposted not-done
 *   c5 03-27 13:00Z f2f   bob   ctm  assisted-digital
 *   c6 03-28 23:59Z phone bob   bin  referred  chasing   (London Sat 28th)
 *   c7 03-29 00:01Z web   alice bin  abandoned           (London Sun 29th, GMT)
 *   c8 03-29 22:59Z phone alice ctm  resolved  customer A (London 29th 23:59 BST)
 *   c9 03-29 23:30Z phone bob   ctm  referred            (London Mon 30th 00:30 BST)
 * The week before: p1 03-17 phone alice bin referred; p2 03-18 phone bob ctm
 * resolved. Week 53: 2026-12-31, 2027-01-03 (both W53), 2027-01-04 (W01).
 * October (BST ends 25th 01:00 UTC): 10-24 22:59Z (London 24th 23:59),
 * 10-24 23:30Z (London 25th 00:30), 10-25 23:30Z (London 25th 23:30 GMT).
 */
static void fixture(void)
{
	struct customer *c = customer_new();
	struct err e;

	fake_now = at("2026-03-01T10:00:00Z");
	customer_set(c, CF_name, "Zoë Brown");
	assert_int_equal(store_customer_add(st, c, &e), STATUS_OK);
	snprintf(cust_a, sizeof cust_a, "%s", c->id);
	customer_free(c);

	log_at("2026-03-17T10:00:00Z", "phone", "alice", "missed-bin", "referred", NULL, NULL);
	log_at("2026-03-18T10:00:00Z", "phone", "bob", "council-tax-moving", "resolved", NULL, NULL);
	log_at("2026-03-23T09:00:00Z", "phone", "alice", "council-tax-moving", "resolved", NULL,
	       cust_a);
	log_at("2026-03-24T10:00:00Z", "face-to-face", "bob", "missed-bin", "referred",
	       "chasing-progress", NULL);
	log_at("2026-03-25T11:00:00Z", "web", "alice", "missed-bin", "resolved", NULL, NULL);
	log_at("2026-03-26T12:00:00Z", "phone", "alice", "council-tax-moving", "signposted",
	       "not-done", NULL);
	log_at("2026-03-27T13:00:00Z", "face-to-face", "bob", "council-tax-moving",
	       "assisted-digital", NULL, NULL);
	log_at("2026-03-28T23:59:00Z", "phone", "bob", "missed-bin", "referred", "chasing-progress",
	       NULL);
	log_at("2026-03-29T00:01:00Z", "web", "alice", "missed-bin", "abandoned", NULL, NULL);
	log_at("2026-03-29T22:59:00Z", "phone", "alice", "council-tax-moving", "resolved", NULL,
	       cust_a);
	log_at("2026-03-29T23:30:00Z", "phone", "bob", "council-tax-moving", "referred", NULL, NULL);

	log_at("2026-10-24T22:59:00Z", "phone", "bob", "missed-bin", "resolved", NULL, NULL);
	log_at("2026-10-24T23:30:00Z", "phone", "bob", "missed-bin", "resolved", NULL, NULL);
	log_at("2026-10-25T23:30:00Z", "phone", "bob", "missed-bin", "resolved", NULL, NULL);

	log_at("2026-12-31T12:00:00Z", "phone", "bob", "missed-bin", "referred", NULL, NULL);
	log_at("2027-01-03T12:00:00Z", "phone", "bob", "missed-bin", "resolved", NULL, NULL);
	log_at("2027-01-04T12:00:00Z", "phone", "bob", "missed-bin", "referred", NULL, NULL);

	/*
	 * Cases (missed-bin: 2 working days). c2's case: raised Tue 24th, due
	 * Thu 26th, closed 26th: within, 2 working days (25th, 26th). c6's:
	 * raised Sat 28th, due Tue 31st; waits on the customer Mon 30th to
	 * Wed 1st (2 working days: 31st, 1st), so due Thu 2nd; closed 2nd:
	 * within, 4 working days less 2 paused = 2. p1's stays open, due Thu
	 * 19th: overdue.
	 */
	sql("UPDATE \"case\" SET status = 'closed', closed_at = '2026-03-26T15:00:00.000Z'"
	    " WHERE created_at = '2026-03-24T10:00:00.000Z';"
	    "UPDATE \"case\" SET status = 'closed', closed_at = '2026-04-02T10:00:00.000Z'"
	    " WHERE created_at = '2026-03-28T23:59:00.000Z';"
	    "INSERT INTO case_event (id, case_id, status, actor, at) SELECT 'e1', id,"
	    " 'awaiting-customer', 'bob', '2026-03-30T09:00:00.000Z' FROM \"case\""
	    " WHERE created_at = '2026-03-28T23:59:00.000Z';"
	    "INSERT INTO case_event (id, case_id, status, actor, at) SELECT 'e2', id,"
	    " 'in-progress', 'bob', '2026-04-01T09:00:00.000Z' FROM \"case\""
	    " WHERE created_at = '2026-03-28T23:59:00.000Z';"
	    "INSERT INTO case_event (id, case_id, status, actor, at) SELECT 'e3', id,"
	    " 'closed', 'bob', '2026-04-02T10:00:00.000Z' FROM \"case\""
	    " WHERE created_at = '2026-03-28T23:59:00.000Z';");
	fake_now = at("2026-04-10T10:00:00Z");
}

static int setup(void **state)
{
	struct refdata rd = make_refdata();
	struct err e;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/fd-report-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/fd.db", dir);
	clock_hook = fixed_clock;
	fake_now = at("2026-03-01T10:00:00Z");
	assert_int_equal(store_open(path, 0, &st, &e), STATUS_OK);
	store_set_actor_role(st, "test:admin", STORE_ROLE_ADMIN); /* sets the desk up */
	assert_int_equal(store_refdata_replace(st, &rd, &e), STATUS_OK);
	assert_int_equal(store_setting_set(st, "site", "civic-centre", &e), STATUS_OK);
	store_set_actor_role(st, "test:supervisor", STORE_ROLE_SUPERVISOR);
	refdata_release(&rd);
	fixture();
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	store_close(st);
	st = NULL;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	clock_hook = NULL;
	return 0;
}

static const struct report_viewer supervisor = { NULL, true };

/* Runs a report and renders it as "a|b|c\n" lines (plain number form). */
static char *run(const struct report_viewer *v, enum report_kind k, const char *from,
		 const char *to, enum report_by by, const char *site, const char *advisor)
{
	struct report_query q = { k, day(from), day(to), by, site, advisor };
	struct report_table *t = NULL;
	struct buf b;
	struct err e;

	err_clear(&e);
	if (report_run(desk(), v, &q, &t, &e) != STATUS_OK)
		fail_msg("report: %s", e.msg);
	buf_init(&b, 1 << 20);
	for (size_t c = 0; c < t->ncolumns; c++)
		buf_printf(&b, "%s%s", c ? "|" : "", t->columns[c].name);
	buf_adds(&b, "\n");
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncolumns; c++) {
			char text[64];

			report_cell_format(report_cell(t, r, c), false, text, sizeof text);
			buf_printf(&b, "%s%s", c ? "|" : "", text);
		}
		buf_adds(&b, "\n");
	}
	report_table_free(t);
	return buf_detach(&b);
}

#define EXPECT(got, want)                                                      \
	do {                                                                   \
		char *g_ = (got);                                              \
		if (strcmp(g_, (want)) != 0)                                   \
			fail_msg("got:\n%s\nwant:\n%s", g_, (want));           \
		free(g_);                                                      \
	} while (0)

/* ---- degenerate inputs --------------------------------------------------- */

static void test_degenerate(void **state)
{
	struct report_query q = { REPORT_REFERRALS, day("2026-03-29"), day("2026-03-23"),
				  REPORT_BY_NONE, NULL, NULL };
	struct report_table *t = (struct report_table *)1;
	struct report_viewer nobody = { NULL, false };
	struct err e;

	(void)state;
	assert_int_equal(report_run(desk(), &supervisor, &q, &t, &e), STATUS_INVALID);
	assert_null(t);
	assert_int_equal(report_run(desk(), NULL, &q, &t, &e), STATUS_DENIED);
	assert_int_equal(report_run(desk(), &nobody, &q, &t, &e), STATUS_DENIED);
	q.from = day("2016-01-01");
	q.to = day("2026-03-29");
	assert_int_equal(report_run(desk(), &supervisor, &q, &t, &e), STATUS_INVALID);
	q.from = day("2026-03-23");
	q.by = REPORT_BY_REASON;
	assert_int_equal(report_run(desk(), &supervisor, &q, &t, &e), STATUS_USAGE);
	q.kind = REPORT_CASES;
	q.by = REPORT_BY_DAY;
	assert_int_equal(report_run(desk(), &supervisor, &q, &t, &e), STATUS_USAGE);
	q.kind = REPORT_REFERRALS;
	q.by = REPORT_BY_NONE;
	q.site = "nowhere";
	assert_int_not_equal(report_run(desk(), &supervisor, &q, &t, &e), STATUS_OK);
	assert_non_null(strstr(e.msg, "nowhere"));
	assert_null(t);
	assert_int_equal(report_kind_find("nosuch"), -1);
	assert_int_equal(report_kind_find("fcr"), REPORT_FCR);
	assert_int_equal(report_by_find("week"), REPORT_BY_WEEK);
	report_table_free(NULL);
}

/* ---- periods ------------------------------------------------------------- */

static void test_periods(void **state)
{
	char lo[32], hi[32];
	int y, w;

	(void)state;
	assert_true(report_day_start_ms(day("2026-03-29")) == at("2026-03-29T00:00:00Z"));
	assert_true(report_day_start_ms(day("2026-03-30")) == at("2026-03-29T23:00:00Z"));
	assert_true(report_day_start_ms(day("2026-10-25")) == at("2026-10-24T23:00:00Z"));
	assert_true(report_day_start_ms(day("2026-10-26")) == at("2026-10-26T00:00:00Z"));
	report_period_bounds(day("2026-03-23"), day("2026-03-29"), lo, hi, sizeof lo);
	assert_string_equal(lo, "2026-03-23T00:00:00.000Z");
	assert_string_equal(hi, "2026-03-29T23:00:00.000Z");
	report_iso_week(day("2026-12-28"), &y, &w);
	assert_int_equal(y * 100 + w, 202653);
	report_iso_week(day("2027-01-03"), &y, &w);
	assert_int_equal(y * 100 + w, 202653);
	report_iso_week(day("2027-01-04"), &y, &w);
	assert_int_equal(y * 100 + w, 202701);
	report_iso_week(day("2021-01-03"), &y, &w);
	assert_int_equal(y * 100 + w, 202053);
	report_iso_week(day("2024-12-30"), &y, &w);
	assert_int_equal(y * 100 + w, 202501);
	report_iso_week(day("2026-03-23"), &y, &w);
	assert_int_equal(y * 100 + w, 202613);
}

/* ---- referrals ----------------------------------------------------------- */

static void test_referrals(void **state)
{
	(void)state;
	/* 8 contacts (c1-c8), 2 referred (c2, c6); the week before 1 (p1). */
	EXPECT(run(&supervisor, REPORT_REFERRALS, "2026-03-23", "2026-03-29", REPORT_BY_NONE, NULL,
		   NULL),
	       "period|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "total|8|2|25.0|1|+1|100.0\n");
	EXPECT(run(&supervisor, REPORT_REFERRALS, "2026-03-23", "2026-03-29", REPORT_BY_SERVICE,
		   NULL, NULL),
	       "service|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "council-tax-moving|4|0|0.0|0|0|n/a\n"
	       "missed-bin|4|2|50.0|1|+1|100.0\n"
	       "total|8|2|25.0|1|+1|100.0\n");
	EXPECT(run(&supervisor, REPORT_REFERRALS, "2026-03-23", "2026-03-29", REPORT_BY_TEAM, NULL,
		   NULL),
	       "team|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "revenues|4|0|0.0|0|0|n/a\n"
	       "waste|4|2|50.0|1|+1|100.0\n"
	       "total|8|2|25.0|1|+1|100.0\n");
	EXPECT(run(&supervisor, REPORT_REFERRALS, "2026-03-23", "2026-03-29", REPORT_BY_ADVISOR,
		   NULL, NULL),
	       "advisor|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "alice|5|0|0.0|1|-1|-100.0\n"
	       "bob|3|2|66.7|0|+2|n/a\n"
	       "total|8|2|25.0|1|+1|100.0\n");
	/* Each day against the day before; c6 at 23:59Z is Saturday's, c7 at
	 * 00:01Z and c8 at 22:59Z (23:59 BST) Sunday's, c9 (00:30 BST) not in. */
	EXPECT(run(&supervisor, REPORT_REFERRALS, "2026-03-23", "2026-03-29", REPORT_BY_DAY, NULL,
		   NULL),
	       "day|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "2026-03-23|1|0|0.0|0|0|n/a\n"
	       "2026-03-24|1|1|100.0|0|+1|n/a\n"
	       "2026-03-25|1|0|0.0|1|-1|-100.0\n"
	       "2026-03-26|1|0|0.0|0|0|n/a\n"
	       "2026-03-27|1|0|0.0|0|0|n/a\n"
	       "2026-03-28|1|1|100.0|0|+1|n/a\n"
	       "2026-03-29|2|0|0.0|1|-1|-100.0\n"
	       "total|8|2|25.0|1|+1|100.0\n");
	EXPECT(run(&supervisor, REPORT_REFERRALS, "2026-03-29", "2026-03-30", REPORT_BY_DAY, NULL,
		   NULL),
	       "day|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "2026-03-29|2|0|0.0|1|-1|-100.0\n"
	       "2026-03-30|1|1|100.0|0|+1|n/a\n"
	       "total|3|1|33.3|1|0|0.0\n");
	EXPECT(run(&supervisor, REPORT_REFERRALS, "2026-03-23", "2026-03-29", REPORT_BY_WEEK, NULL,
		   NULL),
	       "week|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "2026-W13|8|2|25.0|1|+1|100.0\n"
	       "total|8|2|25.0|1|+1|100.0\n");
	/* Week 53: Thursday 31 December and Sunday 3 January are 2026-W53. */
	EXPECT(run(&supervisor, REPORT_REFERRALS, "2026-12-28", "2027-01-10", REPORT_BY_WEEK, NULL,
		   NULL),
	       "week|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "2026-W53|2|1|50.0|0|+1|n/a\n"
	       "2027-W01|1|1|100.0|1|0|0.0\n"
	       "total|3|2|66.7|0|+2|n/a\n");
	/* An empty week is a row of zeros and n/a. */
	EXPECT(run(&supervisor, REPORT_REFERRALS, "2027-01-04", "2027-01-17", REPORT_BY_WEEK, NULL,
		   NULL),
	       "week|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "2027-W01|1|1|100.0|1|0|0.0\n"
	       "2027-W02|0|0|n/a|1|-1|-100.0\n"
	       "total|1|1|100.0|1|0|0.0\n");
	EXPECT(run(&supervisor, REPORT_REFERRALS, "2026-03-01", "2026-04-30", REPORT_BY_MONTH,
		   NULL, NULL),
	       "month|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "2026-03|11|4|36.4|0|+4|n/a\n"
	       "2026-04|0|0|n/a|4|-4|-100.0\n"
	       "total|11|4|36.4|0|+4|n/a\n");
}

/* ---- boundaries: BST ends, empty period, a site with no contacts ------------ */

static void test_boundaries(void **state)
{
	(void)state;
	/* 22:59Z on the 24th is 23:59 BST (the 24th); 23:30Z on the 24th is
	 * 00:30 BST on the 25th; 23:30Z on the 25th is 23:30 GMT (the 25th). */
	EXPECT(run(&supervisor, REPORT_FCR, "2026-10-25", "2026-10-25", REPORT_BY_NONE, NULL, NULL),
	       "period|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "total|2|2|100.0|80.0|yes|2|100.0\n");
	EXPECT(run(&supervisor, REPORT_FCR, "2026-10-24", "2026-10-24", REPORT_BY_NONE, NULL, NULL),
	       "period|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "total|1|1|100.0|80.0|yes|1|100.0\n");
	/* An empty period: zeros and n/a, never 0%. */
	EXPECT(run(&supervisor, REPORT_FCR, "2026-06-01", "2026-06-30", REPORT_BY_SERVICE, NULL,
		   NULL),
	       "service|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "total|0|0|n/a|80.0|n/a|0|n/a\n");
	EXPECT(run(&supervisor, REPORT_CHANNELS, "2026-06-01", "2026-06-30", REPORT_BY_NONE, NULL,
		   NULL),
	       "channel|contacts|share_pct|digital|digital_done|digital_takeup_pct\n"
	       "total|0|n/a||0|n/a\n");
	/* A site with no contacts. */
	EXPECT(run(&supervisor, REPORT_REFERRALS, "2026-03-23", "2026-03-29", REPORT_BY_SERVICE,
		   "hub-library", NULL),
	       "service|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "total|0|0|n/a|0|0|n/a\n");
	EXPECT(run(&supervisor, REPORT_CASES, "2026-06-01", "2026-06-30", REPORT_BY_NONE, NULL,
		   NULL),
	       "team|cases|open|overdue|closed|closed_within_standard|within_standard_pct|avg_working_days\n"
	       "total|0|0|0|0|0|n/a|n/a\n");
}

/* ---- first-contact resolution -------------------------------------------- */

static void test_fcr(void **state)
{
	struct err e;

	(void)state;
	/* 3 resolved of 8; c1 is undone by c8 (customer A, same service, six
	 * days later, another visit): 2 audited. */
	EXPECT(run(&supervisor, REPORT_FCR, "2026-03-23", "2026-03-29", REPORT_BY_NONE, NULL, NULL),
	       "period|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "total|8|3|37.5|80.0|no|2|25.0\n");
	EXPECT(run(&supervisor, REPORT_FCR, "2026-03-23", "2026-03-29", REPORT_BY_ADVISOR, NULL,
		   NULL),
	       "advisor|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "alice|5|3|60.0|80.0|no|2|40.0\n"
	       "bob|3|0|0.0|80.0|no|0|0.0\n"
	       "total|8|3|37.5|80.0|no|2|25.0\n");
	/* With a 5-day window c8 (six days on) no longer undoes c1; with a 60%
	 * target alice meets it. */
	assert_int_equal(store_setting_set(st, "fcr_repeat_days", "5", &e), STATUS_OK);
	assert_int_equal(store_setting_set(st, "fcr_target_percent", "60", &e), STATUS_OK);
	EXPECT(run(&supervisor, REPORT_FCR, "2026-03-23", "2026-03-29", REPORT_BY_ADVISOR, NULL,
		   NULL),
	       "advisor|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "alice|5|3|60.0|60.0|yes|3|60.0\n"
	       "bob|3|0|0.0|60.0|no|0|0.0\n"
	       "total|8|3|37.5|60.0|no|3|37.5\n");
}

/* ---- channels, failure, signposting, cost, cases ---------------------------- */

static void test_channels(void **state)
{
	(void)state;
	/* Digital done: web not abandoned (c3) + assisted digital (c5) = 2 of 8. */
	EXPECT(run(&supervisor, REPORT_CHANNELS, "2026-03-23", "2026-03-29", REPORT_BY_NONE, NULL,
		   NULL),
	       "channel|contacts|share_pct|digital|digital_done|digital_takeup_pct\n"
	       "face-to-face|2|25.0|no|1|50.0\n"
	       "phone|4|50.0|no|0|0.0\n"
	       "web|2|25.0|yes|1|50.0\n"
	       "total|8|100.0||2|25.0\n");
	EXPECT(run(&supervisor, REPORT_CHANNELS, "2026-03-23", "2026-03-29", REPORT_BY_TEAM, NULL,
		   NULL),
	       "team|contacts|digital_done|digital_takeup_pct|face-to-face_pct|phone_pct|web_pct\n"
	       "revenues|4|1|25.0|25.0|75.0|0.0\n"
	       "waste|4|1|25.0|25.0|25.0|50.0\n"
	       "total|8|2|25.0|25.0|50.0|25.0\n");
}

static void test_failure(void **state)
{
	(void)state;
	EXPECT(run(&supervisor, REPORT_FAILURE, "2026-03-23", "2026-03-29", REPORT_BY_NONE, NULL,
		   NULL),
	       "reason|failure|share_of_failure_pct|share_of_contacts_pct\n"
	       "chasing-progress|2|66.7|25.0\n"
	       "not-done|1|33.3|12.5\n"
	       "total|3|100.0|37.5\n");
	/* Top services first. */
	EXPECT(run(&supervisor, REPORT_FAILURE, "2026-03-23", "2026-03-29", REPORT_BY_SERVICE, NULL,
		   NULL),
	       "service|contacts|failure|failure_pct|share_of_failure_pct\n"
	       "missed-bin|4|2|50.0|66.7\n"
	       "council-tax-moving|4|1|25.0|33.3\n"
	       "total|8|3|37.5|100.0\n");
}

static void test_signposting(void **state)
{
	struct err e;

	(void)state;
	/* 1000 a year over 7 days: 19.18, so 19; 1 of 19 is 5.3%. */
	EXPECT(run(&supervisor, REPORT_SIGNPOSTING, "2026-03-23", "2026-03-29", REPORT_BY_ADVISOR,
		   NULL, NULL),
	       "advisor|signposted|signposted_target|signposted_pct_of_target|assisted_digital|"
	       "assisted_digital_target|assisted_digital_pct_of_target\n"
	       "alice|1|||0||\n"
	       "bob|0|||1||\n"
	       "total|1|19|5.3|1|19|5.3\n");
	/* A target of 0 is n/a, not 0%; 73 days is a fifth of 365. */
	assert_int_equal(store_setting_set(st, "signposting_target_year", "0", &e), STATUS_OK);
	assert_int_equal(store_setting_set(st, "assisted_digital_target_year", "50", &e),
			 STATUS_OK);
	EXPECT(run(&supervisor, REPORT_SIGNPOSTING, "2026-03-01", "2026-05-12", REPORT_BY_NONE,
		   NULL, NULL),
	       "period|signposted|signposted_target|signposted_pct_of_target|assisted_digital|"
	       "assisted_digital_target|assisted_digital_pct_of_target\n"
	       "total|1|0|n/a|1|10|10.0\n");
	assert_int_equal(store_setting_set(st, "signposting_target_year", "-1", &e),
			 STATUS_INVALID);
}

static void test_cost(void **state)
{
	struct err e;

	(void)state;
	/* The default mix names email, which this desk has not loaded. */
	{
		struct report_query q = { REPORT_COST, day("2026-03-23"), day("2026-03-29"),
					  REPORT_BY_NONE, NULL, NULL };
		struct report_table *t = NULL;

		assert_int_equal(report_run(desk(), &supervisor, &q, &t, &e), STATUS_INVALID);
		assert_non_null(strstr(e.msg, "'email'"));
	}
	assert_int_not_equal(store_setting_set(st, "cost_target_mix", "web:50,phone:30,fax:20", &e),
			     STATUS_OK);
	assert_int_equal(store_setting_set(st, "cost_target_mix", "web:50,phone:30", &e),
			 STATUS_INVALID);
	assert_int_equal(store_setting_set(st, "cost_target_mix", "web:50,web:50", &e),
			 STATUS_INVALID);
	assert_int_equal(store_setting_set(st, "cost_target_mix", "web:50,phone:x", &e),
			 STATUS_INVALID);
	assert_int_equal(store_setting_set(st, "cost_target_mix", "web:50,phone:30,face-to-face:20",
					   &e),
			 STATUS_OK);
	/* Now: 2 x 10.53 + 4 x 3.00 + 2 x 0.08 = 33.22. At the mix: 8 x (20% x
	 * 10.53 + 30% x 3.00 + 50% x 0.08) = 8 x 3.046 = 24.368, so 24.37. */
	EXPECT(run(&supervisor, REPORT_COST, "2026-03-23", "2026-03-29", REPORT_BY_NONE, NULL, NULL),
	       "channel|contacts|unit_cost|cost|target_share_pct|target_contacts|target_cost\n"
	       "face-to-face|2|10.53|21.06|20.0|2|16.85\n"
	       "phone|4|3.00|12.00|30.0|2|7.20\n"
	       "web|2|0.08|0.16|50.0|4|0.32\n"
	       "total|8||33.22|100.0|8|24.37\n");
	/* revenues: c1 phone, c4 phone, c5 f2f, c8 phone = 19.53; at the mix
	 * 4 x 3.046 = 12.184. waste: c2 f2f, c3 web, c6 phone, c7 web = 13.69. */
	EXPECT(run(&supervisor, REPORT_COST, "2026-03-23", "2026-03-29", REPORT_BY_TEAM, NULL, NULL),
	       "team|contacts|cost|cost_at_target|difference\n"
	       "revenues|4|19.53|12.18|-7.35\n"
	       "waste|4|13.69|12.18|-1.51\n"
	       "total|8|33.22|24.37|-8.85\n");
}

static void test_cases(void **state)
{
	(void)state;
	EXPECT(run(&supervisor, REPORT_CASES, "2026-03-23", "2026-03-29", REPORT_BY_NONE, NULL,
		   NULL),
	       "team|cases|open|overdue|closed|closed_within_standard|within_standard_pct|avg_working_days\n"
	       "waste|2|0|0|2|2|100.0|2.0\n"
	       "total|2|0|0|2|2|100.0|2.0\n");
	/* With p1's case (open, due 19 March: overdue on 10 April) and c9's
	 * (raised Monday 30th in London, outside). */
	EXPECT(run(&supervisor, REPORT_CASES, "2026-03-16", "2026-03-29", REPORT_BY_SERVICE, NULL,
		   NULL),
	       "service|cases|open|overdue|closed|closed_within_standard|within_standard_pct|avg_working_days\n"
	       "missed-bin|3|1|1|2|2|100.0|2.0\n"
	       "total|3|1|1|2|2|100.0|2.0\n");
	EXPECT(run(&supervisor, REPORT_CASES, "2026-03-16", "2026-03-30", REPORT_BY_TEAM, NULL,
		   NULL),
	       "team|cases|open|overdue|closed|closed_within_standard|within_standard_pct|avg_working_days\n"
	       "revenues|1|1|1|0|0|n/a|n/a\n"
	       "waste|3|1|1|2|2|100.0|2.0\n"
	       "total|4|2|2|2|2|100.0|2.0\n");
}

/* ---- roles and drill-down ------------------------------------------------- */

static int collect(void *ctx, const struct report_contact *c)
{
	struct buf *b = ctx;

	buf_printf(b, "%.16s %s %s %s %s\n", c->created_at, c->service, c->outcome,
		   c->case_reference ? "case" : "-", c->customer_name ? c->customer_name : "-");
	return 0;
}

static void test_roles(void **state)
{
	struct report_viewer alice = { "alice", false };
	struct report_query q = { REPORT_REFERRALS, day("2026-03-23"), day("2026-03-29"),
				  REPORT_BY_ADVISOR, NULL, "bob" };
	struct report_table *t = NULL;
	struct buf b;
	struct err e;

	(void)state;
	/* An advisor sees only their own figures, whatever the grouping. */
	EXPECT(run(&alice, REPORT_REFERRALS, "2026-03-23", "2026-03-29", REPORT_BY_ADVISOR, NULL,
		   NULL),
	       "advisor|contacts|referred|referred_pct|previous|change|change_pct\n"
	       "alice|5|0|0.0|1|-1|-100.0\n"
	       "total|5|0|0.0|1|-1|-100.0\n");
	EXPECT(run(&alice, REPORT_FCR, "2026-03-23", "2026-03-29", REPORT_BY_NONE, NULL, "alice"),
	       "period|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "total|5|3|60.0|80.0|no|2|40.0\n");
	assert_int_equal(report_run(desk(), &alice, &q, &t, &e), STATUS_DENIED);
	assert_null(t);
	assert_non_null(strstr(e.msg, "own figures"));
	buf_init(&b, 4096);
	q.advisor = NULL;
	assert_int_equal(report_drill(desk(), &alice, &q, "bob", 10, collect, &b, &e), STATUS_DENIED);
	assert_int_equal(b.len, 0);
	/* Both refusals are in the audit trail. */
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'access.denied'"
			       " AND record_type = 'report' AND detail = 'report-all'"),
			 2);
	/* The bare login is the advisor's own too. */
	q.advisor = "alice";
	assert_int_equal(report_run(desk(), &alice, &q, &t, &e), STATUS_OK);
	report_table_free(t);
	t = NULL;
	q.advisor = NULL;
	/* A supervisor may. */
	assert_int_equal(report_drill(desk(), &supervisor, &q, "bob", 10, collect, &b, &e), STATUS_OK);
	assert_string_equal(buf_str(&b), "2026-03-24T10:00 missed-bin referred case -\n"
					 "2026-03-28T23:59 missed-bin referred case -\n");
	buf_release(&b);
}

/* The rules the command line, the screen and frontdeskd share. */
static void test_rules(void **state)
{
	(void)state;
	assert_int_equal(report_natural_by(REPORT_REFERRALS), REPORT_BY_NONE);
	assert_int_equal(report_natural_by(REPORT_CHANNELS), REPORT_BY_CHANNEL);
	assert_int_equal(report_natural_by(REPORT_COST), REPORT_BY_CHANNEL);
	assert_int_equal(report_natural_by(REPORT_FAILURE), REPORT_BY_REASON);
	assert_int_equal(report_natural_by(REPORT_CASES), REPORT_BY_TEAM);
	assert_int_equal(report_first_by(REPORT_REFERRALS), REPORT_BY_SERVICE);
	assert_int_equal(report_first_by(REPORT_FCR), REPORT_BY_SERVICE);
	assert_int_equal(report_first_by(REPORT_SIGNPOSTING), REPORT_BY_NONE);
	assert_int_equal(report_first_by(REPORT_CASES), REPORT_BY_TEAM);
	assert_true(report_by_allowed(REPORT_FAILURE, REPORT_BY_REASON));
	assert_false(report_by_allowed(REPORT_REFERRALS, REPORT_BY_REASON));
	assert_false(report_by_allowed(REPORT_CASES, REPORT_BY_NONE));
	assert_false(report_by_allowed(REPORT_CASES, REPORT_BY_SITE));
	assert_true(report_by_allowed(REPORT_CASES, REPORT_BY_SERVICE));
	assert_true(report_by_allowed(REPORT_COST, REPORT_BY_WEEK));
	/* Every report's own groupings are ones it takes. */
	for (int k = 0; k < REPORT_KIND_COUNT; k++) {
		assert_true(report_by_allowed((enum report_kind)k,
					      report_natural_by((enum report_kind)k)));
		assert_true(report_by_allowed((enum report_kind)k,
					      report_first_by((enum report_kind)k)));
	}
	assert_int_equal(report_period_days(day("2026-03-01"), day("2026-03-01")), 1);
	assert_int_equal(report_period_days(day("2026-03-02"), day("2026-03-01")), 0);
	assert_int_equal(report_period_days(day("2026-01-01"), day("2026-12-31")), 365);
	for (size_t i = 0; report_setting_keys[i]; i++)
		assert_non_null(strstr("fcr_target_percent fcr_repeat_days signposting_target_year "
				       "assisted_digital_target_year cost_target_mix",
				       report_setting_keys[i]));
}

/* A source with figures but no names and no audit trail (as frontdeskd's):
 * the reports run, a refusal is not audited anywhere, and neither a
 * drill-down nor a saved file is offered. */
static void test_source_without_trail(void **state)
{
	struct report_source src = *desk();
	struct report_viewer alice = { "alice", false };
	struct report_query q = { REPORT_REFERRALS, day("2026-03-23"), day("2026-03-29"),
				  REPORT_BY_ADVISOR, NULL, NULL };
	struct report_table *t = NULL;
	long audited = count("SELECT count(*) FROM audit");
	struct buf b;
	struct err e;

	(void)state;
	src.contacts = NULL;
	src.audit = NULL;
	src.audit_begin = NULL;
	src.audit_end = NULL;
	assert_int_equal(report_run(&src, &supervisor, &q, &t, &e), STATUS_OK);
	assert_non_null(t);
	assert_int_equal(report_export_csv(&src, t, NULL, "/nonexistent/never.csv", &e),
			 STATUS_USAGE);
	report_table_free(t);
	t = NULL;
	q.advisor = "bob";
	assert_int_equal(report_run(&src, &alice, &q, &t, &e), STATUS_DENIED);
	assert_null(t);
	buf_init(&b, 4096);
	q.advisor = NULL;
	assert_int_equal(report_drill(&src, &supervisor, &q, "bob", 10, collect, &b, &e),
			 STATUS_USAGE);
	assert_int_equal(b.len, 0);
	buf_release(&b);
	assert_int_equal(count("SELECT count(*) FROM audit"), audited);
}

static void test_viewer_and_export(void **state)
{
	struct report_query q = { REPORT_REFERRALS, day("2026-03-23"), day("2026-03-29"),
				  REPORT_BY_SERVICE, NULL, NULL };
	struct report_viewer v;
	struct report_table *t = NULL;
	char csv[300], text[512];
	size_t order[8];
	FILE *f;
	size_t n;
	struct err e;

	(void)state;
	/* No role: an advisor of their own contacts. */
	store_set_actor(st, "cli:nobody");
	store_report_viewer(st, &v);
	assert_false(v.supervisor);
	assert_string_equal(v.advisor, "cli:nobody");
	store_set_actor_role(st, "supervisor:msup", STORE_ROLE_SUPERVISOR);
	store_report_viewer(st, &v);
	assert_true(v.supervisor);
	/* The table as sorted, to a new file, audited. */
	assert_int_equal(report_run(desk(), &v, &q, &t, &e), STATUS_OK);
	assert_true(t->nrows <= sizeof order / sizeof order[0]);
	for (size_t i = 0; i + 1 < t->nrows; i++)
		order[i] = t->nrows - 2 - i;
	order[t->nrows - 1] = t->nrows - 1;
	snprintf(csv, sizeof csv, "%s/r.csv", dir);
	assert_int_equal(report_export_csv(desk(), NULL, NULL, csv, &e), STATUS_USAGE);
	assert_int_equal(report_export_csv(desk(), t, order, csv, &e), STATUS_OK);
	f = fopen(csv, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_string_equal(text,
			    "service,contacts,referred,referred_pct,previous,change,change_pct\r\n"
			    "missed-bin,4,2,50.0,1,+1,100.0\r\n"
			    "council-tax-moving,4,0,0.0,0,0,n/a\r\n"
			    "total,8,2,25.0,1,+1,100.0\r\n");
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'report.export'"
			       " AND actor = 'supervisor:msup'"),
			 1);
	/* Never replaced. */
	assert_int_equal(report_export_csv(desk(), t, NULL, csv, &e), STATUS_IO);
	assert_non_null(strstr(e.msg, "already exists"));
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'report.export'"), 1);
	report_table_free(t);
	store_set_actor_role(st, "test:supervisor", STORE_ROLE_SUPERVISOR);
}

/* What a console shows of the server's answer is what the server computed. */
static void test_json_round_trip(void **state)
{
	const enum report_kind kinds[] = { REPORT_REFERRALS, REPORT_FCR, REPORT_CHANNELS,
					   REPORT_COST };
	struct err e;

	(void)state;
	store_set_actor_role(st, "supervisor:msup", STORE_ROLE_SUPERVISOR);
	assert_int_equal(store_setting_set(st, "cost_target_mix", "web:50,phone:30,face-to-face:20",
					   &e),
			 STATUS_OK);
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		struct report_query q = { kinds[k], day("2026-03-23"), day("2026-03-29"),
					  REPORT_BY_NONE, NULL, NULL };
		struct report_table *t = NULL, *back = NULL;
		struct report_viewer v;
		json_t *j;

		store_report_viewer(st, &v);
		if (report_run(desk(), &v, &q, &t, &e) != STATUS_OK)
			fail_msg("%s: %s", report_kind_name(kinds[k]), e.msg);
		j = report_table_json(t, &q, "all hubs");
		assert_string_equal(json_string_value(json_object_get(j, "scope")), "all hubs");
		assert_int_equal(report_table_from_json(j, &back, &e), STATUS_OK);
		assert_int_equal(back->nrows, t->nrows);
		assert_int_equal(back->ncolumns, t->ncolumns);
		assert_int_equal(back->total_last, t->total_last);
		for (size_t r = 0; r < t->nrows; r++)
			for (size_t c = 0; c < t->ncolumns; c++) {
				char a[64], b[64];

				report_cell_format(report_cell(t, r, c), true, a, sizeof a);
				report_cell_format(report_cell(back, r, c), true, b, sizeof b);
				assert_string_equal(a, b);
			}
		json_decref(j);
		report_table_free(back);
		report_table_free(t);
	}
	/* Not a report: refused with a message. */
	{
		json_t *j = json_pack("{s:[]}", "rows");
		struct report_table *t = NULL;

		assert_int_equal(report_table_from_json(j, &t, &e), STATUS_INVALID);
		assert_null(t);
		json_decref(j);
	}
	store_set_actor_role(st, "test:supervisor", STORE_ROLE_SUPERVISOR);
}

static void test_drill(void **state)
{
	struct report_query q = { REPORT_FCR, day("2026-03-23"), day("2026-03-29"), REPORT_BY_DAY,
				  NULL, NULL };
	long before = count("SELECT count(*) FROM audit WHERE action = 'report.drill'");
	struct buf b;
	struct err e;

	(void)state;
	buf_init(&b, 4096);
	/* The resolutions behind the total: names only here, and audited. */
	assert_int_equal(report_drill(desk(), &supervisor, &q, "total", 10, collect, &b, &e), STATUS_OK);
	assert_string_equal(buf_str(&b), "2026-03-23T09:00 council-tax-moving resolved - Zoë Brown\n"
					 "2026-03-25T11:00 missed-bin resolved - -\n"
					 "2026-03-29T22:59 council-tax-moving resolved - Zoë Brown\n");
	/* a summary row and one per name shown */
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'report.drill'"),
			 before + 3);
	buf_reset(&b);
	/* A day key narrows to that London day (c8 is 23:59 BST on the 29th). */
	assert_int_equal(report_drill(desk(), &supervisor, &q, "2026-03-29", 10, collect, &b, &e),
			 STATUS_OK);
	assert_string_equal(buf_str(&b),
			    "2026-03-29T22:59 council-tax-moving resolved - Zoë Brown\n");
	buf_reset(&b);
	q.by = REPORT_BY_WEEK;
	assert_int_equal(report_drill(desk(), &supervisor, &q, "2026-W13", 1, collect, &b, &e),
			 STATUS_OK);
	assert_string_equal(buf_str(&b), "2026-03-23T09:00 council-tax-moving resolved - Zoë Brown\n");
	assert_int_equal(report_drill(desk(), &supervisor, &q, "2026-W99", 1, collect, &b, &e),
			 STATUS_USAGE);
	q.kind = REPORT_CASES;
	q.by = REPORT_BY_TEAM;
	assert_int_equal(report_drill(desk(), &supervisor, &q, "waste", 1, collect, &b, &e),
			 STATUS_USAGE);
	buf_release(&b);
}

/* Drilling into a column: the row's contacts, or the report's own count. */
static void test_drill_column(void **state)
{
	struct report_viewer alice = { "alice", false };
	struct report_query q = { REPORT_REFERRALS, day("2026-03-23"), day("2026-03-29"),
				  REPORT_BY_SERVICE, NULL, NULL };
	long before = count("SELECT count(*) FROM audit WHERE action = 'report.drill'");
	struct buf b;
	struct err e;

	(void)state;
	buf_init(&b, 4096);
	assert_string_equal(report_drill_count(REPORT_REFERRALS), "referred");
	assert_string_equal(report_drill_count(REPORT_FCR), "resolved");
	assert_string_equal(report_drill_count(REPORT_FAILURE), "failure");
	assert_string_equal(report_drill_count(REPORT_COST), "contacts");
	assert_null(report_drill_count(REPORT_CASES));
	assert_null(report_drill_count(REPORT_SIGNPOSTING));
	/* Council tax that week: 4 contacts, none referred (c9 is the 30th). */
	assert_int_equal(report_drill_column(desk(), &supervisor, &q, "council-tax-moving", "referred",
					     10, collect, &b, &e),
			 STATUS_OK);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(report_drill_column(desk(), &supervisor, &q, "council-tax-moving", "contacts",
					     10, collect, &b, &e),
			 STATUS_OK);
	assert_string_equal(buf_str(&b),
			    "2026-03-23T09:00 council-tax-moving resolved - Zoë Brown\n"
			    "2026-03-26T12:00 council-tax-moving signposted - -\n"
			    "2026-03-27T13:00 council-tax-moving assisted-digital - -\n"
			    "2026-03-29T22:59 council-tax-moving resolved - Zoë Brown\n");
	/* two summaries, two names shown */
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'report.drill'"),
			 before + 4);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'report.drill' AND detail"
			       " = 'referrals 2026-03-23..2026-03-29 by service key"
			       " council-tax-moving count contacts: contacts 4'"),
			 1);
	/* Not a count of contacts. */
	assert_int_equal(report_drill_column(desk(), &supervisor, &q, "total", "referred_pct", 10,
					     collect, &b, &e),
			 STATUS_USAGE);
	assert_string_equal(e.msg,
			    "'referred_pct' is not a count of contacts; drill into contacts or referred");
	/* An advisor's contacts column is theirs alone: alice's 2 of the 4 bins. */
	buf_reset(&b);
	assert_int_equal(report_drill_column(desk(), &alice, &q, "missed-bin", "contacts", 10, collect,
					     &b, &e),
			 STATUS_OK);
	assert_string_equal(buf_str(&b), "2026-03-25T11:00 missed-bin resolved - -\n"
					 "2026-03-29T00:01 missed-bin abandoned - -\n");
	/* Failure demand's own count: only the avoidable contacts of the row. */
	buf_reset(&b);
	q.kind = REPORT_FAILURE;
	assert_int_equal(report_drill_column(desk(), &supervisor, &q, "missed-bin", "failure", 10,
					     collect, &b, &e),
			 STATUS_OK);
	assert_string_equal(buf_str(&b), "2026-03-24T10:00 missed-bin referred case -\n"
					 "2026-03-28T23:59 missed-bin referred case -\n");
	/* The cases report has no drill-down whatever the column. */
	q.kind = REPORT_CASES;
	q.by = REPORT_BY_TEAM;
	assert_int_equal(report_drill_column(desk(), &supervisor, &q, "waste", "contacts", 1, collect,
					     &b, &e),
			 STATUS_USAGE);
	buf_release(&b);
}

static void test_corrections(void **state)
{
	struct contact_input in = { 0 };
	struct contact_result first, fix;
	struct err e;

	(void)state;
	/* A referral corrected to resolved counts once, as the correction. */
	fake_now = at("2026-07-01T10:00:00Z");
	in.channel = "phone";
	in.site = "civic-centre";
	in.advisor = "bob";
	in.service = "council-tax-moving";
	in.outcome = "resolved";
	in.duration_s = -1;
	assert_int_equal(store_contact_log(st, &in, &first, &e), STATUS_OK);
	in.corrects = first.contact_id;
	in.outcome = "signposted";
	assert_int_equal(store_contact_log(st, &in, &fix, &e), STATUS_OK);
	fake_now = at("2026-07-10T10:00:00Z");
	EXPECT(run(&supervisor, REPORT_FCR, "2026-07-01", "2026-07-01", REPORT_BY_NONE, NULL, NULL),
	       "period|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "total|1|0|0.0|80.0|no|0|0.0\n");
}

/* ---- the audited first-contact resolution, case by case -------------------- */

static void add_customer(const char *name, char id[UUID_STR_LEN + 1])
{
	struct customer *c = customer_new();
	struct err e;

	customer_set(c, CF_name, name);
	assert_int_equal(store_customer_add(st, c, &e), STATUS_OK);
	snprintf(id, UUID_STR_LEN + 1, "%s", c->id);
	customer_free(c);
}

/* Logs a contact of customer at utc by phone, in visit (NULL: a new one),
 * and returns its ids in out. */
static void log_visit(const char *utc, const char *advisor, const char *service,
		      const char *outcome, const char *customer, const char *visit,
		      const char *corrects, struct contact_result *out)
{
	struct contact_input in = { .visit_id = visit, .customer_id = customer,
				    .channel = "phone", .advisor = advisor, .service = service,
				    .outcome = outcome, .corrects = corrects };

	log_input(utc, &in, out);
}

/*
 * Week of Monday 4 May 2026 (BST: London is UTC+1), ctm = council tax
 * moving, all resolved and by phone unless said:
 *
 *   r1 05-04 09:00Z alice ctm  B     undone by r3, exactly 7 days on (the
 *   r3 05-11 09:00Z bob   ctm  B       window is inclusive; r3 is after the
 *                                      period and by another advisor)
 *   c1 05-05 10:00Z alice bin  C     stays: c2 is 7 days and 1 ms on
 *   c2 05-12 10:00:00.001Z bob bin C referred
 *   f1 05-05 12:00Z alice ctm  F     stays: f2 is corrected and f3 (the
 *   f2 05-06 12:00Z bob   ctm  F signposted, corrected by f3
 *   f3 05-06 12:30Z bob   ctm  F signposted, in f1's visit
 *   d1 05-06 10:00Z bob   ctm  D     undone by d3 (d2 is another service)
 *   d2 05-07 10:00Z alice bin  D
 *   g1 05-07 10:00Z alice ctm  G     stays: g2 is the same visit
 *   g2 05-07 11:00Z alice ctm  G
 *   d3 05-08 10:00Z alice ctm  D
 *   e1 05-09 10:00Z alice ctm  E     both stay: the same time is not later
 *   e2 05-09 10:00Z bob   ctm  E
 *
 * In the week: alice 8 contacts, 8 resolved, 7 audited (r1 undone); bob 3
 * (d1, e2, f3; f2 is corrected), 2 resolved, 1 audited (d1 undone).
 */
static void repeats_fixture(void)
{
	char b[UUID_STR_LEN + 1], c[UUID_STR_LEN + 1], d[UUID_STR_LEN + 1], e[UUID_STR_LEN + 1],
		f[UUID_STR_LEN + 1], g[UUID_STR_LEN + 1];
	struct contact_result out, f1, f2, g1;
	const char *ctm = "council-tax-moving";

	fake_now = at("2026-05-01T10:00:00Z");
	add_customer("B", b);
	add_customer("C", c);
	add_customer("D", d);
	add_customer("E", e);
	add_customer("F", f);
	add_customer("G", g);
	log_visit("2026-05-04T09:00:00Z", "alice", ctm, "resolved", b, NULL, NULL, &out);
	log_visit("2026-05-11T09:00:00Z", "bob", ctm, "resolved", b, NULL, NULL, &out);
	log_visit("2026-05-05T10:00:00Z", "alice", "missed-bin", "resolved", c, NULL, NULL, &out);
	log_visit("2026-05-12T10:00:00.001Z", "bob", "missed-bin", "referred", c, NULL, NULL,
		  &out);
	log_visit("2026-05-05T12:00:00Z", "alice", ctm, "resolved", f, NULL, NULL, &f1);
	log_visit("2026-05-06T12:00:00Z", "bob", ctm, "signposted", f, NULL, NULL, &f2);
	log_visit("2026-05-06T12:30:00Z", "bob", ctm, "signposted", f, f1.visit_id, f2.contact_id,
		  &out);
	log_visit("2026-05-06T10:00:00Z", "bob", ctm, "resolved", d, NULL, NULL, &out);
	log_visit("2026-05-07T10:00:00Z", "alice", "missed-bin", "resolved", d, NULL, NULL, &out);
	log_visit("2026-05-07T10:00:00Z", "alice", ctm, "resolved", g, NULL, NULL, &g1);
	log_visit("2026-05-07T11:00:00Z", "alice", ctm, "resolved", g, g1.visit_id, NULL, &out);
	log_visit("2026-05-08T10:00:00Z", "alice", ctm, "resolved", d, NULL, NULL, &out);
	log_visit("2026-05-09T10:00:00Z", "alice", ctm, "resolved", e, NULL, NULL, &out);
	log_visit("2026-05-09T10:00:00Z", "bob", ctm, "resolved", e, NULL, NULL, &out);
	fake_now = at("2026-06-01T10:00:00Z");
}

static void test_fcr_repeats(void **state)
{
	struct err e;

	(void)state;
	repeats_fixture();
	EXPECT(run(&supervisor, REPORT_FCR, "2026-05-04", "2026-05-10", REPORT_BY_ADVISOR, NULL,
		   NULL),
	       "advisor|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "alice|8|8|100.0|80.0|yes|7|87.5\n"
	       "bob|3|2|66.7|80.0|no|1|33.3\n"
	       "total|11|10|90.9|80.0|yes|8|72.7\n");
	/* Each undone resolution counts on its own London day; an empty day is
	 * n/a. */
	EXPECT(run(&supervisor, REPORT_FCR, "2026-05-04", "2026-05-10", REPORT_BY_DAY, NULL, NULL),
	       "day|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "2026-05-04|1|1|100.0|80.0|yes|0|0.0\n"
	       "2026-05-05|2|2|100.0|80.0|yes|2|100.0\n"
	       "2026-05-06|2|1|50.0|80.0|no|0|0.0\n"
	       "2026-05-07|3|3|100.0|80.0|yes|3|100.0\n"
	       "2026-05-08|1|1|100.0|80.0|yes|1|100.0\n"
	       "2026-05-09|2|2|100.0|80.0|yes|2|100.0\n"
	       "2026-05-10|0|0|n/a|80.0|n/a|0|n/a\n"
	       "total|11|10|90.9|80.0|yes|8|72.7\n");
	/* alice's figures alone: bob's r3 still undoes her r1. */
	EXPECT(run(&supervisor, REPORT_FCR, "2026-05-04", "2026-05-10", REPORT_BY_NONE, NULL,
		   "alice"),
	       "period|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "total|8|8|100.0|80.0|yes|7|87.5\n");
	/* A 6-day window: r3 comes too late; d3 (two days) still undoes d1. */
	assert_int_equal(store_setting_set(st, "fcr_repeat_days", "6", &e), STATUS_OK);
	EXPECT(run(&supervisor, REPORT_FCR, "2026-05-04", "2026-05-10", REPORT_BY_NONE, NULL, NULL),
	       "period|contacts|resolved|fcr_pct|target_pct|met|resolved_audited|fcr_audited_pct\n"
	       "total|11|10|90.9|80.0|yes|9|81.8\n");
	/* Marked as repeated: a known customer's contacts about a service they
	 * contacted about more than once: A (c1, c8), B 2, C 2, D 2 (not d2),
	 * E 2, F 3, G 2. */
	assert_int_equal(count("SELECT count(*) FROM contact WHERE repeated"), 15);
	assert_int_equal(count("SELECT count(*) FROM contact WHERE NOT repeated"
			       " AND customer_id IS NOT NULL"),
			 1);
}

/* ---- the kept counts and the upgrade to them -------------------------------- */

/* Every row of a query as "a|b|c\n" lines. */
static char *rows(const char *text)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, text, -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(q); i++)
			buf_printf(&b, "%s%s", i ? "|" : "",
				   sqlite3_column_text(q, i) ? (const char *)sqlite3_column_text(q, i)
							     : "");
		buf_adds(&b, "\n");
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	return buf_detach(&b);
}

#define TALLY_ROWS                                                             \
	"SELECT kind, period, key, channel, contacts, resolved, referred, signposted,"  \
	" assisted_digital, abandoned, failure FROM contact_tally WHERE contacts <> 0"   \
	" ORDER BY kind, period, key, channel"
/* The same counts worked out from the contacts themselves. */
#define TALLY_FROM_CONTACTS                                                    \
	"SELECT k.kind, substr(c.created_at, 1, CASE k.kind WHEN 4 THEN 13 ELSE 10 END) AS p," \
	" CASE k.kind WHEN 1 THEN service WHEN 2 THEN site WHEN 3 THEN advisor"          \
	"  WHEN 4 THEN substr(created_at, 1, 13) ELSE coalesce(failure_demand, '') END AS key," \
	" channel, count(*), sum(outcome = 'resolved'), sum(outcome = 'referred'),"      \
	" sum(outcome = 'signposted'), sum(outcome = 'assisted-digital'),"              \
	" sum(outcome = 'abandoned'), count(failure_demand)"                            \
	" FROM contact c, (SELECT 1 AS kind UNION ALL SELECT 2 UNION ALL SELECT 3"       \
	"  UNION ALL SELECT 4 UNION ALL SELECT 5) k"                                     \
	" GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"

static void expect_tally_matches_contacts(void)
{
	char *kept = rows(TALLY_ROWS), *worked = rows(TALLY_FROM_CONTACTS);

	assert_true(strlen(kept) > 0);
	if (strcmp(kept, worked) != 0)
		fail_msg("kept:\n%s\nfrom the contacts:\n%s", kept, worked);
	free(kept);
	free(worked);
}

static void test_kept_counts(void **state)
{
	(void)state;
	/* Worked by hand from the fixture: the services on Monday 23 March
	 * (c1), the hours of Sunday 29 March (c7 at 00:01, c8 at 22:59, c9 at
	 * 23:30), and the reasons on the 28th (c6). */
	EXPECT(rows("SELECT key, channel, contacts, resolved, referred FROM contact_tally"
		    " WHERE kind = 1 AND period = '2026-03-23'"),
	       "council-tax-moving|phone|1|1|0\n");
	EXPECT(rows("SELECT key, channel, contacts, resolved, referred, abandoned FROM contact_tally"
		    " WHERE kind = 4 AND period >= '2026-03-29' AND period < '2026-03-30'"
		    " ORDER BY key"),
	       "2026-03-29T00|web|1|0|0|1\n"
	       "2026-03-29T22|phone|1|1|0|0\n"
	       "2026-03-29T23|phone|1|0|1|0\n");
	EXPECT(rows("SELECT key, channel, contacts, referred, failure FROM contact_tally"
		    " WHERE kind = 5 AND period = '2026-03-28'"),
	       "chasing-progress|phone|1|1|1\n");
	expect_tally_matches_contacts();
	/* Contacts are never changed or removed, but the counts would follow. */
	sql("UPDATE contact SET outcome = 'signposted', failure_demand = 'not-done'"
	    " WHERE created_at = '2026-03-23T09:00:00.000Z';"
	    "UPDATE contact SET created_at = '2026-03-24T11:00:00.000Z'"
	    " WHERE created_at = '2026-03-25T11:00:00.000Z';"
	    "DELETE FROM contact WHERE created_at = '2026-03-17T10:00:00.000Z'"
	    " AND NOT EXISTS (SELECT 1 FROM \"case\" WHERE contact_id = contact.id);");
	expect_tally_matches_contacts();
}

/* A database written before schema 5 is counted and marked when opened. */
static void test_upgrade(void **state)
{
	char *tally, *marks, *report;
	struct err e;

	(void)state;
	repeats_fixture();
	tally = rows(TALLY_ROWS);
	marks = rows("SELECT num FROM contact WHERE repeated ORDER BY num");
	report = run(&supervisor, REPORT_FCR, "2026-05-04", "2026-05-10", REPORT_BY_ADVISOR, NULL,
		     NULL);
	store_close(st);
	/* Back to schema 4, as an older frontdesk left it. */
	sql("DROP TRIGGER contact_tally_insert; DROP TRIGGER contact_tally_delete;"
	    "DROP TRIGGER contact_tally_update; DROP TRIGGER contact_repeated_insert;"
	    "DROP TRIGGER contact_repeated_update; DROP INDEX contact_repeat;"
	    "DROP INDEX case_report; DROP INDEX case_event_paused; DROP TABLE contact_tally;"
	    "ALTER TABLE contact DROP COLUMN repeated;"
	    "ALTER TABLE outbox DROP COLUMN wait_role; ALTER TABLE outbox DROP COLUMN wait_login;"
	    "DROP TABLE pull_problem;"
	    "DROP TABLE need; ALTER TABLE customer DROP COLUMN needs_basis;"
	    "PRAGMA user_version = 4;");
	assert_int_equal(store_open(path, 0, &st, &e), STATUS_OK);
	store_set_actor_role(st, "test:supervisor", STORE_ROLE_SUPERVISOR);
	assert_int_equal(store_user_version(st), STORE_SCHEMA_VERSION);
	EXPECT(rows(TALLY_ROWS), tally);
	EXPECT(rows("SELECT num FROM contact WHERE repeated ORDER BY num"), marks);
	EXPECT(run(&supervisor, REPORT_FCR, "2026-05-04", "2026-05-10", REPORT_BY_ADVISOR, NULL,
		   NULL),
	       report);
	expect_tally_matches_contacts();
	free(tally);
	free(marks);
	free(report);
}

/* Working days skip weekends and bank holidays (25 and 28 December 2026,
 * a Friday and a Monday). missed-bin's standard is 2 working days. */
static void test_case_working_days(void **state)
{
	(void)state;
	/* Raised Wed 23rd: due Tue 29th (24th, 29th); closed Wed 30th, 3
	 * working days on (24th, 29th, 30th): late. Raised Thu 24th: due Wed
	 * 30th; closed Tue 29th, 1 working day on (29th): within. */
	log_at("2026-12-23T10:00:00Z", "phone", "bob", "missed-bin", "referred", NULL, NULL);
	log_at("2026-12-24T10:00:00Z", "phone", "bob", "missed-bin", "referred", NULL, NULL);
	sql("UPDATE \"case\" SET status = 'closed', closed_at = '2026-12-30T15:00:00.000Z'"
	    " WHERE created_at = '2026-12-23T10:00:00.000Z';"
	    "UPDATE \"case\" SET status = 'closed', closed_at = '2026-12-29T15:00:00.000Z'"
	    " WHERE created_at = '2026-12-24T10:00:00.000Z';");
	EXPECT(rows("SELECT due_date FROM \"case\" WHERE created_at >= '2026-12-23'"
		    " AND created_at < '2026-12-25' ORDER BY created_at"),
	       "2026-12-29\n2026-12-30\n");
	fake_now = at("2027-01-10T10:00:00Z");
	EXPECT(run(&supervisor, REPORT_CASES, "2026-12-21", "2026-12-27", REPORT_BY_TEAM, NULL,
		   NULL),
	       "team|cases|open|overdue|closed|closed_within_standard|within_standard_pct|avg_working_days\n"
	       "waste|2|0|0|2|1|50.0|2.0\n"
	       "total|2|0|0|2|1|50.0|2.0\n");
}

static void test_format(void **state)
{
	struct report_cell c = { REPORT_VALUE_PERCENT, NULL, 1, 3, false };
	char out[32];

	(void)state;
	report_cell_format(&c, true, out, sizeof out);
	assert_string_equal(out, "33.3%");
	c.n = -1;
	c.d = 8;
	report_cell_format(&c, false, out, sizeof out);
	assert_string_equal(out, "-12.5");
	c.d = 0;
	report_cell_format(&c, true, out, sizeof out);
	assert_string_equal(out, "n/a");
	c = (struct report_cell){ REPORT_VALUE_PENCE, NULL, -735, 0, false };
	report_cell_format(&c, true, out, sizeof out);
	assert_string_equal(out, "-£7.35");
	c = (struct report_cell){ REPORT_VALUE_AVERAGE, NULL, 7, 2, false };
	report_cell_format(&c, true, out, sizeof out);
	assert_string_equal(out, "3.5");
	c = (struct report_cell){ REPORT_VALUE_CHANGE, NULL, 0, 0, false };
	report_cell_format(&c, true, out, sizeof out);
	assert_string_equal(out, "0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_degenerate, setup, teardown),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_referrals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signposting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
		cmocka_unit_test(test_rules),
		cmocka_unit_test_setup_teardown(test_source_without_trail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_viewer_and_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drill_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcr_repeats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_working_days, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
