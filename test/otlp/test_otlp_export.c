/* test_otlp_export.c: real programs traced by renacer-exporter, their
 * spans received by the loopback receiver (receiver.c) or read back from
 * the OTLP JSON file, and checked against what the json sink printed in
 * the same run. Every wait is for a condition, with a time limit. */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json.h"
#include "receiver.h"
#include "runner.h"

#ifndef RN_EXPORTER
#error "RN_EXPORTER must name renacer-exporter"
#endif

static char tmpdir[256];

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/rn-otlp-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	(void)!system(cmd);
}

TestSuite(otlp, .init = setup, .fini = teardown, .timeout = 60);

/* A loopback port with nothing listening. */
static int dead_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof a;
	bind(s, (struct sockaddr *)&a, sizeof a);
	getsockname(s, (struct sockaddr *)&a, &l);
	close(s);
	return ntohs(a.sin_port);
}

/* The calls the json sink printed: "tid:ts:syscall" keys, sorted. */
struct keys {
	char **k;
	size_t n;
};

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void json_sink_keys(const char *path, struct keys *out)
{
	size_t len;
	char *b = slurp(path, &len);
	cr_assert_not_null(b, "no json sink output at %s", path);
	out->k = NULL;
	out->n = 0;
	for (char *line = strtok(b, "\n"); line; line = strtok(NULL, "\n")) {
		struct tj *o = tj_parse(line, strlen(line), NULL);
		cr_assert_not_null(o, "json sink line does not parse: %s", line);
		const struct tj *sys = tj_get(o, "syscall");
		if (sys) {
			char *k;
			cr_assert_geq(asprintf(&k, "%.0f:%.0f:%s", tj_get(o, "tid")->num,
					       tj_get(o, "ts")->num, tj_str(sys)), 0);
			out->k = realloc(out->k, (out->n + 1) * sizeof *out->k);
			out->k[out->n++] = k;
		}
		tj_free(o);
	}
	free(b);
	if (out->n)
		qsort(out->k, out->n, sizeof *out->k, cmpstr);
}

static void span_keys(const struct rx_span *s, size_t n, struct keys *out)
{
	out->k = NULL;
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (!rx_attr(&s[i], "renacer.syscall.name"))
			continue;
		char *k;
		cr_assert_geq(asprintf(&k, "%s:%llu:%s", rx_attr(&s[i], "thread.id"),
				       (unsigned long long)s[i].start, s[i].name), 0);
		out->k = realloc(out->k, (out->n + 1) * sizeof *out->k);
		out->k[out->n++] = k;
	}
	qsort(out->k, out->n, sizeof *out->k, cmpstr);
}

static void keys_free(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->k[i]);
	free(k->k);
}

/* The ns timestamps in the json sink are doubles here: compare as text of
 * the same rounding. */
static void same_calls(const char *json_path, const struct rx_span *s, size_t n)
{
	struct keys a, b;
	json_sink_keys(json_path, &a);
	/* %.0f of a double keeps ~16 digits: round the span side alike */
	span_keys(s, n, &b);
	for (size_t i = 0; i < b.n; i++) {
		char *c1 = strchr(b.k[i], ':'), *c2 = strchr(c1 + 1, ':');
		char name[64];
		snprintf(name, sizeof name, "%s", c2 + 1);
		*c2 = '\0';
		double ts = strtod(c1 + 1, NULL);
		*c1 = '\0';
		char *k;
		cr_assert_geq(asprintf(&k, "%s:%.0f:%s", b.k[i], ts, name), 0);
		free(b.k[i]);
		b.k[i] = k;
	}
	qsort(b.k, b.n, sizeof *b.k, cmpstr);
	cr_assert_gt(a.n, 5, "too few calls traced (%zu)", a.n);
	cr_assert_eq(a.n, b.n, "json sink shows %zu calls, OTLP got %zu call spans", a.n, b.n);
	for (size_t i = 0; i < a.n; i++)
		cr_assert_str_eq(a.k[i], b.k[i], "call %zu differs", i);
	keys_free(&a);
	keys_free(&b);
}

