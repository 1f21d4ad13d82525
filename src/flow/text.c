/*
 * text.c — templates ("Move on {moved_on}") and answers in plain English.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/flow.h"
#include "flow_int.h"

bool flow_template_fields(const char *tmpl,
			  void (*fn)(void *ctx, const char *name, size_t len, size_t off),
			  void *ctx, size_t *bad)
{
	size_t i = 0;

	if (!tmpl)
		return true;
	while (tmpl[i]) {
		if (tmpl[i] == '{' && tmpl[i + 1] == '{') {
			i += 2;
		} else if (tmpl[i] == '}' && tmpl[i + 1] == '}') {
			i += 2;
		} else if (tmpl[i] == '{') {
			size_t start = i + 1, j = start;
			while (tmpl[j] && tmpl[j] != '}' && tmpl[j] != '{')
				j++;
			if (tmpl[j] != '}') {
				if (bad)
					*bad = i;
				return false;
			}
			if (fn)
				fn(ctx, tmpl + start, j - start, i);
			i = j + 1;
		} else if (tmpl[i] == '}') {
			if (bad)
				*bad = i;
			return false;
		} else {
			i++;
		}
	}
	return true;
}

bool flow_money_pence(const char *canon, long *pence)
{
	long whole = 0, frac = 0;
	const char *p = canon;
	int d = 0;

	if (!p || !isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		if (whole > 1000000000L)
			return false;
		whole = whole * 10 + (*p++ - '0');
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p) && d < 2) {
			frac = frac * 10 + (*p++ - '0');
			d++;
		}
		if (d == 1)
			frac *= 10;
		if (d == 0)
			return false;
	}
	if (*p)
		return false;
	*pence = whole * 100 + frac;
	return true;
}

static const char *const month_names[] = {"January", "February", "March",     "April",
					  "May",     "June",     "July",      "August",
					  "September", "October", "November", "December"};

enum status flow_value_display(const struct flow_field *fd, const char *canon, struct buf *out)
{
	if (!canon)
		return buf_adds(out, "(not given)");
	if (fd && fd->type == FLOW_FIELD_DATE) {
		struct date d;
		if (date_parse(canon, &d, "date", NULL) == STATUS_OK)
			return buf_printf(out, "%d %s %d", d.day, month_names[d.month - 1], d.year);
	}
	if (fd && fd->type == FLOW_FIELD_MONEY) {
		long p;
		if (flow_money_pence(canon, &p))
			return buf_printf(out, "\xC2\xA3%ld.%02ld", p / 100, p % 100);
	}
	return buf_adds(out, canon);
}

/* ---- search words --------------------------------------------------------- */

/* Appends text and a blank to the search text, when there is text. */
static void words_add(struct buf *b, const char *text)
{
	if (text && *text) {
		buf_adds(b, text);
		buf_adds(b, " ");
	}
}

static void field_words(struct buf *b, const struct flow_field *fd)
{
	words_add(b, fd->label);
	words_add(b, fd->hint);
	for (size_t k = 0; k < fd->noptions; k++)
		words_add(b, fd->options[k]);
}

void flow_search_words(const struct flow *f, struct buf *keywords, struct buf *text)
{
	for (size_t i = 0; i < f->nkeywords; i++)
		words_add(keywords, f->keywords[i]);
	words_add(text, f->summary);
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct flow_step *st = &f->steps[i];

		words_add(text, st->say);
		words_add(text, st->note);
		for (size_t j = 0; j < st->nfields; j++)
			field_words(text, &st->fields[j]);
		if (st->checklist)
			field_words(text, st->checklist);
		for (size_t j = 0; j < st->nchoices; j++)
			words_add(text, st->choices[j].label);
	}
}

enum status flow_source_words(const char *source, size_t len, struct buf *keywords,
			      struct buf *text)
{
	struct err_list errs;
	struct flow *f = NULL;
	enum status rc;

	err_list_init(&errs, FLOW_ERRORS_MAX);
	rc = flow_load_mem("published flow", source, len, &f, &errs);
	if (rc == STATUS_OK)
		flow_search_words(f, keywords, text);
	flow_free(f);
	err_list_release(&errs);
	return rc;
}
