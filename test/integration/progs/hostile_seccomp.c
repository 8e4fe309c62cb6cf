/* hostile_seccomp: a program that sandboxes itself with a seccomp filter
 * allowing exactly the system calls it makes (read, write, openat, close,
 * exit_group), any other killing the whole process (SIGSYS), then makes
 * calls that succeed and calls that fail (bad descriptor, missing path).
 *   hostile_seccomp prctl|seccomp [ROUNDS]
 * installs the filter with prctl(PR_SET_SECCOMP) or syscall(SYS_seccomp)
 * and repeats the calls ROUNDS times (default 100). Prints how each kind of
 * call ended. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
		  BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static struct sock_filter rules[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_openat), ALLOW(SYS_close),
	ALLOW(SYS_exit_group),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};

/* stdout without stdio: stdio's first write may ask fstat */
static void say(const char *s)
{
	write(1, s, strlen(s));
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "prctl";
	unsigned rounds = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
	struct sock_fprog prog = { sizeof rules / sizeof *rules, rules };
	char line[160];
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return 2;
	int r = !strcmp(how, "seccomp") ? (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)
					  : prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
	if (r)
		return 3;
	say("sandboxed\n");
	unsigned enoent = 0, ebadf = 0, ok = 0;
	char c;
	for (unsigned i = 0; i < rounds; i++) {
		if (open("/nonexistent/renacer/seccomp", O_RDONLY) < 0 && errno == ENOENT)
			enoent++;
		if (read(-1, &c, 1) < 0 && errno == EBADF)
			ebadf++;
		if (close(-1) < 0 && errno == EBADF)
			ebadf++;
		int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY);
		if (fd >= 0 && read(fd, &c, 1) == 0 && close(fd) == 0)
			ok++;
	}
	snprintf(line, sizeof line, "rounds %u: ENOENT %u, EBADF %u, ok %u\n", rounds, enoent, ebadf,
		 ok);
	say(line);
	return 0;
}
