/* test_fmt.c: what a user sees from the formatter and the three sinks.
 *
 * Events are built by hand (no shim, no rings) and the exact text is
 * compared with what strace prints for the same call. Tests must never
 * depend on the machine's locale, time zone or running processes.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

#include "../../common/record.h"
#include "../../exporter/decode/decode_fmt.h"
#include "../../exporter/options.h"
#include "../../exporter/sinks/sinks.h"

static struct rn_proc proc1 = { .pid = 1234 };
static struct rn_proc proc2 = { .pid = 1240 };

static struct rn_event ev_new(unsigned fn)
{
	struct rn_event ev;

	memset(&ev, 0, sizeof ev);
	ev.fn = (uint16_t)fn;
	ev.proc = &proc1;
	ev.tid = 1234;
	ev.t_enter_ns = 1700000000123456789ull;
	ev.t_exit_ns = ev.t_enter_ns + 123456;
	return ev;
}

static void cap_set(struct rn_event *ev, unsigned i, const void *data, size_t len,
		    uint8_t flags)
{
	ev->cap[i].data = data;
	ev->cap[i].len = (uint16_t)len;
	ev->cap[i].flags = flags;
	ev->cap[i].present = 1;
}

static void cap_str(struct rn_event *ev, unsigned i, const char *s)
{
	cap_set(ev, i, s, strlen(s), 0);
}

static char abuf[8192];
static char rbuf[256];

static const char *args_of(const struct rn_event *ev)
{
	size_t n = rn_fmt_args(abuf, sizeof abuf, ev);
	cr_assert_eq(n, strlen(abuf));
	return abuf;
}

static const char *ret_of(const struct rn_event *ev)
{
	rn_fmt_ret(rbuf, sizeof rbuf, ev);
	return rbuf;
}

/* ---- arguments ---- */

Test(fmt, open_creat_prints_mode)
{
	struct rn_event ev = ev_new(RN_IDX_open);
	ev.arg[0] = 0x5555000010;
	ev.arg[1] = O_WRONLY | O_CREAT | O_TRUNC;
	ev.arg[2] = 0644;
	cap_str(&ev, 1, "/tmp/f");
	ev.ret = 3;
	cr_assert_str_eq(rn_fmt_sysname(&ev), "openat");
	cr_assert_str_eq(args_of(&ev), "AT_FDCWD, \"/tmp/f\", O_WRONLY|O_CREAT|O_TRUNC, 0644");
	cr_assert_str_eq(ret_of(&ev), "3");
}

Test(fmt, open_without_creat_hides_mode)
{
	struct rn_event ev = ev_new(RN_IDX_openat);
	ev.arg[0] = (uint64_t)(int64_t)AT_FDCWD;
	ev.arg[1] = 0x5555000010;
	ev.arg[2] = O_RDONLY | O_CLOEXEC;
	ev.arg[3] = 0xdeadbeef;	/* va_arg garbage */
	cap_str(&ev, 1, "/etc/passwd");
	cr_assert_str_eq(args_of(&ev), "AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC");

	ev.arg[0] = 3;
	ev.arg[2] = O_RDWR | O_TMPFILE | O_EXCL;
	ev.arg[3] = 0600;
	cr_assert_str_eq(args_of(&ev), "3, \"/etc/passwd\", O_RDWR|O_EXCL|O_TMPFILE, 0600");
}

Test(fmt, open_flag_order_matches_strace)
{
	struct rn_event ev = ev_new(RN_IDX___open_2);
	ev.arg[1] = O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC;
	cap_str(&ev, 1, "/tmp");
	cr_assert_str_eq(args_of(&ev), "AT_FDCWD, \"/tmp\", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY");
	ev.arg[1] = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | 0x40000000;
	cr_assert_str_eq(args_of(&ev),
			 "AT_FDCWD, \"/tmp\", O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_PATH|O_DIRECTORY|0x40000000");
}

Test(fmt, stat_is_newfstatat)
{
	struct rn_event ev = ev_new(RN_IDX_stat);
	ev.arg[0] = 0x5555000010;
	ev.arg[1] = 0x7ffd1000;
	cap_str(&ev, 1, "/");
	cr_assert_str_eq(rn_fmt_sysname(&ev), "newfstatat");
	cr_assert_str_eq(args_of(&ev), "AT_FDCWD, \"/\", 0x7ffd1000, 0");

	struct rn_event f = ev_new(RN_IDX_fstat);
	f.arg[0] = 3;
	f.arg[1] = 0x7ffd1000;
	cr_assert_str_eq(args_of(&f), "3, \"\", 0x7ffd1000, AT_EMPTY_PATH");
}

Test(fmt, read_fd_buf_size)
{
	struct rn_event ev = ev_new(RN_IDX_read);
	ev.arg[0] = 3;
	ev.arg[1] = 0x7ffd1234;
	ev.arg[2] = 832;
	ev.ret = 832;
	cr_assert_str_eq(args_of(&ev), "3, 0x7ffd1234, 832");
	cr_assert_str_eq(ret_of(&ev), "832");

	/* fortify's buffer size is consumed, not printed */
	struct rn_event c = ev_new(RN_IDX___read_chk);
	c.arg[0] = 0;
	c.arg[1] = 0;
	c.arg[2] = 16;
	c.arg[3] = 64;
	cr_assert_str_eq(args_of(&c), "0, NULL, 16");
}

Test(fmt, failed_open_ret)
{
	struct rn_event ev = ev_new(RN_IDX_open);
	ev.ret = -1;
	ev.err = ENOENT;
	cr_assert_str_eq(ret_of(&ev), "-1 ENOENT (No such file or directory)");
	ev.err = 200;
	cr_assert_str_eq(ret_of(&ev), "-1 ERRNO_200 (Unknown error 200)");
	cr_assert_str_eq(rn_errno_name(EAGAIN), "EAGAIN");
	cr_assert_str_eq(rn_errno_name(133), "EHWPOISON");
	cr_assert_null(rn_errno_name(0));
	cr_assert_null(rn_errno_name(134));
}

