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

/* The whole file at path in *out (caller frees), at most max_bytes (0:
 * INGEST_CSV_MAX_BYTES); refusals name the file in e. */
enum status ingest_file_read(const char *path, size_t max_bytes, char **out, size_t *outlen,
			     struct err *e);

/*
 * Where field col (from 0) of the record that starts on line begins in
 * data, the len bytes a table was parsed from: its line and its column in
 * characters (from 1), for messages that point at a cell. Quotes are
 * followed as the reader does; a BOM is not counted.
 */
void ingest_csv_place(const char *data, size_t len, int line, size_t col, int *at_line,
		      int *at_col);

#endif
