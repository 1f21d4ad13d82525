/*
 * Request bodies: gzip, strict JSON with bounded depth, the push envelope
 * and the per-record checks. No socket, no database: unit-tested as is.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "frontdesk/server.h"

bool server_error_set(struct server_error *err, int http, const char *code, const char *field,
		      const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return false;
	err->http = http;
	snprintf(err->code, sizeof err->code, "%s", code ? code : "error");
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return false;
}

char *server_error_json(const struct server_error *err)
{
	json_t *o = json_object(), *msg = json_string(err->msg[0] ? err->msg : "error");
	char *s;

	/* (a message that is not UTF-8 would leave the answer without one) */
	json_object_set_new(o, "error", msg ? msg : json_string("the request was refused"));
	json_object_set_new(o, "code", json_string(err->code));
	if (err->field[0])
		json_object_set_new(o, "field", json_string(err->field));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		die("out of memory encoding JSON");
	return s;
}

bool server_gunzip(const void *in, size_t n, struct buf *out, struct server_error *err)
{
	struct err e;

	err_clear(&e);
	switch (buf_add_gunzip(out, in, n, &e)) {
	case STATUS_OK:
		return true;
	case STATUS_TOO_BIG:
		return server_error_set(err, 413, "too_big", "", "%s", e.msg);
	default:
		return server_error_set(err, 400, "bad_gzip", "", "%s", e.msg);
	}
}

bool server_json_depth_ok(const char *s, size_t n, int max_depth)
{
	int depth = 0;
	bool in_str = false;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return false;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return true;
}

struct json_t *server_json_parse(const char *s, size_t n, struct server_error *err)
{
	json_error_t je;
	json_t *j;

	if (!utf8_valid(s, n)) {
		server_error_set(err, 400, "bad_utf8", "", "the body is not valid UTF-8 text");
		return NULL;
	}
	if (!server_json_depth_ok(s, n, SERVER_JSON_DEPTH_MAX)) {
		server_error_set(err, 400, "too_deep", "",
				 "the JSON nests deeper than %d levels", SERVER_JSON_DEPTH_MAX);
		return NULL;
	}
	j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		/* jansson's reason, without the "near '...'" that quotes the body
		 * (and may cut a character in two) */
		char *near = strstr(je.text, " near '");

