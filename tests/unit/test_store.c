/*
 * Store tests: a real SQLite file in a temporary directory with the real
 * schema. Degenerate inputs first, then the real cases. The test reads the
 * file with SQLite directly only to check what the store wrote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "frontdesk/store.h"

static char dir[64];
static char path[128];
static int64_t fake_now;

static int64_t fixed_clock(void)
{
	return fake_now;
}

/* 2026-12-18 (a Friday) 10:00 UTC unless a test moves it. */
#define FRIDAY_MS 1797588000000LL

static struct refdata make_refdata(void)
{
	struct refdata rd = { 0 };

	rd.nteams = 2;
	rd.teams = xcalloc(2, sizeof *rd.teams);
	rd.teams[0] = (struct ref_team){ xstrdup("revenues"), xstrdup("Revenues"), NULL };
	rd.teams[1] = (struct ref_team){ xstrdup("waste"), xstrdup("Waste services"), NULL };
	rd.nservices = 2;
	rd.services = xcalloc(2, sizeof *rd.services);
	rd.services[0] = (struct ref_service){ xstrdup("council-tax-moving"),
					       xstrdup("Council Tax: moving home"),
					       xstrdup("revenues"),
					       xstrdup("https://www.example-council.gov.uk/ct"), 0,
					       5 };
	rd.services[1] = (struct ref_service){ xstrdup("missed-bin"), xstrdup("Missed bin"),
					       xstrdup("waste"), NULL, 0, 2 };
	rd.nsites = 1;
	rd.sites = xcalloc(1, sizeof *rd.sites);
	rd.sites[0] = (struct ref_site){ xstrdup("civic-centre"), xstrdup("Civic Centre"),
					 xstrdup("office"), NULL, xstrdup("NG2 7YG") };
	rd.nchannels = 2;
	rd.channels = xcalloc(2, sizeof *rd.channels);
	rd.channels[0] = (struct ref_channel){ xstrdup("face-to-face"), xstrdup("Face to face"),
					       1053, false };
	rd.channels[1] = (struct ref_channel){ xstrdup("phone"), xstrdup("Phone"), 300, false };
	rd.noutcomes = 2;
	rd.outcomes = xcalloc(2, sizeof *rd.outcomes);
	rd.outcomes[0] = (struct ref_simple){ xstrdup("resolved"), xstrdup("Resolved"), NULL };
	rd.outcomes[1] = (struct ref_simple){ xstrdup("referred"), xstrdup("Referred"), NULL };
	rd.nfailures = 1;
	rd.failures = xcalloc(1, sizeof *rd.failures);
	rd.failures[0] = (struct ref_simple){ xstrdup("chasing-progress"),
					      xstrdup("Chasing progress"), NULL };
	rd.nholidays = 2;
	rd.holidays = xcalloc(2, sizeof *rd.holidays);
	rd.holiday_names = xcalloc(2, sizeof *rd.holiday_names);
	rd.holidays[0] = (struct date){ 2026, 12, 25 };
	rd.holidays[1] = (struct date){ 2026, 12, 28 };
	rd.holiday_names[0] = xstrdup("Christmas Day");
	rd.holiday_names[1] = xstrdup("Boxing Day (substitute day)");
	return rd;
}

static struct store *open_ready(void)
{
	struct store *s;
	struct refdata rd = make_refdata();
	struct err e;

	assert_int_equal(store_open(path, 0, &s, &e), STATUS_OK);
	store_set_actor_role(s, "test:admin", STORE_ROLE_ADMIN); /* sets the desk up */
	assert_int_equal(store_refdata_replace(s, &rd, &e), STATUS_OK);
	assert_int_equal(store_setting_set(s, "site", "civic-centre", &e), STATUS_OK);
	store_set_actor(s, "test:advisor");
	refdata_release(&rd);
	return s;
}

static long count(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long n = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/fd-store-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sub/fd.db", dir);
	fake_now = FRIDAY_MS;
	clock_hook = fixed_clock;
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	clock_hook = NULL;
	return 0;
}

/* ---- opening ----------------------------------------------------------- */

static void test_open_degenerate(void **state)
{
	struct store *s = (struct store *)1;
	struct err e;

	(void)state;
	assert_int_equal(store_open(NULL, 0, &s, &e), STATUS_INVALID);
	assert_null(s);
	assert_int_equal(store_open("", 0, &s, &e), STATUS_INVALID);
	snprintf(path, sizeof path, "%s/missing.db", dir);
	assert_int_equal(store_open(path, STORE_NO_CREATE, &s, &e), STATUS_NOT_FOUND);
	assert_non_null(strstr(e.msg, "frontdesk init"));
	assert_int_not_equal(access(path, F_OK), 0); /* nothing was created */
	store_close(NULL);
}

