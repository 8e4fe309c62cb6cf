/* textbuf.h: a bounded text buffer, the one writer every piece of text
 * output uses (the decoder's formatters, the JSON sink's lines).
 *
 * The caller owns the memory; writes past the capacity are cut, never
 * overflow, and the text stays NUL-terminated (when cap > 0). It must
 * never allocate or print anything itself.
 */
#ifndef RN_TEXTBUF_H
#define RN_TEXTBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct rn_tb {
	char *p;
	size_t cap;	/* bytes at p, the NUL included */
	size_t len;	/* bytes written, < cap (0 when cap is 0) */
};

static inline void rn_tb_init(struct rn_tb *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	if (cap)
		p[0] = '\0';
}

/* Bytes still free before the NUL. */
static inline size_t rn_tb_room(const struct rn_tb *b)
{
	return b->cap ? b->cap - 1 - b->len : 0;
}

/* Appends n bytes, cut to the room left. */
static inline void rn_tb_mem(struct rn_tb *b, const char *s, size_t n)
{
	if (!b->cap)
		return;
	size_t room = b->cap - 1 - b->len;
	if (n > room)
		n = room;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void rn_tb_str(struct rn_tb *b, const char *s)
{
	rn_tb_mem(b, s, strlen(s));
}

/* printf into the buffer; one call writes at most 159 bytes (numbers and
 * short names: longer text goes through rn_tb_mem). */
__attribute__((format(printf, 2, 3)))
void rn_tb_fmt(struct rn_tb *b, const char *fmt, ...);
__attribute__((format(printf, 2, 0)))
void rn_tb_vfmt(struct rn_tb *b, const char *fmt, va_list ap);

#endif
