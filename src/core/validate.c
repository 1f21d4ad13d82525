/*
 * Validators for what people type: postcodes, emails, phones, dates of birth,
 * free text, codes, UPRNs, numbers and money. Each names the field and the
 * rule in its message and says what to write instead.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static char to_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True if s has a control character (C0, DEL or C1); s is valid UTF-8. */
static bool has_control(const char *s, size_t n, bool allow_newline_tab)
{
	const unsigned char *p = (const unsigned char *)s;

	while (n > 0) {
		uint32_t cp;
		size_t len = core_utf8_decode(p, n, &cp);

		if (len == 0)
			return true;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			if (!(allow_newline_tab && (cp == '\n' || cp == '\t')))
				return true;
		}
		p += len;
		n -= len;
	}
	return false;
}

/*
 * Characters that change how text around them is shown without being seen
 * themselves: the bidirectional embeddings, overrides and isolates (a
 * right-to-left override makes "exe.txt" read "txt.exe"), the marks that
 * only steer direction, and the zero-width space, word joiner and byte-order
 * mark (two names that look the same but differ). The zero-width joiner and
 * non-joiner are kept: Persian, Indic scripts and emoji need them.
 */
static bool has_invisible(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	while (n > 0) {
		uint32_t cp;
		size_t len = core_utf8_decode(p, n, &cp);

		if (len == 0)
			return true;
		if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
		    cp == 0x200B || cp == 0x200E || cp == 0x200F || cp == 0x061C || cp == 0x2060 ||
		    cp == 0xFEFF)
			return true;
		p += len;
		n -= len;
	}
	return false;
}

void core_subject(const char *field, const char *fallback, const char *value, char *out,
		  size_t outsz)
{
	const char *name = field ? field : fallback;
	size_t n = value ? strnlen(value, CORE_QUOTE_MAX + 1) : 0;

	if (value && n > 0 && n <= CORE_QUOTE_MAX && utf8_valid(value, n) &&
	    !has_control(value, n, false))
		snprintf(out, outsz, "%s '%s'", name, value);
	else
		snprintf(out, outsz, "%s", name);
}

static void need_room(const char *who, size_t have, size_t need)
{
	if (have < need)
		die("%s: output buffer of %zu bytes, needs %zu", who, have, need);
}

/* ---- postcode ---------------------------------------------------------- */

#define POSTCODE_HINT "write it like NG12 3AB"

/* Outward code shapes: A9, A99, AA9, AA99, A9A, AA9A (A letter, 9 digit). */
static bool postcode_outward_ok(const char *s, size_t n)
{
	char shape[5];

	if (n < 2 || n > 4)
		return false;
	for (size_t i = 0; i < n; i++)
		shape[i] = is_digit(s[i]) ? '9' : is_alpha(s[i]) ? 'A' : '?';
	shape[n] = '\0';
	return !strcmp(shape, "A9") || !strcmp(shape, "A99") || !strcmp(shape, "AA9") ||
	       !strcmp(shape, "AA99") || !strcmp(shape, "A9A") || !strcmp(shape, "AA9A");
}

enum status valid_postcode(const char *field, const char *in, char *out, size_t outsz,
			   struct err *e)
{
	const char *name = field ? field : "postcode";
	char compact[8];
	char subj[128];
	size_t n = 0, len, start, end, spaces = 0, space_at = 0;

