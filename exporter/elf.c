/* elf.c: reads the few facts about the program's ELF file that decide how
 * it is started: statically linked (runs untraced: say so), 32-bit (its
 * loader finds a no-op object in the session, libdir.c), and which ASan
 * runtime it links (that runtime must come first in LD_PRELOAD or ASan
 * aborts). Reads with pread, bounded; never maps or runs the file.
 */
#include "elf.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RN_ELF_MAX_PH 256
#define RN_ELF_MAX_DYN 1024

int rn_elf_find(const char *file, char *path, size_t cap)
{
	if (strchr(file, '/'))
		return snprintf(path, cap, "%s", file) < (int)cap ? 0 : -ENAMETOOLONG;
	const char *p = getenv("PATH");
	if (!p)
		p = "/bin:/usr/bin";
	for (;;) {
		const char *end = strchrnul(p, ':');
		int n = end == p ? snprintf(path, cap, "%s", file)	/* empty: the cwd */
				 : snprintf(path, cap, "%.*s/%s", (int)(end - p), p, file);
		struct stat st;
		if (n < (int)cap && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(path, X_OK) == 0)
			return 0;
		if (!*end)
			return -ENOENT;
		p = end + 1;
	}
}

static int rn_pread_all(int fd, void *buf, size_t n, off_t off)
{
	return off >= 0 && pread(fd, buf, n, off) == (ssize_t)n ? 0 : -EIO;
}

/* file offset of virtual address va, from the PT_LOAD segments */
static off_t rn_va_to_off(const Elf64_Phdr *ph, unsigned n, uint64_t va)
{
	for (unsigned i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr &&
		    va - ph[i].p_vaddr < ph[i].p_filesz)
			return (off_t)(ph[i].p_offset + (va - ph[i].p_vaddr));
	return -1;
}

int rn_elf_read(const char *path, struct rn_elf *e)
{
	memset(e, 0, sizeof *e);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	Elf64_Ehdr h;
	if (rn_pread_all(fd, &h, sizeof h, 0) || memcmp(h.e_ident, ELFMAG, SELFMAG)) {
		close(fd);
		return 0;	/* short or not ELF: a script, say */
	}
	e->is_elf = 1;
	if (h.e_ident[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr h32;
		Elf32_Phdr ph;
		e->is_32 = 1;
		e->is_static = 1;
		if (rn_pread_all(fd, &h32, sizeof h32, 0) == 0 && h32.e_phentsize == sizeof ph)
			for (unsigned i = 0; i < h32.e_phnum && i < RN_ELF_MAX_PH; i++)
				if (rn_pread_all(fd, &ph, sizeof ph, (off_t)h32.e_phoff + i * sizeof ph) == 0 &&
				    ph.p_type == PT_INTERP)
					e->is_static = 0;
		close(fd);
		return 0;
	}
	if (h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_phentsize != sizeof(Elf64_Phdr) ||
	    h.e_phnum > RN_ELF_MAX_PH) {
		close(fd);
		return 0;
	}
	Elf64_Phdr ph[RN_ELF_MAX_PH];
	if (rn_pread_all(fd, ph, h.e_phnum * sizeof *ph, (off_t)h.e_phoff)) {
		close(fd);
		return -EIO;
	}
	const Elf64_Phdr *dyn = NULL;
	e->is_static = 1;
	for (unsigned i = 0; i < h.e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP)
			e->is_static = 0;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = &ph[i];
	}
	if (e->is_static || !dyn) {
		close(fd);
		return 0;
	}
	Elf64_Dyn d[RN_ELF_MAX_DYN];
	size_t nd = dyn->p_filesz / sizeof *d;
	if (nd > RN_ELF_MAX_DYN)
		nd = RN_ELF_MAX_DYN;
	if (rn_pread_all(fd, d, nd * sizeof *d, (off_t)dyn->p_offset)) {
		close(fd);
		return -EIO;
	}
	uint64_t strtab = 0;
	for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++)
		if (d[i].d_tag == DT_STRTAB)
			strtab = d[i].d_un.d_ptr;
	off_t stroff = rn_va_to_off(ph, h.e_phnum, strtab);
	for (size_t i = 0; stroff >= 0 && i < nd && d[i].d_tag != DT_NULL; i++) {
		if (d[i].d_tag != DT_NEEDED)
			continue;
		char name[sizeof e->asan];
		ssize_t r = pread(fd, name, sizeof name - 1, stroff + (off_t)d[i].d_un.d_val);
		if (r <= 0)
			continue;
		name[r] = '\0';
		if (!strncmp(name, "libasan.so", 10) && strlen(name) < sizeof name - 1)
			snprintf(e->asan, sizeof e->asan, "%s", name);
	}
	close(fd);
	return 0;
}
