/* rawfork MODE: makes a child without glibc's fork(): MODE is _Fork,
 * clone (libc clone() without CLONE_VM), sysfork (syscall(SYS_fork)),
 * sysclone (syscall(SYS_clone, SIGCHLD, 0)) or clone3 (syscall(SYS_clone3)
 * with no stack), or vmclone (clone(CLONE_VM|CLONE_VFORK), the way
 * posix_spawn does: the child shares our memory and, until it ends, our
 * thread; it prints nothing). Parent and child then each make 300 failing close()
 * calls at the same time (the child on fds 10000.., the parent on
 * 20000..), and print "parent PID" / "child PID" on stdout. */
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern pid_t _Fork(void);

#define CALLS 300

static void calls(int base)
{
	for (int i = 0; i < CALLS; i++)
		close(base + i);
}

static int child(void *arg)
{
	(void)arg;
	calls(10000);
	printf("child %d\n", (int)getpid());
	fflush(stdout);
	return 0;
}

static int quiet_child(void *arg)
{
	(void)arg;
	calls(10000);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "_Fork";
	fflush(stdout);
	pid_t pid;
	if (!strcmp(mode, "_Fork")) {
		pid = _Fork();
	} else if (!strcmp(mode, "clone")) {
		size_t sz = 256 * 1024;
		char *stack = malloc(sz);
		pid = clone(child, stack + sz, SIGCHLD, NULL);
		if (pid > 0)
			goto parent;
		return 2;
	} else if (!strcmp(mode, "vmclone")) {
		size_t sz = 256 * 1024;
		char *stack = malloc(sz);
		pid = clone(quiet_child, stack + sz, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
		if (pid > 0)
			goto parent;
		return 2;
	} else if (!strcmp(mode, "sysfork")) {
		pid = (pid_t)syscall(SYS_fork);
	} else if (!strcmp(mode, "sysclone")) {
		pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	} else if (!strcmp(mode, "clone3")) {
		struct clone_args ca;
		memset(&ca, 0, sizeof ca);
		ca.exit_signal = SIGCHLD;
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
	} else {
		return 2;
	}
	if (pid < 0)
		return 3;
	if (pid == 0)
		_exit(child(NULL));
parent:
	calls(20000);
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 4;
	printf("parent %d\n", (int)getpid());
	return 0;
}
