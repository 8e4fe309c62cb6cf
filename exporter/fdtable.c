/* fdtable.c: the exporter's table of each traced process's descriptors,
 * built from the decoded calls in time order (fdtable.h): what -y/-yy
 * print behind a descriptor ("read(3</etc/passwd>, ...)") and what -P
 * PATH selects by.
 *
 * Every distinction is the call's system call number (rn_fns[].nr) and the
 * row's argument types, as strace's own per-call handlers are; nothing
 * compares names. A descriptor the table never saw made (0, 1, 2, those
 * inherited from an untraced parent) is looked up once in /proc/PID/fd
 * while the process lives, as strace does; otherwise it shows as a plain
 * number. Pipe and socket inodes come from the same place, at the call
 * that made them.
 *
 * It must never trust a capture's bytes beyond their length, never print,
 * and never make a system call when neither -y nor -P was given (it is
 * not made at all then).
 */
#include "fdtable.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/record.h"
#include "redact.h"

/* descriptors above this are not tracked (shown as plain numbers) */
#define FD_MAX 65536
#define NAME_CAP (PATH_MAX + 96)
#define ADDR_CAP 28		/* sockaddr_in6 */

enum { ST_UNKNOWN, ST_OPEN, ST_CLOSED, ST_LOOKED };
enum { K_FILE, K_PIPE, K_SOCK, K_OTHER };

struct fde {
	uint8_t state;
	uint8_t kind;
	uint8_t cloexec;
	uint8_t paired;		/* one of a socketpair: its peer is known */
	int family, type;
	unsigned long ino, peer;	/* 0: not known */
	char *name;		/* K_FILE: path; K_OTHER: the kernel's name */
	uint8_t local[ADDR_CAP], remote[ADDR_CAP];
	uint8_t llen, rlen;	/* 0: not known */
};

struct fdproc {
	int32_t pid;
	char *cwd;
	struct fde *v;
	unsigned n;
	struct fdproc *next;
};

struct rn_fdt {
	unsigned decode;
	struct rn_redact *redact;
	char **paths;		/* -P, as given and resolved */
	unsigned npaths;
	char *cwd;
	struct fdproc *procs;
	struct rn_fdnames cur;
	char nb[RN_MAX_TYPES + 3][NAME_CAP];
};

/* ------------------------------------------------------------ helpers */

static void fde_clear(struct fde *e)
{
	free(e->name);
	memset(e, 0, sizeof *e);
}

static struct fde *fde_at(struct fdproc *p, int64_t fd)
{
	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	if ((unsigned)fd >= p->n) {
		unsigned n = p->n ? p->n : 16;
		while (n <= (unsigned)fd)
			n *= 2;
		struct fde *v = realloc(p->v, n * sizeof *v);
		if (!v)
			return NULL;
		memset(v + p->n, 0, (n - p->n) * sizeof *v);
		p->v = v;
		p->n = n;
	}
	return &p->v[fd];
}

static int fde_copy(struct fde *d, const struct fde *s)
{
	fde_clear(d);
	*d = *s;
	d->name = NULL;
	if (s->name && !(d->name = strdup(s->name))) {
		d->state = ST_UNKNOWN;
		return -ENOMEM;
	}
	return 0;
}

static void proc_free(struct fdproc *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->v[i].name);
	free(p->v);
	free(p->cwd);
	free(p);
}

