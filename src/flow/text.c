/*
 * text.c — templates ("Move on {moved_on}") and answers in plain English.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/flow.h"
#include "flow_int.h"

bool flow_template_fields(const char *tmpl,
			  void (*fn)(void *ctx, const char *name, size_t len, size_t off),
			  void *ctx, size_t *bad)
{
	size_t i = 0;

	if (!tmpl)
		return true;
	while (tmpl[i]) {
		if (tmpl[i] == '{' && tmpl[i + 1] == '{') {
			i += 2;
		} else if (tmpl[i] == '}' && tmpl[i + 1] == '}') {
			i += 2;
		} else if (tmpl[i] == '{') {
			size_t start = i + 1, j = start;
			while (tmpl[j] && tmpl[j] != '}' && tmpl[j] != '{')
				j++;
			if (tmpl[j] != '}') {
				if (bad)
					*bad = i;
				return false;
			}
			if (fn)
				fn(ctx, tmpl + start, j - start, i);
			i = j + 1;
		} else if (tmpl[i] == '}') {
			if (bad)
				*bad = i;
			return false;
		} else {
			i++;
		}
	}
	return true;
}

bool flow_money_pence(const char *canon, long *pence)
{
	long whole = 0, frac = 0;
	const char *p = canon;
	int d = 0;

	if (!p || !isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		if (whole > 1000000000L)
			return false;
		whole = whole * 10 + (*p++ - '0');
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p) && d < 2) {
			frac = frac * 10 + (*p++ - '0');
			d++;
		}
		if (d == 1)
			frac *= 10;
		if (d == 0)
			return false;
	}
	if (*p)
		return false;
	*pence = whole * 100 + frac;
	return true;
}

static const char *const month_names[] = {"January", "February", "March",     "April",
					  "May",     "June",     "July",      "August",
					  "September", "October", "November", "December"};

enum status flow_value_display(const struct flow_field *fd, const char *canon, struct buf *out)
{
	if (!canon)
		return buf_adds(out, "(not given)");
	if (fd && fd->type == FIELD_DATE) {
		struct date d;
		if (date_parse(canon, &d, "date", NULL) == STATUS_OK)
			return buf_printf(out, "%d %s %d", d.day, month_names[d.month - 1], d.year);
	}
	if (fd && fd->type == FIELD_MONEY) {
		long p;
		if (flow_money_pence(canon, &p))
			return buf_printf(out, "\xC2\xA3%ld.%02ld", p / 100, p % 100);
	}
	return buf_adds(out, canon);
}
