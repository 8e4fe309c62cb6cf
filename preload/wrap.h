/* wrap.h: the body every wrapper shares, generated or hand-written.
 * Included only by wrap_*.c; the traced path is RN_RECORD and nothing more. */
#ifndef RN_WRAP_H
#define RN_WRAP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>

#include "../common/table_macros.h"
#include "shim.h"

/* Parameters named dirfd in the table shadow dirfd(3) inside wrappers. */
static inline int rn_dir_fd(DIR *d)
{
	return d ? dirfd(d) : -1;
}

/* A call argument as the record keeps it. Streams are kept as their
 * descriptor, read straight from the structure so errno stays untouched. */
#define RN_PRE(x)                                                                   \
	_Generic((x),                                                               \
		FILE *: (uint64_t)(int64_t)((x) ? ((FILE *)(uintptr_t)(x))->_fileno : -1), \
		DIR *: (uint64_t)(int64_t)rn_dir_fd((DIR *)(uintptr_t)(x)),             \
		default: (uint64_t)(uintptr_t)(x))

#define RN_I64(r) ((int64_t)(intptr_t)(r))
#define RN_RETV_NEG1(r) RN_I64(r)
#define RN_RETV_ERRNUM(r) RN_I64(r)
#define RN_RETV_FILEP(r) ((r) ? (int64_t)(r)->_fileno : -1)
#define RN_RETV_DIRP(r) ((int64_t)rn_dir_fd(r))
#define RN_FAILED_NEG1(r) (RN_I64(r) == -1)
#define RN_FAILED_ERRNUM(r) ((r) != 0)
#define RN_FAILED_FILEP(r) (!(r))
#define RN_FAILED_DIRP(r) (!(r))
#define RN_ERR_NEG1(r, e) (e)
#define RN_ERR_ERRNUM(r, e) ((int)(r))
#define RN_ERR_FILEP(r, e) (e)
#define RN_ERR_DIRP(r, e) (e)
/* an address return (mmap) records and fails as NEG1; only its printing differs */
#define RN_RETV_ADDR(r) RN_RETV_NEG1(r)
#define RN_FAILED_ADDR(r) RN_FAILED_NEG1(r)
#define RN_ERR_ADDR(r, e) RN_ERR_NEG1(r, e)
/* poll's return records and fails as NEG1; only its printing differs */
#define RN_RETV_POLL(r) RN_RETV_NEG1(r)
#define RN_FAILED_POLL(r) RN_FAILED_NEG1(r)
#define RN_ERR_POLL(r, e) RN_ERR_NEG1(r, e)

/* rn_addrlen_pre: for a row with an output address (SOCKADDR_OUT, its
 * length pointer the next argument), keeps the caller's buffer size from
 * before the call in a[RN_ADDRLEN_SLOT]. */
static inline __attribute__((always_inline)) void rn_addrlen_pre(unsigned idx, uint64_t *a)
{
	const struct rn_fn_info *fi = &rn_fns[idx];
	unsigned k = 0;
	for (unsigned i = 0; i < fi->ntypes; i++) {
		if (rn_arg_is_implied(fi->types[i]))
			continue;
		if (fi->types[i] == RN_ARG_SOCKADDR_OUT && k + 1 < RN_ADDRLEN_SLOT) {
			a[RN_ADDRLEN_SLOT] = rn_addrlen_before((const void *)(uintptr_t)a[k],
							       (const uint32_t *)(uintptr_t)a[k + 1]);
			return;
		}
		k++;
	}
}

/* RN_RECORD: make the call 'callexpr' (returning rtype into r_) between two
 * clock reads and record it with the arguments in a_; the call is
 * published in the ring's control block while it runs (rn_enter). errno is the real
 * call's on return. Declares r_ and returns it. */
#define RN_RECORD(func, ret, rtype, callexpr, simple)                               \
	uint64_t t0_ = rn_now();                                                    \
	rn_enter(RN_IDX_##func, t0_);                                               \
	/* --complete: libc's call is this record, not a trap */                   \
	rtype r_ = RN_SUD_CALL(RN_IDX_##func, callexpr);                            \
	uint64_t t1_ = rn_now();                                                    \
	int e_ = errno;                                                             \
	rn_emit(RN_IDX_##func, (simple), t0_, t1_, RN_RETV_##ret(r_),               \
		RN_FAILED_##ret(r_) ? RN_ERR_##ret(r_, e_) : 0, a_);                \
	errno = e_;                                                                 \
	return r_

#endif
