/*
 * cmd_privacy.c — `frontdesk customer export` (subject access) and
 * `frontdesk customer erase` (right to erasure), issue 7. The store decides
 * who may (supervisor or admin for export, admin for erase) and audits
 * both; this file parses, confirms and prints.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "frontdesk/cli.h"
#include "cli_util.h"

enum { OPT_FORMAT = 1000, OPT_REASON, OPT_YES };

static const struct option export_options[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
static const struct option erase_options[] = {
    {"reason", required_argument, NULL, OPT_REASON},
    {"yes", no_argument, NULL, OPT_YES},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* ---- export -------------------------------------------------------------- */

/* One CSV line: section, record, at, field, value (RFC 4180 quoting). */
static void csv_cell(FILE *out, const char *s, bool last)
{
	if (s && strpbrk(s, ",\"\r\n")) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else if (s) {
		fputs(s, out);
	}
	fputs(last ? "\r\n" : ",", out);
}

static void csv_row(FILE *out, const char *section, const char *record, const char *at,
		    const char *field, const char *value)
{
	csv_cell(out, section, false);
	csv_cell(out, record, false);
	csv_cell(out, at, false);
	csv_cell(out, field, false);
	csv_cell(out, value, true);
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

static void export_csv(const json_t *doc, FILE *out)
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

int customer_export_run(const struct cli_global *g, int argc, char **argv)
{
	const char *format = "json";
	struct store *s;
	json_t *doc = NULL;
	struct err e;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", export_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_customer);
		if (c == OPT_FORMAT) {
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "csv") != 0)
				return cli_usage(&cmd_customer, "unknown format '%s'; use json or csv",
						 optarg);
			format = optarg;
		} else {
			return cli_bad_option(&cmd_customer, c, argv, export_options);
		}
	}
	if (optind >= argc)
		return cli_usage(&cmd_customer, "export needs the customer's ID");
	if (optind + 1 < argc)
		return cli_usage(&cmd_customer, "export takes one ID, not %d", argc - optind);
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	err_clear(&e);
	if (store_customer_export(s, argv[optind], format, &doc, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	if (strcmp(format, "csv") == 0) {
		export_csv(doc, stdout);
	} else {
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (!text)
			die("out of memory formatting JSON");
		puts(text);
		free(text);
	}
	rc = EXIT_OK;
out:
	json_decref(doc);
	store_close(s);
	return rc;
}

/* ---- erase --------------------------------------------------------------- */

/* Asks on the terminal; true only for the word "erase". */
static bool confirm(const char *id)
{
	char line[64];

	fprintf(stderr,
		"This erases customer %s everywhere: their record, search entry, notes, flow\n"
		"answers and case texts. It cannot be undone. Type 'erase' to go on: ",
		id);
	fflush(stderr);
	if (!fgets(line, sizeof line, stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcmp(line, "erase") == 0;
}

int customer_erase_run(const struct cli_global *g, int argc, char **argv)
{
	const char *reason = NULL, *id;
	struct erase_result res;
	struct store *s;
	struct err e;
	bool yes = false;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":hy", erase_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_customer);
		if (c == OPT_REASON)
			reason = optarg;
		else if (c == OPT_YES || c == 'y')
			yes = true;
		else
			return cli_bad_option(&cmd_customer, c, argv, erase_options);
	}
	if (optind >= argc)
		return cli_usage(&cmd_customer, "erase needs the customer's ID");
	if (optind + 1 < argc)
		return cli_usage(&cmd_customer, "erase takes one ID, not %d", argc - optind);
	if (!reason || !*reason)
		return cli_usage(&cmd_customer,
				 "erase needs --reason TEXT saying why (not who), such as: "
				 "--reason 'request by letter of 3 May'");
	id = argv[optind];
	if (!uuid_valid(id))
		return cli_fail("'%s' is not a customer id; find the id with: frontdesk customer "
				"find TEXT",
				id);
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	err_clear(&e);
	/* Refuse (and audit) before asking anyone to confirm. */
	if (store_require(s, STORE_PERM_ERASE, "customer", id, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			rc = cli_fail("erasing needs confirmation: run it on a terminal, or add --yes "
				      "in a script");
			goto out;
		}
		if (!confirm(id)) {
			rc = cli_fail("not confirmed; nothing was erased");
			goto out;
		}
	}
	if (store_customer_erase(s, id, reason, &res, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	printf("erased customer %s: the record and its search entry; notes and flow answers of "
	       "%ld contact%s; reason and result of %ld case%s; %ld case note%s; %ld queued "
	       "change%s cleaned\n",
	       id, res.contacts, res.contacts == 1 ? "" : "s", res.cases, res.cases == 1 ? "" : "s",
	       res.case_events, res.case_events == 1 ? "" : "s", res.outbox,
	       res.outbox == 1 ? "" : "s");
	printf("the contacts stay as anonymous figures; the erasure goes to the server at the "
	       "next sync\n");
	if (!res.purged)
		fprintf(stderr, "frontdesk: warning: another program on this machine has the "
				"database open, so old pages stay in its log until it closes\n");
	rc = EXIT_OK;
out:
	store_close(s);
	return rc;
}
