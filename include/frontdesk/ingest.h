/*
 * ingest — reading outside CSV files into the store.
 *
 * Three layers:
 *   - a strict CSV reader (libcsv underneath) that turns a file or a memory
 *     block into a table of NUL-terminated fields, remembering the line where
 *     each record starts, and refuses what is not clean CSV text;
 *   - the reference data reader/loader for the seven files in data/;
 *   - the customer import.
 *
 * Never prints. Problems travel in struct err (one) or struct err_list
 * (many), each worded for a person and carrying FILE and LINE, so a caller
 * prints them as `data/services.csv:14: team 'revenue' is not in teams.csv;
 * did you mean 'revenues'?`. Writes only through store functions; no SQL.
 */
#ifndef FRONTDESK_INGEST_H
#define FRONTDESK_INGEST_H

#include "frontdesk/core.h"

/* The loaders write through the desk's store (frontdesk/store.h); the readers
 * need none of it, and frontdeskd includes this header for them. */
struct store;
struct retention_rule;

/* ---- many errors ------------------------------------------------------- */

/*
 * Problems travel in core's struct err_list, in the order found (file then
 * line order); callers keep INGEST_ERRORS_SHOWN of them, count the rest, and
 * show them with ingest_errors_format.
 */
#define INGEST_ERRORS_SHOWN 20

/* Formats one problem as "FILE:LINE: message" ("FILE:LINE:COLUMN: message"
 * when it points at a cell, "FILE: message" without a line, the message
 * alone without a file) into out. */
void ingest_err_format(const struct err *e, char *out, size_t outsz);
/*
 * Appends every kept problem to out, one "FILE:LINE: message" per line, and,
 * when some were not kept, a last line "... and N more problems (M in all)".
 * Returns STATUS_TOO_BIG if out's cap is reached (out keeps what fitted).
 */
enum status ingest_errors_format(const struct err_list *el, struct buf *out);

/* ---- the CSV reader ---------------------------------------------------- */

/* Largest CSV file ingest_csv_read_file() accepts by default. */
#define INGEST_CSV_MAX_BYTES (128u * 1024u * 1024u)
/* Largest single field, in bytes. */
#define INGEST_CSV_FIELD_MAX (64u * 1024u)
/* Most columns a header may name. */
#define INGEST_CSV_MAX_COLUMNS 64

/*
 * A parsed CSV file: a header and rows, all with the header's number of
 * fields. Read it with the accessors below; the members are the reader's.
 * Rows whose fields are all empty (",,,," lines spreadsheets leave behind)
 * are dropped; blank lines are skipped.
 */
struct ingest_csv {
	char name[ERR_FILE_MAX]; /* the file name used in messages */
	char *text;		 /* the fields, each NUL-terminated */
	size_t text_len, text_alloc;
	size_t *field; /* offset in text of each field, header first */
	size_t nfield, field_alloc;
	int *line; /* line where each record starts, header first */
	size_t nrecord, line_alloc;
	size_t ncols; /* fields per record (the header's count) */
};

/*
 * Parses len bytes at data as CSV: UTF-8 with or without a byte-order mark,
 * LF or CRLF line ends, RFC 4180 quoting (commas, doubled quotes and line
 * breaks inside quotes). The first record is the header: names are trimmed
 * and folded to lower case, and must be non-empty and distinct. Refuses,
 * with name:line in e, text that is not UTF-8, NUL bytes, a carriage return
 * without a line feed, stray quotes, an unclosed quote, a row with a
 * different number of fields from the header, a field over
 * INGEST_CSV_FIELD_MAX and an empty input (STATUS_PARSE or STATUS_TOO_BIG).
 * name is copied and used in messages. On success t holds the table; the
 * caller frees it with ingest_csv_release(). On failure t is left empty
 * (release is still safe).
 */
enum status ingest_csv_parse(struct ingest_csv *t, const char *name, const void *data, size_t len,
			     struct err *e);
/*
 * Reads the file at path (at most max_bytes; 0 for INGEST_CSV_MAX_BYTES) and
 * parses it as ingest_csv_parse() does, with path as the name in messages.
 * STATUS_IO when it cannot be read, STATUS_TOO_BIG over the cap.
 */
enum status ingest_csv_read_file(struct ingest_csv *t, const char *path, size_t max_bytes,
				 struct err *e);

/*
 * Called by the _each readers with t holding the header and the rows read
 * since the last call (ingest_csv_rows() of them, possibly none): read them
 * with the accessors, copying what is kept; t is emptied of them after.
 */
typedef void ingest_csv_rows_fn(void *ctx, const struct ingest_csv *t);
/*
 * As ingest_csv_parse() and ingest_csv_read_file(), but the rows are handed
 * to fn as they are read, every batch rows and once more at the end, so a
 * big file is never held whole in rows. The refusals are the same and so is
 * their order of precedence; but a problem may be found after fn has seen
 * rows, so nothing fn was given may be kept unless the call returns
 * STATUS_OK. fn is not called again once a problem is known. On return t
 * holds the header only (release it with ingest_csv_release()).
 */
enum status ingest_csv_parse_each(struct ingest_csv *t, const char *name, const void *data,
				  size_t len, size_t batch, ingest_csv_rows_fn *fn, void *ctx,
				  struct err *e);
enum status ingest_csv_read_each(struct ingest_csv *t, const char *path, size_t max_bytes,
				 size_t batch, ingest_csv_rows_fn *fn, void *ctx, struct err *e);
