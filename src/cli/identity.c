/*
 * identity.c — who a command acts as, so the store can enforce
 * roles and the audit trail names the person.
 *
 *   --user LOGIN  the command acts as that frontdesk user ("ROLE:LOGIN"),
 *                 after their password: asked on the terminal with echo
 *                 off, or the first line of standard input when it is not a
 *                 terminal. A wrong password is refused and audited.
 *   otherwise     the system account running the program ("cli:NAME"). The
 *                 superuser and the account that owns the database file are
 *                 the IT administrator (role admin): they can read the file
 *                 with any SQLite tool anyway, so nothing is gained by
 *                 pretending otherwise. Any other account has no role: it
 *                 may do what needs none, never export, erase, retention,
 *                 the audit trail or user management.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "frontdesk/cli.h"
#include "cli_util.h"

static bool read_line(FILE *in, char *buf, size_t bufsz)
{
	size_t n;

	if (!fgets(buf, (int)bufsz, in))
		return false;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return true;
}

bool cli_password_read(const char *prompt, char *buf, size_t bufsz)
{
	struct termios old, quiet;
	bool ok, restore;

	if (!isatty(STDIN_FILENO))
		return read_line(stdin, buf, bufsz);
	fputs(prompt, stderr);
	fflush(stderr);
	restore = tcgetattr(STDIN_FILENO, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	ok = read_line(stdin, buf, bufsz);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return ok;
}

bool cli_password_ask(const char *login, char *buf, size_t bufsz)
{
	char prompt[128];

	snprintf(prompt, sizeof prompt, "Password for %s: ", login);
	return cli_password_read(prompt, buf, bufsz);
}

/* The signed-in user's password, kept for a command that must show it to
 * the server too (report --org-wide); wiped when taken. */
static char kept_password[PASSWORD_MAX_BYTES + 2];

static void kept_wipe(void)
{
	sodium_memzero(kept_password, sizeof kept_password);
}

bool cli_password_take(char *out, size_t outsz)
{
	bool have = kept_password[0] != '\0';

	snprintf(out, outsz, "%s", kept_password);
	sodium_memzero(kept_password, sizeof kept_password);
	return have;
}

bool cli_identify(struct store *s, const struct cli_global *g, const char *os_actor)
{
	struct user_session who;
	struct stat st;
	struct err e;
	char password[PASSWORD_MAX_BYTES + 2];
	bool ok;

	if (!g || !g->user) {
		uid_t me = geteuid();
		bool owner = stat(store_path(s), &st) == 0 && st.st_uid == me;

		if (me == 0 || owner)
			store_set_actor_role(s, os_actor, STORE_ROLE_ADMIN);
		else
			store_set_actor(s, os_actor);
		return true;
	}
	store_set_actor(s, os_actor);
	if (!cli_password_ask(g->user, password, sizeof password)) {
		cli_fail("no password given for '%s'; type it on the terminal, or on the first line "
			 "of standard input",
			 g->user);
		return false;
	}
	err_clear(&e);
	ok = store_user_sign_in(s, g->user, password, false, &who, &e) == STATUS_OK;
	if (ok) {
		static bool registered;

		if (!registered)
			registered = atexit(kept_wipe) == 0;
		snprintf(kept_password, sizeof kept_password, "%s", password);
	}
	sodium_memzero(password, sizeof password);
	if (!ok)
		cli_fail_err(&e);
	return ok;
}
