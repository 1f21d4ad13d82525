/*
 * Users and roles. Sign-in: argon2id password hashes (libsodium
 * crypto_pwhash_str), a lock-out after USER_LOCK_ATTEMPTS failures in a
 * row, and an audit row for every sign-in, failure, lock-out, unlock and
 * sign-out. Passwords are never stored, logged or audited; the audit names
 * the login only. Roles: what each may do (STORE_PERMS), checked here in
 * the store at every privileged call, whoever the caller, each refusal
 * audited.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static unsigned long long hash_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
static size_t hash_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

void store_user_hash_limits(unsigned long long opslimit, size_t memlimit)
{
	hash_opslimit = opslimit;
	hash_memlimit = memlimit;
}

enum status user_login_check(const char *login, struct err *e)
{
	size_t n = login ? strlen(login) : 0;

	if (n == 0)
		return err_set(e, STATUS_INVALID, "a user needs a login name, like jsmith");
	if (n > 32)
		return err_set(e, STATUS_INVALID,
			       "login '%.40s' is longer than 32 characters; choose a shorter one",
			       login);
	if (!(login[0] >= 'a' && login[0] <= 'z'))
		goto bad;
	for (size_t i = 0; i < n; i++) {
		char c = login[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			goto bad;
	}
	return STATUS_OK;
bad:
	return err_set(e, STATUS_INVALID,
		       "login '%.40s' must start with a lower-case letter and hold only a-z, "
		       "0-9, '.', '_' and '-', like jsmith",
		       login);
}

enum status user_role_check(const char *role, struct err *e)
{
	static const char *const roles[] = { "advisor", "supervisor", "admin" };

	for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(role, roles[i]) == 0)
			return STATUS_OK;
	return err_set(e, STATUS_INVALID, "unknown role '%s'; use advisor, supervisor or admin",
		       role ? role : "");
}

enum status user_password_check(const char *password, struct err *e)
{
	size_t n = password ? strlen(password) : 0;

	if (n > PASSWORD_MAX_BYTES)
		return err_set(e, STATUS_INVALID,
			       "the password is longer than %d bytes; choose a shorter one",
			       PASSWORD_MAX_BYTES);
	if (!password || !utf8_valid(password, n))
		return err_set(e, STATUS_INVALID, "the password is not valid text (UTF-8)");
	if (utf8_length(password) < PASSWORD_MIN_CHARS)
		return err_set(e, STATUS_INVALID,
			       "the password is too short; use at least %d characters (a few "
			       "words together are easy to remember)",
			       PASSWORD_MIN_CHARS);
	return STATUS_OK;
}

static enum status hash_password(const char *password, char out[crypto_pwhash_STRBYTES],
				 struct err *e)
{
	if (sodium_init() < 0)
		return err_set(e, STATUS_IO, "cannot start the password library (libsodium)");
	if (crypto_pwhash_str(out, password, strlen(password), hash_opslimit, hash_memlimit) != 0)
		return err_set(e, STATUS_IO,
			       "not enough memory to hash the password; close other programs and "
			       "try again");
	return STATUS_OK;
}

/* Runs fn-free writes for a user inside one transaction with an audit row. */
static enum status finish_tx(struct store *s, enum status rc, struct err *e)
{
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	return store_tx_end(s, true, e);
}

static enum status no_such_user(const char *login, struct err *e)
{
	return err_set(e, STATUS_NOT_FOUND, "no user '%s'; list users with: frontdesk user list",
		       login);
}

/*
 * Queues the user as it stands for the server (users are managed
 * centrally): a privileged change, sent only with an administrator's
 * session (outbox_add marks it waiting for one).
 */
static enum status user_queue(struct store *s, const char *login, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(
		s,
		"SELECT id, json_object('id', id, 'login', login, 'display_name', display_name,"
		" 'role', role, 'password_hash', password_hash, 'disabled',"
		" json(CASE WHEN disabled THEN 'true' ELSE 'false' END), 'created_at', created_at,"
		" 'updated_at', updated_at) FROM user WHERE login = ?1",
		e);
	char *id = NULL, *body = NULL;
	enum status rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = xstrdup(col_text(st, 0));
		body = xstrdup(col_text(st, 1));
	}
	sqlite3_reset(st);
	if (!id)
		return no_such_user(login, e);
	rc = outbox_add(s, "user", id, "upsert", body, e);
	sodium_memzero(body, strlen(body));
	free(id);
	free(body);
	return rc;
}

