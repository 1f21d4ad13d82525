/*
 * Data protection in the console: subject access export and
 * erasure from the customer view, the offline-limit notice on the search
 * and customer screens, and the retention schedule applied once a day.
 *
 * The store decides who may do what (store_require audits every refusal);
 * these screens only hide keys a role cannot use, ask, and show. Nothing
 * personal goes into a message: the export path names the customer id,
 * never the name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "frontdesk/ingest.h"
#include "tui_int.h"

/* ---- the offline limit ----------------------------------------------------------- */

int draw_offline_notice(struct tui *t, int y, int rows, const struct err *why)
{
	struct err e;
	int used;

	if (!why) {
		err_clear(&e);
		if (store_offline_check(t->store, &e) != STATUS_DENIED)
			return 0;
		why = &e;
	}
	if (rows < 1)
		return 0;
	draw_text(t, y, 1, COLS - 2, "CUSTOMER RECORDS ARE HIDDEN ON THIS CONSOLE", PAINT_WARN);
	used = 1;
	if (rows > used + 1) {
		used++;
		/* The store's words: what happened (since when) and what to do. */
		used += draw_paragraph(t, y + used, 1, COLS - 2, rows - used - 2,
				       why->msg[0] ? why->msg : status_message(why->code),
				       PAINT_PLAIN);
	}
	if (rows > used + 1) {
		used++;
		used += draw_paragraph(t, y + used, 1, COLS - 2, rows - used,
				       "This protects people whose records were erased elsewhere. "
				       "Once the console has synced, customers show again. Anonymous "
				       "contacts (F2) and flows (F7) still work.",
				       PAINT_DIM);
	}
	return used;
}

/* ---- export ------------------------------------------------------------------------ */

enum { X_FORMAT, X_FILE, X_COUNT };

struct export_screen {
	char id[UUID_STR_LEN + 1];
	struct form_field fields[X_COUNT];
	struct form form;
	char suggested[TUI_FIELD_MAX]; /* the default path for the chosen format */
	char path[TUI_FIELD_MAX];      /* what the question asks about */
};

static const char *export_format(const struct export_screen *st)
{
	const char *f = form_choice_code(&st->fields[X_FORMAT]);

	return f && strcmp(f, "csv") == 0 ? "csv" : "json";
}

/* The default file: the home folder, the id's first part, today, the format. */
static void export_suggest(struct export_screen *st)
{
	const char *home = getenv("HOME");
	char today[16];

	date_format(date_today_london(), today, sizeof today);
	snprintf(st->suggested, sizeof st->suggested, "%s%ssubject-access-%.8s-%s.%s",
		 home && *home ? home : "", home && *home ? "/" : "", st->id, today,
		 export_format(st));
}

static void export_open(struct screen *sc, const void *arg)
{
	struct export_screen *st = xcalloc(1, sizeof *st);

	sc->state = st;
	snprintf(st->id, sizeof st->id, "%s", (const char *)arg);
	st->fields[X_FORMAT] = (struct form_field){
		.kind = FORM_CHOICE,
		.label = "Format",
		.hint = "JSON for complete records; CSV opens in a spreadsheet",
	};
	form_choice_add(&st->fields[X_FORMAT], "json", "JSON");
	form_choice_add(&st->fields[X_FORMAT], "csv", "CSV");
	st->fields[X_FILE] = (struct form_field){
		.kind = FORM_TEXT,
		.label = "Write to file",
		.hint = "a new file; ~/ is your home folder",
		.required = true,
	};
	form_init(&st->form, st->fields, X_COUNT);
	form_choose(&st->fields[X_FORMAT], "json");
	export_suggest(st);
	tui_field_set(&st->fields[X_FILE].text, st->suggested);
	st->form.focus = X_FILE;
}

static void export_close(struct screen *sc)
{
	struct export_screen *st = sc->state;

	form_release(&st->form);
	free(st);
}

static void export_draw(struct screen *sc)
{
	struct export_screen *st = sc->state;
	struct tui *t = sc->t;
	int y = 2;

	draw_title(t, 0, " Subject access: export everything held about this customer", "");
	y += draw_paragraph(t, y, 1, COLS - 2, 3,
			    "The file holds their record, contacts, flow answers, cases with their "
			    "history, and who opened their record when. It is personal data: give it "
			    "to the person securely and then delete it. The export is audited.",
			    PAINT_PLAIN);
	form_draw(t, &st->form, y + 1, LINES - 4);
	draw_text(t, LINES - 3, 0, COLS,
		  " Enter write the file   Left/Right format   Tab next field   Esc cancel",
		  PAINT_DIM);
}

