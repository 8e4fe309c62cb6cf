/* otlp_sink.h: the OpenTelemetry sink (sink_otlp.c): spans to an OTLP/HTTP
 * receiver and/or an OTLP JSON lines file. */
#ifndef RN_OTLP_SINK_H
#define RN_OTLP_SINK_H

#include "sink.h"

/* rn_sink_otlp_new: the sink for o->otlp (which must be enabled and must
 * outlive the sink). Returns 0, or -errno when the file cannot be opened
 * or memory or the sender thread cannot be had. */
int rn_sink_otlp_new(struct rn_sink *s, const struct rn_opts *o);

#endif
