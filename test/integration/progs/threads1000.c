/* threads1000.c: 1000 threads started and joined one after another, each
 * making a few calls: rings are freed and reused by later threads. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *work(void *arg)
{
	(void)arg;
	int fd = open("/dev/null", O_WRONLY);
	write(fd, "x", 1);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	for (int i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, work, NULL) || pthread_join(t, NULL))
			return 1;
	}
	printf("%d threads\n", n);
	return 0;
}
