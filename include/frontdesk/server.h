/*
 * server — frontdeskd, the central server: HTTP routes (libmicrohttpd),
 * authentication, push and pull, back-office and admin commands, with
 * PostgreSQL behind it (src/server/pg, the only place its SQL lives).
 *
 * The protocol is described in man 7 frontdesk-sync. This header holds what
 * is worth testing without a socket or a database: the limits, the checks
 * every request body goes through and the record checks a pushed change
 * goes through. Nothing here prints; errors travel in struct server_error,
 * which becomes the JSON error body `{"error": MSG, "code": CODE, "field":
 * FIELD}`.
 */
#ifndef FRONTDESK_SERVER_H
#define FRONTDESK_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "frontdesk/core.h"

/* ---- limits ------------------------------------------------------------ */

#define SERVER_BODY_MAX (2u * 1024u * 1024u)	 /* request bytes as sent */
#define SERVER_INFLATED_MAX (4u * 1024u * 1024u) /* after gunzip */
#define SERVER_JSON_DEPTH_MAX 16		 /* nesting of arrays and objects */
#define SERVER_PUSH_MAX 500			 /* changes in one push */
#define SERVER_PULL_PAGE 500			 /* changes in one pull page */
#define SERVER_PULL_PAGE_MAX 2000		 /* largest ?limit= accepted */
#define SERVER_HLC_AHEAD_MAX_MS (5 * 60 * 1000)	 /* clock drift allowed */
#define SERVER_ENROL_TTL_S (24 * 3600)		 /* one-time codes last a day */

/* ---- errors that become responses ------------------------------------- */

struct server_error {
	int http;	/* 400, 401, 413, 415, 422, ... */
	char code[24];	/* bad_json, too_big, invalid, unknown_field, ... */
	char field[96]; /* the member at fault ("changes[3].seq"), or "" */
	char msg[256];	/* worded for a person; never personal data */
};
/* Fills err; returns false so callers can `return server_error_set(...)`. */
bool server_error_set(struct server_error *err, int http, const char *code, const char *field,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The JSON error body for err; caller frees. */
char *server_error_json(const struct server_error *err);

/* ---- request bodies ---------------------------------------------------- */

/*
 * Gunzips in[0..n) into out (initialised by the caller with a cap); false
 * with err 400 (not gzip) or 413 (bigger than out's cap) otherwise.
 */
bool server_gunzip(const void *in, size_t n, struct buf *out, struct server_error *err);
/* Gzips in[0..n) into out (for responses); false if out's cap is passed. */
bool server_gzip(const void *in, size_t n, struct buf *out);
/* True if the JSON text nests arrays and objects at most max_depth deep
 * (strings are skipped; the text need not be valid JSON). */
bool server_json_depth_ok(const char *s, size_t n, int max_depth);
/*
 * Parses a request body strictly: valid UTF-8, duplicate keys refused,
 * bounded depth, an object at the top. NULL with err 400 otherwise. Caller
 * owns the reference.
 */
struct json_t *server_json_parse(const char *s, size_t n, struct server_error *err);

/* One change of a push, borrowed from the parsed body. */
struct push_change {
	long long seq;
	const char *type; /* customer, visit, contact, case, case_event, user, ... */
	const char *op;	  /* insert, upsert */
	const char *id;
	struct json_t *body;
	/* A person's session for a privileged change (POST /v1/session), or
	 * NULL; checked, never stored or echoed. */
	const char *session;
};
struct push_batch {
	struct json_t *root; /* owned: one reference */
	struct push_change *changes;
	size_t n;
	long long after; /* the seq this batch follows (0: none given) */
};
/*
 * Checks a push envelope: {"after": N, "changes": [{"seq", "type", "op",
 * "id", "body"[, "session"]}, ...]} with nothing else, 1..SERVER_PUSH_MAX changes, seq a
 * positive integer, strictly increasing. "after" is optional: the last seq
 * of the batch this one follows, below the first seq. Takes over the
 * caller's reference to root (also on failure). false with err 413/422
 * naming the member.
 */
bool server_push_parse(struct json_t *root, struct push_batch *b, struct server_error *err);
void server_push_release(struct push_batch *b);

/* Which codes exist (site, channel, service, team, outcome, failure). */
struct server_codes {
	bool (*exists)(void *ctx, const char *kind, const char *code);
	void *ctx;
};
/*
 * Checks one change's record: known type, members of the right types, no
 * unknown members, codes that exist (codes may be NULL to skip). On a
 * refusal returns false and writes a message naming the member to msg.
 * A customer change is also decoded into *customer (caller frees) when
 * customer is non-NULL.
 */
bool server_change_check(const struct push_change *c, const struct server_codes *codes,
			 struct customer **customer, char *msg, size_t msgsz);

/* True when role (advisor < supervisor < admin) is min_role or above; an
 * unknown or NULL role is nothing. */
bool server_role_at_least(const char *role, const char *min_role);

/* ---- listening --------------------------------------------------------- */

/* True if host (an IPv4/IPv6 literal or "localhost") is a loopback address. */
bool server_host_is_loopback(const char *host);
/* Splits "ADDR:PORT" or "[v6]:PORT"; false when malformed. */
bool server_listen_parse(const char *s, char *host, size_t hostsz, int *port);

/* ---- the program ------------------------------------------------------- */

/* frontdeskd's main: `frontdeskd COMMAND ...`; returns the exit status. */
int server_main(int argc, char **argv);

#endif
