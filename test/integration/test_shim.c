/* test_shim.c: the promises the shim and renacer-run make to a user, each
 * checked on a real run: untraced and unchanged when the session is
 * missing; the environment survives programs that strip it; more threads
 * than rings lose nothing; deaths by signal are reported; output formats
 * are what strace users expect. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

#define RN RN_EXPORTER
/* text trace to fd 3, apart from the program's own stderr */
#define TXT " -o /dev/fd/3"

Test(shim, missing_session_dir_runs_untraced_and_unchanged)
{
	struct out o = sh("LD_PRELOAD=" RN_LIBRENACER " RENACER_SESSION_DIR=/nonexistent/dir "
			  "sh -c \"echo hi; ls /nonexistent; exit 3\"");
	cr_assert_eq(o.status, 3);
	cr_assert_str_eq(o.so, "hi\n");
	cr_assert_eq(count_of(o.se, "renacer"), 0, "silent without RENACER_DEBUG: %s", o.se);
	o = sh("LD_PRELOAD=" RN_LIBRENACER " sh -c \"echo hi\"");
	cr_assert_str_eq(o.so, "hi\n");
	cr_assert_str_eq(o.se, "");
	o = sh("LD_PRELOAD=" RN_LIBRENACER " RENACER_DEBUG=1 RENACER_SESSION_DIR=/nonexistent/dir /bin/true");
	cr_assert_eq(o.status, 0);
	cr_assert_eq(count_of(o.se, "renacer:"), 1, "one line with RENACER_DEBUG=1: %s", o.se);
	cr_assert(strstr(o.se, "/nonexistent/dir"), "%s", o.se);
}

Test(shim, empty_environment_exec_stays_traced)
{
	/* env clears the environment, then execs: the exec wrapper restores
	 * LD_PRELOAD and RENACER_*, so the new image is traced (it records
	 * its exit) */
	struct out o = sh(RN TXT " -e trace=exit_group -- env -i /bin/sh -c \"exit 5\"");
	cr_assert_eq(o.status, 5);
	cr_assert(matches(o.tr, "exit_group\\(5\\) += \\?"), "new image untraced: %s", o.tr);
	/* a shell that unsets LD_PRELOAD before exec'ing */
	o = sh(RN TXT " -e trace=exit_group -- sh -c \"unset LD_PRELOAD; exec sh -c \\\"exit 6\\\"\"");
	cr_assert_eq(o.status, 6);
	cr_assert(matches(o.tr, "exit_group\\(6\\) += \\?"), "%s", o.tr);
}

Test(shim, more_threads_than_rings_lose_nothing)
{
	/* 65 threads alive at once with 2 rings per arena: extensions */
	struct out o = sh("RENACER_RINGS=2 " RN " -c -o /dev/stdout -- " RN_PROGS_DIR "/threads64");
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert(matches(o.so, "^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ +[ 0-9.]* clone3$"), "%s", o.so);
	cr_assert_eq(count_of(o.so, "lost"), 0, "%s", o.so);
	cr_assert_eq(count_of(o.se, "lost"), 0, "%s", o.se);
}

Test(shim, busy_threads_past_the_cores_lose_nothing_by_default)
{
	/* four threads making calls flat out on two cores (the exporter's
	 * CPU comes out of theirs), with the default --on-full: the summary
	 * reports every call and no loss (-o /dev/stdout truncates what the
	 * program printed: the rows count its calls) */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct out o = sh(ncpu > 2 ? "taskset -c 0,1 " RN " -c --format json -o /dev/stdout -- " RN_PROGS_DIR
				     "/burst threads 200000 4"
				   : RN " -c --format json -o /dev/stdout -- " RN_PROGS_DIR
					"/burst threads 200000 4");
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert(strstr(o.so, "\"lost\":0,"), "%s", o.so);
	cr_assert(strstr(o.so, "{\"syscall\":\"read\",\"calls\":800000,"), "%s", o.so);
	cr_assert(strstr(o.so, "{\"syscall\":\"write\",\"calls\":800000,"), "%s", o.so);
}

Test(shim, death_by_signal_is_reported)
{
	struct out o = sh(RN TXT " -e trace=none -- sh -c \"kill -KILL \\$\\$\"");
	cr_assert_eq(o.status, 128 + 9);
	cr_assert(strstr(o.tr, "+++ killed by SIGKILL +++"), "%s", o.tr);
	o = sh(RN TXT " -e trace=none -- sh -c \"exit 9\"");
	cr_assert_eq(o.status, 9);
	cr_assert(strstr(o.tr, "+++ exited with 9 +++"), "%s", o.tr);
}

