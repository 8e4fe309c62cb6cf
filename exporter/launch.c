/* launch.c: what renacer-run does after its options are parsed: make a
 * private session directory, start the exporter and the program side by
 * side, wait for the program, let the exporter finish, clean up, and exit
 * like the program did.
 *
 * The program gets the environment the shim needs and nothing else from
 * us: no descriptor of ours survives its exec, and it starts with the
 * dispositions and signal mask renacer-run was given, as if a shell had
 * started it. Signals are only ever sent to the program while it is an
 * unreaped child of ours (through its pidfd), never to a pid that could
 * have been reused. renacer-run never dies of SIGPIPE: a reader of its
 * stderr that goes away must not orphan the program or the session.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "elf.h"
#include "libdir.h"
#include "otlp/otlp_file.h"
#include "output.h"
#include "run.h"
#include "session.h"

static volatile sig_atomic_t rn_stop;

static void rn_on_stop(int sig)
{
	(void)sig;
	rn_stop = 1;
}

/* The signals a shell's job gets from kill(1) and which renacer-run passes
 * on to the program. SIGPIPE, SIGCHLD and SIGXFSZ are the launcher's own
 * changes: all seven are put back in the program before its exec. */
static const int rn_fwd_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static const int rn_own_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGXFSZ };
#define RN_NOWN (sizeof rn_own_sigs / sizeof rn_own_sigs[0])

/* What renacer-run was given, put back in each child before exec. */
static struct sigaction rn_orig_act[RN_NOWN];
static sigset_t rn_orig_mask;

/* The program while it is an unreaped child: its pid and pidfd (-1 when
 * the kernel has none). Cleared, with the signals blocked, before it is
 * reaped, so the handler can never signal a reused pid. */
static volatile sig_atomic_t rn_prog_pid;
static volatile sig_atomic_t rn_prog_pidfd = -1;
static volatile sig_atomic_t rn_prog_reaped;
/* The exporter, likewise, while it is an unreaped child. */
static volatile sig_atomic_t rn_exp_pid;
static volatile sig_atomic_t rn_exp_pidfd = -1;

static void rn_pidfd_signal(int pidfd, pid_t pid, int sig)
{
	if (pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	else
		kill(pid, sig);	/* unreaped: the pid is still ours */
}

/* A signal sent to renacer-run goes to the program; it decides. Not one
 * the terminal sent to the whole foreground group (the program got it
 * too), nor one the program sent (kill(-1, SIGTERM) must not come back).
 * Once the program has ended, renacer-run only waits for what it left
 * running: the signal then ends that wait (the exporter drains what is
 * there and stops), and renacer-run exits as the program did. */
static void rn_forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	pid_t prog = (pid_t)rn_prog_pid, exp = (pid_t)rn_exp_pid;
	if (prog > 0 && si->si_code <= 0 && si->si_pid != prog)
		rn_pidfd_signal((int)rn_prog_pidfd, prog, sig);
	else if (rn_prog_reaped && exp > 0)
		rn_pidfd_signal((int)rn_exp_pidfd, exp, SIGTERM);
	errno = saved;
}

/* Remembers what renacer-run was given, then: no death by SIGPIPE (a write
 * to a closed pipe is an error to handle), SIGCHLD default so we can wait,
 * and the forwarded signals caught, except those we were given ignored: a
 * shell's background job or nohup keeps them ignored, and so does the
 * program. */
static void rn_signals_setup(void)
{
	sigprocmask(SIG_BLOCK, NULL, &rn_orig_mask);
	for (unsigned i = 0; i < RN_NOWN; i++)
		sigaction(rn_own_sigs[i], NULL, &rn_orig_act[i]);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGXFSZ, SIG_IGN);	/* under ulimit -f a file of ours fails, we do not die */
	struct sigaction sa = { .sa_sigaction = rn_forward, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < 4; i++) {
		struct sigaction cur;
		sigaction(rn_fwd_sigs[i], NULL, &cur);
		if (cur.sa_handler != SIG_IGN)
			sigaction(rn_fwd_sigs[i], &sa, NULL);
	}
}

/* In a child before exec: the dispositions and mask renacer-run was given.
 * Called with every signal blocked, so no handler of ours runs here. */
static void rn_signals_restore(void)
{
	for (unsigned i = 0; i < RN_NOWN; i++)
		sigaction(rn_own_sigs[i], &rn_orig_act[i], NULL);
	sigprocmask(SIG_SETMASK, &rn_orig_mask, NULL);
}

/* fork with every signal blocked: the child sets its own dispositions
 * before any handler can run in it. *old gets the parent's mask back. */
static pid_t rn_fork_blocked(sigset_t *old)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, old);
	return fork();
}

