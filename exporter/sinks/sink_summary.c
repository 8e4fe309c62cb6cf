/* sink_summary.c: the strace -c table, with latency percentiles, its
 * columns as -U chose them, or one JSON summary object (--format json).
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
#include "../decode/escape.h"
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
	uint64_t min_ns;	/* of the calls counted; 0 when none */
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
	unsigned char cols[RN_COLS_MAX];	/* -U, in order */
	unsigned ncols;
	int json;		/* one JSON object instead of the table */
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
	if (e->calls == 1 || d < e->min_ns)
		e->min_ns = d;
	e->hist[bucket_of(d)]++;
}

/* Counts one call of table index fn (failed: by errno, or by an error
 * number returned) in its row; the total is made from the rows at the
 * end (total_of_rows), so a call costs one row's update. */
static void sum_count(struct sum_ent *e, uint16_t fn, uint16_t err, int64_t ret, uint64_t d)
{
	int failed = err != 0;
	if (fn < RN_NFUNCS && rn_fns[fn].ret == RN_RET_ERRNUM && ret > 0)
		failed = 1;
	ent_add(e, d, failed);
}

/* The row of a table index that always names the same syscall (any but
 * syscall()'s, whose name comes from its number), found once. */
static struct sum_ent *row_of_fn(struct sum_st *st, uint16_t fn, const char *name)
{
	if (st->by_fn[fn])
		return &st->ent[st->by_fn[fn] - 1];
	struct sum_ent *e = lookup(st, name);
	if (e)
		st->by_fn[fn] = (uint16_t)(e - st->ent + 1);
	return e;
}

static int sum_event(struct rn_sink *s, const struct rn_event *ev)
{
	struct sum_st *st = s->st;
	if (ev->flags & RN_EV_SIGNAL)
		return 0;	/* not a call */
	struct sum_ent *e;
	if (st->by_site) {
		/* the program's line that made the call (exporter/stack/) */
		char key[sizeof st->ent[0].name];
		const struct rn_frame *f = rn_stack_site(ev);
		e = lookup(st, f ? rn_site_key(f, key, sizeof key) : "(no stack)");
	} else if (ev->fn < RN_NFUNCS && ev->fn != RN_IDX_syscall) {
		e = row_of_fn(st, ev->fn, rn_fmt_sysname(ev));
	} else {
		e = lookup(st, rn_fmt_sysname(ev));
	}
	uint64_t d = 0;

	if (!e)
		return -ENOMEM;
	if (!(ev->flags & RN_EV_UNFINISHED) && ev->t_exit_ns > ev->t_enter_ns)
		d = ev->t_exit_ns - ev->t_enter_ns;
	sum_count(e, ev->fn, ev->err, ev->ret, d);
	return 0;
}

/* A plain call, straight from its record (sink.h): never syscall()'s
 * row, never with --by-site (the sink has no call() then). */
