/* session.h: the exporter's view of one session directory: the arenas in
 * it, their rings, the processes they stand for, and how each one ends.
 *
 * An arena is mapped read-write (the exporter writes ring heads and frees
 * dead rings) but trusted for nothing: a malformed one is reported once and
 * skipped. The exporter never waits on a traced program's lock: a thread's
 * end is read from its ring's robust mutex word (rn_ring_owner).
 */
#ifndef RN_SESSION_H
#define RN_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "../common/arena.h"
#include "clock.h"
#include "event.h"
#include "sink.h"

/* A record held back until its thread ends: exec and exit do not return,
 * so they are shown after everything their thread wrote before them. */
struct rn_pend {
	struct rn_rec rec;
	uint64_t seq;		/* its ring position (the record's identity) */
	uint32_t ext_len;
	uint8_t ext[RN_EXT_MAX];
};

/* A ring position read by the end of a pass, and how many events the
 * sinks had been given by then: it is durable once every sink says that
 * many are (struct rn_sink, durable). */
struct rn_mark {
	uint64_t given;
	uint64_t head;
};

#define RN_MARKS 40	/* per ring; when full, the last one moves on */
#define RN_MARK_STEPS 32	/* marks at least cap / RN_MARK_STEPS apart */

/* Per ring: the consumer side and what we know of its current thread. */
struct rn_thr {
	struct rn_cons cons;	/* cons.head: the file head (read, given to every sink) */
	uint64_t dur_head;	/* durable in every sink: the head published */
	struct rn_mark mark[RN_MARKS];	/* positions past dur_head, oldest first */
	unsigned nmarks;
	uint64_t replay_end;	/* after a restart: records before it are in the
				 * files already; they go to durable sinks only */
	uint64_t c_head, c_dur;	/* as the last commit record has them */
	uint64_t mark_step;	/* cap / RN_MARK_STEPS, at least 1 */
	int32_t tid;
	int32_t shown_tid;	/* tid as we see it (another pid namespace):
				 * 0 not looked up yet, -1 unknown */
	uint64_t lost_seen;	/* ring->lost already accounted */
	uint64_t nested_seen;
	uint64_t last_exit_ns;	/* latest call end seen on this thread */
	uint64_t claiming_since;	/* mono ns a CLAIMING state was first seen */
	struct rn_pend *pend_exec;	/* exec recorded, not yet returned */
	struct rn_pend *pend_exit;	/* exit recorded; shown at the end */
	uint64_t seq;		/* ring position of the record being queued */
	int free_at_end;	/* its thread ended: FREE it after the commit */
	/* reorder.c: a call seen in flight (cur_t, cur_fn), or back with its
	 * record still waiting, shown as "<unfinished ...>" once another
	 * line comes after its entry */
	uint64_t unf_ticks;	/* its entry, arena clock */
	uint64_t pending_since;	/* mono ns a pass first saw it entering a call
				 * (RN_CUR_PENDING, ring.h), 0: not */
	uint64_t unf_ns;	/* the same, unix ns */
	uint16_t unf_fn;
	uint8_t unf_state;	/* RN_UNF_NONE / SEEN */
	/* spawns.c: the first system()/popen() record of the ring not
	 * drained yet, held in it until its child is known */
	uint64_t sp_seq;	/* its ring position */
	uint64_t sp_ticks;	/* its entry (arena clock): its identity */
	uint64_t sp_since;	/* mono ns it was first looked at */
	int32_t sp_pid;		/* its child: > 0, -1 never known, 0 looking */
	uint16_t sp_fn;
	uint8_t sp_held;	/* one is tracked */
	/* the call whose entry half is out: its record is its second half */
	uint8_t shown;
	uint16_t shown_fn;
	uint64_t shown_ticks;
	uint64_t shown_lost;	/* the ring's drops when its entry was shown */
	uint64_t peeked;	/* reorder.c: ring position read up to */
	uint64_t noret_seq;	/* an exec/exit record not drained yet: its
				 * position, and its start (ticks), if noret */
	uint64_t noret_ticks;
	int noret;
	uint64_t end_wait_ns;	/* ends.c: mono ns its end began to wait for
				 * the window, 0: not waiting */
};

enum rn_ar_state {
	RN_AR_WAITING,		/* magic not set yet, or PENDING fork child */
	RN_AR_LIVE,		/* validated, being drained */
	RN_AR_CORRUPT,		/* rejected: only watched for its end */
};

