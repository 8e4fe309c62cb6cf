/* sink_otlp.c: the OpenTelemetry sink. Calls and process ends become spans
 * (otlp_model.c) on the drain thread; a bounded queue takes them to one
 * sender thread that exports batches with the batch span processor's
 * rules: when a batch is full, when the delay since the last export has
 * passed, and at the end. Exports are never concurrent.
 *
 * Backpressure: while the queue is full, ready() says no and the drain
 * leaves records in the rings, which are the real buffer. finish() waits
 * until every span was acknowledged or the export timeout passed, then
 * says on stderr what could not be delivered. This file must never drop a
 * span without counting it, and never block the drain longer than one
 * export timeout.
 *
 * Outage: a batch still failing after its retries goes to the disk spool
 * (otlp_spool.c) and the receiver is marked down; while it is down, new
 * batches go straight to the spool, and the oldest spooled batch is sent
 * once, now and then, as a probe. When one gets through, the spool is
 * sent back oldest first before any new batch. rn_otlp_replay
 * (otlp_replay.c) sends a spool left by an earlier run.
 *
 * Durable position (sink.h, durable): each span carries the number of
 * events given when it was queued; since the queue is sent in order, one
 * batch at a time, every event before the oldest span still queued or in
 * flight is acknowledged, spooled or counted as lost. The session frees
 * ring space only up to there, so an exporter killed with spans in its
 * queue loses none: the restarted one reads them again.
 */
#include "otlp_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
#include <curl/curl.h>

#include "otlp_encode.h"
#include "otlp_file.h"
#include "otlp_http.h"
#include "otlp_metrics.h"
#include "otlp_model.h"
#include "otlp_spool.h"

/* A request body stays well under the Collector's 20 MiB default limit:
 * larger batches are split. */
#define RN_OTLP_BODY_MAX (4u << 20)

#define RN_QUEUE_SLACK 32768u	/* spans taken past the queue size without
				 * waiting: what one drain pass may bring */
/* How long into a drain pass the drain may wait for room in the queue
 * (otlp_enqueue says why): half of RENACER_BLOCK_WAIT_MS's default
 * 2000 ms, so a program blocked on a full ring does not take the waiting
 * drain for a dead exporter. */
#define RN_ROOM_WAIT_MS 1000u
/* While the receiver is down: the first probe after this, doubling. */
#define RN_PROBE_FIRST_MS 250
#define RN_PROBE_MAX_MS 2000

struct otlp_st {
	const struct rn_otlp_opts *x;
	int quiet;
	char exe[512];
	struct rn_span_pool pool;
	struct rn_otlp_model model;

