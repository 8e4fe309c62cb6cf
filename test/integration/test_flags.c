/* test_flags.c: the flags strace users type (issue 11) do what strace's
 * do, or say in one line why renacer cannot: -z/-Z and -e status=, -p,
 * strace's long option spellings, --seccomp-bpf. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

#define RN RN_EXPORTER
#define TXT " -o /dev/fd/3"
/* one failed stat and several successful calls */
#define PROG " -- ls / /nonexistent-renacer"

/* call lines of a trace (not renacer's notes, not +++ lines) and how many
 * of them failed */
static void count_calls(const char *tr, unsigned *calls, unsigned *failed)
{
	*calls = *failed = 0;
	for (const char *l = tr; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (n && strncmp(l, "+++", 3) && strncmp(l, "renacer:", 8) && memmem(l, n, ") ", 2)) {
			(*calls)++;
			*failed += memmem(l, n, " = -1 E", 7) != NULL;
		}
		l = nl ? nl + 1 : NULL;
	}
}

Test(flags, z_shows_only_successful_calls_and_Z_only_failed_ones)
{
	unsigned calls, failed;
	struct out all = sh(RN TXT PROG);
	count_calls(all.tr, &calls, &failed);
	cr_assert(calls > failed && failed > 0, "the program makes both kinds: %s", all.tr);
	const char *ok[] = { " -z", " -e status=successful", " -e status=!failed,unfinished" };
	for (unsigned i = 0; i < 3; i++) {
		char cmd[256];
		snprintf(cmd, sizeof cmd, RN "%s" TXT PROG, ok[i]);
		struct out t = sh(cmd);
		cr_assert_eq(t.status, 2, "%s: the program's own status: %s", cmd, t.se);
		count_calls(t.tr, &calls, &failed);
		cr_assert(calls > 0 && failed == 0, "%s: %s", cmd, t.tr);
		cr_assert(matches(t.tr, "^\\+\\+\\+ exited with 2 \\+\\+\\+$"), "%s: %s", cmd, t.tr);
	}
	const char *bad[] = { " -Z", " -e status=failed" };
	for (unsigned i = 0; i < 2; i++) {
		char cmd[256];
		snprintf(cmd, sizeof cmd, RN "%s" TXT PROG, bad[i]);
		struct out t = sh(cmd);
		count_calls(t.tr, &calls, &failed);
		cr_assert(calls > 0 && failed == calls, "%s: %s", cmd, t.tr);
	}
	struct out u = sh(RN " -e status=unfinished" TXT PROG);
	cr_assert(matches(u.tr, "^exit_group\\(2\\) += \\?$"), "%s", u.tr);
	count_calls(u.tr, &calls, &failed);
	cr_assert_eq(calls, 1, "only the call that did not return: %s", u.tr);
	struct out b = sh(RN " -e status=sometimes -- true");
	cr_assert_eq(b.status, 2);
	cr_assert(strstr(b.se, "-e: invalid value 'status=sometimes'"), "%s", b.se);
}

Test(flags, p_says_in_one_line_why_it_cannot_attach_and_exits_2)
{
	struct out t = sh(RN " -p 1");
	cr_assert_eq(t.status, 2, "%s", t.se);
	cr_assert_eq(count_of(t.se, "\n"), 1, "one line: %s", t.se);
	cr_assert(strstr(t.se, "-p: ") && strstr(t.se, "ptrace") && strstr(t.se, "--session-dir"),
		  "%s", t.se);
}

Test(flags, strace_long_options_are_the_short_ones)
{
	struct out a = sh(RN " --output=/dev/fd/3 --trace=execve,exit_group --follow-forks "
			     "--absolute-timestamps=format:unix,precision:us --syscall-times -- true");
	cr_assert_eq(a.status, 0, "%s", a.se);
	cr_assert(matches(a.tr, "^[0-9]{10}\\.[0-9]{6} execve\\(\"/usr/bin/true\", .* = 0 <[0-9]+\\.[0-9]{6}>$"),
		  "%s", a.tr);
	cr_assert(!strstr(a.tr, "brk("), "--trace filtered: %s", a.tr);
	struct out c = sh(RN " --summary-only --string-limit=32 --quiet -o /dev/fd/3 -- true");
	cr_assert_eq(c.status, 0, "%s", c.se);
	cr_assert(strstr(c.tr, "% time") && strstr(c.tr, "exit_group"), "%s", c.tr);
	struct out r = sh(RN " --relative-timestamps -o /dev/fd/3 -- true");
	cr_assert(matches(r.tr, "^ +0\\.000000 execve\\("), "%s", r.tr);
	struct out s = sh(RN " --seccomp-bpf -o /dev/fd/3 -- true");
	cr_assert_eq(s.status, 0, "%s", s.se);
	cr_assert(strstr(s.se, "--seccomp-bpf ignored"), "said once: %s", s.se);
	cr_assert_eq(count_of(s.se, "seccomp"), 1, "%s", s.se);
	struct out bad = sh(RN " --absolute-timestamps=precision:ns -- true");
	cr_assert_eq(bad.status, 2, "%s", bad.se);
	cr_assert(strstr(bad.se, "--absolute-timestamps: invalid value"), "%s", bad.se);
}

