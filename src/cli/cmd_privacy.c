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
		struct csv_writer w;

		csv_writer_init(&w, stdout);
		store_export_rows(doc, csv_writer_row, &w);
		csv_writer_release(&w);
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
