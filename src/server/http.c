/*
 * The HTTP side of frontdeskd: libmicrohttpd with a thread pool on epoll,
 * bodies read by hand under a hard cap, one PostgreSQL connection per
 * worker thread, one log line per request (no personal data), and a drain
 * on SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "frontdesk/report.h"
#include "server_int.h"

#define DISCARD_MAX (64u * 1024u * 1024u) /* an over-cap body read and dropped */
#define MAX_WORKERS 256
#define CONNECTION_LIMIT 4000u /* all clients; 32 each by default (--per-client) */

struct request {
	struct buf body;
	size_t received;
	size_t taken; /* of the body budget (guard.c) */
	struct guard_conn *guard;
	struct device_auth dev; /* the token's device, once identified */
	bool identified;
	bool busy; /* the body budget was spent: 503 */
	bool too_big;
	int status;
	size_t sent;
	double t0;
	char method[8];
	char path[96];
	char device[16];
};

static const char *g_conninfo;
static struct vault *g_vault; /* the key store every worker seals under */
static atomic_int g_inflight;
static pthread_mutex_t g_conns_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pg *g_conns[MAX_WORKERS];
static int g_nconns;
static _Thread_local struct pg *tl_db;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* This worker's database connection, made on first use. */
static struct pg *worker_db(void)
{
	struct err e;

	if (tl_db)
		return pg_alive(tl_db) ? tl_db : NULL;
	err_clear(&e);
	tl_db = pg_connect(g_conninfo, &e);
	if (!tl_db) {
		fprintf(stderr, "frontdeskd: %s\n", e.msg);
		return NULL;
	}
	pg_use_vault(tl_db, g_vault);
	pthread_mutex_lock(&g_conns_mu);
	if (g_nconns < MAX_WORKERS)
		g_conns[g_nconns++] = tl_db;
	pthread_mutex_unlock(&g_conns_mu);
	return tl_db;
}

/* ---- responses --------------------------------------------------------- */

static enum MHD_Result send_body(struct MHD_Connection *c, struct request *rq, int status,
				 char *json, const char *retry_after)
{
	struct MHD_Response *resp;
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
	size_t len = strlen(json);
	bool gz = false;
	enum MHD_Result ret;

	if (ae && strstr(ae, "gzip") && len > 1024) {
		struct buf z;

		buf_init(&z, len + 4096);
		if (buf_add_gzip(&z, json, len) == STATUS_OK) {
			free(json);
			len = z.len;
			json = buf_detach(&z);
			gz = true;
		} else {
			buf_release(&z);
		}
	}
	resp = MHD_create_response_from_buffer(len, json, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(json);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (gz)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	if (retry_after)
		MHD_add_response_header(resp, "Retry-After", retry_after);
	if (status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"frontdesk\"");
	rq->status = status;
	rq->sent = len;
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, struct request *rq,
				  const struct server_error *err)
{
	return send_body(c, rq, err->http, server_error_json(err),
			 err->http == 503 || err->http == 429 ? "1" : NULL);
}

static enum MHD_Result fail(struct MHD_Connection *c, struct request *rq, int http,
			    const char *code, const char *field, const char *msg)
{
	struct server_error err;

	server_error_set(&err, http, code, field, "%s", msg);
	return send_error(c, rq, &err);
}

static enum MHD_Result send_json(struct MHD_Connection *c, struct request *rq, int status,
				 json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (!s)
		die("out of memory encoding JSON");
	return send_body(c, rq, status, s, NULL);
}

/* A database failure: 503 (retry soon) when the connection or a lock was
 * the trouble, 500 otherwise. The detail goes to the log, not the client. */
static enum MHD_Result db_failure(struct MHD_Connection *c, struct request *rq,
				  const struct err *e)
{
	fprintf(stderr, "frontdeskd: %s %s: %s\n", rq->method, rq->path, e->msg);
	if (e->code == STATUS_DB_BUSY || e->code == STATUS_OK)
		return fail(c, rq, 503, "unavailable", "",
			    "the database is not answering; try again shortly");
	return fail(c, rq, 500, "internal", "", "the server could not do that; it has been logged");
}

/* ---- authentication ---------------------------------------------------- */

/*
 * Finds the token's device (once per request: rq->dev): 0 when it is a
 * device this server issued and has not revoked; otherwise the response
 * was queued (ret holds it). Called as soon as a request's headers are in,
 * before any of its body is read.
 */
static int identify(struct MHD_Connection *c, struct request *rq, struct pg *db,
		    enum MHD_Result *ret)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	struct device_auth *dev = &rq->dev;
	struct err e;
	enum status st;

	if (rq->identified)
		return 0;
	if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7] || strlen(h) > 200) {
		*ret = fail(c, rq, 401, "no_token", "Authorization",
			    "this request needs a device token (Authorization: Bearer TOKEN); enrol "
			    "the device first");
		return -1;
	}
	err_clear(&e);
	st = pg_device_auth(db, h + 7, dev, &e);
	if (st == STATUS_NOT_FOUND) {
		*ret = fail(c, rq, 401, "bad_token", "Authorization",
			    "the device token is not one this server issued; enrol the device again");
		return -1;
	}
	if (st) {
		*ret = db_failure(c, rq, &e);
		return -1;
	}
	snprintf(rq->device, sizeof rq->device, "%s", dev->code);
	if (dev->revoked) {
		*ret = fail(c, rq, 401, "revoked", "Authorization",
			    "this device has been revoked by an administrator");
		return -1;
	}
	rq->identified = true;
	return 0;
}

/* 0: the token's device holds role (*dev filled); otherwise the response
 * was queued (ret holds it). */
