/* sigjump: a timer signal every 20 us whose handler siglongjmps out of
 * whatever the program was doing (failing access() calls, 0.3 s of
 * them), the way interpreters and test harnesses leave a timed-out call.
 * Then, with the timer off, 100 close() calls on fds 30000..30099 that a
 * tracer must still see. Prints how many jumps were taken (at least one);
 * with "count", also the exact number on stderr, for a tracer's signal
 * lines to be checked against. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile sig_atomic_t jumps;
static double end;

static void on_alarm(int sig)
{
	(void)sig;
	jumps++;
	siglongjmp(env, 1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	end = now() + 0.3;
	/* the jump buffer is complete before the first signal can come */
	if (sigsetjmp(env, 1) == 0) {
		struct itimerval it = { { 0, 20 }, { 0, 20 } };
		setitimer(ITIMER_REAL, &it, NULL);
	}
	while (now() < end)
		access("/nonexistent/renacer-sigjump", F_OK);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	for (int i = 0; i < 100; i++)
		close(30000 + i);
	printf("jumped: %s\n", jumps > 0 ? "yes" : "no");
	if (argc > 1 && !strcmp(argv[1], "count"))
		fprintf(stderr, "jumps %d\n", (int)jumps);
	return 0;
}
