/* test_ctl.c: renacer-ctl against a live exporter on a session directory,
 * as an operator uses it: status figures that agree with the trace, a
 * live tail filtered by syscall, top showing the call a thread is blocked
 * in, flush and stop, and a tail that stops reading never slowing or
 * costing the traced program a record. Bad usage exits 2 in one line. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

#define CTL RN_CTL
#define PROG(name) RN_PROGS_DIR "/" name

/* A child that dies with the test, whatever ends the test. */
static pid_t fork_tied(void)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	return pid;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct session {
	char dir[64];
	char trace[96];
	pid_t exporter;
};

/* An exporter on a new private directory, writing JSON lines to a file;
 * returns once its control socket answers. */
static void start(struct session *s)
{
	snprintf(s->dir, sizeof s->dir, "/dev/shm/rn-ctl.XXXXXX");
	cr_assert_not_null(mkdtemp(s->dir));
	snprintf(s->trace, sizeof s->trace, "%s.json", s->dir);
	s->exporter = fork_tied();
	if (!s->exporter) {
		execl(RN_EXPORTER, RN_EXPORTER, "--session-dir", s->dir, "--format", "json", "-o",
		      s->trace, "--no-otlp", (char *)NULL);
		_exit(127);
	}
	char cmd[256];
	snprintf(cmd, sizeof cmd, "%s --session-dir %s status --json", CTL, s->dir);
	for (long long end = now_ms() + 20000; now_ms() < end; usleep(20000)) {
		struct out o = sh(cmd);
		if (o.status == 0)
			return;
	}
	cr_assert_fail("the exporter on %s never answered", s->dir);
}

/* A number in the exporter's status JSON. */
static long long status_num(const struct session *s, const char *key)
{
	char cmd[256], k[64];
	snprintf(cmd, sizeof cmd, "%s --session-dir %s status --json", CTL, s->dir);
	struct out o = sh(cmd);
	cr_assert_eq(o.status, 0, "%s", o.se);
	snprintf(k, sizeof k, "\"%s\":", key);
	const char *p = strstr(o.so, k);
	cr_assert_not_null(p, "%s missing: %s", key, o.so);
	return atoll(p + strlen(k));
}

/* Waits until status says key >= want; 0 on time out. */
static int wait_num(const struct session *s, const char *key, long long want, int timeout_ms)
{
	for (long long end = now_ms() + timeout_ms; now_ms() < end; usleep(20000))
		if (status_num(s, key) >= want)
			return 1;
	return 0;
}

/* A program traced into the session; returns its exit status. */
static int traced(const struct session *s, const char *cmd)
{
	char full[1024];
	snprintf(full, sizeof full, "LD_PRELOAD=%s RENACER_SESSION_DIR=%s %s", RN_LIBRENACER,
		 s->dir, cmd);
	return sh(full).status;
}

static int wait_child(pid_t pid, int timeout_ms)
{
	int st;
	for (long long end = now_ms() + timeout_ms; now_ms() < end; usleep(10000))
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void stop(struct session *s)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "%s --session-dir %s stop", CTL, s->dir);
	struct out o = sh(cmd);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_str_eq(o.so, "ok\n");
	int st = wait_child(s->exporter, 30000);
	cr_assert(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "exporter ended %d", st);
	if (s->trace[0])
		unlink(s->trace);
}

Test(ctl, status_figures_agree_with_the_trace)
{
	struct session s;
	start(&s);
	cr_assert_eq(traced(&s, "sh -c \"for i in 1 2 3 4 5 6 7 8 9 10; do cat /dev/null; done\""), 0);
	/* every process has ended and been read: nothing live, then flush */
	cr_assert(wait_num(&s, "processes_seen", 11, 20000));
	for (long long end = now_ms() + 20000; status_num(&s, "processes_live") && now_ms() < end;)
		usleep(20000);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "%s --session-dir %s flush", CTL, s.dir);
	struct out f = sh(cmd);
	cr_assert_eq(f.status, 0, "%s", f.se);
	cr_assert(!strncmp(f.so, "ok", 2), "%s", f.so);
	long long events = status_num(&s, "events");
	/* the figure a person reads is the one the trace holds */
	unsigned lines = lines_with(s.trace, "\"syscall\":", NULL);
	cr_assert_eq((long long)lines, events, "status says %lld calls, the trace has %u", events,
		     lines);
	snprintf(cmd, sizeof cmd, "%s --session-dir %s status", CTL, s.dir);
	struct out h = sh(cmd);
	cr_assert_eq(h.status, 0);
	char want[64];
	snprintf(want, sizeof want, "^events +%lld$", events);
	cr_assert(matches(h.so, want), "%s", h.so);
	cr_assert(matches(h.so, "^lost +0$"), "%s", h.so);
	stop(&s);
}

