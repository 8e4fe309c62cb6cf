/* capture.c: what a call's record carries beyond its 64 bytes: the
 * arguments the table marks as captured (paths, strings, argv, socket
 * addresses, filled-in outputs), copied into continuation records after
 * the call, and the fault-safe reads of the program's memory they need.
 *
 * Runs inside the traced program, on the slow path of a wrapper. Must
 * never read more than the caller's buffer, never dereference a pointer
 * the kernel has not vouched for except through rn_safe_read, never make a
 * system call once sandboxed, and never use more than the stated stack
 * budget (RN_STACK_BUDGET).
 */
#include "shim_priv.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>

#include "../common/rawsys.h"

/* -------------------------------------------- the program's memory */

/* Pages per process_vm_readv: each remote piece stays inside one page,
 * because the call never splits an iovec (a piece crossing into an
 * unmapped page would fail whole). 2 keep the iovecs at 64 bytes of
 * stack (RN_STACK_BUDGET): a string rarely spans more than two pages. */
#define RN_SAFE_PIECES 2

size_t rn_safe_read(void *dst, const void *src, size_t n)
{
	if (rn_g.sandboxed)
		return 0;
	size_t done = 0;
	while (done < n) {
		struct iovec l[RN_SAFE_PIECES], r[RN_SAFE_PIECES];
		unsigned k = 0;
		size_t want = 0;
		for (uintptr_t a = (uintptr_t)src + done; k < RN_SAFE_PIECES && done + want < n; k++) {
			size_t piece = 4096 - (a & 4095);
			if (piece > n - done - want)
				piece = n - done - want;
			l[k] = (struct iovec){ (char *)dst + done + want, piece };
			r[k] = (struct iovec){ (void *)a, piece };
			want += piece;
			a += piece;
		}
		long got = rn_sys6(SYS_process_vm_readv, rn_pid, (long)l, k, (long)r, k, 0);
		if (got <= 0)
			break;
		done += (size_t)got;
		if ((size_t)got < want)
			break;
	}
	return done;
}

uint64_t rn_addrlen_slow(const uint32_t *len)
{
	uint32_t v;
	return rn_safe_read(&v, len, sizeof v) == sizeof v ? RN_ADDRLEN_KNOWN | v : 0;
}

/* Stack bounds for rn_addrlen_before: the main thread's stack runs from
 * where the kernel started it (__libc_stack_end) down to its size limit,
 * a range the kernel keeps free of other mappings. */
extern void *__libc_stack_end;

void rn_stack_note_main(void)
{
	struct rlimit rl;
	uintptr_t hi = (uintptr_t)__libc_stack_end;
	uint64_t size = 8u << 20;
	if (rn_sys2(SYS_getrlimit, RLIMIT_STACK, &rl) == 0 && rl.rlim_cur < (128u << 20))
		size = rl.rlim_cur;
	if (!hi || hi < size + 65536)
		return;
	rn_t.stack_lo = hi - size + 65536;
	rn_t.stack_hi = hi;
}

/* A thread started through our pthread_create: its stack of 'size' bytes
 * (a guard of 'guard' bytes at the bottom) ends just above its thread
 * control block; 'hi' is the frame of our start routine, above every frame
 * of the program's. */
void rn_stack_note_thread(uintptr_t hi, size_t size, size_t guard)
{
	uintptr_t tp = (uintptr_t)pthread_self();
	uintptr_t margin = guard + 8192;
	rn_t.stack_lo = rn_t.stack_hi = 0;
	if (!hi || tp < size || tp - size + margin >= hi)
		return;
	rn_t.stack_lo = tp - size + margin;
	rn_t.stack_hi = hi;
}

/* ------------------------------------------------------ captured items */

/* Writes continuation bytes after the record slot, wrapping at the ring's
 * end. 'off' counts bytes from the first continuation slot. */
struct rn_cw {
	struct rn_prod *p;
	uint32_t off;
	uint32_t cap;		/* bytes available */
	int safe;		/* read the program's memory with process_vm_readv */
};

