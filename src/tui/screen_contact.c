/*
 * Logging a contact: one key from anywhere (F2). The customer is optional.
 * Service by type-ahead, outcome, channel (the desk's default), whether it
 * was avoidable (failure demand) and notes; a referral adds team and reason
 * and shows the case reference large with its due date; signposting shows
 * the service's self-service address to read out. A timer runs from the
 * moment the screen opens. Saved in one transaction; "Saved" appears only
 * after the commit. Further enquiries of the same visit follow without
 * retyping the customer.
 *
 * The shortest anonymous resolved enquiry from home: F2, a few letters of
 * the service, Enter, 1 (resolved), Ctrl-S.
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

/* Team and reason (referrals only) follow the outcome, so a referral is
 * outcome, Tab, reason. */
enum { F_SERVICE, F_OUTCOME, F_TEAM, F_REASON, F_CHANNEL, F_FAILURE, F_NOTES, F_COUNT };

struct contact_screen {
	char customer_id[UUID_STR_LEN + 1]; /* "" when anonymous */
	struct customer *customer;
	char visit_id[UUID_STR_LEN + 1];    /* "" until the first enquiry is saved */
	int enquiry;			    /* 1, 2, ... within the visit */
	int64_t started_ms;
	struct form_field fields[F_COUNT];
	struct form form;
	bool team_chosen; /* the advisor changed the team */
	/* after saving */
	bool saved;
	struct contact_result result;
	char saved_outcome[48], saved_service[160], saved_url[512], saved_team[160];
	long saved_standard;
};

static int add_choice(void *ctx, const char *code, const char *name)
{
	form_choice_add(ctx, code, name);
	return 0;
}

/* Outcomes in the order advisors use them most. */
static void add_outcomes(struct store *s, struct form_field *ff)
{
	static const char *const first[] = { "resolved", "referred", "signposted",
					      "assisted-digital" };
	struct form_field all = { 0 };

	store_ref_list(s, REF_OUTCOME, add_choice, &all, NULL);
	for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
		for (int c = 0; c < all.nchoices; c++)
			if (strcmp(all.choices[c].code, first[i]) == 0)
				form_choice_add(ff, all.choices[c].code, all.choices[c].name);
	for (int c = 0; c < all.nchoices; c++) {
		bool listed = false;

		for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
			listed |= strcmp(all.choices[c].code, first[i]) == 0;
		if (!listed)
			form_choice_add(ff, all.choices[c].code, all.choices[c].name);
	}
	for (int c = 0; c < all.nchoices; c++) {
		free(all.choices[c].code);
		free(all.choices[c].name);
	}
	free(all.choices);
}

static void fields_setup(struct screen *sc)
{
	struct contact_screen *st = sc->state;
	struct tui *t = sc->t;
	struct form_field *f = st->fields;

	memset(f, 0, sizeof st->fields);
	f[F_SERVICE] = (struct form_field){ .kind = FORM_PICK, .label = "Service", .required = true,
					    .hint = "type part of its name; Up/Down, Enter picks" };
	store_ref_list(t->store, REF_SERVICE, add_choice, &f[F_SERVICE], NULL);
	f[F_OUTCOME] = (struct form_field){ .kind = FORM_CHOICE, .label = "Outcome",
					    .required = true };
	add_outcomes(t->store, &f[F_OUTCOME]);
	f[F_CHANNEL] = (struct form_field){ .kind = FORM_CHOICE, .label = "Channel" };
	store_ref_list(t->store, REF_CHANNEL, add_choice, &f[F_CHANNEL], NULL);
	f[F_FAILURE] = (struct form_field){ .kind = FORM_CHOICE, .label = "Avoidable?",
					    .hint = "was this contact caused by a failure to do "
						    "something right first time?" };
	form_choice_add(&f[F_FAILURE], "", "no, not avoidable");
	store_ref_list(t->store, REF_FAILURE, add_choice, &f[F_FAILURE], NULL);
	f[F_NOTES] = (struct form_field){ .kind = FORM_TEXT, .label = "Notes" };
	f[F_TEAM] = (struct form_field){ .kind = FORM_CHOICE, .label = "Refer to team",
					 .hidden = true };
	store_ref_list(t->store, REF_TEAM, add_choice, &f[F_TEAM], NULL);
	f[F_REASON] = (struct form_field){ .kind = FORM_TEXT, .label = "Reason", .hidden = true,
					   .required = true,
					   .hint = "what the back office needs to do" };
	form_init(&st->form, st->fields, F_COUNT);
	f[F_OUTCOME].chosen = -1;
	f[F_SERVICE].chosen = -1;
	f[F_TEAM].chosen = -1;
	form_choose(&f[F_CHANNEL], t->desk.channel);
	f[F_FAILURE].chosen = 0;
	f[F_NOTES].text.max_chars = NOTES_MAX_CHARS;
	f[F_REASON].text.max_chars = REASON_MAX_CHARS;
	st->team_chosen = false;
	st->form.focus = F_SERVICE;
	st->form.changed = false;
	st->started_ms = clock_now_ms();
	st->saved = false;
}