	pthread_mutex_t mu;
	pthread_cond_t cv_work;	/* the sender waits for spans */
	pthread_cond_t cv_room;	/* the drain and finish wait for the sender */
	struct rn_span *qhead, *qtail;
	_Atomic size_t qlen;	/* read by ready() without the lock */
	size_t inflight;
	uint64_t inflight_from;	/* events durable before the batch in flight */
	uint64_t given;		/* events given (the drain's thread only) */
	uint64_t pass_ns;	/* when ready() was last asked: the drain
				 * pass's start (the drain's thread only) */
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

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct timespec abs_mono(uint64_t ns)
{
	return (struct timespec){ (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
}

/* ------------------------------------------------------------ the queue */

/* The model's emit: the span joins the queue. ready() closes the drain at
 * the queue size, but a pass already read may bring more (a whole ring).
 * Those wait for room while the pass is younger than RN_ROOM_WAIT_MS: a
 * sender that keeps up takes a batch within milliseconds, and spans kept
 * past the queue size are memory (each is a pool span of about 800 bytes
 * with its text: a ring's worth past a full queue took the exporter's
 * peak RSS from 16 to 48 MB). Past that time the sender is stuck (a
 * receiver that does not answer, a long resend from the spool): a longer
 * wait would stop the drain thread, its heartbeat with it, and
 * --on-full=block programs would take the exporter for dead and drop, so
 * spans are taken without waiting up to RN_QUEUE_SLACK past the queue
 * size. Past the slack (a ring larger than the slack, read in one go):
 * wait for the sender for at most one export timeout, then drop the span
 * and count it. */
static void otlp_enqueue(void *ctx, struct rn_span *sp)
{
	struct otlp_st *st = ctx;
	sp->next = NULL;
	sp->upto = st->given;
	pthread_mutex_lock(&st->mu);
	if (!(sp->flags & 0x01u)) {
		/* the sampler dropped its trace (rn_otlp_model_filter) */
		st->sampled_out++;
		pthread_mutex_unlock(&st->mu);
		rn_span_release(&st->pool, sp);
		return;
	}
	size_t limit = st->x->tune.queue + RN_QUEUE_SLACK;
	uint64_t young = st->pass_ns + RN_ROOM_WAIT_MS * 1000000ull;
	if (st->qlen >= st->x->tune.queue && !st->sender_done && mono_ns() < young) {
		struct timespec ts = abs_mono(young);
		while (st->qlen >= st->x->tune.queue && !st->sender_done)
			if (pthread_cond_timedwait(&st->cv_room, &st->mu, &ts) == ETIMEDOUT)
				break;
	}
	if (st->qlen >= limit && !st->sender_done) {
		uint64_t until = mono_ns() + (uint64_t)st->x->export_timeout_ms * 1000000ull;
		struct timespec ts = abs_mono(until);
		while (st->qlen >= limit && !st->sender_done)
			if (pthread_cond_timedwait(&st->cv_room, &st->mu, &ts) == ETIMEDOUT)
				break;
	}
	if (st->qlen >= limit || st->sender_done) {
		st->dropped++;
		pthread_mutex_unlock(&st->mu);
		rn_span_release(&st->pool, sp);
		return;
	}
	if (st->qtail)
		st->qtail->next = sp;
	else
		st->qhead = sp;
	st->qtail = sp;
	size_t n = ++st->qlen;
	st->queued++;
	if (sp->group)	/* the drain thread's, like the group: no race */
		((struct rn_otlp_group *)sp->group)->last_seq = st->queued;
	/* wake the sender for a full batch, or to start timing the delay */
	if (n == 1 || n >= st->x->tune.batch)
		pthread_cond_signal(&st->cv_work);
	pthread_mutex_unlock(&st->mu);
}

/* ------------------------------------------------------------ sending */

static int otlp_vec(struct otlp_st *st, struct rn_span *list, size_t n)
{
	if (n > st->veccap) {
		struct rn_span **v = realloc(st->vec, n * sizeof *v);
		if (!v)
			return -ENOMEM;
		st->vec = v;
		struct rn_span **t = realloc(st->tmp, n * sizeof *t);
		if (!t)
			return -ENOMEM;
		st->tmp = t;
		st->veccap = n;
	}
	size_t i = 0;
	for (struct rn_span *sp = list; sp && i < n; sp = sp->next)
		st->vec[i++] = sp;
	return 0;
}

/* Counts a request's outcome for n spans. kept: a failed batch went to
 * the spool (which counted it), so it is not counted as failed. */
static void otlp_count(struct otlp_st *st, const struct rn_otlp_result *r, size_t n, int kept)
{
	pthread_mutex_lock(&st->mu);
	st->requests++;
	st->attempts += r->attempts;
	st->bytes += r->bytes_sent;
	int note = 0;
	switch (r->outcome) {
	case RN_OTLP_OK: {
		uint64_t rej = r->rejected > 0 ? (uint64_t)r->rejected : 0;
		if (rej > n)
			rej = n;
		st->delivered += n - rej;
		st->rejected += rej;
		note = rej && !st->partial_noted;
		if (note)
			st->partial_noted = 1;
		break;
	}
	case RN_OTLP_REJECTED:
		st->rejected += n;
		snprintf(st->last_error, sizeof st->last_error, "%s", r->message);
		break;
	default:
		if (!kept)
			st->failed += n;
		if (r->message[0])
			snprintf(st->last_error, sizeof st->last_error, "%s", r->message);
		break;
	}
	pthread_mutex_unlock(&st->mu);
	if (note)	/* once per run: the final report has the total */
		fprintf(stderr, "renacer: the OTLP receiver rejected %" PRId64 " spans: %s\n",
			r->rejected, r->message[0] ? r->message : "(no message)");
}

/* ------------------------------------------------------------ the spool */

/* The receiver failed: batches go to the spool until a probe succeeds. */
static void otlp_went_down(struct otlp_st *st)
{
	st->probe_ms = st->down ? st->probe_ms * 2 : RN_PROBE_FIRST_MS;
	if (st->probe_ms > RN_PROBE_MAX_MS)
		st->probe_ms = RN_PROBE_MAX_MS;
	st->down = 1;
	st->next_probe_ns = mono_ns() + st->probe_ms * 1000000ull;
}

/* What the spool holds, for the status figures and the report. */
static void otlp_spool_figures(struct otlp_st *st)
{
	uint64_t spans;
	size_t b = rn_spool_pending(st->spool, &spans);
	pthread_mutex_lock(&st->mu);
	st->spool_batches = b;
	st->spool_spans = spans;
	pthread_mutex_unlock(&st->mu);
}

/* Writes one encoded batch of n spans to the spool and counts it:
 * spooled, dropped at the limit, or failed. Returns 0 when it was kept. */
static int otlp_spool_body(struct otlp_st *st, const uint8_t *body, size_t len, size_t n)
{
	int rc = rn_spool_put(st->spool, body, len, st->x->protocol == RN_OTLP_JSON, (uint32_t)n);
	pthread_mutex_lock(&st->mu);
	if (!rc) {
		st->spooled += n;
	} else if (rc == -ENOSPC) {
		st->spool_dropped += n;
	} else {
		st->failed += n;
		snprintf(st->spool_error, sizeof st->spool_error, "cannot write the spool %s: %s",
			 rn_spool_dir(st->spool), strerror(-rc));
	}
	pthread_mutex_unlock(&st->mu);
	otlp_spool_figures(st);
	return rc;
}

/* A new batch goes to the spool, not to the receiver: the receiver is
 * down (and no probe is due with nothing spooled to probe with), or
 * older batches wait. */
static int otlp_spool_first(struct otlp_st *st)
{
	if (!st->spool)
		return 0;
	if (rn_spool_pending(st->spool, NULL))
		return 1;
	return st->down && mono_ns() < st->next_probe_ns;
}

/* The sender has spool work: batches wait and the receiver is up, or a
 * probe is due (always once at the end). */
static int otlp_spool_due(struct otlp_st *st, uint64_t now)
{
	if (!st->spool || !rn_spool_pending(st->spool, NULL))
		return 0;
	return !st->down || now >= st->next_probe_ns || (st->stop && !st->final_probe);
}

/* Sends the spool oldest first until it is empty or a batch fails (the
 * receiver is down again). probe: the first batch gets one attempt. */
static void otlp_resend(struct otlp_st *st, int probe)
{
	while (!st->abort) {
		struct rn_spool_item it;
		int rc = rn_spool_oldest(st->spool, &it);
		if (rc == -ENOENT)
			break;
		if (rc) {
			/* a file we cannot read back stays for a replay to report */
			pthread_mutex_lock(&st->mu);
			snprintf(st->spool_error, sizeof st->spool_error, "cannot read the spool %s: %s",
				 rn_spool_dir(st->spool), strerror(-rc));
			pthread_mutex_unlock(&st->mu);
			if (rc == -EBADMSG)
				continue;
			break;
		}
		struct rn_otlp_result r;
		if (probe)
			rn_otlp_http_export_once(st->http, it.body, it.len, &st->abort, &r);
		else
			rn_otlp_http_export(st->http, it.body, it.len,
					    mono_ns() + (uint64_t)st->x->export_timeout_ms * 1000000ull,
					    &st->abort, &r);
		probe = 0;
		int sent = r.outcome == RN_OTLP_OK || r.outcome == RN_OTLP_REJECTED;
		/* acknowledged, or refused for good: either way not ours now */
		if (sent)
			rn_spool_done(st->spool, &it);
		otlp_count(st, &r, it.spans, 1);
		if (r.outcome == RN_OTLP_OK) {
			pthread_mutex_lock(&st->mu);
			st->resent += it.spans;
			pthread_mutex_unlock(&st->mu);
			st->down = 0;
		}
		rn_spool_item_free(&it);
		otlp_spool_figures(st);
		if (!sent) {
			if (r.outcome == RN_OTLP_FAILED)
				otlp_went_down(st);
			return;
		}
	}
	if (!rn_spool_pending(st->spool, NULL))
		st->down = 0;
}

/* The batch of spans vec[0..n), all of group g (NULL: the model's
 * fallback): one ResourceSpans, one trace. */
static struct rn_otlp_batch otlp_batch(struct otlp_st *st, const struct rn_otlp_group *g,
				       struct rn_span *const *vec, size_t n)
{
	if (!g)
		g = &st->model.fallback;
	return (struct rn_otlp_batch){ g->trace_id, g->trace_state, &g->res, vec, n };
}

/* Encodes and posts spans vec[0..n) of one group, halving until the body
 * fits. */
static void otlp_post(struct otlp_st *st, struct rn_span *const *vec, size_t n)
{
	struct rn_otlp_batch b = otlp_batch(st, n ? vec[0]->group : NULL, vec, n);
	const uint8_t *body;
	size_t len;
	int rc;
	if (st->x->protocol == RN_OTLP_JSON) {
		st->json.len = 0;
		rc = rn_otlp_json_encode(&st->json, &b, 0);
		body = st->json.p;
		len = st->json.len;
	} else {
		rc = rn_otlp_pb_encode(st->pb, &b, &body, &len);
	}
	struct rn_otlp_result r;
	if (!rc && len > RN_OTLP_BODY_MAX && n > 1) {
		otlp_post(st, vec, n / 2);
		otlp_post(st, vec + n / 2, n - n / 2);
		return;
	}
	if (rc) {
		memset(&r, 0, sizeof r);
		r.outcome = RN_OTLP_FAILED;
		snprintf(r.message, sizeof r.message, "out of memory encoding a batch");
		otlp_count(st, &r, n, 0);
		return;
	}
	if (otlp_spool_first(st)) {
		otlp_spool_body(st, body, len, n);
		return;
	}
	uint64_t deadline = mono_ns() + (uint64_t)st->x->export_timeout_ms * 1000000ull;
	rn_otlp_http_export(st->http, body, len, deadline, &st->abort, &r);
	int failed = r.outcome == RN_OTLP_FAILED || r.outcome == RN_OTLP_ABORTED;
	if (failed && st->spool) {
		if (r.outcome == RN_OTLP_FAILED)
			otlp_went_down(st);
		otlp_spool_body(st, body, len, n);	/* counts it */
		otlp_count(st, &r, n, 1);
		return;
	}
	if (r.outcome == RN_OTLP_OK)
		st->down = 0;
	otlp_count(st, &r, n, 0);
}

/* The --otlp-file file, or the default one, made with the first spans
 * (otlp_file.c says why); NULL when it cannot be had (counted as a file
 * error, reported at the end). Sender thread only. */
static FILE *otlp_file(struct otlp_st *st)
{
	if (st->file || !st->x->file_is_default || st->file_error)
		return st->file;
	int fd = rn_otlp_file_open_default(st->x->file, st->path, sizeof st->path);
	if (fd < 0 || !(st->file = fdopen(fd, "a"))) {
		if (fd >= 0)
			close(fd);
		snprintf(st->path, sizeof st->path, "%s", st->x->file);
		pthread_mutex_lock(&st->mu);
		st->file_error = 1;
		pthread_mutex_unlock(&st->mu);
		return NULL;
	}
	char abs[PATH_MAX];
	if (realpath(st->path, abs))
		snprintf(st->path, sizeof st->path, "%s", abs);
	return st->file;
}

static void otlp_write_file(struct otlp_st *st, struct rn_span *const *vec, size_t n)
{
	struct rn_otlp_batch b = otlp_batch(st, n ? vec[0]->group : NULL, vec, n);
	st->json.len = 0;
	int ok = rn_otlp_json_encode(&st->json, &b, 1) == 0 &&
		 fwrite(st->json.p, 1, st->json.len, st->file) == st->json.len &&
		 fflush(st->file) == 0;
	pthread_mutex_lock(&st->mu);
	if (ok) {
		st->file_spans += n;
		st->file_lines++;
	} else {
		st->file_error = 1;
	}
	pthread_mutex_unlock(&st->mu);
}

static void otlp_export(struct otlp_st *st, struct rn_span *list, size_t n)
{
	if (otlp_vec(st, list, n)) {
		pthread_mutex_lock(&st->mu);
		st->failed += n;
		pthread_mutex_unlock(&st->mu);
		return;
	}
	/* one request (one file line) per program: its resource, its trace.
	 * A stable partition, so each program's spans keep their order. */
	for (size_t at = 0; at < n;) {
		const struct rn_otlp_group *g = st->vec[at]->group;
		size_t k = at, rest = 0;
		for (size_t i = at; i < n; i++) {
			struct rn_span *sp = st->vec[i];
			if (sp->group == g)
				st->vec[k++] = sp;
			else
				st->tmp[rest++] = sp;
		}
		memcpy(st->vec + k, st->tmp, rest * sizeof *st->tmp);
		if (st->x->file && otlp_file(st))
			otlp_write_file(st, st->vec + at, k - at);
		if (st->http)
			otlp_post(st, st->vec + at, k - at);
		at = k;
	}
}

/* ------------------------------------------------------------ metrics */

/* One metrics export (sender thread, or finish once the sender is gone):
 * the cumulative snapshot as a line of the OTLP file and a request to the
 * metrics URL. Encoded under the aggregate's lock (the drain waits for
 * that only), sent after it. A failed request is counted, not spooled:
 * the next export carries the same totals (metrics.c says why). */
static void otlp_metrics_export(struct otlp_st *st)
{
	struct rn_metrics *m = &st->met;
	FILE *f = NULL;
	int rc_line = 0, rc_body = 0;
	pthread_mutex_lock(&m->mu);
	size_t points = rn_metrics_points(m);
	if (!points) {
		rn_metrics_reap(m);	/* images that ended without a call */
		pthread_mutex_unlock(&m->mu);
		return;
	}
	struct rn_met_snap sn = { m, real_ns() };
	st->mline.len = 0;
	if (st->x->file)
		rc_line = rn_metrics_encode_json(&sn, &st->mline, 1);
	if (st->mhttp) {
		st->mbody.len = 0;
		rc_body = st->x->m_protocol == RN_OTLP_JSON ? rn_metrics_encode_json(&sn, &st->mbody, 0)
							    : rn_metrics_encode_pb(&sn, &st->mbody);
	}
	rn_metrics_reap(m);
	pthread_mutex_unlock(&m->mu);

	if (st->x->file && (f = otlp_file(st))) {
		int ok = !rc_line && fwrite(st->mline.p, 1, st->mline.len, f) == st->mline.len &&
			 fflush(f) == 0;
		pthread_mutex_lock(&st->mu);
		if (ok)
			st->met_file_lines++;
		else
			st->file_error = 1;
		pthread_mutex_unlock(&st->mu);
	}
	if (!st->mhttp)
		return;
	struct rn_otlp_result r;
	memset(&r, 0, sizeof r);
	if (rc_body) {
		r.outcome = RN_OTLP_FAILED;
		snprintf(r.message, sizeof r.message, "out of memory encoding the metrics");
	} else {
		if (!st->mhttp_own)
			rn_otlp_http_url(st->mhttp, st->x->metrics_endpoint);
		rn_otlp_http_export(st->mhttp, st->mbody.p, st->mbody.len,
				    mono_ns() + (uint64_t)st->x->export_timeout_ms * 1000000ull,
				    &st->abort, &r);
		if (!st->mhttp_own)
			rn_otlp_http_url(st->mhttp, st->x->endpoint);
	}
	pthread_mutex_lock(&st->mu);
	st->met_exports++;
	if (r.outcome == RN_OTLP_OK) {
		st->met_delivered += points;
		st->met_last_failed = 0;
	} else {
		st->met_failed += points;
		st->met_failed_exports++;
		st->met_last_failed = points;
		snprintf(st->met_error, sizeof st->met_error, "%s%s",
			 r.outcome == RN_OTLP_REJECTED ? "rejected: " : "",
			 r.message[0] ? r.message : "no answer");
	}
	pthread_mutex_unlock(&st->mu);
}

/* The metrics transport (otlp_metrics_env.c) as the options an HTTP
 * client is made from. */
static void otlp_metrics_transport(struct rn_otlp_opts *mx, const struct rn_otlp_opts *x)
{
	mx->endpoint = x->metrics_endpoint;
	mx->protocol = x->m_protocol;
	mx->gzip = x->m_gzip;
	mx->zstd = x->m_zstd;
	mx->timeout_ms = x->m_timeout_ms;
	mx->cert = x->m_cert;
	mx->client_cert = x->m_client_cert;
	mx->client_key = x->m_client_key;
	mx->nheaders = x->m_nheaders;
	memcpy(mx->headers, x->m_headers, sizeof mx->headers);
}

/* Metrics and traces go the same way: one client (and connection) for
 * both. */
static int otlp_same_transport(const struct rn_otlp_opts *x)
{
	if (x->m_protocol != x->protocol || x->m_gzip != x->gzip || x->m_zstd != x->zstd ||
	    x->m_timeout_ms != x->timeout_ms ||
	    x->m_nheaders != x->nheaders)
		return 0;
	const char *a[3] = { x->m_cert, x->m_client_cert, x->m_client_key };
	const char *b[3] = { x->cert, x->client_cert, x->client_key };
	for (unsigned i = 0; i < 3; i++)
		if ((!a[i] != !b[i]) || (a[i] && strcmp(a[i], b[i])))
			return 0;
	for (unsigned i = 0; i < x->nheaders; i++)
		if (strcmp(x->m_headers[i].key, x->headers[i].key) ||
		    strcmp(x->m_headers[i].value, x->headers[i].value))
			return 0;
	return 1;
}

static void *otlp_sender(void *arg)
{
	struct otlp_st *st = arg;
	uint64_t delay = (uint64_t)st->x->tune.delay_ms * 1000000ull;
	if (st->spool) {
		/* what an exporter killed before us (or a run that ended
		 * while the receiver was down) left in the spool is ours to
		 * send, first: no --replay needed */
		size_t b;
		uint64_t n;
		int rc = rn_spool_adopt(st->spool, &b, &n);
		pthread_mutex_lock(&st->mu);
		st->adopted = n;
		st->adopted_batches = b;
		if (rc)
			snprintf(st->spool_error, sizeof st->spool_error,
				 "cannot take on the spool %s: %s", rn_spool_dir(st->spool),
				 strerror(-rc));
		pthread_mutex_unlock(&st->mu);
		otlp_spool_figures(st);
	}
	pthread_mutex_lock(&st->mu);
	for (;;) {
		/* wait for a full batch, the delay, spool work, metrics, or the end */
		int take, resend, metrics = 0;
		for (;;) {
			uint64_t now = mono_ns(), due = st->last_export_ns + delay;
			if (st->abort)
				goto out;
			resend = otlp_spool_due(st, now);
			take = st->qlen >= st->x->tune.batch ||
			       (st->qlen && (st->stop || now >= due || st->hurry));
			if (resend && st->stop)
				st->final_probe = 1;
			/* metrics: every interval, and once at the end (after the
			 * spans, so the file's last line has the final totals) */
			metrics = st->met_on && !st->met_final &&
				  (now >= st->next_metrics_ns || (st->stop && !st->qlen && !resend));
			if (take || resend || metrics)
				break;
			if (st->stop && !st->qlen)
				goto out;
			uint64_t wake = st->qlen ? due : UINT64_MAX;
			if (st->met_on && st->next_metrics_ns < wake)
				wake = st->next_metrics_ns;
			if (st->spool && st->down && rn_spool_pending(st->spool, NULL) &&
			    st->next_probe_ns < wake)
				wake = st->next_probe_ns;
			if (wake != UINT64_MAX) {
				struct timespec ts = abs_mono(wake);
				pthread_cond_timedwait(&st->cv_work, &st->mu, &ts);
			} else {
				pthread_cond_wait(&st->cv_work, &st->mu);
			}
		}
		size_t n = 0;
		struct rn_span *list = NULL, *last = NULL;
		if (take) {
			list = st->qhead;
			for (struct rn_span *sp = list; sp && n < st->x->tune.batch; sp = sp->next) {
				last = sp;
				n++;
			}
			st->qhead = last->next;
			if (!st->qhead)
				st->qtail = NULL;
			last->next = NULL;
			st->qlen -= n;
			st->inflight = n;
			st->inflight_from = list->upto ? list->upto - 1 : 0;
			st->hurry = 0;
			pthread_cond_broadcast(&st->cv_room);
		}
		/* after stop the drain is done: any metrics export is the last */
		int stopping = st->stop;
		pthread_mutex_unlock(&st->mu);

		/* the spool first: oldest batches go out first */
		if (resend)
			otlp_resend(st, st->down);
		if (n) {
			otlp_export(st, list, n);
			rn_span_release(&st->pool, list);
		}
		if (metrics) {
			otlp_metrics_export(st);
			st->next_metrics_ns = mono_ns() + (uint64_t)st->x->metric_interval_ms * 1000000ull;
			if (stopping)
				st->met_final = 1;
		}

		pthread_mutex_lock(&st->mu);
		if (n) {
			st->done += n;
			st->inflight = 0;
			st->last_export_ns = mono_ns();
			pthread_cond_broadcast(&st->cv_room);
		}
	}
out:
	st->sender_done = 1;
	pthread_cond_broadcast(&st->cv_room);
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* ------------------------------------------------------------ the sink */

static int otlp_event(struct rn_sink *s, const struct rn_event *ev)
{
	struct otlp_st *st = s->st;
	/* every event counts, spans or not: what is not queued is durable */
	st->given++;	/* before the span is queued: it carries the count */
	if (ev->flags & RN_EV_SIGNAL)
		return 0;	/* not a call: no span, no metric (docs/OTLP.md) */
	if (st->met_on)
		rn_metrics_event(&st->met, ev);	/* a failure is counted in nomem */
	return st->x->spans ? rn_otlp_model_event(&st->model, ev) : 0;
}

/* Events before the oldest span not yet acknowledged or spooled: the
 * batch in flight, else the head of the queue, else all of them. */
static uint64_t otlp_durable(struct rn_sink *s, int hurry)
{
	struct otlp_st *st = s->st;
	pthread_mutex_lock(&st->mu);
	uint64_t n = st->inflight ? st->inflight_from
		     : st->qhead ? (st->qhead->upto ? st->qhead->upto - 1 : 0)
		     : st->given;
	if (hurry && st->qlen && !st->hurry) {
		st->hurry = 1;
		pthread_cond_signal(&st->cv_work);
	}
	pthread_mutex_unlock(&st->mu);
	return n;
}

/* As otlp_durable, counting process spans the model still holds for
 * their parent (not queued yet): an end is durable once its span is. */
static uint64_t otlp_durable_ends(struct rn_sink *s)
{
	struct otlp_st *st = s->st;
	uint64_t n = otlp_durable(s, 0), h = rn_otlp_model_held_min(&st->model);
	return h != UINT64_MAX && h - 1 < n ? h - 1 : n;
}

static int otlp_proc_start(struct rn_sink *s, const struct rn_proc *p)
{
	struct otlp_st *st = s->st;
	if (st->met_on)
		rn_metrics_proc_start(&st->met, p);
	return st->x->spans ? rn_otlp_model_proc_start(&st->model, p) : 0;
}

static int otlp_proc_end(struct rn_sink *s, const struct rn_proc *p)
{
	struct otlp_st *st = s->st;
	/* an end counts as an event given (sink.h, durable): the process
	 * span queued now carries the count, so the session keeps the
	 * process's arena until the span is acknowledged or spooled */
	st->given++;
	st->model.upto_now = st->given;	/* a span held for its parent */
	if (st->met_on)
		rn_metrics_proc_end(&st->met, p);
	if (!st->x->spans)
		return 0;
	int rc = rn_otlp_model_proc_end(&st->model, p);
	/* programs whose spans are all out are forgotten: a daemon's memory
	 * stays bounded however many programs it sees */
	pthread_mutex_lock(&st->mu);
	uint64_t done = st->done;
	pthread_mutex_unlock(&st->mu);
	rn_otlp_model_gc(&st->model, done);
	return rc;
}

static int otlp_ready(struct rn_sink *s)
{
	struct otlp_st *st = s->st;
	st->pass_ns = mono_ns();	/* the session asks at each pass's start */
	return atomic_load_explicit(&st->qlen, memory_order_relaxed) < st->x->tune.queue;
}

static void otlp_report(struct otlp_st *st)
{
	const struct rn_otlp_opts *x = st->x;
	uint64_t lost = st->rejected + st->failed + st->dropped + st->model.nomem + st->spool_dropped;
	const char *err = st->spool_error[0] ? st->spool_error : st->last_error;
	if (st->http && lost) {
		char full[128] = "";
		if (st->spool_dropped)
			snprintf(full, sizeof full, ", %" PRIu64 " dropped (the spool is full)",
				 st->spool_dropped);
		fprintf(stderr,
			"renacer: OTLP: %" PRIu64 " of %" PRIu64 " spans not delivered to %s: "
			"%" PRIu64 " rejected by the receiver, %" PRIu64 " failed%s%s%s, "
			"%" PRIu64 " dropped (queue full or out of memory)%s\n",
			lost, st->queued + st->dropped + st->model.nomem, x->endpoint, st->rejected,
			st->failed, err[0] ? " (" : "", err, err[0] ? ")" : "",
			st->dropped + st->model.nomem, full);
	}
	if (st->spool_dropped)
		fprintf(stderr, "renacer: OTLP: %" PRIu64 " spans dropped at the spool limit "
			"(--spool-max-mb %" PRIu32 ") of %s\n", st->spool_dropped, st->spool_max_mb,
			rn_spool_dir(st->spool));
	if (st->adopted_batches && !st->quiet)
		fprintf(stderr, "renacer: OTLP: %zu batches (%" PRIu64 " spans) an earlier exporter "
			"left in %s were taken on; %" PRIu64 " spans sent from the spool in all\n",
			st->adopted_batches, st->adopted, rn_spool_dir(st->spool), st->resent);
	if (st->spool_batches)
		fprintf(stderr, "renacer: OTLP: the receiver is unreachable: %zu batch%s (%" PRIu64
			" span%s) kept in %s; send them with: renacer-exporter --replay %s\n",
			st->spool_batches, st->spool_batches == 1 ? "" : "es", st->spool_spans,
			st->spool_spans == 1 ? "" : "s", rn_spool_dir(st->spool),
			rn_spool_dir(st->spool));
	if (st->mhttp && st->met_last_failed)
		fprintf(stderr, "renacer: OTLP: metrics export to %s failed (%s): the final totals "
			"(%" PRIu64 " data points) did not reach it; %" PRIu64 " of %" PRIu64
			" exports failed (metrics are cumulative, not spooled)\n", x->metrics_endpoint,
			st->met_error, st->met_last_failed, st->met_failed_exports, st->met_exports);
	else if (st->mhttp && st->met_failed_exports)
		fprintf(stderr, "renacer: OTLP: metrics of %" PRIu64 " calls delivered to %s; %" PRIu64
			" of %" PRIu64 " exports failed (%s), their totals carried by a later one "
			"(cumulative)\n", st->met.calls, x->metrics_endpoint, st->met_failed_exports,
			st->met_exports, st->met_error);
	else if (st->mhttp && st->met_exports && !st->quiet)
		fprintf(stderr, "renacer: OTLP: metrics of %" PRIu64 " calls delivered to %s\n",
			st->met.calls, x->metrics_endpoint);
	if (st->met_on && st->met.nomem)
		fprintf(stderr, "renacer: OTLP: %" PRIu64 " calls not counted in the metrics (out of "
			"memory)\n", st->met.nomem);
	if (st->http && x->spans && !lost && !st->spool_batches && !st->quiet) {
		fprintf(stderr, "renacer: OTLP: %" PRIu64 " spans delivered to %s\n", st->delivered,
			x->endpoint);
	}
	if (st->file || st->file_error) {
		if (st->file_error)
			fprintf(stderr, "renacer: OTLP: cannot write %s: the file is incomplete\n",
				st->path);
		else if (!st->http && (st->dropped || st->model.nomem))
			fprintf(stderr, "renacer: OTLP: %" PRIu64 " spans dropped (queue full or out of memory)\n",
				st->dropped + st->model.nomem);
		if (!st->file_spans && !st->met_file_lines && !st->file_error && x->file_is_default)
			unlink(st->path);	/* nothing traced: no file of ours left */
		else if ((!st->quiet || st->file_error) && st->met_file_lines)
			fprintf(stderr, "renacer: OTLP trace written to %s (%" PRIu64 " spans, %" PRIu64
				" metrics exports)\n", st->path, st->file_spans, st->met_file_lines);
		else if (!st->quiet || st->file_error)
			fprintf(stderr, "renacer: OTLP trace written to %s (%" PRIu64 " spans)\n",
				st->path, st->file_spans);
	}
}

static int otlp_finish(struct rn_sink *s, const struct rn_stats *stats)
{
	struct otlp_st *st = s->st;
	(void)stats;
	st->model.upto_now = st->given;
	if (st->x->spans)
		rn_otlp_model_flush(&st->model, real_ns());
	pthread_mutex_lock(&st->mu);
	st->stop = 1;
	pthread_cond_signal(&st->cv_work);
	struct timespec ts = abs_mono(mono_ns() + (uint64_t)st->x->export_timeout_ms * 1000000ull);
	while (!st->sender_done)
		if (pthread_cond_timedwait(&st->cv_room, &st->mu, &ts) == ETIMEDOUT)
			break;
	st->abort = 1;	/* past the timeout: cut a request in flight */
	pthread_cond_signal(&st->cv_work);
	pthread_mutex_unlock(&st->mu);
	if (st->thread_started) {
		pthread_join(st->thr, NULL);
		st->thread_started = 0;
	}
	/* what the sender could not take: to the spool when there is one
	 * (the sender is gone: its encoder is ours now), else failed */
	if (st->spool && st->http) {
		st->down = 1;
		st->next_probe_ns = UINT64_MAX;
		while (st->qhead) {
			size_t n = 0;
			struct rn_span *list = st->qhead, *last = NULL;
			for (struct rn_span *sp = list; sp && n < st->x->tune.batch; sp = sp->next) {
				last = sp;
				n++;
			}
			st->qhead = last->next;
			last->next = NULL;
			st->qlen -= n;
			otlp_export(st, list, n);
			rn_span_release(&st->pool, list);
		}
	}
	/* the sender ended before the last metrics export (the timeout
	 * passed): the file still gets the final totals */
	if (st->met_on && !st->met_final) {
		otlp_metrics_export(st);
		st->met_final = 1;
	}
	st->failed += st->qlen;
	rn_span_release(&st->pool, st->qhead);
	st->qhead = st->qtail = NULL;
	st->qlen = 0;
	otlp_report(st);
	return st->file_error ? -EIO : 0;
}

static void otlp_destroy(struct rn_sink *s)
{
	struct otlp_st *st = s->st;
	if (!st)
		return;
	if (st->thread_started) {
		pthread_mutex_lock(&st->mu);
		st->abort = 1;
		pthread_cond_signal(&st->cv_work);
		pthread_mutex_unlock(&st->mu);
		pthread_join(st->thr, NULL);
	}
	rn_span_release(&st->pool, st->qhead);
	rn_otlp_model_free(&st->model);
	rn_otlp_http_free(st->http);
	if (st->http)
		curl_global_cleanup();
	if (st->mhttp_own)
		rn_otlp_http_free(st->mhttp);
	if (st->met_curl)
		curl_global_cleanup();
	if (st->met_on)
		rn_metrics_free(&st->met);
	rn_otlp_buf_free(&st->mbody);
	rn_otlp_buf_free(&st->mline);
	rn_otlp_pb_free(st->pb);
	rn_otlp_buf_free(&st->json);
	free(st->vec);
	free(st->tmp);
	if (st->file)
		fclose(st->file);
	rn_span_pool_destroy(&st->pool);
	rn_spool_close(st->spool);
	pthread_cond_destroy(&st->cv_work);
	pthread_cond_destroy(&st->cv_room);
	pthread_mutex_destroy(&st->mu);
	free(st);
	s->st = NULL;
}

/* Keys the span and trace ids on the session directory dir (its device,
 * inode, birth time and name): every exporter of one session gives the
 * same record the same span id, so a batch sent again after a restart
 * carries the same ids. Not its change time: every file made or removed
 * in the directory changes that, and a restarted exporter gave the same
 * record another id. Where the file system keeps no birth time, the
 * change time at our start keeps ids of different sessions apart, at the
 * cost of stable ids. Nothing when dir cannot be read. */
static void otlp_session_key(struct otlp_st *st, const char *dir)
{
	struct statx sx;
	if (statx(AT_FDCWD, dir, 0, STATX_INO | STATX_BTIME | STATX_CTIME, &sx))
		return;
	struct statx_timestamp t = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime : sx.stx_ctime;
	uint64_t k0 = 0xcbf29ce484222325ull;
	for (const char *p = dir; *p; p++)
		k0 = (k0 ^ (unsigned char)*p) * 0x100000001b3ull;
	k0 ^= (uint64_t)sx.stx_ino << 1;
	uint64_t dev = (uint64_t)sx.stx_dev_major << 32 | sx.stx_dev_minor;
	uint64_t k1 = dev ^ (uint64_t)t.tv_sec << 20 ^ (uint64_t)t.tv_nsec << 1 ^ k0;
	rn_otlp_model_key(&st->model, k0, k1);
}

static size_t otlp_status(struct rn_sink *s, char *buf, size_t cap);

int rn_sink_otlp_new(struct rn_sink *s, const struct rn_otlp_opts *x, const char *session_dir)
{
	struct otlp_st *st = calloc(1, sizeof *st);
	int rc = -ENOMEM;
	if (!st)
		return -ENOMEM;
	st->x = x;
	st->quiet = x->quiet;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv_work, &ca);
	pthread_cond_init(&st->cv_room, &ca);
	pthread_condattr_destroy(&ca);
	memset(s, 0, sizeof *s);
	s->st = st;
	s->destroy = otlp_destroy;

	if (rn_span_pool_init(&st->pool, x->tune.pool, x->pool_disable))
		goto fail_pool;
	if (rn_otlp_model_init(&st->model, &st->pool, x, otlp_enqueue, st))
		goto fail;
	if (session_dir)
		otlp_session_key(st, session_dir);
	rn_otlp_model_filter(&st->model, x);	/* the trace id is final */
	if (!(st->pb = rn_otlp_pb_new()))
		goto fail;
	if (x->file && !x->file_is_default) {
		st->file = rn_otlp_file_open_given(x->file);
		if (!st->file) {
			rc = -errno;
			goto fail;
		}
		/* the path as the user can find it, whatever the cwd */
		char abs[PATH_MAX];
		snprintf(st->path, sizeof st->path, "%s", realpath(x->file, abs) ? abs : x->file);
	}
	if (x->endpoint) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT))
			goto fail;
		rc = rn_otlp_http_new(&st->http, x);
		if (rc) {
			curl_global_cleanup();
			goto fail;
		}
		/* the spool: made on disk only when a batch first needs it */
		char def[4096];
		const char *dir = x->spool_dir;
		st->spool_max_mb = x->spool_max_mb;
		if (!dir && x->spool_max_mb && rn_spool_default_dir(def, sizeof def) == 0)
			dir = def;
		if (dir && x->spool_max_mb &&
		    rn_spool_writer(&st->spool, dir, (uint64_t)x->spool_max_mb << 20)) {
			rc = -ENOMEM;
			goto fail;
		}
		if (!dir && x->spool_max_mb)
			snprintf(st->spool_error, sizeof st->spool_error,
				 "no spool: HOME is not set; use --spool-dir");
		/* with a spool, a receiver that is not there costs no wait */
		rn_otlp_http_fail_fast(st->http, st->spool != NULL);
	}
	rc = -ENOMEM;
	if (x->metrics) {
		if (rn_metrics_init(&st->met, x))
			goto fail;
		st->met_on = 1;
		st->next_metrics_ns = mono_ns() + (uint64_t)x->metric_interval_ms * 1000000ull;
	}
	if (x->metrics && x->metrics_endpoint && st->http && otlp_same_transport(x)) {
		/* the traces' transport, its URL switched for each export:
		 * one kept-alive connection for both signals */
		st->mhttp = st->http;
	} else if (x->metrics && x->metrics_endpoint) {
		/* the metrics' own transport settings and URL */
		struct rn_otlp_opts *mx = malloc(sizeof *mx);
		if (!mx)
			goto fail;
		*mx = *x;
		otlp_metrics_transport(mx, x);
		if (!st->http && curl_global_init(CURL_GLOBAL_DEFAULT)) {
			free(mx);
			goto fail;
		}
		rc = rn_otlp_http_new(&st->mhttp, mx);
		st->mhttp_own = 1;
		explicit_bzero(mx, sizeof *mx);	/* header values: credentials */
		free(mx);
		if (rc) {
			if (!st->http)
				curl_global_cleanup();
			goto fail;
		}
		/* with no traces transport, curl_global_cleanup is ours */
		st->met_curl = !st->http;
	}
	st->last_export_ns = mono_ns();
	if (pthread_create(&st->thr, NULL, otlp_sender, st)) {
		rc = -EAGAIN;
		goto fail;
	}
	st->thread_started = 1;
	s->name = "otlp";
	s->event = otlp_event;
	s->proc_start = otlp_proc_start;
	s->proc_end = otlp_proc_end;
	s->ready = otlp_ready;
	s->durable = otlp_durable;
	s->durable_ends = otlp_durable_ends;
	s->finish = otlp_finish;
	s->status = otlp_status;
	return 0;
fail:
	rn_span_pool_destroy(&st->pool);
	st->pool.chunks = NULL;
fail_pool:
	/* destroy frees the rest; the pool is already gone */
	rn_otlp_model_free(&st->model);
	rn_otlp_http_free(st->http);
	if (st->http)
		curl_global_cleanup();
	rn_otlp_pb_free(st->pb);
	if (st->mhttp_own)
		rn_otlp_http_free(st->mhttp);
	if (st->met_curl)
		curl_global_cleanup();
	if (st->met_on)
		rn_metrics_free(&st->met);
	if (st->file)
		fclose(st->file);
	rn_spool_close(st->spool);
	pthread_cond_destroy(&st->cv_work);
	pthread_cond_destroy(&st->cv_room);
	pthread_mutex_destroy(&st->mu);
	free(st);
	memset(s, 0, sizeof *s);
	return rc;
}

