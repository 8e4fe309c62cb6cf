/* fmt_struct.c: the structures a call's kernel fills or reads, printed as
 * strace 6.1 prints them (abbreviated as it does without -v): stat/statx,
 * pollfd and epoll_event arrays, iovec sizes, ioctl arguments, socket
 * option values, rlimit, utsname, sigaction; and the first bytes of data
 * buffers.
 *
 * The bytes are the traced program's and may be short or garbage: every
 * read is checked against the captured length first, and a capture too
 * short for its structure prints as the address. Which structure is the
 * table's type (or, for ioctl, the request named by the headers); never a
 * syscall name, never a number typed in. Never writes past the caller's
 * buffer, allocates, or prints by itself.
 */
#include "fmt_priv.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>

/* ---- stat ---- */

/* st_mode as strace prints it: S_IFREG|0644, S_IFDIR|S_ISVTX|0777 */
static void put_mode_t(struct rn_tb *b, uint32_t m)
{
	const char *ty = rn_xlat_name(RN_XLAT(file_types), m & S_IFMT);
	if (ty)
		rn_tb_fmt(b, "%s|", ty);
	else if (m & S_IFMT)
		rn_tb_fmt(b, "%#o|", m & S_IFMT);
	for (size_t i = 0; i < rn_xlat_mode_bits_n; i++)
		if (m & rn_xlat_mode_bits[i].val)
			rn_tb_fmt(b, "%s|", rn_xlat_mode_bits[i].name);
	rn_tb_fmt(b, "%#03o", m & 0777);
}

/* the device numbers of a character or block device, else the size */
static void put_size_or_rdev(struct rn_tb *b, uint32_t mode, uint64_t rdev, int64_t size,
			     const char *rdev_name, const char *size_name)
{
	if (S_ISCHR(mode) || S_ISBLK(mode))
		rn_tb_fmt(b, ", %s=makedev(%#x, %#x)", rdev_name, major(rdev), minor(rdev));
	else
		rn_tb_fmt(b, ", %s=%lld", size_name, (long long)size);
}

/* -v: the local time of s (and ns) in a comment, as strace's
 * sprinttime_nsec: " / * 2026-12-03T13:25:56.648229092+0000 * /" */
static void put_time_comment(struct rn_tb *b, int64_t s, uint64_t ns)
{
	struct tm tm;
	time_t t = (time_t)s;
	if (!localtime_r(&t, &tm))
		return;
	char d[64], z[16];
	strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof z, "%z", &tm);
	if (ns)
		rn_tb_fmt(b, " /* %s.%09llu%s */", d, (unsigned long long)ns, z);
	else
		rn_tb_fmt(b, " /* %s%s */", d, z);
}

/* -v: a stat time as strace prints it, seconds then the local time:
 * "1796312564", then the date and time in a comment, to the nanosecond */
static void put_time(struct rn_tb *b, const char *name, int64_t s, uint64_t ns)
{
	rn_tb_fmt(b, ", %s=%lld", name, (long long)s);
	put_time_comment(b, s, ns);
	rn_tb_fmt(b, ", %s_nsec=%llu", name, (unsigned long long)ns);
}

/* -v: a statx time: ", stx_atime={tv_sec=S, tv_nsec=NS} / * local * /" */
static void put_stx_time(struct rn_tb *b, const char *name, const struct statx_timestamp *ts)
{
	rn_tb_fmt(b, ", %s={tv_sec=%lld, tv_nsec=%u}", name, (long long)ts->tv_sec, ts->tv_nsec);
	put_time_comment(b, ts->tv_sec, ts->tv_nsec);
}

/* an id as strace prints it: -1 for "no id", else unsigned */
static void put_id(struct rn_tb *b, const char *name, uint32_t v)
{
	if (v == UINT32_MAX)
		rn_tb_fmt(b, ", %s=-1", name);
	else
		rn_tb_fmt(b, ", %s=%u", name, v);
}

