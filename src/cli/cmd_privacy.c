/*
 * cmd_privacy.c — `frontdesk customer export` (subject access) and
 * `frontdesk customer erase` (right to erasure). The store decides
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

enum { OPT_REASON = 1000, OPT_YES };

static const struct option erase_options[] = {
    {"reason", required_argument, NULL, OPT_REASON},
    {"yes", no_argument, NULL, OPT_YES},
    {NULL, 0, NULL, 0},
};

/* ---- export -------------------------------------------------------------- */

static int customer_export(struct cli_call *call)
{
	const char *format = call->format == CLI_FORMAT_CSV ? "csv" : "json";
	json_t *doc = NULL;
	struct err e;

	err_clear(&e);
	if (store_customer_export(call->store, call->argv[0], format, &doc, &e) != STATUS_OK) {
		json_decref(doc);
		return cli_fail_err(&e);
	}
	if (call->format == CLI_FORMAT_CSV) {
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
	json_decref(doc);
	return CLI_EXIT_OK;
}

const struct cli_action customer_export_action = {
    .name = "export",
    .store = CLI_STORE,
    .formats = "json|csv",
    .options = cli_format_options,
    .check = cli_customer_one_id,
    .run = customer_export,
};

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

struct erase_args {
	const char *reason;
	bool yes;
};

static int erase_option(struct cli_call *call, int opt, char *arg)
{
	struct erase_args *ea = call->args;

	if (opt == OPT_REASON)
		ea->reason = arg;
	else if (opt == OPT_YES || opt == 'y')
		ea->yes = true;
	return -1;
}

static int erase_check(struct cli_call *call)
{
	const struct erase_args *ea = call->args;
	int rc = cli_customer_one_id(call);

	if (rc >= 0)
		return rc;
	if (!ea->reason || !*ea->reason)
		return cli_usage(&cmd_customer,
				 "erase needs --reason TEXT saying why (not who), such as: "
				 "--reason 'request by letter of 3 May'");
	if (!uuid_valid(call->argv[0]))
		return cli_fail("'%s' is not a customer id; find the id with: frontdesk customer "
				"find TEXT",
				call->argv[0]);
	return -1;
}

/* The permission was asked (and a refusal audited) before anyone is asked
 * to confirm. */
static int customer_erase(struct cli_call *call)
{
	const struct erase_args *ea = call->args;
	const char *id = call->argv[0];
	struct erase_result res;
	struct err e;

	if (!ea->yes) {
		if (!isatty(STDIN_FILENO))
			return cli_fail("erasing needs confirmation: run it on a terminal, or add "
					"--yes in a script");
		if (!confirm(id))
			return cli_fail("not confirmed; nothing was erased");
	}
	err_clear(&e);
	if (store_customer_erase(call->store, id, ea->reason, &res, &e) != STATUS_OK)
		return cli_fail_err(&e);
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
	return CLI_EXIT_OK;
}

static const struct cli_permission erase_permission = {STORE_PERM_ERASE, "customer", true};

const struct cli_action customer_erase_action = {
    .name = "erase",
    .store = CLI_STORE,
    .permission = &erase_permission,
    .shortopts = ":hy",
    .options = erase_options,
    .args_size = sizeof(struct erase_args),
    .option = erase_option,
    .check = erase_check,
    .run = customer_erase,
};
