/*
 * cmd_sync.c — `frontdesk sync --once | --status`: one sync cycle with the
 * central server now, or what sync has done and what waits (including the
 * changes the server refused, kept here for an administrator).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <jansson.h>

#include "frontdesk/cli.h"
#include "frontdesk/flow.h"
#include "frontdesk/sync.h"
#include "cli_util.h"

static const char usage[] =
    "usage: frontdesk sync --once [--user LOGIN] [--retry-for SECONDS] [--ca FILE] [--pin PIN]\n"
    "       frontdesk sync --status [--format table|json]\n"
    "       frontdesk sync --background SECONDS\n"
    "\n"
    "--once sends every change waiting in the outbox and fetches what changed\n"
    "centrally (customers, cases, users, flows, hot topics, services, teams,\n"
    "sites). When the server cannot be reached it retries with backoff for up\n"
    "to --retry-for seconds (default 0: one try). --status shows whether this\n"
    "desk is enrolled and online, what waits, the last good sync, every\n"
    "change the server refused, every change from the server this desk could\n"
    "not apply (kept aside; the desk goes on past them), and whether the\n"
    "server found this desk restored from a backup and what was done.\n"
    "--background runs sync in its own thread, as\n"
    "the console does, for SECONDS while this thread keeps reading the\n"
    "database as typing would, and reports the longest wait it saw.\n"
    "The console syncs in the background by itself; this command is for\n"
    "checks and scripts.\n"
    "\n"
    "Erasures, user changes and status changes on another desk's case need a\n"
    "person: they wait here until one holding the role signs in while online.\n"
    "--once --user LOGIN signs LOGIN in at the server (password asked on the\n"
    "terminal, or the first line of standard input) and sends what waits for\n"
    "them; the session lives in this process only and ends with it.\n";

enum { OPT_ONCE = 1000, OPT_STATUS, OPT_RETRY, OPT_CA, OPT_PIN, OPT_BACKGROUND, OPT_USER };

static const struct option options[] = {
    {"once", no_argument, NULL, OPT_ONCE},
    {"status", no_argument, NULL, OPT_STATUS},
    {"retry-for", required_argument, NULL, OPT_RETRY},
    {"ca", required_argument, NULL, OPT_CA},
    {"pin", required_argument, NULL, OPT_PIN},
    CLI_OPTION_FORMAT,
    {"background", required_argument, NULL, OPT_BACKGROUND},
    {"user", required_argument, NULL, OPT_USER},
    {NULL, 0, NULL, 0},
};

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Records the backoff in the sync state so `sync --status` (another
 * process) can show it: attempt N, next try at a UTC time. attempt 0
 * clears it. Best effort: a failure here changes nothing else. */
