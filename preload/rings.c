/* rings.c: this process's arenas and its threads' rings: creating an
 * arena (and extensions when every ring is taken), claiming a ring for a
 * thread, and saying so when a process or thread cannot be traced.
 *
 * Runs inside the traced program: raw system calls only, never on the
 * traced path of a call (a ring is claimed once per thread), none once
 * sandboxed. A ring has one producer: a thread holds its ring's robust
 * owner mutex from claim to death.
 */
#include "shim_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "../common/rawsys.h"

/* ---------------------------------------------------------------- rings */

/* The first tail whose slot is not reserved after a claim of ring i, or
 * -ENOSPC / -ENOMEM. A fresh ring gets its first RN_RING_RESERVE_FIRST
 * records (the rest as the producer reaches it: rn_room_slow); a ring an
 * earlier owner left part-used is reserved whole (rare: thread churn). */
static uint32_t rn_res_ample;	/* the last arena made found space ample */

static int64_t rn_reserve_first(struct rn_arena_hdr *h, uint32_t i)
{
	struct rn_ring *r = rn_arena_ring(h, i);
	if (rn_load_acquire(&r->reserved))
		return INT64_MAX;
	/* short of space: whole, so that the ring keeps working while
	 * others fill the file system (arena.h) */
	if (!__atomic_load_n(&rn_res_ample, __ATOMIC_RELAXED) || r->tail != 0 ||
	    h->ring_cap <= RN_RING_RESERVE_FIRST) {
		int e = rn_arena_reserve_ring(h, i);
		return e ? e : INT64_MAX;
	}
	int e = rn_arena_reserve_slots(rn_arena_slots(h, i), 0, RN_RING_RESERVE_FIRST);
	return e < 0 ? e : e > 0 ? INT64_MAX : RN_RING_RESERVE_FIRST;
}

/* Sets room_end (shim.h): where the fast room test next fails. */
static void rn_room_limit(struct rn_tls *t)
{
	uint64_t hw = t->prod.head_cache + rn_ring_high_water(t->prod.mask + 1);
	t->room_end = hw < t->res_end ? hw : t->res_end;
}

/* More of this thread's ring, enough for tail 'need': twice what is
 * reserved, up to the whole ring. Returns 1 when reserved. Sandboxed, no
 * system call: the ring was reserved whole before the filter came
 * (rn_rings_reserve_all) or its records are dropped. */
#define RN_RESERVE_RETRY 1024u	/* slow-path entries between failed tries */
static int rn_reserve_more(struct rn_tls *t, uint64_t need)
{
	struct rn_ring *r = t->prod.ring;
	uint64_t cap = t->prod.mask + 1;
	if (t->res_skip) {
		t->res_skip--;
		return 0;
	}
	if (rn_load_acquire(&r->reserved)) {
		t->res_end = UINT64_MAX;
		return 1;
	}
	if (rn_g.sandboxed)
		return 0;
	uint64_t to = t->res_end;
	while (to < need && to < cap)
		to *= 2;
	if (to > cap)
		to = cap;
	int e = rn_arena_reserve_slots(t->prod.slots, t->res_end, to);
	if (e < 0) {
		t->res_skip = RN_RESERVE_RETRY;
		return 0;
	}
	if (e > 0 || to == cap) {
		rn_store_release(&r->reserved, 1);
		t->res_end = UINT64_MAX;
	} else {
		t->res_end = to;
	}
	return 1;
}

int rn_room_slow(struct rn_tls *t, uint64_t n)
{
	struct rn_prod *p = &t->prod;
	if (p->tail + n > t->res_end && !rn_reserve_more(t, p->tail + n))
		return 0;
	t->res_skip = 0;
	int r = rn_prod_room_hw(p, n);
	if (rn_unlikely(r & RN_ROOM_WAKE)) {
		rn_ring_wake(p);
		r &= 1;
	}
	rn_room_limit(t);
	return r;
}

/* Before a seccomp filter may forbid our system calls: every ring a
 * thread of ours holds is reserved whole now, so that its producer never
 * needs one (rn_reserve_more). A failure leaves that ring dropping its
 * records at the end of what it has. */
