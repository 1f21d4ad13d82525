/*
 * Aggregate reads for the supervisor reports (issue 6). Only counting and
 * listing here; periods, roles, grouping into teams and weeks, shares and
 * costs are src/report's. Every statement is a static string cached by
 * stmt_sql with every value bound; the grouping key is chosen by a bound
 * number, so one statement serves every grouping.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Contacts are counted in C, not with GROUP BY: the rows come in index order
 * from the covering index contact_report, and a small hash table keyed by
 * (key, channel) is about three times faster than SQLite's sorter for the
 * few hundred groups a report has.
 *
 * Contacts in [?1, ?2), optional site ?3 and advisor ?4; ?5 picks the key.
 */
#define SQL_KEY                                                                \
	"CASE ?5 WHEN 1 THEN c.service WHEN 2 THEN c.site WHEN 3 THEN c.advisor"  \
	" WHEN 4 THEN substr(c.created_at, 1, 13)"                             \
	" WHEN 5 THEN coalesce(c.failure_demand, '') ELSE '' END"
#define SQL_RANGE                                                              \
	" c.created_at >= ?1 AND c.created_at < ?2"                            \
	" AND (?3 IS NULL OR c.site = ?3) AND (?4 IS NULL OR c.advisor = ?4)"

static const char sql_tally_rows[] =
	"SELECT " SQL_KEY ", c.channel, c.outcome, c.failure_demand IS NOT NULL"
	" FROM contact c WHERE" SQL_RANGE;

/* Contacts in the range that a later contact corrects: counted once, as the
 * correction, so they are taken away again. */
static const char sql_tally_corrected[] =
	"SELECT " SQL_KEY ", c.channel, c.outcome, c.failure_demand IS NOT NULL"
	" FROM contact x CROSS JOIN contact c ON c.id = x.corrects" /* the few corrections first */
	" WHERE x.corrects IS NOT NULL AND" SQL_RANGE;

/*
 * The audited first-contact resolution: a resolved contact from a known
 * customer is not resolved at first contact when another visit's contact
 * from them about the same service follows within the repeat window (which
 * may reach past the range's end, and need not match the site or advisor
 * filters). Probing an index per resolved contact costs ~7 us each on a big
 * file; instead every known customer's contact in [?1, ?6) comes from the
 * covering index in the same pass that tallies the report's contacts (?2..?4
 * mark those), and the pairs are found in C after a sort by customer and
 * time. Visits are read only for the rare candidate pairs.
 */
static const char sql_tally_fcr_rows[] =
	"SELECT " SQL_KEY ", c.channel, c.outcome, c.failure_demand IS NOT NULL,"
	" c.created_at < ?2 AND (?3 IS NULL OR c.site = ?3) AND (?4 IS NULL OR c.advisor = ?4),"
	" c.num, c.customer_id, c.service, c.created_at"
	" FROM contact c INDEXED BY contact_report"
	" WHERE c.created_at >= ?1 AND c.created_at < ?6";
static const char sql_visit_of[] =
	"SELECT visit_id, id IN (SELECT corrects FROM contact WHERE corrects IS NOT NULL)"
	" FROM contact WHERE num = ?1";

struct tally_slot {
	char *key, *channel;
	unsigned long hash;
	struct store_report_tally t;
};
struct tally_map {
	struct tally_slot *slot;
	size_t n, cap; /* cap a power of two, at most half full */
};

static unsigned long tally_hash(const char *a, const char *b)
{
	unsigned long h = 2166136261u;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 16777619u;
	return h;
}

static void tally_grow(struct tally_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct tally_slot *slot = xcalloc(cap, sizeof *slot);

	for (size_t k = 0; k < m->cap; k++) {
		size_t i;

		if (!m->slot[k].key)
			continue;
		for (i = m->slot[k].hash & (cap - 1); slot[i].key; i = (i + 1) & (cap - 1))
			;
		slot[i] = m->slot[k];
	}
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
}

static struct store_report_tally *tally_find(struct tally_map *m, const char *key,
					     const char *channel)
{
	unsigned long h = tally_hash(key, channel);
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		tally_grow(m);
	for (i = h & (m->cap - 1); m->slot[i].key; i = (i + 1) & (m->cap - 1))
		if (m->slot[i].hash == h && strcmp(m->slot[i].key, key) == 0 &&
		    strcmp(m->slot[i].channel, channel) == 0)
			return &m->slot[i].t;
	m->slot[i].key = xstrdup(key);
	m->slot[i].channel = xstrdup(channel);
	m->slot[i].hash = h;
	m->n++;
	return &m->slot[i].t;
}

