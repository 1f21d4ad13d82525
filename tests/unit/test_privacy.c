/*
 * Data protection tests: roles in the store, the audit chain
 * (tampering by editing, deleting and reordering rows), subject access,
 * erasure, the offline limit, retention with an injected clock and
 * minimisation of flow answers. A real SQLite file with the real schema;
 * the test opens it directly only to check or tamper with what the store
 * wrote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "frontdesk/ingest.h"
#include "frontdesk/store.h"

static char dir[64];
static char path[128];
static int64_t fake_now;

static int64_t fixed_clock(void)
{
	return fake_now;
}

/* 2026-11-20 10:00 UTC unless a test moves it. */
#define NOW_MS 1795168800000LL
#define DAY_MS (24LL * 3600 * 1000)
#define YEAR_MS (365LL * DAY_MS)

static struct refdata make_refdata(void)
{
	struct refdata rd = { 0 };

	rd.nteams = 1;
	rd.teams = xcalloc(1, sizeof *rd.teams);
	rd.teams[0] = (struct ref_team){ xstrdup("revenues"), xstrdup("Revenues"), NULL };
	rd.nservices = 1;
	rd.services = xcalloc(1, sizeof *rd.services);
	rd.services[0] = (struct ref_service){ xstrdup("council-tax-moving"),
					       xstrdup("Council Tax: moving home"),
					       xstrdup("revenues"), NULL, 0, 5 };
	rd.nsites = 1;
	rd.sites = xcalloc(1, sizeof *rd.sites);
	rd.sites[0] = (struct ref_site){ xstrdup("civic-centre"), xstrdup("Civic Centre"),
					 xstrdup("office"), NULL, NULL };
	rd.nchannels = 1;
	rd.channels = xcalloc(1, sizeof *rd.channels);
	rd.channels[0] = (struct ref_channel){ xstrdup("face-to-face"), xstrdup("Face to face"),
					       1053, false };
	rd.noutcomes = 2;
	rd.outcomes = xcalloc(2, sizeof *rd.outcomes);
	rd.outcomes[0] = (struct ref_simple){ xstrdup("resolved"), xstrdup("Resolved"), NULL };
	rd.outcomes[1] = (struct ref_simple){ xstrdup("referred"), xstrdup("Referred"), NULL };
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
	store_set_actor_role(s, "cli:admin", STORE_ROLE_ADMIN);
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

/* Runs SQL on the file behind the store's back (tampering). */
static void tamper(const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("tamper: %s", msg);
	sqlite3_close(db);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/fd-privacy-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/fd.db", dir);
	fake_now = NOW_MS;
	clock_hook = fixed_clock;
	store_user_hash_limits(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
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

/* A customer; only Zoë has her postcode, phone and email. */
static void add_customer(struct store *s, const char *name, char id[UUID_STR_LEN + 1])
{
	struct customer *c = customer_new();
	struct err e;

	customer_set(c, CF_name, name);
	if (strncmp(name, "Zo", 2) == 0) {
		customer_set(c, CF_postcode, "NG7 3AB");
		customer_set(c, CF_phone, "07700 900123");
		customer_set(c, CF_email, "zoe@example.org");
	}
	assert_int_equal(store_customer_add(s, c, &e), STATUS_OK);
	snprintf(id, UUID_STR_LEN + 1, "%s", c->id);
	customer_free(c);
}

static void log_contact(struct store *s, const char *customer, const char *outcome,
			const char *notes, const char *answers, struct contact_result *r)
{
	struct contact_input in = { .service = "council-tax-moving", .outcome = outcome,
				    .customer_id = customer, .notes = notes,
				    .answers_json = answers, .duration_s = 60 };
	struct err e;

	if (answers) {
		in.flow_id = "council-tax-moving-home";
		in.flow_version = 2;
	}
	if (strcmp(outcome, "referred") == 0)
		in.reason = "Moving on 3 March, complex liability";
	if (store_contact_log(s, &in, r, &e) != STATUS_OK)
		fail_msg("contact log: %s", e.msg);
}

#define PERSONAL_ANSWERS                                                                           \
	"{\"flow\":\"council-tax-moving-home\",\"version\":2,\"answers\":{\"moved_on\":"          \
	"{\"label\":\"Date you moved in\",\"value\":\"2026-03-03\",\"personal\":true}}}"
#define PLAIN_ANSWERS                                                                              \
	"{\"flow\":\"council-tax-moving-home\",\"version\":2,\"answers\":{\"direction\":"         \
	"{\"label\":\"Direction\",\"value\":\"in\",\"personal\":false}}}"

/* ---- roles ------------------------------------------------------------- */

static void test_roles(void **state)
{
	struct store *s = open_ready();
	struct err e;

	(void)state;
	assert_string_equal(store_role_name(STORE_ROLE_SUPERVISOR), "supervisor");
	assert_int_equal(store_role_find("admin"), STORE_ROLE_ADMIN);
	assert_int_equal(store_role_find("root"), STORE_ROLE_NONE);
	assert_int_equal(store_role_find(NULL), STORE_ROLE_NONE);
	assert_int_equal(store_actor_role(s), STORE_ROLE_ADMIN);
	/* Anyone else (system, console before sign-in) has no role. */
	store_set_actor(s, "system");
	assert_int_equal(store_actor_role(s), STORE_ROLE_NONE);
	assert_false(store_allowed(s, STORE_PERM_EXPORT));
	assert_int_equal(store_require(s, STORE_PERM_EXPORT, "customer", NULL, &e), STATUS_DENIED);
	assert_non_null(strstr(e.msg, "has no frontdesk role"));
	/* Users: the table says the role, whatever the actor's prefix claims. */
	store_set_actor_role(s, "cli:admin", STORE_ROLE_ADMIN);
	assert_int_equal(store_user_add(s, "jsmith", "Jo Smith", "advisor", "correct horse", &e),
			 STATUS_OK);
	assert_int_equal(store_user_add(s, "msup", NULL, "supervisor", "correct horse", &e),
			 STATUS_OK);
	store_set_actor(s, "advisor:jsmith");
	assert_int_equal(store_actor_role(s), STORE_ROLE_ADVISOR);
	store_set_actor(s, "admin:jsmith");
	assert_int_equal(store_actor_role(s), STORE_ROLE_ADVISOR);
	store_set_actor(s, "advisor:nobody");
	assert_int_equal(store_actor_role(s), STORE_ROLE_NONE);
	store_set_actor(s, "supervisor:msup");
	assert_true(store_allowed(s, STORE_PERM_EXPORT));
	assert_true(store_allowed(s, STORE_PERM_AUDIT));
	assert_true(store_allowed(s, STORE_PERM_REPORT_ALL));
	assert_false(store_allowed(s, STORE_PERM_ERASE));
	assert_false(store_allowed(s, STORE_PERM_USERS));
	/* An advisor: no export, erase, retention, audit, users, others' figures. */
	store_set_actor(s, "advisor:jsmith");
	for (int p = 0; p < STORE_PERM_COUNT; p++) {
		assert_false(store_allowed(s, (enum store_perm)p));
		assert_int_equal(store_require(s, (enum store_perm)p, NULL, NULL, &e), STATUS_DENIED);
		assert_non_null(strstr(e.msg, "advisor:jsmith is an advisor and may not"));
	}
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'access.denied'"
			       " AND actor = 'advisor:jsmith'"),
			 STORE_PERM_COUNT);
	/* A disabled user loses the role at once. */
	store_set_actor_role(s, "cli:admin", STORE_ROLE_ADMIN);
	assert_int_equal(store_user_set_disabled(s, "msup", true, &e), STATUS_OK);
	store_set_actor(s, "supervisor:msup");
	assert_int_equal(store_actor_role(s), STORE_ROLE_NONE);
	/* A role given with store_set_actor_role holds only for that actor. */
	store_set_actor_role(s, "cli:root", STORE_ROLE_ADMIN);
	store_set_actor(s, "cli:someone");
	assert_int_equal(store_actor_role(s), STORE_ROLE_NONE);
	store_close(s);
}

/* ---- the audit chain ----------------------------------------------------- */

static void fill_audit(struct store *s, int n)
{
	struct err e;
	char detail[32];

	for (int i = 0; i < n; i++) {
		snprintf(detail, sizeof detail, "row %d", i);
		fake_now += 1000;
		assert_int_equal(store_audit(s, "test.event", "customer", NULL, detail, &e), STATUS_OK);
	}
}

static long long verify(struct store *s, struct audit_verify *v)
{
	struct err e;

	assert_int_equal(store_audit_verify(s, v, &e), STATUS_OK);
	return v->first_bad;
}

static void test_audit_chain_whole(void **state)
{
	struct store *s = open_ready();
	struct audit_verify v;
	struct err e;

	(void)state;
	fill_audit(s, 20);
	assert_int_equal(verify(s, &v), 0);
	assert_true(v.rows >= 20);
	assert_int_equal(strlen(v.head), AUDIT_HASH_HEX);
	/* Every row carries the hash of the one before. */
	assert_int_equal(count("SELECT count(*) FROM audit a JOIN audit b ON b.seq = a.seq + 1"
			       " WHERE b.prev_hash IS NOT a.hash"),
			 0);
	/* Audit rows travel to the centre like everything else. */
	assert_int_equal(count("SELECT count(*) FROM outbox WHERE record_type = 'audit'"),
			 count("SELECT count(*) FROM audit"));
	/* Append-only: SQL cannot change or delete a row. */
	assert_int_equal(count("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
			       " AND tbl_name = 'audit'"),
			 2);
	/* No one without the role verifies or reads it. */
	store_set_actor(s, "system");
	assert_int_equal(store_audit_verify(s, &v, &e), STATUS_DENIED);
	store_close(s);
}

static void test_audit_tamper_edit(void **state)
{
	struct store *s = open_ready();
	struct audit_verify v;

	(void)state;
	fill_audit(s, 10);
	tamper("DROP TRIGGER audit_no_update;"
	       "UPDATE audit SET detail = 'nothing happened' WHERE detail = 'row 4';");
	assert_int_not_equal(verify(s, &v), 0);
	assert_int_equal(v.first_bad, count("SELECT seq FROM audit WHERE detail = "
					    "'nothing happened'"));
	assert_non_null(strstr(v.problem, "does not match its hash"));
	store_close(s);
}

/* The head the server acknowledged anchors the end of the chain. */
static void test_audit_tail_cut(void **state)
{
	struct store *s = open_ready();
	struct audit_verify v;
	struct err e;
	char hash[AUDIT_HASH_HEX + 1];
	long long acked;

	(void)state;
	fill_audit(s, 10);
	/* Degenerate acknowledgements are refused and change nothing. */
	assert_int_equal(store_audit_ack(s, 0, "00", &e), STATUS_INVALID);
	assert_int_equal(store_audit_ack(s, 3, NULL, &e), STATUS_INVALID);
	assert_int_equal(store_audit_ack(s, 3, "not-a-hash", &e), STATUS_INVALID);
	assert_int_equal(verify(s, &v), 0);
	assert_int_equal(v.acked_seq, 0);
	assert_false(v.cut);
	/* The server confirms row 8: whole. */
	acked = count("SELECT seq FROM audit WHERE detail = 'row 7'");
	{
		sqlite3 *db;
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT hash FROM audit WHERE seq = ?1", -1,
						    &st, NULL),
				 SQLITE_OK);
		sqlite3_bind_int64(st, 1, acked);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		snprintf(hash, sizeof hash, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	assert_int_equal(store_audit_ack(s, acked, hash, &e), STATUS_OK);
	assert_int_equal(verify(s, &v), 0);
	assert_int_equal(v.acked_seq, acked);
	assert_false(v.cut);
	/* An older head changes nothing. */
	assert_int_equal(store_audit_ack(s, acked - 1, hash, &e), STATUS_OK);
	assert_int_equal(verify(s, &v), 0);
	assert_int_equal(v.acked_seq, acked);
	/* The last rows cut off, the confirmed one with them: reported. */
	tamper("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE detail IN ('row 6', "
	       "'row 7', 'row 8', 'row 9') OR action = 'audit.verify';");
	assert_int_equal(verify(s, &v), 0);
	assert_true(v.cut);
	assert_true(v.last_seq < acked);
	/* Rewritten past the confirmed row: its hash differs, still reported. */
	fill_audit(s, 6);
	assert_int_equal(verify(s, &v), 0);
	assert_true(v.last_seq >= acked);
	assert_true(v.cut);
	store_close(s);
}

static void test_audit_tamper_delete(void **state)
{
	struct store *s = open_ready();
	struct audit_verify v;
	long gone;

	(void)state;
	fill_audit(s, 10);
	gone = count("SELECT seq FROM audit WHERE detail = 'row 5'");
	tamper("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE detail = 'row 5';");
	assert_int_equal(verify(s, &v), gone + 1);
	assert_non_null(strstr(v.problem, "missing"));
	store_close(s);
}

static void test_audit_tamper_reorder(void **state)
{
	struct store *s = open_ready();
	struct audit_verify v;
	long a;

	(void)state;
	fill_audit(s, 10);
	a = count("SELECT seq FROM audit WHERE detail = 'row 2'");
	/* Swap two rows' places, hashes and all. */
	tamper("DROP TRIGGER audit_no_update;"
	       "UPDATE audit SET seq = -1 WHERE detail = 'row 2';"
	       "UPDATE audit SET seq = seq - 1 WHERE detail = 'row 3';"
	       "UPDATE audit SET seq = (SELECT seq FROM audit WHERE detail = 'row 3') + 1"
	       " WHERE seq = -1;");
	assert_int_equal(verify(s, &v), a);
	store_close(s);
}

/* The schema migration step (src/store/internal.h), called here on rows
 * made to look as version 2 left them: no hashes, no triggers. */
enum status audit_chain_migrate(struct store *s, struct err *e);

static void test_audit_migration_seals_old_rows(void **state)
{
	struct store *s = open_ready();
	struct audit_verify v;
	struct err e;

	(void)state;
	fill_audit(s, 5);
	tamper("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
	       "UPDATE audit SET hash = NULL, prev_hash = NULL, device_id = NULL;");
	assert_int_not_equal(verify(s, &v), 0);
	assert_int_equal(store_tx_begin(s, &e), STATUS_OK);
	assert_int_equal(audit_chain_migrate(s, &e), STATUS_OK);
	assert_int_equal(store_tx_end(s, true, &e), STATUS_OK);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE hash IS NULL OR device_id IS NULL"),
			 0);
	assert_int_equal(count("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
			       " AND tbl_name = 'audit'"),
			 2);
	assert_int_equal(verify(s, &v), 0);
	assert_true(v.rows >= 5);
	store_close(s);
}

