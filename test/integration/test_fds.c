/* test_fds.c: -y, -yy and -P against strace 6.1 on the same program
 * (progs/fds_prog.c: files, a relative path after chdir, a pipe, TCP on
 * loopback, a UNIX socket pair, dup2, F_DUPFD_CLOEXEC, a fork child
 * using what it inherited, an exec that drops an O_CLOEXEC descriptor).
 *
 * Every renacer call line must be one of strace's lines, descriptors and
 * their names included; what still differs is listed below with its
 * reason (docs/COVERAGE.md). Inode numbers and ports change from run to
 * run and are compared as N and P; an inode renacer could not read (the
 * process had ended before the exporter got to its call) is shown as ?
 * and compared as N too, and the count of those is printed.
 *
 * Paths come from the build: RN_EXPORTER, RN_PROGS_DIR, RN_STRACE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

#ifndef RN_STRACE
#define RN_STRACE "strace"
#endif

/* a renacer line starting with prefix and holding part (normalized)
 * differs for why */
static const struct {
	const char *prefix, *part;
	const char *why;
} known[] = {
	{ "clone()", "", "fork's wrapper does not see the flags glibc passes to clone" },
	{ "clone3({flags=", "", "pthread_create's clone3 without the addresses glibc passes" },
	{ "getsockname(", "<TCP:[N]>",
	  "after bind to port 0 the chosen port is known only from getsockname's result" },
};

#define MAXL 512

struct lines {
	char *l[MAXL];
	int used[MAXL];
	unsigned n;
};

/* What differs from one run to the next: addresses to 0x, ports to P
 * (htons(P) and :P in endpoints), inodes in NAME:[N] and N->N, a child's
 * pid in wait4 to PID, the padding before " = " to one space. */
