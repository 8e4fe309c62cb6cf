/* test_metrics_unit.c: the pieces of OTLP metrics and sampling without a
 * traced program: the sampler's decisions as the specification defines
 * them, the exponential histogram's bucket index, the aggregation and
 * its encodings, and --span-min-duration's parser. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../exporter/otlp/otlp_metrics.h"
#include "../otlp/json.h"
#include "../otlp/receiver.h"

/* A trace id whose 7 rightmost bytes (the sampler's randomness) are r. */
static void tid_with(uint8_t id[16], uint64_t r)
{
	memset(id, 0xab, 16);
	for (int i = 15; i >= 9; i--, r >>= 8)
		id[i] = (uint8_t)r;
}

Test(sampler, traceidratio_threshold_is_the_specifications)
{
	uint8_t id[16];
	/* ratio 0.5: T = 2^55; sampled when R >= T */
	tid_with(id, 1ull << 55);
	cr_assert(rn_otlp_sampled(RN_SAMPLER_RATIO, 0.5, id, 0, 0, 0));
	tid_with(id, (1ull << 55) - 1);
	cr_assert_not(rn_otlp_sampled(RN_SAMPLER_RATIO, 0.5, id, 0, 0, 0));
	/* only the 56 rightmost bits count: the 9th byte from the end is not randomness */
	id[8] = 0xff;
	cr_assert_not(rn_otlp_sampled(RN_SAMPLER_RATIO, 0.5, id, 0, 0, 0));
	/* 0 never, 1 always, whatever the id */
	tid_with(id, (1ull << 56) - 1);
	cr_assert_not(rn_otlp_sampled(RN_SAMPLER_RATIO, 0.0, id, 0, 0, 0));
	tid_with(id, 0);
	cr_assert(rn_otlp_sampled(RN_SAMPLER_RATIO, 1.0, id, 0, 0, 0));
	/* it ignores the parent's flag */
	tid_with(id, (1ull << 55) - 1);
	cr_assert_not(rn_otlp_sampled(RN_SAMPLER_RATIO, 0.5, id, 1, 1, 1));
}

Test(sampler, traceidratio_half_of_many_traces_and_consistent)
{
	/* 20000 trace ids from a fixed generator: the count is the same on
	 * every run, so the bounds cannot flake; they are what a fair coin
	 * gives (5 sigma = 354) */
	uint64_t s0 = 0x9e3779b97f4a7c15ull, s1 = 0xbf58476d1ce4e5b9ull;
	unsigned half = 0, n = 20000;
	for (unsigned i = 0; i < n; i++) {
		uint8_t id[16];
		for (int k = 0; k < 16; k += 8) {
			uint64_t x = s0, y = s1;
			s0 = y;
			x ^= x << 23;
			s1 = x ^ y ^ (x >> 17) ^ (y >> 26);
			uint64_t v = s1 + y;
			memcpy(id + k, &v, 8);
		}
		int at_half = rn_otlp_sampled(RN_SAMPLER_RATIO, 0.5, id, 0, 0, 0);
		half += (unsigned)at_half;
		/* a trace sampled at a ratio is sampled at every higher one */
		for (double q = 0.05; q <= 1.0; q += 0.05) {
			int at_q = rn_otlp_sampled(RN_SAMPLER_RATIO, q, id, 0, 0, 0);
			if (q >= 0.5 && at_half)
				cr_assert(at_q, "sampled at 0.5 but not at %g", q);
			if (q <= 0.5 && at_q)
				cr_assert(at_half, "sampled at %g but not at 0.5", q);
		}
	}
	fprintf(stderr, "traceidratio 0.5: %u of %u traces sampled\n", half, n);
	cr_assert(half > n / 2 - 354 && half < n / 2 + 354, "%u of %u", half, n);
}

Test(sampler, parentbased_follows_the_parent)
{
	uint8_t id[16];
	tid_with(id, 0);	/* the ratio would drop it */
	/* root: the delegate decides */
	cr_assert(rn_otlp_sampled(RN_SAMPLER_PB_ALWAYS_ON, 1, id, 0, 0, 0));
	cr_assert_not(rn_otlp_sampled(RN_SAMPLER_PB_ALWAYS_OFF, 1, id, 0, 0, 0));
	cr_assert_not(rn_otlp_sampled(RN_SAMPLER_PB_RATIO, 0.5, id, 0, 0, 0));
	/* a parent: its sampled flag, remote or local */
	for (int remote = 0; remote < 2; remote++) {
		cr_assert(rn_otlp_sampled(RN_SAMPLER_PB_ALWAYS_OFF, 1, id, 1, remote, 1));
		cr_assert(rn_otlp_sampled(RN_SAMPLER_PB_RATIO, 0.5, id, 1, remote, 1));
		cr_assert_not(rn_otlp_sampled(RN_SAMPLER_PB_ALWAYS_ON, 1, id, 1, remote, 0));
	}
	/* the non-parent-based ignore it */
	cr_assert(rn_otlp_sampled(RN_SAMPLER_ALWAYS_ON, 1, id, 1, 1, 0));
	cr_assert_not(rn_otlp_sampled(RN_SAMPLER_ALWAYS_OFF, 1, id, 1, 1, 1));
}

