/* blockread.c: makes a few calls, says so, then blocks in read() on a pipe
 * nobody writes to, until it is killed. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	for (int i = 0; i < 10; i++)
		close(open("/dev/null", O_RDONLY));
	int p[2];
	if (pipe(p))
		return 1;
	write(1, "ready\n", 6);
	char c;
	read(p[0], &c, 1);
	return 0;
}
