/*
 * The audit head the server holds for this desk, asked for live
 * (GET /v1/audit/head) so `frontdesk audit verify` compares the trail with
 * the server's copy while online, not only with the last push answer kept
 * in the sync state (which a person with the database file could remove).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sync_int.h"

#define HEAD_REPLY_MAX (64u * 1024u)

enum status sync_audit_head_fetch(struct store *s, const char *db_path, long long *seq,
				  char hash[65], struct err *e)
{
	char *base = store_sync_state(s, "server_url"), *token = sync_token_load(db_path);
	char *ca = store_sync_state(s, "sync_ca"), *pins = store_sync_state(s, "sync_pin");
	char curl_err[CURL_ERROR_SIZE] = "", *auth = NULL, *url = NULL;
	struct curl_slist *hdr = NULL;
	struct buf body;
	enum status rc = STATUS_OK;
	long status = 0;
	json_t *j = NULL;
	CURLcode code;
	CURL *h = NULL;

	*seq = 0;
	hash[0] = '\0';
	buf_init(&body, HEAD_REPLY_MAX);
	if (!base || !*base || !token) {
		rc = err_set(e, STATUS_NOT_FOUND, "this desk is not enrolled with a server");
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
	url = xasprintf("%s/v1/audit/head", base);
	auth = xasprintf("Authorization: Bearer %s", token);
	hdr = curl_slist_append(hdr, auth);
	sync_get_setup(h, url, ca, pins, hdr, 20L, curl_err, &body);
	code = curl_easy_perform(h);
	if (code != CURLE_OK) {
		rc = err_set(e, STATUS_IO, "cannot reach the server at %s: %s", base,
			     curl_err[0] ? curl_err : curl_easy_strerror(code));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	j = json_loadb(body.data ? body.data : "", body.len, 0, NULL);
	if (status != 200) {
		const char *msg = j ? json_string_value(json_object_get(j, "error")) : NULL;

		rc = err_set(e, status == 401 ? STATUS_DENIED : STATUS_IO,
			     "the server answered %ld%s%s", status, msg ? ": " : "", msg ? msg : "");
		goto out;
	}
	if (!j || !json_is_integer(json_object_get(j, "seq"))) {
		rc = err_set(e, STATUS_IO,
			     "the server's audit head is not understood; is it a frontdeskd of "
			     "this version?");
		goto out;
	}
	*seq = json_integer_value(json_object_get(j, "seq"));
	if (*seq > 0 && json_is_string(json_object_get(j, "hash")))
		snprintf(hash, 65, "%s", json_string_value(json_object_get(j, "hash")));
	else
		*seq = 0;
out:
	if (h)
		curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	if (auth) {
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	json_decref(j);
	free(url);
	free(base);
	free(ca);
	free(pins);
	buf_release(&body);
	return rc;
}
