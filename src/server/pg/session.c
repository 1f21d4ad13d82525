/*
 * Persons' sessions: proof that a person holding a role is at a
 * device, for the acts a device token alone may not do (erasure, users,
 * another desk's case). A session is opened by an online sign-in, bound to
 * that device, short-lived (SERVER_SESSION_TTL_S, renewed by nothing), and
 * only a hash of its token is kept. It ends when the person ends it, when
 * the user is disabled, and when the device is revoked; the role is read at
 * each check, so a demotion takes effect at once.
 *
 * Sign-in failures are counted per login and per device: SESSION_FAIL_MAX
 * in SESSION_FAIL_WINDOW refuse further tries (no password is checked) until
 * the window has passed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pg_int.h"

#define SESSION_FAIL_WINDOW "15 minutes"
#define SESSION_FAIL_WINDOW_S 900
/*
 * Failed sign-ins in the window that lock further tries (the password is
 * then not even checked): 5 for one login at one device; 10 at one device,
 * whatever the logins (a device guessing many); 20 for one login over all
 * devices (many stolen devices guessing one). One device alone can never
 * reach the last, so it cannot lock an administrator out at the other
 * desks; and a good sign-in clears only that login's count at that device.
 */
#define SESSION_FAIL_PAIR "5"
#define SESSION_FAIL_DEVICE "10"
#define SESSION_FAIL_LOGIN "20"

#define LOCKED_UNTIL(max, where)                                                            \
	"coalesce((SELECT CASE WHEN count(*) >= " max " THEN"                               \
	"  ceil(extract(epoch FROM max(at) + interval '" SESSION_FAIL_WINDOW "' - now()))"  \
	"  END FROM sign_in_failure WHERE " where                                            \
	"  AND at > now() - interval '" SESSION_FAIL_WINDOW "'), 0)"

