/*
 * The council's gazetteer: the addresses its LLPG lists, by UPRN, replaced
 * whole by a load and read by postcode or by house number and street.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char sql_clear[] = "DELETE FROM gazetteer";
static const char sql_insert[] =
    "INSERT INTO gazetteer (uprn, address, town, postcode, postcode_key, number, street_key)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_count[] = "SELECT count(*) FROM gazetteer";
/* Numbers in numeric order ("2" before "10"), then as text ("12" before
 * "12a"). */
#define GAZETTEER_ORDER                                                                            \
	" ORDER BY street_key, CAST(number AS INTEGER), number, address, uprn LIMIT "              \
	"200"
static const char sql_by_postcode[] =
    "SELECT uprn, address, town, postcode FROM gazetteer WHERE postcode_key = ?1" GAZETTEER_ORDER;
static const char sql_by_street[] =
    "SELECT uprn, address, town, postcode FROM gazetteer"
    " WHERE street_key >= ?1 AND street_key < ?2 AND (?3 IS NULL OR number = ?3)" GAZETTEER_ORDER;

_Static_assert(GAZETTEER_FIND_MAX == 200, "GAZETTEER_ORDER's LIMIT is GAZETTEER_FIND_MAX");

/* The base letter of each precomposed Latin letter U+00C0..U+017F ('.':
 * none, kept as it is), so "ty gwyn" finds Tŷ Gwyn and "cwik" Ćwiklińska. */
static const char latin_base[] = "aaaaaaaceeeeiiiidnooooo.ouuuuy.."
				 "aaaaaaaceeeeiiiidnooooo.ouuuuy.y"
				 "aaaaaaccccccccdd"
				 "ddeeeeeeeeeegggg"
				 "gggghhhhiiiiiiii"
				 "ii..jjkkklllllll"
				 "lllnnnnnnnnnoooo"
				 "oo..rrrrrrssssss"
				 "sstttttt"
				 "uuuuuuuu"
				 "uuuuwwyyyzzzzzzs";
_Static_assert(sizeof latin_base == 0x180 - 0xC0 + 1, "one letter for each of U+00C0..U+017F");

/* Street words as advisors shorten them; the gazetteer spells them out
 * (the LLPG's conventions), so a search reads them as the whole word. The
 * first word is never read so: "St" there is Saint. */

static const char *const shortened[][2] = {
    {"st", "street"}, {"rd", "road"},	    {"ave", "avenue"}, {"ln", "lane"},
    {"cl", "close"},  {"cres", "crescent"}, {"dr", "drive"},   {"gdns", "gardens"},
    {"gr", "grove"},  {"pl", "place"},	    {"sq", "square"},  {"terr", "terrace"},
    {"ct", "court"},
};

/* The search key of a street or house number: folded (case, and accents
 * on Latin letters), one space between words, no full stops or commas
 * ("High St." = "high st"); for a search (query), shortened words after
 * the first spelt out. Caller frees. */
static char *gazetteer_key(const char *s, bool query)
{
	char *folded = text_fold(s ? s : "");
	struct buf out;
	size_t words = 0;

	buf_init(&out, SIZE_MAX / 2);
	for (const char *p = folded; *p;) {
		char word[4 * ADDRESS_MAX_CHARS + 1];
		size_t n = 0;

		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '.')
			p++;
		while (*p && *p != ' ' && *p != '\t' && *p != ',' && *p != '.') {
			unsigned char c0 = (unsigned char)p[0], c1 = (unsigned char)p[1];
			unsigned cp = ((c0 & 0x1Fu) << 6) | (c1 & 0x3Fu);

			if (c0 >= 0xC3 && c0 <= 0xC5 && (c1 & 0xC0) == 0x80 && cp >= 0xC0 &&
			    latin_base[cp - 0xC0] != '.') {
				if (n < sizeof word - 1)
					word[n++] = latin_base[cp - 0xC0];
				p += 2;
			} else {
				if (n < sizeof word - 1)
					word[n++] = *p;
				p++;
			}
		}
		word[n] = '\0';
		if (!n)
			break;
		for (size_t i = 0; query && words > 0 && i < sizeof shortened / sizeof shortened[0];
		     i++)
			if (strcmp(word, shortened[i][0]) == 0) {
				snprintf(word, sizeof word, "%s", shortened[i][1]);
				break;
			}
		if ((words++ && buf_adds(&out, " ") != STATUS_OK) ||
		    buf_adds(&out, word) != STATUS_OK)
			die("gazetteer: search key too long");
	}
	free(folded);
	return buf_detach(&out);
}

