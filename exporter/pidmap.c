/* pidmap.c: the pid-namespace notes socket (RN_PIDS_SOCKET) and the map
 * it fills: how pids a process of another namespace names look to us, and
 * the translation of those pids in the events of a pass.
 *
 * It only reads notes and rewrites pids in queued events; it must never
 * trust a note from a user --allow-uid does not name, block on a sender,
 * or touch the traced processes.
 */
#include "session_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "commit.h"
#include "decode/decode.h"
#include "redact.h"

/* -------------------------------------------------------------- pid map */


int rn_pids_fd = -1;	/* made by the launcher before any process */

int rn_session_pids_socket(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir, RN_PIDS_SOCKET) >=
	    (int)sizeof sa.sun_path)
		return -ENAMETOOLONG;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path);	/* left by an exporter that died: the directory is ours */
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 4096)) {
		int e = -errno;
		close(fd);
		return e;
	}
	rn_pids_fd = fd;
	return fd;
}

/* The first process of a pid namespace announced itself: a namespace
 * inode is reused once the namespace is gone, so every process we knew
 * in one with that inode has ended and its pids mean nothing any more. */
static void rn_pidns_restarted(struct rn_session *s, uint64_t pidns, uint64_t id)
{
	size_t n = s->npidmap < RN_PIDMAP_MAX ? s->npidmap : RN_PIDMAP_MAX;
	for (size_t k = 0; k < n; k++)
		if (s->pidmap[k].pidns == pidns)
			s->pidmap[k].inner = 0;	/* by arena id only */
	for (struct rn_ar *a = s->arenas; a; a = a->next)
		if (!a->main && a->state == RN_AR_LIVE && a->pidns == pidns && a->proc.arena_id != id)
			a->superseded = 1;
}

static int32_t rn_pidmap_tasks(struct rn_session *s, uint64_t pidns, int32_t pid, int32_t inner);

/* Reads the note on connection c from pid (as we see it). Returns 1 when
 * it is not there yet (c stays open), 0 when c was read and closed. */
static int rn_read_note(struct rn_session *s, int c, int32_t pid)
{
	struct rn_pid_note n;
	ssize_t r = recv(c, &n, sizeof n, MSG_DONTWAIT | MSG_PEEK);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 1;
	if (r > 0 && r < (ssize_t)sizeof n)
		return 1;	/* the rest is on its way */
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} cm;
	struct iovec iov = { &n, sizeof n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			     .msg_controllen = sizeof cm.b };
	int got = r == (ssize_t)sizeof n && recvmsg(c, &mh, MSG_DONTWAIT) == (ssize_t)sizeof n &&
		  n.pid > 0;
	if (got && (n.flags & RN_NOTE_THREAD)) {
		/* a thread: the kernel's view of the id it named, else ours
		 * from /proc while it lives; never its process's pid */
		struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
		struct ucred cr = { 0, 0, 0 };
		if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS &&
		    h->cmsg_len >= CMSG_LEN(sizeof cr))
			memcpy(&cr, CMSG_DATA(h), sizeof cr);
		if (cr.pid <= 0 || cr.pid == pid)
			cr.pid = rn_pidmap_tasks(s, n.pidns, pid, n.pid);
		if (cr.pid > 0)
			s->pidmap[s->npidmap++ % RN_PIDMAP_MAX] =
				(struct rn_pidmap){ 0, n.pidns, n.pid, cr.pid };
	} else if (got) {
		if (n.pid == 1 && (n.flags & RN_NOTE_FORKED))
			rn_pidns_restarted(s, n.pidns, n.arena_id);
		s->pidmap[s->npidmap++ % RN_PIDMAP_MAX] =
			(struct rn_pidmap){ n.arena_id, n.pidns, n.pid, pid };
	}
	close(c);
	return 0;
}

/* Takes every note waiting on the pids socket (RN_PIDS_SOCKET). A note
 * is sent before its arena is published or adopted, so an arena that
 * starts after this call finds its note here. */
