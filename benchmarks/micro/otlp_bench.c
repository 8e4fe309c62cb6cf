/* otlp_bench: the OTLP export path in-process, per span, on the call mix of
 * the syscall_heavy fixture (a read and a write per iteration; every 64th
 * iteration also open, fstat and close), decoded from real records so the
 * spans carry what the exporter would give them:
 *   otlp_span_pool     the model builds one call span from a decoded event;
 *                      spans come from the pool and go back a batch at a time
 *   otlp_span_nopool   the same with the pool disabled (--span-pool-disable:
 *                      every span malloc'd and freed)
 *   otlp_pb_pack       protobuf encoding of a batch (otlp_pb.c), per span
 *   otlp_gzip_1, _6    zlib gzip of that body at level 1 (Z_BEST_SPEED, what
 *                      otlp_http.c used) and 6 (zlib's default), per span
 *   otlp_comp_gzip,    the same body through otlp_compress.c, what
 *   otlp_comp_zstd     otlp_http.c sends: gzip at level 1 by ISA-L (else
 *                      libdeflate), and zstd at level 1
 *                      (--otlp-compression zstd), per span
 *   otlp_export        one whole batch per operation group: spans built,
 *                      encoded, gzipped, POSTed to the loopback receiver
 *                      and its answer read (otlp_http.c); per span, wall
 *   otlp_export_cpu    the same run per span of this process's CPU time:
 *                      its ops/s is spans per exporter CPU-second (the
 *                      receiver is another process and is not counted)
 * Usage: otlp_bench [SPANS (default 204800)] [REPS (default 7)] [URL [BATCH]]
 * Without URL the export benchmarks are skipped. BATCH defaults to 512,
 * the balanced --perf-mode. OTLP_BENCH_ONLY=PREFIX runs only the
 * benchmarks whose names start with PREFIX (for callgrind). */
#include <curl/curl.h>
#include <string.h>
#include <zlib.h>

#include "../../common/record.h"
#include "../../common/table.h"
#include "../../exporter/decode/decode.h"
#include "../../exporter/otlp/otlp_compress.h"
#include "../../exporter/otlp/otlp_encode.h"
#include "../../exporter/otlp/otlp_http.h"
#include "../../exporter/otlp/otlp_model.h"
#include "bench.h"

#define NSHAPES 5

/* One call of the mix, decoded once; its captures point into ext. */
struct shape {
	struct rn_rec rec;
	uint8_t ext[64];
	uint32_t ext_len;
	struct rn_event ev;
};

static struct shape shapes[NSHAPES];
static const char *only;	/* OTLP_BENCH_ONLY: run the benchmarks named with this prefix */
static struct rn_proc proc;
static long nspans;
static size_t batch = 512;

/* The model's emit: collect the batch, hand it on when full. */
struct collect {
	struct rn_span_pool *pool;
	struct rn_span **v;
	size_t n;
	void (*full)(struct collect *c);
	struct rn_otlp_model *m;
	struct rn_otlp_resource *res;
	struct rn_otlp_pb *pb;
	struct rn_otlp_http *http;
	uint64_t bytes, zbytes;
	int failed;
};

static void collect_emit(void *ctx, struct rn_span *sp)
{
	struct collect *c = ctx;
	c->v[c->n++] = sp;
	if (c->n == batch)
		c->full(c);
}

static void run(const char *name, long (*fn)(void *), void *arg, int reps)
{
	if (!only || !strncmp(name, only, strlen(only)))
		bench_run(name, fn, arg, reps);
}

static void keep(struct collect *c)
{
	(void)c;
}

static void release_all(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++) {
		c->v[i]->next = NULL;
		rn_span_release(c->pool, c->v[i]);
	}
	c->n = 0;
}

/* The i-th call of the mix: per 64 iterations, 128 reads and writes and
 * one open, fstat, close. */
