/* shim.h: what the wrappers share: per-thread state, the clock, the filter
 * check and the record emitter.
 *
 * Everything on the traced path is here, inline: a filter bit test, two
 * clock reads and one ring store. It must never call malloc, take a lock,
 * make a system call or change errno; anything slower lives in emit.c
 * behind an unlikely branch.
 */
#ifndef RN_SHIM_H
#define RN_SHIM_H

#include <stdint.h>
#include <time.h>

#include "../common/arena.h"
#include "../common/barrier.h"
#include "../common/filter.h"
#include "../common/ring.h"
#include "../common/table.h"

#pragma GCC visibility push(hidden)

#define RN_EXPORT __attribute__((visibility("default")))
#define RN_HIDDEN __attribute__((visibility("hidden")))

#define RN_STASH_SLOTS 16u	/* a power of two */

/* A record write under way, as a longjmp out of a signal handler that
 * interrupted it redoes it (emit.c, rn_longjmp_check): the writer fills it
 * once busy (or stash_busy) keeps handlers off, then sets 'on'. The items
 * come from a[] and the program memory it points to, still there when the
 * check runs (before the jump). tail0: the tail the write began at; it is
 * published once the tail moved. */
struct rn_wip {
	const uint64_t *a;
	uint64_t t0, t1, tail0;
	int64_t ret;
	uint32_t idx, flags, stk;
	int err;
	uint32_t on;
};

/* Stack budget: a wrapper adds at most this many bytes of stack to what the
 * libc function it wraps uses, on every path (captures, slow path, exec and
 * spawn environments included), so programs on small stacks (8 KiB
 * sigaltstacks, PTHREAD_STACK_MIN threads, clone children) run traced.
 * Large buffers live in a scratch pool (env.c), never on the stack.
 * Checked by test_hostile's stack/every_wrapper_class_stays_within_the_budget. */
#define RN_STACK_BUDGET 1024

/* Per-thread state, initial-exec TLS: reading it never calls
 * __tls_get_addr (which may allocate). */
struct rn_tls {
	struct rn_prod prod;	/* prod.ring == NULL: no ring yet */
	uint32_t busy;		/* RN_BUSY_*: a record is being written */
	uint32_t noring_skip;	/* calls left before retrying a ring claim */
	uint32_t ring_idx;
	int32_t tid;
	struct rn_arena_map pending_child;	/* fork: the child's arena */
	int32_t pending_err;	/* fork: why the child's arena could not be
				 * made (-errno); the child runs untraced */
	uint64_t vfork_t0;
	uint32_t vfork_note;	/* set by a vfork child (our state, borrowed)
				 * just before an exec whose image runs
				 * untraced and could leave no note: the
				 * enum rn_note_why; the parent says it */
	/* records of calls made by signal handlers that interrupted a ring
	 * write, waiting for the interrupted writer to move them in: a ring
	 * of its own, handlers writing at stash_n, the writer handing over
	 * from stash_done (free-running, masked on use) */
	uint32_t stash_n;	/* slots written */
	uint32_t stash_busy;	/* a handler is writing into the stash */
	struct rn_rec stash[RN_STASH_SLOTS];
	uint32_t stash_done;	/* slots handed over to the ring */
	uint64_t exec_t0;
	/* this thread's stack, where known ([lo, hi) readable when the
	 * stack pointer is inside it); 0, 0 when unknown */
	uintptr_t stack_lo, stack_hi;
	/* stack pointer where the current ring write (busy) and stash write
	 * (stash_busy) began: a longjmp to a frame above it abandons it */
	uintptr_t busy_sp;
	uintptr_t stash_sp;
	/* what a longjmp out of a handler needs to finish the writes it
	 * would abandon (emit.c, rn_longjmp_check): the slow-path ring write
	 * and the stash write under way, a hand-over under way, and where
	 * the last record deferred to the call it came in was stashed */
	struct rn_wip wip;	/* the slow-path ring write */
	struct rn_wip stash_wip;	/* the stash write */
	uint64_t flush_tail0;	/* flush_on: the tail before the hand-over */
	uint32_t flush_to;	/* flush_on: stash_done once it is published */
	uint32_t flush_on;
	uintptr_t defer_sp;
	void *robust_head;	/* glibc's robust list head of this thread, taken
				 * before a raw fork for the child to reset */
	uint32_t inject_count[8];	/* calls each injection rule matched
					 * (RN_INJECT_MAX, common/inject.h) */
	/* The ring's memory is reserved as the producer reaches it (arena.h):
	 * res_end is the first tail not yet reserved (UINT64_MAX: all of it).
	 * room_end is the tail the fast path may write up to without a look:
	 * the lesser of res_end and the cached head plus the high-water mark
	 * (ring.h), so that rn_room_slow runs where memory must be reserved
	 * or a sleeping exporter may need its bell.
	 * res_skip: slow-path entries left before a failed reservation is
	 * tried again (a full tmpfs: records are dropped and counted). */
	uint64_t res_end;
	uint64_t room_end;
	uint32_t res_skip;
};

