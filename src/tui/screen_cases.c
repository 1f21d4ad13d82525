/*
 * Cases: the list (mine, this site, overdue) and one case with its status
 * history, where the advisor adds a note or changes the status (open,
 * in-progress, awaiting-customer, closed with a result). While a case waits
 * on the customer its clock is paused (the store moves the due date on).
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

/* ---- the list ------------------------------------------------------------------ */

struct case_line {
	char *reference, *due, *status, *service, *customer;
	bool overdue;
};

struct case_list {
	enum case_scope scope;
	struct case_line *rows;
	int nrows;
	struct tui_list list;
};

static const char *const scope_names[] = { "Mine", "This site", "Overdue" };

static void lines_free(struct case_list *st)
{
	for (int i = 0; i < st->nrows; i++) {
		free(st->rows[i].reference);
		free(st->rows[i].due);
		free(st->rows[i].status);
		free(st->rows[i].service);
		free(st->rows[i].customer);
	}
	free(st->rows);
	st->rows = NULL;
	st->nrows = 0;
}

static int add_line(void *ctx, const struct console_case *r)
{
	struct case_list *st = ctx;
	struct case_line *l;

	st->rows = xrealloc(st->rows, sizeof *st->rows * (size_t)(st->nrows + 1));
	l = &st->rows[st->nrows++];
	l->reference = xstrdup(r->c.reference);
	l->due = xstrdup(r->c.due);
	l->status = xstrdup(r->c.status);
	l->service = xstrdup(r->service_name && *r->service_name ? r->service_name : r->c.service);
	l->customer = r->c.customer_needs && *r->c.customer_needs
			      ? xasprintf(TUI_NEEDS_MARK "%s", r->customer_name ? r->customer_name : "")
			      : xstrdup(r->customer_name ? r->customer_name : "(anonymous)");
	l->overdue = r->c.overdue;
	return 0;
}

static void list_load(struct screen *sc)
{
	struct case_list *st = sc->state;
	struct tui *t = sc->t;
	struct err e;

	lines_free(st);
	err_clear(&e);
	if (store_case_scope(t->store, st->scope, t->who.login, t->desk.site, 500, add_line, st,
			     &e) != STATUS_OK)
		tui_error_err(t, &e);
	st->list.count = st->nrows;
	tui_list_fix(&st->list);
}

static void list_open(struct screen *sc, const void *arg)
{
	struct case_list *st = xcalloc(1, sizeof *st);

	(void)arg;
	sc->state = st;
	st->scope = CASES_MINE;
	list_load(sc);
}

static void list_close(struct screen *sc)
{
	struct case_list *st = sc->state;

	lines_free(st);
	free(st);
}

static char *line_row(void *ctx, int index, int width)
{
	struct case_list *st = ctx;
	const struct case_line *l = &st->rows[index];
	char due[64];
	const char *cells[5];
	size_t widths[5] = { 10, 16, 17, 0, 0 };
	size_t rest = width > 51 ? (size_t)width - 51 : 2;

	tui_due_text(l->due, l->status, date_today_london(), due, sizeof due);
	cells[0] = l->reference;
	cells[1] = due;
	cells[2] = l->status;
	cells[3] = l->customer;
	cells[4] = l->service;
	widths[3] = rest * 2 / 5;
	widths[4] = rest - widths[3];
	return tui_row_format(cells, widths, 5, 2);
}

