/* test_metrics.c: OTLP metrics, sampling and span filters on real runs:
 * metrics_prog makes known calls with known outcomes under
 * renacer-exporter, and the loopback receiver (receiver_metrics.c) or the
 * OTLP JSON file is read back. Every wait is for a condition, with a time
 * limit; no figure depends on timing. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "receiver.h"
#include "runner.h"

#ifndef RN_METRICS_PROG
#error "RN_METRICS_PROG must name metrics_prog"
#endif

static char tmpdir[256];

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/rn-metrics-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	(void)!system(cmd);
}

TestSuite(metrics, .init = setup, .fini = teardown, .timeout = 90);

/* The caller's OTEL_* must not change what a test sees. */
#define CLEAN_ENV "OTEL_TRACES_SAMPLER=", "OTEL_TRACES_SAMPLER_ARG=", "OTEL_METRICS_EXPORTER=", \
	"OTEL_METRIC_EXPORT_INTERVAL=", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=", "TRACEPARENT=", \
	"OTEL_SDK_DISABLED=", "OTEL_EXPORTER_OTLP_PROTOCOL=", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=", \
	"OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=", \
	"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=", "OTEL_EXPORTER_OTLP_COMPRESSION=", \
	"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=", "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION=", \
	"OTEL_EXPORTER_OTLP_HEADERS=", "OTEL_EXPORTER_OTLP_TRACES_HEADERS=", \
	"OTEL_EXPORTER_OTLP_METRICS_HEADERS=", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT=", \
	"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="

/* renacer-exporter -q -o /dev/null --otlp-endpoint URL [opts] -- metrics_prog args */
static void run(struct rn_run *r, struct rx *rx, char *const env[], const char *const *opts,
		const char *const *args)
{
	char *argv[32];
	int k = 0;
	argv[k++] = RN_EXPORTER;
	argv[k++] = "-q";
	argv[k++] = "-o";
	argv[k++] = "/dev/null";
	if (rx) {
		argv[k++] = "--otlp-endpoint";
		argv[k++] = rx->url;
	}
	for (; opts && *opts; opts++)
		argv[k++] = (char *)*opts;
	argv[k++] = "--";
	argv[k++] = RN_METRICS_PROG;
	for (; args && *args; args++)
		argv[k++] = (char *)*args;
	argv[k] = NULL;
	char *base[] = { CLEAN_ENV, NULL };
	char *all[48];
	int n = 0;
	for (char **e = base; *e; e++)
		all[n++] = *e;
	for (; env && *env; env++)
		all[n++] = *env;	/* later wins */
	all[n] = NULL;
	run_prog(r, NULL, all, argv, 60);
}

/* The pid of the metrics_prog image that made access calls, -1 if none. */
static int64_t prog_pid(const struct rx_point *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p[i].exe, "metrics_prog") && !strcmp(p[i].syscall, "access"))
			return p[i].pid;
	return -1;
}

static size_t spans_named(const struct rx *rx, const char *name, int errors_only)
{
	size_t n = 0;
	for (size_t i = 0; i < rx->nspans; i++)
		if (!strcmp(rx->spans[i].name, name) && (!errors_only || rx->spans[i].status == 2))
			n++;
	return n;
}

