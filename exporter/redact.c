/* redact.c: --redact-paths (see redact.h). Matches are replaced in copies:
 * the bytes read from the arena are never changed, and a capture's
 * length, flags and presence stay what the decoder checked (only its
 * bytes and length change). This file must never leave a matching part
 * in place: when room runs out it redacts more, never less.
 */
#include "redact.h"

#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RN_REDACTED "[REDACTED]"
#define RN_REDACT_BUF (2u << 20)	/* rewritten bytes per batch of events */

struct rn_redact {
	regex_t re;
	uint8_t *buf;		/* rewritten captures of the current batch */
	size_t used;
	char seg[65536 + 1];	/* one string, NUL-terminated for regexec */
	uint8_t one[65536 + 16];	/* one rewritten capture */
};

/* "[REDACTED]" as an argv capture: one string, u16 little-endian length. */
static const uint8_t rn_redacted_argv[] = { sizeof RN_REDACTED - 1, 0, '[', 'R', 'E', 'D', 'A',
					    'C', 'T', 'E', 'D', ']' };

int rn_redact_new(struct rn_redact **out, const char *re)
{
	struct rn_redact *r = calloc(1, sizeof *r);
	*out = NULL;
	if (!r)
		return -ENOMEM;
	if (regcomp(&r->re, re, REG_EXTENDED)) {
		free(r);
		return -EINVAL;
	}
	*out = r;
	return 0;
}

void rn_redact_free(struct rn_redact *r)
{
	if (!r)
		return;
	regfree(&r->re);
	free(r->buf);
	free(r);
}

/* Appends in[0..n) (no NUL inside) to out[*k..cap) with every non-empty
 * match replaced. Returns the number of matches, or -1 when out is too
 * small. */
static int rn_redact_seg(struct rn_redact *r, const uint8_t *in, size_t n, uint8_t *out,
			 size_t cap, size_t *k)
{
	memcpy(r->seg, in, n);
	r->seg[n] = '\0';
	size_t pos = 0;
	int hits = 0;
	regmatch_t m;
	while (pos < n && regexec(&r->re, r->seg + pos, 1, &m, pos ? REG_NOTBOL : 0) == 0) {
		size_t so = (size_t)m.rm_so, eo = (size_t)m.rm_eo;
		if (eo == so) {
			/* an empty match hides nothing: keep one byte, look further */
			so = eo = so + 1;
			if (*k + so > cap)
				return -1;
			memcpy(out + *k, r->seg + pos, so);
			*k += so;
			pos += so;
			continue;
		}
		if (*k + so + sizeof RN_REDACTED - 1 > cap)
			return -1;
		memcpy(out + *k, r->seg + pos, so);
		*k += so;
		memcpy(out + *k, RN_REDACTED, sizeof RN_REDACTED - 1);
		*k += sizeof RN_REDACTED - 1;
		pos += eo;
		hits++;
	}
	if (*k + (n - pos) > cap)
		return -1;
	memcpy(out + *k, r->seg + pos, n - pos);
	*k += n - pos;
	return hits;
}

/* NUL-separated strings (a path, a string, an exe or argv block):
 * each one redacted, NULs kept. */
static int rn_redact_strs(struct rn_redact *r, const uint8_t *in, size_t n, uint8_t *out,
			  size_t cap, size_t *k)
{
	int hits = 0;
	size_t off = 0;
	while (off < n) {
		const uint8_t *nul = memchr(in + off, '\0', n - off);
		size_t l = nul ? (size_t)(nul - (in + off)) : n - off;
		int h = rn_redact_seg(r, in + off, l, out, cap, k);
		if (h < 0)
			return -1;
		hits += h;
		off += l;
		if (nul) {
			if (*k + 1 > cap)
				return -1;
			out[(*k)++] = '\0';
			off++;
		}
	}
	return hits;
}

/* An argv capture: strings with a u16 length before each. */
static int rn_redact_argv(struct rn_redact *r, const uint8_t *in, size_t n, uint8_t *out,
			  size_t cap, size_t *k)
{
	int hits = 0;
	size_t off = 0;
	while (off + 2 <= n) {
		size_t l = (size_t)in[off] | (size_t)in[off + 1] << 8;
		off += 2;
		if (l > n - off)
			l = n - off;
		if (*k + 2 > cap)
			return -1;
		size_t at = *k;
		*k += 2;
		int h = rn_redact_strs(r, in + off, l, out, cap, k);
		size_t nl = *k - at - 2;
		if (h < 0 || nl > UINT16_MAX)
			return -1;
		out[at] = (uint8_t)nl;
		out[at + 1] = (uint8_t)(nl >> 8);
		hits += h;
		off += l;
	}
	if (off < n) {	/* a dangling byte: kept as it was */
		if (*k + 1 > cap)
			return -1;
		out[(*k)++] = in[off];
	}
	return hits;
}

