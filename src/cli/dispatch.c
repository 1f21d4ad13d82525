/*
 * dispatch.c — the plumbing every command shares, done once from its table
 * (git's RUN_SETUP, tmux's cmd_entry): find the action, parse its options
 * (--help and --format included), check, open the store and ask for the
 * permission, run, close.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/cli.h"
#include "cli_util.h"

const struct option cli_format_options[] = {
    CLI_OPTION_FORMAT,
    {NULL, 0, NULL, 0},
};

int cli_no_operands(struct cli_call *call)
{
	if (call->argc > 0)
		return cli_usage(call->cmd, "%s takes no arguments, not '%s'", call->name,
				 call->argv[0]);
	return -1;
}

/* Room for the longest option table (customer edit) and --help. */
#define OPTIONS_MAX 32

/* "a|b|c" as "a, b or c" into out (usage errors list the choices so). */
static void words_or(const char *list, char *out, size_t outsz)
{
	const char *last = strrchr(list, '|');
	size_t n = 0;

	out[0] = '\0';
	for (const char *p = list; *p && n + 5 < outsz; p++) {
		if (*p != '|') {
			out[n++] = *p;
		} else if (p == last) {
			memcpy(out + n, " or ", 4);
			n += 4;
		} else {
			memcpy(out + n, ", ", 2);
			n += 2;
		}
	}
	out[n] = '\0';
}

/* The format word arg when formats ("table|csv|json") lists it; else -1. */
static int format_allowed(const char *formats, const char *arg)
{
	size_t n = strlen(arg);

	for (const char *p = formats; p; p = strchr(p, '|')) {
		p += *p == '|';
		if (strncmp(p, arg, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return cli_format_parse(arg);
	}
	return -1;
}

static int format_default(const char *formats)
{
	char first[8];

	snprintf(first, sizeof first, "%.*s", (int)strcspn(formats, "|"), formats);
	return cli_format_parse(first);
}

/* The action's options and --help, ended by {NULL}, into opts. */
static void options_with_help(const struct cli_call *call, const struct cli_action *a,
			      struct option *opts)
{
	size_t n = 0;

	for (; a->options && a->options[n].name; n++) {
		if (n + 2 >= OPTIONS_MAX)
			die("cli: '%s' has more than %d options", call->name, OPTIONS_MAX - 2);
		opts[n] = a->options[n];
	}
	opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	opts[n] = (struct option){NULL, 0, NULL, 0};
}

/* Parses argv's options for call's action and leaves the operands in call;
 * -1 to go on, or an exit status. */
static int parse_options(struct cli_call *call, const struct cli_action *a, int argc, char **argv)
{
	struct option opts[OPTIONS_MAX];
	char words[64];
	int c, rc;

	options_with_help(call, a, opts);
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, a->shortopts ? a->shortopts : ":h", opts, NULL)) !=
	       -1) {
		if (c == 'h')
			return cli_help(call->cmd);
		if (c == ':' || c == '?')
			return cli_bad_option(call->cmd, c, argv, opts);
		if (c == CLI_OPT_FORMAT) {
			if (!a->formats)
				die("cli: '%s' lists --format without the formats it takes",
				    call->name);
			call->format = format_allowed(a->formats, optarg);
			if (call->format >= 0)
				continue;
			words_or(a->formats, words, sizeof words);
			return cli_usage(call->cmd, "unknown format '%s'; use %s", optarg, words);
		}
		rc = a->option ? a->option(call, c, optarg)
			       : cli_bad_option(call->cmd, c, argv, opts);
		if (rc >= 0)
			return rc;
	}
	call->argc = argc - optind;
	call->argv = argv + optind;
	return -1;
}

/* Opens the store the action asks for and asks for its permission. */
static int open_store(struct cli_call *call, const struct cli_action *a)
{
	const struct cli_permission *p = a->permission;
	struct err e;

	call->store = cli_open_store(call->g, a->store == CLI_STORE ? STORE_NO_CREATE : 0);
	if (!call->store)
		return CLI_EXIT_FAIL;
	err_clear(&e);
	if (p && store_require(call->store, p->perm, p->record_type,
			       p->record_is_operand ? call->argv[0] : NULL, &e) != STATUS_OK)
		return cli_fail_err(&e);
	return -1;
}

static int action_run(const struct cli_command *cmd, const struct cli_action *a,
		      const struct cli_global *g, int argc, char **argv)
{
	struct cli_call call = {.cmd = cmd, .g = g, .name = argv[0]};
	int rc = -1;

	call.format = a->formats ? format_default(a->formats) : CLI_FORMAT_TABLE;
	call.args = a->args_size ? xcalloc(1, a->args_size) : NULL;
	if (a->init)
		a->init(&call);
	if (a->raw) {
		call.argc = argc - 1;
		call.argv = argv + 1;
	} else {
		rc = parse_options(&call, a, argc, argv);
	}
	if (rc < 0 && a->check)
		rc = a->check(&call);
	if (rc < 0 && a->store != CLI_NO_STORE)
		rc = open_store(&call, a);
	if (rc < 0)
		rc = a->run(&call);
	store_close(call.store);
	if (a->release)
		a->release(&call);
	free(call.args);
	return rc;
}

int cli_command_run(const struct cli_command *cmd, const struct cli_global *g, int argc,
		    char **argv)
{
	const char *names[16];
	char list[256] = "", words[256];
	size_t n = 0;
	int i;

	if (!cmd->actions[0]->name)
		return action_run(cmd, cmd->actions[0], g, argc, argv);
	for (; cmd->actions[n]; n++) {
		if (n + 1 >= sizeof names / sizeof names[0])
			die("cli: '%s' has too many actions", cmd->name);
		names[n] = cmd->actions[n]->name;
	}
	names[n] = NULL;
	if (argc < 2) {
		if (cmd->no_action)
			return cli_usage(cmd, "%s", cmd->no_action);
		for (size_t k = 0; k < n; k++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
				 k ? "|" : "", names[k]);
		words_or(list, words, sizeof words);
		return cli_usage(cmd, "give an action: %s", words);
	}
	if (cmd->help_as_action && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return cli_help(cmd);
	i = cli_action_find(cmd, argv[1], names);
	if (i < 0)
		return CLI_EXIT_USAGE;
	return action_run(cmd, cmd->actions[i], g, argc - 1, argv + 1);
}
