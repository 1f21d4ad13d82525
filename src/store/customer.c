/*
 * Customers: the golden record. Every field is checked here again (the store
 * is the last line of defence, whoever the caller), stamped with an HLC for
 * the per-field merge, indexed for search, queued for the server and audited,
 * all in one transaction. Reading a record is audited, and refused on a desk
 * that has been offline for too long (the offline limit, at the end).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Column of each field in ST_CUSTOMER_GET (and bind index - 1 + 1 in
 * INSERT/UPDATE, which share the order name..consent with phone_raw after
 * phone). */
static const int get_col[CF_COUNT] = {
	[CF_name] = 2,	[CF_dob] = 3,	[CF_address] = 4,	    [CF_postcode] = 5,
	[CF_uprn] = 6,	[CF_phone] = 7, [CF_email] = 9,		    [CF_preferred_channel] = 10,
	[CF_needs] = 11, [CF_consent] = 12,	    [CF_needs_basis] = 16,
};

static void stamp(struct store *s, char out[HLC_STR_MAX])
{
	hlc_tick(&s->hlc, s->device_id[0] ? s->device_id : "local", out);
}

/* Keeps the clock's high-water mark in the file, so a restarted console
 * never stamps below what it stamped before (once per write, not per field;
 * in bulk mode once per transaction, by store_tx_end). */
static enum status stamp_save(struct store *s, const char *last, struct err *e)
{
	if (s->bulk && s->tx_depth > 0) {
		snprintf(s->hlc_unsaved, sizeof s->hlc_unsaved, "%s", last);
		return STATUS_OK;
	}
	return setting_put(s, "hlc_last", last, e);
}

/* True when s needs no escaping in JSON (what hlc_tick writes: digits,
 * letters, '-', '_', '.'), so any encoder writes it as it is. */
static bool json_plain(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

/*
 * The one stamp every field with a value carries, when no field without a
 * value carries one (a new customer: one write, one stamp); else NULL.
 */
static const char *stamps_uniform(const struct customer *c)
{
	const char *one = NULL;

	for (int f = 0; f < CF_COUNT; f++) {
		if (!c->field[f]) {
			if (c->hlc[f][0])
				return NULL;
			continue;
		}
		if (!c->hlc[f][0] || (one && strcmp(one, c->hlc[f]) != 0))
			return NULL;
		one = c->hlc[f];
	}
	return one;
}

/*
 * Appends to b the stamps as field_hlc keeps them, when every stamp is plain
 * (json_plain), and returns true; false, with b unchanged, when one is not.
 *
 * Stamps shared by every field with a value are kept once, as {"*": stamp}
 * (schema 6): a stamp is ~60 bytes, and six copies of it were two thirds of
 * a customer row, so of what an import writes. Otherwise the object maps
 * each stamped field to its stamp, exactly as json_dumps(JSON_COMPACT |
 * JSON_SORT_KEYS) writes it. An import encodes 10^5 of these, and building a
 * jansson object for each cost a tenth of it.
 */
static bool stamps_put(struct buf *b, const struct customer *c)
{
	const char *one = stamps_uniform(c);
	int order[CF_COUNT], n = 0;

	if (one && json_plain(one)) {
		buf_adds(b, "{\"*\":\"");
		buf_adds(b, one);
		buf_adds(b, "\"}");
		return true;
	}
	for (int f = 0; f < CF_COUNT; f++) {
		int k = n;

		if (!c->hlc[f][0])
			continue;
		if (!json_plain(c->hlc[f]))
			return false;
		/* keys in strcmp order, as JSON_SORT_KEYS sorts them */
		while (k > 0 &&
		       strcmp(customer_field_name(order[k - 1]), customer_field_name(f)) > 0) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = f;
		n++;
	}
	buf_adds(b, "{");
	for (int i = 0; i < n; i++) {
		buf_adds(b, i ? ",\"" : "\"");
		buf_adds(b, customer_field_name(order[i]));
		buf_adds(b, "\":\"");
		buf_adds(b, c->hlc[order[i]]);
		buf_adds(b, "\"");
	}
	buf_adds(b, "}");
	return true;
}

char *customer_stamps_json(const struct customer *c)
{
	const char *one = stamps_uniform(c);
	json_t *o;
	char *text;
	struct buf b;

	buf_init(&b, 64 * 1024);
	if (stamps_put(&b, c) && buf_status(&b) == STATUS_OK)
		return buf_detach(&b);
	buf_release(&b);
	o = json_object();
	if (one)
		json_object_set_new(o, "*", json_string(one));
	else
		for (int f = 0; f < CF_COUNT; f++)
			if (c->hlc[f][0])
				json_object_set_new(o, customer_field_name(f),
						    json_string(c->hlc[f]));
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!text)
		die("out of memory encoding JSON");
	return text;
}

