/*
 * test_flow.c — the flow module: loader, checker, conditions and runner.
 * Degenerate input first, then one fixture per kind of problem (each
 * asserting the exact FILE:LINE:COL message), then walks through a flow.
 * Run from the top of the source tree (fixtures in tests/data/flows/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "frontdesk/core.h"
#include "frontdesk/flow.h"

#define FIX "tests/data/flows/"

/* 2026-03-10 12:00 UTC */
static int64_t fixed_now(void)
{
	return INT64_C(1773144000000);
}

static int setup_clock(void **state)
{
	(void)state;
	clock_hook = fixed_now;
	return 0;
}

/* Every problem, sorted and formatted, one per line. */
static char *format_all(struct err_list *errs)
{
	struct buf b;
	char line[1024];

	buf_init(&b, 1 << 20);
	err_list_sort(errs);
	for (size_t i = 0; i < errs->count; i++) {
		err_format(&errs->items[i], line, sizeof line);
		buf_printf(&b, "%s\n", line);
	}
	if (b.len == 0) {
		buf_release(&b);
		return xstrdup("");
	}
	return buf_detach(&b);
}

static bool known_code(void *ctx, enum flow_code_kind kind, const char *code)
{
	(void)ctx;
	if (kind == FLOW_CODE_SERVICE)
		return strcmp(code, "council-tax-moveing") != 0;
	return strcmp(code, "revenue") != 0;
}

/* Loads and checks one fixture; returns the problems as text. */
static char *check_file(const char *path)
{
	struct err_list errs;
	struct flow *f = NULL;
	struct flow_codes codes = {known_code, NULL};
	char *text;

	err_list_init(&errs, FLOW_ERRORS_MAX);
	flow_load_file(path, &f, &errs);
	if (f)
		flow_check(f, &codes, &errs);
	text = format_all(&errs);
	flow_free(f);
	err_list_release(&errs);
	return text;
}

static void expect_problems(const char *path, const char *expected)
{
	char *got = check_file(path);
	assert_string_equal(got, expected);
	free(got);
}

/* ---- degenerate input -------------------------------------------------- */

static void test_load_degenerate(void **state)
{
	struct err_list errs;
	struct flow *f = (struct flow *)1;
	char *big;
	(void)state;

	err_list_init(&errs, FLOW_ERRORS_MAX);
	assert_int_equal(flow_load_mem("x.yaml", NULL, 0, &f, &errs), STATUS_PARSE);
	assert_null(f);
	assert_int_equal(flow_load_mem("x.yaml", "", 0, &f, &errs), STATUS_PARSE);
	assert_int_equal(flow_load_mem("x.yaml", "- a\n- b\n", 8, &f, &errs), STATUS_PARSE);
	assert_int_equal(flow_load_mem("x.yaml", "just text", 9, &f, &errs), STATUS_PARSE);
	assert_int_equal(flow_load_mem("x.yaml", "a: 1\0b: 2", 9, &f, &errs), STATUS_PARSE);
	big = xmalloc(FLOW_FILE_MAX + 2);
	memset(big, 'a', FLOW_FILE_MAX + 1);
	assert_int_equal(flow_load_mem("x.yaml", big, FLOW_FILE_MAX + 1, &f, &errs),
			 STATUS_TOO_BIG);
	free(big);
	assert_null(f);
	{
		char *text = format_all(&errs);
		assert_string_equal(
			text,
			"x.yaml:1:1: a flow file should start with keys such as 'id:', 'title:' and "
			"'steps:'; this one is empty\n"
			"x.yaml:1:1: a flow file should start with keys such as 'id:', 'title:' and "
			"'steps:'; this one is empty\n"
			"x.yaml:1:1: a flow file should start with keys such as 'id:', 'title:' and "
			"'steps:'; this one is a list\n"
			"x.yaml:1:1: a flow file should start with keys such as 'id:', 'title:' and "
			"'steps:'; this one is plain text\n"
			"x.yaml:1:1: the file is 262145 bytes; a flow may be at most 262144 bytes, so "
			"split it\n"
			"x.yaml:1:5: the file contains a NUL byte; save it as plain UTF-8 text\n");
		free(text);
	}
	err_list_release(&errs);
	flow_free(NULL);
	flow_run_free(NULL);
	flow_cond_free(NULL);
	assert_int_equal(flow_check(NULL, NULL, NULL), 0);
}

