/* metrics.c: the aggregation behind OTLP metrics (otlp_metrics.h): per
 * process image and syscall, calls, errors per errno and an exponential
 * histogram of durations, cumulative from the image's start.
 *
 * Cumulative, not delta: a receiver that missed an export (down, or the
 * request failed after its retries) gets the whole count with the next
 * one, so a failed export loses resolution, never calls; and an ended
 * image is exported once more and then forgotten, so memory follows the
 * live images, not the length of the run.
 *
 * Runs on the drain thread (updates) and the sender thread (snapshots),
 * under the aggregate's lock. It must never block the drain longer than
 * one update or one encoding, and never lose a call without counting it.
 */
#include "otlp_metrics.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The widest histogram kept: past it, the extreme buckets take the
 * outliers (never reached by real durations: 1 ns to 10^6 s is 400). */
#define RN_MET_BUCKETS_MAX 1024u

/* Several entry points make one syscall (close and fclose's close, the
 * open family): a series is per syscall name, the table's first entry of
 * that name. Built once, before the drain starts. */
static uint16_t rn_canon[RN_NFUNCS];
static uint8_t rn_is_exec[RN_NFUNCS];	/* execve, execveat */
static pthread_once_t rn_canon_once = PTHREAD_ONCE_INIT;

static void rn_canon_build(void)
{
	for (unsigned i = 0; i < RN_NFUNCS; i++) {
		rn_canon[i] = (uint16_t)i;
		rn_is_exec[i] = rn_fns[i].sys && (!strcmp(rn_fns[i].sys, "execve") ||
						  !strcmp(rn_fns[i].sys, "execveat"));
		for (unsigned j = 0; j < i; j++)
			if (rn_fns[i].sys && rn_fns[j].sys && !strcmp(rn_fns[i].sys, rn_fns[j].sys)) {
				rn_canon[i] = (uint16_t)j;
				break;
			}
	}
}

int rn_metrics_init(struct rn_metrics *m, const struct rn_otlp_opts *x)
{
	pthread_once(&rn_canon_once, rn_canon_build);
	memset(m, 0, sizeof *m);
	m->x = x;
	return pthread_mutex_init(&m->mu, NULL) ? -ENOMEM : 0;
}

static void rn_met_proc_free(struct rn_met_proc *p)
{
	struct rn_met_series *s = p->series;
	while (s) {
		struct rn_met_series *n = s->next;
		free(s->b);
		free(s->errs);
		free(s);
		s = n;
	}
	free(p->byfn);
	free(p);
}

void rn_metrics_free(struct rn_metrics *m)
{
	struct rn_met_proc *p = m->procs;
	while (p) {
		struct rn_met_proc *n = p->next;
		rn_met_proc_free(p);
		p = n;
	}
	m->procs = m->last = NULL;
	pthread_mutex_destroy(&m->mu);
}

int32_t rn_metrics_bucket(uint64_t ns)
{
	/* x in seconds; bucket i holds (2^(i/8), 2^((i+1)/8)] */
	double x = (double)ns * 1e-9;
	int e;
	double frac = frexp(x, &e);	/* x = frac * 2^e, frac in [0.5, 1) */
	if (frac == 0.5)	/* an exact power of two: the bucket it ends */
		return (int32_t)(((e - 1) << RN_MET_SCALE) - 1);
	return (int32_t)ceil(log2(x) * (1 << RN_MET_SCALE)) - 1;
}

/* The image's entry, made on its first sight (a call may come before the
 * drain reports the image's start). Caller holds the lock. */
static struct rn_met_proc *rn_met_proc_get(struct rn_metrics *m, const struct rn_proc *p)
{
	if (m->last && m->last->arena_id == p->arena_id)
		return m->last;
	for (struct rn_met_proc *q = m->procs; q; q = q->next)
		if (q->arena_id == p->arena_id)
			return m->last = q;
	struct rn_met_proc *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->byfn = calloc(RN_NFUNCS, sizeof *q->byfn);
	if (!q->byfn) {
		free(q);
		return NULL;
	}
	q->arena_id = p->arena_id;
	q->p = *p;
	q->next = m->procs;
	m->procs = q;
	return m->last = q;
}

/* Widens s's buckets to hold index i, with a margin of empty buckets on
 * the side it grew, so a slowly widening range reallocates rarely (the
 * encoders leave empty edge buckets out). Returns 0 or -ENOMEM. */
