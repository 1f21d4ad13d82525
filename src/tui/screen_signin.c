/*
 * The sign-in screen: login name and password. It sits at the bottom of the
 * screen stack; signing out comes back here. (The idle-lock panel, which
 * asks the same user's password, is drawn by tui.c over whatever was open.)
 */
#include <stdlib.h>
#include <string.h>

#include "tui_int.h"

struct signin {
	struct tui_field login, password;
	size_t login_first, password_first;
	int focus; /* 0 login, 1 password */
	bool no_users;
};

static void signin_open(struct screen *sc, const void *arg)
{
	struct signin *st = xcalloc(1, sizeof *st);

	(void)arg;
	st->password.secret = true;
	st->login.max_chars = 32;
	st->password.max_chars = PASSWORD_MAX_BYTES;
	st->no_users = store_user_count(sc->t->store) == 0;
	sc->state = st;
}

static void signin_close(struct screen *sc)
{
	struct signin *st = sc->state;

	if (st)
		memset(st->password.text, 0, sizeof st->password.text);
	free(st);
}

static void signin_reenter(struct screen *sc)
{
	struct signin *st = sc->state;

	tui_field_set(&st->password, "");
	st->focus = st->login.len ? 1 : 0;
}

static void signin_draw(struct screen *sc)
{
	struct signin *st = sc->state;
	struct tui *t = sc->t;
	int y = 3;

	draw_title(t, 0, " frontdesk - sign in", FRONTDESK_VERSION_TEXT);
	draw_textf(t, y, 4, COLS - 8, PAINT_PLAIN, "Desk: %s, %s", t->desk.site_name,
		   t->desk.channel_name);
	if (st->no_users) {
		draw_text(t, y + 2, 4, COLS - 8, "No one can sign in yet: this database has no users.",
			  PAINT_WARN);
		draw_text(t, y + 3, 4, COLS - 8,
			  "Create the first administrator at a shell prompt with:", PAINT_PLAIN);
		draw_text(t, y + 5, 8, COLS - 12, "frontdesk user add NAME --role admin",
			  PAINT_PLAIN);
		draw_text(t, y + 7, 4, COLS - 8, "then start frontdesk again. Ctrl-Q quits.",
			  PAINT_PLAIN);
		tui_cursor(t, y + 7, 4);
		return;
	}
	draw_text(t, y + 2, 4, COLS - 8, "Sign in with your login name and password.", PAINT_PLAIN);
	draw_text(t, y + 4, 4, 12, st->focus == 0 ? ">Login:" : " Login:",
		  st->focus == 0 ? PAINT_SELECTED : PAINT_PLAIN);
	draw_field(t, y + 4, 17, 34, &st->login, &st->login_first, st->focus == 0);
	draw_text(t, y + 6, 4, 12, st->focus == 1 ? ">Password:" : " Password:",
		  st->focus == 1 ? PAINT_SELECTED : PAINT_PLAIN);
	draw_field(t, y + 6, 17, 34, &st->password, &st->password_first, st->focus == 1);
	draw_text(t, y + 8, 4, COLS - 8,
		  "Enter moves on and signs in. Tab switches fields. Ctrl-Q quits.", PAINT_DIM);
}

static enum key_result signin_key(struct screen *sc, const struct tui_key *k)
{
	struct signin *st = sc->state;
	struct tui *t = sc->t;
	struct user_session who;
	struct err e;

	if (st->no_users)
		return k->kind == TUI_KEY_ESC ? (t->quit = true, KR_USED) : KR_UNUSED;
	switch (k->kind) {
	case TUI_KEY_TAB:
	case TUI_KEY_BTAB:
	case TUI_KEY_UP:
	case TUI_KEY_DOWN:
		st->focus = !st->focus;
		return KR_USED;
	case TUI_KEY_ENTER:
		if (st->focus == 0) {
			if (st->login.len)
				st->focus = 1;
			return KR_USED;
		}
		err_clear(&e);
		if (store_user_sign_in(t->store, st->login.text, st->password.text, false, &who, &e) !=
		    STATUS_OK) {
			tui_error_err(t, &e);
			tui_field_set(&st->password, "");
			return KR_USED;
		}
		/* A supervisor or an administrator signing in while the desk
		 * syncs: the background sync opens their session at the server
		 * and sends what waits for them. Memory only. */
		if (t->sync && (!strcmp(who.role, "admin") || !strcmp(who.role, "supervisor")))
			sync_bg_person(t->sync, who.login, st->password.text);
		tui_field_set(&st->password, "");
		tui_field_set(&st->login, "");
		st->focus = 0;
		tui_signed_in(t, &who);
		return KR_USED;
	case TUI_KEY_ESC:
		if (st->login.len || st->password.len) {
			tui_field_set(&st->login, "");
			tui_field_set(&st->password, "");
			st->focus = 0;
		}
		return KR_USED;
	default:
		break;
	}
	if (tui_key_action(k, true) != TUI_ACT_NONE)
		return KR_UNUSED;
	tui_field_key(st->focus ? &st->password : &st->login, k);
	return KR_USED;
}

static const struct key_help signin_help[] = {
	{ "Enter", "next field; on the password, sign in" },
	{ "Tab", "switch between login and password" },
	{ "Esc", "clear both fields" },
	{ "Ctrl-Q", "quit frontdesk" },
	{ NULL, NULL },
};

const struct screen_ops screen_signin_ops = {
	.name = "sign in",
	.help = signin_help,
	.open = signin_open,
	.close = signin_close,
	.draw = signin_draw,
	.key = signin_key,
	.reenter = signin_reenter,
};
