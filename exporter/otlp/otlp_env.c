/* otlp_env.c: the OpenTelemetry environment (OTEL_*, TRACEPARENT,
 * TRACESTATE) read as the specification says: empty means unset, booleans
 * are true only for "true" in any case, a bad value is warned about once
 * (rn_env_warn) and its default kept, per-signal _TRACES_ forms win over
 * the generic ones. Then the command line's values are settled on top.
 *
 * It must never print a header value (they hold credentials), never exit,
 * and never read the environment after the options are parsed.
 */
#include "otlp_env.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../warn.h"

const struct rn_otlp_tuning rn_perf_presets[3] = {
	[RN_PERF_BALANCED] = { 1024, 512, 1000, 2048 },
	[RN_PERF_AGGRESSIVE] = { 4096, 2048, 5000, 8192 },
	[RN_PERF_LOW_LATENCY] = { 256, 128, 100, 512 },
};

#define RN_OTLP_TIMEOUT_DEFAULT 10000u
#define RN_OTLP_EXPORT_TIMEOUT_DEFAULT 30000u
#define RN_OTLP_MS_MAX 3600000u
#define RN_OTLP_SPANS_MAX 1000000u

/* getenv, with "" meaning unset */
static const char *rn_env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* The per-signal variable if set, else the generic one; *name says which. */
static const char *rn_env2(const char *traces, const char *generic, const char **name)
{
	const char *v = rn_env(traces);
	*name = traces;
	if (v)
		return v;
	*name = generic;
	return rn_env(generic);
}

static int rn_env_u32(const char *name, uint32_t lo, uint32_t hi, uint32_t *out)
{
	const char *v = rn_env(name);
	char *end;
	if (!v)
		return 0;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end) {
		rn_env_warn(name, v, "expected a non-negative integer");
		return 0;
	}
	if (errno == ERANGE || n < lo || n > hi) {
		rn_env_warn(name, v, "out of range");
		return 0;
	}
	*out = (uint32_t)n;
	return 1;
}

int rn_otlp_endpoint_check(const char *url)
{
	const char *p;
	if (!strncasecmp(url, "http://", 7))
		p = url + 7;
	else if (!strncasecmp(url, "https://", 8))
		p = url + 8;
	else
		return -1;
	if (!*p || *p == '/')
		return -1;	/* no host */
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return -1;
	return 0;
}

static int rn_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;	/* W3C: lowercase only */
}

static int rn_hex_bytes(const char *s, uint8_t *out, size_t n)
{
	unsigned any = 0;
	for (size_t i = 0; i < n; i++) {
		int h = rn_hexval(s[2 * i]), l = rn_hexval(s[2 * i + 1]);
		if (h < 0 || l < 0)
			return -1;
		out[i] = (uint8_t)(h << 4 | l);
		any |= out[i];
	}
	return any ? 0 : -1;	/* all zero is invalid */
}

int rn_otlp_parse_traceparent(const char *s, uint8_t trace_id[16], uint8_t span_id[8],
			      uint8_t *flags)
{
	/* 00-<32 hex>-<16 hex>-<2 hex> */
	if (strlen(s) != 55 || s[2] != '-' || s[35] != '-' || s[52] != '-')
		return -1;
	if (s[0] != '0' || s[1] != '0')
		return -1;
	uint8_t f;
	if (rn_hex_bytes(s + 3, trace_id, 16) || rn_hex_bytes(s + 36, span_id, 8))
		return -1;
	int h = rn_hexval(s[53]), l = rn_hexval(s[54]);
	if (h < 0 || l < 0)
		return -1;
	f = (uint8_t)(h << 4 | l);
	*flags = f;
	return 0;
}

/* Percent-decodes s[0..n) into buf at *used (NUL-terminated); NULL on a
 * bad escape or when it does not fit. */
static char *rn_pct_decode(const char *s, size_t n, char *buf, size_t cap, size_t *used)
{
	if (n + 1 > cap - *used)
		return NULL;
	char *out = buf + *used, *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2]))
			return NULL;
		char hex[3] = { s[i + 1], s[i + 2], 0 };
		*o++ = (char)strtol(hex, NULL, 16);
		i += 2;
	}
	*o++ = '\0';
	*used += (size_t)(o - out);
	return out;
}

/* Trims blanks around s[0..*n); returns the new start. */
static const char *rn_trim(const char *s, size_t *n)
{
	while (*n && isspace((unsigned char)*s)) {
		s++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

int rn_otlp_parse_kvlist(const char *s, struct rn_otlp_kv *out, unsigned max, char *buf,
			 size_t cap)
{
	unsigned n = 0;
	size_t used = 0;
	const char *p = s;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen, vlen;
		const char *k = p, *v;
		if (!eq) {
			size_t tl = len;
			rn_trim(p, &tl);
			if (tl)
				goto bad;	/* a member without '=' */
			p += len + (comma ? 1 : 0);
			continue;
		}
		klen = (size_t)(eq - p);
		k = rn_trim(k, &klen);
		vlen = len - (size_t)(eq - p) - 1;
		v = rn_trim(eq + 1, &vlen);
		if (!klen || n == max)
			goto bad;
		out[n].key = rn_pct_decode(k, klen, buf, cap, &used);
		out[n].value = out[n].key ? rn_pct_decode(v, vlen, buf, cap, &used) : NULL;
		if (!out[n].value)
			goto bad;
		n++;
		p += len + (comma ? 1 : 0);
	}
	return (int)n;
bad:
	for (unsigned i = 0; i < n; i++)
		out[i].key = out[i].value = NULL;
	return -1;
}

/* An HTTP header name: a token (RFC 9110). */
static int rn_is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s))
			return 0;
	return 1;
}

