/*
 * bench_flow FORMS DB: FAQ flow figures. Makes 500 flows from the
 * shipped ones in FORMS (each copied under a new id), then measures, median
 * of 5:
 *   - load and check of the 500 files (libyaml, the checker, codes looked
 *     up in DB's reference data);
 *   - storing them in DB in one transaction (versioned rows, the FTS index
 *     by trigger), then loading them again (every one unchanged);
 *   - the runner's part of a step transition (answers checked and stored,
 *     the next step chosen, its text filled in) over the shipped flows.
 * The console's part (the redraw) is measured by tests/bench/flow-bench
 * through FRONTDESK_BENCH_FILE. Measures; never asserts.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontdesk/flow.h"
#include "frontdesk/store.h"
#include "bench_util.h"

#define NFLOWS 500
#define RUNS 5

static bool code_exists(void *ctx, enum flow_code_kind kind, const char *code)
{
	return store_ref_exists(ctx, kind == FLOW_CODE_TEAM ? REF_TEAM : REF_SERVICE, code);
}

/* Writes NFLOWS files into out, each a shipped flow under a new id. */
static void make_flows(const struct flow_set *shipped, const char *out)
{
	for (int i = 0; i < NFLOWS; i++) {
		const struct flow *f = shipped->flows[(size_t)i % shipped->count];
		size_t len, idlen = strlen(f->id);
		const char *src = flow_source(f, &len), *at = strstr(src, "id: ");
		char path[4096];
		FILE *fp;

		snprintf(path, sizeof path, "%s/flow-%03d.yaml", out, i);
		fp = fopen(path, "w");
		if (!fp || !at) {
			fprintf(stderr, "bench_flow: cannot write %s\n", path);
			exit(1);
		}
		at += 4;
		fwrite(src, 1, (size_t)(at - src), fp);
		fprintf(fp, "%s-%03d", f->id, i);
		fwrite(at + idlen, 1, len - (size_t)(at + idlen - src), fp);
		fclose(fp);
	}
}

static double load_check(struct store *s, const char *dir, struct flow_set *set)
{
	struct err_list errs;
	struct flow_codes codes = { code_exists, s };
	double t0 = bench_now_ms();

	flow_set_init(set);
	err_list_init(&errs, FLOW_ERRORS_MAX);
	flow_set_load_path(set, dir, &errs);
	flow_set_check(set, &codes, &errs);
	if (err_list_total(&errs))
		fprintf(stderr, "bench_flow: %zu problems in the generated flows\n",
			err_list_total(&errs));
	err_list_release(&errs);
	return bench_now_ms() - t0;
}

/* Stores every flow of set in one transaction; returns ms. */
static double store_all(struct store *s, const struct flow_set *set)
{
	double t0 = bench_now_ms();
	struct err e;

	store_tx_begin(s, &e);
	for (size_t i = 0; i < set->count; i++) {
		const struct flow *f = set->flows[i];
		struct buf kw;
		struct store_flow sf;

		buf_init(&kw, 1 << 16);
		for (size_t k = 0; k < f->nkeywords; k++) {
			buf_adds(&kw, f->keywords[k]);
			buf_adds(&kw, " ");
		}
		sf = (struct store_flow){ .id = f->id, .version = f->version, .title = f->title,
					  .service = f->service, .keywords = buf_str(&kw),
					  .text = f->summary };
		sf.source = flow_source(f, &sf.source_len);
		if (store_flow_put(s, &sf, NULL, &e) != STATUS_OK)
			fprintf(stderr, "bench_flow: %s\n", e.msg);
		buf_release(&kw);
	}
	store_tx_end(s, true, &e);
	return bench_now_ms() - t0;
}

/* A sample answer for a field, good enough for the runner to move on. */
static const char *sample(const struct flow_field *fd)
{
	switch (fd->type) {
	case FLOW_FIELD_NUMBER:
		return fd->has_min ? NULL : "3";
	case FLOW_FIELD_MONEY:
		return "10.50";
	case FLOW_FIELD_DATE:
		return NULL; /* bounds vary: let "today" come from the clock */
	case FLOW_FIELD_YESNO:
		return "no";
	case FLOW_FIELD_CHOICE:
		return fd->noptions ? fd->options[0] : NULL;
	case FLOW_FIELD_POSTCODE:
		return "NG12 3AB";
	case FLOW_FIELD_EMAIL:
		return "a@example.org";
	case FLOW_FIELD_PHONE:
		return "07700 900123";
	default:
		return "Sample text";
	}
}

