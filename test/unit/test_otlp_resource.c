/* test_otlp_resource.c: a program's resource (rn_otlp_resource_for) from
 * what its arena header said, hostile bytes included; the model's grouping
 * of processes into programs (same identity: same resource and trace; a
 * new identity or TRACEPARENT: a resource or trace of its own); and the
 * call conventions: renacer.* keys, network.transport, and the errors a
 * non-blocking program expects not marked as failures. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../common/arena.h"
#include "../../exporter/otlp/otlp_model.h"

static const char *res_attr(const struct rn_otlp_resource *r, const char *key)
{
	for (unsigned i = 0; i < r->nattrs; i++)
		if (!strcmp(r->attrs[i].key, key))
			return r->attrs[i].type == RN_AV_STR ? r->attrs[i].s.p : "(non-string)";
	return NULL;
}

static int res_int(const struct rn_otlp_resource *r, const char *key, int64_t *v)
{
	for (unsigned i = 0; i < r->nattrs; i++)
		if (!strcmp(r->attrs[i].key, key)) {
			*v = r->attrs[i].i;
			return 1;
		}
	return 0;
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
	p.prev_arena_id = prev;
	snprintf(p.exe, sizeof p.exe, "%s", exe);
	p.t_start_ns = 1700000000000000000ull;
	p.t_end_ns = p.t_start_ns + 5000;
	p.has_exit = 1;
	p.uid = 0;
	p.has_uid = 1;
	return p;
}

Test(otlp_resource, the_programs_identity)
{
	static struct rn_otlp_resource r;
	struct rn_proc p = mkproc(1, 42, 7, 0, 0, "/usr/bin/app");
	snprintf(p.service, sizeof p.service, "checkout");
	snprintf(p.res_attrs, sizeof p.res_attrs,
		 "deployment.environment=prod%%20eu,service.name=ignored,host.name=given");
	snprintf(p.container_id, sizeof p.container_id, "%064d", 7);
	snprintf(p.host, sizeof p.host, "ctr");
	memcpy(p.argv, "app\0--fast", 11);
	p.argv_len = 11;
	p.argc = 2;
	rn_otlp_resource_for(&r, &p, 1);
	int64_t v;
	cr_assert_str_eq(r.attrs[0].key, "service.name", "service.name first");
	cr_assert_str_eq(res_attr(&r, "service.name"), "checkout", "OTEL_SERVICE_NAME wins");
	cr_assert_str_eq(res_attr(&r, "deployment.environment"), "prod eu");
	cr_assert_str_eq(res_attr(&r, "host.name"), "given", "the program's word about itself wins");
	cr_assert(res_int(&r, "process.pid", &v) && v == 42);
	cr_assert(res_int(&r, "process.parent_pid", &v) && v == 7);
	cr_assert_str_eq(res_attr(&r, "process.executable.name"), "app");
	cr_assert_str_eq(res_attr(&r, "process.executable.path"), "/usr/bin/app");
	cr_assert_str_eq(res_attr(&r, "process.owner"), "root");
	cr_assert_str_eq(res_attr(&r, "container.id"), p.container_id);
	cr_assert_str_eq(res_attr(&r, "telemetry.sdk.name"), "renacer");
	cr_assert_str_eq(res_attr(&r, "process.command_args"), "(non-string)");
	cr_assert_null(res_attr(&r, "renacer.resource.truncated"));

	/* no OTEL_SERVICE_NAME: the attribute list's, else unknown_service */
	p.service[0] = '\0';
	rn_otlp_resource_for(&r, &p, 0);
	cr_assert_str_eq(res_attr(&r, "service.name"), "ignored");
	cr_assert_null(res_attr(&r, "process.command_args"), "argv only with --capture-argv");
	p.res_attrs[0] = '\0';
	rn_otlp_resource_for(&r, &p, 0);
	cr_assert_str_eq(res_attr(&r, "service.name"), "unknown_service:app");
	cr_assert_str_eq(res_attr(&r, "host.name"), "ctr", "the program's own host name");
}

