/* otlp_metrics_send.c: the OTLP sink's metrics exports. The drain
 * aggregates calls into the metrics (metrics.c); every metric interval,
 * and once at the end, the sender encodes the cumulative snapshot and
 * writes it as a line of the OTLP file and a request to the metrics URL,
 * over the traces' connection when both signals go the same way.
 *
 * A failed request is counted, never spooled or retried here: the next
 * export carries the same totals. It must never print a header value.
 */
#include "otlp_sink_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

/* One metrics export (sender thread, or finish once the sender is gone):
 * the cumulative snapshot as a line of the OTLP file and a request to the
 * metrics URL. Encoded under the aggregate's lock (the drain waits for
 * that only), sent after it. A failed request is counted, not spooled:
 * the next export carries the same totals (metrics.c says why). */
void rn_otlp_metrics_export(struct otlp_st *st)
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

	if (st->x->file && (f = rn_otlp_sink_file(st))) {
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

int rn_otlp_metrics_open(struct otlp_st *st, const struct rn_otlp_opts *x)
{
	if (rn_metrics_init(&st->met, x))
		return -ENOMEM;
	st->met_on = 1;
	st->next_metrics_ns = mono_ns() + (uint64_t)x->metric_interval_ms * 1000000ull;
	if (!x->metrics_endpoint)
		return 0;
	if (st->http && otlp_same_transport(x)) {
		/* the traces' transport, its URL switched for each export:
		 * one kept-alive connection for both signals */
		st->mhttp = st->http;
		return 0;
	}
	/* the metrics' own transport settings and URL */
	struct rn_otlp_opts *mx = malloc(sizeof *mx);
	if (!mx)
		return -ENOMEM;
	*mx = *x;
	otlp_metrics_transport(mx, x);
	if (!st->http && curl_global_init(CURL_GLOBAL_DEFAULT)) {
		free(mx);
		return -ENOMEM;
	}
	int rc = rn_otlp_http_new(&st->mhttp, mx);
	st->mhttp_own = 1;
	explicit_bzero(mx, sizeof *mx);	/* header values: credentials */
	free(mx);
	if (rc) {
		if (!st->http)
			curl_global_cleanup();
		return rc;
	}
	/* with no traces transport, curl_global_cleanup is ours */
	st->met_curl = !st->http;
	return 0;
}
