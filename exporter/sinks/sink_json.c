/* sink_json.c: one JSON object per line per call (JSON Lines).
 *
 * For machines: every line must parse as JSON and be valid UTF-8 whatever
 * bytes the traced program passed, so every string goes through
 * rn_json_escape and a line is built whole before it is written. It must
 * never emit a cut or unbalanced object, and never exit on output errors.
 */
#include "sinks.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/record.h"
#include "../decode/decode_fmt.h"
#include "../decode/siginfo.h"
#include "../decode/textbuf.h"
#include "sink_bufs.h"
#include "../stack/stack.h"

/* One argument's text is at most about 4 * RN_EXT_MAX (strace escaping);
 * JSON escaping at most doubles that ASCII text. */
#define ARG_CAP (4 * RN_EXT_MAX + 4096)
#define LINE_CAP (2 * ARG_CAP + 8 * RN_STRSIZE_MAX + 4096)
/* Kept free while writing strings, for the keys and closers after them. */
#define RESERVE 512

struct json_st {
	FILE *out;
	char *arg;
	char *line;
	struct rn_tb tb;	/* the line being built, over line[LINE_CAP] */
};

static void put(struct json_st *st, const char *s, size_t n)
{
	rn_tb_mem(&st->tb, s, n);
}

static void puts_(struct json_st *st, const char *s)
{
	rn_tb_str(&st->tb, s);
}

__attribute__((format(printf, 2, 3)))
static void putf(struct json_st *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rn_tb_vfmt(&st->tb, fmt, ap);
	va_end(ap);
}

/* A quoted JSON string; cut (on a character boundary) rather than leave
 * no room for what follows. */
static void put_jstr(struct json_st *st, const uint8_t *s, size_t n)
{
	size_t room = LINE_CAP - st->tb.len;

	put(st, "\"", 1);
	if (room > RESERVE + 2)
		st->tb.len += rn_json_escape(st->line + st->tb.len, room - RESERVE - 1, s, n);
	put(st, "\"", 1);
}

/* "values": the arguments again, structured: numbers as numbers, strings
 * as strings, flags as lists of names, structures as their text. */
static void put_values(struct json_st *st, const struct rn_event *ev)
{
	struct rn_fmt_iter it;
	size_t alen;
	if (ev->flags & RN_EV_BLOCKED)
		return;
	puts_(st, ",\"values\":[");
	rn_fmt_iter_init(&it, ev);
	for (int first = 1; rn_fmt_next(&it, st->arg, ARG_CAP, &alen); first = 0) {
		int64_t num;
		const struct rn_capture *c;
		if (!first)
			put(st, ",", 1);
		switch (rn_fmt_value(&it, &num, &c)) {
		case RN_VAL_INT:
			putf(st, "%lld", (long long)num);
			break;
		case RN_VAL_NULL:
			puts_(st, "null");
			break;
		case RN_VAL_STR:
			put_jstr(st, c ? c->data : (const uint8_t *)"", c ? c->len : 0);
			break;
		case RN_VAL_FLAGS: {
			put(st, "[", 1);
			for (size_t a = 0, b; a < alen && !(alen == 1 && st->arg[0] == '0'); a = b + 1) {
				b = a;
				while (b < alen && st->arg[b] != '|')
					b++;
				if (a)
					put(st, ",", 1);
				put_jstr(st, (const uint8_t *)st->arg + a, b - a);
			}
			put(st, "]", 1);
			break;
		}
		default:
			put_jstr(st, (const uint8_t *)st->arg, alen);
			break;
		}
	}
	put(st, "]", 1);
}

/* A frame's name or path, cut at 512 bytes: a stack of 64 frames always
 * fits the line. */
static void put_jname(struct json_st *st, const char *v)
{
	if (!v) {
		puts_(st, "null");
		return;
	}
	size_t n = strlen(v);
	put_jstr(st, (const uint8_t *)v, n < 512 ? n : 512);
}

/* -k: "stack":[{func, file, line, module, offset}, ...], innermost first;
 * what is unknown is null (offset: the address in the object's ELF). */
static void put_stack(struct json_st *st, const struct rn_event *ev)
{
	puts_(st, ",\"stack\":[");
	for (unsigned i = 0; i < ev->stack_n; i++) {
		const struct rn_frame *f = &ev->frames[i];
		puts_(st, i ? ",{\"func\":" : "{\"func\":");
		put_jname(st, f->func);
		puts_(st, ",\"file\":");
		put_jname(st, f->file);
		if (f->file)
			putf(st, ",\"line\":%u", f->line);
		else
			puts_(st, ",\"line\":null");
		puts_(st, ",\"module\":");
		put_jname(st, f->module);
		putf(st, ",\"offset\":%llu,\"ip\":%llu}", (unsigned long long)f->offset,
		     (unsigned long long)f->ip);
	}
	put(st, "]", 1);
	if (ev->stack_flags & RN_ITEM_TRUNC)
		puts_(st, ",\"stack_truncated\":true");
}

