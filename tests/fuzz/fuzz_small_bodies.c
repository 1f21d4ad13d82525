/*
 * libFuzzer target for the small request bodies frontdeskd takes: POST
 * /v1/session ({"login", "password"}) and POST /v1/pull/problems (the
 * changes a desk kept aside). The first byte picks which; the rest is the
 * body as frontdeskd reads it (server_json_parse), then its check
 * (server_session_body, server_problems_body).
 *
 * Checks, beyond "no crash, no leak": a refusal always carries a 4xx
 * status, a code and a valid JSON error body; an accepted session has a
 * login of 1-40 bytes and a password of 1..PASSWORD_MAX bytes; an accepted
 * list holds 1..SERVER_PROBLEMS_MAX objects, each with an integer cursor
 * and the three strings within their bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "frontdesk/server.h"

#define PASSWORD_MAX 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const struct server_error *err)
{
	char *s;
	json_t *j;

	if (err->http < 400 || err->http > 499 || err->code[0] == '\0')
		abort();
	s = server_error_json(err);
	j = json_loads(s, 0, NULL);
	if (!j || !json_is_string(json_object_get(j, "code")) ||
	    !json_is_string(json_object_get(j, "error")))
		abort();
	json_decref(j);
	free(s);
}

static void check_problems(const json_t *arr)
{
	size_t i;
	json_t *p;

	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > SERVER_PROBLEMS_MAX)
		abort();
	json_array_foreach(arr, i, p)
	{
		const json_t *type = json_object_get(p, "type"), *id = json_object_get(p, "id");
		const json_t *reason = json_object_get(p, "reason");

		if (!json_is_object(p) || json_object_size(p) != 4 ||
		    !json_is_integer(json_object_get(p, "cursor")) || !json_is_string(type) ||
		    !json_is_string(id) || !json_is_string(reason) ||
		    json_string_length(type) == 0 || json_string_length(type) > 40 ||
		    json_string_length(id) > 100 || json_string_length(reason) == 0 ||
		    json_string_length(reason) > 512)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_error err;
	json_t *j, *arr = NULL;
	const char *login = NULL, *password = NULL;
	bool ok;

	if (size < 1 || size > SERVER_BODY_MAX)
		return 0;
	memset(&err, 0, sizeof err);
	j = server_json_parse((const char *)data + 1, size - 1, &err);
	if (!j) {
		check_error(&err);
		return 0;
	}
	if (data[0] & 1) {
		ok = server_problems_body(j, &arr, &err);
		if (ok)
			check_problems(arr);
	} else {
		ok = server_session_body(j, PASSWORD_MAX, &login, &password, &err);
		if (ok && (!login || !password || !*login || strlen(login) > 40 || !*password ||
			   strlen(password) > PASSWORD_MAX))
			abort();
	}
	if (!ok)
		check_error(&err);
	json_decref(j);
	return 0;
}
