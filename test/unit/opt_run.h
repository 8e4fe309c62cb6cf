/* opt_run.h: running renacer-exporter with some options and environment
 * and capturing what it says on stderr, for the option tests (the parser
 * exits, so each case is a real run). Included by test_options.c and
 * test_otlp_options.c only. */
#ifndef RN_OPT_RUN_H
#define RN_OPT_RUN_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct result {
	int status;
	char err[4096];
	unsigned lines;
};

/* Runs "PRE env ENV renacer-exporter ARGS" and captures its stderr. */
static struct result run_pre(const char *pre, const char *env, const char *args)
{
	struct result r = { 0 };
	char errf[] = "/tmp/rn-opt-XXXXXX";
	int fd = mkstemp(errf);
	cr_assert_geq(fd, 0);
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "%s env %s %s %s </dev/null >/dev/null 2>%s", pre,
		 env ? env : "", RN_EXPORTER, args, errf);
	int st = system(cmd);
	cr_assert(WIFEXITED(st), "%s: did not exit normally", cmd);
	r.status = WEXITSTATUS(st);
	FILE *f = fdopen(fd, "r");
	size_t n = fread(r.err, 1, sizeof r.err - 1, f);
	r.err[n] = '\0';
	fclose(f);
	unlink(errf);
	for (char *p = r.err; *p; p++)
		r.lines += *p == '\n';
	return r;
}

static struct result run(const char *env, const char *args);

/* A bad option: exit 2, one line, naming it. */
static void bad_option(const char *args, const char *names)
{
	struct result r = run(NULL, args);
	cr_assert_eq(r.status, 2, "'%s' exited %d, stderr: %s", args, r.status, r.err);
	cr_assert_eq(r.lines, 1, "'%s' printed %u lines: %s", args, r.lines, r.err);
	cr_assert(strstr(r.err, names), "'%s' error does not name %s: %s", args, names, r.err);
}

#endif
