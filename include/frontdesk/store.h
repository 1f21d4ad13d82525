/*
 * store — the SQLite case store: schema, migrations, queries, search, outbox.
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
 */
#ifndef FRONTDESK_STORE_H
#define FRONTDESK_STORE_H

#include "frontdesk/core.h"

struct store;

/* The schema version this program writes and understands. */
#define STORE_SCHEMA_VERSION 1

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
 * page cache grows to 256 MB until the hint is turned off, so the write is
 * not spilled to disk page by page, and writes nested in an explicit
 * transaction take no savepoint: one that fails dooms the whole
 * transaction (store_tx_end then rolls back and reports it). Durability is
 * unchanged.
 */
void store_bulk(struct store *s, bool on);

/* An explicit transaction (BEGIN IMMEDIATE, or a savepoint when nested).
 * store_tx_end commits when ok is true and rolls back otherwise. */
enum status store_tx_begin(struct store *s, struct err *e);
enum status store_tx_end(struct store *s, bool ok, struct err *e);

/* ---- settings ---------------------------------------------------------- */

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

/* ---- reference data ---------------------------------------------------- */

enum ref_kind { REF_SERVICE, REF_TEAM, REF_SITE, REF_CHANNEL, REF_OUTCOME, REF_FAILURE };
/* "service", "team", ... as used in messages. */
const char *ref_kind_name(enum ref_kind k);

struct ref_service {
	char *code, *name, *team, *url;
	long lgsl;	    /* 0 when none */
	long standard_days; /* response standard in working days */
};
struct ref_team {
	char *code, *name, *email;
};
struct ref_site {
	char *code, *name, *kind, *address, *postcode;
};
struct ref_channel {
	char *code, *name;
	long unit_cost_pence;
	bool digital;
};
struct ref_simple { /* outcomes and failure-demand reasons */
	char *code, *name, *help;
};
struct refdata {
	struct ref_service *services;
	size_t nservices;
	struct ref_team *teams;
	size_t nteams;
	struct ref_site *sites;
	size_t nsites;
	struct ref_channel *channels;
	size_t nchannels;
	struct ref_simple *outcomes;
	size_t noutcomes;
	struct ref_simple *failures;
	size_t nfailures;
	struct date *holidays; /* sorted ascending */
	char **holiday_names;
	size_t nholidays;
};
/* Frees every string and array in rd (not rd itself). */
void refdata_release(struct refdata *rd);

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
void ref_service_release(struct ref_service *r);
/* Every active row of a kind, as (code, name) pairs, in code order. */
enum status store_ref_list(struct store *s, enum ref_kind kind,
			   int (*fn)(void *ctx, const char *code, const char *name), void *ctx,
			   struct err *e);
/* Bank holidays, sorted; caller frees *out. */
enum status store_holidays(struct store *s, struct date **out, size_t *n, struct err *e);

/* ---- customers --------------------------------------------------------- */

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

/* One search result: what a list row shows. Strings borrowed for the call. */
struct search_hit {
	const char *id;
	const char *name;
	const char *dob;
	const char *postcode;
	const char *address;
	const char *phone; /* E.164 */
	const char *matched_ref; /* a case reference that matched, or NULL */
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
/*
 * The FTS5 MATCH expression store_customer_search uses for query (for tests
 * and the benchmark's bare query); caller frees. NULL when the query has
 * nothing to search for.
 */
char *store_search_expr(const char *query);

/* ---- contacts, visits, cases ------------------------------------------ */

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

struct case_filter {
	const char *status; /* NULL: any open status ("open", "in-progress",
			       "awaiting-customer"); "all"; or one status */
	const char *team;
	bool overdue;
};
struct case_row {
	const char *id, *reference, *customer_id, *team, *service, *reason, *status, *due,
		*created_at, *closed_at, *result;
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

/* ---- audit and outbox -------------------------------------------------- */

/* Appends an audit row (who from store_actor, when from the clock). */
enum status store_audit(struct store *s, const char *action, const char *record_type,
			const char *record_id, const char *detail, struct err *e);
/* Number of outbox rows not yet sent. */
long store_outbox_pending(struct store *s);

/* ---- bulk (demo data, benchmarks) ------------------------------------- */

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

#endif
