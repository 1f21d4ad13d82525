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
	if (c->field[CF_postcode]) {
		char compact[16];

		postcode_compact(c->field[CF_postcode], compact, sizeof compact);
		snprintf(postcode, sizeof postcode, "%s %s", c->field[CF_postcode], compact);
	}
	if (c->field[CF_phone] && strncmp(c->field[CF_phone], "+44", 3) == 0) {
		char national[24];

		phone_national(c->field[CF_phone], national, sizeof national);
		snprintf(phone, sizeof phone, "%s %s", national, c->field[CF_phone] + 1);
	}
	name = fold_or_null(c->field[CF_name]);
	address = fold_or_null(c->field[CF_address]);
	email = fold_or_null(c->field[CF_email]);
	st = stmt_get(s, ST_CUSTOMER_FTS_INSERT, e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, num);
	bind_text_or_null(st, 2, name);
	bind_text_or_null(st, 3, address);
	bind_text_or_null(st, 4, postcode);
	bind_text_or_null(st, 5, phone);
	bind_text_or_null(st, 6, email);
	bind_text_or_null(st, 7, refs);
	rc = stmt_run(s, st, "updating the search index", e);
out:
	free(name);
	free(address);
	free(email);
	return rc;
}

/* True if the query reads as a phone number: digits and phone punctuation
 * only, with enough digits to mean it. */
static bool phone_like(const char *q, char *digits, size_t dsz)
{
	size_t nd = 0;

	for (const char *p = q; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (nd + 1 < dsz)
				digits[nd++] = *p;
		} else if (!strchr(" +-().", *p)) {
			return false;
		}
	}
	digits[nd] = '\0';
	return nd >= 5 && (q[strspn(q, " ")] == '+' || digits[0] == '0' || nd >= 10);
}

/* Quotes one token for FTS5: "tok"* with any " doubled. */
static void add_token(struct buf *b, const char *tok, size_t n)
{
	if (b->len)
		buf_adds(b, " ");
	buf_adds(b, "\"");
	for (size_t i = 0; i < n; i++) {
		if (tok[i] == '"')
			buf_adds(b, "\"");
		buf_add(b, &tok[i], 1);
	}
	buf_adds(b, "\"*");
}

char *store_search_expr(const char *query)
{
	char digits[64], *folded;
	struct buf b;

	if (!query)
		return NULL;
	buf_init(&b, 4096);
	if (phone_like(query, digits, sizeof digits)) {
		/* 0044 7700... and +44 7700... are the indexed 447700... */
		const char *d = strncmp(digits, "0044", 4) == 0 ? digits + 2 : digits;

		add_token(&b, d, strlen(d));
		return buf_detach(&b);
	}
	folded = text_fold(query);
	/* Words are runs of ASCII letters and digits and any non-ASCII
	 * bytes (letters in other scripts); everything else separates, as
	 * the unicode61 tokenizer does for the indexed text. */
	for (const char *p = folded; *p;) {
		const char *start;

		while (*p && (unsigned char)*p < 0x80 && !isalnum((unsigned char)*p))
			p++;
		start = p;
		while (*p && ((unsigned char)*p >= 0x80 || isalnum((unsigned char)*p)))
			p++;
		if (p > start && b.len < 1024)
			add_token(&b, start, (size_t)(p - start));
	}
	free(folded);
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

enum status store_customer_search(struct store *s, const char *query, int limit,
				  int (*fn)(void *ctx, const struct search_hit *hit), void *ctx,
				  int *count, struct err *e)
{
	sqlite3_stmt *st;
	char *expr;
	int n = 0, rc;

	if (count)
		*count = 0;
	if (!query || !utf8_valid(query, strlen(query)))
		return err_set(e, STATUS_INVALID, "search text is not valid UTF-8");
	expr = store_search_expr(query);
	if (!expr)
		return STATUS_OK; /* nothing to search for: no results, no error */
	st = stmt_get(s, ST_SEARCH, e);
	if (!st) {
		free(expr);
		return e ? e->code : STATUS_DB;
	}
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 50);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct search_hit h = {
			.id = col_text(st, 0),
			.name = col_text(st, 1),
			.dob = col_text_or_null(st, 2),
			.postcode = col_text_or_null(st, 3),
			.address = col_text_or_null(st, 4),
			.phone = col_text_or_null(st, 5),
			.matched_ref = NULL,
		};
		n++;
		if (fn && fn(ctx, &h))
			break;
	}
	sqlite3_reset(st);
	free(expr);
	if (count)
		*count = n;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(s, rc, "searching", e);
	return STATUS_OK;
}
