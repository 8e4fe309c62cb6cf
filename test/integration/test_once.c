/* test_once.c: every record arrives exactly once (issue 8): bursts under
 * the default options lose nothing, a loss under --on-full=drop is said on
 * stderr whatever -o says, an exporter killed mid-run and restarted
 * delivers every call once to a file, and every call's span to the OTLP
 * receiver (once, but for the window no client can close), and a call
 * still blocked when its process dies, or when --status asks, is shown. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../otlp/receiver.h"
#include "runner.h"

/* A figure for whoever reads the log, on stderr: Criterion's own log
 * messages (cr_log_*) cost a leak report under LeakSanitizer now and then
 * (48 bytes in its runner process) and a warning turns a pass into exit 1. */
#define NOTE(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr))

/* the bursts here take longer than most runs */
#define SH(cmd) sh_limit((cmd), 120)

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

/* The ASan build (tools/test) runs the long kill cases at a quarter of
 * their size, kill points included: the same paths, within its time. */
#if defined(__SANITIZE_ADDRESS__)
#define RN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RN_ASAN 1
#endif
#endif
#ifndef RN_ASAN
#define RN_ASAN 0
#endif
#define SCALED(n) (RN_ASAN ? (n) / 4 : (n))

/* "A B": the two trace sizes at which the exporter is killed, scaled */
static const char *kill_at(unsigned long a, unsigned long b)
{
	static char buf[64];
	snprintf(buf, sizeof buf, "%lu %lu", SCALED(a), SCALED(b));
	return buf;
}

