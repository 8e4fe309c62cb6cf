/* options.c: the command line and RENACER_* environment of renacer-run and
 * renacer-exporter: the option table, the parser that walks it, and the
 * checks of the whole command line. The only code, with main, allowed to
 * print and exit: a bad option exits 2 with one line naming it; a bad
 * environment value warns once and keeps the default. The handlers of
 * the options live beside their kin (options_output.c, options_expr.c,
 * options_otlp.c), the --help text in options_usage.c.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/filter.h"
#include "options_priv.h"

/* Records the error line naming opt; returns RN_OPTS_ERROR. A value is
 * shown cut at 200 bytes, so that the line stays one line of text. */
int rn_bad_opt(struct rn_perr *e, const char *opt, const char *val, const char *why)
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
int rn_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out, const char **why)
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

int rn_parse_choice(const char *arg, const struct rn_choice *c, size_t n, int *out)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(arg, c[i].name)) {
			*out = c[i].v;
			return 0;
		}
	return -1;
}

/* Environment defaults, read before the command line so options win. */
static void rn_opts_env(struct rn_opts *o)
{
	rn_settings_read(&o->shim, getenv, rn_env_warn);
	rn_otlp_env_read(&o->otlp);
}

static int rn_opt_help(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)o, (void)opt, (void)arg;
	return RN_OPTS_HELP;
}

static int rn_opt_version(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)o, (void)opt, (void)arg;
	return RN_OPTS_VERSION;
}

#define NO no_argument
#define REQ required_argument
#define OPT optional_argument

/* Every option, one row each: its long name (without --), its short
 * letter, whether it takes a value, the modes it means something in
 * (RN_M_*: given in another mode it is refused, never ignored) and its
 * handler.
 *
 * To add an option: add ONE ROW here, and one small handler beside its
 * kin (options_output.c, options_expr.c for -e KEY=, options_otlp.c),
 * declared in options_priv.h; then its --help line (options_usage.c),
 * README's option table and a test. Nothing else in this file changes:
 * getopt's tables, the mode checks and the error lines come from the row.
 *
 * A letter and a long name on one row are one option (its error lines
 * name it by the letter: "-o" also for --output); a long spelling that
 * names itself in errors gets its own row. The long names keep the order
 * getopt_long was always given. */
