/*
 * Tests for ingest: the CSV reader, the reference data loader and the
 * customer import, against a real SQLite file opened with store_open().
 * Run from the top of the tree (fixtures are tests/data/..., data/...).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontdesk/ingest.h"
#include "frontdesk/store.h"

/* ---- helpers ----------------------------------------------------------- */

struct tmpdb {
	char dir[64];
	char path[128];
	struct store *s;
};

static struct tmpdb *tmpdb_open(void)
{
	struct tmpdb *t = xcalloc(1, sizeof *t);
	struct err e;

	snprintf(t->dir, sizeof t->dir, "/tmp/fd-test-ingest-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof t->path, "%s/fd.db", t->dir);
	assert_int_equal(store_open(t->path, 0, &t->s, &e), STATUS_OK);
	store_set_actor_role(t->s, "test:ingest", STORE_ROLE_ADMIN); /* loads data */
	store_set_outbox_capture(t->s, false);
	return t;
}

static void tmpdb_close(struct tmpdb *t)
{
	char p[160];
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};

	store_close(t->s);
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", t->path, suffix[i]);
		unlink(p);
	}
	rmdir(t->dir);
	free(t);
}

static int count_cb(void *ctx, const char *code, const char *name)
{
	(void)code;
	(void)name;
	(*(int *)ctx)++;
	return 0;
}

static int ref_count(struct store *s, enum ref_kind k)
{
	int n = 0;
	struct err e;
	assert_int_equal(store_ref_list(s, k, count_cb, &n, &e), STATUS_OK);
	return n;
}

static size_t holiday_count(struct store *s)
{
	struct date *d = NULL;
	size_t n = 0;
	struct err e;
	assert_int_equal(store_holidays(s, &d, &n, &e), STATUS_OK);
	free(d);
	return n;
}

static int hit_cb(void *ctx, const struct search_hit *hit)
{
	(void)hit;
	(*(int *)ctx)++;
	return 0;
}

static int search_count(struct store *s, const char *query)
{
	int n = 0;
	struct err e;
	assert_int_equal(store_customer_search(s, query, 100, hit_cb, &n, NULL, &e), STATUS_OK);
	return n;
}

static const char *fmt_err(const struct err *e)
{
	static char out[ERR_FILE_MAX + ERR_MSG_MAX + 32];
	ingest_err_format(e, out, sizeof out);
	return out;
}

static enum status parse_str(struct ingest_csv *t, const char *s, struct err *e)
{
	return ingest_csv_parse(t, "mem.csv", s, strlen(s), e);
}

/* ---- the CSV reader: degenerate input first --------------------------- */

static void test_csv_empty_file(void **state)
{
	struct ingest_csv t;
	struct err e;
	(void)state;

	assert_int_equal(ingest_csv_read_file(&t, "tests/data/csv-empty.csv", 0, &e), STATUS_PARSE);
	assert_string_equal(fmt_err(&e), "tests/data/csv-empty.csv: is empty; the first line must "
					 "be a header naming the columns");
	ingest_csv_release(&t);

	/* Blank lines and a lone BOM are empty too. */
	assert_int_equal(parse_str(&t, "\xEF\xBB\xBF\n\r\n  \n", &e), STATUS_PARSE);
	ingest_csv_release(&t);
}

static void test_csv_missing_file(void **state)
{
	struct ingest_csv t;
	struct err e;
	(void)state;

	assert_int_equal(ingest_csv_read_file(&t, "tests/data/csv-no-such-file.csv", 0, &e),
			 STATUS_IO);
	assert_string_equal(fmt_err(&e), "tests/data/csv-no-such-file.csv: cannot be opened: No "
					 "such file or directory");
	ingest_csv_release(&t);
}

static void test_csv_size_cap(void **state)
{
	struct ingest_csv t;
	struct err e;
	(void)state;

	assert_int_equal(ingest_csv_read_file(&t, "tests/data/csv-ragged.csv", 10, &e),
			 STATUS_TOO_BIG);
	assert_non_null(strstr(fmt_err(&e), "tests/data/csv-ragged.csv: is too big"));
	ingest_csv_release(&t);
}

static void test_csv_header_only(void **state)
{
	struct ingest_csv t;
	struct err e;
	(void)state;

	assert_int_equal(ingest_csv_read_file(&t, "tests/data/customers-header-only.csv", 0, &e),
			 STATUS_OK);
	assert_int_equal(ingest_csv_rows(&t), 0);
	assert_int_equal(ingest_csv_cols(&t), 3);
	assert_string_equal(ingest_csv_header(&t, 2), "postcode");
	ingest_csv_release(&t);
}

static void test_csv_invalid_utf8(void **state)
{
	struct ingest_csv t;
	struct err e;
	(void)state;

	assert_int_equal(ingest_csv_read_file(&t, "tests/data/csv-invalid-utf8.csv", 0, &e),
			 STATUS_PARSE);
	assert_string_equal(fmt_err(&e),
			    "tests/data/csv-invalid-utf8.csv:3: is not valid UTF-8 text (perhaps "
			    "saved as Windows-1252 or Latin-1); save it as CSV UTF-8");
	ingest_csv_release(&t);
}