static const struct rx_span *by_id(const struct rx_span *s, size_t n, const uint8_t id[8])
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(s[i].span_id, id, 8))
			return &s[i];
	return NULL;
}

/* Parent links, one trace, nesting in time, and the attributes of the
 * calls otlp_prog tree makes. */
static void check_tree(const struct rx_span *s, size_t n, int port)
{
	size_t procs = 0;
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(memcmp(s[i].trace_id, s[0].trace_id, 16), 0, "two trace ids");
		cr_assert_eq(s[i].kind, 1, "kind INTERNAL");
		for (size_t j = i + 1; j < n; j++)
			cr_assert_neq(memcmp(s[i].span_id, s[j].span_id, 8), 0, "duplicate span id");
		if (rx_attr(&s[i], "process.pid")) {
			procs++;
			continue;
		}
		cr_assert(s[i].has_parent, "call span %s without parent", s[i].name);
		const struct rx_span *p = by_id(s, n, s[i].parent);
		cr_assert_not_null(p, "call span %s: parent not exported", s[i].name);
		cr_assert_not_null(rx_attr(p, "process.pid"), "call span's parent is not a process");
		cr_assert(s[i].start >= p->start && s[i].end <= p->end,
			  "%s [%llu,%llu] outside its process %s [%llu,%llu]", s[i].name,
			  (unsigned long long)s[i].start, (unsigned long long)s[i].end, p->name,
			  (unsigned long long)p->start, (unsigned long long)p->end);
		cr_assert(s[i].start <= s[i].end);
		cr_assert_str_eq(rx_attr(&s[i], "renacer.syscall.name"), s[i].name);
	}
	cr_assert_eq(procs, 4, "expected 4 process spans (root, fork child, its exec, spawn child), got %zu", procs);

	int roots = 0, failed_open = 0, refused = 0, forked = 0, spawned = 0, execd = 0;
	for (size_t i = 0; i < n; i++) {
		const struct rx_span *x = &s[i];
		if (rx_attr(x, "process.pid")) {
			if (!x->has_parent) {
				roots++;
				continue;
			}
			const struct rx_span *p = by_id(s, n, x->parent);
			cr_assert_not_null(p, "process %s: parent span not exported", x->name);
			if (x->has_link) {
				/* exec: same parent as the image it replaced */
				const struct rx_span *prev = by_id(s, n, x->link);
				cr_assert_not_null(prev);
				cr_assert_eq(memcmp(prev->parent, x->parent, 8), 0, "exec changed the parent");
				cr_assert_str_eq(rx_attr(x, "process.pid"), rx_attr(prev, "process.pid"));
				cr_assert_eq(x->status, 2, "child exit 3 is an error");
				cr_assert_str_eq(rx_attr(x, "process.exit.code"), "3");
				execd++;
				continue;
			}
			cr_assert_str_eq(rx_attr(p, "renacer.process.child_pid"), rx_attr(x, "process.pid"),
					 "process %s is not under the call that made it (%s)", x->name, p->name);
			if (!strcmp(p->name, "clone3"))
				spawned++;
			else
				forked++;
			continue;
		}
		if (!strcmp(x->name, "openat") && rx_attr(x, "error.type")) {
			cr_assert_str_eq(rx_attr(x, "error.type"), "ENOENT");
			cr_assert_str_eq(rx_attr(x, "file.path"), "/nonexistent/renacer-otlp");
			cr_assert_eq(x->status, 2);
			cr_assert_str_eq(x->status_msg, "No such file or directory");
			failed_open++;
		}
		if (!strcmp(x->name, "connect")) {
			char portstr[16];
			snprintf(portstr, sizeof portstr, "%d", port);
			cr_assert_str_eq(rx_attr(x, "network.peer.address"), "127.0.0.1");
			cr_assert_str_eq(rx_attr(x, "network.peer.port"), portstr);
			cr_assert_str_eq(rx_attr(x, "error.type"), "ECONNREFUSED");
			refused++;
		}
		if (!x->status)
			cr_assert_null(rx_attr(x, "error.type"));
		if (!strcmp(x->name, "close"))
			cr_assert_not_null(rx_attr(x, "renacer.syscall.fd"), "close has an FD");
	}
	cr_assert_eq(roots, 1, "one root process span");
	cr_assert_eq(failed_open, 1);
	cr_assert_eq(refused, 1);
	cr_assert_eq(forked, 1, "the fork child under the fork call");
	cr_assert_eq(spawned, 1, "the spawned child under the posix_spawn call");
	cr_assert_eq(execd, 1);
}

