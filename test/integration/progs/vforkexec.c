/* vforkexec: vfork + execve of /bin/echo in the child, waitpid in the parent, print the status. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
	getppid();	/* marker for the tests: the program's own calls start here */
	char *args[] = { "echo", "hello from vfork", NULL };
	pid_t pid = vfork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		execve("/bin/echo", args, environ);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return 3;
	printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