static const struct rn_event *event_at(long i, struct rn_event *ev)
{
	long it = i / 2;
	int k = (int)(i & 1);
	if ((it & 63) == 63 && (i % 131) >= 128)
		k = 2 + (int)(i % 131 - 128);
	*ev = shapes[k].ev;
	ev->t_enter_ns = 1764400000000000000ull + (uint64_t)i * 400;
	ev->t_exit_ns = ev->t_enter_ns + 250;
	return ev;
}

static void feed(struct rn_otlp_model *m, long n)
{
	struct rn_event ev;
	for (long i = 0; i < n; i++)
		if (rn_otlp_model_event(m, event_at(i, &ev)))
			exit(1);
}

static long build_loop(void *arg)
{
	struct collect *c = arg;
	feed(c->m, nspans);
	release_all(c);
	return nspans;
}

static void encode_batch(struct collect *c, const uint8_t **out, size_t *len)
{
	struct rn_otlp_batch b = { c->m->trace_id, NULL, c->res, c->v, c->n };
	if (rn_otlp_pb_encode(c->pb, &b, out, len))
		exit(1);
}

/* A batch built once, encoded many times. */
static long pack_loop(void *arg)
{
	struct collect *c = arg;
	const uint8_t *out;
	size_t len;
	long reps = nspans / (long)c->n;
	for (long r = 0; r < reps; r++)
		encode_batch(c, &out, &len);
	c->bytes = len;
	return reps * (long)c->n;
}

/* What otlp_http.c does to a body: deflate with a gzip wrapper into a
 * buffer of deflateBound bytes, one Z_FINISH call. */
struct gz {
	const uint8_t *body;
	size_t len;
	int level;
	z_stream z;
	uint8_t *out;
	size_t outcap, outlen;
};

static long gzip_loop(void *arg)
{
	struct gz *g = arg;
	long reps = nspans / (long)batch;
	for (long r = 0; r < reps; r++) {
		deflateReset(&g->z);
		g->z.next_in = (Bytef *)(uintptr_t)g->body;
		g->z.avail_in = (uInt)g->len;
		g->z.next_out = g->out;
		g->z.avail_out = (uInt)g->outcap;
		if (deflate(&g->z, Z_FINISH) != Z_STREAM_END)
			exit(1);
		g->outlen = g->outcap - g->z.avail_out;
	}
	return reps * (long)batch;
}

/* What otlp_http.c does to a body now (otlp_compress.c). */
struct comp {
	const uint8_t *body;
	size_t len;
	struct rn_otlp_comp *c;
	struct rn_otlp_buf out;
};

static long comp_loop(void *arg)
{
	struct comp *g = arg;
	long reps = nspans / (long)batch;
	for (long r = 0; r < reps; r++)
		if (rn_otlp_comp_run(g->c, g->body, g->len, &g->out))
			exit(1);
	return reps * (long)batch;
}

static void export_full(struct collect *c)
{
	const uint8_t *body;
	size_t len;
	struct rn_otlp_result r;
	encode_batch(c, &body, &len);
	rn_otlp_http_export(c->http, body, len, bench_now_ns() + 10e9, NULL, &r);
	if (r.outcome != RN_OTLP_OK)
		c->failed = 1;
	c->bytes += len;
	c->zbytes += r.bytes_sent;
	release_all(c);
}

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double export_cpu[BENCH_MAX_REPS];
static int export_rep;

static long export_loop(void *arg)
{
	struct collect *c = arg;
	double t0 = cpu_ns();
	c->bytes = c->zbytes = 0;
	feed(c->m, nspans);
	if (c->n)
		export_full(c);
	if (export_rep >= 0 && export_rep < BENCH_MAX_REPS)
		export_cpu[export_rep] = (cpu_ns() - t0) / (double)nspans;
	export_rep++;
	return nspans;
}