void rn_accept_pids(struct rn_session *s)
{
	if (s->pidsock < 0 || !s->pidmap)
		return;
	/* connections accepted before their sender wrote: read now */
	for (unsigned i = 0; i < s->nnotes;) {
		if (rn_read_note(s, s->notes[i].fd, s->notes[i].pid))
			i++;
		else
			s->notes[i] = s->notes[--s->nnotes];
	}
	/* A listening socket polls readable while a connection waits. Ask
	 * first: accept4 on an empty queue makes and frees a socket inode
	 * before it finds nothing (a few us), and this runs twice a pass:
	 * 8% of an OTLP exporter's CPU and more of a summary one's (perf). */
	struct pollfd p = { s->pidsock, POLLIN, 0 };
	if (poll(&p, 1, 0) <= 0)
		return;
	for (;;) {
		int c = accept4(s->pidsock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0)
			return;
		struct ucred cr;
		socklen_t cl = sizeof cr;
		int one = 1;
		if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl) || cr.pid <= 0 ||
		    !rn_owner_ok(s, cr.uid) ||
		    setsockopt(c, SOL_SOCKET, SO_PASSCRED, &one, sizeof one)) {
			close(c);
			continue;
		}
		if (!rn_read_note(s, c, cr.pid))
			continue;
		if (s->nnotes < RN_NOTES_WAIT_MAX)
			s->notes[s->nnotes++] = (struct rn_note_wait){ c, cr.pid };
		else
			close(c);	/* its sender is between connect and write */
	}
}

/* Our view of the pid of the process that sent a note for arena id, or 0. */
int32_t rn_pidmap_by_id(const struct rn_session *s, uint64_t id)
{
	size_t n = s->npidmap < RN_PIDMAP_MAX ? s->npidmap : RN_PIDMAP_MAX;
	for (size_t k = 0; k < n; k++) {
		const struct rn_pidmap *m = &s->pidmap[(s->npidmap - 1 - k) % RN_PIDMAP_MAX];
		if (m->arena_id == id)
			return m->outer;
	}
	return 0;
}

/* Our view of pid 'inner' of namespace pidns, newest note first, or 0. */
int32_t rn_pidmap_by_inner(const struct rn_session *s, uint64_t pidns, int32_t inner)
{
	size_t n = s->npidmap < RN_PIDMAP_MAX ? s->npidmap : RN_PIDMAP_MAX;
	for (size_t k = 0; inner > 0 && k < n; k++) {
		const struct rn_pidmap *m = &s->pidmap[(s->npidmap - 1 - k) % RN_PIDMAP_MAX];
		if (m->pidns == pidns && m->inner == inner)
			return m->outer;
	}
	return 0;
}

/* The threads of process pid (as we see it) of namespace pidns: each
 * one's id there (the last field of NSpid in /proc/PID/task/TID/status,
 * TID being ours) goes into the map (under arena id 0: a thread is no
 * process's announcement). Returns our id of thread 'inner', or 0. */
static int32_t rn_pidmap_tasks(struct rn_session *s, uint64_t pidns, int32_t pid, int32_t inner)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int32_t found = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		int32_t ours = (int32_t)atoi(e->d_name);
		if (ours <= 0 || ours == pid)
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)pid, (int)ours);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		char *ns = strstr(buf, "\nNSpid:");
		if (!ns)
			continue;
		char *end = strchr(ns + 1, '\n'), *last = NULL;
		if (end)
			*end = '\0';
		for (char *p = ns + 8; *p; p++)
			if ((*p >= '0' && *p <= '9') && (p[-1] == ' ' || p[-1] == '\t'))
				last = p;
		int32_t theirs = last ? (int32_t)atoi(last) : 0;
		if (theirs <= 0 || theirs == ours || !s->pidmap)
			continue;
		if (rn_pidmap_by_inner(s, pidns, theirs) != ours)
			s->pidmap[s->npidmap++ % RN_PIDMAP_MAX] =
				(struct rn_pidmap){ 0, pidns, theirs, ours };
		if (theirs == inner)
			found = ours;
	}
	closedir(d);
	return found;
}

int32_t rn_thread_tid(struct rn_session *s, const struct rn_ar *a, struct rn_thr *t)
{
	const struct rn_ar *m = a->main ? a->main : a;
	if (!t->tid)
		return 0;
	if (t->tid == m->inner_pid)	/* the main thread's id is the pid */
		return m->proc.pid;
	if ((m->pidns && m->pidns == s->pidns) || m->proc.pid == m->inner_pid)
		return t->tid;	/* ours, or a process we cannot see from here */
	if (!t->shown_tid) {
		/* the thread's note was sent before any of its records */
		int32_t o = rn_pidmap_by_inner(s, m->pidns, t->tid);
		if (o <= 0) {
			rn_accept_pids(s);
			o = rn_pidmap_by_inner(s, m->pidns, t->tid);
		}
		if (o <= 0)	/* a note without a name: while it lives */
			o = rn_pidmap_tasks(s, m->pidns, m->proc.pid, t->tid);
		t->shown_tid = o > 0 ? o : -1;
	}
	return t->shown_tid > 0 ? t->shown_tid : t->tid;
}

