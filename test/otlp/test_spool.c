/* test_spool.c: the receiver goes away and comes back. Real traced runs
 * against the loopback receiver (receiver.c) taken down mid-run, a run
 * that ends while it is down and its spool replayed later, and a spool
 * that fills up. What a user checks: every span arrives, once; what does
 * not arrive is counted exactly and said on stderr. Every wait is for a
 * condition, with a time limit. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "receiver.h"
#include "runner.h"

/* A figure for whoever reads the log, on stderr: Criterion's own log
 * messages (cr_log_*) cost a leak report under LeakSanitizer now and then
 * (48 bytes in its runner process) and a warning turns a pass into exit 1. */
#define NOTE(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr))

static char tmpdir[256], spool[300];

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/rn-spool-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(spool, sizeof spool, "%s/spool", tmpdir);
}

static void teardown(void)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	(void)!system(cmd);
}

TestSuite(spool, .init = setup, .fini = teardown, .timeout = 60);

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Batch files in the spool and the spans their headers declare. */
static size_t spool_files(const char *dir, uint64_t *spans)
{
	size_t n = 0;
	*spans = 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 7 || strcmp(e->d_name + l - 6, ".batch"))
			continue;
		char path[600];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		char *b = slurp(path, NULL);
		const char *s = b ? strstr(b, "\nspans: ") : NULL;
		if (s)
			*spans += strtoull(s + 8, NULL, 10);
		free(b);
		n++;
	}
	closedir(d);
	return n;
}

/* Waits until the spool holds at least n batches; returns how many. */
static size_t wait_spool(const char *dir, size_t n, double timeout_s)
{
	double t0 = now_s();
	uint64_t spans;
	size_t have;
	while ((have = spool_files(dir, &spans)) < n && now_s() - t0 < timeout_s) {
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL);
	}
	return have;
}

static size_t calls_in(const struct rx *rx, const char *name)
{
	size_t c = 0;
	for (size_t i = 0; i < rx->nspans; i++)
		c += !strcmp(rx->spans[i].name, name);
	return c;
}

/* Spans received more than once (same span id). */
static size_t duplicates(const struct rx *rx)
{
	size_t d = 0;
	for (size_t i = 0; i < rx->nspans; i++)
		for (size_t j = i + 1; j < rx->nspans; j++)
			if (!memcmp(rx->spans[i].span_id, rx->spans[j].span_id, 8)) {
				d++;
				break;
			}
	return d;
}

struct bg {
	pthread_t thr;
	struct rn_run r;
	char **env;
	char **argv;
};

static void *bg_main(void *arg)
{
	struct bg *b = arg;
	run_prog(&b->r, NULL, b->env, b->argv, 50);
	return NULL;
}

Test(spool, receiver_down_mid_run_every_span_arrives_once)
{
	struct rx *rx = rx_start(NULL, 0);
	cr_assert_not_null(rx);
	/* one batch fails for good after 1 s of retries; then new batches
	 * go straight to the spool until the receiver answers again */
	char *env[] = { "OTEL_BSP_EXPORT_TIMEOUT=1000", NULL };
	char *argv[] = { RN_EXPORTER, "-c", "-o", "/dev/null", "--otlp-endpoint", rx->url,
			 "--spool-dir", spool, "--otlp-batch-size", "50", "--otlp-batch-delay", "200",
			 "--", RN_OTLP_PROG, "loop", "900", "10", NULL };
	struct bg b = { .env = env, .argv = argv };
	cr_assert_eq(pthread_create(&b.thr, NULL, bg_main, &b), 0);

	/* delivering, then down: first closing without an answer, then
	 * refusing connections, for 3 s and until batches were spooled */
	cr_assert_gt(rx_wait_spans(rx, 1, 5000), 0, "nothing delivered before the outage");
	double t0 = now_s();
	rx_set_mode(rx, RX_HANGUP);
	struct timespec half = { 1, 500000000 };
	nanosleep(&half, NULL);
	rx_set_mode(rx, RX_REFUSE);
	size_t spooled = wait_spool(spool, 3, 8);
	while (now_s() - t0 < 3.0)
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	double outage = now_s() - t0;
	size_t before = rx->accepted;
	rx_set_mode(rx, RX_UP);
	pthread_join(b.thr, NULL);

	cr_assert_geq(spooled, 3, "batches were not spooled during the outage (%zu)", spooled);
	cr_assert_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
	cr_assert_null(strstr(b.r.err, "not delivered"), "%s", b.r.err);
	cr_assert_null(strstr(b.r.err, "unreachable"), "%s", b.r.err);
	cr_assert_gt(rx->nrefused, 0, "no request was hung up on");
	cr_assert_eq(duplicates(rx), 0, "spans received twice");
	cr_assert_eq(calls_in(rx, "access"), 900, "every call once: got %zu", calls_in(rx, "access"));
	cr_assert_gt(rx->accepted, before, "nothing resent after the outage");
	uint64_t left;
	cr_assert_eq(spool_files(spool, &left), 0, "the spool was not emptied");
	NOTE("outage %.1f s: %zu batches spooled, %zu spans hung up on, %zu spans received "
		    "(%zu before the receiver came back), 0 duplicates",
		    outage, spooled, rx->nrefused, rx->nspans, before);
	rx_stop(rx);
}