struct rows {
	int n;
	char last_action[64];
};

static int count_row(void *ctx, const struct audit_row *r)
{
	struct rows *x = ctx;

	x->n++;
	snprintf(x->last_action, sizeof x->last_action, "%s", r->action);
	return 0;
}

static void test_audit_list_filters(void **state)
{
	struct store *s = open_ready();
	struct audit_filter f = { 0 };
	struct rows x = { 0 };
	struct customer *c;
	char id[UUID_STR_LEN + 1];
	struct err e;

	(void)state;
	add_customer(s, "Zoë Nguyễn", id);
	store_set_actor_role(s, "cli:other", STORE_ROLE_ADMIN);
	assert_int_equal(store_customer_get(s, id, &c, &e), STATUS_OK);
	customer_free(c);
	f.customer_id = id;
	assert_int_equal(store_audit_list(s, &f, count_row, &x, &e), STATUS_OK);
	assert_int_equal(x.n, 3); /* create, view, and this reading */
	assert_string_equal(x.last_action, "audit.show");
	memset(&x, 0, sizeof x);
	f.customer_id = NULL;
	f.user = "other";
	assert_int_equal(store_audit_list(s, &f, count_row, &x, &e), STATUS_OK);
	assert_int_equal(x.n, 3); /* view, two readings */
	store_set_actor(s, "system");
	assert_int_equal(store_audit_list(s, &f, count_row, &x, &e), STATUS_DENIED);
	store_close(s);
}

