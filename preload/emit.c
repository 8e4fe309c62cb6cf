/* emit.c: the slow path of record writing: a record with captured items,
 * a full ring (wait while the exporter lives, else drop and count), a
 * thread with no ring yet, and calls made by signal handlers that
 * interrupted a ring write (the stash), or longjmp'ed out of one.
 *
 * Runs inside the traced program. Never takes a lock, never allocates;
 * its only system calls are the ring claim, the block-mode sleep and the
 * exporter's wake-up past a ring's high-water mark (rn_ring_wake), none
 * once sandboxed. A record and its continuations are published together.
 * A write a signal handler longjmps out of is finished by the jump
 * (rn_longjmp_check): every write that can be redone says how (struct
 * rn_wip, in the thread state) for as long as it is under way.
 */
#include "shim_priv.h"

#include <linux/futex.h>
#include <stdint.h>

#include "../common/rawsys.h"
#include "stack.h"

void rn_ring_wake(struct rn_prod *p)
{
	rn_prod_ring_bell(p);
	if (!rn_g.sandboxed)	/* shared futex: the exporter maps the file too */
		rn_sys6(SYS_futex, (long)&p->ring->bell, FUTEX_WAKE, INT32_MAX, 0, 0, 0);
}

/* Waits for room when --on-full=block and the exporter is alive; returns 1
 * when there is room. */
static int rn_wait_room(struct rn_tls *t, uint64_t n)
{
	struct rn_arena_hdr *h = rn_g.arena.hdr;
	/* sandboxed: waiting needs a sleep and a clock; drop and count. No
	 * memory for the ring (res_skip): no exporter can make room */
	if (h->on_full != RN_ON_FULL_BLOCK || rn_g.sandboxed || t->res_skip)
		return 0;
	for (;;) {
		/* An exporter that has not looked at this arena yet gets a
		 * grace period from its creation; after that, one whose
		 * heartbeat is stale for RENACER_BLOCK_WAIT_MS is dead (a
		 * restart takes longer): never hang the program. */
		uint64_t beat = rn_load_relaxed(&h->heartbeat_ns);
		uint64_t now = rn_clock_ns(CLOCK_MONOTONIC);
		uint64_t wait = rn_g.block_wait_ns, first = wait > 5000000000ull ? wait : 5000000000ull;
		if (beat ? now - beat > wait : now - h->t0_mono_ns > first)
			return 0;
		struct timespec ts = { 0, 50000 };
		rn_sys2(SYS_nanosleep, &ts, 0);
		if (rn_room(t, n))
			return 1;
		if (t->res_skip)
			return 0;
	}
}

/* Slots one call needs, and (in *bound) the item bytes reserved for it. */
static uint64_t rn_need(const struct rn_fn_info *fi, unsigned flags, uint32_t *bound)
{
	*bound = 0;
	if (flags & RN_REC_SIGNAL) {	/* a signal: its siginfo (signals.c) */
		*bound = RN_SIG_ITEM_BYTES;
		return 1 + rn_rec_nconts(*bound);
	}
	if ((fi->capture || fi->nargs > 4 || (fi->data && rn_g.data_slow)) &&
	    !(flags & RN_REC_AFTER_NORET))
		*bound = rn_ext_bound(fi, rn_g.params.strsize);
	return 1 + rn_rec_nconts(*bound);
}

/* Fills w with one call's write, then makes it count. tail0: where it
 * begins, or RN_WIP_UNBEGUN until the writer knows (the ring's tail is
 * read once busy keeps handlers off the ring). */
