/* launch.h: renacer-run's process: session directory, exporter, program. */
#ifndef RN_LAUNCH_H
#define RN_LAUNCH_H

#include "options.h"

/* rn_launch: run o->argv traced; returns the exit status renacer-run should
 * exit with: the program's own, 128+signal when it was killed, 127 when it
 * could not be started, 1 when tracing could not be set up. */
int rn_launch(const struct rn_opts *o);

/* rn_daemon: drain o->session_dir until SIGTERM or SIGINT. */
int rn_daemon(const struct rn_opts *o);

#endif
