/* reorder.c: the window that puts the lines of every process and thread
 * in time order (docs/ARCHITECTURE.md, "Order across rings").
 *
 * The rings are the window. Before each drain a watermark is taken: the
 * earliest start a record not yet in any ring may have (the entry of the
 * call a ring's owner is in, fork included; a held exec or exit record; an
 * arena not started yet; else the pass's "now"). The drain reads only records that start at or before it, the
 * pass sorts them and sends them: so what leaves a ring is exactly what is
 * emitted this pass, and the ring heads published after the commit never
 * cover a record that was not written out (exactly-once is untouched). The
 * window costs no memory of its own; its latency is bounded because a call
 * in flight longer than RN_UNF_AFTER_NS stops holding the watermark (it is
 * shown "<unfinished ...>" if another line comes after its entry) and a
 * ring half full is read regardless (order gives way before records are
 * lost; counted in reorder_forced).
 *
 * It must never publish a ring head, never hold a record outside its ring
 * across passes, and never trust what it reads in shared memory.
 */
#include "session_priv.h"

#include <stdlib.h>
#include <string.h>

/* a call in flight this long stops holding the others back */
#define RN_UNF_AFTER_NS 20000000ull
/* an arena not started yet holds the window this long at most */
#define RN_WAITING_HOLD_NS 50000000ull
#define RN_UNFWAIT_MAX 256

/* The same ticks converted in two passes may differ by a few hundred
 * nanoseconds (each pass takes a new reference pair and refines the
 * rate): a line that would go back by less than this is shown at the
 * time of the line before it. Anything further back is left as it is. */
#define RN_CLOCK_NOISE_NS 50000ull

/* A thread in a long call this pass. */
struct rn_unfwait {
	struct rn_thr *t;
	const struct rn_proc *proc;
	int32_t tid;		/* as its events show it */
};

static uint64_t rn_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* A held record's start, or UINT64_MAX. */
static uint64_t rn_pend_ns(const struct rn_session *s, const struct rn_ar *a,
			   const struct rn_pend *p)
{
	return p ? rn_clock_unix(&s->clock, a->clock, p->rec.t_enter) : UINT64_MAX;
}

/* Takes the ring's tail afresh (what is in the ring is what the drain of
 * this pass may read) and looks at the records that came since the last
 * look for an exec or exit record, which is held once drained, and for a
 * system() or popen() record, which waits in the ring for its child
 * (spawns.c): the earliest start the two hold back, or UINT64_MAX. The
 * look stops at a spawn record that waits (it is looked at again next
 * pass). Reads record headers only, each once; checks every length. */
static uint64_t rn_ring_peek(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
			     uint64_t now)
{
	uint64_t spawn = UINT64_MAX;
	struct rn_cons *c = &t->cons;
	if (t->noret && t->noret_seq < c->head)
		t->noret = 0;	/* drained: held now, counted as such */
	uint64_t tail = rn_load_acquire(&c->ring->tail);
	if (tail - c->head <= c->mask + 1) {
		c->tail_cache = tail;
		uint64_t avail = tail - c->head;
		uint64_t i = t->peeked > c->head && t->peeked - c->head <= avail ? t->peeked - c->head : 0;
		while (i < avail) {
			const struct rn_rec *r = rn_cons_slot(c, i);
			uint16_t ext_len = r->ext_len;
			uint8_t flags = r->flags;
			uint64_t t_enter = r->t_enter;
			if (ext_len > RN_EXT_MAX)
				break;	/* corrupt: the drain says so */
			uint16_t fn = r->fn;
			if (rn_spawn_wants_child(fn)) {
				struct rn_rec rec;
				memcpy(&rec, r, sizeof rec);
				rec.fn = fn;	/* as checked */
				spawn = rn_spawn_hold(s, a, t, c->head + i, &rec, now);
				if (spawn != UINT64_MAX)
					break;
			}
			if ((flags & RN_REC_NORET) && !t->noret) {
				t->noret = 1;
				t->noret_seq = c->head + i;
				t->noret_ticks = t_enter;
			}
			i += 1 + rn_rec_nconts(ext_len);
		}
		t->peeked = c->head + (i < avail ? i : avail);
	}
	/* converted with this pass's reference, as the drain will */
	return rn_min(spawn, t->noret ? rn_clock_unix(&s->clock, a->clock, t->noret_ticks)
				      : UINT64_MAX);
}