/* The spans a run reported as kept: "... (N spans) kept in DIR". */
static uint64_t kept_spans(const char *err)
{
	const char *k = strstr(err, " spans) kept in ");
	cr_assert_not_null(k, "no spool line: %s", err);
	while (k > err && k[-1] != '(')
		k--;
	return strtoull(k, NULL, 10);
}

Test(spool, run_ending_while_down_leaves_a_spool_that_replay_delivers)
{
	/* the receiver refuses for the whole run */
	struct rx *rx = rx_start(NULL, 0);
	cr_assert_not_null(rx);
	rx_set_mode(rx, RX_REFUSE);
	char *env[] = { "OTEL_BSP_EXPORT_TIMEOUT=1000", NULL };
	char *argv[] = { RN_EXPORTER, "-c", "-o", "/dev/null", "--otlp-endpoint", rx->url,
			 "--spool-dir", spool, "--otlp-batch-size", "40", "--",
			 RN_OTLP_PROG, "loop", "300", "0", NULL };
	struct rn_run r;
	run_prog(&r, NULL, env, argv, 30);
	cr_assert_eq(r.status, 0, "%s", r.err);
	uint64_t spans;
	size_t files = spool_files(spool, &spans);
	cr_assert_gt(files, 1);
	cr_assert_eq(kept_spans(r.err), spans, "stderr and the spool disagree: %s", r.err);
	cr_assert(strstr(r.err, spool) && strstr(r.err, "--replay"), "%s", r.err);
	cr_assert_null(strstr(r.err, "not delivered"), "nothing is lost: %s", r.err);

	/* a replay while the receiver still hangs up: nothing is removed */
	rx_set_mode(rx, RX_HANGUP);
	char *renv[] = { "OTEL_BSP_EXPORT_TIMEOUT=600", NULL };
	char *rargv[] = { RN_EXPORTER, "--replay", spool, "--otlp-endpoint", rx->url, NULL };
	run_prog(&r, NULL, renv, rargv, 30);
	cr_assert_eq(r.status, 1, "%s", r.err);
	uint64_t spans2;
	cr_assert_eq(spool_files(spool, &spans2), files, "a batch went without an answer: %s", r.err);
	cr_assert_eq(rx->nspans, 0);

	/* the receiver is back: everything once, and the spool is empty */
	rx_set_mode(rx, RX_UP);
	run_prog(&r, NULL, renv, rargv, 30);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char want[128];
	snprintf(want, sizeof want, "%zu of %zu batch%s (%" PRIu64 " span%s) delivered", files, files,
		 files == 1 ? "" : "es", spans, spans == 1 ? "" : "s");
	cr_assert(strstr(r.err, want), "expected '%s' in: %s", want, r.err);
	cr_assert_eq(rx->nspans, spans);
	cr_assert_eq(duplicates(rx), 0);
	cr_assert_eq(calls_in(rx, "access"), 300);
	cr_assert_eq(spool_files(spool, &spans2), 0);
	rx_stop(rx);
}

static int sh(const char *cmd, char *out, size_t cap)
{
	int st = run_sh(cmd, out, cap);
	cr_assert_geq(st, 0, "cannot run %s", cmd);
	return st;
}

