/* session.c: finding arenas, draining their rings into sinks, and noticing
 * when threads and processes end (see session.h and docs/ARCHITECTURE.md).
 *
 * Everything read from an arena is copied before it is checked and checked
 * before it is used. This file must never block on, signal or otherwise
 * touch the traced processes beyond the shared memory they gave us.
 */
#include "session.h"

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

#define RN_PASS_MAX_EVENTS 8192	/* events sorted and dispatched per pass */
#define RN_PASS_HOLD_MAX 16384	/* records read per pass while a sink can hold */
#define RN_SCAN_EVERY_NS 200000000ull	/* rescan the directory at least this often */
#define RN_MTIME_FRESH_NS 20000000ull	/* a change this recent may hide another */
#define RN_LIVE_EVERY_NS 10000000ull	/* check thread and process ends */
#define RN_MAGIC_WAIT_NS 5000000000ull	/* a file without magic after this is bad */
#define RN_GRACE_NS 2000000000ull	/* pending fork child or exec, unverifiable */

/* One line on stderr about an arena: name, then what is wrong with it. */
static void rn_note(const char *name, const char *what)
{
	fprintf(stderr, "renacer: arena %s: %s\n", name, what);
}

/* Time from 'then' to 'now', zero when 'then' was taken after 'now'
 * (monotonic readings from different moments of one pass). */
static uint64_t rn_since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* -------------------------------------------------------------- pid map */

static int rn_owner_ok(const struct rn_session *s, uint32_t uid);

static int rn_pids_fd = -1;	/* made by the launcher before any process */

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
static void rn_accept_pids(struct rn_session *s)
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
static int32_t rn_pidmap_by_id(const struct rn_session *s, uint64_t id)
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
static int32_t rn_pidmap_by_inner(const struct rn_session *s, uint64_t pidns, int32_t inner)
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
static void rn_translate_pass(struct rn_session *s)
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

/* ------------------------------------------------------------ dispatch */

static void rn_dispatch_proc(struct rn_session *s, struct rn_ar *a, int end)
{
	for (unsigned i = 0; i < s->nsinks; i++) {
		struct rn_sink *k = &s->sinks[i];
		int (*fn)(struct rn_sink *, const struct rn_proc *) = end ? k->proc_end : k->proc_start;
		if (fn)
			fn(k, &a->proc);
	}
}

static int rn_key_cmp(const void *x, const void *y)
{
	const struct rn_evkey *a = x, *b = y;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;	/* stable: ring order on ties */
}

static void rn_drop_known_execs(struct rn_session *s);

/* Sends the pass's events, in start-time order, to every sink. */
static void rn_translate_pass(struct rn_session *s);

static void rn_flush_events(struct rn_session *s)
{
	rn_translate_pass(s);
	rn_drop_known_execs(s);
	int order = 0;
	for (unsigned i = 0; i < s->nsinks; i++)
		order |= s->sinks[i].wants_order;
	if (s->redact)	/* once, for every sink alike */
		rn_redact_events(s->redact, s->evs, s->nev);
	/* sort small keys, not the events, and only for sinks that print */
	for (size_t e = 0; e < s->nev; e++)
		s->keys[e] = (struct rn_evkey){ s->evs[e].t_enter_ns, (uint32_t)e };
	if (order && s->nev > 1)
		qsort(s->keys, s->nev, sizeof *s->keys, rn_key_cmp);
	for (size_t e = 0; e < s->nev; e++)
		for (unsigned i = 0; i < s->nsinks; i++)
			s->sinks[i].event(&s->sinks[i], &s->evs[s->keys[e].i]);
	if (s->nev)
		for (unsigned i = 0; i < s->nsinks; i++)
			if (s->sinks[i].flush)
				s->sinks[i].flush(&s->sinks[i]);
	s->stats.events += s->nev;
	s->nev = 0;
	s->scratch_used = 0;
}

static uint8_t *rn_scratch(struct rn_session *s, size_t n)
{
	if (s->scratch_used + n > s->scratch_cap)
		return NULL;
	uint8_t *p = s->scratch + s->scratch_used;
	s->scratch_used += n;
	return p;
}

/* A 64-bit identity of the record at ring position seq of ring 'ring' in
 * arena 'id' (splitmix64 steps over the three). */
static uint64_t rn_rec_identity(uint64_t id, uint32_t ring, uint64_t seq)
{
	uint64_t x = id;
	uint64_t parts[2] = { ring, seq };
	for (int i = 0; i < 2; i++) {
		x ^= parts[i] + 0x9e3779b97f4a7c15ull;
		x ^= x >> 30;
		x *= 0xbf58476d1ce4e5b9ull;
		x ^= x >> 27;
		x *= 0x94d049bb133111ebull;
		x ^= x >> 31;
	}
	return x ? x : 1;
}

/* Queues one decoded record; converts its times. ext must stay valid
 * until the next flush. Returns 0 or -1 when malformed. */
static int rn_queue(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
		    const struct rn_rec *rec, const uint8_t *ext, uint32_t ext_len, uint8_t evflags)
{
	if (s->nev == s->evcap)
		rn_flush_events(s);
	struct rn_event *ev = &s->evs[s->nev];
	if (rn_decode(rec, ext, ext_len, ev))
		return -1;
	const struct rn_ar *m = a->main ? a->main : a;
	ev->proc = &m->proc;
	/* the main thread's id is the pid: shown as we see it */
	ev->tid = t->tid && t->tid == m->inner_pid ? m->proc.pid : t->tid;
	ev->flags = evflags;
	/* arena, ring, position: what a re-read of the same record repeats */
	ev->rec_id = rn_rec_identity(a->hdr->id, (uint32_t)(t - a->thr), t->seq);
	ev->t_enter_ns = rn_clock_unix(&s->clock, a->clock, rec->t_enter);
	ev->t_exit_ns = (evflags & RN_EV_UNFINISHED) ? ev->t_enter_ns
						     : rn_clock_unix(&s->clock, a->clock, rec->t_exit);
	if (ev->t_exit_ns < ev->t_enter_ns)
		ev->t_exit_ns = ev->t_enter_ns;
	if (ev->t_exit_ns > t->last_exit_ns)
		t->last_exit_ns = ev->t_exit_ns;
	s->nev++;
	return 0;
}

/* Sends a held exec or exit record as an unfinished call, no earlier than
 * anything its thread did before it really happened. */
static void rn_queue_pend(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
			  struct rn_pend **pp)
{
	struct rn_pend *p = *pp;
	if (!p)
		return;
	uint8_t *ext = rn_scratch(s, p->ext_len);
	if (!ext) {
		rn_flush_events(s);
		ext = rn_scratch(s, p->ext_len);
	}
	memcpy(ext, p->ext, p->ext_len);
	uint64_t last = t->last_exit_ns;
	t->seq = p->seq;
	if (rn_queue(s, a, t, &p->rec, ext, p->ext_len, RN_EV_UNFINISHED) == 0) {
		struct rn_event *ev = &s->evs[s->nev - 1];
		if (ev->t_enter_ns < last)
			ev->t_enter_ns = ev->t_exit_ns = last;
	}
	free(p);
	*pp = NULL;
}

