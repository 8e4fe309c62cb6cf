/* session.c: the exporter's session: opening and closing it, the pass
 * loop (drain, notice ends, hand events to the sinks, commit, publish
 * heads) and status accessors (see session.h and docs/ARCHITECTURE.md).
 * The jobs themselves live in drain.c, arenas.c, ends.c and pidmap.c.
 *
 * It must never block on, signal or otherwise touch the traced processes
 * beyond the shared memory they gave us, and never publish a ring head
 * before the pass's output is committed.
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

/* ---------------------------------------------------------------- pass */

/* rn_mark (session_priv.h): a ring keeps at most RN_MARKS, a step apart. */
void rn_mark(struct rn_thr *t, uint64_t given, uint64_t head)
{
	/* positions run free: compared by their distance past dur_head */
	uint64_t d = head - t->dur_head;
	if (!d || d > UINT64_MAX / 2)
		return;	/* at or behind the durable head (a held record) */
	uint64_t last = t->nmarks ? t->mark[t->nmarks - 1].head - t->dur_head : 0;
	if (d <= last) {
		/* given out of ring order (the sort by start time): the marks
		 * past this record wait for its event too */
		for (unsigned k = t->nmarks; k-- && t->mark[k].head - t->dur_head >= d;)
			if (t->mark[k].given < given)
				t->mark[k].given = given;
		return;
	}
	struct rn_mark m = { given, head };
	uint64_t before = t->nmarks > 1 ? t->mark[t->nmarks - 2].head - t->dur_head : 0;
	/* marks stay a step apart: the last one moves on until it is one
	 * step past the one before, or when there is no room (later,
	 * never wrong) */
	if (t->nmarks && (last - before < t->mark_step || t->nmarks == RN_MARKS))
		t->mark[t->nmarks - 1] = m;
	else
		t->mark[t->nmarks++] = m;
}

/* One arena's rings (see rn_pass_durable); returns 1 when it asks the
 * durable sinks to hurry. An arena whose end was announced is durable,
 * and goes, once its rings and its end are. */
static int rn_ar_durable(struct rn_session *s, struct rn_ar *a, uint64_t w, uint64_t w_end)
{
	int free = 0, waiting = 0, hurry = 0, all = 1;
	for (uint32_t i = 0; i < a->nrings; i++) {
		struct rn_thr *t = &a->thr[i];
		free += rn_load_relaxed(&t->cons.ring->state) == RN_RING_FREE;
		waiting |= t->free_at_end && t->dur_head != t->cons.head;
		if (!s->has_durable) {
			t->dur_head = t->cons.head;
			continue;
		}
		/* records read without an event (held, malformed) */
		rn_mark(t, s->given, t->cons.head);
		unsigned k = 0;
		while (k < t->nmarks && t->mark[k].given <= w)
			t->dur_head = t->mark[k++].head;
		if (k) {
			memmove(t->mark, t->mark + k, (t->nmarks - k) * sizeof *t->mark);
			t->nmarks -= k;
		}
		if ((t->cons.head - t->dur_head) * 4 > a->cap)
			hurry = 1;
		all &= t->dur_head == t->cons.head;
	}
	/* a ring whose thread ended goes back only once durable: when
	 * no other is free, a new thread would need a new arena */
	if (waiting && !free)
		hurry = 1;
	a->end_durable = all && a->end_given <= w_end;
	if (a->gone && all && !a->end_durable && !a->rings_freed) {
		/* only its end waits (a process span held for its parent,
		 * which may be long): the rings' memory goes back now, the
		 * header stays for a restart (reads of the range see zeros) */
		uint64_t ro, dof;	/* from our validated copies, not the header */
		rn_arena_size(a->nrings, a->cap, &ro, &dof);
		uintptr_t base = (uintptr_t)a->hdr, from = base + (uintptr_t)dof;
		from = (from + 4095) & ~(uintptr_t)4095;
		if (from < base + a->size)
			madvise((void *)from, base + a->size - from, MADV_REMOVE);
		a->rings_freed = 1;
	}
	/* an ended arena holds its file until then */
	return hurry || (a->gone && !all);
}

/* The durable heads (docs/ARCHITECTURE.md, "Durable heads"): each event
 * given marked its ring's position after its record with the number of
 * events given by then (rn_flush_events), and the end of this pass marks
 * each ring's file head; a mark becomes the ring's durable head once
 * every sink with a durable callback says that many are durable (a
 * process end given counts as one). Without such a sink (or without a
 * commit record, when no restart reads them) the durable head is the
 * file head. A ring a quarter full of records not durable yet, an arena
 * whose every ring is taken while one waits to be given back, or an
 * ended arena kept for its records, asks those sinks to hurry. */
