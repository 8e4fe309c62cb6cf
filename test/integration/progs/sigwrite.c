/* sigwrite: SIGALRM (setitimer) and SIGUSR1 (kill) handlers that write(2) directly, landing while the main loop is inside wrapped read()/write(); prints the handler count. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define HANDLER_FD 100		/* the handler writes here (/dev/null) and nowhere else */
#define LOOPS 3000		/* fixed: the loop's own call counts do not depend on timing */
#define KILL_EVERY 10
#define BUF 65536

static volatile sig_atomic_t handled;

static void handler(int sig)
{
	char c = (char)sig;
	if (write(HANDLER_FD, &c, 1) == 1)
		handled++;
}

int main(void)
{
	getppid();	/* marker for the tests: the program's own calls start here */
	static char buf[BUF];
	int null = open("/dev/null", O_WRONLY);
	int zero = open("/dev/zero", O_RDONLY);
	if (null < 0 || zero < 0 || dup2(null, HANDLER_FD) != HANDLER_FD)
		return 2;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	setitimer(ITIMER_REAL, &it, NULL);
	pid_t me = getpid();
	for (int i = 0; i < LOOPS; i++) {
		if (read(zero, buf, BUF) < 0 || write(null, buf, BUF) < 0)
			return 3;
		if (i % KILL_EVERY == 0)
			kill(me, SIGUSR1);
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);	/* the count printed is final */
	int n = handled;
	printf("handler runs: %d\n", n);
	return n >= LOOPS / KILL_EVERY ? 0 : 4;
}