static struct rn_pend *rn_hold(const struct rn_rec *rec, const uint8_t *ext, uint32_t ext_len,
			       uint64_t seq)
{
	struct rn_pend *p = malloc(sizeof *p);
	if (!p)
		return NULL;
	p->rec = *rec;
	p->seq = seq;
	p->ext_len = ext_len;
	memcpy(p->ext, ext, ext_len);
	return p;
}

static int rn_is_exit(uint16_t fn)
{
	return fn == RN_IDX_exit || fn == RN_IDX__exit || fn == RN_IDX__Exit;
}

/* ---------------------------------------------------------------- rings */

/* Reads every complete record of one ring (all of it when 'all'). Returns
 * the records read; a ring found corrupt marks its arena corrupt. */
static size_t rn_drain_ring(struct rn_session *s, struct rn_ar *a, struct rn_thr *t)
{
	struct rn_cons *c = &t->cons;
	uint64_t avail = rn_cons_avail(c);
	if (avail == UINT64_MAX)
		goto corrupt;
	if (avail * 4 > (uint64_t)a->cap)
		s->pressed = 1;	/* a quarter full: no rest before the next pass */
	uint64_t i = 0;
	size_t n = 0;
	while (i < avail) {
		struct rn_rec rec;
		memcpy(&rec, rn_cons_slot(c, i), sizeof rec);	/* one read of shared bytes */
		uint32_t nconts = rn_rec_nconts(rec.ext_len);
		if (rec.ext_len > RN_EXT_MAX || 1 + (uint64_t)nconts > avail - i)
			goto corrupt;
		uint8_t *ext = rn_scratch(s, rec.ext_len);
		if (!ext) {
			rn_flush_events(s);
			ext = rn_scratch(s, rec.ext_len);
		}
		for (uint32_t k = 0; k < nconts; k++) {
			uint32_t chunk = rec.ext_len - k * RN_REC_SIZE;
			if (chunk > RN_REC_SIZE)
				chunk = RN_REC_SIZE;
			memcpy(ext + k * RN_REC_SIZE, rn_cons_slot(c, i + 1 + k), chunk);
		}
		int bad = 0;
		t->seq = c->head + i;
		if (rec.fn >= RN_NFUNCS) {
			bad = 1;
		} else if (rec.flags & RN_REC_NORET) {
			struct rn_pend **slot = rn_is_exit(rec.fn) ? &t->pend_exit : &t->pend_exec;
			struct rn_event probe;
			bad = rn_decode(&rec, ext, rec.ext_len, &probe) != 0;
			if (!bad) {
				free(*slot);
				*slot = rn_hold(&rec, ext, rec.ext_len, c->head + i);
			}
		} else if (rec.flags & RN_REC_AFTER_NORET) {
			/* the exec came back: one failed call with the captured
			 * arguments of the first half */
			struct rn_pend *p = t->pend_exec;
			if (p && p->rec.fn == rec.fn) {
				p->rec.t_exit = rec.t_exit;
				p->rec.ret = rec.ret;
				p->rec.err = rec.err;
				uint8_t *pe = rn_scratch(s, p->ext_len);
				if (!pe) {
					rn_flush_events(s);
					pe = rn_scratch(s, p->ext_len);
				}
				memcpy(pe, p->ext, p->ext_len);
				t->seq = p->seq;	/* one call: the first half's identity */
				bad = rn_queue(s, a, t, &p->rec, pe, p->ext_len, 0);
				free(p);
				t->pend_exec = NULL;
			} else {
				bad = rn_queue(s, a, t, &rec, ext, rec.ext_len, 0);
			}
		} else {
			bad = rn_queue(s, a, t, &rec, ext, rec.ext_len,
				       ((rec.flags & RN_REC_EXEC_START) ? RN_EV_EXEC_START : 0) |
					       ((rec.flags & RN_REC_TRAPPED) ? RN_EV_TRAPPED : 0));
		}
		if (bad)
			s->stats.corrupt++;
		i += 1 + nconts;
		n++;
	}
	rn_cons_consume(c, i);
	return n;
corrupt:
	if (a->state != RN_AR_CORRUPT)
		rn_note(a->name, "ring indices are impossible; skipping this process");
	a->state = RN_AR_CORRUPT;
	s->stats.corrupt++;
	return 0;
}

static void rn_account_lost(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
			    struct rn_ring *r)
{
	struct rn_proc *p = a->main ? &a->main->proc : &a->proc;
	uint64_t lost = rn_load_relaxed(&r->lost), nested = rn_load_relaxed(&r->nested);
	if (lost > t->lost_seen) {
		s->stats.lost_full += lost - t->lost_seen;
		p->lost += lost - t->lost_seen;
	}
	if (nested > t->nested_seen) {
		s->stats.lost_nested += nested - t->nested_seen;
		p->lost += nested - t->nested_seen;
	}
	t->lost_seen = lost;
	t->nested_seen = nested;
	uint64_t nr = rn_load_relaxed(&a->hdr->lost_noring);
	if (nr > a->lost_noring_seen) {
		s->stats.lost_noring += nr - a->lost_noring_seen;
		p->lost += nr - a->lost_noring_seen;
		a->lost_noring_seen = nr;
	}
}

static void rn_exec_shown(struct rn_session *s, struct rn_ar *a, uint64_t t_exit);

/* Thread t's exec succeeded (its thread ended, or the new image is here):
 * the record moves to its process's exec_pend, shown with its result once
 * the new image is seen (rn_exec_shown). */
static void rn_exec_succeeded(struct rn_session *s, struct rn_ar *a, struct rn_thr *t)
{
	struct rn_ar *m = a->main ? a->main : a;
	m->execd = 1;
	if (m->exec_pend) {	/* two execs at once: the other one's result is unknown */
		rn_queue_pend(s, a, t, &t->pend_exec);
		return;
	}
	m->exec_pend = t->pend_exec;
	m->exec_thr = *t;
	m->exec_thr.pend_exec = m->exec_thr.pend_exit = NULL;
	m->exec_since = rn_mono_ns();
	t->pend_exec = NULL;
	if (m->superseded)	/* the new image is known already */
		rn_exec_shown(s, m, m->next_t0);
}

int rn_ring_inflight(const struct rn_ring *r, uint16_t *fn, uint64_t *ticks)
{
	uint32_t f = rn_load_acquire(&r->cur_fn);
	if (!f)
		return 0;
	uint64_t t = rn_load_relaxed(&r->cur_t);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (rn_load_relaxed(&r->cur_fn) != f || f - 1 >= RN_NFUNCS)
		return 0;	/* it moved on meanwhile, or the word is garbage */
	*fn = (uint16_t)(f - 1);
	*ticks = t;
	return 1;
}