/* ------------------------------------------------------------ figures */

static size_t otlp_status(struct rn_sink *s, char *buf, size_t cap)
{
	struct otlp_st *st = s->st;
	pthread_mutex_lock(&st->mu);
	int n = snprintf(buf, cap,
			 ",\"otlp_delivered\":%" PRIu64 ",\"otlp_dropped_queue\":%" PRIu64
			 ",\"otlp_spooled\":%" PRIu64 ",\"otlp_spool_pending\":%" PRIu64
			 ",\"otlp_spool_dropped\":%" PRIu64 ",\"otlp_rejected\":%" PRIu64
			 ",\"otlp_failed\":%" PRIu64 ",\"otlp_programs\":%zu"
			 ",\"otlp_metric_exports\":%" PRIu64 ",\"otlp_metric_points_failed\":%" PRIu64
			 ",\"otlp_spans_sampled_out\":%" PRIu64 ",\"otlp_spool_adopted\":%" PRIu64
			 ",\"otlp_spool_resent\":%" PRIu64,
			 st->delivered, st->dropped + st->model.nomem, st->spooled, st->spool_spans,
			 st->spool_dropped, st->rejected, st->failed, st->model.ngroups, st->met_exports,
			 st->met_failed, st->sampled_out, st->adopted, st->resent);
	pthread_mutex_unlock(&st->mu);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}
