/*
 * Console tests with no terminal: the pure layout helpers (widths, rows,
 * due dates, timer, needs, type-ahead, large letters, keys), the text field
 * and the list, then the store functions the console stands on (users and
 * sign-in with lock-out and re-hash, case status with the paused clock,
 * history, hot topics, counts) on a real SQLite file.
 */
#define _XOPEN_SOURCE 700
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "frontdesk/tui.h"

static struct tui_key ch(wchar_t wc)
{
	return (struct tui_key){ TUI_KEY_CHAR, wc, 0 };
}

static struct tui_key key(enum tui_key_kind kind)
{
	return (struct tui_key){ kind, 0, 0 };
}

static struct tui_key ctrl(wchar_t letter)
{
	return (struct tui_key){ TUI_KEY_CTRL, letter, 0 };
}

/* ---- text on screen ---------------------------------------------------------- */

static void test_text_width(void **state)
{
	(void)state;
	assert_int_equal(tui_text_width(NULL), 0);
	assert_int_equal(tui_text_width(""), 0);
	assert_int_equal(tui_text_width("\xff\xfe"), 2); /* invalid bytes: one each */
	assert_int_equal(tui_text_width("Zoe"), 3);
	assert_int_equal(tui_text_width("Zoë"), 3);
	assert_int_equal(tui_text_width("Zoe\xcc\x88"), 3); /* combining diaeresis */
	assert_int_equal(tui_text_width("Łukasz"), 6);
	assert_int_equal(tui_text_width("Nguyễn"), 6);
	assert_int_equal(tui_text_width("عائشة"), 5);
	assert_int_equal(tui_text_width("王芳"), 4);
}

static void test_text_fit_and_pad(void **state)
{
	size_t cols;
	struct buf b;

	(void)state;
	/* A wide character never splits. */
	assert_int_equal(tui_text_fit("王芳", 3, &cols), 3);
	assert_int_equal(cols, 2);
	assert_int_equal(tui_text_fit("Zoe\xcc\x88x", 3, &cols), 5); /* keeps the mark */
	assert_int_equal(tui_text_fit("abc", 0, &cols), 0);
	buf_init(&b, 1024);
	tui_text_pad(&b, "王芳", 6);
	assert_string_equal(buf_str(&b), "王芳  ");
	buf_reset(&b);
	tui_text_pad(&b, "Nguyễn Văn An", 8);
	assert_string_equal(buf_str(&b), "Nguyễn \xe2\x80\xa6");
	assert_int_equal(tui_text_width(buf_str(&b)), 8);
	buf_reset(&b);
	tui_text_pad(&b, "王芳王芳", 4);
	assert_string_equal(buf_str(&b), "王\xe2\x80\xa6 ");
	buf_reset(&b);
	tui_text_pad(&b, NULL, 2);
	assert_string_equal(buf_str(&b), "  ");
	buf_release(&b);
}

static void test_columns_and_rows(void **state)
{
	size_t want[3] = { 20, 10, 30 }, min[3] = { 8, 10, 5 }, out[3];
	const char *cells[3] = { "王芳", "2026-01-02", "Zoë" };
	size_t widths[3] = { 6, 10, 4 };
	char *row;

	(void)state;
	tui_column_widths(want, min, 3, 100, 2, out);
	assert_int_equal(out[0], 20);
	assert_int_equal(out[2], 30);
	/* Too wide: the widest columns give way first, never below min. */
	tui_column_widths(want, min, 3, 44, 2, out);
	assert_int_equal(out[0] + out[1] + out[2], 40);
	assert_true(out[1] >= 10);
	assert_int_equal(out[0], 15);
	assert_int_equal(out[2], 15);
	tui_column_widths(want, min, 3, 10, 2, out);
	assert_int_equal(out[0], 8);
	assert_int_equal(out[1], 10);
	assert_int_equal(out[2], 5);
	row = tui_row_format(cells, widths, 3, 2);
	assert_string_equal(row, "王芳    2026-01-02  Zoë ");
	assert_int_equal(tui_text_width(row), 6 + 2 + 10 + 2 + 4);
	free(row);
}

