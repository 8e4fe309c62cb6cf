/* capture.c: what a call's record carries beyond its 64 bytes: the
 * arguments the table marks as captured (paths, strings, argv, socket
 * addresses, filled-in outputs), copied into continuation records after
 * the call, and the fault-safe reads of the program's memory they need.
 * This file sizes the items, walks a call's arguments and hands each to
 * the file for its kind (capture.h: capture_str.c, capture_struct.c,
 * capture_data.c); it also keeps the fault-safe reads and the stack
 * bounds they rely on.
 *
 * Runs inside the traced program, on the slow path of a wrapper. Must
 * never read more than the caller's buffer, never dereference a pointer
 * the kernel has not vouched for except through rn_safe_read, never make a
 * system call once sandboxed, and never use more than the stated stack
 * budget (RN_STACK_BUDGET).
 */
#include "capture.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>

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

void rn_cw_put(struct rn_cw *w, const void *src, uint32_t n)
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
uint32_t rn_cw_copy_user(struct rn_cw *w, const void *src, uint32_t n)
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

/* Fixed-size output or input memory. */
void rn_cw_mem(struct rn_cw *w, uint8_t tag, const void *p, uint32_t n, int readable)
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
	unsigned k = 0, paths = 0;
	for (unsigned i = 0; i < fi->ntypes; i++) {
		unsigned ty = fi->types[i];
		if (rn_arg_is_implied(ty))
			continue;
		const void *p = (const void *)(uintptr_t)(k < fi->nargs ? a[k] : 0);
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
		default:
			if (rn_cw_struct_type(ty)) {
				rn_cw_struct(w, ty, k, a, fi->nargs, err, ret);
			} else if (k >= 4) {	/* a scalar past the fourth */
				uint64_t v = k < fi->nargs ? a[k] : 0;
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
