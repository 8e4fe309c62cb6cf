/* test_stacks.c: -k, --stack-depth and --by-site on real programs: the
 * stacks name the functions and lines that made each call (text, JSON,
 * OTLP), the summary counts per line, a stripped build shows
 * module+offset, a dlopen'ed library's frames are named, and calls from
 * signal handlers and dlopen constructors neither hang nor change what
 * the program sees. The program is progs/stacks_prog.c; its call sites
 * carry SITE_ comments whose lines the tests look up. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

#define PROG_SRC RN_TEST_DIR "/progs/stacks_prog.c"
#define LIB_SRC RN_TEST_DIR "/progs/stacks_lib.c"

/* The line of src holding marker. */
static unsigned line_of(const char *src, const char *marker)
{
	char *text = slurp(src), mark[64];
	snprintf(mark, sizeof mark, "/* %s */", marker);
	const char *at = strstr(text, mark);
	cr_assert_not_null(at, "%s not in %s", marker, src);
	unsigned line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	free(text);
	return line;
}

/* Runs PROGS_DIR/cmd, traced with opts (the trace into a file of its
 * own) or not, under a time limit. */
static struct out run(const char *cmd, int traced, const char *opts)
{
	char so[] = "/tmp/rn-stk-oXXXXXX", se[] = "/tmp/rn-stk-eXXXXXX";
	char tr[] = "/tmp/rn-stk-rXXXXXX";
	close(mkstemp(so));
	close(mkstemp(se));
	close(mkstemp(tr));
	char *full;
	if (traced)
		cr_assert(asprintf(&full, "timeout -s KILL 60 %s -o %s %s -- %s/%s </dev/null >%s 2>%s",
				   RN_EXPORTER, tr, opts ? opts : "", RN_PROGS_DIR, cmd, so, se) > 0);
	else
		cr_assert(asprintf(&full, "timeout -s KILL 60 %s/%s </dev/null >%s 2>%s", RN_PROGS_DIR,
				   cmd, so, se) > 0);
	int st = system(full);
	free(full);
	struct out o = { WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), slurp(so), slurp(se),
			 slurp(tr), 0 };
	unlink(so);
	unlink(se);
	unlink(tr);
	return o;
}

/* The traced run behaves as the untraced one; returns the traced run. */
static struct out same(const char *cmd, const char *opts)
{
	struct out a = run(cmd, 0, NULL), b = run(cmd, 1, opts);
	cr_assert_eq(b.status, a.status, "%s: exit status %d traced, %d untraced\nstderr: %s", cmd,
		     b.status, a.status, b.se);
	cr_assert_str_eq(b.so, a.so, "%s: stdout differs\ntraced:\n%s\nuntraced:\n%s", cmd, b.so, a.so);
	cr_assert_str_eq(without_loss_line(b.se), a.se, "%s: stderr differs: %s", cmd, b.se);
	return b;
}

/* The trace line of the call whose text holds 'call', and the stack
 * lines under it, as one string (freed by the caller). */
