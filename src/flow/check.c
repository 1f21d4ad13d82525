/*
 * check.c — what the loader cannot see from one key at a time: the graph of
 * steps (targets, reachability, outcomes, loops), which answers exist at
 * each step (a forward "asked on every path" analysis), the types used in
 * conditions, and service and team codes.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "frontdesk/flow.h"
#include "flow_int.h"

struct ck {
	const struct flow *f;
	struct err_list *errs;
	size_t count;
	/* distinct field names, and the first field with each name */
	const struct flow_field **fields;
	size_t nfields;
	size_t words; /* uint64 words per bitset */
	uint64_t *in, *out; /* per step */
	bool *reached;
	/* leaf checking context */
	const struct flow_step *step;
	const uint64_t *known;
	struct flow_pos base;
	const char *what;
};

static void problem(struct ck *ck, struct flow_pos p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct ck *ck, struct flow_pos p, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_list_addf(ck->errs, STATUS_INVALID, ck->f->file, p.line, p.col, "%s", msg);
	ck->count++;
}

static const char *const *step_names(const struct flow *f)
{
	const char **names = xcalloc(f->nsteps + 1, sizeof(*names));
	for (size_t i = 0; i < f->nsteps; i++)
		names[i] = f->steps[i].id;
	return names;
}

static void missing_target(struct ck *ck, const char *from, const char *to, struct flow_pos p)
{
	const char *const *names = step_names(ck->f);
	const char *guess = text_suggest(to, names, ck->f->nsteps);

	if (guess)
		problem(ck, p, "step '%s' goes to '%s', which does not exist; did you mean '%s'?",
			from, to, guess);
	else
		problem(ck, p, "step '%s' goes to '%s', which does not exist", from, to);
	free((void *)names);
}

/* Calls fn(ctx, target index) for each step st can go to. */
static void for_targets(const struct flow_step *st, void (*fn)(void *, int), void *ctx)
{
	for (size_t j = 0; j < st->nchoices; j++)
		if (st->choices[j].next_index >= 0)
			fn(ctx, st->choices[j].next_index);
	for (size_t j = 0; j < st->nnext; j++)
		if (st->next[j].go_index >= 0)
			fn(ctx, st->next[j].go_index);
}

static bool step_ends(const struct flow_step *st)
{
	if (st->outcome)
		return true;
	for (size_t j = 0; j < st->nchoices; j++)
		if (st->choices[j].outcome)
			return true;
	return false;
}

static bool has_exit(const struct flow_step *st)
{
	return st->outcome || st->nchoices || st->nnext;
}

/* ---- reachability ------------------------------------------------------ */

struct walk {
	int *queue;
	size_t qlen;
	bool *seen;
};

static void walk_visit(void *ctx, int to)
{
	struct walk *w = ctx;
	if (!w->seen[to]) {
		w->seen[to] = true;
		w->queue[w->qlen++] = to;
	}
}

/* Marks in seen every step reachable from `from` (from itself only if a
 * path leads back to it when self_only_by_path). */
static void reach_from(const struct flow *f, int from, bool *seen, bool include_from)
{
	struct walk w;
	size_t head = 0;

	w.queue = xcalloc(f->nsteps + 1, sizeof(int));
	w.qlen = 0;
	w.seen = seen;
	if (include_from) {
		seen[from] = true;
		w.queue[w.qlen++] = from;
	} else {
		for_targets(&f->steps[from], walk_visit, &w);
	}
	while (head < w.qlen)
		for_targets(&f->steps[w.queue[head++]], walk_visit, &w);
	free(w.queue);
}

struct endctx {
	const bool *ends;
	bool hit;
};

static void end_visit(void *ctx, int to)
{
	struct endctx *e = ctx;
	if (e->ends[to])
		e->hit = true;
}

