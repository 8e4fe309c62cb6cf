/* stack.c: the calling stack of each traced call (-k, RENACER_STACK_DEPTH)
 * as an RN_ITEM_STACK item, and the module map (RN_REC_META records with
 * an RN_ITEM_MODULE item: path, load address, build id of each loaded
 * object) that lets the exporter symbolize it after the process is gone,
 * from another pid or mount namespace, without /proc/PID/maps.
 *
 * Runs inside the traced program, on the slow path only (the traced path
 * tests rn_g.stack_depth and comes here when it is not 0). Never
 * allocates, never puts the unwinder's state or the addresses on the
 * program's stack (the unwind runs on a stack of its own, the addresses
 * go to initial-exec TLS, then the ring), makes no system call once
 * sandboxed, and never unwinds inside another unwind: a signal handler's
 * call made meanwhile is stashed or counted as nested, and a call
 * libunwind makes itself is not the program's and not recorded.
 *
 * libunwind is loaded with dlopen in the constructor, only when stacks are
 * asked for: a program traced without -k maps no library more than before.
 * No system call guards the unwind: this thread's busy flag
 * (RN_BUSY_UNWIND) is the guard. A signal handler that runs meanwhile
 * (on the unwind stack, which is big enough for one) never enters
 * libunwind through us: its calls go to the thread's stash, written after
 * ours. libunwind's own calls (its lock's signal mask, its memory) are
 * bound straight to libc's functions at load (rn_unw_unwrap), so every
 * call that reaches a wrapper during an unwind is a handler's. libunwind
 * itself blocks signals while it holds a lock of its own, so no handler
 * can meet one held; glibc's dl_load_write_lock, taken by dl_iterate_phdr
 * on a cache miss, is recursive. A handler that longjmps out of an unwind
 * gives its unwind stack and selector back (rn_stack_abandon). A frame
 * libunwind cannot step past ends the stack; a frame whose function has
 * no unwind info (libunwind guessed past it) or a guessed step that reads
 * unmapped memory ends it marked truncated. docs/ARCHITECTURE.md,
 * "Stacks", says why each of these.
 */
#define UNW_LOCAL_ONLY
#include "stack.h"

#include <dlfcn.h>
#include <elf.h>
#include <stddef.h>
#include <ucontext.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <libunwind.h>
#include <link.h>
#include <string.h>

#include "shim_priv.h"

#include "../common/rawsys.h"

#define RN_STACK_MAX 64		/* frames kept at most (RENACER_STACK_DEPTH's bound) */
#define RN_MODS_MAX 1024	/* loaded objects the shim tracks */
#define RN_MOD_PATH_MAX 1024	/* bytes of an object's path kept */
#define RN_BUILD_ID_MAX 64
#define RN_MOD_SEGS 6		/* loaded segments kept per object */

/* libunwind, found with dlsym. unw_backtrace, not an unw_step loop:
 * its per-thread trace cache makes a warm unwind a few hundred ns with no
 * system call, where Debian's unw_step (built without the per-thread
 * cache) blocks and restores signals twice per frame (~20 us a stack). */
