/*
 * main.c — `frontdesk [--db PATH] COMMAND [ARGS]`: global options, the table
 * of subcommands, help and "did you mean".
 */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/cli.h"
#include "frontdesk/tui.h"
#include "cli_util.h"

#ifndef FRONTDESK_VERSION
#define FRONTDESK_VERSION "unknown"
#endif

/* ---- the console ---- */

/*
 * `frontdesk [console]`: the advisor console. It lives here rather than in a
 * cmd_*.c file because it links the terminal UI, which the command-line unit
 * tests (everything in src/cli but main.c) do not.
 */
static const char console_usage[] =
    "usage: frontdesk [--db PATH] [console [--demo-user LOGIN]]\n"
    "\n"
    "Opens the advisor console (also what 'frontdesk' alone does): sign in,\n"
    "find customers, log contacts, raise and follow cases. 'man frontdesk' lists\n"
    "the screens and keys.\n"
    "\n"
    "options:\n"
    "  --demo-user LOGIN  sign LOGIN in without a password; only on a demo\n"
    "                     database (made by 'frontdesk demo generate')\n";

/* Read by hand, not by getopt: every word but --demo-user is unexpected. */
static int console_check(struct cli_call *call)
{
	struct tui_options *o = call->args;

	for (int i = 0; i < call->argc; i++) {
		if (strcmp(call->argv[i], "--demo-user") == 0 && i + 1 < call->argc)
			o->demo_user = call->argv[++i];
		else if (strncmp(call->argv[i], "--demo-user=", 12) == 0)
			o->demo_user = call->argv[i] + 12;
		else if (strcmp(call->argv[i], "--demo-user") == 0)
			return cli_usage(call->cmd, "option '--demo-user' needs a login name");
		else
			return cli_usage(call->cmd, "unexpected argument '%s'", call->argv[i]);
	}
	return -1;
}

static int console_run(struct cli_call *call)
{
	struct tui_options *o = call->args;
	char dir[4096], schedule[4200];
	struct err e;

	if (store_user_count(call->store) == 0)
		return cli_fail("no one can sign in yet: this database has no users; create the "
				"first administrator with: frontdesk user add NAME --role admin");
	/* The retention schedule is found like the other reference data. */
	cli_refdata_dir(NULL, dir, sizeof dir);
	snprintf(schedule, sizeof schedule, "%s/retention.csv", dir);
	o->retention_schedule = schedule;
	err_clear(&e);
	if (tui_run(call->store, o, &e) != STATUS_OK)
		return cli_fail_err(&e);
	return CLI_EXIT_OK;
}

static const struct cli_action console_action = {
    .store = CLI_STORE,
    .raw = true,
    .args_size = sizeof(struct tui_options),
    .check = console_check,
    .run = console_run,
};
static const struct cli_action *const console_actions[] = {&console_action, NULL};

static const struct cli_command cmd_console = {
    .name = "console",
    .summary = "open the advisor console (the default with no command)",
    .usage = console_usage,
    .actions = console_actions,
};

const struct cli_command *const cli_commands[] = {
    &cmd_init,	 &cmd_config, &cmd_customer, &cmd_contact, &cmd_case,
    &cmd_import, &cmd_data,   &cmd_address, &cmd_demo,     &cmd_flow,	   &cmd_report, &cmd_user, &cmd_sync, &cmd_device, &cmd_audit, &cmd_retention, &cmd_console,
    NULL,
};

