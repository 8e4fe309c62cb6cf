/* blockread.c: makes a few calls, says so, then blocks until it is killed:
 * in read() on a pipe nobody writes to, or (with "accept") in accept() on
 * a listening socket nobody connects to. */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	for (int i = 0; i < 10; i++)
		close(open("/dev/null", O_RDONLY));
	if (argc > 1 && !strcmp(argv[1], "accept")) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 1))
			return 1;
		write(1, "ready\n", 6);
		accept(s, NULL, NULL);
		return 0;
	}
	int p[2];
	if (pipe(p))
		return 1;
	write(1, "ready\n", 6);
	char c;
	read(p[0], &c, 1);
	return 0;
}