static int authenticate(struct MHD_Connection *c, struct request *rq, struct pg *db,
			const char *role, struct device_auth *dev, enum MHD_Result *ret)
{
	if (identify(c, rq, db, ret))
		return -1;
	*dev = rq->dev;
	if (strcmp(dev->role, role) != 0) {
		*ret = fail(c, rq, 403, "wrong_role", "Authorization",
			    "this device may not do that");
		return -1;
	}
	return 0;
}

/* Checks the body's media type and encoding and parses it. */
static json_t *request_json(struct MHD_Connection *c, struct request *rq, enum MHD_Result *ret)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	const char *ce = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Encoding");
	struct server_error err;
	json_t *j;

	if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';')) {
		*ret = fail(c, rq, 415, "media_type", "Content-Type",
			    "send the body as Content-Type: application/json");
		return NULL;
	}
	if (ce && strcasecmp(ce, "gzip") == 0) {
		struct buf plain;

		buf_init(&plain, SERVER_INFLATED_MAX);
		if (!server_gunzip(rq->body.data ? rq->body.data : "", rq->body.len, &plain, &err)) {
			buf_release(&plain);
			*ret = send_error(c, rq, &err);
			return NULL;
		}
		j = server_json_parse(buf_str(&plain), plain.len, &err);
		buf_release(&plain);
	} else if (ce && strcasecmp(ce, "identity") != 0) {
		*ret = fail(c, rq, 415, "encoding", "Content-Encoding",
			    "send the body plain or with Content-Encoding: gzip");
		return NULL;
	} else {
		j = server_json_parse(buf_str(&rq->body), rq->body.len, &err);
	}
	if (!j)
		*ret = send_error(c, rq, &err);
	return j;
}

/*
 * A body's members against the ones a route takes: 0 when all are known;
 * otherwise the 422 naming the first unknown member was queued (ret holds
 * it) and j was released.
 */
static int only_members(struct MHD_Connection *c, struct request *rq, json_t *j,
			const char *const *known, const char *words, enum MHD_Result *ret)
{
	const char *key;
	json_t *v;

	json_object_foreach(j, key, v)
	{
		size_t i = 0;

		while (known[i] && strcmp(key, known[i]) != 0)
			i++;
		if (!known[i]) {
			char field[64];

			snprintf(field, sizeof field, "%.40s", key);
			json_decref(j);
			*ret = fail(c, rq, 422, "unknown_field", field, words);
			return -1;
		}
	}
	return 0;
}

/* ---- routes ------------------------------------------------------------ */

static enum MHD_Result route_healthz(struct MHD_Connection *c, struct request *rq)
{
	struct pg *db = worker_db();
	json_t *o = json_object();
	bool ok = db && pg_ping(db);

	json_object_set_new(o, "ok", json_boolean(ok));
	json_object_set_new(o, "database", json_string(ok ? "ok" : "unreachable"));
	return send_json(c, rq, ok ? 200 : 503, o);
}

static enum MHD_Result route_enrol(struct MHD_Connection *c, struct request *rq, struct pg *db)
{
	enum MHD_Result ret = MHD_NO;
	json_t *j = request_json(c, rq, &ret), *code, *o, *pid, *pcode;
	struct device_auth dev;
	char token[96];
	struct err e;
	enum status st;

	if (!j)
		return ret;
	{
		static const char *const known[] = { "code", "provisional_id", "provisional_code",
						     NULL };

		if (only_members(c, rq, j, known,
				 "an enrolment takes a code, and the desk's provisional_id and "
				 "provisional_code",
				 &ret))
			return ret;
	}
	/* What the desk used before enrolment (man 7 frontdesk-sync, TRUST):
	 * its device id, and its code, "Z" and three letters or digits. */
	pid = json_object_get(j, "provisional_id");
	pcode = json_object_get(j, "provisional_code");
	if (pid && (!json_is_string(pid) || !uuid_valid(json_string_value(pid)))) {
		json_decref(j);
		return fail(c, rq, 422, "invalid", "provisional_id",
			    "provisional_id must be the desk's device id before enrolment (a UUID)");
	}
	if (pcode && (!json_is_string(pcode) || json_string_length(pcode) != 4 ||
		      json_string_value(pcode)[0] != 'Z' ||
		      strspn(json_string_value(pcode), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != 4)) {
		json_decref(j);
		return fail(c, rq, 422, "invalid", "provisional_code",
			    "provisional_code must be the desk's code before enrolment ('Z' and "
			    "three letters or digits)");
	}
	code = json_object_get(j, "code");
	if (!json_is_string(code) || json_string_length(code) > 40) {
		json_decref(j);
		return fail(c, rq, 422, code ? "wrong_type" : "missing", "code",
			    "code must be the enrolment code as a string");
	}
	err_clear(&e);
	st = pg_device_enrol(db, json_string_value(code), &dev, token, sizeof token, &e);
	if (!st && pid && !strcmp(json_string_value(pid), dev.id))
		pid = NULL; /* (a desk enrolled again keeps the id it was given) */
	/* Best effort: the code is spent and the token must reach the desk;
	 * what is not recorded now is claimed at its first push. */
	if (!st && pid)
		pg_device_claim(db, &dev, "id", json_string_value(pid), NULL);
	if (!st && pcode && strcmp(json_string_value(pcode), dev.code) != 0)
		pg_device_claim(db, &dev, "code", json_string_value(pcode), NULL);
	json_decref(j);
	if (st == STATUS_DENIED)
		return fail(c, rq, 403, "bad_enrolment", "code", e.msg);
	if (st)
		return db_failure(c, rq, &e);
	snprintf(rq->device, sizeof rq->device, "%s", dev.code);
	o = json_object();
	json_object_set_new(o, "device_id", json_string(dev.id));
	json_object_set_new(o, "device_code", json_string(dev.code));
	json_object_set_new(o, "site", json_string(dev.site));
	json_object_set_new(o, "role", json_string(dev.role));
	json_object_set_new(o, "token", json_string(token));
	/* what the server holds as the device's own from before enrolment */
	if (dev.prov_id[0])
		json_object_set_new(o, "provisional_id", json_string(dev.prov_id));
	if (dev.prov_code[0])
		json_object_set_new(o, "provisional_code", json_string(dev.prov_code));
	sodium_memzero(token, sizeof token);
	return send_json(c, rq, 200, o);
}

static enum MHD_Result route_push(struct MHD_Connection *c, struct request *rq, struct pg *db)
{
	enum MHD_Result ret = MHD_NO;
	struct device_auth dev;
	struct push_batch b;
	struct push_result res;
	struct server_error err;
	struct err e;
	json_t *j, *o;

