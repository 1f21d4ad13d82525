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

/* One call of zlib's deflate or inflate into a chunk, appended to out; the
 * call's result in *zr. STATUS_TOO_BIG past out's cap. */
static enum status stream_step(z_stream *z, int (*fn)(z_streamp, int), int flush,
			       struct buf *out, int *zr)
{
	unsigned char chunk[16384];

	z->next_out = chunk;
	z->avail_out = sizeof chunk;
	*zr = fn(z, flush);
	return buf_add(out, chunk, sizeof chunk - z->avail_out);
}

enum status buf_add_gzip(struct buf *out, const void *in, size_t n)
{
	z_stream z;
	int zr;
	enum status rc = STATUS_OK;

	memset(&z, 0, sizeof z);
	/* Level 1: bodies are JSON, which compresses well at the cheapest level,
	 * and the server answers many desks at once. */
	if (deflateInit2(&z, 1, Z_DEFLATED, GZIP_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("out of memory starting zlib");
	stream_in(&z, in, n);
	do {
		if (stream_step(&z, deflate, Z_FINISH, out, &zr) != STATUS_OK) {
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
	int zr;
	enum status rc = STATUS_OK;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, GZIP_WBITS) != Z_OK)
		die("out of memory starting zlib");
	stream_in(&z, in, n);
	do {
		enum status added = stream_step(&z, inflate, Z_NO_FLUSH, out, &zr);

		if (zr != Z_OK && zr != Z_STREAM_END) {
			rc = err_set(e, STATUS_PARSE, "the body is not valid gzip");
			break;
		}
		if (added != STATUS_OK) {
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