static void tally_release(struct tally_map *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		free(m->slot[i].key);
		free(m->slot[i].channel);
	}
	free(m->slot);
}

/* Filled slots first, in (key, channel) order. */
static int slot_cmp(const void *pa, const void *pb)
{
	const struct tally_slot *a = pa, *b = pb;
	int c;

	if (!a->key || !b->key)
		return (a->key == NULL) - (b->key == NULL);
	c = strcmp(a->key, b->key);
	return c ? c : strcmp(a->channel, b->channel);
}

static void bind_range(sqlite3_stmt *st, const struct store_report_range *r)
{
	sqlite3_bind_text(st, 1, r->from_utc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->to_utc, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, r->site);
	bind_text_or_null(st, 4, r->advisor);
}

static enum status check_range(const struct store_report_range *r, struct err *e)
{
	if (!r || !r->from_utc || !r->to_utc)
		return err_set(e, STATUS_INVALID, "a report needs a period (from and to)");
	return STATUS_OK;
}

static void tally_add(struct store_report_tally *t, const char *outcome, bool failure, int sign)
{
	t->contacts += sign;
	if (strcmp(outcome, OUTCOME_RESOLVED) == 0)
		t->resolved += sign;
	else if (strcmp(outcome, OUTCOME_REFERRED) == 0)
		t->referred += sign;
	else if (strcmp(outcome, "signposted") == 0)
		t->signposted += sign;
	else if (strcmp(outcome, "assisted-digital") == 0)
		t->assisted_digital += sign;
	else if (strcmp(outcome, "abandoned") == 0)
		t->abandoned += sign;
	if (failure)
		t->failure += sign;
}