	if (authenticate(c, rq, db, "console", &dev, &ret))
		return ret;
	j = request_json(c, rq, &ret);
	if (!j)
		return ret;
	if (!server_push_parse(j, &b, &err)) {
		server_push_release(&b);
		return send_error(c, rq, &err);
	}
	err_clear(&e);
	if (pg_push(db, &dev, &b, &res, &e) != STATUS_OK) {
		server_push_release(&b);
		if (res.out_of_order)
			return fail(c, rq, 409, "out_of_order", "after", e.msg);
		if (res.seq_reused) {
			char field[48];

			/* A restored desk: nothing applied; it renumbers after held. */
			snprintf(field, sizeof field, "changes[%zu].seq", res.reused_index);
			o = json_object();
			json_object_set_new(o, "error", json_string(e.msg));
			json_object_set_new(o, "code", json_string("seq_reused"));
			json_object_set_new(o, "field", json_string(field));
			json_object_set_new(o, "held", json_integer(res.held));
			json_object_set_new(o, "seq", json_integer(res.reused_seq));
			return send_json(c, rq, 409, o);
		}
		return db_failure(c, rq, &e);
	}
	server_push_release(&b);
	o = json_object();
	json_object_set_new(o, "held", json_integer(res.held));
	json_object_set(o, "refused", res.refused);
	if (res.clock_ahead_ms > 0)
		json_object_set_new(o, "clock_ahead_ms", json_integer(res.clock_ahead_ms));
	if (res.audit_seq > 0)
		json_object_set_new(o, "audit_head",
				    json_pack("{s:I, s:s}", "seq", (json_int_t)res.audit_seq, "hash",
					      res.audit_hash));
	push_result_release(&res);
	return send_json(c, rq, 200, o);
}

/*
 * POST /v1/session {"login", "password"} with the device token: a person's
 * session at this device (man 7 frontdesk-sync, "PRIVILEGED ACTS"). One answer for
 * an unknown login, a wrong password and a disabled user (401 bad_user);
 * 429 with Retry-After after repeated failures.
 */
static enum MHD_Result route_session_open(struct MHD_Connection *c, struct request *rq,
					  struct pg *db)
{
	enum MHD_Result ret = MHD_NO;
	struct device_auth dev;
	struct session_opened so;
	json_t *j, *login, *password, *o;
	struct err e;
	enum status st;

	if (authenticate(c, rq, db, "console", &dev, &ret))
		return ret;
	j = request_json(c, rq, &ret);
	if (!j)
		return ret;
	{
		static const char *const known[] = { "login", "password", NULL };

		if (only_members(c, rq, j, known, "a session takes only login and password", &ret))
			return ret;
	}
	login = json_object_get(j, "login");
	password = json_object_get(j, "password");
	if (!json_is_string(login) || !json_string_length(login) || json_string_length(login) > 40) {
		json_decref(j);
		return fail(c, rq, 422, login ? "wrong_type" : "missing", "login",
			    "login must be a user's login name (1-40 bytes)");
	}
	if (!json_is_string(password) || !json_string_length(password) ||
	    json_string_length(password) > PASSWORD_MAX_BYTES) {
		json_decref(j);
		return fail(c, rq, 422, password ? "wrong_type" : "missing", "password",
			    "password must be the user's password as a string");
	}
	err_clear(&e);
	st = pg_session_open(db, &dev, json_string_value(login), json_string_value(password), &so,
			     &e);
	/* the password leaves memory with the request */
	sodium_memzero((void *)json_string_value(password), json_string_length(password));
	json_decref(j);
	if (st == STATUS_DENIED && so.retry_after_s > 0) {
		struct server_error err;
		char after[24];

		snprintf(after, sizeof after, "%ld", so.retry_after_s);
		server_error_set(&err, 429, "locked", "login", "%s", e.msg);
		return send_body(c, rq, 429, server_error_json(&err), after);
	}
	if (st == STATUS_DENIED)
		return fail(c, rq, 401, "bad_user", "login",
			    "that login name and password do not match an enabled user on the "
			    "server; check them, or ask an administrator");
	if (st)
		return db_failure(c, rq, &e);
	o = json_object();
	json_object_set_new(o, "session", json_string(so.token));
	json_object_set_new(o, "login", json_string(so.login));
	json_object_set_new(o, "role", json_string(so.role));
	json_object_set_new(o, "expires_at", json_string(so.expires_at));
	sodium_memzero(so.token, sizeof so.token);
	return send_json(c, rq, 200, o);
}

/* DELETE /v1/session with X-Frontdesk-Session: TOKEN: ends that session. */
static enum MHD_Result route_session_end(struct MHD_Connection *c, struct request *rq,
					 struct pg *db)
{
	const char *token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Frontdesk-Session");
	enum MHD_Result ret = MHD_NO;
	struct device_auth dev;
	struct err e;
	enum status st;
	json_t *o;