Test(sampler, parse_names_and_arguments)
{
	enum rn_sampler s = RN_SAMPLER_PB_ALWAYS_ON;
	double r = 1;
	cr_assert_eq(rn_otlp_sampler_parse("traceidratio", "0.25", &s, &r), 0);
	cr_assert_eq(s, RN_SAMPLER_RATIO);
	cr_assert_float_eq(r, 0.25, 1e-12);
	cr_assert_eq(rn_otlp_sampler_parse("parentbased_traceidratio", NULL, &s, &r), 0);
	cr_assert_eq(s, RN_SAMPLER_PB_RATIO);
	cr_assert_float_eq(r, 1.0, 1e-12, "the specification's default argument");
	cr_assert_eq(rn_otlp_sampler_parse("always_off", "junk", &s, &r), 0, "argument unused");
	cr_assert_eq(rn_otlp_sampler_parse("sometimes", NULL, &s, &r), -1);
	cr_assert_eq(s, RN_SAMPLER_ALWAYS_OFF, "unchanged on error");
	cr_assert_eq(rn_otlp_sampler_parse("traceidratio", "1.5", &s, &r), -2);
	cr_assert_eq(rn_otlp_sampler_parse("traceidratio", "half", &s, &r), -2);
	cr_assert_eq(rn_otlp_sampler_parse("traceidratio", "-0.1", &s, &r), -2);
}

Test(metrics, bucket_index_holds_the_value)
{
	/* bucket i holds (2^(i/8), 2^((i+1)/8)] seconds */
	cr_assert_eq(rn_metrics_bucket(1000000000ull), -1, "1 s = 2^0 ends bucket -1");
	cr_assert_eq(rn_metrics_bucket(2000000000ull), 7);
	for (uint64_t ns = 1; ns < 20000000000ull; ns = ns * 3 / 2 + 1) {
		int32_t i = rn_metrics_bucket(ns);
		double x = (double)ns * 1e-9;
		double lo = pow(2, i / 8.0), hi = pow(2, (i + 1) / 8.0);
		cr_assert(x > lo * (1 - 1e-12) && x <= hi * (1 + 1e-12), "%llu ns in bucket %d",
			  (unsigned long long)ns, i);
	}
	/* 100 ns to 10 s: the range the scale was chosen for */
	int32_t span = rn_metrics_bucket(10000000000ull) - rn_metrics_bucket(100);
	fprintf(stderr, "buckets from 100 ns to 10 s: %d\n", span + 1);
	cr_assert(span + 1 > 200 && span + 1 < 220);
}

static struct rn_proc mkproc(uint64_t arena, int pid)
{
	struct rn_proc p;
	memset(&p, 0, sizeof p);
	p.arena_id = arena;
	p.pid = pid;
	p.ppid = 1;
	snprintf(p.exe, sizeof p.exe, "/usr/bin/prog%d", pid);
	p.t_start_ns = 1000;
	return p;
}

static struct rn_event mkcall(const struct rn_proc *p, uint16_t fn, uint64_t ns, int err)
{
	struct rn_event ev;
	memset(&ev, 0, sizeof ev);
	ev.proc = p;
	ev.tid = p->pid;
	ev.fn = fn;
	ev.t_enter_ns = 5000;
	ev.t_exit_ns = 5000 + ns;
	ev.err = err;
	ev.ret = err ? -1 : 0;
	return ev;
}

/* Feeds known calls, encodes both ways, decodes with the test receiver's
 * decoders: counts, errors per type, and bucket sums exact. */
