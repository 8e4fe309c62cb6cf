/* sink_text.c: strace-like lines, one per call, to a FILE.
 *
 * Lines read like strace -f output so existing habits and scripts carry
 * over. It must never trust captured bytes (decode_fmt escapes them), never
 * write a partial line for one event, and never exit on an output error:
 * it reports -errno to the caller.
 */
#include "sinks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../decode/decode_fmt.h"
#include "../decode/siginfo.h"
#include "../stack/stack.h"

/* Captures after one record are at most RN_EXT_MAX bytes, and strace
 * escaping at most quadruples a byte: this always holds the arguments. */
#define RN_TEXT_ARGS (4 * 16384 + 4096)

/* strace's default -a: " = " starts at column 40 */
#define RN_TEXT_COLUMN 39

struct text_st {
	FILE *out;
	enum rn_tstamp tstamp;
	int durations;
	int summary_follows;	/* -C: the summary prints the loss line */
	int relative;		/* -r */
	int quiet_exits;	/* -qq */
	int one_task;		/* -ff: no prefix whatever ids come */
	uint64_t prev_ns;	/* -r: the time of the line before, 0: none */
	uint64_t last_ns;	/* the latest time a line showed */
	int32_t first_id;	/* first thread or process seen */
	int have_first;
	int multi;		/* a second one was seen: prefix every line */
	char *args;
};

static void note_id(struct text_st *st, int32_t id)
{
	if (!st->have_first) {
		st->first_id = id;
		st->have_first = 1;
	} else if (id != st->first_id && !st->one_task) {
		st->multi = 1;
	}
}

/* Writes the pid prefix and timestamp; returns the columns used.
 * late: a line the order window may let through after lines later than
 * its own time (a resumed or unfinished half, a signal, an end:
 * docs/ARCHITECTURE.md, "Order across rings"), shown, as strace shows a
 * resumed half when it sees the return, no earlier than the line before
 * it; -T and the other sinks keep its true times. */
static int leader(struct text_st *st, int32_t id, uint64_t t_ns, int late)
{
	int col = 0, n;

	if (late && t_ns < st->last_ns)
		t_ns = st->last_ns;
	if (t_ns > st->last_ns)
		st->last_ns = t_ns;

	if (st->multi) {
		n = fprintf(st->out, "[pid %5d] ", id);
		col += n > 0 ? n : 0;
	}
	if (st->relative) {
		/* strace -r: seconds since the line before (lines come in time
		 * order, reorder.c) */
		uint64_t d = st->prev_ns && t_ns > st->prev_ns ? t_ns - st->prev_ns : 0;
		st->prev_ns = t_ns;
		n = fprintf(st->out, "%6llu.%06llu ", (unsigned long long)(d / 1000000000u),
			    (unsigned long long)(d % 1000000000u / 1000u));
		col += n > 0 ? n : 0;
	}
	if (st->tstamp == RN_TS_NONE)
		return col;
	time_t sec = (time_t)(t_ns / 1000000000u);
	unsigned long usec = (unsigned long)(t_ns % 1000000000u / 1000u);
	if (st->tstamp == RN_TS_TTT) {
		n = fprintf(st->out, "%lld.%06lu ", (long long)sec, usec);
	} else {
		struct tm tm;
		char hms[16];
		if (!localtime_r(&sec, &tm))
			memset(&tm, 0, sizeof tm);
		strftime(hms, sizeof hms, "%H:%M:%S", &tm);
		if (st->tstamp == RN_TS_TT)
			n = fprintf(st->out, "%s.%06lu ", hms, usec);
		else
			n = fprintf(st->out, "%s ", hms);
	}
	col += n > 0 ? n : 0;
	return col;
}

static int rn_unlikely_dump(const struct rn_event *ev)
{
	return __builtin_expect(ev->cap[RN_CAP_DUMP].present, 0);
}