static const struct rn_optdef rn_optdefs[] = {
	{ "help", 'h', NO, RN_M_ALL, rn_opt_help },
	{ "version", 'V', NO, RN_M_ALL, rn_opt_version },
	{ "format", 0, REQ, RN_M_TRACE, rn_opt_format },
	{ "on-full", 0, REQ, RN_M_RUN, rn_opt_on_full },
	{ "session-dir", 0, REQ, RN_M_DAEMON, rn_opt_session_dir },
	{ "daemon", 0, NO, RN_M_DAEMON, rn_opt_daemon },
	{ "status", 0, REQ, RN_M_STATUS, rn_opt_status },
	{ "otlp-endpoint", 0, REQ, RN_M_TRACE | RN_M_REPLAY, rn_opt_otlp_endpoint },
	{ "otlp-protocol", 0, REQ, RN_M_TRACE | RN_M_REPLAY, rn_opt_otlp_protocol },
	{ "otlp-compression", 0, REQ, RN_M_TRACE | RN_M_REPLAY, rn_opt_otlp_compression },
	{ "otlp-file", 0, REQ, RN_M_TRACE, rn_opt_otlp_file },
	{ "otlp-batch-size", 0, REQ, RN_M_TRACE, rn_opt_otlp_batch },
	{ "otlp-batch-delay", 0, REQ, RN_M_TRACE, rn_opt_otlp_delay },
	{ "otlp-queue-size", 0, REQ, RN_M_TRACE, rn_opt_otlp_queue },
	{ "otlp-timeout", 0, REQ, RN_M_TRACE | RN_M_REPLAY, rn_opt_otlp_timeout },
	{ "span-pool-size", 0, REQ, RN_M_TRACE, rn_opt_pool_size },
	{ "span-pool-disable", 0, NO, RN_M_TRACE, rn_opt_pool_disable },
	{ "perf-mode", 0, REQ, RN_M_TRACE, rn_opt_perf_mode },
	{ "capture-argv", 0, NO, RN_M_TRACE, rn_opt_capture_argv },
	{ "no-otlp", 0, NO, RN_M_TRACE, rn_opt_no_otlp },
	{ "metrics-only", 0, NO, RN_M_TRACE, rn_opt_metrics_only },
	{ "no-metrics", 0, NO, RN_M_TRACE, rn_opt_no_metrics },
	{ "span-min-duration", 0, REQ, RN_M_TRACE, rn_opt_span_min },
	{ "span-errors", 0, NO, RN_M_TRACE, rn_opt_span_errors },
	{ "spool-dir", 0, REQ, RN_M_TRACE, rn_opt_spool_dir },
	{ "spool-max-mb", 0, REQ, RN_M_TRACE, rn_opt_spool_max },
	{ "replay", 0, REQ, RN_M_REPLAY, rn_opt_replay },
	{ "allow-uid", 0, REQ, RN_M_TRACE, rn_opt_allow_uid },
	{ "redact-paths", 0, REQ, RN_M_TRACE, rn_opt_redact },
	{ "complete", 0, NO, RN_M_RUN, rn_opt_complete },
	{ "stack-depth", 0, REQ, RN_M_RUN, rn_opt_stack_depth },
	{ "by-site", 0, NO, RN_M_TRACE, rn_opt_by_site },
	/* decode */
	{ "data-size", 0, REQ, RN_M_RUN, rn_opt_datasize },
	{ "strings-in-hex", 0, OPT, RN_M_TRACE, rn_opt_strhex },
	{ "no-abbrev", 0, NO, RN_M_TRACE, rn_opt_verbose },
	/* strace's long spellings; with a letter: the same option */
	{ "output", 'o', REQ, RN_M_TRACE, rn_opt_output },
	{ "summary-only", 'c', NO, RN_M_TRACE, rn_opt_summary },
	{ "summary", 'C', NO, RN_M_TRACE, rn_opt_summary_too },
	{ "string-limit", 's', REQ, RN_M_RUN, rn_opt_strsize },
	{ "follow-forks", 'f', NO, RN_M_TRACE, rn_opt_follow },
	{ "trace", 0, REQ, RN_M_RUN, rn_opt_trace },
	{ "absolute-timestamps", 0, OPT, RN_M_TRACE, rn_opt_abs_ts },
	{ "relative-timestamps", 0, OPT, RN_M_TRACE, rn_opt_rel_ts },
	{ "syscall-times", 0, OPT, RN_M_TRACE, rn_opt_syscall_times },
	{ "quiet", 0, OPT, RN_M_TRACE, rn_opt_quiet_long },
	{ "seccomp-bpf", 0, NO, RN_M_RUN, rn_opt_seccomp },
	{ "decode-fds", 0, OPT, RN_M_TRACE, rn_opt_decode_fds },
	{ "trace-path", 0, REQ, RN_M_TRACE, rn_opt_trace_path },
	{ "summary-columns", 'U', REQ, RN_M_TRACE, rn_opt_columns },
	{ "summary-sort-by", 'S', REQ, RN_M_TRACE, rn_opt_sortby },
	{ "output-separately", 0, NO, RN_M_TRACE, rn_opt_separately },
	{ "signal", 0, REQ, RN_M_TRACE, rn_opt_signal },
	/* letters only */
	{ NULL, 'e', REQ, RN_M_RUN, rn_opt_expr },
	{ NULL, 't', NO, RN_M_TRACE, rn_opt_tstamp },
	{ NULL, 'T', NO, RN_M_TRACE, rn_opt_durations },
	{ NULL, 'r', NO, RN_M_TRACE, rn_opt_relative },
	{ NULL, 'q', NO, RN_M_TRACE | RN_M_REPLAY, rn_opt_quiet },
	{ NULL, 'k', NO, RN_M_RUN, rn_opt_stack },
	{ NULL, 'z', NO, RN_M_TRACE, rn_opt_successful },
	{ NULL, 'Z', NO, RN_M_TRACE, rn_opt_failed },
	{ NULL, 'p', REQ, RN_M_TRACE, rn_opt_attach },
	{ NULL, 'w', NO, RN_M_TRACE, rn_opt_wallclock },
	{ NULL, 'y', NO, RN_M_TRACE, rn_opt_decode_fd },
	{ NULL, 'P', REQ, RN_M_TRACE, rn_opt_trace_path },
	{ NULL, 'x', NO, RN_M_TRACE, rn_opt_hex },
	{ NULL, 'v', NO, RN_M_TRACE, rn_opt_verbose },
};
#undef NO
#undef REQ
#undef OPT
#define RN_NOPTDEFS (sizeof rn_optdefs / sizeof *rn_optdefs)

