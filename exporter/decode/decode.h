/* decode.h: one record and its item bytes -> one rn_event.
 *
 * The input comes from shared memory the traced program can scribble on:
 * the caller passes private copies, and every length and index is checked
 * here before use. Pure: no allocation, no I/O (the fuzz target calls it).
 */
#ifndef RN_DECODE_H
#define RN_DECODE_H

#include <stdint.h>

#include "../../common/record.h"
#include "../event.h"

/* rn_decode: fills ev (captures point into ext, which must outlive ev).
 * Timestamps are left in ticks (t_enter_ns/t_exit_ns hold raw ticks) for
 * the caller to convert. Returns 0, or -1 when the record is malformed. */
int rn_decode(const struct rn_rec *rec, const uint8_t *ext, uint32_t ext_len,
	      struct rn_event *ev);

#endif
