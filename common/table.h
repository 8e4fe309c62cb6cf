/* table.h: the syscall table (syscalls.def) as data both sides can read.
 *
 * The shim uses it to know which arguments carry strings or addresses it
 * must copy; the exporter uses it to name and decode every record; the
 * filter parser uses the classes. Nothing here may allocate or call libc:
 * the shim reads it from inside wrappers.
 */
#ifndef RN_TABLE_H
#define RN_TABLE_H

#include <stdint.h>

/* How one argument is recorded (shim) and printed (exporter). Implied
 * arguments (RN_ARG_IMPLIED_FIRST and after) consume no call argument: they
 * are the constants glibc passes to the kernel, printed so the text output
 * reads like strace's. */
enum rn_arg {
	/* scalars kept in the record's argument slots */
	RN_ARG_INT, RN_ARG_UINT, RN_ARG_ULONG, RN_ARG_SIZE, RN_ARG_OFF,
	RN_ARG_HEX, RN_ARG_PTR, RN_ARG_BUF, RN_ARG_FD, RN_ARG_DIRFD,
	RN_ARG_OFLAGS, RN_ARG_MODE, RN_ARG_ATFLAGS, RN_ARG_ACCMODE,
	RN_ARG_PROT, RN_ARG_MAPFLAGS, RN_ARG_MSGFLAGS, RN_ARG_SOCKFAM,
	RN_ARG_SOCKTYPE, RN_ARG_SHUT, RN_ARG_SIG, RN_ARG_WAITOPTS,
	RN_ARG_WHENCE, RN_ARG_FCNTL, RN_ARG_EPOLLOP, RN_ARG_CLOCKID,
	RN_ARG_SYSNO,
	/* flag words whose names depend on the call, said here so the
	 * decoder never compares syscall names */
	RN_ARG_FDFLAGS,		/* O_ flags of a new descriptor (dup3, pipe2) */
	RN_ARG_SOCKFLAGS,	/* SOCK_CLOEXEC|SOCK_NONBLOCK (accept4) */
	RN_ARG_EFDFLAGS,	/* EFD_ flags (eventfd) */
	RN_ARG_EPOLLFLAGS,	/* EPOLL_CLOEXEC (epoll_create1) */
	RN_ARG_REMOVEDIR_FLAGS,	/* AT_ flags where 0x200 is AT_REMOVEDIR (unlinkat) */
	RN_ARG_EACCESS_FLAGS,	/* AT_ flags where 0x200 is AT_EACCESS (faccessat) */
	RN_ARG_TIMERFLAGS,	/* TIMER_ABSTIME (clock_nanosleep) */
	RN_ARG_SOCKPROTO,	/* protocol, named by the preceding SOCKFAM */
	RN_ARG_FCNTLARG,	/* fcntl's third argument, read by the preceding FCNTL */
	RN_ARG_SKIP,		/* consumed, never printed (fortify buffer sizes) */
	RN_ARG_FILEP,		/* FILE *: recorded as its fd, taken before the call */
	RN_ARG_DIRP,		/* DIR *: recorded as its fd, taken before the call */
	RN_ARG_SKIPFILEP,	/* FILE * recorded as its fd, not printed */
	RN_ARG_IOCTLREQ,	/* ioctl request, by name (xlat/ioctl_reqs.in) */
	RN_ARG_SOCKLEVEL,	/* socket option level: SOL_SOCKET, SOL_TCP... */
	RN_ARG_SOCKOPT,		/* option name, named by the preceding SOCKLEVEL */
	RN_ARG_PRCTLOP,		/* prctl option: PR_SET_NAME... */
	RN_ARG_CLONEFLAGS,	/* clone flags: CLONE_VM|...|SIGCHLD */
	RN_ARG_STATXFLAGS,	/* statx's AT_ flags: 0 is AT_STATX_SYNC_AS_STAT */
	RN_ARG_STATXMASK,	/* statx's mask: STATX_BASIC_STATS... */
	/* data buffers: the pointer is kept; when data capture is on
	 * (RENACER_DATASIZE) the first bytes follow as an RN_ITEM_DATA item
	 * after every other item */
	RN_ARG_DATA_IN,		/* bytes the call reads; their count is the next argument */
	RN_ARG_DATA_OUT,	/* bytes the call fills; their count is the return value */
	/* struct msghdr * the call reads (sendmsg) or fills (recvmsg): with
	 * data capture on, the header, its name, its iovecs and their first
	 * bytes come as the RN_ITEM_DATA of its position; else the address */
	RN_ARG_MSGHDR, RN_ARG_MSGHDR_OUT,
	/* captured: the bytes follow the record as a tagged item */
	RN_ARG_CAPTURE_FIRST,
	RN_ARG_PATH = RN_ARG_CAPTURE_FIRST, /* NUL-terminated, cut at strsize */
	RN_ARG_STR,		/* NUL-terminated, cut at strsize */
	RN_ARG_FMODE,		/* fopen mode string, printed as O_ flags */
	RN_ARG_ARGV,		/* NULL-terminated string array */
	RN_ARG_ENVP,		/* NULL-terminated string array: only its length */
	RN_ARG_SOCKADDR,	/* input address; its length is the next argument */
	RN_ARG_SOCKADDR_OUT,	/* output address; *next argument is its length */
	RN_ARG_PIPEFDS,		/* int[2] filled by the call */
	RN_ARG_STATUSP,		/* int * wait status filled by the call */
	RN_ARG_PIDP,		/* pid_t * filled by the call */
	RN_ARG_TIMESPEC,	/* const struct timespec * */
	RN_ARG_STATBUF,		/* struct stat * filled by the call */
	RN_ARG_STATXBUF,	/* struct statx * filled by the call */
	RN_ARG_POLLFDS,		/* struct pollfd[next argument], read and filled */
	RN_ARG_EPOLLEV,		/* const struct epoll_event * */
	RN_ARG_EPOLLEVS,	/* struct epoll_event[] filled: as many as returned */
	RN_ARG_IOVEC,		/* const struct iovec[next argument]: the sizes */
	RN_ARG_IOCTLARG,	/* ioctl's third argument, read by the preceding IOCTLREQ */
	RN_ARG_SOCKOPTVAL,	/* setsockopt's value; its length is the next argument */
	RN_ARG_RLIMIT,		/* const struct rlimit * */
	RN_ARG_RLIMIT_OUT,	/* struct rlimit * filled by the call */
	RN_ARG_UTSNAME,		/* struct utsname * filled by the call */
	RN_ARG_SIGACTION,	/* const struct sigaction * (glibc's) */
	RN_ARG_SIGACTION_OUT,	/* struct sigaction * filled by the call */
	RN_ARG_SOCKLENP,	/* socklen_t * after a SOCKADDR_OUT: its value before
				 * and after the call */
	RN_ARG_IOVEC_OUT,	/* struct iovec[next argument] the call fills (readv):
				 * the sizes; with data capture on, the first bytes of
				 * each buffer (as many as returned) as an RN_ITEM_DATA,
				 * as IOVEC's are (the bytes it read) */
	RN_ARG_CAPTURE_LAST = RN_ARG_IOVEC_OUT,
	/* implied constants */
	RN_ARG_IMPLIED_FIRST,
	RN_ARG_CWD = RN_ARG_IMPLIED_FIRST, RN_ARG_ZERO, RN_ARG_EMPTY,
	RN_ARG_EMPTYPATH, RN_ARG_SYMNOFOLLOW, RN_ARG_REALTIME, RN_ARG_ALLPIDS,
	RN_ARG_NULLP, RN_ARG_DIROFLAGS, RN_ARG_GETFL, RN_ARG_HIDDEN,
	RN_ARG_THREADARGS,	/* clone3's arguments for a pthread_create */
	RN_ARG_CLONEARGS_SIZE,	/* sizeof(struct clone_args) */
	RN_ARG_SIGSETSIZE,	/* the kernel's sigset size glibc passes (8) */
	RN_ARG__COUNT
};

