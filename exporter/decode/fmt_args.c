/* fmt_args.c: the argument list of one call as strace prints it, walked
 * one argument at a time (rn_fmt_next) or joined (rn_fmt_args).
 *
 * Every distinction comes from the table (common/syscalls.def): each
 * argument's type picks one formatter below, and a type whose printing
 * depends on an earlier argument (the mode after open flags, fcntl's third
 * argument after its command, socket's protocol after its family) reads
 * what that argument's formatter left in the iterator. Never a syscall
 * name, never a raw number: values are the headers' (names.h). Never
 * writes past a caller's buffer, allocates, or prints by itself.
 */
#include "fmt_priv.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>

/* the sigset size glibc passes rt_sigaction: the kernel's 64 signals */
#define RN_KERNEL_SIGSET_SIZE ((_NSIG - 1) / 8)

/* ---- one formatter per scalar type: 1 when it printed, 0 when the
 * argument is not shown ---- */

typedef int scalar_fn(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v);

static int put_int(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_tb_fmt(b, "%d", (int32_t)v);
	return 1;
}

static int put_uint(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_tb_fmt(b, "%u", (uint32_t)v);
	return 1;
}

static int put_ulong(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_tb_fmt(b, "%llu", (unsigned long long)v);
	return 1;
}

static int put_off(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_tb_fmt(b, "%lld", (long long)v);
	return 1;
}

static int put_hex(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_put_hex(b, v);
	return 1;
}

static int put_ptr(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_put_ptr(b, v);
	return 1;
}

static int put_dirfd(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	if ((int32_t)v == AT_FDCWD) {
		rn_tb_str(b, "AT_FDCWD");
		return 1;
	}
	return put_int(it, b, v);
}

static int put_oflags(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	it->oflags = (uint32_t)v;
	rn_put_oflags(b, v);
	return 1;
}

/* open's mode is garbage unless the flags create a file */
static int put_mode(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	const uint32_t creates = O_CREAT | (O_TMPFILE & ~O_DIRECTORY);
	if (it->has_oflags && (it->oflags < 0 || !(it->oflags & creates)))
		return 0;
	rn_tb_fmt(b, "%#03o", (uint32_t)v);
	return 1;
}

/* A flag word printed with one table, 0 when empty. */
#define FLAGS_FN(fn, table)                                                    \
	static int fn(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)     \
	{                                                                      \
		(void)it;                                                      \
		rn_put_flags(b, (uint32_t)v, RN_XLAT(table), "0");             \
		return 1;                                                      \
	}
FLAGS_FN(put_fdflags, open_flags)
FLAGS_FN(put_sockflags, sock_flags)
FLAGS_FN(put_efdflags, efd_flags)
FLAGS_FN(put_epollflags, epoll_flags)
FLAGS_FN(put_atflags, at_flags)
FLAGS_FN(put_removedir_flags, at_removedir_flags)
FLAGS_FN(put_eaccess_flags, at_eaccess_flags)
FLAGS_FN(put_timerflags, timer_flags)
FLAGS_FN(put_msgflags, msg_flags)
FLAGS_FN(put_waitopts, wait_flags)

/* A value of a set, by name; else the number (signed or hex). */
#define XVAL_FN(fn, table, is_signed)                                          \
	static int fn(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)     \
	{                                                                      \
		(void)it;                                                      \
		rn_put_xval(b, (uint32_t)v, RN_XLAT(table), is_signed);        \
		return 1;                                                      \
	}
XVAL_FN(put_whence, whences, 1)
XVAL_FN(put_epollop, epoll_ops, 1)
XVAL_FN(put_clockid, clock_ids, 1)
XVAL_FN(put_shut, shut_how, 1)

static int put_accmode(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_put_flags(b, (uint32_t)v, RN_XLAT(access_flags), "F_OK");
	return 1;
}

static int put_prot(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_put_flags(b, (uint32_t)v, RN_XLAT(prot_flags), "PROT_NONE");
	return 1;
}

static int put_mapflags(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	uint32_t f = (uint32_t)v;
	const char *ty = rn_xlat_name(RN_XLAT(map_types), f & MAP_TYPE);
	(void)it;
	if (ty)
		rn_tb_str(b, ty);
	else
		rn_tb_fmt(b, "%#x", f & MAP_TYPE);
	rn_put_flags_more(b, f & ~(uint32_t)MAP_TYPE, RN_XLAT(map_flags), 1);
	return 1;
}