	if (authenticate(c, rq, db, "console", &dev, &ret))
		return ret;
	err_clear(&e);
	st = pg_session_end(db, &dev, token, &e);
	if (st == STATUS_NOT_FOUND)
		return fail(c, rq, 404, "not_found", "X-Frontdesk-Session",
			    "no open session of this device has that token; it may have ended "
			    "already");
	if (st)
		return db_failure(c, rq, &e);
	o = json_object();
	json_object_set_new(o, "ok", json_true());
	return send_json(c, rq, 200, o);
}

/*
 * POST /v1/pull/problems: the changes a desk pulled and could not apply,
 * {"problems": [{"cursor", "type", "id", "reason"}, ...]} (1 to 500, no
 * other members), kept per device (frontdeskd device list counts them).
 */
#define PROBLEMS_MAX 500

static bool problem_ok(const json_t *p, char *field, size_t fsz, const char **why)
{
	static const struct {
		const char *key;
		size_t max;
	} strs[] = { { "type", 40 }, { "id", 100 }, { "reason", 512 } };
	const char *key;
	json_t *v;

	if (!json_is_object(p)) {
		*why = "each problem must be an object";
		return false;
	}
	json_object_foreach((json_t *)p, key, v)
	{
		if (strcmp(key, "cursor") && strcmp(key, "type") && strcmp(key, "id") &&
		    strcmp(key, "reason")) {
			snprintf(field, fsz, "%.40s", key);
			*why = "a problem takes only cursor, type, id and reason";
			return false;
		}
	}
	v = json_object_get(p, "cursor");
	if (!json_is_integer(v) || json_integer_value(v) < -1) {
		snprintf(field, fsz, "cursor");
		*why = "cursor must be the change's place in the pull (an integer)";
		return false;
	}
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		v = json_object_get(p, strs[i].key);
		if (!json_is_string(v) || json_string_length(v) > strs[i].max ||
		    (i != 1 && json_string_length(v) == 0)) {
			snprintf(field, fsz, "%s", strs[i].key);
			*why = "type, id and reason must be strings (type and reason not empty; at "
			       "most 40, 100 and 512 bytes)";
			return false;
		}
	}
	return true;
}

static enum MHD_Result route_pull_problems(struct MHD_Connection *c, struct request *rq,
					   struct pg *db)
{
	enum MHD_Result ret = MHD_NO;
	struct device_auth dev;
	json_t *j, *arr, *o;
	json_t *v;
	char *text;
	struct err e;
	size_t i;

	if (authenticate(c, rq, db, "console", &dev, &ret))
		return ret;
	j = request_json(c, rq, &ret);
	if (!j)
		return ret;
	{
		static const char *const known[] = { "problems", NULL };

		if (only_members(c, rq, j, known, "a report takes only problems; see man "
						  "frontdesk-sync",
				 &ret))
			return ret;
	}

	arr = json_object_get(j, "problems");
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > PROBLEMS_MAX) {
		json_decref(j);
		return fail(c, rq, 422, "invalid", "problems",
			    "problems must be a list of 1 to 500 changes kept aside");
	}
	json_array_foreach(arr, i, v)
	{
		char member[48] = "", field[80];
		const char *why = "";

		if (!problem_ok(v, member, sizeof member, &why)) {
			snprintf(field, sizeof field, "problems[%zu]%s%s", i, member[0] ? "." : "",
				 member);
			json_decref(j);
			return fail(c, rq, 422, "invalid", field, why);
		}
	}
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(j);
	if (!text)
		die("out of memory encoding JSON");
	err_clear(&e);
	if (pg_pull_problems_add(db, &dev, text, &e) != STATUS_OK) {
		free(text);
		if (e.code == STATUS_INVALID)
			return fail(c, rq, 422, "invalid", "problems", e.msg);
		return db_failure(c, rq, &e);
	}
	free(text);
	o = json_object();
	json_object_set_new(o, "ok", json_true());
	return send_json(c, rq, 200, o);
}

static bool query_ll(struct MHD_Connection *c, const char *name, long long min, long long max,
		     long long dflt, long long *out)
{
	const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	char *end;

	*out = dflt;
	if (!s)
		return true;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return *s && !*end && errno == 0 && *out >= min && *out <= max;
}

static enum MHD_Result unknown_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	char *bad = cls;

	(void)kind;
	(void)value;
	if (strcmp(key, "after") != 0 && strcmp(key, "limit") != 0 && !bad[0]) {
		snprintf(bad, 48, "%.40s", key);
		return MHD_NO;
	}
	return MHD_YES;
}

static enum MHD_Result route_pull(struct MHD_Connection *c, struct request *rq, struct pg *db)
{
	enum MHD_Result ret = MHD_NO;
	struct device_auth dev;
	long long after, limit;
	char bad[48] = "";
	struct buf out;
	struct err e;

	if (authenticate(c, rq, db, "console", &dev, &ret))
		return ret;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, unknown_arg, bad);
	if (bad[0])
		return fail(c, rq, 422, "unknown_field", bad, "pull takes only after and limit");
	if (!query_ll(c, "after", 0, INT64_MAX, 0, &after))
		return fail(c, rq, 422, "wrong_type", "after",
			    "after must be a cursor: a whole number, 0 or more");
	if (!query_ll(c, "limit", 1, SERVER_PULL_PAGE_MAX, SERVER_PULL_PAGE, &limit))
		return fail(c, rq, 422, "wrong_type", "limit", "limit must be 1 to 2000");
	buf_init(&out, 64u * 1024u * 1024u);
	err_clear(&e);
	if (pg_pull(db, &dev, after, (int)limit, &out, &e) != STATUS_OK) {
		buf_release(&out);
		return db_failure(c, rq, &e);
	}
	return send_body(c, rq, 200, buf_detach(&out), NULL);
}