static char *call_with_stack(const char *tr, const char *call)
{
	const char *p = strstr(tr, call);
	cr_assert_not_null(p, "no %s in:\n%s", call, tr);
	const char *end = strchr(p, '\n');
	while (end && !strncmp(end + 1, " > ", 3))
		end = strchr(end + 1, '\n');
	return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

Test(text, stack_under_each_call_names_the_functions)
{
	struct out o = same("stacks_prog calls", "-k");
	cr_assert_str_eq(o.so, "fd 3\n", "libunwind's own descriptors must not show");
	char *open_ = call_with_stack(o.tr, "openat(AT_FDCWD, \"/dev/null\"");
	cr_assert(matches(open_, "^ > [^ ]*/stacks_prog\\(open_config\\+0x[0-9a-f]+\\) \\[0x[0-9a-f]+\\]$"),
		  "%s", open_);
	cr_assert(matches(open_, "^ > [^ ]*/stacks_prog\\(main\\+0x[0-9a-f]+\\)"), "%s", open_);
	/* innermost first: the caller's frame before main's */
	cr_assert_lt(strstr(open_, "open_config"), strstr(open_, "(main"), "%s", open_);
	char *read_ = call_with_stack(o.tr, "read(3,");
	cr_assert(matches(read_, "^ > [^ ]*/stacks_prog\\(read_config\\+0x"), "%s", read_);
	free(open_);
	free(read_);
}

Test(text, no_stack_without_k)
{
	struct out o = same("stacks_prog calls", NULL);
	cr_assert(strstr(o.tr, "openat(AT_FDCWD, \"/dev/null\""), "%s", o.tr);
	cr_assert_null(strstr(o.tr, "\n > "), "%s", o.tr);
}

Test(text, depth_limits_the_frames)
{
	struct out o = same("stacks_prog calls", "--stack-depth 1");
	char *open_ = call_with_stack(o.tr, "openat(AT_FDCWD, \"/dev/null\"");
	cr_assert_eq(count_of(open_, "\n > "), 2, "one frame and the truncation mark:\n%s", open_);
	cr_assert(strstr(open_, "(open_config+0x"), "%s", open_);
	cr_assert(strstr(open_, "\n > ...") , "%s", open_);
	free(open_);
}

Test(json, stack_array_has_function_file_and_line)
{
	struct out o = same("stacks_prog calls", "-k --format json");
	char want[512];
	snprintf(want, sizeof want, "\"stack\":[{\"func\":\"open_config\",\"file\":\"%s\",\"line\":%u,",
		 PROG_SRC, line_of(PROG_SRC, "SITE_OPEN"));
	cr_assert(strstr(o.tr, want), "want %s in:\n%s", want, o.tr);
	snprintf(want, sizeof want, "\"stack\":[{\"func\":\"read_config\",\"file\":\"%s\",\"line\":%u,",
		 PROG_SRC, line_of(PROG_SRC, "SITE_READ"));
	cr_assert(strstr(o.tr, want), "want %s in:\n%s", want, o.tr);
	cr_assert(matches(o.tr, "\"module\":\"[^\"]*/stacks_prog\",\"offset\":[0-9]+"), "%s", o.tr);
}

Test(otlp, call_spans_carry_the_call_site)
{
	char f[] = "/tmp/rn-stk-otlpXXXXXX";
	close(mkstemp(f));
	char opts[128];
	snprintf(opts, sizeof opts, "-q -k --otlp-file %s", f);
	struct out o = same("stacks_prog calls", opts);
	(void)o;
	char *j = slurp(f);
	unlink(f);
	char want[512];
	cr_assert(strstr(j, "\"key\":\"code.function.name\",\"value\":{\"stringValue\":\"open_config\"}"),
		  "%s", j);
	snprintf(want, sizeof want, "\"key\":\"code.file.path\",\"value\":{\"stringValue\":\"%s\"}",
		 PROG_SRC);
	cr_assert(strstr(j, want), "%s", j);
	snprintf(want, sizeof want, "\"key\":\"code.line.number\",\"value\":{\"intValue\":\"%u\"}",
		 line_of(PROG_SRC, "SITE_READ"));
	cr_assert(strstr(j, want), "%s", j);
	cr_assert(strstr(j, "\"key\":\"code.stacktrace\",\"value\":{\"stringValue\":\"open_config+0x"),
		  "%s", j);
	free(j);
}

Test(summary, by_site_counts_each_line)
{
	struct out o = same("stacks_prog sites", "-c --by-site");
	char row[512];
	/* calls and errors per line: close(-1) 3 times, access 5 times, all failing */
	snprintf(row, sizeof row, " +3 +3 +[0-9.]+ +[0-9.]+ +[0-9.]+ %s:%u$", PROG_SRC,
		 line_of(PROG_SRC, "SITE_A"));
	cr_assert(matches(o.tr, row), "want /%s/ in:\n%s", row, o.tr);
	snprintf(row, sizeof row, " +5 +5 +[0-9.]+ +[0-9.]+ +[0-9.]+ %s:%u$", PROG_SRC,
		 line_of(PROG_SRC, "SITE_B"));
	cr_assert(matches(o.tr, row), "want /%s/ in:\n%s", row, o.tr);
	cr_assert(matches(o.tr, " site$"), "%s", o.tr);
}

Test(summary, by_site_needs_a_summary)
{
	struct out o = sh(RN_EXPORTER " --by-site -- /bin/true");
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.se, "--by-site"), "%s", o.se);
	o = sh(RN_EXPORTER " --stack-depth 65 -- /bin/true");
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.se, "--stack-depth"), "%s", o.se);
}

