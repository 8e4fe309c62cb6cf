/* parity_spawn: a child each way libc makes one without fork: posix_spawn,
 * system and popen. Each is a clone3 strace shows with the child's pid;
 * the test compares renacer's lines with that. Prints the statuses. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
	getppid();	/* where the comparison starts */
	pid_t pid;
	char *argv[] = { "/bin/true", NULL };
	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ))
		return 1;
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	int r = system("exit 3");
	FILE *f = popen("echo hi", "r");
	char buf[8] = "";
	if (!f || !fgets(buf, sizeof buf, f))
		return 1;
	int c = pclose(f);
	printf("%d %d %d %s", WEXITSTATUS(st), WEXITSTATUS(r), WEXITSTATUS(c), buf);
	return 0;
}