static void test_csv_nul_and_cr(void **state)
{
	struct ingest_csv t;
	struct err e;
	static const char nul[] = "a,b\nx,y\0z\n";
	(void)state;

	assert_int_equal(ingest_csv_parse(&t, "mem.csv", nul, sizeof nul - 1, &e), STATUS_PARSE);
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "NUL byte"));
	ingest_csv_release(&t);

	assert_int_equal(parse_str(&t, "a,b\rc,d\n", &e), STATUS_PARSE);
	assert_string_equal(fmt_err(&e), "mem.csv:1: has a carriage return that does not end the "
					 "line; save the file with LF or CRLF line ends");
	ingest_csv_release(&t);
}

static void test_csv_quotes_refused(void **state)
{
	struct ingest_csv t;
	struct err e;
	(void)state;

	/* Text after a closing quote. */
	assert_int_equal(parse_str(&t, "a,b\n1,2\n3,\"4\"x\n", &e), STATUS_PARSE);
	assert_int_equal(e.line, 3);
	assert_non_null(strstr(e.msg, "quote is out of place"));
	ingest_csv_release(&t);

	/* A quote never closed: reported where its record starts. */
	assert_int_equal(parse_str(&t, "a,b\n1,2\n3,\"four\n5,6\n", &e), STATUS_PARSE);
	assert_string_equal(fmt_err(&e), "mem.csv:3: a quoted field that starts here is never "
					 "closed; add the closing quote");
	ingest_csv_release(&t);
}

static void test_csv_ragged(void **state)
{
	struct ingest_csv t;
	struct err e;
	(void)state;

	assert_int_equal(ingest_csv_read_file(&t, "tests/data/csv-ragged.csv", 0, &e),
			 STATUS_PARSE);
	assert_string_equal(fmt_err(&e), "tests/data/csv-ragged.csv:3: row has 2 fields but the "
					 "header has 3; check for a missing field or an unquoted "
					 "comma");
	ingest_csv_release(&t);

	/* Too many fields is caught on the field itself. */
	assert_int_equal(parse_str(&t, "a,b\n1,2,3\n", &e), STATUS_PARSE);
	assert_int_equal(e.line, 2);
	ingest_csv_release(&t);
}

static void test_csv_header_problems(void **state)
{
	struct ingest_csv t;
	struct err e;
	(void)state;

	assert_int_equal(parse_str(&t, "code,,help\n", &e), STATUS_PARSE);
	assert_string_equal(
	    fmt_err(&e), "mem.csv:1: column 2 of the header has no name; every column needs one");
	ingest_csv_release(&t);

	assert_int_equal(
	    ingest_csv_read_file(&t, "tests/data/customers-duplicate-column.csv", 0, &e),
	    STATUS_PARSE);
	assert_string_equal(fmt_err(&e), "tests/data/customers-duplicate-column.csv:1: column "
					 "'name' appears twice in the header (columns 1 and 3); "
					 "keep one");
	ingest_csv_release(&t);
}

/* ---- the CSV reader: real files ---------------------------------------- */

static void test_csv_bom_crlf(void **state)
{
	struct ingest_csv t;
	struct err e;
	(void)state;

	assert_int_equal(ingest_csv_read_file(&t, "tests/data/csv-bom-crlf.csv", 0, &e), STATUS_OK);
	assert_int_equal(ingest_csv_rows(&t), 2);
	assert_string_equal(ingest_csv_header(&t, 0), "code"); /* no BOM in the name */
	assert_string_equal(ingest_csv_field(&t, 0, 0), "resolved");
	assert_string_equal(ingest_csv_field(&t, 0, 2), "Done, fully");
	assert_string_equal(ingest_csv_field(&t, 1, 2), "Said \"ok\"");
	assert_int_equal(ingest_csv_header_line(&t), 1);
	assert_int_equal(ingest_csv_line(&t, 0), 2);
	assert_int_equal(ingest_csv_line(&t, 1), 3);
	ingest_csv_release(&t);
}

static void test_csv_quoted_newline_lines(void **state)
{
	struct ingest_csv t;
	struct err e;
	(void)state;

	assert_int_equal(ingest_csv_read_file(&t, "tests/data/csv-quoted-newline.csv", 0, &e),
			 STATUS_OK);
	assert_int_equal(ingest_csv_rows(&t), 2);
	assert_string_equal(ingest_csv_field(&t, 0, 2), "line one\nline two\nline three");
	assert_int_equal(ingest_csv_line(&t, 0), 2);
	assert_int_equal(ingest_csv_line(&t, 1), 5); /* after the three-line record */
	ingest_csv_release(&t);
}