static void test_due_text(void **state)
{
	struct date today = { 2026, 11, 20 }; /* a Friday */
	char out[64];

	(void)state;
	tui_due_text("2026-11-17", "open", today, out, sizeof out);
	assert_string_equal(out, "OVERDUE 3 days");
	tui_due_text("2026-11-19", "in-progress", today, out, sizeof out);
	assert_string_equal(out, "OVERDUE 1 day");
	tui_due_text("2026-11-20", "open", today, out, sizeof out);
	assert_string_equal(out, "due today");
	tui_due_text("2026-11-24", "open", today, out, sizeof out);
	assert_string_equal(out, "due Tue 24 Nov");
	/* Paused and closed cases are never overdue. */
	tui_due_text("2026-11-01", "awaiting-customer", today, out, sizeof out);
	assert_string_equal(out, "paused");
	tui_due_text("2026-11-01", "closed", today, out, sizeof out);
	assert_string_equal(out, "closed");
	tui_due_text("not a date", "open", today, out, sizeof out);
	assert_string_equal(out, "no due date");
	tui_due_text(NULL, NULL, today, out, sizeof out);
	assert_string_equal(out, "no due date");
	tui_date_long((struct date){ 2026, 12, 4 }, out, sizeof out);
	assert_string_equal(out, "Fri 4 Dec 2026");
}

static void test_timer(void **state)
{
	char out[32];

	(void)state;
	tui_timer_text(-5, out, sizeof out);
	assert_string_equal(out, "00:00");
	tui_timer_text(247, out, sizeof out);
	assert_string_equal(out, "04:07");
	tui_timer_text(3723, out, sizeof out);
	assert_string_equal(out, "1:02:03");
}

static void test_match_score(void **state)
{
	(void)state;
	assert_int_equal(tui_match_score("", "Missed bin collection", "waste-missed-bin"), 0);
	assert_true(tui_match_score("bin", "Missed bin collection", "waste-missed-bin") >= 0);
	assert_int_equal(tui_match_score("bin", "Garden waste subscription", "waste-garden"), -1);
	assert_int_equal(tui_match_score("in", "Missed bin collection", "x"), -1); /* word starts */
	/* The start of the name beats a later word; name beats code. */
	assert_true(tui_match_score("council", "Council Tax - moving home", "ct") <
		    tui_match_score("tax", "Council Tax - moving home", "ct"));
	assert_true(tui_match_score("tax", "Council Tax - moving home", "ct") <
		    tui_match_score("fly", "Report", "fly-tipping"));
	assert_true(tui_match_score("council tax mov", "Council Tax - moving home", "ct") >= 0);
	assert_int_equal(tui_match_score("council tax pay", "Council Tax - moving home", "ct"), -1);
	/* Case and accents folded. */
	assert_true(tui_match_score("LUK", "Łukasz's service", "x") >= 0);
}

static void test_big_text(void **state)
{
	char row[128];

	(void)state;
	tui_big_text("W-1", 0, row, sizeof row);
	assert_string_equal(row, "#   #         #");
	tui_big_text("W-1", 2, row, sizeof row);
	assert_string_equal(row, "# # # #####   #");
	tui_big_text("wb2", 4, row, sizeof row);
	tui_big_text("WB2", 4, row + 64, 64);
	assert_string_equal(row, row + 64);
	tui_big_text("W", 5, row, sizeof row);
	assert_string_equal(row, "");
	tui_big_text(NULL, 0, row, sizeof row);
	assert_string_equal(row, "");
	tui_big_text("WB2-00417", 0, row, 10); /* cut short, still terminated */
	assert_true(strlen(row) < 10);
}

static void test_key_action(void **state)
{
	struct tui_key k;

	(void)state;
	k = (struct tui_key){ TUI_KEY_FN, 0, 1 };
	assert_int_equal(tui_key_action(&k, true), TUI_ACT_HELP);
	k.n = 2;
	assert_int_equal(tui_key_action(&k, true), TUI_ACT_CONTACT);
	k.n = 3;
	assert_int_equal(tui_key_action(&k, false), TUI_ACT_CASES);
	k.n = 12;
	assert_int_equal(tui_key_action(&k, false), TUI_ACT_LOCK);
	k.n = 11;
	assert_int_equal(tui_key_action(&k, false), TUI_ACT_NONE);
	k = ctrl(L'n');
	assert_int_equal(tui_key_action(&k, true), TUI_ACT_CONTACT);
	k = ctrl(L'l');
	assert_int_equal(tui_key_action(&k, true), TUI_ACT_LOCK);
	k = ctrl(L'q');
	assert_int_equal(tui_key_action(&k, true), TUI_ACT_SIGN_OUT);
	k = ctrl(L'u'); /* an editing key, not global */
	assert_int_equal(tui_key_action(&k, true), TUI_ACT_NONE);
	/* ? is help, except while typing text. */
	k = ch(L'?');
	assert_int_equal(tui_key_action(&k, false), TUI_ACT_HELP);
	assert_int_equal(tui_key_action(&k, true), TUI_ACT_NONE);
	k = ch(L'a');
	assert_int_equal(tui_key_action(&k, false), TUI_ACT_NONE);
	k = key(TUI_KEY_ESC);
	assert_int_equal(tui_key_action(&k, false), TUI_ACT_NONE);
}

