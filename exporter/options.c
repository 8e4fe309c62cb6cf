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
#include <regex.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/arena.h"
#include "../common/record.h"

const char rn_opts_usage[] =
	"usage: renacer-run [options] [--] program [args...]\n"
	"       renacer-exporter --session-dir DIR [options]\n"
	"       renacer-exporter --status DIR\n"
	"       renacer-exporter --replay DIR [--otlp-endpoint URL]\n"
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
	"  --on-full=POLICY   when a ring is full: block (default: wait while the\n"
	"                     exporter is alive; lossless) or drop (never wait;\n"
	"                     counted and reported)\n"
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
	"  --spool-dir DIR           keep batches the receiver cannot take in DIR (default\n"
	"                            $XDG_STATE_HOME/renacer/spool or ~/.local/state/...)\n"
	"  --spool-max-mb N          the spool's size limit (default 256; 0: no spool)\n"
	"  --replay DIR              send the batches spooled in DIR, then exit (0: all\n"
	"                            acknowledged)\n"
	"\n"
	"Security:\n"
	"  --allow-uid UID[,UID...]  also read arenas owned by these users\n"
	"  --redact-paths REGEX      replace what REGEX (POSIX extended) matches in paths\n"
	"                            and strings with [REDACTED], in every output\n"
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

/* Where a parse error goes: one line, kept for the caller. */
struct rn_perr {
	char *msg;
	size_t cap;
};

/* Records the error line naming opt; returns RN_OPTS_ERROR. A value is
 * shown cut at 200 bytes, so that the line stays one line of text. */
