/* otlp_prog.c: the program the OTLP tests trace. Modes:
 *   tree PORT   a failing open, a refused connect to 127.0.0.1:PORT, a fork
 *               whose child execs "child", a posix_spawn of "child 0"
 *   child [N]   an open and a close, then exit N (default 3)
 *   loop N MS   N calls (access), MS milliseconds apart
 *   open P...   open (and close) each path P
 * Plain C, no sanitizers: it runs under librenacer.so. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "child")) {
		int fd = open("/", O_RDONLY | O_DIRECTORY);
		if (fd >= 0)
			close(fd);
		return argc >= 3 ? atoi(argv[2]) : 3;
	}
	if (argc >= 4 && !strcmp(argv[1], "loop")) {
		int n = atoi(argv[2]), ms = atoi(argv[3]);
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
		for (int i = 0; i < n; i++) {
			(void)!access("/", F_OK);
			if (ms)
				nanosleep(&ts, NULL);
		}
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "open")) {
		for (int i = 2; i < argc; i++) {
			int fd = open(argv[i], O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "tree")) {
		if (open("/nonexistent/renacer-otlp", O_RDONLY) >= 0)
			return 1;
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		(void)!connect(s, (struct sockaddr *)&a, sizeof a);
		close(s);
		pid_t p = fork();
		if (p == 0) {
			execl("/proc/self/exe", argv[0], "child", (char *)NULL);
			_exit(127);
		}
		int st;
		waitpid(p, &st, 0);
		char *cargv[] = { argv[0], "child", "0", NULL };
		pid_t sp;
		if (posix_spawn(&sp, "/proc/self/exe", NULL, NULL, cargv, environ) == 0)
			waitpid(sp, &st, 0);
		return 0;
	}
	fprintf(stderr, "usage: otlp_prog tree PORT | child [N] | loop N MS | open P...\n");
	return 2;
}
