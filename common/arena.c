/* arena.c: creating and mapping arena files, and reading a ring's owner.
 *
 * Runs inside the traced program (from the shim's constructor and fork
 * wrapper): raw system calls only, no malloc, no errno changes, no fd kept.
 */
#include "arena.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/mman.h>

#include "rawsys.h"

static void rn_hex64(char *out, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--) {
		out[i] = digits[v & 15];
		v >>= 4;
	}
	out[16] = '\0';
}

int rn_ring_init_owner(struct rn_ring *r)
{
	pthread_mutexattr_t a;
	int rc = pthread_mutexattr_init(&a);
	if (rc)
		return rc;
	rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!rc)
		rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!rc)
		rc = pthread_mutex_init(&r->owner, &a);
	pthread_mutexattr_destroy(&a);
	return rc;
}

int rn_arena_create(const char *dir, const struct rn_arena_params *p, uint64_t id,
		    struct rn_arena_map *out)
{
	uint64_t rings_off, data_off;
	size_t size = rn_arena_size(p->nrings, p->ring_cap, &rings_off, &data_off);
	size_t dlen = strlen(dir);
	char hex[17];

	if (dlen + 1 + 16 + sizeof RN_ARENA_SUFFIX > sizeof out->path)
		return -ENAMETOOLONG;
	rn_hex64(hex, id);
	memcpy(out->path, dir, dlen);
	out->path[dlen] = '/';
	memcpy(out->path + dlen + 1, hex, 16);
	/* created under a temporary name: the exporter only ever sees a
	 * complete arena (rn_arena_publish renames it into place) */
	memcpy(out->path + dlen + 17, RN_ARENA_TMP_SUFFIX, sizeof RN_ARENA_TMP_SUFFIX);
	out->name_end = dlen + 17;

	long fd = rn_sys4(SYS_openat, AT_FDCWD, out->path,
			  O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return (int)fd;
	long rc = rn_sys2(SYS_ftruncate, fd, size);
	void *m = (void *)-1;
	if (rc == 0) {
		m = (void *)rn_sys6(SYS_mmap, 0, (long)size, PROT_READ | PROT_WRITE, MAP_SHARED,
				    fd, 0);
		if ((unsigned long)m > -4096ul) {
			rc = (long)m;
			m = (void *)-1;
		}
	}
	rn_sys1(SYS_close, fd);
	if (m == (void *)-1) {
		rn_sys1(SYS_unlink, out->path);
		return (int)rc;
	}

	/* The file is fresh, so everything not set here reads as zero: every
	 * ring is FREE with head == tail == 0. */
	struct rn_arena_hdr *h = m;
	h->version = RN_FORMAT_VERSION;
	h->hdr_size = sizeof *h;
	h->file_size = size;
	h->rings_off = rings_off;
	h->data_off = data_off;
	h->nrings = p->nrings;
	h->ring_cap = p->ring_cap;
	h->id = id;
	h->state = RN_ARENA_PENDING;
	h->clock = p->clock;
	h->strsize = p->strsize;
	h->on_full = p->on_full;
	for (uint32_t i = 0; i < p->nrings; i++) {
		int e = rn_ring_init_owner(rn_arena_ring(h, i));
		if (e) {
			rn_sys2(SYS_munmap, m, size);
			rn_sys1(SYS_unlink, out->path);
			return -e;
		}
	}
	out->hdr = h;
	out->size = size;
	return 0;
}

int rn_arena_publish(struct rn_arena_map *m)
{
	char tmp[sizeof m->path];
	/* release: the header fields above are visible before the magic */
	rn_store_release(&m->hdr->magic, RN_ARENA_MAGIC);
	memcpy(tmp, m->path, sizeof tmp);
	memcpy(m->path + m->name_end, RN_ARENA_SUFFIX, sizeof RN_ARENA_SUFFIX);
	long rc = rn_sys2(SYS_rename, tmp, m->path);
	if (rc)
		memcpy(m->path, tmp, sizeof tmp);
	return (int)rc;
}

void rn_arena_unmap(struct rn_arena_map *m)
{
	if (m->hdr)
		rn_sys2(SYS_munmap, m->hdr, m->size);
	m->hdr = NULL;
}

void rn_arena_unlink(struct rn_arena_map *m)
{
	rn_sys1(SYS_unlink, m->path);
}

/* glibc keeps the futex word first in pthread_mutex_t on x86-64 (__lock):
 * owner tid in the low 30 bits, FUTEX_OWNER_DIED set by the kernel when the
 * owner exited or exec'd while holding it (robust list). */
enum rn_owner rn_ring_owner(const struct rn_ring *r)
{
	uint32_t w = rn_load_acquire((const uint32_t *)&r->owner);
	if (w & FUTEX_OWNER_DIED)
		return RN_OWNER_DEAD;
	return (w & FUTEX_TID_MASK) ? RN_OWNER_ALIVE : RN_OWNER_NONE;
}
