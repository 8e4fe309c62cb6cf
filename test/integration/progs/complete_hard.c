/* complete_hard: what --complete (syscall user dispatch) must survive,
 * one case per argument; each prints what a user would check, the same
 * traced or not, and makes raw `syscall` instructions (calls no wrapper
 * sees: they trap under --complete).
 *   sigreturn  a handler of ours returns 200 times (rt_sigreturn)
 *   inhandler  a timer's signals arrive while calls trap, 20000 of them
 *   sigsys     our own SIGSYS handler, SIGSYS in every mask we set
 *   clone      raw clone(CLONE_VM|CLONE_VFORK) on a new stack, raw vfork,
 *              raw fork, each child writing a line
 *   altstack   trapped calls from a handler on a small sigaltstack
 *   eintr      a blocking raw read interrupted: EINTR without SA_RESTART,
 *              restarted with it
 *   thread     a thread's raw calls
 *   ownsud     the program turns syscall user dispatch on for itself
 *   masks      every signal blocked, SIGSYS included, by each call that
 *              installs a mask for its duration (ppoll, pselect6,
 *              epoll_pwait(2), rt_sigsuspend, syscall(2), a handler's
 *              uc_sigmask, posix_spawn's child): a handler and the calls
 *              after them still trap, and the mask read back is ours
 *   nodispatch ARGV...: run ARGV with prctl(PR_SET_SYSCALL_USER_DISPATCH)
 *              answering EINVAL, as on a kernel without it
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <poll.h>
#include <sys/select.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

/* a system call by a `syscall` instruction of this program */
static long raw(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

static volatile sig_atomic_t hits;

static void on_usr1(int sig)
{
	(void)sig;
	hits++;
	raw(SYS_getppid, 0, 0, 0);	/* a call of the handler's own */
}

static int c_sigreturn(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigfillset(&sa.sa_mask);	/* SIGSYS too, as programs do */
	sigaction(SIGUSR1, &sa, NULL);
	long me = raw(SYS_getpid, 0, 0, 0);
	for (int i = 0; i < 200; i++)
		raw(SYS_kill, me, SIGUSR1, 0);
	printf("handler ran %d times\n", (int)hits);
	return hits == 200 ? 0 : 1;
}

static volatile sig_atomic_t ticks;

static void on_alrm(int sig)
{
	(void)sig;
	ticks++;
	raw(SYS_getppid, 0, 0, 0);
}

static int c_inhandler(void)
{
	struct sigaction sa = { .sa_handler = on_alrm, .sa_flags = SA_RESTART };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	setitimer(ITIMER_REAL, &it, NULL);
	long me = getpid(), bad = 0;
	for (int i = 0; i < 20000; i++)
		if (raw(SYS_getpid, 0, 0, 0) != me)
			bad++;
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("20000 calls, %ld wrong, ticks %s\n", bad, ticks > 0 ? "seen" : "none");
	return bad != 0;
}

static volatile sig_atomic_t own_sigsys;

static void on_sys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (si->si_code == SI_TKILL || si->si_code == SI_USER)
		own_sigsys++;
}

