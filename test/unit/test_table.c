/* test_table.c: the syscall table is consistent with itself, with the
 * library actually built from it, and with the filter syntax users type. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../common/filter.h"
#include "../../common/table.h"

Test(table, every_row_is_complete)
{
	for (unsigned i = 0; i < RN_NFUNCS; i++) {
		const struct rn_fn_info *f = &rn_fns[i];
		cr_assert(f->func && *f->func && f->sys && *f->sys, "row %u", i);
		cr_assert(f->cls && !(f->cls & (f->cls - 1)), "%s: exactly one class", f->func);
		cr_assert_leq(f->ntypes, RN_MAX_TYPES, "%s", f->func);
		cr_assert_leq(f->nargs, RN_MAX_ARGS, "%s", f->func);
		unsigned consumed = 0, captured = 0;
		for (unsigned k = 0; k < f->ntypes; k++) {
			cr_assert_lt(f->types[k], RN_ARG__COUNT, "%s", f->func);
			consumed += !rn_arg_is_implied(f->types[k]);
			captured += rn_arg_is_capture(f->types[k]);
		}
		/* every recorded argument has a decoder and no decoder reads
		 * past what the wrapper records */
		cr_assert_eq(consumed, f->nargs, "%s: %u decoded arguments for %u recorded",
			     f->func, consumed, f->nargs);
		cr_assert_eq(!!captured, f->capture, "%s: capture flag", f->func);
	}
}

Test(table, function_names_are_unique)
{
	for (unsigned i = 0; i < RN_NFUNCS; i++)
		for (unsigned j = i + 1; j < RN_NFUNCS; j++)
			cr_assert_str_neq(rn_fns[i].func, rn_fns[j].func);
}

/* The library exports exactly the table's functions: nothing missing, no
 * internal symbol leaking into the traced program's namespace. */
Test(table, library_exports_exactly_the_table)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "nm -D --defined-only %s", RN_LIBRENACER);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char line[512];
	unsigned seen = 0;
	while (fgets(line, sizeof line, p)) {
		char addr[64], type[8], name[256];
		if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3)
			continue;
		int found = 0;
		for (unsigned i = 0; i < RN_NFUNCS; i++)
			if (!strcmp(rn_fns[i].func, name))
				found = 1;
		cr_assert(found, "librenacer.so exports %s, which is not in the table", name);
		cr_assert_str_eq(type, "T", "%s is exported as a function", name);
		seen++;
	}
	cr_assert_eq(pclose(p), 0);
	cr_assert_eq(seen, RN_NFUNCS, "exports %u of %u table functions", seen, RN_NFUNCS);
}

/* an x86-64 system call's number, by name (the kernel headers') */
static unsigned NR(const char *name)
{
	int nr = rn_sys_lookup(name, (unsigned)strlen(name));
	cr_assert_geq(nr, 0, "%s is an x86-64 system call", name);
	return (unsigned)nr;
}

static int traced(const struct rn_filter *f, unsigned idx)
{
	return rn_filter_has(f, idx);
}

Test(filter, names_match_syscall_and_libc_names)
{
	struct rn_filter f;
	const char *bad;
	unsigned badlen;
	cr_assert_eq(rn_filter_parse(&f, "trace=openat,read", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_open), "open issues openat");
	cr_assert(traced(&f, RN_IDX_fopen), "fopen issues openat");
	cr_assert(traced(&f, RN_IDX_read));
	cr_assert_not(traced(&f, RN_IDX_write));
	cr_assert_eq(rn_filter_parse(&f, "fopen", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_fopen));
	cr_assert_not(traced(&f, RN_IDX_open));
}

Test(filter, classes_with_and_without_percent)
{
	struct rn_filter f;
	const char *bad;
	unsigned badlen;
	cr_assert_eq(rn_filter_parse(&f, "%network", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_connect));
	cr_assert_not(traced(&f, RN_IDX_read));
	cr_assert_eq(rn_filter_parse(&f, "file,process", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_stat));
	cr_assert(traced(&f, RN_IDX_fork));
	/* classes belong to the system call, as in strace: fstat() issues
	 * newfstatat, which strace counts as %file, %desc, %fstat, %%stat */
	cr_assert(traced(&f, RN_IDX_fstat), "newfstatat is a %%file call");
	cr_assert_not(traced(&f, RN_IDX_read));
}

