/* names.h: numbers to names, from tables generated at build time out of
 * the system headers (exporter/decode/xlat/NAME.in through
 * tools/gen_xlat.cmake; system calls from <asm/unistd_64.h> and
 * common/sysent.in through tools/gen_sysnames.cmake).
 *
 * Lookups and the strace ways of printing a value with them (a flag word,
 * a value from a set). No value is typed into C by hand here: a name the
 * headers lack fails the build. Never allocates, never prints by itself.
 */
#ifndef RN_NAMES_H
#define RN_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "textbuf.h"
#include "xlat.h"

/* rn_xlat_NAME[] and rn_xlat_NAME_n for every xlat/NAME.in */
#include "xlat_tables.h"

/* RN_XLAT(open_flags) -> the table and its length, for the calls below */
#define RN_XLAT(name) rn_xlat_##name, rn_xlat_##name##_n

/* The name of v in t, or NULL. */
const char *rn_xlat_name(const struct rn_xlat *t, size_t n, uint64_t v);

/* strace's printflags: names in table order, each taking its bits so that
 * wider names listed first (O_SYNC, O_TMPFILE) win; leftovers in hex.
 * sep: whether something was printed before (a '|' goes first). */
void rn_put_flags_more(struct rn_tb *b, uint64_t v, const struct rn_xlat *t, size_t n,
		       int sep);
/* The same, printing zero for an empty word. */
void rn_put_flags(struct rn_tb *b, uint64_t v, const struct rn_xlat *t, size_t n,
		  const char *zero);
/* One value of a set by name; else as a signed int or in hex. */
void rn_put_xval(struct rn_tb *b, uint64_t v, const struct rn_xlat *t, size_t n,
		 int is_signed);
/* Every name of v in t, in name order, joined with " or " as strace
 * prints a number two requests share ("SNDCTL_TMR_START or TCSETS");
 * else in hex. */
void rn_put_xval_aliases(struct rn_tb *b, uint64_t v, const struct rn_xlat *t, size_t n);
/* A signal number: SIGTERM, SIGRTMIN, SIGRT_3, or the number. */
void rn_put_sig(struct rn_tb *b, uint64_t v);

/* x86-64 system call number -> name, argument count (-1 when unknown),
 * whether it returns an address. */
const char *rn_sysno_name(uint64_t nr);
int rn_sysno_nargs(uint64_t nr);
int rn_sysno_ret_addr(uint64_t nr);

/* ENOENT for 2, ...; NULL when the value has no name. */
const char *rn_errno_name(int e);
/* glibc's untranslated message for the value ("No such file or
 * directory"); NULL when unknown. Never depends on the locale. */
const char *rn_errno_desc(int e);

/* rn_signal_name: SIGTERM etc. for 1..31; NULL when unknown. */
const char *rn_signal_name(int sig);

#endif
