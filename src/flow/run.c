/*
 * run.c — one advisor's walk through a flow: a stack of frames, one per step
 * visited, each holding the answers given on that step. Going back pops a
 * frame, so answers on an abandoned branch are forgotten. Nothing here reads
 * the terminal or the database; the clock is core's (injectable).
 */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "frontdesk/flow.h"
#include "flow_int.h"

#define ANSWER_MAX 1000 /* bytes in the canonical form of one answer */
#define MONEY_POUNDS_MAX 1000000000L

struct frame {
	int step;
	int choice;    /* the choice taken from this step, or -1 */
	char **values; /* per field of the step: canonical answer or NULL */
	bool *ticks;   /* per checklist item */
};

struct flow_run {
	const struct flow *f;
	struct frame *frames;
	size_t n, alloc;
	bool done;
	const struct flow_outcome *outcome;
};

static const struct flow_step *step_at(const struct flow_run *r, size_t i)
{
	return &r->f->steps[r->frames[i].step];
}

static struct frame *top(const struct flow_run *r)
{
	return &r->frames[r->n - 1];
}

static void frame_release(const struct flow *f, struct frame *fr)
{
	const struct flow_step *st = &f->steps[fr->step];
	for (size_t i = 0; i < st->nfields; i++)
		free(fr->values[i]);
	free(fr->values);
	free(fr->ticks);
}

static enum status push(struct flow_run *r, int step, struct err *e)
{
	const struct flow_step *st;
	struct frame *fr;

	if (step < 0 || (size_t)step >= r->f->nsteps)
		return err_set(e, STATUS_INVALID,
			       "flow '%s' goes to a step that does not exist; run 'frontdesk flow "
			       "check' on it",
			       r->f->id);
	if (r->n >= FLOW_HISTORY_MAX)
		return err_set(e, STATUS_TOO_BIG,
			       "this flow has gone through %d steps; it seems to be going round in "
			       "circles, so finish the contact by hand",
			       FLOW_HISTORY_MAX);
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 16;
		r->frames = xrealloc(r->frames, r->alloc * sizeof(*r->frames));
	}
	st = &r->f->steps[step];
	fr = &r->frames[r->n++];
	fr->step = step;
	fr->choice = -1;
	fr->values = xcalloc(st->nfields + 1, sizeof(char *));
	fr->ticks = xcalloc((st->checklist ? st->checklist->noptions : 0) + 1, sizeof(bool));
	return STATUS_OK;
}

enum status flow_run_new(const struct flow *f, struct flow_run **out, struct err *e)
{
	struct flow_run *r;
	enum status rc;

	*out = NULL;
	if (!f)
		return err_set(e, STATUS_INVALID, "no flow given");
	if (f->nload_errors || f->start_index < 0 || !f->id)
		return err_set(e, STATUS_INVALID,
			       "flow '%s' has problems; run 'frontdesk flow check %s' and fix them "
			       "first",
			       f->id ? f->id : "?", f->file ? f->file : "");
	r = xcalloc(1, sizeof(*r));
	r->f = f;
	rc = push(r, f->start_index, e);
	if (rc != STATUS_OK) {
		flow_run_free(r);
		return rc;
	}
	*out = r;
	return STATUS_OK;
}

void flow_run_free(struct flow_run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		frame_release(r->f, &r->frames[i]);
	free(r->frames);
	free(r);
}

const struct flow *flow_run_flow(const struct flow_run *r)
{
	return r->f;
}

const struct flow_step *flow_run_step(const struct flow_run *r)
{
	return step_at(r, r->n - 1);
}

bool flow_run_done(const struct flow_run *r)
{
	return r->done;
}

size_t flow_run_depth(const struct flow_run *r)
{
	return r->n;
}

const struct flow_outcome *flow_run_outcome(const struct flow_run *r)
{
	return r->done ? r->outcome : NULL;
}

/* ---- answers ----------------------------------------------------------- */

