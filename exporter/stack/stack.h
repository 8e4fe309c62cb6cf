/* stack.h: the exporter's side of -k: the module map of each traced
 * image (from its RN_REC_META records), symbolization of the return
 * addresses in each event's stack, and the helpers the sinks print
 * frames with.
 *
 * Strings a frame points to live as long as the exporter: sinks may keep
 * the pointers (the OTLP sink does, across threads).
 */
#ifndef RN_STACK_STACK_H
#define RN_STACK_STACK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../common/record.h"
#include "../event.h"

struct rn_frame {
	uint64_t ip;		/* the return address, in the process */
	const char *module;	/* the object's path; NULL: in no known object */
	uint64_t offset;	/* ip - the object's load bias: its ELF address */
	const char *func;	/* NULL: no symbol */
	uint64_t func_off;	/* ip - the function's start */
	const char *file;	/* NULL: no DWARF line */
	uint32_t line;
	uint8_t not_site;	/* libc, the loader, renacer: never a call site */
};

/* rn_modules_note: an RN_REC_META record of the image arena_id (its main
 * arena's). Returns 0, or -1 when malformed (the caller counts it). */
int rn_modules_note(uint64_t arena_id, const struct rn_rec *rec, const uint8_t *ext,
		    uint32_t ext_len);

/* rn_stack_resolve: symbolizes the stacks of evs[0..n), pointing each
 * one's frames into memory valid until the next call. Events without a
 * stack are left alone. Returns 0 or -ENOMEM (then frames stay NULL). */
int rn_stack_resolve(struct rn_event *evs, size_t n);

/* rn_stack_site: the call site of ev: its first frame outside libc, the
 * loader and renacer (the first frame when all are); NULL when none. */
const struct rn_frame *rn_stack_site(const struct rn_event *ev);

/* rn_frame_name: "func+0x1a" or "module+0x1234" (module's base name) or
 * "0x7f..." into buf; returns buf. */
const char *rn_frame_name(const struct rn_frame *f, char *buf, size_t cap);

/* rn_site_key: the site as the summary groups it: "file:line" when DWARF
 * says, else rn_frame_name. */
const char *rn_site_key(const struct rn_frame *f, char *buf, size_t cap);

/* rn_stack_print_text: the stack under a call, as strace -k prints it:
 * " > /path/lib.so(func+0x1a) [0x1234]" per frame. Returns 0 or -EIO. */
int rn_stack_print_text(FILE *out, const struct rn_event *ev);

/* rn_stack_free: every cache, at the end. */
void rn_stack_free(void);

#endif
