/*
 * The console: terminal set-up and restore (also on fatal signals and die()),
 * the screen stack, the main loop with its global keys, the status bar, the
 * help overlay, the message line, yes/no questions and the idle lock.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "frontdesk/flow.h"
#include "tui_int.h"

/* ---- terminal restore ------------------------------------------------------ */

static struct termios saved_termios;
static bool have_termios;
static volatile sig_atomic_t curses_active;
/* What a signal handler writes to put the terminal back (no allocation,
 * no stdio: only write and tcsetattr, which are async-signal-safe). */
static char restore_seq[256];
static size_t restore_len;

static void restore_seq_add(const char *cap)
{
	char *v = tigetstr(cap);
	size_t n;

	if (!v || v == (char *)-1)
		return;
	n = strlen(v);
	if (restore_len + n < sizeof restore_seq) {
		memcpy(restore_seq + restore_len, v, n);
		restore_len += n;
	}
}

static void terminal_restore(void)
{
	if (!curses_active)
		return;
	curses_active = 0;
	endwin();
	if (have_termios)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
}

static void on_fatal_signal(int sig)
{
	if (curses_active) {
		ssize_t w;

		if (have_termios)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
		w = write(STDOUT_FILENO, restore_seq, restore_len);
		w = write(STDOUT_FILENO, "\r\n", 2);
		(void)w;
		curses_active = 0;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int fatal_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGSEGV,
				     SIGBUS,  SIGFPE, SIGABRT, SIGILL, SIGPIPE };

static void signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
		sigaction(fatal_signals[i], &sa, NULL);
}

static void signals_remove(void)
{
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
		signal(fatal_signals[i], SIG_DFL);
}

/* ---- the clock for tests: FRONTDESK_NOW_FILE ------------------------------- */

/*
 * When FRONTDESK_NOW_FILE names a file, the console reads the time from it
 * (a UTC time like 2026-11-20T10:00:00Z) each time it looks at the clock, so
 * a test can move time on (idle lock) without sleeping. Real time when the
 * file cannot be read.
 */