/* Seconds until the login may try again at the device; 0 when it may. */
static enum status locked_for(struct pg *db, const char *device, const char *login,
			      long *retry_s, struct err *e)
{
	const char *p[2] = { login, device };
	PGresult *r;

	*retry_s = 0;
	r = pg_exec(db,
		    "SELECT greatest(" LOCKED_UNTIL(SESSION_FAIL_PAIR, "login = $1 AND device_id = $2")
		    ", " LOCKED_UNTIL(SESSION_FAIL_DEVICE, "device_id = $2")
		    ", " LOCKED_UNTIL(SESSION_FAIL_LOGIN, "login = $1") ")::bigint",
		    2, p, "reading failed sign-ins", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	*retry_s = (long)pg_ll(r, 0, 0);
	PQclear(r);
	if (*retry_s > SESSION_FAIL_WINDOW_S)
		*retry_s = SESSION_FAIL_WINDOW_S;
	return STATUS_OK;
}

enum status pg_session_open(struct pg *db, const struct device_auth *dev, const char *login,
			    const char *password, struct session_opened *out, struct err *e)
{
	unsigned char raw[32];
	char token[80], hash[65], ttl[24];
	const char *p[4];
	PGresult *r;
	struct err why;
	enum status rc;

	memset(out, 0, sizeof *out);
	rc = locked_for(db, dev->id, login, &out->retry_after_s, e);
	if (rc)
		return rc;
	if (out->retry_after_s > 0)
		return err_set(e, STATUS_DENIED,
			       "too many failed sign-ins for this login or at this device; try again "
			       "in %ld seconds",
			       out->retry_after_s);
	err_clear(&why);
	rc = pg_user_check(db, login, password, out->role, sizeof out->role, &why);
	if (rc == STATUS_DENIED) {
		p[0] = login;
		p[1] = dev->id;
		rc = pg_run(db, "INSERT INTO sign_in_failure (login, device_id) VALUES ($1, $2)", 2,
			    p, "counting a failed sign-in", e);
		/* Failures older than the window count for nothing: they go, so
		 * the table holds one window's worth (a few rows a device). */
		if (!rc)
			rc = pg_run(db,
				    "DELETE FROM sign_in_failure"
				    " WHERE at < now() - interval '" SESSION_FAIL_WINDOW "'",
				    0, NULL, "forgetting old failed sign-ins", e);
		if (rc)
			return rc;
		return err_set(e, STATUS_DENIED, "%s", why.msg);
	}
	if (rc) {
		if (e)
			*e = why;
		return rc;
	}
	randombytes_buf(raw, sizeof raw);
	memcpy(token, "fds_", 4);
	sodium_bin2base64(token + 4, sizeof token - 4, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	secret_hash(token, hash);
	snprintf(ttl, sizeof ttl, "%d", SERVER_SESSION_TTL_S);
	p[0] = hash;
	p[1] = dev->id;
	p[2] = login;
	p[3] = ttl;
	r = pg_exec(db,
		    "INSERT INTO person_session (token_hash, device_id, login, expires_at)"
		    " VALUES ($1, $2, $3, now() + make_interval(secs => $4::int))"
		    " RETURNING to_char(expires_at AT TIME ZONE 'UTC',"
		    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
		    4, p, "opening the session", e);
	if (!r) {
		sodium_memzero(token, sizeof token);
		return e && e->code ? e->code : STATUS_DB;
	}
	snprintf(out->expires_at, sizeof out->expires_at, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	snprintf(out->token, sizeof out->token, "%s", token);
	snprintf(out->login, sizeof out->login, "%s", login);
	sodium_memzero(token, sizeof token);
	/* A good sign-in clears the login's count at this device only: the
	 * failures another device made (someone guessing) still count. */
	p[0] = login;
	p[1] = dev->id;
	pg_run(db, "DELETE FROM sign_in_failure WHERE login = $1 AND device_id = $2", 2, p,
	       "clearing failed sign-ins", NULL);
	return STATUS_OK;
}

enum status pg_session_check(struct pg *db, const struct device_auth *dev, const char *token,
			     const char *min_role, char *login_out, size_t loginsz, struct err *e)
{
	char hash[65];
	const char *p[2] = { hash, dev->id };
	PGresult *r;
	bool ok;

	if (login_out && loginsz)
		login_out[0] = '\0';
	if (!token || !*token || strlen(token) > 200)
		return err_set(e, STATUS_DENIED, "no session");
	secret_hash(token, hash);
	/* Ended, expired, another device's, a disabled user's or a revoked
	 * device's session: none; nor one of a user kept to other sites than
	 * the device's (frontdeskd user sites). The role is the user's role
	 * now. */
	r = pg_exec(db,
		    "SELECT s.login, coalesce(u.body->>'role', '') FROM person_session s"
		    " JOIN app_user u ON u.login = s.login"
		    " JOIN device d ON d.id = s.device_id"
		    " WHERE s.token_hash = $1 AND s.device_id = $2 AND s.ended_at IS NULL"
		    " AND s.expires_at > now() AND d.revoked_at IS NULL"
		    " AND NOT coalesce((u.body->>'disabled')::boolean, false)"
		    " AND (NOT EXISTS (SELECT 1 FROM user_site w WHERE w.login = s.login)"
		    "  OR EXISTS (SELECT 1 FROM user_site w WHERE w.login = s.login"
		    "   AND w.site = ANY (d.sites)))",
		    2, p, "checking the session", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	ok = PQntuples(r) == 1;
	if (ok && login_out)
		snprintf(login_out, loginsz, "%s", PQgetvalue(r, 0, 0));
	if (ok && !server_role_at_least(PQgetvalue(r, 0, 1), min_role)) {
		PQclear(r);
		return err_set(e, STATUS_DENIED, "the session's user is not %s %s",
			       !strcmp(min_role, "admin") ? "an" : "a", min_role);
	}
	PQclear(r);
	if (!ok)
		return err_set(e, STATUS_DENIED,
			       "no valid session (ended, expired, of another device or of a "
			       "disabled user)");
	return STATUS_OK;
}

enum status pg_session_end(struct pg *db, const struct device_auth *dev, const char *token,
			   struct err *e)
{
	char hash[65];
	const char *p[2] = { hash, dev->id };
	PGresult *r;
	int n;

	if (!token || !*token || strlen(token) > 200)
		return err_set(e, STATUS_NOT_FOUND, "no such session");
	secret_hash(token, hash);
	r = pg_exec(db,
		    "UPDATE person_session SET ended_at = now() WHERE token_hash = $1"
		    " AND device_id = $2 AND ended_at IS NULL RETURNING 1",
		    2, p, "ending the session", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	n = PQntuples(r);
	PQclear(r);
	return n ? STATUS_OK : err_set(e, STATUS_NOT_FOUND, "no open session of this device");
}

enum status pg_session_end_user(struct pg *db, const char *login, struct err *e)
{
	const char *p[1] = { login };

	return pg_run(db,
		      "UPDATE person_session SET ended_at = now() WHERE login = $1"
		      " AND ended_at IS NULL",
		      1, p, "ending the user's sessions", e);
}
