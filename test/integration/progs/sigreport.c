/* sigreport READY: catches SIGINT, SIGTERM, SIGHUP and SIGQUIT, creates the
 * file READY once it is ready for them, waits for one, says which it got on
 * stdout, and dies of it: what a launcher must pass on, and how it must then
 * end. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_sig(int s)
{
	got = s;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	sigset_t block, old;
	sigemptyset(&block);
	for (unsigned i = 0; i < 4; i++) {
		signal(sigs[i], on_sig);
		sigaddset(&block, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &old);
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return 3;
	close(fd);
	alarm(60);	/* never hang a test run */
	while (!got)
		sigsuspend(&old);
	printf("got %s\n", strsignal(got));
	fflush(stdout);
	signal(got, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	raise(got);
	return 4;
}
