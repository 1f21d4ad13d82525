/*
 * The CSV reader: libcsv does the quoting; this file checks the text around
 * it (UTF-8, NUL bytes, line ends), keeps the line where each record starts
 * and stores the fields in one growing arena, so a 100,000-row import costs
 * a handful of reallocations, not one per field.
 */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontdesk/ingest.h"
#include "ingest_int.h"

/* State shared with the libcsv callbacks. */
struct reader {
	struct ingest_csv *t;
	int line;	  /* line of the chunk being fed */
	int record_line;  /* line where the current record started */
	bool need_start;  /* the next non-blank line starts a record */
	size_t rec_field; /* index in t->field of the record's first field */
	size_t rec_text;  /* t->text_len when the record started */
	size_t nfields;	  /* fields so far in the current record */
	bool all_empty;	  /* every field of the current record is empty */
	bool failed;	  /* a callback found a problem; stop feeding */
	struct err *e;
	/* the header's problem, reported after any parse problem */
	struct err header_err;
	/* ingest_csv_parse_each: rows are handed to fn every batch rows */
	ingest_csv_rows_fn *fn;
	void *ctx;
	size_t batch;
};

static void grow(void **p, size_t *alloc, size_t need, size_t elem)
{
	if (need <= *alloc)
		return;
	size_t n = *alloc ? *alloc : 64;
	while (n < need)
		n *= 2;
	*p = xrealloc(*p, n * elem);
	*alloc = n;
}

static void on_field(void *s, size_t len, void *data)
{
	struct reader *r = data;
	struct ingest_csv *t = r->t;

	if (r->failed)
		return;
	if (len > INGEST_CSV_FIELD_MAX) {
		err_set(r->e, STATUS_TOO_BIG,
			"field %zu is too long (%zu bytes; at most %u); check for a quote that "
			"is never closed",
			r->nfields + 1, len, INGEST_CSV_FIELD_MAX);
		err_at(r->e, t->name, r->record_line, 0);
		r->failed = true;
		return;
	}
	size_t limit = t->nrecord == 0 ? INGEST_CSV_MAX_COLUMNS : t->ncols;
	if (r->nfields >= limit) {
		if (t->nrecord == 0)
			err_set(r->e, STATUS_PARSE, "the header has more than %d columns",
				INGEST_CSV_MAX_COLUMNS);
		else
			err_set(r->e, STATUS_PARSE,
				"row has more fields than the header's %zu; check for an unquoted "
				"comma (put quotes around text that contains commas)",
				t->ncols);
		err_at(r->e, t->name, r->record_line, 0);
		r->failed = true;
		return;
	}
	grow((void **)&t->text, &t->text_alloc, t->text_len + len + 1, 1);
	grow((void **)&t->field, &t->field_alloc, t->nfield + 1, sizeof *t->field);
	t->field[t->nfield++] = t->text_len;
	/* A line break inside quotes arrives as CRLF from a CRLF file: keep LF
	 * (a lone CR was refused before parsing, so every CR here has its LF). */
	if (len && memchr(s, '\r', len)) {
		const char *in = s;
		size_t out = 0;
		for (size_t i = 0; i < len; i++)
			if (in[i] != '\r')
				t->text[t->text_len + out++] = in[i];
		len = out;
	} else if (len) {
		memcpy(t->text + t->text_len, s, len);
	}
	t->text[t->text_len + len] = '\0';
	t->text_len += len + 1;
	r->nfields++;
	if (len)
		r->all_empty = false;
}

static void start_record(struct reader *r)
{
	r->rec_field = r->t->nfield;
	r->rec_text = r->t->text_len;
	r->nfields = 0;
	r->all_empty = true;
}

static enum status check_header(struct ingest_csv *t, struct err *e);
static void hand_over(struct reader *r);

