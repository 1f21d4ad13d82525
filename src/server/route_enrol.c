/*
 * route_enrol.c — POST /v1/enrol: a desk trades its one-time enrolment code
 * for a device token (of which the server keeps only a hash), and claims
 * the id and case-reference prefix it used before it was enrolled.
 */
#include <string.h>

#include <sodium.h>

#include "route.h"

enum MHD_Result route_enrol(struct route_call *rc)
{
	struct MHD_Connection *c = rc->c;
	struct request *rq = rc->rq;
	struct pg *db = rc->db;
	enum MHD_Result ret = MHD_NO;
	json_t *j = http_request_json(c, rq, &ret), *code, *o, *pid, *pcode;
	struct device_auth dev;
	char token[96];
	struct err e;
	enum status st;

	if (!j)
		return ret;
	{
		static const char *const known[] = {"code", "provisional_id", "provisional_code",
						    NULL};

		if (http_only_members(
			c, rq, j, known,
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
		return http_fail(
		    c, rq, 422, "invalid", "provisional_id",
		    "provisional_id must be the desk's device id before enrolment (a UUID)");
	}
	if (pcode &&
	    (!json_is_string(pcode) || json_string_length(pcode) != 4 ||
	     json_string_value(pcode)[0] != 'Z' ||
	     strspn(json_string_value(pcode), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != 4)) {
		json_decref(j);
		return http_fail(
		    c, rq, 422, "invalid", "provisional_code",
		    "provisional_code must be the desk's code before enrolment ('Z' and "
		    "three letters or digits)");
	}
	code = json_object_get(j, "code");
	if (!json_is_string(code) || json_string_length(code) > 40) {
		json_decref(j);
		return http_fail(c, rq, 422, code ? "wrong_type" : "missing", "code",
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
		return http_fail(c, rq, 403, "bad_enrolment", "code", e.msg);
	if (st)
		return http_db_failure(c, rq, &e);
	http_log_device(rq, dev.code);
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
	return http_send_json(c, rq, 200, o);
}
