/*
 * Unit tests for the server's request handling without a socket or a
 * database: gzip, strict JSON, the push envelope, record checks, listening
 * addresses, the key store and sealed values. Degenerate inputs first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	assert_int_equal(buf_add_gzip(&z, text, strlen(text)), STATUS_OK);
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
	if (!strcmp(kind, "need")) /* the server loaded only this one */
		return !strcmp(code, "bsl");
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

	/* needs: the ones loaded, and the legacy flags records hold */
#define CUSTOMER_NEEDS(needs, basis)                                                           \
	"{\"id\": \"01900000-0000-7000-8000-000000000001\", \"fields\": {\"name\": \"Ann\", "      \
	"\"needs\": \"" needs "\", \"needs_basis\": " basis "}, \"hlc\": {}}"
	assert_true(check_change("customer", CUSTOMER_NEEDS("bsl,carer:Ann Lee,hearing", "\"consent\""),
				 msg, sizeof msg));
	assert_false(check_change("customer", CUSTOMER_NEEDS("telepathy", "\"consent\""), msg,
				  sizeof msg));
	assert_non_null(strstr(msg, "fields.needs: needs flag 'telepathy' is not known"));
	assert_false(check_change("customer", CUSTOMER_NEEDS("hearing:Ann Lee", "\"consent\""),
				  msg, sizeof msg));
	assert_null(strstr(msg, "Ann Lee"));
	assert_false(check_change("customer", CUSTOMER_NEEDS("bsl", "\"because\""), msg,
				  sizeof msg));
	assert_non_null(strstr(msg, "consent or vital-interests"));
#undef CUSTOMER_NEEDS
}

/* Privileged acts need a person: the change-level session is
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

/* ---- trust: the checks that keep a device to itself ------------------- */

#define DEV_A "01900000-0000-7000-8000-0000000000aa"
#define DEV_B "01900000-0000-7000-8000-0000000000bb"
#define PROV_A "01900000-0000-7000-8000-0000000000a0"

struct fake_user {
	const char *login;
	bool disabled;
	const char *const *sites;
	size_t nsites;
};
static const char *const only_hub_sites[] = { "hub" };
static const struct fake_user fake_users[] = {
	{ "jsmith", false, NULL, 0 },
	{ "gone", true, NULL, 0 },
	{ "hubonly", false, only_hub_sites, 1 },
};

static bool fake_find(void *ctx, const char *login, bool *disabled, const char *const **sites,
		      size_t *nsites)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof fake_users / sizeof fake_users[0]; i++)
		if (!strcmp(fake_users[i].login, login)) {
			*disabled = fake_users[i].disabled;
			*sites = fake_users[i].sites;
			*nsites = fake_users[i].nsites;
			return true;
		}
	return false;
}

static const char *owned(const char *type, const char *op, const char *id, const char *body,
			 char *msg, size_t msgsz)
{
	static const char *const sites[] = { "library", "hub" };
	static const char *const one_site[] = { "library" };
	struct server_error err;
	json_t *b = parse(body, &err);
	struct push_change c = { 7, type, op, id, b, NULL };
	struct server_device d = { DEV_A, PROV_A, "ABC", "ZQRT", sites, 2 };
	struct server_users u = { fake_find, NULL };
	const char *code;

	assert_non_null(b);
	msg[0] = '\0';
	/* the contact test with hubonly at "library" uses a one-site device */
	if (strstr(body, "\"narrow\""))
		d.sites = one_site, d.nsites = 1;
	code = server_change_owned(&c, &d, &u, msg, msgsz);
	json_decref(b);
	return code;
}

#define CONTACT(dev, site, advisor)                                                          \
	"{\"id\": \"01900000-0000-7000-8000-000000000001\", \"device_id\": \"" dev "\", "    \
	"\"site\": \"" site "\", \"advisor\": \"" advisor "\"}"