static void on_record(int c, void *data)
{
	struct reader *r = data;
	struct ingest_csv *t = r->t;
	(void)c;

	if (r->failed)
		return;
	if (t->nrecord > 0 && r->all_empty) {
		/* ",,,," left by a spreadsheet: no data, drop it. */
		t->nfield = r->rec_field;
		t->text_len = r->rec_text;
	} else if (t->nrecord > 0 && r->nfields != t->ncols) {
		err_set(r->e, STATUS_PARSE,
			"row has %zu field%s but the header has %zu; check for a missing field or "
			"an unquoted comma",
			r->nfields, r->nfields == 1 ? "" : "s", t->ncols);
		err_at(r->e, t->name, r->record_line, 0);
		r->failed = true;
		return;
	} else {
		if (t->nrecord == 0)
			t->ncols = r->nfields;
		grow((void **)&t->line, &t->line_alloc, t->nrecord + 1, sizeof *t->line);
		t->line[t->nrecord++] = r->record_line;
		/* The header is folded and checked as soon as it is read; a
		 * problem in it is reported only if the rest parses. */
		if (t->nrecord == 1)
			check_header(t, &r->header_err);
		else if (r->fn && t->nrecord - 1 >= r->batch)
			hand_over(r);
	}
	start_record(r);
	r->need_start = true;
}

static bool blank_line(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

/* Checks one line of raw text s (len bytes, without its LF): no NUL, no
 * CR but one ending it, UTF-8. */
static enum status check_line(const char *name, const char *s, size_t len, int line,
			      struct err *e)
{
	const char *nul = memchr(s, '\0', len);
	const char *cr = memchr(s, '\r', len);

	if (nul) {
		err_set(e, STATUS_PARSE,
			"contains a NUL byte, so it is not a text file; export it again as "
			"CSV UTF-8");
		err_at(e, name, line, (int)(nul - s) + 1);
		return STATUS_PARSE;
	}
	if (cr && cr != s + len - 1) {
		err_set(e, STATUS_PARSE,
			"has a carriage return that does not end the line; save the file with "
			"LF or CRLF line ends");
		err_at(e, name, line, 0);
		return STATUS_PARSE;
	}
	if (!utf8_valid(s, len)) {
		err_set(e, STATUS_PARSE,
			"is not valid UTF-8 text (perhaps saved as Windows-1252 or Latin-1); "
			"save it as CSV UTF-8");
		err_at(e, name, line, 0);
		return STATUS_PARSE;
	}
	return STATUS_OK;
}

/* Checks n bytes of raw text at p line by line, the first being line. */
static enum status check_text(const char *name, const char *p, size_t n, int line,
			      struct err *e)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) : n;
		enum status rc = check_line(name, p + i, end - i, line, e);

		if (rc != STATUS_OK)
			return rc;
		i = end + 1;
		line++;
	}
	return STATUS_OK;
}

