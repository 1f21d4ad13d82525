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

enum status pg_seal(struct pg *db, const char *type, json_t *body, const char *customer,
		    struct err *e)
{
	unsigned char key[VAULT_KEY_BYTES];
	enum vault_state state;
	enum status rc;
	int t = personal_find(type);
	bool any = false;

	if (t < 0 || !customer || !json_is_object(body) || json_object_get(body, SEALED))
		return STATUS_OK;
	for (int i = 0; i < 2 && personal[t].member[i]; i++) {
		json_t *v = json_object_get(body, personal[t].member[i]);

		any |= v && !json_is_null(v);
	}
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
			leave_erased(body, t, personal[t].member[i]);
		return STATUS_OK;
	}
	for (int i = 0; i < 2 && personal[t].member[i]; i++) {
		const char *m = personal[t].member[i];
		json_t *v = json_object_get(body, m);
		char *plain, *sealed;

		if (!v || json_is_null(v))
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
