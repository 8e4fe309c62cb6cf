/* weirdpaths.c: opens paths that are hard to print: a newline, quotes and
 * a backslash, bytes that are not UTF-8, valid UTF-8, and a 4 KiB path. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	const char *names[] = { "/nonexistent/a\nb", "/nonexistent/q\"uo\\te",
				"/nonexistent/\xff\xfe\x80 bad", "/nonexistent/caf\xc3\xa9",
				"/nonexistent/\x01\x1b[31mred" };
	for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
		if (open(names[i], O_RDONLY) != -1)
			return 1;
	char big[4097];
	memset(big, 'x', sizeof big - 1);
	memcpy(big, "/nonexistent/", 13);
	big[sizeof big - 1] = '\0';
	if (open(big, O_RDONLY) != -1)
		return 1;
	printf("done\n");
	return 0;
}