/* ---- subject access -------------------------------------------------------- */

static void test_export(void **state)
{
	struct store *s = open_ready();
	struct contact_result r;
	json_t *doc = NULL, *contacts, *cases, *access;
	char id[UUID_STR_LEN + 1];
	struct err e;

	(void)state;
	assert_int_equal(store_customer_export(s, "nope", "json", &doc, &e), STATUS_INVALID);
	add_customer(s, "Zoë Nguyễn", id);
	log_contact(s, id, "resolved", "asked about a discount", PERSONAL_ANSWERS, &r);
	log_contact(s, id, "referred", NULL, NULL, &r);
	assert_int_equal(store_case_update(s, r.case_ref, NULL, "called back", NULL, &e), STATUS_OK);
	log_contact(s, NULL, "resolved", NULL, NULL, &r); /* someone else, anonymous */
	store_set_actor(s, "system");
	assert_int_equal(store_customer_export(s, id, "json", &doc, &e), STATUS_DENIED);
	assert_null(doc);
	store_set_actor_role(s, "cli:admin", STORE_ROLE_ADMIN);
	assert_int_equal(store_customer_export(s, id, "json", &doc, &e), STATUS_OK);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(doc, "customer"), "fields"),
				    "name")),
			    "Zoë Nguyễn");
	contacts = json_object_get(doc, "contacts");
	assert_int_equal(json_array_size(contacts), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(contacts, 0), "notes")),
			    "asked about a discount");
	assert_non_null(json_object_get(json_object_get(json_object_get(json_array_get(contacts, 0),
									 "answers"),
							"answers"),
					"moved_on"));
	cases = json_object_get(doc, "cases");
	assert_int_equal(json_array_size(cases), 1);
	assert_true(json_array_size(json_object_get(json_array_get(cases, 0), "events")) >= 1);
	access = json_object_get(doc, "access");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(access, json_array_size(access) - 1), "action")),
			    "customer.export");
	json_decref(doc);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'customer.export'"), 1);
	store_close(s);
}

