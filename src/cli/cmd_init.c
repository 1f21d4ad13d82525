/*
 * cmd_init.c — `frontdesk init`: creates (or migrates) the database, loads
 * the reference data the first time, and records the desk's settings.
 *
 * On a database that already has reference data, init reloads nothing
 * unless asked (--data DIR or --reload): reloading is `frontdesk data load`'s
 * job, and a second init must never undo what an administrator loaded. The
 * reference data load and the settings are one transaction: an unknown
 * --site leaves the reference data as it was.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontdesk/cli.h"
#include "frontdesk/ingest.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk init [--data DIR] [--reload] [--site CODE] [--channel CODE]\n"
    "                      [--device-code CODE]\n"
    "\n"
    "Creates the database (or brings an older one up to date), loads the\n"
    "reference data the first time, and sets this desk's settings.\n"
    "\n"
    "options:\n"
    "  --data DIR          load reference data from DIR (also on a database that\n"
    "                      has some already); default: $FRONTDESK_DATA, else\n"
    "                      ./data when it has services.csv, else the installed copy\n"
    "  --reload            load the reference data again from the default place\n"
    "  --site CODE         this desk's site (config site)\n"
    "  --channel CODE      the channel new contacts start with (config default_channel)\n"
    "  --device-code CODE  2-6 capital letters or digits that start this desk's case\n"
    "                      references, e.g. WB2 (config device_code)\n";

enum { OPT_DATA = 1000, OPT_RELOAD, OPT_SITE, OPT_CHANNEL, OPT_DEVICE };

static const struct option init_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"reload", no_argument, NULL, OPT_RELOAD},
    {"site", required_argument, NULL, OPT_SITE},
    {"channel", required_argument, NULL, OPT_CHANNEL},
    {"device-code", required_argument, NULL, OPT_DEVICE},
    {NULL, 0, NULL, 0},
};

struct init_args {
	const char *data;
	bool reload;
	/* settings, in the order they are applied */
	struct {
		const char *key, *value;
	} set[3];
	char dir[4096]; /* where the reference data comes from */
	bool existed;	/* the database file was there before */
};

static int count_one(void *ctx, const char *code, const char *name)
{
	(void)code;
	(void)name;
	(*(long *)ctx)++;
	return 0;
}

static bool has_refdata(struct store *s)
{
	long n = 0;

	return store_ref_list(s, REF_SERVICE, count_one, &n, NULL) == STATUS_OK && n > 0;
}

/* Prints what to do next: the settings a desk cannot work without. */
static void print_next(struct store *s)
{
	char *site = NULL, *device = NULL;

	store_setting_get(s, "site", &site, NULL);
	store_setting_get(s, "device_code", &device, NULL);
	if (!site)
		printf("next: set this desk's site with: frontdesk config set site CODE\n");
	if (!device)
		printf("next: set the code that starts case references with: frontdesk config "
		       "set device_code CODE\n");
	if (site && device)
		printf("next: find or add a customer with: frontdesk customer find NAME\n");
	free(site);
	free(device);
}

/*
 * The FAQ flows that ship beside the reference data: DIR/../forms (./forms
 * beside ./data, FRONTDESK_SHAREDIR/forms when installed). Loaded with the
 * reference data, or when the database has no flows yet; a problem in them
 * is reported but does not undo the init (frontdesk flow load retries).
 */
static void init_flows(struct store *s, const char *data_dir, bool load)
{
	char forms[4096];
	const char *slash;
	size_t n = strlen(data_dir);
	struct stat st;
	char *paths[1];

	while (n > 1 && data_dir[n - 1] == '/')
		n--;
	slash = NULL;
	for (size_t i = 0; i < n; i++)
		if (data_dir[i] == '/')
			slash = data_dir + i;
	if (slash)
		snprintf(forms, sizeof forms, "%.*sforms", (int)(slash - data_dir + 1), data_dir);
	else
		snprintf(forms, sizeof forms, "forms");
	if (stat(forms, &st) != 0 || !S_ISDIR(st.st_mode) || (!load && store_flow_count(s) > 0))
		return;
	paths[0] = forms;
	if (cli_flow_load(s, 1, paths, NULL, true) != CLI_EXIT_OK)
		fprintf(stderr, "frontdesk: the flows in %s were not loaded; fix them and run: "
				"frontdesk flow load %s\n",
			forms, forms);
}

