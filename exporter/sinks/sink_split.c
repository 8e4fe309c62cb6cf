/* sink_split.c: -ff with -o FILE: each task's lines in its own file,
 * FILE.TID (the main thread's is FILE.PID), written by a text sink of its
 * own, without [pid N] prefixes, as strace -ff does. Pids are the ones
 * the other outputs show (as the launcher sees them).
 *
 * Bounded: at most RN_SPLIT_OPEN files are open at once (the least
 * recently used is closed and later reopened for appending); a process's
 * file is closed at its end. It never truncates a file it wrote before,
 * never writes a line to another task's file, and reports a file it
 * cannot open once, on stderr.
 */
#include "sinks.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define RN_SPLIT_OPEN 64

struct split_file {
	int32_t id;		/* 0: a free slot */
	int opened;		/* written before: reopen for appending */
	int failed;		/* could not be opened: said once */
	FILE *f;		/* NULL while closed */
	struct rn_sink text;
	uint64_t used;		/* last use, for closing the oldest */
};

struct split_st {
	char base[PATH_MAX];
	struct rn_text_opts topts;
	int append;		/* a restarted exporter: never truncate */
	struct split_file *tab;	/* open addressing by id */
	unsigned cap, n, nopen;
	uint64_t tick;
	int err;		/* a write or open failed */
};

static unsigned slot_of(int32_t id, unsigned cap)
{
	return ((uint32_t)id * 2654435761u) & (cap - 1);
}

static int grow(struct split_st *st)
{
	unsigned cap = st->cap ? st->cap * 2 : 256;
	struct split_file *t = calloc(cap, sizeof *t);
	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < st->cap; i++) {
		if (!st->tab[i].id)
			continue;
		unsigned h = slot_of(st->tab[i].id, cap);
		while (t[h].id)
			h = (h + 1) & (cap - 1);
		t[h] = st->tab[i];
	}
	free(st->tab);
	st->tab = t;
	st->cap = cap;
	return 0;
}

static struct split_file *entry(struct split_st *st, int32_t id)
{
	if ((st->n + 1) * 2 > st->cap && grow(st))
		return NULL;
	unsigned h = slot_of(id, st->cap);
	while (st->tab[h].id && st->tab[h].id != id)
		h = (h + 1) & (st->cap - 1);
	if (!st->tab[h].id) {
		st->tab[h].id = id;
		st->n++;
	}
	return &st->tab[h];
}

static int close_file(struct split_st *st, struct split_file *f)
{
	int rc = 0;
	if (!f->f)
		return 0;
	if (f->text.finish && f->text.finish(&f->text, NULL))
		rc = -EIO;
	if (f->text.destroy)
		f->text.destroy(&f->text);
	if (fclose(f->f))
		rc = -EIO;
	f->f = NULL;
	st->nopen--;
	if (rc)
		st->err = 1;
	return rc;
}

/* The open file of task id, opening (or reopening) it; NULL when it
 * cannot be (said once). */
static struct split_file *file_of(struct split_st *st, int32_t id)
{
	struct split_file *f = id > 0 ? entry(st, id) : NULL;
	if (!f || f->failed)
		return NULL;
	f->used = ++st->tick;
	if (f->f)
		return f;
	if (st->nopen == RN_SPLIT_OPEN) {
		struct split_file *old = NULL;
		for (unsigned i = 0; i < st->cap; i++)
			if (st->tab[i].f && (!old || st->tab[i].used < old->used))
				old = &st->tab[i];
		close_file(st, old);
	}
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s.%d", st->base, (int)id);
	/* as -o opens its file; a process's second image, a reopened file
	 * and a restarted exporter add to what is there */
	f->f = fopen(path, f->opened || st->append ? "ae" : "we");
	if (!f->f || rn_sink_text_new(&f->text, f->f, &st->topts)) {
		fprintf(stderr, "renacer: -ff: cannot write '%s': %s; the lines of %d are not "
			"kept\n", path, strerror(f->f ? ENOMEM : errno), (int)id);
		if (f->f)
			fclose(f->f);
		f->f = NULL;
		f->failed = 1;
		st->err = 1;
		return NULL;
	}
	f->opened = 1;
	st->nopen++;
	return f;
}

static int split_event(struct rn_sink *s, const struct rn_event *ev)
{
	struct split_st *st = s->st;
	int32_t id = ev->tid ? ev->tid : ev->proc ? ev->proc->pid : 0;
	struct split_file *f = file_of(st, id);
	if (!f)
		return -EIO;
	/* one task per file: a call is never shown in halves */
	struct rn_event one = *ev;
	one.split = RN_SPLIT_NONE;
	return f->text.event(&f->text, &one);
}

static int split_proc_end(struct rn_sink *s, const struct rn_proc *p)
{
	struct split_st *st = s->st;
	/* the +++ line only if it says something (text_proc_end decides):
	 * a process that left no line makes no file */
	if (!p->term_signal && (!p->has_exit || st->topts.quiet_exits))
		return 0;
	struct split_file *f = file_of(st, p->pid);
	if (!f)
		return -EIO;
	int rc = f->text.proc_end(&f->text, p);
	/* its last line: the file is closed now, reopened to append if the
	 * pid comes back */
	return close_file(st, f) ? -EIO : rc;
}

static int split_untraced(struct rn_sink *s, const struct rn_untraced *u)
{
	(void)s;
	/* no file of its own: renacer's notes go where its other notes do */
	if (u->tid)
		fprintf(stderr, "renacer: pid %d thread %d not traced: %s\n", u->pid, u->tid, u->why);
	else
		fprintf(stderr, "renacer: pid %d not traced: %s\n", u->pid, u->why);
	return 0;
}

static int split_flush(struct rn_sink *s)
{
	struct split_st *st = s->st;
	int rc = 0;
	for (unsigned i = 0; i < st->cap; i++)
		if (st->tab[i].f && fflush(st->tab[i].f))
			rc = -EIO;
	return rc;
}

static int split_finish(struct rn_sink *s, const struct rn_stats *stats)
{
	struct split_st *st = s->st;
	for (unsigned i = 0; i < st->cap; i++)
		close_file(st, &st->tab[i]);
	/* losses: on stderr, where the launcher expects a text run's */
	if (stats && !st->topts.summary_follows)
		rn_print_lost(stderr, stats);
	return st->err ? -EIO : 0;
}

static void split_destroy(struct rn_sink *s)
{
	struct split_st *st = s->st;
	if (!st)
		return;
	for (unsigned i = 0; i < st->cap; i++)
		close_file(st, &st->tab[i]);
	free(st->tab);
	free(st);
	s->st = NULL;
}

int rn_sink_split_new(struct rn_sink *s, const char *base, const struct rn_text_opts *text,
		      int append)
{
	struct split_st *st = calloc(1, sizeof *st);
	if (!st)
		return -ENOMEM;
	if (snprintf(st->base, sizeof st->base, "%s", base) >= (int)sizeof st->base) {
		free(st);
		return -ENAMETOOLONG;
	}
	if (text)
		st->topts = *text;
	st->topts.one_task = 1;
	st->append = append;
	if (grow(st)) {
		free(st);
		return -ENOMEM;
	}
	memset(s, 0, sizeof *s);
	s->name = "split";
	s->st = st;
	s->event = split_event;
	s->proc_end = split_proc_end;
	s->untraced = split_untraced;
	s->flush = split_flush;
	s->finish = split_finish;
	s->destroy = split_destroy;
	s->wants_order = 1;
	return 0;
}
