/*
 * The shared widgets: text painting (fitted by display width), title bars,
 * the needs banner, the text field, the list and the form every screen
 * builds its inputs from. Meaning never rests on colour alone: selection is
 * reversed and marked with '>', warnings are bold and worded.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

static attr_t paint_attr(struct tui *t, enum paint p)
{
	switch (p) {
	case PAINT_TITLE:
		return A_REVERSE | A_BOLD;
	case PAINT_HEADER:
		return A_UNDERLINE;
	case PAINT_NEEDS:
		return A_REVERSE | A_BOLD;
	case PAINT_WARN:
		return A_BOLD | (t->colour ? COLOR_PAIR(1) : 0);
	case PAINT_NOTICE:
		return A_BOLD | (t->colour ? COLOR_PAIR(2) : 0);
	case PAINT_SELECTED:
		return A_REVERSE;
	case PAINT_DIM:
		return t->colour ? COLOR_PAIR(3) : A_NORMAL;
	case PAINT_FIELD:
		return A_UNDERLINE;
	case PAINT_PLAIN:
	default:
		return A_NORMAL;
	}
}

void draw_text(struct tui *t, int y, int x, int width, const char *text, enum paint p)
{
	struct buf b;

	if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + width > COLS)
		width = COLS - x;
	buf_init(&b, 0); /* as wide as the screen: no cap of its own */
	tui_text_pad(&b, text ? text : "", (size_t)width);
	attrset(paint_attr(t, p));
	/* The last cell of the screen cannot be written without scrolling. */
	mvaddnstr(y, x, buf_str(&b), (int)b.len);
	attrset(A_NORMAL);
	buf_release(&b);
}

void draw_textf(struct tui *t, int y, int x, int width, enum paint p, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	draw_text(t, y, x, width, text, p);
}

void draw_title(struct tui *t, int y, const char *left, const char *right)
{
	size_t rw = right ? tui_text_width(right) : 0;

	draw_text(t, y, 0, COLS, left, PAINT_TITLE);
	if (rw && (int)rw + 2 < COLS)
		draw_text(t, y, COLS - (int)rw - 1, (int)rw + 1, right, PAINT_TITLE);
}

int draw_paragraph(struct tui *t, int y, int x, int width, int rows, const char *text,
		   enum paint p)
{
	const char *s = text;
	int used = 0;

	while (s && *s && used < rows) {
		size_t n = tui_text_fit(s, (size_t)width, NULL), nl = strcspn(s, "\n");
		char line[1024];

		if (nl < n)
			n = nl;
		else if (s[n] && s[n] != ' ' && s[n] != '\n') {
			size_t k = n;

			while (k > 0 && s[k] != ' ')
				k--;
			if (k > 0)
				n = k;
		}
		if (n == 0 && s[0] != '\n') /* one character wider than the room */
			n = tui_text_fit(s, 2, NULL) ? tui_text_fit(s, 2, NULL) : 1;
		if (used + 1 == rows && s[n] && s[n + strspn(s + n, " \n")])
			snprintf(line, sizeof line, "%.*s...", (int)(n < sizeof line - 4 ? n : 0), s);
		else
			snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1),
				 s);
		draw_text(t, y + used, x, width, line, p);
		used++;
		s += n;
		s += strspn(s, " ");
		if (*s == '\n')
			s++;
	}
	return used;
}

int draw_case_banner(struct tui *t, int y, const struct contact_result *r, long standard_days,
		     const char *team)
{
	char row[256], due[64], spaced[64];
	struct date d;
	size_t n = 0;
	int y0 = y;

	/* Spelt out too ("W B 2 - 0 0 4 1 7"): read aloud, letters blur. */
	for (const char *p = r->case_ref; *p && n + 3 < sizeof spaced; p++) {
		spaced[n++] = *p;
		spaced[n++] = ' ';
	}
	spaced[n ? n - 1 : 0] = '\0';
	draw_text(t, y++, 2, COLS - 4, "Referral raised. Read this reference to the customer:",
		  PAINT_WARN);
	for (int i = 0; i < TUI_BIG_ROWS; i++) {
		tui_big_text(r->case_ref, i, row, sizeof row);
		draw_text(t, y++, 4, COLS - 6, row, PAINT_PLAIN);
	}
	draw_textf(t, y++, 2, COLS - 4, PAINT_TITLE, " Reference %s   (%s) ", r->case_ref, spaced);
	due[0] = '\0';
	if (date_parse(r->due, &d, "due", NULL) == STATUS_OK)
		tui_date_long(d, due, sizeof due);
	draw_textf(t, y++, 2, COLS - 4, PAINT_PLAIN, "Due by %s (%ld working days)   Team: %s",
		   due[0] ? due : r->due, standard_days, team);
	return y - y0;
}

