/* fmt_prim.c: the small pieces both argument and capture formatters print
 * with (an address, a hex number, open flags, an address family), so that
 * neither formatter file reaches into the other for them. Values by name
 * from the generated tables (names.h); never a number typed here. */
#include "fmt_priv.h"

#include <fcntl.h>

void rn_put_ptr(struct rn_tb *b, uint64_t v)
{
	if (v)
		rn_tb_fmt(b, "%#llx", (unsigned long long)v);
	else
		rn_tb_str(b, "NULL");
}

void rn_put_hex(struct rn_tb *b, uint64_t v)
{
	if (v)
		rn_tb_fmt(b, "%#llx", (unsigned long long)v);
	else
		rn_tb_str(b, "0");
}

void rn_put_oflags(struct rn_tb *b, uint64_t v)
{
	uint32_t f = (uint32_t)v;
	rn_tb_str(b, rn_xlat_name(RN_XLAT(open_access), f & O_ACCMODE));
	rn_put_flags_more(b, f & ~(uint32_t)O_ACCMODE, RN_XLAT(open_flags), 1);
}

void rn_put_family(struct rn_tb *b, unsigned fam)
{
	const char *s = rn_xlat_name(RN_XLAT(address_families), fam);
	if (s)
		rn_tb_str(b, s);
	else
		rn_tb_fmt(b, "%#x /* AF_??? */", fam);
}
