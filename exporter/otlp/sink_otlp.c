/* sink_otlp.c: the OpenTelemetry sink. Calls and process ends become spans
 * (otlp_model.c) on the drain thread; a bounded queue takes them to one
 * sender thread that exports batches with the batch span processor's
 * rules: when a batch is full, when the delay since the last export has
 * passed, and at the end. Exports are never concurrent.
 *
 * Backpressure: ready() says how much room the queue has left; a drain
 * pass reads no more records than that, and while the queue is full it
 * reads none: records wait in the rings, which are the real buffer. finish() waits
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
 * This file is the glue the session calls: drain events into model
 * calls, the queue, finish and the sink's life. The sender thread is in
 * otlp_send.c, the outage in otlp_outage.c, metrics exports in
 * otlp_metrics_send.c, the figures in otlp_report.c; their shared state
 * in otlp_sink_priv.h.
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
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <curl/curl.h>

#include "otlp_file.h"
#include "otlp_sink_priv.h"

#define RN_QUEUE_SLACK 32768u	/* spans taken past the queue size without
				 * waiting: what reads of whole rings (a
				 * process's end, an exec) may bring */

/* ------------------------------------------------------------ the queue */

/* The model's emit: the span joins the queue. ready() tells the drain
 * the room left, and a pass reads no more records than that, so the
 * queue stays within its size without waiting here (spans past it are
 * memory, about 800 bytes each with their text: a ring's worth past a
 * full queue took the exporter's peak RSS from 16 to 48 MB; and a wait
 * here stops the drain thread and its heartbeat with it, so that
 * --on-full=block programs take the exporter for dead and drop). Reads
 * of whole rings outside a pass's bound (a process's end, an exec) and
 * process spans may bring more: those are taken without waiting up to
 * RN_QUEUE_SLACK past the queue size. Past the slack (a ring larger than
 * the slack, read in one go): wait for the sender for at most one export
 * timeout, then drop the span and count it. */
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
	size_t q = atomic_load_explicit(&st->qlen, memory_order_relaxed);
	/* the room left: at most that many records are read this pass */
	size_t room = q < st->x->tune.queue ? st->x->tune.queue - q : 0;
	return room < INT_MAX ? (int)room : INT_MAX;
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
		size_t n;
		for (struct rn_span *list; (list = rn_otlp_take(st, &n));) {
			rn_otlp_send(st, list, n);
			rn_span_release(&st->pool, list);
			st->inflight = 0;
		}
	}
	/* the sender ended before the last metrics export (the timeout
	 * passed): the file still gets the final totals */
	if (st->met_on && !st->met_final) {
		rn_otlp_metrics_export(st);
		st->met_final = 1;
	}
	st->failed += st->qlen;
	rn_span_release(&st->pool, st->qhead);
	st->qhead = st->qtail = NULL;
	st->qlen = 0;
	rn_otlp_report(st);
	return st->file_error ? -EIO : 0;
}

/* Frees st and everything it holds (the sender is not running). */
static void otlp_free(struct otlp_st *st)
{
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
	if (st->pool_ok)
		rn_span_pool_destroy(&st->pool);
	rn_spool_close(st->spool);
	pthread_cond_destroy(&st->cv_work);
	pthread_cond_destroy(&st->cv_room);
	pthread_mutex_destroy(&st->mu);
	free(st);
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
	otlp_free(st);
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

/* The traces' outputs: the --otlp-file file, the receiver's transport
 * and the spool (made on disk only when a batch first needs it).
 * Returns 0 or -errno; what was made is freed by otlp_free. */
static int otlp_traces_open(struct otlp_st *st, const struct rn_otlp_opts *x)
{
	if (x->file && !x->file_is_default) {
		st->file = rn_otlp_file_open_given(x->file);
		if (!st->file)
			return -errno;
		/* the path as the user can find it, whatever the cwd */
		char abs[PATH_MAX];
		snprintf(st->path, sizeof st->path, "%s", realpath(x->file, abs) ? abs : x->file);
	}
	if (!x->endpoint)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -ENOMEM;
	int rc = rn_otlp_http_new(&st->http, x);
	if (rc) {
		curl_global_cleanup();
		return rc;
	}
	char def[4096];
	const char *dir = x->spool_dir;
	st->spool_max_mb = x->spool_max_mb;
	if (!dir && x->spool_max_mb && rn_spool_default_dir(def, sizeof def) == 0)
		dir = def;
	if (dir && x->spool_max_mb &&
	    rn_spool_writer(&st->spool, dir, (uint64_t)x->spool_max_mb << 20))
		return -ENOMEM;
	if (!dir && x->spool_max_mb)
		snprintf(st->spool_error, sizeof st->spool_error,
			 "no spool: HOME is not set; use --spool-dir");
	/* with a spool, a receiver that is not there costs no wait */
	rn_otlp_http_fail_fast(st->http, st->spool != NULL);
	return 0;
}

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

	if (rn_span_pool_init(&st->pool, x->tune.pool, x->pool_disable))
		goto fail;
	st->pool_ok = 1;
	if (rn_otlp_model_init(&st->model, &st->pool, x, otlp_enqueue, st))
		goto fail;
	if (session_dir)
		otlp_session_key(st, session_dir);
	rn_otlp_model_filter(&st->model, x);	/* the trace id is final */
	if (!(st->pb = rn_otlp_pb_new()))
		goto fail;
	if ((rc = otlp_traces_open(st, x)))
		goto fail;
	if (x->metrics && (rc = rn_otlp_metrics_open(st, x)))
		goto fail;
	st->last_export_ns = mono_ns();
	if (pthread_create(&st->thr, NULL, rn_otlp_sender, st)) {
		rc = -EAGAIN;
		goto fail;
	}
	st->thread_started = 1;
	s->st = st;
	s->name = "otlp";
	s->event = otlp_event;
	s->proc_start = otlp_proc_start;
	s->proc_end = otlp_proc_end;
	s->ready = otlp_ready;
	s->durable = otlp_durable;
	s->durable_ends = otlp_durable_ends;
	s->finish = otlp_finish;
	s->status = rn_otlp_status;
	s->destroy = otlp_destroy;
	return 0;
fail:
	otlp_free(st);
	return rc ? rc : -ENOMEM;
}
