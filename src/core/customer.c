/*
 * The customer record: its field table, checks per field, needs flags, case
 * statuses and references, and the JSON form it travels in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core_int.h"

static char *text_lower_n(const char *s, size_t n);

/* ---- field table ------------------------------------------------------- */

static const struct {
	const char *name;
	const char *label;
} customer_fields[CF_COUNT] = {
#define CF_ROW(f, label) {#f, label},
	CUSTOMER_FIELDS(CF_ROW)
#undef CF_ROW
};

const char *customer_field_name(enum customer_field f)
{
	if ((int)f < 0 || f >= CF_COUNT)
		return "unknown";
	return customer_fields[f].name;
}

const char *customer_field_label(enum customer_field f)
{
	if ((int)f < 0 || f >= CF_COUNT)
		return "unknown field";
	return customer_fields[f].label;
}

int customer_field_find(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < CF_COUNT; i++)
		if (!strcmp(customer_fields[i].name, name))
			return i;
	return -1;
}

/* ---- the record -------------------------------------------------------- */

struct customer *customer_new(void)
{
	struct customer *c = xcalloc(1, sizeof(*c));

	uuid_v7(c->id);
	time_format_utc(clock_now_ms(), c->created_at, sizeof(c->created_at));
	return c;
}

void customer_free(struct customer *c)
{
	if (!c)
		return;
	for (int i = 0; i < CF_COUNT; i++)
		free(c->field[i]);
	free(c->phone_raw);
	free(c);
}

void customer_set(struct customer *c, enum customer_field f, const char *value)
{
	if (!c || (int)f < 0 || f >= CF_COUNT)
		die("customer_set: bad customer or field %d", (int)f);
	free(c->field[f]);
	c->field[f] = value && *value ? xstrdup(value) : NULL;
}

/* Lower-cases the domain of an email address in place (domains ignore case). */
static void email_lower_domain(char *s)
{
	char *at = strchr(s, '@');

	for (char *p = at ? at + 1 : s + strlen(s); *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

enum status customer_field_check(enum customer_field f, const char *value, char **out,
				 struct err *e)
{
	const char *label = customer_field_label(f);
	char *v = NULL, *canon = NULL;
	char tmp[64];
	struct date d;
	enum status rc = STATUS_OK;

	if (out)
		*out = NULL;
	if ((int)f < 0 || f >= CF_COUNT)
		return err_set(e, STATUS_INVALID, "field number %d is not a customer field", (int)f);
	v = text_trim(value ? value : "");
	if (!*v)
		goto out; /* cleared */

	switch (f) {
	case CF_name:
		rc = valid_text(label, v, NAME_MAX_CHARS, true, false, e);
		break;
	case CF_dob:
		rc = valid_dob(label, v, &d, e);
		if (rc == STATUS_OK) {
			date_format(d, tmp, sizeof(tmp));
			canon = xstrdup(tmp);
		}
		break;
	case CF_address:
		rc = valid_text(label, v, ADDRESS_MAX_CHARS, true, true, e);
		break;
	case CF_postcode:
		rc = valid_postcode(label, v, tmp, sizeof(tmp), e);
		if (rc == STATUS_OK)
			canon = xstrdup(tmp);
		break;
	case CF_uprn:
		rc = valid_uprn(label, v, e);
		break;
	case CF_phone:
		rc = valid_phone(label, v, tmp, sizeof(tmp), e);
		if (rc == STATUS_OK)
			canon = xstrdup(tmp);
		break;
	case CF_email:
		rc = valid_email(label, v, e);
		if (rc == STATUS_OK)
			email_lower_domain(v);
		break;
	case CF_preferred_channel:
		rc = valid_code(label, v, e);
		break;
	case CF_needs:
		rc = needs_check(v, NULL, &canon, e);
		break;
	case CF_needs_basis:
		rc = needs_basis_check(v, e);
		if (rc == STATUS_OK)
			canon = text_lower_n(v, strlen(v));
		break;
	case CF_consent:
		rc = valid_text(label, v, REASON_MAX_CHARS, true, false, e);
		break;
	case CF_COUNT:
		break;
	}
	if (rc != STATUS_OK) {
		free(canon);
		canon = NULL;
		goto out;
	}
	if (!canon) {
		canon = v;
		v = NULL;
	}
	if (out)
		*out = canon;
	else
		free(canon);
out:
	free(v);
	return rc;
}

/* ---- needs ------------------------------------------------------------- */

static const char *const need_detail_names[] = {
#define ND_NAME(n, s) s,
	NEED_DETAILS(ND_NAME)
#undef ND_NAME
};

const char *need_detail_name(enum need_detail d)
{
	if ((int)d < 0 || d >= NEED_DETAIL_COUNT)
		return "none";
	return need_detail_names[d];
}

int need_detail_find(const char *s)
{
	for (int i = 0; s && i < NEED_DETAIL_COUNT; i++)
		if (!strcmp(need_detail_names[i], s))
			return i;
	return -1;
}

const struct ref_need needs_legacy[] = {
	{ (char *)"hearing", (char *)"hearing impaired", NEED_DETAIL_NONE, false },
	{ (char *)"sight", (char *)"visually impaired", NEED_DETAIL_NONE, false },
	{ (char *)"dementia", (char *)"dementia", NEED_DETAIL_NONE, false },
	{ (char *)"no-internet", (char *)"no internet access", NEED_DETAIL_NONE, false },
	{ (char *)"interpreter", (char *)"needs an interpreter", NEED_DETAIL_LANGUAGE, false },
	{ (char *)"carer", (char *)"has a carer or representative", NEED_DETAIL_NAME, false },
	{ (char *)"mobility", (char *)"mobility", NEED_DETAIL_NONE, false },
	{ (char *)"learning", (char *)"learning disability", NEED_DETAIL_NONE, false },
};
const size_t needs_legacy_count = sizeof needs_legacy / sizeof needs_legacy[0];

const struct ref_need *needs_legacy_find(const char *code)
{
	for (size_t i = 0; code && i < needs_legacy_count; i++)
		if (!strcmp(needs_legacy[i].code, code))
			return &needs_legacy[i];
	return NULL;
}

#define LANGUAGE_MAX_CHARS 40
#define NEEDS_MAX_BYTES 1000
#define NEEDS_MAX_ITEMS 64

/* A copy of the n bytes at s with ASCII letters in lower case. */
static char *text_lower_n(const char *s, size_t n)
{
	char *out = xstrndup(s, n);

	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out;
}

static bool text_has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return true;
	return false;
}

/* A language name: letters (any script), spaces, ' - ( ). */
static bool language_ok(const char *s)
{
	if (!utf8_valid(s, strlen(s)))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      *p == ' ' || *p == '\'' || *p == '-' || *p == '(' || *p == ')'))
			return false;
	return true;
}

