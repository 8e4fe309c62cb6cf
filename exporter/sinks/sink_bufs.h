/* sink_bufs.h: the two heap buffers a JSON-writing sink (json, chrome)
 * keeps beside its state: one argument's text and the line being built.
 *
 * Allocation and release only; it must never write to the sink's output.
 */
#ifndef RN_SINK_BUFS_H
#define RN_SINK_BUFS_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

/* *arg (arg_cap bytes) and *line (line_cap bytes): 0, or -ENOMEM with
 * neither allocated. */
static inline int rn_sink_bufs_new(char **arg, size_t arg_cap, char **line, size_t line_cap)
{
	*arg = malloc(arg_cap);
	*line = malloc(line_cap);
	if (*arg && *line)
		return 0;
	free(*arg);
	free(*line);
	*arg = *line = NULL;
	return -ENOMEM;
}

/* Frees a sink's state st (may be NULL) and its two buffers. */
static inline void rn_sink_bufs_free(void *st, char *arg, char *line)
{
	if (!st)
		return;
	free(arg);
	free(line);
	free(st);
}

#endif