/* The latest frame's answer to a field, with its definition. */
static const char *find_value(const struct flow_run *r, const char *name,
			      const struct flow_field **def, const struct frame **in)
{
	for (size_t i = r->n; i-- > 0;) {
		const struct flow_step *st = step_at(r, i);
		for (size_t j = 0; j < st->nfields; j++)
			if (strcmp(st->fields[j].name, name) == 0 && r->frames[i].values[j]) {
				if (def)
					*def = &st->fields[j];
				if (in)
					*in = &r->frames[i];
				return r->frames[i].values[j];
			}
		if (st->checklist && strcmp(st->checklist->name, name) == 0) {
			if (def)
				*def = st->checklist;
			if (in)
				*in = &r->frames[i];
			return "";
		}
	}
	if (def)
		*def = flow_field_find(r->f, name);
	return NULL;
}

const char *flow_run_value(const struct flow_run *r, const char *field)
{
	const struct flow_field *def = NULL;
	const char *v = find_value(r, field, &def, NULL);
	return def && def->type == FLOW_FIELD_CHECKLIST ? NULL : v;
}

static bool lookup(void *ctx, const char *field, const struct flow_field **def,
		   struct cond_value *out)
{
	const struct flow_run *r = ctx;
	const struct frame *fr = NULL;
	const char *v = find_value(r, field, def, &fr);

	memset(out, 0, sizeof(*out));
	if (!*def)
		return false;
	if ((*def)->type == FLOW_FIELD_CHECKLIST) {
		out->total = (*def)->noptions;
		if (fr)
			for (size_t i = 0; i < (*def)->noptions; i++)
				out->ticked += fr->ticks[i];
		out->set = out->ticked > 0;
		out->text = "";
		return true;
	}
	out->set = v != NULL;
	out->text = v;
	return true;
}

static enum status date_bound(const struct flow_date_bound *b, struct date *out)
{
	if (b->kind == FLOW_DATE_NONE)
		return STATUS_NOT_FOUND;
	if (b->kind == FLOW_DATE_FIXED)
		*out = b->date;
	else
		*out = date_from_days(date_to_days(date_today_london()) + b->offset_days);
	return STATUS_OK;
}

