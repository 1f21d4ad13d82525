/*
 * Store tests for FAQ flows: versioned flows, finding a flow by
 * the customer's words, runs parked on a customer. A real SQLite file in a
 * temporary directory with the real schema; the test reads the file with
 * SQLite directly only to check what the store wrote. Degenerate inputs
 * first, then the real cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "frontdesk/store.h"

static char dir[64];
static char path[128];

static struct store *open_ready(void)
{
	struct store *s;
	struct refdata rd = { 0 };
	struct err e;

	rd.nteams = 1;
	rd.teams = xcalloc(1, sizeof *rd.teams);
	rd.teams[0] = (struct ref_team){ xstrdup("waste"), xstrdup("Waste services"), NULL };
	rd.nservices = 1;
	rd.services = xcalloc(1, sizeof *rd.services);
	rd.services[0] = (struct ref_service){ xstrdup("waste-missed-bin"), xstrdup("Missed bin"),
					       xstrdup("waste"), NULL, 0, 2 };
	rd.nsites = 1;
	rd.sites = xcalloc(1, sizeof *rd.sites);
	rd.sites[0] = (struct ref_site){ xstrdup("civic-centre"), xstrdup("Civic Centre"),
					 xstrdup("office"), NULL, NULL };
	rd.nchannels = 1;
	rd.channels = xcalloc(1, sizeof *rd.channels);
	rd.channels[0] = (struct ref_channel){ xstrdup("phone"), xstrdup("Phone"), 300, false };
	rd.noutcomes = 1;
	rd.outcomes = xcalloc(1, sizeof *rd.outcomes);
	rd.outcomes[0] = (struct ref_simple){ xstrdup("resolved"), xstrdup("Resolved"), NULL };
	assert_int_equal(store_open(path, 0, &s, &e), STATUS_OK);
	store_set_actor_role(s, "test:admin", STORE_ROLE_ADMIN); /* sets the desk up */
	assert_int_equal(store_refdata_replace(s, &rd, &e), STATUS_OK);
	store_set_actor(s, "test:advisor");
	refdata_release(&rd);
	return s;
}

/* Flows are loaded by an administrator (an advisor is refused: see
 * test_flow_degenerate); the desk's advisor then uses them. */
static enum status flow_put_as_admin(struct store *s, const struct store_flow *f,
				     enum store_flow_put_result *res, struct err *e)
{
	enum status rc;

