/* ring.h: the single-producer/single-consumer ring of one traced thread.
 *
 * The control block and the slots live in the arena (shared memory). The
 * producer is one thread of the traced program; the consumer is the
 * exporter. Indices are free-running 64-bit counters masked on use; each
 * side caches the other's index and re-reads it only when the ring looks
 * full or empty. The producer publishes its tail once per record (record and
 * continuations together); the consumer publishes its head once per batch.
 *
 * Waking a sleeping consumer (the high-water doorbell): the consumer may
 * sleep on the rings instead of polling them. Before it sleeps it reads
 * each ring's 'bell', then stores its sleep number in 'sleep' (release:
 * after that read), re-checks that no ring is past the high-water mark,
 * and waits (FUTEX_WAIT, futex_waitv) while every bell still holds the
 * value it read, with a timeout; awake, it stores 0 in 'sleep'. A producer
 * looks at 'sleep' only when its ring is past the high-water mark
 * (rn_prod_room_hw: the cached head says so, then a fresh one), and rings
 * at most once per sleep number: it bumps its own 'bell' (release: after
 * its read of 'sleep') and makes one FUTEX_WAKE on it (the shim does: the
 * system call is not in here). A ring that crosses the mark just as the
 * consumer decides to sleep either is seen by the consumer's re-check, or
 * its producer's next call sees the sleep number; a bell rung before the
 * wait began changed its value, so the wait returns at once. The
 * producer never writes the consumer's line nor the consumer the
 * producer's. The timeout bounds what a producer that cannot ring (a
 * sandboxed one, or one writing no more calls) costs: latency, no record.
 *
 * Nothing here may block, allocate or make a system call: the producer side
 * runs inside every wrapped libc call.
 */
#ifndef RN_RING_H
#define RN_RING_H

#include <pthread.h>
#include <stdint.h>

#include "barrier.h"
#include "record.h"

enum rn_ring_state {
	RN_RING_FREE = 0,	/* nobody owns it; a thread may claim it */
	RN_RING_CLAIMING = 1,	/* a thread won the claim, is taking the lock */
	RN_RING_ACTIVE = 2,	/* owned: owner mutex held by the producer */
	RN_RING_DRAINING = 3,	/* owner died; the exporter drains, then frees */
};

/* Shared control block of one ring: three separate cache lines. */
struct rn_ring {
	/* written by the producer only (khead/ktail in liburing terms) */
	_Alignas(64) uint64_t tail;	/* next slot the producer writes */
	uint64_t lost;		/* records dropped because the ring was full */
	uint64_t nested;	/* records dropped: signal handler mid-write */
	/* the call the owner is in, published at entry (format 2): cur_t
	 * first, then cur_fn; cur_fn is cleared once the call's record is
	 * published. A reader checks cur_fn, reads cur_t, checks cur_fn
	 * again, and only then reads the tail. RN_CUR_PENDING: in a call
	 * whose entry time is being read (stored before the clock is read,
	 * so that a thread preempted between its clock read and cur_t is
	 * never taken for one in no call: the reader holds its window). */
	uint64_t cur_t;		/* clock ticks at entry, valid while cur_fn */
	uint32_t cur_fn;	/* 1 + index into rn_fns; 0: in no wrapped call */
	uint32_t reserved;	/* 1: the slots' memory is allocated in the
				 * file (rn_arena_reserve_ring); shim only */
	uint32_t bell;		/* bumped when the producer wakes a sleeping
				 * consumer: the futex word it waits on */
	/* written by the consumer only */
	_Alignas(64) uint64_t head;	/* next slot the consumer reads */
	uint32_t sleep;		/* nonzero (its sleep number) while the
				 * consumer sleeps and wants a bell past the
				 * high-water mark; 0 while it drains */
	/* ownership: the producer thread holds 'owner' from claim to death;
	 * the kernel marks it owner-dead when that thread exits or execs */
	_Alignas(64) pthread_mutex_t owner;
	uint32_t state;		/* enum rn_ring_state */
	int32_t tid;		/* owner thread id, as the owner sees it */
	uint64_t claims;	/* times this ring was claimed */
	uint64_t t_claim;	/* clock ticks at claim */
};

_Static_assert(sizeof(struct rn_ring) == 192, "ring control is three lines");

/* Producer's private view, kept in the owning thread's TLS. */
struct rn_prod {
	struct rn_ring *ring;	/* shared control */
	struct rn_rec *slots;	/* shared slots */
	uint64_t mask;		/* capacity - 1 */
	uint64_t tail;		/* private copy of ring->tail */
	uint64_t head_cache;	/* last head seen */
	uint32_t woke;		/* the consumer's sleep number last rung for */
};

/* The high-water mark: slots in use past which a producer rings a
 * sleeping consumer, and below which all of them must be before the
 * consumer may sleep. A quarter: what is left holds the calls of the
 * consumer's wake-up and scheduling delay. */
static inline uint64_t rn_ring_high_water(uint64_t cap)
{
	return cap / 4;
}