void rn_rings_reserve_all(void)
{
	struct rn_arena_hdr *hs[1 + RN_EXT_ARENAS];
	uint32_t n = 0;
	if (rn_g.arena.hdr)
		hs[n++] = rn_g.arena.hdr;
	uint32_t k = rn_load_acquire(&rn_g.next_ext);
	for (uint32_t j = 0; j < k && j < RN_EXT_ARENAS; j++)
		if ((hs[n] = rn_load_acquire(&rn_g.ext_hdr[j])))
			n++;
	for (uint32_t a = 0; a < n; a++)
		for (uint32_t i = 0; i < hs[a]->nrings; i++)
			if (rn_load_relaxed(&rn_arena_ring(hs[a], i)->state) == RN_RING_ACTIVE)
				rn_arena_reserve_ring(hs[a], i);
}

/* Takes a FREE ring of arena h for this thread and holds its owner mutex
 * until the thread dies. Rings whose memory an earlier owner reserved are
 * tried first (no system call); another gets the start of its memory
 * before it is used. Returns 0, -EAGAIN when every ring is taken, or
 * -ENOSPC / -ENOMEM when the free ones cannot get their memory. */
static int rn_claim_in(struct rn_tls *t, struct rn_arena_hdr *h)
{
	int rc = -EAGAIN;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < h->nrings; i++) {
			struct rn_ring *r = rn_arena_ring(h, i);
			uint32_t expect = RN_RING_FREE;
			if (rn_load_relaxed(&r->state) != RN_RING_FREE ||
			    (pass == 0 && !rn_load_relaxed(&r->reserved)) ||
			    !rn_cas(&r->state, &expect, RN_RING_CLAIMING))
				continue;
			int64_t res = rn_reserve_first(h, i);
			if (res < 0) {
				rn_store_release(&r->state, RN_RING_FREE);
				rc = (int)res;
				break;	/* the others would fail alike */
			}
			int e = pthread_mutex_lock(&r->owner);
			if (e == EOWNERDEAD)
				e = pthread_mutex_consistent(&r->owner);
			if (e) {
				rn_store_release(&r->state, RN_RING_FREE);
				continue;
			}
			r->tid = t->tid;
			r->claims++;
			r->t_claim = rn_now();
			t->prod = (struct rn_prod){
				.ring = r,
				.slots = rn_arena_slots(h, i),
				.mask = h->ring_cap - 1,
				.tail = r->tail,
				.head_cache = rn_load_acquire(&r->head),
			};
			t->ring_idx = i;
			t->res_end = res == INT64_MAX ? UINT64_MAX : (uint64_t)res;
			t->res_skip = 0;
			rn_room_limit(t);
			/* release: owner lock and tid are visible before ACTIVE */
			rn_store_release(&r->state, RN_RING_ACTIVE);
			return 0;
		}
	}
	return rc;
}


/* Adds extension arena k (one thread at a time); returns its header, or
 * NULL with *err set. */
static struct rn_arena_hdr *rn_add_extension(uint32_t k, int *err)
{
	struct rn_arena_hdr *main = rn_g.arena.hdr;
	struct rn_arena_map *m = &rn_g.ext[k];
	*err = rn_new_arena(m, rn_ext_rings(rn_g.params.nrings, k));
	if (*err)
		return NULL;
	struct rn_arena_hdr *h = m->hdr;
	rn_arena_identify(h);
	h->ext_of = main->id;
	h->ext_index = k + 1;
	h->parent_id = main->parent_id;
	h->state = RN_ARENA_LIVE;
	*err = rn_arena_publish(m);
	if (*err) {
		rn_arena_drop(m);
		return NULL;
	}
	rn_store_release(&rn_g.ext_hdr[k], h);
	rn_store_release(&rn_g.next_ext, k + 1);
	return h;
}

/* rn_claim_ring: a ring for this thread in the process's arena or one of
 * its extensions, adding an extension when all are taken or cannot get
 * their memory (an extension is made with shorter rings when memory is
 * short): a process with more threads than rings still records
 * everything. Returns 0, or -errno: -EAGAIN when the extensions are
 * exhausted, -ENOSPC / -ENOMEM when no ring can get its memory, or why
 * no extension could be made. */