Test(fmt, errnum_and_stream_returns)
{
	struct rn_event ev = ev_new(RN_IDX_pthread_create);
	ev.ret = EAGAIN;
	ev.err = EAGAIN;
	cr_assert_str_eq(ret_of(&ev), "-1 EAGAIN (Resource temporarily unavailable)");
	/* a success returns the new thread's id, as clone3 does */
	ev.ret = 1234;
	ev.err = 0;
	cr_assert_str_eq(ret_of(&ev), "1234");
	ev.ret = 0;
	cr_assert_str_eq(ret_of(&ev), "?", "an id the wrapper could not learn");
	/* posix_spawn is the clone3 it makes: the child's pid, from its
	 * captured pid argument; "?" without one; its error as clone3's */
	struct rn_event sp = ev_new(RN_IDX_posix_spawn);
	sp.ret = 0;
	cr_assert_str_eq(ret_of(&sp), "?");
	int32_t child = 4321;
	sp.cap[0] = (struct rn_capture){ .present = 1, .data = (const uint8_t *)&child,
					 .len = sizeof child };
	cr_assert_str_eq(ret_of(&sp), "4321");
	sp.ret = ENOENT;
	cr_assert_str_eq(ret_of(&sp), "-1 ENOENT (No such file or directory)");

	struct rn_event f = ev_new(RN_IDX_fopen);
	f.ret = 5;
	cr_assert_str_eq(ret_of(&f), "5");
}

Test(fmt, mmap_returns_address)
{
	struct rn_event ev = ev_new(RN_IDX_mmap);
	ev.arg[0] = 0;
	ev.arg[1] = 4096;
	ev.arg[2] = 3;
	ev.arg[3] = 0x22;
	ev.arg[4] = (uint64_t)-1;
	ev.arg[5] = 0;
	ev.ret = 0x7f0000001000;
	cr_assert_str_eq(args_of(&ev),
			 "NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0");
	cr_assert_str_eq(ret_of(&ev), "0x7f0000001000");
}

Test(fmt, string_escaping_like_strace)
{
	/* strace 6.1 printed exactly this for the same bytes */
	static const char p[] = "x\n\"\\\377\0011\033a\177\t";
	struct rn_event ev = ev_new(RN_IDX_unlink);
	cap_set(&ev, 0, p, sizeof p - 1, 0);
	cr_assert_str_eq(args_of(&ev), "\"x\\n\\\"\\\\\\377\\0011\\33a\\177\\t\"");
}

Test(fmt, string_truncated_null_unread)
{
	struct rn_event ev = ev_new(RN_IDX_unlink);
	ev.arg[0] = 0x1000;
	cap_set(&ev, 0, "abc", 3, RN_ITEM_TRUNC);
	cr_assert_str_eq(args_of(&ev), "\"abc\"...");
	cap_set(&ev, 0, NULL, 0, RN_ITEM_NULL);
	cr_assert_str_eq(args_of(&ev), "NULL");
	cap_set(&ev, 0, NULL, 0, RN_ITEM_UNREAD);
	cr_assert_str_eq(args_of(&ev), "0x1000");
}

Test(fmt, output_never_overflows)
{
	char small[12];
	struct rn_event ev = ev_new(RN_IDX_open);
	ev.arg[1] = O_WRONLY | O_CREAT;
	cap_str(&ev, 1, "/a/long/path/name");
	memset(small, 'Z', sizeof small);
	size_t n = rn_fmt_args(small, 8, &ev);
	cr_assert_lt(n, 8);
	cr_assert_eq(small[n], '\0');
	cr_assert_eq(small[8], 'Z');
	cr_assert_str_eq(small, "AT_FDCW");
	cr_assert_eq(rn_fmt_args(small, 0, &ev), 0);
	cr_assert_eq(small[0], 'A');
}

Test(fmt, sockaddr_inet)
{
	static const uint8_t in[16] = { 2, 0, 0, 80, 127, 0, 0, 1 };
	struct rn_event ev = ev_new(RN_IDX_connect);
	ev.arg[0] = 7;
	ev.arg[2] = 16;
	cap_set(&ev, 1, in, sizeof in, 0);
	cr_assert_str_eq(args_of(&ev),
			 "7, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}, 16");
}

Test(fmt, sockaddr_inet6)
{
	uint8_t in6[28] = { 10, 0, 0x01, 0xbb };
	in6[8 + 15] = 1;
	struct rn_event ev = ev_new(RN_IDX_connect);
	ev.arg[0] = 8;
	ev.arg[2] = 28;
	cap_set(&ev, 1, in6, sizeof in6, 0);
	cr_assert_str_eq(args_of(&ev),
			 "8, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
			 "inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28");
}

Test(fmt, sockaddr_unix_and_abstract)
{
	static const uint8_t un[] = { 1, 0, '/', 'r', 'u', 'n', '/', 'x', 0, 0, 0 };
	static const uint8_t ab[] = { 1, 0, 0, 'a', 'b', 's' };
	struct rn_event ev = ev_new(RN_IDX_bind);
	ev.arg[0] = 9;
	ev.arg[2] = 110;
	cap_set(&ev, 1, un, sizeof un, 0);
	cr_assert_str_eq(args_of(&ev), "9, {sa_family=AF_UNIX, sun_path=\"/run/x\"}, 110");
	ev.arg[2] = 6;
	cap_set(&ev, 1, ab, sizeof ab, 0);
	cr_assert_str_eq(args_of(&ev), "9, {sa_family=AF_UNIX, sun_path=@\"abs\"}, 6");
	/* a short capture is never read past its length */
	cap_set(&ev, 1, ab, 1, 0);
	cr_assert_str_eq(args_of(&ev), "9, {}, 6");
}

Test(fmt, sockaddr_out_failed_is_pointer)
{
	static const uint8_t in[16] = { 2, 0, 0, 80, 127, 0, 0, 1 };
	struct rn_event ev = ev_new(RN_IDX_accept);
	ev.arg[0] = 3;
	ev.arg[1] = 0x7ffe0000;
	ev.arg[2] = 0x7ffe0100;
	cap_set(&ev, 1, in, sizeof in, 0);
	ev.ret = -1;
	ev.err = EAGAIN;
	cr_assert_str_eq(args_of(&ev), "3, 0x7ffe0000, 0x7ffe0100");
}

Test(fmt, socket_names)
{
	struct rn_event ev = ev_new(RN_IDX_socket);
	ev.arg[0] = 2;
	ev.arg[1] = 1 | 02000000 | 04000;
	ev.arg[2] = 0;
	cr_assert_str_eq(args_of(&ev), "AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP");
	ev.arg[0] = 1;
	ev.arg[1] = 2;
	cr_assert_str_eq(args_of(&ev), "AF_UNIX, SOCK_DGRAM, 0");
}

