/*
 * cmd_retention.c — `frontdesk retention apply [--dry-run]`:
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

struct apply_args {
	struct print_ctx pc;
	const char *schedule;
	char path[4200];
	struct retention_rule *rules;
	size_t nrules;
};

static void apply_release(struct cli_call *call)
{
	struct apply_args *a = call->args;

	free(a->rules);
}

static int apply_option(struct cli_call *call, int opt, char *arg)
{
	struct apply_args *a = call->args;

	if (opt == OPT_DRY_RUN)
		a->pc.dry_run = true;
	else if (opt == OPT_SCHEDULE)
		a->schedule = arg;
	return -1;
}

/* The schedule is read (and refused whole) before the database is opened. */
static int apply_check(struct cli_call *call)
{
	struct apply_args *a = call->args;
	struct err_list errs;
	char dir[4096];

	if (call->argc > 0)
		return cli_usage(&cmd_retention, "unexpected argument '%s'", call->argv[0]);
	if (!a->schedule) {
		cli_refdata_dir(NULL, dir, sizeof dir);
		snprintf(a->path, sizeof a->path, "%s/retention.csv", dir);
		a->schedule = a->path;
	}
	err_list_init(&errs, INGEST_ERRORS_SHOWN);
	if (ingest_retention_read(a->schedule, &a->rules, &a->nrules, &errs) != STATUS_OK) {
		cli_print_problems(&errs);
		err_list_release(&errs);
		return cli_fail("the retention schedule has problems; nothing was done");
	}
	err_list_release(&errs);
	return -1;
}

static int retention_apply(struct cli_call *call)
{
	struct apply_args *a = call->args;
	struct err e;

	err_clear(&e);
	if (store_retention_apply(call->store, a->rules, a->nrules, a->pc.dry_run, print_outcome,
				  &a->pc, &e) != STATUS_OK)
		return cli_fail_err(&e);
	if (a->pc.dry_run)
		printf("dry run: nothing was changed\n");
	return CLI_EXIT_OK;
}

static const struct cli_action apply_action = {
    .name = "apply",
    .store = CLI_STORE,
    .options = apply_options,
    .args_size = sizeof(struct apply_args),
    .option = apply_option,
    .check = apply_check,
    .run = retention_apply,
    .release = apply_release,
};

static const struct cli_action *const actions[] = {&apply_action, NULL};

const struct cli_command cmd_retention = {
    .name = "retention",
    .summary = "apply the retention schedule (data/retention.csv)",
    .usage = usage,
    .actions = actions,
};
