/*
 * Customer search and contact logging on a demo database.
 *
 *   bench_search DB
 *
 * Search: queries made from real rows of the database (names, 2-3 letter
 * type-ahead prefixes, postcodes with and without the space, phones in
 * national and international form, case references), each run through
 * store_customer_search and, interleaved, as the bare SQLite FTS5 query with
 * the same MATCH expression and LIMIT, so the ratio shows what the store
 * adds. Logging: durable contacts (anonymous resolved, and referrals for a
 * customer) through store_contact_log.
 *
 * Reading sample rows and the bare query use SQLite directly: they are the
 * yardstick, not product code.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "frontdesk/store.h"

#define LIMIT 20
#define SAMPLES 300
#define ROUNDS 5

enum kind { K_NAME, K_PREFIX, K_POSTCODE, K_PHONE, K_REF, K_COUNT };
static const char *const kind_name[K_COUNT] = { "name", "2-3 letter prefix", "postcode",
						 "phone", "case reference" };

struct query {
	enum kind kind;
	char text[160];
};

static struct query queries[SAMPLES * 8];
static size_t nqueries;

static void add_query(enum kind k, const char *text)
{
	if (!text || !*text || nqueries >= sizeof queries / sizeof queries[0])
		return;
	queries[nqueries].kind = k;
	snprintf(queries[nqueries].text, sizeof queries[nqueries].text, "%s", text);
	nqueries++;
}

/* Samples rows spread over the table by rowid. */
static void sample_queries(sqlite3 *db)
{
	sqlite3_stmt *st;
	sqlite3_int64 max = 0;

	sqlite3_prepare_v2(db, "SELECT max(num) FROM customer", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		max = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "SELECT name, postcode, phone_raw, phone FROM customer WHERE num >= ?1"
			   " ORDER BY num LIMIT 1",
			   -1, &st, NULL);
	for (int i = 0; i < SAMPLES && max > 0; i++) {
		sqlite3_bind_int64(st, 1, 1 + (max * i) / SAMPLES);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *name = (const char *)sqlite3_column_text(st, 0);
			const char *pc = (const char *)sqlite3_column_text(st, 1);
			const char *raw = (const char *)sqlite3_column_text(st, 2);
			const char *e164 = (const char *)sqlite3_column_text(st, 3);
			char buf[160];

			add_query(K_NAME, name);
			if (name) {
				const char *sp = strrchr(name, ' ');
				const char *last = sp ? sp + 1 : name;

				snprintf(buf, sizeof buf, "%.*s", i % 2 ? 2 : 3, last);
				add_query(K_PREFIX, buf);
			}
			if (pc) {
				add_query(K_POSTCODE, pc);
				if (i % 2) {
					size_t k = 0;

					for (const char *p = pc; *p && k + 1 < sizeof buf; p++)
						if (*p != ' ')
							buf[k++] = *p;
					buf[k] = '\0';
					add_query(K_POSTCODE, buf);
				}
			}
			if (raw && e164)
				add_query(K_PHONE, i % 2 ? raw : e164);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "SELECT reference FROM \"case\" WHERE customer_id IS NOT NULL"
			   " AND num >= ?1 ORDER BY num LIMIT 1",
			   -1, &st, NULL);
	for (int i = 0; i < SAMPLES; i++) {
		sqlite3_bind_int64(st, 1, 1 + (sqlite3_int64)i * 2000);
		if (sqlite3_step(st) == SQLITE_ROW)
			add_query(K_REF, (const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

static int count_hit(void *ctx, const struct search_hit *h)
{
	(void)h;
	++*(long *)ctx;
	return 0;
}

static void bench_search(struct store *s, sqlite3 *db)
{
	static double ours[K_COUNT][SAMPLES * 2 * ROUNDS], bare[K_COUNT][SAMPLES * 2 * ROUNDS];
	size_t n[K_COUNT] = { 0 };
	double all_ours[SAMPLES * 8 * ROUNDS], all_bare[SAMPLES * 8 * ROUNDS];
	size_t nall = 0;
	sqlite3_stmt *st;
	long hits = 0;

	sqlite3_prepare_v2(db,
			   "SELECT c.id, c.name, c.dob, c.postcode, c.address, c.phone"
			   " FROM customer_fts f JOIN customer c ON c.num = f.rowid"
			   " WHERE customer_fts MATCH ?1 AND NOT c.erased"
			   " ORDER BY f.rowid DESC LIMIT ?2",
			   -1, &st, NULL);
	for (int round = 0; round <= ROUNDS; round++) {
		for (size_t i = 0; i < nqueries; i++) {
			struct query *q = &queries[i];
			char *expr = store_search_expr(q->text);
			struct err e;
			double t0, t1, t2;
			int count;

			if (!expr)
				continue;
			t0 = bench_now_ms();
			store_customer_search(s, q->text, LIMIT, count_hit, &hits, &count, &e);
			t1 = bench_now_ms();
			sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 2, LIMIT);
			while (sqlite3_step(st) == SQLITE_ROW)
				hits++;
			sqlite3_reset(st);
			t2 = bench_now_ms();
			free(expr);
			if (round == 0)
				continue; /* warm-up */
			if (n[q->kind] < SAMPLES * 2 * ROUNDS) {
				ours[q->kind][n[q->kind]] = t1 - t0;
				bare[q->kind][n[q->kind]] = t2 - t1;
				n[q->kind]++;
			}
			if (nall < sizeof all_ours / sizeof all_ours[0]) {
				all_ours[nall] = t1 - t0;
				all_bare[nall++] = t2 - t1;
			}
		}
	}
	sqlite3_finalize(st);
	printf("customer search (limit %d), %zu queries x %d rounds, %ld rows returned\n", LIMIT,
	       nqueries, ROUNDS, hits);
	printf("  %-20s %8s %8s %8s %10s %10s\n", "kind", "n", "p50 ms", "p99 ms", "bare p99",
	       "ratio p99");
	for (int k = 0; k < K_COUNT; k++) {
		double o99 = bench_percentile(ours[k], n[k], 99), b99 = bench_percentile(bare[k], n[k], 99);

		printf("  %-20s %8zu %8.3f %8.3f %10.3f %10.2f\n", kind_name[k], n[k],
		       bench_percentile(ours[k], n[k], 50), o99, b99, b99 > 0 ? o99 / b99 : 0);
	}
	{
		double o99 = bench_percentile(all_ours, nall, 99), b99 = bench_percentile(all_bare, nall, 99);

		printf("FIGURE search_p99_ms %.3f\n", o99);
		printf("FIGURE search_bare_p99_ms %.3f\n", b99);
		printf("FIGURE search_ratio_p99 %.2f\n", b99 > 0 ? o99 / b99 : 0);
	}
}

static void bench_log(struct store *s, sqlite3 *db)
{
	enum { N = 2000 };
	static double t[N];
	char customer[64] = "";
	sqlite3_stmt *st;
	int failed = 0;

	sqlite3_prepare_v2(db, "SELECT id FROM customer ORDER BY num DESC LIMIT 1", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(customer, sizeof customer, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	for (int i = 0; i < N; i++) {
		struct contact_input in = { .channel = "phone", .site = NULL, .duration_s = 120 };
		struct contact_result r;
		struct err e;
		double t0;

		if (i % 5 == 4) {
			in.service = "council-tax-moving";
			in.outcome = "referred";
			in.reason = "Joint liability; needs a liability check";
			in.customer_id = customer;
		} else {
			in.service = "waste-missed-bin";
			in.outcome = "resolved";
		}
		t0 = bench_now_ms();
		if (store_contact_log(s, &in, &r, &e) != STATUS_OK) {
			if (!failed++)
				fprintf(stderr, "bench_search: logging failed: %s\n", e.msg);
		}
		t[i] = bench_now_ms() - t0;
	}
	printf("logging a contact (durable: contact, visit, outbox, index; every 5th a referral)\n");
	printf("  n %d  p50 %.3f ms  p99 %.3f ms  max %.3f ms  failed %d\n", N,
	       bench_percentile(t, N, 50), bench_percentile(t, N, 99), bench_percentile(t, N, 100),
	       failed);
	printf("FIGURE log_p99_ms %.3f\n", bench_percentile(t, N, 99));
}

int main(int argc, char **argv)
{
	struct store *s;
	struct err e;
	sqlite3 *db;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_search DB\n");
		return 2;
	}
	if (store_open(argv[1], STORE_NO_CREATE, &s, &e)) {
		fprintf(stderr, "bench_search: %s\n", e.msg);
		return 1;
	}
	store_set_actor(s, "bench");
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_search: cannot open %s\n", argv[1]);
		return 1;
	}
	sample_queries(db);
	bench_search(s, db);
	bench_log(s, db);
	sqlite3_close(db);
	store_close(s);
	return 0;
}
