/* ring_stress.c: one producer thread, one consumer thread, many records of
 * varying length (1 to 4 slots) through a small ring. Shared by the
 * Criterion test and the plain program run under ThreadSanitizer (whose
 * memory layout Criterion's sandbox cannot live with). */
#include "ring_stress.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../common/ring.h"

#define CAP 1024

struct stress {
	struct rn_ring ring;
	struct rn_rec *slots;
	uint64_t records;
};

static uint32_t len_of(uint64_t seq)
{
	return 1 + (uint32_t)((seq * 2654435761u) >> 30) % 4;
}

static void *producer(void *arg)
{
	struct stress *st = arg;
	struct rn_prod p = { &st->ring, st->slots, CAP - 1, 0, 0, 0 };
	for (uint64_t seq = 0; seq < st->records; seq++) {
		uint32_t n = len_of(seq);
		while (!rn_prod_room(&p, n))
			sched_yield();
		for (uint32_t k = 0; k < n; k++) {
			struct rn_rec *s = rn_prod_slot(&p, k);
			s->t_enter = seq;
			s->t_exit = k;
			s->ext_len = (uint16_t)n;
		}
		rn_prod_publish(&p, n);
	}
	return NULL;
}

int rn_ring_stress(uint64_t records, char *err, size_t errcap)
{
	static struct stress st;
	st.records = records;
	st.slots = calloc(CAP, sizeof *st.slots);
	if (!st.slots)
		return snprintf(err, errcap, "out of memory"), -1;
	pthread_t th;
	if (pthread_create(&th, NULL, producer, &st))
		return snprintf(err, errcap, "pthread_create failed"), -1;
	struct rn_cons c = { &st.ring, st.slots, CAP - 1, 0, 0 };
	uint64_t expect = 0;
	int rc = 0;
	while (expect < records && !rc) {
		uint64_t avail = rn_cons_avail(&c);
		if (avail == UINT64_MAX) {
			snprintf(err, errcap, "impossible indices after %llu records",
				 (unsigned long long)expect);
			rc = -1;
			break;
		}
		if (!avail) {
			sched_yield();
			continue;
		}
		uint64_t i = 0;
		while (i < avail && !rc) {
			const struct rn_rec *r = rn_cons_slot(&c, i);
			uint32_t n = len_of(expect);
			int bad = r->t_enter != expect || r->ext_len != n || n > avail - i;
			for (uint32_t k = 1; !bad && k < n; k++) {
				const struct rn_rec *x = rn_cons_slot(&c, i + k);
				bad = x->t_enter != expect || x->t_exit != k;
			}
			if (bad) {
				snprintf(err, errcap, "record %llu arrived wrong", (unsigned long long)expect);
				rc = -1;
			}
			i += n;
			expect++;
		}
		rn_cons_consume(&c, avail);
		rn_cons_publish(&c);	/* once per batch */
	}
	pthread_join(th, NULL);
	if (!rc && rn_cons_avail(&c) != 0) {
		snprintf(err, errcap, "records beyond the last one arrived");
		rc = -1;
	}
	free(st.slots);
	return rc;
}
