/* ends.c: noticing when threads and processes end: rings whose thread
 * is gone, execs that succeeded or await their new image, the root
 * process and its exit status, and finishing an image that is over.
 *
 * It only looks whether a thread or process is still there: it must never
 * block on, signal or otherwise touch the traced processes beyond the
 * shared memory they gave us.
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

/* Thread t's exec succeeded (its thread ended, or the new image is here):
 * the record moves to its process's exec_pend, shown with its result once
 * the new image is seen (rn_exec_shown). */
void rn_exec_succeeded(struct rn_session *s, struct rn_ar *a, struct rn_thr *t)
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
 * still in and its held exec/exit, and give the ring back. Returns 1 when
 * records later than the window's watermark, or past the room a sink has
 * left this pass (rn_pass_room), are left: the end waits for them, a
 * later pass ends it. */
static int rn_thread_ended(struct rn_session *s, struct rn_ar *a, uint32_t i)
{
	struct rn_ring *r = rn_arena_ring(a->hdr, i);
	struct rn_thr *t = &a->thr[i];
	if (a->state == RN_AR_LIVE) {
		rn_drain_ring(s, a, t);
		uint64_t left = rn_cons_avail(&t->cons);
		uint64_t now = rn_mono_ns();
		if (!t->end_wait_ns)
			t->end_wait_ns = now;
		if (a->state == RN_AR_LIVE && left && left != UINT64_MAX) {
			if (rn_since(now, t->end_wait_ns) < RN_END_WAIT_NS)
				return 1;
			/* whatever holds the window (or a sink's full queue)
			 * waits for this end: read on */
			uint64_t wm = s->wm;
			size_t take = s->take;
			s->wm = UINT64_MAX;
			s->take = SIZE_MAX;
			rn_drain_ring(s, a, t);
			s->wm = wm;
			s->take = take;
		}
	}
	t->end_wait_ns = 0;
	rn_account_lost(s, a, t, r);
	uint16_t fn;
	uint64_t ticks;
	if (a->state == RN_AR_LIVE && rn_ring_inflight(r, &fn, &ticks) &&
	    !(t->shown && ticks == t->shown_ticks)) {
		/* (a call whose "<unfinished ...>" is out already: nothing
		 * more to say about it) */
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
	/* the process ends with its last thread's last call, not when we
	 * notice: kept past the ring's reuse */
	struct rn_ar *m = a->main ? a->main : a;
	if (t->last_exit_ns > m->last_end_ns)
		m->last_end_ns = t->last_exit_ns;
	t->tid = 0;
	t->shown_tid = 0;
	t->last_exit_ns = 0;
	t->claiming_since = 0;
	t->unf_state = RN_UNF_NONE;
	t->shown = 0;
	t->sp_held = 0;
	t->free_at_end = 1;
	return 0;
}

/* End of pass, after the commit: publish the head of a ring whose thread
 * ended, then give the ring back for another thread. */
void rn_ring_give_back(struct rn_thr *t)
{
	/* and only once its records are durable in every sink: a restarted
	 * exporter reads them again from this ring */
	if (!t->free_at_end || t->dur_head != t->cons.head)
		return;
	t->free_at_end = 0;
	rn_cons_publish(&t->cons);
	t->cons.ring->tid = 0;
	rn_store_release(&t->cons.ring->state, RN_RING_FREE);
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
int rn_ar_awaits_root_status(const struct rn_session *s, const struct rn_ar *a)
{
	return s->root_pid && a->proc.pid == s->root_pid && !a->proc.parent_arena_id &&
	       !a->execd && !rn_load_acquire(&a->hdr->exited) && !s->root_status_known &&
	       !s->root_done;
}

/* The reason (enum rn_note_why) the image this one exec'd runs untraced,
 * and RN_EXEC_NOTED when a note file says so; 0 when it is traced. Read
 * from shared memory: anything else than a known reason is 0. */
static uint32_t rn_exec_untraced(const struct rn_ar *a)
{
	uint32_t v = rn_load_acquire(&a->hdr->exec_untraced), why = v & 0xff;
	if ((v & ~(0xffu | RN_EXEC_NOTED)) || why < RN_NOTE_STATIC || why > RN_NOTE_SANDBOX)
		return 0;
	return v;
}

/* An image whose exec succeeded ends once the new image is seen (whose
 * start shows the exec's result) or can no longer come: its pid is gone
 * (or, when we cannot tell, a grace period passed). */
int rn_exec_awaits_image(const struct rn_session *s, const struct rn_ar *a, uint64_t now)
{
	if (!a->exec_pend)
		return 0;
	if (rn_exec_untraced(a))
		return 0;	/* the new image runs untraced: none will come */
	int alive = rn_pid_alive(s, a, a->inner_pid);
	return alive > 0 || (alive < 0 && rn_since(now, a->exec_since) < RN_GRACE_NS);
}

/* The process image is over: every thread that held a ring is gone. */
void rn_ar_finish(struct rn_session *s, struct rn_ar *a)
{
	const struct rn_arena_hdr *h = a->hdr;
	/* set until an exec succeeded (whether or not it is recorded) */
	uint32_t un = rn_exec_untraced(a);
	/* no new image seen: result unknown, unless it runs untraced (its
	 * time is then unknown: shown as the call's entry) */
	if (a->exec_pend)
		rn_exec_shown(s, a, un ? 0 : UINT64_MAX);
	if (rn_load_acquire(&h->exited)) {
		a->proc.exit_code = h->exit_code;
		a->proc.has_exit = 1;
	} else if (s->root_status_known && a->proc.pid == s->root_pid && !a->execd &&
		   !a->superseded && !a->proc.parent_arena_id) {
		/* (a superseded image exec'd, even when the exec was filtered
		 * out: the status is its last image's, said once) */
		int st = s->root_status;
		if ((st & 0x7f) == 0) {
			a->proc.exit_code = (st >> 8) & 0xff;
			a->proc.has_exit = 1;
		} else if ((st & 0x7f) != 0x7f) {
			a->proc.term_signal = st & 0x7f;
		}
	}
	/* every thread's last call, extensions' too, and threads that ended */
	uint64_t last = a->last_ns > a->last_end_ns ? a->last_ns : a->last_end_ns;
	uint64_t now = rn_real_ns();
	for (uint32_t i = 0; i < a->nrings; i++)
		if (a->thr[i].last_exit_ns > last)
			last = a->thr[i].last_exit_ns;
	if (a->proc.has_exit) {
		/* exit() noted the time (untrusted: never past now) */
		uint64_t x = rn_clock_unix(&s->clock, a->clock, rn_load_relaxed(&h->exit_ticks));
		if (x > last && x <= now)
			last = x;
	}
	a->proc.t_end_ns = last > a->proc.t_start_ns ? last : now;
	/* no note file could say it; after a restart, the files say it
	 * already when they hold the end */
	if (un && !(un & RN_EXEC_NOTED) && !a->end_files)
		rn_session_untraced(s, a->proc.pid, 0, un & 0xff, 0);
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
int rn_ar_check_live(struct rn_session *s, struct rn_ar *a, uint64_t now)
{
	struct rn_arena_hdr *h = a->hdr;
	int alive = 0;
	int superseded = a->main ? a->main->superseded : a->superseded;
	for (uint32_t i = 0; i < a->nrings; i++) {
		struct rn_ring *r = rn_arena_ring(h, i);
		struct rn_thr *t = &a->thr[i];
		uint32_t st = rn_load_acquire(&r->state);
		if (t->free_at_end)
			continue;	/* ended, waiting to be given back */
		if (st == RN_RING_ACTIVE) {
			if (!t->tid)
				t->tid = r->tid;
			if (rn_ring_owner(r) == RN_OWNER_ALIVE && !superseded)
				alive = 1;
			else if (rn_thread_ended(s, a, i))
				alive = 1;	/* its last records wait their turn */
		} else if (st == RN_RING_CLAIMING) {
			/* a thread between winning the ring and locking it; if it
			 * died there the ring is stuck: free it after a grace */
			if (!t->claiming_since)
				t->claiming_since = now;
			if (rn_since(now, t->claiming_since) < RN_GRACE_NS)
				alive = 1;
			else if (rn_thread_ended(s, a, i))
				alive = 1;
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