static int c_sigsys(void)
{
	struct sigaction sa = { .sa_sigaction = on_sys, .sa_flags = SA_SIGINFO }, old;
	sigaction(SIGSYS, &sa, NULL);
	sigaction(SIGSYS, NULL, &old);
	printf("SIGSYS handler is ours: %s\n", old.sa_sigaction == on_sys ? "yes" : "no");
	raise(SIGSYS);
	raw(SYS_kill, raw(SYS_getpid, 0, 0, 0), SIGSYS, 0);
	printf("own SIGSYS delivered %d times\n", (int)own_sigsys);
	/* every signal blocked, then calls that trap: SIGSYS must still come */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	long n = 0;
	for (int i = 0; i < 100; i++)
		n += raw(SYS_getppid, 0, 0, 0) > 0;
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	for (int i = 0; i < 100; i++)
		n += raw(SYS_getppid, 0, 0, 0) > 0;
	printf("%ld calls with every signal blocked\n", n);
	/* and the mask is what we set: SIGUSR1 stays pending */
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	printf("SIGUSR1 blocked: %s\n", sigismember(&cur, SIGUSR1) ? "yes" : "no");
	raise(SIGUSR1);	/* default action: would end us if delivered */
	sigpending(&cur);
	printf("SIGUSR1 pending: %s\n", sigismember(&cur, SIGUSR1) ? "yes" : "no");
	sigemptyset(&cur);
	sigaddset(&cur, SIGUSR1);
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigaction(SIGUSR1, &ign, NULL);
	sigprocmask(SIG_UNBLOCK, &cur, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGSYS, &sa, NULL);
	raise(SIGSYS);
	printf("ignored SIGSYS: still here\n");
	return 0;
}

/* clone on a new stack by a raw instruction: the child writes and exits
 * by raw calls, never returning anywhere */
static const char child_msg[] = "clone child on its own stack\n";

static long raw_clone_vm(void *top)
{
	long ret;
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	register const char *r9 __asm__("r9") = child_msg;	/* kept across the call */
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov $1, %%edi\n\t"
			 "mov %%r9, %%rsi\n\t"
			 "mov %[len], %%edx\n\t"
			 "mov $1, %%eax\n\t"
			 "syscall\n\t"
			 "xor %%edi, %%edi\n\t"
			 "mov $60, %%eax\n\t"
			 "syscall\n\t"
			 "1:"
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"((long)(CLONE_VM | CLONE_VFORK | SIGCHLD)), "S"(top),
			   "d"(0L), "r"(r10), "r"(r8), "r"(r9), [len] "i"(sizeof child_msg - 1)
			 : "rcx", "r11", "memory");
	return ret;
}

