/*
 * Private to src/sync.
 */
#ifndef FRONTDESK_SYNC_INT_H
#define FRONTDESK_SYNC_INT_H

#include "frontdesk/sync.h"

/* Gzips in[0..n) into out; STATUS_TOO_BIG past out's cap. */
enum status sync_gzip(const void *in, size_t n, struct buf *out);

#endif
