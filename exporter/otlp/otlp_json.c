/* otlp_json.c: the OTLP JSON encoding of a batch (the Collector's file
 * exporter format, and the body of http/json requests).
 *
 * As the OTLP specification says: lowerCamelCase keys, trace and span ids
 * as lowercase hex (not base64), 64-bit integers as decimal strings, enums
 * as integers, unset fields left out. Every string goes through
 * rn_json_escape (the writer in otlp_jw.c). It must never write a cut or unbalanced object: on
 * ENOMEM the buffer is put back as it was.
 */
#include "otlp_encode.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "otlp_jw.h"

static void rn_jw_hex(struct rn_jw *w, const uint8_t *id, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[40];
	size_t k = 0;
	buf[k++] = '"';
	for (size_t i = 0; i < n; i++) {
		buf[k++] = hex[id[i] >> 4];
		buf[k++] = hex[id[i] & 15];
	}
	buf[k++] = '"';
	rn_jw_put(w, buf, k);
}

/* 64-bit integers as decimal strings (JSON numbers lose precision) */
static void rn_jw_i64s(struct rn_jw *w, int64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "\"%" PRId64 "\"", v);
	rn_jw_put(w, buf, (size_t)n);
}

static void rn_jw_u64s(struct rn_jw *w, uint64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "\"%" PRIu64 "\"", v);
	rn_jw_put(w, buf, (size_t)n);
}

static void rn_jw_u32(struct rn_jw *w, uint32_t v)
{
	char buf[16];
	int n = snprintf(buf, sizeof buf, "%" PRIu32, v);
	rn_jw_put(w, buf, (size_t)n);
}

static void rn_jw_attrs(struct rn_jw *w, const struct rn_span *owner, const struct rn_attr *a,
			unsigned n)
{
	rn_jw_lit(w, "\"attributes\":[");
	for (unsigned i = 0; i < n; i++) {
		if (i)
			rn_jw_lit(w, ",");
		rn_jw_lit(w, "{\"key\":");
		rn_jw_cstr(w, a[i].key);
		rn_jw_lit(w, ",\"value\":{");
		switch (a[i].type) {
		case RN_AV_INT:
			rn_jw_lit(w, "\"intValue\":");
			rn_jw_i64s(w, a[i].i);
			break;
		case RN_AV_BOOL:
			rn_jw_lit(w, a[i].i ? "\"boolValue\":true" : "\"boolValue\":false");
			break;
		case RN_AV_STRARR: {
			const char *s = rn_sref_str(owner, &a[i].s);
			rn_jw_lit(w, "\"arrayValue\":{\"values\":[");
			for (uint32_t k = 0; k < a[i].count; k++) {
				size_t l = strlen(s);
				rn_jw_lit(w, k ? ",{\"stringValue\":" : "{\"stringValue\":");
				rn_jw_str(w, s, l);
				rn_jw_lit(w, "}");
				s += l + 1;
			}
			rn_jw_lit(w, "]}");
			break;
		}
		default:
			rn_jw_lit(w, "\"stringValue\":");
			rn_jw_str(w, rn_sref_str(owner, &a[i].s), a[i].s.len);
			break;
		}
		rn_jw_lit(w, "}}");
	}
	rn_jw_lit(w, "]");
}

static void rn_jw_span(struct rn_jw *w, const struct rn_otlp_batch *b, const struct rn_span *sp)
{
	rn_jw_lit(w, "{\"traceId\":");
	rn_jw_hex(w, b->trace_id, 16);
	rn_jw_lit(w, ",\"spanId\":");
	rn_jw_hex(w, sp->span_id, 8);
	if (b->trace_state) {
		rn_jw_lit(w, ",\"traceState\":");
		rn_jw_cstr(w, b->trace_state);
	}
	if (sp->has_parent) {
		rn_jw_lit(w, ",\"parentSpanId\":");
		rn_jw_hex(w, sp->parent_id, 8);
	}
	rn_jw_lit(w, ",\"flags\":");
	rn_jw_u32(w, sp->flags);
	rn_jw_lit(w, ",\"name\":");
	rn_jw_str(w, rn_sref_str(sp, &sp->name), sp->name.len);
	rn_jw_lit(w, ",\"kind\":");
	rn_jw_u32(w, sp->kind);
	rn_jw_lit(w, ",\"startTimeUnixNano\":");
	rn_jw_u64s(w, sp->start_ns);
	rn_jw_lit(w, ",\"endTimeUnixNano\":");
	rn_jw_u64s(w, sp->end_ns);
	rn_jw_lit(w, ",");
	rn_jw_attrs(w, sp, sp->attrs, sp->nattrs);
	if (sp->has_link) {
		rn_jw_lit(w, ",\"links\":[{\"traceId\":");
		rn_jw_hex(w, b->trace_id, 16);
		rn_jw_lit(w, ",\"spanId\":");
		rn_jw_hex(w, sp->link_id, 8);
		rn_jw_lit(w, ",\"flags\":");
		rn_jw_u32(w, sp->flags & 0x1ffu);
		rn_jw_lit(w, "}]");
	}
	if (sp->status != RN_STATUS_UNSET) {
		rn_jw_lit(w, ",\"status\":{");
		if (sp->status_msg.p || sp->status_msg.len) {
			rn_jw_lit(w, "\"message\":");
			rn_jw_str(w, rn_sref_str(sp, &sp->status_msg), sp->status_msg.len);
			rn_jw_lit(w, ",");
		}
		rn_jw_lit(w, "\"code\":");
		rn_jw_u32(w, sp->status);
		rn_jw_lit(w, "}");
	}
	rn_jw_lit(w, "}");
}

int rn_otlp_json_encode(struct rn_otlp_buf *out, const struct rn_otlp_batch *b, int newline)
{
	struct rn_jw w = { out, 0 };
	size_t start = out->len;
	rn_jw_lit(&w, "{\"resourceSpans\":[{\"resource\":{");
	rn_jw_attrs(&w, NULL, b->res->attrs, b->res->nattrs);
	rn_jw_lit(&w, "},\"scopeSpans\":[{\"scope\":{\"name\":\"renacer\",\"version\":");
	rn_jw_cstr(&w, RENACER_VERSION);
	rn_jw_lit(&w, "},\"spans\":[");
	for (size_t i = 0; i < b->n; i++) {
		if (i)
			rn_jw_lit(&w, ",");
		rn_jw_span(&w, b, b->spans[i]);
	}
	rn_jw_lit(&w, "]}]}]}");
	return rn_jw_done(&w, start, newline);
}