/* Walks each shipped flow to its end (first choice, sample answers) and
 * times every transition: answers, move, text of the next step. */
static void transitions(const struct flow_set *set, double *ms, size_t *n, size_t max)
{
	char today[16];
	struct date d = date_today_london();

	date_format(d, today, sizeof today);
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < set->count && *n < max; i++) {
			struct flow_run *r;
			struct err e;

			if (flow_run_new(set->flows[i], &r, &e) != STATUS_OK)
				continue;
			while (!flow_run_done(r) && *n < max) {
				const struct flow_step *st = flow_run_step(r);
				double t0 = bench_now_ms();
				struct buf say;
				enum status rc;

				for (size_t j = 0; j < st->nfields; j++) {
					const char *v = sample(&st->fields[j]);

					flow_run_answer(r, st->fields[j].name,
							v ? v : (st->fields[j].type == FLOW_FIELD_DATE
									 ? today
									 : "1"),
							&e);
				}
				rc = st->nchoices ? flow_run_choose(r, 0, &e) : flow_run_next(r, &e);
				if (rc != STATUS_OK)
					break;
				buf_init(&say, 1 << 16);
				if (flow_run_step(r)->say)
					flow_run_render(r, flow_run_step(r)->say, 0, &say);
				buf_release(&say);
				ms[(*n)++] = bench_now_ms() - t0;
			}
			flow_run_free(r);
		}
	}
}

int main(int argc, char **argv)
{
	struct flow_set shipped, set;
	struct err_list errs;
	struct store *s;
	struct err e;
	char tmp[] = "/tmp/fd-bench-flow-XXXXXX", cmd[128];
	double lc[RUNS], put[RUNS], again[RUNS], tr[4096];
	size_t ntr = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_flow FORMS DB\n");
		return 2;
	}
	if (store_open(argv[2], STORE_NO_CREATE, &s, &e) != STATUS_OK) {
		fprintf(stderr, "bench_flow: %s\n", e.msg);
		return 1;
	}
	store_set_actor(s, "bench");
	flow_set_init(&shipped);
	err_list_init(&errs, FLOW_ERRORS_MAX);
	flow_set_load_path(&shipped, argv[1], &errs);
	flow_set_check(&shipped, NULL, &errs);
	if (!shipped.count || !mkdtemp(tmp)) {
		fprintf(stderr, "bench_flow: no flows in %s\n", argv[1]);
		return 1;
	}
	make_flows(&shipped, tmp);
	for (int i = 0; i < RUNS; i++) {
		char db[160];
		struct store *fresh;

		snprintf(db, sizeof db, "%s/run%d.db", tmp, i);
		lc[i] = load_check(s, tmp, &set);
		/* A fresh database each run: the first load is the real one. */
		if (store_open(db, 0, &fresh, &e) != STATUS_OK) {
			fprintf(stderr, "bench_flow: %s\n", e.msg);
			return 1;
		}
		store_set_actor_role(fresh, "bench:admin", STORE_ROLE_ADMIN); /* loads flows */
		put[i] = store_all(fresh, &set);
		again[i] = store_all(fresh, &set);
		store_close(fresh);
		flow_set_release(&set);
	}
	transitions(&shipped, tr, &ntr, sizeof tr / sizeof tr[0]);
	printf("  load and check %d flows: %.1f ms (median of %d)\n", NFLOWS,
	       bench_percentile(lc, RUNS, 50), RUNS);
	printf("  store them in the database: %.1f ms; again, unchanged: %.1f ms\n",
	       bench_percentile(put, RUNS, 50), bench_percentile(again, RUNS, 50));
	printf("  runner step transition: p50 %.3f ms, p99 %.3f ms (%zu transitions)\n",
	       bench_percentile(tr, ntr, 50), bench_percentile(tr, ntr, 99), ntr);
	printf("FIGURE flow_load_check_500_ms %.1f\n", bench_percentile(lc, RUNS, 50));
	printf("FIGURE flow_load_check_store_500_ms %.1f\n",
	       bench_percentile(lc, RUNS, 50) + bench_percentile(put, RUNS, 50));
	printf("FIGURE flow_runner_step_p99_ms %.3f\n", bench_percentile(tr, ntr, 99));
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_flow: could not remove %s\n", tmp);
	err_list_release(&errs);
	flow_set_release(&shipped);
	store_close(s);
	return 0;
}
