/* test_complete.c: --complete (syscall user dispatch) on real runs.
 *  - every hard case of progs/complete_hard.c behaves exactly as
 *    untraced (output, exit status) and its raw calls are in the trace,
 *    marked trapped;
 *  - existing hostile programs (small stacks, a seccomp sandbox, raw
 *    forks, longjmp out of handlers) behave as untraced under --complete;
 *  - coverage: per-syscall counts equal strace -f's for every call after
 *    each image's dispatch is on (complete_vs_strace.py);
 *  - a kernel without dispatch: one line, default mode;
 *  - -c without --complete ends with the line saying how to see libc's
 *    own calls.
 * Paths come from the build: RN_EXPORTER, RN_PROGS_DIR, RN_TEST_DIR,
 * RN_STRACE. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

/* Runs cmd (a shell command line; PROGS/ is the test programs'
 * directory), traced with renacer's options 'opts' or not. */
static struct out run(const char *cmd, int traced, const char *opts)
{
	char so[] = "/tmp/rn-cmpl-oXXXXXX", se[] = "/tmp/rn-cmpl-eXXXXXX";
	char tr[] = "/tmp/rn-cmpl-rXXXXXX";
	close(mkstemp(so));
	close(mkstemp(se));
	close(mkstemp(tr));
	char *full;
	if (traced)
		cr_assert(asprintf(&full, "cd %s && timeout -s KILL 60 %s -o %s %s -- %s </dev/null >%s 2>%s",
				   RN_PROGS_DIR, RN_EXPORTER, tr, opts, cmd, so, se) > 0);
	else
		cr_assert(asprintf(&full, "cd %s && timeout -s KILL 60 %s </dev/null >%s 2>%s",
				   RN_PROGS_DIR, cmd, so, se) > 0);
	int st = system(full);
	free(full);
	struct out o = { WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), slurp(so), slurp(se),
			 slurp(tr), 0 };
	unlink(so);
	unlink(se);
	unlink(tr);
	return o;
}

/* Traced with --complete (and 'opts'), the program prints, exits and
 * fails exactly as untraced; returns the traced run. */
static struct out same(const char *cmd, const char *opts)
{
	char *o2;
	cr_assert(asprintf(&o2, "--complete %s", opts ? opts : "") > 0);
	struct out a = run(cmd, 0, NULL), b = run(cmd, 1, o2);
	free(o2);
	cr_assert_eq(b.status, a.status, "%s: exit status %d traced, %d untraced\nstderr: %s", cmd,
		     b.status, a.status, b.se);
	cr_assert_str_eq(b.so, a.so, "%s: stdout differs\ntraced:\n%s\nuntraced:\n%s", cmd, b.so, a.so);
	cr_assert_str_eq(without_loss_line(b.se), a.se, "%s: stderr differs: %s", cmd, b.se);
	return b;
}

/* JSON lines of a syscall that were trapped */
static unsigned trapped(const char *tr, const char *name)
{
	char key[64];
	unsigned n = 0;
	snprintf(key, sizeof key, "\"syscall\":\"%s\"", name);
	for (const char *p = tr; (p = strstr(p, key)); p++) {
		const char *eol = strchr(p, '\n');
		const char *t = strstr(p, "\"trapped\":true");
		if (t && (!eol || t < eol))
			n++;
	}
	return n;
}

/* JSON lines of a syscall, trapped or recorded by its wrapper */
static unsigned recorded(const char *tr, const char *name)
{
	char key[64];
	unsigned n = 0;
	snprintf(key, sizeof key, "\"syscall\":\"%s\"", name);
	for (const char *p = tr; (p = strstr(p, key)); p++)
		n++;
	return n;
}

#define JSON "--format json"

TestSuite(complete, .timeout = 240);

Test(complete, program_handlers_return_through_rt_sigreturn)
{
	struct out o = same("./complete_hard sigreturn", JSON);
	cr_assert_str_eq(o.so, "handler ran 200 times\n");
	cr_assert_eq(trapped(o.tr, "kill"), 200, "%s", o.tr);
	cr_assert_eq(trapped(o.tr, "getppid"), 200, "the handler's own calls");
	cr_assert_eq(trapped(o.tr, "rt_sigreturn"), 200, "each handler's return");
}

Test(complete, signals_arriving_while_calls_trap)
{
	struct out o = same("./complete_hard inhandler", JSON " --on-full=block");
	cr_assert_str_eq(o.so, "20000 calls, 0 wrong, ticks seen\n");
	/* and libc's getpid() it compares with: its wrapper records it, once
	 * (dispatch allowed around libc's call), the raw ones trap */
	cr_assert_eq(recorded(o.tr, "getpid"), 20001);
	cr_assert_eq(trapped(o.tr, "getpid"), 20000);
}

