/* otlp_pool.c: spans and their reusable buffers (see otlp_span.h).
 *
 * Spans live in chunks that grow by doubling and are freed only when the
 * pool is destroyed; a released span keeps its text buffer for the next
 * use (trimmed when one huge string made it large). This file must never
 * hand out a span twice or free one that is still out.
 */
#include "otlp_span.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../decode/escape.h"

/* A text buffer larger than this is freed on release: one long argv must
 * not pin memory in every span it ever passed through. */
#define RN_TEXT_KEEP 8192u
#define RN_POOL_MIN 16u

struct rn_span_chunk {
	struct rn_span_chunk *next;
	uint32_t n;
	struct rn_span spans[];
};

void rn_span_reset(struct rn_span *sp)
{
	sp->next = NULL;
	sp->has_parent = sp->has_link = 0;
	sp->kind = RN_KIND_INTERNAL;
	sp->status = RN_STATUS_UNSET;
	sp->flags = 0;
	sp->start_ns = sp->end_ns = 0;
	sp->name = (struct rn_sref){ "", 0, 0 };
	sp->status_msg = (struct rn_sref){ NULL, 0, 0 };
	sp->nattrs = 0;
	sp->text_len = 0;
	sp->group = NULL;
}

/* Grows the span's text buffer to hold need bytes (doubling, so a reused
 * span soon stops allocating). Returns 0 or -ENOMEM. */
static int rn_text_reserve(struct rn_span *sp, size_t need)
{
	if (need <= sp->text_cap)
		return 0;
	size_t cap = sp->text_cap ? sp->text_cap : 256;
	while (cap < need)
		cap *= 2;
	char *t = realloc(sp->text, cap);
	if (!t)
		return -ENOMEM;
	sp->text = t;
	sp->text_cap = (uint32_t)cap;
	sp->allocs++;
	return 0;
}

int rn_span_text(struct rn_span *sp, const void *s, size_t n, struct rn_sref *r)
{
	if (n > UINT32_MAX / 2)
		return -ENOMEM;
	size_t need = (size_t)sp->text_len + n + 1;
	if (rn_text_reserve(sp, need))
		return -ENOMEM;
	r->p = NULL;
	r->off = sp->text_len;
	r->len = (uint32_t)n;
	memcpy(sp->text + sp->text_len, s, n);
	sp->text[sp->text_len + n] = '\0';
	sp->text_len += (uint32_t)n + 1;
	return 0;
}

/* Span text drops NULs (the text is also read as C strings); every other
 * byte is valid or not as the one validator (escape.h) says. */
static size_t span_utf8_len(const uint8_t *s, size_t n)
{
	return s[0] ? rn_utf8_len(s, n) : 0;
}