/* The thread of ring i has ended: read what it left, show the call it was
 * still in and its held exec/exit, and give the ring back. */
static void rn_thread_ended(struct rn_session *s, struct rn_ar *a, uint32_t i)
{
	struct rn_ring *r = rn_arena_ring(a->hdr, i);
	struct rn_thr *t = &a->thr[i];
	if (a->state == RN_AR_LIVE)
		rn_drain_ring(s, a, t);
	rn_account_lost(s, a, t, r);
	uint16_t fn;
	uint64_t ticks;
	if (a->state == RN_AR_LIVE && rn_ring_inflight(r, &fn, &ticks)) {
		/* blocked in a call when it died (accept, read, wait4 ...) */
		struct rn_rec rec = { .t_enter = ticks, .t_exit = ticks, .fn = fn };
		/* where its record would have gone; no record is ever there */
		t->seq = t->cons.head | 1ull << 63;
		if (rn_queue(s, a, t, &rec, NULL, 0, RN_EV_UNFINISHED | RN_EV_BLOCKED))
			s->stats.corrupt++;
	}
	rn_store_relaxed(&r->cur_fn, 0);
	if (t->pend_exec)	/* the exec never came back: it replaced us */
		rn_exec_succeeded(s, a, t);
	rn_queue_pend(s, a, t, &t->pend_exit);
	/* A fresh mutex for the next owner: the dead one's is owner-dead. The
	 * ring is given back (FREE) only at the end of the pass, after the
	 * commit and its head: an exporter killed before then finds it still
	 * ACTIVE with no owner, drains it from the committed head and ends
	 * it again, instead of skipping a FREE ring's unread records. */
	rn_ring_init_owner(r);
	t->tid = 0;
	t->last_exit_ns = 0;
	t->claiming_since = 0;
	t->free_at_end = 1;
}

/* End of pass, after the commit: publish the head of a ring whose thread
 * ended, then give the ring back for another thread. */
static void rn_ring_give_back(struct rn_thr *t)
{
	if (!t->free_at_end)
		return;
	t->free_at_end = 0;
	rn_cons_publish(&t->cons);
	t->cons.ring->tid = 0;
	rn_store_release(&t->cons.ring->state, RN_RING_FREE);
}

/* ---------------------------------------------------------------- arenas */

/* Is the process of arena a (pid as its namespace sees it) alive: 1 or
 * 0, -1 when we cannot tell. In another namespace, the pid its note
 * gave us (a pid namespace's processes are all visible from ours). */
static int rn_pid_alive(const struct rn_session *s, const struct rn_ar *a, int32_t pid)
{
	const struct rn_arena_hdr *h = a->hdr;
	if (!s->pidns || h->pidns != s->pidns)
		pid = rn_pidmap_by_id(s, h->id);
	if (pid <= 0)
		return -1;	/* cannot tell from here */
	return kill(pid, 0) == 0 || errno == EPERM;
}

static void rn_ar_free(struct rn_session *s, struct rn_ar *a, int unlink_file)
{
	if (a->thr) {
		for (uint32_t i = 0; i < a->nrings; i++) {
			free(a->thr[i].pend_exec);
			free(a->thr[i].pend_exit);
		}
		free(a->thr);
	}
	free(a->exec_pend);
	if (a->hdr)
		munmap(a->hdr, a->size);
	if (unlink_file)
		unlinkat(s->dirfd, a->name, 0);
	free(a);
}

/* Checks a header whose magic is set; copies what we will rely on.
 * Returns NULL, or what is wrong with it. */
static const char *rn_ar_validate(struct rn_ar *a)
{
	const struct rn_arena_hdr *h = a->hdr;
	uint64_t ro, dof;
	uint32_t nr = h->nrings, cap = h->ring_cap;
	if (h->version != RN_FORMAT_VERSION || h->hdr_size != sizeof *h)
		return "format version or header size unknown";
	if (nr < 1 || nr > RN_RINGS_MAX || cap < RN_RING_CAP_MIN || cap > RN_RING_CAP_MAX ||
	    (cap & (cap - 1)))
		return "ring count or size out of range";
	if (rn_arena_size(nr, cap, &ro, &dof) != a->size || h->file_size != a->size ||
	    h->rings_off != ro || h->data_off != dof)
		return "layout does not match the file size";
	if (h->clock != RN_CLOCK_TSC && h->clock != RN_CLOCK_MONO)
		return "unknown clock";
	a->nrings = nr;
	a->cap = cap;
	a->clock = h->clock;
	a->thr = calloc(nr, sizeof *a->thr);
	if (!a->thr)
		return "out of memory";
	for (uint32_t i = 0; i < nr; i++) {
		struct rn_cons *c = &a->thr[i].cons;
		c->ring = rn_arena_ring(h, i);
		c->slots = rn_arena_slots(h, i);
		c->mask = cap - 1;
		c->head = rn_load_acquire(&c->ring->head);
		c->tail_cache = c->head;
		/* counted from zero: what was dropped before we first looked
		 * is lost all the same */
		a->thr[i].lost_seen = 0;
		a->thr[i].nested_seen = 0;
	}
	a->lost_noring_seen = 0;
	return NULL;
}

/* Shows the exec held in a->exec_pend: succeeded, ending at clock ticks
 * t_exit (0: when it began), or with an unknown result (UINT64_MAX). */
static void rn_exec_shown(struct rn_session *s, struct rn_ar *a, uint64_t t_exit)
{
	struct rn_pend *p = a->exec_pend;
	if (!p)
		return;
	if (t_exit == UINT64_MAX) {
		rn_queue_pend(s, a, &a->exec_thr, &a->exec_pend);
		return;
	}
	uint8_t *ext = rn_scratch(s, p->ext_len);
	if (!ext) {
		rn_flush_events(s);
		ext = rn_scratch(s, p->ext_len);
	}
	memcpy(ext, p->ext, p->ext_len);
	p->rec.t_exit = t_exit > p->rec.t_enter ? t_exit : p->rec.t_enter;
	p->rec.ret = 0;
	p->rec.err = 0;
	p->rec.flags = 0;
	if (rn_queue(s, a, &a->exec_thr, &p->rec, ext, p->ext_len, 0))
		s->stats.corrupt++;
	free(p);
	a->exec_pend = NULL;
}

/* Heads a dead exporter committed but may not have published: what lies
 * before them is in the output already. Never past the producer's tail. */
static void rn_resume_heads(struct rn_session *s, struct rn_ar *a)
{
	for (uint32_t i = 0; i < a->nrings; i++) {
		struct rn_cons *c = &a->thr[i].cons;
		uint64_t head;
		if (!rn_commit_resume(s->commit, a->hdr->id, i, &head))
			continue;
		uint64_t tail = rn_load_acquire(&c->ring->tail);
		if (head - c->head <= tail - c->head && tail - c->head <= a->cap)
			c->head = c->tail_cache = head;
	}
}

/* The previous image of a's pid, still being read (its end not yet
 * noticed), or NULL. */
