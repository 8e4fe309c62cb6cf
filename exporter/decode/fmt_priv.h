/* fmt_priv.h: what the formatter files (fmt_args.c, fmt_capture.c,
 * fmt_ret.c) share. Private to exporter/decode/: sinks use decode_fmt.h. */
#ifndef RN_FMT_PRIV_H
#define RN_FMT_PRIV_H

#include <stdint.h>

#include "../../common/record.h"
#include "decode_fmt.h"
#include "names.h"
#include "textbuf.h"

/* fmt_prim.c */
/* open(2) flags: the access mode by name, then the other bits. */
void rn_put_oflags(struct rn_tb *b, uint64_t v);
/* An address family: AF_INET, or the number with AF_??? */
void rn_put_family(struct rn_tb *b, unsigned fam);
/* An address: NULL for 0, else hex. */
void rn_put_ptr(struct rn_tb *b, uint64_t v);
/* hex, 0 for 0 */
void rn_put_hex(struct rn_tb *b, uint64_t v);
/* -y: "<NAME>" after a descriptor, escaped as strace does (made: a name
 * renacer composed, whose '<' '>' are its own); nothing for NULL */
void rn_put_fdname(struct rn_tb *b, const char *name, int made);

/* One captured argument handed to its formatter: p/n are the captured
 * bytes (present, not yet checked against any structure's size), v the
 * pointer the program passed. */
struct cap_ctx {
	struct rn_fmt_iter *it;
	struct rn_tb *b;
	const uint8_t *p;
	size_t n;
	uint8_t flags;		/* RN_ITEM_* of the capture */
	int have;		/* the call argument exists */
	uint64_t v;
};

/* fmt_struct.c: structures the kernel fills or reads */
void rn_cap_stat(const struct cap_ctx *c);
void rn_cap_statx(const struct cap_ctx *c);
void rn_cap_pollfds(const struct cap_ctx *c);
void rn_cap_epollev(const struct cap_ctx *c);
void rn_cap_epollevs(const struct cap_ctx *c);
void rn_cap_iovec(const struct cap_ctx *c);
void rn_cap_ioctlarg(const struct cap_ctx *c);
void rn_cap_sockoptval(const struct cap_ctx *c);
void rn_cap_rlimit(const struct cap_ctx *c);
void rn_cap_utsname(const struct cap_ctx *c);
void rn_cap_sigaction(const struct cap_ctx *c);
/* the act a program passes glibc's sigaction: with the SA_RESTORER glibc adds */
void rn_cap_sigaction_in(const struct cap_ctx *c);
void rn_cap_socklenp(const struct cap_ctx *c);
/* poll's revents after the count: " ([{fd=3, revents=POLLIN}])" */
void rn_put_poll_ret(struct rn_tb *b, const struct rn_event *ev);
/* A data buffer (DATA_IN/DATA_OUT at type position i): its captured
 * bytes quoted, cut with "..." like strace's -s, else the address v. */
void rn_put_data(struct rn_tb *b, const struct rn_event *ev, unsigned i, uint64_t v);

/* fmt_vec.c: a msghdr at type position i (MSGHDR/MSGHDR_OUT) with its
 * name, iovecs and their bytes when data capture kept them, else v */
void rn_put_msghdr(struct rn_tb *b, const struct rn_event *ev, unsigned i, uint64_t v);

/* fmt_cmsg.c: control messages (n bytes kept at p of controllen, the
 * program's buffer at addr) */
void rn_put_cmsgs(struct rn_tb *b, const uint8_t *p, size_t n, uint64_t controllen, uint64_t addr);

/* fmt_termios.c: the kernel's struct termios (n bytes at p), else addr */
void rn_put_termios(struct rn_tb *b, const uint8_t *p, size_t n, uint64_t addr);

/* fmt_capture.c */
/* A socket address as strace prints it: {sa_family=AF_INET, ...} */
void rn_put_sockaddr(struct rn_tb *b, const uint8_t *p, size_t n);
/* A captured argument of type t (rn_arg_is_capture(t)): its bytes when the
 * shim copied them and the call did not fail on an output, else the
 * pointer v. have: the call argument exists. */
void rn_put_capture(struct rn_fmt_iter *it, struct rn_tb *b, unsigned t,
		    const struct rn_capture *c, int have, uint64_t v);

#endif
