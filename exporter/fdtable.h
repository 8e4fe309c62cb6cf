/* fdtable.h: the exporter's own table of each traced process's
 * descriptors, built from the decoded calls in time order: what -y/-yy
 * print behind a descriptor and what -P PATH selects by.
 *
 * Fed one event at a time by the drain, in the order the sinks see them;
 * never reads shared memory, never prints.
 */
#ifndef RN_FDTABLE_H
#define RN_FDTABLE_H

#include "event.h"

/* --decode-fds=: what is shown behind a descriptor */
#define RN_FDT_PATH 1u		/* -y: files' paths; sockets and pipes as the
				 * kernel names them (socket:[INODE]) */
#define RN_FDT_SOCKET 2u	/* -yy: protocol and endpoints of sockets */
#define RN_FDT_DEV 4u		/* -yy: <char M:N> after device files */

#define RN_FDT_PATHS_MAX 256	/* -P PATH, as strace's limit */

struct rn_fdt_opts {
	unsigned decode;	/* RN_FDT_*: 0 shows plain numbers */
	const char *const *paths;	/* -P, NULL when none */
	unsigned npaths;
	const char *cwd;	/* the directory the launcher started the
				 * program in; NULL: read /proc/PID/cwd */
	struct rn_redact *redact;	/* --redact-paths: applied to every name
					 * shown (they may come from /proc) */
};

struct rn_fdt;
struct rn_redact;

/* rn_fdt_new: 0, or -errno. */
int rn_fdt_new(struct rn_fdt **out, const struct rn_fdt_opts *o);
void rn_fdt_free(struct rn_fdt *t);

/* One event, in time order: fills ev->fdn (when decoding) with the names
 * of its descriptors as they were at the call (arguments) and after it
 * (the result), then applies what the call did to the table. Returns 1
 * when the event shows, 0 when -P selects it out. ev->fdn stays valid
 * until the next call. */
int rn_fdt_event(struct rn_fdt *t, struct rn_event *ev);

/* A process ended (not an exec): its table goes. */
void rn_fdt_proc_end(struct rn_fdt *t, const struct rn_proc *p);

#endif
