/* names.c: lookups in the generated name tables (see names.h). Data comes
 * from the build directory (gen/xlat/, gen/sysnames.h); this file holds
 * only how to search and print it. */
#include "names.h"

#include <signal.h>
#include <string.h>

#include "../../common/table.h"
#include "sysnames.h"

#define RN_NSYSENTS (sizeof rn_sysents / sizeof rn_sysents[0])

const char *rn_xlat_name(const struct rn_xlat *t, size_t n, uint64_t v)
{
	/* Most tables of values (errnos, signals, families) are listed in
	 * order with a few holes: look where v would be first. */
	if (n && v >= t[0].val && v - t[0].val < n) {
		size_t g = (size_t)(v - t[0].val);
		for (size_t i = g + 1; i-- > 0 && g - i <= 2;)
			if (t[i].val == v)
				return t[i].name;
	}
	for (size_t i = 0; i < n; i++)
		if (t[i].val == v)
			return t[i].name;
	return NULL;
}

void rn_put_flags_more(struct rn_tb *b, uint64_t v, const struct rn_xlat *t, size_t n,
		       int sep)
{
	for (size_t i = 0; i < n && v; i++) {
		if (t[i].val && (v & t[i].val) == t[i].val) {
			if (sep)
				rn_tb_mem(b, "|", 1);
			rn_tb_str(b, t[i].name);
			v &= ~t[i].val;
			sep = 1;
		}
	}
	if (v)
		rn_tb_fmt(b, "%s%#llx", sep ? "|" : "", (unsigned long long)v);
}

void rn_put_flags(struct rn_tb *b, uint64_t v, const struct rn_xlat *t, size_t n,
		  const char *zero)
{
	if (!v) {
		rn_tb_str(b, zero);
		return;
	}
	rn_put_flags_more(b, v, t, n, 0);
}

void rn_put_xval(struct rn_tb *b, uint64_t v, const struct rn_xlat *t, size_t n,
		 int is_signed)
{
	const char *s = rn_xlat_name(t, n, v);
	if (s)
		rn_tb_str(b, s);
	else if (is_signed)
		rn_tb_fmt(b, "%d", (int)(int32_t)v);
	else
		rn_tb_fmt(b, "%#llx", (unsigned long long)v);
}

void rn_put_xval_aliases(struct rn_tb *b, uint64_t v, const struct rn_xlat *t, size_t n)
{
	const char *names[8];
	size_t k = 0;
	for (size_t i = 0; i < n && k < sizeof names / sizeof *names; i++) {
		if (t[i].val != v)
			continue;
		/* in name order, as strace's sorted ioctl list has them */
		size_t j = k++;
		for (; j > 0 && strcmp(names[j - 1], t[i].name) > 0; j--)
			names[j] = names[j - 1];
		names[j] = t[i].name;
	}
	if (!k) {
		rn_tb_fmt(b, "%#llx", (unsigned long long)v);
		return;
	}
	for (size_t i = 0; i < k; i++) {
		if (i)
			rn_tb_str(b, " or ");
		rn_tb_str(b, names[i]);
	}
}

const char *rn_signal_name(int sig)
{
	return sig > 0 ? rn_xlat_name(RN_XLAT(signals), (uint64_t)sig) : NULL;
}

void rn_put_sig(struct rn_tb *b, uint64_t v)
{
	int s = (int)(int32_t)v;
	const char *name = rn_signal_name(s);

	/* the kernel's real-time range, as strace names it: glibc's
	 * SIGRTMIN is a function of what its threads reserve */
	if (name)
		rn_tb_str(b, name);
	else if (s == __SIGRTMIN)
		rn_tb_str(b, "SIGRTMIN");
	else if (s > __SIGRTMIN && s <= __SIGRTMAX)
		rn_tb_fmt(b, "SIGRT_%d", s - __SIGRTMIN);
	else
		rn_tb_fmt(b, "%d", s);
}

const char *rn_errno_name(int e)
{
	return e > 0 ? rn_xlat_name(RN_XLAT(errnos), (uint64_t)e) : NULL;
}

const char *rn_errno_desc(int e)
{
	return rn_errno_name(e) ? strerrordesc_np(e) : NULL;
}

const char *rn_sysno_name(uint64_t nr)
{
	return nr < RN_NSYSENTS ? rn_sysents[nr].name : NULL;
}

int rn_sysno_nargs(uint64_t nr)
{
	return nr < RN_NSYSENTS && rn_sysents[nr].name ? rn_sysents[nr].nargs : -1;
}

int rn_sysno_ret_addr(uint64_t nr)
{
	return nr < RN_NSYSENTS && rn_sysents[nr].addr;
}