static void test_csv_blank_and_empty_rows(void **state)
{
	struct ingest_csv t;
	struct err e;
	(void)state;

	assert_int_equal(parse_str(&t, "\n Code , NAME \n\na,b\n,\n\"\",\"\"\nc,d", &e), STATUS_OK);
	assert_string_equal(ingest_csv_header(&t, 0), "code");
	assert_string_equal(ingest_csv_header(&t, 1), "name");
	assert_int_equal(ingest_csv_header_line(&t), 2);
	assert_int_equal(ingest_csv_rows(&t), 2);
	assert_int_equal(ingest_csv_line(&t, 0), 4);
	assert_string_equal(ingest_csv_field(&t, 1, 1), "d");
	assert_int_equal(ingest_csv_line(&t, 1), 7);
	ingest_csv_release(&t);
}

static void test_csv_map(void **state)
{
	static const char *const known[] = {"name", "dob", "postcode"};
	const bool required[] = {true, false, false};
	struct ingest_csv t;
	struct err e;
	int cols[3];
	(void)state;

	assert_int_equal(parse_str(&t, "postcode,name\nx,y\n", &e), STATUS_OK);
	assert_int_equal(ingest_csv_map(&t, known, 3, required, cols, &e), STATUS_OK);
	assert_int_equal(cols[0], 1);
	assert_int_equal(cols[1], -1);
	assert_int_equal(cols[2], 0);
	/* All required when required is NULL. */
	assert_int_equal(ingest_csv_map(&t, known, 3, NULL, cols, &e), STATUS_PARSE);
	assert_string_equal(fmt_err(&e), "mem.csv:1: column 'dob' is missing from the header; the "
					 "columns are: name, dob, postcode");
	ingest_csv_release(&t);

	assert_int_equal(parse_str(&t, "postcode,dob\nx,y\n", &e), STATUS_OK);
	assert_int_equal(ingest_csv_map(&t, known, 3, required, cols, &e), STATUS_PARSE);
	assert_non_null(strstr(e.msg, "column 'name' is missing"));
	ingest_csv_release(&t);
}


static void test_errors_list(void **state)
{
	struct err_list el;
	struct err e;
	struct buf b;
	(void)state;

	err_list_init(&el, 2);
	err_list_release(&el); /* empty release is fine */
	for (int i = 1; i <= 5; i++) {
		err_set(&e, STATUS_INVALID, "problem %d", i);
		err_at(&e, "f.csv", i + 1, 0);
		err_list_add(&el, &e);
	}
	err_list_add(NULL, &e);
	assert_int_equal(el.count, 2);
	assert_int_equal(err_list_total(&el), 5);
	buf_init(&b, 0);
	assert_int_equal(ingest_errors_format(&el, &b), STATUS_OK);
	assert_string_equal(buf_str(&b), "f.csv:2: problem 1\nf.csv:3: problem 2\n... and 3 more "
					 "problems (5 in all)\n");
	buf_release(&b);
	err_list_release(&el);
	err_list_release(NULL);
}

/* ---- reference data ----------------------------------------------------- */

static void test_refdata_read_data_dir(void **state)
{
	struct refdata rd;
	struct err_list el;
	(void)state;

	err_list_init(&el, INGEST_ERRORS_SHOWN);
	enum status rc = ingest_refdata_read("data", &rd, &el);
	if (rc != STATUS_OK) {
		struct buf b;
		buf_init(&b, 0);
		ingest_errors_format(&el, &b);
		fprintf(stderr, "%s", buf_str(&b));
		buf_release(&b);
	}
	assert_int_equal(rc, STATUS_OK);
	assert_int_equal(err_list_total(&el), 0);
	assert_true(rd.nservices >= 20);
	assert_true(rd.nteams >= 12);
	assert_true(rd.nsites >= 5);
	assert_int_equal(rd.nchannels, 7);
	assert_int_equal(rd.noutcomes, 6);
	assert_true(rd.nfailures >= 5);
	assert_int_equal(rd.nholidays, 91);
	for (size_t i = 1; i < rd.nholidays; i++)
		assert_true(date_cmp(rd.holidays[i - 1], rd.holidays[i]) < 0);
	for (size_t i = 0; i < rd.nholidays; i++)
		assert_true(date_weekday(rd.holidays[i]) <= 5);
	/* Face to face costs 10.53 (SOCITM). */
	bool found = false;
	for (size_t i = 0; i < rd.nchannels; i++) {
		if (strcmp(rd.channels[i].code, "face-to-face") == 0) {
			assert_int_equal(rd.channels[i].unit_cost_pence, 1053);
			assert_false(rd.channels[i].digital);
			found = true;
		}
	}
	assert_true(found);
	refdata_release(&rd);
	err_list_release(&el);
}

static bool has_message(const struct err_list *el, const char *text)
{
	for (size_t i = 0; i < el->count; i++)
		if (strcmp(fmt_err(&el->items[i]), text) == 0)
			return true;
	return false;
}