static void test_owned(void **state)
{
	const char *K = "01900000-0000-7000-8000-000000000001";
	char msg[300];

	(void)state;
	/* device ids: its own, its provisional one; never another's */
	assert_null(owned("contact", "insert", K, CONTACT(DEV_A, "hub", "cli:x"), msg, sizeof msg));
	assert_null(owned("contact", "insert", K, CONTACT(PROV_A, "hub", "cli:x"), msg, sizeof msg));
	assert_string_equal("not_yours",
			    owned("contact", "insert", K, CONTACT(DEV_B, "hub", "cli:x"), msg, sizeof msg));
	assert_non_null(strstr(msg, "device_id"));
	assert_null(strstr(msg, DEV_B));
	/* sites: any of the device's, no other */
	assert_null(owned("visit", "insert", K, CONTACT(DEV_A, "library", "cli:x"), msg, sizeof msg));
	assert_string_equal("not_yours",
			    owned("visit", "insert", K, CONTACT(DEV_A, "depot", "cli:x"), msg, sizeof msg));
	assert_non_null(strstr(msg, "site"));
	assert_null(strstr(msg, "depot"));
	/* advisors: users held, enabled, allowed at the record's site */
	assert_null(owned("contact", "insert", K, CONTACT(DEV_A, "hub", "jsmith"), msg, sizeof msg));
	assert_null(owned("contact", "insert", K, CONTACT(DEV_A, "hub", "advisor:jsmith"), msg,
			  sizeof msg));
	assert_null(owned("contact", "insert", K, CONTACT(DEV_A, "hub", "hubonly"), msg, sizeof msg));
	/* a user the server does not hold yet: the record waits for the user
	 * change that brings them (an administrator's session) */
	assert_string_equal("needs_person", owned("contact", "insert", K,
						  CONTACT(DEV_A, "hub", "advisor:nobody"), msg,
						  sizeof msg));
	assert_non_null(strstr(msg, "names no user"));
	assert_null(strstr(msg, "nobody"));
	assert_string_equal("not_yours", owned("contact", "insert", K,
					       CONTACT(DEV_A, "hub", "supervisor:gone"), msg, sizeof msg));
	assert_non_null(strstr(msg, "disabled"));
	assert_string_equal("not_yours", owned("contact", "insert", K,
					       CONTACT(DEV_A, "library", "hubonly"), msg, sizeof msg));
	assert_non_null(strstr(msg, "not allowed at"));
	/* a case event's actor: allowed at one of the device's sites */
	assert_null(owned("case_event", "insert", K,
			  "{\"id\": \"01900000-0000-7000-8000-000000000001\", \"actor\": \"hubonly\"}",
			  msg, sizeof msg));
	assert_string_equal("not_yours",
			    owned("case_event", "insert", K,
				  "{\"id\": \"x\", \"actor\": \"hubonly\", \"narrow\": 1}", msg,
				  sizeof msg));
	/* references: the device's code or its provisional one */
	assert_null(owned("case", "insert", K, "{\"reference\": \"ABC-00012\"}", msg, sizeof msg));
	assert_null(owned("case", "insert", K, "{\"reference\": \"ZQRT-00001\"}", msg, sizeof msg));
	assert_string_equal("not_yours",
			    owned("case", "insert", K, "{\"reference\": \"XYZ-00002\"}", msg, sizeof msg));
	assert_non_null(strstr(msg, "reference"));
	assert_string_equal("not_yours",
			    owned("case", "insert", K, "{\"reference\": \"ABCD-00002\"}", msg, sizeof msg));
	/* (an update names a case already held: its owner rule is elsewhere) */
	assert_null(owned("case", "update", K, "{\"reference\": \"XYZ-00002\"}", msg, sizeof msg));
	/* audit ids: "<own id>:<seq>", device_id agreeing */
	assert_null(owned("audit", "insert", DEV_A ":5", "{\"seq\": 5, \"device_id\": \"" DEV_A "\"}",
			  msg, sizeof msg));
	assert_null(owned("audit", "insert", PROV_A ":1", "{\"seq\": 1, \"device_id\": \"" PROV_A "\"}",
			  msg, sizeof msg));
	assert_string_equal("not_yours", owned("audit", "insert", DEV_B ":5",
					       "{\"seq\": 5, \"device_id\": \"" DEV_B "\"}", msg,
					       sizeof msg));
	assert_non_null(strstr(msg, "audit id space"));
	assert_string_equal("not_yours", owned("audit", "insert", DEV_A ":6",
					       "{\"seq\": 5, \"device_id\": \"" DEV_A "\"}", msg,
					       sizeof msg));
	assert_string_equal("not_yours", owned("audit", "insert", DEV_A ":5",
					       "{\"seq\": 5, \"device_id\": \"" DEV_B "\"}", msg,
					       sizeof msg));
	assert_string_equal("not_yours",
			    owned("audit", "insert", "nocolon", "{\"seq\": 5}", msg, sizeof msg));
}

