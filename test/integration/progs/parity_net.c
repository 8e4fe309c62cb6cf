/* parity_net: socket calls whose lines test_parity compares with
 * strace's: addresses, socket options, data sent and received. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(void)
{
	getppid();
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	send(sv[0], "ping", 4, 0);
	char buf[16];
	recv(sv[1], buf, sizeof buf, 0);
	int s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&a, sizeof a);
	listen(s, 4);
	socklen_t len = sizeof a;
	getsockname(s, (struct sockaddr *)&a, &len);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof a);
	struct sockaddr_in peer;
	len = sizeof peer;
	int d = accept(s, (struct sockaddr *)&peer, &len);
	sendto(c, "hello", 5, MSG_NOSIGNAL, NULL, 0);
	recvfrom(d, buf, sizeof buf, 0, NULL, NULL);
	/* UDP: the sender's address into a larger buffer: [128 => 16] */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = 0;
	bind(u, (struct sockaddr *)&a, sizeof a);
	len = sizeof a;
	getsockname(u, (struct sockaddr *)&a, &len);
	int v = socket(AF_INET, SOCK_DGRAM, 0);
	sendto(v, "x", 1, 0, (struct sockaddr *)&a, sizeof a);
	struct sockaddr_storage from;
	socklen_t flen = sizeof from;
	recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
	close(u);
	close(v);
	shutdown(c, SHUT_WR);
	close(d);
	close(c);
	close(s);
	return 0;
}
