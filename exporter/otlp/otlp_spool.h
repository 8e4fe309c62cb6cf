/* otlp_spool.h: a directory of OTLP request bodies the receiver could not
 * take, kept on disk until it acknowledges them (see otlp_spool.c and
 * docs/OTLP.md, "When the receiver is down").
 *
 * One file per batch: a short text header (format, content type, content
 * encoding, span count), a blank line, then the encoded request body as
 * it would be POSTed before compression. Files are written under a
 * temporary name, fsync'd and renamed, and their names sort oldest
 * first. A spool is used by one thread at a time. Functions return 0 or
 * a negative errno; nothing here prints.
 */
#ifndef RN_OTLP_SPOOL_H
#define RN_OTLP_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct rn_spool;

/* One spooled batch, read back. */
struct rn_spool_item {
	char name[64];		/* file name in the spool directory */
	int json;		/* body is OTLP JSON, else protobuf */
	uint32_t spans;		/* spans in the body */
	uint8_t *body;		/* malloc'd; rn_spool_item_free */
	size_t len;
};

/* rn_spool_default_dir: $XDG_STATE_HOME/renacer/spool, else
 * $HOME/.local/state/renacer/spool. Returns 0, -ENOENT when neither
 * variable is set (absolute), -ENAMETOOLONG. */
int rn_spool_default_dir(char *out, size_t cap);

/* rn_spool_writer: a spool that batches are written to, in dir (made,
 * 0700, with its parents, at the first write), at most max_bytes of
 * files in all. Only the files this spool wrote are read back by
 * rn_spool_oldest. Returns 0 or -ENOMEM; touches no file yet. */
int rn_spool_writer(struct rn_spool **out, const char *dir, uint64_t max_bytes);

/* rn_spool_reader: every batch file in dir, oldest first, except those
 * of a writer still running (counted in *busy). Returns 0, or -errno when
 * dir cannot be read or is not private (-EPERM: another owner, or group
 * or others may write it). */
int rn_spool_reader(struct rn_spool **out, const char *dir, unsigned *busy);

/* rn_spool_adopt: a writer takes the batches of writers that have ended
 * (a dead exporter's, a run that ended while the receiver was down): each
 * is renamed under this writer, so that exactly one writer or replay ever
 * sends it, and sent with this writer's own, oldest first. Makes nothing
 * when dir does not exist. Returns 0 or -errno; *batches and *spans
 * adopted. */
int rn_spool_adopt(struct rn_spool *sp, size_t *batches, uint64_t *spans);

void rn_spool_close(struct rn_spool *sp);

/* rn_spool_put: write one batch. Returns 0, -ENOSPC when the size limit
 * would be passed, or another -errno (directory not private: -EPERM). */
int rn_spool_put(struct rn_spool *sp, const void *body, size_t len, int json, uint32_t spans);

/* rn_spool_pending: batches (and their spans) waiting to be sent. */
size_t rn_spool_pending(const struct rn_spool *sp, uint64_t *spans);

/* rn_spool_oldest: the oldest waiting batch, read into it. Returns 0,
 * -ENOENT when none waits, -EBADMSG when its file is malformed (it is
 * then set aside: no longer offered, left on disk), or -errno. */
int rn_spool_oldest(struct rn_spool *sp, struct rn_spool_item *it);

/* rn_spool_done: the receiver acknowledged it: the file is removed. */
int rn_spool_done(struct rn_spool *sp, struct rn_spool_item *it);

/* rn_spool_skip: leave the oldest waiting batch on disk and offer the
 * next (a batch the receiver refused). */
void rn_spool_skip(struct rn_spool *sp);

void rn_spool_item_free(struct rn_spool_item *it);

/* rn_spool_dir: the directory, as given. */
const char *rn_spool_dir(const struct rn_spool *sp);

#endif