static void test_advisor_login(void **state)
{
	char login[64];

	(void)state;
	assert_false(server_advisor_login("cli:root", login, sizeof login));
	assert_false(server_advisor_login("system", login, sizeof login));
	assert_true(server_advisor_login("advisor:jsmith", login, sizeof login));
	assert_string_equal("jsmith", login);
	assert_true(server_advisor_login("admin:boss", login, sizeof login));
	assert_string_equal("boss", login);
	assert_true(server_advisor_login("jsmith", login, sizeof login));
	assert_string_equal("jsmith", login);
	assert_true(server_advisor_login("robot:x", login, sizeof login));
	assert_string_equal("robot:x", login); /* no such role: the whole is looked up */
	assert_true(server_reference_prefix("ABC-00001", login, sizeof login));
	assert_string_equal("ABC", login);
	assert_false(server_reference_prefix("-00001", login, sizeof login));
	assert_false(server_reference_prefix("ABC", login, sizeof login));
}

static void test_refusal_text(void **state)
{
	struct push_change c = { 12, "contact", "insert", "01900000-0000-7000-8000-000000000001",
				 NULL, NULL };
	char out[400];

	(void)state;
	server_refusal_text(&c, "unknown outcome code 'Jo Smith 07700900123' in outcome", out,
			    sizeof out);
	assert_string_equal("contact seq 12 (id 01900000-0000-7000-8000-000000000001): unknown "
			    "outcome code (value not shown) in outcome",
			    out);
	server_refusal_text(&c, "the device's code 'Jo'", out, sizeof out);
	assert_non_null(strstr(out, "the device's code (value not shown)"));
	/* A value holding quotes of its own: none of it shown. */
	server_refusal_text(&c, "fields.postcode 'QX9 O'Vantablack' is not a UK postcode", out,
			    sizeof out);
	assert_null(strstr(out, "Vantablack"));
	assert_non_null(strstr(out, "fields.postcode (value not shown) is not a UK postcode"));
	server_refusal_text(&c, "fields.name 'O' Hara' is too long", out, sizeof out);
	assert_null(strstr(out, "Hara"));
	assert_non_null(strstr(out, "fields.name (value not shown) is too long"));
	c.type = "Jo Smith";
	c.id = "Jo Smith";
	server_refusal_text(&c, "rule", out, sizeof out);
	assert_string_equal("change seq 12 (id (not shown)): rule", out);
}