int rn_otlp_headers_valid(const struct rn_otlp_kv *h, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!rn_is_token(h[i].key))
			return 0;
		for (const char *c = h[i].value; *c; c++)
			if (*c == '\r' || *c == '\n')
				return 0;
	}
	return 1;
}

static void rn_read_headers(struct rn_otlp_opts *x)
{
	const char *name, *v = rn_env2("OTEL_EXPORTER_OTLP_TRACES_HEADERS",
				       "OTEL_EXPORTER_OTLP_HEADERS", &name);
	if (!v)
		return;
	int n = rn_otlp_parse_kvlist(v, x->headers, RN_OTLP_HEADERS_MAX, x->header_buf,
				     sizeof x->header_buf);
	if (n < 0) {
		rn_env_warn(name, "(hidden)", "expected at most 32 key=value pairs separated by commas");
		return;
	}
	if (!rn_otlp_headers_valid(x->headers, (unsigned)n)) {
		rn_env_warn(name, "(hidden)", "not a valid header name or value");
		return;
	}
	x->nheaders = (unsigned)n;
}

static void rn_read_endpoint(struct rn_otlp_opts *x)
{
	const char *v = rn_env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	if (v) {
		if (rn_otlp_endpoint_check(v))
			rn_env_warn("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", v,
				    "expected an http:// or https:// URL");
		else {
			x->env_endpoint = v;
			return;
		}
	}
	v = rn_env("OTEL_EXPORTER_OTLP_ENDPOINT");
	if (!v)
		return;
	size_t n = strlen(v);
	if (rn_otlp_endpoint_check(v)) {
		rn_env_warn("OTEL_EXPORTER_OTLP_ENDPOINT", v, "expected an http:// or https:// URL");
		return;
	}
	/* a base URL: append the signal path, with exactly one slash */
	const char *sep = n && v[n - 1] == '/' ? "" : "/";
	if ((size_t)snprintf(x->endpoint_buf, sizeof x->endpoint_buf, "%s%sv1/traces", v, sep) >=
	    sizeof x->endpoint_buf) {
		rn_env_warn("OTEL_EXPORTER_OTLP_ENDPOINT", v, "too long");
		return;
	}
	x->env_endpoint = x->endpoint_buf;
}

static void rn_read_resource(struct rn_otlp_opts *x)
{
	x->service_name = rn_env("OTEL_SERVICE_NAME");
	const char *v = rn_env("OTEL_RESOURCE_ATTRIBUTES");
	if (!v)
		return;
	int n = rn_otlp_parse_kvlist(v, x->rattrs, RN_OTLP_RATTR_MAX, x->rattr_buf,
				     sizeof x->rattr_buf);
	if (n < 0)
		rn_env_warn("OTEL_RESOURCE_ATTRIBUTES", v,
			    "expected at most 64 key=value pairs (percent-encoded) separated by commas");
	else
		x->nrattrs = (unsigned)n;
}

static void rn_read_context(struct rn_otlp_opts *x)
{
	const char *v = rn_env("TRACEPARENT");
	if (!v)
		return;
	if (rn_otlp_parse_traceparent(v, x->trace_id, x->parent_span_id, &x->trace_flags)) {
		rn_env_warn("TRACEPARENT", v,
			    "expected 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>");
		return;
	}
	x->has_parent = 1;
	const char *ts = rn_env("TRACESTATE");
	if (ts && strlen(ts) <= 512)
		x->trace_state = ts;
	else if (ts)
		rn_env_warn("TRACESTATE", ts, "longer than 512 characters");
}

