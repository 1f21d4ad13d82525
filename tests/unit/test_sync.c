/*
 * Unit tests for sync: the customer merge (the same answer in any order,
 * erasure wins, far-future clocks bounded), the backoff schedule, batching
 * from a real store, and applying a pulled page.
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
#include <sqlite3.h>
#include <jansson.h>

#include "frontdesk/store.h"
#include "frontdesk/sync.h"

/* ---- merge ------------------------------------------------------------- */

static struct customer *make(const char *name, const char *name_stamp, const char *phone,
			     const char *phone_stamp)
{
	struct customer *c = customer_new();

	snprintf(c->id, sizeof c->id, "%s", "01900000-0000-7000-8000-000000000001");
	snprintf(c->created_at, sizeof c->created_at, "%s", "2026-01-01T00:00:00.000Z");
	if (name) {
		customer_set(c, CF_name, name);
		snprintf(c->hlc[CF_name], HLC_STR_MAX, "%s", name_stamp);
	}
	if (phone) {
		customer_set(c, CF_phone, phone);
		c->phone_raw = xstrdup(phone);
		snprintf(c->hlc[CF_phone], HLC_STR_MAX, "%s", phone_stamp);
	}
	return c;
}

static struct customer *copy(const struct customer *c)
{
	json_t *j = customer_to_json(c);
	struct err e;
	struct customer *d = customer_from_json(j, &e);

	json_decref(j);
	assert_non_null(d);
	return d;
}

static void test_merge_degenerate(void **state)
{
	struct customer *a = make("Ann", "1767225600000-0000-A", NULL, NULL);

	(void)state;
	assert_false(customer_merge(a, NULL));
	assert_false(customer_merge(NULL, a));
	assert_int_equal(hlc_cmp(NULL, ""), 0);
	assert_true(hlc_cmp("", "1767225600000-0000-A") < 0);
	customer_free(a);
}

