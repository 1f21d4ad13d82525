/*
 * Running a FAQ flow: F7 from home, from a contact and from a
 * customer's view. The advisor types the customer's words and picks a flow
 * (a customer's parked runs are listed first), then follows it step by
 * step: what to say (with {field} answers filled in), what to ask
 * (validated as typed by the runner), a checklist of documents seen, and
 * the choices, with Ctrl-B back and Enter forward. At the end the contact
 * is logged with the flow id and version, the answers (personal ones only
 * when the contact has a customer) and the outcome: a referral raises the
 * case with the reason filled in and shows its reference large; signposting
 * shows the address to read out. F8 parks the run on the customer (they
 * must fetch a document); it resumes from their view at any desk with the
 * customer, on the version it started with.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "frontdesk/flow.h"
#include "tui_int.h"

#define FIND_LIMIT 40
#define SAY_ROWS 5
#define NOTE_ROWS 2

enum flow_mode { MODE_FIND, MODE_RUN, MODE_DONE, MODE_SAVED };

/* One row of the picker: a parked run or a flow found. */
struct pick_item {
	char *id, *title, *park_id, *parked_at, *step;
	long version, latest;
	bool gone; /* a parked run whose version is not on this desk */
};

/* What one form field of a step stands for. */
struct step_input {
	const struct flow_field *def; /* the flow's field (checklists: the list) */
	int item;		      /* checklist item, or -1 */
	char hint[ERR_MSG_MAX + 64];  /* what typing shows ("ok: ...") */
};

struct flow_screen {
	char customer_id[UUID_STR_LEN + 1]; /* "" when anonymous */
	struct customer *customer;
	char visit_id[UUID_STR_LEN + 1];
	enum flow_mode mode;
	/* find */
	struct tui_field query;
	size_t query_first;
	char searched[TUI_FIELD_MAX];
	bool have_results;
	char notice[ERR_MSG_MAX + 64]; /* why a parked run did not resume */
	struct pick_item *items;
	int nitems;
	struct tui_list list;
	/* run */
	struct flow *flow;
	struct flow_run *run;
	char park_id[UUID_STR_LEN + 1]; /* the parked run resumed, "" if none */
	int64_t started_ms;
	struct form_field *fields;
	struct step_input *inputs;
	int nfields;
	struct form form;
	bool on_choices; /* the focus is on the step's choices */
	struct tui_list choices;
	bool changed;
	/* saved */
	struct contact_result result;
	char saved_outcome[48], saved_url[512], saved_team[160], saved_title[256];
	long standard_days;
};

/* ---- the picker ------------------------------------------------------------ */

static void items_clear(struct flow_screen *st)
{
	for (int i = 0; i < st->nitems; i++) {
		free(st->items[i].id);
		free(st->items[i].title);
		free(st->items[i].park_id);
		free(st->items[i].parked_at);
		free(st->items[i].step);
	}
	free(st->items);
	st->items = NULL;
	st->nitems = 0;
	st->list.count = 0;
}

static struct pick_item *item_add(struct flow_screen *st)
{
	struct pick_item *it;

	st->items = xrealloc(st->items, sizeof *st->items * (size_t)(st->nitems + 1));
	it = &st->items[st->nitems++];
	memset(it, 0, sizeof *it);
	return it;
}

static int add_parked(void *ctx, const struct store_flow_parked *p)
{
	struct flow_screen *st = ctx;
	struct pick_item *it = item_add(st);
	char when[17];

	snprintf(when, sizeof when, "%s", p->parked_at);
	if (strlen(when) > 10)
		when[10] = ' ';
	it->id = xstrdup(p->flow_id);
	it->title = xstrdup(p->title ? p->title : p->flow_id);
	it->park_id = xstrdup(p->id);
	it->parked_at = xstrdup(when);
	it->step = xstrdup(p->step ? p->step : "");
	it->version = p->flow_version;
	it->latest = p->latest_version;
	it->gone = p->title == NULL;
	return 0;
}

static int add_hit(void *ctx, const struct store_flow_hit *h)
{
	struct flow_screen *st = ctx;
	struct pick_item *it = item_add(st);

	it->id = xstrdup(h->id);
	it->title = xstrdup(h->title);
	it->version = it->latest = h->version;
	return 0;
}

static void find_update(struct screen *sc)
{
	struct flow_screen *st = sc->state;
	struct err e;

	if (st->have_results && strcmp(st->searched, st->query.text) == 0)
		return;
	snprintf(st->searched, sizeof st->searched, "%s", st->query.text);
	st->have_results = true;
	items_clear(st);
	err_clear(&e);
	/* A customer's parked runs come first, whatever is typed. */
	if (st->customer_id[0] &&
	    store_flow_parked(sc->t->store, st->customer_id, add_parked, st, &e) != STATUS_OK)
		tui_error_err(sc->t, &e);
	if (store_flow_search(sc->t->store, st->query.text, FIND_LIMIT, add_hit, st, NULL, &e) !=
	    STATUS_OK)
		tui_error_err(sc->t, &e);
	st->list.count = st->nitems;
	st->list.selected = 0;
	st->list.top = 0;
	tui_list_fix(&st->list);
}