/* ---- the text field and the list ------------------------------------------------- */

static void type(struct tui_field *f, const wchar_t *s)
{
	for (; *s; s++) {
		struct tui_key k = ch(*s);

		assert_true(tui_field_key(f, &k));
	}
}

static void test_field_editing(void **state)
{
	struct tui_field f;
	struct tui_key k;

	(void)state;
	memset(&f, 0, sizeof f);
	tui_field_set(&f, NULL);
	assert_string_equal(f.text, "");
	k = key(TUI_KEY_BACKSPACE);
	assert_true(tui_field_key(&f, &k)); /* nothing to delete: no harm */
	type(&f, L"Nguyễn");
	assert_string_equal(f.text, "Nguyễn");
	assert_true(f.changed);
	k = key(TUI_KEY_BACKSPACE);
	tui_field_key(&f, &k);
	tui_field_key(&f, &k);
	assert_string_equal(f.text, "Nguy"); /* whole characters go */
	type(&f, L"ễn 王芳");
	k = key(TUI_KEY_LEFT);
	tui_field_key(&f, &k);
	k = key(TUI_KEY_BACKSPACE);
	tui_field_key(&f, &k);
	assert_string_equal(f.text, "Nguyễn 芳");
	type(&f, L"王");
	assert_string_equal(f.text, "Nguyễn 王芳");
	k = key(TUI_KEY_HOME);
	tui_field_key(&f, &k);
	k = key(TUI_KEY_DELETE);
	tui_field_key(&f, &k);
	assert_string_equal(f.text, "guyễn 王芳");
	k = key(TUI_KEY_END);
	tui_field_key(&f, &k);
	k = ctrl(L'w');
	tui_field_key(&f, &k);
	assert_string_equal(f.text, "guyễn ");
	k = ctrl(L'u');
	tui_field_key(&f, &k);
	assert_string_equal(f.text, "");
	/* Control characters and surrogates are refused. */
	k = ch(L'\x07');
	assert_false(tui_field_key(&f, &k));
	k = ch((wchar_t)0xd800);
	assert_false(tui_field_key(&f, &k));
	k = key(TUI_KEY_UP);
	assert_false(tui_field_key(&f, &k));
	/* A limit in characters. */
	f.max_chars = 3;
	type(&f, L"عائشة");
	assert_string_equal(f.text, "عائ");
	/* Setting cuts on a character boundary. */
	{
		char *big = xmalloc(TUI_FIELD_MAX + 8);

		memset(big, 'a', TUI_FIELD_MAX + 7);
		memcpy(big + TUI_FIELD_MAX - 2, "王", 3);
		big[TUI_FIELD_MAX + 7] = '\0';
		tui_field_set(&f, big);
		assert_int_equal(f.len, TUI_FIELD_MAX - 2);
		assert_false(f.changed);
		free(big);
	}
}

static void test_field_view(void **state)
{
	struct tui_field f;
	size_t first = 0, col;

	(void)state;
	memset(&f, 0, sizeof f);
	tui_field_set(&f, "王芳王芳王芳"); /* 12 columns */
	tui_field_view(&f, 8, &first, &col);
	/* The cursor at the end stays visible with a free column for it. */
	assert_true(col < 8);
	assert_int_equal(first % 3, 0);
	assert_int_equal(col, 6);
	f.cursor = 0;
	tui_field_view(&f, 8, &first, &col);
	assert_int_equal(first, 0);
	assert_int_equal(col, 0);
	f.secret = true;
	tui_field_set(&f, "王芳");
	first = 0;
	tui_field_view(&f, 8, &first, &col);
	assert_int_equal(col, 2); /* one bullet a character */
	tui_field_view(&f, 0, &first, &col);
	assert_int_equal(col, 0);
}

