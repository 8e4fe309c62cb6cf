/* test_security.c: --redact-paths and --allow-uid on real runs. A path
 * part the user asked to hide appears in no output (text, JSON, OTLP file,
 * process argv); an arena owned by another user is ignored unless
 * --allow-uid names that user. Every wait is for a condition, with a time
 * limit. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../otlp/receiver.h"
#include "../otlp/runner.h"

static char tmpdir[256];

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/rn-sec-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	(void)!system(cmd);
}

TestSuite(security, .init = setup, .fini = teardown, .timeout = 60);

static unsigned count_of(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

#define SECRET "/nonexistent/home/alice-secret42/notes.txt"
#define PUBLIC "/nonexistent/public/readme"

Test(security, redacted_paths_appear_in_no_output)
{
	char json[320], file[320], text[320];
	snprintf(json, sizeof json, "%s/calls.json", tmpdir);
	snprintf(file, sizeof file, "%s/trace.otlp.jsonl", tmpdir);
	snprintf(text, sizeof text, "%s/calls.txt", tmpdir);
	char *argv[] = { RN_EXPORTER, "-q", "--format", "json", "-o", json, "--otlp-file", file,
			 "--capture-argv", "--redact-paths", "alice-[a-z]+[0-9]+", "--",
			 RN_OTLP_PROG, "open", SECRET, PUBLIC, NULL };
	struct rn_run r;
	run_prog(&r, NULL, NULL, argv, 30);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *argv2[] = { RN_EXPORTER, "-q", "-o", text, "--no-otlp", "--redact-paths",
			  "alice-[a-z]+[0-9]+", "--", RN_OTLP_PROG, "open", SECRET, PUBLIC, NULL };
	run_prog(&r, NULL, NULL, argv2, 30);
	cr_assert_eq(r.status, 0, "%s", r.err);

	char *j = slurp(json, NULL), *f = slurp(file, NULL), *t = slurp(text, NULL);
	cr_assert(j && f && t);
	const char *outs[] = { j, f, t };
	const char *names[] = { "json", "OTLP file", "text" };
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(count_of(outs[i], "secret42"), 0, "%s shows the secret: %s", names[i], outs[i]);
		cr_assert_geq(count_of(outs[i], "/nonexistent/home/[REDACTED]/notes.txt"), 1,
			      "%s: the rest of the path is kept: %s", names[i], outs[i]);
		cr_assert_geq(count_of(outs[i], PUBLIC), 1, "%s: other paths are untouched", names[i]);
	}
	/* the path of the failed open, in each format's own way */
	cr_assert(strstr(j, "\"path\":\"/nonexistent/home/[REDACTED]/notes.txt\""), "%s", j);
	cr_assert(strstr(t, "\"/nonexistent/home/[REDACTED]/notes.txt\", O_RDONLY) = -1 ENOENT"), "%s", t);
	/* OTLP: file.path of the call span and the process's argv */
	struct rx_span *s = NULL;
	size_t n = 0, cap = 0;
	for (char *line = strtok(f, "\n"); line; line = strtok(NULL, "\n"))
		cr_assert_geq(rx_decode_json(line, strlen(line), &s, &n, &cap, 0, NULL, 0), 0);
	int path = 0, args = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = rx_attr(&s[i], "file.path"), *a = rx_attr(&s[i], "process.command_args");
		path += p && !strcmp(p, "/nonexistent/home/[REDACTED]/notes.txt");
		args += a && strstr(a, "/nonexistent/home/[REDACTED]/notes.txt") != NULL;
	}
	cr_assert_eq(path, 1, "file.path not redacted");
	cr_assert_eq(args, 1, "process.command_args not redacted");
	free(s);
	free(j);
	free(t);
	/* f was cut by strtok */
	free(f);
}

Test(security, a_bad_redaction_regex_exits_2_naming_the_option)
{
	char *argv[] = { RN_EXPORTER, "--redact-paths", "a(b", "--", "/bin/true", NULL };
	struct rn_run r;
	run_prog(&r, NULL, NULL, argv, 30);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert_eq(r.lines, 1, "%s", r.err);
	cr_assert(strstr(r.err, "--redact-paths"), "%s", r.err);
}

static int sh(const char *cmd, char *out, size_t cap)
{
	int st = run_sh(cmd, out, cap);
	cr_assert_geq(st, 0, "cannot run %s", cmd);
	return st;
}

static unsigned arenas_in(const char *dir)
{
	unsigned n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += strstr(e->d_name, ".arena") != NULL;
	if (d)
		closedir(d);
	return n;
}

Test(security, an_arena_of_another_user_is_read_only_with_allow_uid)
{
	if (geteuid() != 0)
		cr_skip_test("needs root, to give an arena to another user");
	char dir[320], out[8192];
	snprintf(dir, sizeof dir, "%s/session", tmpdir);
	cr_assert_eq(mkdir(dir, 0700), 0);
	/* a traced run with no exporter leaves its arena (and records) in
	 * dir; it then belongs to nobody (65534) */
	char *cmd;
	cr_assert(asprintf(&cmd, "LD_PRELOAD=" RN_LIBRENACER " RENACER_SESSION_DIR=%s " RN_OTLP_PROG
				 " open /nonexistent/allow-uid-marker", dir) > 0);
	cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s", out);
	free(cmd);
	cr_assert_eq(arenas_in(dir), 1);
	cr_assert(asprintf(&cmd, "chown 65534:65534 %s/*.arena", dir) > 0);
	cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s", out);
	free(cmd);

	/* without --allow-uid: the exporter is up (its status answers, after
	 * its first scan) and has seen no process */
	cr_assert(asprintf(&cmd,
			   RN_EXPORTER " --session-dir %s --format json -o %s/t1.json & ex=$!; n=0; "
			   "until " RN_EXPORTER " --status %s >/dev/null 2>&1; do [ $n -gt 500 ] && break; "
			   "sleep 0.01; n=$((n+1)); done; " RN_EXPORTER " --status %s; "
			   "kill -TERM $ex; wait $ex; echo exporter=$?",
			   dir, tmpdir, dir, dir) > 0);
	cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s", out);
	free(cmd);
	cr_assert(strstr(out, "\"processes_seen\":0,") && strstr(out, "exporter=0"), "%s", out);
	cr_assert_eq(arenas_in(dir), 1, "the other user's arena was touched");
	char path[400];
	snprintf(path, sizeof path, "%s/t1.json", tmpdir);
	char *t = slurp(path, NULL);
	cr_assert_eq(count_of(t, "allow-uid-marker"), 0, "read without --allow-uid: %s", t);
	free(t);

	/* --allow-uid 1,65534: read, and ended like any other */
	cr_assert(asprintf(&cmd,
			   RN_EXPORTER " --session-dir %s --allow-uid 1,65534 --format json -o %s/t2.json & "
			   "ex=$!; n=0; until grep -q allow-uid-marker %s/t2.json 2>/dev/null; do "
			   "[ $n -gt 1000 ] && break; sleep 0.01; n=$((n+1)); done; "
			   "kill -TERM $ex; wait $ex; echo exporter=$?",
			   dir, tmpdir, tmpdir) > 0);
	cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s", out);
	free(cmd);
	cr_assert(strstr(out, "exporter=0"), "%s", out);
	snprintf(path, sizeof path, "%s/t2.json", tmpdir);
	t = slurp(path, NULL);
	cr_assert_eq(count_of(t, "\"path\":\"/nonexistent/allow-uid-marker\""), 1, "%s", t);
	cr_assert_eq(count_of(t, "\"event\":\"exit\""), 1, "the process's end: %s", t);
	free(t);
}