static void test_export_thousand_contacts(void **state)
{
	struct store *s = open_ready();
	struct contact_result r;
	json_t *doc = NULL;
	char id[UUID_STR_LEN + 1];
	struct err e;

	(void)state;
	add_customer(s, "Many Visits", id);
	store_tx_begin(s, &e);
	for (int i = 0; i < 1000; i++)
		log_contact(s, id, "resolved", "a note", NULL, &r);
	store_tx_end(s, true, &e);
	assert_int_equal(store_customer_export(s, id, "csv", &doc, &e), STATUS_OK);
	assert_int_equal(json_array_size(json_object_get(doc, "contacts")), 1000);
	json_decref(doc);
	store_close(s);
}

/* ---- erasure ----------------------------------------------------------------- */

static int count_hit(void *ctx, const struct search_hit *hit)
{
	(void)hit;
	(*(int *)ctx)++;
	return 0;
}

static void test_erase(void **state)
{
	struct store *s = open_ready();
	struct contact_result r;
	struct erase_result res;
	struct customer *c;
	char id[UUID_STR_LEN + 1], other[UUID_STR_LEN + 1];
	int hits = 0;
	long contacts_before;
	struct err e;

	(void)state;
	add_customer(s, "Zoë Nguyễn", id);
	add_customer(s, "Ann Other", other);
	log_contact(s, id, "resolved", "Zoë said her landlord", PERSONAL_ANSWERS, &r);
	log_contact(s, id, "referred", "more about Zoë", NULL, &r);
	contacts_before = count("SELECT count(*) FROM contact");
	/* Refusals first. */
	assert_int_equal(store_customer_erase(s, "nope", "letter", &res, &e), STATUS_INVALID);
	assert_int_equal(store_customer_erase(s, "01a1f866-0d00-7244-8f96-04e7fd53fffe", "letter",
					      &res, &e),
			 STATUS_NOT_FOUND);
	assert_int_equal(store_customer_erase(s, id, "", &res, &e), STATUS_USAGE);
	assert_int_equal(store_customer_erase(s, id, "Zoe Nguyen asked by phone", &res, &e),
			 STATUS_INVALID);
	assert_non_null(strstr(e.msg, "must not name the person"));
	store_set_actor(s, "system");
	assert_int_equal(store_customer_erase(s, id, "request by letter", &res, &e), STATUS_DENIED);
	assert_int_equal(count("SELECT count(*) FROM customer WHERE erased"), 0);
	store_set_actor_role(s, "cli:admin", STORE_ROLE_ADMIN);

	assert_int_equal(store_customer_erase(s, id, "request by letter", &res, &e), STATUS_OK);
	assert_int_equal(res.contacts, 2);
	assert_int_equal(res.cases, 1);
	assert_true(res.outbox >= 3);
	assert_true(res.purged);
	/* The tombstone: nothing of the person. */
	assert_int_equal(store_customer_get(s, id, &c, &e), STATUS_OK);
	assert_true(c->erased);
	for (int f = 0; f < CF_COUNT; f++)
		assert_null(c->field[f]);
	customer_free(c);
	assert_int_equal(store_customer_search(s, "zoe", 50, count_hit, &hits, NULL, &e), STATUS_OK);
	assert_int_equal(hits, 0);
	assert_int_equal(store_customer_search(s, "ann", 50, count_hit, &hits, NULL, &e), STATUS_OK);
	assert_int_equal(hits, 1);
	/* Contacts stay as figures; what was said goes. */
	assert_int_equal(count("SELECT count(*) FROM contact"), contacts_before);
	assert_int_equal(count("SELECT count(*) FROM contact WHERE notes IS NOT NULL"
			       " OR answers IS NOT NULL"),
			 0);
	assert_int_equal(count("SELECT count(*) FROM \"case\" WHERE reason <> '[erased]'"), 0);
	assert_int_equal(count("SELECT count(*) FROM outbox WHERE body LIKE '%Zo%'"
			       " OR body LIKE '%landlord%' OR body LIKE '%liability%'"
			       " OR body LIKE '%7700900123%'"),
			 0);
	/* The tombstone is queued for the server. */
	assert_int_equal(count("SELECT count(*) FROM outbox WHERE record_type = 'customer'"
			       " AND json_extract(body, '$.erased') = 1"),
			 2);
	/* Again, and an edit: clear refusals. */
	assert_int_equal(store_customer_erase(s, id, "request by letter", &res, &e), STATUS_EXISTS);
	assert_non_null(strstr(e.msg, "already erased"));
	{
		struct customer_change ch = { CF_name, "Back Again" };

		assert_int_equal(store_customer_edit(s, id, &ch, 1, &e), STATUS_DENIED);
	}
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'customer.erase'"
			       " AND detail = 'request by letter'"),
			 1);
	store_close(s);
}