#define RN_WIP_UNBEGUN UINT64_MAX
static inline __attribute__((always_inline)) void
rn_wip_begin(struct rn_wip *w, unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
	     const uint64_t *a, unsigned flags, uint32_t stk, uint64_t tail0)
{
	*w = (struct rn_wip){ a, t0, t1, tail0, ret, idx, flags, stk, err, 0 };
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	w->on = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* Writes one record and its items at p's tail, which has room for it;
 * publishes nothing. Returns the slots written. */
static uint32_t rn_write_rec(struct rn_prod *p, unsigned idx, uint32_t bound, uint32_t stk,
			     uint64_t t0, uint64_t t1, int64_t ret, int err, const uint64_t *a,
			     unsigned flags)
{
	uint32_t ext = 0;
	if (flags & RN_REC_SIGNAL) {
		ext = rn_sig_items(p, a);
	} else if (bound) {
		/* NORET calls are recorded before the kernel checked anything:
		 * read through process_vm_readv so a bad pointer cannot crash
		 * the program; failed calls likewise (RN_SAFE_FAILED: the
		 * kernel did make it, and what it read is readable). */
		int safe = (flags & RN_REC_NORET) || (err && (flags & RN_REC_INJECTED)) ? RN_SAFE_ALL
			   : err ? RN_SAFE_FAILED : 0;
		ext = rn_capture_items(p, bound, safe, idx, a, err, ret);
	}
	if (rn_unlikely(stk))	/* -k: the stack rn_stack_take unwound */
		ext += rn_stack_put(p, ext);
	*rn_prod_slot(p, 0) = (struct rn_rec){
		.t_enter = t0, .t_exit = t1, .ret = ret,
		.arg = { a[0], a[1], a[2], a[3] },
		.fn = (uint16_t)idx, .err = (uint16_t)err,
		.ext_len = (uint16_t)ext, .flags = (uint8_t)flags,
	};
	return 1 + rn_rec_nconts(ext);
}

/* Writes w into the ring and publishes it, or counts it lost when the
 * ring stays full. Runs with busy set; redone by a longjmp (rn_wip). */
static inline __attribute__((always_inline)) void
rn_ring_write(struct rn_tls *t, unsigned idx, uint32_t stk, uint64_t t0, uint64_t t1, int64_t ret,
	      int err, const uint64_t *a, unsigned flags)
{
	uint32_t bound;
	uint64_t need = rn_need(&rn_fns[idx], flags, &bound);
	if (rn_unlikely(stk))
		need = 1 + rn_rec_nconts(bound + stk);
	if (!rn_room(t, need) && !rn_wait_room(t, need)) {
		t->prod.ring->lost++;
		return;
	}
	rn_prod_publish(&t->prod, rn_write_rec(&t->prod, idx, bound, stk, t0, t1, ret, err, a, flags));
}

static uint64_t rn_stash_records(const struct rn_rec *slots, uint32_t from, uint32_t to)
{
	uint64_t n = 0;
	for (uint32_t i = from; i != to; i += 1 + rn_rec_nconts(slots[i & (RN_STASH_SLOTS - 1)].ext_len))
		n++;
	return n;
}

/* A hand-over a longjmp cut short: published when the tail moved (then
 * the tail the exporter reads is made sure of), else to be done again. */
static void rn_flush_recover(struct rn_tls *t)
{
	if (rn_likely(!t->flush_on))
		return;
	if (t->prod.tail != t->flush_tail0) {
		rn_store_release(&t->prod.ring->tail, t->prod.tail);
		t->stash_done = t->flush_to;
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->flush_on = 0;
}

/* Moves the records signal handlers stashed into the ring. Runs with
 * busy set; a handler may stash more meanwhile (after stash_n, never
 * over what is being handed over), which the next look sees. */
static void rn_stash_flush(struct rn_tls *t)
{
	rn_flush_recover(t);
	for (;;) {
		uint32_t done = t->stash_done, n = __atomic_load_n(&t->stash_n, __ATOMIC_RELAXED);
		if (n == done)
			return;
		uint32_t k = n - done;
		if (t->prod.ring && (rn_room(t, k) || rn_wait_room(t, k))) {
			for (uint32_t i = 0; i < k; i++)
				*rn_prod_slot(&t->prod, i) = t->stash[(done + i) & (RN_STASH_SLOTS - 1)];
			t->flush_tail0 = t->prod.tail;
			t->flush_to = n;
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			t->flush_on = 1;
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			rn_prod_publish(&t->prod, k);
		} else if (t->prod.ring) {
			t->prod.ring->lost += rn_stash_records(t->stash, done, n);
		} else if (rn_g.arena.hdr) {
			rn_fetch_add(&rn_g.arena.hdr->lost_noring, rn_stash_records(t->stash, done, n));
		}
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		t->stash_done = n;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		t->flush_on = 0;
	}
}

/* Ends a ring write: hands over what signal handlers stashed meanwhile,
 * then clears busy; a handler that stashed between the two is caught by
 * the second look (none can stash once busy is clear). */
static void rn_write_end(struct rn_tls *t)
{
	for (;;) {
		if (rn_unlikely(__atomic_load_n(&t->stash_n, __ATOMIC_RELAXED) != t->stash_done ||
				t->flush_on))
			rn_stash_flush(t);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		t->busy = 0;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (rn_likely(__atomic_load_n(&t->stash_n, __ATOMIC_RELAXED) == t->stash_done))
			return;
		t->busy = RN_BUSY_FLUSH;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	}
}

void rn_write_done(void)
{
	rn_write_end(&rn_t);
}

static int rn_stash_put(struct rn_tls *t, unsigned idx, uint64_t t0, uint64_t t1, int64_t ret,
			int err, const uint64_t *a, unsigned flags);

/* A call made by a signal handler that interrupted this thread's ring
 * write: its record goes to the thread's stash, and the interrupted
 * writer moves it into the ring. Dropped (and counted) only when the
 * stash is full or a handler interrupts a handler. */
void rn_emit_nested(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		    const uint64_t *a, unsigned flags)
{
	struct rn_tls *t = &rn_t;
	if (t->busy == RN_BUSY_SHARED && rn_g.arena.hdr)
		/* a thread whose state a CLONE_VM child shares: counted */
		rn_fetch_add(&rn_g.arena.hdr->lost_noring, 1);
	/* made while we unwound (stack.c): a signal handler's (libunwind's
	 * own calls never reach a wrapper), stashed like one made while we
	 * write; the writer hands it over after its own record */
	if (t->busy != RN_BUSY_WRITE && t->busy != RN_BUSY_UNWIND && t->busy != RN_BUSY_FLUSH)
		return;		/* a vfork child on its parent's thread: untraced */
	if (rn_stash_put(t, idx, t0, t1, ret, err, a, flags)) {
		if (t->prod.ring)
			t->prod.ring->nested++;
		else if (rn_g.arena.hdr)
			rn_fetch_add(&rn_g.arena.hdr->lost_noring, 1);
	}
}

/* A record that must not go into the ring ahead of the call this thread
 * is in (a signal delivered inside a wrapped call: the ring stays in
 * time order, and the call stays published, reorder.c): stashed, and
 * handed over by that call's own write. */
void rn_emit_deferred(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		      const uint64_t *a, unsigned flags)
{
	/* the caller notes in defer_sp where a jump leaves that call (its
	 * records are then handed over by rn_longjmp_check) */
	/* no room (many signals inside one blocked call): into the ring
	 * now, out of order, rather than lost */
	if (rn_stash_put(&rn_t, idx, t0, t1, ret, err, a, flags))
		rn_emit_slow(idx, t0, t1, ret, err, a, flags);
}

/* Writes w into the stash at w->tail0 (stash_n, which no one moves
 * while stash_busy) and makes it the writer's to hand over. */
static void rn_stash_write(struct rn_tls *t, const struct rn_wip *w)
{
	uint32_t bound;
	rn_need(&rn_fns[w->idx], w->flags, &bound);
	struct rn_prod sp = { NULL, t->stash, RN_STASH_SLOTS - 1, w->tail0, 0, 0 };
	uint32_t used = rn_write_rec(&sp, w->idx, bound, 0, w->t0, w->t1, w->ret, w->err, w->a,
				     w->flags);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&t->stash_n, (uint32_t)w->tail0 + used, __ATOMIC_RELAXED);
}

/* Writes one record into the thread's stash: 0, or -1 when it has no
 * room or a stash write is under way (the caller counts the loss). */
static int rn_stash_put(struct rn_tls *t, unsigned idx, uint64_t t0, uint64_t t1, int64_t ret,
			int err, const uint64_t *a, unsigned flags)
{
	uint32_t bound;
	uint64_t need = rn_need(&rn_fns[idx], flags, &bound);
	uint32_t n = __atomic_load_n(&t->stash_n, __ATOMIC_RELAXED);
	if (t->stash_busy || n - t->stash_done + need > RN_STASH_SLOTS)
		return -1;
	t->stash_sp = rn_sp();
	t->stash_busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	rn_wip_begin(&t->stash_wip, idx, t0, t1, ret, err, a, flags, 0, n);
	rn_stash_write(t, &t->stash_wip);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->stash_busy = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->stash_wip.on = 0;
	return 0;
}

void rn_emit_slow(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		  const uint64_t *a, unsigned flags)
{
	struct rn_tls *t = &rn_t;
	if (t->busy) {
		rn_emit_nested(idx, t0, t1, ret, err, a, flags);
		return;
	}
	/* said before busy is set (and before -k's unwind), so that no
	 * instruction of the write is without it; a handler's write in
	 * between took it over: again */
	rn_wip_begin(&t->wip, idx, t0, t1, ret, err, a, flags, 0, RN_WIP_UNBEGUN);
	/* -k: the calling stack, unwound before the write begins */
	uint32_t stk = 0;
	if (rn_unlikely(rn_g.stack_depth) && !(flags & (RN_REC_AFTER_NORET | RN_REC_SIGNAL))) {
		stk = rn_stack_take((flags & RN_REC_TRAPPED) != 0);
		if (stk == RN_STACK_OURS)	/* not the program's: no record */
			t->wip.on = 0;
	}
	t->busy_sp = rn_sp();
	t->busy = RN_BUSY_WRITE;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (rn_unlikely(!t->wip.on && stk != RN_STACK_OURS))
		rn_wip_begin(&t->wip, idx, t0, t1, ret, err, a, flags, stk, RN_WIP_UNBEGUN);
	else if (rn_unlikely(stk))
		t->wip.stk = stk;
	if (rn_unlikely(stk == RN_STACK_OURS))
		goto out;
	if (!t->prod.ring) {
		if (t->noring_skip) {
			t->noring_skip--;
			goto lost_noring;
		}
		if (rn_claim_ring(t)) {
			t->noring_skip = 1024;
			goto lost_noring;
		}
	}
	if (rn_unlikely(stk))	/* objects a frame lies in, before the frame */
		rn_modules_flush(t);
	t->wip.tail0 = t->prod.tail;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	rn_ring_write(t, idx, stk, t0, t1, ret, err, a, flags);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->busy = RN_BUSY_FLUSH;
	goto out;
lost_noring:
	if (rn_g.arena.hdr)
		rn_fetch_add(&rn_g.arena.hdr->lost_noring, 1);
out:
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->wip.on = 0;
	rn_write_end(t);
}

/* A signal handler that interrupted a ring write (or a stash write) and
 * now longjmps to a frame above where that write began abandons it: the
 * writer will never finish it nor clear busy, and the thread would never
 * be traced again. The jump finishes it instead, before it happens (the
 * writer's frame is still there): a write that says how (rn_wip) is
 * redone unless its tail already moved, a hand-over is completed, and
 * what handlers stashed is handed over. Only a fast-path write (rn_emit,
 * whose record lives in registers) or a note cut short is counted as
 * lost to signal nesting. Records deferred to the call a handler came
 * in (rn_emit_deferred) are handed over when the jump leaves that
 * handler: the call they wait for never ends. A longjmp that stays
 * inside the handler (a target below the write) changes nothing.
 * env is glibc's x86-64 jmp_buf: the stack pointer is word 6, mangled
 * with the pointer guard (%fs:0x30) as PTR_MANGLE does. */
void rn_longjmp_check(const void *env)
{
	struct rn_tls *t = &rn_t;
	if (rn_likely(!t->stash_busy && !t->busy && t->stash_n == t->stash_done))
		return;
	uintptr_t guard, sp = ((const uintptr_t *)env)[6];
	__asm__("mov %%fs:0x30, %0" : "=r"(guard));
	sp = ((sp >> 0x11) | (sp << (64 - 0x11))) ^ guard;
	if (t->stash_busy && sp > t->stash_sp) {
		const struct rn_wip *w = &t->stash_wip;
		if (!w->on) {
			if (t->prod.ring)	/* cut short before it said how */
				t->prod.ring->nested++;
		} else if (t->stash_n == (uint32_t)w->tail0) {
			rn_stash_write(t, w);
		}
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		t->stash_busy = 0;
		t->stash_wip.on = 0;
	}
	if (t->busy == RN_BUSY_UNWIND && sp > t->busy_sp) {
		/* out of an unwind (stack.c): the call's record is written
		 * without its stack, as a write cut short is below (counted
		 * when it had not said how); what the handler stashed
		 * meanwhile is handed over */
		rn_stack_abandon();
		t->wip.stk = 0;
		t->busy = RN_BUSY_WRITE;
	}
	if (t->busy == RN_BUSY_WRITE && sp > t->busy_sp) {
		const struct rn_wip *w = &t->wip;
		if (!w->on || !t->prod.ring) {
			if (t->prod.ring)	/* a fast-path write, a note */
				t->prod.ring->nested++;
		} else if (w->tail0 != RN_WIP_UNBEGUN && t->prod.tail != w->tail0) {
			rn_store_release(&t->prod.ring->tail, t->prod.tail);
		} else {
			rn_ring_write(t, w->idx, w->stk, w->t0, w->t1, w->ret, w->err, w->a, w->flags);
		}
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		t->busy = RN_BUSY_FLUSH;
	}
	if (t->busy == RN_BUSY_FLUSH && sp > t->busy_sp)
		t->wip.on = 0;
	if (t->busy == RN_BUSY_FLUSH && sp > t->busy_sp) {
		rn_write_end(t);
	} else if (!t->busy && t->stash_n != t->stash_done && sp > t->defer_sp) {
		t->busy_sp = rn_sp();
		t->busy = RN_BUSY_FLUSH;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		rn_write_end(t);
		if (t->prod.ring)	/* the call the records waited for */
			rn_prod_leave(t->prod.ring);
	}
}

void rn_emit_note(int32_t pid, uint32_t why)
{
	struct rn_tls *t = &rn_t;
	/* sandboxed: only into a ring we hold (a claim makes system calls;
	 * a full ring drops rather than waits: rn_wait_room) */
	if (t->busy || pid <= 0 || (rn_g.sandboxed && !t->prod.ring))
		return;
	t->busy_sp = rn_sp();
	t->busy = RN_BUSY_WRITE;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (!t->prod.ring && rn_claim_ring(t)) {
		if (rn_g.arena.hdr)
			rn_fetch_add(&rn_g.arena.hdr->lost_noring, 1);
		goto out;
	}
	if (!rn_room(t, 1) && !rn_wait_room(t, 1)) {
		t->prod.ring->lost++;
		goto out;
	}
	uint64_t now = rn_now();
	*rn_prod_slot(&t->prod, 0) = (struct rn_rec){
		.t_enter = now, .t_exit = now, .arg = { (uint32_t)pid, why, 0, 0 },
		.flags = RN_REC_DURABLE_NOTE,
	};
	rn_prod_publish(&t->prod, 1);
out:
	rn_write_end(t);
}

void rn_vfork_noted(long child)
{
	uint32_t why = rn_t.vfork_note;
	rn_t.vfork_note = 0;
	if (why && child > 0)
		rn_emit_note((int32_t)child, why);
}

uint64_t rn_emit_now(unsigned idx, const uint64_t *a, unsigned flags)
{
	/* Published (rn_prod_enter) from its time on until its record is in
	 * the ring, as rn_emit's calls are: the slow write (argv, the whole
	 * environment) takes a while, and an exporter that looked meanwhile
	 * and saw this thread in no call would let its order window pass the
	 * record's time (an execve shown after later lines of others). Not
	 * from a handler inside a write, nor from a vfork child: the ring's
	 * call word is its writer's, its parent's. */
	struct rn_tls *t = &rn_t;
	struct rn_ring *r = t->busy ? NULL : t->prod.ring;
	if (r)
		rn_prod_pending(r);
	uint64_t t0 = rn_now();
	if (r)
		rn_prod_enter(r, idx, t0);
	rn_emit_slow(idx, t0, (flags & RN_REC_NORET) ? 0 : t0, 0, 0, a, flags);
	if (r && r == t->prod.ring)
		rn_prod_leave(r);
	return t0;
}