/* One need of a value: its code (lower case) and detail, or NULL. */
struct need_item {
	char *code, *detail, *text;
};

static int need_item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct need_item *)a)->text, ((const struct need_item *)b)->text);
}

/* Checks one detail against its need's kind. */
static enum status need_detail_check(const struct ref_need *r, const char *detail,
				     const struct needs_known *known, struct err *e)
{
	if (!detail) {
		if (r->detail_required)
			return err_set(e, STATUS_INVALID,
				       "needs flag '%s' takes a %s after a colon, like %s:%s", r->code,
				       need_detail_name(r->detail), r->code,
				       r->detail == NEED_DETAIL_CHANNEL ? "phone" : "...");
		return STATUS_OK;
	}
	switch (r->detail) {
	case NEED_DETAIL_NONE:
	case NEED_DETAIL_COUNT:
		return err_set(e, STATUS_INVALID, "needs flag '%s' takes no detail; write it as %s alone",
			       r->code, r->code);
	case NEED_DETAIL_LANGUAGE:
		if (!language_ok(detail))
			return err_set(e, STATUS_INVALID,
				       "the language of needs flag '%s' is not a language name; write "
				       "it like %s:Polish",
				       r->code, r->code);
		if (utf8_length(detail) > LANGUAGE_MAX_CHARS)
			return err_set(e, STATUS_INVALID,
				       "the language of needs flag '%s' is longer than %d characters; "
				       "shorten it",
				       r->code, LANGUAGE_MAX_CHARS);
		return STATUS_OK;
	case NEED_DETAIL_CHANNEL:
		if (valid_code(NULL, detail, NULL) != STATUS_OK ||
		    (known->channel && !known->channel(known->ctx, detail)))
			return err_set(e, STATUS_INVALID,
				       "the channel of needs flag '%s' is not a channel code; write it "
				       "like %s:phone (frontdesk data list channels)",
				       r->code, r->code);
		return STATUS_OK;
	case NEED_DETAIL_NAME:
	case NEED_DETAIL_TEXT:
		return STATUS_OK;
	}
	return STATUS_OK;
}

/* Splits and checks one comma-separated item into it; reports its place. */
static enum status need_item_parse(const char *start, const char *end,
				   const struct needs_known *known, struct need_item *it,
				   struct err *e)
{
	const char *colon = memchr(start, ':', (size_t)(end - start));
	const char *ce = colon ? colon : end;
	const struct ref_need *r;
	char *code;