static void rn_pass_durable(struct rn_session *s)
{
	uint64_t w = s->given;
	if (s->has_durable)
		for (unsigned i = 0; i < s->nsinks; i++)
			if (s->sinks[i].durable) {
				uint64_t n = s->sinks[i].durable(&s->sinks[i], s->hurry);
				if (n < w)
					w = n;
			}
	/* ends: not past an end whose output a sink holds back */
	uint64_t w_end = w;
	if (s->has_durable)
		for (unsigned i = 0; i < s->nsinks; i++)
			if (s->sinks[i].durable && s->sinks[i].durable_ends) {
				uint64_t n = s->sinks[i].durable_ends(&s->sinks[i]);
				if (n < w_end)
					w_end = n;
			}
	s->hurry = 0;
	s->durable_w = w;
	for (struct rn_ar *a = s->arenas; a; a = a->next)
		if (a->state == RN_AR_LIVE)
			s->hurry |= rn_ar_durable(s, a, w, w_end);
	for (struct rn_ar *a = s->linger; a; a = a->next)
		s->hurry |= rn_ar_durable(s, a, w, w_end);
}

/* 1 when an ended arena stays until the durable sinks made it durable. */
static int rn_ar_lingers(const struct rn_session *s, const struct rn_ar *a)
{
	return a->gone && a->state == RN_AR_LIVE && s->has_durable && !a->end_durable;
}

/* The commit entries of arena a's rings: those whose heads differ, whose
 * durable head is not the published one yet, or given back this pass. */
static int rn_commit_rings(struct rn_session *s, struct rn_ar *a)
{
	int rc = 0;
	for (uint32_t i = 0; i < a->nrings && !rc; i++) {
		struct rn_thr *t = &a->thr[i];
		/* a ring given back this pass: its heads as they stand */
		if (t->cons.head != t->dur_head ||
		    t->dur_head != rn_load_relaxed(&t->cons.ring->head) || t->free_at_end)
			rc = rn_commit_add(s->commit, a->hdr->id, i, t->cons.head, t->dur_head);
	}
	return rc;
}

/* An ended arena's entries: its end was announced; to every sink
 * durably (a restart removes it), or to the files only while the durable
 * sinks still lack its records or its end (a restart gives those to them
 * again: its rings' heads too). */
static int rn_commit_end(struct rn_session *s, struct rn_ar *a)
{
	if (!a->hdr)
		return 0;
	if (!rn_ar_lingers(s, a))
		return rn_commit_add_ended(s->commit, a->hdr->id);
	int rc = rn_commit_rings(s, a);
	return rc ? rc : rn_commit_add_files_ended(s->commit, a->hdr->id);
}

static int rn_rings_changed(const struct rn_ar *a)
{
	int changed = 0;
	for (uint32_t i = 0; a->state == RN_AR_LIVE && i < a->nrings; i++) {
		const struct rn_thr *t = &a->thr[i];
		changed |= t->cons.head != t->c_head || t->dur_head != t->c_dur ||
			   (t->free_at_end && t->dur_head == t->cons.head);
	}
	return changed;
}

/* Makes what the sinks were given durable, then writes the commit record
 * of this pass: for every ring whose heads differ, its file head and the
 * durable head about to be published; the arenas whose end was just
 * announced, and those kept until durable. A failure costs exactly-once
 * (a restart may repeat the pass), never a record: said once. */
static void rn_commit_pass(struct rn_session *s)
{
	if (!s->commit) {
		rn_pass_durable(s);	/* the file heads: nothing to wait for */
		return;
	}
	for (unsigned i = 0; i < s->nsinks; i++)
		if (s->sinks[i].flush)
			s->sinks[i].flush(&s->sinks[i]);
	rn_pass_durable(s);
	int rc = 0, changed = 0;
	for (struct rn_ar *a = s->arenas; a && !changed; a = a->next)
		changed |= a->gone || rn_rings_changed(a);
	for (struct rn_ar *a = s->linger; a && !changed; a = a->next)
		changed |= a->end_durable || rn_rings_changed(a);
	/* an idle pass wrote nothing: the last record still holds */
	if (!changed && s->stats.events == s->commit_events)
		return;
	for (struct rn_ar *a = s->arenas; a && !rc; a = a->next) {
		if (a->gone)
			rc = rn_commit_end(s, a);
		else if (a->state == RN_AR_LIVE)
			rc = rn_commit_rings(s, a);
	}
	for (struct rn_ar *a = s->linger; a && !rc; a = a->next)
		rc = rn_commit_end(s, a);
	s->commit_events = s->stats.events;
	if (!rc)
		rc = rn_commit_write(s->commit);
	for (int l = 0; l < 2 && !rc; l++)
		for (struct rn_ar *a = l ? s->linger : s->arenas; a; a = a->next)
			for (uint32_t i = 0; a->state == RN_AR_LIVE && (!a->gone || rn_ar_lingers(s, a)) &&
					     i < a->nrings; i++) {
				a->thr[i].c_head = a->thr[i].cons.head;
				a->thr[i].c_dur = a->thr[i].dur_head;
			}
	if (rc && !s->commit_failed) {
		s->commit_failed = 1;
		fprintf(stderr, "renacer: cannot record what the output holds (%s): an exporter "
			"restarted after this may repeat records\n", strerror(-rc));
	}
}

