/* test_parity.c: each call line of renacer's text output equals strace
 * 6.1's line for the same call, modulo addresses and column padding, for
 * small programs (files and descriptors, network, a process and its
 * child, ioctls on a terminal made with openpty).
 *
 * renacer sees fewer calls than strace (libc-internal ones are strace's
 * only: test_vs_strace.c), so every renacer line must be one of strace's,
 * not the other way round. The lines that still differ are listed below
 * with their reason, as in docs/COVERAGE.md; a listed line that stops
 * differing fails too, so the list stays true.
 *
 * Paths come from the build: RN_EXPORTER, RN_PROGS_DIR, RN_STRACE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

#ifndef RN_STRACE
#define RN_STRACE "strace"
#endif

/* Known differences: a renacer line starting with 'prefix' differs from
 * strace's for 'why' (docs/COVERAGE.md, "Decoding"). */
static const struct {
	const char *prefix;
	const char *why;
} known[] = {
	{ "clone()", "fork's wrapper does not see the flags glibc passes to clone" },
	{ "rt_sigaction(SIGUSR1, {sa_handler=0x", "glibc adds its own restorer to the action it passes "
						   "the kernel: renacer shows SA_RESTORER but not the "
						   "restorer's address, which only glibc knows" },
};

#define MAXL 512

struct lines {
	char *l[MAXL];
	int used[MAXL];
	unsigned n;
};

/* What differs from one run to the next: addresses to "0x", ports to
 * htons(P), a child's pid in wait4 (its first argument and its result)
 * and credentials' {pid= to PID; the padding before " = " to one space. */
