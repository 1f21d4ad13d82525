/*
 * The prepared-statement cache and small helpers shared by the store files.
 * All SQL the console runs at steady state is in this table, so it can be
 * read (and reviewed for bound parameters) in one place.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const stmt_text[ST_COUNT_] = {
	[ST_SETTING_GET] = "SELECT value FROM settings WHERE key = ?1",
	[ST_SETTING_SET] = "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)"
			   " ON CONFLICT (key) DO UPDATE SET value = ?2, updated_at = ?3",
	[ST_REF_EXISTS_SERVICE] = "SELECT 1 FROM service WHERE code = ?1 AND active",
	[ST_REF_EXISTS_TEAM] = "SELECT 1 FROM team WHERE code = ?1 AND active",
	[ST_REF_EXISTS_SITE] = "SELECT 1 FROM site WHERE code = ?1 AND active",
	[ST_REF_EXISTS_CHANNEL] = "SELECT 1 FROM channel WHERE code = ?1 AND active",
	[ST_REF_EXISTS_OUTCOME] = "SELECT 1 FROM outcome WHERE code = ?1 AND active",
	[ST_REF_EXISTS_FAILURE] = "SELECT 1 FROM failure_reason WHERE code = ?1 AND active",
	[ST_SERVICE_GET] = "SELECT code, name, lgsl, team, url, standard_days FROM service"
			   " WHERE code = ?1 AND active",
	[ST_HOLIDAYS] = "SELECT day FROM bank_holiday ORDER BY day",
	[ST_CUSTOMER_INSERT] =
		"INSERT INTO customer (id, name, dob, address, postcode, uprn, phone, phone_raw,"
		" email, preferred_channel, needs, consent, field_hlc, created_at, updated_at,"
		" needs_basis)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?20)",
	[ST_CUSTOMER_GET] =
		"SELECT num, id, name, dob, address, postcode, uprn, phone, phone_raw, email,"
		" preferred_channel, needs, consent, field_hlc, erased, created_at, needs_basis"
		" FROM customer WHERE id = ?1",
	[ST_CUSTOMER_UPDATE] =
		"UPDATE customer SET name = ?2, dob = ?3, address = ?4, postcode = ?5, uprn = ?6,"
		" phone = ?7, phone_raw = ?8, email = ?9, preferred_channel = ?10, needs = ?11,"
		" consent = ?12, field_hlc = ?13, updated_at = ?14, needs_basis = ?20 WHERE id = ?1",
	[ST_CUSTOMER_FTS_INSERT] =
		"INSERT INTO customer_fts (rowid, name, address, postcode, phone, email, refs)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_CUSTOMER_FTS_DELETE] = "DELETE FROM customer_fts WHERE rowid = ?1",
	[ST_CUSTOMER_REFS] = "SELECT reference FROM \"case\" WHERE customer_id = ?1"
			     " ORDER BY num",
	[ST_SEARCH] = "SELECT c.id, c.name, c.dob, c.postcode, c.address, c.phone, c.needs,"
		      " (SELECT k.reference FROM \"case\" k WHERE k.customer_id = c.id"
		      "  AND k.status <> 'closed' ORDER BY k.num DESC LIMIT 1)"
		      " FROM customer_fts f JOIN customer c ON c.num = f.rowid"
		      " WHERE customer_fts MATCH ?1 AND NOT c.erased"
		      " ORDER BY f.rowid DESC LIMIT ?2",
	/* ?2 is a word of the search, letters, digits and '-' only (no LIKE
	 * wildcards): the start of a reference or of its number. */
	[ST_SEARCH_REF] = "SELECT reference FROM \"case\" WHERE customer_id = ?1"
			  " AND (reference LIKE ?2 || '%'"
			  "  OR substr(reference, instr(reference, '-') + 1) LIKE ?2 || '%')"
			  " ORDER BY num DESC LIMIT 1",
	[ST_VISIT_GET] = "SELECT customer_id FROM visit WHERE id = ?1",
	[ST_VISIT_INSERT] = "INSERT INTO visit (id, customer_id, site, channel, advisor, started_at)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_CONTACT_INSERT] =
		"INSERT INTO contact (id, visit_id, customer_id, channel, site, advisor, service,"
		" outcome, failure_demand, duration_s, flow_id, flow_version, answers, notes,"
		" corrects, device_id, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
	[ST_CASE_INSERT] =
		"INSERT INTO \"case\" (id, reference, contact_id, customer_id, team, service, reason,"
		" status, due_date, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9)",
	[ST_CASE_EVENT_INSERT] = "INSERT INTO case_event (id, case_id, status, note, actor, at)"
				 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_CASE_GET] = "SELECT id, reference, customer_id, team, service, reason, status,"
			" due_date, created_at, closed_at, result FROM \"case\""
			" WHERE reference = ?1 COLLATE NOCASE",
	[ST_CASE_EVENTS] = "SELECT at, status, note, actor FROM case_event WHERE case_id = ?1"
			   " ORDER BY at, rowid",
	[ST_AUDIT_INSERT] = "INSERT INTO audit (at, actor, action, record_type, record_id, detail)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_OUTBOX_INSERT] = "INSERT INTO outbox (record_type, record_id, op, body, created_at,"
			     " wait_role, wait_login) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_OUTBOX_PENDING] = "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
};

