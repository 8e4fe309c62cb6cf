/* nofile_fork.c: a process that uses every descriptor RLIMIT_NOFILE allows,
 * then forks a child that makes calls. The tracer cannot open an arena for
 * the child: the child must run untraced, and the trace must say so.
 * Usage: nofile_fork [LIMIT (default 64)]. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rlimit rl = { argc > 1 ? (rlim_t)atol(argv[1]) : 64, 0 };
	struct rlimit old;
	getrlimit(RLIMIT_NOFILE, &old);
	rl.rlim_max = old.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 1;
	int n = 0;
	while (open("/dev/null", O_RDONLY) >= 0)
		n++;
	if (errno != EMFILE)
		return 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		/* at the limit too: these fail with EMFILE, but they are calls */
		for (int i = 0; i < 10; i++)
			open("/nonexistent/nofile-child", O_RDONLY);
		_exit(7);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	printf("opened up to the limit; child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
