/*
 * A growing, size-capped byte buffer (curl's dynbuf).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/core.h"

/* cap 0 means no limit beyond memory. */
void buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap ? cap : SIZE_MAX - 1;
	b->overflow = false;
}

void buf_release(struct buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->overflow = false;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->overflow = false;
	if (b->data)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus the NUL; STATUS_TOO_BIG past the cap,
 * and the buffer marked for buf_status. */
static enum status buf_grow(struct buf *b, size_t n)
{
	size_t need, a;

	if (n > b->cap || b->len > b->cap - n) {
		b->overflow = true;
		return STATUS_TOO_BIG;
	}
	need = b->len + n + 1;
	if (need <= b->alloc)
		return STATUS_OK;
	a = b->alloc ? b->alloc : 64;
	while (a < need)
		a = a > SIZE_MAX / 2 ? need : a * 2;
	if (a > b->cap + 1)
		a = b->cap + 1 >= need ? b->cap + 1 : need;
	b->data = xrealloc(b->data, a);
	b->alloc = a;
	return STATUS_OK;
}

enum status buf_add(struct buf *b, const void *p, size_t n)
{
	size_t off = 0;
	bool inside = false;

	if (n && !p)
		die("buf_add: NULL data with length %zu", n);
	/* Adding part of the buffer to itself: remember where, not the pointer. */
	if (n && b->data && (const char *)p >= b->data && (const char *)p < b->data + b->alloc) {
		inside = true;
		off = (size_t)((const char *)p - b->data);
	}
	if (buf_grow(b, n) != STATUS_OK)
		return STATUS_TOO_BIG;
	if (n)
		memmove(b->data + b->len, inside ? b->data + off : p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return STATUS_OK;
}

enum status buf_adds(struct buf *b, const char *s)
{
	if (!s)
		die("buf_adds: NULL string");
	return buf_add(b, s, strlen(s));
}

enum status buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *tmp;
	enum status rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("buf_printf: bad format '%s'", fmt);
	/* Format into a separate string: the arguments may point into b. */
	tmp = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(tmp, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = buf_add(b, tmp, (size_t)n);
	free(tmp);
	return rc;
}

enum status buf_status(const struct buf *b)
{
	return b->overflow ? STATUS_TOO_BIG : STATUS_OK;
}

const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

char *buf_detach(struct buf *b)
{
	char *p = b->data ? b->data : xstrdup("");

	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->overflow = false;
	return p;
}
