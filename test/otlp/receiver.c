/* receiver.c: the tests' loopback OTLP/HTTP receiver (see receiver.h). */
#include "receiver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "json.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void rx_hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

const char *rx_attr(const struct rx_span *s, const char *key)
{
	for (unsigned i = 0; i < s->nattrs; i++)
		if (!strcmp(s->key[i], key))
			return s->val[i];
	return NULL;
}

static struct rx_span *grow(struct rx_span **out, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*out = realloc(*out, *cap * sizeof **out);
	}
	struct rx_span *s = &(*out)[(*n)++];
	memset(s, 0, sizeof *s);
	return s;
}

/* ---------------------------------------------------------- protobuf */

static void pb_value(const Opentelemetry__Proto__Common__V1__AnyValue *v, char *out, size_t cap)
{
	out[0] = '\0';
	if (!v)
		return;
	switch (v->value_case) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
		snprintf(out, cap, "%s", v->string_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
		snprintf(out, cap, "%" PRId64, v->int_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
		snprintf(out, cap, "%s", v->bool_value ? "true" : "false");
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE: {
		size_t k = 0;
		for (size_t i = 0; v->array_value && i < v->array_value->n_values; i++) {
			const Opentelemetry__Proto__Common__V1__AnyValue *m = v->array_value->values[i];
			int w = snprintf(out + k, cap - k, "%s%s", i ? "\x1f" : "",
					 m->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
						 ? m->string_value : "?");
			if (w < 0 || (size_t)w >= cap - k)
				break;
			k += (size_t)w;
		}
		break;
	}
	default:
		snprintf(out, cap, "?");
	}
}

int rx_decode_pb(const uint8_t *b, size_t n, struct rx_span **out, size_t *nout, size_t *cap,
		 int req, char *res, size_t rescap)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *r =
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, n, b);
	if (!r)
		return -1;
	int count = 0;
	for (size_t i = 0; i < r->n_resource_spans; i++) {
		const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = r->resource_spans[i];
		if (res && rs->resource) {
			size_t k = 0;
			res[0] = '\0';
			for (size_t a = 0; a < rs->resource->n_attributes; a++) {
				char v[256];
				pb_value(rs->resource->attributes[a]->value, v, sizeof v);
				int w = snprintf(res + k, rescap - k, "%s=%s;", rs->resource->attributes[a]->key, v);
				if (w > 0 && (size_t)w < rescap - k)
					k += (size_t)w;
			}
		}
		for (size_t j = 0; j < rs->n_scope_spans; j++) {
			const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = rs->scope_spans[j];
			for (size_t k = 0; k < ss->n_spans; k++) {
				const Opentelemetry__Proto__Trace__V1__Span *p = ss->spans[k];
				struct rx_span *s = grow(out, nout, cap);
				s->req = req;
				if (p->trace_id.len == 16)
					memcpy(s->trace_id, p->trace_id.data, 16);
				if (p->span_id.len == 8)
					memcpy(s->span_id, p->span_id.data, 8);
				if (p->parent_span_id.len == 8) {
					memcpy(s->parent, p->parent_span_id.data, 8);
					s->has_parent = 1;
				}
				if (p->n_links && p->links[0]->span_id.len == 8) {
					memcpy(s->link, p->links[0]->span_id.data, 8);
					s->has_link = 1;
				}
				snprintf(s->name, sizeof s->name, "%s", p->name);
				snprintf(s->trace_state, sizeof s->trace_state, "%s", p->trace_state);
				s->flags = p->flags;
				s->kind = p->kind;
				s->start = p->start_time_unix_nano;
				s->end = p->end_time_unix_nano;
				if (p->status) {
					s->status = p->status->code;
					snprintf(s->status_msg, sizeof s->status_msg, "%s", p->status->message);
				}
				for (size_t a = 0; a < p->n_attributes && s->nattrs < RX_ATTRS; a++) {
					snprintf(s->key[s->nattrs], sizeof s->key[0], "%s", p->attributes[a]->key);
					pb_value(p->attributes[a]->value, s->val[s->nattrs], sizeof s->val[0]);
					s->nattrs++;
				}
				count++;
			}
		}
	}
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(r, NULL);
	return count;
}