static uint8_t *rn_cw_at(const struct rn_cw *w, uint32_t off, uint32_t *contig)
{
	uint64_t ringbytes = (w->p->mask + 1) * RN_REC_SIZE;
	uint64_t pos = (((w->p->tail + 1) & w->p->mask) * RN_REC_SIZE + off) % ringbytes;
	*contig = (uint32_t)(ringbytes - pos);
	return (uint8_t *)w->p->slots + pos;
}

static void rn_cw_put(struct rn_cw *w, const void *src, uint32_t n)
{
	const uint8_t *s = src;
	while (n) {
		uint32_t contig;
		uint8_t *d = rn_cw_at(w, w->off, &contig);
		uint32_t k = n < contig ? n : contig;
		memcpy(d, s, k);
		w->off += k;
		s += k;
		n -= k;
	}
}

/* Copies up to n bytes of the program's memory at src into the ring;
 * returns the bytes copied. In safe mode a bad address yields a short copy
 * instead of a crash. */
static uint32_t rn_cw_copy_user(struct rn_cw *w, const void *src, uint32_t n)
{
	if (!w->safe) {
		rn_cw_put(w, src, n);
		return n;
	}
	uint32_t done = 0;
	while (done < n) {
		uint32_t contig;
		uint8_t *d = rn_cw_at(w, w->off, &contig);
		uint32_t k = n - done < contig ? n - done : contig;
		uint32_t got = (uint32_t)rn_safe_read(d, (const char *)src + done, k);
		w->off += got;
		done += got;
		if (got < k)
			break;
	}
	return done;
}

static void rn_cw_item(struct rn_cw *w, uint8_t tag, uint8_t flags, uint16_t len)
{
	struct rn_item it = { tag, flags, len };
	rn_cw_put(w, &it, sizeof it);
}

/* Patches an item header written earlier at 'at'. */
static void rn_cw_patch(struct rn_cw *w, uint32_t at, uint8_t tag, uint8_t flags, uint16_t len)
{
	uint32_t save = w->off;
	w->off = at;
	rn_cw_item(w, tag, flags, len);
	w->off = save;
}

/* Copies the string s, at most limit bytes, to w->off; returns its length
 * and adds RN_ITEM_TRUNC or RN_ITEM_UNREAD to *flags. Never reads past the
 * terminator, which may be the last byte of a mapping (argv and environ
 * strings end at the top of the stack). In safe mode it reads page by page:
 * process_vm_readv does not split an iovec, so one crossing into an
 * unmapped page would fail whole. */
static uint32_t rn_cw_str(struct rn_cw *w, const char *s, uint32_t limit, uint8_t *flags)
{
	uint32_t body = w->off;
	if (!w->safe) {
		size_t n = strnlen(s, (size_t)limit + 1);
		if (n > limit) {
			n = limit;
			*flags |= RN_ITEM_TRUNC;
		}
		rn_cw_put(w, s, (uint32_t)n);
		return (uint32_t)n;
	}
	uint32_t len = 0;
	while (len <= limit) {
		uint32_t chunk = 4096 - (uint32_t)(((uintptr_t)s + len) & 4095);
		if (chunk > limit + 1 - len)
			chunk = limit + 1 - len;
		uint32_t got = rn_cw_copy_user(w, s + len, chunk);
		for (uint32_t i = 0; i < got;) {
			uint32_t contig;
			const uint8_t *p = rn_cw_at(w, body + len + i, &contig);
			uint32_t k = got - i < contig ? got - i : contig;
			const uint8_t *z = memchr(p, 0, k);
			if (z) {
				len += i + (uint32_t)(z - p);
				w->off = body + len;
				return len;
			}
			i += k;
		}
		len += got;
		if (got < chunk) {	/* unreadable from here on */
			*flags |= len ? RN_ITEM_TRUNC : RN_ITEM_UNREAD;
			break;
		}
	}
	if (len > limit) {
		len = limit;
		*flags |= RN_ITEM_TRUNC;
	}
	w->off = body + len;
	return len;
}

