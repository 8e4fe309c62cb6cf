/* decode_fmt.c: turns one decoded call into the text strace would print.
 *
 * Used by every sink. It reads only the event (already bounds-checked by the
 * decoder) and still re-checks every capture length before it reads: the
 * bytes are the traced program's. It must never write past a caller's
 * buffer, allocate, or print anything itself.
 */
#include "decode_fmt.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../common/record.h"

/* ---- bounded output ---- */

struct rn_out {
	char *p;
	size_t cap;
	size_t len;
};

static void out_init(struct rn_out *o, char *p, size_t cap)
{
	o->p = p;
	o->cap = cap;
	o->len = 0;
	if (cap)
		p[0] = '\0';
}

static void out_mem(struct rn_out *o, const char *s, size_t n)
{
	if (!o->cap)
		return;
	size_t room = o->cap - 1 - o->len;
	if (n > room)
		n = room;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void out_str(struct rn_out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void out_fmt(struct rn_out *o, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out_mem(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* ---- value tables ---- */

struct rn_flag {
	uint64_t val;
	const char *name;
};

#define RN_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *xlookup(const struct rn_flag *t, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].val == v)
			return t[i].name;
	return NULL;
}

/* strace's printflags: names in table order, each taking its bits so that
 * wider names listed first (O_SYNC, O_TMPFILE) win; leftovers in hex. */
static void out_flags_more(struct rn_out *o, uint64_t v, const struct rn_flag *t,
			   size_t n, int sep)
{
	for (size_t i = 0; i < n && v; i++) {
		if (t[i].val && (v & t[i].val) == t[i].val) {
			if (sep)
				out_mem(o, "|", 1);
			out_str(o, t[i].name);
			v &= ~t[i].val;
			sep = 1;
		}
	}
	if (v)
		out_fmt(o, "%s%#llx", sep ? "|" : "", (unsigned long long)v);
}

static void out_flags(struct rn_out *o, uint64_t v, const struct rn_flag *t, size_t n,
		      const char *zero)
{
	if (!v) {
		out_str(o, zero);
		return;
	}
	out_flags_more(o, v, t, n, 0);
}

static void out_xval(struct rn_out *o, uint64_t v, const struct rn_flag *t, size_t n,
		     int is_signed)
{
	const char *s = xlookup(t, n, v);
	if (s)
		out_str(o, s);
	else if (is_signed)
		out_fmt(o, "%d", (int)(int32_t)v);
	else
		out_fmt(o, "%#llx", (unsigned long long)v);
}

/* Kernel values, not glibc's: O_LARGEFILE is 0 in x86-64 userspace
 * headers but strace shows the bit the kernel sees. */
#define K_O_CREAT 0100
#define K_O_EXCL 0200
#define K_O_NOCTTY 0400
#define K_O_TRUNC 01000
#define K_O_APPEND 02000
#define K_O_NONBLOCK 04000
#define K_O_DSYNC 010000
#define K_FASYNC 020000
#define K_O_DIRECT 040000
#define K_O_LARGEFILE 0100000
#define K_O_DIRECTORY 0200000
#define K_O_NOFOLLOW 0400000
#define K_O_NOATIME 01000000
#define K_O_CLOEXEC 02000000
#define K_O_SYNC 04010000
#define K_O_PATH 010000000
#define K___O_TMPFILE 020000000
#define K_O_TMPFILE (K___O_TMPFILE | K_O_DIRECTORY)

/* The order strace 6 prints them in. */
static const struct rn_flag open_flags[] = {
	{ K_O_CREAT, "O_CREAT" }, { K_O_EXCL, "O_EXCL" },
	{ K_O_NOCTTY, "O_NOCTTY" }, { K_O_TRUNC, "O_TRUNC" },
	{ K_O_APPEND, "O_APPEND" }, { K_O_NONBLOCK, "O_NONBLOCK" },
	{ K_O_SYNC, "O_SYNC" }, { K_O_DSYNC, "O_DSYNC" },
	{ K_O_DIRECT, "O_DIRECT" }, { K_O_LARGEFILE, "O_LARGEFILE" },
	{ K_O_NOFOLLOW, "O_NOFOLLOW" }, { K_O_NOATIME, "O_NOATIME" },
	{ K_O_CLOEXEC, "O_CLOEXEC" }, { K_O_PATH, "O_PATH" },
	{ K_O_TMPFILE, "O_TMPFILE" }, { K_O_DIRECTORY, "O_DIRECTORY" },
	{ K_FASYNC, "FASYNC" },
};

static const char *const accmodes[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

static void out_oflags(struct rn_out *o, uint64_t v)
{
	uint32_t f = (uint32_t)v;
	out_str(o, accmodes[f & 3]);
	out_flags_more(o, f & ~3u, open_flags, RN_ARRAY_SIZE(open_flags), 1);
}

static const struct rn_flag sock_flags[] = {
	{ K_O_CLOEXEC, "SOCK_CLOEXEC" }, { K_O_NONBLOCK, "SOCK_NONBLOCK" },
};
static const struct rn_flag efd_flags[] = {
	{ 1, "EFD_SEMAPHORE" }, { K_O_CLOEXEC, "EFD_CLOEXEC" },
	{ K_O_NONBLOCK, "EFD_NONBLOCK" },
};
static const struct rn_flag epoll_flags[] = { { K_O_CLOEXEC, "EPOLL_CLOEXEC" } };

static const struct rn_flag at_flags[] = {
	{ 0x100, "AT_SYMLINK_NOFOLLOW" }, { 0x400, "AT_SYMLINK_FOLLOW" },
	{ 0x800, "AT_NO_AUTOMOUNT" }, { 0x1000, "AT_EMPTY_PATH" },
	{ 0x2000, "AT_STATX_FORCE_SYNC" }, { 0x4000, "AT_STATX_DONT_SYNC" },
	{ 0x8000, "AT_RECURSIVE" },
};

static const struct rn_flag access_flags[] = {
	{ 4, "R_OK" }, { 2, "W_OK" }, { 1, "X_OK" },
};

static const struct rn_flag prot_flags[] = {
	{ 1, "PROT_READ" }, { 2, "PROT_WRITE" }, { 4, "PROT_EXEC" },
	{ 8, "PROT_SEM" }, { 0x01000000, "PROT_GROWSDOWN" },
	{ 0x02000000, "PROT_GROWSUP" },
};

static const struct rn_flag map_types[] = {
	{ 1, "MAP_SHARED" }, { 2, "MAP_PRIVATE" }, { 3, "MAP_SHARED_VALIDATE" },
};
static const struct rn_flag map_flags[] = {
	{ 0x10, "MAP_FIXED" }, { 0x20, "MAP_ANONYMOUS" }, { 0x40, "MAP_32BIT" },
	{ 0x100, "MAP_GROWSDOWN" }, { 0x800, "MAP_DENYWRITE" },
	{ 0x1000, "MAP_EXECUTABLE" }, { 0x2000, "MAP_LOCKED" },
	{ 0x4000, "MAP_NORESERVE" }, { 0x8000, "MAP_POPULATE" },
	{ 0x10000, "MAP_NONBLOCK" }, { 0x20000, "MAP_STACK" },
	{ 0x40000, "MAP_HUGETLB" }, { 0x80000, "MAP_SYNC" },
	{ 0x100000, "MAP_FIXED_NOREPLACE" }, { 0x4000000, "MAP_UNINITIALIZED" },
};

static const struct rn_flag msg_flags[] = {
	{ 0x1, "MSG_OOB" }, { 0x2, "MSG_PEEK" }, { 0x4, "MSG_DONTROUTE" },
	{ 0x8, "MSG_CTRUNC" }, { 0x10, "MSG_PROBE" }, { 0x20, "MSG_TRUNC" },
	{ 0x40, "MSG_DONTWAIT" }, { 0x80, "MSG_EOR" }, { 0x100, "MSG_WAITALL" },
	{ 0x200, "MSG_FIN" }, { 0x400, "MSG_SYN" }, { 0x800, "MSG_CONFIRM" },
	{ 0x1000, "MSG_RST" }, { 0x2000, "MSG_ERRQUEUE" },
	{ 0x4000, "MSG_NOSIGNAL" }, { 0x8000, "MSG_MORE" },
	{ 0x10000, "MSG_WAITFORONE" }, { 0x40000, "MSG_BATCH" },
	{ 0x4000000, "MSG_ZEROCOPY" }, { 0x20000000, "MSG_FASTOPEN" },
	{ 0x40000000, "MSG_CMSG_CLOEXEC" },
};

static const char *const af_names[] = {
	"AF_UNSPEC", "AF_UNIX", "AF_INET", "AF_AX25", "AF_IPX", "AF_APPLETALK",
	"AF_NETROM", "AF_BRIDGE", "AF_ATMPVC", "AF_X25", "AF_INET6", "AF_ROSE",
	"AF_DECnet", "AF_NETBEUI", "AF_SECURITY", "AF_KEY", "AF_NETLINK",
	"AF_PACKET", "AF_ASH", "AF_ECONET", "AF_ATMSVC", "AF_RDS", "AF_SNA",
	"AF_IRDA", "AF_PPPOX", "AF_WANPIPE", "AF_LLC", "AF_IB", "AF_MPLS",
	"AF_CAN", "AF_TIPC", "AF_BLUETOOTH", "AF_IUCV", "AF_RXRPC", "AF_ISDN",
	"AF_PHONET", "AF_IEEE802154", "AF_CAIF", "AF_ALG", "AF_NFC",
	"AF_VSOCK", "AF_KCM", "AF_QIPCRTR", "AF_SMC", "AF_XDP", "AF_MCTP",
};

static const struct rn_flag sock_types[] = {
	{ 1, "SOCK_STREAM" }, { 2, "SOCK_DGRAM" }, { 3, "SOCK_RAW" },
	{ 4, "SOCK_RDM" }, { 5, "SOCK_SEQPACKET" }, { 6, "SOCK_DCCP" },
	{ 10, "SOCK_PACKET" },
};

static const struct rn_flag inet_protos[] = {
	{ 0, "IPPROTO_IP" }, { 1, "IPPROTO_ICMP" }, { 6, "IPPROTO_TCP" },
	{ 17, "IPPROTO_UDP" }, { 58, "IPPROTO_ICMPV6" }, { 132, "IPPROTO_SCTP" },
	{ 136, "IPPROTO_UDPLITE" }, { 255, "IPPROTO_RAW" }, { 262, "IPPROTO_MPTCP" },
};

static const struct rn_flag netlink_protos[] = {
	{ 0, "NETLINK_ROUTE" }, { 4, "NETLINK_SOCK_DIAG" }, { 6, "NETLINK_XFRM" },
	{ 9, "NETLINK_AUDIT" }, { 15, "NETLINK_KOBJECT_UEVENT" },
	{ 16, "NETLINK_GENERIC" },
};

static const char *const shut_names[] = { "SHUT_RD", "SHUT_WR", "SHUT_RDWR" };

static const char *const sig_names[] = {
	NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
	"SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2",
	"SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
	"SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
	"SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
	"SIGSYS",
};

const char *rn_signal_name(int sig)
{
	return sig > 0 && (size_t)sig < RN_ARRAY_SIZE(sig_names) ? sig_names[sig] : NULL;
}

static void out_sig(struct rn_out *o, uint64_t v)
{
	int s = (int)(int32_t)v;
	if (s > 0 && (size_t)s < RN_ARRAY_SIZE(sig_names))
		out_str(o, sig_names[s]);
	else if (s == 32)
		out_str(o, "SIGRTMIN");
	else if (s > 32 && s <= 64)
		out_fmt(o, "SIGRT_%d", s - 32);
	else
		out_fmt(o, "%d", s);
}

static const struct rn_flag wait_flags[] = {
	{ 1, "WNOHANG" }, { 2, "WSTOPPED" }, { 4, "WEXITED" },
	{ 8, "WCONTINUED" }, { 0x1000000, "WNOWAIT" },
	{ 0x20000000, "__WNOTHREAD" }, { 0x40000000, "__WALL" },
	{ 0x80000000, "__WCLONE" },
};

static const struct rn_flag whences[] = {
	{ 0, "SEEK_SET" }, { 1, "SEEK_CUR" }, { 2, "SEEK_END" },
	{ 3, "SEEK_DATA" }, { 4, "SEEK_HOLE" },
};

#define K_F_DUPFD 0
#define K_F_GETFD 1
#define K_F_SETFD 2
#define K_F_GETFL 3
#define K_F_SETFL 4
static const struct rn_flag fcntl_cmds[] = {
	{ 0, "F_DUPFD" }, { 1, "F_GETFD" }, { 2, "F_SETFD" }, { 3, "F_GETFL" },
	{ 4, "F_SETFL" }, { 5, "F_GETLK" }, { 6, "F_SETLK" }, { 7, "F_SETLKW" },
	{ 8, "F_SETOWN" }, { 9, "F_GETOWN" }, { 10, "F_SETSIG" },
	{ 11, "F_GETSIG" }, { 15, "F_SETOWN_EX" }, { 16, "F_GETOWN_EX" },
	{ 17, "F_GETOWNER_UIDS" }, { 36, "F_OFD_GETLK" }, { 37, "F_OFD_SETLK" },
	{ 38, "F_OFD_SETLKW" }, { 1024, "F_SETLEASE" }, { 1025, "F_GETLEASE" },
	{ 1026, "F_NOTIFY" }, { 1030, "F_DUPFD_CLOEXEC" },
	{ 1031, "F_SETPIPE_SZ" }, { 1032, "F_GETPIPE_SZ" },
	{ 1033, "F_ADD_SEALS" }, { 1034, "F_GET_SEALS" },
	{ 1035, "F_GET_RW_HINT" }, { 1036, "F_SET_RW_HINT" },
	{ 1037, "F_GET_FILE_RW_HINT" }, { 1038, "F_SET_FILE_RW_HINT" },
};

static const struct rn_flag fd_flags[] = { { 1, "FD_CLOEXEC" } };
static const struct rn_flag lease_types[] = {
	{ 0, "F_RDLCK" }, { 1, "F_WRLCK" }, { 2, "F_UNLCK" },
};
static const struct rn_flag seal_flags[] = {
	{ 1, "F_SEAL_SEAL" }, { 2, "F_SEAL_SHRINK" }, { 4, "F_SEAL_GROW" },
	{ 8, "F_SEAL_WRITE" }, { 16, "F_SEAL_FUTURE_WRITE" },
};

static const struct rn_flag epoll_ops[] = {
	{ 1, "EPOLL_CTL_ADD" }, { 2, "EPOLL_CTL_DEL" }, { 3, "EPOLL_CTL_MOD" },
};

static const struct rn_flag clock_ids[] = {
	{ 0, "CLOCK_REALTIME" }, { 1, "CLOCK_MONOTONIC" },
	{ 2, "CLOCK_PROCESS_CPUTIME_ID" }, { 3, "CLOCK_THREAD_CPUTIME_ID" },
	{ 4, "CLOCK_MONOTONIC_RAW" }, { 5, "CLOCK_REALTIME_COARSE" },
	{ 6, "CLOCK_MONOTONIC_COARSE" }, { 7, "CLOCK_BOOTTIME" },
	{ 8, "CLOCK_REALTIME_ALARM" }, { 9, "CLOCK_BOOTTIME_ALARM" },
	{ 11, "CLOCK_TAI" },
};

static const struct rn_flag timer_flags[] = { { 1, "TIMER_ABSTIME" } };

/* ---- errno ---- */

/* glibc 2.36's names and messages, frozen here so output never depends on
 * the locale or the C library the exporter runs on. */
static const struct {
	const char *name;
	const char *desc;
} errnos[134] = {
	[1] = { "EPERM", "Operation not permitted" },
	[2] = { "ENOENT", "No such file or directory" },
	[3] = { "ESRCH", "No such process" },
	[4] = { "EINTR", "Interrupted system call" },
	[5] = { "EIO", "Input/output error" },
	[6] = { "ENXIO", "No such device or address" },
	[7] = { "E2BIG", "Argument list too long" },
	[8] = { "ENOEXEC", "Exec format error" },
	[9] = { "EBADF", "Bad file descriptor" },
	[10] = { "ECHILD", "No child processes" },
	[11] = { "EAGAIN", "Resource temporarily unavailable" },
	[12] = { "ENOMEM", "Cannot allocate memory" },
	[13] = { "EACCES", "Permission denied" },
	[14] = { "EFAULT", "Bad address" },
	[15] = { "ENOTBLK", "Block device required" },
	[16] = { "EBUSY", "Device or resource busy" },
	[17] = { "EEXIST", "File exists" },
	[18] = { "EXDEV", "Invalid cross-device link" },
	[19] = { "ENODEV", "No such device" },
	[20] = { "ENOTDIR", "Not a directory" },
	[21] = { "EISDIR", "Is a directory" },
	[22] = { "EINVAL", "Invalid argument" },
	[23] = { "ENFILE", "Too many open files in system" },
	[24] = { "EMFILE", "Too many open files" },
	[25] = { "ENOTTY", "Inappropriate ioctl for device" },
	[26] = { "ETXTBSY", "Text file busy" },
	[27] = { "EFBIG", "File too large" },
	[28] = { "ENOSPC", "No space left on device" },
	[29] = { "ESPIPE", "Illegal seek" },
	[30] = { "EROFS", "Read-only file system" },
	[31] = { "EMLINK", "Too many links" },
	[32] = { "EPIPE", "Broken pipe" },
	[33] = { "EDOM", "Numerical argument out of domain" },
	[34] = { "ERANGE", "Numerical result out of range" },
	[35] = { "EDEADLK", "Resource deadlock avoided" },
	[36] = { "ENAMETOOLONG", "File name too long" },
	[37] = { "ENOLCK", "No locks available" },
	[38] = { "ENOSYS", "Function not implemented" },
	[39] = { "ENOTEMPTY", "Directory not empty" },
	[40] = { "ELOOP", "Too many levels of symbolic links" },
	[42] = { "ENOMSG", "No message of desired type" },
	[43] = { "EIDRM", "Identifier removed" },
	[44] = { "ECHRNG", "Channel number out of range" },
	[45] = { "EL2NSYNC", "Level 2 not synchronized" },
	[46] = { "EL3HLT", "Level 3 halted" },
	[47] = { "EL3RST", "Level 3 reset" },
	[48] = { "ELNRNG", "Link number out of range" },
	[49] = { "EUNATCH", "Protocol driver not attached" },
	[50] = { "ENOCSI", "No CSI structure available" },
	[51] = { "EL2HLT", "Level 2 halted" },
	[52] = { "EBADE", "Invalid exchange" },
	[53] = { "EBADR", "Invalid request descriptor" },
	[54] = { "EXFULL", "Exchange full" },
	[55] = { "ENOANO", "No anode" },
	[56] = { "EBADRQC", "Invalid request code" },
	[57] = { "EBADSLT", "Invalid slot" },
	[59] = { "EBFONT", "Bad font file format" },
	[60] = { "ENOSTR", "Device not a stream" },
	[61] = { "ENODATA", "No data available" },
	[62] = { "ETIME", "Timer expired" },
	[63] = { "ENOSR", "Out of streams resources" },
	[64] = { "ENONET", "Machine is not on the network" },
	[65] = { "ENOPKG", "Package not installed" },
	[66] = { "EREMOTE", "Object is remote" },
	[67] = { "ENOLINK", "Link has been severed" },
	[68] = { "EADV", "Advertise error" },
	[69] = { "ESRMNT", "Srmount error" },
	[70] = { "ECOMM", "Communication error on send" },
	[71] = { "EPROTO", "Protocol error" },
	[72] = { "EMULTIHOP", "Multihop attempted" },
	[73] = { "EDOTDOT", "RFS specific error" },
	[74] = { "EBADMSG", "Bad message" },
	[75] = { "EOVERFLOW", "Value too large for defined data type" },
	[76] = { "ENOTUNIQ", "Name not unique on network" },
	[77] = { "EBADFD", "File descriptor in bad state" },
	[78] = { "EREMCHG", "Remote address changed" },
	[79] = { "ELIBACC", "Can not access a needed shared library" },
	[80] = { "ELIBBAD", "Accessing a corrupted shared library" },
	[81] = { "ELIBSCN", ".lib section in a.out corrupted" },
	[82] = { "ELIBMAX", "Attempting to link in too many shared libraries" },
	[83] = { "ELIBEXEC", "Cannot exec a shared library directly" },
	[84] = { "EILSEQ", "Invalid or incomplete multibyte or wide character" },
	[85] = { "ERESTART", "Interrupted system call should be restarted" },
	[86] = { "ESTRPIPE", "Streams pipe error" },
	[87] = { "EUSERS", "Too many users" },
	[88] = { "ENOTSOCK", "Socket operation on non-socket" },
	[89] = { "EDESTADDRREQ", "Destination address required" },
	[90] = { "EMSGSIZE", "Message too long" },
	[91] = { "EPROTOTYPE", "Protocol wrong type for socket" },
	[92] = { "ENOPROTOOPT", "Protocol not available" },
	[93] = { "EPROTONOSUPPORT", "Protocol not supported" },
	[94] = { "ESOCKTNOSUPPORT", "Socket type not supported" },
	[95] = { "EOPNOTSUPP", "Operation not supported" },
	[96] = { "EPFNOSUPPORT", "Protocol family not supported" },
	[97] = { "EAFNOSUPPORT", "Address family not supported by protocol" },
	[98] = { "EADDRINUSE", "Address already in use" },
	[99] = { "EADDRNOTAVAIL", "Cannot assign requested address" },
	[100] = { "ENETDOWN", "Network is down" },
	[101] = { "ENETUNREACH", "Network is unreachable" },
	[102] = { "ENETRESET", "Network dropped connection on reset" },
	[103] = { "ECONNABORTED", "Software caused connection abort" },
	[104] = { "ECONNRESET", "Connection reset by peer" },
	[105] = { "ENOBUFS", "No buffer space available" },
	[106] = { "EISCONN", "Transport endpoint is already connected" },
	[107] = { "ENOTCONN", "Transport endpoint is not connected" },
	[108] = { "ESHUTDOWN", "Cannot send after transport endpoint shutdown" },
	[109] = { "ETOOMANYREFS", "Too many references: cannot splice" },
	[110] = { "ETIMEDOUT", "Connection timed out" },
	[111] = { "ECONNREFUSED", "Connection refused" },
	[112] = { "EHOSTDOWN", "Host is down" },
	[113] = { "EHOSTUNREACH", "No route to host" },
	[114] = { "EALREADY", "Operation already in progress" },
	[115] = { "EINPROGRESS", "Operation now in progress" },
	[116] = { "ESTALE", "Stale file handle" },
	[117] = { "EUCLEAN", "Structure needs cleaning" },
	[118] = { "ENOTNAM", "Not a XENIX named type file" },
	[119] = { "ENAVAIL", "No XENIX semaphores available" },
	[120] = { "EISNAM", "Is a named type file" },
	[121] = { "EREMOTEIO", "Remote I/O error" },
	[122] = { "EDQUOT", "Disk quota exceeded" },
	[123] = { "ENOMEDIUM", "No medium found" },
	[124] = { "EMEDIUMTYPE", "Wrong medium type" },
	[125] = { "ECANCELED", "Operation canceled" },
	[126] = { "ENOKEY", "Required key not available" },
	[127] = { "EKEYEXPIRED", "Key has expired" },
	[128] = { "EKEYREVOKED", "Key has been revoked" },
	[129] = { "EKEYREJECTED", "Key was rejected by service" },
	[130] = { "EOWNERDEAD", "Owner died" },
	[131] = { "ENOTRECOVERABLE", "State not recoverable" },
	[132] = { "ERFKILL", "Operation not possible due to RF-kill" },
	[133] = { "EHWPOISON", "Memory page has hardware error" },
};

const char *rn_errno_name(int e)
{
	if (e <= 0 || (size_t)e >= RN_ARRAY_SIZE(errnos))
		return NULL;
	return errnos[e].name;
}

const char *rn_errno_desc(int e)
{
	if (e <= 0 || (size_t)e >= RN_ARRAY_SIZE(errnos))
		return NULL;
	return errnos[e].desc;
}

/* ---- system call numbers ---- */

/* x86-64 numbers (the only ABI the shim records), with the argument count
 * the kernel takes, so syscall(2) prints as many arguments as strace. */
static const struct {
	const char *name;
	int nargs;
} sysnos[451] = {
	[0] = { "read", 3 },
	[1] = { "write", 3 },
	[2] = { "open", 3 },
	[3] = { "close", 1 },
	[4] = { "stat", 2 },
	[5] = { "fstat", 2 },
	[6] = { "lstat", 2 },
	[7] = { "poll", 3 },
	[8] = { "lseek", 3 },
	[9] = { "mmap", 6 },
	[10] = { "mprotect", 3 },
	[11] = { "munmap", 2 },
	[12] = { "brk", 1 },
	[13] = { "rt_sigaction", 4 },
	[14] = { "rt_sigprocmask", 4 },
	[15] = { "rt_sigreturn", 0 },
	[16] = { "ioctl", 3 },
	[17] = { "pread64", 4 },
	[18] = { "pwrite64", 4 },
	[19] = { "readv", 3 },
	[20] = { "writev", 3 },
	[21] = { "access", 2 },
	[22] = { "pipe", 1 },
	[23] = { "select", 5 },
	[24] = { "sched_yield", 0 },
	[25] = { "mremap", 5 },
	[26] = { "msync", 3 },
	[27] = { "mincore", 3 },
	[28] = { "madvise", 3 },
	[29] = { "shmget", 3 },
	[30] = { "shmat", 3 },
	[31] = { "shmctl", 3 },
	[32] = { "dup", 1 },
	[33] = { "dup2", 2 },
	[34] = { "pause", 0 },
	[35] = { "nanosleep", 2 },
	[36] = { "getitimer", 2 },
	[37] = { "alarm", 1 },
	[38] = { "setitimer", 3 },
	[39] = { "getpid", 0 },
	[40] = { "sendfile", 4 },
	[41] = { "socket", 3 },
	[42] = { "connect", 3 },
	[43] = { "accept", 3 },
	[44] = { "sendto", 6 },
	[45] = { "recvfrom", 6 },
	[46] = { "sendmsg", 3 },
	[47] = { "recvmsg", 3 },
	[48] = { "shutdown", 2 },
	[49] = { "bind", 3 },
	[50] = { "listen", 2 },
	[51] = { "getsockname", 3 },
	[52] = { "getpeername", 3 },
	[53] = { "socketpair", 4 },
	[54] = { "setsockopt", 5 },
	[55] = { "getsockopt", 5 },
	[56] = { "clone", 5 },
	[57] = { "fork", 0 },
	[58] = { "vfork", 0 },
	[59] = { "execve", 3 },
	[60] = { "exit", 1 },
	[61] = { "wait4", 4 },
	[62] = { "kill", 2 },
	[63] = { "uname", 1 },
	[64] = { "semget", 3 },
	[65] = { "semop", 3 },
	[66] = { "semctl", 4 },
	[67] = { "shmdt", 1 },
	[68] = { "msgget", 2 },
	[69] = { "msgsnd", 4 },
	[70] = { "msgrcv", 5 },
	[71] = { "msgctl", 3 },
	[72] = { "fcntl", 3 },
	[73] = { "flock", 2 },
	[74] = { "fsync", 1 },
	[75] = { "fdatasync", 1 },
	[76] = { "truncate", 2 },
	[77] = { "ftruncate", 2 },
	[78] = { "getdents", 3 },
	[79] = { "getcwd", 2 },
	[80] = { "chdir", 1 },
	[81] = { "fchdir", 1 },
	[82] = { "rename", 2 },
	[83] = { "mkdir", 2 },
	[84] = { "rmdir", 1 },
	[85] = { "creat", 2 },
	[86] = { "link", 2 },
	[87] = { "unlink", 1 },
	[88] = { "symlink", 2 },
	[89] = { "readlink", 3 },
	[90] = { "chmod", 2 },
	[91] = { "fchmod", 2 },
	[92] = { "chown", 3 },
	[93] = { "fchown", 3 },
	[94] = { "lchown", 3 },
	[95] = { "umask", 1 },
	[96] = { "gettimeofday", 2 },
	[97] = { "getrlimit", 2 },
	[98] = { "getrusage", 2 },
	[99] = { "sysinfo", 1 },
	[100] = { "times", 1 },
	[101] = { "ptrace", 4 },
	[102] = { "getuid", 0 },
	[103] = { "syslog", 3 },
	[104] = { "getgid", 0 },
	[105] = { "setuid", 1 },
	[106] = { "setgid", 1 },
	[107] = { "geteuid", 0 },
	[108] = { "getegid", 0 },
	[109] = { "setpgid", 2 },
	[110] = { "getppid", 0 },
	[111] = { "getpgrp", 0 },
	[112] = { "setsid", 0 },
	[113] = { "setreuid", 2 },
	[114] = { "setregid", 2 },
	[115] = { "getgroups", 2 },
	[116] = { "setgroups", 2 },
	[117] = { "setresuid", 3 },
	[118] = { "getresuid", 3 },
	[119] = { "setresgid", 3 },
	[120] = { "getresgid", 3 },
	[121] = { "getpgid", 1 },
	[122] = { "setfsuid", 1 },
	[123] = { "setfsgid", 1 },
	[124] = { "getsid", 1 },
	[125] = { "capget", 2 },
	[126] = { "capset", 2 },
	[127] = { "rt_sigpending", 2 },
	[128] = { "rt_sigtimedwait", 4 },
	[129] = { "rt_sigqueueinfo", 3 },
	[130] = { "rt_sigsuspend", 2 },
	[131] = { "sigaltstack", 2 },
	[132] = { "utime", 2 },
	[133] = { "mknod", 3 },
	[134] = { "uselib", 1 },
	[135] = { "personality", 1 },
	[136] = { "ustat", 2 },
	[137] = { "statfs", 2 },
	[138] = { "fstatfs", 2 },
	[139] = { "sysfs", 3 },
	[140] = { "getpriority", 2 },
	[141] = { "setpriority", 3 },
	[142] = { "sched_setparam", 2 },
	[143] = { "sched_getparam", 2 },
	[144] = { "sched_setscheduler", 3 },
	[145] = { "sched_getscheduler", 1 },
	[146] = { "sched_get_priority_max", 1 },
	[147] = { "sched_get_priority_min", 1 },
	[148] = { "sched_rr_get_interval", 2 },
	[149] = { "mlock", 2 },
	[150] = { "munlock", 2 },
	[151] = { "mlockall", 1 },
	[152] = { "munlockall", 0 },
	[153] = { "vhangup", 0 },
	[154] = { "modify_ldt", 3 },
	[155] = { "pivot_root", 2 },
	[156] = { "_sysctl", 1 },
	[157] = { "prctl", 5 },
	[158] = { "arch_prctl", 2 },
	[159] = { "adjtimex", 1 },
	[160] = { "setrlimit", 2 },
	[161] = { "chroot", 1 },
	[162] = { "sync", 0 },
	[163] = { "acct", 1 },
	[164] = { "settimeofday", 2 },
	[165] = { "mount", 5 },
	[166] = { "umount2", 2 },
	[167] = { "swapon", 2 },
	[168] = { "swapoff", 1 },
	[169] = { "reboot", 4 },
	[170] = { "sethostname", 2 },
	[171] = { "setdomainname", 2 },
	[172] = { "iopl", 1 },
	[173] = { "ioperm", 3 },
	[174] = { "create_module", 2 },
	[175] = { "init_module", 3 },
	[176] = { "delete_module", 2 },
	[177] = { "get_kernel_syms", 1 },
	[178] = { "query_module", 5 },
	[179] = { "quotactl", 4 },
	[180] = { "nfsservctl", 3 },
	[181] = { "getpmsg", 5 },
	[182] = { "putpmsg", 5 },
	[183] = { "afs_syscall", 5 },
	[184] = { "tuxcall", 3 },
	[185] = { "security", 3 },
	[186] = { "gettid", 0 },
	[187] = { "readahead", 3 },
	[188] = { "setxattr", 5 },
	[189] = { "lsetxattr", 5 },
	[190] = { "fsetxattr", 5 },
	[191] = { "getxattr", 4 },
	[192] = { "lgetxattr", 4 },
	[193] = { "fgetxattr", 4 },
	[194] = { "listxattr", 3 },
	[195] = { "llistxattr", 3 },
	[196] = { "flistxattr", 3 },
	[197] = { "removexattr", 2 },
	[198] = { "lremovexattr", 2 },
	[199] = { "fremovexattr", 2 },
	[200] = { "tkill", 2 },
	[201] = { "time", 1 },
	[202] = { "futex", 6 },
	[203] = { "sched_setaffinity", 3 },
	[204] = { "sched_getaffinity", 3 },
	[205] = { "set_thread_area", 1 },
	[206] = { "io_setup", 2 },
	[207] = { "io_destroy", 1 },
	[208] = { "io_getevents", 5 },
	[209] = { "io_submit", 3 },
	[210] = { "io_cancel", 3 },
	[211] = { "get_thread_area", 1 },
	[212] = { "lookup_dcookie", 3 },
	[213] = { "epoll_create", 1 },
	[214] = { "epoll_ctl_old", 4 },
	[215] = { "epoll_wait_old", 4 },
	[216] = { "remap_file_pages", 5 },
	[217] = { "getdents64", 3 },
	[218] = { "set_tid_address", 1 },
	[219] = { "restart_syscall", 0 },
	[220] = { "semtimedop", 4 },
	[221] = { "fadvise64", 4 },
	[222] = { "timer_create", 3 },
	[223] = { "timer_settime", 4 },
	[224] = { "timer_gettime", 2 },
	[225] = { "timer_getoverrun", 1 },
	[226] = { "timer_delete", 1 },
	[227] = { "clock_settime", 2 },
	[228] = { "clock_gettime", 2 },
	[229] = { "clock_getres", 2 },
	[230] = { "clock_nanosleep", 4 },
	[231] = { "exit_group", 1 },
	[232] = { "epoll_wait", 4 },
	[233] = { "epoll_ctl", 4 },
	[234] = { "tgkill", 3 },
	[235] = { "utimes", 2 },
	[236] = { "vserver", 5 },
	[237] = { "mbind", 6 },
	[238] = { "set_mempolicy", 3 },
	[239] = { "get_mempolicy", 5 },
	[240] = { "mq_open", 4 },
	[241] = { "mq_unlink", 1 },
	[242] = { "mq_timedsend", 5 },
	[243] = { "mq_timedreceive", 5 },
	[244] = { "mq_notify", 2 },
	[245] = { "mq_getsetattr", 3 },
	[246] = { "kexec_load", 4 },
	[247] = { "waitid", 5 },
	[248] = { "add_key", 5 },
	[249] = { "request_key", 4 },
	[250] = { "keyctl", 5 },
	[251] = { "ioprio_set", 3 },
	[252] = { "ioprio_get", 2 },
	[253] = { "inotify_init", 0 },
	[254] = { "inotify_add_watch", 3 },
	[255] = { "inotify_rm_watch", 2 },
	[256] = { "migrate_pages", 4 },
	[257] = { "openat", 4 },
	[258] = { "mkdirat", 3 },
	[259] = { "mknodat", 4 },
	[260] = { "fchownat", 5 },
	[261] = { "futimesat", 3 },
	[262] = { "newfstatat", 4 },
	[263] = { "unlinkat", 3 },
	[264] = { "renameat", 4 },
	[265] = { "linkat", 5 },
	[266] = { "symlinkat", 3 },
	[267] = { "readlinkat", 4 },
	[268] = { "fchmodat", 3 },
	[269] = { "faccessat", 3 },
	[270] = { "pselect6", 6 },
	[271] = { "ppoll", 5 },
	[272] = { "unshare", 1 },
	[273] = { "set_robust_list", 2 },
	[274] = { "get_robust_list", 3 },
	[275] = { "splice", 6 },
	[276] = { "tee", 4 },
	[277] = { "sync_file_range", 4 },
	[278] = { "vmsplice", 4 },
	[279] = { "move_pages", 6 },
	[280] = { "utimensat", 4 },
	[281] = { "epoll_pwait", 6 },
	[282] = { "signalfd", 3 },
	[283] = { "timerfd_create", 2 },
	[284] = { "eventfd", 1 },
	[285] = { "fallocate", 4 },
	[286] = { "timerfd_settime", 4 },
	[287] = { "timerfd_gettime", 2 },
	[288] = { "accept4", 4 },
	[289] = { "signalfd4", 4 },
	[290] = { "eventfd2", 2 },
	[291] = { "epoll_create1", 1 },
	[292] = { "dup3", 3 },
	[293] = { "pipe2", 2 },
	[294] = { "inotify_init1", 1 },
	[295] = { "preadv", 5 },
	[296] = { "pwritev", 5 },
	[297] = { "rt_tgsigqueueinfo", 4 },
	[298] = { "perf_event_open", 5 },
	[299] = { "recvmmsg", 5 },
	[300] = { "fanotify_init", 2 },
	[301] = { "fanotify_mark", 5 },
	[302] = { "prlimit64", 4 },
	[303] = { "name_to_handle_at", 5 },
	[304] = { "open_by_handle_at", 3 },
	[305] = { "clock_adjtime", 2 },
	[306] = { "syncfs", 1 },
	[307] = { "sendmmsg", 4 },
	[308] = { "setns", 2 },
	[309] = { "getcpu", 3 },
	[310] = { "process_vm_readv", 6 },
	[311] = { "process_vm_writev", 6 },
	[312] = { "kcmp", 5 },
	[313] = { "finit_module", 3 },
	[314] = { "sched_setattr", 3 },
	[315] = { "sched_getattr", 4 },
	[316] = { "renameat2", 5 },
	[317] = { "seccomp", 3 },
	[318] = { "getrandom", 3 },
	[319] = { "memfd_create", 2 },
	[320] = { "kexec_file_load", 5 },
	[321] = { "bpf", 3 },
	[322] = { "execveat", 5 },
	[323] = { "userfaultfd", 1 },
	[324] = { "membarrier", 3 },
	[325] = { "mlock2", 3 },
	[326] = { "copy_file_range", 6 },
	[327] = { "preadv2", 6 },
	[328] = { "pwritev2", 6 },
	[329] = { "pkey_mprotect", 4 },
	[330] = { "pkey_alloc", 2 },
	[331] = { "pkey_free", 1 },
	[332] = { "statx", 5 },
	[333] = { "io_pgetevents", 6 },
	[334] = { "rseq", 4 },
	[424] = { "pidfd_send_signal", 4 },
	[425] = { "io_uring_setup", 2 },
	[426] = { "io_uring_enter", 6 },
	[427] = { "io_uring_register", 4 },
	[428] = { "open_tree", 3 },
	[429] = { "move_mount", 5 },
	[430] = { "fsopen", 2 },
	[431] = { "fsconfig", 5 },
	[432] = { "fsmount", 3 },
	[433] = { "fspick", 3 },
	[434] = { "pidfd_open", 2 },
	[435] = { "clone3", 2 },
	[436] = { "close_range", 3 },
	[437] = { "openat2", 4 },
	[438] = { "pidfd_getfd", 3 },
	[439] = { "faccessat2", 4 },
	[440] = { "process_madvise", 5 },
	[441] = { "epoll_pwait2", 6 },
	[442] = { "mount_setattr", 5 },
	[443] = { "quotactl_fd", 4 },
	[444] = { "landlock_create_ruleset", 3 },
	[445] = { "landlock_add_rule", 4 },
	[446] = { "landlock_restrict_self", 2 },
	[447] = { "memfd_secret", 1 },
	[448] = { "process_mrelease", 2 },
	[449] = { "futex_waitv", 5 },
	[450] = { "set_mempolicy_home_node", 4 },
};

const char *rn_sysno_name(uint64_t nr)
{
	if (nr >= RN_ARRAY_SIZE(sysnos))
		return NULL;
	return sysnos[nr].name;
}

int rn_sysno_nargs(uint64_t nr)
{
	if (nr >= RN_ARRAY_SIZE(sysnos) || !sysnos[nr].name)
		return -1;
	return sysnos[nr].nargs;
}

const char *rn_fmt_sysname(const struct rn_event *ev)
{
	static __thread char unknown[32];

	if (ev->fn >= RN_NFUNCS)
		return "?";
	if (ev->fn != RN_IDX_syscall)
		return rn_fns[ev->fn].sys;
	const char *s = rn_sysno_name(ev->arg[0]);
	if (s)
		return s;
	/* strace's spelling for a number it cannot name */
	snprintf(unknown, sizeof unknown, "syscall_%#llx", (unsigned long long)ev->arg[0]);
	return unknown;
}

/* ---- strings ---- */

/* strace's string_quote without -x: printable ASCII as is, the usual C
 * escapes, everything else in the shortest octal that cannot run into a
 * following digit. Stops at a NUL when the capture is a C string. */
static void out_quoted(struct rn_out *o, const uint8_t *s, size_t n, int stop_nul)
{
	out_mem(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		char e[4];
		size_t k = 0;

		if (stop_nul && !c)
			break;
		switch (c) {
		case '"': case '\\':
			e[k++] = '\\';
			e[k++] = (char)c;
			break;
		case '\f': e[k++] = '\\'; e[k++] = 'f'; break;
		case '\n': e[k++] = '\\'; e[k++] = 'n'; break;
		case '\r': e[k++] = '\\'; e[k++] = 'r'; break;
		case '\t': e[k++] = '\\'; e[k++] = 't'; break;
		case '\v': e[k++] = '\\'; e[k++] = 'v'; break;
		default:
			if (c >= ' ' && c < 0x7f) {
				e[k++] = (char)c;
				break;
			}
			e[k++] = '\\';
			if (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') {
				e[k++] = (char)('0' + (c >> 6));
				e[k++] = (char)('0' + ((c >> 3) & 7));
			} else if (c >> 3) {
				if (c >> 6)
					e[k++] = (char)('0' + (c >> 6));
				e[k++] = (char)('0' + ((c >> 3) & 7));
			}
			e[k++] = (char)('0' + (c & 7));
			break;
		}
		out_mem(o, e, k);
	}
	out_mem(o, "\"", 1);
}

static void out_ptr(struct rn_out *o, uint64_t v)
{
	if (v)
		out_fmt(o, "%#llx", (unsigned long long)v);
	else
		out_str(o, "NULL");
}

static void out_hex(struct rn_out *o, uint64_t v)
{
	if (v)
		out_fmt(o, "%#llx", (unsigned long long)v);
	else
		out_str(o, "0");
}

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

/* ---- captured arguments ---- */

static void out_family(struct rn_out *o, unsigned fam)
{
	if (fam < RN_ARRAY_SIZE(af_names))
		out_str(o, af_names[fam]);
	else
		out_fmt(o, "%#x /* AF_??? */", fam);
}

static void out_sockaddr(struct rn_out *o, const uint8_t *p, size_t n)
{
	if (n < 2) {
		out_str(o, "{}");
		return;
	}
	uint16_t fam;
	memcpy(&fam, p, 2);
	out_str(o, "{sa_family=");
	out_family(o, fam);
	if (fam == AF_INET && n >= 8) {
		char a[INET_ADDRSTRLEN];
		uint16_t port;
		memcpy(&port, p + 2, 2);
		if (!inet_ntop(AF_INET, p + 4, a, sizeof a))
			a[0] = '\0';
		out_fmt(o, ", sin_port=htons(%u), sin_addr=inet_addr(\"%s\")", ntohs(port), a);
	} else if (fam == AF_INET6 && n >= 24) {
		char a[INET6_ADDRSTRLEN];
		uint16_t port;
		uint32_t flow;
		memcpy(&port, p + 2, 2);
		memcpy(&flow, p + 4, 4);
		if (!inet_ntop(AF_INET6, p + 8, a, sizeof a))
			a[0] = '\0';
		out_fmt(o, ", sin6_port=htons(%u), sin6_flowinfo=htonl(%u)",
			ntohs(port), ntohl(flow));
		out_fmt(o, ", inet_pton(AF_INET6, \"%s\", &sin6_addr)", a);
		if (n >= 28)
			out_fmt(o, ", sin6_scope_id=%u", rd_u32(p + 24));
	} else if (fam == AF_UNIX && n > 2) {
		/* A leading NUL makes it abstract: every byte up to the length
		 * is the name, NULs included. */
		if (p[2] == '\0') {
			out_str(o, ", sun_path=@");
			out_quoted(o, p + 3, n - 3, 0);
		} else {
			out_str(o, ", sun_path=");
			out_quoted(o, p + 2, n - 2, 1);
		}
	} else if (fam == AF_NETLINK && n >= 12) {
		out_fmt(o, ", nl_pid=%u, nl_groups=%08x", rd_u32(p + 4), rd_u32(p + 8));
	}
	out_str(o, "}");
}

static void out_status(struct rn_out *o, uint32_t s)
{
	unsigned sig = s & 0x7f;

	if (sig == 0) {
		out_fmt(o, "[{WIFEXITED(s) && WEXITSTATUS(s) == %u}]", (s >> 8) & 0xff);
	} else if (sig == 0x7f) {
		out_str(o, "[{WIFSTOPPED(s) && WSTOPSIG(s) == ");
		out_sig(o, (s >> 8) & 0xff);
		out_str(o, "}]");
	} else if (s == 0xffff) {
		out_str(o, "[{WIFCONTINUED(s)}]");
	} else {
		out_str(o, "[{WIFSIGNALED(s) && WTERMSIG(s) == ");
		out_sig(o, sig);
		out_str(o, (s & 0x80) ? " && WCOREDUMP(s)}]" : "}]");
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
	case 'r': f = 0; break;
	case 'w': f = 1 | K_O_CREAT | K_O_TRUNC; break;
	case 'a': f = 1 | K_O_CREAT | K_O_APPEND; break;
	default: return -1;
	}
	for (size_t i = 1; i < 7 && i < n && m[i]; i++) {
		switch (m[i]) {
		case '+': f = (f & ~3u) | 2; break;
		case 'x': f |= K_O_EXCL; break;
		case 'e': f |= K_O_CLOEXEC; break;
		default: break;
		}
	}
	*flags = f;
	return 0;
}

static void out_argv(struct rn_out *o, const uint8_t *p, size_t n, int trunc)
{
	size_t off = 0;
	int first = 1;

	out_str(o, "[");
	while (off + 2 <= n) {
		size_t l = rd_u16le(p + off);
		off += 2;
		if (l > n - off) {
			l = n - off;
			trunc = 1;
		}
		if (!first)
			out_str(o, ", ");
		out_quoted(o, p + off, l, 1);
		off += l;
		first = 0;
	}
	out_str(o, trunc ? "]..." : "]");
}

/* ---- the argument walk ---- */

static int fn_is_open(const struct rn_fn_info *fi)
{
	return !strcmp(fi->sys, "openat") || !strcmp(fi->sys, "open");
}

static int fn_has_type(const struct rn_fn_info *fi, unsigned t)
{
	for (unsigned i = 0; i < fi->ntypes && i < RN_MAX_TYPES; i++)
		if (fi->types[i] == t)
			return 1;
	return 0;
}

/* fcntl commands that take no third argument: strace prints none. */
static int fcntl_noarg(int64_t cmd)
{
	switch (cmd) {
	case 1: case 3: case 9: case 11: case 1025: case 1032: case 1034:
		return 1;
	default:
		return 0;
	}
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
	if (ev->fn == RN_IDX_syscall) {
		/* The number is the name; print only the arguments the kernel
		 * takes (all we have when the number is unknown). */
		int na = rn_sysno_nargs(ev->arg[0]);
		it->ti = 1;
		it->k = 1;
		if (na >= 0 && (unsigned)na + 1 < it->end)
			it->end = (unsigned)na + 1;
	}
}

static void out_implied(struct rn_out *o, unsigned t)
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
	};
	unsigned i = t - RN_ARG_IMPLIED_FIRST;
	if (i < RN_ARRAY_SIZE(implied) && implied[i])
		out_str(o, implied[i]);
	else
		out_str(o, "?");
}

/* Output-only captures hold nothing worth showing when the call failed. */
static int arg_is_output(unsigned t)
{
	return t == RN_ARG_SOCKADDR_OUT || t == RN_ARG_PIPEFDS ||
	       t == RN_ARG_STATUSP || t == RN_ARG_PIDP;
}

static void out_capture(struct rn_fmt_iter *it, struct rn_out *o, unsigned t,
			const struct rn_capture *c, int have, uint64_t v)
{
	const struct rn_event *ev = it->ev;
	const uint8_t *p = c->data;
	size_t n = p ? c->len : 0;

	if (c->present && (c->flags & RN_ITEM_NULL)) {
		out_str(o, "NULL");
		return;
	}
	if (!c->present || !p || (c->flags & RN_ITEM_UNREAD) ||
	    (ev->err && arg_is_output(t))) {
		if (t == RN_ARG_ENVP && !have) {
			out_str(o, "/* ? vars */");
			return;
		}
		out_ptr(o, v);
		return;
	}
	switch (t) {
	case RN_ARG_PATH:
	case RN_ARG_STR:
		out_quoted(o, p, n, 1);
		if (c->flags & RN_ITEM_TRUNC)
			out_str(o, "...");
		break;
	case RN_ARG_FMODE: {
		uint32_t f;
		size_t l = strnlen((const char *)p, n);
		if (fmode_flags(p, l, &f)) {
			out_quoted(o, p, l, 1);
			break;
		}
		out_oflags(o, f);
		it->fmode_creat = !!(f & K_O_CREAT);
		break;
	}
	case RN_ARG_ARGV:
		out_argv(o, p, n, !!(c->flags & RN_ITEM_TRUNC));
		break;
	case RN_ARG_ENVP:
		if (have)
			out_fmt(o, "%#llx ", (unsigned long long)v);
		if (n >= 4)
			out_fmt(o, "/* %u vars */", rd_u32(p));
		else
			out_str(o, "/* ? vars */");
		break;
	case RN_ARG_SOCKADDR:
	case RN_ARG_SOCKADDR_OUT:
		out_sockaddr(o, p, n);
		break;
	case RN_ARG_PIPEFDS:
		if (n >= 8)
			out_fmt(o, "[%d, %d]", (int32_t)rd_u32(p), (int32_t)rd_u32(p + 4));
		else
			out_ptr(o, v);
		break;
	case RN_ARG_STATUSP:
		if (n >= 4)
			out_status(o, rd_u32(p));
		else
			out_ptr(o, v);
		break;
	case RN_ARG_PIDP:
		if (n >= 4)
			out_fmt(o, "[%d]", (int32_t)rd_u32(p));
		else
			out_ptr(o, v);
		break;
	case RN_ARG_TIMESPEC:
		if (n >= 16) {
			int64_t s, ns;
			memcpy(&s, p, 8);
			memcpy(&ns, p + 8, 8);
			out_fmt(o, "{tv_sec=%lld, tv_nsec=%lld}", (long long)s, (long long)ns);
		} else {
			out_ptr(o, v);
		}
		break;
	default:
		out_ptr(o, v);
		break;
	}
}

/* Returns 1 when it printed something, 0 when the argument is not shown. */
static int out_scalar(struct rn_fmt_iter *it, struct rn_out *o, unsigned t, uint64_t v)
{
	const struct rn_fn_info *fi = &rn_fns[it->ev->fn];
	int32_t i32 = (int32_t)v;

	switch (t) {
	case RN_ARG_INT:
		/* socket(2)'s protocol reads better by name, as in strace */
		if (it->ev->fn == RN_IDX_socket || it->ev->fn == RN_IDX_socketpair) {
			if (it->family == AF_INET || it->family == AF_INET6) {
				out_xval(o, (uint32_t)i32, inet_protos,
					 RN_ARRAY_SIZE(inet_protos), 1);
				break;
			}
			if (it->family == AF_NETLINK) {
				out_xval(o, (uint32_t)i32, netlink_protos,
					 RN_ARRAY_SIZE(netlink_protos), 1);
				break;
			}
		}
		out_fmt(o, "%d", i32);
		break;
	case RN_ARG_UINT:
		out_fmt(o, "%u", (uint32_t)v);
		break;
	case RN_ARG_ULONG:
	case RN_ARG_SIZE:
		out_fmt(o, "%llu", (unsigned long long)v);
		break;
	case RN_ARG_OFF:
		out_fmt(o, "%lld", (long long)v);
		break;
	case RN_ARG_HEX:
		if (it->fcntl_cmd >= 0) {
			int64_t cmd = it->fcntl_cmd;
			if (fcntl_noarg(cmd))
				return 0;
			if (cmd == K_F_SETFD)
				out_flags(o, (uint32_t)v, fd_flags, RN_ARRAY_SIZE(fd_flags), "0");
			else if (cmd == K_F_SETFL)
				out_oflags(o, v);
			else if (cmd == K_F_DUPFD || cmd == 1030 || cmd == 1031 ||
				 cmd == 8 || cmd == 10 || cmd == 1026)
				out_fmt(o, "%d", i32);
			else if (cmd == 1024)
				out_xval(o, (uint32_t)i32, lease_types,
					 RN_ARRAY_SIZE(lease_types), 1);
			else if (cmd == 1033)
				out_flags(o, (uint32_t)v, seal_flags, RN_ARRAY_SIZE(seal_flags), "0");
			else
				out_ptr(o, v);
			break;
		}
		if (it->ev->fn == RN_IDX_clock_nanosleep) {
			out_flags(o, (uint32_t)v, timer_flags, RN_ARRAY_SIZE(timer_flags), "0");
			break;
		}
		out_hex(o, v);
		break;
	case RN_ARG_PTR:
	case RN_ARG_BUF:
		out_ptr(o, v);
		break;
	case RN_ARG_FD:
	case RN_ARG_FILEP:
	case RN_ARG_DIRP:
		out_fmt(o, "%d", i32);
		break;
	case RN_ARG_DIRFD:
		if (i32 == -100)
			out_str(o, "AT_FDCWD");
		else
			out_fmt(o, "%d", i32);
		break;
	case RN_ARG_OFLAGS:
		it->oflags = (uint32_t)v;
		if (fn_is_open(fi))
			out_oflags(o, v);
		else if (!strcmp(fi->sys, "accept4"))
			out_flags(o, (uint32_t)v, sock_flags, RN_ARRAY_SIZE(sock_flags), "0");
		else if (!strcmp(fi->sys, "eventfd2"))
			out_flags(o, (uint32_t)v, efd_flags, RN_ARRAY_SIZE(efd_flags), "0");
		else if (!strcmp(fi->sys, "epoll_create1"))
			out_flags(o, (uint32_t)v, epoll_flags, RN_ARRAY_SIZE(epoll_flags), "0");
		else
			out_flags(o, (uint32_t)v, open_flags, RN_ARRAY_SIZE(open_flags), "0");
		break;
	case RN_ARG_MODE:
		/* open's mode is garbage unless the flags create a file */
		if (fn_has_type(fi, RN_ARG_OFLAGS) &&
		    (it->oflags < 0 || !(it->oflags & (K_O_CREAT | K___O_TMPFILE))))
			return 0;
		out_fmt(o, "%#03o", (uint32_t)v);
		break;
	case RN_ARG_ATFLAGS: {
		uint32_t f = (uint32_t)v;
		/* 0x200 means AT_REMOVEDIR to unlinkat, AT_EACCESS to faccessat */
		const char *x200 = NULL;
		if (!strcmp(fi->sys, "unlinkat"))
			x200 = "AT_REMOVEDIR";
		else if (!strcmp(fi->sys, "faccessat2") || !strcmp(fi->sys, "faccessat"))
			x200 = "AT_EACCESS";
		if (!f) {
			out_str(o, "0");
			break;
		}
		if (x200 && (f & 0x200)) {
			int any = f & 0x100;
			if (any)
				out_str(o, "AT_SYMLINK_NOFOLLOW");
			out_fmt(o, "%s%s", any ? "|" : "", x200);
			f &= ~0x300u;
			if (f)
				out_flags_more(o, f, at_flags, RN_ARRAY_SIZE(at_flags), 1);
		} else {
			out_flags(o, f, at_flags, RN_ARRAY_SIZE(at_flags), "0");
		}
		break;
	}
	case RN_ARG_ACCMODE:
		out_flags(o, (uint32_t)v, access_flags, RN_ARRAY_SIZE(access_flags), "F_OK");
		break;
	case RN_ARG_PROT:
		out_flags(o, (uint32_t)v, prot_flags, RN_ARRAY_SIZE(prot_flags), "PROT_NONE");
		break;
	case RN_ARG_MAPFLAGS: {
		uint32_t f = (uint32_t)v;
		const char *ty = xlookup(map_types, RN_ARRAY_SIZE(map_types), f & 0xf);
		if (ty)
			out_str(o, ty);
		else
			out_fmt(o, "%#x", f & 0xf);
		out_flags_more(o, f & ~0xfu, map_flags, RN_ARRAY_SIZE(map_flags), 1);
		break;
	}
	case RN_ARG_MSGFLAGS:
		out_flags(o, (uint32_t)v, msg_flags, RN_ARRAY_SIZE(msg_flags), "0");
		break;
	case RN_ARG_SOCKFAM:
		it->family = (uint32_t)v;
		out_family(o, (uint32_t)v);
		break;
	case RN_ARG_SOCKTYPE: {
		uint32_t f = (uint32_t)v;
		out_xval(o, f & 0xf, sock_types, RN_ARRAY_SIZE(sock_types), 0);
		out_flags_more(o, f & ~0xfu, sock_flags, RN_ARRAY_SIZE(sock_flags), 1);
		break;
	}
	case RN_ARG_SHUT:
		if ((uint32_t)v < RN_ARRAY_SIZE(shut_names))
			out_str(o, shut_names[(uint32_t)v]);
		else
			out_fmt(o, "%d", i32);
		break;
	case RN_ARG_SIG:
		out_sig(o, v);
		break;
	case RN_ARG_WAITOPTS:
		out_flags(o, (uint32_t)v, wait_flags, RN_ARRAY_SIZE(wait_flags), "0");
		break;
	case RN_ARG_WHENCE:
		out_xval(o, (uint32_t)v, whences, RN_ARRAY_SIZE(whences), 1);
		break;
	case RN_ARG_FCNTL:
		it->fcntl_cmd = (uint32_t)v;
		out_xval(o, (uint32_t)v, fcntl_cmds, RN_ARRAY_SIZE(fcntl_cmds), 0);
		break;
	case RN_ARG_EPOLLOP:
		out_xval(o, (uint32_t)v, epoll_ops, RN_ARRAY_SIZE(epoll_ops), 1);
		break;
	case RN_ARG_CLOCKID:
		out_xval(o, (uint32_t)v, clock_ids, RN_ARRAY_SIZE(clock_ids), 1);
		break;
	case RN_ARG_SYSNO: {
		const char *s = rn_sysno_name(v);
		if (s)
			out_str(o, s);
		else
			out_fmt(o, "syscall_%#llx", (unsigned long long)v);
		break;
	}
	default:
		out_hex(o, v);
		break;
	}
	return 1;
}

int rn_fmt_next(struct rn_fmt_iter *it, char *buf, size_t cap, size_t *len)
{
	const struct rn_event *ev = it->ev;
	struct rn_out o;

	out_init(&o, buf, cap);
	*len = 0;
	if (ev->fn >= RN_NFUNCS)
		return 0;
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	for (;;) {
		if (it->fmode_creat) {
			/* fopen creates with 0666 (before the umask) */
			it->fmode_creat = 0;
			out_str(&o, "0666");
			break;
		}
		if (it->ti >= it->end) {
			/* syscall(2) records five arguments; say when the
			 * kernel takes a sixth we never saw */
			if (ev->fn == RN_IDX_syscall && it->ti == RN_MAX_ARGS &&
			    rn_sysno_nargs(ev->arg[0]) >= RN_MAX_ARGS) {
				it->ti++;
				out_str(&o, "...");
				break;
			}
			return 0;
		}
		unsigned i = it->ti++;
		unsigned t = fi->types[i];
		if (rn_arg_is_implied(t)) {
			out_implied(&o, t);
			break;
		}
		int have = it->k < fi->nargs && it->k < RN_MAX_ARGS;
		uint64_t v = have ? ev->arg[it->k] : 0;
		if (it->k < fi->nargs)
			it->k++;
		if (t == RN_ARG_SKIP || t == RN_ARG_SKIPFILEP)
			continue;
		if (rn_arg_is_capture(t)) {
			out_capture(it, &o, t, &ev->cap[i], have, v);
			break;
		}
		if (ev->fn == RN_IDX_syscall) {
			out_hex(&o, v);
			break;
		}
		if (out_scalar(it, &o, t, v))
			break;
	}
	*len = o.len;
	return 1;
}

size_t rn_fmt_args(char *buf, size_t cap, const struct rn_event *ev)
{
	struct rn_fmt_iter it;
	struct rn_out o;
	size_t n;
	int first = 1;

	out_init(&o, buf, cap);
	if (!cap)
		return 0;
	rn_fmt_iter_init(&it, ev);
	for (;;) {
		size_t sep = first ? 0 : 2;
		if (o.len + sep + 1 >= cap)
			break;
		if (!first)
			out_mem(&o, ", ", 2);
		/* write straight into the tail: no copy, no temporary */
		if (!rn_fmt_next(&it, o.p + o.len, cap - o.len, &n)) {
			if (!first)
				o.len -= 2;
			o.p[o.len] = '\0';
			break;
		}
		o.len += n;
		first = 0;
	}
	return o.len;
}

/* ---- return values ---- */

static int ret_is_addr(const struct rn_event *ev)
{
	const char *s = rn_fmt_sysname(ev);
	return !strcmp(s, "mmap") || !strcmp(s, "mremap") || !strcmp(s, "brk") ||
	       !strcmp(s, "shmat");
}

static void out_errno(struct rn_out *o, int e)
{
	const char *n = rn_errno_name(e);
	const char *d = rn_errno_desc(e);
	if (n)
		out_fmt(o, "-1 %s (%s)", n, d ? d : "Unknown error");
	else
		out_fmt(o, "-1 ERRNO_%d (Unknown error %d)", e, e);
}

size_t rn_fmt_ret(char *buf, size_t cap, const struct rn_event *ev)
{
	struct rn_out o;

	out_init(&o, buf, cap);
	if (!cap)
		return 0;
	if ((ev->flags & RN_EV_UNFINISHED) || ev->fn >= RN_NFUNCS) {
		out_str(&o, "?");
		return o.len;
	}
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	if (fi->ret == RN_RET_ERRNUM) {
		/* the value is the error itself; the decoder copies it to err */
		int e = ev->err ? ev->err : (int)ev->ret;
		if (e > 0)
			out_errno(&o, e);
		else
			out_fmt(&o, "%lld", (long long)ev->ret);
		return o.len;
	}
	if (ev->err) {
		out_errno(&o, ev->err);
		return o.len;
	}
	if (ret_is_addr(ev)) {
		out_hex(&o, (uint64_t)ev->ret);
	} else if ((ev->fn == RN_IDX_fcntl || ev->fn == RN_IDX_fcntl64) &&
		   (ev->arg[1] == K_F_GETFL || (ev->arg[1] == K_F_GETFD && ev->ret))) {
		out_fmt(&o, "%#llx (flags ", (unsigned long long)ev->ret);
		if (ev->arg[1] == K_F_GETFL)
			out_oflags(&o, (uint64_t)ev->ret);
		else
			out_flags(&o, (uint64_t)ev->ret, fd_flags, RN_ARRAY_SIZE(fd_flags), "0");
		out_str(&o, ")");
	} else {
		out_fmt(&o, "%lld", (long long)ev->ret);
	}
	return o.len;
}

/* ---- JSON ---- */

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0 when the byte starts none. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t l;
	uint8_t lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		l = 2;
	else if (c >= 0xe0 && c <= 0xef)
		l = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		l = 4;
	else
		return 0;
	if (l > n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < l; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return l;
}

size_t rn_json_escape(char *buf, size_t cap, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = 0;

	if (!cap)
		return 0;
	for (size_t i = 0; i < n;) {
		char e[8];
		size_t k = 0;
		size_t l = utf8_len(s + i, n - i);
		const uint8_t *src = s + i;
		uint8_t c = s[i];

		if (l == 1 && c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
			e[k++] = (char)c;
		} else if (l == 1 && (c == '"' || c == '\\')) {
			e[k++] = '\\';
			e[k++] = (char)c;
		} else if (l == 1 && (c == '\n' || c == '\t' || c == '\r' ||
				      c == '\b' || c == '\f')) {
			e[k++] = '\\';
			e[k++] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' :
				 c == '\b' ? 'b' : 'f';
		} else if (l > 1) {
			memcpy(e, src, l);
			k = l;
		} else {
			/* a control byte, or one byte of a broken sequence:
			 * its value as a code point keeps the output UTF-8 */
			memcpy(e, "\\u00", 4);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			k = 6;
			l = 1;
		}
		if (len + k >= cap)
			break;
		memcpy(buf + len, e, k);
		len += k;
		i += l;
	}
	buf[len] = '\0';
	return len;
}
