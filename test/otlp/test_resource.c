/* test_resource.c: one exporter, many programs. Two "containers" made
 * with unshare (mount, pid and UTS namespaces, each its own 64 MiB
 * /dev/shm and a container id where runtimes put it: a file of its own
 * directory bind-mounted on /etc/hostname), each running a program with
 * its own OTEL_SERVICE_NAME, traced by one exporter daemon outside them.
 * Each program must arrive as its own resource (service, pids, host,
 * container), with its TRACEPARENT honoured and its processes' end times
 * the times they ended, not when a busy exporter noticed. Hostile arenas
 * beside them (another user's file, a header of garbage) must harm
 * neither the exporter nor the programs' traces. Skipped where unshare is
 * not permitted. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../common/arena.h"
#include "receiver.h"
#include "runner.h"

#define TP_A "0af7651916cd43dd8448eb211c80319c"
#define SPAN_A "b7ad6b7169203331"
#define ID_A "aaaa0000000000000000000000000000000000000000000000000000000000a1"
#define ID_B "bbbb0000000000000000000000000000000000000000000000000000000000b2"

static uint64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* The value of key in a receiver resource string "k=v;k2=v2;", or "". */
static const char *res_get(const char *res, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	out[0] = '\0';
	for (const char *p = res; p && *p;) {
		const char *end = strchr(p, ';');
		if (!end)
			break;
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t n = (size_t)(end - p - (ptrdiff_t)kl - 1);
			if (n >= cap)
				n = cap - 1;
			memcpy(out, p + kl + 1, n);
			out[n] = '\0';
			break;
		}
		p = end + 1;
	}
	return out;
}