int rx_count_pb(const uint8_t *b, size_t n)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *r =
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, n, b);
	if (!r)
		return -1;
	int count = 0;
	for (size_t i = 0; i < r->n_resource_spans; i++)
		for (size_t j = 0; j < r->resource_spans[i]->n_scope_spans; j++)
			count += (int)r->resource_spans[i]->scope_spans[j]->n_spans;
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(r, NULL);
	return count;
}

/* -------------------------------------------------------------- JSON */

static void json_value(const struct tj *v, char *out, size_t cap)
{
	const struct tj *x;
	out[0] = '\0';
	if ((x = tj_get(v, "stringValue")))
		snprintf(out, cap, "%s", tj_str(x));
	else if ((x = tj_get(v, "intValue")))
		snprintf(out, cap, "%s", tj_str(x));	/* must be a string */
	else if ((x = tj_get(v, "boolValue")) && x->type == TJ_BOOL)
		snprintf(out, cap, "%s", x->b ? "true" : "false");
	else if ((x = tj_get(tj_get(v, "arrayValue"), "values")) && x->type == TJ_ARR) {
		size_t k = 0;
		for (size_t i = 0; i < x->len; i++) {
			int w = snprintf(out + k, cap - k, "%s%s", i ? "\x1f" : "",
					 tj_str(tj_get(&x->kids[i], "stringValue")));
			if (w < 0 || (size_t)w >= cap - k)
				break;
			k += (size_t)w;
		}
	} else
		snprintf(out, cap, "?");
}

static uint64_t json_u64(const struct tj *v)
{
	/* 64-bit integers are strings in OTLP JSON */
	return v && v->type == TJ_STR ? strtoull(v->str, NULL, 10) : UINT64_MAX;
}

int rx_decode_json(const char *b, size_t n, struct rx_span **out, size_t *nout, size_t *cap,
		   int req, char *res, size_t rescap)
{
	struct tj *doc = tj_parse(b, n, NULL);
	if (!doc)
		return -1;
	int count = 0;
	const struct tj *rss = tj_get(doc, "resourceSpans");
	for (size_t i = 0; rss && rss->type == TJ_ARR && i < rss->len; i++) {
		const struct tj *rs = &rss->kids[i];
		const struct tj *ra = tj_get(tj_get(rs, "resource"), "attributes");
		if (res && ra) {
			size_t k = 0;
			res[0] = '\0';
			for (size_t a = 0; a < ra->len; a++) {
				char v[256];
				json_value(tj_get(&ra->kids[a], "value"), v, sizeof v);
				int w = snprintf(res + k, rescap - k, "%s=%s;", tj_str(tj_get(&ra->kids[a], "key")), v);
				if (w > 0 && (size_t)w < rescap - k)
					k += (size_t)w;
			}
		}
		const struct tj *sss = tj_get(rs, "scopeSpans");
		for (size_t j = 0; sss && j < sss->len; j++) {
			const struct tj *sp = tj_get(&sss->kids[j], "spans");
			for (size_t k = 0; sp && k < sp->len; k++) {
				const struct tj *p = &sp->kids[k], *x;
				struct rx_span *s = grow(out, nout, cap);
				s->req = req;
				unhex(tj_str(tj_get(p, "traceId")), s->trace_id, 16);
				unhex(tj_str(tj_get(p, "spanId")), s->span_id, 8);
				s->has_parent = unhex(tj_str(tj_get(p, "parentSpanId")), s->parent, 8) == 0;
				const struct tj *l = tj_get(p, "links");
				if (l && l->len)
					s->has_link = unhex(tj_str(tj_get(&l->kids[0], "spanId")), s->link, 8) == 0;
				snprintf(s->name, sizeof s->name, "%s", tj_str(tj_get(p, "name")));
				snprintf(s->trace_state, sizeof s->trace_state, "%s", tj_str(tj_get(p, "traceState")));
				if ((x = tj_get(p, "flags")) && x->type == TJ_NUM)
					s->flags = (uint32_t)x->num;
				if ((x = tj_get(p, "kind")) && x->type == TJ_NUM)	/* enums are ints */
					s->kind = (int)x->num;
				s->start = json_u64(tj_get(p, "startTimeUnixNano"));
				s->end = json_u64(tj_get(p, "endTimeUnixNano"));
				const struct tj *st = tj_get(p, "status");
				if (st) {
					x = tj_get(st, "code");
					s->status = x && x->type == TJ_NUM ? (int)x->num : -1;
					snprintf(s->status_msg, sizeof s->status_msg, "%s", tj_str(tj_get(st, "message")));
				}
				const struct tj *at = tj_get(p, "attributes");
				for (size_t a = 0; at && a < at->len && s->nattrs < RX_ATTRS; a++) {
					snprintf(s->key[s->nattrs], sizeof s->key[0], "%s",
						 tj_str(tj_get(&at->kids[a], "key")));
					json_value(tj_get(&at->kids[a], "value"), s->val[s->nattrs], sizeof s->val[0]);
					s->nattrs++;
				}
				count++;
			}
		}
	}
	tj_free(doc);
	return count;
}