	store_set_actor_role(s, "test:admin", STORE_ROLE_ADMIN);
	rc = store_flow_put(s, f, res, e);
	store_set_actor(s, "test:advisor");
	return rc;
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
	snprintf(dir, sizeof dir, "/tmp/fd-flow-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/fd.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const char bins_v1[] = "id: missed-bin\nversion: 1\ntitle: Missed bin collection\n";
static const char bins_v1b[] = "id: missed-bin\nversion: 1\ntitle: Missed bins\n";
static const char bins_v2[] = "id: missed-bin\nversion: 2\ntitle: Missed bin collection\n";

static struct store_flow bins(long version, const char *source)
{
	return (struct store_flow){
		.id = "missed-bin",
		.version = version,
		.title = version == 2 ? "Missed bin collection (new)" : "Missed bin collection",
		.service = "waste-missed-bin",
		.keywords = "bin bins missed not collected rubbish",
		.text = "Was the bin out by 7am on collection day?",
		.source = source,
		.source_len = strlen(source),
	};
}

static struct store_flow tax(void)
{
	static const char src[] = "id: council-tax-moving-home\nversion: 1\n";

	return (struct store_flow){
		.id = "council-tax-moving-home",
		.version = 1,
		.title = "Moving home - Council Tax",
		.keywords = "moving move new address tenancy",
		.text = "Are you moving into the area, out of it, or within it?",
		.source = src,
		.source_len = strlen(src),
	};
}

static void customer(struct store *s, char id[UUID_STR_LEN + 1])
{
	struct customer *c = customer_new();
	struct err e;

	customer_set(c, CF_name, "Zoë Brown");
	assert_int_equal(store_customer_add(s, c, &e), STATUS_OK);
	snprintf(id, UUID_STR_LEN + 1, "%s", c->id);
	customer_free(c);
}

static int first_hit(void *ctx, const struct store_flow_hit *h)
{
	snprintf(ctx, 64, "%s %ld", h->id, h->version);
	return 1;
}

/* ---- degenerate input ------------------------------------------------------ */

static void test_flow_degenerate(void **state)
{
	struct store *s = open_ready();
	struct store_flow f = bins(1, bins_v1);
	static const char bad_utf8[] = "id: x\ntitle: \xff\xfe\n";
	enum store_flow_put_result res;
	char *src = NULL, *expr;
	struct err e;

	(void)state;
	f.version = 0;
	assert_int_equal(flow_put_as_admin(s, &f, &res, &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "versions start at 1"));
	f = bins(1, bins_v1);
	f.title = "";
	assert_int_equal(flow_put_as_admin(s, &f, &res, &e), STATUS_INVALID);
	f = bins(1, bad_utf8);
	assert_int_equal(flow_put_as_admin(s, &f, &res, &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "UTF-8"));
	/* A good flow, but an advisor may not load it: refused and audited. */
	f = bins(1, bins_v1);
	assert_int_equal(store_flow_put(s, &f, &res, &e), STATUS_DENIED);
	assert_non_null(strstr(e.msg, "only an administrator can"));
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'access.denied'"
			       " AND record_type = 'flow' AND detail = 'settings'"), 1);
	assert_int_equal(count("SELECT count(*) FROM flow"), 0);
	assert_int_equal(store_flow_get(s, "", 0, &src, NULL, NULL, &e), STATUS_INVALID);
	assert_int_equal(store_flow_get(s, "nothing", 0, &src, NULL, NULL, &e), STATUS_NOT_FOUND);
	assert_null(src);
	assert_string_equal(e.msg, "no flow 'nothing' on this desk; load it with: frontdesk flow load");
	/* Search text is never FTS syntax. */
	assert_null(store_flow_search_expr(NULL));
	assert_null(store_flow_search_expr(" -*()\" "));
	expr = store_flow_search_expr("bin NOT \"collected");
	assert_string_equal(expr, "\"bin\" OR \"NOT\" OR \"collected\"*");
	free(expr);
	expr = store_flow_search_expr("bin ");
	assert_string_equal(expr, "\"bin\"");
	free(expr);
	assert_int_equal(store_flow_search(s, "\xff", 10, NULL, NULL, NULL, &e), STATUS_INVALID);
	assert_int_equal(store_flow_search(s, "NEAR(a b) OR * \"", 10, NULL, NULL, NULL, &e),
			 STATUS_OK);
	store_close(s);
}

/* ---- versions ------------------------------------------------------------------ */

static void test_flow_versions(void **state)
{
	struct store *s = open_ready();
	struct store_flow f = bins(1, bins_v1);
	enum store_flow_put_result res;
	char *src = NULL;
	size_t len;
	long version;
	struct err e;

	(void)state;
	assert_int_equal(flow_put_as_admin(s, &f, &res, &e), STATUS_OK);
	assert_int_equal(res, STORE_FLOW_ADDED);
	/* The same version again with the same source: a no-op. */
	assert_int_equal(flow_put_as_admin(s, &f, &res, &e), STATUS_OK);
	assert_int_equal(res, STORE_FLOW_UNCHANGED);
	/* Changed without a new version: refused, nothing changed. */
	f = bins(1, bins_v1b);
	assert_int_equal(flow_put_as_admin(s, &f, &res, &e), STATUS_EXISTS);
	assert_string_equal(e.msg, "flow 'missed-bin' version 1 is already loaded with different "
				   "text; nothing was loaded: give the changed flow 'version: 2' "
				   "(contacts keep version 1)");
	assert_int_equal(count("SELECT count(*) FROM flow"), 1);
	f = bins(2, bins_v2);
	assert_int_equal(flow_put_as_admin(s, &f, &res, &e), STATUS_OK);
	assert_int_equal(res, STORE_FLOW_ADDED);
	assert_int_equal(store_flow_count(s), 2);
	/* The latest by default; old versions stay. */
	assert_int_equal(store_flow_get(s, "missed-bin", 0, &src, &len, &version, &e), STATUS_OK);
	assert_int_equal(version, 2);
	assert_string_equal(src, bins_v2);
	assert_int_equal(len, strlen(bins_v2));
	free(src);
	assert_int_equal(store_flow_get(s, "missed-bin", 1, &src, NULL, &version, &e), STATUS_OK);
	assert_string_equal(src, bins_v1);
	free(src);
	assert_int_equal(store_flow_get(s, "missed-bin", 7, &src, NULL, NULL, &e), STATUS_NOT_FOUND);
	assert_string_equal(e.msg, "flow 'missed-bin' version 7 is not on this desk (the latest "
				   "here is version 2); load that version with: frontdesk flow "
				   "load FILE");
	/* The index holds the latest version only, even when an older one
	 * arrives later. */
	assert_int_equal(count("SELECT count(*) FROM flow_fts"), 1);
	assert_int_equal(count("SELECT version FROM flow_fts"), 2);
	store_close(s);
}

