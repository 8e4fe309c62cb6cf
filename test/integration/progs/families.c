/* families: one call (or a pair that undoes itself) of each family of
 * system-call wrappers the table covers beyond plain I/O: xattrs,
 * directories, file systems, ids and credentials, limits, scheduling,
 * random bytes, watching descriptors, memory locking, the break, signals,
 * timers, pidfds, namespaces, System V IPC. No stdio, no malloc, one
 * thread: after the marker every system call is one the program made
 * through a libc wrapper, so a tracer that sees every wrapper sees what
 * strace sees. Calls that need privilege are made so that they fail the
 * same way for root (missing paths, bad descriptors); nothing changes the
 * machine. With "raw", also one syscall(2) of a call glibc has no wrapper
 * for (io_uring_setup, failing with EFAULT). Exit status: 0. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/pidfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

int arch_prctl(int code, unsigned long addr);
#ifndef ARCH_GET_FS
#define ARCH_GET_FS 0x1003
#endif

static void on_usr1(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	getppid();	/* marker for the tests: the program's own calls start here */
	char dir[128], file[160], fifo[160], buf[4096];
	/* no getpid in the name: the stack address differs per run */
	snprintf(dir, sizeof dir, "/tmp/rn-fam-%lx", (unsigned long)(uintptr_t)dir);
	snprintf(file, sizeof file, "%s/f", dir);
	snprintf(fifo, sizeof fifo, "%s/p", dir);
	mkdir(dir, 0700);
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	/* extended attributes (user.* may be unsupported: any result will do) */
	getxattr(file, "user.rn", buf, sizeof buf);
	lgetxattr(file, "user.rn", buf, sizeof buf);
	fgetxattr(fd, "user.rn", buf, sizeof buf);
	setxattr(file, "user.rn", "1", 1, 0);
	lsetxattr(file, "user.rn2", "2", 1, 0);
	fsetxattr(fd, "user.rn3", "3", 1, 0);
	listxattr(file, buf, sizeof buf);
	llistxattr(file, buf, sizeof buf);
	flistxattr(fd, buf, sizeof buf);
	removexattr(file, "user.rn");
	lremovexattr(file, "user.rn2");
	fremovexattr(fd, "user.rn3");

	/* directories and file systems */
	getdents64(dfd, buf, sizeof buf);
	chdir(dir);
	fchdir(dfd);
	getcwd(buf, sizeof buf);
	chdir("/");
	struct statfs sf;
	statfs(dir, &sf);
	fstatfs(fd, &sf);
	flock(fd, LOCK_SH);
	flock(fd, LOCK_UN);
	mode_t old = umask(077);
	umask(old);
	mknod(fifo, S_IFIFO | 0600, 0);
	struct timespec ts2[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	utimensat(AT_FDCWD, file, ts2, 0);
	futimens(fd, ts2);
	utimes(file, NULL);
	utime(file, NULL);
	fallocate(fd, 0, 0, 4096);
	posix_fadvise(fd, 0, 4096, POSIX_FADV_NORMAL);
	readahead(fd, 0, 4096);
	sync_file_range(fd, 0, 4096, SYNC_FILE_RANGE_WRITE);
	syncfs(fd);
	mount(NULL, "/nonexistent-rn", NULL, 0, NULL);
	umount2("/nonexistent-rn", 0);
	chroot("/nonexistent-rn");

	/* ids, credentials, the system */
	struct utsname u;
	uname(&u);
	getpid();
	gettid();
	uid_t uid = getuid(), euid = geteuid();
	gid_t gid = getgid(), egid = getegid();
	uid_t r, e, s;
	getresuid(&r, &e, &s);
	gid_t gr, ge, gs;
	getresgid(&gr, &ge, &gs);
	gid_t groups[64];
	getgroups(64, groups);
	setuid(uid);
	setgid(gid);
	seteuid(euid);
	setegid(egid);
	setreuid((uid_t)-1, (uid_t)-1);
	setresgid((gid_t)-1, (gid_t)-1, (gid_t)-1);
	setfsuid(euid);
	getpgrp();
	getpgid(0);
	getsid(0);
	unsigned long fs;
	arch_prctl(ARCH_GET_FS, (unsigned long)&fs);
	struct sysinfo si;
	sysinfo(&si);
	getrandom(buf, 16, 0);
	setns(-1, 0);
	unshare(0);

	/* limits, usage, scheduling */
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	setrlimit(RLIMIT_NOFILE, &rl);
	prlimit(0, RLIMIT_STACK, NULL, &rl);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	struct tms tm;
	times(&tm);
	int prio = getpriority(PRIO_PROCESS, 0);
	setpriority(PRIO_PROCESS, 0, prio);
	sched_yield();
	cpu_set_t cpus;
	sched_getaffinity(0, sizeof cpus, &cpus);
	sched_getscheduler(0);
	struct sched_param sp;
	sched_getparam(0, &sp);
	sched_get_priority_max(SCHED_FIFO);
	sched_get_priority_min(SCHED_FIFO);
	struct timespec rr;
	sched_rr_get_interval(0, &rr);
	wait3(NULL, WNOHANG, NULL);

	/* descriptors that watch */
	int in = inotify_init1(IN_CLOEXEC);
	int wd = inotify_add_watch(in, dir, IN_CREATE);
	inotify_rm_watch(in, wd);
	close(in);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = { { 0, 0 }, { 100, 0 } };
	timerfd_settime(tfd, 0, &its, NULL);
	timerfd_gettime(tfd, &its);
	close(tfd);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	close(sfd);
	int mfd = memfd_create("rn", MFD_CLOEXEC);
	close(mfd);
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(sv[0], (struct sockaddr *)&ss, &sl);
	sl = sizeof ss;
	getpeername(sv[0], (struct sockaddr *)&ss, &sl);
	close(sv[0]);
	close(sv[1]);

	/* memory */
	static char page[4096] __attribute__((aligned(4096)));
	mlock(page, sizeof page);
	munlock(page, sizeof page);
	mlockall(0);	/* EINVAL: nothing locked */
	munlockall();
	unsigned char vec[1];
	mincore(page, sizeof page, vec);
	void *brk0 = sbrk(0);	/* a brk(NULL) until glibc knows the break */
	brk(brk0);

	/* signals */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGUSR2, SIG_IGN);
	sigset_t was;
	sigprocmask(SIG_BLOCK, &set, &was);
	pthread_sigmask(SIG_SETMASK, &was, NULL);
	sigpending(&set);
	stack_t st;
	sigaltstack(NULL, &st);
	struct timespec zero = { 0, 0 };
	sigtimedwait(&set, NULL, &zero);
	tgkill(getpid(), gettid(), 0);
	int pfd = pidfd_open(getpid(), 0);
	pidfd_send_signal(pfd, 0, NULL, 0);
	close(pfd);

	/* timers */
	alarm(0);
	struct itimerval itv;
	getitimer(ITIMER_REAL, &itv);
	memset(&itv, 0, sizeof itv);
	setitimer(ITIMER_REAL, &itv, NULL);
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_NONE;
	timer_t tid;
	if (timer_create(CLOCK_MONOTONIC, &sev, &tid) == 0) {
		struct itimerspec t = { { 0, 0 }, { 100, 0 } };
		timer_settime(tid, 0, &t, NULL);
		timer_gettime(tid, &t);
		timer_getoverrun(tid);
		timer_delete(tid);
	}
	/* the vDSO: no system call, for either tracer */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	time(NULL);

	/* System V IPC, removed again */
	int q = msgget(IPC_PRIVATE, 0600);
	if (q >= 0)
		msgctl(q, IPC_RMID, NULL);
	int shm = shmget(IPC_PRIVATE, 4096, 0600);
	if (shm >= 0) {
		void *p = shmat(shm, NULL, 0);
		if (p != (void *)-1)
			shmdt(p);
		shmctl(shm, IPC_RMID, NULL);
	}

	if (argc > 1 && !strcmp(argv[1], "raw"))
		syscall(SYS_io_uring_setup, 1, NULL);	/* EFAULT */

	close(dfd);
	close(fd);
	unlink(fifo);
	unlink(file);
	rmdir(dir);
	return 0;
}
