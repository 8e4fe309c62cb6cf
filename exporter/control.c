/* control.c: the exporter's ZeroMQ control plane (see control.h). Never
 * blocks the drain: requests are read with ZMQ_DONTWAIT from the main
 * loop, and a reply is always sent so the REP socket stays usable. */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clock.h"
#include "otlp/otlp_sink.h"
#include "session.h"

struct rn_control {
	void *ctx;
	void *sock;
	int fd;
};

static int rn_endpoint(char *buf, size_t cap, const char *dir)
{
	return snprintf(buf, cap, "ipc://%s/control", dir) < (int)cap ? 0 : -ENAMETOOLONG;
}

int rn_control_open(struct rn_control **out, const char *dir)
{
	char ep[512];
	if (rn_endpoint(ep, sizeof ep, dir))
		return -ENAMETOOLONG;
	struct rn_control *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->ctx = zmq_ctx_new();
	c->sock = c->ctx ? zmq_socket(c->ctx, ZMQ_REP) : NULL;
	size_t fdlen = sizeof c->fd;
	int linger = 0;
	if (!c->sock || zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger) ||
	    zmq_bind(c->sock, ep) || zmq_getsockopt(c->sock, ZMQ_FD, &c->fd, &fdlen)) {
		int e = errno ? errno : EIO;
		rn_control_close(c);
		return -e;
	}
	*out = c;
	return 0;
}

int rn_control_fd(const struct rn_control *c)
{
	return c ? c->fd : -1;
}

#define RN_BLOCKED_CAP 6144	/* bytes of the "in_call" list */

/* ,"in_call":[{"pid":P,"tid":T,"call":"accept","for_ms":N},...]: what each
 * live thread of a traced process is in now (as it published at entry),
 * as many as fit, then "in_call_more":N. Empty when no thread is in a call. */
static void rn_status_blocked(char *buf, size_t cap, const struct rn_session *s)
{
	size_t len = 0;
	unsigned more = 0;
	uint64_t now = rn_real_ns();
	buf[0] = '\0';
	for (const struct rn_ar *a = s->arenas; a; a = a->next) {
		if (a->state != RN_AR_LIVE)
			continue;
		const struct rn_proc *p = a->main ? &a->main->proc : &a->proc;
		for (uint32_t i = 0; i < a->nrings; i++) {
			const struct rn_ring *r = rn_arena_ring(a->hdr, i);
			uint16_t fn;
			uint64_t ticks;
			if (rn_load_acquire(&r->state) != RN_RING_ACTIVE || !rn_ring_inflight(r, &fn, &ticks))
				continue;
			uint64_t t = rn_clock_unix(&s->clock, a->clock, ticks);
			int n = snprintf(buf + len, cap - len,
					 "%s{\"pid\":%d,\"tid\":%d,\"call\":\"%s\",\"func\":\"%s\",\"for_ms\":%llu}",
					 len ? "," : ",\"in_call\":[", p->pid, (int)rn_load_relaxed(&r->tid),
					 rn_fns[fn].sys, rn_fns[fn].func, (unsigned long long)(now > t ? (now - t) / 1000000u : 0));
			if (n < 0 || (size_t)n >= cap - len - 32) {
				buf[len] = '\0';
				more++;
				continue;
			}
			len += (size_t)n;
		}
	}
	if (len)
		len += (size_t)snprintf(buf + len, cap - len, "]");
	if (more)
		snprintf(buf + len, cap - len, ",\"in_call_more\":%u", more);
}

static int rn_status_json(char *buf, size_t cap, const struct rn_session *s)
{
	unsigned live = 0, waiting = 0;
	for (const struct rn_ar *a = s->arenas; a; a = a->next) {
		live += a->state == RN_AR_LIVE && !a->main;
		waiting += a->state == RN_AR_WAITING;
	}
	const struct rn_stats *st = &s->stats;
	char otlp[384];
	rn_sink_otlp_status(s->sinks, s->nsinks, otlp, sizeof otlp);
	char blocked[RN_BLOCKED_CAP];
	rn_status_blocked(blocked, sizeof blocked, s);
	return snprintf(buf, cap,
			"{\"events\":%llu,\"lost\":%llu,\"lost_full\":%llu,\"lost_nested\":%llu,"
			"\"lost_noring\":%llu,\"corrupt\":%llu,\"processes_seen\":%llu,"
			"\"processes_live\":%u,\"arenas_waiting\":%u%s%s}",
			(unsigned long long)st->events,
			(unsigned long long)(st->lost_full + st->lost_nested + st->lost_noring),
			(unsigned long long)st->lost_full, (unsigned long long)st->lost_nested,
			(unsigned long long)st->lost_noring, (unsigned long long)st->corrupt,
			(unsigned long long)st->procs, live, waiting, otlp, blocked);
}

void rn_control_serve(struct rn_control *c, const struct rn_session *s,
		      volatile sig_atomic_t *stop)
{
	if (!c)
		return;
	for (;;) {
		char req[64];
		int n = zmq_recv(c->sock, req, sizeof req - 1, ZMQ_DONTWAIT);
		if (n < 0)
			return;	/* EAGAIN: nothing waiting */
		req[n < (int)sizeof req - 1 ? n : (int)sizeof req - 1] = '\0';
		char rep[1024 + RN_BLOCKED_CAP];
		if (!strcmp(req, "status")) {
			rn_status_json(rep, sizeof rep, s);
		} else if (!strcmp(req, "stop")) {
			*stop = 1;
			snprintf(rep, sizeof rep, "ok");
		} else {
			snprintf(rep, sizeof rep, "error: unknown request (status, stop)");
		}
		zmq_send(c->sock, rep, strlen(rep), 0);
	}
}

void rn_control_close(struct rn_control *c)
{
	if (!c)
		return;
	if (c->sock)
		zmq_close(c->sock);
	if (c->ctx)
		zmq_ctx_term(c->ctx);
	free(c);
}

int rn_control_request(const char *dir, const char *req, char *buf, size_t cap, int timeout_ms)
{
	char ep[512];
	if (rn_endpoint(ep, sizeof ep, dir))
		return -ENAMETOOLONG;
	void *ctx = zmq_ctx_new();
	void *sock = ctx ? zmq_socket(ctx, ZMQ_REQ) : NULL;
	int rc = -EIO, linger = 0;
	if (sock && !zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) &&
	    !zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) &&
	    !zmq_connect(sock, ep) && zmq_send(sock, req, strlen(req), 0) >= 0) {
		int n = zmq_recv(sock, buf, cap - 1, 0);
		if (n >= 0) {
			buf[(size_t)n < cap - 1 ? (size_t)n : cap - 1] = '\0';
			rc = 0;
		} else {
			rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
	}
	if (sock)
		zmq_close(sock);
	if (ctx)
		zmq_ctx_term(ctx);
	return rc;
}
