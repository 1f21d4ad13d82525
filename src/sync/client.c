/*
 * The console's HTTP client: libcurl with TLS verification always on, an
 * optional CA file and public-key pins, connect/low-speed/overall timeouts,
 * gzip both ways, and the protocol's cycle: push then pull.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>
#include <jansson.h>

#include "sync_int.h"

#define RESPONSE_CAP (64u * 1024u * 1024u)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		die("libcurl cannot start");
}

const char *sync_outcome_name(enum sync_outcome o)
{
	static const char *const names[] = { "done", "offline", "refused by the server",
					     "not set up", "failed" };

	return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "unknown";
}

int64_t sync_backoff_ms(unsigned attempt, uint64_t random, int64_t retry_after_ms)
{
	int64_t ceiling = SYNC_BACKOFF_BASE_MS;
	int64_t wait;

	for (unsigned i = 0; i < attempt && ceiling < SYNC_BACKOFF_CAP_MS; i++)
		ceiling *= 2;
	if (ceiling > SYNC_BACKOFF_CAP_MS)
		ceiling = SYNC_BACKOFF_CAP_MS;
	wait = (int64_t)(random % (uint64_t)(ceiling + 1));
	if (retry_after_ms > wait)
		wait = retry_after_ms > SYNC_BACKOFF_CAP_MS ? SYNC_BACKOFF_CAP_MS : retry_after_ms;
	return wait;
}

/* ---- the token file ---------------------------------------------------- */

char *sync_token_path(const char *db_path)
{
	return xasprintf("%s.token", db_path);
}

enum status sync_token_save(const char *db_path, const char *token, struct err *e)
{
	char *path = sync_token_path(db_path), *tmp = xasprintf("%s.new", path);
	enum status rc = STATUS_OK;
	size_t n = strlen(token);
	int fd;

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0 || write(fd, token, n) != (ssize_t)n ||
	    write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		rc = err_set(e, STATUS_IO, "cannot write the device token '%s': %s", path,
			     strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	} else if (close(fd) != 0 || rename(tmp, path) != 0) {
		rc = err_set(e, STATUS_IO, "cannot save the device token '%s': %s", path,
			     strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	free(path);
	return rc;
}

char *sync_token_load(const char *db_path)
{
	char *path = sync_token_path(db_path), line[256];
	FILE *f = fopen(path, "r");
	char *tok = NULL;

	free(path);
	if (!f)
		return NULL;
	if (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0])
			tok = xstrdup(line);
	}
	fclose(f);
	return tok;
}

/* ---- one request ------------------------------------------------------- */

struct http {
	CURL *h;
	char *base; /* server URL without a trailing slash */
	char *token;
	struct sync_options o;
	char *ca_owned, *pins_owned;
};

struct reply {
	long status;
	struct buf body;
	int64_t retry_after_ms;
	char curl_err[CURL_ERROR_SIZE];
	CURLcode code;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;

	if (buf_add(&r->body, p, size * n) != STATUS_OK)
		return 0; /* too big: curl stops */
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	size_t len = size * n;

	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		char tmp[64];
		char *end;
		long secs;

		snprintf(tmp, sizeof tmp, "%.*s", (int)(len - 12 < 63 ? len - 12 : 63), p + 12);
		secs = strtol(tmp, &end, 10);
		if (end != tmp && secs >= 0)
			r->retry_after_ms = secs * 1000;
		else
			r->retry_after_ms = 60000; /* an HTTP date: wait a minute */
	}
	return len;
}

static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	atomic_bool *abort_flag = ctx;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return abort_flag && atomic_load(abort_flag) ? 1 : 0;
}

static void http_release(struct http *c)
{
	if (c->h)
		curl_easy_cleanup(c->h);
	free(c->base);
	if (c->token) {
		memset(c->token, 0, strlen(c->token));
		free(c->token);
	}
	free(c->ca_owned);
	free(c->pins_owned);
	memset(c, 0, sizeof *c);
}

/*
 * One request on one handle, and what libcurl reads from until it ends: a
 * push keeps two of these in flight (curl's multi interface), every other
 * request runs one at a time.
 */
struct xfer {
	CURL *h;
	struct reply r;
	struct curl_slist *hdr;
	struct buf url, gz;
	char *authz;
	bool live;		  /* started and not yet ended (xfer_end) */
	bool done;		  /* the transfer has ended (r.code says how) */
	long long first, last; /* a push: the batch's sequence numbers */
	size_t n;		  /* and how many changes it holds */
};

/* Frees what xfer_start took, keeping x->r (the caller releases r.body). */
static void xfer_end(struct xfer *x)
{
	x->live = false;
	if (x->r.code == CURLE_OK)
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->r.status);
	/* The handle outlives x: it must not keep pointers into it. */
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(x->hdr);
	x->hdr = NULL;
	if (x->authz) {
		memset(x->authz, 0, strlen(x->authz));
		free(x->authz);
		x->authz = NULL;
	}
	buf_release(&x->url);
	buf_release(&x->gz);
}

/*
 * Sets up a request on x->h; body (JSON text) is gzipped when non-NULL.
 * false when it cannot even start (x->r says why; x is ended).
 */
