/*
 * cmd_import.c — `frontdesk import customers FILE.csv`: all or nothing; any
 * bad row refuses the whole file, and every bad row is listed as FILE:LINE.
 */
#include <getopt.h>
#include <stdio.h>

#include "frontdesk/cli.h"
#include "frontdesk/ingest.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk import customers FILE.csv\n"
    "\n"
    "Imports customers from a CSV file. The first line names the columns: name\n"
    "(required), dob, address, postcode, uprn, phone, email, preferred_channel,\n"
    "needs, needs_basis, consent, in any order; a row with needs gives their\n"
    "needs_basis (consent or vital-interests). UTF-8 with or without a byte-order\n"
    "mark; LF or CRLF; quoted fields may hold commas, quotes and line breaks.\n"
    "Every row is checked first: if any is bad, each bad row is listed as\n"
    "FILE:LINE: reason (the first 20) and nothing is imported.\n";

static int customers_check(struct cli_call *call)
{
	if (call->argc != 1)
		return cli_usage(&cmd_import, "give one CSV file: import customers FILE.csv");
	return -1;
}

static int import_customers(struct cli_call *call)
{
	const char *path = call->argv[0];
	struct err_list errs;
	long imported = 0;
	int rc;

	err_list_init(&errs, INGEST_ERRORS_SHOWN);
	if (ingest_customers(call->store, path, &errs, &imported) != STATUS_OK) {
		cli_print_problems(&errs);
		rc = cli_fail("nothing imported from '%s' (%zu problem%s); correct the file and "
			      "import it again",
			      path, err_list_total(&errs), err_list_total(&errs) == 1 ? "" : "s");
	} else {
		printf("imported %ld customer%s from %s\n", imported, imported == 1 ? "" : "s",
		       path);
		rc = CLI_EXIT_OK;
	}
	err_list_release(&errs);
	return rc;
}

static const struct cli_action customers_action = {
    .name = "customers",
    .store = CLI_STORE,
    .check = customers_check,
    .run = import_customers,
};

static const struct cli_action *const actions[] = {&customers_action, NULL};

const struct cli_command cmd_import = {
    .name = "import",
    .summary = "import customers from a CSV file, all or nothing",
    .usage = usage,
    .actions = actions,
    .no_action = "say what to import: import customers FILE.csv",
};