/* Calls whose return value (and, for waits, first argument) is a pid. */
static int rn_names_pid(const struct rn_event *ev, int *arg0)
{
	*arg0 = 0;
	switch (ev->fn) {
	case RN_IDX_fork: case RN_IDX_vfork: case RN_IDX__Fork: case RN_IDX_clone:
	case RN_IDX_wait:
		return 1;
	case RN_IDX_waitpid: case RN_IDX_wait4:
		*arg0 = 1;
		return 1;
	case RN_IDX_syscall:
		*arg0 = ev->arg[0] == SYS_wait4;
		return ev->arg[0] == SYS_fork || ev->arg[0] == SYS_vfork ||
		       ev->arg[0] == SYS_clone || ev->arg[0] == SYS_clone3 || *arg0;
	default:
		return 0;
	}
}

/* posix_spawn's child, in its captured pid: a copy in the pass's scratch
 * says ours. Returns 1 when it is a pid we do not know (yet). */
static int rn_translate_spawn(struct rn_session *s, const struct rn_ar *m, struct rn_event *ev)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	if (ev->ret != 0 || (ev->flags & RN_EV_UNFINISHED))
		return 0;
	for (unsigned i = 0; i < fi->ntypes && i < RN_MAX_TYPES; i++) {
		struct rn_capture *c = &ev->cap[i];
		int32_t inner, o;
		if (fi->types[i] != RN_ARG_PIDP || !c->present || !c->data || c->len < sizeof inner)
			continue;
		memcpy(&inner, c->data, sizeof inner);
		if (inner <= 0)
			return 0;
		if ((o = rn_pidmap_by_inner(s, m->pidns, inner)) <= 0)
			return 1;
		uint8_t *p = rn_scratch(s, c->len);
		if (!p)
			return 1;	/* shown at the next pass */
		memcpy(p, c->data, c->len);
		memcpy(p, &o, sizeof o);
		c->data = p;
		ev->ret = 0;
		return 0;
	}
	return 0;
}

static int rn_is_spawn(const struct rn_event *ev)
{
	return ev->fn == RN_IDX_posix_spawn || ev->fn == RN_IDX_posix_spawnp;
}

/* Pids a process of another namespace names, as we see them. Returns 1
 * when the return value is a pid we do not know (yet). */
static int rn_translate_pids(struct rn_session *s, const struct rn_ar *m, struct rn_event *ev)
{
	int arg0;
	if (m->pidns && m->pidns == s->pidns)
		return 0;
	if (rn_is_spawn(ev))
		return rn_translate_spawn(s, m, ev);
	if (!rn_names_pid(ev, &arg0))
		return 0;
	int32_t o;
	int unknown = 0;
	if (!ev->err && ev->ret > 0 && !(ev->flags & RN_EV_UNFINISHED)) {
		if ((o = rn_pidmap_by_inner(s, m->pidns, (int32_t)ev->ret)) > 0)
			ev->ret = o;
		else
			unknown = 1;
	}
	uint32_t a = ev->fn == RN_IDX_syscall;
	if (arg0 && (int64_t)ev->arg[a] > 0 &&
	    (o = rn_pidmap_by_inner(s, m->pidns, (int32_t)ev->arg[a])) > 0)
		ev->arg[a] = (uint64_t)o;
	return unknown;
}

/* The main arena whose process an event belongs to. */
static struct rn_ar *rn_ev_arena(const struct rn_session *s, const struct rn_event *ev)
{
	for (struct rn_ar *a = s->arenas; a; a = a->next)
		if (!a->main && &a->proc == ev->proc)
			return a;
	return NULL;
}

/* Calls that make a child: one can wait for its note. */
static int rn_makes_child(const struct rn_event *ev)
{
	int arg0;
	return rn_is_spawn(ev) || (rn_names_pid(ev, &arg0) && !arg0 && ev->fn != RN_IDX_wait);
}

