/* fdtable_priv.h: what the descriptor table's files share (fdtable.c the
 * API and -P, fdtable_store.c the table itself, fdtable_render.c what
 * -y/-yy print, fdtable_apply.c what each call does to the table).
 *
 * Internal to those four files; nothing else includes it.
 */
#ifndef RN_FDTABLE_PRIV_H
#define RN_FDTABLE_PRIV_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "fdtable.h"

/* descriptors above this are not tracked (shown as plain numbers) */
#define FD_MAX 65536
#define NAME_CAP (PATH_MAX + 96)
#define ADDR_CAP 28		/* sockaddr_in6 */

enum { ST_UNKNOWN, ST_OPEN, ST_CLOSED, ST_LOOKED };
enum { K_FILE, K_PIPE, K_SOCK, K_OTHER };

struct fde {
	uint8_t state;
	uint8_t kind;
	uint8_t cloexec;
	uint8_t paired;		/* one of a socketpair: its peer is known */
	int family, type;
	unsigned long ino, peer;	/* 0: not known */
	char *name;		/* K_FILE: path; K_OTHER: the kernel's name */
	uint8_t local[ADDR_CAP], remote[ADDR_CAP];
	uint8_t llen, rlen;	/* 0: not known */
};

struct fdproc {
	int32_t pid;
	char *cwd;
	struct fde *v;
	unsigned n;
	struct fdproc *next;
};

struct rn_fdt {
	unsigned decode;
	struct rn_redact *redact;
	char **paths;		/* -P, as given and resolved */
	unsigned npaths;
	char *cwd;
	struct fdproc *procs;
	struct rn_fdnames cur;
	char nb[RN_MAX_TYPES + 3][NAME_CAP];
};

/* The event's call arguments by position with their types (implied
 * ones left out). */
struct args {
	unsigned n;
	unsigned type[RN_MAX_TYPES];
	unsigned ti[RN_MAX_TYPES];	/* type position: ev->cap, fdn.arg */
	uint64_t v[RN_MAX_TYPES];
};

/* --- fdtable_store.c: the table */

/* The slot of fd in p (grown as needed); NULL past FD_MAX or no memory. */
struct fde *rn_fdt_slot(struct fdproc *p, int64_t fd);
void rn_fdt_proc_free(struct fdproc *p);
struct fdproc *rn_fdt_proc_find(struct rn_fdt *t, int32_t pid);
void rn_fdt_proc_drop(struct rn_fdt *t, int32_t pid);
/* A new table for pid: a copy of src's (a fork child), else empty. */
struct fdproc *rn_fdt_proc_new(struct rn_fdt *t, int32_t pid, const struct fdproc *src);
/* The event's process table: made at its first call, from its parent's
 * when the fork was not seen first. NULL: no memory. */
struct fdproc *rn_fdt_proc_of(struct rn_fdt *t, const struct rn_event *ev);
/* The absolute name of path (n bytes) relative to base, as the kernel
 * would name it; NULL when it cannot be said. The caller frees it. */
char *rn_fdt_path_abs(const char *base, const uint8_t *path, size_t n);
/* The inode behind a pipe or socket just made ("socket:[", "pipe:["), 0
 * when not known. */
unsigned long rn_fdt_proc_ino(int32_t pid, int64_t fd, const char *prefix);
/* The open entry for fd as the call saw it, looked up in /proc the first
 * time an fd the table never saw is used (may_look). NULL: a plain number. */
struct fde *rn_fdt_fd_get(struct fdproc *p, int64_t fd, int may_look);
/* A new descriptor fd: an open entry of kind k, or NULL. */
struct fde *rn_fdt_fd_new(struct fdproc *p, int64_t fd, int kind, int cloexec);
void rn_fdt_fd_close(struct fdproc *p, int64_t fd);
void rn_fdt_fd_dup(struct fdproc *p, int64_t from, int64_t to, int cloexec);

/* --- fdtable_render.c: what -y/-yy print */

/* What is shown between < and > for e, into b, --redact-paths applied: 1
 * when renacer composed it (TCP:[A->B]), 0 when it is the kernel's name. */
int rn_fdt_render(const struct rn_fdt *t, const struct fde *e, char *b, size_t cap);

/* --- fdtable_apply.c: what each call does */

void rn_fdt_args_of(const struct rn_event *ev, struct args *a);
/* The first argument of type ty: its index, or -1. */
int rn_fdt_arg_find(const struct args *a, unsigned ty);
/* The captured bytes at type position i: 1 with *p and *n, 0 when absent. */
int rn_fdt_cap_at(const struct rn_event *ev, unsigned i, const uint8_t **p, size_t *n);
/* The kernel's name of the descriptor an anonymous-inode call makes, or NULL. */
const char *rn_fdt_anon_name(long nr);
/* Applies what ev did to p (and to a child's table). */
void rn_fdt_apply(struct rn_fdt *t, struct fdproc *p, const struct rn_event *ev, const struct args *a);

#endif
