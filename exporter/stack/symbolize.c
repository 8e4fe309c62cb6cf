/* symbolize.c: return addresses to function, file and line, with
 * elfutils' libdw (see docs/ARCHITECTURE.md for why libdw), and the module
 * map each image told us in its RN_REC_META records.
 *
 * Everything here comes from the traced program (paths, build ids,
 * addresses): lengths are checked, a file is used only when its build id
 * is the one the image reported (a path in another mount namespace may
 * name another file), and an object we cannot read shows as
 * module+0xOFFSET. One libdw handle per object file (path and build id),
 * kept for the exporter's life, and a direct-mapped cache of addresses.
 * Never prints, never exits.
 */
#include "stack.h"
#include "../pathclean.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------- objects */

struct rn_symfile {
	struct rn_symfile *next;
	char *path;
	uint8_t build_id[64];
	uint32_t build_id_len;
	int tried;		/* opened (or failed to) */
	Dwfl *dwfl;		/* NULL: unreadable or another file */
	Dwfl_Module *mod;
	uint8_t not_site;
};

static struct rn_symfile *rn_files;

static int rn_not_site_path(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	static const char *const pre[] = { "libc.so", "libc-", "ld-linux", "ld-2.", "libpthread",
					   "librenacer", "libunwind" };
	for (unsigned i = 0; i < sizeof pre / sizeof *pre; i++)
		if (!strncmp(b, pre[i], strlen(pre[i])))
			return 1;
	return !strncmp(b, "linux-vdso", 10);
}

static struct rn_symfile *rn_symfile_get(const char *path, size_t plen, const uint8_t *id,
					 uint32_t idlen)
{
	for (struct rn_symfile *f = rn_files; f; f = f->next)
		if (f->build_id_len == idlen && !memcmp(f->build_id, id, idlen) &&
		    strlen(f->path) == plen && !memcmp(f->path, path, plen))
			return f;
	struct rn_symfile *f = calloc(1, sizeof *f);
	if (!f || !(f->path = malloc(plen + 1))) {
		free(f);
		return NULL;
	}
	memcpy(f->path, path, plen);
	f->path[plen] = '\0';
	memcpy(f->build_id, id, idlen);
	f->build_id_len = idlen;
	f->not_site = (uint8_t)rn_not_site_path(f->path);
	f->next = rn_files;
	rn_files = f;
	return f;
}

static const Dwfl_Callbacks rn_dwfl_cb = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

/* Opens f's file at base 0 (addresses are its ELF addresses), once; keeps
 * it only when its build id is the one reported. */
static void rn_symfile_open(struct rn_symfile *f)
{
	if (f->tried)
		return;
	f->tried = 1;
	if (f->path[0] != '/')
		return;		/* the vDSO, or a name with no file */
	Dwfl *d = dwfl_begin(&rn_dwfl_cb);
	if (!d)
		return;
	Dwfl_Module *m = dwfl_report_elf(d, f->path, f->path, -1, 0, false);
	dwfl_report_end(d, NULL, NULL);
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = m ? dwfl_module_build_id(m, &bits, &vaddr) : -1;
	if (!m || (f->build_id_len && (n != (int)f->build_id_len ||
				       memcmp(bits, f->build_id, f->build_id_len)))) {
		dwfl_end(d);
		return;
	}
	f->dwfl = d;
	f->mod = m;
}

/* ------------------------------------------------------------ images */

struct rn_modent {
	uint64_t base, lo, hi;
	struct rn_symfile *f;
};

struct rn_modmap {
	struct rn_modmap *next;
	uint64_t arena_id;
	uint64_t parent;	/* the fork parent's image: its objects are ours */
	size_t n, cap;
	struct rn_modent *v;
};

#define RN_MAP_BUCKETS 1024
static struct rn_modmap *rn_maps[RN_MAP_BUCKETS];

static struct rn_modmap *rn_map_get(uint64_t arena_id, int create)
{
	struct rn_modmap **b = &rn_maps[arena_id % RN_MAP_BUCKETS];
	for (struct rn_modmap *m = *b; m; m = m->next)
		if (m->arena_id == arena_id)
			return m;
	if (!create)
		return NULL;
	struct rn_modmap *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->arena_id = arena_id;
	m->next = *b;
	*b = m;
	return m;
}