		if (near)
			*near = '\0';
		server_error_set(err, 400, "bad_json", "", "the body is not valid JSON: %s at line %d column %d",
				 je.text, je.line, je.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		server_error_set(err, 400, "bad_json", "", "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* ---- the push envelope ------------------------------------------------- */

/* 422 unknown_field naming the first member of o not in known; words
 * says what the request takes (NULL: a general sentence). */
static bool only_keys_said(json_t *o, const char *const *known, const char *where,
			   const char *words, struct server_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v)
	{
		bool ok = false;
		char field[96];

		for (size_t i = 0; known[i]; i++)
			if (!strcmp(known[i], key))
				ok = true;
		if (ok)
			continue;
		snprintf(field, sizeof field, "%s%.40s", where, key);
		if (words)
			return server_error_set(err, 422, "unknown_field", field, "%s", words);
		return server_error_set(err, 422, "unknown_field", field,
					"'%.40s' is not a member this request takes", key);
	}
	return true;
}

static bool only_keys(json_t *o, const char *const *known, const char *where,
		      struct server_error *err)
{
	return only_keys_said(o, known, where, NULL, err);
}

bool server_members_only(json_t *o, const char *const *known, const char *words,
			 struct server_error *err)
{
	return only_keys_said(o, known, "", words, err);
}

/* ---- small bodies: a session, the problems a desk kept aside ------------ */

bool server_session_body(json_t *j, size_t password_max, const char **login,
			 const char **password, struct server_error *err)
{
	static const char *const known[] = { "login", "password", NULL };
	json_t *l, *p;

	if (!server_members_only(j, known, "a session takes only login and password", err))
		return false;
	l = json_object_get(j, "login");
	p = json_object_get(j, "password");
	if (!json_is_string(l) || !json_string_length(l) || json_string_length(l) > 40)
		return server_error_set(err, 422, l ? "wrong_type" : "missing", "login",
					"login must be a user's login name (1-40 bytes)");
	if (!json_is_string(p) || !json_string_length(p) || json_string_length(p) > password_max)
		return server_error_set(err, 422, p ? "wrong_type" : "missing", "password",
					"password must be the user's password as a string");
	*login = json_string_value(l);
	*password = json_string_value(p);
	return true;
}

/* One kept-aside change: false with the member at fault and why. */
static bool problem_ok(json_t *p, char *field, size_t fsz, const char **why)
{
	static const struct {
		const char *key;
		size_t max;
	} strs[] = { { "type", 40 }, { "id", 100 }, { "reason", 512 } };
	static const char *const known[] = { "cursor", "type", "id", "reason", NULL };
	struct server_error unknown;
	json_t *v;

	if (!json_is_object(p)) {
		*why = "each problem must be an object";
		return false;
	}
	if (!only_keys(p, known, "", &unknown)) {
		snprintf(field, fsz, "%.40s", unknown.field);
		*why = "a problem takes only cursor, type, id and reason";
		return false;
	}
	v = json_object_get(p, "cursor");
	if (!json_is_integer(v) || json_integer_value(v) < -1) {
		snprintf(field, fsz, "cursor");
		*why = "cursor must be the change's place in the pull (an integer)";
		return false;
	}
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		v = json_object_get(p, strs[i].key);
		if (!json_is_string(v) || json_string_length(v) > strs[i].max ||
		    (i != 1 && json_string_length(v) == 0)) {
			snprintf(field, fsz, "%s", strs[i].key);
			*why = "type, id and reason must be strings (type and reason not empty; at "
			       "most 40, 100 and 512 bytes)";
			return false;
		}
	}
	return true;
}

bool server_problems_body(json_t *j, json_t **problems, struct server_error *err)
{
	static const char *const known[] = { "problems", NULL };
	json_t *arr, *v;
	size_t i;

	if (!server_members_only(j, known, "a report takes only problems; see man frontdesk-sync",
				 err))
		return false;
	arr = json_object_get(j, "problems");
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > SERVER_PROBLEMS_MAX)
		return server_error_set(err, 422, "invalid", "problems",
					"problems must be a list of 1 to 500 changes kept aside");
	json_array_foreach(arr, i, v)
	{
		char member[48] = "", field[80];
		const char *why = "";

		if (!problem_ok(v, member, sizeof member, &why)) {
			snprintf(field, sizeof field, "problems[%zu]%s%s", i, member[0] ? "." : "",
				 member);
			return server_error_set(err, 422, "invalid", field, "%s", why);
		}
	}
	*problems = arr;
	return true;
}

bool server_push_parse(struct json_t *root, struct push_batch *b, struct server_error *err)
{
	static const char *const top[] = { "changes", "after", NULL };
	static const char *const item[] = { "seq", "type", "op", "id", "body", "session", NULL };
	json_t *arr;
	size_t n;
	long long prev = 0;

	memset(b, 0, sizeof *b);
	b->root = root;
	if (!only_keys(root, top, "", err))
		return false;
	arr = json_object_get(root, "changes");
	if (!arr)
		return server_error_set(err, 422, "missing", "changes", "changes is required");
	if (!json_is_array(arr))
		return server_error_set(err, 422, "wrong_type", "changes",
					"changes must be an array");
	n = json_array_size(arr);
	if (n == 0)
		return server_error_set(err, 422, "invalid", "changes",
					"changes must hold at least one change");
	if (n > SERVER_PUSH_MAX)
		return server_error_set(err, 413, "too_many", "changes",
					"a push holds at most %d changes, not %zu", SERVER_PUSH_MAX,
					n);
	arr = json_object_get(root, "after");
	if (arr && (!json_is_integer(arr) || json_integer_value(arr) < 0))
		return server_error_set(err, 422, "wrong_type", "after",
					"after must be a whole number, 0 or more");
	b->after = arr ? json_integer_value(arr) : 0;
	prev = b->after;
	arr = json_object_get(root, "changes");
	b->changes = xcalloc(n, sizeof *b->changes);
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(arr, i), *v;
		struct push_change *pc = &b->changes[i];
		char where[48], field[96];
		static const char *const strs[] = { "type", "op", "id" };

		snprintf(where, sizeof where, "changes[%zu].", i);
		if (!json_is_object(c))
			return server_error_set(err, 422, "wrong_type", where,
						"each change must be an object");
		if (!only_keys(c, item, where, err))
			return false;
		v = json_object_get(c, "seq");
		snprintf(field, sizeof field, "%sseq", where);
		if (!v || !json_is_integer(v) || json_integer_value(v) <= 0)
			return server_error_set(err, 422, v ? "wrong_type" : "missing", field,
						"seq must be a positive whole number");
		pc->seq = json_integer_value(v);
		if (pc->seq <= prev)
			return server_error_set(err, 422, "invalid", field,
						i ? "seq must increase through the batch"
						  : "the first seq must be above after");
		prev = pc->seq;
		for (size_t k = 0; k < 3; k++) {
			v = json_object_get(c, strs[k]);
			snprintf(field, sizeof field, "%s%s", where, strs[k]);
			if (!v || !json_is_string(v) || !json_string_length(v) ||
			    json_string_length(v) > 64)
				return server_error_set(err, 422, v ? "wrong_type" : "missing",
							field, "%s must be a string of 1-64 bytes",
							strs[k]);
		}
		pc->type = json_string_value(json_object_get(c, "type"));
		pc->op = json_string_value(json_object_get(c, "op"));
		pc->id = json_string_value(json_object_get(c, "id"));
		v = json_object_get(c, "body");
		snprintf(field, sizeof field, "%sbody", where);
		if (!v || !json_is_object(v))
			return server_error_set(err, 422, v ? "wrong_type" : "missing", field,
						"body must be an object");
		pc->body = v;
		v = json_object_get(c, "session");
		snprintf(field, sizeof field, "%ssession", where);
		if (v && (!json_is_string(v) || !json_string_length(v) ||
			  json_string_length(v) > 200))
			return server_error_set(err, 422, "wrong_type", field,
						"session must be a session token (POST /v1/session)");
		pc->session = v ? json_string_value(v) : NULL;
		b->n++;
	}
	return true;
}