static void check_graph(struct ck *ck)
{
	const struct flow *f = ck->f;
	size_t n = f->nsteps;
	bool *ends = xcalloc(n + 1, sizeof(bool));
	bool *done = xcalloc(n + 1, sizeof(bool));
	bool *scc = xcalloc(n + 1, sizeof(bool));
	bool changed = true;

	ck->reached = xcalloc(n + 1, sizeof(bool));
	if (f->start && f->start_index < 0 && n > 0) {
		const char *const *names = step_names(f);
		const char *guess = text_suggest(f->start, names, n);
		if (guess)
			problem(ck, f->start_pos,
				"start step '%s' does not exist; did you mean '%s'?", f->start, guess);
		else
			problem(ck, f->start_pos, "start step '%s' does not exist; name one of the steps",
				f->start);
		free((void *)names);
	}
	for (size_t i = 0; i < n; i++) {
		const struct flow_step *st = &f->steps[i];
		for (size_t j = 0; j < st->nchoices; j++)
			if (st->choices[j].next && st->choices[j].next_index < 0)
				missing_target(ck, st->id, st->choices[j].next, st->choices[j].next_pos);
		for (size_t j = 0; j < st->nnext; j++)
			if (st->next[j].go && st->next[j].go_index < 0)
				missing_target(ck, st->id, st->next[j].go, st->next[j].go_pos);
		if (!has_exit(st))
			problem(ck, st->pos,
				"step '%s' ends without an outcome; add 'next', 'choices' or an "
				"'outcome'",
				st->id);
	}
	if (f->start_index >= 0)
		reach_from(f, f->start_index, ck->reached, true);
	for (size_t i = 0; i < n; i++)
		if (f->start_index >= 0 && !ck->reached[i])
			problem(ck, f->steps[i].pos,
				"step '%s' is never reached: no path from the start step '%s' leads "
				"to it",
				f->steps[i].id, f->start);
	/* which steps can still end with an outcome */
	for (size_t i = 0; i < n; i++)
		ends[i] = step_ends(&f->steps[i]);
	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			struct endctx e = {ends, false};
			if (ends[i])
				continue;
			for_targets(&f->steps[i], end_visit, &e);
			if (e.hit) {
				ends[i] = changed = true;
			}
		}
	}
	/* loops with no way out: strongly connected groups of reached steps that
	 * never get to an outcome */
	for (size_t i = 0; i < n; i++) {
		bool *from_i;
		size_t members = 0;
		char list[300];
		size_t off = 0;

		if (!ck->reached[i] || ends[i] || done[i] || !has_exit(&f->steps[i]))
			continue;
		from_i = xcalloc(n + 1, sizeof(bool));
		reach_from(f, (int)i, from_i, false);
		memset(scc, 0, (n + 1) * sizeof(bool));
		for (size_t j = 0; j < n; j++) {
			bool *from_j;
			if (!from_i[j])
				continue;
			from_j = xcalloc(n + 1, sizeof(bool));
			reach_from(f, (int)j, from_j, false);
			if (from_j[i]) {
				scc[j] = true;
				done[j] = true;
			}
			free(from_j);
		}
		free(from_i);
		list[0] = '\0';
		for (size_t j = 0; j < n; j++) {
			int w;
			if (!scc[j])
				continue;
			members++;
			if (off < sizeof(list)) {
				w = snprintf(list + off, sizeof(list) - off, "%s'%s'",
					     members > 1 ? ", " : "", f->steps[j].id);
				if (w > 0)
					off += (size_t)w;
			}
		}
		if (members == 1 && scc[i])
			problem(ck, f->steps[i].pos,
				"step '%s' goes back to itself and never reaches an outcome; give it "
				"a way out",
				f->steps[i].id);
		else if (members > 1)
			problem(ck, f->steps[i].pos,
				"steps %s go round in a loop with no way out to an outcome; give one "
				"of them a choice or branch that leaves the loop",
				list);
	}
	free(ends);
	free(done);
	free(scc);
}

/* ---- fields and what is known where ------------------------------------ */

