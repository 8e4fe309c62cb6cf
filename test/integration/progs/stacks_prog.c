/* stacks_prog: known functions making known calls, for -k. Each call
 * site is marked with a SITE_ comment the test finds the line of.
 *   stacks_prog calls          text, JSON, OTLP: open_config/read_config
 *   stacks_prog sites          3 calls at SITE_A, 5 at SITE_B (--by-site)
 *   stacks_prog dlopen LIB     a library's call, and its constructor's
 *   stacks_prog signals N      N calls while a timer's handler calls too
 *   stacks_prog fork           a fork child's call, and a thread's
 *   stacks_prog unwinding N    N calls 60 frames down while a 100 us
 *                              timer's handler calls too; prints the ticks
 *   stacks_prog deep N         one call N frames down
 *   stacks_prog far N          N calls 60 frames down
 *   stacks_prog nocfi          a call from a function without unwind info
 *   stacks_prog jumps N        N rounds of calls 60 frames down, each cut
 *                              by a timer whose handler siglongjmps out
 *                              (often from inside an unwind), then 5 calls
 * Prints the descriptor open returned: a traced run must see the same. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <setjmp.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) static int open_config(void)
{
	return open("/dev/null", O_RDONLY); /* SITE_OPEN */
}

__attribute__((noinline)) static void read_config(int fd)
{
	char b[8];
	if (read(fd, b, sizeof b) < 0) /* SITE_READ */
		perror("read");
}

__attribute__((noinline)) static void site_a(void)
{
	close(-1); /* SITE_A */
}

__attribute__((noinline)) static void site_b(void)
{
	access("/nonexistent/stacks-b", F_OK); /* SITE_B */
}

__attribute__((noinline)) static void child_call(void)
{
	close(-4); /* SITE_CHILD */
}

static void *thread_main(void *arg)
{
	close(-5); /* SITE_THREAD */
	return arg;
}

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
	getppid();
	close(-2); /* SITE_HANDLER */
}

/* unwinding: calls made far down, so each unwind takes long enough for
 * the timer to land inside it */
__attribute__((noinline)) static void deep_calls(int nest, int n)
{
	if (nest > 0) {
		deep_calls(nest - 1, n);
		ticks += 0;
		return;
	}
	for (int i = 0; i < n; i++)
		close(-3); /* SITE_DEEP */
}

__attribute__((noinline)) static int deep_one(int nest)
{
	if (nest > 0)
		return deep_one(nest - 1) + 1;
	return close(-6) < 0; /* SITE_DEEPEST */
}

/* A function with no unwind info (no CFI, so no FDE): it does not set up
 * a frame pointer either, so stepping past it by guessing skips its
 * caller. */
__asm__(".text\n"
	".globl stacks_nocfi_close\n"
	".type stacks_nocfi_close, @function\n"
	"stacks_nocfi_close:\n"
	"	push %rbx\n"
	"	mov $-10, %edi\n"
	"	call close@PLT\n"
	"	pop %rbx\n"
	"	ret\n"
	".size stacks_nocfi_close, .-stacks_nocfi_close\n");
int stacks_nocfi_close(void);

__attribute__((noinline)) static int nocfi_caller(void)
{
	return stacks_nocfi_close() < 0;
}

static sigjmp_buf jump_back;

static void on_alarm_jump(int sig)
{
	(void)sig;
	siglongjmp(jump_back, 1);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "calls";
	if (!strcmp(mode, "calls")) {
		int fd = open_config();
		read_config(fd);
		printf("fd %d\n", fd);
		close(fd);
	} else if (!strcmp(mode, "sites")) {
		for (int i = 0; i < 3; i++)
			site_a();
		for (int i = 0; i < 5; i++)
			site_b();
		printf("sites done\n");
	} else if (!strcmp(mode, "dlopen") && argc > 2) {
		void *h = dlopen(argv[2], RTLD_NOW);
		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		int (*lib_open)(void) = (int (*)(void))dlsym(h, "lib_open");
		int fd = lib_open ? lib_open() : -1;
		printf("lib fd %d\n", fd);
		close(fd);
		dlclose(h);
	} else if (!strcmp(mode, "signals") && argc > 2) {
		int n = atoi(argv[2]);
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_alarm;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGALRM, &sa, NULL);
		struct itimerval it = { { 0, 200 }, { 0, 200 } };
		setitimer(ITIMER_REAL, &it, NULL);
		for (int i = 0; i < n; i++)
			site_b();
		struct itimerval off = { { 0, 0 }, { 0, 0 } };
		setitimer(ITIMER_REAL, &off, NULL);
		printf("signals done\n");
	} else if (!strcmp(mode, "unwinding") && argc > 2) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_alarm;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGALRM, &sa, NULL);
		struct itimerval it = { { 0, 100 }, { 0, 100 } };
		setitimer(ITIMER_REAL, &it, NULL);
		deep_calls(60, atoi(argv[2]));
		struct itimerval off = { { 0, 0 }, { 0, 0 } };
		setitimer(ITIMER_REAL, &off, NULL);
		printf("ticks %d\n", (int)ticks);
	} else if (!strcmp(mode, "jumps") && argc > 2) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_alarm_jump;
		sigaction(SIGALRM, &sa, NULL);
		struct itimerval it = { { 0, 300 }, { 0, 300 } };
		setitimer(ITIMER_REAL, &it, NULL);
		for (int r = atoi(argv[2]); r > 0; r--)
			if (sigsetjmp(jump_back, 1) == 0)
				deep_calls(60, 1000000);
		struct itimerval off = { { 0, 0 }, { 0, 0 } };
		setitimer(ITIMER_REAL, &off, NULL);
		for (int i = 0; i < 5; i++)
			close(-8); /* SITE_AFTER */
		printf("jumps done\n");
	} else if (!strcmp(mode, "nocfi")) {
		printf("nocfi %d\n", nocfi_caller());
	} else if (!strcmp(mode, "far") && argc > 2) {
		deep_calls(60, atoi(argv[2]));
		printf("far done\n");
	} else if (!strcmp(mode, "deep") && argc > 2) {
		printf("deep %d\n", deep_one(atoi(argv[2])));
	} else if (!strcmp(mode, "fork")) {
		fflush(stdout);
		pid_t p = fork();
		if (p == 0) {
			child_call();
			_exit(7);
		}
		int st = 0;
		waitpid(p, &st, 0);
		pthread_t t;
		pthread_create(&t, NULL, thread_main, NULL);
		pthread_join(t, NULL);
		printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}
