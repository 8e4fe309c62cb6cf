/* nstree: a three-process tree meant to run as pid 1 of a new pid
 * namespace (unshare -pf): it forks a child that execs itself as "leaf",
 * and vforks a child that execs /bin/true; then waits for both and prints
 * one line. The leaf, pinned to one CPU, starts a thread and ends the
 * process at once with a bare exit_group system call, before that thread
 * ever runs. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *idle(void *p)
{
	(void)p;
	pause();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "leaf")) {
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(sched_getcpu(), &one);
		sched_setaffinity(0, sizeof one, &one);
		pthread_t t;
		pthread_create(&t, NULL, idle, NULL);
		/* a bare system call, as a runtime without libc would make:
		 * no wrapper sees this process end */
		__asm__ volatile("syscall" : : "a"((long)SYS_exit_group), "D"(0L) : "rcx", "r11", "memory");
	}
	close(-1);
	pid_t a = fork();
	if (a == 0) {
		close(-2);
		char *args[] = { argv[0], "leaf", NULL };
		execv("/proc/self/exe", args);
		_exit(101);
	}
	pid_t b = vfork();
	if (b == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(102);
	}
	int sa, sb;
	if (a < 0 || b < 0 || waitpid(a, &sa, 0) != a || waitpid(b, &sb, 0) != b)
		return 1;
	printf("tree done: %d %d\n", WEXITSTATUS(sa), WEXITSTATUS(sb));
	return 0;
}
