/*
 * Private to src/server: the PostgreSQL layer (src/server/pg, the only place
 * the server's SQL lives) and what the HTTP and command files share.
 */
#ifndef FRONTDESK_SERVER_INT_H
#define FRONTDESK_SERVER_INT_H

#include <jansson.h>

#include "frontdesk/flow.h"
#include "frontdesk/server.h"


struct pg;

/* Connects (conninfo as libpq takes it); NULL with e filled on failure. */
struct pg *pg_connect(const char *conninfo, struct err *e);
/* Closes; NULL is a no-op. */
void pg_close(struct pg *db);
/* True if the connection answers; reconnects once when it was lost. */
bool pg_ping(struct pg *db);
/* True if the connection looks usable (no round trip); reconnects when
 * libpq knows it was lost. */
bool pg_alive(struct pg *db);
/* Gives the connection the key store its sealed values need (not owned). */
void pg_use_vault(struct pg *db, struct vault *v);
/* Brings the schema up to date; *from and *to get the versions. */
enum status pg_migrate(struct pg *db, int *from, int *to, struct err *e);

/* ---- devices ----------------------------------------------------------- */

#define DEVICE_SITES_MAX 16 /* sites one device may be enrolled for */
struct device_auth {
	char id[UUID_STR_LEN + 1];
	char code[16];
	char site[48]; /* its home site (the first of sites) */
	char role[16]; /* console or back-office */
	bool revoked;
	char sites[DEVICE_SITES_MAX][48]; /* every site it may speak for */
	int nsites;
	/* What the desk used before enrolment, claimed once by this device
	 * (pg_device_claim); "" while none is. */
	char prov_id[UUID_STR_LEN + 1];
	char prov_code[16];
};
/*
 * Registers a device for nsites sites (the first its home site; role
 * "console" or "back-office") and makes a one-time enrolment code (valid
 * SERVER_ENROL_TTL_S, single use), of which only a hash is kept. Writes the
 * device code and the enrolment code.
 */
enum status pg_device_add(struct pg *db, const char *const *sites, int nsites, const char *role,
			  char *code_out, size_t codesz, char *enrol_out, size_t enrolsz,
			  struct err *e);
/*
 * Records value as the device's provisional device id (what "id") or case
 * reference prefix ("code"), as its desk used them before enrolment: only
 * when the device holds none yet and no device holds value as its own or
 * as a provisional one. Then fills dev's prov_id and prov_code with what
 * the device holds (value when claimed, here or by another request of the
 * same device). An error only when the database fails.
 */
enum status pg_device_claim(struct pg *db, struct device_auth *dev, const char *what,
			    const char *value, struct err *e);
/*
 * Exchanges an enrolment code for a bearer token (of which only a hash is
 * kept). STATUS_DENIED for an unknown, used or expired code.
 */
enum status pg_device_enrol(struct pg *db, const char *enrol_code, struct device_auth *dev,
			    char *token_out, size_t tokensz, struct err *e);
/* The device holding token: STATUS_NOT_FOUND when none; dev->revoked says
 * whether it was revoked. */
enum status pg_device_auth(struct pg *db, const char *token, struct device_auth *dev,
			   struct err *e);
struct device_row {
	const char *id, *code, *site, *role, *state, *created_at, *last_seen;
	const char *sites; /* every site, ","-joined, home site first */
	long long clock_ahead_ms;
	long long pull_problems; /* pulled changes it reported not applied */
};
enum status pg_device_list(struct pg *db, int (*fn)(void *ctx, const struct device_row *r),
			   void *ctx, struct err *e);
/* An erasure and the consoles that have applied it (pulled past its
 * tombstone; the console it came from counts) and not yet. */
struct erasure_row {
	const char *customer_id, *erased_at, *origin; /* origin: device code, "" centre */
	const char *applied, *waiting;		       /* device codes, ", "-joined */
};
enum status pg_erasure_list(struct pg *db, int (*fn)(void *ctx, const struct erasure_row *r),
			    void *ctx, struct err *e);
/*
 * The device's audit head: the highest audit seq such that the server holds
 * every row from the first the device sent up to it, each following the one
 * before it (prev_hash), and that row's chain hash; advanced over the rows
 * that arrived since, never moved back, stopped by a fork. *seq 0 when none.
 */
