/* otlp_metrics_json.c: a metrics snapshot (otlp_metrics.h) as one OTLP
 * JSON ExportMetricsServiceRequest: a line of the Collector's file
 * exporter format, and the body of http/json requests.
 *
 * The OTLP JSON rules, as otlp_json.c follows them for spans:
 * lowerCamelCase keys, 64-bit integers as decimal strings, enums as
 * integers. It must never leave a cut object in out: on ENOMEM the buffer
 * is put back as it was.
 */
#include "otlp_metrics.h"

#include <inttypes.h>
#include <string.h>

#include "../decode/names.h"
#include "otlp_jw.h"

static void rn_kv_s(struct rn_jw *w, const char *key, const char *v)
{
	rn_jw_lit(w, "{\"key\":");
	rn_jw_cstr(w, key);
	rn_jw_lit(w, ",\"value\":{\"stringValue\":");
	rn_jw_cstr(w, v);
	rn_jw_lit(w, "}}");
}

static void rn_resource(struct rn_jw *w, const struct rn_otlp_resource *r)
{
	rn_jw_lit(w, "\"resource\":{\"attributes\":[");
	for (unsigned i = 0; i < r->nattrs; i++) {
		const struct rn_attr *a = &r->attrs[i];
		if (i)
			rn_jw_lit(w, ",");
		if (a->type == RN_AV_STR) {
			rn_kv_s(w, a->key, a->s.p ? a->s.p : "");
			continue;
		}
		rn_jw_lit(w, "{\"key\":");
		rn_jw_cstr(w, a->key);
		if (a->type == RN_AV_BOOL)
			rn_jw_lit(w, a->i ? ",\"value\":{\"boolValue\":true}}" : ",\"value\":{\"boolValue\":false}}");
		else
			rn_jw_fmt(w, ",\"value\":{\"intValue\":\"%" PRId64 "\"}}", a->i);
	}
	rn_jw_lit(w, "]}");
}

static void rn_point_head(struct rn_jw *w, const char *syscall, const char *etype, uint64_t start,
			  uint64_t now)
{
	rn_jw_lit(w, "{\"attributes\":[");
	rn_kv_s(w, RN_MET_ATTR_SYSCALL, syscall);
	if (etype) {
		rn_jw_lit(w, ",");
		rn_kv_s(w, "error.type", etype);
	}
	rn_jw_fmt(w, "],\"startTimeUnixNano\":\"%" PRIu64 "\"", start);
	rn_jw_fmt(w, ",\"timeUnixNano\":\"%" PRIu64 "\"", now);
}

static void rn_proc(struct rn_jw *w, const struct rn_met_snap *sn, const struct rn_met_proc *p)
{
	struct rn_otlp_resource r;
	rn_otlp_resource_for(&r, &p->p, sn->m->x ? sn->m->x->capture_argv : 0);
	uint64_t start = p->p.t_start_ns, now = sn->now_ns;
	if (start > now)
		start = now;
	size_t nerr = 0;
	for (const struct rn_met_series *s = p->series; s; s = s->next)
		nerr += s->nerrs;

	rn_jw_lit(w, "{");
	rn_resource(w, &r);
	rn_jw_lit(w, ",\"scopeMetrics\":[{\"scope\":{\"name\":\"renacer\",\"version\":");
	rn_jw_cstr(w, RENACER_VERSION);
	rn_jw_lit(w, "},\"metrics\":[");

	rn_jw_lit(w, "{\"name\":\"" RN_MET_CALLS "\",\"description\":\"System calls made, by syscall\","
		  "\"unit\":\"{call}\",\"sum\":{\"dataPoints\":[");
	for (const struct rn_met_series *s = p->series; s; s = s->next) {
		rn_point_head(w, rn_fns[s->fn].sys, NULL, start, now);
		rn_jw_fmt(w, ",\"asInt\":\"%" PRIu64 "\"}", s->calls);
		if (s->next)
			rn_jw_lit(w, ",");
	}
	rn_jw_lit(w, "],\"aggregationTemporality\":2,\"isMonotonic\":true}},");

	if (nerr) {
		rn_jw_lit(w, "{\"name\":\"" RN_MET_ERRORS "\",\"description\":\"Failed system calls, by "
			  "syscall and error.type\",\"unit\":\"{call}\",\"sum\":{\"dataPoints\":[");
		size_t k = 0;
		for (const struct rn_met_series *s = p->series; s; s = s->next)
			for (uint32_t i = 0; i < s->nerrs; i++) {
				const char *et = rn_errno_name(s->errs[i].err);
				rn_point_head(w, rn_fns[s->fn].sys, et ? et : "_OTHER", start, now);
				rn_jw_fmt(w, ",\"asInt\":\"%" PRIu64 "\"}", s->errs[i].n);
				if (++k < nerr)
					rn_jw_lit(w, ",");
			}
		rn_jw_lit(w, "],\"aggregationTemporality\":2,\"isMonotonic\":true}},");
	}

	rn_jw_lit(w, "{\"name\":\"" RN_MET_DURATION "\",\"description\":\"Time in system calls, by "
		  "syscall\",\"unit\":\"s\",\"exponentialHistogram\":{\"dataPoints\":[");
	for (const struct rn_met_series *s = p->series; s; s = s->next) {
		rn_point_head(w, rn_fns[s->fn].sys, NULL, start, now);
		rn_jw_fmt(w, ",\"count\":\"%" PRIu64 "\"", s->calls);
		rn_jw_fmt(w, ",\"sum\":%.9g", (double)s->sum_ns * 1e-9);
		rn_jw_fmt(w, ",\"scale\":%d", RN_MET_SCALE);
		rn_jw_fmt(w, ",\"zeroCount\":\"%" PRIu64 "\"", s->zero);
		uint32_t lo = 0, hi = s->nb;
		while (lo < hi && !s->b[lo])
			lo++;
		while (hi > lo && !s->b[hi - 1])
			hi--;
		rn_jw_fmt(w, ",\"positive\":{\"offset\":%" PRId32 ",\"bucketCounts\":[", s->off + (int32_t)lo);
		for (uint32_t i = lo; i < hi; i++)
			rn_jw_fmt(w, i > lo ? ",\"%" PRIu64 "\"" : "\"%" PRIu64 "\"", s->b[i]);
		rn_jw_lit(w, "]}");
		rn_jw_fmt(w, ",\"min\":%.9g", (double)s->min_ns * 1e-9);
		rn_jw_fmt(w, ",\"max\":%.9g}", (double)s->max_ns * 1e-9);
		if (s->next)
			rn_jw_lit(w, ",");
	}
	rn_jw_lit(w, "],\"aggregationTemporality\":2}}]}]}");
}

int rn_metrics_encode_json(const struct rn_met_snap *sn, struct rn_otlp_buf *out, int newline)
{
	struct rn_jw w = { out, 0 };
	size_t start = out->len;
	int first = 1;
	rn_jw_lit(&w, "{\"resourceMetrics\":[");
	for (const struct rn_met_proc *p = sn->m->procs; p; p = p->next) {
		if (!p->series)
			continue;
		if (!first)
			rn_jw_lit(&w, ",");
		first = 0;
		rn_proc(&w, sn, p);
	}
	rn_jw_lit(&w, "]}");
	return rn_jw_done(&w, start, newline);
}
