/*
 * gzip for HTTP bodies: the desk compresses what it pushes, the server what
 * it answers and unzips what it is sent. Here because both programs link
 * core; zlib is called from this file only.
 */
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "frontdesk/core.h"

/* Window bits for zlib that ask for the gzip wrapper, not zlib's own. */
#define GZIP_WBITS (16 + MAX_WBITS)

static void stream_in(z_stream *z, const void *in, size_t n)
{
	z->next_in = (unsigned char *)(uintptr_t)in;
	z->avail_in = (uInt)n;
}

enum status buf_add_gzip(struct buf *out, const void *in, size_t n)
{
	z_stream z;
	unsigned char chunk[16384];
	int zr;
	enum status rc = STATUS_OK;

	memset(&z, 0, sizeof z);
	/* Level 1: bodies are JSON, which compresses well at the cheapest level,
	 * and the server answers many desks at once. */
	if (deflateInit2(&z, 1, Z_DEFLATED, GZIP_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("out of memory starting zlib");
	stream_in(&z, in, n);
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

enum status buf_add_gunzip(struct buf *out, const void *in, size_t n, struct err *e)
{
	z_stream z;
	unsigned char chunk[16384];
	int zr;
	enum status rc = STATUS_OK;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, GZIP_WBITS) != Z_OK)
		die("out of memory starting zlib");
	stream_in(&z, in, n);
	do {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			rc = err_set(e, STATUS_PARSE, "the body is not valid gzip");
			break;
		}
		if (buf_add(out, chunk, sizeof chunk - z.avail_out) != STATUS_OK) {
			rc = err_set(e, STATUS_TOO_BIG, "the body is larger than %zu bytes once unzipped",
				     out->cap);
			break;
		}
		if (zr != Z_STREAM_END && z.avail_in == 0 && z.avail_out != 0) {
			rc = err_set(e, STATUS_PARSE, "the gzip body is cut short");
			break;
		}
	} while (zr != Z_STREAM_END);
	if (rc == STATUS_OK && z.avail_in != 0)
		rc = err_set(e, STATUS_PARSE, "bytes follow the gzip body");
	inflateEnd(&z);
	/* Even an empty body reads as a string. */
	if (rc == STATUS_OK && out->len == 0)
		buf_add(out, "", 0);
	return rc;
}