/* A NUL-terminated string, cut at limit bytes. */
static void rn_cw_string(struct rn_cw *w, uint8_t tag, const char *s, uint32_t limit)
{
	uint32_t at = w->off;
	if (!s) {
		rn_cw_item(w, tag, RN_ITEM_NULL, 0);
		return;
	}
	if (limit > w->cap - w->off - 5)
		limit = w->cap - w->off - 5;
	rn_cw_item(w, tag, 0, 0);
	uint8_t flags = 0;
	uint32_t len = rn_cw_str(w, s, limit, &flags);
	rn_cw_patch(w, at, tag, flags, (uint16_t)len);
}

/* Fixed-size output or input memory. */
static void rn_cw_mem(struct rn_cw *w, uint8_t tag, const void *p, uint32_t n, int readable)
{
	if (!p) {
		rn_cw_item(w, tag, RN_ITEM_NULL, 0);
		return;
	}
	if (!readable || n > w->cap - w->off - 4) {
		rn_cw_item(w, tag, RN_ITEM_UNREAD, 0);
		return;
	}
	uint32_t at = w->off;
	rn_cw_item(w, tag, 0, 0);
	uint32_t got = rn_cw_copy_user(w, p, n);
	rn_cw_patch(w, at, tag, got == n ? 0 : RN_ITEM_UNREAD, (uint16_t)got);
}

/* noinline, like rn_cw_envp: their frames are never stacked on top of the
 * string and memory copies' (RN_STACK_BUDGET) */
static __attribute__((noinline)) void rn_cw_argv(struct rn_cw *w, char *const *argv,
						  uint32_t strsize)
{
	if (!argv) {
		rn_cw_item(w, RN_ARG_ARGV, RN_ITEM_NULL, 0);
		return;
	}
	uint32_t at = w->off;
	uint8_t flags = 0;
	rn_cw_item(w, RN_ARG_ARGV, 0, 0);
	uint32_t budget = RN_STRSIZE_MAX;
	for (unsigned i = 0;; i++) {
		const char *s;
		if (!w->safe)
			s = argv[i];	/* the call succeeded: the kernel read it */
		else if (rn_safe_read(&s, argv + i, sizeof s) != sizeof s) {
			flags |= RN_ITEM_UNREAD;
			break;
		}
		if (!s)
			break;
		if (i == RN_ARGV_MAX || budget < 16 || w->cap - w->off < 32) {
			flags |= RN_ITEM_TRUNC;
			break;
		}
		/* each string: u16 length then its bytes */
		uint32_t lenat = w->off;
		uint16_t zero = 0;
		rn_cw_put(w, &zero, 2);
		uint32_t lim = strsize < budget ? strsize : budget;
		if (lim > w->cap - w->off - 5)
			lim = w->cap - w->off - 5;
		uint32_t len = rn_cw_str(w, s, lim, &flags);
		uint16_t l16 = (uint16_t)len;
		uint32_t save = w->off;
		w->off = lenat;
		rn_cw_put(w, &l16, 2);
		w->off = save;
		budget -= len + 2;
	}
	rn_cw_patch(w, at, RN_ARG_ARGV, flags, (uint16_t)(w->off - at - 4));
}

/* The number of variables; in safe mode (the kernel has not read envp)
 * counted through fault-safe reads, a few pointers at a time. */
static __attribute__((noinline)) void rn_cw_envp(struct rn_cw *w, char *const *envp)
{
	uint32_t n = 0;
	if (!envp) {
		rn_cw_item(w, RN_ARG_ENVP, RN_ITEM_NULL, 0);
		return;
	}
	if (!w->safe) {
		while (envp[n])
			n++;
	} else {
		for (;;) {
			char *chunk[8];
			size_t got = rn_safe_read(chunk, envp + n, sizeof chunk) / sizeof *chunk;
			unsigned i = 0;
			while (i < got && chunk[i])
				i++;
			n += i;
			if (i < got)
				break;
			if (got < 8 || n > (1u << 20)) {
				rn_cw_item(w, RN_ARG_ENVP, RN_ITEM_UNREAD, 0);
				return;
			}
		}
	}
	rn_cw_item(w, RN_ARG_ENVP, 0, 4);
	rn_cw_put(w, &n, 4);
}