Test(complete, own_sigsys_handler_and_sigsys_in_masks)
{
	struct out o = same("./complete_hard sigsys", JSON);
	cr_assert(strstr(o.so, "SIGSYS handler is ours: yes\n"), "%s", o.so);
	cr_assert(strstr(o.so, "own SIGSYS delivered 2 times\n"), "%s", o.so);
	cr_assert(strstr(o.so, "200 calls with every signal blocked\n"), "%s", o.so);
	/* the mask set by a trapped call is the program's after the handler */
	cr_assert(strstr(o.so, "SIGUSR1 blocked: yes\nSIGUSR1 pending: yes\n"), "%s", o.so);
	cr_assert_eq(trapped(o.tr, "getppid"), 200);
}

Test(complete, calls_that_block_every_signal_for_their_duration)
{
	/* ppoll, pselect6, epoll_pwait(2), sigsuspend and syscall(2) with
	 * SIGSYS in their mask, a handler's uc_sigmask and posix_spawn's
	 * child: the calls after them still trap, and the program reads
	 * back the mask it set */
	struct out o = same("./complete_hard masks", JSON);
	cr_assert_str_eq(o.so, "SIGSYS blocked: yes\n"
			       "6 calls interrupted, handler ran 6 times, saw SIGSYS blocked 6 times\n"
			       "after syscall(rt_sigprocmask): SIGSYS blocked yes, raw call made\n"
			       "after uc_sigmask filled: handler ran 1, SIGSYS blocked yes, raw call made\n"
			       "child: SIGSYS blocked yes, raw call made\n"
			       "spawned child: exit 0\n");
	cr_assert_eq(trapped(o.tr, "getppid"), 9, "%s", o.tr);
	cr_assert_eq(recorded(o.tr, "ppoll"), 2, "the wrapper's and syscall(2)'s: %s", o.tr);
}

Test(complete, raw_clone_on_a_new_stack_vfork_and_fork)
{
	struct out o = same("./complete_hard clone", JSON);
	cr_assert(strstr(o.so, "clone child exit 0\n"), "%s", o.so);
	cr_assert(strstr(o.so, "vfork child exit 0\n"), "%s", o.so);
	cr_assert(strstr(o.so, "fork child exit 3\n"), "%s", o.so);
	cr_assert_eq(trapped(o.tr, "clone"), 1, "%s", o.tr);
	cr_assert_eq(trapped(o.tr, "vfork"), 1, "%s", o.tr);
	cr_assert_eq(trapped(o.tr, "fork"), 1, "%s", o.tr);
	/* the fork child's raw getpid: traced from the child's first code */
	cr_assert_geq(trapped(o.tr, "getpid"), 1, "%s", o.tr);
}

Test(complete, handler_on_a_small_sigaltstack)
{
	struct out o = same("./complete_hard altstack", JSON);
	cr_assert_str_eq(o.so, "sigaltstack set: yes\nhandler on a 16384-byte sigaltstack: ok\n");
	cr_assert_eq(trapped(o.tr, "getppid"), 10);
}

Test(complete, eintr_and_sa_restart_as_natively)
{
	struct out o = same("./complete_hard eintr", JSON);
	cr_assert_str_eq(o.so, "read without SA_RESTART: EINTR\nread with SA_RESTART: 1 'x'\n");
	cr_assert_geq(trapped(o.tr, "read"), 2, "%s", o.tr);
}

Test(complete, threads_trap_from_their_first_call)
{
	struct out o = same("./complete_hard thread", JSON);
	cr_assert_str_eq(o.so, "thread made 50 calls\n");
	cr_assert_eq(trapped(o.tr, "gettid"), 50);
}

Test(complete, exec_turns_dispatch_on_again_in_the_new_image)
{
	struct out o = same("sh -c './complete_hard thread; ./complete_hard thread'", JSON);
	cr_assert_eq(trapped(o.tr, "gettid"), 100, "%s", o.tr);
}

Test(complete, a_program_that_uses_dispatch_itself)
{
	/* its prctl replaces ours on its thread; its SIGSYS handler gets
	 * its traps, and answers them */
	struct out o = same("./complete_hard ownsud", JSON);
	cr_assert_str_eq(o.so, "own dispatch: 5 traps, results 210\n");
	cr_assert(strstr(o.tr, "\"syscall\":\"prctl\""), "%s", o.tr);
}

