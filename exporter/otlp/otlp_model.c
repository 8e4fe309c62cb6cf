/* otlp_model.c: spans from calls and process images, ids, and the parent
 * links across fork, spawn and exec (see otlp_model.h). A call span's
 * name, status and attributes come from otlp_call.c; its id, parent and
 * trace from here.
 *
 * Runs on the drain thread only. It must never block, never wait for an
 * event that may not come (a fork call filtered out or lost leaves the
 * child under its parent's process span), and never copy a constant
 * string: names and keys are pointers to static text.
 */
#include "otlp_model.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../../common/record.h"
#include "../decode/decode_fmt.h"
#include "otlp_call.h"
#include "otlp_map.h"

#define RN_WAIT_EXEC UINT64_MAX	/* waiters key: waiting for the image it replaced */
#define RN_ENDED_KEEP_NS (30ull * 1000000000ull)	/* an ended image's entry, for exec */
#define RN_FORK_SWEEP 4096u	/* unclaimed fork entries before a sweep */
#define RN_FORK_KEEP_NS (60ull * 1000000000ull)

/* ------------------------------------------------------------ images */

struct rn_mproc {
	uint64_t arena_id;
	int32_t pid;
	uint8_t span_id[8];
	uint8_t parent_id[8];
	uint8_t has_parent;	/* with resolved: the parent is parent_id */
	uint8_t resolved;	/* the parent is decided */
	uint8_t remote_parent;	/* the parent is TRACEPARENT's */
	uint8_t ended;
	uint8_t fallback_has;	/* parent to take if the wait is never answered */
	uint8_t fallback[8];
	uint64_t wait_a, wait_b;	/* waiters key while waiting */
	struct rn_span *held;	/* the ended image's span, parent unknown */
	uint64_t held_upto;	/* m->upto_now when it was held */
	uint64_t ended_mono;
	struct rn_mproc *next_ended;
	uint64_t start_ns;	/* unix ns */
	char name[64];		/* executable's base name, for a span without an end */
	struct rn_otlp_group *grp;	/* its program: resource and trace */
};

static uint64_t rn_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rn_next(struct rn_otlp_model *m)
{
	/* xorshift128+: ids need uniqueness, not secrecy */
	uint64_t s1 = m->rng[0];
	const uint64_t s0 = m->rng[1];
	m->rng[0] = s0;
	s1 ^= s1 << 23;
	m->rng[1] = s1 ^ s0 ^ (s1 >> 18) ^ (s0 >> 5);
	return m->rng[1] + s0;
}

