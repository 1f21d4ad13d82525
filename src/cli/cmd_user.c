/*
 * cmd_user.c — `frontdesk user add|list|disable|enable|passwd`: the people
 * who sign in to the console. Passwords are asked twice on a terminal with
 * echo off; from a pipe (scripts, tests) one line of standard input is the
 * password.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "frontdesk/cli.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk user add LOGIN --role advisor|supervisor|admin [--name TEXT]\n"
    "       frontdesk user list [--format table|csv|json]\n"
    "       frontdesk user disable LOGIN\n"
    "       frontdesk user enable LOGIN\n"
    "       frontdesk user passwd LOGIN\n"
    "       frontdesk user role LOGIN advisor|supervisor|admin\n"
    "\n"
    "Manages the people who sign in to the console. 'add' and 'passwd' ask for\n"
    "the password twice (typing is not shown); when standard input is not a\n"
    "terminal they read it from one line of standard input. Passwords need at\n"
    "least 8 characters. Five wrong passwords in a row lock a user for five\n"
    "minutes; 'passwd' also lifts a lock. LOGIN is 1-32 characters of a-z, 0-9,\n"
    "'.', '_' and '-', starting with a letter. 'role' changes what a user may do,\n"
    "from their next action. Only an administrator manages users (the owner of\n"
    "the database file counts as one, so it can make the first administrator).\n";

enum { OPT_ROLE = 1000, OPT_NAME, OPT_FORMAT };

static const struct option add_options[] = {
    {"role", required_argument, NULL, OPT_ROLE},
    {"name", required_argument, NULL, OPT_NAME},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
static const struct option list_options[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
static const struct option plain_options[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/*
 * The new password for login into buf (PASSWORD_MAX_BYTES + 2 or more):
 * twice on a terminal, one line from a pipe. Prints the problem and returns
 * false when there is none, or the two differ.
 */
static bool get_new_password(const char *login, char *buf, size_t bufsz)
{
	char again[PASSWORD_MAX_BYTES + 2];
	char prompt[128];
	bool ok;

	snprintf(prompt, sizeof prompt, "New password for %s: ", login);
	if (!isatty(STDIN_FILENO)) {
		if (!cli_password_read(prompt, buf, bufsz)) {
			cli_fail("no password given: type it on one line of standard input");
			return false;
		}
		return true;
	}
	if (!cli_password_read(prompt, buf, bufsz)) {
		cli_fail("no password given; nothing changed");
		return false;
	}
	if (!cli_password_read("Type it again: ", again, sizeof again)) {
		cli_fail("no password given; nothing changed");
		return false;
	}
	ok = strcmp(buf, again) == 0;
	sodium_memzero(again, sizeof again);
	if (!ok)
		cli_fail("the two passwords differ; nothing changed, try again");
	return ok;
}

static int parse_plain(int argc, char **argv, const char *action)
{
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", plain_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_user);
		return cli_bad_option(&cmd_user, c, argv, plain_options);
	}
	if (argc - optind != 1)
		return cli_usage(&cmd_user, "%s takes one LOGIN, such as: user %s jsmith", action,
				 action);
	return -1;
}

