/* filter.h: which table entries are traced, from a strace-style spec.
 *
 * Parsed in the shim (RENACER_TRACE, at init) and in the option parser
 * (-e trace=): pure code over the table, no allocation, no libc calls that
 * could land in a wrapper.
 */
#ifndef RN_FILTER_H
#define RN_FILTER_H

#include <stdint.h>

#include "table.h"

#define RN_FILTER_WORDS ((RN_NFUNCS + 63) / 64)

struct rn_filter {
	uint64_t bits[RN_FILTER_WORDS];	/* bit i set: rn_fns[i] traced */
};

/* rn_filter_parse: spec is "trace=SET" or "SET", where SET is "all",
 * "none", or a comma list of syscall names (kernel names as strace prints
 * them, or libc function names), classes ("%file" or "file"), optionally
 * led by '!' to negate the whole set. On error returns -1 and points *bad
 * at the offending element (its length in *badlen); returns 0 on success. */
int rn_filter_parse(struct rn_filter *f, const char *spec, const char **bad, unsigned *badlen);

void rn_filter_all(struct rn_filter *f);

static inline int rn_filter_has(const struct rn_filter *f, unsigned idx)
{
	return (int)((f->bits[idx >> 6] >> (idx & 63)) & 1);
}

#endif