/* strace's finer classes select what strace selects, wrapped or not */
Test(filter, strace_classes)
{
	struct rn_filter f;
	const char *bad;
	unsigned badlen;
	cr_assert_eq(rn_filter_parse(&f, "%fstat", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_fstat) && traced(&f, RN_IDX_statx));
	cr_assert_not(traced(&f, RN_IDX_statfs));
	cr_assert_eq(rn_filter_parse(&f, "%%stat", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_lstat) && traced(&f, RN_IDX_statx));
	cr_assert(rn_filter_has_nr(&f, NR("stat")) && rn_filter_has_nr(&f, NR("lstat")));
	cr_assert_eq(rn_filter_parse(&f, "%stat", &bad, &badlen), 0);
	cr_assert(rn_filter_has_nr(&f, NR("stat")), "stat(2) itself, as strace's %%stat");
	cr_assert_not(rn_filter_has_nr(&f, NR("lstat")));
	cr_assert_eq(rn_filter_parse(&f, "%statfs,%fstatfs", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_statfs) && traced(&f, RN_IDX_fstatfs64));
	cr_assert_not(traced(&f, RN_IDX_stat));
	cr_assert_eq(rn_filter_parse(&f, "%%statfs", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_statfs) && traced(&f, RN_IDX_fstatfs));
	cr_assert(rn_filter_has_nr(&f, NR("ustat")));
	cr_assert_eq(rn_filter_parse(&f, "%creds", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_getuid) && traced(&f, RN_IDX_setresgid) &&
		  traced(&f, RN_IDX_capget) && traced(&f, RN_IDX_prctl));
	cr_assert_not(traced(&f, RN_IDX_getpid));
	cr_assert_eq(rn_filter_parse(&f, "%pure", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_getpid) && traced(&f, RN_IDX_gettid) &&
		  traced(&f, RN_IDX_getuid));
	cr_assert_not(traced(&f, RN_IDX_setuid));
	cr_assert_eq(rn_filter_parse(&f, "%clock", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_clock_settime) && traced(&f, RN_IDX_adjtimex));
	/* the vDSO makes no system call: a class never asks for it */
	cr_assert_not(traced(&f, RN_IDX_clock_gettime));
	cr_assert(rn_filter_has_nr(&f, NR("clock_gettime")), "a real clock_gettime(2) still is");
	cr_assert_eq(rn_filter_parse(&f, "%memory", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_brk) && traced(&f, RN_IDX_mlock) && traced(&f, RN_IDX_mmap));
	cr_assert_eq(rn_filter_parse(&f, "%signal", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_sigaction) && traced(&f, RN_IDX_kill) &&
		  traced(&f, RN_IDX_signalfd));
	cr_assert_eq(rn_filter_parse(&f, "%ipc", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_shmget) && traced(&f, RN_IDX_semop));
	/* strace takes a bare "signal" as the class, a bare "time" as time(2) */
	cr_assert_eq(rn_filter_parse(&f, "signal", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_kill));
	cr_assert_eq(rn_filter_parse(&f, "time", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_time));
	cr_assert_not(traced(&f, RN_IDX_nanosleep));
	cr_assert_eq(rn_filter_parse(&f, "%time", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_nanosleep) && traced(&f, RN_IDX_alarm));
}

/* Every x86-64 system call strace knows is a name -e trace= takes,
 * wrapped or not; one no row records is a COMPLETE_ONLY name. */
Test(filter, every_x86_64_syscall_name)
{
	struct rn_filter f;
	const char *bad;
	unsigned badlen;
	unsigned names = 0, only = 0;
	for (unsigned nr = 0; nr < RN_NSYS; nr++) {
		const char *s = rn_sys_name(nr);
		if (!s)
			continue;
		names++;
		cr_assert_eq(rn_filter_parse(&f, s, &bad, &badlen), 0, "%s refused", s);
		cr_assert(rn_filter_has_nr(&f, nr), "%s: its number", s);
		memset(&f, 0, sizeof f);
		enum rn_name_kind k = rn_filter_name(&f, s, (unsigned)strlen(s));
		int row = 0;
		for (unsigned i = 0; i < RN_NFUNCS; i++)
			row |= rn_fns[i].nr == (int)nr || !strcmp(rn_fns[i].func, s);
		cr_assert_eq(k, row ? RN_NAME_WRAPPED : RN_NAME_COMPLETE_ONLY, "%s", s);
		only += !row;
	}
	cr_assert_gt(names, 330, "the kernel headers list %u calls", names);
	fprintf(stderr, "x86-64 system calls: %u, %u without a wrapper\n", names, only);
	unsigned pos = 0, len;
	const char *name;
	cr_assert_eq(rn_filter_complete_only("trace=read,io_uring_enter,%file,futex", &pos, &name,
					     &len), 1);
	cr_assert_eq(len, 14);
	cr_assert_eq(strncmp(name, "io_uring_enter", len), 0);
	cr_assert_eq(rn_filter_complete_only("trace=read,io_uring_enter,%file,futex", &pos, &name,
					     &len), 1);
	cr_assert_eq(strncmp(name, "futex", len), 0);
	cr_assert_eq(rn_filter_complete_only("trace=read,io_uring_enter,%file,futex", &pos, &name,
					     &len), 0);
	pos = 0;
	cr_assert_eq(rn_filter_complete_only("!futex", &pos, &name, &len), 0);
}

