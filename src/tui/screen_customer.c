/*
 * The single view of a customer: details, needs flags (prominent, on every
 * screen about them), preferred channel, open cases with due dates (overdue
 * in words), and contact history newest first. Also the form that creates a
 * customer (only the name is required) or edits one field by field.
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

struct case_item {
	char *reference, *service, *status, *due, *reason;
	bool overdue;
};
struct contact_item {
	char *when, *service, *outcome, *channel, *advisor, *notes;
};

struct customer_view {
	struct customer *c;
	struct case_item *cases;
	int ncases;
	struct contact_item *contacts;
	int ncontacts;
	struct tui_list case_list, history;
	int focus; /* 0 cases, 1 history */
	long parked; /* flows parked on the customer */
	struct err refused; /* why the record did not open (the offline limit) */
};

static char *dup0(const char *s)
{
	return xstrdup(s ? s : "");
}

static void items_free(struct customer_view *st)
{
	for (int i = 0; i < st->ncases; i++) {
		free(st->cases[i].reference);
		free(st->cases[i].service);
		free(st->cases[i].status);
		free(st->cases[i].due);
		free(st->cases[i].reason);
	}
	free(st->cases);
	for (int i = 0; i < st->ncontacts; i++) {
		free(st->contacts[i].when);
		free(st->contacts[i].service);
		free(st->contacts[i].outcome);
		free(st->contacts[i].channel);
		free(st->contacts[i].advisor);
		free(st->contacts[i].notes);
	}
	free(st->contacts);
	st->cases = NULL;
	st->contacts = NULL;
	st->ncases = st->ncontacts = 0;
}

static int add_case(void *ctx, const struct console_case *r)
{
	struct customer_view *st = ctx;
	struct case_item *it;

	st->cases = xrealloc(st->cases, sizeof *st->cases * (size_t)(st->ncases + 1));
	it = &st->cases[st->ncases++];
	it->reference = dup0(r->c.reference);
	it->service = dup0(r->service_name && *r->service_name ? r->service_name : r->c.service);
	it->status = dup0(r->c.status);
	it->due = dup0(r->c.due);
	it->reason = dup0(r->c.reason);
	it->overdue = r->c.overdue;
	return 0;
}

static int add_contact(void *ctx, const struct contact_row *r)
{
	struct customer_view *st = ctx;
	struct contact_item *it;
	char when[17];

	st->contacts = xrealloc(st->contacts, sizeof *st->contacts * (size_t)(st->ncontacts + 1));
	it = &st->contacts[st->ncontacts++];
	/* 2026-11-20T10:02 -> 2026-11-20 10:02 */
	snprintf(when, sizeof when, "%s", r->created_at);
	if (strlen(when) > 10)
		when[10] = ' ';
	it->when = xstrdup(when);
	it->service = dup0(r->service_name && *r->service_name ? r->service_name : r->service);
	it->outcome = dup0(r->outcome);
	it->channel = dup0(r->channel);
	it->advisor = dup0(r->advisor);
	it->notes = dup0(r->notes);
	return 0;
}

static void view_load(struct screen *sc, const char *id, bool audit)
{
	struct customer_view *st = sc->state;
	struct tui *t = sc->t;
	struct err e;
	char keep[UUID_STR_LEN + 1];

	snprintf(keep, sizeof keep, "%s", id);
	err_clear(&e);
	items_free(st);
	if (audit || !st->c) {
		customer_free(st->c);
		st->c = NULL;
		if (store_customer_get(t->store, keep, &st->c, &e) != STATUS_OK) {
			st->refused = e;
			if (e.code != STATUS_DENIED)
				tui_error_err(t, &e);
			return;
		}
	}
	store_customer_cases(t->store, keep, false, add_case, st, NULL);
	store_customer_contacts(t->store, keep, 200, add_contact, st, NULL);
	st->parked = store_flow_parked_count(t->store, keep);
	st->case_list.count = st->ncases;
	st->history.count = st->ncontacts;
	tui_list_fix(&st->case_list);
	tui_list_fix(&st->history);
}

