/* exec_check.c: the launcher's checks (exporter/elf.c, libdir.c) for
 * every image a traced process execs or spawns: a statically linked or
 * 32-bit image never loads the shim and runs untraced (one note says so);
 * an ASan image aborts unless its runtime comes first in LD_PRELOAD (it is
 * put there); a root (chroot) from which our library cannot be reached, or
 * a user who may not read it, would make the loader print an error line
 * on the program's stderr (our LD_PRELOAD entry is dropped, a note says
 * so).
 *
 * Runs in exec and spawn wrappers, before the call: in vfork children, on
 * small stacks. So: raw system calls only, a few hundred bytes of stack
 * (the file's headers are read into the caller's scratch area), never
 * errno changed, never once sandboxed (the caller makes sure), and never
 * an exec made to fail or succeed: what cannot be read is left alone.
 */
#include "exec_check.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/arena.h"
#include "../common/rawsys.h"
#include "shim.h"

#define RN_PATHROOM 4096

static int rn_pread(int fd, void *buf, size_t n, uint64_t off)
{
	return off < (1ull << 62) && rn_sys4(SYS_pread64, fd, buf, n, off) == (long)n ? 0 : -1;
}

/* The file execvp(file) runs: the first PATH entry where it exists and
 * may be executed, as execvp tries them. Returns 0 with the path in out. */
static int rn_exec_search(const char *file, char *out, size_t cap)
{
	const char *p = getenv("PATH");
	size_t fl = strlen(file);
	if (!p)
		p = "/bin:/usr/bin";	/* glibc's default */
	for (;;) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);
		if (dl + fl + 2 <= cap) {
			memcpy(out, p, dl);
			out[dl] = '/';
			memcpy(out + dl + 1, file, fl + 1);
			/* empty entry: the current directory */
			const char *path = dl ? out : out + 1;
			if (rn_sys3(SYS_faccessat, AT_FDCWD, path, X_OK) == 0) {
				if (!dl)
					memmove(out, out + 1, fl + 1);
				return 0;
			}
		}
		if (!*end)
			return -1;
		p = end + 1;
	}
}

/* File offset of virtual address va, from the PT_LOAD segments. */
static uint64_t rn_va_off(const Elf64_Phdr *ph, unsigned n, uint64_t va)
{
	for (unsigned i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr && va - ph[i].p_vaddr < ph[i].p_filesz)
			return ph[i].p_offset + (va - ph[i].p_vaddr);
	return UINT64_MAX;
}

/* The ASan runtime among the DT_NEEDED entries of dynamic section dyn. */
static void rn_find_asan(struct rn_exec_verdict *v, int fd, const Elf64_Phdr *ph, unsigned nph,
			 const Elf64_Phdr *dyn, char *buf, size_t cap)
{
	size_t nd = dyn->p_filesz / sizeof(Elf64_Dyn);
	if (nd > cap / sizeof(Elf64_Dyn))
		nd = cap / sizeof(Elf64_Dyn);
	Elf64_Dyn *d = (Elf64_Dyn *)buf;
	if (!nd || rn_pread(fd, d, nd * sizeof *d, dyn->p_offset))
		return;
	uint64_t strtab = 0;
	for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++)
		if (d[i].d_tag == DT_STRTAB)
			strtab = d[i].d_un.d_ptr;
	uint64_t stroff = rn_va_off(ph, nph, strtab);
	if (stroff == UINT64_MAX)
		return;
	for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++) {
		char name[sizeof v->asan];
		if (d[i].d_tag != DT_NEEDED)
			continue;
		long r = rn_sys4(SYS_pread64, fd, name, sizeof name - 1, stroff + d[i].d_un.d_val);
		if (r <= 0)
			continue;
		name[r] = '\0';
		if (!strncmp(name, "libasan.so", 10) && strlen(name) < sizeof name - 1) {
			memcpy(v->asan, name, strlen(name) + 1);
			return;
		}
	}
}

