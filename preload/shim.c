/* shim.c: librenacer.so's start-up, ring claims, fork handling and the
 * slow path of record writing (captured arguments, full rings).
 *
 * Runs inside the traced program. It must never exit, abort, print (except
 * with RENACER_DEBUG=1), change errno, or call a libc function that one of
 * our wrappers interposes: its own system calls are raw (rawsys.h). When
 * anything is wrong the program runs untraced and unchanged.
 */
#include "shim.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "../common/rawsys.h"
#include "../common/settings.h"

__thread struct rn_tls rn_t __attribute__((tls_model("initial-exec")));
struct rn_global rn_g;
void *rn_real[RN_NFUNCS];
static int32_t rn_pid;		/* our pid, refreshed in a fork child */

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

/* ---------------------------------------------------------------- clock */

static int rn_tsc_invariant(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000007)
		return 0;
	__get_cpuid(0x80000007, &a, &b, &c, &d);
	return (d >> 8) & 1;
}

static uint64_t rn_clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- rings */

/* Takes a FREE ring of arena h for this thread and holds its owner mutex
 * until the thread dies. Rings whose memory an earlier owner reserved are
 * tried first (no system call); another is reserved before it is used.
 * Returns 0, -EAGAIN when every ring is taken, or -ENOSPC / -ENOMEM when
 * the free ones cannot get their memory. */
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
			int e = rn_arena_reserve_ring(h, i);
			if (e) {
				rn_store_release(&r->state, RN_RING_FREE);
				rc = e;
				break;	/* the others would fail alike */
			}
			e = pthread_mutex_lock(&r->owner);
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
			/* release: owner lock and tid are visible before ACTIVE */
			rn_store_release(&r->state, RN_RING_ACTIVE);
			return 0;
		}
	}
	return rc;
}

static int rn_new_arena(struct rn_arena_map *m, uint32_t nrings);
static void rn_arena_drop(struct rn_arena_map *m);
static void rn_arena_identify(struct rn_arena_hdr *h);

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
static int rn_claim_ring(struct rn_tls *t)
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
static void rn_untraced(int32_t pid, int32_t tid, int claim, int err)
{
	enum rn_note_why why = !claim ? RN_NOTE_ARENA
			       : err == -EAGAIN ? RN_NOTE_NORING : RN_NOTE_RING;
	if (rn_g.sandboxed)
		return;	/* a note is a system call: its calls count as lost */
	rn_arena_note(rn_g.session_dir, pid, tid, why, err);
}

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

void rn_note_exit(int status)
{
	struct rn_arena_hdr *h = rn_g.arena.hdr;
	if (!h || rn_t.busy == RN_BUSY_VFORK || rn_t.busy == RN_BUSY_SHARED)
		return;
	h->exit_code = status & 0xff;
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
		rn_emit_noret(RN_IDX_exit, rn_now(), a);
	}
	errno = saved;
}

/* -------------------------------------------- the program's memory */

/* Pages per process_vm_readv: each remote piece stays inside one page,
 * because the call never splits an iovec (a piece crossing into an
 * unmapped page would fail whole). 2 keep the iovecs at 64 bytes of
 * stack (RN_STACK_BUDGET): a string rarely spans more than two pages. */
#define RN_SAFE_PIECES 2

size_t rn_safe_read(void *dst, const void *src, size_t n)
{
	if (rn_g.sandboxed)
		return 0;
	size_t done = 0;
	while (done < n) {
		struct iovec l[RN_SAFE_PIECES], r[RN_SAFE_PIECES];
		unsigned k = 0;
		size_t want = 0;
		for (uintptr_t a = (uintptr_t)src + done; k < RN_SAFE_PIECES && done + want < n; k++) {
			size_t piece = 4096 - (a & 4095);
			if (piece > n - done - want)
				piece = n - done - want;
			l[k] = (struct iovec){ (char *)dst + done + want, piece };
			r[k] = (struct iovec){ (void *)a, piece };
			want += piece;
			a += piece;
		}
		long got = rn_sys6(SYS_process_vm_readv, rn_pid, (long)l, k, (long)r, k, 0);
		if (got <= 0)
			break;
		done += (size_t)got;
		if ((size_t)got < want)
			break;
	}
	return done;
}

