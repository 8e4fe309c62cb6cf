/* launch.c: what renacer-run does after its options are parsed: make a
 * private session directory, start the exporter and the program side by
 * side, wait for the program, let the exporter finish, clean up, and exit
 * like the program did.
 *
 * The program gets the environment the shim needs and nothing else from
 * us: no descriptor of ours survives its exec.
 */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "run.h"

static volatile sig_atomic_t rn_stop;
static volatile pid_t rn_child;

static void rn_on_stop(int sig)
{
	(void)sig;
	rn_stop = 1;
}

/* SIGTERM/SIGHUP to renacer-run go to the program; it decides. */
static void rn_forward(int sig)
{
	if (rn_child > 0)
		kill(rn_child, sig);
}

/* librenacer.so next to us (build tree) or in ../lib/renacer (installed),
 * unless RENACER_LIB names it. Returns 0 or -1. */
static int rn_find_lib(char *out, size_t cap)
{
	const char *env = getenv("RENACER_LIB");
	if (env && *env) {
		if (access(env, R_OK)) {
			fprintf(stderr, "renacer: RENACER_LIB=%s: %s\n", env, strerror(errno));
			return -1;
		}
		return snprintf(out, cap, "%s", env) < (int)cap ? 0 : -1;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	*slash = '\0';
	const char *cands[] = { "/librenacer.so", "/../lib/renacer/librenacer.so" };
	for (unsigned i = 0; i < 2; i++) {
		if (snprintf(out, cap, "%s%s", self, cands[i]) < (int)cap && access(out, R_OK) == 0)
			return 0;
	}
	fprintf(stderr, "renacer: cannot find librenacer.so next to %s\n", self);
	return -1;
}

static int rn_make_session(char *dir, size_t cap)
{
	const char *bases[] = { "/dev/shm", getenv("TMPDIR"), "/tmp" };
	for (unsigned i = 0; i < 3; i++) {
		if (!bases[i] || access(bases[i], W_OK | X_OK))
			continue;
		if (snprintf(dir, cap, "%s/renacer-XXXXXX", bases[i]) >= (int)cap)
			continue;
		if (mkdtemp(dir))	/* mode 0700 */
			return 0;
	}
	return -1;
}

static void rn_remove_session(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

static void rn_setenv_u(const char *name, unsigned v)
{
	char buf[16];
	snprintf(buf, sizeof buf, "%u", v);
	setenv(name, buf, 1);
}

static void __attribute__((noreturn)) rn_exec_program(const struct rn_opts *o, const char *dir,
						      const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *pre = NULL;
	if (old && *old) {
		if (asprintf(&pre, "%s:%s", lib, old) < 0)
			_exit(127);
	}
	setenv("LD_PRELOAD", pre ? pre : lib, 1);
	setenv("RENACER_SESSION_DIR", dir, 1);
	if (o->filter_spec)
		setenv("RENACER_TRACE", o->filter_spec, 1);
	else
		unsetenv("RENACER_TRACE");
	rn_setenv_u("RENACER_STRSIZE", o->strsize);
	setenv("RENACER_ON_FULL", o->on_full ? "block" : "drop", 1);
	rn_setenv_u("RENACER_RING_SIZE", o->ring_size);
	rn_setenv_u("RENACER_RINGS", o->rings);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execvp(o->argv[0], o->argv);
	fprintf(stderr, "renacer: cannot run '%s': %s\n", o->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

int rn_launch(const struct rn_opts *o)
{
	char lib[PATH_MAX], dir[PATH_MAX];
	if (rn_find_lib(lib, sizeof lib))
		return 1;
	if (rn_make_session(dir, sizeof dir)) {
		fprintf(stderr, "renacer: cannot create a session directory: %s\n", strerror(errno));
		return 1;
	}
	FILE *out = stderr;
	if (o->output) {
		out = fopen(o->output, "we");
		if (!out) {
			fprintf(stderr, "renacer: -o: cannot open '%s': %s\n", o->output, strerror(errno));
			rmdir(dir);
			exit(2);
		}
	}
	int ctl[2];
	if (pipe2(ctl, O_CLOEXEC)) {
		fprintf(stderr, "renacer: pipe: %s\n", strerror(errno));
		rmdir(dir);
		return 1;
	}
	fflush(NULL);

	pid_t exporter = fork();
	if (exporter < 0) {
		fprintf(stderr, "renacer: fork: %s\n", strerror(errno));
		rmdir(dir);
		return 1;
	}
	if (exporter == 0) {
		/* Ctrl-C is for the program: keep draining until it is gone. */
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGTERM, rn_on_stop);
		close(ctl[1]);
		fcntl(ctl[0], F_SETFL, O_NONBLOCK);
		_exit(rn_run(o, dir, out, ctl[0], &rn_stop));
	}
	close(ctl[0]);

	pid_t prog = fork();
	if (prog == 0)
		rn_exec_program(o, dir, lib);
	int status = 0, rc;
	if (prog < 0) {
		fprintf(stderr, "renacer: fork: %s\n", strerror(errno));
		rc = 1;
	} else {
		rn_child = prog;
		dprintf(ctl[1], "root %d\n", (int)prog);
		struct sigaction sa = { .sa_handler = rn_forward };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		while (waitpid(prog, &status, 0) < 0 && errno == EINTR)
			;
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		dprintf(ctl[1], "exit %d %d\n", (int)prog, status);
	}
	close(ctl[1]);	/* EOF: the exporter finishes once every process is done */
	int est;
	while (waitpid(exporter, &est, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(est) || WEXITSTATUS(est))
		fprintf(stderr, "renacer: the exporter failed (%s %d); the trace may be incomplete\n",
			WIFEXITED(est) ? "status" : "signal",
			WIFEXITED(est) ? WEXITSTATUS(est) : WTERMSIG(est));
	if (out != stderr)
		fclose(out);
	rn_remove_session(dir);
	return rc;
}

int rn_daemon(const struct rn_opts *o)
{
	struct sigaction sa = { .sa_handler = rn_on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	FILE *out = stderr;
	if (o->output) {
		out = fopen(o->output, "we");
		if (!out) {
			fprintf(stderr, "renacer: -o: cannot open '%s': %s\n", o->output, strerror(errno));
			exit(2);
		}
	}
	int rc = rn_run(o, o->session_dir, out, -1, &rn_stop);
	if (out != stderr)
		fclose(out);
	return rc;
}