static int (*rn_backtrace)(void **buf, int size);
/* --complete's trapped calls: from the SIGSYS handler's context */
static int (*rn_init_local2)(unw_cursor_t *, unw_context_t *, int);
static int (*rn_step)(unw_cursor_t *);
static int (*rn_get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
__thread void *rn_sud_ctx __attribute__((tls_model("initial-exec")));

/* The unwinder runs on one of these stacks, taken for one unwind:
 * unw_backtrace keeps a cursor and a context (~2 KiB) on its stack, more
 * than a wrapper may add to the program's (RN_STACK_BUDGET). */
#define RN_UNW_STACKS 8
#define RN_UNW_STACK_SIZE (256u << 10)	/* the unwinder's ~8 KiB, and a handler's */
static uint8_t *rn_unw_stacks;
static uint8_t rn_unw_taken[RN_UNW_STACKS];
void rn_on_stack(void (*fn)(void), void *top);	/* stack_switch.S */
#define RN_SKIP_MAX 16		/* our own frames unw_backtrace also sees */

static uint32_t rn_depth;	/* frames wanted; 0: stacks off */
static uintptr_t rn_self_lo, rn_self_hi;	/* librenacer.so: frames skipped */
static uintptr_t rn_unw_lo, rn_unw_hi;	/* libunwind.so: its own calls are not the program's */

/* One thread's unwind state and the item it is about to write. */
struct rn_unw_tls {
	void *ip[RN_STACK_MAX + RN_SKIP_MAX];
	int got;
	uint32_t n;
	uint8_t flags;		/* RN_ITEM_TRUNC: stopped before the stack's end */
	uint8_t on;		/* an item is to be written for this call */
	uint32_t mod_from, mod_to;	/* module records this thread owes */
	uint32_t last_mod;	/* where the last lookup hit */
	uintptr_t sp0;		/* the stack pointer where the unwind began */
	const ucontext_t *uc;	/* a trapped call's context: unwind from it */
	uint32_t stk;		/* 1 + the unwind stack in use; 0: none */
	uint8_t sel;		/* --complete's selector, put back after */
	uint8_t badread;	/* a guessed step read unmapped memory */
	uintptr_t known[64];	/* addresses found inside an FDE (rn_ip_known) */
};
static __thread struct rn_unw_tls rn_u __attribute__((tls_model("initial-exec")));

/* The objects seen so far: appended by whichever thread scans (one at a
 * time), published by a release store of the count. */
struct rn_mod {
	uintptr_t base;		/* dlpi_addr: the object's load bias */
	uintptr_t lo, hi;	/* the span of its loaded segments */
	uintptr_t seg[RN_MOD_SEGS][2];	/* the segments themselves (mapped) */
	uint32_t nseg;
	const char *path;	/* the loader's copy (the main program: the arena's) */
	const uint8_t *build_id;	/* in its note segment, mapped */
	uint32_t build_id_len;
	const uint8_t *ehdr;	/* its .eh_frame_hdr (PT_GNU_EH_FRAME), mapped */
	uintptr_t ehdr_len;
};
static struct rn_mod rn_mods[RN_MODS_MAX];
/* The main program's path, copied: the arena header it comes from is
 * unmapped in a fork child, which may still owe the parent's records. */
static char rn_exe_path[sizeof ((struct rn_arena_hdr *)0)->exe];
static uint32_t rn_nmods;	/* published */
static uint32_t rn_scanning;	/* a thread is scanning */

/* ------------------------------------------------------------ modules */

static const uint8_t *rn_build_id(const struct dl_phdr_info *info, uint32_t *len)
{
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const uint8_t *name = p + sizeof *nh;
			const uint8_t *desc = name + ((nh->n_namesz + 3) & ~3u);
			const uint8_t *next = desc + ((nh->n_descsz + 3) & ~3u);
			if (next > end || next <= p)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 && nh->n_descsz <= RN_BUILD_ID_MAX) {
				*len = nh->n_descsz;
				return desc;
			}
			p = next;
		}
	}
	*len = 0;
	return NULL;
}

static int rn_mod_find(uintptr_t ip, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (ip >= rn_mods[i].lo && ip < rn_mods[i].hi)
			return (int)i;
	return -1;
}

