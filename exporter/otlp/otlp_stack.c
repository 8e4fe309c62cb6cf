/* otlp_stack.c: a call's stack (-k) as OpenTelemetry code attributes:
 * code.stacktrace (one frame a line, innermost first, as
 * "func+0x1a at file:line (module+0xoffset)"), and for the call site (the
 * first frame outside libc, the loader and renacer) code.function.name,
 * code.file.path and code.line.number.
 *
 * Names and paths come from the traced program's files: they are copied
 * as valid UTF-8 (rn_span_attr_str). A span whose attribute slots are
 * used up gets what fits; never an error for that.
 */
#include "otlp_stack.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stack/stack.h"

#define RN_STACKTRACE_MAX 8192	/* bytes of code.stacktrace */

static int rn_add_str(struct rn_span *sp, const char *key, const char *s, size_t n)
{
	if (sp->nattrs >= RN_SPAN_ATTRS)
		return 0;
	return rn_span_attr_str(sp, key, s, n) == -ENOMEM ? -ENOMEM : 0;
}

int rn_otlp_stack_attrs(struct rn_span *sp, const struct rn_event *ev)
{
	if (!ev->frames || !ev->stack_n)
		return 0;
	char *buf = malloc(RN_STACKTRACE_MAX);
	if (!buf)
		return -ENOMEM;
	size_t len = 0;
	for (unsigned i = 0; i < ev->stack_n && len < RN_STACKTRACE_MAX - 1; i++) {
		const struct rn_frame *f = &ev->frames[i];
		char name[512];
		int n;
		rn_frame_name(f, name, sizeof name);
		if (f->file)
			n = snprintf(buf + len, RN_STACKTRACE_MAX - len, "%s at %s:%" PRIu32, name,
				     f->file, f->line);
		else
			n = snprintf(buf + len, RN_STACKTRACE_MAX - len, "%s", name);
		if (n > 0 && (size_t)n < RN_STACKTRACE_MAX - len)
			len += (size_t)n;
		if (f->module) {
			const char *b = strrchr(f->module, '/');
			n = snprintf(buf + len, RN_STACKTRACE_MAX - len, " (%s+0x%" PRIx64 ")\n",
				     b ? b + 1 : f->module, f->offset);
		} else {
			n = snprintf(buf + len, RN_STACKTRACE_MAX - len, "\n");
		}
		if (n < 0 || (size_t)n >= RN_STACKTRACE_MAX - len)
			break;
		len += (size_t)n;
	}
	int rc = rn_add_str(sp, "code.stacktrace", buf, len);
	free(buf);
	const struct rn_frame *site = rn_stack_site(ev);
	if (site && site->func)
		rc |= rn_add_str(sp, "code.function.name", site->func, strlen(site->func));
	if (site && site->file) {
		rc |= rn_add_str(sp, "code.file.path", site->file, strlen(site->file));
		if (sp->nattrs < RN_SPAN_ATTRS)
			rn_span_attr_int(sp, "code.line.number", site->line);
	}
	return rc ? -ENOMEM : 0;
}
