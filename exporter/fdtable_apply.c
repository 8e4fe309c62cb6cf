/* fdtable_apply.c: what each call does to the descriptor table: open,
 * close, dup, pipe and socket calls, the addresses sockets are bound and
 * connected to, chdir, exec's close-on-exec, and the tables of fork
 * children.
 *
 * Every distinction is the call's system call number (rn_fns[].nr) and the
 * row's argument types, as strace's own per-call handlers are; nothing
 * compares names. It must never trust a capture's bytes beyond their
 * length, and never print.
 */
#include "fdtable_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "../common/record.h"

void rn_fdt_args_of(const struct rn_event *ev, struct args *a)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	a->n = 0;
	for (unsigned i = 0, k = 0; i < fi->ntypes && i < RN_MAX_TYPES; i++) {
		unsigned ty = fi->types[i];
		if (rn_arg_is_implied(ty))
			continue;
		a->type[a->n] = ty;
		a->ti[a->n] = i;
		a->v[a->n] = k < fi->nargs && k < RN_MAX_ARGS ? ev->arg[k] : 0;
		k++;
		a->n++;
	}
}

/* The first argument of type ty: its index, or -1. */
int rn_fdt_arg_find(const struct args *a, unsigned ty)
{
	for (unsigned i = 0; i < a->n; i++)
		if (a->type[i] == ty)
			return (int)i;
	return -1;
}

/* The captured bytes at type position i: 1 with *p and *n, 0 when absent. */
int rn_fdt_cap_at(const struct rn_event *ev, unsigned i, const uint8_t **p, size_t *n)
{
	const struct rn_capture *c = &ev->cap[i];
	if (!c->present || !c->data || (c->flags & (RN_ITEM_NULL | RN_ITEM_UNREAD)))
		return 0;
	*p = c->data;
	*n = c->len;
	return 1;
}

/* The directory a path argument is relative to: its DIRFD's, else cwd. */
static const char *base_dir(struct fdproc *p, const struct args *a)
{
	int d = rn_fdt_arg_find(a, RN_ARG_DIRFD);
	if (d >= 0 && (int32_t)a->v[d] != AT_FDCWD) {
		const struct fde *e = rn_fdt_fd_get(p, (int32_t)a->v[d], 1);
		return e && e->kind == K_FILE ? e->name : NULL;
	}
	return p->cwd;
}

static int sockaddr_port0(const uint8_t *s, size_t n)
{
	sa_family_t fam;
	if (n < sizeof fam)
		return 1;
	memcpy(&fam, s, sizeof fam);
	/* copies: the captured bytes are not aligned for the structures */
	if (fam == AF_INET && n >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;
		memcpy(&in, s, sizeof in);
		return !in.sin_port;
	}
	if (fam == AF_INET6 && n >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;
		memcpy(&in6, s, sizeof in6);
		return !in6.sin6_port;
	}
	return fam != AF_UNIX;
}

static void set_addr(uint8_t *dst, uint8_t *len, const uint8_t *s, size_t n)
{
	if (n > ADDR_CAP)
		n = ADDR_CAP;
	memcpy(dst, s, n);
	*len = (uint8_t)n;
}

/* An accepted connection tells the connecting end its own address, when
 * that end is traced too: its remote is our local, and its local is the
 * peer accept returned. */
static void tell_connector(struct rn_fdt *t, const struct fde *acc)
{
	for (struct fdproc *p = t->procs; p; p = p->next)
		for (unsigned i = 0; i < p->n; i++) {
			struct fde *e = &p->v[i];
			if (e->state == ST_OPEN && e->kind == K_SOCK && !e->llen && e->rlen == acc->llen &&
			    e->family == acc->family && !memcmp(e->remote, acc->local, acc->llen)) {
				set_addr(e->local, &e->llen, acc->remote, acc->rlen);
				return;
			}
		}
}

/* "e" in an fopen (or popen: its last string) mode: O_CLOEXEC */
static int fmode_cloexec(const struct rn_event *ev, const struct args *a)
{
	int m = rn_fdt_arg_find(a, RN_ARG_FMODE);
	if (m < 0 && a->n && a->type[a->n - 1] == RN_ARG_STR)
		m = (int)a->n - 1;
	const uint8_t *s;
	size_t n;
	return m >= 0 && rn_fdt_cap_at(ev, a->ti[m], &s, &n) && memchr(s, 'e', strnlen((const char *)s, n));
}

