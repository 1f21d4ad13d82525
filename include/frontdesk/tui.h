/*
 * tui — the advisor console: ncurses screens over the store.
 *
 * Only src/tui/ includes curses. The screens are thin: they collect input
 * and call store functions. What is worth testing without a terminal (text
 * widths, row layout, due-date wording, service type-ahead, the text-field
 * editing, the list's scrolling and the global keys) is declared here as
 * plain functions and tested in tests/unit/test_tui.c.
 */
#ifndef FRONTDESK_TUI_H
#define FRONTDESK_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "frontdesk/core.h"
#include "frontdesk/store.h"

struct tui_options {
	/* Sign this user in without a password: only on a demo database
	 * (store_user_demo_sign_in refuses any other). NULL: ask. */
	const char *demo_user;
	/* The retention schedule (data/retention.csv) the console applies once
	 * a day; NULL or a missing file: none. Borrowed. */
	const char *retention_schedule;
};

/*
 * Runs the console on the terminal until the advisor quits: sign-in, home and
 * every screen. Restores the terminal on return, on a fatal signal and on
 * die(). The store stays the caller's. Returns STATUS_OK, or an error in e
 * (no terminal, a demo sign-in refused).
 */
enum status tui_run(struct store *s, const struct tui_options *o, struct err *e);

/* ---- keys ---------------------------------------------------------------- */

enum tui_key_kind {
	TUI_KEY_NONE, /* no key (a timeout) */
	TUI_KEY_CHAR, /* a printable character in wc */
	TUI_KEY_CTRL, /* Ctrl and a letter: wc is the lower-case letter */
	TUI_KEY_ENTER, TUI_KEY_ESC, TUI_KEY_TAB, TUI_KEY_BTAB, TUI_KEY_BACKSPACE, TUI_KEY_DELETE,
	TUI_KEY_LEFT, TUI_KEY_RIGHT, TUI_KEY_UP, TUI_KEY_DOWN,
	TUI_KEY_HOME, TUI_KEY_END, TUI_KEY_PGUP, TUI_KEY_PGDN,
	TUI_KEY_FN,	  /* function key: n is 1..12 */
	TUI_KEY_RESIZE
};
struct tui_key {
	enum tui_key_kind kind;
	wchar_t wc;
	int n;
};

/* What a key means wherever the advisor is (when the screen did not use it). */
enum tui_action {
	TUI_ACT_NONE,
	TUI_ACT_HELP,    /* F1, or ? when not typing */
	TUI_ACT_CONTACT, /* F2 or Ctrl-N: log a contact */
	TUI_ACT_CASES,   /* F3: case list */
	TUI_ACT_HOME,    /* F4: back to the search screen */
	TUI_ACT_NEW_CUSTOMER, /* F5 */
	TUI_ACT_DESK,    /* F6: switch site and channel */
	TUI_ACT_LOCK,    /* Ctrl-L or F12: lock the screen */
	TUI_ACT_SIGN_OUT, /* Ctrl-Q: sign out */
	TUI_ACT_FLOW,    /* F7: find and run a FAQ flow */
	TUI_ACT_REPORTS  /* F9: supervisor reports (an advisor's own figures) */
};
/* The global meaning of k. typing: the focus is on a text field holding
 * text (then ? is text, not help). */
enum tui_action tui_key_action(const struct tui_key *k, bool typing);

/* ---- text on screen ------------------------------------------------------- */

/* Display columns of UTF-8 text (wcwidth per character; invalid bytes and
 * unprintable characters count one column each). */
size_t tui_text_width(const char *s);
/* Bytes of the longest prefix of s that fits in width columns (never
 * splitting a character); *cols gets its width when cols is non-NULL. */
size_t tui_text_fit(const char *s, size_t width, size_t *cols);
/* Appends s to out fitted to exactly width columns: cut with "…" when too
 * wide, padded with spaces when narrower. */
void tui_text_pad(struct buf *out, const char *s, size_t width);

