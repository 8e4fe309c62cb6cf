/* syscall_mix: direct read/write/pread/pwrite/lseek/stat/fstat/unlink/rename/mkdir/rmdir/dup/dup2/pipe/socketpair/fcntl/ioctl/mmap/munmap/mprotect in a temp dir it makes and removes; no stdio, so both tracers see every call. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROUNDS 5

static int bad;

static void need(int ok, const char *what)
{
	if (!ok) {
		write(2, "syscall_mix: failed: ", 21);
		write(2, what, strlen(what));
		write(2, "\n", 1);
		bad = 1;
	}
}

int main(void)
{
	getppid();	/* marker for the tests: the program's own calls start here */
	char dir[128], file[160], file2[160];
	const char *tmp = "/tmp";
	/* no getpid: the name comes from the stack address, different per run */
	snprintf(dir, sizeof dir, "%s/rn-mix-%lx", tmp, (unsigned long)(uintptr_t)dir);
	snprintf(file, sizeof file, "%s/a", dir);
	snprintf(file2, sizeof file2, "%s/b", dir);
	need(mkdir(dir, 0700) == 0, "mkdir");
	long total = 0;
	for (int r = 0; r < ROUNDS; r++) {
		char buf[4096], rb[4096];
		memset(buf, 'a' + r, sizeof buf);
		int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
		need(fd >= 0, "open");
		need(write(fd, buf, sizeof buf) == sizeof buf, "write");
		need(pwrite(fd, "XYZ", 3, 100) == 3, "pwrite");
		need(pread(fd, rb, 3, 100) == 3 && !memcmp(rb, "XYZ", 3), "pread");
		need(lseek(fd, 0, SEEK_SET) == 0, "lseek");
		need(read(fd, rb, sizeof rb) == sizeof rb, "read");
		struct stat st, st2;
		need(fstat(fd, &st) == 0 && st.st_size == sizeof buf, "fstat");
		need(stat(file, &st2) == 0 && st2.st_ino == st.st_ino, "stat");
		char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		need(m != MAP_FAILED, "mmap");
		if (m != MAP_FAILED) {
			m[0] = 'M';
			need(mprotect(m, 4096, PROT_READ) == 0, "mprotect");
			total += m[0] + m[100];
			need(munmap(m, 4096) == 0, "munmap");
		}
		int d = dup(fd);
		need(d >= 0, "dup");
		need(dup2(fd, 20) == 20, "dup2");
		int fl = fcntl(fd, F_GETFL);
		need(fl >= 0, "fcntl F_GETFL");
		need(fcntl(d, F_SETFD, FD_CLOEXEC) == 0, "fcntl F_SETFD");
		int p[2], sp[2], avail = -1;
		need(pipe(p) == 0, "pipe");
		need(write(p[1], buf, 17) == 17, "write pipe");
		need(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 17, "ioctl FIONREAD");
		need(read(p[0], rb, 17) == 17, "read pipe");
		need(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0, "socketpair");
		need(write(sp[0], "ping", 4) == 4 && read(sp[1], rb, 4) == 4, "socketpair io");
		need(close(sp[0]) == 0 && close(sp[1]) == 0, "close sp");
		need(close(p[0]) == 0 && close(p[1]) == 0, "close pipe");
		need(close(20) == 0 && close(d) == 0 && close(fd) == 0, "close");
		need(rename(file, file2) == 0, "rename");
		need(unlink(file2) == 0, "unlink");
		total += avail + fl;
	}
	need(rmdir(dir) == 0, "rmdir");
	char line[64];
	int n = snprintf(line, sizeof line, "syscall_mix: rounds=%d total=%ld\n", ROUNDS, total);
	need(write(1, line, (size_t)n) == n, "write stdout");
	return bad;
}