static void list_draw(struct screen *sc)
{
	struct case_list *st = sc->state;
	struct tui *t = sc->t;
	char tabs[128];
	const char *cells[5] = { "Reference", "Due", "Status", "Customer", "Service" };
	size_t widths[5] = { 10, 16, 17, 0, 0 };
	size_t rest = (size_t)COLS - 2 > 51 ? (size_t)COLS - 2 - 51 : 2;
	char *head;

	snprintf(tabs, sizeof tabs, "%s1 Mine%s  %s2 This site%s  %s3 Overdue%s",
		 st->scope == CASES_MINE ? "[" : " ", st->scope == CASES_MINE ? "]" : " ",
		 st->scope == CASES_SITE ? "[" : " ", st->scope == CASES_SITE ? "]" : " ",
		 st->scope == CASES_OVERDUE ? "[" : " ", st->scope == CASES_OVERDUE ? "]" : " ");
	draw_textf(t, 0, 0, COLS, PAINT_TITLE, " Cases: %s (%d)", scope_names[st->scope],
		   st->nrows);
	draw_text(t, 1, 1, COLS - 2, tabs, PAINT_PLAIN);
	widths[3] = rest * 2 / 5;
	widths[4] = rest - widths[3];
	head = tui_row_format(cells, widths, 5, 2);
	draw_text(t, 3, 2, COLS - 2, head, PAINT_HEADER);
	free(head);
	draw_list(t, &st->list, 4, 0, COLS, LINES - 7, line_row, st, true,
		  st->scope == CASES_OVERDUE ? "  No overdue cases." : "  No open cases here.");
	draw_text(t, LINES - 3, 0, COLS,
		  " 1/2/3 or Left/Right: mine, this site, overdue   Enter opens   Esc back", PAINT_DIM);
	if (!st->nrows)
		tui_cursor(t, 4, 2);
}

static enum key_result list_key(struct screen *sc, const struct tui_key *k)
{
	struct case_list *st = sc->state;
	int scope = (int)st->scope;

	switch (k->kind) {
	case TUI_KEY_ESC:
		return KR_CLOSE;
	case TUI_KEY_ENTER:
		if (st->nrows)
			tui_push(sc->t, &screen_case_ops, st->rows[st->list.selected].reference);
		return KR_USED;
	case TUI_KEY_LEFT:
		scope = (scope + 2) % 3;
		break;
	case TUI_KEY_RIGHT:
	case TUI_KEY_TAB:
		scope = (scope + 1) % 3;
		break;
	case TUI_KEY_CHAR:
		if (k->wc >= L'1' && k->wc <= L'3') {
			scope = (int)(k->wc - L'1');
			break;
		}
		return KR_UNUSED;
	default:
		return tui_list_key(&st->list, k) ? KR_USED : KR_UNUSED;
	}
	st->scope = (enum case_scope)scope;
	st->list.selected = st->list.top = 0;
	list_load(sc);
	return KR_USED;
}

static const struct key_help list_help[] = {
	{ "1, 2, 3", "cases I raised, cases raised at this site, overdue cases" },
	{ "Left/Right, Tab", "switch between those lists" },
	{ "Up/Down", "choose a case" },
	{ "Enter", "open the case" },
	{ "Esc", "back" },
	{ NULL, NULL },
};

const struct screen_ops screen_cases_ops = {
	.name = "cases",
	.help = list_help,
	.open = list_open,
	.close = list_close,
	.draw = list_draw,
	.key = list_key,
	.reenter = list_load,
};

/* ---- one case ----------------------------------------------------------------------- */

struct case_event_line {
	char *at, *status, *note, *actor;
};

enum { CF_STATUS, CF_NOTE, CF_RESULT, CF_NFIELDS };

struct case_view {
	char reference[32];
	bool found;
	char *status, *due, *team, *service, *reason, *customer_id, *created, *result, *advisor;
	long paused_days;
	struct customer *customer;
	struct case_event_line *events;
	int nevents;
	struct tui_list list;
	/* the change form, when open */
	bool editing;
	struct form_field fields[CF_NFIELDS];
	struct form form;
};

static void view_clear(struct case_view *st)
{
	free(st->status);
	free(st->due);
	free(st->team);
	free(st->service);
	free(st->reason);
	free(st->customer_id);
	free(st->created);
	free(st->result);
	free(st->advisor);
	st->status = st->due = st->team = st->service = st->reason = st->customer_id = NULL;
	st->created = st->result = st->advisor = NULL;
	for (int i = 0; i < st->nevents; i++) {
		free(st->events[i].at);
		free(st->events[i].status);
		free(st->events[i].note);
		free(st->events[i].actor);
	}
	free(st->events);
	st->events = NULL;
	st->nevents = 0;
	customer_free(st->customer);
	st->customer = NULL;
}

