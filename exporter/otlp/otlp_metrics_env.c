/* otlp_metrics_env.c: the settings of OTLP metrics and of the span
 * sampler, read from the environment the way otlp_env.c reads the rest
 * (empty means unset; a bad value warns once through rn_env_warn and the
 * default stays), and settled after the traces side.
 *
 * The metrics transport is the metrics' own, as the specification has it
 * for each signal: OTEL_EXPORTER_OTLP_METRICS_{ENDPOINT,HEADERS,TIMEOUT,
 * COMPRESSION,PROTOCOL,CERTIFICATE,CLIENT_CERTIFICATE,CLIENT_KEY} win over
 * the generic OTEL_EXPORTER_OTLP_* ones, which win over the defaults; the
 * traces' _TRACES_ forms never apply to metrics. A command-line flag
 * (--otlp-protocol, --otlp-compression, --otlp-timeout) sets both signals.
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: cumulative is what
 * renacer exports (metrics.c says why); delta and lowmemory warn and keep
 * it. It must never print a header value and never read the environment
 * after the options are parsed.
 */
#include "otlp_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../warn.h"

#define RN_METRIC_INTERVAL_DEFAULT 60000u
#define RN_METRIC_INTERVAL_MAX 86400000u
#define RN_METRIC_TIMEOUT_DEFAULT 10000u	/* OTEL_EXPORTER_OTLP_TIMEOUT's */
#define RN_METRIC_TIMEOUT_MAX 3600000u