Test(stripped, frames_show_module_and_offset)
{
	struct out o = same("stacks_prog_stripped calls", "-k");
	char *open_ = call_with_stack(o.tr, "openat(AT_FDCWD, \"/dev/null\"");
	cr_assert(matches(open_, "^ > [^ ]*/stacks_prog_stripped\\(stacks_prog_stripped\\+0x[0-9a-f]+\\) "
			  "\\[0x[0-9a-f]+\\]$"), "%s", open_);
	cr_assert_null(strstr(open_, "open_config"), "%s", open_);
	free(open_);
}

Test(dlopen, library_frames_and_constructor_calls)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "stacks_prog dlopen %s/libstacks_lib.so", RN_PROGS_DIR);
	struct out o = same(cmd, "-k --format json");
	char want[512];
	/* the call made inside dlopen, by the constructor */
	snprintf(want, sizeof want, "\"stack\":[{\"func\":\"lib_ctor\",\"file\":\"%s\",\"line\":%u,",
		 LIB_SRC, line_of(LIB_SRC, "SITE_CTOR"));
	cr_assert(strstr(o.tr, want), "want %s in:\n%s", want, o.tr);
	snprintf(want, sizeof want, "\"stack\":[{\"func\":\"lib_open\",\"file\":\"%s\",\"line\":%u,",
		 LIB_SRC, line_of(LIB_SRC, "SITE_LIB"));
	cr_assert(strstr(o.tr, want), "want %s in:\n%s", want, o.tr);
	cr_assert(matches(o.tr, "\"module\":\"[^\"]*/libstacks_lib.so\""), "%s", o.tr);
}

Test(signals, handler_calls_during_calls_never_hang)
{
	struct out o = same("stacks_prog signals 20000", "-k -c --by-site");
	cr_assert_str_eq(o.so, "signals done\n");
	char row[512];
	snprintf(row, sizeof row, " 20000 +20000 +[0-9.]+ +[0-9.]+ +[0-9.]+ %s:%u$", PROG_SRC,
		 line_of(PROG_SRC, "SITE_B"));
	cr_assert(matches(o.tr, row), "want /%s/ in:\n%s", row, o.tr);
	/* the handler's calls: each either recorded at its own line or
	 * counted as lost to nesting, never attributed elsewhere */
	char site[256];
	snprintf(site, sizeof site, "%s:%u", PROG_SRC, line_of(PROG_SRC, "SITE_HANDLER"));
	cr_assert(strstr(o.tr, site) || strstr(o.tr, "signal nesting"), "%s", o.tr);
}

/* Calls a handler makes while this thread unwinds (the timer lands inside
 * the unwind of a call 60 frames down): each one recorded, none lost to
 * nesting. 1000 calls of 64 frames fit in the ring, so the program never
 * waits for room (a handler's calls during that wait are another story). */