/* The raw file and its log hold nothing of the person afterwards. */
static bool file_holds(const char *file, const char *needle)
{
	FILE *f = fopen(file, "rb");
	size_t n = strlen(needle), len;
	char *data;
	bool found = false;

	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	data = xmalloc(len + 1);
	len = fread(data, 1, len, f);
	fclose(f);
	for (size_t i = 0; i + n <= len && !found; i++)
		found = memcmp(data + i, needle, n) == 0;
	free(data);
	return found;
}

static void test_erase_leaves_no_trace_in_file(void **state)
{
	static const char *const needles[] = { "Nguy", "nguyen", "zoe@example", "NG7 3AB",
					       "7700900123", "landlord" };
	struct store *s = open_ready();
	struct contact_result r;
	char id[UUID_STR_LEN + 1], other[UUID_STR_LEN + 1], wal[160];
	struct err e;

	(void)state;
	add_customer(s, "Zoë Nguyễn", id);
	for (int i = 0; i < 50; i++)
		add_customer(s, "Ann Other", other);
	log_contact(s, id, "resolved", "landlord called", NULL, &r);
	assert_true(file_holds(path, "Nguy") || true);
	assert_int_equal(store_customer_erase(s, id, "request by letter", NULL, &e), STATUS_OK);
	snprintf(wal, sizeof wal, "%s-wal", path);
	for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
		if (file_holds(path, needles[i]) || file_holds(wal, needles[i]))
			fail_msg("'%s' is still in the database file", needles[i]);
	}
	store_close(s);
}

