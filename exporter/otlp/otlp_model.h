/* otlp_model.h: the trace renacer exports, built from what the drain sees.
 *
 * One span per process image (named after its executable, from its start
 * to its end) and one per call (named after the syscall, child of its
 * image's span). A child process's span is the child of the fork, vfork or
 * posix_spawn call span that made it; an exec'd image's span has the same
 * parent as the image it replaced, and a link to it. Either side of a
 * fork may reach the exporter first: a process span whose parent is not
 * known yet is held until the fork call arrives, its parent ends, or the
 * run ends. The model never blocks and never exports: finished spans go
 * to the emit callback, which takes ownership.
 */
#ifndef RN_OTLP_MODEL_H
#define RN_OTLP_MODEL_H

#include <stdint.h>

#include "../event.h"
#include "otlp_env.h"
#include "otlp_span.h"

struct rn_otlp_map;

/* A resource: its attributes, whose strings point into text (or are
 * constants); it never moves once built. */
#define RN_OTLP_RES_ATTRS (RN_OTLP_RATTR_MAX + 16)
struct rn_otlp_resource {
	struct rn_attr attrs[RN_OTLP_RES_ATTRS];
	unsigned nattrs;
	char service[512];	/* unknown_service:<executable> */
	char host[256];
	char text[8192];	/* the strings of rn_otlp_resource_for */
	size_t text_used;
};

/* rn_otlp_resource_build: the exporter's own resource, from its
 * environment (x): service.name (OTEL_SERVICE_NAME, else
 * OTEL_RESOURCE_ATTRIBUTES, else unknown_service:<basename of exe>), the
 * other OTEL_RESOURCE_ATTRIBUTES, host.name and telemetry.sdk.*. Points
 * into x, which must outlive r. For spans of no known program only. */
void rn_otlp_resource_build(struct rn_otlp_resource *r, const struct rn_otlp_opts *x,
			    const char *exe);

/* rn_otlp_resource_for: the resource of the traced program whose first
 * process (image) is p, from what its arena header said (checked, never
 * trusted: strings are made valid UTF-8): service.name (its
 * OTEL_SERVICE_NAME, else service.name in its OTEL_RESOURCE_ATTRIBUTES,
 * else unknown_service:<executable name>), its other
 * OTEL_RESOURCE_ATTRIBUTES (decoded; discarded whole when they do not
 * decode), process.pid, process.parent_pid, process.executable.name and
 * .path, process.command_args (capture_argv only), process.owner,
 * process.creation.time, host.name, container.id and telemetry.sdk.*.
 * The trace side (otlp_model.c) and the metrics side use this one
 * function, so a program is the same resource in both. Never fails: what
 * does not fit in r is left out and renacer.resource.truncated says so. */
void rn_otlp_resource_for(struct rn_otlp_resource *r, const struct rn_proc *p, int capture_argv);

/* The spans of one traced program (a process tree whose processes share
 * one identity): its resource, trace id and remote parent. A process
 * whose identity (service name, resource attributes, trace context,
 * container, host, owner) differs from its parent's, or that has no
 * traced parent, starts a new group. Made and freed on the drain thread;
 * the sender only reads a group's fields, while spans of it are queued. */
struct rn_otlp_group {
	struct rn_otlp_group *next;
	uint64_t ident;		/* hash of the identity */
	uint64_t root_arena;	/* the image that started the group */
	unsigned refs;		/* images (struct rn_mproc) in it */
	uint64_t last_seq;	/* the sink's queue number of its last span */
	uint8_t trace_id[16];
	uint8_t remote_parent[8];	/* valid when has_remote */
	uint8_t has_remote, trace_flags;
	const char *trace_state;	/* state_buf or NULL */
	char traceparent[56];	/* as the program gave it ("" none) */
	char state_buf[256];
	struct rn_otlp_resource res;
};

typedef void (*rn_otlp_emit_fn)(void *ctx, struct rn_span *sp);

