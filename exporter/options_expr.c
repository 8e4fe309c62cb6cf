/* options_expr.c: -e's expressions (trace=, status=, signal=, inject=,
 * read=, write=, decode-fds=) and their long spellings --trace and
 * --signal: each checked whole here, so that the shim and the sinks get
 * only sets that parse. Never prints or exits (options.c does).
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/filter.h"
#include "../common/inject.h"
#include "../common/record.h"
#include "decode/names.h"
#include "decode/siginfo.h"
#include "options_priv.h"

/* Why a name of -e trace= is refused: a real system call no wrapped libc
 * function makes (so no record can ever carry it) is not "unknown". */
static void rn_filter_unknown_why(char *what, size_t cap, const char *bad, unsigned badlen)
{
	int n = (int)(badlen > 64 ? 64 : badlen);
	for (uint64_t nr = 0; nr < 1024; nr++) {
		const char *name = rn_sysno_name(nr);
		if (name && strlen(name) == badlen && !strncmp(name, bad, badlen)) {
			snprintf(what, cap, "'%.*s' is a system call renacer cannot trace in this mode "
				 "(no wrapped libc function makes it: docs/SYSCALLS.md)", n, bad);
			return;
		}
	}
	snprintf(what, cap, "unknown syscall or class '%.*s'", n, bad);
}

static int rn_set_filter(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *spec)
{
	const char *bad;
	unsigned badlen;
	if (strncmp(spec, "trace=", 6) && strchr(spec, '='))
		return rn_bad_opt(e, opt, spec, "only trace=SET is supported");
	struct rn_filter f;
	if (rn_filter_parse(&f, spec, &bad, &badlen)) {
		char what[128];
		if (!badlen)
			return rn_bad_opt(e, opt, spec, "empty set");
		rn_filter_unknown_why(what, sizeof what, bad, badlen);
		return rn_bad_opt(e, opt, spec, what);
	}
	o->shim.trace = spec;
	return 0;
}

/* -e inject=SET:error=ERRNO[:when=EXPR] (:retval=N, :delay_enter=US,
 * :delay_exit=US), repeatable: checked here, with errno names turned
 * into numbers for the shim (RENACER_INJECT, rules joined by ';'). */
static int rn_errno_by_name(const char *n, unsigned len)
{
	for (size_t i = 0; i < rn_xlat_errnos_n; i++)
		if (strlen(rn_xlat_errnos[i].name) == len && !memcmp(rn_xlat_errnos[i].name, n, len))
			return (int)rn_xlat_errnos[i].val;
	return -1;
}

static int rn_inject_opt(struct rn_perr *e, struct rn_opts *o, const char *spec)
{
	struct rn_inject_rule r;
	const char *why;
	size_t len = strlen(spec);
	if (len >= RN_INJECT_SPEC_MAX ||
	    rn_inject_parse(&r, spec, (unsigned)len, rn_errno_by_name, &why))
		return rn_bad_opt(e, "-e inject", spec, len >= RN_INJECT_SPEC_MAX ? "too long" : why);
	if (o->inject_n == RN_INJECT_MAX)
		return rn_bad_opt(e, "-e inject", spec, "at most 8 rules");
	char one[RN_INJECT_SPEC_MAX + 16];
	size_t k = strcspn(spec, ":");
	memcpy(one, spec, k);
	one[k] = '\0';
	/* the same fields, the error as its number */
	for (const char *f = spec + k; *f == ':';) {
		size_t fl = strcspn(f + 1, ":");
		if (!strncmp(f + 1, "error=", 6))
			snprintf(one + strlen(one), sizeof one - strlen(one), ":error=%lld",
				 (long long)r.val);
		else
			snprintf(one + strlen(one), sizeof one - strlen(one), ":%.*s", (int)fl, f + 1);
		f += 1 + fl;
	}
	size_t used = strlen(o->inject);
	if (used + strlen(one) + 2 > sizeof o->inject)
		return rn_bad_opt(e, "-e inject", spec, "too many rules");
	snprintf(o->inject + used, sizeof o->inject - used, "%s%s", used ? ";" : "", one);
	o->inject_n++;
	o->shim.inject = o->inject;
	return 0;
}

/* -e read=SET / -e write=SET: descriptors (comma-separated, below
 * RN_DUMP_FDS) whose buffers are dumped whole, as strace; repeatable. The
 * shim learns them from RENACER_DUMP ("READ;WRITE"). */
