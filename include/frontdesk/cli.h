/*
 * cli — the `frontdesk` command line: one file per subcommand (git's
 * builtin/), each exporting a struct cli_command that main.c lists.
 *
 * Conventions every command keeps: exit 0 when it did what was asked, 1 when
 * it failed, 2 for a usage error; primary output on stdout; errors on stderr
 * in one line that names the thing and says what to do; lists take
 * --format table|csv|json.
 */
#ifndef FRONTDESK_CLI_H
#define FRONTDESK_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "frontdesk/core.h"
#include "frontdesk/store.h"

enum cli_exit { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

/* Options that come before the subcommand. */
struct cli_global {
	const char *db_path; /* --db PATH, or NULL */
	const char *user;    /* --user LOGIN: act as that user, or NULL */
};

/*
 * The store an action needs, opened by the dispatcher after the action's
 * options and operands were checked (so a usage error never waits on the
 * database) and closed after its run (git's RUN_SETUP).
 */
enum cli_store_use {
	CLI_NO_STORE = 0, /* none, or the action opens one itself */
	CLI_STORE,	  /* the database must exist already */
	CLI_STORE_CREATE, /* created (with its folders) when missing */
};

/*
 * What an action needs the signed-in actor to hold, asked (and a refusal
 * audited) as soon as the store is open, before anything else is asked
 * of the person at the keyboard.
 */
struct cli_permission {
	enum store_perm perm;
	const char *record_type;
	bool record_is_operand; /* the first operand names the record (an id) */
};

/* One run of an action: what the dispatcher parsed and opened for it. */
struct cli_call {
	const struct cli_command *cmd;
	const struct cli_global *g;
	const char *name; /* the action word ("list"), or the command's */
	int argc;	  /* the operands: the words left after the options */
	char **argv;
	int format;	     /* an enum cli_format: --format, else the first the action takes */
	struct store *store; /* open during run when the action asks for one */
	void *args;	     /* the action's own options: args_size bytes, zeroed */
};

/*
 * One action of a command ("case list"), or the command itself when it
 * takes no action word. The dispatcher parses the options with getopt_long
 * (--help added to options, and answered; --format answered by formats),
 * calls option for each of the others in the order given, check, opens the
 * store and asks for the permission when the entry says so, then run.
 * Every hook returns -1 to go on or an enum cli_exit to stop with.
 */
struct cli_action {
	const char *name; /* NULL: the command takes no action word */
	enum cli_store_use store;
	const struct cli_permission *permission; /* or NULL */
	/* "table|csv|json": takes --format (listed in options as
	 * CLI_OPTION_FORMAT), the first its default; NULL: takes none */
	const char *formats;
	const struct option *options; /* the action's own, ended by {NULL}; NULL: none */
	const char *shortopts;	      /* getopt's; NULL: ":h" */
	bool raw;	  /* no option parsing: every word after the action is an operand */
	size_t args_size; /* bytes of call->args */
	void (*init)(struct cli_call *call); /* defaults into call->args */
	int (*option)(struct cli_call *call, int opt, char *arg);
	int (*check)(struct cli_call *call); /* the operands; anything that needs no store */
	int (*run)(struct cli_call *call);
	void (*release)(struct cli_call *call); /* what init, option or check kept in args */
};

/* The getopt value of --format; its entry in a struct option table. */
#define CLI_OPT_FORMAT 900
#define CLI_OPTION_FORMAT {"format", required_argument, NULL, CLI_OPT_FORMAT}
/* The options of an action that takes --format and nothing else. */
extern const struct option cli_format_options[];
/* A check hook: the action takes no operands ("list takes no arguments"). */
int cli_no_operands(struct cli_call *call);

struct cli_command {
	const char *name;
	const char *summary; /* one line for `frontdesk --help` */
	const char *usage;   /* full text for `frontdesk help NAME` and -h */
	/* its actions, ended by NULL; one without a name when it takes no
	 * action word */
	const struct cli_action *const *actions;
	/* the usage error for a missing action word; NULL: "give an action: ..." */
	const char *no_action;
	/* -h or --help in the action word's place shows the help, as flow
	 * does (the others answer it as an unknown action) */
	bool help_as_action;
};

extern const struct cli_command cmd_init, cmd_config, cmd_customer, cmd_contact, cmd_case,
	cmd_import, cmd_data, cmd_demo, cmd_flow, cmd_report,
	cmd_user, cmd_sync, cmd_device, cmd_audit, cmd_retention, cmd_address;

/*
 * Runs cmd with argv (argv[0] the command's word) as its table says: finds
 * the action, parses its options, opens the store, runs it and closes the
 * store. Returns an enum cli_exit.
 */
int cli_command_run(const struct cli_command *cmd, const struct cli_global *g, int argc,
		    char **argv);

/* Every command, ended by NULL. */
extern const struct cli_command *const cli_commands[];

/* Prints "frontdesk: <message>" on stderr; returns CLI_EXIT_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "frontdesk <cmd>: <message>" and a pointer to help; returns CLI_EXIT_USAGE. */
int cli_usage(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints an err (file:line:col: message) on stderr; returns CLI_EXIT_FAIL. */
int cli_fail_err(const struct err *e);

/*
 * Opens the store named by the global options (or the default path) with the
 * actor "cli:<login>". Prints the error and returns NULL on failure.
 */
struct store *cli_open_store(const struct cli_global *g, int flags);

/* Output of a list: table (aligned by display width), csv (RFC 4180) or json. */
enum cli_format { CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON };
/* Parses a --format value; -1 if unknown. */
int cli_format_parse(const char *s);

/*
 * A list printer: collect rows, then print in the chosen format. Columns are
 * named once; every cell is copied. Table output measures display width
 * with wcwidth so names in any script align.
 */
struct cli_table;
struct cli_table *cli_table_new(const char *const *columns, size_t ncolumns);
void cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(const struct cli_table *t, enum cli_format f, FILE *out);
void cli_table_free(struct cli_table *t);

#endif
