/* arena.c: creating and mapping arena files, and reading a ring's owner.
 *
 * Runs inside the traced program (from the shim's constructor and fork
 * wrapper): raw system calls only, no malloc, no errno changes, no fd kept,
 * and nothing that can raise a signal in it: no file grown past
 * RLIMIT_FSIZE, no shared page used before it is allocated.
 */
#include "arena.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "rawsys.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23	/* Linux 5.14 */
#endif

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

/* The soft RLIMIT_FSIZE: a file grown past it earns the program SIGXFSZ
 * (queued even while blocked), so no file of ours is ever sized past it. */
static uint64_t rn_fsize_limit(void)
{
	struct { uint64_t cur, max; } rl;	/* struct rlimit64 */
	if (rn_sys4(SYS_prlimit64, 0, RLIMIT_FSIZE, 0, &rl))
		return UINT64_MAX;
	return rl.cur;	/* RLIM64_INFINITY is UINT64_MAX */
}

/* Rings are sized to the free space of the session's file system: no
 * ring reserves more than 1/RN_SHARE_OF_FREE of what is free, so a small
 * tmpfs (Docker gives 64 MiB) is shared by many threads with shorter rings
 * instead of filled by the first few. Returns the largest ring capacity
 * (records, a power of two, at least RN_RING_CAP_MIN) that obeys it, or
 * 'cap' when the free space is unknown or ample. */
#define RN_SHARE_OF_FREE 64u
/* Free space is ample when a ring is at most 1/RN_AMPLE_OF_FREE of it: a
 * ring's memory is then reserved as it fills (arena.h); below that every
 * claimed ring is reserved whole, so that a ring that works keeps working
 * when others fill the file system. *ample is 0 when the space is unknown. */
#define RN_AMPLE_OF_FREE 1024u
static uint32_t rn_cap_for_free(const char *dir, uint32_t cap, uint32_t *ample)
{
	struct statfs sf;
	*ample = 0;
	if (rn_sys2(SYS_statfs, dir, &sf))
		return cap;
	uint64_t free = (uint64_t)sf.f_bavail * (uint64_t)sf.f_bsize;
	uint64_t share = free / RN_SHARE_OF_FREE;
	while (cap > RN_RING_CAP_MIN && (uint64_t)cap * RN_REC_SIZE > share)
		cap >>= 1;
	*ample = (uint64_t)cap * RN_REC_SIZE <= free / RN_AMPLE_OF_FREE;
	return cap;
}

/* A system call that a signal may interrupt before it did anything
 * (fallocate, madvise on tmpfs): retried a few times. */
#define RN_EINTR_TRIES 8

int rn_arena_create(const char *dir, const struct rn_arena_params *p, uint64_t id,
		    struct rn_arena_map *out)
{
	uint64_t rings_off, data_off;
	uint64_t limit = rn_fsize_limit();
	uint32_t ample;
	uint32_t cap = rn_cap_for_free(dir, p->ring_cap, &ample);
	size_t dlen = strlen(dir);
	char hex[17];

	if (dlen + 1 + 16 + sizeof RN_ARENA_SUFFIX > sizeof out->path)
		return -ENAMETOOLONG;
	uint32_t nrings = p->nrings;
	while (cap > RN_RING_CAP_MIN && rn_arena_size(nrings, cap, NULL, NULL) > limit)
		cap >>= 1;
	/* a file of many short rings still too large: fewer rings in it (an
	 * extension arena; the process adds another when they are taken) */
	while (nrings > 1 && rn_arena_size(nrings, cap, NULL, NULL) > limit)
		nrings >>= 1;
	if (rn_arena_size(nrings, cap, NULL, NULL) > limit)
		return -EFBIG;
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
	/* Size, reserve, map; whatever of the three runs out, try again with
	 * rings half as long: a smaller ring traces, a missing one does not.
	 * Shrinking the file gives back what a failed attempt allocated. */
	void *m = (void *)-1;
	size_t size;
	uint32_t ring0_whole = 0;
	int tries = 0;
	for (;;) {
		size = rn_arena_size(nrings, cap, &rings_off, &data_off);
		/* the header, the control blocks and the start of ring 0, the
		 * rest reserved as its producer reaches it; all of ring 0 when
		 * space is short */
		uint64_t first = ample && cap > RN_RING_RESERVE_FIRST ? RN_RING_RESERVE_FIRST : cap;
		long rc = rn_sys2(SYS_ftruncate, fd, size);
		ring0_whole = 0;
		if (rc == 0) {
			rc = rn_sys4(SYS_fallocate, fd, 0, 0, (long)(data_off + first * RN_REC_SIZE));
			ring0_whole = rc == 0 && first == cap;
			if (rc == -EOPNOTSUPP)
				rc = 0;	/* a file system that cannot: as before */
		}
		if (rc == 0) {
			m = (void *)rn_sys6(SYS_mmap, 0, (long)size, PROT_READ | PROT_WRITE,
					    MAP_SHARED, fd, 0);
			if ((unsigned long)m > -4096ul) {
				rc = (long)m;
				m = (void *)-1;
			}
		}
		if (rc == 0)
			break;
		if (rc == -EINTR && ++tries < RN_EINTR_TRIES)
			continue;
		if ((rc == -ENOSPC || rc == -ENOMEM || rc == -EINTR) && cap > RN_RING_CAP_MIN) {
			cap >>= 1;
			continue;
		}
		rn_sys1(SYS_close, fd);
		rn_sys1(SYS_unlink, out->path);
		return (int)rc;
	}
	rn_sys1(SYS_close, fd);

