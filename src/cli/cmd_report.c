/*
 * cmd_report.c — `frontdesk report NAME --from DATE --to DATE ...`: the
 * supervisor reports as a table, RFC 4180 CSV or JSON, and the drill-down
 * to the contacts behind a count.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "frontdesk/cli.h"
#include "frontdesk/report.h"
#include "frontdesk/sync.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk report NAME --from DATE --to DATE\n"
    "                        [--by service|team|site|advisor|channel|reason|day|week|month]\n"
    "                        [--site CODE] [--advisor CODE] [--format table|csv|json] [--bom]\n"
    "       frontdesk --user LOGIN report NAME --from DATE --to DATE [--by ...] --org-wide\n"
    "       frontdesk report NAME --from DATE --to DATE [--by ...] --drill KEY [--limit N]\n"
    "\n"
    "Reports over Europe/London days FROM to TO inclusive (YYYY-MM-DD); weeks\n"
    "are ISO weeks starting on Monday. NAME is one of:\n"
    "  referrals    contacts referred on, with the previous period and the change\n"
    "  fcr          first-contact resolution against the target, plain and audited\n"
    "  channels     channel mix and digital take-up\n"
    "  failure      failure demand by reason (or service, ...), top first\n"
    "  signposting  signposted and assisted digital against yearly targets\n"
    "  cost         cost to serve, now and at the target channel mix\n"
    "  cases        case service standards by team or service\n"
    "A share with nothing to divide by shows as n/a (null in JSON). Reports\n"
    "carry no personal data; --drill KEY lists the contacts behind one row\n"
    "(KEY from the first column, or total) with customers' names, and every\n"
    "name shown is audited. --bom starts CSV with a byte-order mark for older\n"
    "Excel. --org-wide asks the central server for the figures of all hubs\n"
    "(supervisors and administrators; the --user password is checked there, once).\n"
    "An advisor sees only their own figures.\n";

enum {
	OPT_FROM = 1000,
	OPT_TO,
	OPT_BY,
	OPT_SITE,
	OPT_ADVISOR,
	OPT_BOM,
	OPT_DRILL,
	OPT_LIMIT,
	OPT_ORG_WIDE
};

static const struct option options[] = {
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"by", required_argument, NULL, OPT_BY},
    {"site", required_argument, NULL, OPT_SITE},
    {"advisor", required_argument, NULL, OPT_ADVISOR},
    CLI_OPTION_FORMAT,
    {"bom", no_argument, NULL, OPT_BOM},
    {"drill", required_argument, NULL, OPT_DRILL},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"org-wide", no_argument, NULL, OPT_ORG_WIDE},
    {NULL, 0, NULL, 0},
};

static int usage_names(const char *what, const char *word, const char *const *names)
{
	const char *hint = cli_suggest(word, names);
	struct buf list;
	int rc;

	if (hint)
		return cli_usage(&cmd_report, "unknown %s '%s'; did you mean '%s'?", what, word, hint);
	buf_init(&list, 0); /* the program's own names: no cap needed */
	for (size_t i = 0; names[i]; i++)
		buf_printf(&list, "%s%s", i ? ", " : "", names[i]);
	rc = cli_usage(&cmd_report, "unknown %s '%s'; use one of: %s", what, word, buf_str(&list));
	buf_release(&list);
	return rc;
}

/* ---- the report table ------------------------------------------------------ */

static void print_table(const struct report_table *t, int format, bool bom)
{
	const char **names = xcalloc(t->ncolumns + 1, sizeof *names);
	const char **cells = xcalloc(t->ncolumns + 1, sizeof *cells);
	char (*text)[64] = xcalloc(t->ncolumns + 1, sizeof *text);
	struct cli_table *out;

	for (size_t c = 0; c < t->ncolumns; c++)
		names[c] = t->columns[c].name;
	out = cli_table_new(names, t->ncolumns);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncolumns; c++) {
			const struct report_cell *cell = report_cell(t, r, c);

			if (cell->kind == REPORT_VALUE_TEXT && !cell->blank) {
				cells[c] = cell->text;
				continue;
			}
			report_cell_format(cell, format == CLI_FORMAT_TABLE, text[c], sizeof text[c]);
			cells[c] = text[c];
		}
		cli_table_add(out, cells);
	}
	if (format == CLI_FORMAT_TABLE)
		printf("%s\n", t->title);
	if (bom)
		fputs("\xEF\xBB\xBF", stdout);
	cli_table_print(out, (enum cli_format)format, stdout);
	if (format == CLI_FORMAT_TABLE && t->note)
		printf("(%s)\n", t->note);
	cli_table_free(out);
	free(text);
	free(cells);
	free(names);
}

