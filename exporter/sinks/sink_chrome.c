/* sink_chrome.c: the trace as Chrome trace-event JSON (`--format
 * perfetto`, or `chrome`), which Perfetto's UI and chrome://tracing open:
 * a track per thread grouped by process (named by its executable), a
 * slice per call, a flow arrow from the thread that forked to the child's
 * first moment, an instant at each exec, and a "calls/s" counter per
 * process.
 *
 * Times are wall-clock microseconds since the epoch with nanosecond
 * decimals (a viewer reading them as doubles keeps a quarter of a
 * microsecond), so an exporter restarted on the same session (which cuts
 * the file back to its commit record and appends, commit.c) writes on the
 * same clock. The document is one JSON object written as it goes and
 * closed by finish; every string from the traced program goes through
 * rn_json_escape. It must never write a cut event.
 */
#include "sinks.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/record.h"
#include "../decode/decode_fmt.h"
#include "../decode/escape.h"
#include "../decode/textbuf.h"
#include "sink_bufs.h"

#define ARG_CAP (4 * RN_EXT_MAX + 4096)
#define LINE_CAP (2 * ARG_CAP + 8192)
#define RESERVE 512
#define RN_CHROME_PROCS 4096	/* counter state kept for this many
				 * processes at once (then reused) */

struct chrome_proc {
	uint64_t arena_id;
	int32_t pid;
	uint64_t second;	/* the counter's current bucket */
	uint64_t calls;
};

struct chrome_st {
	FILE *out;
	char *arg, *line;
	struct rn_tb tb;
	unsigned nev;		/* events written (for the comma) */
	struct chrome_proc procs[RN_CHROME_PROCS];
};

static void put(struct chrome_st *st, const char *s, size_t n)
{
	size_t room = LINE_CAP - st->tb.len;
	if (n > room - 1)
		n = room - 1;
	memcpy(st->line + st->tb.len, s, n);
	st->tb.len += n;
}

