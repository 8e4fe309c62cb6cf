/* resolve.c: the real entry points behind the wrappers, found once per
 * image: the definitions dlsym(RTLD_NEXT, name) would return, read
 * straight from the GNU hash tables of the objects loaded after ours.
 * dlsym costs about 0.4 us a name (its error catching, lock, caller
 * lookup), and the constructor resolves every wrapped name: a sixth of
 * what the shim added to the start of each process.
 *
 * Runs inside the traced program, from the constructor only (and the unit
 * test): no malloc, no system call, no errno change. It must never return
 * a definition dlsym would not: whatever it cannot settle the way the
 * loader does (no GNU hash table, an IFUNC, a unique symbol, a name past
 * the first RN_NEXT_MAX objects) it leaves NULL for dlsym.
 */
#include "resolve.h"

#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>

#define RN_NEXT_MAX 32	/* objects after ours looked at: a name none of
			 * them defines is left to dlsym */

struct rn_obj {
	ElfW(Addr) base;
	const ElfW(Sym) *sym;
	const char *str;
	const uint32_t *gnu;
	const ElfW(Half) *ver;
};

struct rn_next {
	uintptr_t self;		/* an address inside the calling object */
	uintptr_t vdso;		/* the vDSO's ELF header: in no search scope */
	int seen_self;
	int bad;		/* an object we cannot read: dlsym decides */
	unsigned n;
	struct rn_obj o[RN_NEXT_MAX];
};

static int rn_contains(const struct dl_phdr_info *info, uintptr_t a)
{
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + p->p_vaddr;
		if (p->p_type == PT_LOAD && a >= lo && a - lo < p->p_memsz)
			return 1;
	}
	return 0;
}

/* The loader rewrites these entries of a writable dynamic section to run
 * time addresses; a read-only one keeps link-time offsets. */
static const void *rn_dyn_ptr(ElfW(Addr) base, ElfW(Addr) v)
{
	return (const void *)(v < base ? base + v : v);
}

/* dl_iterate_phdr walks the objects in load order, which for the objects
 * a program starts with is the order of its search scope (the loader
 * keeps itself at its place in it): the objects after ours are the ones
 * RTLD_NEXT searches. */
static int rn_collect(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct rn_next *s = arg;
	if (!s->seen_self) {
		s->seen_self = rn_contains(info, s->self);
		return 0;
	}
	if (s->vdso && rn_contains(info, s->vdso))
		return 0;
	if (s->n == RN_NEXT_MAX)
		return 1;	/* a name none of these defines is dlsym's to find */
	struct rn_obj *o = &s->o[s->n];
	memset(o, 0, sizeof *o);
	o->base = info->dlpi_addr;
	const ElfW(Dyn) *d = NULL;
	for (unsigned i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			d = (const void *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	for (; d && d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			o->sym = rn_dyn_ptr(o->base, d->d_un.d_ptr);
		else if (d->d_tag == DT_STRTAB)
			o->str = rn_dyn_ptr(o->base, d->d_un.d_ptr);
		else if (d->d_tag == DT_GNU_HASH)
			o->gnu = rn_dyn_ptr(o->base, d->d_un.d_ptr);
		else if (d->d_tag == DT_VERSYM)
			o->ver = rn_dyn_ptr(o->base, d->d_un.d_ptr);
	}
	if (!o->sym || !o->str || !o->gnu) {
		s->bad = 1;	/* a DT_HASH-only object: let dlsym search */
		return 1;
	}
	s->n++;
	return 0;
}

static uint32_t rn_gnu_hash(const char *s)
{
	uint32_t h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* name's definition in o as the loader's lookup for dlsym accepts it: 0
 * when o has none, 1 with *addr set, -1 when only dlsym can say (an IFUNC
 * to call, a unique symbol). */
static int rn_find(const struct rn_obj *o, const char *name, uint32_t hash, void **addr)
{
	const uint32_t *h = o->gnu;
	uint32_t nbuckets = h[0], symoffset = h[1], bloom_size = h[2], shift = h[3];
	if (!nbuckets || !bloom_size)
		return 0;
	const ElfW(Addr) *bloom = (const void *)&h[4];
	const uint32_t *buckets = (const void *)&bloom[bloom_size];
	const uint32_t *chain = &buckets[nbuckets];
	const unsigned bits = sizeof(ElfW(Addr)) * 8;
	ElfW(Addr) word = bloom[(hash / bits) % bloom_size];
	ElfW(Addr) mask = ((ElfW(Addr))1 << (hash % bits)) | ((ElfW(Addr))1 << ((hash >> shift) % bits));
	if ((word & mask) != mask)
		return 0;
	uint32_t i = buckets[hash % nbuckets];
	if (i < symoffset)
		return 0;
	for (;; i++) {
		uint32_t ch = chain[i - symoffset];
		const ElfW(Sym) *sym = &o->sym[i];
		unsigned type = ELF64_ST_TYPE(sym->st_info), bind = ELF64_ST_BIND(sym->st_info);
		if ((ch | 1) == (hash | 1) && sym->st_shndx != SHN_UNDEF &&
		    (sym->st_value != 0 || type == STT_TLS) &&
		    !(o->ver && (o->ver[i] & 0x8000)) &&	/* hidden version */
		    !strcmp(o->str + sym->st_name, name)) {
			if (type == STT_GNU_IFUNC || bind == STB_GNU_UNIQUE || type == STT_TLS)
				return -1;
			if (bind != STB_GLOBAL && bind != STB_WEAK)
				return -1;
			*addr = (void *)(o->base + sym->st_value);
			return 1;
		}
		if (ch & 1)
			return 0;
	}
}

unsigned rn_lookup_next(const void *self, const char *const *names, size_t stride, unsigned n,
			void **out)
{
	struct rn_next s = { .self = (uintptr_t)self, .vdso = getauxval(AT_SYSINFO_EHDR) };
	dl_iterate_phdr(rn_collect, &s);
	if (!s.seen_self || s.bad)
		return 0;
	unsigned found = 0;
	for (unsigned k = 0; k < n; k++) {
		const char *name = *(const char *const *)((const char *)names + k * stride);
		uint32_t hash = rn_gnu_hash(name);
		out[k] = NULL;
		for (unsigned j = 0; j < s.n; j++) {
			void *a = NULL;
			int r = rn_find(&s.o[j], name, hash, &a);
			if (r == 0)
				continue;
			if (r > 0) {
				out[k] = a;
				found++;
			}
			break;	/* r < 0: dlsym's to settle */
		}
	}
	return found;
}