static void test_open_creates_and_checks_pragmas(void **state)
{
	struct store *s;
	struct err e;
	sqlite3 *db;
	sqlite3_stmt *st;

	(void)state;
	assert_int_equal(store_open(path, 0, &s, &e), STATUS_OK);
	store_set_actor_role(s, "test:admin", STORE_ROLE_ADMIN); /* sets the desk up */
	assert_int_equal(store_user_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	/* Reopening migrates nothing and keeps the device identity. */
	assert_int_equal(store_open(path, 0, &s, &e), STATUS_OK);
	store_set_actor_role(s, "test:admin", STORE_ROLE_ADMIN); /* sets the desk up */
	store_close(s);
	assert_int_equal(count("SELECT count(*) FROM settings WHERE key IN"
			       " ('device_id', 'device_code', 'case_counter')"),
			 3);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_open_refuses_newer_and_corrupt(void **state)
{
	struct store *s;
	struct err e;
	sqlite3 *db;
	FILE *f;
	char junk[128], expect[96];

	(void)state;
	assert_int_equal(store_open(path, 0, &s, &e), STATUS_OK);
	store_set_actor_role(s, "test:admin", STORE_ROLE_ADMIN); /* sets the desk up */
	store_close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);

	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(path, 0, &s, &e), STATUS_DB_NEWER);
	assert_null(s);
	snprintf(expect, sizeof expect, "newer frontdesk (schema 99, this program knows up to %d)",
		 STORE_SCHEMA_VERSION);
	assert_non_null(strstr(e.msg, expect));
	assert_int_equal(count("PRAGMA user_version"), 99); /* left exactly as it was */

	snprintf(junk, sizeof junk, "%s/junk.db", dir);
	f = fopen(junk, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database at all ", f);
	fclose(f);
	assert_int_equal(store_open(junk, 0, &s, &e), STATUS_DB_CORRUPT);
	assert_non_null(strstr(e.msg, "damaged or not a frontdesk database"));
}

/* ---- reference data and settings -------------------------------------- */

static void test_refdata_idempotent_and_checked(void **state)
{
	struct store *s = open_ready();
	struct refdata rd = make_refdata();
	struct err e;
	char *v;

	(void)state;
	/* What a desk is made of is an administrator's to load. */
	assert_int_equal(store_refdata_replace(s, &rd, &e), STATUS_DENIED);
	assert_non_null(strstr(e.msg, "only an administrator can"));
	assert_int_equal(store_setting_set(s, "site", "civic-centre", &e), STATUS_DENIED);
	assert_int_equal(store_setting_set(s, "max_offline_days", "365", &e), STATUS_DENIED);
	assert_int_equal(store_setting_set(s, "fcr_target_percent", "90", &e), STATUS_DENIED);
	assert_int_equal(store_setting_set(s, "default_channel", "phone", &e), STATUS_OK);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'access.denied'"), 4);
	store_set_actor_role(s, "test:supervisor", STORE_ROLE_SUPERVISOR);
	assert_int_equal(store_setting_set(s, "fcr_target_percent", "90", &e), STATUS_OK);
	assert_int_equal(store_setting_set(s, "server_url", "https://fd.example.org", &e),
			 STATUS_DENIED);
	store_set_actor_role(s, "test:admin", STORE_ROLE_ADMIN);
	assert_int_equal(store_refdata_replace(s, &rd, &e), STATUS_OK);
	assert_int_equal(store_refdata_replace(s, &rd, &e), STATUS_OK);
	assert_int_equal(count("SELECT count(*) FROM service"), 2);
	assert_true(store_ref_exists(s, REF_SERVICE, "missed-bin"));
	assert_false(store_ref_exists(s, REF_SERVICE, "missed-bins"));
	assert_false(store_ref_exists(s, REF_SERVICE, NULL));

	/* A service whose team is missing refuses the whole load. */
	free(rd.services[1].team);
	rd.services[1].team = xstrdup("nobody");
	free(rd.sites[0].name);
	rd.sites[0].name = xstrdup("Renamed Centre");
	assert_int_equal(store_refdata_replace(s, &rd, &e), STATUS_UNKNOWN_CODE);
	assert_non_null(strstr(e.msg, "team 'nobody'"));
	assert_int_equal(count("SELECT count(*) FROM site WHERE name = 'Civic Centre'"), 1);

	/* Dropping a row marks it inactive; history keeps pointing at it. */
	free(rd.services[1].team);
	rd.services[1].team = xstrdup("waste");
	rd.nservices = 1;
	ref_service_release(&rd.services[1]);
	assert_int_equal(store_refdata_replace(s, &rd, &e), STATUS_OK);
	assert_false(store_ref_exists(s, REF_SERVICE, "missed-bin"));
	assert_int_equal(count("SELECT count(*) FROM service"), 2);
	assert_int_equal(store_ref_check(s, REF_CHANNEL, "fax", &e), STATUS_UNKNOWN_CODE);
	assert_string_equal(e.msg, "unknown channel 'fax'; use one of: face-to-face, phone");

	assert_int_equal(store_setting_get(s, "idle_lock_minutes", &v, &e), STATUS_OK);
	assert_string_equal(v, "5");
	free(v);
	assert_int_equal(store_setting_set(s, "site", "nowhere", &e), STATUS_UNKNOWN_CODE);
	assert_int_equal(store_setting_set(s, "idle_lock_minutes", "0", &e), STATUS_INVALID);
	assert_int_equal(store_setting_get(s, "idle_lock_minute", &v, &e), STATUS_NOT_FOUND);
	assert_non_null(strstr(e.msg, "did you mean 'idle_lock_minutes'"));
	assert_int_equal(store_setting_set(s, "server_url", "http://example.org", &e),
			 STATUS_INVALID);
	assert_int_equal(store_setting_set(s, "server_url", "http://127.0.0.1:8080", &e),
			 STATUS_OK);
	rd.nservices = 2;
	refdata_release(&rd);
	store_close(s);
}

/* ---- customers and search --------------------------------------------- */

static void add_customer(struct store *s, const char *name, const char *postcode,
			 const char *phone, char *id_out)
{
	struct customer *c = customer_new();
	struct err e;

	customer_set(c, CF_name, name);
	customer_set(c, CF_postcode, postcode);
	customer_set(c, CF_phone, phone);
	assert_int_equal(store_customer_add(s, c, &e), STATUS_OK);
	if (id_out)
		snprintf(id_out, UUID_STR_LEN + 1, "%s", c->id);
	customer_free(c);
}

static int count_hit(void *ctx, const struct search_hit *h)
{
	(void)h;
	++*(int *)ctx;
	return 0;
}

static int search_count(struct store *s, const char *q)
{
	int n = 0, total = -1;
	struct err e;

	assert_int_equal(store_customer_search(s, q, 50, count_hit, &n, &total, &e), STATUS_OK);
	assert_int_equal(n, total);
	return n;
}

static void test_customer_refused_leaves_nothing(void **state)
{
	struct store *s = open_ready();
	struct customer *c = customer_new();
	long outbox = count("SELECT count(*) FROM outbox");
	long audit = count("SELECT count(*) FROM audit");
	struct err e;

	(void)state;
	assert_int_equal(store_customer_add(s, c, &e), STATUS_INVALID); /* no name */
	assert_non_null(strstr(e.msg, "name is required"));
	customer_set(c, CF_name, "Ann Example");
	customer_set(c, CF_postcode, "NG12 3");
	assert_int_equal(store_customer_add(s, c, &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "postcode"));
	customer_set(c, CF_postcode, NULL);
	customer_set(c, CF_preferred_channel, "fax");
	assert_int_equal(store_customer_add(s, c, &e), STATUS_UNKNOWN_CODE);
	customer_free(c);
	assert_int_equal(count("SELECT count(*) FROM customer"), 0);
	assert_int_equal(count("SELECT count(*) FROM customer_fts"), 0);
	assert_int_equal(count("SELECT count(*) FROM outbox"), outbox);
	assert_int_equal(count("SELECT count(*) FROM audit"), audit);
	store_close(s);
}

/* Text of one column of the customer with that id; caller frees. */
static char *column_text(const char *sql, const char *id)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *v = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/*
 * The stamps column: a customer added in one write has one stamp, kept once
 * as {"*": stamp} and read back onto every field with a value and no other
 * (with one field and with all ten). Once an edit gives fields stamps of
 * their own, the column maps each field to its stamp, byte for byte what
 * jansson writes with sorted keys, and reads back the same.
 */
static void test_customer_stamps_text(void **state)
{
	static const char *const values[CF_COUNT] = {
		[CF_name] = "Zoë Brown",	   [CF_dob] = "1984-02-29",
		[CF_address] = "1 Lime Street",	   [CF_postcode] = "NG7 3AB",
		[CF_uprn] = "100030512345",	   [CF_phone] = "07700 900123",
		[CF_email] = "zoe@example.com",	   [CF_preferred_channel] = "phone",
		[CF_needs] = "hearing",		   [CF_consent] = "verbal, 3 May",
		[CF_needs_basis] = "consent",
	};
	struct store *s = open_ready();
	struct err e;

	(void)state;
	for (int nfields = 1; nfields <= CF_COUNT; nfields += CF_COUNT - 1) {
		struct customer *c = customer_new(), *back;
		struct customer_change change = { CF_address, "2 Lime Street" };
		json_t *o = json_object();
		char *want, *got;

		for (int f = 0; f < nfields; f++)
			customer_set(c, (enum customer_field)f, values[f]);
		assert_int_equal(store_customer_add(s, c, &e), STATUS_OK);
		assert_true(c->hlc[CF_name][0] != '\0');
		want = xstrdup(c->hlc[CF_name]);
		got = column_text("SELECT field_hlc FROM customer WHERE id = ?1", c->id);
		assert_non_null(got);
		assert_int_equal(strncmp(got, "{\"*\":\"", 6), 0);
		assert_int_equal(strlen(got), 6 + strlen(want) + 2);
		assert_memory_equal(got + 6, want, strlen(want));
		assert_string_equal(got + 6 + strlen(want), "\"}");
		free(got);
		assert_int_equal(store_customer_get(s, c->id, &back, &e), STATUS_OK);
		for (int f = 0; f < CF_COUNT; f++)
			assert_string_equal(back->hlc[f], f < nfields ? want : "");
		customer_free(back);
		free(want);

		/* An edit: the address gets a stamp of its own (it had none
		 * with one field, so it is set, then stamped). */
		assert_int_equal(store_customer_edit(s, c->id, &change, 1, &e), STATUS_OK);
		assert_int_equal(store_customer_get(s, c->id, &back, &e), STATUS_OK);
		assert_string_not_equal(back->hlc[CF_address], back->hlc[CF_name]);
		for (int f = 0; f < CF_COUNT; f++)
			if (back->hlc[f][0])
				json_object_set_new(o, customer_field_name((enum customer_field)f),
						    json_string(back->hlc[f]));
		assert_int_equal(json_object_size(o), nfields == 1 ? 2 : nfields);
		want = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		got = column_text("SELECT field_hlc FROM customer WHERE id = ?1", c->id);
		assert_non_null(got);
		assert_string_equal(got, want);
		free(want);
		free(got);
		json_decref(o);
		customer_free(back);
		customer_free(c);
	}
	store_close(s);
}

static void test_customer_add_indexes_queues_audits(void **state)
{
	struct store *s = open_ready();
	struct customer *c;
	char id[UUID_STR_LEN + 1];
	struct err e;

	(void)state;
	add_customer(s, "Zoë Łukasz-Nguyễn", "ng12 3ab", "07700 900 123", id);
	assert_true(uuid_valid(id));
	assert_int_equal(count("SELECT count(*) FROM outbox WHERE record_type = 'customer'"), 1);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'customer.create'"), 1);
	assert_int_equal(count("SELECT count(*) FROM customer WHERE postcode = 'NG12 3AB'"
			       " AND phone = '+447700900123' AND phone_raw = '07700 900 123'"),
			 1);
	assert_int_equal(store_customer_get(s, id, &c, &e), STATUS_OK);
	assert_string_equal(c->field[CF_name], "Zoë Łukasz-Nguyễn");
	assert_true(c->hlc[CF_name][0] != '\0');
	assert_true(c->hlc[CF_email][0] == '\0');
	customer_free(c);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'customer.view'"), 1);
	assert_int_equal(store_customer_get(s, "not-an-id", &c, &e), STATUS_INVALID);
	assert_int_equal(store_customer_get(s, "0193a5c2-7d1e-7abc-8def-0123456789ab", &c, &e),
			 STATUS_NOT_FOUND);
	store_close(s);
}

static void test_search_folds_and_normalises(void **state)
{
	struct store *s = open_ready();

	(void)state;
	add_customer(s, "Zoë Brown", "NG12 3AB", "07700 900123", NULL);
	add_customer(s, "Łukasz Wójcik", "NG2 7YG", "+44 1632 960001", NULL);
	add_customer(s, "Siobhan O'Brien", "LE11 2TX", NULL, NULL);
	add_customer(s, "王芳", "DE1 1AA", NULL, NULL);
	add_customer(s, "Near Andrews", NULL, NULL, NULL);

	assert_int_equal(search_count(s, "zoe"), 1);
	assert_int_equal(search_count(s, "ZOË brown"), 1);
	/* A very long search is refused in plain words, never a database
	 * error; words too long to quote whole are left out, never cut. */
	{
		char big[4200], *expr;
		struct err e;

		memset(big, 'a', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		assert_int_equal(store_customer_search(s, big, 10, NULL, NULL, NULL, &e),
				 STATUS_INVALID);
		assert_non_null(strstr(e.msg, "search text is too long"));
		expr = store_search_expr(big);
		assert_null(expr);
		memcpy(big, "zoe ", 4);
		expr = store_search_expr(big);
		assert_string_equal(expr, "\"zoe\"");
		free(expr);
	}
	assert_int_equal(search_count(s, "lukasz"), 1);
	assert_int_equal(search_count(s, "wojcik"), 1);
	assert_int_equal(search_count(s, "Łuk"), 1);
	assert_int_equal(search_count(s, "zo"), 1); /* two-letter type-ahead */
	assert_int_equal(search_count(s, "王芳"), 1);
	/* Postcodes with or without the space, any case, as a prefix. */
	assert_int_equal(search_count(s, "NG12 3AB"), 1);
	assert_int_equal(search_count(s, "ng123ab"), 1);
	assert_int_equal(search_count(s, "NG12 3"), 1);
	assert_int_equal(search_count(s, "NG2"), 1);
	assert_int_equal(search_count(s, "ng12 3a"), 1);
	assert_int_equal(search_count(s, "NG1"), 0); /* a district is matched whole */
	/* Phones in any common UK form. */
	assert_int_equal(search_count(s, "07700900123"), 1);
	assert_int_equal(search_count(s, "+44 7700 900123"), 1);
	assert_int_equal(search_count(s, "07700 900 123"), 1);
	assert_int_equal(search_count(s, "0044 7700 900 123"), 1);
	assert_int_equal(search_count(s, "01632 960001"), 1);
	assert_int_equal(search_count(s, "07700"), 1);
	/* FTS syntax and quotes are searched as text, never an error. */
	assert_int_equal(search_count(s, "O'Brien"), 1);
	assert_int_equal(search_count(s, "o'bri"), 1);
	assert_int_equal(search_count(s, "NEAR"), 1);
	assert_int_equal(search_count(s, "near("), 1);
	assert_int_equal(search_count(s, "\""), 0);
	assert_int_equal(search_count(s, "*"), 0);
	assert_int_equal(search_count(s, "brown AND OR NOT"), 0);
	assert_int_equal(search_count(s, "\"zoe\"*"), 1);
	assert_int_equal(search_count(s, "   "), 0);
	assert_int_equal(search_count(s, "nobody"), 0);
	{
		struct err e;
		int n;

		assert_int_equal(store_customer_search(s, "\xff\xfe", 10, NULL, NULL, &n, &e),
				 STATUS_INVALID);
	}
	store_close(s);
}

static void expect_expr(const char *query, const char *want)
{
	char *got = store_search_expr(query);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* What each shape of query becomes: only the word being typed is a prefix. */
static void test_search_expressions(void **state)
{
	(void)state;
	expect_expr(NULL, NULL);
	expect_expr("", NULL);
	expect_expr("  \"*()  ", NULL);
	expect_expr("zo", "\"zo\"*");
	expect_expr("Zoë Bro", "\"zoë\" \"bro\"*");
	expect_expr("zoe brown ", "\"zoe\" \"brown\"");
	expect_expr("Łukasz", "\"lukasz\"*");
	expect_expr("O'Brien", "\"o\" \"brien\"*");
	expect_expr("NEAR(a b)", "\"near\" \"a\" \"b\"");
	expect_expr("NG12 3AB", "postcode : \"ng12 3ab\"");
	expect_expr("ng123ab", "postcode : \"ng12 3ab\"");
	expect_expr("NG12 3", "postcode : \"ng123\"");
	expect_expr("ng123", "postcode : \"ng123\"");
	expect_expr("NG12 3A", "postcode : \"ng12 3a\"*");
	expect_expr("NG12", "postcode : \"ng12\"");
	expect_expr("sw1a 1aa", "postcode : \"sw1a 1aa\"");
	expect_expr("+44 7700 900123", "phone : \"07700900123\"*");
	expect_expr("0044 7700 900 123", "phone : \"07700900123\"*");
	expect_expr("(01632) 960-001", "phone : \"01632960001\"*");
	expect_expr("00417", "{phone refs} : \"00417\"*");
	expect_expr("wb2-00417", "refs : \"wb2 00417\"");
	expect_expr("WB2-004", "refs : \"wb2 004\"*");
}

static void test_customer_edit_stamps_and_reindexes(void **state)
{
	struct store *s = open_ready();
	char id[UUID_STR_LEN + 1], old_name_hlc[HLC_STR_MAX], old_pc_hlc[HLC_STR_MAX];
	struct customer *c;
	struct customer_change ch[] = { { CF_postcode, "le11 2tx" }, { CF_email, "A@Example.COM" } };
	struct customer_change bad[] = { { CF_email, "not an email" } };
	struct customer_change clear_name[] = { { CF_name, NULL } };
	struct err e;

	(void)state;
	add_customer(s, "Ann Example", "NG12 3AB", NULL, id);
	assert_int_equal(store_customer_get(s, id, &c, &e), STATUS_OK);
	snprintf(old_name_hlc, sizeof old_name_hlc, "%s", c->hlc[CF_name]);
	snprintf(old_pc_hlc, sizeof old_pc_hlc, "%s", c->hlc[CF_postcode]);
	customer_free(c);

	assert_int_equal(store_customer_edit(s, id, bad, 1, &e), STATUS_INVALID);
	assert_int_equal(store_customer_edit(s, id, clear_name, 1, &e), STATUS_INVALID);
	assert_int_equal(store_customer_edit(s, id, ch, 0, &e), STATUS_USAGE);
	fake_now += 1000;
	assert_int_equal(store_customer_edit(s, id, ch, 2, &e), STATUS_OK);
	assert_int_equal(store_customer_get(s, id, &c, &e), STATUS_OK);
	assert_string_equal(c->field[CF_postcode], "LE11 2TX");
	assert_string_equal(c->field[CF_email], "A@example.com");
	assert_string_equal(c->hlc[CF_name], old_name_hlc);	       /* untouched field */
	assert_true(strcmp(c->hlc[CF_postcode], old_pc_hlc) > 0); /* newer stamp */
	customer_free(c);
	assert_int_equal(search_count(s, "NG12 3AB"), 0);
	assert_int_equal(search_count(s, "LE112TX"), 1);
	assert_int_equal(search_count(s, "a@example"), 1);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'customer.edit'"
			       " AND detail = 'postcode,email'"),
			 1);
	assert_int_equal(count("SELECT count(*) FROM outbox WHERE record_type = 'customer'"), 2);
	store_close(s);
}

static void test_transaction_rolls_back_together(void **state)
{
	struct store *s = open_ready();
	struct err e;

	(void)state;
	assert_int_equal(store_tx_begin(s, &e), STATUS_OK);
	add_customer(s, "First Person", NULL, NULL, NULL);
	add_customer(s, "Second Person", NULL, NULL, NULL);
	assert_int_equal(store_tx_end(s, false, &e), STATUS_OK);
	assert_int_equal(count("SELECT count(*) FROM customer"), 0);
	/* audit rows travel too; only the customers' are counted */
	assert_int_equal(count("SELECT count(*) FROM outbox WHERE record_type <> 'audit'"), 0);
	assert_int_equal(store_tx_begin(s, &e), STATUS_OK);
	add_customer(s, "First Person", NULL, NULL, NULL);
	assert_int_equal(store_tx_end(s, true, &e), STATUS_OK);
	assert_int_equal(count("SELECT count(*) FROM customer"), 1);
	store_close(s);
}

/* ---- contacts and cases ----------------------------------------------- */

static void test_contact_refusals_write_nothing(void **state)
{
	struct store *s = open_ready();
	struct contact_result r;
	struct contact_input in = { .service = "missed-bin", .outcome = "resolved",
				    .channel = "fax", .duration_s = -1 };
	struct err e;

	(void)state;
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_UNKNOWN_CODE);
	assert_non_null(strstr(e.msg, "unknown channel 'fax'"));
	in.channel = NULL;
	in.service = "bins";
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_UNKNOWN_CODE);
	in.service = "missed-bin";
	in.outcome = "referred";
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_USAGE); /* no reason */
	in.outcome = "resolved";
	in.reason = "why";
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_USAGE);
	in.reason = NULL;
	in.customer_id = "0193a5c2-7d1e-7abc-8def-0123456789ab";
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_NOT_FOUND);
	in.customer_id = NULL;
	in.duration_s = 999999;
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_INVALID);
	in.duration_s = -1;
	in.answers_json = "[1,2]";
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_INVALID);
	assert_int_equal(count("SELECT count(*) FROM contact"), 0);
	assert_int_equal(count("SELECT count(*) FROM visit"), 0);
	assert_int_equal(count("SELECT count(*) FROM outbox WHERE record_type NOT IN"
			       " ('customer', 'audit')"),
			 0);
	store_close(s);
}

