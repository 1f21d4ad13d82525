/*
 * Reference data: services, teams, sites, channels, outcomes, failure-demand
 * reasons and bank holidays. Loaded whole (store_refdata_replace), read by
 * code everywhere else.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct {
	const char *name;  /* for messages */
	const char *table; /* SQL table */
	enum stmt_id exists;
} kinds[] = {
	[REF_SERVICE] = { "service", "service", ST_REF_EXISTS_SERVICE },
	[REF_TEAM] = { "team", "team", ST_REF_EXISTS_TEAM },
	[REF_SITE] = { "site", "site", ST_REF_EXISTS_SITE },
	[REF_CHANNEL] = { "channel", "channel", ST_REF_EXISTS_CHANNEL },
	[REF_OUTCOME] = { "outcome", "outcome", ST_REF_EXISTS_OUTCOME },
	[REF_FAILURE] = { "failure-demand reason", "failure_reason", ST_REF_EXISTS_FAILURE },
};

const char *ref_kind_name(enum ref_kind k)
{
	return kinds[k].name;
}

bool store_ref_exists(struct store *s, enum ref_kind kind, const char *code)
{
	sqlite3_stmt *st;
	bool found;

	if (!code || !*code)
		return false;
	st = stmt_get(s, kinds[kind].exists, NULL);
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return found;
}

struct code_list {
	struct buf b;
	int n;
};

static int add_code(void *ctx, const char *code, const char *name)
{
	struct code_list *l = ctx;

	(void)name;
	if (l->n == 12)
		buf_adds(&l->b, ", ...");
	else if (l->n < 12)
		buf_printf(&l->b, "%s%s", l->n ? ", " : "", code);
	l->n++;
	return 0;
}

enum status store_ref_check(struct store *s, enum ref_kind kind, const char *code,
			    struct err *e)
{
	struct code_list l = { .n = 0 };

	if (store_ref_exists(s, kind, code))
		return STATUS_OK;
	buf_init(&l.b, 0); /* 12 codes and ", ..." at most: no cap needed */
	store_ref_list(s, kind, add_code, &l, NULL);
	if (l.n == 0)
		err_set(e, STATUS_UNKNOWN_CODE,
			"unknown %s '%s': no %ss are loaded; run frontdesk init or frontdesk data load DIR",
			kinds[kind].name, code ? code : "", kinds[kind].name);
	else
		err_set(e, STATUS_UNKNOWN_CODE, "unknown %s '%s'; use one of: %s", kinds[kind].name,
			code ? code : "", buf_str(&l.b));
	buf_release(&l.b);
	return STATUS_UNKNOWN_CODE;
}

enum status store_ref_list(struct store *s, enum ref_kind kind,
			   int (*fn)(void *ctx, const char *code, const char *name), void *ctx,
			   struct err *e)
{
	char sql[128];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof sql, "SELECT code, name FROM %s WHERE active ORDER BY code",
		 kinds[kind].table);
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_db_error(s, rc, "reading reference data", e);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, col_text(st, 0), col_text(st, 1)))
			break;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "reading reference data", e);
	return STATUS_OK;
}

enum status store_service_get(struct store *s, const char *code, struct ref_service *out,
			      struct err *e)
{
	sqlite3_stmt *st = stmt_get(s, ST_SERVICE_GET, e);

	memset(out, 0, sizeof *out);
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_ref_check(s, REF_SERVICE, code, e);
	}
	out->code = xstrdup(col_text(st, 0));
	out->name = xstrdup(col_text(st, 1));
	out->lgsl = (long)sqlite3_column_int64(st, 2);
	out->team = xstrdup(col_text(st, 3));
	out->url = col_text_or_null(st, 4) ? xstrdup(col_text(st, 4)) : NULL;
	out->standard_days = (long)sqlite3_column_int64(st, 5);
	sqlite3_reset(st);
	return STATUS_OK;
}

