/*
 * Desk identity: which site this desk is at and the channel new contacts
 * start with (front desk: face to face; contact centre: phone). Saved to the
 * device settings (audited by the store) and shown in the status bar.
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

enum { D_SITE, D_CHANNEL, D_COUNT };

struct desk_screen {
	struct form_field fields[D_COUNT];
	struct form form;
};

static int add_choice(void *ctx, const char *code, const char *name)
{
	form_choice_add(ctx, code, name);
	return 0;
}

static void desk_open(struct screen *sc, const void *arg)
{
	struct desk_screen *st = xcalloc(1, sizeof *st);
	struct tui *t = sc->t;

	(void)arg;
	sc->state = st;
	st->fields[D_SITE] = (struct form_field){ .kind = FORM_CHOICE, .label = "Site" };
	store_ref_list(t->store, REF_SITE, add_choice, &st->fields[D_SITE], NULL);
	st->fields[D_CHANNEL] = (struct form_field){ .kind = FORM_CHOICE, .label = "Channel" };
	store_ref_list(t->store, REF_CHANNEL, add_choice, &st->fields[D_CHANNEL], NULL);
	form_init(&st->form, st->fields, D_COUNT);
	form_choose(&st->fields[D_SITE], t->desk.site);
	form_choose(&st->fields[D_CHANNEL], t->desk.channel);
}

static void desk_close(struct screen *sc)
{
	struct desk_screen *st = sc->state;

	form_release(&st->form);
	free(st);
}

static void desk_draw(struct screen *sc)
{
	struct desk_screen *st = sc->state;
	struct tui *t = sc->t;

	draw_title(t, 0, " This desk: site and channel", "");
	draw_text(t, 2, 1, COLS - 2,
		  "Where this desk is and how customers reach it; new contacts start with this "
		  "channel.",
		  PAINT_PLAIN);
	form_draw(t, &st->form, 4, LINES - 4);
	draw_text(t, LINES - 3, 0, COLS, " Ctrl-S or Enter save   Left/Right change   Esc cancel",
		  PAINT_DIM);
}

static enum key_result desk_key(struct screen *sc, const struct tui_key *k)
{
	struct desk_screen *st = sc->state;
	struct tui *t = sc->t;
	struct err e;
	const char *site, *channel;

	if ((k->kind == TUI_KEY_CTRL && k->wc == L's') || (k->kind == TUI_KEY_FN && k->n == 10) ||
	    (k->kind == TUI_KEY_ENTER && st->form.focus == D_COUNT - 1)) {
		site = form_choice_code(&st->fields[D_SITE]);
		channel = form_choice_code(&st->fields[D_CHANNEL]);
		err_clear(&e);
		if ((site && strcmp(site, t->desk.site) != 0 &&
		     store_setting_set(t->store, "site", site, &e) != STATUS_OK) ||
		    (channel && strcmp(channel, t->desk.channel) != 0 &&
		     store_setting_set(t->store, "default_channel", channel, &e) != STATUS_OK)) {
			tui_error_err(t, &e);
			return KR_USED;
		}
		tui_desk_load(t);
		tui_say(t, "This desk is now %s, %s.", t->desk.site_name, t->desk.channel_name);
		return KR_CLOSE;
	}
	if (k->kind == TUI_KEY_ESC)
		return KR_CLOSE;
	return form_key(&st->form, k) ? KR_USED : KR_UNUSED;
}

static const struct key_help desk_help[] = {
	{ "Left/Right/Space", "change the site or channel" },
	{ "Tab, Up/Down", "move between them" },
	{ "Ctrl-S, Enter", "save" },
	{ "Esc", "cancel" },
	{ NULL, NULL },
};

const struct screen_ops screen_desk_ops = {
	.name = "desk",
	.help = desk_help,
	.open = desk_open,
	.close = desk_close,
	.draw = desk_draw,
	.key = desk_key,
};