int draw_needs(struct tui *t, int y, const char *name, const char *needs)
{
	struct needs_known known;
	char *words, *line;
	int rows;

	store_needs_known(t->store, &known);
	words = needs_text(needs, &known);
	if (!words) {
		draw_textf(t, y, 0, COLS, PAINT_DIM, " No needs recorded for %s", name ? name : "");
		return 1;
	}
	/* Wrapped, never cut: sight or mobility last in the list must show. */
	line = xasprintf(" !! NEEDS: %s  (%s)", words, name ? name : "");
	rows = draw_paragraph(t, y, 0, COLS, TUI_NEEDS_ROWS_MAX, line, PAINT_NEEDS);
	free(line);
	free(words);
	return rows > 0 ? rows : 1;
}

void draw_field(struct tui *t, int y, int x, int width, const struct tui_field *f,
		size_t *first, bool focused)
{
	size_t col, start = *first;

	if (width <= 0)
		return;
	tui_field_view(f, (size_t)width, &start, &col);
	*first = start;
	if (f->secret) {
		char dots[TUI_FIELD_MAX];
		size_t n = utf8_length(f->text + start), i;

		for (i = 0; i < n && i < (size_t)width && i + 1 < sizeof dots; i++)
			dots[i] = '*';
		dots[i] = '\0';
		draw_text(t, y, x, width, dots, PAINT_FIELD);
	} else {
		draw_text(t, y, x, width, f->text + start, PAINT_FIELD);
	}
	if (focused)
		tui_cursor(t, y, x + (int)col);
}

void draw_list(struct tui *t, struct tui_list *l, int y, int x, int width, int height,
	       char *(*row_text)(void *ctx, int index, int width), void *ctx, bool focused,
	       const char *empty)
{
	l->height = height;
	tui_list_fix(l);
	if (l->count == 0) {
		draw_text(t, y, x, width, empty, PAINT_DIM);
		return;
	}
	for (int i = 0; i < height && l->top + i < l->count; i++) {
		int idx = l->top + i;
		bool sel = idx == l->selected;
		char *text = row_text(ctx, idx, width - 2);

		draw_text(t, y + i, x, 2, sel && focused ? "> " : "  ",
			  sel && focused ? PAINT_SELECTED : PAINT_PLAIN);
		draw_text(t, y + i, x + 2, width - 2, text,
			  sel && focused ? PAINT_SELECTED : PAINT_PLAIN);
		free(text);
		if (sel && focused)
			tui_cursor(t, y + i, x);
	}
	if (l->top > 0)
		draw_text(t, y, x + width - 9, 9, " more ^ ", PAINT_DIM);
	if (l->top + height < l->count)
		draw_textf(t, y + height - 1, x + width - 14, 14, PAINT_DIM, " %d more v ",
			   l->count - l->top - height);
}

/* ---- the form ----------------------------------------------------------------- */

void form_init(struct form *f, struct form_field *fields, int n)
{
	memset(f, 0, sizeof *f);
	f->fields = fields;
	f->nfields = n;
	f->label_width = 18;
	for (int i = 0; i < n; i++) {
		if (fields[i].kind != FORM_TEXT && fields[i].chosen == 0 && !fields[i].nchoices)
			fields[i].chosen = -1;
		if (fields[i].text.max_chars == 0)
			fields[i].text.max_chars = NOTES_MAX_CHARS;
	}
	while (f->focus < n && fields[f->focus].hidden)
		f->focus++;
}

void form_release(struct form *f)
{
	for (int i = 0; i < f->nfields; i++) {
		struct form_field *ff = &f->fields[i];

		for (int c = 0; c < ff->nchoices; c++) {
			free(ff->choices[c].code);
			free(ff->choices[c].name);
		}
		free(ff->choices);
		free(ff->matches);
		ff->choices = NULL;
		ff->matches = NULL;
		ff->nchoices = ff->nmatches = 0;
	}
}