/* Reads the ELF file on fd: static, 32-bit, ASan. */
static void rn_exec_elf(struct rn_exec_verdict *v, int fd, char *buf, size_t cap)
{
	Elf64_Ehdr *h = (Elf64_Ehdr *)buf;
	if (cap < sizeof *h + 64 * sizeof(Elf64_Phdr) || rn_pread(fd, h, sizeof *h, 0) ||
	    memcmp(h->e_ident, ELFMAG, SELFMAG))
		return;	/* a script, or unreadable: the shim's to see */
	char *rest = buf + sizeof *h;
	size_t room = cap - sizeof *h;
	if (h->e_ident[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr *h32 = (Elf32_Ehdr *)buf;
		Elf32_Phdr *ph = (Elf32_Phdr *)rest;
		unsigned n = h32->e_phnum;
		v->why = RN_NOTE_ELF32;
		if (h32->e_phentsize != sizeof *ph || n * sizeof *ph > room ||
		    rn_pread(fd, ph, n * sizeof *ph, h32->e_phoff))
			return;
		v->why = RN_NOTE_STATIC;
		for (unsigned i = 0; i < n; i++)
			if (ph[i].p_type == PT_INTERP)
				v->why = RN_NOTE_ELF32;
		return;
	}
	if (h->e_ident[EI_CLASS] != ELFCLASS64 || h->e_phentsize != sizeof(Elf64_Phdr))
		return;
	Elf64_Phdr *ph = (Elf64_Phdr *)rest;
	unsigned n = h->e_phnum;
	if (n * sizeof *ph > room || rn_pread(fd, ph, n * sizeof *ph, h->e_phoff))
		return;
	const Elf64_Phdr *dyn = NULL;
	int interp = 0;
	for (unsigned i = 0; i < n; i++) {
		interp |= ph[i].p_type == PT_INTERP;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = &ph[i];
	}
	if (!interp) {
		v->why = RN_NOTE_STATIC;	/* no loader runs: nothing is preloaded */
		return;
	}
	if (dyn)
		rn_find_asan(v, fd, ph, n, dyn, rest + n * sizeof *ph, room - n * sizeof *ph);
}

/* The library linked into the launcher's private session (0700) while
 * our effective user is another, not root: a process that dropped its
 * privileges and still holds the capability to read it (setpriv keeps
 * it until exec) loses it with the exec. Returns -EACCES then, else 0.
 * buf: room for a struct stat. */
static long rn_lib_private_to_other(const char *lib, char *buf)
{
	size_t dl = strlen(rn_g.session_dir);
	if (!dl || strncmp(lib, rn_g.session_dir, dl) || lib[dl] != '/')
		return 0;
	long eu = rn_sys0(SYS_geteuid);
	struct stat *st = (struct stat *)(void *)buf;
	if (eu == 0 || rn_sys4(SYS_newfstatat, AT_FDCWD, rn_g.session_dir, st, 0))
		return 0;
	return (uid_t)eu != st->st_uid && !(st->st_mode & S_IXOTH) ? -EACCES : 0;
}

void rn_exec_check(struct rn_exec_verdict *v, enum rn_exec_kind kind, const char *file, int fd,
		   const char *lib, char *buf, size_t cap)
{
	memset(v, 0, sizeof *v);
	if (cap <= RN_PATHROOM)
		return;
	long own = -1;
	if (kind != RN_EXEC_FD) {
		/* the kernel reads the path on exec: ours is a plain copy, or
		 * nothing when it is not readable (the exec fails alike) */
		size_t got = rn_safe_read(buf, file, RN_PATHROOM);
		if (!memchr(buf, 0, got) || !buf[0])
			return;
		if (kind == RN_EXEC_SEARCH && !strchr(buf, '/')) {
			char *name = buf + RN_PATHROOM;	/* the headers go there later */
			memcpy(name, buf, strlen(buf) + 1);
			if (rn_exec_search(name, buf, RN_PATHROOM))
				return;
		}
		own = rn_sys4(SYS_openat, AT_FDCWD, buf, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
		if (own < 0)
			return;
		fd = (int)own;
	}
	rn_exec_elf(v, fd, buf + RN_PATHROOM, cap - RN_PATHROOM);
	if (own >= 0)
		rn_sys1(SYS_close, own);
	/* A root without our library (chroot), or a user who may not read it
	 * (privileges dropped): the loader would say so on the program's
	 * stderr. Checked as the loader opens it, with the effective ids. A
	 * static image loads nothing. */
	if (v->why != RN_NOTE_STATIC && lib) {
		long rc = rn_sys4(SYS_faccessat2, AT_FDCWD, lib, R_OK, AT_EACCESS);
		if (rc == -ENOSYS)	/* before Linux 5.8: the real ids */
			rc = rn_sys3(SYS_faccessat, AT_FDCWD, lib, R_OK);
		if (rc == 0)
			rc = rn_lib_private_to_other(lib, buf);
		if (rc == -ENOENT || rc == -ENOTDIR || rc == -EACCES || rc == -ELOOP) {
			v->why = RN_NOTE_NOLIB;
			v->asan[0] = '\0';
		}
	}
}

/* Is [p, p+n) the entry 'ours'? */
static int rn_is_ours(const char *p, size_t n, const char *ours)
{
	return ours && strlen(ours) == n && !memcmp(p, ours, n);
}

long rn_exec_preload(const struct rn_exec_verdict *v, const char *in, const char *ours, char *out,
		     size_t cap)
{
	const char *val = in + 11;
	size_t vl = strlen(val), o = 11;
	if (v->why != RN_NOTE_NOLIB && !v->asan[0])
		return -1;
	if (cap < 11 + sizeof v->asan + vl + 1)
		return -1;
	memcpy(out, "LD_PRELOAD=", 11);
	if (v->asan[0]) {
		/* the runtime first, then the list as it was (a second
		 * mention of the runtime is the same object, loaded once) */
		size_t al = strlen(v->asan);
		memcpy(out + o, v->asan, al);
		out[o + al] = ':';
		memcpy(out + o + al + 1, val, vl + 1);
		return (long)(o + al + 1 + vl);
	}
	/* every entry but ours; the loader splits at colons and spaces */
	for (const char *p = val; *p;) {
		size_t n = strcspn(p, ": ");
		if (n && !rn_is_ours(p, n, ours)) {
			if (o > 11)
				out[o++] = ':';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		if (*p)
			p++;
	}
	out[o] = '\0';
	return o > 11 ? (long)o : 0;
}

void rn_exec_note(struct rn_exec_verdict *v, int32_t pid, char *buf)
{
	if (!v || !v->why || !rn_g.session_dir[0])
		return;
	int own = !pid;
	/* sandboxed: no system call of ours, so no note file either */
	int sandboxed = rn_g.sandboxed;
	if (own && !sandboxed)
		pid = (int32_t)rn_sys0(SYS_getpid);
	/* Where the library cannot be reached, neither can the session (a
	 * chroot), or a file made there would not be ours (a user that still
	 * holds the capabilities it loses at exec): the arena says it. */
	long rc = v->why == RN_NOTE_NOLIB || sandboxed ? -EACCES
		  : rn_arena_note_path(buf, rn_g.session_dir, pid, 0, (enum rn_note_why)v->why, 0);
	if (rc == 0)
		rc = rn_sys4(SYS_mknodat, AT_FDCWD, buf, S_IFREG | 0600, 0);
	/* one there already is another exec's of this pid: not ours to take */
	if (rc == 0)
		v->noted = pid;
	int borrowed = rn_t.busy == RN_BUSY_VFORK || rn_t.busy == RN_BUSY_SHARED;
	/* No note file could be made (the library and the session are out
	 * of reach): the nearest traced ancestor says it in its ring. A
	 * spawn's child: we are that ancestor, now. A vfork child on our
	 * borrowed state: the parent, once the exec let it go on (taken
	 * back if the exec fails). */
	if (rc != 0 && rc != -EEXIST && !own)
		rn_emit_note(pid, v->why);
	else if (rc != 0 && rc != -EEXIST && borrowed) {
		rn_t.vfork_note = v->why;
		v->in_vfork = 1;
	}
	/* An exec of this process's own image (not a vfork child borrowing
	 * our memory, not a spawn): its arena says it too, so the exporter
	 * waits for no new image, and says it when no note could be made
	 * (a root without the session directory). */
	struct rn_arena_hdr *h = rn_g.arena.hdr;
	if (h && own && !borrowed) {
		rn_store_release(&h->exec_untraced,
				 v->why | (rc == 0 || rc == -EEXIST ? RN_EXEC_NOTED : 0));
		v->in_hdr = 1;
	}
}

void rn_exec_unnote(struct rn_exec_verdict *v, char *buf)
{
	if (v && v->in_hdr && rn_g.arena.hdr)
		rn_store_release(&rn_g.arena.hdr->exec_untraced, 0);
	if (v && v->in_vfork)	/* the exec failed: nothing to say */
		rn_t.vfork_note = 0;
	if (v)
		v->in_hdr = v->in_vfork = 0;
	if (!v || !v->noted)
		return;
	if (rn_arena_note_path(buf, rn_g.session_dir, v->noted, 0, (enum rn_note_why)v->why, 0) == 0)
		rn_sys3(SYS_unlinkat, AT_FDCWD, buf, 0);
	v->noted = 0;
}
