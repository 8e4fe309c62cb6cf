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
	const struct rn_capture *c = &ev->cap[RN_CAP_DUMP];
	if (cap)
		buf[0] = '\0';
	if (!c->present || !c->data || rn_fmt_dump_is_vec(ev))
		return 0;
	return rn_fmt_hex_line(buf, cap, c->data, c->len, off);
}

int rn_fmt_dump_is_vec(const struct rn_event *ev)
{
	unsigned t = rn_fns[ev->fn].types[ev->dump_pos < RN_MAX_TYPES ? ev->dump_pos : 0];
	return t == RN_ARG_IOVEC || t == RN_ARG_IOVEC_OUT;
}

int rn_fmt_dump_piece(const struct rn_event *ev, size_t *at, const uint8_t **p, size_t *n)
{
	const struct rn_capture *c = &ev->cap[RN_CAP_DUMP];
	uint16_t l;
	if (!c->present || !c->data || *at + 2 > c->len)
		return 0;
	memcpy(&l, c->data + *at, 2);
	if (l > c->len - *at - 2)
		return 0;
	*p = c->data + *at + 2;
	*n = l;
	*at += 2u + l;
	return 1;
}

size_t rn_fmt_hex_line(char *buf, size_t cap, const uint8_t *data, size_t len, size_t off)
{
	static const char hex[] = "0123456789abcdef";
	struct { const uint8_t *data; size_t len; } cc = { data, len }, *c = &cc;
	char l[96];
	size_t k = 0;
	if (!cap)
		return 0;
	buf[0] = '\0';
	if (off >= c->len)
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
