/* commit.h: what the exporter has made durable, so that a new exporter
 * started after a kill -9 of the old one resumes exactly where the output
 * ends: no record written twice, none skipped.
 *
 * After every pass the exporter writes one commit record: the length of
 * its output file and, per ring, two positions: how far the output file
 * holds its records (the file head) and how far every sink has made them
 * durable (the durable head: the ring head about to be published; an OTLP
 * sink's spans are durable once acknowledged or spooled), and the arenas
 * whose end it announced (to every sink durably, or to the files only). Records go alternately to two files in
 * the session directory (commit.0, commit.1), each with a sequence number
 * and a checksum, so a record torn by a kill is never believed: the other
 * file holds the one before. See docs/ARCHITECTURE.md, "Exactly once
 * across an exporter restart", for the crash windows.
 */
#ifndef RN_COMMIT_H
#define RN_COMMIT_H

#include <stdint.h>
#include <stdio.h>

struct rn_commit;

/* rn_commit_open: in the session directory dirfd, read the last commit a
 * dead exporter left (if any) and cut 'out' back to the length it
 * committed when out is a regular file (other outputs cannot be cut: they
 * get the uncommitted records again, at least once). Then writes a first
 * commit of our own. Returns 0 or -errno; *c is NULL on failure. */
int rn_commit_open(struct rn_commit **c, int dirfd, FILE *out);

/* rn_commit_resume: the heads the dead exporter committed for ring 'ring'
 * of arena 'arena_id' (consumed once: 1 with *head, the file head, and
 * *dur, the durable head, at most *head; or 0 when none). */
int rn_commit_resume(struct rn_commit *c, uint64_t arena_id, uint32_t ring, uint64_t *head,
		     uint64_t *dur);

/* rn_commit_ended: 1 when the dead exporter already announced the end of
 * arena 'arena_id' (its file may be left: remove it, announce nothing). */
int rn_commit_ended(const struct rn_commit *c, uint64_t arena_id);

/* rn_commit_files_ended: 1 when the dead exporter announced the end of
 * arena 'arena_id' to the files but the durable sinks had not made it
 * (or the arena's records) durable: resume it, and announce its end again
 * to the durable sinks only. */
int rn_commit_files_ended(const struct rn_commit *c, uint64_t arena_id);

/* rn_commit_add / rn_commit_add_ended: the next record's contents: a
 * ring's file head and the durable head about to be published, an arena
 * whose end was announced. Return 0 or -ENOMEM. */
int rn_commit_add(struct rn_commit *c, uint64_t arena_id, uint32_t ring, uint64_t head,
		  uint64_t dur);
int rn_commit_add_ended(struct rn_commit *c, uint64_t arena_id);
int rn_commit_add_files_ended(struct rn_commit *c, uint64_t arena_id);

/* rn_commit_write: out's length (out was flushed by the caller) and what
 * was added since the last write, as one record. Must come before the
 * heads are published. Returns 0 or -errno; the caller still publishes
 * (the rings must not fill) and says once that a restart may then repeat
 * records. */
int rn_commit_write(struct rn_commit *c);

void rn_commit_close(struct rn_commit *c);

#endif