static void test_load_missing_file(void **state)
{
	(void)state;
	expect_problems(FIX "no-such-file.yaml",
			"cannot open 'tests/data/flows/no-such-file.yaml': No such file or "
			"directory\n");
}

static void test_errors_cap(void **state)
{
	struct err_list errs;
	(void)state;

	err_list_init(&errs, FLOW_ERRORS_MAX);
	for (int i = 0; i < FLOW_ERRORS_MAX + 7; i++)
		err_list_addf(&errs, STATUS_INVALID, "f", i + 1, 1, "problem %d", i);
	assert_int_equal(errs.count, FLOW_ERRORS_MAX);
	assert_int_equal(errs.dropped, 7);
	assert_int_equal(err_list_total(&errs), FLOW_ERRORS_MAX + 7);
	err_list_release(&errs);
	err_list_addf(NULL, STATUS_INVALID, "f", 1, 1, "ignored");
}

/* ---- one fixture per kind of problem ----------------------------------- */

static void test_fixture_good(void **state)
{
	(void)state;
	expect_problems(FIX "good.yaml", "");
}

static void test_fixture_syntax(void **state)
{
	(void)state;
	expect_problems(FIX "syntax.yaml",
			FIX "syntax.yaml:9:4: YAML syntax: did not find expected key while parsing "
			    "a block mapping; check the indentation, colons and quotes on this line "
			    "and the one before\n");
}

static void test_fixture_unknown_key(void **state)
{
	(void)state;
	expect_problems(FIX "unknown-key.yaml",
			FIX "unknown-key.yaml:1:1: the flow has no 'title'; add the title advisors "
			    "search by, e.g. 'title: Missed bin collection'\n" FIX
			    "unknown-key.yaml:3:1: unknown key 'tittle' in the flow; did you mean "
			    "'title'?\n");
}

static void test_fixture_missing_key(void **state)
{
	(void)state;
	expect_problems(FIX "missing-key.yaml",
			FIX "missing-key.yaml:1:1: the flow has no 'title'; add the title advisors "
			    "search by, e.g. 'title: Missed bin collection'\n");
	expect_problems(FIX "missing-outcome-text.yaml",
			FIX "missing-outcome-text.yaml:8:5: step 'a' has no 'reason'; add what the "
			    "team needs to know, e.g. 'reason: Moved on {moved_on}'\n");
}

static void test_fixture_duplicate_ids(void **state)
{
	struct flow_set set;
	struct err_list errs;
	char *text;
	(void)state;

	flow_set_init(&set);
	err_list_init(&errs, FLOW_ERRORS_MAX);
	assert_int_equal(flow_set_load_path(&set, FIX "dup-id-a.yaml", &errs), STATUS_OK);
	assert_int_equal(flow_set_load_path(&set, FIX "dup-id-b.yaml", &errs), STATUS_OK);
	assert_int_equal(flow_set_check(&set, NULL, &errs), 1);
	text = format_all(&errs);
	assert_string_equal(text, FIX "dup-id-b.yaml:2:5: flow id 'same-id' is also used by " FIX
				      "dup-id-a.yaml:1; give each flow its own id\n");
	free(text);
	assert_non_null(flow_set_find(&set, "same-id"));
	assert_null(flow_set_find(&set, "other"));
	err_list_release(&errs);
	flow_set_release(&set);
}

static void test_fixture_missing_step(void **state)
{
	(void)state;
	expect_problems(FIX "missing-step.yaml",
			FIX "missing-step.yaml:9:11: step 'a' goes to 'confrim', which does not "
			    "exist; did you mean 'confirm'?\n" FIX
			    "missing-step.yaml:10:3: step 'confirm' is never reached: no path from the "
			    "start step 'a' leads to it\n");
}

static void test_fixture_unreachable(void **state)
{
	(void)state;
	expect_problems(FIX "unreachable.yaml",
			FIX "unreachable.yaml:10:3: step 'orphan' is never reached: no path from the "
			    "start step 'a' leads to it\n");
}

