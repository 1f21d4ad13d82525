/*
 * libFuzzer target for the server's push decoder: a request body as
 * frontdeskd reads it (server_json_parse: UTF-8, duplicate keys, depth),
 * then the envelope (server_push_parse) and each change's record
 * (server_change_check, customers decoded), then what passes through the
 * trust checks (server_change_owned, server_refusal_text) and its digest.
 *
 * Checks, beyond "no crash, no leak": a refusal always carries an HTTP
 * status and a code, every error body is valid JSON, and an accepted batch
 * has 1..SERVER_PUSH_MAX changes with strictly increasing seqs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "frontdesk/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool some_codes(void *ctx, const char *kind, const char *code)
{
	(void)ctx;
	(void)kind;
	return strcmp(code, "nope") != 0;
}

/* The users the trust checks look up: "jsmith" everywhere, "gone"
 * disabled, "hubonly" kept to one site; anyone else unknown. */
static bool some_users(void *ctx, const char *login, bool *disabled,
		       const char *const **sites, size_t *nsites)
{
	static const char *const hub[] = { "hub" };

	(void)ctx;
	*disabled = !strcmp(login, "gone");
	*sites = !strcmp(login, "hubonly") ? hub : NULL;
	*nsites = !strcmp(login, "hubonly") ? 1 : 0;
	return !strcmp(login, "jsmith") || !strcmp(login, "gone") || !strcmp(login, "hubonly");
}

static void check_error(const struct server_error *err)
{
	char *s;
	json_t *j;

	if (err->http < 400 || err->http > 599 || err->code[0] == '\0')
		abort();
	s = server_error_json(err);
	j = json_loads(s, 0, NULL);
	if (!j || !json_is_string(json_object_get(j, "code")))
		abort();
	json_decref(j);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct server_codes codes = { some_codes, NULL };
	struct server_error err;
	struct push_batch b;
	json_t *root;

	if (size > SERVER_BODY_MAX)
		return 0;
	memset(&err, 0, sizeof err);
	root = server_json_parse((const char *)data, size, &err);
	if (!root) {
		check_error(&err);
		return 0;
	}
	if (!server_push_parse(root, &b, &err)) {
		check_error(&err);
		server_push_release(&b);
		return 0;
	}
	if (b.n == 0 || b.n > SERVER_PUSH_MAX)
		abort();
	for (size_t i = 0; i < b.n; i++) {
		struct customer *c = NULL;
		char msg[256];

		if (i > 0 && b.changes[i].seq <= b.changes[i - 1].seq)
			abort();
		msg[0] = '\0';
		if (!server_change_check(&b.changes[i], i % 2 ? &codes : NULL, &c, msg, sizeof msg)) {
			if (msg[0] == '\0')
				abort();
		} else {
			/* The trust checks on what passed: a refusal has a known
			 * code and a rule, and its text names the record's type;
			 * the digest is 64 hex digits. */
			static const char *const sites[] = { "civic-centre", "hub" };
			const struct server_device d = { "01900000-0000-7000-8000-0000000000aa", "",
							 "ABC", "", sites, 2 };
			const struct server_users u = { some_users, NULL };
			const char *code;
			char text[600], digest[65];

			msg[0] = '\0';
			code = server_change_owned(&b.changes[i], &d, &u, msg, sizeof msg);
			if (code && ((strcmp(code, "not_yours") && strcmp(code, "needs_person")) ||
				     !msg[0]))
				abort();
			if (code) {
				server_refusal_text(&b.changes[i], msg, text, sizeof text);
				if (!text[0] || !strstr(text, b.changes[i].type))
					abort();
			}
			server_change_digest(&b.changes[i], digest);
			if (strlen(digest) != 64 || strspn(digest, "0123456789abcdef") != 64)
				abort();
		}
		customer_free(c);
	}
	server_push_release(&b);
	return 0;
}
