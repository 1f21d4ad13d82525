/*
 * Private to src/server/pg: the connection and the helpers its files share.
 */
#ifndef FRONTDESK_PG_INT_H
#define FRONTDESK_PG_INT_H

#include <libpq-fe.h>

#include "../server_int.h"

struct pg {
	PGconn *conn;
	json_t *codes;		/* "kind:code" -> true, the active reference data */
	long long codes_at_ms;	/* when codes was read */
	struct vault *vault;	/* the key store (not owned; NULL: none given) */
};

/* Runs a statement with text parameters; the result (caller PQclears) or
 * NULL with e filled. */
PGresult *pg_exec(struct pg *db, const char *sql, int n, const char *const *params,
		  const char *what, struct err *e);
/* The same for statements whose rows are not wanted. */
enum status pg_run(struct pg *db, const char *sql, int n, const char *const *params,
		   const char *what, struct err *e);
/* Translates a failed result (r may be NULL) for a person. */
enum status pg_error(struct pg *db, PGresult *r, const char *what, struct err *e);
enum status pg_begin(struct pg *db, struct err *e);
/* Commits when ok, else rolls back. */
enum status pg_end(struct pg *db, bool ok, struct err *e);
/* A cell as a number (0 when not one). */
long long pg_ll(PGresult *r, int row, int col);
int pg_int_value(const char *s);
/* Hex hash of a secret (token or enrolment code). */
void secret_hash(const char *secret, char out[65]);
/*
 * Appends a change to the log consoles pull, in commit order: the first call
 * in a transaction takes the log lock, so cursors commit in the order they
 * were handed out. origin NULL: from the centre (every console gets it).
 */
enum status pg_log_change(struct pg *db, bool *locked, const char *type, const char *id,
			  const char *origin, const char *body, struct err *e);

/*
 * Erasure at the centre, in the caller's transaction: notes and answers of
 * the customer's contacts, reasons, results and notes of their cases, the
 * same in the change log, their parked flow runs, and the older log entries
 * of the record itself go. Log the tombstone after it, then call
 * pg_erasure_note() to record the erasure at that log entry.
 */
enum status pg_customer_scrub(struct pg *db, const char *id, struct err *e);
enum status pg_erasure_note(struct pg *db, const char *id, const char *origin, struct err *e);

/*
 * Sealing (seal.c). The members of a record that say something about a
 * person (a customer's fields, a contact's notes and answers, a case's
 * reason and result, an event's note, a parked run's state) are kept
 * sealed under the customer's key.
 */
/* True when records of type have personal members. */
bool pg_seals(const char *type);
/*
 * Seals body's personal members in place under customer's key (made when
 * new) and marks the body sealed; a body that names no customer (NULL), has
 * nothing personal, or is an erased customer's tombstone is left as it is,
 * and one of a customer erased here loses those members as the erasure
 * left the rest. Call pg_seal_commit() before committing.
 */
enum status pg_seal(struct pg *db, const char *type, json_t *body, const char *customer,
		    struct err *e);
/* A sealed copy of body as text (caller frees); NULL with e filled. */
char *pg_sealed_text(struct pg *db, const char *type, const json_t *body, const char *customer,
		     struct err *e);
/* Erasure: destroys customer's key, durably, before the caller commits. */
enum status pg_shred(struct pg *db, const char *customer, struct err *e);
/* Makes the keys made for this transaction's seals durable. */
enum status pg_seal_commit(struct pg *db, struct err *e);
/* Opens a sealed body in place for a desk; a member whose customer was
 * erased becomes what the erasure left. record_id names it in a log line
 * when a member does not open. */
enum status pg_unseal(struct pg *db, const char *type, json_t *body, const char *record_id,
		      struct err *e);

#endif
