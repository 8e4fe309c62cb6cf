/* decode_fmt.h: strace-style text for one decoded call, shared by every sink.
 *
 * The code is split by job: fmt_args.c (arguments), fmt_capture.c
 * (captured bytes), fmt_ret.c (return values), names.c (generated name
 * tables), escape.c (UTF-8 and escaping), textbuf.h (the bounded writer).
 *
 * Everything here writes into caller buffers with a hard capacity: it always
 * NUL-terminates, never writes past cap, never allocates and never trusts the
 * bytes of a capture (they come from the traced program). It must never
 * print anything itself.
 */
#ifndef RN_DECODE_FMT_H
#define RN_DECODE_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "../event.h"
/* the sinks print names and escape text with these too */
#include "escape.h"
#include "names.h"

/* The argument list as strace prints it, without the parentheses:
 * AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC. Returns the length written
 * (< cap); output is cut, still NUL-terminated, when it does not fit. */
size_t rn_fmt_args(char *buf, size_t cap, const struct rn_event *ev);

/* The part after " = ": 3, -1 ENOENT (No such file or directory),
 * 0x7f..., or ? for a call that did not return. */
size_t rn_fmt_ret(char *buf, size_t cap, const struct rn_event *ev);

/* Kernel name every sink shows as "syscall": rn_fns[fn].sys, or for
 * syscall(2) the name of its number. A number with no name gives
 * syscall_0x...; that string lives in per-thread storage and stays valid
 * until the next call from the same thread. */
const char *rn_fmt_sysname(const struct rn_event *ev);

/* -e read=/write=: the dump line of the event's recorded buffer
 * (cap[RN_CAP_DUMP]) that starts at byte off (a multiple of 16), as
 * strace prints it; 0 when off is past its end. */
size_t rn_fmt_dump_line(char *buf, size_t cap, const struct rn_event *ev, size_t off);
/* The same line for len bytes at data. */
size_t rn_fmt_hex_line(char *buf, size_t cap, const uint8_t *data, size_t len, size_t off);
/* An iovec array's dump (readv/writev): its buffers one by one, as
 * strace prints them (" * N bytes in buffer K", then the lines);
 * rn_fmt_dump_piece gives the next (from *at, 0 first), 0 at the end. */
int rn_fmt_dump_is_vec(const struct rn_event *ev);
int rn_fmt_dump_piece(const struct rn_event *ev, size_t *at, const uint8_t **p, size_t *n);

/* A row whose libc function makes a clone3 it does not show us
 * (posix_spawn, system, popen): printed as strace prints that clone3,
 * never with the function's own arguments. pthread_create is clone3 too,
 * with its own types and its thread id returned. */
static inline int rn_fmt_row_spawns(const struct rn_fn_info *fi)
{
	return fi->nr == SYS_clone3 && fi->ret != RN_RET_TID;
}

/* Walks the printed arguments one at a time, for sinks that keep them
 * apart (JSON). rn_fmt_args is this iterator joined with ", ". */
struct rn_fmt_iter {
	const struct rn_event *ev;
	unsigned ti;		/* next position in rn_fns[fn].types */
	unsigned k;		/* next call argument (ev->arg index) */
	unsigned end;		/* type positions to walk */
	int64_t oflags;		/* last OFLAGS value seen, -1 before */
	int64_t fcntl_cmd;	/* last FCNTL value seen, -1 before */
	int64_t family;		/* last SOCKFAM value seen, -1 before */
	int fmode_creat;	/* an FMODE that creates: 0666 still to print */
	uint8_t has_oflags;	/* the row has OFLAGS: a MODE shows only if they create */
	uint8_t raw;		/* the row's first type is SYSNO: syscall(2) */
	uint8_t spawn;		/* rn_fmt_row_spawns: clone3's arguments */
	uint8_t extra;		/* the last one written was fopen's 0666 */
	uint8_t deco;		/* -y: descriptors with what is behind them
				 * (ev->fdn), as the text line shows them */
};

void rn_fmt_iter_init(struct rn_fmt_iter *it, const struct rn_event *ev);

/* The argument rn_fmt_next just wrote, as a structured value (JSON's
 * "values"): a number (*num), a string (the capture's raw bytes, *cap), a
 * list of flag names (the text split at '|'; none for "0"), NULL, or the
 * text itself when it is a structure or anything else. RN_VAL_STR with
 * *cap NULL is the empty string. */
enum rn_val_kind { RN_VAL_TEXT, RN_VAL_INT, RN_VAL_STR, RN_VAL_FLAGS, RN_VAL_NULL };
enum rn_val_kind rn_fmt_value(const struct rn_fmt_iter *it, int64_t *num,
			      const struct rn_capture **cap);
/* Writes the next printed argument into buf (NUL-terminated, cut at cap)
 * and its length into *len. Returns 1 when it wrote one, 0 at the end. */
int rn_fmt_next(struct rn_fmt_iter *it, char *buf, size_t cap, size_t *len);

#endif