static void puts_(struct chrome_st *st, const char *s)
{
	put(st, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void putf(struct chrome_st *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(st->line + st->tb.len, LINE_CAP - st->tb.len, fmt, ap);
	va_end(ap);
	if (n > 0)
		st->tb.len += (size_t)n < LINE_CAP - st->tb.len ? (size_t)n : LINE_CAP - st->tb.len - 1;
}

static void put_jstr(struct chrome_st *st, const void *s, size_t n)
{
	size_t room = LINE_CAP - st->tb.len;
	if (room <= RESERVE + 2)
		return;
	put(st, "\"", 1);
	st->tb.len += rn_json_escape(st->line + st->tb.len, room - RESERVE - 1, s, n);
	put(st, "\"", 1);
}

/* Starts one event object (after a comma when one came before). */
static void ev_begin(struct chrome_st *st)
{
	rn_tb_init(&st->tb, st->line, LINE_CAP);
	puts_(st, st->nev++ ? ",\n{" : "\n{");
}

static int ev_end(struct chrome_st *st)
{
	puts_(st, "}");
	return fwrite(st->line, 1, st->tb.len, st->out) == st->tb.len ? 0 : -EIO;
}

/* microseconds, three decimals: nanoseconds kept */
static void put_ts(struct chrome_st *st, const char *key, uint64_t ns)
{
	putf(st, ",\"%s\":%llu.%03llu", key, (unsigned long long)(ns / 1000),
	     (unsigned long long)(ns % 1000));
}

static struct chrome_proc *proc_slot(struct chrome_st *st, const struct rn_proc *p)
{
	struct chrome_proc *c = &st->procs[p->arena_id % RN_CHROME_PROCS];
	if (c->arena_id != p->arena_id)
		*c = (struct chrome_proc){ .arena_id = p->arena_id, .pid = p->pid };
	return c;
}

/* Closes the process's counter bucket when the second has turned. */
static int counter(struct chrome_st *st, struct chrome_proc *c, uint64_t ns)
{
	uint64_t sec = ns / 1000000000ull;
	int rc = 0;
	if (c->calls && sec != c->second) {
		ev_begin(st);
		putf(st, "\"ph\":\"C\",\"name\":\"calls/s\",\"pid\":%d", c->pid);
		put_ts(st, "ts", c->second * 1000000000ull);
		putf(st, ",\"args\":{\"calls\":%llu}", (unsigned long long)c->calls);
		rc = ev_end(st);
		c->calls = 0;
	}
	c->second = sec;
	c->calls++;
	return rc;
}

static int chrome_event(struct rn_sink *s, const struct rn_event *ev)
{
	struct chrome_st *st = s->st;
	if (ev->flags & RN_EV_SIGNAL)
		return 0;	/* not a call: the trace shows calls only */
	int32_t pid = ev->proc ? ev->proc->pid : 0;
	int32_t tid = ev->tid ? ev->tid : pid;
	const char *sys = rn_fmt_sysname(ev);
	int rc = ev->proc ? counter(st, proc_slot(st, ev->proc), ev->t_enter_ns) : 0;

	ev_begin(st);
	int unfinished = (ev->flags & RN_EV_UNFINISHED) != 0;
	/* a call that never returned is an instant: it has no end */
	putf(st, "\"ph\":\"%s\",\"cat\":\"syscall\",\"name\":", unfinished ? "i" : "X");
	put_jstr(st, sys, strlen(sys));
	putf(st, ",\"pid\":%d,\"tid\":%d", pid, tid);
	put_ts(st, "ts", ev->t_enter_ns);
	if (unfinished) {
		puts_(st, ",\"s\":\"t\"");
	} else {
		uint64_t d = ev->t_exit_ns > ev->t_enter_ns ? ev->t_exit_ns - ev->t_enter_ns : 0;
		putf(st, ",\"dur\":%llu.%03llu", (unsigned long long)(d / 1000),
		     (unsigned long long)(d % 1000));
	}
	puts_(st, ",\"args\":{\"args\":");
	struct rn_fmt_iter it;
	size_t alen;
	/* the arguments as strace writes them, one string */
	size_t used = 0;
	char *joined = st->arg;
	rn_fmt_iter_init(&it, ev);
	for (int first = 1; !(ev->flags & RN_EV_BLOCKED) &&
			    rn_fmt_next(&it, joined + used + (first ? 0 : 2),
					ARG_CAP - used - (first ? 0 : 2), &alen);
	     first = 0) {
		if (!first) {
			joined[used] = ',';
			joined[used + 1] = ' ';
			used += 2;
		}
		used += alen;
		if (used + 64 > ARG_CAP)
			break;
	}
	put_jstr(st, joined, used);
	if (!unfinished) {
		putf(st, ",\"ret\":%lld", (long long)ev->ret);
		if (ev->err) {
			const char *n = rn_errno_name(ev->err);
			putf(st, ",\"errno\":\"%s\"", n ? n : "?");
		}
	}
	puts_(st, "}");
	int wrc = ev_end(st);
	return rc ? rc : wrc;
}

/* A traced process with this pid has had its own track (the root's
 * parent, renacer-run, has none: no arrow from nowhere). */
static int pid_seen(const struct chrome_st *st, int32_t pid)
{
	for (unsigned i = 0; i < RN_CHROME_PROCS; i++)
		if (st->procs[i].arena_id && st->procs[i].pid == pid)
			return 1;
	return 0;
}

static int chrome_proc_start(struct rn_sink *s, const struct rn_proc *p)
{
	struct chrome_st *st = s->st;
	proc_slot(st, p);
	const char *exe = strrchr(p->exe, '/');
	exe = exe ? exe + 1 : p->exe;
	ev_begin(st);
	putf(st, "\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":", p->pid);
	put_jstr(st, exe, strnlen(exe, sizeof p->exe));
	puts_(st, "}");
	int rc = ev_end(st);
	if (p->exec_gen) {
		/* the same pid, a new image: mark the moment on its track */
		ev_begin(st);
		putf(st, "\"ph\":\"i\",\"s\":\"p\",\"cat\":\"process\",\"name\":\"exec\",\"pid\":%d,"
			 "\"tid\":%d", p->pid, p->pid);
		put_ts(st, "ts", p->t_start_ns);
		puts_(st, ",\"args\":{\"exe\":");
		put_jstr(st, p->exe, strnlen(p->exe, sizeof p->exe));
		puts_(st, "}");
		rc |= ev_end(st);
	} else if (p->ppid > 0 && pid_seen(st, p->ppid)) {
		/* fork: an arrow from the thread that forked to the child */
		int32_t from = p->creator_tid ? p->creator_tid : p->ppid;
		ev_begin(st);
		putf(st, "\"ph\":\"s\",\"cat\":\"process\",\"name\":\"fork\",\"id\":\"0x%llx\","
			 "\"pid\":%d,\"tid\":%d", (unsigned long long)p->arena_id, p->ppid, from);
		put_ts(st, "ts", p->t_start_ns);
		rc |= ev_end(st);
		ev_begin(st);
		putf(st, "\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"process\",\"name\":\"fork\",\"id\":\"0x%llx\","
			 "\"pid\":%d,\"tid\":%d", (unsigned long long)p->arena_id, p->pid, p->pid);
		put_ts(st, "ts", p->t_start_ns);
		rc |= ev_end(st);
	}
	return rc ? -EIO : 0;
}

static int chrome_proc_end(struct rn_sink *s, const struct rn_proc *p)
{
	struct chrome_st *st = s->st;
	struct chrome_proc *c = &st->procs[p->arena_id % RN_CHROME_PROCS];
	int rc = 0;
	if (c->arena_id == p->arena_id && c->calls) {
		/* the last bucket, at the process's end */
		ev_begin(st);
		putf(st, "\"ph\":\"C\",\"name\":\"calls/s\",\"pid\":%d", c->pid);
		put_ts(st, "ts", c->second * 1000000000ull);
		putf(st, ",\"args\":{\"calls\":%llu}", (unsigned long long)c->calls);
		rc = ev_end(st);
		c->calls = 0;
	}
	if (p->has_exit || p->term_signal) {
		ev_begin(st);
		putf(st, "\"ph\":\"i\",\"s\":\"p\",\"cat\":\"process\",\"name\":\"%s\",\"pid\":%d,"
			 "\"tid\":%d", p->term_signal ? "killed" : "exit", p->pid, p->pid);
		put_ts(st, "ts", p->t_end_ns ? p->t_end_ns : p->t_start_ns);
		putf(st, ",\"args\":{\"%s\":%d}", p->term_signal ? "signal" : "code",
		     p->term_signal ? p->term_signal : p->exit_code);
		rc |= ev_end(st);
	}
	return rc ? -EIO : 0;
}

static int chrome_flush(struct rn_sink *s)
{
	struct chrome_st *st = s->st;
	return fflush(st->out) ? -EIO : 0;
}

static int chrome_finish(struct rn_sink *s, const struct rn_stats *stats)
{
	struct chrome_st *st = s->st;
	fprintf(st->out, "\n],\"otherData\":{\"generator\":\"renacer " RENACER_VERSION "\","
			 "\"calls\":\"%llu\",\"lost\":\"%llu\"}}\n",
		(unsigned long long)(stats ? stats->events : 0),
		(unsigned long long)(stats ? rn_stats_lost(stats) : 0));
	return fflush(st->out) || ferror(st->out) ? -EIO : 0;
}

static void chrome_destroy(struct rn_sink *s)
{
	struct chrome_st *st = s->st;
	rn_sink_bufs_free(st, st ? st->arg : NULL, st ? st->line : NULL);
	s->st = NULL;
}

int rn_sink_chrome_new(struct rn_sink *s, FILE *out)
{
	struct chrome_st *st = calloc(1, sizeof *st);
	if (!st || rn_sink_bufs_new(&st->arg, ARG_CAP, &st->line, LINE_CAP)) {
		free(st);
		return -ENOMEM;
	}
	st->out = out;
	*s = (struct rn_sink){ .name = "chrome", .st = st, .wants_order = 1,
			       .event = chrome_event, .proc_start = chrome_proc_start,
			       .proc_end = chrome_proc_end, .flush = chrome_flush,
			       .finish = chrome_finish, .destroy = chrome_destroy };
	/* a restarted exporter appends to what its predecessor committed:
	 * the document is open already */
	long at = ftell(out);
	if (at > 0)
		st->nev = 1;
	else if (fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out) < 0) {
		chrome_destroy(s);
		return -EIO;
	}
	return 0;
}