Test(flags, papercuts_each_bad_input_gets_a_clear_answer_at_once)
{
	/* a real system call no wrapper makes is not "unknown": accepted,
	 * with one line saying only --complete sees it */
	struct out g = sh(RN " -o /dev/null -e trace=io_uring_enter -- true");
	cr_assert_eq(g.status, 0, "%s", g.se);
	cr_assert_eq(count_of(g.se, "only --complete sees it"), 1, "%s", g.se);
	struct out u = sh(RN " -e trace=nosuchcall -- true");
	cr_assert(strstr(u.se, "unknown syscall or class 'nosuchcall'"), "%s", u.se);
	/* --status on a missing directory: said now (it waited 2 s for a
	 * timeout before) */
	struct out st = sh_limit(RN " --status /nonexistent-renacer-dir", 1);
	cr_assert_eq(st.status, 2, "%s", st.se);
	cr_assert(strstr(st.se, "--status: invalid value '/nonexistent-renacer-dir': no such directory"), "%s", st.se);
	/* a world-writable session directory the shim would refuse */
	struct out w = sh_limit("d=$(mktemp -d) && chmod 1777 $d && " RN " --session-dir $d; rc=$?; rmdir $d; exit $rc", 5);
	cr_assert_eq(w.status, 2, "%s", w.se);
	cr_assert(strstr(w.se, "not private to this user"), "%s", w.se);
	/* --allow-uid takes user names */
	struct out a = sh(RN " --allow-uid root -o /dev/null -- true");
	cr_assert_eq(a.status, 0, "%s", a.se);
	struct out an = sh(RN " --allow-uid no-such-user-renacer -o /dev/null -- true");
	cr_assert_eq(an.status, 2, "%s", an.se);
	cr_assert(strstr(an.se, "no such user"), "%s", an.se);
}

Test(flags, exited_is_said_once_per_process_when_execve_is_filtered_out)
{
	struct out t = sh(RN " -e trace=openat" TXT " -- sh -c \"exec /bin/true\"");
	cr_assert_eq(t.status, 0, "%s", t.se);
	cr_assert_eq(count_of(t.tr, "+++ exited with 0 +++"), 1, "%s", t.tr);
}

Test(flags, trace_sets_take_regular_expressions_and_optional_names)
{
	struct out r = sh(RN " -e \"trace=/^(open|close)/\"" TXT " -- cat /dev/null");
	cr_assert_eq(r.status, 0, "%s", r.se);
	cr_assert(matches(r.tr, "^openat\\(AT_FDCWD, \"/dev/null\", O_RDONLY\\) += [0-9]+$"), "%s", r.tr);
	cr_assert(matches(r.tr, "^close\\([0-9]+\\) += 0$"), "%s", r.tr);
	cr_assert(!strstr(r.tr, "execve(") && !strstr(r.tr, "read("), "only the matches: %s", r.tr);
	struct out q = sh(RN " -e trace=?no_such_call,close" TXT " -- cat /dev/null");
	cr_assert_eq(q.status, 0, "%s", q.se);
	cr_assert(matches(q.tr, "^close\\([0-9]+\\) += 0$") && !strstr(q.tr, "openat("), "%s", q.tr);
	struct out n = sh(RN " -e trace=/no_such_call_anywhere/ -- true");
	cr_assert_eq(n.status, 2, "%s", n.se);
	cr_assert(strstr(n.se, "matches no syscall"), "%s", n.se);
}

Test(flags, qq_hides_exit_lines_and_w_is_accepted)
{
	struct out q = sh(RN " -qq -w" TXT " -- true");
	cr_assert_eq(q.status, 0, "%s", q.se);
	cr_assert(strstr(q.tr, "exit_group(0)") && !strstr(q.tr, "+++ exited"), "%s", q.tr);
	struct out one = sh(RN " -q" TXT " -- true");
	cr_assert(strstr(one.tr, "+++ exited with 0 +++"), "-q alone keeps them: %s", one.tr);
}

Test(flags, json_says_how_a_process_killed_by_a_signal_ended)
{
	struct out j = sh(RN " --format json" TXT " -- sh -c \"kill -9 \\$\\$\"");
	cr_assert_eq(j.status, 137, "%s", j.se);
	cr_assert(matches(j.tr, "^\\{\"event\":\"exit\",\"pid\":[0-9]+,\"signal\":\"SIGKILL\"\\}$"), "%s", j.tr);
}