/* Adds (sign +1) or takes away (-1) each row of a tally query. */
static enum status tally_run(struct store *s, const char *sql, const struct store_report_range *r,
			     enum store_report_key key, int sign, struct tally_map *m,
			     struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql, e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	bind_range(st, r);
	sqlite3_bind_int(st, 5, (int)key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_report_tally *t = tally_find(m, col_text(st, 0), col_text(st, 1));
		const char *outcome;

		outcome = col_text(st, 2);
		tally_add(t, outcome, sqlite3_column_int(st, 3) != 0, sign);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_error(s, rc, "counting contacts for a report", e);
	return STATUS_OK;
}

/* One known customer's contact for the repeat pass; strings in one block. */
struct cust_contact {
	sqlite3_int64 num;
	const char *customer, *service, *created, *key, *channel;
	int64_t ms;
	bool counted; /* resolved, in the range and the filters */
};

static int cust_contact_cmp(const void *pa, const void *pb)
{
	const struct cust_contact *a = pa, *b = pb;
	int c = strcmp(a->customer, b->customer);

	if (c)
		return c;
	c = strcmp(a->created, b->created);
	return c ? c : (a->num > b->num) - (a->num < b->num);
}

/* The visit of contact num into out; *corrected when another corrects it. */
static enum status visit_of(struct store *s, sqlite3_int64 num, char *out, size_t outsz,
			    bool *corrected, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql_visit_of, e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_int64(st, 1, num);
	rc = sqlite3_step(st);
	out[0] = '\0';
	*corrected = false;
	if (rc == SQLITE_ROW) {
		snprintf(out, outsz, "%s", col_text(st, 0));
		*corrected = sqlite3_column_int(st, 1) != 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading a contact's visit", e);
	return STATUS_OK;
}

/* Tallies the range (as sql_tally_rows would) and takes each counted
 * resolution that a repeat undoes off resolved_first. */
static enum status repeats_run(struct store *s, const struct store_report_range *r,
			       enum store_report_key key, int repeat_days, struct tally_map *m,
			       struct err *e)
{
	const int64_t window = (int64_t)repeat_days * 86400000LL;
	struct cust_contact *row = NULL;
	size_t n = 0, alloc = 0;
	sqlite3_stmt *st;
	char until[32];
	int64_t hi_ms;
	enum status status = STATUS_OK;
	int rc;

	if (time_parse_utc(r->to_utc, &hi_ms) != STATUS_OK)
		return err_set(e, STATUS_INVALID, "report range end '%s' is not a UTC time",
			       r->to_utc);
	time_format_utc(hi_ms + window, until, sizeof until);
	st = stmt_sql(s, sql_tally_fcr_rows, e);
	if (!st)
		return e ? e->code : STATUS_DB;
	bind_range(st, r);
	sqlite3_bind_int(st, 5, (int)key);
	sqlite3_bind_text(st, 6, until, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *outcome = col_text(st, 2);
		bool counted = sqlite3_column_int(st, 4) != 0;
		const char *f[5] = { col_text(st, 6), col_text(st, 7), col_text(st, 8),
				     col_text(st, 0), col_text(st, 1) };
		size_t len[5], total = 0;
		char *block, *p;

		if (counted)
			tally_add(tally_find(m, f[3], f[4]), outcome,
				  sqlite3_column_int(st, 3) != 0, 1);
		if (sqlite3_column_type(st, 6) == SQLITE_NULL)
			continue; /* anonymous: no repeat to find */

		for (int i = 0; i < 5; i++)
			total += (len[i] = strlen(f[i])) + 1;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 4096;
			row = xrealloc(row, alloc * sizeof *row);
		}
		p = block = xmalloc(total);
		for (int i = 0; i < 5; i++) {
			memcpy(p, f[i], len[i] + 1);
			p += len[i] + 1;
		}
		row[n].num = sqlite3_column_int64(st, 5);
		row[n].customer = block;
		row[n].service = block + len[0] + 1;
		row[n].created = row[n].service + len[1] + 1;
		row[n].key = row[n].created + len[2] + 1;
		row[n].channel = row[n].key + len[3] + 1;
		row[n].counted = counted && strcmp(outcome, OUTCOME_RESOLVED) == 0;
		if (time_parse_utc(row[n].created, &row[n].ms) != STATUS_OK)
			row[n].ms = 0;
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		status = store_db_error(s, rc, "reading customers' contacts for a report", e);
	if (!status && n)
		qsort(row, n, sizeof *row, cust_contact_cmp);
	for (size_t i = 0; !status && i < n; i++) {
		char visit_i[UUID_STR_LEN + 1] = "";
		bool corrected = false;

		if (!row[i].counted)
			continue;
		for (size_t j = i + 1; !status && j < n; j++) {
			char visit_j[UUID_STR_LEN + 1];
			bool corr_j;

			if (strcmp(row[j].customer, row[i].customer) != 0 ||
			    row[j].ms > row[i].ms + window)
				break;
			if (strcmp(row[j].service, row[i].service) != 0 ||
			    strcmp(row[j].created, row[i].created) <= 0)
				continue;
			if (!visit_i[0]) {
				status = visit_of(s, row[i].num, visit_i, sizeof visit_i, &corrected, e);
				if (status || corrected)
					break; /* a corrected contact is not counted at all */
			}
			status = visit_of(s, row[j].num, visit_j, sizeof visit_j, &corr_j, e);
			if (!status && !corr_j && strcmp(visit_i, visit_j) != 0) {
				tally_find(m, row[i].key, row[i].channel)->resolved_first -= 1;
				break;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		free((char *)row[i].customer);
	free(row);
	return status;
}

enum status store_report_tally(struct store *s, const struct store_report_range *r,
			       enum store_report_key key, int repeat_days,
			       int (*fn)(void *ctx, const struct store_report_tally *t), void *ctx,
			       struct err *e)
{
	struct tally_map m = { 0 };
	enum status rc;

	if (check_range(r, e))
		return STATUS_INVALID;
	if (repeat_days > 0)
		rc = repeats_run(s, r, key, repeat_days, &m, e);
	else
		rc = tally_run(s, sql_tally_rows, r, key, 1, &m, e);
	if (!rc)
		rc = tally_run(s, sql_tally_corrected, r, key, -1, &m, e);
	if (!rc && m.n) {
		qsort(m.slot, m.cap, sizeof *m.slot, slot_cmp);
		for (size_t i = 0; i < m.n; i++) {
			struct store_report_tally t = m.slot[i].t;

			t.key = m.slot[i].key;
			t.channel = m.slot[i].channel;
			/* resolved_first held minus the repeats */
			t.resolved_first = repeat_days > 0 ? t.resolved + t.resolved_first : 0;
			if (t.contacts == 0)
				continue; /* only corrected contacts fell here */
			if (fn(ctx, &t))
				break;
		}
	}
	tally_release(&m);
	return rc;
}

static const char sql_channels[] = "SELECT code, unit_cost_pence, digital FROM channel ORDER BY code";

enum status store_report_channels(struct store *s,
				  int (*fn)(void *ctx, const struct store_report_channel *c),
				  void *ctx, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql_channels, e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_report_channel c = {
			.code = col_text(st, 0),
			.unit_cost_pence = (long)sqlite3_column_int64(st, 1),
			.digital = sqlite3_column_int(st, 2) != 0,
		};
		if (fn(ctx, &c))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading channels", e);
	return STATUS_OK;
}

static const char sql_service_teams[] = "SELECT code, team FROM service ORDER BY code";

enum status store_report_service_teams(struct store *s,
				       int (*fn)(void *ctx, const char *service, const char *team),
				       void *ctx, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql_service_teams, e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, col_text(st, 0), col_text(st, 1)))
			break;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading services", e);
	return STATUS_OK;
}

/* Cases created in [?1, ?2) with their events, one row per event (a case
 * with none still gives one row). Site ?3 and advisor ?4 filter through the
 * contact that raised the case. */
static const char sql_cases[] =
	"SELECT k.id, k.team, k.service, k.status, k.due_date, k.created_at, k.closed_at,"
	" k.paused_days, e.status, e.at"
	" FROM \"case\" k LEFT JOIN case_event e ON e.case_id = k.id"
	" WHERE k.created_at >= ?1 AND k.created_at < ?2"
	" AND (?3 IS NULL AND ?4 IS NULL OR EXISTS (SELECT 1 FROM contact c"
	"   WHERE c.id = k.contact_id AND (?3 IS NULL OR c.site = ?3)"
	"   AND (?4 IS NULL OR c.advisor = ?4)))"
	" ORDER BY k.created_at, k.num, e.at, e.rowid";

struct case_acc {
	char *id, *team, *service, *status, *due, *created, *closed;
	long paused;
	char **ev_status, **ev_at;
	size_t n, alloc;
};

static void case_acc_clear(struct case_acc *a)
{
	free(a->id);
	free(a->team);
	free(a->service);
	free(a->status);
	free(a->due);
	free(a->created);
	free(a->closed);
	for (size_t i = 0; i < a->n; i++) {
		free(a->ev_status[i]);
		free(a->ev_at[i]);
	}
	a->id = a->team = a->service = a->status = a->due = a->created = a->closed = NULL;
	a->n = 0;
}

static int case_acc_emit(struct case_acc *a,
			 int (*fn)(void *ctx, const struct store_report_case *c), void *ctx)
{
	struct store_report_case c = {
		.id = a->id,
		.team = a->team,
		.service = a->service,
		.status = a->status,
		.due_date = a->due,
		.created_at = a->created,
		.closed_at = a->closed,
		.paused_days = a->paused,
		.nevents = a->n,
		.event_status = (const char *const *)a->ev_status,
		.event_at = (const char *const *)a->ev_at,
	};
	return fn(ctx, &c);
}

enum status store_report_cases(struct store *s, const struct store_report_range *r,
			       int (*fn)(void *ctx, const struct store_report_case *c), void *ctx,
			       struct err *e)
{
	struct case_acc a = { 0 };
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (check_range(r, e))
		return STATUS_INVALID;
	st = stmt_sql(s, sql_cases, e);
	if (!st)
		return e ? e->code : STATUS_DB;
	bind_range(st, r);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = col_text(st, 0), *ev = col_text_or_null(st, 8);

		if (!a.id || strcmp(a.id, id) != 0) {
			if (a.id && (stop = case_acc_emit(&a, fn, ctx)) != 0)
				break;
			case_acc_clear(&a);
			a.id = xstrdup(id);
			a.team = xstrdup(col_text(st, 1));
			a.service = xstrdup(col_text(st, 2));
			a.status = xstrdup(col_text(st, 3));
			a.due = xstrdup(col_text(st, 4));
			a.created = xstrdup(col_text(st, 5));
			a.closed = col_text_or_null(st, 6) ? xstrdup(col_text(st, 6)) : NULL;
			a.paused = (long)sqlite3_column_int64(st, 7);
		}
		if (ev) {
			if (a.n == a.alloc) {
				a.alloc = a.alloc ? a.alloc * 2 : 8;
				a.ev_status = xrealloc(a.ev_status, a.alloc * sizeof *a.ev_status);
				a.ev_at = xrealloc(a.ev_at, a.alloc * sizeof *a.ev_at);
			}
			a.ev_status[a.n] = xstrdup(ev);
			a.ev_at[a.n++] = xstrdup(col_text(st, 9));
		}
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE && a.id)
		case_acc_emit(&a, fn, ctx);
	case_acc_clear(&a);
	free(a.ev_status);
	free(a.ev_at);
	if (!stop && rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading cases for a report", e);
	return STATUS_OK;
}

/* The contacts behind a count; every filter bound, NULL filters nothing. */
static const char sql_drill[] =
	"SELECT c.id, c.created_at, c.service, c.site, c.channel, c.advisor, c.outcome,"
	" c.failure_demand, c.customer_id, CASE WHEN cu.erased THEN NULL ELSE cu.name END,"
	" (SELECT k.reference FROM \"case\" k WHERE k.contact_id = c.id ORDER BY k.num LIMIT 1)"
	" FROM contact c LEFT JOIN customer cu ON cu.id = c.customer_id"
	" WHERE c.created_at >= ?1 AND c.created_at < ?2"
	" AND (?3 IS NULL OR c.site = ?3) AND (?4 IS NULL OR c.advisor = ?4)"
	" AND (?5 IS NULL OR c.outcome = ?5) AND (?6 = 0 OR c.failure_demand IS NOT NULL)"
	" AND (?7 IS NULL OR c.service = ?7)"
	" AND (?8 IS NULL OR c.service IN (SELECT code FROM service WHERE team = ?8))"
	" AND (?9 IS NULL OR c.channel = ?9) AND (?10 IS NULL OR c.failure_demand = ?10)"
	" AND c.id NOT IN (SELECT corrects FROM contact WHERE corrects IS NOT NULL)"
	" ORDER BY c.created_at, c.num LIMIT ?11";

enum status store_report_contacts(struct store *s, const struct store_report_drill *d,
				  int (*fn)(void *ctx, const struct store_report_contact *c),
				  void *ctx, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (!d || check_range(&d->range, e))
		return STATUS_INVALID;
	st = stmt_sql(s, sql_drill, e);
	if (!st)
		return e ? e->code : STATUS_DB;
	bind_range(st, &d->range);
	bind_text_or_null(st, 5, d->outcome);
	sqlite3_bind_int(st, 6, d->failure_only ? 1 : 0);
	bind_text_or_null(st, 7, d->service);
	bind_text_or_null(st, 8, d->team);
	bind_text_or_null(st, 9, d->channel);
	bind_text_or_null(st, 10, d->failure);
	sqlite3_bind_int64(st, 11, d->limit > 0 ? d->limit : 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_report_contact c = {
			.id = col_text(st, 0),
			.created_at = col_text(st, 1),
			.service = col_text(st, 2),
			.site = col_text(st, 3),
			.channel = col_text(st, 4),
			.advisor = col_text(st, 5),
			.outcome = col_text(st, 6),
			.failure = col_text_or_null(st, 7),
			.customer_id = col_text_or_null(st, 8),
			.customer_name = col_text_or_null(st, 9),
			.case_reference = col_text_or_null(st, 10),
		};
		if (fn(ctx, &c))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "listing the contacts behind a report", e);
	return STATUS_OK;
}

/* ---- the target channel mix -------------------------------------------- */

enum status store_report_mix_parse(const char *text, struct store_report_share *out, size_t *n,
				   struct err *e)
{
	const char *p = text ? text : "";
	long total = 0;

	*n = 0;
	while (*p) {
		const char *colon = strchr(p, ':'), *end = strchr(p, ',');
		size_t len;
		char num[16];
		long pct;

		if (!end)
			end = p + strlen(p);
		if (!colon || colon > end || colon == p)
			return err_set(e, STATUS_INVALID,
				       "channel mix '%s' must be CHANNEL:PERCENT pairs separated by commas, like web:60,phone:40",
				       text);
		len = (size_t)(colon - p);
		if (len >= sizeof out[0].channel || *n == STORE_MIX_MAX)
			return err_set(e, STATUS_INVALID, "channel mix '%s' is too long", text);
		if ((size_t)(end - colon - 1) >= sizeof num)
			return err_set(e, STATUS_INVALID, "channel mix '%s': a percent is too long",
				       text);
		memcpy(num, colon + 1, (size_t)(end - colon - 1));
		num[end - colon - 1] = '\0';
		if (valid_int("channel mix percent", num, 0, 100, &pct, e))
			return STATUS_INVALID;
		memcpy(out[*n].channel, p, len);
		out[*n].channel[len] = '\0';
		for (size_t i = 0; i < *n; i++)
			if (strcmp(out[i].channel, out[*n].channel) == 0)
				return err_set(e, STATUS_INVALID,
					       "channel mix '%s' names '%s' twice", text,
					       out[i].channel);
		out[(*n)++].percent = pct;
		total += pct;
		p = *end ? end + 1 : end;
	}
	if (*n == 0 || total != 100)
		return err_set(e, STATUS_INVALID,
			       "channel mix '%s' adds up to %ld%%; the shares must add up to 100",
			       text ? text : "", total);
	return STATUS_OK;
}

enum status store_report_mix_check(struct store *s, const char *text, struct err *e)
{
	struct store_report_share shares[STORE_MIX_MAX];
	size_t n;
	enum status rc = store_report_mix_parse(text, shares, &n, e);

	for (size_t i = 0; !rc && i < n; i++)
		rc = store_ref_check(s, REF_CHANNEL, shares[i].channel, e);
	return rc;
}
