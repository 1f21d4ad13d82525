/*
 * The HTTP side of frontdeskd: libmicrohttpd with a thread pool on epoll,
 * bodies read by hand under a hard cap, one PostgreSQL connection per
 * worker thread, one log line per request (no personal data), and a drain
 * on SIGTERM. What each path does is the routes' (route.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "route.h"

#define DISCARD_MAX (64u * 1024u * 1024u) /* an over-cap body read and dropped */
#define MAX_WORKERS 256
#define CONNECTION_LIMIT 4000u /* all clients; 32 each by default (--per-client) */

struct request {
	struct buf body;
	size_t received;
	size_t taken; /* of the body budget (guard.c) */
	struct guard_conn *guard;
	struct device_auth dev; /* the token's device, once identified */
	bool identified;
	bool busy; /* the body budget was spent: 503 */
	bool too_big;
	int status;
	size_t sent;
	double t0;
	char method[8];
	char path[96];
	char device[16];
};

static const char *g_conninfo;
static struct vault *g_vault; /* the key store every worker seals under */
static atomic_int g_inflight;
static pthread_mutex_t g_conns_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pg *g_conns[MAX_WORKERS];
static int g_nconns;
static _Thread_local struct pg *tl_db;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct pg *http_worker_db(void)
{
	struct err e;

	if (tl_db)
		return pg_alive(tl_db) ? tl_db : NULL;
	err_clear(&e);
	tl_db = pg_connect(g_conninfo, &e);
	if (!tl_db) {
		fprintf(stderr, "frontdeskd: %s\n", e.msg);
		return NULL;
	}
	pg_use_vault(tl_db, g_vault);
	pthread_mutex_lock(&g_conns_mu);
	if (g_nconns < MAX_WORKERS)
		g_conns[g_nconns++] = tl_db;
	pthread_mutex_unlock(&g_conns_mu);
	return tl_db;
}

/* ---- responses --------------------------------------------------------- */

enum MHD_Result http_send_body(struct MHD_Connection *c, struct request *rq, int status, char *json,
			       const char *retry_after)
{
	struct MHD_Response *resp;
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
	size_t len = strlen(json);
	bool gz = false;
	enum MHD_Result ret;

	if (ae && strstr(ae, "gzip") && len > 1024) {
		struct buf z;

		buf_init(&z, len + 4096);
		if (buf_add_gzip(&z, json, len) == STATUS_OK) {
			free(json);
			len = z.len;
			json = buf_detach(&z);
			gz = true;
		} else {
			buf_release(&z);
		}
	}
	resp = MHD_create_response_from_buffer(len, json, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(json);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (gz)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	if (retry_after)
		MHD_add_response_header(resp, "Retry-After", retry_after);
	if (status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"frontdesk\"");
	rq->status = status;
	rq->sent = len;
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result http_send_error(struct MHD_Connection *c, struct request *rq,
				const struct server_error *err)
{
	return http_send_body(c, rq, err->http, server_error_json(err),
			      err->http == 503 || err->http == 429 ? "1" : NULL);
}

enum MHD_Result http_fail(struct MHD_Connection *c, struct request *rq, int http, const char *code,
			  const char *field, const char *msg)
{
	struct server_error err;

	server_error_set(&err, http, code, field, "%s", msg);
	return http_send_error(c, rq, &err);
}

enum MHD_Result http_send_json(struct MHD_Connection *c, struct request *rq, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (!s)
		die("out of memory encoding JSON");
	return http_send_body(c, rq, status, s, NULL);
}

enum MHD_Result http_db_failure(struct MHD_Connection *c, struct request *rq, const struct err *e)
{
	fprintf(stderr, "frontdeskd: %s %s: %s\n", rq->method, rq->path, e->msg);
	if (e->code == STATUS_DB_BUSY || e->code == STATUS_OK)
		return http_fail(c, rq, 503, "unavailable", "",
				 "the database is not answering; try again shortly");
	return http_fail(c, rq, 500, "internal", "",
			 "the server could not do that; it has been logged");
}

/* ---- authentication ---------------------------------------------------- */

/*
 * Finds the token's device once per request (rq->dev), as soon as its
 * headers are in, before any of its body is read.
 */
int http_identify(struct MHD_Connection *c, struct request *rq, struct pg *db,
		  struct device_auth *copy, enum MHD_Result *ret)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	struct device_auth *dev = &rq->dev;
	struct err e;
	enum status st;

	if (rq->identified)
		goto done;
	if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7] || strlen(h) > 200) {
		*ret = http_fail(
		    c, rq, 401, "no_token", "Authorization",
		    "this request needs a device token (Authorization: Bearer TOKEN); enrol "
		    "the device first");
		return -1;
	}
	err_clear(&e);
	st = pg_device_auth(db, h + 7, dev, &e);
	if (st == STATUS_NOT_FOUND) {
		*ret = http_fail(
		    c, rq, 401, "bad_token", "Authorization",
		    "the device token is not one this server issued; enrol the device again");
		return -1;
	}
	if (st) {
		*ret = http_db_failure(c, rq, &e);
		return -1;
	}
	snprintf(rq->device, sizeof rq->device, "%s", dev->code);
	if (dev->revoked) {
		*ret = http_fail(c, rq, 401, "revoked", "Authorization",
				 "this device has been revoked by an administrator");
		return -1;
	}
	rq->identified = true;
