/*
 * The desk's store as a report source (struct report_source, report.h):
 * the aggregate reads the supervisor reports are computed from, the
 * contacts behind a count, and this store's audit trail for what the
 * report engine audits. Only counting and listing here; periods, roles,
 * grouping into teams and weeks, shares and costs are src/report's. Every statement is a static string cached by
 * stmt_sql with every value bound; the grouping key is chosen by a bound
 * number, so one statement serves every grouping.
 */
#include <stdlib.h>
#include <string.h>

#include "frontdesk/report.h"
#include "internal.h"

/*
 * Counting contacts. contact_tally (schema 5) holds the counts per UTC day
 * (per hour for REPORT_TALLY_HOUR), key and channel, kept by triggers. A report adds
 * up those rows for the whole days of its range and reads contacts only for
 * the part days at either end (a London day starts at 23:00 UTC in summer),
 * so a year costs about what a day does. A range whose filters the sums do
 * not hold (an advisor's figures by service) reads every contact in it from
 * the covering index contact_report instead.
 *
 * Contacts are counted in C, not with GROUP BY: a small hash table keyed by
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

/* The kept counts of kind ?1 for periods [?2, ?3), of key ?5 alone when it
 * is not NULL; ?4 blanks the key (REPORT_TALLY_NONE sums every key of a kind). */
static const char sql_tally_sums[] =
	"SELECT CASE WHEN ?4 THEN '' ELSE key END, channel, contacts, resolved, referred,"
	" signposted, assisted_digital, abandoned, failure"
	" FROM contact_tally WHERE kind = ?1 AND period >= ?2 AND period < ?3"
	" AND (?5 IS NULL OR key = ?5)";

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
 * filters). Only contacts marked repeated (the customer has contacted about
 * the service more than once, ever) can be either side of that, and the
 * partial index contact_repeat holds just those. One pass over it in time
 * order, from the range's start to the window past its end: each
 * resolution in the range waits in its (customer, service) group until a
 * later contact of the group comes within the window, or the window passes.
 * Only for such pairs, which are few, are the two contacts read by rowid
 * (visits, corrections, filters, key). Probing an index per resolution
 * instead costs ~7 us each on a big file, and sorting every customer's
 * contacts in C costs more than the pass.
 *
 * Contacts in [?1, ?3); the fourth column marks resolutions before ?2.
 */
static const char sql_repeat_rows[] =
	"SELECT num, customer_id, service, outcome = 'resolved' AND created_at < ?2, created_at"
	" FROM contact INDEXED BY contact_repeat"
	" WHERE customer_id IS NOT NULL AND repeated AND created_at >= ?1 AND created_at < ?3";
/* Contact ?6: its visit, whether another corrects it, whether it passes the
 * filters ?3 and ?4, its key (?5), channel, customer and service. */
static const char sql_repeat_contact[] =
	"SELECT c.visit_id, EXISTS (SELECT 1 FROM contact x WHERE x.corrects = c.id),"
	" (?3 IS NULL OR c.site = ?3) AND (?4 IS NULL OR c.advisor = ?4), " SQL_KEY ", c.channel,"
	" c.customer_id, c.service FROM contact c WHERE c.num = ?6";

/* Counts by (key, channel): the counts in one dense array (key and channel
 * owned by the map), found through a small table of 8-byte slots, so that
 * growing it moves little memory (an hourly report over a quarter has
 * ~15,000 of them). */
struct tally_slot {
	uint32_t hash;
	uint32_t entry; /* index + 1; 0: an empty slot */
};
struct tally_map {
	struct report_tally *entry;
	size_t n, alloc;
	struct tally_slot *slot;
	size_t cap; /* a power of two, at most half full */
};

static uint32_t tally_hash(const char *a, const char *b)
{
	uint32_t h = 2166136261u;

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

		if (!m->slot[k].entry)
			continue;
		for (i = m->slot[k].hash & (cap - 1); slot[i].entry; i = (i + 1) & (cap - 1))
			;
		slot[i] = m->slot[k];
	}
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
}

static struct report_tally *tally_find(struct tally_map *m, const char *key,
					     const char *channel)
{
	uint32_t h = tally_hash(key, channel);
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		tally_grow(m);
	for (i = h & (m->cap - 1); m->slot[i].entry; i = (i + 1) & (m->cap - 1)) {
		struct report_tally *t = &m->entry[m->slot[i].entry - 1];

		if (m->slot[i].hash == h && strcmp(t->key, key) == 0 &&
		    strcmp(t->channel, channel) == 0)
			return t;
	}
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 64;
		m->entry = xrealloc(m->entry, m->alloc * sizeof *m->entry);
	}
	m->entry[m->n] = (struct report_tally){ .key = xstrdup(key),
						      .channel = xstrdup(channel) };
	m->slot[i] = (struct tally_slot){ h, (uint32_t)++m->n };
	return &m->entry[m->n - 1];
}

