/* complete.c: --complete mode (RENACER_COMPLETE=1): Syscall User Dispatch
 * catches the system calls no wrapper sees (libc's internal calls, raw
 * `syscall` instructions) and records them, tagged RN_REC_TRAPPED.
 *
 * How: each thread turns dispatch on (prctl PR_SET_SYSCALL_USER_DISPATCH)
 * with its selector byte rn_sud_sel in initial-exec TLS. The allowed range
 * is librenacer.so's own code, so the shim's raw calls, its vfork, this
 * file's restorer and the calls the handler re-issues never trap. Wrappers
 * switch the selector to ALLOW around libc's real call (RN_RECORD), so a
 * wrapped call is recorded once, by its wrapper. Every other call raises
 * SIGSYS; rn_sud_handler records it as a `syscall` row (number + six
 * arguments, as syscall(2) is recorded), issues it from here and puts the
 * result in the frame's rax.
 *
 * It must never: record a call its wrapper records; issue a system call
 * from outside the allowed range while the selector is BLOCK; let SIGSYS be
 * blocked (the kernel kills a thread that traps with SIGSYS blocked: it is
 * taken out of every mask the program sets); show the program anything of
 * its own SIGSYS action but what it set; return through a C frame on a
 * stack the call replaced (clone with a new stack, vfork: complete.S); run
 * once the process is sandboxed (no system call of ours after seccomp).
 */
#include <errno.h>
#include <link.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "../common/rawsys.h"
#include "shim.h"
#include "stack.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif
#define RN_SUD_OFF 0
#define RN_SUD_ON 1
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2
#endif
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#define RN_SEL_ALLOW 0
#define RN_SEL_BLOCK 1

/* The selector byte the kernel reads at each system call of a thread with
 * dispatch on. 0 (ALLOW) in every thread that never turned it on. */
__thread volatile uint8_t rn_sud_sel __attribute__((tls_model("initial-exec")));

/* Per thread: dispatch is ours and on; a clone being made through
 * complete.S (its record, and where each side goes on). */
struct rn_sud_tls {
	uint64_t rip;		/* read by complete.S: after the program's syscall */
	int on;			/* dispatch is on for this thread, with our range */
	uint32_t clone_busy;	/* rn_t.busy to put back after the clone */
	uint64_t t0;
	uint64_t a[RN_MAX_ARGS];
	int forklike;
	int norecord;		/* that clone was a wrapper's expected call */
	long expect;		/* nr + 1: the call a compound wrapper records */
	int blk;		/* SIGSYS blocked, as the program sees its mask (the
				 * kernel's never has it while dispatch is on) */
	int outer;		/* in a call that installs a mask: blk after it, + 1 */
	int execwin;		/* SIGSYS blocked for real just before an exec */
};
__thread struct rn_sud_tls rn_sud __attribute__((tls_model("initial-exec")));

/* the kernel's struct sigaction for rt_sigaction */
struct rn_ksigaction {
	uint64_t handler, flags, restorer, mask;
};

static struct {
	int on;			/* --complete, and the kernel has dispatch */
	uintptr_t lo, len;	/* the allowed range: our executable segment */
	/* the program's SIGSYS action, as it set it (the kernel has ours) */
	struct rn_ksigaction prog;
	uint8_t want[512];	/* syscall number -> trapped calls recorded */
	int16_t rownr[RN_NFUNCS];	/* row -> its syscall's number, -1 none */
} sud;

#define RN_SIGSYS_BIT (1ull << (SIGSYS - 1))
#define RN_NSIG 65

/* The program's handlers run through rn_sud_sigentry: a handler that
 * interrupts a wrapper's real call (selector at ALLOW) must still trap its
 * own calls. Its action as the program set it is kept here. */
static struct rn_ksigaction prog_act[RN_NSIG];
static uint8_t prog_wrapped[RN_NSIG];

/* complete.S */
void rn_sud_restorer(void);
void rn_sud_sigreturn(void);
void rn_sud_clone_stack(void);
void rn_sud_clone_tls(void);

