/*
 * Allocation wrappers that never return NULL, and die().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/core.h"

void (*core_die_hook)(void);

_Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	void (*hook)(void) = core_die_hook;

	/* Run the hook once only, even if it dies itself. */
	core_die_hook = NULL;
	if (hook)
		hook();
	fputs("frontdesk: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (wanted %zu bytes)", n);
	return p;
}

void *xcalloc(size_t count, size_t n)
{
	void *p;

	if (count == 0 || n == 0)
		count = n = 1;
	p = calloc(count, n);
	if (!p)
		die("out of memory (wanted %zu x %zu bytes)", count, n);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die("out of memory (wanted %zu bytes)", n);
	return q;
}

char *xstrdup(const char *s)
{
	if (!s)
		die("xstrdup(NULL)");
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len;

	if (!s)
		die("xstrndup(NULL)");
	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	int n;
	char *p;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("xasprintf: bad format '%s'", fmt);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}
