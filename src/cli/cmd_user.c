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

enum { OPT_ROLE = 1000, OPT_NAME };

static const struct option add_options[] = {
    {"role", required_argument, NULL, OPT_ROLE},
    {"name", required_argument, NULL, OPT_NAME},
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

/* disable, enable and passwd take one LOGIN. */
static int one_login(struct cli_call *call)
{
	if (call->argc != 1)
		return cli_usage(&cmd_user, "%s takes one LOGIN, such as: user %s jsmith",
				 call->name, call->name);
	return -1;
}

struct add_args {
	const char *role, *name;
};

static int add_option(struct cli_call *call, int opt, char *arg)
{
	struct add_args *a = call->args;

	if (opt == OPT_ROLE)
		a->role = arg;
	else if (opt == OPT_NAME)
		a->name = arg;
	return -1;
}

static int add_check(struct cli_call *call)
{
	const struct add_args *a = call->args;
	struct err e;

	if (call->argc != 1)
		return cli_usage(&cmd_user, "add takes one LOGIN, such as: user add jsmith --role advisor");
	if (!a->role)
		return cli_usage(&cmd_user,
				 "say what '%s' may do with --role advisor, supervisor or admin",
				 call->argv[0]);
	err_clear(&e);
	if (user_login_check(call->argv[0], &e) != STATUS_OK ||
	    user_role_check(a->role, &e) != STATUS_OK)
		return cli_fail_err(&e);
	return -1;
}

/* The permission was asked (and a refusal audited) before the password. */
static int user_add(struct cli_call *call)
{
	const struct add_args *a = call->args;
	const char *login = call->argv[0];
	char password[PASSWORD_MAX_BYTES + 2];
	struct err e;
	int rc;

	err_clear(&e);
	if (!get_new_password(login, password, sizeof password)) {
		rc = CLI_EXIT_FAIL;
	} else if (store_user_add(call->store, login, a->name, a->role, password, &e) !=
		   STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		printf("added %s '%s'; they can sign in now by running: frontdesk\n", a->role,
		       login);
		rc = CLI_EXIT_OK;
	}
	sodium_memzero(password, sizeof password);
	return rc;
}

static int user_passwd(struct cli_call *call)
{
	char password[PASSWORD_MAX_BYTES + 2];
	struct err e;
	int rc;

	err_clear(&e);
	if (!get_new_password(call->argv[0], password, sizeof password)) {
		rc = CLI_EXIT_FAIL;
	} else if (store_user_set_password(call->store, call->argv[0], password, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		printf("changed the password of '%s'\n", call->argv[0]);
		rc = CLI_EXIT_OK;
	}
	sodium_memzero(password, sizeof password);
	return rc;
}

static int user_disable(struct cli_call *call)
{
	bool disable = strcmp(call->name, "disable") == 0;
	struct err e;

	err_clear(&e);
	if (store_user_set_disabled(call->store, call->argv[0], disable, &e) != STATUS_OK)
		return cli_fail_err(&e);
	printf(disable ? "disabled '%s'; they can no longer sign in\n"
		       : "enabled '%s'; they can sign in again\n",
	       call->argv[0]);
	return CLI_EXIT_OK;
}

static int role_check(struct cli_call *call)
{
	struct err e;

	if (call->argc != 2)
		return cli_usage(&cmd_user,
				 "role takes a LOGIN and a ROLE, such as: user role jsmith supervisor");
	err_clear(&e);
	if (user_role_check(call->argv[1], &e) != STATUS_OK)
		return cli_fail_err(&e);
	return -1;
}

static int user_role(struct cli_call *call)
{
	struct err e;

	err_clear(&e);
	if (store_user_set_role(call->store, call->argv[0], call->argv[1], &e) != STATUS_OK)
		return cli_fail_err(&e);
	printf("'%s' is now %s; it applies from their next action\n", call->argv[0], call->argv[1]);
	return CLI_EXIT_OK;
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

static int user_list(struct cli_call *call)
{
	static const char *const columns[] = {"login", "name", "role", "status", "created"};
	struct cli_table *t;
	struct err e;
	int rc = CLI_EXIT_OK;

	t = cli_table_new(columns, 5);
	err_clear(&e);
	if (store_user_list(call->store, add_user_row, t, &e) != STATUS_OK)
		rc = cli_fail_err(&e);
	else
		cli_table_print(t, (enum cli_format)call->format, stdout);
	cli_table_free(t);
	return rc;
}

static const struct cli_permission manage_users = {STORE_PERM_USERS, "user", false};

static const struct cli_action add_action = {
    .name = "add",
    .store = CLI_STORE,
    .permission = &manage_users,
    .options = add_options,
    .args_size = sizeof(struct add_args),
    .option = add_option,
    .check = add_check,
    .run = user_add,
};

static const struct cli_action list_action = {
    .name = "list",
    .store = CLI_STORE,
    .formats = "table|csv|json",
    .options = cli_format_options,
    .check = cli_no_operands,
    .run = user_list,
};

static const struct cli_action disable_action = {
    .name = "disable",
    .store = CLI_STORE,
    .check = one_login,
    .run = user_disable,
};

static const struct cli_action enable_action = {
    .name = "enable",
    .store = CLI_STORE,
    .check = one_login,
    .run = user_disable,
};

static const struct cli_action passwd_action = {
    .name = "passwd",
    .store = CLI_STORE,
    .permission = &manage_users,
    .check = one_login,
    .run = user_passwd,
};

static const struct cli_action role_action = {
    .name = "role",
    .store = CLI_STORE,
    .check = role_check,
    .run = user_role,
};

static const struct cli_action *const actions[] = {
    &add_action, &list_action, &disable_action, &enable_action, &passwd_action, &role_action, NULL,
};

const struct cli_command cmd_user = {
    .name = "user",
    .summary = "add, list, disable and change the role of the people who sign in",
    .usage = usage,
    .actions = actions,
};
