/*
 * Choosing an address from the council's gazetteer: the addresses at a
 * postcode, one a row with its UPRN; Enter hands the chosen one back to the
 * screen that asked (the customer form) and closes.
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

struct address_row {
	char *uprn, *address, *town, *postcode;
};

struct address_pick {
	char postcode[16];
	struct address_row *rows;
	int n;
	struct tui_list list;
	void (*chosen)(void *ctx, const struct gazetteer_address *a);
	void *ctx;
};

static int add_row(void *ctx, const struct gazetteer_address *a)
{
	struct address_pick *st = ctx;
	struct address_row *r;

	st->rows = xrealloc(st->rows, sizeof *st->rows * (size_t)(st->n + 1));
	r = &st->rows[st->n++];
	r->uprn = xstrdup(a->uprn);
	r->address = xstrdup(a->address);
	r->town = xstrdup(a->town);
	r->postcode = xstrdup(a->postcode);
	return 0;
}

static void pick_open(struct screen *sc, const void *arg)
{
	const struct address_pick_open *o = arg;
	struct address_pick *st = xcalloc(1, sizeof *st);
	struct err e;

	sc->state = st;
	snprintf(st->postcode, sizeof st->postcode, "%s", o->postcode);
	st->chosen = o->chosen;
	st->ctx = o->ctx;
	err_clear(&e);
	if (store_gazetteer_postcode(sc->t->store, st->postcode, add_row, st, NULL, &e) !=
	    STATUS_OK)
		tui_error_err(sc->t, &e);
	st->list.count = st->n;
}

static void pick_close(struct screen *sc)
{
	struct address_pick *st = sc->state;

	for (int i = 0; i < st->n; i++) {
		free(st->rows[i].uprn);
		free(st->rows[i].address);
		free(st->rows[i].town);
		free(st->rows[i].postcode);
	}
	free(st->rows);
	free(st);
}

static char *address_row_text(void *ctx, int index, int width)
{
	const struct address_pick *st = ctx;
	const struct address_row *r = &st->rows[index];
	size_t widths[3] = {0, 14, 12};
	const char *cells[3] = {r->address, r->town, r->uprn};

	widths[0] = width > 34 ? (size_t)width - 34 : 1;
	return tui_row_format(cells, widths, 3, 2);
}

static void pick_draw(struct screen *sc)
{
	struct address_pick *st = sc->state;
	struct tui *t = sc->t;
	char title[64], count[32];

	snprintf(title, sizeof title, " Addresses at %s", st->postcode);
	snprintf(count, sizeof count, "%d in the gazetteer", st->n);
	draw_title(t, 0, title, count);
	draw_textf(t, 2, 2, COLS - 2, PAINT_HEADER, "%-*s  %-14s  %s",
		   COLS - 36 > 1 ? COLS - 36 : 1, "address", "town", "UPRN");
	draw_list(t, &st->list, 3, 0, COLS, LINES - 7, address_row_text, st, true,
		  "No address at this postcode in the gazetteer; Esc to type it yourself.");
	draw_text(t, LINES - 3, 0, COLS,
		  " Up/Down move   Enter choose   Esc type the address yourself", PAINT_DIM);
}

static enum key_result pick_key(struct screen *sc, const struct tui_key *k)
{
	struct address_pick *st = sc->state;

	if (k->kind == TUI_KEY_ESC)
		return KR_CLOSE;
	if (k->kind == TUI_KEY_ENTER) {
		const struct address_row *r;

		if (st->n == 0)
			return KR_CLOSE;
		r = &st->rows[st->list.selected];
		st->chosen(st->ctx, &(struct gazetteer_address){
					.uprn = r->uprn,
					.address = r->address,
					.town = r->town,
					.postcode = r->postcode,
				    });
		return KR_CLOSE;
	}
	if (tui_list_key(&st->list, k))
		return KR_USED;
	return KR_UNUSED;
}

static const struct key_help pick_help[] = {
    {"Up, Down, PgUp, PgDn", "move"},
    {"Enter", "choose: fills the address, postcode and UPRN"},
    {"Esc", "back to the form, to type the address yourself"},
    {NULL, NULL},
};

const struct screen_ops screen_address_pick_ops = {
    .name = "choose an address",
    .help = pick_help,
    .open = pick_open,
    .close = pick_close,
    .draw = pick_draw,
    .key = pick_key,
};
