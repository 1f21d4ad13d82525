/*
 * store — the desk's SQLite case store: schema, migrations, queries, search,
 * outbox.
 *
 * The only module (with the server's pg code) that writes SQL. One database
 * file per console; WAL, synchronous=FULL, foreign_keys=ON and busy_timeout,
 * read back and checked at open. Every write that must reach the centre
 * appends to the outbox in the same transaction; every access to a customer
 * appends an audit row in the same transaction.
 *
 * Write functions are atomic: they either commit everything they wrote or
 * leave the database as it was. Called inside store_tx_begin()/store_tx_end()
 * they join that transaction instead (as a savepoint), so an import or a
 * reference-data load is all or nothing.
 *
 * The sections below follow src/store's files, one domain each: opening and
 * transactions (open.c), the desk (desk.c), reference data (refdata.c),
 * customers (customer.c) and their search (search.c), contacts and visits
 * (contact.c), cases (case.c), users and roles (user.c), the audit trail
 * (audit.c), the data subject's rights (subject.c), retention
 * (retention.c), sync (sync.c), flows (flow.c), demo data (demo.c) and, last,
 * the aggregate reads for reports (report.c). The statement cache, the
 * schema and the search index's internals are private (src/store/internal.h).
 */
#ifndef FRONTDESK_STORE_H
#define FRONTDESK_STORE_H

#include <stdio.h>

#include "frontdesk/core.h"

struct store;

/* ---- opening and transactions (open.c) --------------------------------- */

/*
 * A struct store is one open database file: opened and migrated here, with
 * who is acting (for the audit rows) and the transactions every other
 * section's writes join.
 */

/* The schema version this program writes and understands. */
#define STORE_SCHEMA_VERSION 10

enum store_open_flags {
	STORE_READONLY = 1 << 0, /* open for reading only */
	STORE_NO_CREATE = 1 << 1 /* refuse a file that does not exist yet */
};

/*
 * Where the database lives: path if non-NULL, else $FRONTDESK_DB, else
 * $XDG_DATA_HOME/frontdesk/frontdesk.db (XDG_DATA_HOME defaults to
 * ~/.local/share). Writes the path to out; STATUS_INVALID if none can be made.
 */
enum status store_resolve_path(const char *path, char *out, size_t outsz, struct err *e);

/*
 * Opens (creating parent directories and the file unless STORE_NO_CREATE) and
 * migrates the database to STORE_SCHEMA_VERSION. Refuses a database made by a
 * newer frontdesk (STATUS_DB_NEWER), a damaged or foreign file
 * (STATUS_DB_CORRUPT) and a read-only one when writing (STATUS_DB_READONLY),
 * each with a message that names the file and says what to do. Caller closes
 * *out with store_close().
 */
enum status store_open(const char *path, int flags, struct store **out, struct err *e);
/* Closes the database; NULL is a no-op. */
void store_close(struct store *s);
/* The file path (borrowed). */
const char *store_path(const struct store *s);
/* The schema version stored in the file. */
int store_user_version(struct store *s);

/* How long a write waits for another process's write to finish before it
 * gives up with STATUS_DB_BUSY (default 10 s). */
void store_set_busy_timeout(struct store *s, int ms);

/* Who is acting, for audit rows ("advisor:jsmith", "cli:root"). Copied. */
void store_set_actor(struct store *s, const char *actor);
const char *store_actor(const struct store *s);

/*
 * Demo data must never reach a real server: with capture off, writes do not
 * append to the outbox. On by default.
 */
void store_set_outbox_capture(struct store *s, bool on);

/*
 * A hint that a bulk write follows (an import, a reference-data load): the
 * page cache grows to 32 MB until the hint is turned off, and writes nested
 * in an explicit transaction take no savepoint: one that fails dooms the
 * whole transaction (store_tx_end then rolls back and reports it). The
 * outer transaction saves the clock's high-water mark once, when it
 * commits, and the search index is built in memory in larger pieces.
 * Customers added in bulk mode get no audit row each: the caller writes one
 * for the batch (an import names its file and count); their outbox rows
 * hold no copy of the record, which the push reads as it then stands
 * (store_outbox_batch). Turning bulk off merges some search-index segments.
 * Durability is unchanged.
 */
void store_bulk(struct store *s, bool on);

/* An explicit transaction (BEGIN IMMEDIATE, or a savepoint when nested).
 * store_tx_end commits when ok is true and rolls back otherwise. */
enum status store_tx_begin(struct store *s, struct err *e);
enum status store_tx_end(struct store *s, bool ok, struct err *e);

/* ---- the desk (desk.c) ------------------------------------------------- */

/*
 * What belongs to this console (the device and its day) rather than to a
 * customer, a case or a user: its settings (`frontdesk config`; changing
 * one needs STORE_PERM_SETTINGS, or STORE_PERM_TARGETS for a report
 * target), whether its database holds demo data, and what the search
 * screen shows the advisor before a customer is found: the hot topics live
 * now at its site and their own counts for today.
 */

/* Known device settings, their meaning and how each is checked. */
struct setting_info {
	const char *key;
	const char *help;
	const char *default_value; /* NULL: unset until configured */
};
/* The table of known settings, ended by a NULL key. */
const struct setting_info *store_settings_known(void);
/*
 * Reads a setting (its default when unset); *value is a fresh string the
 * caller frees, or NULL when unset with no default. STATUS_NOT_FOUND for an
 * unknown key (with a "did you mean").
 */
enum status store_setting_get(struct store *s, const char *key, char **value, struct err *e);
/* Checks (site and channel codes must exist, numbers in range) and stores. */
enum status store_setting_set(struct store *s, const char *key, const char *value,
			      struct err *e);
/* True if the database was made by `frontdesk demo generate`. */
bool store_is_demo(struct store *s);

/* A current hot topic (service notice); strings borrowed for the call. */
struct hot_topic_row {
	const char *id, *text, *site, *service;
};
/* Hot topics live now for site (and those for every site), newest first. */
enum status store_hot_topics(struct store *s, const char *site,
			     int (*fn)(void *ctx, const struct hot_topic_row *row), void *ctx,
			     struct err *e);
/* Adds a hot topic (site, service, starts and ends may be NULL); audited. */
enum status store_hot_topic_add(struct store *s, const char *text, const char *site,
				const char *service, const char *starts_at, const char *ends_at,
				struct err *e);