/* Reads field_hlc into c->hlc; c's values first, for a shared stamp ("*"). */
static void stamps_parse(struct customer *c, const char *text)
{
	json_t *o = json_loads(text, 0, NULL);
	const char *key;
	json_t *v;

	if (!o)
		return;
	json_object_foreach(o, key, v)
	{
		int f = customer_field_find(key);

		if (f >= 0 && json_is_string(v))
			snprintf(c->hlc[f], sizeof c->hlc[f], "%s", json_string_value(v));
	}
	v = json_object_get(o, "*");
	if (json_is_string(v))
		for (int f = 0; f < CF_COUNT; f++)
			if (c->field[f] && !c->hlc[f][0])
				snprintf(c->hlc[f], sizeof c->hlc[f], "%s", json_string_value(v));
	json_decref(o);
}

/* Checks every set field in place (canonical forms) and the channel code. */
static enum status check_fields(struct store *s, struct customer *c, struct err *e)
{
	for (int f = 0; f < CF_COUNT; f++) {
		char *canon = NULL;
		enum status rc;

		if (!c->field[f])
			continue;
		rc = customer_field_check(f, c->field[f], &canon, e);
		if (rc)
			return rc;
		if (f == CF_phone && canon && !c->phone_raw)
			c->phone_raw = xstrdup(c->field[f]);
		free(c->field[f]);
		c->field[f] = canon;
	}
	if (!c->field[CF_name])
		return err_set(e, STATUS_INVALID, "name is required; give at least the customer's name");
	if (c->field[CF_needs]) {
		char *canon = NULL;
		enum status rc = store_needs_check(s, c->field[CF_needs], &canon, e);

		if (rc)
			return rc;
		free(c->field[CF_needs]);
		c->field[CF_needs] = canon;
	}
	if (needs_basis_required(c->field[CF_needs], c->field[CF_needs_basis], e))
		return STATUS_INVALID;
	if (c->field[CF_preferred_channel])
		return store_ref_check(s, REF_CHANNEL, c->field[CF_preferred_channel], e);
	return STATUS_OK;
}

void customer_bind_fields(sqlite3_stmt *st, const struct customer *c, const char *stamps)
{
	bind_static_or_null(st, 2, c->field[CF_name]);
	bind_static_or_null(st, 3, c->field[CF_dob]);
	bind_static_or_null(st, 4, c->field[CF_address]);
	bind_static_or_null(st, 5, c->field[CF_postcode]);
	bind_static_or_null(st, 6, c->field[CF_uprn]);
	bind_static_or_null(st, 7, c->field[CF_phone]);
	bind_static_or_null(st, 8, c->field[CF_phone] ? c->phone_raw : NULL);
	bind_static_or_null(st, 9, c->field[CF_email]);
	bind_static_or_null(st, 10, c->field[CF_preferred_channel]);
	bind_static_or_null(st, 11, c->field[CF_needs]);
	bind_static_or_null(st, 12, c->field[CF_consent]);
	sqlite3_bind_text(st, 13, stamps, -1, SQLITE_STATIC);
	bind_static_or_null(st, CUSTOMER_BIND_NEEDS_BASIS, c->field[CF_needs_basis]);
}