void rn_otlp_env_read(struct rn_otlp_opts *x)
{
	const char *v, *name;
	x->protocol = RN_OTLP_PROTOBUF;
	x->gzip = 1;
	x->timeout_ms = RN_OTLP_TIMEOUT_DEFAULT;
	x->export_timeout_ms = RN_OTLP_EXPORT_TIMEOUT_DEFAULT;
	snprintf(x->file_buf, sizeof x->file_buf, "renacer-%d.otlp.jsonl", (int)getpid());

	if ((v = rn_env("OTEL_SDK_DISABLED"))) {
		if (!strcasecmp(v, "true"))
			x->sdk_disabled = 1;
		else if (strcasecmp(v, "false"))
			rn_env_warn("OTEL_SDK_DISABLED", v, "expected true or false");
	}
	rn_read_endpoint(x);
	rn_read_headers(x);
	if ((v = rn_env2("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL",
			 &name))) {
		if (!strcmp(v, "http/protobuf"))
			x->protocol = RN_OTLP_PROTOBUF, x->env_protocol_set = 1;
		else if (!strcmp(v, "http/json"))
			x->protocol = RN_OTLP_JSON, x->env_protocol_set = 1;
		else
			rn_env_warn(name, v, "expected http/protobuf or http/json (grpc is not supported)");
	}
	if ((v = rn_env2("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION",
			 &name))) {
		if (!strcmp(v, "gzip"))
			x->gzip = 1, x->env_gzip_set = 1;
		else if (!strcmp(v, "none"))
			x->gzip = 0, x->env_gzip_set = 1;
		else
			rn_env_warn(name, v, "expected gzip or none");
	}
	if (rn_env("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"))
		x->env_timeout_set = rn_env_u32("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", 1,
						RN_OTLP_MS_MAX, &x->timeout_ms);
	if (!x->env_timeout_set)
		x->env_timeout_set = rn_env_u32("OTEL_EXPORTER_OTLP_TIMEOUT", 1, RN_OTLP_MS_MAX,
						&x->timeout_ms);
	x->cert = rn_env2("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE",
			  &name);
	x->client_cert = rn_env2("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
				 "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &name);
	x->client_key = rn_env2("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
				"OTEL_EXPORTER_OTLP_CLIENT_KEY", &name);
	const char *files[3][2] = {
		{ "OTEL_EXPORTER_OTLP_CERTIFICATE", x->cert },
		{ "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", x->client_cert },
		{ "OTEL_EXPORTER_OTLP_CLIENT_KEY", x->client_key },
	};
	for (unsigned i = 0; i < 3; i++)
		if (files[i][1] && access(files[i][1], R_OK)) {
			rn_env_warn(files[i][0], files[i][1], "cannot read the file");
			if (i == 0)
				x->cert = NULL;
			else if (i == 1)
				x->client_cert = NULL;
			else
				x->client_key = NULL;
		}

	if (rn_env_u32("OTEL_BSP_SCHEDULE_DELAY", 0, RN_OTLP_MS_MAX, &x->env_tune.delay_ms))
		x->env_set |= RN_OTLP_SET_DELAY;
	if (rn_env_u32("OTEL_BSP_MAX_QUEUE_SIZE", 1, RN_OTLP_SPANS_MAX, &x->env_tune.queue))
		x->env_set |= RN_OTLP_SET_QUEUE;
	if (rn_env_u32("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 1, RN_OTLP_SPANS_MAX, &x->env_tune.batch))
		x->env_set |= RN_OTLP_SET_BATCH;
	rn_env_u32("OTEL_BSP_EXPORT_TIMEOUT", 1, RN_OTLP_MS_MAX, &x->export_timeout_ms);
	rn_read_resource(x);
	rn_read_context(x);
	rn_otlp_env_read_metrics(x);
}

int rn_otlp_settle(struct rn_otlp_opts *x, int default_outputs, const char **bad_opt,
		   const char **why)
{
	const struct rn_otlp_tuning *pre = &rn_perf_presets[x->perf_mode];
	struct rn_otlp_tuning t = *pre;
	/* flag, else (no --perf-mode) the environment, else the preset */
	if (x->opt_set & RN_OTLP_SET_POOL)
		t.pool = x->opt_tune.pool;
	if (x->opt_set & RN_OTLP_SET_BATCH)
		t.batch = x->opt_tune.batch;
	else if (!x->perf_mode_set && (x->env_set & RN_OTLP_SET_BATCH))
		t.batch = x->env_tune.batch;
	if (x->opt_set & RN_OTLP_SET_DELAY)
		t.delay_ms = x->opt_tune.delay_ms;
	else if (!x->perf_mode_set && (x->env_set & RN_OTLP_SET_DELAY))
		t.delay_ms = x->env_tune.delay_ms;
	if (x->opt_set & RN_OTLP_SET_QUEUE)
		t.queue = x->opt_tune.queue;
	else if (!x->perf_mode_set && (x->env_set & RN_OTLP_SET_QUEUE))
		t.queue = x->env_tune.queue;
	if (t.batch > t.queue) {
		if (x->opt_set & RN_OTLP_SET_BATCH) {
			*bad_opt = "--otlp-batch-size";
			*why = "larger than the queue size (--otlp-queue-size)";
			return -1;
		}
		t.batch = t.queue;	/* the specification: at most the queue */
	}
	x->tune = t;

	x->endpoint = x->opt_endpoint ? x->opt_endpoint : x->env_endpoint;
	x->file = x->opt_file;
	if (x->no_otlp || x->sdk_disabled) {
		x->enabled = 0;
		return 0;
	}
	if (!x->endpoint && !x->file && default_outputs) {
		x->file = x->file_buf;
		x->file_is_default = 1;
	}
	x->enabled = x->endpoint || x->file;
	rn_otlp_settle_metrics(x);
	return 0;
}
