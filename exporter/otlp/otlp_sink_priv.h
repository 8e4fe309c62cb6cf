/* otlp_sink_priv.h: the OTLP sink's state, shared by the files that do
 * its jobs: the sink glue the session calls (sink_otlp.c), the sender
 * thread (otlp_send.c), the spool while the receiver is down
 * (otlp_outage.c), metrics exports (otlp_metrics_send.c), and the figures
 * (otlp_report.c). Nothing outside the sink includes it: the session
 * knows the sink only through struct rn_sink (otlp_sink.h).
 *
 * Threads: fields are the drain's, the sender's, or under mu, as each
 * says; after finish() joined the sender, finish owns all of them.
 */
#ifndef RN_OTLP_SINK_PRIV_H
#define RN_OTLP_SINK_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "../sink.h"
#include "otlp_encode.h"
#include "otlp_env.h"
#include "otlp_http.h"
#include "otlp_metrics.h"
#include "otlp_model.h"
#include "otlp_span.h"
#include "otlp_spool.h"

struct otlp_st {
	const struct rn_otlp_opts *x;
	int quiet;
	char exe[512];
	struct rn_span_pool pool;
	int pool_ok;		/* pool made: ours to destroy */
	struct rn_otlp_model model;

	pthread_mutex_t mu;
	pthread_cond_t cv_work;	/* the sender waits for spans */
	pthread_cond_t cv_room;	/* the drain and finish wait for the sender */
	struct rn_span *qhead, *qtail;
	_Atomic size_t qlen;	/* read by ready() without the lock */
	size_t inflight;
	uint64_t inflight_from;	/* events durable before the batch in flight */
	uint64_t given;		/* events given (the drain's thread only) */
	int hurry;		/* a ring fills: take a batch without waiting */
	int stop;		/* export what is left, then end */
	volatile int abort;	/* end now, even mid-request */
	int sender_done;
	int thread_started;
	pthread_t thr;
	uint64_t last_export_ns;

	/* the sender's own */
	struct rn_otlp_pb *pb;
	struct rn_otlp_buf json;
	struct rn_span **vec;
	struct rn_span **tmp;	/* otlp_export's partition by program */
	size_t veccap;
	struct rn_otlp_http *http;
	FILE *file;
	char path[4096];

	/* counters, under mu */
	uint64_t queued, delivered, rejected, failed, dropped, requests, attempts, bytes;
	uint64_t done;		/* queued spans the sender is finished with */
	uint64_t file_spans, file_lines;
	int file_error;
	int partial_noted;
	char last_error[256];

	/* the spool: the sender's own (and finish's, once it is joined) */
	struct rn_spool *spool;	/* NULL: no spool */
	int down;		/* the receiver failed: batches go to the spool */
	int final_probe;	/* the one probe at the end is done */
	uint64_t next_probe_ns;
	uint64_t probe_ms;
	uint32_t spool_max_mb;
	/* spool counters, under mu */
	uint64_t spooled;	/* spans written to the spool */
	uint64_t spool_dropped;	/* spans dropped: the spool was full */
	uint64_t resent;	/* spans delivered from the spool */
	uint64_t adopted;	/* spans of an ended writer's spool taken on */
	size_t adopted_batches;
	size_t spool_batches;	/* batches waiting in the spool */
	uint64_t spool_spans;	/* their spans */
	char spool_error[256];

	/* metrics (otlp_metrics.h): aggregated on the drain thread, exported
	 * by the sender every metric interval and at the end */
	int met_on;
	struct rn_metrics met;
	struct rn_otlp_http *mhttp;	/* to x->metrics_endpoint, NULL: none */
	struct rn_otlp_buf mbody, mline;
	uint64_t next_metrics_ns;
	int met_final;		/* the export at the end is done */
	int met_curl;		/* curl_global_init is the metrics transport's */
	int mhttp_own;		/* mhttp is not http: ours to free */
	/* under mu */
	uint64_t met_exports, met_delivered, met_failed, met_file_lines;
	/* a failed export is superseded by the next delivered one (both are
	 * cumulative): only the last one's failure loses totals */
	uint64_t met_failed_exports, met_last_failed;
	uint64_t sampled_out;	/* process spans of traces the sampler dropped */
	char met_error[300];
};