/* Runs otlp_prog tree under renacer with a json sink and OTLP export. */
static void run_tree(struct rn_run *r, struct rx *rx, char *const env[], const char *extra1,
		     const char *extra2, char *json_path, size_t cap, int *port)
{
	char portstr[16];
	*port = dead_port();
	snprintf(portstr, sizeof portstr, "%d", *port);
	snprintf(json_path, cap, "%s/calls.json", tmpdir);
	char *argv[16];
	int k = 0;
	argv[k++] = RN_EXPORTER;
	argv[k++] = "-q";
	argv[k++] = "--format";
	argv[k++] = "json";
	argv[k++] = "-o";
	argv[k++] = json_path;
	argv[k++] = "--otlp-endpoint";
	argv[k++] = rx->url;
	if (extra1)
		argv[k++] = (char *)extra1;
	if (extra2)
		argv[k++] = (char *)extra2;
	argv[k++] = "--";
	argv[k++] = RN_OTLP_PROG;
	argv[k++] = "tree";
	argv[k++] = portstr;
	argv[k] = NULL;
	run_prog(r, NULL, env, argv, 30);
}

Test(otlp, protobuf_gzip_every_call_once_one_tree)
{
	struct rx *rx = rx_start(NULL, 0);
	cr_assert_not_null(rx);
	struct rn_run r;
	char json[512];
	int port;
	run_tree(&r, rx, NULL, "--capture-argv", NULL, json, sizeof json, &port);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_eq(r.err[0], '\0', "stderr: %s", r.err);
	/* renacer-run returned: everything must be acknowledged already */
	cr_assert_gt(rx->nreqs, 0);
	for (size_t i = 0; i < rx->nreqs; i++) {
		cr_assert_str_eq(rx->reqs[i].content_type, "application/x-protobuf");
		cr_assert_str_eq(rx->reqs[i].content_encoding, "gzip");
		cr_assert(!strncmp(rx->reqs[i].user_agent, "renacer/", 8), "%s", rx->reqs[i].user_agent);
		cr_assert(rx->reqs[i].decoded);
		cr_assert(strstr(rx->reqs[i].resource, "service.name=unknown_service:otlp_prog;"),
			  "%s", rx->reqs[i].resource);
		cr_assert(strstr(rx->reqs[i].resource, "telemetry.sdk.name=renacer;"));
		cr_assert(strstr(rx->reqs[i].resource, "host.name="));
	}
	same_calls(json, rx->spans, rx->nspans);
	check_tree(rx->spans, rx->nspans, port);
	/* --capture-argv: the command line on process spans */
	int argv_seen = 0;
	for (size_t i = 0; i < rx->nspans; i++) {
		const char *a = rx_attr(&rx->spans[i], "process.command_args");
		if (a && strstr(a, "tree"))
			argv_seen = 1;
	}
	cr_assert(argv_seen, "process.command_args missing");
	rx_stop(rx);
}

/* --otlp-compression zstd: every request says so, and the receiver's zstd
 * decoding gives back every call once, as with gzip */