Test(metrics, aggregate_encode_decode_exact)
{
	struct rn_otlp_opts x;
	memset(&x, 0, sizeof x);
	struct rn_metrics m;
	cr_assert_eq(rn_metrics_init(&m, &x), 0);
	struct rn_proc a = mkproc(1, 100), b = mkproc(2, 200);
	uint64_t durs[] = { 0, 50, 100, 999, 1000, 123456, 1000000000ull, 10000000000ull, 3600000000000ull };
	unsigned nd = sizeof durs / sizeof durs[0];
	for (unsigned i = 0; i < 1000; i++) {
		struct rn_event ev = mkcall(&a, RN_IDX_read, durs[i % nd], i % 10 == 0 ? 2 : i % 10 == 1 ? 13 : 0);
		cr_assert_eq(rn_metrics_event(&m, &ev), 0);
	}
	for (unsigned i = 0; i < 7; i++) {
		struct rn_event ev = mkcall(&b, RN_IDX_close, 10 + i, 0);
		cr_assert_eq(rn_metrics_event(&m, &ev), 0);
	}
	/* calls that did not return are not counted: a successful exec, a
	 * call unfinished at the end; a failed exec is */
	struct rn_event ex = mkcall(&b, RN_IDX_execve, 0, 0);
	cr_assert_eq(rn_metrics_event(&m, &ex), 0);
	ex = mkcall(&b, RN_IDX_read, 0, 0);
	ex.flags = RN_EV_UNFINISHED;
	cr_assert_eq(rn_metrics_event(&m, &ex), 0);
	ex = mkcall(&b, RN_IDX_execve, 2000, 2);
	cr_assert_eq(rn_metrics_event(&m, &ex), 0);
	struct rn_met_snap sn = { &m, 9000 };
	struct rn_otlp_buf pb = { 0 }, js = { 0 };
	cr_assert_eq(rn_metrics_encode_pb(&sn, &pb), 0);
	cr_assert_eq(rn_metrics_encode_json(&sn, &js, 0), 0);
	struct tj *doc = tj_parse((const char *)js.p, js.len, NULL);
	cr_assert_not_null(doc, "valid JSON");
	tj_free(doc);
	for (int enc = 0; enc < 2; enc++) {
		struct rx_point *pts = NULL;
		size_t n = 0, cap = 0;
		int got = enc ? rx_decode_metrics_json((const char *)js.p, js.len, &pts, &n, &cap, 0)
			      : rx_decode_metrics_pb(pb.p, pb.len, &pts, &n, &cap, 0);
		cr_assert_eq(got, 2 + 2 + 2 + 3, "calls and histogram per syscall, three error points");
		const struct rx_point *p = rx_point_last(pts, n, 100, RN_MET_CALLS, "read", "");
		cr_assert_not_null(p);
		cr_assert_eq(p->value, 1000);
		cr_assert_eq(p->temporality, 2, "cumulative");
		cr_assert(p->monotonic);
		p = rx_point_last(pts, n, 100, RN_MET_ERRORS, "read", "ENOENT");
		cr_assert_not_null(p);
		cr_assert_eq(p->value, 100);
		p = rx_point_last(pts, n, 100, RN_MET_ERRORS, "read", "EACCES");
		cr_assert_not_null(p);
		cr_assert_eq(p->value, 100);
		p = rx_point_last(pts, n, 100, RN_MET_DURATION, "read", "");
		cr_assert_not_null(p);
		cr_assert_eq(p->value, 1000);
		cr_assert_eq(p->buckets, 1000, "zero count and buckets sum to the count");
		cr_assert_eq(p->scale, RN_MET_SCALE);
		cr_assert_float_eq(p->max, 3600.0, 1e-6);
		p = rx_point_last(pts, n, 200, RN_MET_CALLS, "close", "");
		cr_assert_not_null(p);
		cr_assert_eq(p->value, 7);
		cr_assert_null(rx_point_last(pts, n, 200, RN_MET_ERRORS, "close", "ENOENT"));
		p = rx_point_last(pts, n, 200, RN_MET_CALLS, "execve", "");
		cr_assert(p && p->value == 1, "only the failed exec");
		cr_assert_null(rx_point_last(pts, n, 200, RN_MET_CALLS, "read", ""), "unfinished");
		free(pts);
	}
	/* an ended image is exported once more, then forgotten */
	rn_metrics_proc_end(&m, &a);
	rn_metrics_reap(&m);
	cr_assert_eq(rn_metrics_points(&m), 2 + 3, "only the live image's points remain");
	rn_otlp_buf_free(&pb);
	rn_otlp_buf_free(&js);
	rn_metrics_free(&m);
}

Test(options, span_min_duration_parses_units)
{
	uint64_t ns = 0;
	cr_assert_eq(rn_otlp_parse_duration("10us", &ns), 0);
	cr_assert_eq(ns, 10000);
	cr_assert_eq(rn_otlp_parse_duration("1.5ms", &ns), 0);
	cr_assert_eq(ns, 1500000);
	cr_assert_eq(rn_otlp_parse_duration("250ns", &ns), 0);
	cr_assert_eq(ns, 250);
	cr_assert_eq(rn_otlp_parse_duration("2s", &ns), 0);
	cr_assert_eq(ns, 2000000000ull);
	const char *bad[] = { "10", "abc", "-1ms", "1 ms", "ms", "", "1e30s", "5m" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_neq(rn_otlp_parse_duration(bad[i], &ns), 0, "%s", bad[i]);
}