static bool has_prefix(const struct err_list *el, const char *prefix)
{
	for (size_t i = 0; i < el->count; i++)
		if (strncmp(fmt_err(&el->items[i]), prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static void test_refdata_read_bad_dir(void **state)
{
	struct refdata rd;
	struct err_list el;
	(void)state;

	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_not_equal(ingest_refdata_read("tests/data/refdata-bad", &rd, &el), STATUS_OK);
	assert_int_equal(err_list_total(&el), 3);
	assert_true(has_message(&el, "tests/data/refdata-bad/services.csv:3: team 'revenue' is not "
				     "in teams.csv; did you mean 'revenues'?"));
	assert_true(has_prefix(&el, "tests/data/refdata-bad/sites.csv:4: "));
	assert_true(has_message(&el, "tests/data/refdata-bad/bank-holidays.csv:4: date 2020-04-10 "
				     "is out of order: it comes before 2020-04-13 on line 3; keep "
				     "the file in date order"));
	/* Nothing is handed back on failure. */
	assert_null(rd.services);
	assert_int_equal(rd.nservices, 0);
	err_list_release(&el);
}

static void test_refdata_read_duplicates_and_fields(void **state)
{
	struct refdata rd;
	struct err_list el;
	(void)state;

	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_equal(ingest_refdata_read("tests/data/refdata-dup", &rd, &el), STATUS_EXISTS);
	assert_int_equal(err_list_total(&el), 3);
	assert_true(has_message(&el, "tests/data/refdata-dup/teams.csv:15: team 'waste' is listed "
				     "twice (lines 4 and 15); codes must be unique"));
	assert_true(has_message(&el, "tests/data/refdata-dup/services.csv:25: url "
				     "'http://www.example-council.gov.uk/contact' must start with "
				     "https:// (the console links only to secure pages)"));
	assert_true(has_message(&el, "tests/data/refdata-dup/channels.csv:8: digital must be yes "
				     "or no, not 'maybe'"));
	err_list_release(&el);
}

static void test_refdata_read_missing_dir(void **state)
{
	struct refdata rd;
	struct err_list el;
	(void)state;

	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_equal(ingest_refdata_read("tests/data/refdata-none", &rd, &el), STATUS_IO);
	assert_int_equal(err_list_total(&el), 7);
	assert_true(has_prefix(&el, "tests/data/refdata-none/teams.csv: cannot be opened"));
	err_list_release(&el);
}

static void test_refdata_load_idempotent(void **state)
{
	struct tmpdb *db = tmpdb_open();
	struct err_list el;
	(void)state;

	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_equal(ingest_refdata_load(db->s, "data", &el), STATUS_OK);
	int services = ref_count(db->s, REF_SERVICE), teams = ref_count(db->s, REF_TEAM);
	int sites = ref_count(db->s, REF_SITE), channels = ref_count(db->s, REF_CHANNEL);
	int outcomes = ref_count(db->s, REF_OUTCOME), failures = ref_count(db->s, REF_FAILURE);
	assert_true(services >= 20);
	assert_int_equal(channels, 7);
	assert_int_equal(holiday_count(db->s), 91);
	assert_true(store_ref_exists(db->s, REF_SERVICE, "council-tax-moving"));
	assert_true(store_ref_exists(db->s, REF_TEAM, "revenues"));

	struct ref_service svc;
	struct err e;
	assert_int_equal(store_service_get(db->s, "blue-badge", &svc, &e), STATUS_OK);
	assert_int_equal(svc.lgsl, 279);
	assert_string_equal(svc.team, "blue-badge");
	ref_service_release(&svc);

	/* Again: same rows, no error. */
	assert_int_equal(ingest_refdata_load(db->s, "data/", &el), STATUS_OK);
	assert_int_equal(err_list_total(&el), 0);
	assert_int_equal(ref_count(db->s, REF_SERVICE), services);
	assert_int_equal(ref_count(db->s, REF_TEAM), teams);
	assert_int_equal(ref_count(db->s, REF_SITE), sites);
	assert_int_equal(ref_count(db->s, REF_CHANNEL), channels);
	assert_int_equal(ref_count(db->s, REF_OUTCOME), outcomes);
	assert_int_equal(ref_count(db->s, REF_FAILURE), failures);
	assert_int_equal(holiday_count(db->s), 91);

	err_list_release(&el);
	tmpdb_close(db);
}

static void test_refdata_load_refused_changes_nothing(void **state)
{
	struct tmpdb *db = tmpdb_open();
	struct err_list el;
	(void)state;

	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_equal(ingest_refdata_load(db->s, "data", &el), STATUS_OK);
	int services = ref_count(db->s, REF_SERVICE), sites = ref_count(db->s, REF_SITE);

	assert_int_not_equal(ingest_refdata_load(db->s, "tests/data/refdata-bad", &el), STATUS_OK);
	assert_int_equal(err_list_total(&el), 3);
	/* The bad set's new service never arrived; nothing else moved. */
	assert_false(store_ref_exists(db->s, REF_SERVICE, "brand-new-service"));
	assert_true(store_ref_exists(db->s, REF_SERVICE, "council-tax-moving"));
	assert_int_equal(ref_count(db->s, REF_SERVICE), services);
	assert_int_equal(ref_count(db->s, REF_SITE), sites);
	assert_int_equal(holiday_count(db->s), 91);

	err_list_release(&el);
	tmpdb_close(db);
}

/* ---- customers ---------------------------------------------------------- */

static void test_customers_good(void **state)
{
	struct tmpdb *db = tmpdb_open();
	struct err_list el;
	long n = -1;
	(void)state;

	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_equal(ingest_refdata_load(db->s, "data", &el), STATUS_OK);
	enum status rc =
	    ingest_customers(db->s, "tests/data/customers-unicode-bom-crlf.csv", &el, &n);
	if (rc != STATUS_OK) {
		struct buf b;
		buf_init(&b, 0);
		ingest_errors_format(&el, &b);
		fprintf(stderr, "%s", buf_str(&b));
		buf_release(&b);
	}
	assert_int_equal(rc, STATUS_OK);
	assert_int_equal(n, 4);
	assert_int_equal(search_count(db->s, "Ångström"), 1);
	assert_int_equal(search_count(db->s, "lukasz"), 1);
	assert_int_equal(search_count(db->s, "O'Brien"), 1);
	assert_int_equal(search_count(db->s, "DE7 5HN"), 1); /* canonical from "de75hn" */

	/* Header only: nothing to do, nothing wrong. */
	assert_int_equal(ingest_customers(db->s, "tests/data/customers-header-only.csv", &el, &n),
			 STATUS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(err_list_total(&el), 0);
	err_list_release(&el);
	tmpdb_close(db);
}

static void test_customers_bad_rows_all_reported(void **state)
{
	struct tmpdb *db = tmpdb_open();
	struct err_list el;
	long n = -1;
	(void)state;

	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_equal(ingest_refdata_load(db->s, "data", &el), STATUS_OK);
	assert_int_not_equal(ingest_customers(db->s, "tests/data/customers-bad-rows.csv", &el, &n),
			     STATUS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(err_list_total(&el), 3);
	assert_true(has_prefix(&el, "tests/data/customers-bad-rows.csv:3: "));
	assert_true(has_prefix(&el, "tests/data/customers-bad-rows.csv:5: "));
	assert_true(has_message(&el, "tests/data/customers-bad-rows.csv:6: name is empty; every "
				     "customer needs a name"));
	/* All or nothing: the good rows were not added either. */
	assert_int_equal(search_count(db->s, "Marker Notimported"), 0);
	assert_int_equal(search_count(db->s, "Good Person"), 0);
	err_list_release(&el);
	tmpdb_close(db);
}

static void test_customers_header_problems(void **state)
{
	struct tmpdb *db = tmpdb_open();
	struct err_list el;
	(void)state;

	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_equal(
	    ingest_customers(db->s, "tests/data/customers-unknown-column.csv", &el, NULL),
	    STATUS_PARSE);
	assert_int_equal(err_list_total(&el), 1);
	assert_string_equal(fmt_err(&el.items[0]), "tests/data/customers-unknown-column.csv:1: "
						   "unknown column 'postcod'; did you mean "
						   "'postcode'?");
	err_list_release(&el);

	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_equal(ingest_customers(db->s, "tests/data/customers-no-header.csv", &el, NULL),
			 STATUS_PARSE);
	assert_true(has_prefix(&el, "tests/data/customers-no-header.csv:1: the first line must be "
				    "a header naming the columns (name, dob, address"));
	err_list_release(&el);
	tmpdb_close(db);
}

static void test_customers_error_limit(void **state)
{
	struct tmpdb *db = tmpdb_open();
	struct err_list el;
	char path[160];
	(void)state;

	snprintf(path, sizeof path, "%s/customers-many-bad.csv", db->dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("name,postcode\n", f);
	for (int i = 0; i < 30; i++)
		fprintf(f, "Person %d,NOT A POSTCODE\n", i);
	fclose(f);

	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_not_equal(ingest_customers(db->s, path, &el, NULL), STATUS_OK);
	assert_int_equal(el.count, INGEST_ERRORS_SHOWN);
	assert_int_equal(err_list_total(&el), 30);
	assert_int_equal(el.items[0].line, 2);
	assert_int_equal(el.items[19].line, 21);
	err_list_release(&el);
	unlink(path);
	tmpdb_close(db);
}

/* What an ingest_csv_rows_fn saw: "line:first field|" per row, ";" per call. */
static void seen_rows(void *ctx, const struct ingest_csv *t)
{
	struct buf *b = ctx;

	for (size_t r = 0; r < ingest_csv_rows(t); r++)
		buf_printf(b, "%d:%s|", ingest_csv_line(t, r), ingest_csv_field(t, r, 0));
	buf_printf(b, "%s;", ingest_csv_header(t, 1));
}

static void test_csv_each(void **state)
{
	struct ingest_csv t;
	struct buf seen;
	struct err e;
	const char *good = "Name, X \nA,1\n\"B\nb\",2\n\n,\nC,3\nD,4\n";
	const char *bad = "a,a\n1,2\n3,4\n5,\"6\n";
	(void)state;

	/* In twos: the header folded each time, lines where records start,
	 * the ",," row dropped, the rest handed over at the end. */
	buf_init(&seen, 0);
	assert_int_equal(ingest_csv_parse_each(&t, "mem.csv", good, strlen(good), 2, seen_rows,
					       &seen, &e),
			 STATUS_OK);
	assert_string_equal(buf_str(&seen), "2:A|3:B\nb|x;7:C|8:D|x;x;");
	assert_int_equal(ingest_csv_rows(&t), 0);
	ingest_csv_release(&t);

	/* A header problem is reported only after the rest parses, and fn
	 * never sees rows under a bad header. */
	buf_reset(&seen);
	assert_int_equal(
	    ingest_csv_parse_each(&t, "mem.csv", bad, strlen(bad), 1, seen_rows, &seen, &e),
	    STATUS_PARSE);
	assert_string_equal(fmt_err(&e),
			    "mem.csv:4: a quoted field that starts here is never closed; add the "
			    "closing quote");
	assert_string_equal(buf_str(&seen), "");
	assert_int_equal(
	    ingest_csv_parse_each(&t, "mem.csv", bad, strlen(bad) - 5, 1, seen_rows, &seen, &e),
	    STATUS_PARSE);
	assert_string_equal(fmt_err(&e), "mem.csv:1: column 'a' appears twice in the header "
					       "(columns 1 and 2); keep one");
	assert_string_equal(buf_str(&seen), "");

	/* Bad text after rows were handed over, and after a quote out of
	 * place: the text is what is reported, wherever it is. */
	const char *late = "a,b\n1,2\n3,4\n5,6\x01\r7\n";
	const char *both = "a,b\n1,x\"y\n3,4\n5,\xff\n";
	buf_reset(&seen);
	assert_int_equal(
	    ingest_csv_parse_each(&t, "mem.csv", late, strlen(late), 1, seen_rows, &seen, &e),
	    STATUS_PARSE);
	assert_string_equal(fmt_err(&e), "mem.csv:4: has a carriage return that does not end "
					 "the line; save the file with LF or CRLF line ends");
	assert_string_equal(buf_str(&seen), "2:1|b;3:3|b;");
	assert_int_equal(parse_str(&t, both, &e), STATUS_PARSE);
	assert_string_equal(fmt_err(&e), "mem.csv:4: is not valid UTF-8 text (perhaps saved as "
					 "Windows-1252 or Latin-1); save it as CSV UTF-8");
	assert_int_equal(parse_str(&t, "a,b\n1,x\"y\n3,4\n", &e), STATUS_PARSE);
	assert_int_equal(e.line, 2);
	ingest_csv_release(&t);
	buf_release(&seen);
}

/* ---- the gazetteer ----------------------------------------------------- */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The first kept problem, formatted. */
static const char *first_problem(const struct err_list *el)
{
	static char line[ERR_FILE_MAX + ERR_MSG_MAX + 32];

	assert_true(el->count > 0);
	ingest_err_format(&el->items[0], line, sizeof line);
	return line;
}

/* Degenerate files first: none, empty, header only, no address column. */
static void test_gazetteer_degenerate(void **state)
{
	struct tmpdb *db = tmpdb_open();
	struct err_list el;
	char path[160];
	long n = -1;

	(void)state;
	snprintf(path, sizeof path, "%s/g.csv", db->dir);
	err_list_init(&el, 20);
	assert_int_not_equal(ingest_gazetteer_load(db->s, path, &el, &n), STATUS_OK);
	assert_int_equal(n, 0);
	write_text(path, "");
	err_list_release(&el);
	err_list_init(&el, 20);
	assert_int_equal(ingest_gazetteer_load(db->s, path, &el, &n), STATUS_PARSE);
	write_text(path, "uprn,address_line_1,postcode\r\n");
	err_list_release(&el);
	err_list_init(&el, 20);
	assert_int_equal(ingest_gazetteer_load(db->s, path, &el, &n), STATUS_INVALID);
	assert_non_null(strstr(first_problem(&el), "has a header and no addresses"));
	write_text(path, "uprn,town,postcode\n1,Nottingham,NG1 1AA\n");
	err_list_release(&el);
	err_list_init(&el, 20);
	assert_int_equal(ingest_gazetteer_load(db->s, path, &el, &n), STATUS_PARSE);
	assert_non_null(strstr(first_problem(&el), ":1: the header names no address column"));
	assert_int_equal(store_gazetteer_count(db->s), 0);
	err_list_release(&el);
	unlink(path);
	tmpdb_close(db);
}

/* A problem's column is the cell's: after a BOM, a quoted comma, a doubled
 * quote, multi-byte letters, and on the line a quoted line break moved it
 * to. A bad file changes nothing. */
static void test_gazetteer_places(void **state)
{
	struct tmpdb *db = tmpdb_open();
	struct err_list el;
	char path[160];
	long n = -1;

	(void)state;
	snprintf(path, sizeof path, "%s/g.csv", db->dir);
	write_text(path, "\xEF\xBB\xBFuprn,address_line_1,address_line_2,town,postcode\r\n"
			 "7,\"1, Tŷ \"\"Gwyn\"\"\",,Nottingham,NG1 1AA\r\n");
	err_list_init(&el, 20);
	assert_int_equal(ingest_gazetteer_load(db->s, path, &el, &n), STATUS_OK);
	assert_int_equal(n, 1);
	err_list_release(&el);
	write_text(path, "\xEF\xBB\xBFuprn,address_line_1,address_line_2,town,postcode\r\n"
			 "1,Łąka Street,,Nottingham,NG1 1AA\r\n"
			 "2,\"2, \"\"Ćma\"\" House\",x,Nottingham,XX\r\n"
			 "3,\"Flat 3\nFloor 2\",12 High Street,Nottingham,NG1 1AC\r\n"
			 "4,4 High Street,,Nottingham,NG1 1AD\r\n"
			 "5,\"Flat 5\nUpper\",,Nottingham,NO\r\n"
			 "abc,6 High Street,,Nottingham,NG1 1AE\r\n");
	err_list_init(&el, 20);
	assert_int_equal(ingest_gazetteer_load(db->s, path, &el, &n), STATUS_INVALID);
	assert_int_equal(err_list_total(&el), 5);
	/* line 3: 2,"2, ""Ćma"" House",x,Nottingham,XX: postcode at 35 */
	assert_int_equal(el.items[0].line, 3);
	assert_int_equal(el.items[0].col, 35);
	/* a line break in a cell is refused (one line each), where it starts */
	assert_int_equal(el.items[1].line, 4);
	assert_int_equal(el.items[1].col, 3);
	assert_non_null(strstr(el.items[1].msg, "line breaks"));
	assert_int_equal(el.items[2].line, 7);
	assert_int_equal(el.items[2].col, 3);
	/* the record that starts on line 7 has its postcode on line 8, after
	 * Upper", */
	assert_int_equal(el.items[3].line, 8);
	assert_int_equal(el.items[3].col, 20);
	assert_int_equal(el.items[4].line, 9);
	assert_int_equal(el.items[4].col, 1);
	assert_int_equal(store_gazetteer_count(db->s), 1);
	err_list_release(&el);
	unlink(path);
	tmpdb_close(db);
}

/* ---- customers in blocks (the import's two threads) -------------------- */

/* A row count from the file, read on a connection of its own. */
static long db_count(const struct tmpdb *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long n = -1;

	assert_int_equal(sqlite3_open_v2(db->path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* Writes rows good customers (file line = row + 2) to path, then tail. */
static void write_people(const char *path, int rows, const char *tail)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("name,postcode,phone,preferred_channel\n", f);
	for (int i = 0; i < rows; i++)
		fprintf(f, "Person%d Blockrow,NG12 %dAB,07700 900%03d,%s\n", i, i % 10, i % 1000,
			i % 3 ? "" : "phone");
	fputs(tail, f);
	fclose(f);
}

/* Nothing of an import was written. */
static void assert_nothing_imported(const struct tmpdb *db)
{
	assert_int_equal(db_count(db, "SELECT count(*) FROM customer"), 0);
	assert_int_equal(db_count(db, "SELECT count(*) FROM outbox WHERE record_type = 'customer'"), 0);
	assert_int_equal(db_count(db, "SELECT count(*) FROM customer_fts"), 0);
	assert_int_equal(
	    db_count(db, "SELECT count(*) FROM audit WHERE action = 'customer.import'"), 0);
}

static void test_customers_many_blocks(void **state)
{
	struct tmpdb *db = tmpdb_open();
	struct err_list el;
	char path[160];
	long n = -1;
	(void)state;

	store_set_outbox_capture(db->s, true);
	snprintf(path, sizeof path, "%s/people.csv", db->dir);
	write_people(path, 2345, "");
	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_equal(ingest_refdata_load(db->s, "data", &el), STATUS_OK);
	assert_int_equal(ingest_customers(db->s, path, &el, &n), STATUS_OK);
	assert_int_equal(err_list_total(&el), 0);
	assert_int_equal(n, 2345);
	assert_int_equal(db_count(db, "SELECT count(DISTINCT id) FROM customer"), 2345);
	assert_int_equal(db_count(db, "SELECT count(*) FROM outbox WHERE record_type = 'customer'"), 2345);
	/* every third row has a channel: rows 0, 3, ..., 2343 */
	assert_int_equal(
	    db_count(db, "SELECT count(*) FROM customer WHERE preferred_channel = 'phone'"), 782);
	/* the last row, in the last (part) block, whole */
	assert_int_equal(db_count(db, "SELECT count(*) FROM customer WHERE name = "
				      "'Person2344 Blockrow' AND postcode = 'NG12 4AB' AND "
				      "phone = '+447700900344' AND phone_raw = '07700 900344'"),
			 1);
	assert_int_equal(search_count(db->s, "Person1999"), 1);
	assert_int_equal(db_count(db, "SELECT count(*) FROM audit WHERE action = "
				      "'customer.import' AND detail LIKE '2345 customers from %'"),
			 1);
	err_list_release(&el);
	unlink(path);
	tmpdb_close(db);
}

static void test_customers_late_problems(void **state)
{
	struct tmpdb *db = tmpdb_open();
	struct err_list el;
	struct err e;
	char path[160], want[ERR_MSG_MAX + 200];
	long n = -1;
	(void)state;

	store_set_outbox_capture(db->s, true);
	snprintf(path, sizeof path, "%s/people.csv", db->dir);
	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_equal(ingest_refdata_load(db->s, "data", &el), STATUS_OK);

	/* Bad rows after blocks were handed to the writer: listed in file
	 * order, the unknown channel with the store's own message. */
	write_people(path, 2500,
		     "Late One,NG12 1AB,,fax\n"
		     "Late Two,NG12 1AB,,phone\n"
		     "Late Three,NOT A POSTCODE,,\n");
	assert_int_equal(ingest_customers(db->s, path, &el, &n), STATUS_UNKNOWN_CODE);
	assert_int_equal(n, 0);
	assert_int_equal(err_list_total(&el), 2);
	err_clear(&e);
	assert_int_equal(store_ref_check(db->s, REF_CHANNEL, "fax", &e), STATUS_UNKNOWN_CODE);
	snprintf(want, sizeof want, "%s:2502: %s", path, e.msg);
	assert_string_equal(fmt_err(&el.items[0]), want);
	assert_int_equal(el.items[1].line, 2504);
	assert_nothing_imported(db);
	err_list_release(&el);

	/* The same with a broken quote at the end: only that is reported. */
	write_people(path, 2500, "Late One,NG12 1AB,,fax\nLate Three,NOT A POSTCODE,,\n\"Open,,,\n");
	assert_int_equal(ingest_customers(db->s, path, &el, &n), STATUS_PARSE);
	assert_int_equal(err_list_total(&el), 1);
	snprintf(want, sizeof want,
		 "%s:2504: a quoted field that starts here is never closed; add the closing "
		 "quote",
		 path);
	assert_string_equal(fmt_err(&el.items[0]), want);
	assert_nothing_imported(db);
	err_list_release(&el);

	/* Every row good but the file ends badly: what was written goes. */
	write_people(path, 2500, "a,b,c\n");
	assert_int_equal(ingest_customers(db->s, path, &el, &n), STATUS_PARSE);
	assert_int_equal(err_list_total(&el), 1);
	assert_int_equal(el.items[0].line, 2502);
	assert_nothing_imported(db);
	err_list_release(&el);

	/* And the database is still fine for the next import. */
	write_people(path, 10, "");
	assert_int_equal(ingest_customers(db->s, path, &el, &n), STATUS_OK);
	assert_int_equal(n, 10);
	err_list_release(&el);
	unlink(path);
	tmpdb_close(db);
}

static void test_customers_no_channels_loaded(void **state)
{
	struct tmpdb *db = tmpdb_open();
	struct err_list el;
	char path[160], want[ERR_MSG_MAX + 200];
	(void)state;

	snprintf(path, sizeof path, "%s/people.csv", db->dir);
	write_people(path, 1, "");
	err_list_init(&el, INGEST_ERRORS_SHOWN);
	assert_int_equal(ingest_customers(db->s, path, &el, NULL), STATUS_UNKNOWN_CODE);
	snprintf(want, sizeof want,
		 "%s:2: unknown channel 'phone': no channels are loaded; run frontdesk init or "
		 "frontdesk data load DIR",
		 path);
	assert_string_equal(fmt_err(&el.items[0]), want);
	err_list_release(&el);
	unlink(path);
	tmpdb_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_empty_file),
	    cmocka_unit_test(test_csv_missing_file),
	    cmocka_unit_test(test_csv_size_cap),
	    cmocka_unit_test(test_csv_header_only),
	    cmocka_unit_test(test_csv_invalid_utf8),
	    cmocka_unit_test(test_csv_nul_and_cr),
	    cmocka_unit_test(test_csv_quotes_refused),
	    cmocka_unit_test(test_csv_ragged),
	    cmocka_unit_test(test_csv_header_problems),
	    cmocka_unit_test(test_csv_bom_crlf),
	    cmocka_unit_test(test_csv_quoted_newline_lines),
	    cmocka_unit_test(test_csv_blank_and_empty_rows),
	    cmocka_unit_test(test_csv_map),
	    cmocka_unit_test(test_csv_each),
	    cmocka_unit_test(test_errors_list),
	    cmocka_unit_test(test_refdata_read_data_dir),
	    cmocka_unit_test(test_refdata_read_bad_dir),
	    cmocka_unit_test(test_refdata_read_duplicates_and_fields),
	    cmocka_unit_test(test_refdata_read_missing_dir),
	    cmocka_unit_test(test_refdata_load_idempotent),
	    cmocka_unit_test(test_refdata_load_refused_changes_nothing),
	    cmocka_unit_test(test_customers_good),
	    cmocka_unit_test(test_customers_bad_rows_all_reported),
	    cmocka_unit_test(test_customers_header_problems),
	    cmocka_unit_test(test_customers_error_limit),
	    cmocka_unit_test(test_customers_many_blocks),
	    cmocka_unit_test(test_customers_late_problems),
	    cmocka_unit_test(test_customers_no_channels_loaded),
	    cmocka_unit_test(test_gazetteer_degenerate),
	    cmocka_unit_test(test_gazetteer_places),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
