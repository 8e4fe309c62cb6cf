/* parity_spawn [N]: a child each way libc makes one without fork:
 * posix_spawn, system and popen, N times over (1 by default: a race
 * between a call's record and its child's start shows in a loop). Each is
 * a clone3 strace shows with the child's pid; the test compares renacer's
 * lines with that. Prints the last round's statuses. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 1;
	getppid();	/* where the comparison starts */
	int st = 0, r = 0, c = 0;
	char buf[8] = "";
	for (int i = 0; i < rounds; i++) {
		pid_t pid;
		char *args[] = { "/bin/true", NULL };
		if (posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ))
			return 1;
		if (waitpid(pid, &st, 0) != pid)
			return 1;
		r = system("exit 3");
		FILE *f = popen("echo hi", "r");
		if (!f || !fgets(buf, sizeof buf, f))
			return 1;
		c = pclose(f);
	}
	printf("%d %d %d %s", WEXITSTATUS(st), WEXITSTATUS(r), WEXITSTATUS(c), buf);
	return 0;
}