/* The child a held event made, as its maker sees it. */
static int64_t rn_held_child(const struct rn_held *h)
{
	const struct rn_fn_info *fi = &rn_fns[h->ev.fn];
	if (!rn_is_spawn(&h->ev))
		return h->ev.ret;
	for (unsigned i = 0; i < fi->ntypes && i < RN_MAX_TYPES; i++) {
		const struct rn_capture *c = &h->ev.cap[i];
		int32_t pid;
		if (fi->types[i] == RN_ARG_PIDP && c->present && c->data && c->len >= sizeof pid) {
			memcpy(&pid, c->data, sizeof pid);
			return pid;
		}
	}
	return -1;
}

/* A held event's captured bytes, copied out of the pass's scratch (which
 * the next pass reuses) into memory of its own. Returns 0, or -1. */
static int rn_held_own(struct rn_held *h)
{
	size_t n = 0;
	for (unsigned i = 0; i < RN_EV_CAPS; i++)
		if (h->ev.cap[i].present && h->ev.cap[i].data)
			n += h->ev.cap[i].len;
	h->own = NULL;
	if (!n)
		return 0;
	uint8_t *p = malloc(n);
	if (!p)
		return -1;
	h->own = p;
	for (unsigned i = 0; i < RN_EV_CAPS; i++)
		if (h->ev.cap[i].present && h->ev.cap[i].data) {
			memcpy(p, h->ev.cap[i].data, h->ev.cap[i].len);
			h->ev.cap[i].data = p;
			p += h->ev.cap[i].len;
		}
	return 0;
}

/* Back into this pass's scratch, for the sinks. Returns 0, or -1 when
 * the scratch is full (the event waits for the next pass). */
static int rn_held_release(struct rn_session *s, struct rn_held *h)
{
	if (!h->own)
		return 0;
	size_t n = 0;
	for (unsigned i = 0; i < RN_EV_CAPS; i++)
		if (h->ev.cap[i].present && h->ev.cap[i].data)
			n += h->ev.cap[i].len;
	uint8_t *p = rn_scratch(s, n);
	if (!p)
		return -1;
	/* from where each one is now: a translated pid is in the scratch */
	for (unsigned i = 0; i < RN_EV_CAPS; i++)
		if (h->ev.cap[i].present && h->ev.cap[i].data) {
			memcpy(p, h->ev.cap[i].data, h->ev.cap[i].len);
			h->ev.cap[i].data = p;
			p += h->ev.cap[i].len;
		}
	free(h->own);
	h->own = NULL;
	return 0;
}

/* Pids named by processes of other namespaces, as we see them. A fork
 * made there returns before its child told us its pid (the child does
 * so first thing, before it runs the program): the call is held until
 * the note comes, the child is reaped without one (an untraced child),
 * or the maker ends; then it is shown, late rather than wrong. Notes
 * are taken first: one sent before a record was written is here. */
void rn_translate_pass(struct rn_session *s)
{
	rn_accept_pids(s);
	size_t w = 0, nev = s->nev;
	for (size_t r = 0; r < nev; r++) {
		struct rn_event *ev = &s->evs[r];
		int arg0;
		struct rn_ar *m = rn_names_pid(ev, &arg0) || rn_is_spawn(ev) ? rn_ev_arena(s, ev) : NULL;
		if (m && rn_translate_pids(s, m, ev)) {
			if (rn_makes_child(ev) && s->nheld < RN_HELD_MAX) {
				s->held[s->nheld] = (struct rn_held){ *ev, m, 0, NULL };
				if (rn_held_own(&s->held[s->nheld]) == 0) {
					s->nheld++;
					continue;
				}
			}
			if (!rn_makes_child(ev))	/* reaped without a note */
				for (unsigned h = 0; h < s->nheld; h++)
					if (s->held[h].m == m && rn_held_child(&s->held[h]) == ev->ret)
						s->held[h].reaped = 1;
		}
		if (w != r)
			s->evs[w] = *ev;
		w++;
	}
	s->nev = w;
	for (unsigned h = 0; h < s->nheld && s->nev < s->evcap;) {
		struct rn_held *x = &s->held[h];
		if ((rn_translate_pids(s, x->m, &x->ev) && !x->reaped && !x->m->gone &&
		     !x->m->all_dead && !s->closing) ||
		    rn_held_release(s, x)) {
			h++;
			continue;
		}
		s->evs[s->nev++] = x->ev;
		*x = s->held[--s->nheld];
	}
}