static int put_sockfam(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	it->family = (uint32_t)v;
	rn_put_family(b, (uint32_t)v);
	return 1;
}

/* the kernel's SOCK_TYPE_MASK: include/linux/net.h is not exported to
 * user space, so no header has it */
#define SOCK_TYPE_BITS 0xfu

static int put_socktype(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	uint32_t f = (uint32_t)v;
	(void)it;
	rn_put_xval(b, f & SOCK_TYPE_BITS, RN_XLAT(sock_types), 0);
	rn_put_flags_more(b, f & ~SOCK_TYPE_BITS, RN_XLAT(sock_flags), 1);
	return 1;
}

/* socket(2)'s protocol reads better by name, as in strace */
static int put_sockproto(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	if (it->family == AF_INET || it->family == AF_INET6)
		rn_put_xval(b, (uint32_t)(int32_t)v, RN_XLAT(inet_protos), 1);
	else if (it->family == AF_NETLINK)
		rn_put_xval(b, (uint32_t)(int32_t)v, RN_XLAT(netlink_protos), 1);
	else
		return put_int(it, b, v);
	return 1;
}

static int put_sig(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_put_sig(b, v);
	return 1;
}

static int put_fcntl(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	it->fcntl_cmd = (uint32_t)v;
	rn_put_xval(b, (uint32_t)v, RN_XLAT(fcntl_cmds), 0);
	return 1;
}

/* fcntl's third argument: what it means is the command's */
static int put_fcntlarg(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	switch (it->fcntl_cmd) {
	case F_GETFD: case F_GETFL: case F_GETOWN: case F_GETSIG:
	case F_GETLEASE: case F_GETPIPE_SZ: case F_GET_SEALS:
		return 0;	/* no third argument: strace prints none */
	case F_SETFD:
		rn_put_flags(b, (uint32_t)v, RN_XLAT(fd_flags), "0");
		break;
	case F_SETFL:
		rn_put_oflags(b, v);
		break;
	case F_DUPFD: case F_DUPFD_CLOEXEC: case F_SETPIPE_SZ:
	case F_SETOWN: case F_SETSIG: case F_NOTIFY:
		return put_int(it, b, v);
	case F_SETLEASE:
		rn_put_xval(b, (uint32_t)(int32_t)v, RN_XLAT(lease_types), 1);
		break;
	case F_ADD_SEALS:
		rn_put_flags(b, (uint32_t)v, RN_XLAT(seal_flags), "0");
		break;
	default:
		rn_put_ptr(b, v);
		break;
	}
	return 1;
}

static int put_ioctlreq(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_put_xval_aliases(b, (uint32_t)v, RN_XLAT(ioctl_reqs));
	return 1;
}

static int put_socklevel(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_put_xval(b, (uint32_t)v, RN_XLAT(sock_levels), 1);
	return 1;
}

/* an option's name is its level's: the call argument before it */
static int put_sockopt(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	uint32_t level = it->k >= 2 ? (uint32_t)it->ev->arg[it->k - 2] : UINT32_MAX;
	switch (level) {
	case SOL_SOCKET:
		rn_put_xval(b, (uint32_t)v, RN_XLAT(sockopts_socket), 1);
		break;
	case IPPROTO_TCP:
		rn_put_xval(b, (uint32_t)v, RN_XLAT(sockopts_tcp), 1);
		break;
	case IPPROTO_IP:
		rn_put_xval(b, (uint32_t)v, RN_XLAT(sockopts_ip), 1);
		break;
	case IPPROTO_IPV6:
		rn_put_xval(b, (uint32_t)v, RN_XLAT(sockopts_ipv6), 1);
		break;
	default:
		rn_tb_fmt(b, "%d", (int32_t)v);
		break;
	}
	return 1;
}

static int put_prctlop(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_put_xval(b, (uint32_t)v, RN_XLAT(prctl_options), 1);
	return 1;
}

