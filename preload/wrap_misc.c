/* wrap_misc.c: hand-written wrappers for the rows whose shape the
 * generator cannot take: sync returns nothing, and sbrk(0) makes no system
 * call once glibc knows the break (its cached __curbrk). They record like
 * every other wrapper and must never do more than RN_RECORD does.
 */
#include <stdint.h>
#include <unistd.h>

#include "wrap.h"

RN_EXPORT void sync(void)
{
	void (*real)(void) = rn_real_get(RN_IDX_sync);
	if (!rn_want(RN_IDX_sync)) {
		real();
		return;
	}
	uint64_t a_[RN_MAX_ARGS] = { 0 };
	uint64_t t0 = rn_enter_now(RN_IDX_sync);
	(void)RN_SUD_CALL(RN_IDX_sync, (real(), 0));
	uint64_t t1 = rn_now();
	int e = errno;
	rn_emit(RN_IDX_sync, 1, t0, t1, 0, 0, a_);
	errno = e;
}

/* glibc's cached program break, NULL until its first brk */
extern void *__curbrk;

RN_EXPORT void *sbrk(intptr_t incr)
{
	void *(*real)(intptr_t) = rn_real_get(RN_IDX_sbrk);
	/* sbrk(0) with the break known reads glibc's cache: no brk to record,
	 * as strace sees none */
	if (!rn_want(RN_IDX_sbrk) || (incr == 0 && __curbrk))
		return real(incr);
	uint64_t a_[RN_MAX_ARGS] = { RN_PRE(incr) };
	RN_RECORD(sbrk, ADDR, void *, real(incr), 1);
}