static int sum_call(struct rn_sink *s, uint16_t fn, uint16_t err, int64_t ret, uint64_t d)
{
	struct sum_st *st = s->st;
	if (fn >= RN_NFUNCS)
		return -EINVAL;
	struct sum_ent *e = row_of_fn(st, fn, rn_fns[fn].sys);
	if (!e)
		return -ENOMEM;
	sum_count(e, fn, err, ret, d);
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
	case RN_SORT_MIN:
		r = (a->min_ns < b->min_ns) - (a->min_ns > b->min_ns);
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

/* The columns: strace's names (and the spellings its -U takes), the
 * header, the width. The default table is strace's plus percentiles. */
static const struct {
	const char *names[4];
	const char *head;
	int width;
} rn_cols[RN_NCOLS] = {
	[RN_COL_PERCENT] = { { "time-percent", "percent", "time-pct", "%time" }, "% time", 6 },
	[RN_COL_TOTAL] = { { "total-time", "time-total", "seconds", "time" }, "seconds", 11 },
	[RN_COL_AVG] = { { "avg-time", "time-avg", "usecs/call", NULL }, "usecs/call", 11 },
	[RN_COL_CALLS] = { { "calls", "count", NULL, NULL }, "calls", 9 },
	[RN_COL_ERRORS] = { { "errors", "error", NULL, NULL }, "errors", 9 },
	[RN_COL_P50] = { { "p50-time", "p50", NULL, NULL }, "p50us", 8 },
	[RN_COL_P99] = { { "p99-time", "p99", NULL, NULL }, "p99us", 8 },
	[RN_COL_MAX] = { { "max-time", "time-max", "longest", NULL }, "maxus", 8 },
	[RN_COL_MIN] = { { "min-time", "time-min", "shortest", NULL }, "min(us)", 8 },
	[RN_COL_NAME] = { { "name", "syscall", "syscall-name", NULL }, "syscall", 16 },
};

static const unsigned char rn_default_cols[] = { RN_COL_PERCENT, RN_COL_TOTAL, RN_COL_AVG,
						 RN_COL_CALLS, RN_COL_ERRORS, RN_COL_P50,
						 RN_COL_P99, RN_COL_MAX, RN_COL_NAME };

int rn_summary_columns(struct rn_summary_opts *o, const char *spec)
{
	unsigned n = 0;
	for (const char *p = spec; *p;) {
		size_t l = strcspn(p, ",");
		char w[24];
		if (!l || l >= sizeof w || n == RN_COLS_MAX)
			return -EINVAL;
		/* strace takes time_percent as well as time-percent */
		for (size_t i = 0; i < l; i++)
			w[i] = p[i] == '_' ? '-' : p[i];
		w[l] = '\0';
		unsigned c = RN_NCOLS;
		for (unsigned k = 0; k < RN_NCOLS && c == RN_NCOLS; k++)
			for (unsigned a = 0; a < 4 && rn_cols[k].names[a]; a++)
				if (!strcmp(w, rn_cols[k].names[a]))
					c = k;
		if (c == RN_NCOLS)
			return -EINVAL;
		o->cols[n++] = (unsigned char)c;
		p += l;
		if (*p == ',' && !*++p)
			return -EINVAL;
	}
	if (!n)
		return -EINVAL;
	o->ncols = n;
	return 0;
}

/* One cell; the name column is padded unless it is the last. */
static void print_cell(FILE *out, unsigned c, const struct sum_ent *e, double pct, int last)
{
	int w = rn_cols[c].width;
	switch (c) {
	case RN_COL_PERCENT:
		fprintf(out, "%*.2f", w, pct);
		break;
	case RN_COL_TOTAL:
		fprintf(out, "%*.6f", w, (double)e->total_ns / 1e9);
		break;
	case RN_COL_AVG:
		fprintf(out, "%*llu", w,
			(unsigned long long)(e->calls ? e->total_ns / e->calls / 1000 : 0));
		break;
	case RN_COL_CALLS:
		fprintf(out, "%*llu", w, (unsigned long long)e->calls);
		break;
	case RN_COL_ERRORS:
		if (e->errors)
			fprintf(out, "%*llu", w, (unsigned long long)e->errors);
		else if (!last)
			fprintf(out, "%*s", w, "");
		break;
	case RN_COL_P50:
		fprintf(out, "%*.1f", w, (double)percentile(e, 50) / 1e3);
		break;
	case RN_COL_P99:
		fprintf(out, "%*.1f", w, (double)percentile(e, 99) / 1e3);
		break;
	case RN_COL_MAX:
		fprintf(out, "%*.1f", w, (double)e->max_ns / 1e3);
		break;
	case RN_COL_MIN:
		fprintf(out, "%*.1f", w, (double)e->min_ns / 1e3);
		break;
	default:
		fprintf(out, "%-*s", last ? 0 : w, e->name);
		break;
	}
}

static void print_row(const struct sum_st *st, const struct sum_ent *e, uint64_t grand,
		      int is_total)
{
	double pct = grand ? 100.0 * (double)e->total_ns / (double)grand : 0.0;

	/* strace's total row reads 100.00 even when nothing took time */
	if (is_total)
		pct = 100.0;
	for (unsigned i = 0; i < st->ncols; i++) {
		if (i)
			fputc(' ', st->out);
		print_cell(st->out, st->cols[i], e, pct, i + 1 == st->ncols);
	}
	fputc('\n', st->out);
}

static void print_head(const struct sum_st *st)
{
	for (unsigned i = 0; i < st->ncols; i++) {
		unsigned c = st->cols[i];
		const char *h = c == RN_COL_NAME && st->by_site ? "site" : rn_cols[c].head;
		int last = i + 1 == st->ncols;
		if (c == RN_COL_NAME)
			fprintf(st->out, "%s%s%*s", i ? " " : "", h,
				last ? 0 : rn_cols[c].width - (int)strlen(h), "");
		else
			fprintf(st->out, "%s%*.*s", i ? " " : "", rn_cols[c].width, rn_cols[c].width, h);
	}
	fputc('\n', st->out);
}

static void print_dashes(const struct sum_st *st)
{
	for (unsigned i = 0; i < st->ncols; i++)
		fprintf(st->out, "%s%.*s", i ? " " : "", rn_cols[st->cols[i]].width,
			"----------------");
	fputc('\n', st->out);
}

/* A JSON number of seconds' percent, or of ns. */
static void json_row(const struct sum_st *st, const struct sum_ent *e, uint64_t grand, int total)
{
	char name[4 * sizeof e->name + 8];
	rn_json_escape(name, sizeof name, (const uint8_t *)e->name, strlen(e->name));
	if (!total)
		fprintf(st->out, "{\"%s\":\"%s\",", st->by_site ? "site" : "syscall", name);
	else
		fputc('{', st->out);
	fprintf(st->out,
		"\"calls\":%llu,\"errors\":%llu,\"total_ns\":%llu,\"avg_ns\":%llu,\"min_ns\":%llu,"
		"\"max_ns\":%llu,\"p50_ns\":%llu,\"p99_ns\":%llu,\"time_percent\":%.2f}",
		(unsigned long long)e->calls, (unsigned long long)e->errors,
		(unsigned long long)e->total_ns,
		(unsigned long long)(e->calls ? e->total_ns / e->calls : 0),
		(unsigned long long)e->min_ns, (unsigned long long)e->max_ns,
		(unsigned long long)percentile(e, 50), (unsigned long long)percentile(e, 99),
		total ? 100.0 : grand ? 100.0 * (double)e->total_ns / (double)grand : 0.0);
}

/* --format json: the whole summary as one object on one line, its rows in
 * -S order (docs: README, the JSON summary). */
static void json_summary(struct sum_st *st, const unsigned *order, const struct rn_stats *stats)
{
	fprintf(st->out, "{\"event\":\"summary\",\"by\":\"%s\",\"%s\":[",
		st->by_site ? "site" : "syscall", st->by_site ? "sites" : "syscalls");
	for (unsigned i = 0; i < st->n; i++) {
		if (i)
			fputc(',', st->out);
		json_row(st, &st->ent[order[i]], st->total.total_ns, 0);
	}
	fputs("],\"total\":", st->out);
	json_row(st, &st->total, st->total.total_ns, 1);
	if (stats)
		fprintf(st->out, ",\"lost\":%llu,\"lost_full\":%llu,\"lost_nested\":%llu,"
			"\"lost_noring\":%llu,\"untraced\":%llu",
			(unsigned long long)rn_stats_lost(stats), (unsigned long long)stats->lost_full,
			(unsigned long long)stats->lost_nested, (unsigned long long)stats->lost_noring,
			(unsigned long long)stats->untraced);
	fputs(",\"not_traced\":[", st->out);
	for (unsigned i = 0; i < st->nnotes; i++) {
		char why[4 * sizeof st->notes[0].why + 8];
		rn_json_escape(why, sizeof why, (const uint8_t *)st->notes[i].why,
			       strlen(st->notes[i].why));
		fprintf(st->out, "%s{\"pid\":%d,\"tid\":%d,\"why\":\"%s\"}", i ? "," : "",
			st->notes[i].pid, st->notes[i].tid, why);
	}
	/* complete false: calls made inside libc are not counted */
	fprintf(st->out, "],\"complete\":%s}\n", st->complete ? "true" : "false");
}

/* The total row: every row merged (each call is in exactly one row). */
static void total_of_rows(struct sum_st *st)
{
	struct sum_ent *t = &st->total;
	t->calls = t->errors = t->total_ns = t->max_ns = t->min_ns = 0;
	memset(t->hist, 0, NBUCKETS * sizeof *t->hist);
	for (unsigned i = 0; i < st->n; i++) {
		const struct sum_ent *e = &st->ent[i];
		if (!e->calls)
			continue;
		if (!t->calls || e->min_ns < t->min_ns)
			t->min_ns = e->min_ns;
		if (e->max_ns > t->max_ns)
			t->max_ns = e->max_ns;
		t->calls += e->calls;
		t->errors += e->errors;
		t->total_ns += e->total_ns;
		for (unsigned b = 0; b < NBUCKETS; b++)
			t->hist[b] += e->hist[b];
	}
}

static int sum_finish(struct rn_sink *s, const struct rn_stats *stats)
{
	struct sum_st *st = s->st;
	unsigned order[MAX_NAMES];

	total_of_rows(st);

	/* insertion sort: stable, no callback context needed, n is small */
	for (unsigned i = 0; i < st->n; i++) {
		unsigned j = i;
		while (j && cmp(st, &st->ent[order[j - 1]], &st->ent[i]) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	if (st->json) {
		json_summary(st, order, stats);
		return fflush(st->out) || ferror(st->out) ? -EIO : 0;
	}
	print_head(st);
	print_dashes(st);
	for (unsigned i = 0; i < st->n; i++)
		print_row(st, &st->ent[order[i]], st->total.total_ns, 0);
	print_dashes(st);
	snprintf(st->total.name, sizeof st->total.name, "total");
	print_row(st, &st->total, st->total.total_ns, 1);
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
	st->json = o ? o->json : 0;
	st->ncols = o && o->ncols ? o->ncols : sizeof rn_default_cols;
	memcpy(st->cols, o && o->ncols ? o->cols : rn_default_cols, st->ncols);
	memset(s, 0, sizeof *s);
	s->name = "summary";
	s->st = st;
	s->event = sum_event;
	if (!st->by_site)	/* a site needs the decoded stack */
		s->call = sum_call;
	s->proc_start = sum_proc;
	s->proc_end = sum_proc;
	s->untraced = sum_untraced;
	s->finish = sum_finish;
	s->destroy = sum_destroy;
	return 0;
}
