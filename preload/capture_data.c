/* capture_data.c: the data items of a call's record: the first -s bytes
 * of read/write-like buffers, iovec arrays and msghdrs (--data-size), and
 * the whole buffers of descriptors chosen by -e read=/write= (dumps), with
 * the parsing of that choice (RENACER_DUMP). Part of the capture
 * (capture.h).
 *
 * Runs inside the traced program, on the slow path of a wrapper, only when
 * data capture or a dump is on. Never copies more than the call moved
 * (what the kernel read or filled), never reads an array the kernel has
 * not vouched for but fault-safely, never uses more than the stack budget.
 */
#include "capture.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* Bytes of an iovec array's buffers kept at most, all elements together
 * (each keeps at most datasize, as strace's -s applies to each). */
#define RN_VEC_DATA_MAX 4096

uint32_t rn_vec_data_bound(void)
{
	if (!rn_g.datasize)
		return 0;
	uint32_t n = RN_ARRAY_MAX * rn_g.datasize;
	return 4 + 1 + RN_ARRAY_MAX * 2 + (n < RN_VEC_DATA_MAX ? n : RN_VEC_DATA_MAX);
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
void rn_write_data(struct rn_cw *w, const struct rn_fn_info *fi, const uint64_t *a, int err,
		   int64_t ret)
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

