/*
 * UUIDv7 record ids and hybrid logical clock stamps.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "core_int.h"

void core_random(void *p, size_t n)
{
	unsigned char *q = p;

	while (n > 0) {
		ssize_t got = getrandom(q, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			die("cannot get random bytes from the kernel: %s", strerror(errno));
		}
		q += got;
		n -= (size_t)got;
	}
}

/*
 * Random bytes for ids, drawn from the kernel a page at a time: an import
 * makes 10^5 ids, and one getrandom call each was a tenth of its time. Per
 * thread; a forked child empties its copy, so parent and child never hand
 * out the same bytes.
 */
#define ID_POOL_SIZE 4096
static _Thread_local unsigned char id_pool[ID_POOL_SIZE];
static _Thread_local size_t id_pool_left;
static pthread_once_t id_pool_once = PTHREAD_ONCE_INIT;

static void id_pool_forked(void)
{
	id_pool_left = 0;
}

static void id_pool_register(void)
{
	if (pthread_atfork(NULL, NULL, id_pool_forked) != 0)
		die("cannot register the id pool's fork handler");
}

static void id_random(unsigned char *out, size_t n)
{
	if (n > ID_POOL_SIZE)
		die("id_random: %zu bytes asked, at most %d", n, ID_POOL_SIZE);
	if (id_pool_left < n) {
		pthread_once(&id_pool_once, id_pool_register);
		core_random(id_pool, sizeof id_pool);
		id_pool_left = sizeof id_pool;
	}
	memcpy(out, id_pool + sizeof id_pool - id_pool_left, n);
	/* Used bytes are not kept where a later read of memory could find them. */
	memset(id_pool + sizeof id_pool - id_pool_left, 0, n);
	id_pool_left -= n;
}

/* Writes n bytes as lower-case hex (2n characters, no terminator). */
static char *hex_put(char *out, const unsigned char *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		*out++ = digits[b[i] >> 4];
		*out++ = digits[b[i] & 0xf];
	}
	return out;
}

/*
 * Per thread, ids come out strictly increasing: within one millisecond (or
 * when the clock steps back) rand_a, the 12 bits after the version, counts up
 * from a random start below 0x800 (RFC 9562 method 1).
 */
static _Thread_local int64_t uuid_last_ms = -1;
static _Thread_local unsigned uuid_last_seq;

void uuid_v7(char out[UUID_STR_LEN + 1])
{
	unsigned char b[16];
	unsigned char rnd[10];
	int64_t ms = clock_now_ms();
	unsigned seq;
	uint64_t t;

	id_random(rnd, sizeof(rnd));
	if (ms < 0)
		ms = 0;
	if (ms <= uuid_last_ms) {
		ms = uuid_last_ms;
		seq = uuid_last_seq + 1;
		if (seq > 0xfff) {
			ms++;
			seq = (((unsigned)rnd[0] << 8) | rnd[1]) & 0x7ff;
		}
	} else {
		seq = (((unsigned)rnd[0] << 8) | rnd[1]) & 0x7ff;
	}
	uuid_last_ms = ms;
	uuid_last_seq = seq;

	t = (uint64_t)ms & UINT64_C(0xffffffffffff);
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(t >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (seq >> 8));
	b[7] = (unsigned char)(seq & 0xff);
	memcpy(b + 8, rnd + 2, 8);
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));

	/* 8-4-4-4-12 hex digits */
	{
		char *p = out;

		p = hex_put(p, b, 4);
		*p++ = '-';
		p = hex_put(p, b + 4, 2);
		*p++ = '-';
		p = hex_put(p, b + 6, 2);
		*p++ = '-';
		p = hex_put(p, b + 8, 2);
		*p++ = '-';
		p = hex_put(p, b + 10, 6);
		*p = '\0';
	}
}

