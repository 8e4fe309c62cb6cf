/* otlp_call.c: a call's span from its decoded event (see otlp_call.h):
 * its name, times, status and attributes as docs/OTLP.md maps them.
 *
 * Runs on the drain thread, once per call: the exporter's hottest span
 * code. It must never copy a constant string (names, keys and errno text
 * are pointers to static text: the encoder caches by pointer) and never
 * trust a capture's bytes (lengths are checked, text made valid UTF-8).
 */
#include "otlp_call.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../../common/record.h"
#include "../decode/decode_fmt.h"
#include "otlp_stack.h"

int rn_otlp_call_forks(const struct rn_event *ev, int32_t *child)
{
	switch (ev->fn) {
	case RN_IDX_fork:
	case RN_IDX_vfork:
		if (ev->ret <= 0 || ev->ret > INT32_MAX)
			return 0;
		*child = (int32_t)ev->ret;
		return 1;
	case RN_IDX_posix_spawn:
	case RN_IDX_posix_spawnp: {
		const struct rn_capture *c = &ev->cap[0];	/* PIDP, first */
		if (ev->ret != 0 || !c->present || !c->data || c->len < 4 ||
		    (c->flags & (RN_ITEM_NULL | RN_ITEM_UNREAD)))
			return 0;
		int32_t pid;
		memcpy(&pid, c->data, 4);
		*child = pid;
		return pid > 0;
	}
	default:
		return 0;
	}
}

/* network.peer.* from a captured sockaddr (untrusted bytes). */
static int rn_peer_attrs(struct rn_span *sp, const struct rn_capture *c)
{
	char addr[INET6_ADDRSTRLEN];
	sa_family_t fam;
	uint16_t port;
	if (!c->present || !c->data || (c->flags & (RN_ITEM_NULL | RN_ITEM_UNREAD)) ||
	    c->len < sizeof fam)
		return 0;
	memcpy(&fam, c->data, sizeof fam);
	if (fam == AF_INET && c->len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;
		memcpy(&in, c->data, sizeof in);
		inet_ntop(AF_INET, &in.sin_addr, addr, sizeof addr);
		port = ntohs(in.sin_port);
	} else if (fam == AF_INET6 && c->len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;
		memcpy(&in6, c->data, sizeof in6);
		inet_ntop(AF_INET6, &in6.sin6_addr, addr, sizeof addr);
		port = ntohs(in6.sin6_port);
	} else {
		return 0;
	}
	if (rn_span_attr_str(sp, "network.peer.address", addr, strlen(addr)))
		return -ENOMEM;
	rn_span_attr_int(sp, "network.peer.port", port);
	return 0;
}

/* network.transport where the call says it: a socket's domain and type,
 * a Unix address, a pipe. *unix_peer: a sockaddr of the call was AF_UNIX. */
static const char *rn_transport(const struct rn_event *ev, const int *unix_peer)
{
	switch (ev->fn) {
	case RN_IDX_socket: {
		int type = (int)(ev->arg[1] & 0xf);	/* without SOCK_NONBLOCK, _CLOEXEC */
		if (ev->arg[0] == AF_UNIX)
			return "unix";
		if (ev->arg[0] != AF_INET && ev->arg[0] != AF_INET6)
			return NULL;
		return type == SOCK_STREAM ? "tcp" : type == SOCK_DGRAM ? "udp" : NULL;
	}
	case RN_IDX_pipe:
	case RN_IDX_pipe2:
		return "pipe";
	default:
		return *unix_peer == 2 ? "unix" : NULL;
	}
}