/* -------------------------------------------------------------- HTTP */

static int gunzip(const uint8_t *in, size_t n, uint8_t **out, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	size_t cap = n * 4 + 1024, len = 0;
	uint8_t *o = malloc(cap);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	int rc;
	do {
		if (len == cap) {
			cap *= 2;
			o = realloc(o, cap);
		}
		z.next_out = o + len;
		z.avail_out = (uInt)(cap - len);
		rc = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
	} while (rc == Z_OK);
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(o);
		return -1;
	}
	*out = o;
	*outlen = len;
	return 0;
}

/* A zstd body (--otlp-compression zstd): one frame whose header gives its
 * size, as the exporter writes it. */
static int unzstd(const uint8_t *in, size_t n, uint8_t **out, size_t *outlen)
{
	unsigned long long size = ZSTD_getFrameContentSize(in, n);
	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (256u << 20))
		return -1;
	uint8_t *o = malloc(size + 1);
	if (!o)
		return -1;
	size_t got = ZSTD_decompress(o, size + 1, in, n);
	if (ZSTD_isError(got) || got != size) {
		free(o);
		return -1;
	}
	*out = o;
	*outlen = got;
	return 0;
}

static void header(const char *h, const char *name, char *out, size_t cap)
{
	size_t l = strlen(name);
	for (const char *p = h; p && *p; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL) {
		if (!strncasecmp(p, name, l) && p[l] == ':') {
			const char *v = p + l + 1;
			while (*v == ' ')
				v++;
			size_t k = strcspn(v, "\r\n");
			if (k >= cap)
				k = cap - 1;
			memcpy(out, v, k);
			out[k] = '\0';
			return;
		}
	}
}

/* Reads one request; returns 0, or -1 when the connection ended. */
static int read_request(int c, char **hdrs, uint8_t **body, size_t *blen)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	char *end = NULL;
	while (!end) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t r = read(c, buf + len, cap - len - 1);
		if (r <= 0) {
			free(buf);
			return -1;
		}
		len += (size_t)r;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	size_t hlen = (size_t)(end - buf) + 4;
	char cl[32] = "0";
	buf[hlen - 2] = '\0';
	header(buf, "Content-Length", cl, sizeof cl);
	size_t want = strtoull(cl, NULL, 10);
	uint8_t *b = malloc(want + 1);
	size_t have = len - hlen < want ? len - hlen : want;
	memcpy(b, buf + hlen, have);
	while (have < want) {
		ssize_t r = read(c, b + have, want - have);
		if (r <= 0) {
			free(b);
			free(buf);
			return -1;
		}
		have += (size_t)r;
	}
	*hdrs = buf;
	*body = b;
	*blen = want;
	return 0;
}

static void answer(int c, const struct rx_action *a)
{
	int status = a->status ? a->status : 200;
	uint8_t body[256];
	size_t blen = 0;
	if (status == 200 && a->rejected) {
		Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
			OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
		ps.rejected_spans = a->rejected;
		ps.error_message = (char *)"span rejected by the test";
		Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse resp =
			OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
		resp.partial_success = &ps;
		blen = protobuf_c_message_pack(&resp.base, body);
	}
	char h[512];
	int n = snprintf(h, sizeof h,
			 "HTTP/1.1 %d X\r\nContent-Type: application/x-protobuf\r\n"
			 "Content-Length: %zu\r\n",
			 status, blen);
	if (a->retry_after > 0)
		n += snprintf(h + n, sizeof h - (size_t)n, "Retry-After: %d\r\n", a->retry_after);
	n += snprintf(h + n, sizeof h - (size_t)n, "\r\n");
	if (write(c, h, (size_t)n) < 0 || (blen && write(c, body, blen) < 0))
		return;
}