/* After the program died of sig and everything is cleaned up: die of the
 * same signal, as a shell's `exec` would have, so that our parent (a
 * shell loop stopping on SIGINT, a supervisor) sees what happened. No core
 * dump of ours: the program wrote its own. Returns if the signal did not
 * kill us (SIGCHLD and the like). */
static void rn_die_like(int sig)
{
	struct rlimit none = { 0, 0 };
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0);
	signal(sig, SIG_DFL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	raise(sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
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
	rn_libdir_remove(dir);
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

/* LD_PRELOAD for the program: the ASan runtime first when it links one
 * (ASan aborts unless its runtime is the first object loaded), then ours,
 * then whatever the user preloads. */
static void __attribute__((noreturn)) rn_exec_program(const struct rn_opts *o, const char *dir,
						      const char *lib, const char *asan)
{
	const char *old = getenv("LD_PRELOAD");
	char *pre = NULL;
	if (asprintf(&pre, "%s%s%s%s%s", asan, *asan ? ":" : "", lib, old && *old ? ":" : "",
		     old && *old ? old : "") < 0)
		_exit(127);
	setenv("LD_PRELOAD", pre, 1);
	/* the shim reads back exactly what the options settled; processes in
	 * another pid namespace tell the exporter their pid (RENACER_PIDNS);
	 * exec wrappers put back the library as RENACER_PRELOAD says */
	struct rn_settings set = o->shim;
	set.session_dir = dir;
	set.preload = lib;
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
	rn_signals_restore();
	execvp(o->argv[0], o->argv);
	fprintf(stderr, "renacer: cannot run '%s': %s\n", o->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

#define RN_EXPORTER_RESTARTS 5
static int rn_exporter_restarted;	/* the next exporter is a restart */

/* Forks the exporter loop for dir; *ctl_w gets the write end of its
 * control pipe. Returns its pid, or -1 (reported).
 *
 * The exporter ignores what the terminal sends the foreground group
 * (Ctrl-C, Ctrl-\\, hangup are for the program: it keeps draining until
 * the program is gone) and SIGPIPE (inherited). When it ends because
 * every traced process did and the control pipe reached EOF, it removes
 * the session directory itself: renacer-run may be gone (kill -9) and the
 * session must not outlive the run. */
static pid_t rn_start_exporter(const struct rn_opts *o, const char *dir, FILE *out, int *ctl_w)
{
	int ctl[2];
	if (pipe2(ctl, O_CLOEXEC)) {
		fprintf(stderr, "renacer: pipe: %s\n", strerror(errno));
		return -1;
	}
	sigset_t old;
	pid_t pid = rn_fork_blocked(&old);
	if (pid == 0) {
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGTERM, rn_on_stop);
		/* a trace file past RLIMIT_FSIZE is a write error we report,
		 * not our death (only here: the program must not inherit it) */
		signal(SIGXFSZ, SIG_IGN);
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(ctl[1]);
		fcntl(ctl[0], F_SETFL, O_NONBLOCK);
		/* a restarted exporter adds to the -ff files, never truncates */
		struct rn_opts mine = *o;
		mine.ff_append = rn_exporter_restarted;
		int rc = rn_run(&mine, dir, out, ctl[0], &rn_stop);
		if (rc == 0 && !rn_stop)
			rn_remove_session(dir);
		_exit(rc);
	}
	if (pid > 0) {
		rn_exp_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		rn_exp_pid = pid;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		fprintf(stderr, "renacer: fork: %s\n", strerror(errno));
		close(ctl[0]);
		close(ctl[1]);
		return -1;
	}
	close(ctl[0]);
	*ctl_w = ctl[1];
	return pid;
}

/* Starts the program; its pid and pidfd are published for rn_forward.
 * Returns the pid, or -1 (reported). */
static pid_t rn_start_program(const struct rn_opts *o, const char *dir, const char *lib,
				const char *asan, int ctl_w)
{
	sigset_t old;
	pid_t pid = rn_fork_blocked(&old);
	if (pid == 0) {
		close(ctl_w);
		rn_exec_program(o, dir, lib, asan);
	}
	if (pid > 0) {
		/* unreaped, so pid is the program's: the pidfd can only ever
		 * name it */
		rn_prog_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (rn_prog_pidfd >= 0)
			fcntl(rn_prog_pidfd, F_SETFD, FD_CLOEXEC);
		rn_prog_pid = pid;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0)
		fprintf(stderr, "renacer: fork: %s\n", strerror(errno));
	return pid;
}

/* Waits for any child to end and reaps it; *st gets its wait status.
 * When it is the program, forwarding stops before the reap: from then on
 * its pid may name another process. Returns the pid, or -1 (errno). */
static pid_t rn_reap(int *st)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) < 0)
		return -1;
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (si.si_pid == (pid_t)rn_prog_pid) {
		rn_prog_pid = 0;	/* the pidfd stays open: it names the dead program */
		rn_prog_reaped = 1;
	}
	if (si.si_pid == (pid_t)rn_exp_pid) {
		rn_exp_pid = 0;
		if (rn_exp_pidfd >= 0)
			close(rn_exp_pidfd);
		rn_exp_pidfd = -1;
	}
	pid_t w = waitpid(si.si_pid, st, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return w;
}

/* -o FILE or -o '|command' (-ff: the exporter opens FILE.PID itself);
 * returns 0, or a negative errno said on stderr (the caller exits 2). */
static int rn_open_output(struct rn_output *output, const struct rn_opts *o)
{
	int orc = rn_output_open(output, o->separately ? NULL : o->output);
	if (orc)
		fprintf(stderr, "renacer: -o: cannot %s '%s': %s\n",
			output->cmd ? "start" : "open", output->cmd ? output->cmd : o->output,
			strerror(-orc));
	return orc;
}

/* One run of renacer-run, while it waits for its children. */
struct rn_launch_st {
	const struct rn_opts *o;
	const char *dir;
	struct rn_output output;
	FILE *out;		/* the trace's stream (output.f) */
	pid_t exporter, prog;
	int ctl_w;		/* the exporter's control pipe, -1: closed */
	int status;		/* the program's wait status */
	int prog_done;
	int restarts;
	int rc;			/* renacer-run's exit status */
};

/* Before anything starts: the library under a plain name in the session
 * (pre), what the program's ELF says about how it will load (libdir.c,
 * elf.c), and the session's pid socket. */
static void rn_launch_prepare(const struct rn_opts *o, const char *dir, const char *lib, char *pre,
			      size_t cap, struct rn_elf *elf)
{
	char exe[PATH_MAX];
	if (rn_libdir_make(dir, lib, pre, cap))
		snprintf(pre, cap, "%s", lib);
	if (rn_elf_find(o->argv[0], exe, sizeof exe) == 0)
		rn_elf_read(exe, elf);
	if (o->otlp.file)
		rn_otlp_file_share();	/* one OTLP file across exporter restarts */
	fflush(NULL);
	/* before any traced process can start: processes in a child pid
	 * namespace announce themselves on it (the exporter's forks inherit
	 * it; the program does not, it is close-on-exec) */
	if (rn_session_pids_socket(dir) < 0 && !o->quiet)
		fprintf(stderr, "renacer: no pid socket in %s; pids in other namespaces are shown as "
			"they see them\n", dir);
}

/* A program no record will ever come from (static, 32-bit): the exporter
 * has nothing of it to write, so the one line is ours, written now,
 * before the exporter can write anything about this run. */
static void rn_note_untraced(const struct rn_launch_st *l, const struct rn_elf *elf)
{
	/* JSON and the trace-event document stay parseable */
	FILE *note = l->o->format != RN_FMT_TEXT && !l->o->summary ? stderr : l->out;
	fprintf(note, "renacer: pid %d: %s, not traced\n", (int)l->prog,
		elf->is_static ? "statically linked" : "32-bit program");
	fflush(note);
}

/* The program ended with wait status st: the exporter is told, and its
 * control pipe reaches EOF (it finishes once every process is done). */
static void rn_program_ended(struct rn_launch_st *l, int st)
{
	l->status = st;
	l->prog_done = 1;
	l->rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	dprintf(l->ctl_w, "exit %d %d\n", (int)l->prog, st);
	close(l->ctl_w);
	l->ctl_w = -1;
}

/* The exporter ended with wait status st: done when it finished the
 * session, else restarted (at most RN_EXPORTER_RESTARTS times) and told
 * what it missed. Returns 1 when the wait is over. */
static int rn_exporter_ended(struct rn_launch_st *l, int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && l->prog_done)
		return 1;
	if (l->restarts++ == RN_EXPORTER_RESTARTS) {
		fprintf(stderr, "renacer: the exporter failed %d times; giving up, the trace is "
			"incomplete\n", l->restarts);
		return 1;
	}
	fprintf(stderr, "renacer: the exporter died (%s %d); restarting it\n",
		WIFEXITED(st) ? "status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	if (l->ctl_w >= 0)
		close(l->ctl_w);
	l->ctl_w = -1;	/* a restart that fails leaves no pipe behind */
	rn_exporter_restarted = 1;
	l->exporter = rn_start_exporter(l->o, l->dir, l->out, &l->ctl_w);
	if (l->exporter > 0 && l->prog > 0) {
		dprintf(l->ctl_w, "root %d\n", (int)l->prog);
		if (l->prog_done) {
			dprintf(l->ctl_w, "exit %d %d\n", (int)l->prog, l->status);
			close(l->ctl_w);
			l->ctl_w = -1;
		}
	}
	return 0;
}

/* Waits for both. The records of a dead exporter wait in the rings: a
 * new one picks them up where it stopped. */
static void rn_wait_exporter(struct rn_launch_st *l)
{
	while (l->exporter > 0) {
		int st;
		pid_t w = rn_reap(&st);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (rn_output_reaped(&l->output, w, st))
			continue;
		if (w == l->prog)
			rn_program_ended(l, st);
		else if (w == l->exporter && rn_exporter_ended(l, st))
			break;
	}
}

/* The exporter is gone (given up on, or finished): the program still
 * decides renacer-run's exit status. */
static void rn_wait_program(struct rn_launch_st *l)
{
	while (!l->prog_done && l->prog > 0) {
		int st;
		pid_t w = rn_reap(&st);
		if (w > 0 && rn_output_reaped(&l->output, w, st))
			continue;
		if (w == l->prog)
			l->status = st;
		if (w == l->prog || (w < 0 && errno != EINTR)) {
			l->prog_done = 1;
			l->rc = WIFEXITED(l->status) ? WEXITSTATUS(l->status) : 128 + WTERMSIG(l->status);
		}
	}
}

/* The end of a run: the output's command waited for, the session
 * removed, and renacer-run ends as the program did. */
static int rn_launch_end(struct rn_launch_st *l)
{
	if (l->ctl_w >= 0)
		close(l->ctl_w);
	/* the command has read the whole trace once it ends: wait for it,
	 * and say when it failed; the program's own failure comes first */
	char why[512];
	if (rn_output_close(&l->output, why, sizeof why)) {
		fprintf(stderr, "renacer: %s\n", why);
		if (l->rc == 0)
			l->rc = 1;
	}
	rn_remove_session(l->dir);
	if (l->prog > 0 && WIFSIGNALED(l->status))
		rn_die_like(WTERMSIG(l->status));
	return l->rc;
}

int rn_launch(const struct rn_opts *o)
{
	char lib[PATH_MAX], dir[PATH_MAX], pre[PATH_MAX + 32];
	struct rn_elf elf = { 0 };
	struct rn_launch_st l = { .o = o, .dir = dir, .ctl_w = -1, .rc = 1 };
	rn_signals_setup();
	if (rn_find_lib(lib, sizeof lib))
		return 1;
	if (rn_make_session(dir, sizeof dir)) {
		fprintf(stderr, "renacer: cannot create a session directory: %s\n", strerror(errno));
		return 1;
	}
	/* -o '|cmd': the command starts now, a child of ours, before
	 * anything is traced */
	if (rn_open_output(&l.output, o)) {
		rmdir(dir);
		exit(2);
	}
	l.out = l.output.f;
	rn_launch_prepare(o, dir, lib, pre, sizeof pre, &elf);
	l.exporter = rn_start_exporter(o, dir, l.out, &l.ctl_w);
	if (l.exporter < 0) {
		rn_remove_session(dir);
		return 1;
	}
	l.prog = rn_start_program(o, dir, pre, elf.asan, l.ctl_w);
	if (l.prog > 0 && elf.is_elf && (elf.is_static || elf.is_32))
		rn_note_untraced(&l, &elf);
	if (l.prog < 0) {
		l.prog_done = 1;
		close(l.ctl_w);
		l.ctl_w = -1;
	} else {
		dprintf(l.ctl_w, "root %d\n", (int)l.prog);
	}
	rn_wait_exporter(&l);
	rn_wait_program(&l);
	return rn_launch_end(&l);
}

int rn_daemon(const struct rn_opts *o)
{
	struct sigaction sa = { .sa_handler = rn_on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed output is an error, not a death */
	signal(SIGXFSZ, SIG_IGN);	/* a full trace file is a write error */
	/* a service: its directory may not exist yet (systemd's
	 * RuntimeDirectory= makes it; by hand, we do, private) */
	if (o->daemon && mkdir(o->session_dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "renacer: --session-dir: cannot create '%s': %s\n", o->session_dir,
			strerror(errno));
		exit(2);
	}
	struct rn_output output;
	if (rn_open_output(&output, o))
		exit(2);
	int rc = rn_run(o, o->session_dir, output.f, -1, &rn_stop);
	char why[512];
	if (rn_output_close(&output, why, sizeof why)) {
		fprintf(stderr, "renacer: %s\n", why);
		rc = rc ? rc : 1;
	}
	return rc;
}