uint64_t rn_addrlen_slow(const uint32_t *len)
{
	uint32_t v;
	return rn_safe_read(&v, len, sizeof v) == sizeof v ? RN_ADDRLEN_KNOWN | v : 0;
}

/* Stack bounds for rn_addrlen_before: the main thread's stack runs from
 * where the kernel started it (__libc_stack_end) down to its size limit,
 * a range the kernel keeps free of other mappings. */
extern void *__libc_stack_end;

void rn_stack_note_main(void)
{
	struct rlimit rl;
	uintptr_t hi = (uintptr_t)__libc_stack_end;
	uint64_t size = 8u << 20;
	if (rn_sys2(SYS_getrlimit, RLIMIT_STACK, &rl) == 0 && rl.rlim_cur < (128u << 20))
		size = rl.rlim_cur;
	if (!hi || hi < size + 65536)
		return;
	rn_t.stack_lo = hi - size + 65536;
	rn_t.stack_hi = hi;
}

/* A thread started through our pthread_create: its stack of 'size' bytes
 * (a guard of 'guard' bytes at the bottom) ends just above its thread
 * control block; 'hi' is the frame of our start routine, above every frame
 * of the program's. */
void rn_stack_note_thread(uintptr_t hi, size_t size, size_t guard)
{
	uintptr_t tp = (uintptr_t)pthread_self();
	uintptr_t margin = guard + 8192;
	rn_t.stack_lo = rn_t.stack_hi = 0;
	if (!hi || tp < size || tp - size + margin >= hi)
		return;
	rn_t.stack_lo = tp - size + margin;
	rn_t.stack_hi = hi;
}

/* ------------------------------------------------------ captured items */

/* Writes continuation bytes after the record slot, wrapping at the ring's
 * end. 'off' counts bytes from the first continuation slot. */
struct rn_cw {
	struct rn_prod *p;
	uint32_t off;
	uint32_t cap;		/* bytes available */
	int safe;		/* read the program's memory with process_vm_readv */
};

static uint8_t *rn_cw_at(const struct rn_cw *w, uint32_t off, uint32_t *contig)
{
	uint64_t ringbytes = (w->p->mask + 1) * RN_REC_SIZE;
	uint64_t pos = (((w->p->tail + 1) & w->p->mask) * RN_REC_SIZE + off) % ringbytes;
	*contig = (uint32_t)(ringbytes - pos);
	return (uint8_t *)w->p->slots + pos;
}

static void rn_cw_put(struct rn_cw *w, const void *src, uint32_t n)
{
	const uint8_t *s = src;
	while (n) {
		uint32_t contig;
		uint8_t *d = rn_cw_at(w, w->off, &contig);
		uint32_t k = n < contig ? n : contig;
		memcpy(d, s, k);
		w->off += k;
		s += k;
		n -= k;
	}
}

/* Copies up to n bytes of the program's memory at src into the ring;
 * returns the bytes copied. In safe mode a bad address yields a short copy
 * instead of a crash. */
static uint32_t rn_cw_copy_user(struct rn_cw *w, const void *src, uint32_t n)
{
	if (!w->safe) {
		rn_cw_put(w, src, n);
		return n;
	}
	uint32_t done = 0;
	while (done < n) {
		uint32_t contig;
		uint8_t *d = rn_cw_at(w, w->off, &contig);
		uint32_t k = n - done < contig ? n - done : contig;
		uint32_t got = (uint32_t)rn_safe_read(d, (const char *)src + done, k);
		w->off += got;
		done += got;
		if (got < k)
			break;
	}
	return done;
}

static void rn_cw_item(struct rn_cw *w, uint8_t tag, uint8_t flags, uint16_t len)
{
	struct rn_item it = { tag, flags, len };
	rn_cw_put(w, &it, sizeof it);
}

/* Patches an item header written earlier at 'at'. */
static void rn_cw_patch(struct rn_cw *w, uint32_t at, uint8_t tag, uint8_t flags, uint16_t len)
{
	uint32_t save = w->off;
	w->off = at;
	rn_cw_item(w, tag, flags, len);
	w->off = save;
}

