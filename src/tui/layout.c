/*
 * Pure layout helpers: widths by wcwidth, row formatting, due dates in words,
 * the timer, needs flags in words, service type-ahead scoring, large
 * reference letters and the global keys. No curses here, so every function
 * is tested in tests/unit/test_tui.c without a terminal.
 */
#define _XOPEN_SOURCE 700 /* wcwidth */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "frontdesk/tui.h"

/* Decodes one UTF-8 character at s (n bytes left): its code point in *wc and
 * its length; an invalid byte reads as one unprintable character. */
static size_t utf8_decode(const char *s, size_t n, wchar_t *wc)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;
	unsigned long cp;

	if (u[0] < 0x80) {
		*wc = u[0];
		return 1;
	}
	if ((u[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = u[0] & 0x1f;
	} else if ((u[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = u[0] & 0x0f;
	} else if ((u[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = u[0] & 0x07;
	} else {
		*wc = (wchar_t)-1;
		return 1;
	}
	if (len > n)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			goto bad;
		cp = (cp << 6) | (u[i] & 0x3f);
	}
	*wc = (wchar_t)cp;
	return len;
bad:
	*wc = (wchar_t)-1;
	return 1;
}

static size_t char_width(wchar_t wc)
{
	int w;

	if (wc == (wchar_t)-1)
		return 1;
	w = wcwidth(wc);
	return w < 0 ? 1 : (size_t)w;
}

size_t tui_text_width(const char *s)
{
	size_t n = s ? strlen(s) : 0, w = 0;

	for (size_t i = 0; i < n;) {
		wchar_t wc;

		i += utf8_decode(s + i, n - i, &wc);
		w += char_width(wc);
	}
	return w;
}

size_t tui_text_fit(const char *s, size_t width, size_t *cols)
{
	size_t n = s ? strlen(s) : 0, w = 0, i = 0;

	while (i < n) {
		wchar_t wc;
		size_t len = utf8_decode(s + i, n - i, &wc), cw = char_width(wc);

		if (w + cw > width)
			break;
		w += cw;
		i += len;
		/* Combining marks that follow stay with their letter. */
		while (i < n) {
			size_t l2 = utf8_decode(s + i, n - i, &wc);

			if (wc == (wchar_t)-1 || wcwidth(wc) != 0)
				break;
			i += l2;
		}
	}
	if (cols)
		*cols = w;
	return i;
}

void tui_text_pad(struct buf *out, const char *s, size_t width)
{
	size_t cols, n;

	if (!s)
		s = "";
	if (tui_text_width(s) <= width) {
		n = tui_text_fit(s, width, &cols);
	} else if (width == 0) {
		return;
	} else {
		n = tui_text_fit(s, width - 1, &cols);
		buf_add(out, s, n);
		buf_adds(out, "\xe2\x80\xa6"); /* … */
		cols++;
		n = 0;
	}
	buf_add(out, s, n);
	for (; cols < width; cols++)
		buf_adds(out, " ");
}

void tui_column_widths(const size_t *want, const size_t *min, size_t n, size_t total,
		       size_t gap, size_t *out)
{
	size_t sum = 0, avail = total > gap * (n ? n - 1 : 0) ? total - gap * (n ? n - 1 : 0) : 0;

	for (size_t i = 0; i < n; i++) {
		out[i] = want[i] > min[i] ? want[i] : min[i];
		sum += out[i];
	}
	/* Cut the widest column by one until it fits or none can give. */
	while (sum > avail) {
		size_t widest = n;

		for (size_t i = 0; i < n; i++)
			if (out[i] > min[i] && (widest == n || out[i] > out[widest]))
				widest = i;
		if (widest == n)
			break;
		out[widest]--;
		sum--;
	}
}

char *tui_row_format(const char *const *cells, const size_t *widths, size_t n, size_t gap)
{
	struct buf b;

	buf_init(&b, 0); /* one row, as wide as the widths given: no cap of its own */
	buf_adds(&b, "");
	for (size_t i = 0; i < n; i++) {
		if (i)
			for (size_t g = 0; g < gap; g++)
				buf_adds(&b, " ");
		tui_text_pad(&b, cells[i], widths[i]);
	}
	return buf_detach(&b);
}

static const char *const day_names[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const month_names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

void tui_date_long(struct date d, char *out, size_t outsz)
{
	if (!date_valid(d)) {
		snprintf(out, outsz, "?");
		return;
	}
	snprintf(out, outsz, "%s %d %s %d", day_names[date_weekday(d) - 1], d.day,
		 month_names[d.month - 1], d.year);
}

void tui_due_text(const char *due, const char *status, struct date today, char *out,
		  size_t outsz)
{
	struct date d;
	int64_t diff;

	if (status && strcmp(status, "closed") == 0) {
		snprintf(out, outsz, "closed");
		return;
	}
	if (status && strcmp(status, "awaiting-customer") == 0) {
		snprintf(out, outsz, "paused");
		return;
	}
	if (!due || date_parse(due, &d, "due", NULL) != STATUS_OK) {
		snprintf(out, outsz, "no due date");
		return;
	}
	diff = date_to_days(today) - date_to_days(d);
	if (diff > 0)
		snprintf(out, outsz, "OVERDUE %lld day%s", (long long)diff, diff == 1 ? "" : "s");
	else if (diff == 0)
		snprintf(out, outsz, "due today");
	else
		snprintf(out, outsz, "due %s %d %s", day_names[date_weekday(d) - 1], d.day,
			 month_names[d.month - 1]);
}

void tui_timer_text(long seconds, char *out, size_t outsz)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds >= 3600)
		snprintf(out, outsz, "%ld:%02ld:%02ld", seconds / 3600, seconds / 60 % 60,
			 seconds % 60);
	else
		snprintf(out, outsz, "%02ld:%02ld", seconds / 60, seconds % 60);
}


/* True if word (n bytes) starts some word of text (both already folded). */
static bool starts_a_word(const char *text, const char *word, size_t n, bool *at_start)
{
	const char *p = text;
	bool first = true;

	while (*p) {
		while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			       (unsigned char)*p >= 0x80))
			p++;
		if (!*p)
			break;
		if (strncmp(p, word, n) == 0) {
			if (at_start)
				*at_start = first;
			return true;
		}
		first = false;
		while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		       (unsigned char)*p >= 0x80)
			p++;
	}
	return false;
}

