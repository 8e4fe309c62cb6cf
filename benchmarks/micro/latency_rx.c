/* latency_rx: a loopback OTLP/HTTP receiver that measures, for every span,
 * the time from the span's end (the call's return, unix ns, as the
 * exporter converted it) to the moment this receiver acknowledges the
 * request that carried it (CLOCK_REALTIME just before the 200 is
 * written). Both are CLOCK_REALTIME on the same machine.
 *
 *   latency_rx --port 0
 * prints "listening on 127.0.0.1 port N", serves until SIGTERM or SIGINT,
 * then prints one line:
 *   spans S requests R p50_ms A p99_ms B max_ms C
 * Only span times are kept (8 bytes a span). Protobuf bodies, gzip or
 * not, decoded with renacer's protobuf-c messages; anything else gets 400.
 * For benchmarks/run only: one thread, blocking reads of whole requests. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#define MAX_CLIENTS 16
#define MAX_BODY (64u << 20)

static volatile sig_atomic_t stop;
static int64_t *lat;	/* ns, one per span */
static size_t nlat, caplat, nreq;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Reads exactly n bytes (after what is already in buf). */
static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = read(fd, p, n);
		if (k <= 0) {
			if (k < 0 && errno == EINTR && !stop)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static uint8_t *gunzip(const uint8_t *in, size_t n, size_t *out_len)
{
	z_stream z = { 0 };
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return NULL;
	size_t cap = n * 8 + 4096, len = 0;
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	int rc = Z_OK;
	while (out && rc != Z_STREAM_END) {
		if (len == cap) {
			uint8_t *o = cap * 2 <= MAX_BODY ? realloc(out, cap * 2) : NULL;
			if (!o) {
				free(out);
				out = NULL;
				break;
			}
			out = o;
			cap *= 2;
		}
		z.next_out = out + len;
		z.avail_out = (uInt)(cap - len);
		rc = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
		if (rc != Z_OK && rc != Z_STREAM_END) {
			free(out);
			out = NULL;
		}
	}
	inflateEnd(&z);
	*out_len = len;
	return out;
}

static void keep(int64_t ns)
{
	if (nlat == caplat) {
		size_t c = caplat ? caplat * 2 : 1 << 16;
		int64_t *p = realloc(lat, c * sizeof *p);
		if (!p)
			return;
		lat = p;
		caplat = c;
	}
	lat[nlat++] = ns;
}

/* One request on fd: 0 when answered, -1 when the connection is done. */
static int serve(int fd)
{
	char hdr[8192];
	size_t h = 0;
	char *end = NULL;
	while (!end) {
		if (h == sizeof hdr - 1)
			return -1;
		ssize_t k = read(fd, hdr + h, sizeof hdr - 1 - h);
		if (k <= 0)
			return -1;
		h += (size_t)k;
		hdr[h] = '\0';
		end = strstr(hdr, "\r\n\r\n");
	}
	size_t hlen = (size_t)(end + 4 - hdr), clen = 0;
	int gz = 0;
	*end = '\0';	/* header lines end with "\r\n"; the last one at end */
	for (char *l = strstr(hdr, "\r\n"); l; l = strstr(l, "\r\n")) {
		l += 2;
		char *eol = strstr(l, "\r\n");
		if (eol)
			*eol = '\0';
		if (!strncasecmp(l, "Content-Length:", 15))
			clen = strtoul(l + 15, NULL, 10);
		else if (!strncasecmp(l, "Content-Encoding:", 17) && strstr(l + 17, "gzip"))
			gz = 1;
		if (!eol)
			break;
		*eol = '\r';
	}
	if (clen > MAX_BODY)
		return -1;
	uint8_t *body = malloc(clen + 1);
	if (!body)
		return -1;
	size_t have = h - hlen < clen ? h - hlen : clen;
	memcpy(body, hdr + hlen, have);
	if (read_full(fd, body + have, clen - have)) {
		free(body);
		return -1;
	}
	const uint8_t *pb = body;
	size_t pblen = clen;
	uint8_t *plain = NULL;
	if (gz) {
		plain = gunzip(body, clen, &pblen);
		pb = plain;
	}
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req =
		pb ? opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
			     NULL, pblen, pb)
		   : NULL;
	const char *answer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
	if (req) {
		answer = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
			 "Content-Length: 0\r\n\r\n";
		int64_t now = real_ns();	/* the acknowledgement */
		for (size_t r = 0; r < req->n_resource_spans; r++) {
			Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[r];
			for (size_t s = 0; s < rs->n_scope_spans; s++)
				for (size_t i = 0; i < rs->scope_spans[s]->n_spans; i++)
					keep(now - (int64_t)rs->scope_spans[s]->spans[i]->end_time_unix_nano);
		}
		nreq++;
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
			req, NULL);
	}
	free(plain);
	free(body);
	size_t alen = strlen(answer);
	return write(fd, answer, alen) == (ssize_t)alen ? 0 : -1;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "--port") || strcmp(argv[2], "0")) {
		fprintf(stderr, "usage: latency_rx --port 0\n");
		return 2;
	}
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 16) ||
	    getsockname(ls, (struct sockaddr *)&a, &al)) {
		perror("latency_rx");
		return 1;
	}
	printf("listening on 127.0.0.1 port %d\n", ntohs(a.sin_port));
	fflush(stdout);
	struct pollfd p[MAX_CLIENTS + 1];
	int n = 1;
	p[0] = (struct pollfd){ .fd = ls, .events = POLLIN };
	while (!stop) {
		if (poll(p, (nfds_t)n, -1) < 0)
			continue;	/* EINTR: stop is looked at */
		for (int i = n - 1; i >= 1; i--) {
			if (!p[i].revents)
				continue;
			if (serve(p[i].fd)) {
				close(p[i].fd);
				p[i] = p[--n];
			}
		}
		if (p[0].revents & POLLIN) {
			int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0 && n <= MAX_CLIENTS)
				p[n++] = (struct pollfd){ .fd = c, .events = POLLIN };
			else if (c >= 0)
				close(c);
		}
	}
	if (nlat)
		qsort(lat, nlat, sizeof *lat, cmp64);
	double p50 = nlat ? lat[nlat / 2] / 1e6 : 0;
	double p99 = nlat ? lat[(size_t)((double)(nlat - 1) * 0.99)] / 1e6 : 0;
	double mx = nlat ? lat[nlat - 1] / 1e6 : 0;
	printf("spans %zu requests %zu p50_ms %.3f p99_ms %.3f max_ms %.3f\n", nlat, nreq, p50, p99, mx);
	return 0;
}