int rn_modules_note(uint64_t arena_id, const struct rn_rec *rec, const uint8_t *ext,
		    uint32_t ext_len)
{
	struct rn_item it;
	if (ext_len < sizeof it + 1)
		return -1;
	memcpy(&it, ext, sizeof it);
	if (it.tag != RN_ITEM_MODULE || it.len != ext_len - sizeof it)
		return -1;
	uint32_t idlen = ext[sizeof it];
	if (1 + idlen > it.len || idlen > 64 || rec->arg[1] >= rec->arg[2])
		return -1;
	const uint8_t *id = ext + sizeof it + 1;
	const char *path = (const char *)id + idlen;
	size_t plen = it.len - 1 - idlen;
	if (memchr(path, 0, plen))
		return -1;
	struct rn_modmap *m = rn_map_get(arena_id, 1);
	struct rn_symfile *f = rn_symfile_get(path, plen, id, idlen);
	if (!m || !f)
		return -ENOMEM;
	/* a later object over the same addresses replaces the old one (a
	 * dlclose, then a dlopen) */
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].lo < rec->arg[2] && rec->arg[1] < m->v[i].hi) {
			m->v[i] = (struct rn_modent){ rec->arg[0], rec->arg[1], rec->arg[2], f };
			return 0;
		}
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 32;
		struct rn_modent *v = realloc(m->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = (struct rn_modent){ rec->arg[0], rec->arg[1], rec->arg[2], f };
	return 0;
}

static const struct rn_modent *rn_map_find(const struct rn_proc *p, uint64_t ip)
{
	struct rn_modmap *m = rn_map_get(p->arena_id, 0);
	if (!m && p->parent_arena_id) {
		/* a fork child knows its parent's objects and says nothing */
		m = rn_map_get(p->arena_id, 1);
		if (m)
			m->parent = p->parent_arena_id;
	}
	for (int hops = 0; m && hops < 64; hops++) {
		for (size_t i = 0; i < m->n; i++)
			if (ip >= m->v[i].lo && ip < m->v[i].hi)
				return &m->v[i];
		if (!m->parent && hops == 0 && p->parent_arena_id)
			m->parent = p->parent_arena_id;
		m = m->parent ? rn_map_get(m->parent, 0) : NULL;
	}
	return NULL;
}

/* ------------------------------------------------------ source paths */

/* Source paths, made absolute against the unit's compilation directory
 * and cleaned of "." and ".." (lexically: the files need not exist
 * here), kept once for the exporter's life. */
struct rn_spath {
	struct rn_spath *next;
	const char *src, *dir;	/* libdw's, as looked up */
	char path[];
};
#define RN_SPATH_BUCKETS 4096
static struct rn_spath *rn_spaths[RN_SPATH_BUCKETS];

static const char *rn_source_path(const char *src, const char *dir)
{
	if (src[0] == '/')
		dir = NULL;	/* absolute: only cleaned */
	else if (!dir || dir[0] != '/')
		return src;
	uint64_t h = ((uintptr_t)src * 0x9e3779b97f4a7c15ull) ^ (uintptr_t)dir;
	struct rn_spath **b = &rn_spaths[(h >> 20) % RN_SPATH_BUCKETS];
	for (struct rn_spath *e = *b; e; e = e->next)
		if (e->src == src && e->dir == dir)
			return e->path;
	size_t ls = strlen(src), ld = dir ? strlen(dir) : 0;
	struct rn_spath *e = malloc(sizeof *e + ld + ls + 2);
	if (!e)
		return src;
	memcpy(e->path, dir ? dir : "", ld);
	e->path[ld] = '/';
	memcpy(e->path + ld + 1, src, ls + 1);
	rn_path_clean(e->path);
	e->src = src;
	e->dir = dir;
	e->next = *b;
	*b = e;
	return e->path;
}

/* ------------------------------------------------------ symbolization */

/* Addresses looked up before, per object: most stacks repeat. */
#define RN_ADDR_CACHE 65536
struct rn_addr_ent {
	const struct rn_symfile *f;
	uint64_t off;
	const char *func;
	uint64_t func_off;
	const char *file;
	uint32_t line;
};
static struct rn_addr_ent *rn_addr_cache;

/* libdw 0.188 finds no unit for an address of clang's DWARF 5 (its unit
 * ranges through .debug_addr): ask each unit's line table instead. */
