/* main.c: renacer-exporter's entry: parse options, then run a program
 * traced (renacer-run's mode), drain a given session directory, or ask the
 * exporter of a session for its figures. */
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "launch.h"
#include "options.h"

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
	return o.session_dir ? rn_daemon(&o) : rn_launch(&o);
}
