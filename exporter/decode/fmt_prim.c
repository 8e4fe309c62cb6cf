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

void rn_put_fdname(struct rn_tb *b, const char *name, int made)
{
	static const char esc[] = { ['\t'] = 't', ['\n'] = 'n', ['\v'] = 'v', ['\f'] = 'f',
				    ['\r'] = 'r', ['\\'] = '\\', ['"'] = '"' };
	if (!name)
		return;
	rn_tb_str(b, "<");
	/* strace's quoting without the quotes; a file's '<' and '>' are
	 * escaped too, so that its name cannot end the brackets early */
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		if (*c < sizeof esc && esc[*c]) {
			char e[2] = { '\\', esc[*c] };
			rn_tb_mem(b, e, 2);
		} else if (*c >= 0x20 && *c < 0x7f && (made || (*c != '<' && *c != '>'))) {
			rn_tb_mem(b, (const char *)c, 1);
		} else if (c[1] >= '0' && c[1] <= '7') {
			rn_tb_fmt(b, "\\%03o", *c);	/* a digit follows: all three */
		} else {
			rn_tb_fmt(b, "\\%o", *c);
		}
	}
	rn_tb_str(b, ">");
}