static void view_open(struct screen *sc, const void *arg)
{
	struct customer_view *st = xcalloc(1, sizeof *st);

	sc->state = st;
	view_load(sc, arg, true);
	st->focus = st->ncases ? 0 : 1;
}

static void view_close(struct screen *sc)
{
	struct customer_view *st = sc->state;

	items_free(st);
	customer_free(st->c);
	free(st);
}

static void view_reenter(struct screen *sc)
{
	struct customer_view *st = sc->state;
	struct err e;
	struct customer *fresh = NULL;

	if (!st->c)
		return;
	/* Re-read after an edit; the reopening is audited like any view. */
	err_clear(&e);
	if (store_customer_get(sc->t->store, st->c->id, &fresh, &e) == STATUS_OK) {
		customer_free(st->c);
		st->c = fresh;
	} else if (e.code == STATUS_DENIED) {
		/* The offline limit was reached meanwhile: show nothing of them. */
		items_free(st);
		customer_free(st->c);
		st->c = NULL;
		st->refused = e;
		return;
	}
	view_load(sc, st->c->id, false);
}

static char *case_row(void *ctx, int index, int width)
{
	struct customer_view *st = ctx;
	const struct case_item *it = &st->cases[index];
	char due[64];
	size_t widths[4] = { 10, 18, 18, 0 };
	const char *cells[4];

	tui_due_text(it->due, it->status, date_today_london(), due, sizeof due);
	cells[0] = it->reference;
	cells[1] = due;
	cells[2] = it->status;
	cells[3] = it->service;
	widths[3] = width > 52 ? (size_t)width - 52 : 1;
	return tui_row_format(cells, widths, 4, 2);
}

static char *contact_row(void *ctx, int index, int width)
{
	struct customer_view *st = ctx;
	const struct contact_item *it = &st->contacts[index];
	size_t widths[4] = { 16, 0, 16, 0 };
	const char *cells[4] = { it->when, it->service, it->outcome, it->notes };
	size_t rest = width > 40 ? (size_t)width - 40 : 2;

	widths[1] = rest * 3 / 5;
	widths[3] = rest - widths[1];
	return tui_row_format(cells, widths, 4, 2);
}