Test(otlp, protobuf_zstd_every_call_once_one_tree)
{
	struct rx *rx = rx_start(NULL, 0);
	cr_assert_not_null(rx);
	struct rn_run r;
	char json[512];
	int port;
	run_tree(&r, rx, NULL, "--otlp-compression", "zstd", json, sizeof json, &port);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_eq(r.err[0], '\0', "stderr: %s", r.err);
	cr_assert_gt(rx->nreqs, 0);
	for (size_t i = 0; i < rx->nreqs; i++) {
		cr_assert_str_eq(rx->reqs[i].content_type, "application/x-protobuf");
		cr_assert_str_eq(rx->reqs[i].content_encoding, "zstd");
		cr_assert(rx->reqs[i].decoded, "request %zu did not decode", i);
	}
	same_calls(json, rx->spans, rx->nspans);
	check_tree(rx->spans, rx->nspans, port);
	rx_stop(rx);
}

Test(otlp, http_json_uncompressed_decodes)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	char json[512];
	int port;
	char *env[] = { "OTEL_EXPORTER_OTLP_COMPRESSION=none", "OTEL_SERVICE_NAME=svc-test",
			"OTEL_RESOURCE_ATTRIBUTES=deployment.environment=t%20est,service.name=ignored",
			"OTEL_EXPORTER_OTLP_HEADERS=x-test-token=s%3Dcret", NULL };
	run_tree(&r, rx, env, "--otlp-protocol", "http/json", json, sizeof json, &port);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.err, "cret"), "a header value was printed");
	for (size_t i = 0; i < rx->nreqs; i++) {
		cr_assert_str_eq(rx->reqs[i].content_type, "application/json");
		cr_assert_str_eq(rx->reqs[i].content_encoding, "");
		cr_assert_str_eq(rx->reqs[i].custom, "s=cret");
		cr_assert(rx->reqs[i].decoded);
		cr_assert(strstr(rx->reqs[i].resource, "service.name=svc-test;"), "%s", rx->reqs[i].resource);
		cr_assert(strstr(rx->reqs[i].resource, "deployment.environment=t est;"));
	}
	same_calls(json, rx->spans, rx->nspans);
	check_tree(rx->spans, rx->nspans, port);
	rx_stop(rx);
}

Test(otlp, traceparent_is_joined)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	char json[512];
	int port;
	char *env[] = { "TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
			"TRACESTATE=vendor=x", NULL };
	run_tree(&r, rx, env, NULL, NULL, json, sizeof json, &port);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char hex[33];
	int roots = 0;
	for (size_t i = 0; i < rx->nspans; i++) {
		const struct rx_span *s = &rx->spans[i];
		rx_hex(s->trace_id, 16, hex);
		cr_assert_str_eq(hex, "0af7651916cd43dd8448eb211c80319c");
		cr_assert_str_eq(s->trace_state, "vendor=x");
		cr_assert(s->has_parent, "every span has a parent: the remote one at the top");
		rx_hex(s->parent, 8, hex);
		if (!strcmp(hex, "b7ad6b7169203331")) {
			roots++;
			cr_assert_eq(s->flags, 0x301u, "sampled, parent remote");
		}
	}
	cr_assert_eq(roots, 1);
	rx_stop(rx);
}

/* A run of otlp_prog loop N MS with the given options and environment. */
static void run_loop(struct rn_run *r, struct rx *rx, char *const env[], const char *n,
		     const char *ms, char *const extra[])
{
	char *argv[32];
	int k = 0;
	argv[k++] = RN_EXPORTER;
	argv[k++] = "-c";
	argv[k++] = "-o";
	argv[k++] = "/dev/null";
	if (rx) {
		argv[k++] = "--otlp-endpoint";
		argv[k++] = rx->url;
	}
	for (int i = 0; extra && extra[i]; i++)
		argv[k++] = extra[i];
	argv[k++] = "--";
	argv[k++] = RN_OTLP_PROG;
	argv[k++] = "loop";
	argv[k++] = (char *)n;
	argv[k++] = (char *)ms;
	argv[k] = NULL;
	run_prog(r, NULL, env, argv, 40);
}

/* The spans a plain run of loop N delivers, for loss checks. */
static size_t calls_in(const struct rx *rx, const char *name)
{
	size_t c = 0;
	for (size_t i = 0; i < rx->nspans; i++)
		c += !strcmp(rx->spans[i].name, name);
	return c;
}