/* A sink with a full queue holds the records in the rings; while one
 * could, a pass reads at most the room its sinks have left, and never
 * more than RN_PASS_HOLD_MAX records (the rest wait in the rings), so it
 * never brings a queue past its size and no sink waits inside a pass
 * (the heartbeat is beaten between passes). Sets s->holding; returns
 * the records the pass may read, SIZE_MAX when no sink can hold. */
static size_t rn_pass_room(struct rn_session *s)
{
	size_t take = SIZE_MAX;
	for (unsigned i = 0; i < s->nsinks; i++) {
		if (!s->sinks[i].ready)
			continue;
		int room = s->sinks[i].ready(&s->sinks[i]);
		if (take > RN_PASS_HOLD_MAX)
			take = RN_PASS_HOLD_MAX;
		if (room <= 0)
			take = 0;
		else if ((size_t)room < take)
			take = (size_t)room;
	}
	s->holding = !take;
	return take;
}

/* Beats every live arena's heartbeat and, unless a sink holds, drains its
 * rings, 'take' records at most. Returns the number of records read. */
static size_t rn_pass_drain(struct rn_session *s, uint64_t now, size_t take)
{
	size_t n = 0;
	s->take = take;
	int hold = s->holding;
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
			if (!s->take)
				break;
			n += rn_drain_ring(s, a, &a->thr[i]);
		}
	}
	return n;
}

