/* ctl_stream.c: the client side of the exporter's live stream
 * (sink_tail.c), shared by `tail` and `top`: subscribe to one format,
 * read one message (topic, table index, line) at a time, and stop on
 * SIGINT, SIGTERM or SIGPIPE. Never writes to the session directory.
 */
#include "ctl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

volatile sig_atomic_t rn_ctl_stop;

static void rn_ctl_sig(int sig)
{
	(void)sig;
	rn_ctl_stop = 1;
}

int rn_ctl_stream_open(struct rn_ctl_stream *s, const char *verb, const char *dir,
		       const char *fmt, int timeout_ms)
{
	char ep[4200];
	snprintf(ep, sizeof ep, "ipc://%s/tail", dir);
	s->ctx = zmq_ctx_new();
	s->sock = s->ctx ? zmq_socket(s->ctx, ZMQ_SUB) : NULL;
	int linger = 0;
	if (!s->sock || zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof linger) ||
	    zmq_setsockopt(s->sock, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) ||
	    zmq_setsockopt(s->sock, ZMQ_SUBSCRIBE, fmt, strlen(fmt)) || zmq_connect(s->sock, ep)) {
		fprintf(stderr, "renacer-ctl: %s: %s: %s\n", verb, ep, zmq_strerror(zmq_errno()));
		rn_ctl_stream_close(s);
		return 1;
	}
	struct sigaction sa = { .sa_handler = rn_ctl_sig };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

int rn_ctl_stream_next(struct rn_ctl_stream *s, uint16_t *fn, char *line, size_t cap, size_t *len)
{
	char topic[8];
	if (zmq_recv(s->sock, topic, sizeof topic, 0) < 0)
		return zmq_errno() == EAGAIN || zmq_errno() == EINTR ? 0 : -1;
	int more = 0;
	size_t ml = sizeof more;
	/* three frames, delivered whole: the table index, then the line */
	if (zmq_getsockopt(s->sock, ZMQ_RCVMORE, &more, &ml) || !more ||
	    zmq_recv(s->sock, fn, sizeof *fn, 0) != (int)sizeof *fn)
		return 0;
	int n = zmq_recv(s->sock, line, cap - 1, 0);
	if (n < 0)
		return 0;
	*len = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
	line[*len] = '\0';
	return 1;
}

void rn_ctl_stream_close(struct rn_ctl_stream *s)
{
	if (s->sock)
		zmq_close(s->sock);
	if (s->ctx)
		zmq_ctx_term(s->ctx);
	s->sock = s->ctx = NULL;
}