static int rn_dump_opt(struct rn_perr *e, struct rn_opts *o, const char *spec)
{
	int w = spec[0] == 'w';
	const char *opt = w ? "-e write" : "-e read";
	const char *p = spec + (w ? 6 : 5);
	if (!*p)
		return rn_bad_opt(e, opt, spec, "expected descriptor numbers");
	while (*p) {
		char *end;
		errno = 0;
		long fd = strtol(p, &end, 10);
		if (end == p || (*end && *end != ',') || errno || fd < 0 || fd >= RN_DUMP_FDS)
			return rn_bad_opt(e, opt, spec, "expected descriptors 0..1023, comma-separated");
		o->dump_fds[w][fd / 8] |= (uint8_t)(1u << (fd % 8));
		p = *end ? end + 1 : end;
	}
	/* the setting: every chosen descriptor, read ones then written */
	size_t n = 0;
	for (int d = 0; d < 2; d++) {
		int first = 1;
		if (d)
			n += (size_t)snprintf(o->dump + n, sizeof o->dump - n, ";");
		for (int fd = 0; fd < RN_DUMP_FDS && n < sizeof o->dump; fd++) {
			if (!(o->dump_fds[d][fd / 8] & (1u << (fd % 8))))
				continue;
			n += (size_t)snprintf(o->dump + n, sizeof o->dump - n, "%s%d", first ? "" : ",", fd);
			first = 0;
		}
	}
	if (n >= sizeof o->dump)
		return rn_bad_opt(e, opt, spec, "too many descriptors");
	o->shim.dump = o->dump;
	return 0;
}

/* Strings the options keep a pointer to for the run (the trace set of the
 * last -e trace= or --trace): held here so they stay reachable. The
 * options point only at the newest, so a string older than the last 16
 * is freed (a parser run many times, as the fuzz target does, keeps 16). */
static char *rn_kept[16];
static unsigned rn_nkept;

static char *rn_keep(char *p)
{
	if (p) {
		unsigned i = rn_nkept++ % (sizeof rn_kept / sizeof *rn_kept);
		free(rn_kept[i]);
		rn_kept[i] = p;
	}
	return p;
}

/* Appends one name to the expanded set; 0, or -1 when it does not fit. */
static int rn_trace_add(char *out, size_t cap, size_t *len, const char *name, size_t n)
{
	if (*len + n + 2 >= cap)
		return -1;
	if (out[*len - 1] != '=' && out[*len - 1] != '!')
		out[(*len)++] = ',';
	memcpy(out + *len, name, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* strace's -e trace= forms the set parser does not know: /REGEX/ (every
 * syscall or libc name it matches) and ?NAME (NAME if it exists, else
 * nothing). Writes the plain set ("trace=[!]a,b,...") to *out (allocated,
 * kept for the run) or leaves *out NULL when spec needs neither form. */
static int rn_trace_expand(struct rn_perr *e, const char *opt, const char *spec, char **out)
{
	*out = NULL;
	const char *p = spec + 6;
	if (strncmp(spec, "trace=", 6) || (!strchr(p, '/') && !strchr(p, '?')))
		return 0;
	size_t cap = 64 + strlen(spec) + (size_t)RN_NFUNCS * 24, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return rn_bad_opt(e, opt, spec, "out of memory");
	len = (size_t)snprintf(buf, cap, "trace=%s", *p == '!' ? "!" : "");
	p += *p == '!';
	int added = 0;
	while (*p) {
		size_t n = *p == '/' && strchr(p + 1, '/') ? (size_t)(strchr(p + 1, '/') - p) + 1 : strcspn(p, ",");
		int optional = *p == '?';
		const char *item = p + optional;
		size_t il = n - (size_t)optional;
		if (il >= 2 && item[0] == '/' && item[il - 1] == '/') {
			char re_s[256];
			regex_t re;
			snprintf(re_s, sizeof re_s, "%.*s", (int)(il - 2 < 255 ? il - 2 : 255), item + 1);
			if (regcomp(&re, re_s, REG_EXTENDED | REG_NOSUB))
				return free(buf), rn_bad_opt(e, opt, spec, "bad regular expression");
			int hit = 0;
			for (unsigned i = 0; i < RN_NFUNCS; i++) {
				const char *nm = rn_fns[i].sys;
				if (regexec(&re, nm, 0, NULL, 0))
					continue;
				if (rn_trace_add(buf, cap, &len, nm, strlen(nm)))
					return regfree(&re), free(buf), rn_bad_opt(e, opt, spec, "too long");
				hit = added = 1;
			}
			regfree(&re);
			if (!hit && !optional)
				return free(buf), rn_bad_opt(e, opt, spec, "the regular expression matches no syscall");
		} else if (il) {
			char one[128];
			struct rn_filter f;
			const char *bad;
			unsigned badlen;
			snprintf(one, sizeof one, "trace=%.*s", (int)(il < 100 ? il : 100), item);
			if (optional && rn_filter_parse(&f, one, &bad, &badlen)) {
				/* ?NAME: not one we know: nothing */
			} else {
				if (rn_trace_add(buf, cap, &len, item, il))
					return free(buf), rn_bad_opt(e, opt, spec, "too long");
				added = 1;
			}
		}
		p += n;
		p += *p == ',';
	}
	if (!added)	/* every name was optional and unknown: an empty set */
		len = (size_t)snprintf(buf, cap, "trace=%s", spec[6] == '!' ? "all" : "none");
	*out = rn_keep(buf);
	return 0;
}

/* -e status=SET: which outcomes are shown (successful, failed, unfinished,
 * detached, 'all' or 'none', comma-separated, a leading ! negates). */
static int rn_set_status(struct rn_perr *e, struct rn_opts *o, const char *spec)
{
	static const char *const names[] = { "successful", "failed", "unfinished", "detached" };
	const char *p = spec + 7;
	int neg = *p == '!';
	unsigned mask = 0;
	p += neg;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned bit = 0;
		if (n == 3 && !strncmp(p, "all", 3))
			bit = RN_STATUS_ALL;
		else if (n == 4 && !strncmp(p, "none", 4))
			bit = RN_STATUS_NONE_GIVEN;
		for (unsigned i = 0; i < 4 && !bit; i++)
			if (strlen(names[i]) == n && !strncmp(p, names[i], n))
				bit = 1u << i;
		if (!bit)
			return rn_bad_opt(e, "-e", spec,
					  "expected successful, failed, unfinished, detached, all or none");
		mask |= bit & RN_STATUS_ALL;
		p += n + (p[n] == ',');
	}
	if (neg)
		mask = ~mask & RN_STATUS_ALL;
	o->status_mask = mask ? mask : RN_STATUS_NONE_GIVEN;
	return 0;
}