void server_push_release(struct push_batch *b)
{
	if (!b)
		return;
	json_decref(b->root);
	free(b->changes);
	memset(b, 0, sizeof *b);
}

/* ---- record checks ----------------------------------------------------- */

enum member_kind {
	M_UUID,	   /* a UUID */
	M_TEXT,	   /* free text (<= NOTES_MAX_CHARS) */
	M_LINE,	   /* one line of text (<= NAME_MAX_CHARS) */
	M_TIME,	   /* UTC time */
	M_DATE,	   /* YYYY-MM-DD */
	M_INT,	   /* whole number >= 0 */
	M_OBJECT,  /* any JSON object */
	M_STATUS,  /* a case status */
	M_REF,	   /* a case reference */
	M_CODE,	   /* a code of the kind named in `code` */
	M_STATE,   /* a JSON object as text (a parked flow's state, <= 64 KB) */
	M_BOOL,	   /* true or false */
	M_LOGIN,   /* a login name (as valid_code) */
	M_ROLE,	   /* advisor, supervisor or admin */
	M_HASH,	   /* an argon2id password hash */
};
#define STATE_MAX_BYTES (64 * 1024)

struct member {
	const char *name;
	enum member_kind kind;
	bool required;
	const char *code; /* M_CODE: site, channel, service, team, outcome, failure */
};