Test(fmt, pipe_fds)
{
	int32_t fds[2] = { 3, 4 };
	struct rn_event ev = ev_new(RN_IDX_pipe);
	ev.arg[0] = 0x7ffc0000;
	cap_set(&ev, 0, fds, sizeof fds, 0);
	cr_assert_str_eq(rn_fmt_sysname(&ev), "pipe2");
	cr_assert_str_eq(args_of(&ev), "[3, 4], 0");

	struct rn_event p2 = ev_new(RN_IDX_pipe2);
	p2.arg[0] = 0x7ffc0000;
	p2.arg[1] = O_CLOEXEC | O_NONBLOCK;
	cap_set(&p2, 0, fds, sizeof fds, 0);
	cr_assert_str_eq(args_of(&p2), "[3, 4], O_NONBLOCK|O_CLOEXEC");
}

Test(fmt, wait_status)
{
	int32_t st = 3 << 8;
	struct rn_event ev = ev_new(RN_IDX_waitpid);
	ev.arg[0] = 1240;
	ev.arg[1] = 0x7ffc0000;
	ev.arg[2] = 0;
	cap_set(&ev, 1, &st, sizeof st, 0);
	cr_assert_str_eq(rn_fmt_sysname(&ev), "wait4");
	cr_assert_str_eq(args_of(&ev), "1240, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL");

	int32_t killed = 9;
	ev.arg[2] = 1 | 2 | 8 | 0x40000000;
	cap_set(&ev, 1, &killed, sizeof killed, 0);
	cr_assert_str_eq(args_of(&ev), "1240, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], "
			 "WNOHANG|WSTOPPED|WCONTINUED|__WALL, NULL");

	struct rn_event w = ev_new(RN_IDX_wait);
	w.arg[0] = 0;
	cap_set(&w, 1, NULL, 0, RN_ITEM_NULL);
	cr_assert_str_eq(args_of(&w), "-1, NULL, 0, NULL");
}

/* The kernel's other two wait states, decided as strace decides them
 * (the <sys/wait.h> macros): 0xffff once printed as stopped by signal 255. */
Test(fmt, wait_status_stopped_continued)
{
	int32_t st = (SIGTSTP << 8) | 0x7f;
	struct rn_event ev = ev_new(RN_IDX_wait4);
	ev.arg[0] = 1240;
	ev.arg[1] = 0x7ffc0000;
	ev.arg[2] = 2 | 8;
	cap_set(&ev, 1, &st, sizeof st, 0);
	cr_assert_str_eq(args_of(&ev), "1240, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTSTP}], "
			 "WSTOPPED|WCONTINUED, NULL");
	int32_t cont = 0xffff;
	cap_set(&ev, 1, &cont, sizeof cont, 0);
	cr_assert_str_eq(args_of(&ev), "1240, [{WIFCONTINUED(s)}], WSTOPPED|WCONTINUED, NULL");
}

/* syscall(2) records five arguments after the number: a call the kernel
 * gives six says so, and one that returns an address prints it in hex. */
Test(fmt, syscall_six_args_and_address)
{
	struct rn_event ev = ev_new(RN_IDX_syscall);
	ev.arg[0] = SYS_mmap;
	ev.arg[1] = 0;
	ev.arg[2] = 8192;
	ev.arg[3] = 3;
	ev.arg[4] = 0x22;
	ev.arg[5] = (uint64_t)-1;
	ev.ret = 0x7f0000001000;
	cr_assert_str_eq(rn_fmt_sysname(&ev), "mmap");
	cr_assert_str_eq(args_of(&ev), "0, 0x2000, 0x3, 0x22, 0xffffffffffffffff, ...");
	cr_assert_str_eq(ret_of(&ev), "0x7f0000001000");
	ev.arg[0] = SYS_getrandom;	/* three arguments: no ... */
	ev.ret = 16;
	cr_assert_str_eq(args_of(&ev), "0, 0x2000, 0x3");
	cr_assert_str_eq(ret_of(&ev), "16");
}

Test(fmt, fopen_mode_as_open_flags)
{
	struct rn_event ev = ev_new(RN_IDX_fopen);
	cap_str(&ev, 1, "/tmp/y");
	cap_str(&ev, 2, "w");
	cr_assert_str_eq(args_of(&ev), "AT_FDCWD, \"/tmp/y\", O_WRONLY|O_CREAT|O_TRUNC, 0666");
	cap_str(&ev, 2, "re");
	cr_assert_str_eq(args_of(&ev), "AT_FDCWD, \"/tmp/y\", O_RDONLY|O_CLOEXEC");
	cap_str(&ev, 2, "w+e");
	cr_assert_str_eq(args_of(&ev), "AT_FDCWD, \"/tmp/y\", O_RDWR|O_CREAT|O_TRUNC|O_CLOEXEC, 0666");
	cap_str(&ev, 2, "ax");
	cr_assert_str_eq(args_of(&ev), "AT_FDCWD, \"/tmp/y\", O_WRONLY|O_CREAT|O_EXCL|O_APPEND, 0666");

	/* freopen's FILE * is consumed silently */
	struct rn_event fr = ev_new(RN_IDX_freopen);
	cap_str(&fr, 1, "/tmp/y");
	cap_str(&fr, 2, "a+");
	fr.arg[2] = 2;
	cr_assert_str_eq(args_of(&fr), "AT_FDCWD, \"/tmp/y\", O_RDWR|O_CREAT|O_APPEND, 0666");
}

Test(fmt, syscall_by_number)
{
	struct rn_event ev = ev_new(RN_IDX_syscall);
	ev.arg[0] = 318;	/* getrandom */
	ev.arg[1] = 0x7ffd0000;
	ev.arg[2] = 16;
	ev.arg[3] = 0;
	ev.arg[4] = 0x1234;	/* registers the kernel does not read */
	ev.arg[5] = 0x5678;
	ev.ret = 16;
	cr_assert_str_eq(rn_fmt_sysname(&ev), "getrandom");
	cr_assert_str_eq(args_of(&ev), "0x7ffd0000, 0x10, 0");
	ev.arg[0] = 39;	/* getpid */
	cr_assert_str_eq(rn_fmt_sysname(&ev), "getpid");
	cr_assert_str_eq(args_of(&ev), "");
	ev.arg[0] = 999;
	cr_assert_str_eq(rn_fmt_sysname(&ev), "syscall_0x3e7");
	cr_assert_str_eq(args_of(&ev), "0x7ffd0000, 0x10, 0, 0x1234, 0x5678");
	cr_assert_str_eq(rn_sysno_name(0), "read");
	cr_assert_str_eq(rn_sysno_name(435), "clone3");
}