/* ---- finding by words --------------------------------------------------------- */

static void test_flow_search(void **state)
{
	struct store *s = open_ready();
	struct store_flow a = bins(1, bins_v1), b = tax();
	char hit[64] = "";
	int n;
	struct err e;

	(void)state;
	assert_int_equal(flow_put_as_admin(s, &a, NULL, &e), STATUS_OK);
	assert_int_equal(flow_put_as_admin(s, &b, NULL, &e), STATUS_OK);
	assert_int_equal(store_flow_search(s, "bin not collected", 10, first_hit, hit, &n, &e),
			 STATUS_OK);
	assert_string_equal(hit, "missed-bin 1");
	/* Stems: "collection" finds "collected"; any word may match. */
	assert_int_equal(store_flow_search(s, "my bin wasn't collected", 10, first_hit, hit, &n,
					   &e),
			 STATUS_OK);
	assert_string_equal(hit, "missed-bin 1");
	assert_int_equal(store_flow_search(s, "moving hou", 10, first_hit, hit, &n, &e), STATUS_OK);
	assert_string_equal(hit, "council-tax-moving-home 1");
	assert_int_equal(store_flow_search(s, "tena", 10, first_hit, hit, &n, &e), STATUS_OK);
	assert_string_equal(hit, "council-tax-moving-home 1");
	assert_int_equal(store_flow_search(s, "zzzz", 10, first_hit, hit, &n, &e), STATUS_OK);
	assert_int_equal(n, 0);
	/* Nothing typed: every flow, by title. */
	assert_int_equal(store_flow_search(s, "", 10, NULL, NULL, &n, &e), STATUS_OK);
	assert_int_equal(n, 2);
	/* A newer version replaces the old one in the results. */
	a = bins(2, bins_v2);
	assert_int_equal(flow_put_as_admin(s, &a, NULL, &e), STATUS_OK);
	assert_int_equal(store_flow_search(s, "bins", 10, first_hit, hit, &n, &e), STATUS_OK);
	assert_string_equal(hit, "missed-bin 2");
	assert_int_equal(n, 1);
	store_close(s);
}

/* ---- parked runs -------------------------------------------------------------- */

struct parked_seen {
	int n;
	char id[UUID_STR_LEN + 1], step[32], title[64];
	long version, latest;
};

static int see_parked(void *ctx, const struct store_flow_parked *p)
{
	struct parked_seen *ps = ctx;

	ps->n++;
	snprintf(ps->id, sizeof ps->id, "%s", p->id);
	snprintf(ps->step, sizeof ps->step, "%s", p->step ? p->step : "");
	snprintf(ps->title, sizeof ps->title, "%s", p->title ? p->title : "(gone)");
	ps->version = p->flow_version;
	ps->latest = p->latest_version;
	return 0;
}

