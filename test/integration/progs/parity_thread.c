/* parity_thread: a thread that writes once, for test_parity: the clone3
 * line of its pthread_create returns the id its own lines carry. */
#include <pthread.h>
#include <unistd.h>

static void *run(void *a)
{
	write(1, "", 0);
	return a;
}

int main(void)
{
	pthread_t t;
	getppid();
	if (pthread_create(&t, NULL, run, NULL))
		return 1;
	pthread_join(t, NULL);
	return 0;
}