/* Frees the map's strings and arrays and leaves it empty. */
static void tally_release(struct tally_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free((char *)m->entry[i].key);
		free((char *)m->entry[i].channel);
	}
	free(m->entry);
	free(m->slot);
	*m = (struct tally_map){ 0 };
}

/* In (key, channel) order. */
static int tally_cmp(const void *pa, const void *pb)
{
	const struct report_tally *a = *(const struct report_tally *const *)pa;
	const struct report_tally *b = *(const struct report_tally *const *)pb;
	int c = strcmp(a->key, b->key);

	return c ? c : strcmp(a->channel, b->channel);
}

static void bind_range(sqlite3_stmt *st, const struct report_range *r)
{
	sqlite3_bind_text(st, 1, r->from_utc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->to_utc, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, r->site);
	bind_text_or_null(st, 4, r->advisor);
}

static enum status check_range(const struct report_range *r, struct err *e)
{
	if (!r || !r->from_utc || !r->to_utc)
		return err_set(e, STATUS_INVALID, "a report needs a period (from and to)");
	return STATUS_OK;
}

static void tally_add(struct report_tally *t, const char *outcome, bool failure, int sign)
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
static enum status tally_run(struct store *s, const char *sql, const struct report_range *r,
			     enum report_tally_key key, int sign, struct tally_map *m,
			     struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql, e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	bind_range(st, r);
	sqlite3_bind_int(st, 5, (int)key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct report_tally *t = tally_find(m, col_text(st, 0), col_text(st, 1));
		const char *outcome;

		outcome = col_text(st, 2);
		tally_add(t, outcome, sqlite3_column_int(st, 3) != 0, sign);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_error(s, rc, "counting contacts for a report", e);
	return STATUS_OK;
}

/* The kind of contact_tally row that holds key under r's filters, and the
 * one key of it to read (NULL: all); false when no kind holds them (both
 * filters, or a filter on another column than the key). */
static bool sums_kind(const struct report_range *r, enum report_tally_key key, int *kind,
		      const char **only)
{
	*only = NULL;
	if (r->site && r->advisor)
		return false;
	if (r->site || r->advisor) {
		enum report_tally_key filter = r->site ? REPORT_TALLY_SITE : REPORT_TALLY_ADVISOR;

		if (key != REPORT_TALLY_NONE && key != filter)
			return false;
		*kind = (int)filter;
		*only = r->site ? r->site : r->advisor;
		return true;
	}
	*kind = (int)(key == REPORT_TALLY_NONE ? REPORT_TALLY_SITE : key); /* sites: the fewest rows */
	return true;
}

/*
 * The whole periods (unit_ms long: days or hours) inside [from, to) as
 * times *lo <= *hi, each "YYYY-MM-DDTHH:00:00.000Z" (its first 10 or 13
 * characters name the period). False when there are none, or when from or
 * to is not a time as the store writes it (then text and time order could
 * disagree at the edges).
 */
static bool whole_periods(const char *from, const char *to, int64_t unit_ms, char *lo, char *hi,
			  size_t sz)
{
	int64_t a, b;

	if (time_parse_utc(from, &a) != STATUS_OK || time_parse_utc(to, &b) != STATUS_OK)
		return false;
	time_format_utc(a, lo, sz);
	time_format_utc(b, hi, sz);
	if (strcmp(lo, from) != 0 || strcmp(hi, to) != 0 || a < 0)
		return false;
	a = (a + unit_ms - 1) / unit_ms * unit_ms;
	b = b / unit_ms * unit_ms;
	if (a >= b)
		return false;
	time_format_utc(a, lo, sz);
	time_format_utc(b, hi, sz);
	return true;
}

/* Adds the kept counts of kind for the periods [lo, hi) (the first
 * period_len characters of each). */
static enum status sums_run(struct store *s, int kind, const char *only, bool blank,
			    const char *lo, const char *hi, size_t period_len, struct tally_map *m,
			    struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql_tally_sums, e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_int(st, 1, kind);
	sqlite3_bind_text(st, 2, lo, (int)period_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hi, (int)period_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, blank);
	bind_text_or_null(st, 5, only);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct report_tally *t = tally_find(m, col_text(st, 0), col_text(st, 1));

		t->contacts += (long)sqlite3_column_int64(st, 2);
		t->resolved += (long)sqlite3_column_int64(st, 3);
		t->referred += (long)sqlite3_column_int64(st, 4);
		t->signposted += (long)sqlite3_column_int64(st, 5);
		t->assisted_digital += (long)sqlite3_column_int64(st, 6);
		t->abandoned += (long)sqlite3_column_int64(st, 7);
		t->failure += (long)sqlite3_column_int64(st, 8);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_error(s, rc, "adding up contact counts for a report", e);
	return STATUS_OK;
}

/* Counts every contact in r (corrected ones too) into m. */
static enum status tally_count(struct store *s, const struct report_range *r,
			       enum report_tally_key key, struct tally_map *m, struct err *e)
{
	bool hourly = key == REPORT_TALLY_HOUR;
	char lo[32], hi[32];
	const char *only;
	int kind;
	enum status rc = STATUS_OK;

	if (!sums_kind(r, key, &kind, &only) ||
	    !whole_periods(r->from_utc, r->to_utc, hourly ? 3600000 : 86400000, lo, hi, sizeof lo))
		return tally_run(s, sql_tally_rows, r, key, 1, m, e);
	if (strcmp(r->from_utc, lo) < 0) {
		struct report_range head = { r->from_utc, lo, r->site, r->advisor };

		rc = tally_run(s, sql_tally_rows, &head, key, 1, m, e);
	}
	if (!rc && strcmp(hi, r->to_utc) < 0) {
		struct report_range tail = { hi, r->to_utc, r->site, r->advisor };

		rc = tally_run(s, sql_tally_rows, &tail, key, 1, m, e);
	}
	if (!rc)
		rc = sums_run(s, kind, only, key == REPORT_TALLY_NONE, lo, hi, hourly ? 13 : 10, m, e);
	return rc;
}

/* What is read of a contact when a resolution first meets a repeat: the
 * visit, whether it counts (under the filters, not corrected) with its key
 * and channel, and the customer and service, to tell apart two that share
 * a hash. Few: pairs are rare. */
struct repeat_facts {
	bool counts, corrected;
	char visit[UUID_STR_LEN + 1];
	char *key, *channel, *customer, *service;
};
/* A resolution waiting for a repeat: small, since a window's worth of them
 * are in play while every contact passes. */
struct repeat_wait {
	int64_t ms;
	sqlite3_int64 num;
	uint32_t seq; /* the pass's count of distinct created_at texts so far */
	int next;     /* the next waiting in its group (or free), -1 for none */
	int facts;    /* its facts once read, else -1 */
};
/* A (customer, service) by hash, with its waiting resolutions. Two that
 * share a hash share a group; the facts tell them apart. */
struct repeat_group {
	uint32_t hash; /* 0: an empty slot */
	int first;
};
struct repeat_pass {
	struct store *s;
	const struct report_range *r;
	enum report_tally_key key;
	int64_t window;
	struct repeat_group *group; /* open addressing, at most half full */
	size_t ngroups, cap;
	struct repeat_wait *wait;
	size_t nwaits, alloc;
	int *free; /* waits to reuse (a stack, so the hot end is reused) */
	size_t nfree;
	struct repeat_facts *facts;
	size_t nfacts, facts_alloc;
};

/* Mixes text into h eight bytes at a time (every contact is hashed). */
static uint64_t hash_text(uint64_t h, const char *text)
{
	size_t n = strlen(text);
	uint64_t word;

	for (; n >= 8; n -= 8, text += 8) {
		memcpy(&word, text, 8);
		h = (h ^ word) * 0x9e3779b97f4a7c15u;
		h ^= h >> 32;
	}
	word = 0;
	memcpy(&word, text, n);
	word ^= (uint64_t)n << 56; /* the length, so "ab" + "c" differs from "a" + "bc" */
	h = (h ^ word) * 0x9e3779b97f4a7c15u;
	return h ^ (h >> 29);
}

static uint32_t repeat_hash(const char *customer, const char *service)
{
	uint32_t h = (uint32_t)hash_text(hash_text(0x243f6a8885a308d3u, customer), service);

	return h ? h : 1;
}

static struct repeat_group *group_find(struct repeat_pass *p, uint32_t h)
{
	for (size_t i = h & (p->cap - 1); p->cap && p->group[i].hash; i = (i + 1) & (p->cap - 1))
		if (p->group[i].hash == h)
			return &p->group[i];
	return NULL;
}

/* Unlinks wait i (after prev, or first) from g and frees it for reuse. */
static void wait_drop(struct repeat_pass *p, struct repeat_group *g, int prev, int i)
{
	if (prev < 0)
		g->first = p->wait[i].next;
	else
		p->wait[prev].next = p->wait[i].next;
	p->free[p->nfree++] = i;
}

/*
 * The group with hash h, added (with room made) when absent. Rows come in
 * time order, so a wait whose window closed before now_ms can meet nothing
 * more: when the table fills it is rebuilt without them, so it holds about
 * one window's resolutions whatever the period.
 */
static struct repeat_group *group_add(struct repeat_pass *p, uint32_t h, int64_t now_ms)
{
	struct repeat_group *g = group_find(p, h), *old = p->group;
	size_t i, oldcap = p->cap, live = 0;

	if (g)
		return g;
	if ((p->ngroups + 1) * 2 > p->cap) {
		for (size_t k = 0; k < oldcap; k++) {
			for (int w = old[k].hash ? old[k].first : -1, prev = -1, next; w >= 0;
			     w = next) {
				next = p->wait[w].next;
				if (now_ms > p->wait[w].ms + p->window)
					wait_drop(p, &old[k], prev, w);
				else
					prev = w;
			}
			live += old[k].hash && old[k].first >= 0;
		}
		for (p->cap = 1024; (live + 1) * 4 > p->cap;)
			p->cap *= 2;
		p->group = xcalloc(p->cap, sizeof *p->group);
		p->ngroups = 0;
		for (size_t k = 0; k < oldcap; k++) {
			if (!old[k].hash || old[k].first < 0)
				continue;
			for (i = old[k].hash & (p->cap - 1); p->group[i].hash; i = (i + 1) & (p->cap - 1))
				;
			p->group[i] = old[k];
			p->ngroups++;
		}
		free(old);
	}
	for (i = h & (p->cap - 1); p->group[i].hash; i = (i + 1) & (p->cap - 1))
		;
	p->group[i] = (struct repeat_group){ h, -1 };
	p->ngroups++;
	return &p->group[i];
}

/* Reads contact num's facts into f; whether it counts only when
 * with_count (a resolution's). */
static enum status repeat_facts_read(struct repeat_pass *p, sqlite3_int64 num, bool with_count,
				     struct repeat_facts *f, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(p->s, sql_repeat_contact, e);
	int rc;

	*f = (struct repeat_facts){ 0 };
	if (!st)
		return e ? e->code : STATUS_DB;
	bind_range(st, p->r);
	sqlite3_bind_int(st, 5, (int)p->key);
	sqlite3_bind_int64(st, 6, num);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(f->visit, sizeof f->visit, "%s", col_text(st, 0));
		f->corrected = sqlite3_column_int(st, 1) != 0;
		f->customer = xstrdup(col_text(st, 5));
		f->service = xstrdup(col_text(st, 6));
		if (with_count && !f->corrected && sqlite3_column_int(st, 2)) {
			f->counts = true;
			f->key = xstrdup(col_text(st, 3));
			f->channel = xstrdup(col_text(st, 4));
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(p->s, rc, "reading a contact for a report", e);
	return STATUS_OK;
}

static void repeat_facts_release(struct repeat_facts *f)
{
	free(f->key);
	free(f->channel);
	free(f->customer);
	free(f->service);
}

/* The contact a resolution meets, read once however many it meets. */
struct repeat_arrival {
	sqlite3_int64 num;
	int64_t ms;
	uint32_t seq;
	bool read;
	struct repeat_facts f;
};

/*
 * Contact a arrives in group g: each resolution waiting in g that it
 * follows within the window is undone when they are the same customer and
 * service, different visits, neither is corrected, and the resolution
 * counts. Resolutions it comes too late for, or that do not count, stop
 * waiting.
 */
static enum status repeat_meet(struct repeat_pass *p, struct repeat_group *g,
			       struct repeat_arrival *a, struct tally_map *m, struct err *e)
{
	enum status rc = STATUS_OK;

	for (int i = g->first, prev = -1, next; !rc && i >= 0; i = next) {
		struct repeat_wait *w = &p->wait[i];
		const struct repeat_facts *f;

		next = w->next;
		if (a->seq == w->seq) { /* the same time: not a later contact */
			prev = i;
			continue;
		}
		if (a->ms > w->ms + p->window) {
			wait_drop(p, g, prev, i);
			continue;
		}
		if (w->facts < 0) {
			if (p->nfacts == p->facts_alloc) {
				p->facts_alloc = p->facts_alloc ? p->facts_alloc * 2 : 64;
				p->facts = xrealloc(p->facts, p->facts_alloc * sizeof *p->facts);
			}
			w->facts = (int)p->nfacts++;
			rc = repeat_facts_read(p, w->num, true, &p->facts[w->facts], e);
		}
		f = &p->facts[w->facts];
		if (!rc && !f->counts) {
			wait_drop(p, g, prev, i); /* corrected, or outside the filters */
			continue;
		}
		if (!rc && !a->read) {
			rc = repeat_facts_read(p, a->num, false, &a->f, e);
			a->read = true;
		}
		if (!rc && !a->f.corrected && a->f.customer &&
		    strcmp(a->f.customer, f->customer) == 0 &&
		    strcmp(a->f.service, f->service) == 0 && strcmp(a->f.visit, f->visit) != 0) {
			tally_find(m, f->key, f->channel)->resolved_first -= 1;
			wait_drop(p, g, prev, i);
			continue;
		}
		prev = i;
	}
	return rc;
}

/*
 * Takes each counted resolution in r that a repeat undoes off
 * resolved_first (which holds minus the repeats). Rows with the same
 * created_at text come together (it leads the index), so a count of
 * distinct texts orders them exactly as the text does.
 */
static enum status repeats_run(struct store *s, const struct report_range *r,
			       enum report_tally_key key, int repeat_days, struct tally_map *m,
			       struct err *e)
{
	struct repeat_pass p = { .s = s, .r = r, .key = key,
				 .window = (int64_t)repeat_days * 86400000LL };
	sqlite3_stmt *st;
	char until[32], last[32] = "";
	uint32_t seq = 0;
	int64_t hi_ms;
	enum status status = STATUS_OK;
	int rc;

	if (time_parse_utc(r->to_utc, &hi_ms) != STATUS_OK)
		return err_set(e, STATUS_INVALID, "report range end '%s' is not a UTC time",
			       r->to_utc);
	time_format_utc(hi_ms + p.window, until, sizeof until);
	st = stmt_sql(s, sql_repeat_rows, e);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, r->from_utc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->to_utc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, until, -1, SQLITE_STATIC);
	while (!status && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *created = col_text(st, 4);
		bool resolution = sqlite3_column_int(st, 3) != 0;
		uint32_t h = repeat_hash(col_text(st, 1), col_text(st, 2));
		struct repeat_group *g = group_find(&p, h);
		struct repeat_arrival a = { .num = sqlite3_column_int64(st, 0) };
		int w;

		if (strncmp(created, last, sizeof last) != 0) {
			size_t len = strnlen(created, sizeof last - 1);

			seq++;
			memcpy(last, created, len);
			last[len] = '\0';
		}
		if (!resolution && (!g || g->first < 0))
			continue; /* nothing waits for it, and it does not wait */
		if (time_parse_utc(created, &a.ms) != STATUS_OK)
			a.ms = 0;
		a.seq = seq;
		if (g && g->first >= 0)
			status = repeat_meet(&p, g, &a, m, e);
		repeat_facts_release(&a.f);
		if (status || !resolution)
			continue;
		g = group_add(&p, h, a.ms);
		if (p.nfree) {
			w = p.free[--p.nfree];
		} else {
			if (p.nwaits == p.alloc) {
				p.alloc = p.alloc ? p.alloc * 2 : 1024;
				p.wait = xrealloc(p.wait, p.alloc * sizeof *p.wait);
				p.free = xrealloc(p.free, p.alloc * sizeof *p.free);
			}
			w = (int)p.nwaits++;
		}
		p.wait[w] = (struct repeat_wait){ a.ms, a.num, seq, g->first, -1 };
		g->first = w;
	}
	sqlite3_reset(st);
	if (!status && rc != SQLITE_DONE)
		status = store_db_error(s, rc, "reading customers' contacts for a report", e);
	for (size_t i = 0; i < p.nfacts; i++)
		repeat_facts_release(&p.facts[i]);
	free(p.facts);
	free(p.group);
	free(p.wait);
	free(p.free);
	return status;
}

static enum status read_tally(struct store *s, const struct report_range *r,
			      enum report_tally_key key, int repeat_days,
			      int (*fn)(void *ctx, const struct report_tally *t), void *ctx,
			      struct err *e)
{
	struct tally_map m = { 0 };
	enum status rc;

	if (check_range(r, e))
		return STATUS_INVALID;
	rc = tally_count(s, r, key, &m, e);
	if (!rc && repeat_days > 0)
		rc = repeats_run(s, r, key, repeat_days, &m, e);
	if (!rc)
		rc = tally_run(s, sql_tally_corrected, r, key, -1, &m, e);
	if (!rc && m.n) {
		const struct report_tally **order = xcalloc(m.n, sizeof *order);

		for (size_t i = 0; i < m.n; i++)
			order[i] = &m.entry[i];
		qsort(order, m.n, sizeof *order, tally_cmp);
		for (size_t i = 0; i < m.n; i++) {
			struct report_tally t = *order[i];

			/* resolved_first held minus the repeats */
			t.resolved_first = repeat_days > 0 ? t.resolved + t.resolved_first : 0;
			if (t.contacts == 0)
				continue; /* only corrected contacts fell here */
			if (fn(ctx, &t))
				break;
		}
		free(order);
	}
	tally_release(&m);
	return rc;
}

/* ---- the kept counts and marks (schema 5) ------------------------------ */

static const char sql_tally_all[] =
	"SELECT created_at, service, site, advisor, NULL, coalesce(failure_demand, ''), channel,"
	" outcome, failure_demand IS NOT NULL, customer_id, num"
	" FROM contact INDEXED BY contact_report ORDER BY created_at";
static const char sql_tally_put[] =
	"INSERT INTO contact_tally (kind, period, key, channel, contacts, resolved, referred,"
	" signposted, assisted_digital, abandoned, failure)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char sql_mark_repeated[] = "UPDATE contact SET repeated = 1 WHERE num = ?1";

/* Writes the counts of one period of one kind, and empties the map. */
static enum status tally_put(struct store *s, int kind, const char *period, struct tally_map *m,
			     struct err *e)
{
	enum status rc = STATUS_OK;

	for (size_t i = 0; !rc && i < m->n; i++) {
		const struct report_tally *t = &m->entry[i];
		sqlite3_stmt *st = stmt_sql(s, sql_tally_put, e);

		if (!st)
			return e ? e->code : STATUS_DB;
		sqlite3_bind_int(st, 1, kind);
		sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, t->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, t->channel, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, t->contacts);
		sqlite3_bind_int64(st, 6, t->resolved);
		sqlite3_bind_int64(st, 7, t->referred);
		sqlite3_bind_int64(st, 8, t->signposted);
		sqlite3_bind_int64(st, 9, t->assisted_digital);
		sqlite3_bind_int64(st, 10, t->abandoned);
		sqlite3_bind_int64(st, 11, t->failure);
		rc = stmt_run(s, st, "counting contacts for reports", e);
	}
	tally_release(m);
	return rc;
}