static void test_merge_any_order(void **state)
{
	struct customer *v[3], *orders[6];
	static const int perm[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
					{ 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };

	(void)state;
	v[0] = make("Ann", "1767225600000-0000-A", "+447700900001", "1767225600000-0001-A");
	v[1] = make("Anne", "1767225600500-0000-B", NULL, NULL);
	v[2] = make("Annie", "1767225600100-0000-C", "+447700900002", "1767225600900-0000-C");
	for (int p = 0; p < 6; p++) {
		orders[p] = copy(v[perm[p][0]]);
		customer_merge(orders[p], v[perm[p][1]]);
		customer_merge(orders[p], v[perm[p][2]]);
	}
	for (int p = 1; p < 6; p++)
		assert_true(customer_same(orders[0], orders[p]));
	assert_string_equal(orders[0]->field[CF_name], "Anne");
	assert_string_equal(orders[0]->field[CF_phone], "+447700900002");
	assert_string_equal(orders[0]->phone_raw, "+447700900002");
	/* Merging again changes nothing (idempotent). */
	assert_false(customer_merge(orders[0], v[1]));
	for (int i = 0; i < 3; i++)
		customer_free(v[i]);
	for (int p = 0; p < 6; p++)
		customer_free(orders[p]);
}

static void test_merge_equal_stamps(void **state)
{
	struct customer *a = make("Ann", "1767225600000-0000-A", NULL, NULL);
	struct customer *b = make("Bea", "1767225600000-0000-A", NULL, NULL);
	struct customer *a2 = copy(a), *b2 = copy(b);

	(void)state;
	customer_merge(a2, b);
	customer_merge(b2, a);
	assert_true(customer_same(a2, b2));
	customer_free(a);
	customer_free(b);
	customer_free(a2);
	customer_free(b2);
}

static void test_merge_erasure_wins(void **state)
{
	struct customer *a = make("Ann", "1767225600000-0000-A", "+447700900001",
				  "1767225600000-0001-A");
	struct customer *tomb = make(NULL, NULL, NULL, NULL);
	struct customer *later = make("Ann Later", "1999999999999-0000-B", NULL, NULL);

	(void)state;
	tomb->erased = true;
	assert_true(customer_merge(a, tomb));
	assert_true(a->erased);
	assert_null(a->field[CF_name]);
	assert_null(a->phone_raw);
	customer_merge(a, later); /* a later edit cannot bring it back */
	assert_true(a->erased);
	assert_null(a->field[CF_name]);
	customer_free(a);
	customer_free(tomb);
	customer_free(later);
}

static void test_hlc_bound(void **state)
{
	char s[HLC_STR_MAX] = "4070908800000-0003-dev1"; /* 2099 */
	char ok[HLC_STR_MAX] = "1767225600000-0000-dev1";
	int64_t now = 1767225600000;

	(void)state;
	assert_true(hlc_bound(s, now, 300000) > 0);
	assert_string_equal(s, "1767225600000-0003-dev1");
	assert_int_equal(hlc_bound(ok, now, 300000), 0);
	assert_string_equal(ok, "1767225600000-0000-dev1");
	snprintf(s, sizeof s, "not a stamp");
	assert_int_equal(hlc_bound(s, now, 300000), -1);
}

static void test_from_json_refuses(void **state)
{
	struct err e;
	json_t *j;

	(void)state;
	assert_null(customer_from_json(NULL, &e));
	j = json_pack("{s:s, s:{s:i}, s:{}}", "id", "01900000-0000-7000-8000-000000000001",
		      "fields", "name", 7, "hlc");
	assert_null(customer_from_json(j, &e));
	assert_non_null(strstr(e.msg, "fields.name"));
	json_decref(j);
	j = json_pack("{s:s, s:{s:s}, s:{}, s:s}", "id", "01900000-0000-7000-8000-000000000001",
		      "fields", "name", "Ann", "hlc", "colour", "blue");
	assert_null(customer_from_json(j, &e));
	assert_non_null(strstr(e.msg, "colour"));
	json_decref(j);
	j = json_pack("{s:s, s:{s:s}, s:{}}", "id", "01900000-0000-7000-8000-000000000001",
		      "fields", "postcode", "NOT A POSTCODE", "hlc");
	assert_null(customer_from_json(j, &e));
	json_decref(j);
}

/* ---- backoff ----------------------------------------------------------- */

static void test_backoff(void **state)
{
	(void)state;
	/* Full jitter: 0 .. ceiling, ceiling doubling from 1 s to 15 min. */
	assert_int_equal(sync_backoff_ms(0, 0, 0), 0);
	assert_int_equal(sync_backoff_ms(0, UINT64_MAX, 0) <= SYNC_BACKOFF_BASE_MS, 1);
	assert_int_equal(sync_backoff_ms(0, 1000, 0), 1000);
	assert_int_equal(sync_backoff_ms(1, 2000, 0), 2000);
	assert_int_equal(sync_backoff_ms(3, 8000, 0), 8000);
	assert_int_equal(sync_backoff_ms(3, 8001, 0), 0);
	for (unsigned a = 0; a < 64; a++)
		for (uint64_t r = 0; r < 5000000; r += 999983)
			assert_true(sync_backoff_ms(a, r, 0) <= SYNC_BACKOFF_CAP_MS);
	assert_int_equal(sync_backoff_ms(40, SYNC_BACKOFF_CAP_MS, 0), SYNC_BACKOFF_CAP_MS);
	/* Retry-After is honoured, but capped. */
	assert_int_equal(sync_backoff_ms(0, 0, 30000), 30000);
	assert_int_equal(sync_backoff_ms(0, 0, 24LL * 3600 * 1000), SYNC_BACKOFF_CAP_MS);
}

/* ---- batching and applying on a real store ---------------------------- */

struct fixture {
	char dir[64];
	char path[96];
	struct store *s;
};

static int setup_store(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct err e;
	struct refdata rd = { 0 };

	rd.teams = xcalloc(1, sizeof *rd.teams);
	rd.teams[0] = (struct ref_team){ xstrdup("revenues"), xstrdup("Revenues"), NULL };
	rd.nteams = 1;
	rd.services = xcalloc(1, sizeof *rd.services);
	rd.services[0] = (struct ref_service){ xstrdup("council-tax"), xstrdup("Council Tax"),
					       xstrdup("revenues"), NULL, 0, 10 };
	rd.nservices = 1;
	rd.sites = xcalloc(1, sizeof *rd.sites);
	rd.sites[0] = (struct ref_site){ xstrdup("hub"), xstrdup("Hub"), xstrdup("hub"), NULL, NULL };
	rd.nsites = 1;
	rd.channels = xcalloc(1, sizeof *rd.channels);
	rd.channels[0] = (struct ref_channel){ xstrdup("phone"), xstrdup("Phone"), 300, false };
	rd.nchannels = 1;
	rd.outcomes = xcalloc(2, sizeof *rd.outcomes);
	rd.outcomes[0] = (struct ref_simple){ xstrdup("resolved"), xstrdup("Resolved"), NULL };
	rd.outcomes[1] = (struct ref_simple){ xstrdup("referred"), xstrdup("Referred"), NULL };
	rd.noutcomes = 2;
	snprintf(f->dir, sizeof f->dir, "/tmp/fd-test-sync.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/fd.db", f->dir);
	assert_int_equal(store_open(f->path, 0, &f->s, &e), STATUS_OK);
	store_set_actor_role(f->s, "test:admin", STORE_ROLE_ADMIN); /* sets the desk up */
	assert_int_equal(store_refdata_replace(f->s, &rd, &e), STATUS_OK);
	refdata_release(&rd);
	assert_int_equal(store_setting_set(f->s, "site", "hub", &e), STATUS_OK);
	*state = f;
	return 0;
}

static int teardown_store(void **state)
{
	struct fixture *f = *state;
	char p[128];

	store_close(f->s);
	unlink(f->path);
	snprintf(p, sizeof p, "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void log_contacts(struct store *s, int n)
{
	for (int i = 0; i < n; i++) {
		struct contact_input in = { .service = "council-tax", .outcome = "resolved",
					    .channel = "phone", .duration_s = -1 };
		struct contact_result out;
		struct err e;

		assert_int_equal(store_contact_log(s, &in, &out, &e), STATUS_OK);
	}
}

static void test_batching(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	long long first, last;
	size_t n;
	struct err e;
	json_t *j;

	long before, pending;

	buf_init(&b, 4u << 20);
	/* Whatever setting up queued (audit rows) goes first. */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(sync_push_body(f->s, 0, &b, &first, &last, &n, &e), STATUS_OK);
		if (n == 0)
			break;
		assert_int_equal(store_outbox_mark(f->s, first, last, last, NULL, 0, &e), STATUS_OK);
	}
	assert_int_equal(n, 0);
	before = store_outbox_pending(f->s);
	assert_int_equal(before, 0);
	store_tx_begin(f->s, &e);
	log_contacts(f->s, 300); /* 600 changes: a visit and a contact each (and any audit) */
	store_tx_end(f->s, true, &e);
	pending = store_outbox_pending(f->s);
	assert_true(pending >= 600);
	assert_int_equal(sync_push_body(f->s, 0, &b, &first, &last, &n, &e), STATUS_OK);
	assert_int_equal(n, SYNC_BATCH_MAX);
	assert_int_equal(last - first + 1, SYNC_BATCH_MAX);
	j = json_loads(buf_str(&b), JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "changes")), SYNC_BATCH_MAX);
	assert_null(json_object_get(j, "after"));
	json_decref(j);
	/* With that batch in flight, the next one starts after it and says so. */
	{
		long long first2, last2;
		size_t n2;

		assert_int_equal(sync_push_body(f->s, last, &b, &first2, &last2, &n2, &e),
				 STATUS_OK);
		assert_int_equal(first2, last + 1);
		assert_int_equal(n2, (size_t)(pending - SYNC_BATCH_MAX));
		j = json_loads(buf_str(&b), JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(j, "after")), last);
		assert_int_equal(json_integer_value(json_object_get(
					 json_array_get(json_object_get(j, "changes"), 0), "seq")),
				 last + 1);
		json_decref(j);
	}
	/* The server held 400 of them and refused one: the rest stays pending. */
	{
		struct outbox_refusal r = { first + 6, "unknown site", "invalid" };

		assert_int_equal(store_outbox_mark(f->s, first, last, first + 399, &r, 1, &e),
				 STATUS_OK);
	}
	assert_int_equal(store_outbox_pending(f->s), pending - 400);
	assert_int_equal(store_outbox_refused_count(f->s), 1);
	{
		long long first2;

		assert_int_equal(sync_push_body(f->s, 0, &b, &first2, &last, &n, &e), STATUS_OK);
		assert_int_equal(first2, first + 400);
	}
	buf_release(&b);
}