/* clone flags, then the exit signal in the low byte, as strace prints them */
static int put_cloneflags(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	uint64_t sig = v & CSIGNAL, flags = v & ~(uint64_t)CSIGNAL;
	(void)it;
	if (!v) {
		rn_tb_str(b, "0");
		return 1;
	}
	rn_put_flags_more(b, flags, RN_XLAT(clone_flags), 0);
	if (sig) {
		if (flags)
			rn_tb_str(b, "|");
		rn_put_sig(b, sig);
	}
	return 1;
}

/* statx's flags: the sync type by name (0 is AT_STATX_SYNC_AS_STAT), then
 * the other AT_ flags, as strace prints them */
static int put_statxflags(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	uint32_t f = (uint32_t)v, sync = f & AT_STATX_SYNC_TYPE;
	(void)it;
	const char *s = rn_xlat_name(RN_XLAT(at_statx_sync), sync);
	if (s)
		rn_tb_str(b, s);
	else
		rn_tb_fmt(b, "%#x", sync);
	rn_put_flags_more(b, f & ~(uint32_t)AT_STATX_SYNC_TYPE, RN_XLAT(at_flags), 1);
	return 1;
}

static int put_statxmask(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	(void)it;
	rn_put_flags(b, (uint32_t)v, RN_XLAT(statx_masks), "0");
	return 1;
}

static int put_data(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	rn_put_data(b, it->ev, it->ti - 1, v);
	return 1;
}

static int put_msghdr(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	rn_put_msghdr(b, it->ev, it->ti - 1, v);
	return 1;
}

static int put_sysno(struct rn_fmt_iter *it, struct rn_tb *b, uint64_t v)
{
	const char *s = rn_sysno_name(v);
	(void)it;
	if (s)
		rn_tb_str(b, s);
	else
		rn_tb_fmt(b, "syscall_%#llx", (unsigned long long)v);
	return 1;
}

/* Adding a scalar type is one entry here and one formatter above; a type
 * with no entry prints in hex. */
static scalar_fn *const scalar_fmt[RN_ARG_CAPTURE_FIRST] = {
	[RN_ARG_INT] = put_int, [RN_ARG_UINT] = put_uint,
	[RN_ARG_ULONG] = put_ulong, [RN_ARG_SIZE] = put_ulong,
	[RN_ARG_OFF] = put_off, [RN_ARG_HEX] = put_hex,
	[RN_ARG_PTR] = put_ptr, [RN_ARG_BUF] = put_ptr,
	[RN_ARG_FD] = put_int, [RN_ARG_FILEP] = put_int, [RN_ARG_DIRP] = put_int,
	[RN_ARG_DIRFD] = put_dirfd, [RN_ARG_OFLAGS] = put_oflags,
	[RN_ARG_MODE] = put_mode, [RN_ARG_ATFLAGS] = put_atflags,
	[RN_ARG_ACCMODE] = put_accmode, [RN_ARG_PROT] = put_prot,
	[RN_ARG_MAPFLAGS] = put_mapflags, [RN_ARG_MSGFLAGS] = put_msgflags,
	[RN_ARG_SOCKFAM] = put_sockfam, [RN_ARG_SOCKTYPE] = put_socktype,
	[RN_ARG_SHUT] = put_shut, [RN_ARG_SIG] = put_sig,
	[RN_ARG_WAITOPTS] = put_waitopts, [RN_ARG_WHENCE] = put_whence,
	[RN_ARG_FCNTL] = put_fcntl, [RN_ARG_EPOLLOP] = put_epollop,
	[RN_ARG_CLOCKID] = put_clockid, [RN_ARG_SYSNO] = put_sysno,
	[RN_ARG_FDFLAGS] = put_fdflags, [RN_ARG_SOCKFLAGS] = put_sockflags,
	[RN_ARG_EFDFLAGS] = put_efdflags, [RN_ARG_EPOLLFLAGS] = put_epollflags,
	[RN_ARG_REMOVEDIR_FLAGS] = put_removedir_flags,
	[RN_ARG_EACCESS_FLAGS] = put_eaccess_flags,
	[RN_ARG_TIMERFLAGS] = put_timerflags, [RN_ARG_SOCKPROTO] = put_sockproto,
	[RN_ARG_FCNTLARG] = put_fcntlarg,
	[RN_ARG_IOCTLREQ] = put_ioctlreq, [RN_ARG_SOCKLEVEL] = put_socklevel,
	[RN_ARG_SOCKOPT] = put_sockopt, [RN_ARG_PRCTLOP] = put_prctlop,
	[RN_ARG_CLONEFLAGS] = put_cloneflags,
	[RN_ARG_STATXFLAGS] = put_statxflags, [RN_ARG_STATXMASK] = put_statxmask,
	[RN_ARG_DATA_IN] = put_data, [RN_ARG_DATA_OUT] = put_data,
	[RN_ARG_MSGHDR] = put_msghdr, [RN_ARG_MSGHDR_OUT] = put_msghdr,
};

