/* inject.h: fault injection rules, strace's -e inject=SET:error=E:when=W
 * (also :retval=N, :delay_enter=US, :delay_exit=US), as the shim applies
 * them to the calls it wraps.
 *
 * Parsed in the option parser (which also accepts errno names and passes
 * the shim numbers) and in the shim at start-up (RENACER_INJECT: rules
 * separated by ';', errnos as numbers). Pure code over the table: no
 * allocation, no libc call that could land in a wrapper.
 */
#ifndef RN_INJECT_H
#define RN_INJECT_H

#include <stdint.h>

#include "filter.h"

#define RN_INJECT_MAX 8		/* rules at most */
#define RN_INJECT_SPEC_MAX 256	/* bytes of one rule's text */

enum rn_inject_kind { RN_INJ_NONE, RN_INJ_ERROR, RN_INJ_RETVAL };

struct rn_inject_rule {
	struct rn_filter set;	/* the calls it applies to */
	uint32_t first, last, step;	/* when=first[..last][+step]: the
				 * first-th matching call of a thread, then
				 * every step-th (0: no more) up to last */
	uint32_t kind;		/* enum rn_inject_kind */
	int64_t val;		/* the errno (ERROR) or the value (RETVAL) */
	uint32_t delay_enter_us, delay_exit_us;
};

/* Maps an errno name (ENOSPC) to its value; -1 when unknown. */
typedef int rn_errno_lookup_fn(const char *name, unsigned len);

/* rn_inject_parse: one rule, spec[0..len) without the "inject=" prefix.
 * lookup may be NULL (numbers only). Returns 0, or -1 with *why set. */
int rn_inject_parse(struct rn_inject_rule *r, const char *spec, unsigned len,
		    rn_errno_lookup_fn *lookup, const char **why);

/* rn_inject_when: whether the n-th (1-based) matching call is injected. */
static inline int rn_inject_when(const struct rn_inject_rule *r, uint32_t n)
{
	if (n < r->first || n > r->last)
		return 0;
	if (n == r->first)
		return 1;
	return r->step && (n - r->first) % r->step == 0;
}

#endif
