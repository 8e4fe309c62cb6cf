/* otlp_sink.h: the OpenTelemetry sink (sink_otlp.c): spans to an OTLP/HTTP
 * receiver and/or an OTLP JSON lines file. */
#ifndef RN_OTLP_SINK_H
#define RN_OTLP_SINK_H

#include "../sink.h"

/* rn_sink_otlp_new: the sink for o->otlp (which must be enabled and must
 * outlive the sink). Returns 0, or -errno when the file cannot be opened
 * or memory or the sender thread cannot be had. */
int rn_sink_otlp_new(struct rn_sink *s, const struct rn_opts *o);

/* rn_sink_otlp_status: the OTLP figures of the otlp sink among
 * sinks[0..n) as JSON members (",\"otlp_spooled\":N,..."), for the
 * exporter's status; "" when no otlp sink runs. Takes the sink's lock. */
void rn_sink_otlp_status(const struct rn_sink *sinks, unsigned n, char *buf, size_t cap);

/* rn_sink_otlp_session: key the span and trace ids of the otlp sink among
 * sinks[0..n) on the session directory dir (its device, inode, creation
 * time and name): every exporter of one session gives the same record the
 * same span id. Nothing when no otlp sink runs or dir cannot be read. */
void rn_sink_otlp_session(struct rn_sink *sinks, unsigned n, const char *dir);

/* rn_otlp_replay: --replay: send every batch spooled in o->replay_dir,
 * oldest first, to o->otlp's endpoint, removing each one acknowledged;
 * stops at the first that cannot be delivered. Prints one line of what
 * it did. Returns 0 when nothing is left in the spool, else 1. */
int rn_otlp_replay(const struct rn_opts *o);

#endif
