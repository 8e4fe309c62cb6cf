/* ctl_top.c: `renacer-ctl top`: live rates from the exporter's JSON
 * stream (sink_tail.c): calls and errors per second and p99 latency per
 * syscall, calls per process, and the call each blocked thread is in
 * (from `status`), refreshed every -d seconds. -b writes plain frames one
 * after another (for logs and tests); -n stops after that many frames.
 * Memory is bounded: at most RN_TOP_ROWS syscalls and processes, and
 * RN_TOP_SAMPLES latencies per syscall per frame (p99 of those).
 */
#include "ctl.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RN_TOP_ROWS 512
#define RN_TOP_SAMPLES 4096
#define RN_TOP_SHOW 12

struct rn_top_row {
	char name[32];		/* syscall, or the pid as text */
	uint64_t calls, errors;
	uint32_t nsamp;
	uint64_t *samp;		/* RN_TOP_SAMPLES durations, ns (syscall rows) */
};

struct rn_top {
	struct rn_top_row sys[RN_TOP_ROWS], pid[RN_TOP_ROWS];
	unsigned nsys, npid;
	uint64_t calls, errors, other;	/* other: rows that did not fit */
};

static struct rn_top_row *rn_row(struct rn_top_row *rows, unsigned *n, const char *name)
{
	for (unsigned i = 0; i < *n; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	if (*n == RN_TOP_ROWS)
		return NULL;
	struct rn_top_row *r = &rows[(*n)++];
	snprintf(r->name, sizeof r->name, "%s", name);
	return r;
}

static void rn_top_add(struct rn_top *t, const char *line)
{
	char sys[32], pid[16], err[32], dur[24];
	if (rn_ctl_json_get(line, "syscall", sys, sizeof sys) < 0 ||
	    rn_ctl_json_get(line, "pid", pid, sizeof pid) < 0)
		return;	/* not a call: an exit or a note */
	int failed = rn_ctl_json_get(line, "errno", err, sizeof err) > 0;
	uint64_t d = rn_ctl_json_get(line, "dur_ns", dur, sizeof dur) > 0 ? strtoull(dur, NULL, 10)
									  : 0;
	t->calls++;
	t->errors += (uint64_t)failed;
	struct rn_top_row *s = rn_row(t->sys, &t->nsys, sys), *p = rn_row(t->pid, &t->npid, pid);
	if (!s || !p) {
		t->other++;
		return;
	}
	s->calls++;
	s->errors += (uint64_t)failed;
	p->calls++;
	p->errors += (uint64_t)failed;
	if (!s->samp)
		s->samp = malloc(RN_TOP_SAMPLES * sizeof *s->samp);
	if (s->samp && s->nsamp < RN_TOP_SAMPLES)
		s->samp[s->nsamp++] = d;
}

static int rn_u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int rn_rowcmp(const void *a, const void *b)
{
	const struct rn_top_row *x = a, *y = b;
	return x->calls > y->calls ? -1 : x->calls < y->calls;
}

static void rn_fmt_ns(char *buf, size_t cap, uint64_t ns)
{
	if (ns < 10000)
		snprintf(buf, cap, "%lluns", (unsigned long long)ns);
	else if (ns < 10000000)
		snprintf(buf, cap, "%.1fus", (double)ns / 1e3);
	else
		snprintf(buf, cap, "%.1fms", (double)ns / 1e6);
}

static void rn_top_show(struct rn_top *t, const char *dir, double secs, int batch)
{
	char when[32];
	time_t now = time(NULL);
	strftime(when, sizeof when, "%H:%M:%S", localtime(&now));
	if (!batch)
		fputs("\033[H\033[2J", stdout);
	printf("renacer top  %s  %s  %.0f calls/s  %.0f errors/s  %u processes\n", dir, when,
	       (double)t->calls / secs, (double)t->errors / secs, t->npid);
	qsort(t->sys, t->nsys, sizeof *t->sys, rn_rowcmp);
	printf("\n%-20s %12s %12s %10s\n", "SYSCALL", "CALLS/S", "ERRORS/S", "P99");
	for (unsigned i = 0; i < t->nsys && i < RN_TOP_SHOW; i++) {
		struct rn_top_row *r = &t->sys[i];
		char p99[24] = "-";
		if (r->nsamp) {
			qsort(r->samp, r->nsamp, sizeof *r->samp, rn_u64cmp);
			rn_fmt_ns(p99, sizeof p99, r->samp[(r->nsamp - 1) * 99 / 100]);
		}
		printf("%-20s %12.0f %12.0f %10s\n", r->name, (double)r->calls / secs,
		       (double)r->errors / secs, p99);
	}
	qsort(t->pid, t->npid, sizeof *t->pid, rn_rowcmp);
	printf("\n%-20s %12s %12s\n", "PID", "CALLS/S", "ERRORS/S");
	for (unsigned i = 0; i < t->npid && i < RN_TOP_SHOW; i++)
		printf("%-20s %12.0f %12.0f\n", t->pid[i].name, (double)t->pid[i].calls / secs,
		       (double)t->pid[i].errors / secs);
	if (t->other)
		printf("(%llu calls in rows past %u not shown)\n", (unsigned long long)t->other,
		       RN_TOP_ROWS);
	/* what each thread is blocked in, as the exporter sees it now */
	char rep[16384], calls[12288];
	if (!rn_ctl_ask(dir, "status", rep, sizeof rep) &&
	    rn_ctl_json_get(rep, "in_call", calls, sizeof calls) > 2) {
		printf("\nBLOCKED\n");
		char obj[16384];
		snprintf(obj, sizeof obj, "{\"in_call\":%s}", calls);
		rn_ctl_json_print(obj);
	}
	printf("\n");
	fflush(stdout);
	for (unsigned i = 0; i < t->nsys; i++)
		free(t->sys[i].samp);
	memset(t, 0, sizeof *t);
}

static double rn_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int rn_ctl_top(const char *dir, int argc, char **argv)
{
	double delay = 1.0;
	long frames = -1;
	int batch = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-b")) {
			batch = 1;
			continue;
		}
		if (strcmp(a, "-d") && strcmp(a, "-n"))
			return rn_ctl_bad("top", "unknown option", a);
		if (i + 1 == argc)
			return rn_ctl_bad("top", "option needs a value", a);
		const char *v = argv[++i];
		char *end;
		errno = 0;
		if (a[1] == 'd') {
			delay = strtod(v, &end);
			if (errno || *end || end == v || !(delay >= 0.1 && delay <= 3600))
				return rn_ctl_bad("top", "-d takes seconds, 0.1 to 3600", v);
		} else {
			frames = strtol(v, &end, 10);
			if (errno || *end || end == v || frames < 1)
				return rn_ctl_bad("top", "-n takes a count of frames, 1 or more", v);
		}
	}
	int rc = rn_ctl_ready("top", dir);
	if (rc)
		return rc;
	struct rn_ctl_stream st;
	if (rn_ctl_stream_open(&st, "top", dir, "json", 100))
		return 1;
	static struct rn_top t;
	static char line[65536 + 1];
	double start = rn_mono();
	while (!rn_ctl_stop && frames) {
		uint16_t fn;
		size_t n;
		int got = rn_ctl_stream_next(&st, &fn, line, sizeof line, &n);
		if (got < 0)
			break;
		if (got)
			rn_top_add(&t, line);
		double now = rn_mono();
		if (now - start >= delay) {
			rn_top_show(&t, dir, now - start, batch);
			start = now;
			if (frames > 0)
				frames--;
		}
	}
	rn_ctl_stream_close(&st);
	return 0;
}