static int field_slot(const struct ck *ck, const char *name)
{
	for (size_t i = 0; i < ck->nfields; i++)
		if (strcmp(ck->fields[i]->name, name) == 0)
			return (int)i;
	return -1;
}

static void add_field(struct ck *ck, const struct flow_step *st, const struct flow_field *fd)
{
	int slot = field_slot(ck, fd->name);

	if (slot >= 0) {
		const struct flow_field *first = ck->fields[slot];
		if (first->type != fd->type)
			problem(ck, fd->pos,
				"field '%s' is a %s here but a %s on line %d; use one type, or two "
				"names",
				fd->name, flow_field_type_name(fd->type),
				flow_field_type_name(first->type), first->pos.line);
		return;
	}
	(void)st;
	ck->fields[ck->nfields++] = fd;
}

static void collect_fields(struct ck *ck)
{
	const struct flow *f = ck->f;
	size_t max = 0;

	for (size_t i = 0; i < f->nsteps; i++)
		max += f->steps[i].nfields + 1;
	ck->fields = xcalloc(max + 1, sizeof(*ck->fields));
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct flow_step *st = &f->steps[i];
		for (size_t j = 0; j < st->nfields; j++) {
			for (size_t k = 0; k < j; k++)
				if (strcmp(st->fields[k].name, st->fields[j].name) == 0)
					problem(ck, st->fields[j].pos,
						"field '%s' is asked twice in step '%s'; remove one",
						st->fields[j].name, st->id);
			add_field(ck, st, &st->fields[j]);
		}
		if (st->checklist)
			add_field(ck, st, st->checklist);
	}
	ck->words = (ck->nfields + 63) / 64;
	if (ck->words == 0)
		ck->words = 1;
}

static void set_bit(uint64_t *b, int i)
{
	b[i / 64] |= (uint64_t)1 << (i % 64);
}

static bool has_bit(const uint64_t *b, int i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

struct flowctx {
	struct ck *ck;
	int from;
	bool changed;
};

static void flow_into(void *ctx, int to)
{
	struct flowctx *fc = ctx;
	struct ck *ck = fc->ck;
	uint64_t *in = ck->in + (size_t)to * ck->words;
	const uint64_t *out = ck->out + (size_t)fc->from * ck->words;

	if (to == ck->f->start_index)
		return; /* the start is entered with nothing known */
	for (size_t w = 0; w < ck->words; w++) {
		uint64_t v = in[w] & out[w];
		if (v != in[w]) {
			in[w] = v;
			fc->changed = true;
		}
	}
}

/* Forward analysis: in[s] = fields asked on every path from the start to s
 * (before s); out[s] = in[s] plus what s asks. */
static void compute_known(struct ck *ck)
{
	const struct flow *f = ck->f;
	size_t n = f->nsteps, w = ck->words;
	bool changed = true;

	ck->in = xcalloc(n * w + 1, sizeof(uint64_t));
	ck->out = xcalloc(n * w + 1, sizeof(uint64_t));
	for (size_t i = 0; i < n; i++)
		if ((int)i != f->start_index)
			memset(ck->in + i * w, 0xff, w * sizeof(uint64_t));
	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			const struct flow_step *st = &f->steps[i];
			uint64_t *out = ck->out + i * w;
			struct flowctx fc = {ck, (int)i, false};
			if (!ck->reached[i])
				continue;
			memcpy(out, ck->in + i * w, w * sizeof(uint64_t));
			for (size_t j = 0; j < st->nfields; j++) {
				int slot = field_slot(ck, st->fields[j].name);
				if (slot >= 0)
					set_bit(out, slot);
			}
			if (st->checklist) {
				int slot = field_slot(ck, st->checklist->name);
				if (slot >= 0)
					set_bit(out, slot);
			}
			for_targets(st, flow_into, &fc);
			if (fc.changed)
				changed = true;
		}
	}
}

