/* test_outputs.c: where the output goes and the summary, as a strace user
 * expects (issue 11): -ff with -o (one file per process, FILE.PID),
 * -o '|command', -U/-S columns and order of -c, -c --format json, and
 * the exporter's own papercuts (no control socket left after SIGTERM,
 * bare renacer-exporter prints its own usage). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"

#define RN RN_EXPORTER
#define PROGS RN_PROGS_DIR

/* a fresh private directory for a test's files */
static char *tmpdir(void)
{
	char *d = strdup("/tmp/renacer-outputs-XXXXXX");
	cr_assert(d && mkdtemp(d));
	return d;
}

/* the pids of the files DIR/tr.PID, at most cap; returns how many */
static unsigned pid_files(const char *dir, int *pids, unsigned cap)
{
	unsigned n = 0;
	DIR *d = opendir(dir);
	cr_assert(d);
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		if (strncmp(e->d_name, "tr.", 3))
			continue;
		long p = strtol(e->d_name + 3, &end, 10);
		cr_assert(!*end && p > 0, "only tr.PID files: %s", e->d_name);
		if (n < cap)
			pids[n++] = (int)p;
	}
	closedir(d);
	return n;
}

Test(outputs, ff_writes_one_file_per_process_named_by_its_pid)
{
	char *d = tmpdir(), cmd[512];
	snprintf(cmd, sizeof cmd, RN " -ff -o %s/tr -- " PROGS "/forkexec3", d);
	struct out t = sh(cmd);
	cr_assert_eq(t.status, 23, "the program's status: %s", t.se);
	cr_assert(strstr(t.so, "level 1: child exited 13, exiting 23"), "its output: %s", t.so);
	int pids[8];
	unsigned n = pid_files(d, pids, 8);
	cr_assert_eq(n, 3, "one file per process of the tree, no FILE itself: %u", n);
	char path[512];
	snprintf(path, sizeof path, "%s/tr", d);
	cr_assert(access(path, F_OK), "no file without a pid");
	unsigned exits = 0, forks_seen = 0;
	char *txt[3];
	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/tr.%d", d, pids[i]);
		txt[i] = slurp(path);
		cr_assert(!strstr(txt[i], "[pid "), "no pid prefixes inside: %s", txt[i]);
		cr_assert(strstr(txt[i], "getppid()"), "each process's own calls: %s", txt[i]);
		cr_assert_eq(count_of(txt[i], "+++ exited with "), 1, "%s", txt[i]);
		cr_assert(strstr(txt[i], "execve("), "each image's exec: %s", txt[i]);
		exits += strstr(txt[i], "+++ exited with 3 +++") || strstr(txt[i], "+++ exited with 13 +++") ||
			 strstr(txt[i], "+++ exited with 23 +++");
	}
	cr_assert_eq(exits, 3, "the three exit codes, one per file");
	/* each child's pid is what its parent's fork returned, in the parent's file */
	for (unsigned i = 0; i < n; i++) {
		char ret[32];
		snprintf(ret, sizeof ret, ") = %d\n", pids[i]);
		for (unsigned j = 0; j < n; j++)
			if (j != i && strstr(txt[j], ret) && strstr(txt[j], "clone"))
				forks_seen++;
	}
	cr_assert_eq(forks_seen, 2, "two forks, each in its parent's file");
}

Test(outputs, ff_without_o_is_f_and_says_so)
{
	struct out t = sh(RN " -ff --no-otlp -- true");
	cr_assert_eq(t.status, 0, "%s", t.se);
	cr_assert(strstr(t.se, "exit_group(0)"), "the trace on stderr as with -f: %s", t.se);
	cr_assert(strstr(t.se, "renacer: -ff without -o"), "said once: %s", t.se);
	struct out p = sh(RN " -ff -o \"|cat\" -- true");
	cr_assert_eq(p.status, 2, "%s", p.se);
	cr_assert(strstr(p.se, "-ff") && strstr(p.se, "pipe"), "%s", p.se);
	struct out o = sh(RN " --output-separately -o /dev/null -- true");
	cr_assert_eq(o.status, 0, "the long spelling: %s", o.se);
}