static void test_batch_bytes(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	long long first, last;
	size_t n;
	struct err e;
	char *notes = malloc(3901);

	memset(notes, 'x', 3900);
	notes[3900] = '\0';
	store_tx_begin(f->s, &e);
	for (int i = 0; i < 400; i++) {
		struct contact_input in = { .service = "council-tax", .outcome = "resolved",
					    .channel = "phone", .duration_s = -1, .notes = notes };
		struct contact_result out;

		assert_int_equal(store_contact_log(f->s, &in, &out, &e), STATUS_OK);
	}
	store_tx_end(f->s, true, &e);
	free(notes);
	buf_init(&b, 4u << 20);
	assert_int_equal(sync_push_body(f->s, 0, &b, &first, &last, &n, &e), STATUS_OK);
	assert_true(n < SYNC_BATCH_MAX);
	assert_true(b.len <= SYNC_BATCH_BYTES + 64 * 1024);
	buf_release(&b);
}

static int count_records(void *ctx, const struct outbox_change *c)
{
	if (strcmp(c->record_type, "audit") != 0)
		(*(long *)ctx)++;
	return 0;
}

static void test_apply_page(void **state)
{
	struct fixture *f = *state;
	struct sync_applied n;
	struct customer *c;
	struct err e;
	const char *page =
		"[{\"cursor\":1,\"type\":\"team\",\"body\":{\"code\":\"housing\",\"name\":\"Housing\",\"email\":null}},"
		"{\"cursor\":2,\"type\":\"customer\",\"body\":{\"id\":\"01900000-0000-7000-8000-0000000000c1\","
		"\"created_at\":\"2026-01-01T00:00:00.000Z\",\"erased\":false,\"phone_raw\":null,"
		"\"fields\":{\"name\":\"Siân Jones\",\"postcode\":\"DE7 4RA\"},"
		"\"hlc\":{\"name\":\"1767225600000-0000-B\",\"postcode\":\"1767225600000-0001-B\"}}},"
		"{\"cursor\":3,\"type\":\"wormhole\",\"body\":{}}]";
	json_t *j = json_loads(page, 0, NULL);

	assert_non_null(j);
	assert_int_equal(store_sync_apply(f->s, j, 3, &n, &e), STATUS_OK);
	json_decref(j);
	assert_int_equal(n.customers, 1);
	assert_int_equal(n.refdata, 1);
	assert_int_equal(n.skipped, 1);
	assert_int_equal(store_sync_cursor(f->s), 3);
	assert_true(store_ref_exists(f->s, REF_TEAM, "housing"));
	assert_int_equal(store_customer_get(f->s, "01900000-0000-7000-8000-0000000000c1", &c, &e),
			 STATUS_OK);
	assert_string_equal(c->field[CF_name], "Siân Jones");
	customer_free(c);
	/* Nothing pulled is queued back to the server (the audit trail may be). */
	{
		long records = 0;

		assert_int_equal(store_outbox_batch(f->s, 0, 1000, 1u << 30, count_records, &records,
						    NULL, &e),
				 STATUS_OK);
		assert_int_equal(records, 0);
	}
	/* A bad change no longer stops the page: it is kept aside and the
	 * cursor moves on (test_pull_kept_aside). A broken answer still
	 * changes nothing, not even the cursor. */
	j = json_loads("[{\"cursor\":4,\"type\":\"customer\",\"body\":{\"id\":\"nope\"}}]", 0, NULL);
	assert_int_equal(store_sync_apply(f->s, j, 4, &n, &e), STATUS_OK);
	assert_int_equal(n.kept_aside, 1);
	assert_int_equal(store_sync_cursor(f->s), 4);
	assert_int_not_equal(store_sync_apply(f->s, j, -1, &n, &e), STATUS_OK);
	json_decref(j);
	assert_int_equal(store_sync_cursor(f->s), 4);
	assert_int_not_equal(store_sync_apply(f->s, NULL, 5, &n, &e), STATUS_OK);
	assert_int_equal(store_sync_cursor(f->s), 4);
}

static void test_status_not_enrolled(void **state)
{
	struct fixture *f = *state;
	struct sync_status st;
	struct sync_report r;
	struct err e;

	assert_int_equal(sync_status_read(f->s, f->path, &st, &e), STATUS_OK);
	assert_false(st.enrolled);
	assert_int_equal(sync_run(f->s, f->path, NULL, &r, &e), SYNC_CONFIG);
	assert_non_null(strstr(e.msg, "not enrolled"));
}

/* The background thread answers status at once, whatever the network does. */
static void test_background_does_not_block(void **state)
{
	struct fixture *f = *state;
	struct sync_bg *bg;
	struct sync_status st;
	struct err e;

	assert_int_equal(store_setting_set(f->s, "server_url", "http://127.0.0.1:9", &e), STATUS_OK);
	assert_int_equal(sync_token_save(f->path, "fdt_test", &e), STATUS_OK);
	bg = sync_bg_start(f->path, NULL, &e);
	assert_non_null(bg);
	for (int i = 0; i < 200 && sync_bg_cycles(bg) == 0; i++) {
		sync_bg_status(bg, &st);
		usleep(5000);
	}
	assert_true(sync_bg_cycles(bg) >= 1);
	sync_bg_status(bg, &st);
	assert_false(st.online);
	assert_true(st.enrolled);
	sync_bg_stop(bg);
	{
		char *p = sync_token_path(f->path);

		unlink(p);
		free(p);
	}
}


