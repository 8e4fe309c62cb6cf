/* commit.c: the exporter's commit records (see commit.h): write one after
 * every pass, read the last one back after a restart, cut the output to
 * it. Must never write a record a restart could half-believe: each one
 * carries its length, sequence number and checksum, and the older of the
 * two files is the one overwritten.
 */
#include "commit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RN_COMMIT_MAGIC 0x3254494d4f434e52ull	/* "RNCOMIT2": entries with dur */
#define RN_COMMIT_ENDED UINT32_MAX	/* entry: the arena's end was announced */
#define RN_COMMIT_FILES_ENDED (UINT32_MAX - 1)	/* ... to the files only: not
						 * durable in every sink yet */
#define RN_COMMIT_NOLEN UINT64_MAX	/* the output is not a regular file */
#define RN_COMMIT_MAX_ENTRIES (1u << 22)	/* a record a reader will believe */

struct rn_commit_hdr {
	uint64_t magic;
	uint64_t seq;		/* 1, 2, ...; the larger valid one is the last */
	uint64_t out_len;	/* bytes of the output that are complete */
	uint32_t n;		/* entries that follow */
	uint32_t pad;
	uint64_t sum;		/* FNV-1a over the header (sum 0) and entries */
};

struct rn_commit_ent {
	uint64_t arena_id;
	uint32_t ring;		/* or RN_COMMIT_ENDED */
	uint32_t used;		/* resume entries: applied (never written) */
	uint64_t head;		/* the file head: records before it are written */
	uint64_t dur;		/* the durable head (published): at most head */
};

struct rn_commit {
	int fd[2];		/* commit.0, commit.1 */
	int out_fd;		/* -1: not a regular file */
	uint64_t seq;		/* of the last record written */
	struct rn_commit_ent *ent;	/* this pass's entries */
	size_t n, cap;
	struct rn_commit_ent *res;	/* the dead exporter's, carried on */
	size_t nres;
	char *buf;
	size_t bufcap;
};

static uint64_t rn_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t rn_commit_sum(struct rn_commit_hdr h, const struct rn_commit_ent *e)
{
	h.sum = 0;
	uint64_t s = rn_fnv(0xcbf29ce484222325ull, &h, sizeof h);
	return rn_fnv(s, e, (size_t)h.n * sizeof *e);
}

/* Reads one file's record; returns its entries (malloc'd, *h filled) or
 * NULL when it holds no complete, valid record. */
static struct rn_commit_ent *rn_commit_read(int fd, struct rn_commit_hdr *h)
{
	if (pread(fd, h, sizeof *h, 0) != (ssize_t)sizeof *h || h->magic != RN_COMMIT_MAGIC ||
	    h->n > RN_COMMIT_MAX_ENTRIES)
		return NULL;
	size_t len = (size_t)h->n * sizeof(struct rn_commit_ent);
	struct rn_commit_ent *e = malloc(len ? len : 1);
	if (!e)
		return NULL;
	if ((size_t)pread(fd, e, len, sizeof *h) != len || rn_commit_sum(*h, e) != h->sum) {
		free(e);
		return NULL;
	}
	return e;
}

static int rn_commit_push(struct rn_commit *c, uint64_t id, uint32_t ring, uint64_t head,
			  uint64_t dur)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		void *p = realloc(c->ent, cap * sizeof *c->ent);
		if (!p)
			return -ENOMEM;
		c->ent = p;
		c->cap = cap;
	}
	c->ent[c->n++] = (struct rn_commit_ent){ id, ring, 0, head, dur };
	return 0;
}

