/* fdtable_store.c: the descriptor table itself (fdtable_priv.h): one
 * table of entries per process, copied at a fork, the paths it holds made
 * absolute, and what /proc/PID/fd says of a descriptor the table never
 * saw made.
 *
 * It must never print, and never look in /proc beyond readlink of the
 * process's own cwd and fd links.
 */
#include "fdtable_priv.h"
#include "pathclean.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fde_clear(struct fde *e)
{
	free(e->name);
	memset(e, 0, sizeof *e);
}

struct fde *rn_fdt_slot(struct fdproc *p, int64_t fd)
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

void rn_fdt_proc_free(struct fdproc *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->v[i].name);
	free(p->v);
	free(p->cwd);
	free(p);
}

struct fdproc *rn_fdt_proc_find(struct rn_fdt *t, int32_t pid)
{
	for (struct fdproc *p = t->procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

void rn_fdt_proc_drop(struct rn_fdt *t, int32_t pid)
{
	for (struct fdproc **pp = &t->procs; *pp; pp = &(*pp)->next)
		if ((*pp)->pid == pid) {
			struct fdproc *p = *pp;
			*pp = p->next;
			rn_fdt_proc_free(p);
			return;
		}
}

/* A new table for pid: a copy of src's (a fork child), else empty. */
struct fdproc *rn_fdt_proc_new(struct rn_fdt *t, int32_t pid, const struct fdproc *src)
{
	rn_fdt_proc_drop(t, pid);	/* a pid used again */
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
struct fdproc *rn_fdt_proc_of(struct rn_fdt *t, const struct rn_event *ev)
{
	int32_t pid = ev->proc ? ev->proc->pid : 0;
	struct fdproc *p = rn_fdt_proc_find(t, pid);
	if (p)
		return p;
	const struct fdproc *parent = ev->proc && ev->proc->ppid ? rn_fdt_proc_find(t, ev->proc->ppid) : NULL;
	return rn_fdt_proc_new(t, pid, parent);
}

/* The absolute name of path (n bytes, not NUL-terminated) relative to
 * base, as the kernel would name it: symbolic links resolved when the
 * file is there to ask, else lexically. NULL when it cannot be said. */
char *rn_fdt_path_abs(const char *base, const uint8_t *path, size_t n)
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
	rn_path_clean(buf);
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
unsigned long rn_fdt_proc_ino(int32_t pid, int64_t fd, const char *prefix)
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
struct fde *rn_fdt_fd_get(struct fdproc *p, int64_t fd, int may_look)
{
	struct fde *e = rn_fdt_slot(p, fd);
	if (!e)
		return NULL;
	if (e->state == ST_UNKNOWN && may_look) {
		if (proc_lookup(p->pid, fd, e))
			e->state = ST_LOOKED;
	}
	return e->state == ST_OPEN ? e : NULL;
}

/* A new descriptor fd: an open entry of kind k, or NULL. */
struct fde *rn_fdt_fd_new(struct fdproc *p, int64_t fd, int kind, int cloexec)
{
	struct fde *e = rn_fdt_slot(p, fd);
	if (!e)
		return NULL;
	fde_clear(e);
	e->state = ST_OPEN;
	e->kind = (uint8_t)kind;
	e->cloexec = (uint8_t)!!cloexec;
	return e;
}

void rn_fdt_fd_close(struct fdproc *p, int64_t fd)
{
	struct fde *e = rn_fdt_slot(p, fd);
	if (e) {
		fde_clear(e);
		e->state = ST_CLOSED;
	}
}

void rn_fdt_fd_dup(struct fdproc *p, int64_t from, int64_t to, int cloexec)
{
	struct fde *s = rn_fdt_fd_get(p, from, 1);
	if (!s || from == to) {
		if (from != to)
			rn_fdt_fd_close(p, to);
		return;
	}
	struct fde tmp = *s;
	struct fde *d = rn_fdt_slot(p, to);	/* may move s */
	if (!d)
		return;
	if (fde_copy(d, &tmp) == 0) {
		d->state = ST_OPEN;
		d->cloexec = (uint8_t)!!cloexec;
	}
}