/* The status bar's words: state, waiting, last good sync, refusals. */
static void test_status_words(void **state)
{
	struct sync_status st;
	char out[160];
	int64_t now;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(time_parse_utc("2026-11-20T10:00:00.000Z", &now), STATUS_OK);
	memset(&st, 0, sizeof st);
	sync_status_words(&st, now, out, sizeof out);
	assert_string_equal(out, "not synced yet, 0 waiting, never synced");
	snprintf(st.state, sizeof st.state, "online");
	snprintf(st.last_ok, sizeof st.last_ok, "2026-11-20T09:41:07.123Z");
	st.waiting = 3;
	sync_status_words(&st, now, out, sizeof out);
	assert_string_equal(out, "online, 3 waiting, synced 09:41");
	snprintf(st.state, sizeof st.state, "offline");
	snprintf(st.last_ok, sizeof st.last_ok, "2026-11-18T16:00:00.000Z");
	st.refused = 2;
	sync_status_words(&st, now, out, sizeof out);
	assert_string_equal(out, "offline, 3 waiting, synced 18 Nov, 2 refused");
	snprintf(st.state, sizeof st.state, "revoked");
	st.waiting = -1;
	sync_status_words(&st, now, out, sizeof out);
	assert_string_equal(out, "device revoked, 0 waiting, synced 18 Nov, 2 refused");
	/* The longest line still fits beside the user at 80 columns. */
	snprintf(st.state, sizeof st.state, "unauthorised");
	st.waiting = 999999;
	st.refused = 99999;
	sync_status_words(&st, now, out, sizeof out);
	assert_true(strlen(out) <= 60);
	/* Pulled changes kept aside are counted; at the longest, with the
	 * refused ones. */
	st.pull_problems = 99999;
	sync_status_words(&st, now, out, sizeof out);
	assert_string_equal(out, "sync refused, 999999 waiting, synced 18 Nov, 199998 to check");
	assert_true(strlen(out) <= 60);
	st.waiting = 0;
	st.refused = 0;
	st.pull_problems = 2;
	snprintf(st.state, sizeof st.state, "online");
	sync_status_words(&st, now, out, sizeof out);
	assert_string_equal(out, "online, 0 waiting, synced 18 Nov, 2 not applied");
}

static void apply_text(struct store *s, const char *page, long long cursor,
		       struct sync_applied *n)
{
	json_t *j = json_loads(page, 0, NULL);
	struct err e;

	assert_non_null(j);
	assert_int_equal(store_sync_apply(s, j, cursor, n, &e), STATUS_OK);
	json_decref(j);
}

static long count_sql(struct fixture *f, const char *sql)
{
	struct store *s = f->s;
	long n = -1;
	sqlite3 *db;
	sqlite3_stmt *st;

	(void)s;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Privileged acts need a person: what waits, for whom, and what
 * a needs_person refusal does. */
struct given {
	int n, users;
	long long user_seq;
	bool user_waits;
};

static int note_given(void *ctx, const struct outbox_change *c)
{
	struct given *g = ctx;

	g->n++;
	if (!strcmp(c->record_type, "user")) {
		g->users++;
		g->user_seq = c->seq;
		g->user_waits = c->wait_role && !strcmp(c->wait_role, "admin");
	}
	return 0;
}

struct waited {
	int n;
	char who[4][48];
};

static int note_waiting(void *ctx, const struct outbox_waiting *w)
{
	struct waited *x = ctx;

	if (x->n < 4)
		snprintf(x->who[x->n++], sizeof x->who[0], "%s|%s|%ld", w->login, w->role,
			 w->count);
	return 0;
}

static void test_outbox_waits_for_person(void **state)
{
	struct fixture *f = *state;
	struct given g = { 0 };
	struct waited w = { 0 };
	struct err e;
	long long seq, after;

	/* Nothing waits on a fresh desk. */
	assert_int_equal(store_outbox_waiting(f->s, note_waiting, &w, &e), STATUS_OK);
	assert_int_equal(w.n, 0);
	/* The IT administrator (not a user) adds a user: any admin may send it. */
	store_set_actor_role(f->s, "cli:root", STORE_ROLE_ADMIN);
	assert_int_equal(store_user_add(f->s, "radmin", NULL, "admin", "admin-password-1", &e),
			 STATUS_OK);
	assert_int_equal(store_outbox_batch(f->s, 0, 1000, 1u << 30, note_given, &g, NULL, &e),
			 STATUS_OK);
	assert_int_equal(g.users, 0);
	assert_int_equal(store_outbox_waiting(f->s, note_waiting, &w, &e), STATUS_OK);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.who[0], "|admin|1");
	/* A supervisor's session is not enough; an administrator's is. */
	store_outbox_set_person(f->s, "rsup", "supervisor");
	memset(&g, 0, sizeof g);
	assert_int_equal(store_outbox_batch(f->s, 0, 1000, 1u << 30, note_given, &g, NULL, &e),
			 STATUS_OK);
	assert_int_equal(g.users, 0);
	store_outbox_set_person(f->s, "radmin", "admin");
	memset(&g, 0, sizeof g);
	assert_int_equal(store_outbox_batch(f->s, 0, 1000, 1u << 30, note_given, &g, NULL, &e),
			 STATUS_OK);
	assert_int_equal(g.users, 1);
	assert_true(g.user_waits);
	seq = g.user_seq;
	/* The server says needs_person (the session ended meanwhile): the
	 * change waits again, under a new seq after every one used, not failed. */
	{
		struct outbox_refusal r = { seq, "needs a person", "needs_person" };

		assert_int_equal(store_outbox_mark(f->s, seq, seq, seq, &r, 1, &e), STATUS_OK);
	}
	assert_int_equal(store_outbox_refused_count(f->s), 0);
	memset(&g, 0, sizeof g);
	assert_int_equal(store_outbox_batch(f->s, 0, 1000, 1u << 30, note_given, &g, NULL, &e),
			 STATUS_OK);
	assert_int_equal(g.users, 1);
	assert_true(g.user_seq > seq);
	assert_true(count_sql(f, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") >=
		    g.user_seq);
	/* Without the person, a held range leaves the waiting change unsent. */
	store_outbox_set_person(f->s, NULL, NULL);
	after = g.user_seq;
	assert_int_equal(store_outbox_mark(f->s, 1, after + 10, after + 10, NULL, 0, &e),
			 STATUS_OK);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM outbox WHERE record_type = 'user'"
				      " AND sent_at IS NULL AND error IS NULL"),
			 1);
	/* An administrator who is a user acts: the change waits for them. */
	store_set_actor(f->s, "admin:radmin");
	assert_int_equal(store_user_set_disabled(f->s, "radmin", false, &e), STATUS_OK);
	memset(&w, 0, sizeof w);
	assert_int_equal(store_outbox_waiting(f->s, note_waiting, &w, &e), STATUS_OK);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.who[0], "|admin|1");
	assert_string_equal(w.who[1], "radmin|admin|1");
	/* ... so another administrator's session does not send it. */
	store_outbox_set_person(f->s, "other", "admin");
	memset(&g, 0, sizeof g);
	assert_int_equal(store_outbox_batch(f->s, 0, 1000, 1u << 30, note_given, &g, NULL, &e),
			 STATUS_OK);
	assert_int_equal(g.users, 1); /* the one anyone may send, not radmin's */
	store_outbox_set_person(f->s, NULL, NULL);
	assert_false(store_user_may_sign_in(f->s, "nobody"));
	assert_true(store_user_may_sign_in(f->s, "radmin"));
}