static bool xfer_start(struct http *c, struct xfer *x, const char *path, const char *body,
		       bool auth)
{
	CURL *h = x->h;

	memset(&x->r, 0, sizeof x->r);
	x->hdr = NULL;
	x->authz = NULL;
	x->done = false;
	buf_init(&x->r.body, RESPONSE_CAP);
	buf_init(&x->url, 8192);
	buf_init(&x->gz, 8u * 1024u * 1024u);
	if (buf_printf(&x->url, "%s%s", c->base, path) != STATUS_OK) {
		x->r.code = CURLE_URL_MALFORMAT;
		snprintf(x->r.curl_err, sizeof x->r.curl_err, "the server address is too long");
		xfer_end(x);
		return false;
	}
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, buf_str(&x->url));
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect is an answer */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->o.ca_file && *c->o.ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->o.ca_file);
	if (c->o.pins && *c->o.pins)
		curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, c->o.pins);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 c->o.connect_timeout_ms > 0 ? c->o.connect_timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 100L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
			 c->o.low_speed_time_s > 0 ? c->o.low_speed_time_s : 30L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->o.timeout_s > 0 ? c->o.timeout_s : 120L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "frontdesk/" FRONTDESK_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->r.curl_err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x->r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x->r);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c->o.abort);
	/* Proxies come from the environment, as councils need. */
	if (auth && c->token) {
		x->authz = xasprintf("Authorization: Bearer %s", c->token);
		x->hdr = curl_slist_append(x->hdr, x->authz);
	}
	if (body) {
		if (buf_add_gzip(&x->gz, body, strlen(body)) != STATUS_OK) {
			x->r.code = CURLE_FILESIZE_EXCEEDED;
			snprintf(x->r.curl_err, sizeof x->r.curl_err, "the batch is too big to send");
			xfer_end(x);
			return false;
		}
		x->hdr = curl_slist_append(x->hdr, "Content-Type: application/json");
		x->hdr = curl_slist_append(x->hdr, "Content-Encoding: gzip");
		x->hdr = curl_slist_append(x->hdr, "Expect:");
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->gz.data);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->gz.len);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdr);
	x->live = true;
	return true;
}

/* Sends one request and waits for its reply. */
static void http_request(struct http *c, const char *path, const char *body, bool auth,
			 struct reply *r)
{
	struct xfer x = { .h = c->h };

	if (xfer_start(c, &x, path, body, auth)) {
		x.r.code = curl_easy_perform(c->h);
		xfer_end(&x);
	}
	*r = x.r;
}

/* Classifies a reply that is not a 200; fills e and the report. */
static enum sync_outcome reply_failure(const struct reply *r, const char *what,
				       struct sync_report *rep, struct err *e)
{
	json_t *j;
	const char *msg = NULL, *code = NULL;

	rep->http = (int)r->status;
	rep->retry_after_ms = r->retry_after_ms;
	if (r->code != CURLE_OK) {
		const char *detail = r->curl_err[0] ? r->curl_err : curl_easy_strerror(r->code);

		switch (r->code) {
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
			err_set(e, STATUS_DENIED,
				"%s: the server's identity cannot be trusted (%s); check server_url, "
				"--ca and --pin",
				what, detail);
			return SYNC_CONFIG;
		case CURLE_ABORTED_BY_CALLBACK:
			err_set(e, STATUS_IO, "%s: stopped", what);
			return SYNC_OFFLINE;
		default:
			err_set(e, STATUS_IO, "%s: cannot reach the server (%s); working offline",
				what, detail);
			return SYNC_OFFLINE;
		}
	}
	j = json_loadb(buf_str(&r->body), r->body.len, 0, NULL);
	if (j) {
		msg = json_string_value(json_object_get(j, "error"));
		code = json_string_value(json_object_get(j, "code"));
	}
	if (r->status == 401) {
		rep->revoked = code && !strcmp(code, "revoked");
		err_set(e, STATUS_DENIED, "%s",
			rep->revoked
				? "this device has been revoked by an administrator; it keeps working "
				  "offline and keeps every change; ask for a new enrolment code"
				: "the server does not accept this device's token; enrol again with: "
				  "frontdesk device enrol --server URL --code CODE");
		json_decref(j);
		return SYNC_AUTH;
	}
	if (r->status == 408 || r->status == 429 || r->status >= 500) {
		err_set(e, STATUS_IO, "%s: the server is busy (HTTP %ld); will retry", what,
			r->status);
		json_decref(j);
		return SYNC_OFFLINE;
	}
	err_set(e, STATUS_INVALID, "%s: the server refused the request (HTTP %ld: %s)", what,
		r->status, msg ? msg : "no reason given");
	json_decref(j);
	return SYNC_CONFIG;
}

/* ---- the cycle --------------------------------------------------------- */

static int add_change(struct buf *b, size_t open, const struct outbox_change *c,
		      const char *session)
{
	if (b->len > open)
		buf_adds(b, ",");
	buf_printf(b, "{\"seq\":%lld,\"type\":\"%s\",\"op\":\"%s\",\"id\":\"%s\",", c->seq,
		   c->record_type, c->op, c->record_id);
	/* a privileged change carries the person's session (never the body) */
	if (c->wait_role && session && *session)
		buf_printf(b, "\"session\":\"%s\",", session);
	buf_adds(b, "\"body\":");
	buf_adds(b, c->body);
	buf_adds(b, "}");
	return 0;
}

struct batch_ctx {
	struct buf *b;
	long long first, last;
	size_t open; /* where the changes start in b */
	const char *session; /* the person's session, or NULL */
};