done:
	if (copy)
		*copy = rq->dev;
	return 0;
}

void http_log_device(struct request *rq, const char *code)
{
	snprintf(rq->device, sizeof rq->device, "%s", code);
}

/* Checks the body's media type and encoding and parses it. */
json_t *http_request_json(struct MHD_Connection *c, struct request *rq, enum MHD_Result *ret)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	const char *ce = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Encoding");
	struct server_error err;
	json_t *j;

	if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';')) {
		*ret = http_fail(c, rq, 415, "media_type", "Content-Type",
				 "send the body as Content-Type: application/json");
		return NULL;
	}
	if (ce && strcasecmp(ce, "gzip") == 0) {
		struct buf plain;

		buf_init(&plain, SERVER_INFLATED_MAX);
		if (!server_gunzip(rq->body.data ? rq->body.data : "", rq->body.len, &plain, &err)) {
			buf_release(&plain);
			*ret = http_send_error(c, rq, &err);
			return NULL;
		}
		j = server_json_parse(buf_str(&plain), plain.len, &err);
		buf_release(&plain);
	} else if (ce && strcasecmp(ce, "identity") != 0) {
		*ret = http_fail(c, rq, 415, "encoding", "Content-Encoding",
				 "send the body plain or with Content-Encoding: gzip");
		return NULL;
	} else {
		j = server_json_parse(buf_str(&rq->body), rq->body.len, &err);
	}
	if (!j)
		*ret = http_send_error(c, rq, &err);
	return j;
}