/* An advisor's contacts today (Europe/London day of the injectable clock). */
struct advisor_counts {
	long contacts, resolved, referred;
};
enum status store_advisor_counts_today(struct store *s, const char *advisor,
				       struct advisor_counts *out, struct err *e);

/* ---- reference data (refdata.c) ---------------------------------------- */

/*
 * Services, teams, sites, channels, outcomes, failure-demand reasons and
 * bank holidays: loaded whole (from data/ or pulled from the server) and
 * read by code everywhere else. A row the data no longer lists goes
 * inactive rather than away, so history still points at it. Loading needs
 * STORE_PERM_SETTINGS.
 */

/* "service", "team", ... as used in messages. */
const char *ref_kind_name(enum ref_kind k);

/*
 * Makes the database's reference data equal to rd in one transaction:
 * upserts every row, marks rows that rd no longer lists inactive (history
 * still points at them), replaces bank holidays. Idempotent. Checks cross
 * references (a service's team must exist) and refuses the whole load with
 * a message if one fails.
 */
enum status store_refdata_replace(struct store *s, const struct refdata *rd, struct err *e);
/* True if an active row of that kind has that code. */
bool store_ref_exists(struct store *s, enum ref_kind kind, const char *code);
/*
 * Checks a code against the active reference data; on failure the message
 * lists the valid codes ("unknown channel 'fax'; use one of: face-to-face,
 * phone, ...").
 */
enum status store_ref_check(struct store *s, enum ref_kind kind, const char *code,
			    struct err *e);
/* A service by code; caller releases with ref_service_release(). */
enum status store_service_get(struct store *s, const char *code, struct ref_service *out,
			      struct err *e);
/* Every active row of a kind, as (code, name) pairs, in code order. */
enum status store_ref_list(struct store *s, enum ref_kind kind,
			   int (*fn)(void *ctx, const char *code, const char *name), void *ctx,
			   struct err *e);
/*
 * Needs and support (data/needs.csv), loaded on first use and kept until
 * the reference data changes. store_needs_known fills k for needs_check and
 * needs_text (channels for a channel detail looked up here too); k borrows
 * s. store_needs_check checks a needs value against them; canonical form to
 * *out (caller frees).
 */
void store_needs_known(struct store *s, struct needs_known *k);
enum status store_needs_check(struct store *s, const char *needs, char **out, struct err *e);
/* Bank holidays, sorted; caller frees *out. */
enum status store_holidays(struct store *s, struct date **out, size_t *n, struct err *e);

/* ---- the council's gazetteer (gazetteer.c) ------------------------------ */

/*
 * The addresses the council's LLPG lists, each with its UPRN, loaded whole
 * from a CSV file (frontdesk data load --gazetteer) and read by the
 * customer form and `frontdesk address find`, so an advisor picks an
 * address instead of typing it. Desk-only reference data: it is not synced
 * (each desk loads the council's file) and holds no personal data. Loading
 * needs STORE_PERM_SETTINGS and is audited.
 */

/* One address to load; every text is borrowed. */
struct gazetteer_entry {
	const char *uprn;     /* 1-12 digits (checked by the caller) */
	const char *address;  /* the address lines joined with ", " (not empty) */
	const char *town;     /* NULL or "" when the file gives none */
	const char *postcode; /* canonical ("NG12 3AB") */
	const char *number;   /* the house number ("12", "12a"); NULL: none */
	const char *street;   /* the street the number is on; NULL: none */
};

/* One address found; every text is borrowed for the callback only. */
struct gazetteer_address {
	const char *uprn, *address, *town, *postcode;
};

/* Most addresses a search answers. */
#define GAZETTEER_FIND_MAX 200

/*
 * Makes the gazetteer equal to the n entries in one transaction (all or
 * nothing), with one audit row naming source (a file name) and the count.
 * A UPRN listed twice is refused (STATUS_INVALID naming the entry's index
 * in *bad, which may be NULL); the caller checks for it first to name the
 * lines.
 */
enum status store_gazetteer_replace(struct store *s, const struct gazetteer_entry *entries,
				    size_t n, const char *source, size_t *bad, struct err *e);
/* The number of addresses loaded; -1 on failure. */
long long store_gazetteer_count(struct store *s);
/*
 * The addresses at a postcode (canonical, as valid_postcode gives it), in
 * street and number order, at most GAZETTEER_FIND_MAX: fn is called for
 * each (a non-zero return stops). *found (may be NULL) gets how many fn saw.
 */
enum status store_gazetteer_postcode(struct store *s, const char *postcode,
				     int (*fn)(void *ctx, const struct gazetteer_address *a),
				     void *ctx, long *found, struct err *e);
/*
 * The addresses on a street whose name starts with street (case and accents
 * folded: "high st" finds High Street), and when number is not NULL or ""
 * at that house number only; order, cap and fn as above.
 */
enum status store_gazetteer_street(struct store *s, const char *number, const char *street,
				   int (*fn)(void *ctx, const struct gazetteer_address *a),
				   void *ctx, long *found, struct err *e);

/* ---- customers (customer.c) -------------------------------------------- */

/*
 * The golden record: one row per person, edited field by field, each field
 * stamped with a hybrid logical clock so that two hubs editing offline
 * merge to the same answer (last writer wins per field; erasure wins over
 * everything). Every write is checked again here, indexed for search,
 * queued for the server and audited, in one transaction; every record read
 * is audited and subject to the offline limit.
 */

/*
 * Adds a customer (fields already checked with customer_field_check): gives
 * it a UUIDv7 id (written to c->id) and HLC stamps, writes the search index,
 * the outbox and an audit row.
 */
enum status store_customer_add(struct store *s, struct customer *c, struct err *e);
/* Loads a customer by id and audits the access ("customer.view"). Caller
 * frees *out with customer_free(). STATUS_NOT_FOUND if no such customer. */
enum status store_customer_get(struct store *s, const char *id, struct customer **out,
			       struct err *e);

/* One field change for store_customer_edit (value NULL clears). */
struct customer_change {
	enum customer_field field;
	const char *value;
};
/* Applies checked changes with fresh HLC stamps; index, outbox, audit. */
enum status store_customer_edit(struct store *s, const char *id,
				const struct customer_change *changes, size_t n, struct err *e);

/*
 * Offline limit: a console enrolled with a server (server_url set) that has
 * not synced (sync_last_ok, else the enrolment time) for longer than
 * max_offline_days refuses to show customer records: STATUS_DENIED with a
 * message saying since when and what to do. A console never enrolled is not
 * limited. store_customer_get, store_customer_search and the export call it.
 */