static void put_stat_whole(struct rn_tb *b, const struct stat *st)
{
	rn_tb_fmt(b, "{st_dev=makedev(%#x, %#x), st_ino=%llu, st_mode=", major(st->st_dev),
		  minor(st->st_dev), (unsigned long long)st->st_ino);
	put_mode_t(b, st->st_mode);
	rn_tb_fmt(b, ", st_nlink=%llu, st_uid=%u, st_gid=%u, st_blksize=%ld, st_blocks=%lld",
		  (unsigned long long)st->st_nlink, st->st_uid, st->st_gid, (long)st->st_blksize,
		  (long long)st->st_blocks);
	put_size_or_rdev(b, st->st_mode, st->st_rdev, st->st_size, "st_rdev", "st_size");
	put_time(b, "st_atime", st->st_atim.tv_sec, (uint64_t)st->st_atim.tv_nsec);
	put_time(b, "st_mtime", st->st_mtim.tv_sec, (uint64_t)st->st_mtim.tv_nsec);
	put_time(b, "st_ctime", st->st_ctim.tv_sec, (uint64_t)st->st_ctim.tv_nsec);
	rn_tb_str(b, "}");
}

void rn_cap_stat(const struct cap_ctx *c)
{
	struct stat st;
	if (c->n < sizeof st) {
		rn_put_ptr(c->b, c->v);
		return;
	}
	memcpy(&st, c->p, sizeof st);
	if (rn_fmt_verbose()) {
		put_stat_whole(c->b, &st);
		return;
	}
	rn_tb_str(c->b, "{st_mode=");
	put_mode_t(c->b, st.st_mode);
	put_size_or_rdev(c->b, st.st_mode, st.st_rdev, st.st_size, "st_rdev", "st_size");
	rn_tb_str(c->b, ", ...}");
}

/* strace's print_statx: the fields -v adds between the abbreviated ones,
 * stx_btime and stx_mnt_id only when stx_mask says the kernel filled them */
void rn_cap_statx(const struct cap_ctx *c)
{
	struct statx sx;
	int v = rn_fmt_verbose();
	if (c->n < sizeof sx) {
		rn_put_ptr(c->b, c->v);
		return;
	}
	memcpy(&sx, c->p, sizeof sx);
	rn_tb_str(c->b, "{stx_mask=");
	rn_put_flags(c->b, sx.stx_mask, RN_XLAT(statx_masks), "0");
	if (v)
		rn_tb_fmt(c->b, ", stx_blksize=%u", sx.stx_blksize);
	rn_tb_str(c->b, ", stx_attributes=");
	rn_put_flags(c->b, sx.stx_attributes, RN_XLAT(statx_attrs), "0");
	if (v) {
		rn_tb_fmt(c->b, ", stx_nlink=%u", sx.stx_nlink);
		put_id(c->b, "stx_uid", sx.stx_uid);
		put_id(c->b, "stx_gid", sx.stx_gid);
	}
	rn_tb_str(c->b, ", stx_mode=");
	put_mode_t(c->b, sx.stx_mode);
	if (v)
		rn_tb_fmt(c->b, ", stx_ino=%llu", (unsigned long long)sx.stx_ino);
	/* strace prints the size even of a device (0), never stx_rdev here */
	rn_tb_fmt(c->b, ", stx_size=%llu", (unsigned long long)sx.stx_size);
	if (!v) {
		rn_tb_str(c->b, ", ...}");
		return;
	}
	rn_tb_fmt(c->b, ", stx_blocks=%llu, stx_attributes_mask=", (unsigned long long)sx.stx_blocks);
	rn_put_flags(c->b, sx.stx_attributes_mask, RN_XLAT(statx_attrs), "0");
	put_stx_time(c->b, "stx_atime", &sx.stx_atime);
	if (sx.stx_mask & STATX_BTIME)
		put_stx_time(c->b, "stx_btime", &sx.stx_btime);
	put_stx_time(c->b, "stx_ctime", &sx.stx_ctime);
	put_stx_time(c->b, "stx_mtime", &sx.stx_mtime);
	rn_tb_fmt(c->b, ", stx_rdev_major=%u, stx_rdev_minor=%u, stx_dev_major=%u, stx_dev_minor=%u",
		  sx.stx_rdev_major, sx.stx_rdev_minor, sx.stx_dev_major, sx.stx_dev_minor);
	if (sx.stx_mask & STATX_MNT_ID)
		rn_tb_fmt(c->b, ", stx_mnt_id=%#llx", (unsigned long long)sx.stx_mnt_id);
	rn_tb_str(c->b, "}");
}

