/* otlp_http.c: POST /v1/traces with libcurl, gzip or zstd
 * (otlp_compress.c), and the
 * retry policy of the OTLP specification: 429, 502, 503, 504 and
 * connection failures are retried with exponential backoff and jitter
 * (Retry-After honoured up to a cap); any other 4xx/5xx is final.
 *
 * It must never print or log a header value, never retry past the
 * deadline, and never sleep without watching *abort.
 */
#include "otlp_http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "otlp_compress.h"
#include "otlp_encode.h"

#define RN_BACKOFF_FIRST_MS 200
#define RN_BACKOFF_MAX_MS 5000
#define RN_RETRY_AFTER_CAP_MS 30000
#define RN_RESPONSE_MAX (64u << 10)	/* response bytes kept */

struct rn_otlp_http {
	CURL *curl;
	struct curl_slist *hdrs;
	char url[2048];
	int json;
	uint32_t timeout_ms;
	struct rn_otlp_comp *comp;	/* NULL: the body as it is */
	struct rn_otlp_buf zbuf;
	struct rn_otlp_buf resp;
	char retry_after[64];
	char content_type[64];
	volatile int *abort;
	uint64_t seed;
	int once;		/* rn_otlp_http_export_once: no retry */
	int fail_fast;		/* a refused connection fails at once */
};

static uint64_t rn_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static size_t rn_on_body(char *p, size_t size, size_t n, void *ud)
{
	struct rn_otlp_http *h = ud;
	size_t len = size * n, keep = len;
	if (h->resp.len + keep > RN_RESPONSE_MAX)
		keep = RN_RESPONSE_MAX - h->resp.len;
	if (keep && rn_otlp_buf_reserve(&h->resp, keep) == 0) {
		memcpy(h->resp.p + h->resp.len, p, keep);
		h->resp.len += keep;
	}
	return len;
}

/* Copies a header's value (trimmed) when its name is name. */
static void rn_header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	if (n <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
		return;
	const char *v = line + nl + 1, *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	size_t l = (size_t)(end - v) < cap - 1 ? (size_t)(end - v) : cap - 1;
	memcpy(out, v, l);
	out[l] = '\0';
}

static size_t rn_on_header(char *p, size_t size, size_t n, void *ud)
{
	struct rn_otlp_http *h = ud;
	size_t len = size * n;
	rn_header_value(p, len, "Retry-After", h->retry_after, sizeof h->retry_after);
	rn_header_value(p, len, "Content-Type", h->content_type, sizeof h->content_type);
	return len;
}

static int rn_on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct rn_otlp_http *h = ud;
	(void)a, (void)b, (void)c, (void)d;
	return h->abort && *h->abort;
}

int64_t rn_otlp_retry_after(const char *v, int64_t now_unix)
{
	if (!*v)
		return -1;
	if (isdigit((unsigned char)*v)) {
		char *end;
		long long s = strtoll(v, &end, 10);
		if (*end || s < 0)
			return -1;
		return s > INT64_MAX / 2000 ? INT64_MAX / 2 : (int64_t)s * 1000;
	}
	time_t t = curl_getdate(v, NULL);	/* IMF-fixdate and the obsolete forms */
	if (t < 0)
		return -1;
	return t > now_unix ? ((int64_t)t - now_unix) * 1000 : 0;
}

void rn_otlp_http_free(struct rn_otlp_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->hdrs);
	rn_otlp_comp_free(h->comp);
	rn_otlp_buf_free(&h->zbuf);
	rn_otlp_buf_free(&h->resp);
	free(h);
}

