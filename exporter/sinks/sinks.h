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
		 RN_SORT_NOTHING, RN_SORT_MAX, RN_SORT_AVG };

struct rn_text_opts {
	enum rn_tstamp tstamp;	/* -t, -tt, -ttt */
	int durations;		/* -T */
	int summary_follows;	/* -C: the summary is printed after the calls */
};

struct rn_summary_opts {
	enum rn_sortby sortby;	/* -S */
	int notes_elsewhere;	/* -C: the text sink prints the not-traced notes */
	int complete;		/* --complete: calls inside libc are counted */
};

/* Constructors; each returns 0 or -errno and fills *s. 'out' stays owned
 * by the caller; o NULL means the defaults (all zero). */
int rn_sink_text_new(struct rn_sink *s, FILE *out, const struct rn_text_opts *o);
int rn_sink_summary_new(struct rn_sink *s, FILE *out, const struct rn_summary_opts *o);
int rn_sink_json_new(struct rn_sink *s, FILE *out);
/* Chrome trace-event JSON for Perfetto and chrome://tracing (sink_chrome.c). */
int rn_sink_chrome_new(struct rn_sink *s, FILE *out);
/* The live stream of `renacer-ctl tail`: publishes text and JSON lines on
 * ipc://dir/tail while someone subscribes (sink_tail.c). */
int rn_sink_tail_new(struct rn_sink *s, const char *dir, const struct rn_text_opts *text);

#endif
