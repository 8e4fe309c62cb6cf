/* runner.h: run renacer-exporter (or any program) for a test, with extra
 * environment, in a directory, with a time limit; stderr captured. */
#ifndef RN_TEST_RUNNER_H
#define RN_TEST_RUNNER_H

#include <stddef.h>

struct rn_run {
	int status;		/* exit status, 128+signal, or -1 on timeout */
	double secs;		/* wall time */
	char err[32768];	/* stderr */
	unsigned lines;		/* lines on stderr */
};

/* run_prog: argv[0] is run with env (NAME=VALUE strings, NULL-ended, may
 * be NULL) added to ours, in cwd (NULL: ours); killed after timeout_s. */
void run_prog(struct rn_run *r, const char *cwd, char *const env[], char *const argv[],
	      double timeout_s);

/* slurp: a whole file, NUL-terminated, or NULL; *len its size. */
char *slurp(const char *path, size_t *len);

/* run_sh: a shell command line (60 s at most); its stdout and stderr in
 * out; returns its exit status, or 128+signal. */
int run_sh(const char *cmd, char *out, size_t cap);

#endif
