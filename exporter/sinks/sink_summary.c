/* sink_summary.c: the strace -c table, with latency percentiles.
 *
 * Calls are aggregated by kernel name into a fixed table with a log-linear
 * histogram per name, so memory is bounded however long the run: nothing
 * is allocated per event, only once per distinct name. It must never keep
 * per-call data and never print before finish().
 */
#include "sinks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../decode/decode_fmt.h"
#include "../stack/stack.h"

/* Log-linear buckets: values below 2^SUB_BITS ns exactly, above that
 * 2^SUB_BITS buckets per power of two (each under 3.2% wide, so the
 * midpoint is within 1.6%), up to 2^EXP_MAX ns (about 4.9 hours). */
#define SUB_BITS 5
#define SUB (1u << SUB_BITS)
#define EXP_MAX 44
#define NBUCKETS (SUB + (EXP_MAX - SUB_BITS) * SUB)

/* "not traced" lines kept for the end; past that, only counted. */
#define SUM_NOTES 32

/* Distinct names kept; past that, calls go to one "?other" row. */
#define MAX_NAMES 512
#define NSLOTS 1024

struct sum_ent {
	char name[128];		/* a syscall, or with --by-site a call site */
	uint64_t calls;
	uint64_t errors;
	uint64_t total_ns;
	uint64_t max_ns;
	uint32_t seq;		/* first-seen order */
	uint64_t *hist;		/* NBUCKETS counters */
};

struct sum_st {
	FILE *out;
	enum rn_sortby sortby;
	unsigned n;
	uint16_t slot[NSLOTS];	/* hash -> entry index + 1 */
	uint16_t by_fn[RN_NFUNCS];	/* table index -> entry index + 1 */
	struct sum_ent ent[MAX_NAMES];
	struct sum_ent total;
	int other;		/* index + 1 of the ?other row */
	/* "not traced" notes, printed after the table (the text sink of -C
	 * prints them as they come instead) */
	int notes_elsewhere;
	int complete;		/* --complete: no line about uncounted calls */
	int by_site;		/* --by-site: rows are call sites */
	unsigned nnotes;
	struct { int32_t pid, tid; char why[120]; } notes[SUM_NOTES];
};

static unsigned bucket_of(uint64_t v)
{
	if (v < SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v);
	if (e >= EXP_MAX)
		return NBUCKETS - 1;
	unsigned sub = (unsigned)(v >> (e - SUB_BITS)) & (SUB - 1);
	return SUB + (e - SUB_BITS) * SUB + sub;
}

/* The value a bucket stands for: the middle of its range. */
static uint64_t bucket_mid(unsigned b)
{
	if (b < SUB)
		return b;
	unsigned e = (b - SUB) / SUB + SUB_BITS;
	uint64_t sub = (b - SUB) % SUB;
	uint64_t lo = (SUB + sub) << (e - SUB_BITS);
	uint64_t w = 1ull << (e - SUB_BITS);
	return lo + w / 2;
}

static uint64_t percentile(const struct sum_ent *e, unsigned pct)
{
	if (!e->calls || !e->hist)
		return 0;
	uint64_t rank = (e->calls * pct + 99) / 100;
	uint64_t acc = 0;
	if (!rank)
		rank = 1;
	for (unsigned b = 0; b < NBUCKETS; b++) {
		acc += e->hist[b];
		if (acc >= rank) {
			uint64_t v = bucket_mid(b);
			return v > e->max_ns ? e->max_ns : v;
		}
	}
	return e->max_ns;
}

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static int ent_init(struct sum_ent *e, const char *name, uint32_t seq)
{
	memset(e, 0, sizeof *e);
	e->hist = calloc(NBUCKETS, sizeof *e->hist);
	if (!e->hist)
		return -ENOMEM;
	snprintf(e->name, sizeof e->name, "%s", name);
	e->seq = seq;
	return 0;
}

static struct sum_ent *lookup(struct sum_st *st, const char *name)
{
	uint32_t h = hash_name(name) & (NSLOTS - 1);