static int64_t clock_from_file(void)
{
	const char *path = getenv("FRONTDESK_NOW_FILE");
	char text[64];
	int64_t ms;
	int fd;
	ssize_t n;
	struct timespec ts;

	fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		n = read(fd, text, sizeof text - 1);
		close(fd);
		if (n > 0) {
			text[n] = '\0';
			text[strcspn(text, "\r\n ")] = '\0';
			if (time_parse_utc(text, &ms) == STATUS_OK)
				return ms;
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- messages --------------------------------------------------------------- */

static void say(struct tui *t, bool error, const char *fmt, va_list ap)
{
	vsnprintf(t->message, sizeof t->message, fmt, ap);
	t->message_error = error;
}

void tui_say(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(t, false, fmt, ap);
	va_end(ap);
}

void tui_error(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(t, true, fmt, ap);
	va_end(ap);
	beep();
}

void tui_error_err(struct tui *t, const struct err *e)
{
	char text[ERR_MSG_MAX + ERR_FILE_MAX + 64];

	if (e && e->msg[0])
		err_format(e, text, sizeof text);
	else
		snprintf(text, sizeof text, "%s", status_message(e ? e->code : STATUS_DB));
	tui_error(t, "%s", text);
}

void tui_ask(struct tui *t, const char *question, void (*on_yes)(struct tui *t, void *ctx),
	     void *ctx)
{
	snprintf(t->question, sizeof t->question, "%s", question);
	t->on_yes = on_yes;
	t->yes_ctx = ctx;
}

void tui_cursor(struct tui *t, int y, int x)
{
	t->cur_y = y;
	t->cur_x = x;
	t->cur_show = true;
}

/* ---- the screen stack ------------------------------------------------------- */

void tui_push(struct tui *t, const struct screen_ops *ops, const void *arg)
{
	struct screen *sc;

	if (t->depth == SCREEN_MAX) {
		tui_error(t, "too many screens open; press Esc to close some first");
		return;
	}
	sc = &t->stack[t->depth++];
	memset(sc, 0, sizeof *sc);
	sc->ops = ops;
	sc->t = t;
	if (ops->open)
		ops->open(sc, arg);
}

void tui_pop(struct tui *t)
{
	struct screen *sc;

	if (t->depth == 0)
		return;
	sc = &t->stack[--t->depth];
	if (sc->ops->close)
		sc->ops->close(sc);
	memset(sc, 0, sizeof *sc);
	if (t->depth > 0 && t->stack[t->depth - 1].ops->reenter)
		t->stack[t->depth - 1].ops->reenter(&t->stack[t->depth - 1]);
}

void tui_pop_to(struct tui *t, int depth)
{
	while (t->depth > depth)
		tui_pop(t);
}

struct screen *tui_top(struct tui *t)
{
	return t->depth ? &t->stack[t->depth - 1] : NULL;
}

/* ---- desk, sign-in, sign-out ------------------------------------------------- */

struct name_find {
	const char *code;
	char *out;
	size_t outsz;
};

static int find_name(void *ctx, const char *code, const char *name)
{
	struct name_find *nf = ctx;

	if (strcmp(code, nf->code) == 0) {
		snprintf(nf->out, nf->outsz, "%s", name);
		return 1;
	}
	return 0;
}

void tui_desk_load(struct tui *t)
{
	char *v = NULL;
	struct name_find nf;
	long n;

	store_setting_get(t->store, "site", &v, NULL);
	snprintf(t->desk.site, sizeof t->desk.site, "%s", v ? v : "");
	free(v);
	v = NULL;
	store_setting_get(t->store, "default_channel", &v, NULL);
	snprintf(t->desk.channel, sizeof t->desk.channel, "%s", v ? v : "");
	free(v);
	v = NULL;
	store_setting_get(t->store, "idle_lock_minutes", &v, NULL);
	t->desk.idle_minutes = 5;
	if (v && valid_int("idle_lock_minutes", v, 1, 60, &n, NULL) == STATUS_OK)
		t->desk.idle_minutes = n;
	free(v);
	snprintf(t->desk.site_name, sizeof t->desk.site_name, "%s",
		 t->desk.site[0] ? t->desk.site : "no site set");
	nf = (struct name_find){ t->desk.site, t->desk.site_name, sizeof t->desk.site_name };
	if (t->desk.site[0])
		store_ref_list(t->store, REF_SITE, find_name, &nf, NULL);
	snprintf(t->desk.channel_name, sizeof t->desk.channel_name, "%s", t->desk.channel);
	nf = (struct name_find){ t->desk.channel, t->desk.channel_name,
				 sizeof t->desk.channel_name };
	store_ref_list(t->store, REF_CHANNEL, find_name, &nf, NULL);
}

void tui_signed_in(struct tui *t, const struct user_session *who)
{
	t->who = *who;
	t->signed_in = true;
	t->locked = false;
	t->last_key_ms = clock_now_ms();
	tui_desk_load(t);
	tui_push(t, &screen_search_ops, NULL);
	tui_say(t, "Signed in as %s. Press F1 for the keys.", who->login);
}

static bool any_unsaved(struct tui *t)
{
	for (int i = 0; i < t->depth; i++)
		if (t->stack[i].ops->unsaved && t->stack[i].ops->unsaved(&t->stack[i]))
			return true;
	return false;
}

static void do_sign_out(struct tui *t, void *ctx)
{
	struct err e;

	(void)ctx;
	err_clear(&e);
	tui_pop_to(t, 1);
	if (store_user_sign_out(t->store, false, &e) != STATUS_OK)
		tui_error_err(t, &e);
	else
		tui_say(t, "%s signed out.", t->who.login);
	store_set_actor(t->store, "console");
	sync_bg_person(t->sync, NULL, NULL); /* their server session ends too */
	tui_org_session_end(t);
	memset(&t->who, 0, sizeof t->who);
	t->signed_in = false;
	t->locked = false;
	tui_field_set(&t->lock_password, "");
}

void tui_sign_out(struct tui *t)
{
	if (any_unsaved(t))
		tui_ask(t, "Sign out and lose what you typed and did not save? (y = sign out, n = stay)",
			do_sign_out, NULL);
	else
		tui_ask(t, "Sign out? (y = sign out, n = stay)", do_sign_out, NULL);
}

static void lock_screen(struct tui *t)
{
	struct err e;

	if (!t->signed_in || t->locked)
		return;
	err_clear(&e);
	store_user_sign_out(t->store, true, &e);
	t->locked = true;
	t->help_open = false;
	t->question[0] = '\0';
	t->lock_failures = 0;
	tui_field_set(&t->lock_password, "");
	tui_org_session_end(t);
	tui_say(t, "Locked.");
}

/*
 * Forgets the reports' session here at once; it is not ended at the server
 * from the screen's thread (that would wait on the network in front of the
 * customer), so it expires there by itself (8 hours), unusable without this
 * device's token anyway.
 */
void tui_org_session_end(struct tui *t)
{
	sync_person_forget(&t->org_person);
}

/* ---- drawing: status bar, help, lock, message --------------------------------- */

/*
 * The status bar of an enrolled desk: the sync state in words comes right
 * after the user and never gives way; site, channel and the long date give
 * way in turn so it fits in 80 columns.
 */
static bool draw_status_sync(struct tui *t, const char *when)
{
	char words[160], hhmm[8], text[640];
	struct sync_status st;
	time_t secs = (time_t)(clock_now_ms() / 1000);
	struct tm tm;

	if (!t->sync)
		return false;
	sync_bg_status(t->sync, &st);
	sync_status_words(&st, clock_now_ms(), words, sizeof words);
	localtime_r(&secs, &tm);
	strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
	if (!t->signed_in) {
		snprintf(text, sizeof text, " not signed in | %s | %s | %s", words,
			 t->desk.site_name, when);
		if (tui_text_width(text) > (size_t)COLS)
			snprintf(text, sizeof text, " not signed in | %s | %s", words, hhmm);
		draw_text(t, LINES - 1, 0, COLS, text, PAINT_TITLE);
		return true;
	}
	for (int form = 0; form < 5; form++) {
		switch (form) {
		case 0:
			snprintf(text, sizeof text, " %s (%s) | %s | %s | %s | %s", t->who.login,
				 t->who.role, words, t->desk.site_name, t->desk.channel_name, when);
			break;
		case 1:
			snprintf(text, sizeof text, " %s (%s) | %s | %s | %s", t->who.login,
				 t->who.role, words, t->desk.channel_name, when);
			break;
		case 2:
			snprintf(text, sizeof text, " %s (%s) | %s | %s | %s", t->who.login,
				 t->who.role, words, t->desk.channel_name, hhmm);
			break;
		case 3:
			snprintf(text, sizeof text, " %s (%s) | %s | %s", t->who.login, t->who.role,
				 words, hhmm);
			break;
		default:
			snprintf(text, sizeof text, " %s (%s) | %s", t->who.login, t->who.role, words);
			break;
		}
		if (tui_text_width(text) <= (size_t)COLS)
			break;
	}
	draw_text(t, LINES - 1, 0, COLS, text, PAINT_TITLE);
	return true;
}

static void draw_status(struct tui *t)
{
	char when[32], text[512];
	time_t secs = (time_t)(clock_now_ms() / 1000);
	struct tm tm;
	size_t used;

	localtime_r(&secs, &tm);
	strftime(when, sizeof when, "%a %d %b %H:%M", &tm);
	if (draw_status_sync(t, when))
		return;
	if (!t->signed_in) {
		snprintf(text, sizeof text, " not signed in | %s | %s", t->desk.site_name, when);
		draw_text(t, LINES - 1, 0, COLS, text, PAINT_TITLE);
		return;
	}
	/* The site name gives way first, so user, channel and time always show. */
	snprintf(text, sizeof text, " %s (%s) | | %s | %s ", t->who.login, t->who.role,
		 t->desk.channel_name, when);
	used = tui_text_width(text);
	if (used + tui_text_width(t->desk.site_name) + 11 <= (size_t)COLS)
		snprintf(text, sizeof text, " %s (%s) | %s | %s | %s | F1 help", t->who.login,
			 t->who.role, t->desk.site_name, t->desk.channel_name, when);
	else if (used + tui_text_width(t->desk.site_name) <= (size_t)COLS)
		snprintf(text, sizeof text, " %s (%s) | %s | %s | %s", t->who.login, t->who.role,
			 t->desk.site_name, t->desk.channel_name, when);
	else {
		struct buf site;

		buf_init(&site, 0); /* as wide as the screen: no cap of its own */
		tui_text_pad(&site, t->desk.site_name,
			     (size_t)COLS > used + 4 ? (size_t)COLS - used : 4);
		snprintf(text, sizeof text, " %s (%s) | %s | %s | %s", t->who.login, t->who.role,
			 buf_str(&site), t->desk.channel_name, when);
		buf_release(&site);
	}
	draw_text(t, LINES - 1, 0, COLS, text, PAINT_TITLE);
}

static void draw_message(struct tui *t)
{
	if (t->question[0]) {
		draw_text(t, LINES - 2, 0, COLS, t->question, PAINT_WARN);
		tui_cursor(t, LINES - 2, (int)tui_text_width(t->question) < COLS - 1
						 ? (int)tui_text_width(t->question)
						 : COLS - 1);
	} else if (t->message[0]) {
		draw_textf(t, LINES - 2, 0, COLS, t->message_error ? PAINT_WARN : PAINT_PLAIN, "%s%s",
			   t->message_error ? "Problem: " : "", t->message);
	}
}

static const struct key_help global_help[] = {
	{ "F1 or ?", "these keys (? when not typing in a field)" },
	{ "F2 or Ctrl-N", "log a contact (from any screen)" },
	{ "F3", "cases: mine, this site, overdue" },
	{ "F4", "home: find a customer" },
	{ "F5", "new customer" },
	{ "F6", "switch this desk's site and channel" },
	{ "F7", "find and run a FAQ flow by the customer's words" },
	{ "F9", "reports: referrals, FCR, channels, failure demand, cost, cases" },
	{ "Ctrl-L or F12", "lock the screen (your password opens it)" },
	{ "Ctrl-Q", "sign out" },
	{ "Esc", "back (asks first if you typed something)" },
	{ NULL, NULL },
};

static int help_rows(const struct key_help *h)
{
	int n = 0;

	while (h && h[n].keys)
		n++;
	return n;
}

static void draw_help(struct tui *t)
{
	struct screen *sc = tui_top(t);
	const struct key_help *own = !sc		  ? NULL
				     : sc->ops->help_now ? sc->ops->help_now(sc)
							 : sc->ops->help;
	int rows = help_rows(own) + help_rows(global_help) + 5, y, w = COLS - 4;

	if (rows > LINES - 2)
		rows = LINES - 2;
	y = (LINES - 2 - rows) / 2;
	for (int i = 0; i < rows; i++)
		draw_text(t, y + i, 2, w, "", PAINT_PLAIN);
	draw_textf(t, y, 2, w, PAINT_TITLE, " Keys on this screen (%s) - any key closes this help",
		   sc ? sc->ops->name : "");
	rows = y + 1;
	for (int i = 0; own && own[i].keys && rows < LINES - 3; i++)
		draw_textf(t, rows++, 4, w - 2, PAINT_PLAIN, "%-16s %s", own[i].keys, own[i].what);
	rows++;
	draw_text(t, rows++, 2, w, " Keys everywhere", PAINT_HEADER);
	for (int i = 0; global_help[i].keys && rows < LINES - 2; i++)
		draw_textf(t, rows++, 4, w - 2, PAINT_PLAIN, "%-16s %s", global_help[i].keys,
			   global_help[i].what);
	tui_cursor(t, y, 2);
}

static void draw_lock(struct tui *t)
{
	static size_t first;
	int y = LINES / 2 - 3;

	draw_title(t, 0, " frontdesk - screen locked", "");
	draw_textf(t, y, 4, COLS - 8, PAINT_PLAIN, "This screen is locked. Customer details are hidden.");
	draw_textf(t, y + 2, 4, COLS - 8, PAINT_PLAIN, "%s, type your password and press Enter:",
		   t->who.login);
	draw_text(t, y + 4, 4, 10, "Password:", PAINT_PLAIN);
	draw_field(t, y + 4, 14, 30, &t->lock_password, &first, true);
	draw_text(t, y + 6, 4, COLS - 8,
		  "Someone else? Ctrl-Q signs this advisor out (unsaved typing is lost).",
		  PAINT_DIM);
}

static void draw_too_small(struct tui *t)
{
	draw_textf(t, 0, 0, COLS, PAINT_WARN, "Make this window at least 80 columns by 24 lines");
	if (LINES > 1)
		draw_textf(t, 1, 0, COLS, PAINT_PLAIN, "(it is %d by %d now).", COLS, LINES);
	tui_cursor(t, 0, 0);
}

static void draw_all(struct tui *t)
{
	struct screen *sc = tui_top(t);

	t->cur_show = false;
	erase();
	if (COLS < 80 || LINES < 24) {
		draw_too_small(t);
	} else {
		if (t->locked)
			draw_lock(t);
		else if (sc)
			sc->ops->draw(sc);
		if (t->help_open && !t->locked)
			draw_help(t);
		draw_message(t);
		draw_status(t);
	}
	if (t->cur_show) {
		move(t->cur_y, t->cur_x);
		curs_set(1);
	} else {
		move(LINES - 2, 0);
		curs_set(1);
	}
	refresh();
}

/* ---- keys --------------------------------------------------------------------- */

static bool key_read(struct tui_key *k, int timeout_ms)
{
	wint_t wc;
	int rc;

	timeout(timeout_ms);
	rc = get_wch(&wc);
	memset(k, 0, sizeof *k);
	if (rc == ERR)
		return false;
	if (rc == KEY_CODE_YES) {
		switch (wc) {
		case KEY_UP: k->kind = TUI_KEY_UP; break;
		case KEY_DOWN: k->kind = TUI_KEY_DOWN; break;
		case KEY_LEFT: k->kind = TUI_KEY_LEFT; break;
		case KEY_RIGHT: k->kind = TUI_KEY_RIGHT; break;
		case KEY_HOME: k->kind = TUI_KEY_HOME; break;
		case KEY_END: k->kind = TUI_KEY_END; break;
		case KEY_PPAGE: k->kind = TUI_KEY_PGUP; break;
		case KEY_NPAGE: k->kind = TUI_KEY_PGDN; break;
		case KEY_BACKSPACE: k->kind = TUI_KEY_BACKSPACE; break;
		case KEY_DC: k->kind = TUI_KEY_DELETE; break;
		case KEY_BTAB: k->kind = TUI_KEY_BTAB; break;
		case KEY_ENTER: k->kind = TUI_KEY_ENTER; break;
		case KEY_RESIZE: k->kind = TUI_KEY_RESIZE; break;
		default:
			if (wc >= KEY_F(1) && wc <= KEY_F(12)) {
				k->kind = TUI_KEY_FN;
				k->n = (int)(wc - KEY_F0);
			}
			break;
		}
		return true;
	}
	if (wc == 27)
		k->kind = TUI_KEY_ESC;
	else if (wc == '\n' || wc == '\r')
		k->kind = TUI_KEY_ENTER;
	else if (wc == '\t')
		k->kind = TUI_KEY_TAB;
	else if (wc == 127 || wc == 8)
		k->kind = TUI_KEY_BACKSPACE;
	else if (wc >= 1 && wc <= 26) {
		k->kind = TUI_KEY_CTRL;
		k->wc = (wchar_t)(L'a' + wc - 1);
	} else if (wc >= 32) {
		k->kind = TUI_KEY_CHAR;
		k->wc = (wchar_t)wc;
	}
	return true;
}

static void lock_key(struct tui *t, const struct tui_key *k)
{
	struct user_session who;
	struct err e;

	if (tui_key_action(k, true) == TUI_ACT_SIGN_OUT) {
		t->locked = false;
		do_sign_out(t, NULL);
		return;
	}
	if (k->kind != TUI_KEY_ENTER) {
		tui_field_key(&t->lock_password, k);
		return;
	}
	err_clear(&e);
	if (store_user_sign_in(t->store, t->who.login, t->lock_password.text, true, &who, &e) ==
	    STATUS_OK) {
		t->locked = false;
		tui_say(t, "Welcome back, %s.", t->who.login);
	} else {
		tui_error_err(t, &e);
	}
	tui_field_set(&t->lock_password, "");
}

static void global_key(struct tui *t, const struct tui_key *k)
{
	struct customer_edit_open ce = { NULL, NULL };

	switch (tui_key_action(k, false)) {
	case TUI_ACT_HELP:
		t->help_open = true;
		break;
	case TUI_ACT_CONTACT:
		if (t->signed_in)
			tui_push(t, &screen_contact_ops, NULL);
		break;
	case TUI_ACT_CASES:
		if (t->signed_in)
			tui_push(t, &screen_cases_ops, NULL);
		break;
	case TUI_ACT_HOME:
		if (!t->signed_in)
			break;
		if (any_unsaved(t))
			tui_error(t, "a screen holds typing you have not saved; save it (Ctrl-S) or "
				     "close it with Esc first");
		else
			tui_pop_to(t, 2);
		break;
	case TUI_ACT_NEW_CUSTOMER:
		if (t->signed_in)
			tui_push(t, &screen_customer_edit_ops, &ce);
		break;
	case TUI_ACT_DESK:
		if (t->signed_in)
			tui_push(t, &screen_desk_ops, NULL);
		break;
	case TUI_ACT_FLOW:
		if (t->signed_in)
			tui_push(t, &screen_flow_ops, NULL);
		break;
	case TUI_ACT_REPORTS:
		if (t->signed_in)
			tui_push(t, &screen_report_ops, NULL);
		break;
	case TUI_ACT_LOCK:
		lock_screen(t);
		break;
	case TUI_ACT_SIGN_OUT:
		if (t->signed_in)
			tui_sign_out(t);
		else
			t->quit = true;
		break;
	case TUI_ACT_NONE:
		if (k->kind == TUI_KEY_ESC && t->depth > 2) {
			tui_pop(t);
		}
		break;
	}
}

static void handle_key(struct tui *t, const struct tui_key *k)
{
	struct screen *sc;

	if (k->kind == TUI_KEY_RESIZE) {
		for (int i = 0; i < t->depth; i++)
			if (t->stack[i].ops->resize)
				t->stack[i].ops->resize(&t->stack[i]);
		return;
	}
	t->last_key_ms = clock_now_ms();
	if (t->locked) {
		lock_key(t, k);
		return;
	}
	if (t->help_open) {
		t->help_open = false;
		return;
	}
	if (t->question[0]) {
		void (*yes)(struct tui *, void *) = t->on_yes;
		void *ctx = t->yes_ctx;

		if (k->kind == TUI_KEY_CHAR && (k->wc == L'y' || k->wc == L'Y')) {
			t->question[0] = '\0';
			t->message[0] = '\0';
			yes(t, ctx);
		} else if (k->kind == TUI_KEY_ESC ||
			   (k->kind == TUI_KEY_CHAR && (k->wc == L'n' || k->wc == L'N'))) {
			t->question[0] = '\0';
			tui_say(t, "Nothing changed.");
		}
		return;
	}
	t->message[0] = '\0';
	sc = tui_top(t);
	switch (sc ? sc->ops->key(sc, k) : KR_UNUSED) {
	case KR_USED:
		return;
	case KR_CLOSE:
		tui_pop(t);
		return;
	case KR_UNUSED:
		global_key(t, k);
		return;
	}
}

/*
 * Users are managed centrally: once a pull says the signed-in
 * user was disabled (or is gone), their session here ends, locked or not.
 * Looked at every 2 s of real time.
 */
static void check_still_allowed(struct tui *t)
{
	struct timespec now;
	char login[sizeof t->who.login];

	if (!t->signed_in)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - t->allowed_checked.tv_sec < 2 && t->allowed_checked.tv_sec)
		return;
	t->allowed_checked = now;
	if (store_user_may_sign_in(t->store, t->who.login))
		return;
	snprintf(login, sizeof login, "%s", t->who.login);
	t->locked = false;
	t->help_open = false;
	t->question[0] = '\0';
	do_sign_out(t, NULL);
	tui_error(t, "%s was disabled by an administrator and has been signed out.", login);
}

static void check_idle(struct tui *t)
{
	if (!t->signed_in || t->locked)
		return;
	if (clock_now_ms() - t->last_key_ms >= t->desk.idle_minutes * 60000)
		lock_screen(t);
}

/* ---- set-up and the loop -------------------------------------------------------- */

static void colours_init(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");

	t->colour = !(nc && *nc) && has_colors();
	if (!t->colour)
		return;
	start_color();
	use_default_colors();
	init_pair(1, COLOR_RED, -1);
	init_pair(2, COLOR_YELLOW, -1);
	init_pair(3, COLOR_CYAN, -1);
}

enum status tui_run(struct store *s, const struct tui_options *o, struct err *e)
{
	struct tui *t;
	struct user_session who;
	enum status rc = STATUS_OK;

	store_set_actor(s, "console");
	/* Refused first on a real database, terminal or not. */
	if (o && o->demo_user && !store_is_demo(s))
		return store_user_demo_sign_in(s, o->demo_user, &who, e);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return err_set(e, STATUS_USAGE,
			       "the console needs a terminal; run frontdesk in a terminal window, "
			       "or use a command (frontdesk --help lists them)");
	if (o && o->demo_user) {
		rc = store_user_demo_sign_in(s, o->demo_user, &who, e);
		if (rc)
			return rc;
	}
	t = xcalloc(1, sizeof *t);
	t->store = s;
	/* the lock screen's password is a password: drawn as stars */
	t->lock_password.secret = true;
	t->lock_password.max_chars = PASSWORD_MAX_BYTES;
	tui_desk_load(t);
	if (getenv("FRONTDESK_NOW_FILE"))
		clock_hook = clock_from_file;
	have_termios = tcgetattr(STDIN_FILENO, &saved_termios) == 0;
	signals_install();
	if (!newterm(NULL, stdout, stdin)) {
		signals_remove();
		free(t);
		return err_set(e, STATUS_IO,
			       "cannot use this terminal (TERM='%s'); set TERM to your terminal's "
			       "type, like xterm-256color",
			       getenv("TERM") ? getenv("TERM") : "");
	}
	curses_active = 1;
	core_die_hook = terminal_restore;
	restore_seq_add("sgr0");
	restore_seq_add("cnorm");
	restore_seq_add("rmcup");
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	colours_init(t);

	/* An enrolled desk syncs in the background, on its own connection and
	 * thread: the screens only copy its status. */
	{
		char *tok = sync_token_load(store_path(s));

		if (tok) {
			struct err se;

			memset(tok, 0, strlen(tok));
			free(tok);
			err_clear(&se);
			t->sync = sync_bg_start(store_path(s), flow_source_words, &se);
			if (!t->sync)
				tui_error(t, "Background sync did not start: %s", se.msg);
		}
	}
	tui_push(t, &screen_signin_ops, NULL);
	if (o && o->demo_user)
		tui_signed_in(t, &who);
	tui_hook_start();
	t->retention_schedule = o ? o->retention_schedule : NULL;
	while (!t->quit) {
		struct tui_key k;

		draw_all(t);
		tui_hook_frame(tui_top(t) && tui_top(t)->ops == &screen_search_ops);
		/* Retention: once the first screen shows, then at the
		 * first idle moment of each new day. */
		if (!t->retention_day[0] && t->retention_schedule) {
			tui_retention_due(t);
			continue;
		}
		check_still_allowed(t);
		if (!key_read(&k, 500)) {
			check_idle(t);
			tui_retention_due(t);
			continue;
		}
		tui_hook_key();
		handle_key(t, &k);
		/* Take every key already typed before drawing again. */
		while (!t->quit && key_read(&k, 0))
			handle_key(t, &k);
	}
	tui_hook_stop();
	if (t->signed_in) {
		store_user_sign_out(s, false, NULL);
	}
	tui_org_session_end(t);
	sync_bg_stop(t->sync); /* aborts a transfer in flight: quitting never waits */
	t->sync = NULL;
	tui_pop_to(t, 0);
	terminal_restore();
	core_die_hook = NULL;
	signals_remove();
	if (clock_hook == clock_from_file)
		clock_hook = NULL;
	free(t);
	return rc;
}
