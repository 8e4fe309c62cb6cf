/* errno_check: failing calls of many kinds, each followed by a check that errno is exactly the expected value (and that successful calls leave errno alone); exit 1 naming the first difference. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(const char *what, long r, int expect)
{
	int e = errno;
	if (r != -1 || e != expect) {
		printf("MISMATCH %s: ret %ld errno %s, expected -1 errno %s\n", what, r,
		       strerrorname_np(e) ? strerrorname_np(e) : "?", strerrorname_np(expect));
		failures++;
	}
}

/* A successful call must leave errno as it was. */
static void keeps(const char *what, long r)
{
	if (r < 0 || errno != 4242) {
		printf("MISMATCH %s: ret %ld, errno %d changed by a successful call\n", what, r, errno);
		failures++;
	}
}

#define FAIL(expect, call) (errno = 0, check(#call, (long)(call), expect))
#define OK(call) (errno = 4242, keeps(#call, (long)(call)))

int main(void)
{
	getppid();	/* marker for the tests: the program's own calls start here */
	char buf[64];
	int p[2];
	FAIL(ENOENT, open("/nonexistent/renacer-missing", O_RDONLY));
	FAIL(ENOENT, openat(AT_FDCWD, "/nonexistent/renacer-missing", O_RDONLY));
	FAIL(EBADF, read(9999, buf, sizeof buf));
	FAIL(EBADF, write(9999, buf, 1));
	FAIL(EBADF, close(-1));
	FAIL(EEXIST, mkdir("/", 0700));
	FAIL(ENOENT, rmdir("/nonexistent/renacer-missing"));
	FAIL(EISDIR, unlink("/"));
	FAIL(ENOENT, rename("/nonexistent/a", "/nonexistent/b"));
	FAIL(ENOENT, stat("/nonexistent/renacer-missing", (struct stat *)buf));
	FAIL(EBADF, fstat(-1, (struct stat *)buf));
	FAIL(EBADF, dup(-1));
	FAIL(EBADF, dup2(-1, 5));
	FAIL(EBADF, fcntl(-1, F_GETFL));
	FAIL(EINVAL, pipe2(p, -1));
	FAIL(EAFNOSUPPORT, socket(12345, SOCK_STREAM, 0));
	FAIL(ESRCH, kill(INT_MAX, 0));
	FAIL(ECHILD, waitpid(-1, NULL, WNOHANG));
	FAIL(ENOENT, execve("/nonexistent/renacer-missing", (char *[]){ "x", NULL }, (char *[]){ NULL }));
	FAIL(EINVAL, munmap((void *)1, 4096));
	FAIL(EBADF, mmap(NULL, 4096, PROT_READ, MAP_SHARED, -1, 0));

	OK(pipe(p));
	FAIL(ESPIPE, lseek(p[0], 0, SEEK_SET));
	FAIL(ESPIPE, pread(p[0], buf, 1, 0));
	FAIL(ESPIPE, pwrite(p[1], buf, 1, 0));
	FAIL(EBADF, write(p[0], buf, 1));
	FAIL(EAGAIN, (fcntl(p[0], F_SETFL, O_NONBLOCK), read(p[0], buf, 1)));
	OK(close(p[0]));
	OK(close(p[1]));

	int devnull = open("/dev/null", O_RDWR);
	FAIL(ENOTTY, ioctl(devnull, TIOCGWINSZ, buf));
	FAIL(EINVAL, lseek(devnull, 0, 12345));
	FAIL(ENOTSOCK, connect(devnull, (struct sockaddr *)buf, sizeof(struct sockaddr_in)));
	OK(write(devnull, buf, 3));
	OK(read(devnull, buf, 3));
	OK(dup2(devnull, 50));
	OK(close(50));
	OK(close(devnull));

	/* connect to a port nobody listens on: bind one, close it, connect */
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl)) {
		printf("setup of the closed port failed\n");
		return 1;
	}
	close(ls);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	FAIL(ECONNREFUSED, connect(s, (struct sockaddr *)&sa, sizeof sa));
	close(s);

	if (failures)
		return 1;
	printf("errno_check: all as expected\n");
	return 0;
}
