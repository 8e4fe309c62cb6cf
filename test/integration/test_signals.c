/* test_signals.c: signals delivered to the program's own handlers show as
 * strace's `--- SIGNAME {siginfo} ---` lines, and wrapping the handlers
 * changes nothing the program can see: dispositions read back, flags,
 * SA_RESETHAND, a handler that longjmps out, one on a small sigaltstack,
 * fork and exec, threads. The program is progs/sigcatch.c. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

#ifndef RN_STRACE
#define RN_STRACE "strace"
#endif

/* Runs sigcatch MODE untraced (how 0), under renacer-run with opts (1) or
 * under strace -f (2); the trace goes to a file of its own (o.tr). */
static struct out run(const char *mode, int how, const char *opts)
{
	char so[] = "/tmp/rn-sig-oXXXXXX", se[] = "/tmp/rn-sig-eXXXXXX";
	char tr[] = "/tmp/rn-sig-rXXXXXX";
	close(mkstemp(so));
	close(mkstemp(se));
	close(mkstemp(tr));
	char *full;
	if (how == 1)
		cr_assert(asprintf(&full, "timeout -s KILL 60 %s -o %s %s -- %s/sigcatch %s </dev/null "
				   ">%s 2>%s", RN_EXPORTER, tr, opts ? opts : "", RN_PROGS_DIR,
				   mode, so, se) > 0);
	else if (how == 2)
		cr_assert(asprintf(&full, "timeout -s KILL 60 %s -f -qq -o %s %s/sigcatch %s "
				   "</dev/null >%s 2>%s", RN_STRACE, tr, RN_PROGS_DIR, mode, so, se) > 0);
	else
		cr_assert(asprintf(&full, "timeout -s KILL 60 %s/sigcatch %s </dev/null >%s 2>%s",
				   RN_PROGS_DIR, mode, so, se) > 0);
	int st = system(full);
	free(full);
	struct out o = { WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), slurp(so), slurp(se),
			 slurp(tr), 0 };
	unlink(so);
	unlink(se);
	unlink(tr);
	return o;
}

/* The traced run prints and ends exactly as the untraced one; returns it. */
static struct out same(const char *mode, const char *opts)
{
	struct out a = run(mode, 0, NULL), b = run(mode, 1, opts);
	cr_assert_eq(b.status, a.status, "%s: exit status %d traced, %d untraced\n%s", mode,
		     b.status, a.status, b.se);
	cr_assert_str_eq(b.so, a.so, "%s: stdout differs\ntraced:\n%s\nuntraced:\n%s", mode, b.so,
			 a.so);
	return b;
}

/* The signal lines of a trace, each as "SIGNAME {fields}" with the pid
 * prefix cut and every si_pid value made N: one per line, in order. */
static char *signal_lines(const char *trace)
{
	size_t cap = strlen(trace) + 1, n = 0;
	char *out = calloc(1, cap);
	for (const char *p = trace; (p = strstr(p, "--- SIG"));) {
		const char *e = strstr(p, " ---\n");
		if (!e)
			break;
		for (const char *q = p + 4; q < e; q++) {
			if (!strncmp(q, "si_pid=", 7)) {
				memcpy(out + n, "si_pid=N", 8);
				n += 8;
				q += 7;
				while (q < e && *q >= '0' && *q <= '9')
					q++;
				q--;
				continue;
			}
			out[n++] = *q;
		}
		out[n++] = '\n';
		p = e + 5;
	}
	out[n] = '\0';
	return out;
}

/* ----------------------------------------------- the program never notices */

Test(transparent, dispositions_read_back_as_the_program_set_them)
{
	struct out o = same("disp", NULL);
	cr_assert(strstr(o.so, "exec 1: SIG_DFL"), "%s", o.so);
}

Test(transparent, sa_resethand_runs_once_then_the_default_kills)
{
	struct out o = same("resethand", NULL);
	cr_assert_eq(o.status, 128 + SIGUSR1);
	cr_assert_eq(count_of(o.tr, "--- SIGUSR1 "), 1, "%s", o.tr);
	cr_assert(strstr(o.tr, "+++ killed by SIGUSR1 +++"), "%s", o.tr);
}

Test(transparent, a_handler_that_longjmps_out_is_seen_every_time)
{
	struct out o = same("longjmp", "-e trace=none");
	cr_assert_str_eq(o.so, "jumped 100\n");
	cr_assert_eq(count_of(o.tr, "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL"), 100, "%s",
		     o.tr);
}

/* A handler on a small alternate stack: what the shim adds to it stays in
 * the stack budget (preload/shim.h, RN_STACK_BUDGET). */
Test(transparent, a_handler_on_a_sigaltstack_stays_within_the_budget)
{
	struct out a = run("altstack", 0, NULL), b = run("altstack", 1, NULL);
	unsigned long plain = 0, traced = 0;
	cr_assert_eq(sscanf(a.so, "altstack %lu", &plain), 1, "%s", a.so);
	cr_assert_eq(sscanf(b.so, "altstack %lu", &traced), 1, "%s %s", b.so, b.se);
	fprintf(stderr, "altstack: %lu bytes untraced, %lu traced\n", plain, traced);
	cr_assert_leq(traced, plain + 1024, "%lu bytes traced, %lu untraced", traced, plain);
	cr_assert_eq(count_of(b.tr, "--- SIGUSR1 "), 1, "%s", b.tr);
}

