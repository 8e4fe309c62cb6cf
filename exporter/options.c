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
#include <pwd.h>
#include <regex.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/arena.h"
#include "../common/filter.h"
#include "../common/inject.h"
#include "../common/record.h"
#include "decode/escape.h"
#include "decode/names.h"
#include "fdtable.h"
#include "decode/siginfo.h"

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
	"  -o '|COMMAND'      pipe the trace to COMMAND (run by /bin/sh; also '!COMMAND');\n"
	"                     renacer-run waits for it, and says when it fails\n"
	"  -ff                with -o FILE: each process's (and thread's) lines in\n"
	"                     FILE.PID, without [pid N] prefixes; without -o, as -f\n"
	"  -c                 count time, calls and errors per syscall; print a summary\n"
	"  -C                 like -c, but also print the calls\n"
	"  -S SORTBY          sort the summary by time (default), calls, errors, name,\n"
	"                     avg-time, min-time, max-time or nothing\n"
	"  -U COLUMNS         the summary's columns, in order: time-percent, total-time,\n"
	"                     avg-time, calls, errors, name, min-time, max-time, p50-time,\n"
	"                     p99-time (default: all but min-time, name last); with\n"
	"                     --format json, -c and -C print one JSON summary object\n"
	"  --format FMT       text (strace-like, the default), json (one object per line)\n"
	"                     or perfetto (Chrome trace-event JSON for ui.perfetto.dev\n"
	"                     and chrome://tracing; also 'chrome')\n"
	"  -t, -tt, -ttt      prefix each line with the time of day, with microseconds,\n"
	"                     or as seconds since the epoch\n"
	"  -T                 show the time spent in each call\n"
	"  -r                 prefix each line with the time since the line before\n"
	"  -s N               keep at most N bytes of each string (default 255, max 4096)\n"
	"                     and of each data buffer (default 32, as strace)\n"
	"  --data-size N      bytes kept of each buffer read or written (read, write,\n"
	"                     send, recv...); 0: only its address. Default: -s's for\n"
	"                     text output, 0 for JSON and OTLP\n"
	"  -x                 print a string holding non-printable bytes in hex (\\xNN)\n"
	"  -xx                print every string in hex\n"
	"  --strings-in-hex[=WHICH]  none, non-ascii (-x) or all (-xx, the default)\n"
	"  -v, --no-abbrev    print structures whole (stat, termios...), not with ...\n"
	"  -e read=FD[,FD]    dump in hex and ASCII the whole data read from these\n"
	"                     descriptors (below 1024; 8192 bytes a call at most)\n"
	"  -e write=FD[,FD]   the same for data written to them\n"
	"  -q                 suppress notes on stderr; -qq: and the +++ exited lines\n"
	"  -w                 accepted: -c's times are wall-clock time already\n"
	"\n"
	"Filtering:\n"
	"  -e trace=SET       trace only SET: syscall or libc names (any x86-64 system\n"
	"                     call), classes (%file, %desc, %network, %process, %memory,\n"
	"                     %signal, %ipc, %stat, %lstat, %fstat, %%stat, %statfs,\n"
	"                     %fstatfs, %%statfs, %creds, %clock, %pure, %time, %poll),\n"
	"                     'all' or 'none'; a leading ! negates the set; vDSO calls\n"
	"                     (clock_gettime, gettimeofday, time, getcpu) only by name\n"
	"  -f                 follow children (always on; accepted for strace habits)\n"
	"  -e inject=SET:error=ERRNO[:when=EXPR]\n"
	"                     fault injection, as strace: the calls of SET (those the\n"
	"                     shim wraps) fail with ERRNO instead of being made;\n"
	"                     :retval=N returns N instead, :delay_enter=US and\n"
	"                     :delay_exit=US sleep; when=FIRST[..LAST][+[STEP]] counts\n"
	"                     each thread's calls (default: all). Repeatable (8 rules)\n"
	"  -z, -Z             show only successful / only failed calls\n"
	"  -e status=SET      show only calls ending so: successful, failed, unfinished,\n"
	"                     detached (never: renacer does not detach), all, none\n"
	"  -e signal=SET      show only these caught signals (--- SIGCHLD {...} --- lines;\n"
	"                     names, numbers, all, none, ! negates; also --signal=SET).\n"
	"                     Caught signals only: those delivered to a handler the\n"
	"                     program installed (not ignored or default ones)\n"
	"  -p PID             refused: attaching needs ptrace (use --session-dir)\n"
	"  -y                 print the path behind each descriptor: read(3</etc/passwd>,\n"
	"                     ...), AT_FDCWD</cwd>, = 3</tmp/x> (--decode-fds[=path])\n"
	"  -yy                also sockets' protocol and endpoints (TCP:[A:P->B:Q]) and\n"
	"                     devices' numbers (--decode-fds=all)\n"
	"  --decode-fds=SET   path, socket, dev, all or none (pidfd accepted, no effect)\n"
	"  -P PATH            only the calls on PATH, by a path argument or through a\n"
	"                     descriptor open on it (--trace-path; repeatable, 256)\n"
	"strace's long spellings: --output, --trace, --summary-only (-c), --summary\n"
	"  (-C), --summary-sort-by (-S), --summary-columns (-U), --output-separately\n"
	"  (-ff), --string-limit (-s), --follow-forks, --absolute-timestamps[=unix,us],\n"
	"  --relative-timestamps, --syscall-times, --quiet; --seccomp-bpf is accepted\n"
	"  and ignored (no ptrace stops to filter)\n"
	"\n"
	"Capture:\n"
	"  --on-full=POLICY   when a ring is full: block (default: wait while the\n"
	"                     exporter is alive; lossless) or drop (never wait;\n"
	"                     counted and reported)\n"
	"  --complete         also record the calls made inside libc and raw syscall\n"
	"                     instructions (syscall user dispatch; slower: docs/COVERAGE.md)\n"
	"  -k                 show the calling stack of each call, symbolized (16 frames)\n"
	"  --stack-depth N    record N frames of each call's stack (0..64; -k: 16)\n"
	"  --by-site          with -c or -C: count per call site (the program's line that\n"
	"                     made the call) instead of per syscall; implies -k\n"
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
	"  --otlp-compression C      gzip (default), zstd (the Collector takes it) or none\n"
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
		/* strace's other spellings */
		{ "time-total", RN_SORT_TIME }, { "time-percent", RN_SORT_TIME },
		{ "error", RN_SORT_ERRORS }, { "syscall-name", RN_SORT_NAME },
		{ "time-max", RN_SORT_MAX }, { "longest", RN_SORT_MAX },
		{ "time-avg", RN_SORT_AVG }, { "min-time", RN_SORT_MIN },
		{ "time-min", RN_SORT_MIN }, { "shortest", RN_SORT_MIN },
	};
	char w[24];
	size_t l = strlen(s);
	if (l >= sizeof w)
		return -1;
	for (size_t i = 0; i <= l; i++)	/* time_total as well as time-total */
		w[i] = s[i] == '_' ? '-' : s[i];
	s = w;
	for (unsigned i = 0; i < sizeof keys / sizeof *keys; i++)
		if (!strcmp(s, keys[i].name)) {
			*out = keys[i].v;
			return 0;
		}
	return -1;
}

