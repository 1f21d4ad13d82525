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
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct init_args {
	const char *data;
	bool reload;
	/* settings, in the order they are applied */
	struct {
		const char *key, *value;
	} set[3];
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
	if (cli_flow_load(s, 1, paths, NULL, true) != EXIT_OK)
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
	int rc = EXIT_OK;

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

static int run(const struct cli_global *g, int argc, char **argv)
{
	struct init_args a = {
	    .set = {{"site", NULL}, {"default_channel", NULL}, {"device_code", NULL}}};
	struct stat st;
	struct store *s;
	struct err e;
	char path[4096], dir[4096], summary[512];
	bool existed, load;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", init_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&cmd_init);
		case OPT_DATA:
			a.data = optarg;
			break;
		case OPT_RELOAD:
			a.reload = true;
			break;
		case OPT_SITE:
			a.set[0].value = optarg;
			break;
		case OPT_CHANNEL:
			a.set[1].value = optarg;
			break;
		case OPT_DEVICE:
			a.set[2].value = optarg;
			break;
		default:
			return cli_bad_option(&cmd_init, c, argv, init_options);
		}
	}
	if (optind < argc)
		return cli_usage(&cmd_init, "unexpected argument '%s'", argv[optind]);
	cli_refdata_dir(a.data, dir, sizeof dir);
	if ((a.data || a.reload) && !cli_refdata_dir_check(dir))
		return EXIT_FAIL;
	err_clear(&e);
	if (store_resolve_path(g->db_path, path, sizeof path, &e) != STATUS_OK)
		return cli_fail_err(&e);
	existed = stat(path, &st) == 0;
	s = cli_open_store(g, 0);
	if (!s)
		return EXIT_FAIL;
	printf("%s database %s (schema %d)\n", existed ? "opened" : "created", store_path(s),
	       store_user_version(s));
	load = a.data || a.reload || !has_refdata(s);
	if (load && !a.data && !a.reload && !cli_refdata_dir_check(dir)) {
		rc = EXIT_FAIL;
		goto out;
	}
	rc = init_apply(s, &a, load, dir);
	if (rc != EXIT_OK)
		goto out;
	cli_refdata_summary(s, summary, sizeof summary);
	if (load)
		printf("loaded reference data from %s: %s\n", dir, summary);
	else
		printf("kept the reference data already loaded (%s); reload it with: frontdesk "
		       "data load DIR\n",
		       summary);
	init_flows(s, dir, load);
	for (size_t i = 0; i < sizeof a.set / sizeof a.set[0]; i++)
		if (a.set[i].value)
			printf("set %s = %s\n", a.set[i].key, a.set[i].value);
	print_next(s);
out:
	store_close(s);
	return rc;
}

const struct cli_command cmd_init = {
    .name = "init",
    .summary = "create the database, load reference data, set up this desk",
    .usage = usage,
    .run = run,
};