enum status store_user_add(struct store *s, const char *login, const char *display_name,
			   const char *role, const char *password, struct err *e)
{
	static const char sql[] =
		"INSERT INTO user (id, login, display_name, role, password_hash, created_at,"
		" updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
	char hash[crypto_pwhash_STRBYTES], id[UUID_STR_LEN + 1], now[32];
	sqlite3_stmt *st;
	enum status rc;

	/* Refused (and audited) before anything else is looked at. */
	if ((rc = store_require(s, STORE_PERM_USERS, "user", NULL, e)))
		return rc;
	if ((rc = user_login_check(login, e)) || (rc = user_role_check(role, e)) ||
	    (rc = user_password_check(password, e)))
		return rc;
	if (display_name && *display_name &&
	    (rc = valid_text("display name", display_name, NAME_MAX_CHARS, false, false, e)))
		return rc;
	rc = hash_password(password, hash, e);
	if (rc)
		return rc;
	rc = store_tx_begin(s, e);
	if (rc)
		goto out;
	st = stmt_sql(s, "SELECT 1 FROM user WHERE login = ?1", e);
	if (!st) {
		rc = finish_tx(s, e ? e->code : STATUS_DB, e);
		goto out;
	}
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_reset(st);
		rc = finish_tx(s, err_set(e, STATUS_EXISTS,
					  "user '%s' already exists; change the password with: "
					  "frontdesk user passwd %s",
					  login, login),
			       e);
		goto out;
	}
	sqlite3_reset(st);
	st = stmt_sql(s, sql, e);
	if (!st) {
		rc = finish_tx(s, e ? e->code : STATUS_DB, e);
		goto out;
	}
	uuid_v7(id);
	store_now(now, sizeof now);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, login, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, display_name);
	sqlite3_bind_text(st, 4, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "adding the user", e);
	if (!rc)
		rc = store_audit(s, "user.add", "user", id, role, e);
	if (!rc)
		rc = user_queue(s, login, e);
	rc = finish_tx(s, rc, e);
out:
	sodium_memzero(hash, sizeof hash);
	return rc;
}

/* Runs an UPDATE keyed by login (?1) and fails when no row matched. */
static enum status update_user(struct store *s, sqlite3_stmt *st, const char *login,
			       const char *what, struct err *e)
{
	enum status rc = stmt_run(s, st, what, e);

	if (!rc && sqlite3_changes(s->db) == 0)
		rc = no_such_user(login, e);
	return rc;
}

enum status store_user_set_password(struct store *s, const char *login, const char *password,
				    struct err *e)
{
	static const char sql[] = "UPDATE user SET password_hash = ?2, failed_attempts = 0,"
				  " locked_until = NULL, updated_at = ?3 WHERE login = ?1";
	char hash[crypto_pwhash_STRBYTES], now[32];
	sqlite3_stmt *st;
	enum status rc;

	if ((rc = store_require(s, STORE_PERM_USERS, "user", NULL, e)))
		return rc;
	if ((rc = user_password_check(password, e)))
		return rc;
	rc = hash_password(password, hash, e);
	if (rc)
		return rc;
	rc = store_tx_begin(s, e);
	if (rc)
		goto out;
	st = stmt_sql(s, sql, e);
	if (!st) {
		rc = finish_tx(s, e ? e->code : STATUS_DB, e);
		goto out;
	}
	store_now(now, sizeof now);
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	rc = update_user(s, st, login, "changing the password", e);
	if (!rc)
		rc = store_audit(s, "user.passwd", "user", login, NULL, e);
	if (!rc)
		rc = user_queue(s, login, e);
	rc = finish_tx(s, rc, e);
out:
	sodium_memzero(hash, sizeof hash);
	return rc;
}

enum status store_user_set_disabled(struct store *s, const char *login, bool disabled,
				    struct err *e)
{
	static const char sql[] =
		"UPDATE user SET disabled = ?2, updated_at = ?3 WHERE login = ?1";
	sqlite3_stmt *st;
	char now[32];
	enum status rc = store_require(s, STORE_PERM_USERS, "user", NULL, e);

