/* test_transparency.c: real programs (coreutils, sh and bash, python3,
 * tar with gzip, make, git; test/integration/corpus/) give byte-identical
 * stdout and stderr, the same exit status and the same files with and
 * without renacer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"

struct result {
	int status;
	char *out, *err, *files;
};

/* Runs one corpus script in a fresh directory, traced or not; the files it
 * leaves are summarised by name and content hash (archives and git's files
 * by name only, git's objects by number: their bytes and names carry the
 * time they were made). */
static struct result run(const char *script, int traced)
{
	char dir[] = "/tmp/rn-corpus-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *cmd;
	cr_assert(asprintf(&cmd,
			   "cd %s && mkdir w && cd w && timeout -s KILL 120 %s sh %s/%s.sh "
			   ">../out 2>../err </dev/null; echo $? >../status; "
			   "find . -type f ! -path './repo/.git/*' ! -name '*.tgz' ! -name '*.o' "
			   "-exec sha256sum {} + | sort >../files; "
			   "find . -path './repo/.git/*' ! -path './repo/.git/objects/*' -o -name '*.tgz' "
			   "| sort >>../files; find ./repo/.git/objects -type f 2>/dev/null | wc -l >>../files",
			   dir, traced ? RN_EXPORTER " -o /dev/null --" : "", RN_CORPUS, script) > 0);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	free(cmd);
	struct result r;
	char path[128];
	snprintf(path, sizeof path, "%s/status", dir);
	char *st = slurp(path);
	r.status = atoi(st);
	free(st);
	snprintf(path, sizeof path, "%s/out", dir);
	r.out = slurp(path);
	snprintf(path, sizeof path, "%s/err", dir);
	r.err = slurp(path);
	snprintf(path, sizeof path, "%s/files", dir);
	r.files = slurp(path);
	cr_assert(asprintf(&cmd, "rm -rf %s", dir) > 0);
	system(cmd);
	free(cmd);
	return r;
}

static void same(const char *script)
{
	struct result a = run(script, 0), b = run(script, 1);
	cr_assert_eq(a.status, 0, "%s fails natively (%d): %s", script, a.status, a.err);
	cr_assert_eq(b.status, a.status, "%s: exit status", script);
	cr_assert_str_eq(b.out, a.out, "%s: stdout", script);
	cr_assert_str_eq(b.err, a.err, "%s: stderr", script);
	cr_assert_str_eq(b.files, a.files, "%s: files", script);
	cr_assert_gt(strlen(a.out), 0, "%s printed nothing", script);
}

Test(transparency, coreutils) { same("coreutils"); }
Test(transparency, shell_pipelines_and_subshells) { same("shell"); }
Test(transparency, python_files_sockets_threads_subprocesses) { same("python"); }
Test(transparency, tar_with_gzip) { same("tar"); }
Test(transparency, make_a_c_project) { same("make"); }
Test(transparency, git_init_add_commit) { same("git"); }
