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

#endif