static void utc_after(int64_t wait_ms, char *out, size_t outsz)
{
	time_t t = (time_t)((clock_now_ms() + wait_ms + 999) / 1000);
	struct tm tm;

	out[0] = '\0';
	if (gmtime_r(&t, &tm))
		strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void note_backoff(struct store *s, unsigned attempt, int64_t wait_ms)
{
	char n[16] = "", at[32] = "";

	if (attempt > 0) {
		snprintf(n, sizeof n, "%u", attempt);
		utc_after(wait_ms, at, sizeof at);
	}
	store_sync_state_set(s, "sync_retry_attempt", n, NULL);
	store_sync_state_set(s, "sync_retry_at", at, NULL);
}

static int sync_once(struct store *s, long retry_for, const struct sync_options *o)
{
	double deadline = mono_ms() + (double)retry_for * 1000.0;
	struct sync_report r;
	struct err e;
	enum sync_outcome out;
	unsigned attempt = 0;
	long pushed = 0, refused = 0, pulled = 0, waiting = 0, renumbered = 0, kept = 0;
	bool restored = false;

	for (;;) {
		err_clear(&e);
		out = sync_run(s, store_path(s), o, &r, &e);
		pushed += r.pushed;
		refused += r.refused;
		pulled += r.pulled;
		waiting += r.waiting_person;
		renumbered += r.renumbered;
		kept += r.kept_aside;
		restored = restored || r.restored;
		if (out != SYNC_OFFLINE || mono_ms() >= deadline)
			break;
		{
			uint64_t rnd = 0;
			int64_t wait;
			double left = deadline - mono_ms();

			if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
				rnd = (uint64_t)clock_now_ms();
			wait = sync_backoff_ms(attempt++, rnd, r.retry_after_ms);
			if ((double)wait > left)
				wait = (int64_t)left;
			note_backoff(s, attempt, wait);
			fprintf(stderr, "frontdesk: %s; retrying in %.1f s\n", e.msg,
				(double)wait / 1000.0);
			sleep_ms(wait);
		}
	}
	{
		char *was = store_sync_state(s, "sync_retry_attempt");

		if (attempt > 0 || (was && *was)) /* also one left by a killed run */
			note_backoff(s, 0, 0);
		free(was);
	}
	printf("pushed %ld change%s", pushed, pushed == 1 ? "" : "s");
	if (refused)
		printf(" (%ld refused: see frontdesk sync --status)", refused);
	if (waiting)
		printf(" (%ld wait%s for a person to sign in: see frontdesk sync --status)", waiting,
		       waiting == 1 ? "s" : "");
	printf(", pulled %ld change%s\n", pulled, pulled == 1 ? "" : "s");
	if (restored)
		printf("this desk was restored from a backup: %ld change%s not yet sent renumbered "
		       "after what the server holds, and sent (see frontdesk sync --status)\n",
		       renumbered, renumbered == 1 ? "" : "s");
	if (kept)
		printf("%ld change%s from the server could not be applied here and %s kept aside "
		       "(see frontdesk sync --status)\n",
		       kept, kept == 1 ? "" : "s", kept == 1 ? "was" : "were");
	if (r.clock_ahead_ms > 0)
		fprintf(stderr,
			"frontdesk: this desk's clock is %lld seconds ahead of the server; correct "
			"the date and time\n",
			r.clock_ahead_ms / 1000);
	if (out != SYNC_DONE)
		return cli_fail("%s", e.msg);
	return CLI_EXIT_OK;
}

/* "3 changes wait for jsmith (admin) to sign in while online" */
static int print_waiting(void *ctx, const struct outbox_waiting *w)
{
	json_t *arr = ctx;

	if (arr) {
		json_t *o = json_object();

		json_object_set_new(o, "login", w->login[0] ? json_string(w->login) : json_null());
		json_object_set_new(o, "role", json_string(w->role));
		json_object_set_new(o, "count", json_integer(w->count));
		json_array_append_new(arr, o);
		return 0;
	}
	if (w->login[0])
		printf("person      %ld change%s wait%s for %s (%s) to sign in while online: "
		       "frontdesk sync --once --user %s\n",
		       w->count, w->count == 1 ? "" : "s", w->count == 1 ? "s" : "", w->login,
		       w->role, w->login);
	else
		printf("person      %ld change%s wait%s for %s %s to sign in while online: "
		       "frontdesk sync --once --user LOGIN\n",
		       w->count, w->count == 1 ? "" : "s", w->count == 1 ? "s" : "",
		       !strcmp(w->role, "admin") ? "an" : "a",
		       !strcmp(w->role, "admin") ? "administrator" : "supervisor or administrator");
	return 0;
}

struct refused_ctx {
	struct cli_table *t;
	json_t *arr;
};

static int add_refused(void *ctx, const struct outbox_refused_row *r)
{
	struct refused_ctx *rc = ctx;
	char seq[24];
	const char *cells[5];

	snprintf(seq, sizeof seq, "%lld", r->seq);
	cells[0] = seq;
	cells[1] = r->created_at;
	cells[2] = r->record_type;
	cells[3] = r->record_id;
	cells[4] = r->error;
	if (rc->t)
		cli_table_add(rc->t, cells);
	if (rc->arr) {
		json_t *o = json_object();

		json_object_set_new(o, "seq", json_integer(r->seq));
		json_object_set_new(o, "queued_at", json_string(r->created_at));
		json_object_set_new(o, "type", json_string(r->record_type));
		json_object_set_new(o, "id", json_string(r->record_id));
		json_object_set_new(o, "error", json_string(r->error));
		json_array_append_new(rc->arr, o);
	}
	return 0;
}

struct problem_ctx {
	struct cli_table *t;
	json_t *arr;
};

static int add_problem(void *ctx, const struct pull_problem_row *r)
{
	struct problem_ctx *pc = ctx;
	char cursor[24];
	const char *cells[6];

	snprintf(cursor, sizeof cursor, "%lld", r->cursor);
	cells[0] = cursor;
	cells[1] = r->at;
	cells[2] = r->record_type;
	cells[3] = r->record_id;
	cells[4] = r->reported_at ? r->reported_at : "not yet";
	cells[5] = r->reason;
	if (pc->t)
		cli_table_add(pc->t, cells);
	if (pc->arr) {
		json_t *o = json_object();

		json_object_set_new(o, "cursor", json_integer(r->cursor));
		json_object_set_new(o, "kept_at", json_string(r->at));
		json_object_set_new(o, "type", json_string(r->record_type));
		json_object_set_new(o, "id", json_string(r->record_id));
		json_object_set_new(o, "reported_at",
				    r->reported_at ? json_string(r->reported_at) : json_null());
		json_object_set_new(o, "reason", json_string(r->reason));
		json_array_append_new(pc->arr, o);
	}
	return 0;
}

static int sync_status(struct store *s, int format)
{
	static const char *const columns[] = {"seq", "queued", "type", "id", "refused because"};
	struct sync_status st;
	struct refused_ctx rc = {0};
	struct err e;
	char *ahead = store_sync_state(s, "sync_clock_ahead_ms");
	char *retry_n = store_sync_state(s, "sync_retry_attempt");
	char *retry_at = store_sync_state(s, "sync_retry_at");
	const char *state;

	err_clear(&e);
	sync_status_read(s, store_path(s), &st, &e);
	state = !st.enrolled ? "not enrolled"
		: st.revoked ? "revoked"
		: st.online  ? "online"
		: st.last_error[0] ? "offline"
				   : "not synced yet";
	if (format == CLI_FORMAT_JSON) {
		json_t *o = json_object();
		char *text;

		json_object_set_new(o, "state", json_string(state));
		json_object_set_new(o, "server", json_string(st.server));
		json_object_set_new(o, "device_code", json_string(st.device_code));
		json_object_set_new(o, "waiting", json_integer(st.waiting));
		json_object_set_new(o, "refused_count", json_integer(st.refused));
		json_object_set_new(o, "last_ok", st.last_ok[0] ? json_string(st.last_ok) : json_null());
		json_object_set_new(o, "last_error",
				    st.last_error[0] ? json_string(st.last_error) : json_null());
		rc.arr = json_array();
		store_outbox_refused(s, add_refused, &rc, NULL);
		json_object_set_new(o, "refused", rc.arr);
		{
			json_t *w = json_array();

			store_outbox_waiting(s, print_waiting, w, NULL);
			json_object_set_new(o, "waiting_for_person", w);
		}
		json_object_set_new(o, "not_applied_count", json_integer(st.pull_problems));
		{
			struct problem_ctx pc = { NULL, json_array() };

			store_pull_problems(s, false, 0, add_problem, &pc, NULL);
			json_object_set_new(o, "not_applied", pc.arr);
		}
		if (st.restored_at[0]) {
			json_t *r = json_object();

			json_object_set_new(r, "detected_at", json_string(st.restored_at));
			json_object_set_new(r, "server_held", json_integer(st.restore_held));
			json_object_set_new(r, "renumbered", json_integer(st.restore_renumbered));
			json_object_set_new(r, "lost_here", json_integer(st.restore_lost));
			json_object_set_new(o, "restore", r);
		} else {
			json_object_set_new(o, "restore", json_null());
		}
		json_object_set_new(o, "retry_attempt",
				    retry_n && *retry_n ? json_integer(strtol(retry_n, NULL, 10))
							: json_null());
		json_object_set_new(o, "retry_at",
				    retry_at && *retry_at ? json_string(retry_at) : json_null());
		text = json_dumps(o, JSON_INDENT(2));
		json_decref(o);
		printf("%s\n", text ? text : "{}");
		free(text);
		free(ahead);
		free(retry_n);
		free(retry_at);
		return CLI_EXIT_OK;
	}
	printf("state       %s\n", state);
	printf("server      %s\n", st.server[0] ? st.server : "-");
	printf("device      %s\n", st.device_code[0] ? st.device_code : "-");
	printf("waiting     %ld change%s\n", st.waiting, st.waiting == 1 ? "" : "s");
	printf("refused     %ld change%s\n", st.refused, st.refused == 1 ? "" : "s");
	printf("not applied %ld change%s from the server\n", st.pull_problems,
	       st.pull_problems == 1 ? "" : "s");
	printf("last sync   %s\n", st.last_ok[0] ? st.last_ok : "never");
	store_outbox_waiting(s, print_waiting, NULL, NULL);
	{
		char *pe = store_sync_state(s, "sync_person_error");

		if (pe && *pe)
			printf("sign-in     %s\n", pe);
		free(pe);
	}
	if (st.last_error[0])
		printf("last error  %s\n", st.last_error);
	if (ahead && *ahead && strcmp(ahead, "0"))
		printf("clock       %lld s ahead of the server at the last sync; correct the date\n",
		       strtoll(ahead, NULL, 10) / 1000);
	free(ahead);
	{
		char now[32];

		/* A time already past was left by a run that has ended. */
		utc_after(-1000, now, sizeof now);
		if (retry_n && *retry_n && retry_at && strcmp(retry_at, now) >= 0)
			printf("retrying    attempt %s, next try at %s (backing off)\n", retry_n,
			       retry_at);
	}
	free(retry_n);
	free(retry_at);
	if (st.restored_at[0]) {
		printf("restored    This desk was restored from a backup: detected at %s, when the "
		       "server already held its changes up to %lld.\n",
		       st.restored_at, st.restore_held);
		printf("            %ld change%s not yet sent %s renumbered to follow %lld and sent "
		       "again; nothing made here was lost.\n",
		       st.restore_renumbered, st.restore_renumbered == 1 ? "" : "s",
		       st.restore_renumbered == 1 ? "was" : "were", st.restore_held);
		if (st.restore_lost > 0)
			printf("            The server holds %ld change%s this desk made after the "
			       "backup was taken: kept there, not in this copy; new case references "
			       "skip past any they used.\n",
			       st.restore_lost, st.restore_lost == 1 ? "" : "s");
	}
	if (st.refused > 0) {
		printf("\nrefused changes (kept here; the server did not take them):\n");
		rc.t = cli_table_new(columns, 5);
		store_outbox_refused(s, add_refused, &rc, NULL);
		cli_table_print(rc.t, CLI_FORMAT_TABLE, stdout);
		cli_table_free(rc.t);
	}
	if (st.pull_problems > 0) {
		static const char *const pcols[] = {"cursor", "kept", "type", "id", "reported",
						    "not applied because"};
		struct problem_ctx pc = { cli_table_new(pcols, 6), NULL };

		printf("\nchanges from the server not applied here (kept aside; the desk went on; a "
		       "later change to the same record replaces them):\n");
		store_pull_problems(s, false, 0, add_problem, &pc, NULL);
		cli_table_print(pc.t, CLI_FORMAT_TABLE, stdout);
		cli_table_free(pc.t);
	}
	return CLI_EXIT_OK;
}

/* Runs background sync while this thread does what typing does: reads the
 * status and the database every 10 ms. Reports the longest wait. */
static int sync_background(struct store *s, long seconds)
{
	struct sync_bg *bg;
	struct err e;
	double end, worst = 0;
	long reads = 0;
	struct sync_status st;

	err_clear(&e);
	bg = sync_bg_start(store_path(s), flow_source_words, &e);
	if (!bg)
		return cli_fail_err(&e);
	end = mono_ms() + (double)seconds * 1000.0;
	while (mono_ms() < end) {
		double t0 = mono_ms(), dt;

		sync_bg_status(bg, &st);
		(void)store_outbox_pending(s);
		dt = mono_ms() - t0;
		if (dt > worst)
			worst = dt;
		reads++;
		if (sync_bg_cycles(bg) > 0 && !st.running && st.waiting == 0 && reads > 50)
			break;
		sleep_ms(10);
	}
	sync_bg_status(bg, &st);
	printf("typing: %ld reads, longest wait %.1f ms\n", reads, worst);
	printf("background sync: %ld cycle%s, %s, %ld waiting\n", sync_bg_cycles(bg),
	       sync_bg_cycles(bg) == 1 ? "" : "s", st.online ? "online" : "offline", st.waiting);
	sync_bg_stop(bg);
	return CLI_EXIT_OK;
}

struct sync_args {
	int mode; /* OPT_ONCE, OPT_STATUS or OPT_BACKGROUND; 0: none given */
	long retry_for, background;
	const char *login; /* sync's own --user */
	const char *ca;
	struct buf pins;
};

static void sync_init(struct cli_call *call)
{
	struct sync_args *a = call->args;

	buf_init(&a->pins, 1024);
}

static void sync_release(struct cli_call *call)
{
	struct sync_args *a = call->args;

	buf_release(&a->pins);
}

static int sync_option(struct cli_call *call, int opt, char *arg)
{
	struct sync_args *a = call->args;

	switch (opt) {
	case OPT_ONCE:
	case OPT_STATUS:
		if (a->mode && a->mode != opt)
			return cli_usage(&cmd_sync, "give one of --once, --status, --background");
		a->mode = opt;
		break;
	case OPT_BACKGROUND:
		a->mode = opt;
		if (!cli_parse_long(&cmd_sync, "--background", arg, 1, 3600, &a->background))
			return CLI_EXIT_USAGE;
		break;
	case OPT_RETRY:
		if (!cli_parse_long(&cmd_sync, "--retry-for", arg, 0, 86400, &a->retry_for))
			return CLI_EXIT_USAGE;
		break;
	case OPT_CA:
		a->ca = arg;
		break;
	case OPT_USER:
		a->login = arg;
		break;
	case OPT_PIN:
		if (buf_printf(&a->pins, "%s%s", a->pins.len ? ";" : "", arg) != STATUS_OK)
			return cli_usage(&cmd_sync, "too many --pin values (1 KiB in all)");
		break;
	}
	return -1;
}

static int sync_check(struct cli_call *call)
{
	const struct sync_args *a = call->args;

	if (call->argc > 0 || !a->mode)
		return cli_usage(&cmd_sync, call->argc > 0
						? "unexpected argument"
						: "give --once, --status or --background SECONDS");
	if (a->login && a->mode != OPT_ONCE)
		return cli_usage(&cmd_sync, "--user goes with --once");
	return -1;
}

static int sync_command(struct cli_call *call)
{
	const struct sync_args *a = call->args;
	const struct cli_global *g = call->g;
	struct sync_options o = { .ca_file = a->ca, .flow_words = flow_source_words };
	struct sync_person person;
	struct store *s = call->store;
	int rc;

	if (a->pins.len)
		o.pins = buf_str(&a->pins);
	if (a->mode == OPT_STATUS)
		return sync_status(s, call->format);
	if (a->mode == OPT_BACKGROUND)
		return sync_background(s, a->background);
	memset(&person, 0, sizeof person);
	if (a->login || g->user) {
		/* a person for the changes that wait for one: the password
		 * goes to the server only, and the session ends here */
		const char *login = a->login ? a->login : g->user;
		bool have;

		snprintf(person.login, sizeof person.login, "%s", login);
		have = a->login ? cli_password_ask(login, person.password, sizeof person.password)
				: cli_password_take(person.password, sizeof person.password);
		if (!have || !person.password[0]) {
			sync_person_forget(&person);
			return cli_fail(
			    "no password given for '%s'; type it on the terminal, or on "
			    "the first line of standard input",
			    login);
		}
		o.person = &person;
	}
	rc = sync_once(s, a->retry_for, &o);
	if (o.person)
		sync_person_end(s, store_path(s), &o, &person);
	return rc;
}

static const struct cli_action sync_action = {
    .store = CLI_STORE,
    .formats = "table|json",
    .options = options,
    .args_size = sizeof(struct sync_args),
    .init = sync_init,
    .option = sync_option,
    .check = sync_check,
    .run = sync_command,
    .release = sync_release,
};

static const struct cli_action *const actions[] = {&sync_action, NULL};

const struct cli_command cmd_sync = {
    .name = "sync",
    .summary = "exchange changes with the central server now, or show sync status",
    .usage = usage,
    .actions = actions,
};