static enum MHD_Result route_case(struct MHD_Connection *c, struct request *rq, struct pg *db,
				  const char *reference)
{
	enum MHD_Result ret = MHD_NO;
	struct device_auth dev;
	json_t *j, *status, *note, *result;
	char actor[48], ref[40];
	struct err e;
	enum status st;

	if (authenticate(c, rq, db, "back-office", &dev, &ret))
		return ret;
	snprintf(ref, sizeof ref, "%s", reference);
	for (char *p = ref; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	if (!case_reference_valid(ref))
		return fail(c, rq, 404, "not_found", "reference", "that is not a case reference");
	j = request_json(c, rq, &ret);
	if (!j)
		return ret;
	{
		static const char *const known[] = { "status", "note", "result", NULL };

		if (only_members(c, rq, j, known, "a case update takes status, note and result",
				 &ret))
			return ret;
	}
	status = json_object_get(j, "status");
	note = json_object_get(j, "note");
	if (!json_is_string(status)) {
		json_decref(j);
		return fail(c, rq, 422, status ? "wrong_type" : "missing", "status",
			    "status must be a case status");
	}
	if (note && !json_is_string(note) && !json_is_null(note)) {
		json_decref(j);
		return fail(c, rq, 422, "wrong_type", "note", "note must be text");
	}
	result = json_object_get(j, "result");
	if (result && !json_is_string(result) && !json_is_null(result)) {
		json_decref(j);
		return fail(c, rq, 422, "wrong_type", "result", "result must be text");
	}
	snprintf(actor, sizeof actor, "back-office:%s", dev.code);
	err_clear(&e);
	st = pg_case_update(db, ref, json_string_value(status),
			    note ? json_string_value(note) : NULL,
			    result ? json_string_value(result) : NULL, actor, &e);
	json_decref(j);
	if (st == STATUS_NOT_FOUND)
		return fail(c, rq, 404, "not_found", "reference", e.msg);
	if (st == STATUS_INVALID)
		return fail(c, rq, 422, "invalid", strstr(e.msg, "result") ? "result" : "status",
			    e.msg);
	if (st == STATUS_DENIED)
		return fail(c, rq, 409, "case_closed", "status", e.msg);
	if (st)
		return db_failure(c, rq, &e);
	j = json_object();
	json_object_set_new(j, "ok", json_true());
	return send_json(c, rq, 200, j);
}

/* ---- reports over every hub -------------------------------------------- */

/* The query arguments a report takes: its period, grouping and site, and
 * the desk settings a console sends so its figures match its own. */
static const char *const report_args[] = {
	"from", "to", "by", "site", "fcr_target_percent", "fcr_repeat_days",
	"signposting_target_year", "assisted_digital_target_year", "cost_target_mix", NULL,
};

/* What is wrong with a report's arguments: the first one that is unknown,
 * given twice, or holds a NUL (%00), which would otherwise cut the value
 * short without a word. */
struct report_args_check {
	char bad[48];
	const char *why;
	unsigned seen; /* one bit per report_args entry */
};

static enum MHD_Result report_arg_check(void *cls, enum MHD_ValueKind kind, const char *key,
					size_t key_size, const char *value, size_t value_size)
{
	struct report_args_check *ck = cls;
	size_t i;

	(void)kind;
	for (i = 0; report_args[i]; i++)
		if (!strcmp(key, report_args[i]))
			break;
	if (!report_args[i])
		ck->why = "a report takes from, to, by, site and the report settings only";
	else if (ck->seen & (1u << i))
		ck->why = "give each report argument once";
	else if (strlen(key) != key_size || (value && strlen(value) != value_size))
		ck->why = "a report argument must not hold a NUL character (%00)";
	else if (value && value_size > 200)
		ck->why = "a report argument is at most 200 characters";
	if (ck->why) {
		snprintf(ck->bad, sizeof ck->bad, "%.40s", key);
		return MHD_NO;
	}
	ck->seen |= 1u << i;
	return MHD_YES;
}

/* The desk's report settings sent along are checked as `frontdesk config
 * set` checks them: a value out of range is refused, never replaced by the
 * default without a word. Fills field and returns the message, or NULL. */
static const char *report_settings_check(struct MHD_Connection *c, struct pg *db,
					 const char **field, char *msg, size_t msgsz)
{
	static const struct {
		const char *key;
		long min, max;
	} ints[] = {
		{ "fcr_target_percent", 1, 100 },
		{ "fcr_repeat_days", 1, 90 },
		{ "signposting_target_year", 0, 1000000 },
		{ "assisted_digital_target_year", 0, 1000000 },
	};
	struct channel_share shares[CHANNEL_MIX_MAX];
	const char *v;
	struct err e;
	size_t n;
	long x;

	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, ints[i].key);
		err_clear(&e);
		if (v && valid_int(ints[i].key, v, ints[i].min, ints[i].max, &x, &e) != STATUS_OK) {
			*field = ints[i].key;
			snprintf(msg, msgsz, "%s", e.msg);
			return msg;
		}
	}
	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cost_target_mix");
	err_clear(&e);
	if (v && valid_channel_mix(v, shares, &n, &e) != STATUS_OK) {
		*field = "cost_target_mix";
		snprintf(msg, msgsz, "%s", e.msg);
		return msg;
	}
	for (size_t i = 0; v && i < n; i++)
		if (!pg_code_exists(db, "channel", shares[i].channel)) {
			*field = "cost_target_mix";
			snprintf(msg, msgsz, "cost_target_mix names channel '%.40s', which is not known",
				 shares[i].channel);
			return msg;
		}
	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "site");
	if (v && !pg_code_exists(db, "site", v)) {
		*field = "site";
		snprintf(msg, msgsz, "site '%.40s' is not a site this server knows", v);
		return msg;
	}
	return NULL;
}

