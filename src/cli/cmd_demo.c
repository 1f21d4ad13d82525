/*
 * cmd_demo.c — `frontdesk demo generate`: realistic synthetic UK customers
 * and contacts, the same for the same seed, for demos and benchmarks. Demo
 * rows never enter the outbox, so they can never reach a server.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontdesk/cli.h"
#include "cli_util.h"

#define DEMO_MAX 100000000L

static const char usage[] =
    "usage: frontdesk demo generate --customers N --contacts M [--seed S]\n"
    "\n"
    "Adds N synthetic customers and M contacts (with their visits and cases) to\n"
    "the database and marks it as a demo database. The same seed gives the same\n"
    "data (default seed 1). Demo data is never sent to a server. Progress is\n"
    "shown on a terminal.\n";

enum { OPT_CUSTOMERS = 1000, OPT_CONTACTS, OPT_SEED };

static const struct option generate_options[] = {
    {"customers", required_argument, NULL, OPT_CUSTOMERS},
    {"contacts", required_argument, NULL, OPT_CONTACTS},
    {"seed", required_argument, NULL, OPT_SEED},
    {NULL, 0, NULL, 0},
};

static bool parse_seed(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (!s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || !end || *end)
		return false;
	*out = (uint64_t)v;
	return true;
}

/* Overwrites one terminal line with how far the generation has got. */
static void show_progress(void *ctx, const char *what, long done, long total)
{
	(void)ctx;
	fprintf(stderr, "\r%s: %ld of %ld\033[K", what, done, total);
	fflush(stderr);
}

static void generate_init(struct cli_call *call)
{
	struct demo_options *o = call->args;

	*o = (struct demo_options){.customers = -1, .contacts = -1, .seed = 1};
}

static int generate_option(struct cli_call *call, int opt, char *arg)
{
	struct demo_options *o = call->args;

	switch (opt) {
	case OPT_CUSTOMERS:
		if (!cli_parse_long(&cmd_demo, "--customers", arg, 0, DEMO_MAX, &o->customers))
			return CLI_EXIT_USAGE;
		break;
	case OPT_CONTACTS:
		if (!cli_parse_long(&cmd_demo, "--contacts", arg, 0, DEMO_MAX, &o->contacts))
			return CLI_EXIT_USAGE;
		break;
	case OPT_SEED:
		if (!parse_seed(arg, &o->seed))
			return cli_usage(&cmd_demo,
					 "--seed must be a whole number from 0, not '%s'", arg);
		break;
	}
	return -1;
}

static int generate_check(struct cli_call *call)
{
	const struct demo_options *o = call->args;

	if (call->argc > 0)
		return cli_usage(&cmd_demo, "unexpected argument '%s'", call->argv[0]);
	if (o->customers < 0 || o->contacts < 0)
		return cli_usage(&cmd_demo, "say how much to make with --customers N --contacts M");
	return -1;
}

static int demo_generate(struct cli_call *call)
{
	struct demo_options *o = call->args;
	bool tty = isatty(STDERR_FILENO);
	struct err e;
	int rc;

	if (tty)
		o->progress = show_progress;
	err_clear(&e);
	rc = store_demo_generate(call->store, o, &e);
	if (tty)
		fputs("\r\033[K", stderr);
	if (rc != STATUS_OK)
		return cli_fail_err(&e);
	printf("generated %ld customer%s and %ld contact%s (seed %llu); this database now "
	       "holds demo data\n",
	       o->customers, o->customers == 1 ? "" : "s", o->contacts, o->contacts == 1 ? "" : "s",
	       (unsigned long long)o->seed);
	return CLI_EXIT_OK;
}

static const struct cli_action generate_action = {
    .name = "generate",
    .store = CLI_STORE,
    .options = generate_options,
    .args_size = sizeof(struct demo_options),
    .init = generate_init,
    .option = generate_option,
    .check = generate_check,
    .run = demo_generate,
};

static const struct cli_action *const actions[] = {&generate_action, NULL};

const struct cli_command cmd_demo = {
    .name = "demo",
    .summary = "generate realistic synthetic data for demos and benchmarks",
    .usage = usage,
    .actions = actions,
};