static inline uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline struct timespec abs_mono(uint64_t ns)
{
	return (struct timespec){ (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
}

/* ------------------------------------------------- the sender (otlp_send.c) */

/* rn_otlp_sender: the sender thread's body (arg: the state): exports
 * batches, resends the spool, exports metrics, until stop or abort. */
void *rn_otlp_sender(void *arg);

/* rn_otlp_take: the next batch off the queue, at most tune.batch spans
 * (linked by next, *n of them), now in flight; NULL when the queue is
 * empty. Under mu, or with the sender gone. */
struct rn_span *rn_otlp_take(struct otlp_st *st, size_t *n);

/* rn_otlp_send: spans list[0..n) to the file and the receiver (or the
 * spool), one request per program, every span counted. The caller gives
 * the spans back to the pool. Sender thread, or finish once it is gone. */
void rn_otlp_send(struct otlp_st *st, struct rn_span *list, size_t n);

/* rn_otlp_count: a request's outcome for n spans, counted. kept: a
 * failed batch went to the spool (which counted it), so it is not
 * counted as failed. */
void rn_otlp_count(struct otlp_st *st, const struct rn_otlp_result *r, size_t n, int kept);

/* rn_otlp_sink_file: the --otlp-file file, or the default one made with
 * the first spans (otlp_file.c says why); NULL when it cannot be had
 * (counted as a file error, reported at the end). Sender thread only. */
FILE *rn_otlp_sink_file(struct otlp_st *st);

/* ------------------------------------------- the spool (otlp_outage.c) */

/* rn_otlp_spool_adopt: takes on what an earlier exporter left in the
 * spool (sender thread, at its start). */
void rn_otlp_spool_adopt(struct otlp_st *st);

/* rn_otlp_went_down: the receiver failed: batches go to the spool until
 * a probe succeeds. */
void rn_otlp_went_down(struct otlp_st *st);

/* rn_otlp_spool_figures: what the spool holds, for the status figures and
 * the report. */
void rn_otlp_spool_figures(struct otlp_st *st);

/* rn_otlp_spool_body: one encoded batch of n spans to the spool, counted
 * (spooled, dropped at the limit, or failed). Returns 0 when it was kept,
 * else -errno. */
int rn_otlp_spool_body(struct otlp_st *st, const uint8_t *body, size_t len, size_t n);

/* rn_otlp_spool_first: 1 when a new batch goes to the spool, not to the
 * receiver. */
int rn_otlp_spool_first(struct otlp_st *st);

/* rn_otlp_spool_due: 1 when the sender has spool work at time now. */
int rn_otlp_spool_due(struct otlp_st *st, uint64_t now);

/* rn_otlp_resend: sends the spool oldest first until it is empty or a
 * batch fails. probe: the first batch gets one attempt. */
void rn_otlp_resend(struct otlp_st *st, int probe);

/* ------------------------------------- metrics (otlp_metrics_send.c) */

/* rn_otlp_metrics_open: the metrics aggregate and, with a metrics URL, its
 * transport (the traces' one when both go the same way). Returns 0 or
 * -errno; what was made is freed with the sink. */
int rn_otlp_metrics_open(struct otlp_st *st, const struct rn_otlp_opts *x);

/* rn_otlp_metrics_export: one metrics export, to the file and the metrics
 * URL, counted (sender thread, or finish once the sender is gone). */
void rn_otlp_metrics_export(struct otlp_st *st);

/* ----------------------------------------------- figures (otlp_report.c) */

/* rn_otlp_report: the end-of-run lines on stderr (what was delivered,
 * spooled, lost, and why). */
void rn_otlp_report(struct otlp_st *st);

/* rn_otlp_status: the sink's status figures (struct rn_sink, status). */
size_t rn_otlp_status(struct rn_sink *s, char *buf, size_t cap);

#endif