/* The typed path with a leading ~/ made the home folder; caller frees. */
static char *export_path(const char *typed)
{
	const char *home = getenv("HOME");

	if (typed[0] == '~' && typed[1] == '/' && home && *home)
		return xasprintf("%s/%s", home, typed + 2);
	return xstrdup(typed);
}

/* Writes the export to st->path: a new file (never over another), mode 0600. */
static void export_write(struct tui *t, void *ctx)
{
	struct export_screen *st = ctx;
	const char *format = export_format(st);
	json_t *doc = NULL;
	struct err e;
	FILE *out;
	int fd, failed;

	fd = open(st->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		tui_error(t, "%s; choose another file (nothing was exported): '%s'",
			  errno == EEXIST ? "a file of that name exists already" : strerror(errno),
			  st->path);
		return;
	}
	err_clear(&e);
	/* The store checks the role and the offline limit, and audits. */
	if (store_customer_export(t->store, st->id, format, &doc, &e) != STATUS_OK) {
		close(fd);
		unlink(st->path);
		tui_error_err(t, &e);
		return;
	}
	out = fdopen(fd, "w");
	if (!out) {
		close(fd);
		unlink(st->path);
		json_decref(doc);
		tui_error(t, "cannot write '%s': %s", st->path, strerror(errno));
		return;
	}
	if (strcmp(format, "csv") == 0) {
		struct csv_writer w;

		csv_writer_init(&w, out);
		store_export_rows(doc, csv_writer_row, &w);
		failed = !csv_writer_release(&w);
	} else {
		failed = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
			 fputc('\n', out) == EOF;
	}
	json_decref(doc);
	failed |= ferror(out) != 0;
	if (fclose(out) != 0 || failed) {
		unlink(st->path);
		tui_error(t, "writing '%s' failed (is the disk full?); nothing was kept", st->path);
		return;
	}
	tui_say(t, "Exported (%s) to %s. It holds personal data: hand it over securely, then "
		   "delete it.",
		strcmp(format, "csv") == 0 ? "CSV" : "JSON", st->path);
	tui_pop(t); /* frees st: said first */
}

static enum key_result export_key(struct screen *sc, const struct tui_key *k)
{
	struct export_screen *st = sc->state;
	struct tui *t = sc->t;
	char question[sizeof st->path + 64];
	char *path;
	bool save = (k->kind == TUI_KEY_CTRL && k->wc == L's') || (k->kind == TUI_KEY_FN && k->n == 10) ||
		    (k->kind == TUI_KEY_ENTER && st->form.focus == X_FILE);

	if (k->kind == TUI_KEY_ESC)
		return KR_CLOSE;
	if (!save) {
		const char *before = export_format(st);
		bool used = form_key(&st->form, k);

		/* A new format renames the suggested file, unless it was typed. */
		if (used && strcmp(before, export_format(st)) != 0 &&
		    strcmp(st->fields[X_FILE].text.text, st->suggested) == 0) {
			export_suggest(st);
			tui_field_set(&st->fields[X_FILE].text, st->suggested);
		}
		return used ? KR_USED : KR_UNUSED;
	}
	if (!st->fields[X_FILE].text.len) {
		st->form.focus = X_FILE;
		tui_error(t, "type the file to write the export to, such as ~/export.json");
		return KR_USED;
	}
	path = export_path(st->fields[X_FILE].text.text);
	snprintf(st->path, sizeof st->path, "%s", path);
	free(path);
	snprintf(question, sizeof question, "Write this customer's data to %s?", st->path);
	tui_ask(t, question, export_write, st);
	return KR_USED;
}

static const struct key_help export_help[] = {
	{ "Left/Right/Space", "choose JSON or CSV" },
	{ "Tab, Up/Down", "move between the fields" },
	{ "Enter, Ctrl-S", "write the file (asks first)" },
	{ "Esc", "cancel; nothing is exported" },
	{ NULL, NULL },
};

const struct screen_ops screen_export_ops = {
	.name = "subject access export",
	.help = export_help,
	.open = export_open,
	.close = export_close,
	.draw = export_draw,
	.key = export_key,
};