static void test_digest(void **state)
{
	struct server_error err;
	json_t *a = parse("{\"b\": 1, \"a\": \"x\"}", &err), *b = parse("{\"a\": \"x\", \"b\": 1}", &err),
	       *c = parse("{\"a\": \"y\", \"b\": 1}", &err);
	struct push_change ca = { 1, "visit", "insert", "id1", a, NULL }, cb = ca, cc = ca;
	char da[65], db[65], dc[65], dd[65];

	(void)state;
	cb.body = b;
	cc.body = c;
	server_change_digest(&ca, da);
	server_change_digest(&cb, db);
	server_change_digest(&cc, dc);
	assert_string_equal(da, db); /* key order does not matter */
	assert_string_not_equal(da, dc);
	assert_int_equal(64, strlen(da));
	/* the known value: SHA-256 of "visit\ninsert\nid1\n{\"a\":\"x\",\"b\":1}" */
	assert_string_equal("094ad55028427b8506c48f80fc2c267af1f7139c73ebf7f87cb83bc140755226", da);
	/* a customer: the body does not count */
	ca.type = cc.type = "customer";
	server_change_digest(&ca, da);
	server_change_digest(&cc, dd);
	assert_string_equal(da, dd);
	json_decref(a);
	json_decref(b);
	json_decref(c);
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

/* ---- the key store ------------------------------------------------------ */

#define CUST_A "01a25304-0000-7000-8000-00000000000a"
#define CUST_B "01a25304-0000-7000-8000-00000000000b"
#define CUST_C "01a25304-0000-7000-8000-00000000000c"
#define CUST_D "01a25304-0000-7000-8000-00000000000d"

static char *temp_keys(void)
{
	char tmpl[] = "/tmp/frontdesk-vault.XXXXXX";
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	return xasprintf("%s/keys", dir);
}

static void remove_keys(char *path)
{
	char *slash = strrchr(path, '/');

	unlink(path);
	*slash = '\0';
	rmdir(path);
	free(path);
}

/* The key of id (create or not): its state, and its bytes in out. */
static enum vault_state key_of(struct vault *v, const char *id, bool create,
			       unsigned char out[VAULT_KEY_BYTES])
{
	enum vault_state st;
	struct err e;

	err_clear(&e);
	memset(out, 0, VAULT_KEY_BYTES);
	assert_int_equal(vault_key(v, id, create, out, &st, &e), STATUS_OK);
	return st;
}

static void test_vault_keys(void **state)
{
	char *path = temp_keys();
	unsigned char a[VAULT_KEY_BYTES], a2[VAULT_KEY_BYTES], b[VAULT_KEY_BYTES],
		zero[VAULT_KEY_BYTES] = { 0 };
	struct vault *v, *w;
	struct stat st;
	struct err e;
	bool was_live;

	(void)state;
	err_clear(&e);
	v = vault_open(path, &e);
	assert_non_null(v);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Unknown without create; made with it; the same bytes after. */
	assert_int_equal(key_of(v, CUST_A, false, a), VAULT_NONE);
	assert_int_equal(key_of(v, CUST_A, true, a), VAULT_LIVE);
	assert_memory_not_equal(a, zero, VAULT_KEY_BYTES);
	assert_int_equal(key_of(v, CUST_A, true, a2), VAULT_LIVE);
	assert_memory_equal(a, a2, VAULT_KEY_BYTES);
	assert_int_equal(key_of(v, CUST_B, true, b), VAULT_LIVE);
	assert_memory_not_equal(a, b, VAULT_KEY_BYTES);
	assert_int_equal(vault_sync(v, &e), STATUS_OK);
	/* Another handle (another process) sees them, and what v adds later. */
	w = vault_open(path, &e);
	assert_non_null(w);
	assert_int_equal(key_of(w, CUST_A, false, a2), VAULT_LIVE);
	assert_memory_equal(a, a2, VAULT_KEY_BYTES);
	assert_int_equal(key_of(v, CUST_C, true, a2), VAULT_LIVE);
	assert_int_equal(key_of(w, CUST_C, false, b), VAULT_LIVE);
	assert_memory_equal(a2, b, VAULT_KEY_BYTES);
	/* A shred by one handle is seen by the other at once. */
	assert_int_equal(vault_shred(w, CUST_A, &was_live, &e), STATUS_OK);
	assert_true(was_live);
	assert_int_equal(key_of(v, CUST_A, true, a2), VAULT_SHREDDED);
	assert_int_equal(vault_shred(v, CUST_A, &was_live, &e), STATUS_OK);
	assert_false(was_live);
	/* A customer never seen, shredded: never given a key after. */
	assert_int_equal(vault_shred(v, CUST_D, &was_live, &e), STATUS_OK);
	assert_false(was_live);
	assert_int_equal(key_of(w, CUST_D, true, a2), VAULT_SHREDDED);
	vault_close(w);
	/* Reopened: the same states; the shredded key's bytes are zeros. */
	vault_close(v);
	v = vault_open(path, &e);
	assert_non_null(v);
	assert_int_equal(key_of(v, CUST_A, false, a2), VAULT_SHREDDED);
	assert_int_equal(key_of(v, CUST_B, false, a2), VAULT_LIVE);
	{
		FILE *f = fopen(path, "rb");
		unsigned char buf[4096];
		size_t n = fread(buf, 1, sizeof buf, f);
		int found = 0;

		fclose(f);
		/* No entry anywhere still holds A's old key. */
		for (size_t off = 0; off + VAULT_KEY_BYTES <= n; off++)
			found |= !memcmp(buf + off, a, VAULT_KEY_BYTES);
		assert_int_equal(found, 0);
	}
	/* Not UUIDs: refused. */
	assert_int_equal(vault_key(v, "x", true, a2, &(enum vault_state){ 0 }, &e), STATUS_INVALID);
	assert_int_equal(vault_shred(v, "", NULL, &e), STATUS_INVALID);
	vault_close(v);
	remove_keys(path);
}

static void test_vault_torn_and_foreign(void **state)
{
	char *path = temp_keys();
	unsigned char a[VAULT_KEY_BYTES], a2[VAULT_KEY_BYTES];
	struct vault *v;
	struct err e;
	FILE *f;

	(void)state;
	err_clear(&e);
	assert_null(vault_open(NULL, &e));
	assert_non_null(strstr(e.msg, "use --keys PATH or set FRONTDESKD_KEYS"));
	v = vault_open(path, &e);
	assert_int_equal(key_of(v, CUST_A, true, a), VAULT_LIVE);
	vault_close(v);
	/* A crash while appending: a partial entry at the end. */
	f = fopen(path, "ab");
	fwrite("\x01torn", 1, 5, f);
	fclose(f);
	v = vault_open(path, &e);
	assert_non_null(v);
	assert_int_equal(key_of(v, CUST_A, false, a2), VAULT_LIVE);
	assert_memory_equal(a, a2, VAULT_KEY_BYTES);
	assert_int_equal(key_of(v, CUST_B, true, a2), VAULT_LIVE);
	vault_close(v);
	v = vault_open(path, &e);
	assert_int_equal(key_of(v, CUST_B, false, a), VAULT_LIVE);
	assert_memory_equal(a, a2, VAULT_KEY_BYTES);
	vault_close(v);
	/* A torn entry that got as far as its state byte (a short write,
	 * a crash): the key made for that customer afterwards is the one
	 * found again, and a shred leaves no copy of it live. */
	{
		static const unsigned char torn[20] = { 0x01, 0xa2, 0x53, 0x04, 0, 0, 0x70, 0,
							0x80, 0, 0, 0, 0, 0, 0, 0x0c,
							0x01, 0x5a, 0x5a, 0x5a };
		unsigned char c[VAULT_KEY_BYTES], c2[VAULT_KEY_BYTES], buf[4096];
		bool was_live;
		size_t n;
		int found = 0;

		f = fopen(path, "ab");
		fwrite(torn, 1, sizeof torn, f);
		fclose(f);
		v = vault_open(path, &e);
		assert_non_null(v);
		assert_int_equal(key_of(v, CUST_C, true, c), VAULT_LIVE);
		assert_int_equal(vault_sync(v, &e), STATUS_OK);
		vault_close(v);
		v = vault_open(path, &e);
		assert_int_equal(key_of(v, CUST_C, false, c2), VAULT_LIVE);
		assert_memory_equal(c, c2, VAULT_KEY_BYTES);
		assert_int_equal(vault_shred(v, CUST_C, &was_live, &e), STATUS_OK);
		assert_true(was_live);
		vault_close(v);
		f = fopen(path, "rb");
		n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		for (size_t off = 0; off + VAULT_KEY_BYTES <= n; off++)
			found |= !memcmp(buf + off, c, VAULT_KEY_BYTES);
		assert_int_equal(found, 0);
		/* The others are as they were. */
		v = vault_open(path, &e);
		assert_int_equal(key_of(v, CUST_B, false, c2), VAULT_LIVE);
		assert_memory_equal(a, c2, VAULT_KEY_BYTES);
		vault_close(v);
	}
	/* Not a key store: refused, named. */
	f = fopen(path, "wb");
	fputs("a file of something else entirely, long enough to hold a header\n", f);
	fclose(f);
	assert_null(vault_open(path, &e));
	assert_non_null(strstr(e.msg, "is not a frontdeskd key store"));
	remove_keys(path);
}

static void test_vault_seal(void **state)
{
	unsigned char k[VAULT_KEY_BYTES], other[VAULT_KEY_BYTES];
	char *sealed, *plain, *again;
	size_t len;

	(void)state;
	for (int i = 0; i < VAULT_KEY_BYTES; i++) {
		k[i] = (unsigned char)i;
		other[i] = (unsigned char)(i + 1);
	}
	sealed = vault_seal(k, CUST_A, "\"Zo\u00eb\"", 10);
	assert_int_equal(strncmp(sealed, VAULT_PREFIX, strlen(VAULT_PREFIX)), 0);
	assert_null(strstr(sealed, "Zo"));
	plain = vault_unseal(k, CUST_A, sealed, &len);
	assert_non_null(plain);
	assert_int_equal(len, 10);
	assert_string_equal(plain, "\"Zo\u00eb\"");
	free(plain);
	/* A fresh nonce each time: the same value seals differently. */
	again = vault_seal(k, CUST_A, "\"Zo\u00eb\"", 10);
	assert_string_not_equal(sealed, again);
	free(again);
	/* Bound to its customer and its key. */
	assert_null(vault_unseal(k, CUST_B, sealed, &len));
	assert_null(vault_unseal(other, CUST_A, sealed, &len));
	/* Changed, cut short, not sealed at all: not opened. */
	sealed[strlen(sealed) - 3] ^= 1;
	assert_null(vault_unseal(k, CUST_A, sealed, &len));
	sealed[strlen(sealed) - 3] ^= 1;
	sealed[10] = '\0';
	assert_null(vault_unseal(k, CUST_A, sealed, &len));
	assert_null(vault_unseal(k, CUST_A, VAULT_PREFIX, &len));
	assert_null(vault_unseal(k, CUST_A, "\"Zoe\"", &len));
	assert_null(vault_unseal(k, CUST_A, VAULT_PREFIX "!!!!", &len));
	free(sealed);
	/* Empty values seal and open too. */
	sealed = vault_seal(k, CUST_A, "", 0);
	plain = vault_unseal(k, CUST_A, sealed, &len);
	assert_non_null(plain);
	assert_int_equal(len, 0);
	free(plain);
	free(sealed);
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
		cmocka_unit_test(test_owned),
		cmocka_unit_test(test_advisor_login),
		cmocka_unit_test(test_refusal_text),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_error_json),
		cmocka_unit_test(test_vault_keys),
		cmocka_unit_test(test_vault_torn_and_foreign),
		cmocka_unit_test(test_vault_seal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