static int add_change_seq(void *ctx, const struct outbox_change *c)
{
	struct batch_ctx *bc = ctx;

	if (!bc->first)
		bc->first = c->seq;
	bc->last = c->seq;
	return add_change(bc->b, bc->open, c, bc->session);
}

static enum status push_body(struct store *s, long long after, const char *session,
			     struct buf *out, long long *first, long long *last, size_t *n,
			     struct err *e)
{
	struct batch_ctx bc = { out, 0, 0, 0, session };
	enum status rc;

	buf_reset(out);
	if (after > 0)
		buf_printf(out, "{\"after\":%lld,\"changes\":[", after);
	else
		buf_adds(out, "{\"changes\":[");
	bc.open = out->len;
	rc = store_outbox_batch(s, after, SYNC_BATCH_MAX, SYNC_BATCH_BYTES, add_change_seq, &bc, n,
				e);
	if (rc)
		return rc;
	/* Asked of the whole body: a change dropped from the middle counts. */
	buf_adds(out, "]}");
	if (buf_status(out) != STATUS_OK)
		return err_set(e, STATUS_TOO_BIG, "a change in the outbox is too big to send");
	*first = bc.first;
	*last = bc.last;
	return STATUS_OK;
}

enum status sync_push_body(struct store *s, long long after, struct buf *out, long long *first,
			   long long *last, size_t *n, struct err *e)
{
	return push_body(s, after, NULL, out, first, last, n, e);
}

/*
 * What one push reply means for its batch: marks the rows the server holds
 * (and records those it refused). SYNC_DONE when the whole batch is held.
 */
/* Keeps the audit head the server acknowledged (absent: nothing to keep). */
static enum status audit_head_keep(struct store *s, const json_t *head, struct err *e)
{
	if (!head)
		return STATUS_OK;
	return store_audit_ack(s, json_integer_value(json_object_get(head, "seq")),
			       json_string_value(json_object_get(head, "hash")), e);
}

static enum sync_outcome push_reply(struct store *s, const struct xfer *x,
				    struct sync_report *rep, struct err *e)
{
	long long held;
	size_t nref, waiting = 0;
	struct outbox_refusal *ref;
	json_t *j, *refused;
	enum sync_outcome out = SYNC_DONE;

	if (x->r.code != CURLE_OK || x->r.status != 200)
		return reply_failure(&x->r, "sending changes", rep, e);
	rep->http = 200;
	j = json_loadb(buf_str(&x->r.body), x->r.body.len, JSON_REJECT_DUPLICATES, NULL);
	refused = j ? json_object_get(j, "refused") : NULL;
	if (!j || !json_is_integer(json_object_get(j, "held")) || !json_is_array(refused)) {
		json_decref(j);
		err_set(e, STATUS_PARSE, "sending changes: the server's answer is not understood");
		return SYNC_CONFIG;
	}
	held = json_integer_value(json_object_get(j, "held"));
	if (json_is_integer(json_object_get(j, "clock_ahead_ms")))
		rep->clock_ahead_ms = json_integer_value(json_object_get(j, "clock_ahead_ms"));
	nref = json_array_size(refused);
	ref = xcalloc(nref ? nref : 1, sizeof *ref);
	for (size_t i = 0; i < nref; i++) {
		json_t *r = json_array_get(refused, i);

		ref[i].seq = json_integer_value(json_object_get(r, "seq"));
		ref[i].error = json_string_value(json_object_get(r, "error"));
		ref[i].code = json_string_value(json_object_get(r, "code"));
		if (ref[i].code && !strcmp(ref[i].code, "needs_person"))
			waiting++;
	}
	if (store_outbox_mark(s, x->first, x->last, held, ref, nref, e) != STATUS_OK ||
	    audit_head_keep(s, json_object_get(j, "audit_head"), e) != STATUS_OK) {
		out = SYNC_FAILED;
	} else {
		rep->pushed += (long)x->n;
		rep->refused += (long)(nref - waiting);
		rep->waiting_person += (long)waiting;
		if (held < x->last) {
			err_set(e, STATUS_INVALID,
				"sending changes: the server holds up to %lld, not %lld; will retry",
				held, x->last);
			out = SYNC_OFFLINE;
		}
	}
	free(ref);
	json_decref(j);
	return out;
}

/* Was this reply the server's "send the batch before first"? */
static bool push_out_of_order(const struct xfer *x)
{
	return x->r.code == CURLE_OK && x->r.status == 409 &&
	       strstr(buf_str(&x->r.body), "\"out_of_order\"") != NULL;
}

/*
 * Was this reply the server's "a seq you sent is held with another record"
 * (the desk was restored from a backup)? *held gets the highest seq the
 * server holds for this device.
 */
static bool push_seq_reused(const struct xfer *x, long long *held)
{
	json_t *j, *h;
	bool yes = false;

	if (x->r.code != CURLE_OK || x->r.status != 409)
		return false;
	j = json_loadb(buf_str(&x->r.body), x->r.body.len, 0, NULL);
	h = j ? json_object_get(j, "held") : NULL;
	if (j && json_is_string(json_object_get(j, "code")) &&
	    !strcmp(json_string_value(json_object_get(j, "code")), "seq_reused") &&
	    json_is_integer(h) && json_integer_value(h) >= 0) {
		*held = json_integer_value(h);
		yes = true;
	}
	json_decref(j);
	return yes;
}