Test(shim, text_formats_like_strace)
{
	struct out o = sh(RN TXT " -tt -T -e trace=openat -- cat /nonexistent-file");
	cr_assert_eq(o.status, 1);
	cr_assert(matches(o.tr, "^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6} openat\\(AT_FDCWD, "
				"\"/nonexistent-file\", O_RDONLY\\) += -1 ENOENT \\(No such file or "
				"directory\\) <[0-9]+\\.[0-9]{6}>$"),
		  "%s", o.tr);
	o = sh(RN TXT " -ttt -e trace=%file -- cat /dev/null");
	cr_assert(matches(o.tr, "^[0-9]{10}\\.[0-9]{6} openat\\(AT_FDCWD, \"/dev/null\", O_RDONLY\\) += [0-9]+$"),
		  "%s", o.tr);
	cr_assert_eq(count_of(o.tr, "close("), 0, "%%file has no close: %s", o.tr);
	o = sh(RN TXT " -s 4 -e trace=openat -- cat /nonexistent-file");
	cr_assert(strstr(o.tr, "\"/non\"..."), "-s 4 cuts strings: %s", o.tr);
}

Test(shim, summary_sorts_and_totals)
{
	struct out o = sh(RN " -c -S calls -- sh -c \"for i in 1 2 3; do cat /dev/null; done\"");
	cr_assert_eq(o.status, 0);
	cr_assert(matches(o.se, "^% time +seconds +usecs/call +calls +errors"), "%s", o.se);
	cr_assert(matches(o.se, "^100\\.00 .* total$"), "%s", o.se);
	/* -S calls: the first row has the most calls */
	const char *row = strstr(o.se, "------\n");
	cr_assert_not_null(row);
	unsigned long first = 0, c;
	char name[64];
	cr_assert_eq(sscanf(row + 7, "%*f %*f %*u %lu", &first), 1, "%s", row);
	for (const char *p = strchr(row + 7, '\n'); p && sscanf(p + 1, "%*f %*f %*u %lu %*[^\n]", &c) == 1;
	     p = strchr(p + 1, '\n')) {
		if (sscanf(p + 1, "%*s %*s %*s %*s %63s", name) == 1 && !strcmp(name, "total"))
			break;
		cr_assert_leq(c, first, "sorted by calls: %s", o.se);
	}
}

Test(shim, json_lines_carry_the_documented_keys)
{
	struct out o = sh(RN TXT " --format json -e trace=openat -- cat /nonexistent-file");
	cr_assert_eq(o.status, 1);
	cr_assert(matches(o.tr, "^\\{\"ts\":[0-9]+,\"pid\":[0-9]+,\"tid\":[0-9]+,\"syscall\":\"openat\","
				"\"func\":\"open(64)?\",\"args\":\\[\"AT_FDCWD\",\"\\\\\"/nonexistent-file\\\\\"\","
				"\"O_RDONLY\"\\],\"ret\":-1,\"errno\":\"ENOENT\",\"dur_ns\":[0-9]+,"
				"\"path\":\"/nonexistent-file\","
				"\"values\":\\[\"AT_FDCWD\",\"/nonexistent-file\",\\[\"O_RDONLY\"\\]\\]\\}$"),
		  "%s", o.tr);
}

Test(shim, exporter_killed_mid_run_is_restarted_and_loses_nothing)
{
	/* the program kills its sibling, the exporter, half way: renacer-run
	 * starts another, which finds the records waiting in the rings */
	char dir[] = "/tmp/rn-shim-kXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *cmd;
	cr_assert(asprintf(&cmd,
			   RN " --format json -e trace=openat -o %s/t.json -- sh -c "
			   "\"i=0; while [ \\$i -lt 200 ]; do cat /dev/null; i=\\$((i+1)); done; "
			   "for p in \\$(pgrep -P \\$PPID); do [ \\$p != \\$\\$ ] && kill -9 \\$p; done; "
			   "i=0; while [ \\$i -lt 200 ]; do cat /dev/null; i=\\$((i+1)); done\"",
			   dir) > 0);
	struct out o = sh(cmd);
	free(cmd);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert(strstr(o.se, "restarting"), "the exporter was not killed: %s", o.se);
	char path[64];
	snprintf(path, sizeof path, "%s/t.json", dir);
	char *t = slurp(path);
	cr_assert_eq(count_of(t, "\"path\":\"/dev/null\""), 400, "%s", o.se);
	unlink(path);
	rmdir(dir);
}

