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

#endif