static int rn_sud_range(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	uintptr_t me = (uintptr_t)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (me >= lo && me < lo + ph->p_memsz) {
			sud.lo = lo;
			sud.len = ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

int rn_sud_thread_on(void)
{
	if (!sud.on || rn_g.sandboxed)
		return 0;
	rn_sud_sel = RN_SEL_ALLOW;
	/* a thread or image may start with SIGSYS blocked (posix_spawn's
	 * child with every signal blocked, a thread glibc starts with the
	 * mask the program read back): out of the kernel's mask, kept in the
	 * program's view (a fork child inherits both) */
	uint64_t sys = RN_SIGSYS_BIT, old = 0;
	if (!rn_sys4(SYS_rt_sigprocmask, SIG_UNBLOCK, &sys, &old, 8) && (old & RN_SIGSYS_BIT))
		rn_sud.blk = 1;
	long r = rn_sys6(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, RN_SUD_ON, (long)sud.lo,
			 (long)sud.len, (long)&rn_sud_sel, 0);
	if (r)
		return (int)r;
	rn_sud.on = 1;
	rn_sud_sel = RN_SEL_BLOCK;
	return 0;
}

/* This thread stops trapping (sandboxed, or the program takes dispatch). */
static void rn_sud_thread_off(void)
{
	rn_sud_sel = RN_SEL_ALLOW;
	if (rn_sud.on)
		rn_sys6(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, RN_SUD_OFF, 0, 0, 0, 0);
	rn_sud.on = 0;
}

void rn_sud_sandboxed(void)
{
	/* before the program's seccomp call: our last system call here */
	rn_sud_thread_off();
}

void rn_sud_yield(void)
{
	/* the program turns dispatch on for itself: its range, its selector */
	rn_sud.on = 0;
	rn_sud_sel = RN_SEL_ALLOW;
}

int rn_sud_active(void)
{
	return rn_sud.on;
}

void rn_sud_fork_child(void)
{
	rn_sud.on = 0;
	rn_sud_sel = RN_SEL_ALLOW;
	if (rn_g.arena.hdr)
		rn_sud_thread_on();
}

/* Which trapped calls are recorded: the filter's system call numbers
 * (named, by class, or all). */
static void rn_sud_filter(void)
{
	for (unsigned i = 0; i < RN_NFUNCS; i++)
		sud.rownr[i] = rn_fns[i].nr;
	for (unsigned nr = 0; nr < sizeof sud.want; nr++)
		sud.want[nr] = (uint8_t)rn_filter_has_nr(&rn_g.want, nr);
}

static void rn_sud_handler(int sig, siginfo_t *si, void *ctx);

/* The program's own calls, made on its behalf: one function, never
 * inlined, so that a stack trace (strace -k) tells them from the shim's. */
static __attribute__((noinline)) long rn_sud_issue6(long nr, long a1, long a2, long a3, long a4,
						   long a5, long a6)
{
	return rn_sys6(nr, a1, a2, a3, a4, a5, a6);
}
#define RN_SUD_ISSUE_N(nr, a, b, c, d, e, f, ...) \
	rn_sud_issue6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))
#define rn_sud_issue(...) RN_SUD_ISSUE_N(__VA_ARGS__, 0, 0, 0, 0, 0, 0)

int rn_sud_owns(long nr)
{
	switch (nr) {
	case SYS_rt_sigprocmask: case SYS_rt_sigaction: case SYS_sigaltstack:
	case SYS_rt_sigsuspend: case SYS_ppoll: case SYS_pselect6: case SYS_epoll_pwait:
	case SYS_epoll_pwait2: case SYS_io_uring_enter: case SYS_execve: case SYS_execveat:
		return 1;
	default:
		return 0;
	}
}

void rn_sud_expect(unsigned idx)
{
	rn_sud.expect = idx < RN_NFUNCS && rn_sud.on ? sud.rownr[idx] + 1 : 0;
}

