/*
 * The customer merge (last writer wins per field, by HLC; erasure wins) and
 * the reverse of customer_to_json. Shared by the console's pull and the
 * server's push, so both sides merge with one definition.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core_int.h"

int hlc_cmp(const char *a, const char *b)
{
	if (!a)
		a = "";
	if (!b)
		b = "";
	return strcmp(a, b);
}

int64_t hlc_bound(char stamp[HLC_STR_MAX], int64_t now_ms, int64_t max_ahead_ms)
{
	struct hlc h;
	char node[48];
	int64_t limit = now_ms + max_ahead_ms;

	if (!stamp || !*stamp)
		return 0;
	if (hlc_parse(stamp, &h, node, sizeof node) != STATUS_OK)
		return -1;
	if (h.wall_ms <= limit)
		return 0;
	if (snprintf(stamp, HLC_STR_MAX, "%013lld-%04x-%.39s", (long long)now_ms,
		     (unsigned)(h.counter & 0xffff), node) < 0)
		die("hlc_bound: cannot format a stamp");
	return h.wall_ms - now_ms;
}

static enum status member_str(const json_t *o, const char *key, const char *where,
			      const char **out, struct err *e)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return STATUS_OK;
	if (!json_is_string(v))
		return err_set(e, STATUS_INVALID, "%s%s must be a string or null", where, key);
	*out = json_string_value(v);
	return STATUS_OK;
}

static enum status only_members(const json_t *o, const char *const *known, const char *where,
				struct err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v)
	{
		bool ok = false;

		for (size_t i = 0; known[i]; i++)
			if (!strcmp(known[i], key))
				ok = true;
		if (!ok) {
			char subj[96];

			core_subject(NULL, "member", key, subj, sizeof subj);
			return err_set(e, STATUS_INVALID, "%s%s is not a known member", where,
				       subj);
		}
	}
	return STATUS_OK;
}

struct customer *customer_from_json(const struct json_t *j, struct err *e)
{
	static const char *const top[] = { "id",  "created_at", "erased", "phone_raw",
					   "fields", "hlc",	  NULL };
	const json_t *fields, *stamps, *er;
	const char *s;
	struct customer *c;

	if (!j || !json_is_object(j)) {
		err_set(e, STATUS_INVALID, "customer must be a JSON object");
		return NULL;
	}
	if (only_members(j, top, "customer ", e))
		return NULL;
	fields = json_object_get(j, "fields");
	stamps = json_object_get(j, "hlc");
	er = json_object_get(j, "erased");
	if (!fields || !json_is_object(fields)) {
		err_set(e, STATUS_INVALID, "fields must be an object");
		return NULL;
	}
	if (!stamps || !json_is_object(stamps)) {
		err_set(e, STATUS_INVALID, "hlc must be an object");
		return NULL;
	}
	if (er && !json_is_boolean(er)) {
		err_set(e, STATUS_INVALID, "erased must be true or false");
		return NULL;
	}
	c = customer_new();
	if (member_str(j, "id", "", &s, e))
		goto fail;
	if (!s || !uuid_valid(s)) {
		err_set(e, STATUS_INVALID, "id must be a UUID");
		goto fail;
	}
	snprintf(c->id, sizeof c->id, "%s", s);
	if (member_str(j, "created_at", "", &s, e))
		goto fail;
	if (s && time_parse_utc(s, NULL) != STATUS_OK) {
		err_set(e, STATUS_INVALID, "created_at must be a UTC time like 2026-11-20T10:00:00.000Z");
		goto fail;
	}
	if (s)
		snprintf(c->created_at, sizeof c->created_at, "%s", s);
	c->erased = er && json_is_true(er);
	{
		const char *key;
		json_t *v;

		json_object_foreach((json_t *)fields, key, v)
		{
			int f = customer_field_find(key);
			char *canon = NULL;

			if (f < 0) {
				char subj[96];

				core_subject(NULL, "field", key, subj, sizeof subj);
				err_set(e, STATUS_INVALID, "fields: %s is not a customer field", subj);
				goto fail;
			}
			if (json_is_null(v))
				continue;
			if (!json_is_string(v)) {
				err_set(e, STATUS_INVALID, "fields.%s must be a string or null", key);
				goto fail;
			}
			if (customer_field_check(f, json_string_value(v), &canon, e) != STATUS_OK) {
				char why[ERR_MSG_MAX];

				snprintf(why, sizeof why, "%s", e ? e->msg : "");
				err_set(e, STATUS_INVALID, "fields.%s: %s", key, why);
				goto fail;
			}
			free(canon);
			/* Keep the value as sent: the sender already made it canonical,
			 * and every node must store the same bytes. */
			customer_set(c, f, json_string_value(v));
		}
		json_object_foreach((json_t *)stamps, key, v)
		{
			int f = customer_field_find(key);

			if (f < 0) {
				err_set(e, STATUS_INVALID, "hlc: '%.40s' is not a customer field", key);
				goto fail;
			}
			if (json_is_null(v))
				continue;
			if (!json_is_string(v) ||
			    hlc_parse(json_string_value(v), NULL, NULL, 0) != STATUS_OK) {
				err_set(e, STATUS_INVALID, "hlc.%s must be a clock stamp", key);
				goto fail;
			}
			snprintf(c->hlc[f], sizeof c->hlc[f], "%s", json_string_value(v));
		}
	}
	if (member_str(j, "phone_raw", "", &s, e))
		goto fail;
	if (s && valid_text("phone_raw", s, 64, false, false, e) != STATUS_OK)
		goto fail;
	if (s && c->field[CF_phone])
		c->phone_raw = xstrdup(s);
	return c;
fail:
	customer_free(c);
	return NULL;
}

static int value_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

bool customer_merge(struct customer *c, const struct customer *o)
{
	bool changed = false;

	if (!c || !o)
		return false;
	for (int f = 0; f < CF_COUNT; f++) {
		int d = hlc_cmp(o->hlc[f], c->hlc[f]);

		if (d < 0 || (d == 0 && value_cmp(o->field[f], c->field[f]) <= 0))
			continue;
		if (d > 0)
			snprintf(c->hlc[f], sizeof c->hlc[f], "%s", o->hlc[f]);
		if (value_cmp(o->field[f], c->field[f]) != 0) {
			customer_set(c, f, o->field[f]);
			changed = true;
		}
		if (f == CF_phone && value_cmp(o->phone_raw, c->phone_raw) != 0) {
			free(c->phone_raw);
			c->phone_raw = o->phone_raw ? xstrdup(o->phone_raw) : NULL;
			changed = true;
		}
		changed |= d > 0;
	}
	if (o->created_at[0] && (!c->created_at[0] || strcmp(o->created_at, c->created_at) < 0)) {
		snprintf(c->created_at, sizeof c->created_at, "%s", o->created_at);
		changed = true;
	}
	if (o->erased && !c->erased) {
		c->erased = true;
		changed = true;
	}
	if (c->erased) {
		for (int f = 0; f < CF_COUNT; f++)
			customer_set(c, f, NULL);
		free(c->phone_raw);
		c->phone_raw = NULL;
	}
	return changed;
}

bool customer_same(const struct customer *a, const struct customer *b)
{
	if (!a || !b)
		return a == b;
	if (strcmp(a->id, b->id) || a->erased != b->erased ||
	    value_cmp(a->phone_raw, b->phone_raw))
		return false;
	for (int f = 0; f < CF_COUNT; f++)
		if (value_cmp(a->field[f], b->field[f]) || hlc_cmp(a->hlc[f], b->hlc[f]))
			return false;
	return true;
}
