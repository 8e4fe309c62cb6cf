/* test_hostile.c: programs that hand the shim what a careful tracer must
 * survive (address buffers smaller than the address, invalid environment
 * pointers, small stacks, a seccomp sandbox) behave exactly as untraced:
 * same output, same exit status. Each program is in progs/hostile_*.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

/* Runs PROGS_DIR/cmd, traced (with renacer-run's options 'opts') or not,
 * with a time limit; the trace goes to a file of its own. */
static struct out run(const char *cmd, int traced, const char *opts)
{
	char so[] = "/tmp/rn-host-oXXXXXX", se[] = "/tmp/rn-host-eXXXXXX";
	char tr[] = "/tmp/rn-host-rXXXXXX";
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

/* The traced run prints, exits and fails exactly like the untraced one;
 * returns the traced run for further checks. */
static struct out same(const char *cmd, const char *opts)
{
	struct out a = run(cmd, 0, NULL), b = run(cmd, 1, opts);
	cr_assert_eq(b.status, a.status, "%s: exit status %d traced, %d untraced\nstderr: %s", cmd,
		     b.status, a.status, b.se);
	cr_assert_str_eq(b.so, a.so, "%s: stdout differs\ntraced:\n%s\nuntraced:\n%s", cmd, b.so, a.so);
	cr_assert_str_eq(without_loss_line(b.se), a.se, "%s: stderr differs: %s", cmd, b.se);
	return b;
}

/* ------------------------------------------ pointers and lengths handed in */

Test(pointers, address_buffers_smaller_than_the_address)
{
	struct out o = same("hostile_addr", NULL);
	cr_assert_eq(o.status, 0, "%s", o.so);
	cr_assert_eq(count_of(o.so, "tail=untouched"), 8, "%s", o.so);
	cr_assert(strstr(o.so, "accept inet6 bad-len: -1 EFAULT"), "%s", o.so);
	/* the trace shows the calls, with no more of the address than the
	 * program had room for */
	cr_assert(strstr(o.tr, "accept("), "%s", o.tr);
	cr_assert(strstr(o.tr, "recvfrom("), "%s", o.tr);
}

Test(pointers, invalid_environment_fails_like_untraced)
{
	struct out o = same("hostile_envp", NULL);
	cr_assert_eq(o.status, 0);
	cr_assert_eq(count_of(o.so, "EFAULT"), 10, "%s", o.so);
	cr_assert(strstr(o.so, "exec still works\n"), "%s", o.so);
	cr_assert(strstr(o.tr, "execve(\"/bin/echo\""), "the good exec is recorded: %s", o.tr);
}

Test(pointers, the_programs_own_preload_is_kept_after_ours)
{
	/* the environment is read fault-safely now: a program's own
	 * LD_PRELOAD still comes through, after ours */
	char *cmd;
	cr_assert(asprintf(&cmd, "timeout -s KILL 60 %s -o /dev/null -- env -i A=1 "
			   "LD_PRELOAD=/lib/x86_64-linux-gnu/libm.so.6 /usr/bin/env", RN_EXPORTER) > 0);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char line[4096];
	int seen = 0;
	while (fgets(line, sizeof line, p))
		if (!strncmp(line, "LD_PRELOAD=", 11)) {
			/* ours is renacer-run's session link, named with $LIB */
			const char *tail = "/rt/$LIB/librenacer.so:/lib/x86_64-linux-gnu/libm.so.6\n";
			size_t ll = strlen(line), tl = strlen(tail);
			cr_assert(line[11] == '/' && ll > tl && !strcmp(line + ll - tl, tail) &&
				  !memchr(line, ':', ll - tl), "%s", line);
			seen = 1;
		}
	cr_assert_eq(pclose(p), 0);
	cr_assert(seen);
	free(cmd);
}

/* ----------------------------------------------------------- small stacks */

Test(stack, execve_from_a_handler_on_an_8k_sigaltstack)
{
	struct out o = same("hostile_stack altstack", NULL);
	cr_assert_str_eq(o.so, "child: exec'd from a handler on an 8 KiB sigaltstack\n");
}

Test(stack, posix_spawn_from_a_minimal_thread)
{
	struct out o = same("hostile_stack thread", NULL);
	cr_assert(strstr(o.so, "posix_spawn: ok, child exit 0"), "%s", o.so);
	cr_assert(strstr(o.so, "child: spawned from a PTHREAD_STACK_MIN thread"), "%s", o.so);
}

Test(stack, clone_vfork_child_on_a_small_stack_execs)
{
	struct out o = same("hostile_stack clonevfork", NULL);
	cr_assert(strstr(o.so, "child: exec'd from a CLONE_VM|CLONE_VFORK child"), "%s", o.so);
	cr_assert(strstr(o.so, "clone child exit 0"), "%s", o.so);
}

/* The budget stated in preload/shim.h (RN_STACK_BUDGET): what a wrapper
 * adds to the stack the libc call itself uses, for every class of
 * wrapper, measured on a stack filled with a pattern. */
#define RN_STACK_BUDGET 1024

Test(stack, every_wrapper_class_stays_within_the_budget)
{
	struct out a = run("hostile_stack depth", 0, NULL), b = run("hostile_stack depth", 1, NULL);
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
		cr_assert_leq(traced, plain + RN_STACK_BUDGET,
			      "%s: %lu bytes of stack traced, %lu untraced (budget %u)", name, traced,
			      plain, RN_STACK_BUDGET);
		classes++;
	}
	cr_assert_eq(classes, 8, "%s", a.so);
}