/* Filter classes, one bit each; names as strace's %class. */
enum rn_class {
	RN_CLASS_FILE = 1u << 0, RN_CLASS_DESC = 1u << 1,
	RN_CLASS_NETWORK = 1u << 2, RN_CLASS_PROCESS = 1u << 3,
	RN_CLASS_MEMORY = 1u << 4, RN_CLASS_SIGNAL = 1u << 5,
	RN_CLASS_IPC = 1u << 6, RN_CLASS_TIME = 1u << 7,
	RN_CLASS_POLL = 1u << 8,
	/* strace's finer classes (%stat, %%stat, %creds...): they belong to a
	 * system call, not to a row, so only sysent.in names them */
	RN_CLASS_STAT = 1u << 9, RN_CLASS_LSTAT = 1u << 10, RN_CLASS_FSTAT = 1u << 11,
	RN_CLASS_STAT_LIKE = 1u << 12, RN_CLASS_STATFS = 1u << 13,
	RN_CLASS_FSTATFS = 1u << 14, RN_CLASS_STATFS_LIKE = 1u << 15,
	RN_CLASS_PURE = 1u << 16, RN_CLASS_CREDS = 1u << 17, RN_CLASS_CLOCK = 1u << 18,
};

/* How the return value reads. ADDR and FCNTL fail as NEG1 does; ADDR
 * prints as an address (mmap), FCNTL as the flags F_GETFL/F_GETFD return. */