static void contact_open(struct screen *sc, const void *arg)
{
	const struct contact_open *o = arg;
	struct contact_screen *st = xcalloc(1, sizeof *st);
	struct err e;

	sc->state = st;
	st->enquiry = 1;
	if (o && o->customer_id) {
		snprintf(st->customer_id, sizeof st->customer_id, "%s", o->customer_id);
		err_clear(&e);
		/* The needs banner shows on this screen too: the record is read
		 * (and that reading audited). */
		if (store_customer_get(sc->t->store, st->customer_id, &st->customer, &e) != STATUS_OK)
			tui_error_err(sc->t, &e);
	}
	fields_setup(sc);
}

static void contact_close(struct screen *sc)
{
	struct contact_screen *st = sc->state;

	form_release(&st->form);
	customer_free(st->customer);
	free(st);
}

static bool contact_unsaved(struct screen *sc)
{
	struct contact_screen *st = sc->state;

	return !st->saved && form_changed(&st->form);
}

/* Shows or hides the referral fields to match the outcome. */
static void outcome_changed(struct contact_screen *st)
{
	const char *outcome = form_choice_code(&st->fields[F_OUTCOME]);
	bool referred = outcome && strcmp(outcome, OUTCOME_REFERRED) == 0;

	st->fields[F_TEAM].hidden = !referred;
	st->fields[F_REASON].hidden = !referred;
}

static void default_team(struct screen *sc)
{
	struct contact_screen *st = sc->state;
	const char *service = form_choice_code(&st->fields[F_SERVICE]);
	struct ref_service rs;

	if (st->team_chosen || !service)
		return;
	memset(&rs, 0, sizeof rs);
	if (store_service_get(sc->t->store, service, &rs, NULL) == STATUS_OK)
		form_choose(&st->fields[F_TEAM], rs.team);
	ref_service_release(&rs);
}

static void service_url(struct screen *sc, const char *service, char *url, size_t urlsz,
			long *standard)
{
	struct ref_service rs;

	url[0] = '\0';
	memset(&rs, 0, sizeof rs);
	if (service && store_service_get(sc->t->store, service, &rs, NULL) == STATUS_OK) {
		snprintf(url, urlsz, "%s", rs.url ? rs.url : "");
		if (standard)
			*standard = rs.standard_days;
	}
	ref_service_release(&rs);
}