Test(shim, refuses_a_session_directory_others_can_write)
{
	char dir[] = "/tmp/rn-shim-pXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0777), 0);
	char *cmd;
	cr_assert(asprintf(&cmd, "LD_PRELOAD=" RN_LIBRENACER " RENACER_DEBUG=1 RENACER_SESSION_DIR=%s "
				 "sh -c \"echo ok\"; ls %s | wc -l", dir, dir) > 0);
	struct out o = sh(cmd);
	free(cmd);
	cr_assert_str_eq(o.so, "ok\n0\n", "no arena may be written there: %s", o.so);
	cr_assert(strstr(o.se, "not private"), "%s", o.se);
	rmdir(dir);
}

static char *tmpfile_path(void)
{
	char *p = strdup("/tmp/rn-shim-tXXXXXX");
	close(mkstemp(p));
	return p;
}

static struct out run_traced(const char *opts, const char *prog_and_args, char **trace)
{
	*trace = tmpfile_path();
	char *cmd;
	cr_assert(asprintf(&cmd, RN " --format json -o %s %s -- " RN_PROGS_DIR "/%s", *trace, opts,
			   prog_and_args) > 0);
	struct out o = sh(cmd);
	free(cmd);
	return o;
}

Test(load, a_thousand_threads_one_after_another)
{
	char *t;
	struct out o = run_traced("-e trace=openat,write,close", "threads1000 1000", &t);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_str_eq(o.so, "1000 threads\n");
	cr_assert_eq(lines_with(t, "\"syscall\":\"openat\"", "/dev/null"), 1000);
	cr_assert_eq(lines_with(t, "\"syscall\":\"close\"", NULL), 1000);
	cr_assert_eq(lines_with(t, "\"lost\"", NULL), 0);
	unlink(t);
	free(t);
}

Test(load, a_tree_of_500_processes)
{
	char *t;
	struct out o = run_traced("-e trace=openat", "proctree 500", &t);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_str_eq(o.so, "500 processes\n");
	cr_assert_eq(lines_with(t, "\"syscall\":\"openat\"", "/dev/null"), 500);
	cr_assert_eq(lines_with(t, "\"event\":\"exit\"", NULL), 500, "every process's end");
	unlink(t);
	free(t);
}

Test(load, closing_every_descriptor_keeps_tracing)
{
	char *t;
	struct out o = run_traced("-e trace=openat,close_range", "closeall", &t);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_str_eq(o.so, "still working\n");
	cr_assert_eq(lines_with(t, "\"syscall\":\"close_range\"", NULL), 1);
	cr_assert_eq(lines_with(t, "\"syscall\":\"openat\"", "/dev/null"), 100);
	unlink(t);
	free(t);
}

Test(load, killed_mid_call_keeps_what_it_did)
{
	char *t = tmpfile_path();
	char *cmd;
	/* the program blocks in read(); the test kills it with SIGKILL once it
	 * said it was ready */
	cr_assert(asprintf(&cmd, "(" RN " --format json -o %s -- " RN_PROGS_DIR "/blockread & "
				 "launcher=$!; "
				 "while ! pgrep -x blockread >/dev/null; do sleep 0.01; done; "
				 "sleep 0.1; pkill -KILL -x blockread; wait $launcher; echo status=$?)",
			   t) > 0);
	struct out o = sh(cmd);
	free(cmd);
	cr_assert(strstr(o.so, "status=137"), "%s / %s", o.so, o.se);
	cr_assert_eq(lines_with(t, "\"syscall\":\"openat\"", "/dev/null"), 10);
	cr_assert_eq(lines_with(t, "\"syscall\":\"pipe2\"", NULL), 1);
	unlink(t);
	free(t);
}

Test(load, no_arena_is_left_behind)
{
	/* an exporter on our own directory, programs traced by hand */
	char dir[] = "/tmp/rn-shim-dXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *t = tmpfile_path();
	char *cmd;
	cr_assert(asprintf(&cmd,
			   RN " --session-dir %s --format json -o %s & exporter=$!; "
			   "export RENACER_TRACE=openat; "
			   "LD_PRELOAD=" RN_LIBRENACER " RENACER_SESSION_DIR=%s " RN_PROGS_DIR "/proctree 50 && "
			   "LD_PRELOAD=" RN_LIBRENACER " RENACER_SESSION_DIR=%s " RN_PROGS_DIR "/threads1000 100 && "
			   "n=0; while ls %s | grep -q -e arena -e tmp && [ $n -lt 1000 ]; do sleep 0.01; "
			   "n=$((n+1)); done; echo left=$(ls %s | grep -c -e arena -e tmp); "
			   "kill -TERM $exporter; wait $exporter; echo exporter=$?",
			   dir, t, dir, dir, dir, dir) > 0);
	struct out o = sh(cmd);
	free(cmd);
	cr_assert(strstr(o.so, "left=0"), "arena files remain: %s", o.so);
	cr_assert(strstr(o.so, "exporter=0"), "%s / %s", o.so, o.se);
	cr_assert_eq(lines_with(t, "\"syscall\":\"openat\"", "/dev/null"), 150);
	rmdir(dir);
	unlink(t);
	free(t);
}