/* ---- poll ---- */

/* events (or revents, when revents) of each entry; only entries with
 * revents set when printing the result, as strace does */
static size_t put_pollfds(struct rn_tb *b, const uint8_t *p, size_t n, int revents)
{
	size_t cnt = n / sizeof(struct pollfd), shown = 0;
	rn_tb_str(b, "[");
	for (size_t i = 0; i < cnt; i++) {
		struct pollfd pf;
		memcpy(&pf, p + i * sizeof pf, sizeof pf);
		if (revents && !pf.revents)
			continue;
		rn_tb_fmt(b, "%s{fd=%d, %s=", shown ? ", " : "", pf.fd,
			  revents ? "revents" : "events");
		rn_put_flags(b, (uint16_t)(revents ? pf.revents : pf.events), RN_XLAT(poll_events),
			     "0");
		rn_tb_str(b, "}");
		shown++;
	}
	rn_tb_str(b, "]");
	return shown;
}

void rn_cap_pollfds(const struct cap_ctx *c)
{
	if (c->n < sizeof(struct pollfd)) {
		rn_put_ptr(c->b, c->v);
		return;
	}
	put_pollfds(c->b, c->p, c->n, 0);
}

void rn_put_poll_ret(struct rn_tb *b, const struct rn_event *ev)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	rn_tb_fmt(b, "%lld", (long long)ev->ret);
	if (ev->ret == 0) {
		rn_tb_str(b, " (Timeout)");
		return;
	}
	for (unsigned i = 0; i < fi->ntypes && i < RN_MAX_TYPES; i++) {
		const struct rn_capture *c = &ev->cap[i];
		if (fi->types[i] != RN_ARG_POLLFDS || !c->present || !c->data ||
		    (c->flags & (RN_ITEM_NULL | RN_ITEM_UNREAD)) || c->len < sizeof(struct pollfd))
			continue;
		rn_tb_str(b, " (");
		put_pollfds(b, c->data, c->len, 1);
		rn_tb_str(b, ")");
		return;
	}
}

/* ---- epoll ---- */

static void put_epollev(struct rn_tb *b, const uint8_t *p)
{
	struct epoll_event e;	/* packed on x86-64: 12 bytes */
	memcpy(&e, p, sizeof e);
	rn_tb_str(b, "{events=");
	rn_put_flags(b, e.events, RN_XLAT(epoll_events), "0");
	rn_tb_fmt(b, ", data={u32=%u, u64=%llu}}", (uint32_t)e.data.u64,
		  (unsigned long long)e.data.u64);
}

void rn_cap_epollev(const struct cap_ctx *c)
{
	if (c->n < sizeof(struct epoll_event)) {
		rn_put_ptr(c->b, c->v);
		return;
	}
	put_epollev(c->b, c->p);
}

void rn_cap_epollevs(const struct cap_ctx *c)
{
	size_t cnt = c->n / sizeof(struct epoll_event);
	rn_tb_str(c->b, "[");
	for (size_t i = 0; i < cnt; i++) {
		if (i)
			rn_tb_str(c->b, ", ");
		put_epollev(c->b, c->p + i * sizeof(struct epoll_event));
	}
	rn_tb_str(c->b, "]");
}

/* ---- ioctl's argument, by its request (the argument before it) ---- */

