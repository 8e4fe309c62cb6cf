/* test_otlp_unit.c: the OTLP pieces on their own: the span pool stays
 * balanced over millions of spans and reuses its buffers; the model links
 * fork children, spawn children and exec'd images whichever side arrives
 * first; the protobuf and JSON encodings decode back to what went in, and
 * gzip bodies inflate back to what went in; the
 * environment parsers accept what the specifications say and nothing
 * else. Also prints the pool's allocations against --span-pool-disable and
 * encoding throughput. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "../../exporter/otlp/otlp_compress.h"
#include "../../exporter/otlp/otlp_encode.h"
#include "../../exporter/otlp/otlp_http.h"
#include "../../exporter/otlp/otlp_model.h"
#include "../otlp/json.h"
#include "../otlp/receiver.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ----------------------------------------------------------- the pool */

static uint64_t churn(int disabled, uint64_t total, uint32_t batch)
{
	struct rn_span_pool p;
	cr_assert_eq(rn_span_pool_init(&p, 1024, disabled), 0);
	struct rn_span **out = malloc(batch * sizeof *out);
	for (uint64_t done = 0; done < total; done += batch) {
		struct rn_span *list = NULL;
		for (uint32_t i = 0; i < batch; i++) {
			out[i] = rn_span_acquire(&p);
			cr_assert_not_null(out[i]);
			cr_assert_eq(rn_span_attr_str(out[i], "file.path", "/etc/passwd", 11), 0);
			out[i]->next = list;
			list = out[i];
		}
		rn_span_release(&p, list);
	}
	struct rn_pool_stats st;
	rn_span_pool_stats(&p, &st);
	cr_assert_eq(st.acquired, st.released, "acquired %llu released %llu",
		     (unsigned long long)st.acquired, (unsigned long long)st.released);
	cr_assert_eq(st.acquired, (total + batch - 1) / batch * batch);
	if (!disabled)
		cr_assert_eq(st.capacity, 1024, "no growth needed for batches of %u", batch);
	free(out);
	rn_span_pool_destroy(&p);
	return st.mallocs;
}

Test(otlp_pool, balanced_over_millions_and_buffers_reused)
{
	double t0 = now_s();
	uint64_t pooled = churn(0, 4000000, 512);
	double t1 = now_s();
	uint64_t plain = churn(1, 400000, 512);
	double t2 = now_s();
	/* one chunk, and one text buffer per span slot ever used */
	cr_assert_leq(pooled, 1 + 1024, "pool made %llu allocations", (unsigned long long)pooled);
	cr_assert_geq(plain, 2 * 400000ull);
	fprintf(stderr,
		"span pool: 4M spans, %llu allocations, %.1f M spans/s; "
		"--span-pool-disable: %.2f allocations per span, %.1f M spans/s\n",
		(unsigned long long)pooled, 4.0 / (t1 - t0), (double)plain / 400000.0,
		0.4 / (t2 - t1));
}

Test(otlp_pool, grows_when_exhausted_and_never_leaks)
{
	struct rn_span_pool p;
	cr_assert_eq(rn_span_pool_init(&p, 16, 0), 0);
	struct rn_span *list = NULL;
	for (int i = 0; i < 10000; i++) {
		struct rn_span *sp = rn_span_acquire(&p);
		cr_assert_not_null(sp);
		/* a long string: trimmed on release */
		char big[20000];
		memset(big, 'a', sizeof big);
		if (i % 1000 == 0)
			cr_assert_eq(rn_span_attr_str(sp, "k", big, sizeof big), 0);
		sp->next = list;
		list = sp;
	}
	struct rn_pool_stats st;
	rn_span_pool_stats(&p, &st);
	cr_assert_geq(st.capacity, 10000);
	cr_assert_leq(st.chunks, 12, "the pool doubles: %llu chunks", (unsigned long long)st.chunks);
	rn_span_release(&p, list);
	rn_span_pool_stats(&p, &st);
	cr_assert_eq(st.acquired, st.released);
	rn_span_pool_destroy(&p);	/* ASan checks nothing is left */
}