/* Elements of an array argument kept at most (pollfd, epoll_event,
 * iovec): strace too abbreviates long arrays. */
#define RN_ARRAY_MAX 32

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

/* Bytes of an iovec array's buffers kept at most, all elements together
 * (each keeps at most datasize, as strace's -s applies to each). */
#define RN_VEC_DATA_MAX 4096
/* a msghdr's control messages kept (an SCM_RIGHTS of 60 descriptors) */
#define RN_CMSG_MAX 256

static uint32_t rn_vec_data_bound(void)
{
	if (!rn_g.datasize)
		return 0;
	uint32_t n = RN_ARRAY_MAX * rn_g.datasize;
	return 4 + 1 + RN_ARRAY_MAX * 2 + (n < RN_VEC_DATA_MAX ? n : RN_VEC_DATA_MAX);
}

/* Upper bound of the item bytes a call may need. */
uint32_t rn_ext_bound(const struct rn_fn_info *fi, uint32_t strsize)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < fi->ntypes; i++) {
		switch (fi->types[i]) {
		case RN_ARG_PATH: case RN_ARG_STR: case RN_ARG_FMODE:
			n += 4 + strsize + 1;
			break;
		case RN_ARG_ARGV:
			n += 4 + RN_STRSIZE_MAX + 2 * RN_ARGV_MAX + 64;
			break;
		case RN_ARG_SOCKADDR: case RN_ARG_SOCKADDR_OUT:
			n += 4 + 128;
			break;
		case RN_ARG_STATBUF:
			n += 4 + sizeof(struct stat);
			break;
		case RN_ARG_STATXBUF:
			n += 4 + sizeof(struct statx);
			break;
		case RN_ARG_POLLFDS:
			n += 4 + RN_ARRAY_MAX * sizeof(struct pollfd);
			break;
		case RN_ARG_EPOLLEVS:
			n += 4 + RN_ARRAY_MAX * sizeof(struct epoll_event);
			break;
		case RN_ARG_IOVEC: case RN_ARG_IOVEC_OUT:
			n += 4 + RN_ARRAY_MAX * sizeof(struct iovec) + rn_vec_data_bound() +
			     (rn_g.dump_on ? 4 + 1 + 4 + RN_ARRAY_MAX * 2 + RN_DUMP_MAX : 0);
			break;
		case RN_ARG_MSGHDR: case RN_ARG_MSGHDR_OUT:
			n += 4 + 16 + (rn_g.datasize ? 4 + 1 + sizeof(struct msghdr) + 2 + 128 + 2 +
							RN_ARRAY_MAX * sizeof(struct iovec) +
							rn_vec_data_bound() + 2 + RN_CMSG_MAX : 0);
			break;
		case RN_ARG_IOCTLARG: case RN_ARG_SOCKOPTVAL:
			n += 4 + 64;
			break;
		case RN_ARG_UTSNAME:
			n += 4 + sizeof(struct utsname);
			break;
		case RN_ARG_SIGACTION: case RN_ARG_SIGACTION_OUT:
			n += 4 + sizeof(struct sigaction);
			break;
		case RN_ARG_DATA_IN: case RN_ARG_DATA_OUT:
			n += 4 + 16 + (rn_g.datasize ? 4 + 1 + rn_g.datasize : 0) +
			     (rn_g.dump_on ? 4 + 1 + 4 + RN_DUMP_MAX : 0);
			break;
		default:
			n += 4 + 16;
		}
	}
	n += 2 * (4 + 8);	/* scalars past the fourth */
	return n < RN_EXT_MAX ? n : RN_EXT_MAX;
}

/* Reads one iovec of the program's: directly when the kernel vouched for
 * the array (a successful call), else fault-safe. */
static int rn_iov_get(const struct rn_cw *w, const struct iovec *v, struct iovec *out)
{
	if (!w->safe) {
		*out = *v;
		return 1;
	}
	return rn_safe_read(out, v, sizeof *out) == sizeof *out;
}

