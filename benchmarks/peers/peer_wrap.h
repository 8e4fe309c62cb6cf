/* peer_wrap.h: the wrappers shared by the benchmark's preload fixtures
 * (floor_wrap.c, lttng_wrap.c): read, write, open, close, fstat and lseek,
 * the calls the syscall, io and mt fixtures make, each taking a timestamp
 * before and after libc's function and handing both to the includer's
 * PEER_RECORD(nr, t0, t1, ret, a0, a1, a2). These are comparison fixtures
 * for benchmarks/run, never part of renacer: they must not make a syscall,
 * lock or allocate on the wrapped path (the first lookup aside), and must
 * leave errno as libc left it.
 * Include once, after defining PEER_RECORD. */
#ifndef PEER_WRAP_H
#define PEER_WRAP_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* the same clock as renacer's shim on x86-64 (rdtsc); elsewhere the vDSO */
static inline uint64_t peer_now(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/* numbers only name the call in the record; x86-64's are used for reading
 * convenience, the fixtures do not depend on them */
enum { PEER_READ = 0, PEER_WRITE = 1, PEER_OPEN = 2, PEER_CLOSE = 3, PEER_FSTAT = 5, PEER_LSEEK = 8 };

/* libc's function, looked up on first use: the wrapper can run before this
 * library's constructor (from another library's constructor) */
#define PEER_REAL(name)                                                   \
	static __typeof__(name) *real_##name;                             \
	if (__builtin_expect(!real_##name, 0))                            \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

#define PEER_TRACE(nr, call, a0, a1, a2)                                  \
	do {                                                              \
		uint64_t t0_ = peer_now();                                \
		long r_ = (long)(call);                                   \
		uint64_t t1_ = peer_now();                                \
		int e_ = errno;                                           \
		PEER_RECORD(nr, t0_, t1_, r_, (uint64_t)(a0), (uint64_t)(a1), (uint64_t)(a2)); \
		errno = e_;                                               \
		return r_;                                                \
	} while (0)

__attribute__((visibility("default"))) ssize_t read(int fd, void *buf, size_t n)
{
	PEER_REAL(read);
	PEER_TRACE(PEER_READ, real_read(fd, buf, n), fd, (uintptr_t)buf, n);
}

__attribute__((visibility("default"))) ssize_t write(int fd, const void *buf, size_t n)
{
	PEER_REAL(write);
	PEER_TRACE(PEER_WRITE, real_write(fd, buf, n), fd, (uintptr_t)buf, n);
}

__attribute__((visibility("default"))) int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {	/* as glibc's __OPEN_NEEDS_MODE */
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	PEER_REAL(open);
	PEER_TRACE(PEER_OPEN, real_open(path, flags, mode), (uintptr_t)path, flags, mode);
}

__attribute__((visibility("default"))) int close(int fd)
{
	PEER_REAL(close);
	PEER_TRACE(PEER_CLOSE, real_close(fd), fd, 0, 0);
}

__attribute__((visibility("default"))) int fstat(int fd, struct stat *st)
{
	PEER_REAL(fstat);
	PEER_TRACE(PEER_FSTAT, real_fstat(fd, st), fd, (uintptr_t)st, 0);
}

__attribute__((visibility("default"))) off_t lseek(int fd, off_t off, int whence)
{
	PEER_REAL(lseek);
	PEER_TRACE(PEER_LSEEK, real_lseek(fd, off, whence), fd, off, whence);
}
#endif