static int got_case(void *ctx, const struct console_case *r)
{
	struct case_view *st = ctx;

	st->found = true;
	snprintf(st->reference, sizeof st->reference, "%s", r->c.reference);
	st->status = xstrdup(r->c.status);
	st->due = xstrdup(r->c.due);
	st->team = xstrdup(r->c.team);
	st->service = xstrdup(r->service_name && *r->service_name ? r->service_name : r->c.service);
	st->reason = xstrdup(r->c.reason);
	st->customer_id = r->c.customer_id ? xstrdup(r->c.customer_id) : NULL;
	st->created = xstrdup(r->c.created_at);
	st->result = r->c.result ? xstrdup(r->c.result) : NULL;
	st->advisor = xstrdup(r->advisor ? r->advisor : "");
	st->paused_days = r->paused_days;
	return 0;
}

static int got_event(void *ctx, const struct case_event_row *ev)
{
	struct case_view *st = ctx;
	struct case_event_line *l;
	char at[17];

	st->events = xrealloc(st->events, sizeof *st->events * (size_t)(st->nevents + 1));
	l = &st->events[st->nevents++];
	snprintf(at, sizeof at, "%s", ev->at);
	if (strlen(at) > 10)
		at[10] = ' ';
	l->at = xstrdup(at);
	l->status = xstrdup(ev->status);
	l->note = xstrdup(ev->note ? ev->note : "");
	/* "advisor:jsmith" reads as jsmith */
	l->actor = xstrdup(strchr(ev->actor, ':') ? strchr(ev->actor, ':') + 1 : ev->actor);
	return 0;
}

static void case_load(struct screen *sc)
{
	struct case_view *st = sc->state;
	struct tui *t = sc->t;
	struct err e;
	char ref[32];

	snprintf(ref, sizeof ref, "%s", st->reference);
	view_clear(st);
	st->found = false;
	err_clear(&e);
	if (store_case_get_console(t->store, ref, got_case, st, &e) != STATUS_OK) {
		tui_error_err(t, &e);
		return;
	}
	store_case_show(t->store, ref, NULL, got_event, st, NULL);
	if (st->customer_id) {
		err_clear(&e);
		if (store_customer_get(t->store, st->customer_id, &st->customer, &e) != STATUS_OK)
			st->customer = NULL;
	}
	st->list.count = st->nevents;
	st->list.selected = st->nevents - 1;
	tui_list_fix(&st->list);
}

static void case_open(struct screen *sc, const void *arg)
{
	struct case_view *st = xcalloc(1, sizeof *st);

	sc->state = st;
	snprintf(st->reference, sizeof st->reference, "%s", (const char *)arg);
	case_load(sc);
}

static void case_close(struct screen *sc)
{
	struct case_view *st = sc->state;

	if (st->editing)
		form_release(&st->form);
	view_clear(st);
	free(st);
}

static void edit_begin(struct screen *sc, bool note_only)
{
	struct case_view *st = sc->state;
	struct form_field *f = st->fields;

	memset(f, 0, sizeof st->fields);
	f[CF_STATUS] = (struct form_field){ .kind = FORM_CHOICE, .label = "New status",
					    .hidden = note_only };
#define ADD_STATUS(n, s) form_choice_add(&f[CF_STATUS], s, s);
	CASE_STATUSES(ADD_STATUS)
#undef ADD_STATUS
	f[CF_NOTE] = (struct form_field){ .kind = FORM_TEXT, .label = "Note",
					  .required = note_only };
	f[CF_RESULT] = (struct form_field){ .kind = FORM_TEXT, .label = "Result",
					    .hidden = true, .required = true,
					    .hint = "what was done for the customer" };
	form_init(&st->form, st->fields, CF_NFIELDS);
	form_choose(&f[CF_STATUS], st->status);
	f[CF_NOTE].text.max_chars = NOTES_MAX_CHARS;
	f[CF_RESULT].text.max_chars = REASON_MAX_CHARS;
	st->form.focus = note_only ? CF_NOTE : CF_STATUS;
	st->form.changed = false;
	st->editing = true;
}