/* Called at the end of the constructor, when the wrappers record. */
int rn_sud_init(int complete)
{
	if (!complete || rn_g.sandboxed || !rn_g.arena.hdr)
		return 0;
	/* the kernel says EINVAL when it has no dispatch: default mode */
	long r = rn_sys6(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, RN_SUD_OFF, 0, 0, 0, 0);
	if (r)
		return (int)r;
	if (!dl_iterate_phdr(rn_sud_range, (void *)(uintptr_t)&rn_sud_thread_on))
		return -ENOENT;
	struct rn_ksigaction act = {
		(uint64_t)(uintptr_t)rn_sud_handler,
		SA_SIGINFO | SA_NODEFER | SA_RESTORER,
		(uint64_t)(uintptr_t)rn_sud_restorer, 0,
	};
	r = rn_sys4(SYS_rt_sigaction, SIGSYS, &act, &sud.prog, 8);
	if (r)
		return (int)r;
	rn_sud_filter();
	sud.on = 1;
	r = rn_sud_thread_on();
	if (r) {
		sud.on = 0;
		rn_sys4(SYS_rt_sigaction, SIGSYS, &sud.prog, NULL, 8);
	}
	return (int)r;
}

/* ------------------------------------------------------------ handler */

static void rn_sud_record(long nr, const greg_t *g, uint64_t t0, uint64_t t1, long ret)
{
	if (rn_sud.expect == nr + 1) {
		/* the one call a compound wrapper records itself */
		rn_sud.expect = 0;
		return;
	}
	if ((unsigned long)nr < sizeof sud.want && !sud.want[nr])
		return;
	uint64_t a[RN_MAX_ARGS] = { (uint64_t)nr, (uint64_t)g[REG_RDI], (uint64_t)g[REG_RSI],
				    (uint64_t)g[REG_RDX], (uint64_t)g[REG_R10],
				    (uint64_t)g[REG_R8] };
	int err = 0;
	if (ret < 0 && ret > -4096) {
		err = (int)-ret;
		ret = -1;
	}
	/* -k: the stack from the interrupted context (stack.c), not from
	 * this handler's frames; nested traps save and restore it */
	void *prev = rn_sud_ctx;
	rn_sud_ctx = (char *)(uintptr_t)g - offsetof(ucontext_t, uc_mcontext.gregs);
	rn_emit_slow(RN_IDX_syscall, t0, t1, ret, err, a, RN_REC_TRAPPED);
	rn_sud_ctx = prev;
}

/* A copy of the program's sigset (8 bytes) without SIGSYS, when it has it:
 * returns the pointer to pass on. *view is what the program's view of
 * SIGSYS becomes while the call's mask is in force (the handlers that run
 * inside it read it), unchanged when there is no mask. */
static uint64_t rn_sud_strip(uint64_t p, uint64_t *copy, int *view)
{
	if (!p || rn_safe_read(copy, (const void *)(uintptr_t)p, 8) != 8)
		return p;
	*view = (*copy & RN_SIGSYS_BIT) != 0;
	if (!*view)
		return p;
	*copy &= ~RN_SIGSYS_BIT;
	return (uint64_t)(uintptr_t)copy;
}

/* io_uring_enter's mask: the fifth argument, or with IORING_ENTER_EXT_ARG
 * the first field of the struct io_uring_getevents_arg it points at. */
#define RN_IORING_ENTER_EXT_ARG 8u
static uint64_t rn_sud_strip_uring(uint64_t flags, uint64_t arg, uint64_t argsz, uint64_t *copy,
				   int *view)
{
	static __thread uint64_t ext[3];
	uint64_t d[3];
	if (!(flags & RN_IORING_ENTER_EXT_ARG))
		return argsz == 8 ? rn_sud_strip(arg, copy, view) : arg;
	if (!arg || argsz != sizeof d || rn_safe_read(d, (const void *)(uintptr_t)arg, sizeof d) != sizeof d ||
	    !d[0] || (uint32_t)d[1] != 8)
		return arg;
	uint64_t p = rn_sud_strip(d[0], copy, view);
	if (p == d[0])
		return arg;
	ext[0] = p;
	ext[1] = d[1];
	ext[2] = d[2];
	return (uint64_t)(uintptr_t)ext;
}

/* rt_sigaction(SIGSYS): the program's action lives here; the kernel keeps
 * ours. The old action is written where the kernel checked it can write. */
