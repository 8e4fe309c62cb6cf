/* otlp_pb.c: the protobuf encoding of a batch, through the protobuf-c code
 * generated from proto/ at build time.
 *
 * The request is written straight into a buffer reused from batch to
 * batch: protobuf-c's generic packing of a Span message tree (init, a
 * pass to size it, a pass to pack it, field by field through its
 * descriptors) was a quarter of an uncompressed export's CPU under perf,
 * more than all the rest of the encoding. Each span's size is summed from
 * its pieces first, so every length is written once, minimal, as
 * protobuf-c writes it. protobuf-c still packs what is packed rarely: the
 * resource and scope once a batch, and the pieces below when they are not
 * cached. It must never modify a span and never keep a pointer into one
 * past the call.
 *
 * Span attributes are packed apart, one KeyValue at a time, and most of
 * them only once per run: a call span's attributes repeat (the same
 * renacer.syscall.name, .func and thread.id on every read of a thread; the
 * same few renacer.syscall.ret and .fd values), and packing a KeyValue and
 * its AnyValue is most of the work per span. A KeyValue packed by
 * protobuf-c is kept in a small cache keyed by the attribute's key
 * pointer and value (constant strings only, by pointer: otlp_span.h's
 * contract), and copied verbatim after its tag: the bytes on the wire are
 * those of the attributes field, attributes in their order (after the
 * span's other fields, which any protobuf reader accepts).
 *
 * The same goes for what a span shares with its siblings (trace id,
 * parent, trace state, flags, name, kind: one "head" per image and
 * syscall): packed once by protobuf-c as a Span holding only those, and
 * copied whole, its first tag being the head's first field (trace_id,
 * always present). Each span then writes only its id, times, link and
 * status; and since its constant bytes are contiguous, the compressor
 * finds one long match where it found three.
 */
#include "otlp_encode.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue rn_pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue rn_pb_any;
typedef Opentelemetry__Proto__Common__V1__ArrayValue rn_pb_arr;
typedef Opentelemetry__Proto__Trace__V1__Span rn_pb_span;

/* A field of a span already packed: its one-byte tag, then len bytes
 * (length and message) at p, or at off in the batch's scratch buffer
 * (which may move while the batch is resolved). */
struct rn_pb_piece {
	const uint8_t *p;
	uint32_t off, len;
	uint8_t tag;
};

/* One KeyValue packed once: what follows the attributes field's tag (its
 * length and the KeyValue). 128 bytes, direct-mapped: a collision
 * replaces the older entry, unless the batch being encoded uses it. */
#define RN_KVC_SLOTS 1024u
#define RN_KVC_BYTES 94u
#define RN_KVC_STR 48u	/* longest cached string value */

/* One span head (see the top), direct-mapped like the KeyValues. */
#define RN_HEAD_SLOTS 256u
#define RN_HEAD_BYTES 104u

struct rn_pb_head {
	const char *name;	/* a constant name */
	uint8_t parent[8];
	uint8_t has_parent;
	uint8_t kind;
	uint8_t n;		/* bytes in b */
	uint32_t flags;
	uint32_t gen;		/* the batch that last used it; 0: empty */
	uint8_t b[RN_HEAD_BYTES];
};

struct rn_pb_kvc {
	const char *key;
	const char *s;		/* RN_AV_STR: the constant string */
	int64_t i;		/* RN_AV_INT, RN_AV_BOOL */
	uint32_t len;		/* RN_AV_STR: its length */
	uint32_t gen;		/* the batch that last used it; 0: empty */
	uint8_t type;
	uint8_t n;		/* bytes in b */
	uint8_t b[RN_KVC_BYTES];
};

/* A typed array that grows and is kept. */
#define RN_VEC(T) struct { T *v; size_t cap; }

