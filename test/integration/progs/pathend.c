/* pathend.c: paths whose terminating NUL is the last byte of a mapping,
 * as argv and environ strings are at the top of the stack: the shim must
 * not read one byte past it. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || munmap(m + pg, pg))
		return 1;
	char *p = m + pg - 5;
	memcpy(p, "/tmp", 5);		/* the NUL is the page's last byte */
	struct stat st;
	int ok = stat(p, &st) == 0;
	int fd = open(p, O_RDONLY | O_DIRECTORY);
	ok &= fd >= 0 && close(fd) == 0;
	memcpy(p, "/nox", 5);		/* and when the call fails */
	ok &= stat(p, &st) == -1;
	printf("%s\n", ok ? "ok" : "wrong");
	return !ok;
}
