/*
 * sync — the console's side of the protocol in man 7 frontdesk-sync: push
 * the outbox in batches, pull the centre's changes a page at a time, over
 * libcurl with TLS verified always. Runs once (`frontdesk sync --once`) or
 * in a background thread that never blocks the screen; the status bar reads
 * sync_bg_status(), which only copies a struct under a mutex.
 *
 * No printing and no SQL here: the store keeps the outbox, the cursor and
 * the state (src/store/sync.c); messages travel in struct err.
 */
#ifndef FRONTDESK_SYNC_H
#define FRONTDESK_SYNC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "frontdesk/core.h"
#include "frontdesk/store.h"

#define SYNC_BATCH_MAX 500		 /* changes in one push */
#define SYNC_BATCH_BYTES (1024 * 1024)	 /* bodies in one push */
#define SYNC_PULL_LIMIT 1000		 /* changes asked for per pull page */
#define SYNC_PULL_PAGES_MAX 2000	 /* pages in one sync (2,000,000 changes) */
#define SYNC_BACKOFF_BASE_MS 1000	 /* first retry waits up to this */
#define SYNC_BACKOFF_CAP_MS (15 * 60000) /* and never more than this */
#define SYNC_INTERVAL_MS 60000		 /* background: a cycle a minute */

/* How a cycle ended. */
enum sync_outcome {
	SYNC_DONE,    /* everything pushed and pulled */
	SYNC_OFFLINE, /* server unreachable or busy: retry with backoff */
	SYNC_AUTH,    /* token refused or device revoked: stop, say so */
	SYNC_CONFIG,  /* not enrolled, bad URL, TLS not trusted, 4xx: stop */
	SYNC_FAILED   /* a local failure (database) */
};
/* "done", "offline", ... */
const char *sync_outcome_name(enum sync_outcome o);

/*
 * A person at this desk, for the changes only a person may send (erasure,
 * users, another desk's case; man 7 frontdesk-sync, "PRIVILEGED ACTS").
 * Kept in memory only, never on disk. Give login and password: the next
 * sync_run opens a session at the server (POST /v1/session), wipes the
 * password, keeps the token, and sends the changes waiting for that person
 * with it. A session the server no longer takes is forgotten (token
 * emptied); the changes wait again.
 */
struct sync_person {
	char login[64];
	char password[PASSWORD_MAX_BYTES + 2];
	char role[16];	     /* the server's answer */
	char token[96];	     /* the session, "" when none */
	char expires_at[32]; /* UTC */
	/* a refused sign-in only leaves the changes waiting (the console's
	 * background sync) instead of stopping the cycle (sync --once) */
	bool best_effort;
};
/* Wipes p (password and token). */
void sync_person_forget(struct sync_person *p);
/*
 * Opens p's session at the server now (POST /v1/session) with its login and
 * password, wiping the password either way. STATUS_OK with p->token and
 * p->role set; STATUS_DENIED when the server refuses the person (one answer
 * for a wrong login or password and a disabled user; or too many tries), e
 * says which; STATUS_IO when it cannot be reached.
 */
enum status sync_person_open(struct store *s, const char *db_path, struct sync_person *p,
			     struct err *e);

/*
 * Makes the words the flow search finds a flow by (keywords, what its steps
 * say) from its YAML source; STATUS_OK, or why the source cannot be read.
 * Sync moves flows and does not read them: the program passes the flow
 * module's flow_source_words.
 */
typedef enum status sync_flow_words_fn(const char *source, size_t len, struct buf *keywords,
				       struct buf *text);

/* Transport settings; NULL members take the values stored at enrolment. */
struct sync_options {
	const char *ca_file; /* trust this CA bundle instead of the system's */
	const char *pins;    /* "sha256//BASE64[;sha256//BASE64]": primary and backup */
	long connect_timeout_ms; /* 0: 10 s */
	long low_speed_time_s;	 /* 0: 30 s below 100 bytes/s */
	long timeout_s;		 /* 0: 120 s per request */
	atomic_bool *abort;	 /* set to stop a transfer at once (may be NULL) */
	struct sync_person *person; /* a person's session, or NULL (borrowed) */
	/* the search words of pulled flows; NULL: stored without them, found
	 * by their title only */
	sync_flow_words_fn *flow_words;
};

