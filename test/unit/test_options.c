/* test_options.c: every bad option exits 2 with one line naming it; every
 * bad environment value warns once and falls back; good ones work. Runs
 * the real renacer-exporter, as a user would. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "opt_run.h"

static struct result run(const char *env, const char *args)
{
	return run_pre("", env, args);
}

Test(options, bad_values_exit_2_naming_the_option)
{
	bad_option("-s abc -- true", "-s");
	bad_option("-s -1 -- true", "-s");
	bad_option("-s 99999999999999999999 -- true", "-s");
	bad_option("-s 5000 -- true", "-s");
	bad_option("-s '' -- true", "-s");
	bad_option("-S bogus -- true", "-S");
	bad_option("-e trace=bogus -- true", "bogus");
	bad_option("-e trace= -- true", "-e");
	bad_option("-e signal=SIGNOPE -- true", "-e");
	bad_option("-e verbose=all -- true", "-e");
	bad_option("--format xml -- true", "--format");
	bad_option("--on-full=sometimes -- true", "--on-full");
	bad_option("-o '' -- true", "-o");
	bad_option("-J -- true", "-J");	/* -Z is strace's "failed only" now */
	bad_option("--bogus -- true", "--bogus");
	bad_option("-o", "-o");
	bad_option("-c -C -- true", "-c");
	bad_option("--session-dir /tmp -- true", "--session-dir");
	bad_option("--daemon", "--daemon");	/* a service needs its directory */
	bad_option("--daemon -- true", "--daemon");
	bad_option("", "program");
}

Test(options, errors_say_what_is_allowed)
{
	struct result r = run(NULL, "-s 5000 -- true");
	cr_assert(strstr(r.err, "0..4096"), "the range is not given: %s", r.err);
	r = run(NULL, "");
	cr_assert(!strstr(r.err, "renacer: renacer:"), "doubled prefix: %s", r.err);
	r = run("RENACER_RING_SIZE=1000", "-c -o /dev/null -- true");
	cr_assert(strstr(r.err, "not a power of two"), "%s", r.err);
}

/* An option that means nothing in a mode is refused there, never ignored:
 * -e given to a --session-dir exporter used to be accepted and dropped. */
Test(options, options_that_mean_nothing_in_a_mode_are_refused)
{
	bad_option("--session-dir /tmp -e trace=read", "-e");
	bad_option("--session-dir /tmp -s 10", "-s");
	bad_option("--session-dir /tmp --on-full=block", "--on-full");
	bad_option("--status /tmp -c", "-c");
	bad_option("--status /tmp --otlp-endpoint http://127.0.0.1:1/v1/traces", "--otlp-endpoint");
	bad_option("--replay /tmp -o trace.txt", "-o");
	bad_option("--replay /tmp --format json", "--format");
}

Test(options, unwritable_output_is_an_error)
{
	struct result r = run(NULL, "-o /nonexistent-dir/trace.txt -- true");
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "-o") && strstr(r.err, "/nonexistent-dir/trace.txt"), "%s", r.err);
}

Test(options, help_and_version)
{
	cr_assert_eq(run(NULL, "--help").status, 0);
	struct result r = run(NULL, "--version 2>&1 >/dev/null");
	cr_assert_eq(r.status, 0);
}

static void bad_env(const char *env, const char *name)
{
	struct result r = run(env, "-c -o /dev/null -- true");
	cr_assert_eq(r.status, 0, "%s: exit %d: %s", env, r.status, r.err);
	cr_assert_eq(r.lines, 1, "%s: expected one warning, got: %s", env, r.err);
	cr_assert(strstr(r.err, name) && strstr(r.err, "warning"), "%s: %s", env, r.err);
}

Test(options, bad_environment_warns_once_and_falls_back)
{
	bad_env("RENACER_STRSIZE=abc", "RENACER_STRSIZE");
	bad_env("RENACER_STRSIZE=-5", "RENACER_STRSIZE");
	bad_env("RENACER_ON_FULL=maybe", "RENACER_ON_FULL");
	bad_env("RENACER_RING_SIZE=1000", "RENACER_RING_SIZE");
	bad_env("RENACER_RING_SIZE=16", "RENACER_RING_SIZE");
	bad_env("RENACER_RINGS=0", "RENACER_RINGS");
	bad_env("RENACER_TRACE=nosuchcall", "RENACER_TRACE");
}