enum status pg_audit_head(struct pg *db, const char *device_id, long long *seq,
			  char hash[65], struct err *e);
/* What frontdeskd audit verify found for one device. */
struct audit_check {
	const char *device_id, *device_code;
	long long rows;		/* rows held */
	long long first_seq;	/* the first row held (rows before it were never sent) */
	long long head_seq;	/* the last row of a whole chain */
	char head_hash[65];
	char problem[512];	/* "" when the chain is whole; else gaps, edits, forks */
};
/*
 * Recomputes each device's audit chain over the central copy (core's
 * audit_hash_row): every row's hash, every row following the one before it,
 * no gaps, no two rows at one seq, nothing missing up to the head it
 * acknowledged. device (id or code) NULL: every device. Calls fn per device.
 */
enum status pg_audit_verify(struct pg *db, const char *device,
			    int (*fn)(void *ctx, const struct audit_check *c), void *ctx,
			    struct err *e);
/* Revokes by id or device code. */
enum status pg_device_revoke(struct pg *db, const char *which, struct err *e);

/* ---- push and pull ----------------------------------------------------- */

struct push_result {
	long long held;		/* highest seq the server holds for the device */
	json_t *refused;	/* [{"seq": N, "error": MSG, "code": CODE}], owned */
	bool seq_reused;	/* a seq held names another record: nothing applied */
	long long reused_seq;	/* ... the first such seq */
	size_t reused_index;	/* ... and its place in the batch */
	long long clock_ahead_ms; /* > 0: the device's clock was bounded */
	size_t applied;		/* changes applied now (not seen before) */
	bool out_of_order;	/* the batch named by "after" is not held: nothing applied */
	long long audit_seq;	/* > 0: the batch carried audit rows, and this is the */
	char audit_hash[65];	/* device's acknowledged audit head (pg_audit_head) */
};
/* Applies a batch in one transaction, idempotent on (device, seq). */
enum status pg_push(struct pg *db, const struct device_auth *dev, const struct push_batch *b,
		    struct push_result *r, struct err *e);
void push_result_release(struct push_result *r);
/* Records what a device reported kept aside (POST /v1/pull/problems):
 * problems is a checked JSON array of {"cursor", "type", "id", "reason"};
 * the same cursor reported again replaces its row. STATUS_INVALID (nothing
 * kept) when a cursor is beyond the change log's. */
enum status pg_pull_problems_add(struct pg *db, const struct device_auth *dev,
				 const char *problems, struct err *e);
/* One change a desk reported kept aside; strings borrowed for the callback. */
struct pull_problem_row_srv {
	const char *device_code, *reported_at, *record_type, *record_id, *reason;
	long long cursor;
};
/* Calls fn for every change desks reported kept aside, by device code and
 * cursor; device (an id or code) keeps to one desk, NULL for all. */
enum status pg_pull_problem_list(struct pg *db, const char *device,
				 int (*fn)(void *ctx, const struct pull_problem_row_srv *r),
				 void *ctx, struct err *e);
/* Writes the pull response for changes after `after` into out. */
enum status pg_pull(struct pg *db, const struct device_auth *dev, long long after, int limit,
		    struct buf *out, struct err *e);

/* ---- back office and administration ----------------------------------- */

/*
 * Sets a case's status (by reference) with an optional note, following the
 * desks' case rules (core.h "case rules"): closing needs result, a closed
 * case is STATUS_DENIED, leaving awaiting-customer moves the due date on by
 * the working days waited (bank holidays as loaded) and adds them to the
 * paused days. The case and its event are logged for every console, so each
 * desk's pull shows the same status, due date and paused days.
 */
enum status pg_case_update(struct pg *db, const char *reference, const char *status,
			   const char *note, const char *result, const char *actor,
			   struct err *e);
/* Publishes a loaded flow; *was_new false when that version was there. */
enum status pg_flow_publish(struct pg *db, const struct flow *f, bool *was_new, struct err *e);
struct hot_topic_in {
	const char *text, *site, *service, *starts_at, *ends_at;
};
enum status pg_hot_topic_add(struct pg *db, const struct hot_topic_in *h, char *id_out,
			     struct err *e);
