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
    "needs, consent, in any order. UTF-8 with or without a byte-order mark; LF or\n"
    "CRLF; quoted fields may hold commas, quotes and line breaks. Every row is\n"
    "checked first: if any is bad, each bad row is listed as FILE:LINE: reason\n"
    "(the first 20) and nothing is imported.\n";

static const struct option import_options[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int import_customers(const struct cli_global *g, int argc, char **argv)
{
	struct err_list errs;
	struct store *s;
	const char *path;
	long imported = 0;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", import_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_import);
		return cli_bad_option(&cmd_import, c, argv, import_options);
	}
	if (argc - optind != 1)
		return cli_usage(&cmd_import, "give one CSV file: import customers FILE.csv");
	path = argv[optind];
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	err_list_init(&errs, INGEST_ERRORS_SHOWN);
	if (ingest_customers(s, path, &errs, &imported) != STATUS_OK) {
		cli_print_problems(&errs);
		rc = cli_fail("nothing imported from '%s' (%zu problem%s); correct the file and "
			      "import it again",
			      path, err_list_total(&errs), err_list_total(&errs) == 1 ? "" : "s");
	} else {
		printf("imported %ld customer%s from %s\n", imported, imported == 1 ? "" : "s",
		       path);
		rc = EXIT_OK;
	}
	err_list_release(&errs);
	store_close(s);
	return rc;
}

static int run(const struct cli_global *g, int argc, char **argv)
{
	static const char *const actions[] = {"customers", NULL};

	if (argc < 2)
		return cli_usage(&cmd_import, "say what to import: import customers FILE.csv");
	if (cli_action_find(&cmd_import, argv[1], actions) < 0)
		return EXIT_USAGE;
	return import_customers(g, argc - 1, argv + 1);
}

const struct cli_command cmd_import = {
    .name = "import",
    .summary = "import customers from a CSV file, all or nothing",
    .usage = usage,
    .run = run,
};
