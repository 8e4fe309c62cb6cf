/* wrap_proc.c: wrappers that create, replace or end processes and threads
 * (fork, vfork, posix_spawn, exec family, system, popen, exit, pthread).
 *
 * These change what the shim itself depends on: the child of fork gets its
 * own arena, exec keeps our environment, a vfork child borrowing its
 * parent's thread is never traced into the parent's ring, and a call that
 * does not return is recorded before it is made. None of them may change
 * the program's view: same return value, same errno, same environment as
 * far as the program can see.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "../common/rawsys.h"
#include "exec_check.h"
#include "wrap.h"

extern char **environ;

/* ----------------------------------------------------------------- fork */

/* The parent's side of a fork, once the child runs: the record first
 * (the call stays published until it is written, and what follows, a
 * munmap and the signal it may bring, must not come between its return
 * time and its record), then the child's arena let go. */
static pid_t rn_fork_parent(unsigned idx, uint64_t t0, pid_t r)
{
	uint64_t t1 = rn_now();
	int e = errno;
	if (rn_want(idx)) {
		uint64_t a[RN_MAX_ARGS] = { 0 };
		rn_emit(idx, 1, t0, t1, r, r < 0 ? e : 0, a);
	}
	rn_fork_parent_done(r);
	errno = e;
	return r;
}

RN_EXPORT pid_t fork(void)
{
	pid_t (*real)(void) = rn_real_get(RN_IDX_fork);
	if (!rn_g.arena.hdr)
		return real();
	rn_fork_prepare();
	/* in a call the exporter waits for: the child's lines come after it */
	uint64_t t0 = rn_want(RN_IDX_fork) ? rn_enter_now(RN_IDX_fork) : rn_now();
	pid_t r = RN_SUD_ALLOWED(real());
	if (r == 0)
		return 0;	/* child: rn_atfork_child adopted its arena */
	return rn_fork_parent(RN_IDX_fork, t0, r);
}

/* _Fork is fork without the atfork handlers (glibc's fork calls it
 * directly, not through us): the child adopts its arena itself. */
RN_EXPORT pid_t _Fork(void)
{
	pid_t (*real)(void) = rn_real_get(RN_IDX__Fork);
	if (!rn_g.arena.hdr)
		return real();
	rn_fork_prepare();
	uint64_t t0 = rn_want(RN_IDX__Fork) ? rn_enter_now(RN_IDX__Fork) : rn_now();
	pid_t r = RN_SUD_ALLOWED(real());
	if (r == 0) {
		rn_fork_child();
		return 0;
	}
	return rn_fork_parent(RN_IDX__Fork, t0, r);
}

/* ---------------------------------------------------------------- clone */

/* What the child of clone() does before the program's function: adopt an
 * arena of its own (a copy of our memory), or stay untraced (it shares
 * our memory; its thread state is its own, or is ours and already marked
 * by the parent). Kept at the top of the child's stack: with CLONE_VM the
 * parent's frame may be gone before the child reads it. */
struct rn_clone_start {
	int (*fn)(void *);
	void *arg;
	int forklike;
	int own_tls;
};

static int rn_clone_child(void *p)
{
	struct rn_clone_start s = *(struct rn_clone_start *)p;
	if (s.forklike)
		rn_raw_fork_child();
	else if (s.own_tls)
		rn_t.busy = RN_BUSY_VFORK;	/* a thread we cannot watch end */
	return s.fn(s.arg);
}