static void print_main_help(FILE *out)
{
	fputs("usage: frontdesk [--db PATH] COMMAND [ARGS]\n"
	      "       frontdesk help COMMAND\n"
	      "       frontdesk --version\n"
	      "\n"
	      "A console for council front-desk and contact-centre advisors.\n"
	      "\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; cli_commands[i]; i++)
		fprintf(out, "  %-10s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fputs("\n"
	      "options:\n"
	      "  --db PATH     the database file (default: $FRONTDESK_DB, else\n"
	      "                $XDG_DATA_HOME/frontdesk/frontdesk.db)\n"
	      "  --user LOGIN  act as that frontdesk user (asks for their password);\n"
	      "                without it, as the system account running the command\n"
	      "  --help        show this help\n"
	      "  --version     show the version\n"
	      "\n"
	      "Run 'frontdesk help COMMAND' for a command's options; 'man frontdesk' for more.\n",
	      out);
}

static const struct cli_command *command_find(const char *name)
{
	for (size_t i = 0; cli_commands[i]; i++)
		if (strcmp(cli_commands[i]->name, name) == 0)
			return cli_commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *names[64];
	const char *hint;
	size_t n = 0;

	for (size_t i = 0; cli_commands[i] && n + 2 < sizeof names / sizeof names[0]; i++)
		names[n++] = cli_commands[i]->name;
	names[n++] = "help";
	names[n] = NULL;
	hint = cli_suggest(name, names);
	if (hint)
		return cli_usage(NULL, "'%s' is not a command; did you mean '%s'?", name, hint);
	return cli_usage(NULL, "'%s' is not a command", name);
}

/* `frontdesk help [COMMAND]` */
static int run_help(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		print_main_help(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 2)
		return cli_usage(NULL, "'help' takes one command name, not %d words", argc - 1);
	cmd = command_find(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	return cli_help(cmd);
}

/*
 * The locale decides how wide a character is on screen. Tables need a UTF-8
 * capable one; numbers stay in the C form so CSV and JSON never carry a
 * decimal comma.
 */
static void setup_locale(void)
{
	const char *codeset;

	if (!setlocale(LC_ALL, ""))
		setlocale(LC_ALL, "C");
	codeset = nl_langinfo(CODESET);
	if (!codeset || (strcmp(codeset, "UTF-8") != 0 && strcmp(codeset, "utf8") != 0))
		if (!setlocale(LC_ALL, "C.UTF-8"))
			setlocale(LC_CTYPE, "C.utf8");
	setlocale(LC_NUMERIC, "C");
}

int main(int argc, char **argv)
{
	struct cli_global g = {0};
	const struct cli_command *cmd;
	int i;

	setup_locale();
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			print_main_help(stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("frontdesk %s\n", FRONTDESK_VERSION);
			return CLI_EXIT_OK;
		} else if (strcmp(a, "--db") == 0) {
			if (i + 1 >= argc)
				return cli_usage(NULL, "option '--db' needs a file path");
			g.db_path = argv[++i];
		} else if (strncmp(a, "--db=", 5) == 0) {
			g.db_path = a + 5;
		} else if (strcmp(a, "--user") == 0) {
			if (i + 1 >= argc || !argv[i + 1][0])
				return cli_usage(NULL, "option '--user' needs a login name");
			g.user = argv[++i];
		} else if (strncmp(a, "--user=", 7) == 0) {
			g.user = a + 7;
			if (!g.user[0])
				return cli_usage(NULL, "option '--user' needs a login name");
		} else {
			return cli_usage(NULL, "unknown option '%s' before the command", a);
		}
		if (g.db_path && !g.db_path[0])
			return cli_usage(NULL, "option '--db' needs a file path, not an empty one");
	}
	if (i >= argc) {
		char word[] = "console";
		char *args[] = {word, NULL};

		return cli_command_run(&cmd_console, &g, 1, args);
	}
	if (strcmp(argv[i], "help") == 0)
		return run_help(argc - i, argv + i);
	cmd = command_find(argv[i]);
	if (!cmd)
		return unknown_command(argv[i]);
	if (argc - i == 2 && (strcmp(argv[i + 1], "--help") == 0 || strcmp(argv[i + 1], "-h") == 0))
		return cli_help(cmd);
	return cli_command_run(cmd, &g, argc - i, argv + i);
}