static enum status insert_entry(struct store *s, sqlite3_stmt *st, const struct gazetteer_entry *g,
				struct err *e)
{
	char compact[16];
	char *street = g->street && *g->street ? gazetteer_key(g->street, false) : NULL;
	char *number = g->number && *g->number ? gazetteer_key(g->number, false) : NULL;
	enum status rc;

	postcode_compact(g->postcode, compact, sizeof compact);
	sqlite3_bind_int64(st, 1, strtoll(g->uprn, NULL, 10));
	sqlite3_bind_text(st, 2, g->address, -1, SQLITE_STATIC);
	bind_static_or_null(st, 3, g->town);
	sqlite3_bind_text(st, 4, g->postcode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, compact, -1, SQLITE_STATIC);
	bind_static_or_null(st, 6, number);
	bind_static_or_null(st, 7, street);
	rc = stmt_run(s, st, "loading the gazetteer", e);
	free(street);
	free(number);
	return rc;
}

enum status gazetteer_write(struct store *s, const struct gazetteer_entry *entries, size_t n,
			    size_t *bad, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql_clear, e);
	enum status rc = st ? stmt_run(s, st, "emptying the gazetteer", e) : STATUS_DB;

	for (size_t i = 0; !rc && i < n; i++) {
		st = stmt_sql(s, sql_insert, e);
		rc = st ? insert_entry(s, st, &entries[i], e) : STATUS_DB;
		if (rc && sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_PRIMARYKEY) {
			rc = err_set(e, STATUS_INVALID, "UPRN %s is listed twice; keep one",
				     entries[i].uprn);
			if (bad)
				*bad = i;
		}
	}
	return rc;
}

enum status store_gazetteer_replace(struct store *s, const struct gazetteer_entry *entries,
				    size_t n, const char *source, size_t *bad, struct err *e)
{
	enum status rc = store_require(s, STORE_PERM_SETTINGS, "gazetteer", NULL, e);
	char detail[ERR_FILE_MAX + 64];

	if (!rc)
		rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	store_bulk(s, true);
	rc = gazetteer_write(s, entries, n, bad, e);
	if (!rc) {
		snprintf(detail, sizeof detail, "%zu addresses from %s", n,
			 source ? source : "a file");
		rc = store_audit(s, "gazetteer.load", NULL, NULL, detail, e);
	}
	if (rc) {
		store_tx_end(s, false, NULL);
		store_bulk(s, false);
		return rc;
	}
	rc = store_tx_end(s, true, e);
	store_bulk(s, false);
	return rc;
}

long long store_gazetteer_count(struct store *s)
{
	return stmt_number(stmt_sql(s, sql_count, NULL));
}

/* Steps st (bound), calling fn for each row. */
static enum status each_address(struct store *s, sqlite3_stmt *st,
				int (*fn)(void *ctx, const struct gazetteer_address *a), void *ctx,
				long *found, struct err *e)
{
	long n = 0;
	int step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct gazetteer_address a = {
		    .uprn = col_text(st, 0),
		    .address = col_text(st, 1),
		    .town = col_text(st, 2),
		    .postcode = col_text(st, 3),
		};

		n++;
		if (fn && fn(ctx, &a) != 0)
			break;
	}
	if (found)
		*found = n;
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		enum status rc = store_db_error(s, step, "searching the gazetteer", e);

		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	return STATUS_OK;
}

enum status store_gazetteer_postcode(struct store *s, const char *postcode,
				     int (*fn)(void *ctx, const struct gazetteer_address *a),
				     void *ctx, long *found, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql_by_postcode, e);
	char compact[16];

	if (found)
		*found = 0;
	if (!st)
		return STATUS_DB;
	postcode_compact(postcode ? postcode : "", compact, sizeof compact);
	sqlite3_bind_text(st, 1, compact, -1, SQLITE_STATIC);
	return each_address(s, st, fn, ctx, found, e);
}

enum status store_gazetteer_street(struct store *s, const char *number, const char *street,
				   int (*fn)(void *ctx, const struct gazetteer_address *a),
				   void *ctx, long *found, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql_by_street, e);
	char *key = gazetteer_key(street, true), *num = NULL, *upper;
	size_t len = strlen(key);
	enum status rc;

	if (found)
		*found = 0;
	if (!st) {
		free(key);
		return STATUS_DB;
	}
	/* Every key that starts with key sorts below key followed by 0xFF
	 * (no UTF-8 text holds that byte). */
	upper = xmalloc(len + 2);
	memcpy(upper, key, len);
	upper[len] = (char)0xFF;
	upper[len + 1] = '\0';
	if (number && *number)
		num = gazetteer_key(number, false);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, upper, -1, SQLITE_STATIC);
	bind_static_or_null(st, 3, num);
	rc = each_address(s, st, fn, ctx, found, e);
	free(key);
	free(upper);
	free(num);
	return rc;
}