/* Copies the string s, at most limit bytes, to w->off; returns its length
 * and adds RN_ITEM_TRUNC or RN_ITEM_UNREAD to *flags. Never reads past the
 * terminator, which may be the last byte of a mapping (argv and environ
 * strings end at the top of the stack). In safe mode it reads page by page:
 * process_vm_readv does not split an iovec, so one crossing into an
 * unmapped page would fail whole. */
static uint32_t rn_cw_str(struct rn_cw *w, const char *s, uint32_t limit, uint8_t *flags)
{
	uint32_t body = w->off;
	if (!w->safe) {
		size_t n = strnlen(s, (size_t)limit + 1);
		if (n > limit) {
			n = limit;
			*flags |= RN_ITEM_TRUNC;
		}
		rn_cw_put(w, s, (uint32_t)n);
		return (uint32_t)n;
	}
	uint32_t len = 0;
	while (len <= limit) {
		uint32_t chunk = 4096 - (uint32_t)(((uintptr_t)s + len) & 4095);
		if (chunk > limit + 1 - len)
			chunk = limit + 1 - len;
		uint32_t got = rn_cw_copy_user(w, s + len, chunk);
		for (uint32_t i = 0; i < got;) {
			uint32_t contig;
			const uint8_t *p = rn_cw_at(w, body + len + i, &contig);
			uint32_t k = got - i < contig ? got - i : contig;
			const uint8_t *z = memchr(p, 0, k);
			if (z) {
				len += i + (uint32_t)(z - p);
				w->off = body + len;
				return len;
			}
			i += k;
		}
		len += got;
		if (got < chunk) {	/* unreadable from here on */
			*flags |= len ? RN_ITEM_TRUNC : RN_ITEM_UNREAD;
			break;
		}
	}
	if (len > limit) {
		len = limit;
		*flags |= RN_ITEM_TRUNC;
	}
	w->off = body + len;
	return len;
}

/* A NUL-terminated string, cut at limit bytes. */
static void rn_cw_string(struct rn_cw *w, uint8_t tag, const char *s, uint32_t limit)
{
	uint32_t at = w->off;
	if (!s) {
		rn_cw_item(w, tag, RN_ITEM_NULL, 0);
		return;
	}
	if (limit > w->cap - w->off - 5)
		limit = w->cap - w->off - 5;
	rn_cw_item(w, tag, 0, 0);
	uint8_t flags = 0;
	uint32_t len = rn_cw_str(w, s, limit, &flags);
	rn_cw_patch(w, at, tag, flags, (uint16_t)len);
}

/* Fixed-size output or input memory. */
static void rn_cw_mem(struct rn_cw *w, uint8_t tag, const void *p, uint32_t n, int readable)
{
	if (!p) {
		rn_cw_item(w, tag, RN_ITEM_NULL, 0);
		return;
	}
	if (!readable || n > w->cap - w->off - 4) {
		rn_cw_item(w, tag, RN_ITEM_UNREAD, 0);
		return;
	}
	uint32_t at = w->off;
	rn_cw_item(w, tag, 0, 0);
	uint32_t got = rn_cw_copy_user(w, p, n);
	rn_cw_patch(w, at, tag, got == n ? 0 : RN_ITEM_UNREAD, (uint16_t)got);
}

/* noinline, like rn_cw_envp: their frames are never stacked on top of the
 * string and memory copies' (RN_STACK_BUDGET) */
static __attribute__((noinline)) void rn_cw_argv(struct rn_cw *w, char *const *argv,
						  uint32_t strsize)
{
	if (!argv) {
		rn_cw_item(w, RN_ARG_ARGV, RN_ITEM_NULL, 0);
		return;
	}
	uint32_t at = w->off;
	uint8_t flags = 0;
	rn_cw_item(w, RN_ARG_ARGV, 0, 0);
	uint32_t budget = RN_STRSIZE_MAX;
	for (unsigned i = 0;; i++) {
		const char *s;
		if (!w->safe)
			s = argv[i];	/* the call succeeded: the kernel read it */
		else if (rn_safe_read(&s, argv + i, sizeof s) != sizeof s) {
			flags |= RN_ITEM_UNREAD;
			break;
		}
		if (!s)
			break;
		if (i == RN_ARGV_MAX || budget < 16 || w->cap - w->off < 32) {
			flags |= RN_ITEM_TRUNC;
			break;
		}
		/* each string: u16 length then its bytes */
		uint32_t lenat = w->off;
		uint16_t zero = 0;
		rn_cw_put(w, &zero, 2);
		uint32_t lim = strsize < budget ? strsize : budget;
		if (lim > w->cap - w->off - 5)
			lim = w->cap - w->off - 5;
		uint32_t len = rn_cw_str(w, s, lim, &flags);
		uint16_t l16 = (uint16_t)len;
		uint32_t save = w->off;
		w->off = lenat;
		rn_cw_put(w, &l16, 2);
		w->off = save;
		budget -= len + 2;
	}
	rn_cw_patch(w, at, RN_ARG_ARGV, flags, (uint16_t)(w->off - at - 4));
}

