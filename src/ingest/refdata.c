/*
 * Reference data: the CSV files in data/ into struct refdata, every
 * field checked with the core validators, then cross-checked. Reading only:
 * frontdeskd links this file without the desk's store (refdata_load.c
 * hands the result to the store).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "frontdesk/ingest.h"
#include "ingest_int.h"

#define REF_NAME_MAX 200
#define REF_HELP_MAX 1000
#define REF_URL_MAX 500
#define REF_EMAIL_MAX 254

/* One file being read: its path, table and column map. */
struct ref_file {
	const char *base; /* "services.csv" */
	char path[ERR_FILE_MAX];
	struct ingest_csv t;
	int cols[8];
	bool ok; /* parsed and mapped */
};

/* State for one read: where problems go and how many so far. */
struct ref_read {
	struct err_list *errs;
	enum status first; /* the first problem's status */
	size_t problems;
};

static void note(struct ref_read *rr, enum status code)
{
	if (rr->problems++ == 0)
		rr->first = code;
}

static enum status fail(struct ref_read *rr, enum status code, const char *file, int line,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static enum status fail(struct ref_read *rr, enum status code, const char *file, int line,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_list_addv(rr->errs, code, file, line, 0, fmt, ap);
	va_end(ap);
	note(rr, code);
	return code;
}

static void fail_err(struct ref_read *rr, struct err *e, const char *file, int line)
{
	ingest_fail_err(rr->errs, e, file, line);
	note(rr, e->code);
}

static void join_path(char *out, size_t outsz, const char *dir, const char *base)
{
	size_t n = strlen(dir);
	if (n == 0)
		snprintf(out, outsz, "%s", base);
	else if (dir[n - 1] == '/')
		snprintf(out, outsz, "%s%s", dir, base);
	else
		snprintf(out, outsz, "%s/%s", dir, base);
}

/* Reads and maps one file; every column of `cols` is required. */
static void open_file(struct ref_read *rr, struct ref_file *f, const char *dir,
		      const char *const *cols, size_t ncols)
{
	struct err e;

	err_clear(&e);
	join_path(f->path, sizeof f->path, dir, f->base);
	if (ingest_csv_read_file(&f->t, f->path, INGEST_REFDATA_MAX_BYTES, &e) != STATUS_OK) {
		if (e.file[0] == '\0')
			err_at(&e, f->path, 0, 0);
		err_list_add(rr->errs, &e);
		note(rr, e.code);
		return;
	}
	if (ingest_csv_map(&f->t, cols, ncols, NULL, f->cols, &e) != STATUS_OK) {
		err_list_add(rr->errs, &e);
		note(rr, e.code);
		return;
	}
	if (ingest_csv_rows(&f->t) == 0) {
		fail(rr, STATUS_INVALID, f->path, 0,
		     "has a header but no rows; reference data cannot be empty");
		return;
	}
	f->ok = true;
}

static const char *cell(const struct ref_file *f, size_t row, int k)
{
	return ingest_csv_field(&f->t, row, (size_t)f->cols[k]);
}

static int line_of(const struct ref_file *f, size_t row)
{
	return ingest_csv_line(&f->t, row);
}

/* ---- field checks (each reports its own problem) ---------------------- */

static char *get_code(struct ref_read *rr, const struct ref_file *f, size_t row, int k,
		      const char *field)
{
	struct err e;
	const char *v = cell(f, row, k);

	if (valid_code(field, v, &e) != STATUS_OK) {
		fail_err(rr, &e, f->path, line_of(f, row));
		return NULL;
	}
	return xstrdup(v);
}

static char *get_text(struct ref_read *rr, const struct ref_file *f, size_t row, int k,
		      const char *field, size_t max, bool required)
{
	struct err e;
	const char *v = cell(f, row, k);

	if (valid_text(field, v, max, required, false, &e) != STATUS_OK) {
		fail_err(rr, &e, f->path, line_of(f, row));
		return NULL;
	}
	return text_trim(v);
}

static bool get_long(struct ref_read *rr, const struct ref_file *f, size_t row, int k,
		     const char *field, long min, long max, long *out)
{
	struct err e;

	if (valid_int(field, cell(f, row, k), min, max, out, &e) != STATUS_OK) {
		fail_err(rr, &e, f->path, line_of(f, row));
		return false;
	}
	return true;
}

static bool get_yes_no(struct ref_read *rr, const struct ref_file *f, size_t row, int k,
		       const char *field, bool *out)
{
	const char *v = cell(f, row, k);
	char q[48];

	if (strcasecmp(v, "yes") == 0) {
		*out = true;
		return true;
	}
	if (strcasecmp(v, "no") == 0) {
		*out = false;
		return true;
	}
	ingest_quote(v, q, sizeof q);
	fail(rr, STATUS_INVALID, f->path, line_of(f, row), "%s must be yes or no, not '%s'", field,
	     q);
	return false;
}

static char *get_url(struct ref_read *rr, const struct ref_file *f, size_t row, int k)
{
	const char *v = cell(f, row, k);
	char q[48];
	size_t len = strlen(v);

	ingest_quote(v, q, sizeof q);
	if (strncmp(v, "https://", 8) != 0 || len == 8) {
		fail(rr, STATUS_INVALID, f->path, line_of(f, row),
		     "url '%s' must start with https:// (the console links only to secure pages)",
		     q);
		return NULL;
	}
	if (len > REF_URL_MAX) {
		fail(rr, STATUS_INVALID, f->path, line_of(f, row),
		     "url is too long (%zu characters; at most %d)", len, REF_URL_MAX);
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p <= ' ' || *p == 0x7f) {
			fail(rr, STATUS_INVALID, f->path, line_of(f, row),
			     "url '%s' contains a space or control character; write spaces as %%20",
			     q);
			return NULL;
		}
	}
	return xstrdup(v);
}

