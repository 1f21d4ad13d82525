/*
 * cmd_case.c — `frontdesk case list|show`: referrals to back-office teams.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "frontdesk/cli.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk case list [--status STATUS|all] [--team CODE] [--overdue]\n"
    "                           [--format table|csv|json]\n"
    "       frontdesk case show REF [--format table|json]\n"
    "\n"
    "Lists cases (referrals), oldest due first, and shows one case with its\n"
    "history. Without --status, list shows the cases still open (open,\n"
    "in-progress, awaiting-customer); STATUS is one of those, closed, or all.\n";

enum { OPT_STATUS = 1000, OPT_TEAM, OPT_OVERDUE, OPT_FORMAT };

static const struct option list_options[] = {
    {"status", required_argument, NULL, OPT_STATUS},
    {"team", required_argument, NULL, OPT_TEAM},
    {"overdue", no_argument, NULL, OPT_OVERDUE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
static const struct option show_options[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct list_ctx {
	struct cli_table *table;
	long rows;
};

static int add_case_row(void *ctx, const struct case_row *r)
{
	struct list_ctx *lc = ctx;
	const char *cells[] = {r->reference,   r->status, r->team,
			       r->service,     r->due,	  r->overdue ? "yes" : "no",
			       r->customer_id, r->reason};

	cli_table_add(lc->table, cells);
	lc->rows++;
	return 0;
}

static int parse_format(const char *arg, bool list, int *format)
{
	int f = cli_format_parse(arg);

	if (f < 0 || (!list && f == FORMAT_CSV))
		return cli_usage(&cmd_case, "unknown format '%s'; use %s", arg,
				 list ? "table, csv or json" : "table or json");
	*format = f;
	return -1;
}

static int case_list(const struct cli_global *g, int argc, char **argv)
{
	static const char *const columns[] = {"reference", "status",  "team",	  "service",
					      "due",	   "overdue", "customer", "reason"};
	struct case_filter f = {0};
	struct list_ctx lc = {0};
	struct store *s;
	struct err e;
	int format = FORMAT_TABLE;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", list_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&cmd_case);
		case OPT_STATUS:
			if (strcmp(optarg, "all") != 0 && case_status_find(optarg) < 0)
				return cli_usage(&cmd_case,
						 "unknown status '%s'; use open, in-progress, "
						 "awaiting-customer, closed or all",
						 optarg);
			f.status = optarg;
			break;
		case OPT_TEAM:
			f.team = optarg;
			break;
		case OPT_OVERDUE:
			f.overdue = true;
			break;
		case OPT_FORMAT:
			rc = parse_format(optarg, true, &format);
			if (rc >= 0)
				return rc;
			break;
		default:
			return cli_bad_option(&cmd_case, c, argv, list_options);
		}
	}
	if (optind < argc)
		return cli_usage(&cmd_case, "list takes no arguments, not '%s'", argv[optind]);
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	err_clear(&e);
	if (f.team && store_ref_check(s, REF_TEAM, f.team, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
		store_close(s);
		return rc;
	}
	lc.table = cli_table_new(columns, sizeof columns / sizeof columns[0]);
	if (store_case_list(s, &f, add_case_row, &lc, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else if (lc.rows == 0 && format == FORMAT_TABLE) {
		fprintf(stderr, "frontdesk: no %scases%s%s%s\n", f.overdue ? "overdue " : "",
			f.status ? " with status " : " still open", f.status ? f.status : "",
			f.team ? " for that team" : "");
		rc = EXIT_OK;
	} else {
		cli_table_print(lc.table, (enum cli_format)format, stdout);
		rc = EXIT_OK;
	}
	cli_table_free(lc.table);
	store_close(s);
	return rc;
}

/* ---- show ------------------------------------------------------------------ */

struct show_ctx {
	int format;
	json_t *json;	/* the case object (json format) */
	json_t *events; /* its "events" array */
	struct cli_table *history;
	bool found;
};

static void json_set_text(json_t *obj, const char *key, const char *v)
{
	json_t *j = v ? json_string(v) : json_null();

	json_object_set_new(obj, key, j ? j : json_null());
}