int tui_match_score(const char *query, const char *name, const char *code)
{
	char *q = text_fold(query ? query : ""), *fn = text_fold(name ? name : ""),
	     *fc = text_fold(code ? code : "");
	int score = 0, words = 0;
	const char *p = q;

	while (*p) {
		const char *start;
		bool at_start = false, in_name;

		while (*p && (*p == ' ' || *p == '-' || *p == ','))
			p++;
		start = p;
		while (*p && *p != ' ' && *p != '-' && *p != ',')
			p++;
		if (p == start)
			break;
		in_name = starts_a_word(fn, start, (size_t)(p - start), &at_start);
		if (!in_name && !starts_a_word(fc, start, (size_t)(p - start), NULL)) {
			score = -1;
			break;
		}
		score += in_name ? (at_start && words == 0 ? 0 : 10) : 20;
		words++;
	}
	free(q);
	free(fn);
	free(fc);
	return score;
}

/* 5x5 letters: each row of a glyph is five bits, high bit on the left. */
static const struct {
	char c;
	unsigned char rows[5];
} glyphs[] = {
	{ 'A', { 0x0e, 0x11, 0x1f, 0x11, 0x11 } }, { 'B', { 0x1e, 0x11, 0x1e, 0x11, 0x1e } },
	{ 'C', { 0x0f, 0x10, 0x10, 0x10, 0x0f } }, { 'D', { 0x1e, 0x11, 0x11, 0x11, 0x1e } },
	{ 'E', { 0x1f, 0x10, 0x1e, 0x10, 0x1f } }, { 'F', { 0x1f, 0x10, 0x1e, 0x10, 0x10 } },
	{ 'G', { 0x0f, 0x10, 0x13, 0x11, 0x0f } }, { 'H', { 0x11, 0x11, 0x1f, 0x11, 0x11 } },
	{ 'I', { 0x1f, 0x04, 0x04, 0x04, 0x1f } }, { 'J', { 0x07, 0x02, 0x02, 0x12, 0x0c } },
	{ 'K', { 0x11, 0x12, 0x1c, 0x12, 0x11 } }, { 'L', { 0x10, 0x10, 0x10, 0x10, 0x1f } },
	{ 'M', { 0x11, 0x1b, 0x15, 0x11, 0x11 } }, { 'N', { 0x11, 0x19, 0x15, 0x13, 0x11 } },
	{ 'O', { 0x0e, 0x11, 0x11, 0x11, 0x0e } }, { 'P', { 0x1e, 0x11, 0x1e, 0x10, 0x10 } },
	{ 'Q', { 0x0e, 0x11, 0x15, 0x12, 0x0d } }, { 'R', { 0x1e, 0x11, 0x1e, 0x12, 0x11 } },
	{ 'S', { 0x0f, 0x10, 0x0e, 0x01, 0x1e } }, { 'T', { 0x1f, 0x04, 0x04, 0x04, 0x04 } },
	{ 'U', { 0x11, 0x11, 0x11, 0x11, 0x0e } }, { 'V', { 0x11, 0x11, 0x11, 0x0a, 0x04 } },
	{ 'W', { 0x11, 0x11, 0x15, 0x1b, 0x11 } }, { 'X', { 0x11, 0x0a, 0x04, 0x0a, 0x11 } },
	{ 'Y', { 0x11, 0x0a, 0x04, 0x04, 0x04 } }, { 'Z', { 0x1f, 0x02, 0x04, 0x08, 0x1f } },
	{ '0', { 0x0e, 0x13, 0x15, 0x19, 0x0e } }, { '1', { 0x04, 0x0c, 0x04, 0x04, 0x0e } },
	{ '2', { 0x1e, 0x01, 0x0e, 0x10, 0x1f } }, { '3', { 0x1e, 0x01, 0x0e, 0x01, 0x1e } },
	{ '4', { 0x12, 0x12, 0x1f, 0x02, 0x02 } }, { '5', { 0x1f, 0x10, 0x1e, 0x01, 0x1e } },
	{ '6', { 0x0e, 0x10, 0x1e, 0x11, 0x0e } }, { '7', { 0x1f, 0x01, 0x02, 0x04, 0x04 } },
	{ '8', { 0x0e, 0x11, 0x0e, 0x11, 0x0e } }, { '9', { 0x0e, 0x11, 0x0f, 0x01, 0x0e } },
	{ '-', { 0x00, 0x00, 0x1f, 0x00, 0x00 } },
};

