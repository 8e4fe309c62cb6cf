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
	if (r == (ssize_t)sizeof n && recv(c, &n, sizeof n, MSG_DONTWAIT) == (ssize_t)sizeof n &&
	    n.pid > 0) {
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
	for (;;) {
		int c = accept4(s->pidsock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0)
			return;
		struct ucred cr;
		socklen_t cl = sizeof cr;
		if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl) || cr.pid <= 0 ||
		    !rn_owner_ok(s, cr.uid)) {
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

/* Pids a process of another namespace names, as we see them. Returns 1
 * when the return value is a pid we do not know (yet). */
static int rn_translate_pids(const struct rn_session *s, const struct rn_ar *m,
			     struct rn_event *ev)
{
	int arg0;
	if ((m->pidns && m->pidns == s->pidns) || !rn_names_pid(ev, &arg0))
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

/* Calls that make a child and carry nothing but scalars: one can wait. */
static int rn_makes_child(const struct rn_event *ev)
{
	int arg0;
	return rn_names_pid(ev, &arg0) && !arg0 && ev->fn != RN_IDX_wait;
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
		struct rn_ar *m = rn_names_pid(ev, &arg0) ? rn_ev_arena(s, ev) : NULL;
		if (m && rn_translate_pids(s, m, ev)) {
			if (rn_makes_child(ev) && s->nheld < RN_HELD_MAX) {
				s->held[s->nheld++] = (struct rn_held){ *ev, m, 0 };
				continue;
			}
			if (!rn_makes_child(ev))	/* reaped without a note */
				for (unsigned h = 0; h < s->nheld; h++)
					if (s->held[h].m == m && s->held[h].ev.ret == ev->ret)
						s->held[h].reaped = 1;
		}
		if (w != r)
			s->evs[w] = *ev;
		w++;
	}
	s->nev = w;
	for (unsigned h = 0; h < s->nheld && s->nev < s->evcap;) {
		struct rn_held *x = &s->held[h];
		if (rn_translate_pids(s, x->m, &x->ev) && !x->reaped && !x->m->gone &&
		    !x->m->all_dead && !s->closing) {
			h++;
			continue;
		}
		s->evs[s->nev++] = x->ev;
		*x = s->held[--s->nheld];
	}
}
