/*
 * Private to src/tui: the console's state, the screen table every screen
 * fills, drawing helpers and the form widget. Includes curses; nothing
 * outside src/tui includes this file.
 */
#ifndef FRONTDESK_TUI_INT_H
#define FRONTDESK_TUI_INT_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>

#include "frontdesk/sync.h"
#include "frontdesk/tui.h"

#ifndef FRONTDESK_VERSION
#define FRONTDESK_VERSION "unknown"
#endif
#define FRONTDESK_VERSION_TEXT "version " FRONTDESK_VERSION

struct tui;
struct screen;

/* What a screen did with a key. */
enum key_result {
	KR_UNUSED, /* not this screen's: the global keys get it */
	KR_USED,
	KR_CLOSE /* close this screen (back to the one below) */
};

/* One line of the help overlay: the keys and what they do. */
struct key_help {
	const char *keys, *what;
};

/*
 * A screen: one file in src/tui/ fills this table (tmux's window modes). Only
 * draw and key are required. draw paints rows 0 .. LINES-3 (the last two rows
 * are the message line and the status bar) and sets the cursor with
 * tui_cursor(). customer_id says whose data the screen shows (NULL: none).
 */
struct screen_ops {
	const char *name;
	const struct key_help *help; /* ended by { NULL, NULL } */
	void (*open)(struct screen *sc, const void *arg);
	void (*close)(struct screen *sc);
	void (*resize)(struct screen *sc);
	void (*draw)(struct screen *sc);
	enum key_result (*key)(struct screen *sc, const struct tui_key *k);
	/* True when closing would lose what the advisor typed. */
	bool (*unsaved)(struct screen *sc);
	/* Called when the screen is on top again (a screen above closed). */
	void (*reenter)(struct screen *sc);
	/* The keys for this screen now (e.g. by role); NULL: help above. */
	const struct key_help *(*help_now)(struct screen *sc);
};

struct screen {
	const struct screen_ops *ops;
	struct tui *t;
	void *state; /* the screen's own; freed by its close */
};

#define SCREEN_MAX 16

/* The signed-in desk: who, where, how. */
struct desk {
	char site[48], site_name[128];
	char channel[48], channel_name[128];
	long idle_minutes;
};

struct tui {
	struct store *store;
	struct user_session who;
	bool signed_in;
	bool locked;
	bool quit;
	bool colour;
	bool help_open;
	struct desk desk;
	int64_t last_key_ms;
	struct screen stack[SCREEN_MAX];
	int depth;
	/* message line */
	char message[ERR_MSG_MAX];
	bool message_error;
	/* a pending yes/no question and what yes does */
	char question[256];
	void (*on_yes)(struct tui *t, void *ctx);
	void *yes_ctx;
	/* the cursor for this frame */
	int cur_y, cur_x;
	bool cur_show;
	/* the lock panel's password field */
	struct tui_field lock_password;
	int lock_failures;
	struct timespec allowed_checked; /* when the signed-in user was last
					    found still allowed */
	/* retention: the schedule file (borrowed from tui_options,
	 * NULL: none) and the London date it was last applied ("": not yet) */
	const char *retention_schedule;
	char retention_day[16];
	/* background sync when the desk is enrolled (NULL otherwise) */
	struct sync_bg *sync;
	/* the signed-in supervisor's session at the server for reports over
	 * all hubs: opened at the first such report (one password check
	 * there), ended at sign-out, lock and quit; in memory only */
	struct sync_person org_person;
};
/* Ends the reports' session at the server, if one is open (best effort). */
void tui_org_session_end(struct tui *t);

/* Screens. */
extern const struct screen_ops screen_signin_ops, screen_search_ops, screen_customer_ops,
	screen_customer_edit_ops, screen_contact_ops, screen_cases_ops, screen_case_ops,
	screen_desk_ops;
/* Supervisor reports: screen_report.c. */
extern const struct screen_ops screen_report_ops;
/* Data protection: screen_privacy.c. Both take the customer id. */
extern const struct screen_ops screen_export_ops, screen_erase_ops;
/* Opens the export (supervisor, admin) or erase (admin) screen for a
 * customer; a role that may not gets the store's refusal (audited) on the
 * message line instead. */