Test(options, empty_environment_values_mean_unset)
{
	struct result r = run("RENACER_STRSIZE= RENACER_ON_FULL=", "-c -o /dev/null -- true");
	cr_assert_eq(r.status, 0);
	cr_assert_eq(r.lines, 0, "%s", r.err);
}

Test(options, program_status_is_passed_through)
{
	cr_assert_eq(run(NULL, "-o /dev/null -- sh -c 'exit 7'").status, 7);
	cr_assert_eq(run(NULL, "-o /dev/null -- sh -c 'kill -TERM $$'").status, 128 + 15);
	struct result r = run(NULL, "-o /dev/null -- /nonexistent/program");
	cr_assert_eq(r.status, 127);
	cr_assert(strstr(r.err, "/nonexistent/program"), "%s", r.err);
}

/* -e trace= takes every x86-64 system call and strace's classes; a name
 * only --complete sees is one note line on stderr, not an error, and no
 * note with --complete; an unknown name still exits 2 naming it. */
Test(options, trace_names_and_classes)
{
	struct result r = run(NULL, "-c -o /dev/null -e trace=%creds,%pure,%%stat,%clock,%statfs,"
				    "%fstatfs,%lstat,%fstat,%stat,%%statfs,read -- true");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.err, "");
	r = run(NULL, "-c -o /dev/null -e trace=io_uring_enter,futex,read -- true");
	cr_assert_eq(r.status, 0, "%s", r.err);
	const char *a = strstr(r.err, "renacer: note: -e trace: "), *b = a ? strstr(a + 1, "renacer: note: -e trace: ") : NULL;
	cr_assert(a && b && !strstr(b + 1, "renacer: note:"), "one line per name: %s", r.err);
	cr_assert(strstr(a, "io_uring_enter") && strstr(b, "futex") && strstr(a, "--complete"), "%s", r.err);
	r = run(NULL, "-q -c -o /dev/null -e trace=io_uring_enter -- true");
	cr_assert_str_eq(r.err, "", "-q: no notes");
	r = run(NULL, "--complete -c -o /dev/null -e trace=io_uring_enter -- true");
	cr_assert(!strstr(r.err, "note: -e trace"), "%s", r.err);
	bad_option("-e trace=%nosuchclass -- true", "%nosuchclass");
	bad_option("-e trace=read,io_uring_enterr -- true", "io_uring_enterr");
}

/* The next option in --help's text from s: "--long" or "-x" standing on
 * its own (not -xx, not renacer-run); its length, 0 at the end. */
static size_t next_help_option(const char **s)
{
	for (const char *p = *s; *p; p++) {
		if (p[0] != '-' || (p > *s && (isalnum((unsigned char)p[-1]) || p[-1] == '-')))
			continue;
		size_t n = 0;
		if (p[1] == '-' && islower((unsigned char)p[2]))
			n = 2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
		else if (isalpha((unsigned char)p[1]) && !isalnum((unsigned char)p[2]) && p[2] != '-')
			n = 2;
		if (!n)
			continue;
		*s = p;
		return n;
	}
	return 0;
}

/* Every option --help names is one the parser takes: an option whose
 * row is missing from the table (exporter/options.c) would be refused as
 * unknown. */
Test(options, every_option_in_help_is_known)
{
	static char help[32768];
	FILE *p = popen(RN_EXPORTER " --help", "r");
	cr_assert(p);
	size_t len = fread(help, 1, sizeof help - 1, p);
	help[len] = '\0';
	cr_assert_eq(pclose(p), 0);
	static char seen[8192] = " ";	/* " -c --format ": each option once */
	unsigned checked = 0;
	const char *s = help;
	for (size_t n; (n = next_help_option(&s)); s += n) {
		char opt[64], key[68];
		snprintf(opt, sizeof opt, "%.*s", (int)n, s);
		snprintf(key, sizeof key, " %s ", opt);
		if (strstr(seen, key) || strlen(seen) + strlen(opt) + 2 >= sizeof seen)
			continue;
		strcat(strcat(seen, opt), " ");
		struct result r = run(NULL, opt);
		cr_assert(!strstr(r.err, "unknown option"), "--help names %s: %s", opt, r.err);
		checked++;
	}
	fprintf(stderr, "every_option_in_help_is_known: %u options of --help checked\n", checked);
	cr_assert_geq(checked, 50, "only %u options found in --help", checked);
}