static char *item_row(void *ctx, int index, int width)
{
	struct flow_screen *st = ctx;
	const struct pick_item *it = &st->items[index];
	struct buf b;
	char head[96];

	buf_init(&b, 0); /* one line of the list: no cap of its own */
	if (it->park_id) {
		snprintf(head, sizeof head, "PARKED %s", it->parked_at);
		tui_text_pad(&b, head, 24);
		buf_printf(&b, "%s (version %ld) at '%s'%s", it->title, it->version, it->step,
			   it->gone ? " - that version is not on this desk" : "");
	} else {
		buf_adds(&b, it->title);
	}
	(void)width;
	return buf_detach(&b);
}

/* ---- a step on screen -------------------------------------------------------- */

static void step_release(struct flow_screen *st)
{
	if (st->fields)
		form_release(&st->form);
	free(st->fields);
	free(st->inputs);
	st->fields = NULL;
	st->inputs = NULL;
	st->nfields = 0;
}

static const char *type_hint(const struct flow_field *fd)
{
	switch (fd->type) {
	case FLOW_FIELD_DATE:
		return "a date, like 03/02/2026";
	case FLOW_FIELD_MONEY:
		return "pounds and pence, like 10.50";
	case FLOW_FIELD_NUMBER:
		return "a whole number";
	case FLOW_FIELD_POSTCODE:
		return "a UK postcode, like NG12 3AB";
	case FLOW_FIELD_EMAIL:
		return "an email address";
	case FLOW_FIELD_PHONE:
		return "a phone number, like 07700 900123";
	default:
		return NULL;
	}
}

/* Rechecks a text field with the runner as it is typed. */
static void field_recheck(struct flow_screen *st, int i)
{
	struct form_field *ff = &st->fields[i];
	struct step_input *in = &st->inputs[i];
	struct buf canon;
	struct err e;

	if (ff->kind != FORM_TEXT || in->item >= 0)
		return;
	ff->error[0] = '\0';
	if (!ff->text.len) {
		const char *h = type_hint(in->def);

		snprintf(in->hint, sizeof in->hint, "%s%s%s", in->def->hint ? in->def->hint : "",
			 in->def->hint && h ? "; " : "", h ? h : "");
		ff->hint = in->hint[0] ? in->hint : NULL;
		return;
	}
	buf_init(&canon, 4096);
	err_clear(&e);
	if (flow_run_check(st->run, in->def, ff->text.text, &canon, &e) == STATUS_OK)
		snprintf(in->hint, sizeof in->hint, "ok: %s", buf_str(&canon));
	else
		snprintf(in->hint, sizeof in->hint, "not yet: %s", e.msg);
	ff->hint = in->hint;
	buf_release(&canon);
}

/* Builds the form for the run's current step, filled with its answers. */
static void step_enter(struct flow_screen *st)
{
	const struct flow_step *step = flow_run_step(st->run);
	size_t n = step->nfields + (step->checklist ? step->checklist->noptions : 0);
	int k = 0;

	step_release(st);
	st->fields = xcalloc(n + 1, sizeof *st->fields);
	st->inputs = xcalloc(n + 1, sizeof *st->inputs);
	for (size_t i = 0; i < step->nfields; i++, k++) {
		const struct flow_field *fd = &step->fields[i];
		struct form_field *ff = &st->fields[k];
		st->inputs[k] = (struct step_input){ .def = fd, .item = -1 };
		ff->label = fd->label;
		ff->required = fd->required;
		if (fd->type == FLOW_FIELD_YESNO) {
			ff->kind = FORM_CHOICE;
			form_choice_add(ff, "yes", "Yes");
			form_choice_add(ff, "no", "No");
		} else if (fd->type == FLOW_FIELD_CHOICE) {
			ff->kind = FORM_CHOICE;
			for (size_t o = 0; o < fd->noptions; o++)
				form_choice_add(ff, fd->options[o], fd->options[o]);
		} else {
			ff->kind = FORM_TEXT;
			ff->text.max_chars = fd->type == FLOW_FIELD_TEXT && fd->max_length
						     ? fd->max_length
						     : 200;
		}
		ff->hint = fd->hint;
	}
	for (size_t i = 0; step->checklist && i < step->checklist->noptions; i++, k++) {
		struct form_field *ff = &st->fields[k];

		st->inputs[k] = (struct step_input){ .def = step->checklist, .item = (int)i };
		ff->kind = FORM_CHOICE;
		ff->label = step->checklist->options[i];
		form_choice_add(ff, "", "not seen");
		form_choice_add(ff, "seen", "seen");
		ff->hint = "Space ticks it: seen or not seen";
	}
	st->nfields = k;
	form_init(&st->form, st->fields, st->nfields);
	st->form.label_width = COLS / 2 - 4;
	for (int i = 0; i < st->nfields; i++) {
		struct form_field *ff = &st->fields[i];
		struct step_input *in = &st->inputs[i];

		if (in->item >= 0) {
			ff->chosen = flow_run_ticked(st->run, (size_t)in->item) ? 1 : 0;
			continue;
		}
		if (ff->kind == FORM_CHOICE) {
			form_choose(ff, flow_run_value(st->run, in->def->name));
		} else {
			const char *v = flow_run_value(st->run, in->def->name);

			tui_field_set(&ff->text, v ? v : "");
			field_recheck(st, i);
		}
	}
	st->form.changed = false;
	memset(&st->choices, 0, sizeof st->choices);
	st->choices.count = (int)step->nchoices;
	st->on_choices = st->nfields == 0 && step->nchoices > 0;
}

