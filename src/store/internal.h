/*
 * Private to src/store: the store struct, the prepared-statement cache and
 * the helpers every store file shares. Nothing outside src/store includes it.
 */
#ifndef FRONTDESK_STORE_INTERNAL_H
#define FRONTDESK_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdio.h>

#include "frontdesk/store.h"

/*
 * Every statement the store runs, prepared once on first use and reused
 * (sqlite3_reset after each use). The SQL lives beside the id in stmt.c.
 */
enum stmt_id {
	ST_SETTING_GET,
	ST_SETTING_SET,
	ST_REF_EXISTS_SERVICE,
	ST_REF_EXISTS_TEAM,
	ST_REF_EXISTS_SITE,
	ST_REF_EXISTS_CHANNEL,
	ST_REF_EXISTS_OUTCOME,
	ST_REF_EXISTS_FAILURE,
	ST_SERVICE_GET,
	ST_HOLIDAYS,
	ST_CUSTOMER_INSERT,
	ST_CUSTOMER_GET,
	ST_CUSTOMER_UPDATE,
	ST_CUSTOMER_FTS_INSERT,
	ST_CUSTOMER_FTS_DELETE,
	ST_CUSTOMER_REFS,
	ST_SEARCH,
	ST_SEARCH_REF,
	ST_VISIT_GET,
	ST_VISIT_INSERT,
	ST_CONTACT_INSERT,
	ST_CASE_INSERT,
	ST_CASE_EVENT_INSERT,
	ST_CASE_GET,
	ST_CASE_EVENTS,
	ST_AUDIT_INSERT,
	ST_OUTBOX_INSERT,
	ST_OUTBOX_PENDING,
	ST_COUNT_
};

struct store {
	sqlite3 *db;
	char *path;
	char *actor;
	bool readonly;
	bool outbox_capture;
	int tx_depth; /* 0: autocommit; 1: BEGIN IMMEDIATE; >1: savepoints */
	bool bulk;	/* store_bulk: nested writes take no savepoint */
	bool tx_doomed; /* a nested bulk write failed: the outer one must not commit */
	/* bulk mode: the last stamp given, saved as hlc_last when the outer
	 * transaction commits (not once per write); "" when saved */
	char hlc_unsaved[HLC_STR_MAX];
	bool fts_hash_raised; /* bulk transaction raised the search index's hashsize */
	struct buf scratch; /* reused text for one write (a customer's stamps) */
	sqlite3_stmt *stmt[ST_COUNT_];
	/* statements cached by their SQL text's address (stmt_sql) */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} adhoc[128];
	int nadhoc;
	char device_id[UUID_STR_LEN + 1];
	struct hlc hlc; /* restored from settings.hlc_last at open */
	/* bank holidays, loaded on first use (due dates) */
	struct date *holidays;
	size_t nholidays;
	bool holidays_loaded;
	/* needs and support (data/needs.csv), loaded on first use */
	struct ref_need *needs;
	size_t nneeds;
	bool needs_loaded;
	/* the role store_set_actor_role gave role_actor; used while the
	 * actor is still that one */
	char role_actor[128];
	int role;
	/* the person whose server session this process holds; "" when none */
	char person_login[64];
	char person_role[16];
};

/* ---- statements and helpers (stmt.c; errors and exec in open.c) -------- */

/* The cached statement for id, reset and with bindings cleared; NULL after
 * filling e when it cannot be prepared (a programmer error, or a damaged
 * database). */
sqlite3_stmt *stmt_get(struct store *s, enum stmt_id id, struct err *e);

/*
 * The cached statement for a static SQL string (a string literal: the cache
 * is keyed by its address), prepared on first use, then reset with bindings
 * cleared on each call. For store files that add queries without touching
 * the ST_ table. NULL after filling e on failure.
 */
sqlite3_stmt *stmt_sql(struct store *s, const char *sql, struct err *e);

