/* signals.c: the program's signal handlers run through the shim's entry,
 * which writes one RN_REC_SIGNAL record (the siginfo the kernel gave) for
 * each signal delivered to them and then calls the program's handler with
 * the same arguments. The handler setters (sigaction, signal, sysv_signal,
 * bsd_signal, sigset) are wrapped here; under --complete a thread's
 * rt_sigaction traps and complete.c wraps instead (it calls rn_sig_note).
 *
 * It must never let the program notice: sigaction's old action and every
 * setter's return value are the program's own handler and flags (the
 * kernel holds our entry and SA_SIGINFO added, nothing else changed: the
 * mask, SA_RESETHAND, SA_NODEFER, SA_ONSTACK, SA_RESTART are the
 * program's); SIG_IGN and SIG_DFL are passed through untouched (they are
 * never delivered to a handler: caught signals only); fork keeps the table
 * as the kernel keeps the actions, exec resets both. The entry adds a
 * small frame to the handler's stack (RN_STACK_BUDGET, checked on a
 * sigaltstack by test_signals) and makes no system call: the record is
 * the ordinary slow path, which a handler interrupting a ring write
 * stashes (emit.c). Never wraps before the constructor has an arena.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "shim_priv.h"
#include "wrap.h"

#define RN_NSIG 65

/* One signal's handler as the program set it. state: */
#define RN_SIG_NONE 0		/* not ours: the kernel has what the program set */
#define RN_SIG_WRAPPED 1	/* the kernel has rn_sig_entry for handler */
#define RN_SIG_RESET 2		/* was wrapped with SA_RESETHAND, and a delivery
				 * put SIG_DFL back: the kernel's flags still
				 * have our SA_SIGINFO */
struct rn_sigslot {
	uintptr_t handler;
	int flags;		/* sa_flags as the program gave them */
	uint32_t state;
};

static struct rn_sigslot rn_slots[RN_NSIG];

typedef int (*rn_sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef __sighandler_t (*rn_signal_fn)(int, __sighandler_t);

/* A handler the kernel calls (not SIG_DFL, SIG_IGN, SIG_HOLD, SIG_ERR). */
static inline int rn_sig_fn(uintptr_t h)
{
	return h > 2 && h != (uintptr_t)SIG_ERR;
}

static inline int rn_sig_ok(int sig)
{
	return sig > 0 && sig < RN_NSIG;
}

/* Whether setters here wrap: traced, and not left to --complete. */
static inline int rn_sig_wrapping(void)
{
	return rn_g.arena.hdr != NULL && !rn_sud_active();
}

static void rn_sig_set(int sig, uintptr_t h, int flags, uint32_t state)
{
	struct rn_sigslot *s = &rn_slots[sig];
	/* a delivery on another thread reads the handler before the state */
	__atomic_store_n(&s->handler, h, __ATOMIC_RELAXED);
	__atomic_store_n(&s->flags, flags, __ATOMIC_RELAXED);
	__atomic_store_n(&s->state, state, __ATOMIC_RELEASE);
}

void rn_sig_note(int sig, const void *si)
{
	if (!rn_g.arena.hdr)
		return;
	int saved = errno;
	uint64_t now = rn_now();
	uint64_t a[RN_MAX_ARGS] = { (uint64_t)sig, (uint64_t)(uintptr_t)si };
	struct rn_tls *t = &rn_t;
	/* inside a wrapped call: after that call's record, not before it.
	 * A longjmp to above our caller's stack pointer (the handler's own
	 * frames are all below it) leaves the handler and that call, which
	 * then never writes the record: the jump hands it over
	 * (rn_longjmp_check). x86-64 frame: saved rbp, return address. */
	if (!t->busy && t->prod.ring && rn_load_relaxed(&t->prod.ring->cur_fn)) {
		t->defer_sp = (uintptr_t)__builtin_frame_address(0) + 16;
		rn_emit_deferred(RN_IDX_sigaction, now, now, 0, 0, a, RN_REC_SIGNAL);
	} else
		rn_emit_slow(RN_IDX_sigaction, now, now, 0, 0, a, RN_REC_SIGNAL);
	errno = saved;
}

/* The item of an RN_REC_SIGNAL record, written after p's tail (emit.c
 * reserved RN_SIG_ITEM_BYTES): the siginfo, on the kernel's signal frame. */
uint32_t rn_sig_items(struct rn_prod *p, const uint64_t *a)
{
	struct rn_item it = { RN_ITEM_SIGINFO, 0, 128 };
	const uint8_t *src[2] = { (const uint8_t *)&it, (const uint8_t *)(uintptr_t)a[1] };
	const uint32_t len[2] = { sizeof it, 128 };
	uint64_t ringbytes = (p->mask + 1) * RN_REC_SIZE;
	uint32_t off = 0;
	for (int i = 0; i < 2; i++) {
		uint32_t n = len[i];
		const uint8_t *s = src[i];
		while (n) {
			uint64_t pos = (((p->tail + 1) & p->mask) * RN_REC_SIZE + off) % ringbytes;
			uint32_t k = ringbytes - pos < n ? (uint32_t)(ringbytes - pos) : n;
			memcpy((uint8_t *)p->slots + pos, s, k);
			off += k;
			s += k;
			n -= k;
		}
	}
	return off;
}

/* Every handler the setters here installed runs from here. */
static void rn_sig_entry(int sig, siginfo_t *si, void *uc)
{
	struct rn_sigslot *s = &rn_slots[(unsigned)sig < RN_NSIG ? sig : 0];
	uint32_t state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
	uintptr_t h = __atomic_load_n(&s->handler, __ATOMIC_RELAXED);
	int flags = __atomic_load_n(&s->flags, __ATOMIC_RELAXED);
	if (state != RN_SIG_WRAPPED || !rn_sig_fn(h))
		return;		/* changed under us while it was delivered */
	if (flags & SA_RESETHAND)	/* the kernel put SIG_DFL back */
		__atomic_store_n(&s->state, RN_SIG_RESET, __ATOMIC_RELAXED);
	rn_sig_note(sig, si);
	if (flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))h)(sig, si, uc);
	else
		((void (*)(int))h)(sig);
}

