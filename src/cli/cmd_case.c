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

enum { OPT_STATUS = 1000, OPT_TEAM, OPT_OVERDUE };

static const struct option list_options[] = {
    {"status", required_argument, NULL, OPT_STATUS},
    {"team", required_argument, NULL, OPT_TEAM},
    {"overdue", no_argument, NULL, OPT_OVERDUE},
    CLI_OPTION_FORMAT,
    {NULL, 0, NULL, 0},
};

struct list_ctx {
	struct cli_table *table;
	long rows;
};

static int add_case_row(void *ctx, const struct case_row *r)
{
	struct list_ctx *lc = ctx;
	/* That the customer has needs (customer show says which). */
	const char *needs = r->customer_needs && *r->customer_needs ? "yes" : NULL;
	const char *cells[] = {r->reference,   r->status, r->team,
			       r->service,     r->due,	  r->overdue ? "yes" : "no",
			       r->customer_id, needs,     r->reason};

	cli_table_add(lc->table, cells);
	lc->rows++;
	return 0;
}

static int list_option(struct cli_call *call, int opt, char *arg)
{
	struct case_filter *f = call->args;

	switch (opt) {
	case OPT_STATUS:
		if (strcmp(arg, "all") != 0 && case_status_find(arg) < 0)
			return cli_usage(&cmd_case,
					 "unknown status '%s'; use open, in-progress, "
					 "awaiting-customer, closed or all",
					 arg);
		f->status = arg;
		break;
	case OPT_TEAM:
		f->team = arg;
		break;
	case OPT_OVERDUE:
		f->overdue = true;
		break;
	}
	return -1;
}

static int case_list(struct cli_call *call)
{
	static const char *const columns[] = {"reference", "status",   "team",  "service", "due",
					      "overdue",   "customer", "needs", "reason"};
	const struct case_filter *f = call->args;
	struct list_ctx lc = {0};
	struct err e;
	int rc;

	err_clear(&e);
	if (f->team && store_ref_check(call->store, REF_TEAM, f->team, &e) != STATUS_OK)
		return cli_fail_err(&e);
	lc.table = cli_table_new(columns, sizeof columns / sizeof columns[0]);
	if (store_case_list(call->store, f, add_case_row, &lc, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else if (lc.rows == 0 && call->format == CLI_FORMAT_TABLE) {
		fprintf(stderr, "frontdesk: no %scases%s%s%s\n", f->overdue ? "overdue " : "",
			f->status ? " with status " : " still open", f->status ? f->status : "",
			f->team ? " for that team" : "");
		rc = CLI_EXIT_OK;
	} else {
		cli_table_print(lc.table, (enum cli_format)call->format, stdout);
		rc = CLI_EXIT_OK;
	}
	cli_table_free(lc.table);
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
	if (sc->format == CLI_FORMAT_JSON) {
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

	if (sc->format == CLI_FORMAT_JSON) {
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

static int show_check(struct cli_call *call)
{
	if (call->argc < 1)
		return cli_usage(&cmd_case, "show needs a case reference, such as WB2-00417");
	if (call->argc > 1)
		return cli_usage(&cmd_case, "show takes one reference, not %d", call->argc);
	if (!case_reference_valid(call->argv[0]))
		return cli_fail("'%s' is not a case reference; references look like WB2-00417 "
				"(see: frontdesk case list)",
				call->argv[0]);
	return -1;
}

static int case_show(struct cli_call *call)
{
	static const char *const columns[] = {"at", "status", "by", "note"};
	struct show_ctx sc = {0};
	struct err e;
	int rc;

	sc.format = call->format;
	sc.history = cli_table_new(columns, 4);
	err_clear(&e);
	if (store_case_show(call->store, call->argv[0], show_case, show_event, &sc, &e) !=
	    STATUS_OK) {
		rc = cli_fail_err(&e);
	} else if (!sc.found) {
		rc = cli_fail("no case '%s'; see the open cases with: frontdesk case list",
			      call->argv[0]);
	} else if (sc.format == CLI_FORMAT_JSON) {
		char *text = json_dumps(sc.json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (!text)
			die("out of memory formatting JSON");
		printf("%s\n", text);
		free(text);
		rc = CLI_EXIT_OK;
	} else {
		printf("\nhistory:\n");
		cli_table_print(sc.history, CLI_FORMAT_TABLE, stdout);
		rc = CLI_EXIT_OK;
	}
	json_decref(sc.events);
	json_decref(sc.json);
	cli_table_free(sc.history);
	return rc;
}

static const struct cli_action list_action = {
    .name = "list",
    .store = CLI_STORE,
    .formats = "table|csv|json",
    .options = list_options,
    .args_size = sizeof(struct case_filter),
    .option = list_option,
    .check = cli_no_operands,
    .run = case_list,
};

static const struct cli_action show_action = {
    .name = "show",
    .store = CLI_STORE,
    .formats = "table|json",
    .options = cli_format_options,
    .check = show_check,
    .run = case_show,
};

static const struct cli_action *const actions[] = {&list_action, &show_action, NULL};

const struct cli_command cmd_case = {
    .name = "case",
    .summary = "list and show cases referred to back-office teams",
    .usage = usage,
    .actions = actions,
};
