/* options.c: the command line and RENACER_* environment of renacer-run and
 * renacer-exporter. The only code, with main, allowed to print and exit:
 * a bad option exits 2 with one line naming it; a bad environment value
 * warns once and keeps the default.
 */
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/arena.h"
#include "../common/record.h"

static const char rn_usage[] =
	"usage: renacer-run [options] [--] program [args...]\n"
	"       renacer-exporter --session-dir DIR [options]\n"
	"       renacer-exporter --status DIR\n"
	"\n"
	"Trace the system calls of a program (and all its children) through\n"
	"LD_PRELOAD, with the exporter draining shared-memory rings beside it.\n"
	"\n"
	"Output:\n"
	"  -o FILE            write the trace to FILE instead of stderr\n"
	"  -c                 count time, calls and errors per syscall; print a summary\n"
	"  -C                 like -c, but also print the calls\n"
	"  -S SORTBY          sort the summary by time (default), calls, errors, name,\n"
	"                     avg-time, max-time or nothing\n"
	"  --format FMT       text (strace-like, the default) or json (one object per line)\n"
	"  -t, -tt, -ttt      prefix each line with the time of day, with microseconds,\n"
	"                     or as seconds since the epoch\n"
	"  -T                 show the time spent in each call\n"
	"  -s N               keep at most N bytes of each string (default 255, max 4096)\n"
	"  -q                 suppress notes on stderr\n"
	"\n"
	"Filtering:\n"
	"  -e trace=SET       trace only SET: syscall or libc names, classes (%file,\n"
	"                     %desc, %network, %process, %memory, %signal, %ipc, %time,\n"
	"                     %poll), 'all' or 'none'; a leading ! negates the set\n"
	"  -f                 follow children (always on; accepted for strace habits)\n"
	"\n"
	"Capture:\n"
	"  --on-full=POLICY   when a ring is full: drop (default; counted and reported)\n"
	"                     or block (wait for the exporter: lossless)\n"
	"  --session-dir DIR  exporter only: drain the session in DIR until SIGTERM\n"
	"                     (or a 'stop' request on its control socket)\n"
	"  --status DIR       print the figures of the exporter draining DIR (JSON)\n"
	"\n"
	"OpenTelemetry (spans; see docs/OTLP.md). Without -c, -C, -o or --format, and\n"
	"with no endpoint, the trace is also written to renacer-PID.otlp.jsonl:\n"
	"  --otlp-endpoint URL       send spans to this OTLP/HTTP traces URL, as is\n"
	"                            (else OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT)\n"
	"  --otlp-protocol P         http/protobuf (default) or http/json\n"
	"  --otlp-compression C      gzip (default) or none\n"
	"  --otlp-file FILE          write OTLP JSON lines (Collector file format) to FILE\n"
	"  --otlp-batch-size N       spans per request (default 512)\n"
	"  --otlp-batch-delay MS     longest wait between exports (default 1000)\n"
	"  --otlp-queue-size N       spans waiting for export, at most (default 2048)\n"
	"  --otlp-timeout MS         time for one HTTP request (default 10000)\n"
	"  --span-pool-size N        spans preallocated (default 1024; the pool grows)\n"
	"  --span-pool-disable       allocate every span on its own (debugging)\n"
	"  --perf-mode MODE          balanced (default), aggressive or low-latency:\n"
	"                            pool/batch/delay/queue 1024/512/1000/2048,\n"
	"                            4096/2048/5000/8192, 256/128/100/512\n"
	"  --capture-argv            add process.command_args to process spans\n"
	"  --no-otlp                 no spans at all (also OTEL_SDK_DISABLED=true)\n"
	"\n"
	"  -h, --help         show this help\n"
	"  -V, --version      show the version\n"
	"\n"
	"Environment (for the traced program; renacer-run sets them):\n"
	"  RENACER_SESSION_DIR, RENACER_TRACE, RENACER_STRSIZE, RENACER_ON_FULL,\n"
	"  RENACER_RING_SIZE (records per ring, power of two), RENACER_RINGS,\n"
	"  RENACER_DEBUG=1 (the shim explains on stderr why it is not tracing)\n"
	"OpenTelemetry: OTEL_EXPORTER_OTLP_[TRACES_]{ENDPOINT,HEADERS,COMPRESSION,TIMEOUT,\n"
	"  PROTOCOL,CERTIFICATE,CLIENT_CERTIFICATE,CLIENT_KEY}, OTEL_SERVICE_NAME,\n"
	"  OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_{SCHEDULE_DELAY,EXPORT_TIMEOUT,MAX_QUEUE_SIZE,\n"
	"  MAX_EXPORT_BATCH_SIZE}, OTEL_SDK_DISABLED, TRACEPARENT, TRACESTATE\n";