static long rn_sud_sigsys_action(const greg_t *g)
{
	uint64_t act = (uint64_t)g[REG_RSI], oact = (uint64_t)g[REG_RDX];
	struct rn_ksigaction n;
	if ((uint64_t)g[REG_R10] != 8)
		return -EINVAL;
	if (act && rn_safe_read(&n, (const void *)(uintptr_t)act, sizeof n) != sizeof n)
		return -EFAULT;
	/* a query the kernel answers (where oact is writable), and we
	 * correct: the program's call as strace sees it */
	long r = rn_sud_issue(SYS_rt_sigaction, SIGSYS, NULL, oact, 8);
	if (r)
		return r;
	if (oact)
		*(struct rn_ksigaction *)(uintptr_t)oact = sud.prog;
	if (act)
		sud.prog = n;
	return 0;
}

/* Every handler of the program runs from here: with the selector at
 * BLOCK whatever it interrupted, and back as it was. Its return (the
 * rt_sigreturn our restorer makes, in the allowed range) is recorded as
 * strace sees it. */
static void rn_sud_sigentry(int sig, siginfo_t *si, void *ctx)
{
	uint8_t sel = rn_sud_sel;
	int on = rn_sud.on;
	/* the call it interrupted may be a compound wrapper's, which the
	 * handler's own wrappers must not make us forget */
	long expect = rn_sud.expect;
	uint64_t *um = (uint64_t *)(void *)&((ucontext_t *)ctx)->uc_sigmask;
	struct rn_ksigaction a = prog_act[sig];
	int outer = rn_sud.outer, win = on && rn_sud.execwin;
	if (win) {
		/* it interrupted an exec's last instructions: its calls trap */
		uint64_t sys = RN_SIGSYS_BIT;
		rn_sud.execwin = 0;
		rn_sys4(SYS_rt_sigprocmask, SIG_UNBLOCK, &sys, NULL, 8);
	}
	if (on) {
		rn_sud_sel = RN_SEL_BLOCK;
		/* the mask its return restores (the one before a call that
		 * installed one), and its own, as the program set them */
		if (outer ? outer - 1 : rn_sud.blk)
			*um |= RN_SIGSYS_BIT;
		if (a.mask & RN_SIGSYS_BIT)
			rn_sud.blk = 1;
		rn_sud.outer = 0;
	}
	if (a.flags & SA_RESETHAND) {
		/* the kernel put SIG_DFL back as it delivered this */
		prog_act[sig].handler = (uint64_t)(uintptr_t)SIG_DFL;
		prog_wrapped[sig] = 0;
	}
	if (a.handler == (uint64_t)(uintptr_t)SIG_DFL || a.handler == (uint64_t)(uintptr_t)SIG_IGN)
		;	/* changed under us while it was delivered: nothing to run */
	else
		rn_sig_note(sig, si);	/* the signal line, as in default mode */
	if (a.handler == (uint64_t)(uintptr_t)SIG_DFL || a.handler == (uint64_t)(uintptr_t)SIG_IGN)
		;
	else if (a.flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))(uintptr_t)a.handler)(sig, si, ctx);
	else
		((void (*)(int))(uintptr_t)a.handler)(sig);
	if (on && rn_sud.on) {
		/* the mask its return puts back: never with SIGSYS in the
		 * kernel's (a handler may fill uc_sigmask) */
		rn_sud.blk = (*um & RN_SIGSYS_BIT) != 0;
		*um &= ~RN_SIGSYS_BIT;
		rn_sud.outer = outer;
	}
	if (win) {
		*um |= RN_SIGSYS_BIT;	/* blocked again for the exec */
		rn_sud.execwin = 1;
	}
	if (rn_sud.on && sud.want[SYS_rt_sigreturn]) {
		int saved = errno;
		uint64_t now = rn_now();
		uint64_t r[RN_MAX_ARGS] = { SYS_rt_sigreturn };
		rn_emit_slow(RN_IDX_syscall, now, now,
			     (int64_t)((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RAX], 0, r,
			     RN_REC_TRAPPED);
		errno = saved;
	}
	rn_sud.expect = expect;
	rn_sud_sel = sel;
}

/* rt_sigaction of any signal but SIGSYS: a handler is installed as
 * rn_sud_sigentry (with our restorer, SIGSYS out of its mask), the old
 * action reported as the program set it. */
