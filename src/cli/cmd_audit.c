/*
 * cmd_audit.c — `frontdesk audit verify|show`: check the audit
 * trail's hash chain and read it. Both need a supervisor or administrator
 * (the store refuses and audits anyone else) and are audited themselves.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/cli.h"
#include "frontdesk/sync.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk audit verify [--offline]\n"
    "       frontdesk audit show [--customer ID] [--user LOGIN] [--from TIME] [--limit N]\n"
    "                            [--format table|csv|json]\n"
    "\n"
    "The audit trail records every sign-in and sign-out, every opening of a\n"
    "customer's record, every edit, export, erasure, report drill-down, role\n"
    "change and refusal. Rows are append-only and each carries the hash of the one\n"
    "before it.\n"
    "\n"
    "verify recomputes every hash and names the first row that was changed,\n"
    "deleted or moved (exit 1 then); at a desk that syncs it also compares the\n"
    "trail with the last row the server confirmed, so rows cut off the end are\n"
    "caught (exit 1), and says when that was; it asks the server for that row\n"
    "unless --offline. show lists rows oldest first: --customer\n"
    "those about one customer (their record, contacts and cases), --user those by\n"
    "one login, --from those at or after an ISO 8601 UTC time. Both need a\n"
    "supervisor or an administrator.\n";

enum { OPT_CUSTOMER = 1000, OPT_USER, OPT_FROM, OPT_LIMIT, OPT_OFFLINE };

static const struct option show_options[] = {
    {"customer", required_argument, NULL, OPT_CUSTOMER},
    {"user", required_argument, NULL, OPT_USER},
    {"from", required_argument, NULL, OPT_FROM},
    {"limit", required_argument, NULL, OPT_LIMIT},
    CLI_OPTION_FORMAT,
    {NULL, 0, NULL, 0},
};
static const struct option verify_options[] = {
    {"offline", no_argument, NULL, OPT_OFFLINE},
    {NULL, 0, NULL, 0},
};

/* When the server confirmed the head, as a London date and time. */
static void ack_when(const char *utc, char *out, size_t outsz)
{
	int64_t ms;

	if (time_parse_utc(utc, &ms) == STATUS_OK)
		time_format_london(ms, out, outsz);
	else
		snprintf(out, outsz, "%s", "an unknown date");
}

/*
 * Online, the server's head is asked for live and kept as the last
 * confirmation, so removing that from the database file hides nothing.
 * Offline (or not enrolled) the last confirmation kept is used; a
 * frontdeskd without the endpoint is the same as offline.
 */
static void live_head(struct store *s)
{
	char hash[65], *url = store_sync_state(s, "server_url");
	long long seq;
	struct err e;

	err_clear(&e);
	if (url && *url) {
		if (sync_audit_head_fetch(s, store_path(s), &seq, hash, &e) != STATUS_OK)
			fprintf(stderr,
				"frontdesk: %s; comparing with the last row the server confirmed "
				"at a sync\n",
				e.msg);
		else if (seq > 0 && store_audit_ack(s, seq, hash, &e) != STATUS_OK)
			fprintf(stderr, "frontdesk: %s\n", e.msg);
	}
	free(url);
}

static int verify_option(struct cli_call *call, int opt, char *arg)
{
	bool *offline = call->args;

	(void)arg;
	if (opt == OPT_OFFLINE)
		*offline = true;
	return -1;
}

