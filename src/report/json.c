/*
 * The JSON form of a report table: what `frontdesk report --format json`
 * prints and what frontdeskd's GET /v1/reports/NAME answers, so there is one
 * definition; and the way back, for the org-wide figures a console fetches.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "frontdesk/report.h"

static json_t *cell_json(const struct report_cell *c)
{
	char text[64];
	json_t *j;

	if (c->blank || report_cell_na(c))
		return json_null();
	switch (c->kind) {
	case REPORT_VALUE_TEXT:
		j = json_string(c->text ? c->text : "");
		return j ? j : json_null();
	case REPORT_VALUE_COUNT:
	case REPORT_VALUE_CHANGE:
		return json_integer(c->n);
	default:
		report_cell_format(c, false, text, sizeof text);
		return json_real(strtod(text, NULL));
	}
}

static void set_text(json_t *obj, const char *key, const char *v)
{
	json_t *j = v ? json_string(v) : json_null();

	json_object_set_new(obj, key, j ? j : json_null());
}

static const char *const kind_names[] = { "text",    "count",	"change",
					  "percent", "pence",	"average" };

json_t *report_table_json(const struct report_table *t, const struct report_query *q,
			  const char *scope)
{
	json_t *root = json_object(), *rows = json_array(), *cols = json_array();
	char a[16], b[16];

	date_format(q->from, a, sizeof a);
	date_format(q->to, b, sizeof b);
	set_text(root, "report", report_kind_name(q->kind));
	set_text(root, "from", a);
	set_text(root, "to", b);
	set_text(root, "title", t->title);
	set_text(root, "site", q->site);
	set_text(root, "advisor", q->advisor);
	set_text(root, "note", t->note);
	if (scope)
		set_text(root, "scope", scope);
	for (size_t r = 0; r < t->nrows; r++) {
		json_t *row = json_object();

		for (size_t c = 0; c < t->ncolumns; c++)
			json_object_set_new(row, t->columns[c].name, cell_json(report_cell(t, r, c)));
		json_array_append_new(rows, row);
	}
	json_object_set_new(root, "rows", rows);
	if (scope) {
		/* The columns' kinds, so a console can show the figures as its own. */
		for (size_t c = 0; c < t->ncolumns; c++) {
			json_t *col = json_object();

			set_text(col, "name", t->columns[c].name);
			set_text(col, "kind", kind_names[t->columns[c].kind]);
			json_array_append_new(cols, col);
		}
		json_object_set_new(root, "columns", cols);
		json_object_set_new(root, "total_last", json_boolean(t->total_last));
	} else {
		json_decref(cols);
	}
	return root;
}

/* A cell back from JSON: numbers as n over d (tenths for shares). */
static bool cell_from(json_t *v, enum report_value kind, struct report_cell *c)
{
	double x;

	c->kind = kind;
	if (kind == REPORT_VALUE_TEXT) {
		if (!json_is_string(v))
			return json_is_null(v) ? (c->text = xstrdup(""), true) : false;
		c->text = xstrdup(json_string_value(v));
		return true;
	}
	if (json_is_null(v)) {
		/* null is n/a for a share, a blank for anything else */
		c->n = 0;
		c->d = 0;
		c->blank = kind != REPORT_VALUE_PERCENT && kind != REPORT_VALUE_AVERAGE;
		return true;
	}
	if (!json_is_number(v))
		return false;
	x = json_number_value(v);
	switch (kind) {
	case REPORT_VALUE_PERCENT: /* 62.5 means 625 / 1000 */
		c->n = (long long)(x * 10 + (x < 0 ? -0.5 : 0.5));
		c->d = 1000;
		break;
	case REPORT_VALUE_AVERAGE:
		c->n = (long long)(x * 10 + (x < 0 ? -0.5 : 0.5));
		c->d = 10;
		break;
	case REPORT_VALUE_PENCE:
		c->n = (long long)(x * 100 + (x < 0 ? -0.5 : 0.5));
		break;
	default:
		c->n = (long long)x;
		break;
	}
	return true;
}

enum status report_table_from_json(const json_t *root, struct report_table **out, struct err *e)
{
	json_t *cols = json_object_get(root, "columns"), *rows = json_object_get(root, "rows");
	struct report_table *t;
	size_t nc, nr;

	*out = NULL;
	if (!json_is_array(cols) || !json_is_array(rows) || json_array_size(cols) == 0)
		return err_set(e, STATUS_INVALID,
			       "the server's report has no columns or rows; is it a frontdeskd of this version?");
	nc = json_array_size(cols);
	nr = json_array_size(rows);
	t = xcalloc(1, sizeof *t);
	t->ncolumns = nc;
	t->columns = xcalloc(nc, sizeof *t->columns);
	t->nrows = nr;
	t->cells = xcalloc(nr * nc > 0 ? nr * nc : 1, sizeof *t->cells);
	for (size_t c = 0; c < nc; c++) {
		json_t *col = json_array_get(cols, c);
		const char *name = json_string_value(json_object_get(col, "name"));
		const char *kind = json_string_value(json_object_get(col, "kind"));
		size_t k;

		for (k = 0; kind && k < sizeof kind_names / sizeof kind_names[0]; k++)
			if (strcmp(kind, kind_names[k]) == 0)
				break;
		if (!name || !kind || k == sizeof kind_names / sizeof kind_names[0]) {
			report_table_free(t);
			return err_set(e, STATUS_INVALID, "the server's report has a column without a name or kind");
		}
		t->columns[c].name = xstrdup(name);
		t->columns[c].kind = (enum report_value)k;
	}
	for (size_t r = 0; r < nr; r++)
		for (size_t c = 0; c < nc; c++) {
			json_t *v = json_object_get(json_array_get(rows, r), t->columns[c].name);

			if (!cell_from(v ? v : json_null(), t->columns[c].kind, &t->cells[r * nc + c])) {
				report_table_free(t);
				return err_set(e, STATUS_INVALID,
					       "the server's report has a %s that is not one in row %zu",
					       t->columns[c].name, r + 1);
			}
		}
	t->total_last = json_is_true(json_object_get(root, "total_last"));
	if (json_is_string(json_object_get(root, "title")))
		t->title = xstrdup(json_string_value(json_object_get(root, "title")));
	if (json_is_string(json_object_get(root, "note")))
		t->note = xstrdup(json_string_value(json_object_get(root, "note")));
	*out = t;
	return STATUS_OK;
}
