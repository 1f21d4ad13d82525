/*
 * gzip for HTTP bodies: the desk compresses what it pushes, the server what
 * it answers. Here because both programs link core; the server's gunzip of
 * request bodies stays in src/server, its only user, with its HTTP errors.
 */
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "frontdesk/core.h"

enum status buf_add_gzip(struct buf *out, const void *in, size_t n)
{
	z_stream z;
	unsigned char chunk[16384];
	int zr;
	enum status rc = STATUS_OK;

	memset(&z, 0, sizeof z);
	/* Level 1: bodies are JSON, which compresses well at the cheapest level,
	 * and the server answers many desks at once. */
	if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("out of memory starting zlib");
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		zr = deflate(&z, Z_FINISH);
		if (buf_add(out, chunk, sizeof chunk - z.avail_out) != STATUS_OK) {
			rc = STATUS_TOO_BIG;
			break;
		}
	} while (zr == Z_OK || zr == Z_BUF_ERROR);
	deflateEnd(&z);
	if (rc == STATUS_OK && zr != Z_STREAM_END)
		rc = STATUS_TOO_BIG;
	return rc;
}