void tui_customer_export(struct tui *t, const char *customer_id)
{
	struct err e;

	err_clear(&e);
	/* Refused (and audited) before anything is asked. */
	if (store_require(t->store, STORE_PERM_EXPORT, "customer", customer_id, &e) != STATUS_OK) {
		tui_error_err(t, &e);
		return;
	}
	tui_push(t, &screen_export_ops, customer_id);
}

/* ---- erase --------------------------------------------------------------------- */

enum { R_REASON, R_CONFIRM, R_COUNT };

struct erase_screen {
	char id[UUID_STR_LEN + 1];
	struct form_field fields[R_COUNT];
	struct form form;
};

static void erase_open(struct screen *sc, const void *arg)
{
	struct erase_screen *st = xcalloc(1, sizeof *st);

	sc->state = st;
	snprintf(st->id, sizeof st->id, "%s", (const char *)arg);
	st->fields[R_REASON] = (struct form_field){
		.kind = FORM_TEXT,
		.label = "Reason",
		.hint = "why, not who: such as request by letter of 3 May",
		.required = true,
	};
	st->fields[R_REASON].text.max_chars = 200;
	st->fields[R_CONFIRM] = (struct form_field){
		.kind = FORM_TEXT,
		.label = "Type erase",
		.hint = "the word erase, to confirm",
		.required = true,
	};
	st->fields[R_CONFIRM].text.max_chars = 16;
	form_init(&st->form, st->fields, R_COUNT);
}

static void erase_close(struct screen *sc)
{
	struct erase_screen *st = sc->state;

	form_release(&st->form);
	free(st);
}

static void erase_draw(struct screen *sc)
{
	struct erase_screen *st = sc->state;
	struct tui *t = sc->t;
	int y = 2;

	draw_title(t, 0, " Erase this customer (right to erasure)", "");
	y += draw_paragraph(t, y, 1, COLS - 2, 4,
			    "This removes the person from this desk: their record, search entry, "
			    "notes, flow answers and case texts. The erasure goes to the server and "
			    "every console at the next sync. Contacts stay as anonymous figures, so "
			    "reports do not change. It cannot be undone.",
			    PAINT_WARN);
	form_draw(t, &st->form, y + 1, LINES - 4);
	draw_text(t, LINES - 3, 0, COLS, " Enter on the last field erases   Tab next field   Esc cancel",
		  PAINT_DIM);
}

static enum key_result erase_key(struct screen *sc, const struct tui_key *k)
{
	struct erase_screen *st = sc->state;
	struct tui *t = sc->t;
	struct erase_result res;
	struct err e;
	bool go = (k->kind == TUI_KEY_CTRL && k->wc == L's') || (k->kind == TUI_KEY_FN && k->n == 10) ||
		  (k->kind == TUI_KEY_ENTER && st->form.focus == R_CONFIRM);

	if (k->kind == TUI_KEY_ESC)
		return KR_CLOSE;
	if (!go)
		return form_key(&st->form, k) ? KR_USED : KR_UNUSED;
	st->fields[R_REASON].error[0] = st->fields[R_CONFIRM].error[0] = '\0';
	if (!st->fields[R_REASON].text.len) {
		st->form.focus = R_REASON;
		snprintf(st->fields[R_REASON].error, sizeof st->fields[R_REASON].error,
			 "say why the customer is erased");
		tui_error(t, "an erasure needs a reason for the record; nothing was erased");
		return KR_USED;
	}
	if (strcmp(st->fields[R_CONFIRM].text.text, "erase") != 0) {
		st->form.focus = R_CONFIRM;
		snprintf(st->fields[R_CONFIRM].error, sizeof st->fields[R_CONFIRM].error,
			 "type the word erase");
		tui_error(t, "not confirmed: type the word erase in the last field; nothing was "
			     "erased");
		return KR_USED;
	}
	err_clear(&e);
	if (store_customer_erase(t->store, st->id, st->fields[R_REASON].text.text, &res, &e) !=
	    STATUS_OK) {
		if (e.code == STATUS_INVALID) {
			st->form.focus = R_REASON;
			snprintf(st->fields[R_REASON].error, sizeof st->fields[R_REASON].error,
				 "%s", e.msg);
		}
		tui_error_err(t, &e);
		return KR_USED;
	}
	/* The customer's screens go; the search runs again without them. */
	tui_pop_to(t, 2);
	tui_say(t, "Erased: the record, its search entry, notes and answers of %ld contact%s, "
		   "texts of %ld case%s. The contacts stay as anonymous figures.%s",
		res.contacts, res.contacts == 1 ? "" : "s", res.cases, res.cases == 1 ? "" : "s",
		res.purged ? "" : " Old pages go when other programs close the database.");
	return KR_USED;
}

