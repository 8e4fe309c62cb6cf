/* forkexec3: three-level fork + exec-self chain; each level waits for its child and propagates its exit status (+10); prints one line per level. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEVELS 3

int main(int argc, char **argv)
{
	getppid();	/* marker for the tests: the program's own calls start here */
	int level = argc > 1 ? atoi(argv[1]) : 1;
	if (level >= LEVELS) {
		printf("level %d: leaf, exiting %d\n", level, LEVELS);
		fflush(stdout);
		return LEVELS;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 100;
	if (pid == 0) {
		char lv[16];
		snprintf(lv, sizeof lv, "%d", level + 1);
		char *args[] = { argv[0], lv, NULL };
		execv("/proc/self/exe", args);
		_exit(101);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 102;
	int code = WEXITSTATUS(st) + 10;
	printf("level %d: child exited %d, exiting %d\n", level, WEXITSTATUS(st), code);
	fflush(stdout);
	return code;
}
