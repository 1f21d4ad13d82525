/*
 * Status codes and the error detail callers pass around.
 */
#include <stdio.h>
#include <string.h>

#include "frontdesk/core.h"

static const char *const status_messages[] = {
#define STATUS_MSG(name, msg) msg,
	STATUS_CODES(STATUS_MSG)
#undef STATUS_MSG
};

const char *status_message(enum status code)
{
	if ((int)code < 0 || code >= STATUS_COUNT_)
		return "unknown status";
	return status_messages[code];
}

void err_clear(struct err *e)
{
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->code = STATUS_OK;
}

enum status err_setv(struct err *e, enum status code, const char *fmt, va_list ap)
{
	char tmp[ERR_MSG_MAX];

	if (!e)
		return code;
	/* Format into a copy first: the arguments may point into e->msg. */
	if (fmt)
		vsnprintf(tmp, sizeof(tmp), fmt, ap);
	else
		snprintf(tmp, sizeof(tmp), "%s", status_message(code));
	e->code = code;
	memcpy(e->msg, tmp, sizeof(tmp));
	return code;
}

enum status err_set(struct err *e, enum status code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_setv(e, code, fmt, ap);
	va_end(ap);
	return code;
}

void err_at(struct err *e, const char *file, int line, int col)
{
	if (!e)
		return;
	if (file)
		snprintf(e->file, sizeof(e->file), "%s", file);
	e->line = line;
	e->col = col;
}

void err_format(const struct err *e, char *out, size_t outsz)
{
	const char *msg;

	if (!out || outsz == 0)
		return;
	if (!e) {
		out[0] = '\0';
		return;
	}
	msg = e->msg[0] ? e->msg : status_message(e->code);
	if (e->file[0] && e->line > 0 && e->col > 0)
		snprintf(out, outsz, "%s:%d:%d: %s", e->file, e->line, e->col, msg);
	else if (e->file[0] && e->line > 0)
		snprintf(out, outsz, "%s:%d: %s", e->file, e->line, msg);
	else if (e->file[0])
		snprintf(out, outsz, "%s: %s", e->file, msg);
	else if (e->line > 0 && e->col > 0)
		snprintf(out, outsz, "line %d, column %d: %s", e->line, e->col, msg);
	else if (e->line > 0)
		snprintf(out, outsz, "line %d: %s", e->line, msg);
	else
		snprintf(out, outsz, "%s", msg);
}
