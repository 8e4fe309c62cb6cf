/* sink_tail.c: the live stream behind `renacer-ctl tail` and `top`: every
 * decoded call, as a text line and as a JSON line, published on a ZeroMQ
 * XPUB socket in the session directory (ipc://DIR/tail).
 *
 * A line is formatted only while someone subscribes to its format (XPUB
 * tells us), by the same text and JSON sinks that write the trace, so the
 * stream and the file say the same thing. Each message is three frames:
 * the format ("text" or "json"), the call's table index (2 bytes, host
 * order; 0xffff for lines that are not calls, which no filter hides), and
 * the line. It must never slow the drain: sends never wait (a subscriber
 * that falls behind loses lines, counted in the status as tail_dropped),
 * and a failure here is never an error of the trace. A subscriber whose
 * queue is full makes the whole message fail for every subscriber (ZeroMQ's
 * XPUB_NODROP): the price of counting each lost line.
 */
#include "sinks.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define RN_TAIL_HWM 10000	/* messages queued per subscriber, then dropped */
#define RN_TAIL_LINE_MAX 65536	/* a longer line is cut (the stream is a view) */
#define RN_TAIL_NOTCALL 0xffff

enum { RN_TAIL_TEXT, RN_TAIL_JSON, RN_TAIL_NFMT };
static const char *const rn_tail_topic[RN_TAIL_NFMT] = { "text", "json" };

struct tail_fmt {
	struct tail_st *st;
	unsigned which;
	unsigned subs;		/* subscriptions to this format */
	struct rn_sink inner;	/* the text or JSON sink writing to 'out' */
	FILE *out;		/* a cookie stream: complete lines go to zmq */
	char *line;		/* the line being assembled */
	size_t len;
};

struct tail_st {
	void *ctx, *sock;
	uint16_t fn;		/* of the line being written */
	uint64_t sent, dropped;
	unsigned since_check;	/* events since the subscriptions were read */
	struct tail_fmt fmt[RN_TAIL_NFMT];
	char path[108];		/* the socket file once bound, removed at the end */
};

static void tail_send(struct tail_fmt *f)
{
	struct tail_st *st = f->st;
	const char *topic = rn_tail_topic[f->which];
	if (zmq_send(st->sock, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
		st->dropped++;	/* a multipart message goes whole or not at all */
		return;
	}
	zmq_send(st->sock, &st->fn, sizeof st->fn, ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(st->sock, f->line, f->len, ZMQ_DONTWAIT);
	st->sent++;
}

/* The inner sink's stdio writes land here: cut at newlines and publish. */
static ssize_t tail_write(void *cookie, const char *buf, size_t n)
{
	struct tail_fmt *f = cookie;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			tail_send(f);
			f->len = 0;
		} else if (f->len < RN_TAIL_LINE_MAX) {
			f->line[f->len++] = buf[i];
		}
	}
	return (ssize_t)n;
}

/* Reads the subscription messages XPUB queued: one byte 1 (subscribe) or
 * 0 (unsubscribe), then the prefix. */
static void tail_subs(struct tail_st *st)
{
	char msg[16];
	int n;
	while ((n = zmq_recv(st->sock, msg, sizeof msg, ZMQ_DONTWAIT)) > 0) {
		for (unsigned i = 0; i < RN_TAIL_NFMT; i++) {
			size_t tl = strlen(rn_tail_topic[i]);
			if ((size_t)n - 1 != tl || memcmp(msg + 1, rn_tail_topic[i], tl))
				continue;
			if (msg[0] == 1)
				st->fmt[i].subs++;
			else if (st->fmt[i].subs)
				st->fmt[i].subs--;
		}
	}
}

static int tail_event(struct rn_sink *s, const struct rn_event *ev)
{
	struct tail_st *st = s->st;
	/* a drain pass flushes only when it had events: look for new
	 * subscribers now and then from here too, at a cost that is
	 * nothing per event */
	if (++st->since_check >= 4096) {
		st->since_check = 0;
		tail_subs(st);
	}
	st->fn = ev->fn;
	for (unsigned i = 0; i < RN_TAIL_NFMT; i++) {
		struct tail_fmt *f = &st->fmt[i];
		if (f->subs) {
			f->inner.event(&f->inner, ev);
			fflush(f->out);
		}
	}
	return 0;
}

static int tail_proc_end(struct rn_sink *s, const struct rn_proc *p)
{
	struct tail_st *st = s->st;
	st->fn = RN_TAIL_NOTCALL;
	for (unsigned i = 0; i < RN_TAIL_NFMT; i++) {
		struct tail_fmt *f = &st->fmt[i];
		if (f->subs && f->inner.proc_end) {
			f->inner.proc_end(&f->inner, p);
			fflush(f->out);
		}
	}
	return 0;
}

