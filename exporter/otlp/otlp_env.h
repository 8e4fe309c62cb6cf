/* otlp_env.h: every setting of the OpenTelemetry export, from the OTEL_*
 * environment, TRACEPARENT/TRACESTATE and the --otlp-* options.
 *
 * rn_otlp_env_read fills the environment's part and warns (rn_env_warn) at
 * most once per bad variable, keeping the default; options.c then applies
 * the command line on top and rn_otlp_settle decides the final values.
 * Nothing here may print a header value: they carry credentials.
 */
#ifndef RN_OTLP_ENV_H
#define RN_OTLP_ENV_H

#include <stddef.h>
#include <stdint.h>

enum rn_otlp_proto { RN_OTLP_PROTOBUF, RN_OTLP_JSON };
enum rn_perf_mode { RN_PERF_BALANCED, RN_PERF_AGGRESSIVE, RN_PERF_LOW_LATENCY };
/* OTEL_TRACES_SAMPLER's values (the specification's default first) */
enum rn_sampler { RN_SAMPLER_PB_ALWAYS_ON, RN_SAMPLER_ALWAYS_ON, RN_SAMPLER_ALWAYS_OFF,
		  RN_SAMPLER_RATIO, RN_SAMPLER_PB_ALWAYS_OFF, RN_SAMPLER_PB_RATIO };

/* The parts --perf-mode sets together. */
struct rn_otlp_tuning {
	uint32_t pool;		/* spans preallocated in the pool */
	uint32_t batch;		/* spans per export request */
	uint32_t delay_ms;	/* longest wait between exports */
	uint32_t queue;		/* spans waiting for export, at most */
};

/* Bits of rn_otlp_opts.set: which values were given, and where. */
#define RN_OTLP_SET_POOL 0x01u
#define RN_OTLP_SET_BATCH 0x02u
#define RN_OTLP_SET_DELAY 0x04u
#define RN_OTLP_SET_QUEUE 0x08u
/* transport flags (--otlp-protocol, --otlp-compression, --otlp-timeout):
 * they set both signals, over every variable */
#define RN_OTLP_SET_PROTOCOL 0x10u
#define RN_OTLP_SET_COMPRESSION 0x20u
#define RN_OTLP_SET_TIMEOUT 0x40u

#define RN_OTLP_HEADERS_MAX 32
#define RN_OTLP_RATTR_MAX 64

struct rn_otlp_kv {
	char *key;		/* decoded, in the owner's buffer */
	char *value;
};

#define RN_OTLP_KVBUF 8192	/* decoded bytes of one variable, at most */

struct rn_otlp_opts {
	/* final state, after rn_otlp_settle */
	int enabled;		/* the OTLP sink runs */
	const char *endpoint;	/* full traces URL, NULL: no HTTP export */
	const char *file;	/* OTLP JSON lines file, NULL: none */
	int file_is_default;	/* file chosen by us, not by --otlp-file */
	char file_buf[64];	/* renacer-<pid>.otlp.jsonl */
	char endpoint_buf[2048];	/* OTEL_EXPORTER_OTLP_ENDPOINT + v1/traces */
	enum rn_otlp_proto protocol;
	int gzip;		/* --otlp-compression gzip */
	int zstd;		/* --otlp-compression zstd (gzip is then 0) */
	uint32_t timeout_ms;	/* one HTTP request, at most */
	uint32_t export_timeout_ms;	/* one batch with its retries; the shutdown */
	struct rn_otlp_tuning tune;
	int pool_disable;	/* --span-pool-disable: malloc/free each span */
	int capture_argv;	/* process.command_args on process spans */
	const char *cert, *client_cert, *client_key;
	const char *spool_dir;	/* --spool-dir, NULL: the default */
	uint32_t spool_max_mb;	/* --spool-max-mb, 0: no spool */
	int quiet;		/* -q: no notes on stderr */
	const char *program;	/* the program renacer-run starts, NULL: none */

	/* resource */
	const char *service_name;	/* OTEL_SERVICE_NAME, NULL if unset */
	struct rn_otlp_kv rattrs[RN_OTLP_RATTR_MAX];	/* OTEL_RESOURCE_ATTRIBUTES */
	unsigned nrattrs;
	char rattr_buf[RN_OTLP_KVBUF];
	struct rn_otlp_kv headers[RN_OTLP_HEADERS_MAX];	/* never printed */
	unsigned nheaders;
	char header_buf[RN_OTLP_KVBUF];

	/* distributed context (TRACEPARENT, TRACESTATE) */
	int has_parent;
	uint8_t trace_id[16];
	uint8_t parent_span_id[8];
	uint8_t trace_flags;
	const char *trace_state;

	/* the environment's values, before the command line */
	int sdk_disabled;	/* OTEL_SDK_DISABLED=true */
	const char *env_endpoint;	/* resolved traces URL from the env */
	int env_protocol_set, env_gzip_set, env_timeout_set;
	uint32_t env_set;	/* RN_OTLP_SET_* given by OTEL_BSP_* */
	struct rn_otlp_tuning env_tune;

	/* the command line's */
	int no_otlp;		/* --no-otlp */
	const char *opt_endpoint, *opt_file;
	uint32_t opt_set;	/* RN_OTLP_SET_* given by flags */
	struct rn_otlp_tuning opt_tune;
	int perf_mode_set;
	enum rn_perf_mode perf_mode;