/* The first bytes of each of cnt buffers of an iovec array: each as a
 * u16 length then its bytes, at most datasize each and RN_VEC_DATA_MAX
 * all together; out: the kernel filled 'have' bytes in order (readv),
 * else each buffer is whole (writev). Returns 0 when the array could not
 * be read. */
static int rn_cw_vec_data_n(struct rn_cw *w, const struct iovec *vec, uint32_t cnt, int out,
			    uint64_t have, uint32_t each, uint32_t budget)
{
	if (cnt > RN_ARRAY_MAX)
		cnt = RN_ARRAY_MAX;
	for (uint32_t j = 0; j < cnt; j++) {
		struct iovec v;
		if (!rn_iov_get(w, vec + j, &v))
			return 0;
		uint64_t avail = v.iov_len;
		if (out) {
			avail = avail < have ? avail : have;
			have -= avail;
		}
		uint32_t n = avail < each ? (uint32_t)avail : each;
		if (n > budget)
			n = budget;
		if (w->cap - w->off < 2u + n)
			n = w->cap - w->off < 2 ? 0 : w->cap - w->off - 2;
		if (w->cap - w->off < 2)
			return 1;
		uint32_t at = w->off;
		uint16_t l = 0;
		rn_cw_put(w, &l, 2);
		l = (uint16_t)rn_cw_copy_user(w, v.iov_base, n);
		budget -= l;
		uint32_t save = w->off;
		w->off = at;
		rn_cw_put(w, &l, 2);
		w->off = save;
	}
	return 1;
}

static int rn_cw_vec_data(struct rn_cw *w, const struct iovec *vec, uint32_t cnt, int out,
			  uint64_t have)
{
	return rn_cw_vec_data_n(w, vec, cnt, out, have, rn_g.datasize, RN_VEC_DATA_MAX);
}

/* A msghdr with data capture on: the header as the program has it after
 * the call, its name (msg_namelen bytes, 128 at most: the kernel's
 * sockaddr_storage), its iovecs (RN_ARRAY_MAX at most) and their bytes,
 * then (when every iovec's piece is there) its control messages: a u16
 * length and msg_controllen bytes, RN_CMSG_MAX at most. */
static void rn_cw_msghdr(struct rn_cw *w, const struct msghdr *mp, int out, uint64_t have)
{
	struct msghdr m;
	if (w->safe ? rn_safe_read(&m, mp, sizeof m) != sizeof m : (m = *mp, 0))
		return;
	if (w->cap - w->off < sizeof m + 4 + 128 + RN_ARRAY_MAX * sizeof(struct iovec))
		return;
	rn_cw_put(w, &m, sizeof m);
	uint16_t nl = m.msg_name && m.msg_namelen ? (uint16_t)(m.msg_namelen < 128 ? m.msg_namelen : 128)
						   : 0;
	uint32_t at = w->off;
	rn_cw_put(w, &nl, 2);
	nl = (uint16_t)(nl ? rn_cw_copy_user(w, m.msg_name, nl) : 0);
	uint32_t save = w->off;
	w->off = at;
	rn_cw_put(w, &nl, 2);
	w->off = save;
	uint16_t ni = (uint16_t)(m.msg_iov ? (m.msg_iovlen < RN_ARRAY_MAX ? m.msg_iovlen : RN_ARRAY_MAX) : 0);
	at = w->off;
	rn_cw_put(w, &ni, 2);
	uint32_t got = ni ? rn_cw_copy_user(w, m.msg_iov, ni * (uint32_t)sizeof(struct iovec)) : 0;
	if (got != ni * sizeof(struct iovec)) {
		w->off = at + 2 + got - got % sizeof(struct iovec);
		ni = (uint16_t)(got / sizeof(struct iovec));
		save = w->off;
		w->off = at;
		rn_cw_put(w, &ni, 2);
		w->off = save;
		return;
	}
	if (!rn_cw_vec_data(w, m.msg_iov, ni, out, have) || !m.msg_control || !m.msg_controllen ||
	    w->cap - w->off < 2)
		return;
	uint16_t cl = (uint16_t)(m.msg_controllen < RN_CMSG_MAX ? m.msg_controllen : RN_CMSG_MAX);
	if (cl > w->cap - w->off - 2)
		cl = (uint16_t)(w->cap - w->off - 2);
	at = w->off;
	rn_cw_put(w, &cl, 2);
	cl = (uint16_t)rn_cw_copy_user(w, m.msg_control, cl);
	save = w->off;
	w->off = at;
	rn_cw_put(w, &cl, 2);
	w->off = save;
}

