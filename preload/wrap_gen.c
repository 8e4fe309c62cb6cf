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
#include <mqueue.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/inotify.h>
#include <sys/io.h>
#include <sys/ipc.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/personality.h>
#include <sys/pidfd.h>
#include <sys/quota.h>
#include <sys/random.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/sendfile.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/swap.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

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
			  !(RN_ANY_T(RN_IS_DATA, types) && rn_g.data_slow));            \
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

/* a VDSO row is generated as any other; only the filter treats it apart */
#define RN_GEN_VDSO(...) RN_GEN_GEN(__VA_ARGS__)

/* Functions glibc exports without declaring them in a header. */
int capget(void *hdr, void *data);
int capset(void *hdr, const void *data);
int pivot_root(const char *newroot, const char *putold);
int init_module(void *image, unsigned long n, const char *params);
int delete_module(const char *name, unsigned int flags);
int modify_ldt(int func, void *ptr, unsigned long n);
int arch_prctl(int code, unsigned long addr);

#define RN_FN(func, sys, cls, how, ret, rtype, proto, call, types) \
	RN_GEN_##how(func, ret, rtype, proto, call, types)
#include "../common/syscalls.def"
#undef RN_FN