Test(spool, the_spool_limit_drops_and_counts_exactly)
{
	/* an exporter on its own directory, the receiver down, a 1 MiB spool
	 * and more spans than fit; the status figures show the drops */
	struct rx *rx = rx_start(NULL, 0);
	rx_set_mode(rx, RX_REFUSE);
	char dir[320], errf[320];
	snprintf(dir, sizeof dir, "%s/session", tmpdir);
	snprintf(errf, sizeof errf, "%s/exporter.err", tmpdir);
	cr_assert_eq(mkdir(dir, 0700), 0);
	char *cmd, out[8192];
	cr_assert(asprintf(&cmd,
			   "OTEL_BSP_EXPORT_TIMEOUT=500 " RN_EXPORTER " --session-dir %s -c -o /dev/null "
			   "--otlp-endpoint %s --spool-dir %s --spool-max-mb 1 2>%s & ex=$!; "
			   "LD_PRELOAD=" RN_LIBRENACER " RENACER_SESSION_DIR=%s RENACER_ON_FULL=block "
			   RN_OTLP_PROG " loop 20000 0; n=0; "
			   "until " RN_EXPORTER " --status %s | grep -q \"otlp_spool_dropped.:[1-9]\"; do "
			   "[ $n -gt 1000 ] && break; sleep 0.01; n=$((n+1)); done; "
			   RN_EXPORTER " --status %s; kill -TERM $ex; wait $ex; echo exporter=$?",
			   dir, rx->url, spool, errf, dir, dir, dir) > 0);
	int st = sh(cmd, out, sizeof out);
	free(cmd);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "exporter=0"), "%s", out);
	cr_assert(strstr(out, "\"otlp_spool_dropped\":") && !strstr(out, "\"otlp_spool_dropped\":0,"),
		  "the status shows no drop: %s", out);
	char *err = slurp(errf, NULL);
	cr_assert_not_null(err);
	/* "X of Y spans not delivered ... X dropped (the spool is full)" and
	 * the spool holds exactly the rest */
	unsigned long long lost, total, dropped;
	const char *l = strstr(err, "renacer: OTLP: ");
	cr_assert_not_null(l, "%s", err);
	cr_assert_eq(sscanf(l, "renacer: OTLP: %llu of %llu spans not delivered", &lost, &total), 2,
		     "%s", err);
	const char *d = strstr(err, " dropped (the spool is full)");
	cr_assert_not_null(d, "%s", err);
	while (d > err && d[-1] != ' ')
		d--;
	dropped = strtoull(d, NULL, 10);
	/* with the receiver down the queue can also overflow while the sender
	 * waits out its export timeout: those are counted apart, and every
	 * loss must be one or the other */
	unsigned long long qdropped = 0;
	const char *q = strstr(l, " dropped (queue full or out of memory)");
	if (q) {
		while (q > l && q[-1] != ' ')
			q--;
		qdropped = strtoull(q, NULL, 10);
	}
	uint64_t spans;
	size_t files = spool_files(spool, &spans);
	cr_assert_gt(dropped, 0, "%s", err);
	cr_assert_eq(lost, dropped + qdropped, "a loss nobody counted: %s", err);
	cr_assert_eq(spans + dropped + qdropped, total,
		     "kept %" PRIu64 " + dropped %llu + %llu != %llu spans: %s", spans, dropped,
		     qdropped, total, err);
	cr_assert_eq(kept_spans(err), spans, "%s", err);
	cr_assert(strstr(err, "at the spool limit (--spool-max-mb 1)"), "%s", err);
	/* the limit is kept */
	char du[400];
	snprintf(du, sizeof du, "du -sb %s | cut -f1", spool);
	sh(du, out, sizeof out);
	cr_assert_leq(strtoull(out, NULL, 10), (1u << 20) + 8192, "spool of %s bytes", out);
	NOTE("%llu spans: %" PRIu64 " kept in %zu batches, %llu dropped at the limit", total,
		    spans, files, dropped);
	free(err);
	rx_stop(rx);
}

Test(spool, dropped_records_are_counted_exactly_in_every_output)
{
	/* --on-full=drop with the smallest ring: calls are lost, and every
	 * call is either delivered or counted, on the process span and in
	 * the summary alike */
	char file[320], sum[320];
	snprintf(file, sizeof file, "%s/t.otlp.jsonl", tmpdir);
	snprintf(sum, sizeof sum, "%s/summary.txt", tmpdir);
	char *env[] = { "RENACER_RING_SIZE=1024", NULL };
	char *argv[] = { RN_EXPORTER, "-q", "-c", "-o", sum, "--on-full=drop", "--otlp-file", file,
			 "-e", "trace=access", "--", RN_OTLP_PROG, "loop", "100000", "0", NULL };
	struct rn_run r;
	run_prog(&r, NULL, env, argv, 40);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *s = slurp(sum, NULL), *f = slurp(file, NULL);
	cr_assert(s && f);
	const char *l = strstr(s, "renacer: ");
	unsigned long long lost = 0;
	cr_assert(l && sscanf(l, "renacer: %llu events lost", &lost) == 1, "no loss line: %s", s);
	struct rx_span *sp = NULL;
	size_t n = 0, cap = 0, calls = 0;
	for (char *line = strtok(f, "\n"); line; line = strtok(NULL, "\n"))
		cr_assert_geq(rx_decode_json(line, strlen(line), &sp, &n, &cap, 0, NULL, 0), 0);
	const char *on_span = NULL;
	for (size_t i = 0; i < n; i++) {
		calls += !strcmp(sp[i].name, "access");
		if (rx_attr(&sp[i], "process.pid"))
			on_span = rx_attr(&sp[i], "renacer.lost_records");
	}
	if (!lost)
		cr_skip_test("no call was lost this time: nothing to count");
	cr_assert_not_null(on_span, "the process span does not carry the loss");
	cr_assert_eq(strtoull(on_span, NULL, 10), lost, "span says %s, summary %llu", on_span, lost);
	cr_assert_eq(calls + lost, 100000, "%zu delivered + %llu lost != 100000 calls", calls, lost);
	NOTE("100000 calls: %zu delivered, %llu lost and counted", calls, lost);
	free(sp);
	free(s);
	free(f);
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 8);
}