static const struct member visit_members[] = {
	{ "id", M_UUID, true, NULL },
	{ "customer_id", M_UUID, false, NULL },
	{ "site", M_CODE, true, "site" },
	{ "channel", M_CODE, true, "channel" },
	{ "advisor", M_LINE, true, NULL },
	{ "started_at", M_TIME, true, NULL },
	{ NULL, 0, false, NULL },
};
static const struct member contact_members[] = {
	{ "id", M_UUID, true, NULL },
	{ "visit_id", M_UUID, true, NULL },
	{ "customer_id", M_UUID, false, NULL },
	{ "channel", M_CODE, true, "channel" },
	{ "site", M_CODE, true, "site" },
	{ "advisor", M_LINE, true, NULL },
	{ "service", M_CODE, true, "service" },
	{ "outcome", M_CODE, true, "outcome" },
	{ "failure_demand", M_CODE, false, "failure" },
	{ "duration_s", M_INT, false, NULL },
	{ "flow_id", M_LINE, false, NULL },
	{ "flow_version", M_INT, false, NULL },
	{ "answers", M_OBJECT, false, NULL },
	{ "notes", M_TEXT, false, NULL },
	{ "corrects", M_UUID, false, NULL },
	{ "device_id", M_UUID, true, NULL },
	{ "created_at", M_TIME, true, NULL },
	{ NULL, 0, false, NULL },
};
static const struct member case_members[] = {
	{ "id", M_UUID, true, NULL },
	{ "reference", M_REF, true, NULL },
	{ "contact_id", M_UUID, false, NULL },
	{ "customer_id", M_UUID, false, NULL },
	{ "team", M_CODE, true, "team" },
	{ "service", M_CODE, true, "service" },
	{ "reason", M_TEXT, true, NULL },
	{ "status", M_STATUS, true, NULL },
	{ "due_date", M_DATE, true, NULL },
	{ "created_at", M_TIME, true, NULL },
	{ "closed_at", M_TIME, false, NULL },
	{ "result", M_TEXT, false, NULL },
	{ NULL, 0, false, NULL },
};
static const struct member case_update_members[] = {
	{ "id", M_UUID, true, NULL },
	{ "reference", M_REF, true, NULL },
	{ "status", M_STATUS, true, NULL },
	{ "due_date", M_DATE, false, NULL },
	{ "paused_days", M_INT, false, NULL },
	{ "closed_at", M_TIME, false, NULL },
	{ "result", M_TEXT, false, NULL },
	{ NULL, 0, false, NULL },
};
/* The console's hash-chained audit trail, kept centrally as it was sent. */
static const struct member audit_members[] = {
	{ "id", M_LINE, true, NULL },
	{ "seq", M_INT, true, NULL },
	{ "device_id", M_LINE, false, NULL },
	{ "at", M_TIME, true, NULL },
	{ "actor", M_LINE, true, NULL },
	{ "action", M_LINE, true, NULL },
	{ "record_type", M_LINE, false, NULL },
	{ "record_id", M_LINE, false, NULL },
	{ "detail", M_TEXT, false, NULL },
	{ "prev_hash", M_LINE, true, NULL },
	{ "hash", M_LINE, true, NULL },
	{ NULL, 0, false, NULL },
};
static const struct member case_event_members[] = {
	{ "id", M_UUID, true, NULL },
	{ "case_id", M_UUID, true, NULL },
	{ "status", M_STATUS, true, NULL },
	{ "note", M_TEXT, false, NULL },
	{ "actor", M_LINE, true, NULL },
	{ "at", M_TIME, true, NULL },
	{ NULL, 0, false, NULL },
};

/* A user made or changed at a desk by an administrator. */
static const struct member user_members[] = {
	{ "id", M_UUID, true, NULL },
	{ "login", M_LOGIN, true, NULL },
	{ "display_name", M_LINE, false, NULL },
	{ "role", M_ROLE, true, NULL },
	{ "password_hash", M_HASH, false, NULL },
	{ "disabled", M_BOOL, true, NULL },
	{ "created_at", M_TIME, true, NULL },
	{ "updated_at", M_TIME, true, NULL },
	{ NULL, 0, false, NULL },
};

/* A flow run parked on a customer, to resume at any desk. */
static const struct member flow_park_members[] = {
	{ "id", M_UUID, true, NULL },
	{ "customer_id", M_UUID, true, NULL },
	{ "flow_id", M_LINE, true, NULL },
	{ "flow_version", M_INT, true, NULL },
	{ "step", M_LINE, false, NULL },
	{ "saved", M_STATE, true, NULL },
	{ "parked_by", M_LINE, true, NULL },
	{ "parked_at", M_TIME, true, NULL },
	{ NULL, 0, false, NULL },
};
/* ... and its removal: resumed and finished, or parked again. */
static const struct member flow_park_delete_members[] = {
	{ "id", M_UUID, true, NULL },
	{ "customer_id", M_UUID, false, NULL },
	{ "deleted", M_BOOL, true, NULL },
	{ NULL, 0, false, NULL },
};

static const struct {
	const char *type;
	const struct member *members;
} record_types[] = {
	{ "flow_park", flow_park_members },
	{ "visit", visit_members },
	{ "contact", contact_members },
	{ "case", case_members },
	{ "case_event", case_event_members },
	{ "audit", audit_members },
	{ "user", user_members },
};

