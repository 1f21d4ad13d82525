/*
 * Home: find a customer. The search field has the focus; results follow
 * each key (name, postcode, phone, email, case reference), Up and Down
 * choose, Enter opens. Above it the hot topics for this site and the
 * advisor's own counts for today.
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

#define SEARCH_LIMIT 50
#define TOPICS_MAX 4

struct hit {
	char *id, *name, *dob, *postcode, *phone, *address;
	bool needs; /* needs recorded: the Needs column says "!!" */
};

#define SEARCH_COLUMNS 6
/* Needs last: the columns before it keep the places advisors know. */
static const char *const search_headers[SEARCH_COLUMNS] = { "Name",  "Born",    "Postcode",
							    "Phone", "Address", "Needs" };

/* The row's cells, in search_headers' order. */
static void hit_cells(const struct hit *h, const char *cells[SEARCH_COLUMNS])
{
	cells[0] = h->name;
	cells[1] = h->dob;
	cells[2] = h->postcode;
	cells[3] = h->phone;
	cells[4] = h->address;
	cells[5] = h->needs ? TUI_NEEDS_FLAG : "";
}

struct search {
	struct tui_field query;
	size_t first;
	char last[TUI_FIELD_MAX]; /* the query the results are for */
	bool searched;
	struct hit hits[SEARCH_LIMIT];
	int nhits;
	struct tui_list list;
	char *topics[TOPICS_MAX];
	int ntopics;
	struct advisor_counts counts;
};

static void hits_clear(struct search *st)
{
	for (int i = 0; i < st->nhits; i++) {
		struct hit *h = &st->hits[i];

		free(h->id);
		free(h->name);
		free(h->dob);
		free(h->postcode);
		free(h->phone);
		free(h->address);
	}
	st->nhits = 0;
	st->list.count = 0;
}

static int add_topic(void *ctx, const struct hot_topic_row *row)
{
	struct search *st = ctx;

	if (st->ntopics == TOPICS_MAX)
		return 1;
	st->topics[st->ntopics++] = xstrdup(row->text);
	return 0;
}

static void load_desk_facts(struct screen *sc)
{
	struct search *st = sc->state;
	struct tui *t = sc->t;

	for (int i = 0; i < st->ntopics; i++)
		free(st->topics[i]);
	st->ntopics = 0;
	store_hot_topics(t->store, t->desk.site[0] ? t->desk.site : NULL, add_topic, st, NULL);
	store_advisor_counts_today(t->store, t->who.login, &st->counts, NULL);
}

static void search_open(struct screen *sc, const void *arg)
{
	struct search *st = xcalloc(1, sizeof *st);

	(void)arg;
	st->query.max_chars = 200;
	sc->state = st;
	load_desk_facts(sc);
}

static void search_close(struct screen *sc)
{
	struct search *st = sc->state;

	hits_clear(st);
	for (int i = 0; i < st->ntopics; i++)
		free(st->topics[i]);
	free(st);
}

static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

static int add_hit(void *ctx, const struct search_hit *h)
{
	struct search *st = ctx;
	struct hit *out;
	char national[32] = "";

	if (st->nhits == SEARCH_LIMIT)
		return 1;
	out = &st->hits[st->nhits++];
	out->id = xstrdup(h->id);
	out->name = dup_or_empty(h->name);
	/* The needs marker is text, not a colour: "!!" as on the banner. */
	out->needs = h->needs && *h->needs;
	out->dob = dup_or_empty(h->dob);
	out->postcode = dup_or_empty(h->postcode);
	if (h->phone && strncmp(h->phone, "+44", 3) == 0)
		phone_national(h->phone, national, sizeof national);
	out->phone = xstrdup(national[0] ? national : (h->phone ? h->phone : ""));
	out->address = dup_or_empty(h->address);
	return 0;
}

