/*
 * core — records, ids, clocks, validation and the JSON form of every record.
 *
 * Shared by every other module and by the server, so the wire format has one
 * definition. Depends on libc, jansson and libsodium (the audit hash) only;
 * never prints, never touches
 * SQL or the terminal. Functions that can fail return an enum status and fill
 * the struct err the caller passes (which may be NULL when the caller does not
 * care about the detail).
 */
#ifndef FRONTDESK_CORE_H
#define FRONTDESK_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* ---- status codes and error detail ------------------------------------ */

/* One list generates the enum and the message table (tig's STATUS_CODE_INFO). */
#define STATUS_CODES(_)                                                        \
	_(OK, "ok")                                                            \
	_(INVALID, "invalid value")                                            \
	_(NOT_FOUND, "not found")                                              \
	_(EXISTS, "already exists")                                            \
	_(UNKNOWN_CODE, "unknown code")                                        \
	_(IO, "input/output error")                                            \
	_(DB, "database error")                                                \
	_(DB_BUSY, "database is busy")                                         \
	_(DB_NEWER, "database made by a newer frontdesk")                      \
	_(DB_CORRUPT, "database file is damaged")                              \
	_(DB_READONLY, "database cannot be written")                           \
	_(PARSE, "cannot parse input")                                         \
	_(TOO_BIG, "input too big")                                            \
	_(USAGE, "usage error")                                                \
	_(DENIED, "not allowed")

enum status {
#define STATUS_ENUM(name, msg) STATUS_##name,
	STATUS_CODES(STATUS_ENUM)
#undef STATUS_ENUM
	STATUS_COUNT_
};

/* The fixed English phrase for a status; never NULL. */
const char *status_message(enum status code);

#define ERR_MSG_MAX 512
#define ERR_FILE_MAX 256

/*
 * Detail of a failure: the code, a message worded for a person (what is
 * wrong, the subject quoted, what to do), and where in an input file the
 * problem is when there is one (line and column from 1; 0 when unknown).
 */
struct err {
	enum status code;
	char msg[ERR_MSG_MAX];
	char file[ERR_FILE_MAX];
	int line;
	int col;
};

/* Resets e to STATUS_OK with empty fields. e may be NULL. */
void err_clear(struct err *e);
/* Sets code and a printf-style message; returns code so callers can
 * `return err_set(e, STATUS_INVALID, "...")`. e may be NULL. */
