/* otlp_metrics.h: OTLP metrics of the traced calls: per process image and
 * syscall, a call count, an error count per error.type and a duration
 * histogram, all cumulative from the image's start (metrics.c), and their
 * ExportMetricsServiceRequest in protobuf (otlp_metrics_pb.c) and OTLP
 * JSON (otlp_metrics_json.c). docs/OTLP.md, "Metrics", names them.
 *
 * The drain thread adds calls; the sender thread encodes a snapshot now
 * and then. Both take the aggregate's lock, held for one call's update or
 * one encoding. Nothing here prints or sends.
 */
#ifndef RN_OTLP_METRICS_H
#define RN_OTLP_METRICS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "../event.h"
#include "otlp_encode.h"
#include "otlp_env.h"
#include "otlp_model.h"

/* Exponential histogram scale: 2^3 = 8 buckets per doubling, each about
 * 9% wide (base 2^(1/8)); 100 ns to 10 s is 213 buckets, and one
 * syscall's calls fill only the part between its fastest and slowest. */
#define RN_MET_SCALE 3

/* The metric names (docs/OTLP.md). */
#define RN_MET_CALLS "renacer.syscall.calls"
#define RN_MET_ERRORS "renacer.syscall.errors"
#define RN_MET_DURATION "renacer.syscall.duration"
#define RN_MET_ATTR_SYSCALL "renacer.syscall.name"

struct rn_met_err {
	int err;		/* errno value */
	uint64_t n;
};

/* One syscall of one process image. */
struct rn_met_series {
	uint16_t fn;		/* rn_fns index */
	uint64_t calls;
	uint64_t sum_ns;
	uint64_t min_ns, max_ns;
	uint64_t zero;		/* calls that took no measurable time */
	int32_t off;		/* index of b[0] */
	uint32_t nb;
	uint64_t *b;		/* positive buckets off .. off + nb - 1 */
	struct rn_met_err *errs;
	uint32_t nerrs, caperrs;
	struct rn_met_series *next;
};

/* One process image. */
struct rn_met_proc {
	uint64_t arena_id;
	struct rn_proc p;	/* a copy of what the drain said of it */
	int ended;		/* gone: exported once more, then freed */
	struct rn_met_series *series;	/* newest first */
	struct rn_met_series **byfn;	/* RN_NFUNCS slots */
	struct rn_met_proc *next;
};

struct rn_metrics {
	pthread_mutex_t mu;
	const struct rn_otlp_opts *x;
	struct rn_met_proc *procs;	/* newest first */
	struct rn_met_proc *last;	/* cache: the image of the last call */
	uint64_t calls;		/* calls counted, all images */
	uint64_t nomem;		/* calls not counted for want of memory */
	uint64_t exports;	/* snapshots taken */
};

int rn_metrics_init(struct rn_metrics *m, const struct rn_otlp_opts *x);
void rn_metrics_free(struct rn_metrics *m);

/* Drain thread. Return 0 or -ENOMEM (the call is counted in nomem). */
int rn_metrics_event(struct rn_metrics *m, const struct rn_event *ev);
int rn_metrics_proc_start(struct rn_metrics *m, const struct rn_proc *p);
int rn_metrics_proc_end(struct rn_metrics *m, const struct rn_proc *p);

/* rn_metrics_bucket: the exponential-histogram bucket index of ns
 * nanoseconds (> 0) at RN_MET_SCALE, in seconds as OTLP has it: bucket i
 * holds (2^(i/8), 2^((i+1)/8)]. */
int32_t rn_metrics_bucket(uint64_t ns);

/* A snapshot being encoded: the aggregate, locked by the caller, and the
 * time of the data points. */
struct rn_met_snap {
	const struct rn_metrics *m;
	uint64_t now_ns;	/* unix ns */
};

/* rn_metrics_encode_pb: the request for every image with calls, into
 * out (reset first). Returns 0 or -ENOMEM. */
int rn_metrics_encode_pb(const struct rn_met_snap *s, struct rn_otlp_buf *out);

/* rn_metrics_encode_json: the same as one line of OTLP JSON (with '\n'
 * when newline) appended to out. Returns 0 or -ENOMEM. */
int rn_metrics_encode_json(const struct rn_met_snap *s, struct rn_otlp_buf *out, int newline);

/* rn_metrics_points: data points a snapshot would carry (0: nothing to
 * export). Caller holds the lock. */
size_t rn_metrics_points(const struct rn_metrics *m);

/* rn_metrics_reap: after a snapshot was taken: ended images are dropped
 * (their last values were in it). Caller holds the lock. */
void rn_metrics_reap(struct rn_metrics *m);

#endif