static void make_shapes(void)
{
	static const char path[] = "/dev/null";
	struct shape *s = shapes;
	s[0].rec = (struct rn_rec){ .t_exit = 1, .ret = 1, .fn = RN_IDX_read,
				    .arg = { 3, 0x7ffd0000, 1, 0 } };
	s[1].rec = (struct rn_rec){ .t_exit = 1, .ret = 1, .fn = RN_IDX_write,
				    .arg = { 4, 0x7ffd0000, 1, 0 } };
	struct rn_item it = { RN_ARG_PATH, 0, sizeof path - 1 };
	memcpy(s[2].ext, &it, sizeof it);
	memcpy(s[2].ext + sizeof it, path, sizeof path - 1);
	s[2].ext_len = (uint32_t)(sizeof it + sizeof path - 1);
	s[2].rec = (struct rn_rec){ .t_exit = 1, .ret = 5, .fn = RN_IDX_open,
				    .arg = { 0x7ffd0000, 0, 0, 0 }, .ext_len = (uint16_t)s[2].ext_len };
	s[3].rec = (struct rn_rec){ .t_exit = 1, .ret = 0, .fn = RN_IDX_fstat,
				    .arg = { 5, 0x7ffd0000, 0, 0 } };
	s[4].rec = (struct rn_rec){ .t_exit = 1, .ret = 0, .fn = RN_IDX_close, .arg = { 5, 0, 0, 0 } };
	proc = (struct rn_proc){ .pid = 4242, .ppid = 1, .arena_id = 7, .argc = 1, .argv_len = 14,
				 .t_start_ns = 1764400000000000000ull };
	strcpy(proc.exe, "/usr/local/bin/syscall_heavy");
	memcpy(proc.argv, "syscall_heavy", 14);
	for (int i = 0; i < NSHAPES; i++) {
		if (rn_decode(&s[i].rec, s[i].ext, s[i].ext_len, &s[i].ev)) {
			fprintf(stderr, "otlp_bench: shape %d does not decode\n", i);
			exit(1);
		}
		s[i].ev.proc = &proc;
		s[i].ev.tid = 4242;
	}
}

static void setup(struct collect *c, struct rn_span_pool *pool, struct rn_otlp_model *m,
		  struct rn_otlp_resource *res, int disabled)
{
	memset(c, 0, sizeof *c);
	if (rn_span_pool_init(pool, 1024, disabled))
		exit(1);
	c->pool = pool;
	c->v = calloc(batch, sizeof *c->v);
	c->m = m;
	c->res = res;
	c->full = release_all;
	if (!c->v || rn_otlp_model_init(m, pool, NULL, collect_emit, c))
		exit(1);
	struct rn_event ev;
	rn_otlp_model_proc_start(m, event_at(0, &ev)->proc);
}

static void teardown(struct collect *c, struct rn_span_pool *pool, struct rn_otlp_model *m)
{
	release_all(c);
	rn_otlp_model_free(m);
	rn_span_pool_destroy(pool);
	free(c->v);
}