enum status err_set(struct err *e, enum status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum status err_setv(struct err *e, enum status code, const char *fmt, va_list ap);
/* Records the input position (file may be NULL to keep the current one). */
void err_at(struct err *e, const char *file, int line, int col);
/* Writes "file:line:col: message" (or just the message) into out. */
void err_format(const struct err *e, char *out, size_t outsz);

/*
 * Problems found in one pass over some input (flow files, reference data,
 * a customer import), so a person sees every problem, not just the first.
 * Kept in the order found (err_list_sort orders them by file, line and
 * column); past `limit` they are counted in `dropped`, not kept. The list
 * owns `items`: embed it, set it up with err_list_init() and free with
 * err_list_release(). How a list is shown is its module's business.
 */
struct err_list {
	struct err *items;
	size_t count;	/* entries in items */
	size_t alloc;
	size_t limit;	/* most entries kept; 0: no limit */
	size_t dropped; /* found past the limit: counted, not kept */
};
/* Prepares an empty list keeping at most limit problems (0: all).
 * Allocates nothing until the first add. */
void err_list_init(struct err_list *l, size_t limit);
/* Frees the entries and empties the list, keeping its limit; l may be NULL. */
void err_list_release(struct err_list *l);
/* Appends a copy of e (kept if under the limit, counted always); l may be
 * NULL (nothing happens). */
void err_list_add(struct err_list *l, const struct err *e);
/* Appends a problem with code and a printf-style message at file:line:col
 * (file may be NULL, line and col 0 when not known); returns code. */
enum status err_list_addf(struct err_list *l, enum status code, const char *file, int line,
			  int col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
enum status err_list_addv(struct err_list *l, enum status code, const char *file, int line,
			  int col, const char *fmt, va_list ap);
/* Number of problems found, kept or dropped. */
size_t err_list_total(const struct err_list *l);
/* Orders problems by file name, line and column, keeping the order found
 * for ties. */
void err_list_sort(struct err_list *l);
/* Appends from's problems to to (counting those either could not keep)
 * and empties from; to may be NULL. */
void err_list_move(struct err_list *to, struct err_list *from);

/* ---- memory ------------------------------------------------------------ */

/* Allocation wrappers that never return NULL: out of memory aborts with a
 * message (the only non-programmer error we die for). */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh heap string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called before aborting on out-of-memory or a programmer error, so a UI can
 * restore the terminal first. NULL for none. */
extern void (*core_die_hook)(void);
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A growing, size-capped byte buffer (curl's dynbuf). Always NUL-terminated
 * once anything was added.
 *
 * Overflow is remembered. An append that would pass the cap adds nothing
 * and returns STATUS_TOO_BIG (later appends that fit still land), and the
 * buffer keeps a mark until buf_reset or buf_release. So one question after
 * a run of appends covers the whole run, a value dropped from the middle
 * included: buf_status, whose answer the compiler will not let a caller
 * drop (warn_unused_result; GCC does not let a (void) cast silence it).
 *
 * The rule, which tests/lint checks: before a capped buffer's text is used,
 * its writer has either checked each append's status or asked buf_status.
 * A helper that appends to a buffer it was given leaves the question to its
 * caller (the mark outlives the helper). A buffer made with cap 0 has no cap
 * (growth dies on out-of-memory), so its appends cannot fail.
 *
 * Why not warn_unused_result on every append instead: most text here is
 * built by runs of appends (JSON, SQL arrays, screen lines), and a check
 * after each would bury the text being built; and the mark makes one check
 * sound where checking only the last append was not (a long value dropped
 * from the middle, then a short "}" accepted).
 */
struct buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap;
	bool overflow; /* an append was refused since the last reset */
};
/* cap 0: no cap. */
void buf_init(struct buf *b, size_t cap);
/* Frees the text; the buffer is empty and unmarked, and may be reused. */
void buf_release(struct buf *b);
/* Empties the buffer (keeping its memory) and clears the overflow mark. */
void buf_reset(struct buf *b);
/* Append n bytes, a string, or printf's text; STATUS_TOO_BIG, adding
 * nothing and marking the buffer, when the cap would be passed. */
enum status buf_add(struct buf *b, const void *p, size_t n);
enum status buf_adds(struct buf *b, const char *s);
enum status buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* STATUS_TOO_BIG if any append since the last reset was refused, else
 * STATUS_OK. */
enum status buf_status(const struct buf *b) __attribute__((warn_unused_result));
/* The text, "" when empty; borrowed until the next change. */
const char *buf_str(const struct buf *b);
/* Hands the heap string to the caller (who frees it) and resets b. */
char *buf_detach(struct buf *b);
/*
 * Appends the gzip form of in[0..n) to out (for HTTP bodies both ways).
 * STATUS_TOO_BIG when out's cap is reached; out then holds a cut-short
 * stream, so the caller drops it.
 */
enum status buf_add_gzip(struct buf *out, const void *in, size_t n);
/*
 * Appends the unzipped form of the gzip stream in[0..n) to out (a string,
 * "" at least, on success). STATUS_PARSE when it is not one whole gzip
 * stream (e says how), STATUS_TOO_BIG past out's cap.
 */
enum status buf_add_gunzip(struct buf *out, const void *in, size_t n, struct err *e);

/* ---- clocks ------------------------------------------------------------ */

/*
 * The clock every module reads. Real time, unless FRONTDESK_NOW is set in the
 * environment (an ISO 8601 UTC time such as 2026-03-29T00:30:00Z) or a test
 * sets clock_hook. Never sleep to test time; inject it.
 */
extern int64_t (*clock_hook)(void);
/* Milliseconds since the Unix epoch. */
int64_t clock_now_ms(void);
/* Formats ms as 2026-11-22T10:02:49.123Z into out (at least 25 bytes). */
void time_format_utc(int64_t ms, char *out, size_t outsz);
/* Parses YYYY-MM-DDTHH:MM:SS[.mmm]Z; STATUS_INVALID if not that form. */
enum status time_parse_utc(const char *s, int64_t *ms);

/* A calendar date. */
struct date {
	int year, month, day;
};
/* Parses YYYY-MM-DD strictly (no impossible dates: 2025-02-29 is refused).
 * On failure the message names `field` and the rule. */
enum status date_parse(const char *s, struct date *d, const char *field, struct err *e);
/* A date as people here type it: DD/MM/YYYY (D/M/YYYY, dots too) or
 * YYYY-MM-DD, and a real day of the calendar. On failure the message names
 * `field`, quotes the text and shows both forms. */
enum status date_parse_uk(const char *s, struct date *d, const char *field, struct err *e);
void date_format(struct date d, char *out, size_t outsz); /* out >= 11 bytes */
bool date_valid(struct date d);
int date_cmp(struct date a, struct date b);
/* Days since 1970-01-01 and back. */
int64_t date_to_days(struct date d);
struct date date_from_days(int64_t days);
/* 1 = Monday ... 7 = Sunday. */
int date_weekday(struct date d);
/* Today's date in Europe/London for the injectable clock. */
struct date date_today_london(void);
/* The Europe/London calendar date of a UTC instant (BST from the last Sunday
 * of March 01:00 UTC to the last Sunday of October 01:00 UTC). */
struct date date_of_ms_london(int64_t ms);
/* A UTC instant as the Europe/London date and wall-clock time,
 * "2026-07-01 11:00" (out at least 17 bytes). */
void time_format_london(int64_t ms, char *out, size_t outsz);

/*
 * Adds `days` working days to `from` (the result is the day the work is due):
 * weekends and the given holidays (sorted ascending) do not count.
 */
struct date date_add_working_days(struct date from, int days, const struct date *holidays,
				  size_t nholidays);

/* ---- ids --------------------------------------------------------------- */

#define UUID_STR_LEN 36
/* A fresh UUIDv7 (time-ordered, random tail from getrandom) as lower-case
 * text into out (at least 37 bytes). */
void uuid_v7(char out[UUID_STR_LEN + 1]);
/* True if s is a well-formed UUID in text form. */
bool uuid_valid(const char *s);

/*
 * Hybrid logical clock stamps, one per customer field, so edits made offline
 * at two hubs merge to the same answer everywhere (last writer wins per
 * field). Text form "WWWWWWWWWWWWW-CCCC-NODE": 13-digit wall milliseconds, a
 * 4-hex-digit counter, the node (device) id; text order is stamp order.
 */
#define HLC_STR_MAX 64
struct hlc {
	int64_t wall_ms;
	uint32_t counter;
};
/* Advances the local clock for a local event and writes the stamp. */
void hlc_tick(struct hlc *clock, const char *node, char out[HLC_STR_MAX]);
/* Folds a remote stamp into the local clock (on receive). */
enum status hlc_observe(struct hlc *clock, const char *stamp, struct err *e);
/* Parses a stamp's parts; node is copied into node_out (>= 40 bytes) if non-NULL. */
enum status hlc_parse(const char *stamp, struct hlc *out, char *node_out, size_t node_sz);

/* ---- text -------------------------------------------------------------- */

/* True if s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string. */
size_t utf8_length(const char *s);
/*
 * "Did you mean": the name in names[0..n) (NULL entries skipped) closest to
 * the mistyped word, or NULL when none is close enough to be a likely typo.
 * Close: word is a prefix of the name (3 characters or more), or the edit
 * distance (an adjacent swap counting one) is at most a third of word's
 * length, 1 to 3, and less than its length. Ties go to the first name.
 * Returns one of names (borrowed).
 */
const char *text_suggest(const char *word, const char *const *names, size_t n);
/*
 * A message for a log or another machine with what it quotes left out:
 * whatever a message quotes ('...') came from outside and may be a value,
 * so from the quote that opens it to the message's last quote is written
 * as hide. A value may hold quotes itself (O'Brien), so no quote inside it
 * is taken to close it; a message quoting two values loses the words
 * between. An apostrophe inside a word (device's) quotes nothing. out gets
 * at most outsz - 1 bytes, cut at a whole hide.
 */
void text_hide_quoted(const char *msg, const char *hide, char *out, size_t outsz);
/* Trims ASCII whitespace at both ends; returns a fresh string (caller frees). */
char *text_trim(const char *s);
/*
 * Folds text for searching: lower-cases ASCII and maps letters that do not
 * decompose to a base letter (Ł→l, Ø→o, ß→ss, Æ→ae, Đ→d, ...). Accents that do
 * decompose are left to SQLite's unicode61 tokenizer. Caller frees.
 */
char *text_fold(const char *s);

/* ---- CSV cells and the writer ------------------------------------------ */

/*
 * Every CSV frontdesk writes (lists with --format csv, reports, report
 * tables saved from the console, subject access exports) goes through
 * csv_writer, which writes each value through csv_cell, so one rule holds
 * everywhere. A value a spreadsheet
 * would run as a formula (it starts with =, +, -, @, a tab or a carriage
 * return, and is not a plain number such as -4 or -2.5%) gets a leading
 * apostrophe (OWASP's rule for CSV injection); a value holding a comma,
 * quote, CR or LF is quoted as RFC 4180 says. Returns the text to write: s
 * itself when it needs nothing, else scratch's text (borrowed until
 * scratch changes); "" for NULL. Give scratch a cap above the longest value.
 */
const char *csv_cell(struct buf *scratch, const char *s);
/* True if a spreadsheet could read s as a formula (see csv_cell). */
bool csv_cell_is_formula(const char *s);

/*
 * The one CSV writer: every cell through csv_cell, cells parted by commas,
 * rows ended by CRLF (RFC 4180). Embedded: csv_writer_init, then cells and
 * row ends (or whole rows), then csv_writer_release.
 */
struct csv_writer {
	FILE *out;
	struct buf cell; /* csv_cell's scratch */
	size_t column;	 /* cells written in the current row */
	bool failed;	 /* a write failed (disk full, closed pipe) */
};
void csv_writer_init(struct csv_writer *w, FILE *out);
/* Writes one cell of the current row (NULL: an empty cell). */
void csv_writer_cell(struct csv_writer *w, const char *s);
/* Ends the current row. */
void csv_writer_end_row(struct csv_writer *w);
/* Writes a whole row of n cells. w is a struct csv_writer, so it serves as
 * a row callback (store_export_rows): -1 once a write has failed, else 0. */
int csv_writer_row(void *w, const char *const *cells, size_t n);
/* Frees the scratch (not out); false when any write failed. */
bool csv_writer_release(struct csv_writer *w);

/* ---- validation -------------------------------------------------------- */

/*
 * Each validator takes the field's name for its message, returns STATUS_OK or
 * STATUS_INVALID with a message that names the field and the rule, and, where
 * there is a canonical form, writes it to out.
 */

/* UK postcode, any case, with or without the space; canonical "NG12 3AB". */
enum status valid_postcode(const char *field, const char *in, char *out, size_t outsz,
			   struct err *e);
/* The postcode without its space, lower case ("ng123ab"); for the index. */
void postcode_compact(const char *canonical, char *out, size_t outsz);
/* A plausible email address (local@domain.tld, no spaces, <= 254 bytes). */
enum status valid_email(const char *field, const char *in, struct err *e);
/* UK phone number in any common form to E.164 (+447700900123). */
enum status valid_phone(const char *field, const char *in, char *e164, size_t outsz,
			struct err *e);
/* E.164 +44... to the national digit form 07700900123. */
void phone_national(const char *e164, char *out, size_t outsz);
/* Date of birth: a real date, not in the future, not before 1900. */
enum status valid_dob(const char *field, const char *in, struct date *out, struct err *e);
/* Free text: valid UTF-8, no control characters except newline/tab when
 * multiline, at most max_chars code points. required: not empty after trim. */
enum status valid_text(const char *field, const char *in, size_t max_chars, bool required,
		       bool multiline, struct err *e);
/* A code for reference data: 1-40 chars of [a-z0-9-]. */
enum status valid_code(const char *field, const char *in, struct err *e);
/* UPRN: 1-12 digits. */
enum status valid_uprn(const char *field, const char *in, struct err *e);
/* A whole number within [min, max]; strict (no trailing junk). */
enum status valid_int(const char *field, const char *in, long min, long max, long *out,
		      struct err *e);
/* Money in pounds with up to two decimals ("10.53") to pence. */
enum status valid_money(const char *field, const char *in, long *pence, struct err *e);

/* A password's length: the desk checks a new one against both; the server
 * refuses a longer one at sign-in before hashing it. */
#define PASSWORD_MIN_CHARS 8
#define PASSWORD_MAX_BYTES 256

/* One share of a target channel mix (the setting cost_target_mix). */
#define CHANNEL_MIX_MAX 32
struct channel_share {
	char channel[48];
	long percent;
};
/*
 * Parses a channel mix "web:50,phone:30,face-to-face:20" into out (at most
 * CHANNEL_MIX_MAX shares; *n gets the count): whole percents 0-100, no channel
 * twice, summing to exactly 100. Does not look the codes up (the desk's store
 * and the server each check them against their own channels).
 */
enum status valid_channel_mix(const char *text, struct channel_share *out, size_t *n,
			      struct err *e);

/* ---- reference data ---------------------------------------------------- */

/*
 * The codes every record points at: services (with their team and response
 * standard), teams, sites, channels (with their unit cost), outcomes,
 * failure-demand reasons and bank holidays. Read from the CSV files in data/
 * (src/ingest) and held by both stores: the desk's SQLite and the server's
 * PostgreSQL each load a whole struct refdata at once.
 */
enum ref_kind { REF_SERVICE, REF_TEAM, REF_SITE, REF_CHANNEL, REF_OUTCOME, REF_FAILURE };

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
struct ref_need; /* needs and support (data/needs.csv), under "needs" below */
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
	struct ref_need *needs;
	size_t nneeds;
};
/* Frees every string and array in rd (not rd itself); NULL is a no-op. */
void refdata_release(struct refdata *rd);
/* Frees r's strings and zeroes it; NULL is a no-op. */
void ref_service_release(struct ref_service *r);

/* ---- records ----------------------------------------------------------- */

/* Text limits, shared by every input path. */
#define NAME_MAX_CHARS 200
#define ADDRESS_MAX_CHARS 500
#define NOTES_MAX_CHARS 4000
#define REASON_MAX_CHARS 1000

/*
 * The editable fields of a customer, in one table so the store, the command
 * line, import and the JSON codec agree on names and rules.
 */
#define CUSTOMER_FIELDS(_)                                                     \
	_(name, "name")                                                        \
	_(dob, "date of birth")                                                \
	_(address, "address")                                                  \
	_(postcode, "postcode")                                                \
	_(uprn, "UPRN")                                                        \
	_(phone, "phone")                                                      \
	_(email, "email")                                                      \
	_(preferred_channel, "preferred channel")                              \
	_(needs, "needs")                                                      \
	_(needs_basis, "needs basis")                                          \
	_(consent, "consent")

enum customer_field {
#define CF_ENUM(f, label) CF_##f,
	CUSTOMER_FIELDS(CF_ENUM)
#undef CF_ENUM
	CF_COUNT
};
/* Field name as used on the command line and the wire ("postcode"). */
const char *customer_field_name(enum customer_field f);
/* The plain-English label ("date of birth"). */
const char *customer_field_label(enum customer_field f);
/* Looks a field up by name; -1 if unknown. */
int customer_field_find(const char *name);

/*
 * A customer's golden record. Every field is a heap string or NULL (unset);
 * phone holds the E.164 form and phone_raw what was typed. hlc[] holds the
 * stamp of each field's last write.
 */
struct customer {
	char id[UUID_STR_LEN + 1];
	char *field[CF_COUNT];
	char *phone_raw;
	char hlc[CF_COUNT][HLC_STR_MAX];
	char created_at[32];
	bool erased;
};
struct customer *customer_new(void);
void customer_free(struct customer *c);
/* Sets one field (copying value; NULL or "" clears it). */
void customer_set(struct customer *c, enum customer_field f, const char *value);
/*
 * Validates and canonicalises value for field f (postcode upper-cased with a
 * space, phone to E.164, trimmed text). On success *out is a fresh string
 * (caller frees) or NULL for a cleared field.
 */
enum status customer_field_check(enum customer_field f, const char *value, char **out,
				 struct err *e);

/* ---- needs and support ------------------------------------------------- */

/*
 * What a customer needs from the council to be served well (hearing loop,
 * interpreter, a carer who speaks for them), as the council lists it in
 * data/needs.csv: each need has a code, a label for the screen, and whether
 * it takes a detail and of what kind ("interpreter:Polish", "carer:Ann Lee",
 * "prefers:phone"). A customer's needs value is a comma-separated list of
 * codes with their details. These are special category data (GDPR Article
 * 9): the needs_basis field records why they may be held (NEEDS_BASES), and
 * a write that sets needs without one is refused where needs are entered.
 */
#define NEED_DETAILS(_)                                                        \
	_(NONE, "none")                                                        \
	_(LANGUAGE, "language")                                                \
	_(NAME, "name")                                                        \
	_(CHANNEL, "channel")                                                  \
	_(TEXT, "text")
enum need_detail {
#define ND_ENUM(n, s) NEED_DETAIL_##n,
	NEED_DETAILS(ND_ENUM)
#undef ND_ENUM
	NEED_DETAIL_COUNT
};
/* The word data/needs.csv uses for d ("language"); -1 from find if none. */
const char *need_detail_name(enum need_detail d);
int need_detail_find(const char *s);

/* One row of data/needs.csv. */
struct ref_need {
	char *code, *label;
	enum need_detail detail;
	bool detail_required; /* "prefers" without a channel says nothing */
};

/*
 * The eight needs flags of earlier versions. Records hold them, so they stay
 * valid wherever needs are checked: a desk's store is seeded with them until
 * needs.csv is loaded, and the server takes them whatever it has loaded.
 */
extern const struct ref_need needs_legacy[];
extern const size_t needs_legacy_count;
/* The legacy row for code, or NULL. */
const struct ref_need *needs_legacy_find(const char *code);

/* The lawful bases for holding needs (Article 9(2)(a) and (c)). */
#define NEEDS_BASES "consent or vital-interests"
/* Longest detail of a need, in characters. */
#define NEED_DETAIL_MAX_CHARS 100

/*
 * What needs_check checks codes against. find returns the row for a code
 * (lower case) or NULL when the council lists no such need; channel says
 * whether a code is a channel (for a detail of kind channel; may be NULL to
 * take any code); list (may be NULL) writes the known codes for a message.
 */
struct needs_known {
	const struct ref_need *(*find)(void *ctx, const char *code);
	bool (*channel)(void *ctx, const char *code);
	void (*list)(void *ctx, char *out, size_t outsz);
	void *ctx;
};

/*
 * Checks a needs value: comma-separated codes, each with an optional detail
 * after a colon. With known NULL only the form is checked (codes are codes,
 * details are short text without control characters); with known, every
 * code must be a need it finds and every detail fit that need's kind.
 * Codes are folded to lower case; one code given twice with two different
 * details is refused. Canonical form is sorted and de-duplicated; caller
 * frees *out. Messages quote no detail (it may be a person's name).
 */
enum status needs_check(const char *in, const struct needs_known *known, char **out,
			struct err *e);
/* The legal needs_basis values; STATUS_INVALID naming NEEDS_BASES. */
enum status needs_basis_check(const char *in, struct err *e);
/*
 * The rule that goes with Article 9: needs set (non-empty) with no basis is
 * refused, saying how to record one. Callers apply it when a write sets
 * needs or their basis, so a record held before the rule still edits.
 */
enum status needs_basis_required(const char *needs, const char *basis, struct err *e);
/*
 * The needs as a person reads them: labels from known (codes it does not
 * find shown as they are), details in brackets, joined by " · ". Caller
 * frees; NULL for no needs.
 */
char *needs_text(const char *needs, const struct needs_known *known);

/* Contact outcomes (the codes in data/outcomes.csv). */
#define OUTCOME_RESOLVED "resolved"
#define OUTCOME_REFERRED "referred"

/* Case statuses, in the order of a case's life. */
#define CASE_STATUSES(_)                                                       \
	_(OPEN, "open")                                                        \
	_(IN_PROGRESS, "in-progress")                                          \
	_(AWAITING_CUSTOMER, "awaiting-customer")                              \
	_(CLOSED, "closed")
enum case_status {
#define CS_ENUM(n, s) CASE_##n,
	CASE_STATUSES(CS_ENUM)
#undef CS_ENUM
	CASE_STATUS_COUNT
};
const char *case_status_name(enum case_status s);
/* -1 when s names no status. */
int case_status_find(const char *s);

/* Formats a case reference from a device code and counter ("WB2-00417"). */
void case_reference(const char *device_code, long counter, char *out, size_t outsz);
/* True if s looks like a case reference (CODE-digits). */
bool case_reference_valid(const char *s);

/* ---- case rules -------------------------------------------------------- */

/*
 * The one set of case rules. The desk (store_case_update), the server
 * (frontdeskd case update, and a case update or case_event pushed by a desk)
 * and the cases report all call these, so a case moves the same way, and
 * shows the same due date, wherever it is changed or counted.
 *
 * - Any status may follow open, in-progress or awaiting-customer; a closed
 *   case never changes again (not even a note): a new referral is raised.
 * - Closing needs a result (what was done), at most REASON_MAX_CHARS.
 * - Awaiting-customer stops the case's clock: when the case leaves it, the
 *   working days waited (from the day it went awaiting, to the day it left)
 *   are added to its paused days and its due date moves on by as many
 *   working days. Weekends and bank holidays are not working days.
 * - A case is overdue when it is open or in progress and today is after
 *   its due date.
 */

/*
 * Working days d with from < d <= to (0 when to is not after from).
 * Weekends and the holidays do not count; holidays are sorted ascending
 * (duplicates and weekend holidays allowed) or NULL.
 */
long date_working_days_between(struct date from, struct date to, const struct date *hol,
			       size_t nhol);
/*
 * Checks a change of case `reference` from status `from` to `to` (the same
 * status for a note only); result is what was done, needed to close.
 * STATUS_OK, STATUS_DENIED for a closed case, or STATUS_INVALID (closing
 * without a result, a bad result, an unknown status); the message says
 * what to do and carries no personal data.
 */
enum status case_change_check(const char *reference, enum case_status from, enum case_status to,
			      const char *result, struct err *e);
/* True when a change from `from` to `to` ends a pause (leaves awaiting-customer). */
bool case_pause_ends(enum case_status from, enum case_status to);
/*
 * Ends a pause that began on paused_on, today: moves *due on by the working
 * days waited and adds them to *paused_days. Returns the days waited.
 */
long case_pause_end(struct date paused_on, struct date today, const struct date *hol,
		    size_t nhol, struct date *due, long *paused_days);
/* True if a case with this status and due date is overdue today. */
bool case_overdue(enum case_status status, struct date due, struct date today);

/* ---- audit chain ------------------------------------------------------- */

/*
 * Each desk's audit trail is a hash chain: every row carries the hash of
 * the row before it (prev_hash, 64 zeros for the first) and its own hash,
 * BLAKE2b-256 (libsodium) over a canonical encoding of the row. The desk
 * writes and verifies it (store.h); the server recomputes it over its
 * central copy (frontdeskd audit verify) and acknowledges each desk's head.
 */
#define AUDIT_HASH_HEX 64 /* BLAKE2b-256 in hex */
#define AUDIT_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
/* One audit row; strings borrowed (record_type, record_id, detail,
 * device_id may be NULL). */
struct audit_row {
	long long seq;
	const char *device_id, *at, *actor, *action, *record_type, *record_id, *detail;
	const char *prev_hash, *hash;
};
/* The row's hash, over every field but hash itself, into out. */
void audit_hash_row(const struct audit_row *r, char out[AUDIT_HASH_HEX + 1]);

/* ---- JSON form --------------------------------------------------------- */

struct json_t;
/* The JSON object for a customer as it travels (fields, stamps, erased).
 * Caller owns the returned reference (json_decref). */
struct json_t *customer_to_json(const struct customer *c);


/* ---- sync: the customer merge and the reverse codec -------------------- */

/*
 * Orders two HLC stamps (text order is stamp order; "" or NULL is older
 * than any stamp). Returns <0, 0 or >0 like strcmp.
 */
int hlc_cmp(const char *a, const char *b);
/*
 * Bounds a stamp's wall clock (a device with a wrong date must not win
 * every conflict): a stamp more than max_ahead_ms past now_ms is rewritten
 * in place to wall now_ms, as if made when it was received, keeping its
 * counter and node. Returns how far ahead it was in ms (0 when within the bound, -1 when
 * stamp is not a stamp).
 */
int64_t hlc_bound(char stamp[HLC_STR_MAX], int64_t now_ms, int64_t max_ahead_ms);

/*
 * Reads the JSON form customer_to_json writes. Every field must be a string
 * or null and pass customer_field_check (canonical forms are kept as sent);
 * stamps must parse; unknown members are refused. On failure returns NULL
 * with e naming the member ("fields.postcode"). Caller frees with
 * customer_free().
 */
struct customer *customer_from_json(const struct json_t *j, struct err *e);
/*
 * Merges other into c, the same way on every node whatever the order:
 * per field, the value with the later stamp wins (phone_raw follows phone;
 * equal stamps fall back to comparing the values); erasure wins over
 * everything and clears every field. created_at keeps the earlier. Returns
 * true if c changed.
 */
bool customer_merge(struct customer *c, const struct customer *other);
/* True if the two records hold the same fields, stamps and erasure. */
bool customer_same(const struct customer *a, const struct customer *b);

/* Last, after every system header core.h reads (see banned.h). */
#include "frontdesk/banned.h"

#endif