/* Why a name of -e trace= is refused: a real system call no wrapped libc
 * function makes (so no record can ever carry it) is not "unknown". */
static void rn_filter_unknown_why(char *what, size_t cap, const char *bad, unsigned badlen)
{
	int n = (int)(badlen > 64 ? 64 : badlen);
	for (uint64_t nr = 0; nr < 1024; nr++) {
		const char *name = rn_sysno_name(nr);
		if (name && strlen(name) == badlen && !strncmp(name, bad, badlen)) {
			snprintf(what, cap, "'%.*s' is a system call renacer cannot trace in this mode "
				 "(no wrapped libc function makes it: docs/SYSCALLS.md)", n, bad);
			return;
		}
	}
	snprintf(what, cap, "unknown syscall or class '%.*s'", n, bad);
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
		rn_filter_unknown_why(what, sizeof what, bad, badlen);
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
		char one[64];
		size_t l = strcspn(p, ",");
		uint32_t uid;
		if (!l || l >= sizeof one)
			return rn_bad_opt(e, "--allow-uid", arg, "expected UID[,UID...]");
		memcpy(one, p, l);
		one[l] = '\0';
		/* a user name, as chown takes one; else a number */
		struct passwd *pw = *one >= '0' && *one <= '9' ? NULL : getpwnam(one);
		if (pw) {
			uid = (uint32_t)pw->pw_uid;
		} else if (*one < '0' || *one > '9') {
			return rn_bad_opt(e, "--allow-uid", arg, "no such user");
		/* (uid_t)-1 means "no change" to the kernel: never an owner */
		} else if (rn_parse_u32(one, 0, UINT32_MAX - 1, &uid, &why)) {
			return rn_bad_opt(e, "--allow-uid", arg, why);
		}
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
       OPT_REDACT, OPT_COMPLETE, OPT_DAEMON, OPT_STACK_DEPTH, OPT_BY_SITE,
       OPT_METRICS_ONLY, OPT_NO_METRICS, OPT_SPAN_MIN, OPT_SPAN_ERRORS, OPT_SEPARATELY,
       /* strace's long spellings (rn_strace_opt) */
       OPT_S_TRACE, OPT_S_ABSTS, OPT_S_RELTS, OPT_S_SYSTIMES, OPT_S_QUIET, OPT_S_SECCOMP,
       OPT_S_SIGNAL };
/* decode's options (data capture, fault injection), numbered apart */
enum { OPT_DATA_SIZE = 512, OPT_STRHEX, OPT_NO_ABBREV };
/* descriptors: -y's and -P's long spellings (rn_fds_opt), numbered apart */
enum { OPT_DECODE_FDS = 640, OPT_TRACE_PATH };