static const struct key_help erase_help[] = {
	{ "type", "the reason (why, never the person's name), then the word erase" },
	{ "Tab, Up/Down", "move between the fields" },
	{ "Enter", "on the last field: erase (only when it says erase)" },
	{ "Esc", "cancel; nothing is erased" },
	{ NULL, NULL },
};

const struct screen_ops screen_erase_ops = {
	.name = "erase a customer",
	.help = erase_help,
	.open = erase_open,
	.close = erase_close,
	.draw = erase_draw,
	.key = erase_key,
};

void tui_customer_erase(struct tui *t, const char *customer_id)
{
	struct err e;

	err_clear(&e);
	if (store_require(t->store, STORE_PERM_ERASE, "customer", customer_id, &e) != STATUS_OK) {
		tui_error_err(t, &e);
		return;
	}
	tui_push(t, &screen_erase_ops, customer_id);
}

/* ---- retention, once a day ---------------------------------------------------------- */

/*
 * Erasing a customer costs about 7 ms (record, search index, outbox, audit
 * row; measured on the demo database), so a backlog of them would hold the
 * console for seconds. Past this many the console leaves it to a run of
 * `frontdesk retention apply` at a quiet time, and says so.
 */
#define RETENTION_CONSOLE_MAX_ERASE 250

static int retention_count(void *ctx, const struct retention_outcome *o)
{
	*(long *)ctx += o->rows;
	return 0;
}

static int retention_erasures(void *ctx, const struct retention_outcome *o)
{
	if (o->rule->record == RETENTION_CUSTOMER)
		*(long *)ctx += o->rows;
	return 0;
}

void tui_retention_due(struct tui *t)
{
	struct retention_rule *rules = NULL;
	struct err_list errs;
	const char *path = t->retention_schedule;
	char today[16], *saved;
	long rows = 0;
	size_t n = 0;
	struct err e;
	enum status rc;

	date_format(date_today_london(), today, sizeof today);
	if (!path || !*path || strcmp(today, t->retention_day) == 0)
		return;
	/* Once a day, whatever happens below: a broken schedule is said once. */
	snprintf(t->retention_day, sizeof t->retention_day, "%s", today);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return; /* no schedule installed: nothing to apply */
	err_list_init(&errs, 1);
	rc = ingest_retention_read(path, &rules, &n, &errs);
	if (rc != STATUS_OK) {
		tui_error(t, "the retention schedule '%s' has %zu problem%s, so it was not applied "
			     "today; ask your IT administrator to run: frontdesk retention apply "
			     "--dry-run",
			  path, err_list_total(&errs), err_list_total(&errs) == 1 ? "" : "s");
		err_list_release(&errs);
		free(rules);
		return;
	}
	err_list_release(&errs);
	/*
	 * The schedule is the council's policy, not anyone's choice at the desk:
	 * the console applies it as itself ("console:retention", audited), for
	 * this call only, whoever is signed in.
	 */
	saved = xstrdup(store_actor(t->store));
	store_set_actor_role(t->store, "console:retention", STORE_ROLE_ADMIN);
	err_clear(&e);
	/* Counting first is cheap (a dry run, audited as retention.check). */
	rc = store_retention_apply(t->store, rules, n, true, retention_erasures, &rows, &e);
	if (rc == STATUS_OK && rows > RETENTION_CONSOLE_MAX_ERASE) {
		/* Short enough for the message line; the man page says how. */
		tui_error(t, "retention not applied: %ld erasures due; ask IT to run it out of "
			     "hours",
			  rows);
		rc = STATUS_EXISTS; /* said; nothing changed */
	} else if (rc == STATUS_OK) {
		rows = 0;
		rc = store_retention_apply(t->store, rules, n, false, retention_count, &rows, &e);
	}
	store_set_actor_role(t->store, "console:retention", STORE_ROLE_NONE);
	store_set_actor(t->store, saved);
	free(saved);
	free(rules);
	if (rc != STATUS_OK && rc != STATUS_EXISTS)
		tui_error_err(t, &e);
	else if (rc == STATUS_OK && rows > 0)
		tui_say(t, "Retention schedule applied: %ld old record%s anonymised or deleted.", rows,
			rows == 1 ? "" : "s");
}
