/*
 * route_audit.c — GET /v1/audit/head: the audit head the server holds for
 * the device, so a desk can compare its trail with the server's copy while
 * online.
 */
#include "route.h"

enum MHD_Result route_audit_head(struct route_call *rc)
{
	char hash[65];
	long long seq;
	struct err e;
	json_t *j;

	err_clear(&e);
	if (pg_audit_head(rc->db, rc->dev.id, &seq, hash, &e) != STATUS_OK)
		return http_db_failure(rc->c, rc->rq, &e);
	j = json_pack("{s:I, s:s?}", "seq", (json_int_t)seq, "hash", seq > 0 ? hash : NULL);
	return http_send_json(rc->c, rc->rq, 200, j);
}