/* The modes of a run, and which options mean something in each: an
 * option given where it means nothing is refused, never ignored. */
enum rn_mode { RN_M_RUN = 1, RN_M_DAEMON = 2, RN_M_STATUS = 4, RN_M_REPLAY = 8 };
#define RN_M_TRACE (RN_M_RUN | RN_M_DAEMON)	/* options of the exporter that drains */

static unsigned rn_opt_modes(int c)
{
	switch (c) {
	case 'e': case 's': case OPT_ON_FULL: case OPT_COMPLETE: case OPT_DATA_SIZE: case 'k':
	case OPT_STACK_DEPTH: case OPT_S_TRACE: case OPT_S_SECCOMP:
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
		x->opt_set |= RN_OTLP_SET_PROTOCOL;
		return 1;
	case OPT_OTLP_COMPRESSION:
		if (!strcmp(arg, "gzip"))
			x->gzip = 1, x->zstd = 0;
		else if (!strcmp(arg, "none"))
			x->gzip = 0, x->zstd = 0;
		else if (!strcmp(arg, "zstd"))	/* not in the OTLP specification: opt-in */
			x->gzip = 0, x->zstd = 1;
		else
			return rn_bad_opt(e, "--otlp-compression", arg, "expected gzip, zstd or none");
		x->opt_set |= RN_OTLP_SET_COMPRESSION;
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
		x->opt_set |= RN_OTLP_SET_TIMEOUT;
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

/* -e inject=SET:error=ERRNO[:when=EXPR] (:retval=N, :delay_enter=US,
 * :delay_exit=US), repeatable: checked here, with errno names turned
 * into numbers for the shim (RENACER_INJECT, rules joined by ';'). */
static int rn_errno_by_name(const char *n, unsigned len)
{
	for (size_t i = 0; i < rn_xlat_errnos_n; i++)
		if (strlen(rn_xlat_errnos[i].name) == len && !memcmp(rn_xlat_errnos[i].name, n, len))
			return (int)rn_xlat_errnos[i].val;
	return -1;
}

static int rn_inject_opt(struct rn_perr *e, struct rn_opts *o, const char *spec)
{
	struct rn_inject_rule r;
	const char *why;
	size_t len = strlen(spec);
	if (len >= RN_INJECT_SPEC_MAX ||
	    rn_inject_parse(&r, spec, (unsigned)len, rn_errno_by_name, &why))
		return rn_bad_opt(e, "-e inject", spec, len >= RN_INJECT_SPEC_MAX ? "too long" : why);
	if (o->inject_n == RN_INJECT_MAX)
		return rn_bad_opt(e, "-e inject", spec, "at most 8 rules");
	char one[RN_INJECT_SPEC_MAX + 16];
	size_t k = strcspn(spec, ":");
	memcpy(one, spec, k);
	one[k] = '\0';
	/* the same fields, the error as its number */
	for (const char *f = spec + k; *f == ':';) {
		size_t fl = strcspn(f + 1, ":");
		if (!strncmp(f + 1, "error=", 6))
			snprintf(one + strlen(one), sizeof one - strlen(one), ":error=%lld",
				 (long long)r.val);
		else
			snprintf(one + strlen(one), sizeof one - strlen(one), ":%.*s", (int)fl, f + 1);
		f += 1 + fl;
	}
	size_t used = strlen(o->inject);
	if (used + strlen(one) + 2 > sizeof o->inject)
		return rn_bad_opt(e, "-e inject", spec, "too many rules");
	snprintf(o->inject + used, sizeof o->inject - used, "%s%s", used ? ";" : "", one);
	o->inject_n++;
	o->shim.inject = o->inject;
	return 0;
}

/* -e read=SET / -e write=SET: descriptors (comma-separated, below
 * RN_DUMP_FDS) whose buffers are dumped whole, as strace; repeatable. The
 * shim learns them from RENACER_DUMP ("READ;WRITE"). */
static int rn_dump_opt(struct rn_perr *e, struct rn_opts *o, const char *spec)
{
	int w = spec[0] == 'w';
	const char *opt = w ? "-e write" : "-e read";
	const char *p = spec + (w ? 6 : 5);
	if (!*p)
		return rn_bad_opt(e, opt, spec, "expected descriptor numbers");
	while (*p) {
		char *end;
		errno = 0;
		long fd = strtol(p, &end, 10);
		if (end == p || (*end && *end != ',') || errno || fd < 0 || fd >= RN_DUMP_FDS)
			return rn_bad_opt(e, opt, spec, "expected descriptors 0..1023, comma-separated");
		o->dump_fds[w][fd / 8] |= (uint8_t)(1u << (fd % 8));
		p = *end ? end + 1 : end;
	}
	/* the setting: every chosen descriptor, read ones then written */
	size_t n = 0;
	for (int d = 0; d < 2; d++) {
		int first = 1;
		if (d)
			n += (size_t)snprintf(o->dump + n, sizeof o->dump - n, ";");
		for (int fd = 0; fd < RN_DUMP_FDS && n < sizeof o->dump; fd++) {
			if (!(o->dump_fds[d][fd / 8] & (1u << (fd % 8))))
				continue;
			n += (size_t)snprintf(o->dump + n, sizeof o->dump - n, "%s%d", first ? "" : ",", fd);
			first = 0;
		}
	}
	if (n >= sizeof o->dump)
		return rn_bad_opt(e, opt, spec, "too many descriptors");
	o->shim.dump = o->dump;
	return 0;
}

/* Data capture as strace users expect it: the first -s bytes (32 unless
 * -s says otherwise) of each buffer when call lines are printed as text;
 * none for JSON, OTLP or a summary, unless --data-size asks. The
 * environment's RENACER_DATASIZE counts as asking. */
static void rn_data_finish_opts(struct rn_opts *o)
{
	if (o->datasize_given || getenv("RENACER_DATASIZE"))
		return;
	int text_lines = o->format == RN_FMT_TEXT && !o->summary;
	uint32_t n = o->strsize_given ? o->shim.strsize : 32;
	o->shim.datasize = text_lines ? (n < RN_DATASIZE_MAX ? n : RN_DATASIZE_MAX) : 0;
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

/* Strings the options keep a pointer to for the run (the trace set of the
 * last -e trace= or --trace): held here so they stay reachable. The
 * options point only at the newest, so a string older than the last 16
 * is freed (a parser run many times, as the fuzz target does, keeps 16). */
static char *rn_kept[16];
static unsigned rn_nkept;

static char *rn_keep(char *p)
{
	if (p) {
		unsigned i = rn_nkept++ % (sizeof rn_kept / sizeof *rn_kept);
		free(rn_kept[i]);
		rn_kept[i] = p;
	}
	return p;
}

/* Appends one name to the expanded set; 0, or -1 when it does not fit. */
static int rn_trace_add(char *out, size_t cap, size_t *len, const char *name, size_t n)
{
	if (*len + n + 2 >= cap)
		return -1;
	if (out[*len - 1] != '=' && out[*len - 1] != '!')
		out[(*len)++] = ',';
	memcpy(out + *len, name, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* strace's -e trace= forms the set parser does not know: /REGEX/ (every
 * syscall or libc name it matches) and ?NAME (NAME if it exists, else
 * nothing). Writes the plain set ("trace=[!]a,b,...") to *out (allocated,
 * kept for the run) or leaves *out NULL when spec needs neither form. */
static int rn_trace_expand(struct rn_perr *e, const char *opt, const char *spec, char **out)
{
	*out = NULL;
	const char *p = spec + 6;
	if (strncmp(spec, "trace=", 6) || (!strchr(p, '/') && !strchr(p, '?')))
		return 0;
	size_t cap = 64 + strlen(spec) + (size_t)RN_NFUNCS * 24, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return rn_bad_opt(e, opt, spec, "out of memory");
	len = (size_t)snprintf(buf, cap, "trace=%s", *p == '!' ? "!" : "");
	p += *p == '!';
	int added = 0;
	while (*p) {
		size_t n = *p == '/' && strchr(p + 1, '/') ? (size_t)(strchr(p + 1, '/') - p) + 1 : strcspn(p, ",");
		int optional = *p == '?';
		const char *item = p + optional;
		size_t il = n - (size_t)optional;
		if (il >= 2 && item[0] == '/' && item[il - 1] == '/') {
			char re_s[256];
			regex_t re;
			snprintf(re_s, sizeof re_s, "%.*s", (int)(il - 2 < 255 ? il - 2 : 255), item + 1);
			if (regcomp(&re, re_s, REG_EXTENDED | REG_NOSUB))
				return free(buf), rn_bad_opt(e, opt, spec, "bad regular expression");
			int hit = 0;
			for (unsigned i = 0; i < RN_NFUNCS; i++) {
				const char *nm = rn_fns[i].sys;
				if (regexec(&re, nm, 0, NULL, 0))
					continue;
				if (rn_trace_add(buf, cap, &len, nm, strlen(nm)))
					return regfree(&re), free(buf), rn_bad_opt(e, opt, spec, "too long");
				hit = added = 1;
			}
			regfree(&re);
			if (!hit && !optional)
				return free(buf), rn_bad_opt(e, opt, spec, "the regular expression matches no syscall");
		} else if (il) {
			char one[128];
			struct rn_filter f;
			const char *bad;
			unsigned badlen;
			snprintf(one, sizeof one, "trace=%.*s", (int)(il < 100 ? il : 100), item);
			if (optional && rn_filter_parse(&f, one, &bad, &badlen)) {
				/* ?NAME: not one we know: nothing */
			} else {
				if (rn_trace_add(buf, cap, &len, item, il))
					return free(buf), rn_bad_opt(e, opt, spec, "too long");
				added = 1;
			}
		}
		p += n;
		p += *p == ',';
	}
	if (!added)	/* every name was optional and unknown: an empty set */
		len = (size_t)snprintf(buf, cap, "trace=%s", spec[6] == '!' ? "all" : "none");
	*out = rn_keep(buf);
	return 0;
}

/* -e status=SET: which outcomes are shown (successful, failed, unfinished,
 * detached, 'all' or 'none', comma-separated, a leading ! negates). */
static int rn_set_status(struct rn_perr *e, struct rn_opts *o, const char *spec)
{
	static const char *const names[] = { "successful", "failed", "unfinished", "detached" };
	const char *p = spec + 7;
	int neg = *p == '!';
	unsigned mask = 0;
	p += neg;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned bit = 0;
		if (n == 3 && !strncmp(p, "all", 3))
			bit = RN_STATUS_ALL;
		else if (n == 4 && !strncmp(p, "none", 4))
			bit = RN_STATUS_NONE_GIVEN;
		for (unsigned i = 0; i < 4 && !bit; i++)
			if (strlen(names[i]) == n && !strncmp(p, names[i], n))
				bit = 1u << i;
		if (!bit)
			return rn_bad_opt(e, "-e", spec,
					  "expected successful, failed, unfinished, detached, all or none");
		mask |= bit & RN_STATUS_ALL;
		p += n + (p[n] == ',');
	}
	if (neg)
		mask = ~mask & RN_STATUS_ALL;
	o->status_mask = mask ? mask : RN_STATUS_NONE_GIVEN;
	return 0;
}

/* -y, -yy, --decode-fds[=SET], -e decode-fds=SET, -P PATH, --trace-path
 * PATH: 0 when applied, RN_OPTS_ERROR (e says why), 1 when c is not one. */
static int rn_fds_opt(struct rn_perr *e, struct rn_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'y':	/* -y: paths; -yy: everything */
		o->decode_fds = o->decode_fds & RN_FDT_PATH ? RN_FDT_PATH | RN_FDT_SOCKET | RN_FDT_DEV
							    : RN_FDT_PATH;
		return 0;
	case OPT_DECODE_FDS: {
		static const struct { const char *name; unsigned v; } kinds[] = {
			{ "none", 0 }, { "path", RN_FDT_PATH }, { "socket", RN_FDT_SOCKET },
			{ "dev", RN_FDT_DEV }, { "pidfd", 0 },
			{ "all", RN_FDT_PATH | RN_FDT_SOCKET | RN_FDT_DEV },
		};
		unsigned v = 0;
		if (!arg) {	/* as strace: --decode-fds alone is path */
			o->decode_fds = RN_FDT_PATH;
			return 0;
		}
		for (const char *p = arg; *p;) {
			size_t n = strcspn(p, ",");
			unsigned k = 0;
			while (k < sizeof kinds / sizeof *kinds &&
			       (strlen(kinds[k].name) != n || strncmp(kinds[k].name, p, n)))
				k++;
			if (k == sizeof kinds / sizeof *kinds)
				return rn_bad_opt(e, "--decode-fds", arg,
						  "expected a list of path, socket, dev, pidfd, all or none");
			v |= kinds[k].v;
			p += n + (p[n] == ',');
		}
		/* what is behind a socket or device is said after its name */
		o->decode_fds = v ? v | RN_FDT_PATH : 0;
		return 0;
	}
	case 'P':
	case OPT_TRACE_PATH:
		if (!*arg)
			return rn_bad_opt(e, c == 'P' ? "-P" : "--trace-path", arg, "empty path");
		if (strlen(arg) >= 4096)
			return rn_bad_opt(e, c == 'P' ? "-P" : "--trace-path", arg, "longer than PATH_MAX");
		if (o->ntrace_paths == RN_TRACE_PATHS_MAX)
			return rn_bad_opt(e, c == 'P' ? "-P" : "--trace-path", arg, "more than 256 paths");
		o->trace_paths[o->ntrace_paths++] = arg;
		return 0;
	default:
		return 1;
	}
}

/* -e signal=SET, --signal=SET: which caught signals are shown */
static int rn_set_signals(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg,
			  const char *spec)
{
	const char *bad;
	size_t badlen;
	uint64_t set;
	if (rn_signal_set_parse(spec, &set, &bad, &badlen)) {
		char why[64];
		snprintf(why, sizeof why, "unknown signal '%.*s'", (int)(badlen < 24 ? badlen : 24), bad);
		return rn_bad_opt(e, opt, arg, why);
	}
	o->signal_filter = 1;
	o->signal_set = set;
	return 0;
}

/* strace's long options and the short ones renacer answers differently:
 * 0 when applied, RN_OPTS_ERROR (e says why), 1 when c is not one. */
static int rn_strace_opt(struct rn_perr *e, struct rn_opts *o, int c, const char *arg)
{
	char spec[4096];
	switch (c) {
	case 'p':
		return rn_bad_opt(e, "-p", NULL,
				  "renacer cannot attach to a running process (that needs ptrace); "
				  "start it under renacer-run, or for a long-running service run "
				  "'renacer-exporter --session-dir DIR' and start the service with "
				  "LD_PRELOAD=librenacer.so RENACER_SESSION_DIR=DIR");
	case 'z':
		o->status_mask = RN_STATUS_SUCCESSFUL;
		return 0;
	case 'w':
		return 0;	/* the summary's times are wall-clock already */
	case 'Z':
		o->status_mask = RN_STATUS_FAILED;
		return 0;
	case OPT_S_TRACE:
		if (snprintf(spec, sizeof spec, "trace=%s", arg) >= (int)sizeof spec)
			return rn_bad_opt(e, "--trace", arg, "too long");
		{
			char *plain;
			int rc = rn_trace_expand(e, "--trace", spec, &plain);
			if (rc)
				return rc;
			if (plain)	/* the set parser's error names the expanded set */
				return rn_set_filter(e, o, "--trace", plain);
			char *keep = rn_keep(strdup(spec));	/* o keeps a pointer to it */
			return keep ? rn_set_filter(e, o, "--trace", keep) : rn_bad_opt(e, "--trace", arg, "out of memory");
		}
	case OPT_S_ABSTS:
		/* --absolute-timestamps[=[format:]time|unix,[precision:]s|ms|us] */
		o->tstamp = RN_TS_T;
		for (const char *p = arg; p && *p;) {
			size_t n = strcspn(p, ",");
			char w[32];
			snprintf(w, sizeof w, "%.*s", (int)(n < 31 ? n : 31), p);
			const char *v = !strncmp(w, "format:", 7) ? w + 7 : !strncmp(w, "precision:", 10) ? w + 10 : w;
			if (!strcmp(v, "unix"))
				o->tstamp = RN_TS_TTT;
			else if (!strcmp(v, "us"))
				o->tstamp = o->tstamp == RN_TS_TTT ? RN_TS_TTT : RN_TS_TT;
			else if (strcmp(v, "time") && strcmp(v, "s"))
				return rn_bad_opt(e, "--absolute-timestamps", arg,
						  "expected format:time|unix and precision:s|us");
			p += n + (p[n] == ',');
		}
		return 0;
	case OPT_S_RELTS:
	case OPT_S_SYSTIMES:
		/* microseconds are what renacer prints; other precisions are not offered */
		if (arg && strcmp(arg, "us") && strcmp(arg, "precision:us"))
			return rn_bad_opt(e, c == OPT_S_RELTS ? "--relative-timestamps" : "--syscall-times",
					  arg, "only microseconds (us) are supported");
		if (c == OPT_S_RELTS)
			o->relative = 1;
		else
			o->durations = 1;
		return 0;
	case OPT_S_QUIET:
		o->quiet = 1;	/* any of strace's --quiet=LIST: renacer's notes are one kind */
		return 0;
	case OPT_S_SIGNAL:
		return rn_set_signals(e, o, "--signal", arg, arg);
	case OPT_S_SECCOMP:
		o->seccomp_bpf = 1;	/* said once parsing is done (rn_opts_parse) */
		return 0;
	default:
		return 1;
	}
}

/* --status and --session-dir name directories: one that is missing, or
 * that the traced programs would refuse (not ours, or writable by others:
 * preload/shim.c), is said now, not after a timeout or a silent session. */
static int rn_check_dirs(struct rn_perr *e, const struct rn_opts *o, unsigned flags)
{
	struct stat st;
	if (flags & RN_OPTS_NO_FILES)
		return 0;
	if (o->status_dir && (stat(o->status_dir, &st) || !S_ISDIR(st.st_mode)))
		return rn_bad_opt(e, "--status", o->status_dir,
				  errno == ENOENT ? "no such directory" : "not a directory");
	if (!o->session_dir)
		return 0;
	if (stat(o->session_dir, &st))
		return errno == ENOENT && o->daemon ? 0	/* --daemon makes it, 0700 */
		       : rn_bad_opt(e, "--session-dir", o->session_dir,
				    errno == ENOENT ? "no such directory" : strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return rn_bad_opt(e, "--session-dir", o->session_dir, "not a directory");
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return rn_bad_opt(e, "--session-dir", o->session_dir,
				  "not private to this user (the traced programs would refuse it): "
				  "use a directory of yours with mode 0700");
	return 0;
}

/* -ff and -o '|command' against the other options, as strace has them */
static int rn_output_finish_opts(struct rn_perr *e, struct rn_opts *o)
{
	int piped = o->output && (o->output[0] == '|' || o->output[0] == '!');
	if (piped && !o->output[1 + strspn(o->output + 1, " \t")])
		return rn_bad_opt(e, "-o", o->output, "no command after the pipe sign");
	if (o->follow < 2)
		return 0;
	if (piped)
		return rn_bad_opt(e, "-ff", NULL, "cannot be combined with -o '|command' (one "
				  "pipe cannot be split per process)");
	if (o->summary)
		return rn_bad_opt(e, "-ff", NULL, "cannot be combined with -c (one summary "
				  "for all processes)");
	if (o->format != RN_FMT_TEXT)
		return rn_bad_opt(e, "-ff", NULL, "writes text lines only (not with --format)");
	/* without -o, strace's -ff is -f: the one output stays one */
	o->separately = o->output != NULL;
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
					  "expected time, calls, errors, name, avg-time, min-time, "
					  "max-time or nothing");
		break;
	case 'U': {
		struct rn_summary_opts so = { 0 };
		if (rn_summary_columns(&so, arg))
			return rn_bad_opt(e, "-U", arg,
					  "expected columns among time-percent, total-time, avg-time, "
					  "calls, errors, name, min-time, max-time, p50-time, p99-time");
		memcpy(o->sum_cols, so.cols, so.ncols);
		o->sum_ncols = so.ncols;
		break;
	}
	case OPT_SEPARATELY:
		o->follow = 2;
		break;
	case 'e':
		if (!strncmp(arg, "decode-fds=", 11) || !strncmp(arg, "decode-fd=", 10))
			return rn_fds_opt(e, o, OPT_DECODE_FDS, strchr(arg, '=') + 1);
		if (!strncmp(arg, "inject=", 7))
			return rn_inject_opt(e, o, arg + 7);
		if (!strncmp(arg, "read=", 5) || !strncmp(arg, "write=", 6))
			return rn_dump_opt(e, o, arg);
		if (!strncmp(arg, "signal=", 7) || !strncmp(arg, "signals=", 8))
			return rn_set_signals(e, o, "-e", arg, arg + (arg[6] == '=' ? 7 : 8));
		if (!strncmp(arg, "status=", 7)) {
			if ((rc = rn_set_status(e, o, arg)))
				return rc;
			break;
		}
		{
			char *plain;
			if ((rc = rn_trace_expand(e, "-e", arg, &plain)))
				return rc;
			if ((rc = rn_set_filter(e, o, "-e", plain ? plain : arg)))
				return rc;
		}
		break;
	case 's':
		if (rn_setting_set(&o->shim, RN_SET_STRSIZE, arg, &why))
			return rn_bad_opt(e, "-s", arg, why);
		o->strsize_given = 1;
		break;
	case 'x':	/* strace's -x, -xx */
		o->strhex = o->strhex < RN_STRHEX_ALL ? o->strhex + 1 : RN_STRHEX_ALL;
		break;
	case OPT_STRHEX:
		if (!arg || !strcmp(arg, "all"))
			o->strhex = RN_STRHEX_ALL;
		else if (!strcmp(arg, "non-ascii"))
			o->strhex = RN_STRHEX_NON_ASCII;
		else if (!strcmp(arg, "none"))
			o->strhex = RN_STRHEX_NONE;
		else
			return rn_bad_opt(e, "--strings-in-hex", arg, "expected none, non-ascii or all");
		break;
	case 'v':
	case OPT_NO_ABBREV:
		o->verbose = 1;
		break;
	case OPT_DATA_SIZE:
		if (rn_setting_set(&o->shim, RN_SET_DATASIZE, arg, &why))
			return rn_bad_opt(e, "--data-size", arg, why);
		o->datasize_given = 1;
		break;
	case 'k':	/* strace's: a stack under each call, 16 frames unless told */
		if (!o->shim.stack_depth)
			o->shim.stack_depth = 16;
		break;
	case OPT_STACK_DEPTH:
		if (rn_setting_set(&o->shim, RN_SET_STACK_DEPTH, arg, &why))
			return rn_bad_opt(e, "--stack-depth", arg, why);
		break;
	case OPT_BY_SITE:
		o->by_site = 1;
		break;
	case 't':
		if (o->tstamp < RN_TS_TTT)
			o->tstamp++;
		break;
	case 'T':
		o->durations = 1;
		break;
	case 'r':
		o->relative = 1;
		break;
	case 'f':
		o->follow++;	/* -ff: a file per process (with -o) */
		break;
	case 'q':
		o->quiet_exits = o->quiet;	/* -qq: no "+++ exited" lines either */
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
		if ((rc = rn_strace_opt(e, o, c, arg)) <= 0)
			return rc;
		if ((rc = rn_fds_opt(e, o, c, arg)) <= 0)
			return rc;
		return c >= OPT_OTLP_ENDPOINT && c < OPT_S_TRACE && (rc = rn_otlp_opt(e, o, c, arg)) ? (rc < 0 ? rc : 0) : 1;
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
		{ "stack-depth", required_argument, NULL, OPT_STACK_DEPTH },
		{ "by-site", no_argument, NULL, OPT_BY_SITE },
		/* decode */
		{ "data-size", required_argument, NULL, OPT_DATA_SIZE },
		{ "strings-in-hex", optional_argument, NULL, OPT_STRHEX },
		{ "no-abbrev", no_argument, NULL, OPT_NO_ABBREV },
		/* strace's long spellings of the same options */
		{ "output", required_argument, NULL, 'o' },
		{ "summary-only", no_argument, NULL, 'c' },
		{ "summary", no_argument, NULL, 'C' },
		{ "string-limit", required_argument, NULL, 's' },
		{ "follow-forks", no_argument, NULL, 'f' },
		{ "trace", required_argument, NULL, OPT_S_TRACE },
		{ "absolute-timestamps", optional_argument, NULL, OPT_S_ABSTS },
		{ "relative-timestamps", optional_argument, NULL, OPT_S_RELTS },
		{ "syscall-times", optional_argument, NULL, OPT_S_SYSTIMES },
		{ "quiet", optional_argument, NULL, OPT_S_QUIET },
		{ "seccomp-bpf", no_argument, NULL, OPT_S_SECCOMP },
		{ "decode-fds", optional_argument, NULL, OPT_DECODE_FDS },
		{ "trace-path", required_argument, NULL, OPT_TRACE_PATH },
		{ "summary-columns", required_argument, NULL, 'U' },
		{ "summary-sort-by", required_argument, NULL, 'S' },
		{ "output-separately", no_argument, NULL, OPT_SEPARATELY },
		{ "signal", required_argument, NULL, OPT_S_SIGNAL },
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
	static const char shortname[] = "-o\0-c\0-C\0-S\0-e\0-s\0-t\0-T\0-f\0-q\0-k\0-r\0-z\0-Z\0-p\0-w\0-y\0-P\0-U\0-x\0-v";
	while ((c = getopt_long(argc, argv, "+:o:cCS:U:e:s:tTrfqkzZp:wyP:xvhV", longopts, &li)) != -1) {
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
	if (o->by_site && !o->summary && !o->summary_too)
		return rn_bad_opt(&e, "--by-site", NULL, "needs -c or -C");
	if ((rc = rn_output_finish_opts(&e, o)))
		return rc;
	if (o->by_site && !o->shim.stack_depth)	/* a site is a stack's frame */
		o->shim.stack_depth = 16;
	if (optind < argc)
		o->argv = argv + optind;
	if (o->status_dir && (o->argv || o->session_dir))
		return rn_bad_opt(&e, "--status", o->status_dir, "takes no program and no --session-dir");
	if (o->daemon && !o->session_dir)
		return rn_bad_opt(&e, "--daemon", NULL, "needs --session-dir DIR");
	if (!o->argv && !o->session_dir && !o->status_dir && !o->replay_dir) {
		/* each command's own usage: renacer-run execs us under its
		 * name (tools/renacer-run) */
		const char *me = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
		me = me ? me + 1 : argc > 0 && argv[0] ? argv[0] : "";
		if (!strcmp(me, "renacer-exporter"))
			return rn_bad_opt(&e, NULL, NULL,
					  "no program to run, no directory to drain (usage: "
					  "renacer-exporter [--daemon] "
					  "--session-dir DIR [options], renacer-exporter --status DIR, "
					  "renacer-exporter --replay DIR; --help for more)");
		return rn_bad_opt(&e, NULL, NULL,
				  "no program to run (usage: renacer-run [options] -- program [args])");
	}
	if (o->argv && o->session_dir)
		return rn_bad_opt(&e, "--session-dir", o->session_dir, "cannot be combined with a program to run");
	if ((rc = rn_check_modes(&e, o, given, ngiven)))
		return rc;
	rn_data_finish_opts(o);
	if ((rc = rn_check_dirs(&e, o, flags)))
		return rc;
	o->otlp.quiet = o->quiet;
	o->otlp.program = o->argv ? o->argv[0] : NULL;
	if ((rc = rn_otlp_finish_opts(&e, o, flags)))
		return rc;
	return rn_spool_finish_opts(&e, o, flags);
}

/* A name in -e trace= that only --complete can see (an x86-64 system
 * call no libc function is wrapped for), without --complete: not an
 * error, but one line each saying so. */
static void rn_trace_notes(const struct rn_opts *o)
{
	const char *name;
	unsigned len, pos = 0;
	if (!o->shim.trace || o->quiet || o->shim.complete)
		return;
	while (rn_filter_complete_only(o->shim.trace, &pos, &name, &len))
		fprintf(stderr, "renacer: note: -e trace: no libc function is wrapped for %.*s: "
			"only --complete sees it (and calls through syscall(2))\n", (int)len, name);
}

void rn_opts_parse(struct rn_opts *o, int argc, char **argv)
{
	char msg[512];
	switch (rn_opts_parse_r(o, argc, argv, 0, msg, sizeof msg)) {
	case RN_OPTS_OK:
		rn_trace_notes(o);
		if (o->follow > 1 && !o->separately && !o->quiet)
			fprintf(stderr, "renacer: -ff without -o FILE is -f: one output for all "
					"processes\n");
		if (o->seccomp_bpf && !o->quiet)
			fprintf(stderr, "renacer: --seccomp-bpf ignored: without ptrace there are no "
					"stops to filter; untraced calls already cost nothing\n");
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