Test(shim, strings_ending_at_the_end_of_a_mapping)
{
	char *t;
	struct out o = run_traced("-e trace=%file", "pathend", &t);
	cr_assert_eq(o.status, 0, "the program crashed or failed: %d %s", o.status, o.se);
	cr_assert_str_eq(o.so, "ok\n");
	cr_assert_eq(lines_with(t, "\"path\":\"/tmp\"", NULL), 2);
	cr_assert_eq(lines_with(t, "\"path\":\"/nox\"", "ENOENT"), 1);
	unlink(t);
	free(t);
}

Test(shim, setuid_programs_are_left_alone_and_keep_working)
{
	/* As an ordinary user the loader ignores LD_PRELOAD for a set-user-ID
	 * program (su): it must run exactly as without renacer. */
	if (geteuid() != 0 || access("/usr/bin/su", X_OK))
		cr_skip_test("needs root (to become nobody) and /usr/bin/su");
	const char *as = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
	struct out probe = sh("setpriv --reuid=65534 --regid=65534 --clear-groups test -x " RN);
	if (probe.status)
		cr_skip_test("the build directory is not reachable by nobody");
	char *a, *b;
	cr_assert(asprintf(&a, "%s sh -c \"su --help | head -3; echo status=\\$?\"", as) > 0);
	cr_assert(asprintf(&b, "%s " RN " -o /dev/null -- sh -c \"su --help | head -3; echo status=\\$?\"",
			   as) > 0);
	struct out n = sh(a), t = sh(b);
	free(a);
	free(b);
	cr_assert_eq(t.status, n.status);
	cr_assert_str_eq(t.so, n.so);
	cr_assert_str_eq(t.se, n.se);
	cr_assert(strstr(n.so, "status=0"), "%s", n.so);
}

Test(shim, hostile_paths_come_out_escaped_and_valid)
{
	char *t;
	struct out o = run_traced("-s 4096 -e trace=openat", "weirdpaths", &t);
	cr_assert_eq(o.status, 0, "%s", o.se);
	/* every JSON line parses, as strict UTF-8, and the 4 KiB path is whole */
	char *cmd;
	cr_assert(asprintf(&cmd, "/usr/bin/python3 " RN_TEST_DIR "/check_jsonl.py %s", t) > 0);
	struct out py = sh(cmd);
	free(cmd);
	cr_assert_eq(py.status, 0, "invalid JSON or UTF-8: %s", py.se);
	cr_assert_str_eq(py.so, "6 4096 True\n", "%s", py.so);
	unlink(t);
	free(t);
	/* text: one line per call, strace's escapes */
	o = sh(RN TXT " -e trace=openat -- " RN_PROGS_DIR "/weirdpaths");
	cr_assert(strstr(o.tr, "\"/nonexistent/a\\nb\""), "%s", o.tr);
	cr_assert(strstr(o.tr, "\"/nonexistent/q\\\"uo\\\\te\""), "%s", o.tr);
	cr_assert(strstr(o.tr, "\"/nonexistent/\\377\\376\\200 bad\""), "%s", o.tr);
	cr_assert(strstr(o.tr, "\"/nonexistent/\\1\\33[31mred\""), "%s", o.tr);
	cr_assert_eq(count_of(o.tr, "\n"), count_of(o.tr, "openat(") + 1, "a raw newline: %s", o.tr);
}

Test(shim, status_figures_from_the_control_socket)
{
	char dir[] = "/tmp/rn-shim-sXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *cmd;
	cr_assert(asprintf(&cmd,
			   RN " --session-dir %s -c -o /dev/null & exporter=$!; "
			   "LD_PRELOAD=" RN_LIBRENACER " RENACER_SESSION_DIR=%s " RN_PROGS_DIR "/proctree 20 "
			   ">/dev/null; n=0; until " RN " --status %s | grep -q \"processes_seen.:20,\"; do "
			   "[ $n -gt 500 ] && break; sleep 0.01; n=$((n+1)); done; " RN " --status %s; "
			   "kill -TERM $exporter; wait $exporter; echo exporter=$?; " RN " --status %s",
			   dir, dir, dir, dir, dir) > 0);
	struct out o = sh(cmd);
	free(cmd);
	cr_assert(matches(o.so, "^\\{\"events\":[0-9]+,\"lost\":0,.*\"processes_seen\":20,"), "%s", o.so);
	cr_assert(strstr(o.so, "exporter=0"), "%s", o.so);
	cr_assert(strstr(o.se, "no exporter answers"), "--status after the exporter ended: %s", o.se);
	rmdir(dir);
}
