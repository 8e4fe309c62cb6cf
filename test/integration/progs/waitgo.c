/* waitgo INFO GO DONE: writes $RENACER_SESSION_DIR into INFO, waits (at
 * most 60 s) until GO exists, makes a few calls, then creates DONE: a
 * program that outlives its launcher when the test kills the launcher. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	const char *dir = getenv("RENACER_SESSION_DIR");
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return 3;
	fprintf(f, "%s\n", dir ? dir : "-");
	if (fclose(f) || rename(tmp, argv[1]))
		return 3;
	for (int i = 0; i < 6000 && access(argv[2], F_OK); i++)
		usleep(10000);
	for (int i = 0; i < 100; i++)
		close(open("/dev/null", O_RDONLY));
	int fd = open(argv[3], O_WRONLY | O_CREAT | O_EXCL, 0600);
	return fd < 0 ? 4 : 0;
}
