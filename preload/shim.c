/* shim.c: librenacer.so's start-up, the state every file of the shim
 * shares, and the lives of processes: exit status, exec, fork and the
 * children made without it. Rings and arenas are in rings.c, the slow
 * path of record writing in emit.c, captured arguments in capture.c.
 *
 * Runs inside the traced program. It must never exit, abort, print (except
 * with RENACER_DEBUG=1), change errno, or call a libc function that one of
 * our wrappers interposes: its own system calls are raw (rawsys.h). When
 * anything is wrong the program runs untraced and unchanged.
 */
#include "shim_priv.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#endif

#include "../common/rawsys.h"
#include "../common/settings.h"
#include "resolve.h"
#include "stack.h"

__thread struct rn_tls rn_t __attribute__((tls_model("initial-exec")));
struct rn_global rn_g;
void *rn_real[RN_NFUNCS];
int32_t rn_pid;			/* our pid, refreshed in a fork child */

static void rn_debug(const char *msg, const char *detail)
{
	if (!rn_g.debug)
		return;
	char buf[512];
	size_t n = 0;
	const char *parts[] = { "renacer: ", msg, detail ? ": " : "", detail ? detail : "", "\n" };
	for (unsigned i = 0; i < 5; i++) {
		size_t l = strlen(parts[i]);
		if (l > sizeof buf - n)
			l = sizeof buf - n;
		memcpy(buf + n, parts[i], l);
		n += l;
	}
	rn_sys3(SYS_write, 2, buf, n);
}

void *rn_resolve(unsigned idx)
{
	void *p = dlsym(RTLD_NEXT, rn_fns[idx].func);
	__atomic_store_n(&rn_real[idx], p, __ATOMIC_RELAXED);
	return p;
}

/* Every real entry point, in the constructor: no wrapper looks one up
 * later (dlsym is not async-signal-safe, and may allocate). Read from the
 * hash tables of the objects after ours (resolve.c); dlsym for the names
 * that cannot settle. */
static void rn_resolve_all(void)
{
	static void *found[RN_NFUNCS];
	rn_lookup_next((const void *)rn_resolve_all, &rn_fns[0].func, sizeof rn_fns[0],
		       RN_NFUNCS, found);
	for (unsigned i = 0; i < RN_NFUNCS; i++) {
		if (rn_real[i])
			continue;
		if (found[i])
			__atomic_store_n(&rn_real[i], found[i], __ATOMIC_RELAXED);
		else
			rn_resolve(i);
	}
}

/* ---------------------------------------------------------------- clock */

/* Whether the TSC is invariant. glibc's loader already ran cpuid at start
 * and keeps the answer (glibc 2.33+): each cpuid is a trap to the
 * hypervisor in a virtual machine, microseconds per process start. */
static int rn_tsc_invariant(void)
{
#if __has_include(<sys/platform/x86.h>)
	return CPU_FEATURE_PRESENT(INVARIANT_TSC) ? 1 : 0;
#else
	unsigned a, b, c, d;
	if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000007)
		return 0;
	__get_cpuid(0x80000007, &a, &b, &c, &d);
	return (d >> 8) & 1;
#endif
}