void tui_customer_export(struct tui *t, const char *customer_id);
void tui_customer_erase(struct tui *t, const char *customer_id);
/* Applies the retention schedule when it has not been applied yet on this
 * London date (at start, then the first idle moment after midnight), as
 * "console:retention", in one transaction; says what it did only if it
 * changed something. */
void tui_retention_due(struct tui *t);
/* FAQ flows: screen_flow.c. */
extern const struct screen_ops screen_flow_ops;
/* Argument of screen_flow_ops.open (NULL: anonymous, a new visit). */
struct flow_open {
	const char *customer_id; /* NULL: anonymous (no parking) */
	const char *visit_id;	 /* NULL: a new visit */
};

/* Choosing an address from the gazetteer: screen_address.c. */
extern const struct screen_ops screen_address_pick_ops;
/* Argument of screen_address_pick_ops.open: the addresses at postcode
 * (canonical) are listed; Enter calls chosen with the one picked (its
 * texts borrowed for the call) and closes. */
struct address_pick_open {
	const char *postcode;
	void (*chosen)(void *ctx, const struct gazetteer_address *a);
	void *ctx;
};

/* Argument of screen_contact_ops.open (NULL: an anonymous contact). */
struct contact_open {
	const char *customer_id;
};
/* Argument of screen_customer_edit_ops.open: NULL creates a customer; a name
 * to start a new customer with, or the id of one to edit. */
struct customer_edit_open {
	const char *customer_id; /* NULL: a new customer */
	const char *name;	 /* start text for a new customer's name */
};

/* ---- the console ---------------------------------------------------------- */

/* Opens a screen on top. arg is the screen's own (borrowed for open). */
void tui_push(struct tui *t, const struct screen_ops *ops, const void *arg);
/* Closes the top screen. */
void tui_pop(struct tui *t);
/* Closes screens down to depth (1: home). */
void tui_pop_to(struct tui *t, int depth);
/* The top screen. */
struct screen *tui_top(struct tui *t);

