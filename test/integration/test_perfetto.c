/* test_perfetto.c: --format perfetto writes a trace-event document that
 * Perfetto and chrome://tracing open: valid by the format's rules
 * (check_trace_event.py), a named track per process, an arrow per fork,
 * an instant per exec, counters that add up to the calls shown, and the
 * program's own output untouched. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

#define PROG(name) RN_PROGS_DIR "/" name

static struct out check(const char *file)
{
	char *cmd;
	cr_assert(asprintf(&cmd, "/usr/bin/python3 " RN_TEST_DIR "/check_trace_event.py %s", file) > 0);
	struct out o = sh(cmd);
	free(cmd);
	return o;
}

Test(perfetto, a_process_tree_opens_as_tracks_with_arrows)
{
	char file[] = "/tmp/rn-perfetto.XXXXXX";
	int fd = mkstemp(file);
	cr_assert_geq(fd, 0);
	close(fd);
	char *cmd;
	cr_assert(asprintf(&cmd, "%s --format perfetto -o %s -- %s", RN_EXPORTER, file,
			   PROG("forkexec3")) > 0);
	struct out traced = sh(cmd), plain = sh(PROG("forkexec3"));
	free(cmd);
	cr_assert_eq(traced.status, plain.status);
	cr_assert_str_eq(traced.so, plain.so);
	struct out c = check(file);
	cr_assert_eq(c.status, 0, "%s%s", c.so, c.se);
	/* three levels: three processes, each named; two forks, each
	 * child exec'ing itself; every call in a counter, as many as the
	 * exporter counted */
	unsigned procs, named, calls, flows, execs, counted, other;
	cr_assert_eq(sscanf(c.so, "processes=%u named=%u calls=%u flows=%u execs=%u counter_calls=%u "
			    "other_calls=%u", &procs, &named, &calls, &flows, &execs, &counted, &other),
		     7, "%s", c.so);
	cr_assert_eq(procs, 3, "%s", c.so);
	cr_assert_eq(named, 3, "%s", c.so);
	cr_assert_eq(flows, 2, "%s", c.so);
	cr_assert_eq(execs, 2, "%s", c.so);
	cr_assert_eq(counted, calls, "%s", c.so);
	cr_assert_eq(other, calls, "%s", c.so);
	char *doc = slurp(file);
	cr_assert(strstr(doc, "\"name\":\"forkexec3\""), "tracks named by the executable");
	cr_assert(strstr(doc, "\"name\":\"wait4\""), "the program's own calls are slices");
	free(doc);
	unlink(file);
}

Test(perfetto, hostile_bytes_in_paths_keep_the_document_valid)
{
	char file[] = "/tmp/rn-perfetto.XXXXXX";
	int fd = mkstemp(file);
	cr_assert_geq(fd, 0);
	close(fd);
	char *cmd;
	/* quotes, backslashes, control and invalid UTF-8 bytes in a path */
	cr_assert(asprintf(&cmd, "%s --format perfetto -o %s -- %s", RN_EXPORTER, file,
			   PROG("weirdpaths")) > 0);
	struct out t = sh(cmd);
	free(cmd);
	cr_assert_eq(t.status, 0, "%s", t.se);
	struct out c = check(file);
	cr_assert_eq(c.status, 0, "%s%s", c.so, c.se);
	unlink(file);
}

Test(perfetto, a_bad_format_names_the_choices)
{
	struct out o = sh(RN_EXPORTER " --format svg -- true");
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.se, "expected text, json or perfetto"), "%s", o.se);
}