/* True if text ends with a word of one letter ("jones m", "o'b"). */
static bool ends_with_one_letter(const char *text)
{
	size_t n = strlen(text), start = n;
	const unsigned char *u = (const unsigned char *)text;

	if (n == 0)
		return false;
	/* Step back over the last character (UTF-8). */
	start--;
	while (start > 0 && (u[start] & 0xc0) == 0x80)
		start--;
	if (u[start] < 0x80 && !((u[start] >= 'a' && u[start] <= 'z') ||
				 (u[start] >= 'A' && u[start] <= 'Z')))
		return false;
	if (start == 0)
		return true;
	return u[start - 1] < 0x80 && !((u[start - 1] >= 'a' && u[start - 1] <= 'z') ||
					 (u[start - 1] >= 'A' && u[start - 1] <= 'Z') ||
					 (u[start - 1] >= '0' && u[start - 1] <= '9'));
}

/* True for the start of a phone number too short to mean one (under five
 * digits and nothing but digits and phone punctuation). */
static bool short_number(const char *text)
{
	int digits = 0;

	for (const char *p = text; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (!strchr(" +-()", *p))
			return false;
	}
	return digits < 5;
}

/* Runs the search when the text changed since the last one. */
static void search_run(struct screen *sc)
{
	struct search *st = sc->state;
	struct err e;

	if (st->searched && strcmp(st->last, st->query.text) == 0)
		return;
	/* A word of one letter matches a good part of the county; keep the
	 * results shown until its second letter (digits search at once). */
	if (ends_with_one_letter(st->query.text))
		return;
	hits_clear(st);
	snprintf(st->last, sizeof st->last, "%s", st->query.text);
	st->searched = true;
	st->list.selected = st->list.top = 0;
	/* One letter matches half the county: wait for two. */
	if (utf8_length(st->query.text) < 2 || short_number(st->query.text))
		return;
	err_clear(&e);
	if (store_customer_search(sc->t->store, st->query.text, SEARCH_LIMIT, add_hit, st, NULL,
				  &e) != STATUS_OK &&
	    e.code != STATUS_DENIED) /* the offline limit: the screen says it */
		tui_error_err(sc->t, &e);
	st->list.count = st->nhits;
}

struct row_ctx {
	struct search *st;
	size_t widths[SEARCH_COLUMNS];
};

static char *hit_row(void *ctx, int index, int width)
{
	struct row_ctx *rc = ctx;
	const char *cells[SEARCH_COLUMNS];

	(void)width;
	hit_cells(&rc->st->hits[index], cells);
	return tui_row_format(cells, rc->widths, SEARCH_COLUMNS, 2);
}

static void column_widths(struct search *st, size_t total, size_t *widths)
{
	static const size_t min[SEARCH_COLUMNS] = { 14, 10, 8, 11, 8, 5 };
	size_t want[SEARCH_COLUMNS];

	for (int c = 0; c < SEARCH_COLUMNS; c++)
		want[c] = tui_text_width(search_headers[c]);
	for (int i = 0; i < st->nhits; i++) {
		const char *cells[SEARCH_COLUMNS];

		hit_cells(&st->hits[i], cells);
		for (int c = 0; c < SEARCH_COLUMNS; c++) {
			size_t w = tui_text_width(cells[c]);

			if (w > want[c])
				want[c] = w;
		}
	}
	tui_column_widths(want, min, SEARCH_COLUMNS, total, 2, widths);
}