struct rn_ar {
	struct rn_ar *next;
	char name[64];		/* file name in the session directory */
	struct rn_arena_hdr *hdr;	/* shared, untrusted */
	size_t size;
	enum rn_ar_state state;
	uint32_t nrings, cap;	/* private copies, validated once */
	uint32_t clock;
	struct rn_thr *thr;	/* nrings of them */
	struct rn_proc proc;
	int started;		/* proc_start sent */
	int execd;		/* ended by a successful exec */
	int exec_seen;		/* our exec was recorded by the image before */
	int superseded;		/* a newer image of our pid exists: we ended */
	int32_t inner_pid;	/* hdr->pid at identification: the pid as the
				 * process sees it (proc.pid is ours) */
	uint64_t pidns;		/* hdr->pidns at identification */
	struct rn_pend *exec_pend;	/* our exec, succeeded (its thread ended):
					 * shown once the new image is seen */
	struct rn_thr exec_thr;	/* that thread's id and last call end */
	uint64_t exec_since;	/* mono ns the exec was found to succeed */
	uint64_t next_t0;	/* superseded: the new image's start, in ticks */
	int gone;		/* ended this pass: announce, then free */
	unsigned tried;		/* pass in which a start was last tried */
	int all_dead;		/* no ring of this file has a live owner */
	struct rn_ar *main;	/* extension arenas: the process's main arena */
	uint64_t first_seen_ns;
	uint64_t lost_noring_seen;
	uint64_t last_end_ns;	/* latest call end of its threads that ended
				 * (unix ns): when the process really ended */
	uint64_t last_ns;	/* main arenas: latest call end of the image */
	/* Durable ends (docs/ARCHITECTURE.md, "Durable heads"): an arena
	 * whose end was announced stays, off the list of arenas, until the
	 * durable sinks made its records and its end durable, so that an
	 * exporter restarted meanwhile can give them those again. */
	uint64_t end_given;	/* s->given once its end was given */
	int end_durable;	/* its records and end are durable: remove it */
	int rings_freed;	/* its records are: their memory was given back */
	int end_files;		/* after a restart: the dead exporter announced
				 * this end to the files; its end goes to the
				 * durable sinks only */
};

/* A process image that started with no image before it and no fork
 * parent: the child of a spawn (system, popen) its parent's record names
 * (spawns.c). */
struct rn_spawned {
	int32_t pid, ppid;	/* as we see them */
	uint64_t t0_ns;		/* its start, unix ns */
	int claimed;		/* a call's record names it */
};
#define RN_SPAWNED_MAX 64	/* oldest overwritten */

/* A pid whose image exec'd: the new image's arena is expected. */
struct rn_execwait {
	int32_t pid;
	uint64_t pidns;
	uint32_t gen;		/* exec generation of the new image */
	uint64_t since_ns;
	uint64_t arena_id;	/* the image that exec'd */
	int32_t outer;		/* its pid as we see it, when it told us, or 0 */
};

#define RN_EXECWAIT_MAX 256

/* What a process in another pid namespace told us (RN_PIDS_SOCKET): its
 * pid as it sees it, and as we do. Kept after its arena is gone, for the
 * return values of fork and wait that name it. */
struct rn_pidmap {
	uint64_t arena_id;
	uint64_t pidns;
	int32_t inner;
	int32_t outer;
};

#define RN_PIDMAP_MAX 4096

/* A connection on the pids socket whose note was not written yet. */
struct rn_note_wait {
	int fd;
	int32_t pid;		/* the sender, as we see it */
};

#define RN_NOTES_WAIT_MAX 64

/* A fork of another namespace waiting for its child's pid (session.c). */
struct rn_held {
	struct rn_event ev;
	struct rn_ar *m;	/* the maker's main arena */
	int reaped;		/* the maker waited for the child: no note comes */
	uint8_t *own;		/* its captured bytes (a spawn's argv), copied
				 * out of the pass's scratch while held */
};

#define RN_HELD_MAX 256

struct rn_evkey {
	uint64_t t;
	uint32_t i;	/* index into evs; | RN_KEY_ENTRY: its entry half */
};
#define RN_KEY_ENTRY 0x80000000u

/* Per queued event: where its record ends in its ring (a mark once it is
 * given: struct rn_mark), and whether it is a replay after a restart. */
