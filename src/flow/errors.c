/*
 * errors.c — the list of problems a load or a check found, and the small
 * helpers every part of flow/ shares (names of types and outcomes).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/flow.h"
#include "flow_int.h"

static const char *const field_type_names[] = {
#define FLOW_FT_NAME(n, s) s,
	FLOW_FIELD_TYPES(FLOW_FT_NAME)
#undef FLOW_FT_NAME
};

static const char *const outcome_names[] = {
#define FLOW_OC_NAME(n, s) s,
	FLOW_OUTCOMES(FLOW_OC_NAME)
#undef FLOW_OC_NAME
};

const char *flow_field_type_name(enum flow_field_type t)
{
	if ((unsigned)t >= FIELD_TYPE_COUNT)
		return "?";
	return field_type_names[t];
}

const char *flow_outcome_name(enum flow_outcome_kind k)
{
	if ((unsigned)k >= FLOW_OUTCOME_COUNT)
		return "?";
	return outcome_names[k];
}

int flow_field_type_find(const char *s)
{
	for (int i = 0; i < FIELD_TYPE_COUNT; i++)
		if (strcmp(s, field_type_names[i]) == 0)
			return i;
	return -1;
}

int flow_outcome_find(const char *s)
{
	for (int i = 0; i < FLOW_OUTCOME_COUNT; i++)
		if (strcmp(s, outcome_names[i]) == 0)
			return i;
	return -1;
}

void flow_errors_init(struct flow_errors *l)
{
	memset(l, 0, sizeof(*l));
}

void flow_errors_release(struct flow_errors *l)
{
	if (!l)
		return;
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void flow_errors_add(struct flow_errors *l, const char *file, int line, int col,
		     const char *fmt, ...)
{
	va_list ap;
	struct err *e;

	if (!l)
		return;
	if (l->count >= FLOW_ERRORS_MAX) {
		l->dropped++;
		return;
	}
	if (l->count == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 16;
		l->items = xrealloc(l->items, l->alloc * sizeof(*l->items));
	}
	e = &l->items[l->count++];
	err_clear(e);
	va_start(ap, fmt);
	err_setv(e, STATUS_INVALID, fmt, ap);
	va_end(ap);
	err_at(e, file ? file : "", line, col);
}

size_t flow_errors_total(const struct flow_errors *l)
{
	return l ? l->count + l->dropped : 0;
}

/* Insertion sort: stable, and lists are short. */
void flow_errors_sort(struct flow_errors *l)
{
	if (!l)
		return;
	for (size_t i = 1; i < l->count; i++) {
		struct err tmp = l->items[i];
		size_t j = i;
		while (j > 0) {
			const struct err *p = &l->items[j - 1];
			int c = strcmp(p->file, tmp.file);
			if (c == 0)
				c = p->line != tmp.line ? (p->line > tmp.line ? 1 : -1)
							: (p->col > tmp.col ? 1 : 0);
			if (c <= 0)
				break;
			l->items[j] = l->items[j - 1];
			j--;
		}
		l->items[j] = tmp;
	}
}

const char *const *flow_field_type_names(void)
{
	return field_type_names;
}

const char *const *flow_outcome_names(void)
{
	return outcome_names;
}