/* The first column of the first row as text (caller frees), "" for none. */
static char *text_sql(struct fixture *f, const char *sql)
{
	char *out;
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	out = xstrdup(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)
			      ? (const char *)sqlite3_column_text(st, 0)
			      : "");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* Writes behind the store's back, as an administrator with sqlite3 would. */
static void exec_sql(struct fixture *f, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

#define PENDING_ORDER                                                                  \
	"SELECT group_concat(record_type || ':' || record_id || ':' || coalesce(error, ''), ',')" \
	" FROM (SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY seq)"

/*
 * A restored desk: what it has not sent follows what the server holds, in
 * the same order, with no collision on the way (the new numbers overlap
 * the old ones), sqlite_sequence past them, and the next row after them.
 */
static void test_renumber_after_restore(void **state)
{
	struct fixture *f = *state;
	struct outbox_refusal refused = { 3, "refused for the test", "invalid" };
	char *before, *after, *v;
	long moved = -1, pending;
	long long top;
	struct err e;

	log_contacts(f->s, 4);
	top = count_sql(f, "SELECT max(seq) FROM outbox");
	assert_true(top >= 8);
	/* 1-2 sent, 3 refused (held by the server), 5 waiting for a person */
	assert_int_equal(store_outbox_mark(f->s, 1, 2, 2, NULL, 0, &e), STATUS_OK);
	assert_int_equal(store_outbox_mark(f->s, 3, 3, 3, &refused, 1, &e), STATUS_OK);
	exec_sql(f, "UPDATE outbox SET error = 'waiting for a person' WHERE seq = 5");
	pending = count_sql(f, "SELECT count(*) FROM outbox WHERE sent_at IS NULL");
	assert_int_equal(pending, top - 3);
	before = text_sql(f, PENDING_ORDER);

	/* degenerate: a negative "held" changes nothing */
	assert_int_equal(store_outbox_renumber(f->s, -1, &moved, &e), STATUS_INVALID);
	assert_int_equal(moved, 0);
	assert_int_equal(store_outbox_renumber(f->s, INT64_MAX - 1, &moved, &e), STATUS_INVALID);
	assert_int_equal(moved, 0);
	after = text_sql(f, PENDING_ORDER);
	assert_string_equal(before, after);
	free(after);
	assert_int_equal(count_sql(f, "SELECT min(seq) FROM outbox WHERE sent_at IS NULL"), 4);

	/* The server holds up to 5: four of the new numbers were old ones. */
	assert_int_equal(store_outbox_renumber(f->s, 5, &moved, &e), STATUS_OK);
	assert_int_equal(moved, pending);
	after = text_sql(f, PENDING_ORDER);
	/* same rows, same order, the waiting one too; then the detection's
	 * own audit row */
	assert_int_equal(strncmp(after, before, strlen(before)), 0);
	assert_int_equal(strncmp(after + strlen(before), ",audit:", 7), 0);
	assert_null(strchr(after + strlen(before) + 1, ','));
	free(after);
	assert_int_equal(count_sql(f, "SELECT min(seq) FROM outbox WHERE sent_at IS NULL"), 6);
	assert_int_equal(count_sql(f, "SELECT max(seq) FROM outbox WHERE sent_at IS NULL"),
			 5 + pending + 1); /* with the audit row */
	assert_int_equal(count_sql(f, "SELECT count(DISTINCT seq) FROM outbox WHERE sent_at IS NULL"),
			 pending + 1);
	/* what the server holds stays where it was */
	assert_int_equal(count_sql(f, "SELECT count(*) FROM outbox WHERE seq <= 3 AND sent_at IS NOT NULL"),
			 3);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM outbox WHERE error = 'refused for the test'"
				      " AND seq = 3"),
			 1);
	/* the lost work (the server's 4 and 5) may have taken references */
	v = store_sync_state(f->s, "case_counter");
	assert_string_equal(v, "2");
	free(v);
	v = store_sync_state(f->s, "sync_restore_held");
	assert_string_equal(v, "5");
	free(v);
	v = store_sync_state(f->s, "sync_restore_at");
	assert_true(v && strlen(v) >= 20);
	free(v);
	/* the audit row of the detection came after them; sqlite_sequence too */
	top = count_sql(f, "SELECT max(seq) FROM outbox");
	assert_int_equal(top, 5 + pending + 1);
	assert_true(count_sql(f, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") >= top);
	log_contacts(f->s, 1);
	assert_int_equal(count_sql(f, "SELECT min(seq) FROM outbox WHERE seq > (SELECT max(seq) - 2"
				      " FROM outbox)") > top,
			 1);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM outbox"),
			 count_sql(f, "SELECT count(DISTINCT seq) FROM outbox"));

	/* "held" below what this copy sent: the rows still follow every kept row. */
	assert_int_equal(store_outbox_mark(f->s, 6, 7, 7, NULL, 0, &e), STATUS_OK);
	pending = count_sql(f, "SELECT count(*) FROM outbox WHERE sent_at IS NULL");
	assert_int_equal(store_outbox_renumber(f->s, 1, &moved, &e), STATUS_OK);
	assert_int_equal(moved, pending);
	assert_int_equal(count_sql(f, "SELECT min(seq) FROM outbox WHERE sent_at IS NULL"), 8);
	v = store_sync_state(f->s, "case_counter");
	assert_string_equal(v, "2"); /* nothing lost this time */
	free(v);
	free(before);
}

