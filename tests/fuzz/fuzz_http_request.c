/*
 * libFuzzer target for what frontdeskd does with a request before the
 * database sees it, driven without a socket: the first line is a --listen
 * value (server_listen_parse, server_host_is_loopback); the first byte of
 * the rest picks the Content-Encoding (odd: gzip, as a console sends it;
 * even: identity), and the rest is the body: gunzipped with the server's
 * cap (server_gunzip), depth-checked (server_json_depth_ok) and parsed
 * (server_json_parse), then taken as a push (server_push_parse).
 *
 * Checks: no crash, no leak; the gunzipped body never passes its cap; a
 * body that parses is never deeper than SERVER_JSON_DEPTH_MAX; every
 * refusal has a status and code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "frontdesk/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 200 ? size : 200);
	struct server_error err;
	struct push_batch b;
	struct buf plain;
	const char *body;
	size_t n;
	json_t *j;

	if (size > SERVER_BODY_MAX)
		return 0;
	if (nl) {
		char spec[201], host[64];
		int port = -1;

		memcpy(spec, data, (size_t)(nl - data));
		spec[nl - data] = '\0';
		if (server_listen_parse(spec, host, sizeof host, &port)) {
			if (port < 0 || port > 65535 || strlen(host) >= sizeof host)
				abort();
			(void)server_host_is_loopback(host);
		}
		size -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
	if (size == 0)
		return 0;
	memset(&err, 0, sizeof err);
	buf_init(&plain, 256 * 1024); /* a smaller cap than the server's: faster */
	if (data[0] & 1) {
		if (!server_gunzip(data + 1, size - 1, &plain, &err)) {
			if (err.http != 400 && err.http != 413)
				abort();
			buf_release(&plain);
			return 0;
		}
		if (plain.len > 256 * 1024)
			abort();
		body = buf_str(&plain);
		n = plain.len;
	} else {
		body = (const char *)data + 1;
		n = size - 1;
	}
	j = server_json_parse(body, n, &err);
	if (!j) {
		if (err.http < 400 || err.code[0] == '\0')
			abort();
	} else {
		if (!server_json_depth_ok(body, n, SERVER_JSON_DEPTH_MAX))
			abort();
		if (!server_push_parse(j, &b, &err) && (err.http < 400 || err.code[0] == '\0'))
			abort();
		server_push_release(&b);
	}
	buf_release(&plain);
	return 0;
}