static void contact_save(struct screen *sc)
{
	struct contact_screen *st = sc->state;
	struct tui *t = sc->t;
	struct form_field *f = st->fields;
	struct contact_input in;
	struct err e;
	const char *outcome = form_choice_code(&f[F_OUTCOME]);
	bool referred = outcome && strcmp(outcome, OUTCOME_REFERRED) == 0;

	if (f[F_SERVICE].chosen < 0) {
		st->form.focus = F_SERVICE;
		snprintf(f[F_SERVICE].error, sizeof f[F_SERVICE].error,
			 "choose a service: type part of its name and press Enter");
		tui_error(t, "%s", f[F_SERVICE].error);
		return;
	}
	if (!outcome) {
		st->form.focus = F_OUTCOME;
		snprintf(f[F_OUTCOME].error, sizeof f[F_OUTCOME].error,
			 "choose an outcome: 1 resolved, 2 referred, 3 signposted, ...");
		tui_error(t, "%s", f[F_OUTCOME].error);
		return;
	}
	if (referred && !f[F_REASON].text.len) {
		st->form.focus = F_REASON;
		snprintf(f[F_REASON].error, sizeof f[F_REASON].error,
			 "a referral needs a reason for the back office");
		tui_error(t, "%s", f[F_REASON].error);
		return;
	}
	memset(&in, 0, sizeof in);
	in.visit_id = st->visit_id[0] ? st->visit_id : NULL;
	in.customer_id = st->customer_id[0] ? st->customer_id : NULL;
	in.channel = form_choice_code(&f[F_CHANNEL]);
	in.advisor = t->who.login;
	in.service = form_choice_code(&f[F_SERVICE]);
	in.outcome = outcome;
	in.failure_demand = form_choice_code(&f[F_FAILURE]);
	if (in.failure_demand && !*in.failure_demand)
		in.failure_demand = NULL;
	in.notes = f[F_NOTES].text.len ? f[F_NOTES].text.text : NULL;
	in.duration_s = (long)((clock_now_ms() - st->started_ms) / 1000);
	if (in.duration_s < 0)
		in.duration_s = 0;
	if (referred) {
		in.team = form_choice_code(&f[F_TEAM]);
		in.reason = f[F_REASON].text.text;
	}
	err_clear(&e);
	if (store_contact_log(t->store, &in, &st->result, &e) != STATUS_OK) {
		tui_error_err(t, &e);
		return;
	}
	/* Committed: only now say so. */
	st->saved = true;
	snprintf(st->visit_id, sizeof st->visit_id, "%s", st->result.visit_id);
	snprintf(st->saved_outcome, sizeof st->saved_outcome, "%s", outcome);
	snprintf(st->saved_service, sizeof st->saved_service, "%s",
		 f[F_SERVICE].choices[f[F_SERVICE].chosen].name);
	st->saved_team[0] = '\0';
	if (referred && f[F_TEAM].chosen >= 0)
		snprintf(st->saved_team, sizeof st->saved_team, "%s",
			 f[F_TEAM].choices[f[F_TEAM].chosen].name);
	st->saved_standard = 0;
	service_url(sc, in.service, st->saved_url, sizeof st->saved_url, &st->saved_standard);
	tui_say(t, "Saved enquiry %d of this visit. a = another enquiry, Enter = done.",
		st->enquiry);
}

static void next_enquiry(struct screen *sc)
{
	struct contact_screen *st = sc->state;

	form_release(&st->form);
	st->enquiry++;
	fields_setup(sc);
}

static void contact_draw(struct screen *sc)
{
	struct contact_screen *st = sc->state;
	struct tui *t = sc->t;
	char timer[32], right[64];
	int y = 0;
	const char *outcome;

	tui_timer_text((long)((clock_now_ms() - st->started_ms) / 1000), timer, sizeof timer);
	snprintf(right, sizeof right, "Timer %s", st->saved ? "stopped" : timer);
	{
		char left[96];

		snprintf(left, sizeof left, " Log a contact - enquiry %d of this visit", st->enquiry);
		draw_title(t, y++, left, right);
	}
	if (st->customer)
		y += draw_needs(t, y, st->customer->field[CF_name], st->customer->field[CF_needs]);
	else if (st->customer_id[0])
		draw_text(t, y++, 0, COLS, " Customer could not be read", PAINT_WARN);
	else
		draw_text(t, y++, 0, COLS, " Anonymous enquiry: no customer (the norm on the phone)",
			  PAINT_PLAIN);
	if (st->customer)
		draw_textf(t, y++, 0, COLS, PAINT_PLAIN, " Customer: %s",
			   st->customer->field[CF_name]);
	y++;
	if (st->saved) {
		draw_textf(t, y++, 2, COLS - 4, PAINT_TITLE, " Saved: %s - %s ", st->saved_service,
			   st->saved_outcome);
		y++;
		if (strcmp(st->saved_outcome, OUTCOME_REFERRED) == 0 && st->result.case_ref[0]) {
			draw_case_banner(t, y, &st->result, st->saved_standard, st->saved_team);
			y += TUI_BIG_ROWS + 4;
		} else if (strcmp(st->saved_outcome, "signposted") == 0 && st->saved_url[0]) {
			draw_textf(t, y++, 2, COLS - 4, PAINT_PLAIN, "Read out: %s", st->saved_url);
			y++;
		}
		draw_text(t, y, 2, COLS - 4,
			  "a or F2: another enquiry in this visit   Enter or Esc: done", PAINT_PLAIN);
		tui_cursor(t, y, 2);
		return;
	}
	y = form_draw(t, &st->form, y, LINES - 5);
	outcome = form_choice_code(&st->fields[F_OUTCOME]);
	if (outcome && strcmp(outcome, "signposted") == 0 && y < LINES - 3) {
		char url[512];

		service_url(sc, form_choice_code(&st->fields[F_SERVICE]), url, sizeof url, NULL);
		draw_textf(t, y, 1, COLS - 2, PAINT_NOTICE, "Read out: %s",
			   url[0] ? url : "(this service has no web address)");
	}
	draw_text(t, LINES - 3, 0, COLS,
		  " Ctrl-S save   Tab/Enter next field   digits pick an outcome   Esc cancel",
		  PAINT_DIM);
}