static int rn_scan_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;
		if (a < lo)
			lo = a;
		if (a + ph->p_memsz > hi)
			hi = a + ph->p_memsz;
	}
	uint32_t n = rn_nmods;
	if (hi <= lo || n == RN_MODS_MAX)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (rn_mods[i].lo == lo && rn_mods[i].hi == hi)
			return 0;	/* known */
	struct rn_mod *m = &rn_mods[n];
	m->nseg = 0;
	for (unsigned i = 0; i < info->dlpi_phnum && m->nseg < RN_MOD_SEGS; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_R))
			continue;
		m->seg[m->nseg][0] = info->dlpi_addr + ph->p_vaddr;
		m->seg[m->nseg++][1] = info->dlpi_addr + ph->p_vaddr + ph->p_filesz;
	}
	m->base = info->dlpi_addr;
	m->lo = lo;
	m->hi = hi;
	/* the main program has no name here: the arena holds its path */
	m->path = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : rn_exe_path;
	m->build_id = rn_build_id(info, &m->build_id_len);
	m->ehdr = NULL;
	m->ehdr_len = 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_GNU_EH_FRAME) {
			m->ehdr = (const uint8_t *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
			m->ehdr_len = info->dlpi_phdr[i].p_memsz;
		}
	__atomic_store_n(&rn_nmods, n + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Looks for objects loaded since the last scan; this thread then owes
 * their records. Another thread scanning: skip (it writes them). */
static void rn_modules_scan(struct rn_unw_tls *u)
{
	uint32_t zero = 0;
	if (!__atomic_compare_exchange_n(&rn_scanning, &zero, 1, 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	uint32_t from = rn_nmods;
	dl_iterate_phdr(rn_scan_one, NULL);
	uint32_t to = rn_nmods;
	__atomic_store_n(&rn_scanning, 0, __ATOMIC_RELEASE);
	if (to > from) {
		if (u->mod_to == u->mod_from)
			u->mod_from = from;
		u->mod_to = to;
	}
}

/* Continuation bytes at off after the record at p's tail + at, wrapping
 * at the ring's end. */
static void rn_put_at(struct rn_prod *p, uint64_t at, uint32_t off, const void *src, uint32_t n)
{
	uint64_t ringbytes = (p->mask + 1) * RN_REC_SIZE;
	const uint8_t *s = src;
	while (n) {
		uint64_t pos = (((p->tail + at + 1) & p->mask) * RN_REC_SIZE + off) % ringbytes;
		uint32_t k = ringbytes - pos < n ? (uint32_t)(ringbytes - pos) : n;
		memcpy((uint8_t *)p->slots + pos, s, k);
		off += k;
		s += k;
		n -= k;
	}
}

void rn_modules_flush(struct rn_tls *t)
{
	struct rn_unw_tls *u = &rn_u;
	while (u->mod_from < u->mod_to && t->prod.ring) {
		const struct rn_mod *m = &rn_mods[u->mod_from];
		uint32_t plen = (uint32_t)strnlen(m->path, RN_MOD_PATH_MAX);
		uint32_t len = 4 + 1 + m->build_id_len + plen;
		uint64_t need = 1 + rn_rec_nconts(len);
		if (!rn_room(t, need)) {
			t->prod.ring->lost++;
			u->mod_from++;
			continue;
		}
		uint8_t idlen = (uint8_t)m->build_id_len;
		struct rn_item it = { RN_ITEM_MODULE, 0, (uint16_t)(len - 4) };
		rn_put_at(&t->prod, 0, 0, &it, 4);
		rn_put_at(&t->prod, 0, 4, &idlen, 1);
		rn_put_at(&t->prod, 0, 5, m->build_id, idlen);
		rn_put_at(&t->prod, 0, 5 + idlen, m->path, plen);
		uint64_t now = rn_now();
		*rn_prod_slot(&t->prod, 0) = (struct rn_rec){
			.t_enter = now, .t_exit = now,
			.arg = { m->base, m->lo, m->hi, 0 },
			.ext_len = (uint16_t)len, .flags = RN_REC_META,
		};
		rn_prod_publish(&t->prod, need);
		u->mod_from++;
	}
}

/* ------------------------------------------------------------ unwinding */

/* The executable segment holding the address *arg; arg[1..2] get it. */
static int rn_text_range(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	uintptr_t *r = arg, me = r[0];
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && me >= a && me < a + ph->p_memsz) {
			r[1] = a;
			r[2] = a + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

/* Memory libunwind may read with a plain load: this thread's stack above
 * where the unwind began, our own unwind state, an object's file-backed
 * segments. */
static int rn_plain_ok(uintptr_t a)
{
	const struct rn_tls *t = &rn_t;
	const struct rn_unw_tls *u = &rn_u;
	if (a >= (uintptr_t)u && a + 8 <= (uintptr_t)(u + 1))
		return 1;
	uintptr_t us = (uintptr_t)rn_unw_stacks;	/* where the unwinder runs */
	if (a >= us && a + 8 <= us + (size_t)RN_UNW_STACKS * RN_UNW_STACK_SIZE)
		return 1;
	if (t->stack_hi && a >= u->sp0 && a >= t->stack_lo && a + 8 <= t->stack_hi)
		return 1;
	uint32_t n = __atomic_load_n(&rn_nmods, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n; i++) {
		const struct rn_mod *m = &rn_mods[i];
		if (a < m->lo || a >= m->hi)
			continue;
		for (uint32_t k = 0; k < m->nseg; k++)
			if (a >= m->seg[k][0] && a + 8 <= m->seg[k][1])
				return 1;
	}
	return 0;
}

/* libunwind's memory reads, replacing its own: it checks an address it is
 * unsure of (a frame without unwind info, stepped by guessing) by writing
 * a byte of it into a pipe it keeps open, two system calls through the
 * program's read and write. Here: a plain load where the memory is known
 * mapped, else a fault-safe copy (none once sandboxed): a wrong guess
 * ends the stack, never the program. */
static int (*rn_orig_access_mem)(unw_addr_space_t, unw_word_t, unw_word_t *, int, void *);

static int rn_access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
			 void *arg)
{
	/* the program's own use of libunwind (the same library) is its own */
	if (rn_t.busy != RN_BUSY_UNWIND)
		return rn_orig_access_mem(as, addr, val, write, arg);
	if (write) {	/* into the context it keeps on the unwind stack */
		uintptr_t us = (uintptr_t)rn_unw_stacks;
		if (addr < us || addr + 8 > us + (size_t)RN_UNW_STACKS * RN_UNW_STACK_SIZE)
			return -UNW_EINVAL;
		*(unw_word_t *)addr = *val;
		return 0;
	}
	if (rn_plain_ok(addr)) {
		*val = *(const unw_word_t *)addr;
		return 0;
	}
	if (rn_safe_read(val, (const void *)addr, sizeof *val) == sizeof *val)
		return 0;
	rn_u.badread = 1;
	return -UNW_EINVAL;
}

/* The two lowest free descriptors: where libunwind's set-up puts its pipe. */
static void rn_free_fds(int fd[2])
{
	int k = 0;
	for (int i = 0; i < 4096 && k < 2; i++)
		if (rn_sys3(SYS_fcntl, i, F_GETFD, 0) < 0)
			fd[k++] = i;
}

/* Closes fd if it is a pipe end: libunwind's, which it never uses once
 * its memory reads are ours, and which the program must not find open. */
static void rn_close_pipe(int fd)
{
	struct stat st;
	if (fd >= 0 && rn_sys2(SYS_fstat, fd, &st) == 0 && S_ISFIFO(st.st_mode))
		rn_sys1(SYS_close, fd);
}

/* A d_ptr of the dynamic section: glibc relocates them in place on
 * x86-64, but an unrelocated one is an offset from the load bias. */
static uintptr_t rn_dptr(uintptr_t p, uintptr_t base)
{
	return p < base ? p + base : p;
}

/* The GNU_RELRO span of the object at base: [r[1], r[2]). */
static int rn_relro_of(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	uintptr_t *r = arg;
	if (info->dlpi_addr != r[0])
		return 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
			r[1] = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
			r[2] = r[1] + info->dlpi_phdr[i].p_memsz;
		}
	return 1;
}

/* Binds libunwind's imports of functions the shim wraps (its lock's
 * sigprocmask, mmap, the pipe it checks memory with, ...) to libc's own:
 * a call libunwind makes is not the program's, and then no call that
 * reaches a wrapper during an unwind is libunwind's. The program's own
 * use of this libunwind loses those calls from its trace too (strace
 * would show them); it behaves the same. Constructor only: the one place
 * it may take system calls (mprotect of a read-only GOT). Returns 0 or
 * -1 (then stacks stay off: we could not tell the calls apart). */
static int rn_unw_unwrap(void *h)
{
	struct link_map *lm = NULL;
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) || !lm || !lm->l_ld)
		return -1;
	uintptr_t base = lm->l_addr;
	const ElfW(Sym) *sym = NULL;
	const char *str = NULL;
	const ElfW(Rela) *rel[2] = { NULL, NULL };
	size_t relsz[2] = { 0, 0 };
	for (const ElfW(Dyn) *d = lm->l_ld; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB: sym = (const ElfW(Sym) *)rn_dptr(d->d_un.d_ptr, base); break;
		case DT_STRTAB: str = (const char *)rn_dptr(d->d_un.d_ptr, base); break;
		case DT_JMPREL: rel[0] = (const ElfW(Rela) *)rn_dptr(d->d_un.d_ptr, base); break;
		case DT_PLTRELSZ: relsz[0] = d->d_un.d_val; break;
		case DT_RELA: rel[1] = (const ElfW(Rela) *)rn_dptr(d->d_un.d_ptr, base); break;
		case DT_RELASZ: relsz[1] = d->d_un.d_val; break;
		}
	}
	if (!sym || !str)
		return -1;
	uintptr_t relro[3] = { base, 0, 0 };
	dl_iterate_phdr(rn_relro_of, relro);
	long page = 4096;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; rel[k] && i < relsz[k] / sizeof *rel[k]; i++) {
			const ElfW(Rela) *r = &rel[k][i];
			unsigned type = ELF64_R_TYPE(r->r_info);
			if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) ||
			    !ELF64_R_SYM(r->r_info))
				continue;
			const char *name = str + sym[ELF64_R_SYM(r->r_info)].st_name;
			void *real = NULL;
			for (unsigned f = 0; f < RN_NFUNCS && !real; f++)
				if (!strcmp(rn_fns[f].func, name))
					real = rn_real_get(f);
			if (!real)
				continue;
			uintptr_t slot = base + r->r_offset;
			int ro = slot >= relro[1] && slot < relro[2];
			uintptr_t pg = slot & ~(uintptr_t)(page - 1);
			if (ro && rn_sys3(SYS_mprotect, pg, page, PROT_READ | PROT_WRITE))
				return -1;
			__atomic_store_n((void **)slot, real, __ATOMIC_RELAXED);
			if (ro)
				rn_sys3(SYS_mprotect, pg, page, PROT_READ);
		}
	}
	return 0;
}

