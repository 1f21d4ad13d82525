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
};

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

/* Translates the database's last error for a person; returns the code.
 * what says what we were doing ("saving the contact"). */
enum status store_db_error(struct store *s, int rc, const char *what, struct err *e);

/* Runs SQL text with no results (schema, pragmas). */
enum status store_exec(struct store *s, const char *sql, struct err *e);

/* Binds a C string or NULL (for an empty or NULL value). */
int bind_text_or_null(sqlite3_stmt *st, int idx, const char *v);
/* Column text as a C string, "" for NULL; borrowed until the next step. */
const char *col_text(sqlite3_stmt *st, int idx);
/* Column text or NULL for SQL NULL; borrowed until the next step. */
const char *col_text_or_null(sqlite3_stmt *st, int idx);

/* Runs a single-row statement that returns no rows; SQLITE_DONE -> OK. */
enum status stmt_run(struct store *s, sqlite3_stmt *st, const char *what, struct err *e);

/* Reads a setting value directly (no defaults); fresh string or NULL. */
char *setting_raw(struct store *s, const char *key);
/* Writes a setting without checking it (internal keys: counters, ids). */
enum status setting_put(struct store *s, const char *key, const char *value, struct err *e);

/* Now as ISO 8601 UTC text (out >= 32 bytes). */
void store_now(char *out, size_t outsz);

/* Appends an outbox row (when capture is on). body is a JSON text. */
enum status outbox_add(struct store *s, const char *record_type, const char *record_id,
		       const char *op, const char *body, struct err *e);

/* Writes (replacing any old one) the search index row for the customer
 * with rowid num; an erased customer is only removed. */
enum status search_index_customer(struct store *s, sqlite3_int64 num, const struct customer *c,
				  const char *refs, struct err *e);
/* Adds the index row for a customer known to have none yet (bulk writes). */
enum status search_index_add(struct store *s, sqlite3_int64 num, const struct customer *c,
			     const char *refs, struct err *e);

/* Loads a customer without auditing (internal checks); *num gets its rowid
 * when num is non-NULL. Caller frees *out with customer_free(). */
enum status customer_load(struct store *s, const char *id, struct customer **out,
			  sqlite3_int64 *num, struct err *e);

/* Re-indexes the customer with that id (after a case gave them a reference). */
enum status search_reindex_customer(struct store *s, const char *id, struct err *e);

/* Schema migrations: brings the file from its user_version to
 * STORE_SCHEMA_VERSION, one transaction per step. */
enum status store_migrate(struct store *s, struct err *e);

/* The loaded bank holidays (sorted), loading them on first use. */
enum status holidays_get(struct store *s, const struct date **out, size_t *n, struct err *e);

#endif
