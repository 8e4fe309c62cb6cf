/* sinks.h: the sinks that print (text, json, summary) and the few
 * settings each one takes. Built from these small structs, never from the
 * whole command line: a sink knows its own options and nothing else.
 */
#ifndef RN_SINKS_H
#define RN_SINKS_H

#include <stdio.h>

#include "../sink.h"

enum rn_tstamp { RN_TS_NONE, RN_TS_T, RN_TS_TT, RN_TS_TTT };
enum rn_sortby { RN_SORT_TIME, RN_SORT_CALLS, RN_SORT_ERRORS, RN_SORT_NAME,
		 RN_SORT_NOTHING, RN_SORT_MAX, RN_SORT_AVG, RN_SORT_MIN };

/* -U: the summary table's columns, strace's names (sink_summary.c) */
enum rn_sumcol { RN_COL_PERCENT, RN_COL_TOTAL, RN_COL_AVG, RN_COL_CALLS, RN_COL_ERRORS,
		 RN_COL_P50, RN_COL_P99, RN_COL_MAX, RN_COL_MIN, RN_COL_NAME, RN_NCOLS };
#define RN_COLS_MAX 16

struct rn_text_opts {
	enum rn_tstamp tstamp;	/* -t, -tt, -ttt */
	int durations;		/* -T */
	int summary_follows;	/* -C: the summary is printed after the calls */
	int relative;		/* -r: time since the line before */
	int quiet_exits;	/* -qq: no "+++ exited with" lines */
	int one_task;		/* -ff: one task's file, never a [pid N] prefix */
};

struct rn_summary_opts {
	enum rn_sortby sortby;	/* -S */
	int notes_elsewhere;	/* -C: the text sink prints the not-traced notes */
	int complete;		/* --complete: calls inside libc are counted */
	int by_site;		/* --by-site: one row per call site, not per call */
	/* -U: the columns in order; ncols 0: the default table */
	unsigned char cols[RN_COLS_MAX];
	unsigned ncols;
	int json;		/* --format json: one summary object, not a table */
};

/* rn_summary_columns: parse -U's comma-separated column names (strace's:
 * time-percent, total-time, avg-time, calls, errors, name, min-time,
 * max-time, and renacer's p50-time, p99-time) into o->cols. Returns 0, or
 * -EINVAL (an unknown name or too many). */
int rn_summary_columns(struct rn_summary_opts *o, const char *spec);

/* Constructors; each returns 0 or -errno and fills *s. 'out' stays owned
 * by the caller; o NULL means the defaults (all zero). */
int rn_sink_text_new(struct rn_sink *s, FILE *out, const struct rn_text_opts *o);
int rn_sink_summary_new(struct rn_sink *s, FILE *out, const struct rn_summary_opts *o);
int rn_sink_json_new(struct rn_sink *s, FILE *out);
/* -ff with -o FILE: the text lines of each task in FILE.TID, as strace
 * -ff writes them (sink_split.c). append: a restarted exporter adds to
 * the files rather than truncating them. */
int rn_sink_split_new(struct rn_sink *s, const char *base, const struct rn_text_opts *text,
		      int append);
/* Chrome trace-event JSON for Perfetto and chrome://tracing (sink_chrome.c). */
int rn_sink_chrome_new(struct rn_sink *s, FILE *out);
/* The live stream of `renacer-ctl tail`: publishes text and JSON lines on
 * ipc://dir/tail while someone subscribes (sink_tail.c). */
int rn_sink_tail_new(struct rn_sink *s, const char *dir, const struct rn_text_opts *text);

#endif