/* Spans received more than once (same span id), for many spans. */
static size_t duplicates_many(const struct rx *rx)
{
	uint8_t(*ids)[8] = malloc(rx->nspans * 8 + 8);
	for (size_t i = 0; i < rx->nspans; i++)
		memcpy(ids[i], rx->spans[i].span_id, 8);
	qsort(ids, rx->nspans, 8, id_cmp);
	size_t d = 0;
	for (size_t i = 1; i < rx->nspans; i++)
		d += !memcmp(ids[i], ids[i - 1], 8);
	free(ids);
	return d;
}

static void wait_file(const char *path, double timeout_s)
{
	double t0 = now_s();
	struct stat sb;
	while (stat(path, &sb) && now_s() - t0 < timeout_s)
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	cr_assert_eq(stat(path, &sb), 0, "%s never appeared", path);
}

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fclose(f);
}

Test(spool, receiver_down_at_start_and_at_the_end_every_span_once_no_ring_drop, .timeout = 180)
{
	/* 40,000 calls in two bursts around a pause the test ends; the
	 * receiver refuses connections for the first 5 s (the first burst;
	 * RN_OUTAGE_S=30 in tools/soak), is up for the second, and is down
	 * again when the run ends */
	const char *os = getenv("RN_OUTAGE_S");
	double outage = os && atof(os) > 0 ? atof(os) : 5.0;
	struct rx *rx = rx_start(NULL, 0);
	cr_assert_not_null(rx);
	rx->discard = 0;
	rx_set_mode(rx, RX_REFUSE);
	char go[320], half[320], script[1400];
	snprintf(go, sizeof go, "%s/go", tmpdir);
	snprintf(half, sizeof half, "%s/half", tmpdir);
	snprintf(script, sizeof script,
		 "%s loop 20000 0; touch %s; while [ ! -e %s ]; do sleep 0.02; done; %s loop 20000 0",
		 RN_OTLP_PROG, half, go, RN_OTLP_PROG);
	char *argv[] = { RN_EXPORTER, "-c", "-o", "/dev/null", "-e", "trace=access", "--otlp-endpoint",
			 rx->url, "--spool-dir", spool, "--", "/bin/sh", "-c", script, NULL };
	struct bg b = { .env = NULL, .argv = argv };
	double t0 = now_s();
	cr_assert_eq(pthread_create(&b.thr, NULL, bg_main, &b), 0);
	wait_file(half, 60);
	cr_assert_geq(wait_spool(spool, 1, 10), 1, "nothing was spooled while the receiver was down");
	while (now_s() - t0 < outage)
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	rx_set_mode(rx, RX_UP);
	/* the spool goes first when the receiver is back */
	cr_assert_geq(rx_wait_spans(rx, 20000, 30000), 20000, "the spool was not sent");
	size_t before_end = rx->nspans;
	rx_set_mode(rx, RX_REFUSE);
	double t_end = now_s();
	touch(go);
	pthread_join(b.thr, NULL);
	double ret_s = now_s() - t_end;
	cr_assert_eq(b.r.status, 0, "exit %d: %s", b.r.status, b.r.err);
	cr_assert_null(strstr(b.r.err, "events lost"), "ring drops: %s", b.r.err);
	cr_assert_null(strstr(b.r.err, "not delivered"), "%s", b.r.err);
	uint64_t kept = 0;
	size_t files = spool_files(spool, &kept);
	/* what did not arrive waits in the spool, said on one line */
	if (files) {
		cr_assert_eq(kept_spans(b.r.err), kept, "%s", b.r.err);
		cr_assert(strstr(b.r.err, "--replay"), "%s", b.r.err);
		rx_set_mode(rx, RX_UP);
		char *rargv[] = { RN_EXPORTER, "--replay", spool, "--otlp-endpoint", rx->url, NULL };
		struct rn_run r;
		run_prog(&r, NULL, NULL, rargv, 30);
		cr_assert_eq(r.status, 0, "%s", r.err);
	}
	cr_assert_eq(duplicates_many(rx), 0, "spans received twice");
	cr_assert_eq(calls_in(rx, "access"), 40000, "every call once: got %zu", calls_in(rx, "access"));
	NOTE("outage %.0f s, 40000 calls: %zu spans before the second outage, %zu batches (%" PRIu64
		    " spans) left in the spool at the end; renacer-run returned %.2f s after the "
		    "last burst began",
		    outage, before_end, files, kept, ret_s);
	rx_stop(rx);
}