int rn_commit_open(struct rn_commit **out_c, int dirfd, FILE *out)
{
	*out_c = NULL;
	struct rn_commit *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->out_fd = -1;
	int rc = 0;
	for (int i = 0; i < 2 && !rc; i++) {
		c->fd[i] = openat(dirfd, i ? "commit.1" : "commit.0",
				  O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (c->fd[i] < 0)
			rc = -errno;
	}
	if (rc) {
		if (c->fd[0] >= 0)
			close(c->fd[0]);
		free(c);
		return rc;
	}
	struct stat st;
	if (out && fstat(fileno(out), &st) == 0 && S_ISREG(st.st_mode))
		c->out_fd = fileno(out);
	/* the dead exporter's last complete record, if any */
	struct rn_commit_hdr h[2];
	struct rn_commit_ent *e[2] = { rn_commit_read(c->fd[0], &h[0]),
				       rn_commit_read(c->fd[1], &h[1]) };
	int last = e[0] && e[1] ? h[1].seq > h[0].seq : e[1] != NULL;
	if (e[last]) {
		c->seq = h[last].seq;
		c->res = e[last];
		c->nres = h[last].n;
		/* what it wrote past its commit is written again from the
		 * rings: cut it (a pipe or a terminal keeps it: at least once) */
		if (c->out_fd >= 0 && h[last].out_len != RN_COMMIT_NOLEN) {
			fflush(out);
			if (ftruncate(c->out_fd, (off_t)h[last].out_len) ||
			    lseek(c->out_fd, (off_t)h[last].out_len, SEEK_SET) < 0)
				rc = -errno;
		}
	}
	free(e[!last]);
	if (!rc)
		rc = rn_commit_write(c);	/* a restart after us finds this one */
	if (rc) {
		rn_commit_close(c);
		return rc;
	}
	*out_c = c;
	return 0;
}

int rn_commit_resume(struct rn_commit *c, uint64_t arena_id, uint32_t ring, uint64_t *head,
		     uint64_t *dur)
{
	for (size_t i = 0; c && i < c->nres; i++)
		if (c->res[i].arena_id == arena_id && c->res[i].ring == ring && !c->res[i].used) {
			c->res[i].used = 1;
			*head = c->res[i].head;
			/* a record that says otherwise is not believed past the
			 * file head: nothing is given twice to the files */
			*dur = c->res[i].dur <= c->res[i].head ? c->res[i].dur : c->res[i].head;
			return 1;
		}
	return 0;
}

int rn_commit_ended(const struct rn_commit *c, uint64_t arena_id)
{
	for (size_t i = 0; c && i < c->nres; i++)
		if (c->res[i].arena_id == arena_id && c->res[i].ring == RN_COMMIT_ENDED)
			return 1;
	return 0;
}

int rn_commit_files_ended(const struct rn_commit *c, uint64_t arena_id)
{
	for (size_t i = 0; c && i < c->nres; i++)
		if (c->res[i].arena_id == arena_id && c->res[i].ring == RN_COMMIT_FILES_ENDED)
			return 1;
	return 0;
}

int rn_commit_add(struct rn_commit *c, uint64_t arena_id, uint32_t ring, uint64_t head,
		  uint64_t dur)
{
	return rn_commit_push(c, arena_id, ring, head, dur);
}

int rn_commit_add_ended(struct rn_commit *c, uint64_t arena_id)
{
	return rn_commit_push(c, arena_id, RN_COMMIT_ENDED, 0, 0);
}

int rn_commit_add_files_ended(struct rn_commit *c, uint64_t arena_id)
{
	return rn_commit_push(c, arena_id, RN_COMMIT_FILES_ENDED, 0, 0);
}

int rn_commit_write(struct rn_commit *c)
{
	/* the dead exporter's heads not applied yet (an arena we have not
	 * started) and its ended arenas stay in every record until used:
	 * the record we overwrite may be the only other place they are */
	size_t n = c->n;
	for (size_t i = 0; i < c->nres; i++)
		if (!c->res[i].used) {
			int rc = rn_commit_push(c, c->res[i].arena_id, c->res[i].ring, c->res[i].head,
						c->res[i].dur);
			if (rc)
				return rc;
		}
	struct rn_commit_hdr h = { RN_COMMIT_MAGIC, c->seq + 1, RN_COMMIT_NOLEN, (uint32_t)c->n, 0, 0 };
	c->n = n;
	if (c->out_fd >= 0) {
		off_t len = lseek(c->out_fd, 0, SEEK_CUR);
		if (len < 0)
			return -errno;
		h.out_len = (uint64_t)len;
	}
	h.sum = rn_commit_sum(h, c->ent);
	size_t len = sizeof h + (size_t)h.n * sizeof *c->ent;
	if (len > c->bufcap) {
		char *p = realloc(c->buf, len);
		if (!p)
			return -ENOMEM;
		c->buf = p;
		c->bufcap = len;
	}
	memcpy(c->buf, &h, sizeof h);
	if (h.n)
		memcpy(c->buf + sizeof h, c->ent, (size_t)h.n * sizeof *c->ent);
	/* one write into the older file: a kill before it ends leaves a
	 * record whose checksum fails, and the newer file stands */
	ssize_t w = pwrite(c->fd[h.seq & 1], c->buf, len, 0);
	if (w != (ssize_t)len)
		return w < 0 ? -errno : -EIO;
	c->seq = h.seq;
	c->n = 0;
	return 0;
}

void rn_commit_close(struct rn_commit *c)
{
	if (!c)
		return;
	for (int i = 0; i < 2; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	free(c->ent);
	free(c->res);
	free(c->buf);
	free(c);
}