static void fold_header(struct ingest_csv *t)
{
	/* Trim and lower-case the header names in place. */
	for (size_t c = 0; c < t->ncols; c++) {
		char *s = t->text + t->field[c];
		size_t len = strlen(s);
		size_t a = 0;
		while (a < len && (s[a] == ' ' || s[a] == '\t'))
			a++;
		while (len > a && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		memmove(s, s + a, len - a);
		s[len - a] = '\0';
		for (char *q = s; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q - 'A' + 'a');
	}
}

static enum status check_header(struct ingest_csv *t, struct err *e)
{
	int line = t->line[0];

	fold_header(t);
	for (size_t c = 0; c < t->ncols; c++) {
		const char *h = t->text + t->field[c];
		if (!*h) {
			err_set(e, STATUS_PARSE,
				"column %zu of the header has no name; every column needs one",
				c + 1);
			err_at(e, t->name, line, 0);
			return STATUS_PARSE;
		}
		for (size_t d = 0; d < c; d++) {
			if (strcmp(h, t->text + t->field[d]) == 0) {
				err_set(e, STATUS_PARSE,
					"column '%s' appears twice in the header (columns %zu and "
					"%zu); "
					"keep one",
					h, d + 1, c + 1);
				err_at(e, t->name, line, 0);
				return STATUS_PARSE;
			}
		}
	}
	return STATUS_OK;
}

/* Gives the rows read so far to the caller's fn, then keeps only the
 * header (the rows are the caller's to copy). Not once a problem is known. */
static void hand_over(struct reader *r)
{
	struct ingest_csv *t = r->t;

	if (r->header_err.code == STATUS_OK)
		r->fn(r->ctx, t);
	t->nfield = t->ncols;
	t->text_len = t->field[t->ncols - 1] + strlen(t->text + t->field[t->ncols - 1]) + 1;
	t->nrecord = 1;
}

void ingest_csv_release(struct ingest_csv *t)
{
	if (!t)
		return;
	free(t->text);
	free(t->field);
	free(t->line);
	char name[ERR_FILE_MAX];
	memcpy(name, t->name, sizeof name);
	memset(t, 0, sizeof *t);
	memcpy(t->name, name, sizeof name);
}

static enum status parse(struct ingest_csv *t, const char *name, const void *data, size_t len,
			 size_t batch, ingest_csv_rows_fn *fn, void *ctx, struct err *e)
{
	const char *p = data;
	struct csv_parser parser;
	struct reader r;
	enum status rc = STATUS_OK;
	size_t checked = 0; /* text checked up to here */

	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name ? name : "input");
	err_clear(e);

	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;
		len -= 3;
	}
	if (blank_line(p, len)) {
		err_set(e, STATUS_PARSE,
			"is empty; the first line must be a header naming the columns");
		err_at(e, t->name, 0, 0);
		return STATUS_PARSE;
	}
	if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		die("out of memory");
	memset(&r, 0, sizeof r);
	r.t = t;
	r.e = e;
	r.need_start = true;
	r.fn = fn;
	r.ctx = ctx;
	r.batch = batch ? batch : 1;
	err_clear(&r.header_err);
	start_record(&r);

	/* Feed one line at a time so every callback knows its line; each is
	 * checked as text first (so rows are handed over as the file is read,
	 * not after a pass over all of it). */
	size_t i = 0;
	int line = 1;
	while (i < len && !r.failed) {
		const char *nl = memchr(p + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - p) + 1 : len;
		size_t n = end - i;

		rc = check_line(t->name, p + i, nl ? n - 1 : n, line, e);
		if (rc != STATUS_OK) {
			csv_free(&parser);
			ingest_csv_release(t);
			return rc;
		}
		checked = end;
		r.line = line;
		if (r.need_start && !blank_line(p + i, n)) {
			r.record_line = line;
			r.need_start = false;
		}
		if (csv_parse(&parser, p + i, n, on_field, on_record, &r) != n) {
			if (csv_error(&parser) == CSV_ENOMEM || csv_error(&parser) == CSV_ETOOBIG)
				die("out of memory");
			err_set(
			    e, STATUS_PARSE,
			    "a quote is out of place; put quotes around the whole field and double "
			    "any quote inside it (\"\")");
			err_at(e, t->name, line, 0);
			r.failed = true;
			break;
		}
		i = end;
		line++;
	}
	if (!r.failed && csv_fini(&parser, on_field, on_record, &r) != 0) {
		err_set(e, STATUS_PARSE,
			"a quoted field that starts here is never closed; add the closing quote");
		err_at(e, t->name, r.record_line, 0);
		r.failed = true;
	}
	csv_free(&parser);

	/* A problem with the text anywhere is the one reported, as if the
	 * whole text had been checked before parsing. */
	if (r.failed && checked < len) {
		struct err te;

		err_clear(&te);
		if (check_text(t->name, p + checked, len - checked, line + (i < checked), &te) !=
		    STATUS_OK)
			*e = te;
	}
	if (r.failed) {
		rc = e && e->code != STATUS_OK ? e->code : STATUS_PARSE;
		ingest_csv_release(t);
		return rc;
	}
	if (t->nrecord == 0) {
		err_set(e, STATUS_PARSE,
			"is empty; the first line must be a header naming the columns");
		err_at(e, t->name, 0, 0);
		ingest_csv_release(t);
		return STATUS_PARSE;
	}
	if (r.header_err.code != STATUS_OK) {
		*e = r.header_err;
		ingest_csv_release(t);
		return r.header_err.code;
	}
	if (fn)
		hand_over(&r);
	return STATUS_OK;
}

