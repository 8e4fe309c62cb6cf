/* main.c: renacer-exporter's entry: parse options, then either run a
 * program traced (renacer-run's mode) or drain a given session directory. */
#include "launch.h"
#include "options.h"

int main(int argc, char **argv)
{
	struct rn_opts o;
	rn_opts_parse(&o, argc, argv);
	return o.session_dir ? rn_daemon(&o) : rn_launch(&o);
}
