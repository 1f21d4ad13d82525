/*
 * Retention (keep personal data only as long as needed): the schedule's
 * rules (data/retention.csv, read by ingest) applied in one transaction
 * against the injectable clock, with secure_delete. What each pairing of
 * record and action does is in store.h; trimmed audit rows leave a
 * checkpoint row (audit_trim), so the chain still verifies.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const record_names[] = {
#define RR_NAME(n, name) name,
	RETENTION_RECORDS(RR_NAME)
#undef RR_NAME
};

const char *retention_record_name(enum retention_record r)
{
	return (int)r >= 0 && r < RETENTION_RECORD_COUNT ? record_names[r] : "?";
}

const char *retention_action_name(enum retention_action a)
{
	return a == RETENTION_DELETE ? "delete" : "anonymise";
}

int retention_record_find(const char *name)
{
	for (int i = 0; name && i < RETENTION_RECORD_COUNT; i++)
		if (strcmp(name, record_names[i]) == 0)
			return i;
	return -1;
}

int retention_action_find(const char *name)
{
	if (!name)
		return -1;
	if (strcmp(name, "delete") == 0)
		return RETENTION_DELETE;
	if (strcmp(name, "anonymise") == 0 || strcmp(name, "anonymize") == 0)
		return RETENTION_ANONYMISE;
	return -1;
}

enum status retention_period_parse(const char *text, int *amount, char *unit, struct err *e)
{
	static const struct {
		const char *word;
		char unit;
		long max;
	} units[] = {
		{ "d", 'd', 36500 },	{ "day", 'd', 36500 },	 { "days", 'd', 36500 },
		{ "m", 'm', 1200 },	{ "month", 'm', 1200 }, { "months", 'm', 1200 },
		{ "y", 'y', 100 },	{ "year", 'y', 100 },	 { "years", 'y', 100 },
	};
	const char *p = text ? text : "";
	long n = 0;
	int digits = 0;

	while (*p == ' ')
		p++;
	while (*p >= '0' && *p <= '9' && digits < 7) {
		n = n * 10 + (*p++ - '0');
		digits++;
	}
	while (*p == ' ')
		p++;
	for (size_t i = 0; digits && digits < 7 && i < sizeof units / sizeof units[0]; i++) {
		size_t len = strlen(units[i].word);

		if (strncmp(p, units[i].word, len) == 0 && (p[len] == '\0' || p[len] == ' ') &&
		    strspn(p + len, " ") == strlen(p + len)) {
			if (n < 1 || n > units[i].max)
				return err_set(e, STATUS_INVALID,
					       "period '%s' is out of range; give 1 day to 100 years",
					       text);
			*amount = (int)n;
			*unit = units[i].unit;
			return STATUS_OK;
		}
	}
	return err_set(e, STATUS_INVALID,
		       "period '%s' is not a period; write it like 6y, 18m, 30d or 6 years",
		       text ? text : "");
}

enum status retention_rule_check(const struct retention_rule *r, struct err *e)
{
	switch (r->record) {
	case RETENTION_CONTACT:
	case RETENTION_CUSTOMER:
		if (r->action != RETENTION_ANONYMISE)
			return err_set(e, STATUS_INVALID,
				       "%ss can only be anonymised (reports count them); use anonymise",
				       retention_record_name(r->record));
		return STATUS_OK;
	case RETENTION_AUDIT:
	case RETENTION_OUTBOX:
		if (r->action != RETENTION_DELETE)
			return err_set(e, STATUS_INVALID,
				       "%s rows can only be deleted; use delete",
				       retention_record_name(r->record));
		return STATUS_OK;
	case RETENTION_CASE:
		return STATUS_OK;
	default:
		return err_set(e, STATUS_INVALID, "unknown record type in the retention schedule");
	}
}

/* Midnight UTC of (today - the rule's period), as stored times are written. */
static void cutoff_for(const struct retention_rule *r, char out[32])
{
	struct date d = date_from_days(clock_now_ms() / DAY_MS);
	char day[16];

	if (r->unit == 'd') {
		d = date_from_days(date_to_days(d) - r->amount);
	} else {
		int months = r->unit == 'y' ? 12 * r->amount : r->amount;
		int total = d.year * 12 + (d.month - 1) - months;

		d.year = total / 12;
		d.month = total % 12 + 1;
		while (!date_valid(d) && d.day > 28)
			d.day--; /* 29 February, 31 April: the month's last day */
	}
	date_format(d, day, sizeof day);
	snprintf(out, 32, "%sT00:00:00.000Z", day);
}

