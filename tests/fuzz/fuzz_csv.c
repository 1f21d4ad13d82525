/*
 * libFuzzer target for the CSV reader (ingest_csv_parse on in-memory input).
 *
 * Build and run (from the top of the tree):
 *   clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Iinclude \
 *     -fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_csv.c \
 *     src/ingest/csv.c src/ingest/errors.c $(ls src/core/[a-z]*.c) \
 *     -lcsv $(pkg-config --libs jansson) -o build/fuzz_csv
 *   build/fuzz_csv -max_len=4096 tests/fuzz/corpus/csv
 *
 * Checks, beyond "no crash, no leak": a table that parses has the header's
 * number of fields in every row, record lines that only go forward, fields
 * that are valid UTF-8 without NUL bytes, a failure that says where, and
 * a place for every cell (ingest_csv_place) inside its own record.
 * Every field is also read as a customer's needs (needs_check, as a cell of
 * an import or a pushed record is): a value taken is valid UTF-8 and its
 * canonical form is taken again unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/ingest.h"
#include "../../src/ingest/ingest_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct ref_need *legacy_find(void *ctx, const char *code)
{
	(void)ctx;
	return needs_legacy_find(code);
}

/* needs_check on s, with nothing known and with the legacy flags. */
static void check_needs(const char *s)
{
	struct needs_known k = { legacy_find, NULL, NULL, NULL };

	for (int pass = 0; pass < 2; pass++) {
		const struct needs_known *known = pass ? &k : NULL;
		char *out = NULL, *again = NULL;

		if (needs_check(s, known, &out, NULL) != STATUS_OK) {
			if (out)
				abort();
			continue;
		}
		if (!out || !utf8_valid(out, strlen(out)) ||
		    needs_check(out, known, &again, NULL) != STATUS_OK || strcmp(out, again) != 0)
			abort();
		free(out);
		free(again);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const known[] = {"code", "name", "help", "postcode"};
	struct ingest_csv t;
	struct err e;
	int cols[4];

	if (ingest_csv_parse(&t, "fuzz.csv", data, size, &e) != STATUS_OK) {
		if (e.code == STATUS_OK || e.msg[0] == '\0' || strcmp(e.file, "fuzz.csv") != 0)
			abort();
		ingest_csv_release(&t);
		return 0;
	}
	size_t rows = ingest_csv_rows(&t), ncols = ingest_csv_cols(&t);
	if (ncols == 0 || ncols > INGEST_CSV_MAX_COLUMNS)
		abort();
	int prev = ingest_csv_header_line(&t);
	if (prev < 1)
		abort();
	for (size_t c = 0; c < ncols; c++)
		if (ingest_csv_header(&t, c)[0] == '\0')
			abort();
	for (size_t r = 0; r < rows; r++) {
		int line = ingest_csv_line(&t, r);
		if (line <= prev)
			abort();
		prev = line;
		int next = r + 1 < rows ? ingest_csv_line(&t, r + 1) : INT32_MAX;
		for (size_t c = 0; c < ncols; c++) {
			const char *f = ingest_csv_field(&t, r, c);
			size_t len = strlen(f);
			int at_line, at_col;
			if (!utf8_valid(f, len) || len > INGEST_CSV_FIELD_MAX || strchr(f, '\r'))
				abort();
			ingest_csv_place((const char *)data, size, line, c, &at_line, &at_col);
			if (at_line < line || at_line >= next || at_col < 1)
				abort();
			check_needs(f);
		}
	}
	(void)ingest_csv_map(&t, known, 4, NULL, cols, &e);
	ingest_csv_release(&t);
	return 0;
}
