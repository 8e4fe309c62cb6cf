/* lttng_wrap.c: LTTng-UST as a peer in benchmarks/run (issue 14): an
 * LD_PRELOAD library wrapping the same calls as the floor fixture, each
 * firing one LTTng-UST tracepoint (renacer_peer:call) into whatever session
 * has it enabled; benchmarks/run starts a private lttng-sessiond and a
 * session for the run. The provider's probes live in this library too.
 * Never part of renacer. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "lttng_tp.h"

#define PEER_RECORD(nr, t0, t1, ret, a0, a1, a2)                                       \
	do {                                                                           \
		(void)(t1);                                                            \
		lttng_ust_tracepoint(renacer_peer, call, nr, t0, ret, a0, a1, a2);     \
	} while (0)
#include "peer_wrap.h"