/* The number of variables; in safe mode (the kernel has not read envp)
 * counted through fault-safe reads, a few pointers at a time. */
static __attribute__((noinline)) void rn_cw_envp(struct rn_cw *w, char *const *envp)
{
	uint32_t n = 0;
	if (!envp) {
		rn_cw_item(w, RN_ARG_ENVP, RN_ITEM_NULL, 0);
		return;
	}
	if (!w->safe) {
		while (envp[n])
			n++;
	} else {
		for (;;) {
			char *chunk[8];
			size_t got = rn_safe_read(chunk, envp + n, sizeof chunk) / sizeof *chunk;
			unsigned i = 0;
			while (i < got && chunk[i])
				i++;
			n += i;
			if (i < got)
				break;
			if (got < 8 || n > (1u << 20)) {
				rn_cw_item(w, RN_ARG_ENVP, RN_ITEM_UNREAD, 0);
				return;
			}
		}
	}
	rn_cw_item(w, RN_ARG_ENVP, 0, 4);
	rn_cw_put(w, &n, 4);
}

/* Upper bound of the item bytes a call may need. */
static uint32_t rn_ext_bound(const struct rn_fn_info *fi, uint32_t strsize)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < fi->ntypes; i++) {
		switch (fi->types[i]) {
		case RN_ARG_PATH: case RN_ARG_STR: case RN_ARG_FMODE:
			n += 4 + strsize + 1;
			break;
		case RN_ARG_ARGV:
			n += 4 + RN_STRSIZE_MAX + 2 * RN_ARGV_MAX + 64;
			break;
		case RN_ARG_SOCKADDR: case RN_ARG_SOCKADDR_OUT:
			n += 4 + 128;
			break;
		default:
			n += 4 + 16;
		}
	}
	n += 2 * (4 + 8);	/* scalars past the fourth */
	return n < RN_EXT_MAX ? n : RN_EXT_MAX;
}

/* Writes every item of one call; returns the bytes used. */
static uint32_t rn_write_items(struct rn_cw *w, const struct rn_fn_info *fi, const uint64_t *a,
			       int err, int64_t ret, uint32_t strsize)
{
	int ok = err == 0;
	unsigned k = 0;
	for (unsigned i = 0; i < fi->ntypes; i++) {
		unsigned ty = fi->types[i];
		if (rn_arg_is_implied(ty))
			continue;
		uint64_t v = k < fi->nargs ? a[k] : 0;
		uint64_t next = k + 1 < fi->nargs ? a[k + 1] : 0;
		const void *p = (const void *)(uintptr_t)v;
		switch (ty) {
		case RN_ARG_PATH: case RN_ARG_STR: case RN_ARG_FMODE:
			if (err == EFAULT)
				rn_cw_item(w, (uint8_t)ty, p ? RN_ITEM_UNREAD : RN_ITEM_NULL, 0);
			else
				rn_cw_string(w, (uint8_t)ty, p, strsize);
			break;
		case RN_ARG_ARGV:
			rn_cw_argv(w, p, strsize);
			break;
		case RN_ARG_ENVP:
			rn_cw_envp(w, p);
			break;
		case RN_ARG_SOCKADDR:
			rn_cw_mem(w, (uint8_t)ty, p, next < 128 ? (uint32_t)next : 128, err != EFAULT);
			break;
		case RN_ARG_SOCKADDR_OUT: {
			/* The kernel wrote min(buffer size before the call, the
			 * address's length) bytes and reports the latter: copy no
			 * more than the caller's buffer. After a successful call
			 * the length pointer is the kernel's to vouch for. */
			uint64_t before = a[RN_ADDRLEN_SLOT];
			uint32_t len = 0;
			if (ok && p && next)
				len = *(const uint32_t *)(uintptr_t)next;
			if (len > (uint32_t)before)
				len = (uint32_t)before;
			rn_cw_mem(w, (uint8_t)ty, p, len < 128 ? len : 128,
				  ok && next && (before & RN_ADDRLEN_KNOWN));
			break;
		}
		case RN_ARG_PIPEFDS:
			rn_cw_mem(w, (uint8_t)ty, p, 8, ok);
			break;
		case RN_ARG_STATUSP:
			rn_cw_mem(w, (uint8_t)ty, p, 4, ok && ret > 0);
			break;
		case RN_ARG_PIDP:
			rn_cw_mem(w, (uint8_t)ty, p, 4, ok);
			break;
		case RN_ARG_TIMESPEC:
			rn_cw_mem(w, (uint8_t)ty, p, 16, err != EFAULT);
			break;
		default:
			if (k >= 4) {
				rn_cw_item(w, RN_ITEM_SCALAR, 0, 8);
				rn_cw_put(w, &v, 8);
			}
		}
		k++;
	}
	return w->off;
}

