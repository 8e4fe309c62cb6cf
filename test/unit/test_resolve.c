/* test_resolve.c: the shim's own lookup of the real entry points
 * (preload/resolve.c) finds what dlsym(RTLD_NEXT) finds, for every name
 * the shim wraps, or leaves the name to dlsym; never another definition. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdio.h>

#include "../../common/table.h"
#include "../../preload/resolve.h"

static void *found[RN_NFUNCS];

Test(resolve, same_definitions_as_dlsym_rtld_next)
{
	unsigned n = rn_lookup_next((const void *)rn_lookup_next, &rn_fns[0].func,
				    sizeof rn_fns[0], RN_NFUNCS, found);
	unsigned agree = 0, left = 0;
	for (unsigned i = 0; i < RN_NFUNCS; i++) {
		void *d = dlsym(RTLD_NEXT, rn_fns[i].func);
		if (!found[i]) {
			left++;
			continue;
		}
		cr_assert_eq(found[i], d, "%s: %p, dlsym says %p", rn_fns[i].func, found[i], d);
		agree++;
	}
	cr_assert_eq(agree, n);
	/* nearly every name is libc's and found without dlsym */
	cr_assert_geq(n, RN_NFUNCS * 9 / 10, "found %u of %u", n, (unsigned)RN_NFUNCS);
	fprintf(stderr, "resolve: %u of %u found, %u left to dlsym\n", n, (unsigned)RN_NFUNCS, left);
}

Test(resolve, a_name_nobody_defines_is_left_to_dlsym)
{
	static const char *const names[] = { "rn_no_such_function_anywhere", "open" };
	void *out[2];
	cr_assert_eq(rn_lookup_next((const void *)rn_lookup_next, names, sizeof names[0], 2, out), 1u);
	cr_assert_null(out[0]);
	cr_assert_eq(out[1], dlsym(RTLD_NEXT, "open"));
}

Test(resolve, an_address_in_no_object_finds_nothing)
{
	static const char *const names[] = { "open" };
	void *out[1] = { (void *)1 };
	cr_assert_eq(rn_lookup_next((const void *)8, names, sizeof names[0], 1, out), 0u);
}
