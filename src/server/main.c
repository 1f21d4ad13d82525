/*
 * frontdeskd's command line: migrate, serve, and the administrator's
 * commands (devices, cases, flows, hot topics, reference data, users,
 * erasure). Each command does one thing and says what it did.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "frontdesk/ingest.h"
#include "server_int.h"

#ifndef FRONTDESK_VERSION
#define FRONTDESK_VERSION "unknown"
#endif

static const char usage_text[] =
	"usage: frontdeskd COMMAND [OPTIONS] [--db CONNINFO]\n"
	"\n"
	"commands:\n"
	"  migrate                               create or upgrade the central schema\n"
	"  serve --listen ADDR:PORT [--tls-cert FILE --tls-key FILE] [--insecure-http]\n"
	"        [--threads N] [--per-client N] [--header-timeout S] [--request-timeout S]\n"
	"        [--body-budget MIB] [--keys FILE]  serve consoles over HTTP(S)\n"
	"  device add --site CODE [--site CODE...] [--back-office]\n"
	"                                        register a device for its site (or sites:\n"
	"                                        the first is its home); prints a one-time code\n"
	"  device list                           list devices\n"
	"  device revoke ID|CODE                 revoke a device\n"
	"  case update REF --status S [--note TEXT] [--result TEXT]\n"
	"                                        change a case's status (closing needs --result)\n"
	"  flow publish FILE...                  publish flows to every console\n"
	"  hot-topic add --text TEXT [--site CODE] [--service CODE] [--from TIME] [--until TIME]\n"
	"  data load DIR                         load reference data (services, teams, sites...)\n"
	"  user list                             users, their role and state\n"
	"  user add LOGIN --role ROLE [--name NAME]  add a user; password on stdin\n"
	"  user passwd LOGIN                     reset a password; the new one on stdin\n"
	"  user role LOGIN --role ROLE           change a user's role\n"
	"  user disable|enable LOGIN             stop or allow a user's sign-in everywhere\n"
	"  user sites LOGIN [--site CODE...]     the sites a user may work at (none: every site)\n"
	"  customer erase ID                     erase a customer everywhere\n"
	"  erasure list                          erasures, and which consoles have applied them\n"
	"  sync problems [ID|CODE]               changes consoles pulled and could not apply\n"
	"  audit verify [--device CODE]          check each desk's audit chain as the server holds it\n"
	"  keys seal                             seal what an older frontdeskd kept in the clear\n"
	"\n"
	"--db CONNINFO is a libpq connection string (default: $FRONTDESKD_DB, else the\n"
	"PG* environment). --keys FILE is the key store personal data is sealed under\n"
	"(default: $FRONTDESKD_KEYS); serve, case update, customer erase and keys seal\n"
	"need it.\n"
	"See man frontdeskd and man frontdesk-sync.\n";

enum {
	OPT_DB = 1000,
	OPT_LISTEN,
	OPT_CERT,
	OPT_KEY,
	OPT_INSECURE,
	OPT_THREADS,
	OPT_SITE,
	OPT_BACKOFFICE,
	OPT_STATUS,
	OPT_NOTE,
	OPT_TEXT,
	OPT_SERVICE,
	OPT_FROM,
	OPT_UNTIL,
	OPT_ROLE,
	OPT_NAME,
	OPT_PER_CLIENT,
	OPT_HEADER_TIMEOUT,
	OPT_REQUEST_TIMEOUT,
	OPT_BODY_BUDGET,
	OPT_RESULT,
	OPT_DEVICE,
	OPT_KEYS,
};

static const struct option options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "tls-cert", required_argument, NULL, OPT_CERT },
	{ "tls-key", required_argument, NULL, OPT_KEY },
	{ "insecure-http", no_argument, NULL, OPT_INSECURE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "site", required_argument, NULL, OPT_SITE },
	{ "back-office", no_argument, NULL, OPT_BACKOFFICE },
	{ "status", required_argument, NULL, OPT_STATUS },
	{ "note", required_argument, NULL, OPT_NOTE },
	{ "text", required_argument, NULL, OPT_TEXT },
	{ "service", required_argument, NULL, OPT_SERVICE },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "role", required_argument, NULL, OPT_ROLE },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "per-client", required_argument, NULL, OPT_PER_CLIENT },
	{ "header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT },
	{ "request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT },
	{ "body-budget", required_argument, NULL, OPT_BODY_BUDGET },
	{ "result", required_argument, NULL, OPT_RESULT },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *db, *listen, *cert, *key, *site, *status, *note, *text, *service, *from,
		*until, *role, *name, *result, *device, *keys;
	bool insecure, back_office;
	long threads;
	long limits[4]; /* --per-client, --header-timeout, --request-timeout, --body-budget */
	const char *sites[DEVICE_SITES_MAX]; /* every --site, in order (a->site the first) */
	int nsites;
	char **pos; /* operands after the command words */
	int npos;
	const char *action; /* the command's action word ("add"), or NULL */
	/* what a check kept for the run */
	struct refdata rd; /* data load: the files read (rd_read) */
	bool rd_read;
	char hash[crypto_pwhash_STRBYTES]; /* user add, passwd: the new password's */
};

