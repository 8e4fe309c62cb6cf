/* elf.h: what the launcher needs to know about the program it starts,
 * read from its ELF file (elf.c). */
#ifndef RN_ELF_H
#define RN_ELF_H

#include <stddef.h>

struct rn_elf {
	int is_elf;		/* 0: a script or unreadable: nothing below is known */
	int is_static;		/* no PT_INTERP: the loader never runs, nor the shim */
	int is_32;		/* ELFCLASS32 */
	char asan[64];		/* the ASan runtime it needs (DT_NEEDED libasan.so.N), or "" */
};

/* rn_elf_find: the file execvp(file) would run, searched in PATH like
 * execvp does. Returns 0, or -errno (then execvp will fail and say why). */
int rn_elf_find(const char *file, char *path, size_t cap);

/* rn_elf_read: fills *e from the ELF file at path. Returns 0, or -errno;
 * a file that is not ELF is not an error (is_elf = 0). Never trusts a
 * size or offset in the file: everything is bounds-checked. */
int rn_elf_read(const char *path, struct rn_elf *e);

#endif