/* Makes the central reference data equal to rd; *changed counts rows changed. */
enum status pg_refdata_load(struct pg *db, const struct refdata *rd, long *changed,
			    struct err *e);
/* Adds a user with a password hash (argon2id string); STATUS_EXISTS when
 * the login is there already (a disabled user is never re-enabled by an
 * add). Logged for every desk's pull. */
enum status pg_user_add(struct pg *db, const char *login, const char *name, const char *role,
			const char *password_hash, struct err *e);
/* What pg_user_change changes: NULL members and disabled -1 keep. */
struct user_change {
	const char *role, *password_hash;
	int disabled; /* 1 disable, 0 enable, -1 keep */
};
/* Changes a user (STATUS_NOT_FOUND when none); logged for every desk's
 * pull. Disabling ends the user's sessions. */
enum status pg_user_change(struct pg *db, const char *login, const struct user_change *ch,
			   struct err *e);
struct user_listed {
	const char *login, *role, *name, *updated_at;
	bool disabled;
	long long sessions; /* open sessions */
};
/* Every user, by login; strings borrowed for the callback. */
enum status pg_user_list(struct pg *db, int (*fn)(void *ctx, const struct user_listed *u),
			 void *ctx, struct err *e);
/* Sets the sites a user is allowed at (n 0: every site, the default);
 * STATUS_NOT_FOUND for a login the server does not hold. Pushed visits and
 * contacts naming the user as advisor at another site are refused. */
enum status pg_user_sites(struct pg *db, const char *login, const char *const *sites, int n,
			  struct err *e);
/* Erases a customer: a tombstone that wins, history scrubbed. */
enum status pg_customer_erase(struct pg *db, const char *id, struct err *e);
/* Refuses a key store with no keys while the database holds values sealed
 * under keys (a wrong --keys, a lost or replaced file): served, every
 * sealed value would read as erased and new keys be made beside the lost. */
enum status pg_keys_check(struct pg *db, struct err *e);
/* Shreds again the key of every customer erased here (a key store restored
 * from a backup brings erased keys back); *n: how many were live. */
enum status pg_erasures_shred(struct pg *db, size_t *n, struct err *e);
/* Seals what an older frontdeskd kept in the clear (frontdeskd keys seal):
 * per kind of record, how many were sealed and the kind's name. */
#define PG_SEALED_KINDS 6
enum status pg_seal_existing(struct pg *db, long counts[PG_SEALED_KINDS],
			     const char *names[PG_SEALED_KINDS], struct err *e);
/* Whether a code of that kind exists (for flow checks). */
bool pg_code_exists(struct pg *db, const char *kind, const char *code);

/* ---- reports over every hub (pg/report_source.c) ---------------------- */

struct report_source;
/* The reports' source over PostgreSQL; settings (fcr_target_percent, ...)
 * come from setting(setting_ctx, key), NULL for the reports' defaults. */
struct pg_report {
	struct pg *db;
	char *(*setting)(void *setting_ctx, const char *key); /* caller frees the text */
	void *setting_ctx;
};
/* Fills *src to read through pr (borrowed while src is used). */
void pg_report_source(struct pg_report *pr, struct report_source *src);
/* Checks a user's login and password against the server's copy (argon2id);
 * fills role ("advisor", "supervisor", "admin"). STATUS_DENIED for an
 * unknown or disabled login or a wrong password, with one message for all. */
enum status pg_user_check(struct pg *db, const char *login, const char *password, char *role,
			  size_t rolesz, struct err *e);

/* ---- persons' sessions (pg/session.c) ---------------------------------- */

/* How long a session lasts: renewed by nothing. */
#define SERVER_SESSION_TTL_S (8 * 3600)
struct session_opened {
	char token[80];	     /* the session token; only its hash is kept */
	char login[64];
	char role[16];
	char expires_at[32]; /* UTC */
	long retry_after_s;  /* > 0: refused, too many failed sign-ins */
};
/*
 * Opens a session for login at device dev after its password (argon2id,
 * checked once by pg_user_check; an unknown login, a wrong password and a
 * disabled user are one answer, STATUS_DENIED, and each counts as a
 * failure). After SESSION_FAIL_MAX failures in 15 minutes for the login or
 * at the device, STATUS_DENIED with out->retry_after_s > 0 and no password
 * is checked. The caller wipes out->token after sending it.
 */
