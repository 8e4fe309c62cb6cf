/* stack.h: the calling stack of a traced call (-k, RENACER_STACK_DEPTH)
 * and the module map the exporter symbolizes it with. Shim-internal.
 *
 * Everything here runs only when the stack depth is not 0: the traced
 * path tests one global word and takes the slow path (emit.c).
 */
#ifndef RN_STACK_H
#define RN_STACK_H

#include <stdint.h>

#include "shim.h"

#pragma GCC visibility push(hidden)

#define RN_BUSY_UNWIND 4	/* inside the unwinder: a nested call (a signal
				 * handler's: libunwind's own never reach the
				 * wrappers) goes to the stash */

/* rn_stack_init: loads libunwind (only when depth is not 0: an untraced
 * stack costs a traced program no library), notes the shim's own text so
 * its frames are skipped, and queues every loaded object for the module
 * map. Constructor only. Returns 0, or -1 (then stacks stay off). */
int rn_stack_init(uint32_t depth);

/* rn_stack_take: unwinds the calling stack into this thread's buffer,
 * skipping the shim's frames; returns the item bytes it will need. No
 * system call. Runs with busy clear and returns with busy at
 * RN_BUSY_UNWIND (a signal handler's call meanwhile is stashed): the
 * caller sets RN_BUSY_WRITE. trapped: a --complete trapped call, unwound
 * from the context rn_sud_ctx holds. */
uint32_t rn_stack_take(int trapped);
#define RN_STACK_OURS UINT32_MAX	/* rn_stack_take: a call libunwind made
					 * itself, not to be recorded */
/* rn_stack_abandon: a signal handler longjmps out of this thread's
 * unwind: its unwind stack and --complete selector are given back. */
void rn_stack_abandon(void);
/* The SIGSYS handler's ucontext while it records a trapped call (saved
 * and restored by a nested trap); NULL otherwise. */
extern __thread void *rn_sud_ctx __attribute__((tls_model("initial-exec")));

/* rn_stack_put: writes the item rn_stack_take prepared into p's
 * continuation bytes at offset off (from the first continuation slot);
 * returns the bytes written. */
uint32_t rn_stack_put(struct rn_prod *p, uint32_t off);

/* rn_modules_flush: writes the module records this thread owes (objects
 * found since it last wrote) into its ring, with busy set. */
void rn_modules_flush(struct rn_tls *t);

#pragma GCC visibility pop

#endif
