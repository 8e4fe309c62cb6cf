/* capture_str.c: the string items of a call's record: paths and strings
 * (cut at -s bytes, page by page in safe mode), exec's argv (each string
 * with its length) and envp (counted). Part of the capture (capture.h).
 *
 * Runs inside the traced program, on the slow path of a wrapper. Never
 * reads past a string's terminator (it may end a mapping), never reads
 * the program's memory but through rn_cw_copy_user or, in safe mode,
 * rn_safe_read, never uses more than the stack budget (RN_STACK_BUDGET).
 */
#include "capture.h"

/* Copies the string s, at most limit bytes, to w->off; returns its length
 * and adds RN_ITEM_TRUNC or RN_ITEM_UNREAD to *flags. Never reads past the
 * terminator, which may be the last byte of a mapping (argv and environ
 * strings end at the top of the stack). In safe mode it reads page by page:
 * process_vm_readv does not split an iovec, so one crossing into an
 * unmapped page would fail whole. */
static uint32_t rn_cw_str(struct rn_cw *w, const char *s, uint32_t limit, uint8_t *flags)
{
	uint32_t body = w->off;
	if (!w->safe) {
		size_t n = strnlen(s, (size_t)limit + 1);
		if (n > limit) {
			n = limit;
			*flags |= RN_ITEM_TRUNC;
		}
		rn_cw_put(w, s, (uint32_t)n);
		return (uint32_t)n;
	}
	uint32_t len = 0;
	while (len <= limit) {
		uint32_t chunk = 4096 - (uint32_t)(((uintptr_t)s + len) & 4095);
		if (chunk > limit + 1 - len)
			chunk = limit + 1 - len;
		uint32_t got = rn_cw_copy_user(w, s + len, chunk);
		for (uint32_t i = 0; i < got;) {
			uint32_t contig;
			const uint8_t *p = rn_cw_at(w, body + len + i, &contig);
			uint32_t k = got - i < contig ? got - i : contig;
			const uint8_t *z = memchr(p, 0, k);
			if (z) {
				len += i + (uint32_t)(z - p);
				w->off = body + len;
				return len;
			}
			i += k;
		}
		len += got;
		if (got < chunk) {	/* unreadable from here on */
			*flags |= len ? RN_ITEM_TRUNC : RN_ITEM_UNREAD;
			break;
		}
	}
	if (len > limit) {
		len = limit;
		*flags |= RN_ITEM_TRUNC;
	}
	w->off = body + len;
	return len;
}

/* A NUL-terminated string, cut at limit bytes. */
void rn_cw_string(struct rn_cw *w, uint8_t tag, const char *s, uint32_t limit)
{
	uint32_t at = w->off;
	if (!s) {
		rn_cw_item(w, tag, RN_ITEM_NULL, 0);
		return;
	}
	if (limit > w->cap - w->off - 5)
		limit = w->cap - w->off - 5;
	rn_cw_item(w, tag, 0, 0);
	uint8_t flags = 0;
	uint32_t len = rn_cw_str(w, s, limit, &flags);
	rn_cw_patch(w, at, tag, flags, (uint16_t)len);
}

/* argv and envp live apart from the item walk (capture.c), so their
 * frames are never stacked on top of the string and memory copies' there
 * (RN_STACK_BUDGET) */
void rn_cw_argv(struct rn_cw *w, char *const *argv, uint32_t strsize)
{
	if (!argv) {
		rn_cw_item(w, RN_ARG_ARGV, RN_ITEM_NULL, 0);
		return;
	}
	uint32_t at = w->off;
	uint8_t flags = 0;
	rn_cw_item(w, RN_ARG_ARGV, 0, 0);
	uint32_t budget = RN_STRSIZE_MAX;
	for (unsigned i = 0;; i++) {
		const char *s;
		if (!w->safe)
			s = argv[i];	/* the call succeeded: the kernel read it */
		else if (rn_safe_read(&s, argv + i, sizeof s) != sizeof s) {
			flags |= RN_ITEM_UNREAD;
			break;
		}
		if (!s)
			break;
		if (i == RN_ARGV_MAX || budget < 16 || w->cap - w->off < 32) {
			flags |= RN_ITEM_TRUNC;
			break;
		}
		/* each string: u16 length then its bytes */
		uint32_t lenat = w->off;
		uint16_t zero = 0;
		rn_cw_put(w, &zero, 2);
		uint32_t lim = strsize < budget ? strsize : budget;
		if (lim > w->cap - w->off - 5)
			lim = w->cap - w->off - 5;
		uint32_t len = rn_cw_str(w, s, lim, &flags);
		uint16_t l16 = (uint16_t)len;
		uint32_t save = w->off;
		w->off = lenat;
		rn_cw_put(w, &l16, 2);
		w->off = save;
		budget -= len + 2;
	}
	rn_cw_patch(w, at, RN_ARG_ARGV, flags, (uint16_t)(w->off - at - 4));
}

/* The number of variables; in safe mode (the kernel has not read envp)
 * counted through fault-safe reads, a few pointers at a time. */
void rn_cw_envp(struct rn_cw *w, char *const *envp)
{
	uint32_t n = 0;
	if (!envp) {
		rn_cw_item(w, RN_ARG_ENVP, RN_ITEM_NULL, 0);
		return;
	}
	if (!w->safe) {
		while (envp[n])
			n++;
	} else {
		for (;;) {
			char *chunk[8];
			size_t got = rn_safe_read(chunk, envp + n, sizeof chunk) / sizeof *chunk;
			unsigned i = 0;
			while (i < got && chunk[i])
				i++;
			n += i;
			if (i < got)
				break;
			if (got < 8 || n > (1u << 20)) {
				rn_cw_item(w, RN_ARG_ENVP, RN_ITEM_UNREAD, 0);
				return;
			}
		}
	}
	rn_cw_item(w, RN_ARG_ENVP, 0, 4);
	rn_cw_put(w, &n, 4);
}