/* ---- opening, resuming -------------------------------------------------------- */

static void run_release(struct flow_screen *st)
{
	step_release(st);
	flow_run_free(st->run);
	flow_free(st->flow);
	st->run = NULL;
	st->flow = NULL;
	st->park_id[0] = '\0';
}

/* Reads flow id at version (0: latest) from the store and checks it. */
static struct flow *flow_read(struct tui *t, const char *id, long version, struct err *e)
{
	struct err_list errs;
	struct flow *f = NULL;
	char *source = NULL, name[160];
	size_t len = 0;
	long got = 0;

	if (store_flow_get(t->store, id, version, &source, &len, &got, e) != STATUS_OK)
		return NULL;
	snprintf(name, sizeof name, "%s version %ld", id, got);
	err_list_init(&errs, FLOW_ERRORS_MAX);
	flow_load_mem(name, source, len, &f, &errs);
	if (f)
		flow_check(f, NULL, &errs);
	if (!f || err_list_total(&errs)) {
		char first[ERR_MSG_MAX + ERR_FILE_MAX + 32] = "";

		if (errs.count)
			err_format(&errs.items[0], first, sizeof first);
		err_set(e, STATUS_INVALID, "the stored flow has problems (%s); load it again with: "
					   "frontdesk flow load", first);
		flow_free(f);
		f = NULL;
	}
	err_list_release(&errs);
	free(source);
	return f;
}

static void run_started(struct screen *sc)
{
	struct flow_screen *st = sc->state;

	st->mode = flow_run_done(st->run) ? MODE_DONE : MODE_RUN;
	st->changed = false;
	if (st->mode == MODE_RUN)
		step_enter(st);
}

static void flow_start(struct screen *sc, const struct pick_item *it)
{
	struct flow_screen *st = sc->state;
	struct err e;

	err_clear(&e);
	run_release(st);
	st->flow = flow_read(sc->t, it->id, it->version, &e);
	if (!st->flow || flow_run_new(st->flow, &st->run, &e) != STATUS_OK) {
		run_release(st);
		tui_error_err(sc->t, &e);
		return;
	}
	st->started_ms = clock_now_ms();
	run_started(sc);
	tui_say(sc->t, "%s: read the script; Enter goes on, Ctrl-B goes back.", st->flow->title);
}

struct resumed {
	char *flow_id, *saved;
	long version;
};

static int copy_parked(void *ctx, const struct store_flow_parked *p)
{
	struct resumed *r = ctx;

	r->flow_id = xstrdup(p->flow_id);
	r->saved = xstrdup(p->saved_json);
	r->version = p->flow_version;
	return 1;
}

static void flow_resume(struct screen *sc, const struct pick_item *it)
{
	struct flow_screen *st = sc->state;
	struct resumed r = { NULL, NULL, 0 };
	json_t *saved = NULL;
	struct err e;

	err_clear(&e);
	run_release(st);
	if (store_flow_resume(sc->t->store, it->park_id, copy_parked, &r, &e) != STATUS_OK) {
		tui_error_err(sc->t, &e);
		goto out;
	}
	/* The version it started with, even when a newer one is loaded. */
	st->flow = flow_read(sc->t, r.flow_id, r.version, &e);
	if (!st->flow) {
		snprintf(st->notice, sizeof st->notice, "Cannot resume this parked run: %s", e.msg);
		tui_error(sc->t, "cannot resume this parked run (why: above)");
		goto out;
	}
	saved = json_loads(r.saved, 0, NULL);
	if (!saved || flow_run_restore(st->flow, saved, &st->run, &e) != STATUS_OK) {
		run_release(st);
		snprintf(st->notice, sizeof st->notice, "Cannot resume this parked run: %s",
			 saved ? e.msg : "its saved state is damaged; start the flow again");
		tui_error(sc->t, "cannot resume this parked run (why: above)");
		goto out;
	}
	snprintf(st->park_id, sizeof st->park_id, "%s", it->park_id);
	st->started_ms = clock_now_ms();
	run_started(sc);
	if (it->latest > r.version)
		tui_say(sc->t,
			"Resumed %s on version %ld, the version it started with (version %ld is "
			"loaded now).",
			st->flow->title, r.version, it->latest);
	else
		tui_say(sc->t, "Resumed %s where it was parked.", st->flow->title);
out:
	json_decref(saved);
	free(r.flow_id);
	free(r.saved);
}

static void flow_open(struct screen *sc, const void *arg)
{
	const struct flow_open *o = arg;
	struct flow_screen *st = xcalloc(1, sizeof *st);
	struct err e;

	sc->state = st;
	st->query.max_chars = 200;
	if (o && o->customer_id && *o->customer_id) {
		snprintf(st->customer_id, sizeof st->customer_id, "%s", o->customer_id);
		err_clear(&e);
		if (store_customer_get(sc->t->store, st->customer_id, &st->customer, &e) !=
		    STATUS_OK)
			tui_error_err(sc->t, &e);
	}
	if (o && o->visit_id && *o->visit_id)
		snprintf(st->visit_id, sizeof st->visit_id, "%s", o->visit_id);
	find_update(sc);
}