static int text_event(struct rn_sink *s, const struct rn_event *ev)
{
	struct text_st *st = s->st;
	char ret[128];
	int32_t id = ev->tid ? ev->tid : (ev->proc ? ev->proc->pid : 0);

	note_id(st, id);
	if (ev->flags & RN_EV_SIGNAL) {
		/* a signal delivered to a handler: strace's line */
		char name[32];
		rn_fmt_signame(name, sizeof name, rn_event_signo(ev));
		rn_fmt_siginfo(st->args, RN_TEXT_ARGS, ev);
		leader(st, id, ev->t_enter_ns, 1);
		fprintf(st->out, "--- %s %s ---\n", name, st->args);
		return ferror(st->out) ? -EIO : 0;
	}
	if (ev->flags & RN_EV_BLOCKED) {
		/* still blocked when its thread died: strace's form; the
		 * arguments were never recorded */
		leader(st, id, ev->t_enter_ns, 1);
		fprintf(st->out, "%s(... <unfinished ...>\n", rn_fmt_sysname(ev));
		return ferror(st->out) ? -EIO : 0;
	}
	if (ev->split == RN_SPLIT_ENTRY) {
		/* other lines come before it returns: strace's first half */
		leader(st, id, ev->t_enter_ns, 1);
		fprintf(st->out, "%s(<unfinished ...>\n", rn_fmt_sysname(ev));
		return ferror(st->out) ? -EIO : 0;
	}
	size_t alen = rn_fmt_args(st->args, RN_TEXT_ARGS, ev);
	rn_fmt_ret(ret, sizeof ret, ev);
	const char *name = rn_fmt_sysname(ev);

	size_t col;
	if (ev->split == RN_SPLIT_RESUMED) {
		/* the second half, at its return; the arguments all here,
		 * since the first half had none */
		col = (size_t)leader(st, id, ev->t_exit_ns, 1);
		int n = fprintf(st->out, "<... %s resumed>", name);
		col += n > 0 ? (size_t)n : 0;
	} else {
		col = (size_t)leader(st, id, ev->t_enter_ns, 0);
		fputs(name, st->out);
		fputc('(', st->out);
		col += strlen(name) + 1;
	}
	fwrite(st->args, 1, alen, st->out);
	fputc(')', st->out);
	col += alen + 1;
	if (col < RN_TEXT_COLUMN)
		fprintf(st->out, "%*s", (int)(RN_TEXT_COLUMN - col), "");
	fprintf(st->out, " = %s", ret);
	if (st->durations && !(ev->flags & RN_EV_UNFINISHED)) {
		uint64_t d = ev->t_exit_ns > ev->t_enter_ns ? ev->t_exit_ns - ev->t_enter_ns : 0;
		fprintf(st->out, " <%llu.%06llu>", (unsigned long long)(d / 1000000000u),
			(unsigned long long)(d % 1000000000u / 1000u));
	}
	fputc('\n', st->out);
	if (rn_unlikely_dump(ev)) {	/* -e read=/write=: the whole buffer */
		char l[128];
		for (size_t off = 0; rn_fmt_dump_line(l, sizeof l, ev, off); off += 16)
			fprintf(st->out, "%s\n", l);
		const uint8_t *piece;
		size_t at = 0, pn;
		for (unsigned k = 0; rn_fmt_dump_is_vec(ev) && rn_fmt_dump_piece(ev, &at, &piece, &pn) && pn; k++) {
			fprintf(st->out, " * %zu bytes in buffer %u\n", pn, k);
			for (size_t off = 0; rn_fmt_hex_line(l, sizeof l, piece, pn, off); off += 16)
				fprintf(st->out, "%s\n", l);
		}
		if (!rn_fmt_dump_is_vec(ev) && ev->dump_total > ev->cap[RN_CAP_DUMP].len)
			fprintf(st->out, " | ... %u more bytes not recorded (a dump keeps %u)\n",
				ev->dump_total - ev->cap[RN_CAP_DUMP].len, RN_DUMP_MAX);
	}
	if (ev->frames)		/* -k: the stack under the call, as strace -k */
		rn_stack_print_text(st->out, ev);
	return ferror(st->out) ? -EIO : 0;
}

static int text_proc_start(struct rn_sink *s, const struct rn_proc *p)
{
	note_id(s->st, p->pid);
	return 0;
}

static int text_proc_end(struct rn_sink *s, const struct rn_proc *p)
{
	struct text_st *st = s->st;

	if (p->term_signal) {
		const char *name = rn_signal_name(p->term_signal);
		leader(st, p->pid, p->t_end_ns, 1);
		if (name)
			fprintf(st->out, "+++ killed by %s +++\n", name);
		else
			fprintf(st->out, "+++ killed by signal %d +++\n", p->term_signal);
		return ferror(st->out) ? -EIO : 0;
	}
	if (!p->has_exit || st->quiet_exits)
		return 0;
	leader(st, p->pid, p->t_end_ns, 1);
	fprintf(st->out, "+++ exited with %d +++\n", p->exit_code);
	return ferror(st->out) ? -EIO : 0;
}

static int text_untraced(struct rn_sink *s, const struct rn_untraced *u)
{
	struct text_st *st = s->st;

	if (u->tid)
		fprintf(st->out, "renacer: pid %d thread %d not traced: %s\n", u->pid, u->tid, u->why);
	else
		fprintf(st->out, "renacer: pid %d not traced: %s\n", u->pid, u->why);
	return ferror(st->out) ? -EIO : 0;
}

static int text_flush(struct rn_sink *s)
{
	struct text_st *st = s->st;
	return fflush(st->out) ? -EIO : 0;
}

static int text_finish(struct rn_sink *s, const struct rn_stats *stats)
{
	struct text_st *st = s->st;

	/* with -C the summary that follows says it */
	if (stats && !st->summary_follows)
		rn_print_lost(st->out, stats);
	if (fflush(st->out) || ferror(st->out))
		return -EIO;
	return 0;
}

static void text_destroy(struct rn_sink *s)
{
	struct text_st *st = s->st;

	if (!st)
		return;
	free(st->args);
	free(st);
	s->st = NULL;
}

int rn_sink_text_new(struct rn_sink *s, FILE *out, const struct rn_text_opts *o)
{
	struct text_st *st = calloc(1, sizeof *st);

	if (!st)
		return -ENOMEM;
	st->args = malloc(RN_TEXT_ARGS);
	if (!st->args) {
		free(st);
		return -ENOMEM;
	}
	st->out = out;
	st->tstamp = o ? o->tstamp : RN_TS_NONE;
	st->durations = o ? o->durations : 0;
	st->summary_follows = o ? o->summary_follows : 0;
	st->relative = o ? o->relative : 0;
	st->quiet_exits = o ? o->quiet_exits : 0;
	st->one_task = o ? o->one_task : 0;
	memset(s, 0, sizeof *s);
	s->name = "text";
	s->st = st;
	s->event = text_event;
	s->proc_start = text_proc_start;
	s->proc_end = text_proc_end;
	s->untraced = text_untraced;
	s->flush = text_flush;
	s->wants_order = 1;
	s->wants_split = 1;
	s->finish = text_finish;
	s->destroy = text_destroy;
	return 0;
}