int rn_claim_ring(struct rn_tls *t)
{
	struct rn_arena_hdr *h = rn_g.arena.hdr;
	if (!h)
		return -ENOENT;
	/* sandboxed: a claim needs system calls (gettid, maybe a new arena);
	 * the thread stays untraced, its calls counted as lost_noring */
	if (rn_g.sandboxed)
		return -EPERM;
	if (!t->tid)
		t->tid = (int32_t)rn_sys0(SYS_gettid);
	int rc = rn_claim_in(t, h);
	if (rc == 0)
		return 0;
	for (;;) {
		uint32_t n = rn_load_acquire(&rn_g.next_ext);
		for (uint32_t k = 0; k < n; k++) {
			int e = rn_claim_in(t, rn_load_acquire(&rn_g.ext_hdr[k]));
			if (e == 0)
				return 0;
			if (e != -EAGAIN)
				rc = e;
		}
		if (n == RN_EXT_ARENAS)
			return rc;
		uint32_t idle = 0;
		if (rn_cas(&rn_g.ext_busy, &idle, 1)) {
			struct rn_arena_hdr *x = NULL;
			int e = 0;
			if (rn_load_acquire(&rn_g.next_ext) == n)
				x = rn_add_extension(n, &e);
			rn_store_release(&rn_g.ext_busy, 0);
			if (x && (e = rn_claim_in(t, x)) == 0)
				return 0;
			if (!x && rn_load_acquire(&rn_g.next_ext) == n)
				return e;	/* cannot create one */
			if (e && e != -EAGAIN)
				rc = e;
		} else {
			/* another thread is adding one: rare, and only at thread start */
			struct timespec ts = { 0, 20000 };
			rn_sys2(SYS_nanosleep, &ts, 0);
		}
	}
}

/* Says in the session that pid (thread tid, 0: all of it) runs untraced,
 * and why: err from rn_arena_create, or from rn_claim_ring when 'claim'.
 * The exporter prints it. */
void rn_untraced(int32_t pid, int32_t tid, int claim, int err)
{
	enum rn_note_why why = !claim ? RN_NOTE_ARENA
			       : err == -EAGAIN ? RN_NOTE_NORING : RN_NOTE_RING;
	if (rn_g.sandboxed)
		return;	/* a note is a system call: its calls count as lost */
	rn_arena_note(rn_g.session_dir, pid, tid, why, err);
}

static void rn_announce_thread(const struct rn_arena_hdr *h, int32_t tid);

void rn_thread_claim(void)
{
	struct rn_tls *t = &rn_t;
	struct rn_arena_hdr *h = rn_g.arena.hdr;
	t->tid = 0;
	t->prod.ring = NULL;
	if (!h)
		return;
	int rc = rn_claim_ring(t);
	if (rc) {
		/* its calls are counted in lost_noring as they come */
		rn_untraced(rn_pid, t->tid, 1, rc);
	} else if (t->tid != rn_pid) {
		rn_announce_thread(h, t->tid);	/* in another pid namespace */
	}
	/* only now may the exporter count this thread among the ended ones */
	__atomic_fetch_sub(&h->starting, 1, __ATOMIC_RELEASE);
}

void rn_thread_starting(int delta)
{
	struct rn_arena_hdr *h = rn_g.arena.hdr;
	if (h)
		__atomic_fetch_add(&h->starting, (uint32_t)delta, __ATOMIC_RELEASE);
}

/* --------------------------------------------------------------- arenas */

static uint64_t rn_make_id(void)
{
	static uint64_t counter;
	uint64_t x = __builtin_ia32_rdtsc() ^ ((uint64_t)rn_pid << 32) ^
		     (uint64_t)(uintptr_t)&x ^ (++counter * 0x9e3779b97f4a7c15ull);
	/* splitmix64 finaliser: spreads the bits of a weak seed */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x ? x : 1;
}

/* Removes and unmaps an arena we made but cannot use. */
void rn_arena_drop(struct rn_arena_map *m)
{
	rn_arena_unlink(m);
	rn_arena_unmap(m);
}

int rn_new_arena(struct rn_arena_map *m, uint32_t nrings)
{
	struct rn_arena_params p = rn_g.params;
	p.nrings = nrings;
	for (int tries = 0; tries < 4; tries++) {
		int rc = rn_arena_create(rn_g.session_dir, &p, rn_make_id(), m);
		if (rc == 0)
			__atomic_store_n(&rn_res_ample, m->ample, __ATOMIC_RELAXED);
		if (rc != -EEXIST)
			return rc;
	}
	return -EEXIST;
}

