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

/* Adds e (from a validator) to errs after setting its place. */
void ingest_fail_err(struct err_list *errs, struct err *e, const char *file, int line);

/* Appends from's problems to to (counting those from did not keep) and
 * empties from; to may be NULL. */
void err_list_move(struct err_list *to, struct err_list *from);

#endif
