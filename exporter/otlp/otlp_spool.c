/* otlp_spool.c: the disk spool of batches the OTLP receiver could not take
 * (see otlp_spool.h). A writer (the exporter's sender thread) adds files
 * and sends back only its own, oldest first; a reader (--replay) takes
 * every file whose writer has ended. A file changes hands by a rename
 * under the taker's pid (a writer adopting what an ended writer left, a
 * replay before it sends), so exactly one of them sends it. A running writer holds an flock on
 * .writer-<pid>.lock in the directory, so that a replay never sends a
 * batch its writer may still send.
 *
 * This file must never remove a batch that was not acknowledged, never
 * write a file others can read, never follow a symlink in the spool, and
 * never print: errors are returned.
 */
#include "otlp_spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RN_SPOOL_MAGIC "renacer-spool 1\n"
#define RN_SPOOL_SUFFIX ".batch"
#define RN_SPOOL_FILE_MAX (64u << 20)	/* a batch body is at most 4 MiB */
#define RN_SPOOL_HDR_MAX 256u

struct rn_spool_ent {
	char name[64];
	uint32_t spans;
	uint64_t size;		/* bytes of the file */
};

struct rn_spool {
	char dir[4096];
	int dirfd;		/* -1 until the directory is open */
	int lockfd;		/* a writer's lock, -1 if none */
	int writer;
	uint64_t max_bytes;
	uint64_t bytes;		/* batch files in the directory, as we know them */
	unsigned seq;
	struct rn_spool_ent *q;	/* waiting batches: q[head..n) oldest first */
	size_t head, n, cap;
	uint64_t q_spans;
};

int rn_spool_default_dir(char *out, size_t cap)
{
	const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
	int n;
	if (x && x[0] == '/')
		n = snprintf(out, cap, "%s/renacer/spool", x);
	else if (h && h[0] == '/')
		n = snprintf(out, cap, "%s/.local/state/renacer/spool", h);
	else
		return -ENOENT;
	return n > 0 && (size_t)n < cap ? 0 : -ENAMETOOLONG;
}

static struct rn_spool *rn_spool_alloc(const char *dir)
{
	struct rn_spool *sp = calloc(1, sizeof *sp);
	if (!sp)
		return NULL;
	snprintf(sp->dir, sizeof sp->dir, "%s", dir);
	sp->dirfd = sp->lockfd = -1;
	return sp;
}

/* Opens sp->dir (made first, with its parents, when mkdirs) and checks it
 * is ours and private. Returns 0 or -errno. */
static int rn_spool_open_dir(struct rn_spool *sp, int mkdirs)
{
	if (mkdirs) {
		char p[sizeof sp->dir];
		snprintf(p, sizeof p, "%s", sp->dir);
		for (char *c = p + 1;; c++) {
			if (*c != '/' && *c)
				continue;
			char keep = *c;
			*c = '\0';
			if (mkdir(p, 0700) && errno != EEXIST)
				return -errno;
			if (!keep)
				break;
			*c = keep;
		}
	}
	int fd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	sp->dirfd = fd;
	return 0;
}

static int rn_is_batch(const char *name)
{
	size_t l = strlen(name), sl = sizeof RN_SPOOL_SUFFIX - 1;
	return name[0] != '.' && l > sl && l < sizeof((struct rn_spool_ent *)0)->name &&
	       !strcmp(name + l - sl, RN_SPOOL_SUFFIX);
}

static int rn_spool_push(struct rn_spool *sp, const char *name, uint32_t spans, uint64_t size)
{
	if (sp->head && sp->head == sp->n)
		sp->head = sp->n = 0;
	if (sp->n == sp->cap) {
		if (sp->head) {
			memmove(sp->q, sp->q + sp->head, (sp->n - sp->head) * sizeof *sp->q);
			sp->n -= sp->head;
			sp->head = 0;
		} else {
			size_t cap = sp->cap ? sp->cap * 2 : 64;
			struct rn_spool_ent *q = realloc(sp->q, cap * sizeof *q);
			if (!q)
				return -ENOMEM;
			sp->q = q;
			sp->cap = cap;
		}
	}
	struct rn_spool_ent *e = &sp->q[sp->n++];
	snprintf(e->name, sizeof e->name, "%s", name);
	e->spans = spans;
	e->size = size;
	sp->q_spans += spans;
	return 0;
}

static void rn_spool_pop(struct rn_spool *sp)
{
	sp->q_spans -= sp->q[sp->head].spans;
	sp->head++;
}