const char *rn_fdt_anon_name(long nr)
{
	switch (nr) {
	case SYS_eventfd2: case SYS_eventfd: return "anon_inode:[eventfd]";
	case SYS_epoll_create1: case SYS_epoll_create: return "anon_inode:[eventpoll]";
	case SYS_timerfd_create: return "anon_inode:[timerfd]";
	case SYS_signalfd4: case SYS_signalfd: return "anon_inode:[signalfd]";
	case SYS_inotify_init1: case SYS_inotify_init: return "anon_inode:inotify";
	case SYS_pidfd_open: return "anon_inode:[pidfd]";
	default: return NULL;
	}
}

/* open, openat, creat, openat2 (and fopen's rows): a file */
static void on_open(struct fdproc *p, const struct rn_event *ev, const struct args *a)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	const uint8_t *s;
	size_t n;
	int i;
	int pi = rn_fdt_arg_find(a, RN_ARG_PATH);
	int cloexec = fmode_cloexec(ev, a);
	if ((i = rn_fdt_arg_find(a, RN_ARG_OFLAGS)) >= 0)
		cloexec = !!(a->v[i] & O_CLOEXEC);
	for (unsigned k = 0; k < fi->ntypes && k < RN_MAX_TYPES; k++)
		cloexec |= fi->types[k] == RN_ARG_DIROFLAGS;
	char *name = pi >= 0 && rn_fdt_cap_at(ev, a->ti[pi], &s, &n) ? rn_fdt_path_abs(base_dir(p, a), s, n) : NULL;
	struct fde *e = rn_fdt_fd_new(p, ev->ret, K_FILE, cloexec);
	if (e)
		e->name = name;
	else
		free(name);
}

static void on_close_range(struct fdproc *p, const struct args *a)
{
	uint64_t lo = (uint32_t)a->v[0], hi = (uint32_t)a->v[1];
	for (uint64_t fd = lo; fd <= hi && fd < p->n; fd++) {
		if (a->v[2] & CLOSE_RANGE_CLOEXEC)
			p->v[fd].cloexec = 1;
		else
			rn_fdt_fd_close(p, (int64_t)fd);
	}
}

static void on_fcntl(struct fdproc *p, const struct rn_event *ev, const struct args *a)
{
	uint32_t cmd = (uint32_t)a->v[1];
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		rn_fdt_fd_dup(p, (int32_t)a->v[0], ev->ret, cmd == F_DUPFD_CLOEXEC);
	} else if (cmd == F_SETFD) {
		struct fde *e = rn_fdt_fd_get(p, (int32_t)a->v[0], 1);
		if (e)
			e->cloexec = !!(a->v[2] & FD_CLOEXEC);
	}
}

/* pipe, pipe2, socketpair: the two descriptors the call filled in */
static void on_pair(struct rn_fdt *t, struct fdproc *p, const struct rn_event *ev, const struct args *a)
{
	long nr = rn_fns[ev->fn].nr;
	const uint8_t *s;
	size_t n;
	int i;
	int c = rn_fdt_arg_find(a, RN_ARG_PIPEFDS);
	if (c < 0 || !rn_fdt_cap_at(ev, a->ti[c], &s, &n) || n < 8)
		return;
	int32_t fds[2];
	memcpy(fds, s, sizeof fds);
	int cloexec = 0, fam = 0, ty = 0;
	if (nr == SYS_socketpair && a->n >= 2) {
		fam = (int)a->v[0];
		ty = (int)a->v[1];
		cloexec = !!(ty & SOCK_CLOEXEC);
	} else if ((i = rn_fdt_arg_find(a, RN_ARG_FDFLAGS)) >= 0) {
		cloexec = !!(a->v[i] & O_CLOEXEC);
	}
	struct fde *e[2];
	for (int k = 0; k < 2; k++) {
		e[k] = rn_fdt_fd_new(p, fds[k], nr == SYS_socketpair ? K_SOCK : K_PIPE, cloexec);
		if (!e[k])
			return;
		e[k]->family = fam;
		e[k]->type = ty & 0xf;
		e[k]->paired = nr == SYS_socketpair;
		e[k]->ino = t->decode ? rn_fdt_proc_ino(p->pid, fds[k], nr == SYS_socketpair ? "socket:[" : "pipe:[") : 0;
	}
	e[0] = rn_fdt_slot(p, fds[0]);	/* the second may have moved the first */
	if (nr == SYS_socketpair && e[0] && e[1]) {
		e[0]->peer = e[1]->ino;
		e[1]->peer = e[0]->ino;
	}
}

