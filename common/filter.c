/* filter.c: parsing strace-style trace sets into bitmaps over the table
 * and over the x86-64 system call numbers.
 * Runs in the shim's constructor too: no allocation, no wrapped calls. */
#include "filter.h"

#include <string.h>

static void rn_set_row(struct rn_filter *f, unsigned i)
{
	f->bits[i >> 6] |= 1ull << (i & 63);
}

static void rn_set_nr(struct rn_filter *f, unsigned nr)
{
	f->nr[nr >> 6] |= 1ull << (nr & 63);
}

/* Adds every row but the VDSO ones, and every number. */
static void rn_add_all(struct rn_filter *f)
{
	for (unsigned i = 0; i < RN_NFUNCS; i++)
		if (!rn_fns[i].asked)
			rn_set_row(f, i);
	for (unsigned nr = 0; nr < RN_NSYS; nr++)
		if (rn_sys_name(nr))
			rn_set_nr(f, nr);
}

void rn_filter_all(struct rn_filter *f)
{
	memset(f, 0, sizeof *f);
	rn_add_all(f);
}

static int rn_name_eq(const char *s, const char *p, unsigned n)
{
	return strlen(s) == n && !memcmp(s, p, n);
}

enum rn_name_kind rn_filter_name(struct rn_filter *f, const char *p, unsigned n)
{
	if (rn_name_eq("all", p, n)) {
		rn_add_all(f);	/* keeps a VDSO row named before it */
		return RN_NAME_ALL;
	}
	if (rn_name_eq("none", p, n))
		return RN_NAME_NONE;
	/* "%name" is a class; a bare word is a class only for strace's
	 * historical seven (so "signal" is the class, as in strace, and
	 * "time" the call) */
	unsigned cls = rn_class_parse(p, n);
	int pct = n && p[0] == '%';
	if (!pct && !(cls & (RN_CLASS_FILE | RN_CLASS_PROCESS | RN_CLASS_NETWORK |
			      RN_CLASS_SIGNAL | RN_CLASS_IPC | RN_CLASS_DESC | RN_CLASS_MEMORY)))
		cls = 0;
	if (!pct && !cls) {
		int nr = rn_sys_lookup(p, n), rows = 0;
		for (unsigned i = 0; i < RN_NFUNCS; i++) {
			if (rn_name_eq(rn_fns[i].sys, p, n) || rn_name_eq(rn_fns[i].func, p, n)) {
				rn_set_row(f, i);
				rows++;
			}
		}
		if (nr >= 0)
			rn_set_nr(f, (unsigned)nr);
		if (rn_name_eq("syscall", p, n))	/* every raw call, by any number */
			for (unsigned k = 0; k < RN_NSYS; k++)
				if (rn_sys_name(k))
					rn_set_nr(f, k);
		return rows ? RN_NAME_WRAPPED : nr >= 0 ? RN_NAME_COMPLETE_ONLY : RN_NAME_UNKNOWN;
	}
	if (!cls)
		return RN_NAME_UNKNOWN;
	for (unsigned i = 0; i < RN_NFUNCS; i++)
		if (!rn_fns[i].asked && (rn_fn_classes(i) & cls))
			rn_set_row(f, i);
	for (unsigned k = 0; k < RN_NSYS; k++)
		if (rn_sys_classes(k) & cls)
			rn_set_nr(f, k);
	return RN_NAME_CLASS;
}

/* The next element of a comma list: its start and length; 0 at the end. */
static int rn_next_elem(const char *spec, unsigned *pos, const char **p, unsigned *n)
{
	const char *s = spec + *pos;
	if (!*s)
		return 0;
	const char *e = strchr(s, ',');
	*p = s;
	*n = e ? (unsigned)(e - s) : (unsigned)strlen(s);
	*pos += *n + (e != NULL);
	return 1;
}

static const char *rn_set_start(const char *spec, int *neg)
{
	if (!strncmp(spec, "trace=", 6))
		spec += 6;
	*neg = *spec == '!';
	return spec + *neg;
}

int rn_filter_parse(struct rn_filter *f, const char *spec, const char **bad, unsigned *badlen)
{
	int neg;
	memset(f, 0, sizeof *f);
	spec = rn_set_start(spec, &neg);
	if (!*spec) {
		*bad = spec;
		*badlen = 0;
		return -1;
	}
	const char *p;
	unsigned n, pos = 0;
	while (rn_next_elem(spec, &pos, &p, &n)) {
		if (n == 0 || rn_filter_name(f, p, n) == RN_NAME_UNKNOWN) {
			*bad = p;
			*badlen = n;
			return -1;
		}
	}
	if (neg) {
		/* everything else; VDSO rows only ever when named */
		for (unsigned i = 0; i < RN_NFUNCS; i++)
			if (!rn_fns[i].asked)
				f->bits[i >> 6] ^= 1ull << (i & 63);
			else
				f->bits[i >> 6] &= ~(1ull << (i & 63));
		for (unsigned k = 0; k < RN_NSYS; k++)
			if (rn_sys_name(k))
				f->nr[k >> 6] ^= 1ull << (k & 63);
	}
	return 0;
}

int rn_filter_complete_only(const char *spec, unsigned *pos, const char **name, unsigned *len)
{
	int neg;
	spec = rn_set_start(spec, &neg);
	const char *p;
	unsigned n;
	struct rn_filter scratch;
	if (neg)
		return 0;	/* left out: nothing to say about seeing it */
	while (rn_next_elem(spec, pos, &p, &n)) {
		memset(&scratch, 0, sizeof scratch);
		if (n && rn_filter_name(&scratch, p, n) == RN_NAME_COMPLETE_ONLY) {
			*name = p;
			*len = n;
			return 1;
		}
	}
	return 0;
}
