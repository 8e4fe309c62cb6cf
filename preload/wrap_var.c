/* wrap_var.c: hand-written wrappers for the variadic entry points (open
 * family, fcntl, ioctl, mremap, prctl, syscall): they read their optional
 * argument the way glibc does, then record like every other wrapper
 * (RN_RECORD). prctl and syscall also notice a seccomp filter being
 * installed (rn_g.sandboxed).
 */
#define _LARGEFILE64_SOURCE
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/rawsys.h"
#include "wrap.h"

/* open(2) reads its mode only when the flags create a file. */
#define RN_OPEN_MODE(flags, ap)                                                     \
	(((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE ? va_arg(ap, int) : 0)

#define RN_OPEN_WRAPPER(func)                                                       \
	RN_EXPORT int func(const char *path, int flags, ...)                        \
	{                                                                           \
		va_list ap;                                                         \
		va_start(ap, flags);                                                \
		int mode = RN_OPEN_MODE(flags, ap);                                 \
		va_end(ap);                                                         \
		int (*real)(const char *, int, ...) = rn_real_get(RN_IDX_##func);   \
		if (!rn_want(RN_IDX_##func))                                        \
			return real(path, flags, mode);                             \
		uint64_t a_[RN_MAX_ARGS] = { RN_PRE(path), RN_PRE(flags), RN_PRE(mode) }; \
		RN_RECORD(func, NEG1, int, real(path, flags, mode), 0);             \
	}

#define RN_OPENAT_WRAPPER(func)                                                     \
	RN_EXPORT int func(int dirfd, const char *path, int flags, ...)             \
	{                                                                           \
		va_list ap;                                                         \
		va_start(ap, flags);                                                \
		int mode = RN_OPEN_MODE(flags, ap);                                 \
		va_end(ap);                                                         \
		int (*real)(int, const char *, int, ...) = rn_real_get(RN_IDX_##func); \
		if (!rn_want(RN_IDX_##func))                                        \
			return real(dirfd, path, flags, mode);                      \
		uint64_t a_[RN_MAX_ARGS] = { RN_PRE(dirfd), RN_PRE(path), RN_PRE(flags), \
					     RN_PRE(mode) };                        \
		RN_RECORD(func, NEG1, int, real(dirfd, path, flags, mode), 0);      \
	}

RN_OPEN_WRAPPER(open)
RN_OPEN_WRAPPER(open64)
RN_OPENAT_WRAPPER(openat)
RN_OPENAT_WRAPPER(openat64)

/* fcntl and ioctl pass their third argument on as glibc does: one word. */
#define RN_FCNTL_WRAPPER(func)                                                      \
	RN_EXPORT int func(int fd, int cmd, ...)                                    \
	{                                                                           \
		va_list ap;                                                         \
		va_start(ap, cmd);                                                  \
		void *arg = va_arg(ap, void *);                                     \
		va_end(ap);                                                         \
		int (*real)(int, int, ...) = rn_real_get(RN_IDX_##func);            \
		if (!rn_want(RN_IDX_##func))                                        \
			return real(fd, cmd, arg);                                  \
		uint64_t a_[RN_MAX_ARGS] = { RN_PRE(fd), RN_PRE(cmd), RN_PRE(arg) }; \
		RN_RECORD(func, NEG1, int, real(fd, cmd, arg), 1);                  \
	}

RN_FCNTL_WRAPPER(fcntl)
RN_FCNTL_WRAPPER(fcntl64)

RN_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	int (*real)(int, unsigned long, ...) = rn_real_get(RN_IDX_ioctl);
	if (!rn_want(RN_IDX_ioctl))
		return real(fd, req, arg);
	uint64_t a_[RN_MAX_ARGS] = { RN_PRE(fd), RN_PRE(req), RN_PRE(arg) };
	/* not simple: its IOCTLARG is captured */
	RN_RECORD(ioctl, NEG1, int, real(fd, req, arg), 0);
}

RN_EXPORT void *mremap(void *addr, size_t len, size_t newlen, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	void *newaddr = (flags & MREMAP_FIXED) ? va_arg(ap, void *) : NULL;
	va_end(ap);
	void *(*real)(void *, size_t, size_t, int, ...) = rn_real_get(RN_IDX_mremap);
	if (!rn_want(RN_IDX_mremap))
		return real(addr, len, newlen, flags, newaddr);
	uint64_t a_[RN_MAX_ARGS] = { RN_PRE(addr), RN_PRE(len), RN_PRE(newlen), RN_PRE(flags),
				     RN_PRE(newaddr) };
	RN_RECORD(mremap, NEG1, void *, real(addr, len, newlen, flags, newaddr), 0);
}

/* A seccomp filter may forbid any system call the shim would make of its
 * own, from the moment it is installed (the wrapper records the call after
 * it): so the shim stops making them before the program's call, and starts
 * again only if the call failed and the process was not sandboxed before.
 * Returns the previous state. */
static int rn_sandbox_enter(void)
{
	/* the last system call of ours: exec's scratch areas, for later */
	if (!__atomic_load_n(&rn_g.sandboxed, __ATOMIC_RELAXED) && rn_g.arena.hdr) {
		rn_env_prepare();
		rn_rings_reserve_all();
		rn_sud_sandboxed();	/* --complete: this thread stops trapping */
	}
	return __atomic_exchange_n(&rn_g.sandboxed, 1, __ATOMIC_SEQ_CST);
}

static void rn_sandbox_settle(int was, int failed)
{
	if (failed && !was)
		__atomic_store_n(&rn_g.sandboxed, 0, __ATOMIC_SEQ_CST);
}

RN_EXPORT int prctl(int option, ...)
{
	va_list ap;
	va_start(ap, option);
	unsigned long a2 = va_arg(ap, unsigned long), a3 = va_arg(ap, unsigned long);
	unsigned long a4 = va_arg(ap, unsigned long), a5 = va_arg(ap, unsigned long);
	va_end(ap);
	int (*real)(int, ...) = rn_real_get(RN_IDX_prctl);
	int was = option == PR_SET_SECCOMP ? rn_sandbox_enter() : 1;
	uint64_t a_[RN_MAX_ARGS] = { RN_PRE(option), RN_PRE(a2), RN_PRE(a3), RN_PRE(a4), RN_PRE(a5) };
	int want = rn_want(RN_IDX_prctl);
	uint64_t t0 = want ? rn_now() : 0;
	if (option == PR_SET_SYSCALL_USER_DISPATCH)
		rn_sud_yield();	/* --complete ends here: the program's dispatch */
	int r = RN_SUD_ALLOWED(real(option, a2, a3, a4, a5));
	uint64_t t1 = want ? rn_now() : 0;
	int e = errno;
	rn_sandbox_settle(was, r == -1);
	if (want)
		rn_emit(RN_IDX_prctl, 0, t0, t1, r, r == -1 ? e : 0, a_);
	errno = e;
	return r;
}

/* Raw system calls that make a process (fork, clone, clone3). The child
 * must never write into our ring:
 *  - a copy of our memory that returns here (no CLONE_VM, no new stack)
 *    adopts an arena of its own, as after fork();
 *  - a copy that starts on a new stack never runs our code: it inherits
 *    this thread's state marked untraced, so it never writes at all;
 *  - a child sharing our memory and our thread state (CLONE_VM without
 *    CLONE_SETTLS) finds the state marked; with CLONE_VFORK we wait for
 *    it and clear the mark, without it this thread stays untraced;
 *  - vfork-like children that return here on our own stack, and threads
 *    with their own state, pass through as before.
 * The parent records the call. Returns 1 and sets *ret when it made the
 * call, 0 when the caller should pass it through. */
#define RN_CLONE_ARGS_STACK 40	/* offsetof(struct clone_args, stack) */

/* A raw call is recorded when the filter wants its number (named, by
 * class, or "syscall"); a number x86-64 does not have goes by the row. */
static inline __attribute__((always_inline)) int rn_want_raw(long nr)
{
	return (unsigned long)nr < RN_NSYS ? rn_filter_has_nr(&rn_g.want, (uint64_t)nr)
					   : rn_want(RN_IDX_syscall);
}

static int rn_syscall_newproc(long nr, long a1, long a2, long a3, long a4, long a5, long a6,
			      long (*real)(long, ...), long *ret)
{
	uint64_t flags, stack;
	if (nr == SYS_fork) {
		flags = 0;
		stack = 0;
	} else if (nr == SYS_clone) {
		flags = (uint64_t)a1;
		stack = (uint64_t)a2;
	} else if (nr == SYS_clone3 && !rn_g.sandboxed) {
		uint64_t ca[6];
		struct iovec l = { ca, sizeof ca }, r = { (void *)a1, sizeof ca };
		/* the program's pointer, not yet vouched for by the kernel */
		if ((unsigned long)a2 < sizeof ca ||
		    rn_sys6(SYS_process_vm_readv, rn_sys0(SYS_getpid), (long)&l, 1, (long)&r, 1, 0) !=
			    (long)sizeof ca)
			return 0;
		flags = ca[0];
		stack = ca[RN_CLONE_ARGS_STACK / 8];
	} else {
		return 0;
	}
	struct rn_tls *t = &rn_t;
	int vm = (flags & CLONE_VM) != 0;
	if (!rn_g.arena.hdr || (vm && (!stack || (flags & CLONE_SETTLS))))
		return 0;
	if (rn_g.sandboxed && (vm || stack))
		return 0;	/* cannot be told apart without system calls: as before */
	uint32_t busy = t->busy;
	int forklike = !vm && !stack;
	if (forklike && rn_g.sandboxed)
		t->busy = RN_BUSY_VFORK;	/* sandboxed: the child stays untraced */
	else if (forklike)
		rn_raw_fork_prepare();
	else if (!vm || (flags & CLONE_VFORK))
		t->busy = RN_BUSY_VFORK;
	else
		t->busy = RN_BUSY_SHARED;
	uint64_t t0 = rn_now();
	long r = RN_SUD_ALLOWED(real(nr, a1, a2, a3, a4, a5, a6));
	if (r == 0) {
		/* only a copy of our memory on our own stack gets here */
		if (forklike && !rn_g.sandboxed)
			rn_raw_fork_child();
		*ret = 0;
		return 1;
	}
	uint64_t t1 = rn_now();
	int e = errno;
	if (forklike && !rn_g.sandboxed)
		rn_fork_parent_done((int32_t)r);
	if (t->busy == RN_BUSY_SHARED && r > 0) {
		rn_fetch_add(&rn_g.arena.hdr->lost_noring, 1);
	} else {
		t->busy = busy;
		if (rn_want_raw(nr)) {
			uint64_t a_[RN_MAX_ARGS] = { RN_PRE(nr), RN_PRE(a1), RN_PRE(a2), RN_PRE(a3),
						     RN_PRE(a4), RN_PRE(a5) };
			rn_emit(RN_IDX_syscall, 0, t0, t1, r, r == -1 ? e : 0, a_);
		}
		if (vm && !forklike)
			rn_vfork_noted(r);	/* a CLONE_VFORK child that exec'd */
		else if (forklike && rn_g.sandboxed)
			rn_emit_note((int32_t)r, RN_NOTE_SANDBOX);	/* it runs untraced */
	}
	errno = e;
	*ret = r;
	return 1;
}

/* Raw system calls that change the process or its stack cannot return
 * through a C frame of ours (clone with a new stack, vfork sharing it) or
 * never return (exit, exec): they pass through untraced. */
static int rn_syscall_passthrough(long nr)
{
	switch (nr) {
	case SYS_clone: case SYS_clone3: case SYS_fork: case SYS_vfork:
	case SYS_exit: case SYS_exit_group: case SYS_execve: case SYS_execveat:
	case SYS_rt_sigreturn:
		return 1;
	default:
		return 0;
	}
}

RN_EXPORT long syscall(long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
	long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
	va_end(ap);
	long (*real)(long, ...) = rn_real_get(RN_IDX_syscall);
	if (rn_unlikely((nr == SYS_seccomp && (a1 == SECCOMP_SET_MODE_STRICT ||
					       a1 == SECCOMP_SET_MODE_FILTER)) ||
			(nr == SYS_prctl && a1 == PR_SET_SECCOMP))) {
		int was = rn_sandbox_enter();
		uint64_t a_[RN_MAX_ARGS] = { RN_PRE(nr), RN_PRE(a1), RN_PRE(a2), RN_PRE(a3),
					     RN_PRE(a4), RN_PRE(a5) };
		int want = rn_want_raw(nr);
		uint64_t t0 = want ? rn_now() : 0;
		long r = RN_SUD_ALLOWED(real(nr, a1, a2, a3, a4, a5, a6));
		uint64_t t1 = want ? rn_now() : 0;
		int e = errno;
		rn_sandbox_settle(was, r == -1);
		if (want)
			rn_emit(RN_IDX_syscall, 0, t0, t1, r, r == -1 ? e : 0, a_);
		errno = e;
		return r;
	}
	if (rn_unlikely(rn_sud_sel) && rn_sud_owns(nr) && nr != SYS_execve && nr != SYS_execveat)
		return real(nr, a1, a2, a3, a4, a5, a6);	/* --complete: traps, recorded there */
	if (nr == SYS_exit_group)
		rn_note_exit((int)a1);	/* the status, for the process's end */
	if (nr == SYS_execve || nr == SYS_execveat) {
		/* the end of this image must be seen even from a thread */
		int h = rn_exec_enter();
		/* --complete: it traps (selector at BLOCK), so that the new image
		 * inherits the mask the program sees; a successful exec is shown
		 * by the new image, a failed one as trapped */
		long r = real(nr, a1, a2, a3, a4, a5, a6);
		int e = errno;
		rn_exec_back(h);
		errno = e;
		return r;
	}
	long pr;
	if ((nr == SYS_fork || nr == SYS_clone || nr == SYS_clone3) &&
	    rn_syscall_newproc(nr, a1, a2, a3, a4, a5, a6, real, &pr))
		return pr;
	if (!rn_want_raw(nr) || rn_syscall_passthrough(nr))
		return real(nr, a1, a2, a3, a4, a5, a6);
	uint64_t a_[RN_MAX_ARGS] = { RN_PRE(nr), RN_PRE(a1), RN_PRE(a2), RN_PRE(a3), RN_PRE(a4),
				     RN_PRE(a5) };
	RN_RECORD(syscall, NEG1, long, real(nr, a1, a2, a3, a4, a5, a6), 0);
}
