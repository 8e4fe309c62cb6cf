/* session_priv.h: what the files of the exporter's session (session.c,
 * drain.c, arenas.c, ends.c, pidmap.c, reorder.c, spawns.c) share with one
 * another and with nobody else. The public API is session.h; only those
 * files include this one, and it must never grow anything another part of the exporter
 * needs: that goes into session.h.
 */
#ifndef RN_SESSION_PRIV_H
#define RN_SESSION_PRIV_H

#include <stdint.h>
#include <stdio.h>

#include "session.h"

#define RN_PASS_MAX_EVENTS 8192	/* events sorted and dispatched per pass */
#define RN_PASS_HOLD_MAX 16384	/* records read per pass while a sink can hold */
#define RN_SCAN_EVERY_NS 200000000ull	/* rescan the directory at least this often */
#define RN_MTIME_FRESH_NS 20000000ull	/* a change this recent may hide another */
#define RN_LIVE_EVERY_NS 10000000ull	/* check thread and process ends */
#define RN_MAGIC_WAIT_NS 5000000000ull	/* a file without magic after this is bad */
#define RN_GRACE_NS 2000000000ull	/* pending fork child or exec, unverifiable */
#define RN_END_WAIT_NS 200000000ull	/* a dead thread's last records wait for
					 * the reorder window this long at most */

/* One line on stderr about an arena: name, then what is wrong with it. */
static inline void rn_note(const char *name, const char *what)
{
	fprintf(stderr, "renacer: arena %s: %s\n", name, what);
}

/* Time from 'then' to 'now', zero when 'then' was taken after 'now'
 * (monotonic readings from different moments of one pass). */
static inline uint64_t rn_since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* pidmap.c: the pid-namespace notes socket and the map it fills */
extern int rn_pids_fd;	/* made by the launcher before any process */
void rn_accept_pids(struct rn_session *s);
int32_t rn_pidmap_by_id(const struct rn_session *s, uint64_t id);
int32_t rn_pidmap_by_inner(const struct rn_session *s, uint64_t pidns, int32_t inner);
/* rn_thread_tid: the id we show for thread t of arena a: the process's
 * pid for its main thread, and in another pid namespace the id our
 * namespace gives it (looked up once, while it lives). */
int32_t rn_thread_tid(struct rn_session *s, const struct rn_ar *a, struct rn_thr *t);
void rn_translate_pass(struct rn_session *s);

/* session.c: ring position head of t is durable once the sinks made
 * 'given' events durable */
void rn_mark(struct rn_thr *t, uint64_t given, uint64_t head);

/* drain.c: reading rings, queueing and sending events */
void rn_dispatch_proc(struct rn_session *s, struct rn_ar *a, int end);
void rn_flush_events(struct rn_session *s);
uint8_t *rn_scratch(struct rn_session *s, size_t n);
/* held record p's bytes, copied into the pass's scratch (the pass is sent
 * first when the scratch is full) */
uint8_t *rn_scratch_pend(struct rn_session *s, const struct rn_pend *p);
/* -e signal=: whether a signal delivered to a handler is shown */
static inline int rn_signal_shown(const struct rn_session *s, uint64_t sig)
{
	return !s->signal_filter || (sig >= 1 && sig <= 64 && ((s->signal_set >> (sig - 1)) & 1));
}
int rn_queue(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
		    const struct rn_rec *rec, const uint8_t *ext, uint32_t ext_len, uint8_t evflags);
void rn_queue_pend(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
			  struct rn_pend **pp);
size_t rn_drain_ring(struct rn_session *s, struct rn_ar *a, struct rn_thr *t);
/* rn_drain_raw_ok: 1 when this pass may count plain calls straight from
 * their records (every sink that wants events has call(), nothing else
 * looks at them: no -y/-P, -z/-Z, durable sink). Once per pass. */
int rn_drain_raw_ok(struct rn_session *s);
/* rn_drain_sleep: sleep until a ring's producer rings its bell past the
 * high-water mark (ring.h), extra_fd is readable, or a timeout that the
 * rings' last fill rate allows (at most RN_BELL_SLEEP_MAX_MS). Returns 0
 * without sleeping when the rings cannot all be waited on (none, more
 * than futex_waitv takes, an arena just appeared or not started yet,
 * no futex_waitv): the caller polls. */