/* Records the producer of r dropped so far (full, or a signal handler
 * came mid-write). */
static uint64_t rn_ring_drops(const struct rn_ring *r)
{
	return rn_load_relaxed(&r->lost) + rn_load_relaxed(&r->nested);
}

/* Thread t is in a long call, or back from one whose record is not read
 * yet: its entry half goes out before the first line after it. */
static void rn_unf_wait(struct rn_session *s, const struct rn_ar *a, struct rn_thr *t)
{
	const struct rn_ar *m = a->main ? a->main : a;
	if (!t->tid)
		t->tid = t->cons.ring->tid;
	int32_t tid = t->tid && t->tid == m->inner_pid ? m->proc.pid : t->tid;
	if (s->nuw < RN_UNFWAIT_MAX)
		s->uw[s->nuw++] = (struct rn_unfwait){ t, &m->proc, tid };
}

/* The earliest start the rings of one arena may still give us (now_ns:
 * the pass's reference, unix ns; now: mono ns). */
static uint64_t rn_arena_mark(struct rn_session *s, struct rn_ar *a, uint64_t now_ns, uint64_t now)
{
	uint64_t wm = rn_pend_ns(s, a, a->exec_pend);
	for (uint32_t i = 0; i < a->nrings; i++) {
		struct rn_thr *t = &a->thr[i];
		struct rn_ring *r = t->cons.ring;
		wm = rn_min(wm, rn_pend_ns(s, a, t->pend_exec));
		wm = rn_min(wm, rn_pend_ns(s, a, t->pend_exit));
		if (rn_load_relaxed(&r->state) == RN_RING_FREE) {
			t->pending_since = 0;	/* its next owner starts afresh */
			continue;
		}
		/* Records already in the ring are known: they hold nothing back,
		 * except an exec or exit, which is held until its outcome is
		 * known. What is not known is the record of the call its owner
		 * is in (a thread's next call starts after its last one ended). */
		/* the call first, then the tail: the shim clears the call
		 * only after its record is in the tail (ring.h), so one of
		 * the two is seen */
		uint16_t fn;
		uint64_t ticks;
		uint32_t cf = rn_load_acquire(&r->cur_fn);
		int inflight = rn_ring_inflight(r, &fn, &ticks);
		wm = rn_min(wm, rn_ring_peek(s, a, t, now));
		if (!inflight && (cf == RN_CUR_PENDING || rn_load_relaxed(&r->cur_fn) == RN_CUR_PENDING)) {
			/* entering a call, its time not read yet: that time is
			 * past the watermark of the last pass that saw it in no
			 * call, so the window stays where it was (ring.h). Not
			 * for longer than a call in flight holds it: a handler
			 * that longjmp'ed out of those few instructions leaves
			 * the word so until the thread's next call */
			if (!t->pending_since)
				t->pending_since = now ? now : 1;
			if (rn_since(now, t->pending_since) < RN_UNF_AFTER_NS)
				wm = rn_min(wm, s->wm);
			continue;
		}
		t->pending_since = 0;
		if (!inflight) {
			/* it came back: its entry is still shown if a line
			 * goes out after it before its record does (the
			 * record waits for that: rn_reorder_take) */
			if (t->unf_state == RN_UNF_SEEN)
				rn_unf_wait(s, a, t);
			continue;
		}
		uint64_t at = rn_clock_unix(&s->clock, a->clock, ticks);
		if (t->shown && t->shown_ticks == ticks)
			continue;	/* its entry half is out: it holds nothing */
		if (t->shown && rn_ring_drops(r) != t->shown_lost)
			t->shown = 0;	/* moved on, and its record may be lost */
		if (t->unf_state == RN_UNF_SEEN && t->unf_ticks != ticks)
			t->unf_state = RN_UNF_NONE;	/* another call since */
		if (at > now_ns || now_ns - at < RN_UNF_AFTER_NS) {
			wm = rn_min(wm, at);	/* a short call: wait for it */
			/* but lines may still go out past it (a thread with a
			 * held exec or exit reads on, a ring half full is read
			 * regardless): listed, its entry half goes before them */
			if (!s->halves)
				continue;
		}
		/* a long one: the others go on; its entry is shown when the
		 * first line after it is */
		if (t->unf_state == RN_UNF_NONE) {
			t->unf_state = RN_UNF_SEEN;
			t->unf_ticks = ticks;
			t->unf_ns = at;
			t->unf_fn = fn;
		}
		if (t->unf_state == RN_UNF_SEEN)
			rn_unf_wait(s, a, t);
	}
	return wm;
}