enum status store_offline_check(struct store *s, struct err *e);

/* ---- customer search (search.c) ---------------------------------------- */

/*
 * Type-ahead search over an FTS5 index of folded text, which holds each
 * value in the forms people type it. Typed text is never FTS syntax.
 */

/* One search result: what a list row shows. Strings borrowed for the call. */
struct search_hit {
	const char *id;
	const char *name;
	const char *dob;
	const char *postcode;
	const char *address;
	const char *phone; /* E.164 */
	const char *matched_ref; /* a case reference that matched, or NULL */
	const char *case_ref;	 /* matched_ref, else the newest open case, or NULL */
	const char *needs;	 /* the customer's needs value, or NULL */
};
/*
 * Type-ahead search over names, addresses, postcodes, phones, emails and
 * case references. Case and accents folded, postcodes with or without the
 * space, phones in any UK form, each word a prefix. Quotes and FTS syntax
 * are searched as text. Calls fn per hit (at most limit), newest customer
 * first; fn returns non-zero to stop. *count gets the number of hits (may be
 * NULL). Does not audit: type-ahead runs a search per key, so the caller
 * audits a finished search (store_audit "customer.search" with the count,
 * never the query text) and store_customer_get audits each record opened.
 */
enum status store_customer_search(struct store *s, const char *query, int limit,
				  int (*fn)(void *ctx, const struct search_hit *hit), void *ctx,
				  int *count, struct err *e);
/* The longest search text taken, in characters (a longer one is refused
 * with a message, never cut). */
#define SEARCH_MAX_CHARS 200
/*
 * The FTS5 MATCH expression store_customer_search uses for query (for tests
 * and the benchmark's bare query); caller frees. NULL when the query has
 * nothing to search for.
 */
char *store_search_expr(const char *query);

/* ---- contacts and visits (contact.c) ----------------------------------- */

/*
 * A contact is one enquiry (channel, site, advisor, service, outcome; the
 * customer is optional, and most enquiries are anonymous); a visit groups
 * the enquiries of one visit or call. Contacts are immutable facts: a
 * correction is a new contact that points at the old one. Personal flow
 * answers are kept only on a contact linked to a customer.
 */

struct contact_input {
	const char *visit_id;	 /* NULL: a new visit */
	const char *customer_id; /* NULL: anonymous (the norm on the phone) */
	const char *channel;	 /* NULL: the desk's default_channel setting */
	const char *site;	 /* NULL: the desk's site setting */
	const char *advisor;	 /* NULL: the store's actor */
	const char *service;
	const char *outcome;
	const char *failure_demand; /* NULL: not avoidable */
	const char *notes;
	long duration_s;	    /* -1: unknown */
	const char *flow_id;	    /* NULL: no flow */
	int flow_version;
	const char *answers_json;   /* NULL or a JSON object */
	const char *team;	    /* referral: NULL for the service's default */
	const char *reason;	    /* referral reason (required when referred) */
	const char *corrects;	    /* id of the contact this one corrects */
};
struct contact_result {
	char contact_id[UUID_STR_LEN + 1];
	char visit_id[UUID_STR_LEN + 1];
	char case_id[UUID_STR_LEN + 1]; /* "" unless referred */
	char case_ref[32];		/* "" unless referred */
	char due[11];			/* YYYY-MM-DD, "" unless referred */
	char team[48];
};
/*
 * Checks every code and field, then logs the contact in one durable
 * transaction: contact (+ visit), a case and its first event when the outcome
 * is referred (reference from the device code and counter, due date from the
 * service standard in working days), search index, outbox, audit.
 */
enum status store_contact_log(struct store *s, const struct contact_input *in,
			      struct contact_result *out, struct err *e);

/* One contact in a customer's history; strings borrowed for the call. */
struct contact_row {
	const char *id, *visit_id, *created_at, *channel, *site, *advisor, *service,
		*service_name, *outcome, *failure_demand, *notes;
	long duration_s; /* -1 when unknown */
};
/* A customer's contacts, newest first, at most limit (0: 200). */
enum status store_customer_contacts(struct store *s, const char *customer_id, int limit,
				    int (*fn)(void *ctx, const struct contact_row *row),
				    void *ctx, struct err *e);

/* ---- cases (case.c) ---------------------------------------------------- */

/*
 * A case is a referral to a back-office team, raised by a contact whose
 * outcome is referred (store_contact_log): a reference read aloud to the
 * customer (the device code and a counter, WB2-00417), a due date from the
 * service standard in working days, and a status history (case events)
 * that only grows. The status rules are core's, the same the server
 * applies.
 */

struct case_filter {
	const char *status; /* NULL: any open status ("open", "in-progress",
			       "awaiting-customer"); "all"; or one status */
	const char *team;
	bool overdue;
};
struct case_row {
	const char *id, *reference, *customer_id, *team, *service, *reason, *status, *due,
		*created_at, *closed_at, *result;
	const char *customer_needs; /* the customer's needs value, or NULL */
	bool overdue;
};
/* Cases matching f, oldest due first; strings borrowed for the call. */
enum status store_case_list(struct store *s, const struct case_filter *f,
			    int (*fn)(void *ctx, const struct case_row *row), void *ctx,
			    struct err *e);
struct case_event_row {
	const char *at, *status, *note, *actor;
};
/* One case by reference and its status history, oldest first. */
enum status store_case_show(struct store *s, const char *reference,
			    int (*case_fn)(void *ctx, const struct case_row *row),
			    int (*event_fn)(void *ctx, const struct case_event_row *ev), void *ctx,
			    struct err *e);

/*
 * Console case rows carry the customer's name and overdue is false while a
 * case waits on the customer (its clock is paused). Strings are borrowed for
 * the call; customer_name is NULL for an anonymous case.
 */
struct console_case {
	struct case_row c;
	const char *customer_name, *service_name, *advisor, *site;
	long paused_days;
};
/* A customer's cases: open ones (any status but closed) first by due date,
 * then closed ones newest first when all is true. */
enum status store_customer_cases(struct store *s, const char *customer_id, bool all,
				 int (*fn)(void *ctx, const struct console_case *row), void *ctx,
				 struct err *e);

enum case_scope {
	CASES_MINE,    /* not closed, raised by advisor */
	CASES_SITE,    /* not closed, raised at site */
	CASES_OVERDUE, /* not closed, not waiting on the customer, past due */
};
/* Cases in a scope, oldest due first, at most limit (0: 500). */
enum status store_case_scope(struct store *s, enum case_scope scope, const char *advisor,
			     const char *site, int limit,
			     int (*fn)(void *ctx, const struct console_case *row), void *ctx,
			     struct err *e);