Test(fmt, exec_argv_envp)
{
	static const uint8_t av[] = { 2, 0, 'l', 's', 2, 0, '-', 'l', 3, 0, 'a', '\n', 'b' };
	uint32_t nenv = 37;
	struct rn_event ev = ev_new(RN_IDX_execve);
	ev.arg[0] = 0x1000;
	ev.arg[1] = 0x2000;
	ev.arg[2] = 0x7ffc0000;
	cap_str(&ev, 0, "/bin/ls");
	cap_set(&ev, 1, av, sizeof av, 0);
	cap_set(&ev, 2, &nenv, sizeof nenv, 0);
	ev.flags = RN_EV_UNFINISHED;
	cr_assert_str_eq(args_of(&ev),
			 "\"/bin/ls\", [\"ls\", \"-l\", \"a\\nb\"], 0x7ffc0000 /* 37 vars */");
	cr_assert_str_eq(ret_of(&ev), "?");

	/* execv's envp is environ; a cut argv says so after the bracket */
	struct rn_event v = ev_new(RN_IDX_execv);
	cap_str(&v, 0, "/bin/ls");
	cap_set(&v, 1, av, 4, RN_ITEM_TRUNC);
	cap_set(&v, 2, &nenv, sizeof nenv, 0);
	v.arg[2] = 0x7ffc0100;
	cr_assert_str_eq(args_of(&v), "\"/bin/ls\", [\"ls\"]..., 0x7ffc0100 /* 37 vars */");
	/* a length that runs past the payload is cut, never read beyond */
	cap_set(&v, 1, av, 3, 0);
	cr_assert_str_eq(args_of(&v), "\"/bin/ls\", [\"l\"]..., 0x7ffc0100 /* 37 vars */");
}

/* fcntl's F_GETFL and F_GETFD results are flags, as strace shows them;
 * other commands return a number. */
Test(fmt, fcntl_flag_returns)
{
	struct rn_event ev = ev_new(RN_IDX_fcntl);
	ev.arg[0] = 3;
	ev.arg[1] = F_GETFL;
	ev.ret = 0x8002;
	cr_assert_str_eq(ret_of(&ev), "0x8002 (flags O_RDWR|O_LARGEFILE)");
	ev.arg[1] = F_GETFD;
	ev.ret = FD_CLOEXEC;
	cr_assert_str_eq(ret_of(&ev), "0x1 (flags FD_CLOEXEC)");
	ev.ret = 0;
	cr_assert_str_eq(ret_of(&ev), "0");
	ev.arg[1] = F_DUPFD_CLOEXEC;
	ev.ret = 10;
	cr_assert_str_eq(ret_of(&ev), "10");
	ev.ret = -1;
	ev.err = EBADF;
	cr_assert_str_eq(ret_of(&ev), "-1 EBADF (Bad file descriptor)");
}

Test(fmt, small_scalars)
{
	struct rn_event ev = ev_new(RN_IDX_fcntl);
	ev.arg[0] = 3;
	ev.arg[1] = 1;
	ev.arg[2] = 0x77;
	cr_assert_str_eq(args_of(&ev), "3, F_GETFD");
	ev.arg[1] = 2;
	ev.arg[2] = 1;
	cr_assert_str_eq(args_of(&ev), "3, F_SETFD, FD_CLOEXEC");
	ev.arg[1] = 1030;
	ev.arg[2] = 10;
	cr_assert_str_eq(args_of(&ev), "3, F_DUPFD_CLOEXEC, 10");

	struct rn_event fd = ev_new(RN_IDX_fdopen);
	fd.arg[0] = 4;
	fd.arg[1] = 0x1000;
	cr_assert_str_eq(rn_fmt_sysname(&fd), "fcntl");
	cr_assert_str_eq(args_of(&fd), "4, F_GETFL");

	struct rn_event a = ev_new(RN_IDX_access);
	cap_str(&a, 0, "/");
	a.arg[1] = 0;
	cr_assert_str_eq(args_of(&a), "\"/\", F_OK");
	a.arg[1] = 7;
	cr_assert_str_eq(args_of(&a), "\"/\", R_OK|W_OK|X_OK");

	struct rn_event k = ev_new(RN_IDX_kill);
	k.arg[0] = 1240;
	k.arg[1] = 9;
	cr_assert_str_eq(args_of(&k), "1240, SIGKILL");
	k.arg[1] = 0;
	cr_assert_str_eq(args_of(&k), "1240, 0");

	struct rn_event m = ev_new(RN_IDX_mkdir);
	cap_str(&m, 0, "d");
	m.arg[1] = 0;
	cr_assert_str_eq(args_of(&m), "\"d\", 000");

	struct rn_event u = ev_new(RN_IDX_unlinkat);
	u.arg[0] = (uint64_t)(int64_t)-100;
	cap_str(&u, 1, "x");
	u.arg[2] = 0x200;
	cr_assert_str_eq(args_of(&u), "AT_FDCWD, \"x\", AT_REMOVEDIR");

	struct rn_event l = ev_new(RN_IDX_lseek);
	l.arg[0] = 3;
	l.arg[1] = (uint64_t)-5;
	l.arg[2] = 2;
	cr_assert_str_eq(args_of(&l), "3, -5, SEEK_END");

	struct rn_event n = ev_new(RN_IDX_nanosleep);
	int64_t ts[2] = { 0, 1000 };
	cap_set(&n, 2, ts, sizeof ts, 0);
	n.arg[1] = 0;
	cr_assert_str_eq(rn_fmt_sysname(&n), "clock_nanosleep");
	cr_assert_str_eq(args_of(&n), "CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=1000}, NULL");

	struct rn_event o = ev_new(RN_IDX_opendir);
	cap_str(&o, 1, "/tmp");
	cr_assert_str_eq(args_of(&o), "AT_FDCWD, \"/tmp\", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY");

	struct rn_event s = ev_new(RN_IDX_send);
	s.arg[0] = 7;
	s.arg[1] = 0x1000;
	s.arg[2] = 1;
	s.arg[3] = 0x40 | 0x4000;
	cr_assert_str_eq(rn_fmt_sysname(&s), "sendto");
	cr_assert_str_eq(args_of(&s), "7, 0x1000, 1, MSG_DONTWAIT|MSG_NOSIGNAL, NULL, 0");
}

