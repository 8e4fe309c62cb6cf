/* wrap.h: the body every wrapper shares, generated or hand-written.
 * Included only by wrap_*.c; the traced path is RN_RECORD and nothing more. */
#ifndef RN_WRAP_H
#define RN_WRAP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>

#include "../common/inject.h"
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
/* -1 of the call's own type: an unsigned id (getuid) fails only as ~0 */
#define RN_FAILED_NEG1(r) ((r) == (__typeof__(r))-1)
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
/* a pointer that is NULL on failure (getcwd): recorded as the address */
#define RN_RETV_NULLP(r) RN_I64(r)
#define RN_FAILED_NULLP(r) (!(r))
#define RN_ERR_NULLP(r, e) (e)
/* pthread_create's records and fails as ERRNUM; the wrapper puts the new
 * thread's id in the record */
#define RN_RETV_TID(r) RN_RETV_ERRNUM(r)
#define RN_FAILED_TID(r) RN_FAILED_ERRNUM(r)
#define RN_ERR_TID(r, e) RN_ERR_ERRNUM(r, e)
#define RN_INJ_FAIL_TID(rtype, e) RN_INJ_FAIL_ERRNUM(rtype, e)
#define RN_INJ_VALUE_OK_TID 0
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

/* What an injected call returns instead of being made (inject.c): the
 * errno as the row's ret kind reports failure, or the value as it is. */
#define RN_INJ_FAIL_NEG1(rtype, e) (errno = (int)(e), (rtype)-1)
#define RN_INJ_FAIL_POLL(rtype, e) RN_INJ_FAIL_NEG1(rtype, e)
#define RN_INJ_FAIL_FCNTL(rtype, e) RN_INJ_FAIL_NEG1(rtype, e)
#define RN_INJ_FAIL_ADDR(rtype, e) (errno = (int)(e), (rtype)(intptr_t)-1)
#define RN_INJ_FAIL_ERRNUM(rtype, e) ((rtype)(e))
#define RN_INJ_FAIL_FILEP(rtype, e) (errno = (int)(e), (rtype)0)
#define RN_INJ_FAIL_DIRP(rtype, e) (errno = (int)(e), (rtype)0)
#define RN_INJ_FAIL_NULLP(rtype, e) (errno = (int)(e), (rtype)0)
#define RN_INJ_VALUE(rtype, v) ((rtype)(intptr_t)(v))
/* retval= on a stream row would hand back a pointer to nothing: its
 * injection is an error only (the option parser says so) */
#define RN_INJ_VALUE_OK_NEG1 1
#define RN_INJ_VALUE_OK_POLL 1
#define RN_INJ_VALUE_OK_FCNTL 1
#define RN_INJ_VALUE_OK_ADDR 1
#define RN_INJ_VALUE_OK_ERRNUM 1
#define RN_INJ_VALUE_OK_FILEP 0
#define RN_INJ_VALUE_OK_DIRP 0
#define RN_INJ_VALUE_OK_NULLP 0

/* RN_RECORD: make the call 'callexpr' (returning rtype into r_) between two
 * clock reads and record it with the arguments in a_; the call is
 * published in the ring's control block while it runs (rn_enter). errno is the real
 * call's on return. Declares r_ and returns it. With fault injection
 * configured (an unlikely branch), a selected call is not made: r_ is
 * the rule's error or value, and the record says INJECTED. */
#define RN_RECORD(func, ret, rtype, callexpr, simple)                               \
	uint64_t t0_ = rn_enter_now(RN_IDX_##func);                                 \
	unsigned inj_ = 0;                                                          \
	int64_t injv_ = 0;                                                          \
	rtype r_;                                                                   \
	if (rn_unlikely(rn_g.inject_n))                                             \
		inj_ = rn_inject_enter(RN_IDX_##func, &injv_);                      \
	if (rn_unlikely((inj_ & 3) == RN_INJ_ERROR))                                \
		r_ = RN_INJ_FAIL_##ret(rtype, injv_);                               \
	else if (rn_unlikely((inj_ & 3) == RN_INJ_RETVAL && RN_INJ_VALUE_OK_##ret)) \
		r_ = RN_INJ_VALUE(rtype, injv_);                                    \
	else /* --complete: libc's call is this record, not a trap */              \
		r_ = RN_SUD_CALL(RN_IDX_##func, callexpr);                          \
	uint64_t t1_ = rn_now();                                                    \
	int e_ = errno;                                                             \
	if (rn_unlikely(inj_)) {                                                    \
		int faked_ = (inj_ & 3) == RN_INJ_ERROR ||                          \
			     ((inj_ & 3) == RN_INJ_RETVAL && RN_INJ_VALUE_OK_##ret);  \
		rn_inject_exit(inj_);                                               \
		rn_emit_flags(RN_IDX_##func, t0_, t1_, RN_RETV_##ret(r_),           \
			      RN_FAILED_##ret(r_) ? RN_ERR_##ret(r_, e_) : 0, a_,   \
			      faked_ ? RN_REC_INJECTED : 0);                        \
	} else {                                                                    \
		rn_emit(RN_IDX_##func, (simple), t0_, t1_, RN_RETV_##ret(r_),       \
			RN_FAILED_##ret(r_) ? RN_ERR_##ret(r_, e_) : 0, a_);        \
	}                                                                           \
	errno = e_;                                                                 \
	return r_

#endif
