/* runner.c: running command lines and reading what they printed, for the
 * integration runners (runner.h). Assertions, never exits. */
#include "runner.h"

#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *slurp(const char *path)
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

struct out sh_limit(const char *cmd, int limit_s)
{
	char so[] = "/tmp/rn-run-oXXXXXX", se[] = "/tmp/rn-run-eXXXXXX";
	char tr[] = "/tmp/rn-run-rXXXXXX";
	close(mkstemp(so));
	close(mkstemp(se));
	close(mkstemp(tr));
	char *full;
	cr_assert(asprintf(&full, "timeout -s KILL %d sh -c '%s' </dev/null >%s 2>%s 3>%s", limit_s,
			   cmd, so, se, tr) > 0);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int st = system(full);
	clock_gettime(CLOCK_MONOTONIC, &b);
	free(full);
	struct out o = { WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), slurp(so), slurp(se),
			 slurp(tr), (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 };
	unlink(so);
	unlink(se);
	unlink(tr);
	return o;
}

struct out sh(const char *cmd)
{
	return sh_limit(cmd, 60);
}

unsigned count_of(const char *hay, const char *needle)
{
	/* memmem over what is left, not strstr: a sanitizer's strstr
	 * measures the whole haystack on every call, which makes counting
	 * the lines of a large trace quadratic */
	unsigned n = 0;
	size_t nl = strlen(needle);
	const char *end = hay + strlen(hay);
	for (const char *p = hay; nl && (p = memmem(p, (size_t)(end - p), needle, nl)); p += nl)
		n++;
	return n;
}

int matches(const char *text, const char *re)
{
	regex_t r;
	cr_assert_eq(regcomp(&r, re, REG_EXTENDED | REG_NEWLINE), 0, "%s", re);
	int m = regexec(&r, text, 0, NULL, 0) == 0;
	regfree(&r);
	return m;
}

unsigned lines_with(const char *path, const char *a, const char *b)
{
	char *t = slurp(path);
	unsigned n = 0;
	for (char *l = t, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		n += strstr(l, a) && (!b || strstr(l, b));
		if (!nl)
			break;
	}
	free(t);
	return n;
}

/* stderr without renacer-run's own loss line, which is said on stderr
 * whatever -o says (a sandboxed thread's calls are lost for want of a
 * ring): everything else there must be the program's. */
char *without_loss_line(char *se)
{
	char *l = strstr(se, "renacer: ");
	if (l && (l == se || l[-1] == '\n') && strstr(l, " events lost (")) {
		char *nl = strchr(l, '\n');
		memmove(l, nl ? nl + 1 : l + strlen(l), strlen(nl ? nl + 1 : l + strlen(l)) + 1);
	}
	return se;
}