static void view_draw(struct screen *sc)
{
	struct customer_view *st = sc->state;
	struct tui *t = sc->t;
	const struct customer *c = st->c;
	char phone[32] = "", line[1024];
	const char *basis;
	int y = 0, cases_h, hist_y;

	if (!c) {
		draw_title(t, 0, " Customer", "");
		/* The offline limit says what happened and what to do. */
		if (st->refused.code != STATUS_DENIED ||
		    !draw_offline_notice(t, 2, LINES - 6, &st->refused))
			draw_text(t, 2, 2, COLS - 4, "This customer could not be opened. Esc goes back.",
				  PAINT_WARN);
		draw_text(t, LINES - 3, 0, COLS, " Esc back", PAINT_DIM);
		tui_cursor(t, LINES - 3, 1);
		return;
	}
	draw_textf(t, y++, 0, COLS, PAINT_TITLE, " Customer: %s", c->field[CF_name]);
	y += draw_needs(t, y, c->field[CF_name], c->field[CF_needs]);
	if (c->field[CF_phone] && strncmp(c->field[CF_phone], "+44", 3) == 0)
		phone_national(c->field[CF_phone], phone, sizeof phone);
	snprintf(line, sizeof line, " Born %s   Phone %s   Email %s",
		 c->field[CF_dob] ? c->field[CF_dob] : "-",
		 phone[0] ? phone : (c->field[CF_phone] ? c->field[CF_phone] : "-"),
		 c->field[CF_email] ? c->field[CF_email] : "-");
	draw_text(t, y++, 0, COLS, line, PAINT_PLAIN);
	snprintf(line, sizeof line, " Address %s%s%s", c->field[CF_address] ? c->field[CF_address] : "-",
		 c->field[CF_postcode] ? "  " : "", c->field[CF_postcode] ? c->field[CF_postcode] : "");
	draw_text(t, y++, 0, COLS, line, PAINT_PLAIN);
	/* The basis goes with the needs (Article 9): shown when there are any. */
	basis = c->field[CF_needs_basis] ? c->field[CF_needs_basis] : "no recorded basis";
	snprintf(line, sizeof line, " Prefers %s   Consent %s%s%s",
		 c->field[CF_preferred_channel] ? c->field[CF_preferred_channel] : "not recorded",
		 c->field[CF_consent] ? c->field[CF_consent] : "not recorded",
		 c->field[CF_needs] ? "   Needs held on " : "", c->field[CF_needs] ? basis : "");
	draw_text(t, y++, 0, COLS, line, PAINT_PLAIN);
	if (st->parked > 0)
		draw_textf(t, y++, 0, COLS, PAINT_NOTICE, " Parked flows: %ld - F7 resumes", st->parked);
	draw_textf(t, y++, 0, COLS, st->focus == 0 ? PAINT_SELECTED : PAINT_HEADER,
		   " Open cases (%d)%s", st->ncases, st->focus == 0 ? "  - Enter opens a case" : "");
	cases_h = st->ncases < 1 ? 1 : st->ncases;
	if (cases_h > (LINES - 12) / 2)
		cases_h = (LINES - 12) / 2;
	draw_list(t, &st->case_list, y, 0, COLS, cases_h, case_row, st, st->focus == 0,
		  "  No open cases.");
	y += cases_h;
	draw_textf(t, y++, 0, COLS, st->focus == 1 ? PAINT_SELECTED : PAINT_HEADER,
		   " Contact history, newest first (%d)", st->ncontacts);
	hist_y = y;
	draw_list(t, &st->history, hist_y, 0, COLS, LINES - 3 - hist_y, contact_row, st,
		  st->focus == 1, "  No contacts yet.");
	/* Export and erase only for the roles the store lets do them. */
	draw_text(t, LINES - 3, 0, COLS,
		  store_allowed(t->store, STORE_PERM_ERASE)
			  ? " F2 contact  F7 flows  e edit  x export  Del erase  Esc back  F1 keys"
			  : store_allowed(t->store, STORE_PERM_EXPORT)
			  ? " F2 contact  F7 flows  e edit  x export  Tab cases/history  Esc back  F1 keys"
			  : " F2 log a contact   F7 flows   e edit   Tab cases/history   Esc back   F1 keys",
		  PAINT_DIM);
	if (!((st->focus == 0 && st->ncases) || (st->focus == 1 && st->ncontacts)))
		tui_cursor(t, st->focus == 0 ? hist_y - cases_h - 1 : hist_y - 1, 1);
}

static enum key_result view_key(struct screen *sc, const struct tui_key *k)
{
	struct customer_view *st = sc->state;
	struct tui *t = sc->t;
	struct contact_open co;
	struct customer_edit_open ce;

	if (!st->c)
		return k->kind == TUI_KEY_ESC ? KR_CLOSE : KR_UNUSED;
	switch (k->kind) {
	case TUI_KEY_ESC:
		return KR_CLOSE;
	case TUI_KEY_TAB:
	case TUI_KEY_BTAB:
		st->focus = !st->focus;
		return KR_USED;
	case TUI_KEY_ENTER:
		if (st->focus == 0 && st->ncases)
			tui_push(t, &screen_case_ops, st->cases[st->case_list.selected].reference);
		return KR_USED;
	case TUI_KEY_CHAR:
		if (k->wc == L'e' || k->wc == L'E') {
			ce.customer_id = st->c->id;
			ce.name = NULL;
			tui_push(t, &screen_customer_edit_ops, &ce);
			return KR_USED;
		}
		if (k->wc == L'c' || k->wc == L'C') {
			co.customer_id = st->c->id;
			tui_push(t, &screen_contact_ops, &co);
			return KR_USED;
		}
		/* Subject access: the store refuses other roles. */
		if (k->wc == L'x' || k->wc == L'X') {
			tui_customer_export(t, st->c->id);
			return KR_USED;
		}
		return KR_UNUSED;
	case TUI_KEY_DELETE:
		tui_customer_erase(t, st->c->id);
		return KR_USED;
	default:
		break;
	}
	if (tui_key_action(k, false) == TUI_ACT_CONTACT) {
		co.customer_id = st->c->id;
		tui_push(t, &screen_contact_ops, &co);
		return KR_USED;
	}
	if (tui_key_action(k, false) == TUI_ACT_FLOW) {
		struct flow_open fo = { st->c->id, NULL };

		tui_push(t, &screen_flow_ops, &fo);
		return KR_USED;
	}
	if (tui_list_key(st->focus == 0 ? &st->case_list : &st->history, k))
		return KR_USED;
	return KR_UNUSED;
}