struct rn_evpos {
	struct rn_thr *t;	/* NULL: no ring position (a held record) */
	uint64_t head;
	int replay;		/* in the files already: durable sinks only */
};

struct rn_session {
	const char *dir;
	int dirfd;
	uint64_t dir_mtime_ns;	/* the directory's mtime at the last scan */
	uint64_t pidns;		/* our own pid namespace inode */
	uint32_t uid;
	struct rn_ar *arenas;
	struct rn_ar *linger;	/* ended, kept until durable (end_durable) */
	uint64_t durable_w;	/* events every durable sink made durable */
	struct rn_clock clock;
	struct rn_sink *sinks;
	unsigned nsinks;
	struct rn_stats stats;
	struct rn_execwait execwait[RN_EXECWAIT_MAX];
	int pidsock;		/* listening RN_PIDS_SOCKET, -1 if none */
	int pidsock_owned;	/* made by this session (daemon): removed at close */
	struct rn_pidmap *pidmap;	/* RN_PIDMAP_MAX, oldest overwritten */
	size_t npidmap;		/* entries ever added */
	struct rn_note_wait notes[RN_NOTES_WAIT_MAX];
	unsigned nnotes;
	struct rn_held held[RN_HELD_MAX];
	unsigned nheld;
	int closing;		/* rn_session_close: hold nothing */
	int holding;		/* this pass: a sink holds the drain */
	size_t take;		/* records rn_pass_drain may still read (a
				 * sink's room); SIZE_MAX: no bound */
	unsigned nexecwait;
	uint64_t last_scan_ns;
	uint64_t last_live_ns;
	unsigned nprocs_seen;
	int32_t root_pid;	/* the program renacer-run started, 0 if none */
	int root_status;	/* its wait status, once root_status_known */
	int root_status_known;
	int root_done;		/* the launcher said the program is gone */
	int pressed;		/* the last pass found a ring a quarter full */
	int raw;		/* this pass: plain calls go to the sinks' call()
				 * without decoding (drain.c, rn_drain_raw_ok) */
	/* sleeping on the rings' bells (drain.c, rn_drain_sleep) */
	uint32_t sleep_no;	/* the last sleep number stored in the rings */
	unsigned nlive_slept;	/* live arenas at the last sleep */
	uint64_t pass_ns;	/* start of this pass and of the one before */
	uint64_t prev_pass_ns;
	double fill_max;	/* this pass: the largest share of a ring's
				 * capacity that came in since the last */
	int has_durable;	/* a sink has a durable callback */
	int hurry;		/* ask those sinks to hurry (a ring fills behind them) */
	uint64_t given;		/* events given to the sinks, replays included */
	struct rn_evpos *evpos;	/* per evs[] entry */
	unsigned pass_no;
	/* from struct rn_session_cfg */
	int keep_files;		/* daemon mode at shutdown: leave live arenas */
	const uint32_t *allow_uids;	/* --allow-uid: owners read besides uid */
	unsigned nallow_uids;
	struct rn_redact *redact;	/* --redact-paths, NULL: none */
	struct rn_commit *commit;	/* from struct rn_session_cfg */
	int commit_failed;	/* a commit could not be written (said once) */
	uint64_t commit_events;	/* stats.events at the last commit record */
	/* per pass scratch: events and the item bytes they point into */
	struct rn_event *evs;
	int halves;		/* a sink shows calls in halves (reorder.c) */
	struct rn_evkey *keys;	/* sort order of evs (2 * evcap: entry halves) */
	size_t nev, evcap;
	uint8_t *scratch;
	size_t scratch_used, scratch_cap;
	/* reorder.c: the window (records after the watermark wait in their
	 * rings, so what leaves a ring is what is emitted this pass) */
	uint64_t wm;		/* unix ns; UINT64_MAX: no limit */
	uint64_t last_emit_ns;	/* key of the last event sent */
	struct rn_unfwait *uw;	/* threads in a long call, this pass */
	unsigned nuw;
	struct rn_ar **endq;	/* ends of this pass, by time (reorder.c) */
	unsigned nendq, endq_next;
	int scan_unsure;	/* a scan met an arena file still being made */
	unsigned status_mask;	/* from struct rn_session_cfg */
	struct rn_fdt *fdt;	/* from struct rn_session_cfg */
	int whole;		/* -P: each call shown whole, never in halves */
	int signal_filter;	/* from struct rn_session_cfg */
	uint64_t signal_set;
	uint64_t reorder_forced;	/* records taken past the watermark: ring
					 * half full */
	/* spawns.c: the children spawns made, and the directory scans that
	 * tell when one will never be seen */
	struct rn_spawned spawned[RN_SPAWNED_MAX];
	unsigned nspawned;	/* entries ever added */
	uint64_t scan_start_ns;	/* mono ns the last directory scan began */
	int spawn_scan;		/* a held spawn wants a scan next pass */
};