	if (!in)
		in = "";
	len = strnlen(in, 64);
	start = 0;
	while (start < len && (in[start] == ' ' || in[start] == '\t'))
		start++;
	end = len;
	while (end > start && (in[end - 1] == ' ' || in[end - 1] == '\t'))
		end--;
	if (start == end)
		return err_set(e, STATUS_INVALID, "%s is empty; " POSTCODE_HINT, name);
	core_subject(field, "postcode", in, subj, sizeof(subj));
	if (len >= 64)
		goto bad;
	/* Letters and digits, with at most one run of spaces, before the inward code. */
	for (size_t i = start; i < end; i++) {
		char c = in[i];

		if (c == ' ') {
			if (spaces == 0)
				space_at = n;
			else if (in[i - 1] != ' ')
				goto bad;
			spaces++;
			continue;
		}
		if (!is_digit(c) && !is_alpha(c))
			goto bad;
		if (n >= 7)
			goto bad;
		compact[n++] = to_upper(c);
	}
	compact[n] = '\0';
	if (n < 5 || (spaces && space_at != n - 3))
		goto bad;
	if (strcmp(compact, "GIR0AA") != 0) {
		if (!is_digit(compact[n - 3]) || !is_alpha(compact[n - 2]) ||
		    !is_alpha(compact[n - 1]) || !postcode_outward_ok(compact, n - 3))
			goto bad;
	}
	if (out) {
		need_room("valid_postcode", outsz, 9);
		/* outward, space, inward (n <= 7, so at most 8 + NUL) */
		memcpy(out, compact, n - 3);
		out[n - 3] = ' ';
		memcpy(out + n - 2, compact + n - 3, 4);
	}
	return STATUS_OK;
bad:
	return err_set(e, STATUS_INVALID, "%s is not a UK postcode; " POSTCODE_HINT, subj);
}

void postcode_compact(const char *canonical, char *out, size_t outsz)
{
	size_t j = 0;

	if (!out || outsz == 0)
		return;
	for (const char *p = canonical ? canonical : ""; *p && j + 1 < outsz; p++)
		if (*p != ' ')
			out[j++] = to_lower(*p);
	out[j] = '\0';
}

/* ---- email ------------------------------------------------------------- */

#define EMAIL_MAX 254
#define EMAIL_HINT "write it like name@example.co.uk"

static bool email_local_char(unsigned char c)
{
	return c >= 0x80 || is_digit((char)c) || is_alpha((char)c) ||
	       strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static bool email_domain_ok(const char *d, size_t n)
{
	size_t label = 0, labels = 0, last_start = n;
	bool tld_alpha = true;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)d[i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63 || d[i - 1] == '-')
				return false;
			labels++;
			label = 0;
			continue;
		}
		if (!(c >= 0x80 || is_digit((char)c) || is_alpha((char)c) || c == '-'))
			return false;
		if (c == '-' && label == 0)
			return false;
		label++;
	}
	/* The top-level domain: letters, or an IDN "xn--" label. */
	for (size_t i = n; i > 0 && d[i - 1] != '.'; i--) {
		last_start = i - 1;
		if (!is_alpha(d[i - 1]) && (unsigned char)d[i - 1] < 0x80)
			tld_alpha = false;
	}
	if (!tld_alpha && strncmp(d + last_start, "xn--", 4) != 0)
		return false;
	return labels >= 2 && n - last_start >= 2;
}

enum status valid_email(const char *field, const char *in, struct err *e)
{
	const char *name = field ? field : "email";
	const char *at;
	char subj[128];
	size_t n, local;

	if (!in || !*in)
		return err_set(e, STATUS_INVALID, "%s is empty; " EMAIL_HINT, name);
	n = strnlen(in, EMAIL_MAX + 1);
	if (n > EMAIL_MAX)
		return err_set(e, STATUS_INVALID,
			       "%s is longer than %d characters, the most an address can be; "
			       "check it was typed once",
			       name, EMAIL_MAX);
	core_subject(field, "email", in, subj, sizeof(subj));
	if (!utf8_valid(in, n))
		return err_set(e, STATUS_INVALID,
			       "%s has characters that are not text (not UTF-8); retype it", name);
	at = strchr(in, '@');
	if (!at || strchr(at + 1, '@'))
		return err_set(e, STATUS_INVALID,
			       "%s is not an email address (it needs exactly one @); " EMAIL_HINT,
			       subj);
	local = (size_t)(at - in);
	if (local == 0 || local > 64 || in[0] == '.' || in[local - 1] == '.')
		goto bad;
	for (size_t i = 0; i < local; i++) {
		if (!email_local_char((unsigned char)in[i]) ||
		    (in[i] == '.' && in[i + 1] == '.'))
			goto bad;
	}
	if (!email_domain_ok(at + 1, n - local - 1))
		goto bad;
	return STATUS_OK;
bad:
	return err_set(e, STATUS_INVALID,
		       "%s is not an email address (no spaces, a name, @ and a domain with a "
		       "dot); " EMAIL_HINT,
		       subj);
}

