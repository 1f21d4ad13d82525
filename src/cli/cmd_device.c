/*
 * cmd_device.c — `frontdesk device enrol`: exchanges a one-time code from
 * the server's administrator (frontdeskd device add) for this desk's device
 * id, device code (which starts new case references) and bearer token.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/cli.h"
#include "frontdesk/sync.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk device enrol --server URL --code CODE [--ca FILE]\n"
    "                              [--pin sha256//BASE64]...\n"
    "\n"
    "Enrols this desk with the central server. The code comes from the\n"
    "administrator (frontdeskd device add --site CODE), is used once and\n"
    "expires after 24 hours. The device token is kept beside the database in\n"
    "a file only this user can read (mode 0600); the server keeps only a hash.\n"
    "\n"
    "options:\n"
    "  --server URL   the server, https:// (http:// only to this machine)\n"
    "  --code CODE    the one-time enrolment code\n"
    "  --ca FILE      trust this CA bundle for the server's certificate\n"
    "  --pin PIN      also require this public key (sha256//BASE64); give it\n"
    "                 twice for a primary and a backup key\n";

enum { OPT_SERVER = 1000, OPT_CODE, OPT_CA, OPT_PIN };

static const struct option enrol_options[] = {
    {"server", required_argument, NULL, OPT_SERVER},
    {"code", required_argument, NULL, OPT_CODE},
    {"ca", required_argument, NULL, OPT_CA},
    {"pin", required_argument, NULL, OPT_PIN},
    {NULL, 0, NULL, 0},
};

struct enrol_args {
	const char *server, *code, *ca;
	struct buf pins;
};

static void enrol_init(struct cli_call *call)
{
	struct enrol_args *a = call->args;

	buf_init(&a->pins, 1024);
}

static void enrol_release(struct cli_call *call)
{
	struct enrol_args *a = call->args;

	buf_release(&a->pins);
}

static int enrol_option(struct cli_call *call, int opt, char *arg)
{
	struct enrol_args *a = call->args;

	switch (opt) {
	case OPT_SERVER:
		a->server = arg;
		break;
	case OPT_CODE:
		a->code = arg;
		break;
	case OPT_CA:
		a->ca = arg;
		break;
	case OPT_PIN:
		if (strncmp(arg, "sha256//", 8) != 0)
			return cli_usage(&cmd_device, "--pin must look like sha256//BASE64");
		if (buf_printf(&a->pins, "%s%s", a->pins.len ? ";" : "", arg) != STATUS_OK)
			return cli_usage(&cmd_device, "too many --pin values (1 KiB in all)");
		break;
	}
	return -1;
}

static int enrol_check(struct cli_call *call)
{
	const struct enrol_args *a = call->args;

	if (!a->server || !a->code || call->argc > 0)
		return cli_usage(&cmd_device, "enrol needs --server URL and --code CODE");
	return -1;
}

static int device_enrol(struct cli_call *call)
{
	const struct enrol_args *a = call->args;
	struct sync_options o = {0};
	struct store *s = call->store;
	struct err e;
	char dcode[16], *token_path, *url = NULL;
	int rc;

	o.ca_file = a->ca;
	o.pins = a->pins.len ? buf_str(&a->pins) : NULL;
	err_clear(&e);
	/* The address is parsed as curl will connect, before any traffic. */
	url = sync_url_parse(a->server, NULL, &e);
	if (!url || store_setting_set(s, "server_url", url, &e) != STATUS_OK ||
	    sync_enrol(s, store_path(s), a->server, a->code, &o, dcode, sizeof dcode, &e) !=
		STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		token_path = sync_token_path(store_path(s));
		printf("enrolled with %s as device %s\n", a->server, dcode);
		printf("new case references start with %s\n", dcode);
		printf("token saved in %s (mode 0600)\n", token_path);
		free(token_path);
		rc = CLI_EXIT_OK;
	}
	free(url);
	return rc;
}

static const struct cli_action enrol_action = {
    .name = "enrol",
    .store = CLI_STORE,
    .options = enrol_options,
    .args_size = sizeof(struct enrol_args),
    .init = enrol_init,
    .option = enrol_option,
    .check = enrol_check,
    .run = device_enrol,
    .release = enrol_release,
};

static const struct cli_action *const actions[] = {&enrol_action, NULL};

const struct cli_command cmd_device = {
    .name = "device",
    .summary = "enrol this desk with the central server",
    .usage = usage,
    .actions = actions,
};