static bool check_member(const struct member *m, json_t *v, const struct server_codes *codes,
			 char *msg, size_t msgsz)
{
	const char *s;
	struct err e;

	if (!v || json_is_null(v)) {
		if (m->required) {
			snprintf(msg, msgsz, "%s is required", m->name);
			return false;
		}
		return true;
	}
	if (m->kind == M_INT) {
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			snprintf(msg, msgsz, "%s must be a whole number, 0 or more", m->name);
			return false;
		}
		return true;
	}
	if (m->kind == M_BOOL) {
		if (!json_is_boolean(v)) {
			snprintf(msg, msgsz, "%s must be true or false", m->name);
			return false;
		}
		return true;
	}
	if (m->kind == M_OBJECT) {
		if (!json_is_object(v)) {
			snprintf(msg, msgsz, "%s must be an object", m->name);
			return false;
		}
		return true;
	}
	if (!json_is_string(v)) {
		snprintf(msg, msgsz, "%s must be a string", m->name);
		return false;
	}
	s = json_string_value(v);
	err_clear(&e);
	switch (m->kind) {
	case M_UUID:
		if (!uuid_valid(s)) {
			snprintf(msg, msgsz, "%s must be a UUID", m->name);
			return false;
		}
		break;
	case M_TEXT:
	case M_LINE:
		if (valid_text(m->name, s, m->kind == M_TEXT ? NOTES_MAX_CHARS : NAME_MAX_CHARS,
			       false, m->kind == M_TEXT, &e) != STATUS_OK) {
			snprintf(msg, msgsz, "%s", e.msg);
			return false;
		}
		break;
	case M_TIME:
		if (time_parse_utc(s, NULL) != STATUS_OK) {
			snprintf(msg, msgsz, "%s must be a UTC time like 2026-11-20T10:00:00.000Z",
				 m->name);
			return false;
		}
		break;
	case M_DATE:
		if (date_parse(s, NULL, m->name, &e) != STATUS_OK) {
			snprintf(msg, msgsz, "%s", e.msg);
			return false;
		}
		break;
	case M_STATUS:
		if (case_status_find(s) < 0) {
			snprintf(msg, msgsz, "%s is not a case status", m->name);
			return false;
		}
		break;
	case M_REF:
		if (!case_reference_valid(s)) {
			snprintf(msg, msgsz, "%s is not a case reference", m->name);
			return false;
		}
		break;
	case M_CODE:
		if (valid_code(m->name, s, &e) != STATUS_OK) {
			snprintf(msg, msgsz, "%s", e.msg);
			return false;
		}
		if (codes && !codes->exists(codes->ctx, m->code, s)) {
			snprintf(msg, msgsz, "unknown %s code '%.40s' in %s", m->code, s, m->name);
			return false;
		}
		break;
	case M_STATE: {
		json_t *o = NULL;

		if (strlen(s) <= STATE_MAX_BYTES)
			o = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(o)) {
			json_decref(o);
			snprintf(msg, msgsz, "%s must be a JSON object of at most %d bytes", m->name,
				 STATE_MAX_BYTES);
			return false;
		}
		json_decref(o);
		break;
	}
	case M_LOGIN:
		if (valid_code(m->name, s, &e) != STATUS_OK) {
			snprintf(msg, msgsz, "%s", e.msg);
			return false;
		}
		break;
	case M_ROLE:
		if (strcmp(s, "advisor") && strcmp(s, "supervisor") && strcmp(s, "admin")) {
			snprintf(msg, msgsz, "%s must be advisor, supervisor or admin", m->name);
			return false;
		}
		break;
	case M_HASH:
		if (strncmp(s, "$argon2id$", 10) != 0 || strlen(s) > 200) {
			snprintf(msg, msgsz, "%s must be an argon2id hash", m->name);
			return false;
		}
		break;
	case M_INT:
	case M_OBJECT:
	case M_BOOL:
		break;
	}
	return true;
}

/*
 * The server's view of a need: one it has loaded (frontdeskd data load) with
 * any detail that has the form of one, or one of core's legacy flags with
 * its own rule (records hold those whatever was loaded). What kind of
 * detail a loaded need takes is the desk's check.
 */
static const struct ref_need *server_need_find(void *ctx, const char *code)
{
	static const struct ref_need loaded = { (char *)"", (char *)"", NEED_DETAIL_TEXT, false };
	const struct server_codes *codes = ctx;

	if (codes->exists(codes->ctx, "need", code))
		return &loaded;
	return needs_legacy_find(code);
}

static bool server_need_channel(void *ctx, const char *code)
{
	const struct server_codes *codes = ctx;

	return codes->exists(codes->ctx, "channel", code);
}

bool server_change_check(const struct push_change *c, const struct server_codes *codes,
			 struct customer **customer, char *msg, size_t msgsz)
{
	const struct member *members = NULL;
	const char *key, *id;
	json_t *v;

