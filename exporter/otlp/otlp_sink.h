/* otlp_sink.h: the OpenTelemetry sink (sink_otlp.c): spans to an OTLP/HTTP
 * receiver and/or an OTLP JSON lines file. */
#ifndef RN_OTLP_SINK_H
#define RN_OTLP_SINK_H

#include "../sink.h"
#include "otlp_env.h"

/* rn_sink_otlp_new: the sink for x (which must be enabled and must
 * outlive the sink). Span and trace ids are derived from session_dir
 * (NULL: random), so every exporter of one session gives a record the
 * same span id. Its status callback gives the delivery figures. Returns
 * 0, or -errno when the file cannot be opened or memory or the sender
 * thread cannot be had. */
int rn_sink_otlp_new(struct rn_sink *s, const struct rn_otlp_opts *x, const char *session_dir);

/* rn_otlp_replay: --replay: send every batch spooled in dir, oldest
 * first, to x's endpoint, removing each one acknowledged; stops at the
 * first that cannot be delivered. Prints one line of what it did.
 * Returns 0 when nothing is left in the spool, else 1. */
int rn_otlp_replay(const struct rn_otlp_opts *x, const char *dir);

#endif