enum status flow_run_check(const struct flow_run *r, const struct flow_field *fd,
			   const char *value, struct buf *canon, struct err *e)
{
	char out[64];
	char *v;
	enum status rc = STATUS_OK;
	const char *label;

	(void)r;
	if (!fd)
		return err_set(e, STATUS_INVALID, "no such field");
	label = fd->label ? fd->label : fd->name;
	if (!value)
		value = "";
	if (!utf8_valid(value, strlen(value)))
		return err_set(e, STATUS_INVALID,
			       "%s has characters that are not text (not UTF-8); retype it", label);
	if (strlen(value) > ANSWER_MAX && fd->type != FLOW_FIELD_TEXT)
		return err_set(e, STATUS_INVALID, "%s is far too long; check it", label);
	v = text_trim(value);
	if (!*v) {
		rc = fd->required ? err_set(e, STATUS_INVALID, "%s is required; fill it in", label)
				  : STATUS_OK;
		goto out;
	}
	out[0] = '\0';
	switch (fd->type) {
	case FLOW_FIELD_TEXT:
		rc = valid_text(label, v, fd->max_length, fd->required, false, e);
		if (rc == STATUS_OK && canon)
			rc = buf_adds(canon, v);
		goto out;
	case FLOW_FIELD_NUMBER: {
		long n;
		rc = valid_int(label, v, fd->has_min ? fd->min : -1000000000L,
			       fd->has_max ? fd->max : 1000000000L, &n, e);
		if (rc == STATUS_OK)
			snprintf(out, sizeof(out), "%ld", n);
		break;
	}
	case FLOW_FIELD_MONEY: {
		long p;
		rc = valid_money(label, v, &p, e);
		if (rc != STATUS_OK)
			break;
		if (p / 100 >= MONEY_POUNDS_MAX)
			rc = err_set(e, STATUS_INVALID, "%s is too large an amount; check it", label);
		else if (fd->has_min && p < fd->min)
			rc = err_set(e, STATUS_INVALID, "%s must be at least \xC2\xA3%ld.%02ld",
				     label, fd->min / 100, fd->min % 100);
		else if (fd->has_max && p > fd->max)
			rc = err_set(e, STATUS_INVALID, "%s must be at most \xC2\xA3%ld.%02ld", label,
				     fd->max / 100, fd->max % 100);
		else
			snprintf(out, sizeof(out), "%ld.%02ld", p / 100, p % 100);
		break;
	}
	case FLOW_FIELD_DATE: {
		char iso[32];
		struct date d, b;
		struct buf shown;
		rc = date_parse_uk(v, &d, label, e);
		if (rc != STATUS_OK)
			break;
		buf_init(&shown, 64);
		if (date_bound(&fd->not_before, &b) == STATUS_OK && date_cmp(d, b) < 0) {
			date_format(b, iso, sizeof(iso));
			flow_value_display(fd, iso, &shown);
			rc = err_set(e, STATUS_INVALID, "%s cannot be before %s", label,
				     buf_str(&shown));
		} else if (date_bound(&fd->not_after, &b) == STATUS_OK && date_cmp(d, b) > 0) {
			date_format(b, iso, sizeof(iso));
			flow_value_display(fd, iso, &shown);
			rc = err_set(e, STATUS_INVALID, "%s cannot be after %s", label,
				     buf_str(&shown));
		} else {
			date_format(d, out, sizeof(out));
		}
		buf_release(&shown);
		break;
	}
	case FLOW_FIELD_YESNO:
		if (!strcasecmp(v, "yes") || !strcasecmp(v, "y"))
			snprintf(out, sizeof(out), "yes");
		else if (!strcasecmp(v, "no") || !strcasecmp(v, "n"))
			snprintf(out, sizeof(out), "no");
		else
			rc = err_set(e, STATUS_INVALID, "%s '%.20s' is not yes or no; answer yes or no",
				     label, v);
		break;
	case FLOW_FIELD_CHOICE: {
		char *end;
		long n = strtol(v, &end, 10);
		const char *hit = NULL;
		if (*end == '\0' && end != v && n >= 1 && (size_t)n <= fd->noptions)
			hit = fd->options[n - 1];
		for (size_t i = 0; !hit && i < fd->noptions; i++)
			if (strcasecmp(fd->options[i], v) == 0)
				hit = fd->options[i];
		if (!hit)
			rc = err_set(e, STATUS_INVALID,
				     "%s '%.60s' is not one of the options; give one of them or its "
				     "number",
				     label, v);
		else if (canon)
			rc = buf_adds(canon, hit);
		goto out;
	}
	case FLOW_FIELD_POSTCODE:
		rc = valid_postcode(label, v, out, sizeof(out), e);
		break;
	case FLOW_FIELD_EMAIL:
		rc = valid_email(label, v, e);
		if (rc == STATUS_OK && canon)
			rc = buf_adds(canon, v);
		goto out;
	case FLOW_FIELD_PHONE:
		rc = valid_phone(label, v, out, sizeof(out), e);
		break;
	case FLOW_FIELD_CHECKLIST:
	case FLOW_FIELD_TYPE_COUNT:
		rc = err_set(e, STATUS_INVALID, "%s is a checklist; tick its items instead", label);
		break;
	}
	if (rc == STATUS_OK && canon)
		rc = buf_adds(canon, out);
out:
	free(v);
	return rc;
}

static int field_in_step(const struct flow_step *st, const char *name)
{
	for (size_t j = 0; j < st->nfields; j++)
		if (strcmp(st->fields[j].name, name) == 0)
			return (int)j;
	return -1;
}

enum status flow_run_answer(struct flow_run *r, const char *field, const char *value,
			    struct err *e)
{
	const struct flow_step *st = flow_run_step(r);
	struct frame *fr = top(r);
	struct buf canon;
	enum status rc;
	int j;

	if (r->done)
		return err_set(e, STATUS_INVALID,
			       "the flow has ended; go back to change an answer");
	j = field ? field_in_step(st, field) : -1;
	if (j < 0)
		return err_set(e, STATUS_NOT_FOUND, "step '%s' does not ask for '%s'", st->id,
			       field ? field : "");
	buf_init(&canon, 4 * NOTES_MAX_CHARS + 64);
	rc = flow_run_check(r, &st->fields[j], value, &canon, e);
	if (rc == STATUS_OK) {
		free(fr->values[j]);
		fr->values[j] = canon.len ? buf_detach(&canon) : NULL;
	}
	buf_release(&canon);
	return rc;
}

enum status flow_run_tick(struct flow_run *r, size_t item, bool seen, struct err *e)
{
	const struct flow_step *st = flow_run_step(r);