static void test_fixture_no_outcome(void **state)
{
	(void)state;
	expect_problems(FIX "no-outcome.yaml",
			FIX "no-outcome.yaml:10:3: step 'b' ends without an outcome; add 'next', "
			    "'choices' or an 'outcome'\n");
}

static void test_fixture_loop(void **state)
{
	(void)state;
	expect_problems(FIX "loop.yaml",
			FIX "loop.yaml:11:3: steps 'b', 'c' go round in a loop with no way out to an "
			    "outcome; give one of them a choice or branch that leaves the loop\n");
}

static void test_fixture_not_captured(void **state)
{
	(void)state;
	expect_problems(FIX "not-captured.yaml",
			FIX "not-captured.yaml:16:18: the condition in step 'decide' uses 'age', "
			    "which is not asked on every path before step 'decide'; ask it earlier, "
			    "or test 'age is set' first\n");
}

static void test_fixture_unknown_codes(void **state)
{
	(void)state;
	expect_problems(FIX "unknown-codes.yaml",
			FIX "unknown-codes.yaml:4:10: unknown service code 'council-tax-moveing'; "
			    "use a code from data/services.csv\n" FIX
			    "unknown-codes.yaml:9:11: unknown team code 'revenue' in step 'a'; use a "
			    "code from data/teams.csv\n");
}

static void test_fixture_bad_type(void **state)
{
	(void)state;
	expect_problems(FIX "bad-type.yaml",
			FIX "bad-type.yaml:8:53: unknown type 'mony' in field 'amount' of step 'a'; "
			    "did you mean 'money'?\n");
}

static void test_fixture_bad_bounds(void **state)
{
	(void)state;
	expect_problems(FIX "bad-bounds.yaml",
			FIX "bad-bounds.yaml:9:64: 'max' in field 'age' of step 'a' is less than "
			    "'min'; swap them\n" FIX
			    "bad-bounds.yaml:10:61: 'max_length' in field 'name' of step 'a' should be "
			    "a whole number from 1 to 4000\n" FIX
			    "bad-bounds.yaml:11:89: 'not_after' in field 'moved_on' of step 'a' is "
			    "before 'not_before', so no date fits; swap them\n");
}

static void test_fixture_bad_utf8(void **state)
{
	(void)state;
	expect_problems(FIX "bad-utf8.yaml",
			FIX "bad-utf8.yaml:3:11: invalid UTF-8 (byte 0xE9); save the file as "
			    "UTF-8\n");
}

static void test_fixture_bad_condition(void **state)
{
	(void)state;
	expect_problems(FIX "bad-condition.yaml",
			FIX "bad-condition.yaml:10:32: condition 'age >= 65 and and': expected a "
			    "field name or a value, found 'and'\n");
	expect_problems(FIX "cond-type.yaml",
			FIX "cond-type.yaml:10:29: the condition in step 'a' compares 'moved_on' (a "
			    "date) with a number; compare it with a date (YYYY-MM-DD) or 'today'\n");
}

static void test_fixture_deep_and_alias(void **state)
{
	(void)state;
	expect_problems(FIX "deep.yaml", FIX "deep.yaml:7:16: the file is nested more than 12 "
					     "levels deep; flows never need that many\n");
	expect_problems(FIX "alias.yaml", FIX "alias.yaml:9:14: aliases ('*name') are not allowed "
					      "in flow files; write the text out in full\n");
}

static void test_comma_in_flow_mapping(void **state)
{
	static const char text[] = "id: t\nversion: 1\ntitle: T\nservice: s\nstart: a\nsteps:\n"
				   "  a:\n    ask: { field: x, label: Name, first or last }\n"
				   "    outcome: resolved\n    summary: ok\n";
	struct err_list errs;
	struct flow *f = NULL;
	char *got;
	(void)state;

	err_list_init(&errs, FLOW_ERRORS_MAX);
	assert_int_equal(flow_load_mem("c.yaml", text, strlen(text), &f, &errs), STATUS_INVALID);
	assert_non_null(f);
	got = format_all(&errs);
	assert_string_equal(got, "c.yaml:8:35: 'first or last' is read as a key in field 'x' of "
				 "step 'a': a comma inside { } ends a text, so put the whole text "
				 "in quotes\n");
	free(got);
	/* a flow with load problems does not run */
	{
		struct flow_run *r = NULL;
		struct err e;
		assert_int_equal(flow_run_new(f, &r, &e), STATUS_INVALID);
		assert_null(r);
	}
	flow_free(f);
	err_list_release(&errs);
}

