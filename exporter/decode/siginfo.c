/* siginfo.c: a signal delivered to a handler (an RN_REC_SIGNAL record and
 * its RN_ITEM_SIGINFO item) -> an event, and its siginfo as strace 6.1
 * prints it: `{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=N, ...}`.
 *
 * The siginfo bytes come from the traced program's memory: every field is
 * read from a checked 128-byte copy, never trusted as a pointer. Names of
 * si_code values come from the generated tables (xlat/sig*_codes.in).
 * Pure: no allocation, no I/O.
 */
#include "siginfo.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fmt_priv.h"

int rn_decode_signal(const struct rn_rec *rec, const uint8_t *ext, uint32_t ext_len,
		     struct rn_event *ev)
{
	struct rn_item it;
	if (rec->fn >= RN_NFUNCS || rec->ext_len != ext_len || ext_len < sizeof it + 128)
		return -1;
	memcpy(&it, ext, sizeof it);
	if (it.tag != RN_ITEM_SIGINFO || it.len != 128 || ext_len != sizeof it + 128)
		return -1;
	memset(ev, 0, sizeof *ev);
	ev->fn = rec->fn;
	ev->t_enter_ns = rec->t_enter;
	ev->t_exit_ns = rec->t_enter;
	ev->arg[0] = rec->arg[0];
	ev->cap[0] = (struct rn_capture){ ext + sizeof it, 128, 0, 1 };
	return 0;
}

/* Fields of x86-64's siginfo_t, by offset (the kernel's layout). */
static int32_t si_i32(const uint8_t *s, unsigned off)
{
	int32_t v;
	memcpy(&v, s + off, sizeof v);
	return v;
}

static uint64_t si_u64(const uint8_t *s, unsigned off)
{
	uint64_t v;
	memcpy(&v, s + off, sizeof v);
	return v;
}

#define SI_SIGNO 0
#define SI_ERRNO 4
#define SI_CODE 8
#define SI_PID 16
#define SI_UID 20
#define SI_TIMERID 16
#define SI_OVERRUN 20
#define SI_VALUE 24
#define SI_STATUS 24
#define SI_UTIME 32
#define SI_STIME 40
#define SI_ADDR 16
#define SI_BAND 16
#define SI_FD 24

const char *rn_sigcode_name(int sig, int code)
{
	const char *n = rn_xlat_name(RN_XLAT(siginfo_codes), (uint64_t)(int64_t)code);
	if (n || code <= 0)
		return n;
	switch (sig) {
	case SIGCHLD: return rn_xlat_name(RN_XLAT(sigchld_codes), (uint64_t)code);
	case SIGSEGV: return rn_xlat_name(RN_XLAT(sigsegv_codes), (uint64_t)code);
	case SIGBUS: return rn_xlat_name(RN_XLAT(sigbus_codes), (uint64_t)code);
	case SIGILL: return rn_xlat_name(RN_XLAT(sigill_codes), (uint64_t)code);
	case SIGFPE: return rn_xlat_name(RN_XLAT(sigfpe_codes), (uint64_t)code);
	case SIGTRAP: return rn_xlat_name(RN_XLAT(sigtrap_codes), (uint64_t)code);
	case SIGPOLL: return rn_xlat_name(RN_XLAT(sigpoll_codes), (uint64_t)code);
	default: return NULL;
	}
}

static void put_source(struct rn_tb *b, const uint8_t *s)
{
	rn_tb_fmt(b, ", si_pid=%u, si_uid=%u", (unsigned)si_i32(s, SI_PID),
		  (unsigned)si_i32(s, SI_UID));
}

static void put_value(struct rn_tb *b, const uint8_t *s)
{
	rn_tb_fmt(b, ", si_int=%d, si_ptr=", si_i32(s, SI_VALUE));
	rn_put_ptr(b, si_u64(s, SI_VALUE));
}

