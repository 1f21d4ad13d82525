/*
 * libFuzzer target for the console's push-answer decoder: a /v1/push
 * answer as src/sync/client.c reads it ({"held": N, "refused": [{"seq",
 * "error"}], "clock_ahead_ms": N}), then store_outbox_mark on an in-memory
 * store, as after a real push.
 *
 * Checks: no crash, no leak, and the outbox still reads back afterwards
 * whatever the server answered (held beyond what was sent, negative seqs,
 * refusals without a reason, seqs refused twice).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "frontdesk/store.h"
#include "fuzz_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_change(void *ctx, const struct outbox_change *c)
{
	(void)c;
	(*(long *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outbox_refusal *ref;
	struct store *g_store;
	struct err e;
	json_t *j, *refused;
	long long held;
	size_t nref;

	if (size > 64 * 1024)
		return 0;
	g_store = fuzz_store();
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	refused = j ? json_object_get(j, "refused") : NULL;
	if (!j || !json_is_integer(json_object_get(j, "held")) || !json_is_array(refused)) {
		json_decref(j);
		return 0;
	}
	held = json_integer_value(json_object_get(j, "held"));
	nref = json_array_size(refused);
	ref = calloc(nref ? nref : 1, sizeof *ref);
	if (!ref)
		abort();
	for (size_t i = 0; i < nref; i++) {
		json_t *x = json_array_get(refused, i);

		ref[i].seq = json_integer_value(json_object_get(x, "seq"));
		ref[i].error = json_string_value(json_object_get(x, "error"));
	}
	err_clear(&e);
	(void)store_outbox_mark(g_store, 1, 8, held, ref, nref, &e);
	{
		long waiting = 0;

		if (store_outbox_batch(g_store, 0, 1000, 1u << 30, count_change, &waiting, NULL, &e) !=
		    STATUS_OK)
			abort();
	}
	free(ref);
	json_decref(j);
	return 0;
}