static void test_forms_all_pass(void **state)
{
	struct flow_set set;
	struct err_list errs;
	char *text;
	(void)state;

	flow_set_init(&set);
	err_list_init(&errs, FLOW_ERRORS_MAX);
	assert_int_equal(flow_set_load_path(&set, "forms", &errs), STATUS_OK);
	flow_set_check(&set, NULL, &errs);
	text = format_all(&errs);
	assert_string_equal(text, "");
	free(text);
	assert_true(set.count >= 12);
	err_list_release(&errs);
	flow_set_release(&set);
}

/* ---- conditions -------------------------------------------------------- */

static void test_cond_parse(void **state)
{
	static const struct {
		const char *text;
		const char *msg; /* NULL: parses */
		int col;
	} cases[] = {
		{"age >= 65 and not receives_pension", NULL, 0},
		{"(a or b) and c = 'x'", NULL, 0},
		{"postcode is set", NULL, 0},
		{"docs is not complete", NULL, 0},
		{"amount > \xC2\xA3" "10.50", NULL, 0},
		{"moved_on < 2025-04-01 or moved_on >= today", NULL, 0},
		{"", "the condition is empty", 0},
		{"age >=", "the condition ends too soon; expected a field name or a value", 6},
		{"(age > 1", "this '(' is never closed", 0},
		{"age > 1)", "this ')' has no matching '('", 7},
		{"age is big", "after 'is' write 'set', 'not set', 'complete' or 'not complete'; to "
			       "compare, use '='",
		 7},
		{"65", "a value on its own is not a condition; compare it with a field, e.g. 'age >= "
		       "65'",
		 0},
		{"1 = 2", "a comparison needs a field name on one side", 0},
		{"a = 'x", "text starting here has no closing quote", 4},
		{"a ! b", "'!' on its own means nothing; write '!=' or 'not'", 2},
		{"a = 2025-02-30", "'2025-02-30' is not a date; write dates as YYYY-MM-DD", 4},
		{"a = 1.234", "a number may have at most two decimal places", 4},
		{"a b", "unexpected 'b'; join tests with 'and' or 'or'", 2},
		{"a = \xE2\x82\xAC", "unexpected '\xE2\x82\xAC'", 4},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e;
		struct flow_cond *c;
		err_clear(&e);
		c = flow_cond_parse(cases[i].text, &e);
		if (!cases[i].msg) {
			assert_non_null(c);
		} else {
			assert_null(c);
			assert_string_equal(e.msg, cases[i].msg);
			assert_int_equal(e.col, cases[i].col);
		}
		flow_cond_free(c);
	}
	/* deep nesting is refused, not a stack overflow */
	{
		char deep[FLOW_COND_MAX + 1];
		struct err e;
		memset(deep, '(', 300);
		memcpy(deep + 300, "a", 2);
		assert_null(flow_cond_parse(deep, &e));
		assert_string_equal(e.msg, "the condition is nested too deeply");
	}
}

/* ---- the runner -------------------------------------------------------- */

static struct flow *load_good(void)
{
	struct err_list errs;
	struct flow *f = NULL;

	err_list_init(&errs, FLOW_ERRORS_MAX);
	assert_int_equal(flow_load_file(FIX "good.yaml", &f, &errs), STATUS_OK);
	assert_int_equal(flow_check(f, NULL, &errs), 0);
	err_list_release(&errs);
	return f;
}

static void answer_ok(struct flow_run *r, const char *field, const char *value)
{
	struct err e;
	err_clear(&e);
	if (flow_run_answer(r, field, value, &e) != STATUS_OK)
		fail_msg("answer %s=%s refused: %s", field, value, e.msg);
}

