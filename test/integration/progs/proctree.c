/* proctree.c: a tree of short-lived processes (each forks up to two
 * children until N exist), each opening and closing /dev/null once;
 * prints how many ran. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int node(int id, int n)
{
	int fd = open("/dev/null", O_RDONLY);
	close(fd);
	int count = 1;
	for (int c = 2 * id + 1; c <= 2 * id + 2 && c < n; c++) {
		int p[2];
		if (pipe(p))
			return count;
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			int k = node(c, n);
			write(p[1], &k, sizeof k);
			_exit(0);
		}
		close(p[1]);
		int k = 0;
		if (read(p[0], &k, sizeof k) == sizeof k)
			count += k;
		close(p[0]);
		waitpid(pid, NULL, 0);
	}
	return count;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 500;
	printf("%d processes\n", node(0, n));
	return 0;
}