int main(int argc, char **argv)
{
	nspans = argc > 1 ? atol(argv[1]) : 204800;
	int reps = argc > 2 ? atoi(argv[2]) : 7;
	const char *url = argc > 3 ? argv[3] : NULL;
	if (argc > 4)
		batch = (size_t)atol(argv[4]);
	if (batch < 1 || nspans < (long)batch) {
		fprintf(stderr, "otlp_bench: SPANS must be at least BATCH\n");
		return 2;
	}
	only = getenv("OTLP_BENCH_ONLY");
	make_shapes();
	struct rn_otlp_resource res;
	rn_otlp_resource_build(&res, NULL, proc.exe);
	struct rn_span_pool pool;
	struct rn_otlp_model m;
	struct collect c;

	/* span building, with and without the pool */
	for (int disabled = 0; disabled < 2; disabled++) {
		setup(&c, &pool, &m, &res, disabled);
		run(disabled ? "otlp_span_nopool" : "otlp_span_pool", build_loop, &c, reps);
		struct rn_pool_stats ps;
		rn_span_pool_stats(&pool, &ps);
		printf("# %s: %llu spans, %llu allocations (%.3f per span)\n",
		       disabled ? "nopool" : "pool", (unsigned long long)ps.acquired,
		       (unsigned long long)ps.mallocs, (double)ps.mallocs / (double)ps.acquired);
		teardown(&c, &pool, &m);
	}

	/* one batch encoded, then gzipped, again and again */
	setup(&c, &pool, &m, &res, 0);
	c.full = keep;
	struct rn_event ev;
	for (long i = 0; i < (long)batch; i++)
		if (rn_otlp_model_event(&m, event_at(i, &ev)))
			return 1;
	c.pb = rn_otlp_pb_new();
	run("otlp_pb_pack", pack_loop, &c, reps);
	const uint8_t *body;
	size_t len;
	encode_batch(&c, &body, &len);
	printf("# protobuf: %zu spans, %zu bytes, %.1f bytes/span\n", c.n, len, (double)len / (double)c.n);
	static const int levels[] = { 1, 6 };
	for (int l = 0; l < 2; l++) {
		struct gz g = { .body = body, .len = len, .level = levels[l] };
		if (deflateInit2(&g.z, levels[l], Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return 1;
		g.outcap = deflateBound(&g.z, (uLong)len);
		g.out = malloc(g.outcap);
		if (!g.out)
			return 1;
		char name[32];
		snprintf(name, sizeof name, "otlp_gzip_%d", levels[l]);
		run(name, gzip_loop, &g, reps);
		if (g.outlen)
			printf("# gzip level %d: %zu -> %zu bytes (%.1f%%)\n", levels[l], len,
			       g.outlen, 100.0 * (double)g.outlen / (double)len);
		deflateEnd(&g.z);
		free(g.out);
	}
	/* wire bytes per span, per --otlp-compression */
	size_t zlen[2] = { 0, 0 };
	static const enum rn_otlp_comp_kind kinds[] = { RN_OTLP_COMP_GZIP, RN_OTLP_COMP_ZSTD };
	for (int k = 0; k < 2; k++) {
		struct comp g = { .body = body, .len = len };
		if (rn_otlp_comp_new(&g.c, kinds[k]) || rn_otlp_comp_run(g.c, body, len, &g.out))
			return 1;
		zlen[k] = g.out.len;
		char name[32];
		snprintf(name, sizeof name, "otlp_comp_%s", rn_otlp_comp_encoding(kinds[k]));
		run(name, comp_loop, &g, reps);
		rn_otlp_comp_free(g.c);
		rn_otlp_buf_free(&g.out);
	}
	printf("# wire bytes per span (otlp_compress.c): none %.1f, gzip (level 1) %.1f (%.1f%%), "
	       "zstd (level 1) %.1f (%.1f%%)\n", (double)len / (double)c.n,
	       (double)zlen[0] / (double)c.n, 100.0 * (double)zlen[0] / (double)len,
	       (double)zlen[1] / (double)c.n, 100.0 * (double)zlen[1] / (double)len);
	rn_otlp_pb_free(c.pb);
	teardown(&c, &pool, &m);

	if (!url)
		return 0;
	/* the whole path to a receiver, a batch at a time */
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return 1;
	static struct rn_otlp_opts x;
	x.endpoint = url;
	x.gzip = 1;
	x.protocol = RN_OTLP_PROTOBUF;
	x.timeout_ms = 10000;
	setup(&c, &pool, &m, &res, 0);
	c.pb = rn_otlp_pb_new();
	c.full = export_full;
	if (!c.pb || rn_otlp_http_new(&c.http, &x)) {
		fprintf(stderr, "otlp_bench: no transport to %s\n", url);
		return 1;
	}
	export_rep = -1;	/* the warm-up run is not counted */
	if (only && strncmp("otlp_export", only, strlen(only)))
		return 0;
	bench_run("otlp_export", export_loop, &c, reps);
	bench_report("otlp_export_cpu", export_cpu, export_rep);
	printf("# export: batch %zu, %.1f bytes/span protobuf, %.1f bytes/span on the wire%s\n", batch,
	       (double)c.bytes / (double)nspans, (double)c.zbytes / (double)nspans,
	       c.failed ? "; SOME REQUESTS FAILED" : "");
	rn_otlp_http_free(c.http);
	rn_otlp_pb_free(c.pb);
	teardown(&c, &pool, &m);
	curl_global_cleanup();
	return c.failed;
}
