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
#include "../common/filter.h"
#include "../common/record.h"

const char rn_opts_usage[] =
	"usage: renacer-run [options] [--] program [args...]\n"
	"       renacer-exporter [--daemon] --session-dir DIR [options]\n"
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
	"  --format FMT       text (strace-like, the default), json (one object per line)\n"
	"                     or perfetto (Chrome trace-event JSON for ui.perfetto.dev\n"
	"                     and chrome://tracing; also 'chrome')\n"
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
	"  --complete         also record the calls made inside libc and raw syscall\n"
	"                     instructions (syscall user dispatch; slower: docs/COVERAGE.md)\n"
	"  --session-dir DIR  exporter only: drain the session in DIR until SIGTERM\n"
	"                     (or a 'stop' request on its control socket)\n"
	"  --daemon           with --session-dir: run as a service for any number of\n"
	"                     programs (containers) over days; DIR is made (0700)\n"
	"                     when missing (renacer.service, README)\n"
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
	"  --metrics-only            OTLP metrics, no spans: the always-on mode\n"
	"  --no-metrics              spans, no OTLP metrics (also OTEL_METRICS_EXPORTER=none)\n"
	"  --span-min-duration D     calls faster than D (e.g. 10us, 1ms) get no span;\n"
	"                            metrics still count them\n"
	"  --span-errors             failed calls get a span whatever their duration\n"
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
	"Environment of the traced programs (renacer-run sets them; docs/SETTINGS.md):\n"
	"  @SETTINGS@\n"
	"OpenTelemetry: OTEL_EXPORTER_OTLP_[TRACES_]{ENDPOINT,HEADERS,COMPRESSION,TIMEOUT,\n"
	"  PROTOCOL,CERTIFICATE,CLIENT_CERTIFICATE,CLIENT_KEY}, OTEL_SERVICE_NAME,\n"
	"  OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_{SCHEDULE_DELAY,EXPORT_TIMEOUT,MAX_QUEUE_SIZE,\n"
	"  MAX_EXPORT_BATCH_SIZE}, OTEL_SDK_DISABLED, TRACEPARENT, TRACESTATE,\n"
	"  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, OTEL_METRIC_EXPORT_INTERVAL,\n"
	"  OTEL_METRICS_EXPORTER, OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG\n";

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
	else if (opt)
		snprintf(e->msg, e->cap, "%s: %s", opt, why);
	else
		snprintf(e->msg, e->cap, "%s", why);
	/* a value with a newline must not make a second line */
	for (char *c = e->msg; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	return RN_OPTS_ERROR;
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
	struct rn_filter f;
	if (rn_filter_parse(&f, spec, &bad, &badlen)) {
		char what[128];
		if (!badlen)
			return rn_bad_opt(e, opt, spec, "empty set");
		snprintf(what, sizeof what, "unknown syscall or class '%.*s'", (int)(badlen > 64 ? 64 : badlen), bad);
		return rn_bad_opt(e, opt, spec, what);
	}
	o->shim.trace = spec;
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
	rn_settings_read(&o->shim, getenv, rn_env_warn);
	rn_otlp_env_read(&o->otlp);
}

enum { OPT_FORMAT = 256, OPT_ON_FULL, OPT_SESSION_DIR, OPT_OTLP_ENDPOINT, OPT_OTLP_PROTOCOL,
       OPT_OTLP_COMPRESSION, OPT_OTLP_FILE, OPT_OTLP_BATCH, OPT_OTLP_DELAY, OPT_OTLP_QUEUE,
       OPT_OTLP_TIMEOUT, OPT_POOL_SIZE, OPT_POOL_DISABLE, OPT_PERF_MODE, OPT_CAPTURE_ARGV,
       OPT_NO_OTLP, OPT_STATUS, OPT_SPOOL_DIR, OPT_SPOOL_MAX, OPT_REPLAY, OPT_ALLOW_UID,
       OPT_REDACT, OPT_COMPLETE, OPT_DAEMON, OPT_METRICS_ONLY, OPT_NO_METRICS, OPT_SPAN_MIN,
       OPT_SPAN_ERRORS };