static void test_flow_park(void **state)
{
	struct store *s = open_ready();
	struct store_flow f = bins(1, bins_v1);
	char cust[UUID_STR_LEN + 1], id[UUID_STR_LEN + 1], id2[UUID_STR_LEN + 1];
	struct store_flow_park_input in;
	struct parked_seen ps = { 0 };
	enum store_flow_put_result res;
	struct err e;

	(void)state;
	customer(s, cust);
	in = (struct store_flow_park_input){ cust, "missed-bin", 1, "report", "{\"moves\":[]}",
					     NULL };
	/* Degenerate: no such flow, no such customer, state not JSON. */
	assert_int_equal(store_flow_park(s, &in, id, &e), STATUS_NOT_FOUND);
	assert_string_equal(id, "");
	assert_int_equal(flow_put_as_admin(s, &f, NULL, &e), STATUS_OK);
	in.customer_id = "not-an-id";
	assert_int_equal(store_flow_park(s, &in, id, &e), STATUS_INVALID);
	in.customer_id = cust;
	in.saved_json = "[1,";
	assert_int_equal(store_flow_park(s, &in, id, &e), STATUS_INVALID);
	assert_int_equal(count("SELECT count(*) FROM flow_park"), 0);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'flow.park'"), 0);

	in.saved_json = "{\"flow\":\"missed-bin\",\"version\":1,\"moves\":[]}";
	assert_int_equal(store_flow_park(s, &in, id, &e), STATUS_OK);
	assert_int_equal(store_flow_parked_count(s, cust), 1);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'flow.park' AND "
			       "detail NOT LIKE '%moves%'"),
			 1);
	/* Editing the parked version in place is refused, saying it is used. */
	f = bins(1, bins_v1b);
	assert_int_equal(flow_put_as_admin(s, &f, &res, &e), STATUS_EXISTS);
	assert_string_equal(e.msg, "flow 'missed-bin' version 1 is already loaded with different "
				   "text, and a run parked on a customer uses it; nothing was "
				   "loaded: give the changed flow 'version: 2' (contacts and "
				   "parked runs keep version 1)");
	/* A newer version: the parked run keeps version 1. */
	f = bins(2, bins_v2);
	assert_int_equal(flow_put_as_admin(s, &f, &res, &e), STATUS_OK);
	assert_int_equal(store_flow_parked(s, cust, see_parked, &ps, &e), STATUS_OK);
	assert_int_equal(ps.n, 1);
	assert_string_equal(ps.id, id);
	assert_string_equal(ps.step, "report");
	assert_string_equal(ps.title, "Missed bin collection");
	assert_int_equal(ps.version, 1);
	assert_int_equal(ps.latest, 2);
	/* Resuming audits; parking again replaces the row. */
	memset(&ps, 0, sizeof ps);
	assert_int_equal(store_flow_resume(s, id, see_parked, &ps, &e), STATUS_OK);
	assert_int_equal(ps.n, 1);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE action = 'flow.resume'"), 1);
	in.replaces = id;
	in.step = "reported";
	assert_int_equal(store_flow_park(s, &in, id2, &e), STATUS_OK);
	assert_int_equal(store_flow_parked_count(s, cust), 1);
	assert_int_equal(store_flow_resume(s, id, NULL, NULL, &e), STATUS_NOT_FOUND);
	/* Removed when the resumed run is logged. */
	assert_int_equal(store_flow_park_remove(s, id2, &e), STATUS_OK);
	assert_int_equal(store_flow_park_remove(s, id2, &e), STATUS_NOT_FOUND);
	assert_int_equal(store_flow_parked_count(s, cust), 0);
	store_close(s);
}

/* An erased customer's parked runs go with them (they hold answers). */
static void test_flow_park_erased(void **state)
{
	struct store *s = open_ready();
	struct store_flow f = bins(1, bins_v1);
	char cust[UUID_STR_LEN + 1], id[UUID_STR_LEN + 1];
	struct store_flow_park_input in;
	struct err e;

	(void)state;
	customer(s, cust);
	assert_int_equal(flow_put_as_admin(s, &f, NULL, &e), STATUS_OK);
	in = (struct store_flow_park_input){ cust, "missed-bin", 1, "report",
					     "{\"answers\":\"NG12 3AB\"}", NULL };
	assert_int_equal(store_flow_park(s, &in, id, &e), STATUS_OK);
	store_set_actor_role(s, "cli:root", STORE_ROLE_ADMIN);
	assert_int_equal(store_customer_erase(s, cust, "test of erasure", NULL, &e), STATUS_OK);
	assert_int_equal(count("SELECT count(*) FROM flow_park"), 0);
	store_set_actor(s, "test:advisor");
	assert_int_equal(store_flow_park(s, &in, id, &e), STATUS_DENIED);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flow_degenerate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_park, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_park_erased, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