static void serve(struct rx *r, int c)
{
	for (;;) {
		char *hdrs;
		uint8_t *body;
		size_t blen;
		/* a second connection (metrics with a transport of their own)
		 * while this one idles: this one is closed between requests,
		 * which a keep-alive client survives (it reconnects) */
		struct pollfd p[4] = { { c, POLLIN, 0 }, { r->stop_pipe[0], POLLIN, 0 },
				       { r->ctl_pipe[0], POLLIN, 0 }, { r->fd, POLLIN, 0 } };
		if (poll(p, 4, -1) <= 0 || p[1].revents || p[2].revents)
			return;	/* the loop reads the control byte */
		if (p[3].revents && !p[0].revents)
			return;
		if (read_request(c, &hdrs, &body, &blen))
			return;
		struct rx_req q;
		memset(&q, 0, sizeof q);
		q.t_ns = now_ns();
		q.body_len = blen;
		header(hdrs, "Content-Type", q.content_type, sizeof q.content_type);
		header(hdrs, "Content-Encoding", q.content_encoding, sizeof q.content_encoding);
		header(hdrs, "User-Agent", q.user_agent, sizeof q.user_agent);
		header(hdrs, "X-Test-Token", q.custom, sizeof q.custom);
		uint8_t *plain = body;
		size_t plen = blen;
		int gz = !strcasecmp(q.content_encoding, "gzip");
		int zs = !strcasecmp(q.content_encoding, "zstd");
		if (gz && gunzip(body, blen, &plain, &plen))
			plain = NULL;
		if (zs && unzstd(body, blen, &plain, &plen))
			plain = NULL;
		gz |= zs;	/* plain is ours to free */
		if (!strncmp(hdrs, "POST /v1/metrics ", 17)) {
			/* metrics: decoded apart, the script is the spans' */
			pthread_mutex_lock(&r->mu);
			int down = r->mode == RX_HANGUP;
			int cnt = -1;
			if (plain && !down)
				cnt = strstr(q.content_type, "json")
					      ? rx_decode_metrics_json((const char *)plain, plen, &r->pts,
								       &r->npts, &r->cappts, r->nmreqs)
					      : rx_decode_metrics_pb(plain, plen, &r->pts, &r->npts,
								     &r->cappts, r->nmreqs);
			if (cnt >= 0)
				r->nmreqs++;
			else if (!down)
				r->nmbad++;
			r->nmdown += down;
			snprintf(r->mcontent_type, sizeof r->mcontent_type, "%s", q.content_type);
			snprintf(r->mcontent_encoding, sizeof r->mcontent_encoding, "%s", q.content_encoding);
			snprintf(r->mcustom, sizeof r->mcustom, "%s", q.custom);
			pthread_cond_broadcast(&r->cv);
			pthread_mutex_unlock(&r->mu);
			if (gz && plain)
				free(plain);
			free(body);
			free(hdrs);
			if (down)
				return;
			struct rx_action ok = { 0 };
			ok.status = cnt >= 0 ? 200 : 400;
			answer(c, &ok);
			continue;
		}

		pthread_mutex_lock(&r->mu);
		struct rx_action a = { 0 };
		if (r->mode == RX_HANGUP)
			a.close = 1;	/* down: the script waits */
		else if (r->next < r->nscript)
			a = r->script[r->next++];
		int idx = (int)r->nreqs;
		size_t before = r->nspans;
		int cnt = -1;
		struct rx_span *tmp = NULL;	/* discard with a tally: this request's */
		size_t tn = 0, tcap = 0;
		if (plain && r->discard) {
			/* decode to check, count, keep nothing */
			if (strstr(q.content_type, "json"))
				cnt = rx_decode_json((const char *)plain, plen, &tmp, &tn, &tcap, idx, NULL, 0);
			else if (r->tally)
				cnt = rx_decode_pb(plain, plen, &tmp, &tn, &tcap, idx, NULL, 0);
			else
				cnt = rx_count_pb(plain, plen);
		} else if (plain) {
			if (strstr(q.content_type, "json"))
				cnt = rx_decode_json((const char *)plain, plen, &r->spans, &r->nspans,
						     &r->capspans, idx, q.resource, sizeof q.resource);
			else
				cnt = rx_decode_pb(plain, plen, &r->spans, &r->nspans, &r->capspans, idx,
						   q.resource, sizeof q.resource);
		}
		q.decoded = cnt >= 0;
		q.nspans = cnt > 0 ? (size_t)cnt : 0;
		int ok = !a.close && (!a.status || (a.status >= 200 && a.status < 300));
		if (!ok) {
			r->nrefused += r->discard ? q.nspans : r->nspans - before;
			r->nspans = before;	/* not accepted */
		} else {
			r->accepted += q.nspans;
			for (size_t i = 0; r->tally && i < tn; i++)
				r->tally(r->tally_ctx, &tmp[i]);
		}
		free(tmp);
		q.status = a.close ? 0 : a.status ? a.status : 200;
		if (r->discard)
			r->nreqs = 0;	/* keep only the last request */
		if (r->nreqs == r->capreqs) {
			r->capreqs = r->capreqs ? r->capreqs * 2 : 64;
			r->reqs = realloc(r->reqs, r->capreqs * sizeof *r->reqs);
		}
		r->reqs[r->nreqs++] = q;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);

		if (gz && plain)
			free(plain);
		free(body);
		free(hdrs);
		if (a.close)
			return;
		answer(c, &a);
	}
}

