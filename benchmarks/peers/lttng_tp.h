/* lttng_tp.h: the LTTng-UST tracepoint provider of the benchmark's LTTng
 * wrapper (lttng_wrap.c): one event per wrapped call, with the call's
 * number, result, three arguments and the entry timestamp (LTTng stamps the
 * event itself at the exit: two timestamps per call, as renacer). A
 * comparison fixture for benchmarks/run, never part of renacer. */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER renacer_peer

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "./lttng_tp.h"

#if !defined(LTTNG_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define LTTNG_TP_H

#include <lttng/tracepoint.h>
#include <stdint.h>

LTTNG_UST_TRACEPOINT_EVENT(renacer_peer, call,
	LTTNG_UST_TP_ARGS(uint32_t, nr, uint64_t, t0, int64_t, ret, uint64_t, a0, uint64_t, a1,
			  uint64_t, a2),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, nr, nr)
		lttng_ust_field_integer(uint64_t, t0, t0)
		lttng_ust_field_integer(int64_t, ret, ret)
		lttng_ust_field_integer(uint64_t, a0, a0)
		lttng_ust_field_integer(uint64_t, a1, a1)
		lttng_ust_field_integer(uint64_t, a2, a2)))

#endif

#include <lttng/tracepoint-event.h>