/* The stamps as stored in field_hlc: in s->scratch (borrowed until the next
 * write), or in *fallback (caller frees) when jansson had to write them. */
static const char *stamps_text(struct store *s, const struct customer *c, char **fallback)
{
	*fallback = NULL;
	buf_reset(&s->scratch);
	if (stamps_put(&s->scratch, c))
		return buf_str(&s->scratch);
	*fallback = customer_stamps_json(c);
	return *fallback;
}

static enum status queue_customer(struct store *s, const struct customer *c, const char *op,
				  struct err *e)
{
	json_t *j;
	char *body;
	enum status rc;

	if (!s->outbox_capture)
		return STATUS_OK;
	/* A bulk write queues the record without a copy of it: the push
	 * sends it as it then stands (store_outbox_batch). */
	if (s->bulk)
		return outbox_add(s, "customer", c->id, op, OUTBOX_BODY_FROM_RECORD, e);
	j = customer_to_json(c);
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!body)
		die("out of memory encoding JSON");
	rc = outbox_add(s, "customer", c->id, op, body, e);
	free(body);
	return rc;
}

/* The references of the customer's cases, space separated; caller frees. */
static char *customer_refs(struct store *s, const char *id)
{
	sqlite3_stmt *st = stmt_get(s, ST_CUSTOMER_REFS, NULL);
	struct buf b;

	/* No cap: a reference cut off here could not be searched for. */
	buf_init(&b, 0);
	if (!st)
		return buf_detach(&b);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_printf(&b, "%s%s", b.len ? " " : "", col_text(st, 0));
	sqlite3_reset(st);
	return buf_detach(&b);
}

enum status store_customer_add(struct store *s, struct customer *c, struct err *e)
{
	sqlite3_stmt *st;
	char *stamps = NULL;
	enum status rc;

	rc = check_fields(s, c, e);
	if (rc)
		return rc;
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	uuid_v7(c->id);
	store_now(c->created_at, sizeof c->created_at);
	/* One write, one stamp: every field given is stamped alike (kept
	 * once in field_hlc); the name is always given. */
	{
		char one[HLC_STR_MAX];

		stamp(s, one);
		for (int f = 0; f < CF_COUNT; f++)
			if (c->field[f])
				memcpy(c->hlc[f], one, sizeof one);
		rc = stamp_save(s, one, e);
	}
	if (rc)
		goto out;
	st = stmt_get(s, ST_CUSTOMER_INSERT, e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	customer_bind_fields(st, c, stamps_text(s, c, &stamps));
	sqlite3_bind_text(st, 14, c->created_at, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "saving the customer", e);
	/* A new row: its index entry is added; in bulk mode without first
	 * deleting one (which costs a read of the index for nothing). */
	if (!rc && s->bulk)
		rc = search_index_add(s, sqlite3_last_insert_rowid(s->db), c, NULL, e);
	else if (!rc)
		rc = search_index_customer(s, sqlite3_last_insert_rowid(s->db), c, NULL, e);
	if (!rc)
		rc = queue_customer(s, c, "upsert", e);
	/* A bulk write (an import) is audited once by its caller. */
	if (!rc && !s->bulk)
		rc = store_audit(s, "customer.create", "customer", c->id, NULL, e);
out:
	free(stamps);
	if (rc) {
		store_tx_end(s, false, NULL);
		return rc;
	}
	return store_tx_end(s, true, e);
}

enum status customer_load(struct store *s, const char *id, struct customer **out,
				 sqlite3_int64 *num, struct err *e)
{
	sqlite3_stmt *st = stmt_get(s, ST_CUSTOMER_GET, e);
	struct customer *c;
	int rc;

	*out = NULL;
	if (!st)
		return e ? e->code : STATUS_DB;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return store_db_error(s, rc, "reading the customer", e);
		return err_set(e, STATUS_NOT_FOUND,
			       "no customer with id '%s'; find the id with: frontdesk customer find TEXT",
			       id);
	}
	c = customer_new();
	if (num)
		*num = sqlite3_column_int64(st, 0);
	snprintf(c->id, sizeof c->id, "%s", col_text(st, 1));
	for (int f = 0; f < CF_COUNT; f++) {
		const char *v = col_text_or_null(st, get_col[f]);

		if (v)
			c->field[f] = xstrdup(v);
	}
	if (col_text_or_null(st, 8))
		c->phone_raw = xstrdup(col_text(st, 8));
	stamps_parse(c, col_text(st, 13));
	c->erased = sqlite3_column_int(st, 14) != 0;
	snprintf(c->created_at, sizeof c->created_at, "%s", col_text(st, 15));
	sqlite3_reset(st);
	*out = c;
	return STATUS_OK;
}