int rn_stack_init(uint32_t depth)
{
	if (!depth)
		return 0;
	void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -1;
	rn_backtrace = (int (*)(void **, int))dlsym(h, "unw_backtrace");
	rn_init_local2 = (int (*)(unw_cursor_t *, unw_context_t *, int))dlsym(h, "_ULx86_64_init_local2");
	rn_step = (int (*)(unw_cursor_t *))dlsym(h, "_ULx86_64_step");
	rn_get_reg = (int (*)(unw_cursor_t *, unw_regnum_t, unw_word_t *))dlsym(h, "_ULx86_64_get_reg");
	int (*policy)(unw_addr_space_t, unw_caching_policy_t) =
		(int (*)(unw_addr_space_t, unw_caching_policy_t))dlsym(h, "_ULx86_64_set_caching_policy");
	unw_addr_space_t *as = (unw_addr_space_t *)dlsym(h, "_ULx86_64_local_addr_space");
	if (!rn_backtrace || !policy || !as || rn_unw_unwrap(h))
		return -1;
	long map = rn_sys6(SYS_mmap, 0, RN_UNW_STACKS * RN_UNW_STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map < 0 && map > -4096)
		return -1;
	rn_unw_stacks = (uint8_t *)map;
	/* the first call sets libunwind up, which opens a pipe */
	int fds[2] = { -1, -1 };
	rn_free_fds(fds);
	policy(*as, UNW_CACHE_PER_THREAD);
	/* its accessors are the address space's first member; make sure
	 * before writing: the memory reader must be libunwind's own */
	unw_accessors_t *acc = (unw_accessors_t *)*as;
	Dl_info di, du;
	if (!dladdr((void *)acc->access_mem, &di) || !dladdr((void *)rn_backtrace, &du) ||
	    di.dli_fbase != du.dli_fbase)
		return -1;
	rn_orig_access_mem = acc->access_mem;
	acc->access_mem = rn_access_mem;
	rn_close_pipe(fds[0]);
	rn_close_pipe(fds[1]);
	uintptr_t r[3] = { (uintptr_t)rn_stack_init, 0, 0 };
	dl_iterate_phdr(rn_text_range, r);
	rn_self_lo = r[1];
	rn_self_hi = r[2];
	r[0] = (uintptr_t)rn_backtrace;
	r[1] = r[2] = 0;
	dl_iterate_phdr(rn_text_range, r);
	rn_unw_lo = r[1];
	rn_unw_hi = r[2];
	if (rn_g.arena.hdr)
		memcpy(rn_exe_path, rn_g.arena.hdr->exe, sizeof rn_exe_path - 1);
	rn_depth = depth > RN_STACK_MAX ? RN_STACK_MAX : depth;
	/* once now, so libunwind's one-time set-up (a lock, a signal mask)
	 * happens here and not under a program's signal handler */
	rn_stack_take(0);
	rn_t.busy = 0;
	rn_u.on = 0;
	/* every object loaded at start: the main thread writes their records
	 * before its first call's */
	rn_modules_scan(&rn_u);
	rn_g.stack_depth = rn_depth;
	return 0;
}