/* The metrics of calls A B C: exact counts, errors per type, buckets. */
static void check_calls(const struct rx_point *pts, size_t n, uint64_t a, uint64_t b, uint64_t c)
{
	int64_t pid = prog_pid(pts, n);
	cr_assert_gt(pid, 0, "no metrics for metrics_prog's access calls (%zu points)", n);
	const struct rx_point *p = rx_point_last(pts, n, pid, "renacer.syscall.calls", "access", "");
	cr_assert_not_null(p);
	cr_assert_eq(p->value, a + b + c, "calls counted: %llu", (unsigned long long)p->value);
	cr_assert_eq(p->temporality, 2, "cumulative");
	cr_assert(p->monotonic);
	p = rx_point_last(pts, n, pid, "renacer.syscall.errors", "access", "ENOENT");
	cr_assert(b ? p && p->value == b : !p, "ENOENT errors");
	p = rx_point_last(pts, n, pid, "renacer.syscall.errors", "access", "ENOTDIR");
	cr_assert(c ? p && p->value == c : !p, "ENOTDIR errors");
	/* no other error type on access */
	for (size_t i = 0; i < n; i++)
		if (pts[i].pid == pid && !strcmp(pts[i].syscall, "access") && pts[i].etype[0])
			cr_assert(!strcmp(pts[i].etype, "ENOENT") || !strcmp(pts[i].etype, "ENOTDIR"),
				  "%s", pts[i].etype);
	p = rx_point_last(pts, n, pid, "renacer.syscall.duration", "access", "");
	cr_assert_not_null(p);
	cr_assert_eq(p->kind, 2, "an exponential histogram");
	cr_assert_eq(p->value, a + b + c);
	cr_assert_eq(p->buckets, p->value, "buckets sum to the count");
	cr_assert_gt(p->sum, 0);
	cr_assert(p->min <= p->max);
}

Test(metrics, counts_errors_and_histogram_exact)
{
	struct rx *rx = rx_start(NULL, 0);
	cr_assert_not_null(rx);
	struct rn_run r;
	const char *args[] = { "calls", "7", "3", "2", NULL };
	run(&r, rx, NULL, NULL, args);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_eq(r.err[0], '\0', "stderr: %s", r.err);
	/* the exporter returned: its last export was answered */
	cr_assert_geq(rx->nmreqs, 1, "no metrics request (%d bad)", rx->nmbad);
	cr_assert_str_eq(rx->mcontent_type, "application/x-protobuf");
	check_calls(rx->pts, rx->npts, 7, 3, 2);
	/* the spans are still there, one per call */
	cr_assert_eq(spans_named(rx, "access", 0), 12);
	rx_stop(rx);
}

Test(metrics, json_protocol_and_the_file)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	char file[512];
	snprintf(file, sizeof file, "%s/out.otlp.jsonl", tmpdir);
	const char *opts[] = { "--otlp-file", file, NULL };
	const char *args[] = { "calls", "4", "1", "3", NULL };
	char *env[] = { "OTEL_EXPORTER_OTLP_PROTOCOL=http/json", NULL };
	run(&r, rx, env, opts, args);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_str_eq(rx->mcontent_type, "application/json");
	check_calls(rx->pts, rx->npts, 4, 1, 3);
	rx_stop(rx);

	/* the file: every line one request, spans or metrics; the metrics
	 * lines decode to the same totals */
	size_t len;
	char *b = slurp(file, &len);
	cr_assert_not_null(b);
	struct rx_point *pts = NULL;
	size_t n = 0, cap = 0;
	int mlines = 0, slines = 0;
	for (char *line = strtok(b, "\n"); line; line = strtok(NULL, "\n")) {
		struct tj *doc = tj_parse(line, strlen(line), NULL);
		cr_assert_not_null(doc, "not JSON: %.200s", line);
		int m = tj_get(doc, "resourceMetrics") != NULL, s = tj_get(doc, "resourceSpans") != NULL;
		tj_free(doc);
		cr_assert_eq(m + s, 1, "%.200s", line);
		if (m)
			cr_assert_geq(rx_decode_metrics_json(line, strlen(line), &pts, &n, &cap, mlines++), 0);
		slines += s;
	}
	cr_assert_geq(mlines, 1);
	cr_assert_geq(slines, 1);
	check_calls(pts, n, 4, 1, 3);
	free(pts);
	free(b);
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Each signal its own variables: OTEL_EXPORTER_OTLP_METRICS_* over the
 * generic ones, and the traces' _TRACES_ forms never for metrics. The
 * spans' requests show the traces side kept its own. */