void rn_reorder_mark(struct rn_session *s)
{
	s->nuw = 0;
	s->halves = 0;
	for (unsigned i = 0; i < s->nsinks; i++)
		s->halves |= s->sinks[i].wants_split && !s->status_mask && !s->whole;
	if (!s->uw)
		s->uw = calloc(RN_UNFWAIT_MAX, sizeof *s->uw);
	/* closing, or a pass whose sinks only count (s->raw): no order */
	if (s->closing || s->raw || !s->uw) {
		s->wm = UINT64_MAX;
		return;
	}
	/* the reference taken at the start of the pass: a record not in its
	 * ring by now started after it, or its thread is in a call */
	uint64_t now_ns = rn_clock_unix(&s->clock, RN_CLOCK_MONO, s->clock.mono_ref);
	uint64_t now = rn_mono_ns();
	uint64_t wm = now_ns;
	/* an arena file still being made, whose creation time we cannot read
	 * yet: the watermark stays where it was */
	uint64_t prev = s->wm;
	if (s->scan_unsure && prev < wm)
		wm = prev;
	s->scan_unsure = 0;
	for (struct rn_ar *a = s->arenas; a; a = a->next) {
		if (a->state == RN_AR_WAITING) {
			/* not started: its calls come after its creation */
			if (rn_since(now, a->first_seen_ns) >= RN_WAITING_HOLD_NS)
				continue;
			if (rn_load_relaxed(&a->hdr->t0_mono_ns))
				wm = rn_min(wm, rn_clock_unix(&s->clock, RN_CLOCK_MONO,
							      a->hdr->t0_mono_ns));
			else if (prev < wm)
				wm = prev;
			continue;
		}
		if (a->state != RN_AR_LIVE)
			continue;
		wm = rn_min(wm, rn_arena_mark(s, a, now_ns, now));
	}
	for (unsigned h = 0; h < s->nheld; h++)
		wm = rn_min(wm, s->held[h].ev.t_enter_ns);
	s->wm = wm;
}

int rn_reorder_take(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
		    const struct rn_rec *rec)
{
	if (s->wm == UINT64_MAX)
		return 1;
	/* a thread with a held exec or exit goes on reading its own ring: what
	 * it did after (exit handlers, a failed exec's aftermath) must not
	 * wait for the held record, which waits for the thread's end */
	if (t->pend_exit || t->pend_exec)
		return 1;
	uint64_t k = rn_clock_unix(&s->clock, a->clock, rec->t_enter);
	int second = t->shown && rec->t_enter == t->shown_ticks;
	if (second)	/* its entry half is out: it goes at its return */
		k = rn_clock_unix(&s->clock, a->clock, rec->t_exit);
	/* A call whose return is past the watermark waits, when a sink shows
	 * halves: a line of a later pass may start inside it, and needs its
	 * entry half first, which goes out before the first line after its
	 * entry (rn_reorder_before); once shown, its key is its return. */
	if (k <= s->wm && s->halves && !second &&
	    rn_clock_unix(&s->clock, a->clock, rec->t_exit) > s->wm) {
		if (t->unf_state == RN_UNF_NONE || t->unf_ticks != rec->t_enter) {
			int listed = t->unf_state == RN_UNF_SEEN;
			t->unf_state = RN_UNF_SEEN;
			t->unf_ticks = rec->t_enter;
			t->unf_ns = k;
			t->unf_fn = rec->fn;
			if (!listed)
				rn_unf_wait(s, a, t);
		}
		k = UINT64_MAX;
	}
	if (k <= s->wm)
		return 1;
	/* half full: read on rather than lose records */
	uint64_t avail = rn_cons_avail(&t->cons);
	if (avail != UINT64_MAX && avail * 2 > (uint64_t)a->cap) {
		s->reorder_forced++;
		return 1;
	}
	return 0;
}