/* Frees the table and leaves t empty; safe on an empty or released t. */
void ingest_csv_release(struct ingest_csv *t);

/* Number of data rows (the header not counted). */
size_t ingest_csv_rows(const struct ingest_csv *t);
/* Number of columns. */
size_t ingest_csv_cols(const struct ingest_csv *t);
/* Header name of a column (lower case, trimmed); borrowed from t. */
const char *ingest_csv_header(const struct ingest_csv *t, size_t col);
/* The text of a field of data row `row` (from 0); "" when empty; borrowed
 * from t until ingest_csv_release(). */
const char *ingest_csv_field(const struct ingest_csv *t, size_t row, size_t col);
/* The line (from 1) where data row `row` starts. */
int ingest_csv_line(const struct ingest_csv *t, size_t row);
/* The line of the header record. */
int ingest_csv_header_line(const struct ingest_csv *t);

/*
 * Matches the header against the columns a file may have. known lists the
 * names (nknown of them); required[k] says whether known[k] must be present
 * (required may be NULL: all required). Writes to cols[k] the column index
 * of known[k], or -1 when absent. Fails (STATUS_PARSE, name:line of the
 * header in e) on an unknown column, with a "did you mean" when one is
 * close, or a missing required one; when no header name is known at all,
 * says the first line must be a header.
 */
enum status ingest_csv_map(const struct ingest_csv *t, const char *const *known, size_t nknown,
			   const bool *required, int *cols, struct err *e);

/* ---- reference data ---------------------------------------------------- */

/* Largest reference data file accepted. */
#define INGEST_REFDATA_MAX_BYTES (4u * 1024u * 1024u)

/*
 * Reads the seven reference data files in dir (services.csv, teams.csv,
 * sites.csv, channels.csv, outcomes.csv, failure-demand.csv,
 * bank-holidays.csv), and needs.csv when it is there (code, label, detail,
 * detail_required; without it out->nneeds is 0), into out, checking every
 * field with the core validators and across files (a service's team
 * exists; codes unique per file; holidays in order, no repeats; outcomes
 * include 'resolved' and 'referred'; a need's detail is a kind core knows). Every problem found goes to errs (may be NULL) as
 * "dir/file.csv:LINE: message". Returns STATUS_OK with out filled (caller
 * frees with refdata_release()), or the first problem's status with out
 * left empty.
 */
enum status ingest_refdata_read(const char *dir, struct refdata *out, struct err_list *errs);

/*
 * Reads dir as ingest_refdata_read() does, then makes the database's
 * reference data equal to it with store_refdata_replace(). All or nothing:
 * a problem in any file (in errs), or a store refusal (added to errs too),
 * changes nothing. Loading the same files again changes nothing.
 */
enum status ingest_refdata_load(struct store *s, const char *dir, struct err_list *errs);

/* ---- customers --------------------------------------------------------- */

/* Largest customers file accepted. */
#define INGEST_CUSTOMERS_MAX_BYTES INGEST_CSV_MAX_BYTES

/*
 * Imports customers from a CSV file whose header names columns from the
 * customer field table (name, dob, address, postcode, uprn, phone, email,
 * preferred_channel, needs, needs_basis, consent); name is required, the
 * others optional, empty cells leave a field unset. All or nothing: every
 * row is checked first (customer_field_check, and preferred_channel against
 * the active channels) and every bad row goes to errs as "FILE:LINE:
 * message"; if there is any, nothing is written and the first problem's
 * status is returned. Needs against the desk's list and their basis are
 * checked as each row is written (store_customer_add): the first refusal
 * is reported as "FILE:LINE: message" and nothing is written.
 * Otherwise all rows are added in one transaction (store_customer_add).
 * *imported (may be NULL) gets the number of customers added.
 */
enum status ingest_customers(struct store *s, const char *path, struct err_list *errs,
			     long *imported);

/* ---- the council's gazetteer ----------------------------------------- */

/* Largest gazetteer file accepted (a county's LLPG is a few hundred MB). */
#define INGEST_GAZETTEER_MAX_BYTES (1024u * 1024u * 1024u)

/*
 * Makes the store's gazetteer equal to the CSV file at path (the columns
 * man 5 frontdesk-data lists: uprn and postcode, with address_line_1..4
 * and town, or AddressBase Core's building and street columns). Every row
 * is checked first with core's validators (UPRN 1-12 digits, each UPRN
 * once, a UK postcode, the first line or a street not empty, no control or
 * direction-changing characters); every problem goes to errs as
 * "FILE:LINE:COLUMN: message", the column the cell's, and if there is any
 * nothing changes; so does a file with no addresses (it would empty the
 * gazetteer). Otherwise the addresses replace the old ones in one
 * transaction (store_gazetteer_replace). *loaded (may be NULL) gets the
 * number of addresses.
 */
enum status ingest_gazetteer_load(struct store *s, const char *path, struct err_list *errs,
				  long *loaded);

/* ---- retention schedule ------------------------------------------------ */

/*
 * Reads a retention schedule (data/retention.csv): a header with
 * record_type, period, action and an optional note column; one line per
 * record type (contact, case, customer, audit, outbox), a period such as
 * 6y, 18m or 30d, and delete or anonymise as retention_rule_check allows.
 * Every problem goes to errs as "FILE:LINE: message" and nothing is
 * returned then. On success *out holds *n rules (caller frees *out).
 */
enum status ingest_retention_read(const char *path, struct retention_rule **out, size_t *n,
				  struct err_list *errs);

#endif