int rn_otlp_call_span(struct rn_span *sp, const struct rn_event *ev)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	/* the stack fields (read last, by rn_otlp_stack_attrs) sit on a line
	 * of the event no other sink reads: a cache miss worth 2% of the
	 * exporter's samples under perf, unless asked for now */
	__builtin_prefetch(&ev->frames);
	const char *sys = rn_fmt_sysname(ev);
	int rc = 0;

	sp->kind = RN_KIND_INTERNAL;
	sp->start_ns = ev->t_enter_ns;
	sp->end_ns = ev->t_exit_ns;
	/* rn_fmt_sysname's syscall_0x... lives in thread storage: copy it */
	if (ev->fn == RN_IDX_syscall && !rn_sysno_name(ev->arg[0]))
		rc |= rn_span_text(sp, sys, strlen(sys), &sp->name);
	else
		sp->name = (struct rn_sref){ sys, 0, (uint32_t)strlen(sys) };
	struct rn_attr *a = rn_span_attr(sp, "renacer.syscall.name", RN_AV_STR);
	a->s = sp->name;
	rn_span_attr_cstr(sp, "renacer.syscall.func", fi->func);
	rn_span_attr_int(sp, "thread.id", ev->tid ? ev->tid : ev->proc ? ev->proc->pid : 0);
	int e = 0;
	if (!(ev->flags & RN_EV_UNFINISHED)) {
		rn_span_attr_int(sp, "renacer.syscall.ret", ev->ret);
		e = ev->err;
		if (!e && fi->ret == RN_RET_ERRNUM && ev->ret > 0)
			e = (int)ev->ret;
	} else {
		struct rn_attr *u = rn_span_attr(sp, "renacer.syscall.unfinished", RN_AV_BOOL);
		if (u)
			u->i = 1;
	}
	if (ev->flags & RN_EV_INJECTED) {
		struct rn_attr *inj = rn_span_attr(sp, "renacer.injected", RN_AV_BOOL);
		if (inj)
			inj->i = 1;
	}

	int fd_done = ev->fn == RN_IDX_syscall, path_done = 0, peer_done = 0;
	unsigned k = 0;
	for (unsigned i = 0; i < fi->ntypes && i < RN_MAX_TYPES; i++) {
		unsigned t = fi->types[i];
		if (rn_arg_is_implied(t))
			continue;
		int have = k < fi->nargs && k < RN_MAX_ARGS && !(ev->flags & RN_EV_BLOCKED);
		uint64_t v = have ? ev->arg[k] : 0;
		if (k < fi->nargs)
			k++;
		if (!fd_done && have &&
		    (t == RN_ARG_FD || t == RN_ARG_DIRFD || t == RN_ARG_FILEP || t == RN_ARG_DIRP)) {
			rn_span_attr_int(sp, "renacer.syscall.fd", (int32_t)v);
			fd_done = 1;
		} else if (!path_done && t == RN_ARG_PATH) {
			const struct rn_capture *c = &ev->cap[i];
			path_done = 1;
			if (c->present && c->data && !(c->flags & (RN_ITEM_NULL | RN_ITEM_UNREAD)))
				rc |= rn_span_attr_str(sp, "file.path", c->data,
						       strnlen((const char *)c->data, c->len));
		} else if (!peer_done && ev->fn != RN_IDX_bind &&	/* bind's is ours */
			   (t == RN_ARG_SOCKADDR || t == RN_ARG_SOCKADDR_OUT)) {
			peer_done = 1;
			/* an accepted or received-from address is only there on success */
			if (t == RN_ARG_SOCKADDR || (!e && ev->ret >= 0)) {
				const struct rn_capture *c = &ev->cap[i];
				sa_family_t fam;
				if (c->present && c->data && c->len >= sizeof fam &&
				    !(c->flags & (RN_ITEM_NULL | RN_ITEM_UNREAD))) {
					memcpy(&fam, c->data, sizeof fam);
					if (fam == AF_UNIX)
						peer_done = 2;	/* network.transport=unix */
				}
				rc |= rn_peer_attrs(sp, c);
			}
		}
	}
	const char *transport = rn_transport(ev, &peer_done);
	if (transport)
		rn_span_attr_cstr(sp, "network.transport", transport);
	int32_t child;
	if (!e && rn_otlp_call_forks(ev, &child))
		rn_span_attr_int(sp, "renacer.process.child_pid", child);
	if (e) {
		const char *name = rn_errno_name(e);
		const char *desc = rn_errno_desc(e);
		char buf[48];
		if (name) {
			rn_span_attr_cstr(sp, "error.type", name);
		} else {
			int n = snprintf(buf, sizeof buf, "ERRNO_%d", e);
			rc |= rn_span_attr_str(sp, "error.type", buf, (size_t)n);
		}
		/* what a non-blocking program expects (a connect under way, no
		 * data yet) is an answer, not a failure: a tracing UI must not
		 * show every such call red. error.type still says it. */
		if (e != EAGAIN && !(e == EINPROGRESS && ev->fn == RN_IDX_connect))
			sp->status = RN_STATUS_ERROR;
		if (sp->status != RN_STATUS_ERROR) {
			/* no status message without an error status */
		} else if (desc) {
			sp->status_msg = (struct rn_sref){ desc, 0, (uint32_t)strlen(desc) };
		} else {
			int n = snprintf(buf, sizeof buf, "Unknown error %d", e);
			rc |= rn_span_text(sp, buf, (size_t)n, &sp->status_msg);
		}
	}
	rc |= rn_otlp_stack_attrs(sp, ev);	/* -k: code.* (otlp_stack.c) */
	return rc ? -ENOMEM : 0;
}