Test(otlp_pool, invalid_utf8_is_replaced)
{
	struct rn_span_pool p;
	rn_span_pool_init(&p, 16, 0);
	struct rn_span *sp = rn_span_acquire(&p);
	const char bad[] = "/tmp/a\xff\xc3(b\x00z";
	cr_assert_eq(rn_span_attr_str(sp, "file.path", bad, sizeof bad - 1), 0);
	const struct rn_attr *a = &sp->attrs[0];
	cr_assert_str_eq(rn_sref_str(sp, &a->s), "/tmp/a\xef\xbf\xbd\xef\xbf\xbd(bz");
	cr_assert_eq(a->s.len, strlen("/tmp/a\xef\xbf\xbd\xef\xbf\xbd(bz"));
	rn_span_release(&p, sp);
	rn_span_pool_destroy(&p);
}

/* ---------------------------------------------------------- the model */

struct got {
	struct rn_span_pool *pool;
	struct rx_span s[64];
	size_t n;
};

static void collect(void *ctx, struct rn_span *sp)
{
	struct got *g = ctx;
	cr_assert_lt(g->n, 64);
	struct rx_span *o = &g->s[g->n++];
	memset(o, 0, sizeof *o);
	memcpy(o->span_id, sp->span_id, 8);
	memcpy(o->parent, sp->parent_id, 8);
	memcpy(o->link, sp->link_id, 8);
	o->has_parent = sp->has_parent;
	o->has_link = sp->has_link;
	o->status = sp->status;
	snprintf(o->name, sizeof o->name, "%s", rn_sref_str(sp, &sp->name));
	for (unsigned i = 0; i < sp->nattrs && i < RX_ATTRS; i++) {
		snprintf(o->key[i], sizeof o->key[i], "%s", sp->attrs[i].key);
		if (sp->attrs[i].type == RN_AV_INT)
			snprintf(o->val[i], sizeof o->val[i], "%lld", (long long)sp->attrs[i].i);
		else if (sp->attrs[i].type == RN_AV_STR)
			snprintf(o->val[i], sizeof o->val[i], "%s", rn_sref_str(sp, &sp->attrs[i].s));
		o->nattrs++;
	}
	rn_span_release(g->pool, sp);
}

static const struct rx_span *named(const struct got *g, const char *name, const char *pid)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->s[i].name, name) &&
		    (!pid || (rx_attr(&g->s[i], "process.pid") &&
			      !strcmp(rx_attr(&g->s[i], "process.pid"), pid))))
			return &g->s[i];
	return NULL;
}

static struct rn_proc mkproc(uint64_t arena, int pid, int ppid, uint64_t parent_arena,
			     uint64_t prev, const char *exe)
{
	struct rn_proc p;
	memset(&p, 0, sizeof p);
	p.arena_id = arena;
	p.pid = pid;
	p.ppid = ppid;
	p.parent_arena_id = parent_arena;
	p.creator_tid = parent_arena ? ppid : 0;
	p.prev_arena_id = prev;
	p.exec_gen = prev ? 1 : 0;
	snprintf(p.exe, sizeof p.exe, "%s", exe);
	p.t_start_ns = 1000;
	p.t_end_ns = 9000;
	p.has_exit = 1;
	return p;
}

static struct rn_event mkfork(const struct rn_proc *p, int child)
{
	struct rn_event ev;
	memset(&ev, 0, sizeof ev);
	ev.proc = p;
	ev.tid = p->pid;
	ev.fn = RN_IDX_fork;
	ev.ret = child;
	ev.t_enter_ns = 2000;
	ev.t_exit_ns = 2100;
	return ev;
}