/* Runs libcurl until transfer x has ended (others may end too). */
static void xfer_wait(CURLM *m, struct xfer *xs, size_t nx, struct xfer *x)
{
	while (!x->done) {
		int running = 0, left = 0;
		CURLMsg *msg;
		CURLMcode mc = curl_multi_perform(m, &running);

		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (size_t i = 0; i < nx; i++)
				if (xs[i].h == msg->easy_handle && !xs[i].done) {
					xs[i].r.code = msg->data.result;
					xs[i].done = true;
					curl_multi_remove_handle(m, xs[i].h);
				}
		}
		if (x->done)
			break;
		if (mc != CURLM_OK) {
			/* the multi handle itself failed: end every transfer */
			for (size_t i = 0; i < nx; i++)
				if (xs[i].live && !xs[i].done) {
					curl_multi_remove_handle(m, xs[i].h);
					xs[i].r.code = CURLE_FAILED_INIT;
					snprintf(xs[i].r.curl_err, sizeof xs[i].r.curl_err, "%s",
						 "the transfer could not be driven");
					xs[i].done = true;
				}
			break;
		}
		curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
}

/*
 * Pushes the whole outbox, PUSH_WINDOW batches in flight: the next batch is
 * read and sent while the server applies the one before (each names the
 * batch it follows, so the server applies them in order). Replies are taken
 * oldest first; after the first failure no new batch is sent, and what
 * still arrives is marked if held. A batch answered "out of order" (the one
 * before it came too late) starts the push again from the first unsent row,
 * a few times at most.
 *
 * A batch answered "seq reused" (this database was restored from a backup)
 * stops the pass; once every batch in flight has answered (and what they
 * hold is marked, under the old numbers), every change not sent is
 * renumbered after what the server holds (store_outbox_renumber) and the
 * push starts again, in the same cycle.
 */
#define PUSH_WINDOW 2
#define PUSH_RESTARTS 3
#define PUSH_RENUMBERS 3

static enum sync_outcome push_all(struct store *s, struct http *c, struct sync_report *rep,
				  struct err *e)
{
	struct xfer xs[PUSH_WINDOW];
	struct buf body[PUSH_WINDOW];
	CURLM *m = curl_multi_init();
	size_t head = 0, inflight = 0;
	long long queued = 0; /* the last seq sent in this pass */
	bool more = true, stop = false, restart = false;
	int restarts = 0, renumbers = 0;
	long long reused_held = -1; /* a batch was answered seq_reused */
	enum sync_outcome out = SYNC_DONE;

	if (!m)
		die("libcurl cannot make a multi handle");
	memset(xs, 0, sizeof xs);
	for (size_t i = 0; i < PUSH_WINDOW; i++) {
		xs[i].h = i == 0 ? c->h : curl_easy_init();
		if (!xs[i].h)
			die("libcurl cannot make a handle");
		buf_init(&body[i], 4u * 1024u * 1024u);
	}
	for (;;) {
		struct xfer *x;
		enum sync_outcome o;
		long long seq_held = -1;

		while (more && !stop && inflight < PUSH_WINDOW) {
			size_t k = (head + inflight) % PUSH_WINDOW;

			x = &xs[k];
			if (push_body(s, queued,
				      c->o.person && c->o.person->token[0] ? c->o.person->token
									   : NULL,
				      &body[k], &x->first, &x->last, &x->n, e) != STATUS_OK) {
				out = SYNC_FAILED;
				stop = true;
				break;
			}
			if (x->n == 0) {
				more = false;
				break;
			}
			queued = x->last;
			inflight++;
			if (xfer_start(c, x, "/v1/push", buf_str(&body[k]), true))
				curl_multi_add_handle(m, x->h);
			else
				x->done = true;
		}
		if (inflight == 0 && reused_held >= 0 && out == SYNC_DONE) {
			long moved = 0;

			if (store_outbox_renumber(s, reused_held, &moved, e) != STATUS_OK) {
				out = SYNC_FAILED;
				break;
			}
			rep->restored = true;
			rep->renumbered += moved;
			reused_held = -1;
			restart = true;
		}
		if (inflight == 0) {
			if (!restart)
				break;
			restart = false;
			stop = false;
			more = true;
			queued = 0;
			continue;
		}
		x = &xs[head];
		xfer_wait(m, xs, PUSH_WINDOW, x);
		if (x->live)
			xfer_end(x);
		if (stop) {
			/* after a failure: keep what the server says it holds */
			struct err ignored;
			struct sync_report r2 = *rep;

			if (x->r.code == CURLE_OK && x->r.status == 200 &&
			    push_reply(s, x, &r2, &ignored) != SYNC_FAILED) {
				rep->pushed = r2.pushed;
				rep->refused = r2.refused;
			}
		} else if (push_seq_reused(x, &seq_held) && renumbers < PUSH_RENUMBERS) {
			renumbers++;
			reused_held = seq_held;
			stop = true;
		} else if (push_out_of_order(x) && restarts < PUSH_RESTARTS) {
			restarts++;
			restart = true;
			stop = true;
		} else if (push_out_of_order(x)) {
			rep->http = 409;
			err_set(e, STATUS_IO,
				"sending changes: the server did not take the batches in order; will "
				"retry");
			out = SYNC_OFFLINE;
			stop = true;
		} else if ((o = push_reply(s, x, rep, e)) != SYNC_DONE) {
			out = o;
			stop = true;
		}
		buf_release(&x->r.body);
		head = (head + 1) % PUSH_WINDOW;
		inflight--;
	}
	for (size_t i = 0; i < PUSH_WINDOW; i++) {
		if (i > 0)
			curl_easy_cleanup(xs[i].h);
		buf_release(&body[i]);
	}
	curl_multi_cleanup(m);
	return out;
}