/*
 * Shares total columns among n columns with gap columns between them. want[i]
 * is the width column i's widest cell needs, min[i] the least it may get.
 * Columns get what they want when it fits; otherwise the widest ones are cut
 * first, never below min. out[i] receives the widths.
 */
void tui_column_widths(const size_t *want, const size_t *min, size_t n, size_t total,
		       size_t gap, size_t *out);
/* One list row: each cell fitted to its width, gap spaces between. Caller
 * frees the result. */
char *tui_row_format(const char *const *cells, const size_t *widths, size_t n, size_t gap);

/*
 * How a case's due date reads in a list, never by colour alone:
 * "OVERDUE 3 days" (past due), "due today", "due Fri 27 Nov", "paused"
 * (awaiting the customer), "closed". due is YYYY-MM-DD.
 */
void tui_due_text(const char *due, const char *status, struct date today, char *out,
		  size_t outsz);
/* A date as people read it: "Fri 27 Nov 2026". */
void tui_date_long(struct date d, char *out, size_t outsz);
/* Seconds as a timer: "04:07", "1:02:03". */
void tui_timer_text(long seconds, char *out, size_t outsz);
/* The most rows the needs banner takes: it wraps rather than cut a need off
 * (at 80 columns ten needs with details take three). */
#define TUI_NEEDS_ROWS_MAX 3
/* A customer with needs recorded, in lists: text, so it does not rest on
 * colour, and the banner's "!!" (a Needs column, or before the name). */
#define TUI_NEEDS_FLAG "!!"
#define TUI_NEEDS_MARK TUI_NEEDS_FLAG " "

/*
 * Service type-ahead: how well query matches a service. Every word of query
 * must start a word of name or code (case and accents folded); -1 when it
 * does not match, else a score where lower is better (a match at the start of
 * the name first).
 */
int tui_match_score(const char *query, const char *name, const char *code);

/*
 * A reference in large letters to read to a customer: row (0..TUI_BIG_ROWS-1)
 * of text drawn with '#' blocks, 6 columns a character. Letters, digits and
 * '-'; anything else is a blank.
 */
#define TUI_BIG_ROWS 5
void tui_big_text(const char *text, int row, char *out, size_t outsz);

/* ---- the text field ------------------------------------------------------- */

#define TUI_FIELD_MAX 4096 /* bytes */
/*
 * A one-line editable UTF-8 text with a cursor (a byte offset, always on a
 * character boundary). Editing never splits a character.
 */
struct tui_field {
	char text[TUI_FIELD_MAX];
	size_t len;
	size_t cursor;
	size_t max_chars; /* 0: no limit below TUI_FIELD_MAX */
	bool secret;	  /* draw as bullets (passwords) */
	bool changed;	  /* edited since tui_field_set */
};
/* Empties f and sets text (cut to fit), cursor at the end; clears changed. */
void tui_field_set(struct tui_field *f, const char *text);
/* Applies an editing key (characters, Backspace, Delete, Left, Right, Home,
 * End, Ctrl-U, Ctrl-K, Ctrl-W, Ctrl-A, Ctrl-E); false if k is not one. */
bool tui_field_key(struct tui_field *f, const struct tui_key *k);
/*
 * Which part of the text shows in width columns with the cursor visible:
 * *first is the byte the view starts at (the caller keeps it between calls
 * so the view scrolls smoothly), *cursor_col the cursor's column in it.
 */
void tui_field_view(const struct tui_field *f, size_t width, size_t *first,
		    size_t *cursor_col);

/* ---- the list ------------------------------------------------------------- */

/* Selection and scrolling of a list of count rows shown height at a time. */
struct tui_list {
	int count, selected, top, height;
};
/* Moves with Up, Down, PgUp, PgDn, Home, End; false if k is not one. */
bool tui_list_key(struct tui_list *l, const struct tui_key *k);
/* Clamps selected to the rows and scrolls so it is visible. */
void tui_list_fix(struct tui_list *l);

#endif
