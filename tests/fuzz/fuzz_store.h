/*
 * A scratch store for fuzz targets that need one: a real database with the
 * real schema in a fresh directory (on /dev/shm when there is one, so that
 * synchronous=FULL costs little), removed when the fuzzer exits.
 */
#ifndef FUZZ_STORE_H
#define FUZZ_STORE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "frontdesk/store.h"

static char fuzz_store_dir[64];

static void fuzz_store_cleanup(void)
{
	char path[128];
	static const char *const files[] = { "fuzz.db", "fuzz.db-wal", "fuzz.db-shm",
					     "fuzz.db-journal" };

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", fuzz_store_dir, files[i]);
		unlink(path);
	}
	rmdir(fuzz_store_dir);
}

/* The scratch store, opened on first use; aborts if it cannot be made. */
static struct store *fuzz_store(void)
{
	static struct store *s;
	char path[128];
	struct err e;

	if (s)
		return s;
	snprintf(fuzz_store_dir, sizeof fuzz_store_dir, "%s/fdfuzz.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(fuzz_store_dir))
		abort();
	atexit(fuzz_store_cleanup);
	snprintf(path, sizeof path, "%s/fuzz.db", fuzz_store_dir);
	if (store_open(path, 0, &s, &e) != STATUS_OK) {
		fprintf(stderr, "fuzz: %s\n", e.msg);
		abort();
	}
	return s;
}

#endif
