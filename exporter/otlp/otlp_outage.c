/* otlp_outage.c: the OTLP sink while the receiver is down (the sink's
 * top comment in sink_otlp.c, "Outage"). A batch still failing after its
 * retries goes to the disk spool (otlp_spool.c) and the receiver is
 * marked down; while it is down, new batches go straight to the spool,
 * and the oldest spooled batch is sent once, now and then, as a probe.
 * When one gets through, the spool is sent back oldest first before any
 * new batch. What an earlier exporter left in the spool is taken on at
 * the start.
 *
 * Runs on the sender thread (and in finish once it is joined). It must
 * never remove a spooled batch before the receiver answered for it, and
 * never let a batch go uncounted.
 */
#include "otlp_sink_priv.h"

#include <errno.h>
#include <string.h>

/* While the receiver is down: the first probe after this, doubling. */
#define RN_PROBE_FIRST_MS 250
#define RN_PROBE_MAX_MS 2000

void rn_otlp_spool_adopt(struct otlp_st *st)
{
	/* what an exporter killed before us (or a run that ended while the
	 * receiver was down) left in the spool is ours to send, first: no
	 * --replay needed */
	size_t b;
	uint64_t n;
	int rc = rn_spool_adopt(st->spool, &b, &n);
	pthread_mutex_lock(&st->mu);
	st->adopted = n;
	st->adopted_batches = b;
	if (rc)
		snprintf(st->spool_error, sizeof st->spool_error, "cannot take on the spool %s: %s",
			 rn_spool_dir(st->spool), strerror(-rc));
	pthread_mutex_unlock(&st->mu);
	rn_otlp_spool_figures(st);
}

/* The receiver failed: batches go to the spool until a probe succeeds. */
void rn_otlp_went_down(struct otlp_st *st)
{
	st->probe_ms = st->down ? st->probe_ms * 2 : RN_PROBE_FIRST_MS;
	if (st->probe_ms > RN_PROBE_MAX_MS)
		st->probe_ms = RN_PROBE_MAX_MS;
	st->down = 1;
	st->next_probe_ns = mono_ns() + st->probe_ms * 1000000ull;
}

/* What the spool holds, for the status figures and the report. */
void rn_otlp_spool_figures(struct otlp_st *st)
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
int rn_otlp_spool_body(struct otlp_st *st, const uint8_t *body, size_t len, size_t n)
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
	rn_otlp_spool_figures(st);
	return rc;
}

/* A new batch goes to the spool, not to the receiver: the receiver is
 * down (and no probe is due with nothing spooled to probe with), or
 * older batches wait. */
int rn_otlp_spool_first(struct otlp_st *st)
{
	if (!st->spool)
		return 0;
	if (rn_spool_pending(st->spool, NULL))
		return 1;
	return st->down && mono_ns() < st->next_probe_ns;
}

/* The sender has spool work: batches wait and the receiver is up, or a
 * probe is due (always once at the end). */
int rn_otlp_spool_due(struct otlp_st *st, uint64_t now)
{
	if (!st->spool || !rn_spool_pending(st->spool, NULL))
		return 0;
	return !st->down || now >= st->next_probe_ns || (st->stop && !st->final_probe);
}

/* Sends the spool oldest first until it is empty or a batch fails (the
 * receiver is down again). probe: the first batch gets one attempt. */
void rn_otlp_resend(struct otlp_st *st, int probe)
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
		rn_otlp_count(st, &r, it.spans, 1);
		if (r.outcome == RN_OTLP_OK) {
			pthread_mutex_lock(&st->mu);
			st->resent += it.spans;
			pthread_mutex_unlock(&st->mu);
			st->down = 0;
		}
		rn_spool_item_free(&it);
		rn_otlp_spool_figures(st);
		if (!sent) {
			if (r.outcome == RN_OTLP_FAILED)
				rn_otlp_went_down(st);
			return;
		}
	}
	if (!rn_spool_pending(st->spool, NULL))
		st->down = 0;
}