/* ---- JSON escaping ---- */

/* Strict UTF-8 check, independent of the code under test. */
static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i], need, cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) { need = 1; cp = c & 0x1f; }
		else if ((c & 0xf0) == 0xe0) { need = 2; cp = c & 0x0f; }
		else if ((c & 0xf8) == 0xf0) { need = 3; cp = c & 0x07; }
		else return 0;
		if (i + need >= n)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

Test(json, escape_invalid_utf8)
{
	static const uint8_t in[] = "a\xff" "b\xc3\xa9\xed\xa0\x80\"\\\n\x01\xf0\x9f\x98\x80\xe2\x82";
	char out[256];
	size_t n = rn_json_escape(out, sizeof out, in, sizeof in - 1);
	cr_assert_str_eq(out, "a\\u00ffb\xc3\xa9\\u00ed\\u00a0\\u0080\\\"\\\\\\n\\u0001"
			      "\xf0\x9f\x98\x80\\u00e2\\u0082");
	cr_assert_eq(n, strlen(out));
	cr_assert(valid_utf8((const unsigned char *)out, n));
}

Test(json, escape_never_cuts_an_escape)
{
	static const uint8_t in[] = "\xff\xff\xff";
	char out[10];
	size_t n = rn_json_escape(out, sizeof out, in, 3);
	cr_assert_eq(n, 6);
	cr_assert_str_eq(out, "\\u00ff");
}

/* ---- sinks ---- */

struct cap_out {
	char *buf;
	size_t len;
	FILE *f;
};

static void out_open(struct cap_out *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	cr_assert_not_null(c->f);
}

static const char *out_text(struct cap_out *c)
{
	fflush(c->f);
	return c->buf;
}

static void pad39(char *dst, size_t cap, const char *call, const char *rest)
{
	snprintf(dst, cap, "%-39s%s", call, rest);
}

Test(text, line_alignment_and_ret)
{
	struct cap_out c;
	struct rn_sink s;
	struct rn_text_opts o;
	char want[512];

	memset(&o, 0, sizeof o);
	out_open(&c);
	cr_assert_eq(rn_sink_text_new(&s, c.f, &o), 0);

	struct rn_event ev = ev_new(RN_IDX_close);
	ev.arg[0] = 3;
	cr_assert_eq(s.event(&s, &ev), 0);

	struct rn_event st = ev_new(RN_IDX_stat);
	st.arg[1] = 0x7ffd1000;
	cap_str(&st, 1, "/nonexistent/file/name");
	st.ret = -1;
	st.err = ENOENT;
	cr_assert_eq(s.event(&s, &st), 0);

	pad39(want, sizeof want, "close(3)", " = 0\n");
	strcat(want, "newfstatat(AT_FDCWD, \"/nonexistent/file/name\", 0x7ffd1000, 0) = -1 ENOENT "
		     "(No such file or directory)\n");
	cr_assert_str_eq(out_text(&c), want);
	cr_assert_eq(s.finish(&s, &(struct rn_stats){ 0 }), 0);
	cr_assert_str_eq(out_text(&c), want);
	s.destroy(&s);
	fclose(c.f);
	free(c.buf);
}

Test(text, pid_prefix_timestamps_durations_exit_and_loss)
{
	struct cap_out c;
	struct rn_sink s;
	struct rn_text_opts o;
	char want[1024], l[256];

	setenv("TZ", "UTC", 1);
	tzset();
	memset(&o, 0, sizeof o);
	o.tstamp = RN_TS_TT;
	o.durations = 1;
	out_open(&c);
	cr_assert_eq(rn_sink_text_new(&s, c.f, &o), 0);

	struct rn_event a = ev_new(RN_IDX_getsockopt);
	a.arg[0] = 3;
	a.arg[1] = 1;
	a.arg[2] = 4;
	cr_assert_eq(s.event(&s, &a), 0);
	/* one process so far: no prefix; 1700000000 is 22:13:20 UTC */
	snprintf(want, sizeof want, "%-39s%s", "22:13:20.123456 getsockopt(3, SOL_SOCKET, SO_ERROR, NULL, NULL)",
		 " = 0 <0.000123>\n");

	struct rn_event b = ev_new(RN_IDX_exit);
	b.proc = &proc2;
	b.tid = 1240;
	b.arg[0] = 0;
	b.flags = RN_EV_UNFINISHED;
	cr_assert_eq(s.event(&s, &b), 0);
	snprintf(l, sizeof l, "%-39s%s", "[pid  1240] 22:13:20.123456 exit_group(0)", " = ?\n");
	strcat(want, l);

	proc2.has_exit = 1;
	proc2.exit_code = 0;
	proc2.t_end_ns = 1700000001000000000ull;
	cr_assert_eq(s.proc_end(&s, &proc2), 0);
	strcat(want, "[pid  1240] 22:13:21.000000 +++ exited with 0 +++\n");

	struct rn_stats stats = { .lost_full = 3, .lost_nested = 1, .lost_noring = 2 };
	cr_assert_eq(s.finish(&s, &stats), 0);
	strcat(want, "renacer: 6 events lost (ring full: 3, signal nesting: 1, no ring: 2)\n");
	cr_assert_str_eq(out_text(&c), want);
	s.destroy(&s);
	fclose(c.f);
	free(c.buf);
}

/* A line the order window lets through after later ones (a resumed or
 * unfinished half, a signal, an end: reorder.c) never shows a time
 * earlier than the line before it, as strace shows a resumed half when it
 * sees the return; -T keeps the call's true duration. */