int http_only_members(struct MHD_Connection *c, struct request *rq, json_t *j,
		      const char *const *known, const char *words, enum MHD_Result *ret)
{
	struct server_error err;

	if (server_members_only(j, known, words, &err))
		return 0;
	json_decref(j);
	*ret = http_send_error(c, rq, &err);
	return -1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)version;
	if (!rq) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		unsigned long long length = cl ? strtoull(cl, NULL, 10) : 0;
		enum MHD_Result ret;
		struct pg *db;

		rq = xcalloc(1, sizeof *rq);
		rq->t0 = now_ms();
		rq->guard = ci ? ci->socket_context : NULL;
		guard_headers_in(rq->guard);
		buf_init(&rq->body, SERVER_BODY_MAX);
		snprintf(rq->method, sizeof rq->method, "%s", method);
		snprintf(rq->path, sizeof rq->path, "%s", url);
		*con_cls = rq;
		atomic_fetch_add(&g_inflight, 1);
		/* Refuse an oversized body before reading any of it. */
		if (length > SERVER_BODY_MAX) {
			rq->too_big = true;
			return http_fail(c, rq, 413, "too_big", "",
					 "the body is larger than the server takes (2 MiB)");
		}
		/* Who is asking, before any body is read: an unknown token
		 * never gets a byte buffered. */
		if (route_needs_token(url)) {
			db = http_worker_db();
			if (!db)
				return http_fail(
				    c, rq, 503, "unavailable", "",
				    "the database is not answering; try again shortly");
			if (http_identify(c, rq, db, NULL, &ret))
				return ret;
		}
		if (length > 0) {
			if (!guard_body_take((size_t)length))
				return http_fail(
				    c, rq, 503, "busy", "",
				    "the server is taking in as much as it can; try again shortly");
			rq->taken = (size_t)length;
		}
		return MHD_YES;
	}
	if (*upload_size) {
		rq->received += *upload_size;
		/* A body without a length takes the budget as it comes. */
		if (!rq->busy && rq->received > rq->taken) {
			if (guard_body_take(rq->received - rq->taken))
				rq->taken = rq->received;
			else
				rq->busy = true;
		}
		if (!rq->too_big && !rq->busy &&
		    buf_add(&rq->body, upload, *upload_size) != STATUS_OK) {
			rq->too_big = true;
			buf_release(&rq->body);
		}
		*upload_size = 0;
		return rq->received > DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (rq->status)
		return MHD_YES;
	guard_handling(rq->guard);
	if (rq->busy)
		return http_fail(c, rq, 503, "busy", "",
				 "the server is taking in as much as it can; try again shortly");
	if (rq->too_big)
		return http_fail(c, rq, 413, "too_big", "",
				 "the body is larger than the server takes");
	return route_dispatch(c, rq, url, method);
}

/* Connections from accept to close, for the guard's deadlines. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		*socket_context = ci ? guard_open(ci->connect_fd) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		guard_close(*socket_context);
		*socket_context = NULL;
	}
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;
	char line[300], when[32];
	int n;

	(void)cls;
	(void)c;
	if (!rq)
		return;
	time_format_utc(clock_now_ms(), when, sizeof when);
	n = snprintf(line, sizeof line, "%s %s %s %d in=%zu out=%zu %.1fms device=%s%s\n", when,
		     rq->method, rq->path, rq->status ? rq->status : 0, rq->received, rq->sent,
		     now_ms() - rq->t0, rq->device[0] ? rq->device : "-",
		     toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
	if (n > 0) {
		ssize_t w = write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);

		(void)w;
	}
	buf_release(&rq->body);
	guard_body_give(rq->taken);
	guard_request_done(rq->guard);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&g_inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("frontdeskd: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Room for every connection the server takes, and then some: the soft
 * limit on open files up to the hard one. */
static void raise_file_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max &&
	    rl.rlim_cur < CONNECTION_LIMIT + 1024) {
		rl.rlim_cur = rl.rlim_max < CONNECTION_LIMIT + 1024 ? rl.rlim_max
								     : CONNECTION_LIMIT + 1024;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static char *read_file(const char *path, const char *what)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (!f) {
		fprintf(stderr, "frontdeskd: cannot read %s '%s': %s\n", what, path, strerror(errno));
		return NULL;
	}
	buf_init(&b, 1u << 20);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_add(&b, chunk, n) != STATUS_OK) {
			fprintf(stderr, "frontdeskd: %s '%s' is too big\n", what, path);
			fclose(f);
			buf_release(&b);
			return NULL;
		}
	fclose(f);
	return buf_detach(&b);
}