Test(once, a_burst_of_closes_loses_nothing_under_defaults)
{
	/* a daemon's start: 65000 closes, then 1000 reads; the text sink is
	 * far slower than the loop, and the default waits for it */
	char tr[] = "/tmp/rn-once-tXXXXXX";
	close(mkstemp(tr));
	char cmd[512];
	snprintf(cmd, sizeof cmd, RN " -e trace=close,read -o %s -- " BURST " close 65000 1000", tr);
	struct out o = SH(cmd);
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
	struct out o = SH(cmd);
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
	struct out o = SH(cmd);
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

/* Runs burst seek N under renacer-run with extra options, and kills its
 * exporter (kill -9) each time the trace file has grown past one of the
 * given sizes; renacer-run restarts it. Returns the run; *trace the file.
 * A full ring waits up to 60 s for the restarted exporter's heartbeat
 * (RENACER_BLOCK_WAIT_MS; 2 s by default): an ASan exporter on a loaded
 * machine takes longer than 2 s to start, and the rings would drop. */
static struct out run_killing_exporter_held(const char *opts, unsigned long n, char **trace,
					    const char *sizes, int hold)
{
	char tr[] = "/tmp/rn-once-tXXXXXX";
	close(mkstemp(tr));
	char *cmd, *prog;
	/* hold: the program stays alive until the kills are done (it waits
	 * for TRACE.go), for the OTLP tests: spans of a process that ended
	 * just before a kill are the one loss not covered yet
	 * (docs/RELIABILITY.md, "Not covered yet") */
	if (hold)
		cr_assert(asprintf(&prog, "sh -c \"" BURST " seek %lu; while [ ! -e %s.go ]; do "
				   "sleep 0.01; done\"", n, tr) > 0);
	else
		cr_assert(asprintf(&prog, BURST " seek %lu", n) > 0);
	cr_assert(asprintf(&cmd,
			   "RENACER_BLOCK_WAIT_MS=60000 RENACER_RING_SIZE=%s " RN " %s -e trace=lseek -o %s -- "
			   "%s & L=$!; "
			   "for s in %s; do "
			   /* alive, not a zombie: kill -0 succeeds on one, and a
			    * trace that never grows that large would loop on */
			   "while [ $(stat -c %%s %s) -lt $s ] && ps -o stat= -p $L | grep -qv Z; do sleep 0.005; done; "
			   "kill -9 $(pgrep -P $L -x renacer-exporte) 2>/dev/null; done; : >%s.go; wait $L",
			   strstr(opts, "drop") ? "1024" : "16384", opts, tr, prog, sizes, tr, tr) > 0);
	free(prog);
	struct out o = SH(cmd);
	free(cmd);
	*trace = slurp(tr);
	unlink(tr);
	cr_assert(asprintf(&cmd, "%s.go", tr) > 0);
	unlink(cmd);
	free(cmd);
	return o;
}

static struct out run_killing_exporter(const char *opts, unsigned long n, char **trace,
				       const char *sizes)
{
	return run_killing_exporter_held(opts, n, trace, sizes, 0);
}

/* Every call of burst seek N returns its own offset: counts how many of
 * 0..n-1 are missing and how many lines repeat one, reading the value
 * after 'key' on each line. */
static void seek_tally(const char *t, const char *key, unsigned long n, unsigned long *missing,
		       unsigned long *repeated)
{
	unsigned char *seen = calloc(n, 1);
	*missing = *repeated = 0;
	size_t kl = strlen(key);
	const char *end = t + strlen(t);	/* memmem: see count_of */
	for (const char *l = t; (l = memmem(l, (size_t)(end - l), key, kl)); l += kl) {
		unsigned long v = strtoul(l + kl, NULL, 10);
		if (v < n && seen[v]++)
			(*repeated)++;
	}
	unsigned long runs = 0, first = n;
	for (unsigned long i = 0; i < n; i++) {
		*missing += !seen[i];
		runs += !seen[i] && (i == 0 || seen[i - 1]);
		if (!seen[i] && first == n)
			first = i;
	}
	if (*missing)	/* where, for whoever reads the failure */
		fprintf(stderr, "seek_tally: %lu missing in %lu runs, the first at %lu\n", *missing,
			runs, first);
	free(seen);
}

Test(once, a_killed_exporter_repeats_and_skips_nothing_in_a_text_file)
{
	/* 2,000,000 calls; the exporter killed twice while it writes: the
	 * restarted one cuts the file back to what the dead one committed
	 * and resumes from the heads committed with it */
	char *t;
	unsigned long n = SCALED(2000000), missing, repeated;
	struct out o = run_killing_exporter("", n, &t, kill_at(10000000, 40000000));
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_geq(count_of(o.se, "restarting"), 1, "the exporter was not killed: %s", o.se);
	cr_assert_eq(count_of(t, "lost"), 0);
	seek_tally(t, " = ", n, &missing, &repeated);
	cr_assert_eq(repeated, 0, "%lu calls written twice", repeated);
	cr_assert_eq(missing, 0, "%lu calls missing", missing);
	cr_assert_eq(calls_of(t, "lseek"), n);
	/* every line whole: a cut in the middle of one would show here */
	cr_assert_eq(count_of(t, "SEEK_SET)"), n);
	free(t);
}

Test(once, a_killed_exporter_repeats_and_skips_nothing_in_a_json_file)
{
	char *t;
	unsigned long n = SCALED(2000000), missing, repeated;
	struct out o = run_killing_exporter("--format json", n, &t, kill_at(30000000, 120000000));
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_geq(count_of(o.se, "restarting"), 1, "the exporter was not killed: %s", o.se);
	seek_tally(t, "\"ret\":", n, &missing, &repeated);
	cr_assert_eq(repeated, 0, "%lu calls written twice", repeated);
	cr_assert_eq(missing, 0, "%lu calls missing", missing);
	cr_assert_eq(count_of(t, "\"syscall\":\"lseek\""), n);
	free(t);
}

/* Runs blockread MODE under renacer-run with opts, waits until it is
 * blocked, runs 'then' (a shell snippet; $P is the program, $D its session
 * directory), then kills the program with SIGKILL. */
static struct out run_blocked(const char *opts, const char *mode, const char *then, char **trace)
{
	char tr[] = "/tmp/rn-once-tXXXXXX", so[] = "/tmp/rn-once-sXXXXXX";
	close(mkstemp(tr));
	close(mkstemp(so));
	char *cmd;
	cr_assert(asprintf(&cmd,
			   RN " %s -o %s -- " RN_PROGS_DIR "/blockread %s >%s & L=$!; "
			   "until grep -q ready %s; do sleep 0.01; done; "
			   "P=$(pgrep -P $L -x blockread); "
			   "D=$(tr \"\\0\" \"\\n\" </proc/$P/environ | sed -n \"s/^RENACER_SESSION_DIR=//p\"); "
			   "%s; kill -9 $P; wait $L",
			   opts, tr, mode, so, so, then) > 0);
	struct out o = SH(cmd);
	free(cmd);
	*trace = slurp(tr);
	unlink(tr);
	unlink(so);
	return o;
}

Test(once, a_call_blocked_when_its_process_is_killed_is_shown_unfinished)
{
	/* accept() that never returns, then SIGKILL: strace's form in the
	 * text, an unfinished call in the JSON */
	char *t;
	struct out o = run_blocked("", "accept", "true", &t);
	cr_assert_eq(o.status, 128 + 9, "%s", o.se);
	cr_assert(strstr(t, "accept(... <unfinished ...>\n+++ killed by SIGKILL +++"), "%s", t);
	free(t);
	o = run_blocked("--format json", "read", "true", &t);
	cr_assert_eq(o.status, 128 + 9, "%s", o.se);
	cr_assert(strstr(t, "\"syscall\":\"read\",\"func\":\"read\",\"args\":[],\"unfinished\":true,"
			    "\"blocked\":true"), "%s", t);
	free(t);
}

Test(once, status_shows_the_call_a_live_thread_is_in)
{
	char *t;
	struct out o = run_blocked("", "accept", RN " --status $D", &t);
	cr_assert_eq(o.status, 128 + 9, "%s", o.se);
	cr_assert(strstr(o.so, "\"in_call\":[{\"pid\":"), "%s", o.so);
	cr_assert(strstr(o.so, "\"call\":\"accept\",\"func\":\"accept\""), "%s", o.so);
	free(t);
}

Test(once, a_killed_exporter_under_drop_accounts_for_every_call)
{
	/* --on-full=drop and the smallest ring: calls are lost while the
	 * exporter is dead and restarting; each is either in the file once
	 * or counted as lost, and the count is said on stderr too */
	char *t;
	unsigned long n = SCALED(2000000), missing, repeated;
	struct out o = run_killing_exporter("--on-full=drop", n, &t, kill_at(200000, 1000000));
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_geq(count_of(o.se, "restarting"), 1, "the exporter was not killed: %s", o.se);
	seek_tally(t, " = ", n, &missing, &repeated);
	unsigned long lost = lost_in(t);
	cr_assert_eq(repeated, 0, "%lu calls written twice", repeated);
	cr_assert_eq(lost_in(o.se), lost, "stderr and the trace disagree: %s", o.se);
	cr_assert_eq(calls_of(t, "lseek") + lost, n, "%lu written + %lu lost", calls_of(t, "lseek"),
		     lost);
	cr_assert_eq(missing, lost);
	NOTE("%lu calls: %lu written, %lu lost and counted", n, n - lost, lost);
	free(t);
}

Test(once, a_call_blocked_when_its_process_is_killed_is_an_unfinished_span)
{
	/* OTLP: a span named for the call, marked unfinished, status unset */
	char f[] = "/tmp/rn-once-fXXXXXX";
	close(mkstemp(f));
	char opts[128], *t;
	snprintf(opts, sizeof opts, "-q -e trace=accept --otlp-file %s", f);
	struct out o = run_blocked(opts, "accept", "true", &t);
	cr_assert_eq(o.status, 128 + 9, "%s", o.se);
	char *j = slurp(f);
	unlink(f);
	const char *sp = strstr(j, "\"name\":\"accept\"");
	cr_assert_not_null(sp, "no accept span: %s", j);
	/* the span runs to the next span, or to the end of the line */
	const char *end = strstr(sp, "{\"traceId\"");
	if (!end)
		end = sp + strcspn(sp, "\n");
	char *span = strndup(sp, (size_t)(end - sp));
	cr_assert(strstr(span, "{\"key\":\"renacer.syscall.unfinished\",\"value\":{\"boolValue\":true"), "%s", span);
	cr_assert_null(strstr(span, "\"status\""), "status set: %s", span);
	free(span);
	free(j);
	free(t);
}

/* ------------------------------------------------ OTLP across a kill -9 */

/* The receiver's tally of a burst seek run: each lseek span's offset
 * (renacer.syscall.ret), how often it came, and the span id it first came with. */
struct seek_rx {
	unsigned long n;
	unsigned char *seen;	/* per offset: times received (saturates) */
	uint8_t (*id)[8];	/* per offset: the first span id */
	unsigned long spans, other_id;	/* lseek spans; repeats with a new id */
};

static void seek_rx_span(void *ctx, const struct rx_span *sp)
{
	struct seek_rx *t = ctx;
	const char *v = rx_attr(sp, "renacer.syscall.ret");
	if (strcmp(sp->name, "lseek") || !v)
		return;
	unsigned long off = strtoul(v, NULL, 10);
	t->spans++;
	if (off >= t->n)
		return;
	if (!t->seen[off])
		memcpy(t->id[off], sp->span_id, 8);
	else if (memcmp(t->id[off], sp->span_id, 8))
		t->other_id++;
	if (t->seen[off] < 255)
		t->seen[off]++;
}

/* Offsets never received, offsets received more than once, and the runs
 * (consecutive offsets) the repeats form: a resend after a kill is one
 * run, the records between the last recorded acknowledgement and the
 * kill. */
static void seek_rx_sum(const struct seek_rx *t, unsigned long *missing, unsigned long *repeated,
			unsigned long *runs)
{
	*missing = *repeated = *runs = 0;
	unsigned long first = t->n;
	for (unsigned long i = 0; i < t->n; i++) {
		if (!t->seen[i] && first == t->n)
			first = i;
		*missing += !t->seen[i];
		if (t->seen[i] > 1) {
			*repeated += t->seen[i] - 1u;
			*runs += i == 0 || t->seen[i - 1] < 2;
		}
	}
	if (*missing)
		fprintf(stderr, "seek_rx: %lu offsets never received, the first %lu\n", *missing, first);
}

/* burst seek n under renacer-run, text trace and OTLP to the loopback
 * receiver (extra: more options), the exporter killed (-9) as the text
 * grows past each of 'sizes'; everything the receiver took is tallied. */
static struct out run_otlp_killing_exporter(struct rx *rx, struct seek_rx *t, const char *extra,
					    unsigned long n, const char *sizes, char **trace)
{
	t->n = n;
	t->seen = calloc(n, 1);
	t->id = calloc(n, 8);
	cr_assert(t->seen && t->id);
	rx->discard = 1;
	rx->tally_ctx = t;
	rx->tally = seek_rx_span;
	char *opts;
	cr_assert(asprintf(&opts, "-q --otlp-endpoint %s %s", rx->url, extra) > 0);
	struct out o = run_killing_exporter_held(opts, n, trace, sizes, 1);
	free(opts);
	return o;
}

/* The lseek spans of an OTLP JSON lines file, tallied as the receiver's. */
static void seek_file_tally(const char *j, struct seek_rx *t)
{
	static const char key[] = "\"renacer.syscall.ret\",\"value\":{\"intValue\":\"";
	memset(t->seen, 0, t->n);
	const char *end = j + strlen(j);	/* memmem: see count_of */
	for (const char *l = j; (l = memmem(l, (size_t)(end - l), key, sizeof key - 1));
	     l += sizeof key - 1) {
		unsigned long off = strtoul(l + sizeof key - 1, NULL, 10);
		if (off < t->n && t->seen[off] < 255)
			t->seen[off]++;
	}
}

Test(once, a_killed_exporter_sends_every_span_once_but_for_the_acknowledged_window)
{
	/* 100,000 calls, the exporter killed twice while it exports to the
	 * receiver, to --otlp-file and to a text file: every call's span
	 * arrives; a span arrives twice only when the kill fell between the
	 * receiver's acknowledgement (or the file write) and the commit
	 * record that holds it, the one window no client can close: then
	 * with the same span id, one run of calls per kill. The restarted
	 * exporter appends to --otlp-file (it used to truncate it) after
	 * cutting a line the kill left half written. */
	struct rx *rx = rx_start(NULL, 0);
	cr_assert_not_null(rx);
	char f[] = "/tmp/rn-once-fXXXXXX", extra[64];
	close(mkstemp(f));
	snprintf(extra, sizeof extra, "--otlp-file %s", f);
	struct seek_rx t = { 0 };
	char *tr;
	unsigned long n = SCALED(100000), missing, repeated, runs, tmiss, trep;
	struct out o = run_otlp_killing_exporter(rx, &t, extra, n, kill_at(500000, 2000000), &tr);
	cr_assert_eq(o.status, 0, "%s", o.se);
	unsigned kills = count_of(o.se, "restarting");
	cr_assert_geq(kills, 1, "the exporter was not killed: %s", o.se);
	/* the text file stays exactly once beside it */
	seek_tally(tr, " = ", n, &tmiss, &trep);
	cr_assert_eq(trep + tmiss, 0, "text: %lu repeated, %lu missing: %s", trep, tmiss, o.se);
	pthread_mutex_lock(&rx->mu);
	seek_rx_sum(&t, &missing, &repeated, &runs);
	pthread_mutex_unlock(&rx->mu);
	rx_stop(rx);
	NOTE("OTLP, %lu calls, exporter killed %u times: %lu spans received, %lu missing, "
	     "%lu received twice in %lu runs", n, kills, t.spans, missing, repeated, runs);
	cr_assert_eq(missing, 0, "%lu calls' spans never arrived: %s", missing, o.se);
	cr_assert_eq(t.other_id, 0, "a call came again with another span id");
	cr_assert_leq(runs, kills, "repeats beyond the acknowledged-not-recorded window");

	char *spans = slurp(f);
	unlink(f);
	seek_file_tally(spans, &t);
	seek_rx_sum(&t, &missing, &repeated, &runs);
	NOTE("--otlp-file: %lu missing, %lu written twice in %lu runs", missing, repeated, runs);
	cr_assert_eq(missing, 0, "%lu calls' spans are not in the file", missing);
	cr_assert_leq(runs, kills, "repeats beyond the written-not-recorded window");
	/* every line whole: one request body each (spans, or a metrics
	 * export), none cut by the kill */
	unsigned lines = count_of(spans, "\n"), sp = count_of(spans, "{\"resourceSpans\""),
		 starts = sp + count_of(spans, "{\"resourceMetrics\"");
	cr_assert_eq(starts, lines, "%u bodies on %u lines: one was torn", starts, lines);
	cr_assert_eq(count_of(spans, "]}]}]}\n"), lines);
	free(spans);
	free(t.seen);
	free(t.id);
	free(tr);
}

Test(once, a_killed_exporter_with_the_receiver_down_spools_every_span_once_for_replay)
{
	/* the receiver refuses for the whole run and the exporter is killed
	 * twice: what the dead exporters had spooled is durable, what they
	 * held in memory is read again by their successors; once the
	 * receiver is back, --replay delivers every call's span, repeats
	 * only in the window (spooled, not yet recorded), same ids */
	struct rx *rx = rx_start(NULL, 0);
	cr_assert_not_null(rx);
	rx_set_mode(rx, RX_REFUSE);
	char sp[] = "/tmp/rn-once-spXXXXXX", extra[128];
	cr_assert_not_null(mkdtemp(sp));
	snprintf(extra, sizeof extra, "--spool-dir %s/spool", sp);
	struct seek_rx t = { 0 };
	char *tr;
	unsigned long n = 40000, missing, repeated, runs;
	struct out o = run_otlp_killing_exporter(rx, &t, extra, n, "300000 900000", &tr);
	cr_assert_eq(o.status, 0, "%s", o.se);
	unsigned kills = count_of(o.se, "restarting");
	cr_assert_geq(kills, 1, "the exporter was not killed: %s", o.se);
	cr_assert_eq(rx->accepted, 0);
	rx_set_mode(rx, RX_UP);
	char *cmd;
	cr_assert(asprintf(&cmd, RN " --replay %s/spool --otlp-endpoint %s", sp, rx->url) > 0);
	struct out r = SH(cmd);
	free(cmd);
	cr_assert_eq(r.status, 0, "%s", r.se);
	pthread_mutex_lock(&rx->mu);
	seek_rx_sum(&t, &missing, &repeated, &runs);
	pthread_mutex_unlock(&rx->mu);
	rx_stop(rx);
	NOTE("OTLP, receiver down, %lu calls, exporter killed %u times, then --replay: %lu spans "
	     "received, %lu missing, %lu twice in %lu runs", n, kills, t.spans, missing, repeated, runs);
	cr_assert_eq(missing, 0, "%lu calls' spans never arrived: %s", missing, o.se);
	cr_assert_eq(t.other_id, 0, "a call came again with another span id");
	cr_assert_leq(runs, kills, "repeats beyond the spooled-not-recorded window");
	cr_assert(asprintf(&cmd, "rm -rf %s", sp) > 0);
	free(SH(cmd).so);
	free(cmd);
	free(t.seen);
	free(t.id);
	free(tr);
}

/* ------------------------------------ OTLP: ends and the end across a kill */

/* The receiver's tally of every span of a run: lseek spans by offset (as
 * seek_rx) and the process spans of 'exe' (by pid: how often each came). */
struct end_rx {
	struct seek_rx seek;
	const char *exe;
	unsigned procs, proc_twice;	/* exe's process spans; repeats of any */
	unsigned root;		/* sh's process spans */
	uint8_t proc_id[256][8];
	unsigned nproc_ids;
};

static void end_rx_span(void *ctx, const struct rx_span *sp)
{
	struct end_rx *t = ctx;
	seek_rx_span(&t->seek, sp);
	if (strcmp(sp->name, "lseek") && rx_attr(sp, "process.pid")) {
		/* any process span: sh's and its sleeps' too, each once */
		for (unsigned i = 0; i < t->nproc_ids; i++)
			if (!memcmp(t->proc_id[i], sp->span_id, 8))
				t->proc_twice++;
		if (t->nproc_ids < 256)
			memcpy(t->proc_id[t->nproc_ids++], sp->span_id, 8);
		t->root += !strcmp(sp->name, "dash") || !strcmp(sp->name, "sh");
	}
	if (!strcmp(sp->name, t->exe) && rx_attr(sp, "process.pid"))
		t->procs++;
}

/* burst seek n in sh, which then waits for TRACE.go; the text trace in a
 * file, OTLP to rx with a batch delay longer than the run (nothing is
 * sent before the end unless a batch fills). 'when' is a shell condition
 * on $T (the trace) and $X (a file the test makes); once it holds, the
 * exporter is killed (-9), then TRACE.go is made. */
static struct out run_otlp_kill_when_then(struct rx *rx, struct end_rx *t, unsigned long n,
					  const char *extra, const char *when, const char *after,
					  char **trace, char *xfile)
{
	t->seek.n = n;
	t->seek.seen = calloc(n, 1);
	t->seek.id = calloc(n, 8);
	cr_assert(t->seek.seen && t->seek.id);
	t->exe = "burst";
	rx->discard = 1;
	rx->tally_ctx = t;
	rx->tally = end_rx_span;
	char tr[] = "/tmp/rn-once-tXXXXXX";
	close(mkstemp(tr));
	snprintf(xfile, 64, "%s.x", tr);
	char *cmd;
	cr_assert(asprintf(&cmd,
			   "T=%s; X=%s; RENACER_BLOCK_WAIT_MS=60000 " RN " %s --otlp-endpoint %s "
			   "--otlp-batch-delay 60000 -e trace=lseek -o $T -- sh -c \"" BURST
			   " seek %lu; while [ ! -e $T.go ]; do sleep 0.01; done\" & L=$!; "
			   "until %s || ! kill -0 $L 2>/dev/null; do sleep 0.005; done; "
			   "kill -9 $(pgrep -P $L -x renacer-exporte) 2>/dev/null; "
			   "until %s || ! kill -0 $L 2>/dev/null; do sleep 0.005; done; "
			   ": >$T.go; wait $L",
			   tr, xfile, extra, rx->url, n, when, after) > 0);
	struct out o = SH(cmd);
	free(cmd);
	*trace = slurp(tr);
	unlink(tr);
	cr_assert(asprintf(&cmd, "%s.go", tr) > 0);
	unlink(cmd);
	free(cmd);
	unlink(xfile);
	return o;
}

static struct out run_otlp_kill_when(struct rx *rx, struct end_rx *t, unsigned long n,
				     const char *when, char **trace, char *xfile)
{
	return run_otlp_kill_when_then(rx, t, n, "-q", when, "true", trace, xfile);
}

Test(once, a_process_that_ended_just_before_the_kill_sends_every_span_once)
{
	/* burst ends, its exit is in the text, its spans wait in the OTLP
	 * queue (the batch delay is longer than the run): the exporter is
	 * killed then. The restarted one must still send every span of
	 * the process, its process span included, once; the text keeps
	 * one line per call and one exit line for it. */
	struct rx *rx = rx_start(NULL, 0);
	cr_assert_not_null(rx);
	struct end_rx t = { 0 };
	char *tr, x[64];
	unsigned long n = 300, missing, repeated, runs, tmiss, trep;
	struct out o = run_otlp_kill_when(rx, &t, n, "grep -q exited $T", &tr, x);
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_eq(count_of(o.se, "restarting"), 1, "the exporter was not killed: %s", o.se);
	seek_tally(tr, " = ", n, &tmiss, &trep);
	cr_assert_eq(trep + tmiss, 0, "text: %lu repeated, %lu missing: %s", trep, tmiss, tr);
	/* burst's own exit line, once (sh's sleeps exit too) */
	int bpid = 0;
	const char *l = strstr(tr, "] lseek(");
	cr_assert_not_null(l, "%s", tr);
	while (l > tr && l[-1] != '\n')
		l--;
	cr_assert_eq(sscanf(l, "[pid %d]", &bpid), 1, "%s", l);
	char ex[64];
	snprintf(ex, sizeof ex, "[pid %5d] +++ exited with 0 +++", bpid);
	cr_assert_eq(count_of(tr, ex), 1, "%s", tr);
	pthread_mutex_lock(&rx->mu);
	seek_rx_sum(&t.seek, &missing, &repeated, &runs);
	pthread_mutex_unlock(&rx->mu);
	rx_stop(rx);
	NOTE("OTLP, a process ended then the exporter killed: %lu spans received, %lu missing, "
	     "%lu twice, %u process spans of burst", t.seek.spans, missing, repeated, t.procs);
	cr_assert_eq(missing, 0, "%lu calls' spans never arrived: %s", missing, o.se);
	/* burst's spans are sent when its thread ends (the session hurries
	 * the sink for an ended ring): a kill right after their
	 * acknowledgement, before the commit records it, repeats them (the
	 * window no client can close), with the same ids */
	cr_assert_leq(runs, 1, "%lu calls' spans arrived twice in %lu runs", repeated, runs);
	cr_assert_eq(t.seek.other_id, 0, "a call came again with another span id");
	cr_assert_eq(t.procs, 1, "burst's process span came %u times", t.procs);
	cr_assert_eq(t.proc_twice, 0, "%u process spans came twice", t.proc_twice);
	free(t.seek.seen);
	free(t.seek.id);
	free(tr);
}

/* Runs the command of run_otlp_kill_when in a thread (the test watches
 * the receiver meanwhile). */
struct bg_run {
	struct rx *rx;
	struct end_rx *t;
	unsigned long n;
	const char *when, *extra, *after;
	char *trace;
	char x[64];
	struct out o;
};

static void *bg_run_main(void *arg)
{
	struct bg_run *b = arg;
	b->o = run_otlp_kill_when_then(b->rx, b->t, b->n, b->extra ? b->extra : "-q", b->when,
				       b->after ? b->after : "true", &b->trace, b->x);
	return NULL;
}

/* Waits (60 s at most) for path to exist; 1 when it does. */
static int wait_file(const char *path)
{
	for (int i = 0; i < 6000; i++) {
		if (!access(path, F_OK))
			return 1;
		usleep(10000);
	}
	return 0;
}

Test(once, a_kill_during_the_final_export_is_delivered_once_by_the_restart)
{
	/* The program has ended; the exporter sends its one batch at the
	 * end, and the receiver reads it and hangs up (no answer: nothing
	 * kept), again and again: the exporter is killed then. The
	 * restarted exporter must send every span once. */
	struct rx *rx = rx_start(NULL, 0);
	cr_assert_not_null(rx);
	rx_set_mode(rx, RX_HANGUP);
	struct end_rx t = { 0 };
	struct bg_run b = { .rx = rx, .t = &t, .n = 300 };
	char when[160];
	/* the test makes X once the final export has been hung up on */
	b.when = when;
	pthread_t th;
	/* X's name is made in run_otlp_kill_when: wait on a name we know */
	char xname[] = "/tmp/rn-once-xXXXXXX";
	close(mkstemp(xname));
	unlink(xname);
	snprintf(when, sizeof when, "[ -e %s ]", xname);
	cr_assert_eq(pthread_create(&th, NULL, bg_run_main, &b), 0);
	/* hung-up requests: the final export has begun (nothing is sent
	 * before: the batch delay is longer than the run) */
	int hung = 0;
	for (int i = 0; i < 60000 && !hung; i += 10) {
		pthread_mutex_lock(&rx->mu);
		for (size_t r = 0; r < rx->nreqs; r++)
			hung |= rx->reqs[r].status == 0;
		pthread_mutex_unlock(&rx->mu);
		if (!hung)
			usleep(10000);
	}
	rx_set_mode(rx, RX_UP);
	close(open(xname, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	pthread_join(th, NULL);
	unlink(xname);
	cr_assert(hung, "the final export never reached the receiver");
	struct out o = b.o;
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_eq(count_of(o.se, "restarting"), 1, "the exporter was not killed: %s", o.se);
	unsigned long missing, repeated, runs, tmiss, trep;
	seek_tally(b.trace, " = ", b.n, &tmiss, &trep);
	cr_assert_eq(trep + tmiss, 0, "text: %lu repeated, %lu missing", trep, tmiss);
	pthread_mutex_lock(&rx->mu);
	seek_rx_sum(&t.seek, &missing, &repeated, &runs);
	pthread_mutex_unlock(&rx->mu);
	rx_stop(rx);
	NOTE("OTLP, killed in the final export: %lu spans received, %lu missing, %lu twice, "
	     "%u process spans of burst", t.seek.spans, missing, repeated, t.procs);
	cr_assert_eq(missing, 0, "%lu calls' spans never arrived: %s", missing, o.se);
	cr_assert_eq(repeated, 0, "%lu calls' spans arrived twice", repeated);
	cr_assert_eq(t.procs, 1, "burst's process span came %u times", t.procs);
	cr_assert_eq(t.root, 1, "sh's process span came %u times", t.root);
	cr_assert_eq(t.proc_twice, 0, "%u process spans came twice", t.proc_twice);
	free(t.seek.seen);
	free(t.seek.id);
	free(b.trace);
}

Test(once, a_restarted_exporter_sends_the_spool_its_predecessor_left)
{
	/* The receiver refuses; burst ends and its spans go to the spool
	 * (durable there); the exporter is killed; the receiver comes back.
	 * The restarted exporter takes the dead one's spool on and sends it
	 * itself, once: no --replay, nothing left in the spool. */
	struct rx *rx = rx_start(NULL, 0);
	cr_assert_not_null(rx);
	rx_set_mode(rx, RX_REFUSE);
	char sp[] = "/tmp/rn-once-spXXXXXX", xname[] = "/tmp/rn-once-xXXXXXX";
	cr_assert_not_null(mkdtemp(sp));
	close(mkstemp(xname));
	unlink(xname);
	char extra[128], when[160], after[160], killed[96];
	snprintf(extra, sizeof extra, "--spool-dir %s/spool", sp);
	snprintf(when, sizeof when, "ls %s/spool/*.batch >/dev/null 2>&1", sp);
	snprintf(killed, sizeof killed, "%s.killed", xname);
	snprintf(after, sizeof after, ": >%s; [ -e %s ]", killed, xname);
	struct end_rx t = { 0 };
	struct bg_run b = { .rx = rx, .t = &t, .n = 300, .extra = extra, .when = when,
			    .after = after };
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, bg_run_main, &b), 0);
	int was_killed = wait_file(killed);
	rx_set_mode(rx, RX_UP);
	close(open(xname, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	pthread_join(th, NULL);
	unlink(xname);
	unlink(killed);
	cr_assert(was_killed, "no batch was ever spooled");
	struct out o = b.o;
	cr_assert_eq(o.status, 0, "%s", o.se);
	cr_assert_eq(count_of(o.se, "restarting"), 1, "the exporter was not killed: %s", o.se);
	unsigned long missing, repeated, runs;
	pthread_mutex_lock(&rx->mu);
	seek_rx_sum(&t.seek, &missing, &repeated, &runs);
	pthread_mutex_unlock(&rx->mu);
	rx_stop(rx);
	char *cmd;
	cr_assert(asprintf(&cmd, "ls %s/spool | grep -c batch", sp) > 0);
	struct out left = SH(cmd);
	free(cmd);
	NOTE("OTLP, receiver down, the exporter killed with a spooled batch, then up: %lu spans "
	     "received, %lu missing, %lu twice in %lu runs; spool left: %s", t.seek.spans, missing,
	     repeated, runs, left.so);
	cr_assert_eq(missing, 0, "%lu calls' spans never arrived: %s", missing, o.se);
	cr_assert_eq(t.seek.other_id, 0, "a call came again with another span id");
	cr_assert_leq(runs, 1, "repeats beyond the spooled-not-recorded window");
	cr_assert_str_eq(left.so, "0\n", "batches left in the spool: %s", o.se);
	cr_assert_null(strstr(o.se, "--replay"), "%s", o.se);
	cr_assert(strstr(o.se, "an earlier exporter left in"), "the adoption is not said: %s", o.se);
	free(left.so);
	free(left.se);
	cr_assert(asprintf(&cmd, "rm -rf %s", sp) > 0);
	free(SH(cmd).so);
	free(cmd);
	free(t.seek.seen);
	free(t.seek.id);
	free(b.trace);
}