static int rn_bad_opt(struct rn_perr *e, const char *opt, const char *val, const char *why)
{
	if (val)
		snprintf(e->msg, e->cap, "%s: invalid value '%.200s': %s", opt, val, why);
	else
		snprintf(e->msg, e->cap, "%s: %s", opt, why);
	/* a value with a newline must not make a second line */
	for (char *c = e->msg; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	return RN_OPTS_ERROR;
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

static int rn_set_filter(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *spec)
{
	const char *bad;
	unsigned badlen;
	if (strncmp(spec, "trace=", 6) && strchr(spec, '='))
		return rn_bad_opt(e, opt, spec, "only trace=SET is supported");
	if (rn_filter_parse(&o->filter, spec, &bad, &badlen)) {
		char what[128];
		if (!badlen)
			return rn_bad_opt(e, opt, spec, "empty set");
		snprintf(what, sizeof what, "unknown syscall or class '%.*s'", (int)(badlen > 64 ? 64 : badlen), bad);
		return rn_bad_opt(e, opt, spec, what);
	}
	o->filter_spec = spec;
	return 0;
}

/* --allow-uid UID[,UID...]: decimal uids, at most RN_ALLOW_UIDS_MAX in
 * all (the option may be repeated). */
static int rn_set_allow_uids(struct rn_perr *e, struct rn_opts *o, const char *arg)
{
	const char *p = arg, *why;
	if (!*p)
		return rn_bad_opt(e, "--allow-uid", arg, "expected UID[,UID...]");
	while (*p) {
		char one[16];
		size_t l = strcspn(p, ",");
		uint32_t uid;
		if (!l || l >= sizeof one)
			return rn_bad_opt(e, "--allow-uid", arg, "expected UID[,UID...]");
		memcpy(one, p, l);
		one[l] = '\0';
		/* (uid_t)-1 means "no change" to the kernel: never an owner */
		if (rn_parse_u32(one, 0, UINT32_MAX - 1, &uid, &why))
			return rn_bad_opt(e, "--allow-uid", arg, why);
		if (o->nallow_uids == RN_ALLOW_UIDS_MAX)
			return rn_bad_opt(e, "--allow-uid", arg, "too many uids (at most 32)");
		o->allow_uids[o->nallow_uids++] = uid;
		p += l;
		if (*p == ',' && !*++p)
			return rn_bad_opt(e, "--allow-uid", arg, "expected UID[,UID...]");
	}
	return 0;
}

/* --redact-paths REGEX: a POSIX extended regex that compiles. */
static int rn_set_redact(struct rn_perr *e, struct rn_opts *o, const char *arg)
{
	if (!*arg)
		return rn_bad_opt(e, "--redact-paths", arg, "empty regular expression");
	if (strlen(arg) > 1024)
		return rn_bad_opt(e, "--redact-paths", arg, "longer than 1024 bytes");
	regex_t re;
	int rc = regcomp(&re, arg, REG_EXTENDED);
	if (rc) {
		char why[128];
		regerror(rc, &re, why, sizeof why);
		return rn_bad_opt(e, "--redact-paths", arg, why);
	}
	regfree(&re);
	o->redact_re = arg;
	return 0;
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
       OPT_NO_OTLP, OPT_STATUS, OPT_SPOOL_DIR, OPT_SPOOL_MAX, OPT_REPLAY, OPT_ALLOW_UID,
       OPT_REDACT };

#define RN_OTLP_MS_MAX 3600000u
#define RN_OTLP_SPANS_MAX 1000000u

/* The --otlp-* options and their kin; returns 0 when c was not one, 1
 * when it was, RN_OPTS_ERROR when its value is bad. */
static int rn_otlp_opt(struct rn_perr *e, struct rn_opts *o, int c, const char *arg)
{
	struct rn_otlp_opts *x = &o->otlp;
	const char *why;
	switch (c) {
	case OPT_OTLP_ENDPOINT:
		if (rn_otlp_endpoint_check(arg))
			return rn_bad_opt(e, "--otlp-endpoint", arg, "expected an http:// or https:// URL");
		x->opt_endpoint = arg;
		return 1;
	case OPT_OTLP_PROTOCOL:
		if (!strcmp(arg, "http/protobuf"))
			x->protocol = RN_OTLP_PROTOBUF;
		else if (!strcmp(arg, "http/json"))
			x->protocol = RN_OTLP_JSON;
		else
			return rn_bad_opt(e, "--otlp-protocol", arg, "expected http/protobuf or http/json");
		return 1;
	case OPT_OTLP_COMPRESSION:
		if (!strcmp(arg, "gzip"))
			x->gzip = 1;
		else if (!strcmp(arg, "none"))
			x->gzip = 0;
		else
			return rn_bad_opt(e, "--otlp-compression", arg, "expected gzip or none");
		return 1;
	case OPT_OTLP_FILE:
		if (!*arg)
			return rn_bad_opt(e, "--otlp-file", arg, "empty file name");
		x->opt_file = arg;
		return 1;
	case OPT_OTLP_BATCH:
		if (rn_parse_u32(arg, 1, RN_OTLP_SPANS_MAX, &x->opt_tune.batch, &why))
			return rn_bad_opt(e, "--otlp-batch-size", arg, why);
		x->opt_set |= RN_OTLP_SET_BATCH;
		return 1;
	case OPT_OTLP_DELAY:
		if (rn_parse_u32(arg, 1, RN_OTLP_MS_MAX, &x->opt_tune.delay_ms, &why))
			return rn_bad_opt(e, "--otlp-batch-delay", arg, why);
		x->opt_set |= RN_OTLP_SET_DELAY;
		return 1;
	case OPT_OTLP_QUEUE:
		if (rn_parse_u32(arg, 1, RN_OTLP_SPANS_MAX, &x->opt_tune.queue, &why))
			return rn_bad_opt(e, "--otlp-queue-size", arg, why);
		x->opt_set |= RN_OTLP_SET_QUEUE;
		return 1;
	case OPT_OTLP_TIMEOUT:
		if (rn_parse_u32(arg, 1, RN_OTLP_MS_MAX, &x->timeout_ms, &why))
			return rn_bad_opt(e, "--otlp-timeout", arg, why);
		return 1;
	case OPT_POOL_SIZE:
		if (rn_parse_u32(arg, 1, RN_OTLP_SPANS_MAX, &x->opt_tune.pool, &why))
			return rn_bad_opt(e, "--span-pool-size", arg, why);
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
			return rn_bad_opt(e, "--perf-mode", arg, "expected balanced, aggressive or low-latency");
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
static int rn_otlp_finish_opts(struct rn_perr *e, struct rn_opts *o, unsigned flags)
{
	struct rn_otlp_opts *x = &o->otlp;
	const char *bad, *why;
	/* a replay writes no trace: it must not choose a default file */
	int default_outputs = !o->output && !o->summary && !o->summary_too && !o->format_set &&
			      !o->replay_dir;
	if (rn_otlp_settle(x, default_outputs, &bad, &why))
		return rn_bad_opt(e, bad, NULL, why);
	if (!x->enabled || !x->file || (flags & RN_OPTS_NO_FILES))
		return 0;
	/* Can it be written? Asked without leaving a file behind: a run that
	 * never starts (a later error, a missing program) must not leave an
	 * empty trace file; the sink creates it when it starts. */
	int fd = open(x->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd >= 0) {
		close(fd);
		unlink(x->file);
		return 0;
	}
	if (errno == EEXIST && (fd = open(x->file, O_WRONLY | O_CLOEXEC | O_NOCTTY)) >= 0) {
		close(fd);
		return 0;
	}
	if (!x->file_is_default)
		return rn_bad_opt(e, "--otlp-file", x->file, strerror(errno));
	/* our own choice of file: say so, and go on without it */
	fprintf(stderr, "renacer: warning: cannot write %s in the current directory: %s; "
		"no OTLP file\n", x->file, strerror(errno));
	x->file = NULL;
	x->file_is_default = 0;
	x->enabled = x->endpoint != NULL;
	return 0;
}

/* The spool and replay options, once everything else is known. */
static int rn_spool_finish_opts(struct rn_perr *e, struct rn_opts *o, unsigned flags)
{
	struct stat st;
	if (o->replay_dir) {
		if (o->argv || o->session_dir || o->status_dir)
			return rn_bad_opt(e, "--replay", o->replay_dir,
					  "takes no program, --session-dir or --status");
		if (!o->otlp.endpoint)
			return rn_bad_opt(e, "--replay", o->replay_dir,
					  "no endpoint (--otlp-endpoint or OTEL_EXPORTER_OTLP_ENDPOINT)");
		if (!(flags & RN_OPTS_NO_FILES) && (stat(o->replay_dir, &st) || !S_ISDIR(st.st_mode)))
			return rn_bad_opt(e, "--replay", o->replay_dir, "not a directory");
	}
	if (o->spool_dir && !(flags & RN_OPTS_NO_FILES) && stat(o->spool_dir, &st) == 0 &&
	    !S_ISDIR(st.st_mode))
		return rn_bad_opt(e, "--spool-dir", o->spool_dir, "not a directory");
	return 0;
}

int rn_opts_parse_r(struct rn_opts *o, int argc, char **argv, unsigned flags, char *msg,
		    size_t cap)
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
		{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },
		{ "spool-max-mb", required_argument, NULL, OPT_SPOOL_MAX },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "allow-uid", required_argument, NULL, OPT_ALLOW_UID },
		{ "redact-paths", required_argument, NULL, OPT_REDACT },
		{ NULL, 0, NULL, 0 },
	};
	struct rn_perr e = { msg, cap };
	if (cap)
		msg[0] = '\0';
	memset(o, 0, sizeof *o);
	o->strsize = RN_STRSIZE_DEFAULT;
	o->ring_size = RN_RING_CAP_DEFAULT;
	o->rings = RN_RINGS_DEFAULT;
	o->spool_max_mb = RN_SPOOL_MB_DEFAULT;
	/* lossless unless asked: a burst waits for the exporter (only while
	 * its heartbeat is fresh) instead of vanishing from the trace */
	o->on_full = RN_ON_FULL_BLOCK;
	rn_filter_all(&o->filter);
	rn_opts_env(o);

	opterr = 0;
	optind = 0;	/* glibc: a full reset, also of a cluster left half read */
	int c, rc;
	char optname[3] = "-?";
	while ((c = getopt_long(argc, argv, "+:o:cCS:e:s:tTfqhV", longopts, NULL)) != -1) {
		const char *why;
		optname[1] = (char)optopt;
		switch (c) {
		case 'o':
			if (!*optarg)
				return rn_bad_opt(&e, "-o", optarg, "empty file name");
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
				return rn_bad_opt(&e, "-S", optarg,
						  "expected time, calls, errors, name, avg-time, max-time or nothing");
			break;
		case 'e':
			if ((rc = rn_set_filter(&e, o, "-e", optarg)))
				return rc;
			break;
		case 's':
			if (rn_parse_u32(optarg, 0, RN_STRSIZE_MAX, &o->strsize, &why))
				return rn_bad_opt(&e, "-s", optarg, why);
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
				return rn_bad_opt(&e, "--format", optarg, "expected text or json");
			break;
		case OPT_ON_FULL:
			if (!strcmp(optarg, "drop"))
				o->on_full = RN_ON_FULL_DROP;
			else if (!strcmp(optarg, "block"))
				o->on_full = RN_ON_FULL_BLOCK;
			else
				return rn_bad_opt(&e, "--on-full", optarg, "expected drop or block");
			break;
		case OPT_SESSION_DIR:
			if (!*optarg)
				return rn_bad_opt(&e, "--session-dir", optarg, "empty directory name");
			o->session_dir = optarg;
			break;
		case OPT_STATUS:
			if (!*optarg)
				return rn_bad_opt(&e, "--status", optarg, "empty directory name");
			o->status_dir = optarg;
			break;
		case OPT_SPOOL_DIR:
			if (!*optarg)
				return rn_bad_opt(&e, "--spool-dir", optarg, "empty directory name");
			o->spool_dir = optarg;
			break;
		case OPT_SPOOL_MAX:
			/* 0: no spool; at most 1 TiB */
			if (rn_parse_u32(optarg, 0, 1u << 20, &o->spool_max_mb, &why))
				return rn_bad_opt(&e, "--spool-max-mb", optarg, why);
			break;
		case OPT_REPLAY:
			if (!*optarg)
				return rn_bad_opt(&e, "--replay", optarg, "empty directory name");
			o->replay_dir = optarg;
			break;
		case OPT_ALLOW_UID:
			if ((rc = rn_set_allow_uids(&e, o, optarg)))
				return rc;
			break;
		case OPT_REDACT:
			if ((rc = rn_set_redact(&e, o, optarg)))
				return rc;
			break;
		case 'h':
			return RN_OPTS_HELP;
		case 'V':
			return RN_OPTS_VERSION;
		case ':':
			return rn_bad_opt(&e, optopt && optopt < 256 ? optname : argv[optind - 1], NULL,
					  "missing argument");
		default:
			rc = c >= OPT_OTLP_ENDPOINT ? rn_otlp_opt(&e, o, c, optarg) : 0;
			if (rc < 0)
				return rc;
			if (rc)
				break;
			if (optopt && optopt < 256)
				return rn_bad_opt(&e, optname, NULL, "unknown option");
			return rn_bad_opt(&e, argv[optind - 1], NULL, "unknown option");
		}
	}
	if (o->summary && o->summary_too)
		return rn_bad_opt(&e, "-c", NULL, "cannot be combined with -C");
	if (optind < argc)
		o->argv = argv + optind;
	if (o->status_dir && (o->argv || o->session_dir))
		return rn_bad_opt(&e, "--status", o->status_dir, "takes no program and no --session-dir");
	if (!o->argv && !o->session_dir && !o->status_dir && !o->replay_dir)
		return rn_bad_opt(&e, "renacer", NULL,
				  "no program to run (usage: renacer-run [options] -- program [args])");
	if (o->argv && o->session_dir)
		return rn_bad_opt(&e, "--session-dir", o->session_dir, "cannot be combined with a program to run");
	if ((rc = rn_otlp_finish_opts(&e, o, flags)))
		return rc;
	return rn_spool_finish_opts(&e, o, flags);
}

void rn_opts_parse(struct rn_opts *o, int argc, char **argv)
{
	char msg[512];
	switch (rn_opts_parse_r(o, argc, argv, 0, msg, sizeof msg)) {
	case RN_OPTS_OK:
		return;
	case RN_OPTS_HELP:
		fputs(rn_opts_usage, stdout);
		exit(0);
	case RN_OPTS_VERSION:
		printf("renacer %s\n", RENACER_VERSION);
		exit(0);
	default:
		fprintf(stderr, "renacer: %s\n", msg);
		exit(2);
	}
}