Test(ctl, tail_streams_the_calls_it_is_asked_for)
{
	struct session s;
	start(&s);
	char out[96];
	snprintf(out, sizeof out, "%s.tail", s.dir);
	pid_t t = fork_tied();
	if (!t) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		execl(CTL, CTL, "--session-dir", s.dir, "tail", "-n", "10", "-e", "trace=openat",
		      "--format", "json", (char *)NULL);
		_exit(127);
	}
	cr_assert(wait_num(&s, "tail_subscribers", 1, 20000), "the tail never subscribed");
	/* some of the first pass may go by before the exporter sees the
	 * subscriber: run until the tail has its ten lines */
	int st = -1;
	for (long long end = now_ms() + 30000; now_ms() < end;) {
		cr_assert_eq(traced(&s, "sh -c \"for i in 1 2 3 4 5; do cat /etc/hostname; done\" >/dev/null"), 0);
		if (waitpid(t, &st, WNOHANG) == t)
			break;
	}
	if (st == -1)
		st = wait_child(t, 1000);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tail ended %d", st);
	char *text = slurp(out);
	cr_assert_eq(count_of(text, "\n"), 10, "%s", text);
	/* as strace -e trace=openat: the calls asked for, and the ends of
	 * processes */
	cr_assert_eq(count_of(text, "\"syscall\":\"openat\"") + count_of(text, "{\"event\":\"exit\""),
		     10, "only openat: %s", text);
	cr_assert_geq(count_of(text, "\"path\":\"/etc/hostname\""), 1, "%s", text);
	free(text);
	unlink(out);
	stop(&s);
}

Test(ctl, a_tail_that_stops_reading_costs_the_program_nothing)
{
	struct session s;
	start(&s);
	char cmd[512];
	/* the tail writes into a pipe nobody reads: it stops reading the
	 * stream once the pipe is full */
	snprintf(cmd, sizeof cmd, "%s --session-dir %s tail | sleep 120", CTL, s.dir);
	pid_t t = fork_tied();
	if (!t) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	cr_assert(wait_num(&s, "tail_subscribers", 1, 20000), "the tail never subscribed");
	snprintf(cmd, sizeof cmd, "%s seek 200000", PROG("burst"));
	cr_assert_eq(traced(&s, cmd), 0);
	cr_assert(wait_num(&s, "tail_dropped", 1, 30000), "the stream never overflowed");
	long long lost = status_num(&s, "lost");
	cr_assert_eq(lost, 0, "the program lost %lld records to a slow tail", lost);
	kill(-t, SIGKILL);
	waitpid(t, NULL, 0);
	/* every call is in the trace */
	char trace[96];
	snprintf(trace, sizeof trace, "%s", s.trace);
	s.trace[0] = '\0';	/* kept for the count below */
	stop(&s);
	cr_assert_eq(lines_with(trace, "\"syscall\":\"lseek\"", NULL), 200000);
	unlink(trace);
}

Test(ctl, top_shows_rates_and_the_blocked_call)
{
	struct session s;
	start(&s);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "LD_PRELOAD=%s RENACER_SESSION_DIR=%s exec %s", RN_LIBRENACER,
		 s.dir, PROG("blockread"));
	pid_t b = fork_tied();
	if (!b) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	cr_assert(wait_num(&s, "processes_live", 1, 20000));
	snprintf(cmd, sizeof cmd, "%s --session-dir %s top -b -n 2 -d 0.5", CTL, s.dir);
	struct out o = sh(cmd);
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_eq(count_of(o.so, "renacer top "), 2, "%s", o.so);
	cr_assert(matches(o.so, "^SYSCALL +CALLS/S +ERRORS/S +P99$"), "%s", o.so);
	cr_assert(matches(o.so, "call=read "), "the blocked read: %s", o.so);
	stop(&s);
}

Test(ctl, bad_usage_gets_one_line)
{
	static const struct {
		const char *args;
		int status;
		const char *says;
	} cases[] = {
		{ "bogus", 2, "unknown verb" },
		{ "--bogus status", 2, "unknown option: --bogus" },
		{ "--session-dir /nonexistent/rn status", 1, "/nonexistent/rn:" },
		{ "--session-dir /tmp status", 1, "no exporter is serving" },
		{ "--session-dir /tmp tail -n 0", 2, "-n takes" },
		{ "--session-dir /tmp tail -e trace=nosuchcall", 2, "nosuchcall" },
		{ "--session-dir /tmp top -d 0", 2, "-d takes" },
		{ "--session-dir /tmp stop now", 2, "takes no argument" },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
		char cmd[256];
		snprintf(cmd, sizeof cmd, "env -u RENACER_SESSION_DIR %s %s", CTL, cases[i].args);
		struct out o = sh(cmd);
		cr_assert_eq(o.status, cases[i].status, "%s: %d %s", cases[i].args, o.status, o.se);
		cr_assert_eq(count_of(o.se, "\n"), 1, "%s: %s", cases[i].args, o.se);
		cr_assert(strstr(o.se, cases[i].says), "%s: %s", cases[i].args, o.se);
	}
	struct out none = sh("env -u RENACER_SESSION_DIR " CTL " status");
	cr_assert_eq(none.status, 2);
	cr_assert(strstr(none.se, "RENACER_SESSION_DIR"), "%s", none.se);
}
