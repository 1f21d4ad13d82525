/*
 * Whole-process time of a command, as a person at a shell sees it.
 *
 *   bench_process N COMMAND ARG... [-- QUERY...]
 *
 * Runs COMMAND ARG... QUERY N times (the queries taken in turn, if given),
 * each a fresh process (fork, exec, wait), and prints p50/p99/max of the
 * wall time. Output of the command goes to /dev/null.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

int main(int argc, char **argv)
{
	int n, dash = -1, nq, failed = 0;
	double *t;
	char **args;

	if (argc < 3 || (n = (int)strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: bench_process N COMMAND ARG... [-- QUERY...]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			dash = i;
	nq = dash < 0 ? 0 : argc - dash - 1;
	args = calloc((size_t)argc + 1, sizeof *args);
	t = calloc((size_t)n, sizeof *t);
	if (!args || !t)
		return 1;
	for (int i = 0; i < n; i++) {
		int k = 0, status;
		double t0;
		pid_t pid;

		for (int j = 2; j < (dash < 0 ? argc : dash); j++)
			args[k++] = argv[j];
		if (nq)
			args[k++] = argv[dash + 1 + i % nq];
		args[k] = NULL;
		t0 = bench_now_ms();
		pid = fork();
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);

			dup2(fd, 1);
			execv(args[0], args);
			_exit(127);
		}
		waitpid(pid, &status, 0);
		t[i] = bench_now_ms() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	printf("  n %d  p50 %.2f ms  p99 %.2f ms  max %.2f ms  failed %d\n", n,
	       bench_percentile(t, (size_t)n, 50), bench_percentile(t, (size_t)n, 99),
	       bench_percentile(t, (size_t)n, 100), failed);
	printf("FIGURE process_p99_ms %.2f\n", bench_percentile(t, (size_t)n, 99));
	free(args);
	free(t);
	return failed ? 1 : 0;
}
