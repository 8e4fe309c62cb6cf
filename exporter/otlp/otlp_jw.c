/* otlp_jw.c: the OTLP JSON encodings' writer (otlp_jw.h): strings,
 * numbers and the end of an encoding. It never leaves a cut object in the
 * buffer and never prints.
 */
#include "otlp_jw.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "../decode/decode_fmt.h"

void rn_jw_str(struct rn_jw *w, const char *s, size_t n)
{
	/* escaping turns a byte into at most 6 */
	if (w->err || rn_otlp_buf_reserve(w->b, 6 * n + 3)) {
		w->err = -ENOMEM;
		return;
	}
	w->b->p[w->b->len++] = '"';
	w->b->len += rn_json_escape((char *)w->b->p + w->b->len, 6 * n + 1, (const uint8_t *)s, n);
	w->b->p[w->b->len++] = '"';
}

void rn_jw_cstr(struct rn_jw *w, const char *s)
{
	rn_jw_str(w, s, strlen(s));
}

void rn_jw_fmt(struct rn_jw *w, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		rn_jw_put(w, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

int rn_jw_done(struct rn_jw *w, size_t start, int newline)
{
	if (newline)
		rn_jw_lit(w, "\n");
	if (w->err)
		w->b->len = start;
	return w->err;
}