static struct fdproc *proc_find(struct rn_fdt *t, int32_t pid)
{
	for (struct fdproc *p = t->procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

static void proc_drop(struct rn_fdt *t, int32_t pid)
{
	for (struct fdproc **pp = &t->procs; *pp; pp = &(*pp)->next)
		if ((*pp)->pid == pid) {
			struct fdproc *p = *pp;
			*pp = p->next;
			proc_free(p);
			return;
		}
}

/* A new table for pid: a copy of src's (a fork child), else empty. */
static struct fdproc *proc_new(struct rn_fdt *t, int32_t pid, const struct fdproc *src)
{
	proc_drop(t, pid);	/* a pid used again */
	struct fdproc *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->pid = pid;
	if (src) {
		p->cwd = src->cwd ? strdup(src->cwd) : NULL;
		if (src->n && (p->v = calloc(src->n, sizeof *p->v))) {
			p->n = src->n;
			for (unsigned i = 0; i < src->n; i++)
				if (src->v[i].state != ST_UNKNOWN)
					fde_copy(&p->v[i], &src->v[i]);
		}
	} else if (t->cwd) {
		p->cwd = strdup(t->cwd);	/* where the launcher started it */
	} else {
		/* a program started elsewhere (--session-dir): where it is now */
		char link[64], buf[PATH_MAX];
		snprintf(link, sizeof link, "/proc/%d/cwd", pid);
		ssize_t n = readlink(link, buf, sizeof buf - 1);
		if (n > 0 && buf[0] == '/') {
			buf[n] = '\0';
			p->cwd = strdup(buf);
		}
	}
	p->next = t->procs;
	t->procs = p;
	return p;
}

/* The event's process table: made at its first call, from its parent's
 * when the fork was not seen first. */
static struct fdproc *proc_of(struct rn_fdt *t, const struct rn_event *ev)
{
	int32_t pid = ev->proc ? ev->proc->pid : 0;
	struct fdproc *p = proc_find(t, pid);
	if (p)
		return p;
	const struct fdproc *parent = ev->proc && ev->proc->ppid ? proc_find(t, ev->proc->ppid) : NULL;
	return proc_new(t, pid, parent);
}

/* Lexically clean an absolute path in place: "//", "/./", "/../". */
static void path_clean(char *s)
{
	char *out = s, *p = s;
	while (*p) {
		while (*p == '/')
			p++;
		char *seg = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - seg);
		if (!n || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > s && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, n);
		out += n;
	}
	if (out == s)
		*out++ = '/';
	*out = '\0';
}

/* The absolute name of path (n bytes, not NUL-terminated) relative to
 * base, as the kernel would name it: symbolic links resolved when the
 * file is there to ask, else lexically. NULL when it cannot be said. */
static char *path_abs(const char *base, const uint8_t *path, size_t n)
{
	char buf[PATH_MAX * 2 + 2], real[PATH_MAX];
	n = strnlen((const char *)path, n);
	if (!n || memchr(path, '\0', n))
		return NULL;
	if (path[0] == '/') {
		if (n >= sizeof buf)
			return NULL;
		memcpy(buf, path, n);
		buf[n] = '\0';
	} else {
		size_t bl = base ? strlen(base) : 0;
		if (!base || bl + n + 2 > sizeof buf)
			return NULL;
		memcpy(buf, base, bl);
		buf[bl] = '/';
		memcpy(buf + bl + 1, path, n);
		buf[bl + 1 + n] = '\0';
	}
	path_clean(buf);
	if (strlen(buf) >= PATH_MAX)
		return NULL;
	if (realpath(buf, real))
		return strdup(real);
	/* gone already (unlinked): its directory resolved, the name kept */
	char *slash = strrchr(buf, '/');
	if (slash && slash != buf) {
		*slash = '\0';
		if (realpath(buf, real)) {
			char *out;
			if (asprintf(&out, "%s/%s", strcmp(real, "/") ? real : "", slash + 1) < 0)
				return NULL;
			return out;
		}
		*slash = '/';
	}
	return strdup(buf);
}

/* "socket:[123]" -> 123, else 0 */
static unsigned long link_ino(const char *s, const char *prefix)
{
	size_t l = strlen(prefix);
	if (strncmp(s, prefix, l))
		return 0;
	return strtoul(s + l, NULL, 10);
}

/* What the kernel says fd of pid is now, into e (as an open one); 0, or
 * -1 when it cannot be read (the process ended, or fd is not open). */
static int proc_lookup(int32_t pid, int64_t fd, struct fde *e)
{
	char link[64], buf[PATH_MAX];
	if (pid <= 0)
		return -1;
	snprintf(link, sizeof link, "/proc/%d/fd/%lld", pid, (long long)fd);
	ssize_t n = readlink(link, buf, sizeof buf - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	fde_clear(e);
	e->state = ST_OPEN;
	if ((e->ino = link_ino(buf, "socket:["))) {
		e->kind = K_SOCK;
	} else if ((e->ino = link_ino(buf, "pipe:["))) {
		e->kind = K_PIPE;
	} else {
		e->kind = buf[0] == '/' ? K_FILE : K_OTHER;
		e->name = strdup(buf);
	}
	return 0;
}

/* The inode behind a pipe or socket just made, while the process lives
 * and fd is still that kind. */
static unsigned long proc_ino(int32_t pid, int64_t fd, const char *prefix)
{
	char link[64], buf[128];
	if (pid <= 0)
		return 0;
	snprintf(link, sizeof link, "/proc/%d/fd/%lld", pid, (long long)fd);
	ssize_t n = readlink(link, buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return link_ino(buf, prefix);
}

/* The entry for fd as the call saw it: looked up in /proc the first time
 * an fd the table never saw is used. NULL: a plain number. */
static struct fde *fd_get(struct fdproc *p, int64_t fd, int may_look)
{
	struct fde *e = fde_at(p, fd);
	if (!e)
		return NULL;
	if (e->state == ST_UNKNOWN && may_look) {
		if (proc_lookup(p->pid, fd, e))
			e->state = ST_LOOKED;
	}
	return e->state == ST_OPEN ? e : NULL;
}

/* ------------------------------------------------------------ names */

static void put_addr(char *b, size_t cap, const uint8_t *a, size_t n)
{
	sa_family_t fam;
	char ip[INET6_ADDRSTRLEN];
	if (n < sizeof fam) {
		snprintf(b, cap, "?");
		return;
	}
	memcpy(&fam, a, sizeof fam);
	if (fam == AF_INET && n >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in s;
		memcpy(&s, a, sizeof s);
		inet_ntop(AF_INET, &s.sin_addr, ip, sizeof ip);
		snprintf(b, cap, "%s:%u", ip, ntohs(s.sin_port));
	} else if (fam == AF_INET6 && n >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 s;
		memcpy(&s, a, sizeof s);
		inet_ntop(AF_INET6, &s.sin6_addr, ip, sizeof ip);
		snprintf(b, cap, "[%s]:%u", ip, ntohs(s.sin6_port));
	} else if (fam == AF_UNIX && n > sizeof fam) {
		const char *path = (const char *)a + sizeof fam;
		size_t l = strnlen(path, n - sizeof fam);
		if (!l && n > sizeof fam + 1)	/* abstract: strace's @name */
			snprintf(b, cap, "\"@%.*s\"", (int)strnlen(path + 1, n - sizeof fam - 1), path + 1);
		else
			snprintf(b, cap, "\"%.*s\"", (int)l, path);
	} else {
		snprintf(b, cap, "?");
	}
}

static const char *sock_proto(const struct fde *e)
{
	int ty = e->type & 0xf;
	switch (e->family) {
	case AF_INET:
		return ty == SOCK_STREAM ? "TCP" : ty == SOCK_DGRAM ? "UDP" : ty == SOCK_RAW ? "RAW" : NULL;
	case AF_INET6:
		return ty == SOCK_STREAM ? "TCPv6" : ty == SOCK_DGRAM ? "UDPv6" : ty == SOCK_RAW ? "RAWv6" : NULL;
	case AF_UNIX:
		return ty == SOCK_STREAM ? "UNIX-STREAM" : ty == SOCK_DGRAM ? "UNIX-DGRAM"
			: ty == SOCK_SEQPACKET ? "UNIX-SEQPACKET" : "UNIX";
	case AF_NETLINK:
		return "NETLINK";
	default:
		return NULL;
	}
}

/* What -y/-yy print between < and > for e, into b: 1 when renacer
 * composed it (TCP:[A->B]), 0 when it is a name as the kernel gives it. */
static int render(const struct rn_fdt *t, const struct fde *e, char *b, size_t cap)
{
	char l[128], r[128];
	switch (e->kind) {
	case K_FILE:
		snprintf(b, cap, "%s", e->name ? e->name : "?");
		if ((t->decode & RN_FDT_DEV) && e->name && !strncmp(e->name, "/dev/", 5)) {
			struct stat st;
			size_t k = strlen(b);
			if (!stat(e->name, &st) && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
				snprintf(b + k, cap - k, "<%s %u:%u>", S_ISCHR(st.st_mode) ? "char" : "block",
					 major(st.st_rdev), minor(st.st_rdev));
		}
		return 0;
	case K_PIPE:
		if (e->ino)
			snprintf(b, cap, "pipe:[%lu]", e->ino);
		else
			snprintf(b, cap, "pipe:[?]");
		return 0;
	case K_SOCK: {
		const char *proto = (t->decode & RN_FDT_SOCKET) ? sock_proto(e) : NULL;
		if (!proto) {
			if (e->ino)
				snprintf(b, cap, "socket:[%lu]", e->ino);
			else
				snprintf(b, cap, "socket:[?]");
			return 0;
		}
		if (e->family == AF_UNIX) {
			/* strace: inode, the peer's inode, and a bound path */
			char ino[24] = "?", peer[24] = "";
			if (e->ino)
				snprintf(ino, sizeof ino, "%lu", e->ino);
			if (e->peer)
				snprintf(peer, sizeof peer, "->%lu", e->peer);
			else if (e->paired)
				snprintf(peer, sizeof peer, "->?");
			if (e->llen > sizeof(sa_family_t) + 1 || e->rlen > sizeof(sa_family_t) + 1) {
				put_addr(l, sizeof l, e->llen > 2 ? e->local : e->remote,
					 e->llen > 2 ? e->llen : e->rlen);
				snprintf(b, cap, "%s:[%s%s,%s]", proto, ino, peer, l);
			} else {
				snprintf(b, cap, "%s:[%s%s]", proto, ino, peer);
			}
			return 1;
		}
		if (e->llen && e->rlen) {
			put_addr(l, sizeof l, e->local, e->llen);
			put_addr(r, sizeof r, e->remote, e->rlen);
			snprintf(b, cap, "%s:[%s->%s]", proto, l, r);
		} else if (e->llen) {
			put_addr(l, sizeof l, e->local, e->llen);
			snprintf(b, cap, "%s:[%s]", proto, l);
		} else if (e->rlen) {
			/* our own end's port is the kernel's choice, not in
			 * any record: said as unknown (docs: -yy) */
			put_addr(r, sizeof r, e->remote, e->rlen);
			snprintf(b, cap, "%s:[?->%s]", proto, r);
		} else if (e->ino) {
			snprintf(b, cap, "%s:[%lu]", proto, e->ino);
		} else {
			snprintf(b, cap, "%s:[?]", proto);
		}
		return 1;
	}
	default:
		snprintf(b, cap, "%s", e->name ? e->name : "?");
		return 0;
	}
}

/* render, then --redact-paths over the result */
static int render_shown(const struct rn_fdt *t, const struct fde *e, char *b, size_t cap)
{
	int made = render(t, e, b, cap);
	if (t->redact)
		rn_redact_str(t->redact, b, cap);
	return made;
}

/* ------------------------------------------------------------ the call */

/* The event's call arguments by position with their types (implied
 * ones left out). */
struct args {
	unsigned n;
	unsigned type[RN_MAX_TYPES];
	unsigned ti[RN_MAX_TYPES];	/* type position: ev->cap, fdn.arg */
	uint64_t v[RN_MAX_TYPES];
};

static void args_of(const struct rn_event *ev, struct args *a)
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
static int arg_find(const struct args *a, unsigned ty)
{
	for (unsigned i = 0; i < a->n; i++)
		if (a->type[i] == ty)
			return (int)i;
	return -1;
}

static int is_fd_type(unsigned ty)
{
	return ty == RN_ARG_FD || ty == RN_ARG_DIRFD || ty == RN_ARG_FILEP || ty == RN_ARG_DIRP;
}

/* The captured bytes at type position i: 1 with *p and *n, 0 when absent. */
static int cap_at(const struct rn_event *ev, unsigned i, const uint8_t **p, size_t *n)
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
	int d = arg_find(a, RN_ARG_DIRFD);
	if (d >= 0 && (int32_t)a->v[d] != AT_FDCWD) {
		const struct fde *e = fd_get(p, (int32_t)a->v[d], 1);
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

/* A new descriptor fd: an open entry of kind k, or NULL. */
static struct fde *fd_new(struct fdproc *p, int64_t fd, int kind, int cloexec)
{
	struct fde *e = fde_at(p, fd);
	if (!e)
		return NULL;
	fde_clear(e);
	e->state = ST_OPEN;
	e->kind = (uint8_t)kind;
	e->cloexec = (uint8_t)!!cloexec;
	return e;
}

static void fd_close(struct fdproc *p, int64_t fd)
{
	struct fde *e = fde_at(p, fd);
	if (e) {
		fde_clear(e);
		e->state = ST_CLOSED;
	}
}

static void fd_dup(struct fdproc *p, int64_t from, int64_t to, int cloexec)
{
	struct fde *s = fd_get(p, from, 1);
	if (!s || from == to) {
		if (from != to)
			fd_close(p, to);
		return;
	}
	struct fde tmp = *s;
	struct fde *d = fde_at(p, to);	/* may move s */
	if (!d)
		return;
	if (fde_copy(d, &tmp) == 0) {
		d->state = ST_OPEN;
		d->cloexec = (uint8_t)!!cloexec;
	}
}

/* "e" in an fopen (or popen: its last string) mode: O_CLOEXEC */
static int fmode_cloexec(const struct rn_event *ev, const struct args *a)
{
	int m = arg_find(a, RN_ARG_FMODE);
	if (m < 0 && a->n && a->type[a->n - 1] == RN_ARG_STR)
		m = (int)a->n - 1;
	const uint8_t *s;
	size_t n;
	return m >= 0 && cap_at(ev, a->ti[m], &s, &n) && memchr(s, 'e', strnlen((const char *)s, n));
}

static const char *anon_name(long nr)
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

/* Applies what ev did to p (and to a child's table). */
static void apply(struct rn_fdt *t, struct fdproc *p, const struct rn_event *ev, const struct args *a)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	long nr = fi->nr;
	int ok = !ev->err && !(ev->flags & RN_EV_UNFINISHED);
	int64_t ret = ev->ret;
	const uint8_t *s;
	size_t n;
	int i;

	switch (nr) {
	case SYS_open: case SYS_openat: case SYS_creat: case SYS_openat2: {
		if (!ok || ret < 0)
			return;
		int pi = arg_find(a, RN_ARG_PATH);
		int cloexec = fmode_cloexec(ev, a);
		if ((i = arg_find(a, RN_ARG_OFLAGS)) >= 0)
			cloexec = !!(a->v[i] & O_CLOEXEC);
		for (unsigned k = 0; k < fi->ntypes && k < RN_MAX_TYPES; k++)
			cloexec |= fi->types[k] == RN_ARG_DIROFLAGS;
		char *name = pi >= 0 && cap_at(ev, a->ti[pi], &s, &n) ? path_abs(base_dir(p, a), s, n) : NULL;
		struct fde *e = fd_new(p, ret, K_FILE, cloexec);
		if (e)
			e->name = name;
		else
			free(name);
		return;
	}
	case SYS_close:
		if (a->n && ev->err != EBADF)
			fd_close(p, (int32_t)a->v[0]);
		return;
	case SYS_close_range: {
		if (!ok || a->n < 3)
			return;
		uint64_t lo = (uint32_t)a->v[0], hi = (uint32_t)a->v[1];
		for (uint64_t fd = lo; fd <= hi && fd < p->n; fd++) {
			if (a->v[2] & CLOSE_RANGE_CLOEXEC)
				p->v[fd].cloexec = 1;
			else
				fd_close(p, (int64_t)fd);
		}
		return;
	}
	case SYS_dup:
		if (ok && a->n >= 1)
			fd_dup(p, (int32_t)a->v[0], ret, 0);
		return;
	case SYS_dup2: case SYS_dup3:
		if (ok && a->n >= 2)
			fd_dup(p, (int32_t)a->v[0], (int32_t)a->v[1],
			       nr == SYS_dup3 && a->n >= 3 && (a->v[2] & O_CLOEXEC));
		return;
	case SYS_fcntl: {
		if (!ok || a->n < 3)
			return;
		uint32_t cmd = (uint32_t)a->v[1];
		if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
			fd_dup(p, (int32_t)a->v[0], ret, cmd == F_DUPFD_CLOEXEC);
		} else if (cmd == F_SETFD) {
			struct fde *e = fd_get(p, (int32_t)a->v[0], 1);
			if (e)
				e->cloexec = !!(a->v[2] & FD_CLOEXEC);
		}
		return;
	}
	case SYS_pipe: case SYS_pipe2: case SYS_socketpair: {
		int c = arg_find(a, RN_ARG_PIPEFDS);
		if (!ok || c < 0 || !cap_at(ev, a->ti[c], &s, &n) || n < 8)
			return;
		int32_t fds[2];
		memcpy(fds, s, sizeof fds);
		int cloexec = 0, fam = 0, ty = 0;
		if (nr == SYS_socketpair && a->n >= 2) {
			fam = (int)a->v[0];
			ty = (int)a->v[1];
			cloexec = !!(ty & SOCK_CLOEXEC);
		} else if ((i = arg_find(a, RN_ARG_FDFLAGS)) >= 0) {
			cloexec = !!(a->v[i] & O_CLOEXEC);
		}
		struct fde *e[2];
		for (int k = 0; k < 2; k++) {
			e[k] = fd_new(p, fds[k], nr == SYS_socketpair ? K_SOCK : K_PIPE, cloexec);
			if (!e[k])
				return;
			e[k]->family = fam;
			e[k]->type = ty & 0xf;
			e[k]->paired = nr == SYS_socketpair;
			e[k]->ino = t->decode ? proc_ino(p->pid, fds[k], nr == SYS_socketpair ? "socket:[" : "pipe:[") : 0;
		}
		e[0] = fde_at(p, fds[0]);	/* the second may have moved the first */
		if (nr == SYS_socketpair && e[0] && e[1]) {
			e[0]->peer = e[1]->ino;
			e[1]->peer = e[0]->ino;
		}
		return;
	}
	case SYS_socket: {
		if (!ok || ret < 0 || a->n < 2)
			return;
		struct fde *e = fd_new(p, ret, K_SOCK, !!(a->v[1] & SOCK_CLOEXEC));
		if (e) {
			e->family = (int)a->v[0];
			e->type = (int)a->v[1] & 0xf;
			e->ino = t->decode ? proc_ino(p->pid, ret, "socket:[") : 0;
		}
		return;
	}
	case SYS_accept: case SYS_accept4: {
		if (!ok || ret < 0 || !a->n)
			return;
		struct fde *l = fd_get(p, (int32_t)a->v[0], 1);
		struct fde lc;
		memset(&lc, 0, sizeof lc);
		if (l)
			lc = *l;
		int cloexec = (i = arg_find(a, RN_ARG_SOCKFLAGS)) >= 0 && (a->v[i] & SOCK_CLOEXEC);
		struct fde *e = fd_new(p, ret, K_SOCK, cloexec);
		if (!e)
			return;
		e->family = lc.family;
		e->type = lc.type;
		e->ino = t->decode ? proc_ino(p->pid, ret, "socket:[") : 0;
		if (lc.llen)
			set_addr(e->local, &e->llen, lc.local, lc.llen);
		int c = arg_find(a, RN_ARG_SOCKADDR_OUT);
		if (c >= 0 && cap_at(ev, a->ti[c], &s, &n) && e->family != AF_UNIX) {
			set_addr(e->remote, &e->rlen, s, n);
			if (e->llen)
				tell_connector(t, e);
		}
		return;
	}
	case SYS_connect: case SYS_bind: case SYS_getsockname: case SYS_getpeername: {
		int c = arg_find(a, nr == SYS_connect || nr == SYS_bind ? RN_ARG_SOCKADDR : RN_ARG_SOCKADDR_OUT);
		if ((!ok && !(nr == SYS_connect && ev->err == EINPROGRESS)) || !a->n || c < 0 ||
		    !cap_at(ev, a->ti[c], &s, &n))
			return;
		struct fde *e = fd_get(p, (int32_t)a->v[0], 1);
		if (!e || e->kind != K_SOCK)
			return;
		if (nr == SYS_connect || nr == SYS_getpeername)
			set_addr(e->remote, &e->rlen, s, n);
		else if (!sockaddr_port0(s, n))	/* port 0: the kernel picks it */
			set_addr(e->local, &e->llen, s, n);
		return;
	}
	case SYS_chdir:
		if (ok && (i = arg_find(a, RN_ARG_PATH)) >= 0 && cap_at(ev, a->ti[i], &s, &n)) {
			char *d = path_abs(p->cwd, s, n);
			if (d) {
				free(p->cwd);
				p->cwd = d;
			}
		}
		return;
	case SYS_fchdir:
		if (ok && a->n) {
			struct fde *e = fd_get(p, (int32_t)a->v[0], 1);
			char *d = e && e->kind == K_FILE && e->name ? strdup(e->name) : NULL;
			if (d) {
				free(p->cwd);
				p->cwd = d;
			}
		}
		return;
	case SYS_execve: case SYS_execveat:
		/* a held exec is shown unfinished; its failure comes back
		 * as a call with an errno */
		if (ev->err)
			return;
		for (unsigned k = 0; k < p->n; k++)
			if (p->v[k].state == ST_OPEN && p->v[k].cloexec)
				fd_close(p, k);
		return;
	case SYS_fork: case SYS_vfork: case SYS_clone: case SYS_clone3: {
		if (!ok || fi->ret == RN_RET_TID)
			return;	/* a thread shares the table */
		if ((i = arg_find(a, RN_ARG_CLONEFLAGS)) >= 0 && (a->v[i] & CLONE_THREAD))
			return;
		if (nr == SYS_clone3 && fi->ret == RN_RET_FILEP) {
			/* popen: its child is its own; the caller gets a pipe */
			struct fde *e = ret >= 0 ? fd_new(p, ret, K_PIPE, fmode_cloexec(ev, a)) : NULL;
			if (e)
				e->ino = t->decode ? proc_ino(p->pid, ret, "pipe:[") : 0;
			return;
		}
		if (nr == SYS_clone3 && fi->ret != RN_RET_ERRNUM)
			return;	/* system: it returns a status, its child is gone */
		int32_t child = (int32_t)ret;
		if (fi->ret == RN_RET_ERRNUM) {
			/* posix_spawn, system, popen: 0 returned, the pid (when
			 * the row has it) is an output */
			int c = arg_find(a, RN_ARG_PIDP);
			if (ret || c < 0 || !cap_at(ev, a->ti[c], &s, &n) || n < 4)
				return;
			memcpy(&child, s, sizeof child);
		}
		/* its own calls may have come first (a split fork): keep theirs */
		if (child > 0 && !proc_find(t, child))
			proc_new(t, child, p);
		return;
	}
	case SYS_memfd_create:
		if (ok && ret >= 0 && (i = arg_find(a, RN_ARG_STR)) >= 0 && cap_at(ev, a->ti[i], &s, &n)) {
			struct fde *e = fd_new(p, ret, K_OTHER, 0);
			char b[NAME_CAP];
			snprintf(b, sizeof b, "/memfd:%.*s (deleted)", (int)strnlen((const char *)s, n),
				 (const char *)s);
			if (e)
				e->name = strdup(b);
		}
		return;
	default: {
		const char *anon = anon_name(nr);
		if (anon && ok && ret >= 0) {
			struct fde *e = fd_new(p, ret, K_OTHER, 0);
			if (e)
				e->name = strdup(anon);
		}
		return;
	}
	}
}

/* ------------------------------------------------------------ -P */

static int path_selected(const struct rn_fdt *t, const char *s, size_t n)
{
	for (unsigned i = 0; i < t->npaths; i++)
		if (strlen(t->paths[i]) == n && !memcmp(t->paths[i], s, n))
			return 1;
	return 0;
}

/* strace's -P: a path argument as given, or a descriptor argument whose
 * file is one of the paths. */
static int selects(struct fdproc *p, const struct rn_fdt *t, const struct rn_event *ev,
		   const struct args *a)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	for (unsigned i = 0; i < fi->ntypes && i < RN_MAX_TYPES; i++) {
		const uint8_t *s;
		size_t n;
		if (fi->types[i] == RN_ARG_PATH && cap_at(ev, i, &s, &n) &&
		    path_selected(t, (const char *)s, strnlen((const char *)s, n)))
			return 1;
	}
	for (unsigned i = 0; i < a->n; i++) {
		if (!is_fd_type(a->type[i]) || (int32_t)a->v[i] == AT_FDCWD)
			continue;
		const struct fde *e = fd_get(p, (int32_t)a->v[i], ev->err != EBADF);
		if (e && e->kind == K_FILE && e->name && path_selected(t, e->name, strlen(e->name)))
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ API */

int rn_fdt_event(struct rn_fdt *t, struct rn_event *ev)
{
	ev->fdn = NULL;
	if (ev->fn >= RN_NFUNCS || (ev->flags & RN_EV_BLOCKED) || ev->split == RN_SPLIT_ENTRY)
		return 1;
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	if (fi->ntypes && fi->types[0] == RN_ARG_SYSNO)
		return t->npaths ? 0 : 1;	/* syscall(2): not followed (docs) */
	struct fdproc *p = proc_of(t, ev);
	if (!p)
		return 1;
	struct args a;
	args_of(ev, &a);
	int show = !t->npaths || selects(p, t, ev, &a);

	struct rn_fdnames *fdn = &t->cur;
	memset(fdn, 0, sizeof *fdn);
	if (t->decode && show) {
		/* the arguments as they were when the call was made */
		for (unsigned i = 0; i < a.n; i++) {
			if (!is_fd_type(a.type[i]))
				continue;
			int32_t fd = (int32_t)a.v[i];
			unsigned ti = a.ti[i];
			if (a.type[i] == RN_ARG_DIRFD && fd == AT_FDCWD) {
				if (p->cwd) {
					snprintf(t->nb[ti], NAME_CAP, "%s", p->cwd);
					if (t->redact)
						rn_redact_str(t->redact, t->nb[ti], NAME_CAP);
					fdn->arg[ti] = t->nb[ti];
				}
				continue;
			}
			/* a dup2 target is the call's to make: never asked of
			 * /proc, which shows it after the call */
			int target = i == 1 && (fi->nr == SYS_dup2 || fi->nr == SYS_dup3);
			const struct fde *e = fd_get(p, fd, ev->err != EBADF && !target);
			if (e) {
				fdn->made |= render_shown(t, e, t->nb[ti], NAME_CAP) ? RN_FDN_ARG(ti) : 0;
				fdn->arg[ti] = t->nb[ti];
			}
		}
		for (unsigned k = 0; k < fi->ntypes && k < RN_MAX_TYPES; k++)
			if (fi->types[k] == RN_ARG_CWD && p->cwd) {
				snprintf(t->nb[k], NAME_CAP, "%s", p->cwd);
				if (t->redact)
					rn_redact_str(t->redact, t->nb[k], NAME_CAP);
				fdn->arg[k] = t->nb[k];
			}
	}
	apply(t, p, ev, &a);
	if (t->decode && show) {
		/* what the call made, as it is after it */
		int makes = 0;
		switch (fi->nr) {
		case SYS_open: case SYS_openat: case SYS_creat: case SYS_openat2: case SYS_dup:
		case SYS_dup2: case SYS_dup3: case SYS_socket: case SYS_accept: case SYS_accept4:
		case SYS_memfd_create:
			makes = 1;
			break;
		case SYS_fcntl:
			makes = a.n >= 2 && ((uint32_t)a.v[1] == F_DUPFD || (uint32_t)a.v[1] == F_DUPFD_CLOEXEC);
			break;
		default:
			makes = anon_name(fi->nr) != NULL;
		}
		struct fde *e;
		if (makes && !ev->err && !(ev->flags & RN_EV_UNFINISHED) && ev->ret >= 0 &&
		    (e = fd_get(p, ev->ret, 0))) {
			fdn->made |= render_shown(t, e, t->nb[RN_MAX_TYPES], NAME_CAP) ? RN_FDN_RET : 0;
			fdn->ret = t->nb[RN_MAX_TYPES];
		}
		int c = arg_find(&a, RN_ARG_PIPEFDS);
		const uint8_t *s;
		size_t n;
		if (c >= 0 && !ev->err && cap_at(ev, a.ti[c], &s, &n) && n >= 8) {
			for (int k = 0; k < 2; k++) {
				int32_t fd;
				memcpy(&fd, s + 4 * k, sizeof fd);
				if ((e = fd_get(p, fd, 0))) {
					if (render_shown(t, e, t->nb[RN_MAX_TYPES + 1 + k], NAME_CAP))
						fdn->made |= RN_FDN_PAIR(k);
					fdn->pair[k] = t->nb[RN_MAX_TYPES + 1 + k];
				}
			}
		}
		ev->fdn = fdn;
	}
	return show;
}

void rn_fdt_proc_end(struct rn_fdt *t, const struct rn_proc *p)
{
	if (p && (p->has_exit || p->term_signal))
		proc_drop(t, p->pid);
}

int rn_fdt_new(struct rn_fdt **out, const struct rn_fdt_opts *o)
{
	struct rn_fdt *t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	t->decode = o->decode;
	t->redact = o->redact;
	if (o->cwd && !(t->cwd = strdup(o->cwd)))
		goto nomem;
	if (o->npaths) {
		/* each path as given and, as strace does, as resolved */
		t->paths = calloc(2 * (size_t)o->npaths, sizeof *t->paths);
		if (!t->paths)
			goto nomem;
		for (unsigned i = 0; i < o->npaths; i++) {
			char real[PATH_MAX];
			if (!(t->paths[t->npaths++] = strdup(o->paths[i])))
				goto nomem;
			if (realpath(o->paths[i], real) && strcmp(real, o->paths[i]) &&
			    !(t->paths[t->npaths++] = strdup(real)))
				goto nomem;
		}
	}
	*out = t;
	return 0;
nomem:
	rn_fdt_free(t);
	return -ENOMEM;
}

void rn_fdt_free(struct rn_fdt *t)
{
	if (!t)
		return;
	while (t->procs) {
		struct fdproc *p = t->procs;
		t->procs = p->next;
		proc_free(p);
	}
	for (unsigned i = 0; i < t->npaths; i++)
		free(t->paths[i]);
	free(t->paths);
	free(t->cwd);
	free(t);
}