/* ---- duplicates and "did you mean" ------------------------------------ */

struct coded {
	const char *code;
	int line;
};

static int coded_cmp(const void *a, const void *b)
{
	const struct coded *x = a, *y = b;
	int c = strcmp(x->code, y->code);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Reports every code listed more than once (at the later line). */
static void check_unique(struct ref_read *rr, const char *path, const char *what,
			 struct coded *codes, size_t n)
{
	qsort(codes, n, sizeof *codes, coded_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(codes[i].code, codes[i - 1].code) == 0) {
			size_t first = i - 1;
			while (first > 0 && strcmp(codes[first - 1].code, codes[i].code) == 0)
				first--;
			fail(rr, STATUS_EXISTS, path, codes[i].line,
			     "%s '%s' is listed twice (lines %d and %d); codes must be unique",
			     what, codes[i].code, codes[first].line, codes[i].line);
		}
	}
}

/* ---- the files --------------------------------------------------------- */

static const char *const teams_cols[] = {"code", "name", "email"};
static const char *const services_cols[] = {"code", "name", "lgsl", "team", "url", "standard_days"};
static const char *const sites_cols[] = {"code", "name", "kind", "address", "postcode"};
static const char *const channels_cols[] = {"code", "name", "unit_cost", "digital"};
static const char *const simple_cols[] = {"code", "name", "help"};
static const char *const holidays_cols[] = {"date", "name"};
static const char *const site_kinds[] = {"office", "hub", "contact-centre"};
static const char *const needs_cols[] = {"code", "label", "detail", "detail_required"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void read_teams(struct ref_read *rr, struct ref_file *f, struct refdata *rd)
{
	size_t n = ingest_csv_rows(&f->t);
	struct coded *codes = xcalloc(n, sizeof *codes);
	size_t ncodes = 0;

	rd->teams = xcalloc(n, sizeof *rd->teams);
	rd->nteams = n;
	for (size_t i = 0; i < n; i++) {
		struct ref_team *t = &rd->teams[i];
		struct err e;

		t->code = get_code(rr, f, i, 0, "code");
		t->name = get_text(rr, f, i, 1, "name", REF_NAME_MAX, true);
		if (valid_email("email", cell(f, i, 2), &e) != STATUS_OK)
			fail_err(rr, &e, f->path, line_of(f, i));
		else
			t->email = xstrdup(cell(f, i, 2));
		if (t->code)
			codes[ncodes++] = (struct coded){t->code, line_of(f, i)};
	}
	check_unique(rr, f->path, "team", codes, ncodes);
	free(codes);
}

static void read_services(struct ref_read *rr, struct ref_file *f, struct refdata *rd,
			  bool teams_ok)
{
	size_t n = ingest_csv_rows(&f->t);
	struct coded *codes = xcalloc(n, sizeof *codes);
	const char **team_codes = xcalloc(rd->nteams + 1, sizeof *team_codes);
	size_t ncodes = 0;

	for (size_t i = 0; i < rd->nteams; i++)
		team_codes[i] = rd->teams[i].code;
	rd->services = xcalloc(n, sizeof *rd->services);
	rd->nservices = n;
	for (size_t i = 0; i < n; i++) {
		struct ref_service *s = &rd->services[i];
		int line = line_of(f, i);

		s->code = get_code(rr, f, i, 0, "code");
		s->name = get_text(rr, f, i, 1, "name", REF_NAME_MAX, true);
		if (cell(f, i, 2)[0] == '\0')
			s->lgsl = 0;
		else
			get_long(rr, f, i, 2, "lgsl", 1, 99999, &s->lgsl);
		s->team = get_code(rr, f, i, 3, "team");
		s->url = get_url(rr, f, i, 4);
		get_long(rr, f, i, 5, "standard_days", 0, 365, &s->standard_days);
		if (s->code)
			codes[ncodes++] = (struct coded){s->code, line};

		if (!s->team || !teams_ok)
			continue;
		bool found = false;
		for (size_t t = 0; t < rd->nteams && !found; t++)
			found = rd->teams[t].code && strcmp(rd->teams[t].code, s->team) == 0;
		if (found)
			continue;
		const char *guess = text_suggest(s->team, team_codes, rd->nteams);
		if (guess)
			fail(rr, STATUS_UNKNOWN_CODE, f->path, line,
			     "team '%s' is not in teams.csv; did you mean '%s'?", s->team, guess);
		else
			fail(rr, STATUS_UNKNOWN_CODE, f->path, line,
			     "team '%s' is not in teams.csv; add it there first", s->team);
	}
	check_unique(rr, f->path, "service", codes, ncodes);
	free(team_codes);
	free(codes);
}

static void read_sites(struct ref_read *rr, struct ref_file *f, struct refdata *rd)
{
	size_t n = ingest_csv_rows(&f->t);
	struct coded *codes = xcalloc(n, sizeof *codes);
	size_t ncodes = 0;

	rd->sites = xcalloc(n, sizeof *rd->sites);
	rd->nsites = n;
	for (size_t i = 0; i < n; i++) {
		struct ref_site *s = &rd->sites[i];
		int line = line_of(f, i);
		const char *kind = cell(f, i, 2);
		char pc[16];
		struct err e;

		s->code = get_code(rr, f, i, 0, "code");
		s->name = get_text(rr, f, i, 1, "name", REF_NAME_MAX, true);
		for (size_t k = 0; k < NELEM(site_kinds) && !s->kind; k++)
			if (strcmp(kind, site_kinds[k]) == 0)
				s->kind = xstrdup(kind);
		if (!s->kind) {
			char q[48];
			const char *guess = text_suggest(kind, site_kinds, NELEM(site_kinds));
			ingest_quote(kind, q, sizeof q);
			if (guess)
				fail(rr, STATUS_INVALID, f->path, line,
				     "kind '%s' is not a kind of site; did you mean '%s'?", q,
				     guess);
			else
				fail(rr, STATUS_INVALID, f->path, line,
				     "kind '%s' is not a kind of site; use office, hub or "
				     "contact-centre",
				     q);
		}
		s->address = get_text(rr, f, i, 3, "address", ADDRESS_MAX_CHARS, true);
		if (valid_postcode("postcode", cell(f, i, 4), pc, sizeof pc, &e) != STATUS_OK)
			fail_err(rr, &e, f->path, line);
		else
			s->postcode = xstrdup(pc);
		if (s->code)
			codes[ncodes++] = (struct coded){s->code, line};
	}
	check_unique(rr, f->path, "site", codes, ncodes);
	free(codes);
}

static void read_channels(struct ref_read *rr, struct ref_file *f, struct refdata *rd)
{
	size_t n = ingest_csv_rows(&f->t);
	struct coded *codes = xcalloc(n, sizeof *codes);
	size_t ncodes = 0;

	rd->channels = xcalloc(n, sizeof *rd->channels);
	rd->nchannels = n;
	for (size_t i = 0; i < n; i++) {
		struct ref_channel *c = &rd->channels[i];
		struct err e;

		c->code = get_code(rr, f, i, 0, "code");
		c->name = get_text(rr, f, i, 1, "name", REF_NAME_MAX, true);
		if (valid_money("unit_cost", cell(f, i, 2), &c->unit_cost_pence, &e) != STATUS_OK)
			fail_err(rr, &e, f->path, line_of(f, i));
		get_yes_no(rr, f, i, 3, "digital", &c->digital);
		if (c->code)
			codes[ncodes++] = (struct coded){c->code, line_of(f, i)};
	}
	check_unique(rr, f->path, "channel", codes, ncodes);
	free(codes);
}

static void read_simple(struct ref_read *rr, struct ref_file *f, struct ref_simple **out,
			size_t *nout, const char *what)
{
	size_t n = ingest_csv_rows(&f->t);
	struct coded *codes = xcalloc(n, sizeof *codes);
	size_t ncodes = 0;

	*out = xcalloc(n, sizeof **out);
	*nout = n;
	for (size_t i = 0; i < n; i++) {
		struct ref_simple *s = &(*out)[i];

		s->code = get_code(rr, f, i, 0, "code");
		s->name = get_text(rr, f, i, 1, "name", REF_NAME_MAX, true);
		s->help = get_text(rr, f, i, 2, "help", REF_HELP_MAX, false);
		if (s->code)
			codes[ncodes++] = (struct coded){s->code, line_of(f, i)};
	}
	check_unique(rr, f->path, what, codes, ncodes);
	free(codes);
}

static void read_holidays(struct ref_read *rr, struct ref_file *f, struct refdata *rd)
{
	size_t n = ingest_csv_rows(&f->t);
	bool have_prev = false;
	struct date prev = {0, 0, 0};
	int prev_line = 0;

	rd->holidays = xcalloc(n, sizeof *rd->holidays);
	rd->holiday_names = xcalloc(n, sizeof *rd->holiday_names);
	rd->nholidays = n;
	for (size_t i = 0; i < n; i++) {
		int line = line_of(f, i);
		struct err e;
		struct date d;

		rd->holiday_names[i] = get_text(rr, f, i, 1, "name", REF_NAME_MAX, true);
		if (date_parse(cell(f, i, 0), &d, "date", &e) != STATUS_OK) {
			fail_err(rr, &e, f->path, line);
			continue;
		}
		rd->holidays[i] = d;
		if (have_prev) {
			char a[11], b[11];
			date_format(d, a, sizeof a);
			date_format(prev, b, sizeof b);
			int c = date_cmp(d, prev);
			if (c == 0)
				fail(rr, STATUS_EXISTS, f->path, line,
				     "date %s is listed twice (lines %d and %d)", a, prev_line,
				     line);
			else if (c < 0)
				fail(rr, STATUS_INVALID, f->path, line,
				     "date %s is out of order: it comes before %s on line %d; keep "
				     "the file in date order",
				     a, b, prev_line);
		}
		prev = d;
		prev_line = line;
		have_prev = true;
	}
}

/* needs.csv: what each need is called and what detail it takes. */
static void read_needs(struct ref_read *rr, struct ref_file *f, struct refdata *rd)
{
	size_t n = ingest_csv_rows(&f->t);
	struct coded *codes = xcalloc(n, sizeof *codes);
	const char *kinds[NEED_DETAIL_COUNT];
	size_t ncodes = 0;

	for (int k = 0; k < NEED_DETAIL_COUNT; k++)
		kinds[k] = need_detail_name((enum need_detail)k);
	rd->needs = xcalloc(n, sizeof *rd->needs);
	rd->nneeds = n;
	for (size_t i = 0; i < n; i++) {
		struct ref_need *r = &rd->needs[i];
		int line = line_of(f, i), kind = need_detail_find(cell(f, i, 2));

		r->code = get_code(rr, f, i, 0, "code");
		r->label = get_text(rr, f, i, 1, "label", REF_NAME_MAX, true);
		if (kind < 0) {
			char q[48];
			const char *guess = text_suggest(cell(f, i, 2), kinds, NEED_DETAIL_COUNT);

			ingest_quote(cell(f, i, 2), q, sizeof q);
			fail(rr, STATUS_INVALID, f->path, line,
			     "detail '%s' is not a kind of detail; %s%s%s", q,
			     guess ? "did you mean '" : "use none, language, name, channel or text",
			     guess ? guess : "", guess ? "'?" : "");
		} else {
			r->detail = (enum need_detail)kind;
		}
		if (get_yes_no(rr, f, i, 3, "detail_required", &r->detail_required) &&
		    r->detail_required && kind == NEED_DETAIL_NONE)
			fail(rr, STATUS_INVALID, f->path, line,
			     "detail_required is yes but detail is none; name the kind of detail "
			     "or write no");
		if (r->code)
			codes[ncodes++] = (struct coded){r->code, line};
	}
	check_unique(rr, f->path, "need", codes, ncodes);
	free(codes);
}

static void require_outcomes(struct ref_read *rr, struct ref_file *f, const struct refdata *rd)
{
	static const char *const needed[] = {OUTCOME_RESOLVED, OUTCOME_REFERRED};

	for (size_t k = 0; k < NELEM(needed); k++) {
		bool found = false;
		for (size_t i = 0; i < rd->noutcomes && !found; i++)
			found =
			    rd->outcomes[i].code && strcmp(rd->outcomes[i].code, needed[k]) == 0;
		if (!found)
			fail(rr, STATUS_INVALID, f->path, 0,
			     "must list the outcome '%s'; the console relies on it", needed[k]);
	}
}

enum status ingest_refdata_read(const char *dir, struct refdata *out, struct err_list *errs)
{
	struct ref_read rr = {errs, STATUS_OK, 0};
	struct ref_file teams = {.base = "teams.csv"}, services = {.base = "services.csv"},
			sites = {.base = "sites.csv"}, channels = {.base = "channels.csv"},
			outcomes = {.base = "outcomes.csv"},
			failures = {.base = "failure-demand.csv"},
			holidays = {.base = "bank-holidays.csv"}, needs = {.base = "needs.csv"};
	char needs_path[ERR_FILE_MAX];

	memset(out, 0, sizeof *out);

	open_file(&rr, &teams, dir, teams_cols, NELEM(teams_cols));
	if (teams.ok)
		read_teams(&rr, &teams, out);

	open_file(&rr, &services, dir, services_cols, NELEM(services_cols));
	if (services.ok)
		read_services(&rr, &services, out, teams.ok);

	open_file(&rr, &sites, dir, sites_cols, NELEM(sites_cols));
	if (sites.ok)
		read_sites(&rr, &sites, out);

	open_file(&rr, &channels, dir, channels_cols, NELEM(channels_cols));
	if (channels.ok)
		read_channels(&rr, &channels, out);

	open_file(&rr, &outcomes, dir, simple_cols, NELEM(simple_cols));
	if (outcomes.ok) {
		read_simple(&rr, &outcomes, &out->outcomes, &out->noutcomes, "outcome");
		require_outcomes(&rr, &outcomes, out);
	}

	open_file(&rr, &failures, dir, simple_cols, NELEM(simple_cols));
	if (failures.ok)
		read_simple(&rr, &failures, &out->failures, &out->nfailures,
			    "failure-demand reason");

	open_file(&rr, &holidays, dir, holidays_cols, NELEM(holidays_cols));
	if (holidays.ok)
		read_holidays(&rr, &holidays, out);

	/* Optional: files from before it keep the needs a desk has. */
	join_path(needs_path, sizeof needs_path, dir, needs.base);
	if (access(needs_path, F_OK) == 0) {
		open_file(&rr, &needs, dir, needs_cols, NELEM(needs_cols));
		if (needs.ok)
			read_needs(&rr, &needs, out);
	}

	ingest_csv_release(&needs.t);
	ingest_csv_release(&teams.t);
	ingest_csv_release(&services.t);
	ingest_csv_release(&sites.t);
	ingest_csv_release(&channels.t);
	ingest_csv_release(&outcomes.t);
	ingest_csv_release(&failures.t);
	ingest_csv_release(&holidays.t);

	if (rr.problems) {
		refdata_release(out);
		memset(out, 0, sizeof *out);
		return rr.first == STATUS_OK ? STATUS_INVALID : rr.first;
	}
	return STATUS_OK;
}
