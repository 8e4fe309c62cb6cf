/* arena.h: the shared-memory file of one traced process image.
 *
 * Layout (all offsets from the start of the file, page aligned):
 *   0           struct rn_arena_hdr (one page)
 *   rings_off   nrings x struct rn_ring (control blocks)
 *   data_off    nrings x ring_cap x struct rn_rec (slots)
 * The file is created 0600 with O_EXCL|O_NOFOLLOW in the session directory
 * under a temporary name, sized once and never resized, and renamed to
 * <id>.arena once its header is complete. Memory is reserved before it is
 * used: the header and the control blocks when the file is made, the first
 * RN_RING_RESERVE_FIRST records of a ring when a thread claims it, and
 * twice what it has each time its producer reaches the end of that
 * (rn_arena_reserve_slots, on the producer's slow path), so a full tmpfs
 * is an error code (a claim that fails, records dropped and counted),
 * never a SIGBUS on a store. A ring nobody claimed costs address space
 * only, and a short-lived process allocates a few pages, not a whole
 * ring: allocating, zeroing and freeing 1 MiB was most of what tracing
 * added to each process (docs/PERFORMANCE.md). That is when free space is
 * ample (a ring at most 1/1024 of it); on a small file system (a
 * container's 64 MiB /dev/shm) ring 0 is reserved whole at creation and
 * every other ring whole at its claim, so that a ring that works keeps
 * working while others fill the space (rn_arena_map.ample). The creator
 * writes magic last (release); the exporter treats everything in it as
 * untrusted.
 */
#ifndef RN_ARENA_H
#define RN_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "ring.h"

#define RN_ARENA_MAGIC 0x414e4552414e4552ull	/* "RENARENA" */
#define RN_FORMAT_VERSION 3u	/* 2: the call each ring's owner is in;
				 * 3: the program's OpenTelemetry identity */
#define RN_ARENA_SUFFIX ".arena"
#define RN_ARENA_TMP_SUFFIX ".tmp"

/* One ring in a process's first arena: most processes have one thread,
 * and a small mapping keeps a program near its RLIMIT_AS fitting. More
 * threads get extension arenas, each twice the rings of the one before
 * (rn_ext_rings), up to RN_EXT_RINGS_MAX rings each. */
#define RN_RINGS_DEFAULT 1u
#define RN_EXT_ARENAS 64u	/* extension arenas a process may add when
				 * more threads are alive than it has rings */
#define RN_EXT_RINGS_MAX 64u
#define RN_RINGS_MAX 4096u
#define RN_RING_CAP_DEFAULT 16384u	/* records: 1 MiB per ring */
#define RN_RING_CAP_MIN 1024u
#define RN_RING_CAP_MAX (1u << 22)
#define RN_RING_RESERVE_FIRST 256u	/* records (16 KiB) reserved at a claim */

enum rn_clock_kind { RN_CLOCK_TSC = 1, RN_CLOCK_MONO = 2 };
enum rn_arena_state { RN_ARENA_PENDING = 1, RN_ARENA_LIVE = 2 };
enum rn_on_full { RN_ON_FULL_DROP = 0, RN_ON_FULL_BLOCK = 1 };

struct rn_arena_hdr {
	uint64_t magic;		/* RN_ARENA_MAGIC, stored last */
	uint32_t version;	/* RN_FORMAT_VERSION */
	uint32_t hdr_size;	/* sizeof(struct rn_arena_hdr) */
	uint64_t file_size;
	uint64_t rings_off;
	uint64_t data_off;
	uint32_t nrings;
	uint32_t ring_cap;	/* records per ring, a power of two */
	uint64_t id;		/* random, unique in the session */
	uint64_t parent_id;	/* arena of the process that forked us, or 0 */
	int32_t pid;		/* as the traced process sees it */
	int32_t ppid;
	int32_t creator_tid;	/* parent thread that called fork, or 0 */
	uint32_t state;		/* enum rn_arena_state: PENDING until the
				 * forked child adopts it */
	uint32_t clock;		/* enum rn_clock_kind of every timestamp */
	uint32_t strsize;	/* string capture limit in force */
	uint32_t on_full;	/* enum rn_on_full */
	uint32_t argc;		/* argv strings stored (may be cut) */
	uint64_t t0_ticks;	/* clock reading at creation ... */
	uint64_t t0_mono_ns;	/* ... and CLOCK_MONOTONIC then ... */
	uint64_t t0_real_ns;	/* ... and CLOCK_REALTIME then */
	uint64_t pidns;		/* inode of the pid namespace, 0 if unknown */
	uint64_t lost_noring;	/* calls not recorded: no ring was free */
	uint64_t heartbeat_ns;	/* written by the exporter: CLOCK_MONOTONIC */
	int32_t exit_code;	/* exit status, valid when exited is 1 */
	uint32_t exited;	/* set by exit()/_exit() just before the end */
	uint32_t starting;	/* threads created but not yet holding a ring */
	uint32_t ext_index;	/* extensions: 1, 2, ...; 0 for the main arena */
	uint64_t ext_of;	/* extensions: id of the process's main arena */
	char exe[512];		/* /proc/self/exe at creation, NUL-terminated */
	char argv[2048];	/* NUL-separated, cut at a whole string */
	uint32_t argv_len;	/* bytes used in argv */
	/* Format 3: the program's own OpenTelemetry identity, read from the
	 * environment its image started with (before the program can change
	 * it); a fork child's is its parent's, an exec'd image reads its own.
	 * Each string NUL-terminated, cut to fit (res_flags says which were);
	 * empty when unset. The exporter checks every byte. */
	uint32_t res_flags;	/* RN_RES_* */
	uint64_t exit_ticks;	/* clock reading when exited was set */
	char service[128];	/* OTEL_SERVICE_NAME */
	char res_attrs[512];	/* OTEL_RESOURCE_ATTRIBUTES, raw (k=v,...) */
	char traceparent[56];	/* TRACEPARENT (55 characters in version 00) */
	char tracestate[256];	/* TRACESTATE */
	char container_id[72];	/* from /proc/self/cgroup or mountinfo */
	char host[72];		/* uname's nodename: its UTS namespace's */
	/* Set by the main thread's exec just before the call, cleared if it
	 * fails: the image it starts runs untraced (an enum rn_note_why), and
	 * RN_EXEC_NOTED when a note file already says so. From a root
	 * without the session directory (chroot) this is the only way to
	 * say it; it also tells the exporter that no new image will come. */
	uint32_t exec_untraced;
};
#define RN_EXEC_NOTED 0x100u

