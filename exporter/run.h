/* run.h: the exporter's main loop over one session directory. */
#ifndef RN_RUN_H
#define RN_RUN_H

#include <signal.h>
#include <stdio.h>

#include "options.h"

/* rn_run: drain the session in dir into the sinks chosen by o, writing to
 * out, until *stop is set, or (ctl_fd >= 0) until ctl_fd reaches EOF -- the
 * launcher closes it when the traced program exited -- and no traced
 * process remains. Returns 0, or 1 when the session could not be read. */
int rn_run(const struct rn_opts *o, const char *dir, FILE *out, int ctl_fd,
	   volatile sig_atomic_t *stop);

#endif