static void on_socket(struct rn_fdt *t, struct fdproc *p, const struct rn_event *ev, const struct args *a)
{
	struct fde *e = rn_fdt_fd_new(p, ev->ret, K_SOCK, !!(a->v[1] & SOCK_CLOEXEC));
	if (e) {
		e->family = (int)a->v[0];
		e->type = (int)a->v[1] & 0xf;
		e->ino = t->decode ? rn_fdt_proc_ino(p->pid, ev->ret, "socket:[") : 0;
	}
}

/* accept, accept4: a socket of the listener's kind, its peer's address */
static void on_accept(struct rn_fdt *t, struct fdproc *p, const struct rn_event *ev, const struct args *a)
{
	const uint8_t *s;
	size_t n;
	int i;
	struct fde *l = rn_fdt_fd_get(p, (int32_t)a->v[0], 1);
	struct fde lc;
	memset(&lc, 0, sizeof lc);
	if (l)
		lc = *l;
	int cloexec = (i = rn_fdt_arg_find(a, RN_ARG_SOCKFLAGS)) >= 0 && (a->v[i] & SOCK_CLOEXEC);
	struct fde *e = rn_fdt_fd_new(p, ev->ret, K_SOCK, cloexec);
	if (!e)
		return;
	e->family = lc.family;
	e->type = lc.type;
	e->ino = t->decode ? rn_fdt_proc_ino(p->pid, ev->ret, "socket:[") : 0;
	if (lc.llen)
		set_addr(e->local, &e->llen, lc.local, lc.llen);
	int c = rn_fdt_arg_find(a, RN_ARG_SOCKADDR_OUT);
	if (c >= 0 && rn_fdt_cap_at(ev, a->ti[c], &s, &n) && e->family != AF_UNIX) {
		set_addr(e->remote, &e->rlen, s, n);
		if (e->llen)
			tell_connector(t, e);
	}
}

/* connect, bind, getsockname, getpeername: a socket's addresses */
static void on_addr(struct fdproc *p, const struct rn_event *ev, const struct args *a, int ok)
{
	long nr = rn_fns[ev->fn].nr;
	const uint8_t *s;
	size_t n;
	int c = rn_fdt_arg_find(a, nr == SYS_connect || nr == SYS_bind ? RN_ARG_SOCKADDR : RN_ARG_SOCKADDR_OUT);
	if ((!ok && !(nr == SYS_connect && ev->err == EINPROGRESS)) || !a->n || c < 0 ||
	    !rn_fdt_cap_at(ev, a->ti[c], &s, &n))
		return;
	struct fde *e = rn_fdt_fd_get(p, (int32_t)a->v[0], 1);
	if (!e || e->kind != K_SOCK)
		return;
	if (nr == SYS_connect || nr == SYS_getpeername)
		set_addr(e->remote, &e->rlen, s, n);
	else if (!sockaddr_port0(s, n))	/* port 0: the kernel picks it */
		set_addr(e->local, &e->llen, s, n);
}

/* chdir, fchdir: the base of relative paths */
static void on_chdir(struct fdproc *p, const struct rn_event *ev, const struct args *a)
{
	const uint8_t *s;
	size_t n;
	int i;
	char *d = NULL;
	if (rn_fns[ev->fn].nr == SYS_chdir) {
		if ((i = rn_fdt_arg_find(a, RN_ARG_PATH)) >= 0 && rn_fdt_cap_at(ev, a->ti[i], &s, &n))
			d = rn_fdt_path_abs(p->cwd, s, n);
	} else if (a->n) {
		struct fde *e = rn_fdt_fd_get(p, (int32_t)a->v[0], 1);
		d = e && e->kind == K_FILE && e->name ? strdup(e->name) : NULL;
	}
	if (d) {
		free(p->cwd);
		p->cwd = d;
	}
}

/* fork, vfork, clone, clone3 (and the rows of posix_spawn, system, popen
 * recorded as them): the child's table, a copy of this one */