void rn_reorder_split(struct rn_thr *t, const struct rn_rec *rec, struct rn_event *ev)
{
	ev->split = RN_SPLIT_NONE;
	if (t->shown && rec->t_enter == t->shown_ticks && rec->fn == t->shown_fn) {
		ev->split = RN_SPLIT_RESUMED;
		t->shown = 0;
	}
	/* (a record of another call may be its signal handler's: wait on) */
	if (t->unf_state == RN_UNF_SEEN && rec->t_enter == t->unf_ticks && rec->fn == t->unf_fn)
		t->unf_state = RN_UNF_NONE;
}

uint64_t rn_reorder_key(const struct rn_event *ev)
{
	return ev->split == RN_SPLIT_RESUMED ? ev->t_exit_ns : ev->t_enter_ns;
}

void rn_reorder_entry_half(struct rn_session *s, const struct rn_proc *p, int32_t tid,
			   uint16_t fn, uint64_t t_ns)
{
	struct rn_event m;
	memset(&m, 0, sizeof m);
	m.proc = p;
	m.tid = tid;
	m.fn = fn;
	m.flags = RN_EV_UNFINISHED;
	m.split = RN_SPLIT_ENTRY;
	/* the clock noise rn_reorder_monotone hides, hidden here too */
	if (t_ns < s->last_emit_ns && s->last_emit_ns - t_ns < RN_CLOCK_NOISE_NS)
		t_ns = s->last_emit_ns;
	if (t_ns > s->last_emit_ns)
		s->last_emit_ns = t_ns;
	m.t_enter_ns = m.t_exit_ns = t_ns;
	for (unsigned j = 0; j < s->nsinks; j++)
		if (s->sinks[j].wants_split)
			s->sinks[j].event(&s->sinks[j], &m);
}

/* A call other threads' lines start inside (between its entry and its
 * return) is shown in two halves, as strace does, when its return is
 * inside the window too: the entry half at its start, the whole call at
 * its return. This does not depend on whether a pass happened to see the
 * call in flight (rn_reorder_before splits those it saw). Takes the sorted keys;
 * adds an entry key per split call. Returns how many it added. */
size_t rn_reorder_split_overlaps(struct rn_session *s)
{
	size_t n = s->nev, extra = 0;
	for (size_t e = 0; e < n; e++) {
		struct rn_event *ev = &s->evs[s->keys[e].i];
		if (ev->split != RN_SPLIT_NONE || (ev->flags & RN_EV_UNFINISHED) ||
		    ev->t_exit_ns > s->wm)
			continue;	/* shown already, or its return may be followed
					 * by lines of a later pass */
		for (size_t f = e + 1; f < n && s->keys[f].t < ev->t_exit_ns; f++) {
			const struct rn_event *o = &s->evs[s->keys[f].i];
			if (o->proc == ev->proc && o->tid == ev->tid)
				continue;	/* its own signal handler's */
			ev->split = RN_SPLIT_RESUMED;
			s->keys[n + extra++] = (struct rn_evkey){ ev->t_enter_ns,
								  s->keys[e].i | RN_KEY_ENTRY };
			s->keys[e].t = ev->t_exit_ns;
			break;
		}
	}
	return extra;
}

/* Before ev goes out: the entry of every other thread's long call that
 * began before it, as "<unfinished ...>" (to the sinks that show halves). */
