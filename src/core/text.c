/*
 * UTF-8 checks, trimming and search folding.
 */
#include <string.h>

#include "core_int.h"

size_t core_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return n == 0;
	while (n > 0) {
		uint32_t cp;
		size_t len = core_utf8_decode(p, n, &cp);

		if (len == 0)
			return false;
		p += len;
		n -= len;
	}
	return true;
}

size_t utf8_length(const char *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static bool ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char *text_trim(const char *s)
{
	size_t n;

	if (!s)
		return NULL;
	while (ascii_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && ascii_space(s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* Letters that Unicode does not decompose to a base letter. */
static const struct {
	uint32_t cp;
	const char *ascii;
} fold_table[] = {
	{0x00c6, "ae"}, /* Æ */
	{0x00d0, "d"},  /* Ð */
	{0x00d8, "o"},  /* Ø */
	{0x00de, "th"}, /* Þ */
	{0x00df, "ss"}, /* ß */
	{0x00e6, "ae"}, /* æ */
	{0x00f0, "d"},  /* ð */
	{0x00f8, "o"},  /* ø */
	{0x00fe, "th"}, /* þ */
	{0x0110, "d"},  /* Đ */
	{0x0111, "d"},  /* đ */
	{0x0126, "h"},  /* Ħ */
	{0x0127, "h"},  /* ħ */
	{0x0131, "i"},  /* ı */
	{0x0138, "k"},  /* ĸ */
	{0x013f, "l"},  /* Ŀ */
	{0x0140, "l"},  /* ŀ */
	{0x0141, "l"},  /* Ł */
	{0x0142, "l"},  /* ł */
	{0x014a, "ng"}, /* Ŋ */
	{0x014b, "ng"}, /* ŋ */
	{0x0152, "oe"}, /* Œ */
	{0x0153, "oe"}, /* œ */
	{0x0166, "t"},  /* Ŧ */
	{0x0167, "t"},  /* ŧ */
	{0x0180, "b"},  /* ƀ */
	{0x0197, "i"},  /* Ɨ */
	{0x01b5, "z"},  /* Ƶ */
	{0x01b6, "z"},  /* ƶ */
	{0x0268, "i"},  /* ɨ */
	{0x1e9e, "ss"}, /* ẞ */
};

static const char *fold_lookup(uint32_t cp)
{
	for (size_t i = 0; i < sizeof(fold_table) / sizeof(fold_table[0]); i++)
		if (fold_table[i].cp == cp)
			return fold_table[i].ascii;
	return NULL;
}

char *text_fold(const char *s)
{
	struct buf b;
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	buf_init(&b, 0);
	buf_add(&b, "", 0);
	while (n > 0) {
		uint32_t cp;
		size_t len = core_utf8_decode(p, n, &cp);
		const char *rep;

		if (len == 0) {
			/* Not UTF-8: keep the byte as it is. */
			buf_add(&b, p, 1);
			len = 1;
		} else if (len == 1) {
			char c = (char)p[0];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			buf_add(&b, &c, 1);
		} else if ((rep = fold_lookup(cp)) != NULL) {
			buf_adds(&b, rep);
		} else {
			buf_add(&b, p, len);
		}
		p += len;
		n -= len;
	}
	return buf_detach(&b);
}

void text_hide_quoted(const char *msg, const char *hide, char *out, size_t outsz)
{
	const char *last = msg ? strrchr(msg, '\'') : NULL;
	size_t n = 0, hl = strlen(hide);

	if (!outsz)
		return;
	for (const char *p = msg ? msg : ""; *p && n + 1 < outsz; p++) {
		bool opens = p == msg || !((p[-1] >= 'a' && p[-1] <= 'z') ||
					   (p[-1] >= 'A' && p[-1] <= 'Z') ||
					   (p[-1] >= '0' && p[-1] <= '9'));

		if (*p == '\'' && opens) {
			if (n + hl + 1 > outsz)
				break;
			memcpy(out + n, hide, hl);
			n += hl;
			if (p == last)
				break; /* never closed: the rest is the value */
			p = last;
			continue;
		}
		out[n++] = *p;
	}
	out[n] = '\0';
}