	if (r->done)
		return err_set(e, STATUS_INVALID, "the flow has ended; go back to change the ticks");
	if (!st->checklist || item >= st->checklist->noptions)
		return err_set(e, STATUS_NOT_FOUND, "step '%s' has no checklist item %zu", st->id,
			       item + 1);
	top(r)->ticks[item] = seen;
	return STATUS_OK;
}

bool flow_run_ticked(const struct flow_run *r, size_t item)
{
	const struct flow_step *st = flow_run_step(r);
	return st->checklist && item < st->checklist->noptions && top(r)->ticks[item];
}

/* ---- moving ------------------------------------------------------------ */

static enum status check_required(const struct flow_run *r, struct err *e)
{
	const struct flow_step *st = flow_run_step(r);
	const struct frame *fr = top(r);

	for (size_t j = 0; j < st->nfields; j++)
		if (st->fields[j].required && !fr->values[j])
			return err_set(e, STATUS_INVALID, "%s is required; fill it in",
				       st->fields[j].label);
	if (st->checklist && st->checklist->required) {
		bool any = false;
		for (size_t i = 0; i < st->checklist->noptions; i++)
			any |= fr->ticks[i];
		if (!any)
			return err_set(e, STATUS_INVALID, "%s: tick at least one item",
				       st->checklist->label);
	}
	return STATUS_OK;
}

enum status flow_run_choose(struct flow_run *r, size_t index, struct err *e)
{
	const struct flow_step *st = flow_run_step(r);
	const struct flow_choice *c;
	enum status rc;

	if (r->done)
		return err_set(e, STATUS_INVALID, "the flow has ended; go back to choose again");
	if (index >= st->nchoices)
		return err_set(e, STATUS_NOT_FOUND, "step '%s' has no choice %zu", st->id, index + 1);
	rc = check_required(r, e);
	if (rc != STATUS_OK)
		return rc;
	c = &st->choices[index];
	top(r)->choice = (int)index;
	if (c->outcome) {
		r->done = true;
		r->outcome = c->outcome;
		return STATUS_OK;
	}
	return push(r, c->next_index, e);
}

enum status flow_run_next(struct flow_run *r, struct err *e)
{
	const struct flow_step *st = flow_run_step(r);
	enum status rc;

	if (r->done)
		return err_set(e, STATUS_INVALID, "the flow has ended");
	if (st->nchoices) {
		if (top(r)->choice < 0)
			return err_set(e, STATUS_INVALID, "choose one of the answers to go on");
		return flow_run_choose(r, (size_t)top(r)->choice, e);
	}
	rc = check_required(r, e);
	if (rc != STATUS_OK)
		return rc;
	if (st->outcome) {
		r->done = true;
		r->outcome = st->outcome;
		return STATUS_OK;
	}
	for (size_t j = 0; j < st->nnext; j++)
		if (!st->next[j].when ||
		    flow_cond_eval(st->next[j].when, lookup, r, date_today_london()))
			return push(r, st->next[j].go_index, e);
	return err_set(e, STATUS_INVALID,
		       "step '%s' has nowhere to go for these answers; run 'frontdesk flow check'",
		       st->id);
}

enum status flow_run_back(struct flow_run *r, struct err *e)
{
	if (r->done) {
		r->done = false;
		r->outcome = NULL;
		return STATUS_OK;
	}
	if (r->n <= 1)
		return err_set(e, STATUS_NOT_FOUND, "this is the first step; there is no going back");
	frame_release(r->f, top(r));
	r->n--;
	return STATUS_OK;
}

/* ---- text -------------------------------------------------------------- */

static enum status add_value(const struct flow_run *r, const char *name, int flags,
			     struct buf *out)
{
	const struct flow_field *fd = NULL;
	const struct frame *fr = NULL;
	const char *v = find_value(r, name, &fd, &fr);
	enum status rc = STATUS_OK;

	if (fd && fd->personal && (flags & FLOW_JSON_NO_PERSONAL))
		return buf_adds(out, "(withheld)");
	if (fd && fd->type == FLOW_FIELD_CHECKLIST) {
		size_t n = 0;
		for (size_t i = 0; fr && i < fd->noptions && rc == STATUS_OK; i++)
			if (fr->ticks[i])
				rc = buf_printf(out, "%s%s", n++ ? ", " : "", fd->options[i]);
		return n || rc != STATUS_OK ? rc : buf_adds(out, "none");
	}
	return flow_value_display(fd, v, out);
}

