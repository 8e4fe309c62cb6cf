/* options_output.c: the options of what is shown and how (-o, -c, -C,
 * -S, -U, -ff, -t, -T, -r, -s, -x, -v, -y, -P, -z, -Z, -q, --format and
 * strace's long spellings of them) and of what the shim records (-k,
 * --stack-depth, --data-size, --on-full, --complete), with the checks of
 * their combinations. Never prints or exits (options.c does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/escape.h"
#include "fdtable.h"
#include "options_priv.h"

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

int rn_opt_output(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	if (!*arg)
		return rn_bad_opt(e, opt, arg, "empty file name");
	o->output = arg;
	return 0;
}

int rn_opt_sortby(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	if (rn_parse_sortby(arg, &o->sortby))
		return rn_bad_opt(e, opt, arg,
				  "expected time, calls, errors, name, avg-time, min-time, "
				  "max-time or nothing");
	return 0;
}

int rn_opt_columns(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	struct rn_summary_opts so = { 0 };
	if (rn_summary_columns(&so, arg))
		return rn_bad_opt(e, opt, arg,
				  "expected columns among time-percent, total-time, avg-time, "
				  "calls, errors, name, min-time, max-time, p50-time, p99-time");
	memcpy(o->sum_cols, so.cols, so.ncols);
	o->sum_ncols = so.ncols;
	return 0;
}

/* --output-separately: -ff */
int rn_opt_separately(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)opt, (void)arg;
	o->follow = 2;
	return 0;
}

/* A setting of the shim (common/settings.def), its value checked there. */
static int rn_shim_set(struct rn_perr *e, struct rn_opts *o, enum rn_setting_id id,
		       const char *opt, const char *arg)
{
	const char *why;
	if (rn_setting_set(&o->shim, id, arg, &why))
		return rn_bad_opt(e, opt, arg, why);
	return 0;
}

int rn_opt_strsize(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	int rc = rn_shim_set(e, o, RN_SET_STRSIZE, opt, arg);
	if (!rc)
		o->strsize_given = 1;
	return rc;
}

int rn_opt_datasize(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	int rc = rn_shim_set(e, o, RN_SET_DATASIZE, opt, arg);
	if (!rc)
		o->datasize_given = 1;
	return rc;
}

int rn_opt_stack_depth(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_shim_set(e, o, RN_SET_STACK_DEPTH, opt, arg);
}

int rn_opt_on_full(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_shim_set(e, o, RN_SET_ON_FULL, opt, arg);
}

int rn_opt_complete(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	const char *why;
	(void)arg;
	if (rn_setting_set(&o->shim, RN_SET_COMPLETE, "1", &why))
		return rn_bad_opt(e, opt, NULL, why);
	return 0;
}

/* -k: strace's: a stack under each call, 16 frames unless told */
int rn_opt_stack(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)opt, (void)arg;
	if (!o->shim.stack_depth)
		o->shim.stack_depth = 16;
	return 0;
}

/* strace's -x, -xx */
int rn_opt_hex(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)opt, (void)arg;
	o->strhex = o->strhex < RN_STRHEX_ALL ? o->strhex + 1 : RN_STRHEX_ALL;
	return 0;
}

/* --strings-in-hex[=WHICH]: alone, all (-xx) */
int rn_opt_strhex(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	static const struct rn_choice which[] = {
		{ "all", RN_STRHEX_ALL }, { "non-ascii", RN_STRHEX_NON_ASCII },
		{ "none", RN_STRHEX_NONE },
	};
	int v;
	if (rn_parse_choice(arg ? arg : "all", which, RN_NCHOICES(which), &v))
		return rn_bad_opt(e, opt, arg, "expected none, non-ascii or all");
	o->strhex = (unsigned)v;
	return 0;
}

/* -t, -tt, -ttt */
int rn_opt_tstamp(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)opt, (void)arg;
	if (o->tstamp < RN_TS_TTT)
		o->tstamp++;
	return 0;
}

/* -f; -ff: a file per process (with -o) */
int rn_opt_follow(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)opt, (void)arg;
	o->follow++;
	return 0;
}

int rn_opt_quiet(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)opt, (void)arg;
	o->quiet_exits = o->quiet;	/* -qq: no "+++ exited" lines either */
	o->quiet = 1;
	return 0;
}

int rn_opt_format(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	static const struct rn_choice formats[] = {
		{ "text", RN_FMT_TEXT }, { "json", RN_FMT_JSON },
		{ "perfetto", RN_FMT_CHROME }, { "chrome", RN_FMT_CHROME },
	};
	int v;
	o->format_set = 1;
	if (rn_parse_choice(arg, formats, RN_NCHOICES(formats), &v))
		return rn_bad_opt(e, opt, arg, "expected text, json or perfetto");
	o->format = (enum rn_format)v;
	return 0;
}

