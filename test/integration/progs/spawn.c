/* spawn: posix_spawn and posix_spawnp of /bin/true and of a missing program, waitpid on the started ones, print the results. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void one(const char *what, int use_p, const char *prog)
{
	pid_t pid = -1;
	char *argv[] = { (char *)prog, NULL };
	int r = use_p ? posix_spawnp(&pid, prog, NULL, NULL, argv, environ)
		      : posix_spawn(&pid, prog, NULL, NULL, argv, environ);
	if (r) {
		printf("%s %s: error %s\n", what, prog, strerrorname_np(r));
		return;
	}
	int st = -1;
	pid_t w = waitpid(pid, &st, 0);
	printf("%s %s: started, waited %s, exit %d\n", what, prog, w == pid ? "ok" : "FAILED",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
	getppid();	/* marker for the tests: the program's own calls start here */
	one("posix_spawn", 0, "/bin/true");
	one("posix_spawnp", 1, "true");
	one("posix_spawn", 0, "/nonexistent/renacer-missing-prog");
	one("posix_spawnp", 1, "renacer-missing-prog");
	return 0;
}