static void test_contact_anonymous_and_visit(void **state)
{
	struct store *s = open_ready();
	struct contact_result r1, r2;
	char id[UUID_STR_LEN + 1];
	struct contact_input in = { .service = "missed-bin", .outcome = "resolved",
				    .duration_s = 95 };
	struct err e;

	(void)state;
	assert_int_equal(store_contact_log(s, &in, &r1, &e), STATUS_OK);
	assert_true(uuid_valid(r1.contact_id));
	assert_string_equal(r1.case_ref, "");
	assert_int_equal(count("SELECT count(*) FROM contact WHERE customer_id IS NULL"
			       " AND channel = 'face-to-face' AND site = 'civic-centre'"
			       " AND advisor = 'test:advisor' AND duration_s = 95"),
			 1);
	assert_int_equal(count("SELECT count(*) FROM outbox WHERE record_type IN"
			       " ('visit', 'contact')"),
			 2);
	/* No audit row for an anonymous enquiry: no person's data was touched. */
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'contact.log'"), 0);

	/* A second enquiry in a visit inherits the visit's customer. */
	add_customer(s, "Ann Example", NULL, NULL, id);
	in.customer_id = id;
	assert_int_equal(store_contact_log(s, &in, &r1, &e), STATUS_OK);
	in.customer_id = NULL;
	in.visit_id = r1.visit_id;
	in.service = "council-tax-moving";
	assert_int_equal(store_contact_log(s, &in, &r2, &e), STATUS_OK);
	assert_string_equal(r1.visit_id, r2.visit_id);
	assert_int_equal(count("SELECT count(*) FROM contact WHERE customer_id IS NOT NULL"), 2);
	assert_int_equal(count("SELECT count(*) FROM visit"), 2);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'contact.log'"), 2);
	in.visit_id = "0193a5c2-7d1e-7abc-8def-0123456789ab";
	assert_int_equal(store_contact_log(s, &in, &r2, &e), STATUS_NOT_FOUND);
	store_close(s);
}

