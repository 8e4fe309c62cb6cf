/* clock.h: turning a record's clock ticks into unix-epoch nanoseconds.
 *
 * Arenas stamp calls with rdtsc (invariant TSC) or CLOCK_MONOTONIC. The
 * exporter keeps a recent (ticks, monotonic) reference pair and a TSC rate
 * refined over its whole lifetime, so conversion error stays near the
 * distance from the reference times the rate error (well under a
 * microsecond for records drained within milliseconds).
 */
#ifndef RN_CLOCK_H
#define RN_CLOCK_H

#include <stdint.h>

#include "../common/arena.h"

struct rn_clock {
	uint64_t tsc0, mono0;		/* first reference, for the rate */
	uint64_t tsc_ref, mono_ref;	/* latest reference */
	double ns_per_tick;
	int64_t real_minus_mono;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

uint64_t rn_mono_ns(void);
uint64_t rn_real_ns(void);

/* rn_clock_init: calibrate the TSC rate (the first call in a process
 * spins for 1 ms). */
void rn_clock_init(struct rn_clock *c);

/* rn_clock_refresh: take a new reference pair; call once per drain pass. */
void rn_clock_refresh(struct rn_clock *c);

/* rn_clock_unix: ticks of an arena's clock (enum rn_clock_kind) -> unix ns. */
uint64_t rn_clock_unix(const struct rn_clock *c, uint32_t kind, uint64_t ticks);

/* rn_clock_span: a duration of 'ticks' of an arena's clock, in ns (within
 * a nanosecond of the difference of the two ends' rn_clock_unix). */
static inline uint64_t rn_clock_span(const struct rn_clock *c, uint32_t kind, uint64_t ticks)
{
	return kind == RN_CLOCK_TSC ? (uint64_t)((double)ticks * c->ns_per_tick) : ticks;
}

#endif
