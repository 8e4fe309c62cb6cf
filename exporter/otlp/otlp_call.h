/* otlp_call.h: the span of one decoded call (otlp_call.c); the model
 * (otlp_model.c) gives it its id, parent and trace. */
#ifndef RN_OTLP_CALL_H
#define RN_OTLP_CALL_H

#include <stdint.h>

#include "../event.h"
#include "otlp_span.h"

/* rn_otlp_call_span: sp's name (the syscall), kind, times, status (error
 * on a failure but EAGAIN and a non-blocking connect's EINPROGRESS) and
 * attributes (renacer.syscall.*, thread.id, file.path, network.*,
 * error.type, the child of a fork, -k's code.*), as far as the span has
 * attribute slots. Returns 0 or -ENOMEM (the span then partial). */
int rn_otlp_call_span(struct rn_span *sp, const struct rn_event *ev);

/* rn_otlp_call_forks: ev made a process (fork, vfork, posix_spawn that
 * succeeded): 1 with its pid in *child, else 0. */
int rn_otlp_call_forks(const struct rn_event *ev, int32_t *child);

#endif
