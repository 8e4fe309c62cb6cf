/* ring_stress.h: the ring stress run shared by its two test drivers. */
#ifndef RN_RING_STRESS_H
#define RN_RING_STRESS_H

#include <stddef.h>
#include <stdint.h>

/* rn_ring_stress: push 'records' numbered records through a ring from one
 * thread to another; returns 0 when every one arrived once, in order and
 * intact, else -1 with err saying what went wrong. */
int rn_ring_stress(uint64_t records, char *err, size_t errcap);

#define RN_STRESS_RECORDS 10000000ull

#endif