int rn_span_text_utf8(struct rn_span *sp, const void *src, size_t n, struct rn_sref *r)
{
	const uint8_t *s = src;
	size_t i = 0, ok;
	while (i < n && (ok = span_utf8_len(s + i, n - i)) > 0)
		i += ok;
	if (i == n)
		return rn_span_text(sp, s, n, r);	/* the usual case */
	/* worst case: every byte becomes 3 */
	if (n > UINT32_MAX / 8)
		return -ENOMEM;
	if (rn_span_text(sp, "", 0, r))
		return -ENOMEM;
	sp->text_len = r->off;	/* write in place from here */
	size_t need = (size_t)r->off + 3 * n + 1;
	if (rn_text_reserve(sp, need))
		return -ENOMEM;
	char *o = sp->text + r->off;
	for (i = 0; i < n;) {
		ok = span_utf8_len(s + i, n - i);
		if (ok) {
			memcpy(o, s + i, ok);
			o += ok;
			i += ok;
		} else {
			if (s[i]) {
				memcpy(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
				o += 3;
			}
			i++;
		}
	}
	*o = '\0';
	r->len = (uint32_t)(o - (sp->text + r->off));
	sp->text_len = r->off + r->len + 1;
	return 0;
}

struct rn_attr *rn_span_attr(struct rn_span *sp, const char *key, enum rn_attr_type t)
{
	if (sp->nattrs >= RN_SPAN_ATTRS)
		return NULL;
	struct rn_attr *a = &sp->attrs[sp->nattrs++];
	a->key = key;
	a->type = (uint8_t)t;
	a->count = 0;
	a->i = 0;
	a->s = (struct rn_sref){ NULL, 0, 0 };
	return a;
}

void rn_span_attr_int(struct rn_span *sp, const char *key, int64_t v)
{
	struct rn_attr *a = rn_span_attr(sp, key, RN_AV_INT);
	if (a)
		a->i = v;
}

void rn_span_attr_cstr(struct rn_span *sp, const char *key, const char *constant)
{
	struct rn_attr *a = rn_span_attr(sp, key, RN_AV_STR);
	if (a)
		a->s = (struct rn_sref){ constant, 0, (uint32_t)strlen(constant) };
}

int rn_span_attr_str(struct rn_span *sp, const char *key, const void *s, size_t n)
{
	struct rn_sref r;
	if (sp->nattrs >= RN_SPAN_ATTRS)
		return -ENOSPC;
	if (rn_span_text_utf8(sp, s, n, &r))
		return -ENOMEM;
	struct rn_attr *a = rn_span_attr(sp, key, RN_AV_STR);
	a->s = r;
	return 0;
}

static int rn_pool_grow(struct rn_span_pool *p, uint32_t n)
{
	struct rn_span_chunk *c = calloc(1, sizeof *c + (size_t)n * sizeof(struct rn_span));
	if (!c)
		return -ENOMEM;
	c->n = n;
	c->next = p->chunks;
	p->chunks = c;
	for (uint32_t i = n; i-- > 0;) {
		c->spans[i].pooled = 1;
		c->spans[i].next = p->free;
		p->free = &c->spans[i];
	}
	p->st.capacity += n;
	p->st.chunks++;
	p->st.mallocs++;
	p->grow = n;	/* the next chunk doubles the capacity */
	if (p->st.capacity < UINT32_MAX / 2)
		p->grow = (uint32_t)p->st.capacity;
	return 0;
}

int rn_span_pool_init(struct rn_span_pool *p, uint32_t capacity, int disabled)
{
	memset(p, 0, sizeof *p);
	if (pthread_mutex_init(&p->mu, NULL))
		return -ENOMEM;
	p->disabled = disabled;
	p->grow = capacity < RN_POOL_MIN ? RN_POOL_MIN : capacity;
	if (!disabled && rn_pool_grow(p, p->grow)) {
		pthread_mutex_destroy(&p->mu);
		return -ENOMEM;
	}
	return 0;
}

struct rn_span *rn_span_acquire(struct rn_span_pool *p)
{
	struct rn_span *sp = NULL;
	if (!p->disabled && p->mine) {
		sp = p->mine;	/* the usual case: no lock */
		p->mine = sp->next;
		__atomic_store_n(&p->mine_acquired, p->mine_acquired + 1, __ATOMIC_RELAXED);
		rn_span_reset(sp);
		return sp;
	}
	pthread_mutex_lock(&p->mu);
	if (p->disabled) {
		sp = calloc(1, sizeof *sp);
		if (sp)
			p->st.mallocs++;
	} else {
		if (!p->free)
			rn_pool_grow(p, p->grow);
		sp = p->free;
		p->free = NULL;
		if (sp)
			p->mine = sp->next;	/* the rest of the free list */
	}
	if (sp)
		p->st.acquired++;
	pthread_mutex_unlock(&p->mu);
	if (sp)
		rn_span_reset(sp);
	return sp;
}

void rn_span_release(struct rn_span_pool *p, struct rn_span *list)
{
	uint64_t n = 0, allocs = 0;
	struct rn_span *last = NULL;
	/* outside the lock: trim oversized buffers */
	for (struct rn_span *sp = list; sp; sp = sp->next) {
		if (sp->text_cap > RN_TEXT_KEEP || p->disabled) {
			free(sp->text);
			sp->text = NULL;
			sp->text_cap = 0;
		}
		allocs += sp->allocs;
		sp->allocs = 0;
		last = sp;
		n++;
	}
	if (!n)
		return;
	pthread_mutex_lock(&p->mu);
	p->st.released += n;
	p->st.mallocs += allocs;
	if (p->disabled) {
		pthread_mutex_unlock(&p->mu);
		while (list) {
			struct rn_span *next = list->next;
			free(list);
			list = next;
		}
		return;
	}
	last->next = p->free;
	p->free = list;
	pthread_mutex_unlock(&p->mu);
}

void rn_span_pool_stats(struct rn_span_pool *p, struct rn_pool_stats *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->st;
	pthread_mutex_unlock(&p->mu);
	out->acquired += __atomic_load_n(&p->mine_acquired, __ATOMIC_RELAXED);
}

void rn_span_pool_destroy(struct rn_span_pool *p)
{
	for (struct rn_span_chunk *c = p->chunks, *next; c; c = next) {
		next = c->next;
		for (uint32_t i = 0; i < c->n; i++)
			free(c->spans[i].text);
		free(c);
	}
	p->chunks = NULL;
	p->free = p->mine = NULL;
	pthread_mutex_destroy(&p->mu);
}