static const struct rx_req *first_span_req(const struct rx *rx)
{
	for (size_t i = 0; i < rx->nreqs; i++)
		if (rx->reqs[i].nspans)
			return &rx->reqs[i];
	return NULL;
}

Test(metrics, per_signal_variables_over_the_generic_ones)
{
	const char *args[] = { "calls", "3", "1", "1", NULL };
	struct rn_run r;

	/* the traces' own protocol, compression and headers: not the metrics' */
	struct rx *rx = rx_start(NULL, 0);
	char *env1[] = { "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json",
			 "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=none",
			 "OTEL_EXPORTER_OTLP_TRACES_HEADERS=X-Test-Token=traces", NULL };
	run(&r, rx, env1, NULL, args);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	const struct rx_req *q = first_span_req(rx);
	cr_assert_not_null(q);
	cr_assert_str_eq(q->content_type, "application/json");
	cr_assert_str_eq(q->custom, "traces");
	cr_assert_str_eq(rx->mcontent_type, "application/x-protobuf", "metrics: the default");
	cr_assert_str_eq(rx->mcontent_encoding, "gzip", "metrics: the default");
	cr_assert_str_eq(rx->mcustom, "", "metrics: no header of the traces'");
	check_calls(rx->pts, rx->npts, 3, 1, 1);
	rx_stop(rx);

	/* the metrics' own over the generic ones, which the traces keep */
	rx = rx_start(NULL, 0);
	char *env2[] = { "OTEL_EXPORTER_OTLP_PROTOCOL=http/json", "OTEL_EXPORTER_OTLP_COMPRESSION=gzip",
			 "OTEL_EXPORTER_OTLP_HEADERS=X-Test-Token=both",
			 "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=http/protobuf",
			 "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION=none",
			 "OTEL_EXPORTER_OTLP_METRICS_HEADERS=X-Test-Token=metrics",
			 "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT=5000", NULL };
	run(&r, rx, env2, NULL, args);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_eq(r.err[0], '\0', "stderr: %s", r.err);
	q = first_span_req(rx);
	cr_assert_not_null(q);
	cr_assert_str_eq(q->content_type, "application/json");
	cr_assert_str_eq(q->content_encoding, "gzip");
	cr_assert_str_eq(q->custom, "both");
	cr_assert_str_eq(rx->mcontent_type, "application/x-protobuf");
	cr_assert_str_eq(rx->mcontent_encoding, "");
	cr_assert_str_eq(rx->mcustom, "metrics");
	check_calls(rx->pts, rx->npts, 3, 1, 1);
	rx_stop(rx);

	/* generic alone: both signals; a flag over every variable */
	rx = rx_start(NULL, 0);
	char *env3[] = { "OTEL_EXPORTER_OTLP_HEADERS=X-Test-Token=both",
			 "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=http/protobuf", NULL };
	const char *opts[] = { "--otlp-protocol", "http/json", NULL };
	run(&r, rx, env3, opts, args);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_str_eq(rx->mcontent_type, "application/json", "the flag wins");
	cr_assert_str_eq(rx->mcustom, "both");
	check_calls(rx->pts, rx->npts, 3, 1, 1);
	rx_stop(rx);
}

/* Temporality: renacer's sums and histograms are cumulative; a preference
 * for delta warns once and the export stays cumulative and exact. */
Test(metrics, temporality_preference_delta_warns_and_stays_cumulative)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	const char *args[] = { "calls", "2", "1", "0", NULL };
	char *env[] = { "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta", NULL };
	run(&r, rx, env, NULL, args);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert(strstr(r.err, "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE='delta' ignored"),
		  "%s", r.err);
	cr_assert_eq(count_lines(r.err), 1, "one warning: %s", r.err);
	check_calls(rx->pts, rx->npts, 2, 1, 0);
	for (size_t i = 0; i < rx->npts; i++)
		cr_assert_eq(rx->pts[i].temporality, 2, "cumulative");
	rx_stop(rx);
}