RN_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	pid_t *ptid = va_arg(ap, pid_t *);
	void *tls = va_arg(ap, void *);
	pid_t *ctid = va_arg(ap, pid_t *);
	va_end(ap);
	int (*real)(int (*)(void *), void *, int, void *, ...) = rn_real_get(RN_IDX_clone);
	if (!rn_g.arena.hdr || !fn || !stack)
		return real(fn, stack, flags, arg, ptid, tls, ctid);
	struct rn_tls *t = &rn_t;
	int vm = (flags & CLONE_VM) != 0, own_tls = (flags & CLONE_SETTLS) != 0;
	struct rn_clone_start *s = (struct rn_clone_start *)(((uintptr_t)stack - sizeof *s) & ~(uintptr_t)15);
	*s = (struct rn_clone_start){ fn, arg, !vm, own_tls };
	uint32_t busy = t->busy;
	if (!vm)
		rn_raw_fork_prepare();
	else if (!own_tls)
		/* the child runs on this thread's state: nothing it calls may
		 * reach our ring. With CLONE_VFORK we wait for it to exec or
		 * exit; without, it runs beside us and the state stays marked:
		 * this thread is untraced from now on (the call is counted) */
		t->busy = (flags & CLONE_VFORK) ? RN_BUSY_VFORK : RN_BUSY_SHARED;
	uint64_t t0 = rn_now();
	int r = RN_SUD_ALLOWED(real(rn_clone_child, (void *)s, flags, (void *)s, ptid, tls, ctid));
	uint64_t t1 = rn_now();
	int e = errno;
	if (!vm)
		rn_fork_parent_done(r);
	if (t->busy == RN_BUSY_SHARED && r > 0) {
		rn_fetch_add(&rn_g.arena.hdr->lost_noring, 1);
	} else {
		t->busy = busy;
		if (rn_want(RN_IDX_clone)) {
			uint64_t a_[RN_MAX_ARGS] = { RN_PRE(fn), RN_PRE(stack), RN_PRE(flags), RN_PRE(arg) };
			rn_emit(RN_IDX_clone, 1, t0, t1, r, r < 0 ? e : 0, a_);
		}
		if (vm && !own_tls)
			rn_vfork_noted(r);	/* a CLONE_VFORK child that exec'd */
	}
	errno = e;
	return r;
}

/* vfork itself is in vfork.S: the child must return through no C frame.
 * These run around the system call, on the parent's thread. */
/* --complete: the child shares this thread's TLS, selector included, and
 * may leave it at ALLOW (an exec wrapper's call that never came back) */
static __thread uint8_t rn_vfork_sel __attribute__((tls_model("initial-exec")));

RN_HIDDEN void rn_vfork_enter(void)
{
	rn_vfork_sel = rn_sud_sel;
	rn_t.vfork_t0 = rn_now();
	if (rn_want(RN_IDX_vfork))
		rn_enter(RN_IDX_vfork, rn_t.vfork_t0);
}

RN_HIDDEN void rn_vfork_child(void)
{
	/* The child runs on its parent's thread state until it execs or
	 * exits: nothing it calls may be written to the parent's ring. */
	rn_t.busy = RN_BUSY_VFORK;
}

RN_HIDDEN long rn_vfork_parent(long rax)
{
	uint64_t t1 = rn_now();
	rn_t.busy = 0;
	rn_sud_sel = rn_vfork_sel;
	rn_sud_expect(RN_NFUNCS);	/* nor the call an exec wrapper expected */
	long r = rax;
	int err = 0;
	if (rax < 0 && rax > -4096) {
		err = (int)-rax;
		r = -1;
	}
	if (rn_want(RN_IDX_vfork)) {
		uint64_t a[RN_MAX_ARGS] = { 0 };
		rn_emit(RN_IDX_vfork, 1, rn_t.vfork_t0, t1, r, err, a);
	}
	rn_vfork_noted(r);	/* after the vfork line: the child's note */
	if (err)
		errno = err;
	return r;
}

/* -------------------------------------------------------- posix_spawn */

/* How each row names the image it starts, for the checks of exec_check.c:
 * the PATH-searching ones by file, fexecve by descriptor. */
static inline __attribute__((always_inline)) enum rn_exec_kind rn_exec_kind_of(unsigned idx)
{
	switch (idx) {
	case RN_IDX_execvp: case RN_IDX_execvpe: case RN_IDX_execlp: case RN_IDX_posix_spawnp:
		return RN_EXEC_SEARCH;
	case RN_IDX_fexecve:
		return RN_EXEC_FD;
	default:
		return RN_EXEC_PATH;
	}
}

/* The first argument of an exec row: a path, or fexecve's descriptor. */
#define RN_EXEC_FILE(x) _Generic((x), int: (const char *)0, default: (const char *)(uintptr_t)(x))
#define RN_EXEC_FDOF(x) _Generic((x), int: (int)(intptr_t)(x), default: -1)

