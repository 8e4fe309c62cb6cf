/* asanprog: built with -fsanitize=address (libasan linked dynamically by
 * gcc): ASan aborts at start unless its runtime is the first object loaded,
 * which a preloaded tracer is not, unless it is put after it. Opens
 * /dev/null (a call to see in the trace) and prints a line. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char *p = malloc(16);
	p[0] = 'o';
	p[1] = 'k';
	p[2] = '\0';
	int fd = open("/dev/null", O_RDONLY);
	printf("%s %d\n", p, fd >= 0);
	free(p);
	if (fd >= 0)
		close(fd);
	return 0;
}