void rn_reorder_before(struct rn_session *s, const struct rn_event *ev, uint64_t k)
{
	if (s->status_mask || s->whole)
		return;	/* -z/-Z/-P: the outcome decides whether a call shows at all */
	for (;;) {
		/* the earliest entry first: the halves are lines too */
		unsigned i = s->nuw;
		for (unsigned j = 0; j < s->nuw; j++) {
			const struct rn_thr *c = s->uw[j].t;
			if (c->unf_state == RN_UNF_SEEN && c->unf_ns < k && s->uw[j].proc &&
			    !(ev->proc == s->uw[j].proc && ev->tid == s->uw[j].tid) &&
			    (i == s->nuw || c->unf_ns < s->uw[i].t->unf_ns))
				i = j;
		}
		if (i == s->nuw)
			break;
		struct rn_thr *t = s->uw[i].t;
		rn_reorder_entry_half(s, s->uw[i].proc, s->uw[i].tid, t->unf_fn, t->unf_ns);
		t->unf_state = RN_UNF_NONE;
		t->shown = 1;
		t->shown_fn = t->unf_fn;
		t->shown_ticks = t->unf_ticks;
		t->shown_lost = rn_ring_drops(t->cons.ring);
	}
}


void rn_reorder_monotone(struct rn_session *s, struct rn_event *ev)
{
	uint64_t k = rn_reorder_key(ev);
	if (k < s->last_emit_ns && s->last_emit_ns - k < RN_CLOCK_NOISE_NS) {
		uint64_t d = s->last_emit_ns - k;
		ev->t_enter_ns += d;
		ev->t_exit_ns += d;
		k = s->last_emit_ns;
	}
	if (k > s->last_emit_ns)
		s->last_emit_ns = k;
}

/* -z, -Z, -e status=: does ev's outcome show? (1 successful, 2 failed,
 * 4 unfinished: an exec or exit that did not return, a call still
 * blocked when its thread died) */
int rn_reorder_status_ok(const struct rn_session *s, const struct rn_event *ev)
{
	if (ev->flags & RN_EV_SIGNAL)
		return 1;	/* not a call: strace's -z shows signals too */
	unsigned what = (ev->flags & RN_EV_UNFINISHED) ? 4u : ev->err ? 2u : 1u;
	return (s->status_mask & what) != 0;
}

#define RN_ENDQ_MAX 1024

static int rn_end_cmp(const void *x, const void *y)
{
	const struct rn_ar *a = *(struct rn_ar *const *)x, *b = *(struct rn_ar *const *)y;
	if (a->proc.t_end_ns != b->proc.t_end_ns)
		return a->proc.t_end_ns < b->proc.t_end_ns ? -1 : 1;
	return a->proc.t_start_ns < b->proc.t_start_ns ? -1 : a->proc.t_start_ns > b->proc.t_start_ns;
}

/* The images that ended this pass, by end time: their "+++ exited" lines
 * go out among the pass's events (rn_reorder_ends_until), each after its
 * own last call and before anything that started after it ended. */
void rn_reorder_ends_begin(struct rn_session *s)
{
	s->nendq = s->endq_next = 0;
	if (!s->endq)
		s->endq = calloc(RN_ENDQ_MAX, sizeof *s->endq);
	for (struct rn_ar *a = s->arenas; a; a = a->next)
		if (a->gone && a->started) {
			if (s->endq && s->nendq < RN_ENDQ_MAX) {
				s->endq[s->nendq++] = a;
			} else {
				rn_dispatch_proc(s, a, 1);	/* no room: now */
			}
		}
	if (s->nendq > 1)
		qsort(s->endq, s->nendq, sizeof *s->endq, rn_end_cmp);
}

void rn_reorder_ends_until(struct rn_session *s, uint64_t key)
{
	while (s->endq_next < s->nendq && s->endq[s->endq_next]->proc.t_end_ns < key) {
		struct rn_ar *a = s->endq[s->endq_next++];
		/* its last call, converted in an earlier pass, may be shown a
		 * little later than its end converted now: the same noise as
		 * rn_reorder_monotone's, hidden the same way */
		uint64_t *t = &a->proc.t_end_ns;
		if (*t < s->last_emit_ns && s->last_emit_ns - *t < RN_CLOCK_NOISE_NS)
			*t = s->last_emit_ns;
		if (*t > s->last_emit_ns)
			s->last_emit_ns = *t;
		rn_dispatch_proc(s, a, 1);
	}
	if (s->endq_next == s->nendq)
		s->nendq = s->endq_next = 0;
}

void rn_reorder_free(struct rn_session *s)
{
	free(s->endq);
	s->endq = NULL;
	free(s->uw);
	s->uw = NULL;
	s->nuw = 0;
}
