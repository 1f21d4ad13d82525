/*
 * The error list and message quoting.
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