/* Looks for ends: marks every arena whose process is over 'gone'. */
static void rn_pass_ends(struct rn_session *s, uint64_t now)
{
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

/* Sends the pass's events, then the ends of the processes that are gone. */
static void rn_pass_show(struct rn_session *s)
{
	/* each end goes out among the pass's events at its time (reorder.c) */
	rn_reorder_ends_begin(s);
	rn_flush_events(s);
	/* a held fork of a process that ended is shown before it goes */
	for (unsigned h = 0; h < s->nheld; h++)
		if (s->held[h].m->gone) {
			rn_flush_events(s);
			h = (unsigned)-1;
		}
	rn_reorder_ends_until(s, UINT64_MAX);
}

/* Publishes the durable heads of arena a's rings; gives back those whose
 * thread ended once durable. */
static void rn_ar_publish(struct rn_ar *a)
{
	for (uint32_t i = 0; i < a->nrings; i++) {
		struct rn_thr *t = &a->thr[i];
		/* only what every sink made durable (the commit record has
		 * both heads) */
		if (t->dur_head != rn_load_relaxed(&t->cons.ring->head))
			rn_store_release(&t->cons.ring->head, t->dur_head);
		rn_ring_give_back(t);
	}
}

/* Publishes the heads of the arenas that stay; frees those that are gone,
 * or moves them to s->linger while the durable sinks still lack their
 * records or their end; frees those of s->linger that are durable now. */
static void rn_pass_publish(struct rn_session *s)
{
	for (struct rn_ar **pp = &s->linger; *pp;) {
		struct rn_ar *a = *pp;
		if (!a->end_durable) {
			rn_ar_publish(a);
			pp = &a->next;
			continue;
		}
		*pp = a->next;
		rn_ar_free(s, a, 1);
	}
	for (struct rn_ar **pp = &s->arenas; *pp;) {
		struct rn_ar *a = *pp;
		if (a->gone && rn_ar_lingers(s, a)) {
			/* off the list: nothing reads, ends or finds it again */
			rn_ar_publish(a);
			*pp = a->next;
			a->next = s->linger;
			s->linger = a;
			continue;
		}
		if (!a->gone) {
			/* publish heads once per pass, after the sinks are done */
			if (a->state == RN_AR_LIVE)
				rn_ar_publish(a);
			pp = &a->next;
			continue;
		}
		*pp = a->next;
		rn_ar_free(s, a, 1);
	}
}

/* Exec'd images that never showed up. A new image may have run and
 * ended before we saw its arena: its file exists all the same (made
 * before it could die), so look in the directory before giving up. */
static void rn_pass_execwait(struct rn_session *s, uint64_t now)
{
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
}

size_t rn_session_pass(struct rn_session *s)
{
	s->pressed = 0;
	s->fill_max = 0;
	s->prev_pass_ns = s->pass_ns;
	s->pass_ns = rn_mono_ns();
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
	size_t take = rn_pass_room(s);
	s->raw = rn_drain_raw_ok(s);
	rn_reorder_mark(s);	/* before anything is drained this pass */
	rn_start_waiting(s, now);
	size_t n = rn_pass_drain(s, now, take);
	if (check)	/* the room left bounds what ended threads left too */
		rn_pass_ends(s, now);
	s->take = SIZE_MAX;	/* outside a pass's bound: whole rings */
	rn_pass_show(s);
	/* the output is complete up to here: say so before the rings hear
	 * it (docs/ARCHITECTURE.md, "Exactly once across a restart") */
	rn_commit_pass(s);
	rn_pass_publish(s);
	/* extensions were marked with their main: none can point to a freed one */
	rn_pass_execwait(s, now);
	return n;
}

size_t rn_session_flush(struct rn_session *s)
{
	size_t n = rn_session_pass(s);
	for (unsigned i = 0; i < s->nsinks; i++)
		if (s->sinks[i].flush)
			s->sinks[i].flush(&s->sinks[i]);
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
	/* rings whose producers ring past the high-water mark need no
	 * polling while they are quiet */
	if (rn_drain_sleep(s, extra_fd))
		return;
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
	s->status_mask = cfg->status_mask;
	s->fdt = cfg->fdt;
	s->whole = cfg->whole;
	s->take = SIZE_MAX;	/* no pass under way: read whole rings */
	s->signal_filter = cfg->signal_filter;
	s->signal_set = cfg->signal_set;
	s->uid = getuid();
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return -errno;
	struct stat st;
	if (stat("/proc/self/ns/pid", &st) == 0)
		s->pidns = st.st_ino;
	s->evcap = RN_PASS_MAX_EVENTS;
	s->evs = calloc(s->evcap, sizeof *s->evs);
	s->keys = calloc(2 * s->evcap, sizeof *s->keys);
	s->evpos = calloc(s->evcap, sizeof *s->evpos);
	for (unsigned i = 0; i < s->nsinks; i++)
		s->has_durable |= s->commit && s->sinks[i].durable;
	s->scratch_cap = 2u << 20;
	s->scratch = malloc(s->scratch_cap);
	s->pidmap = calloc(RN_PIDMAP_MAX, sizeof *s->pidmap);
	if (!s->evs || !s->keys || !s->evpos || !s->scratch || !s->pidmap) {
		free(s->evs);
		free(s->keys);
		free(s->evpos);
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
	/* the end: the sinks' finish (below) delivers, spools or counts what
	 * is not durable yet. Until it returns, an ended arena whose records
	 * or end are not durable keeps its file and its durable heads, as the
	 * commit record says: an exporter killed in the final export leaves
	 * them to its successor, which gives them to the durable sinks again.
	 * A process still running has its heads published now (its spans
	 * are cut at the end: docs/RELIABILITY.md). */
	for (struct rn_ar *a = s->arenas; a; a = a->next) {
		if (a->state != RN_AR_LIVE)
			continue;
		if (rn_ar_lingers(s, a)) {
			rn_ar_publish(a);
			continue;
		}
		for (uint32_t i = 0; i < a->nrings; i++) {
			a->thr[i].dur_head = a->thr[i].cons.head;
			rn_cons_publish(&a->thr[i].cons);
			rn_ring_give_back(&a->thr[i]);
		}
	}
	for (unsigned i = 0; i < s->nsinks; i++) {
		if (s->sinks[i].finish)
			s->sinks[i].finish(&s->sinks[i], &s->stats);
	}
	/* everything given is durable now (delivered, spooled or counted):
	 * say so before the files go, so that a kill meanwhile repeats
	 * nothing */
	int kept = 0;
	for (int l = 0; l < 2; l++)
		for (struct rn_ar *a = l ? s->linger : s->arenas; a; a = a->next)
			if (rn_ar_lingers(s, a)) {
				a->end_durable = kept = 1;
				if (rn_commit_add_ended(s->commit, a->hdr->id))
					kept = -1;
			}
	if (kept > 0)
		rn_commit_write(s->commit);
	for (struct rn_ar *a = s->arenas, *next; a; a = next) {
		next = a->next;
		rn_ar_free(s, a, a->gone || !s->keep_files);
	}
	s->arenas = NULL;
	for (struct rn_ar *a = s->linger, *next; a; a = next) {
		next = a->next;
		rn_ar_free(s, a, 1);
	}
	s->linger = NULL;
	rn_reorder_free(s);
	free(s->evs);
	free(s->keys);
	free(s->evpos);
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
