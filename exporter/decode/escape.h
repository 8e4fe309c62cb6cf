/* escape.h: the one place that decides what bytes from the traced program
 * are valid text and how they are escaped: UTF-8 validation, JSON string
 * escaping, strace's C-string quoting.
 *
 * Every input is untrusted bytes with a length (NULs included); every
 * output goes into a caller buffer with a hard capacity. Never allocates,
 * never prints by itself.
 */
#ifndef RN_ESCAPE_H
#define RN_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "textbuf.h"

/* Length of the valid UTF-8 sequence at s[0..n) (RFC 3629: no overlongs,
 * no surrogates, nothing past U+10FFFF), or 0 when the byte starts none.
 * A NUL is a valid one-byte sequence: whether a NUL may appear is the
 * caller's policy, not a question of validity. n must be > 0. */
size_t rn_utf8_len(const uint8_t *s, size_t n);

/* JSON string body (no surrounding quotes) for n raw bytes: ", \ and
 * control characters escaped, valid UTF-8 kept, every byte of an invalid
 * sequence written as \u00XX, so the result is always valid JSON and valid
 * UTF-8. Never cuts an escape or a character in half; returns the length
 * written (< cap), NUL-terminated. */
size_t rn_json_escape(char *buf, size_t cap, const uint8_t *s, size_t n);

/* strace's string_quote, with the quotes: printable ASCII as is, the
 * usual C escapes, everything else in the shortest octal that cannot run
 * into a following digit. Stops at a NUL when stop_nul. Under -x a string
 * holding any byte that is neither printable nor white space is written
 * whole as \xNN (as strace 6.1 does); under -xx every string is. */
void rn_put_quoted(struct rn_tb *b, const uint8_t *s, size_t n, int stop_nul);

/* -x / -xx (--strings-in-hex=non-ascii|all) and -v (--no-abbrev): how
 * every later string and structure is printed. Set once, by the exporter
 * before its sinks start; read by the formatters. */
enum rn_strhex { RN_STRHEX_NONE, RN_STRHEX_NON_ASCII, RN_STRHEX_ALL };
void rn_fmt_set_style(enum rn_strhex hex, int verbose);
int rn_fmt_verbose(void);

#endif
