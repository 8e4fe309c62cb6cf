/* fmt_termios.c: the kernel's struct termios (ioctl TCGETS, TCSETS,
 * TCSETSW, TCSETSF) as strace 6.1 prints it: the four flag words by name,
 * then "..." or, under -v, c_line and c_cc whole.
 *
 * The kernel's structure (<asm/termbits.h>), not glibc's, which is larger:
 * the bytes are what the kernel read or wrote. Every name comes from the
 * xlat tables (xlat/term_*.in, baud_rates.in), none is typed here. The
 * bytes are the program's: a capture shorter than the structure prints as
 * the address. Never writes past the caller's buffer or prints by itself.
 */
#include <asm/termbits.h>
#include <string.h>

#include "fmt_priv.h"

/* c_oflag: each delay field's value by name (NL0|CR0|...), then the bits */
static void put_oflag(struct rn_tb *b, uint32_t v)
{
	uint32_t mask = 0, masks = 0;
	int sep = 0;
	for (size_t i = 0; i < rn_xlat_term_odelays_n; i++) {
		const char *n = rn_xlat_term_odelays[i].name;
		uint32_t val = (uint32_t)rn_xlat_term_odelays[i].val;
		size_t l = strlen(n);
		if (l > 3 && !strcmp(n + l - 3, "DLY")) {
			mask = val;
			masks |= val;
			continue;
		}
		if ((v & mask) == val) {
			rn_tb_fmt(b, "%s%s", sep ? "|" : "", n);
			sep = 1;
			mask = 0;	/* one value per field */
		}
	}
	if (v & ~masks)
		rn_put_flags_more(b, v & ~masks, RN_XLAT(term_oflags), sep);
	else if (!sep)
		rn_tb_str(b, "0");
}

/* c_cflag: the baud rate, the character size, then the bits */
static void put_cflag(struct rn_tb *b, uint32_t v)
{
	const char *baud = rn_xlat_name(RN_XLAT(baud_rates), v & CBAUD);
	const char *cs = rn_xlat_name(RN_XLAT(term_csizes), v & CSIZE);
	if (baud)
		rn_tb_str(b, baud);
	else
		rn_tb_fmt(b, "%#x", v & CBAUD);
	rn_tb_fmt(b, "|%s", cs ? cs : "CS5");
	if (v & ~(uint32_t)(CBAUD | CSIZE))
		rn_put_flags_more(b, v & ~(uint32_t)(CBAUD | CSIZE), RN_XLAT(term_cflags), 1);
}

void rn_put_termios(struct rn_tb *b, const uint8_t *p, size_t n, uint64_t addr)
{
	struct termios t;
	if (n < sizeof t) {
		rn_put_ptr(b, addr);
		return;
	}
	memcpy(&t, p, sizeof t);
	rn_tb_str(b, "{c_iflag=");
	rn_put_flags(b, t.c_iflag, RN_XLAT(term_iflags), "0");
	rn_tb_str(b, ", c_oflag=");
	put_oflag(b, t.c_oflag);
	rn_tb_str(b, ", c_cflag=");
	put_cflag(b, t.c_cflag);
	rn_tb_str(b, ", c_lflag=");
	rn_put_flags(b, t.c_lflag, RN_XLAT(term_lflags), "0");
	if (!rn_fmt_verbose()) {
		rn_tb_str(b, ", ...}");
		return;
	}
	rn_tb_str(b, ", c_line=");
	rn_put_xval(b, t.c_line, RN_XLAT(term_lines), 0);
	rn_tb_str(b, ", c_cc=[");
	for (unsigned i = 0; i < sizeof t.c_cc; i++) {
		const char *nm = rn_xlat_name(RN_XLAT(term_cc), i);
		if (i)
			rn_tb_str(b, ", ");
		if (nm)
			rn_tb_fmt(b, "[%s]=", nm);
		else
			rn_tb_fmt(b, "[%u]=", i);
		if (t.c_cc[i])
			rn_tb_fmt(b, "%#x", t.c_cc[i]);
		else
			rn_tb_str(b, "0");
	}
	rn_tb_str(b, "]}");
}
