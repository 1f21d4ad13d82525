/*
 * libcurl, loaded when the first sync needs it rather than at every start.
 *
 * libcurl brings some forty shared libraries (TLS, HTTP/2, LDAP, Kerberos,
 * ...); linking it made every `frontdesk` command pay ~30 ms to load them,
 * most of which never sync. This file defines the libcurl calls the sync
 * code makes, each loading the real library (libcurl.so.4) on first use
 * and forwarding to it. The sync code is written against <curl/curl.h> as
 * usual. If the library cannot be loaded, the calls fail the way libcurl
 * reports failure (NULL handle, CURLE_FAILED_INIT) and curl_easy_strerror
 * says what to install.
 */
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>

#include "frontdesk/banned.h"

static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_cleanup)(CURLM *);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
	void (*free)(void *);
	int loaded; /* 1 ok, -1 failed */
} lib;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *sym(void *h, const char *name, int *ok)
{
	void *p = dlsym(h, name);

	if (!p)
		*ok = 0;
	return p;
}

static void load(void)
{
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	int ok = h != NULL;

	if (h) {
		/* POSIX guarantees dlsym's object pointer converts to a function
		 * pointer; the casts say so once, here. */
		*(void **)&lib.global_init = sym(h, "curl_global_init", &ok);
		*(void **)&lib.easy_init = sym(h, "curl_easy_init", &ok);
		*(void **)&lib.easy_cleanup = sym(h, "curl_easy_cleanup", &ok);
		*(void **)&lib.easy_reset = sym(h, "curl_easy_reset", &ok);
		*(void **)&lib.easy_setopt = sym(h, "curl_easy_setopt", &ok);
		*(void **)&lib.easy_perform = sym(h, "curl_easy_perform", &ok);
		*(void **)&lib.easy_getinfo = sym(h, "curl_easy_getinfo", &ok);
		*(void **)&lib.easy_strerror = sym(h, "curl_easy_strerror", &ok);
		*(void **)&lib.slist_append = sym(h, "curl_slist_append", &ok);
		*(void **)&lib.slist_free_all = sym(h, "curl_slist_free_all", &ok);
		*(void **)&lib.multi_init = sym(h, "curl_multi_init", &ok);
		*(void **)&lib.multi_cleanup = sym(h, "curl_multi_cleanup", &ok);
		*(void **)&lib.multi_add_handle = sym(h, "curl_multi_add_handle", &ok);
		*(void **)&lib.multi_remove_handle = sym(h, "curl_multi_remove_handle", &ok);
		*(void **)&lib.multi_perform = sym(h, "curl_multi_perform", &ok);
		*(void **)&lib.multi_poll = sym(h, "curl_multi_poll", &ok);
		*(void **)&lib.multi_info_read = sym(h, "curl_multi_info_read", &ok);
		*(void **)&lib.url = sym(h, "curl_url", &ok);
		*(void **)&lib.url_cleanup = sym(h, "curl_url_cleanup", &ok);
		*(void **)&lib.url_set = sym(h, "curl_url_set", &ok);
		*(void **)&lib.url_get = sym(h, "curl_url_get", &ok);
		*(void **)&lib.free = sym(h, "curl_free", &ok);
	}
	lib.loaded = ok ? 1 : -1;
}

static int ready(void)
{
	pthread_once(&once, load);
	return lib.loaded == 1;
}

CURLcode curl_global_init(long flags)
{
	return ready() ? lib.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
	return ready() ? lib.easy_init() : NULL;
}

void curl_easy_cleanup(CURL *curl)
{
	if (curl && ready())
		lib.easy_cleanup(curl);
}

void curl_easy_reset(CURL *curl)
{
	if (curl && ready())
		lib.easy_reset(curl);
}

/* An option's number says the type of its argument (curl.h's CURLOPTTYPE_*
 * bases), which is how the variadic argument is forwarded. */
#undef curl_easy_setopt
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
	va_list ap;
	CURLcode rc;

	if (!ready())
		return CURLE_FAILED_INIT;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = lib.easy_setopt(curl, option, va_arg(ap, long));
	else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB)
		rc = lib.easy_setopt(curl, option, va_arg(ap, curl_off_t));
	else /* object, function and blob pointers */
		rc = lib.easy_setopt(curl, option, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode curl_easy_perform(CURL *curl)
{
	return ready() ? lib.easy_perform(curl) : CURLE_FAILED_INIT;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
#undef curl_easy_getinfo
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
	va_list ap;
	CURLcode rc;

	if (!ready())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	rc = lib.easy_getinfo(curl, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

const char *curl_easy_strerror(CURLcode code)
{
	if (!ready())
		return "the libcurl library could not be loaded; install it with: apt-get install libcurl4";
	return lib.easy_strerror(code);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *text)
{
	return ready() ? lib.slist_append(list, text) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
	if (list && ready())
		lib.slist_free_all(list);
}

/* The multi interface: a push keeps two batches in flight. */
CURLM *curl_multi_init(void)
{
	return ready() ? lib.multi_init() : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	return m && ready() ? lib.multi_cleanup(m) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *curl)
{
	return ready() ? lib.multi_add_handle(m, curl) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *curl)
{
	return ready() ? lib.multi_remove_handle(m, curl) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	return ready() ? lib.multi_perform(m, running) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int nextra,
			  int timeout_ms, int *numfds)
{
	return ready() ? lib.multi_poll(m, extra, nextra, timeout_ms, numfds) : CURLM_BAD_HANDLE;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	return ready() ? lib.multi_info_read(m, left) : NULL;
}

/* The URL API: the server's address is parsed as curl will connect to it. */
CURLU *curl_url(void)
{
	return ready() ? lib.url() : NULL;
}

void curl_url_cleanup(CURLU *u)
{
	if (u && ready())
		lib.url_cleanup(u);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return ready() ? lib.url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	return ready() ? lib.url_get(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

void curl_free(void *p)
{
	if (p && ready())
		lib.free(p);
}
