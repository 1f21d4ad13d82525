/*
 * cmd_retention.c — `frontdesk retention apply [--dry-run]` (issue 7):
 * applies the retention schedule (data/retention.csv) in one transaction,
 * reporting what each line did. An administrator's task; audited.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/cli.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk retention apply [--dry-run] [--schedule FILE]\n"
    "\n"
    "Applies the retention schedule: each line of retention.csv names a record\n"
    "type (contact, case, customer, audit, outbox), how long it is kept (6y, 18m,\n"
    "30d) and what happens after (delete or anonymise). Everything happens in one\n"
    "transaction; --dry-run only reports what would happen. The schedule is\n"
    "retention.csv in the reference data folder ($FRONTDESK_DATA, ./data or the\n"
    "installed one) unless --schedule names another. Needs an administrator.\n";

enum { OPT_DRY_RUN = 1000, OPT_SCHEDULE };

static const struct option apply_options[] = {
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"schedule", required_argument, NULL, OPT_SCHEDULE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *what_done(const struct retention_rule *r, bool dry_run)
{
	if (r->action == RETENTION_DELETE)
		return dry_run ? "would be deleted" : "deleted";
	return dry_run ? "would be anonymised" : "anonymised";
}

static const char *unit_word(char unit)
{
	return unit == 'd' ? "day" : unit == 'm' ? "month" : "year";
}

struct print_ctx {
	bool dry_run;
};

static int print_outcome(void *ctx, const struct retention_outcome *o)
{
	const struct print_ctx *pc = ctx;
	const struct retention_rule *r = o->rule;

	printf("%-8s kept %d %s%s: %ld from before %.10s %s\n", retention_record_name(r->record),
	       r->amount, unit_word(r->unit), r->amount == 1 ? "" : "s", o->rows, o->cutoff,
	       what_done(r, pc->dry_run));
	return 0;
}

static int retention_apply(const struct cli_global *g, int argc, char **argv)
{
	struct retention_rule *rules = NULL;
	struct err_list errs;
	struct print_ctx pc = {false};
	const char *schedule = NULL;
	char dir[4096], path[4200];
	struct store *s = NULL;
	struct err e;
	size_t n = 0;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", apply_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_retention);
		if (c == OPT_DRY_RUN)
			pc.dry_run = true;
		else if (c == OPT_SCHEDULE)
			schedule = optarg;
		else
			return cli_bad_option(&cmd_retention, c, argv, apply_options);
	}
	if (optind < argc)
		return cli_usage(&cmd_retention, "unexpected argument '%s'", argv[optind]);
	if (!schedule) {
		cli_refdata_dir(NULL, dir, sizeof dir);
		snprintf(path, sizeof path, "%s/retention.csv", dir);
		schedule = path;
	}
	err_list_init(&errs, INGEST_ERRORS_SHOWN);
	if (ingest_retention_read(schedule, &rules, &n, &errs) != STATUS_OK) {
		cli_print_problems(&errs);
		err_list_release(&errs);
		return cli_fail("the retention schedule has problems; nothing was done");
	}
	err_list_release(&errs);
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s) {
		free(rules);
		return EXIT_FAIL;
	}
	err_clear(&e);
	if (store_retention_apply(s, rules, n, pc.dry_run, print_outcome, &pc, &e) != STATUS_OK)
		rc = cli_fail_err(&e);
	else
		rc = EXIT_OK;
	if (rc == EXIT_OK && pc.dry_run)
		printf("dry run: nothing was changed\n");
	free(rules);
	store_close(s);
	return rc;
}

static int run(const struct cli_global *g, int argc, char **argv)
{
	static const char *const actions[] = {"apply", NULL};

	if (argc < 2)
		return cli_usage(&cmd_retention, "give an action: apply");
	switch (cli_action_find(&cmd_retention, argv[1], actions)) {
	case 0:
		return retention_apply(g, argc - 1, argv + 1);
	default:
		return EXIT_USAGE;
	}
}

const struct cli_command cmd_retention = {
    .name = "retention",
    .summary = "apply the retention schedule (data/retention.csv)",
    .usage = usage,
    .run = run,
};
