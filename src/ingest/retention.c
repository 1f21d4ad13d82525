/*
 * The retention schedule: data/retention.csv read with the strict
 * CSV reader, every row checked (record type, period, action and their
 * pairing), every problem reported as FILE:LINE.
 */
#include <stdlib.h>
#include <string.h>

#include "frontdesk/ingest.h"
#include "frontdesk/store.h"

#define RETENTION_MAX_BYTES (64u * 1024u)

static void problem(struct err_list *errs, const struct err *why, const char *file,
		    int line, enum status *first)
{
	struct err e = *why;

	err_at(&e, file, line, 0);
	err_list_add(errs, &e);
	if (*first == STATUS_OK)
		*first = e.code ? e.code : STATUS_INVALID;
}

enum status ingest_retention_read(const char *path, struct retention_rule **out, size_t *n,
				  struct err_list *errs)
{
	static const char *const known[] = { "record_type", "period", "action", "note" };
	static const bool required[] = { true, true, true, false };
	struct ingest_csv t = { 0 };
	struct retention_rule *rules = NULL;
	bool seen[RETENTION_RECORD_COUNT] = { false };
	enum status first = STATUS_OK;
	int cols[4];
	size_t rows, k = 0;
	struct err e;

	*out = NULL;
	*n = 0;
	err_clear(&e);
	if (ingest_csv_read_file(&t, path, RETENTION_MAX_BYTES, &e) != STATUS_OK ||
	    ingest_csv_map(&t, known, 4, required, cols, &e) != STATUS_OK) {
		err_list_add(errs, &e);
		ingest_csv_release(&t);
		return e.code ? e.code : STATUS_PARSE;
	}
	rows = ingest_csv_rows(&t);
	rules = xcalloc(rows ? rows : 1, sizeof *rules);
	for (size_t r = 0; r < rows; r++) {
		const char *type = ingest_csv_field(&t, r, (size_t)cols[0]);
		const char *period = ingest_csv_field(&t, r, (size_t)cols[1]);
		const char *action = ingest_csv_field(&t, r, (size_t)cols[2]);
		int line = ingest_csv_line(&t, r);
		struct retention_rule *rule = &rules[k];
		int rec = retention_record_find(type), act = retention_action_find(action);

		err_clear(&e);
		if (rec < 0) {
			err_set(&e, STATUS_INVALID,
				"record type '%s' is not one retention knows; use contact, case, "
				"customer, audit or outbox",
				type);
			problem(errs, &e, path, line, &first);
			continue;
		}
		if (act < 0) {
			err_set(&e, STATUS_INVALID, "action '%s' is not one; use delete or anonymise",
				action);
			problem(errs, &e, path, line, &first);
			continue;
		}
		if (seen[rec]) {
			err_set(&e, STATUS_INVALID, "record type '%s' is listed twice; keep one line",
				type);
			problem(errs, &e, path, line, &first);
			continue;
		}
		rule->record = (enum retention_record)rec;
		rule->action = (enum retention_action)act;
		rule->line = line;
		if (retention_period_parse(period, &rule->amount, &rule->unit, &e) != STATUS_OK ||
		    retention_rule_check(rule, &e) != STATUS_OK) {
			problem(errs, &e, path, line, &first);
			continue;
		}
		seen[rec] = true;
		k++;
	}
	ingest_csv_release(&t);
	if (first != STATUS_OK) {
		free(rules);
		return first;
	}
	*out = rules;
	*n = k;
	return STATUS_OK;
}
