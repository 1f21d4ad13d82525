/*
 * cmd_data.c — `frontdesk data load DIR`: makes the database's reference data
 * (services, teams, sites, channels, outcomes, failure-demand reasons, bank
 * holidays) equal to the CSV files in DIR; `frontdesk data load --gazetteer
 * FILE` makes its gazetteer (the council's addresses) equal to FILE. All or
 * nothing; loading the same files again changes nothing.
 */
#include <getopt.h>
#include <stdio.h>

#include "frontdesk/cli.h"
#include "frontdesk/ingest.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk data load [DIR]\n"
    "       frontdesk data load --gazetteer FILE\n"
    "\n"
    "Loads the reference data files in DIR (services.csv, teams.csv, sites.csv,\n"
    "channels.csv, outcomes.csv, failure-demand.csv, bank-holidays.csv) into the\n"
    "database. DIR defaults to $FRONTDESK_DATA, else ./data when it has\n"
    "services.csv, else the installed copy. A file with any problem is refused\n"
    "whole, each problem listed as FILE:LINE, and nothing changes. Codes no\n"
    "longer listed are kept for history but marked inactive.\n"
    "\n"
    "With --gazetteer, loads the council's gazetteer instead: FILE is a CSV\n"
    "export of its LLPG or of AddressBase Core (columns in man 5\n"
    "frontdesk-data), and replaces the addresses loaded before. A bad row\n"
    "refuses the whole file, each problem listed as FILE:LINE:COLUMN, and\n"
    "nothing changes.\n";

enum { OPT_GAZETTEER = 1 };
static const struct option load_options[] = {
    {"gazetteer", required_argument, NULL, OPT_GAZETTEER},
    {NULL, 0, NULL, 0},
};

struct load_args {
	char dir[4096];
	const char *gazetteer; /* --gazetteer FILE, or NULL */
};

static int load_option(struct cli_call *call, int opt, char *arg)
{
	struct load_args *la = call->args;

	if (opt == OPT_GAZETTEER)
		la->gazetteer = arg;
	return -1;
}

static int load_check(struct cli_call *call)
{
	struct load_args *la = call->args;

	if (la->gazetteer) {
		if (call->argc > 0)
			return cli_usage(&cmd_data, "load --gazetteer takes the file only, not "
						    "'%s'; load reference data on its own",
					 call->argv[0]);
		return -1;
	}
	if (call->argc > 1)
		return cli_usage(&cmd_data, "load takes one directory, not %d", call->argc);
	cli_refdata_dir(call->argc > 0 ? call->argv[0] : NULL, la->dir, sizeof la->dir);
	if (!cli_refdata_dir_check(la->dir))
		return CLI_EXIT_FAIL;
	return -1;
}

static int gazetteer_load(struct cli_call *call, const char *path)
{
	struct err_list errs;
	long loaded = 0;
	int rc;

	err_list_init(&errs, INGEST_ERRORS_SHOWN);
	if (ingest_gazetteer_load(call->store, path, &errs, &loaded) != STATUS_OK) {
		cli_print_problems(&errs);
		rc = cli_fail("gazetteer '%s' not loaded (%zu problem%s); nothing was changed; "
			      "correct the file and load again",
			      path, err_list_total(&errs), err_list_total(&errs) == 1 ? "" : "s");
	} else {
		printf("loaded the gazetteer from %s: %ld address%s\n", path, loaded,
		       loaded == 1 ? "" : "es");
		rc = CLI_EXIT_OK;
	}
	err_list_release(&errs);
	return rc;
}

static int data_load(struct cli_call *call)
{
	const char *dir = ((const struct load_args *)call->args)->dir;
	const char *gazetteer = ((const struct load_args *)call->args)->gazetteer;
	struct err_list errs;
	char summary[512];
	int rc;

	if (gazetteer)
		return gazetteer_load(call, gazetteer);
	err_list_init(&errs, INGEST_ERRORS_SHOWN);
	if (ingest_refdata_load(call->store, dir, &errs) != STATUS_OK) {
		cli_print_problems(&errs);
		rc = cli_fail("reference data in '%s' not loaded (%zu problem%s); nothing was "
			      "changed; correct the files and load again",
			      dir, err_list_total(&errs), err_list_total(&errs) == 1 ? "" : "s");
	} else {
		cli_refdata_summary(call->store, summary, sizeof summary);
		printf("loaded reference data from %s: %s\n", dir, summary);
		rc = CLI_EXIT_OK;
	}
	err_list_release(&errs);
	return rc;
}

/* The folder is checked before the database is made. */
static const struct cli_action load_action = {
    .name = "load",
    .store = CLI_STORE_CREATE,
    .options = load_options,
    .args_size = sizeof(struct load_args),
    .option = load_option,
    .check = load_check,
    .run = data_load,
};

static const struct cli_action *const actions[] = {&load_action, NULL};

const struct cli_command cmd_data = {
    .name = "data",
    .summary = "load reference data (services, teams, sites, ...) and the gazetteer from CSV",
    .usage = usage,
    .actions = actions,
};