Test(otlp, retry_503_and_dropped_connection_deliver_everything)
{
	struct rx_action s[] = { { .status = 503 }, { .close = 1 }, { .status = 502 } };
	struct rx *rx = rx_start(s, 3);
	struct rn_run r;
	char *extra[] = { "--otlp-batch-size", "100000", "--otlp-queue-size", "100000",
			  "--otlp-batch-delay", "60000", NULL };
	run_loop(&r, rx, NULL, "200", "0", extra);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.err, "not delivered"), "%s", r.err);
	cr_assert_eq(rx->nreqs, 4, "three failures then success: %zu requests", rx->nreqs);
	cr_assert_eq(calls_in(rx, "access"), 200);
	rx_stop(rx);
}

Test(otlp, retry_after_429_is_honoured)
{
	struct rx_action s[] = { { .status = 429, .retry_after = 1 } };
	struct rx *rx = rx_start(s, 1);
	struct rn_run r;
	char *extra[] = { "--otlp-batch-size", "100000", "--otlp-queue-size", "100000",
			  "--otlp-batch-delay", "60000", NULL };
	run_loop(&r, rx, NULL, "50", "0", extra);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(rx->nreqs, 2);
	double gap = (double)(rx->reqs[1].t_ns - rx->reqs[0].t_ns) / 1e9;
	cr_assert(gap >= 0.95 && gap < 5, "retried after %.3f s, Retry-After said 1", gap);
	cr_assert_eq(calls_in(rx, "access"), 50);
	rx_stop(rx);
}

Test(otlp, status_400_is_not_retried_and_counted)
{
	struct rx_action s[] = { { .status = 400 } };
	struct rx *rx = rx_start(s, 1);
	struct rn_run r;
	char *extra[] = { "--otlp-batch-size", "100000", "--otlp-queue-size", "100000",
			  "--otlp-batch-delay", "60000", NULL };
	run_loop(&r, rx, NULL, "30", "0", extra);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(rx->nreqs, 1, "400 must not be retried");
	size_t sent = rx->nrefused;
	char want[64];
	snprintf(want, sizeof want, "%zu rejected by the receiver", sent);
	cr_assert(strstr(r.err, want), "expected '%s' in: %s", want, r.err);
	cr_assert(strstr(r.err, "HTTP status 400"), "%s", r.err);
	rx_stop(rx);
}

Test(otlp, partial_success_is_counted_and_logged_once)
{
	struct rx_action s[] = { { .rejected = 2 }, { .rejected = 1 } };
	struct rx *rx = rx_start(s, 2);
	struct rn_run r;
	char *extra[] = { "--otlp-batch-size", "20", "--otlp-batch-delay", "60000", NULL };
	run_loop(&r, rx, NULL, "60", "0", extra);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_geq(rx->nreqs, 2);
	cr_assert(strstr(r.err, "rejected 2 spans: span rejected by the test"), "%s", r.err);
	cr_assert_null(strstr(r.err, "rejected 1 spans"), "logged twice: %s", r.err);
	cr_assert(strstr(r.err, "3 rejected by the receiver"), "%s", r.err);
	rx_stop(rx);
}

Test(otlp, batch_size_is_honoured)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	char *extra[] = { "--otlp-batch-size", "10", "--otlp-batch-delay", "60000", NULL };
	run_loop(&r, rx, NULL, "95", "0", extra);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_geq(rx->nreqs, 9);
	for (size_t i = 0; i + 1 < rx->nreqs; i++)
		cr_assert_eq(rx->reqs[i].nspans, 10, "request %zu has %zu spans", i, rx->reqs[i].nspans);
	cr_assert_leq(rx->reqs[rx->nreqs - 1].nspans, 10);
	cr_assert_eq(calls_in(rx, "access"), 95);
	rx_stop(rx);
}

