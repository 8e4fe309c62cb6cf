/* fmt_capture.c: captured arguments (the bytes the shim copied after the
 * record) as strace prints them: strings, argv/envp, socket addresses,
 * wait statuses, fd pairs, timespecs, fopen modes.
 *
 * The bytes are the traced program's: every length is re-checked here
 * before a read, even though the decoder checked the items. One function
 * per type, chosen by the table's type; it must never write past the
 * caller's buffer, allocate, or print anything itself.
 */
#include "fmt_priv.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

static uint32_t rd_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static uint16_t rd_u16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static void put_sockaddr_in(struct rn_tb *b, const uint8_t *p)
{
	char a[INET_ADDRSTRLEN];
	uint16_t port;
	memcpy(&port, p + 2, 2);
	if (!inet_ntop(AF_INET, p + 4, a, sizeof a))
		a[0] = '\0';
	rn_tb_fmt(b, ", sin_port=htons(%u), sin_addr=inet_addr(\"%s\")", ntohs(port), a);
}

static void put_sockaddr_in6(struct rn_tb *b, const uint8_t *p, size_t n)
{
	char a[INET6_ADDRSTRLEN];
	uint16_t port;
	uint32_t flow;
	memcpy(&port, p + 2, 2);
	memcpy(&flow, p + 4, 4);
	if (!inet_ntop(AF_INET6, p + 8, a, sizeof a))
		a[0] = '\0';
	rn_tb_fmt(b, ", sin6_port=htons(%u), sin6_flowinfo=htonl(%u)", ntohs(port), ntohl(flow));
	rn_tb_fmt(b, ", inet_pton(AF_INET6, \"%s\", &sin6_addr)", a);
	if (n >= 28)
		rn_tb_fmt(b, ", sin6_scope_id=%u", rd_u32(p + 24));
}

void rn_put_sockaddr(struct rn_tb *b, const uint8_t *p, size_t n)
{
	if (n < 2) {
		rn_tb_str(b, "{}");
		return;
	}
	uint16_t fam;
	memcpy(&fam, p, 2);
	rn_tb_str(b, "{sa_family=");
	rn_put_family(b, fam);
	if (fam == AF_INET && n >= 8) {
		put_sockaddr_in(b, p);
	} else if (fam == AF_INET6 && n >= 24) {
		put_sockaddr_in6(b, p, n);
	} else if (fam == AF_UNIX && n > 2) {
		/* A leading NUL makes it abstract: every byte up to the length
		 * is the name, NULs included. */
		if (p[2] == '\0') {
			rn_tb_str(b, ", sun_path=@");
			rn_put_quoted(b, p + 3, n - 3, 0);
		} else {
			rn_tb_str(b, ", sun_path=");
			rn_put_quoted(b, p + 2, n - 2, 1);
		}
	} else if (fam == AF_NETLINK && n >= 12) {
		rn_tb_fmt(b, ", nl_pid=%u, nl_groups=%08x", rd_u32(p + 4), rd_u32(p + 8));
	}
	rn_tb_str(b, "}");
}

static void put_status(struct rn_tb *b, uint32_t s)
{
	int st = (int)s;

	if (WIFEXITED(st)) {
		rn_tb_fmt(b, "[{WIFEXITED(s) && WEXITSTATUS(s) == %u}]", (unsigned)WEXITSTATUS(st));
	} else if (WIFSTOPPED(st)) {
		rn_tb_str(b, "[{WIFSTOPPED(s) && WSTOPSIG(s) == ");
		rn_put_sig(b, (unsigned)WSTOPSIG(st));
		rn_tb_str(b, "}]");
	} else if (WIFCONTINUED(st)) {
		rn_tb_str(b, "[{WIFCONTINUED(s)}]");
	} else {
		rn_tb_str(b, "[{WIFSIGNALED(s) && WTERMSIG(s) == ");
		rn_put_sig(b, (unsigned)WTERMSIG(st));
		rn_tb_str(b, WCOREDUMP(st) ? " && WCOREDUMP(s)}]" : "}]");
	}
}

