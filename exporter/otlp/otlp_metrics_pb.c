/* otlp_metrics_pb.c: a metrics snapshot (otlp_metrics.h) as a protobuf
 * ExportMetricsServiceRequest, through the protobuf-c code generated from
 * proto/ at build time: one ResourceMetrics per process image, each with
 * the three metrics of its syscalls.
 *
 * Metrics are small next to spans (a few points per syscall and image,
 * once a minute), so this builds protobuf-c's message tree plainly, in
 * memory taken for one encoding and freed after it. It never changes the
 * aggregate and never keeps a pointer into it past the call.
 */
#include "otlp_metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../decode/names.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue rn_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue rn_any;
typedef Opentelemetry__Proto__Metrics__V1__Metric rn_metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint rn_npt;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint rn_hpt;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets rn_buckets;

/* Every allocation of one encoding, freed together. */
struct rn_mpb {
	void **v;
	size_t n, cap;
	int failed;
};

static void *rn_mpb_alloc(struct rn_mpb *a, size_t n)
{
	if (a->failed)
		return NULL;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		void **v = realloc(a->v, cap * sizeof *v);
		if (!v) {
			a->failed = 1;
			return NULL;
		}
		a->v = v;
		a->cap = cap;
	}
	void *p = calloc(1, n ? n : 1);
	if (!p) {
		a->failed = 1;
		return NULL;
	}
	return a->v[a->n++] = p;
}

