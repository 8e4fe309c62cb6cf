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
#define RN_GEN_GEN(func, ret, rtype, proto, call, types)                            \
	RN_EXPORT rtype func proto                                                  \
	{                                                                           \
		typedef rtype(*real_t) proto;                                       \
		real_t real = (real_t)rn_real_get(RN_IDX_##func);                   \
		if (!rn_want(RN_IDX_##func))                                        \
			return real call;                                           \
		uint64_t a_[RN_MAX_ARGS] = { RN_MAPT(RN_PRE, call) };               \
		RN_RECORD(func, ret, rtype, real call, !(RN_CAPS_ types) && RN_NARGS call <= 4); \
	}

#define RN_FN(func, sys, cls, how, ret, rtype, proto, call, types) \
	RN_GEN_##how(func, ret, rtype, proto, call, types)
#include "../common/syscalls.def"
#undef RN_FN