static void flow_close(struct screen *sc)
{
	struct flow_screen *st = sc->state;

	run_release(st);
	items_clear(st);
	customer_free(st->customer);
	free(st);
}

static bool flow_unsaved(struct screen *sc)
{
	struct flow_screen *st = sc->state;

	return (st->mode == MODE_RUN || st->mode == MODE_DONE) &&
	       (st->changed || form_changed(&st->form) || flow_run_depth(st->run) > 1);
}

/* ---- moving on and back ------------------------------------------------------- */

/* Gives the runner what the form holds. Stops at the first refusal unless
 * lenient (parking keeps what it can). */
static bool answers_store(struct flow_screen *st, bool lenient, struct err *e)
{
	for (int i = 0; i < st->nfields; i++) {
		struct form_field *ff = &st->fields[i];
		struct step_input *in = &st->inputs[i];
		enum status rc;

		if (in->item >= 0) {
			rc = flow_run_tick(st->run, (size_t)in->item, ff->chosen == 1, e);
		} else {
			const char *v = ff->kind == FORM_CHOICE ? form_choice_code(ff)
								 : ff->text.text;

			rc = flow_run_answer(st->run, in->def->name, v ? v : "", e);
		}
		if (rc != STATUS_OK && !lenient) {
			snprintf(ff->error, sizeof ff->error, "%s", e->msg);
			st->form.focus = i;
			st->on_choices = false;
			return false;
		}
	}
	return true;
}

static void go_forward(struct screen *sc, int choice)
{
	struct flow_screen *st = sc->state;
	struct err e;
	enum status rc;

	err_clear(&e);
	if (!answers_store(st, false, &e)) {
		tui_error(sc->t, "%s", e.msg);
		return;
	}
	if (choice >= 0)
		rc = flow_run_choose(st->run, (size_t)choice, &e);
	else
		rc = flow_run_next(st->run, &e);
	if (rc != STATUS_OK) {
		tui_error_err(sc->t, &e);
		return;
	}
	st->changed = true;
	if (flow_run_done(st->run)) {
		step_release(st);
		st->mode = MODE_DONE;
		tui_say(sc->t, "The flow has ended. Ctrl-S logs the contact; Ctrl-B goes back.");
		return;
	}
	step_enter(st);
}

static void go_back(struct screen *sc)
{
	struct flow_screen *st = sc->state;
	struct err e;

	err_clear(&e);
	if (flow_run_back(st->run, &e) != STATUS_OK) {
		tui_say(sc->t, "This is the first step; Esc leaves the flow.");
		return;
	}
	st->mode = MODE_RUN;
	step_enter(st);
}

/* ---- logging the contact, parking --------------------------------------------- */

static int find_team(void *ctx, const char *code, const char *name)
{
	char **want = ctx;

	if (strcmp(code, want[0]) == 0) {
		snprintf(want[1], 160, "%s", name);
		return 1;
	}
	return 0;
}

/* Text cut to at most max code points (never splitting a character). */
static void cut_chars(char *text, size_t max)
{
	size_t chars = 0;

	for (char *p = text; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && chars++ == max) {
			*p = '\0';
			return;
		}
	}
}