enum status store_customer_get(struct store *s, const char *id, struct customer **out,
			       struct err *e)
{
	enum status rc;

	*out = NULL;
	if (!id || !uuid_valid(id))
		return err_set(e, STATUS_INVALID,
			       "'%s' is not a customer id; ids look like 0193a5c2-7d1e-7abc-8def-0123456789ab",
			       id ? id : "");
	/* Offline limit: the refusal is kept in the audit trail. */
	rc = store_offline_check(s, e);
	if (rc) {
		store_audit(s, "access.denied", "customer", id, "offline-limit", NULL);
		return rc;
	}
	rc = store_tx_begin(s, e);
	if (rc)
		return rc;
	rc = customer_load(s, id, out, NULL, e);
	if (!rc)
		rc = store_audit(s, "customer.view", "customer", id, NULL, e);
	if (rc) {
		store_tx_end(s, false, NULL);
		customer_free(*out);
		*out = NULL;
		return rc;
	}
	rc = store_tx_end(s, true, e);
	if (rc) {
		customer_free(*out);
		*out = NULL;
	}
	return rc;
}

enum status store_customer_edit(struct store *s, const char *id,
				const struct customer_change *changes, size_t n, struct err *e)
{
	struct customer *c = NULL;
	sqlite3_int64 num = 0;
	sqlite3_stmt *st;
	char *stamps = NULL, *refs = NULL, now[32];
	struct buf detail;
	bool needs_touched = false;
	enum status rc;

	if (!id || !uuid_valid(id))
		return err_set(e, STATUS_INVALID, "'%s' is not a customer id", id ? id : "");
	if (n == 0)
		return err_set(e, STATUS_USAGE, "nothing to change; give at least one field");
	buf_init(&detail, 0); /* field names, each once at most: no cap needed */
	rc = store_tx_begin(s, e);
	if (rc)
		goto done;
	rc = customer_load(s, id, &c, &num, e);
	if (rc)
		goto out;
	if (c->erased) {
		rc = err_set(e, STATUS_DENIED, "customer '%s' has been erased and cannot be edited",
			     id);
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		enum customer_field f = changes[i].field;
		char *canon = NULL;

		if (changes[i].value && *changes[i].value) {
			rc = customer_field_check(f, changes[i].value, &canon, e);
			if (rc)
				break;
		}
		if (f == CF_name && !canon) {
			rc = err_set(e, STATUS_INVALID, "name cannot be cleared; a customer needs a name");
			break;
		}
		if (f == CF_preferred_channel && canon) {
			rc = store_ref_check(s, REF_CHANNEL, canon, e);
			if (rc) {
				free(canon);
				break;
			}
		}
		if (f == CF_needs && canon) {
			char *known = NULL;

			rc = store_needs_check(s, canon, &known, e);
			free(canon);
			canon = known;
			if (rc)
				break;
		}
		if (f == CF_needs || f == CF_needs_basis)
			needs_touched = true;
		if (f == CF_phone) {
			free(c->phone_raw);
			c->phone_raw = canon ? xstrdup(changes[i].value) : NULL;
		}
		free(c->field[f]);
		c->field[f] = canon;
		stamp(s, c->hlc[f]);
		rc = stamp_save(s, c->hlc[f], e);
		buf_printf(&detail, "%s%s", detail.len ? "," : "", customer_field_name(f));
	}
	/* A record held before the rule still takes other edits. */
	if (!rc && needs_touched)
		rc = needs_basis_required(c->field[CF_needs], c->field[CF_needs_basis], e);
	if (rc)
		goto out;
	stamps = customer_stamps_json(c);
	st = stmt_get(s, ST_CUSTOMER_UPDATE, e);
	if (!st) {
		rc = e ? e->code : STATUS_DB;
		goto out;
	}
	store_now(now, sizeof now);
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	customer_bind_fields(st, c, stamps);
	sqlite3_bind_text(st, 14, now, -1, SQLITE_STATIC);
	rc = stmt_run(s, st, "saving the customer", e);
	refs = rc ? NULL : customer_refs(s, c->id);
	if (!rc)
		rc = search_index_customer(s, num, c, refs, e);
	if (!rc)
		rc = queue_customer(s, c, "upsert", e);
	/* The audit names the fields changed, never their values. */
	if (!rc)
		rc = store_audit(s, "customer.edit", "customer", c->id, buf_str(&detail), e);
out:
	if (rc)
		store_tx_end(s, false, NULL);
	else
		rc = store_tx_end(s, true, e);
done:
	free(stamps);
	free(refs);
	customer_free(c);
	buf_release(&detail);
	return rc;
}