/* ---- phone ------------------------------------------------------------- */

#define PHONE_HINT "write it like 07700 900123 or +44 7700 900123"
#define PHONE_IN_MAX 40

enum status valid_phone(const char *field, const char *in, char *e164, size_t outsz,
			struct err *e)
{
	const char *name = field ? field : "phone";
	char subj[128];
	char dig[PHONE_IN_MAX + 2];
	char *national;
	size_t nd = 0, len;
	bool plus = false, seen_digit = false;
	int depth = 0;

	if (!in)
		in = "";
	len = strnlen(in, PHONE_IN_MAX + 1);
	if (len > PHONE_IN_MAX)
		return err_set(e, STATUS_INVALID,
			       "%s is longer than %d characters; " PHONE_HINT, name, PHONE_IN_MAX);
	core_subject(field, "phone", in, subj, sizeof(subj));
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (is_digit(c)) {
			dig[nd++] = c;
			seen_digit = true;
		} else if (c == '+' && !seen_digit && !plus && depth == 0) {
			plus = true;
		} else if (c == '(') {
			if (depth++ > 0)
				goto bad_chars;
		} else if (c == ')') {
			if (depth-- != 1)
				goto bad_chars;
		} else if (c != ' ' && c != '-' && c != '.' && c != '\t') {
			goto bad_chars;
		}
	}
	dig[nd] = '\0';
	if (depth != 0)
		goto bad_chars;
	if (nd == 0)
		return err_set(e, STATUS_INVALID, "%s is empty; " PHONE_HINT, name);

	/* International forms: +44, 0044 or 44 become the national 0. */
	national = dig;
	if (plus || !strncmp(dig, "00", 2)) {
		char *cc = plus ? dig : dig + 2;

		if (strncmp(cc, "44", 2) != 0)
			return err_set(e, STATUS_INVALID,
				       "%s is not a UK number; only UK numbers can be stored "
				       "(put an overseas number in the notes)",
				       subj);
		national = cc + 1;
	} else if (!strncmp(dig, "44", 2)) {
		national = dig + 1;
	}
	if (national != dig) {
		/* "+44 (0)7700 ...": drop the trunk 0 written after the country code. */
		if (national[1] == '0')
			national++;
		national[0] = '0';
	}
	if (national[0] != '0')
		return err_set(e, STATUS_INVALID,
			       "%s is not a UK number (it should start with 0 or +44); " PHONE_HINT,
			       subj);
	nd = strlen(national);
	if (nd < 10)
		return err_set(e, STATUS_INVALID,
			       "%s is too short for a UK number (10 or 11 digits); " PHONE_HINT,
			       subj);
	if (nd > 11)
		return err_set(e, STATUS_INVALID,
			       "%s is too long for a UK number (10 or 11 digits); " PHONE_HINT,
			       subj);
	if (national[1] == '0')
		return err_set(e, STATUS_INVALID,
			       "%s is not a UK number; only UK numbers can be stored", subj);
	if (e164) {
		need_room("valid_phone", outsz, 3 + nd);
		/* "+44" and the national digits after the 0, with their NUL */
		memcpy(e164, "+44", 3);
		memcpy(e164 + 3, national + 1, nd);
	}
	return STATUS_OK;
bad_chars:
	return err_set(e, STATUS_INVALID,
		       "%s has characters a phone number cannot have (only digits, spaces, "
		       "dashes, dots, brackets and a leading +); " PHONE_HINT,
		       subj);
}

void phone_national(const char *e164, char *out, size_t outsz)
{
	if (!out || outsz == 0)
		return;
	if (!e164)
		e164 = "";
	if (strncmp(e164, "+44", 3) != 0) {
		snprintf(out, outsz, "%s", e164);
	} else if (strlen(e164 + 3) + 2 <= outsz) {
		out[0] = '0';
		memcpy(out + 1, e164 + 3, strlen(e164 + 3) + 1);
	} else {
		snprintf(out, outsz, "0%s", e164 + 3); /* cut short */
	}
}