static void test_list(void **state)
{
	struct tui_list l = { .count = 0, .height = 5 };
	struct tui_key k = key(TUI_KEY_DOWN);

	(void)state;
	assert_true(tui_list_key(&l, &k));
	assert_int_equal(l.selected, 0);
	l.count = 12;
	for (int i = 0; i < 7; i++)
		tui_list_key(&l, &k);
	assert_int_equal(l.selected, 7);
	assert_int_equal(l.top, 3);
	k = key(TUI_KEY_END);
	tui_list_key(&l, &k);
	assert_int_equal(l.selected, 11);
	assert_int_equal(l.top, 7);
	k = key(TUI_KEY_PGUP);
	tui_list_key(&l, &k);
	assert_int_equal(l.selected, 7);
	k = key(TUI_KEY_HOME);
	tui_list_key(&l, &k);
	assert_int_equal(l.selected, 0);
	assert_int_equal(l.top, 0);
	k = key(TUI_KEY_UP);
	tui_list_key(&l, &k);
	assert_int_equal(l.selected, 0);
	/* A shrunk list keeps the selection on a row. */
	l.selected = 11;
	l.count = 3;
	tui_list_fix(&l);
	assert_int_equal(l.selected, 2);
	assert_int_equal(l.top, 0);
	k = ch(L'x');
	assert_false(tui_list_key(&l, &k));
}

/* ---- the store under the console ---------------------------------------------------- */

static char dir[64], path[128];
static int64_t fake_now;

static int64_t fixed_clock(void)
{
	return fake_now;
}

#define FRIDAY_MS 1795168800000LL /* 2026-11-20T10:00:00Z, a Friday */
#define DAY_MS 86400000LL

static int store_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/fd-tui-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/fd.db", dir);
	fake_now = FRIDAY_MS;
	clock_hook = fixed_clock;
	/* The lowest limits keep the tests quick (and valgrind bearable). */
	store_user_hash_limits(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	return 0;
}

static int store_teardown(void **state)
{
	char f[160];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		static const char *const ext[] = { "", "-wal", "-shm" };

		snprintf(f, sizeof f, "%s%s", path, ext[i]);
		unlink(f);
	}
	rmdir(dir);
	clock_hook = NULL;
	return 0;
}

static struct refdata make_refdata(void)
{
	struct refdata rd = { 0 };

	rd.nteams = 1;
	rd.teams = xcalloc(1, sizeof *rd.teams);
	rd.teams[0] = (struct ref_team){ xstrdup("waste"), xstrdup("Waste"), NULL };
	rd.nservices = 1;
	rd.services = xcalloc(1, sizeof *rd.services);
	rd.services[0] = (struct ref_service){ xstrdup("missed-bin"), xstrdup("Missed bin"),
					       xstrdup("waste"), NULL, 0, 2 };
	rd.nsites = 1;
	rd.sites = xcalloc(1, sizeof *rd.sites);
	rd.sites[0] = (struct ref_site){ xstrdup("civic-centre"), xstrdup("Civic Centre"),
					 xstrdup("office"), NULL, NULL };
	rd.nchannels = 1;
	rd.channels = xcalloc(1, sizeof *rd.channels);
	rd.channels[0] = (struct ref_channel){ xstrdup("face-to-face"), xstrdup("Face to face"),
					       1053, false };
	rd.noutcomes = 2;
	rd.outcomes = xcalloc(2, sizeof *rd.outcomes);
	rd.outcomes[0] = (struct ref_simple){ xstrdup("resolved"), xstrdup("Resolved"), NULL };
	rd.outcomes[1] = (struct ref_simple){ xstrdup("referred"), xstrdup("Referred"), NULL };
	rd.nholidays = 1;
	rd.holidays = xcalloc(1, sizeof *rd.holidays);
	rd.holiday_names = xcalloc(1, sizeof *rd.holiday_names);
	rd.holidays[0] = (struct date){ 2026, 12, 25 };
	rd.holiday_names[0] = xstrdup("Christmas Day");
	return rd;
}

static struct store *open_ready(void)
{
	struct store *s;
	struct refdata rd = make_refdata();
	struct err e;

