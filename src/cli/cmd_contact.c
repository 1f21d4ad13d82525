/*
 * cmd_contact.c — `frontdesk contact log`: records one enquiry (and, when it
 * was referred, opens the case) in one durable transaction.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "frontdesk/cli.h"
#include "cli_util.h"

#define DURATION_MAX_S (24L * 60 * 60)

static const char usage[] =
    "usage: frontdesk contact log --service CODE --outcome CODE [OPTIONS]\n"
    "\n"
    "Logs one enquiry. Prints the contact's ID, then 'visit ID' (give it to\n"
    "--visit to group the next enquiry of the same visit or call), and for a\n"
    "referral 'case REF referred to TEAM, due YYYY-MM-DD'.\n"
    "\n"
    "options:\n"
    "  --service CODE          the service asked about (required)\n"
    "  --outcome CODE          resolved, referred, signposted, assisted-digital,\n"
    "                          appointment, abandoned (required)\n"
    "  --channel CODE          how the customer came (default: config default_channel)\n"
    "  --site CODE             where (default: config site)\n"
    "  --customer ID           who, when known (most enquiries are anonymous)\n"
    "  --visit ID              add to an earlier visit or call\n"
    "  --team CODE             referral: the team (default: the service's team)\n"
    "  --reason TEXT           referral: why (required when referred)\n"
    "  --failure-demand CODE   the contact was avoidable: why it happened\n"
    "  --notes TEXT            free notes\n"
    "  --duration SECONDS      how long it took (0-86400)\n";

enum {
	OPT_SERVICE = 1000,
	OPT_OUTCOME,
	OPT_CHANNEL,
	OPT_SITE,
	OPT_CUSTOMER,
	OPT_VISIT,
	OPT_TEAM,
	OPT_REASON,
	OPT_FAILURE,
	OPT_NOTES,
	OPT_DURATION,
};

static const struct option log_options[] = {
    {"service", required_argument, NULL, OPT_SERVICE},
    {"outcome", required_argument, NULL, OPT_OUTCOME},
    {"channel", required_argument, NULL, OPT_CHANNEL},
    {"site", required_argument, NULL, OPT_SITE},
    {"customer", required_argument, NULL, OPT_CUSTOMER},
    {"visit", required_argument, NULL, OPT_VISIT},
    {"team", required_argument, NULL, OPT_TEAM},
    {"reason", required_argument, NULL, OPT_REASON},
    {"failure-demand", required_argument, NULL, OPT_FAILURE},
    {"notes", required_argument, NULL, OPT_NOTES},
    {"duration", required_argument, NULL, OPT_DURATION},
    {NULL, 0, NULL, 0},
};

static void log_init(struct cli_call *call)
{
	struct contact_input *in = call->args;

	in->duration_s = -1;
}

static int log_option(struct cli_call *call, int opt, char *arg)
{
	struct contact_input *in = call->args;

	switch (opt) {
	case OPT_SERVICE:
		in->service = arg;
		break;
	case OPT_OUTCOME:
		in->outcome = arg;
		break;
	case OPT_CHANNEL:
		in->channel = arg;
		break;
	case OPT_SITE:
		in->site = arg;
		break;
	case OPT_CUSTOMER:
		in->customer_id = arg;
		break;
	case OPT_VISIT:
		in->visit_id = arg;
		break;
	case OPT_TEAM:
		in->team = arg;
		break;
	case OPT_REASON:
		in->reason = arg;
		break;
	case OPT_FAILURE:
		in->failure_demand = arg;
		break;
	case OPT_NOTES:
		in->notes = arg;
		break;
	case OPT_DURATION:
		if (!cli_parse_long(&cmd_contact, "--duration", arg, 0, DURATION_MAX_S,
				    &in->duration_s))
			return CLI_EXIT_USAGE;
		break;
	}
	return -1;
}

static int log_check(struct cli_call *call)
{
	const struct contact_input *in = call->args;

	if (call->argc > 0)
		return cli_usage(&cmd_contact,
				 "unexpected argument '%s'; put text in --notes "
				 "or --reason",
				 call->argv[0]);
	if (!in->service)
		return cli_usage(&cmd_contact, "say which service with --service CODE");
	if (!in->outcome)
		return cli_usage(&cmd_contact, "say how it ended with --outcome CODE");
	if ((in->team || in->reason) && strcmp(in->outcome, OUTCOME_REFERRED) != 0)
		return cli_usage(&cmd_contact,
				 "--team and --reason go with --outcome referred, "
				 "not '%s'",
				 in->outcome);
	if (strcmp(in->outcome, OUTCOME_REFERRED) == 0 && (!in->reason || !in->reason[0]))
		return cli_usage(&cmd_contact,
				 "a referral needs --reason TEXT saying what the team should do");
	if (in->customer_id && !uuid_valid(in->customer_id))
		return cli_fail("'%s' is not a customer id; find the id with: frontdesk customer "
				"find TEXT",
				in->customer_id);
	if (in->visit_id && !uuid_valid(in->visit_id))
		return cli_fail("'%s' is not a visit ID; use the 'visit' line an earlier "
				"'contact log' printed",
				in->visit_id);
	return -1;
}

static int contact_log(struct cli_call *call)
{
	struct contact_result res;
	struct err e;

	memset(&res, 0, sizeof res);
	err_clear(&e);
	if (store_contact_log(call->store, call->args, &res, &e) != STATUS_OK)
		return cli_fail_err(&e);
	printf("%s\n", res.contact_id);
	printf("visit %s\n", res.visit_id);
	if (res.case_ref[0])
		printf("case %s referred to %s, due %s\n", res.case_ref, res.team, res.due);
	return CLI_EXIT_OK;
}

static const struct cli_action log_action = {
    .name = "log",
    .store = CLI_STORE,
    .options = log_options,
    .args_size = sizeof(struct contact_input),
    .init = log_init,
    .option = log_option,
    .check = log_check,
    .run = contact_log,
};

static const struct cli_action *const actions[] = {&log_action, NULL};

const struct cli_command cmd_contact = {
    .name = "contact",
    .summary = "log an enquiry, and refer it to a team when needed",
    .usage = usage,
    .actions = actions,
};