static int32_t rd_i32(const uint8_t *p)
{
	int32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

void rn_cap_ioctlarg(const struct cap_ctx *c)
{
	/* the request is the call argument before this one */
	unsigned k = c->it->k;
	unsigned long req = k >= 2 && k - 2 < RN_MAX_ARGS ? (unsigned long)c->it->ev->arg[k - 2] : 0;
	switch (req) {
	case TCGETS: case TCSETS: case TCSETSW: case TCSETSF:
		rn_put_termios(c->b, c->p, c->n, c->v);
		return;
	case TIOCGWINSZ: case TIOCSWINSZ: {
		struct winsize ws;
		if (c->n < sizeof ws)
			break;
		memcpy(&ws, c->p, sizeof ws);
		rn_tb_fmt(c->b, "{ws_row=%u, ws_col=%u, ws_xpixel=%u, ws_ypixel=%u}", ws.ws_row,
			  ws.ws_col, ws.ws_xpixel, ws.ws_ypixel);
		return;
	}
	default:
		if (c->n != sizeof(int32_t))
			break;
		rn_tb_fmt(c->b, "[%d]", rd_i32(c->p));
		return;
	}
	rn_put_hex(c->b, c->v);
}

/* setsockopt's value: an int as [1], as strace does for most options */
void rn_cap_sockoptval(const struct cap_ctx *c)
{
	if (c->n == sizeof(int32_t))
		rn_tb_fmt(c->b, "[%d]", rd_i32(c->p));
	else
		rn_put_ptr(c->b, c->v);
}

/* ---- rlimit, utsname, sigaction ---- */

static void put_rlim(struct rn_tb *b, uint64_t v)
{
	if (v == RLIM_INFINITY)
		rn_tb_str(b, "RLIM64_INFINITY");
	else if (v && !(v % 1024))
		rn_tb_fmt(b, "%llu*1024", (unsigned long long)(v / 1024));
	else
		rn_tb_fmt(b, "%llu", (unsigned long long)v);
}

void rn_cap_rlimit(const struct cap_ctx *c)
{
	struct rlimit r;
	if (c->n < sizeof r) {
		rn_put_ptr(c->b, c->v);
		return;
	}
	memcpy(&r, c->p, sizeof r);
	rn_tb_str(c->b, "{rlim_cur=");
	put_rlim(c->b, r.rlim_cur);
	rn_tb_str(c->b, ", rlim_max=");
	put_rlim(c->b, r.rlim_max);
	rn_tb_str(c->b, "}");
}

static void put_field(struct rn_tb *b, const char *name, const char *s, size_t cap)
{
	rn_tb_fmt(b, "%s=", name);
	rn_put_quoted(b, (const uint8_t *)s, strnlen(s, cap), 1);
}

void rn_cap_utsname(const struct cap_ctx *c)
{
	struct utsname u;
	if (c->n < sizeof u) {
		rn_put_ptr(c->b, c->v);
		return;
	}
	memcpy(&u, c->p, sizeof u);
	rn_tb_str(c->b, "{");
	put_field(c->b, "sysname", u.sysname, sizeof u.sysname);
	rn_tb_str(c->b, ", ");
	put_field(c->b, "nodename", u.nodename, sizeof u.nodename);
	if (!rn_fmt_verbose()) {
		rn_tb_str(c->b, ", ...}");
		return;
	}
	/* -v: every field, as strace -v */
	rn_tb_str(c->b, ", ");
	put_field(c->b, "release", u.release, sizeof u.release);
	rn_tb_str(c->b, ", ");
	put_field(c->b, "version", u.version, sizeof u.version);
	rn_tb_str(c->b, ", ");
	put_field(c->b, "machine", u.machine, sizeof u.machine);
	rn_tb_str(c->b, ", ");
	put_field(c->b, "domainname", u.domainname, sizeof u.domainname);
	rn_tb_str(c->b, "}");
}

/* SA_RESTORER's bit: the kernel's alone, glibc's headers lack it */
static uint64_t sa_restorer_bit(void)
{
	for (size_t i = 0; i < rn_xlat_sa_flags_n; i++)
		if (!strcmp(rn_xlat_sa_flags[i].name, "SA_RESTORER"))
			return rn_xlat_sa_flags[i].val;
	return 0;
}

/* A signal mask as strace prints it: signal names without SIG, and
 * when two thirds of the kernel's 64 or more are set, "~[...]" with the
 * ones that are not (strace's sprintsigmask_n). */
static void put_sigmask(struct rn_tb *b, const sigset_t *m)
{
	int set = 0;
	for (int s = 1; s < 65; s++)
		set += sigismember(m, s) == 1;
	int inv = set >= 64 * 2 / 3;
	rn_tb_str(b, inv ? "~[" : "[");
	int first = 1;
	for (int s = 1; s < 65; s++) {
		if ((sigismember(m, s) == 1) == inv)
			continue;
		char name[32];
		struct rn_tb nb;
		rn_tb_init(&nb, name, sizeof name);
		rn_put_sig(&nb, (uint64_t)s);
		const char *n = !strncmp(name, "SIG", 3) ? name + 3 : name;
		rn_tb_fmt(b, "%s%s", first ? "" : " ", n);
		first = 0;
	}
	rn_tb_str(b, "]");
}

/* a struct sigaction; glibc: the program's act, to which glibc adds
 * SA_RESTORER (and its own restorer, whose address only it knows) */
static void put_sigaction(const struct cap_ctx *c, int glibc)
{
	struct sigaction sa;
	if (c->n < sizeof sa) {
		rn_put_ptr(c->b, c->v);
		return;
	}
	memcpy(&sa, c->p, sizeof sa);
	uintptr_t h = (uintptr_t)sa.sa_handler;
	rn_tb_str(c->b, "{sa_handler=");
	if (sa.sa_handler == SIG_DFL)
		rn_tb_str(c->b, "SIG_DFL");
	else if (sa.sa_handler == SIG_IGN)
		rn_tb_str(c->b, "SIG_IGN");
	else
		rn_tb_fmt(c->b, "%#llx", (unsigned long long)h);
	rn_tb_str(c->b, ", sa_mask=");
	put_sigmask(c->b, &sa.sa_mask);
	rn_tb_str(c->b, ", sa_flags=");
	uint64_t restorer = sa_restorer_bit();
	uint64_t flags = (uint32_t)sa.sa_flags | (glibc ? restorer : 0);
	rn_put_flags(c->b, flags, RN_XLAT(sa_flags), "0");
	if ((flags & restorer) && !glibc)
		rn_tb_fmt(c->b, ", sa_restorer=%#llx", (unsigned long long)(uintptr_t)sa.sa_restorer);
	rn_tb_str(c->b, "}");
}

void rn_cap_sigaction(const struct cap_ctx *c)
{
	put_sigaction(c, 0);
}

void rn_cap_sigaction_in(const struct cap_ctx *c)
{
	put_sigaction(c, 1);
}

/* an address length: [16], or [128 => 16] when the call changed it */
void rn_cap_socklenp(const struct cap_ctx *c)
{
	uint32_t v[2];
	if (c->n == 8) {
		memcpy(v, c->p, 8);
		if (v[0] != v[1]) {
			rn_tb_fmt(c->b, "[%u => %u]", v[0], v[1]);
			return;
		}
		rn_tb_fmt(c->b, "[%u]", v[1]);
	} else if (c->n == 4) {
		memcpy(v, c->p, 4);
		rn_tb_fmt(c->b, "[%u]", v[0]);
	} else {
		rn_put_ptr(c->b, c->v);
	}
}

/* ---- data buffers ---- */

void rn_put_data(struct rn_tb *b, const struct rn_event *ev, unsigned i, uint64_t v)
{
	const struct rn_capture *c = i < RN_MAX_TYPES ? &ev->cap[i] : NULL;
	/* what was captured is good: the shim keeps a buffer the call
	 * filled only after a success, one it read unless it faulted */
	if (!c || !c->present || !c->data) {
		rn_put_ptr(b, v);
		return;
	}
	rn_put_quoted(b, c->data, c->len, 0);
	if (c->flags & RN_ITEM_TRUNC)
		rn_tb_str(b, "...");
}
