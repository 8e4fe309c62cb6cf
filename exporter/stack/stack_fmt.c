/* stack_fmt.c: frames as the sinks show them: strace -k's text lines, the
 * name of a frame, and the call site the summary and OTLP use.
 *
 * Paths and names come from the traced program's files: printed with
 * their bytes as they are, never interpreted. Never allocates.
 */
#include "stack.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

const struct rn_frame *rn_stack_site(const struct rn_event *ev)
{
	if (!ev->frames || !ev->stack_n)
		return NULL;
	for (unsigned i = 0; i < ev->stack_n; i++)
		if (ev->frames[i].module && !ev->frames[i].not_site)
			return &ev->frames[i];
	return &ev->frames[0];
}

static const char *rn_base(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

const char *rn_frame_name(const struct rn_frame *f, char *buf, size_t cap)
{
	if (f->func)
		snprintf(buf, cap, "%s+0x%" PRIx64, f->func, f->func_off);
	else if (f->module)
		snprintf(buf, cap, "%s+0x%" PRIx64, rn_base(f->module), f->offset);
	else
		snprintf(buf, cap, "0x%" PRIx64, f->ip);
	return buf;
}

const char *rn_site_key(const struct rn_frame *f, char *buf, size_t cap)
{
	if (f->file)
		snprintf(buf, cap, "%s:%" PRIu32, f->file, f->line);
	else
		rn_frame_name(f, buf, cap);
	return buf;
}

/* A path or name from the program's files: control bytes escaped, so no
 * object name can start a line of its own. */
static void rn_put_clean(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || c == '\\')
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

int rn_stack_print_text(FILE *out, const struct rn_event *ev)
{
	if (!ev->frames)
		return 0;
	for (unsigned i = 0; i < ev->stack_n; i++) {
		const struct rn_frame *f = &ev->frames[i];
		char name[512];
		/* a frame in no object we were told of: its address alone */
		fputs(" > ", out);
		rn_put_clean(out, f->module ? f->module : "?");
		fputc('(', out);
		rn_put_clean(out, rn_frame_name(f, name, sizeof name));
		if (fprintf(out, ") [0x%" PRIx64 "]\n", f->module ? f->offset : f->ip) < 0)
			return -EIO;
	}
	if (ev->stack_flags & RN_ITEM_TRUNC && fputs(" > ...\n", out) < 0)
		return -EIO;
	return 0;
}
