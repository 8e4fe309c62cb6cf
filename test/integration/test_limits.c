/* test_limits.c: renacer's own memory and files never raise a signal or an
 * allocation failure in the traced program. Each test runs a program
 * untraced and traced under the same limit (a 64 MiB /dev/shm in a private
 * mount namespace, ulimit -f, ulimit -v, RLIMIT_NOFILE) and checks what a
 * user sees: the same output and exit status, and a trace that is complete
 * or names every process it could not trace ("renacer: pid N not
 * traced: why"). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

#define RN RN_EXPORTER
#define PROG(name) RN_PROGS_DIR "/" name

/* Runs 'sh -c cmd' with one resource limit set (resource < 0: none), its
 * stdout, stderr and fd 3 read through pipes (so a file size limit
 * applies to the program, not to what the test captures), killed after
 * 120 s. */
static struct out run_limited(const char *cmd, int resource, rlim_t limit)
{
	int p[3][2];
	for (int i = 0; i < 3; i++)
		cr_assert_eq(pipe(p[i]), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		for (int i = 0; i < 3; i++) {
			dup2(p[i][1], i + 1);
			close(p[i][0]);
			if (p[i][1] > 3)
				close(p[i][1]);
		}
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		if (resource >= 0) {
			struct rlimit rl;
			getrlimit(resource, &rl);
			rl.rlim_cur = limit;
			if (setrlimit(resource, &rl))
				_exit(126);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	char *buf[3] = { NULL, NULL, NULL };
	size_t len[3] = { 0, 0, 0 }, cap[3] = { 0, 0, 0 };
	struct pollfd pf[3];
	for (int i = 0; i < 3; i++) {
		close(p[i][1]);
		pf[i] = (struct pollfd){ p[i][0], POLLIN, 0 };
	}
	time_t deadline = time(NULL) + 120;
	int open_ = 3;
	while (open_) {
		int left = (int)(deadline - time(NULL));
		if (left <= 0) {
			kill(pid, SIGKILL);
			cr_assert_fail("timed out: %s", cmd);
		}
		if (poll(pf, 3, left * 1000) <= 0)
			continue;
		for (int i = 0; i < 3; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			if (len[i] + 65536 > cap[i])
				buf[i] = realloc(buf[i], cap[i] = cap[i] * 2 + 65536);
			ssize_t n = read(pf[i].fd, buf[i] + len[i], cap[i] - len[i] - 1);
			if (n > 0) {
				len[i] += (size_t)n;
			} else if (n == 0 || errno != EINTR) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_--;
			}
		}
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		cr_assert_eq(errno, EINTR);
	struct out o = { WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), NULL, NULL, NULL, 0 };
	char **dst[3] = { &o.so, &o.se, &o.tr };
	for (int i = 0; i < 3; i++) {
		if (!buf[i])
			buf[i] = malloc(1);
		buf[i][len[i]] = '\0';
		*dst[i] = buf[i];
	}
	return o;
}

static struct out run(const char *cmd)
{
	return run_limited(cmd, -1, 0);
}

/* The first number matched by the first group of re in text, or -1. */
static long long grab(const char *text, const char *re)
{
	regex_t r;
	regmatch_t m[2];
	cr_assert_eq(regcomp(&r, re, REG_EXTENDED | REG_NEWLINE), 0, "%s", re);
	long long v = -1;
	if (regexec(&r, text, 2, m, 0) == 0)
		v = atoll(text + m[1].rm_so);
	regfree(&r);
	return v;
}

/* What the -c output says: calls of one syscall, records lost, and the
 * processes (not threads) named as not traced. */
static long long summary_calls(const char *tr, const char *name)
{
	char re[128];
	snprintf(re, sizeof re, "^ *[0-9.]+ +[0-9.]+ +[0-9]+ +([0-9]+) .* %s$", name);
	long long v = grab(tr, re);
	return v < 0 ? 0 : v;
}

static long long lost_of(const char *tr)
{
	long long v = grab(tr, "^renacer: ([0-9]+) events lost");
	return v < 0 ? 0 : v;
}

Test(limits, small_dev_shm_many_processes_never_sigbus)
{
	/* Docker's default: a 64 MiB /dev/shm. 48 processes of 4 threads,
	 * all at once, each thread making enough calls (five slots each) to
	 * fill a 1 MiB ring: 90 MiB of rings if every one were used whole. */
	struct out probe = run("unshare -m --propagation private true");
	if (probe.status)
		cr_skip_test("unshare -m is not permitted here: %s", probe.se);
	const unsigned procs = 48, threads = 4, calls = 1500;
	char args[64];
	snprintf(args, sizeof args, "%u %u %u", procs, threads, calls);
	char *cmd;
	cr_assert(asprintf(&cmd, PROG("shmload") " %s", args) > 0);
	struct out n = run(cmd);
	free(cmd);
	cr_assert_eq(n.status, 0, "untraced: %s", n.so);
	cr_assert(asprintf(&cmd,
			   "unshare -m --propagation private sh -c '"
			   "mount -t tmpfs -o size=64m tmpfs /dev/shm || exit 99; "
			   RN " -c -e trace=openat -o /dev/fd/3 -- " PROG("shmload") " %s; "
			   "st=$?; echo left=$(ls -A /dev/shm | wc -l) >&2; exit $st'",
			   args) > 0);
	struct out t = run(cmd);
	free(cmd);
	cr_assert_neq(t.status, 99, "cannot mount a tmpfs: %s", t.se);
	cr_assert_str_eq(t.so, n.so, "killed processes (SIGBUS) change the output: %s", t.so);
	cr_assert_eq(t.status, n.status);
	cr_assert(strstr(t.se, "left=0"), "session left in /dev/shm: %s", t.se);
	/* every call is in the trace or counted as lost, except those of
	 * processes the trace names as not traced */
	long long made = (long long)procs * threads * calls;
	long long seen = summary_calls(t.tr, "openat"), lost = lost_of(t.tr);
	long long untraced = grab(t.tr, "^renacer: ([0-9]+) processes or threads not traced");
	unsigned named = count_of(t.tr, " not traced: ");
	unsigned named_procs = named - count_of(t.tr, " thread ");
	cr_assert(untraced < 0 || (unsigned long long)untraced == named,
		  "more not-traced notes than the summary lists: %s", t.tr);
	cr_assert_eq(seen + lost, made - (long long)named_procs * threads * calls,
		     "calls made %lld, seen %lld, lost %lld, processes not traced %u:\n%s", made, seen,
		     lost, named_procs, t.tr);
	cr_assert_gt(seen, 0, "%s", t.tr);
}

/* The same commands untraced and traced (text trace on fd 3) under
 * RLIMIT_FSIZE = bytes. */
static void same_under_fsize(rlim_t bytes, struct out *n, struct out *t)
{
	const char *prog = "sh -c \"echo out; cat /dev/null; ls /nonexistent-limits 2>&1; "
			   "sh -c \\\"head -c 600 /dev/zero | wc -c\\\"; exit 3\"";
	*n = run_limited(prog, RLIMIT_FSIZE, bytes);
	char *cmd;
	cr_assert(asprintf(&cmd, RN " -e trace=openat,exit_group -o /dev/fd/3 -- %s", prog) > 0);
	*t = run_limited(cmd, RLIMIT_FSIZE, bytes);
	free(cmd);
	cr_assert_eq(n->status, 3, "untraced: %s", n->se);
	cr_assert_eq(t->status, n->status, "SIGXFSZ is status 153: %d, %s", t->status, t->se);
	cr_assert_str_eq(t->so, n->so);
	cr_assert_str_eq(t->se, n->se);
}

Test(limits, ulimit_f_never_sigxfsz)
{
	struct out n, t;
	/* ulimit -f 1000: an arena with shorter rings fits; all is traced */
	same_under_fsize(1000 * 1024, &n, &t);
	cr_assert_eq(count_of(t.tr, "not traced"), 0, "%s", t.tr);
	cr_assert_eq(count_of(t.tr, "\"/dev/null\""), 1, "cat's open: %s", t.tr);
	cr_assert(strstr(t.tr, "+++ exited with 3 +++"), "%s", t.tr);
	/* ulimit -f 1: no arena fits; every process runs untraced, named */
	same_under_fsize(1024, &n, &t);
	cr_assert_geq(count_of(t.tr, "not traced: cannot create arena: File too large"), 4,
		      "sh, cat, ls, sh (and head, wc): %s", t.tr);
	cr_assert_eq(count_of(t.tr, "openat("), 0, "%s", t.tr);
}

Test(limits, ulimit_v_just_above_the_untraced_peak)
{
	/* what the program needs untraced, then a limit 2 MiB above it:
	 * renacer's share (its library and a one-ring arena) must fit */
	char peak[] = "/tmp/rn-limits-pXXXXXX";
	close(mkstemp(peak));
	char *cmd;
	cr_assert(asprintf(&cmd, "exec " PROG("vmfit") " 64 %s", peak) > 0);
	struct out n = run(cmd);
	free(cmd);
	cr_assert_eq(n.status, 0, "%s", n.so);
	FILE *f = fopen(peak, "r");
	long kb = 0;
	int got = f && fscanf(f, "%ld", &kb) == 1;
	if (f)
		fclose(f);
	unlink(peak);
	cr_assert(got && kb > 64 * 1024, "VmPeak %ld kB", kb);
	long limit = kb + 2048;
	char *prog;
	cr_assert(asprintf(&prog, "sh -c \"ulimit -v %ld; exec " PROG("vmfit") " 64\"", limit) > 0);
	n = run(prog);
	cr_assert(asprintf(&cmd, RN " -e trace=exit_group -o /dev/fd/3 -- %s", prog) > 0);
	struct out t = run(cmd);
	free(cmd);
	free(prog);
	cr_assert_eq(n.status, 0, "untraced at %ld kB: %s", limit, n.so);
	cr_assert_str_eq(t.so, n.so, "traced at %ld kB (untraced peak %ld kB)", limit, kb);
	cr_assert_eq(t.status, n.status);
	cr_assert_eq(count_of(t.tr, "not traced"), 0, "%s", t.tr);
	cr_assert(strstr(t.tr, "exit_group(0)"), "vmfit traced to its end: %s", t.tr);
}

Test(limits, fork_at_rlimit_nofile_names_the_untraced_child)
{
	struct out n = run(PROG("nofile_fork"));
	cr_assert_eq(n.status, 0, "%s", n.se);
	struct out t = run(RN " -e trace=fork,clone,clone3,openat -o /dev/fd/3 -- " PROG("nofile_fork"));
	cr_assert_eq(t.status, n.status, "%s", t.se);
	cr_assert_str_eq(t.so, n.so);
	long long child = grab(t.tr, "^clone\\(\\) += ([0-9]+)$");
	cr_assert_gt(child, 0, "the fork is traced: %s", t.tr);
	char line[128];
	snprintf(line, sizeof line, "renacer: pid %lld not traced: cannot create arena: Too many open files",
		 child);
	cr_assert(strstr(t.tr, line), "%s", t.tr);
	cr_assert_eq(count_of(t.tr, "nofile-child"), 0, "%s", t.tr);
}

Test(limits, not_traced_is_a_status_figure)
{
	/* an exporter on its own directory; the program at RLIMIT_NOFILE
	 * forks twice: --status counts both children as untraced */
	char dir[] = "/tmp/rn-limits-sXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *cmd;
	cr_assert(asprintf(&cmd,
			   RN " --session-dir %s -c -o /dev/fd/3 & exporter=$!; "
			   "LD_PRELOAD=" RN_LIBRENACER " RENACER_SESSION_DIR=%s " PROG("nofile_fork") "; "
			   "LD_PRELOAD=" RN_LIBRENACER " RENACER_SESSION_DIR=%s " PROG("nofile_fork") "; "
			   "n=0; until " RN " --status %s | grep -q '\"untraced\":2'; do "
			   "[ $n -gt 1000 ] && break; sleep 0.01; n=$((n+1)); done; " RN " --status %s; "
			   "kill -TERM $exporter; wait $exporter",
			   dir, dir, dir, dir, dir) > 0);
	struct out o = run(cmd);
	free(cmd);
	char sock[64];
	snprintf(sock, sizeof sock, "%s/control", dir);
	unlink(sock);	/* the daemon's control socket */
	rmdir(dir);
	cr_assert(strstr(o.so, "\"untraced\":2"), "%s / %s", o.so, o.se);
	cr_assert_eq(count_of(o.tr, "not traced: cannot create arena: Too many open files"), 2, "%s",
		     o.tr);
	cr_assert(strstr(o.tr, "renacer: 2 processes or threads not traced"), "%s", o.tr);
}
