/*
 * Private to src/sync.
 */
#ifndef FRONTDESK_SYNC_INT_H
#define FRONTDESK_SYNC_INT_H

#include <curl/curl.h>

#include "frontdesk/sync.h"

/*
 * Sets h up for one request to this desk's server outside the sync cycle
 * (reports over every hub, the audit head): url, TLS verified always with
 * the CA and pins the desk was enrolled with (ca, pins may be NULL), the
 * headers hdr (the caller's), a total timeout, curl's message into errbuf
 * (CURL_ERROR_SIZE) and the answer into body.
 */
void sync_get_setup(CURL *h, const char *url, const char *ca, const char *pins,
		    struct curl_slist *hdr, long timeout_s, char *errbuf, struct buf *body);

/* The stored server address (owned, freed here) parsed as every request's
 * is (sync_url_parse): the address to use, or NULL with e filled. */
char *sync_url_take(char *url, struct err *e);

#endif