static char *norm(const char *s)
{
	char *o = malloc(strlen(s) * 2 + 16), *d = o;
	int wait4 = !strncmp(s, "wait4(", 6);
	int in_name = 0;	/* inside <...> after a descriptor */
	cr_assert_not_null(o);
	while (*s) {
		if (*s == '<')
			in_name++;
		else if (*s == '>' && in_name && s[-1] != '-')
			in_name--;
		if (wait4 && (!strncmp(s, "wait4(", 6) || !strncmp(s, " = ", 3)) &&
		    isdigit((unsigned char)s[s[0] == ' ' ? 3 : 6])) {
			size_t k = s[0] == ' ' ? 3 : 6;
			memcpy(d, s, k);
			memcpy(d + k, "PID", 3);
			d += k + 3;
			s += k;
			while (isdigit((unsigned char)*s))
				s++;
		} else if (!strncmp(s, "htons(", 6)) {
			memcpy(d, "htons(P", 7);
			d += 7;
			s += 6;
			while (isdigit((unsigned char)*s))
				s++;
		} else if (in_name && (s[0] == '[' || (s[0] == '-' && s[1] == '>')) &&
			   (isdigit((unsigned char)s[s[0] == '[' ? 1 : 2]) || s[s[0] == '[' ? 1 : 2] == '?')) {
			/* an inode (or ? for one not known) */
			size_t k = s[0] == '[' ? 1 : 2;
			memcpy(d, s, k);
			d += k;
			*d++ = 'N';
			s += k;
			if (*s == '?')
				s++;
			while (isdigit((unsigned char)*s))
				s++;
		} else if (in_name && s[0] == ':' && isdigit((unsigned char)s[1]) &&
			   (isdigit((unsigned char)s[-1]) || s[-1] == ']')) {
			/* a port after an address (127.0.0.1:P, [::1]:P) */
			*d++ = ':';
			*d++ = 'P';
			s++;
			while (isdigit((unsigned char)*s))
				s++;
		} else if (s[0] == '0' && s[1] == 'x' && isxdigit((unsigned char)s[2])) {
			*d++ = '0';
			*d++ = 'x';
			s += 2;
			while (isxdigit((unsigned char)*s))
				s++;
		} else if (s[0] == ' ' && s[1] == ' ') {
			while (s[1] == ' ')
				s++;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
	return o;
}

static const char *skip_pid(const char *l, long *pid)
{
	char *e;
	*pid = 0;
	if (!strncmp(l, "[pid ", 5)) {
		*pid = strtol(l + 5, &e, 10);
		return *e == ']' ? e + 2 : l;
	}
	long v = strtol(l, &e, 10);
	if (e != l && *e == ' ') {
		*pid = v;
		while (*e == ' ')
			e++;
		return e;
	}
	return l;
}

/* strace's call lines (from its first getppid() on unless 'all'), each
 * split call joined again */
static void strace_lines(char *text, struct lines *out, int all)
{
	struct {
		long pid;
		char *head;
	} open_[16];
	unsigned nopen = 0;
	int started = all;
	memset(out, 0, sizeof *out);
	for (char *l = strtok(text, "\n"); l && out->n < MAXL; l = strtok(NULL, "\n")) {
		long pid;
		const char *c = skip_pid(l, &pid);
		if (!started) {
			started = !strncmp(c, "getppid()", 9);
			continue;
		}
		if (!strncmp(c, "+++", 3) || !strncmp(c, "---", 3))
			continue;
		const char *u = strstr(c, " <unfinished ...>");
		if (u && nopen < 16) {
			open_[nopen].pid = pid;
			open_[nopen++].head = strndup(c, (size_t)(u - c));
			continue;
		}
		if (!strncmp(c, "<... ", 5)) {
			const char *r = strstr(c, " resumed>");
			for (unsigned i = 0; r && i < nopen; i++) {
				if (open_[i].pid != pid)
					continue;
				char *j;
				cr_assert(asprintf(&j, "%s%s", open_[i].head, r + 9) > 0);
				out->l[out->n++] = norm(j);
				free(j);
				free(open_[i].head);
				open_[i] = open_[--nopen];
				break;
			}
			continue;
		}
		out->l[out->n++] = norm(c);
	}
	cr_assert(started, "no getppid() line in strace's trace");
}

/* renacer's call lines, halves joined, launcher's exec and markers out */
static void renacer_lines(char *text, struct lines *out)
{
	memset(out, 0, sizeof *out);
	for (char *l = strtok(text, "\n"); l && out->n < MAXL; l = strtok(NULL, "\n")) {
		long pid;
		const char *c = skip_pid(l, &pid);
		if (!strncmp(c, "execve(", 7) || !strncmp(c, "getppid()", 9) || !strncmp(c, "+++", 3) ||
		    !strncmp(c, "---", 3) || !strncmp(c, "renacer:", 8) || strstr(c, "(<unfinished ...>"))
			continue;
		char *joined = NULL;
		if (!strncmp(c, "<... ", 5) && strstr(c, " resumed>")) {
			const char *r = strstr(c, " resumed>");
			cr_assert(asprintf(&joined, "%.*s(%s", (int)(r - c - 5), c + 5, r + 9) > 0);
			c = joined;
		}
		out->l[out->n++] = norm(c);
		free(joined);
	}
}

static void free_lines(struct lines *l)
{
	for (unsigned i = 0; i < l->n; i++)
		free(l->l[i]);
}

/* Runs fds_prog under strace with sopts and under renacer with ropts,
 * both in the directory dir (made by the caller); the traces in *st, *rt. */
static void run_both(const char *sopts, const char *ropts, char **st, char **rt, const char *dir)
{
	char sf[] = "/tmp/rn-fds-sXXXXXX", rf[] = "/tmp/rn-fds-rXXXXXX";
	close(mkstemp(sf));
	close(mkstemp(rf));
	char *cmd;
	/* the same directory for both: paths compare as they are */
	cr_assert(asprintf(&cmd, "%s -f %s -o %s %s/fds_prog %s >/dev/null && rm -f %s/a && "
				 "%s %s -o %s -- %s/fds_prog %s >/dev/null",
			   RN_STRACE, sopts, sf, RN_PROGS_DIR, dir, dir, RN_EXPORTER, ropts, rf,
			   RN_PROGS_DIR, dir) > 0);
	struct out o = sh_limit(cmd, 60);
	free(cmd);
	cr_assert_eq(o.status, 0, "status %d: %s", o.status, o.se);
	*st = slurp(sf);
	*rt = slurp(rf);
	unlink(sf);
	unlink(rf);
}

static void cleanup_dir(const char *dir)
{
	char *cmd;
	cr_assert(asprintf(&cmd, "rm -rf %s", dir) > 0);
	sh(cmd);
	free(cmd);
}

/* Every renacer line is one of strace's (known differences aside);
 * returns the lines compared. */
static unsigned compare(struct lines *r, struct lines *s, const char *what)
{
	unsigned matched = 0, bad = 0, unknown_ino = 0;
	char report[8192] = "";
	size_t rl = 0;
	for (unsigned k = 0; k < r->n; k++) {
		const char *n = r->l[k];
		int found = 0;
		for (unsigned i = 0; i < s->n && !found; i++)
			if (!s->used[i] && !strcmp(s->l[i], n))
				s->used[i] = found = 1;
		const char *why = NULL;
		for (size_t j = 0; j < sizeof known / sizeof *known; j++)
			if (!strncmp(n, known[j].prefix, strlen(known[j].prefix)) && strstr(n, known[j].part))
				why = known[j].why;
		if (found && why) {
			bad++;
			rl += (size_t)snprintf(report + rl, rl < sizeof report ? sizeof report - rl : 0,
					       "listed as differing but now equal: %s\n", n);
		} else if (found) {
			matched++;
		} else if (!why) {
			bad++;
			if (rl < sizeof report)
				rl += (size_t)snprintf(report + rl, sizeof report - rl, "renacer: %s\n", n);
		}
	}
	if (bad) {
		fprintf(stderr, "%s: strace's lines:\n", what);
		for (unsigned i = 0; i < s->n; i++)
			fprintf(stderr, "  %s\n", s->l[i]);
	}
	cr_assert_eq(bad, 0, "%s: %u lines differ from strace's:\n%s", what, bad, report);
	(void)unknown_ino;
	return matched;
}

/* must: a regular expression (runner.h's matches) the trace holds */
static void parity_fds(const char *opt, unsigned min_lines, const char *must)
{
	char dir[] = "/tmp/rn-fds-dXXXXXX";
	char *stext, *rtext;
	cr_assert_not_null(mkdtemp(dir));
	run_both(opt, opt, &stext, &rtext, dir);
	unsigned unknown = count_of(rtext, ":[?");
	cr_assert(matches(rtext, must), "%s: no %s in\n%s", opt, must, rtext);
	/* a call shown in halves has its names in the resumed half */
	cr_assert(!matches(rtext, "<\\.\\.\\. (read|write|lseek|close|sendto|recvfrom) resumed>[0-9]+[,)]"),
		  "%s: a resumed half without names:\n%s", opt, rtext);
	/* the thread's descriptor, read by the main thread */
	cr_assert(matches(rtext, "read\\([0-9]+</etc/hostname>, "), "%s", rtext);
	struct lines s, r;
	strace_lines(stext, &s, 0);
	renacer_lines(rtext, &r);
	unsigned matched = compare(&r, &s, opt);
	cr_assert_geq(matched, min_lines, "%s: only %u lines compared", opt, matched);
	fprintf(stderr, "fds %s: %u call lines equal strace's (%u inodes not readable in time)\n", opt,
		matched, unknown);
	free_lines(&s);
	free_lines(&r);
	free(stext);
	free(rtext);
	cleanup_dir(dir);
}

TestSuite(fds, .timeout = 120);

Test(fds, y_lines_equal_strace)
{
	/* a descriptor the exec closed is a plain number again */
	parity_fds("-y", 40, "fcntl\\([0-9]+, F_GETFD\\) += -1 EBADF");
}

Test(fds, yy_lines_equal_strace)
{
	/* the connecting end learns its own port from the accept */
	parity_fds("-yy", 40, "sendto\\([0-9]+<TCP:\\[127\\.0\\.0\\.1:[0-9]+->127\\.0\\.0\\.1:[0-9]+\\]>");
}

/* -P: renacer selects exactly the calls strace -P selects. */
Test(fds, trace_path_selects_what_strace_selects)
{
	char dir[] = "/tmp/rn-fds-dXXXXXX";
	char opt[64];
	char *stext, *rtext;
	/* the same path in both runs: the directory is made first */
	cr_assert_not_null(mkdtemp(dir));
	snprintf(opt, sizeof opt, "-P %s/a", dir);
	run_both(opt, opt, &stext, &rtext, dir);
	struct lines s, r;
	strace_lines(stext, &s, 1);
	renacer_lines(rtext, &r);
	unsigned matched = compare(&r, &s, opt);
	unsigned unmatched = 0;
	for (unsigned i = 0; i < s.n; i++)
		if (!s.used[i]) {
			fprintf(stderr, "strace -P only: %s\n", s.l[i]);
			unmatched++;
		}
	cr_assert_eq(unmatched, 0, "strace -P selected %u calls renacer -P did not:\n%s", unmatched, rtext);
	cr_assert_geq(matched, 10, "only %u lines", matched);
	fprintf(stderr, "fds -P: the same %u calls as strace -P\n", matched);
	free_lines(&s);
	free_lines(&r);
	free(stext);
	free(rtext);
	cleanup_dir(dir);
}

/* JSON keeps its keys and adds the names beside them. */
Test(fds, json_has_fd_paths_beside_args)
{
	char dir[] = "/tmp/rn-fds-jXXXXXX", rf[] = "/tmp/rn-fds-jrXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	close(mkstemp(rf));
	char *cmd;
	cr_assert(asprintf(&cmd, "%s --format json -y -o %s -- %s/fds_prog %s >/dev/null", RN_EXPORTER, rf,
			   RN_PROGS_DIR, dir) > 0);
	struct out o = sh_limit(cmd, 60);
	free(cmd);
	char *t = slurp(rf);
	unlink(rf);
	cr_assert_eq(o.status, 0, "%s", o.se);
	/* today's keys unchanged: "args" holds the plain number */
	cr_assert(matches(t, "\"syscall\":\"read\",\"func\":\"read\",\"args\":\\[\"[0-9]+\",[^]]*\\].*"
			     "\"fd_paths\":\\[\"/etc/passwd\",null,null\\]"), "%s", t);
	cr_assert(matches(t, "\"path\":\"/etc/passwd\",\"fd_paths\":\\[\"/[^\"]*\",null,null\\],"
			     "\"ret_path\":\"/etc/passwd\""), "%s", t);
	cr_assert(matches(t, "\"fd_pair_paths\":\\[\"pipe:\\["), "%s", t);
	free(t);
	cleanup_dir(dir);
}

/* --redact-paths applies to the names too, also those the exporter
 * resolves itself (a symbolic link's target). */
Test(fds, redaction_covers_descriptor_names)
{
	char dir[] = "/tmp/rn-fds-xXXXXXX", rf[] = "/tmp/rn-fds-xrXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	close(mkstemp(rf));
	char *cmd;
	cr_assert(asprintf(&cmd, "ln -s /etc/passwd %s/link && %s -y --redact-paths passwd -o %s -- "
				 "/bin/cat %s/link >/dev/null",
			   dir, RN_EXPORTER, rf, dir) > 0);
	struct out o = sh_limit(cmd, 60);
	free(cmd);
	char *t = slurp(rf);
	unlink(rf);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert(matches(t, "read\\([0-9]+</etc/\\[REDACTED\\]>, "), "%s", t);
	cr_assert_eq(count_of(t, "passwd"), 0, "%s", t);
	free(t);
	cleanup_dir(dir);
}

/* Bad values get one line naming the option and status 2. */
Test(fds, bad_values_are_refused)
{
	const char *bad[] = { "--decode-fds=paths", "-P \"\"", "-e decode-fds=sockets" };
	const char *why[] = { "expected a list of path, socket", "-P: invalid value '': empty path",
			      "expected a list of path, socket" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *cmd;
		cr_assert(asprintf(&cmd, "%s %s -- /bin/true", RN_EXPORTER, bad[i]) > 0);
		struct out o = sh_limit(cmd, 30);
		free(cmd);
		cr_assert_eq(o.status, 2, "%s: status %d", bad[i], o.status);
		cr_assert_eq(count_of(o.se, "\n"), 1, "%s: %s", bad[i], o.se);
		cr_assert(strstr(o.se, why[i]), "%s: %s", bad[i], o.se);
	}
}
