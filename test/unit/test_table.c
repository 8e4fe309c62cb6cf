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
	cr_assert_not(traced(&f, RN_IDX_fstat), "fstat takes a descriptor, not a path");
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
		cr_assert(traced(&f, i));
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
