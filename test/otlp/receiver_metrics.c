/* receiver_metrics.c: the test receiver's metrics side (receiver.h): an
 * ExportMetricsServiceRequest, protobuf or OTLP JSON, flattened into one
 * rx_point per data point with the attributes the tests look at. Test
 * code only. */
#include "receiver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "json.h"

static struct rx_point *grow(struct rx_point **out, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*out = realloc(*out, *cap * sizeof **out);
	}
	struct rx_point *p = &(*out)[(*n)++];
	memset(p, 0, sizeof *p);
	return p;
}

/* ------------------------------------------------------------ protobuf */

static void pb_attrs(struct rx_point *p, Opentelemetry__Proto__Common__V1__KeyValue **kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const Opentelemetry__Proto__Common__V1__AnyValue *v = kv[i]->value;
		if (!v || v->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
			continue;
		if (!strcmp(kv[i]->key, "renacer.syscall.name"))
			snprintf(p->syscall, sizeof p->syscall, "%s", v->string_value);
		else if (!strcmp(kv[i]->key, "error.type"))
			snprintf(p->etype, sizeof p->etype, "%s", v->string_value);
	}
}

int rx_decode_metrics_pb(const uint8_t *b, size_t n, struct rx_point **out, size_t *nout,
			 size_t *cap, int mreq)
{
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req =
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(NULL, n, b);
	if (!req)
		return -1;
	int count = 0;
	for (size_t i = 0; i < req->n_resource_metrics; i++) {
		const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = req->resource_metrics[i];
		int64_t pid = -1;
		char exe[64] = "";
		for (size_t a = 0; rm->resource && a < rm->resource->n_attributes; a++) {
			const Opentelemetry__Proto__Common__V1__KeyValue *kv = rm->resource->attributes[a];
			if (!strcmp(kv->key, "process.pid") && kv->value)
				pid = kv->value->int_value;
			if (!strcmp(kv->key, "process.executable.name") && kv->value &&
			    kv->value->string_value)
				snprintf(exe, sizeof exe, "%s", kv->value->string_value);
		}
		for (size_t j = 0; j < rm->n_scope_metrics; j++) {
			const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = rm->scope_metrics[j];
			for (size_t k = 0; k < sm->n_metrics; k++) {
				const Opentelemetry__Proto__Metrics__V1__Metric *m = sm->metrics[k];
				if (m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM) {
					for (size_t d = 0; d < m->sum->n_data_points; d++) {
						const Opentelemetry__Proto__Metrics__V1__NumberDataPoint *dp =
							m->sum->data_points[d];
						struct rx_point *p = grow(out, nout, cap);
						p->mreq = mreq;
						p->pid = pid;
						snprintf(p->exe, sizeof p->exe, "%s", exe);
						snprintf(p->metric, sizeof p->metric, "%s", m->name);
						p->kind = 1;
						p->temporality = (int)m->sum->aggregation_temporality;
						p->monotonic = m->sum->is_monotonic;
						p->value = (uint64_t)dp->as_int;
						pb_attrs(p, dp->attributes, dp->n_attributes);
						count++;
					}
				} else if (m->data_case ==
					   OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM) {
					const Opentelemetry__Proto__Metrics__V1__ExponentialHistogram *h =
						m->exponential_histogram;
					for (size_t d = 0; d < h->n_data_points; d++) {
						const Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint *dp =
							h->data_points[d];
						struct rx_point *p = grow(out, nout, cap);
						p->mreq = mreq;
						p->pid = pid;
						snprintf(p->exe, sizeof p->exe, "%s", exe);
						snprintf(p->metric, sizeof p->metric, "%s", m->name);
						p->kind = 2;
						p->temporality = (int)h->aggregation_temporality;
						p->value = dp->count;
						p->buckets = dp->zero_count;
						for (size_t x = 0; dp->positive && x < dp->positive->n_bucket_counts; x++)
							p->buckets += dp->positive->bucket_counts[x];
						for (size_t x = 0; dp->negative && x < dp->negative->n_bucket_counts; x++)
							p->buckets += dp->negative->bucket_counts[x];
						p->sum = dp->sum;
						p->min = dp->min;
						p->max = dp->max;
						p->scale = dp->scale;
						pb_attrs(p, dp->attributes, dp->n_attributes);
						count++;
					}
				}
			}
		}
	}
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
	return count;
}

/* ------------------------------------------------------------ JSON */

static uint64_t ju64(const struct tj *v)
{
	if (!v)
		return 0;
	return v->type == TJ_STR ? strtoull(v->str, NULL, 10) : (uint64_t)v->num;
}