enum rn_ret { RN_RET_NEG1, RN_RET_ERRNUM, RN_RET_FILEP, RN_RET_DIRP,
	      RN_RET_VOID, RN_RET_NORET, RN_RET_ADDR, RN_RET_FCNTL,
	      RN_RET_NULLP, /* a pointer, NULL fails (getcwd); prints as ADDR */
	      /* fails as NEG1; a success shows the revents of the row's
	       * POLLFDS after the count, a 0 as (Timeout) */
	      RN_RET_POLL,
	      /* fails as ERRNUM (the errno is the record's err); a success
	       * returns the new thread's id, 0 when it could not be known */
	      RN_RET_TID };

#define RN_MAX_TYPES 8
#define RN_MAX_ARGS 8

struct rn_fn_info {
	const char *func;	/* libc entry point */
	const char *sys;	/* kernel syscall as strace names it */
	uint16_t cls;		/* enum rn_class bit: the row's group in SYSCALLS.md */
	uint8_t ret;		/* enum rn_ret */
	uint8_t nargs;		/* arguments the wrapper records (call list) */
	uint8_t ntypes;		/* printed arguments, implied ones included */
	uint8_t custom;		/* 1 when the wrapper is hand-written */
	uint8_t capture;	/* 1 when some argument is captured as bytes */
	uint8_t types[RN_MAX_TYPES];
	int16_t nr;		/* sys's x86-64 number (<asm/unistd_64.h>); -1: syscall(2) */
	uint8_t asked;		/* VDSO row: recorded only when named in -e trace= */
	uint8_t data;		/* 1 when some argument is DATA_IN or DATA_OUT */
};

/* Table indices: RN_IDX_open, RN_IDX_read, ... */
enum rn_idx {
#define RN_FN(func, ...) RN_IDX_##func,
#include "syscalls.def"
#undef RN_FN
	RN_NFUNCS
};

extern const struct rn_fn_info rn_fns[RN_NFUNCS];

static inline int rn_arg_is_capture(unsigned t)
{
	return t >= RN_ARG_CAPTURE_FIRST && t <= RN_ARG_CAPTURE_LAST;
}

static inline int rn_arg_is_implied(unsigned t)
{
	return t >= RN_ARG_IMPLIED_FIRST && t < RN_ARG__COUNT;
}

/* rn_class_parse: "file" or "%file" -> class bit; 0 when unknown. */
unsigned rn_class_parse(const char *name, unsigned len);
const char *rn_class_name(unsigned cls);

/* The x86-64 system calls, by number: names from <asm/unistd_64.h>,
 * classes from common/sysent.in (as strace has them), generated at build
 * time. rn_sys_name: NULL for a number the kernel does not have. */
#define RN_NSYS 512
const char *rn_sys_name(unsigned nr);
uint32_t rn_sys_classes(unsigned nr);	/* enum rn_class bits */
int rn_sys_lookup(const char *name, unsigned len);	/* number, or -1 */
/* A row's classes for -e trace=%CLASS: its system call's; syscall(2)'s
 * row has none (each raw call goes by its own number). */
static inline uint32_t rn_fn_classes(unsigned idx)
{
	return rn_fns[idx].nr < 0 ? 0 : rn_sys_classes((unsigned)rn_fns[idx].nr);
}

#endif