	/* metrics, sampling and span filters (otlp_metrics_env.c) */
	int metrics;		/* final: OTLP metrics are aggregated and exported */
	int spans;		/* final: spans are built (0 with --metrics-only) */
	const char *metrics_endpoint;	/* final: full metrics URL, NULL: none */
	char metrics_endpoint_buf[2048];
	const char *env_metrics_endpoint;	/* from OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT */
	int env_metrics_off;	/* OTEL_METRICS_EXPORTER=none */
	uint32_t metric_interval_ms;	/* OTEL_METRIC_EXPORT_INTERVAL (60000) */
	/* the metrics transport, final after rn_otlp_settle_metrics: a flag,
	 * else OTEL_EXPORTER_OTLP_METRICS_*, else the generic variable, else
	 * the default (the traces' _TRACES_ forms never apply to metrics) */
	enum rn_otlp_proto m_protocol;
	int m_gzip;
	int m_zstd;
	uint32_t m_timeout_ms;
	const char *m_cert, *m_client_cert, *m_client_key;
	struct rn_otlp_kv m_headers[RN_OTLP_HEADERS_MAX];	/* never printed */
	unsigned m_nheaders;
	char m_header_buf[RN_OTLP_KVBUF];
	int m_env_protocol, m_env_gzip;	/* -1: no variable set it */
	uint32_t m_env_timeout_ms;	/* 0: no variable set it */
	int metrics_only;	/* --metrics-only */
	int no_metrics;		/* --no-metrics */
	enum rn_sampler sampler;	/* OTEL_TRACES_SAMPLER */
	double sampler_ratio;	/* OTEL_TRACES_SAMPLER_ARG, for the ratio samplers */
	uint64_t span_min_ns;	/* --span-min-duration: faster calls get no span */
	int span_errors;	/* --span-errors: failed calls always get a span */
};

/* The presets of --perf-mode. */
extern const struct rn_otlp_tuning rn_perf_presets[3];

/* rn_otlp_env_read: defaults, then every OTEL_* variable, TRACEPARENT and
 * TRACESTATE. Bad values are warned about once and ignored. */
void rn_otlp_env_read(struct rn_otlp_opts *x);

/* rn_otlp_settle: command line over environment over preset; decides
 * whether the sink runs. default_outputs: the user chose no other output
 * (no -c, -C, -o, --format). Returns 0, or -1 with *why set when the
 * combination is invalid (the caller names the option). */
int rn_otlp_settle(struct rn_otlp_opts *x, int default_outputs, const char **bad_opt,
		   const char **why);

/* rn_otlp_env_read_metrics (otlp_metrics_env.c): OTEL_METRIC_EXPORT_INTERVAL,
 * OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT, OTEL_METRICS_EXPORTER,
 * OTEL_TRACES_SAMPLER[_ARG]; bad values warned about once and ignored.
 * Called by rn_otlp_env_read. */
void rn_otlp_env_read_metrics(struct rn_otlp_opts *x);

/* rn_otlp_settle_metrics: after rn_otlp_settle decided the traces side:
 * whether metrics and spans run, and the metrics URL (the per-signal
 * variable, else derived from --otlp-endpoint's .../v1/traces, else from
 * OTEL_EXPORTER_OTLP_ENDPOINT). Called by rn_otlp_settle. */
void rn_otlp_settle_metrics(struct rn_otlp_opts *x);

/* rn_otlp_sampled: the sampler's decision for a trace (otlp_sampler.c):
 * 1 to record and export its spans, 0 to drop them. has_parent: the trace
 * continues a parent context (remote: from TRACEPARENT, else a local
 * parent), whose sampled flag is parent_sampled. */
int rn_otlp_sampled(enum rn_sampler s, double ratio, const uint8_t trace_id[16], int has_parent,
		    int remote, int parent_sampled);

/* rn_otlp_sampler_parse: name and argument into *s and *ratio. Returns 0,
 * or -1 (name unknown) or -2 (argument not a number in [0, 1]), with *s
 * and *ratio unchanged. arg may be NULL (the ratio samplers take 1.0). */
int rn_otlp_sampler_parse(const char *name, const char *arg, enum rn_sampler *s, double *ratio);

/* rn_otlp_parse_duration: "10us", "1.5ms", "250ns", "2s" into ns. Returns
 * 0, or -1 when s is not a non-negative number with one of those units. */
int rn_otlp_parse_duration(const char *s, uint64_t *ns);

/* rn_otlp_endpoint_check: 0 when url is an http:// or https:// URL. */
int rn_otlp_endpoint_check(const char *url);

/* rn_otlp_parse_traceparent: W3C trace-context version 00. Returns 0 and
 * fills the ids and flags, or -1 when s is not valid (all-zero ids,
 * version ff, wrong length or characters). */
int rn_otlp_parse_traceparent(const char *s, uint8_t trace_id[16], uint8_t span_id[8],
			      uint8_t *flags);

/* rn_otlp_parse_kvlist: "k=v,k2=v2" with percent-encoded values into at
 * most max pairs, their decoded strings in buf[0..cap). Returns the number
 * of pairs, or -1 on a decoding error, more than max pairs or more than
 * cap bytes. Never allocates. */
int rn_otlp_parse_kvlist(const char *s, struct rn_otlp_kv *out, unsigned max, char *buf,
			 size_t cap);

/* rn_otlp_headers_valid: 1 when each of the n headers has a token for a
 * name (RFC 9110) and no CR or LF in its value, else 0. Used for the
 * traces' and the metrics' header variables alike. */
int rn_otlp_headers_valid(const struct rn_otlp_kv *h, unsigned n);

#endif
