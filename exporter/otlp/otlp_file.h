/* otlp_file.h: the default OTLP JSON lines file, renacer-<pid>.otlp.jsonl
 * in the current directory (otlp_file.c). */
#ifndef RN_OTLP_FILE_H
#define RN_OTLP_FILE_H

#include <stddef.h>

/* rn_otlp_file_share: called by renacer-run before it forks its first
 * exporter: the name the first exporter chooses is kept where a restarted
 * exporter finds it, so a run writes one file. Without it (daemon mode,
 * or the page cannot be had) every exporter chooses anew. */
void rn_otlp_file_share(void);

/* rn_otlp_file_open_default: opens the default file for writing, never
 * following a link and never taking a file that is not ours: a new file
 * named name (mode 0600 less the umask), else, when that name exists, a
 * new renacer-<pid>-XXXXXX.otlp.jsonl beside it; or the file an earlier
 * exporter of this run made (appended to). path gets the name used.
 * Returns the descriptor (close-on-exec), or -errno. */
int rn_otlp_file_open_default(const char *name, char *path, size_t cap);

#endif