/* On the unwind stack: the return addresses of every frame above; for a
 * trapped call, the interrupted frame and its callers, stepped one by one
 * from the SIGSYS handler's context (unw_backtrace starts here, and its
 * fast trace drops the frame the signal interrupted). */
static void rn_unwind_here(void)
{
	struct rn_unw_tls *u = &rn_u;
	if (!u->uc) {
		u->got = rn_backtrace(u->ip, (int)(rn_depth + RN_SKIP_MAX));
		return;
	}
	unw_cursor_t c;
	int n = 0, max = (int)(rn_depth + RN_SKIP_MAX), rc = 0;
	if (rn_init_local2 && rn_step && rn_get_reg &&
	    rn_init_local2(&c, (unw_context_t *)(uintptr_t)u->uc, UNW_INIT_SIGNAL_FRAME) == 0) {
		u->ip[n++] = (void *)(uintptr_t)u->uc->uc_mcontext.gregs[REG_RIP];
		unw_word_t ip;
		while (n < max && (rc = rn_step(&c)) > 0 && rn_get_reg(&c, UNW_REG_IP, &ip) == 0 && ip)
			u->ip[n++] = (void *)ip;
	}
	if (rc < 0)
		u->badread = 1;	/* a frame it could not step past */
	u->got = n;
}