	if (customer)
		*customer = NULL;
	if (!strcmp(c->type, "customer")) {
		struct err e;
		struct customer *cu;

		err_clear(&e);
		if (strcmp(c->op, "upsert") != 0) {
			snprintf(msg, msgsz, "op '%.20s' is not known for a customer; use upsert", c->op);
			return false;
		}
		cu = customer_from_json(c->body, &e);
		if (!cu) {
			snprintf(msg, msgsz, "%s", e.msg);
			return false;
		}
		if (strcmp(cu->id, c->id) != 0) {
			customer_free(cu);
			snprintf(msg, msgsz, "body id differs from the change's id");
			return false;
		}
		if (!cu->erased && !cu->field[CF_name]) {
			customer_free(cu);
			snprintf(msg, msgsz, "fields.name is required");
			return false;
		}
		if (cu->field[CF_preferred_channel] && codes &&
		    !codes->exists(codes->ctx, "channel", cu->field[CF_preferred_channel])) {
			snprintf(msg, msgsz, "unknown channel code in fields.preferred_channel");
			customer_free(cu);
			return false;
		}
		if (cu->field[CF_needs] && codes) {
			struct needs_known k = { server_need_find, server_need_channel, NULL,
						 (void *)codes };

			if (needs_check(cu->field[CF_needs], &k, NULL, &e) != STATUS_OK) {
				/* e names the code, never a detail (a detail may
				 * be a person's name) */
				snprintf(msg, msgsz, "fields.needs: %s", e.msg);
				customer_free(cu);
				return false;
			}
		}
		if (customer)
			*customer = cu;
		else
			customer_free(cu);
		return true;
	}
	for (size_t i = 0; i < sizeof record_types / sizeof record_types[0]; i++)
		if (!strcmp(record_types[i].type, c->type))
			members = record_types[i].members;
	if (!members) {
		snprintf(msg, msgsz, "type '%.20s' is not a record type this server takes", c->type);
		return false;
	}
	if (!strcmp(c->type, "case") && !strcmp(c->op, "update"))
		members = case_update_members; /* a status change made at a desk */
	else if (!strcmp(c->type, "flow_park") && !strcmp(c->op, "delete"))
		members = flow_park_delete_members;
	else if (!strcmp(c->type, "user")) {
		if (strcmp(c->op, "upsert") != 0) {
			snprintf(msg, msgsz, "op '%.20s' is not known for a user; use upsert", c->op);
			return false;
		}
	} else if (strcmp(c->op, "insert") != 0) {
		snprintf(msg, msgsz, "op '%.20s' is not known for a %s; use insert", c->op, c->type);
		return false;
	}
	json_object_foreach(c->body, key, v)
	{
		bool known = false;

		for (const struct member *m = members; m->name; m++)
			if (!strcmp(m->name, key))
				known = true;
		if (!known) {
			snprintf(msg, msgsz, "'%.40s' is not a member of a %s", key, c->type);
			return false;
		}
	}
	for (const struct member *m = members; m->name; m++)
		if (!check_member(m, json_object_get(c->body, m->name), codes, msg, msgsz))
			return false;
	id = json_string_value(json_object_get(c->body, "id"));
	if (!id || strcmp(id, c->id) != 0) {
		snprintf(msg, msgsz, "body id differs from the change's id");
		return false;
	}
	return true;
}

static int role_rank(const char *role)
{
	if (!role)
		return 0;
	if (!strcmp(role, "admin"))
		return 3;
	if (!strcmp(role, "supervisor"))
		return 2;
	if (!strcmp(role, "advisor"))
		return 1;
	return 0;
}

bool server_role_at_least(const char *role, const char *min_role)
{
	return role_rank(role) > 0 && role_rank(role) >= role_rank(min_role);
}

/* ---- trust: a device speaks only for itself ---------------------------- */

bool server_advisor_login(const char *advisor, char *login, size_t loginsz)
{
	static const char *const roles[] = { "advisor:", "supervisor:", "admin:", "user:" };
	const char *p = advisor ? advisor : "";

	/* The system account running the command line, and a program with
	 * no identity (the store's default actor): neither names a person. */
	if (!strncmp(p, "cli:", 4) || !strcmp(p, "system"))
		return false;
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (!strncmp(p, roles[i], strlen(roles[i]))) {
			p += strlen(roles[i]);
			break;
		}
	snprintf(login, loginsz, "%s", p);
	return true;
}

