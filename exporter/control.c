/* control.c: the exporter's ZeroMQ control plane (see control.h). Never
 * blocks the drain: requests are read with ZMQ_DONTWAIT from the main
 * loop, and a reply is always sent so the REP socket stays usable. The
 * socket file is removed on every exit the exporter controls; one left
 * by an exporter that was killed is replaced, never one that answers. */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

#include "session.h"

struct rn_control {
	void *ctx;
	void *sock;
	int fd;
	char path[sizeof ((struct sockaddr_un *)0)->sun_path];	/* "" until bound */
};

/* What is at path before we bind there: nothing or a socket nobody
 * listens on (left by an exporter that was killed) is 0, and removed;
 * a socket some exporter still answers on is -EADDRINUSE (two exporters
 * on one session would both consume its rings); anything else is not
 * ours to remove (-EEXIST). */
static int rn_clear_stale(const char *path)
{
	struct stat st;
	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof a.sun_path)
		return -ENAMETOOLONG;
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int live = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	if (live)
		return -EADDRINUSE;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

static int rn_endpoint(char *buf, size_t cap, const char *dir)
{
	return snprintf(buf, cap, "ipc://%s/control", dir) < (int)cap ? 0 : -ENAMETOOLONG;
}

int rn_control_open(struct rn_control **out, const char *dir)
{
	char ep[512];
	if (rn_endpoint(ep, sizeof ep, dir))
		return -ENAMETOOLONG;
	int rc = rn_clear_stale(ep + 6);
	if (rc)
		return rc;
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
	if (strlen(ep + 6) < sizeof c->path)	/* else the bind failed */
		memcpy(c->path, ep + 6, strlen(ep + 6) + 1);
	*out = c;
	return 0;
}

int rn_control_fd(const struct rn_control *c)
{
	return c ? c->fd : -1;
}

#define RN_BLOCKED_CAP 6144	/* bytes of the "in_call" list */

static int rn_status_json(char *buf, size_t cap, const struct rn_session *s)
{
	struct rn_session_status ss;
	rn_session_status(s, &ss);
	const struct rn_stats *st = &ss.stats;
	char sinks[512], calls[RN_BLOCKED_CAP];
	rn_session_sink_status(s, sinks, sizeof sinks);
	rn_session_in_calls(s, calls, sizeof calls);
	return snprintf(buf, cap,
			"{\"events\":%llu,\"lost\":%llu,\"lost_full\":%llu,\"lost_nested\":%llu,"
			"\"lost_noring\":%llu,\"corrupt\":%llu,\"processes_seen\":%llu,"
			"\"processes_live\":%u,\"arenas_waiting\":%u,\"untraced\":%llu%s%s}",
			(unsigned long long)st->events,
			(unsigned long long)(st->lost_full + st->lost_nested + st->lost_noring),
			(unsigned long long)st->lost_full, (unsigned long long)st->lost_nested,
			(unsigned long long)st->lost_noring, (unsigned long long)st->corrupt,
			(unsigned long long)st->procs, ss.procs_live, ss.arenas_waiting,
			(unsigned long long)st->untraced, sinks, calls);
}

void rn_control_serve(struct rn_control *c, struct rn_session *s,
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
		} else if (!strcmp(req, "flush")) {
			size_t got = rn_session_flush(s);
			snprintf(rep, sizeof rep, "ok: %zu records read", got);
		} else if (!strcmp(req, "stop")) {
			*stop = 1;
			snprintf(rep, sizeof rep, "ok");
		} else {
			snprintf(rep, sizeof rep, "error: unknown request (status, flush, stop)");
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
	/* ZeroMQ leaves the file behind: a stale one would be taken for a
	 * live exporter by the next --status */
	if (c->path[0])
		unlink(c->path);
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