	if (rc || (rc = store_tx_begin(s, e)))
		return rc;
	st = stmt_sql(s, sql, e);
	if (!st)
		return finish_tx(s, e ? e->code : STATUS_DB, e);
	store_now(now, sizeof now);
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, disabled);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	rc = update_user(s, st, login, disabled ? "disabling the user" : "enabling the user", e);
	if (!rc)
		rc = store_audit(s, disabled ? "user.disable" : "user.enable", "user", login, NULL,
				 e);
	if (!rc)
		rc = user_queue(s, login, e);
	return finish_tx(s, rc, e);
}

enum status store_user_set_role(struct store *s, const char *login, const char *role,
				struct err *e)
{
	char id[UUID_STR_LEN + 1] = "", old[16] = "", now[32], detail[64];
	sqlite3_stmt *st;
	long admins = 0;
	enum status rc = store_require(s, STORE_PERM_USERS, "user", NULL, e);

	if (rc || (rc = user_role_check(role, e)) || (rc = store_tx_begin(s, e)))
		return rc;
	st = stmt_sql(s,
		      "SELECT id, role, (SELECT count(*) FROM user WHERE role = 'admin' AND NOT"
		      " disabled) FROM user WHERE login = ?1",
		      e);
	if (!st)
		return finish_tx(s, e ? e->code : STATUS_DB, e);
	sqlite3_bind_text(st, 1, login ? login : "", -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(id, sizeof id, "%s", col_text(st, 0));
		snprintf(old, sizeof old, "%s", col_text(st, 1));
		admins = (long)sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (!id[0])
		return finish_tx(s, no_such_user(login ? login : "", e), e);
	if (strcmp(old, role) == 0)
		return finish_tx(s,
				 err_set(e, STATUS_EXISTS, "user '%s' is already %s; nothing changed",
					 login, role),
				 e);
	if (strcmp(old, "admin") == 0 && admins <= 1)
		return finish_tx(s,
				 err_set(e, STATUS_INVALID,
					 "user '%s' is the only administrator; make another user admin "
					 "first, so someone can still manage users",
					 login),
				 e);
	st = stmt_sql(s, "UPDATE user SET role = ?2, updated_at = ?3 WHERE id = ?1", e);
	if (!st)
		return finish_tx(s, e ? e->code : STATUS_DB, e);
	store_now(now, sizeof now);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "changing the role", e);
	/* The roles only: the user is named by id, no personal data. */
	snprintf(detail, sizeof detail, "%s -> %s", old, role);
	if (!rc)
		rc = store_audit(s, "user.role", "user", id, detail, e);
	if (!rc)
		rc = user_queue(s, login, e);
	return finish_tx(s, rc, e);
}

bool store_user_may_sign_in(struct store *s, const char *login)
{
	sqlite3_stmt *st = stmt_sql(s, "SELECT 1 FROM user WHERE login = ?1 AND NOT disabled",
				    NULL);
	bool ok;
	int rc;

	if (!st)
		return true; /* a failed read ends no one's session */
	sqlite3_bind_text(st, 1, login ? login : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	ok = rc != SQLITE_DONE; /* a row, or a read that failed (busy) */
	sqlite3_reset(st);
	return ok;
}

long store_user_count(struct store *s)
{
	return (long)stmt_number(stmt_sql(s, "SELECT count(*) FROM user", NULL));
}

enum status store_user_list(struct store *s, int (*fn)(void *ctx, const struct user_row *row),
			    void *ctx, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT login, display_name, role, created_at, locked_until,"
				    " disabled, failed_attempts FROM user ORDER BY login",
				    e);
	char now[32];
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	store_now(now, sizeof now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *until = col_text_or_null(st, 4);
		struct user_row r = {
			.login = col_text(st, 0),
			.display_name = col_text(st, 1),
			.role = col_text(st, 2),
			.created_at = col_text(st, 3),
			.locked_until = until && strcmp(until, now) > 0 ? until : NULL,
			.disabled = sqlite3_column_int(st, 5) != 0,
			.failed_attempts = (long)sqlite3_column_int64(st, 6),
		};
		if (fn(ctx, &r))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "listing users", e);
	return STATUS_OK;
}

