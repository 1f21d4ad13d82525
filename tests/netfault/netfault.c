/*
 * netfault — a fault-injecting TCP proxy for tests, loopback only.
 *
 *   netfault LISTEN_PORT TARGET_PORT CONTROL_FILE [MAX_SECONDS]
 *
 * Listens on 127.0.0.1:LISTEN_PORT and relays each connection to
 * 127.0.0.1:TARGET_PORT. How each new connection is treated is read from
 * CONTROL_FILE when it is accepted (one line; a missing or empty file means
 * "pass"), so a test changes the network's weather by rewriting the file:
 *
 *   pass              relay untouched
 *   delay MS          wait MS before relaying anything (latency)
 *   stall MS          relay the request, then half the first piece of the
 *                     answer, then nothing for MS, then the rest
 *   reset-before      reset the connection at once, before the request
 *   reset-after       read the request, then reset without an answer (the
 *                     server may well have done the work)
 *   cut               relay half the first piece of the answer, then close
 *   down              the link is down: accept nothing useful, reset
 *   trickle BPS       relay both ways at BPS bytes a second (rural 3G)
 *   random SEED       each connection draws one of the above (or pass),
 *                     deterministically from SEED and the connection count
 *
 * Every connection is counted by mode on stdout ("conn N MODE") so a test
 * can see what it got. The proxy stops by itself after MAX_SECONDS
 * (default 600), and a relay gives up after 60 s of silence.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

enum mode { M_PASS, M_DELAY, M_STALL, M_RESET_BEFORE, M_RESET_AFTER, M_CUT, M_DOWN, M_TRICKLE };
static const char *const mode_names[] = { "pass", "delay", "stall", "reset-before",
					  "reset-after", "cut", "down", "trickle" };

struct conn {
	int client;
	enum mode mode;
	long arg; /* ms for delay and stall, bytes a second for trickle */
	long n;
};

static int g_target_port;
static const char *g_control;
static pthread_mutex_t g_out_mu = PTHREAD_MUTEX_INITIALIZER;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Closes with a TCP reset rather than a FIN. */
static void reset_close(int fd)
{
	struct linger l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
}

static unsigned long mix(unsigned long x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdUL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53UL;
	x ^= x >> 33;
	return x;
}

static void read_mode(struct conn *c)
{
	char line[128] = "", name[32] = "";
	long arg = 0;
	FILE *f = fopen(g_control, "r");

	c->mode = M_PASS;
	c->arg = 0;
	if (f) {
		if (!fgets(line, sizeof line, f))
			line[0] = '\0';
		fclose(f);
	}
	if (sscanf(line, "%31s %ld", name, &arg) < 1)
		return;
	if (!strcmp(name, "random")) {
		/* Half the connections pass; the rest draw a fault. */
		unsigned long r = mix((unsigned long)arg * 1000003UL + (unsigned long)c->n);
		static const enum mode faults[] = { M_DELAY, M_STALL, M_RESET_BEFORE,
						    M_RESET_AFTER, M_CUT, M_TRICKLE };

		if (r % 2 == 0)
			return;
		c->mode = faults[(r >> 8) % (sizeof faults / sizeof faults[0])];
		c->arg = c->mode == M_TRICKLE ? 30000 : (long)(200 + (r >> 16) % 1800);
		return;
	}
	for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
		if (!strcmp(name, mode_names[i])) {
			c->mode = (enum mode)i;
			c->arg = arg;
		}
}

/* Writes all of buf, at most rate bytes a second when rate > 0. */
static int send_all(int fd, const char *buf, size_t n, long rate)
{
	while (n > 0) {
		size_t chunk = n;
		ssize_t w;

		if (rate > 0) {
			size_t step = (size_t)(rate / 20 > 0 ? rate / 20 : 1);

			if (chunk > step)
				chunk = step;
		}
		w = send(fd, buf, chunk, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
		if (rate > 0 && n > 0)
			sleep_ms(50);
	}
	return 0;
}

static int connect_target(void)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)g_target_port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *relay(void *arg)
{
	struct conn *c = arg;
	char buf[16384];
	int up = -1, answered = 0, sent_request = 0;
	struct pollfd p[2];

	pthread_mutex_lock(&g_out_mu);
	printf("conn %ld %s %ld\n", c->n, mode_names[c->mode], c->arg);
	fflush(stdout);
	pthread_mutex_unlock(&g_out_mu);
	if (c->mode == M_RESET_BEFORE || c->mode == M_DOWN) {
		reset_close(c->client);
		free(c);
		return NULL;
	}
	if (c->mode == M_DELAY)
		sleep_ms(c->arg);
	up = connect_target();
	if (up < 0) {
		reset_close(c->client);
		free(c);
		return NULL;
	}
	p[0].fd = c->client;
	p[1].fd = up;
	for (;;) {
		int r;

		p[0].events = p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		r = poll(p, 2, 60000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(c->client, buf, sizeof buf, 0);

			if (n <= 0)
				break;
			if (c->mode == M_RESET_AFTER) {
				/* Let the request reach the server, then drop the answer. */
				send_all(up, buf, (size_t)n, 0);
				sent_request = 1;
				sleep_ms(300);
				break;
			}
			if (send_all(up, buf, (size_t)n, c->mode == M_TRICKLE ? c->arg : 0))
				break;
			sent_request = 1;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(up, buf, sizeof buf, 0);

			if (n <= 0)
				break;
			if (!answered && (c->mode == M_STALL || c->mode == M_CUT)) {
				size_t half = (size_t)n / 2;

				answered = 1;
				if (send_all(c->client, buf, half, 0))
					break;
				if (c->mode == M_CUT)
					break;
				sleep_ms(c->arg);
				if (send_all(c->client, buf + half, (size_t)n - half, 0))
					break;
				continue;
			}
			answered = 1;
			if (send_all(c->client, buf, (size_t)n, c->mode == M_TRICKLE ? c->arg : 0))
				break;
		}
	}
	(void)sent_request;
	if (c->mode == M_RESET_AFTER || c->mode == M_CUT)
		reset_close(c->client);
	else
		close(c->client);
	close(up);
	free(c);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	int lfd, one = 1;
	long max_s = 600, n = 0;
	time_t t0 = time(NULL);

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: netfault LISTEN_PORT TARGET_PORT CONTROL_FILE [MAX_SECONDS]\n");
		return 2;
	}
	g_target_port = (int)strtol(argv[2], NULL, 10);
	g_control = argv[3];
	if (argc == 5)
		max_s = strtol(argv[4], NULL, 10);
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("netfault: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)strtol(argv[1], NULL, 10));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only */
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 128) != 0) {
		perror("netfault: listen");
		return 1;
	}
	printf("listening %s\n", argv[1]);
	fflush(stdout);
	while (time(NULL) - t0 < max_s) {
		struct pollfd p = { lfd, POLLIN, 0 };
		struct conn *c;
		pthread_t t;
		int fd;

		if (poll(&p, 1, 500) <= 0)
			continue;
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		c->client = fd;
		c->n = ++n;
		read_mode(c);
		if (pthread_create(&t, NULL, relay, c) != 0) {
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
	close(lfd);
	return 0;
}
