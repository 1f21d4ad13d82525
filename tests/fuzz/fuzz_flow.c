/*
 * fuzz_flow.c — libFuzzer target for the flow loader and checker, from
 * memory: any bytes must give problems with positions, never a crash, a
 * leak or a hang. Seeds: tests/fuzz/corpus/flow/ (real flows and the
 * checker's failing fixtures).
 *
 * Build with clang -fsanitize=fuzzer,address,undefined over this file and
 * every source of src/flow and src/core, linking yaml-0.1 and jansson
 * (pkg-config), then run it over a copy of the seed corpus.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frontdesk/core.h"
#include "frontdesk/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool any_code(void *ctx, enum flow_code_kind kind, const char *code)
{
	(void)ctx;
	(void)kind;
	return code[0] != 'x';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err_list errs;
	struct flow *f = NULL;
	struct flow_codes codes = { any_code, NULL };
	char line[ERR_MSG_MAX + ERR_FILE_MAX + 32];

	err_list_init(&errs, FLOW_ERRORS_MAX);
	flow_load_mem("fuzz.yaml", (const char *)data, size, &f, &errs);
	if (f) {
		flow_check(f, &codes, &errs);
		/* a flow that passes must also run from its start */
		if (err_list_total(&errs) == 0) {
			struct flow_run *r = NULL;
			struct err e;
			if (flow_run_new(f, &r, &e) == STATUS_OK) {
				for (int i = 0; i < 50 && !flow_run_done(r); i++) {
					const struct flow_step *st = flow_run_step(r);
					for (size_t j = 0; j < st->nfields; j++)
						flow_run_answer(r, st->fields[j].name, "1", &e);
					if (st->nchoices)
						flow_run_choose(r, (size_t)i % st->nchoices, &e);
					else if (flow_run_next(r, &e) != STATUS_OK)
						break;
				}
			}
			flow_run_free(r);
		}
	}
	err_list_sort(&errs);
	for (size_t i = 0; i < errs.count; i++)
		err_format(&errs.items[i], line, sizeof line);
	flow_free(f);
	err_list_release(&errs);
	return 0;
}
