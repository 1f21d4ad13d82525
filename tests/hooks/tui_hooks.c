/*
 * The console's measuring seams (src/tui/tui_int.h), linked only into the
 * bench build build/frontdesk-bench; the shipped frontdesk has none. With
 * FRONTDESK_BENCH_FILE set, appends to that file "ready MS" (wall time, ms
 * since the epoch, when the search screen was first drawn) and, for every
 * key, "key US" (from reading it to the end of the redraw it caused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../src/tui/tui_int.h"

static FILE *bench_out;
static bool bench_ready;
static struct timespec bench_key_ts;
static bool bench_key_pending;

void tui_hook_start(void)
{
	const char *path = getenv("FRONTDESK_BENCH_FILE");

	if (path && *path)
		bench_out = fopen(path, "a");
	if (bench_out)
		setvbuf(bench_out, NULL, _IOLBF, 0);
}

void tui_hook_stop(void)
{
	if (bench_out)
		fclose(bench_out);
	bench_out = NULL;
}

void tui_hook_key(void)
{
	if (bench_out) {
		clock_gettime(CLOCK_MONOTONIC, &bench_key_ts);
		bench_key_pending = true;
	}
}

void tui_hook_frame(bool search_shown)
{
	struct timespec now;

	if (!bench_out)
		return;
	if (!bench_ready && search_shown) {
		clock_gettime(CLOCK_REALTIME, &now);
		fprintf(bench_out, "ready %lld\n",
			(long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
		bench_ready = true;
	}
	if (bench_key_pending) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		fprintf(bench_out, "key %lld\n",
			(long long)(now.tv_sec - bench_key_ts.tv_sec) * 1000000 +
				(now.tv_nsec - bench_key_ts.tv_nsec) / 1000);
		bench_key_pending = false;
	}
}