/* --------------------------------------------------------------- sandboxes */

Test(sandbox, seccomp_allowlist_via_prctl)
{
	struct out o = same("hostile_seccomp prctl 200", NULL);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert(strstr(o.so, "rounds 200: ENOENT 200, EBADF 400, ok 200"), "%s", o.so);
	/* failed calls are recorded, their path as an address: nothing may
	 * read it for us once the program is sandboxed */
	cr_assert_geq(count_of(o.tr, "= -1 ENOENT"), 200, "%s", o.tr);
	cr_assert(strstr(o.tr, "prctl("), "%s", o.tr);
}

Test(sandbox, failed_path_calls_whose_path_the_kernel_never_read)
{
	/* a filter the shim never saw answers ENOENT without reading the
	 * path; EINVAL comes before the kernel reads it: both are read for
	 * the record fault-safely, never with a plain load */
	struct out o = same("hostile_seccomp unknown", NULL);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_str_eq(o.so, "open of an unmapped path: ENOENT; O_TMPFILE read-only: EINVAL\n");
	cr_assert_geq(count_of(o.tr, "= -1 ENOENT"), 1, "%s", o.tr);
	cr_assert_geq(count_of(o.tr, "= -1 EINVAL"), 1, "%s", o.tr);
}

Test(sandbox, seccomp_allowlist_via_syscall)
{
	struct out o = same("hostile_seccomp seccomp 200", NULL);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_geq(count_of(o.tr, "= -1 EBADF"), 400, "%s", o.tr);
}

Test(sandbox, seccomp_with_a_full_ring_in_block_mode_counts_drops)
{
	/* a small ring that fills: block mode would wait (a sleep, a clock
	 * read); sandboxed, the record is dropped and counted instead */
	setenv("RENACER_RING_SIZE", "1024", 1);
	struct out o = same("hostile_seccomp prctl 50000", "--on-full=block -c");
	unsetenv("RENACER_RING_SIZE");
	cr_assert(strstr(o.so, "rounds 50000: ENOENT 50000, EBADF 100000, ok 50000"), "%s", o.so);
	/* every call made is either in the summary or counted as lost:
	 * 6 per round, and execve, 2 prctl, 2 write, exit_group */
	unsigned long long total = 0, lost = 0;
	const char *t = strstr(o.tr, "\n100.00 ");
	cr_assert_not_null(t, "%s", o.tr);
	cr_assert_eq(sscanf(t, "\n100.00 %*s %*s %llu", &total), 1, "%s", t);
	const char *l = strstr(o.tr, " events lost");
	if (l) {
		while (l > o.tr && l[-1] != '\n')
			l--;
		cr_assert_eq(sscanf(l, "renacer: %llu events lost", &lost), 1, "%s", l);
	}
	cr_assert_eq(total + lost, 6ull * 50000 + 6, "made %llu, shown %llu, lost %llu\n%s",
		     6ull * 50000 + 6, total, lost, o.tr);
}

Test(sandbox, seccomp_then_a_thread)
{
	/* the new thread cannot claim a ring without system calls: it runs
	 * untraced and its calls are counted */
	struct out o = same("hostile_seccomp thread 100", NULL);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert(strstr(o.so, "rounds 100: ENOENT 100, EBADF 200, ok 100"), "%s", o.so);
	cr_assert(strstr(o.tr, "pthread_create(") || strstr(o.tr, "clone3("), "%s", o.tr);
	cr_assert(strstr(o.tr, "events lost (ring full: 0, signal nesting: 0, no ring: 600)"), "%s",
		  o.tr);
}

Test(sandbox, seccomp_then_fork)
{
	/* the child could not get an arena without system calls: it runs
	 * untraced; the parent's fork and wait are recorded */
	struct out o = same("hostile_seccomp fork 100", NULL);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert(strstr(o.so, "child: ENOENT 100, EBADF 200, ok 100"), "%s", o.so);
	cr_assert(strstr(o.tr, "wait4("), "%s", o.tr);
}

Test(sandbox, children_and_images_of_a_sandboxed_process_are_noted)
{
	/* a fork child and an exec'd image of a sandboxed process run
	 * untraced (no system call of ours there): the process says so in
	 * its own ring or header, with no system call either */
	const char *modes[] = { "hostile_seccomp fork 10", "hostile_seccomp exec 10" };
	for (unsigned m = 0; m < 2; m++) {
		struct out o = same(modes[m], NULL);
		cr_assert_eq(o.status, 0, "%s", o.se);
		cr_assert_eq(count_of(o.tr, "not traced: sandboxed"), 1, "%s:\n%s", modes[m], o.tr);
		cr_assert_eq(count_of(o.tr, "renacer: 1 processes or threads not traced"), 1, "%s",
			     o.tr);
	}
}

Test(sandbox, seccomp_then_exec)
{
	/* the new image inherits the filter: it is told so through the
	 * environment and starts untraced, with no system call of ours */
	struct out o = same("hostile_seccomp exec 100", NULL);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert(strstr(o.so, "exec'd: ENOENT 100, EBADF 200, ok 100"), "%s", o.so);
	cr_assert(strstr(o.tr, "execve("), "%s", o.tr);
}