bool server_reference_prefix(const char *ref, char *out, size_t outsz)
{
	const char *dash = ref ? strchr(ref, '-') : NULL;
	size_t n = dash ? (size_t)(dash - ref) : 0;

	if (!n || n >= outsz)
		return false;
	memcpy(out, ref, n);
	out[n] = '\0';
	return true;
}

/* A record id as a message may show it: ids are UUIDs (audit rows:
 * "<device id>:<seq>"); anything else a device sends is not repeated. */
static const char *shown_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (!n || n > 64)
		return "(not shown)";
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f') ||
		      (id[i] >= 'A' && id[i] <= 'F') || id[i] == '-' || id[i] == ':'))
			return "(not shown)";
	return id;
}

static const char *shown_type(const char *type)
{
	static const char *const known[] = { "customer", "visit",  "contact",  "case",
					     "case_event", "audit", "flow_park", "user" };

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (type && !strcmp(type, known[i]))
			return known[i];
	return "change";
}

void server_refusal_text(const struct push_change *c, const char *rule, char *out,
			 size_t outsz)
{
	char clean[300];

	/* Whatever a rule quotes came from the device: it is left out. */
	text_hide_quoted(rule ? rule : "refused", "(value not shown)", clean, sizeof clean);
	snprintf(out, outsz, "%s seq %lld (id %s): %s", shown_type(c->type), c->seq,
		 shown_id(c->id), clean);
}

static bool on_device(const struct server_device *d, const char *id)
{
	return id && (!strcmp(id, d->id) || (d->prov_id && d->prov_id[0] && !strcmp(id, d->prov_id)));
}

static bool at_site(const char *const *sites, size_t n, const char *site)
{
	for (size_t i = 0; i < n; i++)
		if (site && !strcmp(sites[i], site))
			return true;
	return false;
}

/* The advisor rule for a person named in member m (site: the record's, or
 * NULL for any of the device's sites): NULL when kept, else the refusal's
 * code. A login the server does not hold yet is needs_person: a user added
 * at a desk reaches the server only with an administrator's session, and
 * the desk keeps the record waiting until then (it is sent after the user
 * change); a disabled user, or one kept to other sites, is not_yours. */
static const char *advisor_ok(const struct push_change *c, const char *m, const char *site,
			      const struct server_device *d, const struct server_users *u,
			      char *msg, size_t msgsz)
{
	const char *who = json_string_value(json_object_get(c->body, m));
	const char *const *usites = NULL;
	size_t nus = 0;
	bool disabled = false;
	char login[128];

	if (!who || !u || !server_advisor_login(who, login, sizeof login))
		return NULL; /* absent (the record check requires it) or "cli:" */
	if (!u->find(u->ctx, login, &disabled, &usites, &nus)) {
		snprintf(msg, msgsz,
			 "%s names no user this server holds yet; a user added at a desk arrives "
			 "with an administrator's session (sign in online), and this waits for "
			 "it; or add the user centrally (frontdeskd user add LOGIN)",
			 m);
		return "needs_person";
	}
	if (disabled) {
		snprintf(msg, msgsz,
			 "%s names a user who is disabled; an administrator re-enables them "
			 "centrally",
			 m);
		return "not_yours";
	}
	if (!nus)
		return NULL; /* no sites listed: every site */
	if (site ? at_site(usites, nus, site) : false)
		return NULL;
	if (!site)
		for (size_t i = 0; i < d->nsites; i++)
			if (at_site(usites, nus, d->sites[i]))
				return NULL;
	snprintf(msg, msgsz,
		 "%s names a user who is not allowed at %s; give the user that site centrally",
		 m, site ? "the record's site" : "this device's sites");
	return "not_yours";
}