#define RN_SPAWN_WRAPPER(func)                                                      \
	RN_EXPORT int func(pid_t *pid, const char *path,                            \
			   const posix_spawn_file_actions_t *fa,                    \
			   const posix_spawnattr_t *attr, char *const argv[],       \
			   char *const envp[])                                      \
	{                                                                           \
		int (*real)(pid_t *, const char *, const posix_spawn_file_actions_t *, \
			    const posix_spawnattr_t *, char *const[], char *const[]) = \
			rn_real_get(RN_IDX_##func);                                 \
		void *sc_;                                                          \
		char *const *env = rn_env_fix_exec(rn_exec_kind_of(RN_IDX_##func), \
						   path, -1, envp, &sc_);           \
		if (!rn_want(RN_IDX_##func)) {                                      \
			int r_ = real(pid, path, fa, attr, argv, env);              \
			if (r_ == 0 && pid)                                         \
				rn_env_note(sc_, *pid);                             \
			rn_env_done(sc_);                                           \
			return r_;                                                  \
		}                                                                   \
		uint64_t a_[RN_MAX_ARGS] = { RN_PRE(pid), RN_PRE(path), RN_PRE(fa), \
					     RN_PRE(attr), RN_PRE(argv), RN_PRE(env) }; \
		uint64_t t0_ = rn_now();                                            \
		int r_ = RN_SUD_CALL(RN_IDX_##func, real(pid, path, fa, attr, argv, env)); \
		uint64_t t1_ = rn_now();                                            \
		int e_ = errno;                                                     \
		rn_emit(RN_IDX_##func, 0, t0_, t1_, r_, r_, a_);                    \
		if (r_ == 0 && pid)                                                 \
			rn_env_note(sc_, *pid);                                     \
		rn_env_done(sc_);                                                   \
		errno = e_;                                                         \
		return r_;                                                          \
	}

RN_SPAWN_WRAPPER(posix_spawn)
RN_SPAWN_WRAPPER(posix_spawnp)

/* ----------------------------------------------------------------- exec */

/* Records the exec before it is made (on success it never returns), makes
 * it with our environment restored, and records the failure if it comes
 * back. */
#define RN_EXEC_BODY(func, first, argv, envp, CALL)                                 \
	void *sc_;                                                                  \
	char *const *env_ = rn_env_fix_exec(rn_exec_kind_of(RN_IDX_##func), RN_EXEC_FILE(first), \
					    RN_EXEC_FDOF(first), (envp), &sc_);     \
	int want_ = rn_want(RN_IDX_##func);                                         \
	uint64_t a_[RN_MAX_ARGS] = { (uint64_t)(intptr_t)(first), (uintptr_t)(argv), (uintptr_t)env_ }; \
	uint64_t t0_ = 0;                                                           \
	if (want_)                                                                  \
		t0_ = rn_emit_now(RN_IDX_##func, a_, RN_REC_NORET);                 \
	int h_ = rn_exec_enter();                                                   \
	rn_env_note(sc_, 0);                                                        \
	int r_ = RN_SUD_CALL(RN_IDX_##func, CALL);                                  \
	int e_ = errno;                                                             \
	rn_exec_back(h_);                                                           \
	rn_env_unnote(sc_);                                                         \
	if (want_)                                                                  \
		rn_emit_slow(RN_IDX_##func, t0_, rn_now(), r_, e_, a_, RN_REC_AFTER_NORET); \
	rn_env_done(sc_);                                                           \
	errno = e_;                                                                 \
	return r_

typedef int (*rn_execve_t)(const char *, char *const[], char *const[]);

RN_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	rn_execve_t real = rn_real_get(RN_IDX_execve);
	RN_EXEC_BODY(execve, path, argv, envp, real(path, argv, env_));
}

RN_EXPORT int execv(const char *path, char *const argv[])
{
	rn_execve_t real = rn_real_get(RN_IDX_execve);
	RN_EXEC_BODY(execv, path, argv, environ, real(path, argv, env_));
}

RN_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	rn_execve_t real = rn_real_get(RN_IDX_execvpe);
	RN_EXEC_BODY(execvpe, file, argv, envp, real(file, argv, env_));
}

RN_EXPORT int execvp(const char *file, char *const argv[])
{
	rn_execve_t real = rn_real_get(RN_IDX_execvpe);
	RN_EXEC_BODY(execvp, file, argv, environ, real(file, argv, env_));
}

RN_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	int (*real)(int, char *const[], char *const[]) = rn_real_get(RN_IDX_fexecve);
	RN_EXEC_BODY(fexecve, fd, argv, envp, real(fd, argv, env_));
}

/* The execl family: gather the variadic list into an argv on the stack,
 * as glibc does. */
#define RN_COUNT_ARGS(arg, n)                                                       \
	do {                                                                        \
		va_list c_;                                                         \
		va_start(c_, arg);                                                  \
		for (n = 1; va_arg(c_, const char *); n++)                          \
			;                                                           \
		va_end(c_);                                                         \
	} while (0)

#define RN_FILL_ARGS(arg, argv, n, after)                                           \
	do {                                                                        \
		va_list f_;                                                         \
		va_start(f_, arg);                                                  \
		argv[0] = (char *)arg;                                              \
		for (unsigned i_ = 1; i_ <= n; i_++)                                \
			argv[i_] = va_arg(f_, char *);                              \
		after;                                                              \
		va_end(f_);                                                         \
	} while (0)

/* One execl-family wrapper: 'first' names the path or file argument,
 * 'real_idx' the libc call it becomes, 'take_envp' reads what follows the
 * list (execle's envp; otherwise nothing). */
#define RN_EXECL_WRAPPER(func, first, real_idx, take_envp)                          \
	RN_EXPORT int func(const char *first, const char *arg, ...)                \
	{                                                                           \
		unsigned n;                                                         \
		RN_COUNT_ARGS(arg, n);                                              \
		char *argv[n + 1];                                                  \
		char *const *envp = environ;                                        \
		RN_FILL_ARGS(arg, argv, n, take_envp);                              \
		rn_execve_t real = rn_real_get(real_idx);                           \
		RN_EXEC_BODY(func, first, argv, envp, real(first, argv, env_));     \
	}

RN_EXECL_WRAPPER(execl, path, RN_IDX_execve, (void)0)
RN_EXECL_WRAPPER(execlp, file, RN_IDX_execvpe, (void)0)
RN_EXECL_WRAPPER(execle, path, RN_IDX_execve, envp = va_arg(f_, char *const *))

/* ------------------------------------------------------- system, popen */

RN_EXPORT int system(const char *cmd)
{
	int (*real)(const char *) = rn_real_get(RN_IDX_system);
	if (!rn_want(RN_IDX_system))
		return real(cmd);
	uint64_t a_[RN_MAX_ARGS] = { RN_PRE(cmd) };
	RN_RECORD(system, NEG1, int, real(cmd), 0);
}

RN_EXPORT FILE *popen(const char *cmd, const char *mode)
{
	FILE *(*real)(const char *, const char *) = rn_real_get(RN_IDX_popen);
	if (!rn_want(RN_IDX_popen))
		return real(cmd, mode);
	uint64_t a_[RN_MAX_ARGS] = { RN_PRE(cmd), RN_PRE(mode) };
	RN_RECORD(popen, FILEP, FILE *, real(cmd, mode), 0);
}

/* ----------------------------------------------------------------- exit */

/* exit() runs the on_exit handler (shim.c), which records it with the
 * status main would have returned too; _exit and _Exit skip handlers. */
RN_EXPORT void exit(int status)
{
	void (*real)(int) = rn_real_get(RN_IDX_exit);
	real(status);
	__builtin_unreachable();
}

#define RN_EXIT_WRAPPER(func)                                                       \
	RN_EXPORT void func(int status)                                             \
	{                                                                           \
		void (*real)(int) = rn_real_get(RN_IDX_##func);                     \
		rn_note_exit(status);                                               \
		if (rn_want(RN_IDX_##func)) {                                       \
			uint64_t a_[RN_MAX_ARGS] = { RN_PRE(status) };              \
			rn_emit_now(RN_IDX_##func, a_, RN_REC_NORET);              \
		}                                                                   \
		real(status);                                                       \
		__builtin_unreachable();                                            \
	}

RN_EXIT_WRAPPER(_exit)
RN_EXIT_WRAPPER(_Exit)

/* -------------------------------------------------------------- threads */

struct rn_start {
	void *(*fn)(void *);
	void *arg;
	size_t stack, guard;	/* the thread's stack size and guard */
	int32_t tid;		/* the new thread's id, stored by it (atomic) */
	uint32_t refs;		/* the creator and the thread: the last one
				 * done with it frees it */
};

static void rn_start_put(struct rn_start *s)
{
	if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(s);
}

/* First code of every new thread: claim its ring before the program's
 * start routine runs, so the thread's calls and its end are both seen. */
static void *rn_thread_start(void *p)
{
	struct rn_start s = *(struct rn_start *)p;
	/* our id for the creator's record of the clone3 (rn_new_tid) */
	__atomic_store_n(&((struct rn_start *)p)->tid, (int32_t)rn_sys0(SYS_gettid),
			 __ATOMIC_RELEASE);
	rn_start_put(p);
	rn_stack_note_thread((uintptr_t)__builtin_frame_address(0), s.stack, s.guard);
	rn_thread_claim();
	rn_sud_thread_on();	/* --complete: before any call of the program's */
	return s.fn(s.arg);
}

/* The id of the thread pthread_create just made, as clone3 returned it
 * (0 when unknown): the one it stored when it started, else (not started
 * yet) the one pthread_getcpuclockid encodes in the clock id the kernel's
 * way (MAKE_THREAD_CPUCLOCK: ~tid << 3 | flags). A detached thread may be
 * gone already, its pthread_t with it: only its own word counts. */
static __attribute__((noinline)) int64_t rn_new_tid(const pthread_t *th,
						    const pthread_attr_t *attr, struct rn_start *s)
{
	int32_t tid = __atomic_load_n(&s->tid, __ATOMIC_ACQUIRE);
	int det = PTHREAD_CREATE_JOINABLE;
	clockid_t clk;
	if (!tid && !(attr && pthread_attr_getdetachstate(attr, &det)) &&
	    det == PTHREAD_CREATE_JOINABLE && pthread_getcpuclockid(*th, &clk) == 0)
		tid = (int32_t)~(clk >> 3);
	if (!tid)	/* it started and ended between the two looks */
		tid = __atomic_load_n(&s->tid, __ATOMIC_ACQUIRE);
	return tid > 0 ? tid : 0;
}

RN_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *),
			     void *arg)
{
	int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) =
		rn_real_get(RN_IDX_pthread_create);
	/* sandboxed: the new thread could not claim a ring without system
	 * calls; it runs untraced (its calls counted as lost_noring) */
	struct rn_start *s = rn_g.arena.hdr && !rn_g.sandboxed ? malloc(sizeof *s) : NULL;
	if (!s && rn_g.sandboxed && rn_want(RN_IDX_pthread_create)) {
		uint64_t a_[RN_MAX_ARGS] = { RN_PRE(th), RN_PRE(attr), RN_PRE(fn), RN_PRE(arg) };
		RN_RECORD(pthread_create, TID, int, real(th, attr, fn, arg), 1);
	}
	if (!s)
		return real(th, attr, fn, arg);
	s->fn = fn;
	s->arg = arg;
	s->tid = 0;
	s->refs = 2;
	pthread_attr_t def;
	const pthread_attr_t *sa = attr;
	s->stack = s->guard = 0;
	if (!sa && pthread_getattr_default_np(&def) == 0)
		sa = &def;
	if (sa) {
		pthread_attr_getstacksize(sa, &s->stack);
		pthread_attr_getguardsize(sa, &s->guard);
	}
	if (sa == &def)
		pthread_attr_destroy(&def);
	uint64_t a_[RN_MAX_ARGS] = { RN_PRE(th), RN_PRE(attr), RN_PRE(fn), RN_PRE(arg) };
	rn_thread_starting(1);
	uint64_t t0 = rn_now();
	int r = RN_SUD_CALL(RN_IDX_pthread_create, real(th, attr, rn_thread_start, s));
	uint64_t t1 = rn_now();
	int e = errno;
	if (r) {
		rn_thread_starting(-1);
		free(s);
	}
	if (rn_want(RN_IDX_pthread_create))
		rn_emit(RN_IDX_pthread_create, 1, t0, t1, r ? r : rn_new_tid(th, attr, s), r, a_);
	if (!r)
		rn_start_put(s);
	errno = e;
	return r;
}

/* ---------------------------------------------------------- longjmp */

/* Never recorded: they only make sure a jump out of a signal handler that
 * interrupted one of our ring writes leaves this thread traced (see
 * rn_longjmp_check). */
#define RN_LONGJMP_WRAPPER(func)                                                    \
	RN_EXPORT void func(struct __jmp_buf_tag env[1], int val)                  \
	{                                                                           \
		void (*real)(struct __jmp_buf_tag *, int) = rn_real_get(RN_IDX_##func); \
		rn_longjmp_check(env);                                              \
		real(env, val);                                                     \
		__builtin_unreachable();                                            \
	}

RN_LONGJMP_WRAPPER(longjmp)
RN_LONGJMP_WRAPPER(_longjmp)
RN_LONGJMP_WRAPPER(siglongjmp)
RN_LONGJMP_WRAPPER(__longjmp_chk)
