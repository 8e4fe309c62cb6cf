/* fds_prog: descriptors of every kind whose lines test_fds compares with
 * strace -f -y / -yy: files (absolute and relative to a chdir), a pipe,
 * a TCP connection on loopback, a UNIX socket pair, dup2 and F_DUPFD,
 * a thread whose descriptor the main thread uses (one table), a child
 * made by fork that uses what it inherited while its parent waits in a
 * read (calls shown in halves), and an exec that drops an O_CLOEXEC
 * descriptor.
 *
 * Usage: fds_prog DIR (DIR: an empty directory it may write in).
 * Run as "fds_prog DIR after FD_KEPT FD_DROPPED" by its own exec. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int after_exec(int kept, int dropped)
{
	getppid();
	write(kept, "after", 5);
	/* closed by the exec: EBADF, shown as a plain number */
	fcntl(dropped, F_GETFD);
	close(kept);
	return 0;
}

static void *opener(void *arg)
{
	*(int *)arg = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[2], "after"))
		return after_exec(atoi(argv[3]), atoi(argv[4]));
	if (argc != 2)
		return 2;
	const char *dir = argv[1];
	char path[4096];
	snprintf(path, sizeof path, "%s/a", dir);
	getppid();	/* the marker test_fds starts comparing at */

	int f = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	write(f, "hi", 2);
	int r = openat(AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC);
	char buf[64];
	read(r, buf, 4);
	lseek(r, 0, SEEK_SET);
	dup2(f, 30);
	write(30, "x", 1);
	close(30);
	int d = fcntl(f, F_DUPFD_CLOEXEC, 20);
	fsync(d);
	close(d);

	int p[2];
	pipe(p);
	write(p[1], "p", 1);
	read(p[0], buf, 1);
	close(p[0]);
	close(p[1]);

	/* a relative path after a chdir */
	chdir(dir);
	int b = open("b", O_CREAT | O_WRONLY, 0600);
	write(b, "b", 1);
	close(b);
	unlink("b");

	/* TCP on loopback */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&a, sizeof a);
	/* the port the kernel chose: known to the trace from here on */
	socklen_t len = sizeof a;
	getsockname(s, (struct sockaddr *)&a, &len);
	listen(s, 4);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof a);
	struct sockaddr_in peer;
	len = sizeof peer;
	int e = accept(s, (struct sockaddr *)&peer, &len);
	send(c, "hello", 5, 0);
	recv(e, buf, sizeof buf, 0);
	close(e);
	close(c);
	close(s);

	/* a UNIX socket pair */
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	send(sv[0], "u", 1, 0);
	recv(sv[1], buf, 1, 0);
	close(sv[0]);
	close(sv[1]);

	/* a thread's descriptor is the process's */
	pthread_t th;
	int h = -1;
	pthread_create(&th, NULL, opener, &h);
	pthread_join(th, NULL);
	read(h, buf, 1);
	close(h);

	/* a child that uses what it inherited and wakes its parent, blocked
	 * in a read meanwhile */
	int w[2];
	pipe(w);
	pid_t pid = fork();
	if (pid == 0) {
		lseek(r, 0, SEEK_SET);
		write(f, "c", 1);
		write(w[1], "w", 1);
		_exit(0);
	}
	read(w[0], buf, 1);
	int st;
	waitpid(pid, &st, 0);
	close(w[0]);
	close(w[1]);

	/* exec: f stays, the O_CLOEXEC r goes */
	char fs[16], rs[16];
	snprintf(fs, sizeof fs, "%d", f);
	snprintf(rs, sizeof rs, "%d", r);
	execl("/proc/self/exe", argv[0], dir, "after", fs, rs, (char *)NULL);
	return 1;
}