Test(otlp, batch_delay_is_honoured)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	char *extra[] = { "--otlp-batch-size", "100000", "--otlp-queue-size", "100000",
			  "--otlp-batch-delay", "250", NULL };
	/* about 1.2 s of calls, one every 20 ms */
	run_loop(&r, rx, NULL, "60", "20", extra);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_geq(rx->nreqs, 3, "exports every 250 ms over ~1.2 s: got %zu", rx->nreqs);
	/* every export but the last (at exit) waited for the delay */
	for (size_t i = 1; i + 1 < rx->nreqs; i++) {
		double gap = (double)(rx->reqs[i].t_ns - rx->reqs[i - 1].t_ns) / 1e6;
		cr_assert(gap >= 200, "exports %zu and %zu only %.0f ms apart", i - 1, i, gap);
	}
	cr_assert_eq(calls_in(rx, "access"), 60);
	rx_stop(rx);
}

Test(otlp, receiver_down_shutdown_within_timeout)
{
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/traces", dead_port());
	char *env[] = { "OTEL_BSP_EXPORT_TIMEOUT=1500", NULL };
	char spool[300];
	snprintf(spool, sizeof spool, "%s/spool", tmpdir);
	char *argv[] = { RN_EXPORTER, "-c", "-o", "/dev/null", "--otlp-endpoint", url,
			 "--spool-dir", spool, "--", RN_OTLP_PROG, "loop", "20", "0", NULL };
	struct rn_run r;
	run_prog(&r, NULL, env, argv, 30);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(r.secs < 1.5 + 2.5, "took %.2f s with a 1.5 s export timeout", r.secs);
	cr_assert(strstr(r.err, "unreachable") && strstr(r.err, "kept in") && strstr(r.err, spool),
		  "%s", r.err);
	/* without a spool, the loss is said as such */
	char *argv2[] = { RN_EXPORTER, "-c", "-o", "/dev/null", "--otlp-endpoint", url,
			  "--spool-max-mb", "0", "--", RN_OTLP_PROG, "loop", "20", "0", NULL };
	run_prog(&r, NULL, env, argv2, 30);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(r.secs < 1.5 + 2.5, "took %.2f s with a 1.5 s export timeout", r.secs);
	cr_assert(strstr(r.err, "not delivered"), "%s", r.err);
	cr_assert(strstr(r.err, "Couldn't connect") || strstr(r.err, "connect"), "%s", r.err);
}