static int tail_untraced(struct rn_sink *s, const struct rn_untraced *u)
{
	struct tail_st *st = s->st;
	st->fn = RN_TAIL_NOTCALL;
	for (unsigned i = 0; i < RN_TAIL_NFMT; i++) {
		struct tail_fmt *f = &st->fmt[i];
		if (f->subs && f->inner.untraced) {
			f->inner.untraced(&f->inner, u);
			fflush(f->out);
		}
	}
	return 0;
}

/* Called after a drain pass that had events: notice who subscribed. */
static int tail_flush(struct rn_sink *s)
{
	struct tail_st *st = s->st;
	st->since_check = 0;
	tail_subs(st);
	return 0;
}

/* Idle while nobody subscribes: the drain may skip making events then
 * (sink.h). Reads new subscriptions first, once per pass. */
static int tail_idle(struct rn_sink *s)
{
	struct tail_st *st = s->st;
	tail_subs(st);
	for (unsigned i = 0; i < RN_TAIL_NFMT; i++)
		if (st->fmt[i].subs)
			return 0;
	return 1;
}

static size_t tail_status(struct rn_sink *s, char *buf, size_t cap)
{
	struct tail_st *st = s->st;
	tail_subs(st);	/* on the drain's thread, as every call here */
	int n = snprintf(buf, cap, ",\"tail_subscribers\":%u,\"tail_sent\":%llu,\"tail_dropped\":%llu",
			 st->fmt[RN_TAIL_TEXT].subs + st->fmt[RN_TAIL_JSON].subs,
			 (unsigned long long)st->sent, (unsigned long long)st->dropped);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static int tail_finish(struct rn_sink *s, const struct rn_stats *stats)
{
	(void)s;
	(void)stats;
	return 0;
}

static void tail_destroy(struct rn_sink *s)
{
	struct tail_st *st = s->st;
	if (!st)
		return;
	for (unsigned i = 0; i < RN_TAIL_NFMT; i++) {
		struct tail_fmt *f = &st->fmt[i];
		if (f->inner.destroy)
			f->inner.destroy(&f->inner);
		if (f->out)
			fclose(f->out);
		free(f->line);
	}
	if (st->sock)
		zmq_close(st->sock);
	if (st->ctx)
		zmq_ctx_term(st->ctx);
	if (st->path[0])	/* ZeroMQ leaves it behind */
		unlink(st->path);
	free(st);
	s->st = NULL;
}

int rn_sink_tail_new(struct rn_sink *s, const char *dir, const struct rn_text_opts *text)
{
	char ep[512];
	if (snprintf(ep, sizeof ep, "ipc://%s/tail", dir) >= (int)sizeof ep)
		return -ENAMETOOLONG;
	struct tail_st *st = calloc(1, sizeof *st);
	if (!st)
		return -ENOMEM;
	*s = (struct rn_sink){ .name = "tail", .st = st, .event = tail_event,
			       .proc_end = tail_proc_end, .untraced = tail_untraced,
			       .flush = tail_flush, .status = tail_status, .idle = tail_idle,
			       .finish = tail_finish, .destroy = tail_destroy };
	int rc = -ENOMEM;
	for (unsigned i = 0; i < RN_TAIL_NFMT; i++) {
		struct tail_fmt *f = &st->fmt[i];
		f->st = st;
		f->which = i;
		f->line = malloc(RN_TAIL_LINE_MAX);
		f->out = fopencookie(f, "w", (cookie_io_functions_t){ .write = tail_write });
		if (!f->line || !f->out)
			goto fail;
		rc = i == RN_TAIL_TEXT ? rn_sink_text_new(&f->inner, f->out, text)
				       : rn_sink_json_new(&f->inner, f->out);
		if (rc)
			goto fail;
	}
	int hwm = RN_TAIL_HWM, linger = 0, verbose = 1, nodrop = 1;
	st->ctx = zmq_ctx_new();
	st->sock = st->ctx ? zmq_socket(st->ctx, ZMQ_XPUB) : NULL;
	/* verbose: every subscription reaches us, so the counts stay right
	 * when two clients subscribe to the same format */
	if (!st->sock || zmq_setsockopt(st->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
	    zmq_setsockopt(st->sock, ZMQ_LINGER, &linger, sizeof linger) ||
	    zmq_setsockopt(st->sock, ZMQ_XPUB_VERBOSER, &verbose, sizeof verbose) ||
	    /* a full subscriber makes the send fail (we never wait) instead
	     * of dropping in silence: every lost line is counted */
	    zmq_setsockopt(st->sock, ZMQ_XPUB_NODROP, &nodrop, sizeof nodrop) ||
	    zmq_bind(st->sock, ep)) {
		rc = errno ? -errno : -EIO;
		goto fail;
	}
	if (strlen(ep + 6) < sizeof st->path)	/* else the bind failed */
		memcpy(st->path, ep + 6, strlen(ep + 6) + 1);
	return 0;
fail:
	tail_destroy(s);
	return rc;
}
