/* metrics_prog.c: the program the OTLP metrics tests trace, making known
 * calls with known outcomes. Modes:
 *   calls A B C [MS]  A access() calls that succeed, B that fail with
 *                     ENOENT, C that fail with ENOTDIR, MS milliseconds
 *                     apart (default 0)
 *   procs N           N children, one after another, each one access()
 * Plain C, no sanitizers: it runs under librenacer.so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	if (ms)
		nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "calls")) {
		int a = atoi(argv[2]), b = atoi(argv[3]), c = atoi(argv[4]);
		int ms = argc >= 6 ? atoi(argv[5]) : 0;
		char notdir[4096];
		/* this program is a file: a path under it is ENOTDIR */
		snprintf(notdir, sizeof notdir, "%s/x", argv[0]);
		for (int i = 0; i < a; i++, nap(ms))
			if (access("/", F_OK))
				return 1;
		for (int i = 0; i < b; i++, nap(ms))
			if (!access("/nonexistent/renacer-metrics", F_OK))
				return 1;
		for (int i = 0; i < c; i++, nap(ms))
			if (!access(notdir, F_OK))
				return 1;
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "procs")) {
		int n = atoi(argv[2]);
		for (int i = 0; i < n; i++) {
			pid_t p = fork();
			if (p < 0)
				return 1;
			if (p == 0)
				_exit(access("/", F_OK) ? 1 : 0);
			int st;
			if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
				return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: metrics_prog calls A B C [MS] | procs N\n");
	return 2;
}