enum status flow_run_render(const struct flow_run *r, const char *tmpl, int flags,
			    struct buf *out)
{
	enum status rc = STATUS_OK;
	size_t i = 0, bad;

	if (!tmpl)
		return STATUS_OK;
	if (!flow_template_fields(tmpl, NULL, NULL, &bad))
		return buf_adds(out, tmpl); /* the checker reports it */
	while (tmpl[i] && rc == STATUS_OK) {
		size_t run = i;
		/* copy plain text up to the next brace in one go */
		while (tmpl[run] && tmpl[run] != '{' && tmpl[run] != '}')
			run++;
		if (run > i) {
			rc = buf_add(out, tmpl + i, run - i);
			i = run;
			continue;
		}
		if (tmpl[i + 1] == tmpl[i]) { /* {{ or }} */
			rc = buf_add(out, tmpl + i, 1);
			i += 2;
			continue;
		}
		{
			const char *close = strchr(tmpl + i, '}');
			size_t len = (size_t)(close - tmpl) - i - 1;
			char key[64];
			if (len < sizeof(key)) {
				memcpy(key, tmpl + i + 1, len);
				key[len] = '\0';
				rc = add_value(r, key, flags, out);
			} else {
				rc = buf_adds(out, "(not given)");
			}
			i = (size_t)(close - tmpl) + 1;
		}
	}
	return rc;
}

enum status flow_run_summary(const struct flow_run *r, int flags, struct buf *out)
{
	const struct flow *f = r->f;
	const struct flow_outcome *o = flow_run_outcome(r);
	enum status rc;
	bool any = false;

	rc = buf_printf(out, "Flow: %s (%s, version %ld)\n", f->title ? f->title : "", f->id,
			f->version);
	for (size_t i = 0; i < r->n && rc == STATUS_OK; i++) {
		const struct flow_step *st = step_at(r, i);
		const struct frame *fr = &r->frames[i];
		bool last = i + 1 == r->n;
		if (fr->choice >= 0 && (!last || r->done))
			rc = buf_printf(out, "Chose: %s\n", st->choices[fr->choice].label);
		for (size_t j = 0; j < st->nfields && rc == STATUS_OK; j++) {
			const struct flow_field *fd = &st->fields[j];
			if (!fr->values[j])
				continue;
			if (!any)
				rc = buf_adds(out, "Answers:\n");
			any = true;
			if (rc == STATUS_OK)
				rc = buf_printf(out, "  %s: ", fd->label);
			if (rc == STATUS_OK)
				rc = fd->personal && (flags & FLOW_JSON_NO_PERSONAL)
					     ? buf_adds(out, "(withheld)")
					     : flow_value_display(fd, fr->values[j], out);
			if (rc == STATUS_OK)
				rc = buf_adds(out, "\n");
		}
		if (st->checklist && rc == STATUS_OK) {
			rc = buf_printf(out, "%s:\n", st->checklist->label);
			for (size_t k = 0; k < st->checklist->noptions && rc == STATUS_OK; k++)
				rc = buf_printf(out, "  [%c] %s\n", fr->ticks[k] ? 'x' : ' ',
						st->checklist->options[k]);
		}
	}
	if (rc != STATUS_OK)
		return rc;
	if (!o)
		return buf_adds(out, "Outcome: not reached yet\n");
	rc = buf_printf(out, "Outcome: %s", flow_outcome_name(o->kind));
	if (rc == STATUS_OK && o->team)
		rc = buf_printf(out, " (%s)", o->team);
	if (rc == STATUS_OK)
		rc = buf_adds(out, "\n");
	{
		const char *const labels[] = {"Summary", "Reason", "Where", "Web page"};
		const char *const texts[] = {o->summary, o->reason, o->where, o->url};
		for (size_t i = 0; i < 4 && rc == STATUS_OK; i++) {
			if (!texts[i])
				continue;
			rc = buf_printf(out, "%s: ", labels[i]);
			if (rc == STATUS_OK)
				rc = flow_run_render(r, texts[i], flags, out);
			if (rc == STATUS_OK)
				rc = buf_adds(out, "\n");
		}
	}
	return rc;
}