Test(otlp_resource, hostile_bytes_are_made_harmless)
{
	static struct rn_otlp_resource r;
	struct rn_proc p = mkproc(1, 42, 0, 0, 0, "");
	memset(p.service, 0, sizeof p.service);
	memcpy(p.service, "a\xff\xc3(b", 5);
	snprintf(p.res_attrs, sizeof p.res_attrs, "k=%%zz,service.name=spoof");
	memcpy(p.argv, "\xff\xfe", 3);
	p.argv_len = 99999;	/* lies */
	p.argc = 4000;
	p.res_flags = RN_RES_CUT_ATTRS;
	rn_otlp_resource_for(&r, &p, 1);
	cr_assert_str_eq(res_attr(&r, "service.name"), "a\xef\xbf\xbd\xef\xbf\xbd(b");
	cr_assert_null(res_attr(&r, "k"), "a list that does not decode is discarded whole");
	cr_assert_str_eq(res_attr(&r, "renacer.resource.attributes_invalid"), "(non-string)");
	cr_assert_str_eq(res_attr(&r, "renacer.resource.truncated"), "(non-string)",
			 "what the shim cut is said");
	cr_assert_leq(r.text_used, sizeof r.text);
	/* every key may be the program's: hundreds of them never overflow */
	char *list = p.res_attrs;
	size_t o = 0;
	for (int i = 0; o + 8 < sizeof p.res_attrs; i++)
		o += (size_t)snprintf(list + o, sizeof p.res_attrs - o, "%s%x=v", i ? "," : "", i);
	rn_otlp_resource_for(&r, &p, 1);
	cr_assert_leq(r.nattrs, RN_OTLP_RES_ATTRS);
	cr_assert_str_eq(res_attr(&r, "telemetry.sdk.name"), "renacer");
}

/* ------------------------------------------------------------ groups */

struct seen {
	struct rn_span_pool *pool;
	struct {
		char name[64];
		const struct rn_otlp_group *g;
		uint8_t parent[8];
		int has_parent, status;
		uint32_t flags;
		char err[32], transport[16];
	} s[64];
	size_t n;
};

static void keep(void *ctx, struct rn_span *sp)
{
	struct seen *w = ctx;
	cr_assert_lt(w->n, 64);
	size_t i = w->n++;
	snprintf(w->s[i].name, sizeof w->s[i].name, "%s", rn_sref_str(sp, &sp->name));
	w->s[i].g = sp->group;
	memcpy(w->s[i].parent, sp->parent_id, 8);
	w->s[i].has_parent = sp->has_parent;
	w->s[i].status = sp->status;
	w->s[i].flags = sp->flags;
	w->s[i].err[0] = w->s[i].transport[0] = '\0';
	for (unsigned k = 0; k < sp->nattrs; k++) {
		const struct rn_attr *a = &sp->attrs[k];
		if (!strcmp(a->key, "error.type"))
			snprintf(w->s[i].err, sizeof w->s[i].err, "%s", rn_sref_str(sp, &a->s));
		if (!strcmp(a->key, "network.transport"))
			snprintf(w->s[i].transport, sizeof w->s[i].transport, "%s", rn_sref_str(sp, &a->s));
		cr_assert(strncmp(a->key, "syscall.", 8) && strcmp(a->key, "process.child_pid"),
			  "an attribute of ours outside renacer.: %s", a->key);
	}
	/* the sender reads a span's group: it must be alive */
	cr_assert_not_null(sp->group);
	rn_span_release(w->pool, sp);
}

static size_t find(const struct seen *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->s[i].name, name))
			return i;
	cr_assert_fail("no span %s", name);
	return 0;
}