static int usage_error(const char *fmt, const char *arg)
{
	fputs("frontdeskd: ", stderr);
	fprintf(stderr, fmt, arg ? arg : "");
	fputs("\nrun 'frontdeskd --help' for usage\n", stderr);
	return 2;
}

static int parse(int argc, char **argv, struct args *a)
{
	int c;

	memset(a, 0, sizeof *a);
	a->threads = 16;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (c) {
		case OPT_DB: a->db = optarg; break;
		case OPT_LISTEN: a->listen = optarg; break;
		case OPT_CERT: a->cert = optarg; break;
		case OPT_KEY: a->key = optarg; break;
		case OPT_INSECURE: a->insecure = true; break;
		case OPT_THREADS: {
			char *end;

			a->threads = strtol(optarg, &end, 10);
			if (*end || a->threads < 1 || a->threads > 256)
				return usage_error("--threads must be 1 to 256, not '%s'", optarg);
			break;
		}
		case OPT_PER_CLIENT:
		case OPT_HEADER_TIMEOUT:
		case OPT_REQUEST_TIMEOUT:
		case OPT_BODY_BUDGET: {
			static const long most[4] = { 4000, 3600, 86400, 65536 };
			static const char *const name[4] = { "--per-client", "--header-timeout",
							      "--request-timeout", "--body-budget" };
			int i = c - OPT_PER_CLIENT;
			char *end;

			a->limits[i] = strtol(optarg, &end, 10);
			if (*end || end == optarg || a->limits[i] < 1 || a->limits[i] > most[i]) {
				fprintf(stderr,
					"frontdeskd: %s must be a whole number from 1 to %ld, not '%.20s'\n",
					name[i], most[i], optarg);
				return 2;
			}
			break;
		}
		case OPT_SITE:
			if (!a->site)
				a->site = optarg;
			if (a->nsites >= DEVICE_SITES_MAX)
				return usage_error("at most %s sites may be given", "16");
			a->sites[a->nsites++] = optarg;
			break;
		case OPT_BACKOFFICE: a->back_office = true; break;
		case OPT_STATUS: a->status = optarg; break;
		case OPT_NOTE: a->note = optarg; break;
		case OPT_TEXT: a->text = optarg; break;
		case OPT_SERVICE: a->service = optarg; break;
		case OPT_FROM: a->from = optarg; break;
		case OPT_UNTIL: a->until = optarg; break;
		case OPT_ROLE: a->role = optarg; break;
		case OPT_NAME: a->name = optarg; break;
		case OPT_RESULT: a->result = optarg; break;
		case OPT_DEVICE: a->device = optarg; break;
		case OPT_KEYS: a->keys = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	if (!a->db)
		a->db = getenv("FRONTDESKD_DB");
	if (!a->db)
		a->db = "";
	if (!a->keys)
		a->keys = getenv("FRONTDESKD_KEYS");
	return -1;
}

/* The exit status for a command's outcome, saying why it failed. */
static int said(enum status rc, const struct err *e)
{
	if (rc) {
		fprintf(stderr, "frontdeskd: %s\n", e->msg);
		return 1;
	}
	return 0;
}

static int cmd_migrate(const struct args *a, struct pg *db)
{
	struct err e;
	int from, to;
	enum status rc;

	(void)a;
	err_clear(&e);
	rc = pg_migrate(db, &from, &to, &e);
	if (!rc) {
		if (from == to)
			printf("schema is up to date (version %d)\n", to);
		else
			printf("migrated schema from version %d to %d\n", from, to);
	}
	return said(rc, &e);
}

/* Connects per worker itself: the table gives it no connection. */
static int cmd_serve(const struct args *a, struct pg *db)
{
	struct serve_options o = {
		.listen = a->listen,
		.conninfo = a->db,
		.keys = a->keys,
		.tls_cert = a->cert,
		.tls_key = a->key,
		.insecure_http = a->insecure,
		.threads = (int)a->threads,
		.per_client = (unsigned)a->limits[0],
		.header_timeout_s = (unsigned)a->limits[1],
		.request_timeout_s = (unsigned)a->limits[2],
		.body_budget_mib = (unsigned)a->limits[3],
	};

	(void)db;
	if (!a->listen)
		return usage_error("serve needs --listen ADDR:PORT%s", "");
	return server_serve(&o);
}

static int print_device(void *ctx, const struct device_row *r)
{
	(void)ctx;
	printf("%-36s  %-4s  %-16s  %-11s  %-8s  %-20s  %s", r->id, r->code, r->sites, r->role,
	       r->state, r->created_at, r->last_seen[0] ? r->last_seen : "-");
	if (r->clock_ahead_ms > 0)
		printf("  clock ahead %lld s", r->clock_ahead_ms / 1000);
	if (r->pull_problems > 0)
		printf("  %lld not applied", r->pull_problems);
	putchar('\n');
	return 0;
}

static int device_add_check(struct args *a)
{
	if (!a->site)
		return usage_error("device add needs --site CODE%s", "");
	return -1;
}

static int device_add(const struct args *a, struct pg *db)
{
	char code[16], enrol[32];
	struct err e;
	enum status rc;

	err_clear(&e);
	rc = pg_device_add(db, a->sites, a->nsites, a->back_office ? "back-office" : "console",
			   code, sizeof code, enrol, sizeof enrol, &e);
	if (!rc) {
		printf("device %s at %s", code, a->site);
		for (int i = 1; i < a->nsites; i++)
			printf("%s%s", i == 1 ? " (also " : ", ", a->sites[i]);
		printf("%s\n", a->nsites > 1 ? ")" : "");
		printf("enrolment code %s (single use, expires in 24 hours)\n", enrol);
		printf("on the desk: frontdesk device enrol --server URL --code %s\n", enrol);
	}
	return said(rc, &e);
}

static int device_list(const struct args *a, struct pg *db)
{
	struct err e;

	(void)a;
	err_clear(&e);
	printf("%-36s  %-4s  %-16s  %-11s  %-8s  %-20s  %s\n", "id", "code", "site", "role",
	       "state", "created", "last seen");
	return said(pg_device_list(db, print_device, NULL, &e), &e);
}

static int device_revoke_check(struct args *a)
{
	if (a->npos != 1)
		return usage_error("device revoke takes one device id or code%s", "");
	return -1;
}

static int device_revoke(const struct args *a, struct pg *db)
{
	struct err e;
	enum status rc;

	err_clear(&e);
	rc = pg_device_revoke(db, a->pos[0], &e);
	if (!rc)
		printf("revoked device %s; its console keeps working offline\n", a->pos[0]);
	return said(rc, &e);
}

static int case_update_check(struct args *a)
{
	if (a->npos != 1 || !a->status)
		return usage_error("usage: frontdeskd case update REF --status STATUS [--note TEXT]"
				   " [--result TEXT]%s",
				   "");
	return -1;
}

static int case_update(const struct args *a, struct pg *db)
{
	struct err e;
	enum status rc;

	err_clear(&e);
	rc = pg_case_update(db, a->pos[0], a->status, a->note, a->result, "back-office", &e);
	if (!rc)
		printf("case %s is now %s\n", a->pos[0], a->status);
	return said(rc, &e);
}

struct codes_ctx {
	struct pg *db;
};

static bool flow_code_exists(void *ctx, enum flow_code_kind kind, const char *code)
{
	struct codes_ctx *c = ctx;

	return pg_code_exists(c->db, kind == FLOW_CODE_SERVICE ? "service" : "team", code);
}

static int flow_publish_check(struct args *a)
{
	if (a->npos < 1)
		return usage_error("flow publish takes one or more FILEs%s", "");
	return -1;
}

static int flow_publish(const struct args *a, struct pg *db)
{
	int bad = 0;

	for (int i = 0; i < a->npos; i++) {
		struct err_list errs;
		struct flow *f = NULL;
		struct codes_ctx cc = { db };
		struct flow_codes codes = { flow_code_exists, &cc };
		enum status rc;

		err_list_init(&errs, FLOW_ERRORS_MAX);
		rc = flow_load_file(a->pos[i], &f, &errs);
		if (rc == STATUS_OK)
			flow_check(f, &codes, &errs);
		if (rc != STATUS_OK || errs.count) {
			char line[ERR_MSG_MAX + ERR_FILE_MAX + 32];

			err_list_sort(&errs);
			for (size_t k = 0; k < errs.count; k++) {
				err_format(&errs.items[k], line, sizeof line);
				fprintf(stderr, "%s\n", line);
			}
			fprintf(stderr, "frontdeskd: '%s' not published; correct it first\n",
				a->pos[i]);
			bad++;
		} else {
			struct err e;
			bool was_new;

			err_clear(&e);
			if (pg_flow_publish(db, f, &was_new, &e) != STATUS_OK) {
				fprintf(stderr, "frontdeskd: %s\n", e.msg);
				bad++;
			} else {
				printf("%s flow %s version %ld\n",
				       was_new ? "published" : "already published", f->id,
				       f->version);
			}
		}
		flow_free(f);
		err_list_release(&errs);
	}
	return bad ? 1 : 0;
}

static int hot_topic_add_check(struct args *a)
{
	struct err e;

	if (!a->text)
		return usage_error("hot-topic add needs --text TEXT%s", "");
	err_clear(&e);
	if (valid_text("text", a->text, REASON_MAX_CHARS, true, true, &e) ||
	    (a->from && time_parse_utc(a->from, NULL) &&
	     err_set(&e, STATUS_INVALID, "--from must be a UTC time like 2026-11-20T09:00:00Z")) ||
	    (a->until && time_parse_utc(a->until, NULL) &&
	     err_set(&e, STATUS_INVALID, "--until must be a UTC time like 2026-11-27T17:00:00Z"))) {
		fprintf(stderr, "frontdeskd: %s\n", e.msg);
		return 2;
	}
	return -1;
}

static int hot_topic_add(const struct args *a, struct pg *db)
{
	struct hot_topic_in h = { a->text, a->site, a->service, a->from, a->until };
	struct err e;
	char id[UUID_STR_LEN + 1];
	enum status rc;

	err_clear(&e);
	if (a->site && !pg_code_exists(db, "site", a->site))
		rc = err_set(&e, STATUS_UNKNOWN_CODE, "unknown site '%s'", a->site);
	else if (a->service && !pg_code_exists(db, "service", a->service))
		rc = err_set(&e, STATUS_UNKNOWN_CODE, "unknown service '%s'", a->service);
	else
		rc = pg_hot_topic_add(db, &h, id, &e);
	if (!rc)
		printf("hot topic %s added\n", id);
	return said(rc, &e);
}

/* The files are read (and refused whole) before the database is asked. */
static int data_load_check(struct args *a)
{
	struct err_list errs;

	if (a->npos != 1)
		return usage_error("data load takes one DIR%s", "");
	err_list_init(&errs, INGEST_ERRORS_SHOWN);
	if (ingest_refdata_read(a->pos[0], &a->rd, &errs) != STATUS_OK) {
		struct buf b;

		buf_init(&b, 1u << 20);
		ingest_errors_format(&errs, &b);
		fprintf(stderr, "%s", buf_str(&b));
		buf_release(&b);
		err_list_release(&errs);
		fprintf(stderr, "frontdeskd: reference data in '%s' not loaded\n", a->pos[0]);
		return 1;
	}
	err_list_release(&errs);
	a->rd_read = true;
	return -1;
}

static int data_load(const struct args *a, struct pg *db)
{
	const struct refdata *rd = &a->rd;
	struct err e;
	long changed;
	enum status rc;

	err_clear(&e);
	rc = pg_refdata_load(db, rd, &changed, &e);
	if (!rc)
		printf("loaded reference data from %s: %zu services, %zu teams, %zu sites, %zu "
		       "bank holidays; %ld rows changed\n",
		       a->pos[0], rd->nservices, rd->nteams, rd->nsites, rd->nholidays, changed);
	return said(rc, &e);
}

/* user sites LOGIN [--site CODE...]: where the user may work (none: every
 * site); the server refuses their visits and contacts pushed elsewhere. */
static int user_sites_check(struct args *a)
{
	if (a->npos != 1)
		return usage_error("usage: frontdeskd user sites LOGIN [--site CODE...]%s", "");
	return -1;
}

static int user_sites(const struct args *a, struct pg *db)
{
	struct err e;
	enum status rc;

	err_clear(&e);
	rc = pg_user_sites(db, a->pos[0], a->sites, a->nsites, &e);
	if (!rc && a->nsites)
		printf("user %s may work at %d site%s\n", a->pos[0], a->nsites,
		       a->nsites == 1 ? "" : "s");
	else if (!rc)
		printf("user %s may work at every site\n", a->pos[0]);
	return said(rc, &e);
}

/* A new password from standard input (prompted on a terminal), hashed. */
static int read_password_hash(const char *login, char hash[crypto_pwhash_STRBYTES])
{
	char password[256];
	size_t n;

	if (isatty(STDIN_FILENO))
		fprintf(stderr, "password for %s: ", login);
	if (!fgets(password, sizeof password, stdin)) {
		fprintf(stderr, "frontdeskd: give the password on standard input\n");
		return 2;
	}
	n = strcspn(password, "\r\n");
	password[n] = '\0';
	if (n < 10) {
		sodium_memzero(password, sizeof password);
		fprintf(stderr, "frontdeskd: a password needs at least 10 characters\n");
		return 2;
	}
	if (crypto_pwhash_str(hash, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		die("out of memory hashing a password");
	sodium_memzero(password, sizeof password);
	return 0;
}

static bool role_ok(const char *role)
{
	return role && (!strcmp(role, "advisor") || !strcmp(role, "supervisor") ||
			!strcmp(role, "admin"));
}

static int print_user(void *ctx, const struct user_listed *u)
{
	(void)ctx;
	printf("%-20s %-10s %-8s %-24s %lld\n", u->login, u->role,
	       u->disabled ? "disabled" : "enabled", u->updated_at, u->sessions);
	return 0;
}

static int user_list(const struct args *a, struct pg *db)
{
	struct err e;

	(void)a;
	err_clear(&e);
	printf("%-20s %-10s %-8s %-24s %s\n", "login", "role", "state", "changed", "sessions");
	return said(pg_user_list(db, print_user, NULL, &e), &e);
}

/* user add, disable, enable, passwd and role: one login, checked alike. */
/* user add, disable, enable, passwd and role: one login, checked alike;
 * the new password is read before the database is asked. */
static int user_change_check(struct args *a)
{
	const char *action = a->action;
	struct err e;

	err_clear(&e);
	if (a->npos != 1)
		return usage_error("user %s takes one login name; see frontdeskd --help", action);
	if (valid_code("login", a->pos[0], &e) ||
	    (a->name && valid_text("name", a->name, NAME_MAX_CHARS, true, false, &e))) {
		fprintf(stderr, "frontdeskd: %s\n", e.msg);
		return 2;
	}
	if ((!strcmp(action, "add") || !strcmp(action, "role")) && !role_ok(a->role))
		return usage_error("--role must be advisor, supervisor or admin, not '%s'",
				   a->role ? a->role : "(none)");
	if (!strcmp(action, "add") || !strcmp(action, "passwd")) {
		int bad = read_password_hash(a->pos[0], a->hash);

		if (bad)
			return bad;
	}
	return -1;
}

static int user_change(const struct args *a, struct pg *db)
{
	struct user_change ch = { NULL, NULL, -1 };
	const char *action = a->action, *login = a->pos[0];
	const char *done_what;
	struct err e;
	enum status rc;

	err_clear(&e);
	if (!strcmp(action, "add")) {
		rc = pg_user_add(db, login, a->name, a->role, a->hash, &e);
		done_what = "added";
	} else {
		if (!strcmp(action, "passwd"))
			ch.password_hash = a->hash;
		else if (!strcmp(action, "role"))
			ch.role = a->role;
		else
			ch.disabled = !strcmp(action, "disable");
		rc = pg_user_change(db, login, &ch, &e);
		done_what = !strcmp(action, "passwd")	 ? "has a new password"
			    : !strcmp(action, "role")	 ? "has a new role"
			    : !strcmp(action, "disable") ? "disabled (sessions ended)"
							 : "enabled";
	}
	if (!rc)
		printf("user %s %s; every desk gets it at its next sync\n", login, done_what);
	return said(rc, &e);
}

static int customer_erase_check(struct args *a)
{
	if (a->npos != 1)
		return usage_error("customer erase takes one customer ID%s", "");
	return -1;
}

static int customer_erase(const struct args *a, struct pg *db)
{
	struct err e;
	enum status rc;

	err_clear(&e);
	rc = pg_customer_erase(db, a->pos[0], &e);
	if (!rc)
		printf("customer %s erased; consoles erase it at their next sync\n", a->pos[0]);
	return said(rc, &e);
}

static int print_erasure(void *ctx, const struct erasure_row *r)
{
	(void)ctx;
	printf("%s  erased %s at %s\n  applied: %s\n  waiting: %s\n", r->customer_id, r->erased_at,
	       r->origin[0] ? r->origin : "the centre", r->applied[0] ? r->applied : "(none)",
	       r->waiting[0] ? r->waiting : "(none)");
	return 0;
}

static int erasure_list(const struct args *a, struct pg *db)
{
	struct err e;

	(void)a;
	err_clear(&e);
	return said(pg_erasure_list(db, print_erasure, NULL, &e), &e);
}

static int print_problem(void *ctx, const struct pull_problem_row_srv *r)
{
	(void)ctx;
	printf("%-4s  %-10lld  %-20s  %-10s  %-36s  %s\n", r->device_code, r->cursor,
	       r->reported_at, r->record_type, r->record_id, r->reason);
	return 0;
}

static int sync_problems_check(struct args *a)
{
	if (a->npos > 1)
		return usage_error("unexpected argument '%s'", a->pos[1]);
	return -1;
}

static int sync_problems(const struct args *a, struct pg *db)
{
	struct err e;
	enum status rc;

	err_clear(&e);
	printf("%-4s  %-10s  %-20s  %-10s  %-36s  %s\n", "desk", "cursor", "reported", "type",
	       "id", "not applied because");
	rc = pg_pull_problem_list(db, a->npos ? a->pos[0] : NULL, print_problem, NULL, &e);
	return said(rc, &e);
}

struct audit_tally {
	long devices, problems;
};

static int print_audit_check(void *ctx, const struct audit_check *c)
{
	struct audit_tally *t = ctx;

	t->devices++;
	if (!c->problem[0]) {
		printf("device %s: audit chain whole, %lld row%s, the last row %lld with hash %.16s...\n",
		       c->device_code, c->rows, c->rows == 1 ? "" : "s", c->head_seq, c->head_hash);
		return 0;
	}
	t->problems++;
	printf("device %s: %s\n", c->device_code, c->problem);
	return 0;
}

static int audit_verify(const struct args *a, struct pg *db)
{
	struct err e;
	enum status rc;
	struct audit_tally t = { 0, 0 };

	err_clear(&e);
	rc = pg_audit_verify(db, a->device, print_audit_check, &t, &e);
	if (!rc && t.problems) {
		fprintf(stderr,
			"frontdeskd: %ld device%s audit chain%s broken; keep the database as "
			"evidence and compare it with the desk's own trail (frontdesk audit verify)\n",
			t.problems, t.problems == 1 ? "'s" : "s'", t.problems == 1 ? " is" : "s are");
		return 1;
	}
	if (!rc && t.devices == 0)
		printf("no desk has sent audit rows yet; they arrive with each desk's sync\n");
	return said(rc, &e);
}

/* list, erasure list, audit verify, keys seal: no operands. */
static int no_operands(struct args *a)
{
	if (a->npos)
		return usage_error("unexpected argument '%s'", a->pos[0]);
	return -1;
}

/* Seals what an older frontdeskd stored in the clear. */
static int keys_seal(const struct args *a, struct pg *db)
{
	long counts[PG_SEALED_KINDS];
	const char *names[PG_SEALED_KINDS];
	struct err e;
	enum status rc;

	(void)a;
	err_clear(&e);
	rc = pg_seal_existing(db, counts, names, &e);
	if (!rc) {
		for (int i = 0; i < PG_SEALED_KINDS; i++)
			printf("sealed %ld %s\n", counts[i], names[i]);
		puts("What was in the clear before stays in old WAL segments, dead row versions and\n"
		     "backups: run VACUUM FULL in a quiet hour, take a new base backup and retire\n"
		     "the older ones (see frontdeskd(8), \"Keys\").");
	}
	return said(rc, &e);
}

/*
 * Every command, by its words; a command's actions in the order its usage
 * error lists them (migrate and serve take no action word). check looks at
 * the options and operands, and reads what a command reads from files or
 * the terminal, before the database is asked (NULL: nothing to check); run
 * gets the connection, which the dispatcher makes and closes (serve makes
 * one per worker itself).
 */
static const struct server_command {
	const char *name, *action;
	int (*check)(struct args *a);
	int (*run)(const struct args *a, struct pg *db);
	bool no_db;
	bool keys; /* the connection gets the key store (personal values sealed) */
} commands[] = {
	{ "migrate", NULL, NULL, cmd_migrate, false, false },
	{ "serve", NULL, NULL, cmd_serve, true, false },
	{ "device", "add", device_add_check, device_add, false, false },
	{ "device", "list", NULL, device_list, false, false },
	{ "device", "revoke", device_revoke_check, device_revoke, false, false },
	{ "case", "update", case_update_check, case_update, false, true },
	{ "flow", "publish", flow_publish_check, flow_publish, false, false },
	{ "hot-topic", "add", hot_topic_add_check, hot_topic_add, false, false },
	{ "data", "load", data_load_check, data_load, false, false },
	{ "user", "list", no_operands, user_list, false, false },
	{ "user", "add", user_change_check, user_change, false, false },
	{ "user", "disable", user_change_check, user_change, false, false },
	{ "user", "enable", user_change_check, user_change, false, false },
	{ "user", "passwd", user_change_check, user_change, false, false },
	{ "user", "role", user_change_check, user_change, false, false },
	{ "user", "sites", user_sites_check, user_sites, false, false },
	{ "customer", "erase", customer_erase_check, customer_erase, false, true },
	{ "erasure", "list", no_operands, erasure_list, false, false },
	{ "sync", "problems", sync_problems_check, sync_problems, false, false },
	{ "audit", "verify", no_operands, audit_verify, false, false },
	{ "keys", "seal", no_operands, keys_seal, false, true },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* "CMD takes a, b or c, not 'WORD'": the actions the table has for name. */
static int unknown_action(const char *name, const char *word)
{
	char list[256] = "", fmt[320];
	size_t n = 0, k = 0;

	for (size_t i = 0; i < NCOMMANDS; i++)
		n += !strcmp(commands[i].name, name);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
			 k == 0 ? "" : k + 1 == n ? " or " : ", ", commands[i].action);
		k++;
	}
	snprintf(fmt, sizeof fmt, "%s takes %s, not '%%s'", name, list);
	return usage_error(fmt, word);
}

/* Checks, connects (with the key store when the command seals or
 * shreds), runs, closes; what a check kept is let go. */
static int command_run(const struct server_command *cmd, struct args *a)
{
	struct vault *keys = NULL;
	struct pg *db = NULL;
	struct err e;
	int rc = cmd->check ? cmd->check(a) : -1;

	err_clear(&e);
	if (rc < 0 && cmd->keys) {
		keys = vault_open(a->keys, &e);
		if (!keys)
			rc = said(e.code, &e);
	}
	if (rc < 0 && !cmd->no_db) {
		db = pg_connect(a->db, &e);
		if (!db)
			rc = said(STATUS_DB, &e);
	}
	if (rc < 0 && keys) {
		pg_use_vault(db, keys);
		if (pg_keys_check(db, &e))
			rc = said(e.code, &e);
	}
	if (rc < 0)
		rc = cmd->run(a, db);
	pg_close(db);
	vault_close(keys);
	if (a->rd_read)
		refdata_release(&a->rd);
	sodium_memzero(a->hash, sizeof a->hash);
	return rc;
}

int server_main(int argc, char **argv)
{
	const struct server_command *found = NULL;
	bool known = false;
	struct args a;
	const char *cmd;
	int rc;

	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		printf("frontdeskd %s\n", FRONTDESK_VERSION);
		return 0;
	}
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (sodium_init() < 0)
		die("libsodium cannot start");
	cmd = argv[1];
	for (size_t i = 0; i < NCOMMANDS && !found; i++)
		if (!strcmp(commands[i].name, cmd) && !commands[i].action)
			found = &commands[i];
	if (found) {
		rc = parse(argc - 1, argv + 1, &a);
		if (rc >= 0)
			return rc;
		if (a.npos)
			return usage_error("unexpected argument '%s'", a.pos[0]);
		return command_run(found, &a);
	}
	if (argc < 3)
		return usage_error("'%s' needs an action; see frontdeskd --help", cmd);
	/* Options first: a bad one is reported before a bad command word. */
	rc = parse(argc - 2, argv + 2, &a);
	if (rc >= 0)
		return rc;
	a.action = argv[2];
	for (size_t i = 0; i < NCOMMANDS && !found; i++) {
		if (strcmp(commands[i].name, cmd) != 0)
			continue;
		known = true;
		if (!strcmp(commands[i].action, a.action))
			found = &commands[i];
	}
	if (!known)
		return usage_error("'%s' is not a command; see frontdeskd --help", cmd);
	if (!found)
		return unknown_action(cmd, a.action);
	return command_run(found, &a);
}