/* The user's row, copied, for sign-in. */
struct user_rec {
	char id[UUID_STR_LEN + 1];
	struct user_session who;
	char hash[crypto_pwhash_STRBYTES];
	char locked_until[32];
	bool disabled;
	long failed;
};

/* STATUS_NOT_FOUND when there is no such login. */
static enum status user_load(struct store *s, const char *login, struct user_rec *u,
			     struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s,
				    "SELECT id, login, display_name, role, password_hash,"
				    " locked_until, disabled, failed_attempts FROM user"
				    " WHERE login = ?1",
				    e);
	int rc;

	memset(u, 0, sizeof *u);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return store_db_error(s, rc, "reading the user", e);
		return STATUS_NOT_FOUND;
	}
	snprintf(u->id, sizeof u->id, "%s", col_text(st, 0));
	snprintf(u->who.login, sizeof u->who.login, "%s", col_text(st, 1));
	snprintf(u->who.display_name, sizeof u->who.display_name, "%s", col_text(st, 2));
	snprintf(u->who.role, sizeof u->who.role, "%s", col_text(st, 3));
	snprintf(u->hash, sizeof u->hash, "%s", col_text(st, 4));
	snprintf(u->locked_until, sizeof u->locked_until, "%s", col_text(st, 5));
	u->disabled = sqlite3_column_int(st, 6) != 0;
	u->failed = (long)sqlite3_column_int64(st, 7);
	sqlite3_reset(st);
	return STATUS_OK;
}

/* Audits as the person at the screen (their login), not the last actor. */
static enum status audit_as(struct store *s, const char *login, const char *action,
			    const char *user_id, const char *detail, struct err *e)
{
	char *saved = xstrdup(store_actor(s));
	char actor[64];
	enum status rc;

	snprintf(actor, sizeof actor, "user:%s", login);
	store_set_actor(s, actor);
	rc = store_audit(s, action, "user", user_id && *user_id ? user_id : NULL, detail, e);
	store_set_actor(s, saved);
	free(saved);
	return rc;
}

static void session_begin(struct store *s, const struct user_rec *u, struct user_session *out)
{
	char actor[64];

	snprintf(actor, sizeof actor, "%s:%s", u->who.role, u->who.login);
	store_set_actor(s, actor);
	if (out)
		*out = u->who;
}

/* The failure path: count, maybe lock, audit; all in the caller's tx. */
static enum status record_failure(struct store *s, const struct user_rec *u, const char *now,
				  bool *locked, struct err *e)
{
	static const char sql[] = "UPDATE user SET failed_attempts = ?2, locked_until = ?3"
				  " WHERE id = ?1";
	sqlite3_stmt *st = stmt_sql(s, sql, e);
	long failed = u->failed + 1;
	char until[32] = "";
	enum status rc;

	*locked = false;
	if (!st)
		return e ? e->code : STATUS_DB;
	if (failed >= USER_LOCK_ATTEMPTS) {
		int64_t ms;

		time_parse_utc(now, &ms);
		time_format_utc(ms + USER_LOCK_MS, until, sizeof until);
		*locked = true;
		failed = 0;
	}
	sqlite3_bind_text(st, 1, u->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, failed);
	bind_text_or_null(st, 3, until);
	rc = stmt_run(s, st, "recording the failed sign-in", e);
	if (!rc)
		rc = audit_as(s, u->who.login, "user.sign-in-failed", u->id, NULL, e);
	if (!rc && *locked)
		rc = audit_as(s, u->who.login, "user.locked", u->id, "5 failed attempts", e);
	return rc;
}

static enum status record_success(struct store *s, const struct user_rec *u,
				  const char *password, bool unlock, struct err *e)
{
	static const char reset[] = "UPDATE user SET failed_attempts = 0, locked_until = NULL"
				    " WHERE id = ?1";
	static const char rehash[] = "UPDATE user SET password_hash = ?2 WHERE id = ?1";
	sqlite3_stmt *st = stmt_sql(s, reset, e);
	enum status rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, u->id, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "recording the sign-in", e);
	if (!rc && crypto_pwhash_str_needs_rehash(u->hash, hash_opslimit, hash_memlimit) != 0) {
		char hash[crypto_pwhash_STRBYTES];

		rc = hash_password(password, hash, e);
		if (!rc && !(st = stmt_sql(s, rehash, e)))
			rc = e ? e->code : STATUS_DB;
		if (!rc) {
			sqlite3_bind_text(st, 1, u->id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
			rc = stmt_run(s, st, "updating the password hash", e);
		}
		if (!rc)
			rc = audit_as(s, u->who.login, "user.rehash", u->id, NULL, e);
		sodium_memzero(hash, sizeof hash);
	}
	if (!rc)
		rc = audit_as(s, u->who.login, unlock ? "user.unlock" : "user.sign-in", u->id, NULL,
			      e);
	return rc;
}