static int rn_met_widen(struct rn_met_series *s, int32_t i)
{
	int32_t lo = i - 4, hi = i + 4;
	if (s->nb) {
		lo = s->off;
		hi = s->off + (int32_t)s->nb - 1;
		if (i < lo)
			lo = i - 8;
		if (i > hi)
			hi = i + 8;
	}
	uint32_t n = (uint32_t)(hi - lo + 1);
	uint64_t *b = calloc(n, sizeof *b);
	if (!b)
		return -ENOMEM;
	if (s->nb)
		memcpy(b + (s->off - lo), s->b, s->nb * sizeof *b);
	free(s->b);
	s->b = b;
	s->off = lo;
	s->nb = n;
	return 0;
}

static int rn_met_count_err(struct rn_met_series *s, int err)
{
	for (uint32_t i = 0; i < s->nerrs; i++)
		if (s->errs[i].err == err) {
			s->errs[i].n++;
			return 0;
		}
	if (s->nerrs == s->caperrs) {
		uint32_t cap = s->caperrs ? s->caperrs * 2 : 2;
		struct rn_met_err *e = realloc(s->errs, cap * sizeof *e);
		if (!e)
			return -ENOMEM;
		s->errs = e;
		s->caperrs = cap;
	}
	s->errs[s->nerrs++] = (struct rn_met_err){ err, 1 };
	return 0;
}

int rn_metrics_event(struct rn_metrics *m, const struct rn_event *ev)
{
	if (ev->fn >= RN_NFUNCS || !ev->proc)
		return 0;
	/* calls that did not return have no duration: one still blocked
	 * at its process's end, exit, and an exec that succeeded (its new
	 * image's own account of it has no duration either) */
	if ((ev->flags & RN_EV_UNFINISHED) || (rn_is_exec[ev->fn] && !ev->err))
		return 0;
	uint64_t ns = ev->t_exit_ns > ev->t_enter_ns ? ev->t_exit_ns - ev->t_enter_ns : 0;
	int32_t idx = ns ? rn_metrics_bucket(ns) : 0;
	int rc = -ENOMEM;
	pthread_mutex_lock(&m->mu);
	struct rn_met_proc *p = rn_met_proc_get(m, ev->proc);
	if (!p)
		goto out;
	uint16_t fn = rn_canon[ev->fn];
	struct rn_met_series *s = p->byfn[fn];
	if (!s) {
		if (!(s = calloc(1, sizeof *s)))
			goto out;
		s->fn = fn;
		s->next = p->series;
		p->series = s;
		p->byfn[fn] = s;
	}
	/* room first, counts after: a call is counted whole or not at all */
	if (ns && (!s->nb || idx < s->off || idx >= s->off + (int32_t)s->nb)) {
		/* the widest range kept: outliers go to its edges */
		if (s->nb >= RN_MET_BUCKETS_MAX)
			idx = idx < s->off ? s->off : s->off + (int32_t)s->nb - 1;
		else if (rn_met_widen(s, idx))
			goto out;
	}
	if (ev->err && rn_met_count_err(s, ev->err))
		goto out;
	if (ns)
		s->b[idx - s->off]++;
	else
		s->zero++;
	if (!s->calls || ns < s->min_ns)
		s->min_ns = ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
	s->sum_ns += ns;
	s->calls++;
	m->calls++;
	rc = 0;
out:
	if (rc)
		m->nomem++;
	pthread_mutex_unlock(&m->mu);
	return rc;
}

int rn_metrics_proc_start(struct rn_metrics *m, const struct rn_proc *p)
{
	pthread_mutex_lock(&m->mu);
	struct rn_met_proc *q = rn_met_proc_get(m, p);
	if (q)
		q->p = *p;	/* the drain's latest word on it */
	pthread_mutex_unlock(&m->mu);
	return q ? 0 : -ENOMEM;
}

int rn_metrics_proc_end(struct rn_metrics *m, const struct rn_proc *p)
{
	pthread_mutex_lock(&m->mu);
	struct rn_met_proc *q = rn_met_proc_get(m, p);
	if (q) {
		q->p = *p;
		q->ended = 1;
	}
	pthread_mutex_unlock(&m->mu);
	return q ? 0 : -ENOMEM;
}

size_t rn_metrics_points(const struct rn_metrics *m)
{
	size_t n = 0;
	for (const struct rn_met_proc *p = m->procs; p; p = p->next)
		for (const struct rn_met_series *s = p->series; s; s = s->next)
			n += 2 + s->nerrs;
	return n;
}

void rn_metrics_reap(struct rn_metrics *m)
{
	struct rn_met_proc **pp = &m->procs;
	while (*pp) {
		struct rn_met_proc *p = *pp;
		if (!p->ended) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		if (m->last == p)
			m->last = NULL;
		rn_met_proc_free(p);
	}
	m->exports++;
}