static int reap(long pid)
{
	int st = -1;
	if (pid <= 0 || waitpid((pid_t)pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int c_clone(void)
{
	fflush(stdout);
	size_t sz = 64 * 1024;
	char *stk = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long pid = raw_clone_vm(stk + sz);
	printf("clone child exit %d\n", reap(pid));
	fflush(stdout);
	pid = raw(SYS_vfork, 0, 0, 0);
	if (pid == 0) {
		raw(SYS_write, 1, (long)"vfork child\n", 12);
		raw(SYS_exit, 0, 0, 0);
	}
	printf("vfork child exit %d\n", reap(pid));
	fflush(stdout);
	pid = raw(SYS_fork, 0, 0, 0);
	if (pid == 0) {
		printf("fork child pid ok: %s\n", raw(SYS_getpid, 0, 0, 0) == getpid() ? "yes" : "no");
		fflush(stdout);
		_exit(3);
	}
	printf("fork child exit %d\n", reap(pid));
	return 0;
}

static volatile sig_atomic_t alt_ok;

static void on_alt(int sig)
{
	(void)sig;
	stack_t ss;
	sigaltstack(NULL, &ss);
	long n = 0;
	for (int i = 0; i < 10; i++)
		n += raw(SYS_getppid, 0, 0, 0) > 0;
	alt_ok = (ss.ss_flags & SS_ONSTACK) && n == 10;
}

static int c_altstack(void)
{
	size_t sz = 16384;	/* a signal frame is ~3 KiB with AVX-512 */
	stack_t ss = { .ss_sp = malloc(sz), .ss_size = sz }, got;
	raw(SYS_sigaltstack, (long)&ss, 0, 0);	/* a raw call: it traps */
	raw(SYS_sigaltstack, 0, (long)&got, 0);
	printf("sigaltstack set: %s\n", got.ss_sp == ss.ss_sp && got.ss_size == sz ? "yes" : "no");
	struct sigaction sa = { .sa_handler = on_alt, .sa_flags = SA_ONSTACK };
	sigaction(SIGUSR2, &sa, NULL);
	raw(SYS_kill, raw(SYS_getpid, 0, 0, 0), SIGUSR2, 0);
	printf("handler on a %zu-byte sigaltstack: %s\n", sz, alt_ok ? "ok" : "failed");
	return !alt_ok;
}

static int wfd;

static void on_alrm_write(int sig)
{
	(void)sig;
	raw(SYS_write, wfd, (long)"x", 1);
}

static void on_alrm_nothing(int sig)
{
	(void)sig;
}

static int c_eintr(void)
{
	int p[2];
	pipe(p);
	wfd = p[1];
	char c;
	struct sigaction sa = { .sa_handler = on_alrm_nothing };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 50000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	long r = raw(SYS_read, p[0], (long)&c, 1);
	printf("read without SA_RESTART: %s\n", r == -EINTR ? "EINTR" : "other");
	/* restarted: the handler writes the byte the read then gets */
	sa.sa_handler = on_alrm_write;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	r = raw(SYS_read, p[0], (long)&c, 1);
	printf("read with SA_RESTART: %ld '%c'\n", r, r == 1 ? c : '?');
	return 0;
}

static void *thr(void *arg)
{
	(void)arg;
	long n = 0;
	for (int i = 0; i < 50; i++)
		n += raw(SYS_gettid, 0, 0, 0) > 0;
	return (void *)n;
}

static int c_thread(void)
{
	pthread_t t;
	void *n;
	pthread_create(&t, NULL, thr, NULL);
	pthread_join(t, &n);
	printf("thread made %ld calls\n", (long)n);
	return 0;
}

static volatile char my_sel;
static volatile sig_atomic_t my_traps;

static void on_my_sys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	my_sel = 0;	/* ALLOW: our own calls, and the return, pass */
	if (si->si_code == 2 /* SYS_USER_DISPATCH */) {
		my_traps++;
		((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RAX] = 42;
	}
}

static int c_ownsud(void)
{
	struct sigaction sa = { .sa_sigaction = on_my_sys, .sa_flags = SA_SIGINFO };
	sigaction(SIGSYS, &sa, NULL);
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, 1 /* ON */, 0, 0, &my_sel))
		return 3;
	long r = 0;
	for (int i = 0; i < 5; i++) {
		my_sel = 1;	/* BLOCK */
		r += raw(SYS_getppid, 0, 0, 0);
	}
	my_sel = 0;
	prctl(PR_SET_SYSCALL_USER_DISPATCH, 0, 0, 0, 0);
	printf("own dispatch: %d traps, results %ld\n", (int)my_traps, r);
	return 0;
}

static int c_nodispatch(char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_SYSCALL_USER_DISPATCH, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof f / sizeof f[0], f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 125;
	execvp(argv[0], argv);
	return 127;
}

/* ------------------------------------------------------------- masks */

extern char **environ;

static volatile sig_atomic_t usr2_runs, usr2_sys_blocked;

static void on_usr2(int sig)
{
	(void)sig;
	usr2_runs++;
	raw(SYS_getppid, 0, 0, 0);	/* traps: SIGSYS must not be blocked */
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	usr2_sys_blocked += sigismember(&cur, SIGSYS);
}

static void on_usr2_fill(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	usr2_runs++;
	/* the mask put back at its return: every signal */
	sigfillset(&((ucontext_t *)ctx)->uc_sigmask);
}

static int sysblocked(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, SIGSYS);
}

static int c_maskview(void)
{
	/* posix_spawn's child: every signal blocked from its first code */
	long n = raw(SYS_getppid, 0, 0, 0) > 0;
	printf("child: SIGSYS blocked %s, raw call %s\n", sysblocked() ? "yes" : "no",
	       n ? "made" : "failed");
	return 0;
}