	for (unsigned i = 0; i < NSLOTS; i++, h = (h + 1) & (NSLOTS - 1)) {
		unsigned idx = st->slot[h];
		if (!idx)
			break;
		if (!strncmp(st->ent[idx - 1].name, name, sizeof st->ent[0].name - 1))
			return &st->ent[idx - 1];
	}
	/* one row is kept back for everything past the limit */
	if (st->n >= MAX_NAMES - 1) {
		if (!st->other) {
			if (ent_init(&st->ent[st->n], "?other", st->n))
				return NULL;
			st->other = (int)++st->n;
		}
		return &st->ent[st->other - 1];
	}
	if (ent_init(&st->ent[st->n], name, st->n))
		return NULL;
	st->slot[h] = (uint16_t)++st->n;
	return &st->ent[st->n - 1];
}

static void ent_add(struct sum_ent *e, uint64_t d, int failed)
{
	e->calls++;
	e->errors += failed ? 1 : 0;
	e->total_ns += d;
	if (d > e->max_ns)
		e->max_ns = d;
	e->hist[bucket_of(d)]++;
}

static int sum_event(struct rn_sink *s, const struct rn_event *ev)
{
	struct sum_st *st = s->st;
	if (ev->flags & RN_EV_SIGNAL)
		return 0;	/* not a call */
	/* A table row always names the same syscall, except syscall() whose
	 * name comes from its number: remember the row per table index. */
	struct sum_ent *e;
	if (st->by_site) {
		/* the program's line that made the call (exporter/stack/) */
		char key[sizeof st->ent[0].name];
		const struct rn_frame *f = rn_stack_site(ev);
		e = lookup(st, f ? rn_site_key(f, key, sizeof key) : "(no stack)");
	} else if (ev->fn < RN_NFUNCS && ev->fn != RN_IDX_syscall && st->by_fn[ev->fn]) {
		e = &st->ent[st->by_fn[ev->fn] - 1];
	} else {
		e = lookup(st, rn_fmt_sysname(ev));
		if (e && ev->fn < RN_NFUNCS && ev->fn != RN_IDX_syscall)
			st->by_fn[ev->fn] = (uint16_t)(e - st->ent + 1);
	}
	uint64_t d = 0;
	int failed = ev->err != 0;

	if (!e)
		return -ENOMEM;
	if (!(ev->flags & RN_EV_UNFINISHED) && ev->t_exit_ns > ev->t_enter_ns)
		d = ev->t_exit_ns - ev->t_enter_ns;
	if (ev->fn < RN_NFUNCS && rn_fns[ev->fn].ret == RN_RET_ERRNUM && ev->ret > 0)
		failed = 1;
	ent_add(e, d, failed);
	ent_add(&st->total, d, failed);
	return 0;
}

static int sum_proc(struct rn_sink *s, const struct rn_proc *p)
{
	(void)s;
	(void)p;
	return 0;
}

/* > 0 when a sorts after b */
static int cmp(const struct sum_st *st, const struct sum_ent *a, const struct sum_ent *b)
{
	int r = 0;

	switch (st->sortby) {
	case RN_SORT_TIME:
		r = (a->total_ns < b->total_ns) - (a->total_ns > b->total_ns);
		break;
	case RN_SORT_CALLS:
		r = (a->calls < b->calls) - (a->calls > b->calls);
		break;
	case RN_SORT_ERRORS:
		r = (a->errors < b->errors) - (a->errors > b->errors);
		break;
	case RN_SORT_NAME:
		r = strcmp(a->name, b->name);
		break;
	case RN_SORT_MAX:
		r = (a->max_ns < b->max_ns) - (a->max_ns > b->max_ns);
		break;
	case RN_SORT_AVG: {
		double x = a->calls ? (double)a->total_ns / (double)a->calls : 0;
		double y = b->calls ? (double)b->total_ns / (double)b->calls : 0;
		r = (x < y) - (x > y);
		break;
	}
	case RN_SORT_NOTHING:
	default:
		break;
	}
	if (!r)
		r = (a->seq > b->seq) - (a->seq < b->seq);
	return r;
}

static void print_row(FILE *out, const struct sum_ent *e, uint64_t grand, int is_total)
{
	char errs[24] = "";
	double pct = grand ? 100.0 * (double)e->total_ns / (double)grand : 0.0;

	/* strace's total row reads 100.00 even when nothing took time */
	if (is_total)
		pct = 100.0;
	if (e->errors)
		snprintf(errs, sizeof errs, "%llu", (unsigned long long)e->errors);
	fprintf(out, "%6.2f %11.6f %11llu %9llu %9s %8.1f %8.1f %8.1f %s\n", pct,
		(double)e->total_ns / 1e9,
		(unsigned long long)(e->calls ? e->total_ns / e->calls / 1000 : 0),
		(unsigned long long)e->calls, errs,
		(double)percentile(e, 50) / 1e3, (double)percentile(e, 99) / 1e3,
		(double)e->max_ns / 1e3, e->name);
}