static char *norm(const char *s)
{
	char *o = malloc(strlen(s) + 16), *d = o;
	int wait4 = !strncmp(s, "wait4(", 6);
	cr_assert_not_null(o);
	while (*s) {
		if (wait4 && (!strncmp(s, "wait4(", 6) || !strncmp(s, " = ", 3)) &&
		    isdigit((unsigned char)s[s[0] == ' ' ? 3 : 6])) {
			size_t k = s[0] == ' ' ? 3 : 6;
			memcpy(d, s, k);
			memcpy(d + k, "PID", 3);
			d += k + 3;
			s += k;
			while (isdigit((unsigned char)*s))
				s++;
		} else if (!strncmp(s, "{pid=", 5) && isdigit((unsigned char)s[5])) {
			memcpy(d, "{pid=PID", 8);	/* SCM_CREDENTIALS' sender */
			d += 8;
			s += 5;
			while (isdigit((unsigned char)*s))
				s++;
		} else if (!strncmp(s, "htons(", 6)) {
			memcpy(d, "htons(P", 7);
			d += 7;
			s += 6;
			while (isdigit((unsigned char)*s))
				s++;
		} else if (s[0] == '0' && s[1] == 'x' && isxdigit((unsigned char)s[2])) {
			*d++ = '0';
			*d++ = 'x';
			s += 2;
			while (isxdigit((unsigned char)*s))
				s++;
		} else if (s[0] == ' ' && s[1] == ' ') {
			while (s[1] == ' ')
				s++;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
	return o;
}

/* a "[pid N] " or strace -f's "N " prefix, skipped; its pid in *pid */
static const char *skip_pid(const char *l, long *pid)
{
	char *e;
	*pid = 0;
	if (!strncmp(l, "[pid ", 5)) {
		*pid = strtol(l + 5, &e, 10);
		return *e == ']' ? e + 2 : l;
	}
	long v = strtol(l, &e, 10);
	if (e != l && *e == ' ') {
		*pid = v;
		while (*e == ' ')
			e++;
		return e;
	}
	return l;
}

/* strace's lines from its getppid() on (before it: the loader and libc
 * start-up, which renacer does not see), each split call joined again */
static void strace_lines(char *text, struct lines *out)
{
	struct {
		long pid;
		char *head;
	} open_[16];
	unsigned nopen = 0;
	int started = 0;
	memset(out, 0, sizeof *out);
	for (char *l = strtok(text, "\n"); l && out->n < MAXL; l = strtok(NULL, "\n")) {
		long pid;
		const char *c = skip_pid(l, &pid);
		if (!started) {
			started = !strncmp(c, "getppid()", 9);
			continue;
		}
		if (!strncmp(c, "+++", 3) || !strncmp(c, "---", 3))
			continue;
		const char *u = strstr(c, " <unfinished ...>");
		if (u && nopen < 16) {
			open_[nopen].pid = pid;
			open_[nopen++].head = strndup(c, (size_t)(u - c));
			continue;
		}
		if (!strncmp(c, "<... ", 5)) {
			const char *r = strstr(c, " resumed>");
			for (unsigned i = 0; r && i < nopen; i++) {
				if (open_[i].pid != pid)
					continue;
				char *j;
				cr_assert(asprintf(&j, "%s%s", open_[i].head, r + 9) > 0);
				out->l[out->n++] = norm(j);
				free(j);
				free(open_[i].head);
				open_[i] = open_[--nopen];
				break;
			}
			continue;
		}
		out->l[out->n++] = norm(c);
	}
	cr_assert(started, "no getppid() line in strace's trace");
}

/* Runs prog under strace and renacer, both with opts (strace's spelling,
 * which renacer takes too), and compares their lines. */
static void parity_opts(const char *prog, const char *opts, unsigned min_lines)
{
	char rt[] = "/tmp/rn-par-rXXXXXX", st[] = "/tmp/rn-par-sXXXXXX";
	close(mkstemp(rt));
	close(mkstemp(st));
	char *cmd;
	cr_assert(asprintf(&cmd, "%s -f %s -o %s %s/%s >/dev/null && %s %s -o %s -- %s/%s >/dev/null",
			   RN_STRACE, opts, st, RN_PROGS_DIR, prog, RN_EXPORTER, opts, rt,
			   RN_PROGS_DIR, prog) > 0);
	struct out o = sh_limit(cmd, 60);
	free(cmd);
	cr_assert_eq(o.status, 0, "%s %s: status %d: %s", prog, opts, o.status, o.se);
	char *stext = slurp(st), *rtext = slurp(rt);
	unlink(st);
	unlink(rt);
	struct lines s;
	strace_lines(stext, &s);

	unsigned matched = 0, bad = 0;
	char report[8192] = "";
	size_t rl = 0;
	for (char *l = strtok(rtext, "\n"); l; l = strtok(NULL, "\n")) {
		long pid;
		const char *c = skip_pid(l, &pid);
		/* the launcher's exec of the program comes before strace's
		 * getppid; getppid itself is the marker (its value is each
		 * tracer's own pid); notes and process ends are not call lines */
		if (!strncmp(c, "execve(", 7) || !strncmp(c, "getppid()", 9) ||
		    !strncmp(c, "getpid()", 8) ||
		    !strncmp(c, "+++", 3) || !strncmp(c, "---", 3) ||
		    !strncmp(c, "renacer:", 8))
			continue;
		/* renacer's halves carry the whole call in the second one */
		if (strstr(c, "(<unfinished ...>"))
			continue;
		char *joined = NULL;
		if (!strncmp(c, "<... ", 5) && strstr(c, " resumed>")) {
			const char *r = strstr(c, " resumed>");
			cr_assert(asprintf(&joined, "%.*s(%s", (int)(r - c - 5), c + 5, r + 9) > 0);
			c = joined;
		}
		char *n = norm(c);
		free(joined);
		int found = 0;
		for (unsigned i = 0; i < s.n && !found; i++) {
			if (!s.used[i] && !strcmp(s.l[i], n)) {
				s.used[i] = 1;
				found = 1;
			}
		}
		const char *why = NULL;
		for (size_t k = 0; k < sizeof known / sizeof *known; k++)
			if (!strncmp(n, known[k].prefix, strlen(known[k].prefix)))
				why = known[k].why;
		if (found && why) {
			bad++;
			rl += (size_t)snprintf(report + rl, sizeof report - rl > 0 ? sizeof report - rl : 0,
					       "listed as differing but now equal: %s\n", n);
		} else if (found) {
			matched++;
		} else if (!why) {
			bad++;
			if (rl < sizeof report)
				rl += (size_t)snprintf(report + rl, sizeof report - rl,
						       "renacer: %s\n", n);
		}
		free(n);
	}
	if (bad) {
		fprintf(stderr, "%s %s: strace's lines:\n", prog, opts);
		for (unsigned i = 0; i < s.n; i++)
			fprintf(stderr, "  %s\n", s.l[i]);
	}
	cr_assert_eq(bad, 0, "%s %s: %u lines differ from strace's:\n%s", prog, opts, bad, report);
	cr_assert_geq(matched, min_lines, "%s %s: only %u lines compared", prog, opts, matched);
	fprintf(stderr, "%s %s: %u call lines equal strace's\n", prog, opts, matched);
	for (unsigned i = 0; i < s.n; i++)
		free(s.l[i]);
	free(stext);
	free(rtext);
}

static void parity(const char *prog, unsigned min_lines)
{
	parity_opts(prog, "", min_lines);
}

TestSuite(parity, .timeout = 120);

Test(parity, files_and_descriptors)
{
	parity("parity_file", 18);
}

Test(parity, network)
{
	parity("parity_net", 14);
}

Test(parity, terminal_ioctls)
{
	parity("parity_tty", 8);
}

Test(parity, a_child_and_its_status)
{
	parity("parity_proc", 6);
}

/* Data and structures (issue 11): iovec arrays with their bytes, msghdr,
 * termios on a pty, binary bytes, a stat; each line as strace prints it,
 * also with -x and -xx (hex strings), -v (structures whole) and
 * -e write=1 (full dumps under the call line, compared line by line). */
Test(parity, data_and_structures)
{
	parity_opts("parity_data", "", 20);
}

/* sendmsg/recvmsg's control messages: descriptors passed with
 * SCM_RIGHTS, SCM_CREDENTIALS, and one at a level nobody decodes */
Test(parity, control_messages)
{
	parity("parity_cmsg", 8);
}

/* the structures strace abbreviates, as it prints them with and without
 * -v (sigaction's is the same either way): prog's lines both ways */
static void parity_both(const char *prog, unsigned min_lines)
{
	parity_opts(prog, "", min_lines);
	parity_opts(prog, "-v", min_lines);
}

Test(parity, statx_abbreviated_and_whole)
{
	parity_both("parity_structs statx", 2);
}

Test(parity, utsname_abbreviated_and_whole)
{
	parity_both("parity_structs uname", 1);
}

Test(parity, sigaction_with_and_without_v)
{
	parity_both("parity_structs sigaction", 1);
}

Test(parity, strings_in_hex)
{
	parity_opts("parity_data", "-x", 20);
	parity_opts("parity_data", "-xx", 20);
	parity_opts("parity_data", "--strings-in-hex=non-ascii", 20);
}

Test(parity, structures_whole_with_v)
{
	parity_opts("parity_data", "-v", 20);
}

Test(parity, full_dumps_of_write_and_read_descriptors)
{
	parity_opts("parity_data", "-e write=1", 25);
	/* the pipe: written on 6, read on 5 */
	parity_opts("parity_data", "-e write=1,6 -e read=5", 35);
}

/* --redact-paths reaches the bytes of iovec arrays and msghdrs (a match
 * hides them: their buffers print as addresses) and -e write= dumps. */
Test(parity, redaction_reaches_vectors_and_dumps)
{
	char rt[] = "/tmp/rn-par-vXXXXXX";
	close(mkstemp(rt));
	char *cmd;
	cr_assert(asprintf(&cmd, "%s -o %s --redact-paths \"there|plain|ping\" -e write=1 -- %s/parity_data "
				 ">/dev/null", RN_EXPORTER, rt, RN_PROGS_DIR) > 0);
	struct out o = sh_limit(cmd, 60);
	free(cmd);
	char *t = slurp(rt);
	unlink(rt);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert(strstr(t, "[REDACTED]"), "%s", t);
	cr_assert(!strstr(t, "there") && !strstr(t, "plain") && !strstr(t, "ping") &&
		  !strstr(t, "70 6c 61 69 6e"), "%s", t);
	cr_assert(strstr(t, "writev(") && strstr(t, "sendmsg(") && strstr(t, " | 00000  "), "%s", t);
	free(t);
}

/* Data buffers: -s sets how much is kept, --data-size 0 keeps none,
 * --format json keeps none unless asked, and --redact-paths applies. */
Test(parity, data_size_json_and_redaction)
{
	struct {
		const char *opts, *want, *unwanted;
	} cases[] = {
		{ "-s 4", "\"root\"..., 64)", "root:" },
		{ "--data-size 0", ", 0x", "root:" },
		{ "--format json", "\"read\"", "root:x" },
		{ "--format json --data-size 8", "root:x:0", NULL },
		{ "--redact-paths root", "[REDACTED]", "root:x" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char rt[] = "/tmp/rn-par-dXXXXXX";
		close(mkstemp(rt));
		char *cmd;
		cr_assert(asprintf(&cmd, "%s -o %s %s -- %s/parity_file >/dev/null", RN_EXPORTER, rt,
				   cases[i].opts, RN_PROGS_DIR) > 0);
		struct out o = sh_limit(cmd, 60);
		free(cmd);
		char *t = slurp(rt);
		unlink(rt);
		cr_assert_eq(o.status, 0, "%s: %s", cases[i].opts, o.se);
		cr_assert(strstr(t, cases[i].want), "%s: no %s in\n%s", cases[i].opts, cases[i].want, t);
		if (cases[i].unwanted)
			cr_assert(!strstr(t, cases[i].unwanted), "%s: %s in\n%s", cases[i].opts,
				  cases[i].unwanted, t);
		free(t);
	}
}

/* ---------------------------------------------------- fault injection */

/* Runs inject_write traced with 'opts'; its stdout in *so, the trace
 * returned. */
static char *inject_run(const char *opts, char **so, int *status)
{
	char rt[] = "/tmp/rn-par-iXXXXXX";
	close(mkstemp(rt));
	char *cmd;
	cr_assert(asprintf(&cmd, "%s -o %s %s -- %s/inject_write", RN_EXPORTER, rt, opts,
			   RN_PROGS_DIR) > 0);
	struct out o = sh_limit(cmd, 60);
	free(cmd);
	char *t = slurp(rt);
	unlink(rt);
	*so = o.so;
	*status = o.status;
	return t;
}

Test(inject, the_third_write_fails_with_enospc)
{
	char *so;
	int st;
	char *t = inject_run("-e inject=write:error=ENOSPC:when=3", &so, &st);
	cr_assert_eq(st, 0);
	cr_assert_str_eq(so, "write 1: 4 ok\nwrite 2: 4 ok\nwrite 3: -1 No space left on device\n"
			     "write 4: 4 ok\nretry: 5 after 1 tries\n");
	cr_assert_eq(count_of(t, "(INJECTED)"), 1, "%s", t);
	cr_assert(matches(t, "^write\\([0-9]+, \"data\", 4\\) += -1 ENOSPC \\(No space left on device\\) "
			     "\\(INJECTED\\)$"), "%s", t);
	free(t);
}

Test(inject, a_retry_loop_sees_two_eagains_then_succeeds)
{
	char *so;
	int st;
	char *t = inject_run("-e inject=write:error=EAGAIN:when=5..6", &so, &st);
	cr_assert_eq(st, 0);
	cr_assert(strstr(so, "write 4: 4 ok\nretry: 5 after 3 tries\n"), "%s", so);
	cr_assert_eq(count_of(t, "EAGAIN (Resource temporarily unavailable) (INJECTED)"), 2, "%s", t);
	free(t);
}

Test(inject, retval_every_second_call_and_json)
{
	char *so;
	int st;
	char *t = inject_run("-e inject=write:retval=1:when=2+2", &so, &st);
	cr_assert_eq(st, 0);
	cr_assert(strstr(so, "write 1: 4 ok\nwrite 2: 1 ok\nwrite 3: 4 ok\nwrite 4: 1 ok\n"), "%s", so);
	cr_assert_eq(count_of(t, "= 1 (INJECTED)"), 2, "%s", t);
	free(t);
	t = inject_run("--format json -e inject=write:error=28:when=1", &so, &st);
	cr_assert_eq(st, 0);
	cr_assert_eq(count_of(t, "\"injected\":true"), 1, "%s", t);
	free(t);
}

Test(inject, bad_rules_exit_2_with_one_line)
{
	const char *bad[] = { "-e inject=write:error=EFOO", "-e inject=write", "-e inject=nosuch:error=EIO",
			      "-e inject=write:error=EIO:when=0", "-e inject=write:error=EIO:retval=1" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *cmd;
		cr_assert(asprintf(&cmd, "%s %s -- true", RN_EXPORTER, bad[i]) > 0);
		struct out o = sh_limit(cmd, 30);
		free(cmd);
		cr_assert_eq(o.status, 2, "%s: status %d", bad[i], o.status);
		cr_assert_eq(count_of(o.se, "\n"), 1, "%s: %s", bad[i], o.se);
		cr_assert(strstr(o.se, "inject"), "%s: %s", bad[i], o.se);
	}
}

Test(inject, otlp_spans_say_injected)
{
	char of[] = "/tmp/rn-par-oXXXXXX";
	close(mkstemp(of));
	unlink(of);
	char *cmd;
	cr_assert(asprintf(&cmd, "%s -c -o /dev/null --otlp-file %s -e inject=write:error=ENOSPC:when=3 "
				 "-- %s/inject_write", RN_EXPORTER, of, RN_PROGS_DIR) > 0);
	struct out o = sh_limit(cmd, 60);
	free(cmd);
	cr_assert_eq(o.status, 0, "%s", o.se);
	char *t = slurp(of);
	unlink(of);
	cr_assert_eq(count_of(t, "\"renacer.injected\",\"value\":{\"boolValue\":true}"), 1, "%s", t);
	free(t);
}

/* renacer's trace of one of the parity programs run with opts, and the
 * run itself in *o. */
static char *trace_of(const char *opts, const char *prog, struct out *o)
{
	char rt[] = "/tmp/rn-par-tXXXXXX";
	close(mkstemp(rt));
	char *cmd;
	cr_assert(asprintf(&cmd, "%s %s -o %s -- %s/%s", RN_EXPORTER, opts, rt, RN_PROGS_DIR, prog) > 0);
	*o = sh_limit(cmd, 60);
	free(cmd);
	char *t = slurp(rt);
	unlink(rt);
	return t;
}

/* pthread_create is shown as the clone3 it makes, never with its own
 * arguments, and returns the new thread's id as strace shows it. */
Test(parity, pthread_create_is_clone3_returning_the_tid)
{
	struct out o;
	char *t = trace_of("", "parity_thread", &o);
	cr_assert_eq(o.status, 0, "%s", o.se);
	const char *c = strstr(t, "clone3({flags=CLONE_VM|");
	if (!c)	/* in halves: the thread's first line came between */
		c = strstr(t, "<... clone3 resumed>{flags=CLONE_VM|");
	cr_assert_not_null(c, "%s", t);
	const char *eq = strstr(c, ") = ");
	cr_assert_not_null(eq, "%s", t);
	long tid = strtol(eq + 4, NULL, 10);
	cr_assert_gt(tid, 0, "%s", t);
	char want[64];
	snprintf(want, sizeof want, "[pid %5ld] write(1, \"\", 0)", tid);
	cr_assert(strstr(t, want), "no '%s' in\n%s", want, t);
	free(t);
}

/* JSON: "values" beside "args": numbers as numbers, strings as strings,
 * flags as lists; "args" as before. */
Test(parity, json_values_beside_args)
{
	char rt[] = "/tmp/rn-par-jXXXXXX";
	close(mkstemp(rt));
	char *cmd;
	cr_assert(asprintf(&cmd, "%s --format json -o %s -- %s/parity_file >/dev/null", RN_EXPORTER, rt,
			   RN_PROGS_DIR) > 0);
	struct out o = sh_limit(cmd, 60);
	free(cmd);
	char *t = slurp(rt);
	unlink(rt);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert(matches(t, "\"args\":\\[\"AT_FDCWD\",\"\\\\\"/etc/passwd\\\\\"\",\"O_RDONLY\\|O_CLOEXEC\"\\],"
			     ".*\"values\":\\[\"AT_FDCWD\",\"/etc/passwd\",\\[\"O_RDONLY\",\"O_CLOEXEC\"\\]\\]\\}$"),
		  "%s", t);
	cr_assert(matches(t, "\"func\":\"pread\",\"args\":\\[\"[0-9]+\",\"0x[0-9a-f]+\",\"8\",\"4\"\\],"
			     ".*\"values\":\\[[0-9]+,[0-9]+,8,4\\]\\}$"), "%s", t);
	cr_assert(strstr(t, "\"values\":[[\"EPOLL_CLOEXEC\"]]"), "%s", t);
	free(t);
}

/* posix_spawn, system and popen are shown as the clone3 each makes, with
 * the child's pid as strace shows it (the pid whose lines follow), never
 * with the libc function's own arguments. In a loop of 20 rounds, so that
 * a race between a call's record and its child's start shows: every
 * clone3 names its own child, the one that ran what that call ran. */
#define SPAWN_ROUNDS 20
Test(parity, spawns_are_the_clone3_they_make)
{
	struct out o;
	char prog[64];
	snprintf(prog, sizeof prog, "parity_spawn %d", SPAWN_ROUNDS);
	char *t = trace_of("-f", prog, &o);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_str_eq(o.so, "0 3 0 hi\n");
	const char *want = "{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, ...}, 88) = ";
	/* what each call's child runs, in the order the program calls them */
	static const char *const ran[3] = { "[\"/bin/true\"]", "[\"sh\", \"-c\", \"exit 3\"]",
					     "[\"sh\", \"-c\", \"echo hi\"]" };
	long pids[3 * SPAWN_ROUNDS];
	unsigned n = 0;
	for (const char *p = t; (p = strstr(p, want)); p += strlen(want), n++) {
		cr_assert_lt(n, 3 * SPAWN_ROUNDS, "%s", t);
		long pid = strtol(p + strlen(want), NULL, 10);
		cr_assert_gt(pid, 0, "clone3 %u has no pid:\n%s", n, t);
		for (unsigned k = 0; k < n; k++)
			cr_assert_neq(pids[k], pid, "clone3 %u and %u both name %ld:\n%s", k, n, pid, t);
		pids[n] = pid;
		char mark[64];
		snprintf(mark, sizeof mark, "[pid %5ld] execve(", pid);
		const char *x = strstr(t, mark);
		cr_assert(x, "clone3 returned %ld, no exec of that pid:\n%s", pid, t);
		const char *eol = strchr(x, '\n');
		const char *args = strstr(x, ran[n % 3]);
		cr_assert(args && (!eol || args < eol), "clone3 %u returned %ld, which ran no %s:\n%s", n,
			  pid, ran[n % 3], t);
	}
	cr_assert_eq(n, 3 * SPAWN_ROUNDS, "%s", t);
	cr_assert_null(strstr(t, "clone3(\"exit 3\""), "%s", t);
	cr_assert_null(strstr(t, "clone3(["), "%s", t);
	free(t);
}