/* A receiver outage: the first exports meet a receiver that hangs up
 * (each one fails once its retries run out, OTEL_BSP_EXPORT_TIMEOUT); once
 * it is back, the next cumulative export carries every call. The end
 * report says the failed exports were superseded, and claims no loss. */
struct outage {
	struct rx *rx;
	int seen;
};

static void *back_up_after_a_failure(void *arg)
{
	struct outage *o = arg;
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 30;
	pthread_mutex_lock(&o->rx->mu);
	while (o->rx->nmdown < 2 &&
	       pthread_cond_timedwait(&o->rx->cv, &o->rx->mu, &dl) == 0)
		;
	o->seen = o->rx->nmdown;
	pthread_mutex_unlock(&o->rx->mu);
	rx_set_mode(o->rx, RX_UP);
	return NULL;
}

Test(metrics, an_outage_loses_no_call)
{
	struct outage o = { rx_start(NULL, 0), 0 };
	cr_assert_not_null(o.rx);
	rx_set_mode(o.rx, RX_HANGUP);
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, back_up_after_a_failure, &o), 0);
	struct rn_run r;
	/* 20 calls 100 ms apart: exports every 100 ms, each given 300 ms */
	const char *args[] = { "calls", "12", "5", "3", "100", NULL };
	char *env[] = { "OTEL_METRIC_EXPORT_INTERVAL=100", "OTEL_BSP_EXPORT_TIMEOUT=300", NULL };
	const char *opts[] = { "--metrics-only", NULL };
	run(&r, o.rx, env, opts, args);
	pthread_join(t, NULL);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_geq(o.seen, 2, "the receiver never saw a metrics export while down");
	check_calls(o.rx->pts, o.rx->npts, 12, 5, 3);
	cr_assert(strstr(r.err, "their totals carried by a later one"), "%s", r.err);
	cr_assert_null(strstr(r.err, "did not reach"), "%s", r.err);
	cr_assert_null(strstr(r.err, "unsent"), "%s", r.err);
	rx_stop(o.rx);
}

Test(metrics, metrics_only_sends_no_span)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	const char *opts[] = { "--metrics-only", NULL };
	const char *args[] = { "calls", "5", "2", "0", NULL };
	run(&r, rx, NULL, opts, args);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_eq(rx->nspans, 0, "%zu spans with --metrics-only", rx->nspans);
	cr_assert_eq(rx->nreqs, 0, "no traces request at all");
	check_calls(rx->pts, rx->npts, 5, 2, 0);
	rx_stop(rx);
	/* with nowhere to send them, or against --no-otlp: exit 2, one line */
	const char *alone[] = { "-c", "--metrics-only", NULL };
	run(&r, NULL, NULL, alone, args);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "--metrics-only") && r.lines == 1, "%s", r.err);
	const char *both[] = { "--metrics-only", "--no-otlp", NULL };
	run(&r, NULL, NULL, both, args);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "--metrics-only") && r.lines == 1, "%s", r.err);
}

Test(metrics, turned_off_by_flag_or_environment)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	const char *opts[] = { "--no-metrics", NULL };
	const char *args[] = { "calls", "2", "0", "0", NULL };
	run(&r, rx, NULL, opts, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *env[] = { "OTEL_METRICS_EXPORTER=none", NULL };
	run(&r, rx, env, NULL, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(rx->nmreqs + rx->nmbad, 0, "metrics sent while off");
	cr_assert_eq(spans_named(rx, "access", 0), 4, "spans unchanged");
	/* a bad value warns once and keeps the default (on) */
	char *env2[] = { "OTEL_METRICS_EXPORTER=prometheus", NULL };
	run(&r, rx, env2, NULL, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err, "OTEL_METRICS_EXPORTER='prometheus' ignored"), "%s", r.err);
	cr_assert_eq(rx->nmreqs, 1);
	rx_stop(rx);
}