Test(outputs, o_pipe_sends_the_trace_to_a_command_and_waits_for_it)
{
	char *d = tmpdir(), cmd[512], path[512];
	const char *lead[] = { "|", "!" };
	for (unsigned i = 0; i < 2; i++) {
		snprintf(cmd, sizeof cmd, RN " -o \"%scat > %s/p%u\" -- " PROGS "/forkexec3", lead[i], d, i);
		struct out t = sh_limit(cmd, 60);
		cr_assert_eq(t.status, 23, "%s: %s", cmd, t.se);
		snprintf(path, sizeof path, "%s/p%u", d, i);
		/* complete when renacer-run returns: the command was waited for */
		char *tr = slurp(path);
		cr_assert(strstr(tr, "+++ exited with 23 +++"), "%s: %s", cmd, tr);
		cr_assert_eq(count_of(tr, "+++ exited with "), 3, "%s", tr);
		cr_assert(!strstr(t.se, "execve("), "nothing on stderr: %s", t.se);
	}
}

Test(outputs, o_pipe_to_a_failing_command_says_so_and_never_hangs)
{
	/* a command that fails at once, one that does not exist, one that
	 * stops reading while the program still makes calls */
	const char *cmds[] = { RN " -o \"|exit 3\" -- true", RN " -o \"|/nonexistent-renacer-cmd\" -- true",
			       RN " -o \"|exit 4\" -- ls -R /usr/share/doc" };
	for (unsigned i = 0; i < 3; i++) {
		struct out t = sh_limit(cmds[i], 60);
		cr_assert_neq(t.status, 0, "%s: %s", cmds[i], t.se);
		cr_assert(t.status < 124, "%s: ended, not killed: %d", cmds[i], t.status);
		cr_assert(strstr(t.se, "renacer: -o: the command '"), "%s: %s", cmds[i], t.se);
	}
	/* the program's own failure wins */
	struct out f = sh_limit(RN " -o \"|exit 3\" -- sh -c \"exit 7\"", 60);
	cr_assert_eq(f.status, 7, "%s", f.se);
	/* a command that reads only what it wants is not a failure */
	struct out h = sh_limit(RN " -o \"|head -1 >/dev/null\" -- ls -R /usr/share/doc", 60);
	cr_assert_eq(h.status, 0, "%s", h.se);
}

/* the words of the first line of a -c table, and of each row */
static unsigned words(const char *line, char w[][32], unsigned cap)
{
	unsigned n = 0;
	while (*line && *line != '\n' && n < cap) {
		while (*line == ' ')
			line++;
		if (!*line || *line == '\n')
			break;
		size_t l = strcspn(line, " \n");
		snprintf(w[n++], 32, "%.*s", (int)l, line);
		line += l;
	}
	return n;
}

Test(outputs, U_chooses_and_orders_the_summary_columns)
{
	struct out t = sh(RN " -c -U name,calls,errors -o /dev/fd/3 -- ls / /nonexistent-renacer");
	cr_assert_eq(t.status, 2, "%s", t.se);
	char w[16][32];
	cr_assert_eq(words(t.tr, w, 16), 3, "%s", t.tr);
	cr_assert(!strcmp(w[0], "syscall") && !strcmp(w[1], "calls") && !strcmp(w[2], "errors"), "%s", t.tr);
	cr_assert(matches(t.tr, "^statx +[0-9]+ +[0-9]+$") || matches(t.tr, "^newfstatat +[0-9]+ +[0-9]+$"),
		  "a failed call's row: %s", t.tr);
	cr_assert(matches(t.tr, "^total +[0-9]+ +[0-9]+$"), "%s", t.tr);
	struct out l = sh(RN " -c --summary-columns=min-time,max-time,avg-time,total-time,time-percent,name "
			     "-o /dev/fd/3 -- true");
	cr_assert_eq(l.status, 0, "%s", l.se);
	cr_assert(matches(l.tr, "^ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9.]+ execve$"), "%s", l.tr);
	struct out b = sh(RN " -c -U name,bogus -- true");
	cr_assert_eq(b.status, 2, "%s", b.se);
	cr_assert(strstr(b.se, "-U: invalid value 'name,bogus'"), "%s", b.se);
}

