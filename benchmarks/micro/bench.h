/* bench.h: the timing harness shared by the micro-benchmarks: a monotonic
 * clock, a warm-up run, repetitions and their median, and one result line
 * per benchmark that benchmarks/run parses:
 *   BENCH <name> ns/op=<median> ops/s=<1e9/median> min=<ns> max=<ns> reps=<n>
 */
#ifndef RN_BENCH_H
#define RN_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* bench_report: sorts ns[0..reps) (ns per operation of each repetition) and
 * prints the result line; returns the median. */
static inline double bench_report(const char *name, double *ns, int reps)
{
	qsort(ns, (size_t)reps, sizeof *ns, bench_cmp);
	double med = ns[reps / 2];
	printf("BENCH %s ns/op=%.2f ops/s=%.0f min=%.2f max=%.2f reps=%d\n",
	       name, med, med > 0 ? 1e9 / med : 0.0, ns[0], ns[reps - 1], reps);
	fflush(stdout);
	return med;
}

/* BENCH_RUN: one warm-up call of fn(arg) then reps timed ones; fn returns
 * the number of operations it did. */
#define BENCH_MAX_REPS 101
static inline double bench_run(const char *name, long (*fn)(void *), void *arg, int reps)
{
	double ns[BENCH_MAX_REPS];
	if (reps < 1)
		reps = 1;
	if (reps > BENCH_MAX_REPS)
		reps = BENCH_MAX_REPS;
	fn(arg);	/* warm-up: page faults, caches, branch predictors */
	for (int r = 0; r < reps; r++) {
		double t0 = bench_now_ns();
		long ops = fn(arg);
		ns[r] = (bench_now_ns() - t0) / (double)(ops > 0 ? ops : 1);
	}
	return bench_report(name, ns, reps);
}

#endif