static void print_json(const struct report_table *t, const struct report_query *q)
{
	json_t *root = report_table_json(t, q, NULL);
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));

	if (!text)
		die("out of memory formatting JSON");
	puts(text);
	free(text);
	json_decref(root);
}

/* ---- drill-down ---------------------------------------------------------- */

static int add_drill_row(void *ctx, const struct report_contact *k)
{
	struct cli_table *t = ctx;
	char when[32] = "";
	int64_t ms;

	/* When, as the London date and UTC time it was logged. */
	if (time_parse_utc(k->created_at, &ms) == STATUS_OK) {
		char day[16];

		date_format(date_of_ms_london(ms), day, sizeof day);
		snprintf(when, sizeof when, "%s %.5sZ", day, k->created_at + 11);
	}
	{
		const char *cells[] = {when,	   k->case_reference, k->service, k->site,
				       k->channel, k->advisor,	      k->outcome, k->failure,
				       k->customer_name};

		cli_table_add(t, cells);
	}
	return 0;
}

static int run_drill(const struct report_source *src, const struct report_viewer *v,
		     const struct report_query *q, const char *key, long limit, int format,
		     bool bom)
{
	static const char *const columns[] = {"when",	 "case",    "service",
					      "site",	 "channel", "advisor",
					      "outcome", "failure", "customer"};
	struct cli_table *t = cli_table_new(columns, sizeof columns / sizeof columns[0]);
	struct err e;
	int rc = CLI_EXIT_OK;

	err_clear(&e);
	if (report_drill(src, v, q, key, limit, add_drill_row, t, &e) != STATUS_OK) {
		rc = e.code == STATUS_USAGE ? cli_usage(&cmd_report, "%s", e.msg) : cli_fail_err(&e);
	} else {
		if (bom)
			fputs("\xEF\xBB\xBF", stdout);
		cli_table_print(t, (enum cli_format)format, stdout);
	}
	cli_table_free(t);
	return rc;
}

/* ---- all hubs ------------------------------------------------------------- */

static int run_org_wide(const struct cli_global *g, struct store *s, const struct report_query *q,
			int format, bool bom)
{
	char password[PASSWORD_MAX_BYTES + 2];
	struct sync_report_request rq = { 0 };
	struct sync_person person = { 0 };
	struct report_table *t = NULL;
	json_t *j = NULL;
	struct err e;
	int rc = CLI_EXIT_OK;

	err_clear(&e);
	/* An advisor is refused here first (and audited), not only by the server. */
	if (store_require(s, STORE_PERM_REPORT_ALL, "report", NULL, &e) != STATUS_OK)
		return cli_fail_err(&e);
	if (!cli_password_take(password, sizeof password))
		return cli_fail("no password for '%s' to show the server", g->user);
	rq.query = q;
	snprintf(person.login, sizeof person.login, "%s", g->user);
	snprintf(person.password, sizeof person.password, "%s", password);
	sodium_memzero(password, sizeof password);
	rq.person = &person;
	if (sync_report_fetch(s, store_path(s), &rq, &j, &e) != STATUS_OK ||
	    report_table_from_json(j, &t, &e) != STATUS_OK) {
		rc = e.code == STATUS_USAGE ? cli_usage(&cmd_report, "%s", e.msg) : cli_fail_err(&e);
	} else if (format == CLI_FORMAT_JSON) {
		char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					       JSON_REAL_PRECISION(12));

		if (!text)
			die("out of memory formatting JSON");
		puts(text);
		free(text);
	} else {
		char *title = xasprintf("%s (all hubs)", t->title ? t->title : "");

		free(t->title);
		t->title = title;
		print_table(t, format, bom);
	}
	/* the session opened for this one report ends with it */
	sync_person_end(s, store_path(s), NULL, &person);
	report_table_free(t);
	json_decref(j);
	return rc;
}

/* ---- run -------------------------------------------------------------------- */

struct report_args {
	struct report_query q;
	const char *from, *to, *drill;
	long limit;
	bool bom, org_wide;
};

static void report_defaults(struct cli_call *call)
{
	struct report_args *a = call->args;

	a->limit = 100;
}