static long rn_sud_sigaction(long sig, uint64_t act, uint64_t oact, uint64_t size)
{
	if (sig < 1 || sig >= RN_NSIG || size != 8)
		return rn_sud_issue(SYS_rt_sigaction, sig, act, oact, size);
	struct rn_ksigaction k, old = prog_act[sig];
	int was = prog_wrapped[sig];
	long r;
	if (!act) {
		r = rn_sud_issue(SYS_rt_sigaction, sig, NULL, oact, 8);
	} else if (rn_safe_read(&k, (const void *)(uintptr_t)act, sizeof k) != sizeof k) {
		return rn_sud_issue(SYS_rt_sigaction, sig, act, oact, 8);	/* EFAULT */
	} else {
		struct rn_ksigaction kk = k;
		kk.mask &= ~RN_SIGSYS_BIT;
		int wrap = k.handler != (uint64_t)(uintptr_t)SIG_DFL &&
			   k.handler != (uint64_t)(uintptr_t)SIG_IGN && sig != SIGKILL &&
			   sig != SIGSTOP;
		if (wrap) {
			kk.handler = (uint64_t)(uintptr_t)rn_sud_sigentry;
			kk.flags |= SA_SIGINFO | SA_RESTORER;
			kk.restorer = (uint64_t)(uintptr_t)rn_sud_restorer;
			prog_act[sig] = k;	/* before the kernel can deliver it */
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
		}
		r = rn_sud_issue(SYS_rt_sigaction, sig, &kk, oact, 8);
		if (r) {
			prog_act[sig] = old;
		} else {
			prog_act[sig] = k;
			prog_wrapped[sig] = (uint8_t)wrap;
		}
	}
	/* the kernel wrote our action there: it is writable; the program's */
	if (!r && oact && was)
		*(struct rn_ksigaction *)(uintptr_t)oact = old;
	return r;
}

/* A SIGSYS that dispatch did not raise (seccomp RET_TRAP, kill), or one
 * raised by the program's own dispatch: the program's action. */
static void rn_sud_forward(int sig, siginfo_t *si, void *ctx)
{
	uint64_t h = sud.prog.handler;
	if (h == (uint64_t)(uintptr_t)SIG_IGN)
		return;
	if (h == (uint64_t)(uintptr_t)SIG_DFL) {
		/* the default action: die of it, as untraced */
		struct rn_ksigaction dfl = { 0, 0, 0, 0 };
		rn_sys4(SYS_rt_sigaction, SIGSYS, &dfl, NULL, 8);
		rn_sys3(SYS_tgkill, rn_sys0(SYS_getpid), rn_sys0(SYS_gettid), SIGSYS);
		return;
	}
	if (sud.prog.flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))(uintptr_t)h)(sig, si, ctx);
	else
		((void (*)(int))(uintptr_t)h)(sig);
}

#define RN_CLONE_ARGS_STACK 40	/* offsetof(struct clone_args, stack) */
#define RN_CLONE_ARGS_SIZE 48	/* offsetof(struct clone_args, stack_size) */

/* Called by complete.S in the parent once a clone made through it
 * returned: records the call; returns where the program goes on. */
RN_HIDDEN uint64_t rn_sud_clone_done(long ret)
{
	uint64_t t1 = rn_now();
	struct rn_tls *t = &rn_t;
	t->busy = rn_sud.clone_busy;
	rn_sud_sel = RN_SEL_BLOCK;	/* it trapped: a vfork child may have left ALLOW */
	if (rn_sud.forklike && !rn_g.sandboxed)
		rn_fork_parent_done((int32_t)ret);
	int err = 0;
	if (ret < 0 && ret > -4096) {
		err = (int)-ret;
		ret = -1;
	}
	if (!rn_sud.norecord && (unsigned long)rn_sud.a[0] < sizeof sud.want &&
	    sud.want[rn_sud.a[0]])
		rn_emit_slow(RN_IDX_syscall, rn_sud.t0, t1, ret, err, rn_sud.a, RN_REC_TRAPPED);
	return rn_sud.rip;
}

