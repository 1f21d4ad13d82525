/*
 * The audit chain's hash, shared by the desk that writes the chain and the
 * server that checks its central copy: BLAKE2b-256 over a canonical
 * encoding of every field of the row but its own hash.
 */
#include <sodium.h>
#include <string.h>

#include "frontdesk/core.h"

static void put_u64(struct buf *b, uint64_t v)
{
	unsigned char x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (56 - 8 * i));
	buf_add(b, x, sizeof x);
}

/* NULL and "" are different values: a tag byte says which, then a 4-byte
 * big-endian length and the bytes. */
static void put_text(struct buf *b, const char *s)
{
	unsigned char tag = s ? 1 : 0;
	uint32_t n = s ? (uint32_t)strlen(s) : 0;
	unsigned char len[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
				 (unsigned char)(n >> 8), (unsigned char)n };

	buf_add(b, &tag, 1);
	if (!s)
		return;
	buf_add(b, len, sizeof len);
	buf_add(b, s, n);
}

void audit_hash_row(const struct audit_row *r, char out[AUDIT_HASH_HEX + 1])
{
	unsigned char h[crypto_generichash_BYTES];
	struct buf b;

	buf_init(&b, 0); /* a hash of a cut-short row would prove nothing: no cap */
	buf_adds(&b, "frontdesk-audit-v1");
	put_u64(&b, (uint64_t)r->seq);
	put_text(&b, r->device_id);
	put_text(&b, r->at);
	put_text(&b, r->actor);
	put_text(&b, r->action);
	put_text(&b, r->record_type);
	put_text(&b, r->record_id);
	put_text(&b, r->detail);
	put_text(&b, r->prev_hash);
	crypto_generichash(h, sizeof h, (const unsigned char *)b.data, b.len, NULL, 0);
	sodium_bin2hex(out, AUDIT_HASH_HEX + 1, h, sizeof h);
	buf_release(&b);
}

