/* vmfit.c: allocates and touches MIB mebibytes, says so, and (when given a
 * file name) writes its VmPeak in kB there, not on stdout, which must be
 * the same traced or not. Run under a tight RLIMIT_AS it shows whether the
 * tracer left the program the room it has untraced.
 * Usage: vmfit MIB [PEAKFILE]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	size_t n = (size_t)atol(argv[1]) << 20;
	char *p = malloc(n);
	if (!p) {
		printf("cannot allocate %s MiB\n", argv[1]);
		return 1;
	}
	memset(p, 1, n);
	/* a volatile read: the compiler may not drop the allocation */
	printf("allocated %s MiB of %d\n", argv[1], ((volatile char *)p)[n - 1]);
	if (argc > 2) {
		FILE *s = fopen("/proc/self/status", "r"), *o = fopen(argv[2], "w");
		char line[256];
		while (s && o && fgets(line, sizeof line, s))
			if (!strncmp(line, "VmPeak:", 7))
				fprintf(o, "%ld\n", atol(line + 7));
		if (s)
			fclose(s);
		if (o)
			fclose(o);
	}
	free(p);
	return 0;
}
