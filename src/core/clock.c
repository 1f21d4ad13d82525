/*
 * The injectable clock, UTC times, calendar dates, Europe/London and working
 * days.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"

int64_t (*clock_hook)(void);

#define MS_PER_DAY INT64_C(86400000)
#define MS_PER_HOUR INT64_C(3600000)

int64_t clock_now_ms(void)
{
	const char *env;
	int64_t ms;
	struct timespec ts;

	if (clock_hook)
		return clock_hook();
	env = getenv("FRONTDESK_NOW");
	if (env && *env) {
		if (time_parse_utc(env, &ms) != STATUS_OK)
			die("FRONTDESK_NOW '%.40s' is not a UTC time; set it like "
			    "2026-03-29T00:30:00Z or unset it",
			    env);
		return ms;
	}
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		die("cannot read the system clock");
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Writes v as exactly width digits, zero-padded (0 <= v < 10^width). */
static char *put_digits(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* YYYY-MM-DD written by hand when it fits (every row of an import writes
 * several of these, and snprintf was a few percent of it). */
static bool date_put(struct date d, char *out, size_t outsz)
{
	if (outsz < 11 || d.year < 0 || d.year > 9999 || d.month < 0 || d.month > 99 ||
	    d.day < 0 || d.day > 99)
		return false;
	out = put_digits(out, d.year, 4);
	*out++ = '-';
	out = put_digits(out, d.month, 2);
	*out++ = '-';
	out = put_digits(out, d.day, 2);
	*out = '\0';
	return true;
}

void time_format_utc(int64_t ms, char *out, size_t outsz)
{
	int64_t days = floor_div(ms, MS_PER_DAY);
	int64_t rest = ms - days * MS_PER_DAY;
	struct date d = date_from_days(days);

	if (outsz >= 25 && date_put(d, out, outsz)) {
		char *p = out + 10;

		*p++ = 'T';
		p = put_digits(p, (int)(rest / MS_PER_HOUR), 2);
		*p++ = ':';
		p = put_digits(p, (int)(rest / 60000 % 60), 2);
		*p++ = ':';
		p = put_digits(p, (int)(rest / 1000 % 60), 2);
		*p++ = '.';
		p = put_digits(p, (int)(rest % 1000), 3);
		*p++ = 'Z';
		*p = '\0';
		return;
	}
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day,
		 (int)(rest / MS_PER_HOUR), (int)(rest / 60000 % 60), (int)(rest / 1000 % 60),
		 (int)(rest % 1000));
}

/* Reads exactly n ASCII digits; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Parses strict YYYY-MM-DD at s (exactly 10 characters used). */
static bool date_scan(const char *s, struct date *d)
{
	if (strnlen(s, 10) < 10 || s[4] != '-' || s[7] != '-')
		return false;
	d->year = digits(s, 4);
	d->month = digits(s + 5, 2);
	d->day = digits(s + 8, 2);
	return d->year >= 0 && d->month >= 0 && d->day >= 0 && date_valid(*d);
}

enum status time_parse_utc(const char *s, int64_t *ms)
{
	struct date d;
	int hh, mm, ss, milli = 0;
	size_t len;

	if (!s)
		return STATUS_INVALID;
	len = strnlen(s, 32);
	if ((len != 20 && len != 24) || !date_scan(s, &d) || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return STATUS_INVALID;
	hh = digits(s + 11, 2);
	mm = digits(s + 14, 2);
	ss = digits(s + 17, 2);
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
		return STATUS_INVALID;
	if (len == 24) {
		if (s[19] != '.' || (milli = digits(s + 20, 3)) < 0 || s[23] != 'Z')
			return STATUS_INVALID;
	} else if (s[19] != 'Z') {
		return STATUS_INVALID;
	}
	if (ms)
		*ms = date_to_days(d) * MS_PER_DAY + (int64_t)hh * MS_PER_HOUR +
		      (int64_t)mm * 60000 + (int64_t)ss * 1000 + milli;
	return STATUS_OK;
}

enum status date_parse(const char *s, struct date *d, const char *field, struct err *e)
{
	char subj[128];
	struct date tmp;
	const char *name = field ? field : "date";

	if (!s || !*s)
		return err_set(e, STATUS_INVALID,
			       "%s is empty; write the date as YYYY-MM-DD, e.g. 1984-07-31", name);
	core_subject(field, "date", s, subj, sizeof(subj));
	if (strnlen(s, 11) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4) < 0 ||
	    digits(s + 5, 2) < 0 || digits(s + 8, 2) < 0)
		return err_set(e, STATUS_INVALID,
			       "%s is not a date; write it as YYYY-MM-DD, e.g. 1984-07-31", subj);
	if (!date_scan(s, &tmp))
		return err_set(e, STATUS_INVALID,
			       "%s is not a real date (no such day in the calendar); check the "
			       "day and month",
			       subj);
	if (d)
		*d = tmp;
	return STATUS_OK;
}