	while (ce > start && (ce[-1] == ' ' || ce[-1] == '\t'))
		ce--;
	code = text_lower_n(start, (size_t)(ce - start));
	it->code = code;
	r = known && valid_code(NULL, code, NULL) == STATUS_OK ? known->find(known->ctx, code)
							       : NULL;
	if (!r && (known || valid_code(NULL, code, NULL) != STATUS_OK)) {
		char subj[96], list[512] = "";

		core_subject(NULL, "needs flag", code, subj, sizeof subj);
		if (known && known->list)
			known->list(known->ctx, list, sizeof list);
		return err_set(e, STATUS_INVALID, "%s is not known%s%s", subj,
			       list[0] ? "; use any of: " : "; needs are codes from data/needs.csv, "
							    "like hearing or interpreter:Polish",
			       list);
	}
	if (colon) {
		const char *ds = colon + 1;

		while (ds < end && (*ds == ' ' || *ds == '\t'))
			ds++;
		if (ds < end)
			it->detail = xstrndup(ds, (size_t)(end - ds));
	}
	if (r && need_detail_check(r, it->detail, known, e) != STATUS_OK)
		return STATUS_INVALID;
	if (it->detail) {
		if (!utf8_valid(it->detail, strlen(it->detail)) || text_has_control(it->detail))
			return err_set(e, STATUS_INVALID,
				       "the detail of needs flag '%s' is not plain text; type it "
				       "again",
				       code);
		if (utf8_length(it->detail) > NEED_DETAIL_MAX_CHARS)
			return err_set(e, STATUS_INVALID,
				       "the detail of needs flag '%s' is longer than %d characters; "
				       "shorten it",
				       code, NEED_DETAIL_MAX_CHARS);
	}
	it->text = it->detail ? xasprintf("%s:%s", code, it->detail) : xstrdup(code);
	return STATUS_OK;
}

enum status needs_check(const char *in, const struct needs_known *known, char **out,
			struct err *e)
{
	struct need_item items[NEEDS_MAX_ITEMS];
	size_t n = 0;
	const char *p = in ? in : "";
	enum status rc = STATUS_OK;
	struct buf b;

	if (out)
		*out = NULL;
	if (strlen(p) > NEEDS_MAX_BYTES)
		return err_set(e, STATUS_INVALID,
			       "needs is too long; list needs separated by commas, like "
			       "hearing,interpreter:Polish");
	while (*p && !rc) {
		const char *start = p, *end = strchr(p, ',');
		struct need_item it = { NULL, NULL, NULL };
		size_t k;

		if (!end)
			end = p + strlen(p);
		p = *end ? end + 1 : end;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (start == end)
			continue; /* "hearing,,sight" or a trailing comma */
		rc = need_item_parse(start, end, known, &it, e);
		for (k = 0; !rc && k < n && strcmp(items[k].code, it.code); k++)
			;
		if (!rc && k < n && it.detail && items[k].detail &&
		    strcasecmp(it.detail, items[k].detail) != 0)
			rc = err_set(e, STATUS_INVALID,
				     "needs flag '%s' is listed twice with two details; keep one",
				     it.code);
		else if (!rc && k < n && it.detail && !items[k].detail) {
			struct need_item old = items[k];

			items[k] = it; /* "interpreter,interpreter:Polish": the detail wins */
			it = old;
		} else if (!rc && k == n && n == NEEDS_MAX_ITEMS) {
			rc = err_set(e, STATUS_INVALID, "needs lists more than %d needs; keep fewer",
				     NEEDS_MAX_ITEMS);
		} else if (!rc && k == n) {
			items[n++] = it;
			continue;
		}
		free(it.code);
		free(it.detail);
		free(it.text);
	}
	if (!rc && out) {
		/* no longer than what came in, plus a colon a need */
		qsort(items, n, sizeof items[0], need_item_cmp);
		buf_init(&b, NEEDS_MAX_BYTES + NEEDS_MAX_ITEMS + 1);
		rc = buf_add(&b, "", 0);
		for (size_t i = 0; !rc && i < n; i++)
			rc = buf_printf(&b, "%s%s", i ? "," : "", items[i].text);
		if (rc) {
			buf_release(&b);
			rc = err_set(e, STATUS_TOO_BIG, "needs is too long; list fewer needs");
		} else {
			*out = buf_detach(&b);
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(items[i].code);
		free(items[i].detail);
		free(items[i].text);
	}
	return rc;
}

enum status needs_basis_check(const char *in, struct err *e)
{
	if (in && (!strcasecmp(in, "consent") || !strcasecmp(in, "vital-interests")))
		return STATUS_OK;
	return err_set(e, STATUS_INVALID,
		       "the basis for holding needs is %s (the customer agreed, or it protects "
		       "their life)",
		       NEEDS_BASES);
}

enum status needs_basis_required(const char *needs, const char *basis, struct err *e)
{
	if (!needs || !*needs || (basis && *basis))
		return STATUS_OK;
	return err_set(e, STATUS_INVALID,
		       "needs are health data and need a recorded basis; add --needs-basis "
		       "consent (the customer agreed) or --needs-basis vital-interests");
}

char *needs_text(const char *needs, const struct needs_known *known)
{
	struct buf b;
	const char *p = needs;

	if (!needs || !*needs)
		return NULL;
	buf_init(&b, 0); /* the customer's needs, checked when stored: no cap of its own */
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p), code_len;
		const char *colon = memchr(p, ':', n);
		const struct ref_need *r = NULL;