static int case_cb(void *ctx, const struct case_row *row)
{
	struct case_row *out = ctx;

	if (!out->reference) {
		out->reference = xstrdup(row->reference);
		out->due = xstrdup(row->due);
		out->overdue = row->overdue;
	}
	return 0;
}

static int count_case(void *ctx, const struct case_row *row)
{
	(void)row;
	++*(int *)ctx;
	return 0;
}

static int event_cb(void *ctx, const struct case_event_row *ev)
{
	(void)ev;
	++*(int *)ctx;
	return 0;
}

static void test_referral_raises_case(void **state)
{
	struct store *s = open_ready();
	struct contact_result r;
	char id[UUID_STR_LEN + 1], expect[32], *code;
	struct contact_input in = { .service = "council-tax-moving", .outcome = "referred",
				    .reason = "Joint liability from 1 Dec", .duration_s = -1 };
	struct case_filter all = { .status = "all" }, overdue = { .overdue = true };
	struct case_row row = { 0 };
	struct err e;
	int events = 0;

	(void)state;
	add_customer(s, "Ann Example", NULL, NULL, id);
	in.customer_id = id;
	assert_int_equal(store_setting_get(s, "device_code", &code, &e), STATUS_OK);
	assert_non_null(code);
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_OK);
	snprintf(expect, sizeof expect, "%s-00001", code);
	assert_string_equal(r.case_ref, expect);
	assert_string_equal(r.team, "revenues");
	/* Friday 18 Dec + 5 working days, skipping 25 and 28 Dec: 29 Dec. */
	assert_string_equal(r.due, "2026-12-29");
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_OK);
	snprintf(expect, sizeof expect, "%s-00002", code);
	assert_string_equal(r.case_ref, expect);
	free(code);
	/* The customer is now found by case reference. */
	assert_int_equal(search_count(s, r.case_ref), 1);
	assert_int_equal(count("SELECT count(*) FROM outbox WHERE record_type IN"
			       " ('case', 'case_event')"),
			 4);

	assert_int_equal(store_case_list(s, &all, case_cb, &row, &e), STATUS_OK);
	assert_non_null(row.reference);
	assert_false(row.overdue);
	free((char *)row.reference);
	free((char *)row.due);
	memset(&row, 0, sizeof row);
	assert_int_equal(store_case_list(s, &overdue, case_cb, &row, &e), STATUS_OK);
	assert_null(row.reference);
	fake_now += 14LL * 86400000; /* two weeks later both are overdue */
	assert_int_equal(store_case_list(s, &overdue, case_cb, &row, &e), STATUS_OK);
	assert_non_null(row.reference);
	assert_true(row.overdue);
	free((char *)row.reference);
	free((char *)row.due);
	assert_int_equal(store_case_show(s, r.case_ref, NULL, event_cb, &events, &e), STATUS_OK);
	assert_int_equal(events, 1);
	/* Waiting on the customer pauses the case: it is not overdue. */
	assert_int_equal(store_case_update(s, r.case_ref, "awaiting-customer", "asked for payslips",
					   NULL, &e),
			 STATUS_OK);
	{
		int n = 0;

		assert_int_equal(store_case_list(s, &overdue, count_case, &n, &e), STATUS_OK);
		assert_int_equal(n, 1); /* only the other case */
		n = 0;
		assert_int_equal(store_case_list(s, &all, count_case, &n, &e), STATUS_OK);
		assert_int_equal(n, 2);
	}
	assert_int_equal(store_case_show(s, "ZZ-99999", NULL, event_cb, &events, &e),
			 STATUS_NOT_FOUND);
	assert_int_equal(store_case_show(s, "nonsense", NULL, event_cb, &events, &e),
			 STATUS_INVALID);
	store_close(s);
}