static void rn_lookup_cus(struct rn_symfile *f, uint64_t pc, struct rn_frame *fr)
{
	Dwarf_Addr bias = 0;
	for (Dwarf_Die *cu = NULL; (cu = dwfl_module_nextcu(f->mod, cu, &bias));) {
		Dwarf_Line *l = dwarf_getsrc_die(cu, pc - bias);
		int line = 0;
		const char *src = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
		if (src && dwarf_lineno(l, &line) == 0 && line > 0) {
			fr->file = rn_source_path(src, NULL);
			fr->line = (uint32_t)line;
			return;
		}
	}
}

static void rn_lookup(struct rn_symfile *f, uint64_t off, struct rn_frame *fr)
{
	uint64_t h = (off ^ (uintptr_t)f) * 0x9e3779b97f4a7c15ull >> 48;
	struct rn_addr_ent *c = rn_addr_cache ? &rn_addr_cache[h % RN_ADDR_CACHE] : NULL;
	if (c && c->f == f && c->off == off) {
		fr->func = c->func;
		fr->func_off = c->func_off;
		fr->file = c->file;
		fr->line = c->line;
		return;
	}
	rn_symfile_open(f);
	if (f->mod) {
		/* a return address: the call is the instruction before it */
		GElf_Addr pc = off ? off - 1 : off, symoff = 0;
		GElf_Sym sym;
		const char *name = dwfl_module_addrinfo(f->mod, pc, &symoff, &sym, NULL, NULL, NULL);
		if (name && *name) {
			fr->func = name;
			fr->func_off = symoff + (off - pc);
		}
		Dwfl_Line *l = dwfl_module_getsrc(f->mod, pc);
		int line = 0;
		const char *src = l ? dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL) : NULL;
		if (src && line > 0) {
			fr->file = rn_source_path(src, dwfl_line_comp_dir(l));
			fr->line = (uint32_t)line;
		} else {
			rn_lookup_cus(f, pc, fr);
		}
	}
	if (c)
		*c = (struct rn_addr_ent){ f, off, fr->func, fr->func_off, fr->file, fr->line };
}

static struct rn_frame *rn_frames;
static size_t rn_frames_cap;

int rn_stack_resolve(struct rn_event *evs, size_t n)
{
	size_t need = 0;
	for (size_t e = 0; e < n; e++)
		need += evs[e].stack_n;
	if (!need)
		return 0;
	if (!rn_addr_cache && !(rn_addr_cache = calloc(RN_ADDR_CACHE, sizeof *rn_addr_cache)))
		return -ENOMEM;
	if (need > rn_frames_cap) {
		struct rn_frame *v = realloc(rn_frames, need * sizeof *v);
		if (!v)
			return -ENOMEM;
		rn_frames = v;
		rn_frames_cap = need;
	}
	struct rn_frame *fr = rn_frames;
	for (size_t e = 0; e < n; e++) {
		struct rn_event *ev = &evs[e];
		if (!ev->stack_n)
			continue;
		ev->frames = fr;
		for (unsigned i = 0; i < ev->stack_n; i++, fr++) {
			uint64_t ip;
			memcpy(&ip, ev->stack + 8 * i, 8);
			*fr = (struct rn_frame){ .ip = ip };
			const struct rn_modent *m = ev->proc ? rn_map_find(ev->proc, ip) : NULL;
			if (!m)
				continue;
			fr->module = m->f->path;
			fr->offset = ip - m->base;
			fr->not_site = m->f->not_site;
			rn_lookup(m->f, fr->offset, fr);
		}
	}
	return 0;
}

void rn_stack_free(void)
{
	for (struct rn_symfile *f = rn_files, *next; f; f = next) {
		next = f->next;
		if (f->dwfl)
			dwfl_end(f->dwfl);
		free(f->path);
		free(f);
	}
	rn_files = NULL;
	for (unsigned b = 0; b < RN_MAP_BUCKETS; b++)
		for (struct rn_modmap *m = rn_maps[b], *next; m; m = next) {
			next = m->next;
			free(m->v);
			free(m);
		}
	memset(rn_maps, 0, sizeof rn_maps);
	free(rn_addr_cache);
	rn_addr_cache = NULL;
	for (unsigned b = 0; b < RN_SPATH_BUCKETS; b++)
		for (struct rn_spath *e = rn_spaths[b], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	memset(rn_spaths, 0, sizeof rn_spaths);
	free(rn_frames);
	rn_frames = NULL;
	rn_frames_cap = 0;
}