/* order: 0 fork call first, 1 child first, 2 no fork call at all */
static void fork_case(int order)
{
	struct rn_span_pool pool;
	static struct got g;
	memset(&g, 0, sizeof g);
	g.pool = &pool;
	struct rn_otlp_model m;
	rn_span_pool_init(&pool, 16, 0);
	cr_assert_eq(rn_otlp_model_init(&m, &pool, NULL, collect, &g), 0);
	struct rn_proc P = mkproc(1, 100, 1, 0, 0, "/bin/parent");
	struct rn_proc C = mkproc(2, 101, 100, 1, 0, "/bin/parent");
	struct rn_proc E = mkproc(3, 101, 100, 0, 2, "/bin/child");
	E.exit_code = 3;
	struct rn_event f = mkfork(&P, 101);
	rn_otlp_model_proc_start(&m, &P);
	if (order == 0)
		rn_otlp_model_event(&m, &f);
	rn_otlp_model_proc_start(&m, &C);
	rn_otlp_model_proc_end(&m, &C);	/* exec'd: its span ends */
	rn_otlp_model_proc_start(&m, &E);
	rn_otlp_model_proc_end(&m, &E);
	if (order == 1) {
		cr_assert_null(named(&g, "parent", "101"), "child span emitted before its parent is known");
		rn_otlp_model_event(&m, &f);
	}
	rn_otlp_model_proc_end(&m, &P);
	rn_otlp_model_flush(&m, 10000);

	const struct rx_span *ps = named(&g, "parent", "100");
	const struct rx_span *cs = named(&g, "parent", "101");
	const struct rx_span *es = named(&g, "child", "101");
	const struct rx_span *fs = named(&g, "clone", NULL);
	cr_assert(ps && cs && es);
	cr_assert_not(ps->has_parent, "the root has no parent");
	if (order == 2) {
		cr_assert_null(fs);
		cr_assert_eq(memcmp(cs->parent, ps->span_id, 8), 0, "no fork call: under the parent process");
	} else {
		cr_assert_not_null(fs);
		cr_assert_eq(memcmp(fs->parent, ps->span_id, 8), 0);
		cr_assert_eq(memcmp(cs->parent, fs->span_id, 8), 0, "child under the fork call");
		cr_assert_str_eq(rx_attr(fs, "renacer.process.child_pid"), "101");
	}
	cr_assert(es->has_parent && es->has_link);
	cr_assert_eq(memcmp(es->parent, cs->parent, 8), 0, "exec keeps the parent");
	cr_assert_eq(memcmp(es->link, cs->span_id, 8), 0, "exec links the image it replaced");
	cr_assert_eq(es->status, RN_STATUS_ERROR);
	cr_assert_eq(g.n, order == 2 ? 3u : 4u);
	rn_otlp_model_free(&m);
	struct rn_pool_stats st;
	rn_span_pool_stats(&pool, &st);
	cr_assert_eq(st.acquired, st.released);
	rn_span_pool_destroy(&pool);
}

Test(otlp_model, fork_call_before_the_child)
{
	fork_case(0);
}

Test(otlp_model, child_before_the_fork_call)
{
	fork_case(1);
}

Test(otlp_model, no_fork_call_falls_back_to_the_parent_process)
{
	fork_case(2);
}

Test(otlp_model, killed_and_unfinished_processes)
{
	struct rn_span_pool pool;
	static struct got g;
	memset(&g, 0, sizeof g);
	g.pool = &pool;
	struct rn_otlp_model m;
	rn_span_pool_init(&pool, 16, 0);
	rn_otlp_model_init(&m, &pool, NULL, collect, &g);
	struct rn_proc P = mkproc(1, 100, 1, 0, 0, "/bin/k");
	P.has_exit = 0;
	P.term_signal = 9;
	struct rn_proc Q = mkproc(2, 200, 1, 0, 0, "/bin/still-running");
	rn_otlp_model_proc_start(&m, &P);
	rn_otlp_model_proc_start(&m, &Q);
	rn_otlp_model_proc_end(&m, &P);
	rn_otlp_model_flush(&m, 5000);
	const struct rx_span *k = named(&g, "k", "100"), *r = named(&g, "still-running", "200");
	cr_assert(k && r);
	cr_assert_eq(k->status, RN_STATUS_ERROR);
	cr_assert_str_eq(rx_attr(k, "process.exit.signal"), "SIGKILL");
	cr_assert_null(rx_attr(k, "process.exit.code"));
	cr_assert_not_null(rx_attr(r, "renacer.process.incomplete"));
	rn_otlp_model_free(&m);
	rn_span_pool_destroy(&pool);
}

/* ------------------------------------------------------- the encodings */

