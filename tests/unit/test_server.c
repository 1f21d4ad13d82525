/*
 * Unit tests for the server's request handling without a socket or a
 * database: gzip, strict JSON, the push envelope, record checks, listening
 * addresses. Degenerate inputs first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "frontdesk/server.h"

static json_t *parse(const char *s, struct server_error *err)
{
	return server_json_parse(s, strlen(s), err);
}

static void test_json_parse(void **state)
{
	struct server_error err;
	json_t *j;

	(void)state;
	assert_null(parse("", &err));
	assert_int_equal(err.http, 400);
	assert_null(parse("{\"a\": [}", &err));
	assert_string_equal(err.code, "bad_json");
	assert_null(parse("[1, 2]", &err));
	assert_null(parse("{\"a\": 1, \"a\": 2}", &err));
	assert_string_equal(err.code, "bad_json");
	assert_null(server_json_parse("{\"a\": \"\xff\"}", 10, &err));
	assert_string_equal(err.code, "bad_utf8");
	assert_null(parse("{\"a\": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", &err));
	assert_string_equal(err.code, "too_deep");
	/* Brackets inside strings do not count as depth. */
	j = parse("{\"a\": \"[[[[[[[[[[[[[[[[[[[[[[[[\\\"{{{{\"}", &err);
	assert_non_null(j);
	json_decref(j);
	assert_true(server_json_depth_ok("[[]]", 4, 2));
	assert_false(server_json_depth_ok("[[[]]]", 6, 2));
}

static void test_gzip_roundtrip(void **state)
{
	struct server_error err;
	struct buf z, plain, small;
	const char *text = "{\"changes\": []}";

	(void)state;
	buf_init(&z, 1 << 20);
	buf_init(&plain, 1 << 20);
	buf_init(&small, 4);
	assert_true(server_gzip(text, strlen(text), &z));
	assert_true(server_gunzip(z.data, z.len, &plain, &err));
	assert_string_equal(buf_str(&plain), text);
	assert_false(server_gunzip(z.data, z.len, &small, &err));
	assert_int_equal(err.http, 413);
	buf_reset(&plain);
	assert_false(server_gunzip("not gzip at all", 15, &plain, &err));
	assert_int_equal(err.http, 400);
	buf_reset(&plain);
	assert_false(server_gunzip(z.data, z.len / 2, &plain, &err));
	assert_int_equal(err.http, 400);
	buf_release(&z);
	buf_release(&plain);
	buf_release(&small);
}

static bool push_parse(const char *s, struct server_error *err)
{
	struct push_batch b;
	json_t *j = parse(s, err);
	bool ok;

	assert_non_null(j);
	ok = server_push_parse(j, &b, err);
	server_push_release(&b);
	return ok;
}

