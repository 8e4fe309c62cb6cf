/* test_procs.c: however a process or thread comes to be and ends, it is
 * traced into a ring of its own and its end is seen: a thread that execs,
 * children made without fork() (_Fork, clone, raw syscalls), a handler
 * that siglongjmps out of a traced call, and a tree in a child pid
 * namespace. Each test runs the hostile program untraced and traced. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

#define RN RN_EXPORTER
#define TXT " -o /dev/fd/3"
#define PROG(p) RN_PROGS_DIR "/" p

/* 137 is timeout's SIGKILL: renacer-run waited for an end it never saw */
#define ASSERT_RETURNED(o) cr_assert_neq((o).status, 137, "renacer-run never returned: %s", (o).se)

Test(procs, a_thread_that_execs_ends_its_image_and_its_exec_is_shown)
{
	const char *modes[] = { "", " raw", " fail" };
	for (unsigned m = 0; m < 3; m++) {
		char cmd[512];
		snprintf(cmd, sizeof cmd, PROG("threadexec") "%s", modes[m]);
		struct out u = sh(cmd);
		snprintf(cmd, sizeof cmd, RN TXT " -- " PROG("threadexec") "%s", modes[m]);
		struct out t = sh(cmd);
		ASSERT_RETURNED(t);
		cr_assert_eq(t.status, u.status, "%s: %d vs %d: %s", cmd, t.status, u.status, t.se);
		cr_assert_str_eq(t.so, u.so, "%s", cmd);
		cr_assert_str_eq(u.so, "before exec\nafter exec from a thread\n");
		if (m == 0)	/* the libc exec is the shim's to record */
			cr_assert(matches(t.tr, "execve\\(\"/bin/echo\", \\[\"/bin/echo\", \"after exec"),
				  "exec line missing: %s", t.tr);
		if (m == 2)	/* a failed exec: the thread goes on and is seen */
			cr_assert(matches(t.tr, "execve\\(\"/nonexistent/renacer-threadexec\", .* = -1 ENOENT"),
				  "%s", t.tr);
		cr_assert(matches(t.tr, "\\+\\+\\+ exited with 0 \\+\\+\\+"), "%s", t.tr);
		cr_assert_eq(count_of(t.se, "renacer"), 0, "%s", t.se);
	}
}

/* a close line's start, whole or the second half of a call other
 * processes' lines came in (they run beside it on another core) */
#define CLOSE "(close\\(|<\\.\\.\\. close resumed>)"

/* Lines of the text trace that match re (extended, one line each). */
static unsigned lines_matching(const char *text, const char *re)
{
	regex_t r;
	cr_assert_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0, "%s", re);
	unsigned n = 0;
	char *copy = strdup(text), *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		n += regexec(&r, l, 0, NULL, 0) == 0;
	free(copy);
	regfree(&r);
	return n;
}

Test(procs, children_made_without_fork_trace_into_rings_of_their_own)
{
	const char *modes[] = { "_Fork", "clone", "sysfork", "sysclone", "clone3" };
	for (unsigned m = 0; m < sizeof modes / sizeof *modes; m++) {
		char cmd[512];
		snprintf(cmd, sizeof cmd, PROG("rawfork") " %s", modes[m]);
		struct out u = sh(cmd);
		cr_assert_eq(u.status, 0, "%s untraced: %d", modes[m], u.status);
		snprintf(cmd, sizeof cmd, RN TXT " -e trace=close -- " PROG("rawfork") " %s", modes[m]);
		struct out t = sh(cmd);
		ASSERT_RETURNED(t);
		cr_assert_eq(t.status, 0, "%s traced: %d: %s", modes[m], t.status, t.se);
		int child = 0, parent = 0;
		cr_assert_eq(sscanf(t.so, "child %d\nparent %d\n", &child, &parent), 2, "%s: %s",
			     modes[m], t.so);
		char re[128];
		/* every call of the child under its own pid, none lost */
		snprintf(re, sizeof re, "^\\[pid +%d\\] " CLOSE "1[0-9]{4}\\) ", child);
		cr_assert_eq(lines_matching(t.tr, re), 300, "%s: child's calls under pid %d:\n%s",
			     modes[m], child, t.tr);
		cr_assert_eq(lines_matching(t.tr, CLOSE "1[0-9]{4}\\) "), 300, "%s", modes[m]);
		/* every call of the parent, none under the child's pid */
		cr_assert_eq(lines_matching(t.tr, CLOSE "2[0-9]{4}\\) "), 300, "%s", modes[m]);
		snprintf(re, sizeof re, "^\\[pid +%d\\] " CLOSE "2", child);
		cr_assert_eq(lines_matching(t.tr, re), 0, "%s", modes[m]);
		cr_assert_eq(count_of(t.se, "renacer"), 0, "%s: %s", modes[m], t.se);
		cr_assert_eq(count_of(t.tr, "lost"), 0, "%s: %s", modes[m], t.tr);
	}
	/* a child sharing our memory and thread (posix_spawn's way) is
	 * untraced: none of its calls lands in the parent's ring */
	struct out t = sh(RN TXT " -e trace=close -- " PROG("rawfork") " vmclone");
	ASSERT_RETURNED(t);
	cr_assert_eq(t.status, 0, "%s", t.se);
	cr_assert_eq(lines_matching(t.tr, CLOSE "1[0-9]{4}\\) "), 0, "%s", t.tr);
	cr_assert_eq(lines_matching(t.tr, CLOSE "2[0-9]{4}\\) "), 300, "%s", t.tr);
}

