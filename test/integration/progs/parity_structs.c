/* parity_structs.c: the structures strace abbreviates unless -v, one set
 * per argument for test_parity: "statx" (a file, and a device with every
 * field asked for), "uname", "sigaction" (a handler set with a mask and
 * flags, then read back; then one whose mask holds every signal but
 * two, which strace prints as the complement "~[...]"). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

static void on_usr1(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	getppid();	/* test_parity's marker */
	if (!strcmp(what, "statx")) {
		struct statx sx;
		if (statx(AT_FDCWD, "/etc/passwd", 0, STATX_BASIC_STATS, &sx) ||
		    statx(AT_FDCWD, "/dev/null", AT_SYMLINK_NOFOLLOW, STATX_ALL, &sx))
			return 1;
	} else if (!strcmp(what, "uname")) {
		struct utsname u;
		if (uname(&u))
			return 1;
	} else if (!strcmp(what, "sigaction")) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_usr1;
		sigemptyset(&sa.sa_mask);
		sigaddset(&sa.sa_mask, SIGUSR2);
		sa.sa_flags = SA_RESTART;
		if (sigaction(SIGUSR1, &sa, &old) || sigaction(SIGUSR1, NULL, &old))
			return 1;
		sigfillset(&sa.sa_mask);
		sigdelset(&sa.sa_mask, SIGTERM);
		sigdelset(&sa.sa_mask, SIGUSR2);
		if (sigaction(SIGUSR1, &sa, NULL))
			return 1;
	} else {
		return 2;
	}
	return 0;
}
