/* barrier.h: every memory-ordering primitive used on shared memory.
 *
 * The rings are shared between a traced program and the exporter; these are
 * the only places where their ordering is decided. Each caller says what it
 * orders. Never put a full fence or a lock here: the producer path must stay
 * a handful of plain loads and stores on x86-64.
 */
#ifndef RN_BARRIER_H
#define RN_BARRIER_H

#include <stdint.h>

#define rn_load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define rn_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* Acquire: what the other side wrote before its matching release is visible. */
#define rn_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
/* Release: everything written before is visible to an acquire of this value. */
#define rn_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define rn_cas(p, expp, v) \
	__atomic_compare_exchange_n((p), (expp), (v), 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#define rn_fetch_add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)

#define rn_likely(x) __builtin_expect(!!(x), 1)
#define rn_unlikely(x) __builtin_expect(!!(x), 0)

#endif
