/* fmt_dump.c: the lines of an -e read=/-e write= dump (cap[RN_CAP_DUMP])
 * as strace prints them under the call:
 *  | 00000  68 69 0a                                          hi.              |
 * sixteen bytes a line, in hex (a gap after the eighth) and as ASCII.
 *
 * The bytes are the program's; lengths were checked by the decoder. Writes
 * into the caller's buffer only, never prints by itself.
 */
#include "decode_fmt.h"

#include <stdio.h>
#include <string.h>

size_t rn_fmt_dump_line(char *buf, size_t cap, const struct rn_event *ev, size_t off)
{
	static const char hex[] = "0123456789abcdef";
	const struct rn_capture *c = &ev->cap[RN_CAP_DUMP];
	char l[96];
	size_t k = 0;
	if (!cap)
		return 0;
	buf[0] = '\0';
	if (!c->present || !c->data || off >= c->len)
		return 0;
	k += (size_t)snprintf(l, sizeof l, " | %05zx  ", off);
	for (size_t i = 0; i < 16; i++) {
		if (off + i < c->len) {
			l[k++] = hex[c->data[off + i] >> 4];
			l[k++] = hex[c->data[off + i] & 15];
		} else {
			l[k++] = ' ';
			l[k++] = ' ';
		}
		l[k++] = ' ';
		if (i == 7)
			l[k++] = ' ';
	}
	l[k++] = ' ';
	for (size_t i = 0; i < 16; i++) {
		uint8_t ch = off + i < c->len ? c->data[off + i] : ' ';
		l[k++] = ch >= ' ' && ch < 0x7f ? (char)ch : '.';
	}
	l[k++] = ' ';
	l[k++] = '|';
	if (k >= cap)
		k = cap - 1;
	memcpy(buf, l, k);
	buf[k] = '\0';
	return k;
}