/*
 * Pull never wedges: a change that cannot apply here is kept aside by
 * cursor, type, id and reason (no personal data), the rest of the page and
 * the cursor go on; the same page again is harmless; a later change to the
 * record that applies clears it.
 */
struct problems_seen {
	int n;
	char text[2048];
};

static int see_problem(void *ctx, const struct pull_problem_row *r)
{
	struct problems_seen *p = ctx;
	size_t len = strlen(p->text);

	p->n++;
	snprintf(p->text + len, sizeof p->text - len, "%lld %s %s %s|", r->cursor, r->record_type,
		 r->record_id, r->reason);
	return 0;
}

#define CASE_BODY(status)                                                                      \
	"{\"id\":\"01900000-0000-7000-8000-0000000000a1\",\"reference\":\"ZZZ-00001\","         \
	"\"team\":\"revenues\",\"service\":\"council-tax\",\"reason\":\"Moved\",\"status\":\"" status \
	"\",\"due_date\":\"2026-12-20\",\"created_at\":\"2026-12-01T10:00:00.000Z\"}"

static void test_pull_kept_aside(void **state)
{
	struct fixture *f = *state;
	struct sync_applied n;
	struct problems_seen seen = { 0, "" };
	struct err e;
	const char *page =
		"[{\"cursor\":10,\"type\":\"case\",\"body\":" CASE_BODY("open") "},"
		"{\"cursor\":11,\"type\":\"customer\",\"body\":{\"id\":\"01900000-0000-7000-8000-0000000000c2\","
		"\"created_at\":\"2026-01-01T00:00:00.000Z\",\"erased\":false,\"phone_raw\":null,"
		"\"fields\":{\"email\":\"SECRET-not-an-address\"},\"hlc\":{}}},"
		"{\"cursor\":12,\"type\":\"flow_park\",\"body\":{\"id\":\"p1\",\"note\":\"SECRET 'quoted'\"}},"
		"{\"cursor\":13,\"type\":\"team\",\"body\":{\"code\":\"housing\",\"name\":\"Housing\"}}]";
	json_t *j = json_loads(page, 0, NULL);

	assert_non_null(j);
	/* a case here already uses the incoming reference, under another id */
	exec_sql(f, "INSERT INTO \"case\" (id, reference, team, service, reason, status, due_date,"
		    " created_at) VALUES ('01900000-0000-7000-8000-0000000000ff', 'ZZZ-00001',"
		    " 'revenues', 'council-tax', 'local', 'open', '2026-12-31',"
		    " '2026-12-01T09:00:00.000Z')");
	assert_int_equal(store_pull_problem_count(f->s), 0);
	assert_int_equal(store_sync_apply(f->s, j, 13, &n, &e), STATUS_OK);
	assert_int_equal(n.kept_aside, 3);
	assert_int_equal(store_sync_cursor(f->s), 13);
	assert_true(store_ref_exists(f->s, REF_TEAM, "housing")); /* the rest applied */
	assert_int_equal(store_pull_problem_count(f->s), 3);
	assert_int_equal(store_pull_problems(f->s, false, 0, see_problem, &seen, &e), STATUS_OK);
	assert_int_equal(seen.n, 3);
	assert_non_null(strstr(seen.text, "10 case 01900000-0000-7000-8000-0000000000a1 "));
	assert_non_null(strstr(seen.text, "case.reference"));
	assert_non_null(strstr(seen.text, "11 customer 01900000-0000-7000-8000-0000000000c2 "
				     "fields.email does not pass"));
	assert_non_null(strstr(seen.text, "12 flow_park p1 "));
	assert_null(strstr(seen.text, "SECRET")); /* no personal data kept */
	assert_int_equal(count_sql(f, "SELECT count(*) FROM customer WHERE id ="
				      " '01900000-0000-7000-8000-0000000000c2'"),
			 0);

	/* An erasure whose record cannot be read here still erases. */
	{
		struct customer *c = customer_new();
		struct customer *got = NULL;
		char text[512], id[UUID_STR_LEN + 1];
		json_t *tomb;

		customer_set(c, CF_name, "Erin SECRET");
		assert_int_equal(store_customer_add(f->s, c, &e), STATUS_OK);
		snprintf(id, sizeof id, "%s", c->id);
		customer_free(c);
		snprintf(text, sizeof text,
			 "[{\"cursor\":14,\"type\":\"customer\",\"body\":{\"id\":\"%s\","
			 "\"erased\":true,\"fields\":{\"shoe_size\":\"9\"},\"hlc\":{}}}]",
			 id);
		tomb = json_loads(text, 0, NULL);
		assert_non_null(tomb);
		assert_int_equal(store_sync_apply(f->s, tomb, 14, &n, &e), STATUS_OK);
		json_decref(tomb);
		assert_int_equal(n.kept_aside, 1);
		assert_int_equal(n.erasures, 1);
		assert_int_equal(store_customer_get(f->s, id, &got, &e), STATUS_OK);
		assert_true(got->erased);
		assert_null(got->field[CF_name]);
		customer_free(got);
		assert_int_equal(store_pull_problem_count(f->s), 4);
		exec_sql(f, "DELETE FROM pull_problem WHERE cursor = 14");
	}

	/* The same page again (a restored desk's old cursor): harmless. */
	assert_int_equal(store_sync_apply(f->s, j, 13, &n, &e), STATUS_OK);
	json_decref(j);
	assert_int_equal(store_pull_problem_count(f->s), 3);

	/* Reported: the unreported list empties. */
	seen.n = 0;
	assert_int_equal(store_pull_problems(f->s, true, 2, see_problem, &seen, &e), STATUS_OK);
	assert_int_equal(seen.n, 2); /* at most max */
	assert_int_equal(store_pull_problems_reported(f->s, 10, 12, &e), STATUS_OK);
	seen.n = 0;
	assert_int_equal(store_pull_problems(f->s, true, 0, see_problem, &seen, &e), STATUS_OK);
	assert_int_equal(seen.n, 0);

	/* The clash removed, a later change to the case applies: its problem goes. */
	exec_sql(f, "DELETE FROM \"case\" WHERE id = '01900000-0000-7000-8000-0000000000ff'");
	j = json_loads("[{\"cursor\":20,\"type\":\"case\",\"body\":" CASE_BODY("in-progress") "}]",
		       0, NULL);
	assert_non_null(j);
	assert_int_equal(store_sync_apply(f->s, j, 20, &n, &e), STATUS_OK);
	json_decref(j);
	assert_int_equal(n.kept_aside, 0);
	assert_int_equal(store_pull_problem_count(f->s), 2);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM \"case\" WHERE reference = 'ZZZ-00001'"
				      " AND status = 'in-progress'"),
			 1);
}