		code_len = colon ? (size_t)(colon - p) : n;
		if (code_len && known) {
			char *code = xstrndup(p, code_len);

			r = known->find(known->ctx, code);
			free(code);
		}
		if (code_len) {
			if (b.len)
				buf_adds(&b, " \xc2\xb7 "); /* · */
			if (r)
				buf_adds(&b, r->label);
			else
				buf_add(&b, p, code_len);
			if (colon)
				buf_printf(&b, " (%.*s)", (int)(n - code_len - 1), colon + 1);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* ---- cases ------------------------------------------------------------- */

static const char *const case_status_names[] = {
#define CS_NAME(n, s) s,
	CASE_STATUSES(CS_NAME)
#undef CS_NAME
};

const char *case_status_name(enum case_status s)
{
	if ((int)s < 0 || s >= CASE_STATUS_COUNT)
		return "unknown";
	return case_status_names[s];
}

int case_status_find(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < CASE_STATUS_COUNT; i++)
		if (!strcmp(case_status_names[i], s))
			return i;
	return -1;
}

#define CASE_CODE_MAX 10
#define CASE_DIGITS_MIN 5
#define CASE_DIGITS_MAX 12

void case_reference(const char *device_code, long counter, char *out, size_t outsz)
{
	if (!device_code || !*device_code || counter < 0)
		die("case_reference: bad device code or counter %ld", counter);
	snprintf(out, outsz, "%s-%05ld", device_code, counter);
}

bool case_reference_valid(const char *s)
{
	size_t code = 0, digits = 0;

	if (!s || !(*s >= 'A' && *s <= 'Z'))
		return false;
	while ((s[code] >= 'A' && s[code] <= 'Z') || (s[code] >= '0' && s[code] <= '9'))
		code++;
	if (code > CASE_CODE_MAX || s[code] != '-')
		return false;
	s += code + 1;
	while (s[digits] >= '0' && s[digits] <= '9')
		digits++;
	return s[digits] == '\0' && digits >= CASE_DIGITS_MIN && digits <= CASE_DIGITS_MAX;
}

/* ---- JSON form --------------------------------------------------------- */

/* A JSON string, or null for NULL/""; false if s is not UTF-8. */
static bool json_put_str(json_t *obj, const char *key, const char *s)
{
	json_t *v;

	if (!s || !*s)
		v = json_null();
	else if (!(v = json_string(s)))
		return false;
	if (json_object_set_new(obj, key, v) != 0)
		die("out of memory building JSON");
	return true;
}

struct json_t *customer_to_json(const struct customer *c)
{
	json_t *root, *fields, *stamps;
	bool ok = true;

	if (!c)
		return NULL;
	root = json_object();
	fields = json_object();
	stamps = json_object();
	if (!root || !fields || !stamps)
		die("out of memory building JSON");
	ok &= json_put_str(root, "id", c->id);
	ok &= json_put_str(root, "created_at", c->created_at);
	json_object_set_new(root, "erased", json_boolean(c->erased));
	/* An erased customer travels as a tombstone: no personal data. */
	for (int i = 0; i < CF_COUNT; i++) {
		ok &= json_put_str(fields, customer_fields[i].name,
				   c->erased ? NULL : c->field[i]);
		ok &= json_put_str(stamps, customer_fields[i].name, c->hlc[i]);
	}
	ok &= json_put_str(root, "phone_raw", c->erased ? NULL : c->phone_raw);
	json_object_set_new(root, "fields", fields);
	json_object_set_new(root, "hlc", stamps);
	if (!ok) {
		json_decref(root);
		return NULL;
	}
	return root;
}