static void edit_end(struct case_view *st)
{
	form_release(&st->form);
	st->editing = false;
}

static void edit_save(struct screen *sc)
{
	struct case_view *st = sc->state;
	struct tui *t = sc->t;
	const char *choice = form_choice_code(&st->fields[CF_STATUS]);
	char status_text[32] = "";
	const char *status = NULL;
	struct err e;

	if (!st->fields[CF_STATUS].hidden && choice && strcmp(choice, st->status) != 0) {
		snprintf(status_text, sizeof status_text, "%s", choice);
		status = status_text;
	}
	err_clear(&e);
	if (store_case_update(t->store, st->reference, status,
			      st->fields[CF_NOTE].text.len ? st->fields[CF_NOTE].text.text : NULL,
			      st->fields[CF_RESULT].text.len ? st->fields[CF_RESULT].text.text : NULL,
			      &e) != STATUS_OK) {
		tui_error_err(t, &e);
		return;
	}
	edit_end(st);
	tui_say(t, status ? "Saved: case %s is now %s." : "Saved the note on case %s.", st->reference,
		status ? status : "");
	case_load(sc);
}

static char *event_row(void *ctx, int index, int width)
{
	struct case_view *st = ctx;
	const struct case_event_line *l = &st->events[index];
	const char *cells[4] = { l->at, l->status, l->actor, l->note };
	size_t widths[4] = { 16, 17, 18, 0 };

	widths[3] = width > 57 ? (size_t)width - 57 : 1;
	return tui_row_format(cells, widths, 4, 2);
}

static void case_draw(struct screen *sc)
{
	struct case_view *st = sc->state;
	struct tui *t = sc->t;
	char due[64], longdue[64];
	struct date d;
	int y = 0;

	draw_textf(t, y++, 0, COLS, PAINT_TITLE, " Case %s", st->reference);
	if (!st->found) {
		draw_text(t, 2, 2, COLS - 4, "This case could not be read. Esc goes back.", PAINT_WARN);
		return;
	}
	if (st->customer)
		y += draw_needs(t, y, st->customer->field[CF_name], st->customer->field[CF_needs]);
	else
		draw_text(t, y++, 0, COLS, " Anonymous referral: no customer on record", PAINT_PLAIN);
	tui_due_text(st->due, st->status, date_today_london(), due, sizeof due);
	longdue[0] = '\0';
	if (date_parse(st->due, &d, "due", NULL) == STATUS_OK)
		tui_date_long(d, longdue, sizeof longdue);
	draw_textf(t, y++, 1, COLS - 2, PAINT_PLAIN, "Customer: %s",
		   st->customer ? st->customer->field[CF_name] : "(anonymous)");
	draw_textf(t, y++, 1, COLS - 2, strncmp(due, "OVERDUE", 7) == 0 ? PAINT_WARN : PAINT_PLAIN,
		   "Status: %s   Due: %s (%s)%s", st->status, longdue, due,
		   st->paused_days ? "   clock paused before" : "");
	if (st->paused_days)
		draw_textf(t, y++, 1, COLS - 2, PAINT_PLAIN,
			   "Waited on the customer %ld working day%s; the due date moved on by as "
			   "many.",
			   st->paused_days, st->paused_days == 1 ? "" : "s");
	draw_textf(t, y++, 1, COLS - 2, PAINT_PLAIN, "Service: %s   Team: %s", st->service,
		   st->team);
	draw_textf(t, y++, 1, COLS - 2, PAINT_PLAIN, "Reason: %s", st->reason);
	if (st->result)
		draw_textf(t, y++, 1, COLS - 2, PAINT_PLAIN, "Result: %s", st->result);
	draw_textf(t, y++, 1, COLS - 2, PAINT_PLAIN, "Raised %.10s by %s", st->created,
		   st->advisor);
	if (st->editing) {
		y++;
		draw_text(t, y++, 0, COLS, st->fields[CF_STATUS].hidden ? " Add a note" : " Change status",
			  PAINT_HEADER);
		form_draw(t, &st->form, y, LINES - 4);
		draw_text(t, LINES - 3, 0, COLS, " Ctrl-S save   Tab next field   Esc cancel",
			  PAINT_DIM);
		return;
	}
	draw_textf(t, y++, 0, COLS, PAINT_HEADER, " History, oldest first (%d)", st->nevents);
	draw_list(t, &st->list, y, 0, COLS, LINES - 3 - y, event_row, st, true, "  No history.");
	draw_text(t, LINES - 3, 0, COLS, " n add a note   s change status   Esc back", PAINT_DIM);
}