/* One case by reference (any case), for the case screen. */
enum status store_case_get_console(struct store *s, const char *reference,
				   int (*fn)(void *ctx, const struct console_case *row),
				   void *ctx, struct err *e);

/*
 * Changes a case: status NULL (or the same status) adds a note only. The
 * rules are core's (core.h "case rules"), the same the server applies to
 * the back office and to pushed changes: closing needs a result; while a
 * case is awaiting-customer its clock is paused: on leaving that status the
 * working days it waited are added to paused_days and the due date moves on
 * by as many working days; a closed case cannot change (STATUS_DENIED).
 * Writes the case, a case_event, the outbox and an audit row in one
 * transaction.
 */
enum status store_case_update(struct store *s, const char *reference, const char *status,
			      const char *note, const char *result, struct err *e);

/* ---- users and roles (user.c) ------------------------------------------ */

/*
 * The roles that say what each person may do, then the people who use
 * the desk and how they sign in.
 */

/*
 * Roles, enforced here and not only in screens. The store knows who acts
 * from store_set_actor ("advisor:jsmith") and finds the role of a
 * signed-in user ("ROLE:LOGIN") in the user table at each check, so a
 * demotion or a disabled account takes effect at once. An actor that is not
 * a user (the command line run by the IT administrator, "cli:root") gets its
 * role from store_set_actor_role. Anyone else ("system", "console" before
 * sign-in) has no role and may do none of the things below.
 */
enum store_role { STORE_ROLE_NONE, STORE_ROLE_ADVISOR, STORE_ROLE_SUPERVISOR, STORE_ROLE_ADMIN };
/* "advisor", "supervisor", "admin", or "no role". */
const char *store_role_name(enum store_role r);
/* The role for a role name; STORE_ROLE_NONE when unknown. */
enum store_role store_role_find(const char *name);
/* Sets the actor (as store_set_actor) and the role it acts with. Copied. */
void store_set_actor_role(struct store *s, const char *actor, enum store_role role);
/* The current actor's role (a user table look-up for "ROLE:LOGIN"). */
enum store_role store_actor_role(struct store *s);

/* What a role may do: name, the words in a refusal, the least role. */
#define STORE_PERMS(_)                                                                             \
	_(EXPORT, "export a customer's data", SUPERVISOR)                                          \
	_(ERASE, "erase a customer", ADMIN)                                                        \
	_(RETENTION, "apply the retention schedule", ADMIN)                                        \
	_(AUDIT, "read the audit trail", SUPERVISOR)                                               \
	_(USERS, "manage users", ADMIN)                                                            \
	_(REPORT_ALL, "see other advisors' figures or organisation-wide reports", SUPERVISOR)      \
	_(SETTINGS, "change how this desk works (its settings, reference data and flows)", ADMIN)  \
	_(TARGETS, "change the report targets", SUPERVISOR)
enum store_perm {
#define SP_ENUM(n, words, role) STORE_PERM_##n,
	STORE_PERMS(SP_ENUM)
#undef SP_ENUM
	STORE_PERM_COUNT
};
/* True if the current actor may do p (nothing is written). */
bool store_allowed(struct store *s, enum store_perm p);
/*
 * STATUS_OK if the current actor may do p. Otherwise writes an audit row
 * "access.denied" (detail: the permission; record_type/record_id: what was
 * asked for, may be NULL) and returns STATUS_DENIED with a message that says
 * who was refused what and who may do it. Call it before starting a
 * transaction that a refusal would roll back, so the refusal is kept.
 */
enum status store_require(struct store *s, enum store_perm p, const char *record_type,
			  const char *record_id, struct err *e);

/*
 * Users and sign-in. Roles are "advisor", "supervisor" and "admin". Logins are
 * 1-32 characters of a-z, 0-9, '.', '_' and '-', starting with a letter.
 * Passwords are hashed with libsodium's argon2id (crypto_pwhash_str) at the
 * interactive limits and re-hashed at the next sign-in when the limits
 * change. Every sign-in, failure, lock-out and sign-out is audited (the
 * login is the actor; never the password).
 */
#define USER_LOCK_ATTEMPTS 5	       /* failures in a row that lock a user */
#define USER_LOCK_MS (5 * 60 * 1000L) /* how long the lock lasts */
/* PASSWORD_MIN_CHARS and PASSWORD_MAX_BYTES are core's (the server holds to
 * them too). */

/* Checks a login name and a role; messages say what is allowed. */
enum status user_login_check(const char *login, struct err *e);
enum status user_role_check(const char *role, struct err *e);
/* Checks a new password (length in code points, valid UTF-8). */
enum status user_password_check(const char *password, struct err *e);

/*
 * The hash limits (libsodium opslimit and memlimit) new hashes are made with;
 * crypto_pwhash_OPSLIMIT_INTERACTIVE and _MEMLIMIT_INTERACTIVE unless a test
 * lowers them. A stored hash made with other limits is re-hashed at the next
 * successful sign-in.
 */
void store_user_hash_limits(unsigned long long opslimit, size_t memlimit);

/*
 * Managing users needs STORE_PERM_USERS (an admin, or the IT administrator
 * on the command line, who can also make the first admin of an empty
 * database); a refusal is STATUS_DENIED and an audit row.
 */
/* Adds a user (STATUS_EXISTS if the login is taken); audited "user.add". */
enum status store_user_add(struct store *s, const char *login, const char *display_name,
			   const char *role, const char *password, struct err *e);
/* Sets a new password and clears any lock-out; audited "user.passwd". */
enum status store_user_set_password(struct store *s, const char *login, const char *password,
				    struct err *e);
/* Changes a user's role (advisor, supervisor, admin); audited "user.role"
 * with the old and new role. STATUS_EXISTS when it is already that role;
 * STATUS_INVALID when it would leave no enabled admin. */
enum status store_user_set_role(struct store *s, const char *login, const char *role,
				struct err *e);
/* Disables (disabled = true) or re-enables a user; audited. */
enum status store_user_set_disabled(struct store *s, const char *login, bool disabled,
				    struct err *e);
/* Number of users (disabled ones included); -1 on a database error. */
long store_user_count(struct store *s);

