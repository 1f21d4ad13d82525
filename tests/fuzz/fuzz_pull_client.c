/*
 * libFuzzer target for the console's pull decoder: a /v1/pull answer as
 * src/sync/client.c reads it ({"changes": [...], "next": N, "more": B},
 * duplicate keys refused), applied with store_sync_apply to an in-memory
 * store with the real schema.
 *
 * Checks, beyond "no crash, no leak": a page that is refused leaves the
 * cursor where it was; a page that is applied moves it to "next".
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "frontdesk/store.h"
#include "fuzz_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sync_applied n;
	struct store *g_store;
	struct err e;
	json_t *j, *changes, *next, *more;
	long long before;

	if (size > 256 * 1024)
		return 0;
	g_store = fuzz_store();
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	changes = j ? json_object_get(j, "changes") : NULL;
	next = j ? json_object_get(j, "next") : NULL;
	more = j ? json_object_get(j, "more") : NULL;
	if (!json_is_array(changes) || !json_is_integer(next) || !json_is_boolean(more)) {
		json_decref(j);
		return 0;
	}
	before = store_sync_cursor(g_store);
	err_clear(&e);
	if (store_sync_apply(g_store, changes, json_integer_value(next), &n, &e) != STATUS_OK) {
		if (store_sync_cursor(g_store) != before || e.msg[0] == '\0')
			abort();
	} else if (store_sync_cursor(g_store) != json_integer_value(next) &&
		   store_sync_cursor(g_store) != before) {
		abort();
	}
	json_decref(j);
	return 0;
}