/* The frames above rn_stack_take (the shim's skipped) into u->ip. */
static void rn_unwind(struct rn_unw_tls *u)
{
	u->got = 0;
	unsigned k = 0;
	for (; k < RN_UNW_STACKS; k++)
		if (!__atomic_exchange_n(&rn_unw_taken[k], 1, __ATOMIC_ACQUIRE))
			break;
	if (k == RN_UNW_STACKS) {	/* every unwind stack in use: no stack */
		u->flags = RN_ITEM_TRUNC;
		return;
	}
	/* --complete's dispatch must let libunwind's calls (libc's own
	 * now) through: selector at allow, put back after, or by
	 * rn_stack_abandon when a handler longjmps out */
	u->stk = k + 1;
	u->sel = rn_sud_sel;
	u->badread = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	rn_sud_sel = 0;
	rn_on_stack(rn_unwind_here, rn_unw_stacks + (size_t)(k + 1) * RN_UNW_STACK_SIZE);
	rn_sud_sel = u->sel;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	u->stk = 0;
	__atomic_store_n(&rn_unw_taken[k], 0, __ATOMIC_RELEASE);
	/* the innermost frames are ours (the switch, this, emit, the
	 * wrapper): the stack starts at the first frame outside the shim */
	unsigned out = 0;
	int i = 0;
	while (i < u->got && (uintptr_t)u->ip[i] >= rn_self_lo && (uintptr_t)u->ip[i] < rn_self_hi)
		i++;
	for (; i < u->got && out < rn_depth; i++)
		u->ip[out++] = u->ip[i];
	if (i < u->got || u->got == (int)(rn_depth + RN_SKIP_MAX) || u->badread)
		u->flags = RN_ITEM_TRUNC;	/* the stack goes on */
	u->n = out;
}