void form_choice_add(struct form_field *ff, const char *code, const char *name)
{
	ff->choices = xrealloc(ff->choices, sizeof *ff->choices * (size_t)(ff->nchoices + 1));
	ff->choices[ff->nchoices].code = xstrdup(code);
	ff->choices[ff->nchoices].name = xstrdup(name ? name : code);
	ff->nchoices++;
}

const char *form_choice_code(const struct form_field *ff)
{
	if (ff->chosen < 0 || ff->chosen >= ff->nchoices)
		return NULL;
	return ff->choices[ff->chosen].code;
}

void form_choose(struct form_field *ff, const char *code)
{
	ff->chosen = -1;
	for (int i = 0; code && i < ff->nchoices; i++)
		if (strcmp(ff->choices[i].code, code) == 0)
			ff->chosen = i;
	if (ff->kind == FORM_PICK && ff->chosen >= 0) {
		tui_field_set(&ff->text, ff->choices[ff->chosen].name);
		form_pick_update(ff);
	}
}

bool form_changed(const struct form *f)
{
	if (f->changed)
		return true;
	for (int i = 0; i < f->nfields; i++)
		if (f->fields[i].text.changed)
			return true;
	return false;
}

void form_focus_next(struct form *f, int dir)
{
	int i = f->focus;

	for (int n = 0; n < f->nfields; n++) {
		i += dir;
		if (i < 0 || i >= f->nfields)
			return;
		if (!f->fields[i].hidden) {
			f->focus = i;
			return;
		}
	}
}

void form_pick_update(struct form_field *ff)
{
	int *score;

	free(ff->matches);
	ff->matches = xcalloc((size_t)ff->nchoices + 1, sizeof *ff->matches);
	score = xcalloc((size_t)ff->nchoices + 1, sizeof *score);
	ff->nmatches = 0;
	for (int i = 0; i < ff->nchoices; i++) {
		int sc = tui_match_score(ff->text.text, ff->choices[i].name, ff->choices[i].code);
		int at;

		if (sc < 0)
			continue;
		/* Insertion by score keeps equal scores in list order. */
		for (at = ff->nmatches; at > 0 && score[at - 1] > sc; at--) {
			ff->matches[at] = ff->matches[at - 1];
			score[at] = score[at - 1];
		}
		ff->matches[at] = i;
		score[at] = sc;
		ff->nmatches++;
	}
	free(score);
	ff->match_list.count = ff->nmatches;
	ff->match_list.selected = 0;
	ff->match_list.top = 0;
}

/* Choice keys: Left/Right/Space cycle, 1-9 pick, a letter jumps. */
static bool choice_key(struct form *f, struct form_field *ff, const struct tui_key *k)
{
	int n = ff->nchoices;

	if (n == 0)
		return false;
	if (k->kind == TUI_KEY_RIGHT || (k->kind == TUI_KEY_CHAR && k->wc == L' ')) {
		ff->chosen = (ff->chosen + 1) % n;
	} else if (k->kind == TUI_KEY_LEFT) {
		ff->chosen = ff->chosen <= 0 ? n - 1 : ff->chosen - 1;
	} else if (k->kind == TUI_KEY_CHAR && k->wc >= L'1' && k->wc <= L'9') {
		if (k->wc - L'1' >= n)
			return true;
		ff->chosen = (int)(k->wc - L'1');
	} else if (k->kind == TUI_KEY_CHAR && k->wc < 128) {
		char c = (char)k->wc;

		for (int step = 1; step <= n; step++) {
			int i = ((ff->chosen < 0 ? -1 : ff->chosen) + step) % n;

			if ((ff->choices[i].name[0] | 0x20) == (c | 0x20)) {
				ff->chosen = i;
				break;
			}
		}
	} else {
		return false;
	}
	ff->error[0] = '\0';
	f->changed = true;
	return true;
}

