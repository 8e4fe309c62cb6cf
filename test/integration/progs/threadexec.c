/* threadexec: a thread that is not the main one execs /bin/echo while the
 * main thread waits in pause(): the kernel ends every other thread and the
 * exec'ing one takes the main thread's id. Prints one line before, echo
 * one after. "threadexec raw" makes the exec with a bare syscall
 * instruction, past every libc entry point; "threadexec fail" execs a
 * path that does not exist, and the process then ends normally. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;
static int raw, fail;

static void *run(void *p)
{
	(void)p;
	char *args[] = { "/bin/echo", "after exec from a thread", NULL };
	if (fail) {
		execv("/nonexistent/renacer-threadexec", args);
		printf("after exec from a thread\n");
		exit(0);
	} else if (raw) {
		long ret;
		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "a"((long)SYS_execve), "D"(args[0]), "S"(args), "d"(environ)
				 : "rcx", "r11", "memory");
	} else {
		execv("/bin/echo", args);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	raw = argc > 1 && !strcmp(argv[1], "raw");
	fail = argc > 1 && !strcmp(argv[1], "fail");
	printf("before exec\n");
	fflush(stdout);
	pthread_t t;
	if (pthread_create(&t, NULL, run, NULL))
		return 1;
	for (;;)
		pause();
}
