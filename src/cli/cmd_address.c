/*
 * cmd_address.c — `frontdesk address find POSTCODE | NUMBER STREET`: looks
 * addresses up in the council's gazetteer (loaded with `frontdesk data
 * load --gazetteer FILE`), to give a customer's UPRN.
 */
#include <stdio.h>
#include <string.h>

#include "frontdesk/cli.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk address find POSTCODE [--format table|csv|json]\n"
    "       frontdesk address find [NUMBER] STREET... [--format table|csv|json]\n"
    "\n"
    "Finds addresses in the council's gazetteer, loaded with\n"
    "frontdesk data load --gazetteer FILE. A UK postcode (with or without its\n"
    "space) lists every address at it; other words are a house number and the\n"
    "start of a street name (\"12 high st\" finds 12 High Street; \"high st\"\n"
    "every address on it), case and accents ignored. At most 200 addresses,\n"
    "with their UPRN, in street and number order.\n";

struct find_args {
	struct buf text;
};

static void find_init(struct cli_call *call)
{
	struct find_args *fa = call->args;

	buf_init(&fa->text, 4096);
}

static void find_release(struct cli_call *call)
{
	struct find_args *fa = call->args;

	buf_release(&fa->text);
}

static int find_check(struct cli_call *call)
{
	struct find_args *fa = call->args;

	if (call->argc < 1)
		return cli_usage(&cmd_address, "find needs a postcode, or a house number and "
					       "street, such as: find '12 high st'");
	for (int i = 0; i < call->argc; i++)
		if (buf_printf(&fa->text, "%s%s", i > 0 ? " " : "", call->argv[i]) != STATUS_OK)
			return cli_fail("the search text is too long; give a postcode or a "
					"house number and street");
	return -1;
}

static int add_address(void *ctx, const struct gazetteer_address *a)
{
	const char *cells[] = {a->uprn, a->address, a->town, a->postcode};

	cli_table_add(ctx, cells);
	return 0;
}

static int address_find(struct cli_call *call)
{
	static const char *const columns[] = {"uprn", "address", "town", "postcode"};
	const char *text = buf_str(&((struct find_args *)call->args)->text);
	struct cli_table *t = cli_table_new(columns, sizeof columns / sizeof columns[0]);
	char postcode[16], number[32] = "";
	const char *street = text;
	long found = 0;
	struct err e;
	enum status rc;
	int exit;

	err_clear(&e);
	if (valid_postcode("postcode", text, postcode, sizeof postcode, NULL) == STATUS_OK) {
		rc = store_gazetteer_postcode(call->store, postcode, add_address, t, &found, &e);
	} else {
		/* A first word that starts with a digit is the house number. */
		size_t n = strcspn(text, " ");

		if (text[0] >= '0' && text[0] <= '9' && text[n] && n < sizeof number) {
			memcpy(number, text, n);
			number[n] = '\0';
			street = text + n + strspn(text + n, " ");
		}
		if (!street[strspn(street, " ,.")]) {
			cli_table_free(t);
			return cli_usage(&cmd_address, "find needs a postcode, or a street name "
						       "after the house number");
		}
		rc =
		    store_gazetteer_street(call->store, number, street, add_address, t, &found, &e);
	}
	if (rc != STATUS_OK) {
		exit = cli_fail_err(&e);
	} else if (found == 0 && store_gazetteer_count(call->store) <= 0) {
		exit = cli_fail("no gazetteer is loaded; load the council's with: frontdesk data "
				"load --gazetteer FILE");
	} else if (found == 0 && call->format == CLI_FORMAT_TABLE) {
		/* What was typed may be a customer's address: not echoed. */
		fputs("frontdesk: no address in the gazetteer matches that search\n", stderr);
		exit = CLI_EXIT_OK;
	} else {
		cli_table_print(t, (enum cli_format)call->format, stdout);
		exit = CLI_EXIT_OK;
	}
	cli_table_free(t);
	return exit;
}

static const struct cli_action find_action = {
    .name = "find",
    .store = CLI_STORE,
    .formats = "table|csv|json",
    .options = cli_format_options,
    .args_size = sizeof(struct find_args),
    .init = find_init,
    .check = find_check,
    .run = address_find,
    .release = find_release,
};

static const struct cli_action *const actions[] = {&find_action, NULL};

const struct cli_command cmd_address = {
    .name = "address",
    .summary = "find addresses and UPRNs in the council's gazetteer",
    .usage = usage,
    .actions = actions,
};