/* The message line: info (plain) or error (bold, with "Problem:"). */
void tui_say(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tui_error(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tui_error_err(struct tui *t, const struct err *e);
/* Asks a yes/no question on the message line; yes runs on_yes. */
void tui_ask(struct tui *t, const char *question, void (*on_yes)(struct tui *t, void *ctx),
	     void *ctx);
/* Puts the terminal cursor at (y, x) for this frame. */
void tui_cursor(struct tui *t, int y, int x);
/* Re-reads the desk's settings (site, channel, idle lock minutes). */
void tui_desk_load(struct tui *t);
/* Signs in as who: audits done by the store; pushes home. */
void tui_signed_in(struct tui *t, const struct user_session *who);
/* Asks to sign out (warning about unsaved work), then signs out. */
void tui_sign_out(struct tui *t);

/* ---- drawing --------------------------------------------------------------- */

enum paint {
	PAINT_PLAIN,
	PAINT_TITLE,   /* screen title: bold, reverse */
	PAINT_HEADER,  /* column headers: underlined */
	PAINT_NEEDS,   /* needs banner: reverse + bold, words say it too */
	PAINT_WARN,    /* overdue, errors: bold (and red when colour is on) */
	PAINT_NOTICE,  /* hot topics: bold (and yellow when colour is on) */
	PAINT_SELECTED, /* the selected list row: reverse, with a '>' marker */
	PAINT_DIM,     /* hints */
	PAINT_FIELD    /* an input field's area: underlined */
};
/* Writes text at (y, x) fitted to width columns (padded with blanks). */
void draw_text(struct tui *t, int y, int x, int width, const char *text, enum paint p);
/* printf form of draw_text. */
void draw_textf(struct tui *t, int y, int x, int width, enum paint p, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Draws text wrapped at blanks in width columns, at most rows rows; a
 * newline starts a row, and the last row ends in "..." when text is left
 * over. Returns the rows used. */
int draw_paragraph(struct tui *t, int y, int x, int width, int rows, const char *text,
		   enum paint p);
/* When the store hides customer records (the offline limit; why: the
 * refusal, or NULL to ask store_offline_check), draws what happened and
 * what to do in rows y .. y+rows-1 and returns the rows used; else 0. */
int draw_offline_notice(struct tui *t, int y, int rows, const struct err *why);
/* A full-width title bar at row y: left text, right text. */
void draw_title(struct tui *t, int y, const char *left, const char *right);
/* The banner a referral ends with, from row y: the case reference large
 * (the advisor reads it to the customer), spelt out, its due date and team.
 * Returns the rows used. */
int draw_case_banner(struct tui *t, int y, const struct contact_result *r, long standard_days,
		     const char *team);
/* The needs banner for a customer's needs at row y (one row); returns the
 * rows used (always 1). */
int draw_needs(struct tui *t, int y, const char *name, const char *needs);
/* An editable field at (y, x, width); when focused, places the cursor. first
 * keeps the scroll position. */
void draw_field(struct tui *t, int y, int x, int width, const struct tui_field *f,
		size_t *first, bool focused);

/*
 * A list on the shared widget: rows y .. y+height-1, row text from row_text
 * (a fresh string the list frees). The selected row is reversed and marked
 * with '>' (when focused) so selection never rests on colour. empty is shown
 * when there are no rows.
 */
void draw_list(struct tui *t, struct tui_list *l, int y, int x, int width, int height,
	       char *(*row_text)(void *ctx, int index, int width), void *ctx, bool focused,
	       const char *empty);

/* ---- the form widget -------------------------------------------------------- */

enum form_kind {
	FORM_TEXT,   /* free text in a tui_field */
	FORM_CHOICE, /* one of a list: Left/Right, Space, digits, first letter */
	FORM_PICK    /* type-ahead over a list: type, Up/Down, Enter picks */
};

struct form_choice {
	char *code, *name;
};

struct form_field {
	enum form_kind kind;
	const char *label;
	const char *hint; /* shown after the field, or NULL */
	bool hidden;	  /* not shown and skipped (e.g. referral-only fields) */
	bool required;
	struct tui_field text; /* TEXT and PICK */
	size_t first;	       /* scroll of the text */
	struct form_choice *choices;
	int nchoices;
	int chosen; /* CHOICE and PICK: index or -1 */
	/* PICK: matches of the typed text, best first */
	int *matches;
	int nmatches;
	struct tui_list match_list;
	char error[ERR_MSG_MAX];
};

struct form {
	struct form_field *fields;
	int nfields;
	int focus;
	int label_width;
	bool changed;
};

/* Sets up a field (the form owns choices it is given; they are freed by
 * form_release). */
void form_init(struct form *f, struct form_field *fields, int n);
void form_release(struct form *f);
/* Adds a choice (code and name copied). */
void form_choice_add(struct form_field *ff, const char *code, const char *name);
/* The chosen code, or NULL. */
const char *form_choice_code(const struct form_field *ff);
/* Chooses the choice with code (or none when not found). */
void form_choose(struct form_field *ff, const char *code);
/* Handles a key: editing, moving between fields, choosing. Returns true if
 * used. Enter on the last field is not used (the screen decides). */
bool form_key(struct form *f, const struct tui_key *k);
/* Draws the fields from row y; returns the next free row. */
int form_draw(struct tui *t, struct form *f, int y, int max_y);
/* True when any field was edited. */
bool form_changed(const struct form *f);
/* Moves the focus to the next / previous visible field. */
void form_focus_next(struct form *f, int dir);
/* Re-runs a PICK field's type-ahead. */
void form_pick_update(struct form_field *ff);

/*
 * Measuring seams for make bench. The shipped console has none: here they
 * are empty inlines. The bench build (build/frontdesk-bench) compiles tui.c
 * with FRONTDESK_TEST_HOOKS and links tests/hooks/tui_hooks.c: with
 * FRONTDESK_BENCH_FILE set, it appends to that file the wall time (ms since
 * the epoch) at which the search screen was first drawn ("ready MS") and,
 * for every key, the time from reading it to the end of the redraw it
 * caused ("key US"). tests/bench/bench_tui and flow-bench read them.
 */
#ifdef FRONTDESK_TEST_HOOKS
/* The loop starts and ends. */
void tui_hook_start(void);
void tui_hook_stop(void);
/* A key was read. */
void tui_hook_key(void);
/* The screen was drawn; search_shown when the search screen is on top. */
void tui_hook_frame(bool search_shown);
#else
static inline void tui_hook_start(void)
{
}
static inline void tui_hook_stop(void)
{
}
static inline void tui_hook_key(void)
{
}
static inline void tui_hook_frame(bool search_shown)
{
	(void)search_shown;
}
#endif

#endif
