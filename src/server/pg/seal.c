/*
 * Sealed records: what a record says about a person is sealed under the
 * customer's key (src/server/vault.c) before it reaches the database, and
 * opened on its way back to a desk. Everything else stays as it was, so
 * the reports, the rules and every index read the same columns: only the
 * members below change, and a sealed body says whose key it is under in
 * one more member, "sealed" (taken off again before a desk sees it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pg_int.h"

#define SEALED "sealed"

/* The personal members of each record type, and what an erasure leaves in
 * their place (NULL: null). */
static const struct {
	const char *type;
	const char *member[2];
	const char *erased;
} personal[] = {
	{ "customer", { "fields", "phone_raw" }, NULL },
	{ "contact", { "notes", "answers" }, NULL },
	{ "case", { "reason", "result" }, "[erased]" },
	{ "case_event", { "note", NULL }, NULL },
	{ "flow_park", { "saved", NULL }, NULL },
};

static int personal_find(const char *type)
{
	for (size_t i = 0; i < sizeof personal / sizeof personal[0]; i++)
		if (!strcmp(personal[i].type, type))
			return (int)i;
	return -1;
}

bool pg_seals(const char *type)
{
	return personal_find(type) >= 0;
}

void pg_use_vault(struct pg *db, struct vault *v)
{
	db->vault = v;
}

static enum status need_vault(struct pg *db, struct err *e)
{
	if (db->vault)
		return STATUS_OK;
	return err_set(e, STATUS_INVALID,
		       "this command needs the key store; use --keys PATH or set FRONTDESKD_KEYS "
		       "(see frontdeskd(8), \"Keys\")");
}

/* What an erasure leaves in the place of member m of type t: its
 * replacement, or null; nothing where there was nothing. */
static void leave_erased(json_t *body, int t, const char *m)
{
	json_t *v = json_object_get(body, m);

	if (!v || json_is_null(v))
		return;
	json_object_set_new(body, m, personal[t].erased ? json_string(personal[t].erased)
						      : json_null());
}

/* Whether member value v of type t is to be sealed: a value, and, in a
 * body sealed already, one that is neither sealed nor what an erasure
 * left. */
static bool in_clear(const json_t *v, int t, bool sealed_body)
{
	const char *s = json_string_value(v);

	if (!v || json_is_null(v))
		return false;
	if (!sealed_body || !s)
		return true;
	return strncmp(s, VAULT_PREFIX, sizeof VAULT_PREFIX - 1) &&
	       !(personal[t].erased && !strcmp(s, personal[t].erased));
}

enum status pg_seal(struct pg *db, const char *type, json_t *body, const char *customer,
		    struct err *e)
{
	unsigned char key[VAULT_KEY_BYTES];
	enum vault_state state;
	enum status rc;
	int t = personal_find(type);
	bool any = false;

	/* A body sealed already (keys seal) may still hold a member in the
	 * clear: a case an older server kept, whose result was sealed by a
	 * later change. Its sealed members are left as they are. */
	const char *already = json_string_value(json_object_get(body, SEALED));

	if (t < 0 || !customer || !json_is_object(body) ||
	    (json_object_get(body, SEALED) && (!already || strcmp(already, customer))))
		return STATUS_OK;
	for (int i = 0; i < 2 && personal[t].member[i]; i++)
		any |= in_clear(json_object_get(body, personal[t].member[i]), t, already != NULL);
	/* An erased customer's tombstone says nothing of them. */
	if (!any || (t == 0 && json_is_true(json_object_get(body, "erased"))))
		return STATUS_OK;
	rc = need_vault(db, e);
	if (!rc)
		rc = vault_key(db->vault, customer, true, key, &state, e);
	if (rc)
		return rc;
	if (state != VAULT_LIVE) {
		/* Erased here already: kept as the erasure left the rest. */
		for (int i = 0; i < 2 && personal[t].member[i]; i++)
			if (in_clear(json_object_get(body, personal[t].member[i]), t,
				     already != NULL))
				leave_erased(body, t, personal[t].member[i]);
		return STATUS_OK;
	}
	for (int i = 0; i < 2 && personal[t].member[i]; i++) {
		const char *m = personal[t].member[i];
		json_t *v = json_object_get(body, m);
		char *plain, *sealed;

		if (!in_clear(v, t, already != NULL))
			continue;
		plain = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!plain)
			die("out of memory encoding JSON");
		sealed = vault_seal(key, customer, plain, strlen(plain));
		sodium_memzero(plain, strlen(plain));
		free(plain);
		json_object_set_new(body, m, json_string(sealed));
		free(sealed);
	}
	sodium_memzero(key, sizeof key);
	if (!already)
		json_object_set_new(body, SEALED, json_string(customer));
	return STATUS_OK;
}