static const struct key_help view_help[] = {
	{ "F2 or c", "log a contact for this customer" },
	{ "e", "edit the customer's details" },
	{ "F7", "run a FAQ flow for them; resume a parked one" },
	{ "Tab", "move between open cases and contact history" },
	{ "Up/Down", "choose a case or contact" },
	{ "Enter", "open the chosen case" },
	{ "Esc", "back to the search" },
	{ NULL, NULL },
};
/* The same, with the data protection keys a role may use. */
static const struct key_help view_help_export[] = {
	{ "F2 or c", "log a contact for this customer" },
	{ "e", "edit the customer's details" },
	{ "x", "subject access: export everything held about them to a file" },
	{ "F7", "run a FAQ flow for them; resume a parked one" },
	{ "Tab", "move between open cases and contact history" },
	{ "Up/Down", "choose a case or contact" },
	{ "Enter", "open the chosen case" },
	{ "Esc", "back to the search" },
	{ NULL, NULL },
};
static const struct key_help view_help_erase[] = {
	{ "F2 or c", "log a contact for this customer" },
	{ "e", "edit the customer's details" },
	{ "x", "subject access: export everything held about them to a file" },
	{ "Delete", "erase the customer (asks for a reason and the word erase)" },
	{ "F7", "run a FAQ flow for them; resume a parked one" },
	{ "Tab", "move between open cases and contact history" },
	{ "Up/Down", "choose a case or contact" },
	{ "Enter", "open the chosen case" },
	{ "Esc", "back to the search" },
	{ NULL, NULL },
};

static const struct key_help *view_help_now(struct screen *sc)
{
	struct store *s = sc->t->store;

	return store_allowed(s, STORE_PERM_ERASE)    ? view_help_erase
	       : store_allowed(s, STORE_PERM_EXPORT) ? view_help_export
						     : view_help;
}

const struct screen_ops screen_customer_ops = {
	.name = "customer",
	.help = view_help,
	.open = view_open,
	.close = view_close,
	.draw = view_draw,
	.key = view_key,
	.reenter = view_reenter,
	.help_now = view_help_now,
};

/* ---- create and edit --------------------------------------------------------- */

/* The form's fields, in CUSTOMER_FIELDS order (consent last, left out). */
static const enum customer_field edit_fields[] = {
	CF_name, CF_dob, CF_address, CF_postcode, CF_uprn, CF_phone, CF_email,
	CF_preferred_channel, CF_needs, CF_needs_basis,
};
#define NEDIT ((int)(sizeof edit_fields / sizeof edit_fields[0]))

struct customer_edit {
	char id[UUID_STR_LEN + 1]; /* "" for a new customer */
	struct customer *before;
	struct form_field fields[NEDIT];
	struct form form;
	bool gazetteer; /* a gazetteer is loaded: a postcode offers its addresses */
};

/* The form's field for a customer field. */
static struct form_field *edit_field(struct customer_edit *st, enum customer_field cf)
{
	for (int i = 0; i < NEDIT; i++)
		if (edit_fields[i] == cf)
			return &st->fields[i];
	die("customer form: no field for %s", customer_field_name(cf));
}