static void flow_log(struct screen *sc)
{
	struct flow_screen *st = sc->state;
	struct tui *t = sc->t;
	const struct flow_outcome *oc = flow_run_outcome(st->run);
	int flags = st->customer_id[0] ? 0 : FLOW_JSON_NO_PERSONAL;
	struct contact_input in;
	struct buf reason, notes;
	struct ref_service rs;
	json_t *answers;
	char *answers_text = NULL;
	struct err e;
	bool referred;
	enum status rc;

	if (!oc)
		return;
	referred = oc->kind == FLOW_OUTCOME_REFERRED;
	buf_init(&reason, 64 * 1024);
	buf_init(&notes, 64 * 1024);
	if (oc->reason)
		flow_run_render(st->run, oc->reason, flags, &reason);
	if (oc->summary)
		flow_run_render(st->run, oc->summary, flags, &notes);
	else if (oc->where)
		flow_run_render(st->run, oc->where, flags, &notes);
	if (reason.data)
		cut_chars(reason.data, REASON_MAX_CHARS);
	if (notes.data)
		cut_chars(notes.data, NOTES_MAX_CHARS);
	/* Anonymous: personal answers are left out (data minimisation). */
	answers = flow_run_answers_json(st->run, flags);
	answers_text = json_dumps(answers, JSON_COMPACT);
	json_decref(answers);
	memset(&in, 0, sizeof in);
	in.visit_id = st->visit_id[0] ? st->visit_id : NULL;
	in.customer_id = st->customer_id[0] ? st->customer_id : NULL;
	in.channel = t->desk.channel[0] ? t->desk.channel : NULL;
	in.advisor = t->who.login;
	in.service = st->flow->service;
	in.outcome = flow_outcome_name(oc->kind);
	in.notes = notes.len ? buf_str(&notes) : NULL;
	in.duration_s = (long)((clock_now_ms() - st->started_ms) / 1000);
	if (in.duration_s < 0)
		in.duration_s = 0;
	in.flow_id = st->flow->id;
	in.flow_version = (int)st->flow->version;
	in.answers_json = answers_text;
	if (referred) {
		in.team = oc->team;
		in.reason = buf_str(&reason);
	}
	err_clear(&e);
	/* Logging a resumed run and removing it from the customer are one. */
	rc = store_tx_begin(t->store, &e);
	if (!rc)
		rc = store_contact_log(t->store, &in, &st->result, &e);
	if (!rc && st->park_id[0])
		rc = store_flow_park_remove(t->store, st->park_id, &e);
	if (rc) {
		store_tx_end(t->store, false, NULL);
	} else {
		rc = store_tx_end(t->store, true, &e);
	}
	if (rc) {
		memset(&st->result, 0, sizeof st->result);
		tui_error_err(t, &e);
		goto out;
	}
	/* Committed: only now say so. */
	st->mode = MODE_SAVED;
	snprintf(st->visit_id, sizeof st->visit_id, "%s", st->result.visit_id);
	snprintf(st->saved_outcome, sizeof st->saved_outcome, "%s", in.outcome);
	snprintf(st->saved_title, sizeof st->saved_title, "%s", st->flow->title);
	st->saved_url[0] = st->saved_team[0] = '\0';
	st->standard_days = 0;
	memset(&rs, 0, sizeof rs);
	if (store_service_get(t->store, st->flow->service, &rs, NULL) == STATUS_OK) {
		st->standard_days = rs.standard_days;
		snprintf(st->saved_url, sizeof st->saved_url, "%s", rs.url ? rs.url : "");
	}
	ref_service_release(&rs);
	if (oc->url) {
		struct buf url;

		buf_init(&url, 4096);
		flow_run_render(st->run, oc->url, flags, &url);
		snprintf(st->saved_url, sizeof st->saved_url, "%s", buf_str(&url));
		buf_release(&url);
	}
	if (referred) {
		char *want[2] = { st->result.team, st->saved_team };

		snprintf(st->saved_team, sizeof st->saved_team, "%s", st->result.team);
		store_ref_list(t->store, REF_TEAM, find_team, want, NULL);
	}
	st->park_id[0] = '\0';
	tui_say(t, "Saved. Enter or Esc: done.");
out:
	free(answers_text);
	buf_release(&reason);
	buf_release(&notes);
}

static void flow_park(struct screen *sc)
{
	struct flow_screen *st = sc->state;
	struct tui *t = sc->t;
	struct store_flow_park_input in;
	char id[UUID_STR_LEN + 1], *text;
	json_t *saved;
	struct err e;

	if (!st->customer_id[0]) {
		tui_error(t, "parking needs a customer: find them (F4), open their record, then F7");
		return;
	}
	err_clear(&e);
	if (st->mode == MODE_RUN)
		answers_store(st, true, &e); /* keep what was typed on this step */
	saved = flow_run_save(st->run);
	text = json_dumps(saved, JSON_COMPACT);
	json_decref(saved);
	in = (struct store_flow_park_input){
		.customer_id = st->customer_id,
		.flow_id = st->flow->id,
		.flow_version = st->flow->version,
		.step = flow_run_step(st->run)->id,
		.saved_json = text,
		.replaces = st->park_id[0] ? st->park_id : NULL,
	};
	err_clear(&e);
	if (store_flow_park(t->store, &in, id, &e) != STATUS_OK) {
		tui_error_err(t, &e);
		free(text);
		return;
	}
	free(text);
	tui_say(t, "Parked '%s' for %s. Resume it from their record: F7.", st->flow->title,
		st->customer ? st->customer->field[CF_name] : "the customer");
	tui_pop(t); /* frees st */
}

/* ---- drawing ------------------------------------------------------------------ */

static void draw_header(struct screen *sc, int *y, const char *left)
{
	struct flow_screen *st = sc->state;
	struct tui *t = sc->t;
	char timer[32], right[64];

	if (st->mode == MODE_RUN || st->mode == MODE_DONE) {
		tui_timer_text((long)((clock_now_ms() - st->started_ms) / 1000), timer, sizeof timer);
		snprintf(right, sizeof right, "Timer %s", timer);
	} else {
		right[0] = '\0';
	}
	{
		/* The title gives way to the timer. */
		struct buf fit;
		size_t room = (size_t)COLS - tui_text_width(right) - 2;

		buf_init(&fit, 0); /* as wide as the screen: no cap of its own */
		tui_text_pad(&fit, left, room);
		draw_title(t, (*y)++, buf_str(&fit), right);
		buf_release(&fit);
	}
	if (st->customer)
		*y += draw_needs(t, *y, st->customer->field[CF_name], st->customer->field[CF_needs]);
	else if (st->customer_id[0])
		draw_text(t, (*y)++, 0, COLS, " Customer could not be read", PAINT_WARN);
	else
		draw_text(t, (*y)++, 0, COLS,
			  " Anonymous enquiry: personal answers are not kept (F8 parking needs a "
			  "customer)",
			  PAINT_PLAIN);
}

