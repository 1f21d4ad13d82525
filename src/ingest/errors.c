/*
 * The error list, message quoting and "did you mean".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/ingest.h"
#include "ingest_int.h"

void ingest_errors_init(struct ingest_errors *el, size_t limit)
{
	memset(el, 0, sizeof *el);
	el->limit = limit ? limit : INGEST_ERRORS_SHOWN;
}

void ingest_errors_release(struct ingest_errors *el)
{
	if (!el)
		return;
	free(el->items);
	size_t limit = el->limit;
	memset(el, 0, sizeof *el);
	el->limit = limit;
}

void ingest_errors_add(struct ingest_errors *el, const struct err *e)
{
	if (!el || !e)
		return;
	if (el->limit == 0)
		el->limit = INGEST_ERRORS_SHOWN;
	el->total++;
	if (el->shown >= el->limit)
		return;
	if (!el->items)
		el->items = xcalloc(el->limit, sizeof *el->items);
	el->items[el->shown++] = *e;
}

void ingest_errors_move(struct ingest_errors *to, struct ingest_errors *from)
{
	for (size_t i = 0; i < from->shown; i++)
		ingest_errors_add(to, &from->items[i]);
	if (to)
		to->total += from->total - from->shown;
	ingest_errors_release(from);
}

void ingest_err_format(const struct err *e, char *out, size_t outsz)
{
	if (!outsz)
		return;
	if (e->file[0] && e->line > 0)
		snprintf(out, outsz, "%s:%d: %s", e->file, e->line, e->msg);
	else if (e->file[0])
		snprintf(out, outsz, "%s: %s", e->file, e->msg);
	else
		snprintf(out, outsz, "%s", e->msg);
}

enum status ingest_errors_format(const struct ingest_errors *el, struct buf *out)
{
	char line[ERR_FILE_MAX + ERR_MSG_MAX + 32];

	for (size_t i = 0; i < el->shown; i++) {
		ingest_err_format(&el->items[i], line, sizeof line);
		if (buf_printf(out, "%s\n", line) != STATUS_OK)
			return STATUS_TOO_BIG;
	}
	if (el->total > el->shown &&
	    buf_printf(out, "... and %zu more problem%s (%zu in all)\n", el->total - el->shown,
		       el->total - el->shown == 1 ? "" : "s", el->total) != STATUS_OK)
		return STATUS_TOO_BIG;
	return STATUS_OK;
}

void ingest_quote(const char *s, char *out, size_t outsz)
{
	size_t room = outsz > 4 ? outsz - 4 : 0;
	size_t len = strlen(s), n = 0;

	if (!outsz)
		return;
	if (len > room) {
		n = room;
		/* Back up to the start of a UTF-8 sequence. */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	} else {
		n = len;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (n < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

enum status ingest_fail(struct ingest_errors *errs, enum status code, const char *file, int line,
			const char *fmt, ...)
{
	struct err e;
	va_list ap;

	err_clear(&e);
	va_start(ap, fmt);
	err_setv(&e, code, fmt, ap);
	va_end(ap);
	err_at(&e, file, line, 0);
	ingest_errors_add(errs, &e);
	return code;
}

void ingest_fail_err(struct ingest_errors *errs, struct err *e, const char *file, int line)
{
	if (e->code == STATUS_OK)
		e->code = STATUS_INVALID;
	err_at(e, file, line, 0);
	ingest_errors_add(errs, e);
}

/*
 * Edit distance with adjacent transpositions counting one ("wsate" is one
 * step from "waste"), the optimal string alignment form of Damerau-
 * Levenshtein. Returns cap + 1 once the answer is surely above cap.
 */
static size_t distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t r0[64], r1[64], r2[64];
	size_t *prev2 = r0, *prev = r1, *cur = r2;

	if (la >= 64 || lb >= 64)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t best;
		cur[0] = best = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t v = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *ingest_suggest(const char *word, const char *const *candidates, size_t n)
{
	size_t len = strlen(word);
	size_t cap = len / 3;
	const char *best = NULL;
	size_t best_d = 0;

	if (cap < 1)
		cap = 1;
	if (cap > 3)
		cap = 3;
	for (size_t i = 0; i < n; i++) {
		if (!candidates[i])
			continue;
		size_t d = distance(word, candidates[i], cap);
		/* A prefix ("revenue" for "revenues") counts as close too. */
		if (d > cap && strncmp(word, candidates[i], len) == 0 && len >= 3)
			d = cap;
		if (d <= cap && (!best || d < best_d)) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}
