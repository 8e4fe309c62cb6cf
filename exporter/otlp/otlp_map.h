/* otlp_map.h: the OTLP model's hash map: key (a, b), a pointer or a number
 * as value, and the insertion time for sweeps. Used by otlp_model.c only;
 * it must never grow anything the model does not need.
 */
#ifndef RN_OTLP_MAP_H
#define RN_OTLP_MAP_H

#include <stddef.h>
#include <stdint.h>

/* Open addressing, linear probing, backward-shift deletion; key (a, b). */
struct rn_map_slot {
	uint64_t a, b;
	union {
		void *p;
		uint64_t u;
	} v;
	uint64_t t;		/* insertion time (mono ns), for sweeps */
	uint8_t used;
};

struct rn_otlp_map {
	struct rn_map_slot *s;
	size_t cap, n;		/* cap: a power of two */
};

uint64_t rn_mix(uint64_t x);
struct rn_otlp_map *rn_map_new(void);
void rn_map_free(struct rn_otlp_map *m);
struct rn_map_slot *rn_map_find(struct rn_otlp_map *m, uint64_t a, uint64_t b);
struct rn_map_slot *rn_map_put(struct rn_otlp_map *m, uint64_t a, uint64_t b);
void rn_map_del(struct rn_otlp_map *m, struct rn_map_slot *s);

#endif
