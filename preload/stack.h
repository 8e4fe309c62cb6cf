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
				 * handler's, or libunwind's own read of a file)
				 * is not recorded, and counted as nested */

/* rn_stack_init: loads libunwind (only when depth is not 0: an untraced
 * stack costs a traced program no library), notes the shim's own text so
 * its frames are skipped, and queues every loaded object for the module
 * map. Constructor only. Returns 0, or -1 (then stacks stay off). */
int rn_stack_init(uint32_t depth);

/* rn_stack_take: unwinds the calling stack into this thread's buffer,
 * skipping the shim's frames; returns the item bytes it will need. Runs
 * with busy clear and returns with busy at RN_BUSY_UNWIND and every
 * signal blocked: the caller sets RN_BUSY_WRITE, then calls
 * rn_stack_unblock. */
uint32_t rn_stack_take(void);
#define RN_STACK_OURS UINT32_MAX	/* rn_stack_take: a call libunwind made
					 * itself, not to be recorded */
void rn_stack_unblock(void);
/* rn_stack_unwinding: this thread is inside an unwind with signals
 * blocked: a call made now is libunwind's own (no handler can run). */
int rn_stack_unwinding(void);

/* rn_stack_put: writes the item rn_stack_take prepared into p's
 * continuation bytes at offset off (from the first continuation slot);
 * returns the bytes written. */
uint32_t rn_stack_put(struct rn_prod *p, uint32_t off);

/* rn_modules_flush: writes the module records this thread owes (objects
 * found since it last wrote) into its ring, with busy set. */
void rn_modules_flush(struct rn_tls *t);

#pragma GCC visibility pop

#endif