char *pg_sealed_text(struct pg *db, const char *type, const json_t *body, const char *customer,
		     struct err *e)
{
	json_t *copy = json_deep_copy(body);
	char *text;

	if (!copy)
		die("out of memory copying JSON");
	if (pg_seal(db, type, copy, customer, e)) {
		json_decref(copy);
		return NULL;
	}
	text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	if (!text)
		die("out of memory encoding JSON");
	return text;
}

enum status pg_shred(struct pg *db, const char *customer, struct err *e)
{
	enum status rc = need_vault(db, e);

	return rc ? rc : vault_shred(db->vault, customer, NULL, e);
}

enum status pg_seal_commit(struct pg *db, struct err *e)
{
	return db->vault ? vault_sync(db->vault, e) : STATUS_OK;
}

enum status pg_unseal(struct pg *db, const char *type, json_t *body, const char *record_id,
		      struct err *e)
{
	unsigned char key[VAULT_KEY_BYTES];
	enum vault_state state = VAULT_NONE;
	const char *customer = json_string_value(json_object_get(body, SEALED));
	int t = personal_find(type);
	bool unopened = false;
	enum status rc;

	if (t < 0 || !customer)
		return STATUS_OK;
	rc = need_vault(db, e);
	if (!rc)
		rc = vault_key(db->vault, customer, false, key, &state, e);
	if (rc)
		return rc;
	for (int i = 0; i < 2 && personal[t].member[i]; i++) {
		const char *m = personal[t].member[i];
		const char *s = json_string_value(json_object_get(body, m));
		json_t *v = NULL;
		char *plain;
		size_t len;

		/* Sealed members only: what an erasure wrote is plain. */
		if (!s || strncmp(s, VAULT_PREFIX, sizeof VAULT_PREFIX - 1))
			continue;
		plain = state == VAULT_LIVE ? vault_unseal(key, customer, s, &len) : NULL;
		if (plain) {
			v = json_loadb(plain, len, JSON_DECODE_ANY, NULL);
			sodium_memzero(plain, len);
			free(plain);
		}
		if (v) {
			json_object_set_new(body, m, v);
			continue;
		}
		if (state == VAULT_NONE) {
			/* No key at all: a key store older than the value (restored
			 * from a backup) or not this database's. Not an erasure:
			 * said, and a customer left sealed as for damage. */
			fprintf(stderr,
				"frontdeskd: the customer of %s %s has no key in the key store "
				"(restored from an older backup, or not this database's?); its "
				"sealed %s cannot be opened\n",
				type, record_id ? record_id : "?", m);
			if (t == 0) {
				unopened = true;
				continue;
			}
		}
		if (state == VAULT_LIVE) {
			/* A live key that does not open it: damage or tampering.
			 * Said here (names only); a customer is left sealed, so the
			 * desk keeps it aside rather than take empty fields. */
			fprintf(stderr,
				"frontdeskd: a sealed %s member of %s %s does not open under its "
				"customer's key; check the key store and the database\n",
				m, type, record_id ? record_id : "?");
			if (t == 0) {
				unopened = true;
				continue;
			}
		}
		leave_erased(body, t, m);
	}
	sodium_memzero(key, sizeof key);
	if (!unopened)
		json_object_del(body, SEALED);
	return STATUS_OK;
}

enum status pg_keys_check(struct pg *db, struct err *e)
{
	enum status rc = need_vault(db, e);
	PGresult *r;
	bool sealed;

