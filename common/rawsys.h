/* rawsys.h: system calls without libc, for the shim's own work.
 *
 * Inside librenacer.so a call to open() or syscall() would land in our own
 * wrappers; these go straight to the kernel, return -errno on failure and
 * never touch errno. x86-64 only.
 */
#ifndef RN_RAWSYS_H
#define RN_RAWSYS_H

#include <stdint.h>
#include <sys/syscall.h>

static inline long rn_sys6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define rn_sys0(nr) rn_sys6((nr), 0, 0, 0, 0, 0, 0)
#define rn_sys1(nr, a) rn_sys6((nr), (long)(a), 0, 0, 0, 0, 0)
#define rn_sys2(nr, a, b) rn_sys6((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define rn_sys3(nr, a, b, c) rn_sys6((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define rn_sys4(nr, a, b, c, d) rn_sys6((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

#endif