/* The modes of a run, and which options mean something in each: an
 * option given where it means nothing is refused, never ignored. */
enum rn_mode { RN_M_RUN = 1, RN_M_DAEMON = 2, RN_M_STATUS = 4, RN_M_REPLAY = 8 };
#define RN_M_TRACE (RN_M_RUN | RN_M_DAEMON)	/* options of the exporter that drains */

static unsigned rn_opt_modes(int c)
{
	switch (c) {
	case 'e': case 's': case OPT_ON_FULL: case OPT_COMPLETE:
		return RN_M_RUN;	/* settings of the traced programs */
	case OPT_STATUS:
		return RN_M_STATUS;
	case OPT_SESSION_DIR: case OPT_DAEMON:
		return RN_M_DAEMON;
	case OPT_REPLAY:
		return RN_M_REPLAY;
	case OPT_OTLP_ENDPOINT: case OPT_OTLP_PROTOCOL: case OPT_OTLP_COMPRESSION:
	case OPT_OTLP_TIMEOUT: case 'q':
		return RN_M_TRACE | RN_M_REPLAY;
	default:
		return RN_M_TRACE;
	}
}

/* Why an option means nothing in a mode, for the error line. */
static const char *rn_mode_why(unsigned mode)
{
	switch (mode) {
	case RN_M_DAEMON:
		return "has no effect with --session-dir: the traced programs' own RENACER_* "
		       "variables decide it";
	case RN_M_STATUS:
		return "has no effect with --status";
	case RN_M_REPLAY:
		return "has no effect with --replay";
	default:
		return "has no effect without a program to run";
	}
}

#define RN_GIVEN_MAX 64

/* An option as given, for rn_check_modes. */
struct rn_given {
	int c;
	const char *name;	/* "-e", or a long option's name without -- */
};

/* Refuses the first option given that means nothing in o's mode. */
static int rn_check_modes(struct rn_perr *e, const struct rn_opts *o, const struct rn_given *given,
			  unsigned n)
{
	unsigned mode = o->status_dir ? RN_M_STATUS : o->replay_dir ? RN_M_REPLAY
			: o->session_dir ? RN_M_DAEMON : RN_M_RUN;
	for (unsigned i = 0; i < n; i++) {
		if (rn_opt_modes(given[i].c) & mode)
			continue;
		char name[40];
		snprintf(name, sizeof name, "%s%s", given[i].c >= 256 ? "--" : "", given[i].name);
		return rn_bad_opt(e, name, NULL, rn_mode_why(mode));
	}
	return 0;
}

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
	case OPT_METRICS_ONLY:
		x->metrics_only = 1;
		return 1;
	case OPT_NO_METRICS:
		x->no_metrics = 1;
		return 1;
	case OPT_SPAN_MIN:
		if (rn_otlp_parse_duration(arg, &x->span_min_ns))
			return rn_bad_opt(e, "--span-min-duration", arg,
					  "expected a duration with its unit: ns, us, ms or s (e.g. 10us)");
		return 1;
	case OPT_SPAN_ERRORS:
		x->span_errors = 1;
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
	if (x->metrics_only && x->no_otlp)
		return rn_bad_opt(e, "--metrics-only", NULL, "contradicts --no-otlp");
	if (x->metrics_only && !x->enabled && !x->sdk_disabled && !o->replay_dir)
		return rn_bad_opt(e, "--metrics-only", NULL,
				  "nowhere to send metrics: give --otlp-endpoint or --otlp-file");
	if (!x->enabled || !x->file || (flags & RN_OPTS_NO_FILES))
		return 0;
	/* The default file is made new, with the first spans (otlp_file.c):
	 * only the directory is asked about now, and nothing at the name is
	 * touched (it may be a planted link). */
	if (x->file_is_default && faccessat(AT_FDCWD, ".", W_OK | X_OK, AT_EACCESS) == 0)
		return 0;
	if (x->file_is_default)
		goto no_default;
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
no_default:
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
	if (o->otlp.spool_dir && !(flags & RN_OPTS_NO_FILES) && stat(o->otlp.spool_dir, &st) == 0 &&
	    !S_ISDIR(st.st_mode))
		return rn_bad_opt(e, "--spool-dir", o->otlp.spool_dir, "not a directory");
	return 0;
}