static void test_push_envelope(void **state)
{
	struct server_error err;
	struct push_batch b;
	json_t *j;

	(void)state;
	assert_false(push_parse("{}", &err));
	assert_string_equal(err.field, "changes");
	assert_false(push_parse("{\"changes\": 5}", &err));
	assert_int_equal(err.http, 422);
	assert_string_equal(err.code, "wrong_type");
	assert_false(push_parse("{\"changes\": [], \"extra\": 1}", &err));
	assert_string_equal(err.code, "unknown_field");
	assert_string_equal(err.field, "extra");
	assert_false(push_parse("{\"changes\": []}", &err));
	assert_false(push_parse("{\"changes\": [{\"seq\": \"1\", \"type\": \"contact\", \"op\": "
				"\"insert\", \"id\": \"x\", \"body\": {}}]}",
				&err));
	assert_string_equal(err.field, "changes[0].seq");
	assert_false(push_parse("{\"changes\": [{\"seq\": 2, \"type\": \"contact\", \"op\": "
				"\"insert\", \"id\": \"x\", \"body\": {}}, {\"seq\": 1, \"type\": "
				"\"contact\", \"op\": \"insert\", \"id\": \"y\", \"body\": {}}]}",
				&err));
	assert_string_equal(err.field, "changes[1].seq");
	assert_false(push_parse("{\"changes\": [{\"seq\": 1, \"type\": \"contact\", \"op\": "
				"\"insert\", \"id\": \"x\", \"body\": [], \"more\": 1}]}",
				&err));
	assert_string_equal(err.field, "changes[0].more");
	j = parse("{\"changes\": [{\"seq\": 1, \"type\": \"contact\", \"op\": \"insert\", \"id\": "
		  "\"x\", \"body\": {}}]}",
		  &err);
	assert_true(server_push_parse(j, &b, &err));
	assert_int_equal(b.n, 1);
	assert_int_equal(b.changes[0].seq, 1);
	assert_string_equal(b.changes[0].type, "contact");
	assert_int_equal(b.after, 0);
	server_push_release(&b);
	/* "after": the batch this one follows, below its first seq */
	j = parse("{\"after\": 6, \"changes\": [{\"seq\": 7, \"type\": \"contact\", \"op\": "
		  "\"insert\", \"id\": \"x\", \"body\": {}}]}",
		  &err);
	assert_true(server_push_parse(j, &b, &err));
	assert_int_equal(b.after, 6);
	server_push_release(&b);
	assert_false(push_parse("{\"after\": 7, \"changes\": [{\"seq\": 7, \"type\": \"contact\", "
				"\"op\": \"insert\", \"id\": \"x\", \"body\": {}}]}",
				&err));
	assert_int_equal(err.http, 422);
	assert_string_equal(err.field, "changes[0].seq");
	assert_false(push_parse("{\"after\": -1, \"changes\": [{\"seq\": 7, \"type\": "
				"\"contact\", \"op\": \"insert\", \"id\": \"x\", \"body\": {}}]}",
				&err));
	assert_string_equal(err.field, "after");
	assert_false(push_parse("{\"after\": 1.5, \"changes\": [{\"seq\": 7, \"type\": "
				"\"contact\", \"op\": \"insert\", \"id\": \"x\", \"body\": {}}]}",
				&err));
	assert_string_equal(err.field, "after");
	assert_string_equal(err.code, "wrong_type");
}

static void test_push_too_many(void **state)
{
	struct server_error err;
	struct push_batch b;
	json_t *arr = json_array(), *root = json_object();

	(void)state;
	for (int i = 1; i <= SERVER_PUSH_MAX + 1; i++)
		json_array_append_new(arr, json_pack("{s:i, s:s, s:s, s:s, s:{}}", "seq", i, "type",
						     "contact", "op", "insert", "id", "x", "body"));
	json_object_set_new(root, "changes", arr);
	assert_false(server_push_parse(root, &b, &err));
	assert_int_equal(err.http, 413);
	server_push_release(&b);
}

static bool only_hub(void *ctx, const char *kind, const char *code)
{
	(void)ctx;
	if (!strcmp(kind, "site"))
		return !strcmp(code, "hub");
	return strcmp(code, "fax") != 0;
}

static bool check_change(const char *type, const char *body, char *msg, size_t msgsz)
{
	struct server_error err;
	json_t *b = parse(body, &err);
	struct push_change c = { 1, type,
				 strcmp(type, "customer") && strcmp(type, "user") ? "insert" : "upsert",
				 "01900000-0000-7000-8000-000000000001", b, NULL };
	struct server_codes codes = { only_hub, NULL };
	struct customer *cu = NULL;
	bool ok;

	assert_non_null(b);
	ok = server_change_check(&c, &codes, &cu, msg, msgsz);
	customer_free(cu);
	json_decref(b);
	return ok;
}

#define VISIT_OK                                                                               \
	"{\"id\": \"01900000-0000-7000-8000-000000000001\", \"site\": \"hub\", \"channel\": "    \
	"\"phone\", \"advisor\": \"cli:a\", \"started_at\": \"2026-11-20T10:00:00.000Z\"}"