/* Runs a single-row statement that returns no rows; SQLITE_DONE -> OK. */
enum status stmt_run(struct store *s, sqlite3_stmt *st, const char *what, struct err *e);
/* Runs the cached statement for sql bound to one text parameter (?1) and
 * adds the rows it changed to *count (may be NULL). */
enum status stmt_run1(struct store *s, const char *sql, const char *p1, long *count,
		      const char *what, struct err *e);
/*
 * The number a one-value query answers (a count, a max, an EXISTS): runs
 * st (bound by the caller, may be NULL) and resets it. -1 when st is NULL,
 * gives no row or fails. Every store_*_count is this.
 */
long long stmt_number(sqlite3_stmt *st);

/* Translates the database's last error for a person; returns the code.
 * what says what we were doing ("saving the contact"). */
enum status store_db_error(struct store *s, int rc, const char *what, struct err *e);

/* Runs SQL text with no results (schema, pragmas). */
enum status store_exec(struct store *s, const char *sql, struct err *e);

/* Binds a C string or NULL (for an empty or NULL value). */
int bind_text_or_null(sqlite3_stmt *st, int idx, const char *v);
/* The same without a copy: v must stay as it is until the statement is
 * reset (stmt_run resets it). For writes of many rows. */
int bind_static_or_null(sqlite3_stmt *st, int idx, const char *v);
/* Column text as a C string, "" for NULL; borrowed until the next step. */
const char *col_text(sqlite3_stmt *st, int idx);
/* Column text or NULL for SQL NULL; borrowed until the next step. */
const char *col_text_or_null(sqlite3_stmt *st, int idx);

/* Reads a setting value directly (no defaults); fresh string or NULL. */
char *setting_raw(struct store *s, const char *key);
/* Writes a setting without checking it (internal keys: counters, ids). */
enum status setting_put(struct store *s, const char *key, const char *value, struct err *e);

/* Now as ISO 8601 UTC text (out >= 32 bytes). */
void store_now(char *out, size_t outsz);

/* A day in milliseconds (the clock's unit). */
#define DAY_MS (24LL * 3600 * 1000)

/* ---- the gazetteer (gazetteer.c) ----------------------------------------- */

/* Empties the gazetteer and writes the n entries, inside the caller's
 * transaction (no permission asked, nothing audited: the caller does
 * both). A UPRN twice: STATUS_INVALID, its index in *bad (may be NULL). */
enum status gazetteer_write(struct store *s, const struct gazetteer_entry *entries, size_t n,
			    size_t *bad, struct err *e);

/* ---- schema (schema.c, and the steps other files own) ------------------- */

/* Schema migrations: brings the file from its user_version to
 * STORE_SCHEMA_VERSION, one transaction per step. */
enum status store_migrate(struct store *s, struct err *e);
/* Migration step (schema 5, report.c): counts the contacts written before
 * contact_tally existed into it and sets their repeated mark; triggers do
 * both for every later contact. */
enum status report_migrate(struct store *s, struct err *e);
/* Migration step (audit.c): chains the rows written before the chain
 * existed and adds the append-only triggers. */
enum status audit_chain_migrate(struct store *s, struct err *e);

/* ---- search index (search.c) -------------------------------------------- */

/* Writes (replacing any old one) the search index row for the customer
 * with rowid num; an erased customer is only removed. */
enum status search_index_customer(struct store *s, sqlite3_int64 num, const struct customer *c,
				  const char *refs, struct err *e);
/* Adds the index row for a customer known to have none yet (bulk writes). */
enum status search_index_add(struct store *s, sqlite3_int64 num, const struct customer *c,
			     const char *refs, struct err *e);

/* Appends tok[0..n) to b as one quoted FTS5 string ("..." with any "
 * doubled), so typed text is always searched as text, never FTS syntax. */
void fts_quote(struct buf *b, const char *tok, size_t n);