/* A pulled tombstone scrubs the person here too, unsynced edits and all;
 * parked runs travel both ways. */
static void test_apply_erasure_and_parks(void **state)
{
	struct fixture *f = *state;
	struct customer *c = customer_new();
	struct customer_change ch = { CF_phone, "07700 900555" };
	struct contact_input in = { .service = "council-tax", .outcome = "resolved",
				    .channel = "phone", .duration_s = -1,
				    .notes = "Brought the Quernmoor letter" };
	struct contact_result res;
	struct sync_applied n;
	struct err e;
	char page[2048], id[UUID_STR_LEN + 1];

	customer_set(c, CF_name, "Quernmoor Ashby");
	assert_int_equal(store_customer_add(f->s, c, &e), STATUS_OK);
	snprintf(id, sizeof id, "%s", c->id);
	customer_free(c);
	in.customer_id = id;
	assert_int_equal(store_contact_log(f->s, &in, &res, &e), STATUS_OK);
	assert_int_equal(store_customer_edit(f->s, id, &ch, 1, &e), STATUS_OK);
	/* A run parked at another desk arrives; one for an unknown customer
	 * does not. */
	snprintf(page, sizeof page,
		 "[{\"cursor\":1,\"type\":\"flow_park\",\"body\":{\"id\":"
		 "\"01900000-0000-7000-8000-0000000000f1\",\"customer_id\":\"%s\",\"flow_id\":"
		 "\"missed-bin\",\"flow_version\":1,\"step\":\"out-on-time\",\"saved\":"
		 "\"{\\\"postcode\\\":\\\"QM1 1AA\\\"}\",\"parked_by\":\"advisor:jo\",\"parked_at\":"
		 "\"2026-11-20T10:00:00.000Z\"}},"
		 "{\"cursor\":2,\"type\":\"flow_park\",\"body\":{\"id\":"
		 "\"01900000-0000-7000-8000-0000000000f2\",\"customer_id\":"
		 "\"01900000-0000-7000-8000-0000000000ff\",\"flow_id\":\"missed-bin\","
		 "\"flow_version\":1,\"saved\":\"{}\"}}]",
		 id);
	apply_text(f->s, page, 2, &n);
	assert_int_equal(n.flow_parks, 2);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM flow_park"), 1);
	/* The tombstone: erasure wins over the edit still waiting to go. */
	snprintf(page, sizeof page,
		 "[{\"cursor\":3,\"type\":\"customer\",\"body\":{\"id\":\"%s\","
		 "\"created_at\":\"2026-01-01T00:00:00.000Z\",\"erased\":true,\"phone_raw\":null,"
		 "\"fields\":{},\"hlc\":{}}}]",
		 id);
	apply_text(f->s, page, 3, &n);
	assert_int_equal(n.erasures, 1);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM customer WHERE erased = 1 AND name IS NULL"
				      " AND phone IS NULL"),
			 1);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM contact WHERE notes IS NOT NULL"), 0);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM flow_park"), 0);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM outbox WHERE body LIKE '%Quernmoor%'"
				      " OR body LIKE '%900555%'"),
			 0);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM customer_fts WHERE customer_fts MATCH"
				      " 'quernmoor'"),
			 0);
	/* A removal from another desk, and one for a run never seen: no-ops. */
	apply_text(f->s,
		   "[{\"cursor\":4,\"type\":\"flow_park\",\"body\":{\"id\":"
		   "\"01900000-0000-7000-8000-0000000000f1\",\"deleted\":true}}]",
		   4, &n);
	assert_int_equal(n.flow_parks, 1);
}

/* ---- customers queued by a bulk write ---------------------------------- */

struct bodies {
	int n;
	char body[4][2048];
	char id[4][UUID_STR_LEN + 1];
};

static int keep_customer_bodies(void *ctx, const struct outbox_change *c)
{
	struct bodies *b = ctx;

	if (strcmp(c->record_type, "customer") != 0 || b->n == 4)
		return 0;
	snprintf(b->body[b->n], sizeof b->body[0], "%s", c->body);
	snprintf(b->id[b->n], sizeof b->id[0], "%s", c->record_id);
	b->n++;
	return 0;
}

static struct customer *new_customer(const char *name, const char *phone, const char *postcode)
{
	struct customer *c = customer_new();

	customer_set(c, CF_name, name);
	customer_set(c, CF_phone, phone);
	c->phone_raw = xstrdup(phone);
	customer_set(c, CF_postcode, postcode);
	return c;
}

/* The body a push sends must be the record's JSON form, whole: the same as
 * a customer added one at a time would send, field for field. */
static void assert_body_is(const char *body, struct store *s, const char *id)
{
	struct customer *c;
	struct err e;
	json_t *got = json_loads(body, 0, NULL), *want;

	assert_non_null(got);
	assert_int_equal(store_customer_get(s, id, &c, &e), STATUS_OK);
	want = customer_to_json(c);
	customer_free(c);
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);
}

