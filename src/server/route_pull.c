/*
 * route_pull.c — GET /v1/pull (the changes after a cursor, in the server's
 * order) and POST /v1/pull/problems (the changes a desk pulled and could
 * not apply, kept per device for an administrator).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

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

static enum MHD_Result unknown_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
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

enum MHD_Result route_pull(struct route_call *rc)
{
	struct MHD_Connection *c = rc->c;
	struct request *rq = rc->rq;
	struct pg *db = rc->db;
	long long after, limit;
	char bad[48] = "";
	struct buf out;
	struct err e;

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, unknown_arg, bad);
	if (bad[0])
		return http_fail(c, rq, 422, "unknown_field", bad,
				 "pull takes only after and limit");
	if (!query_ll(c, "after", 0, INT64_MAX, 0, &after))
		return http_fail(c, rq, 422, "wrong_type", "after",
				 "after must be a cursor: a whole number, 0 or more");
	if (!query_ll(c, "limit", 1, SERVER_PULL_PAGE_MAX, SERVER_PULL_PAGE, &limit))
		return http_fail(c, rq, 422, "wrong_type", "limit", "limit must be 1 to 2000");
	buf_init(&out, 64u * 1024u * 1024u);
	err_clear(&e);
	if (pg_pull(db, &rc->dev, after, (int)limit, &out, &e) != STATUS_OK) {
		buf_release(&out);
		return http_db_failure(c, rq, &e);
	}
	return http_send_body(c, rq, 200, buf_detach(&out), NULL);
}

/*
 * POST /v1/pull/problems: the changes a desk pulled and could not apply,
 * {"problems": [{"cursor", "type", "id", "reason"}, ...]} (1 to 500, no
 * other members), kept per device (frontdeskd device list counts them).
 */
enum MHD_Result route_pull_problems(struct route_call *rc)
{
	struct MHD_Connection *c = rc->c;
	struct request *rq = rc->rq;
	struct pg *db = rc->db;
	enum MHD_Result ret = MHD_NO;
	json_t *j, *arr, *o;
	struct server_error err;
	char *text;
	struct err e;

	j = http_request_json(c, rq, &ret);
	if (!j)
		return ret;
	if (!server_problems_body(j, &arr, &err)) {
		json_decref(j);
		return http_send_error(c, rq, &err);
	}
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(j);
	if (!text)
		die("out of memory encoding JSON");
	err_clear(&e);
	if (pg_pull_problems_add(db, &rc->dev, text, &e) != STATUS_OK) {
		free(text);
		if (e.code == STATUS_INVALID)
			return http_fail(c, rq, 422, "invalid", "problems", e.msg);
		return http_db_failure(c, rq, &e);
	}
	free(text);
	o = json_object();
	json_object_set_new(o, "ok", json_true());
	return http_send_json(c, rq, 200, o);
}