/* How a session is read and where its events go; what the pointers
 * point at must outlive the session. */
struct rn_session_cfg {
	struct rn_sink *sinks;
	unsigned nsinks;
	int keep_files;		/* leave live arenas at close (--session-dir) */
	const uint32_t *allow_uids;	/* --allow-uid: owners read besides ours */
	unsigned nallow_uids;
	struct rn_redact *redact;	/* --redact-paths, NULL: none */
	struct rn_commit *commit;	/* renacer-run's mode: where a restarted
					 * exporter resumes (commit.h); NULL: none */
	unsigned status_mask;	/* -z/-Z/-e status=: outcomes shown (1
				 * successful, 2 failed, 4 unfinished); 0: all */
	struct rn_fdt *fdt;	/* -y, -P: the descriptor table (fdtable.h),
				 * NULL: none */
	int whole;		/* -P: which calls show is known only at their
				 * return, so none is shown in halves */
	int signal_filter;	/* -e signal=, -qqq: only the signals of */
	uint64_t signal_set;	/* signal_set (bit n-1: signal n) show */
};

/* rn_session_open: read dir (which must exist) as cfg says. Returns 0 or
 * -errno. */
int rn_session_open(struct rn_session *s, const char *dir, const struct rn_session_cfg *cfg);

/* What the control plane reports of a session. */
struct rn_session_status {
	struct rn_stats stats;
	unsigned procs_live;	/* process images being drained */
	unsigned arenas_waiting;	/* arenas not started yet */
};

void rn_session_status(const struct rn_session *s, struct rn_session_status *out);

/* rn_session_sink_status: every sink's own figures (their status
 * callbacks), concatenated into buf as JSON members. Returns the bytes
 * written. */
size_t rn_session_sink_status(const struct rn_session *s, char *buf, size_t cap);

/* rn_session_in_calls: ,"in_call":[{"pid":P,"tid":T,"call":"accept",
 * "for_ms":N},...]: the call each live traced thread is in now (as it
 * published at entry), as many as fit in cap, then "in_call_more":N;
 * "" when no thread is in a call. */
void rn_session_in_calls(const struct rn_session *s, char *buf, size_t cap);

/* rn_session_pids_socket: make the listening RN_PIDS_SOCKET in dir before
 * any traced process can start; a session opened later in this process
 * (or a fork of it) uses it. Returns the descriptor or -errno. */
int rn_session_pids_socket(const char *dir);

/* rn_session_pass: one round: pick up new arenas, drain every ring, notice
 * ended threads and processes. Returns the number of records read; sets
 * s->pressed when a ring was filling up (the caller should not rest). */
size_t rn_session_pass(struct rn_session *s);

/* rn_session_flush: a pass now, then every sink makes what it was given
 * durable (written out, or sent or spooled): the control plane's "flush".
 * Returns the records read. */
size_t rn_session_flush(struct rn_session *s);

/* The launcher's news about the program it started: its pid, then its
 * wait status. Lets the root's end carry a death by signal, which no
 * arena can record. */
void rn_session_set_root(struct rn_session *s, int32_t pid);
void rn_session_root_exit(struct rn_session *s, int32_t pid, int wstatus);

/* rn_session_idle: no arena left, none expected (fork child or exec). */
int rn_session_idle(const struct rn_session *s);

/* rn_session_wait: sleep timeout_ms, or until extra_fd is readable. */
void rn_session_wait(struct rn_session *s, int timeout_ms, int extra_fd);

/* rn_ring_inflight: the wrapped call the owner of r is in, as it
 * published it at entry: 1 with *fn and *ticks (arena clock), or 0. Reads
 * shared memory only; the values are checked, not trusted. */
int rn_ring_inflight(const struct rn_ring *r, uint16_t *fn, uint64_t *ticks);

/* rn_session_close: final drain of whatever is readable, sinks finished,
 * arenas unmapped (and removed, unless keep_files). */
void rn_session_close(struct rn_session *s);

#endif