int rn_drain_sleep(struct rn_session *s, int extra_fd);
void rn_account_lost(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
			    struct rn_ring *r);

/* arenas.c: finding, checking and starting arenas */
int rn_pid_alive(const struct rn_session *s, const struct rn_ar *a, int32_t pid);
/* rn_session_untraced: say that pid (thread tid) is not traced, and why
 * (enum rn_note_why, errno err); counted. 0, or -EINVAL: unknown why. */
int rn_session_untraced(struct rn_session *s, int32_t pid, int32_t tid, uint32_t why, uint32_t err);
void rn_ar_free(struct rn_session *s, struct rn_ar *a, int unlink_file);
void rn_exec_shown(struct rn_session *s, struct rn_ar *a, uint64_t t_exit);
void rn_drop_known_execs(struct rn_session *s);
int rn_owner_ok(const struct rn_session *s, uint32_t uid);
void rn_scan_dir(struct rn_session *s);
void rn_maybe_scan(struct rn_session *s);
void rn_start_waiting(struct rn_session *s, uint64_t now);

/* reorder.c: the window that puts every thread's lines in time order */
#define RN_UNF_NONE 0
#define RN_UNF_SEEN 1		/* shown unfinished if a line comes after it */
void rn_reorder_mark(struct rn_session *s);
int rn_reorder_take(struct rn_session *s, struct rn_ar *a, struct rn_thr *t,
		    const struct rn_rec *rec);
void rn_reorder_split(struct rn_thr *t, const struct rn_rec *rec, struct rn_event *ev);
uint64_t rn_reorder_key(const struct rn_event *ev);
void rn_reorder_before(struct rn_session *s, const struct rn_event *ev, uint64_t k);
/* "NAME(<unfinished ...>" of thread tid of p, entered at t_ns, to the
 * sinks that show halves */
void rn_reorder_entry_half(struct rn_session *s, const struct rn_proc *p, int32_t tid,
			   uint16_t fn, uint64_t t_ns);
size_t rn_reorder_split_overlaps(struct rn_session *s);
void rn_reorder_free(struct rn_session *s);
void rn_reorder_monotone(struct rn_session *s, struct rn_event *ev);
int rn_reorder_status_ok(const struct rn_session *s, const struct rn_event *ev);
void rn_reorder_ends_begin(struct rn_session *s);
void rn_reorder_ends_until(struct rn_session *s, uint64_t key);

/* spawns.c: system() and popen() shown with their child's pid (the
 * clone3 they make): a new image with no parent arena is noted as it
 * starts; the call's record waits in its ring (the watermark below it)
 * until its child is known, or known never to be */
void rn_spawn_started(struct rn_session *s, const struct rn_ar *a);
int rn_spawn_wants_child(uint16_t fn);
/* the watermark a spawn record r at ring position seq of t holds (unix
 * ns; UINT64_MAX: none, its child is known or never will be) */
uint64_t rn_spawn_hold(struct rn_session *s, struct rn_ar *a, struct rn_thr *t, uint64_t seq,
		       const struct rn_rec *r, uint64_t now_mono);
/* ev of record rec, queued: its child's pid */
void rn_spawn_give(struct rn_session *s, const struct rn_ar *a, struct rn_thr *t,
		   const struct rn_rec *rec, struct rn_event *ev);

/* ends.c: thread and process ends, exec tracking */
void rn_exec_succeeded(struct rn_session *s, struct rn_ar *a, struct rn_thr *t);
void rn_ring_give_back(struct rn_thr *t);
int rn_ar_awaits_root_status(const struct rn_session *s, const struct rn_ar *a);
int rn_exec_awaits_image(const struct rn_session *s, const struct rn_ar *a, uint64_t now);
void rn_ar_finish(struct rn_session *s, struct rn_ar *a);
int rn_ar_check_live(struct rn_session *s, struct rn_ar *a, uint64_t now);

#endif
