/*
 * The server's address, parsed by libcurl's URL API, the same parser that
 * decides where a request goes, and never matched as a pattern: a text
 * like "http://127.0.0.1:1@evil.example/" starts like a loopback address
 * but connects to evil.example, sending the device token in clear.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sync_int.h"

/* True for a host curl connects to on this machine only: 127.0.0.0/8,
 * ::1 (or ::ffff:127.x.y.z), and "localhost", which curl resolves to
 * loopback itself. host is as curl gives it (IPv6 in brackets). */
static bool host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char inner[64];
	size_t n = strlen(host);

	if (!strcasecmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n < 3 || n - 2 >= sizeof inner || host[0] != '[' || host[n - 1] != ']')
		return false;
	memcpy(inner, host + 1, n - 2);
	inner[n - 2] = '\0';
	if (inet_pton(AF_INET6, inner, &a6) != 1)
		return false;
	if (IN6_IS_ADDR_LOOPBACK(&a6))
		return true;
	return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}

/* True if u has that part (curl answers an error code for a missing one). */
static bool has_part(CURLU *u, CURLUPart part)
{
	char *v = NULL;
	bool has = curl_url_get(u, part, &v, 0) == CURLUE_OK && v && *v;

	curl_free(v);
	return has;
}

char *sync_url_parse(const char *url, bool *plain_http, struct err *e)
{
	CURLU *u;
	CURLUcode uc;
	char *scheme = NULL, *host = NULL, *whole = NULL, *out = NULL;
	size_t n;

	if (plain_http)
		*plain_http = false;
	if (!url || !*url) {
		err_set(e, STATUS_INVALID, "no server address given; give it as https://HOST[:PORT]");
		return NULL;
	}
	if (strlen(url) > 2000) {
		err_set(e, STATUS_INVALID, "the server address is too long (over 2000 characters)");
		return NULL;
	}
	u = curl_url();
	if (!u) {
		err_set(e, STATUS_IO, "cannot read the server address: %s",
			curl_easy_strerror(CURLE_FAILED_INIT));
		return NULL;
	}
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		err_set(e, STATUS_INVALID,
			"server address '%.200s' is not a URL (%s); give it as https://HOST[:PORT]",
			url, uc == CURLUE_UNSUPPORTED_SCHEME ? "unknown scheme" : "malformed");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
		err_set(e, STATUS_INVALID, "server address '%.200s' names no host; give it as https://HOST[:PORT]", url);
		goto out;
	}
	if (has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD) ||
	    has_part(u, CURLUPART_OPTIONS)) {
		err_set(e, STATUS_INVALID,
			"server address must not carry a user name or password (the part before '@'); give it as https://HOST[:PORT]");
		goto out;
	}
	if (has_part(u, CURLUPART_QUERY) || has_part(u, CURLUPART_FRAGMENT)) {
		err_set(e, STATUS_INVALID,
			"server address '%.200s' must not have a query or fragment ('?' or '#'); give it as https://HOST[:PORT][/PATH]",
			url);
		goto out;
	}
	if (strcmp(scheme, "http") == 0) {
		if (!host_is_loopback(host)) {
			err_set(e, STATUS_INVALID,
				"server address '%.200s' uses plain http:// to another machine; use https:// (plain http:// only to this machine)",
				url);
			goto out;
		}
		if (plain_http)
			*plain_http = true;
	} else if (strcmp(scheme, "https") != 0) {
		err_set(e, STATUS_INVALID,
			"server address '%.200s' must start with https:// (plain http:// only to this machine)",
			url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_URL, &whole, 0) != CURLUE_OK || !whole) {
		err_set(e, STATUS_INVALID, "server address '%.200s' cannot be read back", url);
		goto out;
	}
	out = xstrdup(whole);
	n = strlen(out);
	while (n && out[n - 1] == '/')
		out[--n] = '\0';
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(whole);
	curl_url_cleanup(u);
	return out;
}

char *sync_url_take(char *url, struct err *e)
{
	char *parsed = sync_url_parse(url, NULL, e);

	free(url);
	return parsed;
}
