/*
 * The server's test seams (src/server/server_int.h), linked only into the
 * test build build/frontdeskd-test; the shipped frontdeskd has none. Each
 * reads its setting from the environment once, when the program starts.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "../../src/server/server_int.h"

static long push_delay_ms;
static atomic_long out_of_order;

static long env_long(const char *name)
{
	const char *v = getenv(name);

	return v ? strtol(v, NULL, 10) : 0;
}

__attribute__((constructor)) static void server_hooks_read(void)
{
	push_delay_ms = env_long("FRONTDESKD_TEST_PUSH_DELAY_MS");
	atomic_store(&out_of_order, env_long("FRONTDESKD_TEST_OUT_OF_ORDER"));
}

long server_hook_push_delay_ms(void)
{
	return push_delay_ms;
}

bool server_hook_push_overtaken(void)
{
	return atomic_load(&out_of_order) > 0 && atomic_fetch_sub(&out_of_order, 1) > 0;
}
