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
	/* bit nr set: system call nr traced where no row records it: a
	 * trapped call (--complete) or one made through syscall(2) */
	uint64_t nr[RN_NSYS / 64];
};

/* What one element of a set names (rn_filter_name). */
enum rn_name_kind {
	RN_NAME_UNKNOWN = 0,
	RN_NAME_ALL,		/* "all" */
	RN_NAME_NONE,		/* "none" */
	RN_NAME_CLASS,		/* "%file", "file", "%%stat"... */
	RN_NAME_WRAPPED,	/* a libc function or a system call a row records */
	RN_NAME_COMPLETE_ONLY,	/* an x86-64 system call no row records: seen
				 * only with --complete, or through syscall(2) */
};

/* rn_filter_name: adds to f what the element p[0..n) names (a libc
 * function, an x86-64 system call as strace names it, a class, "all",
 * "none"); returns its kind, RN_NAME_UNKNOWN (f untouched) when it names
 * nothing. The one lookup of names and classes, for any syntax built on
 * top (lists, negation, patterns). */
enum rn_name_kind rn_filter_name(struct rn_filter *f, const char *p, unsigned n);

/* rn_filter_parse: spec is "trace=SET" or "SET", where SET is "all",
 * "none", or a comma list of names and classes (rn_filter_name),
 * optionally led by '!' to negate the whole set. On error returns -1 and
 * points *bad at the offending element (its length in *badlen); returns 0
 * on success. VDSO rows (no system call) are in a set only when named. */
int rn_filter_parse(struct rn_filter *f, const char *spec, const char **bad, unsigned *badlen);

/* rn_filter_complete_only: the next element of spec, from pos on, that
 * names a system call only --complete sees; 1 with name and len set and pos
 * moved past it, 0 when there is none. For the option parser's note. */
int rn_filter_complete_only(const char *spec, unsigned *pos, const char **name, unsigned *len);

void rn_filter_all(struct rn_filter *f);

static inline int rn_filter_has(const struct rn_filter *f, unsigned idx)
{
	return (int)((f->bits[idx >> 6] >> (idx & 63)) & 1);
}

/* System call nr, where no row records it (trapped, or syscall(2)). */
static inline int rn_filter_has_nr(const struct rn_filter *f, uint64_t nr)
{
	return nr < RN_NSYS && (int)((f->nr[nr >> 6] >> (nr & 63)) & 1);
}

#endif