enum status store_user_sign_in(struct store *s, const char *login, const char *password,
			       bool unlock, struct user_session *out, struct err *e)
{
	struct user_rec u;
	char now[32];
	bool locked = false, ok;
	enum status rc;

	if (!login || !*login)
		return err_set(e, STATUS_DENIED, "type your login name first");
	if (!password)
		password = "";
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	rc = user_load(s, login, &u, e);
	if (rc == STATUS_NOT_FOUND) {
		/* Audited, but read the same as a wrong password. */
		rc = audit_as(s, "unknown", "user.sign-in-failed", NULL, "unknown login", e);
		if (!rc)
			rc = err_set(e, STATUS_DENIED,
				     "that login name and password do not match; check them and try "
				     "again");
		goto out;
	}
	if (rc)
		goto out;
	store_now(now, sizeof now);
	if (u.disabled) {
		rc = audit_as(s, login, "user.sign-in-failed", u.id, "disabled", e);
		if (!rc)
			rc = err_set(e, STATUS_DENIED,
				     "user '%s' is disabled; ask an administrator to enable it",
				     login);
		goto out;
	}
	if (u.locked_until[0] && strcmp(u.locked_until, now) > 0) {
		int64_t a, b;
		long mins = 5;

		if (!time_parse_utc(u.locked_until, &a) && !time_parse_utc(now, &b))
			mins = (long)((a - b + 59999) / 60000);
		rc = audit_as(s, login, "user.sign-in-failed", u.id, "locked", e);
		if (!rc)
			rc = err_set(e, STATUS_DENIED,
				     "user '%s' is locked after %d wrong passwords; try again in %ld "
				     "minute%s, or ask an administrator to reset the password",
				     login, USER_LOCK_ATTEMPTS, mins, mins == 1 ? "" : "s");
		goto out;
	}
	if (sodium_init() < 0) {
		rc = err_set(e, STATUS_IO, "cannot start the password library (libsodium)");
		goto out;
	}
	ok = u.hash[0] && crypto_pwhash_str_verify(u.hash, password, strlen(password)) == 0;
	if (!ok) {
		rc = record_failure(s, &u, now, &locked, e);
		if (!rc && locked)
			rc = err_set(e, STATUS_DENIED,
				     "that was the %dth wrong password: user '%s' is locked for 5 "
				     "minutes",
				     USER_LOCK_ATTEMPTS, login);
		else if (!rc)
			rc = err_set(e, STATUS_DENIED,
				     "that login name and password do not match; check them and try "
				     "again");
		goto out;
	}
	rc = record_success(s, &u, password, unlock, e);
	if (!rc)
		session_begin(s, &u, out);
out:
	sodium_memzero(u.hash, sizeof u.hash);
	/* A denial is a fact to keep: commit its audit row and counters. */
	if (rc == STATUS_DENIED) {
		struct err keep = e ? *e : (struct err){ 0 };
		enum status c = store_tx_end(s, true, e);

		if (c)
			return c;
		if (e)
			*e = keep;
		return rc;
	}
	return finish_tx(s, rc, e);
}

enum status store_user_demo_sign_in(struct store *s, const char *login,
				    struct user_session *out, struct err *e)
{
	struct user_rec u;
	enum status rc;

	if (!store_is_demo(s))
		return err_set(e, STATUS_DENIED,
			       "signing in without a password is only for demo databases (made by "
			       "frontdesk demo generate); sign in with your password");
	rc = user_load(s, login ? login : "", &u, e);
	if (rc == STATUS_NOT_FOUND)
		return no_such_user(login ? login : "", e);
	if (rc)
		return rc;
	sodium_memzero(u.hash, sizeof u.hash);
	if (u.disabled)
		return err_set(e, STATUS_DENIED, "user '%s' is disabled", login);
	rc = audit_as(s, login, "user.sign-in", u.id, "demo", e);
	if (!rc)
		session_begin(s, &u, out);
	return rc;
}

