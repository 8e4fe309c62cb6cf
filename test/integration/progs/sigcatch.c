/* sigcatch: signals delivered to the program's own handlers, installed
 * every way libc offers, and what the program can see of its dispositions.
 * A tracer that wraps handlers must change none of what this prints.
 *   disp      installs handlers with sigaction (SA_SIGINFO, SA_RESETHAND,
 *             SA_NODEFER, SA_ONSTACK, SA_RESTART, a mask), signal,
 *             sysv_signal, bsd_signal and sigset; prints what sigaction
 *             and the setters report back (handler is the program's own,
 *             flags, mask), in a fork child too, and in an exec'd image
 *   deliver   SIGUSR1 by raise (SI_TKILL), SIGUSR2 by kill (SI_USER),
 *             SIGCHLD from a child that exits 3, SIGALRM by sigqueue; each
 *             handler prints what it got
 *   resethand an SA_RESETHAND handler runs once; the second SIGUSR1 kills
 *   longjmp   100 SIGUSR1 handlers that siglongjmp out
 *   altstack  a handler on a 16 KiB sigaltstack prints the bytes of it used
 *   thread    a thread raises SIGUSR1 at itself; the handler prints
 *   ignored   SIGUSR1 ignored, raised: nothing delivered */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern __sighandler_t sysv_signal(int, __sighandler_t);
extern __sighandler_t bsd_signal(int, __sighandler_t);

static void h1(int s) { (void)s; }
static void h2(int s) { (void)s; }
static void hinfo(int s, siginfo_t *si, void *uc) { (void)s; (void)si; (void)uc; }

static const char *who(void *h)
{
	return h == (void *)h1 ? "h1" : h == (void *)h2 ? "h2" : h == (void *)hinfo ? "hinfo" :
	       h == (void *)SIG_DFL ? "SIG_DFL" : h == (void *)SIG_IGN ? "SIG_IGN" :
	       h == (void *)SIG_HOLD ? "SIG_HOLD" : h == (void *)SIG_ERR ? "SIG_ERR" : "OTHER";
}

static void show(const char *tag, int sig)
{
	struct sigaction sa;
	if (sigaction(sig, NULL, &sa)) {
		printf("%s %d: sigaction failed\n", tag, sig);
		return;
	}
	unsigned long m = 0;
	for (int i = 1; i < 64; i++)
		if (sigismember(&sa.sa_mask, i))
			m |= 1ul << (i - 1);
	printf("%s %d: %s flags=%#x mask=%#lx\n", tag, sig, who((void *)sa.sa_handler),
	       (unsigned)sa.sa_flags & ~0x04000000u /* SA_RESTORER: libc's */, m);
}

static void disp(int depth)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = hinfo;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGUSR1, &sa, &old);
	printf("old %s\n", who((void *)old.sa_handler));
	sa.sa_handler = h1;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGUSR1, &sa, &old);	/* old: hinfo, as set */
	printf("old %s flags=%#x\n", who((void *)old.sa_handler), (unsigned)old.sa_flags & ~0x04000000u);
	printf("signal %s\n", who((void *)signal(SIGHUP, h1)));
	printf("signal %s\n", who((void *)signal(SIGHUP, h2)));
	printf("sysv_signal %s\n", who((void *)sysv_signal(SIGALRM, h2)));
	printf("bsd_signal %s\n", who((void *)bsd_signal(SIGALRM, h1)));
	printf("sigset %s\n", who((void *)sigset(SIGPIPE, h1)));
	printf("sigset %s\n", who((void *)sigset(SIGPIPE, SIG_HOLD)));
	printf("sigset %s\n", who((void *)sigset(SIGPIPE, h2)));
	printf("signal %s\n", who((void *)signal(SIGINT, SIG_IGN)));
	printf("signal %s\n", who((void *)signal(SIGTERM, h2)));
	printf("signal %s\n", who((void *)signal(SIGTERM, SIG_DFL)));
	int sigs[] = { SIGHUP, SIGINT, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2, SIGTERM, SIGCHLD };
	for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++)
		show("parent", sigs[i]);
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++)
			show("child", sigs[i]);
		fflush(stdout);
		if (depth == 0)
			execl("/proc/self/exe", "sigcatch", "exec", (char *)NULL);
		_exit(0);
	}
	waitpid(p, NULL, 0);
}

static volatile sig_atomic_t got;
static sigjmp_buf env;

static void on_info(int s, siginfo_t *si, void *uc)
{
	(void)uc;
	char b[128];
	int n = snprintf(b, sizeof b, "handler %d code %d%s\n", s, si->si_code,
			 s == SIGCHLD ? (si->si_status == 3 ? " status 3" : " status ?") : "");
	write(1, b, n);
	got++;
}

static void on_plain(int s)
{
	char b[64];
	int n = snprintf(b, sizeof b, "plain %d\n", s);
	write(1, b, n);
	got++;
}

static void on_jump(int s)
{
	(void)s;
	got++;
	siglongjmp(env, 1);
}

static unsigned char *alt;
#define ALT (16 * 1024)

static void on_alt(int s)
{
	(void)s;
	got++;
}

static void *thr(void *a)
{
	raise(SIGUSR1);
	return a;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "disp")) {
		disp(0);
	} else if (!strcmp(m, "exec")) {
		int sigs[] = { SIGHUP, SIGINT, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2, SIGTERM };
		for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++)
			show("exec", sigs[i]);
	} else if (!strcmp(m, "deliver")) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_info;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGCHLD, &sa, NULL);
		sigaction(SIGALRM, &sa, NULL);
		signal(SIGUSR2, on_plain);
		sigset_t blk, old;
		sigemptyset(&blk);
		sigaddset(&blk, SIGCHLD);
		sigprocmask(SIG_BLOCK, &blk, &old);
		raise(SIGUSR1);
		kill(getpid(), SIGUSR2);
		union sigval v = { .sival_int = 7 };
		sigqueue(getpid(), SIGALRM, v);
		pid_t p = fork();
		if (p == 0)
			_exit(3);
		while (got < 4)
			sigsuspend(&old);
		waitpid(p, NULL, 0);
	} else if (!strcmp(m, "resethand")) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_plain;
		sa.sa_flags = SA_RESETHAND;
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		show("after", SIGUSR1);
		raise(SIGUSR1);
		printf("not reached\n");
	} else if (!strcmp(m, "longjmp")) {
		signal(SIGUSR1, on_jump);
		for (int i = 0; i < 100; i++)
			if (sigsetjmp(env, 1) == 0)
				raise(SIGUSR1);
		printf("jumped %d\n", (int)got);
	} else if (!strcmp(m, "altstack")) {
		alt = mmap(NULL, ALT, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		memset(alt, 0xa5, ALT);
		stack_t ss = { .ss_sp = alt, .ss_size = ALT };
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_alt;
		sa.sa_flags = SA_ONSTACK;
		sigaltstack(&ss, NULL);
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		unsigned char *p = alt;
		while (p < alt + ALT && *p == 0xa5)
			p++;
		/* to stdout for the test, not the compare: a figure of a run */
		printf("altstack %lu\n", (unsigned long)(alt + ALT - p));
	} else if (!strcmp(m, "thread")) {
		signal(SIGUSR1, on_plain);
		pthread_t t;
		pthread_create(&t, NULL, thr, NULL);
		pthread_join(t, NULL);
	} else if (!strcmp(m, "ignored")) {
		signal(SIGUSR1, SIG_IGN);
		raise(SIGUSR1);
		printf("ignored\n");
	} else {
		return 2;
	}
	return 0;
}
