/* burst.c: bursts of cheap calls faster than any exporter drains them.
 *   burst close N M   close(fd) for N descriptors (most EBADF), then M reads
 *                     of one byte from /dev/zero (a daemon's start)
 *   burst bytes N     N one-byte reads of /dev/zero each written to
 *                     /dev/null (dd bs=1 count=N)
 *   burst seek N      lseek(fd, i, SEEK_SET) for i = 0 .. N-1 on a file:
 *                     each call returns its own i, so a trace shows any
 *                     call repeated or missing
 *   burst threads N T T threads each making N one-byte reads of
 *                     /dev/zero and N writes to /dev/null on descriptors
 *                     of its own (benchmarks' mt_heavy: more busy
 *                     threads than cores)
 * Prints "calls C" with the wrapped calls it made after its setup. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long per_thread;

static void *pairs(void *arg)
{
	(void)arg;
	int in = open("/dev/zero", O_RDONLY), out = open("/dev/null", O_WRONLY);
	char c;
	if (in < 0 || out < 0)
		return (void *)1;
	for (unsigned long i = 0; i < per_thread; i++)
		if (read(in, &c, 1) != 1 || write(out, &c, 1) != 1)
			return (void *)1;
	close(in);
	close(out);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	unsigned long n = strtoul(argv[2], NULL, 10), calls = 0;
	int in = open("/dev/zero", O_RDONLY), out = open("/dev/null", O_WRONLY);
	if (in < 0 || out < 0)
		return 1;
	char c;
	if (!strcmp(argv[1], "close")) {
		unsigned long m = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
		for (unsigned long i = 0; i < n; i++, calls++)
			close((int)(1000 + i));
		for (unsigned long i = 0; i < m; i++, calls++)
			if (read(in, &c, 1) != 1)
				return 1;
	} else if (!strcmp(argv[1], "threads")) {
		unsigned long t = argc > 3 ? strtoul(argv[3], NULL, 10) : 4;
		pthread_t th[64];
		per_thread = n;
		if (t < 1 || t > 64)
			return 2;
		for (unsigned long i = 0; i < t; i++)
			if (pthread_create(&th[i], NULL, pairs, NULL))
				return 1;
		for (unsigned long i = 0; i < t; i++) {
			void *r;
			pthread_join(th[i], &r);
			if (r)
				return 1;
		}
		calls = 2 * n * t;
	} else if (!strcmp(argv[1], "seek")) {
		int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
		if (fd < 0)
			return 1;
		for (unsigned long i = 0; i < n; i++, calls++)
			if (lseek(fd, (off_t)i, SEEK_SET) != (off_t)i)
				return 1;
	} else {
		for (unsigned long i = 0; i < n; i++, calls += 2)
			if (read(in, &c, 1) != 1 || write(out, &c, 1) != 1)
				return 1;
	}
	printf("calls %lu\n", calls);
	return 0;
}