bool uuid_valid(const char *s)
{
	if (!s || strnlen(s, UUID_STR_LEN + 1) != UUID_STR_LEN)
		return false;
	for (int i = 0; i < UUID_STR_LEN; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return true;
}

/* ---- hybrid logical clock ---------------------------------------------- */

#define HLC_WALL_DIGITS 13
#define HLC_WALL_MAX INT64_C(9999999999999)
#define HLC_COUNTER_MAX 0xffffu
#define HLC_NODE_MAX 39

static bool hlc_node_ok(const char *node)
{
	size_t n;

	if (!node)
		return false;
	n = strnlen(node, HLC_NODE_MAX + 1);
	if (n == 0 || n > HLC_NODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = node[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

enum status hlc_parse(const char *stamp, struct hlc *out, char *node_out, size_t node_sz)
{
	int64_t wall = 0;
	uint32_t counter = 0;
	const char *node;
	size_t nlen;

	/* Wall digits, '-', four hex digits, '-', at least one node character:
	 * check the length first, so a truncated stamp is never read past its
	 * end (a fuzzer found "1767225600000-" read four bytes beyond). */
	if (!stamp || strnlen(stamp, HLC_STR_MAX) >= HLC_STR_MAX ||
	    strnlen(stamp, HLC_WALL_DIGITS + 7) < HLC_WALL_DIGITS + 7)
		return STATUS_INVALID;
	for (int i = 0; i < HLC_WALL_DIGITS; i++) {
		if (stamp[i] < '0' || stamp[i] > '9')
			return STATUS_INVALID;
		wall = wall * 10 + (stamp[i] - '0');
	}
	if (stamp[13] != '-' || stamp[18] != '-')
		return STATUS_INVALID;
	for (int i = 14; i < 18; i++) {
		int v = hexval(stamp[i]);

		if (v < 0)
			return STATUS_INVALID;
		counter = counter * 16 + (uint32_t)v;
	}
	node = stamp + 19;
	if (!hlc_node_ok(node))
		return STATUS_INVALID;
	nlen = strlen(node);
	if (node_out) {
		if (node_sz <= nlen)
			return STATUS_TOO_BIG;
		memcpy(node_out, node, nlen + 1);
	}
	if (out) {
		out->wall_ms = wall;
		out->counter = counter;
	}
	return STATUS_OK;
}

/* Keeps the counter in its four hex digits by moving the wall on. */
static void hlc_carry(struct hlc *clock)
{
	if (clock->counter > HLC_COUNTER_MAX) {
		clock->wall_ms++;
		clock->counter = 0;
	}
}

void hlc_tick(struct hlc *clock, const char *node, char out[HLC_STR_MAX])
{
	int64_t now = clock_now_ms();

	if (!clock)
		die("hlc_tick: NULL clock");
	if (!hlc_node_ok(node))
		die("hlc_tick: node id '%.40s' is not 1-39 characters of [A-Za-z0-9._-]",
		    node ? node : "(null)");
	if (now > clock->wall_ms) {
		clock->wall_ms = now;
		clock->counter = 0;
	} else {
		clock->counter++;
		hlc_carry(clock);
	}
	if (clock->wall_ms > HLC_WALL_MAX)
		die("hlc_tick: wall clock %lld ms is past the year 2286",
		    (long long)clock->wall_ms);
	/* "%013lld-%04x-%s", written by hand: an import stamps 10^6 fields. */
	{
		static const char hex[] = "0123456789abcdef";
		int64_t w = clock->wall_ms;
		size_t nlen = strlen(node);

		for (int i = 12; i >= 0; i--) {
			out[i] = (char)('0' + w % 10);
			w /= 10;
		}
		out[13] = '-';
		for (int i = 0; i < 4; i++)
			out[14 + i] = hex[(clock->counter >> (12 - 4 * i)) & 0xf];
		out[18] = '-';
		memcpy(out + 19, node, nlen + 1);
	}
}

enum status hlc_observe(struct hlc *clock, const char *stamp, struct err *e)
{
	struct hlc r;
	int64_t now = clock_now_ms();
	int64_t l;

	if (!clock)
		die("hlc_observe: NULL clock");
	if (hlc_parse(stamp, &r, NULL, 0) != STATUS_OK) {
		char subj[128];

		core_subject(NULL, "stamp", stamp, subj, sizeof(subj));
		return err_set(e, STATUS_INVALID,
			       "%s is not a clock stamp (WWWWWWWWWWWWW-CCCC-NODE); the record "
			       "that carried it cannot be merged",
			       subj);
	}
	if (r.wall_ms >= HLC_WALL_MAX)
		return err_set(e, STATUS_INVALID,
			       "clock stamp '%.20s...' is at the end of time; the device that "
			       "made it has a wrong clock and must be corrected",
			       stamp);
	l = clock->wall_ms;
	if (r.wall_ms > l)
		l = r.wall_ms;
	if (now > l)
		l = now;
	if (l == clock->wall_ms && l == r.wall_ms)
		clock->counter = (clock->counter > r.counter ? clock->counter : r.counter) + 1;
	else if (l == clock->wall_ms)
		clock->counter++;
	else if (l == r.wall_ms)
		clock->counter = r.counter + 1;
	else
		clock->counter = 0;
	clock->wall_ms = l;
	hlc_carry(clock);
	return STATUS_OK;
}