static int c_masks(char *self)
{
	struct sigaction sa = { .sa_handler = on_usr2 };
	sigaction(SIGUSR2, &sa, NULL);
	sigset_t all, wait;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	printf("SIGSYS blocked: %s\n", sysblocked() ? "yes" : "no");
	wait = all;
	sigdelset(&wait, SIGUSR2);	/* each call lets SIGUSR2 in, only it */
	struct timespec ts = { 5, 0 };
	int ep = epoll_create1(0);
	struct epoll_event ev;
	int eintr = 0;
	raise(SIGUSR2);
	eintr += ppoll(NULL, 0, &ts, &wait) == -1 && errno == EINTR;
	raise(SIGUSR2);
	eintr += pselect(0, NULL, NULL, NULL, &ts, &wait) == -1 && errno == EINTR;
	raise(SIGUSR2);
	eintr += epoll_pwait(ep, &ev, 1, 5000, &wait) == -1 && errno == EINTR;
	raise(SIGUSR2);
	eintr += epoll_pwait2(ep, &ev, 1, &ts, &wait) == -1 && errno == EINTR;
	raise(SIGUSR2);
	eintr += sigsuspend(&wait) == -1 && errno == EINTR;
	raise(SIGUSR2);
	eintr += syscall(SYS_ppoll, NULL, 0, &ts, &wait, 8) == -1 && errno == EINTR;
	printf("%d calls interrupted, handler ran %d times, saw SIGSYS blocked %d times\n", eintr,
	       (int)usr2_runs, (int)usr2_sys_blocked);
	/* syscall(2) blocking every signal, then a call that traps */
	sigprocmask(SIG_SETMASK, &wait, NULL);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, 8);
	long n = raw(SYS_getppid, 0, 0, 0) > 0;
	printf("after syscall(rt_sigprocmask): SIGSYS blocked %s, raw call %s\n",
	       sysblocked() ? "yes" : "no", n ? "made" : "failed");
	/* a handler whose return puts every signal in the mask */
	struct sigaction fill = { .sa_sigaction = on_usr2_fill, .sa_flags = SA_SIGINFO };
	sigaction(SIGUSR2, &fill, NULL);
	sigprocmask(SIG_SETMASK, &wait, NULL);
	usr2_runs = 0;
	raise(SIGUSR2);
	n = raw(SYS_getppid, 0, 0, 0) > 0;
	printf("after uc_sigmask filled: handler ran %d, SIGSYS blocked %s, raw call %s\n",
	       (int)usr2_runs, sysblocked() ? "yes" : "no", n ? "made" : "failed");
	/* a child spawned with every signal blocked */
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setsigmask(&at, &all);
	char *argv[] = { self, "maskview", NULL };
	pid_t pid;
	int st = -1;
	if (posix_spawn(&pid, self, NULL, &at, argv, environ) == 0)
		waitpid(pid, &st, 0);
	printf("spawned child: %s %d\n", WIFEXITED(st) ? "exit" : "signal",
	       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *c = argc > 1 ? argv[1] : "";
	if (!strcmp(c, "sigreturn"))
		return c_sigreturn();
	if (!strcmp(c, "inhandler"))
		return c_inhandler();
	if (!strcmp(c, "sigsys"))
		return c_sigsys();
	if (!strcmp(c, "clone"))
		return c_clone();
	if (!strcmp(c, "altstack"))
		return c_altstack();
	if (!strcmp(c, "eintr"))
		return c_eintr();
	if (!strcmp(c, "thread"))
		return c_thread();
	if (!strcmp(c, "ownsud"))
		return c_ownsud();
	if (!strcmp(c, "masks"))
		return c_masks(argv[0]);
	if (!strcmp(c, "maskview"))
		return c_maskview();
	if (!strcmp(c, "nodispatch") && argc > 2)
		return c_nodispatch(argv + 2);
	fprintf(stderr, "usage: complete_hard CASE\n");
	return 2;
}