/* A setting for the report: the request's argument of that name, if any. */
static char *report_setting(void *ctx, const char *key)
{
	const char *v = MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);

	return v ? xstrdup(v) : NULL;
}

/*
 * GET /v1/reports/NAME?from=DATE&to=DATE[&by=..][&site=..]: one report over
 * every hub's contacts. The device's bearer token says which console asks;
 * X-Frontdesk-Session says who sits at it: a session they opened at this
 * device (POST /v1/session, the one argon2id check, with its lockout).
 * Supervisors and administrators only: an advisor is answered 403.
 */
static enum MHD_Result route_report(struct MHD_Connection *c, struct request *rq, struct pg *db,
				    const char *name)
{
	const char *session =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Frontdesk-Session");
	struct report_viewer viewer = { NULL, true };
	struct report_query q = { 0 };
	struct report_table *t = NULL;
	struct report_source src;
	struct pg_report pr = { db, report_setting, c };
	enum MHD_Result ret = MHD_NO;
	struct device_auth dev;
	const char *arg;
	struct report_args_check ck = { "", NULL, 0 };
	const char *field = NULL;
	char user[64], msg[sizeof ((struct err *)0)->msg], *text;
	int kind, by;
	struct err e;
	json_t *j;

	if (authenticate(c, rq, db, "console", &dev, &ret))
		return ret;
	/* The person signed in once (POST /v1/session, argon2id there, with
	 * its lockout); each report checks the session only. */
	if (!session || !*session)
		return fail(c, rq, 401, "no_session", "X-Frontdesk-Session",
			    "reports over all hubs need a supervisor's session: sign in with POST "
			    "/v1/session, then send X-Frontdesk-Session");
	err_clear(&e);
	switch (pg_session_check(db, &dev, session, "supervisor", user, sizeof user, &e)) {
	case STATUS_OK:
		break;
	case STATUS_DENIED:
		if (user[0])
			return fail(c, rq, 403, "not_supervisor", "X-Frontdesk-Session",
				    "reports over all hubs are for supervisors and administrators; an "
				    "advisor sees their own figures at their desk");
		return fail(c, rq, 401, "bad_session", "X-Frontdesk-Session",
			    "that session is not open at this device (ended, expired, or its user "
			    "disabled); sign in again");
	default:
		return db_failure(c, rq, &e);
	}
	kind = report_kind_find(name);
	if (kind < 0)
		return fail(c, rq, 404, "not_found", "",
			    "no such report; use referrals, fcr, channels, failure, signposting, "
			    "cost or cases");
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, report_arg_check, &ck);
	if (ck.why)
		return fail(c, rq, 422, strstr(ck.why, "takes") ? "unknown_field" : "invalid", ck.bad,
			    ck.why);
	if (report_settings_check(c, db, &field, msg, sizeof msg))
		return fail(c, rq, 422, "invalid", field, msg);
	q.kind = (enum report_kind)kind;
	arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	if (!arg || date_parse(arg, &q.from, "from", &e) != STATUS_OK)
		return fail(c, rq, 422, "wrong_type", "from", "from must be a date, YYYY-MM-DD");
	arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to");
	if (!arg || date_parse(arg, &q.to, "to", &e) != STATUS_OK)
		return fail(c, rq, 422, "wrong_type", "to", "to must be a date, YYYY-MM-DD");
	arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "by");
	if (arg) {
		by = report_by_find(arg);
		if (by < 0)
			return fail(c, rq, 422, "wrong_type", "by",
				    "by must be service, team, site, advisor, channel, reason, day, "
				    "week or month");
		q.by = (enum report_by)by;
	}
	q.site = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "site");
	pg_report_source(&pr, &src);
	err_clear(&e);
	switch (report_run(&src, &viewer, &q, &t, &e)) {
	case STATUS_OK:
		break;
	case STATUS_USAGE:
	case STATUS_INVALID:
		return fail(c, rq, 422, "invalid", "", e.msg);
	default:
		return db_failure(c, rq, &e);
	}
	j = report_table_json(t, &q, "all hubs");
	report_table_free(t);
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	json_decref(j);
	if (!text)
		die("out of memory encoding JSON");
	fprintf(stderr, "frontdeskd: report %s over all hubs for %s at device %s\n", name, user,
		dev.code);
	return send_body(c, rq, 200, text, NULL);
}

/* GET /v1/audit/head: the device's acknowledged audit head, so a desk can
 * compare its trail with the server's copy while online. */
static enum MHD_Result route_audit_head(struct MHD_Connection *c, struct request *rq)
{
	enum MHD_Result ret = MHD_NO;
	struct device_auth dev;
	struct pg *db = worker_db();
	char hash[65];
	long long seq;
	struct err e;
	json_t *j;

	if (!db)
		return fail(c, rq, 503, "unavailable", "",
			    "the database is not answering; try again shortly");
	if (authenticate(c, rq, db, "console", &dev, &ret))
		return ret;
	err_clear(&e);
	if (pg_audit_head(db, dev.id, &seq, hash, &e) != STATUS_OK)
		return db_failure(c, rq, &e);
	j = json_pack("{s:I, s:s?}", "seq", (json_int_t)seq, "hash", seq > 0 ? hash : NULL);
	return send_json(c, rq, 200, j);
}

