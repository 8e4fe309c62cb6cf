/* hostile_envp: execve, execvpe, execle and posix_spawn given an invalid
 * environment (a bad array pointer, a bad string pointer, an array that
 * runs into an inaccessible page) or an invalid argv or path: each must
 * fail with the error the kernel gives (EFAULT), not crash. Prints each
 * result; the last line execs /bin/echo with a valid environment, so the
 * program's output also shows exec still works. */
#include <errno.h>
#include <stdint.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* an address nothing is mapped at, hidden from the compiler's checks */
static volatile unsigned long bad_addr = 16;
#define BAD ((char *)bad_addr)

static void said(const char *what, int r, int e)
{
	printf("%s: %d %s\n", what, r, r ? strerrorname_np(e) : "");
	fflush(stdout);
}

static void spawn(const char *what, char *const argv[], char *const envp[])
{
	pid_t pid;
	int r = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, envp);
	if (r == 0) {
		int st;
		waitpid(pid, &st, 0);
	}
	said(what, r, r);
}

int main(void)
{
	char **page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || mprotect((char *)page + 4096, 4096, PROT_NONE))
		return 2;
	/* a vector filling the page with no NULL before the guard page */
	for (unsigned i = 0; i < 4096 / sizeof *page; i++)
		page[i] = "A=b";
	char **noend = page;
	char *argv[] = { "true", NULL };
	char *badstr[] = { "A=b", BAD, NULL };

	int r = execve("/bin/true", argv, (char **)BAD);
	said("execve bad envp", r, errno);
	r = execve("/bin/true", argv, badstr);
	said("execve bad envp string", r, errno);
	r = execve("/bin/true", argv, noend);
	said("execve envp into a guard page", r, errno);
	r = execvpe("true", argv, (char **)BAD);
	said("execvpe bad envp", r, errno);
	r = execle("/bin/true", "true", (char *)NULL, (char **)BAD);
	said("execle bad envp", r, errno);
	r = execve("/bin/true", (char **)BAD, environ);
	said("execve bad argv", r, errno);
	r = execve(BAD, argv, environ);
	said("execve bad path", r, errno);

	spawn("posix_spawn bad envp", argv, (char **)BAD);
	spawn("posix_spawn bad envp string", argv, badstr);
	spawn("posix_spawn envp into a guard page", argv, noend);
	spawn("posix_spawn good", argv, environ);

	char *echo[] = { "echo", "exec still works", NULL };
	execve("/bin/echo", echo, environ);
	return 1;
}
