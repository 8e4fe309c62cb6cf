/* inject.c: parses one fault injection rule (see inject.h). Used by the
 * option parser and by the shim at start-up: no allocation, no stdio, no
 * libc call a wrapper could catch; never reads past spec[len). */
#include "inject.h"

#include <string.h>

/* a decimal number of at most 'max'; 0 on success */
static int num(const char *s, unsigned len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!len)
		return -1;
	for (unsigned i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

static int is(const char *s, unsigned len, const char *key)
{
	unsigned k = (unsigned)strlen(key);
	return len > k && !memcmp(s, key, k);
}

/* when=first[..last][+[step]] */
static int parse_when(struct rn_inject_rule *r, const char *s, unsigned len)
{
	uint64_t v;
	unsigned i = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (num(s, i, 65535, &v) || !v)
		return -1;
	r->first = (uint32_t)v;
	r->last = (uint32_t)v;
	r->step = 0;
	if (i + 1 < len && s[i] == '.' && s[i + 1] == '.') {
		unsigned j = i + 2;
		while (j < len && s[j] >= '0' && s[j] <= '9')
			j++;
		if (num(s + i + 2, j - i - 2, 65535, &v) || v < r->first)
			return -1;
		r->last = (uint32_t)v;
		r->step = 1;
		i = j;
	}
	if (i < len && s[i] == '+') {
		if (r->last == r->first)
			r->last = UINT32_MAX;
		r->step = 1;
		if (i + 1 < len) {
			if (num(s + i + 1, len - i - 1, 65535, &v) || !v)
				return -1;
			r->step = (uint32_t)v;
		}
		i = len;
	}
	return i == len ? 0 : -1;
}

int rn_inject_parse(struct rn_inject_rule *r, const char *spec, unsigned len,
		    rn_errno_lookup_fn *lookup, const char **why)
{
	char set[RN_INJECT_SPEC_MAX];
	const char *bad;
	unsigned badlen;
	unsigned sl = 0;
	memset(r, 0, sizeof *r);
	r->first = 1;
	r->last = UINT32_MAX;
	r->step = 1;
	while (sl < len && spec[sl] != ':')
		sl++;
	if (!sl || sl >= sizeof set) {
		*why = "expected SET:error=ERRNO, SET:retval=N or SET:delay_enter=US";
		return -1;
	}
	memcpy(set, spec, sl);
	set[sl] = '\0';
	if (rn_filter_parse(&r->set, set, &bad, &badlen)) {
		*why = "unknown syscall or class in the set";
		return -1;
	}
	unsigned i = sl;
	while (i < len) {
		i++;	/* the ':' */
		unsigned e = i;
		while (e < len && spec[e] != ':')
			e++;
		const char *f = spec + i;
		unsigned fl = e - i;
		uint64_t v;
		if (is(f, fl, "error=")) {
			const char *n = f + 6;
			unsigned nl = fl - 6;
			int ev = -1;
			if (num(n, nl, 4095, &v) == 0)
				ev = (int)v;
			else if (lookup)
				ev = lookup(n, nl);
			if (ev <= 0 || r->kind == RN_INJ_RETVAL) {
				*why = ev <= 0 ? "unknown error (expected a name such as ENOSPC, or 1..4095)"
					       : "error= and retval= exclude each other";
				return -1;
			}
			r->kind = RN_INJ_ERROR;
			r->val = ev;
		} else if (is(f, fl, "retval=")) {
			if (num(f + 7, fl - 7, INT32_MAX, &v) || r->kind == RN_INJ_ERROR) {
				*why = "retval= expects 0..2147483647 and excludes error=";
				return -1;
			}
			r->kind = RN_INJ_RETVAL;
			r->val = (int64_t)v;
		} else if (is(f, fl, "when=")) {
			if (parse_when(r, f + 5, fl - 5)) {
				*why = "when= expects FIRST[..LAST][+[STEP]], counting from 1";
				return -1;
			}
		} else if (is(f, fl, "delay_enter=") || is(f, fl, "delay_exit=")) {
			int enter = f[6] == 'e';
			unsigned k = enter ? 12 : 11;
			if (num(f + k, fl - k, 60000000, &v)) {
				*why = "delay_enter=/delay_exit= expect microseconds, at most 60000000";
				return -1;
			}
			if (enter)
				r->delay_enter_us = (uint32_t)v;
			else
				r->delay_exit_us = (uint32_t)v;
		} else {
			*why = "expected error=, retval=, when=, delay_enter= or delay_exit=";
			return -1;
		}
		i = e;
	}
	if (r->kind == RN_INJ_NONE && !r->delay_enter_us && !r->delay_exit_us) {
		*why = "nothing to inject: give error=, retval=, delay_enter= or delay_exit=";
		return -1;
	}
	return 0;
}