static const char *field_guess(const struct ck *ck, const char *name)
{
	const char **names = xcalloc(ck->nfields + 1, sizeof(*names));
	const char *g;

	for (size_t i = 0; i < ck->nfields; i++)
		names[i] = ck->fields[i]->name;
	g = text_suggest(name, names, ck->nfields);
	free(names);
	return g;
}

/* Reports a field used at pos that is unknown, or not known on every path.
 * Returns the field's definition when it exists. */
static const struct flow_field *use_field(struct ck *ck, const char *name, struct flow_pos pos,
					  bool needs_known)
{
	int slot = field_slot(ck, name);

	if (slot < 0) {
		const char *g = field_guess(ck, name);
		if (g)
			problem(ck, pos, "%s uses '%s', which no step asks for; did you mean '%s'?",
				ck->what, name, g);
		else
			problem(ck, pos, "%s uses '%s', which no step asks for", ck->what, name);
		return NULL;
	}
	if (needs_known && !has_bit(ck->known, slot))
		problem(ck, pos,
			"%s uses '%s', which is not asked on every path before step '%s'; ask it "
			"earlier, or test '%s is set' first",
			ck->what, name, ck->step->id, name);
	return ck->fields[slot];
}

/* ---- templates --------------------------------------------------------- */

static void template_field(void *ctx, const char *name, size_t len, size_t off)
{
	struct ck *ck = ctx;
	char buf[64];
	struct flow_pos p = ck->base;

	p.col += (int)off;
	if (len == 0 || len >= sizeof(buf)) {
		problem(ck, p, "%s has '{' and '}' with no field name between them; write {{ for a "
			       "literal brace",
			ck->what);
		return;
	}
	memcpy(buf, name, len);
	buf[len] = '\0';
	use_field(ck, buf, p, true);
}

static void check_template(struct ck *ck, const char *tmpl, struct flow_pos pos,
			   const uint64_t *known, const char *what)
{
	size_t bad = 0;
	char whatbuf[120];

	if (!tmpl)
		return;
	snprintf(whatbuf, sizeof(whatbuf), "%s", what);
	ck->what = whatbuf;
	ck->known = known;
	ck->base = pos;
	if (!flow_template_fields(tmpl, template_field, ck, &bad)) {
		struct flow_pos p = pos;
		p.col += (int)bad;
		problem(ck, p, "%s has an unmatched '%c'; write {field} for an answer, {{ or }} for a "
			       "brace",
			whatbuf, tmpl[bad]);
	}
}

/* ---- conditions -------------------------------------------------------- */

static bool whole(long x100)
{
	return x100 % 100 == 0;
}

static const char *operand_desc(const struct cond_operand *o)
{
	switch (o->kind) {
	case OPND_NUMBER:
		return "a number";
	case OPND_STRING:
		return "text";
	case OPND_YESNO:
		return "yes or no";
	case OPND_TODAY:
	case OPND_DATE:
		return "a date";
	case OPND_FIELD:
		break;
	}
	return "a field";
}

/* What can be compared with a field of type t. */
static const char *fits_hint(enum flow_field_type t)
{
	switch (t) {
	case FLOW_FIELD_NUMBER:
	case FLOW_FIELD_CHECKLIST:
		return "a whole number";
	case FLOW_FIELD_MONEY:
		return "an amount such as 25 or 10.50";
	case FLOW_FIELD_DATE:
		return "a date (YYYY-MM-DD) or 'today'";
	case FLOW_FIELD_YESNO:
		return "yes or no";
	default:
		return "text in quotes";
	}
}

enum tclass { TC_NUM, TC_DATE, TC_BOOL, TC_TEXT };

static enum tclass type_class(enum flow_field_type t)
{
	switch (t) {
	case FLOW_FIELD_NUMBER:
	case FLOW_FIELD_MONEY:
	case FLOW_FIELD_CHECKLIST:
		return TC_NUM;
	case FLOW_FIELD_DATE:
		return TC_DATE;
	case FLOW_FIELD_YESNO:
		return TC_BOOL;
	default:
		return TC_TEXT;
	}
}

