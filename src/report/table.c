/*
 * The reports' vocabulary and their tables: report and grouping names from
 * the X-macro lists in report.h, and the typed cells every front end
 * formats the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

/* ---- names -------------------------------------------------------------- */

static const char *const kind_names[] = {
#define RK_NAME(n, name, help) name,
	REPORT_KINDS(RK_NAME)
#undef RK_NAME
};
static const char *const kind_helps[] = {
#define RK_HELP(n, name, help) help,
	REPORT_KINDS(RK_HELP)
#undef RK_HELP
};
static const char *const by_names[] = {
#define RB_NAME(n, name) name,
	REPORT_BYS(RB_NAME)
#undef RB_NAME
};

const char *report_kind_name(enum report_kind k)
{
	return (unsigned)k < REPORT_KIND_COUNT ? kind_names[k] : "?";
}

const char *report_kind_help(enum report_kind k)
{
	return (unsigned)k < REPORT_KIND_COUNT ? kind_helps[k] : "";
}

int report_kind_find(const char *name)
{
	for (int i = 0; name && i < REPORT_KIND_COUNT; i++)
		if (strcmp(kind_names[i], name) == 0)
			return i;
	return -1;
}

const char *report_by_name(enum report_by b)
{
	return (unsigned)b < REPORT_BY_COUNT ? by_names[b] : "?";
}

int report_by_find(const char *name)
{
	for (int i = 0; name && i < REPORT_BY_COUNT; i++)
		if (strcmp(by_names[i], name) == 0)
			return i;
	return -1;
}

/* ---- tables ------------------------------------------------------------- */

void report_table_free(struct report_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncolumns; i++)
		free(t->cells[i].text);
	for (size_t i = 0; i < t->ncolumns; i++)
		free(t->columns[i].name);
	free(t->columns);
	free(t->cells);
	free(t->title);
	free(t->note);
	free(t);
}

const struct report_cell *report_cell(const struct report_table *t, size_t row, size_t col)
{
	return &t->cells[row * t->ncolumns + col];
}

bool report_cell_na(const struct report_cell *c)
{
	return !c->blank && (c->kind == REPORT_VALUE_PERCENT || c->kind == REPORT_VALUE_AVERAGE) &&
	       c->d == 0;
}

/* n / d * scale to one decimal, rounded half away from zero, as "12.5". */
static void format_tenths(long long n, long long d, long long scale, char *out, size_t outsz)
{
	long long num = n * scale * 10, t;
	bool neg = (num < 0) != (d < 0);

	if (num < 0)
		num = -num;
	if (d < 0)
		d = -d;
	t = (2 * num + d) / (2 * d);
	snprintf(out, outsz, "%s%lld.%lld", neg && t ? "-" : "", t / 10, t % 10);
}

void report_cell_format(const struct report_cell *c, bool for_people, char *out, size_t outsz)
{
	char num[64];

	if (c->blank) {
		snprintf(out, outsz, "%s", "");
		return;
	}
	if (report_cell_na(c)) {
		snprintf(out, outsz, "n/a");
		return;
	}
	switch (c->kind) {
	case REPORT_VALUE_TEXT:
		snprintf(out, outsz, "%s", c->text ? c->text : "");
		break;
	case REPORT_VALUE_COUNT:
		snprintf(out, outsz, "%lld", c->n);
		break;
	case REPORT_VALUE_CHANGE:
		snprintf(out, outsz, "%s%lld", c->n > 0 ? "+" : "", c->n);
		break;
	case REPORT_VALUE_PERCENT:
		format_tenths(c->n, c->d, 100, num, sizeof num);
		snprintf(out, outsz, "%s%s", num, for_people ? "%" : "");
		break;
	case REPORT_VALUE_PENCE: {
		long long p = c->n < 0 ? -c->n : c->n;

		snprintf(out, outsz, "%s%s%lld.%02lld", c->n < 0 ? "-" : "", for_people ? "£" : "",
			 p / 100, p % 100);
		break;
	}
	case REPORT_VALUE_AVERAGE:
		format_tenths(c->n, c->d, 1, out, outsz);
		break;
	}
}
