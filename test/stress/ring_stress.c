/* ring_stress.c: one producer thread, one consumer thread, many records of
 * varying length (1 to 4 slots) through a small ring; the consumer sleeps
 * on the ring's bell now and then when it finds the ring empty (ring.h's
 * doorbell), and a wake-up lost shows as a sleep that times out. Shared by the
 * Criterion test and the plain program run under ThreadSanitizer (whose
 * memory layout Criterion's sandbox cannot live with). */
#include "ring_stress.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../../common/ring.h"

#define CAP 1024
#define RN_STRESS_SLEEPS 300u

struct stress {
	struct rn_ring ring;
	struct rn_rec *slots;
	uint64_t records;
	int stop;		/* the consumer gave up: the producer ends */
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
		int r;
		while (!((r = rn_prod_room_hw(&p, n)) & 1)) {
			if (rn_load_relaxed(&st->stop))
				return NULL;
			if (r & RN_ROOM_WAKE) {
				rn_prod_ring_bell(&p);
				syscall(SYS_futex, &st->ring.bell, FUTEX_WAKE, 1, NULL, NULL, 0);
			}
			sched_yield();
		}
		if (r & RN_ROOM_WAKE) {	/* as the shim: ring, then write */
			rn_prod_ring_bell(&p);
			syscall(SYS_futex, &st->ring.bell, FUTEX_WAKE, 1, NULL, NULL, 0);
		}
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

/* The consumer's sleep (the exporter's, drain.c, for one ring): 0, or -1
 * when it timed out although the producer had to ring (more than a ring
 * of records was still to come). */
static int consumer_sleep(struct stress *st, const struct rn_cons *c, uint32_t z, int must_ring)
{
	uint32_t b = rn_load_acquire(&st->ring.bell);
	rn_store_release(&st->ring.sleep, z);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	int rc = 0;
	if (rn_load_acquire(&st->ring.tail) - c->head <= rn_ring_high_water(CAP)) {
		struct timespec ts = { 10, 0 };
		long w = syscall(SYS_futex, &st->ring.bell, FUTEX_WAIT, b, &ts, NULL, 0);
		if (w < 0 && errno == ETIMEDOUT && must_ring)
			rc = -1;
	}
	rn_store_release(&st->ring.sleep, 0);
	return rc;
}

int rn_ring_stress(uint64_t records, char *err, size_t errcap)
{
	static struct stress st;
	st.records = records;
	st.stop = 0;
	st.slots = calloc(CAP, sizeof *st.slots);
	if (!st.slots)
		return snprintf(err, errcap, "out of memory"), -1;
	pthread_t th;
	if (pthread_create(&th, NULL, producer, &st))
		return snprintf(err, errcap, "pthread_create failed"), -1;
	struct rn_cons c = { &st.ring, st.slots, CAP - 1, 0, 0 };
	uint64_t expect = 0;
	uint32_t sleeps = 0, empties = 0;
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
			/* a few hundred sleeps, spread over the first records:
			 * enough to race the producer's crossing, few enough
			 * to stay quick on a loaded machine */
			if (++empties % 8 || sleeps >= RN_STRESS_SLEEPS) {
				sched_yield();
				continue;
			}
			if (consumer_sleep(&st, &c, ++sleeps ? sleeps : ++sleeps,
					   records - expect > CAP)) {
				snprintf(err, errcap, "a wake-up was lost after %llu records",
					 (unsigned long long)expect);
				rc = -1;
			}
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
	rn_store_relaxed(&st.stop, 1);
	pthread_join(th, NULL);
	if (!rc && rn_cons_avail(&c) != 0) {
		snprintf(err, errcap, "records beyond the last one arrived");
		rc = -1;
	}
	free(st.slots);
	return rc;
}