static void discard(struct tui *t, void *ctx)
{
	struct case_view *st = ctx;

	edit_end(st);
	tui_say(t, "Discarded.");
}

static enum key_result case_key(struct screen *sc, const struct tui_key *k)
{
	struct case_view *st = sc->state;

	if (!st->found)
		return k->kind == TUI_KEY_ESC ? KR_CLOSE : KR_UNUSED;
	if (st->editing) {
		const char *status;

		if ((k->kind == TUI_KEY_CTRL && k->wc == L's') || (k->kind == TUI_KEY_FN && k->n == 10)) {
			edit_save(sc);
			return KR_USED;
		}
		if (k->kind == TUI_KEY_ESC) {
			if (form_changed(&st->form))
				tui_ask(sc->t, "Discard this change? (y = discard, n = keep editing)",
					discard, st);
			else
				edit_end(st);
			return KR_USED;
		}
		if (k->kind == TUI_KEY_CHAR && k->wc == L'?' &&
		    (st->fields[st->form.focus].kind == FORM_CHOICE ||
		     st->fields[st->form.focus].text.len == 0))
			return KR_UNUSED;
		if (!form_key(&st->form, k)) {
			if (k->kind == TUI_KEY_ENTER) {
				edit_save(sc);
				return KR_USED;
			}
			return KR_UNUSED;
		}
		status = form_choice_code(&st->fields[CF_STATUS]);
		st->fields[CF_RESULT].hidden = !(status && strcmp(status, "closed") == 0);
		return KR_USED;
	}
	switch (k->kind) {
	case TUI_KEY_ESC:
		return KR_CLOSE;
	case TUI_KEY_CHAR:
		if (k->wc == L'n' || k->wc == L'N') {
			edit_begin(sc, true);
			return KR_USED;
		}
		if (k->wc == L's' || k->wc == L'S') {
			if (strcmp(st->status, "closed") == 0) {
				tui_error(sc->t, "case %s is closed and cannot change; raise a new "
						 "referral if more is needed",
					  st->reference);
				return KR_USED;
			}
			edit_begin(sc, false);
			return KR_USED;
		}
		return KR_UNUSED;
	default:
		return tui_list_key(&st->list, k) ? KR_USED : KR_UNUSED;
	}
}

static bool case_unsaved(struct screen *sc)
{
	struct case_view *st = sc->state;

	return st->editing && form_changed(&st->form);
}

static const struct key_help case_help[] = {
	{ "n", "add a note to the case" },
	{ "s", "change the status (closing asks for the result)" },
	{ "Ctrl-S", "save the note or change" },
	{ "Up/Down", "move through the history" },
	{ "Esc", "back (asks first if you typed something)" },
	{ NULL, NULL },
};

const struct screen_ops screen_case_ops = {
	.name = "case",
	.help = case_help,
	.open = case_open,
	.close = case_close,
	.draw = case_draw,
	.key = case_key,
	.unsaved = case_unsaved,
};