static void put_name_or_null(struct json_st *st, const char *name)
{
	if (name)
		put_jstr(st, (const uint8_t *)name, strlen(name));
	else
		puts_(st, "null");
}

/* -y: "fd_paths" beside "args", one entry per argument (null where it is
 * no descriptor or nothing is known), "ret_path" for a descriptor the call
 * returned, "fd_pair_paths" for the two a pipe or socketpair filled in. */
static void put_fd_paths(struct json_st *st, const struct rn_event *ev)
{
	const struct rn_fdnames *f = ev->fdn;
	struct rn_fmt_iter it;
	size_t alen;
	int any = 0;
	for (unsigned i = 0; i < RN_MAX_TYPES; i++)
		any |= f->arg[i] != NULL;
	if (any) {
		puts_(st, ",\"fd_paths\":[");
		rn_fmt_iter_init(&it, ev);
		for (int first = 1; rn_fmt_next(&it, st->arg, ARG_CAP, &alen); first = 0) {
			if (!first)
				put(st, ",", 1);
			put_name_or_null(st, !it.extra && it.ti && it.ti <= RN_MAX_TYPES ? f->arg[it.ti - 1] : NULL);
		}
		put(st, "]", 1);
	}
	if (f->ret) {
		puts_(st, ",\"ret_path\":");
		put_name_or_null(st, f->ret);
	}
	if (f->pair[0] || f->pair[1]) {
		puts_(st, ",\"fd_pair_paths\":[");
		put_name_or_null(st, f->pair[0]);
		put(st, ",", 1);
		put_name_or_null(st, f->pair[1]);
		put(st, "]", 1);
	}
}

static int json_event(struct rn_sink *s, const struct rn_event *ev)
{
	struct json_st *st = s->st;
	struct rn_fmt_iter it;
	size_t alen;
	int32_t pid = ev->proc ? ev->proc->pid : 0;
	const struct rn_fn_info *fi = ev->fn < RN_NFUNCS ? &rn_fns[ev->fn] : NULL;
	const char *sys = rn_fmt_sysname(ev);

	rn_tb_init(&st->tb, st->line, LINE_CAP);
	if (ev->flags & RN_EV_SIGNAL) {
		/* a signal delivered to a handler: an event of its own */
		int code;
		const char *cn = rn_event_sigcode(ev, &code);
		char name[32];
		rn_fmt_signame(name, sizeof name, rn_event_signo(ev));
		putf(st, "{\"event\":\"signal\",\"ts\":%llu,\"pid\":%d,\"tid\":%d,\"signal\":\"%s\"",
		     (unsigned long long)ev->t_enter_ns, pid, ev->tid ? ev->tid : pid, name);
		if (cn)
			putf(st, ",\"code\":\"%s\"", cn);
		else
			putf(st, ",\"code\":%d", code);
		size_t n = rn_fmt_siginfo(st->arg, ARG_CAP, ev);
		puts_(st, ",\"siginfo\":");
		put_jstr(st, (const uint8_t *)st->arg, n);
		puts_(st, "}\n");
		return fwrite(st->line, 1, st->tb.len, st->out) != st->tb.len ? -EIO : 0;
	}
	putf(st, "{\"ts\":%llu,\"pid\":%d,\"tid\":%d,\"syscall\":",
	     (unsigned long long)ev->t_enter_ns, pid, ev->tid ? ev->tid : pid);
	put_jstr(st, (const uint8_t *)sys, strlen(sys));
	puts_(st, ",\"func\":");
	const char *func = fi ? fi->func : "?";
	put_jstr(st, (const uint8_t *)func, strlen(func));
	size_t args_at = st->tb.len;
	puts_(st, ",\"args\":[");
	rn_fmt_iter_init(&it, ev);
	/* a call seen blocked at its thread's death: no arguments recorded */
	for (int first = 1; !(ev->flags & RN_EV_BLOCKED) && rn_fmt_next(&it, st->arg, ARG_CAP, &alen);
	     first = 0) {
		if (!first)
			put(st, ",", 1);
		put_jstr(st, (const uint8_t *)st->arg, alen);
	}
	put(st, "]", 1);
	size_t args_len = st->tb.len - args_at;
	if (ev->flags & RN_EV_TRAPPED)
		puts_(st, ",\"trapped\":true");
	if (ev->flags & RN_EV_INJECTED)
		puts_(st, ",\"injected\":true");

	if (ev->flags & RN_EV_UNFINISHED) {
		puts_(st, (ev->flags & RN_EV_BLOCKED) ? ",\"unfinished\":true,\"blocked\":true"
						     : ",\"unfinished\":true");
	} else {
		int e = ev->err;
		if (!e && fi && fi->ret == RN_RET_ERRNUM && ev->ret > 0)
			e = (int)ev->ret;
		putf(st, ",\"ret\":%lld", (long long)ev->ret);
		if (e) {
			const char *n = rn_errno_name(e);
			if (n)
				putf(st, ",\"errno\":\"%s\"", n);
			else
				putf(st, ",\"errno\":\"ERRNO_%d\"", e);
		}
		uint64_t d = ev->t_exit_ns > ev->t_enter_ns ? ev->t_exit_ns - ev->t_enter_ns : 0;
		putf(st, ",\"dur_ns\":%llu", (unsigned long long)d);
	}

	/* the first path, raw (not strace-escaped), for tools that group by it */
	for (unsigned i = 0; fi && i < fi->ntypes && i < RN_MAX_TYPES; i++) {
		const struct rn_capture *c = &ev->cap[i];
		if (fi->types[i] != RN_ARG_PATH)
			continue;
		if (c->present && c->data && !(c->flags & (RN_ITEM_NULL | RN_ITEM_UNREAD))) {
			size_t n = strnlen((const char *)c->data, c->len);
			puts_(st, ",\"path\":");
			put_jstr(st, c->data, n);
			if (c->flags & RN_ITEM_TRUNC)
				puts_(st, ",\"path_truncated\":true");
		}
		break;
	}
	if (ev->fdn && !(ev->flags & RN_EV_BLOCKED))	/* -y */
		put_fd_paths(st, ev);
	if (ev->frames)		/* -k */
		put_stack(st, ev);
	/* last, so readers that skip what they do not know meet it after
	 * every other key; only when it fits whole (about twice the args) */
	if (LINE_CAP - st->tb.len > 2 * args_len + 2 * RESERVE)
		put_values(st, ev);
	puts_(st, "}\n");
	if (fwrite(st->line, 1, st->tb.len, st->out) != st->tb.len)
		return -EIO;
	return 0;
}