/*
 * Flows published centrally carry their YAML source only: the words the
 * flow search finds them by come from the program's flow_words, as flow
 * load makes them. A source it cannot read is stored all the same, found by
 * its title.
 */
static void flow_words_add(json_t *changes, sync_flow_words_fn *flow_words)
{
	size_t i;
	json_t *c;

	if (!flow_words)
		return;
	json_array_foreach(changes, i, c)
	{
		json_t *body = json_object_get(c, "body");
		json_t *src = json_object_get(body, "source");
		const char *type = json_string_value(json_object_get(c, "type"));
		struct buf keywords, text;

		if (!type || strcmp(type, "flow") || !json_is_string(src))
			continue;
		/* No cap of their own: a flow's words are fewer than its source's. */
		buf_init(&keywords, 0);
		buf_init(&text, 0);
		if (flow_words(json_string_value(src), json_string_length(src), &keywords, &text) ==
		    STATUS_OK) {
			json_object_set_new(body, "keywords", json_string(buf_str(&keywords)));
			json_object_set_new(body, "text", json_string(buf_str(&text)));
		}
		buf_release(&keywords);
		buf_release(&text);
	}
}

static enum sync_outcome pull_all(struct store *s, struct http *c, struct sync_report *rep,
				  struct err *e)
{
	/* Bounded: a server that always says "more" cannot keep us forever;
	 * every page must move the cursor on, and what is left after the last
	 * page allowed is said, never reported as done. */
	for (int page = 0; page < SYNC_PULL_PAGES_MAX; page++) {
		char path[96];
		struct reply r;
		struct sync_applied n;
		json_t *j, *changes, *next, *more;
		long long cursor = store_sync_cursor(s);
		enum status st;

		snprintf(path, sizeof path, "/v1/pull?after=%lld&limit=%d", cursor, SYNC_PULL_LIMIT);
		http_request(c, path, NULL, true, &r);
		if (r.code != CURLE_OK || r.status != 200) {
			enum sync_outcome o = reply_failure(&r, "fetching changes", rep, e);

			buf_release(&r.body);
			return o;
		}
		j = json_loadb(buf_str(&r.body), r.body.len, JSON_REJECT_DUPLICATES, NULL);
		buf_release(&r.body);
		changes = j ? json_object_get(j, "changes") : NULL;
		next = j ? json_object_get(j, "next") : NULL;
		more = j ? json_object_get(j, "more") : NULL;
		if (!json_is_array(changes) || !json_is_integer(next) || !json_is_boolean(more)) {
			json_decref(j);
			err_set(e, STATUS_PARSE, "fetching changes: the server's answer is not understood");
			return SYNC_CONFIG;
		}
		if (json_integer_value(next) < cursor ||
		    (json_is_true(more) && (json_integer_value(next) == cursor ||
					    json_array_size(changes) == 0))) {
			err_set(e, STATUS_PARSE,
				"fetching changes: the server's cursor went from %lld to %lld%s; "
				"nothing of that page was applied; tell the server's administrator",
				cursor, (long long)json_integer_value(next),
				json_integer_value(next) < cursor ? " (backwards)"
								  : " while saying there is more");
			json_decref(j);
			return SYNC_CONFIG;
		}
		flow_words_add(changes, c->o.flow_words);
		st = store_sync_apply(s, changes, json_integer_value(next), &n, e);
		if (st) {
			json_decref(j);
			return SYNC_FAILED;
		}
		rep->pulled += (long)json_array_size(changes);
		rep->kept_aside += n.kept_aside;
		if (!json_is_true(more)) {
			json_decref(j);
			return SYNC_DONE;
		}
		json_decref(j);
	}
	err_set(e, STATUS_IO,
		"fetching changes: stopped after %d pages with more still waiting; the rest "
		"comes at the next sync",
		SYNC_PULL_PAGES_MAX);
	return SYNC_FAILED;
}

/* ---- pulled changes kept aside, reported to the server ---------------- */

#define PROBLEMS_MAX 500 /* in one report */

struct problems_ctx {
	json_t *arr;
	long long first, last;
};

static int add_problem(void *ctx, const struct pull_problem_row *r)
{
	struct problems_ctx *pc = ctx;
	json_t *o = json_object();

	if (json_array_size(pc->arr) == 0)
		pc->first = r->cursor;
	pc->last = r->cursor;
	json_object_set_new(o, "cursor", json_integer(r->cursor));
	json_object_set_new(o, "type", json_string(r->record_type));
	json_object_set_new(o, "id", json_string(r->record_id));
	json_object_set_new(o, "reason", json_string(r->reason));
	json_array_append_new(pc->arr, o);
	return 0;
}

/*
 * Sends the changes kept aside that the server has not had yet (POST
 * /v1/pull/problems) and notes them reported. Best effort: a server that
 * cannot take them now gets them at the next cycle; the cycle's outcome
 * does not change.
 */