int rn_otlp_http_new(struct rn_otlp_http **out, const struct rn_otlp_opts *x)
{
	struct rn_otlp_http *h = calloc(1, sizeof *h);
	*out = NULL;
	if (!h)
		return -ENOMEM;
	snprintf(h->url, sizeof h->url, "%s", x->endpoint);
	enum rn_otlp_comp_kind kind = x->zstd ? RN_OTLP_COMP_ZSTD
				      : x->gzip ? RN_OTLP_COMP_GZIP : RN_OTLP_COMP_NONE;
	h->json = x->protocol == RN_OTLP_JSON;
	h->timeout_ms = x->timeout_ms;
	h->seed = rn_now_ns() | 1;
	h->curl = curl_easy_init();
	if (!h->curl)
		goto nomem;
	if (kind != RN_OTLP_COMP_NONE && rn_otlp_comp_new(&h->comp, kind))
		goto nomem;
	struct curl_slist *l = NULL, *t;
	char line[4096];
#define RN_HDR(s)                                   \
	do {                                        \
		if (!(t = curl_slist_append(l, s))) \
			goto nomem_list;            \
		l = t;                              \
	} while (0)
	RN_HDR(h->json ? "Content-Type: application/json" : "Content-Type: application/x-protobuf");
	if (kind == RN_OTLP_COMP_GZIP)
		RN_HDR("Content-Encoding: gzip");
	else if (kind == RN_OTLP_COMP_ZSTD)
		RN_HDR("Content-Encoding: zstd");
	RN_HDR("Expect:");	/* no 100-continue round trip for large bodies */
	for (unsigned i = 0; i < x->nheaders; i++) {
		if ((size_t)snprintf(line, sizeof line, "%s: %s", x->headers[i].key,
				     x->headers[i].value) >= sizeof line)
			continue;
		RN_HDR(line);
	}
#undef RN_HDR
	explicit_bzero(line, sizeof line);
	h->hdrs = l;

	char ua[64];
	snprintf(ua, sizeof ua, "renacer/%s", RENACER_VERSION);
	CURL *c = h->curl;
	curl_easy_setopt(c, CURLOPT_URL, h->url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, rn_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, rn_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, rn_on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (x->cert)
		curl_easy_setopt(c, CURLOPT_CAINFO, x->cert);
	if (x->client_cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, x->client_cert);
	if (x->client_key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, x->client_key);
	*out = h;
	return 0;
nomem_list:
	curl_slist_free_all(l);
	explicit_bzero(line, sizeof line);
nomem:
	rn_otlp_http_free(h);
	return -ENOMEM;
}

/* Reads partial_success from a 2xx answer. */
static void rn_partial(struct rn_otlp_http *h, struct rn_otlp_result *res)
{
	if (!h->resp.len)
		return;
	if (strstr(h->content_type, "json")) {
		/* {"partialSuccess":{"rejectedSpans":"3","errorMessage":"..."}} */
		char *body = (char *)h->resp.p;
		if (rn_otlp_buf_reserve(&h->resp, 1))
			return;
		body = (char *)h->resp.p;
		body[h->resp.len] = '\0';
		const char *r = strstr(body, "\"rejectedSpans\"");
		if (r && (r = strchr(r + 15, ':'))) {
			r++;
			while (*r == ' ' || *r == '"')
				r++;
			res->rejected = strtoll(r, NULL, 10);
		}
		const char *m = strstr(body, "\"errorMessage\"");
		if (m && (m = strchr(m + 14, '"'))) {
			m++;
			size_t k = 0;
			while (*m && *m != '"' && k < sizeof res->message - 1)
				res->message[k++] = *m++;
			res->message[k] = '\0';
		}
		return;
	}
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *r =
		opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
			NULL, h->resp.len, h->resp.p);
	if (!r)
		return;
	if (r->partial_success) {
		res->rejected = r->partial_success->rejected_spans;
		if (r->partial_success->error_message)
			snprintf(res->message, sizeof res->message, "%s",
				 r->partial_success->error_message);
	}
	opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(
		r, NULL);
}

static int rn_retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return 1;
	default:
		return 0;
	}
}

/* Sleeps ms, or less when the deadline or *abort comes first. */
static void rn_pause(uint64_t ms, uint64_t deadline_ns, volatile int *abort)
{
	uint64_t until = rn_now_ns() + ms * 1000000ull;
	if (until > deadline_ns)
		until = deadline_ns;
	while (!(abort && *abort)) {
		uint64_t now = rn_now_ns();
		if (now >= until)
			return;
		uint64_t step = until - now < 20000000ull ? until - now : 20000000ull;
		struct timespec ts = { 0, (long)step };
		nanosleep(&ts, NULL);
	}
}

