/*
 * The supervisor reports over every hub, fetched from frontdeskd:
 * GET /v1/reports/NAME with the device's bearer token, and the person's
 * login and password in X-Frontdesk-User and X-Frontdesk-Password, which
 * the server checks against its copy of the user. TLS as for sync: the CA
 * and pins this desk was enrolled with, verified always.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "frontdesk/report.h"
#include "sync_int.h"

#define REPORT_REPLY_MAX (16u * 1024u * 1024u)

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;

	return buf_add(b, p, size * n) == STATUS_OK ? size * n : 0;
}

void sync_get_setup(CURL *h, const char *url, const char *ca, const char *pins,
		    struct curl_slist *hdr, long timeout_s, char *errbuf, struct buf *body)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect is an answer */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca && *ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	if (pins && *pins)
		curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pins);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "frontdesk/" FRONTDESK_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
}

/* Appends "&key=value" when value is set, the value percent-encoded
 * (RFC 3986: all but unreserved characters). */
static void arg_add(struct buf *url, const char *key, const char *value, bool *first)
{
	static const char hex[] = "0123456789ABCDEF";

	if (!value || !*value)
		return;
	buf_printf(url, "%s%s=", *first ? "?" : "&", key);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_add(url, p, 1);
		} else {
			char pct[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			buf_add(url, pct, 3);
		}
	}
	*first = false;
}

/* The report's path and arguments: the query, then this desk's value of
 * each report setting (one with no value and no default is left out). */
static void query_add(struct buf *url, struct store *s, const char *base,
		      const struct report_query *q, bool *first)
{
	char from[16], to[16];

	date_format(q->from, from, sizeof from);
	date_format(q->to, to, sizeof to);
	buf_printf(url, "%s/v1/reports/%s", base, report_kind_name(q->kind));
	arg_add(url, "from", from, first);
	arg_add(url, "to", to, first);
	if (q->by != REPORT_BY_NONE)
		arg_add(url, "by", report_by_name(q->by), first);
	arg_add(url, "site", q->site, first);
	for (size_t i = 0; report_setting_keys[i]; i++) {
		char *v = NULL;

		if (store_setting_get(s, report_setting_keys[i], &v, NULL) == STATUS_OK)
			arg_add(url, report_setting_keys[i], v, first);
		free(v);
	}
}

/* Overwrites a secret before it is freed. */
static void wipe(char *p)
{
	volatile char *v = p;

	while (*v)
		*v++ = '\0';
}

/* The server's words from an error body, or a fallback. */
static void reply_error(const struct buf *body, long status, struct err *e)
{
	json_t *j = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
	const char *msg = j ? json_string_value(json_object_get(j, "error")) : NULL;

	if (status == 403)
		err_set(e, STATUS_DENIED, "the server refused: %s",
			msg ? msg : "reports over all hubs are for supervisors and administrators");
	else if (status == 401)
		err_set(e, STATUS_DENIED, "the server refused: %s",
			msg ? msg : "it did not accept this device or this login");
	else if (status == 422 || status == 404)
		err_set(e, STATUS_USAGE, "%s", msg ? msg : "the server did not take that report");
	else
		err_set(e, STATUS_IO, "the server answered %ld%s%s; try again later", status,
			msg ? ": " : "", msg ? msg : "");
	json_decref(j);
}

enum status sync_report_fetch(struct store *s, const char *db_path,
			      const struct sync_report_request *rq, json_t **out, struct err *e)
{
	char *base = store_sync_state(s, "server_url"), *token = sync_token_load(db_path);
	char *ca = store_sync_state(s, "sync_ca"), *pins = store_sync_state(s, "sync_pin");
	char curl_err[CURL_ERROR_SIZE] = "", *h_session = NULL, *h_auth = NULL;
	struct curl_slist *hdr = NULL;
	struct buf url, body;
	enum status rc = STATUS_OK;
	bool first = true;
	long status = 0;
	CURLcode code;
	CURL *h = NULL;

	*out = NULL;
	buf_init(&url, 8192);
	buf_init(&body, REPORT_REPLY_MAX);
	if (!base || !*base || !token) {
		rc = err_set(e, STATUS_NOT_FOUND,
			     "this desk is not enrolled with a server, so it has no figures for all "
			     "hubs; enrol it with: frontdesk device enrol --server URL --code CODE");
		goto out;
	}
	base = sync_url_take(base, e); /* as curl will connect, as every request */
	if (!base) {
		rc = e ? e->code : STATUS_INVALID;
		goto out;
	}
	h = curl_easy_init();
	if (!h) {
		rc = err_set(e, STATUS_IO, "cannot reach the server: %s",
			     curl_easy_strerror(CURLE_FAILED_INIT));
		goto out;
	}
	query_add(&url, s, base, rq->query, &first);
	if (buf_status(&url) != STATUS_OK) {
		rc = err_set(e, STATUS_TOO_BIG, "the report's address is too long; shorten the "
						"server URL or the report settings");
		goto out;
	}
	/* The person signs in once; every report after uses the session. */
	if (!rq->person) {
		rc = err_set(e, STATUS_DENIED, "reports over all hubs need a person signed in");
		goto out;
	}
	if (!rq->person->token[0]) {
		rc = sync_person_open(s, db_path, rq->person, e);
		if (rc)
			goto out;
	}
	h_auth = xasprintf("Authorization: Bearer %s", token);
	h_session = xasprintf("X-Frontdesk-Session: %s", rq->person->token);
	hdr = curl_slist_append(hdr, h_auth);
	hdr = curl_slist_append(hdr, h_session);
	sync_get_setup(h, buf_str(&url), ca, pins, hdr, 120L, curl_err, &body);
	code = curl_easy_perform(h);
	if (code != CURLE_OK) {
		rc = err_set(e, STATUS_IO, "cannot reach the server at %s: %s; the figures for "
					   "this desk still work offline",
			     base, curl_err[0] ? curl_err : curl_easy_strerror(code));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		reply_error(&body, status, e);
		rc = e ? e->code : STATUS_IO;
		/* a session the server no longer takes is forgotten */
		if (status == 401)
			sync_person_forget(rq->person);
		goto out;
	}
	*out = json_loadb(body.data ? body.data : "", body.len, 0, NULL);
	if (!*out)
		rc = err_set(e, STATUS_IO, "the server's report is not JSON; is it a frontdeskd "
					   "of this version?");
out:
	if (h)
		curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	if (h_session) {
		wipe(h_session);
		free(h_session);
	}
	if (token) {
		wipe(token);
		free(token);
	}
	free(h_auth);
	free(base);
	free(ca);
	free(pins);
	buf_release(&url);
	buf_release(&body);
	return rc;
}