/* Loads reference data (if wanted) and applies settings in one transaction. */
static int init_apply(struct store *s, const struct init_args *a, bool load, const char *dir)
{
	struct err_list errs;
	struct err e;
	bool ok = true;
	int rc = CLI_EXIT_OK;

	err_clear(&e);
	if (store_tx_begin(s, &e) != STATUS_OK)
		return cli_fail_err(&e);
	err_list_init(&errs, INGEST_ERRORS_SHOWN);
	if (load && ingest_refdata_load(s, dir, &errs) != STATUS_OK) {
		cli_print_problems(&errs);
		rc = cli_fail("reference data in '%s' not loaded (%zu problem%s); correct the "
			      "files and run init again",
			      dir, err_list_total(&errs), err_list_total(&errs) == 1 ? "" : "s");
		ok = false;
	}
	for (size_t i = 0; ok && i < sizeof a->set / sizeof a->set[0]; i++) {
		if (!a->set[i].value)
			continue;
		if (store_setting_set(s, a->set[i].key, a->set[i].value, &e) != STATUS_OK) {
			rc = cli_fail_err(&e);
			ok = false;
		}
	}
	err_list_release(&errs);
	if (store_tx_end(s, ok, &e) != STATUS_OK && ok)
		rc = cli_fail_err(&e);
	return rc;
}

static void init_defaults(struct cli_call *call)
{
	struct init_args *a = call->args;

	a->set[0].key = "site";
	a->set[1].key = "default_channel";
	a->set[2].key = "device_code";
}

static int init_option(struct cli_call *call, int opt, char *arg)
{
	struct init_args *a = call->args;

	switch (opt) {
	case OPT_DATA:
		a->data = arg;
		break;
	case OPT_RELOAD:
		a->reload = true;
		break;
	case OPT_SITE:
		a->set[0].value = arg;
		break;
	case OPT_CHANNEL:
		a->set[1].value = arg;
		break;
	case OPT_DEVICE:
		a->set[2].value = arg;
		break;
	}
	return -1;
}

/* Whether the database was there already is found before opening makes it. */
static int init_check(struct cli_call *call)
{
	struct init_args *a = call->args;
	struct stat st;
	struct err e;
	char path[4096];

	if (call->argc > 0)
		return cli_usage(&cmd_init, "unexpected argument '%s'", call->argv[0]);
	cli_refdata_dir(a->data, a->dir, sizeof a->dir);
	if ((a->data || a->reload) && !cli_refdata_dir_check(a->dir))
		return CLI_EXIT_FAIL;
	err_clear(&e);
	if (store_resolve_path(call->g->db_path, path, sizeof path, &e) != STATUS_OK)
		return cli_fail_err(&e);
	a->existed = stat(path, &st) == 0;
	return -1;
}

static int init_run(struct cli_call *call)
{
	const struct init_args *a = call->args;
	struct store *s = call->store;
	char summary[512];
	bool load;
	int rc;

	printf("%s database %s (schema %d)\n", a->existed ? "opened" : "created", store_path(s),
	       store_user_version(s));
	load = a->data || a->reload || !has_refdata(s);
	if (load && !a->data && !a->reload && !cli_refdata_dir_check(a->dir))
		return CLI_EXIT_FAIL;
	rc = init_apply(s, a, load, a->dir);
	if (rc != CLI_EXIT_OK)
		return rc;
	cli_refdata_summary(s, summary, sizeof summary);
	if (load)
		printf("loaded reference data from %s: %s\n", a->dir, summary);
	else
		printf("kept the reference data already loaded (%s); reload it with: frontdesk "
		       "data load DIR\n",
		       summary);
	init_flows(s, a->dir, load);
	for (size_t i = 0; i < sizeof a->set / sizeof a->set[0]; i++)
		if (a->set[i].value)
			printf("set %s = %s\n", a->set[i].key, a->set[i].value);
	print_next(s);
	return CLI_EXIT_OK;
}

static const struct cli_action init_action = {
    .store = CLI_STORE_CREATE,
    .options = init_options,
    .args_size = sizeof(struct init_args),
    .init = init_defaults,
    .option = init_option,
    .check = init_check,
    .run = init_run,
};

static const struct cli_action *const actions[] = {&init_action, NULL};

const struct cli_command cmd_init = {
    .name = "init",
    .summary = "create the database, load reference data, set up this desk",
    .usage = usage,
    .actions = actions,
};