void tui_big_text(const char *text, int row, char *out, size_t outsz)
{
	size_t used = 0;

	if (outsz == 0)
		return;
	out[0] = '\0';
	if (row < 0 || row >= TUI_BIG_ROWS)
		return;
	for (const char *p = text ? text : ""; *p && used + 7 < outsz; p++) {
		char c = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
		unsigned char bits = 0;

		for (size_t g = 0; g < sizeof glyphs / sizeof glyphs[0]; g++)
			if (glyphs[g].c == c)
				bits = glyphs[g].rows[row];
		for (int b = 4; b >= 0; b--)
			out[used++] = (bits >> b) & 1 ? '#' : ' ';
		out[used++] = ' ';
	}
	/* No trailing blanks. */
	while (used && out[used - 1] == ' ')
		used--;
	out[used] = '\0';
}

enum tui_action tui_key_action(const struct tui_key *k, bool typing)
{
	switch (k->kind) {
	case TUI_KEY_FN:
		switch (k->n) {
		case 1: return TUI_ACT_HELP;
		case 2: return TUI_ACT_CONTACT;
		case 3: return TUI_ACT_CASES;
		case 4: return TUI_ACT_HOME;
		case 5: return TUI_ACT_NEW_CUSTOMER;
		case 6: return TUI_ACT_DESK;
		case 7: return TUI_ACT_FLOW;
		case 9: return TUI_ACT_REPORTS;
		case 12: return TUI_ACT_LOCK;
		default: return TUI_ACT_NONE;
		}
	case TUI_KEY_CTRL:
		if (k->wc == L'n')
			return TUI_ACT_CONTACT;
		if (k->wc == L'l')
			return TUI_ACT_LOCK;
		if (k->wc == L'q')
			return TUI_ACT_SIGN_OUT;
		return TUI_ACT_NONE;
	case TUI_KEY_CHAR:
		return k->wc == L'?' && !typing ? TUI_ACT_HELP : TUI_ACT_NONE;
	default:
		return TUI_ACT_NONE;
	}
}

/* ---- the text field -------------------------------------------------------- */