/* Parses a file's header; returns the header's length, or -1. */
static long rn_spool_parse(const uint8_t *b, size_t n, int *json, uint32_t *spans)
{
	size_t ml = sizeof RN_SPOOL_MAGIC - 1;
	if (n < ml || memcmp(b, RN_SPOOL_MAGIC, ml))
		return -1;
	int have_type = 0, have_enc = 0, have_spans = 0;
	size_t off = ml;
	while (off < n && off < RN_SPOOL_HDR_MAX) {
		const uint8_t *nl = memchr(b + off, '\n', n - off);
		if (!nl)
			return -1;
		size_t l = (size_t)(nl - (b + off));
		char line[RN_SPOOL_HDR_MAX];
		if (l >= sizeof line)
			return -1;
		memcpy(line, b + off, l);
		line[l] = '\0';
		off += l + 1;
		if (!l)
			return have_type && have_enc && have_spans ? (long)off : -1;
		char *end;
		if (!strcmp(line, "content-type: application/x-protobuf")) {
			*json = 0;
			have_type = 1;
		} else if (!strcmp(line, "content-type: application/json")) {
			*json = 1;
			have_type = 1;
		} else if (!strcmp(line, "content-encoding: identity")) {
			have_enc = 1;
		} else if (!strncmp(line, "spans: ", 7) && line[7] >= '0' && line[7] <= '9') {
			unsigned long v = strtoul(line + 7, &end, 10);
			if (*end || v > 100000000ul)
				return -1;
			*spans = (uint32_t)v;
			have_spans = 1;
		} else {
			return -1;
		}
	}
	return -1;
}

/* 1 when the writer whose pid is in name still runs (holds its lock). */
static int rn_writer_alive(int dirfd, const char *name)
{
	unsigned long long t;
	int pid;
	if (sscanf(name, "%llu-%d-", &t, &pid) != 2 || pid <= 0)
		return 0;
	char lock[64];
	snprintf(lock, sizeof lock, ".writer-%d.lock", pid);
	int fd = openat(dirfd, lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int alive = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);	/* releases the lock if we took it */
	return alive;
}

static int rn_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rn_spool_ent *)a)->name, ((const struct rn_spool_ent *)b)->name);
}

int rn_spool_writer(struct rn_spool **out, const char *dir, uint64_t max_bytes)
{
	struct rn_spool *sp = rn_spool_alloc(dir);
	*out = sp;
	if (!sp)
		return -ENOMEM;
	sp->writer = 1;
	sp->max_bytes = max_bytes;
	return 0;
}

/* Takes our lock in the open directory: the files named with our pid
 * are ours while we run (rn_writer_alive). On failure the directory is
 * closed again. Returns 0 or -errno. */
static int rn_spool_lock(struct rn_spool *sp)
{
	char lock[64];
	snprintf(lock, sizeof lock, ".writer-%d.lock", (int)getpid());
	sp->lockfd = openat(sp->dirfd, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (sp->lockfd < 0 || flock(sp->lockfd, LOCK_EX | LOCK_NB)) {
		int rc = -errno;
		if (sp->lockfd >= 0)
			close(sp->lockfd);
		sp->lockfd = -1;
		close(sp->dirfd);
		sp->dirfd = -1;
		return rc;
	}
	return 0;
}

/* A writer's first write: the directory, its lock, the bytes already
 * there (other runs' batches count against the limit too). */
static int rn_spool_writer_ready(struct rn_spool *sp)
{
	if (sp->dirfd >= 0)
		return 0;
	int rc = rn_spool_open_dir(sp, 1);
	if (rc || (rc = rn_spool_lock(sp)))
		return rc;
	int fd = dup(sp->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;	/* the limit then counts our own files only */
	}
	struct dirent *e;
	struct stat st;
	while ((e = readdir(d)))
		if ((rn_is_batch(e->d_name) || !strncmp(e->d_name, ".tmp-", 5)) &&
		    !fstatat(sp->dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode))
			sp->bytes += (uint64_t)st.st_size;
	closedir(d);
	return 0;
}

/* Takes the batch file 'name', whose writer has ended, as ours: renamed
 * under our pid (its time kept, so the order stays), which no other
 * writer or replay then takes; a file another took first is gone
 * (-ENOENT). Our writer's lock must be held. Returns 0 or -errno; the
 * new name in out. */
static int rn_spool_claim(struct rn_spool *sp, const char *name, char out[64])
{
	unsigned long long t;
	int pid;
	if (sscanf(name, "%llu-%d-", &t, &pid) != 2)
		return -EINVAL;
	if (pid == (int)getpid())
		return snprintf(out, 64, "%s", name) < 64 ? 0 : -ENAMETOOLONG;
	snprintf(out, 64, "%020llu-%d-%06u" RN_SPOOL_SUFFIX, t, (int)getpid(),
		 sp->seq++ % 1000000u);
	if (renameat2(sp->dirfd, name, sp->dirfd, out, RENAME_NOREPLACE))
		return -errno;
	return 0;
}

/* The span count in a batch file's header (0 when unreadable: a bad
 * header is found again, and reported, when the batch is read), and its
 * size; -1 when it is not a regular file. */
static int rn_spool_peek(int dirfd, const char *name, uint32_t *spans, uint64_t *size)
{
	uint8_t hdr[RN_SPOOL_HDR_MAX];
	int json;
	struct stat st;
	*spans = 0;
	int f = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0)
		return -1;
	ssize_t r = pread(f, hdr, sizeof hdr, 0);
	if (fstat(f, &st) || !S_ISREG(st.st_mode)) {
		close(f);
		return -1;
	}
	close(f);
	if (r <= 0 || rn_spool_parse(hdr, (size_t)r, &json, spans) < 0)
		*spans = 0;
	*size = (uint64_t)st.st_size;
	return 0;
}