/* -z, -Z: strace's shorthands of -e status= */
int rn_opt_successful(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)opt, (void)arg;
	o->status_mask = RN_STATUS_SUCCESSFUL;
	return 0;
}

int rn_opt_failed(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)opt, (void)arg;
	o->status_mask = RN_STATUS_FAILED;
	return 0;
}

/* -w: the summary's times are wall-clock already */
int rn_opt_wallclock(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)o, (void)opt, (void)arg;
	return 0;
}

/* -p PID: refused, with where to go instead */
int rn_opt_attach(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)o, (void)arg;
	return rn_bad_opt(e, opt, NULL,
			  "renacer cannot attach to a running process (that needs ptrace); "
			  "start it under renacer-run, or for a long-running service run "
			  "'renacer-exporter --session-dir DIR' and start the service with "
			  "LD_PRELOAD=librenacer.so RENACER_SESSION_DIR=DIR");
}

/* -y: paths; -yy: everything */
int rn_opt_decode_fd(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	(void)e, (void)opt, (void)arg;
	o->decode_fds = o->decode_fds & RN_FDT_PATH ? RN_FDT_PATH | RN_FDT_SOCKET | RN_FDT_DEV
						    : RN_FDT_PATH;
	return 0;
}

/* --decode-fds[=SET], -e decode-fds=SET */
int rn_opt_decode_fds(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
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
			return rn_bad_opt(e, opt, arg,
					  "expected a list of path, socket, dev, pidfd, all or none");
		v |= kinds[k].v;
		p += n + (p[n] == ',');
	}
	/* what is behind a socket or device is said after its name */
	o->decode_fds = v ? v | RN_FDT_PATH : 0;
	return 0;
}

/* -P PATH, --trace-path PATH */
int rn_opt_trace_path(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	if (!*arg)
		return rn_bad_opt(e, opt, arg, "empty path");
	if (strlen(arg) >= 4096)
		return rn_bad_opt(e, opt, arg, "longer than PATH_MAX");
	if (o->ntrace_paths == RN_TRACE_PATHS_MAX)
		return rn_bad_opt(e, opt, arg, "more than 256 paths");
	o->trace_paths[o->ntrace_paths++] = arg;
	return 0;
}

/* --absolute-timestamps[=[format:]time|unix,[precision:]s|ms|us] */
int rn_opt_abs_ts(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
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
			return rn_bad_opt(e, opt, arg, "expected format:time|unix and precision:s|us");
		p += n + (p[n] == ',');
	}
	return 0;
}

/* --relative-timestamps[=us], --syscall-times[=us]: microseconds are what
 * renacer prints; other precisions are not offered */
static int rn_us_only(struct rn_perr *e, const char *opt, const char *arg, int *flag)
{
	if (arg && strcmp(arg, "us") && strcmp(arg, "precision:us"))
		return rn_bad_opt(e, opt, arg, "only microseconds (us) are supported");
	*flag = 1;
	return 0;
}

int rn_opt_rel_ts(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_us_only(e, opt, arg, &o->relative);
}

int rn_opt_syscall_times(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_us_only(e, opt, arg, &o->durations);
}

RN_OPT_FLAG(rn_opt_summary, summary)
RN_OPT_FLAG(rn_opt_summary_too, summary_too)
RN_OPT_FLAG(rn_opt_verbose, verbose)	/* -v, --no-abbrev */
RN_OPT_FLAG(rn_opt_by_site, by_site)
RN_OPT_FLAG(rn_opt_durations, durations)	/* -T */
RN_OPT_FLAG(rn_opt_relative, relative)	/* -r */
/* --quiet[=LIST]: any of strace's lists: renacer's notes are one kind */
RN_OPT_FLAG(rn_opt_quiet_long, quiet)
/* --seccomp-bpf: accepted, and said once parsing is done (rn_opts_parse) */
RN_OPT_FLAG(rn_opt_seccomp, seccomp_bpf)

/* Data capture as strace users expect it: the first -s bytes (32 unless
 * -s says otherwise) of each buffer when call lines are printed as text;
 * none for JSON, OTLP or a summary, unless --data-size asks. The
 * environment's RENACER_DATASIZE counts as asking. */
void rn_data_finish_opts(struct rn_opts *o)
{
	if (o->datasize_given || getenv("RENACER_DATASIZE"))
		return;
	int text_lines = o->format == RN_FMT_TEXT && !o->summary;
	uint32_t n = o->strsize_given ? o->shim.strsize : 32;
	o->shim.datasize = text_lines ? (n < RN_DATASIZE_MAX ? n : RN_DATASIZE_MAX) : 0;
}

/* -ff and -o '|command' against the other options, as strace has them */
int rn_output_finish_opts(struct rn_perr *e, struct rn_opts *o)
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