static bool pick_key(struct form_field *ff, const struct tui_key *k)
{
	if (k->kind == TUI_KEY_UP || k->kind == TUI_KEY_DOWN || k->kind == TUI_KEY_PGUP ||
	    k->kind == TUI_KEY_PGDN) {
		if (ff->nmatches == 0)
			return false;
		tui_list_key(&ff->match_list, k);
		return true;
	}
	if (k->kind == TUI_KEY_ENTER) {
		if (ff->nmatches == 0)
			return false;
		ff->chosen = ff->matches[ff->match_list.selected];
		tui_field_set(&ff->text, ff->choices[ff->chosen].name);
		ff->text.changed = true;
		form_pick_update(ff);
		ff->error[0] = '\0';
		return false; /* Enter then moves on */
	}
	if (tui_field_key(&ff->text, k)) {
		ff->chosen = -1;
		ff->error[0] = '\0';
		form_pick_update(ff);
		return true;
	}
	return false;
}

bool form_key(struct form *f, const struct tui_key *k)
{
	struct form_field *ff = &f->fields[f->focus];
	int before = f->focus;

	switch (ff->kind) {
	case FORM_TEXT:
		if (tui_field_key(&ff->text, k)) {
			ff->error[0] = '\0';
			return true;
		}
		break;
	case FORM_CHOICE:
		if (choice_key(f, ff, k))
			return true;
		break;
	case FORM_PICK:
		if (pick_key(ff, k))
			return true;
		break;
	}
	switch (k->kind) {
	case TUI_KEY_TAB:
	case TUI_KEY_DOWN:
		form_focus_next(f, 1);
		return true;
	case TUI_KEY_ENTER:
		form_focus_next(f, 1);
		return f->focus != before;
	case TUI_KEY_BTAB:
	case TUI_KEY_UP:
		form_focus_next(f, -1);
		return true;
	default:
		return false;
	}
}

static char *choice_row(void *ctx, int index, int width)
{
	struct form_field *ff = ctx;

	(void)width;
	return xstrdup(ff->choices[ff->matches[index]].name);
}

int form_draw(struct tui *t, struct form *f, int y, int max_y)
{
	int lw = f->label_width, fw = COLS - lw - 4;

	for (int i = 0; i < f->nfields && y <= max_y; i++) {
		struct form_field *ff = &f->fields[i];
		bool focused = i == f->focus;
		char label[128];

		if (ff->hidden)
			continue;
		snprintf(label, sizeof label, "%s%s%s", focused ? ">" : " ", ff->label,
			 ff->required ? "*" : "");
		draw_text(t, y, 0, lw, label, focused ? PAINT_SELECTED : PAINT_PLAIN);
		if (ff->kind == FORM_CHOICE) {
			char text[512];
			const char *name = ff->chosen >= 0 ? ff->choices[ff->chosen].name : "(choose)";

			snprintf(text, sizeof text, "< %s >", name);
			draw_text(t, y, lw + 1, fw, text, PAINT_FIELD);
			if (focused) {
				tui_cursor(t, y, lw + 3);
				if (ff->hint)
					draw_text(t, y + 1, lw + 1, fw, ff->hint, PAINT_DIM);
				else
					draw_textf(t, y + 1, lw + 1, fw, PAINT_DIM,
						   "Left/Right or Space to change, 1-%d to pick",
						   ff->nchoices < 9 ? ff->nchoices : 9);
				y++;
			}
		} else {
			draw_field(t, y, lw + 1, fw, &ff->text, &ff->first, focused);
			if (ff->kind == FORM_PICK && ff->chosen >= 0)
				draw_text(t, y, COLS - 3, 3, " ok", PAINT_PLAIN);
			if (focused && ff->hint) {
				draw_text(t, y + 1, lw + 1, fw, ff->hint, PAINT_DIM);
				y++;
			}
		}
		if (ff->error[0]) {
			draw_textf(t, ++y, lw + 1, fw, PAINT_WARN, "Problem: %s", ff->error);
		}
		y++;
		if (ff->kind == FORM_PICK && focused && ff->chosen < 0 && ff->text.len) {
			int h = max_y - y + 1, cy = t->cur_y, cx = t->cur_x;

			if (h > 8)
				h = 8;
			if (h < 1)
				continue;
			draw_list(t, &ff->match_list, y, lw + 1, fw, h, choice_row, ff, true,
				  "No service matches; try fewer letters or another word.");
			/* The list does not take the cursor: typing goes on. */
			tui_cursor(t, cy, cx);
			y += ff->nmatches < h ? (ff->nmatches ? ff->nmatches : 1) : h;
		}
	}
	return y;
}
