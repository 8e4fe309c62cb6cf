/* hostile_stack: wrapped calls made on small stacks.
 *   altstack    execve from a signal handler running on an 8 KiB sigaltstack
 *   thread      posix_spawn from a thread with a PTHREAD_STACK_MIN stack
 *   clonevfork  a clone(CLONE_VM|CLONE_VFORK) child on an 8 KiB stack execs
 *   depth       prints the stack bytes each class of call uses (a thread
 *               stack filled with a pattern, the lowest byte changed), for
 *               the test to compare traced with untraced
 * Each small stack has an inaccessible page below it: overflowing it
 * kills the program instead of corrupting memory. The exec'd image is this
 * program with the argument "child", which prints one line. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* size usable bytes with an inaccessible page below them */
static void *guarded(size_t size)
{
	char *p = mmap(NULL, size + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED || mprotect(p, 4096, PROT_NONE))
		exit(2);
	return p + 4096;
}

static void exec_child(const char *how)
{
	char *argv[] = { "hostile_stack", "child", (char *)how, NULL };
	execve("/proc/self/exe", argv, environ);
	_exit(127);
}

static void on_usr1(int sig)
{
	(void)sig;
	exec_child("exec'd from a handler on an 8 KiB sigaltstack");
}

static int run_altstack(void)
{
	stack_t ss = { .ss_sp = guarded(8192), .ss_size = 8192 };
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_ONSTACK };
	if (sigaltstack(&ss, NULL) || sigaction(SIGUSR1, &sa, NULL))
		return 2;
	raise(SIGUSR1);
	return 1;
}

static void *spawner(void *arg)
{
	(void)arg;
	pid_t pid;
	char *argv[] = { "hostile_stack", "child", "spawned from a PTHREAD_STACK_MIN thread", NULL };
	int r = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ);
	int st = -1;
	if (r == 0)
		waitpid(pid, &st, 0);
	printf("posix_spawn: %s, child exit %d\n", r ? strerrorname_np(r) : "ok",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return NULL;
}

static int run_thread(void)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	if (pthread_attr_setstack(&a, guarded(PTHREAD_STACK_MIN), PTHREAD_STACK_MIN))
		return 2;
	pthread_t t;
	if (pthread_create(&t, &a, spawner, NULL))
		return 2;
	pthread_join(t, NULL);
	return 0;
}

static int clone_child(void *arg)
{
	(void)arg;
	exec_child("exec'd from a CLONE_VM|CLONE_VFORK child on an 8 KiB stack");
	return 127;
}

static int run_clonevfork(void)
{
	char *stk = guarded(8192);
	fflush(stdout);
	pid_t pid = clone(clone_child, stk + 8192, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	if (pid < 0)
		return 2;
	int st = -1;
	waitpid(pid, &st, 0);
	printf("clone child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

/* ---------------------------------------------------------------- depth */

static unsigned char *dstk;
static int lfd = -1;
static struct sockaddr_in laddr;

static void op_read(void)
{
	char c;
	int fd = open("/dev/null", O_RDONLY);
	read(fd, &c, 1);
	close(fd);
}

static void op_open_fail(void)
{
	open("/nonexistent/renacer/stack", O_RDONLY);
	close(-1);
}

static void op_accept(void)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&laddr, sizeof laddr);
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	close(accept(lfd, (struct sockaddr *)&a, &al));
	close(c);
}

static void op_exec_fail(void)
{
	char *argv[] = { "x", NULL };
	execve("/nonexistent/renacer", argv, environ);
	execvp("renacer-no-such-program", argv);
	/* an image that exists, so the shim's checks of it run in full
	 * (ELF headers, the library's reach), then EFAULT for argv */
	char *const *bad = (char *const *)8;
	__asm__("" : "+r"(bad));	/* an address the compiler cannot see */
	execve("/bin/true", bad, environ);
}

static void op_spawn(void)
{
	pid_t pid;
	char *argv[] = { "true", NULL };
	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) == 0)
		waitpid(pid, NULL, 0);
}

static void op_fork(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
}

static void op_syscall(void)
{
	syscall(SYS_getppid);
}

static void *nothing(void *a)
{
	return a;
}

static void op_thread(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, nothing, NULL) == 0)
		pthread_join(t, NULL);
}

#define DSTK (256 * 1024)

/* Bytes of stack below this frame that op touched: the pattern is laid
 * from the stack pointer down (the fill loop calls nothing, and a
 * function that calls others keeps nothing below its stack pointer), so
 * the figure is exact to the byte. */
static __attribute__((noinline)) unsigned long measure(void (*op)(void))
{
	unsigned char *sp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	for (volatile unsigned char *p = dstk; p < sp; p++)
		*p = 0xa5;
	op();
	unsigned char *p = dstk;
	while (p < sp && *p == 0xa5)
		p++;
	return (unsigned long)(sp - p);
}

static void *depth_thread(void *arg)
{
	(void)arg;
	static const struct {
		const char *name;
		void (*op)(void);
	} ops[] = {
		{ "read", op_read }, { "open_fail", op_open_fail }, { "accept", op_accept },
		{ "exec_fail", op_exec_fail }, { "spawn", op_spawn }, { "fork", op_fork },
		{ "syscall", op_syscall }, { "thread", op_thread },
	};
	for (unsigned i = 0; i < sizeof ops / sizeof *ops; i++) {
		ops[i].op();	/* first calls bind symbols lazily: not ours */
		printf("depth %s %lu\n", ops[i].name, measure(ops[i].op));
	}
	return NULL;
}

static int run_depth(void)
{
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	laddr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof laddr;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&laddr, sizeof laddr) || listen(lfd, 8) ||
	    getsockname(lfd, (struct sockaddr *)&laddr, &al))
		return 2;
	dstk = guarded(DSTK);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstack(&a, dstk, DSTK);
	pthread_t t;
	if (pthread_create(&t, &a, depth_thread, NULL))
		return 2;
	pthread_join(t, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "child")) {
		printf("child: %s\n", argc > 2 ? argv[2] : "?");
		return 0;
	}
	if (!strcmp(mode, "altstack"))
		return run_altstack();
	if (!strcmp(mode, "thread"))
		return run_thread();
	if (!strcmp(mode, "clonevfork"))
		return run_clonevfork();
	if (!strcmp(mode, "depth"))
		return run_depth();
	fprintf(stderr, "usage: hostile_stack altstack|thread|clonevfork|depth\n");
	return 2;
}