static void answer_refused(struct flow_run *r, const char *field, const char *value,
			   const char *msg)
{
	struct err e;
	err_clear(&e);
	assert_int_equal(flow_run_answer(r, field, value, &e), STATUS_INVALID);
	assert_string_equal(e.msg, msg);
}

static void next_ok(struct flow_run *r, const char *expect_step)
{
	struct err e;
	err_clear(&e);
	if (flow_run_next(r, &e) != STATUS_OK)
		fail_msg("next refused: %s", e.msg);
	assert_string_equal(flow_run_step(r)->id, expect_step);
}

static void test_run_model(void **state)
{
	struct flow *f = load_good();
	const struct flow_field *fd;
	size_t len;
	(void)state;

	assert_string_equal(f->id, "test-good");
	assert_int_equal(f->version, 3);
	assert_int_equal(f->nkeywords, 2);
	assert_int_equal(f->nsteps, 6);
	assert_int_equal(f->steps[0].pos.line, 9);
	assert_int_equal(f->steps[0].pos.col, 3);
	fd = flow_field_find(f, "age");
	assert_non_null(fd);
	assert_int_equal(fd->type, FLOW_FIELD_NUMBER);
	assert_false(fd->required);
	assert_true(fd->personal);
	fd = flow_field_find(f, "missed_on");
	assert_int_equal(fd->not_before.kind, FLOW_DATE_TODAY);
	assert_int_equal(fd->not_before.offset_days, -14);
	fd = flow_field_find(f, "fee");
	assert_int_equal(fd->max, 10000);
	assert_non_null(flow_field_find(f, "checks"));
	assert_null(flow_field_find(f, "nope"));
	assert_non_null(flow_step_find(f, "done"));
	assert_null(flow_step_find(f, "nope"));
	assert_non_null(flow_source(f, &len));
	assert_int_equal(len, strlen(f->source));
	assert_string_equal(flow_field_type_name(FLOW_FIELD_YESNO), "yes-no");
	assert_string_equal(flow_outcome_name(FLOW_OUTCOME_ASSISTED_DIGITAL), "assisted-digital");
	/* the stored source loads back to the same flow */
	{
		struct flow *g = NULL;
		assert_int_equal(flow_load_mem("db", f->source, len, &g, NULL), STATUS_OK);
		assert_string_equal(g->id, f->id);
		assert_int_equal(g->nsteps, f->nsteps);
		flow_free(g);
	}
	flow_free(f);
}

static void test_run_validation(void **state)
{
	struct flow *f = load_good();
	struct flow_run *r = NULL;
	struct err e;
	(void)state;

	assert_int_equal(flow_run_new(f, &r, &e), STATUS_OK);
	assert_string_equal(flow_run_step(r)->id, "which-bin");
	answer_refused(r, "bin", "Purple", "Bin 'Purple' is not one of the options; give one of them or its number");
	answer_refused(r, "bin", "", "Bin is required; fill it in");
	answer_refused(r, "postcode", "not a postcode",
		       "Postcode 'not a postcode' is not a UK postcode; write it like NG12 3AB");
	answer_refused(r, "age", "200",
		       "Age '200' is out of range; give a whole number from 0 to 130");
	answer_refused(r, "subscribed", "maybe", "Has a garden waste subscription 'maybe' is not yes or no; answer yes or no");
	assert_int_equal(flow_run_answer(r, "nope", "x", &e), STATUS_NOT_FOUND);
	assert_string_equal(e.msg, "step 'which-bin' does not ask for 'nope'");
	/* required answers before moving on */
	assert_int_equal(flow_run_next(r, &e), STATUS_INVALID);
	assert_string_equal(e.msg, "Bin is required; fill it in");
	answer_ok(r, "bin", "2");
	assert_string_equal(flow_run_value(r, "bin"), "Blue");
	answer_ok(r, "postcode", "ng11aa");
	assert_string_equal(flow_run_value(r, "postcode"), "NG1 1AA");
	answer_ok(r, "age", " 40 ");
	assert_string_equal(flow_run_value(r, "age"), "40");
	answer_ok(r, "age", ""); /* optional: clears */
	assert_null(flow_run_value(r, "age"));
	next_ok(r, "when-missed");
	/* dates: UK form, bounds from the injected clock (today is 2026-03-10) */
	answer_refused(r, "missed_on", "2026-03-11", "Day it was missed cannot be after 10 March 2026");
	answer_refused(r, "missed_on", "2026-02-23",
		       "Day it was missed cannot be before 24 February 2026");
	answer_refused(r, "missed_on", "31/02/2026",
		       "Day it was missed '31/02/2026' is not a date; write it like 25/12/2025 or "
		       "2025-12-25");
	answer_ok(r, "missed_on", "9/3/2026");
	assert_string_equal(flow_run_value(r, "missed_on"), "2026-03-09");
	answer_refused(r, "fee", "100.01", "Fee paid must be at most \xC2\xA3" "100.00");
	answer_refused(r, "fee", "ten", "Fee paid 'ten' is not an amount of money; write pounds "
					"and pence like 10.50");
	answer_ok(r, "fee", "\xC2\xA3" "5.5");
	assert_string_equal(flow_run_value(r, "fee"), "5.50");
	assert_int_equal(flow_run_tick(r, 5, true, &e), STATUS_NOT_FOUND);
	assert_int_equal(flow_run_choose(r, 0, &e), STATUS_NOT_FOUND);
	flow_run_free(r);
	flow_free(f);
}