/* Fills the identity of the current process into a fresh header. */
void rn_arena_identify(struct rn_arena_hdr *h)
{
	h->pid = rn_pid;
	h->ppid = (int32_t)rn_sys0(SYS_getppid);
	h->t0_ticks = rn_now();
	h->t0_mono_ns = rn_clock_ns(CLOCK_MONOTONIC);
	h->t0_real_ns = rn_clock_ns(CLOCK_REALTIME);
	struct stat st;
	if (rn_sys4(SYS_newfstatat, AT_FDCWD, "/proc/self/ns/pid", &st, 0) == 0)
		h->pidns = st.st_ino;
	long n = rn_sys3(SYS_readlink, "/proc/self/exe", h->exe, sizeof h->exe - 1);
	h->exe[n > 0 ? n : 0] = '\0';
}

/* Sends note n on the session's pids socket; with SCM_CREDENTIALS naming
 * thread 'tid' when it is not 0 (and without them when the kernel will
 * not let us name a thread: CAP_SYS_ADMIN in our pid namespace's user
 * namespace is needed). A failure only leaves the exporter showing our own
 * view of the id. */
static void rn_announce_send(const struct rn_pid_note *n, int32_t tid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t dl = strlen(rn_g.session_dir);
	if (dl + 1 + sizeof RN_PIDS_SOCKET > sizeof sa.sun_path)
		return;
	memcpy(sa.sun_path, rn_g.session_dir, dl);
	sa.sun_path[dl] = '/';
	memcpy(sa.sun_path + dl + 1, RN_PIDS_SOCKET, sizeof RN_PIDS_SOCKET);
	long fd = rn_sys3(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	if (rn_sys3(SYS_connect, fd, &sa, sizeof sa) == 0) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct ucred))];
		} c;
		struct iovec iov = { (void *)n, sizeof *n };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (tid) {
			struct ucred cr = { tid, (uid_t)rn_sys0(SYS_geteuid), (gid_t)rn_sys0(SYS_getegid) };
			memset(&c, 0, sizeof c);
			c.h.cmsg_level = SOL_SOCKET;
			c.h.cmsg_type = SCM_CREDENTIALS;
			c.h.cmsg_len = CMSG_LEN(sizeof cr);
			memcpy(CMSG_DATA(&c.h), &cr, sizeof cr);
			m.msg_control = c.b;
			m.msg_controllen = sizeof c.b;
		}
		if (rn_sys3(SYS_sendmsg, fd, &m, MSG_NOSIGNAL) < 0 && tid) {
			m.msg_control = NULL;	/* not allowed to name a thread */
			m.msg_controllen = 0;
			rn_sys3(SYS_sendmsg, fd, &m, MSG_NOSIGNAL);
		}
	}
	rn_sys1(SYS_close, fd);
}

/* Tells the exporter our pid as its namespace sees it when ours is
 * another (see RN_PIDS_SOCKET): a process in a child pid namespace
 * cannot know that number itself. Four system calls at start, only in
 * such processes. */
void rn_announce(const struct rn_arena_hdr *h, uint32_t flags)
{
	if (h->pidns && h->pidns == rn_g.launcher_pidns)
		return;
	struct rn_pid_note n = { h->id, h->pidns, h->pid, flags };
	rn_announce_send(&n, 0);
}

/* The same for a thread other than the main one, as it claims its ring:
 * its id as the exporter sees it, which nothing in here can know. */
static void rn_announce_thread(const struct rn_arena_hdr *h, int32_t tid)
{
	if (h->pidns && h->pidns == rn_g.launcher_pidns)
		return;
	struct rn_pid_note n = { h->id, h->pidns, tid, RN_NOTE_THREAD };
	rn_announce_send(&n, tid);
}

void rn_arena_set_argv(struct rn_arena_hdr *h, int argc, char **argv)
{
	uint32_t used = 0, n = 0;
	for (int i = 0; argv && i < argc && argv[i]; i++) {
		size_t l = strlen(argv[i]) + 1;
		if (used + l > sizeof h->argv)
			break;
		memcpy(h->argv + used, argv[i], l);
		used += (uint32_t)l;
		n++;
	}
	h->argv_len = used;
	h->argc = n;
}
