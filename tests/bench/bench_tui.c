/*
 * bench_tui FRONTDESK DB LOGIN: the console's figures on a demo database.
 * Runs the real console on a pseudo-terminal at 80x24, signed in as the demo
 * user LOGIN, and reads what it reports through FRONTDESK_BENCH_FILE:
 *   - start to a ready search screen (exec to the first drawn search
 *     screen), median of several starts;
 *   - per keystroke in the search field, from reading the key to the end of
 *     the redraw it caused (the query included): p50 and p99, one key at a
 *     time (the next key is sent when the last one is drawn);
 *   - resident memory after the typing (VmRSS) and its peak (VmHWM).
 * Measures; never asserts.
 */

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#define STARTS 5
#define MAX_KEYS 4096

/* What advisors type: surnames, first and last names, postcodes, phones,
 * emails and case references; about 300 keys in all. */
static const char *const queries[] = {
	"patel", "smith j", "ng12 3", "07700 900", "zoë brown", "le11", "nguyen", "o'brien",
	"jones m", "wb", "chen wei", "de7 4", "williams", "taylor", "brown sarah", "davies",
	"evans", "wilson", "thomas", "johnson", "roberts", "walker", "wright", "robinson",
	"thompson", "white", "hughes", "edwards", "green", "hall", "wood", "harris", "lewis",
	"martin", "jackson", "clarke", "nottingham", "ng5 1", "le12 7", "de7 5hn", "ng2",
	"mohammed", "ali", "khan", "kowalski", "nowak", "okafor", "wiśniewski",
	"@example", "01632 960", "+44 7700 900 1", "zzz",
};

struct console {
	pid_t pid;
	int master;
	FILE *report;
};

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void pause_briefly(void)
{
	struct timespec ts = { 0, 100000 }; /* 0.1 ms */

	nanosleep(&ts, NULL);
}

/* Reads and drops what the console drew, so it never blocks on output. */
static void drain(int fd)
{
	char buf[65536];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

/* The next line of the report starting with word; its number. Waits up to
 * 10 s. */
static bool next_line(struct console *c, const char *word, long long *value)
{
	char line[128];
	double until = bench_now_ms() + 10000;

	while (bench_now_ms() < until) {
		drain(c->master);
		if (fgets(line, sizeof line, c->report)) {
			size_t n = strlen(word);

			if (strncmp(line, word, n) == 0 && line[n] == ' ') {
				*value = strtoll(line + n + 1, NULL, 10);
				return true;
			}
			continue;
		}
		clearerr(c->report);
		pause_briefly();
	}
	return false;
}

static bool console_start(struct console *c, const char *fd, const char *db, const char *login,
			  const char *report)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };

	unlink(report);
	c->pid = forkpty(&c->master, NULL, NULL, &ws);
	if (c->pid < 0)
		return false;
	if (c->pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		setenv("FRONTDESK_BENCH_FILE", report, 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		execl(fd, fd, "--db", db, "console", "--demo-user", login, (char *)NULL);
		_exit(127);
	}
	fcntl(c->master, F_SETFL, fcntl(c->master, F_GETFL) | O_NONBLOCK);
	for (int i = 0; i < 10000 && !(c->report = fopen(report, "r")); i++) {
		drain(c->master);
		pause_briefly();
	}
	return c->report != NULL;
}

static void console_stop(struct console *c)
{
	int status;

	if (c->pid > 0) {
		kill(c->pid, SIGTERM);
		waitpid(c->pid, &status, 0);
	}
	if (c->report)
		fclose(c->report);
	close(c->master);
	c->pid = -1;
	c->report = NULL;
}

static long proc_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, strlen(field)) == 0)
			kb = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	static double keys[MAX_KEYS];
	double starts[STARTS];
	size_t nkeys = 0;
	char report[64];
	struct console c = { -1, -1, NULL };
	long long v;
	long rss = -1, hwm = -1;
	char slowest[64] = "";
	double slowest_ms = -1;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_tui FRONTDESK DB LOGIN\n");
		return 2;
	}
	snprintf(report, sizeof report, "/tmp/bench_tui.%ld", (long)getpid());
	for (int r = 0; r < STARTS; r++) {
		double t0 = wall_ms();

		if (!console_start(&c, argv[1], argv[2], argv[3], report) ||
		    !next_line(&c, "ready", &v)) {
			fprintf(stderr, "bench_tui: the console did not start\n");
			console_stop(&c);
			return 1;
		}
		starts[r] = (double)v - t0;
		if (r < STARTS - 1)
			console_stop(&c);
	}
	for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
		for (const char *p = queries[q]; *p; p++) {
			/* One character, whole: UTF-8 sequences go together. */
			size_t n = 1;

			while ((p[n] & 0xc0) == 0x80)
				n++;
			if (write(c.master, p, n) != (ssize_t)n || !next_line(&c, "key", &v))
				break;
			if (nkeys < MAX_KEYS)
				keys[nkeys++] = (double)v / 1000.0;
			if ((double)v / 1000.0 > slowest_ms) {
				slowest_ms = (double)v / 1000.0;
				snprintf(slowest, sizeof slowest, "%.*s", (int)(p - queries[q] + n),
					 queries[q]);
			}
			p += n - 1;
		}
		if (write(c.master, "\025", 1) == 1) /* Ctrl-U clears the field */
			next_line(&c, "key", &v);
	}
	rss = proc_kb(c.pid, "VmRSS:");
	hwm = proc_kb(c.pid, "VmHWM:");
	console_stop(&c);
	unlink(report);

	printf("  start to a ready search screen: median %.1f ms, worst %.1f ms (%d starts)\n",
	       bench_percentile(starts, STARTS, 50), bench_percentile(starts, STARTS, 100), STARTS);
	printf("FIGURE tui_start_ms %.1f\n", bench_percentile(starts, STARTS, 50));
	printf("  keystroke in the search field (query + redraw), %zu keys: p50 %.2f ms, "
	       "p99 %.2f ms, max %.2f ms\n",
	       nkeys, bench_percentile(keys, nkeys, 50), bench_percentile(keys, nkeys, 99),
	       bench_percentile(keys, nkeys, 100));
	printf("  slowest: the search field holding '%s' (%.2f ms)\n", slowest, slowest_ms);
	printf("FIGURE tui_key_p50_ms %.2f\n", bench_percentile(keys, nkeys, 50));
	printf("FIGURE tui_key_p99_ms %.2f\n", bench_percentile(keys, nkeys, 99));
	printf("  resident memory after typing: %.1f MB (peak %.1f MB)\n", (double)rss / 1024,
	       (double)hwm / 1024);
	printf("FIGURE tui_rss_mb %.1f\n", (double)rss / 1024);
	printf("FIGURE tui_peak_rss_mb %.1f\n", (double)hwm / 1024);
	return 0;
}
