/* shmload.c: many processes, each with several threads, all alive at once
 * and each thread making enough calls to fill its ring: with sparse arenas
 * on a small /dev/shm this died of SIGBUS when traced.
 * Usage: shmload PROCS THREADS CALLS. Every thread opens a 221-byte path,
 * /nonexistent/shmload-xxx..., CALLS times (ENOENT): five ring slots a
 * call with the path captured. Only the parent prints. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int gate[2];
static long calls;
static char path[222];

static void *worker(void *arg)
{
	char c;
	(void)arg;
	/* every thread of every process starts together: the parent closes
	 * the gate once all exist */
	while (read(gate[0], &c, 1) > 0)
		;
	for (long i = 0; i < calls; i++)
		open(path, O_RDONLY);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int procs = atoi(argv[1]), threads = atoi(argv[2]);
	calls = atol(argv[3]);
	memset(path, 'x', sizeof path - 1);
	memcpy(path, "/nonexistent/shmload-", 21);
	if (pipe(gate))
		return 1;
	for (int p = 0; p < procs; p++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			close(gate[1]);
			pthread_t t[64];
			int n = threads < 64 ? threads : 64;
			for (int i = 0; i < n; i++)
				if (pthread_create(&t[i], NULL, worker, NULL))
					_exit(100);
			for (int i = 0; i < n; i++)
				pthread_join(t[i], NULL);
			_exit(p % 5);
		}
	}
	close(gate[0]);
	close(gate[1]);
	int sum = 0, bad = 0, st;
	pid_t w;
	while ((w = wait(&st)) > 0) {
		if (WIFEXITED(st))
			sum += WEXITSTATUS(st);
		else
			bad++;
	}
	printf("%d processes x %d threads x %ld calls: exit codes sum %d, killed %d\n", procs, threads,
	       calls, sum, bad);
	return bad ? 3 : 0;
}