/* -e read=/write=: the descriptor of a data row (its first argument) is
 * one whose buffers are dumped whole */
static int rn_dump_wants(const struct rn_fn_info *fi, const uint64_t *a, int write)
{
	uint64_t fd = a[0];
	return fi->types[0] == RN_ARG_FD && fd < RN_DUMP_FDS &&
	       (rn_g.dump_fds[write][fd / 8] & (1u << (fd % 8)));
}

void rn_dump_init(const char *spec)
{
	int d = 0;
	for (const char *p = spec; p && *p;) {
		if (*p == ';') {
			d = 1;
			p++;
			continue;
		}
		uint32_t fd = 0;
		int digits = 0;
		while (*p >= '0' && *p <= '9' && fd < RN_DUMP_FDS) {
			fd = fd * 10 + (uint32_t)(*p++ - '0');
			digits = 1;
		}
		if (digits && fd < RN_DUMP_FDS) {
			rn_g.dump_fds[d][fd / 8] |= (uint8_t)(1u << (fd % 8));
			rn_g.dump_on = 1;
		}
		while (*p && *p != ',' && *p != ';')
			p++;
		p += *p == ',';
	}
}

/* The first bytes of each data buffer (RN_ITEM_DATA), after every other
 * item: what the kernel read (DATA_IN, its count the next argument) unless
 * it refused the address, or what it filled (DATA_OUT, as many as the call
 * returned); for an iovec array or a msghdr, its buffers' (and header's).
 * Then, for a descriptor chosen by -e read=/write=, the whole buffer
 * (RN_ITEM_DUMP, RN_DUMP_MAX bytes at most). */
