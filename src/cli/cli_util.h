/*
 * Helpers shared by the subcommands in src/cli/ (not part of the public
 * contract in include/frontdesk/cli.h).
 */
#ifndef FRONTDESK_CLI_UTIL_H
#define FRONTDESK_CLI_UTIL_H

#include <getopt.h>
#include <stdbool.h>

#include "frontdesk/cli.h"
#include "frontdesk/ingest.h"

/* Prints cmd's usage text on stdout (for --help); returns CLI_EXIT_OK. */
int cli_help(const struct cli_command *cmd);

/*
 * Starts a getopt_long parse of argv (argv[0] being the (sub)command word):
 * resets getopt's state and silences its own messages.
 */
void cli_getopt_reset(void);
/*
 * Turns getopt_long's '?' or ':' answer into a one-line usage error naming the
 * option (with a "did you mean" among longopts); returns CLI_EXIT_USAGE.
 */
int cli_bad_option(const struct cli_command *cmd, int c, char **argv,
		   const struct option *longopts);

/*
 * The closest of the names (ended by NULL) to word, or NULL when none is
 * close enough to suggest.
 */
const char *cli_suggest(const char *word, const char *const *names);
/* The same over a getopt_long table (returns the long name). */
const char *cli_suggest_option(const char *word, const struct option *longopts);

/*
 * Finds a sub-action ("add", "find", ...) among names. On a miss prints a
 * usage error with a "did you mean" and returns -1.
 */
int cli_action_find(const struct cli_command *cmd, const char *word, const char *const *names);

/* Parses a whole number for option `what` in [min, max]; when it is not one,
 * prints a usage error for cmd and returns false (the caller exits 2). */
bool cli_parse_long(const struct cli_command *cmd, const char *what, const char *s, long min,
		    long max, long *out);

/* Display width of UTF-8 text in the current locale (wcwidth per character;
 * unprintable characters count one column). */
size_t cli_text_width(const char *s);

/* Prints "label  value" lines aligned on the label column; used by the
 * single-record views (customer show, case show). */
struct cli_kv {
	const char *label;
	const char *value;
};
void cli_kv_print(const struct cli_kv *rows, size_t n, FILE *out);

/*
 * Prints every kept problem of el on stderr as "FILE:LINE: message", then
 * "... and N more" when some were not kept. Returns the number printed.
 */
size_t cli_print_problems(const struct err_list *el);

/* Counts the active reference data (for init and data load messages) and
 * writes "26 services, 12 teams, ..." into out. */
void cli_refdata_summary(struct store *s, char *out, size_t outsz);

/*
 * Picks the reference data directory: explicit if non-NULL, else
 * $FRONTDESK_DATA, else ./data when it holds services.csv, else the installed
 * FRONTDESK_SHAREDIR/data. Writes it to out.
 */
void cli_refdata_dir(const char *explicit_dir, char *out, size_t outsz);
/* True if dir is a folder; else prints why not and returns false. */
bool cli_refdata_dir_check(const char *dir);

/* ---- data protection ---- */

/*
 * Sets who the opened store acts as: with --user LOGIN, that user after
 * their password (the terminal, or the first line of standard input);
 * otherwise os_actor ("cli:NAME"), with the admin role when the account is
 * the superuser or owns the database file. Prints the refusal and returns
 * false when the sign-in fails.
 */
bool cli_identify(struct store *s, const struct cli_global *g, const char *os_actor);
/* Copies the password --user signed in with into out and wipes the kept
 * copy; false when there is none (no --user, or already taken). For a
 * command that must also prove the person to the server. */
bool cli_password_take(char *out, size_t outsz);
/* Reads a password into buf (without its line end): on a terminal after
 * prompt, with echo off; otherwise the next line of standard input, with no
 * prompt. false at the end of input. */
bool cli_password_read(const char *prompt, char *buf, size_t bufsz);
/* Reads login's password (cli_password_read, "Password for LOGIN: ").
 * false when none. */
bool cli_password_ask(const char *login, char *buf, size_t bufsz);

/* `frontdesk customer export|erase` (cmd_privacy.c), listed in cmd_customer.c's table. */
extern const struct cli_action customer_export_action, customer_erase_action;
/* A check hook: the action takes exactly one customer ID (cmd_customer.c). */
int cli_customer_one_id(struct cli_call *call);

/* ---- flows ---- */
/*
 * Loads and checks the flows in paths (none: fallback, else forms/ or the
 * installed copy) against s's codes and stores them in one transaction,
 * all or nothing (cmd_flow.c). Problems go to stderr; each flow loaded
 * and a count to stdout (quiet: one line with the folder and the counts).
 * Returns an enum cli_exit.
 */
int cli_flow_load(struct store *s, int npaths, char **paths, const char *fallback, bool quiet);

#endif
