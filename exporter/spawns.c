/* spawns.c: system() and popen() shown as the clone3 they make, with the
 * child's pid as strace shows it (decode/fmt_ret.c prints ev->spawn_pid).
 *
 * Neither call hands us the pid. Its child is a new image with no image
 * before it and no fork parent, whose parent is the caller, and which
 * started after the call's entry: inside the call for system (which waits
 * for it), maybe after its return for popen (which returns once the child
 * exec'd, before the shell's image made its arena). So the call's record
 * waits in its ring, the watermark just below it (reorder.c peeks at it),
 * until that image is seen, or known never to be: for system, when a
 * directory scan begun after the call returned found no such image (a
 * shell that made no arena: static, or one it could not make); for popen,
 * RN_SPAWN_WAIT_NS after the record was first looked at, and a scan
 * after that. Only then is "?" shown. Two threads of one process
 * spawning at the same moment may see their children swapped; nothing
 * else can be taken for a child.
 *
 * It must never hold a record at the session's close or past a ring half
 * full (reorder.c reads on: the pid is looked up once more, "?" if not
 * known), and it reads nothing of a child but what arenas.c validated.
 */
#include "session_priv.h"

#include "decode/decode_fmt.h"

/* popen: how long its child's image may take to appear */
#define RN_SPAWN_WAIT_NS 1000000000ull
/* the two processes' clocks, converted, may differ by this much */
#define RN_SPAWN_SLACK_NS 1000000ull

int rn_spawn_wants_child(uint16_t fn)
{
	if (fn >= RN_NFUNCS || !rn_fmt_row_spawns(&rn_fns[fn]) || rn_fns[fn].ret == RN_RET_ERRNUM)
		return 0;	/* (posix_spawn: its pid argument says) */
	const struct rn_fn_info *fi = &rn_fns[fn];
	for (unsigned i = 0; i < fi->ntypes && i < RN_MAX_TYPES; i++)
		if (fi->types[i] == RN_ARG_PIDP)
			return 0;
	return 1;
}

/* popen's child runs on after the call returns; system's is over by then */
static int rn_spawn_outlives(uint16_t fn)
{
	return fn == RN_IDX_popen;
}

void rn_spawn_started(struct rn_session *s, const struct rn_ar *a)
{
	const struct rn_proc *p = &a->proc;
	if (p->prev_arena_id || p->parent_arena_id || a->main || p->ppid <= 0 ||
	    rn_load_relaxed(&a->hdr->ext_of))
		return;	/* an exec'd image, a fork child, more rings */
	s->spawned[s->nspawned++ % RN_SPAWNED_MAX] =
		(struct rn_spawned){ p->pid, p->ppid, p->t_start_ns, 0 };
}

/* The child of spawn record r of arena a: its pid, claimed; 0 if none is
 * known (yet). */
static int32_t rn_spawn_find(struct rn_session *s, const struct rn_ar *a, const struct rn_rec *r)
{
	const struct rn_ar *m = a->main ? a->main : a;
	uint64_t enter = rn_clock_unix(&s->clock, a->clock, r->t_enter);
	uint64_t until = rn_spawn_outlives(r->fn) ? UINT64_MAX
			 : rn_clock_unix(&s->clock, a->clock, r->t_exit) + RN_SPAWN_SLACK_NS;
	struct rn_spawned *best = NULL;
	unsigned n = s->nspawned < RN_SPAWNED_MAX ? s->nspawned : RN_SPAWNED_MAX;
	for (unsigned i = 0; i < n; i++) {
		struct rn_spawned *e = &s->spawned[i];
		if (!e->claimed && e->ppid == m->proc.pid && e->t0_ns >= enter && e->t0_ns <= until &&
		    (!best || e->t0_ns < best->t0_ns))
			best = e;	/* the first to start after the call's entry */
	}
	if (!best)
		return 0;
	best->claimed = 1;
	return best->pid;
}

/* Can the child of spawn record r (first looked at, mono ns, 'since')
 * still appear? 0: no; else 1, and a scan is asked for when it takes one
 * to know. */
static int rn_spawn_may_come(struct rn_session *s, const struct rn_ar *a, const struct rn_rec *r,
			     uint64_t since, uint64_t now)
{
	if (r->err || (r->flags & RN_REC_INJECTED))
		return 0;	/* it failed, or was not made: no child */
	uint64_t scan = rn_clock_unix(&s->clock, RN_CLOCK_MONO, s->scan_start_ns);
	uint64_t after;	/* a scan begun after this saw every arena it made */
	if (rn_spawn_outlives(r->fn)) {
		if (rn_since(now, since) < RN_SPAWN_WAIT_NS)
			return 1;
		after = rn_clock_unix(&s->clock, RN_CLOCK_MONO, since + RN_SPAWN_WAIT_NS);
	} else {
		after = rn_clock_unix(&s->clock, a->clock, r->t_exit) + RN_SPAWN_SLACK_NS;
	}
	if (scan <= after) {
		s->spawn_scan = 1;
		return 1;
	}
	/* found, not started yet: a new image (no fork parent) waits */
	for (const struct rn_ar *w = s->arenas; w; w = w->next)
		if (w->state == RN_AR_WAITING && !rn_load_relaxed(&w->hdr->parent_id))
			return 1;
	return 0;
}

uint64_t rn_spawn_hold(struct rn_session *s, struct rn_ar *a, struct rn_thr *t, uint64_t seq,
		       const struct rn_rec *r, uint64_t now)
{
	if (t->sp_held && t->sp_seq < t->cons.head)
		t->sp_held = 0;	/* drained (or skipped as corrupt) */
	int mine = t->sp_held && t->sp_seq == seq;
	if (!t->sp_held) {
		t->sp_held = 1;
		t->sp_seq = seq;
		t->sp_ticks = r->t_enter;
		t->sp_fn = r->fn;
		t->sp_since = now;
		t->sp_pid = 0;
		mine = 1;
	}
	if (mine && !t->sp_pid) {
		t->sp_pid = rn_spawn_find(s, a, r);
		if (!t->sp_pid && !rn_spawn_may_come(s, a, r, t->sp_since, now))
			t->sp_pid = -1;
	}
	if (mine && t->sp_pid)
		return UINT64_MAX;	/* known: it goes as it comes */
	/* waits: nothing after it goes out before it (its key as the drain
	 * takes it: its return once its entry half is out) */
	uint64_t k = rn_clock_unix(&s->clock, a->clock,
				   t->shown && t->shown_ticks == r->t_enter ? r->t_exit : r->t_enter);
	return k ? k - 1 : 0;
}

void rn_spawn_give(struct rn_session *s, const struct rn_ar *a, struct rn_thr *t,
		   const struct rn_rec *rec, struct rn_event *ev)
{
	if (!rn_spawn_wants_child(rec->fn))
		return;
	int32_t pid = 0;
	if (t->sp_held && t->sp_ticks == rec->t_enter && t->sp_fn == rec->fn) {
		pid = t->sp_pid;
		t->sp_held = 0;
	}
	if (!pid)	/* taken without waiting (closing, a ring half full) */
		pid = rn_spawn_find(s, a, rec);
	ev->spawn_pid = pid > 0 ? pid : 0;
}
