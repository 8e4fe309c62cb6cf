/* hostile_addr: accept and recvfrom handed address buffers smaller than the
 * peer's address (AF_INET6 and AF_UNIX peers, 2 bytes of room), and
 * address-length pointers on the heap, at the end of a mapping and invalid.
 * Prints what the program sees: the result, the length the kernel reports,
 * the bytes it was given room for, and whether anything past the buffer
 * changed. Buffers sit just before an inaccessible page, so a tracer that
 * reads or writes past them kills the program. Output is the same on every
 * run (no ports, no pids). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static unsigned char *page;	/* one page, then an inaccessible one */

/* A 2-byte address buffer at the very end of the readable page. */
static struct sockaddr *edge_buf(void)
{
	memset(page, 0xaa, 4096);
	return (struct sockaddr *)(page + 4096 - 2);
}

/* A 2-byte address buffer in the middle of the page: bytes after it must
 * stay 0xaa. */
static struct sockaddr *mid_buf(void)
{
	memset(page, 0xaa, 4096);
	return (struct sockaddr *)(page + 1024);
}

/* Every byte of the page but the two of the buffer at sa is as set. */
static const char *tail_state(const struct sockaddr *sa)
{
	unsigned off = (unsigned)((const unsigned char *)sa - page);
	for (unsigned i = 0; i < 4096; i++)
		if ((i < off || i >= off + 2) && page[i] != 0xaa)
			return "CHANGED";
	return "untouched";
}

static void show(const char *what, long r, int e, socklen_t len, const struct sockaddr *sa)
{
	const unsigned char *b = (const unsigned char *)sa;
	printf("%s: %s%s len=%u bytes=%02x%02x tail=%s\n", what, r < 0 ? "-1 " : "ok",
	       r < 0 ? strerrorname_np(e) : "", (unsigned)len, b[0], b[1], tail_state(sa));
}

static int inet6_listener(struct sockaddr_in6 *a)
{
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	*a = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t al = sizeof *a;
	if (l < 0 || bind(l, (struct sockaddr *)a, sizeof *a) || listen(l, 8) ||
	    getsockname(l, (struct sockaddr *)a, &al)) {
		perror("inet6 listener");
		exit(2);
	}
	return l;
}

static void connect_to(int dom, const struct sockaddr *a, socklen_t al)
{
	int c = socket(dom, SOCK_STREAM, 0);
	if (c < 0 || connect(c, a, al)) {
		perror("connect");
		exit(2);
	}
}

static void unix_name(struct sockaddr_un *u, const char *dir, const char *leaf)
{
	*u = (struct sockaddr_un){ .sun_family = AF_UNIX };
	snprintf(u->sun_path, sizeof u->sun_path, "%s/%s", dir, leaf);
}

int main(void)
{
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || mprotect(page + 4096, 4096, PROT_NONE))
		return 2;
	socklen_t *heaplen = malloc(sizeof *heaplen);
	socklen_t *edgelen = (socklen_t *)(page + 4096 - 4);
	char dir[] = "/tmp/rn-addr-XXXXXX";
	if (!mkdtemp(dir))
		return 2;

	/* AF_INET6 over TCP */
	struct sockaddr_in6 a6;
	int l6 = inet6_listener(&a6);
	for (int i = 0; i < 5; i++)
		connect_to(AF_INET6, (struct sockaddr *)&a6, sizeof a6);
	socklen_t len = 2;
	struct sockaddr *sa = edge_buf();
	int r = accept(l6, sa, &len);
	show("accept inet6 edge", r, errno, len, sa);
	len = 2;
	sa = mid_buf();
	r = accept4(l6, sa, &len, SOCK_CLOEXEC);
	show("accept4 inet6 mid", r, errno, len, sa);
	*heaplen = 2;
	sa = mid_buf();
	r = accept(l6, sa, heaplen);
	show("accept inet6 heap-len", r, errno, *heaplen, sa);
	/* the length itself in the last 4 bytes before the guard page */
	memset(page, 0xaa, 4096);
	*edgelen = 2;
	sa = (struct sockaddr *)(page + 512);
	r = accept(l6, sa, edgelen);
	printf("accept inet6 edge-len: %s len=%u\n", r < 0 ? "-1" : "ok", (unsigned)*edgelen);
	errno = 0;
	r = accept(l6, mid_buf(), (socklen_t *)(page + 4096));	/* inaccessible */
	printf("accept inet6 bad-len: %d %s\n", r, strerrorname_np(errno));

	/* AF_UNIX stream, the peer bound to a long name */
	struct sockaddr_un us, uc;
	unix_name(&us, dir, "server");
	unix_name(&uc, dir, "client-with-a-rather-long-name-0123456789");
	int lu = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lu < 0 || bind(lu, (struct sockaddr *)&us, sizeof us) || listen(lu, 8))
		return 2;
	int cu = socket(AF_UNIX, SOCK_STREAM, 0);
	if (cu < 0 || bind(cu, (struct sockaddr *)&uc, sizeof uc) ||
	    connect(cu, (struct sockaddr *)&us, sizeof us))
		return 2;
	len = 2;
	sa = edge_buf();
	r = accept(lu, sa, &len);
	show("accept unix edge", r, errno, len, sa);

	/* datagrams: recvfrom from an AF_INET6 and an AF_UNIX peer */
	int d6 = socket(AF_INET6, SOCK_DGRAM, 0), s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 b6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t bl = sizeof b6;
	if (d6 < 0 || s6 < 0 || bind(d6, (struct sockaddr *)&b6, sizeof b6) ||
	    getsockname(d6, (struct sockaddr *)&b6, &bl))
		return 2;
	for (int i = 0; i < 3; i++)
		sendto(s6, "hello", 5, 0, (struct sockaddr *)&b6, sizeof b6);
	char data[16];
	len = 2;
	sa = edge_buf();
	long n = recvfrom(d6, data, sizeof data, 0, sa, &len);
	show("recvfrom inet6 edge", n, errno, len, sa);
	len = 2;
	sa = mid_buf();
	n = recvfrom(d6, data, sizeof data, 0, sa, &len);
	show("recvfrom inet6 mid", n, errno, len, sa);
	*heaplen = 2;
	sa = mid_buf();
	n = recvfrom(d6, data, sizeof data, 0, sa, heaplen);
	show("recvfrom inet6 heap-len", n, errno, *heaplen, sa);

	struct sockaddr_un ds, dc;
	unix_name(&ds, dir, "dgram-server");
	unix_name(&dc, dir, "dgram-client-with-a-long-name-0123456789");
	int du = socket(AF_UNIX, SOCK_DGRAM, 0), su = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (du < 0 || su < 0 || bind(du, (struct sockaddr *)&ds, sizeof ds) ||
	    bind(su, (struct sockaddr *)&dc, sizeof dc))
		return 2;
	sendto(su, "hi", 2, 0, (struct sockaddr *)&ds, sizeof ds);
	sendto(su, "hi", 2, 0, (struct sockaddr *)&ds, sizeof ds);
	len = 2;
	sa = edge_buf();
	n = recvfrom(du, data, sizeof data, 0, sa, &len);
	show("recvfrom unix edge", n, errno, len, sa);
	errno = 0;
	n = recvfrom(du, data, sizeof data, 0, mid_buf(), (socklen_t *)(page + 4096));
	printf("recvfrom unix bad-len: %ld %s\n", n, strerrorname_np(errno));

	unlink(us.sun_path);
	unlink(uc.sun_path);
	unlink(ds.sun_path);
	unlink(dc.sun_path);
	rmdir(dir);
	return 0;
}
