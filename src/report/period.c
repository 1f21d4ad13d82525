/*
 * Periods: Europe/London days to UTC instants, and ISO weeks. Contacts store
 * UTC created_at text; a report's bounds are the instants its first London
 * day starts and the day after its last starts, so the store compares text
 * ranges and a contact at 00:30 BST lands on its London date.
 */
#include <stdio.h>

#include "report_int.h"

#define DAY_MS 86400000LL

int64_t report_day_start_ms(struct date d)
{
	int64_t midnight_utc = date_to_days(d) * DAY_MS;
	int64_t bst = midnight_utc - 3600000LL;

	/* Midnight never falls in a clock change (they happen at 01:00 UTC),
	 * so the day starts at 23:00 UTC the day before in summer time, or at
	 * midnight UTC in winter. */
	if (date_cmp(date_of_ms_london(bst), d) == 0)
		return bst;
	return midnight_utc;
}

void report_period_bounds(struct date from, struct date to, char *lo, char *hi, size_t outsz)
{
	time_format_utc(report_day_start_ms(from), lo, outsz);
	time_format_utc(report_day_start_ms(date_from_days(date_to_days(to) + 1)), hi, outsz);
}

void report_iso_week(struct date d, int *year, int *week)
{
	/* The week's Thursday decides its year. */
	int64_t days = date_to_days(d);
	int64_t thursday = days - (date_weekday(d) - 1) + 3;
	struct date th = date_from_days(thursday);
	struct date jan1 = { th.year, 1, 1 };

	*year = th.year;
	*week = (int)((thursday - date_to_days(jan1)) / 7) + 1;
}

int64_t report_period_days(struct date from, struct date to)
{
	return date_to_days(to) - date_to_days(from) + 1;
}

int report_month_days(int year, int month)
{
	for (int d = 31; d > 28; d--)
		if (date_valid((struct date){ year, month, d }))
			return d;
	return 28;
}