	assert_int_equal(store_open(path, 0, &s, &e), STATUS_OK);
	store_set_actor_role(s, "test:admin", STORE_ROLE_ADMIN); /* sets the desk up */
	assert_int_equal(store_refdata_replace(s, &rd, &e), STATUS_OK);
	assert_int_equal(store_setting_set(s, "site", "civic-centre", &e), STATUS_OK);
	/* Only an admin manages users: the test acts as one. */
	store_set_actor_role(s, "test", STORE_ROLE_ADMIN);
	refdata_release(&rd);
	return s;
}

static int count_audit(void *ctx, const struct user_row *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static void test_user_checks(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(user_login_check(NULL, &e), STATUS_INVALID);
	assert_int_equal(user_login_check("", &e), STATUS_INVALID);
	assert_int_equal(user_login_check("JSmith", &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "'JSmith'"));
	assert_int_equal(user_login_check("1abc", &e), STATUS_INVALID);
	assert_int_equal(user_login_check("j smith", &e), STATUS_INVALID);
	assert_int_equal(user_login_check("abcdefghijabcdefghijabcdefghijabc", &e), STATUS_INVALID);
	assert_int_equal(user_login_check("j.smith-2_x", &e), STATUS_OK);
	assert_int_equal(user_role_check(NULL, &e), STATUS_INVALID);
	assert_int_equal(user_role_check("root", &e), STATUS_INVALID);
	assert_int_equal(user_role_check("supervisor", &e), STATUS_OK);
	assert_int_equal(user_password_check(NULL, &e), STATUS_INVALID);
	assert_int_equal(user_password_check("short", &e), STATUS_INVALID);
	assert_int_equal(user_password_check("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7", &e),
			 STATUS_INVALID);
	assert_int_equal(user_password_check("王芳王芳王芳王", &e), STATUS_INVALID); /* 7 */
	assert_int_equal(user_password_check("王芳王芳王芳王芳", &e), STATUS_OK);
}

static void test_sign_in_lockout_rehash(void **state)
{
	struct store *s = open_ready();
	struct user_session who;
	struct err e;
	int n = 0;

	(void)state;
	assert_int_equal(store_user_count(s), 0);
	assert_int_equal(store_user_add(s, "jsmith", "Jo Smith", "advisor", "correct horse", &e),
			 STATUS_OK);
	assert_int_equal(store_user_add(s, "jsmith", NULL, "admin", "correct horse", &e),
			 STATUS_EXISTS);
	assert_int_equal(store_user_add(s, "bad login", NULL, "admin", "correct horse", &e),
			 STATUS_INVALID);
	assert_int_equal(store_user_count(s), 1);
	assert_int_equal(store_user_list(s, count_audit, &n, &e), STATUS_OK);
	assert_int_equal(n, 1);

	/* Unknown login and wrong password read the same. */
	assert_int_equal(store_user_sign_in(s, "nobody", "correct horse", false, &who, &e),
			 STATUS_DENIED);
	assert_non_null(strstr(e.msg, "do not match"));
	assert_int_equal(store_user_sign_in(s, "", "x", false, &who, &e), STATUS_DENIED);
	assert_int_equal(store_user_sign_in(s, "jsmith", "correct horse", false, &who, &e),
			 STATUS_OK);
	assert_string_equal(who.login, "jsmith");
	assert_string_equal(who.role, "advisor");
	assert_string_equal(store_actor(s), "advisor:jsmith");

	for (int i = 1; i <= 4; i++)
		assert_int_equal(store_user_sign_in(s, "jsmith", "wrong", false, &who, &e),
				 STATUS_DENIED);
	assert_int_equal(store_user_sign_in(s, "jsmith", "wrong", false, &who, &e), STATUS_DENIED);
	assert_non_null(strstr(e.msg, "locked for 5 minutes"));
	/* Locked: even the right password is refused for five minutes. */
	fake_now += 4 * 60000;
	assert_int_equal(store_user_sign_in(s, "jsmith", "correct horse", false, &who, &e),
			 STATUS_DENIED);
	assert_non_null(strstr(e.msg, "try again in 1 minute"));
	fake_now += 60000 + 1;
	assert_int_equal(store_user_sign_in(s, "jsmith", "correct horse", true, &who, &e),
			 STATUS_OK);

	/* A hash made with other limits is re-hashed at the next sign-in. */
	store_user_hash_limits(crypto_pwhash_OPSLIMIT_MIN + 1, crypto_pwhash_MEMLIMIT_MIN);
	assert_int_equal(store_user_sign_in(s, "jsmith", "correct horse", false, &who, &e),
			 STATUS_OK);
	store_user_hash_limits(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);

	/* Signed in as an advisor: user management is refused and audited. */
	assert_int_equal(store_user_set_disabled(s, "jsmith", true, &e), STATUS_DENIED);
	assert_non_null(strstr(e.msg, "may not manage users"));
	assert_int_equal(store_user_set_role(s, "jsmith", "admin", &e), STATUS_DENIED);
	assert_int_equal(store_user_add(s, "kim", NULL, "admin", "correct horse", &e),
			 STATUS_DENIED);
	store_set_actor_role(s, "test", STORE_ROLE_ADMIN);
	/* Role changes: unknown role, same role, the last admin kept. */
	assert_int_equal(store_user_set_role(s, "jsmith", "root", &e), STATUS_INVALID);
	assert_int_equal(store_user_set_role(s, "jsmith", "advisor", &e), STATUS_EXISTS);
	assert_int_equal(store_user_set_role(s, "ghost", "admin", &e), STATUS_NOT_FOUND);
	assert_int_equal(store_user_set_role(s, "jsmith", "admin", &e), STATUS_OK);
	assert_int_equal(store_user_set_role(s, "jsmith", "advisor", &e), STATUS_INVALID);
	assert_non_null(strstr(e.msg, "only administrator"));
	assert_int_equal(store_user_set_role(s, "jsmith", NULL, &e), STATUS_INVALID);
	assert_int_equal(store_user_add(s, "kim", NULL, "admin", "correct horse", &e), STATUS_OK);
	assert_int_equal(store_user_set_role(s, "jsmith", "supervisor", &e), STATUS_OK);

	/* Disabled users cannot sign in; passwd lifts a lock. */
	assert_int_equal(store_user_set_disabled(s, "jsmith", true, &e), STATUS_OK);
	assert_int_equal(store_user_sign_in(s, "jsmith", "correct horse", false, &who, &e),
			 STATUS_DENIED);
	assert_non_null(strstr(e.msg, "disabled"));
	assert_int_equal(store_user_set_disabled(s, "jsmith", false, &e), STATUS_OK);
	assert_int_equal(store_user_set_disabled(s, "ghost", false, &e), STATUS_NOT_FOUND);
	assert_int_equal(store_user_set_password(s, "jsmith", "a new passphrase", &e), STATUS_OK);
	assert_int_equal(store_user_set_password(s, "jsmith", "short", &e), STATUS_INVALID);
	assert_int_equal(store_user_sign_in(s, "jsmith", "a new passphrase", false, &who, &e),
			 STATUS_OK);
	assert_int_equal(store_user_sign_out(s, false, &e), STATUS_OK);

	/* No password-free sign-in on a real database. */
	assert_false(store_is_demo(s));
	assert_int_equal(store_user_demo_sign_in(s, "jsmith", &who, &e), STATUS_DENIED);
	store_close(s);
}

static int keep_due(void *ctx, const struct console_case *r)
{
	snprintf(ctx, 32, "%s %s %ld %d", r->c.status, r->c.due, r->paused_days, r->c.overdue);
	return 0;
}

static int count_rows(void *ctx, const struct contact_row *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static int count_cases(void *ctx, const struct console_case *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static int count_topics(void *ctx, const struct hot_topic_row *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static void test_cases_history_topics_counts(void **state)
{
	struct store *s = open_ready();
	struct customer *c = customer_new();
	struct contact_input in = { 0 };
	struct contact_result res;
	struct advisor_counts counts;
	char text[32];
	struct err e;
	int n = 0;

	(void)state;
	customer_set(c, CF_name, "Zoë Brown");
	assert_int_equal(store_customer_add(s, c, &e), STATUS_OK);
	in.customer_id = c->id;
	in.advisor = "jsmith";
	in.service = "missed-bin";
	in.outcome = "resolved";
	in.duration_s = -1;
	assert_int_equal(store_contact_log(s, &in, &res, &e), STATUS_OK);
	in.outcome = "referred";
	in.reason = "Missed three weeks";
	assert_int_equal(store_contact_log(s, &in, &res, &e), STATUS_OK);
	assert_string_equal(res.due, "2026-11-24");

	assert_int_equal(store_customer_contacts(s, c->id, 0, count_rows, &n, &e), STATUS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_advisor_counts_today(s, "jsmith", &counts, &e), STATUS_OK);
	assert_int_equal(counts.contacts, 2);
	assert_int_equal(counts.resolved, 1);
	assert_int_equal(counts.referred, 1);
	assert_int_equal(store_advisor_counts_today(s, "someone", &counts, &e), STATUS_OK);
	assert_int_equal(counts.contacts, 0);
	n = 0;
	assert_int_equal(store_case_scope(s, CASES_MINE, "jsmith", NULL, 0, count_cases, &n, &e),
			 STATUS_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(store_case_scope(s, CASES_SITE, NULL, "civic-centre", 0, count_cases, &n,
					  &e),
			 STATUS_OK);
	assert_int_equal(n, 1);

	/* Bad updates change nothing. */
	assert_int_equal(store_case_update(s, res.case_ref, "lost", NULL, NULL, &e),
			 STATUS_INVALID);
	assert_int_equal(store_case_update(s, res.case_ref, NULL, NULL, NULL, &e), STATUS_INVALID);
	assert_int_equal(store_case_update(s, res.case_ref, "closed", NULL, NULL, &e),
			 STATUS_INVALID);
	assert_int_equal(store_case_update(s, "ZZZ-99999", "open", "x", NULL, &e),
			 STATUS_NOT_FOUND);

	/* Paused for a week of working days: the due date moves on by five. */
	assert_int_equal(store_case_update(s, res.case_ref, "awaiting-customer", "asked", NULL, &e),
			 STATUS_OK);
	fake_now += 10 * DAY_MS; /* Monday 30 November: overdue if not paused */
	n = 0;
	assert_int_equal(store_case_scope(s, CASES_OVERDUE, NULL, NULL, 0, count_cases, &n, &e),
			 STATUS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_case_update(s, res.case_ref, "in-progress", NULL, NULL, &e),
			 STATUS_OK);
	assert_int_equal(store_case_get_console(s, res.case_ref, keep_due, text, &e), STATUS_OK);
	/* Fri 20 -> Mon 30 Nov is 6 working days; 24 Nov + 6 = 2 Dec. */
	assert_string_equal(text, "in-progress 2026-12-02 6 0");
	assert_int_equal(store_case_update(s, res.case_ref, NULL, "a note", NULL, &e), STATUS_OK);
	assert_int_equal(store_case_update(s, res.case_ref, "closed", NULL, "Bins collected", &e),
			 STATUS_OK);
	assert_int_equal(store_case_update(s, res.case_ref, "open", NULL, NULL, &e), STATUS_DENIED);
	n = 0;
	assert_int_equal(store_customer_cases(s, c->id, false, count_cases, &n, &e), STATUS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_customer_cases(s, c->id, true, count_cases, &n, &e), STATUS_OK);
	assert_int_equal(n, 1);

	/* Hot topics: live ones for this site and every site. */
	assert_int_equal(store_hot_topic_add(s, "Bin collections delayed in Cotgrave today",
					     "civic-centre", "missed-bin", NULL, NULL, &e),
			 STATUS_OK);
	assert_int_equal(store_hot_topic_add(s, "Old news", NULL, NULL, NULL,
					     "2026-01-01T00:00:00Z", &e),
			 STATUS_OK);
	assert_int_not_equal(store_hot_topic_add(s, "x", "nowhere", NULL, NULL, NULL, &e),
			     STATUS_OK);
	assert_int_equal(store_hot_topic_add(s, "", NULL, NULL, NULL, NULL, &e), STATUS_INVALID);
	n = 0;
	assert_int_equal(store_hot_topics(s, "civic-centre", count_topics, &n, &e), STATUS_OK);
	assert_int_equal(n, 1);
	customer_free(c);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_text_fit_and_pad),
		cmocka_unit_test(test_columns_and_rows),
		cmocka_unit_test(test_due_text),
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_match_score),
		cmocka_unit_test(test_big_text),
		cmocka_unit_test(test_key_action),
		cmocka_unit_test(test_field_editing),
		cmocka_unit_test(test_field_view),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_user_checks),
		cmocka_unit_test_setup_teardown(test_sign_in_lockout_rehash, store_setup,
						store_teardown),
		cmocka_unit_test_setup_teardown(test_cases_history_topics_counts, store_setup,
						store_teardown),
	};

	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "C.utf8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