static void test_record_checks(void **state)
{
	char msg[300];

	(void)state;
	assert_true(check_change("visit", VISIT_OK, msg, sizeof msg));
	assert_false(check_change("spaceship", VISIT_OK, msg, sizeof msg));
	assert_non_null(strstr(msg, "spaceship"));
	assert_false(check_change("visit",
				  "{\"id\": \"01900000-0000-7000-8000-000000000001\", \"site\": "
				  "\"mars\", \"channel\": \"phone\", \"advisor\": \"a\", "
				  "\"started_at\": \"2026-11-20T10:00:00.000Z\"}",
				  msg, sizeof msg));
	assert_non_null(strstr(msg, "unknown site code 'mars'"));
	assert_false(check_change("visit",
				  "{\"id\": \"01900000-0000-7000-8000-000000000001\", \"site\": "
				  "\"hub\", \"channel\": 7, \"advisor\": \"a\", "
				  "\"started_at\": \"2026-11-20T10:00:00.000Z\"}",
				  msg, sizeof msg));
	assert_non_null(strstr(msg, "channel must be a string"));
	assert_false(check_change("visit",
				  "{\"id\": \"01900000-0000-7000-8000-000000000001\", \"site\": "
				  "\"hub\", \"channel\": \"phone\", \"advisor\": \"a\", "
				  "\"started_at\": \"yesterday\"}",
				  msg, sizeof msg));
	assert_non_null(strstr(msg, "started_at"));
	assert_false(check_change("visit",
				  "{\"id\": \"01900000-0000-7000-8000-000000000001\", \"site\": "
				  "\"hub\", \"channel\": \"phone\", \"advisor\": \"a\", "
				  "\"started_at\": \"2026-11-20T10:00:00.000Z\", \"colour\": 1}",
				  msg, sizeof msg));
	assert_non_null(strstr(msg, "colour"));
	assert_false(check_change("visit",
				  "{\"id\": \"01900000-0000-7000-8000-000000000002\", \"site\": "
				  "\"hub\", \"channel\": \"phone\", \"advisor\": \"a\", "
				  "\"started_at\": \"2026-11-20T10:00:00.000Z\"}",
				  msg, sizeof msg));
	assert_non_null(strstr(msg, "id differs"));
	assert_true(check_change("customer",
				 "{\"id\": \"01900000-0000-7000-8000-000000000001\", \"fields\": "
				 "{\"name\": \"Ann\"}, \"hlc\": {\"name\": \"1767225600000-0000-A\"}}",
				 msg, sizeof msg));
	assert_false(check_change("customer",
				  "{\"id\": \"01900000-0000-7000-8000-000000000001\", \"fields\": "
				  "{\"name\": \"Ann\", \"preferred_channel\": \"fax\"}, \"hlc\": {}}",
				  msg, sizeof msg));
	assert_false(check_change("customer",
				  "{\"id\": \"01900000-0000-7000-8000-000000000001\", \"fields\": "
				  "{\"phone\": \"07700 900123\"}, \"hlc\": {}}",
				  msg, sizeof msg));
	assert_non_null(strstr(msg, "name is required"));
}

/* Privileged acts need a person (issue 13): the change-level session is
 * taken apart from the body, and never becomes part of it. */
static void test_push_session(void **state)
{
	struct server_error err;
	struct push_batch b;
	json_t *j;

	(void)state;
	j = parse("{\"changes\": [{\"seq\": 1, \"type\": \"user\", \"op\": \"upsert\", \"id\": "
		  "\"x\", \"body\": {}, \"session\": \"fds_abc\"}, {\"seq\": 2, \"type\": "
		  "\"contact\", \"op\": \"insert\", \"id\": \"y\", \"body\": {}}]}",
		  &err);
	assert_true(server_push_parse(j, &b, &err));
	assert_string_equal(b.changes[0].session, "fds_abc");
	assert_null(json_object_get(b.changes[0].body, "session"));
	assert_null(b.changes[1].session);
	server_push_release(&b);
	assert_false(push_parse("{\"changes\": [{\"seq\": 1, \"type\": \"user\", \"op\": "
				"\"upsert\", \"id\": \"x\", \"body\": {}, \"session\": 7}]}",
				&err));
	assert_string_equal(err.field, "changes[0].session");
	assert_string_equal(err.code, "wrong_type");
	assert_false(push_parse("{\"changes\": [{\"seq\": 1, \"type\": \"user\", \"op\": "
				"\"upsert\", \"id\": \"x\", \"body\": {}, \"session\": \"\"}]}",
				&err));
	assert_string_equal(err.field, "changes[0].session");
}

#define USER_OK(role, hash)                                                                   \
	"{\"id\": \"01900000-0000-7000-8000-000000000001\", \"login\": \"jsmith\", "        \
	"\"display_name\": null, \"role\": \"" role "\", \"password_hash\": \"" hash "\", "   \
	"\"disabled\": true, \"created_at\": \"2026-11-20T10:00:00.000Z\", "                 \
	"\"updated_at\": \"2026-11-20T10:00:00.000Z\"}"