/* fork, vfork, clone, clone3. A copy of our memory without a new stack
 * returns through this handler on its copy of the stack: made here. A
 * child on a new stack or on ours shared (vfork) must not: the call is
 * made by complete.S after this handler returned, with the program's
 * registers, and each side jumps to where the program's syscall was. */
static void rn_sud_clone(long nr, greg_t *g, uint64_t t0)
{
	uint64_t flags = 0, stack = 0, top = 0;
	if (nr == SYS_vfork) {
		flags = CLONE_VM | CLONE_VFORK;
	} else if (nr == SYS_clone) {
		flags = (uint64_t)g[REG_RDI];
		stack = top = (uint64_t)g[REG_RSI];
	} else if (nr == SYS_clone3) {
		uint64_t ca[7];
		if ((uint64_t)g[REG_RSI] < sizeof ca ||
		    rn_safe_read(ca, (const void *)(uintptr_t)g[REG_RDI], sizeof ca) != sizeof ca) {
			long r = rn_sud_issue(SYS_clone3, g[REG_RDI], g[REG_RSI]);	/* the kernel says why */
			g[REG_RAX] = r;
			rn_sud_record(nr, g, t0, rn_now(), r);
			return;
		}
		flags = ca[0];
		stack = ca[RN_CLONE_ARGS_STACK / 8];
		top = stack + ca[RN_CLONE_ARGS_SIZE / 8];
	}
	struct rn_tls *t = &rn_t;
	int vm = (flags & CLONE_VM) != 0;
	if (!vm && !stack) {
		/* a copy of us, here: adopts an arena as after fork() */
		int traced = rn_g.arena.hdr && !rn_g.sandboxed;
		if (traced)
			rn_raw_fork_prepare();
		long r = rn_sud_issue(nr, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8],
				 g[REG_R9]);
		if (r == 0) {
			if (traced)
				rn_raw_fork_child();	/* dispatch on again there */
			else
				rn_sud.on = 0;
			g[REG_RAX] = 0;
			return;
		}
		uint64_t t1 = rn_now();
		if (traced)
			rn_fork_parent_done((int32_t)r);
		g[REG_RAX] = r;
		rn_sud_record(nr, g, t0, t1, r);
		return;
	}
	/* made after we return, by complete.S */
	rn_sud.rip = (uint64_t)g[REG_RIP];
	rn_sud.t0 = t0;
	uint64_t a[RN_MAX_ARGS] = { (uint64_t)nr, (uint64_t)g[REG_RDI], (uint64_t)g[REG_RSI],
				    (uint64_t)g[REG_RDX], (uint64_t)g[REG_R10], (uint64_t)g[REG_R8] };
	memcpy(rn_sud.a, a, sizeof a);
	rn_sud.forklike = 0;
	rn_sud.norecord = rn_sud.expect == nr + 1;
	if (rn_sud.norecord)
		rn_sud.expect = 0;
	rn_sud.clone_busy = t->busy;
	/* the child never writes into our ring (as rn_syscall_newproc) */
	if (!vm || (flags & CLONE_VFORK))
		t->busy = t->busy ? t->busy : RN_BUSY_VFORK;
	else if (!(flags & CLONE_SETTLS))
		t->busy = RN_BUSY_SHARED, rn_sud.clone_busy = RN_BUSY_SHARED;
	if (top) {
		/* where the child finds its way back: just below its stack top,
		 * memory no one uses yet (the program puts what it passes the
		 * child above it) */
		((uint64_t *)(uintptr_t)top)[-1] = (uint64_t)g[REG_RIP];
		g[REG_RIP] = (greg_t)(uintptr_t)rn_sud_clone_stack;
	} else {
		/* no new stack: the child has our TLS (shared or a copy) */
		g[REG_RIP] = (greg_t)(uintptr_t)rn_sud_clone_tls;
	}
	g[REG_RAX] = nr;
}

/* One trapped call as the handler decodes it: its number and its six
 * arguments (changed where a mask must lose SIGSYS). */
struct rn_sud_call {
	long nr;
	uint64_t a[6];
};

/* The calls that do not return here as the others do: a handler's
 * rt_sigreturn, fork and clone (rn_sud_clone), exit and exit_group.
 * Returns 1 when the call was one of them (made and recorded, or never
 * returning), 0 for any other. */