/* getopt_long's value for a row: its letter, or 256 + its index */
static int rn_optdef_val(const struct rn_optdef *d)
{
	return d->letter ? d->letter : 256 + (int)(d - rn_optdefs);
}

static const struct rn_optdef *rn_optdef_of(int c)
{
	if (c >= 256)
		return c - 256 < (int)RN_NOPTDEFS ? &rn_optdefs[c - 256] : NULL;
	for (unsigned i = 0; i < RN_NOPTDEFS; i++)
		if (c > 0 && rn_optdefs[i].letter == c)
			return &rn_optdefs[i];
	return NULL;
}

/* An option's name as its error lines show it: "-o", "--format". */
static void rn_optdef_name(const struct rn_optdef *d, char *buf, size_t cap)
{
	if (d->letter)
		snprintf(buf, cap, "-%c", d->letter);
	else
		snprintf(buf, cap, "--%s", d->name);
}

/* getopt_long's two tables, from rn_optdefs: "+:" (stop at the program;
 * ':' for a missing value) and each letter with its colons. */
static void rn_getopt_tables(struct option *longopts, char *shortopts)
{
	unsigned nl = 0;
	char *s = shortopts;
	*s++ = '+';
	*s++ = ':';
	for (unsigned i = 0; i < RN_NOPTDEFS; i++) {
		const struct rn_optdef *d = &rn_optdefs[i];
		if (d->name)
			longopts[nl++] = (struct option){ d->name, d->has_arg, NULL, rn_optdef_val(d) };
		if (!d->letter)
			continue;
		*s++ = d->letter;
		if (d->has_arg != no_argument)
			*s++ = ':';
		if (d->has_arg == optional_argument)
			*s++ = ':';
	}
	*s = '\0';
	longopts[nl] = (struct option){ NULL, 0, NULL, 0 };
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

/* The options given, in order, checked against the mode once it is known
 * (the first RN_GIVEN_MAX of them). */
struct rn_given {
	const struct rn_optdef *d[RN_GIVEN_MAX];
	unsigned n;
};

/* Refuses the first option given that means nothing in o's mode. */
static int rn_check_modes(struct rn_perr *e, const struct rn_opts *o, const struct rn_given *given)
{
	unsigned mode = o->status_dir ? RN_M_STATUS : o->replay_dir ? RN_M_REPLAY
			: o->session_dir ? RN_M_DAEMON : RN_M_RUN;
	for (unsigned i = 0; i < given->n; i++) {
		if (given->d[i]->modes & mode)
			continue;
		char name[40];
		rn_optdef_name(given->d[i], name, sizeof name);
		return rn_bad_opt(e, name, NULL, rn_mode_why(mode));
	}
	return 0;
}

/* Walks argv's options through their handlers up to the first operand
 * (the program); returns 0, or what ended the parse (an error, --help,
 * --version). */
static int rn_opts_getopt(struct rn_perr *e, struct rn_opts *o, int argc, char **argv,
			  struct rn_given *given)
{
	struct option longopts[RN_NOPTDEFS + 1];
	char shortopts[3 + 3 * RN_NOPTDEFS];
	rn_getopt_tables(longopts, shortopts);
	opterr = 0;
	optind = 0;	/* glibc: a full reset, also of a cluster left half read */
	int c, rc;
	char optname[3] = "-?", name[40];
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		optname[1] = (char)optopt;
		if (c == ':')
			return rn_bad_opt(e, optopt && optopt < 256 ? optname : argv[optind - 1], NULL,
					  "missing argument");
		const struct rn_optdef *d = rn_optdef_of(c);
		if (!d && optopt && optopt < 256)
			return rn_bad_opt(e, optname, NULL, "unknown option");
		if (!d)
			return rn_bad_opt(e, argv[optind - 1], NULL, "unknown option");
		if (given->n < RN_GIVEN_MAX)
			given->d[given->n++] = d;
		rn_optdef_name(d, name, sizeof name);
		if ((rc = d->fn(e, o, name, optarg)))
			return rc;
	}
	return 0;
}