struct rn_otlp_pb {
	RN_VEC(uint32_t) sizes;		/* each span's message size */
	RN_VEC(rn_pb_kv) kvs;
	RN_VEC(rn_pb_kv *) kv_ptrs;
	RN_VEC(rn_pb_any) anys;		/* attribute values and array members */
	RN_VEC(rn_pb_any *) any_ptrs;	/* array members */
	RN_VEC(rn_pb_arr) arrs;
	RN_VEC(struct rn_pb_piece) fields;	/* span heads and attributes, packed */
	struct rn_otlp_buf scratch;	/* attributes packed for this batch only */
	struct rn_otlp_buf out;
	struct rn_pb_kvc *kvc;		/* RN_KVC_SLOTS */
	struct rn_pb_head *heads;	/* RN_HEAD_SLOTS */
	uint8_t head_trace[16];		/* the trace id and state the heads hold */
	const char *head_state;
	uint32_t gen;			/* batches encoded, never 0 */
	uint32_t head_id;		/* Span.trace_id's field number: a head's first */
	uint32_t attr_id;		/* Span.attributes' field number */
	uint8_t list_tag;		/* KeyValueList.values' tag byte */
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
	((need) <= (vec).cap ? 0 : rn_vec_reserve((void **)&(vec).v, &(vec).cap, (need), \
						   sizeof *(vec).v))

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
	struct rn_otlp_pb *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->kvc = calloc(RN_KVC_SLOTS, sizeof *e->kvc);
	e->heads = calloc(RN_HEAD_SLOTS, sizeof *e->heads);
	const ProtobufCFieldDescriptor *attrs = protobuf_c_message_descriptor_get_field_by_name(
		&opentelemetry__proto__trace__v1__span__descriptor, "attributes");
	const ProtobufCFieldDescriptor *trace = protobuf_c_message_descriptor_get_field_by_name(
		&opentelemetry__proto__trace__v1__span__descriptor, "trace_id");
	const ProtobufCFieldDescriptor *values = protobuf_c_message_descriptor_get_field_by_name(
		&opentelemetry__proto__common__v1__key_value_list__descriptor, "values");
	/* the one-byte tag rn_pb_attr_field strips: a field number below 16 */
	if (!e->kvc || !e->heads || !attrs || !values || values->id >= 16 || !trace ||
	    trace->id >= 16) {
		rn_otlp_pb_free(e);
		return NULL;
	}
	e->attr_id = attrs->id;
	e->head_id = trace->id;
	e->list_tag = (uint8_t)(values->id << 3 | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
	return e;
}

void rn_otlp_pb_free(struct rn_otlp_pb *e)
{
	if (!e)
		return;
	free(e->sizes.v);
	free(e->kvs.v);
	free(e->kv_ptrs.v);
	free(e->anys.v);
	free(e->any_ptrs.v);
	free(e->arrs.v);
	free(e->fields.v);
	rn_otlp_buf_free(&e->scratch);
	rn_otlp_buf_free(&e->out);
	free(e->kvc);
	free(e->heads);
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

static size_t rn_kvc_slot(const struct rn_attr *a, uint64_t v)
{
	uint64_t h = (uint64_t)(uintptr_t)a->key * 0x9e3779b97f4a7c15ull ^
		     (v + a->type) * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h >> 40) & (RN_KVC_SLOTS - 1);
}

/* Upper bounds of packed sizes, for the scratch room a piece packed by
 * protobuf-c needs (protobuf_c_message_pack writes without a size check).
 * Every field is counted at its widest: a tag of RN_PB_TAG bytes (every
 * OTLP field number is below 2048), a length of RN_PB_LEN (any 32-bit
 * length), a varint of RN_PB_VARINT. protobuf-c measures strings with
 * strlen, never more than an rn_sref's len (a copied string ends with a
 * NUL at len). */
#define RN_PB_TAG 2u
#define RN_PB_LEN 5u
#define RN_PB_VARINT 10u
#define RN_PB_FIELD (RN_PB_TAG + RN_PB_LEN)	/* tag and length of a string or message */

static size_t rn_pb_attr_bound(const struct rn_attr *a)
{
	/* the KeyValueList's field, the KeyValue, its key, its AnyValue */
	size_t n = 3 * RN_PB_FIELD + strlen(a->key);
	switch (a->type) {
	case RN_AV_INT:
	case RN_AV_BOOL:
		return n + RN_PB_TAG + RN_PB_VARINT;
	case RN_AV_STRARR:	/* the ArrayValue, and per member its AnyValue and string */
		return n + RN_PB_FIELD + (size_t)a->count * 2 * RN_PB_FIELD + a->s.len;
	default:
		return n + RN_PB_FIELD + a->s.len;
	}
}

/* A head at its widest: ids, trace state, flags, name, kind. */
static size_t rn_pb_head_bound(const struct rn_span *sp, size_t ts_len)
{
	return RN_PB_FIELD + (RN_PB_FIELD + 16) + (RN_PB_FIELD + 8) + (RN_PB_FIELD + ts_len) +
	       (RN_PB_TAG + 4) + (RN_PB_FIELD + sp->name.len) + (RN_PB_TAG + RN_PB_VARINT);
}

/* Room for one attribute's KeyValue tree in the encoder's arrays. */
static int rn_pb_tree_reserve(struct rn_otlp_pb *e, size_t nkv, size_t nany, size_t narr)
{
	return RN_RESERVE(e->kvs, nkv) || RN_RESERVE(e->kv_ptrs, nkv) ||
	       RN_RESERVE(e->anys, nany) || RN_RESERVE(e->any_ptrs, nany) ||
	       RN_RESERVE(e->arrs, narr + 1) ? -ENOMEM : 0;
}

/* Attribute a of owner as a piece of its span: the bytes of a Span's
 * attributes field after the tag. From the cache when it holds them;
 * else packed by protobuf-c as the only member of a KeyValueList, whose
 * own one-byte tag is left out, into the cache or, for strings that are
 * not constants and entries the batch still uses, into the batch's
 * scratch buffer. Returns 0 or -ENOMEM. */
static int rn_pb_attr_field(struct rn_otlp_pb *e, const struct rn_span *owner,
			    const struct rn_attr *a, struct rn_pb_piece *pc)
{
	struct rn_pb_kvc *c = NULL;
	pc->tag = (uint8_t)(e->attr_id << 3 | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
	int str = a->type == RN_AV_STR;
	if ((str && a->s.p && a->s.len <= RN_KVC_STR) || a->type == RN_AV_INT ||
	    a->type == RN_AV_BOOL) {
		c = &e->kvc[rn_kvc_slot(a, str ? (uint64_t)(uintptr_t)a->s.p : (uint64_t)a->i)];
		if (c->gen && c->key == a->key && c->type == a->type &&
		    (str ? c->s == a->s.p && c->len == a->s.len : c->i == a->i)) {
			c->gen = e->gen;
			pc->p = c->b;
			pc->len = c->n;
			return 0;
		}
		if (c->gen == e->gen)
			c = NULL;	/* an earlier span of this batch points to it */
	}
	size_t members = a->type == RN_AV_STRARR ? a->count : 0;
	if (rn_pb_tree_reserve(e, 1, 1 + members, 1) ||
	    rn_otlp_buf_reserve(&e->scratch, rn_pb_attr_bound(a)))
		return -ENOMEM;
	struct rn_pb_fill f = { e, 0, 0, 0, 0 };	/* the tree lives for this packing only */
	rn_pb_kv **kvp;
	size_t one;
	rn_pb_attrs(&f, owner, a, 1, &kvp, &one);
	Opentelemetry__Proto__Common__V1__KeyValueList list =
		OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE_LIST__INIT;
	list.values = kvp;
	list.n_values = 1;
	uint8_t *dst = e->scratch.p + e->scratch.len;
	size_t n = protobuf_c_message_pack(&list.base, dst);
	assert(n > 1 && dst[0] == e->list_tag);
	pc->len = (uint32_t)(n - 1);
	if (c && n - 1 <= RN_KVC_BYTES) {
		*c = (struct rn_pb_kvc){ .key = a->key, .s = str ? a->s.p : NULL, .i = a->i,
					 .len = a->s.len, .gen = e->gen, .type = a->type,
					 .n = (uint8_t)(n - 1) };
		memcpy(c->b, dst + 1, n - 1);
		pc->p = c->b;
	} else {
		pc->p = NULL;
		pc->off = (uint32_t)(e->scratch.len + 1);
		e->scratch.len += n;
	}
	return 0;
}

/* The head of sp (trace id, parent, trace state, flags, name, kind) as a
 * piece: what protobuf-c packs for a Span holding only those, without the
 * first tag (trace_id's: one byte), from the cache or packed now (into
 * the cache or the scratch buffer, as rn_pb_attr_field does). */
static int rn_pb_head_field(struct rn_otlp_pb *e, const struct rn_otlp_batch *b,
			    const struct rn_span *sp, size_t ts_len, struct rn_pb_piece *pc)
{
	struct rn_pb_head *h = NULL;
	pc->tag = (uint8_t)(e->head_id << 3 | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
	uint64_t parent = 0;
	if (sp->has_parent)
		memcpy(&parent, sp->parent_id, 8);
	if (sp->name.p) {
		uint64_t k = ((uint64_t)(uintptr_t)sp->name.p * 0x9e3779b97f4a7c15ull) ^
			     ((parent ^ sp->flags) * 0xc2b2ae3d27d4eb4full);
		h = &e->heads[(k >> 40) & (RN_HEAD_SLOTS - 1)];
		if (h->gen && h->name == sp->name.p && h->has_parent == sp->has_parent &&
		    !memcmp(h->parent, &parent, 8) && h->flags == sp->flags && h->kind == sp->kind) {
			h->gen = e->gen;
			pc->p = h->b;
			pc->len = h->n;
			return 0;
		}
		if (h->gen == e->gen)
			h = NULL;	/* an earlier span of this batch points to it */
	}
	if (rn_otlp_buf_reserve(&e->scratch, rn_pb_head_bound(sp, ts_len)))
		return -ENOMEM;
	rn_pb_span head;
	opentelemetry__proto__trace__v1__span__init(&head);
	head.trace_id = (ProtobufCBinaryData){ 16, (uint8_t *)(uintptr_t)b->trace_id };
	if (sp->has_parent)
		head.parent_span_id = (ProtobufCBinaryData){ 8, (uint8_t *)(uintptr_t)sp->parent_id };
	if (b->trace_state)
		head.trace_state = rn_mut(b->trace_state);
	head.flags = sp->flags;
	head.name = rn_mut(rn_sref_str(sp, &sp->name));
	head.kind = (Opentelemetry__Proto__Trace__V1__Span__SpanKind)sp->kind;
	uint8_t *dst = e->scratch.p + e->scratch.len;
	size_t n = protobuf_c_message_pack(&head.base, dst);
	assert(n > 1 && dst[0] == pc->tag);
	pc->len = (uint32_t)(n - 1);
	if (h && n - 1 <= RN_HEAD_BYTES) {
		*h = (struct rn_pb_head){ .name = sp->name.p, .has_parent = sp->has_parent,
					  .kind = sp->kind, .n = (uint8_t)(n - 1), .flags = sp->flags,
					  .gen = e->gen };
		memcpy(h->parent, &parent, 8);
		memcpy(h->b, dst + 1, n - 1);
		pc->p = h->b;
	} else {
		pc->p = NULL;
		pc->off = (uint32_t)(e->scratch.len + 1);
		e->scratch.len += n;
	}
	return 0;
}

/* ------------------------------------------------ writing the wire format */

/* The OTLP field tags written here (field number << 3 | wire type). */
#define RN_T_REQ_RS 0x0a	/* ExportTraceServiceRequest.resource_spans = 1 */
#define RN_T_RS_RES 0x0a	/* ResourceSpans.resource = 1 */
#define RN_T_RS_SS 0x12		/* ResourceSpans.scope_spans = 2 */
#define RN_T_SS_SCOPE 0x0a	/* ScopeSpans.scope = 1 */
#define RN_T_SS_SPAN 0x12	/* ScopeSpans.spans = 2 */
#define RN_T_SPAN_ID 0x12	/* Span.span_id = 2 */
#define RN_T_START 0x39		/* Span.start_time_unix_nano = 7, fixed64 */
#define RN_T_END 0x41		/* Span.end_time_unix_nano = 8, fixed64 */
#define RN_T_LINK 0x6a		/* Span.links = 13 */
#define RN_T_STATUS 0x7a	/* Span.status = 15 */
#define RN_T_LINK_TRACE 0x0a	/* Link.trace_id = 1 */
#define RN_T_LINK_SPAN 0x12	/* Link.span_id = 2 */
#define RN_T_LINK_FLAGS 0x35	/* Link.flags = 6, fixed32 */
#define RN_T_ST_MSG 0x12	/* Status.message = 2 */
#define RN_T_ST_CODE 0x18	/* Status.code = 3, varint */

static size_t rn_vlen(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *rn_put_varint(uint8_t *w, uint64_t v)
{
	while (v >= 0x80) {
		*w++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*w++ = (uint8_t)v;
	return w;
}

/* fixed64 and fixed32 are little-endian: on a little-endian host, one
 * store (a byte loop was 70 instructions a span under callgrind) */
static uint8_t *rn_put_le(uint8_t *w, uint64_t v, unsigned n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n == 8) {
		memcpy(w, &v, 8);
		return w + 8;
	}
	if (n == 4) {
		uint32_t v32 = (uint32_t)v;
		memcpy(w, &v32, 4);
		return w + 4;
	}
#endif
	for (unsigned i = 0; i < n; i++)
		*w++ = (uint8_t)(v >> (8 * i));
	return w;
}

/* A span's link message and status message sizes (0: none), as protobuf-c
 * sizes them (proto3: zero values are not written). */
static size_t rn_link_size(const struct rn_span *sp)
{
	return 2 + 16 + 2 + 8 + ((sp->flags & 0x1ffu) ? 5 : 0);
}

static size_t rn_status_size(const struct rn_span *sp, const char **msg, size_t *mlen)
{
	*msg = NULL;
	*mlen = 0;
	if (sp->status_msg.p || sp->status_msg.len) {
		*msg = rn_sref_str(sp, &sp->status_msg);
		*mlen = strlen(*msg);
	}
	return (*mlen ? 1 + rn_vlen(*mlen) + *mlen : 0) +
	       (sp->status ? 1 + rn_vlen((uint64_t)sp->status) : 0);
}

/* The spans of a batch were built on the drain thread, long enough ago
 * to have left this core's caches, and the pool hands them out in no
 * order a hardware prefetcher can follow: reading each one's fields was
 * half of this file's samples under perf (cache misses). The array of
 * span pointers is known up front, so ask for the spans RN_PB_AHEAD
 * places ahead: their head and first attributes, what the sizing pass
 * reads first. */
#define RN_PB_AHEAD 4
#define RN_PB_LINES 5

static void rn_pb_prefetch(const struct rn_span *sp)
{
	for (unsigned l = 0; l < RN_PB_LINES; l++)
		__builtin_prefetch((const char *)sp + 64 * l, 0, 3);
}

/* Each span's pieces (head and attributes, into e->fields) and message
 * size (e->sizes); the bytes of all spans' ScopeSpans.spans fields in
 * *spans_len. Returns 0 or -ENOMEM. */
static int rn_pb_size_spans(struct rn_otlp_pb *e, const struct rn_otlp_batch *b,
			    size_t *spans_len)
{
	size_t ts_len = b->trace_state ? strlen(b->trace_state) : 0;
	size_t nf = 0, total = 0;
	if (RN_RESERVE(e->sizes, b->n + 1))
		return -ENOMEM;
	for (size_t i = 0; i < b->n; i++) {
		const struct rn_span *sp = b->spans[i];
		if (i + RN_PB_AHEAD < b->n)
			rn_pb_prefetch(b->spans[i + RN_PB_AHEAD]);
		if (RN_RESERVE(e->fields, nf + 1u + sp->nattrs))
			return -ENOMEM;
		struct rn_pb_piece *pc = &e->fields.v[nf];
		if (rn_pb_head_field(e, b, sp, ts_len, &pc[0]))
			return -ENOMEM;
		size_t sz = 1 + pc[0].len + 2 + 8 + (sp->start_ns ? 9 : 0) + (sp->end_ns ? 9 : 0);
		for (unsigned k = 0; k < sp->nattrs; k++) {
			if (rn_pb_attr_field(e, sp, &sp->attrs[k], &pc[1 + k]))
				return -ENOMEM;
			sz += 1 + pc[1 + k].len;
		}
		nf += 1u + sp->nattrs;
		if (sp->has_link) {
			size_t l = rn_link_size(sp);
			sz += 1 + rn_vlen(l) + l;
		}
		if (sp->status != RN_STATUS_UNSET) {
			const char *msg;
			size_t mlen, st = rn_status_size(sp, &msg, &mlen);
			sz += 1 + rn_vlen(st) + st;
		}
		e->sizes.v[i] = (uint32_t)sz;
		total += 1 + rn_vlen(sz) + sz;
	}
	*spans_len = total;
	return 0;
}

/* Writes span sp (its size, its pieces from pcs) at w; returns the end. */
static uint8_t *rn_pb_write_span(struct rn_otlp_pb *e, const struct rn_otlp_batch *b,
				 const struct rn_span *sp, uint32_t size,
				 const struct rn_pb_piece *pcs, uint8_t *w)
{
	*w++ = RN_T_SS_SPAN;
	w = rn_put_varint(w, size);
	/* the head, its id and times, its attributes (pieces), link, status */
	for (unsigned k = 0; k < 1u + sp->nattrs; k++) {
		const struct rn_pb_piece *pc = &pcs[k];
		*w++ = pc->tag;
		memcpy(w, pc->p ? pc->p : e->scratch.p + pc->off, pc->len);
		w += pc->len;
		if (k == 0) {
			*w++ = RN_T_SPAN_ID;
			*w++ = 8;
			memcpy(w, sp->span_id, 8);
			w += 8;
			if (sp->start_ns) {
				*w++ = RN_T_START;
				w = rn_put_le(w, sp->start_ns, 8);
			}
			if (sp->end_ns) {
				*w++ = RN_T_END;
				w = rn_put_le(w, sp->end_ns, 8);
			}
		}
	}
	if (sp->has_link) {
		*w++ = RN_T_LINK;
		w = rn_put_varint(w, rn_link_size(sp));
		*w++ = RN_T_LINK_TRACE;
		*w++ = 16;
		memcpy(w, b->trace_id, 16);
		w += 16;
		*w++ = RN_T_LINK_SPAN;
		*w++ = 8;
		memcpy(w, sp->link_id, 8);
		w += 8;
		if (sp->flags & 0x1ffu) {
			*w++ = RN_T_LINK_FLAGS;
			w = rn_put_le(w, sp->flags & 0x1ffu, 4);
		}
	}
	if (sp->status != RN_STATUS_UNSET) {
		const char *msg;
		size_t mlen, st = rn_status_size(sp, &msg, &mlen);
		*w++ = RN_T_STATUS;
		w = rn_put_varint(w, st);
		if (mlen) {
			*w++ = RN_T_ST_MSG;
			w = rn_put_varint(w, mlen);
			memcpy(w, msg, mlen);
			w += mlen;
		}
		*w++ = RN_T_ST_CODE;
		w = rn_put_varint(w, (uint64_t)sp->status);
	}
	return w;
}

int rn_otlp_pb_encode(struct rn_otlp_pb *e, const struct rn_otlp_batch *b,
		      const uint8_t **out, size_t *len)
{
	e->scratch.len = 0;
	if (!++e->gen)
		e->gen = 1;
	/* heads hold the trace id and state: another trace, other heads */
	if (memcmp(e->head_trace, b->trace_id, 16) || e->head_state != b->trace_state) {
		memset(e->heads, 0, RN_HEAD_SLOTS * sizeof *e->heads);
		memcpy(e->head_trace, b->trace_id, 16);
		e->head_state = b->trace_state;
	}
	size_t spans_len;
	if (rn_pb_size_spans(e, b, &spans_len))
		return -ENOMEM;

	/* the resource and scope: protobuf-c, once a batch (after the
	 * pieces: their packing reuses the arrays the resource's tree is in) */
	size_t nkv = b->res->nattrs, nany = b->res->nattrs, narr = 0;
	for (unsigned k = 0; k < b->res->nattrs; k++)
		if (b->res->attrs[k].type == RN_AV_STRARR) {	/* process.command_args */
			narr++;
			nany += b->res->attrs[k].count;
		}
	if (rn_pb_tree_reserve(e, nkv, nany, narr))
		return -ENOMEM;
	struct rn_pb_fill f = { e, 0, 0, 0, 0 };
	Opentelemetry__Proto__Resource__V1__Resource res =
		OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
	rn_pb_attrs(&f, NULL, b->res->attrs, b->res->nattrs, &res.attributes, &res.n_attributes);
	Opentelemetry__Proto__Common__V1__InstrumentationScope scope =
		OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
	scope.name = rn_mut("renacer");
	scope.version = rn_mut(RENACER_VERSION);
	size_t res_len = protobuf_c_message_get_packed_size(&res.base);
	size_t scope_len = protobuf_c_message_get_packed_size(&scope.base);
	size_t ss_len = 1 + rn_vlen(scope_len) + scope_len + spans_len;
	size_t rs_len = 1 + rn_vlen(res_len) + res_len + 1 + rn_vlen(ss_len) + ss_len;
	size_t total = 1 + rn_vlen(rs_len) + rs_len;

	e->out.len = 0;
	if (rn_otlp_buf_reserve(&e->out, total))
		return -ENOMEM;
	uint8_t *w = e->out.p;
	*w++ = RN_T_REQ_RS;
	w = rn_put_varint(w, rs_len);
	*w++ = RN_T_RS_RES;
	w = rn_put_varint(w, res_len);
	w += protobuf_c_message_pack(&res.base, w);
	*w++ = RN_T_RS_SS;
	w = rn_put_varint(w, ss_len);
	*w++ = RN_T_SS_SCOPE;
	w = rn_put_varint(w, scope_len);
	w += protobuf_c_message_pack(&scope.base, w);
	size_t nf = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct rn_span *sp = b->spans[i];
		w = rn_pb_write_span(e, b, sp, e->sizes.v[i], &e->fields.v[nf], w);
		nf += 1u + sp->nattrs;
	}
	e->out.len = (size_t)(w - e->out.p);
	if (e->out.len != total)
		abort();	/* a size above is wrong: never go on past an overflow */
	*out = e->out.p;
	*len = e->out.len;
	return 0;
}
