/*
 * The case rules, one implementation for the desk, the server and the
 * cases report: which status changes are allowed, what closing needs, and
 * how time awaiting the customer moves the due date on (working days,
 * weekends and bank holidays left out).
 */
#include <string.h>

#include "frontdesk/core.h"

/* Weekdays (Monday to Friday) d with a < d <= b, as day numbers: whole
 * weeks, then the days left over, so no day-by-day walk. */
static long weekdays_between(int64_t a, int64_t b)
{
	long n;
	int w;

	if (b <= a)
		return 0;
	n = (long)((b - a) / 7 * 5);
	w = date_weekday(date_from_days(a + 1)) - 1; /* 0 = Monday */
	for (int64_t i = 0; i < (b - a) % 7; i++)
		n += (w + i) % 7 < 5;
	return n;
}

/* The first index of the sorted holidays whose day number is > d. */
static size_t holidays_upto(const struct date *hol, size_t n, int64_t d)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (date_to_days(hol[mid]) <= d)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long date_working_days_between(struct date from, struct date to, const struct date *hol,
			       size_t nhol)
{
	int64_t a = date_to_days(from), b = date_to_days(to);
	long n;
	size_t i, end;

	if (b <= a)
		return 0;
	n = weekdays_between(a, b);
	if (!hol)
		return n;
	/* Only the holidays inside (a, b] are looked at, each day once. */
	i = holidays_upto(hol, nhol, a);
	end = holidays_upto(hol, nhol, b);
	for (int64_t last = a; i < end; i++) {
		int64_t d = date_to_days(hol[i]);

		if (d == last || date_weekday(hol[i]) > 5)
			continue;
		last = d;
		n--;
	}
	return n;
}

enum status case_change_check(const char *reference, enum case_status from, enum case_status to,
			      const char *result, struct err *e)
{
	if ((int)from < 0 || from >= CASE_STATUS_COUNT || (int)to < 0 || to >= CASE_STATUS_COUNT)
		return err_set(e, STATUS_INVALID,
			       "unknown case status; use open, in-progress, awaiting-customer or "
			       "closed");
	if (from == CASE_CLOSED)
		return err_set(e, STATUS_DENIED,
			       "case %s is closed and cannot change; raise a new referral if more "
			       "is needed",
			       reference && *reference ? reference : "(no reference)");
	if (to == CASE_CLOSED) {
		if (!result || !*result)
			return err_set(e, STATUS_INVALID,
				       "closing a case needs a result: say what was done");
		return valid_text("result", result, REASON_MAX_CHARS, true, true, e);
	}
	return STATUS_OK;
}

bool case_pause_ends(enum case_status from, enum case_status to)
{
	return from == CASE_AWAITING_CUSTOMER && to != CASE_AWAITING_CUSTOMER;
}

long case_pause_end(struct date paused_on, struct date today, const struct date *hol,
		    size_t nhol, struct date *due, long *paused_days)
{
	long waited = date_working_days_between(paused_on, today, hol, nhol);

	if (waited > 0) {
		*due = date_add_working_days(*due, (int)waited, hol, nhol);
		*paused_days += waited;
	}
	return waited;
}

bool case_overdue(enum case_status status, struct date due, struct date today)
{
	/* A case waiting on the customer has its clock stopped. */
	if (status == CASE_CLOSED || status == CASE_AWAITING_CUSTOMER)
		return false;
	return date_cmp(today, due) > 0;
}