int server_serve(const struct serve_options *o)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	char host[128];
	int port, sig;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	char *cert = NULL, *key = NULL;
	sigset_t set;
	struct err e;
	struct pg *probe;
	bool tls = o->tls_cert || o->tls_key;
	unsigned per_client = o->per_client ? o->per_client : 32;

	memset(&ss, 0, sizeof ss);
	if (!server_listen_parse(o->listen, host, sizeof host, &port)) {
		fprintf(stderr, "frontdeskd: --listen '%s' is not ADDR:PORT, e.g. 127.0.0.1:8443\n",
			o->listen ? o->listen : "");
		return 2;
	}
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		fprintf(stderr, "frontdeskd: --listen needs an IP address, not '%s'\n", host);
		return 2;
	}
	if (tls && !(o->tls_cert && o->tls_key)) {
		fprintf(stderr, "frontdeskd: give both --tls-cert and --tls-key\n");
		return 2;
	}
	if (!tls && !o->insecure_http && !server_host_is_loopback(host)) {
		fprintf(stderr,
			"frontdeskd: refusing plain HTTP on %s, which is not this machine; give "
			"--tls-cert and --tls-key (or --insecure-http behind a TLS proxy)\n",
			host);
		return 2;
	}
	if (tls) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fprintf(stderr, "frontdeskd: this libmicrohttpd has no TLS support\n");
			return 1;
		}
		cert = read_file(o->tls_cert, "certificate");
		key = cert ? read_file(o->tls_key, "key") : NULL;
		if (!cert || !key) {
			free(cert);
			free(key);
			return 1;
		}
		flags |= MHD_USE_TLS;
	}
	g_conninfo = o->conninfo;
	err_clear(&e);
	/* It holds the keys every personal value is sealed under: no core
	 * dump, and no other process of this user may read its memory. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	g_vault = vault_open(o->keys, &e);
	probe = g_vault ? pg_connect(o->conninfo, &e) : NULL;
	if (probe) {
		size_t again;

		/* Erased is erased, whatever backup the key store came from. */
		pg_use_vault(probe, g_vault);
		if (pg_keys_check(probe, &e) || pg_erasures_shred(probe, &again, &e)) {
			pg_close(probe);
			probe = NULL;
		} else if (again) {
			fprintf(stderr,
				"frontdeskd: shredded again the keys of %zu erased customers (was the "
				"key store restored from a backup?)\n",
				again);
		}
	}
	if (!probe) {
		fprintf(stderr, "frontdeskd: %s\n", e.msg);
		free(cert);
		free(key);
		vault_close(g_vault);
		g_vault = NULL;
		return 1;
	}
	pg_close(probe);

	raise_file_limit();
	if (!guard_start(o->header_timeout_s ? o->header_timeout_s : 10,
			 o->request_timeout_s ? o->request_timeout_s : 120,
			 (size_t)(o->body_budget_mib ? o->body_budget_mib : 256) << 20)) {
		fprintf(stderr, "frontdeskd: cannot start the connection guard\n");
		free(cert);
		free(key);
		vault_close(g_vault);
		return 1;
	}
	/* Workers inherit this mask; the main thread waits for the signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (tls)
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
				     (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
				     (unsigned)o->threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				     MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
				     MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_client,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				     MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
				     MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
				     (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
				     (unsigned)o->threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				     MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
				     MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_client,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "frontdeskd: cannot listen on %s: %s\n", o->listen, strerror(errno));
		guard_stop();
		free(cert);
		free(key);
		vault_close(g_vault);
		return 1;
	}
	fprintf(stderr, "frontdeskd: listening on %s (%s, %d workers)\n", o->listen,
		tls ? "https" : "plain http", o->threads);
	do {
		if (sigwait(&set, &sig) != 0)
			sig = SIGTERM;
	} while (sig != SIGTERM && sig != SIGINT);
	fprintf(stderr, "frontdeskd: %s: finishing requests in flight\n",
		sig == SIGTERM ? "SIGTERM" : "SIGINT");
	MHD_quiesce_daemon(d);
	for (int i = 0; i < 300 && atomic_load(&g_inflight) > 0; i++) {
		struct timespec ts = { 0, 100000000L };

		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(d);
	guard_stop();
	pthread_mutex_lock(&g_conns_mu);
	for (int i = 0; i < g_nconns; i++)
		pg_close(g_conns[i]);
	g_nconns = 0;
	pthread_mutex_unlock(&g_conns_mu);
	vault_close(g_vault);
	g_vault = NULL;
	free(cert);
	free(key);
	fprintf(stderr, "frontdeskd: stopped\n");
	return 0;
}
