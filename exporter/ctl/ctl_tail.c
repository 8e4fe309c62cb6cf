/* ctl_tail.c: `renacer-ctl tail`: subscribes to the exporter's live
 * stream (sink_tail.c) and prints the calls as they are drained, in the
 * trace's own text or JSON format, filtered by -e trace= with the
 * table's names and classes. A slow reader never slows the exporter: it
 * loses lines on the exporter's side, which `status` counts.
 */
#include "ctl.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/filter.h"

int rn_ctl_tail(const char *dir, int argc, char **argv)
{
	const char *fmt = "text";
	long count = -1;
	struct rn_filter f;
	rn_filter_all(&f);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		if (!strcmp(a, "-e") || !strcmp(a, "--format") || !strcmp(a, "-n")) {
			if (i + 1 == argc)
				return rn_ctl_bad("tail", "option needs a value", a);
			v = argv[++i];
		} else if (!strncmp(a, "-e", 2) || !strncmp(a, "--format=", 9)) {
			v = a[1] == 'e' ? a + 2 : a + 9;
			a = a[1] == 'e' ? "-e" : "--format";
		} else {
			return rn_ctl_bad("tail", "unknown option", a);
		}
		if (!strcmp(a, "-e")) {
			const char *bad;
			unsigned badlen;
			if (strncmp(v, "trace=", 6))
				return rn_ctl_bad("tail", "-e takes trace=SET", v);
			if (rn_filter_parse(&f, v + 6, &bad, &badlen)) {
				fprintf(stderr, "renacer-ctl: tail: -e trace: unknown syscall or class: "
					"%.*s\n", (int)badlen, bad);
				return 2;
			}
		} else if (!strcmp(a, "--format")) {
			if (strcmp(v, "text") && strcmp(v, "json"))
				return rn_ctl_bad("tail", "--format takes text or json", v);
			fmt = v;
		} else {
			char *end;
			errno = 0;
			count = strtol(v, &end, 10);
			if (errno || *end || end == v || count < 1)
				return rn_ctl_bad("tail", "-n takes a count of lines, 1 or more", v);
		}
	}
	int rc = rn_ctl_ready("tail", dir);
	if (rc)
		return rc;
	struct rn_ctl_stream st;
	if (rn_ctl_stream_open(&st, "tail", dir, fmt, 200))
		return 1;
	static char line[65536 + 1];
	while (!rn_ctl_stop && count) {
		uint16_t fn = 0;
		size_t n;
		int got = rn_ctl_stream_next(&st, &fn, line, sizeof line - 1, &n);
		if (got < 0)
			break;
		if (!got || (fn != 0xffff && (fn >= RN_NFUNCS || !rn_filter_has(&f, fn))))
			continue;
		line[n] = '\n';
		if (fwrite(line, 1, n + 1, stdout) != n + 1 || fflush(stdout))
			break;	/* the reader went away */
		if (count > 0)
			count--;
	}
	rn_ctl_stream_close(&st);
	return 0;
}
