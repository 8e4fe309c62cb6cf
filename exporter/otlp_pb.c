/* otlp_pb.c: the protobuf encoding of a batch, through the protobuf-c code
 * generated from proto/ at build time.
 *
 * The message tree is built in arrays owned by the encoder and reused from
 * batch to batch; strings are pointed to, never copied (protobuf-c only
 * reads them while packing). It must never modify a span and never keep a
 * pointer into one past the call.
 */
#include "otlp_encode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue rn_pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue rn_pb_any;
typedef Opentelemetry__Proto__Common__V1__ArrayValue rn_pb_arr;
typedef Opentelemetry__Proto__Trace__V1__Span rn_pb_span;
typedef Opentelemetry__Proto__Trace__V1__Span__Link rn_pb_link;
typedef Opentelemetry__Proto__Trace__V1__Status rn_pb_status;

/* A typed array that grows and is kept. */
#define RN_VEC(T) struct { T *v; size_t cap; }

struct rn_otlp_pb {
	RN_VEC(rn_pb_span) spans;
	RN_VEC(rn_pb_span *) span_ptrs;
	RN_VEC(rn_pb_kv) kvs;
	RN_VEC(rn_pb_kv *) kv_ptrs;
	RN_VEC(rn_pb_any) anys;		/* attribute values and array members */
	RN_VEC(rn_pb_any *) any_ptrs;	/* array members */
	RN_VEC(rn_pb_arr) arrs;
	RN_VEC(rn_pb_status) stats;
	RN_VEC(rn_pb_link) links;
	RN_VEC(rn_pb_link *) link_ptrs;
	struct rn_otlp_buf out;
};

