/*
 * Helpers shared by the files of src/core/ and nowhere else.
 */
#ifndef FRONTDESK_CORE_INT_H
#define FRONTDESK_CORE_INT_H

#include "frontdesk/core.h"

/* Longest value (in bytes) that messages quote back to the person. */
#define CORE_QUOTE_MAX 40

/*
 * Writes the subject of a validation message into out: "postcode 'NG12 3'"
 * when the value is short printable text, otherwise just "postcode" so long
 * personal values are not echoed. field NULL uses fallback.
 */
void core_subject(const char *field, const char *fallback, const char *value, char *out,
		  size_t outsz);

/* Fills n bytes from getrandom(2); dies if the kernel cannot give them. */
void core_random(void *p, size_t n);

/* Decodes one code point at s (n bytes left); returns its length in bytes,
 * 0 if the bytes there are not UTF-8 (overlong, surrogate, cut short). */
size_t core_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