struct sync_report {
	enum sync_outcome outcome;
	long pushed;		/* changes the server now holds */
	long refused;		/* of them, refused (kept for an administrator) */
	long waiting_person;	/* of them, refused needs_person: waiting again */
	long pulled;		/* changes applied from the server */
	int http;		/* last HTTP status (0: no answer) */
	int64_t retry_after_ms; /* the server's Retry-After, 0 if none */
	long long clock_ahead_ms; /* the server bounded this device's clock */
	bool revoked;
	bool restored;	  /* the server said seq reused: this desk was restored */
	long renumbered;  /* changes renumbered after what the server holds */
	long kept_aside;  /* pulled changes this desk could not apply */
	long problems_reported; /* kept-aside changes reported to the server */
};

/*
 * Runs one cycle on an open store (db_path locates the token file): pushes
 * every pending change, batch by batch, then pulls until the server has no
 * more, then reports the pulled changes it kept aside and has not reported
 * yet (POST /v1/pull/problems, best effort). A push answered 409
 * seq_reused (this database was restored from a backup) renumbers what was
 * not sent (store_outbox_renumber; r->restored, r->renumbered) and pushes
 * again in the same cycle. Fills r and returns its outcome; e says what
 * went wrong. Records the outcome in the store (sync --status reads it).
 */
enum sync_outcome sync_run(struct store *s, const char *db_path, const struct sync_options *o,
			   struct sync_report *r, struct err *e);

/*
 * Ends the person's session at the server (DELETE /v1/session) and wipes p.
 * Best effort: a session not ended expires by itself.
 */
void sync_person_end(struct store *s, const char *db_path, const struct sync_options *o,
		     struct sync_person *p);

/*
 * Exponential backoff with full jitter: a uniform wait in
 * [0, min(CAP, BASE * 2^attempt)] picked with random, but never less than
 * the server's Retry-After.
 */
int64_t sync_backoff_ms(unsigned attempt, uint64_t random, int64_t retry_after_ms);

/*
 * Builds the next push body ({"after": N, "changes": [...]}) from the
 * outbox rows after sequence `after` (0: from the first unsent, and no
 * "after" member): at most SYNC_BATCH_MAX changes and SYNC_BATCH_BYTES of
 * bodies. *n is 0 when nothing waits; *first and *last get the batch's
 * sequence numbers.
 */
enum status sync_push_body(struct store *s, long long after, struct buf *out, long long *first,
			   long long *last, size_t *n, struct err *e);

/* What the status bar shows. */
struct sync_status {
	bool enrolled;
	bool online;  /* the last cycle reached the server */
	bool revoked; /* the server said this device is revoked */
	bool running; /* a cycle is under way (background only) */
	long waiting; /* changes waiting to go */
	long refused; /* changes the server refused */
	long waiting_person; /* of those waiting, privileged ones waiting for a
				person to sign in */
	long pull_problems; /* pulled changes kept aside (not applied here) */
	char restored_at[32]; /* UTC time a restore was last detected, or "" */
	long long restore_held; /* then: the highest seq the server held */
	long restore_renumbered; /* then: changes renumbered after it */
	long restore_lost;	 /* then: changes the server held that this copy lacked */
	char state[16];	    /* the last cycle: "online", "offline", "revoked",
			       "unauthorised", "error", or "" before any */
	char last_ok[32];   /* UTC time of the last successful sync, or "" */
	char last_error[256];
	char server[256];
	char device_code[16];
};
/* Reads the status from the store (for sync --status and the first paint). */
enum status sync_status_read(struct store *s, const char *db_path, struct sync_status *st,
			     struct err *e);

/* The bearer token file for a database: "<db>.token", mode 0600. */
char *sync_token_path(const char *db_path);
enum status sync_token_save(const char *db_path, const char *token, struct err *e);
/* The token (caller frees) or NULL when the device is not enrolled. */
char *sync_token_load(const char *db_path);

/*
 * Enrols this console: exchanges the one-time code at server_url for a
 * device id, device code and token; stores them (token in the 0600 file,
 * ca_file and pins for later cycles). Writes the device code to code_out.
 */
enum status sync_enrol(struct store *s, const char *db_path, const char *server_url,
		       const char *code, const struct sync_options *o, char *code_out,
		       size_t codesz, struct err *e);

/* ---- the server's address --------------------------------------------- */