static struct rn_ar *rn_old_image(const struct rn_session *s, const struct rn_ar *a)
{
	struct rn_ar *best = NULL;
	for (struct rn_ar *b = s->arenas; b; b = b->next)
		if (b != a && !b->main && b->state == RN_AR_LIVE && b->hdr->ext_of == 0 &&
		    b->inner_pid == a->hdr->pid && b->pidns == a->hdr->pidns &&
		    b->hdr->t0_mono_ns < a->hdr->t0_mono_ns &&
		    (!best || b->hdr->t0_mono_ns > best->hdr->t0_mono_ns))
			best = b;	/* the latest: an older one is a dead pid's */
	return best;
}

static int rn_has_pending_exec(const struct rn_ar *b)
{
	if (b->execd)
		return 1;
	for (uint32_t i = 0; i < b->nrings; i++)
		if (b->thr[i].pend_exec)
			return 1;
	return 0;
}

/* Drops an image's own account of its exec when the image before it
 * recorded that exec (with the real arguments and timing). */
static void rn_drop_known_execs(struct rn_session *s)
{
	size_t w = 0;
	for (size_t r = 0; r < s->nev; r++) {
		struct rn_event *ev = &s->evs[r];
		if (ev->flags & RN_EV_EXEC_START) {
			const struct rn_ar *a = NULL;
			for (const struct rn_ar *x = s->arenas; x; x = x->next)
				if (&x->proc == ev->proc)
					a = x;
			const struct rn_ar *old = a ? rn_old_image(s, a) : NULL;
			if (a && (a->exec_seen || (old && rn_has_pending_exec(old))))
				continue;
			ev->flags &= (uint8_t)~RN_EV_EXEC_START;
		}
		if (w != r)
			s->evs[w] = *ev;
		w++;
	}
	s->nev = w;
}

static void rn_ar_identify(struct rn_session *s, struct rn_ar *a)
{
	const struct rn_arena_hdr *h = a->hdr;
	struct rn_proc *p = &a->proc;
	p->pid = h->pid;
	p->ppid = h->ppid;
	a->inner_pid = h->pid;
	a->pidns = h->pidns;
	if (!s->pidns || h->pidns != s->pidns) {
		/* another namespace: pids as we see them, when told (the
		 * note was sent before the arena was published or adopted,
		 * which we have seen: it is queued if not taken yet) */
		int32_t o = rn_pidmap_by_id(s, h->id);
		if (o <= 0) {
			rn_accept_pids(s);
			o = rn_pidmap_by_id(s, h->id);
		}
		if (o > 0)
			p->pid = o;
		o = rn_pidmap_by_inner(s, h->pidns, h->ppid);
		for (const struct rn_ar *b = s->arenas; !o && h->parent_id && b; b = b->next)
			if (b != a && b->started && b->proc.arena_id == h->parent_id)
				o = b->proc.pid;
		if (o > 0)
			p->ppid = o;
	}
	p->arena_id = h->id;
	p->parent_arena_id = h->parent_id;
	p->creator_tid = h->creator_tid;
	memcpy(p->exe, (const char *)h->exe, sizeof p->exe);
	p->exe[sizeof p->exe - 1] = '\0';
	uint32_t al = h->argv_len < sizeof p->argv ? h->argv_len : sizeof p->argv;
	memcpy(p->argv, (const char *)h->argv, al);
	p->argv_len = al;
	if (s->redact)
		rn_redact_proc(s->redact, p);
	al = p->argv_len;
	/* count what is really there, whatever argc claims */
	p->argc = 0;
	for (uint32_t i = 0; i < al; i++)
		p->argc += p->argv[i] == '\0';
	if (al && p->argv[al - 1] != '\0') {
		p->argv[al - 1] = '\0';
		p->argc++;
	}
	p->t_start_ns = rn_clock_unix(&s->clock, RN_CLOCK_MONO, h->t0_mono_ns);
	/* an exec'd image: the same pid, announced by its predecessor */
	for (unsigned i = 0; i < s->nexecwait; i++) {
		struct rn_execwait *w = &s->execwait[i];
		if (w->pid == h->pid && w->pidns == h->pidns) {
			p->exec_gen = w->gen;
			p->prev_arena_id = w->arena_id;
			a->exec_seen = 1;
			s->execwait[i] = s->execwait[--s->nexecwait];
			return;
		}
	}
	struct rn_ar *old = rn_old_image(s, a);
	if (old) {
		p->exec_gen = old->proc.exec_gen + 1;
		p->prev_arena_id = old->proc.arena_id;
	}
}

/* An arena's owner is us, or a user --allow-uid names. */
static int rn_owner_ok(const struct rn_session *s, uint32_t uid)
{
	if (uid == s->uid)
		return 1;
	for (unsigned i = 0; i < s->nallow_uids; i++)
		if (s->allow_uids[i] == uid)
			return 1;
	return 0;
}

/* Parses a decimal field of a note's name ending at '.'; NULL if bad. */
static const char *rn_note_field(const char *p, uint32_t *out)
{
	uint64_t v = 0;
	const char *start = p;
	while (*p >= '0' && *p <= '9' && p - start < 10)
		v = v * 10 + (uint64_t)(*p++ - '0');
	if (p == start || *p != '.' || v > INT32_MAX)
		return NULL;
	*out = (uint32_t)v;
	return p + 1;
}

/* A "not traced" note (arena.h, RN_NOTE_SUFFIX): tell the sinks, count
 * it, remove it. Its name is all it says; a malformed one is ignored. */
static void rn_note_consider(struct rn_session *s, const char *name)
{
	struct stat st;
	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode) ||
	    !rn_owner_ok(s, st.st_uid))
		return;
	uint32_t pid, tid, why, err;
	const char *p = name;
	if (!(p = rn_note_field(p, &pid)) || !(p = rn_note_field(p, &tid)) ||
	    !(p = rn_note_field(p, &why)) || !(p = rn_note_field(p, &err)) ||
	    strcmp(p - 1, RN_NOTE_SUFFIX))
		return;
	char text[160];
	switch (why) {
	case RN_NOTE_ARENA:
		snprintf(text, sizeof text, "cannot create arena: %s%s", strerror((int)err),
			 err == EFBIG ? " (RLIMIT_FSIZE, ulimit -f)" : "");
		break;
	case RN_NOTE_RING:
		if (err == ENOSPC)
			snprintf(text, sizeof text, "no space for ring memory");
		else
			snprintf(text, sizeof text, "no ring: %s", strerror((int)err));
		break;
	case RN_NOTE_NORING:
		snprintf(text, sizeof text, "every ring is taken");
		break;
	default:
		return;
	}
	struct rn_untraced u = { (int32_t)pid, (int32_t)tid, text };
	for (unsigned i = 0; i < s->nsinks; i++)
		if (s->sinks[i].untraced)
			s->sinks[i].untraced(&s->sinks[i], &u);
	s->stats.untraced++;
	unlinkat(s->dirfd, name, 0);
}