/* Waits for room when --on-full=block and the exporter is alive; returns 1
 * when there is room. */
static int rn_wait_room(struct rn_prod *p, uint64_t n)
{
	struct rn_arena_hdr *h = rn_g.arena.hdr;
	/* sandboxed: waiting needs a sleep and a clock; drop and count */
	if (h->on_full != RN_ON_FULL_BLOCK || rn_g.sandboxed)
		return 0;
	for (;;) {
		/* An exporter that has not looked at this arena yet gets a
		 * grace period from its creation; after that, one whose
		 * heartbeat is stale is dead: never hang the program. */
		uint64_t beat = rn_load_relaxed(&h->heartbeat_ns);
		uint64_t now = rn_clock_ns(CLOCK_MONOTONIC);
		if (beat ? now - beat > 2000000000ull : now - h->t0_mono_ns > 5000000000ull)
			return 0;
		struct timespec ts = { 0, 50000 };
		rn_sys2(SYS_nanosleep, &ts, 0);
		if (rn_prod_room(p, n))
			return 1;
	}
}

/* Slots one call needs, and (in *bound) the item bytes reserved for it. */
static uint64_t rn_need(const struct rn_fn_info *fi, unsigned flags, uint32_t *bound)
{
	*bound = 0;
	if ((fi->capture || fi->nargs > 4) && !(flags & RN_REC_AFTER_NORET))
		*bound = rn_ext_bound(fi, rn_g.params.strsize);
	return 1 + rn_rec_nconts(*bound);
}

/* Writes one record and its items at p's tail, which has room for it;
 * publishes nothing. Returns the slots written. */
static uint32_t rn_write_rec(struct rn_prod *p, unsigned idx, uint32_t bound, uint64_t t0,
			     uint64_t t1, int64_t ret, int err, const uint64_t *a, unsigned flags)
{
	uint32_t ext = 0;
	if (bound) {
		/* NORET calls are recorded before the kernel checked anything:
		 * read through process_vm_readv so a bad pointer cannot crash
		 * the program; failed calls likewise. */
		struct rn_cw w = { p, 0, bound, (flags & RN_REC_NORET) || err != 0 };
		ext = rn_write_items(&w, &rn_fns[idx], a, err, ret, rn_g.params.strsize);
	}
	*rn_prod_slot(p, 0) = (struct rn_rec){
		.t_enter = t0, .t_exit = t1, .ret = ret,
		.arg = { a[0], a[1], a[2], a[3] },
		.fn = (uint16_t)idx, .err = (uint16_t)err,
		.ext_len = (uint16_t)ext, .flags = (uint8_t)flags,
	};
	return 1 + rn_rec_nconts(ext);
}

static uint64_t rn_stash_records(const struct rn_rec *slots, uint32_t from, uint32_t to)
{
	uint64_t n = 0;
	for (uint32_t i = from; i < to; i += 1 + rn_rec_nconts(slots[i].ext_len))
		n++;
	return n;
}

