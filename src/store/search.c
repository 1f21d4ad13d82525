/*
 * Customer search: an FTS5 index over folded text. The index holds each
 * value in the forms people type it (postcode with and without its space,
 * phone in national and international digits); queries are rebuilt from
 * words, each quoted and prefix-matched, so no input is ever FTS syntax.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Folded text, or NULL for NULL; caller frees. */
static char *fold_or_null(const char *s)
{
	return s && *s ? text_fold(s) : NULL;
}

enum status search_index_customer(struct store *s, sqlite3_int64 num, const struct customer *c,
				  const char *refs, struct err *e)
{
	sqlite3_stmt *st = stmt_get(s, ST_CUSTOMER_FTS_DELETE, e);
	enum status rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_int64(st, 1, num);
	rc = stmt_run(s, st, "updating the search index", e);
	if (rc || c->erased)
		return rc;
	return search_index_add(s, num, c, refs, e);
}

enum status search_index_add(struct store *s, sqlite3_int64 num, const struct customer *c,
			     const char *refs, struct err *e)
{
	sqlite3_stmt *st;
	char *name, *address, *email, postcode[32] = "", phone[48] = "";
	enum status rc;
	/* One form of each: queries are brought to the same form (a postcode
	 * typed without its space gets it back; phones become national). */
	/* The postcode, then its sector ("NG12 3AB" + "ng123"): a sector is
	 * what people type before the last two letters, and an exact term
	 * answers it far faster than a prefix. */
	if (c->field[CF_postcode]) {
		const char *pc = c->field[CF_postcode], *sp = strchr(pc, ' ');
		size_t n = strlen(pc), out = sp ? (size_t)(sp - pc) : 0;

		/* by hand when it fits (always, for a canonical postcode):
		 * snprintf was a percent of an import */
		if (sp && sp[1] && n + out + 3 <= sizeof postcode) {
			memcpy(postcode, pc, n);
			postcode[n] = ' ';
			memcpy(postcode + n + 1, pc, out);
			postcode[n + 1 + out] = sp[1];
			postcode[n + 2 + out] = '\0';
		} else if (sp && sp[1]) {
			snprintf(postcode, sizeof postcode, "%s %.*s%c", pc, (int)out, pc, sp[1]);
		} else {
			snprintf(postcode, sizeof postcode, "%s", pc);
		}
	}
	if (c->field[CF_phone] && strncmp(c->field[CF_phone], "+44", 3) == 0)
		phone_national(c->field[CF_phone], phone, sizeof phone);
	name = fold_or_null(c->field[CF_name]);
	address = fold_or_null(c->field[CF_address]);
	email = fold_or_null(c->field[CF_email]);
	st = stmt_get(s, ST_CUSTOMER_FTS_INSERT, e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, num);
	bind_static_or_null(st, 2, name);
	bind_static_or_null(st, 3, address);
	bind_static_or_null(st, 4, postcode);
	bind_static_or_null(st, 5, phone);
	bind_static_or_null(st, 6, email);
	bind_static_or_null(st, 7, refs);
	rc = stmt_run(s, st, "updating the search index", e);
out:
	free(name);
	free(address);
	free(email);
	return rc;
}

void search_tidy(struct store *s, bool full)
{
	if (full)
		store_exec(s, "INSERT INTO customer_fts (customer_fts) VALUES ('optimize')", NULL);
	else
		store_exec(s, "INSERT INTO customer_fts (customer_fts, rank) VALUES ('merge', 4000)",
			   NULL);
}

/*
 * The query language is never FTS syntax: what a person types is read as
 * one of four shapes, and each becomes a column-scoped expression that FTS5
 * answers from few doclists. Every word but the last must match whole; the
 * last is a prefix (type-ahead), unless the text ends in a space. A prefix
 * makes FTS5 merge the doclists of every term it covers, so prefixes are
 * kept to the one word still being typed.
 */

/* Digits and phone punctuation only, with enough digits to mean a phone
 * (or, with five or six digits and no +, maybe a case number). */
static bool phone_like(const char *q, char *digits, size_t dsz, bool *plus)
{
	size_t nd = 0;

	*plus = false;
	for (const char *p = q; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (nd + 1 < dsz)
				digits[nd++] = *p;
		} else if (*p == '+') {
			*plus = true;
		} else if (!strchr(" -().", *p)) {
			return false;
		}
	}
	digits[nd] = '\0';
	return nd >= 4 && (*plus || digits[0] == '0' || nd >= 10);
}

/* A UK outward code: A9, A99, AA9, AA99, A9A, AA9A (upper case). */
static bool outward_valid(const char *o, size_t n)
{
	size_t a = 0;

	while (a < n && a < 2 && isupper((unsigned char)o[a]))
		a++;
	if (a == 0 || a == n || !isdigit((unsigned char)o[a]))
		return false;
	if (n == a + 1)
		return true;
	return n == a + 2 && (isdigit((unsigned char)o[a + 1]) || isupper((unsigned char)o[a + 1]));
}