/* glibc's fopen mode parsing (libio/fileops.c): the first character sets
 * the access, the next six may add to it. */
static int fmode_flags(const uint8_t *m, size_t n, uint32_t *flags)
{
	uint32_t f;

	if (!n)
		return -1;
	switch (m[0]) {
	case 'r': f = O_RDONLY; break;
	case 'w': f = O_WRONLY | O_CREAT | O_TRUNC; break;
	case 'a': f = O_WRONLY | O_CREAT | O_APPEND; break;
	default: return -1;
	}
	for (size_t i = 1; i < 7 && i < n && m[i]; i++) {
		switch (m[i]) {
		case '+': f = (f & ~(uint32_t)O_ACCMODE) | O_RDWR; break;
		case 'x': f |= O_EXCL; break;
		case 'e': f |= O_CLOEXEC; break;
		default: break;
		}
	}
	*flags = f;
	return 0;
}

static void put_argv(struct rn_tb *b, const uint8_t *p, size_t n, int trunc)
{
	size_t off = 0;
	int first = 1;

	rn_tb_str(b, "[");
	while (off + 2 <= n) {
		size_t l = rd_u16le(p + off);
		off += 2;
		if (l > n - off) {
			l = n - off;
			trunc = 1;
		}
		if (!first)
			rn_tb_str(b, ", ");
		rn_put_quoted(b, p + off, l, 1);
		off += l;
		first = 0;
	}
	rn_tb_str(b, trunc ? "]..." : "]");
}

/* Output-only captures hold nothing worth showing when the call failed. */
static int arg_is_output(unsigned t)
{
	return t == RN_ARG_SOCKADDR_OUT || t == RN_ARG_PIPEFDS ||
	       t == RN_ARG_STATUSP || t == RN_ARG_PIDP || t == RN_ARG_STATBUF ||
	       t == RN_ARG_STATXBUF || t == RN_ARG_EPOLLEVS || t == RN_ARG_RLIMIT_OUT ||
	       t == RN_ARG_UTSNAME || t == RN_ARG_SIGACTION_OUT || t == RN_ARG_SOCKLENP ||
	       t == RN_ARG_IOVEC_OUT;
}


static void cap_string(const struct cap_ctx *c)
{
	rn_put_quoted(c->b, c->p, c->n, 1);
	if (c->flags & RN_ITEM_TRUNC)
		rn_tb_str(c->b, "...");
}

static void cap_fmode(const struct cap_ctx *c)
{
	uint32_t f;
	size_t l = strnlen((const char *)c->p, c->n);
	if (fmode_flags(c->p, l, &f)) {
		rn_put_quoted(c->b, c->p, l, 1);
		return;
	}
	rn_put_oflags(c->b, f);
	c->it->fmode_creat = !!(f & O_CREAT);
}

static void cap_argv(const struct cap_ctx *c)
{
	put_argv(c->b, c->p, c->n, !!(c->flags & RN_ITEM_TRUNC));
}

static void cap_envp(const struct cap_ctx *c)
{
	if (c->have)
		rn_tb_fmt(c->b, "%#llx ", (unsigned long long)c->v);
	if (c->n >= 4)
		rn_tb_fmt(c->b, "/* %u vars */", rd_u32(c->p));
	else
		rn_tb_str(c->b, "/* ? vars */");
}

static void cap_sockaddr(const struct cap_ctx *c)
{
	rn_put_sockaddr(c->b, c->p, c->n);
}

static void cap_pipefds(const struct cap_ctx *c)
{
	const struct rn_fdnames *fdn = c->it->deco ? c->it->ev->fdn : NULL;
	if (c->n >= 8) {
		rn_tb_fmt(c->b, "[%d", (int32_t)rd_u32(c->p));
		if (fdn)
			rn_put_fdname(c->b, fdn->pair[0], !!(fdn->made & RN_FDN_PAIR(0)));
		rn_tb_fmt(c->b, ", %d", (int32_t)rd_u32(c->p + 4));
		if (fdn)
			rn_put_fdname(c->b, fdn->pair[1], !!(fdn->made & RN_FDN_PAIR(1)));
		rn_tb_str(c->b, "]");
	} else
		rn_put_ptr(c->b, c->v);
}