/* Maps a file of the session directory if it is new to us. */
static void rn_ar_consider(struct rn_session *s, const char *name)
{
	size_t nl = strlen(name), sl = strlen(RN_ARENA_SUFFIX);
	size_t ns = strlen(RN_NOTE_SUFFIX);
	if (nl > ns && !strcmp(name + nl - ns, RN_NOTE_SUFFIX)) {
		rn_note_consider(s, name);
		return;
	}
	if (nl <= sl || nl >= sizeof((struct rn_ar *)0)->name || strcmp(name + nl - sl, RN_ARENA_SUFFIX))
		return;
	for (struct rn_ar *a = s->arenas; a; a = a->next)
		if (!strcmp(a->name, name))
			return;
	int fd = openat(s->dirfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;	/* vanished, or a symlink (ELOOP): not ours */
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !rn_owner_ok(s, st.st_uid) ||
	    (size_t)st.st_size < RN_ARENA_HDR_PAGE) {
		/* a file being sized is tiny for a moment: look again later */
		close(fd);
		return;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return;
	struct rn_ar *a = calloc(1, sizeof *a);
	if (!a) {
		munmap(m, (size_t)st.st_size);
		return;
	}
	memcpy(a->name, name, nl + 1);
	a->hdr = m;
	a->size = (size_t)st.st_size;
	a->state = RN_AR_WAITING;
	a->first_seen_ns = rn_mono_ns();
	/* at the tail: the list stays in the order arenas appeared */
	struct rn_ar **pp = &s->arenas;
	while (*pp)
		pp = &(*pp)->next;
	*pp = a;
}

static void rn_scan_dir(struct rn_session *s)
{
	int fd = dup(s->dirfd);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	rewinddir(d);
	struct dirent *e;
	while ((e = readdir(d)))
		rn_ar_consider(s, e->d_name);
	closedir(d);
	s->last_scan_ns = rn_mono_ns();
}

/* Rescans the directory when it may have changed. An entry added or
 * renamed in it changes its mtime; two changes within one tick of the
 * kernel's coarse clock look like one, so a recent mtime means "look
 * again next pass too". This replaces inotify, whose teardown waits for
 * an RCU grace period (5-30 ms measured here) at every exporter's exit. */
static void rn_maybe_scan(struct rn_session *s)
{
	struct stat st;
	uint64_t now = rn_mono_ns();
	if (fstat(s->dirfd, &st) == 0) {
		uint64_t mt = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
		if (mt != s->dir_mtime_ns || rn_real_ns() - mt < RN_MTIME_FRESH_NS) {
			s->dir_mtime_ns = mt;
			rn_scan_dir(s);
			return;
		}
	}
	if (now - s->last_scan_ns > RN_SCAN_EVERY_NS)
		rn_scan_dir(s);
}

/* A waiting arena becomes live once its creator published it and, for a
 * fork child, once the child adopted it. Returns 1 when it should go. */
static int rn_ar_try_start(struct rn_session *s, struct rn_ar *a, uint64_t now)
{
	const struct rn_arena_hdr *h = a->hdr;
	if (rn_load_acquire(&h->magic) != RN_ARENA_MAGIC) {
		if (rn_since(now, a->first_seen_ns) > RN_MAGIC_WAIT_NS) {
			rn_note(a->name, "not a renacer arena; ignored");
			a->state = RN_AR_CORRUPT;
			s->stats.corrupt++;
		}
		return 0;
	}
	int fresh = !a->thr;
	const char *why = fresh ? rn_ar_validate(a) : NULL;
	if (why) {
		rn_note(a->name, why);
		a->state = RN_AR_CORRUPT;
		s->stats.corrupt++;
		return 0;
	}
	if (fresh && s->commit) {
		/* a dead exporter announced this end already: nothing to say */
		if (rn_commit_ended(s->commit, h->id))
			return 1;
		rn_resume_heads(s, a);
	}
	if (rn_load_acquire(&h->state) != RN_ARENA_LIVE) {
		/* a fork child that has not run yet, or never will */
		int32_t pid = rn_load_relaxed(&h->pid);
		int alive = rn_pid_alive(s, a, pid);
		if (alive == 0 || (alive < 0 && rn_since(now, a->first_seen_ns) > RN_GRACE_NS && pid))
			return 1;
		if (!pid && rn_since(now, a->first_seen_ns) > 10 * RN_GRACE_NS)
			return 1;	/* the forking parent never came back */
		return 0;
	}
	if (h->ext_of) {
		/* more rings for a process we know: its threads are that
		 * process's; it ends with it */
		for (struct rn_ar *m = s->arenas; m; m = m->next)
			if (m->state == RN_AR_LIVE && !m->main && m->proc.arena_id == h->ext_of &&
			    m->hdr->ext_of == 0) {
				a->main = m;
				a->state = RN_AR_LIVE;
				return 0;
			}
		if (rn_since(now, a->first_seen_ns) < 5 * RN_GRACE_NS)
			return 0;	/* its main arena is not live yet */
	}
	rn_ar_identify(s, a);
	/* A newer image of the same pid in the same namespace proves the old
	 * one is over, whatever its rings' owner words say (an exec the shim
	 * did not see, from a thread whose id the kernel changed). */
	struct rn_ar *old = h->ext_of || !h->pidns ? NULL : rn_old_image(s, a);
	if (old) {
		old->superseded = 1;
		old->next_t0 = a->hdr->clock == old->clock ? a->hdr->t0_ticks : 0;
		/* the exec that made us succeeded, whether or not its thread's
		 * end was noticed yet: shown now, with its result, before our
		 * own calls (its ring is read first, unless the drain is held) */
		for (uint32_t i = 0; i < old->nrings && !old->exec_pend && !s->holding; i++) {
			struct rn_thr *t = &old->thr[i];
			if (rn_load_relaxed(&t->cons.ring->state) == RN_RING_FREE)
				continue;
			rn_drain_ring(s, old, t);
			if (t->pend_exec)
				rn_exec_succeeded(s, old, t);
		}
		if (old->exec_pend || rn_has_pending_exec(old))
			a->exec_seen = 1;
		rn_exec_shown(s, old, old->next_t0);
	}
	a->state = RN_AR_LIVE;
	a->started = 1;
	s->stats.procs++;
	s->nprocs_seen++;
	rn_dispatch_proc(s, a, 0);
	return 0;
}

void rn_session_set_root(struct rn_session *s, int32_t pid)
{
	s->root_pid = pid;
}

void rn_session_root_exit(struct rn_session *s, int32_t pid, int wstatus)
{
	if (pid == s->root_pid) {
		s->root_status = wstatus;
		s->root_status_known = 1;
	}
}

/* The root's last image died without an exit status of its own (a
 * signal): its end waits, briefly, for the launcher's word on how. */
static int rn_ar_awaits_root_status(const struct rn_session *s, const struct rn_ar *a)
{
	return s->root_pid && a->proc.pid == s->root_pid && !a->proc.parent_arena_id &&
	       !a->execd && !rn_load_acquire(&a->hdr->exited) && !s->root_status_known &&
	       !s->root_done;
}

/* An image whose exec succeeded ends once the new image is seen (whose
 * start shows the exec's result) or can no longer come: its pid is gone
 * (or, when we cannot tell, a grace period passed). */
static int rn_exec_awaits_image(const struct rn_session *s, const struct rn_ar *a, uint64_t now)
{
	if (!a->exec_pend)
		return 0;
	int alive = rn_pid_alive(s, a, a->inner_pid);
	return alive > 0 || (alive < 0 && rn_since(now, a->exec_since) < RN_GRACE_NS);
}

/* The process image is over: every thread that held a ring is gone. */
static void rn_ar_finish(struct rn_session *s, struct rn_ar *a)
{
	const struct rn_arena_hdr *h = a->hdr;
	if (a->exec_pend)	/* no new image seen: result unknown */
		rn_exec_shown(s, a, UINT64_MAX);
	if (rn_load_acquire(&h->exited)) {
		a->proc.exit_code = h->exit_code;
		a->proc.has_exit = 1;
	} else if (s->root_status_known && a->proc.pid == s->root_pid && !a->execd &&
		   !a->proc.parent_arena_id) {
		int st = s->root_status;
		if ((st & 0x7f) == 0) {
			a->proc.exit_code = (st >> 8) & 0xff;
			a->proc.has_exit = 1;
		} else if ((st & 0x7f) != 0x7f) {
			a->proc.term_signal = st & 0x7f;
		}
	}
	uint64_t last = 0;
	for (uint32_t i = 0; i < a->nrings; i++)
		if (a->thr[i].last_exit_ns > last)
			last = a->thr[i].last_exit_ns;
	a->proc.t_end_ns = last > a->proc.t_start_ns ? last : rn_real_ns();
	if (!a->execd)
		return;
	/* Our exec is recorded (the held record was just queued): the image
	 * it made may already be known, or is yet to be seen. Either way its
	 * own account of the exec is then dropped (rn_drop_known_execs). */
	for (struct rn_ar *b = s->arenas; b; b = b->next)
		if (b != a && b->state == RN_AR_LIVE && b->proc.prev_arena_id == a->proc.arena_id) {
			b->exec_seen = 1;
			return;
		}
	if (s->nexecwait < RN_EXECWAIT_MAX)
		s->execwait[s->nexecwait++] = (struct rn_execwait){
			h->pid, h->pidns, a->proc.exec_gen + 1, rn_mono_ns(), a->proc.arena_id,
			a->proc.pid != a->inner_pid ? a->proc.pid : 0
		};
}

/* Looks at every ring's owner; returns 1 when the arena's process ended. */
static int rn_ar_check_live(struct rn_session *s, struct rn_ar *a, uint64_t now)
{
	struct rn_arena_hdr *h = a->hdr;
	int alive = 0;
	int superseded = a->main ? a->main->superseded : a->superseded;
	for (uint32_t i = 0; i < a->nrings; i++) {
		struct rn_ring *r = rn_arena_ring(h, i);
		struct rn_thr *t = &a->thr[i];
		uint32_t st = rn_load_acquire(&r->state);
		if (st == RN_RING_ACTIVE) {
			if (!t->tid)
				t->tid = r->tid;
			if (rn_ring_owner(r) == RN_OWNER_ALIVE && !superseded)
				alive = 1;
			else
				rn_thread_ended(s, a, i);
		} else if (st == RN_RING_CLAIMING) {
			/* a thread between winning the ring and locking it; if it
			 * died there the ring is stuck: free it after a grace */
			if (!t->claiming_since)
				t->claiming_since = now;
			if (rn_since(now, t->claiming_since) < RN_GRACE_NS)
				alive = 1;
			else
				rn_thread_ended(s, a, i);
		} else {
			t->claiming_since = 0;
		}
	}
	if (alive)
		return 0;
	if (rn_load_acquire(&h->starting) && !superseded && !rn_load_acquire(&h->exited)) {
		/* a new thread has not claimed its ring yet */
		int pa = rn_pid_alive(s, a, h->pid);
		if (pa > 0 || (pa < 0 && rn_since(now, a->first_seen_ns) < 10 * RN_GRACE_NS))
			return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- pass */

/* Makes what the sinks were given durable, then writes the commit record
 * of this pass: the heads about to be published, the arenas whose end was
 * just announced. A failure costs exactly-once (a restart may repeat the
 * pass), never a record: said once. */
static void rn_commit_pass(struct rn_session *s)
{
	if (!s->commit)
		return;
	for (unsigned i = 0; i < s->nsinks; i++)
		if (s->sinks[i].flush)
			s->sinks[i].flush(&s->sinks[i]);
	int rc = 0, added = 0;
	for (struct rn_ar *a = s->arenas; a && !rc; a = a->next) {
		if (a->gone) {
			if (a->hdr)
				rc = rn_commit_add_ended(s->commit, a->hdr->id);
			added++;
			continue;
		}
		if (a->state != RN_AR_LIVE)
			continue;
		for (uint32_t i = 0; i < a->nrings && !rc; i++)
			if (a->thr[i].cons.head != rn_load_relaxed(&a->thr[i].cons.ring->head) ||
			    a->thr[i].free_at_end) {
				rc = rn_commit_add(s->commit, a->hdr->id, i, a->thr[i].cons.head);
				added++;
			}
	}
	/* an idle pass wrote nothing: the last record still holds */
	if (!rc && !added && s->stats.events == s->commit_events)
		return;
	s->commit_events = s->stats.events;
	if (!rc)
		rc = rn_commit_write(s->commit);
	if (rc && !s->commit_failed) {
		s->commit_failed = 1;
		fprintf(stderr, "renacer: cannot record what the output holds (%s): an exporter "
			"restarted after this may repeat records\n", strerror(-rc));
	}
}

/* Starts waiting arenas oldest first (by the creation time in their
 * header): a parent before its fork child, an image before the one that
 * replaced it by exec, so each finds the other already known. */
static void rn_start_waiting(struct rn_session *s, uint64_t now)
{
	/* an arena still waiting holds back, for this pass, the ones that
	 * name it as their fork parent */
	uint64_t held[64];
	unsigned nheld = 0;
	s->pass_no++;
	for (;;) {
		struct rn_ar *next = NULL;
		for (struct rn_ar *a = s->arenas; a; a = a->next)
			if (a->state == RN_AR_WAITING && a->tried != s->pass_no &&
			    (!next || a->hdr->t0_mono_ns < next->hdr->t0_mono_ns))
				next = a;
		if (!next)
			return;
		next->tried = s->pass_no;
		uint64_t parent = rn_load_relaxed(&next->hdr->parent_id);
		int blocked = 0;
		for (unsigned i = 0; i < nheld && parent; i++)
			blocked |= held[i] == parent;
		if (!blocked && rn_ar_try_start(s, next, now))
			next->gone = 1;
		if (next->state == RN_AR_WAITING && nheld < 64)
			held[nheld++] = rn_load_relaxed(&next->hdr->id);
	}
}

size_t rn_session_pass(struct rn_session *s)
{
	size_t n = 0;
	s->pressed = 0;
	rn_clock_refresh(&s->clock);
	rn_accept_pids(s);
	rn_maybe_scan(s);
	/* after discovery: no arena is younger than 'now' */
	uint64_t now = rn_mono_ns();
	int check = rn_since(now, s->last_live_ns) > RN_LIVE_EVERY_NS;
	if (check)
		s->last_live_ns = now;

	/* Drain everything first, then look for ends, then hand the whole
	 * pass to the sinks in time order, and only then announce the
	 * processes that ended: their last calls come before their end. */
	/* a sink with a full queue holds the records in the rings; while one
	 * could, a pass reads at most RN_PASS_HOLD_MAX records (the rest wait
	 * in the rings), so it never brings a queue far past its size */
	int hold = 0, can_hold = 0;
	for (unsigned i = 0; i < s->nsinks; i++) {
		can_hold |= s->sinks[i].ready != NULL;
		if (s->sinks[i].ready && !s->sinks[i].ready(&s->sinks[i]))
			hold = 1;
	}
	s->holding = hold;
	rn_start_waiting(s, now);
	for (struct rn_ar *a = s->arenas; a; a = a->next) {
		if (a->state != RN_AR_LIVE)
			continue;
		/* every pass, even while holding the drain: --on-full=block
		 * waits on this, and a slow export must not look like a dead
		 * exporter */
		rn_store_relaxed(&a->hdr->heartbeat_ns, now);
		if (hold)
			continue;
		for (uint32_t i = 0; i < a->nrings && a->state == RN_AR_LIVE; i++) {
			if (rn_load_relaxed(&a->thr[i].cons.ring->state) == RN_RING_FREE)
				continue;
			if (!a->thr[i].tid)
				a->thr[i].tid = a->thr[i].cons.ring->tid;
			if (can_hold && n >= RN_PASS_HOLD_MAX)
				break;
			n += rn_drain_ring(s, a, &a->thr[i]);
		}
	}
	if (check) {
		int died = 0;
		for (struct rn_ar *a = s->arenas; a; a = a->next) {
			a->all_dead = (a->state == RN_AR_LIVE || a->state == RN_AR_CORRUPT) &&
				      a->thr && rn_ar_check_live(s, a, now);
			died |= a->all_dead;
		}
		/* Whatever a process started before it ended is in the directory
		 * by now (its child made its arena before the parent could reap
		 * it and die): start those before announcing the end, so a
		 * child is never announced after its parent is gone. */
		if (died) {
			rn_accept_pids(s);
			rn_scan_dir(s);
			rn_start_waiting(s, now);
		}
		/* a process ends when its arena and every extension of it
		 * have no live thread left */
		for (struct rn_ar *x = s->arenas; x; x = x->next)
			if (x->main && !x->all_dead)
				x->main->all_dead = 0;
		for (struct rn_ar *a = s->arenas; a; a = a->next) {
			if (a->main)
				continue;
			if (a->all_dead && a->state == RN_AR_LIVE && rn_ar_awaits_root_status(s, a))
				a->all_dead = 0;
			if (a->all_dead && a->state == RN_AR_LIVE && rn_exec_awaits_image(s, a, now))
				a->all_dead = 0;
			if (a->all_dead) {
				if (a->state == RN_AR_LIVE)
					rn_ar_finish(s, a);
				a->gone = 1;
			} else if (a->state == RN_AR_CORRUPT && !a->thr &&
				   rn_since(now, a->first_seen_ns) > 2 * RN_MAGIC_WAIT_NS) {
				a->gone = 1;
			}
		}
		for (struct rn_ar *x = s->arenas; x; x = x->next)
			if (x->main && x->main->gone)
				x->gone = 1;
	}
	rn_flush_events(s);
	/* a held fork of a process that ended is shown before it goes */
	for (unsigned h = 0; h < s->nheld; h++)
		if (s->held[h].m->gone) {
			rn_flush_events(s);
			h = (unsigned)-1;
		}
	for (struct rn_ar *a = s->arenas; a; a = a->next)
		if (a->gone && a->started)
			rn_dispatch_proc(s, a, 1);
	/* the output is complete up to here: say so before the rings hear
	 * it (docs/ARCHITECTURE.md, "Exactly once across a restart") */
	rn_commit_pass(s);
	for (struct rn_ar **pp = &s->arenas; *pp;) {
		struct rn_ar *a = *pp;
		if (!a->gone) {
			/* publish heads once per pass, after the sinks are done */
			if (a->state == RN_AR_LIVE)
				for (uint32_t i = 0; i < a->nrings; i++) {
					if (a->thr[i].cons.head != rn_load_relaxed(&a->thr[i].cons.ring->head))
						rn_cons_publish(&a->thr[i].cons);
					rn_ring_give_back(&a->thr[i]);
				}
			pp = &a->next;
			continue;
		}
		*pp = a->next;
		rn_ar_free(s, a, 1);
	}
	/* extensions were marked with their main: none can point to a freed one */

	/* Exec'd images that never showed up. A new image may have run and
	 * ended before we saw its arena: its file exists all the same (made
	 * before it could die), so look in the directory before giving up. */
	int scanned = 0;
	for (unsigned i = 0; i < s->nexecwait;) {
		struct rn_execwait *w = &s->execwait[i];
		int alive = -1;
		if (w->pidns == s->pidns && s->pidns)
			alive = kill(w->pid, 0) == 0 || errno == EPERM;
		else if (w->outer > 0)	/* another namespace: the pid it told us */
			alive = kill(w->outer, 0) == 0 || errno == EPERM;
		int expired = alive == 0 || (alive < 0 && rn_since(now, w->since_ns) > RN_GRACE_NS);
		if (expired && !scanned) {
			rn_scan_dir(s);
			scanned = 1;
		}
		for (struct rn_ar *a = s->arenas; expired && a; a = a->next)
			if (a->state == RN_AR_WAITING && a->hdr->pid == w->pid &&
			    a->hdr->pidns == w->pidns)
				expired = 0;	/* here: the next pass starts it */
		if (expired)
			s->execwait[i] = s->execwait[--s->nexecwait];
		else
			i++;
	}
	return n;
}

int rn_session_idle(const struct rn_session *s)
{
	/* a rejected file whose rings we could not even read is nobody we
	 * could wait for */
	for (const struct rn_ar *a = s->arenas; a; a = a->next)
		if (a->state != RN_AR_CORRUPT || a->thr)
			return 0;
	return !s->nexecwait;
}

void rn_session_wait(struct rn_session *s, int timeout_ms, int extra_fd)
{
	(void)s;
	struct pollfd p = { extra_fd, POLLIN, 0 };
	poll(&p, 1, timeout_ms);
}

int rn_session_open(struct rn_session *s, const char *dir, const struct rn_session_cfg *cfg)
{
	memset(s, 0, sizeof *s);
	s->dir = dir;
	s->sinks = cfg->sinks;
	s->nsinks = cfg->nsinks;
	s->keep_files = cfg->keep_files;
	s->allow_uids = cfg->allow_uids;
	s->nallow_uids = cfg->nallow_uids;
	s->redact = cfg->redact;
	s->commit = cfg->commit;
	s->uid = getuid();
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return -errno;
	struct stat st;
	if (stat("/proc/self/ns/pid", &st) == 0)
		s->pidns = st.st_ino;
	s->evcap = RN_PASS_MAX_EVENTS;
	s->evs = calloc(s->evcap, sizeof *s->evs);
	s->keys = calloc(s->evcap, sizeof *s->keys);
	s->scratch_cap = 2u << 20;
	s->scratch = malloc(s->scratch_cap);
	s->pidmap = calloc(RN_PIDMAP_MAX, sizeof *s->pidmap);
	if (!s->evs || !s->keys || !s->scratch || !s->pidmap) {
		free(s->evs);
		free(s->keys);
		free(s->scratch);
		free(s->pidmap);
		close(s->dirfd);
		return -ENOMEM;
	}
	/* the launcher made it before the program started; a daemon now */
	s->pidsock = rn_pids_fd;
	if (s->pidsock < 0) {
		s->pidsock = rn_session_pids_socket(dir);
		s->pidsock_owned = s->pidsock >= 0;	/* removed at close */
		if (s->pidsock < 0)
			s->pidsock = -1;
	}
	rn_clock_init(&s->clock);
	rn_scan_dir(s);
	return 0;
}

void rn_session_status(const struct rn_session *s, struct rn_session_status *out)
{
	memset(out, 0, sizeof *out);
	out->stats = s->stats;
	for (const struct rn_ar *a = s->arenas; a; a = a->next) {
		out->procs_live += a->state == RN_AR_LIVE && !a->main;
		out->arenas_waiting += a->state == RN_AR_WAITING;
	}
}

/* ,"in_call":[{"pid":P,"tid":T,"call":"accept","for_ms":N},...]: what each
 * live thread of a traced process is in now (as it published at entry),
 * as many as fit, then "in_call_more":N. Empty when no thread is in a call. */
void rn_session_in_calls(const struct rn_session *s, char *buf, size_t cap)
{
	size_t len = 0;
	unsigned more = 0;
	uint64_t now = rn_real_ns();
	buf[0] = '\0';
	for (const struct rn_ar *a = s->arenas; a; a = a->next) {
		if (a->state != RN_AR_LIVE)
			continue;
		const struct rn_proc *p = a->main ? &a->main->proc : &a->proc;
		for (uint32_t i = 0; i < a->nrings; i++) {
			const struct rn_ring *r = rn_arena_ring(a->hdr, i);
			uint16_t fn;
			uint64_t ticks;
			if (rn_load_acquire(&r->state) != RN_RING_ACTIVE || !rn_ring_inflight(r, &fn, &ticks))
				continue;
			uint64_t t = rn_clock_unix(&s->clock, a->clock, ticks);
			int n = snprintf(buf + len, cap - len,
					 "%s{\"pid\":%d,\"tid\":%d,\"call\":\"%s\",\"func\":\"%s\",\"for_ms\":%llu}",
					 len ? "," : ",\"in_call\":[", p->pid, (int)rn_load_relaxed(&r->tid),
					 rn_fns[fn].sys, rn_fns[fn].func, (unsigned long long)(now > t ? (now - t) / 1000000u : 0));
			if (n < 0 || (size_t)n >= cap - len - 32) {
				buf[len] = '\0';
				more++;
				continue;
			}
			len += (size_t)n;
		}
	}
	if (len)
		len += (size_t)snprintf(buf + len, cap - len, "]");
	if (more)
		snprintf(buf + len, cap - len, ",\"in_call_more\":%u", more);
}

size_t rn_session_sink_status(const struct rn_session *s, char *buf, size_t cap)
{
	size_t n = 0;
	if (cap)
		buf[0] = '\0';
	for (unsigned i = 0; i < s->nsinks && n + 1 < cap; i++)
		if (s->sinks[i].status)
			n += s->sinks[i].status(&s->sinks[i], buf + n, cap - n);
	return n;
}

void rn_session_close(struct rn_session *s)
{
	s->closing = 1;	/* nothing is held past the last flush */
	rn_scan_dir(s);
	rn_session_pass(s);
	/* read what is left everywhere, end what has ended, then free: an
	 * extension's events point at its main arena's process */
	uint64_t now = rn_mono_ns();
	for (struct rn_ar *a = s->arenas; a; a = a->next) {
		if (a->state != RN_AR_LIVE)
			continue;
		for (uint32_t i = 0; i < a->nrings; i++) {
			rn_drain_ring(s, a, &a->thr[i]);
			rn_account_lost(s, a, &a->thr[i], rn_arena_ring(a->hdr, i));
		}
		a->all_dead = rn_ar_check_live(s, a, now);
	}
	for (struct rn_ar *x = s->arenas; x; x = x->next)
		if (x->main && !x->all_dead)
			x->main->all_dead = 0;
	for (struct rn_ar *a = s->arenas; a; a = a->next)
		if (!a->main && a->state == RN_AR_LIVE && a->all_dead)
			rn_ar_finish(s, a);
	rn_flush_events(s);
	for (struct rn_ar *a = s->arenas; a; a = a->next) {
		a->gone = a->main ? a->main->all_dead : a->all_dead;
		if (!a->main && a->state == RN_AR_LIVE && a->all_dead && a->started)
			rn_dispatch_proc(s, a, 1);
	}
	rn_commit_pass(s);
	for (struct rn_ar *a = s->arenas; a; a = a->next)
		if (a->state == RN_AR_LIVE)
			for (uint32_t i = 0; i < a->nrings; i++) {
				rn_cons_publish(&a->thr[i].cons);
				rn_ring_give_back(&a->thr[i]);
			}
	for (struct rn_ar *a = s->arenas, *next; a; a = next) {
		next = a->next;
		rn_ar_free(s, a, a->gone || !s->keep_files);
	}
	s->arenas = NULL;
	for (unsigned i = 0; i < s->nsinks; i++) {
		if (s->sinks[i].finish)
			s->sinks[i].finish(&s->sinks[i], &s->stats);
	}
	free(s->evs);
	free(s->keys);
	free(s->scratch);
	free(s->pidmap);
	for (unsigned i = 0; i < s->nnotes; i++)
		close(s->notes[i].fd);
	if (s->pidsock >= 0)
		close(s->pidsock);
	if (s->pidsock_owned)
		unlinkat(s->dirfd, RN_PIDS_SOCKET, 0);
	rn_pids_fd = -1;
	close(s->dirfd);
}