static int show_case(void *ctx, const struct case_row *r)
{
	struct show_ctx *sc = ctx;

	sc->found = true;
	if (sc->format == FORMAT_JSON) {
		sc->json = json_object();
		json_set_text(sc->json, "id", r->id);
		json_set_text(sc->json, "reference", r->reference);
		json_set_text(sc->json, "status", r->status);
		json_set_text(sc->json, "team", r->team);
		json_set_text(sc->json, "service", r->service);
		json_set_text(sc->json, "customer", r->customer_id);
		json_set_text(sc->json, "reason", r->reason);
		json_set_text(sc->json, "due", r->due);
		json_object_set_new(sc->json, "overdue", json_boolean(r->overdue));
		json_set_text(sc->json, "created_at", r->created_at);
		json_set_text(sc->json, "closed_at", r->closed_at);
		json_set_text(sc->json, "result", r->result);
		sc->events = json_array();
		json_object_set(sc->json, "events", sc->events);
	} else {
		const struct cli_kv rows[] = {
		    {"reference", r->reference},
		    {"status", r->status},
		    {"team", r->team},
		    {"service", r->service},
		    {"customer", r->customer_id},
		    {"reason", r->reason},
		    {"due", r->due},
		    {"overdue", r->overdue ? "yes" : "no"},
		    {"created", r->created_at},
		    {"closed", r->closed_at},
		    {"result", r->result},
		    {"id", r->id},
		};
		cli_kv_print(rows, sizeof rows / sizeof rows[0], stdout);
	}
	return 0;
}

static int show_event(void *ctx, const struct case_event_row *ev)
{
	struct show_ctx *sc = ctx;

	if (sc->format == FORMAT_JSON) {
		json_t *o = json_object();

		if (!sc->events)
			return 0;
		json_set_text(o, "at", ev->at);
		json_set_text(o, "status", ev->status);
		json_set_text(o, "actor", ev->actor);
		json_set_text(o, "note", ev->note);
		json_array_append_new(sc->events, o);
	} else {
		const char *cells[] = {ev->at, ev->status, ev->actor, ev->note};

		cli_table_add(sc->history, cells);
	}
	return 0;
}

static int case_show(const struct cli_global *g, int argc, char **argv)
{
	static const char *const columns[] = {"at", "status", "by", "note"};
	struct show_ctx sc = {0};
	struct store *s;
	struct err e;
	int c, rc;

	sc.format = FORMAT_TABLE;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", show_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_case);
		if (c != OPT_FORMAT)
			return cli_bad_option(&cmd_case, c, argv, show_options);
		rc = parse_format(optarg, false, &sc.format);
		if (rc >= 0)
			return rc;
	}
	if (optind >= argc)
		return cli_usage(&cmd_case, "show needs a case reference, such as WB2-00417");
	if (optind + 1 < argc)
		return cli_usage(&cmd_case, "show takes one reference, not %d", argc - optind);
	if (!case_reference_valid(argv[optind]))
		return cli_fail("'%s' is not a case reference; references look like WB2-00417 "
				"(see: frontdesk case list)",
				argv[optind]);
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	sc.history = cli_table_new(columns, 4);
	err_clear(&e);
	if (store_case_show(s, argv[optind], show_case, show_event, &sc, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else if (!sc.found) {
		rc = cli_fail("no case '%s'; see the open cases with: frontdesk case list",
			      argv[optind]);
	} else if (sc.format == FORMAT_JSON) {
		char *text = json_dumps(sc.json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (!text)
			die("out of memory formatting JSON");
		printf("%s\n", text);
		free(text);
		rc = EXIT_OK;
	} else {
		printf("\nhistory:\n");
		cli_table_print(sc.history, FORMAT_TABLE, stdout);
		rc = EXIT_OK;
	}
	json_decref(sc.events);
	json_decref(sc.json);
	cli_table_free(sc.history);
	store_close(s);
	return rc;
}

static int run(const struct cli_global *g, int argc, char **argv)
{
	static const char *const actions[] = {"list", "show", NULL};

	if (argc < 2)
		return cli_usage(&cmd_case, "give an action: list or show");
	switch (cli_action_find(&cmd_case, argv[1], actions)) {
	case 0:
		return case_list(g, argc - 1, argv + 1);
	case 1:
		return case_show(g, argc - 1, argv + 1);
	default:
		return EXIT_USAGE;
	}
}

const struct cli_command cmd_case = {
    .name = "case",
    .summary = "list and show cases referred to back-office teams",
    .usage = usage,
    .run = run,
};
