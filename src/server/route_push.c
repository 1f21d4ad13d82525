/*
 * route_push.c — POST /v1/push: a batch of a console's outbox, applied in
 * one transaction, idempotent on (device, seq); the records the trust
 * checks refuse are answered one by one and the rest applies.
 */
#include <stdio.h>

#include "route.h"

enum MHD_Result route_push(struct route_call *rc)
{
	struct MHD_Connection *c = rc->c;
	struct request *rq = rc->rq;
	struct pg *db = rc->db;
	enum MHD_Result ret = MHD_NO;
	struct push_batch b;
	struct push_result res;
	struct server_error err;
	struct err e;
	json_t *j, *o;

	j = http_request_json(c, rq, &ret);
	if (!j)
		return ret;
	if (!server_push_parse(j, &b, &err)) {
		server_push_release(&b);
		return http_send_error(c, rq, &err);
	}
	err_clear(&e);
	if (pg_push(db, &rc->dev, &b, &res, &e) != STATUS_OK) {
		server_push_release(&b);
		if (res.out_of_order)
			return http_fail(c, rq, 409, "out_of_order", "after", e.msg);
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
			return http_send_json(c, rq, 409, o);
		}
		return http_db_failure(c, rq, &e);
	}
	server_push_release(&b);
	o = json_object();
	json_object_set_new(o, "held", json_integer(res.held));
	json_object_set(o, "refused", res.refused);
	if (res.clock_ahead_ms > 0)
		json_object_set_new(o, "clock_ahead_ms", json_integer(res.clock_ahead_ms));
	if (res.audit_seq > 0)
		json_object_set_new(o, "audit_head",
				    json_pack("{s:I, s:s}", "seq", (json_int_t)res.audit_seq,
					      "hash", res.audit_hash));
	push_result_release(&res);
	return http_send_json(c, rq, 200, o);
}