/* A known customer's contact, by the hash of (customer, service). */
struct known_contact {
	uint64_t hash;
	sqlite3_int64 num;
};

static int known_cmp(const void *pa, const void *pb)
{
	const struct known_contact *a = pa, *b = pb;

	return (a->hash > b->hash) - (a->hash < b->hash);
}

/* Marks the contacts whose (customer, service) hash more than one has. A
 * shared hash marks a contact that did not need it, which only costs the
 * audit pass a row: the mark may be too wide, never too narrow. */
static enum status mark_repeated(struct store *s, struct known_contact *k, size_t n,
				 struct err *e)
{
	enum status rc = STATUS_OK;

	if (n)
		qsort(k, n, sizeof *k, known_cmp);
	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_stmt *st;

		if (!(i > 0 && k[i - 1].hash == k[i].hash) &&
		    !(i + 1 < n && k[i + 1].hash == k[i].hash))
			continue;
		st = stmt_sql(s, sql_mark_repeated, e);
		if (!st)
			return e ? e->code : STATUS_DB;
		sqlite3_bind_int64(st, 1, k[i].num);
		rc = stmt_run(s, st, "marking repeat contacts for reports", e);
	}
	return rc;
}

/*
 * One pass over every contact in time order, as the triggers would have
 * counted them: a period's counts are complete, and written, when the next
 * period starts (text order keeps each period's contacts together). Known
 * customers' contacts are kept by (customer, service) hash for the marks.
 */