/* A count query bound to the cutoff. */
static enum status count1(struct store *s, const char *sql, const char *cutoff, long *n,
			  struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql, e);
	int step;

	*n = 0;
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return step == SQLITE_ROW ? STATUS_OK : store_db_error(s, step, "applying retention", e);
}

/* Customers not erased with nothing done for them since cutoff. */
#define IDLE_CUSTOMERS                                                                             \
	" FROM customer c WHERE NOT c.erased AND c.updated_at < ?1"                                \
	" AND NOT EXISTS (SELECT 1 FROM contact WHERE customer_id = c.id AND created_at >= ?1)"  \
	" AND NOT EXISTS (SELECT 1 FROM \"case\" WHERE customer_id = c.id AND (status != 'closed'" \
	"  OR closed_at >= ?1 OR created_at >= ?1))"

#define OLD_CLOSED_CASES " FROM \"case\" WHERE status = 'closed' AND closed_at < ?1"

/* Re-indexes the customers whose cases (and so references) changed. */
static enum status reindex_all(struct store *s, char **ids, size_t n, struct err *e)
{
	enum status rc = STATUS_OK;

	for (size_t i = 0; i < n && !rc; i++)
		rc = search_reindex_customer(s, ids[i], e);
	return rc;
}

/* The ids a query (bound to the cutoff) returns; caller frees each and
 * the array. */
static enum status collect_ids(struct store *s, const char *sql, const char *cutoff,
			       char ***out, size_t *n, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql, e);
	size_t alloc = 0;
	int step;

	*out = NULL;
	*n = 0;
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_TRANSIENT);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			*out = xrealloc(*out, alloc * sizeof **out);
		}
		(*out)[(*n)++] = xstrdup(col_text(st, 0));
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? STATUS_OK : store_db_error(s, step, "applying retention", e);
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static enum status apply_cases(struct store *s, const struct retention_rule *r,
			       const char *cutoff, bool dry_run, long *rows, struct err *e)
{
	char **ids = NULL;
	size_t n = 0;
	enum status rc;

	if (r->action == RETENTION_DELETE)
		rc = count1(s, "SELECT count(*)" OLD_CLOSED_CASES, cutoff, rows, e);
	else
		rc = count1(s,
			    "SELECT count(*)" OLD_CLOSED_CASES " AND (customer_id IS NOT NULL OR"
			    " reason IS NOT '[removed]' OR result IS NOT NULL)",
			    cutoff, rows, e);
	if (rc || dry_run || *rows == 0)
		return rc;
	rc = collect_ids(s,
			 "SELECT DISTINCT customer_id" OLD_CLOSED_CASES " AND customer_id IS NOT NULL",
			 cutoff, &ids, &n, e);
	if (!rc && r->action == RETENTION_DELETE) {
		rc = stmt_run1(s,
			       "DELETE FROM case_event WHERE case_id IN (SELECT id" OLD_CLOSED_CASES ")",
			       cutoff, NULL, "removing old cases", e);
		if (!rc)
			rc = stmt_run1(s, "DELETE" OLD_CLOSED_CASES, cutoff, NULL,
				       "removing old cases", e);
	} else if (!rc) {
		rc = stmt_run1(s,
			       "UPDATE case_event SET note = NULL WHERE note IS NOT NULL AND case_id IN"
			       " (SELECT id" OLD_CLOSED_CASES ")",
			       cutoff, NULL, "anonymising old cases", e);
		if (!rc)
			rc = stmt_run1(s,
				       "UPDATE \"case\" SET customer_id = NULL, reason = '[removed]',"
				       " result = NULL WHERE status = 'closed' AND closed_at < ?1",
				       cutoff, NULL, "anonymising old cases", e);
	}
	if (!rc)
		rc = reindex_all(s, ids, n, e);
	free_ids(ids, n);
	return rc;
}

