/* drain.c: reading the rings of live arenas: copying and validating each
 * record, queueing it as an event, holding exec and exit records until
 * their outcome is known, sorting the events of a pass by start time and
 * flushing them to the sinks.
 *
 * Everything read from a ring is copied before it is checked and checked
 * before it is used. It must never publish a ring head (session.c does,
 * after the commit) nor decide that a thread or process ended (ends.c).
 */
#include "session_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
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
#include <time.h>
#include <unistd.h>

#include "commit.h"
#include "decode/decode.h"
#include "decode/decode_fmt.h"
#include "fdtable.h"
#include "redact.h"
#include "stack/stack.h"

/* ------------------------------------------------------------ dispatch */

void rn_dispatch_proc(struct rn_session *s, struct rn_ar *a, int end)
{
	if (end && s->fdt)
		rn_fdt_proc_end(s->fdt, &a->proc);
	for (unsigned i = 0; i < s->nsinks; i++) {
		struct rn_sink *k = &s->sinks[i];
		int (*fn)(struct rn_sink *, const struct rn_proc *) = end ? k->proc_end : k->proc_start;
		/* after a restart, an end the files hold already: the durable
		 * sinks' only (as a replayed event) */
		if (fn && !(end && a->end_files && !k->durable))
			fn(k, &a->proc);
	}
	/* an end given counts in the durable sinks' counts (sink.h): the
	 * arena stays until they made it durable */
	if (end)
		a->end_given = ++s->given;
}

static int rn_key_cmp(const void *x, const void *y)
{
	const struct rn_evkey *a = x, *b = y;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;	/* stable: ring order on ties */
}


/* Sends the pass's events, in start-time order, to every sink. */

void rn_flush_events(struct rn_session *s)
{
	rn_translate_pass(s);
	rn_drop_known_execs(s);
	int order = 0;
	for (unsigned i = 0; i < s->nsinks; i++)
		order |= s->sinks[i].wants_order;
	if (s->redact)	/* once, for every sink alike */
		rn_redact_events(s->redact, s->evs, s->nev);
	rn_stack_resolve(s->evs, s->nev);	/* -k: frames, once for every sink */
	/* sort small keys, not the events, and only for sinks that print */
	for (size_t e = 0; e < s->nev; e++)
		s->keys[e] = (struct rn_evkey){ rn_reorder_key(&s->evs[e]), (uint32_t)e };
	size_t nkeys = s->nev;
	if (order && s->nev > 1) {
		qsort(s->keys, s->nev, sizeof *s->keys, rn_key_cmp);
		/* -z/-Z: the outcome decides whether a call shows at all */
		if (s->halves)	/* (reorder.c: a sink shows halves, no -z/-Z/-P) */
			nkeys += rn_reorder_split_overlaps(s);
		if (nkeys > s->nev)
			qsort(s->keys, nkeys, sizeof *s->keys, rn_key_cmp);
	}
	size_t replays = 0, signals = 0;
	for (size_t e = 0; e < nkeys; e++) {
		if (s->keys[e].i & RN_KEY_ENTRY) {	/* the entry half of a split call */
			const struct rn_event *w = &s->evs[s->keys[e].i & ~RN_KEY_ENTRY];
			if (s->nuw)
				rn_reorder_before(s, w, s->keys[e].t);
			if (s->endq_next < s->nendq)
				rn_reorder_ends_until(s, s->keys[e].t);
			rn_reorder_entry_half(s, w->proc, w->tid, w->fn, w->t_enter_ns);
			continue;
		}
		struct rn_event *ev = &s->evs[s->keys[e].i];
		/* after a restart: in the files already, not yet durable in
		 * the durable sinks (sink.h): theirs only */
		const struct rn_evpos *p = &s->evpos[s->keys[e].i];
		replays += p->replay;
		/* -y, -P: the descriptor table learns from every call, shown
		 * or not; -P: not on the path, hidden as -z hides below */
		int on_path = s->fdt ? rn_fdt_event(s->fdt, ev) : 1;
		if (!on_path || (s->status_mask && !rn_reorder_status_ok(s, ev))) {
			/* -z, -Z, -e status=: no sink sees it; its ring is
			 * durable once what came before it is */
			if (s->has_durable && p->t)
				rn_mark(p->t, s->given, p->head);
			continue;
		}
		if (s->nuw)	/* a long call other lines now come after */
			rn_reorder_before(s, ev, s->keys[e].t);
		if (s->endq_next < s->nendq)	/* processes that ended before it */
			rn_reorder_ends_until(s, s->keys[e].t);
		/* -tt never goes backwards (reorder.c): after the lines that
		 * go out before it, whose noise is hidden against the line
		 * before them, not against this one */
		if (order)
			rn_reorder_monotone(s, ev);
		for (unsigned i = 0; i < s->nsinks; i++)
			if (!p->replay || s->sinks[i].durable)
				s->sinks[i].event(&s->sinks[i], ev);
		s->given++;	/* what the sinks were given: their durable
				 * counts (ends given meanwhile count too) */
		signals += (ev->flags & RN_EV_SIGNAL) && !p->replay;
		/* its ring is durable up to its end once this event is */
		if (s->has_durable && p->t)
			rn_mark(p->t, s->given, p->head);
	}
	if (s->nev)
		for (unsigned i = 0; i < s->nsinks; i++)
			if (s->sinks[i].flush)
				s->sinks[i].flush(&s->sinks[i]);
	/* a long pass (many full rings, a slow sink, a sanitizer build)
	 * must not look like a dead exporter to a program waiting for room
	 * (--on-full=block gives up on a heartbeat RENACER_BLOCK_WAIT_MS old) */
	uint64_t now = rn_mono_ns();
	for (struct rn_ar *a = s->arenas; a; a = a->next)
		if (a->state == RN_AR_LIVE)
			rn_store_relaxed(&a->hdr->heartbeat_ns, now);
	/* the figure says calls: a signal line is not one */
	s->stats.events += s->nev - replays - signals;
	s->nev = 0;
	s->scratch_used = 0;
}