static void test_bulk_customers_sent_whole(void **state)
{
	struct fixture *f = *state;
	struct customer *a = new_customer("Zoë Nguyễn", "07700 900123", "ng7 3ab");
	struct customer *one = new_customer("Zoë Nguyễn", "07700 900123", "ng7 3ab");
	struct bodies b = { 0 };
	struct err e;
	json_t *ja, *jone;
	char *last;

	/* Degenerate first: a bulk write that fails leaves nothing, and puts
	 * the index's settings back. */
	store_bulk(f->s, true);
	assert_int_equal(store_tx_begin(f->s, &e), STATUS_OK);
	assert_int_equal(store_customer_add(f->s, a, &e), STATUS_OK);
	assert_int_equal(store_tx_end(f->s, false, &e), STATUS_OK);
	store_bulk(f->s, false);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM customer"), 0);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM outbox WHERE record_type = 'customer'"),
			 0);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM customer_fts_config"
				      " WHERE k = 'hashsize'"),
			 0);
	last = store_sync_state(f->s, "hlc_last");
	assert_null(last);

	/* Two customers in bulk, one on its own. */
	store_bulk(f->s, true);
	assert_int_equal(store_tx_begin(f->s, &e), STATUS_OK);
	assert_int_equal(store_customer_add(f->s, a, &e), STATUS_OK);
	customer_free(a);
	a = new_customer("Łukasz O'Brien", "+44 7700 900456", "LE11 2QP");
	assert_int_equal(store_customer_add(f->s, a, &e), STATUS_OK);
	assert_int_equal(store_tx_end(f->s, true, &e), STATUS_OK);
	store_bulk(f->s, false);
	/* The clock's mark was saved once, at the commit: the last stamp given. */
	last = store_sync_state(f->s, "hlc_last");
	assert_non_null(last);
	{
		const char *newest = "";

		for (int i = 0; i < CF_COUNT; i++)
			if (a->hlc[i][0] && hlc_cmp(a->hlc[i], newest) > 0)
				newest = a->hlc[i];
		assert_string_equal(last, newest);
	}
	free(last);
	assert_int_equal(store_customer_add(f->s, one, &e), STATUS_OK);
	/* The bulk rows hold no copy. */
	assert_int_equal(count_sql(f, "SELECT count(*) FROM outbox WHERE record_type = 'customer'"
				      " AND body = '{}'"),
			 2);
	assert_int_equal(count_sql(f, "SELECT count(*) FROM customer_fts_config"
				      " WHERE k = 'hashsize'"),
			 0);

	assert_int_equal(store_outbox_batch(f->s, 0, 1000, 1u << 30, keep_customer_bodies, &b, NULL,
					    &e),
			 STATUS_OK);
	assert_int_equal(b.n, 3);
	assert_string_equal(b.id[1], a->id);
	for (int i = 0; i < 3; i++)
		assert_body_is(b.body[i], f->s, b.id[i]);
	/* The same shape as the one added alone: only id, time and stamps differ. */
	ja = json_loads(b.body[0], 0, NULL);
	jone = json_loads(b.body[2], 0, NULL);
	json_object_set(ja, "id", json_object_get(jone, "id"));
	json_object_set(ja, "created_at", json_object_get(jone, "created_at"));
	json_object_set(ja, "hlc", json_object_get(jone, "hlc"));
	assert_true(json_equal(ja, jone));
	json_decref(ja);
	json_decref(jone);

	/* Edited before the push: the queued row sends the record as it now
	 * stands, and a byte limit counts the body sent. */
	{
		struct customer_change ch = { CF_name, "Lukasz O'Brien" };
		struct bodies b2 = { 0 };
		size_t n = 0;

		assert_int_equal(store_customer_edit(f->s, a->id, &ch, 1, &e), STATUS_OK);
		assert_int_equal(store_outbox_batch(f->s, 0, 1000, 1u << 30, keep_customer_bodies, &b2,
						    NULL, &e),
				 STATUS_OK);
		assert_int_equal(b2.n, 4);
		assert_non_null(strstr(b2.body[1], "\"name\":\"Lukasz O'Brien\""));
		assert_body_is(b2.body[1], f->s, a->id);
		assert_int_equal(store_outbox_batch(f->s, 0, 1000, 20, keep_customer_bodies, &b2, &n,
						    &e),
				 STATUS_OK);
		assert_int_equal(n, 1);
	}
	/* Erased before the push: the queued rows carry the tombstone, and wait
	 * with the erasure for an administrator's session. */
	{
		struct erase_result res;
		struct bodies b3 = { 0 }, b4 = { 0 };
		char sql[256];
		int mine = 0;

		store_set_actor_role(f->s, "cli:admin", STORE_ROLE_ADMIN);
		assert_int_equal(store_customer_erase(f->s, a->id, "request by letter", &res, &e),
				 STATUS_OK);
		assert_int_equal(count_sql(f, "SELECT count(*) FROM outbox WHERE body LIKE '%900456%'"
					      " OR body LIKE '%ukasz%'"),
				 0);
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM outbox WHERE record_id = '%s' AND sent_at IS NULL"
			 " AND wait_role = 'admin' AND wait_login IS NULL",
			 a->id);
		assert_true(count_sql(f, sql) >= 2); /* the erasure and the rows before it */
		assert_int_equal(store_outbox_batch(f->s, 0, 1000, 1u << 30, keep_customer_bodies,
						    &b3, NULL, &e),
				 STATUS_OK);
		for (int i = 0; i < b3.n; i++)
			assert_string_not_equal(b3.id[i], a->id);
		store_outbox_set_person(f->s, "radmin", "admin");
		assert_int_equal(store_outbox_batch(f->s, 0, 1000, 1u << 30, keep_customer_bodies,
						    &b4, NULL, &e),
				 STATUS_OK);
		store_outbox_set_person(f->s, NULL, NULL);
		for (int i = 0; i < b4.n; i++) {
			if (strcmp(b4.id[i], a->id) != 0)
				continue;
			mine++;
			assert_null(strstr(b4.body[i], "900456"));
			assert_non_null(strstr(b4.body[i], "\"erased\":true"));
		}
		assert_true(mine >= 1);
	}
	customer_free(a);
	customer_free(one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_degenerate),
		cmocka_unit_test(test_merge_any_order),
		cmocka_unit_test(test_merge_equal_stamps),
		cmocka_unit_test(test_merge_erasure_wins),
		cmocka_unit_test(test_hlc_bound),
		cmocka_unit_test(test_from_json_refuses),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test_setup_teardown(test_batching, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_batch_bytes, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_apply_page, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_bulk_customers_sent_whole, setup_store,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_status_not_enrolled, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_background_does_not_block, setup_store,
						teardown_store),
		cmocka_unit_test(test_status_words),
		cmocka_unit_test_setup_teardown(test_outbox_waits_for_person, setup_store,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_renumber_after_restore, setup_store,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_pull_kept_aside, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_apply_erasure_and_parks, setup_store,
						teardown_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