int rn_spool_adopt(struct rn_spool *sp, size_t *batches, uint64_t *spans)
{
	*batches = 0;
	*spans = 0;
	if (!sp->writer)
		return -EINVAL;
	/* a spool that was never made holds nothing: do not make it */
	int fd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	close(fd);
	int rc = rn_spool_writer_ready(sp);
	if (rc)
		return rc;
	int dfd = dup(sp->dirfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return -errno;
	}
	rewinddir(d);	/* a dup shares the offset writer_ready's read moved */
	struct dirent *e;
	while ((e = readdir(d))) {
		char name[64];
		uint32_t n;
		uint64_t size;
		if (!rn_is_batch(e->d_name) || rn_writer_alive(sp->dirfd, e->d_name) ||
		    rn_spool_claim(sp, e->d_name, name) ||
		    rn_spool_peek(sp->dirfd, name, &n, &size))
			continue;
		if ((rc = rn_spool_push(sp, name, n, size)))
			break;	/* ours now all the same: a replay sends it later */
		(*batches)++;
		*spans += n;
	}
	closedir(d);
	/* oldest first, adopted and our own alike */
	if (sp->n > sp->head)	/* (no queue at all when nothing was ever pushed) */
		qsort(sp->q + sp->head, sp->n - sp->head, sizeof *sp->q, rn_name_cmp);
	return rc;
}

int rn_spool_reader(struct rn_spool **out, const char *dir, unsigned *busy)
{
	struct rn_spool *sp = rn_spool_alloc(dir);
	*out = NULL;
	*busy = 0;
	if (!sp)
		return -ENOMEM;
	/* a replay takes each batch before it sends it (rn_spool_oldest),
	 * under a lock of its own, as a writer adopting them does */
	int rc = rn_spool_open_dir(sp, 0);
	if (!rc)
		rc = rn_spool_lock(sp);
	if (rc) {
		rn_spool_close(sp);
		return rc;
	}
	int fd = dup(sp->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		rn_spool_close(sp);
		return rc;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!rn_is_batch(e->d_name))
			continue;
		if (rn_writer_alive(sp->dirfd, e->d_name)) {
			(*busy)++;
			continue;
		}
		/* the span count, from the header; a bad header is found again,
		 * and reported, when the batch is read */
		uint8_t hdr[RN_SPOOL_HDR_MAX];
		int json;
		uint32_t spans = 0;
		struct stat st;
		int f = openat(sp->dirfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (f < 0)
			continue;
		ssize_t r = pread(f, hdr, sizeof hdr, 0);
		if (fstat(f, &st) || !S_ISREG(st.st_mode)) {
			close(f);
			continue;
		}
		close(f);
		if (r <= 0 || rn_spool_parse(hdr, (size_t)r, &json, &spans) < 0)
			spans = 0;
		if ((rc = rn_spool_push(sp, e->d_name, spans, (uint64_t)st.st_size))) {
			closedir(d);
			rn_spool_close(sp);
			return rc;
		}
	}
	closedir(d);
	if (sp->n)
		qsort(sp->q, sp->n, sizeof *sp->q, rn_name_cmp);
	*out = sp;
	return 0;
}

void rn_spool_close(struct rn_spool *sp)
{
	if (!sp)
		return;
	if (sp->lockfd >= 0) {
		char lock[64];
		snprintf(lock, sizeof lock, ".writer-%d.lock", (int)getpid());
		unlinkat(sp->dirfd, lock, 0);
		close(sp->lockfd);
	}
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp->q);
	free(sp);
}