/* Whether the function holding ip has unwind info: its FDE in m's
 * .eh_frame_hdr search table (a binary search over mapped memory, no
 * system call). 1 yes, 0 no, -1 cannot tell (an encoding other than the
 * x86-64 toolchains' datarel|sdata4 table and pcrel|sdata4 FDEs). */
static int rn_has_fde(const struct rn_mod *m, uintptr_t ip)
{
	const uint8_t *h = m->ehdr;
	if (!h)
		return 0;
	if (m->ehdr_len < 12 || h[0] != 1 || h[2] != 0x03 || h[3] != 0x3b)
		return -1;
	unsigned enc = h[1] & 0x0f, esz = enc == 0x03 || enc == 0x0b ? 4 : enc == 0x04 || enc == 0x0c ? 8 : 0;
	if (!esz)
		return -1;
	uint32_t cnt;
	memcpy(&cnt, h + 4 + esz, 4);
	const uint8_t *tab = h + 8 + esz;
	if ((uintptr_t)(tab - h) + (uintptr_t)cnt * 8 > m->ehdr_len)
		return -1;
	int64_t rel = (int64_t)(ip - (uintptr_t)h);
	uint32_t lo = 0, hi = cnt;	/* the last entry whose start is <= ip */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int32_t loc;
		memcpy(&loc, tab + (size_t)mid * 8, 4);
		if ((int64_t)loc <= rel)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return 0;
	int32_t loc, off;
	memcpy(&loc, tab + (size_t)(lo - 1) * 8, 4);
	memcpy(&off, tab + (size_t)(lo - 1) * 8 + 4, 4);
	const uint8_t *fde = h + off;
	if ((uintptr_t)fde < m->lo || (uintptr_t)fde + 16 > m->hi)
		return -1;
	uint32_t len, range;
	int32_t pcb;
	memcpy(&len, fde, 4);
	memcpy(&pcb, fde + 8, 4);
	memcpy(&range, fde + 12, 4);
	if (len == 0xffffffffu || len < 12 || (uintptr_t)(fde + 8) + (uintptr_t)(intptr_t)pcb != (uintptr_t)h + (uintptr_t)(intptr_t)loc)
		return -1;
	return ip < (uintptr_t)h + (uintptr_t)(intptr_t)loc + range;
}

/* ip lies in a function with unwind info, or we cannot tell (an address
 * in no known object: JIT code, or an object another thread is still
 * announcing): then the frame is kept. Remembered per thread. */
static int rn_ip_known(struct rn_unw_tls *u, uintptr_t ip, uint32_t nm)
{
	uintptr_t *slot = &u->known[(ip ^ (ip >> 6)) & 63];
	if (*slot == ip)
		return 1;
	const struct rn_mod *m = &rn_mods[u->last_mod];
	int k = u->last_mod < nm && ip >= m->lo && ip < m->hi ? (int)u->last_mod : rn_mod_find(ip, nm);
	if (k < 0)
		return 1;
	if (!rn_has_fde(&rn_mods[k], ip))
		return 0;
	*slot = ip;
	return 1;
}

