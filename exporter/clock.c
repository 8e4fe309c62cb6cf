/* clock.c: tick to wall-clock conversion (see clock.h). */
#include "clock.h"

#include <time.h>

#include "../common/arena.h"

static uint64_t rn_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t rn_mono_ns(void)
{
	return rn_ns(CLOCK_MONOTONIC);
}

uint64_t rn_real_ns(void)
{
	return rn_ns(CLOCK_REALTIME);
}

static uint64_t rn_rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}

/* One reading of 'inner' and the monotonic time it was taken at,
 * bracketed tightly: read halfway between two monotonic reads that are
 * close together (the closest of five tries: one preemption between two
 * unbracketed reads would be milliseconds off under load). */
static void rn_bracketed(uint64_t (*inner)(void), uint64_t *val, uint64_t *mono)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t a = rn_mono_ns();
		uint64_t v = inner();
		uint64_t b = rn_mono_ns();
		if (b - a < best) {
			best = b - a;
			*val = v;
			*mono = a + (b - a) / 2;
		}
	}
}

/* One (tsc, mono) pair. */
static void rn_pair(uint64_t *tsc, uint64_t *mono)
{
	rn_bracketed(rn_rdtsc, tsc, mono);
}

void rn_clock_init(struct rn_clock *c)
{
	/* One calibration start per process, and no sleep: the program is
	 * already running and its rings fill while we wait. A first rate
	 * from a 1 ms spin (tightly bracketed pairs: about 5e-5 off) is
	 * refined by every later pass over the exporter's whole lifetime. */
	static uint64_t tsc0, mono0;
	if (!tsc0) {
		rn_pair(&tsc0, &mono0);
		while (rn_mono_ns() - mono0 < 1000000)
			;
	}
	c->tsc0 = tsc0;
	c->mono0 = mono0;
	rn_clock_refresh(c);
}

void rn_clock_refresh(struct rn_clock *c)
{
	rn_pair(&c->tsc_ref, &c->mono_ref);
	if (c->tsc_ref > c->tsc0 && c->mono_ref > c->mono0)
		c->ns_per_tick = (double)(c->mono_ref - c->mono0) / (double)(c->tsc_ref - c->tsc0);
	/* bracketed as the pair is: a preemption between two plain reads
	 * moved every time this pass converts by its length, and lines of
	 * two passes came out of order */
	uint64_t real = 0, mono = 0;
	rn_bracketed(rn_real_ns, &real, &mono);
	c->real_minus_mono = (int64_t)(real - mono);
}

uint64_t rn_clock_unix(const struct rn_clock *c, uint32_t kind, uint64_t ticks)
{
	int64_t mono;
	if (kind == RN_CLOCK_TSC)
		mono = (int64_t)c->mono_ref +
		       (int64_t)((double)(int64_t)(ticks - c->tsc_ref) * c->ns_per_tick);
	else
		mono = (int64_t)ticks;
	return (uint64_t)(mono + c->real_minus_mono);
}
