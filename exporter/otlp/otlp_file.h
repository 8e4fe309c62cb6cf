/* otlp_file.h: the default OTLP JSON lines file, renacer-<pid>.otlp.jsonl
 * in the current directory (otlp_file.c). */
#ifndef RN_OTLP_FILE_H
#define RN_OTLP_FILE_H

#include <stddef.h>
#include <stdio.h>

/* rn_otlp_file_share: called by renacer-run before it forks its first
 * exporter: the name the first exporter chooses, and whether it opened
 * --otlp-file already, are kept where a restarted exporter finds them, so
 * a run writes one file. Without it (daemon mode, or the page cannot be
 * had) every exporter chooses anew. */
void rn_otlp_file_share(void);

/* rn_otlp_file_open_given: opens --otlp-file name: truncated by the first
 * exporter of a run, appended to by a restarted one. NULL and errno on
 * failure. */
FILE *rn_otlp_file_open_given(const char *name);

/* rn_otlp_file_open_default: opens the default file for writing, never
 * following a link and never taking a file that is not ours: a new file
 * named name (mode 0600 less the umask), else, when that name exists, a
 * new renacer-<pid>-XXXXXX.otlp.jsonl beside it; or the file an earlier
 * exporter of this run made (appended to). path gets the name used.
 * Returns the descriptor (close-on-exec), or -errno. */
int rn_otlp_file_open_default(const char *name, char *path, size_t cap);

#endif