static void draw_find(struct screen *sc)
{
	struct flow_screen *st = sc->state;
	struct tui *t = sc->t;
	int y = 0, fy;

	draw_header(sc, &y, " Find a flow (FAQ script) by the customer's words");
	y++;
	draw_text(t, y, 1, 17, "Customer's words:", PAINT_PLAIN);
	fy = y;
	y += 2;
	draw_textf(t, y++, 0, COLS, PAINT_HEADER, " %s (%d)",
		   st->customer_id[0] ? "Parked for this customer, then flows" : "Flows",
		   st->nitems);
	if (st->notice[0])
		draw_paragraph(t, LINES - 5, 1, COLS - 2, 2, st->notice, PAINT_WARN);
	draw_list(t, &st->list, y, 0, COLS, LINES - 3 - y - (st->notice[0] ? 2 : 0), item_row, st,
		  true,
		  st->query.len ? "  No flow matches those words; try other words."
				: "  No flows on this desk; load them with: frontdesk flow load");
	draw_text(t, LINES - 3, 0, COLS,
		  " type words   Up/Down choose   Enter starts (or resumes)   Esc back   F1 keys",
		  PAINT_DIM);
	/* The cursor stays in the words: typing goes on. */
	draw_field(t, fy, 19, COLS - 21, &st->query, &st->query_first, true);
}

static char *choice_row(void *ctx, int index, int width)
{
	struct flow_screen *st = ctx;
	const struct flow_step *step = flow_run_step(st->run);
	struct buf b;

	(void)width;
	buf_init(&b, 0); /* one line of the list: no cap of its own */
	buf_printf(&b, "%d  %s", index + 1, step->choices[index].label);
	return buf_detach(&b);
}

static void draw_run(struct screen *sc)
{
	struct flow_screen *st = sc->state;
	struct tui *t = sc->t;
	const struct flow_step *step = flow_run_step(st->run);
	char left[256];
	int y = 0;

	snprintf(left, sizeof left, " %s (version %ld) - step %zu", st->flow->title,
		 st->flow->version, flow_run_depth(st->run));
	draw_header(sc, &y, left);
	if (step->say) {
		struct buf say;

		buf_init(&say, 64 * 1024);
		flow_run_render(st->run, step->say, 0, &say);
		draw_text(t, y, 1, 5, "Say:", PAINT_HEADER);
		y += draw_paragraph(t, y, 7, COLS - 8, SAY_ROWS, buf_str(&say), PAINT_PLAIN);
		buf_release(&say);
	}
	if (step->note) {
		draw_text(t, y, 1, 5, "Note:", PAINT_DIM);
		y += draw_paragraph(t, y, 7, COLS - 8, NOTE_ROWS, step->note, PAINT_DIM);
	}
	y++;
	if (st->nfields) {
		int cy = t->cur_y, cx = t->cur_x;
		bool show = t->cur_show;

		y = form_draw(t, &st->form, y, LINES - 5 - (int)(step->nchoices ? 2 : 0));
		if (st->on_choices) {
			/* The focus is on the choices: the form does not hold it. */
			t->cur_y = cy;
			t->cur_x = cx;
			t->cur_show = show;
		}
	}
	if (step->nchoices) {
		int h = LINES - 4 - y;

		if (h > (int)step->nchoices)
			h = (int)step->nchoices;
		if (h < 1)
			h = 1;
		draw_text(t, y++, 1, COLS - 2,
			  st->on_choices ? "Choose (1-9, or Up/Down and Enter):"
					 : "Then choose (Tab to the choices):",
			  st->on_choices ? PAINT_SELECTED : PAINT_HEADER);
		draw_list(t, &st->choices, y, 1, COLS - 2, h, choice_row, st, st->on_choices, "");
	}
	draw_text(t, LINES - 3, 0, COLS,
		  " Enter next   Ctrl-B back   F8 park on the customer   Esc leave   F1 keys",
		  PAINT_DIM);
	if (!t->cur_show)
		tui_cursor(t, LINES - 3, 1);
}