static const char *rn_menv(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* url + "/v1/metrics" with exactly one slash into out; 0, or -1 when it
 * does not fit. */
static int rn_metrics_url(char *out, size_t cap, const char *base)
{
	size_t n = strlen(base);
	const char *sep = n && base[n - 1] == '/' ? "" : "/";
	return (size_t)snprintf(out, cap, "%s%sv1/metrics", base, sep) < cap ? 0 : -1;
}

/* The metrics variable if set, else the generic one (never the traces');
 * *name says which. */
static const char *rn_menv2(const char *metrics, const char *generic, const char **name)
{
	const char *v = rn_menv(metrics);
	*name = metrics;
	if (v)
		return v;
	*name = generic;
	return rn_menv(generic);
}

/* A value of the generic variable is checked (and warned about) by
 * otlp_env.c; only the metrics variable's is warned about here. */
static void rn_mwarn(const char *name, const char *v, const char *why)
{
	if (!strncmp(name, "OTEL_EXPORTER_OTLP_METRICS_", 27))
		rn_env_warn(name, v, why);
}

static void rn_metrics_transport_env(struct rn_otlp_opts *x)
{
	const char *v, *name;
	x->m_env_protocol = -1;
	x->m_env_gzip = -1;
	x->m_env_timeout_ms = 0;
	if ((v = rn_menv2("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL", &name))) {
		if (!strcmp(v, "http/protobuf"))
			x->m_env_protocol = RN_OTLP_PROTOBUF;
		else if (!strcmp(v, "http/json"))
			x->m_env_protocol = RN_OTLP_JSON;
		else
			rn_mwarn(name, v, "expected http/protobuf or http/json (grpc is not supported)");
	}
	if ((v = rn_menv2("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION",
			  &name))) {
		if (!strcmp(v, "gzip"))
			x->m_env_gzip = 1;
		else if (!strcmp(v, "none"))
			x->m_env_gzip = 0;
		else
			rn_mwarn(name, v, "expected gzip or none");
	}
	if ((v = rn_menv2("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", &name))) {
		char *end;
		unsigned long long n = strtoull(v, &end, 10);
		if (*v < '0' || *v > '9' || *end || n < 1 || n > RN_METRIC_TIMEOUT_MAX)
			rn_mwarn(name, v, "expected milliseconds from 1 to 3600000");
		else
			x->m_env_timeout_ms = (uint32_t)n;
	}
	if ((v = rn_menv2("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS", &name))) {
		int n = rn_otlp_parse_kvlist(v, x->m_headers, RN_OTLP_HEADERS_MAX, x->m_header_buf,
					     sizeof x->m_header_buf);
		if (n >= 0 && rn_otlp_headers_valid(x->m_headers, (unsigned)n))
			x->m_nheaders = (unsigned)n;
		else
			rn_mwarn(name, "(hidden)", "expected at most 32 valid key=value headers separated by commas");
	}
	const char *certs[3][2] = {
		{ "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE" },
		{ "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE" },
		{ "OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY" },
	};
	const char **out[3] = { &x->m_cert, &x->m_client_cert, &x->m_client_key };
	for (unsigned i = 0; i < 3; i++) {
		*out[i] = rn_menv2(certs[i][0], certs[i][1], &name);
		if (*out[i] && access(*out[i], R_OK)) {
			rn_mwarn(name, *out[i], "cannot read the file");
			*out[i] = NULL;
		}
	}
	if ((v = rn_menv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"))) {
		if (!strcasecmp(v, "delta") || !strcasecmp(v, "lowmemory"))
			rn_env_warn("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", v,
				    "renacer exports cumulative sums and histograms (a failed export "
				    "then loses no call); cumulative kept");
		else if (strcasecmp(v, "cumulative"))
			rn_env_warn("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", v,
				    "expected cumulative, delta or lowmemory");
	}
}

void rn_otlp_env_read_metrics(struct rn_otlp_opts *x)
{
	const char *v;
	rn_metrics_transport_env(x);
	x->metric_interval_ms = RN_METRIC_INTERVAL_DEFAULT;
	x->sampler = RN_SAMPLER_PB_ALWAYS_ON;
	x->sampler_ratio = 1.0;

	if ((v = rn_menv("OTEL_METRIC_EXPORT_INTERVAL"))) {
		char *end;
		unsigned long long n = strtoull(v, &end, 10);
		if (*v < '0' || *v > '9' || *end || n < 1 || n > RN_METRIC_INTERVAL_MAX)
			rn_env_warn("OTEL_METRIC_EXPORT_INTERVAL", v,
				    "expected milliseconds from 1 to 86400000");
		else
			x->metric_interval_ms = (uint32_t)n;
	}
	if ((v = rn_menv("OTEL_METRICS_EXPORTER"))) {
		if (!strcmp(v, "none"))
			x->env_metrics_off = 1;
		else if (strcmp(v, "otlp"))
			rn_env_warn("OTEL_METRICS_EXPORTER", v, "expected otlp or none");
	}
	if ((v = rn_menv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"))) {
		if (rn_otlp_endpoint_check(v))
			rn_env_warn("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", v,
				    "expected an http:// or https:// URL");
		else
			x->env_metrics_endpoint = v;	/* as is: a full URL */
	}
	if (!x->env_metrics_endpoint && (v = rn_menv("OTEL_EXPORTER_OTLP_ENDPOINT")) &&
	    !rn_otlp_endpoint_check(v)) {
		/* otlp_env.c warned already when it is bad */
		if (!rn_metrics_url(x->metrics_endpoint_buf, sizeof x->metrics_endpoint_buf, v))
			x->env_metrics_endpoint = x->metrics_endpoint_buf;
	}

	const char *s = rn_menv("OTEL_TRACES_SAMPLER");
	const char *arg = rn_menv("OTEL_TRACES_SAMPLER_ARG");
	if (s) {
		int rc = rn_otlp_sampler_parse(s, arg, &x->sampler, &x->sampler_ratio);
		if (rc == -1)
			rn_env_warn("OTEL_TRACES_SAMPLER", s,
				    "expected always_on, always_off, traceidratio, parentbased_always_on, "
				    "parentbased_always_off or parentbased_traceidratio");
		else if (rc == -2) {
			rn_env_warn("OTEL_TRACES_SAMPLER_ARG", arg, "expected a ratio from 0 to 1");
			/* the sampler stays, with the specification's default 1.0 */
			rn_otlp_sampler_parse(s, NULL, &x->sampler, &x->sampler_ratio);
		}
	}
}

void rn_otlp_settle_metrics(struct rn_otlp_opts *x)
{
	x->spans = !x->metrics_only;
	x->metrics = x->metrics_only || (!x->no_metrics && !x->env_metrics_off);
	x->metrics_endpoint = NULL;
	/* flag, else the metrics or generic variable, else the default */
	x->m_protocol = (x->opt_set & RN_OTLP_SET_PROTOCOL) ? x->protocol
			: x->m_env_protocol >= 0 ? (enum rn_otlp_proto)x->m_env_protocol
						 : RN_OTLP_PROTOBUF;
	x->m_gzip = (x->opt_set & RN_OTLP_SET_COMPRESSION) ? x->gzip
		    : x->m_env_gzip >= 0 ? x->m_env_gzip : 1;
	/* zstd only by the flag: the variables know gzip and none */
	x->m_zstd = (x->opt_set & RN_OTLP_SET_COMPRESSION) ? x->zstd : 0;
	x->m_timeout_ms = (x->opt_set & RN_OTLP_SET_TIMEOUT) ? x->timeout_ms
			  : x->m_env_timeout_ms ? x->m_env_timeout_ms : RN_METRIC_TIMEOUT_DEFAULT;
	if (!x->metrics)
		return;
	if (x->env_metrics_endpoint && x->env_metrics_endpoint != x->metrics_endpoint_buf)
		x->metrics_endpoint = x->env_metrics_endpoint;	/* the per-signal variable */
	/* --otlp-endpoint names the traces URL: its .../v1/traces has a
	 * .../v1/metrics beside it */
	else if (x->opt_endpoint) {
		const char *t = "/v1/traces";
		size_t n = strlen(x->opt_endpoint), k = strlen(t);
		if (n >= k && !strcmp(x->opt_endpoint + n - k, t) &&
		    (size_t)snprintf(x->metrics_endpoint_buf, sizeof x->metrics_endpoint_buf,
				     "%.*s/v1/metrics", (int)(n - k), x->opt_endpoint) <
			    sizeof x->metrics_endpoint_buf)
			x->metrics_endpoint = x->metrics_endpoint_buf;
	} else if (x->env_metrics_endpoint) {
		x->metrics_endpoint = x->env_metrics_endpoint;	/* OTEL_EXPORTER_OTLP_ENDPOINT */
	}
	/* only a metrics URL: the sink runs for the metrics alone */
	if (x->metrics_endpoint && !x->enabled) {
		x->enabled = 1;
		x->spans = 0;
	}
}

int rn_otlp_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "\u00b5s", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	double v = strtod(s, &end);
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].unit))
			continue;
		double t = v * units[i].ns;
		if (!(t >= 0 && t < 1e18))
			return -1;
		*ns = (uint64_t)(t + 0.5);
		return 0;
	}
	return -1;
}
