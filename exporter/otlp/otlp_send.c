/* otlp_send.c: the OTLP sink's sender thread. It takes batches off the
 * queue with the batch span processor's rules (when a batch is full, when
 * the delay since the last export has passed, and at the end), writes
 * each as one request per program (its resource, its trace) to the
 * receiver and as lines of the OTLP file, halving a batch whose body is
 * too large, and counts every span's outcome. Between batches it resends
 * the spool (otlp_outage.c) and exports metrics (otlp_metrics_send.c).
 *
 * Exports are never concurrent: this one thread makes them all (finish
 * makes the last ones once it is joined). It must never drop a span
 * without counting it, and never hold mu while it encodes or sends.
 */
#include "otlp_sink_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otlp_file.h"

/* A request body stays well under the Collector's 20 MiB default limit:
 * larger batches are split. */
#define RN_OTLP_BODY_MAX (4u << 20)

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
void rn_otlp_count(struct otlp_st *st, const struct rn_otlp_result *r, size_t n, int kept)
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
		rn_otlp_count(st, &r, n, 0);
		return;
	}
	if (rn_otlp_spool_first(st)) {
		rn_otlp_spool_body(st, body, len, n);
		return;
	}
	uint64_t deadline = mono_ns() + (uint64_t)st->x->export_timeout_ms * 1000000ull;
	rn_otlp_http_export(st->http, body, len, deadline, &st->abort, &r);
	int failed = r.outcome == RN_OTLP_FAILED || r.outcome == RN_OTLP_ABORTED;
	if (failed && st->spool) {
		if (r.outcome == RN_OTLP_FAILED)
			rn_otlp_went_down(st);
		rn_otlp_spool_body(st, body, len, n);	/* counts it */
		rn_otlp_count(st, &r, n, 1);
		return;
	}
	if (r.outcome == RN_OTLP_OK)
		st->down = 0;
	rn_otlp_count(st, &r, n, 0);
}

/* The --otlp-file file, or the default one, made with the first spans
 * (otlp_file.c says why); NULL when it cannot be had (counted as a file
 * error, reported at the end). Sender thread only. */
FILE *rn_otlp_sink_file(struct otlp_st *st)
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

void rn_otlp_send(struct otlp_st *st, struct rn_span *list, size_t n)
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
		if (st->x->file && rn_otlp_sink_file(st))
			otlp_write_file(st, st->vec + at, k - at);
		if (st->http)
			otlp_post(st, st->vec + at, k - at);
		at = k;
	}
}

/* What the sender does next (otlp_next). */
struct otlp_work {
	int take;	/* a batch is due */
	int resend;	/* spool work is due */
	int metrics;	/* a metrics export is due */
};

/* Waits, under mu, for a full batch, the delay, spool work, metrics, or
 * the end. Returns 1 with *w saying what is due, or 0: the sender ends. */
static int otlp_next(struct otlp_st *st, struct otlp_work *w)
{
	uint64_t delay = (uint64_t)st->x->tune.delay_ms * 1000000ull;
	for (;;) {
		uint64_t now = mono_ns(), due = st->last_export_ns + delay;
		if (st->abort)
			return 0;
		w->resend = rn_otlp_spool_due(st, now);
		w->take = st->qlen >= st->x->tune.batch ||
			  (st->qlen && (st->stop || now >= due || st->hurry));
		if (w->resend && st->stop)
			st->final_probe = 1;
		/* metrics: every interval, and once at the end (after the
		 * spans, so the file's last line has the final totals) */
		w->metrics = st->met_on && !st->met_final &&
			     (now >= st->next_metrics_ns || (st->stop && !st->qlen && !w->resend));
		if (w->take || w->resend || w->metrics)
			return 1;
		if (st->stop && !st->qlen)
			return 0;
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
}

struct rn_span *rn_otlp_take(struct otlp_st *st, size_t *n)
{
	struct rn_span *list = st->qhead, *last = NULL;
	*n = 0;
	if (!list)
		return NULL;
	for (struct rn_span *sp = list; sp && *n < st->x->tune.batch; sp = sp->next) {
		last = sp;
		++*n;
	}
	st->qhead = last->next;
	if (!st->qhead)
		st->qtail = NULL;
	last->next = NULL;
	st->qlen -= *n;
	st->inflight = *n;
	st->inflight_from = list->upto ? list->upto - 1 : 0;
	st->hurry = 0;
	pthread_cond_broadcast(&st->cv_room);
	return list;
}

void *rn_otlp_sender(void *arg)
{
	struct otlp_st *st = arg;
	if (st->spool)
		rn_otlp_spool_adopt(st);
	pthread_mutex_lock(&st->mu);
	struct otlp_work w;
	while (otlp_next(st, &w)) {
		size_t n = 0;
		struct rn_span *list = w.take ? rn_otlp_take(st, &n) : NULL;
		/* after stop the drain is done: any metrics export is the last */
		int stopping = st->stop;
		pthread_mutex_unlock(&st->mu);

		/* the spool first: oldest batches go out first */
		if (w.resend)
			rn_otlp_resend(st, st->down);
		if (n) {
			rn_otlp_send(st, list, n);
			rn_span_release(&st->pool, list);
		}
		if (w.metrics) {
			rn_otlp_metrics_export(st);
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
	st->sender_done = 1;
	pthread_cond_broadcast(&st->cv_room);
	pthread_mutex_unlock(&st->mu);
	return NULL;
}