#define RN_BUSY_WRITE 1		/* inside rn_emit: a nested call is dropped */
#define RN_BUSY_VFORK 2		/* vfork child borrowing this thread: untraced */
#define RN_BUSY_SHARED 3	/* thread state shared with a CLONE_VM child
				 * running beside it: untraced from then on */
#define RN_BUSY_FLUSH 5		/* this thread's record is written (or lost):
				 * handing over what handlers stashed */

extern __thread struct rn_tls rn_t __attribute__((tls_model("initial-exec")));

/* Global state, written by the constructor and fork handlers only. */
struct rn_global {
	struct rn_filter want;	/* all zero until initialised: pass through */
	int use_tsc;		/* timestamps from rdtsc, else CLOCK_MONOTONIC */
	struct rn_arena_map arena;	/* this process image's arena */
	/* extension arenas, added when every ring is taken; ext_hdr[i] is
	 * published (release) once the arena is ready */
	struct rn_arena_map ext[RN_EXT_ARENAS];
	struct rn_arena_hdr *ext_hdr[RN_EXT_ARENAS];
	uint32_t next_ext;
	uint32_t ext_busy;	/* a thread is creating an extension */
	struct rn_arena_params params;
	char session_dir[RN_ARENA_PATH_MAX - 32];
	uint64_t launcher_pidns;	/* RENACER_PIDNS: the exporter's, 0 unknown */
	int debug;
	/* The program installed a seccomp filter (or tried to): from then on
	 * the shim makes no system call of its own in this process. Set
	 * before the program's seccomp call, read on every slow path. */
	int sandboxed;
	uint64_t block_wait_ns;	/* RENACER_BLOCK_WAIT_MS: a silent exporter is dead */
	uint32_t datasize;	/* RENACER_DATASIZE: bytes kept of a data buffer, 0: none */
	/* data rows take the slow path: datasize, or some descriptor's
	 * buffers are dumped (RENACER_DUMP); 0 keeps them on the fast one */
	uint32_t data_slow;
	uint8_t dump_fds[2][RN_DUMP_FDS / 8];	/* -e read= [0], write= [1] */
	uint32_t dump_on;	/* some descriptor is in dump_fds */
	uint32_t inject_n;	/* fault injection rules (inject.c); 0: none */
	uint32_t stack_depth;	/* RENACER_STACK_DEPTH: 0, or stacks on (stack.c) */
};

extern struct rn_global rn_g;
extern void *rn_real[RN_NFUNCS];

/* rn_resolve: the next definition of rn_fns[idx].func (libc's). */
void *rn_resolve(unsigned idx);

static inline __attribute__((always_inline)) void *rn_real_get(unsigned idx)
{
	void *p = __atomic_load_n(&rn_real[idx], __ATOMIC_RELAXED);
	return rn_likely(p != NULL) ? p : rn_resolve(idx);
}

static inline __attribute__((always_inline)) int rn_want(unsigned idx)
{
	return (int)((rn_g.want.bits[idx >> 6] >> (idx & 63)) & 1);
}

/* The stack pointer, one instruction: where a write began. */
static inline __attribute__((always_inline)) uintptr_t rn_sp(void)
{
	uintptr_t sp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	return sp;
}

/* libc's clock_gettime: the exported name is the shim's own wrapper (a
 * VDSO row), which the shim must never call for itself. */
static inline __attribute__((always_inline)) int rn_clock_gettime(clockid_t id, struct timespec *ts)
{
	return ((int (*)(clockid_t, struct timespec *))rn_real_get(RN_IDX_clock_gettime))(id, ts);
}