/* D/M/YYYY or DD.MM.YYYY at s as YYYY-MM-DD text; false if not that form. */
static bool uk_form(const char *s, char *out, size_t outsz)
{
	int part[3] = { 0, 0, 0 }, len[3] = { 0, 0, 0 }, most[3] = { 2, 2, 4 };
	const char *p = s;

	for (int k = 0; k < 3; k++) {
		while (*p >= '0' && *p <= '9' && len[k] < most[k])
			part[k] = part[k] * 10 + (*p++ - '0'), len[k]++;
		if (!len[k])
			return false;
		if (k < 2) {
			if (*p != '/' && *p != '.')
				return false;
			p++;
		}
	}
	if (len[2] != 4 || *p)
		return false;
	snprintf(out, outsz, "%04d-%02d-%02d", part[2], part[1], part[0]);
	return true;
}

enum status date_parse_uk(const char *s, struct date *d, const char *field, struct err *e)
{
	const char *name = field ? field : "date";
	const char *text = s;
	char iso[32];
	struct date tmp;

	if (!s || !*s)
		return err_set(e, STATUS_INVALID,
			       "%s is empty; write the date like 25/12/2025 or 2025-12-25", name);
	if (uk_form(s, iso, sizeof iso))
		s = iso;
	if (strnlen(s, 11) != 10 || !date_scan(s, &tmp))
		return err_set(e, STATUS_INVALID,
			       "%s '%.40s' is not a date; write it like 25/12/2025 or 2025-12-25",
			       name, text);
	if (d)
		*d = tmp;
	return STATUS_OK;
}

void date_format(struct date d, char *out, size_t outsz)
{
	if (!date_put(d, out, outsz))
		snprintf(out, outsz, "%04d-%02d-%02d", d.year, d.month, d.day);
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap_year(y) ? 29 : dim[m - 1];
}

bool date_valid(struct date d)
{
	return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
	       d.day <= days_in_month(d.year, d.month);
}

int date_cmp(struct date a, struct date b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	if (a.month != b.month)
		return a.month < b.month ? -1 : 1;
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return 0;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t date_to_days(struct date d)
{
	int64_t y = d.year - (d.month <= 2);
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t mp = (d.month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

struct date date_from_days(int64_t days)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	struct date d;

	d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.year = (int)(yoe + era * 400 + (d.month <= 2));
	return d;
}

int date_weekday(struct date d)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t w = (date_to_days(d) % 7 + 7) % 7;

	return (int)((w + 3) % 7) + 1;
}

/* The last Sunday of a month, 01:00 UTC, in ms. */
static int64_t last_sunday_0100(int year, int month)
{
	struct date d = {year, month, days_in_month(year, month)};

	d.day -= date_weekday(d) % 7;
	return date_to_days(d) * MS_PER_DAY + MS_PER_HOUR;
}

/* The Europe/London wall clock of a UTC instant, as ms since the epoch. */
static int64_t london_local_ms(int64_t ms)
{
	struct date utc = date_from_days(floor_div(ms, MS_PER_DAY));

	if (utc.year >= 1 && utc.year <= 9999 && ms >= last_sunday_0100(utc.year, 3) &&
	    ms < last_sunday_0100(utc.year, 10))
		return ms + MS_PER_HOUR;
	return ms;
}

struct date date_of_ms_london(int64_t ms)
{
	return date_from_days(floor_div(london_local_ms(ms), MS_PER_DAY));
}

void time_format_london(int64_t ms, char *out, size_t outsz)
{
	int64_t local = london_local_ms(ms), minute = floor_div(local, 60000);
	char day[16];

	date_format(date_from_days(floor_div(local, MS_PER_DAY)), day, sizeof day);
	minute -= floor_div(local, MS_PER_DAY) * 1440;
	snprintf(out, outsz, "%s %02d:%02d", day, (int)(minute / 60), (int)(minute % 60));
}

struct date date_today_london(void)
{
	return date_of_ms_london(clock_now_ms());
}

static bool is_holiday(struct date d, const struct date *holidays, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = date_cmp(holidays[mid], d);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

struct date date_add_working_days(struct date from, int days, const struct date *holidays,
				  size_t nholidays)
{
	int64_t day = date_to_days(from);
	int step = days < 0 ? -1 : 1;
	long left = days < 0 ? -(long)days : days;

	if (!holidays)
		nholidays = 0;
	while (left > 0) {
		struct date d;

		day += step;
		d = date_from_days(day);
		if (date_weekday(d) >= 6 || is_holiday(d, holidays, nholidays))
			continue;
		left--;
	}
	return date_from_days(day);
}
