/* test_arena.c: arena files never raise a signal in the process that makes
 * them: sized within RLIMIT_FSIZE (shorter rings, or -EFBIG), memory
 * reserved before use, "not traced" notes made without a descriptor. Each
 * test runs in its own process (Criterion), so its limits are its own. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../../common/arena.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof dir, "/dev/shm/rn-arena-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static unsigned files_in_dir(void)
{
	DIR *d = opendir(dir);
	unsigned n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	system(cmd);
}

static const struct rn_arena_params params = { 2, RN_RING_CAP_DEFAULT, 255, 0, RN_CLOCK_MONO };

static void set_fsize(rlim_t bytes)
{
	struct rlimit rl;
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = bytes;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

Test(arena, under_rlimit_fsize_rings_are_shortened_never_sigxfsz)
{
	make_dir();
	/* two 1 MiB rings do not fit 600 KiB; two of 256 KiB do */
	set_fsize(600 * 1024);
	struct rn_arena_map m = { 0 };
	cr_assert_eq(rn_arena_create(dir, &params, 1, &m), 0);
	cr_assert_eq(m.hdr->ring_cap, 4096u);
	cr_assert_leq(m.size, 600 * 1024);
	cr_assert_eq(m.hdr->file_size, m.size);
	rn_arena_unlink(&m);
	rn_arena_unmap(&m);
	/* not even a header fits: an error, and nothing left behind */
	set_fsize(1024);
	cr_assert_eq(rn_arena_create(dir, &params, 2, &m), -EFBIG);
	cr_assert_eq(files_in_dir(), 0);
	remove_dir();
}

Test(arena, ring_memory_is_reserved_before_use)
{
	make_dir();
	struct rn_arena_map m = { 0 };
	cr_assert_eq(rn_arena_create(dir, &params, 3, &m), 0);
	struct stat st;
	cr_assert_eq(stat(m.path, &st), 0);
	uint64_t ring = (uint64_t)m.hdr->ring_cap * RN_REC_SIZE;
	uint64_t first = (uint64_t)RN_RING_RESERVE_FIRST * RN_REC_SIZE;
	/* space is ample when a ring is at most 1/1024 of what is free */
	struct statvfs sv;
	cr_assert_eq(statvfs(dir, &sv), 0);
	uint64_t free = (uint64_t)sv.f_bavail * sv.f_bsize;
	if (free < ring * 1100)
		cr_skip_test("/dev/shm has %llu bytes free: too little to tell", (unsigned long long)free);
	cr_assert_eq(m.ample, 1u);
	/* header, controls and the start of ring 0 are allocated, not the
	 * rest of it (a short-lived process allocates a few pages) */
	cr_assert_geq((uint64_t)st.st_blocks * 512, m.hdr->data_off + first);
	cr_assert_lt((uint64_t)st.st_blocks * 512, m.hdr->data_off + ring);
	cr_assert_eq(rn_arena_ring(m.hdr, 0)->reserved, 0u);
	/* the producer reserves more as it reaches it */
	cr_assert_eq(rn_arena_reserve_slots(rn_arena_slots(m.hdr, 0), RN_RING_RESERVE_FIRST,
					    2 * RN_RING_RESERVE_FIRST), 0);
	cr_assert_eq(stat(m.path, &st), 0);
	cr_assert_geq((uint64_t)st.st_blocks * 512, m.hdr->data_off + 2 * first);
	cr_assert_eq(rn_arena_ring(m.hdr, 1)->reserved, 0u);
	cr_assert_eq(rn_arena_reserve_ring(m.hdr, 1), 0);
	cr_assert_eq(rn_arena_ring(m.hdr, 1)->reserved, 1u);
	cr_assert_eq(stat(m.path, &st), 0);
	cr_assert_geq((uint64_t)st.st_blocks * 512, m.hdr->data_off + 2 * first + ring);
	rn_arena_unlink(&m);
	rn_arena_unmap(&m);
	remove_dir();
}

Test(arena, extensions_double_their_rings)
{
	uint32_t want[] = { 2, 4, 8, 16, 32, 64, 64 };
	for (uint32_t k = 0; k < 7; k++)
		cr_assert_eq(rn_ext_rings(1, k), want[k], "k=%u", k);
	cr_assert_eq(rn_ext_rings(128, 0), 128u, "a larger RENACER_RINGS is kept");
	cr_assert_eq(rn_ext_rings(1, 63), 64u);
}

Test(arena, not_traced_note_needs_no_descriptor)
{
	make_dir();
	/* every descriptor in use: open fails, the note does not */
	struct rlimit rl;
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	int fd;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		;
	cr_assert_eq(errno, EMFILE);
	cr_assert_eq(rn_arena_note(dir, 1234, 0, RN_NOTE_ARENA, -EMFILE), 0);
	cr_assert_eq(rn_arena_note(dir, 1234, 0, RN_NOTE_ARENA, -EMFILE), 0, "twice is once");
	char path[128];
	snprintf(path, sizeof path, "%s/1234.0.1.%d" RN_NOTE_SUFFIX, dir, EMFILE);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_size, 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	unlink(path);
	rmdir(dir);
}
