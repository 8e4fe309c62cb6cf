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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "run.h"
#include "session.h"

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
	/* the shim reads back exactly what the options settled; processes in
	 * another pid namespace tell the exporter their pid (RENACER_PIDNS) */
	struct rn_settings set = o->shim;
	set.session_dir = dir;
	struct stat st;
	if (stat("/proc/self/ns/pid", &st) == 0)
		set.pidns = (uint64_t)st.st_ino;
	/* --complete needs syscall user dispatch (Linux 5.11+): turning it
	 * off here tells whether the kernel has it */
	if (set.complete && prctl(PR_SET_SYSCALL_USER_DISPATCH, 0, 0, 0, 0) != 0 &&
	    errno == EINVAL) {
		fprintf(stderr, "renacer: --complete: this kernel has no syscall user dispatch "
				"(Linux 5.11+); tracing in the default mode\n");
		set.complete = 0;
	}
	for (unsigned i = 0; i < RN_NSETTINGS; i++) {
		char num[24];
		const char *v = rn_setting_text(&set, (enum rn_setting_id)i, num, sizeof num);
		if (v)
			setenv(rn_setting_info[i].env, v, 1);
		else
			unsetenv(rn_setting_info[i].env);
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execvp(o->argv[0], o->argv);
	fprintf(stderr, "renacer: cannot run '%s': %s\n", o->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

#define RN_EXPORTER_RESTARTS 5

/* Forks the exporter loop for dir; *ctl_w gets the write end of its
 * control pipe. Returns its pid, or -1 (reported). */
static pid_t rn_start_exporter(const struct rn_opts *o, const char *dir, FILE *out, int *ctl_w)
{
	int ctl[2];
	if (pipe2(ctl, O_CLOEXEC)) {
		fprintf(stderr, "renacer: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "renacer: fork: %s\n", strerror(errno));
		close(ctl[0]);
		close(ctl[1]);
		return -1;
	}
	if (pid == 0) {
		/* Ctrl-C is for the program: keep draining until it is gone. */
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGTERM, rn_on_stop);
		/* a trace file past RLIMIT_FSIZE is a write error we report,
		 * not our death (only here: the program must not inherit it) */
		signal(SIGXFSZ, SIG_IGN);
		close(ctl[1]);
		fcntl(ctl[0], F_SETFL, O_NONBLOCK);
		_exit(rn_run(o, dir, out, ctl[0], &rn_stop));
	}
	close(ctl[0]);
	*ctl_w = ctl[1];
	return pid;
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
	fflush(NULL);
	/* before any traced process can start: processes in a child pid
	 * namespace announce themselves on it (the exporter's forks inherit
	 * it; the program does not, it is close-on-exec) */
	if (rn_session_pids_socket(dir) < 0 && !o->quiet)
		fprintf(stderr, "renacer: no pid socket in %s; pids in other namespaces are shown as "
			"they see them\n", dir);
	int ctl_w = -1;
	pid_t exporter = rn_start_exporter(o, dir, out, &ctl_w);
	if (exporter < 0) {
		rmdir(dir);
		return 1;
	}

	pid_t prog = fork();
	if (prog == 0) {
		close(ctl_w);
		rn_exec_program(o, dir, lib);
	}
	int status = 0, rc = 1, prog_done = 0, restarts = 0;
	if (prog < 0) {
		fprintf(stderr, "renacer: fork: %s\n", strerror(errno));
		prog_done = 1;
		close(ctl_w);
		ctl_w = -1;
	} else {
		rn_child = prog;
		dprintf(ctl_w, "root %d\n", (int)prog);
		struct sigaction sa = { .sa_handler = rn_forward };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
	}
	/* Wait for both. The records of a dead exporter wait in the rings: a
	 * new one picks them up where it stopped. */
	while (exporter > 0) {
		int st;
		pid_t w = waitpid(-1, &st, 0);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (w == prog && !WIFSTOPPED(st)) {
			status = st;
			prog_done = 1;
			rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			dprintf(ctl_w, "exit %d %d\n", (int)prog, st);
			close(ctl_w);	/* EOF: the exporter finishes once every process is done */
			ctl_w = -1;
		} else if (w == exporter) {
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && prog_done)
				break;
			if (restarts++ == RN_EXPORTER_RESTARTS) {
				fprintf(stderr, "renacer: the exporter failed %d times; giving up, the trace is "
					"incomplete\n", restarts);
				break;
			}
			fprintf(stderr, "renacer: the exporter died (%s %d); restarting it\n",
				WIFEXITED(st) ? "status" : "signal",
				WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			if (ctl_w >= 0)
				close(ctl_w);
			exporter = rn_start_exporter(o, dir, out, &ctl_w);
			if (exporter > 0 && prog > 0) {
				dprintf(ctl_w, "root %d\n", (int)prog);
				if (prog_done) {
					dprintf(ctl_w, "exit %d %d\n", (int)prog, status);
					close(ctl_w);
					ctl_w = -1;
				}
			}
		}
	}
	if (!prog_done && prog > 0) {
		while (waitpid(prog, &status, 0) < 0 && errno == EINTR)
			;
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (ctl_w >= 0)
		close(ctl_w);
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
	signal(SIGXFSZ, SIG_IGN);	/* a full trace file is a write error */
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