static void put_implied(struct rn_tb *b, unsigned t)
{
	static const char *const implied[] = {
		[RN_ARG_CWD - RN_ARG_IMPLIED_FIRST] = "AT_FDCWD",
		[RN_ARG_ZERO - RN_ARG_IMPLIED_FIRST] = "0",
		[RN_ARG_EMPTY - RN_ARG_IMPLIED_FIRST] = "\"\"",
		[RN_ARG_EMPTYPATH - RN_ARG_IMPLIED_FIRST] = "AT_EMPTY_PATH",
		[RN_ARG_SYMNOFOLLOW - RN_ARG_IMPLIED_FIRST] = "AT_SYMLINK_NOFOLLOW",
		[RN_ARG_REALTIME - RN_ARG_IMPLIED_FIRST] = "CLOCK_REALTIME",
		[RN_ARG_ALLPIDS - RN_ARG_IMPLIED_FIRST] = "-1",
		[RN_ARG_NULLP - RN_ARG_IMPLIED_FIRST] = "NULL",
		[RN_ARG_DIROFLAGS - RN_ARG_IMPLIED_FIRST] =
			"O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY",
		[RN_ARG_GETFL - RN_ARG_IMPLIED_FIRST] = "F_GETFL",
		/* an address only glibc knows (fdopendir's stat buffer) */
		[RN_ARG_HIDDEN - RN_ARG_IMPLIED_FIRST] = "...",
		/* what glibc's pthread_create passes clone3 (the flags are
		 * its constant set; addresses only it knows) */
		[RN_ARG_THREADARGS - RN_ARG_IMPLIED_FIRST] =
			("{flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|"
			 "CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, ...}"),
	};
	if (t == RN_ARG_CLONEARGS_SIZE) {
		rn_tb_fmt(b, "%zu", sizeof(struct clone_args));
		return;
	}
	if (t == RN_ARG_SIGSETSIZE) {
		rn_tb_fmt(b, "%d", RN_KERNEL_SIGSET_SIZE);
		return;
	}
	unsigned i = t - RN_ARG_IMPLIED_FIRST;
	if (i < sizeof implied / sizeof *implied && implied[i])
		rn_tb_str(b, implied[i]);
	else
		rn_tb_str(b, "?");
}

/* ---- the walk ---- */

const char *rn_fmt_sysname(const struct rn_event *ev)
{
	static __thread char unknown[32];

	if (ev->fn >= RN_NFUNCS)
		return "?";
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	if (!fi->ntypes || fi->types[0] != RN_ARG_SYSNO)
		return fi->sys;
	const char *s = rn_sysno_name(ev->arg[0]);
	if (s)
		return s;
	/* strace's spelling for a number it cannot name */
	snprintf(unknown, sizeof unknown, "syscall_%#llx", (unsigned long long)ev->arg[0]);
	return unknown;
}

void rn_fmt_iter_init(struct rn_fmt_iter *it, const struct rn_event *ev)
{
	memset(it, 0, sizeof *it);
	it->ev = ev;
	it->oflags = -1;
	it->fcntl_cmd = -1;
	it->family = -1;
	if (ev->fn >= RN_NFUNCS)
		return;
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	it->end = fi->ntypes < RN_MAX_TYPES ? fi->ntypes : RN_MAX_TYPES;
	if (rn_fmt_row_spawns(fi)) {
		it->spawn = 1;	/* two arguments of clone3's, none of the row's */
		it->end = 2;
		return;
	}
	for (unsigned i = 0; i < it->end; i++)
		if (fi->types[i] == RN_ARG_OFLAGS)
			it->has_oflags = 1;
	if (fi->types[0] == RN_ARG_SYSNO) {
		/* The number is the name; print only the arguments the kernel
		 * takes (all we have when the number is unknown). */
		int na = rn_sysno_nargs(ev->arg[0]);
		it->raw = 1;
		it->ti = 1;
		it->k = 1;
		if (na >= 0 && (unsigned)na + 1 < it->end)
			it->end = (unsigned)na + 1;
	}
}

