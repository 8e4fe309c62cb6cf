/* ctl_tail.c: `renacer-ctl tail`: subscribes to the exporter's live
 * stream (sink_tail.c) and prints the calls as they are drained, in the
 * trace's own text or JSON format, filtered by -e trace= with the
 * table's names and classes. A slow reader never slows the exporter: it
 * loses lines on the exporter's side, which `status` counts.
 */
#include "ctl.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "../../common/filter.h"

static volatile sig_atomic_t rn_tail_stop;

static void rn_tail_sig(int sig)
{
	(void)sig;
	rn_tail_stop = 1;
}

int rn_ctl_tail(const char *dir, int argc, char **argv)
{
	const char *fmt = "text";
	long count = -1;
	struct rn_filter f;
	rn_filter_all(&f);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		if (!strcmp(a, "-e") || !strcmp(a, "--format") || !strcmp(a, "-n")) {
			if (i + 1 == argc)
				return rn_ctl_bad("tail", "option needs a value", a);
			v = argv[++i];
		} else if (!strncmp(a, "-e", 2) || !strncmp(a, "--format=", 9)) {
			v = a[1] == 'e' ? a + 2 : a + 9;
			a = a[1] == 'e' ? "-e" : "--format";
		} else {
			return rn_ctl_bad("tail", "unknown option", a);
		}
		if (!strcmp(a, "-e")) {
			const char *bad;
			unsigned badlen;
			if (strncmp(v, "trace=", 6))
				return rn_ctl_bad("tail", "-e takes trace=SET", v);
			if (rn_filter_parse(&f, v + 6, &bad, &badlen)) {
				fprintf(stderr, "renacer-ctl: tail: -e trace: unknown syscall or class: "
					"%.*s\n", (int)badlen, bad);
				return 2;
			}
		} else if (!strcmp(a, "--format")) {
			if (strcmp(v, "text") && strcmp(v, "json"))
				return rn_ctl_bad("tail", "--format takes text or json", v);
			fmt = v;
		} else {
			char *end;
			errno = 0;
			count = strtol(v, &end, 10);
			if (errno || *end || end == v || count < 1)
				return rn_ctl_bad("tail", "-n takes a count of lines, 1 or more", v);
		}
	}
	int rc = rn_ctl_ready("tail", dir);
	if (rc)
		return rc;
	char ep[4200];
	snprintf(ep, sizeof ep, "ipc://%s/tail", dir);
	void *ctx = zmq_ctx_new();
	void *sock = ctx ? zmq_socket(ctx, ZMQ_SUB) : NULL;
	int linger = 0, tmo = 200;
	if (!sock || zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) ||
	    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &tmo, sizeof tmo) ||
	    zmq_setsockopt(sock, ZMQ_SUBSCRIBE, fmt, strlen(fmt)) || zmq_connect(sock, ep)) {
		fprintf(stderr, "renacer-ctl: tail: %s: %s\n", ep, zmq_strerror(zmq_errno()));
		rc = 1;
		goto out;
	}
	struct sigaction sa = { .sa_handler = rn_tail_sig };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	static char line[65536 + 1];
	while (!rn_tail_stop && count) {
		char topic[8];
		uint16_t fn = 0;
		if (zmq_recv(sock, topic, sizeof topic, 0) < 0) {
			if (zmq_errno() == EAGAIN || zmq_errno() == EINTR)
				continue;
			break;
		}
		int more = 0;
		size_t ml = sizeof more;
		/* three frames, delivered whole: the table index, then the line */
		if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml) || !more ||
		    zmq_recv(sock, &fn, sizeof fn, 0) != (int)sizeof fn)
			continue;
		int n = zmq_recv(sock, line, sizeof line - 1, 0);
		if (n < 0)
			continue;
		if (n > (int)sizeof line - 1)
			n = (int)sizeof line - 1;
		if (fn != 0xffff && (fn >= RN_NFUNCS || !rn_filter_has(&f, fn)))
			continue;
		line[n] = '\n';
		if (fwrite(line, 1, (size_t)n + 1, stdout) != (size_t)n + 1 || fflush(stdout))
			break;	/* the reader went away */
		if (count > 0)
			count--;
	}
out:
	if (sock)
		zmq_close(sock);
	if (ctx)
		zmq_ctx_term(ctx);
	return rc;
}
