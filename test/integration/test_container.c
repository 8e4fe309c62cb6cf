/* test_container.c: renacer where containers put it. A mount and pid
 * namespace with Docker's 64 MiB /dev/shm, a file-size limit on the
 * programs, many processes and threads at once: the programs behave as
 * they do untraced in the same place, and the trace is complete (every
 * call strace sees in the same workload). Skipped where unshare is not
 * permitted. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of s, sorted: concurrent programs print in any order. */
static char *sorted(const char *s)
{
	char *copy = strdup(s), *lines[4096], *save;
	size_t n = 0, len = 0;
	for (char *l = strtok_r(copy, "\n", &save); l && n < 4096; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l, len += strlen(l) + 1;
	qsort(lines, n, sizeof *lines, cmp_line);
	char *out = malloc(len + 1), *p = out;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s\n", lines[i]);
	*p = '\0';
	free(copy);
	return out;
}

/* The container: private mounts with a 64 MiB /dev/shm, its own pids. */
#define CONTAINER "unshare -m -p -f --mount-proc --propagation private sh -c "
#define SHM "mount -t tmpfs -o size=64m tmpfs /dev/shm && "
/* many processes and threads at once, under a file-size limit that the
 * programs themselves never reach */
#define WORKLOAD                                                                  \
	"ulimit -f 1000; " RN_PROGS_DIR "/proctree 40 & " RN_PROGS_DIR "/proctree 40 & " \
	RN_PROGS_DIR "/threads64 & " RN_PROGS_DIR "/proctree 40 & wait; "               \
	"ls -l / >/dev/null; echo end"

Test(container, traced_like_untraced_and_complete, .timeout = 240)
{
	struct out probe = sh_limit("unshare -m -p -f true", 120);
	if (probe.status)
		cr_skip_test("unshare is not permitted here: %s", probe.se);

	struct out plain = sh_limit(CONTAINER "\"" SHM "sh -c \\\"" WORKLOAD "\\\"\"", 120);
	cr_assert_eq(plain.status, 0, "untraced: %s", plain.se);
	cr_assert(strstr(plain.so, "end\n") && !plain.se[0], "the workload itself fails: %s", plain.se);

	char trace[] = "/tmp/rn-ct-tXXXXXX", strace_out[] = "/tmp/rn-ct-sXXXXXX";
	close(mkstemp(trace));
	close(mkstemp(strace_out));
	char *cmd;
	cr_assert(asprintf(&cmd, CONTAINER "\"" SHM RN_EXPORTER " --format json --on-full=block -o %s "
			   "-e trace=openat,fork,clone3 -- sh -c \\\"" WORKLOAD "\\\"\"", trace) > 0);
	struct out traced = sh_limit(cmd, 120);
	free(cmd);
	cr_assert_eq(traced.status, plain.status, "traced exit %d, untraced %d: %s", traced.status, plain.status, traced.se);
	char *a = sorted(plain.so), *b = sorted(traced.so);
	cr_assert_str_eq(b, a, "stdout differs from the untraced run");
	cr_assert_str_eq(traced.se, plain.se, "stderr differs from the untraced run: [%s] vs [%s]", traced.se, plain.se);
	cr_assert_null(strstr(traced.se, "lost"), "%s", traced.se);

	/* complete: every /dev/null open strace sees in the same workload */
	cr_assert(asprintf(&cmd, CONTAINER "\"" SHM "strace -f -qq -e trace=openat -o %s "
			   "sh -c \\\"" WORKLOAD "\\\"\"", strace_out) > 0);
	struct out st = sh_limit(cmd, 120);
	free(cmd);
	cr_assert_eq(st.status, 0, "%s", st.se);
	unsigned want = lines_with(strace_out, "openat(", "\"/dev/null\"");
	unsigned got = lines_with(trace, "\"syscall\":\"openat\"", "\"path\":\"/dev/null\"");
	cr_assert_gt(want, 3000);
	cr_assert_eq(got, want, "renacer saw %u of the %u /dev/null opens strace saw", got, want);
	cr_assert_eq(lines_with(trace, "not traced", NULL), 0);
	unlink(trace);
	unlink(strace_out);
	free(a);
	free(b);
}
