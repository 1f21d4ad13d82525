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
#define PROBLEMS_MAX 500

static bool problem_ok(const json_t *p, char *field, size_t fsz, const char **why)
{
	static const struct {
		const char *key;
		size_t max;
	} strs[] = {{"type", 40}, {"id", 100}, {"reason", 512}};
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

enum MHD_Result route_pull_problems(struct route_call *rc)
{
	struct MHD_Connection *c = rc->c;
	struct request *rq = rc->rq;
	struct pg *db = rc->db;
	enum MHD_Result ret = MHD_NO;
	json_t *j, *arr, *o;
	json_t *v;
	char *text;
	struct err e;
	size_t i;

	j = http_request_json(c, rq, &ret);
	if (!j)
		return ret;
	{
		static const char *const known[] = {"problems", NULL};

		if (http_only_members(c, rq, j, known,
				      "a report takes only problems; see man "
				      "frontdesk-sync",
				      &ret))
			return ret;
	}

	arr = json_object_get(j, "problems");
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > PROBLEMS_MAX) {
		json_decref(j);
		return http_fail(c, rq, 422, "invalid", "problems",
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
			return http_fail(c, rq, 422, "invalid", field, why);
		}
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