Test(otlp_resource, processes_grouped_by_program)
{
	struct rn_span_pool pool;
	static struct seen w;
	memset(&w, 0, sizeof w);
	w.pool = &pool;
	struct rn_otlp_model m;
	rn_span_pool_init(&pool, 16, 0);
	cr_assert_eq(rn_otlp_model_init(&m, &pool, NULL, keep, &w), 0);
	/* a shell (svc a) forks a child that execs a program of svc b; an
	 * unrelated program arrives with a TRACEPARENT of its own */
	struct rn_proc P = mkproc(1, 100, 1, 0, 0, "/bin/shell");
	snprintf(P.service, sizeof P.service, "a");
	struct rn_proc C = P;
	C.arena_id = 2, C.pid = 101, C.ppid = 100, C.parent_arena_id = 1;
	snprintf(C.exe, sizeof C.exe, "/bin/child");
	struct rn_proc E = mkproc(3, 101, 100, 0, 2, "/bin/other");
	snprintf(E.service, sizeof E.service, "b");
	struct rn_proc Q = mkproc(4, 300, 1, 0, 0, "/bin/remote");
	snprintf(Q.traceparent, sizeof Q.traceparent,
		 "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
	rn_otlp_model_proc_start(&m, &P);
	rn_otlp_model_proc_start(&m, &C);
	rn_otlp_model_proc_end(&m, &C);
	rn_otlp_model_proc_start(&m, &E);
	rn_otlp_model_proc_start(&m, &Q);
	cr_assert_eq(m.ngroups, 3u, "shell+child, other, remote");
	const struct rn_otlp_resource *rp = rn_otlp_model_resource(&m, 1);
	cr_assert_not_null(rp);
	cr_assert_eq(rp, rn_otlp_model_resource(&m, 2), "a fork child is its parent's program");
	cr_assert_neq(rp, rn_otlp_model_resource(&m, 3), "an exec with another identity is not");
	rn_otlp_model_proc_end(&m, &E);
	rn_otlp_model_proc_end(&m, &Q);
	rn_otlp_model_proc_end(&m, &P);
	rn_otlp_model_flush(&m, P.t_end_ns);
	const struct rn_otlp_group *ga = w.s[find(&w, "shell")].g, *gb = w.s[find(&w, "other")].g,
				   *gq = w.s[find(&w, "remote")].g;
	cr_assert_eq(w.s[find(&w, "child")].g, ga);
	cr_assert(ga != gb && gb != gq && ga != gq);
	cr_assert_eq(memcmp(ga->trace_id, gb->trace_id, 16), 0,
		     "a program started by a traced one is in its trace");
	cr_assert_str_eq(res_attr(&gb->res, "service.name"), "b");
	cr_assert_str_eq(res_attr(&gq->res, "service.name"), "unknown_service:remote");
	static const uint8_t tq[16] = { 0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd,
					0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c };
	static const uint8_t sq[8] = { 0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31 };
	cr_assert_eq(memcmp(gq->trace_id, tq, 16), 0, "its TRACEPARENT's trace");
	size_t r = find(&w, "remote");
	cr_assert(w.s[r].has_parent && !memcmp(w.s[r].parent, sq, 8) && w.s[r].flags == 0x301u);
	cr_assert_neq(memcmp(ga->trace_id, tq, 16), 0);
	rn_otlp_model_free(&m);
	rn_span_pool_destroy(&pool);
}

Test(otlp_resource, nonblocking_answers_are_not_failures)
{
	struct rn_span_pool pool;
	static struct seen w;
	memset(&w, 0, sizeof w);
	w.pool = &pool;
	struct rn_otlp_model m;
	rn_span_pool_init(&pool, 16, 0);
	cr_assert_eq(rn_otlp_model_init(&m, &pool, NULL, keep, &w), 0);
	struct rn_proc P = mkproc(1, 100, 1, 0, 0, "/bin/net");
	rn_otlp_model_proc_start(&m, &P);
	struct rn_event ev;
	memset(&ev, 0, sizeof ev);
	ev.proc = &P;
	ev.tid = 100;
	ev.t_enter_ns = P.t_start_ns + 10;
	ev.t_exit_ns = P.t_start_ns + 20;

	ev.fn = RN_IDX_socket;	/* socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0) = 3 */
	ev.arg[0] = AF_INET;
	ev.arg[1] = SOCK_STREAM | SOCK_NONBLOCK;
	ev.ret = 3;
	rn_otlp_model_event(&m, &ev);
	ev.fn = RN_IDX_connect;	/* connect(3, ...) = -1 EINPROGRESS */
	ev.arg[0] = 3;
	ev.ret = -1;
	ev.err = EINPROGRESS;
	rn_otlp_model_event(&m, &ev);
	ev.fn = RN_IDX_read;	/* read(3, ...) = -1 EAGAIN */
	ev.err = EAGAIN;
	rn_otlp_model_event(&m, &ev);
	ev.fn = RN_IDX_openat;	/* a real failure stays one */
	ev.err = ENOENT;
	rn_otlp_model_event(&m, &ev);
	ev.fn = RN_IDX_pipe2;
	ev.ret = 0;
	ev.err = 0;
	rn_otlp_model_event(&m, &ev);

	size_t s = find(&w, "socket"), c = find(&w, "connect"), r = find(&w, "read"),
	       o = find(&w, "openat"), p = find(&w, "pipe2");
	cr_assert_str_eq(w.s[s].transport, "tcp");
	cr_assert_str_eq(w.s[p].transport, "pipe");
	cr_assert_str_eq(w.s[c].err, "EINPROGRESS", "the errno stays");
	cr_assert_eq(w.s[c].status, RN_STATUS_UNSET, "a connect under way is not a failure");
	cr_assert_str_eq(w.s[r].err, "EAGAIN");
	cr_assert_eq(w.s[r].status, RN_STATUS_UNSET, "no data yet is not a failure");
	cr_assert_str_eq(w.s[o].err, "ENOENT");
	cr_assert_eq(w.s[o].status, RN_STATUS_ERROR);
	rn_otlp_model_proc_end(&m, &P);
	rn_otlp_model_free(&m);
	rn_span_pool_destroy(&pool);
}