uint32_t rn_stack_take(int trapped)
{
	struct rn_tls *t = &rn_t;
	struct rn_unw_tls *u = &rn_u;
	/* busy first: a handler that runs before it unwinds and writes its
	 * own call whole, through this thread's buffer; after it, none can
	 * touch the buffer until our record is written */
	t->busy_sp = rn_sp();
	t->busy = RN_BUSY_UNWIND;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	u->sp0 = t->busy_sp;
	/* a trapped call's own context (complete.c), set around its record
	 * and saved/restored by nested traps: the handler's frames below it
	 * are ours */
	u->uc = trapped ? (const ucontext_t *)rn_sud_ctx : NULL;
	u->n = 0;
	u->flags = 0;
	u->on = 1;
	/* sandboxed: libunwind may read files or map memory with system
	 * calls the program's filter forbids. An empty, truncated stack. */
	if (rn_g.sandboxed || !rn_unw_stacks) {
		u->flags = RN_ITEM_TRUNC;
		return 4;
	}
	rn_unwind(u);
	/* a frame in an object not yet announced: a dlopen since the last
	 * look; the module records go out before this call's */
	uint32_t nm = __atomic_load_n(&rn_nmods, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < u->n; i++) {
		uintptr_t ip = (uintptr_t)u->ip[i];
		const struct rn_mod *m = &rn_mods[u->last_mod];
		if (u->last_mod < nm && ip >= m->lo && ip < m->hi)
			continue;
		int k = rn_mod_find(ip, nm);
		if (k >= 0) {
			u->last_mod = (uint32_t)k;
			continue;
		}
		rn_modules_scan(u);
		break;
	}
	/* A frame in a function without unwind info: libunwind stepped past
	 * it by guessing (frame pointers), and the frames after it may skip
	 * or invent callers. The stack ends at it, marked truncated. The
	 * addresses are return addresses (the call is the byte before),
	 * except a trapped call's first, the interrupted instruction. */
	nm = __atomic_load_n(&rn_nmods, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i + 1 < u->n; i++) {
		uintptr_t ip = (uintptr_t)u->ip[i] - (i || !u->uc ? 1 : 0);
		if (!rn_ip_known(u, ip, nm)) {
			u->n = i + 1;
			u->flags = RN_ITEM_TRUNC;
			break;
		}
	}
	/* libunwind's own call (its per-thread cache freed at a thread's
	 * exit): not the program's */
	if (u->n && (uintptr_t)u->ip[0] >= rn_unw_lo && (uintptr_t)u->ip[0] < rn_unw_hi) {
		u->on = 0;
		return RN_STACK_OURS;
	}
	/* busy stays RN_BUSY_UNWIND until the caller has set
	 * RN_BUSY_WRITE: a handler running in between would unwind into
	 * this thread's buffer over our stack; its calls are stashed */
	return 4 + 8 * u->n;
}

void rn_stack_abandon(void)
{
	struct rn_unw_tls *u = &rn_u;
	uint32_t k = u->stk - 1;
	if (u->stk && k < RN_UNW_STACKS) {
		u->stk = 0;
		rn_sud_sel = u->sel;
		__atomic_store_n(&rn_unw_taken[k], 0, __ATOMIC_RELEASE);
	}
	u->on = 0;
}

uint32_t rn_stack_put(struct rn_prod *p, uint32_t off)
{
	struct rn_unw_tls *u = &rn_u;
	if (!u->on)
		return 0;
	u->on = 0;
	struct rn_item it = { RN_ITEM_STACK, u->flags, (uint16_t)(8 * u->n) };
	rn_put_at(p, 0, off, &it, 4);
	rn_put_at(p, 0, off + 4, u->ip, 8 * u->n);
	return 4 + 8 * u->n;
}