	/* The file is fresh, so everything not set here reads as zero: every
	 * ring is FREE with head == tail == 0. */
	struct rn_arena_hdr *h = m;
	h->version = RN_FORMAT_VERSION;
	h->hdr_size = sizeof *h;
	h->file_size = size;
	h->rings_off = rings_off;
	h->data_off = data_off;
	h->nrings = nrings;
	h->ring_cap = cap;
	h->id = id;
	h->state = RN_ARENA_PENDING;
	h->clock = p->clock;
	h->strsize = p->strsize;
	h->on_full = p->on_full;
	for (uint32_t i = 0; i < nrings; i++) {
		int e = rn_ring_init_owner(rn_arena_ring(h, i));
		if (e) {
			rn_sys2(SYS_munmap, m, size);
			rn_sys1(SYS_unlink, out->path);
			return -e;
		}
	}
	rn_arena_ring(h, 0)->reserved = ring0_whole;
	out->hdr = h;
	out->size = size;
	out->ample = ample;
	return 0;
}

int rn_arena_reserve_slots(struct rn_rec *slots, uint64_t from, uint64_t to)
{
	long len = (long)((to - from) * RN_REC_SIZE);
	long rc;
	int tries = 0;
	do
		rc = rn_sys3(SYS_madvise, slots + from, len, MADV_POPULATE_WRITE);
	while (rc == -EINTR && ++tries < RN_EINTR_TRIES);
	if (rc == -EINVAL)
		return 1;	/* before Linux 5.14: cannot reserve */
	if (rc) {
		/* EFAULT: populating would have raised SIGBUS (tmpfs full);
		 * what was allocated of the range is given back */
		rn_sys3(SYS_madvise, slots + from, len, MADV_REMOVE);
		return rc == -ENOMEM ? -ENOMEM : -ENOSPC;
	}
	return 0;
}

int rn_arena_reserve_ring(struct rn_arena_hdr *h, uint32_t i)
{
	struct rn_ring *r = rn_arena_ring(h, i);
	if (rn_load_acquire(&r->reserved))
		return 0;	/* an earlier owner did: the file keeps its pages */
	int rc = rn_arena_reserve_slots(rn_arena_slots(h, i), 0, h->ring_cap);
	if (rc < 0)
		return rc;
	if (rc == 0)
		rn_store_release(&r->reserved, 1);
	return 0;
}

static char *rn_put_u32(char *p, uint32_t v)
{
	char tmp[10];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

int rn_arena_note_path(char *path, const char *dir, int32_t pid, int32_t tid,
			enum rn_note_why why, int err)
{
	size_t dlen = strlen(dir);
	if (dlen + 1 + 4 * 11 + sizeof RN_NOTE_SUFFIX > RN_ARENA_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(path, dir, dlen);
	char *p = path + dlen;
	*p++ = '/';
	p = rn_put_u32(p, (uint32_t)pid);
	*p++ = '.';
	p = rn_put_u32(p, (uint32_t)tid);
	*p++ = '.';
	p = rn_put_u32(p, (uint32_t)why);
	*p++ = '.';
	p = rn_put_u32(p, (uint32_t)(err < 0 ? -err : err));
	memcpy(p, RN_NOTE_SUFFIX, sizeof RN_NOTE_SUFFIX);
	return 0;
}

int rn_arena_note(const char *dir, int32_t pid, int32_t tid, enum rn_note_why why, int err)
{
	char path[RN_ARENA_PATH_MAX];
	int rc = rn_arena_note_path(path, dir, pid, tid, why, err);
	if (rc)
		return rc;
	long r = rn_sys4(SYS_mknodat, AT_FDCWD, path, S_IFREG | 0600, 0);
	return r == -EEXIST ? 0 : (int)r;
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