/* A listening socket on 127.0.0.1:port (0: any); -1 on failure. */
static int listen_on(int port, int *bound)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons((uint16_t)port) };
	socklen_t al = sizeof a;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&a, &al)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*bound = ntohs(a.sin_port);
	return fd;
}

/* The loop thread applies a mode change: close or reopen the port. */
static void apply_mode(struct rx *r)
{
	char b;
	if (read(r->ctl_pipe[0], &b, 1) < 0)
		return;
	pthread_mutex_lock(&r->mu);
	int mode = r->mode;
	pthread_mutex_unlock(&r->mu);
	if (mode == RX_REFUSE && r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	} else if (mode != RX_REFUSE && r->fd < 0) {
		int port;
		r->fd = listen_on(r->port, &port);
	}
}

void rx_set_mode(struct rx *r, enum rx_mode mode)
{
	pthread_mutex_lock(&r->mu);
	r->mode = mode;
	pthread_mutex_unlock(&r->mu);
	if (write(r->ctl_pipe[1], "m", 1) < 0)
		return;
}

static void *loop(void *arg)
{
	struct rx *r = arg;
	for (;;) {
		struct pollfd p[3] = { { r->fd, POLLIN, 0 }, { r->stop_pipe[0], POLLIN, 0 },
				       { r->ctl_pipe[0], POLLIN, 0 } };
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return NULL;
		if (p[1].revents)
			return NULL;
		if (p[2].revents) {
			apply_mode(r);
			continue;
		}
		if (!(p[0].revents & POLLIN))
			continue;
		int c = accept(r->fd, NULL, NULL);
		if (c < 0)
			continue;
		serve(r, c);
		close(c);
	}
}

struct rx *rx_start(const struct rx_action *script, unsigned n)
{
	struct rx *r = calloc(1, sizeof *r);
	r->fd = listen_on(0, &r->port);
	if (r->fd < 0 || pipe(r->stop_pipe) || pipe(r->ctl_pipe)) {
		if (r->fd >= 0)
			close(r->fd);
		free(r);
		return NULL;
	}
	snprintf(r->url, sizeof r->url, "http://127.0.0.1:%d/v1/traces", r->port);
	if (n > 16)
		n = 16;
	if (n)
		memcpy(r->script, script, n * sizeof *script);
	r->nscript = n;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	pthread_create(&r->thr, NULL, loop, r);
	return r;
}

void rx_stop(struct rx *r)
{
	if (!r)
		return;
	if (write(r->stop_pipe[1], "x", 1) < 0)
		return;
	pthread_join(r->thr, NULL);
	if (r->fd >= 0)
		close(r->fd);
	close(r->stop_pipe[0]);
	close(r->stop_pipe[1]);
	close(r->ctl_pipe[0]);
	close(r->ctl_pipe[1]);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r->reqs);
	free(r->spans);
	free(r->pts);
	free(r);
}

size_t rx_wait_spans(struct rx *r, size_t n, int timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	while (r->nspans < n)
		if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT)
			break;
	size_t got = r->nspans;
	pthread_mutex_unlock(&r->mu);
	return got;
}

int rx_wait_metrics(struct rx *r, int n, int timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	while (r->nmreqs < n)
		if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT)
			break;
	int got = r->nmreqs;
	pthread_mutex_unlock(&r->mu);
	return got;
}
