/*
 * Customer import: check every row first, keep the canonical values in one
 * arena, then add them all in one transaction or not at all.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/ingest.h"
#include "ingest_int.h"

#define NO_VALUE SIZE_MAX

/* Channel codes already checked against the store (most files use few). */
#define CHANNEL_CACHE 16
struct channel_seen {
	char code[48];
	bool ok;
	struct err e;
};
struct channel_cache {
	struct channel_seen seen[CHANNEL_CACHE];
	size_t n;
};

static bool channel_ok(struct store *s, struct channel_cache *cc, const char *code, struct err *e)
{
	for (size_t i = 0; i < cc->n; i++) {
		if (strcmp(cc->seen[i].code, code) == 0) {
			if (!cc->seen[i].ok && e)
				*e = cc->seen[i].e;
			return cc->seen[i].ok;
		}
	}
	struct err local;
	err_clear(&local);
	bool ok = store_ref_check(s, REF_CHANNEL, code, &local) == STATUS_OK;
	if (!ok && local.code == STATUS_OK)
		err_set(&local, STATUS_UNKNOWN_CODE, "unknown channel '%s'", code);
	if (strlen(code) < sizeof cc->seen[0].code) {
		struct channel_seen *slot = &cc->seen[cc->n < CHANNEL_CACHE ? cc->n++ : 0];
		snprintf(slot->code, sizeof slot->code, "%s", code);
		slot->ok = ok;
		slot->e = local;
	}
	if (!ok && e)
		*e = local;
	return ok;
}

/* The arena of checked values: one offset per (row, field), NO_VALUE if unset. */
struct checked {
	struct buf text;
	size_t *off;
};

enum status ingest_customers(struct store *s, const char *path, struct ingest_errors *errs,
			     long *imported)
{
	const char *names[CF_COUNT];
	struct ingest_csv t;
	struct checked ck = {{0}, NULL};
	struct channel_cache cc;
	struct customer *c = NULL;
	int cols[CF_COUNT];
	struct err e;
	enum status rc = STATUS_OK, first = STATUS_OK;
	size_t problems = 0, rows;

	err_clear(&e);
	if (imported)
		*imported = 0;
	for (int f = 0; f < CF_COUNT; f++)
		names[f] = customer_field_name((enum customer_field)f);
	bool required[CF_COUNT] = {false};
	required[CF_name] = true;

	rc = ingest_csv_read_file(&t, path, INGEST_CUSTOMERS_MAX_BYTES, &e);
	if (rc != STATUS_OK) {
		if (e.file[0] == '\0')
			err_at(&e, path, 0, 0);
		ingest_errors_add(errs, &e);
		return rc;
	}
	rc = ingest_csv_map(&t, names, CF_COUNT, required, cols, &e);
	if (rc != STATUS_OK) {
		ingest_errors_add(errs, &e);
		goto out;
	}

	/* Pass 1: check every row, keeping canonical values. */
	rows = ingest_csv_rows(&t);
	buf_init(&ck.text, SIZE_MAX / 2);
	ck.off = xmalloc((rows ? rows : 1) * CF_COUNT * sizeof *ck.off);
	memset(&cc, 0, sizeof cc);
	for (size_t r = 0; r < rows; r++) {
		int line = ingest_csv_line(&t, r);
		for (int f = 0; f < CF_COUNT; f++) {
			size_t *slot = &ck.off[r * CF_COUNT + (size_t)f];
			char *canon = NULL;

			*slot = NO_VALUE;
			if (cols[f] < 0)
				continue;
			const char *v = ingest_csv_field(&t, r, (size_t)cols[f]);
			err_clear(&e);
			if (customer_field_check((enum customer_field)f, v, &canon, &e) !=
			    STATUS_OK) {
				ingest_fail_err(errs, &e, path, line);
				if (problems++ == 0)
					first = e.code;
				continue;
			}
			if (f == CF_name && !canon) {
				ingest_fail(errs, STATUS_INVALID, path, line,
					    "name is empty; every customer needs a name");
				if (problems++ == 0)
					first = STATUS_INVALID;
				continue;
			}
			if (!canon)
				continue;
			if (f == CF_preferred_channel && !channel_ok(s, &cc, canon, &e)) {
				ingest_fail_err(errs, &e, path, line);
				if (problems++ == 0)
					first = e.code;
				free(canon);
				continue;
			}
			*slot = ck.text.len;
			if (buf_add(&ck.text, canon, strlen(canon) + 1) != STATUS_OK)
				die("customer import: value arena full");
			free(canon);
		}
	}
	if (problems) {
		rc = first == STATUS_OK ? STATUS_INVALID : first;
		goto out;
	}

	/* Pass 2: every row is good; write them all or none. */
	store_bulk(s, true);
	rc = store_tx_begin(s, &e);
	if (rc != STATUS_OK) {
		err_at(&e, path, 0, 0);
		ingest_errors_add(errs, &e);
		goto out;
	}
	c = customer_new();
	for (size_t r = 0; r < rows && rc == STATUS_OK; r++) {
		for (int f = 0; f < CF_COUNT; f++) {
			size_t off = ck.off[r * CF_COUNT + (size_t)f];
			customer_set(c, (enum customer_field)f,
				     off == NO_VALUE ? NULL : ck.text.data + off);
		}
		free(c->phone_raw);
		c->phone_raw = cols[CF_phone] >= 0 && c->field[CF_phone]
				   ? text_trim(ingest_csv_field(&t, r, (size_t)cols[CF_phone]))
				   : NULL;
		err_clear(&e);
		rc = store_customer_add(s, c, &e);
		if (rc != STATUS_OK) {
			err_at(&e, path, ingest_csv_line(&t, r), 0);
			ingest_errors_add(errs, &e);
		}
	}
	/* One audit row for the import (the file, how many people), written
	 * in the same transaction: the store does not audit each row of a
	 * bulk write. */
	if (rc == STATUS_OK) {
		char detail[ERR_FILE_MAX + 64];

		snprintf(detail, sizeof detail, "%zu customers from %s", rows, path);
		rc = store_audit(s, "customer.import", "customer", NULL, detail, &e);
		if (rc != STATUS_OK)
			ingest_errors_add(errs, &e);
	}
	{
		struct err e2;
		err_clear(&e2);
		enum status end = store_tx_end(s, rc == STATUS_OK, &e2);
		if (rc == STATUS_OK && end != STATUS_OK) {
			rc = end;
			err_at(&e2, path, 0, 0);
			ingest_errors_add(errs, &e2);
		}
	}
	store_bulk(s, false);
	if (rc == STATUS_OK && imported)
		*imported = (long)rows;
out:
	customer_free(c);
	free(ck.off);
	buf_release(&ck.text);
	ingest_csv_release(&t);
	return rc;
}
