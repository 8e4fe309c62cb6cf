/* otlp_jw.h: the JSON writer both OTLP JSON encodings use (spans in
 * otlp_json.c, metrics in otlp_metrics_json.c): bytes appended to a
 * growable buffer, the first failure kept so an encoder checks once at
 * the end.
 *
 * It never writes a cut object: an encoder ends with rn_jw_done, which
 * puts the buffer back as it was on any failure. Strings always go
 * through rn_json_escape.
 */
#ifndef RN_OTLP_JW_H
#define RN_OTLP_JW_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "otlp_encode.h"

struct rn_jw {
	struct rn_otlp_buf *b;
	int err;		/* the first failure (-ENOMEM), 0 while none */
};

/* rn_jw_put: n bytes as they are. Inline: every key and punctuation of
 * every span goes through it. */
static inline void rn_jw_put(struct rn_jw *w, const char *s, size_t n)
{
	if (w->err || rn_otlp_buf_reserve(w->b, n)) {
		w->err = -ENOMEM;
		return;
	}
	memcpy(w->b->p + w->b->len, s, n);
	w->b->len += n;
}

/* rn_jw_lit: a literal (keys, punctuation), as it is. */
static inline void rn_jw_lit(struct rn_jw *w, const char *s)
{
	rn_jw_put(w, s, strlen(s));
}

/* rn_jw_str: s[0..n) as a quoted, escaped JSON string. */
void rn_jw_str(struct rn_jw *w, const char *s, size_t n);

/* rn_jw_cstr: a NUL-terminated s as rn_jw_str writes it. */
void rn_jw_cstr(struct rn_jw *w, const char *s);

/* rn_jw_fmt: printf into the output, at most 63 bytes (numbers). */
void rn_jw_fmt(struct rn_jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* rn_jw_done: ends an encoding begun at byte start of the buffer, with a
 * '\n' when newline. Returns 0, or the first failure with the buffer put
 * back to start. */
int rn_jw_done(struct rn_jw *w, size_t start, int newline);

#endif