Test(otlp, file_holds_the_same_spans_as_the_protobuf_export)
{
	struct rx *rx = rx_start(NULL, 0);
	struct rn_run r;
	char json[512], file[512];
	int port;
	snprintf(file, sizeof file, "%s/trace.otlp.jsonl", tmpdir);
	run_tree(&r, rx, NULL, "--otlp-file", file, json, sizeof json, &port);
	cr_assert_eq(r.status, 0, "%s", r.err);
	size_t len;
	char *b = slurp(file, &len);
	cr_assert_not_null(b);
	struct rx_span *fs = NULL;
	size_t nfs = 0, cap = 0;
	int lines = 0;
	for (char *line = strtok(b, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		char res[512];
		int c = rx_decode_json(line, strlen(line), &fs, &nfs, &cap, lines, res, sizeof res);
		cr_assert_geq(c, 0, "line %d is not OTLP JSON", lines + 1);
		cr_assert(strstr(res, "service.name=unknown_service:otlp_prog;"));
	}
	free(b);
	cr_assert_eq(nfs, rx->nspans, "file %zu spans, receiver %zu", nfs, rx->nspans);
	for (size_t i = 0; i < nfs; i++) {
		const struct rx_span *p = by_id(rx->spans, rx->nspans, fs[i].span_id);
		cr_assert_not_null(p, "file span %s not received", fs[i].name);
		cr_assert_str_eq(p->name, fs[i].name);
		cr_assert_eq(p->start, fs[i].start);
		cr_assert_eq(p->end, fs[i].end);
		cr_assert_eq(p->has_parent, fs[i].has_parent);
		cr_assert_eq(memcmp(p->parent, fs[i].parent, 8), 0);
		cr_assert_eq(memcmp(p->trace_id, fs[i].trace_id, 16), 0);
		cr_assert_eq(p->status, fs[i].status);
		cr_assert_str_eq(p->status_msg, fs[i].status_msg);
		cr_assert_eq(p->flags, fs[i].flags);
		cr_assert_eq(p->nattrs, fs[i].nattrs);
		for (unsigned a = 0; a < p->nattrs; a++) {
			cr_assert_str_eq(p->key[a], fs[i].key[a]);
			cr_assert_str_eq(p->val[a], fs[i].val[a]);
		}
	}
	check_tree(fs, nfs, port);
	free(fs);
	rx_stop(rx);
}

Test(otlp, default_run_writes_the_file_and_says_where)
{
	char *argv[] = { RN_EXPORTER, "--", RN_OTLP_PROG, "loop", "3", "0", NULL };
	struct rn_run r;
	/* no endpoint in the environment, whatever the caller's */
	char *env[] = { "OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=",
			"OTEL_SDK_DISABLED=", NULL };
	run_prog(&r, tmpdir, env, argv, 30);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err, "access("), "the text trace is still on stderr: %s", r.err);
	const char *w = strstr(r.err, "renacer: OTLP trace written to ");
	cr_assert_not_null(w, "%s", r.err);
	char path[512];
	cr_assert_eq(sscanf(w, "renacer: OTLP trace written to %511s", path), 1);
	cr_assert(strstr(path, tmpdir) && strstr(path, "/renacer-") && strstr(path, ".otlp.jsonl"),
		  "%s", path);
	size_t len;
	char *b = slurp(path, &len);
	cr_assert_not_null(b, "%s", path);
	struct rx_span *fs = NULL;
	size_t nfs = 0, cap = 0;
	for (char *line = strtok(b, "\n"); line; line = strtok(NULL, "\n"))
		cr_assert_geq(rx_decode_json(line, strlen(line), &fs, &nfs, &cap, 0, NULL, 0), 0);
	size_t access = 0;
	for (size_t i = 0; i < nfs; i++)
		access += !strcmp(fs[i].name, "access");
	cr_assert_eq(access, 3);
	free(fs);
	free(b);

	/* and OTEL_SDK_DISABLED=true, or --no-otlp, turn it off */
	char *env2[] = { "OTEL_SDK_DISABLED=TRUE", NULL };
	char *argv2[] = { RN_EXPORTER, "--", RN_OTLP_PROG, "loop", "1", "0", NULL };
	char *argv3[] = { RN_EXPORTER, "--no-otlp", "--", RN_OTLP_PROG, "loop", "1", "0", NULL };
	run_prog(&r, tmpdir, env2, argv2, 30);
	cr_assert_null(strstr(r.err, "OTLP"), "%s", r.err);
	run_prog(&r, tmpdir, NULL, argv3, 30);
	cr_assert_null(strstr(r.err, "OTLP"), "%s", r.err);
}

/* A sender stuck on a receiver that says "retry after 1 s" fills the
 * queue; a program blocked on its full ring under --on-full=block waits
 * for as long as the exporter's heartbeat is fresh. The drain must not
 * wait for the sender inside a pass (the heartbeat would go stale and
 * the program drop): it reads only what the queue has room for, and
 * every call is delivered once the receiver takes them. */
Test(otlp, stuck_sender_does_not_stop_the_heartbeat)
{
	struct rx_action s[] = { { .status = 429, .retry_after = 1 }, { .status = 429, .retry_after = 1 } };
	struct rx *rx = rx_start(s, 2);
	struct rn_run r;
	char *env[] = { "RENACER_RING_SIZE=1024", "RENACER_BLOCK_WAIT_MS=200", NULL };
	char *extra[] = { "--on-full=block", "--otlp-queue-size", "64", "--otlp-batch-size", "64", NULL };
	run_loop(&r, rx, env, "20000", "0", extra);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.err, "lost"), "%s", r.err);
	cr_assert_eq(calls_in(rx, "access"), 20000, "%s", r.err);
	rx_stop(rx);
}