static __attribute__((noinline)) void rn_write_data(struct rn_cw *w, const struct rn_fn_info *fi,
						    const uint64_t *a, int err, int64_t ret)
{
	unsigned k = 0;
	for (unsigned pass = 0; pass < 1u + !!rn_g.dump_on; pass++) {
		k = 0;
		for (unsigned i = 0; i < fi->ntypes; i++) {
			unsigned ty = fi->types[i];
			if (rn_arg_is_implied(ty))
				continue;
			const void *p = (const void *)(uintptr_t)(k < fi->nargs ? a[k] : 0);
			uint64_t next = k + 1 < fi->nargs ? a[k + 1] : 0;
			k++;
			int in = ty == RN_ARG_DATA_IN || ty == RN_ARG_IOVEC || ty == RN_ARG_MSGHDR;
			int vec = ty == RN_ARG_IOVEC || ty == RN_ARG_IOVEC_OUT || ty == RN_ARG_MSGHDR ||
				  ty == RN_ARG_MSGHDR_OUT;
			if (!vec && ty != RN_ARG_DATA_IN && ty != RN_ARG_DATA_OUT)
				continue;
			uint64_t have;
			/* an array's buffers: no more than the call moved, read
			 * in order (a short write vouches for no more) */
			if (vec && err != EFAULT && (err || ret >= 0))
				have = err ? ~0ull : (uint64_t)ret;
			else if (in && err != EFAULT)
				have = ty == RN_ARG_DATA_IN ? next : ~0ull;
			else if (!in && !err && ret >= 0)
				have = (uint64_t)ret;
			else
				continue;
			if (!p || w->cap - w->off < 5 + 1)
				continue;
			if (pass == 1 && (ty == RN_ARG_IOVEC || ty == RN_ARG_IOVEC_OUT)) {
				/* an iovec array's buffers: each as a u16 length
				 * and its bytes, RN_DUMP_MAX together */
				if (!rn_dump_wants(fi, a, in) || (int32_t)next <= 0 ||
				    w->cap - w->off < 4 + 1 + 4 + 2)
					continue;
				uint32_t at = w->off;
				rn_cw_item(w, RN_ITEM_DUMP, 0, 0);
				uint8_t pos = (uint8_t)i;
				rn_cw_put(w, &pos, 1);
				uint32_t total = 0;	/* patched below: the bytes kept */
				rn_cw_put(w, &total, 4);
				uint32_t room = w->cap - w->off;
				if (!rn_cw_vec_data_n(w, p, (uint32_t)next, 1, have, RN_DUMP_MAX,
						      room < RN_DUMP_MAX ? room : RN_DUMP_MAX)) {
					w->off = at;
					continue;
				}
				total = w->off - at - 9;
				uint32_t save = w->off;
				w->off = at + 5;
				rn_cw_put(w, &total, 4);
				w->off = save;
				rn_cw_patch(w, at, RN_ITEM_DUMP, 0, (uint16_t)(w->off - at - 4));
				continue;
			}
			if (pass == 1) {	/* dumps: plain buffers */
				if ((ty != RN_ARG_DATA_IN && ty != RN_ARG_DATA_OUT) ||
				    !rn_dump_wants(fi, a, in) || w->cap - w->off < 4 + 1 + 4 + 1)
					continue;
				uint32_t n = have < RN_DUMP_MAX ? (uint32_t)have : RN_DUMP_MAX;
				if (n > w->cap - w->off - 9)
					n = w->cap - w->off - 9;
				uint32_t at = w->off;
				rn_cw_item(w, RN_ITEM_DUMP, 0, 0);
				uint8_t pos = (uint8_t)i;
				uint32_t total = have < UINT32_MAX ? (uint32_t)have : UINT32_MAX;
				rn_cw_put(w, &pos, 1);
				rn_cw_put(w, &total, 4);
				uint32_t got = rn_cw_copy_user(w, p, n);
				rn_cw_patch(w, at, RN_ITEM_DUMP, got < have ? RN_ITEM_TRUNC : 0,
					    (uint16_t)(5 + got));
				continue;
			}
			if (!rn_g.datasize)
				continue;
			uint32_t at = w->off;
			rn_cw_item(w, RN_ITEM_DATA, 0, 0);
			uint8_t pos = (uint8_t)i;
			rn_cw_put(w, &pos, 1);
			if (ty == RN_ARG_MSGHDR || ty == RN_ARG_MSGHDR_OUT) {
				rn_cw_msghdr(w, p, 1, have);
				rn_cw_patch(w, at, RN_ITEM_DATA, 0, (uint16_t)(w->off - at - 4));
				continue;
			}
			if (ty == RN_ARG_IOVEC || ty == RN_ARG_IOVEC_OUT) {
				if ((int32_t)next <= 0 || !rn_cw_vec_data(w, p, (uint32_t)next, 1, have)) {
					w->off = at;	/* nothing worth showing */
					continue;
				}
				rn_cw_patch(w, at, RN_ITEM_DATA, 0, (uint16_t)(w->off - at - 4));
				continue;
			}
			uint32_t n = have < rn_g.datasize ? (uint32_t)have : rn_g.datasize;
			if (n > w->cap - w->off)
				n = w->cap - w->off;
			uint32_t got = rn_cw_copy_user(w, p, n);
			rn_cw_patch(w, at, RN_ITEM_DATA, got < have ? RN_ITEM_TRUNC : 0, (uint16_t)(1 + got));
		}
	}
}

/* A failed call's string the kernel must have copied whole before
 * failing as it did (up to its NUL, at most PATH_MAX bytes), so that a
 * plain read of it cannot fault: the call's first path, when the error
 * is one only a path walk returns, or an xattr name when the attribute was
 * looked for (ENODATA). Not once a seccomp filter may have answered for
 * the kernel (RET_ERRNO can be any error): the process has none, asked
 * once (PR_GET_SECCOMP) on this slow path. Saves a process_vm_readv per
 * failed path call (ENOENT in PATH searches, ls -l's xattr queries). */