static void search_draw(struct screen *sc)
{
	struct search *st = sc->state;
	struct tui *t = sc->t;
	struct row_ctx rc = { st, { 0 } };
	char right[160], *head;
	int y = 1, list_y, cy, cx;

	search_run(sc);
	snprintf(right, sizeof right, "Today: %ld contacts, %ld resolved, %ld referred",
		 st->counts.contacts, st->counts.resolved, st->counts.referred);
	draw_title(t, 0, " Find a customer", right);
	for (int i = 0; i < st->ntopics && i < 2; i++)
		draw_textf(t, y++, 0, COLS, PAINT_NOTICE, " NOTICE: %s%s", st->topics[i],
			   i == 1 && st->ntopics > 2 ? "  (and more)" : "");
	y++;
	draw_text(t, y, 1, 8, "Search:", PAINT_PLAIN);
	draw_field(t, y, 9, COLS - 10, &st->query, &st->first, true);
	cy = t->cur_y;
	cx = t->cur_x;
	y++;
	draw_text(t, y++, 1, COLS - 2,
		  "Name, postcode, phone, email or case reference. Up/Down choose, Enter opens.",
		  PAINT_DIM);
	y++;
	column_widths(st, (size_t)COLS - 2, rc.widths);
	head = tui_row_format(search_headers, rc.widths, SEARCH_COLUMNS, 2);
	draw_text(t, y, 0, 2, "", PAINT_PLAIN);
	draw_text(t, y++, 2, COLS - 2, head, PAINT_HEADER);
	free(head);
	list_y = y;
	if (draw_offline_notice(t, list_y, LINES - 3 - list_y, NULL))
		; /* the offline limit hides customers: say why instead */
	else if (utf8_length(st->query.text) < 2 || short_number(st->query.text))
		draw_text(t, list_y, 2, COLS - 2,
			  st->query.len ? "Type one more letter to search (five digits for a phone)."
					: "Type to search. F5 adds a new customer; F2 logs a contact "
					  "without one.",
			  PAINT_DIM);
	else
		draw_list(t, &st->list, list_y, 0, COLS, LINES - 2 - list_y, hit_row, &rc, true,
			  "No customer matches. Check the spelling, try fewer letters, or press "
			  "F5 to add a new customer.");
	if (st->nhits)
		draw_textf(t, LINES - 3, COLS - 16, 16, PAINT_DIM, "%3d found%s", st->nhits,
			   st->nhits == SEARCH_LIMIT ? "+" : "");
	/* Typing goes to the search field: the cursor stays there. */
	tui_cursor(t, cy, cx);
}

static void open_selected(struct screen *sc)
{
	struct search *st = sc->state;
	char detail[64];

	if (st->list.count == 0) {
		tui_error(sc->t, "no customer to open; type part of a name, postcode or phone first");
		return;
	}
	snprintf(detail, sizeof detail, "%d results", st->nhits);
	store_audit(sc->t->store, "customer.search", NULL, NULL, detail, NULL);
	tui_push(sc->t, &screen_customer_ops, st->hits[st->list.selected].id);
}

static enum key_result search_key(struct screen *sc, const struct tui_key *k)
{
	struct search *st = sc->state;
	struct customer_edit_open ce = { NULL, NULL };

	switch (k->kind) {
	case TUI_KEY_ENTER:
		search_run(sc);
		open_selected(sc);
		return KR_USED;
	case TUI_KEY_UP:
	case TUI_KEY_DOWN:
	case TUI_KEY_PGUP:
	case TUI_KEY_PGDN:
		search_run(sc);
		tui_list_key(&st->list, k);
		return KR_USED;
	case TUI_KEY_ESC:
		tui_field_set(&st->query, "");
		return KR_USED;
	case TUI_KEY_FN:
		if (k->n == 5) {
			/* A new customer starts with the name typed, when it is one. */
			char digits = 0;

			for (size_t i = 0; i < st->query.len; i++)
				if (st->query.text[i] >= '0' && st->query.text[i] <= '9')
					digits = 1;
			ce.name = digits ? NULL : st->query.text;
			tui_push(sc->t, &screen_customer_edit_ops, &ce);
			return KR_USED;
		}
		return KR_UNUSED;
	default:
		break;
	}
	if (tui_key_action(k, st->query.len > 0) != TUI_ACT_NONE)
		return KR_UNUSED;
	return tui_field_key(&st->query, k) ? KR_USED : KR_UNUSED;
}

static void search_reenter(struct screen *sc)
{
	struct search *st = sc->state;

	load_desk_facts(sc);
	/* Search again: a customer may have been edited or erased. */
	st->searched = false;
}

static const struct key_help search_help[] = {
	{ "type", "search as you type (two letters or more)" },
	{ "Up/Down PgUp/PgDn", "choose a customer" },
	{ "Enter", "open the chosen customer" },
	{ "Esc", "clear the search" },
	{ "F5", "new customer (starts with the name typed)" },
	{ "Ctrl-U", "clear the field; Ctrl-W deletes a word" },
	{ NULL, NULL },
};

const struct screen_ops screen_search_ops = {
	.name = "find a customer",
	.help = search_help,
	.open = search_open,
	.close = search_close,
	.draw = search_draw,
	.key = search_key,
	.reenter = search_reenter,
};