static int add_channel(void *ctx, const char *code, const char *name)
{
	form_choice_add(ctx, code, name);
	return 0;
}

static const char *field_hint(enum customer_field f)
{
	switch (f) {
	case CF_dob:
		return "like 1984-03-02";
	case CF_postcode:
		return "UK postcode, like NG12 3AB";
	case CF_phone:
		return "any UK form: 07700 900123 or +44 7700 900123";
	case CF_needs:
		return "codes with commas, as data/needs.csv lists them: hearing, sight, "
		       "mobility, bsl, large-print, interpreter:Polish, carer:NAME";
	case CF_needs_basis:
		return "needs are health data: consent, or vital-interests";
	case CF_preferred_channel:
		return "Left/Right or Space to change; first choice: not recorded";
	default:
		return NULL;
	}
}

static void edit_open(struct screen *sc, const void *arg)
{
	const struct customer_edit_open *o = arg;
	struct customer_edit *st = xcalloc(1, sizeof *st);
	struct err e;

	sc->state = st;
	st->gazetteer = store_gazetteer_count(sc->t->store) > 0;
	if (o && o->customer_id) {
		snprintf(st->id, sizeof st->id, "%s", o->customer_id);
		err_clear(&e);
		if (store_customer_get(sc->t->store, st->id, &st->before, &e) != STATUS_OK)
			tui_error_err(sc->t, &e);
	}
	for (int i = 0; i < NEDIT; i++) {
		struct form_field *ff = &st->fields[i];
		enum customer_field cf = edit_fields[i];
		const char *v = st->before ? st->before->field[cf] : NULL;

		ff->label = customer_field_label(cf);
		ff->hint = field_hint(cf);
		if (cf == CF_postcode && st->gazetteer)
			ff->hint = "UK postcode, like NG12 3AB; Enter lists its addresses";
		ff->required = cf == CF_name;
		ff->kind = cf == CF_preferred_channel || cf == CF_needs_basis ? FORM_CHOICE
										: FORM_TEXT;
		ff->text.max_chars = cf == CF_address ? ADDRESS_MAX_CHARS : NAME_MAX_CHARS;
		if (cf == CF_phone && st->before && st->before->phone_raw)
			v = st->before->phone_raw;
		if (ff->kind == FORM_CHOICE) {
			form_choice_add(ff, "", "not recorded");
			if (cf == CF_needs_basis) {
				form_choice_add(ff, "consent", "consent");
				form_choice_add(ff, "vital-interests", "vital interests");
			} else {
				store_ref_list(sc->t->store, REF_CHANNEL, add_channel, ff, NULL);
			}
			form_choose(ff, v ? v : "");
		} else {
			tui_field_set(&ff->text, v);
		}
	}
	if (!st->before && o && o->name)
		tui_field_set(&st->fields[0].text, o->name);
	if (!st->before && o && o->name && *o->name)
		st->fields[0].text.changed = true;
	form_init(&st->form, st->fields, NEDIT);
}

static void edit_close(struct screen *sc)
{
	struct customer_edit *st = sc->state;

	form_release(&st->form);
	customer_free(st->before);
	free(st);
}