	if (rc || vault_entries(db->vault) > 0)
		return rc;
	r = pg_exec(db,
		    "SELECT EXISTS (SELECT 1 FROM customer WHERE body ? 'sealed')"
		    " OR EXISTS (SELECT 1 FROM contact WHERE body ? 'sealed')"
		    " OR EXISTS (SELECT 1 FROM \"case\" WHERE body ? 'sealed')",
		    0, NULL, "looking for sealed values", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	sealed = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (sealed)
		return err_set(e, STATUS_INVALID,
			       "the key store %s holds no keys, but the database holds values "
			       "sealed under keys: is --keys the right file? Restore the key store "
			       "from its backup (see frontdeskd(8), \"Keys\")",
			       vault_path(db->vault));
	return STATUS_OK;
}

enum status pg_erasures_shred(struct pg *db, size_t *n, struct err *e)
{
	PGresult *r;
	enum status rc = need_vault(db, e);

	*n = 0;
	if (rc)
		return rc;
	r = pg_exec(db, "SELECT customer_id FROM erasure", 0, NULL, "reading the erasures", e);
	if (!r)
		return e && e->code ? e->code : STATUS_DB;
	for (int i = 0; i < PQntuples(r) && !rc; i++) {
		unsigned char key[VAULT_KEY_BYTES];
		enum vault_state state;
		bool live = false;

		rc = vault_key(db->vault, PQgetvalue(r, i, 0), false, key, &state, e);
		sodium_memzero(key, sizeof key);
		if (!rc && state != VAULT_SHREDDED)
			rc = vault_shred(db->vault, PQgetvalue(r, i, 0), &live, e);
		if (live)
			(*n)++;
	}
	PQclear(r);
	return rc;
}

/*
 * Sealing what an older frontdeskd stored in the clear: each table with
 * personal members, a page at a time in key order (so a row that needs
 * nothing sealed is passed once), one transaction a page. $1: the last
 * key of the page before. Each row: its key, its customer, its body, its
 * record type.
 */
#define PAGE "500"
#define UNSEALED(t) " NOT " t ".body ? 'sealed'"
/* A case's member in the clear beside sealed ones (see pg_seal). */
#define CLEAR(t, m) " (jsonb_typeof(" t ".body->'" m "') = 'string' AND " t ".body->>'" m "'" \
		    " NOT LIKE 'fd1:%' AND " t ".body->>'" m "' <> '[erased]')"
#define CASE_UNSEALED(t) " (" UNSEALED(t) " OR" CLEAR(t, "reason") " OR" CLEAR(t, "result") ")"
#define SET(t, m) " coalesce(" t ".body->'" m "', 'null') <> 'null'"
static const struct {
	const char *what, *select, *update;
} unsealed[] = {
	{ "customers",
	  "SELECT id, id, body::text, 'customer' FROM customer x WHERE id > $1 AND NOT erased"
	  " AND" UNSEALED("x") " ORDER BY id LIMIT " PAGE,
	  "UPDATE customer SET body = $2::jsonb WHERE id = $1" },
	{ "contacts",
	  "SELECT id, customer_id, body::text, 'contact' FROM contact x WHERE id > $1"
	  " AND customer_id IS NOT NULL AND" UNSEALED("x") " AND (" SET("x", "notes") " OR"
	  SET("x", "answers") ") ORDER BY id LIMIT " PAGE,
	  "UPDATE contact SET body = $2::jsonb WHERE id = $1" },
	{ "cases",
	  "SELECT id, customer_id, body::text, 'case' FROM \"case\" x WHERE id > $1"
	  " AND customer_id IS NOT NULL AND" CASE_UNSEALED("x") " ORDER BY id LIMIT " PAGE,
	  "UPDATE \"case\" SET body = $2::jsonb WHERE id = $1" },
	{ "case events",
	  "SELECT x.id, c.customer_id, x.body::text, 'case_event' FROM case_event x"
	  " JOIN \"case\" c ON c.id = x.case_id WHERE x.id > $1 AND c.customer_id IS NOT NULL"
	  " AND" UNSEALED("x") " AND" SET("x", "note") " ORDER BY x.id LIMIT " PAGE,
	  "UPDATE case_event SET body = $2::jsonb WHERE id = $1" },
	{ "parked runs",
	  "SELECT id, customer_id, body::text, 'flow_park' FROM flow_park x WHERE id > $1"
	  " AND" UNSEALED("x") " ORDER BY id LIMIT " PAGE,
	  "UPDATE flow_park SET body = $2::jsonb WHERE id = $1" },
	{ "change log entries",
	  "SELECT x.cursor::text, CASE x.record_type WHEN 'customer' THEN x.record_id"
	  "  WHEN 'case_event' THEN (SELECT c.customer_id FROM case_event v"
	  "   JOIN \"case\" c ON c.id = v.case_id WHERE v.id = x.record_id)"
	  "  ELSE x.body->>'customer_id' END, x.body::text, x.record_type FROM change_log x"
	  " WHERE x.cursor > $1::bigint"
	  " AND x.record_type IN ('customer', 'case', 'case_event', 'flow_park')"
	  " AND (" UNSEALED("x") " OR (x.record_type = 'case' AND" CASE_UNSEALED("x") "))"
	  " ORDER BY x.cursor LIMIT " PAGE,
	  "UPDATE change_log SET body = $2::jsonb WHERE cursor = $1::bigint" },
};

_Static_assert(sizeof unsealed / sizeof unsealed[0] == PG_SEALED_KINDS, "one entry a kind");

/* One page of table i after *last: sealed and saved; *n rows read. */
static enum status seal_page(struct pg *db, size_t i, char *last, size_t lastsz, int *n,
			     long *sealed, struct err *e)
{
	const char *p[2] = { last, NULL };
	PGresult *r;
	enum status rc = pg_begin(db, e);

	*n = 0;
	if (rc)
		return rc;
	r = pg_exec(db, unsealed[i].select, 1, p, "reading what is not sealed", e);
	if (!r) {
		pg_end(db, false, NULL);
		return e && e->code ? e->code : STATUS_DB;
	}
	*n = PQntuples(r);
	for (int row = 0; row < *n && !rc; row++) {
		json_t *body = json_loads(PQgetvalue(r, row, 2), 0, NULL);
		const char *customer = PQgetisnull(r, row, 1) ? NULL : PQgetvalue(r, row, 1);

		snprintf(last, lastsz, "%s", PQgetvalue(r, row, 0));
		if (!body || !customer || !uuid_valid(customer)) {
			json_decref(body);
			continue;
		}
		/* Saved when something was sealed (or left erased) in it. */
		char *before = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS), *text = NULL;

		if (!before)
			die("out of memory encoding JSON");
		rc = pg_seal(db, PQgetvalue(r, row, 3), body, customer, e);
		if (!rc && json_object_get(body, SEALED)) {
			text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
			if (!text)
				die("out of memory encoding JSON");
		}
		if (text && strcmp(before, text)) {
			p[0] = PQgetvalue(r, row, 0);
			p[1] = text;
			rc = pg_run(db, unsealed[i].update, 2, p, "sealing", e);
			p[0] = last;
			if (!rc)
				(*sealed)++;
		}
		sodium_memzero(before, strlen(before));
		free(before);
		free(text);
		json_decref(body);
	}
	PQclear(r);
	if (!rc)
		rc = pg_seal_commit(db, e);
	if (rc) {
		pg_end(db, false, NULL);
		return rc;
	}
	return pg_end(db, true, e);
}

enum status pg_seal_existing(struct pg *db, long counts[PG_SEALED_KINDS],
			     const char *names[PG_SEALED_KINDS], struct err *e)
{
	enum status rc = need_vault(db, e);

	for (size_t i = 0; i < PG_SEALED_KINDS && !rc; i++) {
		char last[64] = "";
		int n;

		counts[i] = 0;
		names[i] = unsealed[i].what;
		if (i == PG_SEALED_KINDS - 1)
			snprintf(last, sizeof last, "0");
		do
			rc = seal_page(db, i, last, sizeof last, &n, &counts[i], e);
		while (!rc && n > 0);
	}
	return rc;
}