/* Calls of the vDSO make no system call: only a set naming them has them. */
Test(filter, vdso_only_when_named)
{
	struct rn_filter f;
	const char *bad;
	unsigned badlen;
	unsigned vdso[] = { RN_IDX_clock_gettime, RN_IDX_gettimeofday, RN_IDX_time,
			    RN_IDX_getcpu, RN_IDX_clock_getres };
	const char *sets[] = { "all", "!read", "%time", "%clock" };
	for (unsigned s = 0; s < sizeof sets / sizeof *sets; s++) {
		cr_assert_eq(rn_filter_parse(&f, sets[s], &bad, &badlen), 0);
		for (unsigned i = 0; i < sizeof vdso / sizeof *vdso; i++)
			cr_assert_not(traced(&f, vdso[i]), "%s has %s", sets[s], rn_fns[vdso[i]].func);
	}
	cr_assert_eq(rn_filter_parse(&f, "clock_gettime,gettimeofday", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_clock_gettime) && traced(&f, RN_IDX_gettimeofday));
	cr_assert_not(traced(&f, RN_IDX_time));
	cr_assert_eq(rn_filter_parse(&f, "time,all", &bad, &badlen), 0);
	cr_assert(traced(&f, RN_IDX_time) && traced(&f, RN_IDX_read), "all keeps what was named");
}

/* Each row is the system call the kernel headers number for its name. */
Test(table, rows_name_x86_64_calls)
{
	for (unsigned i = 0; i < RN_NFUNCS; i++) {
		const struct rn_fn_info *fi = &rn_fns[i];
		if (i == RN_IDX_syscall) {
			cr_assert_eq(fi->nr, -1);
			continue;
		}
		cr_assert_geq(fi->nr, 0, "%s", fi->func);
		cr_assert_str_eq(rn_sys_name((unsigned)fi->nr), fi->sys, "%s", fi->func);
	}
}

Test(filter, negation_all_and_none)
{
	struct rn_filter f;
	const char *bad;
	unsigned badlen;
	cr_assert_eq(rn_filter_parse(&f, "!write", &bad, &badlen), 0);
	cr_assert_not(traced(&f, RN_IDX_write));
	cr_assert(traced(&f, RN_IDX_read));
	cr_assert_eq(rn_filter_parse(&f, "none", &bad, &badlen), 0);
	for (unsigned i = 0; i < RN_NFUNCS; i++)
		cr_assert_not(traced(&f, i));
	cr_assert_eq(rn_filter_parse(&f, "all", &bad, &badlen), 0);
	for (unsigned i = 0; i < RN_NFUNCS; i++)
		cr_assert_eq(traced(&f, i), !rn_fns[i].asked, "%s", rn_fns[i].func);
}

Test(filter, bad_elements_are_named)
{
	struct rn_filter f;
	const char *bad;
	unsigned badlen;
	cr_assert_eq(rn_filter_parse(&f, "open,bogus,read", &bad, &badlen), -1);
	cr_assert_eq(badlen, 5);
	cr_assert_eq(strncmp(bad, "bogus", 5), 0);
	cr_assert_eq(rn_filter_parse(&f, "open,,read", &bad, &badlen), -1);
	cr_assert_eq(badlen, 0);
	cr_assert_eq(rn_filter_parse(&f, "", &bad, &badlen), -1);
	cr_assert_eq(rn_filter_parse(&f, "trace=", &bad, &badlen), -1);
	cr_assert_eq(rn_filter_parse(&f, "%nosuchclass", &bad, &badlen), -1);
}