Test(metrics, exported_every_interval_cumulatively)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	/* 20 calls 50 ms apart (a second at least) with a 100 ms interval */
	const char *args[] = { "calls", "20", "0", "0", "50", NULL };
	char *env[] = { "OTEL_METRIC_EXPORT_INTERVAL=100", NULL };
	run(&r, rx, env, NULL, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_geq(rx->nmreqs, 2, "only %d metrics requests", rx->nmreqs);
	/* cumulative: the count never goes down from one export to the next */
	int64_t pid = prog_pid(rx->pts, rx->npts);
	uint64_t last = 0;
	for (size_t i = 0; i < rx->npts; i++) {
		const struct rx_point *p = &rx->pts[i];
		if (p->pid != pid || strcmp(p->metric, "renacer.syscall.calls") || strcmp(p->syscall, "access"))
			continue;
		cr_assert_geq(p->value, last);
		last = p->value;
	}
	cr_assert_eq(last, 20);
	/* a bad interval warns and keeps the default */
	char *env2[] = { "OTEL_METRIC_EXPORT_INTERVAL=soon", NULL };
	const char *args2[] = { "calls", "1", "0", "0", NULL };
	run(&r, rx, env2, NULL, args2);
	cr_assert(strstr(r.err, "OTEL_METRIC_EXPORT_INTERVAL='soon' ignored"), "%s", r.err);
	rx_stop(rx);
}

Test(metrics, span_min_duration_drops_fast_call_spans_not_their_count)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	const char *opts[] = { "--span-min-duration", "10s", NULL };
	const char *args[] = { "calls", "6", "2", "1", NULL };
	run(&r, rx, NULL, opts, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(spans_named(rx, "access", 0), 0, "fast calls got spans");
	cr_assert_eq(spans_named(rx, "metrics_prog", 0), 1, "the process span stays");
	check_calls(rx->pts, rx->npts, 6, 2, 1);
	rx_stop(rx);

	/* --span-errors: the failed ones get theirs */
	rx = rx_start(NULL, 0);
	const char *opts2[] = { "--span-min-duration", "10s", "--span-errors", NULL };
	run(&r, rx, NULL, opts2, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(spans_named(rx, "access", 0), 3);
	cr_assert_eq(spans_named(rx, "access", 1), 3, "only failed calls");
	cr_assert_eq(spans_named(rx, "metrics_prog", 0), 1);
	rx_stop(rx);

	/* forks keep their spans, so child process spans have their parent */
	rx = rx_start(NULL, 0);
	const char *args3[] = { "procs", "3", NULL };
	run(&r, rx, NULL, opts, args3);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(spans_named(rx, "metrics_prog", 0), 4);
	for (size_t i = 0; i < rx->nspans; i++) {
		const struct rx_span *s = &rx->spans[i];
		if (strcmp(s->name, "metrics_prog") || !s->has_parent)
			continue;
		int found = 0;
		for (size_t j = 0; j < rx->nspans; j++)
			found |= !memcmp(rx->spans[j].span_id, s->parent, 8);
		cr_assert(found, "a process span's parent is missing");
	}
	/* a bad duration: exit 2, one line naming the option */
	const char *bad[] = { "--span-min-duration", "10", NULL };
	run(&r, NULL, NULL, bad, args);
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "--span-min-duration") && r.lines == 1, "%s", r.err);
	rx_stop(rx);
}

Test(metrics, sampler_always_off_drops_the_trace_not_the_metrics)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	const char *args[] = { "calls", "3", "1", "1", NULL };
	char *env[] = { "OTEL_TRACES_SAMPLER=always_off", NULL };
	run(&r, rx, env, NULL, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(rx->nspans, 0, "always_off: DROP for every span, process spans too");
	check_calls(rx->pts, rx->npts, 3, 1, 1);
	rx_stop(rx);
}

/* traceidratio decides from the trace id's 7 rightmost bytes: a trace id
 * given by TRACEPARENT makes the decision known in advance. */