static void report_problems(struct store *s, struct http *c, struct sync_report *rep)
{
	for (int round = 0; round < 100; round++) {
		struct problems_ctx pc = { json_array(), 0, 0 };
		json_t *body;
		struct reply r;
		char *text;
		size_t k;

		if (store_pull_problems(s, true, PROBLEMS_MAX, add_problem, &pc, NULL) != STATUS_OK ||
		    json_array_size(pc.arr) == 0) {
			json_decref(pc.arr);
			return;
		}
		k = json_array_size(pc.arr);
		body = json_object();
		json_object_set_new(body, "problems", pc.arr);
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (!text)
			die("out of memory encoding JSON");
		http_request(c, "/v1/pull/problems", text, true, &r);
		free(text);
		buf_release(&r.body);
		if (r.code != CURLE_OK || r.status != 200 ||
		    store_pull_problems_reported(s, pc.first, pc.last, NULL) != STATUS_OK)
			return;
		rep->problems_reported += (long)k;
	}
}

static enum status http_open(struct store *s, const char *db_path, const struct sync_options *o,
			     struct http *c, struct err *e)
{
	char *url = store_sync_state(s, "server_url");

	memset(c, 0, sizeof *c);
	pthread_once(&curl_once, curl_start);
	if (o)
		c->o = *o;
	if (!url || !*url) {
		free(url);
		return err_set(e, STATUS_NOT_FOUND,
			       "this desk is not enrolled with a server; enrol it with: frontdesk "
			       "device enrol --server URL --code CODE");
	}
	/* parsed as curl will connect, each time: a changed or planted
	 * address is checked before the token goes anywhere */
	c->base = sync_url_take(url, e);
	if (!c->base)
		return e ? e->code : STATUS_INVALID;
	c->token = sync_token_load(db_path);
	if (!c->token) {
		http_release(c);
		return err_set(e, STATUS_NOT_FOUND,
			       "this desk has no device token; enrol it with: frontdesk device enrol "
			       "--server URL --code CODE");
	}
	if (!c->o.ca_file)
		c->o.ca_file = c->ca_owned = store_sync_state(s, "sync_ca");
	if (!c->o.pins)
		c->o.pins = c->pins_owned = store_sync_state(s, "sync_pin");
	c->h = curl_easy_init();
	if (!c->h)
		die("libcurl cannot make a handle");
	return STATUS_OK;
}

static void record(struct store *s, enum sync_outcome out, const struct sync_report *rep,
		   const struct err *e)
{
	char now[32];

	time_format_utc(clock_now_ms(), now, sizeof now);
	if (out == SYNC_DONE) {
		store_sync_state_set(s, "sync_last_ok", now, NULL);
		store_sync_state_set(s, "sync_last_error", "", NULL);
		store_sync_state_set(s, "sync_state", "online", NULL);
	} else {
		store_sync_state_set(s, "sync_last_error", e->msg, NULL);
		store_sync_state_set(s, "sync_state",
				     out == SYNC_AUTH ? (rep->revoked ? "revoked" : "unauthorised")
				     : out == SYNC_OFFLINE ? "offline"
							   : "error",
				     NULL);
	}
	if (rep->clock_ahead_ms > 0) {
		char msg[128];

		snprintf(msg, sizeof msg, "%lld", rep->clock_ahead_ms);
		store_sync_state_set(s, "sync_clock_ahead_ms", msg, NULL);
	}
}

/* ---- persons' sessions ------------------------------------------------- */

void sync_person_forget(struct sync_person *p)
{
	if (p)
		sodium_memzero(p, sizeof *p);
}

/*
 * Opens the person's session when a password waits (and wipes it): 200
 * keeps the token; a refused person stops the cycle with the server's
 * reason (one answer for a wrong login or password, or a disabled user; or
 * too many tries, with the wait).
 */
static enum sync_outcome person_open(struct http *c, struct sync_person *p,
				     struct sync_report *rep, struct err *e)
{
	json_t *req, *j;
	char *body;
	struct reply r;
	const char *tok, *role, *exp;

	if (!p || !p->login[0] || p->token[0] || !p->password[0])
		return SYNC_DONE;
	req = json_object();
	json_object_set_new(req, "login", json_string(p->login));
	json_object_set_new(req, "password", json_string(p->password));
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req); /* (jansson frees its copy of the password) */
	if (!body)
		die("out of memory encoding JSON");
	http_request(c, "/v1/session", body, true, &r);
	sodium_memzero(body, strlen(body));
	free(body);
	if (r.code == CURLE_OK && (r.status == 401 || r.status == 429 || r.status == 403)) {
		json_t *ej = json_loadb(buf_str(&r.body), r.body.len, 0, NULL);
		const char *code = json_string_value(json_object_get(ej, "code"));

		if (code && (!strcmp(code, "bad_user") || !strcmp(code, "locked"))) {
			rep->http = (int)r.status;
			sodium_memzero(p->password, sizeof p->password);
			if (!strcmp(code, "locked"))
				err_set(e, STATUS_DENIED,
					"signing in %s at the server: too many failed sign-ins; try "
					"again in %lld seconds",
					p->login, (long long)(r.retry_after_ms / 1000));
			else
				err_set(e, STATUS_DENIED,
					"signing in %s at the server: that login name and password "
					"do not match an enabled user there; nothing privileged was "
					"sent",
					p->login);
			json_decref(ej);
			buf_release(&r.body);
			return SYNC_CONFIG;
		}
		json_decref(ej);
	}
	if (r.code != CURLE_OK || r.status != 200) {
		enum sync_outcome o = reply_failure(&r, "signing in at the server", rep, e);

		buf_release(&r.body);
		return o;
	}
	sodium_memzero(p->password, sizeof p->password);
	j = json_loadb(buf_str(&r.body), r.body.len, JSON_REJECT_DUPLICATES, NULL);
	sodium_memzero(r.body.data, r.body.len);
	buf_release(&r.body);
	tok = json_string_value(json_object_get(j, "session"));
	role = json_string_value(json_object_get(j, "role"));
	exp = json_string_value(json_object_get(j, "expires_at"));
	if (!tok || !role || strlen(tok) >= sizeof p->token) {
		json_decref(j);
		err_set(e, STATUS_PARSE, "signing in: the server's answer is not understood");
		return SYNC_CONFIG;
	}
	snprintf(p->token, sizeof p->token, "%s", tok);
	snprintf(p->role, sizeof p->role, "%s", role);
	snprintf(p->expires_at, sizeof p->expires_at, "%s", exp ? exp : "");
	json_decref(j);
	return SYNC_DONE;
}