uint64_t rn_clock_ns(clockid_t id)
{
	struct timespec ts;
	rn_clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void rn_note_exit(int status)
{
	struct rn_arena_hdr *h = rn_g.arena.hdr;
	if (!h || rn_t.busy == RN_BUSY_VFORK || rn_t.busy == RN_BUSY_SHARED)
		return;
	h->exit_code = status & 0xff;
	h->exit_ticks = rn_now();	/* when the process really ended */
	rn_store_release(&h->exited, 1);
}

/* Exec from a thread that is not the thread-group leader. The kernel
 * first ends every other thread and gives the exec'ing one the leader's id
 * (de_thread), and only then walks its robust list (exec_mmap), where it
 * marks owner-dead only the mutexes whose word holds the task's id - now
 * the leader's. Our ring's word still holds our old id, so the end of this
 * image would never be seen. Just before the exec we put the leader's id
 * (our pid) in the word: nobody else ever locks it, the exporter only
 * reads it. Returns 1 when it did so; rn_exec_back puts our id back when
 * the exec failed. */
int rn_exec_enter(void)
{
	struct rn_tls *t = &rn_t;
	if (!t->prod.ring || !t->tid || t->tid == rn_pid || t->busy == RN_BUSY_VFORK ||
	    t->busy == RN_BUSY_SHARED)
		return 0;
	uint32_t *w = (uint32_t *)&t->prod.ring->owner;
	uint32_t v = __atomic_load_n(w, __ATOMIC_RELAXED);
	if ((v & FUTEX_TID_MASK) != (uint32_t)t->tid)
		return 0;
	__atomic_store_n(w, (v & ~(uint32_t)FUTEX_TID_MASK) | (uint32_t)rn_pid, __ATOMIC_RELEASE);
	return 1;
}

void rn_exec_back(int handed)
{
	struct rn_tls *t = &rn_t;
	if (!handed || !t->prod.ring)
		return;
	uint32_t *w = (uint32_t *)&t->prod.ring->owner;
	uint32_t v = __atomic_load_n(w, __ATOMIC_RELAXED);
	__atomic_store_n(w, (v & ~(uint32_t)FUTEX_TID_MASK) | (uint32_t)t->tid, __ATOMIC_RELEASE);
}

/* on_exit handler: sees the status main returned or exit() was given. */
static void rn_on_exit(int status, void *arg)
{
	(void)arg;
	int saved = errno;
	rn_note_exit(status);
	if (rn_want(RN_IDX_exit) && !rn_t.busy) {
		uint64_t a[RN_MAX_ARGS] = { (uint64_t)(int64_t)status };
		rn_emit_now(RN_IDX_exit, a, RN_REC_NORET);
	}
	errno = saved;
}

/* ----------------------------------------------------------------- fork */

void rn_fork_prepare(void)
{
	struct rn_tls *t = &rn_t;
	struct rn_arena_hdr *me = rn_g.arena.hdr;
	t->pending_child.hdr = NULL;
	t->pending_err = 0;
	if (!me || rn_g.sandboxed)
		return;
	int rc = rn_new_arena(&t->pending_child, rn_g.params.nrings);
	if (rc) {
		/* the child runs untraced; the parent says so once it knows
		 * the child's pid (rn_fork_parent_done) */
		t->pending_err = rc;
		return;
	}
	struct rn_arena_hdr *h = t->pending_child.hdr;
	h->parent_id = me->id;
	h->ppid = rn_pid;
	h->creator_tid = t->tid;
	memcpy(h->exe, me->exe, sizeof h->exe);
	memcpy(h->argv, me->argv, sizeof h->argv);
	h->argv_len = me->argv_len;
	h->argc = me->argc;
	rn_resource_copy(h, me);
	h->t0_ticks = rn_now();
	h->t0_mono_ns = rn_clock_ns(CLOCK_MONOTONIC);
	h->t0_real_ns = rn_clock_ns(CLOCK_REALTIME);
	h->pidns = me->pidns;
	if (rn_arena_publish(&t->pending_child))
		rn_arena_drop(&t->pending_child);	/* the child makes its own */
}

void rn_fork_parent_done(int32_t pid)
{
	struct rn_tls *t = &rn_t;
	if (rn_g.sandboxed && rn_g.arena.hdr) {
		/* the child runs untraced (rn_fork_child): said in our ring,
		 * with no system call */
		rn_emit_note(pid, RN_NOTE_SANDBOX);
		return;
	}
	struct rn_arena_hdr *h = t->pending_child.hdr;
	if (!h && t->pending_err && pid > 0)
		rn_untraced(pid, 0, 0, t->pending_err);
	t->pending_err = 0;
	if (h && pid < 0)
		rn_arena_unlink(&t->pending_child);
	else if (h) {
		/* lets the exporter tell a child that died before adopting its
		 * arena from one that is about to. Only while the child has not
		 * written its own (it may already have): in a new pid namespace
		 * it sees another number, and the exporter needs the pid and
		 * namespace it wrote together */
		int32_t none = 0;
		__atomic_compare_exchange_n(&h->pid, &none, pid, 0, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	}
	rn_arena_unmap(&t->pending_child);
}

/* Child side of fork(), and of every other way of making a process that
 * copies our memory (_Fork, clone without CLONE_VM, raw fork and clone
 * system calls): a MAP_SHARED ring inherited from the parent would have
 * two producers, so the child switches to the arena the parent made for
 * it (or a new one when the parent made none). */
void rn_fork_child(void)
{
	int saved = errno;
	struct rn_tls *t = &rn_t;
	struct rn_arena_map old = rn_g.arena;
	uint64_t parent_id = old.hdr ? old.hdr->id : 0;
	t->prod.ring = NULL;
	t->busy = 0;
	t->tid = 0;
	if (rn_g.sandboxed) {
		/* no system call of ours: the child runs untraced, its
		 * parent's mappings left as they are (no second producer:
		 * it writes nothing) */
		memset(&rn_g.want, 0, sizeof rn_g.want);
		rn_g.arena.hdr = NULL;
		errno = saved;
		return;
	}
	rn_pid = (int32_t)rn_sys0(SYS_getpid);
	int rc = 0;
	if (t->pending_child.hdr) {
		rn_g.arena = t->pending_child;
		t->pending_child.hdr = NULL;
	} else if (t->pending_err) {
		/* our parent could not make our arena and says so: trying
		 * again here would fail alike, or contradict it */
		rn_g.arena.hdr = NULL;
		rc = t->pending_err;
	} else if ((rc = rn_new_arena(&rn_g.arena, rn_g.params.nrings)) == 0) {
		struct rn_arena_hdr *h = rn_g.arena.hdr;
		h->parent_id = parent_id;
		if (old.hdr) {
			memcpy(h->argv, old.hdr->argv, sizeof h->argv);
			h->argv_len = old.hdr->argv_len;
			h->argc = old.hdr->argc;
			rn_resource_copy(h, old.hdr);
		}
		if (rn_arena_publish(&rn_g.arena))
			rn_arena_drop(&rn_g.arena);
	} else {
		rn_g.arena.hdr = NULL;
		rn_untraced(rn_pid, 0, 0, rc);
	}
	t->pending_err = 0;
	rn_arena_unmap(&old);
	/* the parent's extensions are the parent's */
	for (uint32_t k = 0; k < rn_g.next_ext; k++)
		rn_arena_unmap(&rn_g.ext[k]);
	memset(rn_g.ext_hdr, 0, sizeof rn_g.ext_hdr);
	rn_g.next_ext = 0;
	rn_g.ext_busy = 0;
	struct rn_arena_hdr *h = rn_g.arena.hdr;
	if (h) {
		h->starting = 0;	/* only this thread exists in the child */
		rn_arena_identify(h);
		rn_announce(h, RN_NOTE_FORKED);
		rc = rn_claim_ring(t);
		if (rc) {
			/* a ring-less arena would look ended at once: run
			 * untraced, and say so */
			rn_arena_drop(&rn_g.arena);
			rn_g.arena.hdr = NULL;
			rn_untraced(rn_pid, 0, 1, rc);
		} else {
			rn_store_release(&h->state, RN_ARENA_LIVE);
		}
	}
	if (!rn_g.arena.hdr)
		memset(&rn_g.want, 0, sizeof rn_g.want);
	/* --complete: dispatch is not inherited; on after our own calls */
	rn_sud_fork_child();
	errno = saved;
}

/* A copy of our memory made without glibc's _Fork (clone(), raw fork and
 * clone system calls) starts with glibc's robust list still holding the
 * parent's mutexes, unregistered with the kernel (a new task has none),
 * and glibc's idea of our thread id still the parent's. Locking the
 * ring's owner mutex then would link it to the parent's entries (in an
 * arena the child has unmapped) and store the parent's id, so the kernel
 * would never mark it owner-dead. The parent notes where its list head is
 * (get_robust_list); the child empties and registers it as _Fork does,
 * claims its ring, and puts its real id in the owner word. */
void rn_raw_fork_prepare(void)
{
	void *head = NULL;
	size_t len = 0;
	if (rn_sys3(SYS_get_robust_list, 0, &head, &len) != 0 || len != 3 * sizeof(void *))
		head = NULL;
	rn_t.robust_head = head;
	rn_fork_prepare();
}

void rn_raw_fork_child(void)
{
	struct rn_tls *t = &rn_t;
	void **head = t->robust_head;
	if (!head) {
		/* cannot hold a robust mutex here: stay untraced */
		if (t->pending_child.hdr) {
			rn_arena_unlink(&t->pending_child);
			rn_arena_unmap(&t->pending_child);
		}
		t->prod.ring = NULL;
		t->busy = RN_BUSY_VFORK;
		return;
	}
	head[0] = head;		/* list: empty */
	head[2] = NULL;		/* list_op_pending */
	rn_sys2(SYS_set_robust_list, head, 3 * sizeof(void *));
	rn_fork_child();
	if (t->prod.ring) {
		uint32_t *w = (uint32_t *)&t->prod.ring->owner;
		uint32_t v = __atomic_load_n(w, __ATOMIC_RELAXED);
		__atomic_store_n(w, (v & ~(uint32_t)FUTEX_TID_MASK) | (uint32_t)t->tid,
				 __ATOMIC_RELEASE);
	}
}

/* ----------------------------------------------------------- start-up */

/* A bad RENACER_* value keeps its default; said only with RENACER_DEBUG=1. */
static void rn_env_bad(const char *name, const char *value, const char *why)
{
	(void)value;
	rn_debug(why, name);
}

static void rn_init(int argc, char **argv, char **envp)
{
	struct rn_settings set;
	/* Exec'd by a sandboxed process: the seccomp filter came with us and
	 * may forbid any system call; this image runs untraced, and this
	 * check is the only thing the shim does in it. */
	const char *sb = getenv("RENACER_SANDBOXED");
	if (sb && sb[0] == '1') {
		rn_g.sandboxed = 1;
		/* resolved now, in memory: no wrapper looks one up later */
		rn_resolve_all();
		return;
	}
	const char *dbg = getenv("RENACER_DEBUG");
	rn_g.debug = dbg && dbg[0] == '1';	/* before the others: it says why they fail */
	rn_settings_read(&set, getenv, rn_env_bad);
	const char *dir = set.session_dir;
	if (!dir) {
		rn_debug("RENACER_SESSION_DIR is not set: not tracing", NULL);
		return;
	}
	size_t dl = strlen(dir);
	struct stat st;
	if (dl >= sizeof rn_g.session_dir ||
	    rn_sys4(SYS_newfstatat, AT_FDCWD, dir, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		rn_debug("session directory unusable: not tracing", dir);
		return;
	}
	/* Our calls go where only we (and the exporter running as us) can
	 * read them: not into a directory someone else owns or may write. */
	if (st.st_uid != (uid_t)rn_sys0(SYS_geteuid) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		rn_debug("session directory not private to this user: not tracing", dir);
		return;
	}
	memcpy(rn_g.session_dir, dir, dl + 1);

	rn_resolve_all();

	rn_g.params.nrings = set.rings;
	rn_g.params.ring_cap = set.ring_size;
	rn_g.params.strsize = set.strsize;
	rn_g.datasize = set.datasize;
	rn_dump_init(set.dump);
	rn_g.data_slow = rn_g.datasize || rn_g.dump_on;
	rn_inject_init(set.inject);
	rn_g.params.on_full = set.on_full;
	rn_g.block_wait_ns = (uint64_t)set.block_wait_ms * 1000000ull;
	rn_g.launcher_pidns = set.pidns;
	rn_g.use_tsc = rn_tsc_invariant() && set.clock == 0;
	rn_g.params.clock = rn_g.use_tsc ? RN_CLOCK_TSC : RN_CLOCK_MONO;

	/* validated by rn_settings_read: NULL (all) or a set that parses */
	struct rn_filter want;
	const char *bad;
	unsigned badlen;
	if (!set.trace || rn_filter_parse(&want, set.trace, &bad, &badlen))
		rn_filter_all(&want);

	rn_env_capture(envp);
	rn_stack_note_main();
	rn_pid = (int32_t)rn_sys0(SYS_getpid);
	int rc = rn_new_arena(&rn_g.arena, rn_g.params.nrings);
	if (rc) {
		rn_debug("cannot create the arena: not tracing", dir);
		rn_untraced(rn_pid, 0, 0, rc);
		return;
	}
	struct rn_arena_hdr *h = rn_g.arena.hdr;
	rn_arena_identify(h);
	rn_announce(h, 0);
	rn_arena_set_argv(h, argc, argv);
	rn_resource_read(h, envp);
	/* Complete before it is visible: the exporter never sees this image
	 * half started (a fork child of ours could otherwise be seen first). */
	rc = rn_claim_ring(&rn_t);
	if (rc) {
		/* a ring-less arena would look ended at once */
		rn_debug("no ring for the main thread: not tracing", dir);
		rn_arena_drop(&rn_g.arena);
		rn_g.arena.hdr = NULL;
		rn_untraced(rn_pid, 0, 1, rc);
		return;
	}
	h->state = RN_ARENA_LIVE;
	if (rn_arena_publish(&rn_g.arena)) {
		/* the ring's mutex is on this thread's robust list now: the
		 * mapping must stay, only the file goes */
		rn_debug("cannot publish the arena: not tracing", dir);
		rn_arena_unlink(&rn_g.arena);
		rn_g.arena.hdr = NULL;
		rn_t.prod.ring = NULL;
		return;
	}
	/* The exec that started this image: whoever made it may have been
	 * untraced (a vfork or posix_spawn child, a static parent); the
	 * exporter drops this when the old image already recorded it. */
	if (rn_filter_has(&want, RN_IDX_execve)) {
		uint64_t a[RN_MAX_ARGS] = { (uintptr_t)h->exe, (uintptr_t)argv, (uintptr_t)envp };
		rn_emit_now(RN_IDX_execve, a, RN_REC_EXEC_START);
	}
	/* -k: after the exec record, whose stack would be ours */
	if (set.stack_depth && rn_stack_init(set.stack_depth))
		rn_debug("stacks: cannot load libunwind.so.8: no stacks", NULL);
	pthread_atfork(NULL, NULL, rn_fork_child);
	on_exit(rn_on_exit, NULL);
	/* last: from here on, wrappers record */
	rn_g.want = want;
	/* --complete: from here on, the calls no wrapper sees trap */
	rc = rn_sud_init(set.complete);
	if (rc)
		rn_debug("--complete: no syscall user dispatch here: default mode", dir);
}

__attribute__((constructor(101))) static void rn_ctor(int argc, char **argv, char **envp)
{
	int saved = errno;
	rn_init(argc, argv, envp);
	errno = saved;
}