Test(text, late_lines_never_go_back)
{
	struct cap_out c;
	struct rn_sink s;
	struct rn_text_opts o;
	struct rn_proc pa = { .pid = 500 }, pb = { .pid = 600 };
	const uint64_t t0 = 1700000000500000000ull, ms = 1000000ull;

	memset(&o, 0, sizeof o);
	o.tstamp = RN_TS_TTT;
	o.durations = 1;
	out_open(&c);
	cr_assert_eq(rn_sink_text_new(&s, c.f, &o), 0);

	struct rn_event a = ev_new(RN_IDX_close);
	a.proc = &pa;
	a.tid = 500;
	a.arg[0] = 3;
	a.t_enter_ns = t0;
	a.t_exit_ns = t0 + 10000;
	cr_assert_eq(s.event(&s, &a), 0);

	/* the return came before a's entry, its record after a's line */
	struct rn_event b = ev_new(RN_IDX_read);
	b.proc = &pb;
	b.tid = 600;
	b.split = RN_SPLIT_RESUMED;
	b.ret = 0;
	b.t_enter_ns = t0 - 30 * ms;
	b.t_exit_ns = t0 - 2 * ms;
	cr_assert_eq(s.event(&s, &b), 0);

	struct rn_event e = ev_new(RN_IDX_wait4);
	e.proc = &pb;
	e.tid = 600;
	e.split = RN_SPLIT_ENTRY;
	e.flags = RN_EV_UNFINISHED;
	e.t_enter_ns = e.t_exit_ns = t0 - 40 * ms;
	cr_assert_eq(s.event(&s, &e), 0);

	struct rn_event g;
	memset(&g, 0, sizeof g);
	g.proc = &pb;
	g.tid = 600;
	g.flags = RN_EV_SIGNAL;
	g.arg[0] = SIGCHLD;
	g.t_enter_ns = g.t_exit_ns = t0 - 1 * ms;
	cr_assert_eq(s.event(&s, &g), 0);

	pb.has_exit = 1;
	pb.t_end_ns = t0 - ms / 2;
	cr_assert_eq(s.proc_end(&s, &pb), 0);

	struct rn_event f = ev_new(RN_IDX_close);
	f.proc = &pa;
	f.tid = 500;
	f.arg[0] = 4;
	f.t_enter_ns = t0 + 1 * ms;
	f.t_exit_ns = t0 + 1 * ms + 5000;
	cr_assert_eq(s.event(&s, &f), 0);

	const char *out = out_text(&c);
	fprintf(stderr, "%s", out);
	double last = 0;
	unsigned lines = 0;
	for (const char *l = out; *l; lines++) {
		const char *ts = strncmp(l, "[pid", 4) ? l : strstr(l, "] ");
		cr_assert_not_null(ts, "no prefix: %s", l);
		double t = strtod(ts == l ? l : ts + 2, NULL);
		cr_assert_geq(t, last, "went back: %s", l);
		last = t;
		const char *nl = strchr(l, '\n');
		cr_assert_not_null(nl);
		l = nl + 1;
	}
	cr_assert_eq(lines, 6);
	/* shown at the time of the line before, each at its true duration */
	cr_assert_not_null(strstr(out, "[pid   600] 1700000000.500000 <... read resumed>"), "%s", out);
	cr_assert_not_null(strstr(out, "<0.028000>\n"), "%s", out);
	cr_assert_not_null(strstr(out, "[pid   600] 1700000000.500000 +++ exited with 0 +++\n"), "%s", out);
	cr_assert_not_null(strstr(out, "[pid   500] 1700000000.501000 close(4)"), "%s", out);
	s.destroy(&s);
	fclose(c.f);
	free(c.buf);
}

Test(text, ttt_and_t)
{
	struct cap_out c;
	struct rn_sink s;
	struct rn_text_opts o;
	char want[256];

	setenv("TZ", "UTC", 1);
	tzset();
	memset(&o, 0, sizeof o);
	o.tstamp = RN_TS_TTT;
	out_open(&c);
	cr_assert_eq(rn_sink_text_new(&s, c.f, &o), 0);
	struct rn_event ev = ev_new(RN_IDX_dup);
	ev.arg[0] = 1;
	ev.ret = 4;
	cr_assert_eq(s.event(&s, &ev), 0);
	snprintf(want, sizeof want, "%-39s = 4\n", "1700000000.123456 dup(1)");
	cr_assert_str_eq(out_text(&c), want);
	s.destroy(&s);
	fclose(c.f);
	free(c.buf);

	o.tstamp = RN_TS_T;
	out_open(&c);
	cr_assert_eq(rn_sink_text_new(&s, c.f, &o), 0);
	cr_assert_eq(s.event(&s, &ev), 0);
	snprintf(want, sizeof want, "%-39s = 4\n", "22:13:20 dup(1)");
	cr_assert_str_eq(out_text(&c), want);
	s.destroy(&s);
	fclose(c.f);
	free(c.buf);
}

Test(json, event_lines)
{
	struct cap_out c;
	struct rn_sink s;

	out_open(&c);
	cr_assert_eq(rn_sink_json_new(&s, c.f), 0);

	static const char path[] = "/tmp/\xff\"q\"";
	struct rn_event ev = ev_new(RN_IDX_fopen);
	cap_set(&ev, 1, path, sizeof path - 1, 0);
	cap_str(&ev, 2, "w");
	ev.ret = -1;
	ev.err = EACCES;
	cr_assert_eq(s.event(&s, &ev), 0);
	const char *want1 =
		"{\"ts\":1700000000123456789,\"pid\":1234,\"tid\":1234,\"syscall\":\"openat\","
		"\"func\":\"fopen\",\"args\":[\"AT_FDCWD\",\"\\\"/tmp/\\\\377\\\\\\\"q\\\\\\\"\\\"\","
		"\"O_WRONLY|O_CREAT|O_TRUNC\",\"0666\"],"
		"\"ret\":-1,\"errno\":\"EACCES\","
		"\"dur_ns\":123456,\"path\":\"/tmp/\\u00ff\\\"q\\\"\","
		"\"values\":[\"AT_FDCWD\",\"/tmp/\\u00ff\\\"q\\\"\",[\"O_WRONLY\",\"O_CREAT\",\"O_TRUNC\"],438]}\n";
	cr_assert_str_eq(out_text(&c), want1);
	cr_assert(valid_utf8((const unsigned char *)c.buf, c.len));

	struct rn_event ex = ev_new(RN_IDX__exit);
	ex.arg[0] = 3;
	ex.flags = RN_EV_UNFINISHED;
	cr_assert_eq(s.event(&s, &ex), 0);
	proc1.has_exit = 1;
	proc1.exit_code = 3;
	cr_assert_eq(s.proc_end(&s, &proc1), 0);
	proc1.has_exit = 0;
	struct rn_stats stats = { .lost_full = 1, .lost_nested = 0, .lost_noring = 4 };
	cr_assert_eq(s.finish(&s, &stats), 0);
	char want[2048];
	snprintf(want, sizeof want, "%s%s%s%s", want1,
		 "{\"ts\":1700000000123456789,\"pid\":1234,\"tid\":1234,\"syscall\":\"exit_group\","
		 "\"func\":\"_exit\",\"args\":[\"3\"],\"unfinished\":true,\"values\":[3]}\n",
		 "{\"event\":\"exit\",\"pid\":1234,\"code\":3}\n",
		 "{\"lost\":5,\"lost_full\":1,\"lost_nested\":0,\"lost_noring\":4}\n");
	cr_assert_str_eq(out_text(&c), want);
	s.destroy(&s);
	fclose(c.f);
	free(c.buf);
}