/* Re-indexes a customer after a case was raised for them (new reference). */
enum status search_reindex_customer(struct store *s, const char *id, struct err *e)
{
	struct customer *c = NULL;
	sqlite3_int64 num;
	char *refs;
	enum status rc = customer_load(s, id, &c, &num, e);

	if (rc)
		return rc;
	refs = customer_refs(s, id);
	rc = search_index_customer(s, num, c, refs, e);
	free(refs);
	customer_free(c);
	return rc;
}

/* ---- the offline limit ------------------------------------------------- */

/* When the server_url setting was last written (the enrolment); 0 if unknown. */
static int64_t enrolled_at(struct store *s)
{
	sqlite3_stmt *st = stmt_sql(s, "SELECT updated_at FROM settings WHERE key = 'server_url'",
				    NULL);
	int64_t ms = 0;

	if (!st)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW && time_parse_utc(col_text(st, 0), &ms) != STATUS_OK)
		ms = 0;
	sqlite3_reset(st);
	return ms;
}

enum status store_offline_check(struct store *s, struct err *e)
{
	char *url = setting_raw(s, "server_url");
	char *last = NULL, *days_text = NULL, when[32];
	long days = 14;
	int64_t last_ms = 0, now = clock_now_ms();
	enum status rc = STATUS_OK;

	if (!url || !*url)
		goto out; /* never enrolled: a stand-alone desk */
	if (store_setting_get(s, "max_offline_days", &days_text, NULL) == STATUS_OK && days_text) {
		long d = strtol(days_text, NULL, 10);

		if (d > 0)
			days = d;
	}
	last = setting_raw(s, "sync_last_ok");
	if (!last || !*last || time_parse_utc(last, &last_ms) != STATUS_OK)
		last_ms = enrolled_at(s);
	if (last_ms <= 0 || now - last_ms <= days * DAY_MS)
		goto out;
	time_format_utc(last_ms, when, sizeof when);
	when[10] = '\0';
	rc = err_set(e, STATUS_DENIED,
		     "customer records are hidden: this console has not synced with the server "
		     "since %s (%lld days; the limit is %ld, setting max_offline_days); connect "
		     "to the network and run: frontdesk sync",
		     when, (long long)((now - last_ms) / DAY_MS), days);
out:
	free(url);
	free(last);
	free(days_text);
	return rc;
}