static void __attribute__((noreturn)) rn_bad_opt(const char *opt, const char *val, const char *why)
{
	if (val)
		fprintf(stderr, "renacer: %s: invalid value '%s': %s\n", opt, val, why);
	else
		fprintf(stderr, "renacer: %s: %s\n", opt, why);
	exit(2);
}

void rn_env_warn(const char *name, const char *value, const char *why)
{
	fprintf(stderr, "renacer: warning: %s='%s' ignored: %s\n", name, value, why);
}

/* Parses a decimal in [lo, hi]; returns 0, or -1 with *why set. */
static int rn_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out, const char **why)
{
	char *end;
	if (!*s || *s == '-' || *s == '+' || *s == ' ') {
		*why = "expected a non-negative integer";
		return -1;
	}
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end) {
		*why = "expected a non-negative integer";
		return -1;
	}
	if (errno == ERANGE || v < lo || v > hi) {
		*why = "out of range";
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int rn_parse_sortby(const char *s, enum rn_sortby *out)
{
	static const struct { const char *name; enum rn_sortby v; } keys[] = {
		{ "time", RN_SORT_TIME }, { "total-time", RN_SORT_TIME },
		{ "calls", RN_SORT_CALLS }, { "count", RN_SORT_CALLS },
		{ "errors", RN_SORT_ERRORS }, { "name", RN_SORT_NAME },
		{ "syscall", RN_SORT_NAME }, { "nothing", RN_SORT_NOTHING },
		{ "none", RN_SORT_NOTHING }, { "max-time", RN_SORT_MAX },
		{ "avg-time", RN_SORT_AVG },
	};
	for (unsigned i = 0; i < sizeof keys / sizeof *keys; i++)
		if (!strcmp(s, keys[i].name)) {
			*out = keys[i].v;
			return 0;
		}
	return -1;
}

static void rn_set_filter(struct rn_opts *o, const char *opt, const char *spec)
{
	const char *bad;
	unsigned badlen;
	if (strncmp(spec, "trace=", 6) && strchr(spec, '='))
		rn_bad_opt(opt, spec, "only trace=SET is supported");
	if (rn_filter_parse(&o->filter, spec, &bad, &badlen)) {
		char what[128];
		if (!badlen)
			rn_bad_opt(opt, spec, "empty set");
		snprintf(what, sizeof what, "unknown syscall or class '%.*s'", (int)badlen, bad);
		rn_bad_opt(opt, spec, what);
	}
	o->filter_spec = spec;
}

/* Environment defaults, read before the command line so options win. */
static void rn_opts_env(struct rn_opts *o)
{
	const char *v, *why;
	uint32_t n;
	if ((v = getenv("RENACER_STRSIZE")) && *v) {
		if (rn_parse_u32(v, 0, RN_STRSIZE_MAX, &n, &why))
			rn_env_warn("RENACER_STRSIZE", v, why);
		else
			o->strsize = n;
	}
	if ((v = getenv("RENACER_ON_FULL")) && *v) {
		if (!strcmp(v, "drop"))
			o->on_full = RN_ON_FULL_DROP;
		else if (!strcmp(v, "block"))
			o->on_full = RN_ON_FULL_BLOCK;
		else
			rn_env_warn("RENACER_ON_FULL", v, "expected drop or block");
	}
	if ((v = getenv("RENACER_RING_SIZE")) && *v) {
		if (rn_parse_u32(v, RN_RING_CAP_MIN, RN_RING_CAP_MAX, &n, &why))
			rn_env_warn("RENACER_RING_SIZE", v, why);
		else if (n & (n - 1))
			rn_env_warn("RENACER_RING_SIZE", v, "not a power of two");
		else
			o->ring_size = n;
	}
	if ((v = getenv("RENACER_RINGS")) && *v) {
		if (rn_parse_u32(v, 1, RN_RINGS_MAX, &n, &why))
			rn_env_warn("RENACER_RINGS", v, why);
		else
			o->rings = n;
	}
	rn_otlp_env_read(&o->otlp);
	if ((v = getenv("RENACER_TRACE")) && *v) {
		const char *bad;
		unsigned badlen;
		struct rn_filter f;
		if (rn_filter_parse(&f, v, &bad, &badlen))
			rn_env_warn("RENACER_TRACE", v, "unknown syscall or class");
		else {
			o->filter = f;
			o->filter_spec = v;
		}
	}
}

enum { OPT_FORMAT = 256, OPT_ON_FULL, OPT_SESSION_DIR, OPT_OTLP_ENDPOINT, OPT_OTLP_PROTOCOL,
       OPT_OTLP_COMPRESSION, OPT_OTLP_FILE, OPT_OTLP_BATCH, OPT_OTLP_DELAY, OPT_OTLP_QUEUE,
       OPT_OTLP_TIMEOUT, OPT_POOL_SIZE, OPT_POOL_DISABLE, OPT_PERF_MODE, OPT_CAPTURE_ARGV,
       OPT_NO_OTLP, OPT_STATUS };

#define RN_OTLP_MS_MAX 3600000u
#define RN_OTLP_SPANS_MAX 1000000u

/* The --otlp-* options and their kin; returns 0 when c was not one. */
static int rn_otlp_opt(struct rn_opts *o, int c, const char *arg)
{
	struct rn_otlp_opts *x = &o->otlp;
	const char *why;
	switch (c) {
	case OPT_OTLP_ENDPOINT:
		if (rn_otlp_endpoint_check(arg))
			rn_bad_opt("--otlp-endpoint", arg, "expected an http:// or https:// URL");
		x->opt_endpoint = arg;
		return 1;
	case OPT_OTLP_PROTOCOL:
		if (!strcmp(arg, "http/protobuf"))
			x->protocol = RN_OTLP_PROTOBUF;
		else if (!strcmp(arg, "http/json"))
			x->protocol = RN_OTLP_JSON;
		else
			rn_bad_opt("--otlp-protocol", arg, "expected http/protobuf or http/json");
		return 1;
	case OPT_OTLP_COMPRESSION:
		if (!strcmp(arg, "gzip"))
			x->gzip = 1;
		else if (!strcmp(arg, "none"))
			x->gzip = 0;
		else
			rn_bad_opt("--otlp-compression", arg, "expected gzip or none");
		return 1;
	case OPT_OTLP_FILE:
		if (!*arg)
			rn_bad_opt("--otlp-file", arg, "empty file name");
		x->opt_file = arg;
		return 1;
	case OPT_OTLP_BATCH:
		if (rn_parse_u32(arg, 1, RN_OTLP_SPANS_MAX, &x->opt_tune.batch, &why))
			rn_bad_opt("--otlp-batch-size", arg, why);
		x->opt_set |= RN_OTLP_SET_BATCH;
		return 1;
	case OPT_OTLP_DELAY:
		if (rn_parse_u32(arg, 1, RN_OTLP_MS_MAX, &x->opt_tune.delay_ms, &why))
			rn_bad_opt("--otlp-batch-delay", arg, why);
		x->opt_set |= RN_OTLP_SET_DELAY;
		return 1;
	case OPT_OTLP_QUEUE:
		if (rn_parse_u32(arg, 1, RN_OTLP_SPANS_MAX, &x->opt_tune.queue, &why))
			rn_bad_opt("--otlp-queue-size", arg, why);
		x->opt_set |= RN_OTLP_SET_QUEUE;
		return 1;
	case OPT_OTLP_TIMEOUT:
		if (rn_parse_u32(arg, 1, RN_OTLP_MS_MAX, &x->timeout_ms, &why))
			rn_bad_opt("--otlp-timeout", arg, why);
		return 1;
	case OPT_POOL_SIZE:
		if (rn_parse_u32(arg, 1, RN_OTLP_SPANS_MAX, &x->opt_tune.pool, &why))
			rn_bad_opt("--span-pool-size", arg, why);
		x->opt_set |= RN_OTLP_SET_POOL;
		return 1;
	case OPT_POOL_DISABLE:
		x->pool_disable = 1;
		return 1;
	case OPT_PERF_MODE:
		if (!strcmp(arg, "balanced"))
			x->perf_mode = RN_PERF_BALANCED;
		else if (!strcmp(arg, "aggressive"))
			x->perf_mode = RN_PERF_AGGRESSIVE;
		else if (!strcmp(arg, "low-latency"))
			x->perf_mode = RN_PERF_LOW_LATENCY;
		else
			rn_bad_opt("--perf-mode", arg, "expected balanced, aggressive or low-latency");
		x->perf_mode_set = 1;
		return 1;
	case OPT_CAPTURE_ARGV:
		x->capture_argv = 1;
		return 1;
	case OPT_NO_OTLP:
		x->no_otlp = 1;
		return 1;
	default:
		return 0;
	}
}

/* After the command line: final OTLP settings, and the file is checked
 * now, while an error can still stop the run before it starts. */
static void rn_otlp_finish_opts(struct rn_opts *o)
{
	struct rn_otlp_opts *x = &o->otlp;
	const char *bad, *why;
	int default_outputs = !o->output && !o->summary && !o->summary_too && !o->format_set;
	if (rn_otlp_settle(x, default_outputs, &bad, &why))
		rn_bad_opt(bad, NULL, why);
	if (!x->enabled || !x->file)
		return;
	int fd = open(x->file, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd >= 0) {
		close(fd);
		return;
	}
	if (!x->file_is_default)
		rn_bad_opt("--otlp-file", x->file, strerror(errno));
	/* our own choice of file: say so, and go on without it */
	fprintf(stderr, "renacer: warning: cannot write %s in the current directory: %s; "
		"no OTLP file\n", x->file, strerror(errno));
	x->file = NULL;
	x->file_is_default = 0;
	x->enabled = x->endpoint != NULL;
}

void rn_opts_parse(struct rn_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "on-full", required_argument, NULL, OPT_ON_FULL },
		{ "session-dir", required_argument, NULL, OPT_SESSION_DIR },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "otlp-endpoint", required_argument, NULL, OPT_OTLP_ENDPOINT },
		{ "otlp-protocol", required_argument, NULL, OPT_OTLP_PROTOCOL },
		{ "otlp-compression", required_argument, NULL, OPT_OTLP_COMPRESSION },
		{ "otlp-file", required_argument, NULL, OPT_OTLP_FILE },
		{ "otlp-batch-size", required_argument, NULL, OPT_OTLP_BATCH },
		{ "otlp-batch-delay", required_argument, NULL, OPT_OTLP_DELAY },
		{ "otlp-queue-size", required_argument, NULL, OPT_OTLP_QUEUE },
		{ "otlp-timeout", required_argument, NULL, OPT_OTLP_TIMEOUT },
		{ "span-pool-size", required_argument, NULL, OPT_POOL_SIZE },
		{ "span-pool-disable", no_argument, NULL, OPT_POOL_DISABLE },
		{ "perf-mode", required_argument, NULL, OPT_PERF_MODE },
		{ "capture-argv", no_argument, NULL, OPT_CAPTURE_ARGV },
		{ "no-otlp", no_argument, NULL, OPT_NO_OTLP },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	o->strsize = RN_STRSIZE_DEFAULT;
	o->ring_size = RN_RING_CAP_DEFAULT;
	o->rings = RN_RINGS_DEFAULT;
	rn_filter_all(&o->filter);
	rn_opts_env(o);

	opterr = 0;
	optind = 1;
	int c;
	char optname[3] = "-?";
	while ((c = getopt_long(argc, argv, "+:o:cCS:e:s:tTfqhV", longopts, NULL)) != -1) {
		const char *why;
		optname[1] = (char)optopt;
		switch (c) {
		case 'o':
			if (!*optarg)
				rn_bad_opt("-o", optarg, "empty file name");
			o->output = optarg;
			break;
		case 'c':
			o->summary = 1;
			break;
		case 'C':
			o->summary_too = 1;
			break;
		case 'S':
			if (rn_parse_sortby(optarg, &o->sortby))
				rn_bad_opt("-S", optarg,
					   "expected time, calls, errors, name, avg-time, max-time or nothing");
			break;
		case 'e':
			rn_set_filter(o, "-e", optarg);
			break;
		case 's':
			if (rn_parse_u32(optarg, 0, RN_STRSIZE_MAX, &o->strsize, &why))
				rn_bad_opt("-s", optarg, why);
			break;
		case 't':
			if (o->tstamp < RN_TS_TTT)
				o->tstamp++;
			break;
		case 'T':
			o->durations = 1;
			break;
		case 'f':
			break;
		case 'q':
			o->quiet = 1;
			break;
		case OPT_FORMAT:
			o->format_set = 1;
			if (!strcmp(optarg, "text"))
				o->format = RN_FMT_TEXT;
			else if (!strcmp(optarg, "json"))
				o->format = RN_FMT_JSON;
			else
				rn_bad_opt("--format", optarg, "expected text or json");
			break;
		case OPT_ON_FULL:
			if (!strcmp(optarg, "drop"))
				o->on_full = RN_ON_FULL_DROP;
			else if (!strcmp(optarg, "block"))
				o->on_full = RN_ON_FULL_BLOCK;
			else
				rn_bad_opt("--on-full", optarg, "expected drop or block");
			break;
		case OPT_SESSION_DIR:
			if (!*optarg)
				rn_bad_opt("--session-dir", optarg, "empty directory name");
			o->session_dir = optarg;
			break;
		case OPT_STATUS:
			if (!*optarg)
				rn_bad_opt("--status", optarg, "empty directory name");
			o->status_dir = optarg;
			break;
		case 'h':
			fputs(rn_usage, stdout);
			exit(0);
		case 'V':
			printf("renacer %s\n", RENACER_VERSION);
			exit(0);
		case ':':
			rn_bad_opt(optopt && optopt < 256 ? optname : argv[optind - 1], NULL, "missing argument");
		default:
			if (c >= OPT_OTLP_ENDPOINT && rn_otlp_opt(o, c, optarg))
				break;
			if (optopt && optopt < 256)
				rn_bad_opt(optname, NULL, "unknown option");
			rn_bad_opt(argv[optind - 1], NULL, "unknown option");
		}
	}
	if (o->summary && o->summary_too)
		rn_bad_opt("-c", NULL, "cannot be combined with -C");
	if (optind < argc)
		o->argv = argv + optind;
	if (o->status_dir && (o->argv || o->session_dir))
		rn_bad_opt("--status", o->status_dir, "takes no program and no --session-dir");
	if (!o->argv && !o->session_dir && !o->status_dir)
		rn_bad_opt("renacer", NULL, "no program to run (usage: renacer-run [options] -- program [args])");
	if (o->argv && o->session_dir)
		rn_bad_opt("--session-dir", o->session_dir, "cannot be combined with a program to run");
	rn_otlp_finish_opts(o);
}