static int rn_kernel_read_it(unsigned ty, int first_path, int err, uint32_t limit)
{
	static int filtered = -1;
	if (limit >= 4096 || rn_g.sandboxed)
		return 0;
	if (ty == RN_ARG_PATH && first_path) {
		if (err != ENOENT && err != ENOTDIR && err != ELOOP && err != ENAMETOOLONG &&
		    err != ENODATA)
			return 0;
	} else if (ty != RN_ARG_STR || err != ENODATA) {
		return 0;
	}
	int f = __atomic_load_n(&filtered, __ATOMIC_RELAXED);
	if (f < 0) {
		f = rn_sys1(SYS_prctl, PR_GET_SECCOMP) != 0;
		__atomic_store_n(&filtered, f, __ATOMIC_RELAXED);
	}
	return !f;
}

/* Writes every item of one call; returns the bytes used. */
static uint32_t rn_write_items(struct rn_cw *w, const struct rn_fn_info *fi, const uint64_t *a,
			       int err, int64_t ret, uint32_t strsize)
{
	int ok = err == 0;
	unsigned k = 0, paths = 0;
	for (unsigned i = 0; i < fi->ntypes; i++) {
		unsigned ty = fi->types[i];
		if (rn_arg_is_implied(ty))
			continue;
		uint64_t v = k < fi->nargs ? a[k] : 0;
		uint64_t next = k + 1 < fi->nargs ? a[k + 1] : 0;
		const void *p = (const void *)(uintptr_t)v;
		switch (ty) {
		case RN_ARG_PATH: case RN_ARG_STR: case RN_ARG_FMODE:
			if (err == EFAULT) {
				rn_cw_item(w, (uint8_t)ty, p ? RN_ITEM_UNREAD : RN_ITEM_NULL, 0);
			} else if (w->safe == RN_SAFE_FAILED &&
				   rn_kernel_read_it(ty, !paths, err, strsize)) {
				w->safe = 0;
				rn_cw_string(w, (uint8_t)ty, p, strsize);
				w->safe = RN_SAFE_FAILED;
			} else {
				rn_cw_string(w, (uint8_t)ty, p, strsize);
			}
			paths += ty == RN_ARG_PATH;
			break;
		case RN_ARG_ARGV:
			rn_cw_argv(w, p, strsize);
			break;
		case RN_ARG_ENVP:
			rn_cw_envp(w, p);
			break;
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
		case RN_ARG_SOCKLENP: {
			/* before the call (rn_addrlen_pre, when known), then what
			 * the kernel wrote: after a success, its to vouch for */
			uint64_t before = a[RN_ADDRLEN_SLOT];
			uint32_t v2[2] = { (uint32_t)before, ok && p ? *(const uint32_t *)p : 0 };
			if (!p || !ok) {
				rn_cw_mem(w, (uint8_t)ty, p, 4, 0);
			} else if (before & RN_ADDRLEN_KNOWN) {
				rn_cw_item(w, (uint8_t)ty, 0, 8);
				rn_cw_put(w, v2, 8);
			} else {
				rn_cw_item(w, (uint8_t)ty, 0, 4);
				rn_cw_put(w, &v2[1], 4);
			}
			break;
		}
		case RN_ARG_IOCTLARG: {
			/* the request is the argument before */
			uint32_t n = k ? rn_ioctl_argsize((unsigned long)a[k - 1]) : 0;
			rn_cw_mem(w, (uint8_t)ty, p, n, ok && n);
			break;
		}
		default:
			if (k >= 4) {
				rn_cw_item(w, RN_ITEM_SCALAR, 0, 8);
				rn_cw_put(w, &v, 8);
			}
		}
		k++;
	}
	if (fi->data && rn_g.data_slow)
		rn_write_data(w, fi, a, err, ret);
	return w->off;
}
uint32_t rn_capture_items(struct rn_prod *p, uint32_t bound, int safe, unsigned idx,
			  const uint64_t *a, int err, int64_t ret)
{
	struct rn_cw w = { p, 0, bound, safe };
	return rn_write_items(&w, &rn_fns[idx], a, err, ret, rn_g.params.strsize);
}