void rn_otlp_http_export(struct rn_otlp_http *h, const void *body, size_t len,
			 uint64_t deadline_ns, volatile int *abort, struct rn_otlp_result *res)
{
	memset(res, 0, sizeof *res);
	h->abort = abort;
	if (h->comp) {
		if (rn_otlp_comp_run(h->comp, body, len, &h->zbuf)) {
			res->outcome = RN_OTLP_FAILED;
			snprintf(res->message, sizeof res->message, "cannot compress the request");
			return;
		}
		body = h->zbuf.p;
		len = h->zbuf.len;
	}
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	uint64_t backoff = RN_BACKOFF_FIRST_MS;
	for (;;) {
		if (abort && *abort) {
			res->outcome = RN_OTLP_ABORTED;
			return;
		}
		uint64_t now = rn_now_ns();
		if (now >= deadline_ns) {
			res->outcome = RN_OTLP_FAILED;
			return;
		}
		uint64_t left_ms = (deadline_ns - now) / 1000000ull + 1;
		long tmo = (long)(left_ms < h->timeout_ms ? left_ms : h->timeout_ms);
		curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, tmo);
		h->resp.len = 0;
		h->retry_after[0] = h->content_type[0] = '\0';
		res->attempts++;
		CURLcode rc = curl_easy_perform(h->curl);
		long status = 0;
		int retry;
		if (rc == CURLE_OK) {
			curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
			res->status = status;
			res->bytes_sent += len;
			if (status >= 200 && status < 300) {
				res->outcome = RN_OTLP_OK;
				rn_partial(h, res);
				return;
			}
			retry = status == 429 || status == 502 || status == 503 || status == 504;
			snprintf(res->message, sizeof res->message, "HTTP status %ld", status);
		} else if (rc == CURLE_ABORTED_BY_CALLBACK) {
			res->outcome = RN_OTLP_ABORTED;
			return;
		} else {
			retry = rn_retryable_curl(rc);
			snprintf(res->message, sizeof res->message, "%s", curl_easy_strerror(rc));
		}
		if (!retry) {
			res->outcome = RN_OTLP_REJECTED;
			return;
		}
		/* nobody listens: the spool takes the batch now, not after a
		 * deadline of retries that would hold everything behind it */
		if (h->once || (h->fail_fast && rc == CURLE_COULDNT_CONNECT)) {
			res->outcome = RN_OTLP_FAILED;
			return;
		}
		/* exponential backoff with jitter: a random wait in [b/2, b] */
		h->seed ^= h->seed << 13;
		h->seed ^= h->seed >> 7;
		h->seed ^= h->seed << 17;
		uint64_t wait = backoff / 2 + h->seed % (backoff / 2 + 1);
		if (backoff < RN_BACKOFF_MAX_MS)
			backoff = backoff * 2 < RN_BACKOFF_MAX_MS ? backoff * 2 : RN_BACKOFF_MAX_MS;
		if (h->retry_after[0]) {
			int64_t ra = rn_otlp_retry_after(h->retry_after, (int64_t)time(NULL));
			if (ra >= 0)
				wait = (uint64_t)(ra < RN_RETRY_AFTER_CAP_MS ? ra : RN_RETRY_AFTER_CAP_MS);
		}
		if (rn_now_ns() + wait * 1000000ull >= deadline_ns) {
			/* the receiver asks for more time than we have */
			res->outcome = RN_OTLP_FAILED;
			return;
		}
		rn_pause(wait, deadline_ns, abort);
	}
}

void rn_otlp_http_fail_fast(struct rn_otlp_http *h, int on)
{
	h->fail_fast = on;
}

void rn_otlp_http_export_once(struct rn_otlp_http *h, const void *body, size_t len,
			      volatile int *abort, struct rn_otlp_result *res)
{
	h->once = 1;
	rn_otlp_http_export(h, body, len, rn_now_ns() + (uint64_t)h->timeout_ms * 1000000ull, abort,
			    res);
	h->once = 0;
}

void rn_otlp_http_url(struct rn_otlp_http *h, const char *url)
{
	snprintf(h->url, sizeof h->url, "%s", url);
	curl_easy_setopt(h->curl, CURLOPT_URL, h->url);
}
