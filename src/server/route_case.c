/*
 * route_case.c — POST /v1/case/REF/status: a back-office system moves a
 * case on (status, note, result) under the desks' case rules; every desk
 * gets the change at its next pull.
 */
#include <stdio.h>
#include <string.h>

#include "route.h"

enum MHD_Result route_case(struct route_call *rc)
{
	struct MHD_Connection *c = rc->c;
	struct request *rq = rc->rq;
	struct pg *db = rc->db;
	enum MHD_Result ret = MHD_NO;
	json_t *j, *status, *note, *result;
	char actor[48], ref[40];
	struct err e;
	enum status st;

	snprintf(ref, sizeof ref, "%s", rc->param);
	for (char *p = ref; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	if (!case_reference_valid(ref))
		return http_fail(c, rq, 404, "not_found", "reference",
				 "that is not a case reference");
	j = http_request_json(c, rq, &ret);
	if (!j)
		return ret;
	{
		static const char *const known[] = {"status", "note", "result", NULL};

		if (http_only_members(c, rq, j, known,
				      "a case update takes status, note and result", &ret))
			return ret;
	}
	status = json_object_get(j, "status");
	note = json_object_get(j, "note");
	if (!json_is_string(status)) {
		json_decref(j);
		return http_fail(c, rq, 422, status ? "wrong_type" : "missing", "status",
				 "status must be a case status");
	}
	if (note && !json_is_string(note) && !json_is_null(note)) {
		json_decref(j);
		return http_fail(c, rq, 422, "wrong_type", "note", "note must be text");
	}
	result = json_object_get(j, "result");
	if (result && !json_is_string(result) && !json_is_null(result)) {
		json_decref(j);
		return http_fail(c, rq, 422, "wrong_type", "result", "result must be text");
	}
	snprintf(actor, sizeof actor, "back-office:%s", rc->dev.code);
	err_clear(&e);
	st = pg_case_update(db, ref, json_string_value(status),
			    note ? json_string_value(note) : NULL,
			    result ? json_string_value(result) : NULL, actor, &e);
	json_decref(j);
	if (st == STATUS_NOT_FOUND)
		return http_fail(c, rq, 404, "not_found", "reference", e.msg);
	if (st == STATUS_INVALID)
		return http_fail(c, rq, 422, "invalid",
				 strstr(e.msg, "result") ? "result" : "status", e.msg);
	if (st == STATUS_DENIED)
		return http_fail(c, rq, 409, "case_closed", "status", e.msg);
	if (st)
		return http_db_failure(c, rq, &e);
	j = json_object();
	json_object_set_new(j, "ok", json_true());
	return http_send_json(c, rq, 200, j);
}