/* ---- JSON -------------------------------------------------------------- */

static json_t *rendered(const struct flow_run *r, const char *tmpl, int flags)
{
	struct buf b;
	json_t *j;

	if (!tmpl)
		return json_null();
	buf_init(&b, 64 * 1024);
	flow_run_render(r, tmpl, flags, &b);
	j = json_string(buf_str(&b));
	buf_release(&b);
	return j ? j : json_null();
}

struct json_t *flow_run_answers_json(const struct flow_run *r, int flags)
{
	json_t *root = json_object(), *answers = json_object(), *path = json_array(),
	       *choices = json_array();
	const struct flow_outcome *o = flow_run_outcome(r);

	json_object_set_new(root, "flow", json_string(r->f->id));
	json_object_set_new(root, "version", json_integer(r->f->version));
	for (size_t i = 0; i < r->n; i++) {
		const struct flow_step *st = step_at(r, i);
		const struct frame *fr = &r->frames[i];
		json_array_append_new(path, json_string(st->id));
		if (fr->choice >= 0 && (i + 1 < r->n || r->done)) {
			json_t *c = json_object();
			json_object_set_new(c, "step", json_string(st->id));
			json_object_set_new(c, "choice", json_string(st->choices[fr->choice].label));
			json_array_append_new(choices, c);
		}
		for (size_t j = 0; j < st->nfields; j++) {
			const struct flow_field *fd = &st->fields[j];
			json_t *a;
			if (!fr->values[j] || (fd->personal && (flags & FLOW_JSON_NO_PERSONAL)))
				continue;
			a = json_object();
			json_object_set_new(a, "label", json_string(fd->label));
			json_object_set_new(a, "value", json_string(fr->values[j]));
			json_object_set_new(a, "personal", json_boolean(fd->personal));
			json_object_set_new(answers, fd->name, a);
		}
		if (st->checklist &&
		    !(st->checklist->personal && (flags & FLOW_JSON_NO_PERSONAL))) {
			json_t *a = json_object(), *items = json_array();
			for (size_t k = 0; k < st->checklist->noptions; k++)
				if (fr->ticks[k])
					json_array_append_new(items,
							      json_string(st->checklist->options[k]));
			json_object_set_new(a, "label", json_string(st->checklist->label));
			json_object_set_new(a, "value", items);
			json_object_set_new(a, "personal", json_boolean(st->checklist->personal));
			json_object_set_new(answers, st->checklist->name, a);
		}
	}
	json_object_set_new(root, "answers", answers);
	json_object_set_new(root, "choices", choices);
	json_object_set_new(root, "path", path);
	if (o) {
		json_t *jo = json_object();
		json_object_set_new(jo, "kind", json_string(flow_outcome_name(o->kind)));
		json_object_set_new(jo, "summary", rendered(r, o->summary, flags));
		json_object_set_new(jo, "team", o->team ? json_string(o->team) : json_null());
		json_object_set_new(jo, "reason", rendered(r, o->reason, flags));
		json_object_set_new(jo, "where", rendered(r, o->where, flags));
		json_object_set_new(jo, "url", o->url ? json_string(o->url) : json_null());
		json_object_set_new(root, "outcome", jo);
	} else {
		json_object_set_new(root, "outcome", json_null());
	}
	return root;
}

struct json_t *flow_run_save(const struct flow_run *r)
{
	json_t *root = json_object(), *moves = json_array();

	json_object_set_new(root, "flow", json_string(r->f->id));
	json_object_set_new(root, "version", json_integer(r->f->version));
	for (size_t i = 0; i < r->n; i++) {
		const struct flow_step *st = step_at(r, i);
		const struct frame *fr = &r->frames[i];
		json_t *m = json_object(), *answers = json_object(), *ticks = json_array();
		json_object_set_new(m, "step", json_string(st->id));
		for (size_t j = 0; j < st->nfields; j++)
			if (fr->values[j])
				json_object_set_new(answers, st->fields[j].name,
						    json_string(fr->values[j]));
		for (size_t k = 0; st->checklist && k < st->checklist->noptions; k++)
			if (fr->ticks[k])
				json_array_append_new(ticks, json_integer((json_int_t)k));
		json_object_set_new(m, "answers", answers);
		json_object_set_new(m, "ticks", ticks);
		json_object_set_new(m, "choice",
				    fr->choice >= 0 ? json_integer(fr->choice) : json_null());
		json_array_append_new(moves, m);
	}
	json_object_set_new(root, "moves", moves);
	json_object_set_new(root, "done", json_boolean(r->done));
	return root;
}

