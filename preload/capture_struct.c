/* capture_struct.c: the items of a call's structure and array arguments:
 * socket addresses and their lengths, the outputs the kernel filled
 * (stat, statx, rlimit, utsname, sigaction, epoll events, wait status,
 * pipe fds) and the inputs it read (timespec, pollfd and iovec arrays,
 * socket options, ioctl arguments). Part of the capture (capture.h).
 *
 * Runs inside the traced program, on the slow path of a wrapper. Never
 * reads an output the call did not fill (only after a success), never
 * more than the caller's buffer, never an input the kernel refused
 * (EFAULT); never uses more than the stack budget (each case ends in a
 * tail call, so this frame is not stacked under the copy's).
 */
#include "capture.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>

/* Bytes of ioctl's third argument the kernel read or wrote for request
 * 'req', as the headers define them; 0 when not known (then the argument
 * is shown as a number, as strace does for requests it does not decode).
 * Requests encoded with _IOC carry their size; the old tty ones do not. */
static uint32_t rn_ioctl_argsize(unsigned long req)
{
	switch (req) {
	case TIOCGWINSZ: case TIOCSWINSZ:
		return sizeof(struct winsize);
	case TCGETS: case TCSETS: case TCSETSW: case TCSETSF:
		return rn_ktermios_size;	/* the kernel's, not glibc's */
	case FIONREAD: case TIOCOUTQ: case FIONBIO: case FIOASYNC: case TIOCGPGRP:
	case TIOCSPGRP: case TIOCGSID: case TIOCGETD: case TIOCSETD: case TIOCMGET:
	case TIOCMSET: case TIOCMBIS: case TIOCMBIC: case TIOCGPTN: case TIOCSPTLCK:
	case TIOCGPKT: case TIOCPKT: case TIOCGEXCL:
		return sizeof(int);
	default:
		if (_IOC_DIR(req) != _IOC_NONE && _IOC_SIZE(req) && _IOC_SIZE(req) <= 64)
			return _IOC_SIZE(req);
		return 0;
	}
}

/* A socklen_t pointer: before the call (rn_addrlen_pre, when known), then
 * what the kernel wrote: after a success, its to vouch for. Apart from
 * rn_cw_struct: its locals have their address taken, which would keep
 * that frame under every copy it hands on (no tail call). */
static __attribute__((noinline)) void rn_cw_socklen(struct rn_cw *w, const void *p, uint64_t before,
						   int ok)
{
	uint32_t v2[2] = { (uint32_t)before, ok && p ? *(const uint32_t *)p : 0 };
	if (!p || !ok) {
		rn_cw_mem(w, RN_ARG_SOCKLENP, p, 4, 0);
	} else if (before & RN_ADDRLEN_KNOWN) {
		rn_cw_item(w, RN_ARG_SOCKLENP, 0, 8);
		rn_cw_put(w, v2, 8);
	} else {
		rn_cw_item(w, RN_ARG_SOCKLENP, 0, 4);
		rn_cw_put(w, &v2[1], 4);
	}
}

