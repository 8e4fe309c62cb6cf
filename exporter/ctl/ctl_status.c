/* ctl_status.c: `renacer-ctl status`: the exporter's figures, as a
 * person reads them or (--json) as the exporter gave them. */
#include "ctl.h"

#include <stdio.h>
#include <string.h>

#define RN_STATUS_CAP 16384

int rn_ctl_status(const char *dir, int argc, char **argv)
{
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			return rn_ctl_bad("status", "unknown option", argv[i]);
	}
	int rc = rn_ctl_ready("status", dir);
	if (rc)
		return rc;
	char rep[RN_STATUS_CAP];
	if (rn_ctl_ask(dir, "status", rep, sizeof rep))
		return 1;
	if (json) {
		puts(rep);
		return 0;
	}
	if (rn_ctl_json_print(rep)) {
		fprintf(stderr, "renacer-ctl: status: the exporter's reply is not an object: %.80s\n",
			rep);
		return 1;
	}
	return 0;
}
