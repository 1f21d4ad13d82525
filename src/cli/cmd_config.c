/*
 * cmd_config.c — `frontdesk config get KEY | set KEY VALUE | list`: the
 * desk's settings (site, default channel, device code, ...), kept in the
 * database and checked by the store.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/cli.h"
#include "frontdesk/sync.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk config get KEY\n"
    "       frontdesk config set KEY VALUE\n"
    "       frontdesk config list [--format table|csv|json]\n"
    "\n"
    "Reads and changes this desk's settings, kept in the database. 'list' shows\n"
    "every setting the program knows, its value and what it means. Site and\n"
    "channel codes must exist in the reference data (see 'frontdesk data').\n";

static int get_check(struct cli_call *call)
{
	if (call->argc != 1)
		return cli_usage(&cmd_config, "get takes one KEY, such as: config get site");
	return -1;
}

static int config_get(struct cli_call *call)
{
	struct err e;
	char *value = NULL;
	int rc;

	err_clear(&e);
	if (store_setting_get(call->store, call->argv[0], &value, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else if (!value) {
		rc = cli_fail("setting '%s' is not set; set it with: frontdesk config set %s VALUE",
			      call->argv[0], call->argv[0]);
	} else {
		printf("%s\n", value);
		rc = CLI_EXIT_OK;
	}
	free(value);
	return rc;
}

static int set_check(struct cli_call *call)
{
	if (call->argc != 2)
		return cli_usage(&cmd_config,
				 "set takes a KEY and a VALUE, such as: config set site town-hall");
	return -1;
}

static int config_set(struct cli_call *call)
{
	const char *key = call->argv[0], *value = call->argv[1];
	struct err e;
	int rc;

	err_clear(&e);
	if (strcmp(key, "server_url") == 0) {
		/* parsed as curl will connect (the store only knows its shape) */
		char *url = sync_url_parse(value, NULL, &e);

		rc = url && store_setting_set(call->store, key, url, &e) == STATUS_OK
			 ? CLI_EXIT_OK
			 : cli_fail_err(&e);
		free(url);
	} else if (store_setting_set(call->store, key, value, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		rc = CLI_EXIT_OK;
	}
	return rc;
}

static int config_list(struct cli_call *call)
{
	static const char *const columns[] = {"key", "value", "meaning"};
	const struct setting_info *known = store_settings_known();
	struct cli_table *t;
	int rc = CLI_EXIT_OK;

	t = cli_table_new(columns, 3);
	for (size_t i = 0; known && known[i].key; i++) {
		struct err e;
		char *value = NULL;
		const char *cells[3];

		err_clear(&e);
		if (store_setting_get(call->store, known[i].key, &value, &e) != STATUS_OK) {
			rc = cli_fail_err(&e);
			break;
		}
		cells[0] = known[i].key;
		cells[1] = value;
		cells[2] = known[i].help;
		cli_table_add(t, cells);
		free(value);
	}
	if (rc == CLI_EXIT_OK)
		cli_table_print(t, (enum cli_format)call->format, stdout);
	cli_table_free(t);
	return rc;
}

/* get and set stop at the first operand ("+"), so a VALUE may start with '-'. */
static const struct cli_action get_action = {
    .name = "get",
    .store = CLI_STORE,
    .shortopts = "+:h",
    .check = get_check,
    .run = config_get,
};

static const struct cli_action set_action = {
    .name = "set",
    .store = CLI_STORE_CREATE,
    .shortopts = "+:h",
    .check = set_check,
    .run = config_set,
};

static const struct cli_action list_action = {
    .name = "list",
    .store = CLI_STORE,
    .formats = "table|csv|json",
    .options = cli_format_options,
    .check = cli_no_operands,
    .run = config_list,
};

static const struct cli_action *const actions[] = {&get_action, &set_action, &list_action, NULL};

const struct cli_command cmd_config = {
    .name = "config",
    .summary = "read and change this desk's settings",
    .usage = usage,
    .actions = actions,
};