enum status store_user_sign_out(struct store *s, bool lock, struct err *e)
{
	return store_audit(s, lock ? "user.screen-lock" : "user.sign-out", "user", NULL, NULL, e);
}

/* ---- roles and permissions --------------------------------------------- */

static const char *const role_names[] = {
	[STORE_ROLE_NONE] = "no role",
	[STORE_ROLE_ADVISOR] = "advisor",
	[STORE_ROLE_SUPERVISOR] = "supervisor",
	[STORE_ROLE_ADMIN] = "admin",
};

const char *store_role_name(enum store_role r)
{
	if ((int)r < 0 || (size_t)r >= sizeof role_names / sizeof role_names[0])
		return role_names[STORE_ROLE_NONE];
	return role_names[r];
}

enum store_role store_role_find(const char *name)
{
	for (int r = STORE_ROLE_ADVISOR; name && r <= STORE_ROLE_ADMIN; r++)
		if (strcmp(name, role_names[r]) == 0)
			return (enum store_role)r;
	return STORE_ROLE_NONE;
}

void store_set_actor_role(struct store *s, const char *actor, enum store_role role)
{
	store_set_actor(s, actor);
	snprintf(s->role_actor, sizeof s->role_actor, "%s", store_actor(s));
	s->role = role;
}

enum store_role store_actor_role(struct store *s)
{
	const char *actor = store_actor(s);
	const char *colon = strchr(actor, ':');
	char prefix[16];
	enum store_role r = STORE_ROLE_NONE;
	sqlite3_stmt *st;

	if (s->role_actor[0] && strcmp(s->role_actor, actor) == 0)
		return (enum store_role)s->role;
	if (!colon || (size_t)(colon - actor) >= sizeof prefix)
		return STORE_ROLE_NONE;
	snprintf(prefix, sizeof prefix, "%.*s", (int)(colon - actor), actor);
	if (store_role_find(prefix) == STORE_ROLE_NONE)
		return STORE_ROLE_NONE;
	/* The table, not the prefix, says what the user may do now. */
	st = stmt_sql(s, "SELECT role FROM user WHERE login = ?1 AND NOT disabled", NULL);
	if (!st)
		return STORE_ROLE_NONE;
	sqlite3_bind_text(st, 1, colon + 1, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = store_role_find(col_text(st, 0));
	sqlite3_reset(st);
	return r;
}

static const struct {
	const char *name, *words;
	enum store_role least;
} perms[] = {
#define SP_ROW(n, w, role) { #n, w, STORE_ROLE_##role },
	STORE_PERMS(SP_ROW)
#undef SP_ROW
};

bool store_allowed(struct store *s, enum store_perm p)
{
	if ((int)p < 0 || p >= STORE_PERM_COUNT)
		die("store_allowed: no permission %d", (int)p);
	return store_actor_role(s) >= perms[p].least;
}

enum status store_require(struct store *s, enum store_perm p, const char *record_type,
			  const char *record_id, struct err *e)
{
	enum store_role r;
	const char *who;
	char detail[64];
	enum status rc;

	if (store_allowed(s, p))
		return STATUS_OK;
	r = store_actor_role(s);
	snprintf(detail, sizeof detail, "%s", perms[p].name);
	for (char *c = detail; *c; c++)
		*c = (char)(*c == '_' ? '-' : (*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c));
	rc = store_audit(s, "access.denied", record_type, record_id, detail, e);
	if (rc)
		return rc;
	who = perms[p].least == STORE_ROLE_ADMIN ? "an administrator"
						 : "a supervisor or an administrator";
	if (r == STORE_ROLE_NONE)
		return err_set(e, STATUS_DENIED,
			       "not allowed: %s has no frontdesk role, so may not %s; only %s can",
			       store_actor(s), perms[p].words, who);
	return err_set(e, STATUS_DENIED, "not allowed: %s is %s %s and may not %s; only %s can",
		       store_actor(s), r == STORE_ROLE_ADMIN || r == STORE_ROLE_ADVISOR ? "an" : "a",
		       r == STORE_ROLE_ADMIN ? "administrator" : store_role_name(r), perms[p].words,
		       who);
}
