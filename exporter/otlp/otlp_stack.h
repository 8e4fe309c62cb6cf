/* otlp_stack.h: -k on call spans: code.stacktrace and the call site's
 * code.function.name, code.file.path, code.line.number. */
#ifndef RN_OTLP_STACK_H
#define RN_OTLP_STACK_H

#include "../event.h"
#include "otlp_span.h"

/* rn_otlp_stack_attrs: adds the stack attributes of ev (none when it has
 * no frames) as far as the span has attribute slots. Returns 0 or
 * -ENOMEM. */
int rn_otlp_stack_attrs(struct rn_span *sp, const struct rn_event *ev);

#endif
