/* siginfo.h: signals delivered to the program's handlers, as events
 * (RN_EV_SIGNAL: arg[0] the signal, cap[0] the 128 siginfo bytes) and as
 * strace prints their siginfo. Pure: no allocation, no I/O. */
#ifndef RN_SIGINFO_H
#define RN_SIGINFO_H

#include <stddef.h>
#include <stdint.h>

#include "../../common/record.h"
#include "../event.h"

/* An RN_REC_SIGNAL record and its item -> ev. 0, or -1 when malformed. */
int rn_decode_signal(const struct rn_rec *rec, const uint8_t *ext, uint32_t ext_len,
		     struct rn_event *ev);
/* `{si_signo=SIGCHLD, si_code=CLD_EXITED, ...}` into buf; its length. */
size_t rn_fmt_siginfo(char *buf, size_t cap, const struct rn_event *ev);
/* CLD_EXITED, SI_USER...; NULL when the code has no name. */
const char *rn_sigcode_name(int sig, int code);
/* -e signal=SET as strace takes it: names with or without SIG, any
 * case, numbers, all, none, a leading ! negating; bit n-1 of *set for
 * signal n. 0, or -1 with the bad name in *bad, *badlen. */
int rn_signal_set_parse(const char *spec, uint64_t *set, const char **bad, size_t *badlen);
/* SIGCHLD, SIGRTMIN, SIGRT_3 or the number, into buf; its length. */
size_t rn_fmt_signame(char *buf, size_t cap, int sig);
/* The si_code of a signal event in *code, and its name (NULL: none). */
const char *rn_event_sigcode(const struct rn_event *ev, int *code);
/* The event's signal number. */
int rn_event_signo(const struct rn_event *ev);

#endif