/* After the last argument of a raw call (syscall(2)): a "..." when the
 * kernel takes more arguments than the row records (a sixth one). */
static int raw_tail(struct rn_fmt_iter *it, struct rn_tb *b)
{
	unsigned recorded = rn_fns[it->ev->fn].ntypes;
	if (it->raw && it->ti == recorded && rn_sysno_nargs(it->ev->arg[0]) >= (int)recorded) {
		it->ti++;
		rn_tb_str(b, "...");
		return 1;
	}
	return 0;
}

int rn_fmt_next(struct rn_fmt_iter *it, char *buf, size_t cap, size_t *len)
{
	const struct rn_event *ev = it->ev;
	struct rn_tb b;

	rn_tb_init(&b, buf, cap);
	*len = 0;
	it->extra = 0;
	if (ev->fn >= RN_NFUNCS)
		return 0;
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	for (;;) {
		if (it->fmode_creat) {
			/* fopen creates with 0666 (before the umask) */
			it->fmode_creat = 0;
			it->extra = 1;
			rn_tb_str(&b, "0666");
			break;
		}
		if (it->ti >= it->end) {
			if (raw_tail(it, &b))
				break;
			return 0;
		}
		unsigned i = it->ti++;
		if (it->spawn) {
			/* what glibc's posix_spawn passes clone3 (its constant
			 * flags; the stack only it knows) */
			if (i == 0)
				rn_tb_str(&b, "{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, ...}");
			else
				rn_tb_fmt(&b, "%zu", sizeof(struct clone_args));
			break;
		}
		unsigned t = fi->types[i];
		if (rn_arg_is_implied(t)) {
			put_implied(&b, t);
			if (t == RN_ARG_CWD && it->deco && ev->fdn)
				rn_put_fdname(&b, ev->fdn->arg[i], 0);	/* AT_FDCWD</dir> */
			break;
		}
		int have = it->k < fi->nargs && it->k < RN_MAX_ARGS;
		uint64_t v = have ? ev->arg[it->k] : 0;
		if (it->k < fi->nargs)
			it->k++;
		if (t == RN_ARG_SKIP || t == RN_ARG_SKIPFILEP)
			continue;
		if (rn_arg_is_capture(t)) {
			rn_put_capture(it, &b, t, &ev->cap[i], have, v);
			break;
		}
		if (it->raw || t >= RN_ARG_CAPTURE_FIRST || !scalar_fmt[t]) {
			rn_put_hex(&b, v);
			break;
		}
		if (scalar_fmt[t](it, &b, v)) {
			if (it->deco && ev->fdn && (t == RN_ARG_FD || t == RN_ARG_DIRFD ||
						    t == RN_ARG_FILEP || t == RN_ARG_DIRP))
				rn_put_fdname(&b, ev->fdn->arg[i],
					      !!(ev->fdn->made & RN_FDN_ARG(i)));
			break;
		}
	}
	*len = b.len;
	return 1;
}

size_t rn_fmt_args(char *buf, size_t cap, const struct rn_event *ev)
{
	struct rn_fmt_iter it;
	struct rn_tb b;
	size_t n;
	int first = 1;

	rn_tb_init(&b, buf, cap);
	if (!cap)
		return 0;
	rn_fmt_iter_init(&it, ev);
	it.deco = 1;	/* the text line: 3</etc/passwd> when -y gave names */
	for (;;) {
		size_t sep = first ? 0 : 2;
		if (b.len + sep + 1 >= cap)
			break;
		if (!first)
			rn_tb_mem(&b, ", ", 2);
		/* write straight into the tail: no copy, no temporary */
		if (!rn_fmt_next(&it, b.p + b.len, cap - b.len, &n)) {
			if (!first)
				b.len -= 2;
			b.p[b.len] = '\0';
			break;
		}
		b.len += n;
		first = 0;
	}
	return b.len;
}

