/* filter.c: parsing strace-style trace sets into a bitmap over the table.
 * Runs in the shim's constructor too: no allocation, no wrapped calls. */
#include "filter.h"

#include <string.h>

void rn_filter_all(struct rn_filter *f)
{
	memset(f->bits, 0, sizeof f->bits);
	for (unsigned i = 0; i < RN_NFUNCS; i++)
		f->bits[i >> 6] |= 1ull << (i & 63);
}

static int rn_name_eq(const char *s, const char *p, unsigned n)
{
	return strlen(s) == n && !memcmp(s, p, n);
}

/* Sets the bits an element names; returns the number of entries matched. */
static unsigned rn_filter_add(struct rn_filter *f, const char *p, unsigned n)
{
	unsigned hit = 0;
	if (rn_name_eq("all", p, n)) {
		rn_filter_all(f);
		return RN_NFUNCS;
	}
	if (rn_name_eq("none", p, n))
		return 1;
	unsigned cls = rn_class_parse(p, n);
	for (unsigned i = 0; i < RN_NFUNCS; i++) {
		const struct rn_fn_info *fi = &rn_fns[i];
		if ((cls && (fi->cls & cls)) || (!cls && (rn_name_eq(fi->sys, p, n) ||
							  rn_name_eq(fi->func, p, n)))) {
			f->bits[i >> 6] |= 1ull << (i & 63);
			hit++;
		}
	}
	/* A class that matches no wrapped function is still a valid class. */
	return cls ? hit + 1 : hit;
}

int rn_filter_parse(struct rn_filter *f, const char *spec, const char **bad, unsigned *badlen)
{
	int neg = 0;
	memset(f->bits, 0, sizeof f->bits);
	if (!strncmp(spec, "trace=", 6))
		spec += 6;
	if (*spec == '!') {
		neg = 1;
		spec++;
	}
	if (!*spec) {
		*bad = spec;
		*badlen = 0;
		return -1;
	}
	for (const char *p = spec; *p;) {
		const char *e = strchr(p, ',');
		unsigned n = e ? (unsigned)(e - p) : (unsigned)strlen(p);
		if (n == 0 || !rn_filter_add(f, p, n)) {
			*bad = p;
			*badlen = n;
			return -1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (neg)
		for (unsigned i = 0; i < RN_NFUNCS; i++)
			f->bits[i >> 6] ^= 1ull << (i & 63);
	return 0;
}