Test(procs, a_longjmp_out_of_a_handler_leaves_the_thread_traced)
{
	struct out u = sh(PROG("sigjump"));
	cr_assert_eq(u.status, 0);
	cr_assert_str_eq(u.so, "jumped: yes\n");
	/* the timer lands in the shim's record writes thousands of times;
	 * block, not drop, when a slow exporter lets the ring fill */
	struct out t = sh(RN TXT " --on-full=block -e trace=access,close -- " PROG("sigjump"));
	ASSERT_RETURNED(t);
	cr_assert_eq(t.status, 0, "%s", t.se);
	cr_assert_str_eq(t.so, u.so);
	cr_assert_eq(lines_matching(t.tr, "close\\(30[0-9]{3}\\) += -1 EBADF"), 100,
		     "calls after the jumps are missing: %s", t.se);
	cr_assert_gt(lines_matching(t.tr, "^access\\(\"/nonexistent/renacer-sigjump\", F_OK\\)"), 0);
	cr_assert_eq(count_of(t.se, "corrupt"), 0, "%s", t.se);
}

/* The pids the text trace shows: from "[pid N]" prefixes. */
static unsigned pids_of(const char *tr, int *pids, unsigned cap)
{
	unsigned n = 0;
	for (const char *p = tr; (p = strstr(p, "[pid ")); p += 5) {
		int pid = atoi(p + 5);
		unsigned k = 0;
		while (k < n && pids[k] != pid)
			k++;
		if (k == n && n < cap)
			pids[n++] = pid;
	}
	return n;
}

Test(procs, a_tree_in_a_pid_namespace_shows_pids_as_the_launcher_sees_them)
{
	/* two namespaces, each with its own pid 1, each a three-process tree */
	const char *prog = "unshare -pf " PROG("nstree") "; unshare -pf " PROG("nstree");
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "sh -c \"%s\"", prog);
	struct out u = sh(cmd);
	cr_assert_eq(u.status, 0, "%s", u.se);
	cr_assert_str_eq(u.so, "tree done: 0 0\ntree done: 0 0\n");
	snprintf(cmd, sizeof cmd, RN TXT " -e trace=process,close -- sh -c \"%s\"", prog);
	struct out t = sh(cmd);
	ASSERT_RETURNED(t);
	cr_assert_eq(t.status, 0, "%s", t.se);
	cr_assert_str_eq(t.so, u.so);
	/* no process of ours is pid 1 in the launcher's namespace */
	cr_assert_eq(lines_matching(t.tr, "^\\[pid +1\\] "), 0, "namespace pids shown:\n%s", t.tr);
	/* every child a fork or clone names has lines under that pid */
	int pids[64];
	unsigned np = pids_of(t.tr, pids, 64);
	unsigned forks = 0;
	char *copy = strdup(t.tr), *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		/* whole, or the second half of a call others' lines came in */
		const char *c = strstr(l, "clone() ");
		if (!c)
			c = strstr(l, "vfork() ");
		if (!c)
			c = strstr(l, "<... clone resumed>) ");
		if (!c)
			c = strstr(l, "<... vfork resumed>) ");
		if (!c || !strstr(c, "= "))
			continue;
		int child = atoi(strstr(c, "= ") + 2);
		unsigned k = 0;
		while (k < np && pids[k] != child)
			k++;
		cr_assert_lt(k, np, "fork returned %d, no line of that pid:\n%s", child, t.tr);
		forks++;
	}
	free(copy);
	/* sh's two children (or one and an exec), 3 forks in each namespace */
	cr_assert_geq(forks, 7, "%s", t.tr);
	/* successful execs show their result */
	cr_assert_eq(lines_matching(t.tr, "execve\\(.*= \\?$"), 0, "%s", t.tr);
	cr_assert_eq(lines_matching(t.tr, "execve\\(\"/proc/self/exe\", \\[.*\"leaf\"\\].* = 0$"), 2,
		     "%s", t.tr);
	/* each process distinct: every end under a pid of its own */
	int ends[64];
	unsigned ne = 0;
	for (const char *p = t.tr; (p = strstr(p, "+++ exited with")); p++) {
		const char *b = p;
		while (b > t.tr && b[-1] != '\n')
			b--;
		cr_assert(!strncmp(b, "[pid ", 5), "%s", t.tr);
		int pid = atoi(b + 5);
		for (unsigned k = 0; k < ne; k++)
			cr_assert_neq(ends[k], pid, "two ends under pid %d:\n%s", pid, t.tr);
		if (ne < 64)
			ends[ne++] = pid;
	}
	/* sh, and per namespace: unshare, its pid 1, /bin/true (the leaf
	 * ends with a bare exit_group: no status, but renacer-run returned) */
	cr_assert_geq(ne, 6, "%s", t.tr);
	fprintf(stderr, "pid namespace tree: renacer-run returned in %.3f s (untraced %.3f s)\n",
		t.secs, u.secs);
}