static void test_run_to_each_outcome(void **state)
{
	struct flow *f = load_good();
	struct flow_run *r = NULL;
	struct err e;
	struct buf b;
	(void)state;

	/* green bin without a subscription: choices, signposted */
	assert_int_equal(flow_run_new(f, &r, &e), STATUS_OK);
	answer_ok(r, "bin", "green");
	answer_ok(r, "postcode", "NG1 1AA");
	answer_ok(r, "subscribed", "n");
	next_ok(r, "no-subscription");
	assert_int_equal(flow_run_next(r, &e), STATUS_INVALID);
	assert_string_equal(e.msg, "choose one of the answers to go on");
	assert_int_equal(flow_run_choose(r, 0, &e), STATUS_OK);
	assert_true(flow_run_done(r));
	assert_int_equal(flow_run_outcome(r)->kind, FLOW_OUTCOME_SIGNPOSTED);
	assert_int_equal(flow_run_answer(r, "bin", "Blue", &e), STATUS_INVALID);
	/* back from the end, take the other choice: resolved with its summary */
	assert_int_equal(flow_run_back(r, &e), STATUS_OK);
	assert_false(flow_run_done(r));
	assert_null(flow_run_outcome(r));
	assert_int_equal(flow_run_choose(r, 1, &e), STATUS_OK);
	assert_int_equal(flow_run_outcome(r)->kind, FLOW_OUTCOME_RESOLVED);
	buf_init(&b, 4096);
	assert_int_equal(flow_run_render(r, flow_run_outcome(r)->summary, 0, &b), STATUS_OK);
	assert_string_equal(buf_str(&b), "Explained subscription for NG1 1AA");
	buf_reset(&b);
	flow_run_render(r, flow_run_outcome(r)->summary, FLOW_JSON_NO_PERSONAL, &b);
	assert_string_equal(buf_str(&b), "Explained subscription for (withheld)");
	buf_reset(&b);
	flow_run_render(r, "{{literal}} {age} {bin}", 0, &b);
	assert_string_equal(buf_str(&b), "{literal} (not given) Green");
	buf_release(&b);

	/* back twice to the start; answers on the first step are kept */
	assert_int_equal(flow_run_back(r, &e), STATUS_OK);
	assert_int_equal(flow_run_back(r, &e), STATUS_OK);
	assert_string_equal(flow_run_step(r)->id, "which-bin");
	assert_string_equal(flow_run_value(r, "bin"), "Green");
	assert_int_equal(flow_run_back(r, &e), STATUS_NOT_FOUND);
	assert_int_equal(flow_run_depth(r), 1);

	/* over 65 needing help: conditional next, yes-no on its own, referral */
	answer_ok(r, "bin", "Black");
	answer_ok(r, "age", "70");
	next_ok(r, "assisted");
	answer_ok(r, "needs_help", "yes");
	next_ok(r, "referral");
	next_ok(r, "referral");
	assert_true(flow_run_done(r));
	assert_int_equal(flow_run_outcome(r)->kind, FLOW_OUTCOME_REFERRED);
	assert_string_equal(flow_run_outcome(r)->team, "waste");
	buf_init(&b, 4096);
	assert_int_equal(flow_run_summary(r, 0, &b), STATUS_OK);
	assert_string_equal(buf_str(&b), "Flow: Test flow (test-good, version 3)\n"
					 "Answers:\n"
					 "  Bin: Black\n"
					 "  Postcode: NG1 1AA\n"
					 "  Age: 70\n"
					 "  Has a garden waste subscription: no\n"
					 "  Needs help putting the bin out: yes\n"
					 "Outcome: referred (waste)\n"
					 "Reason: Missed Black bin at NG1 1AA\n");
	buf_release(&b);

	/* the contact's JSON, with and without personal answers */
	{
		json_t *j = flow_run_answers_json(r, 0), *anon;
		char *s;
		assert_string_equal(json_string_value(json_object_get(j, "flow")), "test-good");
		assert_true(json_is_true(json_object_get(
			json_object_get(json_object_get(j, "answers"), "postcode"), "personal")));
		assert_true(json_is_false(json_object_get(
			json_object_get(json_object_get(j, "answers"), "bin"), "personal")));
		assert_int_equal(json_array_size(json_object_get(j, "path")), 3);
		json_decref(j);
		anon = flow_run_answers_json(r, FLOW_JSON_NO_PERSONAL);
		s = json_dumps(anon, JSON_SORT_KEYS | JSON_COMPACT);
		assert_null(strstr(s, "NG1 1AA"));
		assert_null(strstr(s, "\"age\""));
		assert_non_null(strstr(s, "\"reason\":\"Missed Black bin at (withheld)\""));
		free(s);
		json_decref(anon);
	}

	/* back out of the referral, say no help: on to the checklist */
	assert_int_equal(flow_run_back(r, &e), STATUS_OK);
	assert_int_equal(flow_run_back(r, &e), STATUS_OK);
	answer_ok(r, "needs_help", "no");
	next_ok(r, "when-missed");
	answer_ok(r, "missed_on", "2026-03-09");
	assert_int_equal(flow_run_tick(r, 0, true, &e), STATUS_OK);
	assert_true(flow_run_ticked(r, 0));
	assert_false(flow_run_ticked(r, 1));
	next_ok(r, "done"); /* checks not complete */
	assert_int_equal(flow_run_back(r, &e), STATUS_OK);
	assert_int_equal(flow_run_tick(r, 1, true, &e), STATUS_OK);
	next_ok(r, "referral"); /* checks complete */
	flow_run_free(r);
	flow_free(f);
}