static int audit_verify(struct cli_call *call)
{
	const bool *offline = call->args;
	struct audit_verify v;
	struct err e;
	int rc;

	err_clear(&e);
	if (!*offline)
		live_head(call->store);
	if (store_audit_verify(call->store, &v, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else if (v.first_bad) {
		rc = cli_fail("the audit trail is broken: %s; %lld rows before it are sound. Keep "
			      "this database as evidence and compare it with the server's copy",
			      v.problem, v.last_seq ? v.rows - 1 : 0);
	} else if (v.cut) {
		char when[20];

		ack_when(v.acked_at, when, sizeof when);
		rc = cli_fail("rows were removed from the end of the audit trail (the server "
			      "confirmed row %lld on %s; the trail here ends at row %lld%s). Keep "
			      "this database as evidence and compare it with the server's copy "
			      "(frontdeskd audit verify)",
			      v.acked_seq, when, v.last_seq,
			      v.last_seq >= v.acked_seq ? ", rewritten since" : "");
	} else {
		printf("audit trail whole: %lld row%s, the last row %lld with hash %.16s...\n",
		       v.rows, v.rows == 1 ? "" : "s", v.last_seq, v.head);
		if (v.acked_seq > 0) {
			char when[20];

			ack_when(v.acked_at, when, sizeof when);
			printf("the server confirmed row %lld on %s (rows after it are confirmed "
			       "at the next sync)\n",
			       v.acked_seq, when);
		} else if (v.enrolled) {
			printf("the server has not confirmed any row yet; sync to anchor the trail "
			       "(frontdesk sync)\n");
		}
		rc = CLI_EXIT_OK;
	}
	return rc;
}

struct show_ctx {
	struct cli_table *t;
	bool hashes;
};

static int add_row(void *ctx, const struct audit_row *r)
{
	struct show_ctx *sc = ctx;
	char seq[24];
	const char *cells[9];

	snprintf(seq, sizeof seq, "%lld", r->seq);
	cells[0] = seq;
	cells[1] = r->at;
	cells[2] = r->actor;
	cells[3] = r->action;
	cells[4] = r->record_type;
	cells[5] = r->record_id;
	cells[6] = r->detail;
	cells[7] = r->prev_hash;
	cells[8] = r->hash;
	cli_table_add(sc->t, cells);
	return 0;
}

static int show_option(struct cli_call *call, int opt, char *arg)
{
	struct audit_filter *f = call->args;
	int64_t ms;

	switch (opt) {
	case OPT_CUSTOMER:
		if (!uuid_valid(arg))
			return cli_usage(&cmd_audit, "'%s' is not a customer id", arg);
		f->customer_id = arg;
		break;
	case OPT_USER:
		f->user = arg;
		break;
	case OPT_FROM:
		if (time_parse_utc(arg, &ms) != STATUS_OK)
			return cli_usage(&cmd_audit,
					 "--from '%s' is not a time; write it like "
					 "2026-11-20T09:00:00Z",
					 arg);
		f->from = arg;
		break;
	case OPT_LIMIT:
		if (!cli_parse_long(&cmd_audit, "--limit", arg, 1, 100000000, &f->limit))
			return CLI_EXIT_USAGE;
		break;
	}
	return -1;
}

static int show_check(struct cli_call *call)
{
	if (call->argc > 0)
		return cli_usage(&cmd_audit, "unexpected argument '%s'", call->argv[0]);
	return -1;
}

static int audit_show(struct cli_call *call)
{
	static const char *const columns[] = {"seq",	"at",	  "actor",     "action", "type",
					      "record", "detail", "prev_hash", "hash"};
	struct show_ctx sc = {0};
	struct err e;
	int rc;

	/* The table leaves out the hashes; csv and json carry them. */
	sc.hashes = call->format != CLI_FORMAT_TABLE;
	sc.t = cli_table_new(columns, sc.hashes ? 9 : 7);
	err_clear(&e);
	if (store_audit_list(call->store, call->args, add_row, &sc, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		cli_table_print(sc.t, (enum cli_format)call->format, stdout);
		rc = CLI_EXIT_OK;
	}
	cli_table_free(sc.t);
	return rc;
}

static const struct cli_action verify_action = {
    .name = "verify",
    .store = CLI_STORE,
    .options = verify_options,
    .args_size = sizeof(bool),
    .option = verify_option,
    .check = cli_no_operands,
    .run = audit_verify,
};

static const struct cli_action show_action = {
    .name = "show",
    .store = CLI_STORE,
    .formats = "table|csv|json",
    .options = show_options,
    .args_size = sizeof(struct audit_filter),
    .option = show_option,
    .check = show_check,
    .run = audit_show,
};

static const struct cli_action *const actions[] = {&verify_action, &show_action, NULL};

const struct cli_command cmd_audit = {
    .name = "audit",
    .summary = "verify and read the audit trail",
    .usage = usage,
    .actions = actions,
};