/* A database another program holds locked: a clear "busy" refusal, and
 * nothing half-written once the lock is gone. */
static void test_locked_database(void **state)
{
	struct store *s = open_ready();
	struct contact_result r;
	struct contact_input in = { .service = "missed-bin", .outcome = "resolved",
				    .duration_s = -1 };
	sqlite3 *other;
	struct err e;

	(void)state;
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	store_set_busy_timeout(s, 50);
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_DB_BUSY);
	assert_non_null(strstr(e.msg, "is busy in another program; try again"));
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(count("SELECT count(*) FROM contact"), 0);
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_OK);
	assert_int_equal(count("SELECT count(*) FROM contact"), 1);
	store_close(s);
}

/* Two processes logging into one file at once both succeed. */
static void test_two_writers(void **state)
{
	struct store *s = open_ready();
	pid_t kids[2];

	(void)state;
	store_close(s);
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			struct store *w;
			struct err e;
			struct contact_input in = { .service = "missed-bin", .outcome = "referred",
						    .reason = "Crew missed the road",
						    .duration_s = -1 };
			struct contact_result r;

			if (store_open(path, 0, &w, &e))
				_exit(2);
			for (int i = 0; i < 50; i++)
				if (store_contact_log(w, &in, &r, &e))
					_exit(3);
			store_close(w);
			_exit(0);
		}
	}
	for (int k = 0; k < 2; k++) {
		int st;

		assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_int_equal(count("SELECT count(*) FROM contact"), 100);
	/* Every referral got its own reference. */
	assert_int_equal(count("SELECT count(DISTINCT reference) FROM \"case\""), 100);
}