/* res_flags: what did not fit whole (the exporter says so) */
#define RN_RES_CUT_SERVICE 0x1u
#define RN_RES_CUT_ATTRS 0x2u	/* cut at the last whole k=v member */
#define RN_RES_CUT_STATE 0x4u	/* cut at the last whole list member */
#define RN_RES_BAD_PARENT 0x8u	/* TRACEPARENT too long to be valid: dropped */

/* A process in a pid namespace other than the launcher's tells the
 * exporter, at start, which arena is its: it connects to this socket in
 * the session directory and sends one struct rn_pid_note. The kernel
 * gives the exporter the sender's pid as the exporter's own namespace
 * sees it (SO_PEERCRED), even once the sender is gone. */
#define RN_PIDS_SOCKET "pids"

struct rn_pid_note {
	uint64_t arena_id;
	uint64_t pidns;		/* the sender's pid namespace inode */
	int32_t pid;		/* the sender's pid, as it sees it */
	uint32_t flags;		/* RN_NOTE_* */
};

#define RN_NOTE_FORKED 1	/* sent by a fork child as it adopts its arena:
				 * pid 1 so marked starts a new namespace (whose
				 * inode may be a dead one's, reused) */
#define RN_NOTE_THREAD 2	/* sent by a thread other than the main one as
				 * it claims its ring: pid is its thread id, and
				 * its SCM_CREDENTIALS name that thread (the kernel
				 * gives the exporter our view of it) where the
				 * sender may say so; else the exporter looks it up */

#define RN_ARENA_HDR_PAGE 4096u
_Static_assert(sizeof(struct rn_arena_hdr) <= RN_ARENA_HDR_PAGE, "header fits a page");

struct rn_arena_params {
	uint32_t nrings;
	uint32_t ring_cap;
	uint32_t strsize;
	uint32_t on_full;
	uint32_t clock;
};

/* A mapping of one arena. */
/* Session directory paths are short (/dev/shm/renacer-XXXXXX); this bound
 * keeps the per-thread state of the shim small. */
#define RN_ARENA_PATH_MAX 512

struct rn_arena_map {
	struct rn_arena_hdr *hdr;
	size_t size;
	char path[RN_ARENA_PATH_MAX];
	size_t name_end;	/* offset of the suffix in path */
	uint32_t ample;		/* free space was ample at creation: rings are
				 * reserved as they fill, else whole at claim */
};

static inline size_t rn_arena_size(uint32_t nrings, uint32_t cap, uint64_t *rings_off,
				   uint64_t *data_off)
{
	uint64_t r = RN_ARENA_HDR_PAGE;
	uint64_t d = r + (((uint64_t)nrings * sizeof(struct rn_ring) + 4095) & ~4095ull);
	if (rings_off)
		*rings_off = r;
	if (data_off)
		*data_off = d;
	return d + (uint64_t)nrings * cap * RN_REC_SIZE;
}

/* Rings of extension arena k (0-based) of a process whose arenas start
 * with 'base' rings: doubling, so a process with many threads needs few
 * files and mappings. */
static inline uint32_t rn_ext_rings(uint32_t base, uint32_t k)
{
	uint32_t cap = base > RN_EXT_RINGS_MAX ? base : RN_EXT_RINGS_MAX;
	uint64_t n = (uint64_t)base << (k < 16 ? k + 1 : 16);
	return n < cap ? (uint32_t)n : cap;
}

static inline struct rn_ring *rn_arena_ring(const struct rn_arena_hdr *h, uint32_t i)
{
	return (struct rn_ring *)((char *)h + h->rings_off) + i;
}

static inline struct rn_rec *rn_arena_slots(const struct rn_arena_hdr *h, uint32_t i)
{
	return (struct rn_rec *)((char *)h + h->data_off) + (uint64_t)i * h->ring_cap;
}

/* rn_arena_create: create, size and map a new arena file in dir, with every
 * ring FREE and state PENDING; magic is not yet set (rn_arena_publish).
 * Reserves the header, the control blocks and the first
 * RN_RING_RESERVE_FIRST records of ring 0 (all of it unless out->ample). Never grows a file past
 * RLIMIT_FSIZE (that would send SIGXFSZ): when p->ring_cap does not fit
 * the limit, the free space (ENOSPC) or the address space (ENOMEM), the
 * rings are halved down to RN_RING_CAP_MIN, then (past RLIMIT_FSIZE) their
 * number down to one; the header says what was made.
 * Uses raw system calls only and keeps no descriptor open. Returns 0 or
 * -errno (-EFBIG: over RLIMIT_FSIZE even at the smallest); on failure
 * nothing is left behind. */
int rn_arena_create(const char *dir, const struct rn_arena_params *p, uint64_t id,
		    struct rn_arena_map *out);

/* rn_arena_reserve_slots: allocate the file's memory under slots
 * [from, to) of one ring before they are used (MADV_POPULATE_WRITE: no
 * descriptor needed). Returns 0, 1 when this kernel cannot (before 5.14:
 * nothing to be done), or -ENOSPC / -ENOMEM when the memory is not there
 * (what was allocated of the range is given back). */
int rn_arena_reserve_slots(struct rn_rec *slots, uint64_t from, uint64_t to);

/* rn_arena_reserve_ring: the same for all of ring i, which is then marked
 * reserved (a later owner needs no system call). 0 or -errno. */
int rn_arena_reserve_ring(struct rn_arena_hdr *h, uint32_t i);

/* A process or thread that cannot be traced runs untraced and leaves an
 * empty file <pid>.<tid>.<why>.<errno>.untraced in the session directory
 * (made with mknod: it needs no descriptor and no space, so it works at
 * RLIMIT_NOFILE, RLIMIT_FSIZE and on a full tmpfs). tid is 0 for a whole
 * process. The exporter prints "renacer: pid N not traced: ...", counts it
 * and removes the file. */
#define RN_NOTE_SUFFIX ".untraced"
enum rn_note_why {
	RN_NOTE_ARENA = 1,	/* the arena could not be made (errno says why) */
	RN_NOTE_RING = 2,	/* no memory for a ring (ENOSPC, ENOMEM) */
	RN_NOTE_NORING = 3,	/* every ring and extension arena taken */
	/* an image a traced process exec'd or spawned (exec_check.c) */
	RN_NOTE_STATIC = 4,	/* statically linked: no loader, no shim */
	RN_NOTE_ELF32 = 5,	/* 32-bit: its loader finds a no-op object */
	RN_NOTE_NOLIB = 6,	/* the library cannot be reached (chroot, or a
				 * user who may not read it): our LD_PRELOAD
				 * entry was dropped */
	RN_NOTE_SANDBOX = 7,	/* made by a sandboxed process (seccomp): no
				 * system call of ours there, so no arena */
};

/* rn_arena_note: leave that file in dir. Returns 0 or -errno. */
int rn_arena_note(const char *dir, int32_t pid, int32_t tid, enum rn_note_why why, int err);
/* rn_arena_note_path: that file's path, into path (RN_ARENA_PATH_MAX
 * bytes: callers on small stacks pass a scratch buffer). 0 or -errno. */
int rn_arena_note_path(char *path, const char *dir, int32_t pid, int32_t tid,
		       enum rn_note_why why, int err);

/* rn_arena_publish: store magic (release) and rename the file from its
 * temporary name to <id>.arena, where the exporter looks. Returns 0 or
 * -errno (the arena then stays invisible to the exporter). */
int rn_arena_publish(struct rn_arena_map *m);

/* rn_arena_unmap: drop our mapping; the file stays for the exporter. */
void rn_arena_unmap(struct rn_arena_map *m);

/* rn_arena_unlink: remove the file (creator's cleanup when fork failed). */
void rn_arena_unlink(struct rn_arena_map *m);

/* rn_ring_init_owner: initialise a ring's robust, process-shared owner
 * mutex. Returns 0 or an errno value. */
int rn_ring_init_owner(struct rn_ring *r);

/* Owner state read straight from the mutex's futex word, without taking it:
 * the exporter must never own (or be blocked by) a traced thread's lock. */
enum rn_owner { RN_OWNER_NONE, RN_OWNER_ALIVE, RN_OWNER_DEAD };
enum rn_owner rn_ring_owner(const struct rn_ring *r);

#endif
