/* pipereader MARKER: writes two lines to stdout, waits until the reader of
 * stdout has gone away (a pipe into `head -2`), makes some calls whose trace
 * lines go to the same dead pipe, then writes $RENACER_SESSION_DIR (or "-")
 * into MARKER: it ran to the end. It ignores SIGPIPE itself so that, as
 * under a shell, only its tracer could die of the closed pipe. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	if (write(1, "one\ntwo\n", 8) != 8)
		return 3;
	/* a pipe's write end reports POLLERR once no reader is left */
	struct pollfd p = { .fd = 1, .events = POLLOUT };
	for (int waited = 0; waited < 30000; waited += 10) {
		if (poll(&p, 1, 10) == 1 && (p.revents & (POLLERR | POLLHUP)))
			break;
		p.revents = 0;
	}
	for (int i = 0; i < 2000; i++)
		close(open("/dev/null", O_RDONLY));
	const char *dir = getenv("RENACER_SESSION_DIR");
	FILE *f = fopen(argv[1], "w");
	if (!f)
		return 4;
	fprintf(f, "%s\n", dir ? dir : "-");
	return fclose(f) ? 5 : 0;
}