enum status holidays_get(struct store *s, const struct date **out, size_t *n, struct err *e)
{
	if (!s->holidays_loaded) {
		enum status rc;

		free(s->holidays);
		s->holidays = NULL;
		rc = store_holidays(s, &s->holidays, &s->nholidays, e);
		if (rc)
			return rc;
		s->holidays_loaded = true;
	}
	*out = s->holidays;
	*n = s->nholidays;
	return STATUS_OK;
}

enum status store_holidays(struct store *s, struct date **out, size_t *n, struct err *e)
{
	sqlite3_stmt *st = stmt_get(s, ST_HOLIDAYS, e);
	size_t alloc = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return e ? e->code : STATUS_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct date d;

		if (date_parse(col_text(st, 0), &d, "bank holiday", NULL))
			continue;
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			*out = xrealloc(*out, alloc * sizeof **out);
		}
		(*out)[(*n)++] = d;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return store_db_error(s, rc, "reading bank holidays", e);
	}
	return STATUS_OK;
}

/* ---- needs and support ------------------------------------------------ */

void store_needs_forget(struct store *s)
{
	for (size_t i = 0; i < s->nneeds; i++) {
		free(s->needs[i].code);
		free(s->needs[i].label);
	}
	free(s->needs);
	s->needs = NULL;
	s->nneeds = 0;
	s->needs_loaded = false;
}

/* Reads the active needs once; a read that fails leaves none (every code
 * is then refused with a message saying to load data/needs.csv). */
static void needs_load(struct store *s)
{
	sqlite3_stmt *st;
	size_t alloc = 0;

	if (s->needs_loaded)
		return;
	s->needs_loaded = true;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT code, label, detail, detail_required FROM need WHERE active"
			       " ORDER BY code",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int d = need_detail_find(col_text(st, 2));

		if (s->nneeds == alloc) {
			alloc = alloc ? alloc * 2 : 32;
			s->needs = xrealloc(s->needs, alloc * sizeof *s->needs);
		}
		s->needs[s->nneeds++] = (struct ref_need){
			.code = xstrdup(col_text(st, 0)),
			.label = xstrdup(col_text(st, 1)),
			.detail = d < 0 ? NEED_DETAIL_TEXT : (enum need_detail)d,
			.detail_required = sqlite3_column_int(st, 3) != 0,
		};
	}
	sqlite3_finalize(st);
}

static const struct ref_need *need_find(void *ctx, const char *code)
{
	struct store *s = ctx;

	needs_load(s);
	for (size_t i = 0; i < s->nneeds; i++)
		if (!strcmp(s->needs[i].code, code))
			return &s->needs[i];
	return NULL;
}

static bool need_channel(void *ctx, const char *code)
{
	return store_ref_exists(ctx, REF_CHANNEL, code);
}

static void need_list(void *ctx, char *out, size_t outsz)
{
	struct store *s = ctx;
	size_t used = 0;

	needs_load(s);
	out[0] = '\0';
	for (size_t i = 0; i < s->nneeds && used < outsz; i++) {
		const struct ref_need *r = &s->needs[i];
		int w = snprintf(out + used, outsz - used, "%s%s%s%s", i ? ", " : "", r->code,
				 r->detail == NEED_DETAIL_NONE ? "" : ":",
				 r->detail == NEED_DETAIL_NONE ? "" : need_detail_name(r->detail));

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

void store_needs_known(struct store *s, struct needs_known *k)
{
	*k = (struct needs_known){ need_find, need_channel, need_list, s };
}

enum status store_needs_check(struct store *s, const char *needs, char **out, struct err *e)
{
	struct needs_known k;

	store_needs_known(s, &k);
	return needs_check(needs, &k, out, e);
}

/* ---- loading ----------------------------------------------------------- */

static enum status run_sql(struct store *s, const char *sql, struct err *e)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? STATUS_OK : store_db_error(s, rc, "loading reference data", e);
}

static enum status prepare(struct store *s, const char *sql, sqlite3_stmt **st, struct err *e)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

	return rc == SQLITE_OK ? STATUS_OK : store_db_error(s, rc, "loading reference data", e);
}