enum status report_migrate(struct store *s, struct err *e)
{
	enum { KINDS = 5 };
	struct tally_map m[KINDS + 1] = { 0 };
	char period[KINDS + 1][16] = { { 0 } };
	struct known_contact *known = NULL;
	size_t nknown = 0, alloc = 0;
	sqlite3_stmt *st = stmt_sql(s, sql_tally_all, e);
	enum status status = STATUS_OK;
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	while (!status && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *created = col_text(st, 0), *channel = col_text(st, 6);
		const char *outcome = col_text(st, 7);
		bool failure = sqlite3_column_int(st, 8) != 0;

		for (int k = REPORT_TALLY_SERVICE; !status && k <= KINDS; k++) {
			char now[16];
			const char *key;

			snprintf(now, sizeof now, "%.*s", k == REPORT_TALLY_HOUR ? 13 : 10, created);
			if (strcmp(now, period[k]) != 0) {
				status = tally_put(s, k, period[k], &m[k], e);
				snprintf(period[k], sizeof period[k], "%s", now);
			}
			key = k == REPORT_TALLY_HOUR ? now : col_text(st, k); /* column k is kind k's key */
			tally_add(tally_find(&m[k], key, channel), outcome, failure, 1);
		}
		if (sqlite3_column_type(st, 9) == SQLITE_NULL)
			continue;
		if (nknown == alloc) {
			alloc = alloc ? alloc * 2 : 4096;
			known = xrealloc(known, alloc * sizeof *known);
		}
		known[nknown].hash = hash_text(hash_text(0x243f6a8885a308d3u, col_text(st, 9)),
					       col_text(st, 1));
		known[nknown++].num = sqlite3_column_int64(st, 10);
	}
	sqlite3_reset(st);
	if (!status && rc != SQLITE_DONE)
		status = store_db_error(s, rc, "counting contacts for reports", e);
	for (int k = REPORT_TALLY_SERVICE; k <= KINDS; k++) {
		if (!status)
			status = tally_put(s, k, period[k], &m[k], e);
		tally_release(&m[k]);
	}
	if (!status)
		status = mark_repeated(s, known, nknown, e);
	free(known);
	return status;
}