static int rn_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int rn_spool_put(struct rn_spool *sp, const void *body, size_t len, int json, uint32_t spans)
{
	if (!sp->writer)
		return -EINVAL;
	int rc = rn_spool_writer_ready(sp);
	if (rc)
		return rc;
	char hdr[RN_SPOOL_HDR_MAX];
	int hl = snprintf(hdr, sizeof hdr, RN_SPOOL_MAGIC "content-type: %s\ncontent-encoding: identity\n"
			  "spans: %u\n\n", json ? "application/json" : "application/x-protobuf", spans);
	uint64_t size = (uint64_t)hl + len;
	if (sp->bytes + size > sp->max_bytes)
		return -ENOSPC;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char name[64], tmp[80];
	snprintf(name, sizeof name, "%020llu-%d-%06u" RN_SPOOL_SUFFIX,
		 (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec,
		 (int)getpid(), sp->seq++ % 1000000u);
	snprintf(tmp, sizeof tmp, ".tmp-%s", name);
	int fd = openat(sp->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = rn_write_all(fd, hdr, (size_t)hl);
	if (!rc)
		rc = rn_write_all(fd, body, len);
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && renameat(sp->dirfd, tmp, sp->dirfd, name))
		rc = -errno;
	if (rc) {
		unlinkat(sp->dirfd, tmp, 0);
		return rc;
	}
	fsync(sp->dirfd);	/* the rename itself survives a crash */
	sp->bytes += size;
	rc = rn_spool_push(sp, name, spans, size);
	/* without memory to remember it, the batch stays for a replay */
	return rc;
}

size_t rn_spool_pending(const struct rn_spool *sp, uint64_t *spans)
{
	if (spans)
		*spans = sp ? sp->q_spans : 0;
	return sp ? sp->n - sp->head : 0;
}

int rn_spool_oldest(struct rn_spool *sp, struct rn_spool_item *it)
{
	memset(it, 0, sizeof *it);
	while (sp->head < sp->n) {
		struct rn_spool_ent *e = &sp->q[sp->head];
		char mine[64];
		if (!sp->writer) {
			/* a replay: the batch becomes ours first; another
			 * replay or a writer that adopted it has it otherwise */
			int rc = rn_spool_claim(sp, e->name, mine);
			if (rc == -ENOENT) {
				rn_spool_pop(sp);
				continue;
			}
			if (rc == -EINVAL) {	/* not a name we write */
				rn_spool_pop(sp);
				return -EBADMSG;
			}
			if (rc)
				return rc;
			snprintf(e->name, sizeof e->name, "%s", mine);
		}
		int fd = openat(sp->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT)
				return -errno;
			/* gone (another replay sent it): next */
			rn_spool_pop(sp);
			continue;
		}
		struct stat st;
		if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > RN_SPOOL_FILE_MAX) {
			close(fd);
			rn_spool_pop(sp);
			return -EBADMSG;
		}
		size_t n = (size_t)st.st_size, got = 0;
		uint8_t *b = malloc(n ? n : 1);
		if (!b) {
			close(fd);
			return -ENOMEM;
		}
		while (got < n) {
			ssize_t r = pread(fd, b + got, n - got, (off_t)got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		close(fd);
		long hl = got == n ? rn_spool_parse(b, n, &it->json, &it->spans) : -1;
		if (hl < 0) {
			free(b);
			rn_spool_pop(sp);
			return -EBADMSG;
		}
		memmove(b, b + hl, n - (size_t)hl);
		snprintf(it->name, sizeof it->name, "%s", e->name);
		it->body = b;
		it->len = n - (size_t)hl;
		return 0;
	}
	return -ENOENT;
}

int rn_spool_done(struct rn_spool *sp, struct rn_spool_item *it)
{
	if (sp->head >= sp->n || strcmp(sp->q[sp->head].name, it->name))
		return -EINVAL;
	int rc = unlinkat(sp->dirfd, it->name, 0) && errno != ENOENT ? -errno : 0;
	uint64_t size = sp->q[sp->head].size;
	sp->bytes = sp->bytes > size ? sp->bytes - size : 0;
	rn_spool_pop(sp);
	return rc;
}

void rn_spool_skip(struct rn_spool *sp)
{
	if (sp->head < sp->n)
		rn_spool_pop(sp);
}

void rn_spool_item_free(struct rn_spool_item *it)
{
	free(it->body);
	it->body = NULL;
	it->len = 0;
}

const char *rn_spool_dir(const struct rn_spool *sp)
{
	return sp->dir;
}
