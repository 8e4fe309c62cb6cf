/* fmt_vec.c: iovec arrays and msghdr as strace prints them, with the
 * first bytes of their buffers when data capture kept them
 * (cap[RN_CAP_VEC]): [{iov_base="hi", iov_len=2}], {msg_name=NULL, ...};
 * the control messages they are followed by go to fmt_cmsg.c.
 *
 * The bytes are the traced program's: every length is checked against
 * what is left before it is read. Never writes past the caller's buffer,
 * allocates, or prints by itself.
 */
#include "fmt_priv.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* A cursor over captured bytes. */
struct rd {
	const uint8_t *p;
	size_t n;
};

static int rd_take(struct rd *r, void *out, size_t k)
{
	if (r->n < k)
		return -1;
	memcpy(out, r->p, k);
	r->p += k;
	r->n -= k;
	return 0;
}

/* The elements of an iovec array (vec: cnt of them), each buffer's kept
 * bytes read from d (u16 length then bytes) when d is not NULL; the call
 * moved 'moved' bytes in order (~0: unknown), what it did not is "". */
static void put_iov(struct rn_tb *b, const uint8_t *vec, size_t cnt, struct rd *d, uint64_t moved,
		    int more)
{
	rn_tb_str(b, "[");
	for (size_t i = 0; i < cnt; i++) {
		struct iovec v;
		memcpy(&v, vec + i * sizeof v, sizeof v);
		rn_tb_str(b, i ? ", {iov_base=" : "{iov_base=");
		uint16_t l;
		uint64_t avail = v.iov_len < moved ? v.iov_len : moved;
		moved -= avail;
		if (d && !rd_take(d, &l, 2) && l <= d->n && l <= avail) {
			rn_put_quoted(b, d->p, l, 0);
			if (l < avail)
				rn_tb_str(b, "...");
			d->p += l;
			d->n -= l;
		} else {
			d = NULL;	/* nothing past a piece that does not fit */
			rn_put_ptr(b, (uintptr_t)v.iov_base);
		}
		rn_tb_fmt(b, ", iov_len=%zu}", v.iov_len);
	}
	rn_tb_str(b, more ? ", ...]" : "]");
}

static uint64_t moved_of(const struct rn_event *ev)
{
	return ev->err || ev->ret < 0 ? ~0ull : (uint64_t)ev->ret;
}

void rn_cap_iovec(const struct cap_ctx *c)
{
	size_t cnt = c->n / sizeof(struct iovec);
	if (!cnt) {
		rn_put_ptr(c->b, c->v);
		return;
	}
	const struct rn_event *ev = c->it->ev;
	const struct rn_capture *dc = &ev->cap[RN_CAP_VEC];
	struct rd d = { dc->data, dc->len };
	/* more elements than the shim keeps (RN_ARRAY_MAX) */
	int more = c->it->k > 0 && c->it->k < RN_MAX_ARGS && ev->arg[c->it->k] > cnt;
	put_iov(c->b, c->p, cnt, dc->present && dc->data && ev->vec_pos == c->it->ti - 1 ? &d : NULL,
		moved_of(ev), more);
}

/* The control messages the shim kept after a msghdr's buffers (d: the
 * first of the ni pieces, each a u16 length and its bytes): a u16 length
 * and the bytes. p is NULL when they are not there (an older shim, a
 * record that ran out of room). */
static struct rd control_of(struct rd d, size_t ni)
{
	struct rd none = { NULL, 0 };
	uint16_t l;
	for (size_t i = 0; i < ni; i++) {
		if (rd_take(&d, &l, 2) || l > d.n)
			return none;
		d.p += l;
		d.n -= l;
	}
	if (rd_take(&d, &l, 2) || l > d.n)
		return none;
	return (struct rd){ d.p, l };
}

void rn_put_msghdr(struct rn_tb *b, const struct rn_event *ev, unsigned i, uint64_t v)
{
	const struct rn_capture *dc = &ev->cap[RN_CAP_VEC];
	struct msghdr m;
	uint16_t nl, ni;
	struct rd d = { dc->data, dc->len };
	if (!dc->present || !dc->data || ev->vec_pos != i || rd_take(&d, &m, sizeof m) ||
	    rd_take(&d, &nl, 2) || nl > d.n) {
		rn_put_ptr(b, v);
		return;
	}
	if (ev->err && rn_fns[ev->fn].types[i] == RN_ARG_MSGHDR_OUT) {
		/* a failed recvmsg filled nothing: strace shows what it
		 * passed in and out, the name's length */
		rn_tb_fmt(b, "{msg_namelen=%u}", m.msg_namelen);
		return;
	}
	rn_tb_str(b, "{msg_name=");
	if (!m.msg_name)
		rn_tb_str(b, "NULL");
	else if (nl)
		rn_put_sockaddr(b, d.p, nl);
	else
		rn_put_ptr(b, (uintptr_t)m.msg_name);
	d.p += nl;
	d.n -= nl;
	rn_tb_fmt(b, ", msg_namelen=%u, msg_iov=", m.msg_namelen);
	struct rd ctl = { NULL, 0 };
	if (rd_take(&d, &ni, 2) || (size_t)ni * sizeof(struct iovec) > d.n) {
		rn_put_ptr(b, (uintptr_t)m.msg_iov);
	} else {
		const uint8_t *vec = d.p;
		d.p += (size_t)ni * sizeof(struct iovec);
		d.n -= (size_t)ni * sizeof(struct iovec);
		ctl = control_of(d, ni);
		if (!m.msg_iov)
			rn_tb_str(b, "NULL");
		else
			put_iov(b, vec, ni, &d, moved_of(ev), m.msg_iovlen > ni);
	}
	rn_tb_fmt(b, ", msg_iovlen=%zu", (size_t)m.msg_iovlen);
	if (m.msg_controllen && ctl.p && m.msg_control) {
		rn_tb_str(b, ", msg_control=");
		rn_put_cmsgs(b, ctl.p, ctl.n, m.msg_controllen, (uintptr_t)m.msg_control);
	} else if (m.msg_controllen) {
		rn_tb_fmt(b, ", msg_control=%#llx", (unsigned long long)(uintptr_t)m.msg_control);
	}
	rn_tb_fmt(b, ", msg_controllen=%zu, msg_flags=", (size_t)m.msg_controllen);
	rn_put_flags(b, (uint32_t)m.msg_flags, RN_XLAT(msg_flags), "0");
	rn_tb_str(b, "}");
}