static int report_option(struct cli_call *call, int c, char *optarg)
{
	static const char *bys[REPORT_BY_COUNT + 1];
	struct report_args *a = call->args;
	int rc;

	for (int i = 0; i < REPORT_BY_COUNT; i++)
		bys[i] = report_by_name((enum report_by)i);
	switch (c) {
	case OPT_FROM:
		a->from = optarg;
		break;
	case OPT_TO:
		a->to = optarg;
		break;
	case OPT_BY:
		rc = report_by_find(optarg);
		if (rc < 0)
			return usage_names("grouping", optarg, bys);
		a->q.by = (enum report_by)rc;
		break;
	case OPT_SITE:
		a->q.site = optarg;
		break;
	case OPT_ADVISOR:
		a->q.advisor = optarg;
		break;
	case OPT_BOM:
		a->bom = true;
		break;
	case OPT_DRILL:
		a->drill = optarg;
		break;
	case OPT_ORG_WIDE:
		a->org_wide = true;
		break;
	case OPT_LIMIT:
		if (!cli_parse_long(&cmd_report, "--limit", optarg, 1, 100000, &a->limit))
			return CLI_EXIT_USAGE;
		break;
	}
	return -1;
}

static int report_check(struct cli_call *call)
{
	static const char *kinds[REPORT_KIND_COUNT + 1];
	struct report_args *a = call->args;
	struct report_query *q = &a->q;
	struct err e;
	int kind;

	for (int i = 0; i < REPORT_KIND_COUNT; i++)
		kinds[i] = report_kind_name((enum report_kind)i);
	if (call->argc < 1)
		return cli_usage(&cmd_report, "which report? give one of: referrals, fcr, channels, "
					      "failure, signposting, cost, cases");
	kind = report_kind_find(call->argv[0]);
	if (kind < 0)
		return usage_names("report", call->argv[0], kinds);
	if (call->argc > 1)
		return cli_usage(&cmd_report, "report takes one report name, not '%s'",
				 call->argv[1]);
	q->kind = (enum report_kind)kind;
	if (!a->from || !a->to)
		return cli_usage(&cmd_report, "a report needs a period: --from DATE --to DATE");
	err_clear(&e);
	if (date_parse(a->from, &q->from, "--from", &e) != STATUS_OK ||
	    date_parse(a->to, &q->to, "--to", &e) != STATUS_OK)
		return cli_usage(&cmd_report, "%s", e.msg);
	if (a->bom && call->format != CLI_FORMAT_CSV)
		return cli_usage(&cmd_report, "--bom is for --format csv");
	if (a->org_wide && (a->drill || q->advisor))
		return cli_usage(&cmd_report,
				 "--org-wide takes no %s; drill into contacts at a desk",
				 a->drill ? "--drill" : "--advisor");
	if (a->org_wide && !call->g->user)
		return cli_usage(&cmd_report, "--org-wide needs --user LOGIN: a supervisor's login, "
					      "which the server checks");
	return -1;
}

static int run_report(struct cli_call *call)
{
	const struct report_args *a = call->args;
	struct report_table *t = NULL;
	struct report_viewer v;
	struct report_source src;
	struct err e;
	int rc;

	/* As whoever signed in (--user), else the system account: the owner
	 * of the database file is its administrator. */
	store_report_viewer(call->store, &v);
	store_report_source(call->store, &src);
	if (a->org_wide)
		return run_org_wide(call->g, call->store, &a->q, call->format, a->bom);
	if (a->drill)
		return run_drill(&src, &v, &a->q, a->drill, a->limit, call->format, a->bom);
	err_clear(&e);
	if (report_run(&src, &v, &a->q, &t, &e) != STATUS_OK) {
		rc = e.code == STATUS_USAGE ? cli_usage(&cmd_report, "%s", e.msg) : cli_fail_err(&e);
	} else {
		if (call->format == CLI_FORMAT_JSON)
			print_json(t, &a->q);
		else
			print_table(t, call->format, a->bom);
		rc = CLI_EXIT_OK;
	}
	report_table_free(t);
	return rc;
}

static const struct cli_action report_action = {
    .store = CLI_STORE,
    .formats = "table|csv|json",
    .options = options,
    .args_size = sizeof(struct report_args),
    .init = report_defaults,
    .option = report_option,
    .check = report_check,
    .run = run_report,
};

static const struct cli_action *const actions[] = {&report_action, NULL};

const struct cli_command cmd_report = {
    .name = "report",
    .summary = "supervisor reports: referrals, FCR, channels, failure demand, cost, cases",
    .usage = usage,
    .actions = actions,
};
