/* output.h: where the trace goes (-o): stderr, a file, or the standard
 * input of a shell command (-o '|command' or -o '!command', as strace).
 * Opened by the launcher (or the daemon) before the exporter starts, so
 * every exporter, restarted ones too, writes to the same place. */
#ifndef RN_OUTPUT_H
#define RN_OUTPUT_H

#include <stdio.h>
#include <sys/types.h>

struct rn_output {
	FILE *f;		/* stderr, the file, or the pipe's write end */
	const char *cmd;	/* the command, NULL for stderr or a file */
	pid_t pid;		/* the command's process, 0 once reaped */
	int status;		/* its wait status once reaped */
	int reaped;
};

/* rn_output_open: spec NULL: stderr; "|cmd" or "!cmd": cmd run by
 * /bin/sh with the trace on its stdin (its stdout and stderr are ours;
 * it ignores SIGINT and SIGQUIT like the exporter: what the terminal
 * sends is for the program); else a file opened like fopen("w"). Every
 * descriptor is close-on-exec: the traced program never inherits one.
 * Returns 0 or -errno. */
int rn_output_open(struct rn_output *o, const char *spec);

/* rn_output_reaped: the launcher reaped pid with wait status st; returns
 * 1 when it was the command (kept for rn_output_close), else 0. */
int rn_output_reaped(struct rn_output *o, pid_t pid, int st);

/* rn_output_close: close the output and, for a command, wait for it to
 * end (it has read the whole trace once it has). Returns 0, or 1 when
 * the command failed (a non-zero exit or a signal), with why[0..cap) set
 * to one line without the "renacer: " prefix. */
int rn_output_close(struct rn_output *o, char *why, size_t cap);

#endif
