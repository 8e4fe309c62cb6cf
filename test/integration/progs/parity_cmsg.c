/* parity_cmsg.c: control messages over a socketpair, for test_parity:
 * two descriptors passed with SCM_RIGHTS, credentials with
 * SCM_CREDENTIALS, and a message at a level the socket does not know
 * (strace prints its header only). The pid in the credentials is the
 * process's own (getpid: test_parity skips its line, whose value differs
 * from strace's run to renacer's). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int send_cmsg(int fd, int level, int type, const void *data, size_t n)
{
	char c[CMSG_SPACE(64)];
	memset(c, 0, sizeof c);
	struct iovec v = { "x", 1 };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = c,
			    .msg_controllen = CMSG_SPACE(n) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = level;
	h->cmsg_type = type;
	h->cmsg_len = CMSG_LEN(n);
	memcpy(CMSG_DATA(h), data, n);
	return sendmsg(fd, &m, 0) == 1 ? 0 : -1;
}

static int recv_cmsg(int fd)
{
	char c[CMSG_SPACE(64)], b[4];
	struct iovec v = { b, sizeof b };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = c,
			    .msg_controllen = sizeof c };
	return recvmsg(fd, &m, 0) == 1 ? 0 : -1;
}

int main(void)
{
	int sv[2], on = 1;
	getppid();	/* test_parity's marker */
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return 1;
	int fds[2] = { open("/dev/null", O_RDONLY), open("/dev/zero", O_RDONLY) };
	if (fds[0] < 0 || fds[1] < 0 || send_cmsg(sv[0], SOL_SOCKET, SCM_RIGHTS, fds, sizeof fds) ||
	    recv_cmsg(sv[1]))
		return 1;
	if (setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on))
		return 1;
	struct ucred u = { getpid(), getuid(), getgid() };
	if (send_cmsg(sv[0], SOL_SOCKET, SCM_CREDENTIALS, &u, sizeof u) || recv_cmsg(sv[1]))
		return 1;
	on = 0;
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
	unsigned char odd[6] = { 1, 2, 3, 4, 5, 6 };
	if (send_cmsg(sv[0], 0x1234, 7, odd, sizeof odd) || recv_cmsg(sv[1]))
		return 1;
	/* failures: a recvmsg with nothing to read shows only the name's
	 * length; a sendmsg refused for its descriptor still shows its
	 * control buffer, here a header whose cmsg_len is 0 */
	char c[64], b[4];
	memset(c, 0, sizeof c);
	struct iovec v = { b, sizeof b };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = c, .msg_controllen = sizeof c };
	memset(b, 0, sizeof b);
	if (recvmsg(sv[1], &m, MSG_DONTWAIT) != -1 || sendmsg(-1, &m, 0) != -1)
		return 1;
	return 0;
}
