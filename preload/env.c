/* env.c: keeping LD_PRELOAD and RENACER_* in the environment of exec'd
 * images, even when the program passes its own envp or edited environ.
 *
 * Runs in exec wrappers, possibly in a vfork child that borrows its
 * parent's memory, a signal handler on a small stack, or a sandboxed
 * process: no malloc, no large stack frame (scratch areas instead), and
 * the program's envp is only read fault-safely, since the kernel has not
 * read it yet. It must never make an exec fail that would succeed, nor
 * succeed one that would fail.
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "../common/rawsys.h"

extern char **environ;

#include "exec_check.h"
#include "shim.h"

#define RN_KEEP_MAX 16

static char rn_keep_buf[8192];
static char *rn_keep[RN_KEEP_MAX];	/* "NAME=value" */
static unsigned rn_nkeep;
static const char *rn_libpath;		/* our own path, as loaded */
static const char *rn_libloaded;	/* ... as this loader expanded it */
/* With RENACER_PRELOAD: the path this loader expanded it to, and that
 * LD_PRELOAD entry, for images exec'd in a sandbox (see rn_env_undst). */
static char rn_libreal[4096 + 11] = "LD_PRELOAD=";
static int rn_has_real;

static void rn_keep_add(const char *name, const char *value)
{
	static size_t used;
	size_t nl = strlen(name), vl = strlen(value);
	if (rn_nkeep == RN_KEEP_MAX || used + nl + vl + 2 > sizeof rn_keep_buf)
		return;
	char *p = rn_keep_buf + used;
	memcpy(p, name, nl);
	p[nl] = '=';
	memcpy(p + nl + 1, value, vl + 1);
	used += nl + vl + 2;
	rn_keep[rn_nkeep++] = p;
}

void rn_env_capture(char **envp)
{
	Dl_info di;
	if (dladdr((void *)rn_env_capture, &di) && di.dli_fname && di.dli_fname[0] == '/')
		rn_libpath = rn_libloaded = di.dli_fname;
	for (char **e = envp; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || strncmp(*e, "RENACER_", 8))
			continue;
		char name[64];
		size_t nl = (size_t)(eq - *e);
		if (nl >= sizeof name)
			continue;
		memcpy(name, *e, nl);
		name[nl] = '\0';
		rn_keep_add(name, eq + 1);
	}
	/* renacer-run names us with $LIB, so that each exec'd image's loader
	 * picks its own ABI's directory (a 32-bit one finds a silent no-op):
	 * put back that form, not the path this loader expanded it to */
	for (char **e = envp; e && *e; e++)
		if (!strncmp(*e, "RENACER_PRELOAD=", 16) && (*e)[16] == '/') {
			if (rn_libpath && strlen(rn_libpath) < sizeof rn_libreal - 11) {
				strcpy(rn_libreal + 11, rn_libpath);
				rn_has_real = 1;
			}
			rn_libpath = *e + 16;
		}
	if (rn_libpath) {
		unsigned before = rn_nkeep;
		rn_keep_add("LD_PRELOAD", rn_libpath);
		/* our copy: the program may rewrite its environment */
		rn_libpath = rn_nkeep > before ? rn_keep[before] + 11 : NULL;
	}
}

