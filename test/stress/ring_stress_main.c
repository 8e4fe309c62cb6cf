/* ring_stress_main.c: the ring stress run as a plain program, for
 * ThreadSanitizer builds. Prints the closing line CI reads. */
#include <stdio.h>

#include "ring_stress.h"

int main(void)
{
	char err[256] = "";
	int rc = rn_ring_stress(RN_STRESS_RECORDS, err, sizeof err);
	if (rc)
		fprintf(stderr, "ring stress: %s\n", err);
	printf("%d passed, %d failed\n", rc == 0, rc != 0);
	return rc ? 1 : 0;
}