Test(procs, threads_and_spawned_children_in_a_pid_namespace_show_the_launchers_ids)
{
	const char *cmd = "unshare -pf " PROG("nsspawn");
	struct out u = sh(cmd);
	cr_assert_eq(u.status, 0, "%s", u.se);
	cr_assert_str_eq(u.so, "spawned: 0, exit 0\n");
	struct out t = sh(RN TXT " -e trace=process,close -- unshare -pf " PROG("nsspawn"));
	ASSERT_RETURNED(t);
	cr_assert_eq(t.status, 0, "%s", t.se);
	cr_assert_str_eq(t.so, u.so);
	/* the thread's calls: under its id as the launcher sees it, not the
	 * namespace's (2), and not its process's */
	regmatch_t m[4];
	regex_t re;
	cr_assert_eq(regcomp(&re, "\\[pid +([0-9]+)\\] close\\(-77\\)", REG_EXTENDED | REG_NEWLINE), 0);
	cr_assert_eq(regexec(&re, t.tr, 2, m, 0), 0, "the thread's close is missing:\n%s", t.tr);
	regfree(&re);
	int tid = atoi(t.tr + m[1].rm_so);
	char mark[64];
	snprintf(mark, sizeof mark, "[pid %5d] close(-78)", tid);
	cr_assert(strstr(t.tr, mark), "the thread's calls under two ids (%d):\n%s", tid, t.tr);
	cr_assert_gt(tid, 16, "a namespace's own id shown: %d\n%s", tid, t.tr);
	/* posix_spawn's child: the pid it returns has lines of its own */
	/* as strace shows it: the clone3 posix_spawn makes, = the child */
	cr_assert_eq(regcomp(&re, "(clone3\\(|<\\.\\.\\. clone3 resumed>)(\\{flags=CLONE_VM\\|CLONE_VFORK, "
				  "exit_signal=SIGCHLD, \\.\\.\\.\\}, 88\\) += ([0-9]+))$",
			     REG_EXTENDED | REG_NEWLINE), 0);
	cr_assert_eq(regexec(&re, t.tr, 4, m, 0), 0, "no spawn line:\n%s", t.tr);
	regfree(&re);
	int child = atoi(t.tr + m[3].rm_so);
	cr_assert_gt(child, 16, "a namespace's own pid returned: %d\n%s", child, t.tr);
	snprintf(mark, sizeof mark, "[pid %5d] ", child);
	cr_assert(strstr(t.tr, mark), "spawn returned %d, no line of that pid:\n%s", child, t.tr);
	snprintf(mark, sizeof mark, "wait4(%d, ", child);
	char half[64];
	snprintf(half, sizeof half, "<... wait4 resumed>%d, ", child);
	cr_assert(strstr(t.tr, mark) || strstr(t.tr, half), "wait4 of another pid than the spawn's:\n%s",
		  t.tr);
}