static int rn_sud_leaves(const struct rn_sud_call *c, greg_t *g, uint64_t t0)
{
	switch (c->nr) {
	case SYS_rt_sigreturn: {
		/* a handler of the program returning through libc's restorer:
		 * recorded, then made from our range with the program's stack
		 * (its frame is there) */
		ucontext_t *outer = (ucontext_t *)(uintptr_t)g[REG_RSP];
		uint64_t *om = (uint64_t *)(void *)&outer->uc_sigmask;
		rn_sud.blk = (*om & RN_SIGSYS_BIT) != 0;
		*om &= ~RN_SIGSYS_BIT;
		rn_sud_record(c->nr, g, t0, t0, (long)outer->uc_mcontext.gregs[REG_RAX]);
		g[REG_RIP] = (greg_t)(uintptr_t)rn_sud_sigreturn;
		g[REG_RAX] = c->nr;
		return 1;
	}
	case SYS_clone: case SYS_clone3: case SYS_fork: case SYS_vfork:
		rn_sud_clone(c->nr, g, t0);
		return 1;
	case SYS_exit_group:
		/* recorded by exit's wrapper or at_exit when they ran */
		if (!(rn_g.arena.hdr && rn_g.arena.hdr->exited)) {
			rn_note_exit((int)c->a[0]);
			rn_sud_record(c->nr, g, t0, t0, 0);
		}
		rn_sud_issue(c->nr, c->a[0]);
		__builtin_unreachable();
	case SYS_exit:
		rn_sud_record(c->nr, g, t0, t0, 0);
		rn_sud_issue(c->nr, c->a[0]);
		__builtin_unreachable();
	default:
		return 0;
	}
}

/* The calls the handler makes its own way, keeping SIGSYS the shim's and
 * the program's view of it intact: actions, the mask, the alternate
 * stack, and exec while SIGSYS is blocked for the program. Returns 1 with
 * the call's result in *r, 0 when the call is not one of them. */
static int rn_sud_own(const struct rn_sud_call *c, ucontext_t *uc, long *r)
{
	uint64_t a1 = c->a[0], a2 = c->a[1], a3 = c->a[2], a4 = c->a[3];
	switch (c->nr) {
	case SYS_rt_sigaction:
		*r = a1 == SIGSYS ? rn_sud_sigsys_action(uc->uc_mcontext.gregs)
				  : rn_sud_sigaction((long)a1, a2, a3, a4);
		return 1;
	case SYS_rt_sigprocmask: {
		int had = rn_sud.blk, set = -1;
		uint64_t m1;
		uint64_t s2 = rn_sud_strip(a2, &m1, &set);
		if (a1 != SIG_UNBLOCK)
			a2 = s2;
		*r = rn_sud_issue(c->nr, a1, a2, a3, a4);
		if (!*r && set >= 0) {
			if (a1 == SIG_BLOCK)
				rn_sud.blk |= set;
			else if (a1 == SIG_UNBLOCK)
				rn_sud.blk &= !set;
			else if (a1 == SIG_SETMASK)
				rn_sud.blk = set;
		}
		/* the old mask as the program set it (the kernel wrote there) */
		if (!*r && a3 && had)
			*(uint64_t *)(uintptr_t)a3 |= RN_SIGSYS_BIT;
		/* the return from this handler puts back the mask its frame
		 * holds: the program's new mask goes there */
		if (!*r && a2 && !rn_sys4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m1, 8))
			memcpy(&uc->uc_sigmask, &m1, 8);
		return 1;
	}
	case SYS_sigaltstack: {
		/* likewise the alternate stack */
		stack_t cur;
		*r = rn_sud_issue(c->nr, a1, a2);
		if (!*r && a1 && !rn_sys2(SYS_sigaltstack, NULL, &cur))
			uc->uc_stack = cur;
		return 1;
	}
	case SYS_execve: case SYS_execveat: {
		/* the new image inherits the mask the program sees */
		if (!rn_sud.blk)
			return 0;
		/* a handler run in between unblocks it for its own calls
		 * (rn_sud_sigentry) */
		uint64_t sys = RN_SIGSYS_BIT;
		rn_sud.execwin = 1;
		rn_sys4(SYS_rt_sigprocmask, SIG_BLOCK, &sys, NULL, 8);
		*r = rn_sud_issue(c->nr, a1, a2, a3, a4, c->a[4]);
		rn_sud.execwin = 0;
		rn_sys4(SYS_rt_sigprocmask, SIG_UNBLOCK, &sys, NULL, 8);
		return 1;
	}
	default:
		return 0;
	}
}