/* The start of an inward code: a digit, then up to two letters. */
static bool inward_partial(const char *i, size_t n)
{
	if (n < 1 || n > 3 || !isdigit((unsigned char)i[0]))
		return false;
	for (size_t k = 1; k < n; k++)
		if (!isupper((unsigned char)i[k]))
			return false;
	return true;
}

/*
 * Reads q as a postcode or the start of one, with or without its space:
 * writes the outward code and the (maybe partial, maybe empty) inward code.
 */
static bool postcode_like(const char *q, char *out, size_t outsz, char *in, size_t insz)
{
	char c[16];
	size_t n = 0, space_at = 0, spaces = 0, k;

	for (const char *p = q + strspn(q, " "); *p; p++) {
		if (*p == ' ') {
			if (p[1] && p[1] != ' ' && n > 0 && !spaces) {
				spaces = 1;
				space_at = n;
			}
			continue;
		}
		if (!isalnum((unsigned char)*p) || n + 1 >= sizeof c)
			return false;
		c[n++] = (char)toupper((unsigned char)*p);
	}
	c[n] = '\0';
	if (n < 2)
		return false;
	if (spaces) {
		k = space_at;
	} else if (outward_valid(c, n)) {
		k = n; /* "NG12": an outward code, still being typed */
	} else {
		/* "NG123AB": the inward code starts at the last digit. */
		k = n;
		while (k > 0 && !isdigit((unsigned char)c[k - 1]))
			k--;
		if (k == 0)
			return false;
		k--;
	}
	if (!outward_valid(c, k) || (k < n && !inward_partial(c + k, n - k)))
		return false;
	snprintf(out, outsz, "%.*s", (int)k, c);
	snprintf(in, insz, "%s", c + k);
	return true;
}

