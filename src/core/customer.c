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
		rc = needs_check(v, &canon, e);
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

static const char *const needs_names[] = {
#define NEED_NAME(flag, label) #flag,
	CUSTOMER_NEEDS(NEED_NAME)
#undef NEED_NAME
};
#define NEEDS_COUNT (sizeof(needs_names) / sizeof(needs_names[0]))
#define LANGUAGE_MAX_CHARS 40

static int needs_find(const char *s, size_t n)
{
	for (size_t i = 0; i < NEEDS_COUNT; i++)
		if (strlen(needs_names[i]) == n && !strncasecmp(needs_names[i], s, n))
			return (int)i;
	return -1;
}

static void needs_list(char *out, size_t outsz)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NEEDS_COUNT && used < outsz; i++) {
		int w = snprintf(out + used, outsz - used, "%s%s", i ? ", " : "", needs_names[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* A language name: letters (any script), spaces, ' - ( ). */
static bool language_ok(const char *s, size_t n)
{
	if (n == 0 || !utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ' ' ||
		      c == '\'' || c == '-' || c == '(' || c == ')'))
			return false;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

enum status needs_check(const char *in, char **out, struct err *e)
{
	bool have[NEEDS_COUNT] = {false};
	char *language = NULL;
	const char *items[NEEDS_COUNT];
	char *interp = NULL;
	size_t nitems = 0;
	struct buf b;
	enum status rc = STATUS_OK;
	const char *p = in ? in : "";

	if (out)
		*out = NULL;
	if (strlen(p) > 1000)
		return err_set(e, STATUS_INVALID,
			       "needs is too long; list flags separated by commas, like "
			       "hearing,interpreter:Polish");
	while (*p) {
		const char *start, *end, *colon;
		char one[128];
		int idx;

		start = p;
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		p = *end ? end + 1 : end;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (start == end)
			continue; /* "hearing,,sight" or a trailing comma */
		snprintf(one, sizeof(one), "%.*s", (int)(end - start), start);
		colon = memchr(start, ':', (size_t)(end - start));
		idx = needs_find(start, (size_t)((colon ? colon : end) - start));
		if (idx < 0) {
			char subj[128], list[256];

			core_subject(NULL, "needs flag", one, subj, sizeof(subj));
			needs_list(list, sizeof(list));
			rc = err_set(e, STATUS_INVALID, "%s is not known; use any of: %s", subj,
				     list);
			goto out;
		}
		if (colon) {
			const char *ls = colon + 1, *le = end;

			while (ls < le && (*ls == ' ' || *ls == '\t'))
				ls++;
			if (strcmp(needs_names[idx], "interpreter") != 0) {
				rc = err_set(e, STATUS_INVALID,
					     "needs flag '%s' takes no detail; only interpreter "
					     "carries a language, like interpreter:Polish",
					     needs_names[idx]);
				goto out;
			}
			if (ls < le) {
				size_t ln = (size_t)(le - ls), chars = 0;

				if (!language_ok(ls, ln)) {
					rc = err_set(e, STATUS_INVALID,
						     "the interpreter language is not a language "
						     "name; write it like interpreter:Polish");
					goto out;
				}
				for (size_t i = 0; i < ln; i++)
					if (((unsigned char)ls[i] & 0xc0) != 0x80)
						chars++;
				if (chars > LANGUAGE_MAX_CHARS) {
					rc = err_set(e, STATUS_INVALID,
						     "the interpreter language is longer than %d "
						     "characters; shorten it",
						     LANGUAGE_MAX_CHARS);
					goto out;
				}
				if (language && (strlen(language) != ln ||
						 strncasecmp(language, ls, ln) != 0)) {
					rc = err_set(e, STATUS_INVALID,
						     "needs lists interpreter with two languages "
						     "('%s' and '%.*s'); keep one",
						     language, (int)ln, ls);
					goto out;
				}
				if (!language)
					language = xstrndup(ls, ln);
			}
		}
		have[idx] = true;
	}

	for (size_t i = 0; i < NEEDS_COUNT; i++) {
		if (!have[i])
			continue;
		if (language && !strcmp(needs_names[i], "interpreter")) {
			interp = xasprintf("interpreter:%s", language);
			items[nitems++] = interp;
		} else {
			items[nitems++] = needs_names[i];
		}
	}
	qsort(items, nitems, sizeof(items[0]), cmp_str);
	buf_init(&b, 0);
	buf_add(&b, "", 0);
	for (size_t i = 0; i < nitems; i++) {
		if (i)
			buf_adds(&b, ",");
		buf_adds(&b, items[i]);
	}
	if (out)
		*out = buf_detach(&b);
	else
		buf_release(&b);
out:
	free(language);
	free(interp);
	return rc;
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