static struct rn_span *sample(struct rn_span_pool *p, int i)
{
	struct rn_span *sp = rn_span_acquire(p);
	for (int k = 0; k < 8; k++)
		sp->span_id[k] = (uint8_t)(i + k + 1);
	sp->has_parent = 1;
	memset(sp->parent_id, 0xab, 8);
	sp->flags = 0x101;
	sp->name = (struct rn_sref){ "openat", 0, 6 };
	sp->start_ns = 1700000000123456789ull + (uint64_t)i;
	sp->end_ns = sp->start_ns + 1500;
	rn_span_attr_cstr(sp, "renacer.syscall.name", "openat");
	rn_span_attr_int(sp, "renacer.syscall.ret", -1);
	rn_span_attr_int(sp, "big", INT64_MAX);
	rn_span_attr_str(sp, "file.path", "/a \"q\"\n\xff", 9);
	struct rn_attr *b = rn_span_attr(sp, "flag", RN_AV_BOOL);
	b->i = 1;
	struct rn_attr *a = rn_span_attr(sp, "process.command_args", RN_AV_STRARR);
	rn_span_text(sp, "ls\0-l", 5, &a->s);
	a->count = 2;
	sp->status = RN_STATUS_ERROR;
	sp->status_msg = (struct rn_sref){ "No such file or directory", 0, 25 };
	if (i == 0) {
		sp->has_link = 1;
		memset(sp->link_id, 0x11, 8);
	}
	return sp;
}

static void check_decoded(const struct rx_span *s, size_t n, const char *res)
{
	cr_assert_eq(n, 3);
	cr_assert(strstr(res, "service.name=unit;"), "%s", res);
	char hex[33];
	rx_hex(s[0].trace_id, 16, hex);
	cr_assert_str_eq(hex, "000102030405060708090a0b0c0d0e0f");
	rx_hex(s[1].span_id, 8, hex);
	cr_assert_str_eq(hex, "0203040506070809");
	rx_hex(s[1].parent, 8, hex);
	cr_assert_str_eq(hex, "abababababababab");
	cr_assert(s[0].has_link && !s[1].has_link);
	cr_assert_str_eq(s[2].name, "openat");
	cr_assert_eq(s[2].kind, 1);
	cr_assert_eq(s[2].flags, 0x101u);
	cr_assert_eq(s[2].start, 1700000000123456791ull);
	cr_assert_eq(s[2].end, 1700000000123456791ull + 1500);
	cr_assert_eq(s[2].status, 2);
	cr_assert_str_eq(s[2].status_msg, "No such file or directory");
	cr_assert_str_eq(rx_attr(&s[2], "renacer.syscall.ret"), "-1");
	cr_assert_str_eq(rx_attr(&s[2], "big"), "9223372036854775807");
	cr_assert_str_eq(rx_attr(&s[2], "file.path"), "/a \"q\"\n\xef\xbf\xbd");
	cr_assert_str_eq(rx_attr(&s[2], "flag"), "true");
	cr_assert_str_eq(rx_attr(&s[2], "process.command_args"), "ls\x1f-l");
}