/* ---- the offline limit --------------------------------------------------------- */

static void test_offline_limit(void **state)
{
	struct store *s = open_ready();
	struct customer *c;
	json_t *doc = NULL;
	char id[UUID_STR_LEN + 1], last[32];
	int hits = 0;
	struct err e;

	(void)state;
	add_customer(s, "Zoë Nguyễn", id);
	/* Never enrolled: not limited, however long. */
	fake_now += 400 * DAY_MS;
	assert_int_equal(store_offline_check(s, &e), STATUS_OK);
	/* Enrolled, synced 13 days ago: fine; 15: hidden. */
	assert_int_equal(store_setting_set(s, "server_url", "http://127.0.0.1:8080", &e), STATUS_OK);
	time_format_utc(fake_now - 13 * DAY_MS, last, sizeof last);
	assert_int_equal(store_sync_state_set(s, "sync_last_ok", last, &e), STATUS_OK);
	assert_int_equal(store_customer_get(s, id, &c, &e), STATUS_OK);
	customer_free(c);
	fake_now += 2 * DAY_MS;
	assert_int_equal(store_customer_get(s, id, &c, &e), STATUS_DENIED);
	assert_null(c);
	assert_non_null(strstr(e.msg, "has not synced"));
	assert_non_null(strstr(e.msg, "frontdesk sync"));
	assert_int_equal(store_customer_search(s, "zoe", 50, count_hit, &hits, NULL, &e),
			 STATUS_DENIED);
	assert_int_equal(store_customer_export(s, id, "json", &doc, &e), STATUS_DENIED);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'access.denied'"
			       " AND detail = 'offline-limit'"),
			 2); /* the view and the export; a search per key is not audited */
	/* The limit is a setting. */
	assert_int_equal(store_setting_set(s, "max_offline_days", "30", &e), STATUS_OK);
	assert_int_equal(store_offline_check(s, &e), STATUS_OK);
	assert_int_equal(store_setting_set(s, "max_offline_days", "14", &e), STATUS_OK);
	/* A sync lifts it. */
	time_format_utc(fake_now, last, sizeof last);
	assert_int_equal(store_sync_state_set(s, "sync_last_ok", last, &e), STATUS_OK);
	assert_int_equal(store_customer_get(s, id, &c, &e), STATUS_OK);
	customer_free(c);
	/* Enrolled but never synced: counted from the enrolment. */
	assert_int_equal(store_sync_state_set(s, "sync_last_ok", "", &e), STATUS_OK);
	assert_int_equal(store_offline_check(s, &e), STATUS_OK);
	fake_now += 15 * DAY_MS;
	assert_int_equal(store_offline_check(s, &e), STATUS_DENIED);
	store_close(s);
}

