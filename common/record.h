/* record.h: the 64-byte record a wrapper writes for one call, and the
 * tagged items that follow it in continuation records.
 *
 * This is a wire format between two processes that do not trust each other:
 * the exporter checks every length before it reads. Changing a field changes
 * RN_FORMAT_VERSION.
 */
#ifndef RN_RECORD_H
#define RN_RECORD_H

#include <stdint.h>

#define RN_REC_SIZE 64

/* rn_rec.flags */
#define RN_REC_NORET 0x01	/* written before a call that does not return
				 * on success (exec, exit): t_exit is 0 */
#define RN_REC_AFTER_NORET 0x02	/* the result of the RN_REC_NORET record
				 * just before it: that call returned */
#define RN_REC_EXEC_START 0x04	/* written by a new image at start-up: the
				 * exec that made it, as far as it can tell
				 * (whoever exec'd it may have been untraced) */
#define RN_REC_TRAPPED 0x08	/* --complete: a call no wrapper made, caught
				 * by syscall user dispatch; recorded as the
				 * syscall row (number and six arguments) */
#define RN_REC_INJECTED 0x10	/* fault injection: the call was not made; its
				 * result is the -e inject= rule's */
#define RN_REC_META 0x20	/* not a call: a fact the exporter needs, told
				 * by its one item (RN_ITEM_MODULE); fn is 0 */
#define RN_REC_DURABLE_NOTE 0x80	/* not a call: a process this one started
					 * runs untraced (arg[0] its pid, arg[1]
					 * the enum rn_note_why); for a child that
					 * can make no note file (a chroot, a user
					 * who may not write the session); fn is 0 */
#define RN_REC_SIGNAL 0x40	/* not a call: a signal delivered to a handler
				 * the program installed; arg[0] the signal, its
				 * one item RN_ITEM_SIGINFO; t_enter == t_exit */

struct rn_rec {
	uint64_t t_enter;	/* clock ticks before the call (arena clock) */
	uint64_t t_exit;	/* clock ticks after it */
	int64_t ret;		/* return value; streams as their fd */
	uint64_t arg[4];	/* the first four call arguments, raw */
	uint16_t fn;		/* index into rn_fns */
	uint16_t err;		/* errno when the call failed, else 0 */
	uint16_t ext_len;	/* bytes of items in the continuation records */
	uint8_t flags;		/* RN_REC_* */
	uint8_t pad;
};

_Static_assert(sizeof(struct rn_rec) == RN_REC_SIZE, "record is one cache line");

/* Number of continuation records that follow a record. */
static inline uint32_t rn_rec_nconts(uint32_t ext_len)
{
	return (ext_len + RN_REC_SIZE - 1) / RN_REC_SIZE;
}

/* Items in the continuation bytes, one per captured argument in table order
 * and one per call argument past the fourth: a 4-byte header then len bytes.
 */
struct rn_item {
	uint8_t tag;		/* enum rn_arg of the argument, or RN_ITEM_SCALAR */
	uint8_t flags;		/* RN_ITEM_* */
	uint16_t len;		/* payload bytes that follow */
};

#define RN_ITEM_SCALAR 0xff	/* an 8-byte argument past the fourth */
#define RN_ITEM_DATA 0xfc	/* the first bytes of a data buffer (RN_ARG_DATA_IN/
				 * OUT), after every other item: one byte naming the
				 * argument's position in the row's types, then the
				 * bytes; RN_ITEM_TRUNC when the buffer held more */
#define RN_ITEM_STACK 0xfe	/* after the call's own items (-k): len/8
				 * return addresses, innermost first, as
				 * unaligned 8-byte words; RN_ITEM_TRUNC: the
				 * stack went on (depth reached, or a frame
				 * the unwinder could not step past) */
#define RN_ITEM_MODULE 0xfd	/* the item of an RN_REC_META record: a
				 * loaded object, arg[0] its load bias,
				 * arg[1..2] the range of its segments; the
				 * payload: a 1-byte build-id length, the build
				 * id, then the path (not NUL-terminated) */
#define RN_ITEM_DUMP 0xfb	/* -e read=/write=: the whole buffer of a
				 * call on a chosen descriptor, after the
				 * RN_ITEM_DATA items: one byte naming the
				 * argument's position in the row's types,
				 * the buffer's full length (u32), then its
				 * first RN_DUMP_MAX bytes at most;
				 * RN_ITEM_TRUNC when it held more */
#define RN_ITEM_SIGINFO 0xfa	/* the item of an RN_REC_SIGNAL record: the
				 * siginfo_t the kernel gave the handler
				 * (128 bytes; fewer is malformed) */
#define RN_ITEM_NULL 0x01	/* the pointer was NULL */
#define RN_ITEM_TRUNC 0x02	/* cut at the string size limit */
#define RN_ITEM_UNREAD 0x04	/* not read: the call failed with EFAULT or
				 * the output was not filled */

/* Limits the shim applies and the exporter enforces. */
#define RN_STRSIZE_DEFAULT 255
#define RN_STRSIZE_MAX 4096
#define RN_ARGV_MAX 64		/* argv strings kept for exec */
#define RN_EXT_MAX 16384	/* bytes of items after one record */
#define RN_DATASIZE_MAX 4096	/* bytes kept of one data buffer */
#define RN_DUMP_MAX 8192	/* bytes kept of one buffer dumped whole */
#define RN_DUMP_FDS 1024	/* -e read=/write= take descriptors below this */
#define RN_DUMP_TEXT_MAX 256	/* RENACER_DUMP's length, at most */

#endif