uint8_t *rn_scratch(struct rn_session *s, size_t n)
{
	if (s->scratch_used + n > s->scratch_cap)
		return NULL;
	uint8_t *p = s->scratch + s->scratch_used;
	s->scratch_used += n;
	return p;
}

uint8_t *rn_scratch_pend(struct rn_session *s, const struct rn_pend *p)
{
	uint8_t *ext = rn_scratch(s, p->ext_len);
	if (!ext) {	/* the pass's scratch is full: send what it holds */
		rn_flush_events(s);
		ext = rn_scratch(s, p->ext_len);
	}
	memcpy(ext, p->ext, p->ext_len);
	return ext;
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
int rn_queue(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
		    const struct rn_rec *rec, const uint8_t *ext, uint32_t ext_len, uint8_t evflags)
{
	if (s->nev == s->evcap)
		rn_flush_events(s);
	struct rn_event *ev = &s->evs[s->nev];
	if (rn_decode(rec, ext, ext_len, ev))
		return -1;
	rn_reorder_split(t, rec, ev);
	rn_spawn_give(s, a, t, rec, ev);	/* system, popen: the child's pid */
	const struct rn_ar *m = a->main ? a->main : a;
	ev->proc = &m->proc;
	ev->tid = rn_thread_tid(s, a, t);
	ev->flags = evflags;
	/* arena, ring, position: what a re-read of the same record repeats */
	ev->rec_id = rn_rec_identity(a->hdr->id, (uint32_t)(t - a->thr), t->seq);
	struct rn_evpos *p = &s->evpos[s->nev];
	p->replay = (t->seq & ~(1ull << 63)) < t->replay_end;
	/* a record read now (not a held one, not a blocked call's stand-in)
	 * marks where its ring's next record starts */
	p->t = t >= a->thr && t < a->thr + a->nrings && !(t->seq >> 63) ? t : NULL;
	p->head = t->seq + 1 + rn_rec_nconts(ext_len);
	ev->t_enter_ns = rn_clock_unix(&s->clock, a->clock, rec->t_enter);
	ev->t_exit_ns = (evflags & RN_EV_UNFINISHED) ? ev->t_enter_ns
						     : rn_clock_unix(&s->clock, a->clock, rec->t_exit);
	if (ev->t_exit_ns < ev->t_enter_ns)
		ev->t_exit_ns = ev->t_enter_ns;
	if (ev->t_exit_ns > t->last_exit_ns)
		t->last_exit_ns = ev->t_exit_ns;
	struct rn_ar *mm = a->main ? a->main : a;
	if (ev->t_exit_ns > mm->last_ns)
		mm->last_ns = ev->t_exit_ns;
	s->nev++;
	return 0;
}

/* Sends a held exec or exit record as an unfinished call, no earlier than
 * anything its thread did before it really happened. */
void rn_queue_pend(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
			  struct rn_pend **pp)
{
	struct rn_pend *p = *pp;
	if (!p)
		return;
	uint8_t *ext = rn_scratch_pend(s, p);
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

/* ------------------------------------------------------ raw counting */

/* Rows whose plain record a sink may count without a decoded event:
 * everything but the calls that make, name or replace processes (their
 * events teach the pid map, spawn results and exec tracking: pidmap.c,
 * arenas.c) and syscall(2), whose name is in its first argument. */
static int rn_raw_row(uint16_t fn)
{
	static uint8_t ok[RN_NFUNCS];	/* 0 unknown, 1 no, 2 yes */
	if (rn_unlikely(!ok[fn])) {
		const struct rn_fn_info *fi = &rn_fns[fn];
		int no = fi->nr < 0 || (fi->ntypes && fi->types[0] == RN_ARG_SYSNO) ||
			 (rn_fn_classes(fn) & RN_CLASS_PROCESS) || (fi->cls & RN_CLASS_PROCESS) ||
			 rn_fmt_row_spawns(fi) || fi->ret == RN_RET_NORET;
		ok[fn] = no ? 1 : 2;
	}
	return ok[fn] == 2;
}

int rn_drain_raw_ok(struct rn_session *s)
{
	if (s->fdt || s->status_mask || s->has_durable || s->closing)
		return 0;
	int any = 0;
	for (unsigned i = 0; i < s->nsinks; i++) {
		struct rn_sink *k = &s->sinks[i];
		if (k->call)
			any = 1;
		else if (!k->idle || !k->idle(k))
			return 0;
	}
	return any;
}

/* Gives one plain call to the sinks' call(). */
static void rn_raw_call(struct rn_session *s, const struct rn_ar *a, const struct rn_rec *rec)
{
	uint64_t d = rec->t_exit > rec->t_enter
			     ? rn_clock_span(&s->clock, a->clock, rec->t_exit - rec->t_enter)
			     : 0;
	for (unsigned i = 0; i < s->nsinks; i++)
		if (s->sinks[i].call)
			s->sinks[i].call(&s->sinks[i], rec->fn, rec->err, rec->ret, d);
	s->stats.events++;
}

/* ---------------------------------------------------------------- rings */

/* Reads every complete record of one ring (all of it when 'all'). Returns
 * the records read; a ring found corrupt marks its arena corrupt. */
size_t rn_drain_ring(struct rn_session *s, struct rn_ar *a, struct rn_thr *t)
{
	struct rn_cons *c = &t->cons;
	uint64_t avail = rn_cons_avail(c);
	if (avail == UINT64_MAX)
		goto corrupt;
	if (avail > rn_ring_high_water(a->cap))
		s->pressed = 1;	/* a quarter full: no rest before the next pass */
	if ((double)avail / a->cap > s->fill_max)	/* for rn_drain_sleep */
		s->fill_max = (double)avail / a->cap;
	uint64_t i = 0, raw_last = 0;
	size_t n = 0;
	while (i < avail) {
		/* a sink's room is used up (rn_pass_room): the rest wait */
		if (n == s->take)
			break;
		struct rn_rec rec;
		memcpy(&rec, rn_cons_slot(c, i), sizeof rec);	/* one read of shared bytes */
		/* later than the watermark: it waits in its ring (reorder.c) */
		if (!rn_reorder_take(s, a, t, &rec))
			break;
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
		} else if (s->raw && !rec.flags && !rec.ext_len && rn_raw_row(rec.fn)) {
			/* counted as it lies, no event made (rn_drain_raw_ok);
			 * what the reorder window tracks of a call still holds */
			struct rn_event split;
			rn_reorder_split(t, &rec, &split);
			if (t->seq >= t->replay_end)	/* the files have it */
				rn_raw_call(s, a, &rec);
			if (rec.t_exit > raw_last)
				raw_last = rec.t_exit;
		} else if (rec.flags & RN_REC_DURABLE_NOTE) {
			/* a child this process started runs untraced (a note
			 * no file could carry); after a restart, the files
			 * that hold it already do not get it again */
			if (t->seq >= t->replay_end)
				bad = rn_session_untraced(s, (int32_t)(uint32_t)rec.arg[0], 0,
							  (uint32_t)rec.arg[1], 0) != 0;
		} else if (rec.flags & RN_REC_META) {
			/* -k: an object the image loaded (exporter/stack/) */
			bad = rn_modules_note(a->main ? a->main->proc.arena_id : a->proc.arena_id, &rec,
					      ext, rec.ext_len) == -1;
		} else if (rec.flags & RN_REC_SIGNAL) {
			/* a signal delivered to a handler; -e signal= shows some */
			if (rn_signal_shown(s, rec.arg[0]))
				bad = rn_queue(s, a, t, &rec, ext, rec.ext_len, RN_EV_SIGNAL);
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
				uint8_t *pe = rn_scratch_pend(s, p);
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
					       ((rec.flags & RN_REC_TRAPPED) ? RN_EV_TRAPPED : 0) |
					       ((rec.flags & RN_REC_INJECTED) ? RN_EV_INJECTED : 0));
		}
		if (bad)
			s->stats.corrupt++;
		i += 1 + nconts;
		n++;
	}
	rn_cons_consume(c, i);
	if (s->take != SIZE_MAX)
		s->take -= n;
	if (raw_last) {	/* as rn_queue keeps them, once per ring */
		uint64_t ns = rn_clock_unix(&s->clock, a->clock, raw_last);
		struct rn_ar *mm = a->main ? a->main : a;
		if (ns > t->last_exit_ns)
			t->last_exit_ns = ns;
		if (ns > mm->last_ns)
			mm->last_ns = ns;
	}
	return n;
corrupt:
	if (a->state != RN_AR_CORRUPT)
		rn_note(a->name, "ring indices are impossible; skipping this process");
	a->state = RN_AR_CORRUPT;
	s->stats.corrupt++;
	return 0;
}

