/*
 * route_session.c — POST and DELETE /v1/session: a person's session at a
 * device, opened with their password (checked once, with a lockout) and
 * ended when they sign out; privileged changes and reports over every hub
 * carry it.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "route.h"

/*
 * POST /v1/session {"login", "password"} with the device token: a person's
 * session at this device (man 7 frontdesk-sync, "PRIVILEGED ACTS"). One answer for
 * an unknown login, a wrong password and a disabled user (401 bad_user);
 * 429 with Retry-After after repeated failures.
 */
enum MHD_Result route_session_open(struct route_call *rc)
{
	struct MHD_Connection *c = rc->c;
	struct request *rq = rc->rq;
	struct pg *db = rc->db;
	enum MHD_Result ret = MHD_NO;
	struct session_opened so;
	json_t *j, *o;
	const char *login, *password;
	struct server_error err;
	struct err e;
	enum status st;

	j = http_request_json(c, rq, &ret);
	if (!j)
		return ret;
	if (!server_session_body(j, PASSWORD_MAX_BYTES, &login, &password, &err)) {
		json_decref(j);
		return http_send_error(c, rq, &err);
	}
	err_clear(&e);
	st = pg_session_open(db, &rc->dev, login, password, &so, &e);
	/* the password leaves memory with the request */
	sodium_memzero((void *)password, strlen(password));
	json_decref(j);
	if (st == STATUS_DENIED && so.retry_after_s > 0) {
		char after[24];

		snprintf(after, sizeof after, "%ld", so.retry_after_s);
		server_error_set(&err, 429, "locked", "login", "%s", e.msg);
		return http_send_body(c, rq, 429, server_error_json(&err), after);
	}
	if (st == STATUS_DENIED)
		return http_fail(c, rq, 401, "bad_user", "login",
				 "that login name and password do not match an enabled user on the "
				 "server; check them, or ask an administrator");
	if (st)
		return http_db_failure(c, rq, &e);
	o = json_object();
	json_object_set_new(o, "session", json_string(so.token));
	json_object_set_new(o, "login", json_string(so.login));
	json_object_set_new(o, "role", json_string(so.role));
	json_object_set_new(o, "expires_at", json_string(so.expires_at));
	sodium_memzero(so.token, sizeof so.token);
	return http_send_json(c, rq, 200, o);
}

/* DELETE /v1/session with X-Frontdesk-Session: TOKEN: ends that session. */
enum MHD_Result route_session_end(struct route_call *rc)
{
	struct MHD_Connection *c = rc->c;
	struct request *rq = rc->rq;
	struct pg *db = rc->db;
	const char *token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Frontdesk-Session");
	struct err e;
	enum status st;
	json_t *o;

	err_clear(&e);
	st = pg_session_end(db, &rc->dev, token, &e);
	if (st == STATUS_NOT_FOUND)
		return http_fail(c, rq, 404, "not_found", "X-Frontdesk-Session",
				 "no open session of this device has that token; it may have ended "
				 "already");
	if (st)
		return http_db_failure(c, rq, &e);
	o = json_object();
	json_object_set_new(o, "ok", json_true());
	return http_send_json(c, rq, 200, o);
}