/* -e signal=SET, --signal=SET: which caught signals are shown */
static int rn_set_signals(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg,
			  const char *spec)
{
	const char *bad;
	size_t badlen;
	uint64_t set;
	if (rn_signal_set_parse(spec, &set, &bad, &badlen)) {
		char why[64];
		snprintf(why, sizeof why, "unknown signal '%.*s'", (int)(badlen < 24 ? badlen : 24), bad);
		return rn_bad_opt(e, opt, arg, why);
	}
	o->signal_filter = 1;
	o->signal_set = set;
	return 0;
}


/* -e KEY=VALUE: one row per key (a key is matched with its '='); an
 * expression with none of them is a trace set. A new key is one row in
 * rn_expr_keys and one small function here. */
typedef int rn_expr_fn(struct rn_perr *e, struct rn_opts *o, const char *spec, const char *val);

static int rn_expr_decode_fds(struct rn_perr *e, struct rn_opts *o, const char *spec,
			      const char *val)
{
	(void)spec;
	return rn_opt_decode_fds(e, o, "--decode-fds", val);
}

static int rn_expr_inject(struct rn_perr *e, struct rn_opts *o, const char *spec, const char *val)
{
	(void)spec;
	return rn_inject_opt(e, o, val);
}

static int rn_expr_dump(struct rn_perr *e, struct rn_opts *o, const char *spec, const char *val)
{
	(void)val;
	return rn_dump_opt(e, o, spec);
}

static int rn_expr_signals(struct rn_perr *e, struct rn_opts *o, const char *spec, const char *val)
{
	return rn_set_signals(e, o, "-e", spec, val);
}

static int rn_expr_status(struct rn_perr *e, struct rn_opts *o, const char *spec, const char *val)
{
	(void)val;
	return rn_set_status(e, o, spec);
}

static const struct {
	const char *key;
	rn_expr_fn *fn;
} rn_expr_keys[] = {
	{ "decode-fds=", rn_expr_decode_fds }, { "decode-fd=", rn_expr_decode_fds },
	{ "inject=", rn_expr_inject },
	{ "read=", rn_expr_dump }, { "write=", rn_expr_dump },
	{ "signal=", rn_expr_signals }, { "signals=", rn_expr_signals },
	{ "status=", rn_expr_status },
};

/* -e EXPR */
int rn_opt_expr(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	for (size_t i = 0; i < sizeof rn_expr_keys / sizeof *rn_expr_keys; i++) {
		size_t kl = strlen(rn_expr_keys[i].key);
		if (!strncmp(arg, rn_expr_keys[i].key, kl))
			return rn_expr_keys[i].fn(e, o, arg, arg + kl);
	}
	char *plain;
	int rc = rn_trace_expand(e, opt, arg, &plain);
	if (rc)
		return rc;
	return rn_set_filter(e, o, opt, plain ? plain : arg);
}

/* --trace SET: -e trace=SET */
int rn_opt_trace(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	char spec[4096];
	if (snprintf(spec, sizeof spec, "trace=%s", arg) >= (int)sizeof spec)
		return rn_bad_opt(e, opt, arg, "too long");
	char *plain;
	int rc = rn_trace_expand(e, opt, spec, &plain);
	if (rc)
		return rc;
	if (plain)	/* the set parser's error names the expanded set */
		return rn_set_filter(e, o, opt, plain);
	char *keep = rn_keep(strdup(spec));	/* o keeps a pointer to it */
	return keep ? rn_set_filter(e, o, opt, keep) : rn_bad_opt(e, opt, arg, "out of memory");
}

/* --signal=SET: -e signal=SET */
int rn_opt_signal(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_set_signals(e, o, opt, arg, arg);
}
