/* execcheck: starts TARGET the way MODE says, as a traced program would:
 *   execve | execvp | spawn | spawnp | vfork  TARGET [ARG...]
 *   chroot DIR (execve | spawn | vfork) TARGET [ARG...]: after chroot(DIR),
 *   chdir("/")
 * vfork: a vfork child execve's TARGET; the parent waits for it.
 * execvp and spawnp search PATH when TARGET has no slash. Exits as the
 * target did (spawn: waits for it), 126/127 when it could not be started.
 * For the shim's checks of images exec'd by traced processes: static,
 * 32-bit and ASan programs, and a root without the preload library. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int start(const char *mode, char **argv)
{
	if (!strcmp(mode, "execve"))
		execve(argv[0], argv, environ);
	else if (!strcmp(mode, "execvp"))
		execvp(argv[0], argv);
	else if (!strcmp(mode, "spawn") || !strcmp(mode, "spawnp")) {
		pid_t pid;
		int r = mode[5] ? posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ)
				: posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
		if (r) {
			fprintf(stderr, "execcheck: %s: %s\n", argv[0], strerror(r));
			return 127;
		}
		int st;
		if (waitpid(pid, &st, 0) != pid)
			return 126;
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	} else if (!strcmp(mode, "vfork")) {
		pid_t pid = vfork();
		if (pid == 0) {
			execve(argv[0], argv, environ);
			_exit(127);
		}
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return 126;
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	} else {
		fprintf(stderr, "execcheck: unknown mode %s\n", mode);
		return 2;
	}
	fprintf(stderr, "execcheck: %s: %s\n", argv[0], strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	if (!strcmp(argv[1], "chroot")) {
		if (argc < 5)
			return 2;
		if (chroot(argv[2]) || chdir("/")) {
			perror("execcheck: chroot");
			return 125;
		}
		return start(argv[3], argv + 4);
	}
	return start(argv[1], argv + 2);
}
