/* textbuf.c: the formatted write of the bounded text buffer (textbuf.h).
 * Never writes past the caller's capacity. */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>

void rn_tb_vfmt(struct rn_tb *b, const char *fmt, va_list ap)
{
	char tmp[160];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	if (n < 0)
		return;
	rn_tb_mem(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void rn_tb_fmt(struct rn_tb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rn_tb_vfmt(b, fmt, ap);
	va_end(ap);
}