#define RN_ROOM_WAKE 2	/* rn_prod_room_hw: ring the consumer's bell */

#define RN_CUR_PENDING 0xffffffffu	/* cur_fn: entering, time being read */

/* rn_prod_pending: the producer is entering a call and about to read its
 * entry time (one store, on the line rn_prod_enter writes next). */
static inline void rn_prod_pending(struct rn_ring *r)
{
	rn_store_relaxed(&r->cur_fn, RN_CUR_PENDING);
}

/* rn_prod_enter: publish the call the producer is entering (one line it
 * owns and writes anyway; on x86 two plain stores, kept in order). */
static inline void rn_prod_enter(struct rn_ring *r, unsigned idx, uint64_t t0)
{
	r->cur_t = t0;
	/* release: cur_t is visible before the cur_fn that makes it valid */
	rn_store_release(&r->cur_fn, idx + 1);
}

/* rn_prod_leave: the call is over and its record published (or lost):
 * release, so a reader that sees 0 here sees the tail that covers it. */
static inline void rn_prod_leave(struct rn_ring *r)
{
	rn_store_release(&r->cur_fn, 0);
}

/* rn_prod_room: can n slots be written at the tail? Re-reads the consumer's
 * head only when the cached one says no. Never blocks. */
static inline int rn_prod_room(struct rn_prod *p, uint64_t n)
{
	if (rn_likely(p->tail + n - p->head_cache <= p->mask + 1))
		return 1;
	/* acquire: the consumer finished reading the slots it released */
	p->head_cache = rn_load_acquire(&p->ring->head);
	return p->tail + n - p->head_cache <= p->mask + 1;
}

/* rn_prod_room_hw: rn_prod_room for a producer that rings its consumer:
 * 0 (no room) or 1 (room), with RN_ROOM_WAKE set when the ring is past
 * the high-water mark and the consumer sleeps with a number not rung for
 * yet (the caller bumps 'bell' and wakes it: rn_prod_ring_bell). Below
 * the mark by the cached head this is one compare, as rn_prod_room. */
static inline int rn_prod_room_hw(struct rn_prod *p, uint64_t n)
{
	uint64_t hw = rn_ring_high_water(p->mask + 1);
	if (rn_likely(p->tail + n - p->head_cache <= hw))
		return 1;
	/* acquire: the consumer finished reading the slots it released */
	p->head_cache = rn_load_acquire(&p->ring->head);
	uint64_t used = p->tail + n - p->head_cache;
	if (used <= hw)
		return 1;
	int room = used <= p->mask + 1;
	/* acquire: our bell store (rn_prod_ring_bell) comes after this read */
	uint32_t z = rn_load_acquire(&p->ring->sleep);
	if (rn_unlikely(z != 0 && z != p->woke)) {
		p->woke = z;
		return room | RN_ROOM_WAKE;
	}
	return room;
}

/* rn_prod_ring_bell: the store half of a ring (the FUTEX_WAKE on
 * &ring->bell follows, made by the caller). */
static inline void rn_prod_ring_bell(struct rn_prod *p)
{
	/* release: ordered after the read of 'sleep' that decided it */
	rn_store_release(&p->ring->bell, p->ring->bell + 1);
}

static inline struct rn_rec *rn_prod_slot(const struct rn_prod *p, uint64_t i)
{
	return &p->slots[(p->tail + i) & p->mask];
}

/* rn_prod_publish: make the n slots written since the last publish visible. */
static inline void rn_prod_publish(struct rn_prod *p, uint64_t n)
{
	p->tail += n;
	/* release: the slot stores above are visible before the new tail */
	rn_store_release(&p->ring->tail, p->tail);
}

/* Consumer's private view, kept by the exporter. */
struct rn_cons {
	struct rn_ring *ring;
	const struct rn_rec *slots;
	uint64_t mask;
	uint64_t head;		/* private copy of ring->head */
	uint64_t tail_cache;	/* last tail seen */
};

/* rn_cons_avail: records ready to read; re-reads the producer's tail only
 * when the cached one is used up. Returns UINT64_MAX when the shared indices
 * are impossible (more than the capacity apart): the ring is corrupt. */
static inline uint64_t rn_cons_avail(struct rn_cons *c)
{
	if (c->tail_cache == c->head) {
		/* acquire: the producer's slot stores are visible */
		c->tail_cache = rn_load_acquire(&c->ring->tail);
	}
	uint64_t n = c->tail_cache - c->head;
	return n > c->mask + 1 ? UINT64_MAX : n;
}

static inline const struct rn_rec *rn_cons_slot(const struct rn_cons *c, uint64_t i)
{
	return &c->slots[(c->head + i) & c->mask];
}

/* rn_cons_consume: mark n records read; call rn_cons_publish once per batch. */
static inline void rn_cons_consume(struct rn_cons *c, uint64_t n)
{
	c->head += n;
}

static inline void rn_cons_publish(struct rn_cons *c)
{
	/* release: our reads of the slots happen before the producer reuses them */
	rn_store_release(&c->ring->head, c->head);
}

#endif