static void rn_redact_cap(struct rn_redact *r, struct rn_capture *c, unsigned ty)
{
	size_t k = 0;
	int h = ty == RN_ARG_ARGV ? rn_redact_argv(r, c->data, c->len, r->one, sizeof r->one, &k)
				  : rn_redact_strs(r, c->data, c->len, r->one, sizeof r->one, &k);
	if (!h)
		return;
	if (h > 0 && k <= UINT16_MAX && r->buf && RN_REDACT_BUF - r->used >= k) {
		memcpy(r->buf + r->used, r->one, k);
		c->data = r->buf + r->used;
		c->len = (uint16_t)k;
		r->used += k;
		return;
	}
	/* no room: the whole capture goes */
	if (ty == RN_ARG_ARGV) {
		c->data = rn_redacted_argv;
		c->len = sizeof rn_redacted_argv;
	} else {
		c->data = (const uint8_t *)RN_REDACTED;
		c->len = sizeof RN_REDACTED - 1;
	}
}

void rn_redact_events(struct rn_redact *r, struct rn_event *evs, size_t n)
{
	r->used = 0;
	if (!r->buf)
		r->buf = malloc(RN_REDACT_BUF);	/* NULL: whole captures go */
	for (size_t e = 0; e < n; e++) {
		struct rn_event *ev = &evs[e];
		const struct rn_fn_info *fi = &rn_fns[ev->fn];
		for (unsigned i = 0; i < fi->ntypes; i++) {
			unsigned ty = fi->types[i];
			struct rn_capture *c = &ev->cap[i];
			/* data buffers too: what a program reads or writes
			 * may hold the same names as its paths */
			if ((ty == RN_ARG_PATH || ty == RN_ARG_STR || ty == RN_ARG_ARGV ||
			     ty == RN_ARG_DATA_IN || ty == RN_ARG_DATA_OUT) &&
			    c->present && c->data && c->len)
				rn_redact_cap(r, c, ty);
		}
		/* -e read=/write= dumps: as data buffers */
		struct rn_capture *d = &ev->cap[RN_CAP_DUMP];
		if (d->present && d->data && d->len) {
			rn_redact_cap(r, d, RN_ARG_DATA_IN);
			if (ev->dump_total < d->len)
				ev->dump_total = d->len;
		}
		/* an iovec array's or msghdr's bytes are framed (lengths,
		 * headers): one that matches is not shown at all, its
		 * buffers print as addresses */
		struct rn_capture *v = &ev->cap[RN_CAP_VEC];
		size_t k = 0;
		if (v->present && v->data && v->len &&
		    rn_redact_strs(r, v->data, v->len, r->one, sizeof r->one, &k))
			v->present = 0;
	}
}

/* In place, for a NUL-separated block of at most cap bytes holding len. */
static size_t rn_redact_block(struct rn_redact *r, char *s, size_t len, size_t cap)
{
	size_t k = 0;
	int h = rn_redact_strs(r, (const uint8_t *)s, len, r->one, sizeof r->one, &k);
	if (h == 0)
		return len;
	if (h < 0) {
		k = sizeof RN_REDACTED;
		memcpy(r->one, RN_REDACTED, k);
	}
	if (k > cap)
		k = cap;
	memcpy(s, r->one, k);
	return k;
}

void rn_redact_proc(struct rn_redact *r, struct rn_proc *p)
{
	size_t n = rn_redact_block(r, p->exe, strnlen(p->exe, sizeof p->exe - 1), sizeof p->exe - 1);
	p->exe[n] = '\0';
	p->argv_len = (uint32_t)rn_redact_block(r, p->argv, p->argv_len, sizeof p->argv);
}

void rn_redact_str(struct rn_redact *r, char *s, size_t cap)
{
	if (!cap)
		return;
	size_t n = rn_redact_block(r, s, strnlen(s, cap - 1), cap - 1);
	s[n] = '\0';
}
