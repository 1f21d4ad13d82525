/*
 * Shared by the files of src/report/ and nowhere else.
 */
#ifndef FRONTDESK_REPORT_INT_H
#define FRONTDESK_REPORT_INT_H

#include "frontdesk/report.h"

/* A query that passed report_query_check: what a report or a drill-down
 * reads, with the filters and the grouping in force. */
struct report_scope {
	const struct report_source *src;
	const struct report_query *q;
	const char *site, *advisor; /* the filters in force */
	enum report_by by;	    /* the grouping in force */
};

/*
 * Checks q and v as report_run documents and fills *sc (borrowing src, q
 * and their strings). A refusal of another advisor's figures is audited
 * through src first when src keeps an audit trail.
 */
enum status report_query_check(const struct report_source *src, const struct report_viewer *v,
			       const struct report_query *q, struct report_scope *sc,
			       struct err *e);
/* True when who names the viewer: their advisor code ("advisor:jsmith") or
 * the login in it ("jsmith"). */
bool report_viewer_is(const struct report_viewer *v, const char *who);
/* Refuses an advisor another advisor's figures or contacts (what), with an
 * audit row ("access.denied", detail "report-all") written through src
 * before the refusal when src keeps a trail. */
enum status report_deny_others(const struct report_source *src, const struct report_viewer *v,
			       const char *who, const char *what, struct err *e);

/* The days in a month of a year (28 to 31). */
int report_month_days(int year, int month);

#endif