static void cap_statusp(const struct cap_ctx *c)
{
	if (c->n >= 4)
		put_status(c->b, rd_u32(c->p));
	else
		rn_put_ptr(c->b, c->v);
}

static void cap_pidp(const struct cap_ctx *c)
{
	if (c->n >= 4)
		rn_tb_fmt(c->b, "[%d]", (int32_t)rd_u32(c->p));
	else
		rn_put_ptr(c->b, c->v);
}

static void cap_timespec(const struct cap_ctx *c)
{
	if (c->n >= 16) {
		int64_t s, ns;
		memcpy(&s, c->p, 8);
		memcpy(&ns, c->p + 8, 8);
		rn_tb_fmt(c->b, "{tv_sec=%lld, tv_nsec=%lld}", (long long)s, (long long)ns);
	} else {
		rn_put_ptr(c->b, c->v);
	}
}

/* Adding a captured type is one entry here and one function above. */
static void (*const cap_fmt[RN_ARG__COUNT])(const struct cap_ctx *) = {
	[RN_ARG_PATH] = cap_string,
	[RN_ARG_STR] = cap_string,
	[RN_ARG_FMODE] = cap_fmode,
	[RN_ARG_ARGV] = cap_argv,
	[RN_ARG_ENVP] = cap_envp,
	[RN_ARG_SOCKADDR] = cap_sockaddr,
	[RN_ARG_SOCKADDR_OUT] = cap_sockaddr,
	[RN_ARG_PIPEFDS] = cap_pipefds,
	[RN_ARG_STATUSP] = cap_statusp,
	[RN_ARG_PIDP] = cap_pidp,
	[RN_ARG_TIMESPEC] = cap_timespec,
	/* structures: fmt_struct.c */
	[RN_ARG_STATBUF] = rn_cap_stat,
	[RN_ARG_STATXBUF] = rn_cap_statx,
	[RN_ARG_POLLFDS] = rn_cap_pollfds,
	[RN_ARG_EPOLLEV] = rn_cap_epollev,
	[RN_ARG_EPOLLEVS] = rn_cap_epollevs,
	[RN_ARG_IOVEC] = rn_cap_iovec,
	[RN_ARG_IOVEC_OUT] = rn_cap_iovec,
	[RN_ARG_IOCTLARG] = rn_cap_ioctlarg,
	[RN_ARG_SOCKOPTVAL] = rn_cap_sockoptval,
	[RN_ARG_RLIMIT] = rn_cap_rlimit,
	[RN_ARG_RLIMIT_OUT] = rn_cap_rlimit,
	[RN_ARG_UTSNAME] = rn_cap_utsname,
	[RN_ARG_SIGACTION] = rn_cap_sigaction_in,
	[RN_ARG_SIGACTION_OUT] = rn_cap_sigaction,
	[RN_ARG_SOCKLENP] = rn_cap_socklenp,
};

void rn_put_capture(struct rn_fmt_iter *it, struct rn_tb *b, unsigned t,
		    const struct rn_capture *c, int have, uint64_t v)
{
	const uint8_t *p = c->data;

	if (c->present && (c->flags & RN_ITEM_NULL)) {
		rn_tb_str(b, "NULL");
		return;
	}
	if (!c->present || !p || (c->flags & RN_ITEM_UNREAD) ||
	    (it->ev->err && arg_is_output(t))) {
		if (t == RN_ARG_ENVP && !have)
			rn_tb_str(b, "/* ? vars */");
		else
			rn_put_ptr(b, v);
		return;
	}
	if (t >= RN_ARG__COUNT || !cap_fmt[t]) {
		rn_put_ptr(b, v);
		return;
	}
	struct cap_ctx ctx = { it, b, p, c->len, c->flags, have, v };
	cap_fmt[t](&ctx);
}