static void test_run_save_restore(void **state)
{
	struct flow *f = load_good();
	struct flow_run *r = NULL, *r2 = NULL;
	struct err e;
	json_t *saved;
	char *a, *b;
	(void)state;

	assert_int_equal(flow_run_new(f, &r, &e), STATUS_OK);
	answer_ok(r, "bin", "Black");
	answer_ok(r, "postcode", "NG1 1AA");
	next_ok(r, "when-missed");
	answer_ok(r, "missed_on", "2026-03-09");
	flow_run_tick(r, 1, true, &e);
	saved = flow_run_save(r);
	assert_int_equal(flow_run_restore(f, saved, &r2, &e), STATUS_OK);
	assert_string_equal(flow_run_step(r2)->id, "when-missed");
	assert_true(flow_run_ticked(r2, 1));
	assert_string_equal(flow_run_value(r2, "missed_on"), "2026-03-09");
	/* the replayed run saves to the same inputs */
	{
		json_t *again = flow_run_save(r2);
		a = json_dumps(again, JSON_SORT_KEYS);
		b = json_dumps(saved, JSON_SORT_KEYS);
		assert_string_equal(a, b);
		json_decref(again);
	}
	free(a);
	free(b);
	flow_run_free(r2);
	r2 = NULL;
	/* a different version is refused with a plain message */
	json_object_set_new(saved, "version", json_integer(2));
	assert_int_equal(flow_run_restore(f, saved, &r2, &e), STATUS_INVALID);
	assert_null(r2);
	assert_string_equal(e.msg, "flow 'test-good' was parked at version 2 but version 3 is "
				   "loaded now; start it again with the customer");
	json_object_set_new(saved, "version", json_integer(3));
	json_object_set_new(json_array_get(json_object_get(saved, "moves"), 1), "step",
			    json_string("assisted"));
	assert_int_equal(flow_run_restore(f, saved, &r2, &e), STATUS_INVALID);
	assert_string_equal(e.msg, "the parked flow no longer replays at step 'when-missed' (the "
				   "steps have changed); start it again");
	json_decref(saved);
	/* a finished run replays to the same outcome */
	assert_int_equal(flow_run_next(r, &e), STATUS_OK);
	assert_string_equal(flow_run_step(r)->id, "done");
	assert_int_equal(flow_run_next(r, &e), STATUS_OK);
	assert_true(flow_run_done(r));
	saved = flow_run_save(r);
	assert_int_equal(flow_run_restore(f, saved, &r2, &e), STATUS_OK);
	assert_true(flow_run_done(r2));
	assert_int_equal(flow_run_outcome(r2)->kind, FLOW_OUTCOME_RESOLVED);
	json_decref(saved);
	flow_run_free(r2);
	flow_run_free(r);
	flow_free(f);
}

