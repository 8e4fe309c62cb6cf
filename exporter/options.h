/* options.h: every setting of a run, from the command line and environment.
 *
 * Filled by rn_opts_parse (options.c), the only place that reads argv and
 * RENACER_* variables for the exporter and launcher.
 */
#ifndef RN_OPTIONS_H
#define RN_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/settings.h"
#include "otlp/otlp_env.h"
#include "sinks/sinks.h"
#include "warn.h"

#define RN_ALLOW_UIDS_MAX 32
#define RN_TRACE_PATHS_MAX 256	/* -P, as many as strace takes */
#define RN_SPOOL_MB_DEFAULT 256

enum rn_format { RN_FMT_TEXT, RN_FMT_JSON, RN_FMT_CHROME };

/* -e status=: which outcomes are shown (session.h's status_mask) */
#define RN_STATUS_SUCCESSFUL 1u
#define RN_STATUS_FAILED 2u
#define RN_STATUS_UNFINISHED 4u
#define RN_STATUS_DETACHED 8u	/* never: renacer does not detach */
#define RN_STATUS_ALL 15u
#define RN_STATUS_NONE_GIVEN 16u	/* status=none: nothing */

struct rn_opts {
	const char *output;	/* -o FILE, NULL for stderr */
	int summary;		/* -c: summary only */
	int summary_too;	/* -C: summary and events */
	enum rn_sortby sortby;	/* -S */
	enum rn_format format;	/* --format */
	enum rn_tstamp tstamp;	/* -t, -tt, -ttt */
	int durations;		/* -T */
	int relative;		/* -r */
	unsigned status_mask;	/* -z, -Z, -e status=: RN_STATUS_*, 0: all */
	int signal_filter;	/* -e signal=, --signal=, -qqq: only the */
	uint64_t signal_set;	/* signals of signal_set (bit n-1: n) show */
	int seccomp_bpf;	/* --seccomp-bpf: accepted, ignored, said */
	/* what the shim reads from RENACER_*: -e trace=, -s, --on-full, the
	 * environment's values otherwise (common/settings.def) */
	struct rn_settings shim;
	/* decode: -s given, --data-size given (data capture's default
	 * depends on the output: on for text lines, off for JSON/OTLP) */
	int strsize_given;
	int datasize_given;
	unsigned strhex;	/* -x, -xx, --strings-in-hex: enum rn_strhex */
	int verbose;		/* -v, --no-abbrev: structures whole */
	/* -e read=FD / -e write=FD: the descriptors (< RN_DUMP_FDS) whose
	 * buffers are dumped whole: bit fd of dump_fds[0] (read), [1] (write);
	 * RENACER_DUMP carries them to the shim as "READ;WRITE" lists */
	uint8_t dump_fds[2][RN_DUMP_FDS / 8];
	char dump[RN_DUMP_TEXT_MAX];
	/* -e inject= rules for the shim, joined by ';' (RENACER_INJECT) */
	char inject[8 * 272];
	unsigned inject_n;
	const char *session_dir;	/* --session-dir: exporter mode */
	int daemon;		/* --daemon: a service; session_dir made if missing */
	const char *status_dir;	/* --status: ask that session's exporter */
	char **argv;		/* program and arguments after -- */
	int quiet;		/* -q: no notes on stderr */
	int quiet_exits;	/* -qq: no "+++ exited" lines */
	int format_set;		/* --format was given */
	struct rn_otlp_opts otlp;	/* OpenTelemetry export (otlp_env.h) */

	/* reliability and security (docs/RELIABILITY.md, docs/SECURITY.md) */
	const char *replay_dir;	/* --replay: send a spool, then exit */
	uint32_t allow_uids[RN_ALLOW_UIDS_MAX];	/* --allow-uid: arena owners we read */
	unsigned nallow_uids;
	const char *redact_re;	/* --redact-paths, checked with regcomp */
	int by_site;		/* --by-site: the summary per call site */
	/* -y, -yy, --decode-fds=: what to show behind descriptors
	 * (RN_FDT_* of fdtable.h); -P PATH, --trace-path: only calls on
	 * these paths */
	unsigned decode_fds;
	const char *trace_paths[RN_TRACE_PATHS_MAX];
	unsigned ntrace_paths;
	/* where the output goes and the summary (issue 11) */
	unsigned char sum_cols[RN_COLS_MAX];	/* -U: the summary's columns */
	unsigned sum_ncols;	/* 0: the default table */
	int follow;		/* -f given: 2 or more is -ff */
	int separately;		/* -ff with -o FILE: FILE.PID per process */
	int ff_append;		/* a restarted exporter: append to FILE.PID */
};

/* Flags of rn_opts_parse_r. */
#define RN_OPTS_NO_FILES 1u	/* create and check no output file (fuzzing) */

/* What rn_opts_parse_r found. */
enum rn_opts_rc {
	RN_OPTS_OK = 0,
	RN_OPTS_ERROR = -1,	/* msg holds one line naming the option */
	RN_OPTS_HELP = 1,	/* --help: print the usage, exit 0 */
	RN_OPTS_VERSION = 2,	/* --version */
};

/* rn_opts_parse: fill o from argv and the environment. Prints one line
 * naming the bad option and exits 2 on a bad option; warns once and keeps
 * the default on a bad environment value. --help and --version print and
 * exit 0. */
void rn_opts_parse(struct rn_opts *o, int argc, char **argv);

/* rn_opts_parse_r: the same, without printing or exiting: returns an enum
 * rn_opts_rc; on RN_OPTS_ERROR, msg[0..cap) holds the line rn_opts_parse
 * prints (without "renacer: " and the newline). Bad environment values
 * still warn (rn_env_warn). Never allocates what it does not free. */
int rn_opts_parse_r(struct rn_opts *o, int argc, char **argv, unsigned flags, char *msg,
		    size_t cap);

/* rn_opts_usage: the --help text; rn_opts_parse puts the RENACER_*
 * names (common/settings.def) in place of @SETTINGS@. */
extern const char rn_opts_usage[];

#endif
