/* fuzz_arena.c: libFuzzer target: a well-formed arena (two small rings)
 * with fuzz bytes laid over its header fields, ring control blocks and
 * slots, read by a whole exporter session into the text, json and summary
 * sinks. A hostile program controls all of these bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/arena.h"
#include "../../exporter/options.h"
#include "../../exporter/session.h"
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
	rn_arena_publish(&m);
	rn_arena_unmap(&m);

	struct rn_sink sinks[3];
	rn_sink_text_new(&sinks[0], null, &(struct rn_text_opts){ opts.tstamp, opts.durations, 0 });
	rn_sink_json_new(&sinks[1], null);
	rn_sink_summary_new(&sinks[2], null, NULL);
	struct rn_session s;
	if (rn_session_open(&s, dir, &(struct rn_session_cfg){ .sinks = sinks, .nsinks = 3 }) == 0) {
		rn_session_pass(&s);
		rn_session_close(&s);
	}
	for (unsigned i = 0; i < 3; i++)
		sinks[i].destroy(&sinks[i]);
	/* the session removed the arena: it did not keep files */
	return 0;
}