Test(metrics, sampler_traceidratio_by_the_trace_id)
{
	struct rn_run r;
	const char *args[] = { "calls", "2", "0", "0", NULL };
	struct {
		const char *tp;
		const char *sampler;
		size_t spans;
	} cases[] = {
		/* R = 2^55 >= T = (1 - 0.5) * 2^56: sampled (the parent's flag ignored) */
		{ "TRACEPARENT=00-0af7651916cd43dd0080000000000000-b7ad6b7169203331-00", "traceidratio", 2 },
		/* R = 2^55 - 1: dropped */
		{ "TRACEPARENT=00-0af7651916cd43ddff7fffffffffffff-b7ad6b7169203331-01", "traceidratio", 0 },
		/* parent-based: the remote parent's flag decides */
		{ "TRACEPARENT=00-0af7651916cd43dd0080000000000000-b7ad6b7169203331-00",
		  "parentbased_traceidratio", 0 },
		{ "TRACEPARENT=00-0af7651916cd43ddff7fffffffffffff-b7ad6b7169203331-01",
		  "parentbased_traceidratio", 2 },
		{ "TRACEPARENT=00-0af7651916cd43ddff7fffffffffffff-b7ad6b7169203331-00",
		  "parentbased_always_on", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rx *rx = rx_start(NULL, 0);
		char s[96];
		snprintf(s, sizeof s, "OTEL_TRACES_SAMPLER=%s", cases[i].sampler);
		char *env[] = { (char *)cases[i].tp, s, "OTEL_TRACES_SAMPLER_ARG=0.5", NULL };
		run(&r, rx, env, NULL, args);
		cr_assert_eq(r.status, 0, "%s", r.err);
		cr_assert_eq(spans_named(rx, "access", 0), cases[i].spans, "%s %s", cases[i].sampler,
			     cases[i].tp);
		check_calls(rx->pts, rx->npts, 2, 0, 0);
		rx_stop(rx);
	}
}

Test(metrics, sampler_bad_value_warns_once_and_falls_back)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	const char *args[] = { "calls", "2", "0", "0", NULL };
	char *env[] = { "OTEL_TRACES_SAMPLER=sometimes", NULL };
	run(&r, rx, env, NULL, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(r.lines, 1, "one warning line: %s", r.err);
	cr_assert(strstr(r.err, "OTEL_TRACES_SAMPLER='sometimes' ignored"), "%s", r.err);
	cr_assert_eq(spans_named(rx, "access", 0), 2, "the default sampler: everything");
	char *env2[] = { "OTEL_TRACES_SAMPLER=traceidratio", "OTEL_TRACES_SAMPLER_ARG=2", NULL };
	run(&r, rx, env2, NULL, args);
	cr_assert_eq(r.lines, 1, "%s", r.err);
	cr_assert(strstr(r.err, "OTEL_TRACES_SAMPLER_ARG='2' ignored"), "%s", r.err);
	cr_assert_eq(spans_named(rx, "access", 0), 4, "ratio 1.0, the default argument");
	rx_stop(rx);
}

Test(metrics, one_resource_per_process)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	const char *opts[] = { "--metrics-only", NULL };
	const char *args[] = { "procs", "12", NULL };
	run(&r, rx, NULL, opts, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* each child made one access: twelve pids, one call each */
	int64_t pids[64];
	size_t np = 0;
	for (size_t i = 0; i < rx->npts; i++) {
		const struct rx_point *p = &rx->pts[i];
		if (strcmp(p->metric, "renacer.syscall.calls") || strcmp(p->syscall, "access"))
			continue;
		int seen = 0;
		for (size_t k = 0; k < np; k++)
			seen |= pids[k] == p->pid;
		if (!seen && np < 64)
			pids[np++] = p->pid;
	}
	cr_assert_eq(np, 12, "%zu processes with access calls", np);
	for (size_t k = 0; k < np; k++) {
		const struct rx_point *p = rx_point_last(rx->pts, rx->npts, pids[k],
							 "renacer.syscall.calls", "access", "");
		cr_assert_eq(p->value, 1);
	}
	rx_stop(rx);
}