/* One user as a list row shows it; strings borrowed for the call. */
struct user_row {
	const char *login, *display_name, *role, *created_at;
	const char *locked_until; /* NULL unless locked now */
	bool disabled;
	long failed_attempts;
};
/* Every user in login order. fn returns non-zero to stop. */
enum status store_user_list(struct store *s, int (*fn)(void *ctx, const struct user_row *row),
			    void *ctx, struct err *e);

/* Who signed in: copied out by the sign-in functions. */
struct user_session {
	char login[40];
	char display_name[128];
	char role[16];
};
/* Whether login is a user here who is not disabled (a pull may disable one:
 * the console then ends their session). */
bool store_user_may_sign_in(struct store *s, const char *login);

/*
 * Checks login and password. On success resets the failure count, re-hashes
 * when the limits changed, sets the store's actor to "advisor:LOGIN" (or
 * supervisor:/admin:) and fills *out. On a wrong password counts a failure
 * and, at the fifth in a row, locks the user for five minutes. A disabled or
 * locked user, an unknown login and a wrong password all return
 * STATUS_DENIED with a message for the person at the screen (an unknown login
 * and a wrong password read the same). unlock true means the same user
 * unlocking an idle-locked screen (audited "user.unlock", not "user.sign-in").
 */
enum status store_user_sign_in(struct store *s, const char *login, const char *password,
			       bool unlock, struct user_session *out, struct err *e);
/*
 * Signs a demo user in with no password: only on a database marked as demo
 * by `frontdesk demo generate` (settings demo = 1); STATUS_DENIED on any
 * other database. Audited "user.sign-in" with detail "demo".
 */
enum status store_user_demo_sign_in(struct store *s, const char *login,
				    struct user_session *out, struct err *e);
/* Audits "user.sign-out" (or "user.screen-lock" when lock is true) for the
 * store's actor. */
enum status store_user_sign_out(struct store *s, bool lock, struct err *e);

/* ---- the audit trail (audit.c) ----------------------------------------- */

/*
 * Who did what to which record, and when: a row per access or change,
 * written in the same transaction as what it records, hash-chained per
 * device (an edited, removed or reordered row is found) and pushed to the
 * server. Reading it needs STORE_PERM_AUDIT and is itself audited.
 */

/* Appends an audit row (who from store_actor, when from the clock). */
enum status store_audit(struct store *s, const char *action, const char *record_type,
			const char *record_id, const char *detail, struct err *e);

/* struct audit_row and audit_hash_row are core's (core.h, "audit chain"). */
struct audit_filter {
	const char *customer_id; /* rows about this customer, their contacts and cases */
	const char *user;	 /* rows by this login ("jsmith") or actor ("cli:root") */
	const char *from;	 /* rows at or after this ISO 8601 UTC time */
	long limit;		 /* at most this many rows; 0: all */
};
/*
 * Calls fn for the audit rows matching f (NULL: every row), oldest first;
 * fn returns non-zero to stop. Needs STORE_PERM_AUDIT (refusal audited);
 * the reading itself is audited ("audit.show").
 */
enum status store_audit_list(struct store *s, const struct audit_filter *f,
			     int (*fn)(void *ctx, const struct audit_row *r), void *ctx,
			     struct err *e);
/* What store_audit_verify found. */
struct audit_verify {
	long long rows;			 /* rows checked */
	long long last_seq;		 /* the last good row */
	long long first_bad;		 /* 0 when the chain is whole */
	char problem[ERR_MSG_MAX];	 /* the first broken row, for a person */
	char head[AUDIT_HASH_HEX + 1];	 /* the last hash, when whole */
	bool enrolled;			 /* the desk syncs with a server */
	long long acked_seq;		 /* the last row the server confirmed (0: never) */
	char acked_at[32];		 /* when it confirmed it (UTC) */
	bool cut;			 /* rows were removed from the end: the trail
					  * ends before acked_seq, or its row there has
					  * another hash than the server confirmed */
};
/*
 * Records the audit head the server acknowledged in a push answer (the
 * highest row it holds with every row before it, and that row's hash), with
 * the time, in the sync state ("audit_ack"); an older head than the one kept
 * changes nothing. Not audited (it would feed the trail it anchors).
 * STATUS_INVALID when seq or hash is malformed.
 */
enum status store_audit_ack(struct store *s, long long seq, const char *hash, struct err *e);
/*
 * Checks the whole chain: every row's hash recomputed, every row following
 * the one before it, no gaps; rows removed by retention are accounted for
 * by the checkpoint row that removed them. Returns STATUS_OK with
 * out->first_bad 0 when whole; STATUS_OK with first_bad and problem naming
 * the first broken row otherwise (edited, deleted, reordered). A whole
 * chain is then compared with the head the server last acknowledged
 * (store_audit_ack): out->cut when the chain ends before it or its row there
 * has another hash (rows cut off the end). Needs STORE_PERM_AUDIT; audited
 * ("audit.verify", with the result).
 */
enum status store_audit_verify(struct store *s, struct audit_verify *out, struct err *e);

/* ---- the data subject's rights (subject.c) ----------------------------- */

/*
 * Subject access (everything held about a person, as one JSON document or
 * as rows for a CSV file) and erasure (the right to be forgotten). Each
 * needs a role and is audited. Nothing here puts personal data in a
 * message or an audit row: messages name ids, fields and rules, never
 * values.
 */

/*
 * Subject access: everything held about a customer as one JSON object
 * {"subject_access": {customer_id, generated_at, generated_by, format},
 *  "customer": {id, created_at, updated_at, erased, fields: {name: ...}},
 *  "contacts": [{id, visit_id, created_at, channel, site, advisor, service,
 *                outcome, failure_demand, duration_s, flow_id, flow_version,
 *                answers, notes, corrects}],
 *  "cases": [{id, reference, team, service, reason, status, due_date,
 *             created_at, closed_at, result, events: [{at, status, note,
 *             actor}]}],
 *  "parked_flows": [{id, flow_id, flow_version, step, saved, parked_by,
 *                    parked_at}],
 *  "access": [{at, actor, action, record_type, record_id, detail}]}
 * newest last. format ("json", "csv") is only recorded in the audit row.
 * Needs STORE_PERM_EXPORT; subject to the offline limit; audited
 * ("customer.export"). An erased customer exports as the tombstone with
 * its history of access. Caller owns *out (json_decref).
 */
enum status store_customer_export(struct store *s, const char *id, const char *format,
				  struct json_t **out, struct err *e);