static int utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 && c >= 0xc2 ? 2 : (c & 0xf0) == 0xe0 ? 3
			   : (c & 0xf8) == 0xf0 && c <= 0xf4 ? 4 : 0;
		if (!len || i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/* The OTLP JSON file: every span, and per line (span.req) its resource. */
struct trace {
	struct rx_span *spans;
	size_t n, cap;
	char (*res)[1024];
	size_t lines;
	int bad_lines;
};

static void trace_free(struct trace *t)
{
	free(t->spans);
	free(t->res);
	memset(t, 0, sizeof *t);
}

static void trace_read(struct trace *t, const char *path)
{
	trace_free(t);
	size_t len;
	char *b = slurp(path, &len);
	if (!b)
		return;
	if (!utf8_valid((unsigned char *)b, len))
		t->bad_lines++;
	size_t lines = 0;
	for (char *p = b; *p; p++)
		lines += *p == '\n';
	t->res = calloc(lines + 1, sizeof *t->res);
	char *save = NULL;
	for (char *l = strtok_r(b, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (rx_decode_json(l, strlen(l), &t->spans, &t->n, &t->cap, (int)t->lines,
				   t->res[t->lines], sizeof t->res[t->lines]) < 0)
			t->bad_lines++;
		t->lines++;
	}
	free(b);
}

static const char *span_res(const struct trace *t, const struct rx_span *s)
{
	return t->res[s->req];
}

/* Process spans (they carry process.pid) of service svc whose name is
 * name (NULL: any). */
static unsigned proc_spans(const struct trace *t, const char *svc, const char *name)
{
	unsigned n = 0;
	char v[256];
	for (size_t i = 0; i < t->n; i++) {
		const struct rx_span *s = &t->spans[i];
		if (rx_attr(s, "process.pid") &&
		    !strcmp(res_get(span_res(t, s), "service.name", v, sizeof v), svc) &&
		    (!name || !strcmp(s->name, name)))
			n++;
	}
	return n;
}

/* Runs sh -c cmd (60 s at most) with its output in out; its exit status.
 * Not run_sh: cmd has quotes of its own, and a quoting slip would run a
 * container's mounts and hostname outside it. */
static int sh_cmd(const char *cmd, char *out, size_t cap)
{
	char f[] = "/tmp/rn-res-outXXXXXX";
	int fd = mkstemp(f);
	cr_assert_geq(fd, 0);
	pid_t p = fork();
	if (p == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		int nul = open("/dev/null", O_RDONLY);
		dup2(nul, 0);
		execl("/usr/bin/timeout", "timeout", "-s", "KILL", "60", "/bin/sh", "-c", cmd,
		      (char *)NULL);
		_exit(127);
	}
	int st = 0;
	waitpid(p, &st, 0);
	ssize_t n = pread(fd, out, cap - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A container running cmd traced through dir's session, with the
 * library given in its environment, as the README's recipe says. */
static int container(const char *tmp, const char *name, const char *id, const char *env,
		     const char *dir, const char *prog)
{
	char *cmd;
	char out[4096];
	int n = asprintf(&cmd,
		"unshare -m -p -u -f --mount-proc --propagation private sh -c '"
		"mount -t tmpfs -o size=64m tmpfs /dev/shm && hostname %s && "
		"mkdir -p %s/%s/containers/%s && : > %s/%s/containers/%s/hostname && "
		"mount --bind %s/%s/containers/%s/hostname /etc/hostname && "
		"exec env %s LD_PRELOAD=%s RENACER_SESSION_DIR=%s %s'",
		name, tmp, name, id, tmp, name, id, tmp, name, id, env, RN_LIBRENACER, dir, prog);
	cr_assert(n > 0);
	int st = sh_cmd(cmd, out, sizeof out);
	free(cmd);
	cr_assert_eq(st, 0, "container %s: %s", name, out);
	return st;
}

/* An arena of ours whose header is garbage where a program writes its
 * identity: no NUL, invalid UTF-8, control bytes, a bad attribute list. */
static void plant_hostile(const char *dir)
{
	struct rn_arena_params p = { 1, RN_RING_CAP_MIN, 32, 0, RN_CLOCK_MONO };
	struct rn_arena_map m;
	cr_assert_eq(rn_arena_create(dir, &p, 0x5eedbad0000001ull, &m), 0);
	struct rn_arena_hdr *h = m.hdr;
	h->pid = 4242;
	h->ppid = 1;
	h->state = RN_ARENA_LIVE;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	h->t0_mono_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	h->t0_ticks = h->t0_mono_ns;
	memset(h->exe, 0xff, sizeof h->exe);	/* no NUL at all */
	memset(h->service, 0xc3, sizeof h->service);
	memcpy(h->res_attrs, "a=%zz,service.name=svc-a", 25);
	memset(h->traceparent, '0', sizeof h->traceparent);
	memcpy(h->tracestate, "k=\xff\xfe\x01", 6);
	memcpy(h->container_id, "../../etc/passwd", 17);
	memcpy(h->host, "evil\x1b[2J\xc3\x28", 11);
	h->res_flags = 0xffffffffu;
	h->exited = 1;
	h->exit_ticks = UINT64_MAX;	/* an exit in the far future */
	h->argc = 3;
	h->argv_len = 99999;
	cr_assert_eq(rn_arena_publish(&m), 0);
	rn_arena_unmap(&m);

	/* another user's file: never mapped */
	char path[1024];
	snprintf(path, sizeof path, "%s/00000000deadbeef.arena", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	char junk[8192];
	memset(junk, 0x41, sizeof junk);
	cr_assert_eq(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);
	cr_assert_eq(chown(path, 65534, 65534), 0, "%s", strerror(errno));
}

Test(resource, two_containers_one_daemon, .timeout = 240)
{
	char probe[512];
	if (sh_cmd("unshare -m -p -u -f --mount-proc true", probe, sizeof probe))
		cr_skip_test("unshare is not permitted here: %s", probe);

	char tmp[] = "/tmp/rn-res-XXXXXX";
	cr_assert(mkdtemp(tmp));
	char dir[600], file[600], err[600];
	snprintf(dir, sizeof dir, "%s/session", tmp);
	snprintf(file, sizeof file, "%s/trace.otlp.jsonl", tmp);
	snprintf(err, sizeof err, "%s/daemon.err", tmp);
	/* --daemon makes the directory, private */

	pid_t d = fork();
	if (d == 0) {
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execl(RN_EXPORTER, RN_EXPORTER, "--daemon", "--session-dir", dir, "--otlp-file", file,
		      "-c", "-o", "/dev/null", (char *)NULL);
		_exit(127);
	}
	/* ready: its pid-notes socket is there */
	char sock[700];
	snprintf(sock, sizeof sock, "%s/" RN_PIDS_SOCKET, dir);
	for (int i = 0; i < 500 && access(sock, F_OK); i++)
		pause_ms(20);
	cr_assert_eq(access(sock, F_OK), 0, "the daemon made no %s", RN_PIDS_SOCKET);
	struct stat sb;
	cr_assert(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700);
	plant_hostile(dir);	/* arriving while it runs, like any program */

	/* the shell's executable, as the kernel names it (sh is often dash) */
	char shpath[4096];
	cr_assert(realpath("/bin/sh", shpath));
	const char *shname = strrchr(shpath, '/') + 1;
	const char *prog = "sh -c \"ls / >/dev/null; cat /etc/hostname >/dev/null; echo done\"";
	container(tmp, "ctr-a", ID_A,
		  "OTEL_SERVICE_NAME=svc-a OTEL_RESOURCE_ATTRIBUTES=deployment.environment=t%20a "
		  "TRACEPARENT=00-" TP_A "-" SPAN_A "-01 TRACESTATE=v=a",
		  dir, prog);
	/* the second runs while the exporter is too busy to look (stopped):
	 * its processes' end times must still be theirs */
	cr_assert_eq(kill(d, SIGSTOP), 0);
	uint64_t b_start = real_ns();
	container(tmp, "ctr-b", ID_B, "OTEL_SERVICE_NAME=svc-b", dir, prog);
	uint64_t b_done = real_ns();
	pause_ms(300);	/* later than any end the exporter could make up */
	cr_assert_eq(kill(d, SIGCONT), 0);

	struct trace t = { 0 };
	for (int i = 0; i < 1500; i++) {
		trace_read(&t, file);
		if (proc_spans(&t, "svc-a", "cat") && proc_spans(&t, "svc-b", "cat") &&
		    proc_spans(&t, "svc-a", "ls") && proc_spans(&t, "svc-b", "ls") &&
		    proc_spans(&t, "svc-a", shname) && proc_spans(&t, "svc-b", shname))
			break;
		pause_ms(20);
	}
	cr_assert_eq(kill(d, SIGTERM), 0);
	int st;
	cr_assert_eq(waitpid(d, &st, 0), d);
	size_t elen;
	char *etext = slurp(err, &elen);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "daemon ended with %#x: %s", st, etext);
	trace_read(&t, file);
	cr_assert_eq(t.bad_lines, 0, "a line of the OTLP file is not valid OTLP JSON in UTF-8");

	/* each program its own resource, with its own identity */
	const char *svcs[] = { "svc-a", "svc-b" }, *ids[] = { ID_A, ID_B },
		   *hosts[] = { "ctr-a", "ctr-b" };
	char pid_of[2][32];
	for (int k = 0; k < 2; k++) {
		cr_assert_geq(proc_spans(&t, svcs[k], "ls"), 1, "%s: no ls span", svcs[k]);
		cr_assert_geq(proc_spans(&t, svcs[k], "cat"), 1, "%s: no cat span", svcs[k]);
		pid_of[k][0] = '\0';
		for (size_t i = 0; i < t.n; i++) {
			const char *res = span_res(&t, &t.spans[i]);
			char v[256];
			if (strcmp(res_get(res, "service.name", v, sizeof v), svcs[k]))
				continue;
			cr_assert_str_eq(res_get(res, "container.id", v, sizeof v), ids[k], "%s", res);
			cr_assert_str_eq(res_get(res, "host.name", v, sizeof v), hosts[k], "%s", res);
			cr_assert_str_eq(res_get(res, "process.executable.name", v, sizeof v), shname, "%s", res);
			cr_assert(res_get(res, "process.owner", v, sizeof v)[0], "%s", res);
			res_get(res, "process.pid", v, sizeof v);
			cr_assert(v[0] && strcmp(v, "1"), "%s: the pid as the exporter sees it: %s", svcs[k], res);
			if (!pid_of[k][0])
				snprintf(pid_of[k], sizeof pid_of[k], "%.31s", v);
			cr_assert_str_eq(v, pid_of[k], "one resource per program");
		}
	}
	cr_assert_str_neq(pid_of[0], pid_of[1]);
	char v[256];
	for (size_t i = 0; i < t.n; i++) {
		const char *res = span_res(&t, &t.spans[i]);
		res_get(res, "service.name", v, sizeof v);
		cr_assert(strncmp(v, "unknown_service:renacer", 23), "a span of no program: %s", res);
		if (!strcmp(v, "svc-a"))
			cr_assert(strstr(res, "deployment.environment=t a;"), "%s", res);
	}

	/* TRACEPARENT: svc-a's trace, its process span under the remote span;
	 * svc-b in a trace of its own */
	char hex[33], tb[33] = "";
	int remote_children = 0;
	for (size_t i = 0; i < t.n; i++) {
		const struct rx_span *s = &t.spans[i];
		res_get(span_res(&t, s), "service.name", v, sizeof v);
		rx_hex(s->trace_id, 16, hex);
		if (!strcmp(v, "svc-a")) {
			cr_assert_str_eq(hex, TP_A);
			cr_assert_str_eq(s->trace_state, "v=a");
			char ph[17];
			rx_hex(s->parent, 8, ph);
			if (s->has_parent && !strcmp(ph, SPAN_A)) {
				remote_children++;
				cr_assert_str_eq(s->name, shname);
				cr_assert_eq(s->flags, 0x301u, "sampled, parent remote");
			}
		} else if (!strcmp(v, "svc-b")) {
			cr_assert_str_neq(hex, TP_A);
			if (!tb[0])
				memcpy(tb, hex, sizeof tb);
			cr_assert_str_eq(hex, tb, "one trace per program");
		}
	}
	cr_assert_eq(remote_children, 1);

	/* end times: when svc-b's processes ended, not when we looked */
	for (size_t i = 0; i < t.n; i++) {
		const struct rx_span *s = &t.spans[i];
		if (!rx_attr(s, "process.pid") ||
		    strcmp(res_get(span_res(&t, s), "service.name", v, sizeof v), "svc-b"))
			continue;
		cr_assert_null(rx_attr(s, "renacer.process.incomplete"));
		cr_assert(s->start >= b_start && s->end <= b_done && s->end >= s->start,
			  "%s: %llu..%llu outside the container's run %llu..%llu", s->name,
			  (unsigned long long)s->start, (unsigned long long)s->end,
			  (unsigned long long)b_start, (unsigned long long)b_done);
	}

	/* the hostile arena: its own resource, every string made valid; the
	 * other user's file never read */
	int hostile = 0;
	for (size_t i = 0; i < t.n; i++) {
		const char *res = span_res(&t, &t.spans[i]);
		if (strcmp(res_get(res, "process.pid", v, sizeof v), "4242"))
			continue;
		hostile++;
		cr_assert_str_eq(res_get(res, "container.id", v, sizeof v), "", "%s", res);
		cr_assert(strstr(res, "renacer.resource.attributes_invalid=true;"), "%s", res);
		cr_assert_leq(t.spans[i].end, real_ns());
	}
	cr_assert_geq(hostile, 1, "the hostile arena's process is reported");
	cr_assert_null(strstr(etext, "deadbeef"), "another user's file was looked at: %s", etext);
	free(etext);
	trace_free(&t);
	char rm[700];
	snprintf(rm, sizeof rm, "rm -rf %s", tmp);
	cr_assert_eq(system(rm), 0);
}

/* An exec'd image reads its own environment again: a program that starts
 * another with its own OTEL_SERVICE_NAME makes a second resource, in the
 * same trace, its process span under the first program's fork call. */
Test(resource, an_exec_with_another_identity_is_another_program, .timeout = 120)
{
	char tmp[] = "/tmp/rn-res-XXXXXX";
	cr_assert(mkdtemp(tmp));
	char file[600];
	snprintf(file, sizeof file, "%s/trace.otlp.jsonl", tmp);
	struct rn_run r;
	char *env[] = { "OTEL_SERVICE_NAME=outer", NULL };
	char *argv[] = { RN_EXPORTER, "-q", "--otlp-file", file, "-e", "trace=fork,clone,clone3,vfork,execve",
			 "--", "/bin/sh", "-c",
			 "ls / >/dev/null; OTEL_SERVICE_NAME=inner ls / >/dev/null; true", NULL };
	run_prog(&r, tmp, env, argv, 60);
	cr_assert_eq(r.status, 0, "%s", r.err);
	struct trace t = { 0 };
	trace_read(&t, file);
	cr_assert_eq(t.bad_lines, 0);
	cr_assert_eq(proc_spans(&t, "outer", "ls"), 1, "the first ls is the shell's program");
	cr_assert_eq(proc_spans(&t, "inner", "ls"), 1, "the second ls is a program of its own");
	const struct rx_span *inner = NULL, *any_outer = NULL;
	char v[256];
	for (size_t i = 0; i < t.n; i++) {
		const struct rx_span *s = &t.spans[i];
		res_get(span_res(&t, s), "service.name", v, sizeof v);
		if (!strcmp(v, "inner") && rx_attr(s, "process.pid"))
			inner = s;
		if (!strcmp(v, "outer"))
			any_outer = s;
	}
	cr_assert(inner && any_outer);
	cr_assert_eq(memcmp(inner->trace_id, any_outer->trace_id, 16), 0, "one trace");
	cr_assert(inner->has_parent);
	int parent_found = 0;
	for (size_t i = 0; i < t.n; i++)
		if (!memcmp(t.spans[i].span_id, inner->parent, 8)) {
			parent_found = 1;
			res_get(span_res(&t, &t.spans[i]), "service.name", v, sizeof v);
			cr_assert_str_eq(v, "outer", "under the program that started it");
		}
	cr_assert(parent_found);
	trace_free(&t);
	char rm[700];
	snprintf(rm, sizeof rm, "rm -rf %s", tmp);
	cr_assert_eq(system(rm), 0);
}