static void check_leaf(void *ctx, const struct flow_cond *c)
{
	struct ck *ck = ctx;
	struct flow_pos p = ck->base;
	const struct flow_field *fd, *fd2 = NULL;
	const struct cond_operand *fo, *other;

	p.col += c->l.off;
	switch (c->op) {
	case COND_SET:
		use_field(ck, c->l.text, p, false);
		return;
	case COND_COMPLETE:
		fd = use_field(ck, c->l.text, p, true);
		if (fd && fd->type != FLOW_FIELD_CHECKLIST)
			problem(ck, p, "%s: 'is complete' fits checklists, but '%s' is a %s", ck->what,
				fd->name, flow_field_type_name(fd->type));
		return;
	case COND_TRUTH:
		fd = use_field(ck, c->l.text, p, true);
		if (fd && fd->type == FLOW_FIELD_CHECKLIST)
			problem(ck, p, "%s: '%s' is a checklist; write '%s is complete'", ck->what,
				fd->name, fd->name);
		else if (fd && fd->type != FLOW_FIELD_YESNO)
			problem(ck, p,
				"%s: '%s' is a %s, so it needs a comparison such as '%s = ...' "
				"(only a yes-no field stands on its own)",
				ck->what, fd->name, flow_field_type_name(fd->type), fd->name);
		return;
	case COND_CMP:
		break;
	default:
		return;
	}
	fo = c->l.kind == OPND_FIELD ? &c->l : &c->r;
	other = fo == &c->l ? &c->r : &c->l;
	p = ck->base;
	p.col += fo->off;
	fd = use_field(ck, fo->text, p, true);
	if (other->kind == OPND_FIELD) {
		struct flow_pos p2 = ck->base;
		p2.col += other->off;
		fd2 = use_field(ck, other->text, p2, true);
	}
	if (!fd)
		return;
	if (fd2) {
		if (type_class(fd->type) != type_class(fd2->type))
			problem(ck, p, "%s compares '%s' (a %s) with '%s' (a %s); they cannot be "
				       "compared",
				ck->what, fd->name, flow_field_type_name(fd->type), fd2->name,
				flow_field_type_name(fd2->type));
		return;
	}
	{
		bool ok;
		struct flow_pos po = ck->base;
		po.col += other->off;
		switch (type_class(fd->type)) {
		case TC_NUM:
			ok = other->kind == OPND_NUMBER &&
			     (fd->type == FLOW_FIELD_MONEY || whole(other->x100));
			break;
		case TC_DATE:
			ok = other->kind == OPND_DATE || other->kind == OPND_TODAY;
			break;
		case TC_BOOL:
			ok = other->kind == OPND_YESNO;
			break;
		default:
			ok = other->kind == OPND_STRING;
		}
		if (!ok) {
			problem(ck, po, "%s compares '%s' (a %s) with %s; compare it with %s", ck->what,
				fd->name, flow_field_type_name(fd->type), operand_desc(other),
				fits_hint(fd->type));
			return;
		}
		if ((type_class(fd->type) == TC_BOOL || type_class(fd->type) == TC_TEXT) &&
		    c->cmp != CMP_EQ && c->cmp != CMP_NE)
			problem(ck, p, "%s uses '%s' on '%s' (a %s); only '=' and '!=' fit", ck->what,
				flow_cmp_name(c->cmp), fd->name, flow_field_type_name(fd->type));
		if (fd->type == FLOW_FIELD_CHOICE && other->kind == OPND_STRING) {
			bool found = false;
			for (size_t i = 0; i < fd->noptions; i++)
				if (strcasecmp(fd->options[i], other->text) == 0)
					found = true;
			if (!found) {
				const char *g = text_suggest(other->text,
								  (const char *const *)fd->options,
								  fd->noptions);
				if (g)
					problem(ck, po,
						"%s: '%s' is not one of the options of '%s'; did you "
						"mean '%s'?",
						ck->what, other->text, fd->name, g);
				else
					problem(ck, po, "%s: '%s' is not one of the options of '%s'",
						ck->what, other->text, fd->name);
			}
		}
	}
}