/* No program and no directory: each command's own usage line
 * (renacer-run execs us under its name: tools/renacer-run). */
static int rn_no_program(struct rn_perr *e, int argc, char **argv)
{
	const char *me = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
	me = me ? me + 1 : argc > 0 && argv[0] ? argv[0] : "";
	if (!strcmp(me, "renacer-exporter"))
		return rn_bad_opt(e, NULL, NULL,
				  "no program to run, no directory to drain (usage: "
				  "renacer-exporter [--daemon] "
				  "--session-dir DIR [options], renacer-exporter --status DIR, "
				  "renacer-exporter --replay DIR; --help for more)");
	return rn_bad_opt(e, NULL, NULL,
			  "no program to run (usage: renacer-run [options] -- program [args])");
}

/* The options against each other and against the operands, once the
 * command line is read (optind is past the options). */
static int rn_opts_combine(struct rn_perr *e, struct rn_opts *o, int argc, char **argv)
{
	int rc;
	if (o->summary && o->summary_too)
		return rn_bad_opt(e, "-c", NULL, "cannot be combined with -C");
	if (o->by_site && !o->summary && !o->summary_too)
		return rn_bad_opt(e, "--by-site", NULL, "needs -c or -C");
	if ((rc = rn_output_finish_opts(e, o)))
		return rc;
	if (o->by_site && !o->shim.stack_depth)	/* a site is a stack's frame */
		o->shim.stack_depth = 16;
	if (optind < argc)
		o->argv = argv + optind;
	if (o->status_dir && (o->argv || o->session_dir))
		return rn_bad_opt(e, "--status", o->status_dir, "takes no program and no --session-dir");
	if (o->daemon && !o->session_dir)
		return rn_bad_opt(e, "--daemon", NULL, "needs --session-dir DIR");
	if (!o->argv && !o->session_dir && !o->status_dir && !o->replay_dir)
		return rn_no_program(e, argc, argv);
	if (o->argv && o->session_dir)
		return rn_bad_opt(e, "--session-dir", o->session_dir, "cannot be combined with a program to run");
	return 0;
}

int rn_opts_parse_r(struct rn_opts *o, int argc, char **argv, unsigned flags, char *msg,
		    size_t cap)
{
	struct rn_perr e = { msg, cap };
	struct rn_given given;
	int rc;
	if (cap)
		msg[0] = '\0';
	memset(o, 0, sizeof *o);
	o->otlp.spool_max_mb = RN_SPOOL_MB_DEFAULT;
	rn_opts_env(o);

	given.n = 0;
	if ((rc = rn_opts_getopt(&e, o, argc, argv, &given)))
		return rc;
	if ((rc = rn_opts_combine(&e, o, argc, argv)))
		return rc;
	if ((rc = rn_check_modes(&e, o, &given)))
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
	case RN_OPTS_HELP:
		rn_opts_print_usage();
		exit(0);
	case RN_OPTS_VERSION:
		printf("renacer %s\n", RENACER_VERSION);
		exit(0);
	default:
		fprintf(stderr, "renacer: %s\n", msg);
		exit(2);
	}
}
