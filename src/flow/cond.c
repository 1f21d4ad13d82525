/*
 * cond.c — the condition language of `next: - { when: ..., go: ... }`.
 *
 *   expr    := and ("or" and)*
 *   and     := unary ("and" unary)*
 *   unary   := "not" unary | "(" expr ")" | test
 *   test    := FIELD "is" ["not"] ("set" | "complete")
 *            | operand CMP operand
 *            | FIELD                       (a yes-no answer that is yes)
 *   operand := FIELD | NUMBER | £NUMBER | "text" | 'text' | yes | no | today
 *            | YYYY-MM-DD
 *   CMP     := = == != < <= > >=
 *
 * Words are case-insensitive; field names are snake_case. Recursive descent
 * with a depth limit, so no input can exhaust the stack.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "frontdesk/flow.h"
#include "flow_int.h"

#define COND_DEPTH_MAX 32

enum tok_kind { T_END, T_WORD, T_NUMBER, T_STRING, T_DATE, T_OP, T_LPAREN, T_RPAREN };

struct lexer {
	const char *s;
	size_t pos;
	/* current token */
	enum tok_kind kind;
	size_t start, len;
	enum cmp_op op;
	long x100;
	struct date date;
	char *str;
	int depth;
	struct err *e;
	bool failed;
};

static void fail(struct lexer *lx, size_t off, const char *fmt, const char *arg)
{
	if (lx->failed)
		return;
	lx->failed = true;
	err_set(lx->e, STATUS_PARSE, fmt, arg);
	if (lx->e) {
		lx->e->line = 0;
		lx->e->col = (int)off;
	}
}

static bool is_word_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_word_char(int c)
{
	return isalnum(c) || c == '_';
}