/* The cells in each row store_export_rows gives. */
#define STORE_EXPORT_COLUMNS 5
/*
 * Hands an export (from store_customer_export) out as rows for a CSV file
 * (csv_writer_row writes them): first the column names (section, record,
 * at, field, value), then one row per value that is not null: the request,
 * the customer, each contact, each case and (section "case event") its
 * history, each parked flow, and one row per access (the action as the
 * field, who as the value). Cells are borrowed for the call; NULL is an
 * empty cell. fn returns non-zero to stop; returns what fn last returned.
 */
int store_export_rows(const struct json_t *doc,
		      int (*fn)(void *ctx, const char *const *cells, size_t n), void *ctx);

/* What an erasure did. */
struct erase_result {
	long contacts;	  /* contacts whose notes and flow answers were removed */
	long cases;	  /* cases whose reason and result were removed */
	long case_events; /* case notes removed */
	long outbox;	  /* queued or sent change bodies cleaned */
	bool purged;	  /* the old text is gone from the file and its -wal
			     (false: another process held the log open; it goes at
			     the next checkpoint) */
};
/*
 * Erases a customer (right to erasure): every field of the record, the
 * search index entry, the flow answers and notes of their contacts, the
 * reason, result and notes of their cases, and the same in every change
 * body in the outbox. Contacts, visits and cases stay as anonymous
 * statistics (reports do not change). The record becomes a tombstone
 * (erased, fields NULL) queued for the server, where erasure wins every
 * merge. Runs with PRAGMA secure_delete, rebuilds the search index and
 * checkpoints the log so no page keeps the old text. reason (1-200
 * characters, must not name the person) goes into the audit row
 * "customer.erase". Needs STORE_PERM_ERASE. STATUS_NOT_FOUND for an unknown
 * id, STATUS_EXISTS when already erased (saying when). out may be NULL.
 */
enum status store_customer_erase(struct store *s, const char *id, const char *reason,
				 struct erase_result *out, struct err *e);

/* ---- retention (retention.c) ------------------------------------------- */

/*
 * The retention schedule (data/retention.csv, read by ingest): how long
 * each kind of record is kept, and what then happens to it: deleted, or
 * anonymised so that the counts stay. Applying it needs
 * STORE_PERM_RETENTION and is audited.
 */

#define RETENTION_RECORDS(_)                                                                       \
	_(CONTACT, "contact")                                                                      \
	_(CASE, "case")                                                                            \
	_(CUSTOMER, "customer")                                                                    \
	_(AUDIT, "audit")                                                                          \
	_(OUTBOX, "outbox")
enum retention_record {
#define RR_ENUM(n, name) RETENTION_##n,
	RETENTION_RECORDS(RR_ENUM)
#undef RR_ENUM
	RETENTION_RECORD_COUNT
};
enum retention_action { RETENTION_DELETE, RETENTION_ANONYMISE };
/*
 * One line of data/retention.csv. What each pair does:
 *   contact anonymise: contacts (and visits) older than the period lose
 *     their customer link, notes and flow answers (the counts stay);
 *   case delete / anonymise: cases closed longer ago than the period are
 *     deleted with their history / lose reason, result, notes and customer;
 *   customer anonymise: customers with no contact, case or edit within the
 *     period are erased (tombstones, as store_customer_erase);
 *   audit delete: audit rows older than the period go, leaving a checkpoint
 *     row with the last removed row's hash so the chain still verifies;
 *   outbox delete: change bodies already sent to the server.
 */
struct retention_rule {
	enum retention_record record;
	enum retention_action action;
	int amount;	  /* of unit */
	char unit;	  /* 'd' days, 'm' months, 'y' years */
	int line;	  /* in the schedule file, for messages (0: none) */
};
const char *retention_record_name(enum retention_record r);
const char *retention_action_name(enum retention_action a);
/* Looks names up; -1 when unknown. */
int retention_record_find(const char *name);
int retention_action_find(const char *name);
/*
 * Parses a period: a whole number and a unit, "6y", "18m", "30d" or "6
 * years", "18 months", "30 days" (1 day to 100 years). On failure the
 * message quotes the text and shows the forms.
 */
enum status retention_period_parse(const char *text, int *amount, char *unit, struct err *e);
/* Checks a rule's pairing of record and action (see above). */
enum status retention_rule_check(const struct retention_rule *r, struct err *e);
/* What one rule did (or would do, on a dry run). */
struct retention_outcome {
	const struct retention_rule *rule;
	char cutoff[32]; /* records before this UTC time */
	long rows;
};
/*
 * Applies the rules in one transaction (all or nothing), each against the
 * injectable clock, and calls fn (may be NULL) for each with what it did.
 * dry_run counts without changing anything. Needs STORE_PERM_RETENTION;
 * audited ("retention.apply", with the counts). Uses secure_delete.
 */
enum status store_retention_apply(struct store *s, const struct retention_rule *rules,
				  size_t n, bool dry_run,
				  int (*fn)(void *ctx, const struct retention_outcome *o),
				  void *ctx, struct err *e);

/* ---- sync (sync.c) ----------------------------------------------------- */

/*
 * The desk's side of sync. The outbox: every write that must reach the
 * centre appends its change in the same transaction (a transactional
 * outbox); a push takes batches of it and marks what the server holds.
 * The pull: pages of changes from other desks and the centre, each applied
 * in one transaction with its cursor. The sync state (cursor, last success,
 * enrolment) is kept in the settings table under internal keys.
 */

/* Number of outbox rows not yet sent. */
long store_outbox_pending(struct store *s);

/* One pending outbox row; strings borrowed for the callback. */
struct outbox_change {
	long long seq;
	const char *record_type, *record_id, *op, *body;
	/* "admin" or "supervisor": a privileged change, given only while the
	 * person set by store_outbox_set_person may send it; NULL otherwise */
	const char *wait_role;
};
/*
 * Calls fn for the oldest pending outbox rows (not sent, not refused, and
 * not waiting for a person other than the one store_outbox_set_person
 * names) after sequence `after` (0: from the first; a push with a batch
 * already in flight asks for the rows after it), at most max_changes of
 * them and,
 * after the first, while the bodies stay within max_bytes. *count gets the
 * number given to fn. The strings are borrowed for the call. A customer
 * queued by a bulk write (an import) is given as the record stands now, in
 * customer_to_json's form, like every other customer change.
 */
enum status store_outbox_batch(struct store *s, long long after, size_t max_changes,
			       size_t max_bytes,
			       int (*fn)(void *ctx, const struct outbox_change *c), void *ctx,
			       size_t *count, struct err *e);
/* A change the server refused, with its reason and code ("invalid",
 * "needs_person", ...; NULL: invalid). */