enum rn_val_kind rn_fmt_value(const struct rn_fmt_iter *it, int64_t *num,
			      const struct rn_capture **cap)
{
	const struct rn_event *ev = it->ev;
	*num = 0;
	*cap = NULL;
	if (it->extra) {
		*num = 0666;	/* fopen's mode: fmode_creat above */
		return RN_VAL_INT;
	}
	if (ev->fn >= RN_NFUNCS || !it->ti || it->ti > RN_MAX_TYPES)
		return RN_VAL_TEXT;
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	if (it->ti > fi->ntypes)
		return RN_VAL_TEXT;	/* syscall(2)'s "..." */
	unsigned i = it->ti - 1, t = fi->types[i];
	switch (t) {
	case RN_ARG_NULLP:
		return RN_VAL_NULL;
	case RN_ARG_ZERO:
		return RN_VAL_INT;
	case RN_ARG_ALLPIDS:
		*num = -1;
		return RN_VAL_INT;
	case RN_ARG_CLONEARGS_SIZE:
		*num = (int64_t)sizeof(struct clone_args);
		return RN_VAL_INT;
	case RN_ARG_SIGSETSIZE:
		*num = RN_KERNEL_SIGSET_SIZE;
		return RN_VAL_INT;
	case RN_ARG_EMPTY:
		return RN_VAL_STR;	/* *cap NULL: the empty string */
	default:
		if (rn_arg_is_implied(t))
			return RN_VAL_TEXT;
	}
	int64_t v = it->k ? (int64_t)ev->arg[it->k - 1] : 0;
	if (it->raw)
		goto number;
	switch (t) {
	case RN_ARG_INT: case RN_ARG_FD: case RN_ARG_FILEP: case RN_ARG_DIRP:
	case RN_ARG_SOCKOPT:
		*num = (int32_t)v;
		return RN_VAL_INT;
	case RN_ARG_DIRFD:
		if ((int32_t)v == AT_FDCWD)
			return RN_VAL_TEXT;
		*num = (int32_t)v;
		return RN_VAL_INT;
	case RN_ARG_UINT:
		*num = (uint32_t)v;
		return RN_VAL_INT;
	case RN_ARG_ULONG: case RN_ARG_SIZE: case RN_ARG_OFF: case RN_ARG_HEX:
	case RN_ARG_PTR: case RN_ARG_BUF: case RN_ARG_MODE:
		goto number;
	case RN_ARG_DATA_IN: case RN_ARG_DATA_OUT:
		if (ev->cap[i].present && ev->cap[i].data) {
			*cap = &ev->cap[i];
			return RN_VAL_STR;
		}
		goto number;
	case RN_ARG_PATH: case RN_ARG_STR: {
		const struct rn_capture *c = &ev->cap[i];
		if (c->present && (c->flags & RN_ITEM_NULL))
			return RN_VAL_NULL;
		if (!c->present || !c->data || (c->flags & RN_ITEM_UNREAD))
			goto number;
		*cap = c;
		return RN_VAL_STR;
	}
	case RN_ARG_OFLAGS: case RN_ARG_ATFLAGS: case RN_ARG_ACCMODE: case RN_ARG_PROT:
	case RN_ARG_MAPFLAGS: case RN_ARG_MSGFLAGS: case RN_ARG_SOCKTYPE: case RN_ARG_WAITOPTS:
	case RN_ARG_FDFLAGS: case RN_ARG_SOCKFLAGS: case RN_ARG_EFDFLAGS: case RN_ARG_EPOLLFLAGS:
	case RN_ARG_REMOVEDIR_FLAGS: case RN_ARG_EACCESS_FLAGS: case RN_ARG_TIMERFLAGS:
	case RN_ARG_CLONEFLAGS: case RN_ARG_FMODE: case RN_ARG_STATXFLAGS: case RN_ARG_STATXMASK:
		return RN_VAL_FLAGS;
	default:
		return RN_VAL_TEXT;
	}
number:
	if (!v && (rn_arg_is_capture(t) || t == RN_ARG_PTR || t == RN_ARG_BUF ||
		   t == RN_ARG_DATA_IN || t == RN_ARG_DATA_OUT))
		return RN_VAL_NULL;
	*num = v;
	return RN_VAL_INT;
}