/* A row callback that counts rows and stops after the second. */
static int count_rows(void *ctx, const char *const *cells, size_t n)
{
	(void)cells;
	assert_int_equal(n, STORE_EXPORT_COLUMNS);
	return ++*(int *)ctx >= 2;
}

/* The subject access export as rows, written by core's CSV writer: nulls
 * left out, nested case events their own section, one row per access,
 * every cell through csv_cell (quoted, formulas neutralised). */
static void test_export_rows_as_csv(void **state)
{
	static const char doc_text[] =
		"{\"subject_access\": {\"customer_id\": \"c1\", \"generated_at\": \"T0\"},"
		" \"customer\": {\"id\": \"c1\", \"created_at\": \"T1\", \"erased\": false,"
		"  \"fields\": {\"name\": \"Zo\u00eb, \\\"Z\\\"\", \"needs\": null}},"
		" \"contacts\": [{\"id\": \"k1\", \"created_at\": \"T2\", \"notes\": \"=SUM(A1)\","
		"  \"duration_s\": 90}],"
		" \"cases\": [{\"id\": \"x1\", \"reference\": \"WB2-00001\", \"created_at\": \"T3\","
		"  \"events\": [{\"at\": \"T4\", \"status\": \"open\"}]}],"
		" \"parked_flows\": [],"
		" \"access\": [{\"at\": \"T5\", \"actor\": \"cli:root\", \"action\": \"customer.view\","
		"  \"record_id\": \"c1\", \"detail\": null}]}";
	static const char want[] =
		"section,record,at,field,value\r\n"
		"request,c1,T0,customer_id,c1\r\n"
		"request,c1,T0,generated_at,T0\r\n"
		"customer,c1,T1,id,c1\r\n"
		"customer,c1,T1,created_at,T1\r\n"
		"customer,c1,T1,erased,no\r\n"
		"customer,c1,T1,fields.name,\"Zo\u00eb, \"\"Z\"\"\"\r\n"
		"contact,k1,T2,id,k1\r\n"
		"contact,k1,T2,notes,'=SUM(A1)\r\n"
		"contact,k1,T2,duration_s,90\r\n"
		"case,WB2-00001,T3,id,x1\r\n"
		"case,WB2-00001,T3,reference,WB2-00001\r\n"
		"case event,WB2-00001,T4,at,T4\r\n"
		"case event,WB2-00001,T4,status,open\r\n"
		"access,c1,T5,customer.view,by cli:root\r\n";
	json_t *doc = json_loads(doc_text, JSON_PRESERVE_ORDER, NULL);
	struct csv_writer w;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int rows = 0;

	(void)state;
	assert_non_null(doc);
	assert_non_null(out);
	csv_writer_init(&w, out);
	assert_int_equal(store_export_rows(doc, csv_writer_row, &w), 0);
	assert_true(csv_writer_release(&w));
	fclose(out);
	assert_string_equal(text, want);
	free(text);
	/* fn's non-zero answer stops the rows and is returned */
	assert_int_equal(store_export_rows(doc, count_rows, &rows), 1);
	assert_int_equal(rows, 2);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_degenerate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_creates_and_checks_pragmas, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_newer_and_corrupt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refdata_idempotent_and_checked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_customer_refused_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_customer_stamps_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_customer_add_indexes_queues_audits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_search_folds_and_normalises, setup, teardown),
		cmocka_unit_test(test_search_expressions),
		cmocka_unit_test(test_export_rows_as_csv),
		cmocka_unit_test_setup_teardown(test_customer_edit_stamps_and_reindexes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transaction_rolls_back_together, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_contact_refusals_write_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_contact_anonymous_and_visit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_referral_raises_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
