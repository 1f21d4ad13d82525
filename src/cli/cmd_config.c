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

enum { OPT_FORMAT = 1000 };

static const struct option list_options[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
static const struct option plain_options[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Parses options of get and set (only --help); returns -1 to go on. */
static int parse_plain(int argc, char **argv)
{
	int c;

	cli_getopt_reset();
	/* "+": stop at the first operand so a VALUE may start with '-'. */
	while ((c = getopt_long(argc, argv, "+:h", plain_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_config);
		return cli_bad_option(&cmd_config, c, argv, plain_options);
	}
	return -1;
}

static int config_get(const struct cli_global *g, int argc, char **argv)
{
	struct store *s;
	struct err e;
	char *value = NULL;
	int rc = parse_plain(argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return cli_usage(&cmd_config, "get takes one KEY, such as: config get site");
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	err_clear(&e);
	if (store_setting_get(s, argv[optind], &value, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else if (!value) {
		rc = cli_fail("setting '%s' is not set; set it with: frontdesk config set %s VALUE",
			      argv[optind], argv[optind]);
	} else {
		printf("%s\n", value);
		rc = EXIT_OK;
	}
	free(value);
	store_close(s);
	return rc;
}

static int config_set(const struct cli_global *g, int argc, char **argv)
{
	struct store *s;
	struct err e;
	int rc = parse_plain(argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 2)
		return cli_usage(&cmd_config,
				 "set takes a KEY and a VALUE, such as: config set site town-hall");
	s = cli_open_store(g, 0);
	if (!s)
		return EXIT_FAIL;
	err_clear(&e);
	if (strcmp(argv[optind], "server_url") == 0) {
		/* parsed as curl will connect (the store only knows its shape) */
		char *url = sync_url_parse(argv[optind + 1], NULL, &e);

		rc = url && store_setting_set(s, argv[optind], url, &e) == STATUS_OK
			     ? EXIT_OK
			     : cli_fail_err(&e);
		free(url);
	} else if (store_setting_set(s, argv[optind], argv[optind + 1], &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		rc = EXIT_OK;
	}
	store_close(s);
	return rc;
}

static int config_list(const struct cli_global *g, int argc, char **argv)
{
	static const char *const columns[] = {"key", "value", "meaning"};
	const struct setting_info *known = store_settings_known();
	struct cli_table *t;
	struct store *s;
	int format = FORMAT_TABLE;
	int c, rc = EXIT_OK;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", list_options, NULL)) != -1) {
		if (c == 'h')
			return cli_help(&cmd_config);
		if (c != OPT_FORMAT)
			return cli_bad_option(&cmd_config, c, argv, list_options);
		format = cli_format_parse(optarg);
		if (format < 0)
			return cli_usage(&cmd_config, "unknown format '%s'; use table, csv or json",
					 optarg);
	}
	if (optind < argc)
		return cli_usage(&cmd_config, "list takes no arguments, not '%s'", argv[optind]);
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s)
		return EXIT_FAIL;
	t = cli_table_new(columns, 3);
	for (size_t i = 0; known && known[i].key; i++) {
		struct err e;
		char *value = NULL;
		const char *cells[3];

		err_clear(&e);
		if (store_setting_get(s, known[i].key, &value, &e) != STATUS_OK) {
			rc = cli_fail_err(&e);
			break;
		}
		cells[0] = known[i].key;
		cells[1] = value;
		cells[2] = known[i].help;
		cli_table_add(t, cells);
		free(value);
	}
	if (rc == EXIT_OK)
		cli_table_print(t, (enum cli_format)format, stdout);
	cli_table_free(t);
	store_close(s);
	return rc;
}

static int run(const struct cli_global *g, int argc, char **argv)
{
	static const char *const actions[] = {"get", "set", "list", NULL};

	if (argc < 2)
		return cli_usage(&cmd_config, "give an action: get, set or list");
	switch (cli_action_find(&cmd_config, argv[1], actions)) {
	case 0:
		return config_get(g, argc - 1, argv + 1);
	case 1:
		return config_set(g, argc - 1, argv + 1);
	case 2:
		return config_list(g, argc - 1, argv + 1);
	default:
		return EXIT_USAGE;
	}
}

const struct cli_command cmd_config = {
    .name = "config",
    .summary = "read and change this desk's settings",
    .usage = usage,
    .run = run,
};