static int user_add(const struct cli_global *g, int argc, char **argv)
{
	const char *role = NULL, *name = NULL, *login;
	char password[PASSWORD_MAX_BYTES + 2];
	struct store *s = NULL;
	struct err e;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", add_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&cmd_user);
		case OPT_ROLE:
			role = optarg;
			break;
		case OPT_NAME:
			name = optarg;
			break;
		default:
			return cli_bad_option(&cmd_user, c, argv, add_options);
		}
	}
	if (argc - optind != 1)
		return cli_usage(&cmd_user, "add takes one LOGIN, such as: user add jsmith --role advisor");
	login = argv[optind];
	if (!role)
		return cli_usage(&cmd_user, "say what '%s' may do with --role advisor, supervisor or admin",
				 login);
	err_clear(&e);
	if (user_login_check(login, &e) != STATUS_OK || user_role_check(role, &e) != STATUS_OK)
		return cli_fail_err(&e);
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	/* Refuse (and audit) before asking for a password. */
	if (store_require(s, STORE_PERM_USERS, "user", NULL, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	if (!get_new_password(login, password, sizeof password)) {
		rc = EXIT_FAIL;
		goto out;
	}
	if (store_user_add(s, login, name, role, password, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		goto out;
	}
	printf("added %s '%s'; they can sign in now by running: frontdesk\n", role, login);
	rc = EXIT_OK;
out:
	sodium_memzero(password, sizeof password);
	store_close(s);
	return rc;
}

static int user_passwd(const struct cli_global *g, int argc, char **argv)
{
	char password[PASSWORD_MAX_BYTES + 2];
	struct store *s = NULL;
	struct err e;
	int rc = parse_plain(argc, argv, "passwd");

	if (rc >= 0)
		return rc;
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	err_clear(&e);
	if (store_require(s, STORE_PERM_USERS, "user", NULL, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		password[0] = '\0';
	} else if (!get_new_password(argv[optind], password, sizeof password)) {
		rc = EXIT_FAIL;
	} else if (store_user_set_password(s, argv[optind], password, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		printf("changed the password of '%s'\n", argv[optind]);
		rc = EXIT_OK;
	}
	sodium_memzero(password, sizeof password);
	store_close(s);
	return rc;
}

static int user_disable(const struct cli_global *g, int argc, char **argv, bool disable)
{
	struct store *s;
	struct err e;
	int rc = parse_plain(argc, argv, disable ? "disable" : "enable");

	if (rc >= 0)
		return rc;
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	err_clear(&e);
	if (store_user_set_disabled(s, argv[optind], disable, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		printf(disable ? "disabled '%s'; they can no longer sign in\n"
			       : "enabled '%s'; they can sign in again\n",
		       argv[optind]);
		rc = EXIT_OK;
	}
	store_close(s);
	return rc;
}

static int user_role(const struct cli_global *g, int argc, char **argv)
{
	struct store *s;
	struct err e;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", plain_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_user);
		return cli_bad_option(&cmd_user, c, argv, plain_options);
	}
	if (argc - optind != 2)
		return cli_usage(&cmd_user,
				 "role takes a LOGIN and a ROLE, such as: user role jsmith supervisor");
	err_clear(&e);
	if (user_role_check(argv[optind + 1], &e) != STATUS_OK)
		return cli_fail_err(&e);
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	if (store_user_set_role(s, argv[optind], argv[optind + 1], &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		printf("'%s' is now %s; it applies from their next action\n", argv[optind],
		       argv[optind + 1]);
		rc = EXIT_OK;
	}
	store_close(s);
	return rc;
}

static int add_user_row(void *ctx, const struct user_row *r)
{
	char status[64];
	const char *cells[5];

	if (r->disabled)
		snprintf(status, sizeof status, "disabled");
	else if (r->locked_until)
		snprintf(status, sizeof status, "locked until %.16s", r->locked_until);
	else
		snprintf(status, sizeof status, "active");
	cells[0] = r->login;
	cells[1] = r->display_name;
	cells[2] = r->role;
	cells[3] = status;
	cells[4] = r->created_at;
	cli_table_add(ctx, cells);
	return 0;
}

static int user_list(const struct cli_global *g, int argc, char **argv)
{
	static const char *const columns[] = {"login", "name", "role", "status", "created"};
	struct cli_table *t;
	struct store *s;
	struct err e;
	int format = FORMAT_TABLE;
	int c, rc = EXIT_OK;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", list_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_user);
		if (c != OPT_FORMAT)
			return cli_bad_option(&cmd_user, c, argv, list_options);
		format = cli_format_parse(optarg);
		if (format < 0)
			return cli_usage(&cmd_user, "unknown format '%s'; use table, csv or json",
					 optarg);
	}
	if (optind < argc)
		return cli_usage(&cmd_user, "list takes no arguments, not '%s'", argv[optind]);
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	t = cli_table_new(columns, 5);
	err_clear(&e);
	if (store_user_list(s, add_user_row, t, &e) != STATUS_OK)
		rc = cli_fail_err(&e);
	else
		cli_table_print(t, (enum cli_format)format, stdout);
	cli_table_free(t);
	store_close(s);
	return rc;
}

static int run(const struct cli_global *g, int argc, char **argv)
{
	static const char *const actions[] = {"add",	"list", "disable", "enable",
					      "passwd", "role", NULL};

	if (argc < 2)
		return cli_usage(&cmd_user,
				 "give an action: add, list, disable, enable, passwd or role");
	switch (cli_action_find(&cmd_user, argv[1], actions)) {
	case 0:
		return user_add(g, argc - 1, argv + 1);
	case 1:
		return user_list(g, argc - 1, argv + 1);
	case 2:
		return user_disable(g, argc - 1, argv + 1, true);
	case 3:
		return user_disable(g, argc - 1, argv + 1, false);
	case 4:
		return user_passwd(g, argc - 1, argv + 1);
	case 5:
		return user_role(g, argc - 1, argv + 1);
	default:
		return EXIT_USAGE;
	}
}

const struct cli_command cmd_user = {
    .name = "user",
    .summary = "add, list, disable and change the role of the people who sign in",
    .usage = usage,
    .run = run,
};