static enum status replay_fail(struct err *e, const char *step, const char *why)
{
	char msg[ERR_MSG_MAX];
	snprintf(msg, sizeof(msg), "%s", why);
	return err_set(e, STATUS_INVALID,
		       "the parked flow no longer replays at step '%s' (%s); start it again", step,
		       msg);
}

enum status flow_run_restore(const struct flow *f, const struct json_t *saved,
			     struct flow_run **out, struct err *e)
{
	const json_t *id, *ver, *moves, *done;
	struct flow_run *r = NULL;
	struct err sub;
	enum status rc;
	size_t nmoves;

	*out = NULL;
	id = json_object_get(saved, "flow");
	ver = json_object_get(saved, "version");
	moves = json_object_get(saved, "moves");
	done = json_object_get(saved, "done");
	if (!json_is_string(id) || !json_is_integer(ver) || !json_is_array(moves) ||
	    json_array_size(moves) == 0 || json_array_size(moves) > FLOW_HISTORY_MAX)
		return err_set(e, STATUS_INVALID, "the parked flow is damaged; start it again");
	if (!f->id || strcmp(json_string_value(id), f->id) != 0)
		return err_set(e, STATUS_INVALID, "the parked flow is '%s', not '%s'",
			       json_string_value(id), f->id ? f->id : "?");
	if (json_integer_value(ver) != f->version)
		return err_set(e, STATUS_INVALID,
			       "flow '%s' was parked at version %lld but version %ld is loaded now; "
			       "start it again with the customer",
			       f->id, (long long)json_integer_value(ver), f->version);
	rc = flow_run_new(f, &r, e);
	if (rc != STATUS_OK)
		return rc;
	nmoves = json_array_size(moves);
	for (size_t i = 0; i < nmoves; i++) {
		const json_t *m = json_array_get(moves, i), *step, *answers, *ticks, *choice;
		const char *key;
		const json_t *val;
		const struct flow_step *st = flow_run_step(r);
		bool last = i + 1 == nmoves;

		step = json_object_get(m, "step");
		answers = json_object_get(m, "answers");
		ticks = json_object_get(m, "ticks");
		choice = json_object_get(m, "choice");
		if (!json_is_string(step) || strcmp(json_string_value(step), st->id) != 0) {
			rc = replay_fail(e, st->id, "the steps have changed");
			goto fail;
		}
		json_object_foreach((json_t *)answers, key, val)
		{
			err_clear(&sub);
			if (!json_is_string(val) ||
			    flow_run_answer(r, key, json_string_value(val), &sub) != STATUS_OK) {
				rc = replay_fail(e, st->id, sub.msg[0] ? sub.msg : "a bad answer");
				goto fail;
			}
		}
		for (size_t k = 0; json_is_array(ticks) && k < json_array_size(ticks); k++) {
			const json_t *t = json_array_get(ticks, k);
			if (!json_is_integer(t) || json_integer_value(t) < 0 ||
			    flow_run_tick(r, (size_t)json_integer_value(t), true, NULL) != STATUS_OK) {
				rc = replay_fail(e, st->id, "a checklist item has gone");
				goto fail;
			}
		}
		if (json_is_integer(choice)) {
			json_int_t c = json_integer_value(choice);
			if (c < 0 || (size_t)c >= st->nchoices) {
				rc = replay_fail(e, st->id, "a choice has gone");
				goto fail;
			}
			top(r)->choice = (int)c;
		}
		if (last && !json_is_true(done))
			break;
		err_clear(&sub);
		if (flow_run_next(r, &sub) != STATUS_OK) {
			rc = replay_fail(e, st->id, sub.msg);
			goto fail;
		}
		if (last != r->done) {
			rc = replay_fail(e, st->id, "the way on has changed");
			goto fail;
		}
	}
	*out = r;
	return STATUS_OK;
fail:
	flow_run_free(r);
	return rc;
}