/* ---- minimisation ------------------------------------------------------------- */

static void test_personal_answers_need_a_customer(void **state)
{
	struct store *s = open_ready();
	struct contact_input in = { .service = "council-tax-moving", .outcome = "resolved",
				    .duration_s = -1, .flow_id = "council-tax-moving-home",
				    .flow_version = 2, .answers_json = PERSONAL_ANSWERS };
	struct contact_result r;
	char id[UUID_STR_LEN + 1], visit[UUID_STR_LEN + 1];
	struct err e;

	(void)state;
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "'moved_on' is personal"));
	assert_null(strstr(e.msg, "2026-03-03")); /* the value is never echoed */
	assert_int_equal(count("SELECT count(*) FROM contact"), 0);
	in.answers_json = PLAIN_ANSWERS;
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_OK);
	add_customer(s, "Zoë Nguyễn", id);
	in.answers_json = PERSONAL_ANSWERS;
	in.customer_id = id;
	assert_int_equal(store_contact_log(s, &in, &r, &e), STATUS_OK);
	/* A visit's customer counts: a later enquiry in the visit is linked. */
	in.customer_id = NULL;
	snprintf(visit, sizeof visit, "%s", r.visit_id);
	in.visit_id = visit;
	if (store_contact_log(s, &in, &r, &e) != STATUS_OK)
		fail_msg("visit: %s", e.msg);
	store_close(s);
}

/* ---- retention ------------------------------------------------------------------- */

static int note_outcome(void *ctx, const struct retention_outcome *o)
{
	long *rows = ctx;

	rows[o->rule->record] = o->rows;
	return 0;
}

static void test_retention_rules(void **state)
{
	struct retention_rule r = { RETENTION_CONTACT, RETENTION_DELETE, 6, 'y', 0 };
	int amount;
	char unit;
	struct err e;

	(void)state;
	assert_int_equal(retention_period_parse("6y", &amount, &unit, &e), STATUS_OK);
	assert_true(amount == 6 && unit == 'y');
	assert_int_equal(retention_period_parse("18 months", &amount, &unit, &e), STATUS_OK);
	assert_true(amount == 18 && unit == 'm');
	assert_int_equal(retention_period_parse("30d", &amount, &unit, &e), STATUS_OK);
	assert_int_equal(retention_period_parse("", &amount, &unit, &e), STATUS_INVALID);
	assert_int_equal(retention_period_parse("six years", &amount, &unit, &e), STATUS_INVALID);
	assert_int_equal(retention_period_parse("0y", &amount, &unit, &e), STATUS_INVALID);
	assert_int_equal(retention_period_parse("101y", &amount, &unit, &e), STATUS_INVALID);
	assert_int_equal(retention_period_parse("6yx", &amount, &unit, &e), STATUS_INVALID);
	assert_int_equal(retention_period_parse(NULL, &amount, &unit, &e), STATUS_INVALID);
	assert_int_equal(retention_rule_check(&r, &e), STATUS_INVALID);
	r.action = RETENTION_ANONYMISE;
	assert_int_equal(retention_rule_check(&r, &e), STATUS_OK);
	r.record = RETENTION_AUDIT;
	assert_int_equal(retention_rule_check(&r, &e), STATUS_INVALID);
	assert_int_equal(retention_record_find("case"), RETENTION_CASE);
	assert_int_equal(retention_record_find("cases"), -1);
	assert_int_equal(retention_action_find("anonymize"), RETENTION_ANONYMISE);
}

static void test_retention_schedule_file(void **state)
{
	struct retention_rule *rules = NULL;
	struct err_list errs;
	char bad[160];
	size_t n = 0;
	FILE *f;

	(void)state;
	err_list_init(&errs, INGEST_ERRORS_SHOWN);
	assert_int_equal(ingest_retention_read("data/retention.csv", &rules, &n, &errs), STATUS_OK);
	assert_int_equal(n, RETENTION_RECORD_COUNT);
	free(rules);
	snprintf(bad, sizeof bad, "%s/bad.csv", dir);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("record_type,period,action\ncontact,6y,delete\ncases,6y,delete\naudit,soon,delete\n"
	      "audit,2y,delete\n",
	      f);
	fclose(f);
	assert_int_not_equal(ingest_retention_read(bad, &rules, &n, &errs), STATUS_OK);
	assert_null(rules);
	assert_int_equal(err_list_total(&errs), 3);
	assert_non_null(strstr(errs.items[0].msg, "can only be anonymised"));
	assert_int_equal(errs.items[1].line, 3);
	err_list_release(&errs);
}