static inline __attribute__((always_inline)) uint64_t rn_now(void)
{
	if (rn_likely(rn_g.use_tsc))
		return __builtin_ia32_rdtsc();
	struct timespec ts;
	rn_clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* rn_safe_read: copies up to n bytes of the program's memory at src to
 * dst without ever faulting; returns the bytes copied (it stops at the
 * first unreadable page). Makes system calls: 0 once sandboxed. */
size_t rn_safe_read(void *dst, const void *src, size_t n);

/* Where the pre-call value of an address-length argument is kept: the last
 * argument slot, unused by every row (at most 7 arguments). Bit 32 set:
 * known; the low 32 bits: the caller's buffer size before the call. */
#define RN_ADDRLEN_SLOT (RN_MAX_ARGS - 1)
#define RN_ADDRLEN_KNOWN (1ull << 32)

uint64_t rn_addrlen_slow(const uint32_t *len);

/* The caller's address-buffer size before an accept/recvfrom-like call
 * (SOCKADDR_OUT): the kernel writes at most that many bytes, whatever the
 * length it reports. Read with a plain load when the pointer is on this
 * thread's own stack above the stack pointer (mapped: the stack grew
 * through it), else fault-safe on the slow path. 0 when there is no
 * buffer or it cannot be read. */
static inline __attribute__((always_inline)) uint64_t rn_addrlen_before(const void *sa,
									  const uint32_t *len)
{
	if (!sa || !len)
		return 0;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0), p = (uintptr_t)len;
	const struct rn_tls *t = &rn_t;
	if (rn_likely(sp >= t->stack_lo && sp <= p && p + 4 <= t->stack_hi))
		return RN_ADDRLEN_KNOWN | *len;
	return rn_addrlen_slow(len);
}

/* rn_enter: say which call this thread is in, so a call that never
 * returns (blocked when the process is killed) is still seen. */
static inline __attribute__((always_inline)) void rn_enter(unsigned idx, uint64_t t0)
{
	struct rn_ring *r = rn_t.prod.ring;
	if (rn_likely(r != NULL))
		rn_prod_enter(r, idx, t0);
}

/* rn_enter_now: the entry time of call idx, and the call published. The
 * call word says "entering" before the clock is read (ring.h): a thread
 * preempted between the two is never taken for one in no call, whose
 * next record the exporter's order window need not wait for. */
static inline __attribute__((always_inline)) uint64_t rn_enter_now(unsigned idx)
{
	struct rn_ring *r = rn_t.prod.ring;
	if (rn_likely(r != NULL))
		rn_prod_pending(r);
	uint64_t t0 = rn_now();
	if (rn_likely(r != NULL))
		rn_prod_enter(r, idx, t0);
	return t0;
}

/* Slow paths, in emit.c. */
void rn_emit_slow(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		  const uint64_t *a, unsigned flags);
void rn_emit_nested(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		    const uint64_t *a, unsigned flags);
void rn_emit_deferred(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		      const uint64_t *a, unsigned flags);
void rn_write_done(void);

/* rn_room: can n slots be written at this thread's tail? One compare
 * against room_end on the fast path. Past it, rn_room_slow (rings.c)
 * reserves more of the ring's memory (arena.h), re-reads the consumer's
 * head, and rings a sleeping exporter's bell once the ring is past its
 * high-water mark (common/ring.h). Every write to t->prod asks this one. */
int rn_room_slow(struct rn_tls *t, uint64_t n);
static inline __attribute__((always_inline)) int rn_room(struct rn_tls *t, uint64_t n)
{
	if (rn_likely(t->prod.tail + n <= t->room_end))
		return 1;
	return rn_room_slow(t, n);
}
/* rn_emit_note: an RN_REC_DURABLE_NOTE record in this thread's ring: pid
 * runs untraced, for reason why (enum rn_note_why). Not once sandboxed. */
void rn_emit_note(int32_t pid, uint32_t why);
/* rn_vfork_noted: in the parent, after a vfork-like child (our thread
 * state borrowed) exec'd: its note, if it left one for us to write. */
void rn_vfork_noted(long child);
void rn_longjmp_check(const void *env);	/* before a longjmp: see emit.c */

/* rn_ring_wake: ring the exporter's bell (ring.h): bump it, FUTEX_WAKE.
 * Cold; at most once per exporter sleep. No system call once sandboxed
 * (the exporter's timeout covers it). */
void rn_ring_wake(struct rn_prod *p);


/* rn_emit: write the record of one finished call. 'simple' is a
 * compile-time constant: no captured argument and at most four. */