/* ---- summary ---- */

/* The row for name: its numeric columns, as a user would read them. */
struct row {
	double pct, secs;
	unsigned long long usecs, calls, errors;
	double p50, p99, max;
};

static double col_num(const char *line, size_t at, size_t w)
{
	char f[32];
	memcpy(f, line + at, w);
	f[w] = '\0';
	return strtod(f, NULL);
}

/* Columns are fixed-width as in strace -c; errors is blank when zero. */
static int find_row(const char *text, const char *name, struct row *r)
{
	char line[512];
	const char *p = text;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n >= sizeof line)
			n = sizeof line - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p += e ? n + 1 : n;
		if (n < 79 || strcmp(line + 78, name))
			continue;
		r->pct = col_num(line, 0, 6);
		r->secs = col_num(line, 7, 11);
		r->usecs = (unsigned long long)col_num(line, 19, 11);
		r->calls = (unsigned long long)col_num(line, 31, 9);
		r->errors = (unsigned long long)col_num(line, 41, 9);
		r->p50 = col_num(line, 51, 8);
		r->p99 = col_num(line, 60, 8);
		r->max = col_num(line, 69, 8);
		return 0;
	}
	return -1;
}

Test(summary, percentiles_and_table)
{
	struct cap_out c;
	struct rn_sink s;
	struct rn_summary_opts o;
	struct row r;

	memset(&o, 0, sizeof o);
	o.sortby = RN_SORT_TIME;
	out_open(&c);
	cr_assert_eq(rn_sink_summary_new(&s, c.f, &o), 0);

	/* read: 1..1000 us, shuffled; openat: 10 calls of 3 us, 2 failing */
	for (unsigned i = 0; i < 1000; i++) {
		struct rn_event ev = ev_new(RN_IDX_read);
		uint64_t us = (i * 617u) % 1000u + 1;
		ev.t_exit_ns = ev.t_enter_ns + us * 1000;
		cr_assert_eq(s.event(&s, &ev), 0);
	}
	for (unsigned i = 0; i < 10; i++) {
		struct rn_event ev = ev_new(i & 1 ? RN_IDX_fopen : RN_IDX_open);
		ev.t_exit_ns = ev.t_enter_ns + 3000;
		if (i < 2) {
			ev.ret = -1;
			ev.err = ENOENT;
		}
		cr_assert_eq(s.event(&s, &ev), 0);
	}
	cr_assert_eq(s.finish(&s, &(struct rn_stats){ .lost_noring = 2 }), 0);
	const char *t = out_text(&c);

	static const char hdr[] =
		"% time     seconds  usecs/call     calls    errors    p50us    p99us    maxus syscall\n"
		"------ ----------- ----------- --------- --------- -------- -------- -------- ----------------\n";
	cr_assert(!strncmp(t, hdr, sizeof hdr - 1), "header:\n%s", t);
	cr_assert_eq(find_row(t, "read", &r), 0, "%s", t);
	cr_assert_eq(r.calls, 1000);
	cr_assert_eq(r.errors, 0);
	cr_assert_float_eq(r.secs, 0.5005, 1e-6);
	cr_assert_eq(r.usecs, 500);
	cr_assert_float_eq(r.p50, 500.0, 500.0 * 0.02, "p50 %f", r.p50);
	cr_assert_float_eq(r.p99, 990.0, 990.0 * 0.02, "p99 %f", r.p99);
	cr_assert_float_eq(r.max, 1000.0, 1e-9);

	/* one row for both libc entry points of openat */
	cr_assert_eq(find_row(t, "openat", &r), 0, "%s", t);
	cr_assert_eq(r.calls, 10);
	cr_assert_eq(r.errors, 2);
	cr_assert_float_eq(r.p50, 3.0, 0.06);

	cr_assert_eq(find_row(t, "total", &r), 0, "%s", t);
	cr_assert_eq(r.calls, 1010);
	cr_assert_eq(r.errors, 2);
	cr_assert_float_eq(r.pct, 100.0, 1e-9);

	/* time order: read before openat */
	cr_assert_lt(strstr(t, " read\n"), strstr(t, " openat\n"));
	cr_assert_not_null(strstr(t, "renacer: 2 events lost (ring full: 0, signal nesting: 0, no ring: 2)\n"));
	s.destroy(&s);
	fclose(c.f);
	free(c.buf);
}

Test(summary, without_complete_the_last_line_says_how_to_see_libc_calls)
{
	struct cap_out c;
	struct rn_sink s;
	struct rn_summary_opts o;

	memset(&o, 0, sizeof o);
	out_open(&c);
	cr_assert_eq(rn_sink_summary_new(&s, c.f, &o), 0);
	struct rn_event ev = ev_new(RN_IDX_read);
	cr_assert_eq(s.event(&s, &ev), 0);
	cr_assert_eq(s.finish(&s, NULL), 0);
	const char *t = out_text(&c);
	const char *l = strstr(t, "renacer: calls made inside libc");
	cr_assert_not_null(l, "%s", t);
	cr_assert(strstr(l, "--complete counts them\n") && !strchr(strchr(l, '\n') + 1, '\n'),
		  "the last line: %s", t);
	s.destroy(&s);
	fclose(c.f);
	free(c.buf);
}