/* the programs the default mode is checked with, under --complete */
Test(complete, existing_hostile_programs)
{
	static const char *const progs[] = {
		"./hostile_stack altstack", "./hostile_stack thread", "./hostile_stack clonevfork",
		"./sigjump", "./threadexec", "./hostile_seccomp prctl 100",
		"./hostile_seccomp seccomp 100", "./hostile_seccomp fork 20",
	};
	for (unsigned i = 0; i < sizeof progs / sizeof progs[0]; i++) {
		struct out o = same(progs[i], NULL);
		free(o.so);
		free(o.se);
		free(o.tr);
	}
}

Test(complete, a_sandboxed_program_runs_as_untraced)
{
	/* dispatch goes off before the program's seccomp call: its filter
	 * allows no rt_sigreturn, so a trap after it would kill it */
	struct out o = same("./hostile_seccomp prctl 200", JSON);
	cr_assert(strstr(o.tr, "\"syscall\":\"prctl\""), "%s", o.tr);
	cr_assert(strstr(o.tr, "\"syscall\":\"write\""), "calls after it, by wrappers: %s", o.tr);
}

Test(complete, a_kernel_without_dispatch_says_so_and_runs_in_default_mode)
{
	char *cmd;
	cr_assert(asprintf(&cmd, "./complete_hard nodispatch %s --complete -o /dev/null -- ./complete_hard thread",
			   RN_EXPORTER) > 0);
	struct out a = run("./complete_hard thread", 0, NULL);
	struct out b = run(cmd, 0, NULL);
	cr_assert_eq(b.status, 0, "%s", b.se);
	cr_assert_str_eq(b.so, a.so);
	cr_assert_str_eq(b.se, "renacer: --complete: this kernel has no syscall user dispatch (Linux "
			       "5.11+); tracing in the default mode\n");
	free(cmd);
}

Test(complete, summary_without_complete_says_how_to_see_libc_calls)
{
	struct out o = run("./complete_hard thread", 1, "-c");
	const char *last = strrchr(o.tr, '\n');
	cr_assert_not_null(last);
	const char *p = last;
	while (p > o.tr && p[-1] != '\n')
		p--;
	cr_assert(!strncmp(p, "renacer: calls made inside libc", 31), "last line: %.*s",
		  (int)(last - p), p);
	cr_assert(strstr(p, "--complete"));
	struct out c = run("./complete_hard thread", 1, "-c --complete");
	cr_assert_null(strstr(c.tr, "calls made inside libc"));
	cr_assert(strstr(c.tr, " gettid\n"), "%s", c.tr);
}

/* coverage: the same counts as strace -f for every call after the shim
 * turned dispatch on (the loader's calls before it are the one known
 * difference, and the exec that started each image is added to strace's
 * side); see complete_vs_strace.py */
static void vs_strace(const char *cmd)
{
	char dir[] = "/tmp/rn-cmpl-sXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *full;
	cr_assert(asprintf(&full, "cd %s && python3 %s/complete_vs_strace.py %s %s %s -- %s >%s/out 2>&1",
			   RN_PROGS_DIR, RN_TEST_DIR, RN_STRACE, RN_EXPORTER, dir, cmd, dir) > 0);
	int st = system(full);
	char *path;
	cr_assert(asprintf(&path, "%s/out", dir) > 0);
	char *out = slurp(path);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s:\n%s", cmd, out);
	cr_assert(strstr(out, "total: strace "), "%s", out);
	char *rm;
	cr_assert(asprintf(&rm, "rm -rf %s", dir) > 0);
	system(rm);
	free(rm);
	free(out);
	free(path);
	free(full);
}

Test(complete, counts_equal_strace_cat)
{
	vs_strace("cat /etc/services");
}

Test(complete, counts_equal_strace_shell_loop)
{
	vs_strace("sh -c 'for i in 1 2 3; do echo $i > /dev/null; /bin/true; done'");
	vs_strace("bash -c 'for i in 1 2 3; do echo $i | cat > /dev/null; done'");
}

Test(complete, counts_equal_strace_ls_l)
{
	vs_strace("ls -l /usr/bin");
}

Test(complete, counts_equal_strace_tar_gzip)
{
	vs_strace("sh -c 'tar cf - /usr/include/linux | gzip -c | wc -c'");
}

Test(complete, counts_equal_strace_hard_cases)
{
	vs_strace("./complete_hard sigreturn");
	vs_strace("./complete_hard clone");
	vs_strace("./complete_hard thread");
	vs_strace("./complete_hard masks");
}
