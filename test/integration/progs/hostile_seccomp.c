/* hostile_seccomp: a program that sandboxes itself with a seccomp filter
 * allowing exactly the system calls it makes (read, write, openat, close,
 * exit_group), any other killing the whole process (SIGSYS), then makes
 * calls that succeed and calls that fail (bad descriptor, missing path).
 *   hostile_seccomp prctl|seccomp|thread|fork|exec [ROUNDS]
 * installs the filter with prctl(PR_SET_SECCOMP) or syscall(SYS_seccomp)
 * and repeats the calls ROUNDS times (default 100); 'thread' also allows
 * what glibc needs to start and join a thread, and makes the calls in a
 * thread started after the filter; 'fork' likewise in a child made by
 * fork() and waited for; 'exec' makes them in this program exec'd after
 * the filter (which the new image inherits), with what a dynamically
 * linked image needs to start allowed too. Prints how each kind of call
 * ended.
 *   hostile_seccomp unknown
 * installs, by a raw `syscall` instruction no wrapper sees, a filter that
 * answers ENOENT for an openat of the unmapped address 1 (as a filter
 * answering for the kernel may, never reading the path), then opens that
 * address, and with O_TMPFILE and no write access (EINVAL before the
 * kernel reads the path). */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
		  BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static struct sock_filter rules[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_openat), ALLOW(SYS_close),
	ALLOW(SYS_exit_group),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};

/* the same, and what glibc's pthread_create and pthread_join ask */
static struct sock_filter thread_rules[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_openat), ALLOW(SYS_close),
	ALLOW(SYS_exit_group), ALLOW(SYS_mmap), ALLOW(SYS_mprotect), ALLOW(SYS_munmap),
	ALLOW(SYS_clone3), ALLOW(SYS_clone), ALLOW(SYS_rt_sigprocmask),
	ALLOW(SYS_set_robust_list), ALLOW(SYS_rseq), ALLOW(SYS_futex), ALLOW(SYS_madvise),
	ALLOW(SYS_exit), ALLOW(SYS_rt_sigaction), ALLOW(SYS_getrandom),
	ALLOW(SYS_brk),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};

/* the same, and what glibc's fork and waitpid ask */
static struct sock_filter fork_rules[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_openat), ALLOW(SYS_close),
	ALLOW(SYS_exit_group), ALLOW(SYS_clone), ALLOW(SYS_wait4), ALLOW(SYS_set_robust_list),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};

/* the same, and what execve and the dynamic loader ask */
static struct sock_filter exec_rules[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_openat), ALLOW(SYS_close),
	ALLOW(SYS_exit_group), ALLOW(SYS_execve), ALLOW(SYS_brk), ALLOW(SYS_mmap),
	ALLOW(SYS_access), ALLOW(SYS_newfstatat), ALLOW(SYS_fstat), ALLOW(SYS_pread64),
	ALLOW(SYS_arch_prctl), ALLOW(SYS_set_tid_address), ALLOW(SYS_set_robust_list),
	ALLOW(SYS_rseq), ALLOW(SYS_mprotect), ALLOW(SYS_prlimit64), ALLOW(SYS_munmap),
	ALLOW(SYS_getrandom),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};

static unsigned rounds, enoent, ebadf, ok;

static void *calls(void *arg)
{
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
	return arg;
}

static long raw3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

/* openat(_, (char *)1, ...) -> ENOENT; everything else allowed */
static struct sock_filter unknown_rules[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOENT),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static int unknown(void)
{
	struct sock_fprog prog = { sizeof unknown_rules / sizeof *unknown_rules, unknown_rules };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    raw3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog))
		return 3;
	int e1 = open((const char *)1, O_RDONLY) == -1 ? errno : 0;
	int e2 = openat(AT_FDCWD, (const char *)2, O_TMPFILE | O_RDONLY, 0600) == -1 ? errno : 0;
	printf("open of an unmapped path: %s; O_TMPFILE read-only: %s\n",
	       e1 == ENOENT ? "ENOENT" : "other", e2 == EINVAL ? "EINVAL" : "other");
	return 0;
}

/* stdout without stdio: stdio's first write may ask fstat */
static void say(const char *s)
{
	write(1, s, strlen(s));
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "prctl";
	rounds = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
	char line[160];
	if (!strcmp(how, "unknown"))
		return unknown();
	if (!strcmp(how, "execd")) {	/* the image exec'd in the sandbox */
		calls(NULL);
		snprintf(line, sizeof line, "exec'd: ENOENT %u, EBADF %u, ok %u\n", enoent, ebadf, ok);
		say(line);
		return 0;
	}
	int threaded = !strcmp(how, "thread"), forked = !strcmp(how, "fork");
	struct sock_fprog prog = { sizeof rules / sizeof *rules, rules };
	if (threaded)
		prog = (struct sock_fprog){ sizeof thread_rules / sizeof *thread_rules, thread_rules };
	if (forked)
		prog = (struct sock_fprog){ sizeof fork_rules / sizeof *fork_rules, fork_rules };
	if (!strcmp(how, "exec"))
		prog = (struct sock_fprog){ sizeof exec_rules / sizeof *exec_rules, exec_rules };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return 2;
	int r = !strcmp(how, "seccomp") ? (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)
					  : prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
	if (r)
		return 3;
	say("sandboxed\n");
	if (!strcmp(how, "exec")) {
		char *args[] = { argv[0], "execd", argc > 2 ? argv[2] : "100", NULL };
		execv("/proc/self/exe", args);
		return 5;
	}
	if (threaded) {
		pthread_t t;
		if (pthread_create(&t, NULL, calls, NULL) || pthread_join(t, NULL))
			return 4;
	} else if (forked) {
		pid_t pid = fork();
		if (pid == 0) {
			calls(NULL);
			snprintf(line, sizeof line, "child: ENOENT %u, EBADF %u, ok %u\n", enoent, ebadf, ok);
			say(line);
			_exit(0);
		}
		int st = -1;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0)
			return 4;
	} else {
		calls(NULL);
	}
	snprintf(line, sizeof line, "rounds %u: ENOENT %u, EBADF %u, ok %u\n", rounds, enoent, ebadf,
		 ok);
	say(line);
	return 0;
}
