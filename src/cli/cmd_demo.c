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
    {"help", no_argument, NULL, 'h'},
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

static int demo_generate(const struct cli_global *g, int argc, char **argv)
{
	struct demo_options o = {.customers = -1, .contacts = -1, .seed = 1};
	struct store *s;
	struct err e;
	bool tty = isatty(STDERR_FILENO);
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", generate_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&cmd_demo);
		case OPT_CUSTOMERS:
			if (!cli_parse_long(&cmd_demo, "--customers", optarg, 0, DEMO_MAX,
					    &o.customers))
				return EXIT_USAGE;
			break;
		case OPT_CONTACTS:
			if (!cli_parse_long(&cmd_demo, "--contacts", optarg, 0, DEMO_MAX,
					    &o.contacts))
				return EXIT_USAGE;
			break;
		case OPT_SEED:
			if (!parse_seed(optarg, &o.seed))
				return cli_usage(&cmd_demo,
						 "--seed must be a whole number from 0, not '%s'",
						 optarg);
			break;
		default:
			return cli_bad_option(&cmd_demo, c, argv, generate_options);
		}
	}
	if (optind < argc)
		return cli_usage(&cmd_demo, "unexpected argument '%s'", argv[optind]);
	if (o.customers < 0 || o.contacts < 0)
		return cli_usage(&cmd_demo, "say how much to make with --customers N --contacts M");
	if (tty)
		o.progress = show_progress;
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	err_clear(&e);
	rc = store_demo_generate(s, &o, &e);
	if (tty)
		fputs("\r\033[K", stderr);
	if (rc != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		printf("generated %ld customer%s and %ld contact%s (seed %llu); this database now "
		       "holds demo data\n",
		       o.customers, o.customers == 1 ? "" : "s", o.contacts,
		       o.contacts == 1 ? "" : "s", (unsigned long long)o.seed);
		rc = EXIT_OK;
	}
	store_close(s);
	return rc;
}

static int run(const struct cli_global *g, int argc, char **argv)
{
	static const char *const actions[] = {"generate", NULL};

	if (argc < 2)
		return cli_usage(&cmd_demo, "give an action: generate");
	if (cli_action_find(&cmd_demo, argv[1], actions) < 0)
		return EXIT_USAGE;
	return demo_generate(g, argc - 1, argv + 1);
}

const struct cli_command cmd_demo = {
    .name = "demo",
    .summary = "generate realistic synthetic data for demos and benchmarks",
    .usage = usage,
    .run = run,
};
