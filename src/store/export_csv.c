/*
 * The subject access export as CSV (issue 7), shared by `frontdesk customer
 * export --format csv` and the console: one line per value, in five
 * columns: section, record, at, field, value (RFC 4180 quoting, CRLF).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* One CSV cell, through csv_cell (RFC 4180 quoting, formulas neutralised). */
static void csv_put(FILE *out, const char *s, bool last)
{
	struct buf cell;

	buf_init(&cell, 64 * 1024 * 1024);
	fputs(csv_cell(&cell, s), out);
	buf_release(&cell);
	fputs(last ? "\r\n" : ",", out);
}

static void csv_row(FILE *out, const char *section, const char *record, const char *at,
		    const char *field, const char *value)
{
	csv_put(out, section, false);
	csv_put(out, record, false);
	csv_put(out, at, false);
	csv_put(out, field, false);
	csv_put(out, value, true);
}

/* Writes every non-null leaf of v as a row, the field named by its path. */
static void csv_leaves(FILE *out, const char *section, const char *record, const char *at,
		       const char *path, const json_t *v)
{
	char buf[64], sub[512];

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *x;

		json_object_foreach((json_t *)v, key, x)
		{
			snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
			csv_leaves(out, section, record, at, sub, x);
		}
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *x;

		json_array_foreach(v, i, x)
		{
			snprintf(sub, sizeof sub, "%s[%zu]", path, i + 1);
			csv_leaves(out, section, record, at, sub, x);
		}
		break;
	}
	case JSON_STRING:
		csv_row(out, section, record, at, path, json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		csv_row(out, section, record, at, path, buf);
		break;
	case JSON_REAL:
		snprintf(buf, sizeof buf, "%g", json_real_value(v));
		csv_row(out, section, record, at, path, buf);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		csv_row(out, section, record, at, path, json_is_true(v) ? "yes" : "no");
		break;
	case JSON_NULL:
		break;
	}
}

static const char *member(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* One section of records: each object's leaves, but the nested list
 * `nested` (case events) as its own section. */
static void csv_section(FILE *out, const char *section, const json_t *list, const char *at_key,
			const char *nested, const char *nested_section)
{
	size_t i;
	json_t *o;

	json_array_foreach(list, i, o)
	{
		const char *id = member(o, "reference") ? member(o, "reference") : member(o, "id");
		const char *at = member(o, at_key);
		const char *key;
		json_t *x;

		if (!id)
			id = member(o, "record_id");
		json_object_foreach(o, key, x)
		{
			if (nested && strcmp(key, nested) == 0) {
				size_t k;
				json_t *ev;

				json_array_foreach(x, k, ev)
					csv_leaves(out, nested_section, id, member(ev, "at"), "", ev);
				continue;
			}
			if (!strcmp(key, at_key))
				continue;
			csv_leaves(out, section, id, at, key, x);
		}
	}
}

void store_export_csv(const struct json_t *doc, FILE *out)
{
	const json_t *head = json_object_get(doc, "subject_access");
	const json_t *cust = json_object_get(doc, "customer");
	const char *id = member(cust, "id");

	csv_row(out, "section", "record", "at", "field", "value");
	csv_leaves(out, "request", member(head, "customer_id"), member(head, "generated_at"), "",
		   head);
	csv_leaves(out, "customer", id, member(cust, "created_at"), "", cust);
	csv_section(out, "contact", json_object_get(doc, "contacts"), "created_at", NULL, NULL);
	csv_section(out, "case", json_object_get(doc, "cases"), "created_at", "events",
		    "case event");
	csv_section(out, "parked flow", json_object_get(doc, "parked_flows"), "parked_at", NULL,
		    NULL);
	/* Who looked, one line each: the action as the field, who (and any
	 * detail) as the value. */
	{
		size_t i;
		json_t *o;

		json_array_foreach(json_object_get(doc, "access"), i, o)
		{
			const char *detail = member(o, "detail");
			char *who = xasprintf("by %s%s%s", member(o, "actor"), detail ? "; " : "",
					      detail ? detail : "");

			csv_row(out, "access", member(o, "record_id"), member(o, "at"),
				member(o, "action"), who);
			free(who);
		}
	}
}
