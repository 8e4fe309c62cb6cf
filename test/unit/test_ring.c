/* test_ring.c: the SPSC ring at its edges: empty, full, wrap-around of the
 * slots and of the indices, and impossible indices seen as corruption. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/ring.h"

#define CAP 8

static struct rn_ring ring;
static struct rn_rec slots[CAP];
static struct rn_prod prod;
static struct rn_cons cons;

static void setup_at(uint64_t start)
{
	memset(&ring, 0, sizeof ring);
	memset(slots, 0, sizeof slots);
	ring.head = ring.tail = start;
	prod = (struct rn_prod){ &ring, slots, CAP - 1, start, start, 0 };
	cons = (struct rn_cons){ &ring, slots, CAP - 1, start, start };
}

static void push(uint64_t v)
{
	cr_assert(rn_prod_room(&prod, 1), "no room for %llu", (unsigned long long)v);
	rn_prod_slot(&prod, 0)->t_enter = v;
	rn_prod_publish(&prod, 1);
}

static uint64_t pop(void)
{
	cr_assert_gt(rn_cons_avail(&cons), 0);
	uint64_t v = rn_cons_slot(&cons, 0)->t_enter;
	rn_cons_consume(&cons, 1);
	rn_cons_publish(&cons);
	return v;
}

Test(ring, empty_has_nothing)
{
	setup_at(0);
	cr_assert_eq(rn_cons_avail(&cons), 0);
}

Test(ring, fills_to_capacity_then_refuses)
{
	setup_at(0);
	for (uint64_t i = 0; i < CAP; i++)
		push(i);
	cr_assert_not(rn_prod_room(&prod, 1), "a full ring must say no room");
	cr_assert_eq(rn_cons_avail(&cons), CAP);
	cr_assert_eq(pop(), 0);
	cr_assert(rn_prod_room(&prod, 1), "room after one pop");
}

Test(ring, multi_slot_reservation_needs_all_of_it)
{
	setup_at(0);
	for (uint64_t i = 0; i < CAP - 2; i++)
		push(i);
	cr_assert(rn_prod_room(&prod, 2));
	cr_assert_not(rn_prod_room(&prod, 3));
}

Test(ring, wraps_slots_in_order)
{
	setup_at(0);
	uint64_t next = 0, expect = 0;
	for (int round = 0; round < 100; round++) {
		for (int k = 0; k < 5; k++)
			push(next++);
		for (int k = 0; k < 5; k++)
			cr_assert_eq(pop(), expect++);
	}
	cr_assert_eq(rn_cons_avail(&cons), 0);
}

Test(ring, free_running_indices_wrap_past_2_64)
{
	setup_at(UINT64_MAX - 3);
	for (uint64_t i = 0; i < CAP; i++)
		push(i);
	cr_assert_not(rn_prod_room(&prod, 1));
	for (uint64_t i = 0; i < CAP; i++)
		cr_assert_eq(pop(), i);
	cr_assert_eq(rn_cons_avail(&cons), 0);
	cr_assert_lt(ring.tail, 16, "tail wrapped to a small number");
}

Test(ring, impossible_indices_are_reported)
{
	setup_at(0);
	ring.tail = CAP + 1;	/* a hostile producer */
	cr_assert_eq(rn_cons_avail(&cons), UINT64_MAX);
	setup_at(100);
	ring.tail = 50;		/* tail behind head */
	cr_assert_eq(rn_cons_avail(&cons), UINT64_MAX);
}

Test(ring, producer_sees_consumer_progress_only_when_needed)
{
	setup_at(0);
	for (uint64_t i = 0; i < CAP; i++)
		push(i);
	pop();
	/* the cached head is stale until the ring looks full */
	cr_assert_eq(prod.head_cache, 0);
	cr_assert(rn_prod_room(&prod, 1));
	cr_assert_eq(prod.head_cache, 1);
}

/* The high-water doorbell (ring.h): a producer past a quarter full rings
 * a sleeping consumer once per sleep number, never below the mark, never
 * an awake one. */
static int push_hw(uint64_t v)
{
	int r = rn_prod_room_hw(&prod, 1);
	cr_assert(r & 1, "no room for %llu", (unsigned long long)v);
	if (r & RN_ROOM_WAKE)
		rn_prod_ring_bell(&prod);
	rn_prod_slot(&prod, 0)->t_enter = v;
	rn_prod_publish(&prod, 1);
	return (r & RN_ROOM_WAKE) != 0;
}

Test(ring, rings_a_sleeping_consumer_once_past_high_water)
{
	setup_at(UINT64_MAX - 3);	/* the indices wrap on the way */
	uint64_t hw = rn_ring_high_water(CAP);
	cr_assert_eq(hw, CAP / 4);
	ring.sleep = 7;
	for (uint64_t i = 0; i < hw; i++)
		cr_assert_not(push_hw(i), "rang below the mark at %llu", (unsigned long long)i);
	cr_assert(push_hw(hw), "no bell past the mark");
	cr_assert_eq(ring.bell, 1);
	cr_assert_not(push_hw(hw + 1), "rang twice for one sleep");
	ring.sleep = 8;	/* the consumer slept again without draining */
	cr_assert(push_hw(hw + 2), "no bell for a new sleep");
	cr_assert_eq(ring.bell, 2);
	ring.sleep = 0;	/* awake: draining */
	cr_assert_not(push_hw(hw + 3), "rang an awake consumer");
	/* drained below the mark: quiet again, even while it sleeps */
	while (rn_cons_avail(&cons))
		pop();
	ring.sleep = 9;
	cr_assert_not(push_hw(0), "rang below the mark after a drain");
}

Test(ring, full_ring_still_rings_a_sleeping_consumer)
{
	setup_at(0);
	for (uint64_t i = 0; i < CAP; i++)
		push(i);
	ring.sleep = 3;
	cr_assert_eq(rn_prod_room_hw(&prod, 1), RN_ROOM_WAKE, "full: no room, but the bell");
	cr_assert_eq(rn_prod_room_hw(&prod, 1), 0, "once per sleep number");
}