const char *server_change_owned(const struct push_change *c, const struct server_device *d,
				const struct server_users *u, char *msg, size_t msgsz)
{
	const char *type = c->type;
	json_t *b = c->body;
	const char *v;

	if (!strcmp(type, "visit") || !strcmp(type, "contact")) {
		v = json_string_value(json_object_get(b, "device_id"));
		if (json_object_get(b, "device_id") && !json_is_null(json_object_get(b, "device_id")) &&
		    !on_device(d, v)) {
			snprintf(msg, msgsz,
				 "device_id names another device; a device pushes only what it "
				 "made itself");
			return "not_yours";
		}
		v = json_string_value(json_object_get(b, "site"));
		if (!at_site(d->sites, d->nsites, v)) {
			snprintf(msg, msgsz,
				 "site is not one this device is enrolled for (frontdeskd device "
				 "list shows them); enrol a device for that site or add it with "
				 "device add --site");
			return "not_yours";
		}
		return advisor_ok(c, "advisor", v, d, u, msg, msgsz);
	}
	if (!strcmp(type, "case") && !strcmp(c->op, "insert")) {
		char prefix[32];

		v = json_string_value(json_object_get(b, "reference"));
		if (!server_reference_prefix(v, prefix, sizeof prefix) ||
		    (strcmp(prefix, d->code) != 0 &&
		     !(d->prov_code && d->prov_code[0] && !strcmp(prefix, d->prov_code)))) {
			snprintf(msg, msgsz,
				 "reference does not start with this device's code and a dash; "
				 "a desk numbers only its own cases");
			return "not_yours";
		}
		return NULL;
	}
	if (!strcmp(type, "case_event")) {
		return advisor_ok(c, "actor", NULL, d, u, msg, msgsz);
	}
	if (!strcmp(type, "audit")) {
		const char *colon = strrchr(c->id, ':');
		json_t *seq = json_object_get(b, "seq");
		char own[UUID_STR_LEN + 1];
		size_t n = colon ? (size_t)(colon - c->id) : 0;
		char tail[32];

		v = json_string_value(json_object_get(b, "device_id"));
		if (n && n < sizeof own) {
			memcpy(own, c->id, n);
			own[n] = '\0';
		} else {
			own[0] = '\0';
		}
		snprintf(tail, sizeof tail, "%lld", (long long)json_integer_value(seq));
		if (!on_device(d, own) || (v && strcmp(v, own) != 0) || !json_is_integer(seq) ||
		    strcmp(colon + 1, tail) != 0) {
			snprintf(msg, msgsz,
				 "id is not in this device's audit id space (DEVICE_ID:SEQ, with "
				 "the row's device_id and seq); a device sends only its own audit "
				 "trail");
			return "not_yours";
		}
		return NULL;
	}
	return NULL;
}

void server_change_digest_text(const struct push_change *c, const char *body, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	/* OpenSSL's SHA-256 (the CPU's SHA instructions where it has them):
	 * every pushed change is hashed, so its cost is the push's. */
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		die("out of memory hashing a change");
	EVP_DigestUpdate(ctx, c->type, strlen(c->type));
	EVP_DigestUpdate(ctx, "\n", 1);
	EVP_DigestUpdate(ctx, c->op, strlen(c->op));
	EVP_DigestUpdate(ctx, "\n", 1);
	EVP_DigestUpdate(ctx, c->id, strlen(c->id));
	/* A customer's body is rebuilt from the record at push time, so its
	 * text may differ between two sends of the same change. */
	if (strcmp(c->type, "customer") != 0 && body) {
		EVP_DigestUpdate(ctx, "\n", 1);
		EVP_DigestUpdate(ctx, body, strlen(body));
	}
	if (!EVP_DigestFinal_ex(ctx, h, &n) || n != 32)
		die("hashing a change failed");
	EVP_MD_CTX_free(ctx);
	for (unsigned int i = 0; i < n; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[64] = '\0';
}

void server_change_digest(const struct push_change *c, char out[65])
{
	char *body = NULL;

	if (strcmp(c->type, "customer") != 0 &&
	    !(body = json_dumps(c->body, JSON_COMPACT | JSON_SORT_KEYS)))
		die("out of memory encoding JSON");
	server_change_digest_text(c, body, out);
	free(body);
}

/* ---- listening --------------------------------------------------------- */

bool server_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!host)
		return false;
	if (!strcmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

bool server_listen_parse(const char *s, char *host, size_t hostsz, int *port)
{
	const char *colon;
	size_t hl;
	char *end;
	long p;

	if (!s || !*s)
		return false;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return false;
		hl = (size_t)(close - s - 1);
		if (hl == 0 || hl >= hostsz)
			return false;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s)
			return false;
		hl = (size_t)(colon - s);
		if (hl >= hostsz || memchr(s, ':', hl))
			return false;
		memcpy(host, s, hl);
		host[hl] = '\0';
	}
	p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || p < 0 || p > 65535)
		return false;
	*port = (int)p;
	return true;
}