/* A flow published centrally is found by the same words as one loaded here. */
static void test_source_words(void **state)
{
	static const char src[] = "id: t\nversion: 1\ntitle: T\nservice: s\n"
				  "keywords: [wheelie, missed bin]\nstart: a\nsteps:\n"
				  "  a:\n    say: Sorry about the bin.\n"
				  "    choices:\n      - { label: Done, outcome: resolved,"
				  " summary: Said sorry }\n";
	struct buf kw, text;
	(void)state;

	buf_init(&kw, 0);
	buf_init(&text, 0);
	assert_int_equal(flow_source_words("not: [a flow", 12, &kw, &text), STATUS_PARSE);
	assert_int_equal(kw.len + text.len, 0);
	assert_int_equal(flow_source_words(src, sizeof src - 1, &kw, &text), STATUS_OK);
	assert_non_null(strstr(buf_str(&kw), "wheelie"));
	assert_non_null(strstr(buf_str(&kw), "missed bin"));
	assert_non_null(strstr(buf_str(&text), "Sorry about the bin."));
	buf_release(&kw);
	buf_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_degenerate),
		cmocka_unit_test(test_source_words),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_errors_cap),
		cmocka_unit_test(test_fixture_good),
		cmocka_unit_test(test_fixture_syntax),
		cmocka_unit_test(test_fixture_unknown_key),
		cmocka_unit_test(test_fixture_missing_key),
		cmocka_unit_test(test_fixture_duplicate_ids),
		cmocka_unit_test(test_fixture_missing_step),
		cmocka_unit_test(test_fixture_unreachable),
		cmocka_unit_test(test_fixture_no_outcome),
		cmocka_unit_test(test_fixture_loop),
		cmocka_unit_test(test_fixture_not_captured),
		cmocka_unit_test(test_fixture_unknown_codes),
		cmocka_unit_test(test_fixture_bad_type),
		cmocka_unit_test(test_fixture_bad_bounds),
		cmocka_unit_test(test_fixture_bad_utf8),
		cmocka_unit_test(test_fixture_bad_condition),
		cmocka_unit_test(test_fixture_deep_and_alias),
		cmocka_unit_test(test_comma_in_flow_mapping),
		cmocka_unit_test(test_forms_all_pass),
		cmocka_unit_test(test_cond_parse),
		cmocka_unit_test(test_run_model),
		cmocka_unit_test(test_run_validation),
		cmocka_unit_test(test_run_to_each_outcome),
		cmocka_unit_test(test_run_save_restore),
	};
	return cmocka_run_group_tests(tests, setup_clock, NULL);
}