/* ---- date of birth ----------------------------------------------------- */

enum status valid_dob(const char *field, const char *in, struct date *out, struct err *e)
{
	const char *name = field ? field : "date of birth";
	struct date d, today = date_today_london();
	char ds[16], ts[16];
	enum status rc;

	rc = date_parse(in, &d, name, e);
	if (rc != STATUS_OK)
		return rc;
	date_format(d, ds, sizeof(ds));
	if (date_cmp(d, today) > 0) {
		date_format(today, ts, sizeof(ts));
		return err_set(e, STATUS_INVALID,
			       "%s %s is in the future (today is %s); check the year", name, ds,
			       ts);
	}
	if (d.year < 1900)
		return err_set(e, STATUS_INVALID,
			       "%s %s is before 1900; check the year", name, ds);
	if (out)
		*out = d;
	return STATUS_OK;
}

/* ---- free text --------------------------------------------------------- */

enum status valid_text(const char *field, const char *in, size_t max_chars, bool required,
		       bool multiline, struct err *e)
{
	const char *name = field ? field : "text";
	const char *p;
	size_t n, chars;

	if (!in)
		in = "";
	n = strlen(in);
	if (!utf8_valid(in, n))
		return err_set(e, STATUS_INVALID,
			       "%s has characters that are not text (not UTF-8); retype it or "
			       "paste it as plain text",
			       name);
	if (has_control(in, n, multiline))
		return err_set(e, STATUS_INVALID,
			       multiline ? "%s has control characters; only letters, digits, "
					   "punctuation, spaces, tabs and new lines are allowed"
					 : "%s has control characters or line breaks; write it on "
					   "one line",
			       name);
	if (has_invisible(in, n))
		return err_set(e, STATUS_INVALID,
			       "%s has invisible or direction-changing characters (such as a "
			       "right-to-left override or a zero-width space); retype it or paste it "
			       "as plain text",
			       name);
	chars = utf8_length(in);
	if (chars > max_chars)
		return err_set(e, STATUS_INVALID,
			       "%s is %zu characters long; the most is %zu, so shorten it", name,
			       chars, max_chars);
	for (p = in; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
		;
	if (required && !*p)
		return err_set(e, STATUS_INVALID, "%s is required; fill it in", name);
	return STATUS_OK;
}

/* ---- codes, UPRN, numbers, money --------------------------------------- */

enum status valid_code(const char *field, const char *in, struct err *e)
{
	const char *name = field ? field : "code";
	char subj[128];
	size_t n;

	if (!in || !*in)
		return err_set(e, STATUS_INVALID, "%s is empty; give a code such as 'council-tax'",
			       name);
	n = strnlen(in, 41);
	core_subject(field, "code", in, subj, sizeof(subj));
	if (n > 40)
		return err_set(e, STATUS_INVALID,
			       "%s is longer than 40 characters; codes are short, like "
			       "'council-tax'",
			       name);
	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-'))
			return err_set(e, STATUS_INVALID,
				       "%s is not a code; use lower-case letters, digits and "
				       "dashes, like 'council-tax'",
				       subj);
	}
	return STATUS_OK;
}

enum status valid_uprn(const char *field, const char *in, struct err *e)
{
	const char *name = field ? field : "UPRN";
	char subj[128];
	size_t n;

	if (!in || !*in)
		return err_set(e, STATUS_INVALID, "%s is empty; a UPRN is 1 to 12 digits", name);
	n = strnlen(in, 13);
	core_subject(field, "UPRN", in, subj, sizeof(subj));
	if (n > 12)
		return err_set(e, STATUS_INVALID,
			       "%s is longer than 12 digits; a UPRN is 1 to 12 digits, check it",
			       name);
	for (size_t i = 0; i < n; i++)
		if (!is_digit(in[i]))
			return err_set(e, STATUS_INVALID,
				       "%s is not a UPRN; a UPRN is 1 to 12 digits, nothing else",
				       subj);
	return STATUS_OK;
}

enum status valid_int(const char *field, const char *in, long min, long max, long *out,
		      struct err *e)
{
	const char *name = field ? field : "number";
	char subj[128];
	char *end;
	long v;

