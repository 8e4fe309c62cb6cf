/* threads64: 64 threads, all alive at once, each doing N open/read/close of /dev/null and write(2) to /dev/null; joined; prints a checksum. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NTHREADS 64
#define NITER 50
#define READ_SIZE 777		/* unique read size: the tests find these reads by it */
#define WRITE_SIZE 333		/* unique write size */

static pthread_barrier_t start;
static int out_fd;

static void *worker(void *arg)
{
	long id = (long)arg, sum = 0;
	char buf[READ_SIZE];
	/* every thread exists before any begins: 65 threads trace at once */
	pthread_barrier_wait(&start);
	for (int i = 0; i < NITER; i++) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			return (void *)-1L;
		sum += read(fd, buf, sizeof buf);	/* 0 at end of file */
		if (close(fd))
			return (void *)-1L;
		sum += write(out_fd, buf, WRITE_SIZE) * (id + 1);
	}
	return (void *)sum;
}

int main(void)
{
	getppid();	/* marker for the tests: the program's own calls start here */
	pthread_t th[NTHREADS];
	out_fd = open("/dev/null", O_WRONLY);
	if (out_fd < 0)
		return 2;
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i))
			return 3;
	long total = 0;
	for (int i = 0; i < NTHREADS; i++) {
		void *r;
		pthread_join(th[i], &r);
		if ((long)r < 0)
			return 4;
		total += (long)r;
	}
	printf("threads=%d iterations=%d checksum=%ld\n", NTHREADS, NITER, total);
	return 0;
}
