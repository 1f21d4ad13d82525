/*
 * CSV cells and the writer: the one place frontdesk decides how a value is
 * written into a CSV file, for every CSV it writes (lists, reports, subject
 * access exports).
 * RFC 4180 quoting comes from libcsv; the guard against spreadsheet formulas
 * follows OWASP's rule for CSV injection.
 */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/core.h"

/* A plain number, as the reports write them: -12, 3.5, -4.0%. Excel reads
 * it as a number, never as a formula, so it is written as it is. */
static bool plain_number(const char *s)
{
	const char *p = s;
	bool digits = false;

	if (*p == '-' || *p == '+')
		p++;
	while (*p >= '0' && *p <= '9') {
		p++;
		digits = true;
	}
	if (*p == '.' && digits) {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == '%')
		p++;
	return digits && *p == '\0';
}

bool csv_cell_is_formula(const char *s)
{
	return s && strchr("=+-@\t\r", s[0]) && s[0] != '\0' && !plain_number(s);
}

const char *csv_cell(struct buf *scratch, const char *s)
{
	bool formula, quote;
	char *text, *quoted;
	size_t need;

	if (!s)
		return "";
	formula = csv_cell_is_formula(s);
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (!formula && !quote)
		return s;
	buf_reset(scratch);
	text = formula ? xasprintf("'%s", s) : xstrdup(s);
	if (!quote) {
		buf_adds(scratch, text);
	} else {
		/* csv_write answers the length it needs and writes within it */
		need = csv_write(NULL, 0, text, strlen(text));
		quoted = xmalloc(need + 1);
		csv_write(quoted, need, text, strlen(text));
		buf_add(scratch, quoted, need);
		free(quoted);
	}
	free(text);
	return buf_str(scratch);
}

void csv_writer_init(struct csv_writer *w, FILE *out)
{
	w->out = out;
	buf_init(&w->cell, 0); /* a cell is as long as the value it quotes: no cap */
	w->column = 0;
	w->failed = false;
}

void csv_writer_cell(struct csv_writer *w, const char *s)
{
	if (w->column++ && fputc(',', w->out) == EOF)
		w->failed = true;
	if (fputs(csv_cell(&w->cell, s), w->out) == EOF)
		w->failed = true;
}

void csv_writer_end_row(struct csv_writer *w)
{
	if (fputs("\r\n", w->out) == EOF)
		w->failed = true;
	w->column = 0;
}

int csv_writer_row(void *w, const char *const *cells, size_t n)
{
	struct csv_writer *cw = w;

	for (size_t i = 0; i < n; i++)
		csv_writer_cell(cw, cells[i]);
	csv_writer_end_row(cw);
	return cw->failed ? -1 : 0;
}

bool csv_writer_release(struct csv_writer *w)
{
	buf_release(&w->cell);
	return !w->failed;
}