static enum MHD_Result dispatch(struct MHD_Connection *c, struct request *rq, const char *url,
				const char *method)
{
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	bool reports = !strncmp(url, "/v1/reports/", 12);
	struct pg *db;

	if (rq->too_big)
		return fail(c, rq, 413, "too_big", "", "the body is larger than the server takes");
	if (!strcmp(url, "/healthz"))
		return get ? route_healthz(c, rq) : fail(c, rq, 405, "method", "", "use GET");
	if (!strcmp(url, "/v1/session")) {
		bool del = !strcmp(method, "DELETE");

		if (!post && !del)
			return fail(c, rq, 405, "method", "", "use POST or DELETE");
		db = worker_db();
		if (!db)
			return fail(c, rq, 503, "unavailable", "",
				    "the database is not answering; try again shortly");
		return del ? route_session_end(c, rq, db) : route_session_open(c, rq, db);
	}
	if (!strcmp(url, "/v1/audit/head"))
		return get ? route_audit_head(c, rq) : fail(c, rq, 405, "method", "", "use GET");
	if (strcmp(url, "/v1/enrol") && strcmp(url, "/v1/push") && strcmp(url, "/v1/pull") &&
	    strcmp(url, "/v1/pull/problems") && strncmp(url, "/v1/case/", 9) && !reports)
		return fail(c, rq, 404, "not_found", "", "no such endpoint; see man frontdesk-sync");
	if (((!strcmp(url, "/v1/pull") || reports) && !get) ||
	    (strcmp(url, "/v1/pull") && !reports && !post))
		return fail(c, rq, 405, "method", "", get ? "use POST" : "use GET");
	db = worker_db();
	if (!db)
		return fail(c, rq, 503, "unavailable", "",
			    "the database is not answering; try again shortly");
	if (!strcmp(url, "/v1/enrol"))
		return route_enrol(c, rq, db);
	if (!strcmp(url, "/v1/push"))
		return route_push(c, rq, db);
	if (!strcmp(url, "/v1/pull"))
		return route_pull(c, rq, db);
	if (!strcmp(url, "/v1/pull/problems"))
		return route_pull_problems(c, rq, db);
	if (reports)
		return route_report(c, rq, db, url + 12);
	{
		const char *ref = url + 9, *slash = strchr(ref, '/');
		char r[40];

		if (!slash || strcmp(slash, "/status") != 0 || (size_t)(slash - ref) >= sizeof r)
			return fail(c, rq, 404, "not_found", "", "use POST /v1/case/REF/status");
		memcpy(r, ref, (size_t)(slash - ref));
		r[slash - ref] = '\0';
		return route_case(c, rq, db, r);
	}
}

/* Every endpoint but these needs a device token. */
static bool needs_token(const char *url)
{
	return strcmp(url, "/healthz") != 0 && strcmp(url, "/v1/enrol") != 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)version;
	if (!rq) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		unsigned long long length = cl ? strtoull(cl, NULL, 10) : 0;
		enum MHD_Result ret;
		struct pg *db;

		rq = xcalloc(1, sizeof *rq);
		rq->t0 = now_ms();
		rq->guard = ci ? ci->socket_context : NULL;
		guard_headers_in(rq->guard);
		buf_init(&rq->body, SERVER_BODY_MAX);
		snprintf(rq->method, sizeof rq->method, "%s", method);
		snprintf(rq->path, sizeof rq->path, "%s", url);
		*con_cls = rq;
		atomic_fetch_add(&g_inflight, 1);
		/* Refuse an oversized body before reading any of it. */
		if (length > SERVER_BODY_MAX) {
			rq->too_big = true;
			return fail(c, rq, 413, "too_big", "",
				    "the body is larger than the server takes (2 MiB)");
		}
		/* Who is asking, before any body is read: an unknown token
		 * never gets a byte buffered. */
		if (needs_token(url)) {
			db = worker_db();
			if (!db)
				return fail(c, rq, 503, "unavailable", "",
					    "the database is not answering; try again shortly");
			if (identify(c, rq, db, &ret))
				return ret;
		}
		if (length > 0) {
			if (!guard_body_take((size_t)length))
				return fail(c, rq, 503, "busy", "",
					    "the server is taking in as much as it can; try again shortly");
			rq->taken = (size_t)length;
		}
		return MHD_YES;
	}
	if (*upload_size) {
		rq->received += *upload_size;
		/* A body without a length takes the budget as it comes. */
		if (!rq->busy && rq->received > rq->taken) {
			if (guard_body_take(rq->received - rq->taken))
				rq->taken = rq->received;
			else
				rq->busy = true;
		}
		if (!rq->too_big && !rq->busy &&
		    buf_add(&rq->body, upload, *upload_size) != STATUS_OK) {
			rq->too_big = true;
			buf_release(&rq->body);
		}
		*upload_size = 0;
		return rq->received > DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (rq->status)
		return MHD_YES;
	guard_handling(rq->guard);
	if (rq->busy)
		return fail(c, rq, 503, "busy", "",
			    "the server is taking in as much as it can; try again shortly");
	return dispatch(c, rq, url, method);
}

/* Connections from accept to close, for the guard's deadlines. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		*socket_context = ci ? guard_open(ci->connect_fd) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		guard_close(*socket_context);
		*socket_context = NULL;
	}
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;
	char line[300], when[32];
	int n;

	(void)cls;
	(void)c;
	if (!rq)
		return;
	time_format_utc(clock_now_ms(), when, sizeof when);
	n = snprintf(line, sizeof line, "%s %s %s %d in=%zu out=%zu %.1fms device=%s%s\n", when,
		     rq->method, rq->path, rq->status ? rq->status : 0, rq->received, rq->sent,
		     now_ms() - rq->t0, rq->device[0] ? rq->device : "-",
		     toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
	if (n > 0) {
		ssize_t w = write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);

		(void)w;
	}
	buf_release(&rq->body);
	guard_body_give(rq->taken);
	guard_request_done(rq->guard);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&g_inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("frontdeskd: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Room for every connection the server takes, and then some: the soft
 * limit on open files up to the hard one. */
