/*
 * cmd_data.c — `frontdesk data load DIR`: makes the database's reference data
 * (services, teams, sites, channels, outcomes, failure-demand reasons, bank
 * holidays) equal to the CSV files in DIR. All or nothing; loading the same
 * files again changes nothing.
 */
#include <getopt.h>
#include <stdio.h>

#include "frontdesk/cli.h"
#include "frontdesk/ingest.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk data load [DIR]\n"
    "\n"
    "Loads the reference data files in DIR (services.csv, teams.csv, sites.csv,\n"
    "channels.csv, outcomes.csv, failure-demand.csv, bank-holidays.csv) into the\n"
    "database. DIR defaults to $FRONTDESK_DATA, else ./data when it has\n"
    "services.csv, else the installed copy. A file with any problem is refused\n"
    "whole, each problem listed as FILE:LINE, and nothing changes. Codes no\n"
    "longer listed are kept for history but marked inactive.\n";

static const struct option load_options[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int data_load(const struct cli_global *g, int argc, char **argv)
{
	struct err_list errs;
	struct store *s;
	char dir[4096];
	char summary[512];
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", load_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_data);
		return cli_bad_option(&cmd_data, c, argv, load_options);
	}
	if (argc - optind > 1)
		return cli_usage(&cmd_data, "load takes one directory, not %d", argc - optind);
	cli_refdata_dir(optind < argc ? argv[optind] : NULL, dir, sizeof dir);
	if (!cli_refdata_dir_check(dir))
		return EXIT_FAIL;
	s = cli_open_store(g, 0);
	if (!s)
		return EXIT_FAIL;
	err_list_init(&errs, INGEST_ERRORS_SHOWN);
	if (ingest_refdata_load(s, dir, &errs) != STATUS_OK) {
		cli_print_problems(&errs);
		rc = cli_fail("reference data in '%s' not loaded (%zu problem%s); nothing was "
			      "changed; correct the files and load again",
			      dir, err_list_total(&errs), err_list_total(&errs) == 1 ? "" : "s");
	} else {
		cli_refdata_summary(s, summary, sizeof summary);
		printf("loaded reference data from %s: %s\n", dir, summary);
		rc = EXIT_OK;
	}
	err_list_release(&errs);
	store_close(s);
	return rc;
}

static int run(const struct cli_global *g, int argc, char **argv)
{
	static const char *const actions[] = {"load", NULL};

	if (argc < 2)
		return cli_usage(&cmd_data, "give an action: load");
	if (cli_action_find(&cmd_data, argv[1], actions) < 0)
		return EXIT_USAGE;
	return data_load(g, argc - 1, argv + 1);
}

const struct cli_command cmd_data = {
    .name = "data",
    .summary = "load reference data (services, teams, sites, ...) from CSV files",
    .usage = usage,
    .run = run,
};