static void on_fork(struct rn_fdt *t, struct fdproc *p, const struct rn_event *ev, const struct args *a)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	const uint8_t *s;
	size_t n;
	int i;
	int64_t ret = ev->ret;
	if (fi->ret == RN_RET_TID)
		return;	/* a thread shares the table */
	if ((i = rn_fdt_arg_find(a, RN_ARG_CLONEFLAGS)) >= 0 && (a->v[i] & CLONE_THREAD))
		return;
	if (fi->nr == SYS_clone3 && fi->ret == RN_RET_FILEP) {
		/* popen: its child is its own; the caller gets a pipe */
		struct fde *e = ret >= 0 ? rn_fdt_fd_new(p, ret, K_PIPE, fmode_cloexec(ev, a)) : NULL;
		if (e)
			e->ino = t->decode ? rn_fdt_proc_ino(p->pid, ret, "pipe:[") : 0;
		return;
	}
	if (fi->nr == SYS_clone3 && fi->ret != RN_RET_ERRNUM)
		return;	/* system: it returns a status, its child is gone */
	int32_t child = (int32_t)ret;
	if (fi->ret == RN_RET_ERRNUM) {
		/* posix_spawn, system, popen: 0 returned, the pid (when
		 * the row has it) is an output */
		int c = rn_fdt_arg_find(a, RN_ARG_PIDP);
		if (ret || c < 0 || !rn_fdt_cap_at(ev, a->ti[c], &s, &n) || n < 4)
			return;
		memcpy(&child, s, sizeof child);
	}
	/* its own calls may have come first (a split fork): keep theirs */
	if (child > 0 && !rn_fdt_proc_find(t, child))
		rn_fdt_proc_new(t, child, p);
}

/* memfd_create and the anonymous-inode calls: the kernel's own name */
static void on_other(struct fdproc *p, const struct rn_event *ev, const struct args *a)
{
	const uint8_t *s;
	size_t n;
	int i;
	if (rn_fns[ev->fn].nr == SYS_memfd_create) {
		if ((i = rn_fdt_arg_find(a, RN_ARG_STR)) >= 0 && rn_fdt_cap_at(ev, a->ti[i], &s, &n)) {
			struct fde *e = rn_fdt_fd_new(p, ev->ret, K_OTHER, 0);
			char b[NAME_CAP];
			snprintf(b, sizeof b, "/memfd:%.*s (deleted)", (int)strnlen((const char *)s, n),
				 (const char *)s);
			if (e)
				e->name = strdup(b);
		}
		return;
	}
	const char *anon = rn_fdt_anon_name(rn_fns[ev->fn].nr);
	if (anon) {
		struct fde *e = rn_fdt_fd_new(p, ev->ret, K_OTHER, 0);
		if (e)
			e->name = strdup(anon);
	}
}

void rn_fdt_apply(struct rn_fdt *t, struct fdproc *p, const struct rn_event *ev, const struct args *a)
{
	long nr = rn_fns[ev->fn].nr;
	int ok = !ev->err && !(ev->flags & RN_EV_UNFINISHED);
	int64_t ret = ev->ret;

	switch (nr) {
	case SYS_open: case SYS_openat: case SYS_creat: case SYS_openat2:
		if (ok && ret >= 0)
			on_open(p, ev, a);
		return;
	case SYS_close:
		if (a->n && ev->err != EBADF)
			rn_fdt_fd_close(p, (int32_t)a->v[0]);
		return;
	case SYS_close_range:
		if (ok && a->n >= 3)
			on_close_range(p, a);
		return;
	case SYS_dup:
		if (ok && a->n >= 1)
			rn_fdt_fd_dup(p, (int32_t)a->v[0], ret, 0);
		return;
	case SYS_dup2: case SYS_dup3:
		if (ok && a->n >= 2)
			rn_fdt_fd_dup(p, (int32_t)a->v[0], (int32_t)a->v[1],
				      nr == SYS_dup3 && a->n >= 3 && (a->v[2] & O_CLOEXEC));
		return;
	case SYS_fcntl:
		if (ok && a->n >= 3)
			on_fcntl(p, ev, a);
		return;
	case SYS_pipe: case SYS_pipe2: case SYS_socketpair:
		if (ok)
			on_pair(t, p, ev, a);
		return;
	case SYS_socket:
		if (ok && ret >= 0 && a->n >= 2)
			on_socket(t, p, ev, a);
		return;
	case SYS_accept: case SYS_accept4:
		if (ok && ret >= 0 && a->n)
			on_accept(t, p, ev, a);
		return;
	case SYS_connect: case SYS_bind: case SYS_getsockname: case SYS_getpeername:
		on_addr(p, ev, a, ok);
		return;
	case SYS_chdir: case SYS_fchdir:
		if (ok)
			on_chdir(p, ev, a);
		return;
	case SYS_execve: case SYS_execveat:
		/* a held exec is shown unfinished; its failure comes back
		 * as a call with an errno */
		if (ev->err)
			return;
		for (unsigned k = 0; k < p->n; k++)
			if (p->v[k].state == ST_OPEN && p->v[k].cloexec)
				rn_fdt_fd_close(p, k);
		return;
	case SYS_fork: case SYS_vfork: case SYS_clone: case SYS_clone3:
		if (ok)
			on_fork(t, p, ev, a);
		return;
	default:
		if (ok && ret >= 0)
			on_other(p, ev, a);
		return;
	}
}