static double jnum(const struct tj *v)
{
	return v && v->type == TJ_NUM ? v->num : 0;
}

static void json_attrs(struct rx_point *p, const struct tj *at)
{
	for (size_t a = 0; at && a < at->len; a++) {
		const char *k = tj_str(tj_get(&at->kids[a], "key"));
		const char *v = tj_str(tj_get(tj_get(&at->kids[a], "value"), "stringValue"));
		if (!strcmp(k, "renacer.syscall.name"))
			snprintf(p->syscall, sizeof p->syscall, "%s", v);
		else if (!strcmp(k, "error.type"))
			snprintf(p->etype, sizeof p->etype, "%s", v);
	}
}

int rx_decode_metrics_json(const char *b, size_t n, struct rx_point **out, size_t *nout,
			   size_t *cap, int mreq)
{
	struct tj *doc = tj_parse(b, n, NULL);
	if (!doc)
		return -1;
	const struct tj *rms = tj_get(doc, "resourceMetrics");
	if (!rms || rms->type != TJ_ARR) {
		tj_free(doc);
		return -1;
	}
	int count = 0;
	for (size_t i = 0; i < rms->len; i++) {
		const struct tj *rm = &rms->kids[i];
		int64_t pid = -1;
		char exe[64] = "";
		const struct tj *ra = tj_get(tj_get(rm, "resource"), "attributes");
		for (size_t a = 0; ra && a < ra->len; a++) {
			const char *k = tj_str(tj_get(&ra->kids[a], "key"));
			const struct tj *v = tj_get(&ra->kids[a], "value");
			if (!strcmp(k, "process.pid"))
				pid = (int64_t)ju64(tj_get(v, "intValue"));
			if (!strcmp(k, "process.executable.name"))
				snprintf(exe, sizeof exe, "%s", tj_str(tj_get(v, "stringValue")));
		}
		const struct tj *sms = tj_get(rm, "scopeMetrics");
		for (size_t j = 0; sms && j < sms->len; j++) {
			const struct tj *ms = tj_get(&sms->kids[j], "metrics");
			for (size_t k = 0; ms && k < ms->len; k++) {
				const struct tj *m = &ms->kids[k], *d;
				int kind = (d = tj_get(m, "sum")) ? 1 : (d = tj_get(m, "exponentialHistogram")) ? 2 : 0;
				const struct tj *dps = tj_get(d, "dataPoints");
				for (size_t x = 0; dps && x < dps->len; x++) {
					const struct tj *dp = &dps->kids[x];
					struct rx_point *p = grow(out, nout, cap);
					p->mreq = mreq;
					p->pid = pid;
					snprintf(p->exe, sizeof p->exe, "%s", exe);
					snprintf(p->metric, sizeof p->metric, "%s", tj_str(tj_get(m, "name")));
					p->kind = kind;
					p->temporality = (int)jnum(tj_get(d, "aggregationTemporality"));
					const struct tj *mono = tj_get(d, "isMonotonic");
					p->monotonic = mono && mono->type == TJ_BOOL && mono->b;
					if (kind == 1) {
						p->value = ju64(tj_get(dp, "asInt"));
					} else {
						p->value = ju64(tj_get(dp, "count"));
						p->buckets = ju64(tj_get(dp, "zeroCount"));
						const struct tj *bc = tj_get(tj_get(dp, "positive"), "bucketCounts");
						for (size_t y = 0; bc && y < bc->len; y++)
							p->buckets += ju64(&bc->kids[y]);
						p->sum = jnum(tj_get(dp, "sum"));
						p->min = jnum(tj_get(dp, "min"));
						p->max = jnum(tj_get(dp, "max"));
						p->scale = (int)jnum(tj_get(dp, "scale"));
					}
					json_attrs(p, tj_get(dp, "attributes"));
					count++;
				}
			}
		}
	}
	tj_free(doc);
	return count;
}

const struct rx_point *rx_point_last(const struct rx_point *p, size_t n, int64_t pid,
				     const char *metric, const char *syscall, const char *etype)
{
	const struct rx_point *best = NULL;
	for (size_t i = 0; i < n; i++) {
		if (p[i].pid != pid || strcmp(p[i].metric, metric) || strcmp(p[i].syscall, syscall) ||
		    strcmp(p[i].etype, etype))
			continue;
		if (!best || p[i].mreq >= best->mreq)
			best = &p[i];
	}
	return best;
}
