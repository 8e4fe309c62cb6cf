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

struct out {
	int status;
	char *so, *se;
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n + 4096 >= cap)
			buf = realloc(buf, cap = cap * 2 + 8192);
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Runs cmd with sh, at most 120 s, capturing its output. */
static struct out sh(const char *cmd)
{
	char so[] = "/tmp/rn-ct-oXXXXXX", se[] = "/tmp/rn-ct-eXXXXXX";
	close(mkstemp(so));
	close(mkstemp(se));
	char *full;
	cr_assert(asprintf(&full, "timeout -s KILL 120 sh -c '%s' </dev/null >%s 2>%s", cmd, so, se) > 0);
	int st = system(full);
	free(full);
	struct out o = { WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), slurp(so), slurp(se) };
	unlink(so);
	unlink(se);
	return o;
}

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

static unsigned count_lines(const char *path, const char *a, const char *b)
{
	char *t = slurp(path);
	unsigned n = 0;
	for (char *l = t, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (!nl)
			break;
		*nl = '\0';
		n += strstr(l, a) && (!b || strstr(l, b));
	}
	free(t);
	return n;
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
	struct out probe = sh("unshare -m -p -f true");
	if (probe.status)
		cr_skip_test("unshare is not permitted here: %s", probe.se);

	struct out plain = sh(CONTAINER "\"" SHM "sh -c \\\"" WORKLOAD "\\\"\"");
	cr_assert_eq(plain.status, 0, "untraced: %s", plain.se);
	cr_assert(strstr(plain.so, "end\n") && !plain.se[0], "the workload itself fails: %s", plain.se);

	char trace[] = "/tmp/rn-ct-tXXXXXX", strace_out[] = "/tmp/rn-ct-sXXXXXX";
	close(mkstemp(trace));
	close(mkstemp(strace_out));
	char *cmd;
	cr_assert(asprintf(&cmd, CONTAINER "\"" SHM RN_EXPORTER " --format json --on-full=block -o %s "
			   "-e trace=openat,fork,clone3 -- sh -c \\\"" WORKLOAD "\\\"\"", trace) > 0);
	struct out traced = sh(cmd);
	free(cmd);
	cr_assert_eq(traced.status, plain.status, "traced exit %d, untraced %d: %s", traced.status, plain.status, traced.se);
	char *a = sorted(plain.so), *b = sorted(traced.so);
	cr_assert_str_eq(b, a, "stdout differs from the untraced run");
	cr_assert_str_eq(traced.se, plain.se, "stderr differs from the untraced run: [%s] vs [%s]", traced.se, plain.se);
	cr_assert_null(strstr(traced.se, "lost"), "%s", traced.se);

	/* complete: every /dev/null open strace sees in the same workload */
	cr_assert(asprintf(&cmd, CONTAINER "\"" SHM "strace -f -qq -e trace=openat -o %s "
			   "sh -c \\\"" WORKLOAD "\\\"\"", strace_out) > 0);
	struct out st = sh(cmd);
	free(cmd);
	cr_assert_eq(st.status, 0, "%s", st.se);
	unsigned want = count_lines(strace_out, "openat(", "\"/dev/null\"");
	unsigned got = count_lines(trace, "\"syscall\":\"openat\"", "\"path\":\"/dev/null\"");
	cr_assert_gt(want, 3000);
	cr_assert_eq(got, want, "renacer saw %u of the %u /dev/null opens strace saw", got, want);
	cr_assert_eq(count_lines(trace, "not traced", NULL), 0);
	unlink(trace);
	unlink(strace_out);
	free(a);
	free(b);
}
