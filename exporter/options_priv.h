/* options_priv.h: what the files of the option parser share, and nothing
 * else includes: the error line, the modes, the table's row and the
 * handlers its rows name (options.c holds the table and the parser).
 *
 * A handler applies one option to struct rn_opts and never prints or
 * exits: it returns 0, or RN_OPTS_ERROR with the line naming the option
 * in e (rn_bad_opt), or another enum rn_opts_rc that ends the parse
 * (--help, --version).
 */
#ifndef RN_OPTIONS_PRIV_H
#define RN_OPTIONS_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"

/* Where a parse error goes: one line, kept for the caller. */
struct rn_perr {
	char *msg;
	size_t cap;
};

/* rn_bad_opt: records the error line naming opt; returns RN_OPTS_ERROR.
 * A value is shown cut at 200 bytes, so that the line stays one line of
 * text. */
int rn_bad_opt(struct rn_perr *e, const char *opt, const char *val, const char *why);

/* rn_parse_u32: a decimal in [lo, hi]; returns 0, or -1 with *why set. */
int rn_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out, const char **why);

/* A value among fixed names (--format, --perf-mode...). */
struct rn_choice {
	const char *name;
	int v;
};

/* rn_parse_choice: 0 with *out set to the value of arg's name among the
 * n choices, or -1 when arg is none of them. */
int rn_parse_choice(const char *arg, const struct rn_choice *c, size_t n, int *out);
#define RN_NCHOICES(c) (sizeof(c) / sizeof *(c))

/* The modes of a run, and which options mean something in each: an
 * option given where it means nothing is refused, never ignored. */
enum rn_mode { RN_M_RUN = 1, RN_M_DAEMON = 2, RN_M_STATUS = 4, RN_M_REPLAY = 8 };
#define RN_M_TRACE (RN_M_RUN | RN_M_DAEMON)	/* options of the exporter that drains */
#define RN_M_ALL (RN_M_TRACE | RN_M_STATUS | RN_M_REPLAY)

/* rn_opt_fn: one option. opt is its name as the error line shows it
 * ("-o" also for --output; "--format"), arg its value (NULL when an
 * optional value was not given). */
typedef int rn_opt_fn(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg);

/* RN_OPT_FLAG(fn, field): the handler of an option that only sets
 * o->field to 1 (--daemon, --no-otlp...). */
#define RN_OPT_FLAG(fn, field)                                                              \
	int fn(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)      \
	{                                                                                   \
		(void)e, (void)opt, (void)arg;                                              \
		o->field = 1;                                                               \
		return 0;                                                                   \
	}

/* One row of the option table (options.c). */
struct rn_optdef {
	const char *name;	/* long name without "--", NULL: none */
	char letter;		/* short letter, 0: none */
	unsigned char has_arg;	/* getopt's no_argument, required_argument, optional_argument */
	unsigned char modes;	/* RN_M_*: the modes it means something in */
	rn_opt_fn *fn;
};

/* options_output.c: what is shown and how, what the shim records */
rn_opt_fn rn_opt_output, rn_opt_summary, rn_opt_summary_too, rn_opt_sortby, rn_opt_columns,
	rn_opt_separately, rn_opt_strsize, rn_opt_hex, rn_opt_strhex, rn_opt_verbose,
	rn_opt_datasize, rn_opt_stack, rn_opt_stack_depth, rn_opt_by_site, rn_opt_tstamp,
	rn_opt_durations, rn_opt_relative, rn_opt_follow, rn_opt_quiet, rn_opt_format,
	rn_opt_on_full, rn_opt_complete, rn_opt_successful, rn_opt_failed, rn_opt_wallclock,
	rn_opt_attach, rn_opt_decode_fd, rn_opt_decode_fds, rn_opt_trace_path, rn_opt_abs_ts,
	rn_opt_rel_ts, rn_opt_syscall_times, rn_opt_quiet_long, rn_opt_seccomp;

/* options_expr.c: -e's expressions, --trace, --signal */
rn_opt_fn rn_opt_expr, rn_opt_trace, rn_opt_signal;

/* options_otlp.c: OpenTelemetry, the spool, the service modes, security */
rn_opt_fn rn_opt_otlp_endpoint, rn_opt_otlp_protocol, rn_opt_otlp_compression, rn_opt_otlp_file,
	rn_opt_otlp_batch, rn_opt_otlp_delay, rn_opt_otlp_queue, rn_opt_otlp_timeout,
	rn_opt_pool_size, rn_opt_pool_disable, rn_opt_perf_mode, rn_opt_capture_argv, rn_opt_no_otlp,
	rn_opt_metrics_only, rn_opt_no_metrics, rn_opt_span_min, rn_opt_span_errors,
	rn_opt_spool_dir, rn_opt_spool_max, rn_opt_session_dir, rn_opt_daemon, rn_opt_status,
	rn_opt_replay, rn_opt_allow_uid, rn_opt_redact;

/* After the command line, in the order rn_opts_parse_r calls them; each
 * returns 0 or RN_OPTS_ERROR. */
int rn_output_finish_opts(struct rn_perr *e, struct rn_opts *o);	/* -ff, -o '|cmd' */
void rn_data_finish_opts(struct rn_opts *o);	/* the data capture's default */
int rn_check_dirs(struct rn_perr *e, const struct rn_opts *o, unsigned flags);
int rn_otlp_finish_opts(struct rn_perr *e, struct rn_opts *o, unsigned flags);
int rn_spool_finish_opts(struct rn_perr *e, struct rn_opts *o, unsigned flags);

/* options_usage.c: prints --help to stdout, the RENACER_* names in place
 * of @SETTINGS@. */
void rn_opts_print_usage(void);

#endif