Test(signals, handler_calls_during_unwinds_are_all_recorded)
{
	struct out o = run("stacks_prog unwinding 1000", 1, "-k --stack-depth 64 -c -e trace=close");
	cr_assert_eq(o.status, 0, "%s", o.se);
	int ticks = -1;
	cr_assert_eq(sscanf(o.so, "ticks %d", &ticks), 1, "%s", o.so);
	fprintf(stderr, "unwinding: %d handler runs\n", ticks);
	cr_assert_gt(ticks, 0, "the timer never fired: %s", o.so);
	const char *row = strstr(o.tr, " close\n");
	cr_assert_not_null(row, "%s", o.tr);
	while (row > o.tr && row[-1] != '\n')
		row--;
	double pct, secs;
	unsigned long usecs, calls, errors;
	cr_assert_eq(sscanf(row, "%lf %lf %lu %lu %lu", &pct, &secs, &usecs, &calls, &errors), 5,
		     "%s", row);
	cr_assert_eq(calls, 1000ul + (unsigned long)ticks,
		     "the program's 1000 calls and every handler call (%d ticks):\n%s", ticks, o.tr);
	cr_assert_null(strstr(o.tr, "lost"), "%s", o.tr);
}

/* --complete: a call libc makes inside (printf's fstat, trapped by the
 * SIGSYS handler) has the stack of the code it interrupted, from libc's
 * own function up to the program's main, as strace -k shows it. */
Test(complete, trapped_calls_have_the_interrupted_stack)
{
	struct out o = same("stacks_prog calls", "--complete -k");
	char *c = call_with_stack(o.tr, "newfstatat(0x1,");
	cr_assert(strstr(c, "\n > ") && strstr(c, "fstatat"), "the interrupted function first:\n%s", c);
	cr_assert(strstr(c, "stacks_prog(main+0x"), "up to main:\n%s", c);
	free(c);
}

/* A handler that siglongjmps out, often from inside an unwind: the
 * program runs as untraced, and once the timer stops every call is
 * recorded with its stack (the unwind stacks and the busy flag were given
 * back each time). */
Test(signals, longjmp_out_of_unwinds_keeps_tracing)
{
	struct out o = same("stacks_prog jumps 200", "-k --stack-depth 64 --on-full=block -e trace=close");
	cr_assert_str_eq(o.so, "jumps done\n");
	cr_assert_eq(count_of(o.tr, "\nclose(-8)"), 5, "%s", o.se);
	char want[64];
	snprintf(want, sizeof want, "(main+0x");
	char *c = call_with_stack(o.tr, "close(-8)");
	cr_assert(strstr(c, want), "with its stack:\n%s", c);
	free(c);
}

/* A frame without unwind info: libunwind could only guess past it (and
 * its guess skips the caller). The stack ends at that frame, marked
 * truncated, rather than show a wrong caller. */
Test(stack, a_frame_without_unwind_info_ends_it_truncated)
{
	struct out o = same("stacks_prog nocfi", "-k");
	cr_assert_str_eq(o.so, "nocfi 1\n");
	char *c = call_with_stack(o.tr, "close(-10)");
	cr_assert(strstr(c, "\n > ") && strstr(c, "(stacks_nocfi_close+0x"), "%s", c);
	cr_assert_eq(count_of(c, "\n > "), 2, "that frame and the truncation mark:\n%s", c);
	cr_assert(!strcmp(c + strlen(c) - 5, "> ..."), "marked truncated:\n%s", c);
	free(c);
}

#ifndef RN_STRACE
#define RN_STRACE "strace"
#endif

/* -k costs no system call per call: the unwind is guarded by this
 * thread's busy flag, not by blocking signals (two rt_sigprocmask a call
 * before). strace counts the traced program's; the exporter's few and
 * libunwind's first-use ones stay far below one a call. */