static void discard(struct tui *t, void *ctx)
{
	(void)ctx;
	tui_pop(t);
	tui_say(t, "Discarded; nothing was saved.");
}

static enum key_result saved_key(struct screen *sc, const struct tui_key *k)
{
	if ((k->kind == TUI_KEY_CHAR && (k->wc == L'a' || k->wc == L'A')) ||
	    tui_key_action(k, false) == TUI_ACT_CONTACT) {
		next_enquiry(sc);
		tui_say(sc->t, "Next enquiry in the same visit.");
		return KR_USED;
	}
	if (k->kind == TUI_KEY_ENTER || k->kind == TUI_KEY_ESC)
		return KR_CLOSE;
	return KR_UNUSED;
}

static enum key_result contact_key(struct screen *sc, const struct tui_key *k)
{
	struct contact_screen *st = sc->state;
	struct form_field *focus;
	int before_service, before_outcome, before_team;

	if (st->saved)
		return saved_key(sc, k);
	if ((k->kind == TUI_KEY_CTRL && k->wc == L's') || (k->kind == TUI_KEY_FN && k->n == 10)) {
		contact_save(sc);
		return KR_USED;
	}
	if (k->kind == TUI_KEY_ESC) {
		if (!contact_unsaved(sc))
			return KR_CLOSE;
		tui_ask(sc->t, "Discard this enquiry? Nothing is saved. (y = discard, n = keep going)",
			discard, NULL);
		return KR_USED;
	}
	if (tui_key_action(k, false) == TUI_ACT_CONTACT) {
		tui_say(sc->t, "You are logging a contact now; Ctrl-S saves it.");
		return KR_USED;
	}
	if (tui_key_action(k, false) == TUI_ACT_FLOW) {
		/* A flow for this customer, in this visit. */
		struct flow_open fo = { st->customer_id[0] ? st->customer_id : NULL,
					st->visit_id[0] ? st->visit_id : NULL };

		tui_push(sc->t, &screen_flow_ops, &fo);
		return KR_USED;
	}
	focus = &st->fields[st->form.focus];
	if (k->kind == TUI_KEY_CHAR && k->wc == L'?' &&
	    (focus->kind == FORM_CHOICE || focus->text.len == 0))
		return KR_UNUSED;
	before_service = st->fields[F_SERVICE].chosen;
	before_outcome = st->fields[F_OUTCOME].chosen;
	before_team = st->fields[F_TEAM].chosen;
	if (k->kind == TUI_KEY_ENTER && st->form.focus == F_COUNT - 1) {
		contact_save(sc);
		return KR_USED;
	}
	if (!form_key(&st->form, k)) {
		if (k->kind == TUI_KEY_ENTER) {
			contact_save(sc);
			return KR_USED;
		}
		return KR_UNUSED;
	}
	if (st->fields[F_TEAM].chosen != before_team && st->form.focus == F_TEAM)
		st->team_chosen = true;
	if (st->fields[F_OUTCOME].chosen != before_outcome ||
	    st->fields[F_SERVICE].chosen != before_service) {
		outcome_changed(st);
		default_team(sc);
	}
	return KR_USED;
}

static const struct key_help contact_help[] = {
	{ "type", "in Service: narrow the list; Up/Down choose, Enter picks" },
	{ "1-9", "in Outcome and other choices: pick by number" },
	{ "Left/Right/Space", "change a choice" },
	{ "Tab, Enter", "next field; Shift-Tab goes back" },
	{ "Ctrl-S or F10", "save (only then is it logged)" },
	{ "a or F2", "after saving: another enquiry in the same visit" },
	{ "F7", "run a FAQ flow for this enquiry instead" },
	{ "Esc", "cancel (asks first if you typed something)" },
	{ NULL, NULL },
};

const struct screen_ops screen_contact_ops = {
	.name = "log a contact",
	.help = contact_help,
	.open = contact_open,
	.close = contact_close,
	.draw = contact_draw,
	.key = contact_key,
	.unsaved = contact_unsaved,
};
