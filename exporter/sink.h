/* sink.h: the one interface between the drain and the outputs.
 *
 * A sink receives decoded events in the order the drain reads them (per
 * thread in call-completion order, threads interleaved), process starts and
 * ends, and a final summary of losses. Sinks never see raw shared memory.
 * Functions return 0 or a negative errno; a sink that fails is reported by
 * the caller, never exits. Pointers passed to a sink (events, processes)
 * are valid only during the call: a sink copies what it keeps.
 */
#ifndef RN_SINK_H
#define RN_SINK_H

#include <stdint.h>
#include <stdio.h>

#include "event.h"

/* Losses and counters over the whole session, reported at the end. */
struct rn_stats {
	uint64_t events;	/* calls decoded */
	uint64_t lost_full;	/* records dropped: ring full */
	uint64_t lost_nested;	/* records dropped: signal handler mid-write */
	uint64_t lost_noring;	/* calls dropped: no free ring */
	uint64_t corrupt;	/* records or arenas rejected as malformed */
	uint64_t procs;		/* process images seen */
	uint64_t untraced;	/* processes and threads that ran untraced */
};

/* A process (tid 0) or thread that ran untraced, and why. */
struct rn_untraced {
	int32_t pid;		/* as it saw itself (or its parent saw it) */
	int32_t tid;		/* 0: the whole process */
	const char *why;	/* "cannot create arena: Too many open files" */
};

struct rn_sink {
	const char *name;
	void *st;
	int wants_order;	/* events must come in start-time order */
	int wants_split;	/* also the RN_SPLIT_ENTRY halves of calls
				 * other lines interrupted (text) */
	int (*event)(struct rn_sink *s, const struct rn_event *ev);
	/* optional: count one plain call straight from its record, with no
	 * decoded event: table index, errno, return value, duration in ns.
	 * The drain calls it instead of event() for records with no items,
	 * no flag and a row that names no process (drain.c, rn_raw_row),
	 * and only in a pass where every other sink is idle or has it too:
	 * a sink with it must need nothing else of such a call. */
	int (*call)(struct rn_sink *s, uint16_t fn, uint16_t err, int64_t ret, uint64_t dur_ns);
	/* optional: 1 while the sink wants no event at all (the live tail
	 * with nobody subscribed); asked once per pass */
	int (*idle)(struct rn_sink *s);
	int (*proc_start)(struct rn_sink *s, const struct rn_proc *p);
	int (*proc_end)(struct rn_sink *s, const struct rn_proc *p);
	/* optional: how many more events the sink can take now (the room
	 * left in its queue), 0 while it can take none. Asked at each
	 * pass's start; the pass then reads at most that many records, and
	 * the rest wait in the rings, which are the buffer: the sink never
	 * has to wait inside event() (that would stop the heartbeat) */
	int (*ready)(struct rn_sink *s);
	/* optional: make what the sink was given durable (written out); the
	 * drain calls it before telling the rings the records are consumed,
	 * so a crash of the exporter loses no record it already took */
	int (*flush)(struct rn_sink *s);
	/* optional, for a sink whose output is durable only some time after
	 * it was given (a receiver's acknowledgement): n, the number of
	 * events given so far (counting every event() call) whose output
	 * is durable: delivered, written where a restart finds it (a spool
	 * file), or given up on and counted. Each proc_end() call counts
	 * as one event given (the end's own output, a process span). A sink without it has made
	 * everything durable by the end of flush. The session frees ring
	 * space only up to what every sink made durable, so a restarted
	 * exporter gives such a sink again, with their identities
	 * (rn_event.rec_id), the events it had not made durable, and gives
	 * them to no other sink. hurry: a ring fills behind events not
	 * durable yet: send or spool what is held now rather than wait for
	 * a fuller batch. Never blocks. Called from the drain's thread. */
	uint64_t (*durable)(struct rn_sink *s, int hurry);
	/* optional, with durable: the same count, but not past the first
	 * end whose output the sink still holds back (a process span
	 * waiting for its parent): an ended process's arena is kept until
	 * its end is durable. At most what durable() says. */
	uint64_t (*durable_ends)(struct rn_sink *s);
	/* optional: the sink's own figures for the control plane's status,
	 * as JSON members each led by a comma (",\"otlp_spooled\":3");
	 * returns the bytes written, at most cap - 1. Called from the
	 * drain's thread; a sink with threads of its own locks inside. */
	size_t (*status)(struct rn_sink *s, char *buf, size_t cap);
	/* optional: a process or thread that could not be traced */
	int (*untraced)(struct rn_sink *s, const struct rn_untraced *u);
	/* called once at the end: print summaries and loss lines, flush */
	int (*finish)(struct rn_sink *s, const struct rn_stats *stats);
	void (*destroy)(struct rn_sink *s);
};

static inline uint64_t rn_stats_lost(const struct rn_stats *st)
{
	return st->lost_full + st->lost_nested + st->lost_noring;
}

/* rn_print_lost: the loss line of the text and summary outputs, when any
 * record was lost, and the count of what ran untraced, when any did.
 * Returns 0 or -EIO. */
int rn_print_lost(FILE *out, const struct rn_stats *st);

#endif