static bool team_listed(const struct refdata *rd, const char *code)
{
	for (size_t i = 0; i < rd->nteams; i++)
		if (strcmp(rd->teams[i].code, code) == 0)
			return true;
	return false;
}

static enum status load_simple(struct store *s, const char *table, const struct ref_simple *r,
			       size_t n, struct err *e)
{
	char sql[256];
	sqlite3_stmt *st = NULL;
	enum status rc;

	snprintf(sql, sizeof sql, "UPDATE %s SET active = 0", table);
	rc = run_sql(s, sql, e);
	if (rc)
		return rc;
	snprintf(sql, sizeof sql,
		 "INSERT INTO %s (code, name, help, active) VALUES (?1, ?2, ?3, 1)"
		 " ON CONFLICT (code) DO UPDATE SET name = ?2, help = ?3, active = 1",
		 table);
	rc = prepare(s, sql, &st, e);
	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_bind_text(st, 1, r[i].code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r[i].name, -1, SQLITE_STATIC);
		bind_text_or_null(st, 3, r[i].help);
		rc = stmt_run(s, st, "loading reference data", e);
	}
	sqlite3_finalize(st);
	return rc;
}

static enum status load_teams(struct store *s, const struct refdata *rd, struct err *e)
{
	sqlite3_stmt *st = NULL;
	enum status rc = run_sql(s, "UPDATE team SET active = 0", e);

	if (!rc)
		rc = prepare(s,
			     "INSERT INTO team (code, name, email, active) VALUES (?1, ?2, ?3, 1)"
			     " ON CONFLICT (code) DO UPDATE SET name = ?2, email = ?3, active = 1",
			     &st, e);
	for (size_t i = 0; !rc && i < rd->nteams; i++) {
		sqlite3_bind_text(st, 1, rd->teams[i].code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, rd->teams[i].name, -1, SQLITE_STATIC);
		bind_text_or_null(st, 3, rd->teams[i].email);
		rc = stmt_run(s, st, "loading teams", e);
	}
	sqlite3_finalize(st);
	return rc;
}

static enum status load_services(struct store *s, const struct refdata *rd, struct err *e)
{
	sqlite3_stmt *st = NULL;
	enum status rc = run_sql(s, "UPDATE service SET active = 0", e);

	if (!rc)
		rc = prepare(s,
			     "INSERT INTO service (code, name, lgsl, team, url, standard_days, active)"
			     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT (code) DO UPDATE SET"
			     " name = ?2, lgsl = ?3, team = ?4, url = ?5, standard_days = ?6,"
			     " active = 1",
			     &st, e);
	for (size_t i = 0; !rc && i < rd->nservices; i++) {
		const struct ref_service *r = &rd->services[i];

		if (!team_listed(rd, r->team)) {
			rc = err_set(e, STATUS_UNKNOWN_CODE,
				     "service '%s' names team '%s', which is not in the teams list",
				     r->code, r->team);
			break;
		}
		sqlite3_bind_text(st, 1, r->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
		if (r->lgsl > 0)
			sqlite3_bind_int64(st, 3, r->lgsl);
		sqlite3_bind_text(st, 4, r->team, -1, SQLITE_STATIC);
		bind_text_or_null(st, 5, r->url);
		sqlite3_bind_int64(st, 6, r->standard_days);
		rc = stmt_run(s, st, "loading services", e);
	}
	sqlite3_finalize(st);
	return rc;
}

static enum status load_sites(struct store *s, const struct refdata *rd, struct err *e)
{
	sqlite3_stmt *st = NULL;
	enum status rc = run_sql(s, "UPDATE site SET active = 0", e);

