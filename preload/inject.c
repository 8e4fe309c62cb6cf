/* inject.c: fault injection in the shim (-e inject=, RENACER_INJECT): a
 * wrapped call a rule selects is not made; the wrapper returns the rule's
 * error or value instead, and its record carries RN_REC_INJECTED. Delays
 * sleep before or after the real call.
 *
 * Runs inside the traced program. The wrappers reach it only when some
 * rule is configured (rn_g.inject_n, an unlikely branch), so it costs
 * nothing otherwise. Never allocates, takes no lock; its only system call
 * is the delay's nanosleep, none once sandboxed. Counters are per thread
 * (as strace's are per traced thread), per rule.
 */
#include "shim_priv.h"

#include <errno.h>

#include "../common/inject.h"
#include "../common/rawsys.h"

static struct rn_inject_rule rn_inject_rules[RN_INJECT_MAX];

void rn_inject_init(const char *spec)
{
	const char *why;
	unsigned n = 0;
	if (!spec)
		return;
	while (*spec && n < RN_INJECT_MAX) {
		unsigned len = 0;
		while (spec[len] && spec[len] != ';')
			len++;
		/* validated by the launcher; a rule that does not parse (set
		 * by hand) is left out rather than half applied */
		if (len && rn_inject_parse(&rn_inject_rules[n], spec, len, NULL, &why) == 0)
			n++;
		spec += len;
		if (*spec == ';')
			spec++;
	}
	rn_g.inject_n = n;
}

static void rn_inject_sleep(uint32_t us)
{
	if (!us || rn_g.sandboxed)
		return;
	struct timespec ts = { us / 1000000u, (long)(us % 1000000u) * 1000 };
	while (rn_sys2(SYS_nanosleep, &ts, &ts) == -EINTR)
		;
}

unsigned rn_inject_enter(unsigned idx, int64_t *val)
{
	for (unsigned i = 0; i < rn_g.inject_n; i++) {
		const struct rn_inject_rule *r = &rn_inject_rules[i];
		if (!rn_filter_has(&r->set, idx))
			continue;
		uint32_t n = ++rn_t.inject_count[i];
		if (!rn_inject_when(r, n))
			return 0;
		rn_inject_sleep(r->delay_enter_us);
		*val = r->val;
		return r->kind | (i + 1) << 4;
	}
	return 0;
}

void rn_inject_exit(unsigned code)
{
	unsigned i = (code >> 4) - 1;
	if (code >> 4 && i < rn_g.inject_n)
		rn_inject_sleep(rn_inject_rules[i].delay_exit_us);
}

void rn_emit_flags(unsigned idx, uint64_t t0, uint64_t t1, int64_t ret, int err,
		   const uint64_t *a, unsigned flags)
{
	struct rn_tls *t = &rn_t;
	if (t->busy) {
		if (t->prod.ring != NULL)
			rn_prod_leave(t->prod.ring);
		rn_emit_nested(idx, t0, t1, ret, err, a, flags);
		return;
	}
	rn_emit_slow(idx, t0, t1, ret, err, a, flags);
	/* published until its record is (rn_emit) */
	if (t->prod.ring != NULL)
		rn_prod_leave(t->prod.ring);
}
