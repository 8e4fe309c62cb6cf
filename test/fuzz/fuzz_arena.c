/* fuzz_arena.c: libFuzzer target: a well-formed arena (two small rings)
 * with fuzz bytes laid over its header fields, ring control blocks and
 * slots, read by a whole exporter session into the text, json and summary
 * sinks and the OTLP model (resource, groups, spans). A hostile program
 * controls all of these bytes, its identity (format 3) included. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/arena.h"
#include "../../exporter/options.h"
#include "../../exporter/session.h"
#include "../../exporter/otlp/otlp_model.h"
#include "../../exporter/sinks/sinks.h"

static char dir[] = "/tmp/rn-fuzz-XXXXXX";
static struct rn_opts opts;
static FILE *null;

static void setup(void)
{
	if (null)
		return;
	if (!mkdtemp(dir))
		abort();
	null = fopen("/dev/null", "w");
	opts.tstamp = RN_TS_TTT;
}

/* Lays n bytes of src over dst, as far as both go; returns bytes used. */
static size_t overlay(void *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t k = n < cap ? n : cap;
	memcpy(dst, src, k);
	return k;
}

/* The OTLP side: the model and every span it makes, and the resource of
 * every process, checked for what a receiver would refuse. */
static struct rn_span_pool pool;

static int utf8_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = u[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
			   : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!len || i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++)
			if ((u[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

static void check_res(const struct rn_otlp_resource *r)
{
	if (r->nattrs > RN_OTLP_RES_ATTRS || r->text_used > sizeof r->text)
		abort();
	for (unsigned i = 0; i < r->nattrs; i++) {
		const struct rn_attr *a = &r->attrs[i];
		if (!a->key || !utf8_ok(a->key, strlen(a->key)))
			abort();
		if (a->type == RN_AV_STR && (strlen(a->s.p) != a->s.len || !utf8_ok(a->s.p, a->s.len)))
			abort();
	}
}

static void span_out(void *ctx, struct rn_span *sp)
{
	(void)ctx;
	if (!sp->group)
		abort();	/* the sender would read it */
	check_res(&sp->group->res);
	rn_span_release(&pool, sp);
}

static int m_event(struct rn_sink *k, const struct rn_event *ev)
{
	return rn_otlp_model_event(k->st, ev);
}

static int m_start(struct rn_sink *k, const struct rn_proc *p)
{
	static struct rn_otlp_resource r;
	rn_otlp_resource_for(&r, p, 1);
	check_res(&r);
	return rn_otlp_model_proc_start(k->st, p);
}

static int m_end(struct rn_sink *k, const struct rn_proc *p)
{
	int rc = rn_otlp_model_proc_end(k->st, p);
	rn_otlp_model_gc(k->st, UINT64_MAX);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	struct rn_arena_params p = { 2, RN_RING_CAP_MIN, RN_STRSIZE_DEFAULT, 0, RN_CLOCK_TSC };
	struct rn_arena_map m;
	static uint64_t id = 1;
	if (rn_arena_create(dir, &p, id++, &m))
		abort();
	struct rn_arena_hdr *h = m.hdr;
	h->pid = 1;
	h->state = RN_ARENA_LIVE;
	/* where the rings are, from the header as we made it: the overlay of
	 * the header (last) must only fool the exporter, not this harness */
	struct rn_ring *r0 = rn_arena_ring(h, 0);
	struct rn_rec *slots = rn_arena_slots(h, 0);
	size_t slot_bytes = (size_t)h->ring_cap * RN_REC_SIZE;
	/* first byte picks what the rest is laid over */
	uint8_t sel = size ? data[0] : 0;
	const uint8_t *d = size ? data + 1 : data;
	size_t n = size ? size - 1 : 0;
	uint8_t hdr_bytes[120];
	size_t hdr_n = 0;
	if (sel & 1) {	/* header fields after the magic, applied last */
		hdr_n = overlay(hdr_bytes, sizeof hdr_bytes, d, n);
		d += hdr_n;
		n -= hdr_n;
	}
	/* the program's identity: strings without ends, bad lists, bad UTF-8 */
	static uint8_t id_bytes[sizeof *h - offsetof(struct rn_arena_hdr, res_flags)];
	size_t id_n = 0;
	if (sel & 4) {
		id_n = overlay(id_bytes, sizeof id_bytes, d, n);
		d += id_n;
		n -= id_n;
	}
	if (sel & 2) {	/* ring control: indices, counters, owner word, state */
		size_t k = overlay(r0, sizeof *r0, d, n);
		d += k;
		n -= k;
	} else {
		/* a plausible owner: records up to the fuzz data's length */
		r0->state = RN_RING_ACTIVE;
		r0->tail = n / RN_REC_SIZE;
	}
	overlay(slots, slot_bytes, d, n);
	memcpy((char *)h + 8, hdr_bytes, hdr_n);
	memcpy((char *)h + offsetof(struct rn_arena_hdr, res_flags), id_bytes, id_n);
	rn_arena_publish(&m);
	rn_arena_unmap(&m);

	struct rn_sink sinks[4];
	static int pool_ready;
	if (!pool_ready && rn_span_pool_init(&pool, 64, 0) == 0)
		pool_ready = 1;
	struct rn_otlp_model model;
	if (rn_otlp_model_init(&model, &pool, NULL, span_out, NULL))
		abort();
	sinks[3] = (struct rn_sink){ .name = "otlp-model", .st = &model, .event = m_event,
				     .proc_start = m_start, .proc_end = m_end };
	rn_sink_text_new(&sinks[0], null,
			 &(struct rn_text_opts){ .tstamp = opts.tstamp, .durations = opts.durations });
	rn_sink_json_new(&sinks[1], null);
	rn_sink_summary_new(&sinks[2], null, NULL);
	struct rn_session s;
	if (rn_session_open(&s, dir, &(struct rn_session_cfg){ .sinks = sinks, .nsinks = 4 }) == 0) {
		rn_session_pass(&s);
		rn_session_close(&s);
	}
	for (unsigned i = 0; i < 3; i++)
		sinks[i].destroy(&sinks[i]);
	rn_otlp_model_flush(&model, 1);
	rn_otlp_model_free(&model);
	/* the session removed the arena: it did not keep files */
	return 0;
}