enum status pg_session_open(struct pg *db, const struct device_auth *dev, const char *login,
			    const char *password, struct session_opened *out, struct err *e);
/*
 * Checks a session token given with a privileged change: open, not expired,
 * of this device, of a user who is enabled and holds min_role or above now.
 * Fills login_out (may be NULL). STATUS_DENIED otherwise, e saying which
 * rule in words (no personal data).
 */
enum status pg_session_check(struct pg *db, const struct device_auth *dev, const char *token,
			     const char *min_role, char *login_out, size_t loginsz, struct err *e);
/* Ends one session of device dev; STATUS_NOT_FOUND when none is open. */
enum status pg_session_end(struct pg *db, const struct device_auth *dev, const char *token,
			   struct err *e);
/* Ends every open session of a login (the user was disabled). */
enum status pg_session_end_user(struct pg *db, const char *login, struct err *e);

/*
 * Test seams. The shipped frontdeskd has none: here they are empty inlines
 * and the code that calls them folds away. The test build (make
 * frontdeskd-test, build/frontdeskd-test) compiles the callers with
 * FRONTDESK_TEST_HOOKS and links tests/hooks/server_hooks.c, which reads:
 *   FRONTDESKD_TEST_PUSH_DELAY_MS=MS   a push waits that long inside its
 *       transaction and again after it (so a test can kill the server or
 *       stop it mid-push);
 *   FRONTDESKD_TEST_OUT_OF_ORDER=N     the first N pushes that follow
 *       another ("after") are answered 409 out_of_order, as if they had
 *       overtaken it (the race a console's two batches in flight can run).
 */
#ifdef FRONTDESK_TEST_HOOKS
/* How long a push waits inside and after its transaction; 0: not at all. */
long server_hook_push_delay_ms(void);
/* True if this push is to be answered as having overtaken the one before
 * (counts down the N given). */
bool server_hook_push_overtaken(void);
#else
static inline long server_hook_push_delay_ms(void)
{
	return 0;
}
static inline bool server_hook_push_overtaken(void)
{
	return false;
}
#endif

/* ---- serving ----------------------------------------------------------- */

struct serve_options {
	const char *listen;
	const char *conninfo;
	const char *keys; /* the key store's path (vault.c) */
	const char *tls_cert, *tls_key;
	bool insecure_http;
	int threads;
	/* Limits that hold under hostile clients (see guard.c); 0 takes the
	 * default. */
	unsigned per_client;	     /* connections from one address (32) */
	unsigned header_timeout_s;   /* to send a request's headers (10) */
	unsigned request_timeout_s;  /* to send its body too (120) */
	unsigned body_budget_mib;    /* bodies buffered at once, all clients (256) */
};

/* ---- the connection guard (guard.c) ------------------------------------ */

struct guard_conn;
/* Starts the thread that cuts connections past their deadlines, and sets
 * the budget for bodies buffered at once (bytes). False if it cannot. */
bool guard_start(unsigned header_timeout_s, unsigned request_timeout_s, size_t body_budget);
void guard_stop(void);
/* A connection accepted on socket fd (owned by the caller until closed),
 * then closed: guard_close before the socket is closed; NULL is a no-op. */
struct guard_conn *guard_open(int fd);
void guard_close(struct guard_conn *c);
/* Its request's headers are in; the server is answering; it is answered
 * (the next request's headers are due from now). NULL is a no-op. */
void guard_headers_in(struct guard_conn *c);
void guard_handling(struct guard_conn *c);
void guard_request_done(struct guard_conn *c);
/* Takes n bytes of the body budget: false (nothing taken) when it would be
 * passed. guard_body_give returns what was taken. */
bool guard_body_take(size_t n);
void guard_body_give(size_t n);
/* Connections cut for slow headers, slow bodies; bodies refused as busy. */
void guard_counts(long *cut_headers, long *cut_requests, long *busy);
/* Runs the HTTP server until SIGTERM or SIGINT; returns the exit status. */
int server_serve(const struct serve_options *o);

#endif