static void lex(struct lexer *lx)
{
	const char *s = lx->s;
	size_t p = lx->pos;

	free(lx->str);
	lx->str = NULL;
	while (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r')
		p++;
	lx->start = p;
	if (!s[p]) {
		lx->kind = T_END;
		lx->len = 0;
		lx->pos = p;
		return;
	}
	if (s[p] == '(' || s[p] == ')') {
		lx->kind = s[p] == '(' ? T_LPAREN : T_RPAREN;
		lx->pos = p + 1;
		lx->len = 1;
		return;
	}
	if (s[p] == '=' || s[p] == '!' || s[p] == '<' || s[p] == '>') {
		char c = s[p], n = s[p + 1];
		lx->kind = T_OP;
		lx->len = n == '=' ? 2 : 1;
		if (c == '=')
			lx->op = CMP_EQ;
		else if (c == '!') {
			if (n != '=') {
				fail(lx, p, "'!' on its own means nothing; write '!=' or 'not'%s", "");
				lx->kind = T_END;
				return;
			}
			lx->op = CMP_NE;
		} else if (c == '<')
			lx->op = n == '=' ? CMP_LE : CMP_LT;
		else
			lx->op = n == '=' ? CMP_GE : CMP_GT;
		lx->pos = p + lx->len;
		return;
	}
	if (s[p] == '"' || s[p] == '\'') {
		char q = s[p];
		size_t i = p + 1;
		while (s[i] && s[i] != q)
			i++;
		if (!s[i]) {
			fail(lx, p, "text starting here has no closing quote%s", "");
			lx->kind = T_END;
			return;
		}
		lx->kind = T_STRING;
		lx->str = xstrndup(s + p + 1, i - p - 1);
		lx->len = i + 1 - p;
		lx->pos = i + 1;
		return;
	}
	/* £ in UTF-8 is C2 A3 */
	if ((unsigned char)s[p] == 0xC2 && (unsigned char)s[p + 1] == 0xA3 &&
	    isdigit((unsigned char)s[p + 2]))
		p += 2;
	if (isdigit((unsigned char)s[p])) {
		size_t i = p;
		long whole = 0;
		while (isdigit((unsigned char)s[i])) {
			if (whole > 100000000000L) {
				fail(lx, p, "number is too big%s", "");
				lx->kind = T_END;
				return;
			}
			whole = whole * 10 + (s[i] - '0');
			i++;
		}
		if (s[i] == '-' && i - p == 4) { /* a date */
			size_t j = i;
			while (isdigit((unsigned char)s[j]) || s[j] == '-')
				j++;
			char *txt = xstrndup(s + p, j - p);
			struct err de;
			err_clear(&de);
			if (j - p != 10 || date_parse(txt, &lx->date, "date", &de) != STATUS_OK) {
				fail(lx, p, "'%s' is not a date; write dates as YYYY-MM-DD", txt);
				free(txt);
				lx->kind = T_END;
				return;
			}
			free(txt);
			lx->kind = T_DATE;
			lx->len = j - lx->start;
			lx->pos = j;
			return;
		}
		long frac = 0;
		if (s[i] == '.') {
			size_t d = 0;
			i++;
			while (isdigit((unsigned char)s[i]) && d < 2) {
				frac = frac * 10 + (s[i] - '0');
				i++, d++;
			}
			if (d == 0 || isdigit((unsigned char)s[i])) {
				fail(lx, p, "a number may have at most two decimal places%s", "");
				lx->kind = T_END;
				return;
			}
			if (d == 1)
				frac *= 10;
		}
		if (is_word_char((unsigned char)s[i])) {
			fail(lx, p, "a name cannot start with a digit%s", "");
			lx->kind = T_END;
			return;
		}
		lx->kind = T_NUMBER;
		lx->x100 = whole * 100 + frac;
		lx->len = i - lx->start;
		lx->pos = i;
		return;
	}
	if (is_word_start((unsigned char)s[p])) {
		size_t i = p;
		while (is_word_char((unsigned char)s[i]))
			i++;
		lx->kind = T_WORD;
		lx->str = xstrndup(s + p, i - p);
		lx->len = i - p;
		lx->pos = i;
		return;
	}
	{
		char shown[8];
		size_t n = 1;
		while (n < 4 && ((unsigned char)s[p + n] & 0xC0) == 0x80)
			n++;
		memcpy(shown, s + p, n);
		shown[n] = '\0';
		fail(lx, p, "unexpected '%s'", shown);
		lx->kind = T_END;
	}
}

static bool word_is(const struct lexer *lx, const char *w)
{
	return lx->kind == T_WORD && strcasecmp(lx->str, w) == 0;
}

static bool is_reserved(const char *w)
{
	static const char *const words[] = {"and", "or", "not", "is", "set", "complete",
					    "yes", "no", "today", "true", "false"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(w, words[i]) == 0)
			return true;
	return false;
}

static struct flow_cond *node_new(enum cond_op op, int off)
{
	struct flow_cond *c = xcalloc(1, sizeof(*c));
	c->op = op;
	c->off = off;
	return c;
}

static bool parse_operand(struct lexer *lx, struct cond_operand *o)
{
	o->off = (int)lx->start;
	switch (lx->kind) {
	case T_NUMBER:
		o->kind = OPND_NUMBER;
		o->x100 = lx->x100;
		break;
	case T_STRING:
		o->kind = OPND_STRING;
		o->text = lx->str;
		lx->str = NULL;
		break;
	case T_DATE:
		o->kind = OPND_DATE;
		o->date = lx->date;
		break;
	case T_WORD:
		if (word_is(lx, "yes") || word_is(lx, "true")) {
			o->kind = OPND_YESNO;
			o->yes = true;
		} else if (word_is(lx, "no") || word_is(lx, "false")) {
			o->kind = OPND_YESNO;
			o->yes = false;
		} else if (word_is(lx, "today")) {
			o->kind = OPND_TODAY;
		} else if (is_reserved(lx->str)) {
			fail(lx, lx->start, "expected a field name or a value, found '%s'", lx->str);
			return false;
		} else {
			o->kind = OPND_FIELD;
			o->text = lx->str;
			lx->str = NULL;
		}
		break;
	case T_END:
		fail(lx, lx->start, "the condition ends too soon; expected a field name or a value%s",
		     "");
		return false;
	default:
		fail(lx, lx->start, "expected a field name or a value%s", "");
		return false;
	}
	lex(lx);
	return !lx->failed;
}

static struct flow_cond *parse_or(struct lexer *lx);

static struct flow_cond *parse_test(struct lexer *lx)
{
	struct flow_cond *c = node_new(COND_TRUTH, (int)lx->start);

	if (!parse_operand(lx, &c->l))
		goto bad;
	if (c->l.kind == OPND_FIELD && word_is(lx, "is")) {
		lex(lx);
		if (word_is(lx, "not")) {
			c->negate = true;
			lex(lx);
		}
		if (word_is(lx, "set"))
			c->op = COND_SET;
		else if (word_is(lx, "complete"))
			c->op = COND_COMPLETE;
		else {
			fail(lx, lx->start,
			     "after 'is' write 'set', 'not set', 'complete' or 'not complete'; to "
			     "compare, use '='%s",
			     "");
			goto bad;
		}
		lex(lx);
		return c;
	}
	if (lx->kind == T_OP) {
		c->op = COND_CMP;
		c->cmp = lx->op;
		lex(lx);
		if (lx->failed || !parse_operand(lx, &c->r))
			goto bad;
		if (c->l.kind != OPND_FIELD && c->r.kind != OPND_FIELD) {
			fail(lx, (size_t)c->off, "a comparison needs a field name on one side%s", "");
			goto bad;
		}
		return c;
	}
	if (c->l.kind != OPND_FIELD) {
		fail(lx, (size_t)c->off,
		     "a value on its own is not a condition; compare it with a field, e.g. 'age >= "
		     "65'%s",
		     "");
		goto bad;
	}
	return c;
bad:
	flow_cond_free(c);
	return NULL;
}

static struct flow_cond *parse_unary(struct lexer *lx)
{
	struct flow_cond *c, *inner;

	if (++lx->depth > COND_DEPTH_MAX) {
		fail(lx, lx->start, "the condition is nested too deeply%s", "");
		return NULL;
	}
	if (word_is(lx, "not")) {
		c = node_new(COND_NOT, (int)lx->start);
		lex(lx);
		inner = lx->failed ? NULL : parse_unary(lx);
		if (!inner) {
			free(c);
			return NULL;
		}
		c->a = inner;
		lx->depth--;
		return c;
	}
	if (lx->kind == T_LPAREN) {
		size_t open = lx->start;
		lex(lx);
		c = lx->failed ? NULL : parse_or(lx);
		if (!c)
			return NULL;
		if (lx->kind != T_RPAREN) {
			fail(lx, open, "this '(' is never closed%s", "");
			flow_cond_free(c);
			return NULL;
		}
		lex(lx);
		lx->depth--;
		return c;
	}
	c = parse_test(lx);
	lx->depth--;
	return c;
}

static struct flow_cond *parse_binary(struct lexer *lx, const char *word, enum cond_op op)
{
	struct flow_cond *left = op == COND_OR ? parse_binary(lx, "and", COND_AND) : parse_unary(lx);

	while (left && !lx->failed && word_is(lx, word)) {
		struct flow_cond *c = node_new(op, (int)lx->start), *right;
		lex(lx);
		right = lx->failed ? NULL
				   : (op == COND_OR ? parse_binary(lx, "and", COND_AND) : parse_unary(lx));
		if (!right) {
			free(c);
			flow_cond_free(left);
			return NULL;
		}
		c->a = left;
		c->b = right;
		left = c;
	}
	if (lx->failed) {
		flow_cond_free(left);
		return NULL;
	}
	return left;
}

static struct flow_cond *parse_or(struct lexer *lx)
{
	return parse_binary(lx, "or", COND_OR);
}

struct flow_cond *flow_cond_parse(const char *text, struct err *e)
{
	struct lexer lx;
	struct flow_cond *c;

	memset(&lx, 0, sizeof(lx));
	lx.s = text ? text : "";
	lx.e = e;
	if (strlen(lx.s) > FLOW_COND_MAX) {
		fail(&lx, 0, "the condition is longer than %s bytes; split it over steps", "400");
		return NULL;
	}
	lex(&lx);
	if (lx.kind == T_END && !lx.failed) {
		fail(&lx, 0, "the condition is empty%s", "");
		return NULL;
	}
	c = lx.failed ? NULL : parse_or(&lx);
	if (c && lx.kind != T_END) {
		if (lx.kind == T_WORD)
			fail(&lx, lx.start, "unexpected '%s'; join tests with 'and' or 'or'", lx.str);
		else if (lx.kind == T_RPAREN)
			fail(&lx, lx.start, "this ')' has no matching '('%s", "");
		else
			fail(&lx, lx.start, "unexpected text; join tests with 'and' or 'or'%s", "");
		flow_cond_free(c);
		c = NULL;
	}
	free(lx.str);
	return c;
}

void flow_cond_free(struct flow_cond *c)
{
	if (!c)
		return;
	flow_cond_free(c->a);
	flow_cond_free(c->b);
	free(c->l.text);
	free(c->r.text);
	free(c);
}

const char *flow_cmp_name(enum cmp_op op)
{
	static const char *const names[] = {"=", "!=", "<", "<=", ">", ">="};
	return (unsigned)op < 6 ? names[op] : "?";
}

void flow_cond_leaves(const struct flow_cond *c,
		      void (*fn)(void *ctx, const struct flow_cond *leaf), void *ctx)
{
	if (!c)
		return;
	switch (c->op) {
	case COND_OR:
	case COND_AND:
		flow_cond_leaves(c->a, fn, ctx);
		flow_cond_leaves(c->b, fn, ctx);
		break;
	case COND_NOT:
		flow_cond_leaves(c->a, fn, ctx);
		break;
	default:
		fn(ctx, c);
	}
}

/* ---- evaluation -------------------------------------------------------- */

/* A value ready to compare: a number (x100), a day count, a yes/no, text. */
enum val_kind { V_NONE, V_NUM, V_DAYS, V_BOOL, V_TEXT };
struct val {
	enum val_kind kind;
	long n;
	const char *text;
};

static struct val operand_value(const struct cond_operand *o, cond_lookup_fn lookup, void *ctx,
				struct date today)
{
	struct val v = {V_NONE, 0, NULL};
	const struct flow_field *fd = NULL;
	struct cond_value cv;

	switch (o->kind) {
	case OPND_NUMBER:
		v.kind = V_NUM;
		v.n = o->x100;
		return v;
	case OPND_STRING:
		v.kind = V_TEXT;
		v.text = o->text;
		return v;
	case OPND_YESNO:
		v.kind = V_BOOL;
		v.n = o->yes;
		return v;
	case OPND_TODAY:
		v.kind = V_DAYS;
		v.n = (long)date_to_days(today);
		return v;
	case OPND_DATE:
		v.kind = V_DAYS;
		v.n = (long)date_to_days(o->date);
		return v;
	case OPND_FIELD:
		break;
	}
	memset(&cv, 0, sizeof(cv));
	if (!lookup(ctx, o->text, &fd, &cv) || !fd || !cv.set)
		return v;
	switch (fd->type) {
	case FLOW_FIELD_NUMBER: {
		char *end;
		long n = strtol(cv.text, &end, 10);
		if (*end == '\0' && n > -100000000000L && n < 100000000000L) {
			v.kind = V_NUM;
			v.n = n * 100;
		}
		break;
	}
	case FLOW_FIELD_MONEY:
		if (flow_money_pence(cv.text, &v.n))
			v.kind = V_NUM;
		break;
	case FLOW_FIELD_DATE: {
		struct date d;
		if (date_parse(cv.text, &d, "date", NULL) == STATUS_OK) {
			v.kind = V_DAYS;
			v.n = (long)date_to_days(d);
		}
		break;
	}
	case FLOW_FIELD_YESNO:
		v.kind = V_BOOL;
		v.n = strcmp(cv.text, "yes") == 0;
		break;
	case FLOW_FIELD_CHECKLIST:
		v.kind = V_NUM;
		v.n = (long)cv.ticked * 100;
		break;
	default:
		v.kind = V_TEXT;
		v.text = cv.text;
	}
	return v;
}

static bool compare(enum cmp_op op, struct val a, struct val b)
{
	int c;

	if (a.kind == V_NONE || b.kind == V_NONE || a.kind != b.kind)
		return false;
	if (a.kind == V_TEXT)
		c = strcasecmp(a.text, b.text);
	else
		c = a.n < b.n ? -1 : a.n > b.n;
	if (a.kind == V_TEXT || a.kind == V_BOOL) {
		if (op == CMP_EQ)
			return c == 0;
		if (op == CMP_NE)
			return c != 0;
		if (a.kind == V_BOOL)
			return false;
	}
	switch (op) {
	case CMP_EQ:
		return c == 0;
	case CMP_NE:
		return c != 0;
	case CMP_LT:
		return c < 0;
	case CMP_LE:
		return c <= 0;
	case CMP_GT:
		return c > 0;
	case CMP_GE:
		return c >= 0;
	}
	return false;
}

bool flow_cond_eval(const struct flow_cond *c, cond_lookup_fn lookup, void *ctx,
		    struct date today)
{
	const struct flow_field *fd = NULL;
	struct cond_value cv;
	bool r = false;

	if (!c)
		return true;
	memset(&cv, 0, sizeof(cv));
	switch (c->op) {
	case COND_OR:
		return flow_cond_eval(c->a, lookup, ctx, today) ||
		       flow_cond_eval(c->b, lookup, ctx, today);
	case COND_AND:
		return flow_cond_eval(c->a, lookup, ctx, today) &&
		       flow_cond_eval(c->b, lookup, ctx, today);
	case COND_NOT:
		return !flow_cond_eval(c->a, lookup, ctx, today);
	case COND_CMP:
		return compare(c->cmp, operand_value(&c->l, lookup, ctx, today),
			       operand_value(&c->r, lookup, ctx, today));
	case COND_SET:
		r = lookup(ctx, c->l.text, &fd, &cv) && cv.set;
		return c->negate ? !r : r;
	case COND_COMPLETE:
		r = lookup(ctx, c->l.text, &fd, &cv) && cv.total > 0 && cv.ticked == cv.total;
		return c->negate ? !r : r;
	case COND_TRUTH:
		return lookup(ctx, c->l.text, &fd, &cv) && cv.set && cv.text &&
		       strcmp(cv.text, "yes") == 0;
	}
	return false;
}