void tui_field_set(struct tui_field *f, const char *text)
{
	size_t n = text ? strlen(text) : 0;

	if (n >= TUI_FIELD_MAX)
		n = TUI_FIELD_MAX - 1;
	/* Never cut a character in two. */
	while (n && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	if (n)
		memcpy(f->text, text, n);
	f->text[n] = '\0';
	f->len = f->cursor = n;
	f->changed = false;
}

static size_t prev_char(const struct tui_field *f, size_t at)
{
	if (at == 0)
		return 0;
	at--;
	while (at > 0 && ((unsigned char)f->text[at] & 0xc0) == 0x80)
		at--;
	return at;
}

static size_t next_char(const struct tui_field *f, size_t at)
{
	if (at >= f->len)
		return f->len;
	at++;
	while (at < f->len && ((unsigned char)f->text[at] & 0xc0) == 0x80)
		at++;
	return at;
}

static void delete_range(struct tui_field *f, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(f->text + from, f->text + to, f->len - to + 1);
	f->len -= to - from;
	if (f->cursor > to)
		f->cursor -= to - from;
	else if (f->cursor > from)
		f->cursor = from;
	f->changed = true;
}

static bool insert_char(struct tui_field *f, wchar_t wc)
{
	char enc[4];
	size_t n;
	unsigned long c = (unsigned long)wc;

	if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return false;
	if (c < 0x80) {
		enc[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		enc[0] = (char)(0xc0 | (c >> 6));
		enc[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		enc[0] = (char)(0xe0 | (c >> 12));
		enc[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		enc[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		enc[0] = (char)(0xf0 | (c >> 18));
		enc[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		enc[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		enc[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (f->len + n >= TUI_FIELD_MAX)
		return true; /* full: the key is used up, nothing added */
	if (f->max_chars && utf8_length(f->text) >= f->max_chars)
		return true;
	memmove(f->text + f->cursor + n, f->text + f->cursor, f->len - f->cursor + 1);
	memcpy(f->text + f->cursor, enc, n);
	f->len += n;
	f->cursor += n;
	f->changed = true;
	return true;
}

static bool is_space_at(const struct tui_field *f, size_t at)
{
	return f->text[at] == ' ';
}

bool tui_field_key(struct tui_field *f, const struct tui_key *k)
{
	size_t at;

	switch (k->kind) {
	case TUI_KEY_CHAR:
		return insert_char(f, k->wc);
	case TUI_KEY_BACKSPACE:
		delete_range(f, prev_char(f, f->cursor), f->cursor);
		return true;
	case TUI_KEY_DELETE:
		delete_range(f, f->cursor, next_char(f, f->cursor));
		return true;
	case TUI_KEY_LEFT:
		f->cursor = prev_char(f, f->cursor);
		return true;
	case TUI_KEY_RIGHT:
		f->cursor = next_char(f, f->cursor);
		return true;
	case TUI_KEY_HOME:
		f->cursor = 0;
		return true;
	case TUI_KEY_END:
		f->cursor = f->len;
		return true;
	case TUI_KEY_CTRL:
		switch (k->wc) {
		case L'a':
			f->cursor = 0;
			return true;
		case L'e':
			f->cursor = f->len;
			return true;
		case L'u':
			delete_range(f, 0, f->cursor);
			return true;
		case L'k':
			delete_range(f, f->cursor, f->len);
			return true;
		case L'w':
			at = f->cursor;
			while (at > 0 && is_space_at(f, prev_char(f, at)))
				at = prev_char(f, at);
			while (at > 0 && !is_space_at(f, prev_char(f, at)))
				at = prev_char(f, at);
			delete_range(f, at, f->cursor);
			return true;
		default:
			return false;
		}
	default:
		return false;
	}
}

/* Width of text[from, to). */
static size_t span_width(const struct tui_field *f, size_t from, size_t to)
{
	size_t w = 0;

	while (from < to) {
		wchar_t wc;

		from += utf8_decode(f->text + from, to - from, &wc);
		w += f->secret ? 1 : char_width(wc);
	}
	return w;
}

void tui_field_view(const struct tui_field *f, size_t width, size_t *first,
		    size_t *cursor_col)
{
	size_t start = *first;

	if (width == 0) {
		*cursor_col = 0;
		return;
	}
	if (start > f->cursor || start > f->len)
		start = f->cursor;
	/* Keep a column free for the cursor after the last character. */
	while (start < f->cursor && span_width(f, start, f->cursor) >= width)
		start = next_char(f, start);
	/* Show as much as fits when the text was shortened. */
	while (start > 0 && span_width(f, prev_char(f, start), f->len) < width)
		start = prev_char(f, start);
	*first = start;
	*cursor_col = span_width(f, start, f->cursor);
}

/* ---- the list -------------------------------------------------------------- */

void tui_list_fix(struct tui_list *l)
{
	int h = l->height > 0 ? l->height : 1;

	if (l->selected >= l->count)
		l->selected = l->count - 1;
	if (l->selected < 0)
		l->selected = 0;
	if (l->top > l->selected)
		l->top = l->selected;
	if (l->selected >= l->top + h)
		l->top = l->selected - h + 1;
	if (l->top > l->count - h)
		l->top = l->count - h;
	if (l->top < 0)
		l->top = 0;
}

bool tui_list_key(struct tui_list *l, const struct tui_key *k)
{
	int page = l->height > 1 ? l->height - 1 : 1;

	switch (k->kind) {
	case TUI_KEY_UP:
		l->selected--;
		break;
	case TUI_KEY_DOWN:
		l->selected++;
		break;
	case TUI_KEY_PGUP:
		l->selected -= page;
		break;
	case TUI_KEY_PGDN:
		l->selected += page;
		break;
	case TUI_KEY_HOME:
		l->selected = 0;
		break;
	case TUI_KEY_END:
		l->selected = l->count - 1;
		break;
	default:
		return false;
	}
	tui_list_fix(l);
	return true;
}