/* Does the LD_PRELOAD value 'v' already name our library? */
static int rn_preload_has(const char *v)
{
	size_t ll = strlen(rn_libpath);
	for (const char *p = v; (p = strstr(p, rn_libpath)); p += ll) {
		char before = p == v ? ':' : p[-1], after = p[ll];
		if ((before == ':' || before == ' ') && (after == ':' || after == ' ' || !after))
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------ scratch areas */

/* The fixed environment needs room for the program's whole envp: it is
 * built in a scratch area, never on the stack (exec runs on 8 KiB
 * sigaltstacks and in clone children with tiny stacks). A few areas are
 * mapped once per process, on first use; each is owned by a thread id
 * for one call. An owner that is no thread of this process any more (a
 * vfork or CLONE_VM child that exec'd while holding one, a fork parent's
 * thread) is stale and its area is taken back. When all are in use (a
 * signal handler exec'ing inside an exec wrapper, many threads at once),
 * an area is mapped for the one call. */
#define RN_SCRATCH_SLOTS 4
#define RN_SCRATCH_SIZE (64 * 1024)
#define RN_MERGE_MAX 8192	/* our LD_PRELOAD prepended to theirs */
#define RN_PFX 64		/* bytes of each variable compared with ours */
#define RN_BATCH 64		/* variables read per system call */
#define RN_SPAN (16 * 1024)	/* variables close together: read as pages */

struct rn_scratch {
	int32_t slot;		/* pool index, or -1: mapped for this call */
	uint32_t pad;
	struct rn_exec_verdict v;	/* the image exec'd or spawned */
	char merge[RN_MERGE_MAX];
	struct iovec l[RN_BATCH], r[RN_BATCH];
	char pfx[RN_BATCH][RN_PFX];
	char span[RN_SPAN];
	char *vec[];		/* the environment passed on */
};

#define RN_VEC_CAP ((RN_SCRATCH_SIZE - sizeof(struct rn_scratch)) / sizeof(char *))

static char *rn_pool;
static int32_t rn_pool_owner[RN_SCRATCH_SLOTS];

static void *rn_map(void)
{
	long p = rn_sys6(SYS_mmap, 0, RN_SCRATCH_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p < 0 && p > -4096 ? NULL : (void *)p;
}

/* Maps the pool now, while system calls are still allowed: called before
 * the program installs a seccomp filter. */
void rn_env_prepare(void)
{
	if (__atomic_load_n(&rn_pool, __ATOMIC_ACQUIRE))
		return;
	long p = rn_sys6(SYS_mmap, 0, RN_SCRATCH_SIZE * RN_SCRATCH_SLOTS, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p < 0 && p > -4096)
		return;
	char *expect = NULL;
	if (!__atomic_compare_exchange_n(&rn_pool, &expect, (char *)p, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		rn_sys2(SYS_munmap, p, RN_SCRATCH_SIZE * RN_SCRATCH_SLOTS);
}

/* Sandboxed: no thread id (gettid is a system call), so owners are -1 and
 * never found stale, and no area is mapped for one call. */
static struct rn_scratch *rn_scratch_get_sandboxed(void)
{
	char *pool = __atomic_load_n(&rn_pool, __ATOMIC_ACQUIRE);
	for (int i = 0; pool && i < RN_SCRATCH_SLOTS; i++) {
		int32_t o = 0;
		if (__atomic_compare_exchange_n(&rn_pool_owner[i], &o, -1, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			struct rn_scratch *sc = (struct rn_scratch *)(pool + (size_t)i * RN_SCRATCH_SIZE);
			sc->slot = i;
			return sc;
		}
	}
	return NULL;
}

static struct rn_scratch *rn_scratch_get(void)
{
	if (rn_g.sandboxed)
		return rn_scratch_get_sandboxed();
	int32_t tid = (int32_t)rn_sys0(SYS_gettid);
	char *pool = __atomic_load_n(&rn_pool, __ATOMIC_ACQUIRE);
	if (!pool) {
		long p = rn_sys6(SYS_mmap, 0, RN_SCRATCH_SIZE * RN_SCRATCH_SLOTS,
				 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p < 0 && p > -4096)
			goto one_off;
		char *expect = NULL;
		if (!__atomic_compare_exchange_n(&rn_pool, &expect, (char *)p, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			rn_sys2(SYS_munmap, p, RN_SCRATCH_SIZE * RN_SCRATCH_SLOTS);
		pool = __atomic_load_n(&rn_pool, __ATOMIC_ACQUIRE);
	}
	int32_t pid = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < RN_SCRATCH_SLOTS; i++) {
			int32_t o = __atomic_load_n(&rn_pool_owner[i], __ATOMIC_RELAXED);
			if (o) {
				if (pass == 0 || o == tid)
					continue;
				if (!pid)
					pid = (int32_t)rn_sys0(SYS_getpid);
				if (rn_sys3(SYS_tgkill, pid, o, 0) != -ESRCH)
					continue;
			}
			if (__atomic_compare_exchange_n(&rn_pool_owner[i], &o, tid, 0,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
				struct rn_scratch *sc = (struct rn_scratch *)(pool + (size_t)i * RN_SCRATCH_SIZE);
				sc->slot = i;
				return sc;
			}
		}
	}
one_off:;
	struct rn_scratch *sc = rn_map();
	if (sc)
		sc->slot = -1;
	return sc;
}

void rn_env_done(void *scratch)
{
	struct rn_scratch *sc = scratch;
	if (!sc)
		return;
	if (sc->slot < 0)
		rn_sys2(SYS_munmap, sc, RN_SCRATCH_SIZE);
	else
		__atomic_store_n(&rn_pool_owner[sc->slot], 0, __ATOMIC_RELEASE);
}

/* --------------------------------------------------- the fixed envp */

/* Reads the program's pointer array into vec, fault-safely (or with plain
 * loads when 'plain': libc's own environ, once sandboxed): returns the
 * number of variables, or -1 when it is unreadable or too long. */
static long rn_env_read_vec(char *const *envp, char **vec, size_t cap, int plain)
{
	size_t n = 0, step = 64;	/* most environments: one read */
	if (plain) {
		for (; envp[n]; n++) {
			if (n == cap)
				return -1;
			vec[n] = envp[n];
		}
		return (long)n;
	}
	for (;;) {
		size_t chunk = cap - n < step ? cap - n : step;
		step = 1024;
		if (!chunk)
			return -1;	/* too large to fix: passed on as it is */
		size_t got = rn_safe_read(vec + n, envp + n, chunk * sizeof *vec) / sizeof *vec;
		for (size_t i = 0; i < got; i++)
			if (!vec[n + i])
				return (long)(n + i);
		n += got;
		if (got < chunk)
			return -1;	/* unreadable: the kernel will say EFAULT */
	}
}

/* The rest of a variable's prefix, when the first read stopped at the end
 * of a page without finding its end. Returns 0, or -1 when unreadable
 * (the kernel would fail the exec with EFAULT). */
static int rn_env_pfx_rest(struct rn_scratch *sc, size_t i, size_t from, size_t len)
{
	char *p = sc->pfx[i - from];
	if (len >= RN_PFX || memchr(p, 0, len))
		return 0;
	return rn_safe_read(p + len, sc->vec[i] + len, RN_PFX - len) ? 0 : -1;
}

/* Variables close together (the kernel puts the initial environment in a
 * few pages at the top of the stack): read their pages in one call, one
 * iovec per page, instead of one iovec per variable (the kernel pins the
 * pages of each iovec: per-variable iovecs cost ~0.3 us each). Returns 0,
 * 1 when the variables are not close together or a page in between is not
 * readable (read them one by one), -1 when one is unreadable. */
static int rn_env_pfx_span(struct rn_scratch *sc, size_t from, size_t to, long pid)
{
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (size_t i = from; i < to; i++) {
		uintptr_t a = (uintptr_t)sc->vec[i];
		lo = a < lo ? a : lo;
		hi = a > hi ? a : hi;
	}
	hi = (hi | 4095) + 1;
	if (hi - lo > RN_SPAN)
		return 1;
	unsigned k = 0;
	for (uintptr_t a = lo; a < hi; k++) {
		size_t piece = 4096 - (a & 4095);
		sc->l[k] = (struct iovec){ sc->span + (a - lo), piece };
		sc->r[k] = (struct iovec){ (void *)a, piece };
		a += piece;
	}
	long got = rn_sys6(SYS_process_vm_readv, pid, (long)sc->l, k, (long)sc->r, k, 0);
	if (got < 0 || (uintptr_t)got != hi - lo)
		return 1;
	for (size_t i = from; i < to; i++) {
		size_t off = (uintptr_t)sc->vec[i] - lo, len = hi - lo - off;
		if (len > RN_PFX)
			len = RN_PFX;
		memset(sc->pfx[i - from], 0, RN_PFX);
		memcpy(sc->pfx[i - from], sc->span + off, len);
		if (rn_env_pfx_rest(sc, i, from, len))
			return -1;
	}
	return 0;
}

/* Reads the first RN_PFX bytes (or up to the string's end) of variables
 * [from, to) into sc->pfx, fault-safely. Returns 0, or -1 when one of them
 * cannot be read. */
static int rn_env_read_pfx(struct rn_scratch *sc, size_t from, size_t to, long pid, int plain)
{
	if (plain) {
		for (size_t i = from; i < to; i++) {
			size_t len = strnlen(sc->vec[i], RN_PFX - 1);
			memcpy(sc->pfx[i - from], sc->vec[i], len);
			sc->pfx[i - from][len] = '\0';
		}
		return 0;
	}
	int rc = rn_env_pfx_span(sc, from, to, pid);
	if (rc <= 0)
		return rc;
	size_t want = 0;
	for (size_t i = from; i < to; i++) {
		uintptr_t a = (uintptr_t)sc->vec[i];
		size_t len = 4096 - (a & 4095);
		if (len > RN_PFX)
			len = RN_PFX;
		memset(sc->pfx[i - from], 0, RN_PFX);
		sc->l[i - from] = (struct iovec){ sc->pfx[i - from], len };
		sc->r[i - from] = (struct iovec){ (void *)a, len };
		want += len;
	}
	long got = rn_sys6(SYS_process_vm_readv, pid, (long)sc->l, (long)(to - from), (long)sc->r,
			   (long)(to - from), 0);
	if (got < 0 || (size_t)got != want)
		return -1;
	/* a variable cut by the end of its page: the rest of its prefix */
	for (size_t i = from; i < to; i++)
		if (rn_env_pfx_rest(sc, i, from, sc->l[i - from].iov_len))
			return -1;
	return 0;
}

/* Copies their LD_PRELOAD value after ours ("ours:theirs") into merge;
 * returns 1 when the result should replace theirs. */
static int rn_env_merge(struct rn_scratch *sc, const char *kv, const char *theirs, int plain)
{
	size_t ml = strlen(kv);
	if (ml + 2 >= RN_MERGE_MAX)
		return 0;
	memcpy(sc->merge, kv, ml);
	sc->merge[ml] = ':';
	char *v = sc->merge + ml + 1;
	size_t room = RN_MERGE_MAX - ml - 1;
	size_t got = 0;
	if (plain) {
		got = strnlen(theirs + 11, room - 1) + 1;
		memcpy(v, theirs + 11, got);
	}
	/* fault-safe, a page at a time, stopping at its end */
	while (!plain && got < room) {
		const char *src = theirs + 11 + got;
		size_t piece = 4096 - ((uintptr_t)src & 4095);
		if (piece > room - got)
			piece = room - got;
		size_t r = rn_safe_read(v + got, src, piece);
		got += r;
		if (r < piece || memchr(v + got - r, 0, r))
			break;
	}
	if (!memchr(v, 0, got))
		return 0;	/* too long, or unreadable: theirs stays */
	return !rn_preload_has(v);
}

/* Sandboxed (plain reads only): their LD_PRELOAD value with our $LIB
 * form replaced by the path it expanded to here, into merge. A $LIB in
 * LD_PRELOAD makes the new image's loader call readlink(/proc/self/exe),
 * a system call the program's filter need not allow; the new image runs
 * untraced anyway. Returns 1 when merge should replace theirs. */
static int rn_env_undst(struct rn_scratch *sc, const char *theirs)
{
	const char *v = theirs + 11, *hit = strstr(v, rn_libpath);
	size_t ll = strlen(rn_libpath), rl = strlen(rn_libreal);
	if (!rn_has_real || !hit || strlen(theirs) - ll + rl >= RN_MERGE_MAX)
		return 0;
	size_t pre = (size_t)(hit - theirs);
	memcpy(sc->merge, theirs, pre);
	memcpy(sc->merge + pre, rn_libreal + 11, rl - 11);
	strcpy(sc->merge + pre + rl - 11, hit + ll);
	return 1;
}

/* Once sandboxed, the exec'd image inherits the filter: it is told so by
 * this variable and starts untraced, making no system call of ours. */
static char rn_sandboxed_var[] = "RENACER_SANDBOXED=1";

/* The LD_PRELOAD value at vec[i] copied into span (fault-safely unless
 * it is one of ours or 'plain'); returns 0, or -1 when unreadable or too
 * long. */
static int rn_env_copy_preload(struct rn_scratch *sc, const char *src, int plain)
{
	if (plain || src == sc->merge || (src >= rn_keep_buf && src < rn_keep_buf + sizeof rn_keep_buf) ||
	    src == rn_libreal) {
		size_t l = strnlen(src, RN_SPAN);
		if (l == RN_SPAN)
			return -1;
		memcpy(sc->span, src, l + 1);
		return 0;
	}
	size_t got = 0;
	while (got < RN_SPAN) {
		size_t piece = 4096 - ((uintptr_t)(src + got) & 4095);
		if (piece > RN_SPAN - got)
			piece = RN_SPAN - got;
		size_t r = rn_safe_read(sc->span + got, src + got, piece);
		if (memchr(sc->span + got, 0, r))
			return 0;
		got += r;
		if (r < piece)
			break;
	}
	return -1;
}

/* LD_PRELOAD (vec[lp]) for the image the check saw: the ASan runtime
 * first, or our entry dropped (the variable with it, when nothing is
 * left). Returns the new count of variables. */
static long rn_env_for_image(struct rn_scratch *sc, long n, long lp, int plain)
{
	if (lp < 0 || (sc->v.why != RN_NOTE_NOLIB && !sc->v.asan[0]) ||
	    rn_env_copy_preload(sc, sc->vec[lp], plain))
		return n;
	long len = rn_exec_preload(&sc->v, sc->span, rn_libpath, sc->merge, RN_MERGE_MAX);
	if (len > 0) {
		sc->vec[lp] = sc->merge;
	} else if (len == 0) {
		memmove(&sc->vec[lp], &sc->vec[lp + 1], (size_t)(n - lp - 1) * sizeof *sc->vec);
		n--;
	}
	return n;
}

static char *const *rn_env_build(char *const *envp, void **scratch, enum rn_exec_kind kind,
				 const char *file, int fd, int check);

char *const *rn_env_fix(char *const *envp, void **scratch)
{
	return rn_env_build(envp, scratch, RN_EXEC_PATH, NULL, -1, 0);
}

char *const *rn_env_fix_exec(enum rn_exec_kind kind, const char *file, int fd,
			     char *const *envp, void **scratch)
{
	return rn_env_build(envp, scratch, kind, file, fd, 1);
}

void rn_env_note(void *scratch, int32_t pid)
{
	struct rn_scratch *sc = scratch;
	if (sc)
		rn_exec_note(&sc->v, pid, sc->span);
}

void rn_env_unnote(void *scratch)
{
	struct rn_scratch *sc = scratch;
	if (sc)
		rn_exec_unnote(&sc->v, sc->span);
}

/* rn_env_fix, and when 'check', first what the image (kind, file, fd)
 * will do with us (exec_check.c). */
static char *const *rn_env_build(char *const *envp, void **scratch, enum rn_exec_kind kind,
				 const char *file, int fd, int check)
{
	*scratch = NULL;
	/* Sandboxed, only libc's own environ is read (with plain loads: no
	 * fault-safe read is possible without a system call); any other
	 * envp is passed on unread. */
	int plain = rn_g.sandboxed;
	if (!rn_nkeep || (plain && (!envp || envp != environ)))
		return envp;
	struct rn_scratch *sc = rn_scratch_get();
	if (!sc)
		return envp;
	memset(&sc->v, 0, sizeof sc->v);
	if (check && !plain)	/* sandboxed: no system call of ours */
		rn_exec_check(&sc->v, kind, file, fd, rn_libloaded, sc->span, sizeof sc->span);
	long n = envp ? rn_env_read_vec(envp, sc->vec, RN_VEC_CAP - rn_nkeep - 2, plain) : 0;
	if (n < 0)
		goto pass;
	long match[RN_KEEP_MAX];
	for (unsigned k = 0; k < rn_nkeep; k++)
		match[k] = -1;
	long pid = plain ? 0 : rn_sys0(SYS_getpid);
	for (long from = 0; from < n; from += RN_BATCH) {
		long to = n - from < RN_BATCH ? n : from + RN_BATCH;
		if (rn_env_read_pfx(sc, (size_t)from, (size_t)to, pid, plain))
			goto pass;
		for (long i = from; i < to; i++)
			for (unsigned k = 0; k < rn_nkeep; k++) {
				const char *kv = rn_keep[k];
				size_t nl = (size_t)(strchr(kv, '=') - kv) + 1;
				if (match[k] < 0 && !strncmp(sc->pfx[i - from], kv, nl))
					match[k] = i;
			}
	}
	long lp = -1;	/* where LD_PRELOAD is */
	for (unsigned k = 0; k < rn_nkeep; k++) {
		const char *kv = rn_keep[k];
		int ours = !strncmp(kv, "LD_PRELOAD=", 11);
		if (ours)
			lp = match[k] < 0 ? n : match[k];
		if (match[k] < 0)
			sc->vec[n++] = ours && plain && rn_has_real ? rn_libreal : (char *)kv;
		else if (ours && plain && rn_env_undst(sc, sc->vec[match[k]]))
			sc->vec[match[k]] = sc->merge;
		else if (ours && rn_env_merge(sc, kv, sc->vec[match[k]], plain))
			sc->vec[match[k]] = sc->merge;
		/* else theirs stays: RENACER_* they set, or ours is in */
	}
	n = rn_env_for_image(sc, n, lp, plain);
	if (plain) {
		sc->vec[n++] = rn_sandboxed_var;
		sc->v.why = RN_NOTE_SANDBOX;	/* the image stays untraced: noted */
	}
	sc->vec[n] = NULL;
	*scratch = sc;
	return sc->vec;
pass:
	rn_env_done(sc);
	return envp;
}

_Static_assert(RN_VEC_CAP >= 4096, "room for 4096 variables");
_Static_assert(RN_SPAN / 4096 + 1 <= RN_BATCH, "span iovecs fit");
