/*
 * Showing a list of problems, and quoting input in messages.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/ingest.h"
#include "ingest_int.h"

void ingest_err_format(const struct err *e, char *out, size_t outsz)
{
	if (!outsz)
		return;
	if (e->file[0] && e->line > 0 && e->col > 0)
		snprintf(out, outsz, "%s:%d:%d: %s", e->file, e->line, e->col, e->msg);
	else if (e->file[0] && e->line > 0)
		snprintf(out, outsz, "%s:%d: %s", e->file, e->line, e->msg);
	else if (e->file[0])
		snprintf(out, outsz, "%s: %s", e->file, e->msg);
	else
		snprintf(out, outsz, "%s", e->msg);
}

enum status ingest_errors_format(const struct err_list *el, struct buf *out)
{
	char line[ERR_FILE_MAX + ERR_MSG_MAX + 32];

	for (size_t i = 0; i < el->count; i++) {
		ingest_err_format(&el->items[i], line, sizeof line);
		if (buf_printf(out, "%s\n", line) != STATUS_OK)
			return STATUS_TOO_BIG;
	}
	if (el->dropped &&
	    buf_printf(out, "... and %zu more problem%s (%zu in all)\n", el->dropped,
		       el->dropped == 1 ? "" : "s", err_list_total(el)) != STATUS_OK)
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

void ingest_fail_err(struct err_list *errs, struct err *e, const char *file, int line)
{
	if (e->code == STATUS_OK)
		e->code = STATUS_INVALID;
	err_at(e, file, line, 0);
	err_list_add(errs, e);
}

