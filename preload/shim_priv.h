/* shim_priv.h: what the shim's own files (shim.c, rings.c, emit.c,
 * capture.c) share and the wrappers do not need. Hidden, like all of the
 * shim but the wrappers. */
#ifndef RN_SHIM_PRIV_H
#define RN_SHIM_PRIV_H

#include <time.h>

#include "shim.h"

#pragma GCC visibility push(hidden)

extern int32_t rn_pid;		/* our pid, refreshed in a fork child (shim.c) */

/* shim.c */
uint64_t rn_clock_ns(clockid_t id);	/* clock_gettime through the vDSO, in ns */

/* rings.c */
int rn_new_arena(struct rn_arena_map *m, uint32_t nrings);	/* 0 or -errno */
void rn_arena_drop(struct rn_arena_map *m);	/* unlink and unmap one we cannot use */
void rn_arena_identify(struct rn_arena_hdr *h);	/* pid, clocks, exe of this process */
void rn_arena_set_argv(struct rn_arena_hdr *h, int argc, char **argv);
void rn_announce(const struct rn_arena_hdr *h, uint32_t flags);	/* pid note, other pidns */
/* resource.c: the program's OpenTelemetry identity (constructor only),
 * and a fork child's copy of its parent's */
void rn_resource_read(struct rn_arena_hdr *h, char **envp);
void rn_resource_copy(struct rn_arena_hdr *dst, const struct rn_arena_hdr *src);
/* rn_claim_ring: a ring for this thread, adding an extension arena when
 * every ring is taken; 0 or -errno (-EPERM once sandboxed). */
int rn_claim_ring(struct rn_tls *t);
/* rn_untraced: the "not traced" note for pid (thread tid, 0: all of it);
 * err from rn_arena_create, or from rn_claim_ring when 'claim'. */
void rn_untraced(int32_t pid, int32_t tid, int claim, int err);

/* ktermios.c: sizeof the kernel's struct termios */
extern const uint32_t rn_ktermios_size;

/* capture.c */
/* RENACER_DUMP ("READ;WRITE" descriptor lists, checked by the launcher)
 * into rn_g.dump_fds; a descriptor out of range is skipped. */
void rn_dump_init(const char *spec);
/* Upper bound of the item bytes a call of fi may need. */
uint32_t rn_ext_bound(const struct rn_fn_info *fi, uint32_t strsize);
/* rn_capture_items: writes the items of call idx after p's tail, in at
 * most 'bound' bytes, reading the program's memory fault-safely when
 * 'safe'; returns the bytes written. */
#define RN_SAFE_ALL 1	/* nothing read by the kernel yet (exec, injected) */
#define RN_SAFE_FAILED 2	/* a failed call the kernel made */
uint32_t rn_capture_items(struct rn_prod *p, uint32_t bound, int safe, unsigned idx,
			  const uint64_t *a, int err, int64_t ret);

/* signals.c: the siginfo item of an RN_REC_SIGNAL record (a[1] points at
 * the siginfo) after p's tail; returns the bytes written */
#define RN_SIG_ITEM_BYTES (4 + 128)
uint32_t rn_sig_items(struct rn_prod *p, const uint64_t *a);

#pragma GCC visibility pop

#endif