Test(otlp_encode, protobuf_and_json_decode_to_the_same)
{
	struct rn_span_pool p;
	rn_span_pool_init(&p, 16, 0);
	struct rn_otlp_opts x;
	memset(&x, 0, sizeof x);
	x.service_name = "unit";
	struct rn_otlp_resource res;
	rn_otlp_resource_build(&res, &x, "/bin/true");
	uint8_t tid[16];
	for (int i = 0; i < 16; i++)
		tid[i] = (uint8_t)i;
	struct rn_span *v[3] = { sample(&p, 0), sample(&p, 1), sample(&p, 2) };
	struct rn_otlp_batch b = { tid, NULL, &res, v, 3 };

	struct rn_otlp_pb *pb = rn_otlp_pb_new();
	const uint8_t *out;
	size_t len;
	cr_assert_eq(rn_otlp_pb_encode(pb, &b, &out, &len), 0);
	struct rx_span *s = NULL;
	size_t n = 0, cap = 0;
	char rs[512];
	cr_assert_eq(rx_decode_pb(out, len, &s, &n, &cap, 0, rs, sizeof rs), 3);
	check_decoded(s, n, rs);

	struct rn_otlp_buf jb = { 0 };
	cr_assert_eq(rn_otlp_json_encode(&jb, &b, 1), 0);
	cr_assert_eq(jb.p[jb.len - 1], '\n');
	cr_assert_null(memchr(jb.p, '\n', jb.len - 1), "one line");
	/* the OTLP JSON rules, literally */
	char *txt = strndup((const char *)jb.p, jb.len);
	cr_assert(strstr(txt, "\"traceId\":\"000102030405060708090a0b0c0d0e0f\""));
	cr_assert(strstr(txt, "\"startTimeUnixNano\":\"1700000000123456789\""));
	cr_assert(strstr(txt, "\"intValue\":\"-1\""));
	cr_assert(strstr(txt, "\"kind\":1"));
	cr_assert(strstr(txt, "\"code\":2"));
	cr_assert(strstr(txt, "\"resourceSpans\":[{\"resource\":"));
	free(txt);
	struct rx_span *j = NULL;
	size_t nj = 0, capj = 0;
	cr_assert_eq(rx_decode_json((const char *)jb.p, jb.len - 1, &j, &nj, &capj, 0, rs, sizeof rs), 3);
	check_decoded(j, nj, rs);
	free(s);
	free(j);
	rn_otlp_buf_free(&jb);
	rn_otlp_pb_free(pb);
	for (int i = 0; i < 3; i++)
		rn_span_release(&p, v[i]);
	rn_span_pool_destroy(&p);
}

/* What a receiver does with a gzip body: zlib's inflate, gzip wrapper. */
static size_t gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int rc = inflate(&z, Z_FINISH);
	size_t got = z.total_out;
	inflateEnd(&z);
	cr_assert_eq(rc, Z_STREAM_END, "gzip body does not inflate (%d)", rc);
	cr_assert_eq(z.avail_in, 0, "bytes after the gzip member");
	return got;
}

/* gzip bodies (ISA-L's igzip where built with it, libdeflate else, and
 * libdeflate again for a body igzip could not fit) inflate back to the
 * body, whatever it holds: spans' protobuf, incompressible bytes, one
 * byte, nothing. */
Test(otlp_compress, gzip_inflates_back_whatever_the_body)
{
	enum { BIG = 300000 };
	uint8_t *body = malloc(BIG), *back = malloc(BIG + 1);
	struct rn_otlp_comp *c;
	cr_assert_eq(rn_otlp_comp_new(&c, RN_OTLP_COMP_GZIP), 0);
	struct rn_otlp_buf out = { 0 };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int kind = 0; kind < 4; kind++) {
		size_t n = kind == 0 ? BIG : kind == 1 ? BIG : kind == 2 ? 1 : 0;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* 0: repeating like span batches; 1: random */
			body[i] = kind == 1 ? (uint8_t)x : (uint8_t)("renacer.syscall.name"[i % 20] ^ (i % 211 == 0));
		}
		cr_assert_eq(rn_otlp_comp_run(c, body, n, &out), 0, "body %d", kind);
		cr_assert_geq(out.len, 18, "a gzip member at least");
		size_t got = gunzip(out.p, out.len, back, BIG + 1);
		cr_assert_eq(got, n, "body %d: %zu bytes back of %zu", kind, got, n);
		cr_assert(n == 0 || !memcmp(back, body, n), "body %d differs", kind);
		if (kind == 0)
			cr_assert_lt(out.len, n / 10, "repeating bytes compress (%zu of %zu)", out.len, n);
	}
	rn_otlp_buf_free(&out);
	rn_otlp_comp_free(c);
	free(body);
	free(back);
}

