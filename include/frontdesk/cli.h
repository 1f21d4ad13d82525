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

#include <stdio.h>

#include "frontdesk/core.h"
#include "frontdesk/store.h"

enum cli_exit { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Options that come before the subcommand. */
struct cli_global {
	const char *db_path; /* --db PATH, or NULL */
	const char *user;    /* --user LOGIN (issue 7): act as that user, or NULL */
};

struct cli_command {
	const char *name;
	const char *summary; /* one line for `frontdesk --help` */
	const char *usage;   /* full text for `frontdesk help NAME` and -h */
	/* argv[0] is the subcommand name. Returns an enum cli_exit. */
	int (*run)(const struct cli_global *g, int argc, char **argv);
};

extern const struct cli_command cmd_init, cmd_config, cmd_customer, cmd_contact, cmd_case,
	cmd_import, cmd_data, cmd_demo, cmd_flow, cmd_report,
	cmd_user, cmd_sync, cmd_device, cmd_audit, cmd_retention;

/* Every command, ended by NULL. */
extern const struct cli_command *const cli_commands[];

/* Prints "frontdesk: <message>" on stderr; returns EXIT_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "frontdesk <cmd>: <message>" and a pointer to help; returns EXIT_USAGE. */
int cli_usage(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints an err (file:line:col: message) on stderr; returns EXIT_FAIL. */
int cli_fail_err(const struct err *e);

/*
 * Opens the store named by the global options (or the default path) with the
 * actor "cli:<login>". Prints the error and returns NULL on failure.
 */
struct store *cli_open_store(const struct cli_global *g, int flags);

/* Output of a list: table (aligned by display width), csv (RFC 4180) or json. */
enum cli_format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON };
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
