/* runner.h: what every integration runner does to a shell command line:
 * run it with a time limit, capture its stdout, stderr and fd 3 (where
 * the tests send traces with -o /dev/fd/3), and look at the text. Linked
 * into each runner by rn_integration (CMakeLists.txt). */
#ifndef RN_TEST_RUNNER_H
#define RN_TEST_RUNNER_H

struct out {
	int status;		/* exit status, or 128+signal */
	char *so, *se;		/* stdout, stderr */
	char *tr;		/* what the command wrote to fd 3 (-o /dev/fd/3) */
	double secs;		/* wall time of the whole command */
};

/* slurp: the whole file at path, NUL-terminated (asserts it exists). */
char *slurp(const char *path);

/* sh_limit: runs cmd with sh, killed after limit_s seconds, stdin from
 * /dev/null; sh: the same with 60 s. cmd is put in single quotes, so it
 * must hold none itself. */
struct out sh_limit(const char *cmd, int limit_s);
struct out sh(const char *cmd);

/* count_of: non-overlapping occurrences of needle in hay. */
unsigned count_of(const char *hay, const char *needle);

/* matches: re (POSIX extended, ^ and $ match at each line) is in text. */
int matches(const char *text, const char *re);

/* lines_with: lines of the file at path holding a and, unless NULL, b. */
unsigned lines_with(const char *path, const char *a, const char *b);

/* without_loss_line: se without renacer-run's own "N events lost" line,
 * which is said on stderr whatever -o says; edits se in place. */
char *without_loss_line(char *se);

#endif
