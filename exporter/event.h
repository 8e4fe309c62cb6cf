/* event.h: one decoded call, as the drain hands it to every sink.
 *
 * Everything in it has been bounds-checked by the decoder: sinks may trust
 * lengths and indices, but not the bytes of captured strings (they come
 * from the traced program and must be escaped wherever they are printed).
 */
#ifndef RN_EVENT_H
#define RN_EVENT_H

#include <stdint.h>

#include "../common/table.h"

/* One captured argument (string, address, filled-in output). */
struct rn_capture {
	const uint8_t *data;	/* NULL when absent */
	uint16_t len;
	uint8_t flags;		/* RN_ITEM_NULL / TRUNC / UNREAD */
	uint8_t present;	/* 1 when the item was in the record */
};

/* What the exporter knows of one traced process image. */
struct rn_proc {
	int32_t pid;		/* as the traced program sees it */
	int32_t ppid;
	uint64_t arena_id;	/* unique in the session */
	uint64_t parent_arena_id;	/* fork parent's image, 0 if none seen */
	int32_t creator_tid;	/* parent thread that forked us, 0 if unknown */
	uint64_t prev_arena_id;	/* image this one replaced by exec, 0 if none */
	uint32_t exec_gen;	/* 0 for the first image of this pid */
	char exe[512];
	char argv[2048];	/* NUL-separated, argc strings (may be cut) */
	uint32_t argv_len;
	uint32_t argc;
	uint64_t t_start_ns;	/* unix ns */
	uint64_t t_end_ns;	/* unix ns, 0 while running */
	int exit_code;		/* valid when has_exit */
	int has_exit;
	int term_signal;	/* killed by this signal (when known), else 0 */
	uint64_t lost;		/* records dropped in this image */
	/* The program's OpenTelemetry identity (arena format 3), checked:
	 * each string NUL-terminated and free of control characters (not
	 * yet UTF-8 checked), "" when unset or malformed. */
	char service[128];	/* OTEL_SERVICE_NAME */
	char res_attrs[512];	/* OTEL_RESOURCE_ATTRIBUTES, undecoded */
	char traceparent[56];	/* TRACEPARENT, unparsed */
	char tracestate[256];	/* TRACESTATE */
	char container_id[72];	/* 64 hex digits, or "" */
	char host[72];		/* its host name (UTS namespace) */
	uint32_t res_flags;	/* RN_RES_*: what the shim had to cut */
	uint32_t uid;		/* owner of its arena file (its euid) */
	int has_uid;
};

#define RN_EV_UNFINISHED 0x01	/* exec/exit that did not return: no ret */
#define RN_EV_EXEC_START 0x02	/* an image's own account of its exec */
#define RN_EV_BLOCKED 0x04	/* with UNFINISHED: a call its thread was still
				 * in when it died, read from the ring's control
				 * block; its arguments are unknown (all zero) */
#define RN_EV_TRAPPED 0x08	/* --complete: caught by dispatch, no wrapper */
#define RN_EV_INJECTED 0x10	/* -e inject=: not made; the result is the rule's */
#define RN_EV_SIGNAL 0x20	/* not a call: a signal delivered to a handler the
				 * program installed (decode/siginfo.h): arg[0]
				 * the signal, cap[0] its siginfo; sinks that
				 * count calls skip it */

struct rn_frame;	/* stack/symbolize.h */

/* -y/-yy: what is behind the call's descriptors (exporter/fdtable.c),
 * raw bytes for each sink to escape; NULL entries show plain numbers. */
struct rn_fdnames {
	const char *arg[RN_MAX_TYPES];	/* by type position, as the call found them */
	const char *ret;	/* the descriptor the call returned */
	const char *pair[2];	/* the two a pipe or socketpair filled in */
	uint16_t made;		/* RN_FDN_* bits: names renacer composed
				 * (TCP:[A->B]), printed without escaping
				 * their '<' and '>' as a file's name is */
};
#define RN_FDN_ARG(i) (1u << (i))
#define RN_FDN_RET (1u << RN_MAX_TYPES)
#define RN_FDN_PAIR(k) (1u << (RN_MAX_TYPES + 1 + (k)))
/* Captures past the row's types: the bytes of an iovec array's or a
 * msghdr's buffers (RN_ITEM_DATA at an IOVEC/IOVEC_OUT/MSGHDR/MSGHDR_OUT
 * position), and an -e read=/write= dump (RN_ITEM_DUMP). present: 0 when
 * the record has none. */
#define RN_CAP_VEC RN_MAX_TYPES
#define RN_CAP_DUMP (RN_MAX_TYPES + 1)
#define RN_EV_CAPS (RN_MAX_TYPES + 2)

/* rn_event.split: a call shown in two halves because other lines came
 * between its entry and its return (strace's unfinished/resumed pair) */
#define RN_SPLIT_NONE 0
#define RN_SPLIT_ENTRY 1	/* "NAME(<unfinished ...>": only to sinks
				 * with wants_split; arguments unknown */
#define RN_SPLIT_RESUMED 2	/* the whole call, its entry shown before:
				 * "<... NAME resumed>ARGS) = RET" */

struct rn_event {
	const struct rn_proc *proc;
	int32_t tid;
	uint16_t fn;		/* index into rn_fns, < RN_NFUNCS */
	uint8_t flags;		/* RN_EV_* */
	uint8_t split;		/* RN_SPLIT_* */
	uint64_t rec_id;	/* the record's identity in the session (arena,
				 * ring, position): the same when a restarted
				 * exporter reads the record again; 0 if none */
	int64_t ret;
	int err;		/* errno value when failed, else 0 */
	uint64_t t_enter_ns;	/* unix ns */
	uint64_t t_exit_ns;	/* unix ns (== t_enter_ns when unfinished) */
	uint64_t arg[RN_MAX_ARGS];	/* call arguments, raw, in call order */
	struct rn_capture cap[RN_EV_CAPS];	/* indexed like rn_fns[fn].types;
						 * entries past ntypes are undefined,
						 * but for the two below */
	uint8_t vec_pos;	/* cap[RN_CAP_VEC]: its argument's position */
	uint8_t dump_pos;	/* cap[RN_CAP_DUMP]: its argument's position */
	uint32_t dump_total;	/* the dumped buffer's full length */
	/* -k: the calling stack (RN_ITEM_STACK), innermost first */
	const uint8_t *stack;	/* stack_n unaligned 8-byte return addresses */
	uint16_t stack_n;	/* 0: no stack */
	uint8_t stack_flags;	/* RN_ITEM_TRUNC: the stack went on */
	const struct rn_frame *frames;	/* stack_n frames, symbolized by the
					 * drain before the sinks see the event */
	int32_t spawn_pid;	/* system/popen: the child seen starting inside
				 * the call (pidmap.c); 0: not known */
	const struct rn_fdnames *fdn;	/* -y: set by the drain before the sinks
					 * see the event; NULL: none */
};

#endif