static inline __attribute__((always_inline)) void rn_emit(unsigned idx, int simple, uint64_t t0, uint64_t t1, int64_t ret,
			   int err, const uint64_t *a)
{
	struct rn_tls *t = &rn_t;
	/* The call stays published (rn_enter) until its record is: the
	 * exporter must see one or the other at every instant, or its
	 * order window passes the call by (exporter/reorder.c). */
	if (rn_unlikely(t->busy)) {
		if (t->prod.ring != NULL)
			rn_prod_leave(t->prod.ring);
		rn_emit_nested(idx, t0, t1, ret, err, a, 0);
		return;
	}
	/* stacks (-k) take the slow path: one more word in the same test */
	if (!simple || rn_unlikely(!t->prod.ring || rn_g.stack_depth)) {
		rn_emit_slow(idx, t0, t1, ret, err, a, 0);
		if (t->prod.ring != NULL)
			rn_prod_leave(t->prod.ring);
		return;
	}
	t->busy_sp = rn_sp();
	t->busy = RN_BUSY_WRITE;
	/* a signal handler running after this point sees busy set */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (rn_likely(rn_room(t, 1))) {
		struct rn_rec *s = rn_prod_slot(&t->prod, 0);
		/* ask for the line a few calls ahead now, so its ownership
		 * (the exporter read it a lap ago) is settled before we write */
		__builtin_prefetch(rn_prod_slot(&t->prod, 8), 1, 3);
		*s = (struct rn_rec){
			.t_enter = t0, .t_exit = t1, .ret = ret,
			.arg = { a[0], a[1], a[2], a[3] },
			.fn = (uint16_t)idx, .err = (uint16_t)err,
		};
		rn_prod_publish(&t->prod, 1);
		rn_prod_leave(t->prod.ring);
	} else {
		rn_write_done();
		rn_emit_slow(idx, t0, t1, ret, err, a, 0);
		rn_prod_leave(t->prod.ring);
		return;
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->busy = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* a signal handler stashed a record while we wrote: hand it over */
	if (rn_unlikely(t->stash_n != t->stash_done)) {
		t->busy_sp = rn_sp();
		t->busy = RN_BUSY_FLUSH;
		rn_write_done();
	}
}

/* Fault injection (inject.c), reached only when rn_g.inject_n: 0, or the
 * kind (RN_INJ_ERROR/RETVAL; low bits) and rule of an injection, its
 * errno or value in *val. rn_inject_exit sleeps the rule's delay_exit. */
void rn_inject_init(const char *spec);
unsigned rn_inject_enter(unsigned idx, int64_t *val);
void rn_inject_exit(unsigned code);
/* rn_emit with record flags (RN_REC_INJECTED): always the slow path */
void rn_emit_flags(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		   const uint64_t *a, unsigned flags);

/* rn_emit_now: the record of a call made now, written before it is
 * made: RN_REC_NORET in flags for one that does not return on success
 * (exec, exit), RN_REC_EXEC_START for an image's own account of its
 * exec. Returns its time (clock ticks). */
uint64_t rn_emit_now(unsigned idx, const uint64_t *a, unsigned flags);

/* --complete (complete.c): the selector byte syscall user dispatch reads,
 * 0 (ALLOW) unless this thread has dispatch on and runs program code. */
extern __thread volatile uint8_t rn_sud_sel __attribute__((tls_model("initial-exec")));
/* RN_SUD_ALLOWED(expr): libc's real call of a hand-written wrapper, with
 * the selector at ALLOW: the wrapper records it, dispatch must not. */
#define RN_SUD_ALLOWED(expr)                                                        \
	({                                                                          \
		uint8_t s__ = rn_sud_sel;                                           \
		rn_sud_sel = 0;                                                     \
		__typeof__(expr) r__ = (expr);                                      \
		rn_sud_sel = s__;                                                   \
		r__;                                                                \
	})
/* Rows whose libc function makes more system calls than the one it is
 * recorded as (stdio and directory streams, spawning, PATH searches):
 * under --complete their selector stays BLOCK and only that one call is
 * left unrecorded by the handler (rn_sud_expect), so malloc's brk inside
 * fopen or opendir's fstat are seen as strace sees them. A constant per
 * row: folded away in every other wrapper. */
static inline __attribute__((always_inline)) int rn_sud_compound(unsigned idx)
{
	switch (idx) {
	case RN_IDX_fopen: case RN_IDX_fopen64: case RN_IDX_freopen: case RN_IDX_freopen64:
	case RN_IDX_fdopen: case RN_IDX_fclose: case RN_IDX_opendir: case RN_IDX_fdopendir:
	case RN_IDX_closedir: case RN_IDX_system: case RN_IDX_popen: case RN_IDX_posix_spawn:
	case RN_IDX_posix_spawnp: case RN_IDX_execvp: case RN_IDX_execvpe: case RN_IDX_execlp:
	case RN_IDX_pthread_create:
	/* not compound, but their one call must trap all the same: the
	 * handler installs the program's handlers through its entry and
	 * keeps SIGSYS out of the masks set (complete.c) */
	case RN_IDX_sigaction: case RN_IDX_signal: case RN_IDX_sigprocmask:
	case RN_IDX_sysv_signal: case RN_IDX_bsd_signal: case RN_IDX_sigset:
	case RN_IDX_pthread_sigmask: case RN_IDX_sigsuspend:
	/* likewise the calls that install a mask for their duration (a
	 * handler run inside them must not have SIGSYS blocked) and exec
	 * (the new image inherits the mask the program sees) */
	case RN_IDX_ppoll: case RN_IDX___ppoll_chk: case RN_IDX_pselect: case RN_IDX_epoll_pwait:
	case RN_IDX_epoll_pwait2: case RN_IDX_execve: case RN_IDX_execv: case RN_IDX_execl:
	case RN_IDX_execle: case RN_IDX_fexecve:
		return 1;
	default:
		return 0;
	}
}
void rn_sud_expect(unsigned idx);	/* RN_NFUNCS: expect nothing */
/* the handler must make this call (syscall(2) lets it trap): it keeps
 * SIGSYS out of the masks, installs handlers through its entry */
int rn_sud_owns(long nr);

/* RN_SUD_CALL(idx, expr): libc's call of row idx under --complete. */
#define RN_SUD_CALL(idx, expr)                                                      \
	({                                                                          \
		uint8_t s__ = rn_sud_sel;                                           \
		if (rn_sud_compound(idx))                                           \
			rn_sud_expect(idx);                                         \
		else                                                                \
			rn_sud_sel = 0;                                             \
		__typeof__(expr) r__ = (expr);                                      \
		rn_sud_sel = s__;                                                   \
		if (rn_sud_compound(idx))                                           \
			rn_sud_expect(RN_NFUNCS);                                   \
		r__;                                                                \
	})
int rn_sud_init(int complete);	/* end of the constructor; 0 or -errno */
int rn_sud_thread_on(void);	/* a new thread, before the program's code */
void rn_sud_fork_child(void);	/* a fork child: dispatch is not inherited */
void rn_sud_sandboxed(void);	/* before the program's seccomp call */
void rn_sud_yield(void);	/* the program sets dispatch up itself */
int rn_sud_active(void);	/* this thread traps: its rt_sigaction calls
				 * wrap handlers in complete.c, not signals.c */

/* Signals delivered to the program's handlers (signals.c): rn_sig_note
 * writes the RN_REC_SIGNAL record of one, from the handler entry. */
void rn_sig_note(int sig, const void *siginfo);

/* Process lifecycle, in shim.c. */
void rn_fork_prepare(void);		/* before fork(): child's arena */
void rn_fork_parent_done(int32_t pid);	/* after fork() in the parent */
void rn_fork_child(void);		/* first thing in a forked child */
void rn_raw_fork_prepare(void);		/* before a copy glibc's _Fork does not make */
void rn_raw_fork_child(void);		/* first thing in such a copy */
void rn_thread_claim(void);		/* new thread: claim a ring now (rings.c) */
void rn_thread_starting(int delta);	/* a thread is being created (rings.c) */
void rn_note_exit(int status);		/* the exit status, in the header */
int rn_exec_enter(void);		/* just before exec: see shim.c */
void rn_exec_back(int handed);		/* the exec failed: undo rn_exec_enter */

/* Environment for exec (env.c): envp with LD_PRELOAD and RENACER_*
 * restored, built in a scratch area taken for the call (never on the
 * stack, never malloc). rn_env_fix returns the envp to pass; *scratch is
 * what rn_env_done gives back after the call. The program's envp is read
 * fault-safely: an unreadable one is passed on as it is, for the kernel to
 * refuse. Once sandboxed, envp is passed on unread. */
char *const *rn_env_fix(char *const *envp, void **scratch);
void rn_env_done(void *scratch);
void rn_env_prepare(void);	/* before a seccomp call: map the scratch areas */
void rn_rings_reserve_all(void);	/* before a seccomp call: every held ring's
					 * memory reserved whole (rings.c) */
void rn_env_capture(char **envp);

/* This thread's stack bounds for rn_addrlen_before (capture.c). */
void rn_stack_note_main(void);
void rn_stack_note_thread(uintptr_t hi, size_t size, size_t guard);

#pragma GCC visibility pop

#endif
