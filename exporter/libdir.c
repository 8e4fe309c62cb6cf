/* libdir.c: the shim's library as every loader in the session should see
 * it. LD_PRELOAD splits at spaces and colons, and a loader that cannot
 * load an entry (missing, or another ABI: a 32-bit program) prints an
 * "ERROR: ld.so: object ... cannot be preloaded" line on the program's
 * stderr, which must stay the program's own. So the library is linked
 * into the private session directory under a plain name, at
 * rt/$LIB/librenacer.so, where $LIB is the loader's own library directory
 * name: the native loader finds the library; a 32-bit loader finds, in its
 * own $LIB directories, a no-op 32-bit object that it loads silently, and
 * the program runs untraced and unchanged (the launcher says so).
 * Runs in renacer-run before the program starts; never prints.
 */
#include "libdir.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where 32-bit x86 loaders look for $LIB: Debian's libc6-i386 (lib32),
 * Debian multiarch i386 (lib/i386-linux-gnu), Fedora and others (lib). */
static const char *const rn_lib32_dirs[] = { "lib32", "lib/i386-linux-gnu", "lib" };

/* A 32-bit (i386) shared object with nothing in it: one writable load
 * segment holding an empty dynamic section, and a non-executable stack
 * note (without it the loader would make the program's stack executable). */
static const unsigned char rn_noop32[] = {
	/* Elf32_Ehdr: ET_DYN, EM_386, 3 program headers at 52 */
	0x7f, 'E', 'L', 'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	3, 0, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 52, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	52, 0, 32, 0, 3, 0, 40, 0, 0, 0, 0, 0,
	/* PT_LOAD: offset 0, vaddr 0, 208 bytes, RW, align 4096 */
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	208, 0, 0, 0, 208, 0, 0, 0, 6, 0, 0, 0, 0, 16, 0, 0,
	/* PT_DYNAMIC at 148, 40 bytes */
	2, 0, 0, 0, 148, 0, 0, 0, 148, 0, 0, 0, 0, 0, 0, 0,
	40, 0, 0, 0, 40, 0, 0, 0, 6, 0, 0, 0, 4, 0, 0, 0,
	/* PT_GNU_STACK, RW */
	0x51, 0xe5, 0x74, 0x64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 16, 0, 0, 0,
	/* dynamic at 148: DT_STRTAB 204, DT_SYMTAB 188, DT_STRSZ 4,
	 * DT_SYMENT 16, DT_NULL (the loader reads both tables even when
	 * nothing refers to them) */
	5, 0, 0, 0, 204, 0, 0, 0, 6, 0, 0, 0, 188, 0, 0, 0,
	10, 0, 0, 0, 4, 0, 0, 0, 11, 0, 0, 0, 16, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	/* symbol table at 188: the null symbol */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* string table at 204 */
	0, 0, 0, 0,
};

/* The native loader's $LIB: the directory of our own libc, less a leading
 * /usr (lib/x86_64-linux-gnu on Debian, lib64 on Fedora, lib on Arch).
 * Returns 0, or -1 when it is not one of those forms. */
struct rn_find {
	char dir[256];
};

static int rn_find_libc(struct dl_phdr_info *i, size_t sz, void *arg)
{
	(void)sz;
	struct rn_find *f = arg;
	const char *n = i->dlpi_name, *s = n ? strrchr(n, '/') : NULL;
	if (s && !strncmp(s, "/libc.so", 8) && (size_t)(s - n) < sizeof f->dir) {
		memcpy(f->dir, n, (size_t)(s - n));
		f->dir[s - n] = '\0';
		return 1;
	}
	return 0;
}

static int rn_native_lib(char *out, size_t cap)
{
	struct rn_find f = { "" };
	dl_iterate_phdr(rn_find_libc, &f);
	const char *d = f.dir;
	if (!strncmp(d, "/usr/", 5))
		d += 4;
	if (*d != '/')
		return -1;
	d++;
	if (strcmp(d, "lib") && strcmp(d, "lib64") &&
	    (strncmp(d, "lib/", 4) || strchr(d + 4, '/') || !strstr(d, "-linux-")))
		return -1;
	return snprintf(out, cap, "%s", d) < (int)cap ? 0 : -1;
}

/* mkdir -p of rel under base (mode 0700) */
static int rn_mkdirs(const char *base, const char *rel)
{
	char p[4096];
	if (snprintf(p, sizeof p, "%s/%s", base, rel) >= (int)sizeof p)
		return -ENAMETOOLONG;
	for (char *s = p + strlen(base) + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0700) && errno != EEXIST)
				return -errno;
			*s = c;
			if (!c)
				return 0;
		}
	}
}

/* A hard link where the library is on the same file system, else a
 * symbolic link to it: nothing is copied (no RLIMIT_FSIZE, no /dev/shm
 * space), and the link is in a directory only the user can write. */
static int rn_copy(const char *from, const char *to)
{
	if (link(from, to) == 0 || symlink(from, to) == 0)
		return 0;
	return -errno;
}

static int rn_write_noop32(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0500);
	if (fd < 0)
		return -errno;
	int rc = write(fd, rn_noop32, sizeof rn_noop32) == (ssize_t)sizeof rn_noop32 ? 0 : -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

int rn_libdir_make(const char *session, const char *lib, char *preload, size_t cap)
{
	char native[256], p[4096];
	int rc;
	if (strpbrk(session, " :$"))
		return -EINVAL;	/* cannot be named in LD_PRELOAD either */
	if (rn_native_lib(native, sizeof native)) {
		/* unknown layout: a plain name, no $LIB */
		snprintf(p, sizeof p, "%s/rt", session);
		if (mkdir(p, 0700) && errno != EEXIST)
			return -errno;
		snprintf(p, sizeof p, "%s/rt/librenacer.so", session);
		if ((rc = rn_copy(lib, p)))
			return rc;
		return snprintf(preload, cap, "%s", p) < (int)cap ? 0 : -ENAMETOOLONG;
	}
	snprintf(p, sizeof p, "rt/%s", native);
	if ((rc = rn_mkdirs(session, p)))
		return rc;
	snprintf(p, sizeof p, "%s/rt/%s/librenacer.so", session, native);
	if ((rc = rn_copy(lib, p)))
		return rc;
	for (unsigned i = 0; i < sizeof rn_lib32_dirs / sizeof *rn_lib32_dirs; i++) {
		if (!strcmp(rn_lib32_dirs[i], native))
			continue;
		snprintf(p, sizeof p, "rt/%s", rn_lib32_dirs[i]);
		if (rn_mkdirs(session, p) == 0) {
			snprintf(p, sizeof p, "%s/rt/%s/librenacer.so", session, rn_lib32_dirs[i]);
			rn_write_noop32(p);	/* best effort: without it, only a loader line */
		}
	}
	return snprintf(preload, cap, "%s/rt/$LIB/librenacer.so", session) < (int)cap ? 0
										     : -ENAMETOOLONG;
}

static void rn_rm_tree(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		DIR *d = fdopendir(fd);
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				rn_rm_tree(fd, e->d_name);
		if (d)
			closedir(d);
		else
			close(fd);
		unlinkat(dfd, name, AT_REMOVEDIR);
	} else {
		unlinkat(dfd, name, 0);
	}
}

void rn_libdir_remove(const char *session)
{
	int fd = open(session, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	rn_rm_tree(fd, "rt");
	close(fd);
}
