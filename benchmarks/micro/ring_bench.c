/* ring_bench: records per second through common/ring.h, the ring the shim
 * writes and the exporter drains, without the rest of either:
 *   ring_push_pop_1t   one thread writes a record and reads it back (the
 *                      instructions alone, no cache line crosses a core)
 *   ring_spsc          one producer thread, one consumer thread, one ring
 *                      of the default 16384 records
 *   ring_8p_1c         8 producer threads, each into its own ring, and one
 *                      consumer draining all 8 in turn, as the exporter does
 * The producer fills all 64 bytes the way a wrapper does; the consumer copies
 * each record out of the ring once, as the exporter does, and publishes its
 * head once per batch. A full ring makes the producer yield.
 * Usage: ring_bench [RECORDS (default 20000000)] [REPS (default 7)] */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "../../common/ring.h"
#include "bench.h"

#define CAP 16384u
#define MAXP 8

struct ring_mem {
	struct rn_ring ring;
	struct rn_rec *slots;
};

static struct ring_mem rings[MAXP];
static long records;
static volatile uint64_t sink;

static void ring_reset(struct ring_mem *m)
{
	m->ring.tail = m->ring.head = 0;
}

static inline void fill(struct rn_rec *s, uint64_t i)
{
	s->t_enter = i;
	s->t_exit = i + 40;
	s->ret = 1;
	s->arg[0] = 3;
	s->arg[1] = 0x7ffd0000;
	s->arg[2] = 1;
	s->arg[3] = 0;
	s->fn = 40;
	s->err = 0;
	s->ext_len = 0;
	s->flags = 0;
	s->pad = 0;
}

static long push_pop_1t(void *arg)
{
	struct ring_mem *m = arg;
	ring_reset(m);
	struct rn_prod p = { &m->ring, m->slots, CAP - 1, 0, 0, 0 };
	struct rn_cons c = { &m->ring, m->slots, CAP - 1, 0, 0 };
	uint64_t sum = 0;
	for (long i = 0; i < records; i += 256) {
		for (int k = 0; k < 256; k++) {
			rn_prod_room(&p, 1);
			fill(rn_prod_slot(&p, 0), (uint64_t)(i + k));
			rn_prod_publish(&p, 1);
		}
		uint64_t n = rn_cons_avail(&c);
		for (uint64_t k = 0; k < n; k++) {
			struct rn_rec r;
			memcpy(&r, rn_cons_slot(&c, k), sizeof r);
			sum += r.t_enter;
		}
		rn_cons_consume(&c, n);
		rn_cons_publish(&c);
	}
	sink = sum;
	return records;
}

static void *producer(void *arg)
{
	struct ring_mem *m = arg;
	struct rn_prod p = { &m->ring, m->slots, CAP - 1, 0, 0, 0 };
	for (long i = 0; i < records; i++) {
		while (!rn_prod_room(&p, 1))
			sched_yield();
		fill(rn_prod_slot(&p, 0), (uint64_t)i);
		rn_prod_publish(&p, 1);
	}
	return NULL;
}

/* Runs nprod producers and drains them all from this thread. */
static long spsc_n(int nprod)
{
	pthread_t th[MAXP];
	struct rn_cons c[MAXP];
	long got[MAXP] = { 0 }, total = 0;
	for (int i = 0; i < nprod; i++) {
		ring_reset(&rings[i]);
		c[i] = (struct rn_cons){ &rings[i].ring, rings[i].slots, CAP - 1, 0, 0 };
		if (pthread_create(&th[i], NULL, producer, &rings[i])) {
			fprintf(stderr, "ring_bench: pthread_create failed\n");
			exit(1);
		}
	}
	uint64_t sum = 0;
	while (total < records * nprod) {
		uint64_t seen = 0;
		for (int i = 0; i < nprod; i++) {
			uint64_t n = rn_cons_avail(&c[i]);
			if (n == UINT64_MAX) {
				fprintf(stderr, "ring_bench: impossible indices\n");
				exit(1);
			}
			for (uint64_t k = 0; k < n; k++) {
				struct rn_rec r;
				memcpy(&r, rn_cons_slot(&c[i], k), sizeof r);
				sum += r.t_enter;
			}
			rn_cons_consume(&c[i], n);
			rn_cons_publish(&c[i]);
			got[i] += (long)n;
			total += (long)n;
			seen += n;
		}
		if (!seen)
			sched_yield();
	}
	for (int i = 0; i < nprod; i++)
		pthread_join(th[i], NULL);
	sink = sum;
	return total;
}

static long spsc_1(void *arg)
{
	(void)arg;
	return spsc_n(1);
}

static long spsc_8(void *arg)
{
	(void)arg;
	return spsc_n(8);
}

int main(int argc, char **argv)
{
	records = argc > 1 ? atol(argv[1]) : 20000000;
	int reps = argc > 2 ? atoi(argv[2]) : 7;
	if (records < 256)
		records = 256;
	for (int i = 0; i < MAXP; i++) {
		rings[i].slots = aligned_alloc(64, CAP * sizeof(struct rn_rec));
		if (!rings[i].slots)
			return 1;
		memset(rings[i].slots, 0, CAP * sizeof(struct rn_rec));
	}
	bench_run("ring_push_pop_1t", push_pop_1t, &rings[0], reps);
	bench_run("ring_spsc", spsc_1, NULL, reps);
	long keep = records;
	records = keep / 8 > 256 ? keep / 8 : 256;	/* same total work */
	bench_run("ring_8p_1c", spsc_8, NULL, reps);
	return 0;
}