static void test_user_change(void **state)
{
	char msg[300];

	(void)state;
	assert_true(check_change("user", USER_OK("admin", "$argon2id$v=19$m=65536,t=2,p=1$x$y"),
				 msg, sizeof msg));
	assert_false(check_change("user", USER_OK("root", "$argon2id$v=19$x"), msg, sizeof msg));
	assert_non_null(strstr(msg, "role must be advisor, supervisor or admin"));
	assert_false(check_change("user", USER_OK("admin", "plain-text-password"), msg,
				  sizeof msg));
	assert_non_null(strstr(msg, "argon2id"));
	assert_null(strstr(msg, "plain-text-password"));
	assert_false(check_change("user",
				  "{\"id\": \"01900000-0000-7000-8000-000000000001\", \"login\": "
				  "\"Bad Login\", \"role\": \"admin\", \"disabled\": false, "
				  "\"created_at\": \"2026-11-20T10:00:00.000Z\", "
				  "\"updated_at\": \"2026-11-20T10:00:00.000Z\"}",
				  msg, sizeof msg));
	assert_non_null(strstr(msg, "login"));
	/* disabled is required: a user change says whether the user may sign in */
	assert_false(check_change("user",
				  "{\"id\": \"01900000-0000-7000-8000-000000000001\", \"login\": "
				  "\"jsmith\", \"role\": \"admin\", "
				  "\"created_at\": \"2026-11-20T10:00:00.000Z\", "
				  "\"updated_at\": \"2026-11-20T10:00:00.000Z\"}",
				  msg, sizeof msg));
	assert_non_null(strstr(msg, "disabled is required"));
}

static void test_roles(void **state)
{
	(void)state;
	assert_false(server_role_at_least(NULL, "admin"));
	assert_false(server_role_at_least("", "advisor"));
	assert_false(server_role_at_least("root", "advisor"));
	assert_false(server_role_at_least("advisor", "supervisor"));
	assert_false(server_role_at_least("supervisor", "admin"));
	assert_true(server_role_at_least("supervisor", "supervisor"));
	assert_true(server_role_at_least("admin", "supervisor"));
	assert_true(server_role_at_least("admin", "admin"));
}

static void test_listen(void **state)
{
	char host[64];
	int port;

	(void)state;
	assert_false(server_listen_parse(NULL, host, sizeof host, &port));
	assert_false(server_listen_parse("", host, sizeof host, &port));
	assert_false(server_listen_parse("127.0.0.1", host, sizeof host, &port));
	assert_false(server_listen_parse("127.0.0.1:99999", host, sizeof host, &port));
	assert_false(server_listen_parse("::1:80", host, sizeof host, &port));
	assert_true(server_listen_parse("127.0.0.1:8443", host, sizeof host, &port));
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8443);
	assert_true(server_listen_parse("[::1]:80", host, sizeof host, &port));
	assert_string_equal(host, "::1");
	assert_true(server_host_is_loopback("127.0.0.1"));
	assert_true(server_host_is_loopback("127.1.2.3"));
	assert_true(server_host_is_loopback("::1"));
	assert_true(server_host_is_loopback("localhost"));
	assert_false(server_host_is_loopback("0.0.0.0"));
	assert_false(server_host_is_loopback("192.168.1.2"));
	assert_false(server_host_is_loopback("::"));
	assert_false(server_host_is_loopback(NULL));
}

static void test_error_json(void **state)
{
	struct server_error err;
	char *s;

	(void)state;
	server_error_set(&err, 422, "wrong_type", "changes[0].seq", "seq must be %s", "a number");
	s = server_error_json(&err);
	assert_string_equal(s, "{\"error\":\"seq must be a number\",\"code\":\"wrong_type\","
			       "\"field\":\"changes[0].seq\"}");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_parse),
		cmocka_unit_test(test_gzip_roundtrip),
		cmocka_unit_test(test_push_envelope),
		cmocka_unit_test(test_push_too_many),
		cmocka_unit_test(test_record_checks),
		cmocka_unit_test(test_push_session),
		cmocka_unit_test(test_user_change),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_error_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