/* What the program set, in an old action the kernel reported: our entry
 * becomes its handler, and SA_SIGINFO is its own again. */
static void rn_sig_fix_old(struct sigaction *old, const struct rn_sigslot *prev)
{
	uintptr_t h = (uintptr_t)old->sa_handler;
	if ((h == (uintptr_t)rn_sig_entry && prev->state == RN_SIG_WRAPPED) ||
	    (h == (uintptr_t)SIG_DFL && prev->state == RN_SIG_RESET)) {
		if (h != (uintptr_t)SIG_DFL)
			old->sa_sigaction = (void (*)(int, siginfo_t *, void *))prev->handler;
		old->sa_flags = (old->sa_flags & ~SA_SIGINFO) | (prev->flags & SA_SIGINFO);
	}
}

static __attribute__((noinline)) int rn_sigaction_do(rn_sigaction_fn real, int sig,
						      const struct sigaction *act,
						      struct sigaction *old)
{
	if (!rn_sig_ok(sig))
		return real(sig, act, old);
	struct rn_sigslot prev = rn_slots[sig];
	struct sigaction mine;
	const struct sigaction *pass = act;
	/* a bad act faults here as it does in libc's own copy of it */
	if (act && rn_sig_fn((uintptr_t)act->sa_handler) && rn_sig_wrapping()) {
		mine = *act;
		mine.sa_sigaction = rn_sig_entry;
		mine.sa_flags |= SA_SIGINFO;
		/* before the kernel can deliver to it */
		rn_sig_set(sig, (uintptr_t)act->sa_handler, act->sa_flags, RN_SIG_WRAPPED);
		pass = &mine;
	}
	int r = real(sig, pass, old);
	if (r) {
		int e = errno;
		if (pass != act)
			rn_sig_set(sig, prev.handler, prev.flags, prev.state);
		errno = e;
		return r;
	}
	if (old)
		rn_sig_fix_old(old, &prev);
	if (act && pass == act)
		rn_sig_set(sig, 0, 0, RN_SIG_NONE);
	return r;
}

RN_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	rn_sigaction_fn real = rn_real_get(RN_IDX_sigaction);
	if (!rn_want(RN_IDX_sigaction))
		return rn_sigaction_do(real, sig, act, old);
	uint64_t a_[RN_MAX_ARGS] = { RN_PRE(sig), RN_PRE(act), RN_PRE(old) };
	/* not simple: both actions are captured (the program's, as it sees them) */
	RN_RECORD(sigaction, NEG1, int, rn_sigaction_do(real, sig, act, old), 0);
}

/* signal, sysv_signal, bsd_signal, sigset: libc sets the action its way
 * (its flags, its mask, siginterrupt's choice), then a handler is moved
 * to our entry with everything else as libc left it. A signal in between
 * reaches the program's handler unrecorded; the program sees no
 * difference. */
static __attribute__((noinline)) __sighandler_t rn_signal_do(rn_signal_fn real, int sig,
							       __sighandler_t h)
{
	if (!rn_sig_ok(sig))
		return real(sig, h);
	struct rn_sigslot prev = rn_slots[sig];
	__sighandler_t r = real(sig, h);
	if (r == SIG_ERR)
		return r;
	int e = errno;
	if ((uintptr_t)r == (uintptr_t)rn_sig_entry && prev.state == RN_SIG_WRAPPED)
		r = (__sighandler_t)prev.handler;
	if (rn_sig_fn((uintptr_t)h) && rn_sig_wrapping()) {
		rn_sigaction_fn sa = rn_real_get(RN_IDX_sigaction);
		struct sigaction cur;
		if (!sa(sig, NULL, &cur) && cur.sa_handler == h) {
			rn_sig_set(sig, (uintptr_t)h, cur.sa_flags, RN_SIG_WRAPPED);
			cur.sa_sigaction = rn_sig_entry;
			cur.sa_flags |= SA_SIGINFO;
			if (sa(sig, &cur, NULL))
				rn_sig_set(sig, 0, 0, RN_SIG_NONE);
		}
	} else if (h != SIG_HOLD) {
		rn_sig_set(sig, 0, 0, RN_SIG_NONE);	/* SIG_HOLD changes the mask only */
	}
	errno = e;
	return r;
}

#define RN_SIGNAL_WRAPPER(func)                                                     \
	RN_EXPORT __sighandler_t func(int sig, __sighandler_t h)                    \
	{                                                                           \
		rn_signal_fn real = rn_real_get(RN_IDX_##func);                     \
		if (!rn_want(RN_IDX_##func))                                        \
			return rn_signal_do(real, sig, h);                          \
		uint64_t a_[RN_MAX_ARGS] = { RN_PRE(sig), RN_PRE(h) };              \
		RN_RECORD(func, ADDR, __sighandler_t, rn_signal_do(real, sig, h), 1); \
	}

RN_SIGNAL_WRAPPER(signal)
RN_SIGNAL_WRAPPER(sysv_signal)
RN_SIGNAL_WRAPPER(bsd_signal)
RN_SIGNAL_WRAPPER(sigset)
