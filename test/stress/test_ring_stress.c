/* test_ring_stress.c: ten million records through one ring, every one
 * once and in order (Criterion driver; see ring_stress.c). */
#include <criterion/criterion.h>

#include "ring_stress.h"

Test(ring_stress, ten_million_records_once_in_order, .timeout = 240)
{
	char err[256] = "";
	cr_assert_eq(rn_ring_stress(RN_STRESS_RECORDS, err, sizeof err), 0, "%s", err);
}