/* One option of the table above: 0 when it was applied, RN_OPTS_ERROR
 * when its value is bad (e says why), 1 when c is not one of them. */
static int rn_one_opt(struct rn_perr *e, struct rn_opts *o, int c, const char *arg)
{
	const char *why;
	int rc;
	switch (c) {
	case 'o':
		if (!*arg)
			return rn_bad_opt(e, "-o", arg, "empty file name");
		o->output = arg;
		break;
	case 'c':
		o->summary = 1;
		break;
	case 'C':
		o->summary_too = 1;
		break;
	case 'S':
		if (rn_parse_sortby(arg, &o->sortby))
			return rn_bad_opt(e, "-S", arg,
					  "expected time, calls, errors, name, avg-time, max-time or nothing");
		break;
	case 'e':
		if ((rc = rn_set_filter(e, o, "-e", arg)))
			return rc;
		break;
	case 's':
		if (rn_setting_set(&o->shim, RN_SET_STRSIZE, arg, &why))
			return rn_bad_opt(e, "-s", arg, why);
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
		if (!strcmp(arg, "text"))
			o->format = RN_FMT_TEXT;
		else if (!strcmp(arg, "json"))
			o->format = RN_FMT_JSON;
		else if (!strcmp(arg, "perfetto") || !strcmp(arg, "chrome"))
			o->format = RN_FMT_CHROME;
		else
			return rn_bad_opt(e, "--format", arg, "expected text, json or perfetto");
		break;
	case OPT_ON_FULL:
		if (rn_setting_set(&o->shim, RN_SET_ON_FULL, arg, &why))
			return rn_bad_opt(e, "--on-full", arg, why);
		break;
	case OPT_COMPLETE:
		if (rn_setting_set(&o->shim, RN_SET_COMPLETE, "1", &why))
			return rn_bad_opt(e, "--complete", NULL, why);
		break;
	case OPT_SESSION_DIR:
		if (!*arg)
			return rn_bad_opt(e, "--session-dir", arg, "empty directory name");
		o->session_dir = arg;
		break;
	case OPT_DAEMON:
		o->daemon = 1;
		break;
	case OPT_STATUS:
		if (!*arg)
			return rn_bad_opt(e, "--status", arg, "empty directory name");
		o->status_dir = arg;
		break;
	case OPT_SPOOL_DIR:
		if (!*arg)
			return rn_bad_opt(e, "--spool-dir", arg, "empty directory name");
		o->otlp.spool_dir = arg;
		break;
	case OPT_SPOOL_MAX:
		/* 0: no spool; at most 1 TiB */
		if (rn_parse_u32(arg, 0, 1u << 20, &o->otlp.spool_max_mb, &why))
			return rn_bad_opt(e, "--spool-max-mb", arg, why);
		break;
	case OPT_REPLAY:
		if (!*arg)
			return rn_bad_opt(e, "--replay", arg, "empty directory name");
		o->replay_dir = arg;
		break;
	case OPT_ALLOW_UID:
		if ((rc = rn_set_allow_uids(e, o, arg)))
			return rc;
		break;
	case OPT_REDACT:
		if ((rc = rn_set_redact(e, o, arg)))
			return rc;
		break;
	default:
		return c >= OPT_OTLP_ENDPOINT && (rc = rn_otlp_opt(e, o, c, arg)) ? (rc < 0 ? rc : 0) : 1;
	}
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
		{ "daemon", no_argument, NULL, OPT_DAEMON },
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
		{ "metrics-only", no_argument, NULL, OPT_METRICS_ONLY },
		{ "no-metrics", no_argument, NULL, OPT_NO_METRICS },
		{ "span-min-duration", required_argument, NULL, OPT_SPAN_MIN },
		{ "span-errors", no_argument, NULL, OPT_SPAN_ERRORS },
		{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },
		{ "spool-max-mb", required_argument, NULL, OPT_SPOOL_MAX },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "allow-uid", required_argument, NULL, OPT_ALLOW_UID },
		{ "redact-paths", required_argument, NULL, OPT_REDACT },
		{ "complete", no_argument, NULL, OPT_COMPLETE },
		{ NULL, 0, NULL, 0 },
	};
	struct rn_perr e = { msg, cap };
	if (cap)
		msg[0] = '\0';
	memset(o, 0, sizeof *o);
	o->otlp.spool_max_mb = RN_SPOOL_MB_DEFAULT;
	rn_opts_env(o);

	opterr = 0;
	optind = 0;	/* glibc: a full reset, also of a cluster left half read */
	int c, rc, li;
	char optname[3] = "-?";
	/* the options given, checked against the mode once it is known */
	struct rn_given given[RN_GIVEN_MAX];
	unsigned ngiven = 0;
	static const char shortname[] = "-o\0-c\0-C\0-S\0-e\0-s\0-t\0-T\0-f\0-q";
	while ((c = getopt_long(argc, argv, "+:o:cCS:e:s:tTfqhV", longopts, &li)) != -1) {
		optname[1] = (char)optopt;
		if (ngiven < RN_GIVEN_MAX && c != '?' && c != ':') {
			const char *sn = c < 256 ? memchr(shortname, c, sizeof shortname) : NULL;
			given[ngiven].c = c;
			given[ngiven++].name = c >= 256 ? longopts[li].name : sn ? sn - 1 : "?";
		}
		switch (c) {
		case 'h':
			return RN_OPTS_HELP;
		case 'V':
			return RN_OPTS_VERSION;
		case ':':
			return rn_bad_opt(&e, optopt && optopt < 256 ? optname : argv[optind - 1], NULL,
					  "missing argument");
		default:
			rc = rn_one_opt(&e, o, c, optarg);
			if (rc <= 0) {
				if (rc)
					return rc;
				break;
			}
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
	if (o->daemon && !o->session_dir)
		return rn_bad_opt(&e, "--daemon", NULL, "needs --session-dir DIR");
	if (!o->argv && !o->session_dir && !o->status_dir && !o->replay_dir)
		return rn_bad_opt(&e, NULL, NULL,
				  "no program to run (usage: renacer-run [options] -- program [args])");
	if (o->argv && o->session_dir)
		return rn_bad_opt(&e, "--session-dir", o->session_dir, "cannot be combined with a program to run");
	if ((rc = rn_check_modes(&e, o, given, ngiven)))
		return rc;
	o->otlp.quiet = o->quiet;
	o->otlp.program = o->argv ? o->argv[0] : NULL;
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
	case RN_OPTS_HELP: {
		/* the variables' names come from the table they are read with */
		char names[512];
		size_t n = 0, line = 0;
		for (unsigned i = 0; i < RN_NSETTINGS && n < sizeof names; i++) {
			int wrap = line > 50;
			int k = snprintf(names + n, sizeof names - n, "%s%s", !i ? "" : wrap ? ",\n  " : ", ",
					 rn_setting_info[i].env);
			line = wrap ? (size_t)k - 4 : line + (size_t)k;
			n += (size_t)k;
		}
		const char *at = strstr(rn_opts_usage, "@SETTINGS@");
		printf("%.*s%s%s", (int)(at - rn_opts_usage), rn_opts_usage, names, at + 10);
		exit(0);
	}
	case RN_OPTS_VERSION:
		printf("renacer %s\n", RENACER_VERSION);
		exit(0);
	default:
		fprintf(stderr, "renacer: %s\n", msg);
		exit(2);
	}
}
