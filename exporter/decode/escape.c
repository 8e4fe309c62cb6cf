/* escape.c: UTF-8 validation and the escapers (see escape.h). The one
 * validator: the JSON sink, the OTLP text and every other caller agree on
 * what is valid. Never reads past n, never writes past cap. */
#include "escape.h"

#include <string.h>

size_t rn_utf8_len(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t l;
	uint8_t lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		l = 2;
	else if (c >= 0xe0 && c <= 0xef)
		l = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		l = 4;
	else
		return 0;
	if (l > n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < l; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return l;
}

/* written once before any sink runs (rn_run), then only read */
static enum rn_strhex rn_style_hex;
static int rn_style_verbose;

void rn_fmt_set_style(enum rn_strhex hex, int verbose)
{
	rn_style_hex = hex;
	rn_style_verbose = verbose;
}

int rn_fmt_verbose(void)
{
	return rn_style_verbose;
}

/* strace's rule for -x: hex when some byte (before the NUL that ends a
 * string) is neither printable ASCII nor one of \t\n\v\f\r */
static int rn_wants_hex(const uint8_t *s, size_t n, int stop_nul)
{
	if (rn_style_hex == RN_STRHEX_ALL)
		return 1;
	if (rn_style_hex != RN_STRHEX_NON_ASCII)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (stop_nul && !s[i])
			return 0;
		if (s[i] > 0x7e || (s[i] < ' ' && (unsigned)(s[i] - 9) >= 5))
			return 1;
	}
	return 0;
}

void rn_put_quoted(struct rn_tb *b, const uint8_t *s, size_t n, int stop_nul)
{
	rn_tb_mem(b, "\"", 1);
	if (rn_wants_hex(s, n, stop_nul)) {
		static const char hex[] = "0123456789abcdef";
		for (size_t i = 0; i < n && !(stop_nul && !s[i]); i++) {
			char e[4] = { '\\', 'x', hex[s[i] >> 4], hex[s[i] & 15] };
			rn_tb_mem(b, e, 4);
		}
		rn_tb_mem(b, "\"", 1);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		char e[4];
		size_t k = 0;

		if (stop_nul && !c)
			break;
		switch (c) {
		case '"': case '\\':
			e[k++] = '\\';
			e[k++] = (char)c;
			break;
		case '\f': e[k++] = '\\'; e[k++] = 'f'; break;
		case '\n': e[k++] = '\\'; e[k++] = 'n'; break;
		case '\r': e[k++] = '\\'; e[k++] = 'r'; break;
		case '\t': e[k++] = '\\'; e[k++] = 't'; break;
		case '\v': e[k++] = '\\'; e[k++] = 'v'; break;
		default:
			if (c >= ' ' && c < 0x7f) {
				e[k++] = (char)c;
				break;
			}
			e[k++] = '\\';
			if (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') {
				e[k++] = (char)('0' + (c >> 6));
				e[k++] = (char)('0' + ((c >> 3) & 7));
			} else if (c >> 3) {
				if (c >> 6)
					e[k++] = (char)('0' + (c >> 6));
				e[k++] = (char)('0' + ((c >> 3) & 7));
			}
			e[k++] = (char)('0' + (c & 7));
			break;
		}
		rn_tb_mem(b, e, k);
	}
	rn_tb_mem(b, "\"", 1);
}

size_t rn_json_escape(char *buf, size_t cap, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = 0;

	if (!cap)
		return 0;
	for (size_t i = 0; i < n;) {
		char e[8];
		size_t k = 0;
		size_t l = rn_utf8_len(s + i, n - i);
		const uint8_t *src = s + i;
		uint8_t c = s[i];

		if (l == 1 && c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
			e[k++] = (char)c;
		} else if (l == 1 && (c == '"' || c == '\\')) {
			e[k++] = '\\';
			e[k++] = (char)c;
		} else if (l == 1 && (c == '\n' || c == '\t' || c == '\r' ||
				      c == '\b' || c == '\f')) {
			e[k++] = '\\';
			e[k++] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' :
				 c == '\b' ? 'b' : 'f';
		} else if (l > 1) {
			memcpy(e, src, l);
			k = l;
		} else {
			/* a control byte, or one byte of a broken sequence:
			 * its value as a code point keeps the output UTF-8 */
			memcpy(e, "\\u00", 4);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			k = 6;
			l = 1;
		}
		if (len + k >= cap)
			break;
		memcpy(buf + len, e, k);
		len += k;
		i += l;
	}
	buf[len] = '\0';
	return len;
}
