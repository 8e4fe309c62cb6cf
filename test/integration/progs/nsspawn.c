/* nsspawn: meant to run as pid 1 of a new pid namespace (unshare -pf): a
 * thread other than the main one makes a call (close(-77)) and lives on
 * until the main thread has spawned /bin/true with posix_spawn and waited
 * for it; then the thread ends and one line is printed. Its ids inside
 * the namespace are small (2, 3): the trace must show the launcher's. */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int go[2];

static void *worker(void *p)
{
	(void)p;
	char c;
	close(-77);
	if (read(go[0], &c, 1) != 1)	/* until the spawn is done */
		return NULL;
	close(-78);
	return NULL;
}

int main(void)
{
	pthread_t t;
	if (pipe(go) || pthread_create(&t, NULL, worker, NULL))
		return 1;
	pid_t pid;
	char *argv[] = { "/bin/true", NULL };
	int st = -1;
	int r = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
	if (r == 0 && waitpid(pid, &st, 0) != pid)
		return 2;
	if (write(go[1], "x", 1) != 1 || pthread_join(t, NULL))
		return 3;
	printf("spawned: %d, exit %d\n", r, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