struct outbox_refusal {
	long long seq;
	const char *error;
	const char *code;
};
/*
 * After a push of rows first..last was answered: marks the pending rows up
 * to min(last, held) sent and each refused row refused (kept, with its
 * reason, for an administrator), in one transaction. Rows waiting for a
 * person other than the one set by store_outbox_set_person were not sent
 * and stay as they are. A row refused "needs_person" is not failed: it
 * waits (for an administrator when it is a user or customer change, else
 * for a supervisor), renumbered after every row queued so far, so it is
 * sent again under a new seq once such a person signs in.
 */
enum status store_outbox_mark(struct store *s, long long first, long long last, long long held,
			      const struct outbox_refusal *refused, size_t nrefused,
			      struct err *e);
/*
 * The server answered 409 seq_reused: this database was restored from a
 * backup and reuses sequence numbers the server holds with other records.
 * In one transaction: every change not sent (sent_at NULL, waiting ones
 * included) is renumbered, in its order, to follow `held` (and every row
 * kept), with no two rows sharing a number at any point, and the outbox's
 * AUTOINCREMENT row in sqlite_sequence is raised past them; the case counter
 * skips as many references as changes the server holds beyond what this
 * copy sent (work the restore lost may have taken them); the detection is
 * recorded in the sync state (sync_restore_at, _held, _renumbered, _lost)
 * and the audit trail. *renumbered gets how many rows moved.
 */
enum status store_outbox_renumber(struct store *s, long long held, long *renumbered,
				  struct err *e);
/* Number of refused outbox rows; -1 on error. */
long store_outbox_refused_count(struct store *s);

/*
 * Privileged acts need a person. A change only a person may make
 * (an erasure, a user change; the server also names a status change on
 * another desk's case) is queued waiting for a person holding the role: the
 * acting user when they hold it, else anyone who does. It is applied here
 * at once, and sent only in a sync that holds such a person's session.
 * store_outbox_set_person names the person whose session this process holds
 * (login and role; NULL login: none), so store_outbox_batch gives the rows
 * waiting for them too. Kept in memory only.
 */
void store_outbox_set_person(struct store *s, const char *login, const char *role);
/* Changes waiting for a person: one call per (login, role); login "" when
 * anyone holding role will do. */
struct outbox_waiting {
	const char *login, *role;
	long count;
};
enum status store_outbox_waiting(struct store *s,
				 int (*fn)(void *ctx, const struct outbox_waiting *w), void *ctx,
				 struct err *e);
struct outbox_refused_row {
	long long seq;
	const char *record_type, *record_id, *error, *created_at;
};
/* Every refused row, oldest first; strings borrowed for the callback. */
enum status store_outbox_refused(struct store *s,
				 int (*fn)(void *ctx, const struct outbox_refused_row *r),
				 void *ctx, struct err *e);

/*
 * Sync state kept in the settings table under internal keys (sync_cursor,
 * sync_last_ok, sync_last_error, sync_state, sync_ca, sync_pin, ...).
 * store_sync_state returns a fresh string (caller frees) or NULL.
 */
char *store_sync_state(struct store *s, const char *key);
enum status store_sync_state_set(struct store *s, const char *key, const char *value,
				 struct err *e);
/* The pull cursor (0 before the first pull). */
long long store_sync_cursor(struct store *s);
/*
 * Records an enrolment: the device id and code the server gave (the code
 * replaces the provisional one for new case references) and the server's
 * address, in one transaction.
 */
enum status store_device_enrolled(struct store *s, const char *device_id,
				  const char *device_code, const char *server_url, struct err *e);

/* What a pulled page changed. */
struct sync_applied {
	long customers, cases, case_events, users, flows, hot_topics, refdata, skipped;
	long erasures;	  /* customers erased by this page (scrubbed here) */
	long flow_parks;  /* parked flow runs added or removed */
	long kept_aside;  /* changes this desk could not apply (pull_problem) */
};
/*
 * Applies one pulled page (the JSON array of {"cursor", "type", "body"}) and
 * stores next_cursor, in one transaction: customers merge by HLC per field
 * (the server's copy is taken whole when nothing local is waiting to go),
 * erasure wins and scrubs what this console holds of the person (as
 * store_customer_erase does: notes, answers, case texts, queued bodies,
 * parked runs, the search index; the WAL is emptied after the commit);
 * cases and their status, case events, users, flows (with the keywords
 * and text the caller adds for the flow search), runs parked at other
 * desks and their removal, hot topics, sites, teams and services are
 * upserted. Nothing is queued back but the audit trail. Types this version
 * does not know are skipped (counted).
 *
 * Each change applies in its own savepoint: one this desk cannot apply (a
 * bad body, a case reference already used here, ...) is rolled back alone
 * and kept aside in pull_problem by its cursor with its type, record id and
 * reason (never its body), counted in n->kept_aside, and the page and the
 * cursor go on. A later change to the same record that applies removes the
 * record's earlier problems (it carries the whole record: that is the
 * retry). Pulling the same change again replaces its problem row. An
 * erasure kept aside still erases the person here when its id is a UUID
 * this desk holds (erasure wins over a body it cannot read). Only a fault
 * of this desk (disk full, locked, damaged) fails the whole page.
 */
enum status store_sync_apply(struct store *s, const struct json_t *changes,
			     long long next_cursor, struct sync_applied *n, struct err *e);

/* A pulled change kept aside; strings borrowed for the callback. */
struct pull_problem_row {
	long long cursor; /* its place in the server's order */
	const char *record_type, *record_id, *reason, *at;
	const char *reported_at; /* NULL until the server has it */
};
/* Number of pulled changes kept aside; -1 on error. */
long store_pull_problem_count(struct store *s);
/* Calls fn for the changes kept aside in cursor order (only those not yet
 * reported to the server when unreported), at most max (0: all). */
enum status store_pull_problems(struct store *s, bool unreported, size_t max,
				int (*fn)(void *ctx, const struct pull_problem_row *r), void *ctx,
				struct err *e);
/* Notes the changes kept aside with cursors first..last as reported. */
enum status store_pull_problems_reported(struct store *s, long long first, long long last,
					 struct err *e);

/* ---- flows (flow.c) ---------------------------------------------------- */

/*
 * FAQ flows as the desk keeps them: checked flows by (id, version) with
 * their source, so a contact can always be explained by the flow it used;
 * finding a flow by the customer's words; and runs parked on a customer
 * until they come back.
 */