static const char dashes[] =
	"------ ----------- ----------- --------- --------- -------- -------- -------- ----------------\n";

static int sum_finish(struct rn_sink *s, const struct rn_stats *stats)
{
	struct sum_st *st = s->st;
	unsigned order[MAX_NAMES];

	/* insertion sort: stable, no callback context needed, n is small */
	for (unsigned i = 0; i < st->n; i++) {
		unsigned j = i;
		while (j && cmp(st, &st->ent[order[j - 1]], &st->ent[i]) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	fprintf(st->out, "%6.6s %11.11s %11.11s %9.9s %9.9s %8.8s %8.8s %8.8s %s\n",
		"% time", "seconds", "usecs/call", "calls", "errors", "p50us", "p99us",
		"maxus", st->by_site ? "site" : "syscall");
	fputs(dashes, st->out);
	for (unsigned i = 0; i < st->n; i++)
		print_row(st->out, &st->ent[order[i]], st->total.total_ns, 0);
	fputs(dashes, st->out);
	snprintf(st->total.name, sizeof st->total.name, "total");
	print_row(st->out, &st->total, st->total.total_ns, 1);
	for (unsigned i = 0; i < st->nnotes; i++) {
		if (st->notes[i].tid)
			fprintf(st->out, "renacer: pid %d thread %d not traced: %s\n", st->notes[i].pid,
				st->notes[i].tid, st->notes[i].why);
		else
			fprintf(st->out, "renacer: pid %d not traced: %s\n", st->notes[i].pid,
				st->notes[i].why);
	}
	if (stats)
		rn_print_lost(st->out, stats);
	if (!st->complete)
		fputs("renacer: calls made inside libc (stdio's read and write, malloc's mmap, ...) "
		      "are not counted; --complete counts them\n", st->out);
	if (fflush(st->out) || ferror(st->out))
		return -EIO;
	return 0;
}

static int sum_untraced(struct rn_sink *s, const struct rn_untraced *u)
{
	struct sum_st *st = s->st;

	if (st->notes_elsewhere || st->nnotes == SUM_NOTES)
		return 0;	/* the count line still says how many */
	st->notes[st->nnotes].pid = u->pid;
	st->notes[st->nnotes].tid = u->tid;
	snprintf(st->notes[st->nnotes].why, sizeof st->notes[0].why, "%s", u->why);
	st->nnotes++;
	return 0;
}

int rn_print_lost(FILE *out, const struct rn_stats *st)
{
	uint64_t lost = rn_stats_lost(st);
	if (lost && fprintf(out, "renacer: %llu events lost (ring full: %llu, signal nesting: %llu, "
				 "no ring: %llu)\n",
			    (unsigned long long)lost, (unsigned long long)st->lost_full,
			    (unsigned long long)st->lost_nested,
			    (unsigned long long)st->lost_noring) < 0)
		return -EIO;
	if (st->untraced && fprintf(out, "renacer: %llu processes or threads not traced\n",
				    (unsigned long long)st->untraced) < 0)
		return -EIO;
	return 0;
}

static void sum_destroy(struct rn_sink *s)
{
	struct sum_st *st = s->st;

	if (!st)
		return;
	for (unsigned i = 0; i < st->n; i++)
		free(st->ent[i].hist);
	free(st->total.hist);
	free(st);
	s->st = NULL;
}

int rn_sink_summary_new(struct rn_sink *s, FILE *out, const struct rn_summary_opts *o)
{
	struct sum_st *st = calloc(1, sizeof *st);

	if (!st)
		return -ENOMEM;
	if (ent_init(&st->total, "total", 0)) {
		free(st);
		return -ENOMEM;
	}
	st->out = out;
	st->sortby = o ? o->sortby : RN_SORT_TIME;
	st->notes_elsewhere = o ? o->notes_elsewhere : 0;
	st->complete = o ? o->complete : 0;
	st->by_site = o ? o->by_site : 0;
	memset(s, 0, sizeof *s);
	s->name = "summary";
	s->st = st;
	s->event = sum_event;
	s->proc_start = sum_proc;
	s->proc_end = sum_proc;
	s->untraced = sum_untraced;
	s->finish = sum_finish;
	s->destroy = sum_destroy;
	return 0;
}
