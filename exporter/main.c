/* main.c: renacer-exporter's entry: parse options, then run a program
 * traced (renacer-run's mode), drain a given session directory, ask the
 * exporter of a session for its figures, or send a spool (--replay). */
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "launch.h"
#include "options.h"
#include "otlp/otlp_sink.h"

int main(int argc, char **argv)
{
	struct rn_opts o;
	rn_opts_parse(&o, argc, argv);
	if (o.status_dir) {
		char buf[1024];
		int rc = rn_control_request(o.status_dir, "status", buf, sizeof buf, 2000);
		if (rc) {
			fprintf(stderr, "renacer: --status: no exporter answers in %s: %s\n",
				o.status_dir, strerror(-rc));
			return 1;
		}
		puts(buf);
		return 0;
	}
	if (o.replay_dir)
		return rn_otlp_replay(&o.otlp, o.replay_dir);
	return o.session_dir ? rn_daemon(&o) : rn_launch(&o);
}
