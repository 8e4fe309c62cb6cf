/* inject_write: what a program sees of its writes, for test_parity's
 * fault injection tests: each write's result on stdout, then a retry
 * loop that writes again while write fails with EAGAIN. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	int fd = open("/dev/null", O_WRONLY);
	char line[128];
	int n = 0;
	for (int i = 1; i <= 4; i++) {
		ssize_t r = write(fd, "data", 4);
		n += snprintf(line + n, sizeof line - (size_t)n, "write %d: %zd %s\n", i, r,
			      r < 0 ? strerror(errno) : "ok");
	}
	/* a retry loop: again while EAGAIN, as a non-blocking writer does */
	int tries = 0;
	ssize_t r;
	do {
		tries++;
		r = write(fd, "retry", 5);
	} while (r < 0 && errno == EAGAIN && tries < 100);
	n += snprintf(line + n, sizeof line - (size_t)n, "retry: %zd after %d tries\n", r, tries);
	fputs(line, stdout);
	close(fd);
	return 0;
}
