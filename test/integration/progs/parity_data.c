/* parity_data: data and structures whose lines test_parity compares with
 * strace's (with -x, -xx, -v and -e write= too): iovec arrays with their
 * bytes (writev/readv/pwritev/preadv), msghdr (sendmsg/recvmsg on a
 * socketpair), termios (TCGETS on a terminal made with openpty), binary
 * bytes written, and a stat. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pty.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

int main(void)
{
	int p[2], sv[2], m, s;
	char a[8], b[8];
	getppid();
	/* the same descriptors whoever runs us (the tests name them in
	 * -e read=/write=): 3 and 4 the terminal, 5 and 6 the pipe.
	 * openpty's own calls are libc's: strace sees them, renacer not */
	closefrom(3);
	if (openpty(&m, &s, NULL, NULL, NULL))
		return 1;
	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 1;
	struct iovec out[2] = { { "hi", 2 }, { "there\n", 6 } };
	writev(p[1], out, 2);
	struct iovec in[2] = { { a, 3 }, { b, sizeof b } };
	readv(p[0], in, 2);
	write(p[1], "\x01x", 2);
	read(p[0], a, sizeof a);

	struct iovec mo = { "ping\x01\xff", 6 };
	struct msghdr mh = { .msg_iov = &mo, .msg_iovlen = 1 };
	sendmsg(sv[0], &mh, 0);
	char rb[16];
	struct iovec mi = { rb, sizeof rb };
	struct msghdr mr = { .msg_iov = &mi, .msg_iovlen = 1 };
	recvmsg(sv[1], &mr, 0);

	struct termios t;
	ioctl(s, TCGETS, &t);
	ioctl(s, TCSETS, &t);

	static const unsigned char bin[] = { 'A', 0, 1, 0x7f, 0x80, 0xfe, '\n', 'z' };
	write(1, bin, sizeof bin);
	write(1, "plain text\n", 11);

	/* a file whose every field stays the same from one run to the next
	 * (-v prints them all) */
	struct stat st;
	stat("/", &st);

	int f = memfd_create("parity_data", 0);
	if (f >= 0) {
		pwritev(f, out, 2, 0);
		preadv(f, in, 2, 0);
		close(f);
	}
	close(m);
	close(s);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	return 0;
}
