/* runner.c: see runner.h. */
#include "runner.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	size_t r;
	while ((r = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 == cap)
			b = realloc(b, cap *= 2);
	}
	fclose(f);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

void run_prog(struct rn_run *r, const char *cwd, char *const env[], char *const argv[],
	      double timeout_s)
{
	char errf[] = "/tmp/rn-otlp-err-XXXXXX";
	int fd = mkstemp(errf);
	memset(r, 0, sizeof *r);
	double t0 = now_s();
	pid_t p = fork();
	if (p == 0) {
		dup2(fd, 2);
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		for (unsigned i = 0; env && env[i]; i++)
			putenv(env[i]);
		if (cwd && chdir(cwd))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	int st = 0;
	for (;;) {
		pid_t w = waitpid(p, &st, WNOHANG);
		if (w == p)
			break;
		if (now_s() - t0 > timeout_s) {
			kill(p, SIGKILL);
			waitpid(p, &st, 0);
			r->status = -1;
			break;
		}
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	r->secs = now_s() - t0;
	if (r->status != -1)
		r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	ssize_t n = pread(fd, r->err, sizeof r->err - 1, 0);
	r->err[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(errf);
	for (char *c = r->err; *c; c++)
		r->lines += *c == '\n';
}

int run_sh(const char *cmd, char *out, size_t cap)
{
	char f[] = "/tmp/rn-test-shXXXXXX";
	int fd = mkstemp(f);
	if (fd < 0)
		return -1;
	close(fd);
	char *full;
	if (asprintf(&full, "timeout -s KILL 60 sh -c '%s' </dev/null >%s 2>&1", cmd, f) < 0) {
		unlink(f);
		return -1;
	}
	int st = system(full);
	free(full);
	char *b = slurp(f, NULL);
	snprintf(out, cap, "%s", b ? b : "");
	free(b);
	unlink(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