Test(stack, unwinding_makes_no_system_call)
{
	char log[] = "/tmp/rn-stk-sXXXXXX", tr[] = "/tmp/rn-stk-tXXXXXX";
	close(mkstemp(log));
	close(mkstemp(tr));
	char *cmd;
	/* (LeakSanitizer cannot work under ptrace: off for a sanitizer build) */
	cr_assert(asprintf(&cmd, "ASAN_OPTIONS=\"$ASAN_OPTIONS:detect_leaks=0\" "
			   "timeout -s KILL 120 " RN_STRACE " -f -qq -e trace=rt_sigprocmask -o %s "
			   "%s -k -c -e trace=close -o %s -- %s/stacks_prog far 3000 >/dev/null",
			   log, RN_EXPORTER, tr, RN_PROGS_DIR) > 0);
	int st = system(cmd);
	free(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	char *l = slurp(log);
	unsigned n = count_of(l, "rt_sigprocmask(");
	fprintf(stderr, "unwinding: %u rt_sigprocmask for 3000 calls with -k\n", n);
	cr_assert_lt(n, 1000u, "rt_sigprocmask on the traced path (%u for 3000 calls)", n);
	free(l);
	unlink(log);
	unlink(tr);
}

/* A call 20000 frames down: the stack holds the frames asked for and says
 * it goes on; the program runs as untraced. */
Test(stack, deep_recursion_is_cut_and_marked)
{
	struct out o = same("stacks_prog deep 20000", "-k");
	cr_assert_str_eq(o.so, "deep 20001\n");
	char *c = call_with_stack(o.tr, "close(-6)");
	char want[256];
	snprintf(want, sizeof want, "(deep_one+0x");
	cr_assert_eq(count_of(c, want), 16, "16 frames of deep_one:\n%s", c);
	cr_assert(strstr(c, " > ...\n") || !strcmp(c + strlen(c) - 5, "> ..."),
		  "the stack is marked truncated:\n%s", c);
	free(c);
}

Test(fork, child_and_thread_calls_have_their_stacks)
{
	struct out o = same("stacks_prog fork", "-k --format json");
	cr_assert_str_eq(o.so, "child status 7\n", "the fork child must live: %s", o.se);
	char want[512];
	/* the child announces nothing: its parent's objects name its frames */
	snprintf(want, sizeof want, "\"stack\":[{\"func\":\"child_call\",\"file\":\"%s\",\"line\":%u,",
		 PROG_SRC, line_of(PROG_SRC, "SITE_CHILD"));
	cr_assert(strstr(o.tr, want), "want %s in:\n%s", want, o.tr);
	snprintf(want, sizeof want, "\"stack\":[{\"func\":\"thread_main\",\"file\":\"%s\",\"line\":%u,",
		 PROG_SRC, line_of(PROG_SRC, "SITE_THREAD"));
	cr_assert(strstr(o.tr, want), "want %s in:\n%s", want, o.tr);
	/* libunwind's own calls (its per-thread cache, made and freed) are
	 * neither shown nor counted as lost */
	cr_assert_null(strstr(o.tr, "libunwind"), "%s", o.tr);
	cr_assert_null(strstr(o.se, "lost"), "%s", o.se);
}

/* A wrapper adds at most RN_STACK_BUDGET bytes to the stack even with
 * stacks on: the unwinder runs on a stack of its own. */
#define RN_STACK_BUDGET 1024

Test(stack, budget_holds_with_k)
{
	struct out a = run("hostile_stack depth", 0, NULL), b = run("hostile_stack depth", 1, "-k");
	cr_assert_eq(a.status, 0);
	cr_assert_eq(b.status, 0, "%s", b.se);
	unsigned classes = 0;
	for (const char *p = a.so; (p = strstr(p, "depth ")); p++) {
		char name[32];
		unsigned long plain, traced;
		cr_assert_eq(sscanf(p, "depth %31s %lu", name, &plain), 2);
		char key[48];
		snprintf(key, sizeof key, "depth %s ", name);
		const char *q = strstr(b.so, key);
		cr_assert_not_null(q, "%s missing traced: %s", name, b.so);
		cr_assert_eq(sscanf(q + strlen(key), "%lu", &traced), 1);
		fprintf(stderr, "stack -k %s: %lu traced, %lu untraced\n", name, traced, plain);
		cr_assert_leq(traced, plain + RN_STACK_BUDGET,
			      "%s: %lu bytes of stack traced with -k, %lu untraced (budget %u)", name,
			      traced, plain, RN_STACK_BUDGET);
		classes++;
	}
	cr_assert_eq(classes, 8, "%s", a.so);
}
