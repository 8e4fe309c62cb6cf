/* test_launcher.c: renacer-run behaves like the shell running the program
 * itself: the program inherits the dispositions and signal mask renacer-run
 * was given, gets the signals sent to renacer-run, and renacer-run ends as
 * the program did; a closed stderr pipe or a kill -9 of renacer-run leaves
 * no session directory behind; the default OTLP file is private, appears
 * only after the program started and follows no planted link. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

#define RN RN_EXPORTER
#define PROG(name) RN_PROGS_DIR "/" name

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits until path exists (want 1) or is gone (want 0); 0 on time out. */
static int wait_path(const char *path, int want, int timeout_ms)
{
	for (long long end = now_ms() + timeout_ms; now_ms() < end; usleep(10000))
		if ((access(path, F_OK) == 0) == want)
			return 1;
	return (access(path, F_OK) == 0) == want;
}

/* Waits for pid with a time limit; kills it with SIGKILL when it is over
 * (then returns -1). */
static int wait_child(pid_t pid, int timeout_ms)
{
	int st;
	for (long long end = now_ms() + timeout_ms; now_ms() < end; usleep(10000)) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return st;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* How the child is started: dispositions and mask as a shell (or nohup)
 * would leave them, output to files. */
struct how {
	const int *ignore;	/* 0-terminated */
	const int *block;	/* 0-terminated */
	const char *out, *err;	/* NULL: /dev/null */
	const char *cwd;
	const char *plant_otlp_link;	/* symlink renacer-<pid>.otlp.jsonl to this */
};

static pid_t start(char *const argv[], const struct how *h)
{
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid)
		return pid;
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	sigset_t m;
	sigemptyset(&m);
	for (const int *s = h->block; s && *s; s++)
		sigaddset(&m, *s);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	for (const int *s = h->ignore; s && *s; s++)
		signal(*s, SIG_IGN);
	sigprocmask(SIG_SETMASK, &m, NULL);
	int in = open("/dev/null", O_RDONLY);
	int out = open(h->out ? h->out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int err = open(h->err ? h->err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(120);
	if (h->cwd && chdir(h->cwd))
		_exit(121);
	if (h->plant_otlp_link) {
		char name[64];
		snprintf(name, sizeof name, "renacer-%d.otlp.jsonl", (int)getpid());
		if (symlink(h->plant_otlp_link, name))
			_exit(122);
	}
	execv(argv[0], argv);
	_exit(127);
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/rn-launch-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	return d;
}

static char *path_in(const char *dir, const char *name)
{
	char *p;
	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void rm_tree(const char *dir)
{
	char *cmd;
	cr_assert(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

/* ------------------------------------------------------------- signals */

/* sigdisp's report, run alone and under renacer-run, started the same way */
static void same_dispositions(const struct how *h0)
{
	char *d = tmpdir();
	struct how h = *h0;
	h.out = path_in(d, "plain");
	char *plain[] = { PROG("sigdisp"), NULL };
	cr_assert_eq(wait_child(start(plain, &h), 30000), 0);
	h.out = path_in(d, "traced");
	char *traced[] = { RN, "-o", "/dev/null", "--", PROG("sigdisp"), NULL };
	cr_assert_eq(wait_child(start(traced, &h), 30000), 0);
	char *a = slurp(path_in(d, "plain")), *b = slurp(path_in(d, "traced"));
	cr_assert(a && b && *a);
	cr_assert_str_eq(b, a, "traced:\n%s\nalone:\n%s", b, a);
	rm_tree(d);
}

Test(launcher, inherited_ignored_signals_and_mask_reach_the_program)
{
	/* nohup and a shell's background jobs: SIGINT/SIGQUIT (and SIGHUP)
	 * ignored; a blocked mask passed on by the parent */
	const int ign[] = { SIGINT, SIGQUIT, 0 }, blk[] = { SIGUSR1, SIGTERM, 0 };
	same_dispositions(&(struct how){ .ignore = ign, .block = blk });
	const int ign2[] = { SIGHUP, SIGPIPE, SIGCHLD, SIGTERM, 0 }, blk2[] = { SIGINT, SIGPIPE, 0 };
	same_dispositions(&(struct how){ .ignore = ign2, .block = blk2 });
	same_dispositions(&(struct how){ 0 });
}

static void signal_reaches_program(int sig)
{
	char *d = tmpdir();
	char *ready = path_in(d, "ready"), *out = path_in(d, "out");
	char *argv[] = { RN, "-o", "/dev/null", "--", PROG("sigreport"), ready, NULL };
	pid_t pid = start(argv, &(struct how){ .out = out });
	cr_assert(wait_path(ready, 1, 30000), "the program did not start");
	cr_assert_eq(kill(pid, sig), 0);
	int st = wait_child(pid, 30000);
	cr_assert_neq(st, -1, "%s: renacer-run did not end (the program never got it)", strsignal(sig));
	char *said = slurp(out), want[64];
	snprintf(want, sizeof want, "got %s\n", strsignal(sig));
	cr_assert_str_eq(said, want);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == sig,
		  "renacer-run ends as the program did (killed by %s), not with status %d",
		  strsignal(sig), WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
	rm_tree(d);
}

Test(launcher, sigint_to_renacer_run_reaches_the_program)
{
	signal_reaches_program(SIGINT);
}

Test(launcher, sigterm_to_renacer_run_reaches_the_program)
{
	signal_reaches_program(SIGTERM);
}

Test(launcher, sighup_to_renacer_run_reaches_the_program)
{
	signal_reaches_program(SIGHUP);
}

Test(launcher, sigquit_to_renacer_run_reaches_the_program)
{
	signal_reaches_program(SIGQUIT);
}

Test(launcher, a_signal_after_the_program_ended_stops_waiting_for_what_it_left)
{
	/* the program exits 3, leaving a child that ignores the signals and
	 * waits: renacer-run waits for it, until it is told to stop */
	char *d = tmpdir(), *cmd;
	char *info = path_in(d, "info"), *go = path_in(d, "go"), *done = path_in(d, "done");
	char *shpid = path_in(d, "shpid");
	cr_assert(asprintf(&cmd, "echo $$ >%s; (trap \"\" INT TERM HUP; exec %s %s %s %s) & exit 3",
			   shpid, PROG("waitgo"), info, go, done) > 0);
	char *argv[] = { RN, "-o", "/dev/null", "--", "/bin/sh", "-c", cmd, NULL };
	pid_t pid = start(argv, &(struct how){ 0 });
	cr_assert(wait_path(info, 1, 30000), "the program did not start");
	/* the signal is for after the program ended: wait until renacer-run
	 * has reaped it (before that, it goes to the program) */
	char *text = slurp(shpid), proc[64];
	snprintf(proc, sizeof proc, "/proc/%d", atoi(text));
	free(text);
	cr_assert(wait_path(proc, 0, 30000), "the program did not end");
	cr_assert_eq(kill(pid, SIGTERM), 0);
	int st = wait_child(pid, 20000);
	close(open(go, O_WRONLY | O_CREAT, 0600));
	cr_assert(wait_path(done, 1, 30000), "the left child was harmed");
	cr_assert_neq(st, -1, "renacer-run kept waiting after SIGTERM");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %d", st);
	free(shpid);
	rm_tree(d);
}

static void assert_session_removed(const char *marker)
{
	char *dir = slurp(marker);
	cr_assert(dir && *dir == '/', "no session directory in %s: %s", marker, dir ? dir : "");
	*strchr(dir, '\n') = '\0';
	cr_assert(wait_path(dir, 0, 30000), "session directory %s left behind", dir);
}

Test(launcher, a_closed_stderr_pipe_harms_neither_renacer_run_nor_the_program)
{
	char *d = tmpdir(), *cmd;
	cr_assert(asprintf(&cmd,
			   "cd %s && timeout -s KILL 60 bash -c '(" RN " -- " PROG("pipereader")
			   " marker; echo $? >rc) 2>&1 | head -2 >/dev/null'",
			   d) > 0);
	cr_assert_eq(system(cmd), 0);
	char *rc = slurp(path_in(d, "rc"));
	cr_assert_not_null(rc);
	cr_assert_str_eq(rc, "0\n", "renacer-run did not exit like the program");
	assert_session_removed(path_in(d, "marker"));
	rm_tree(d);
}

Test(launcher, killed_renacer_run_leaves_no_session_directory)
{
	char *d = tmpdir();
	char *info = path_in(d, "info"), *go = path_in(d, "go"), *done = path_in(d, "done");
	char *trace = path_in(d, "trace");
	char *argv[] = { RN, "-e", "trace=openat", "-o", trace, "--", PROG("waitgo"), info, go,
			 done, NULL };
	pid_t pid = start(argv, &(struct how){ 0 });
	cr_assert(wait_path(info, 1, 30000), "the program did not start");
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(wait_child(pid, 30000), SIGKILL);
	close(open(go, O_WRONLY | O_CREAT, 0600));
	cr_assert(wait_path(done, 1, 30000), "the program did not go on without renacer-run");
	assert_session_removed(info);
	/* the exporter drained what the program wrote before it cleaned up */
	char *t = slurp(trace);
	cr_assert_eq(count_of(t, "\"/dev/null\""), 100, "%s", t);
	rm_tree(d);
}

/* ------------------------------------------------------- the OTLP file */

/* the one renacer-*.otlp.jsonl regular file in dir, or NULL */
static char *otlp_file_in(const char *dir)
{
	DIR *dp = opendir(dir);
	cr_assert_not_null(dp);
	char *found = NULL;
	struct dirent *e;
	struct stat st;
	while ((e = readdir(dp))) {
		size_t n = strlen(e->d_name);
		if (strncmp(e->d_name, "renacer-", 8) || n < 19 || strcmp(e->d_name + n - 11, ".otlp.jsonl"))
			continue;
		char *p = path_in(dir, e->d_name);
		cr_assert_eq(lstat(p, &st), 0);
		if (S_ISREG(st.st_mode)) {
			cr_assert_null(found, "two OTLP files: %s and %s", found, p);
			found = p;
		}
	}
	closedir(dp);
	return found;
}

Test(otlp_file, default_file_is_private_and_unseen_by_the_program)
{
	char *d = tmpdir(), *w = path_in(d, "cwd");
	cr_assert_eq(mkdir(w, 0755), 0);
	char *out = path_in(d, "out"), *err = path_in(d, "err");
	char *argv[] = { RN, "--", PROG("lscwd"), NULL };
	int st = wait_child(start(argv, &(struct how){ .out = out, .err = err, .cwd = w }), 30000);
	cr_assert_eq(st, 0, "%s", slurp(err));
	cr_assert_str_eq(slurp(out), "", "the program saw a file of renacer's in its cwd");
	char *f = otlp_file_in(w);
	cr_assert_not_null(f, "no OTLP file: %s", slurp(err));
	struct stat sb;
	cr_assert_eq(stat(f, &sb), 0);
	cr_assert_eq(sb.st_mode & 077, 0, "%s has mode %o", f, sb.st_mode & 0777);
	cr_assert_gt(sb.st_size, 0);
	cr_assert(strstr(slurp(err), f), "stderr names the file: %s", slurp(err));
	rm_tree(d);
}

Test(otlp_file, a_planted_link_at_the_default_name_is_not_followed)
{
	char *d = tmpdir(), *w = path_in(d, "cwd"), *target = path_in(d, "precious");
	cr_assert_eq(mkdir(w, 0755), 0);
	FILE *t = fopen(target, "w");
	fputs("precious\n", t);
	fclose(t);
	char *out = path_in(d, "out"), *err = path_in(d, "err");
	char *argv[] = { RN, "--", PROG("lscwd"), NULL };
	pid_t pid = start(argv, &(struct how){ .out = out, .err = err, .cwd = w, .plant_otlp_link = target });
	int st = wait_child(pid, 30000);
	cr_assert_eq(st, 0, "%s", slurp(err));
	cr_assert_str_eq(slurp(target), "precious\n", "the link was followed");
	char name[64];
	snprintf(name, sizeof name, "renacer-%d.otlp.jsonl", (int)pid);
	struct stat sb;
	cr_assert_eq(lstat(path_in(w, name), &sb), 0);
	cr_assert(S_ISLNK(sb.st_mode), "the planted link was replaced");
	char *f = otlp_file_in(w);
	cr_assert_not_null(f, "no OTLP file under another name: %s", slurp(err));
	cr_assert_eq(stat(f, &sb), 0);
	cr_assert_eq(sb.st_mode & 077, 0, "%s has mode %o", f, sb.st_mode & 0777);
	cr_assert(strstr(slurp(err), f), "stderr names the file: %s", slurp(err));
	rm_tree(d);
}

/* ----------------------------------------------------- other processes */

/* runs argv alone and under renacer-run (trace to a file): same stdout,
 * same stderr byte for byte, same status; returns the trace */
static char *same_run(char *const prog[], const char *env_lib)
{
	char *d = tmpdir();
	struct how h = { .out = path_in(d, "o1"), .err = path_in(d, "e1") };
	int st1 = wait_child(start(prog, &h), 30000);
	char *argv[16] = { RN, "-o", path_in(d, "trace"), "--" };
	unsigned n = 4;
	for (unsigned i = 0; prog[i] && n < 15; i++)
		argv[n++] = prog[i];
	argv[n] = NULL;
	if (env_lib)
		setenv("RENACER_LIB", env_lib, 1);
	h.out = path_in(d, "o2");
	h.err = path_in(d, "e2");
	int st2 = wait_child(start(argv, &h), 30000);
	unsetenv("RENACER_LIB");
	char *o1 = slurp(path_in(d, "o1")), *o2 = slurp(path_in(d, "o2"));
	char *e1 = slurp(path_in(d, "e1")), *e2 = slurp(path_in(d, "e2"));
	cr_assert_eq(st2, st1, "status %d traced, %d alone; stderr: %s", st2, st1, e2);
	cr_assert_str_eq(o2, o1);
	cr_assert_str_eq(e2, e1, "the program's stderr changed under renacer-run");
	char *t = slurp(path_in(d, "trace"));
	rm_tree(d);
	return t;
}

Test(other, an_asan_program_runs_unchanged_and_traced)
{
	char *prog[] = { PROG("asanprog"), NULL };
	char *t = same_run(prog, NULL);
	cr_assert(strstr(t, "\"/dev/null\""), "not traced: %s", t);
}

Test(other, a_32_bit_program_keeps_its_stderr_and_is_noted)
{
	/* libc.so.6 of libc6-i386 is a runnable 32-bit program (it prints its
	 * version), needing no 32-bit compiler */
	if (access("/lib32/libc.so.6", X_OK))
		cr_skip_test("no 32-bit libc here (package libc6-i386)");
	char *prog[] = { "/lib32/libc.so.6", NULL };
	char *t = same_run(prog, NULL);
	cr_assert_eq(count_of(t, "32-bit program, not traced\n"), 1, "%s", t);
	/* started by a traced program with an emptied environment: the exec
	 * wrapper puts LD_PRELOAD back, and must put back the $LIB form */
	char *sh[] = { "/bin/sh", "-c", "env -i /lib32/libc.so.6", NULL };
	t = same_run(sh, NULL);
	cr_assert(strstr(t, "exit_group"), "%s", t);
}

Test(other, a_library_path_with_a_space_keeps_stderr_clean)
{
	char *d = tmpdir(), *sp = path_in(d, "with space"), *cmd;
	cr_assert_eq(mkdir(sp, 0755), 0);
	cr_assert(asprintf(&cmd, "cp '%s' '%s/'", RN_LIBRENACER, sp) > 0);
	cr_assert_eq(system(cmd), 0);
	char *lib = path_in(sp, "librenacer.so");
	char *prog[] = { PROG("asanprog"), NULL };
	char *t = same_run(prog, lib);
	cr_assert(strstr(t, "\"/dev/null\""), "not traced: %s", t);
	rm_tree(d);
}

Test(other, a_static_program_is_noted_once)
{
	char *prog[] = { PROG("sigdisp_static"), NULL };
	char *t = same_run(prog, NULL);
	cr_assert_eq(count_of(t, "statically linked, not traced\n"), 1, "%s", t);
	cr_assert_eq(strncmp(t, "renacer: pid ", 13), 0, "%s", t);
}

/* The launcher's checks, for every image a traced program starts: a
 * static or 32-bit image runs untraced and unchanged with one note, an
 * ASan image gets its runtime first and is traced; whether it is exec'd
 * (by path or through a PATH search) or spawned, or started by a shell. */
Test(other, images_a_traced_program_starts_are_checked_like_the_launched_one)
{
	const char *modes[] = { "execve", "execvp", "spawn", "spawnp", "sh" };
	struct {
		const char *dir, *name, *note;	/* note: NULL for a traced image */
	} tg[] = {
		{ RN_PROGS_DIR, "sigdisp_static", "not traced: statically linked\n" },
		{ RN_PROGS_DIR, "asanprog", NULL },
		{ "/lib32", "libc.so.6", "not traced: 32-bit program\n" },
	};
	char *path0 = strdup(getenv("PATH"));
	for (unsigned t = 0; t < sizeof tg / sizeof *tg; t++) {
		char full[512], *path;
		snprintf(full, sizeof full, "%s/%s", tg[t].dir, tg[t].name);
		if (access(full, X_OK)) {
			fprintf(stderr, "skipped: no %s\n", full);
			continue;
		}
		cr_assert(asprintf(&path, "%s:%s", tg[t].dir, path0) > 0);
		setenv("PATH", path, 1);	/* the PATH searches find the target */
		for (unsigned m = 0; m < sizeof modes / sizeof *modes; m++) {
			int search = m == 1 || m == 3;
			char cmd[600];
			snprintf(cmd, sizeof cmd, "%s >/dev/null", full);
			char *ex[] = { PROG("execcheck"), (char *)modes[m],
				       search ? (char *)tg[t].name : full, NULL };
			char *sh[] = { "/bin/sh", "-c", cmd, NULL };
			char *tr = same_run(m == 4 ? sh : ex, NULL);
			if (!tg[t].note)
				cr_assert(strstr(tr, "\"/dev/null\"") && !strstr(tr, "not traced"),
					  "%s by %s:\n%s", tg[t].name, modes[m], tr);
			else
				cr_assert_eq(count_of(tr, tg[t].note), 1, "%s by %s:\n%s", tg[t].name,
					     modes[m], tr);
			/* a recorded exec of an untraced image succeeded: "= 0" */
			if (tg[t].note && m < 2)
				cr_assert(!matches(tr, "execve\\(.*= \\?$"), "%s by %s:\n%s",
					  tg[t].name, modes[m], tr);
		}
		setenv("PATH", path0, 1);
		free(path);
	}
	free(path0);
}

/* A root without the library: after chroot(2) a traced program execs (or
 * spawns) a dynamic program that exists in the new root. The loader would
 * print "ERROR: ld.so: object ... cannot be preloaded" on the program's
 * stderr: our LD_PRELOAD entry is dropped for that image, and the trace
 * says it is not traced (chroot(1)'s own way: chroot, then exec). */
Test(other, a_chroot_without_the_library_keeps_stderr_and_is_noted)
{
	if (geteuid() != 0)
		cr_skip_test("chroot needs root");
	char *d = tmpdir(), *root = path_in(d, "root"), *cmd;
	cr_assert(asprintf(&cmd, "mkdir -p '%s' && cp -L --parents /bin/echo $(ldd /bin/echo | "
			   "grep -o '/[^ ]*') '%s'", root, root) > 0);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	const char *modes[] = { "execve", "spawn" };
	for (unsigned m = 0; m < 2; m++) {
		char *prog[] = { PROG("execcheck"), "chroot", root, (char *)modes[m], "/bin/echo",
				 "in the root", NULL };
		char *t = same_run(prog, NULL);
		if (m == 0)	/* the exec'ing process says it from its own arena */
			cr_assert_eq(count_of(t, "not traced: the library cannot be reached (chroot"), 1,
				     "%s:\n%s", modes[m], t);
	}
	rm_tree(d);
}

/* The children a traced process starts in a root without the library:
 * a posix_spawn child and a vfork child that execs. Neither can reach the
 * library nor make a note file (the session is outside the root): the
 * parent, the nearest traced ancestor, says it in its own ring. */
Test(other, spawned_and_vforked_children_in_a_chroot_are_noted)
{
	if (geteuid() != 0)
		cr_skip_test("chroot needs root");
	char *d = tmpdir(), *root = path_in(d, "root"), *cmd;
	cr_assert(asprintf(&cmd, "mkdir -p '%s' && cp -L --parents /bin/echo $(ldd /bin/echo | "
			   "grep -o '/[^ ]*') '%s'", root, root) > 0);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	const char *modes[] = { "spawn", "vfork" };
	for (unsigned m = 0; m < 2; m++) {
		char *prog[] = { PROG("execcheck"), "chroot", root, (char *)modes[m], "/bin/echo",
				 "in the root", NULL };
		char *t = same_run(prog, NULL);
		cr_assert_eq(count_of(t, "not traced: the library cannot be reached (chroot"), 1,
			     "%s:\n%s", modes[m], t);
		cr_assert_eq(count_of(t, "1 processes or threads not traced"), 1, "%s", t);
	}
	rm_tree(d);
}

/* The same class: a program that drops its privileges and execs, when
 * its new user may not read the library in the launcher's private
 * session (setpriv, su, a daemon's privilege drop). */
Test(other, a_user_who_may_not_read_the_library_keeps_stderr_and_is_noted)
{
	if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK))
		cr_skip_test("needs root and setpriv");
	char *prog[] = { "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
			 "/bin/echo", "as nobody", NULL };
	char *t = same_run(prog, NULL);
	cr_assert_eq(count_of(t, "not traced: the library cannot be reached (chroot, or a user"), 1,
		     "%s", t);
}