sqlite3_stmt *stmt_get(struct store *s, enum stmt_id id, struct err *e)
{
	sqlite3_stmt *st = s->stmt[id];

	if (!st) {
		int rc = sqlite3_prepare_v3(s->db, stmt_text[id], -1, SQLITE_PREPARE_PERSISTENT,
					    &s->stmt[id], NULL);
		if (rc != SQLITE_OK) {
			store_db_error(s, rc, "reading the database", e);
			return NULL;
		}
		return s->stmt[id];
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

sqlite3_stmt *stmt_sql(struct store *s, const char *sql, struct err *e)
{
	int rc;

	for (int i = 0; i < s->nadhoc; i++) {
		if (s->adhoc[i].sql == sql) {
			sqlite3_reset(s->adhoc[i].st);
			sqlite3_clear_bindings(s->adhoc[i].st);
			return s->adhoc[i].st;
		}
	}
	if (s->nadhoc == (int)(sizeof s->adhoc / sizeof s->adhoc[0]))
		die("stmt_sql: more than %d cached statements; raise the limit", s->nadhoc);
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				&s->adhoc[s->nadhoc].st, NULL);
	if (rc != SQLITE_OK) {
		store_db_error(s, rc, "reading the database", e);
		return NULL;
	}
	s->adhoc[s->nadhoc].sql = sql;
	return s->adhoc[s->nadhoc++].st;
}

int bind_text_or_null(sqlite3_stmt *st, int idx, const char *v)
{
	if (!v || !*v)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, v, -1, SQLITE_TRANSIENT);
}

int bind_static_or_null(sqlite3_stmt *st, int idx, const char *v)
{
	if (!v || !*v)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, v, -1, SQLITE_STATIC);
}

const char *col_text(sqlite3_stmt *st, int idx)
{
	const unsigned char *t = sqlite3_column_text(st, idx);

	return t ? (const char *)t : "";
}

const char *col_text_or_null(sqlite3_stmt *st, int idx)
{
	return (const char *)sqlite3_column_text(st, idx);
}

enum status stmt_run1(struct store *s, const char *sql, const char *p1, long *count,
		      const char *what, struct err *e)
{
	sqlite3_stmt *st = stmt_sql(s, sql, e);
	enum status rc;

	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, p1, -1, SQLITE_TRANSIENT);
	rc = stmt_run(s, st, what, e);
	if (!rc && count)
		*count += (long)sqlite3_changes(s->db);
	return rc;
}

long long stmt_number(sqlite3_stmt *st)
{
	long long n = -1;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

enum status stmt_run(struct store *s, sqlite3_stmt *st, const char *what, struct err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return STATUS_OK;
	return store_db_error(s, rc, what, e);
}

void store_now(char *out, size_t outsz)
{
	time_format_utc(clock_now_ms(), out, outsz);
}

char *setting_raw(struct store *s, const char *key)
{
	sqlite3_stmt *st = stmt_get(s, ST_SETTING_GET, NULL);
	char *v = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup(col_text(st, 0));
	sqlite3_reset(st);
	return v;
}

enum status setting_put(struct store *s, const char *key, const char *value, struct err *e)
{
	sqlite3_stmt *st = stmt_get(s, ST_SETTING_SET, e);
	char now[32];

	if (!st)
		return e ? e->code : STATUS_DB;
	store_now(now, sizeof now);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	return stmt_run(s, st, "saving a setting", e);
}