static void raise_file_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max &&
	    rl.rlim_cur < CONNECTION_LIMIT + 1024) {
		rl.rlim_cur = rl.rlim_max < CONNECTION_LIMIT + 1024 ? rl.rlim_max
								     : CONNECTION_LIMIT + 1024;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static char *read_file(const char *path, const char *what)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (!f) {
		fprintf(stderr, "frontdeskd: cannot read %s '%s': %s\n", what, path, strerror(errno));
		return NULL;
	}
	buf_init(&b, 1u << 20);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_add(&b, chunk, n) != STATUS_OK) {
			fprintf(stderr, "frontdeskd: %s '%s' is too big\n", what, path);
			fclose(f);
			buf_release(&b);
			return NULL;
		}
	fclose(f);
	return buf_detach(&b);
}

int server_serve(const struct serve_options *o)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	char host[128];
	int port, sig;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	char *cert = NULL, *key = NULL;
	sigset_t set;
	struct err e;
	struct pg *probe;
	bool tls = o->tls_cert || o->tls_key;
	unsigned per_client = o->per_client ? o->per_client : 32;

	memset(&ss, 0, sizeof ss);
	if (!server_listen_parse(o->listen, host, sizeof host, &port)) {
		fprintf(stderr, "frontdeskd: --listen '%s' is not ADDR:PORT, e.g. 127.0.0.1:8443\n",
			o->listen ? o->listen : "");
		return 2;
	}
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		fprintf(stderr, "frontdeskd: --listen needs an IP address, not '%s'\n", host);
		return 2;
	}
	if (tls && !(o->tls_cert && o->tls_key)) {
		fprintf(stderr, "frontdeskd: give both --tls-cert and --tls-key\n");
		return 2;
	}
	if (!tls && !o->insecure_http && !server_host_is_loopback(host)) {
		fprintf(stderr,
			"frontdeskd: refusing plain HTTP on %s, which is not this machine; give "
			"--tls-cert and --tls-key (or --insecure-http behind a TLS proxy)\n",
			host);
		return 2;
	}
	if (tls) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fprintf(stderr, "frontdeskd: this libmicrohttpd has no TLS support\n");
			return 1;
		}
		cert = read_file(o->tls_cert, "certificate");
		key = cert ? read_file(o->tls_key, "key") : NULL;
		if (!cert || !key) {
			free(cert);
			free(key);
			return 1;
		}
		flags |= MHD_USE_TLS;
	}
	g_conninfo = o->conninfo;
	err_clear(&e);
	/* It holds the keys every personal value is sealed under: no core
	 * dump, and no other process of this user may read its memory. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	g_vault = vault_open(o->keys, &e);
	probe = g_vault ? pg_connect(o->conninfo, &e) : NULL;
	if (probe) {
		size_t again;

		/* Erased is erased, whatever backup the key store came from. */
		pg_use_vault(probe, g_vault);
		if (pg_keys_check(probe, &e) || pg_erasures_shred(probe, &again, &e)) {
			pg_close(probe);
			probe = NULL;
		} else if (again) {
			fprintf(stderr,
				"frontdeskd: shredded again the keys of %zu erased customers (was the "
				"key store restored from a backup?)\n",
				again);
		}
	}
	if (!probe) {
		fprintf(stderr, "frontdeskd: %s\n", e.msg);
		free(cert);
		free(key);
		vault_close(g_vault);
		g_vault = NULL;
		return 1;
	}
	pg_close(probe);

	raise_file_limit();
	if (!guard_start(o->header_timeout_s ? o->header_timeout_s : 10,
			 o->request_timeout_s ? o->request_timeout_s : 120,
			 (size_t)(o->body_budget_mib ? o->body_budget_mib : 256) << 20)) {
		fprintf(stderr, "frontdeskd: cannot start the connection guard\n");
		free(cert);
		free(key);
		vault_close(g_vault);
		return 1;
	}
	/* Workers inherit this mask; the main thread waits for the signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (tls)
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
				     (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
				     (unsigned)o->threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				     MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
				     MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_client,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				     MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
				     MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
				     (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
				     (unsigned)o->threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				     MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
				     MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_client,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "frontdeskd: cannot listen on %s: %s\n", o->listen, strerror(errno));
		guard_stop();
		free(cert);
		free(key);
		vault_close(g_vault);
		return 1;
	}
	fprintf(stderr, "frontdeskd: listening on %s (%s, %d workers)\n", o->listen,
		tls ? "https" : "plain http", o->threads);
	do {
		if (sigwait(&set, &sig) != 0)
			sig = SIGTERM;
	} while (sig != SIGTERM && sig != SIGINT);
	fprintf(stderr, "frontdeskd: %s: finishing requests in flight\n",
		sig == SIGTERM ? "SIGTERM" : "SIGINT");
	MHD_quiesce_daemon(d);
	for (int i = 0; i < 300 && atomic_load(&g_inflight) > 0; i++) {
		struct timespec ts = { 0, 100000000L };

		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(d);
	guard_stop();
	pthread_mutex_lock(&g_conns_mu);
	for (int i = 0; i < g_nconns; i++)
		pg_close(g_conns[i]);
	g_nconns = 0;
	pthread_mutex_unlock(&g_conns_mu);
	vault_close(g_vault);
	g_vault = NULL;
	free(cert);
	free(key);
	fprintf(stderr, "frontdeskd: stopped\n");
	return 0;
}
