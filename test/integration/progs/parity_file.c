/* parity_file: file and descriptor calls whose lines test_parity compares
 * with strace's: stat structures, data buffers, pipes, poll, epoll,
 * iovecs, fcntl. getppid() first: strace's trace of our calls starts
 * after it (test_vs_strace.c). */
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
	getppid();
	struct stat st;
	stat("/etc/passwd", &st);
	lstat("/nonexistent/parity", &st);
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	fstat(fd, &st);
	char buf[64];
	read(fd, buf, sizeof buf);
	pread(fd, buf, 8, 4);
	write(1, "hello\n", 6);
	int p[2];
	pipe2(p, O_CLOEXEC);
	write(p[1], "x\0y\tz\001", 6);
	struct pollfd pf = { p[0], POLLIN, 0 };
	poll(&pf, 1, 100);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = p[0] };
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	epoll_wait(ep, &ev, 1, 100);
	read(p[0], buf, sizeof buf);
	struct pollfd none = { p[0], POLLIN, 0 };
	poll(&none, 1, 0);
	fcntl(fd, F_GETFL);
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	close(fd);
	return 0;
}