static void rn_mpb_free(struct rn_mpb *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* protobuf-c's strings are not const; it only reads them when packing */
static char *rn_mut(const char *s)
{
	return (char *)(uintptr_t)s;
}

static rn_kv *rn_kv_str(struct rn_mpb *a, const char *key, const char *v)
{
	rn_kv *kv = rn_mpb_alloc(a, sizeof *kv);
	rn_any *any = rn_mpb_alloc(a, sizeof *any);
	if (!kv || !any)
		return NULL;
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(any);
	kv->key = rn_mut(key);
	any->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	any->string_value = rn_mut(v);
	kv->value = any;
	return kv;
}

static rn_kv *rn_kv_attr(struct rn_mpb *a, const struct rn_attr *at)
{
	if (at->type == RN_AV_STR) {
		/* resource strings are constants or NUL-terminated copies */
		return rn_kv_str(a, at->key, at->s.p ? at->s.p : "");
	}
	rn_kv *kv = rn_mpb_alloc(a, sizeof *kv);
	rn_any *any = rn_mpb_alloc(a, sizeof *any);
	if (!kv || !any)
		return NULL;
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(any);
	kv->key = rn_mut(at->key);
	if (at->type == RN_AV_BOOL) {
		any->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
		any->bool_value = at->i != 0;
	} else {
		any->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		any->int_value = at->i;
	}
	kv->value = any;
	return kv;
}

static const char *rn_err_type(int err)
{
	const char *n = rn_errno_name(err);
	return n ? n : "_OTHER";	/* the conventions' value for the unnamed */
}

static rn_metric *rn_metric_new(struct rn_mpb *a, const char *name, const char *desc,
				const char *unit)
{
	rn_metric *m = rn_mpb_alloc(a, sizeof *m);
	if (!m)
		return NULL;
	opentelemetry__proto__metrics__v1__metric__init(m);
	m->name = rn_mut(name);
	m->description = rn_mut(desc);
	m->unit = rn_mut(unit);
	return m;
}

static rn_metric *rn_sum_new(struct rn_mpb *a, const char *name, const char *desc,
			     const char *unit, size_t npts)
{
	rn_metric *m = rn_metric_new(a, name, desc, unit);
	Opentelemetry__Proto__Metrics__V1__Sum *sum = rn_mpb_alloc(a, sizeof *sum);
	rn_npt **pts = rn_mpb_alloc(a, npts * sizeof *pts);
	if (!m || !sum || !pts)
		return NULL;
	opentelemetry__proto__metrics__v1__sum__init(sum);
	sum->aggregation_temporality =
		OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
	sum->is_monotonic = 1;
	sum->data_points = pts;
	m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
	m->sum = sum;
	return m;
}

static rn_npt *rn_npt_add(struct rn_mpb *a, rn_metric *m, uint64_t start, uint64_t now,
			  uint64_t v, rn_kv *k1, rn_kv *k2)
{
	rn_npt *pt = rn_mpb_alloc(a, sizeof *pt);
	rn_kv **attrs = rn_mpb_alloc(a, 2 * sizeof *attrs);
	if (!pt || !attrs || !k1)
		return NULL;
	opentelemetry__proto__metrics__v1__number_data_point__init(pt);
	pt->start_time_unix_nano = start;
	pt->time_unix_nano = now;
	pt->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
	pt->as_int = (int64_t)v;
	attrs[0] = k1;
	attrs[1] = k2;
	pt->attributes = attrs;
	pt->n_attributes = k2 ? 2 : 1;
	m->sum->data_points[m->sum->n_data_points++] = pt;
	return pt;
}

static rn_hpt *rn_hpt_new(struct rn_mpb *a, const struct rn_met_series *s, uint64_t start,
			  uint64_t now, rn_kv *k)
{
	rn_hpt *pt = rn_mpb_alloc(a, sizeof *pt);
	rn_kv **attrs = rn_mpb_alloc(a, sizeof *attrs);
	rn_buckets *pos = rn_mpb_alloc(a, sizeof *pos);
	if (!pt || !attrs || !pos || !k)
		return NULL;
	opentelemetry__proto__metrics__v1__exponential_histogram_data_point__init(pt);
	opentelemetry__proto__metrics__v1__exponential_histogram_data_point__buckets__init(pos);
	attrs[0] = k;
	pt->attributes = attrs;
	pt->n_attributes = 1;
	pt->start_time_unix_nano = start;
	pt->time_unix_nano = now;
	pt->count = s->calls;
	pt->sum = (double)s->sum_ns * 1e-9;
	pt->min = (double)s->min_ns * 1e-9;
	pt->max = (double)s->max_ns * 1e-9;
	pt->scale = RN_MET_SCALE;
	pt->zero_count = s->zero;
	/* the buckets between the first and the last with calls */
	uint32_t lo = 0, hi = s->nb;
	while (lo < hi && !s->b[lo])
		lo++;
	while (hi > lo && !s->b[hi - 1])
		hi--;
	pos->offset = s->off + (int32_t)lo;
	pos->n_bucket_counts = hi - lo;
	pos->bucket_counts = s->b + lo;	/* read while packing only */
	pt->positive = pos;
	return pt;
}

/* One image's ResourceMetrics. */
static Opentelemetry__Proto__Metrics__V1__ResourceMetrics *
rn_rm_new(struct rn_mpb *a, const struct rn_met_snap *sn, const struct rn_met_proc *p)
{
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = rn_mpb_alloc(a, sizeof *rm);
	Opentelemetry__Proto__Resource__V1__Resource *res = rn_mpb_alloc(a, sizeof *res);
	struct rn_otlp_resource *r = rn_mpb_alloc(a, sizeof *r);
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = rn_mpb_alloc(a, sizeof *sm);
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics **smv = rn_mpb_alloc(a, sizeof *smv);
	Opentelemetry__Proto__Common__V1__InstrumentationScope *scope =
		rn_mpb_alloc(a, sizeof *scope);
	rn_metric **mv = rn_mpb_alloc(a, 3 * sizeof *mv);
	if (!rm || !res || !r || !sm || !smv || !scope || !mv)
		return NULL;
	opentelemetry__proto__metrics__v1__resource_metrics__init(rm);
	opentelemetry__proto__resource__v1__resource__init(res);
	opentelemetry__proto__metrics__v1__scope_metrics__init(sm);
	opentelemetry__proto__common__v1__instrumentation_scope__init(scope);

	/* the resource: the same call as the spans' */
	rn_otlp_resource_for(r, &p->p, sn->m->x ? sn->m->x->capture_argv : 0);
	rn_kv **rattrs = rn_mpb_alloc(a, (r->nattrs + 1) * sizeof *rattrs);
	if (!rattrs)
		return NULL;
	for (unsigned i = 0; i < r->nattrs; i++)
		if (!(rattrs[i] = rn_kv_attr(a, &r->attrs[i])))
			return NULL;
	res->attributes = rattrs;
	res->n_attributes = r->nattrs;
	rm->resource = res;

	scope->name = rn_mut("renacer");
	scope->version = rn_mut(RENACER_VERSION);
	sm->scope = scope;

	size_t nser = 0, nerr = 0;
	for (const struct rn_met_series *s = p->series; s; s = s->next) {
		nser++;
		nerr += s->nerrs;
	}
	uint64_t start = p->p.t_start_ns, now = sn->now_ns;
	if (start > now)
		start = now;
	rn_metric *calls = rn_sum_new(a, RN_MET_CALLS, "System calls made, by syscall", "{call}", nser);
	rn_metric *errs = nerr ? rn_sum_new(a, RN_MET_ERRORS,
					    "Failed system calls, by syscall and error.type",
					    "{call}", nerr)
			       : NULL;
	rn_metric *dur = rn_metric_new(a, RN_MET_DURATION, "Time in system calls, by syscall", "s");
	Opentelemetry__Proto__Metrics__V1__ExponentialHistogram *eh = rn_mpb_alloc(a, sizeof *eh);
	rn_hpt **hpts = rn_mpb_alloc(a, nser * sizeof *hpts);
	if (!calls || (nerr && !errs) || !dur || !eh || !hpts)
		return NULL;
	opentelemetry__proto__metrics__v1__exponential_histogram__init(eh);
	eh->aggregation_temporality =
		OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
	eh->data_points = hpts;
	dur->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM;
	dur->exponential_histogram = eh;

	for (const struct rn_met_series *s = p->series; s; s = s->next) {
		const char *name = rn_fns[s->fn].sys;
		rn_kv *k = rn_kv_str(a, RN_MET_ATTR_SYSCALL, name);
		if (!rn_npt_add(a, calls, start, now, s->calls, k, NULL))
			return NULL;
		for (uint32_t i = 0; i < s->nerrs; i++)
			if (!rn_npt_add(a, errs, start, now, s->errs[i].n, k,
					rn_kv_str(a, "error.type", rn_err_type(s->errs[i].err))))
				return NULL;
		if (!(hpts[eh->n_data_points++] = rn_hpt_new(a, s, start, now, k)))
			return NULL;
	}
	size_t nm = 0;
	mv[nm++] = calls;
	if (errs)
		mv[nm++] = errs;
	mv[nm++] = dur;
	sm->metrics = mv;
	sm->n_metrics = nm;
	smv[0] = sm;
	rm->scope_metrics = smv;
	rm->n_scope_metrics = 1;
	return rm;
}

int rn_metrics_encode_pb(const struct rn_met_snap *sn, struct rn_otlp_buf *out)
{
	struct rn_mpb a = { 0 };
	size_t n = 0;
	for (const struct rn_met_proc *p = sn->m->procs; p; p = p->next)
		n += p->series != NULL;
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest req =
		OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT;
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics **rms = rn_mpb_alloc(&a, n * sizeof *rms);
	int rc = -ENOMEM;
	if (!rms)
		goto out;
	for (const struct rn_met_proc *p = sn->m->procs; p; p = p->next) {
		if (!p->series)
			continue;
		if (!(rms[req.n_resource_metrics++] = rn_rm_new(&a, sn, p)))
			goto out;
	}
	req.resource_metrics = rms;
	size_t len = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__get_packed_size(&req);
	out->len = 0;
	if (rn_otlp_buf_reserve(out, len))
		goto out;
	out->len = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__pack(&req, out->p);
	rc = 0;
out:
	rn_mpb_free(&a);
	return rc;
}
