/* otlp_report.c: the OTLP sink's figures: the lines it prints at the
 * end of a run (what was delivered, spooled, rejected, dropped, and how
 * to send what the spool still holds) and its members of the control
 * plane's status.
 *
 * Every span given is in exactly one count: delivered, rejected, failed,
 * dropped, spooled, or sampled out. It must never print a header value
 * (credentials), and prints nothing but totals when all went well.
 */
#include "otlp_sink_priv.h"

#include <inttypes.h>
#include <unistd.h>

/* The spans' lines: what was lost and why, the spool's state. Returns
 * the spans not delivered. */
static uint64_t otlp_report_spans(struct otlp_st *st)
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
	return lost;
}

/* The metrics' lines: the last export's failure loses the totals. */
static void otlp_report_metrics(struct otlp_st *st)
{
	const struct rn_otlp_opts *x = st->x;
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
}

/* The file's lines; a default file nothing was written to is removed. */
static void otlp_report_file(struct otlp_st *st)
{
	if (st->file_error)
		fprintf(stderr, "renacer: OTLP: cannot write %s: the file is incomplete\n",
			st->path);
	else if (!st->http && (st->dropped || st->model.nomem))
		fprintf(stderr, "renacer: OTLP: %" PRIu64 " spans dropped (queue full or out of memory)\n",
			st->dropped + st->model.nomem);
	if (!st->file_spans && !st->met_file_lines && !st->file_error && st->x->file_is_default)
		unlink(st->path);	/* nothing traced: no file of ours left */
	else if ((!st->quiet || st->file_error) && st->met_file_lines)
		fprintf(stderr, "renacer: OTLP trace written to %s (%" PRIu64 " spans, %" PRIu64
			" metrics exports)\n", st->path, st->file_spans, st->met_file_lines);
	else if (!st->quiet || st->file_error)
		fprintf(stderr, "renacer: OTLP trace written to %s (%" PRIu64 " spans)\n",
			st->path, st->file_spans);
}

void rn_otlp_report(struct otlp_st *st)
{
	const struct rn_otlp_opts *x = st->x;
	uint64_t lost = otlp_report_spans(st);
	otlp_report_metrics(st);
	if (st->http && x->spans && !lost && !st->spool_batches && !st->quiet) {
		fprintf(stderr, "renacer: OTLP: %" PRIu64 " spans delivered to %s\n", st->delivered,
			x->endpoint);
	}
	if (st->file || st->file_error)
		otlp_report_file(st);
}

size_t rn_otlp_status(struct rn_sink *s, char *buf, size_t cap)
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