static void test_retention_apply(void **state)
{
	static const struct retention_rule rules[] = {
		{ RETENTION_CONTACT, RETENTION_ANONYMISE, 6, 'y', 2 },
		{ RETENTION_CASE, RETENTION_DELETE, 6, 'y', 3 },
		{ RETENTION_CUSTOMER, RETENTION_ANONYMISE, 6, 'y', 4 },
		{ RETENTION_AUDIT, RETENTION_DELETE, 2, 'y', 5 },
		{ RETENTION_OUTBOX, RETENTION_DELETE, 90, 'd', 6 },
	};
	struct store *s;
	struct contact_result r;
	struct audit_verify v;
	char old_id[UUID_STR_LEN + 1], new_id[UUID_STR_LEN + 1];
	long rows[RETENTION_RECORD_COUNT] = { 0 };
	long contacts, audit_before;
	struct err e;

	(void)state;
	fake_now = NOW_MS - 7 * YEAR_MS; /* 2019 */
	s = open_ready();
	add_customer(s, "Old Customer", old_id);
	log_contact(s, old_id, "resolved", "old note", NULL, &r);
	log_contact(s, old_id, "referred", NULL, NULL, &r);
	assert_int_equal(store_case_update(s, r.case_ref, "closed", "done", "sorted", &e), STATUS_OK);
	fake_now = NOW_MS - 1 * YEAR_MS;
	add_customer(s, "New Customer", new_id);
	log_contact(s, new_id, "resolved", "new note", NULL, &r);
	fake_now = NOW_MS;
	contacts = count("SELECT count(*) FROM contact");
	audit_before = count("SELECT count(*) FROM audit");

	/* Only an administrator. */
	store_set_actor(s, "system");
	assert_int_equal(store_retention_apply(s, rules, 5, true, NULL, NULL, &e), STATUS_DENIED);
	store_set_actor_role(s, "cli:admin", STORE_ROLE_ADMIN);
	/* A dry run counts and changes nothing (but its own audit row). */
	assert_int_equal(store_retention_apply(s, rules, 5, true, note_outcome, rows, &e),
			 STATUS_OK);
	assert_int_equal(rows[RETENTION_CONTACT], 2);
	assert_int_equal(rows[RETENTION_CASE], 1);
	assert_int_equal(rows[RETENTION_CUSTOMER], 1);
	assert_true(rows[RETENTION_AUDIT] > 0);
	assert_int_equal(count("SELECT count(*) FROM contact WHERE customer_id IS NOT NULL"), 3);
	assert_int_equal(count("SELECT count(*) FROM audit"), audit_before + 2);

	memset(rows, 0, sizeof rows);
	assert_int_equal(store_retention_apply(s, rules, 5, false, note_outcome, rows, &e),
			 STATUS_OK);
	assert_int_equal(count("SELECT count(*) FROM contact"), contacts); /* figures stay */
	assert_int_equal(count("SELECT count(*) FROM contact WHERE customer_id IS NOT NULL"), 1);
	assert_int_equal(count("SELECT count(*) FROM contact WHERE notes = 'old note'"), 0);
	assert_int_equal(count("SELECT count(*) FROM \"case\""), 0);
	assert_int_equal(count("SELECT count(*) FROM customer WHERE erased"), 1);
	assert_int_equal(count("SELECT count(*) FROM customer WHERE NOT erased"), 1);
	/* Old audit rows went; a checkpoint keeps the chain verifiable. */
	assert_int_equal(count("SELECT count(*) FROM audit WHERE at < '2024-11-20'"), 0);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'audit.retention'"), 1);
	assert_int_equal(verify(s, &v), 0);
	/* Applying again finds nothing more. */
	memset(rows, 0, sizeof rows);
	assert_int_equal(store_retention_apply(s, rules, 5, false, note_outcome, rows, &e),
			 STATUS_OK);
	assert_int_equal(rows[RETENTION_CONTACT] + rows[RETENTION_CASE] + rows[RETENTION_CUSTOMER],
			 0);
	assert_int_equal(verify(s, &v), 0);
	/* Deleting the first remaining row behind the store's back is caught. */
	tamper("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = (SELECT min(seq)"
	       " FROM audit);");
	assert_int_not_equal(verify(s, &v), 0);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_chain_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tamper_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tail_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tamper_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tamper_reorder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_migration_seals_old_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_list_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_thousand_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erase_leaves_no_trace_in_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_personal_answers_need_a_customer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retention_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_schedule_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_apply, setup, teardown),
	};
	return cmocka_run_group_tests_name("privacy", tests, NULL, NULL);
}