Test(otlp_encode, throughput)
{
	enum { N = 512, ROUNDS = 400 };
	struct rn_span_pool p;
	rn_span_pool_init(&p, N, 0);
	struct rn_otlp_resource res;
	rn_otlp_resource_build(&res, NULL, "/bin/x");
	uint8_t tid[16] = { 1 };
	struct rn_span *v[N];
	for (int i = 0; i < N; i++)
		v[i] = sample(&p, i);
	struct rn_otlp_batch b = { tid, NULL, &res, v, N };
	struct rn_otlp_pb *pb = rn_otlp_pb_new();
	struct rn_otlp_buf jb = { 0 };
	const uint8_t *out;
	size_t len = 0, jlen = 0;
	double t0 = now_s();
	for (int r = 0; r < ROUNDS; r++)
		cr_assert_eq(rn_otlp_pb_encode(pb, &b, &out, &len), 0);
	double t1 = now_s();
	for (int r = 0; r < ROUNDS; r++) {
		jb.len = 0;
		cr_assert_eq(rn_otlp_json_encode(&jb, &b, 1), 0);
		jlen = jb.len;
	}
	double t2 = now_s();
	fprintf(stderr, "encoding: protobuf %.2f M spans/s (%zu bytes/span), json %.2f M spans/s "
		"(%zu bytes/span)\n", N * ROUNDS / (t1 - t0) / 1e6, len / N,
		N * ROUNDS / (t2 - t1) / 1e6, jlen / N);
	rn_otlp_buf_free(&jb);
	rn_otlp_pb_free(pb);
	for (int i = 0; i < N; i++)
		rn_span_release(&p, v[i]);
	rn_span_pool_destroy(&p);
}

/* --------------------------------------------------------- the parsers */

Test(otlp_env, traceparent)
{
	uint8_t t[16], s[8], f;
	cr_assert_eq(rn_otlp_parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", t, s, &f), 0);
	cr_assert_eq(t[0], 0x0a);
	cr_assert_eq(s[7], 0x31);
	cr_assert_eq(f, 1);
	const char *bad[] = {
		"", "garbage", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
		"00-00000000000000000000000000000000-b7ad6b7169203331-01",
		"00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
		"00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
		"ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g",
		"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
	};
	for (unsigned i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_assert_eq(rn_otlp_parse_traceparent(bad[i], t, s, &f), -1, "%s accepted", bad[i]);
}

Test(otlp_env, key_value_lists)
{
	struct rn_otlp_kv kv[4];
	char buf[64];
	int n = rn_otlp_parse_kvlist(" a = 1 ,b=x%2Cy%3D, c=", kv, 4, buf, sizeof buf);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(kv[0].key, "a");
	cr_assert_str_eq(kv[0].value, "1");
	cr_assert_str_eq(kv[1].value, "x,y=");
	cr_assert_str_eq(kv[2].value, "");
	cr_assert_eq(rn_otlp_parse_kvlist("a=%zz", kv, 4, buf, sizeof buf), -1);
	cr_assert_eq(rn_otlp_parse_kvlist("a=%4", kv, 4, buf, sizeof buf), -1);
	cr_assert_eq(rn_otlp_parse_kvlist("novalue", kv, 4, buf, sizeof buf), -1);
	cr_assert_eq(rn_otlp_parse_kvlist("=v", kv, 4, buf, sizeof buf), -1);
	cr_assert_eq(rn_otlp_parse_kvlist("a=0123456789", kv, 4, buf, 8), -1, "too long for the buffer");
	cr_assert_eq(rn_otlp_parse_kvlist("a=1,b=2,c=3,d=4,e=5", kv, 4, buf, sizeof buf), -1);
}

Test(otlp_env, retry_after_and_endpoints)
{
	cr_assert_eq(rn_otlp_retry_after("3", 0), 3000);
	cr_assert_eq(rn_otlp_retry_after("0", 0), 0);
	cr_assert_eq(rn_otlp_retry_after("-1", 0), -1);
	cr_assert_eq(rn_otlp_retry_after("soon", 0), -1);
	/* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
	cr_assert_eq(rn_otlp_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111770), 7000);
	cr_assert_eq(rn_otlp_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111800), 0);
	cr_assert_eq(rn_otlp_endpoint_check("http://localhost:4318/v1/traces"), 0);
	cr_assert_eq(rn_otlp_endpoint_check("https://collector.example:443"), 0);
	cr_assert_eq(rn_otlp_endpoint_check("localhost:4318"), -1);
	cr_assert_eq(rn_otlp_endpoint_check("ftp://x"), -1);
	cr_assert_eq(rn_otlp_endpoint_check("http://"), -1);
	cr_assert_eq(rn_otlp_endpoint_check("http://a b"), -1);
}