enum status ingest_csv_parse(struct ingest_csv *t, const char *name, const void *data, size_t len,
			     struct err *e)
{
	return parse(t, name, data, len, 0, NULL, NULL, e);
}

enum status ingest_csv_parse_each(struct ingest_csv *t, const char *name, const void *data,
				  size_t len, size_t batch, ingest_csv_rows_fn *fn, void *ctx,
				  struct err *e)
{
	return parse(t, name, data, len, batch, fn, ctx, e);
}

enum status ingest_file_read(const char *path, size_t max_bytes, char **out, size_t *outlen,
			    struct err *e)
{
	struct stat st;
	FILE *f = NULL;
	char *data = NULL;
	size_t len = 0;
	enum status rc;

	*out = NULL;
	*outlen = 0;
	if (max_bytes == 0)
		max_bytes = INGEST_CSV_MAX_BYTES;

	f = fopen(path, "rb");
	if (!f) {
		rc = err_set(e, STATUS_IO, "cannot be opened: %s", strerror(errno));
		err_at(e, path, 0, 0);
		return rc;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		rc = err_set(e, STATUS_IO, "cannot be read: it is not a regular file");
		err_at(e, path, 0, 0);
		return rc;
	}
	if ((unsigned long long)st.st_size > max_bytes) {
		fclose(f);
		rc = err_set(e, STATUS_TOO_BIG,
			     "is too big (%lld bytes; at most %zu); split it into smaller files",
			     (long long)st.st_size, max_bytes);
		err_at(e, path, 0, 0);
		return rc;
	}
	/* Read to the end (the size may change under us; the cap still holds). */
	size_t alloc = (size_t)st.st_size + 1;
	data = xmalloc(alloc);
	for (;;) {
		if (len == alloc) {
			if (alloc > max_bytes) {
				free(data);
				fclose(f);
				rc = err_set(
				    e, STATUS_TOO_BIG,
				    "is too big (more than %zu bytes); split it into smaller "
				    "files",
				    max_bytes);
				err_at(e, path, 0, 0);
				return rc;
			}
			alloc *= 2;
			data = xrealloc(data, alloc);
		}
		size_t got = fread(data + len, 1, alloc - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(data);
		fclose(f);
		rc = err_set(e, STATUS_IO, "cannot be read: %s", strerror(errno));
		err_at(e, path, 0, 0);
		return rc;
	}
	fclose(f);
	if (len > max_bytes) {
		free(data);
		rc = err_set(e, STATUS_TOO_BIG,
			     "is too big (more than %zu bytes); split it into smaller files",
			     max_bytes);
		err_at(e, path, 0, 0);
		return rc;
	}
	*out = data;
	*outlen = len;
	return STATUS_OK;
}

enum status ingest_csv_read_file(struct ingest_csv *t, const char *path, size_t max_bytes,
				 struct err *e)
{
	return ingest_csv_read_each(t, path, max_bytes, 0, NULL, NULL, e);
}

enum status ingest_csv_read_each(struct ingest_csv *t, const char *path, size_t max_bytes,
				 size_t batch, ingest_csv_rows_fn *fn, void *ctx, struct err *e)
{
	char *data;
	size_t len;
	enum status rc;

	err_clear(e);
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", path);
	rc = ingest_file_read(path, max_bytes, &data, &len, e);
	if (rc != STATUS_OK)
		return rc;
	rc = parse(t, path, data, len, batch, fn, ctx, e);
	free(data);
	return rc;
}

void ingest_csv_place(const char *data, size_t len, int line, size_t col, int *at_line,
		      int *at_col)
{
	size_t i = 0, field = 0;
	int l = 1, c = 1;
	bool quoted = false;

	*at_line = line;
	*at_col = 1;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	for (; i < len && l < line; i++)
		if (data[i] == '\n')
			l++;
	for (; i < len; i++) {
		unsigned char ch = (unsigned char)data[i];

		if (field == col) {
			*at_line = l;
			*at_col = c;
			return;
		}
		if ((ch & 0xC0) != 0x80)
			c++;
		if (ch == '"') {
			quoted = !quoted;
		} else if (ch == ',' && !quoted) {
			field++;
		} else if (ch == '\n') {
			if (!quoted)
				return;
			l++;
			c = 1;
		}
	}
}

size_t ingest_csv_rows(const struct ingest_csv *t)
{
	return t->nrecord ? t->nrecord - 1 : 0;
}

size_t ingest_csv_cols(const struct ingest_csv *t)
{
	return t->ncols;
}

const char *ingest_csv_header(const struct ingest_csv *t, size_t col)
{
	return t->text + t->field[col];
}

const char *ingest_csv_field(const struct ingest_csv *t, size_t row, size_t col)
{
	return t->text + t->field[(row + 1) * t->ncols + col];
}

int ingest_csv_line(const struct ingest_csv *t, size_t row)
{
	return t->line[row + 1];
}

int ingest_csv_header_line(const struct ingest_csv *t)
{
	return t->nrecord ? t->line[0] : 0;
}

enum status ingest_csv_map(const struct ingest_csv *t, const char *const *known, size_t nknown,
			   const bool *required, int *cols, struct err *e)
{
	int line = ingest_csv_header_line(t);
	size_t nmatched = 0;

	for (size_t k = 0; k < nknown; k++)
		cols[k] = -1;
	for (size_t c = 0; c < t->ncols; c++) {
		const char *h = ingest_csv_header(t, c);
		for (size_t k = 0; k < nknown; k++) {
			if (strcmp(h, known[k]) == 0) {
				cols[k] = (int)c;
				nmatched++;
				break;
			}
		}
	}

	struct buf list;
	buf_init(&list, 0); /* the columns the caller knows: no cap needed */
	for (size_t k = 0; k < nknown; k++)
		buf_printf(&list, "%s%s", k ? ", " : "", known[k]);

	enum status rc = STATUS_OK;
	if (nmatched == 0) {
		char first[48];
		ingest_quote(ingest_csv_header(t, 0), first, sizeof first);
		rc = err_set(e, STATUS_PARSE,
			     "the first line must be a header naming the columns (%s); found '%s' "
			     "instead",
			     buf_str(&list), first);
		err_at(e, t->name, line, 0);
		goto out;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		const char *h = ingest_csv_header(t, c);
		bool found = false;
		for (size_t k = 0; k < nknown && !found; k++)
			found = cols[k] == (int)c;
		if (found)
			continue;
		char q[48];
		ingest_quote(h, q, sizeof q);
		const char *guess = text_suggest(h, known, nknown);
		if (guess)
			rc = err_set(e, STATUS_PARSE, "unknown column '%s'; did you mean '%s'?", q,
				     guess);
		else
			rc = err_set(e, STATUS_PARSE, "unknown column '%s'; the columns are: %s", q,
				     buf_str(&list));
		err_at(e, t->name, line, 0);
		goto out;
	}
	for (size_t k = 0; k < nknown; k++) {
		if (cols[k] < 0 && (!required || required[k])) {
			rc = err_set(e, STATUS_PARSE,
				     "column '%s' is missing from the header; the columns are: %s",
				     known[k], buf_str(&list));
			err_at(e, t->name, line, 0);
			goto out;
		}
	}
out:
	buf_release(&list);
	return rc;
}