static enum status apply_customers(struct store *s, const char *cutoff, bool dry_run,
				   long *rows, struct err *e)
{
	char **ids = NULL;
	size_t n = 0;
	enum status rc = count1(s, "SELECT count(*)" IDLE_CUSTOMERS, cutoff, rows, e);

	if (rc || dry_run || *rows == 0)
		return rc;
	rc = collect_ids(s, "SELECT c.id" IDLE_CUSTOMERS, cutoff, &ids, &n, e);
	for (size_t i = 0; i < n && !rc; i++) {
		rc = customer_scrub(s, ids[i], true, NULL, e);
		if (!rc)
			rc = store_audit(s, "customer.erase", "customer", ids[i], "retention", e);
	}
	if (!rc)
		rc = customer_index_purge(s, e);
	free_ids(ids, n);
	return rc;
}

static enum status apply_rule(struct store *s, const struct retention_rule *r,
			      const char *cutoff, bool dry_run, long *rows, struct err *e)
{
	static const char contacts_count[] =
		"SELECT count(*) FROM contact WHERE created_at < ?1 AND (customer_id IS NOT NULL"
		" OR notes IS NOT NULL OR answers IS NOT NULL)";
	enum status rc;

	*rows = 0;
	switch (r->record) {
	case RETENTION_CONTACT:
		rc = count1(s, contacts_count, cutoff, rows, e);
		if (rc || dry_run || *rows == 0)
			return rc;
		rc = stmt_run1(s,
			       "UPDATE contact SET customer_id = NULL, notes = NULL, answers = NULL"
			       " WHERE created_at < ?1 AND (customer_id IS NOT NULL OR notes IS NOT NULL"
			       " OR answers IS NOT NULL)",
			       cutoff, NULL, "anonymising old contacts", e);
		if (!rc)
			rc = stmt_run1(s,
				       "UPDATE visit SET customer_id = NULL WHERE started_at < ?1 AND"
				       " customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contact"
				       " WHERE visit_id = visit.id AND customer_id IS NOT NULL)",
				       cutoff, NULL, "anonymising old visits", e);
		return rc;
	case RETENTION_CASE:
		return apply_cases(s, r, cutoff, dry_run, rows, e);
	case RETENTION_CUSTOMER:
		return apply_customers(s, cutoff, dry_run, rows, e);
	case RETENTION_AUDIT:
		return audit_trim(s, cutoff, dry_run, rows, e);
	case RETENTION_OUTBOX:
		rc = count1(s,
			    "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?1",
			    cutoff, rows, e);
		if (rc || dry_run || *rows == 0)
			return rc;
		return stmt_run1(s, "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?1",
				 cutoff, NULL, "removing sent changes", e);
	default:
		return err_set(e, STATUS_INVALID, "unknown record type in the retention schedule");
	}
}

enum status store_retention_apply(struct store *s, const struct retention_rule *rules,
				  size_t n, bool dry_run,
				  int (*fn)(void *ctx, const struct retention_outcome *o),
				  void *ctx, struct err *e)
{
	struct retention_outcome *done = NULL;
	struct buf detail;
	enum status rc;

	for (size_t i = 0; i < n; i++) {
		rc = retention_rule_check(&rules[i], e);
		if (rc)
			return rc;
	}
	rc = store_require(s, STORE_PERM_RETENTION, "retention", NULL, e);
	if (rc)
		return rc;
	if (!dry_run) {
		rc = store_exec(s, "PRAGMA secure_delete = ON", e);
		if (rc)
			return rc;
	}
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	buf_init(&detail, 0); /* one entry a rule, a rule a record type: no cap needed */
	buf_adds(&detail, dry_run ? "dry run:" : "applied:");
	done = xcalloc(n ? n : 1, sizeof *done);
	for (size_t i = 0; i < n && !rc; i++) {
		done[i].rule = &rules[i];
		cutoff_for(&rules[i], done[i].cutoff);
		rc = apply_rule(s, &rules[i], done[i].cutoff, dry_run, &done[i].rows, e);
		buf_printf(&detail, " %s.%s=%ld", retention_record_name(rules[i].record),
			   retention_action_name(rules[i].action), done[i].rows);
	}
	if (!rc)
		rc = store_audit(s, dry_run ? "retention.check" : "retention.apply", "retention", NULL,
				 buf_str(&detail), e);
	if (rc) {
		store_tx_end(s, false, NULL);
		goto out;
	}
	rc = store_tx_end(s, true, e);
	if (rc)
		goto out;
	if (!dry_run && s->tx_depth == 0)
		store_log_purge(s);
	for (size_t i = 0; i < n && fn; i++)
		if (fn(ctx, &done[i]))
			break;
out:
	free(done);
	buf_release(&detail);
	return rc;
}
