/* wrap_gen.c: every GEN row of syscalls.def becomes a wrapper here.
 *
 * A wrapper does exactly this: pass through unless the filter wants the
 * call; read the clock, make the real call, read the clock, keep errno,
 * write one record, give errno back. Nothing else may be added to this
 * path; anything rare belongs in rn_emit_slow.
 */
#define _LARGEFILE64_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wrap.h"

#define RN_GEN_CUSTOM(...)
/* The exported function only decides: it tail-calls the recording body
 * or, when the filter leaves the call out, the real function, so a call
 * that is not traced costs a bit test and a jump, with no frame. */
#define RN_GEN_GEN(func, ret, rtype, proto, call, types)                            \
	static __attribute__((noinline)) rtype rn_traced_##func proto              \
	{                                                                           \
		typedef rtype(*real_t) proto;                                       \
		real_t real = (real_t)rn_real_get(RN_IDX_##func);                   \
		uint64_t a_[RN_MAX_ARGS] = { RN_MAPT(RN_PRE, call) };               \
		if (RN_ANY_T(RN_IS_SAOUT, types)) {                                 \
			_Static_assert(RN_NARGS call < RN_MAX_ARGS, "addrlen slot");  \
			rn_addrlen_pre(RN_IDX_##func, a_);                           \
		}                                                                   \
		/* a data row is simple unless data capture is on (one load) */  \
		RN_RECORD(func, ret, rtype, real call, !(RN_CAPS_ types) && RN_NARGS call <= 4 && \
			  !(RN_ANY_T(RN_IS_DATA, types) && rn_g.datasize));            \
	}                                                                           \
	static __attribute__((noinline, cold)) rtype rn_unresolved_##func proto    \
	{                                                                           \
		typedef rtype(*real_t) proto;                                       \
		return ((real_t)rn_resolve(RN_IDX_##func)) call;                    \
	}                                                                           \
	RN_EXPORT rtype func proto                                                  \
	{                                                                           \
		typedef rtype(*real_t) proto;                                       \
		if (rn_likely(rn_want(RN_IDX_##func)))                              \
			return rn_traced_##func call;                               \
		real_t real = (real_t)__atomic_load_n(&rn_real[RN_IDX_##func], __ATOMIC_RELAXED); \
		if (rn_unlikely(!real))                                             \
			return rn_unresolved_##func call;                           \
		return real call;                                                   \
	}

#define RN_FN(func, sys, cls, how, ret, rtype, proto, call, types) \
	RN_GEN_##how(func, ret, rtype, proto, call, types)
#include "../common/syscalls.def"
#undef RN_FN