static void rn_put64(uint8_t out[8], uint64_t v)
{
	if (!v)
		v = 1;	/* an all-zero id is invalid */
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static uint64_t rn_get64(const uint8_t in[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

void rn_otlp_proc_span_id(const struct rn_otlp_model *m, uint64_t arena_id, uint8_t out[8])
{
	rn_put64(out, rn_mix(arena_id ^ m->proc_key));
}

static struct rn_mproc *rn_mproc_get(struct rn_otlp_model *m, uint64_t arena_id)
{
	if (m->last && m->last->arena_id == arena_id)
		return m->last;
	struct rn_map_slot *s = rn_map_find(m->procs, arena_id, 0);
	return s ? s->v.p : NULL;
}

static void rn_set_parent(struct rn_span *sp, const struct rn_mproc *p, const struct rn_otlp_model *m)
{
	(void)m;
	sp->has_parent = p->has_parent;
	memcpy(sp->parent_id, p->parent_id, 8);
	sp->flags = p->grp->trace_flags | 0x100u | (p->remote_parent ? 0x200u : 0);
	sp->group = p->grp;
}

/* ------------------------------------------------------------ groups */

static uint64_t rn_fnv(uint64_t h, const char *s, size_t cap)
{
	for (size_t i = 0; i < cap && s[i]; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull;	/* a separator: "ab","c" != "a","bc" */
}

/* What makes two processes the same program to a receiver. */
static uint64_t rn_ident(const struct rn_proc *p)
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = rn_fnv(h, p->service, sizeof p->service);
	h = rn_fnv(h, p->res_attrs, sizeof p->res_attrs);
	h = rn_fnv(h, p->traceparent, sizeof p->traceparent);
	h = rn_fnv(h, p->tracestate, sizeof p->tracestate);
	h = rn_fnv(h, p->container_id, sizeof p->container_id);
	h = rn_fnv(h, p->host, sizeof p->host);
	return rn_mix(h ^ (uint64_t)p->uid << 1 ^ (uint64_t)p->has_uid);
}

/* TRACESTATE as a receiver takes it: printable ASCII only. */
static int rn_state_ok(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

/* The sampler's decision for group g's trace (rn_otlp_model_filter set
 * it; until then everything is sampled), kept as g's sampled flag: an
 * unsampled group's call spans are not built and its process spans are
 * dropped by the sink. A program started by a traced one has that one as
 * its local parent; a program's own TRACEPARENT is a remote parent. */
static void rn_sample(const struct rn_otlp_model *m, struct rn_otlp_group *g, int has_parent,
		      int remote, int parent_sampled)
{
	if (!m->sampling)
		return;
	int s = rn_otlp_sampled(m->sampler, m->sampler_ratio, g->trace_id, has_parent, remote,
				parent_sampled);
	g->trace_flags = (uint8_t)((g->trace_flags & ~0x01u) | (s ? 0x01u : 0));
}

/* The group of image p, whose predecessor (exec) or parent (fork) image
 * is up (NULL: none known): up's when p is the same program, else a new
 * one rooted at p. Never NULL (the fallback when memory is short). */
static struct rn_otlp_group *rn_group_for(struct rn_otlp_model *m, const struct rn_proc *p,
					  const struct rn_mproc *up)
{
	uint64_t ident = rn_ident(p);
	struct rn_otlp_group *pg = up ? up->grp : NULL;
	if (pg && pg != &m->fallback && pg->ident == ident) {
		pg->refs++;
		return pg;
	}
	struct rn_otlp_group *g = calloc(1, sizeof *g);
	if (!g) {
		m->nomem++;
		return &m->fallback;
	}
	g->ident = ident;
	g->root_arena = p->arena_id;
	g->refs = 1;
	memcpy(g->traceparent, p->traceparent, sizeof g->traceparent);
	g->traceparent[sizeof g->traceparent - 1] = '\0';
	uint8_t tid[16], sid[8], fl;
	/* its own TRACEPARENT (not one its parent passed on): the program's
	 * process span is the child of that remote span, in its trace */
	if (p->traceparent[0] && !rn_otlp_parse_traceparent(p->traceparent, tid, sid, &fl) &&
	    (!pg || strcmp(pg->traceparent, p->traceparent))) {
		memcpy(g->trace_id, tid, 16);
		memcpy(g->remote_parent, sid, 8);
		g->has_remote = 1;
		g->trace_flags = fl;
		rn_sample(m, g, 1, 1, fl & 0x01);
		if (p->tracestate[0] && rn_state_ok(p->tracestate)) {
			snprintf(g->state_buf, sizeof g->state_buf, "%s", p->tracestate);
			g->trace_state = g->state_buf;
		}
	} else if (pg) {
		/* another program started by a traced one: in its trace */
		memcpy(g->trace_id, pg->trace_id, 16);
		g->trace_flags = pg->trace_flags;
		rn_sample(m, g, 1, 0, pg->trace_flags & 0x01);
		if (pg->trace_state) {
			memcpy(g->state_buf, pg->trace_state, strlen(pg->trace_state) + 1);
			g->trace_state = g->state_buf;
		}
	} else {
		/* a program of its own: a trace of its own, the same for every
		 * exporter of the session (keyed like the span ids) */
		rn_put64(g->trace_id, rn_mix(rn_get64(m->trace_id) ^ p->arena_id));
		rn_put64(g->trace_id + 8, rn_mix(rn_get64(m->trace_id + 8) ^ rn_mix(p->arena_id)));
		g->trace_flags = m->trace_flags;
		if (m->has_remote_parent) {
			/* the exporter's own TRACEPARENT (renacer-run's caller's):
			 * a program that has none joins it */
			memcpy(g->trace_id, m->trace_id, 16);
		}
		/* the run's TRACEPARENT was sampled with the fallback's flag:
		 * the parent's decision is the one it had */
		rn_sample(m, g, m->has_remote_parent, 1, m->trace_flags & 0x01);
	}
	rn_otlp_resource_for(&g->res, p, m->capture_argv);
	g->next = m->groups;
	m->groups = g;
	m->ngroups++;
	return g;
}

static void rn_group_unref(struct rn_otlp_group *g)
{
	if (g && g->refs)
		g->refs--;
}

uint64_t rn_otlp_model_held_min(const struct rn_otlp_model *m)
{
	uint64_t min = UINT64_MAX;
	/* held images have ended: they are on the ended list (rn_prune keeps
	 * them there until decided) */
	for (const struct rn_mproc *p = m->ended_head; m->nheld && p; p = p->next_ended)
		if (p->held && p->held_upto < min)
			min = p->held_upto;
	return min;
}

void rn_otlp_model_gc(struct rn_otlp_model *m, uint64_t done_seq)
{
	for (struct rn_otlp_group **pp = &m->groups; *pp;) {
		struct rn_otlp_group *g = *pp;
		if (!g->refs && g->last_seq <= done_seq) {
			*pp = g->next;
			m->ngroups--;
			free(g);
		} else {
			pp = &g->next;
		}
	}
}

const struct rn_otlp_resource *rn_otlp_model_resource(struct rn_otlp_model *m, uint64_t arena_id)
{
	struct rn_mproc *mp = rn_mproc_get(m, arena_id);
	return mp ? &mp->grp->res : NULL;
}

/* The image's parent is decided: release its held span, and decide the
 * images that exec'd from it (iteratively: exec chains can be long). */
static void rn_resolve(struct rn_otlp_model *m, struct rn_mproc *p, const uint8_t *parent,
		       int remote)
{
	while (p) {
		if (p->wait_a || p->wait_b) {
			struct rn_map_slot *w = rn_map_find(m->waiters, p->wait_a, p->wait_b);
			if (w && w->v.p == p)
				rn_map_del(m->waiters, w);
			p->wait_a = p->wait_b = 0;
		}
		p->resolved = 1;
		p->has_parent = parent != NULL;
		p->remote_parent = (uint8_t)remote;
		if (parent)
			memcpy(p->parent_id, parent, 8);
		if (p->held) {
			rn_set_parent(p->held, p, m);
			struct rn_span *sp = p->held;
			p->held = NULL;
			m->nheld--;
			m->emit(m->ctx, sp);
		}
		struct rn_map_slot *w = rn_map_find(m->waiters, p->arena_id, RN_WAIT_EXEC);
		struct rn_mproc *succ = w ? w->v.p : NULL;
		if (!succ)
			return;
		/* the successor takes the same parent */
		parent = p->has_parent ? p->parent_id : NULL;
		remote = p->remote_parent;
		p = succ;
	}
}

static int rn_wait(struct rn_otlp_model *m, struct rn_mproc *p, uint64_t a, uint64_t b)
{
	struct rn_map_slot *w = rn_map_put(m->waiters, a, b);
	if (!w)
		return -ENOMEM;
	w->v.p = p;
	p->wait_a = a;
	p->wait_b = b;
	return 0;
}

int rn_otlp_model_proc_start(struct rn_otlp_model *m, const struct rn_proc *p)
{
	if (rn_mproc_get(m, p->arena_id))
		return 0;
	struct rn_mproc *mp = calloc(1, sizeof *mp);
	struct rn_map_slot *s = mp ? rn_map_put(m->procs, p->arena_id, 0) : NULL;
	if (!s) {
		free(mp);
		m->nomem++;
		return -ENOMEM;
	}
	s->v.p = mp;
	mp->arena_id = p->arena_id;
	mp->pid = p->pid;
	mp->start_ns = p->t_start_ns;
	rn_otlp_proc_span_id(m, p->arena_id, mp->span_id);
	{
		struct rn_span tmp = { 0 };
		const char *base = strrchr(p->exe, '/');
		base = base && base[1] ? base + 1 : p->exe;
		/* made valid UTF-8 like every name */
		if (rn_span_text_utf8(&tmp, base, strnlen(base, sizeof mp->name - 4), &tmp.name) == 0)
			snprintf(mp->name, sizeof mp->name, "%s", tmp.text);
		free(tmp.text);
	}

	/* the image this one's parent is in: the fork parent's, else the
	 * live image of our ppid (vfork and posix_spawn children are made
	 * without our fork handler: their first traced image names no
	 * parent arena) */
	uint64_t parent_arena = p->parent_arena_id;
	if (!parent_arena && !p->prev_arena_id && p->ppid > 0) {
		struct rn_map_slot *ps = rn_map_find(m->pids, (uint64_t)(uint32_t)p->ppid, 0);
		if (ps && ps->v.u != p->arena_id)
			parent_arena = ps->v.u;
	}
	struct rn_map_slot *pid = rn_map_put(m->pids, (uint64_t)(uint32_t)p->pid, 0);
	if (pid)
		pid->v.u = p->arena_id;

	/* its program: the one it was exec'd from or forked by, or its own */
	const struct rn_mproc *up = p->prev_arena_id ? rn_mproc_get(m, p->prev_arena_id)
			      : parent_arena ? rn_mproc_get(m, parent_arena) : NULL;
	mp->grp = rn_group_for(m, p, up);
	const uint8_t *root = NULL;
	if (mp->grp->has_remote && mp->grp->root_arena == p->arena_id) {
		/* a program with its own TRACEPARENT: under that remote span */
		rn_resolve(m, mp, mp->grp->remote_parent, 1);
		return 0;
	}
	if (!up && m->has_remote_parent && mp->grp != &m->fallback) {
		/* renacer-run's caller's TRACEPARENT, for a program without one */
		root = m->remote_parent;
	}
	int rc = 0;
	if (p->prev_arena_id) {
		struct rn_mproc *prev = rn_mproc_get(m, p->prev_arena_id);
		if (!prev) {
			rn_resolve(m, mp, root, root != NULL);
		} else if (prev->resolved) {
			rn_resolve(m, mp, prev->has_parent ? prev->parent_id : NULL,
				   prev->remote_parent);
		} else {
			mp->fallback_has = prev->fallback_has;
			memcpy(mp->fallback, prev->fallback, 8);
			rc = rn_wait(m, mp, p->prev_arena_id, RN_WAIT_EXEC);
		}
	} else if (parent_arena) {
		uint8_t fallback[8];
		rn_otlp_proc_span_id(m, parent_arena, fallback);
		struct rn_map_slot *f = rn_map_find(m->forks, parent_arena, (uint64_t)(uint32_t)p->pid);
		struct rn_mproc *pp = rn_mproc_get(m, parent_arena);
		if (f) {
			uint8_t id[8];
			rn_put64(id, f->v.u);
			rn_map_del(m->forks, f);
			rn_resolve(m, mp, id, 0);
		} else if (!pp || pp->ended) {
			/* no fork call can arrive any more */
			rn_resolve(m, mp, fallback, 0);
		} else {
			mp->fallback_has = 1;
			memcpy(mp->fallback, fallback, 8);
			rc = rn_wait(m, mp, parent_arena, (uint64_t)(uint32_t)p->pid);
		}
	} else {
		rn_resolve(m, mp, root, root != NULL);
	}
	if (rc) {
		m->nomem++;
		rn_resolve(m, mp, mp->fallback_has ? mp->fallback : root, 0);
	}
	return 0;
}

/* Drops entries of images ended long ago: an exec'd image's successor
 * shows up within seconds. */
static void rn_prune(struct rn_otlp_model *m, uint64_t now)
{
	while (m->ended_head && now - m->ended_head->ended_mono > RN_ENDED_KEEP_NS) {
		struct rn_mproc *p = m->ended_head;
		if (!p->resolved || p->held)
			break;	/* still waiting: kept until it is decided */
		m->ended_head = p->next_ended;
		if (!m->ended_head)
			m->ended_tail = NULL;
		struct rn_map_slot *s = rn_map_find(m->procs, p->arena_id, 0);
		if (s && s->v.p == p)
			rn_map_del(m->procs, s);
		if (m->last == p)
			m->last = NULL;
		rn_group_unref(p->grp);
		free(p);
	}
	if (m->forks->n >= RN_FORK_SWEEP) {
		for (size_t i = 0; i < m->forks->cap;) {
			struct rn_map_slot *s = &m->forks->s[i];
			if (s->used && now - s->t > RN_FORK_KEEP_NS)
				rn_map_del(m->forks, s);	/* slot i refilled: look again */
			else
				i++;
		}
	}
}

static const char *rn_basename(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

/* ISO 8601 UTC with milliseconds, as process.creation.time wants. */
static size_t rn_iso8601(char *buf, size_t cap, uint64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	int k = snprintf(buf + n, cap - n, ".%03uZ", (unsigned)(ns / 1000000ull % 1000));
	return k > 0 ? n + (size_t)k : n;
}

static int rn_build_proc_span(struct rn_otlp_model *m, struct rn_mproc *mp,
			      const struct rn_proc *p, struct rn_span *sp, uint64_t end_ns)
{
	char buf[64];
	const char *exe = p->exe[0] ? p->exe : "";
	const char *base = rn_basename(exe);
	int rc = 0;

	memcpy(sp->span_id, mp->span_id, 8);
	sp->group = mp->grp;
	sp->kind = RN_KIND_INTERNAL;
	sp->start_ns = p->t_start_ns;
	sp->end_ns = end_ns > p->t_start_ns ? end_ns : p->t_start_ns;
	if (!*base && p->argc)
		base = rn_basename(p->argv);
	rc |= rn_span_text_utf8(sp, base, strlen(base), &sp->name);
	rn_span_attr_int(sp, "process.pid", p->pid);
	if (p->ppid > 0)
		rn_span_attr_int(sp, "process.parent_pid", p->ppid);
	rc |= rn_span_attr_str(sp, "process.executable.name", base, strlen(base));
	if (*exe)
		rc |= rn_span_attr_str(sp, "process.executable.path", exe, strlen(exe));
	size_t n = rn_iso8601(buf, sizeof buf, p->t_start_ns);
	rc |= rn_span_attr_str(sp, "process.creation.time", buf, n);
	if (m->capture_argv && p->argc && p->argv_len) {
		struct rn_attr *a = rn_span_attr(sp, "process.command_args", RN_AV_STRARR);
		/* argc NUL-terminated strings, each made valid UTF-8; stored
		 * one after the other, so they stay NUL-separated */
		const char *arg = p->argv, *end = p->argv + p->argv_len;
		struct rn_sref r;
		uint32_t first = 0, count = 0;
		while (a && arg < end && count < p->argc) {
			size_t alen = strnlen(arg, (size_t)(end - arg));
			if (rn_span_text_utf8(sp, arg, alen, &r)) {
				rc = -1;
				break;
			}
			if (!count++)
				first = r.off;
			arg += alen + 1;
		}
		if (a && count && !rc) {
			a->s = (struct rn_sref){ NULL, first, r.off + r.len - first };
			a->count = count;
		} else if (a) {
			sp->nattrs--;
		}
	}
	if (p->exec_gen)
		rn_span_attr_int(sp, "renacer.process.exec_generation", p->exec_gen);
	if (p->lost)
		rn_span_attr_int(sp, "renacer.lost_records", (int64_t)p->lost);
	if ((p->has_exit || p->term_signal) && p->t_end_ns) {
		n = rn_iso8601(buf, sizeof buf, sp->end_ns);
		rc |= rn_span_attr_str(sp, "process.exit.time", buf, n);
	}
	if (p->has_exit) {
		rn_span_attr_int(sp, "process.exit.code", p->exit_code);
		if (p->exit_code) {
			sp->status = RN_STATUS_ERROR;
			n = (size_t)snprintf(buf, sizeof buf, "exited with status %d", p->exit_code);
			rc |= rn_span_text(sp, buf, n, &sp->status_msg);
		}
	} else if (p->term_signal) {
		const char *sig = rn_signal_name(p->term_signal);
		sp->status = RN_STATUS_ERROR;
		if (sig) {
			rn_span_attr_cstr(sp, "process.exit.signal", sig);
			n = (size_t)snprintf(buf, sizeof buf, "killed by %s", sig);
		} else {
			rn_span_attr_int(sp, "process.exit.signal", p->term_signal);
			n = (size_t)snprintf(buf, sizeof buf, "killed by signal %d", p->term_signal);
		}
		rc |= rn_span_text(sp, buf, n, &sp->status_msg);
	}
	if (p->prev_arena_id) {
		sp->has_link = 1;
		rn_otlp_proc_span_id(m, p->prev_arena_id, sp->link_id);
	}
	return rc ? -ENOMEM : 0;
}

static void rn_ended(struct rn_otlp_model *m, struct rn_mproc *mp)
{
	mp->ended = 1;
	mp->ended_mono = rn_mono();
	mp->next_ended = NULL;
	if (m->ended_tail)
		m->ended_tail->next_ended = mp;
	else
		m->ended_head = mp;
	m->ended_tail = mp;
}

int rn_otlp_model_proc_end(struct rn_otlp_model *m, const struct rn_proc *p)
{
	struct rn_mproc *mp = rn_mproc_get(m, p->arena_id);
	if (!mp) {
		rn_otlp_model_proc_start(m, p);
		if (!(mp = rn_mproc_get(m, p->arena_id)))
			return -ENOMEM;
	}
	if (mp->ended)
		return 0;
	struct rn_span *sp = rn_span_acquire(m->pool);
	int rc = 0;
	if (!sp || rn_build_proc_span(m, mp, p, sp, p->t_end_ns)) {
		if (sp)
			rn_span_release(m->pool, sp);
		sp = NULL;
		m->nomem++;
		rc = -ENOMEM;
	}
	rn_ended(m, mp);
	struct rn_map_slot *ps = rn_map_find(m->pids, (uint64_t)(uint32_t)p->pid, 0);
	if (ps && ps->v.u == p->arena_id)
		rn_map_del(m->pids, ps);
	if (sp) {
		if (mp->resolved) {
			rn_set_parent(sp, mp, m);
			m->emit(m->ctx, sp);
		} else {
			mp->held = sp;
			mp->held_upto = m->upto_now;
			m->nheld++;
		}
	}
	/* children still waiting for a fork call of ours will not get one */
	for (size_t i = 0; i < m->waiters->cap;) {
		struct rn_map_slot *w = &m->waiters->s[i];
		if (w->used && w->a == mp->arena_id && w->b != RN_WAIT_EXEC) {
			struct rn_mproc *c = w->v.p;
			rn_resolve(m, c, c->fallback, 0);	/* deletes slot i */
		} else {
			i++;
		}
	}
	rn_prune(m, mp->ended_mono);
	return rc;
}

/* ------------------------------------------------------------- calls */

/* A call's span: its id here (from the record's identity: a batch sent
 * again after an exporter restart carries the same ids, so a receiver can
 * tell), the rest in otlp_call.c. */
static int rn_build_call_span(struct rn_otlp_model *m, const struct rn_event *ev,
			      struct rn_span *sp)
{
	rn_put64(sp->span_id, ev->rec_id ? rn_mix(ev->rec_id ^ m->proc_key) : rn_next(m));
	return rn_otlp_call_span(sp, ev);
}

int rn_otlp_model_event(struct rn_otlp_model *m, const struct rn_event *ev)
{
	if (ev->fn >= RN_NFUNCS || !ev->proc)
		return 0;
	struct rn_mproc *mp = rn_mproc_get(m, ev->proc->arena_id);
	if (!mp) {
		rn_otlp_model_proc_start(m, ev->proc);
		if (!(mp = rn_mproc_get(m, ev->proc->arena_id)))
			return -ENOMEM;
	}
	m->last = mp;
	if (!(mp->grp->trace_flags & 0x01))
		return 0;	/* the sampler dropped its program's trace */
	int32_t child;
	int forks = rn_otlp_call_forks(ev, &child);
	if (m->span_min_ns && !forks && !(m->span_errors && ev->err) &&
	    !(ev->flags & RN_EV_UNFINISHED) && ev->t_exit_ns - ev->t_enter_ns < m->span_min_ns) {
		m->filtered++;	/* counted in the metrics, no span */
		return 0;
	}
	struct rn_span *sp = rn_span_acquire(m->pool);
	if (!sp || rn_build_call_span(m, ev, sp)) {
		if (sp)
			rn_span_release(m->pool, sp);
		m->nomem++;
		return -ENOMEM;
	}
	sp->has_parent = 1;
	memcpy(sp->parent_id, mp->span_id, 8);
	sp->flags = mp->grp->trace_flags | 0x100u;
	sp->group = mp->grp;

	if (forks) {
		/* the child's image may have started first and be waiting */
		struct rn_map_slot *w = rn_map_find(m->waiters, mp->arena_id, (uint64_t)(uint32_t)child);
		if (w) {
			rn_resolve(m, w->v.p, sp->span_id, 0);
		} else {
			struct rn_map_slot *f = rn_map_put(m->forks, mp->arena_id, (uint64_t)(uint32_t)child);
			if (f) {
				f->v.u = rn_get64(sp->span_id);
				f->t = rn_mono();
			}
		}
	}
	m->emit(m->ctx, sp);
	return 0;
}

/* ------------------------------------------------------------ set up */

void rn_otlp_model_filter(struct rn_otlp_model *m, const struct rn_otlp_opts *x)
{
	m->span_min_ns = x->span_min_ns;
	m->span_errors = x->span_errors;
	m->sampler = x->sampler;
	m->sampler_ratio = x->sampler_ratio;
	m->sampling = 1;
	rn_sample(m, &m->fallback, m->has_remote_parent, 1, m->trace_flags & 0x01);
}

void rn_otlp_model_flush(struct rn_otlp_model *m, uint64_t now_ns)
{
	/* images still running (the exporter was stopped): a span to now */
	for (size_t i = 0; i < m->procs->cap; i++) {
		struct rn_map_slot *s = &m->procs->s[i];
		if (!s->used)
			continue;
		struct rn_mproc *mp = s->v.p;
		if (mp->ended)
			continue;
		struct rn_span *sp = rn_span_acquire(m->pool);
		if (!sp) {
			m->nomem++;
			continue;
		}
		memcpy(sp->span_id, mp->span_id, 8);
		sp->group = mp->grp;
		sp->kind = RN_KIND_INTERNAL;
		sp->start_ns = mp->start_ns < now_ns ? mp->start_ns : now_ns;
		sp->end_ns = now_ns;
		if (rn_span_text_utf8(sp, mp->name, strlen(mp->name), &sp->name))
			sp->name = (struct rn_sref){ "process", 0, 7 };
		rn_span_attr_int(sp, "process.pid", mp->pid);
		struct rn_attr *a = rn_span_attr(sp, "renacer.process.incomplete", RN_AV_BOOL);
		a->i = 1;
		mp->held = sp;	/* emitted below, with its parent */
		rn_ended(m, mp);
		if (mp->resolved) {
			mp->held = NULL;
			rn_set_parent(sp, mp, m);
			m->emit(m->ctx, sp);
		} else {
			mp->held_upto = m->upto_now;
			m->nheld++;
		}
	}
	/* waiters: their question will not be answered now */
	for (size_t i = 0; i < m->waiters->cap;) {
		struct rn_map_slot *w = &m->waiters->s[i];
		if (w->used && w->b != RN_WAIT_EXEC) {
			struct rn_mproc *c = w->v.p;
			rn_resolve(m, c, c->fallback, 0);
		} else {
			i++;
		}
	}
	/* exec waiters whose predecessor was never decided */
	while (m->waiters->n) {
		for (size_t i = 0; i < m->waiters->cap; i++) {
			struct rn_map_slot *w = &m->waiters->s[i];
			if (!w->used)
				continue;
			struct rn_mproc *c = w->v.p;
			rn_resolve(m, c, c->fallback_has ? c->fallback : NULL, 0);
			break;
		}
	}
}

int rn_otlp_model_init(struct rn_otlp_model *m, struct rn_span_pool *pool,
		       const struct rn_otlp_opts *x, rn_otlp_emit_fn emit, void *ctx)
{
	memset(m, 0, sizeof *m);
	m->pool = pool;
	m->emit = emit;
	m->ctx = ctx;
	m->capture_argv = x ? x->capture_argv : 0;
	m->trace_flags = 0x01;	/* sampled */
	uint64_t seed[4];
	if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed[0] = rn_mix((uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32);
		seed[1] = rn_mix(seed[0] ^ (uint64_t)ts.tv_sec);
		seed[2] = rn_mix(seed[1]);
		seed[3] = rn_mix(seed[2]);
	}
	m->rng[0] = seed[0] | 1;
	m->rng[1] = seed[1];
	if (x && x->has_parent) {
		memcpy(m->trace_id, x->trace_id, 16);
		memcpy(m->remote_parent, x->parent_span_id, 8);
		m->has_remote_parent = 1;
		m->trace_flags = x->trace_flags;
	} else {
		rn_put64(m->trace_id, seed[2]);
		rn_put64(m->trace_id + 8, seed[3]);
	}
	/* differs between runs, even when they share a trace */
	m->proc_key = rn_mix(seed[0] ^ seed[3]);
	/* the fallback group: the exporter's own resource and trace */
	memcpy(m->fallback.trace_id, m->trace_id, 16);
	m->fallback.trace_flags = m->trace_flags;
	m->fallback.refs = 1;	/* never freed */
	if (x && x->has_parent) {
		memcpy(m->fallback.remote_parent, x->parent_span_id, 8);
		m->fallback.trace_state = x->trace_state;
	}
	rn_otlp_resource_build(&m->fallback.res, x, x ? x->program : NULL);
	m->procs = rn_map_new();
	m->pids = rn_map_new();
	m->forks = rn_map_new();
	m->waiters = rn_map_new();
	if (!m->procs || !m->pids || !m->forks || !m->waiters) {
		rn_otlp_model_free(m);
		return -ENOMEM;
	}
	return 0;
}

void rn_otlp_model_key(struct rn_otlp_model *m, uint64_t k0, uint64_t k1)
{
	if (!m->has_remote_parent) {
		rn_put64(m->trace_id, rn_mix(k0));
		rn_put64(m->trace_id + 8, rn_mix(k1 ^ k0));
		memcpy(m->fallback.trace_id, m->trace_id, 16);
	}
	m->proc_key = rn_mix(k1);
}

void rn_otlp_model_free(struct rn_otlp_model *m)
{
	if (m->procs) {
		for (size_t i = 0; i < m->procs->cap; i++) {
			struct rn_map_slot *s = &m->procs->s[i];
			if (!s->used)
				continue;
			struct rn_mproc *mp = s->v.p;
			if (mp->held)
				rn_span_release(m->pool, mp->held);
			free(mp);
		}
	}
	while (m->groups) {
		struct rn_otlp_group *g = m->groups;
		m->groups = g->next;
		free(g);
	}
	m->ngroups = 0;
	rn_map_free(m->procs);
	rn_map_free(m->pids);
	rn_map_free(m->forks);
	rn_map_free(m->waiters);
	m->procs = m->pids = m->forks = m->waiters = NULL;
}