/* A case reference or the start of one: CODE-digits ("WB2-004"). */
static bool reference_like(const char *q, char *code, size_t csz, char *num, size_t nsz)
{
	const char *dash = strchr(q, '-');
	size_t n;

	q += strspn(q, " ");
	if (!dash || dash == q || !isalpha((unsigned char)q[0]))
		return false;
	n = (size_t)(dash - q);
	if (n > 10 || strspn(q, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != n)
		return false;
	if (strspn(dash + 1, "0123456789") != strlen(dash + 1) || strlen(dash + 1) > 12)
		return false;
	snprintf(code, csz, "%.*s", (int)n, q);
	snprintf(num, nsz, "%s", dash + 1);
	for (char *p = code; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return true;
}

void fts_quote(struct buf *b, const char *tok, size_t n)
{
	size_t need = n + 2;

	for (size_t i = 0; i < n; i++)
		need += tok[i] == '"';
	/* All of the quoted token or none of it: half a token would leave an
	 * unterminated string in the MATCH expression. */
	if (b->len + need + 2 > b->cap)
		return;
	buf_adds(b, "\"");
	for (size_t i = 0; i < n; i++) {
		if (tok[i] == '"')
			buf_adds(b, "\"");
		buf_add(b, &tok[i], 1);
	}
	buf_adds(b, "\"");
}

/* The national digits of a UK phone query: +44/0044/44... become 0... */
static const char *phone_national_digits(const char *digits, bool plus, char *out, size_t outsz)
{
	if (strncmp(digits, "0044", 4) == 0)
		snprintf(out, outsz, "0%s", digits + 4);
	else if (strncmp(digits, "44", 2) == 0 && (plus || strlen(digits) >= 12))
		snprintf(out, outsz, "0%s", digits + 2);
	else
		snprintf(out, outsz, "%s", digits);
	return out;
}

char *store_search_expr(const char *query)
{
	char digits[64], national[72], out[16], in[8], code[16], num[16], *folded;
	bool plus, last_open;
	struct buf b;

	if (!query)
		return NULL;
	buf_init(&b, 0); /* bounded below (1 KiB of words, 256 bytes a word) */
	if (phone_like(query, digits, sizeof digits, &plus)) {
		phone_national_digits(digits, plus, national, sizeof national);
		/* Five or six digits with no + may be the number of a case. */
		buf_adds(&b, !plus && strlen(digits) <= 6 ? "{phone refs} : " : "phone : ");
		fts_quote(&b, national, strlen(national));
		buf_adds(&b, "*");
		return buf_detach(&b);
	}
	if (postcode_like(query, out, sizeof out, in, sizeof in)) {
		for (char *p = out; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		for (char *p = in; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!*in) /* a district: exact, one doclist */
			buf_printf(&b, "postcode : \"%s\"", out);
		else if (strlen(in) == 1) /* a sector: its own indexed term */
			buf_printf(&b, "postcode : \"%s%s\"", out, in);
		else
			buf_printf(&b, "postcode : \"%s %s\"%s", out, in, strlen(in) == 3 ? "" : "*");
		return buf_detach(&b);
	}
	if (reference_like(query, code, sizeof code, num, sizeof num)) {
		buf_printf(&b, "refs : \"%s%s%s\"%s", code, *num ? " " : "", num,
			   strlen(num) >= 5 ? "" : "*");
		return buf_detach(&b);
	}
	folded = text_fold(query);
	/* Words are runs of ASCII letters and digits and any non-ASCII
	 * bytes (letters in other scripts); everything else separates, as
	 * the unicode61 tokenizer does for the indexed text. */
	/* The last word is still being typed unless something follows it. */
	last_open = folded[0] && ((unsigned char)folded[strlen(folded) - 1] >= 0x80 ||
				  isalnum((unsigned char)folded[strlen(folded) - 1]));
	for (const char *p = folded; *p;) {
		const char *start;

		while (*p && (unsigned char)*p < 0x80 && !isalnum((unsigned char)*p))
			p++;
		start = p;
		while (*p && ((unsigned char)*p >= 0x80 || isalnum((unsigned char)*p)))
			p++;
		/* (a word longer than any name's is left out whole) */
		if (p == start || b.len >= 1024 || p - start > 256)
			continue;
		if (b.len)
			buf_adds(&b, " ");
		fts_quote(&b, start, (size_t)(p - start));
		/* Only the word being typed is a prefix. */
		if (last_open && !p[strspn(p, " \t'\".,;:!?()[]{}*+-/\\@#&")])
			buf_adds(&b, "*");
	}
	free(folded);
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* The words of query that may be (the start of) a case reference or its
 * number: letters, digits and '-' with a digit among them, as written
 * ("wb2-00417", "00417"), space separated into b; their count. */
static int ref_words(const char *query, struct buf *b)
{
	int n = 0;

	for (const char *p = query; *p;) {
		size_t len = strcspn(p, " \t"), i;
		bool digit = false;

		for (i = 0; i < len; i++) {
			char c = p[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-'))
				break;
			digit |= c >= '0' && c <= '9';
		}
		if (len && i == len && digit && buf_printf(b, "%s%.*s", n ? " " : "", (int)len, p) ==
								 STATUS_OK)
			n++;
		p += len;
		p += strspn(p, " \t");
	}
	return n;
}

/* The newest of the customer's cases whose reference starts with one of
 * words (or whose number does); copied to out, or "" for none. */
static void matched_ref(struct store *s, const char *customer_id, const char *words,
			char *out, size_t outsz)
{
	sqlite3_stmt *st = stmt_get(s, ST_SEARCH_REF, NULL);

	out[0] = '\0';
	for (const char *w = words; st && *w && !out[0];) {
		size_t len = strcspn(w, " ");

		sqlite3_bind_text(st, 1, customer_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, w, (int)len, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(out, outsz, "%s", col_text(st, 0));
		sqlite3_reset(st);
		w += len;
		w += *w == ' ';
	}
}

enum status store_customer_search(struct store *s, const char *query, int limit,
				  int (*fn)(void *ctx, const struct search_hit *hit), void *ctx,
				  int *count, struct err *e)
{
	sqlite3_stmt *st;
	char *expr;
	struct buf words;
	int n = 0, nwords, rc;

	if (count)
		*count = 0;
	if (!query || !utf8_valid(query, strlen(query)))
		return err_set(e, STATUS_INVALID, "search text is not valid UTF-8");
	if (utf8_length(query) > SEARCH_MAX_CHARS)
		return err_set(e, STATUS_INVALID,
			       "search text is too long (over %d characters); search by part of a "
			       "name, a postcode, a phone number or a case reference",
			       SEARCH_MAX_CHARS);
	/* Offline limit; not audited: it runs per key typed. */
	rc = store_offline_check(s, e);
	if (rc)
		return (enum status)rc;
	expr = store_search_expr(query);
	if (!expr)
		return STATUS_OK; /* nothing to search for: no results, no error */
	st = stmt_get(s, ST_SEARCH, e);
	if (!st) {
		free(expr);
		return e ? e->code : STATUS_DB;
	}
	buf_init(&words, SEARCH_MAX_CHARS * 4 + 1);
	nwords = ref_words(query, &words);
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 50);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char ref[64] = "";
		struct search_hit h = {
			.id = col_text(st, 0),
			.name = col_text(st, 1),
			.dob = col_text_or_null(st, 2),
			.postcode = col_text_or_null(st, 3),
			.address = col_text_or_null(st, 4),
			.phone = col_text_or_null(st, 5),
			.needs = col_text_or_null(st, 6),
			.case_ref = col_text_or_null(st, 7),
		};
		/* A case reference typed: that case, not the newest open one. */
		if (nwords)
			matched_ref(s, h.id, buf_str(&words), ref, sizeof ref);
		if (ref[0])
			h.matched_ref = h.case_ref = ref;
		n++;
		if (fn && fn(ctx, &h))
			break;
	}
	sqlite3_reset(st);
	free(expr);
	buf_release(&words);
	if (count)
		*count = n;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "searching", e);
	return STATUS_OK;
}