void rn_account_lost(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
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

/* ------------------------------------------------------------ sleeping */

/* The longest sleep on the bells: what a producer that cannot ring (a
 * sandboxed one) or an arena made meanwhile waits at most, and how often
 * ends, the launcher and the control socket are looked at while the
 * rings are quiet. */
#define RN_BELL_SLEEP_MAX_NS 10000000ull
#define RN_BELL_SLEEP_MIN_NS 1000000ull

/* How long the rings may be left alone: at the fill rate of the last
 * pass, the busiest one reaches half its capacity (a producer that
 * rings does so at a quarter; one that cannot must not fill up). */
static uint64_t rn_sleep_ns(const struct rn_session *s)
{
	uint64_t d = RN_BELL_SLEEP_MAX_NS;
	if (s->fill_max > 0 && s->pass_ns > s->prev_pass_ns && s->prev_pass_ns) {
		double t = (double)(s->pass_ns - s->prev_pass_ns) * 0.5 / s->fill_max;
		if (t < (double)d)
			d = (uint64_t)t;
	}
	return d < RN_BELL_SLEEP_MIN_NS ? RN_BELL_SLEEP_MIN_NS : d;
}

/* Stores 'z' in the sleep word of every ring of the live arenas. */
static void rn_sleep_mark(struct rn_session *s, uint32_t z)
{
	for (struct rn_ar *a = s->arenas; a; a = a->next)
		if (a->state == RN_AR_LIVE)
			for (uint32_t i = 0; i < a->nrings; i++)
				rn_store_release(&a->thr[i].cons.ring->sleep, z);
}

static int rn_no_waitv;	/* the kernel has no futex_waitv */

int rn_drain_sleep(struct rn_session *s, int extra_fd)
{
	struct futex_waitv w[FUTEX_WAITV_MAX];
	unsigned n = 0, nlive = 0;
	if (rn_no_waitv)
		return 0;
	for (struct rn_ar *a = s->arenas; a; a = a->next) {
		if (a->state == RN_AR_WAITING)
			return 0;	/* starts at the next pass: poll */
		if (a->state != RN_AR_LIVE)
			continue;
		nlive++;
		if (n + a->nrings > FUTEX_WAITV_MAX)
			return 0;
		/* every ring, free ones too: a thread may claim one meanwhile */
		for (uint32_t i = 0; i < a->nrings; i++) {
			uint32_t *bell = &a->thr[i].cons.ring->bell;
			/* acquire: read before our sleep number is stored (ring.h) */
			w[n++] = (struct futex_waitv){ .val = rn_load_acquire(bell),
						       .uaddr = (uintptr_t)bell,
						       .flags = FUTEX_32 };
		}
	}
	/* none to wait on, or a process or thread just came whose next
	 * arena (a new process, an extension for more threads) could not
	 * ring us: poll until the set holds still */
	int same = nlive == s->nlive_slept;
	s->nlive_slept = nlive;
	if (!n || !same)
		return 0;
	if (!++s->sleep_no)
		s->sleep_no = 1;
	rn_sleep_mark(s, s->sleep_no);
	/* our sleep stores before the loads of the tails below: a producer
	 * past the mark either is seen here or sees the sleep number */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	int past = 0;
	for (struct rn_ar *a = s->arenas; a && !past; a = a->next)
		if (a->state == RN_AR_LIVE)
			for (uint32_t i = 0; i < a->nrings && !past; i++) {
				const struct rn_cons *c = &a->thr[i].cons;
				uint64_t used = rn_load_acquire(&c->ring->tail) - c->head;
				past = used > rn_ring_high_water(a->cap) && used <= a->cap;
			}
	/* past the mark already: records the pass left (a sink holds, the
	 * reorder window waits) would ring nobody; poll as before */
	struct pollfd p = { extra_fd, POLLIN, 0 };
	int rc = 0;
	if (past) {
		rn_sleep_mark(s, 0);
		return 0;
	}
	if (extra_fd < 0 || poll(&p, 1, 0) == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t at = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + rn_sleep_ns(s);
		ts.tv_sec = (time_t)(at / 1000000000ull);
		ts.tv_nsec = (long)(at % 1000000000ull);
		rc = (int)syscall(SYS_futex_waitv, w, n, 0, &ts, CLOCK_MONOTONIC);
	}
	rn_sleep_mark(s, 0);
	if (rc < 0 && errno == ENOSYS) {
		rn_no_waitv = 1;	/* before Linux 5.16: poll from now on */
		return 0;
	}
	return 1;
}