enum status sync_person_open(struct store *s, const char *db_path, struct sync_person *p,
			     struct err *e)
{
	struct sync_report rep;
	struct http c;
	enum sync_outcome out;
	enum status rc;

	memset(&rep, 0, sizeof rep);
	rc = http_open(s, db_path, NULL, &c, e);
	if (rc) {
		sync_person_forget(p);
		return rc;
	}
	out = person_open(&c, p, &rep, e);
	http_release(&c);
	sodium_memzero(p->password, sizeof p->password);
	if (out == SYNC_DONE && p->token[0])
		return STATUS_OK;
	if (out == SYNC_DONE)
		return err_set(e, STATUS_DENIED, "no login and password to sign in with");
	return out == SYNC_CONFIG && rep.http ? STATUS_DENIED : (e && e->code ? e->code : STATUS_IO);
}

void sync_person_end(struct store *s, const char *db_path, const struct sync_options *o,
		     struct sync_person *p)
{
	struct http c;
	struct xfer x;
	char *hdr;

	if (!p || !p->token[0] || http_open(s, db_path, o, &c, NULL) != STATUS_OK) {
		sync_person_forget(p);
		return;
	}
	memset(&x, 0, sizeof x);
	x.h = c.h;
	if (xfer_start(&c, &x, "/v1/session", NULL, true)) {
		hdr = xasprintf("X-Frontdesk-Session: %s", p->token);
		x.hdr = curl_slist_append(x.hdr, hdr);
		curl_easy_setopt(x.h, CURLOPT_HTTPHEADER, x.hdr);
		curl_easy_setopt(x.h, CURLOPT_CUSTOMREQUEST, "DELETE");
		x.r.code = curl_easy_perform(x.h);
		xfer_end(&x);
		sodium_memzero(hdr, strlen(hdr));
		free(hdr);
	}
	buf_release(&x.r.body);
	http_release(&c);
	sync_person_forget(p);
}

enum sync_outcome sync_run(struct store *s, const char *db_path, const struct sync_options *o,
			   struct sync_report *rep, struct err *e)
{
	struct http c;
	struct sync_person *p = o ? o->person : NULL;
	enum sync_outcome out;

	memset(rep, 0, sizeof *rep);
	if (http_open(s, db_path, o, &c, e) != STATUS_OK) {
		rep->outcome = SYNC_CONFIG;
		record(s, SYNC_CONFIG, rep, e);
		return SYNC_CONFIG;
	}
	out = person_open(&c, p, rep, e);
	if (out == SYNC_CONFIG && p && p->best_effort) {
		/* the person was refused: what waits for them waits on */
		store_sync_state_set(s, "sync_person_error", e->msg, NULL);
		sync_person_forget(p);
		err_clear(e);
		out = SYNC_DONE;
	}
	if (out != SYNC_DONE) {
		http_release(&c);
		rep->outcome = out;
		record(s, out, rep, e);
		return out;
	}
	if (p && p->token[0])
		store_sync_state_set(s, "sync_person_error", "", NULL);
	store_outbox_set_person(s, p && p->token[0] ? p->login : NULL, p ? p->role : NULL);
	out = push_all(s, &c, rep, e);
	/* a change sent with the session and refused: the session is over */
	if (p && p->token[0] && rep->waiting_person > 0)
		sodium_memzero(p->token, sizeof p->token);
	if (out == SYNC_DONE) {
		long pulled = rep->pulled;

		out = pull_all(s, &c, rep, e);
		if (out == SYNC_DONE)
			report_problems(s, &c, rep);
		/* Applying a page queues its own audit row: send it now, so a
		 * finished cycle leaves nothing waiting. */
		if (out == SYNC_DONE && rep->pulled > pulled && store_outbox_pending(s) > 0)
			out = push_all(s, &c, rep, e);
	}
	store_outbox_set_person(s, NULL, NULL);
	http_release(&c);
	rep->outcome = out;
	record(s, out, rep, e);
	return out;
}