Test(summary, sort_by_name_and_calls)
{
	struct cap_out c;
	struct rn_sink s;
	struct rn_summary_opts o;

	memset(&o, 0, sizeof o);
	o.sortby = RN_SORT_NAME;
	o.complete = 1;	/* no line about libc's own calls: nothing but the table */
	out_open(&c);
	cr_assert_eq(rn_sink_summary_new(&s, c.f, &o), 0);
	unsigned fns[] = { RN_IDX_write, RN_IDX_close, RN_IDX_close, RN_IDX_read };
	for (unsigned i = 0; i < 4; i++) {
		struct rn_event ev = ev_new(fns[i]);
		cr_assert_eq(s.event(&s, &ev), 0);
	}
	cr_assert_eq(s.finish(&s, NULL), 0);
	const char *t = out_text(&c);
	cr_assert_lt(strstr(t, " close\n"), strstr(t, " read\n"));
	cr_assert_lt(strstr(t, " read\n"), strstr(t, " write\n"));
	cr_assert_null(strstr(t, "renacer:"));
	s.destroy(&s);
	fclose(c.f);
	free(c.buf);

	o.sortby = RN_SORT_CALLS;
	out_open(&c);
	cr_assert_eq(rn_sink_summary_new(&s, c.f, &o), 0);
	for (unsigned i = 0; i < 4; i++) {
		struct rn_event ev = ev_new(fns[i]);
		cr_assert_eq(s.event(&s, &ev), 0);
	}
	cr_assert_eq(s.finish(&s, NULL), 0);
	t = out_text(&c);
	/* close (2 calls) first, then write and read in first-seen order */
	cr_assert_lt(strstr(t, " close\n"), strstr(t, " write\n"));
	cr_assert_lt(strstr(t, " write\n"), strstr(t, " read\n"));
	s.destroy(&s);
	fclose(c.f);
	free(c.buf);
}

/* ---- control messages (recvmsg's msghdr with the bytes the shim kept) ---- */

/* A recvmsg event whose msghdr capture holds one iovec ("x") and ctl
 * (cl bytes, of controllen the program's header says) after it; cl_field
 * is the length the capture claims for them. */
static uint8_t cm_buf[1024];
static struct rn_event cm_event(const void *ctl, uint16_t cl, uint16_t cl_field, size_t controllen)
{
	struct rn_event ev = ev_new(RN_IDX_recvmsg);
	struct msghdr m = { .msg_iov = (struct iovec *)0x7ffc1000, .msg_iovlen = 1,
			    .msg_control = (void *)0x7ffc2000, .msg_controllen = controllen };
	struct iovec v = { (void *)0x7ffc3000, 4 };
	uint16_t nl = 0, ni = 1, l = 1;
	size_t o = 0;
	memcpy(cm_buf + o, &m, sizeof m), o += sizeof m;
	memcpy(cm_buf + o, &nl, 2), o += 2;
	memcpy(cm_buf + o, &ni, 2), o += 2;
	memcpy(cm_buf + o, &v, sizeof v), o += sizeof v;
	memcpy(cm_buf + o, &l, 2), o += 2;
	cm_buf[o++] = 'x';
	memcpy(cm_buf + o, &cl_field, 2), o += 2;
	memcpy(cm_buf + o, ctl, cl), o += cl;
	ev.arg[0] = 4;
	ev.arg[1] = 0x7ffc0000;
	ev.ret = 1;
	ev.vec_pos = 1;
	cap_set(&ev, RN_CAP_VEC, cm_buf, o, 0);
	return ev;
}

#define CM_HEAD "4, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=4}], msg_iovlen=1, "

Test(fmt, control_messages_as_strace)
{
	union {
		struct cmsghdr h;
		uint8_t b[64];
	} c;
	memset(&c, 0, sizeof c);
	c.h.cmsg_len = CMSG_LEN(2 * sizeof(int));
	c.h.cmsg_level = SOL_SOCKET;
	c.h.cmsg_type = SCM_RIGHTS;
	int fds[2] = { 7, 8 };
	memcpy(CMSG_DATA(&c.h), fds, sizeof fds);
	struct rn_event ev = cm_event(&c, CMSG_SPACE(sizeof fds), CMSG_SPACE(sizeof fds),
				      CMSG_SPACE(sizeof fds));
	cr_assert_str_eq(args_of(&ev), CM_HEAD "msg_control=[{cmsg_len=24, cmsg_level=SOL_SOCKET, "
				       "cmsg_type=SCM_RIGHTS, cmsg_data=[7, 8]}], msg_controllen=24, "
				       "msg_flags=0}, 0");

	/* more than the shim kept: what it kept, then "..." */
	ev = cm_event(&c, CMSG_SPACE(sizeof fds), CMSG_SPACE(sizeof fds), 4096);
	cr_assert(strstr(args_of(&ev), "cmsg_data=[7, 8]}, ... /* 0x7ffc2018 */], msg_controllen=4096"),
		  "%s", abuf);
}

Test(fmt, hostile_control_messages_are_bounded)
{
	union {
		struct cmsghdr h;
		uint8_t b[64];
	} c;
	memset(&c, 0, sizeof c);
	int fds[2] = { 7, 8 };
	memcpy(CMSG_DATA(&c.h), fds, sizeof fds);
	c.h.cmsg_level = SOL_SOCKET;
	c.h.cmsg_type = SCM_RIGHTS;

	/* a cmsg_len past the bytes there: only those are read (strace's
	 * rule: the data is what the buffer holds) */
	c.h.cmsg_len = (size_t)1 << 40;
	struct rn_event ev = cm_event(&c, 24, 24, 24);
	cr_assert(strstr(args_of(&ev), "msg_control=[{cmsg_len=1099511627776, cmsg_level=SOL_SOCKET, "
				       "cmsg_type=SCM_RIGHTS, cmsg_data=[7, 8]}]"), "%s", abuf);

	/* a cmsg_len shorter than its header: nothing after it is read */
	c.h.cmsg_len = 4;
	ev = cm_event(&c, 40, 40, 40);
	cr_assert(strstr(args_of(&ev), "msg_control=[{cmsg_len=4, cmsg_level=SOL_SOCKET, "
				       "cmsg_type=SCM_RIGHTS}, ... /* 0x7ffc2010 */]"), "%s", abuf);

	/* a length field claiming more bytes than the capture holds: the
	 * address, as without control bytes */
	c.h.cmsg_len = 24;
	ev = cm_event(&c, 24, 600, 24);
	cr_assert(strstr(args_of(&ev), "msg_control=0x7ffc2000, msg_controllen=24"), "%s", abuf);

	/* a small output buffer is never overrun */
	char small[40];
	memset(small, 'Z', sizeof small);
	ev = cm_event(&c, 24, 24, 24);
	rn_fmt_args(small, 32, &ev);
	cr_assert_eq(small[32], 'Z');
	cr_assert_lt(strlen(small), 32);
}
