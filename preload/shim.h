/* shim.h: what the wrappers share: per-thread state, the clock, the filter
 * check and the record emitter.
 *
 * Everything on the traced path is here, inline: a filter bit test, two
 * clock reads and one ring store. It must never call malloc, take a lock,
 * make a system call or change errno; anything slower lives in shim.c
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

#define RN_STASH_SLOTS 16u

/* Per-thread state, initial-exec TLS: reading it never calls
 * __tls_get_addr (which may allocate). */
struct rn_tls {
	struct rn_prod prod;	/* prod.ring == NULL: no ring yet */
	uint32_t busy;		/* RN_BUSY_*: a record is being written */
	uint32_t noring_skip;	/* calls left before retrying a ring claim */
	uint32_t ring_idx;
	int32_t tid;
	struct rn_arena_map pending_child;	/* fork: the child's arena */
	uint64_t vfork_t0;
	/* records of calls made by signal handlers that interrupted a ring
	 * write, waiting for the interrupted writer to move them in */
	uint32_t stash_n;	/* slots used */
	uint32_t stash_busy;	/* a handler is writing into the stash */
	struct rn_rec stash[RN_STASH_SLOTS];
	uint64_t exec_t0;
};

#define RN_BUSY_WRITE 1		/* inside rn_emit: a nested call is dropped */
#define RN_BUSY_VFORK 2		/* vfork child borrowing this thread: untraced */

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
	int debug;
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

static inline __attribute__((always_inline)) uint64_t rn_now(void)
{
	if (rn_likely(rn_g.use_tsc))
		return __builtin_ia32_rdtsc();
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* rn_enter: say which call this thread is in, so a call that never
 * returns (blocked when the process is killed) is still seen. */
static inline __attribute__((always_inline)) void rn_enter(unsigned idx, uint64_t t0)
{
	struct rn_ring *r = rn_t.prod.ring;
	if (rn_likely(r != NULL))
		rn_prod_enter(r, idx, t0);
}

/* Slow paths, in shim.c. */
void rn_emit_slow(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		  const uint64_t *a, unsigned flags);
void rn_emit_nested(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		    const uint64_t *a, unsigned flags);
void rn_write_done(void);

/* rn_emit: write the record of one finished call. 'simple' is a
 * compile-time constant: no captured argument and at most four. */
static inline __attribute__((always_inline)) void rn_emit(unsigned idx, int simple, uint64_t t0, uint64_t t1, int64_t ret,
			   int err, const uint64_t *a)
{
	struct rn_tls *t = &rn_t;
	if (rn_likely(t->prod.ring != NULL))
		rn_prod_leave(t->prod.ring);
	if (rn_unlikely(t->busy)) {
		rn_emit_nested(idx, t0, t1, ret, err, a, 0);
		return;
	}
	if (!simple || rn_unlikely(!t->prod.ring)) {
		rn_emit_slow(idx, t0, t1, ret, err, a, 0);
		return;
	}
	t->busy = RN_BUSY_WRITE;
	/* a signal handler running after this point sees busy set */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (rn_likely(rn_prod_room(&t->prod, 1))) {
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
	} else {
		rn_write_done();
		rn_emit_slow(idx, t0, t1, ret, err, a, 0);
		return;
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->busy = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* a signal handler stashed a record while we wrote: hand it over */
	if (rn_unlikely(t->stash_n)) {
		t->busy = RN_BUSY_WRITE;
		rn_write_done();
	}
}

/* rn_emit_noret: the record of a call that will not return on success
 * (exec, exit), written before it is made. */
void rn_emit_noret(unsigned idx, uint64_t t0, const uint64_t *a);

/* Process lifecycle, in shim.c. */
void rn_fork_prepare(void);		/* before fork(): child's arena */
void rn_fork_parent_done(int32_t pid);	/* after fork() in the parent */
void rn_thread_claim(void);		/* new thread: claim a ring now */
void rn_thread_starting(int delta);	/* a thread is being created */
void rn_note_exit(int status);		/* the exit status, in the header */

/* Environment for exec (env.c): envp with LD_PRELOAD and RENACER_*
 * restored. Uses only the caller's buffers; never allocates. */
#define RN_ENV_STACK 1024
char *const *rn_env_fix(char *const *envp, char **vec, unsigned veccap, char *buf,
			unsigned bufcap);
void rn_env_capture(char **envp);

#pragma GCC visibility pop

#endif
