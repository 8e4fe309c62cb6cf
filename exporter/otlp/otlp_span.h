/* otlp_span.h: one span as the exporter builds it, and the pool spans come
 * from.
 *
 * A span owns a text buffer for the strings it copied (paths, addresses,
 * messages); constant strings (syscall names, attribute keys, errno text)
 * are pointed to, never copied. Strings in the text buffer are referred to
 * by offset, since the buffer may move while it grows. Span, attribute
 * array and text buffer are reused from batch to batch: the pool must
 * never free a span's memory while the span is in use, and never lose one.
 */
#ifndef RN_OTLP_SPAN_H
#define RN_OTLP_SPAN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define RN_SPAN_ATTRS 16	/* attributes per span, at most */

struct rn_otlp_group;

enum rn_attr_type { RN_AV_STR, RN_AV_INT, RN_AV_BOOL, RN_AV_STRARR };

/* A string: constant (p) or in the owner's text buffer (off, when p is
 * NULL). A constant, like an attribute key, must keep its bytes for the
 * whole run: the protobuf encoder keeps what it packed from one by its
 * pointer (otlp_pb.c). len is at least strlen(p): packing bounds rely on
 * it. */
struct rn_sref {
	const char *p;
	uint32_t off;
	uint32_t len;
};

/* 32 bytes: a span's attributes are most of the bytes the encoder reads
 * from memory another thread wrote (otlp_pb.c), so a value is either its
 * integer or its string, never both. */
struct rn_attr {
	const char *key;	/* constant: never copied */
	uint8_t type;		/* enum rn_attr_type */
	uint32_t count;		/* RN_AV_STRARR: NUL-separated strings in s */
	union {
		int64_t i;		/* RN_AV_INT, RN_AV_BOOL */
		struct rn_sref s;	/* RN_AV_STR, RN_AV_STRARR */
	};
};

enum rn_span_kind { RN_KIND_INTERNAL = 1 };
enum rn_status { RN_STATUS_UNSET = 0, RN_STATUS_OK = 1, RN_STATUS_ERROR = 2 };

/* The fields the sender thread reads of every span (the queue walk, the
 * encoder's head and times, the pool's release) come first, so a span
 * built on the drain thread costs it as few cache misses as can be. */
struct rn_span {
	struct rn_span *next;	/* queue, batch and free-list link */
	uint8_t span_id[8];
	uint8_t parent_id[8];	/* valid when has_parent */
	uint64_t start_ns, end_ns;	/* unix ns */
	uint32_t flags;		/* SpanFlags: trace flags, parent remote bits */
	uint8_t has_parent, has_link, kind, status;
	uint16_t nattrs;
	uint8_t pooled;		/* from a pool chunk (not malloc'd alone) */
	uint32_t text_len, text_cap;
	uint32_t allocs;	/* text buffer (re)allocations, for the pool's count */
	uint64_t upto;		/* the sink's: events given when it was queued */
	const struct rn_otlp_group *group;	/* its resource and trace
						 * (otlp_model.h); set by the model */
	char *text;		/* owned strings; kept when the span is reused */
	struct rn_sref name;
	struct rn_sref status_msg;	/* with RN_STATUS_ERROR */
	uint8_t link_id[8];	/* valid when has_link: the image exec replaced */
	struct rn_attr attrs[RN_SPAN_ATTRS];
};

/* rn_span_reset: empty the span for reuse, keeping its buffers. */
void rn_span_reset(struct rn_span *sp);

/* rn_sref_str: the bytes of a string of sp (not NUL-terminated when it is
 * an array; use len). */
static inline const char *rn_sref_str(const struct rn_span *sp, const struct rn_sref *r)
{
	return r->p ? r->p : sp->text + r->off;
}

/* rn_span_text: copy n bytes (a NUL is added) into sp's text buffer.
 * Returns 0 with *r set, or -ENOMEM (sp unchanged). */
int rn_span_text(struct rn_span *sp, const void *s, size_t n, struct rn_sref *r);

/* rn_span_text_utf8: like rn_span_text for bytes from the traced program:
 * invalid UTF-8 becomes U+FFFD (OTLP strings must be valid UTF-8: a
 * receiver refuses the whole request otherwise) and NULs are dropped. */
int rn_span_text_utf8(struct rn_span *sp, const void *s, size_t n, struct rn_sref *r);

/* rn_span_attr: the next attribute slot with its key set, or NULL when
 * the span has RN_SPAN_ATTRS already. */
struct rn_attr *rn_span_attr(struct rn_span *sp, const char *key, enum rn_attr_type t);
void rn_span_attr_int(struct rn_span *sp, const char *key, int64_t v);
void rn_span_attr_cstr(struct rn_span *sp, const char *key, const char *constant);
/* copies s[0..n), made valid UTF-8: for strings that do not outlive the
 * call. Returns 0, -ENOSPC (no slot left) or -ENOMEM. */
int rn_span_attr_str(struct rn_span *sp, const char *key, const void *s, size_t n);

struct rn_span_chunk;

/* Counters a test or the final report reads (under the pool lock). */
struct rn_pool_stats {
	uint64_t acquired, released;	/* spans handed out and given back */
	uint64_t capacity;		/* spans in chunks (0 when disabled) */
	uint64_t chunks;		/* chunk allocations (growth) */
	uint64_t mallocs;		/* allocations made for spans and text */
};

/* Spans are acquired by the drain thread and released, a batch at a time,
 * by the sender thread. Release takes the pool's lock; acquire takes it
 * only when its own list (mine) is empty, and then moves the whole free
 * list to it: a lock (and the lock's cache line crossing cores) per batch,
 * not per span. Only one thread at a time may acquire. */
struct rn_span_pool {
	pthread_mutex_t mu;
	struct rn_span *free;
	struct rn_span *mine;	/* the acquiring thread's: no lock */
	uint64_t mine_acquired;	/* spans taken from mine: written by the
				 * acquiring thread only, read atomically */
	struct rn_span_chunk *chunks;
	uint32_t grow;		/* spans in the next chunk */
	int disabled;		/* malloc and free every span */
	struct rn_pool_stats st;
};

/* rn_span_pool_init: capacity spans ready now (the pool doubles when it
 * runs out); disabled: no pool, every span malloc'd. Returns 0 or -ENOMEM. */
int rn_span_pool_init(struct rn_span_pool *p, uint32_t capacity, int disabled);

/* rn_span_acquire: an empty span, or NULL when memory is exhausted. */
struct rn_span *rn_span_acquire(struct rn_span_pool *p);

/* rn_span_release: give back a list of spans linked by next. */
void rn_span_release(struct rn_span_pool *p, struct rn_span *list);

void rn_span_pool_stats(struct rn_span_pool *p, struct rn_pool_stats *out);

/* rn_span_pool_destroy: free everything; spans still out are the caller's
 * leak, reported by acquired != released. */
void rn_span_pool_destroy(struct rn_span_pool *p);

#endif