/* Moves the records signal handlers stashed into the ring. Runs with
 * busy set; a handler may stash more meanwhile, which the final
 * compare-and-swap notices (it is atomic against our own handlers). */
static void rn_stash_flush(struct rn_tls *t)
{
	uint32_t done = 0;
	for (;;) {
		uint32_t n = __atomic_load_n(&t->stash_n, __ATOMIC_RELAXED);
		if (n > done) {
			uint32_t k = n - done;
			if (t->prod.ring && (rn_prod_room(&t->prod, k) || rn_wait_room(&t->prod, k))) {
				for (uint32_t i = 0; i < k; i++)
					*rn_prod_slot(&t->prod, i) = t->stash[done + i];
				rn_prod_publish(&t->prod, k);
			} else if (t->prod.ring) {
				t->prod.ring->lost += rn_stash_records(t->stash, done, n);
			} else if (rn_g.arena.hdr) {
				rn_fetch_add(&rn_g.arena.hdr->lost_noring,
					     rn_stash_records(t->stash, done, n));
			}
			done = n;
		}
		uint32_t expect = done;
		if (__atomic_compare_exchange_n(&t->stash_n, &expect, 0, 0, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return;
	}
}

/* Ends a ring write: hands over what signal handlers stashed meanwhile,
 * then clears busy; a handler that stashed between the two is caught by
 * the second look (none can stash once busy is clear). */
static void rn_write_end(struct rn_tls *t)
{
	for (;;) {
		if (rn_unlikely(__atomic_load_n(&t->stash_n, __ATOMIC_RELAXED)))
			rn_stash_flush(t);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		t->busy = 0;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (rn_likely(!__atomic_load_n(&t->stash_n, __ATOMIC_RELAXED)))
			return;
		t->busy = RN_BUSY_WRITE;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	}
}

void rn_write_done(void)
{
	rn_write_end(&rn_t);
}

/* A call made by a signal handler that interrupted this thread's ring
 * write: its record goes to the thread's stash, and the interrupted
 * writer moves it into the ring. Dropped (and counted) only when the
 * stash is full or a handler interrupts a handler. */
void rn_emit_nested(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		    const uint64_t *a, unsigned flags)
{
	struct rn_tls *t = &rn_t;
	if (t->busy == RN_BUSY_SHARED && rn_g.arena.hdr)
		/* a thread whose state a CLONE_VM child shares: counted */
		rn_fetch_add(&rn_g.arena.hdr->lost_noring, 1);
	if (t->busy != RN_BUSY_WRITE)
		return;		/* a vfork child on its parent's thread: untraced */
	uint32_t bound;
	uint64_t need = rn_need(&rn_fns[idx], flags, &bound);
	uint32_t n = __atomic_load_n(&t->stash_n, __ATOMIC_RELAXED);
	if (t->stash_busy || n + need > RN_STASH_SLOTS) {
		if (t->prod.ring)
			t->prod.ring->nested++;
		else if (rn_g.arena.hdr)
			rn_fetch_add(&rn_g.arena.hdr->lost_noring, 1);
		return;
	}
	t->stash_sp = rn_sp();
	t->stash_busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	struct rn_prod sp = { NULL, t->stash, RN_STASH_SLOTS - 1, n, 0 };
	uint32_t used = rn_write_rec(&sp, idx, bound, t0, t1, ret, err, a, flags);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&t->stash_n, n + used, __ATOMIC_RELAXED);
	t->stash_busy = 0;
}

void rn_emit_slow(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		  const uint64_t *a, unsigned flags)
{
	struct rn_tls *t = &rn_t;
	if (t->busy) {
		rn_emit_nested(idx, t0, t1, ret, err, a, flags);
		return;
	}
	t->busy_sp = rn_sp();
	t->busy = RN_BUSY_WRITE;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (!t->prod.ring) {
		if (t->noring_skip) {
			t->noring_skip--;
			goto lost_noring;
		}
		if (rn_claim_ring(t)) {
			t->noring_skip = 1024;
			goto lost_noring;
		}
	}
	uint32_t bound;
	uint64_t need = rn_need(&rn_fns[idx], flags, &bound);
	if (!rn_prod_room(&t->prod, need) && !rn_wait_room(&t->prod, need)) {
		t->prod.ring->lost++;
		goto out;
	}
	rn_prod_publish(&t->prod, rn_write_rec(&t->prod, idx, bound, t0, t1, ret, err, a, flags));
	goto out;
lost_noring:
	if (rn_g.arena.hdr)
		rn_fetch_add(&rn_g.arena.hdr->lost_noring, 1);
out:
	rn_write_end(t);
}

/* A signal handler that interrupted a ring write (or a stash write) and
 * now longjmps to a frame above where that write began abandons it: the
 * writer will never clear busy, and the thread would never be traced
 * again. Nothing half written is visible (the tail is published only
 * after the whole record, stash_n only after the stash record), so we
 * count the abandoned record as lost to signal nesting, hand over what
 * handlers stashed, and clear the flags. A longjmp that stays inside the
 * handler (a target below the write) changes nothing.
 * env is glibc's x86-64 jmp_buf: the stack pointer is word 6, mangled
 * with the pointer guard (%fs:0x30) as PTR_MANGLE does. */
void rn_longjmp_check(const void *env)
{
	struct rn_tls *t = &rn_t;
	if (rn_likely(!t->stash_busy && t->busy != RN_BUSY_WRITE))
		return;
	uintptr_t guard, sp = ((const uintptr_t *)env)[6];
	__asm__("mov %%fs:0x30, %0" : "=r"(guard));
	sp = ((sp >> 0x11) | (sp << (64 - 0x11))) ^ guard;
	if (t->stash_busy && sp > t->stash_sp) {
		t->stash_busy = 0;
		if (t->prod.ring)
			t->prod.ring->nested++;
	}
	if (t->busy == RN_BUSY_WRITE && sp > t->busy_sp) {
		if (t->prod.ring)
			t->prod.ring->nested++;
		rn_write_end(t);
	}
}

void rn_emit_noret(unsigned idx, uint64_t t0, const uint64_t *a)
{
	rn_emit_slow(idx, t0, 0, 0, 0, a, RN_REC_NORET);
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
static void rn_arena_drop(struct rn_arena_map *m)
{
	rn_arena_unlink(m);
	rn_arena_unmap(m);
}

static int rn_new_arena(struct rn_arena_map *m, uint32_t nrings)
{
	struct rn_arena_params p = rn_g.params;
	p.nrings = nrings;
	for (int tries = 0; tries < 4; tries++) {
		int rc = rn_arena_create(rn_g.session_dir, &p, rn_make_id(), m);
		if (rc != -EEXIST)
			return rc;
	}
	return -EEXIST;
}

/* Fills the identity of the current process into a fresh header. */
static void rn_arena_identify(struct rn_arena_hdr *h)
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

/* Tells the exporter our pid as its namespace sees it when ours is
 * another (see RN_PIDS_SOCKET): a process in a child pid namespace
 * cannot know that number itself. Four system calls at start, only in
 * such processes; a failure only leaves the exporter showing our own
 * view of the pid. */
static void rn_announce(const struct rn_arena_hdr *h, uint32_t flags)
{
	if (h->pidns && h->pidns == rn_g.launcher_pidns)
		return;
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
	struct rn_pid_note n = { h->id, h->pidns, h->pid, flags };
	if (rn_sys3(SYS_connect, fd, &sa, sizeof sa) == 0)
		rn_sys3(SYS_write, fd, &n, sizeof n);
	rn_sys1(SYS_close, fd);
}

static void rn_arena_set_argv(struct rn_arena_hdr *h, int argc, char **argv)
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
		for (unsigned i = 0; i < RN_NFUNCS; i++)
			if (!rn_real[i])
				rn_resolve(i);
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

	for (unsigned i = 0; i < RN_NFUNCS; i++)
		if (!rn_real[i])
			rn_resolve(i);

	rn_g.params.nrings = set.rings;
	rn_g.params.ring_cap = set.ring_size;
	rn_g.params.strsize = set.strsize;
	rn_g.params.on_full = set.on_full;
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
		uint64_t now = rn_now();
		uint64_t a[RN_MAX_ARGS] = { (uintptr_t)h->exe, (uintptr_t)argv, (uintptr_t)envp };
		rn_emit_slow(RN_IDX_execve, now, now, 0, 0, a, RN_REC_EXEC_START);
	}
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