	if (!in || !*in)
		return err_set(e, STATUS_INVALID,
			       "%s is empty; give a whole number from %ld to %ld", name, min, max);
	core_subject(field, "number", in, subj, sizeof(subj));
	if (!(is_digit(in[0]) || ((in[0] == '-' || in[0] == '+') && is_digit(in[1]))))
		goto bad;
	errno = 0;
	v = strtol(in, &end, 10);
	if (*end != '\0')
		goto bad;
	if (errno == ERANGE || v < min || v > max)
		return err_set(e, STATUS_INVALID,
			       "%s is out of range; give a whole number from %ld to %ld", subj, min,
			       max);
	if (out)
		*out = v;
	return STATUS_OK;
bad:
	return err_set(e, STATUS_INVALID,
		       "%s is not a whole number; give one from %ld to %ld, digits only", subj,
		       min, max);
}

enum status valid_money(const char *field, const char *in, long *pence, struct err *e)
{
	const char *name = field ? field : "amount";
	const char *p;
	char subj[128];
	long pounds = 0, frac = 0;
	int fdigits = 0;

	if (!in || !*in)
		return err_set(e, STATUS_INVALID, "%s is empty; give an amount in pounds like 10.50",
			       name);
	core_subject(field, "amount", in, subj, sizeof(subj));
	p = in;
	if (!strncmp(p, "\xc2\xa3", 2)) /* £ */
		p += 2;
	if (!is_digit(*p))
		goto bad;
	for (; is_digit(*p); p++) {
		if (pounds > (LONG_MAX / 100 - 99 - (*p - '0')) / 10)
			return err_set(e, STATUS_INVALID, "%s is too large an amount; check it",
				       subj);
		pounds = pounds * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; is_digit(*p); p++) {
			if (++fdigits > 2)
				goto bad;
			frac = frac * 10 + (*p - '0');
		}
		if (fdigits == 0)
			goto bad;
		if (fdigits == 1)
			frac *= 10;
	}
	if (*p)
		goto bad;
	if (pence)
		*pence = pounds * 100 + frac;
	return STATUS_OK;
bad:
	return err_set(e, STATUS_INVALID,
		       "%s is not an amount of money; write pounds and pence like 10.50", subj);
}

enum status valid_channel_mix(const char *text, struct channel_share *out, size_t *n,
			      struct err *e)
{
	const char *p = text ? text : "";
	long total = 0;

	*n = 0;
	while (*p) {
		const char *colon = strchr(p, ':'), *end = strchr(p, ',');
		size_t len;
		char num[16];
		long pct;

		if (!end)
			end = p + strlen(p);
		if (!colon || colon > end || colon == p)
			return err_set(e, STATUS_INVALID,
				       "channel mix '%s' must be CHANNEL:PERCENT pairs separated by commas, like web:60,phone:40",
				       text);
		len = (size_t)(colon - p);
		if (len >= sizeof out[0].channel || *n == CHANNEL_MIX_MAX)
			return err_set(e, STATUS_INVALID, "channel mix '%s' is too long", text);
		if ((size_t)(end - colon - 1) >= sizeof num)
			return err_set(e, STATUS_INVALID, "channel mix '%s': a percent is too long",
				       text);
		memcpy(num, colon + 1, (size_t)(end - colon - 1));
		num[end - colon - 1] = '\0';
		if (valid_int("channel mix percent", num, 0, 100, &pct, e))
			return STATUS_INVALID;
		memcpy(out[*n].channel, p, len);
		out[*n].channel[len] = '\0';
		for (size_t i = 0; i < *n; i++)
			if (strcmp(out[i].channel, out[*n].channel) == 0)
				return err_set(e, STATUS_INVALID,
					       "channel mix '%s' names '%s' twice", text,
					       out[i].channel);
		out[(*n)++].percent = pct;
		total += pct;
		p = *end ? end + 1 : end;
	}
	if (*n == 0 || total != 100)
		return err_set(e, STATUS_INVALID,
			       "channel mix '%s' adds up to %ld%%; the shares must add up to 100",
			       text ? text : "", total);
	return STATUS_OK;
}