/*
 * A checked flow to keep (the store does not read flow files: the caller
 * loads and checks them with flow/ first, and stores only flows with no
 * problems). Strings are borrowed for the call.
 */
struct store_flow {
	const char *id;
	long version;
	const char *title;
	const char *service;  /* service code, or NULL */
	const char *keywords; /* words it is found by, or NULL */
	const char *text;     /* its steps' words (say, labels, choices), or NULL */
	const char *source;   /* the file's bytes (flow_source), kept as they are */
	size_t source_len;
};
enum store_flow_put_result { STORE_FLOW_ADDED, STORE_FLOW_UNCHANGED };
/*
 * Keeps a flow as (id, version, source); older versions stay, so contacts
 * and parked runs keep the version they used. The same version with the
 * same source again changes nothing (*res = STORE_FLOW_UNCHANGED); with
 * different source it is refused (STATUS_EXISTS, saying to raise the
 * version, and whether parked runs use it) and nothing is written. The
 * search index follows the latest version of each flow. res may be NULL.
 */
enum status store_flow_put(struct store *s, const struct store_flow *f,
			   enum store_flow_put_result *res, struct err *e);
/*
 * A flow's source by id and version (version 0: the latest). *source is a
 * fresh NUL-terminated string the caller frees; *len (may be NULL) its
 * length; *version_out (may be NULL) the version found. STATUS_NOT_FOUND
 * with a message naming the version missing and the latest one here.
 */
enum status store_flow_get(struct store *s, const char *id, long version, char **source,
			   size_t *len, long *version_out, struct err *e);
/* Number of flow versions stored; -1 on a database error. */
long store_flow_count(struct store *s);

/* A flow found by words; strings borrowed for the callback. */
struct store_flow_hit {
	const char *id;
	long version; /* the latest on this desk */
	const char *title;
	const char *service; /* or NULL */
};
/*
 * Finds flows by the customer's words over titles, keywords and step text
 * (latest version of each), best first: any word may match, stems match
 * ("collected" finds "collection"), the last word is a prefix while it is
 * being typed. Input is never FTS syntax: every word is quoted. Empty text
 * lists every flow by title. At most limit hits (0: 50); fn returns
 * non-zero to stop; *count (may be NULL) gets the number given to fn.
 */
enum status store_flow_search(struct store *s, const char *query, int limit,
			      int (*fn)(void *ctx, const struct store_flow_hit *hit), void *ctx,
			      int *count, struct err *e);
/* The FTS5 MATCH text store_flow_search uses (for tests); caller frees;
 * NULL when the text has no words. */
char *store_flow_search_expr(const char *query);

/* A run parked on a customer (they must fetch a document). Strings
 * borrowed for the call. */
struct store_flow_park_input {
	const char *customer_id;
	const char *flow_id;
	long flow_version;
	const char *step;	 /* where it stopped, for lists and the audit row */
	const char *saved_json;	 /* flow_run_save() as JSON text */
	const char *replaces;	 /* id of the parked run this one replaces, or NULL */
};
/*
 * Parks a run on a customer (who must exist and not be erased; the flow
 * version must be stored), replacing `replaces` if given, and audits
 * "flow.park" (ids and step only, never answers), in one transaction.
 * id_out gets the parked run's id.
 */
enum status store_flow_park(struct store *s, const struct store_flow_park_input *in,
			    char id_out[UUID_STR_LEN + 1], struct err *e);
/* A parked run as read back; strings borrowed for the callback. */
struct store_flow_parked {
	const char *id, *customer_id, *flow_id;
	long flow_version;
	const char *step; /* or NULL */
	const char *saved_json;
	const char *parked_by, *parked_at;
	const char *title;   /* of that version; NULL when that version is not here */
	long latest_version; /* the latest version here; 0 when none */
};
/* A customer's parked runs, newest first (no audit: the customer view
 * that lists them audits its own reading). */
enum status store_flow_parked(struct store *s, const char *customer_id,
			      int (*fn)(void *ctx, const struct store_flow_parked *p), void *ctx,
			      struct err *e);
/* Number of a customer's parked runs; -1 on a database error. */
long store_flow_parked_count(struct store *s, const char *customer_id);
/*
 * Reads one parked run to resume it and audits "flow.resume" (in one
 * transaction); fn gets the row. The row stays until
 * store_flow_park_remove (when the resumed run is logged or parked again).
 * STATUS_NOT_FOUND when it is gone.
 */
enum status store_flow_resume(struct store *s, const char *park_id,
			      int (*fn)(void *ctx, const struct store_flow_parked *p), void *ctx,
			      struct err *e);
/* Removes a parked run (joins the caller's transaction, so logging the
 * resumed contact and removing it are one). STATUS_NOT_FOUND when gone. */
enum status store_flow_park_remove(struct store *s, const char *park_id, struct err *e);

/* ---- demo data (demo.c) ------------------------------------------------ */

/*
 * Generates demo data: n_customers and n_contacts of realistic synthetic UK
 * contacts, deterministic for a seed. Outbox capture is turned off (demo
 * people must never reach a server) and the database is marked as demo.
 * progress, if non-NULL, is called now and then with rows written so far.
 */
struct demo_options {
	long customers;
	long contacts;
	uint64_t seed;
	void (*progress)(void *ctx, const char *what, long done, long total);
	void *progress_ctx;
};
enum status store_demo_generate(struct store *s, const struct demo_options *o, struct err *e);

/* ---- reports ---------------------------------------------------------- */

/*
 * The desk's side of the supervisor reports. src/report computes them from
 * a struct report_source (report.h); this store is one such source, as
 * frontdeskd's PostgreSQL is another. Its aggregate reads count contacts
 * with the contact_tally sums the schema keeps; it audits a drill-down and
 * a refusal in this store's audit trail as store_actor(s).
 */
struct report_source;
struct report_viewer;
/* Fills *src to read s's figures and audit in s (s is borrowed, and must
 * outlive every use of *src). */
void store_report_source(struct store *s, struct report_source *src);
/*
 * The viewer the store's actor is: a supervisor when
 * store_allowed(s, STORE_PERM_REPORT_ALL) (supervisor, admin, and the owner
 * of the database file at a shell), otherwise an advisor whose contacts are
 * those logged as store_actor(s). v->advisor is borrowed from the store until
 * its actor next changes.
 */
void store_report_viewer(struct store *s, struct report_viewer *v);
/* valid_channel_mix and every channel code must exist (for config set). */
enum status store_report_mix_check(struct store *s, const char *text, struct err *e);

#endif