struct rn_otlp_model {
	struct rn_span_pool *pool;
	rn_otlp_emit_fn emit;
	void *ctx;
	uint8_t trace_id[16];
	int has_remote_parent;
	uint8_t remote_parent[8];
	uint8_t trace_flags;
	int capture_argv;
	uint64_t rng[2];
	uint64_t proc_key;	/* per run: process span ids */
	struct rn_otlp_map *procs;	/* arena id -> struct rn_mproc */
	struct rn_otlp_map *pids;	/* pid -> arena id of its live image */
	struct rn_otlp_map *forks;	/* (arena id, child pid) -> fork call span id */
	struct rn_otlp_map *waiters;	/* (arena id, pid or EXEC) -> waiting image */
	struct rn_mproc *ended_head, *ended_tail;	/* ended images, oldest first */
	struct rn_mproc *last;	/* cache: the image of the last event */
	uint64_t nomem;		/* spans not built for want of memory */
	struct rn_otlp_group *groups;	/* every live group */
	size_t ngroups;
	struct rn_otlp_group fallback;	/* the exporter's own resource: for
					 * an image no group could be made for */
	/* what spans are made (rn_otlp_model_filter) */
	int sampling;		/* the sampler below decides each group's flag */
	enum rn_sampler sampler;
	double sampler_ratio;
	uint64_t span_min_ns;	/* calls faster than this get no span */
	int span_errors;	/* ... unless they failed */
	uint64_t filtered;	/* call spans not made: too fast */
	/* process spans held for their parent: the caller's count when each
	 * was held (upto_now, set by the caller before proc_end and flush) */
	uint64_t upto_now;
	size_t nheld;
};

/* rn_otlp_model_held_min: the smallest upto_now of a process span still
 * held, or UINT64_MAX when none is. */
uint64_t rn_otlp_model_held_min(const struct rn_otlp_model *m);

/* rn_otlp_model_filter: the span filters and the sampler of x; call it
 * after rn_otlp_model_key, before any event. The sampler decides once per
 * traced program's trace (struct rn_otlp_group), as its group is made: an
 * unsampled trace's spans carry no sampled flag (the sink drops them) and
 * its call spans are not built. Process spans are never filtered by
 * duration (the tree stays whole), nor the calls that make a process. */
void rn_otlp_model_filter(struct rn_otlp_model *m, const struct rn_otlp_opts *x);

/* rn_otlp_model_key: ids from a key that is the same for every exporter
 * of one session: the trace id (unless TRACEPARENT gave one) and the key
 * of process and call span ids, so an exporter restarted by renacer-run
 * gives a record it sends again the span id it had. Call before any event. */
void rn_otlp_model_key(struct rn_otlp_model *m, uint64_t k0, uint64_t k1);

/* rn_otlp_model_init: the trace id from TRACEPARENT, else random. Returns
 * 0 or -ENOMEM. */
int rn_otlp_model_init(struct rn_otlp_model *m, struct rn_span_pool *pool,
		       const struct rn_otlp_opts *x, rn_otlp_emit_fn emit, void *ctx);

/* One decoded call: a call span, emitted at once. Returns 0 or -ENOMEM. */
int rn_otlp_model_event(struct rn_otlp_model *m, const struct rn_event *ev);
int rn_otlp_model_proc_start(struct rn_otlp_model *m, const struct rn_proc *p);
/* The image ended: its span is emitted, or held until its parent is known. */
int rn_otlp_model_proc_end(struct rn_otlp_model *m, const struct rn_proc *p);

/* rn_otlp_model_flush: the run is over: every held span gets its fallback
 * parent, images still running get a span ending now; all are emitted. */
void rn_otlp_model_flush(struct rn_otlp_model *m, uint64_t now_ns);

void rn_otlp_model_free(struct rn_otlp_model *m);

/* rn_otlp_model_gc: frees the groups no image is in any more whose last
 * span (last_seq) the sink has finished with (done_seq: every span queued
 * up to it is exported, spooled or counted as lost). Drain thread. */
void rn_otlp_model_gc(struct rn_otlp_model *m, uint64_t done_seq);

/* rn_otlp_model_resource: the resource of image arena_id's program, as
 * its spans carry it, or NULL when the image is not known (any more). */
const struct rn_otlp_resource *rn_otlp_model_resource(struct rn_otlp_model *m,
						      uint64_t arena_id);

/* rn_otlp_proc_span_id: the span id of image arena_id's span, derived
 * from it and a per-run key, so that a child can name its parent's span
 * before, or without, seeing it. */
void rn_otlp_proc_span_id(const struct rn_otlp_model *m, uint64_t arena_id, uint8_t out[8]);

#endif