static void check_uses(struct ck *ck)
{
	const struct flow *f = ck->f;
	char what[160];

	for (size_t i = 0; i < f->nsteps; i++) {
		const struct flow_step *st = &f->steps[i];
		const uint64_t *in = ck->in + i * ck->words, *out = ck->out + i * ck->words;

		if (!ck->reached[i])
			continue; /* reported as unreachable; nothing is known there */
		ck->step = st;
		snprintf(what, sizeof(what), "the text of step '%s'", st->id);
		check_template(ck, st->say, st->say_pos, in, what);
		snprintf(what, sizeof(what), "the note of step '%s'", st->id);
		check_template(ck, st->note, st->note_pos, in, what);
		for (size_t j = 0; j < st->nchoices + 1; j++) {
			const struct flow_outcome *o =
				j < st->nchoices ? st->choices[j].outcome : st->outcome;
			if (!o)
				continue;
			snprintf(what, sizeof(what), "the summary in step '%s'", st->id);
			check_template(ck, o->summary, o->summary_pos, out, what);
			snprintf(what, sizeof(what), "the reason in step '%s'", st->id);
			check_template(ck, o->reason, o->reason_pos, out, what);
			snprintf(what, sizeof(what), "'where' in step '%s'", st->id);
			check_template(ck, o->where, o->where_pos, out, what);
		}
		for (size_t j = 0; j < st->nnext; j++) {
			if (!st->next[j].when)
				continue;
			snprintf(what, sizeof(what), "the condition in step '%s'", st->id);
			ck->what = what;
			ck->known = out;
			ck->base = st->next[j].when_pos;
			flow_cond_leaves(st->next[j].when, check_leaf, ck);
		}
		for (size_t j = 0; j < st->nchoices; j++)
			for (size_t k = 0; k < j; k++)
				if (st->choices[j].label && st->choices[k].label &&
				    strcasecmp(st->choices[j].label, st->choices[k].label) == 0)
					problem(ck, st->choices[j].pos,
						"step '%s' has two choices labelled '%s'; make them "
						"different",
						st->id, st->choices[j].label);
	}
}

/* ---- codes ------------------------------------------------------------- */

static void check_codes(struct ck *ck, const struct flow_codes *codes)
{
	const struct flow *f = ck->f;

	if (!codes || !codes->exists)
		return;
	if (f->service && !codes->exists(codes->ctx, FLOW_CODE_SERVICE, f->service))
		problem(ck, f->service_pos,
			"unknown service code '%s'; use a code from data/services.csv", f->service);
	for (size_t i = 0; i < f->nsteps; i++) {
		const struct flow_step *st = &f->steps[i];
		for (size_t j = 0; j < st->nchoices + 1; j++) {
			const struct flow_outcome *o =
				j < st->nchoices ? st->choices[j].outcome : st->outcome;
			if (o && o->team && !codes->exists(codes->ctx, FLOW_CODE_TEAM, o->team))
				problem(ck, o->team_pos,
					"unknown team code '%s' in step '%s'; use a code from "
					"data/teams.csv",
					o->team, st->id);
		}
	}
}

size_t flow_check(const struct flow *f, const struct flow_codes *codes,
		  struct err_list *errs)
{
	struct ck ck;

	if (!f)
		return 0;
	memset(&ck, 0, sizeof(ck));
	ck.f = f;
	ck.errs = errs;
	check_graph(&ck);
	collect_fields(&ck);
	compute_known(&ck);
	check_uses(&ck);
	check_codes(&ck, codes);
	free(ck.fields);
	free(ck.in);
	free(ck.out);
	free(ck.reached);
	return ck.count;
}