void rn_cw_struct(struct rn_cw *w, unsigned ty, unsigned k, const uint64_t *a, uint32_t nargs,
		  int err, int64_t ret)
{
	int ok = err == 0;
	uint64_t v = k < nargs ? a[k] : 0;
	uint64_t next = k + 1 < nargs ? a[k + 1] : 0;
	const void *p = (const void *)(uintptr_t)v;
	switch (ty) {
	case RN_ARG_SOCKADDR:
		rn_cw_mem(w, (uint8_t)ty, p, next < 128 ? (uint32_t)next : 128, err != EFAULT);
		break;
	case RN_ARG_SOCKADDR_OUT: {
		/* The kernel wrote min(buffer size before the call, the
		 * address's length) bytes and reports the latter: copy no
		 * more than the caller's buffer. After a successful call
		 * the length pointer is the kernel's to vouch for. */
		uint64_t before = a[RN_ADDRLEN_SLOT];
		uint32_t len = 0;
		if (ok && p && next)
			len = *(const uint32_t *)(uintptr_t)next;
		if (len > (uint32_t)before)
			len = (uint32_t)before;
		rn_cw_mem(w, (uint8_t)ty, p, len < 128 ? len : 128,
			  ok && next && (before & RN_ADDRLEN_KNOWN));
		break;
	}
	case RN_ARG_PIPEFDS:
		rn_cw_mem(w, (uint8_t)ty, p, 8, ok);
		break;
	case RN_ARG_STATUSP:
		rn_cw_mem(w, (uint8_t)ty, p, 4, ok && ret > 0);
		break;
	case RN_ARG_PIDP:
		rn_cw_mem(w, (uint8_t)ty, p, 4, ok);
		break;
	case RN_ARG_TIMESPEC:
		rn_cw_mem(w, (uint8_t)ty, p, 16, err != EFAULT);
		break;
	/* outputs the kernel filled: read only after a success */
	case RN_ARG_STATBUF:
		rn_cw_mem(w, (uint8_t)ty, p, sizeof(struct stat), ok);
		break;
	case RN_ARG_STATXBUF:
		rn_cw_mem(w, (uint8_t)ty, p, sizeof(struct statx), ok);
		break;
	case RN_ARG_RLIMIT_OUT:
		rn_cw_mem(w, (uint8_t)ty, p, sizeof(struct rlimit), ok);
		break;
	case RN_ARG_UTSNAME:
		rn_cw_mem(w, (uint8_t)ty, p, sizeof(struct utsname), ok);
		break;
	case RN_ARG_SIGACTION_OUT:
		rn_cw_mem(w, (uint8_t)ty, p, sizeof(struct sigaction), ok);
		break;
	case RN_ARG_EPOLLEVS: {
		uint32_t n = ok && ret > 0 ? (uint32_t)ret : 0;
		rn_cw_mem(w, (uint8_t)ty, p,
			  (n < RN_ARRAY_MAX ? n : RN_ARRAY_MAX) * sizeof(struct epoll_event),
			  ok);
		break;
	}
	/* inputs the kernel read (poll's also filled): unless it
	 * refused the address */
	case RN_ARG_RLIMIT:
		rn_cw_mem(w, (uint8_t)ty, p, sizeof(struct rlimit), err != EFAULT);
		break;
	case RN_ARG_SIGACTION:
		rn_cw_mem(w, (uint8_t)ty, p, sizeof(struct sigaction), err != EFAULT);
		break;
	case RN_ARG_EPOLLEV:
		rn_cw_mem(w, (uint8_t)ty, p, sizeof(struct epoll_event), err != EFAULT);
		break;
	case RN_ARG_POLLFDS:
		rn_cw_mem(w, (uint8_t)ty, p,
			  (uint32_t)(next < RN_ARRAY_MAX ? next : RN_ARRAY_MAX) *
				  sizeof(struct pollfd),
			  err != EFAULT);
		break;
	case RN_ARG_IOVEC: case RN_ARG_IOVEC_OUT:
		rn_cw_mem(w, (uint8_t)ty, p,
			  (uint32_t)((uint32_t)next < RN_ARRAY_MAX ? (uint32_t)next
								  : RN_ARRAY_MAX) *
				  sizeof(struct iovec),
			  err != EFAULT && (int32_t)next > 0);
		break;
	case RN_ARG_SOCKOPTVAL:
		rn_cw_mem(w, (uint8_t)ty, p, (uint32_t)next < 64 ? (uint32_t)next : 64,
			  err != EFAULT);
		break;
	case RN_ARG_SOCKLENP:
		rn_cw_socklen(w, p, a[RN_ADDRLEN_SLOT], ok);
		break;
	case RN_ARG_IOCTLARG: {
		/* the request is the argument before */
		uint32_t n = k ? rn_ioctl_argsize((unsigned long)a[k - 1]) : 0;
		rn_cw_mem(w, (uint8_t)ty, p, n, ok && n);
		break;
	}
	default:
		break;
	}
}