static void draw_done(struct screen *sc)
{
	struct flow_screen *st = sc->state;
	struct tui *t = sc->t;
	const struct flow_outcome *oc = flow_run_outcome(st->run);
	int flags = st->customer_id[0] ? 0 : FLOW_JSON_NO_PERSONAL, y = 0;
	struct buf text;
	char left[256];

	snprintf(left, sizeof left, " %s (version %ld) - end", st->flow->title, st->flow->version);
	draw_header(sc, &y, left);
	y++;
	draw_textf(t, y++, 1, COLS - 2, PAINT_TITLE, " Outcome: %s ",
		   flow_outcome_name(oc->kind));
	buf_init(&text, 64 * 1024);
	if (oc->team)
		draw_textf(t, y++, 1, COLS - 2, PAINT_PLAIN, "Team: %s", oc->team);
	if (oc->reason) {
		flow_run_render(st->run, oc->reason, flags, &text);
		draw_text(t, y, 1, 8, "Reason:", PAINT_PLAIN);
		y += draw_paragraph(t, y, 9, COLS - 10, 4, buf_str(&text), PAINT_PLAIN);
		buf_release(&text);
		buf_init(&text, 64 * 1024);
	}
	if (oc->summary) {
		flow_run_render(st->run, oc->summary, flags, &text);
		draw_text(t, y, 1, 8, "Summary:", PAINT_PLAIN);
		y += draw_paragraph(t, y, 10, COLS - 11, 4, buf_str(&text), PAINT_PLAIN);
		buf_release(&text);
		buf_init(&text, 64 * 1024);
	}
	if (oc->where) {
		flow_run_render(st->run, oc->where, flags, &text);
		draw_textf(t, y++, 1, COLS - 2, PAINT_PLAIN, "Send to: %s", buf_str(&text));
		buf_release(&text);
		buf_init(&text, 64 * 1024);
	}
	if (oc->url) {
		flow_run_render(st->run, oc->url, flags, &text);
		draw_textf(t, y++, 1, COLS - 2, PAINT_NOTICE, "Read out: %s", buf_str(&text));
	}
	buf_release(&text);
	y++;
	if (!st->customer_id[0])
		draw_text(t, y++, 1, COLS - 2,
			  "Anonymous: answers marked personal are left out of the contact.", PAINT_DIM);
	draw_text(t, LINES - 3, 0, COLS,
		  " Ctrl-S or Enter log the contact   Ctrl-B back   Esc leave   F1 keys", PAINT_DIM);
	tui_cursor(t, LINES - 3, 1);
}

static void draw_saved(struct screen *sc)
{
	struct flow_screen *st = sc->state;
	struct tui *t = sc->t;
	int y = 0;

	draw_header(sc, &y, " Flow logged");
	y++;
	draw_textf(t, y++, 2, COLS - 4, PAINT_TITLE, " Saved: %s - %s ", st->saved_title,
		   st->saved_outcome);
	y++;
	if (strcmp(st->saved_outcome, OUTCOME_REFERRED) == 0 && st->result.case_ref[0]) {
		draw_case_banner(t, y, &st->result, st->standard_days, st->saved_team);
		y += TUI_BIG_ROWS + 4;
	} else if ((strcmp(st->saved_outcome, "signposted") == 0 ||
		    strcmp(st->saved_outcome, "assisted-digital") == 0) &&
		   st->saved_url[0]) {
		draw_textf(t, y++, 2, COLS - 4, PAINT_NOTICE, "Read out: %s", st->saved_url);
		y++;
	}
	draw_text(t, y, 2, COLS - 4, "Enter or Esc: done", PAINT_PLAIN);
	tui_cursor(t, y, 2);
}

static void flow_draw(struct screen *sc)
{
	struct flow_screen *st = sc->state;

	switch (st->mode) {
	case MODE_FIND:
		draw_find(sc);
		break;
	case MODE_RUN:
		draw_run(sc);
		break;
	case MODE_DONE:
		draw_done(sc);
		break;
	case MODE_SAVED:
		draw_saved(sc);
		break;
	}
}

/* ---- keys --------------------------------------------------------------------- */

static void leave(struct tui *t, void *ctx)
{
	(void)ctx;
	tui_pop(t);
	tui_say(t, "Left the flow; nothing was saved.");
}

static enum key_result find_key(struct screen *sc, const struct tui_key *k)
{
	struct flow_screen *st = sc->state;

	if (k->kind == TUI_KEY_ESC)
		return KR_CLOSE;
	if (k->kind == TUI_KEY_ENTER) {
		if (!st->nitems) {
			tui_error(sc->t, "no flow chosen: type the customer's words first");
			return KR_USED;
		}
		if (st->items[st->list.selected].park_id)
			flow_resume(sc, &st->items[st->list.selected]);
		else
			flow_start(sc, &st->items[st->list.selected]);
		return KR_USED;
	}
	if (tui_list_key(&st->list, k))
		return KR_USED;
	if (k->kind == TUI_KEY_CHAR && k->wc == L'?' && st->query.len == 0)
		return KR_UNUSED;
	if (tui_field_key(&st->query, k)) {
		st->notice[0] = '\0';
		find_update(sc);
		return KR_USED;
	}
	return KR_UNUSED;
}

static bool is_park_key(const struct tui_key *k)
{
	return (k->kind == TUI_KEY_FN && k->n == 8) || (k->kind == TUI_KEY_CTRL && k->wc == L'p');
}

static bool is_back_key(const struct tui_key *k)
{
	return k->kind == TUI_KEY_CTRL && k->wc == L'b';
}

static enum key_result run_key(struct screen *sc, const struct tui_key *k)
{
	struct flow_screen *st = sc->state;
	const struct flow_step *step = flow_run_step(st->run);
	struct form_field *focus = st->nfields ? &st->fields[st->form.focus] : NULL;
	int last = st->nfields - 1;

