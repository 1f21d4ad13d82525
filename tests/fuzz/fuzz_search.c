/*
 * libFuzzer target for the search query builder (store_search_expr) and
 * the search that runs its expression (store_customer_search) on an
 * in-memory store with the real schema.
 *
 * Checks, beyond "no crash, no leak": whatever an advisor types, the
 * expression is one FTS5 accepts (the search never fails with a syntax
 * error; only text that is not UTF-8 is refused, with a reason), and a
 * query with nothing to search for gives NULL, not "".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/store.h"
#include "fuzz_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_hit(void *ctx, const struct search_hit *h)
{
	(void)h;
	(*(int *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *q, *expr;
	struct store *g_store;
	struct err e;
	int hits = 0, count = 0;

	if (size > 512)
		return 0;
	g_store = fuzz_store();
	q = malloc(size + 1);
	if (!q)
		abort();
	memcpy(q, data, size);
	q[size] = '\0';
	expr = store_search_expr(q);
	if (expr && expr[0] == '\0')
		abort();
	free(expr);
	err_clear(&e);
	if (store_customer_search(g_store, q, 5, count_hit, &hits, &count, &e) != STATUS_OK) {
		/* Only text that is not UTF-8, or longer than a search may be,
		 * is refused, and with a reason. */
		if ((utf8_valid(q, strlen(q)) && utf8_length(q) <= SEARCH_MAX_CHARS) ||
		    e.msg[0] == '\0')
			abort();
	} else if (hits != count) {
		abort();
	}
	free(q);
	return 0;
}
