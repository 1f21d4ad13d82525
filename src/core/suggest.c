/*
 * "Did you mean": the known name closest to a mistyped word. One rule for
 * every message that offers a guess (commands, options, settings, flow keys
 * and steps, CSV columns and codes), so a typo is forgiven the same way
 * everywhere.
 */
#include <string.h>

#include "frontdesk/core.h"

/* Longest word (in bytes) compared; longer ones are never close. */
#define SUGGEST_WORD_MAX 64

/*
 * Edit distance where an adjacent swap counts one ("wsate" is one step from
 * "waste"): the optimal string alignment form of Damerau-Levenshtein.
 * Returns cap + 1 as soon as the answer is surely above cap.
 */
static size_t distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t r0[SUGGEST_WORD_MAX], r1[SUGGEST_WORD_MAX], r2[SUGGEST_WORD_MAX];
	size_t *prev2 = r0, *prev = r1, *cur = r2;

	if (la >= SUGGEST_WORD_MAX || lb >= SUGGEST_WORD_MAX)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t best, *t;

		cur[0] = best = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t v = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

/* How close name is to word: lower is closer, SIZE_MAX not close. */
static size_t score(const char *word, const char *name)
{
	size_t len = word ? strlen(word) : 0;
	size_t cap = len / 3, d;

	if (len == 0 || !name)
		return SIZE_MAX;
	/* A prefix long enough to mean something: "cust" for "customer". */
	if (len >= 3 && strncmp(name, word, len) == 0)
		return 0;
	if (cap < 1)
		cap = 1;
	if (cap > 3)
		cap = 3;
	d = distance(word, name, cap);
	/* A one-letter word is close to every short name: no guess. */
	return d <= cap && d < len ? d : SIZE_MAX;
}

const char *text_suggest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_score = SIZE_MAX;

	for (size_t i = 0; names && i < n; i++) {
		size_t sc = score(word, names[i]);

		if (sc < best_score) {
			best_score = sc;
			best = names[i];
		}
	}
	return best;
}
