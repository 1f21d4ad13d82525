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
	const char *type; /* customer, visit, contact, case, case_event, audit, flow_park, user */
	const char *op;	  /* insert, upsert, update, delete */
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
/* 422 unknown_field naming the first member of o not in known, with words
 * saying what the request takes; true when there is none. */
bool server_members_only(struct json_t *o, const char *const *known, const char *words,
			 struct server_error *err);
/* POST /v1/session's body, {"login", "password"} and nothing else: both
 * (borrowed from j; login 1-40 bytes, password 1..password_max); false
 * with err 422 naming the member. */
bool server_session_body(struct json_t *j, size_t password_max, const char **login,
			 const char **password, struct server_error *err);
/* POST /v1/pull/problems's body, {"problems": [...]}: 1..SERVER_PROBLEMS_MAX
 * changes a desk kept aside, each {"cursor", "type", "id", "reason"}
 * (cursor an integer >= -1; type and reason not empty; at most 40, 100 and
 * 512 bytes). The list (borrowed), or false with err 422 naming the member. */
#define SERVER_PROBLEMS_MAX 500
bool server_problems_body(struct json_t *j, struct json_t **problems,
			  struct server_error *err);
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
/* ---- trust: a device speaks only for itself (man 7 frontdesk-sync) ---- */

/* The device a push's token names, as the checks see it. */
struct server_device {
	const char *id;			/* its device id */
	const char *prov_id;		/* the id its desk had before enrolment, or "" */
	const char *code;		/* its device code: its case reference prefix */
	const char *prov_code;		/* the code its desk had before enrolment, or "" */
	const char *const *sites;	/* the sites it is enrolled for */
	size_t nsites;
};
/* The users the server holds: find() is true for a known login, with
 * whether it is disabled and the sites it is allowed at (none: every
 * site). */
struct server_users {
	bool (*find)(void *ctx, const char *login, bool *disabled, const char *const **sites,
		     size_t *nsites);
	void *ctx;
};
/*
 * The person an advisor (or actor) member names: "ROLE:LOGIN" (advisor,
 * supervisor, admin or user) or a bare LOGIN give LOGIN; "cli:NAME", the
 * system account running the command line, and "system", a program acting
 * with no identity (the store's default actor), name no person: false (they
 * are accepted, and never count as a person).
 */
bool server_advisor_login(const char *advisor, char *login, size_t loginsz);
/* The device code a case reference starts with ("ABC" of "ABC-00012");
 * false when there is none. */
bool server_reference_prefix(const char *ref, char *out, size_t outsz);
/*
 * Whether a change (already through server_change_check) speaks only for
 * device d: a contact's device_id is d's; visits and contacts name one of
 * d's sites and an advisor who is a user the server holds, not disabled,
 * allowed at that site (a case event's actor: at one of d's sites); a case
 * insert's reference starts with d's code (or provisional code) and "-";
 * an audit row's id is "<d's id>:<its seq>" with its device_id d's. NULL
 * when it does; else the refusal code with the member and the rule in msg
 * (no value the device sent): "not_yours", or "needs_person" for an advisor
 * the server does not hold yet (a user added at a desk arrives with an
 * administrator's session; the desk keeps the record waiting till then).
 * u NULL skips the advisor rule.
 */
const char *server_change_owned(const struct push_change *c, const struct server_device *d,
				const struct server_users *u, char *msg, size_t msgsz);
/*
 * A refusal as stored and answered: "TYPE seq N (id ID): RULE", with any
 * 'quoted' value in rule left out and an id that is not a UUID (or audit
 * id) not repeated, so nothing a device sent is echoed back.
 */
void server_refusal_text(const struct push_change *c, const char *rule, char *out,
			 size_t outsz);
/*
 * The change's digest, kept per (device, seq) to tell a retry from a
 * restored desk reusing a seq: hex SHA-256 over type "\n" op "\n" id and,
 * except for a customer, "\n" and the body as jansson dumps it with
 * JSON_COMPACT | JSON_SORT_KEYS.
 */
void server_change_digest(const struct push_change *c, char out[65]);
/* The same over a body already dumped that way (NULL for a customer). */
void server_change_digest_text(const struct push_change *c, const char *body, char out[65]);

/* ---- listening --------------------------------------------------------- */

/* True if host (an IPv4/IPv6 literal or "localhost") is a loopback address. */
bool server_host_is_loopback(const char *host);
/* Splits "ADDR:PORT" or "[v6]:PORT"; false when malformed. */
bool server_listen_parse(const char *s, char *host, size_t hostsz, int *port);

/* ---- the program ------------------------------------------------------- */

/* frontdeskd's main: `frontdeskd COMMAND ...`; returns the exit status. */
int server_main(int argc, char **argv);

/* ---- the key store (vault.c) --------------------------------------------- */

/*
 * One key per customer, outside PostgreSQL, under which every personal
 * value the server keeps is sealed; an erasure shreds the key, so no copy
 * of those values (rows, old row versions, WAL, backups) can be read again.
 * Safe to share between threads and between processes.
 */
struct vault;
#define VAULT_KEY_BYTES 32
#define VAULT_PREFIX "fd1:" /* how a sealed value starts */
enum vault_state { VAULT_NONE, VAULT_LIVE, VAULT_SHREDDED };
/* Opens the key store at path (made, 0600, when missing). */
struct vault *vault_open(const char *path, struct err *e);
void vault_close(struct vault *v);
/*
 * The key of customer (a UUID) into key, with its state: VAULT_LIVE (key
 * filled), VAULT_SHREDDED (erased: no key, ever again) or VAULT_NONE (none
 * yet). With create, a customer with none gets a new key (VAULT_LIVE); it
 * is durable only after vault_sync(), which must come before anything
 * sealed under it is committed. Wipe key after use (sodium_memzero).
 */
enum status vault_key(struct vault *v, const char *customer, bool create,
		      unsigned char key[VAULT_KEY_BYTES], enum vault_state *state, struct err *e);
/* How many customers the key store has an entry for (live or shredded). */
size_t vault_entries(struct vault *v);
/* The key store's path, as opened. */
const char *vault_path(const struct vault *v);
/* Makes the keys made since the last call durable. */
enum status vault_sync(struct vault *v, struct err *e);
/* Destroys customer's key, durably (a customer never seen is noted
 * shredded); *was_live (may be NULL) says whether there was a key. */
enum status vault_shred(struct vault *v, const char *customer, bool *was_live, struct err *e);
/* Seals len bytes of plain for customer: VAULT_PREFIX and base64 text
 * (caller frees). */
char *vault_seal(const unsigned char key[VAULT_KEY_BYTES], const char *customer,
		 const char *plain, size_t len);
/* Opens what vault_seal made (NUL-terminated, caller frees; *len its
 * length); NULL when it is not sealed under this key for this customer. */
char *vault_unseal(const unsigned char key[VAULT_KEY_BYTES], const char *customer,
		   const char *sealed, size_t *len);


#endif