/* Merges search-index segments after a bulk write: all of them (full:
 * rewrites the index) or a bounded amount of work. Failures only cost
 * speed, so they are ignored. */
void search_tidy(struct store *s, bool full);

/* ---- reference data (refdata.c) ----------------------------------------- */

/* Drops the needs read by store_needs_known (the next use reads them again). */
void store_needs_forget(struct store *s);
/* The loaded bank holidays (sorted), loading them on first use. */
enum status holidays_get(struct store *s, const struct date **out, size_t *n, struct err *e);

/* ---- customers (customer.c) --------------------------------------------- */

/* Loads a customer without auditing (internal checks); *num gets its rowid
 * when num is non-NULL. Caller frees *out with customer_free(). */
enum status customer_load(struct store *s, const char *id, struct customer **out,
			  sqlite3_int64 *num, struct err *e);

/* The customer's field stamps as the JSON object stored in field_hlc
 * ({"name": "...", ...}, set fields only, keys sorted); caller frees. */
char *customer_stamps_json(const struct customer *c);

/* needs_basis came later than the others: bound at ?20 so the statements
 * keep their numbers. */
#define CUSTOMER_BIND_NEEDS_BASIS 20
/* Binds a customer's fields name..consent to ?2..?12 (phone_raw at ?8) and
 * stamps to ?13, without copies: c and stamps must stay as they are until
 * the statement has run. */
void customer_bind_fields(sqlite3_stmt *st, const struct customer *c, const char *stamps);

/* Re-indexes the customer with that id (after a case gave them a reference). */
enum status search_reindex_customer(struct store *s, const char *id, struct err *e);

/* ---- audit (audit.c) ----------------------------------------------------- */

/* Reads audit rows (no permission check, no audit row). */
enum status audit_rows(struct store *s, const struct audit_filter *f,
		       int (*fn)(void *ctx, const struct audit_row *r), void *ctx, struct err *e);
/* Retention: removes audit rows before cutoff (never the newest) and
 * appends the checkpoint row; *removed gets the count. Inside the caller's
 * transaction. */
enum status audit_trim(struct store *s, const char *cutoff, bool dry_run, long *removed,
		       struct err *e);

/* ---- erasure (subject.c) -------------------------------------------------- */

/*
 * Removes a customer's personal data in the caller's transaction: the
 * record's fields (erased = 1), the index entry, notes and flow answers of
 * their contacts, reason/result/notes of their cases, and the same in the
 * outbox bodies; queues the tombstone unless queue is false (a tombstone
 * pulled from the server is not sent back). For sync: call it when a pulled
 * tombstone is applied, so nothing of the person stays on this console.
 */
enum status customer_scrub(struct store *s, const char *id, bool queue, struct erase_result *out,
			   struct err *e);
/* After erasing: rebuilds the customer search index's segments so the
 * deleted terms leave the file (in the caller's transaction). */
enum status customer_index_purge(struct store *s, struct err *e);
/* After the commit of an erasure: copies the WAL into the file and
 * truncates it, so old page images go. false when another connection
 * holds the log (it is emptied at a later checkpoint). */
bool store_log_purge(struct store *s);
/* ---- the outbox (sync.c) ---------------------------------------------------- */

/*
 * The body of a customer's outbox row that carries no copy of the record
 * (bulk writes: an import queues 10^5 customers): store_outbox_batch sends
 * the customer as the record stands when it is pushed. Valid JSON, so SQL
 * that reads bodies (json_extract in subject.c) still can.
 */
#define OUTBOX_BODY_FROM_RECORD "{}"

/* Appends an outbox row (when capture is on), in the caller's transaction.
 * body is a JSON text. A change only a person may make (a user change, an
 * erasure) waits for one (store_outbox_set_person). */
enum status outbox_add(struct store *s, const char *record_type, const char *record_id,
		       const char *op, const char *body, struct err *e);

#endif