/*
 * Parses a server address with libcurl's URL API (where curl would really
 * connect) and checks it: https://, or http:// only when the host is this
 * machine (127.0.0.0/8, ::1, localhost); no user name or password, no query
 * or fragment. Returns the address as curl normalised it, without trailing
 * slashes (caller frees), and says in *plain_http whether it is plain HTTP;
 * NULL with e filled when it is refused. Every request the console makes is
 * to an address that passed here.
 */
char *sync_url_parse(const char *url, bool *plain_http, struct err *e);

/* ---- reports over every hub -------------------------------------------- */

struct report_query;
/* What to ask frontdeskd for: GET /v1/reports/REPORT?from=..&to=..[&by=..]
 * [&site=..] from the query (its advisor is not sent: all hubs' figures are
 * for supervisors), plus this desk's values of report_setting_keys, as
 * person (a supervisor or an administrator on the server). All borrowed;
 * person is updated. */
struct sync_report_request {
	const struct report_query *query;
	struct sync_person *person;
};
/*
 * Fetches one report over every hub with this desk's device token (and its
 * enrolment's CA and pins). *out gets the server's JSON (report_table_json's
 * form with "scope": "all hubs"; caller json_decref()s). STATUS_NOT_FOUND
 * when the desk is not enrolled, STATUS_DENIED when the server refuses the
 * device or the person (403 for an advisor), STATUS_USAGE for a report the
 * server does not take, STATUS_IO when it cannot be reached; e says which
 * in words for people.
 * The person signs in at the server once (argon2id once): when person has
 * no session yet, one is opened with its login and password (POST
 * /v1/session; the password is wiped either way) and kept in person for
 * the next report, which then costs no password check. A session the
 * server no longer takes is forgotten (STATUS_DENIED: sign in again). End
 * it with sync_person_end.
 */
enum status sync_report_fetch(struct store *s, const char *db_path,
			      const struct sync_report_request *rq, json_t **out, struct err *e);

/* ---- the audit head, live --------------------------------------------- */

/*
 * Asks the server for the audit head it holds for this desk
 * (GET /v1/audit/head, with the device token and the enrolment's CA and
 * pins): *seq the highest row it holds with every row before it (0 when it
 * holds none) and hash that row's chain hash (65 bytes). STATUS_NOT_FOUND
 * when the desk is not enrolled, STATUS_DENIED when the device is refused,
 * STATUS_IO when the server cannot be reached; e says which.
 */
enum status sync_audit_head_fetch(struct store *s, const char *db_path, long long *seq,
				  char hash[65], struct err *e);

/* ---- background sync (for the console screens) ------------------------ */

struct sync_bg;
/* Starts a thread that syncs now and then every SYNC_INTERVAL_MS (backing
 * off while offline, pausing while revoked), on its own connection to the
 * database at db_path, and soon after new changes are queued (it looks
 * every 2 s). $FRONTDESK_SYNC_INTERVAL_MS sets another interval (tests).
 * flow_words makes pulled flows' search words (sync_options.flow_words).
 * NULL with e on failure. */
struct sync_bg *sync_bg_start(const char *db_path, sync_flow_words_fn *flow_words,
			      struct err *e);
/* Copies the latest status; never waits on the network or the database. */
void sync_bg_status(struct sync_bg *bg, struct sync_status *out);
/* Asks for a cycle soon (after the advisor saved something). */
void sync_bg_nudge(struct sync_bg *bg);
/* Number of cycles finished so far. */
long sync_bg_cycles(struct sync_bg *bg);
/*
 * The status in words for the console's status bar, e.g. "offline, 3
 * waiting, synced 10:40, 1 refused, 2 not applied" (pulled changes kept
 * aside; past 60 characters those two are counted together, "3 to check"),
 * or "online, 2 waiting (1 for a person), synced 10:40" when privileged
 * changes wait for someone to sign in (the time local, the date instead
 * when it was not today, by now_ms).
 */
void sync_status_words(const struct sync_status *st, int64_t now_ms, char *out, size_t outsz);
/*
 * Gives the background sync a person: at its next cycle it opens
 * a session for login with password (copied, then wiped once the server has
 * answered) and sends the changes waiting for them; a refused sign-in
 * leaves them waiting. NULL login ends the session held (signing out).
 * Kept in memory only.
 */
void sync_bg_person(struct sync_bg *bg, const char *login, const char *password);
/* Stops the thread (aborting a transfer in flight) and frees bg; NULL ok. */
void sync_bg_stop(struct sync_bg *bg);

#endif