static const char sql_channels[] = "SELECT code, unit_cost_pence, digital FROM channel ORDER BY code";

static enum status read_channels(struct store *s,
				 int (*fn)(void *ctx, const struct report_channel *c),
				 void *ctx, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql_channels, e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct report_channel c = {
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

static enum status read_service_teams(struct store *s,
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

/* Cases created in [?1, ?2), read from the covering index case_report (the
 * contact is read only under a filter), with whether the case ever waited
 * on the customer. Site ?3 and advisor ?4 filter through the contact that
 * raised the case. */
static const char sql_cases[] =
	"SELECT k.id, k.team, k.service, k.status, k.due_date, k.created_at, k.closed_at,"
	" k.paused_days, EXISTS (SELECT 1 FROM case_event x"
	"   WHERE x.case_id = k.id AND x.status = 'awaiting-customer')"
	" FROM \"case\" k INDEXED BY case_report"
	" WHERE k.created_at >= ?1 AND k.created_at < ?2"
	" AND (?3 IS NULL AND ?4 IS NULL OR EXISTS (SELECT 1 FROM contact c"
	"   WHERE c.id = k.contact_id AND (?3 IS NULL OR c.site = ?3)"
	"   AND (?4 IS NULL OR c.advisor = ?4)))";
static const char sql_case_events[] =
	"SELECT status, at FROM case_event WHERE case_id = ?1 ORDER BY at, rowid";

/* Case history for the callback; strings owned. */
struct case_events {
	char **status, **at;
	size_t n, alloc;
};

static void case_events_clear(struct case_events *ev)
{
	for (size_t i = 0; i < ev->n; i++) {
		free(ev->status[i]);
		free(ev->at[i]);
	}
	ev->n = 0;
}

static enum status case_events_read(struct store *s, const char *id, struct case_events *ev,
				    struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql_case_events, e);
	int rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ev->n == ev->alloc) {
			ev->alloc = ev->alloc ? ev->alloc * 2 : 8;
			ev->status = xrealloc(ev->status, ev->alloc * sizeof *ev->status);
			ev->at = xrealloc(ev->at, ev->alloc * sizeof *ev->at);
		}
		ev->status[ev->n] = xstrdup(col_text(st, 0));
		ev->at[ev->n++] = xstrdup(col_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading a case's history for a report", e);
	return STATUS_OK;
}

static enum status read_cases(struct store *s, const struct report_range *r,
			      int (*fn)(void *ctx, const struct report_case *c), void *ctx,
			      struct err *e)
{
	struct case_events ev = { 0 };
	sqlite3_stmt *st;
	enum status status = STATUS_OK;
	int rc;

	if (check_range(r, e))
		return STATUS_INVALID;
	st = stmt_sql(s, sql_cases, e);
	if (!st)
		return e ? e->code : STATUS_DB;
	bind_range(st, r);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct report_case c = {
			.id = col_text(st, 0),
			.team = col_text(st, 1),
			.service = col_text(st, 2),
			.status = col_text(st, 3),
			.due_date = col_text(st, 4),
			.created_at = col_text(st, 5),
			.closed_at = col_text_or_null(st, 6),
			.paused_days = (long)sqlite3_column_int64(st, 7),
		};

		case_events_clear(&ev);
		if (sqlite3_column_int(st, 8)) { /* (a statement of its own) */
			status = case_events_read(s, c.id, &ev, e);
			if (status)
				break;
			c.nevents = ev.n;
			c.event_status = (const char *const *)ev.status;
			c.event_at = (const char *const *)ev.at;
		}
		if (fn(ctx, &c))
			break;
	}
	sqlite3_reset(st);
	case_events_clear(&ev);
	free(ev.status);
	free(ev.at);
	if (!status && rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading cases for a report", e);
	return status;
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

static enum status read_contacts(struct store *s, const struct report_drill_filter *d,
				 int (*fn)(void *ctx, const struct report_contact *c),
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
		struct report_contact c = {
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

enum status store_report_mix_check(struct store *s, const char *text, struct err *e)
{
	struct channel_share shares[CHANNEL_MIX_MAX];
	size_t n;
	enum status rc = valid_channel_mix(text, shares, &n, e);

	for (size_t i = 0; !rc && i < n; i++)
		rc = store_ref_check(s, REF_CHANNEL, shares[i].channel, e);
	return rc;
}

/* ---- the binding ---------------------------------------------------------- */

static enum status source_tally(void *ctx, const struct report_range *r,
				enum report_tally_key key, int repeat_days,
				int (*fn)(void *, const struct report_tally *), void *fctx,
				struct err *e)
{
	return read_tally(ctx, r, key, repeat_days, fn, fctx, e);
}

static enum status source_channels(void *ctx, int (*fn)(void *, const struct report_channel *),
				   void *fctx, struct err *e)
{
	return read_channels(ctx, fn, fctx, e);
}

static enum status source_service_teams(void *ctx,
					int (*fn)(void *, const char *, const char *),
					void *fctx, struct err *e)
{
	return read_service_teams(ctx, fn, fctx, e);
}

static enum status source_cases(void *ctx, const struct report_range *r,
				int (*fn)(void *, const struct report_case *), void *fctx,
				struct err *e)
{
	return read_cases(ctx, r, fn, fctx, e);
}

static enum status source_contacts(void *ctx, const struct report_drill_filter *d,
				   int (*fn)(void *, const struct report_contact *), void *fctx,
				   struct err *e)
{
	return read_contacts(ctx, d, fn, fctx, e);
}

static enum status source_holidays(void *ctx, struct date **out, size_t *n, struct err *e)
{
	return store_holidays(ctx, out, n, e);
}

static char *source_setting(void *ctx, const char *key)
{
	char *v = NULL;

	if (store_setting_get(ctx, key, &v, NULL) != STATUS_OK) {
		free(v);
		return NULL;
	}
	return v;
}

static enum status source_site_check(void *ctx, const char *site, struct err *e)
{
	if (store_ref_exists(ctx, REF_SITE, site))
		return STATUS_OK;
	return store_ref_check(ctx, REF_SITE, site, e);
}

static enum status source_audit(void *ctx, const char *action, const char *record_type,
				const char *record_id, const char *detail, struct err *e)
{
	return store_audit(ctx, action, record_type, record_id, detail, e);
}

static enum status source_audit_begin(void *ctx, struct err *e)
{
	return store_tx_begin(ctx, e);
}

static enum status source_audit_end(void *ctx, bool keep, struct err *e)
{
	return store_tx_end(ctx, keep, e);
}

void store_report_source(struct store *s, struct report_source *src)
{
	*src = (struct report_source){
		.ctx = s,
		.tally = source_tally,
		.channels = source_channels,
		.service_teams = source_service_teams,
		.cases = source_cases,
		.holidays = source_holidays,
		.setting = source_setting,
		.site_check = source_site_check,
		.contacts = source_contacts,
		.audit = source_audit,
		.audit_begin = source_audit_begin,
		.audit_end = source_audit_end,
	};
}

void store_report_viewer(struct store *s, struct report_viewer *v)
{
	v->advisor = store_actor(s);
	v->supervisor = store_allowed(s, STORE_PERM_REPORT_ALL);
}
