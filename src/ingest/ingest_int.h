/*
 * Helpers shared by the files of src/ingest/ and nowhere else.
 */
#ifndef FRONTDESK_INGEST_INT_H
#define FRONTDESK_INGEST_INT_H

#include "frontdesk/ingest.h"

/*
 * Copies s into out for quoting in a message: at most outsz - 4 bytes, cut
 * on a UTF-8 boundary with "..." added when cut, control characters shown
 * as '?'.
 */
void ingest_quote(const char *s, char *out, size_t outsz);

/* Adds a problem at file:line to errs; returns code. */
enum status ingest_fail(struct ingest_errors *errs, enum status code, const char *file, int line,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Adds e (from a validator) to errs after setting its place. */
void ingest_fail_err(struct ingest_errors *errs, struct err *e, const char *file, int line);

/* Appends from's problems to to (counting those from did not keep) and
 * empties from; to may be NULL. */
void ingest_errors_move(struct ingest_errors *to, struct ingest_errors *from);

#endif
