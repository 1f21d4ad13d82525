/*
 * routes.c — frontdeskd's route table and its dispatch: which method and
 * path go to which handler, and who may call each (man 7 frontdesk-sync).
 * Everything a route needs checked before its handler runs is said here,
 * once: the method, the database, the device's role, a person's session.
 */
#include <stdio.h>
#include <string.h>

#include "route.h"

/* method, path, who may call it, whether it works without the database,
 * its handler; a path's methods in the order a 405 lists them */
static const struct route routes[] = {
    {"GET", "/healthz", ROUTE_OPEN, true, route_healthz},
    {"POST", "/v1/session", ROUTE_CONSOLE, false, route_session_open},
    {"DELETE", "/v1/session", ROUTE_CONSOLE, false, route_session_end},
    {"GET", "/v1/audit/head", ROUTE_CONSOLE, false, route_audit_head},
    {"POST", "/v1/enrol", ROUTE_OPEN, false, route_enrol},
    {"POST", "/v1/push", ROUTE_CONSOLE, false, route_push},
    {"GET", "/v1/pull", ROUTE_CONSOLE, false, route_pull},
    {"POST", "/v1/pull/problems", ROUTE_CONSOLE, false, route_pull_problems},
    {"POST", "/v1/case/{REF}/status", ROUTE_BACK_OFFICE, false, route_case},
    {"GET", "/v1/reports/{NAME}", ROUTE_SUPERVISOR, false, route_report},
};
#define NROUTES (sizeof routes / sizeof routes[0])

/* The part of a path before its {PARAM}: the whole path when it has none. */
static size_t fixed_len(const char *path)
{
	return strcspn(path, "{");
}

/* Whether url is on the route's path (a path with a {PARAM} owns all below
 * its fixed part, so a malformed one gets the route's own 404). */
static bool on_path(const struct route *r, const char *url)
{
	size_t n = fixed_len(r->path);

	return r->path[n] ? strncmp(url, r->path, n) == 0 : strcmp(url, r->path) == 0;
}

/*
 * Whether url matches the route's path in full. *param gets the {PARAM}: a
 * copy in seg of a segment in the middle, or the rest of url at the end.
 */
static bool matches(const struct route *r, const char *url, char *seg, size_t segsz,
		    const char **param)
{
	size_t n = fixed_len(r->path), len;
	const char *rest = strchr(r->path + n, '}'), *end;

	*param = NULL;
	if (!r->path[n])
		return true;
	url += n;
	rest = rest ? rest + 1 : "";
	if (!*rest) {
		*param = url;
		return true;
	}
	end = strchr(url, '/');
	len = end ? (size_t)(end - url) : 0;
	if (!end || strcmp(end, rest) != 0 || len >= segsz)
		return false;
	memcpy(seg, url, len);
	seg[len] = '\0';
	*param = seg;
	return true;
}

bool route_needs_token(const char *url)
{
	for (size_t i = 0; i < NROUTES; i++)
		if (on_path(&routes[i], url))
			return routes[i].auth != ROUTE_OPEN;
	return true;
}

/* "use POST", "use POST or DELETE": the methods url's path takes. */
static enum MHD_Result wrong_method(struct MHD_Connection *c, struct request *rq, const char *url)
{
	char words[64] = "use";
	const char *sep = " ";

	for (size_t i = 0; i < NROUTES; i++) {
		if (!on_path(&routes[i], url))
			continue;
		snprintf(words + strlen(words), sizeof words - strlen(words), "%s%s", sep,
			 routes[i].method);
		sep = " or ";
	}
	return http_fail(c, rq, 405, "method", "", words);
}

/* The path's malformed: say its shape ("use POST /v1/case/REF/status"). */
static enum MHD_Result wrong_shape(struct MHD_Connection *c, struct request *rq,
				   const struct route *r)
{
	char words[128];
	size_t n = 0;

	n += (size_t)snprintf(words, sizeof words, "use %s ", r->method);
	for (const char *p = r->path; *p && n + 1 < sizeof words; p++)
		if (*p != '{' && *p != '}')
			words[n++] = *p;
	words[n] = '\0';
	return http_fail(c, rq, 404, "not_found", "", words);
}