static const char *field_value(const struct form_field *ff)
{
	if (ff->kind == FORM_CHOICE) {
		const char *code = form_choice_code(ff);

		return code && *code ? code : NULL;
	}
	return ff->text.len ? ff->text.text : NULL;
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether the form sets needs or their basis (a record held before the
 * basis was asked for still takes other edits). */
static bool needs_touched(const struct customer_edit *st)
{
	for (int i = 0; i < NEDIT; i++)
		if ((edit_fields[i] == CF_needs || edit_fields[i] == CF_needs_basis) &&
		    (!st->before || !same(field_value(&st->fields[i]),
					  st->before->field[edit_fields[i]])))
			return true;
	return false;
}

/* Checks every field; marks the first bad one and returns false. */
static bool edit_check(struct screen *sc)
{
	struct customer_edit *st = sc->state;
	bool ok = true;

	for (int i = 0; i < NEDIT; i++) {
		struct form_field *ff = &st->fields[i];
		char *canon = NULL;
		struct err e;

		err_clear(&e);
		ff->error[0] = '\0';
		if (edit_fields[i] == CF_name && !field_value(ff)) {
			snprintf(ff->error, sizeof ff->error, "the name is required");
		} else if (field_value(ff) &&
			   customer_field_check(edit_fields[i], field_value(ff), &canon, &e) !=
				   STATUS_OK) {
			snprintf(ff->error, sizeof ff->error, "%s", e.msg);
		} else if (edit_fields[i] == CF_needs && canon) {
			char *known = NULL;

			if (store_needs_check(sc->t->store, canon, &known, &e) != STATUS_OK)
				snprintf(ff->error, sizeof ff->error, "%s", e.msg);
			free(known);
		} else if (edit_fields[i] == CF_needs_basis && needs_touched(st) &&
			   needs_basis_required(field_value(&st->fields[i - 1]), field_value(ff),
						&e) != STATUS_OK) {
			snprintf(ff->error, sizeof ff->error, "%s",
				 "needs are health data: choose the basis for holding them "
				 "(consent, or vital interests)");
		}
		free(canon);
		if (ff->error[0] && ok) {
			st->form.focus = i;
			ok = false;
		}
	}
	if (!ok)
		tui_error(sc->t, "%s", st->fields[st->form.focus].error);
	return ok;
}

static void edit_save(struct screen *sc)
{
	struct customer_edit *st = sc->state;
	struct tui *t = sc->t;
	struct err e;
	char id[UUID_STR_LEN + 1];

	if (!edit_check(sc))
		return;
	err_clear(&e);
	if (!st->before) {
		struct customer *c = customer_new();

		for (int i = 0; i < NEDIT; i++)
			customer_set(c, edit_fields[i], field_value(&st->fields[i]));
		if (store_customer_add(t->store, c, &e) != STATUS_OK) {
			tui_error_err(t, &e);
			customer_free(c);
			return;
		}
		snprintf(id, sizeof id, "%s", c->id);
		customer_free(c);
		tui_pop(t);
		tui_push(t, &screen_customer_ops, id);
		tui_say(t, "Saved the new customer.");
		return;
	} else {
		struct customer_change ch[NEDIT];
		size_t n = 0;

		for (int i = 0; i < NEDIT; i++) {
			const char *v = field_value(&st->fields[i]);
			const char *old = st->before->field[edit_fields[i]];

			if (edit_fields[i] == CF_phone && st->before->phone_raw)
				old = st->before->phone_raw;
			if (!same(v, old))
				ch[n++] = (struct customer_change){ edit_fields[i], v };
		}
		if (n && store_customer_edit(t->store, st->id, ch, n, &e) != STATUS_OK) {
			tui_error_err(t, &e);
			return;
		}
		tui_pop(t);
		if (n)
			tui_say(t, "Saved %zu change%s.", n, n == 1 ? "" : "s");
		else
			tui_say(t, "Nothing had changed.");
	}
}

static void discard(struct tui *t, void *ctx)
{
	(void)ctx;
	tui_pop(t);
	tui_say(t, "Discarded.");
}

static bool edit_unsaved(struct screen *sc)
{
	struct customer_edit *st = sc->state;

	return form_changed(&st->form);
}

static void edit_draw(struct screen *sc)
{
	struct customer_edit *st = sc->state;
	struct tui *t = sc->t;
	int y = 0;

	if (st->before) {
		draw_textf(t, y++, 0, COLS, PAINT_TITLE, " Edit customer: %s",
			   st->before->field[CF_name]);
		y += draw_needs(t, y, st->before->field[CF_name], st->before->field[CF_needs]);
	} else {
		draw_title(t, y++, " New customer", "only the name is required");
	}
	y++;
	y = form_draw(t, &st->form, y, LINES - 4);
	draw_text(t, LINES - 3, 0, COLS,
		  " Ctrl-S save   Tab/Enter next field   Shift-Tab back   Esc cancel", PAINT_DIM);
}

/* The address the advisor chose: it fills the address (with its town),
 * the postcode and the UPRN, and the form moves on past them. */
static void address_chosen(void *ctx, const struct gazetteer_address *a)
{
	struct customer_edit *st = ctx;
	struct form_field *address = edit_field(st, CF_address);
	struct form_field *postcode = edit_field(st, CF_postcode);
	struct form_field *uprn = edit_field(st, CF_uprn);
	char text[4 * ADDRESS_MAX_CHARS + 8];

	snprintf(text, sizeof text, "%s%s%s", a->address, a->town[0] ? ", " : "", a->town);
	tui_field_set(&address->text, text);
	tui_field_set(&postcode->text, a->postcode);
	tui_field_set(&uprn->text, a->uprn);
	address->text.changed = postcode->text.changed = uprn->text.changed = true;
	address->error[0] = postcode->error[0] = uprn->error[0] = '\0';
	st->form.focus = (int)(uprn - st->fields);
	form_focus_next(&st->form, 1);
}

/* Enter on the postcode: the addresses at it, when the gazetteer has any.
 * True when the list opened. */
static bool offer_addresses(struct screen *sc)
{
	struct customer_edit *st = sc->state;
	struct form_field *ff = &st->fields[st->form.focus];
	char postcode[16];
	long found = 0;

	if (!st->gazetteer || edit_fields[st->form.focus] != CF_postcode ||
	    valid_postcode("postcode", ff->text.text, postcode, sizeof postcode, NULL) !=
		    STATUS_OK)
		return false;
	if (store_gazetteer_postcode(sc->t->store, postcode, NULL, NULL, &found, NULL) !=
		    STATUS_OK ||
	    found == 0) {
		tui_say(sc->t, "No address at %s in the gazetteer; type the address yourself.",
			postcode);
		return false;
	}
	tui_push(sc->t, &screen_address_pick_ops,
		 &(struct address_pick_open){ postcode, address_chosen, st });
	return true;
}

static enum key_result edit_key(struct screen *sc, const struct tui_key *k)
{
	struct customer_edit *st = sc->state;

	if ((k->kind == TUI_KEY_CTRL && k->wc == L's') || (k->kind == TUI_KEY_FN && k->n == 10)) {
		edit_save(sc);
		return KR_USED;
	}
	if (k->kind == TUI_KEY_ESC) {
		if (!edit_unsaved(sc))
			return KR_CLOSE;
		tui_ask(sc->t, "Discard what you typed? (y = discard, n = keep editing)", discard,
			NULL);
		return KR_USED;
	}
	if (k->kind == TUI_KEY_ENTER && st->form.focus == NEDIT - 1) {
		edit_save(sc);
		return KR_USED;
	}
	if (k->kind == TUI_KEY_ENTER && offer_addresses(sc))
		return KR_USED;
	if (k->kind == TUI_KEY_CHAR && k->wc == L'?' &&
	    (st->fields[st->form.focus].kind != FORM_TEXT || st->fields[st->form.focus].text.len == 0))
		return KR_UNUSED;
	if (form_key(&st->form, k))
		return KR_USED;
	return KR_UNUSED;
}

static const struct key_help edit_help[] = {
	{ "Ctrl-S or F10", "save" },
	{ "Tab, Enter, Down", "next field (Enter on the last field saves)" },
	{ "Enter (postcode)", "list the addresses at it (gazetteer), to choose one" },
	{ "Shift-Tab, Up", "previous field" },
	{ "Left/Right/Space", "change a choice (preferred channel)" },
	{ "Ctrl-U", "clear the field" },
	{ "Esc", "cancel (asks before losing what you typed)" },
	{ NULL, NULL },
};

const struct screen_ops screen_customer_edit_ops = {
	.name = "customer details",
	.help = edit_help,
	.open = edit_open,
	.close = edit_close,
	.draw = edit_draw,
	.key = edit_key,
	.unsaved = edit_unsaved,
};