/* Any other call, made as the program asked: a mask it installs for its
 * duration loses SIGSYS (m1: the stripped copy; view: the program's view
 * of SIGSYS while it holds, -1: none), and a program that sets dispatch
 * up itself takes over. Returns the result. */
static long rn_sud_make(struct rn_sud_call *c)
{
	uint64_t *a = c->a, m1;
	int view = -1;
	switch (c->nr) {
	case SYS_rt_sigsuspend:
		a[0] = rn_sud_strip(a[0], &m1, &view);
		break;
	case SYS_ppoll:
		a[3] = rn_sud_strip(a[3], &m1, &view);
		break;
	case SYS_epoll_pwait: case SYS_epoll_pwait2:
		a[4] = rn_sud_strip(a[4], &m1, &view);
		break;
	case SYS_io_uring_enter:
		a[4] = rn_sud_strip_uring(a[3], a[4], a[5], &m1, &view);
		break;
	case SYS_pselect6: {
		/* the sixth argument points at { const sigset_t *, size } */
		uint64_t d[2];
		if (a[5] && rn_safe_read(d, (const void *)(uintptr_t)a[5], sizeof d) == sizeof d &&
		    d[0]) {
			uint64_t p = rn_sud_strip(d[0], &m1, &view);
			if (p != d[0]) {
				static __thread uint64_t pair[2];
				pair[0] = p;
				pair[1] = d[1];
				a[5] = (uint64_t)(uintptr_t)pair;
			}
		}
		break;
	}
	case SYS_prctl:
		if (a[0] == PR_SET_SYSCALL_USER_DISPATCH)
			rn_sud_yield();	/* the program's dispatch from now on */
		break;
	default:
		break;
	}
	if (view < 0)
		return rn_sud_issue(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	int sv = rn_sud.blk, so = rn_sud.outer;
	rn_sud.blk = view;
	rn_sud.outer = sv + 1;
	long r = rn_sud_issue(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	rn_sud.blk = sv;
	rn_sud.outer = so;
	return r;
}

/* SIGSYS: a trapped call is decoded from the frame, made (rn_sud_leaves,
 * rn_sud_own or rn_sud_make), its result put in the frame's rax and
 * recorded. Any other SIGSYS is the program's (rn_sud_forward). */
static void rn_sud_handler(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno;
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	if (si->si_code != SYS_USER_DISPATCH || !rn_sud.on) {
		rn_sud_forward(sig, si, ctx);
		errno = saved;
		return;
	}
	if (rn_g.sandboxed) {
		/* another thread made the process sandboxed: this one stops
		 * trapping (its selector only: no system call of ours) */
		rn_sud_sel = RN_SEL_ALLOW;
		rn_sud.on = 0;
		g[REG_RIP] -= 2;	/* the program's syscall again, allowed now */
		g[REG_RAX] = si->si_syscall;
		errno = saved;
		return;
	}
	struct rn_sud_call c = {
		si->si_syscall,
		{ (uint64_t)g[REG_RDI], (uint64_t)g[REG_RSI], (uint64_t)g[REG_RDX],
		  (uint64_t)g[REG_R10], (uint64_t)g[REG_R8], (uint64_t)g[REG_R9] },
	};
	uint64_t t0 = rn_now();
	if (rn_sud_leaves(&c, g, t0)) {
		errno = saved;
		return;
	}
	long r;
	if (!rn_sud_own(&c, uc, &r))
		r = rn_sud_make(&c);
	uint64_t t1 = rn_now();
	g[REG_RAX] = r;
	rn_sud_record(c.nr, g, t0, t1, r);
	errno = saved;
}
