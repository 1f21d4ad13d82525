/*
 * The connection guard: deadlines and budgets that keep frontdeskd serving
 * while hostile clients try to hold it.
 *
 * libmicrohttpd's own timeout is an idle timeout: a client that sends one
 * header line every few seconds (slowloris) is never idle, and 2,000 of
 * them held every connection. So every connection is registered here from
 * accept to close, with the phase it is in:
 *   HEADERS  from accept (or the end of its previous request) until its
 *            request's headers are in: at most header_timeout_s;
 *   BODY     until its body is in: at most request_timeout_s from accept;
 *   HANDLING the server is answering: never cut here (a push under load).
 * A thread looks every half second and shuts down the socket of a
 * connection past its deadline; libmicrohttpd then sees the connection end
 * and cleans up as for any client that went away. The registry's lock is
 * held while a socket is shut down, and libmicrohttpd tells us a connection
 * closed before it closes the socket, so a socket number reused by a new
 * connection is never touched.
 *
 * Bodies buffered at once are counted against a budget: a request whose body
 * would pass it is answered 503 with Retry-After instead of buffered.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "server_int.h"

struct guard_conn {
	struct guard_conn *prev, *next;
	int fd;
	enum { PHASE_HEADERS, PHASE_BODY, PHASE_HANDLING } phase;
	double phase_ms; /* when HEADERS began (accept or the last request's end) */
	double start_ms; /* when the current request began (accept or last end) */
	bool cut;
};

static struct {
	pthread_mutex_t mu;
	struct guard_conn *head;
	pthread_t sweeper;
	bool running;
	atomic_bool stop;
	unsigned header_timeout_s, request_timeout_s;
	atomic_size_t buffered;
	size_t budget;
	atomic_long cut_headers, cut_requests, busy;
} g = { .mu = PTHREAD_MUTEX_INITIALIZER };

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sweep(void)
{
	double now = mono_ms();

	pthread_mutex_lock(&g.mu);
	for (struct guard_conn *c = g.head; c; c = c->next) {
		bool late = false;

		if (c->cut)
			continue;
		if (c->phase == PHASE_HEADERS && now - c->phase_ms > g.header_timeout_s * 1e3) {
			late = true;
			atomic_fetch_add(&g.cut_headers, 1);
		} else if (c->phase == PHASE_BODY && now - c->start_ms > g.request_timeout_s * 1e3) {
			late = true;
			atomic_fetch_add(&g.cut_requests, 1);
		}
		if (late) {
			c->cut = true;
			shutdown(c->fd, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&g.mu);
}

static void *sweeper(void *arg)
{
	(void)arg;
	while (!atomic_load(&g.stop)) {
		struct timespec ts = { 0, 500000000L };

		nanosleep(&ts, NULL);
		sweep();
	}
	return NULL;
}

bool guard_start(unsigned header_timeout_s, unsigned request_timeout_s, size_t body_budget)
{
	g.header_timeout_s = header_timeout_s;
	g.request_timeout_s = request_timeout_s;
	g.budget = body_budget;
	atomic_store(&g.stop, false);
	g.running = pthread_create(&g.sweeper, NULL, sweeper, NULL) == 0;
	return g.running;
}

void guard_stop(void)
{
	if (!g.running)
		return;
	atomic_store(&g.stop, true);
	pthread_join(g.sweeper, NULL);
	g.running = false;
}

struct guard_conn *guard_open(int fd)
{
	struct guard_conn *c = xcalloc(1, sizeof *c);

	c->fd = fd;
	c->phase = PHASE_HEADERS;
	c->phase_ms = c->start_ms = mono_ms();
	pthread_mutex_lock(&g.mu);
	c->next = g.head;
	if (g.head)
		g.head->prev = c;
	g.head = c;
	pthread_mutex_unlock(&g.mu);
	return c;
}

void guard_close(struct guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g.mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		g.head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&g.mu);
	free(c);
}

static void set_phase(struct guard_conn *c, int phase, bool restart)
{
	if (!c)
		return;
	pthread_mutex_lock(&g.mu);
	c->phase = phase;
	if (restart)
		c->phase_ms = c->start_ms = mono_ms();
	pthread_mutex_unlock(&g.mu);
}

void guard_headers_in(struct guard_conn *c)
{
	set_phase(c, PHASE_BODY, false);
}

void guard_handling(struct guard_conn *c)
{
	set_phase(c, PHASE_HANDLING, false);
}

void guard_request_done(struct guard_conn *c)
{
	set_phase(c, PHASE_HEADERS, true);
}

bool guard_body_take(size_t n)
{
	size_t was = atomic_load(&g.buffered);

	do {
		if (was + n > g.budget) {
			atomic_fetch_add(&g.busy, 1);
			return false;
		}
	} while (!atomic_compare_exchange_weak(&g.buffered, &was, was + n));
	return true;
}

void guard_body_give(size_t n)
{
	atomic_fetch_sub(&g.buffered, n);
}

void guard_counts(long *cut_headers, long *cut_requests, long *busy)
{
	*cut_headers = atomic_load(&g.cut_headers);
	*cut_requests = atomic_load(&g.cut_requests);
	*busy = atomic_load(&g.busy);
}
