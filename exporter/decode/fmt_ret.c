/* fmt_ret.c: the part of a call's line after " = ", as strace prints it:
 * a number, an address, flags (fcntl's F_GETFL), an errno with its
 * message, or ? for a call that did not return.
 *
 * How a return reads is the table's (the row's ret: NEG1, ERRNUM, ADDR,
 * FCNTL...; for syscall(2), common/sysent.in by number), never a syscall
 * name. Never writes past the caller's buffer, allocates, or prints.
 */
#include "fmt_priv.h"

#include <fcntl.h>
#include <string.h>

static void put_errno(struct rn_tb *b, int e)
{
	const char *n = rn_errno_name(e);
	const char *d = n ? strerrordesc_np(e) : NULL;
	if (n)
		rn_tb_fmt(b, "-1 %s (%s)", n, d ? d : "Unknown error");
	else
		rn_tb_fmt(b, "-1 ERRNO_%d (Unknown error %d)", e, e);
}

/* F_GETFL's and F_GETFD's results are flags; strace shows them so (and
 * F_GETFD's 0 as a plain 0). Returns 0 when the command returns a number. */
static int put_fcntl_ret(struct rn_tb *b, const struct rn_event *ev)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	uint64_t cmd = UINT64_MAX;
	/* the command is the row's FCNTL argument, wherever it sits */
	for (unsigned i = 0, k = 0; i < fi->ntypes && i < RN_MAX_TYPES && k < RN_MAX_ARGS; i++) {
		if (rn_arg_is_implied(fi->types[i]))
			continue;
		if (fi->types[i] == RN_ARG_FCNTL) {
			cmd = (uint32_t)ev->arg[k];
			break;
		}
		k++;
	}
	if (cmd != F_GETFL && !(cmd == F_GETFD && ev->ret))
		return 0;
	rn_tb_fmt(b, "%#llx (flags ", (unsigned long long)ev->ret);
	if (cmd == F_GETFL)
		rn_put_oflags(b, (uint64_t)ev->ret);
	else
		rn_put_flags(b, (uint64_t)ev->ret, RN_XLAT(fd_flags), "0");
	rn_tb_str(b, ")");
	return 1;
}

static size_t rn_fmt_ret_value(char *buf, size_t cap, const struct rn_event *ev)
{
	struct rn_tb b;

	rn_tb_init(&b, buf, cap);
	if (!cap)
		return 0;
	if ((ev->flags & RN_EV_UNFINISHED) || ev->fn >= RN_NFUNCS) {
		rn_tb_str(&b, "?");
		return b.len;
	}
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	if (rn_fmt_row_spawns(fi)) {
		/* clone3's result: the child's pid (from posix_spawn's pid
		 * argument, else the child the exporter saw start inside the
		 * call), or the error */
		int e = ev->err ? ev->err : fi->ret == RN_RET_ERRNUM && ev->ret > 0 ? (int)ev->ret : 0;
		int32_t pid = ev->spawn_pid;
		for (unsigned i = 0; !pid && !e && i < fi->ntypes && i < RN_MAX_TYPES; i++)
			if (fi->types[i] == RN_ARG_PIDP && ev->cap[i].present && ev->cap[i].data &&
			    ev->cap[i].len >= sizeof pid)
				memcpy(&pid, ev->cap[i].data, sizeof pid);
		if (e)
			put_errno(&b, e);
		else if (pid > 0)
			rn_tb_fmt(&b, "%d", pid);
		else
			rn_tb_str(&b, "?");
		return b.len;
	}
	if (fi->ret == RN_RET_TID && !ev->err) {
		/* the new thread's id; 0: not known */
		if (ev->ret > 0)
			rn_tb_fmt(&b, "%lld", (long long)ev->ret);
		else
			rn_tb_str(&b, "?");
		return b.len;
	}
	if (fi->ret == RN_RET_ERRNUM || fi->ret == RN_RET_TID) {
		/* the value is the error itself; the decoder copies it to err */
		int e = ev->err ? ev->err : (int)ev->ret;
		if (e > 0)
			put_errno(&b, e);
		else
			rn_tb_fmt(&b, "%lld", (long long)ev->ret);
		return b.len;
	}
	if (ev->err) {
		put_errno(&b, ev->err);
		return b.len;
	}
	int raw = fi->ntypes && fi->types[0] == RN_ARG_SYSNO;
	if (fi->ret == RN_RET_ADDR || fi->ret == RN_RET_NULLP || (raw && rn_sysno_ret_addr(ev->arg[0])))
		rn_put_hex(&b, (uint64_t)ev->ret);
	else if (fi->ret == RN_RET_POLL)
		rn_put_poll_ret(&b, ev);
	else if (fi->ret != RN_RET_FCNTL || !put_fcntl_ret(&b, ev)) {
		rn_tb_fmt(&b, "%lld", (long long)ev->ret);
		if (ev->fdn)	/* -y: = 3</tmp/x> */
			rn_put_fdname(&b, ev->fdn->ret, !!(ev->fdn->made & RN_FDN_RET));
	}
	return b.len;
}

size_t rn_fmt_ret(char *buf, size_t cap, const struct rn_event *ev)
{
	size_t n = rn_fmt_ret_value(buf, cap, ev);
	if (n && (ev->flags & RN_EV_INJECTED)) {
		/* strace's mark of a tampered result */
		struct rn_tb b = { buf, cap, n };
		rn_tb_str(&b, " (INJECTED)");
		n = b.len;
	}
	return n;
}