size_t rn_fmt_siginfo(char *buf, size_t cap, const struct rn_event *ev)
{
	struct rn_tb b;
	rn_tb_init(&b, buf, cap);
	if (!cap)
		return 0;
	const uint8_t *s = ev->cap[0].data;
	if (!s || ev->cap[0].len < 128) {
		rn_tb_str(&b, "?");
		return b.len;
	}
	int sig = si_i32(s, SI_SIGNO), code = si_i32(s, SI_CODE), err = si_i32(s, SI_ERRNO);
	rn_tb_str(&b, "{si_signo=");
	rn_put_sig(&b, (uint64_t)(uint32_t)sig);
	rn_tb_str(&b, ", si_code=");
	const char *cn = rn_sigcode_name(sig, code);
	if (cn)
		rn_tb_str(&b, cn);
	else
		rn_tb_fmt(&b, "%d", code);
	if (err) {
		const char *en = rn_errno_name(err);
		if (en)
			rn_tb_fmt(&b, ", si_errno=%s", en);
		else
			rn_tb_fmt(&b, ", si_errno=%d", err);
	}
	if (code <= 0) {	/* from a process: kill, tgkill, sigqueue, timers */
		if (code == SI_TIMER) {
			rn_tb_fmt(&b, ", si_timerid=%#x, si_overrun=%d", (unsigned)si_i32(s, SI_TIMERID),
				  si_i32(s, SI_OVERRUN));
			put_value(&b, s);
		} else if (code == SI_USER || code == SI_TKILL) {
			put_source(&b, s);
		} else {
			put_source(&b, s);
			if (code == SI_QUEUE || code == SI_MESGQ || si_u64(s, SI_VALUE))
				put_value(&b, s);
		}
	} else {
		switch (sig) {
		case SIGCHLD:
			put_source(&b, s);
			if (code == CLD_EXITED) {
				rn_tb_fmt(&b, ", si_status=%d", si_i32(s, SI_STATUS));
			} else {
				rn_tb_str(&b, ", si_status=");
				rn_put_sig(&b, (uint64_t)(uint32_t)si_i32(s, SI_STATUS));
			}
			rn_tb_fmt(&b, ", si_utime=%llu, si_stime=%llu",
				  (unsigned long long)si_u64(s, SI_UTIME),
				  (unsigned long long)si_u64(s, SI_STIME));
			break;
		case SIGILL: case SIGFPE: case SIGSEGV: case SIGBUS:
			rn_tb_str(&b, ", si_addr=");
			rn_put_ptr(&b, si_u64(s, SI_ADDR));
			break;
		case SIGPOLL:
			if (code == POLL_IN || code == POLL_OUT || code == POLL_MSG)
				rn_tb_fmt(&b, ", si_band=%lld, si_fd=%d", (long long)si_u64(s, SI_BAND),
					  si_i32(s, SI_FD));
			break;
		default:
			if (si_i32(s, SI_PID) || si_i32(s, SI_UID))
				put_source(&b, s);
			if (si_u64(s, SI_VALUE))
				put_value(&b, s);
			break;
		}
	}
	rn_tb_str(&b, "}");
	return b.len;
}

int rn_event_signo(const struct rn_event *ev)
{
	return (int)(int32_t)ev->arg[0];
}

/* One name of a signal set: SIGUSR1, usr1, 10, SIGRTMIN, SIGRT_3; 0 if
 * none. */
static int rn_signal_by_name(const char *p, size_t n)
{
	char w[24];
	if (!n || n >= sizeof w)
		return 0;
	memcpy(w, p, n);
	w[n] = '\0';
	if (w[0] >= '0' && w[0] <= '9') {
		char *end;
		long v = strtol(w, &end, 10);
		return *end || v < 1 || v > 64 ? 0 : (int)v;
	}
	const char *name = w;
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	if (!strcasecmp(name, "RTMIN"))
		return __SIGRTMIN;
	if (!strncasecmp(name, "RT_", 3)) {
		char *end;
		long v = strtol(name + 3, &end, 10);
		return *end || name[3] == '\0' || v < 0 || __SIGRTMIN + v > __SIGRTMAX ? 0 : (int)(__SIGRTMIN + v);
	}
	for (int s = 1; s < __SIGRTMIN; s++) {
		const char *sn = rn_signal_name(s);
		if (sn && !strcasecmp(sn + 3, name))
			return s;
	}
	return 0;
}

int rn_signal_set_parse(const char *spec, uint64_t *set, const char **bad, size_t *badlen)
{
	int neg = *spec == '!';
	uint64_t m = 0;
	const char *p = spec + neg;
	if (!*p) {
		*bad = p;
		*badlen = 0;
		return -1;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == 3 && !strncasecmp(p, "all", 3)) {
			m = ~0ull;
		} else if (n == 4 && !strncasecmp(p, "none", 4)) {
			/* nothing */
		} else {
			int s = rn_signal_by_name(p, n);
			if (!s) {
				*bad = p;
				*badlen = n;
				return -1;
			}
			m |= 1ull << (s - 1);
		}
		p += n + (p[n] == ',');
	}
	*set = neg ? ~m : m;
	return 0;
}

size_t rn_fmt_signame(char *buf, size_t cap, int sig)
{
	struct rn_tb b;
	rn_tb_init(&b, buf, cap);
	rn_put_sig(&b, (uint64_t)(uint32_t)sig);
	return b.len;
}

const char *rn_event_sigcode(const struct rn_event *ev, int *code)
{
	const uint8_t *s = ev->cap[0].data;
	*code = s && ev->cap[0].len >= 128 ? si_i32(s, SI_CODE) : 0;
	return s ? rn_sigcode_name(si_i32(s, SI_SIGNO), *code) : NULL;
}
