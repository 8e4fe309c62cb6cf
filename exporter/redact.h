/* redact.h: --redact-paths: what a POSIX extended regex matches in paths
 * and strings from the traced program becomes "[REDACTED]", once, before
 * any sink sees it (session.c calls these), so every output agrees. */
#ifndef RN_REDACT_H
#define RN_REDACT_H

#include <stddef.h>

#include "event.h"

struct rn_redact;

/* rn_redact_new: compile re (REG_EXTENDED). Returns 0, -EINVAL when it
 * does not compile, or -ENOMEM. */
int rn_redact_new(struct rn_redact **out, const char *re);
void rn_redact_free(struct rn_redact *r);

/* rn_redact_events: rewrite the path, string and argv captures of
 * evs[0..n) that match. The rewritten bytes live in r until the next
 * call: call it once per batch handed to the sinks. Never fails: a
 * capture that finds no room is replaced whole by "[REDACTED]". */
void rn_redact_events(struct rn_redact *r, struct rn_event *evs, size_t n);

/* rn_redact_proc: the same, in place, for an image's executable path and
 * argv (cut to their buffers' sizes). */
void rn_redact_proc(struct rn_redact *r, struct rn_proc *p);

/* rn_redact_str: the same, in place, for one NUL-terminated string in a
 * buffer of cap bytes (the names -y shows behind descriptors). */
void rn_redact_str(struct rn_redact *r, char *s, size_t cap);

#endif