	while (last > 0 && st->fields[last].hidden)
		last--;
	if (is_back_key(k)) {
		go_back(sc);
		return KR_USED;
	}
	if ((k->kind == TUI_KEY_CTRL && (k->wc == L'f' || k->wc == L's')) ||
	    (k->kind == TUI_KEY_FN && k->n == 10)) {
		if (step->nchoices && !st->on_choices) {
			struct err e;

			/* The answers first, then the advisor picks a choice. */
			err_clear(&e);
			if (!answers_store(st, false, &e))
				tui_error(sc->t, "%s", e.msg);
			else
				st->on_choices = true;
		} else {
			go_forward(sc, step->nchoices ? st->choices.selected : -1);
		}
		return KR_USED;
	}
	if (st->on_choices) {
		if (k->kind == TUI_KEY_CHAR && k->wc >= L'1' && k->wc <= L'9') {
			int i = (int)(k->wc - L'1');

			if (i < (int)step->nchoices)
				go_forward(sc, i);
			return KR_USED;
		}
		if (k->kind == TUI_KEY_ENTER) {
			go_forward(sc, st->choices.selected);
			return KR_USED;
		}
		if ((k->kind == TUI_KEY_UP && st->choices.selected == 0) || k->kind == TUI_KEY_BTAB ||
		    k->kind == TUI_KEY_TAB) {
			if (st->nfields) {
				st->on_choices = false;
				st->form.focus = k->kind == TUI_KEY_TAB ? 0 : last;
			}
			return KR_USED;
		}
		if (tui_list_key(&st->choices, k))
			return KR_USED;
		return KR_UNUSED;
	}
	if (!focus) {
		if (k->kind == TUI_KEY_ENTER) {
			go_forward(sc, -1);
			return KR_USED;
		}
		return KR_UNUSED;
	}
	if (k->kind == TUI_KEY_CHAR && k->wc == L'?' &&
	    (focus->kind == FORM_CHOICE || focus->text.len == 0))
		return KR_UNUSED;
	/* From the last field, Enter, Tab and Down go to the choices or on. */
	if (st->form.focus == last &&
	    (k->kind == TUI_KEY_ENTER || k->kind == TUI_KEY_TAB || k->kind == TUI_KEY_DOWN)) {
		if (step->nchoices) {
			struct err e;

			err_clear(&e);
			if (k->kind == TUI_KEY_ENTER && !answers_store(st, false, &e)) {
				tui_error(sc->t, "%s", e.msg);
				return KR_USED;
			}
			st->on_choices = true;
		} else if (k->kind == TUI_KEY_ENTER) {
			go_forward(sc, -1);
		}
		return KR_USED;
	}
	if (form_key(&st->form, k)) {
		field_recheck(st, st->form.focus);
		return KR_USED;
	}
	return KR_UNUSED;
}

static enum key_result flow_key(struct screen *sc, const struct tui_key *k)
{
	struct flow_screen *st = sc->state;

	if (k->kind == TUI_KEY_FN && k->n == 7) {
		tui_say(sc->t, "You are in a flow now; Esc leaves it.");
		return KR_USED;
	}
	switch (st->mode) {
	case MODE_FIND:
		return find_key(sc, k);
	case MODE_SAVED:
		return k->kind == TUI_KEY_ENTER || k->kind == TUI_KEY_ESC ? KR_CLOSE : KR_UNUSED;
	default:
		break;
	}
	if (k->kind == TUI_KEY_ESC) {
		if (!flow_unsaved(sc))
			return KR_CLOSE;
		tui_ask(sc->t,
			"Leave this flow? Nothing is logged (F8 parks it on the customer). (y = "
			"leave, n = stay)",
			leave, NULL);
		return KR_USED;
	}
	if (is_park_key(k)) {
		flow_park(sc);
		return KR_USED;
	}
	if (st->mode == MODE_DONE) {
		if (is_back_key(k)) {
			go_back(sc);
			return KR_USED;
		}
		if (k->kind == TUI_KEY_ENTER || (k->kind == TUI_KEY_CTRL && k->wc == L's') ||
		    (k->kind == TUI_KEY_FN && k->n == 10)) {
			flow_log(sc);
			return KR_USED;
		}
		return KR_UNUSED;
	}
	return run_key(sc, k);
}

static void flow_reenter(struct screen *sc)
{
	struct flow_screen *st = sc->state;

	if (st->mode == MODE_FIND) {
		st->have_results = false;
		find_update(sc);
	}
}

static const struct key_help flow_help[] = {
	{ "type", "the customer's words: flows that match are listed, best first" },
	{ "Up/Down, Enter", "choose a flow and start it (a PARKED run resumes)" },
	{ "Tab, Enter", "next field; from the last field, to the choices" },
	{ "1-9", "on the choices: take that choice" },
	{ "Space, Left/Right", "change a yes/no or choice; tick a document seen" },
	{ "Ctrl-F or F10", "forward (checks the answers first)" },
	{ "Ctrl-B", "back a step (its answers are kept to edit)" },
	{ "Ctrl-S or Enter", "at the end: log the contact (a referral raises the case)" },
	{ "F8 or Ctrl-P", "park the flow on the customer, to resume later (F7 on their record)" },
	{ "Esc", "leave (asks first once you have started)" },
	{ NULL, NULL },
};

const struct screen_ops screen_flow_ops = {
	.name = "flow",
	.help = flow_help,
	.open = flow_open,
	.close = flow_close,
	.draw = flow_draw,
	.key = flow_key,
	.unsaved = flow_unsaved,
	.reenter = flow_reenter,
};