	if (!rc)
		rc = prepare(s,
			     "INSERT INTO site (code, name, kind, address, postcode, active)"
			     " VALUES (?1, ?2, ?3, ?4, ?5, 1) ON CONFLICT (code) DO UPDATE SET"
			     " name = ?2, kind = ?3, address = ?4, postcode = ?5, active = 1",
			     &st, e);
	for (size_t i = 0; !rc && i < rd->nsites; i++) {
		const struct ref_site *r = &rd->sites[i];

		sqlite3_bind_text(st, 1, r->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r->kind ? r->kind : "office", -1, SQLITE_STATIC);
		bind_text_or_null(st, 4, r->address);
		bind_text_or_null(st, 5, r->postcode);
		rc = stmt_run(s, st, "loading sites", e);
	}
	sqlite3_finalize(st);
	return rc;
}

static enum status load_channels(struct store *s, const struct refdata *rd, struct err *e)
{
	sqlite3_stmt *st = NULL;
	enum status rc = run_sql(s, "UPDATE channel SET active = 0", e);

	if (!rc)
		rc = prepare(s,
			     "INSERT INTO channel (code, name, unit_cost_pence, digital, active)"
			     " VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (code) DO UPDATE SET"
			     " name = ?2, unit_cost_pence = ?3, digital = ?4, active = 1",
			     &st, e);
	for (size_t i = 0; !rc && i < rd->nchannels; i++) {
		const struct ref_channel *r = &rd->channels[i];

		sqlite3_bind_text(st, 1, r->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, r->unit_cost_pence);
		sqlite3_bind_int(st, 4, r->digital);
		rc = stmt_run(s, st, "loading channels", e);
	}
	sqlite3_finalize(st);
	return rc;
}

static enum status load_holidays(struct store *s, const struct refdata *rd, struct err *e)
{
	sqlite3_stmt *st = NULL;
	enum status rc = run_sql(s, "DELETE FROM bank_holiday", e);

	if (!rc)
		rc = prepare(s, "INSERT INTO bank_holiday (day, name) VALUES (?1, ?2)", &st, e);
	for (size_t i = 0; !rc && i < rd->nholidays; i++) {
		char day[16];

		date_format(rd->holidays[i], day, sizeof day);
		sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, rd->holiday_names ? rd->holiday_names[i] : "bank holiday",
				  -1, SQLITE_STATIC);
		rc = stmt_run(s, st, "loading bank holidays", e);
	}
	sqlite3_finalize(st);
	return rc;
}

static enum status load_needs(struct store *s, const struct refdata *rd, struct err *e)
{
	sqlite3_stmt *st = NULL;
	enum status rc;

	/* A desk loading files from before needs.csv keeps the needs it has. */
	if (rd->nneeds == 0)
		return STATUS_OK;
	rc = run_sql(s, "UPDATE need SET active = 0", e);
	if (!rc)
		rc = prepare(s,
			     "INSERT INTO need (code, label, detail, detail_required, active)"
			     " VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (code) DO UPDATE SET"
			     " label = ?2, detail = ?3, detail_required = ?4, active = 1",
			     &st, e);
	for (size_t i = 0; !rc && i < rd->nneeds; i++) {
		const struct ref_need *r = &rd->needs[i];

		sqlite3_bind_text(st, 1, r->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->label, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, need_detail_name(r->detail), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, r->detail_required);
		rc = stmt_run(s, st, "loading needs", e);
	}
	sqlite3_finalize(st);
	return rc;
}

enum status store_refdata_replace(struct store *s, const struct refdata *rd, struct err *e)
{
	enum status rc = store_require(s, STORE_PERM_SETTINGS, "refdata", NULL, e);

	if (!rc)
		rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	rc = load_teams(s, rd, e);
	if (!rc)
		rc = load_services(s, rd, e);
	if (!rc)
		rc = load_sites(s, rd, e);
	if (!rc)
		rc = load_channels(s, rd, e);
	if (!rc)
		rc = load_simple(s, "outcome", rd->outcomes, rd->noutcomes, e);
	if (!rc)
		rc = load_simple(s, "failure_reason", rd->failures, rd->nfailures, e);
	if (!rc)
		rc = load_holidays(s, rd, e);
	if (!rc)
		rc = load_needs(s, rd, e);
	if (!rc)
		rc = store_audit(s, "refdata.load", NULL, NULL, NULL, e);
	s->holidays_loaded = false;
	store_needs_forget(s);
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	return store_tx_end(s, true, e);
}