Test(transparent, a_thread_gets_its_own_signal)
{
	struct out o = same("thread", NULL);
	cr_assert(matches(o.tr, "^\\[pid +[0-9]+\\] --- SIGUSR1 \\{si_signo=SIGUSR1, "
				"si_code=SI_TKILL, si_pid=[0-9]+, si_uid=[0-9]+\\} ---$"),
		  "%s", o.tr);
}

/* A 20 us interval timer whose handler siglongjmps out of whatever the
 * program was in (progs/sigjump.c): thousands of signals land inside the
 * shim's own record writes, its stack unwinds (-k) and its stash
 * hand-over, and the jump never returns there. Nothing may be lost to it:
 * every jump has its signal line, every call after the jumps its line,
 * and no loss is reported. */
Test(transparent, a_timer_handler_that_siglongjmps_out_loses_nothing)
{
	static const char *const modes[] = { "", "-k" };
	struct out u = sh(RN_PROGS_DIR "/sigjump count");
	for (unsigned m = 0; m < sizeof modes / sizeof *modes; m++) {
		char cmd[512];
		snprintf(cmd, sizeof cmd,
			 RN_EXPORTER " -o /dev/fd/3 --on-full=block %s -e trace=access,close -- "
			 RN_PROGS_DIR "/sigjump count", modes[m]);
		struct out t = sh(cmd);
		cr_assert_eq(t.status, u.status, "%s: %s", modes[m], t.se);
		cr_assert_str_eq(t.so, u.so);
		cr_assert_null(strstr(t.se, "lost"), "%s: %s", modes[m], t.se);
		const char *j = strstr(t.se, "jumps ");
		int jumps = -1;
		cr_assert(j && sscanf(j, "jumps %d", &jumps) == 1, "%s", t.se);
		fprintf(stderr, "sigjump %s: %d jumps\n", modes[m], jumps);
		cr_assert_gt(jumps, 0);
		cr_assert_eq(count_of(t.tr, "--- SIGALRM {si_signo=SIGALRM"), (unsigned)jumps,
			     "%s: signal lines and jumps differ: %s", modes[m], t.se);
		cr_assert_eq(count_of(t.tr, "close(30"), 100, "%s: %s", modes[m], t.se);
	}
}

Test(transparent, ignored_signals_are_not_delivered_and_not_shown)
{
	struct out o = same("ignored", NULL);
	cr_assert_eq(count_of(o.tr, "--- SIG"), 0, "%s", o.tr);
}

/* ------------------------------------------------------ strace's own lines */

Test(lines, each_caught_signal_as_strace_prints_it)
{
	struct out t = same("deliver", NULL), s = run("deliver", 2, NULL);
	char *mine = signal_lines(t.tr), *theirs = signal_lines(s.tr);
	cr_assert_str_eq(mine, theirs, "renacer's:\n%s\nstrace's:\n%s\nfull trace:\n%s", mine,
			 theirs, t.tr);
	cr_assert_eq(count_of(mine, "\n"), 4, "%s", mine);
	cr_assert(strstr(mine, "SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=N, si_uid="),
		  "%s", mine);
}

Test(lines, complete_mode_shows_each_signal_once)
{
	struct out t = same("deliver", "--complete");
	char *mine = signal_lines(t.tr);
	cr_assert_eq(count_of(mine, "\n"), 4, "%s\n%s", mine, t.tr);
}

Test(lines, json_has_a_signal_event)
{
	struct out t = same("deliver", "--format json");
	cr_assert(matches(t.tr, "^\\{\"event\":\"signal\",.*\"signal\":\"SIGCHLD\".*"
				"\"code\":\"CLD_EXITED\""), "%s", t.tr);
	cr_assert_eq(count_of(t.tr, "\"event\":\"signal\""), 4, "%s", t.tr);
}

/* ---------------------------------------------------------------- filters */

Test(filter, e_signal_shows_only_the_set)
{
	struct out t = same("deliver", "-e signal=SIGUSR2,chld");
	char *mine = signal_lines(t.tr);
	cr_assert_eq(count_of(mine, "\n"), 2, "%s", mine);
	cr_assert(strstr(mine, "SIGUSR2 {") && strstr(mine, "SIGCHLD {"), "%s", mine);
}

Test(filter, negated_and_none_and_qqq)
{
	struct out t = same("deliver", "--signal=!USR1");
	cr_assert_eq(count_of(signal_lines(t.tr), "\n"), 3, "%s", t.tr);
	t = same("deliver", "-e signal=none");
	cr_assert_eq(count_of(t.tr, "--- SIG"), 0, "%s", t.tr);
	cr_assert(strstr(t.tr, "kill("), "%s", t.tr);
	/* strace 6.1's -qqq keeps them: so do we */
	t = same("deliver", "-qqq");
	cr_assert_eq(count_of(signal_lines(t.tr), "\n"), 4, "%s", t.tr);
}

Test(filter, a_bad_signal_set_is_refused)
{
	struct out o = sh(RN_EXPORTER " -e signal=SIGNOPE -- true");
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.se, "signal=SIGNOPE"), "%s", o.se);
}
