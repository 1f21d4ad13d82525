/*
 * A list of problems, for the passes that report every problem in their
 * input instead of stopping at the first: the flow loader and checker, the
 * reference data and customer imports.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/core.h"

void err_list_init(struct err_list *l, size_t limit)
{
	memset(l, 0, sizeof *l);
	l->limit = limit;
}

void err_list_release(struct err_list *l)
{
	size_t limit;

	if (!l)
		return;
	limit = l->limit;
	free(l->items);
	err_list_init(l, limit);
}

void err_list_add(struct err_list *l, const struct err *e)
{
	if (!l || !e)
		return;
	if (l->limit && l->count >= l->limit) {
		l->dropped++;
		return;
	}
	if (l->count == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 16;
		if (l->limit && l->alloc > l->limit)
			l->alloc = l->limit;
		l->items = xrealloc(l->items, l->alloc * sizeof *l->items);
	}
	l->items[l->count++] = *e;
}

enum status err_list_addv(struct err_list *l, enum status code, const char *file, int line,
			  int col, const char *fmt, va_list ap)
{
	struct err e;

	err_clear(&e);
	err_setv(&e, code, fmt, ap);
	err_at(&e, file ? file : "", line, col);
	err_list_add(l, &e);
	return code;
}

enum status err_list_addf(struct err_list *l, enum status code, const char *file, int line,
			  int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_list_addv(l, code, file, line, col, fmt, ap);
	va_end(ap);
	return code;
}

size_t err_list_total(const struct err_list *l)
{
	return l ? l->count + l->dropped : 0;
}

/* Insertion sort: stable, and lists are short. */
void err_list_sort(struct err_list *l)
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

void err_list_move(struct err_list *to, struct err_list *from)
{
	for (size_t i = 0; i < from->count; i++)
		err_list_add(to, &from->items[i]);
	if (to)
		to->dropped += from->dropped;
	err_list_release(from);
}