Test(outputs, S_sorts_the_summary_rows)
{
	struct out c = sh(RN " -c -S calls -U calls,name -o /dev/fd/3 -- ls -l /");
	cr_assert_eq(c.status, 0, "%s", c.se);
	unsigned long prev = ~0ul;
	unsigned rows = 0;
	for (const char *l = strchr(c.tr, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		char w[4][32];
		if (words(l + 1, w, 4) != 2 || w[0][0] == '-' || !strcmp(w[1], "total"))
			continue;
		unsigned long v = strtoul(w[0], NULL, 10);
		cr_assert(v <= prev, "calls never grow down the table: %s", c.tr);
		prev = v;
		rows++;
	}
	cr_assert(rows > 3, "%s", c.tr);
	struct out n = sh(RN " -c --summary-sort-by=name -U name -o /dev/fd/3 -- ls -l /");
	cr_assert_eq(n.status, 0, "%s", n.se);
	char last[32] = "";
	rows = 0;
	for (const char *l = strchr(n.tr, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		char w[2][32];
		if (words(l + 1, w, 2) != 1 || w[0][0] == '-' || !strcmp(w[0], "total"))
			continue;
		cr_assert(strcmp(last, w[0]) < 0, "names in order: %s", n.tr);
		snprintf(last, sizeof last, "%s", w[0]);
		rows++;
	}
	cr_assert(rows > 3, "%s", n.tr);
	struct out m = sh(RN " -c -S min-time -o /dev/null -- true");
	cr_assert_eq(m.status, 0, "%s", m.se);
}

Test(outputs, c_format_json_is_one_summary_object_equal_to_the_calls)
{
	/* one document, valid JSON */
	struct out j = sh(RN " -c --format json -o /dev/fd/3 -- ls / /nonexistent-renacer"
			  " 3>&1 >/dev/null | python3 -m json.tool >/dev/null && echo VALID");
	cr_assert(strstr(j.so, "VALID"), "%s %s", j.so, j.se);
	/* with -C: the summary's calls, errors and time per syscall are the
	 * sums of the call lines of the same run; and against the text
	 * table of a run that makes the same calls */
	struct out c = sh(RN " -C --format json -o /dev/fd/3 -- ls / /nonexistent-renacer"
			  " 3>&1 >/dev/null | python3 " RN_TEST_DIR "/check_summary_json.py");
	cr_assert_eq(c.status, 0, "%s %s", c.so, c.se);
	struct out t = sh("for f in text json; do " RN " -c --format $f -o /dev/fd/3 -- cat /dev/null 3>&1"
			  " >/dev/null; done | python3 " RN_TEST_DIR "/check_summary_json.py --vs-text");
	cr_assert_eq(t.status, 0, "%s %s", t.so, t.se);
}

Test(outputs, sigterm_leaves_no_control_socket_and_a_stale_one_is_replaced)
{
	char *d = tmpdir(), cmd[1024];
	/* wait for the socket with a time limit, never a bare sleep */
	snprintf(cmd, sizeof cmd,
		 RN " --session-dir %s -o /dev/null & p=$!; i=0; "
		 "while [ ! -S %s/control ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; "
		 "kill -TERM $p; wait $p; echo rc=$?; ls %s", d, d, d);
	struct out t = sh_limit(cmd, 60);
	cr_assert(strstr(t.so, "rc=0"), "%s %s", t.so, t.se);
	cr_assert(!strstr(t.so, "control"), "no control socket left: %s", t.so);
	/* a stale socket (its exporter gone): the next exporter answers on it */
	snprintf(cmd, sizeof cmd,
		 "python3 -c \"import socket; s=socket.socket(socket.AF_UNIX); s.bind(\\\"%s/control\\\")\"; "
		 "test -S %s/control || exit 9; "
		 RN " --session-dir %s -o /dev/null & p=$!; i=0; "
		 "until " RN " --status %s >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done; "
		 RN " --status %s; "
		 /* a second exporter on a live session is refused */
		 RN " --session-dir %s -o /dev/null; echo second=$?; "
		 "kill -TERM $p; wait $p; ls %s", d, d, d, d, d, d, d);
	struct out s = sh_limit(cmd, 60);
	cr_assert(strstr(s.so, "\"events\":"), "the new exporter answers: %s %s", s.so, s.se);
	cr_assert(strstr(s.so, "second=1"), "%s %s", s.so, s.se);
	cr_assert(strstr(s.se, "another exporter"), "%s", s.se);
	cr_assert(!strstr(s.so, "control"), "%s", s.so);
}

Test(outputs, bare_exporter_prints_its_own_usage)
{
	struct out e = sh(RN);
	cr_assert_eq(e.status, 2, "%s", e.se);
	cr_assert(strstr(e.se, "usage: renacer-exporter [--daemon] --session-dir DIR"), "%s", e.se);
	cr_assert(!strstr(e.se, "renacer-run"), "%s", e.se);
	struct out r = sh("bash -c \"exec -a renacer-run " RN "\"");
	cr_assert_eq(r.status, 2, "%s", r.se);
	cr_assert(strstr(r.se, "usage: renacer-run"), "%s", r.se);
}

Test(outputs, ff_files_keep_their_lines_when_the_exporter_is_restarted)
{
	/* the shell kills its sibling, the exporter, half way through its
	 * own opens: the restarted exporter adds to the shell's file */
	char *d = tmpdir(), cmd[1024];
	snprintf(cmd, sizeof cmd,
		 RN " -ff -e trace=openat -o %s/tr -- sh -c "
		 "\"i=0; while [ \\$i -lt 200 ]; do : </dev/null; i=\\$((i+1)); done; "
		 "for p in \\$(pgrep -P \\$PPID); do [ \\$p != \\$\\$ ] && kill -9 \\$p; done; "
		 "i=0; while [ \\$i -lt 200 ]; do : </dev/null; i=\\$((i+1)); done\"", d);
	struct out t = sh(cmd);
	cr_assert_eq(t.status, 0, "%s", t.se);
	cr_assert(strstr(t.se, "restarting"), "the exporter was not killed: %s", t.se);
	int pids[16];
	unsigned n = pid_files(d, pids, 16), found = 0;
	for (unsigned i = 0; i < n; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/tr.%d", d, pids[i]);
		char *tr = slurp(path);
		if (!strstr(tr, "+++ exited with 0 +++") || !strstr(tr, "\"/dev/null\""))
			continue;
		found = 1;
		/* at least once: a pass the killed exporter wrote may come twice */
		cr_assert_geq(count_of(tr, "\"/dev/null\""), 400, "the shell's opens: %s", tr);
	}
	cr_assert(found, "the shell's file");
}

Test(outputs, o_pipe_leaves_the_program_no_descriptor_of_its_own)
{
	/* the pipe to the command is close-on-exec: the program's open
	 * descriptors are the ones it has untraced */
	struct out bare = sh("sh -c \"ls /proc/\\$\\$/fd\"");
	struct out t = sh(RN " -o \"|cat >/dev/null\" -- sh -c \"ls /proc/\\$\\$/fd\"");
	cr_assert_eq(t.status, 0, "%s", t.se);
	cr_assert_str_eq(t.so, bare.so, "traced: %s untraced: %s", t.so, bare.so);
}