/* A supervisor's session at the device (X-Frontdesk-Session): 0 with the
 * login in rc->user; otherwise the answer was queued (*ret holds it). */
static int supervisor_session(struct route_call *rc, enum MHD_Result *ret)
{
	const char *session =
	    MHD_lookup_connection_value(rc->c, MHD_HEADER_KIND, "X-Frontdesk-Session");
	struct err e;

	/* The person signed in once (POST /v1/session, argon2id there, with
	 * its lockout); each request checks the session only. */
	if (!session || !*session) {
		*ret = http_fail(rc->c, rc->rq, 401, "no_session", "X-Frontdesk-Session",
				 "reports over all hubs need a supervisor's session: sign in with "
				 "POST /v1/session, then send X-Frontdesk-Session");
		return -1;
	}
	err_clear(&e);
	switch (pg_session_check(rc->db, &rc->dev, session, "supervisor", rc->user, sizeof rc->user,
				 &e)) {
	case STATUS_OK:
		return 0;
	case STATUS_DENIED:
		if (rc->user[0])
			*ret =
			    http_fail(rc->c, rc->rq, 403, "not_supervisor", "X-Frontdesk-Session",
				      "reports over all hubs are for supervisors and "
				      "administrators; an advisor sees their own figures at "
				      "their desk");
		else
			*ret = http_fail(rc->c, rc->rq, 401, "bad_session", "X-Frontdesk-Session",
					 "that session is not open at this device (ended, expired, "
					 "or its user disabled); sign in again");
		return -1;
	default:
		*ret = http_db_failure(rc->c, rc->rq, &e);
		return -1;
	}
}

/* Who may call: 0 when the caller may (rc->dev, rc->user filled);
 * otherwise the answer was queued (*ret holds it). */
static int allowed(struct route_call *rc, enum route_auth auth, enum MHD_Result *ret)
{
	const char *role = auth == ROUTE_BACK_OFFICE ? "back-office" : "console";

	if (auth == ROUTE_OPEN)
		return 0;
	if (http_identify(rc->c, rc->rq, rc->db, &rc->dev, ret))
		return -1;
	if (strcmp(rc->dev.role, role) != 0) {
		*ret = http_fail(rc->c, rc->rq, 403, "wrong_role", "Authorization",
				 "this device may not do that");
		return -1;
	}
	return auth == ROUTE_SUPERVISOR ? supervisor_session(rc, ret) : 0;
}

enum MHD_Result route_dispatch(struct MHD_Connection *c, struct request *rq, const char *url,
			       const char *method)
{
	struct route_call rc = {.c = c, .rq = rq};
	const struct route *r = NULL;
	char seg[ROUTE_PARAM_MAX];
	enum MHD_Result ret = MHD_NO;
	bool known = false;

	for (size_t i = 0; i < NROUTES && !r; i++) {
		if (!on_path(&routes[i], url))
			continue;
		known = true;
		if (!strcmp(routes[i].method, method))
			r = &routes[i];
	}
	if (!known)
		return http_fail(c, rq, 404, "not_found", "",
				 "no such endpoint; see man frontdesk-sync");
	if (!r)
		return wrong_method(c, rq, url);
	if (!matches(r, url, seg, sizeof seg, &rc.param))
		return wrong_shape(c, rq, r);
	rc.db = http_worker_db();
	if (!rc.db && !r->no_db)
		return http_fail(c, rq, 503, "unavailable", "",
				 "the database is not answering; try again shortly");
	if (allowed(&rc, r->auth, &ret))
		return ret;
	return r->handle(&rc);
}

/* GET /healthz: whether this server and its database answer. */
enum MHD_Result route_healthz(struct route_call *rc)
{
	json_t *o = json_object();
	bool ok = rc->db && pg_ping(rc->db);

	json_object_set_new(o, "ok", json_boolean(ok));
	json_object_set_new(o, "database", json_string(ok ? "ok" : "unreachable"));
	return http_send_json(rc->c, rc->rq, ok ? 200 : 503, o);
}
