/*
 * Private to src/server: the PostgreSQL layer (src/server/pg, the only place
 * the server's SQL lives) and what the HTTP and command files share.
 */
#ifndef FRONTDESK_SERVER_INT_H
#define FRONTDESK_SERVER_INT_H

#include <stdatomic.h>

#include <jansson.h>

#include "frontdesk/flow.h"
#include "frontdesk/server.h"
#include "frontdesk/store.h"

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
};
/* Applies a batch in one transaction, idempotent on (device, seq). */
enum status pg_push(struct pg *db, const struct device_auth *dev, const struct push_batch *b,
		    struct push_result *r, struct err *e);
void push_result_release(struct push_result *r);
/* Writes the pull response for changes after `after` into out. */
enum status pg_pull(struct pg *db, const struct device_auth *dev, long long after, int limit,
		    struct buf *out, struct err *e);

/* ---- back office and administration ----------------------------------- */

/* Sets a case's status (by reference) with an optional note; the change is
 * logged for every console. */
enum status pg_case_update(struct pg *db, const char *reference, const char *status,
			   const char *note, const char *actor, struct err *e);
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
/* Adds or updates a user with a password hash (argon2id string). */
enum status pg_user_put(struct pg *db, const char *login, const char *name, const char *role,
			const char *password_hash, struct err *e);
/* Sets the sites a user is allowed at (n 0: every site, the default);
 * STATUS_NOT_FOUND for a login the server does not hold. Pushed visits and
 * contacts naming the user as advisor at another site are refused. */
enum status pg_user_sites(struct pg *db, const char *login, const char *const *sites, int n,
			  struct err *e);
/* Erases a customer: a tombstone that wins, history scrubbed. */
enum status pg_customer_erase(struct pg *db, const char *id, struct err *e);
/* Whether a code of that kind exists (for flow checks). */
bool pg_code_exists(struct pg *db, const char *kind, const char *code);

/* ---- reports over every hub (pg/report.c) ----------------------------- */

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

/* Test hook: FRONTDESKD_TEST_PUSH_DELAY_MS makes a push wait that long
 * inside its transaction (so a test can kill the server mid-push). */
extern long server_test_push_delay_ms;
/* FRONTDESKD_TEST_OUT_OF_ORDER=N answers the first N pushes that follow
 * another ("after") 409 out_of_order, as if they had overtaken it (the
 * race a console's two batches in flight can run). */
extern atomic_long server_test_out_of_order;

/* ---- serving ----------------------------------------------------------- */

struct serve_options {
	const char *listen;
	const char *conninfo;
	const char *tls_cert, *tls_key;
	bool insecure_http;
	int threads;
};
/* Runs the HTTP server until SIGTERM or SIGINT; returns the exit status. */
int server_serve(const struct serve_options *o);

#endif