enum status sync_enrol(struct store *s, const char *db_path, const char *server_url,
		       const char *code, const struct sync_options *o, char *code_out,
		       size_t codesz, struct err *e)
{
	struct http c;
	struct reply r;
	struct sync_report rep;
	json_t *req, *j;
	char *body;
	const char *id, *dcode, *token;
	enum status rc;

	memset(&c, 0, sizeof c);
	memset(&rep, 0, sizeof rep);
	pthread_once(&curl_once, curl_start);
	if (o)
		c.o = *o;
	c.base = sync_url_parse(server_url, NULL, e);
	if (!c.base)
		return e ? e->code : STATUS_INVALID;
	c.h = curl_easy_init();
	if (!c.h)
		die("libcurl cannot make a handle");
	req = json_object();
	json_object_set_new(req, "code", json_string(code));
	/* The identity this desk worked under before enrolment (its device id
	 * in contacts and audit ids, its code in case references): recorded
	 * as this device's own with the one-time code, so nothing made before
	 * enrolment is refused, and no other device can claim it. */
	{
		char *pcode = NULL, *pid = store_sync_state(s, "device_id");

		if (pid && uuid_valid(pid))
			json_object_set_new(req, "provisional_id", json_string(pid));
		free(pid);
		if (store_setting_get(s, "device_code", &pcode, NULL) == STATUS_OK && pcode &&
		    strlen(pcode) == 4 && pcode[0] == 'Z')
			json_object_set_new(req, "provisional_code", json_string(pcode));
		free(pcode);
	}
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!body)
		die("out of memory encoding JSON");
	http_request(&c, "/v1/enrol", body, false, &r);
	free(body);
	if (r.code != CURLE_OK || r.status != 200) {
		json_t *ej = json_loadb(buf_str(&r.body), r.body.len, 0, NULL);

		if (r.status == 403 && ej)
			rc = err_set(e, STATUS_DENIED, "%s",
				     json_string_value(json_object_get(ej, "error"))
					     ? json_string_value(json_object_get(ej, "error"))
					     : "the enrolment code was refused");
		else {
			reply_failure(&r, "enrolling", &rep, e);
			rc = e ? e->code : STATUS_IO;
		}
		json_decref(ej);
		buf_release(&r.body);
		http_release(&c);
		return rc ? rc : STATUS_IO;
	}
	j = json_loadb(buf_str(&r.body), r.body.len, 0, NULL);
	buf_release(&r.body);
	http_release(&c);
	id = j ? json_string_value(json_object_get(j, "device_id")) : NULL;
	dcode = j ? json_string_value(json_object_get(j, "device_code")) : NULL;
	token = j ? json_string_value(json_object_get(j, "token")) : NULL;
	if (!id || !dcode || !token) {
		json_decref(j);
		return err_set(e, STATUS_PARSE, "enrolling: the server's answer is not understood");
	}
	rc = sync_token_save(db_path, token, e);
	if (!rc)
		rc = store_device_enrolled(s, id, dcode, server_url, e);
	if (!rc && o && o->ca_file)
		rc = store_sync_state_set(s, "sync_ca", o->ca_file, e);
	if (!rc && o && o->pins)
		rc = store_sync_state_set(s, "sync_pin", o->pins, e);
	if (!rc)
		snprintf(code_out, codesz, "%s", dcode);
	json_decref(j);
	return rc;
}

static int add_waiting(void *ctx, const struct outbox_waiting *w)
{
	*(long *)ctx += w->count;
	return 0;
}

enum status sync_status_read(struct store *s, const char *db_path, struct sync_status *st,
			     struct err *e)
{
	char *v, *tok;

	(void)e;
	memset(st, 0, sizeof *st);
	tok = sync_token_load(db_path);
	v = store_sync_state(s, "server_url");
	st->enrolled = tok && v && *v;
	snprintf(st->server, sizeof st->server, "%s", v ? v : "");
	free(v);
	if (tok) {
		memset(tok, 0, strlen(tok));
		free(tok);
	}
	v = store_sync_state(s, "sync_state");
	snprintf(st->state, sizeof st->state, "%s", v ? v : "");
	st->online = v && !strcmp(v, "online");
	st->revoked = v && !strcmp(v, "revoked");
	free(v);
	v = store_sync_state(s, "sync_last_ok");
	snprintf(st->last_ok, sizeof st->last_ok, "%s", v ? v : "");
	free(v);
	v = store_sync_state(s, "sync_last_error");
	snprintf(st->last_error, sizeof st->last_error, "%s", v ? v : "");
	free(v);
	v = store_sync_state(s, "device_code");
	snprintf(st->device_code, sizeof st->device_code, "%s", v ? v : "");
	free(v);
	st->waiting = store_outbox_pending(s);
	st->refused = store_outbox_refused_count(s);
	store_outbox_waiting(s, add_waiting, &st->waiting_person, NULL);
	st->pull_problems = store_pull_problem_count(s);
	v = store_sync_state(s, "sync_restore_at");
	snprintf(st->restored_at, sizeof st->restored_at, "%s", v ? v : "");
	free(v);
	v = store_sync_state(s, "sync_restore_held");
	st->restore_held = v ? strtoll(v, NULL, 10) : 0;
	free(v);
	v = store_sync_state(s, "sync_restore_renumbered");
	st->restore_renumbered = v ? strtol(v, NULL, 10) : 0;
	free(v);
	v = store_sync_state(s, "sync_restore_lost");
	st->restore_lost = v ? strtol(v, NULL, 10) : 0;
	free(v);
	return STATUS_OK;
}
