/* floor_wrap.c: the floor fixture of benchmarks/run (issue 14): an LD_PRELOAD
 * library whose wrappers do only what renacer's traced path must do, two
 * timestamps and one 64-byte store into a per-thread ring, and nothing else
 * (no filter, no capture, no consumer). renacer's per-call cost is judged
 * against this one measured in the same run. Never part of renacer; it
 * must never make a syscall on the wrapped path except the first call's
 * mmap of the thread's ring. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

/* one record: 64 bytes, as renacer's struct rn_rec */
struct floor_rec {
	uint64_t t0, t1;
	int64_t ret;
	uint64_t a[3];
	uint32_t nr, tid;
	uint64_t spare;
};
_Static_assert(sizeof(struct floor_rec) == 64, "a record is 64 bytes");

/* as many records as renacer's default ring (RN_RING_CAP_DEFAULT): the
 * same cache footprint */
#define FLOOR_CAP 16384u

static __thread struct floor_rec *floor_ring;
static __thread _Atomic uint64_t floor_head;	/* free-running, masked */

static void floor_put(uint32_t nr, uint64_t t0, uint64_t t1, long ret, uint64_t a0, uint64_t a1,
		      uint64_t a2)
{
	if (__builtin_expect(!floor_ring, 0)) {
		void *p = mmap(NULL, FLOOR_CAP * sizeof(struct floor_rec), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return;
		floor_ring = p;
	}
	uint64_t h = atomic_load_explicit(&floor_head, memory_order_relaxed);
	struct floor_rec *r = &floor_ring[h & (FLOOR_CAP - 1)];
	*r = (struct floor_rec){ .t0 = t0, .t1 = t1, .ret = ret, .a = { a0, a1, a2 }, .nr = nr };
	/* what a producer publishing to a consumer would do */
	atomic_store_explicit(&floor_head, h + 1, memory_order_release);
}

#define PEER_RECORD(nr, t0, t1, ret, a0, a1, a2) floor_put(nr, t0, t1, ret, a0, a1, a2)
#include "peer_wrap.h"
