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
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int device_enrol(const struct cli_global *g, int argc, char **argv)
{
	const char *server = NULL, *code = NULL, *ca = NULL;
	struct buf pins;
	struct sync_options o = {0};
	struct store *s;
	struct err e;
	char dcode[16], *token_path, *url = NULL;
	int c, rc;

	buf_init(&pins, 1024);
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", enrol_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			buf_release(&pins);
			return cli_help(&cmd_device);
		case OPT_SERVER: server = optarg; break;
		case OPT_CODE: code = optarg; break;
		case OPT_CA: ca = optarg; break;
		case OPT_PIN:
			if (strncmp(optarg, "sha256//", 8) != 0) {
				buf_release(&pins);
				return cli_usage(&cmd_device, "--pin must look like sha256//BASE64");
			}
			buf_printf(&pins, "%s%s", pins.len ? ";" : "", optarg);
			break;
		default:
			buf_release(&pins);
			return cli_bad_option(&cmd_device, c, argv, enrol_options);
		}
	}
	if (!server || !code || optind < argc) {
		buf_release(&pins);
		return cli_usage(&cmd_device, "enrol needs --server URL and --code CODE");
	}
	s = cli_open_store(g, STORE_NO_CREATE);
	if (!s) {
		buf_release(&pins);
		return EXIT_FAIL;
	}
	o.ca_file = ca;
	o.pins = pins.len ? buf_str(&pins) : NULL;
	err_clear(&e);
	/* The address is parsed as curl will connect, before any traffic. */
	url = sync_url_parse(server, NULL, &e);
	if (!url || store_setting_set(s, "server_url", url, &e) != STATUS_OK ||
	    sync_enrol(s, store_path(s), server, code, &o, dcode, sizeof dcode, &e) != STATUS_OK) {
		rc = cli_fail_err(&e);
	} else {
		token_path = sync_token_path(store_path(s));
		printf("enrolled with %s as device %s\n", server, dcode);
		printf("new case references start with %s\n", dcode);
		printf("token saved in %s (mode 0600)\n", token_path);
		free(token_path);
		rc = EXIT_OK;
	}
	buf_release(&pins);
	free(url);
	store_close(s);
	return rc;
}

static int run(const struct cli_global *g, int argc, char **argv)
{
	static const char *const actions[] = {"enrol", NULL};

	if (argc < 2)
		return cli_usage(&cmd_device, "give an action: enrol");
	switch (cli_action_find(&cmd_device, argv[1], actions)) {
	case 0:
		return device_enrol(g, argc - 1, argv + 1);
	default:
		return EXIT_USAGE;
	}
}

const struct cli_command cmd_device = {
    .name = "device",
    .summary = "enrol this desk with the central server",
    .usage = usage,
    .run = run,
};