static int json_proc_start(struct rn_sink *s, const struct rn_proc *p)
{
	(void)s;
	(void)p;
	return 0;
}

static int json_proc_end(struct rn_sink *s, const struct rn_proc *p)
{
	struct json_st *st = s->st;

	if (p->term_signal) {
		/* killed: the same record, with the signal instead of a code
		 * (a name from our own table: no escaping) */
		const char *name = rn_signal_name(p->term_signal);
		int n = name ? fprintf(st->out, "{\"event\":\"exit\",\"pid\":%d,\"signal\":\"%s\"}\n",
				       p->pid, name)
			     : fprintf(st->out, "{\"event\":\"exit\",\"pid\":%d,\"signal\":%d}\n",
				       p->pid, p->term_signal);
		return n < 0 ? -EIO : 0;
	}
	if (!p->has_exit)
		return 0;
	if (fprintf(st->out, "{\"event\":\"exit\",\"pid\":%d,\"code\":%d}\n", p->pid,
		    p->exit_code) < 0)
		return -EIO;
	return 0;
}

static int json_untraced(struct rn_sink *s, const struct rn_untraced *u)
{
	struct json_st *st = s->st;

	/* 'why' is our own text (a fixed phrase and strerror): no escaping */
	if (fprintf(st->out, "{\"event\":\"untraced\",\"pid\":%d,\"tid\":%d,\"reason\":\"%s\"}\n",
		    u->pid, u->tid, u->why) < 0)
		return -EIO;
	return 0;
}

static int json_flush(struct rn_sink *s)
{
	struct json_st *st = s->st;
	return fflush(st->out) ? -EIO : 0;
}

static int json_finish(struct rn_sink *s, const struct rn_stats *stats)
{
	struct json_st *st = s->st;

	if (stats) {
		uint64_t lost = rn_stats_lost(stats);
		if (lost)
			fprintf(st->out,
				"{\"lost\":%llu,\"lost_full\":%llu,\"lost_nested\":%llu,\"lost_noring\":%llu}\n",
				(unsigned long long)lost, (unsigned long long)stats->lost_full,
				(unsigned long long)stats->lost_nested,
				(unsigned long long)stats->lost_noring);
		if (stats->untraced)
			fprintf(st->out, "{\"untraced\":%llu}\n", (unsigned long long)stats->untraced);
	}
	if (fflush(st->out) || ferror(st->out))
		return -EIO;
	return 0;
}

static void json_destroy(struct rn_sink *s)
{
	struct json_st *st = s->st;
	rn_sink_bufs_free(st, st ? st->arg : NULL, st ? st->line : NULL);
	s->st = NULL;
}

int rn_sink_json_new(struct rn_sink *s, FILE *out)
{
	struct json_st *st = calloc(1, sizeof *st);
	if (!st || rn_sink_bufs_new(&st->arg, ARG_CAP, &st->line, LINE_CAP)) {
		free(st);
		return -ENOMEM;
	}
	st->out = out;
	memset(s, 0, sizeof *s);
	s->name = "json";
	s->st = st;
	s->event = json_event;
	s->proc_start = json_proc_start;
	s->proc_end = json_proc_end;
	s->untraced = json_untraced;
	s->flush = json_flush;
	s->wants_order = 1;
	s->finish = json_finish;
	s->destroy = json_destroy;
	return 0;
}