static int rn_vec_reserve(void **v, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	void *p = realloc(*v, n * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}

#define RN_RESERVE(vec, need) \
	rn_vec_reserve((void **)&(vec).v, &(vec).cap, (need), sizeof *(vec).v)

int rn_otlp_buf_reserve(struct rn_otlp_buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

void rn_otlp_buf_free(struct rn_otlp_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

struct rn_otlp_pb *rn_otlp_pb_new(void)
{
	return calloc(1, sizeof(struct rn_otlp_pb));
}

void rn_otlp_pb_free(struct rn_otlp_pb *e)
{
	if (!e)
		return;
	free(e->spans.v);
	free(e->span_ptrs.v);
	free(e->kvs.v);
	free(e->kv_ptrs.v);
	free(e->anys.v);
	free(e->any_ptrs.v);
	free(e->arrs.v);
	free(e->stats.v);
	free(e->links.v);
	free(e->link_ptrs.v);
	rn_otlp_buf_free(&e->out);
	free(e);
}

/* Fill cursor over the encoder's arrays. */
struct rn_pb_fill {
	struct rn_otlp_pb *e;
	size_t kv, any, anyp, arr;
};

/* protobuf-c reads strings as char *: they are only read while packing */
static char *rn_mut(const char *s)
{
	return (char *)(uintptr_t)s;
}

static void rn_pb_attrs(struct rn_pb_fill *f, const struct rn_span *owner,
			const struct rn_attr *a, unsigned n, rn_pb_kv ***out, size_t *nout)
{
	struct rn_otlp_pb *e = f->e;
	*out = &e->kv_ptrs.v[f->kv];
	*nout = n;
	for (unsigned i = 0; i < n; i++) {
		rn_pb_kv *kv = &e->kvs.v[f->kv];
		rn_pb_any *av = &e->anys.v[f->any++];
		e->kv_ptrs.v[f->kv++] = kv;
		opentelemetry__proto__common__v1__key_value__init(kv);
		opentelemetry__proto__common__v1__any_value__init(av);
		kv->key = rn_mut(a[i].key);
		kv->value = av;
		switch (a[i].type) {
		case RN_AV_INT:
			av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
			av->int_value = a[i].i;
			break;
		case RN_AV_BOOL:
			av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
			av->bool_value = a[i].i != 0;
			break;
		case RN_AV_STRARR: {
			rn_pb_arr *arr = &e->arrs.v[f->arr++];
			opentelemetry__proto__common__v1__array_value__init(arr);
			arr->values = &e->any_ptrs.v[f->anyp];
			arr->n_values = a[i].count;
			const char *s = rn_sref_str(owner, &a[i].s);
			for (uint32_t k = 0; k < a[i].count; k++) {
				rn_pb_any *m = &e->anys.v[f->any++];
				opentelemetry__proto__common__v1__any_value__init(m);
				m->value_case =
					OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
				m->string_value = rn_mut(s);
				e->any_ptrs.v[f->anyp++] = m;
				s += strlen(s) + 1;
			}
			av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
			av->array_value = arr;
			break;
		}
		default:
			av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
			av->string_value = rn_mut(rn_sref_str(owner, &a[i].s));
			break;
		}
	}
}

int rn_otlp_pb_encode(struct rn_otlp_pb *e, const struct rn_otlp_batch *b,
		      const uint8_t **out, size_t *len)
{
	size_t nkv = b->res->nattrs, nany = b->res->nattrs, narr = 0, nlink = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct rn_span *sp = b->spans[i];
		nkv += sp->nattrs;
		nany += sp->nattrs;
		nlink += sp->has_link;
		for (unsigned k = 0; k < sp->nattrs; k++)
			if (sp->attrs[k].type == RN_AV_STRARR) {
				narr++;
				nany += sp->attrs[k].count;
			}
	}
	if (RN_RESERVE(e->spans, b->n) || RN_RESERVE(e->span_ptrs, b->n) ||
	    RN_RESERVE(e->kvs, nkv) || RN_RESERVE(e->kv_ptrs, nkv) ||
	    RN_RESERVE(e->anys, nany) || RN_RESERVE(e->any_ptrs, nany) ||
	    RN_RESERVE(e->arrs, narr + 1) || RN_RESERVE(e->stats, b->n) ||
	    RN_RESERVE(e->links, nlink + 1) || RN_RESERVE(e->link_ptrs, nlink + 1))
		return -ENOMEM;

	struct rn_pb_fill f = { e, 0, 0, 0, 0 };
	Opentelemetry__Proto__Resource__V1__Resource res =
		OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
	rn_pb_attrs(&f, NULL, b->res->attrs, b->res->nattrs, &res.attributes, &res.n_attributes);
	Opentelemetry__Proto__Common__V1__InstrumentationScope scope =
		OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
	scope.name = rn_mut("renacer");
	scope.version = rn_mut(RENACER_VERSION);

	size_t nl = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct rn_span *sp = b->spans[i];
		rn_pb_span *ps = &e->spans.v[i];
		e->span_ptrs.v[i] = ps;
		opentelemetry__proto__trace__v1__span__init(ps);
		ps->trace_id = (ProtobufCBinaryData){ 16, (uint8_t *)(uintptr_t)b->trace_id };
		ps->span_id = (ProtobufCBinaryData){ 8, (uint8_t *)(uintptr_t)sp->span_id };
		if (sp->has_parent)
			ps->parent_span_id =
				(ProtobufCBinaryData){ 8, (uint8_t *)(uintptr_t)sp->parent_id };
		if (b->trace_state)
			ps->trace_state = rn_mut(b->trace_state);
		ps->flags = sp->flags;
		ps->name = rn_mut(rn_sref_str(sp, &sp->name));
		ps->kind = (Opentelemetry__Proto__Trace__V1__Span__SpanKind)sp->kind;
		ps->start_time_unix_nano = sp->start_ns;
		ps->end_time_unix_nano = sp->end_ns;
		rn_pb_attrs(&f, sp, sp->attrs, sp->nattrs, &ps->attributes, &ps->n_attributes);
		if (sp->has_link) {
			rn_pb_link *l = &e->links.v[nl];
			opentelemetry__proto__trace__v1__span__link__init(l);
			l->trace_id = ps->trace_id;
			l->span_id = (ProtobufCBinaryData){ 8, (uint8_t *)(uintptr_t)sp->link_id };
			l->flags = sp->flags & 0x1ffu;
			ps->links = &e->link_ptrs.v[nl];
			ps->n_links = 1;
			e->link_ptrs.v[nl++] = l;
		}
		if (sp->status != RN_STATUS_UNSET) {
			rn_pb_status *st = &e->stats.v[i];
			opentelemetry__proto__trace__v1__status__init(st);
			st->code = (Opentelemetry__Proto__Trace__V1__Status__StatusCode)sp->status;
			if (sp->status_msg.p || sp->status_msg.len)
				st->message = rn_mut(rn_sref_str(sp, &sp->status_msg));
			ps->status = st;
		}
	}

	Opentelemetry__Proto__Trace__V1__ScopeSpans ss =
		OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
	ss.scope = &scope;
	ss.spans = e->span_ptrs.v;
	ss.n_spans = b->n;
	Opentelemetry__Proto__Trace__V1__ScopeSpans *ssp = &ss;
	Opentelemetry__Proto__Trace__V1__ResourceSpans rs =
		OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
	rs.resource = &res;
	rs.scope_spans = &ssp;
	rs.n_scope_spans = 1;
	Opentelemetry__Proto__Trace__V1__ResourceSpans *rsp = &rs;
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	req.resource_spans = &rsp;
	req.n_resource_spans = 1;

	size_t n = protobuf_c_message_get_packed_size(&req.base);
	e->out.len = 0;
	if (rn_otlp_buf_reserve(&e->out, n))
		return -ENOMEM;
	e->out.len = protobuf_c_message_pack(&req.base, e->out.p);
	*out = e->out.p;
	*len = e->out.len;
	return 0;
}
