/* test_order.c: the text output is in time order across processes and
 * threads, as a strace user reads it: timestamps never go back, a
 * process's execve comes before its new image's calls, "+++ exited" is
 * each process's last line, and a call other lines come between is shown
 * in strace's "<unfinished ...>" / "<... NAME resumed>" halves. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

#define RN RN_EXPORTER
#define TXT " -o /dev/fd/3"

/* 137 is timeout's SIGKILL: renacer-run waited for an end it never saw */
#define ASSERT_RETURNED(o) cr_assert_neq((o).status, 137, "renacer-run never returned: %s", (o).se)

/* One line of -f -ttt output: its pid (0 before the first prefix) and
 * time, and where the call text starts. */
static int parse_line(const char *l, int *pid, double *t, const char **rest)
{
	int n = 0;
	*pid = 0;
	if (sscanf(l, "[pid %d] %n", pid, &n) == 1)
		l += n;
	n = 0;
	if (sscanf(l, "%lf %n", t, &n) != 1 || !n)
		return -1;
	*rest = l + n;
	return 0;
}

#define MAXPID 64

/* Checks one trace of the pipeline; returns a description of the first
 * fault in *why (static), or 0. */
static int check_order(const char *tr, char *why, size_t cap)
{
	char *copy = strdup(tr), *save = NULL;
	double prev = 0;
	int pids[MAXPID], execd[MAXPID], ended[MAXPID], npid = 0, lineno = 0, bad = 0;
	int first_pid = 0;
	for (char *l = strtok_r(copy, "\n", &save); l && !bad; l = strtok_r(NULL, "\n", &save)) {
		int pid;
		double t;
		const char *rest;
		lineno++;
		if (parse_line(l, &pid, &t, &rest))
			continue;	/* renacer's own notes */
		if (!pid)
			pid = first_pid ? first_pid : -1;
		if (lineno == 1)
			first_pid = pid;
		if (t < prev) {
			snprintf(why, cap, "line %d goes back in time: %s", lineno, l);
			bad = 1;
			break;
		}
		prev = t;
		int k = 0;
		while (k < npid && pids[k] != pid)
			k++;
		if (k == npid && npid < MAXPID) {
			pids[npid] = pid;
			execd[npid] = ended[npid] = 0;
			npid++;
		}
		if (ended[k]) {
			snprintf(why, cap, "line %d after pid %d's +++ exited: %s", lineno, pid, l);
			bad = 1;
			break;
		}
		if (!strncmp(rest, "+++ ", 4))
			ended[k] = 1;
		if (!strncmp(rest, "execve(", 7) &&
		    (strstr(rest, "[\"/bin/cat\"]") || strstr(rest, "[\"/usr/bin/wc\", ")))
			execd[k] = 1;
		/* cat and wc read; the shell's fork children do not */
		if (!strncmp(rest, "read(", 5) && pid != first_pid && !execd[k]) {
			snprintf(why, cap, "line %d: pid %d reads before its execve: %s", lineno, pid, l);
			bad = 1;
			break;
		}
	}
	for (int k = 0; k < npid && !bad; k++)
		if (!ended[k] && pids[k] > 0) {
			snprintf(why, cap, "pid %d has no +++ exited line", pids[k]);
			bad = 1;
		}
	free(copy);
	return bad;
}

Test(order, a_pipeline_comes_out_in_time_order_every_time)
{
	for (int run = 0; run < 8; run++) {
		struct out t = sh(RN " -f -ttt" TXT " -- sh -c \"echo hi | /bin/cat | /usr/bin/wc -c\"");
		ASSERT_RETURNED(t);
		cr_assert_eq(t.status, 0, "run %d: %s", run, t.se);
		cr_assert_str_eq(t.so, "3\n");
		char why[512];
		cr_assert_eq(check_order(t.tr, why, sizeof why), 0, "run %d: %s\n%s", run, why, t.tr);
		cr_assert(matches(t.tr, "execve\\(.*\\[\"/bin/cat\"\\]"), "run %d: %s", run, t.tr);
		cr_assert(matches(t.tr, "exit_group\\(0\\) += \\?"), "run %d: %s", run, t.tr);
	}
}

Test(order, a_call_other_lines_come_between_is_shown_in_two_halves)
{
	/* the first sleep is blocked while the second runs, exits, and echo
	 * runs: strace shows it unfinished, then resumed */
	struct out t = sh(RN " -f -tt" TXT " -- sh -c \"/bin/sleep 0.4 & /bin/sleep 0.1; /bin/echo hi; wait\"");
	ASSERT_RETURNED(t);
	cr_assert_eq(t.status, 0, "%s", t.se);
	cr_assert(matches(t.tr, "^\\[pid +[0-9]+\\] [0-9:.]+ clock_nanosleep\\(<unfinished \\.\\.\\.>$"),
		  "no unfinished half: %s", t.tr);
	cr_assert(matches(t.tr, "<\\.\\.\\. clock_nanosleep resumed>CLOCK_REALTIME, 0, \\{tv_sec=0, "
				"tv_nsec=400000000\\}, .*\\) += 0$"),
		  "no resumed half: %s", t.tr);
	/* the long sleep's halves bracket the echo (the short sleep may be
	 * in halves too, and may start first) */
	const char *r = strstr(t.tr, "tv_nsec=400000000");
	cr_assert(r, "%s", t.tr);
	while (r > t.tr && r[-1] != '\n')
		r--;
	int pid = 0;
	cr_assert_eq(sscanf(r, "[pid %d]", &pid), 1, "%s", t.tr);
	char want[64];
	snprintf(want, sizeof want, "[pid %5d] ", pid);
	const char *u = NULL;
	for (const char *l = t.tr; l && l < r; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, want, strlen(want)) && strstr(l, "clock_nanosleep(<unfinished ...>") &&
		    strstr(l, "clock_nanosleep(<unfinished ...>") < strchr(l, '\n'))
			u = l;
	const char *e = strstr(t.tr, "[\"/bin/echo\", \"hi\"]");
	cr_assert(u && e && u < e && e < r, "pid %d: %s", pid, t.tr);
	/* the shell waits for the short sleep while it runs and exits */
	cr_assert(matches(t.tr, "^\\[pid +[0-9]+\\] [0-9:.]+ wait4\\(<unfinished \\.\\.\\.>$"), "%s", t.tr);
	cr_assert(matches(t.tr, "<\\.\\.\\. wait4 resumed>-1, \\[\\{WIFEXITED"), "%s", t.tr);
}

Test(order, relative_timestamps_count_from_the_line_before)
{
	/* -r: seconds since the line before; -ttt beside it shows the same
	 * spans, so each -r value is the difference of two -ttt values */
	struct out t = sh(RN " -f -r -ttt" TXT " -- sh -c \"/bin/true; /bin/true\"");
	ASSERT_RETURNED(t);
	cr_assert_eq(t.status, 0, "%s", t.se);
	char *copy = strdup(t.tr), *save = NULL;
	double prev = -1;
	unsigned n = 0;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int off = 0, pid;
		if (sscanf(l, "[pid %d] %n", &pid, &off) == 1)
			l += off;
		double rel, abs;
		if (sscanf(l, "%lf %lf ", &rel, &abs) != 2)
			continue;
		if (prev < 0)
			cr_assert_eq(rel, 0.0, "first line: %s", l);
		else
			cr_assert(rel - (abs - prev) < 2e-6 && (abs - prev) - rel < 2e-6,
				  "-r %.6f but -ttt says %.6f: %s", rel, abs - prev, l);
		prev = abs;
		n++;
	}
	free(copy);
	cr_assert_gt(n, 4, "%s", t.tr);
}
