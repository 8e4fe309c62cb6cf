/* run.c: the exporter's main loop: sinks chosen from the options, drain
 * passes, sleeps that adapt to the load, and the end of the session.
 * Never exits the process: returns to main or the launcher.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "commit.h"
#include "control.h"
#include "decode/escape.h"
#include "otlp/otlp_sink.h"
#include "fdtable.h"
#include "redact.h"
#include "session.h"
#include "sinks/sinks.h"

/* Rest between passes: short enough that a ring of the default size
 * cannot fill meanwhile at a few million calls a second. */
#define RN_IDLE_SLEEP_MS 1

/* Lines from the launcher: "root PID" then "exit PID WSTATUS". Returns the
 * bytes of an unfinished line left at the start of buf. */
static size_t rn_ctl_lines(struct rn_session *s, char *buf, size_t n)
{
	char *start = buf, *nl;
	while ((nl = memchr(start, '\n', n - (size_t)(start - buf)))) {
		*nl = '\0';
		int pid, st;
		if (sscanf(start, "root %d", &pid) == 1)
			rn_session_set_root(s, pid);
		else if (sscanf(start, "exit %d %d", &pid, &st) == 2)
			rn_session_root_exit(s, pid, st);
		start = nl + 1;
	}
	size_t left = n - (size_t)(start - buf);
	memmove(buf, start, left);
	return left == n && n == 127 ? 0 : left;	/* drop an overlong line */
}

/* What a run holds, released by rn_run_fail or at the end of rn_run. */
struct rn_run_res {
	struct rn_control *control;
	struct rn_sink sinks[4];
	unsigned nsinks;
	struct rn_redact *redact;
	struct rn_commit *commit;
	struct rn_fdt *fdt;
};

static void rn_run_destroy_sinks(struct rn_run_res *r)
{
	for (unsigned i = 0; i < r->nsinks; i++)
		if (r->sinks[i].destroy)
			r->sinks[i].destroy(&r->sinks[i]);
}

/* A run that cannot start: everything it holds, released; returns 1. */
static int rn_run_fail(struct rn_run_res *r)
{
	rn_control_close(r->control);
	rn_run_destroy_sinks(r);
	rn_redact_free(r->redact);
	rn_commit_close(r->commit);
	rn_fdt_free(r->fdt);
	return 1;
}

/* The control socket, first, before any socket of ours is bound in dir:
 * a second exporter on a live session must not take its sockets, nor
 * drain its rings (two consumers of one ring would corrupt it). Returns
 * 0, or -1 when another exporter answers there (said on stderr). */
static int rn_run_control(struct rn_run_res *r, const struct rn_opts *o, const char *dir)
{
	int ctlrc = rn_control_open(&r->control, dir);
	if (ctlrc == -EADDRINUSE) {
		fprintf(stderr, "renacer: another exporter is draining %s (its control socket "
			"answers); not starting a second one\n", dir);
		return -1;
	}
	if (ctlrc && !o->quiet)
		fprintf(stderr, "renacer: no control socket in %s; --status will not answer\n", dir);
	return 0;
}

/* The sinks the options ask for, into r; returns 0, or a negative errno
 * (said on stderr) with the sinks made so far left in r. */
static int rn_run_sinks(struct rn_run_res *r, const struct rn_opts *o, const char *dir, FILE *out)
{
	struct rn_sink *sinks = r->sinks;
	unsigned n = 0;
	int rc = 0;
	const struct rn_text_opts text = { o->tstamp, o->durations, o->summary_too, o->relative,
					    o->quiet_exits, 0 };
	struct rn_summary_opts summary = { o->sortby, o->summary_too, (int)o->shim.complete,
					   o->by_site, { 0 }, o->sum_ncols, o->format == RN_FMT_JSON };
	memcpy(summary.cols, o->sum_cols, sizeof summary.cols);
	if (!o->summary)
		rc = o->separately ? rn_sink_split_new(&sinks[n++], o->output, &text, o->ff_append)
		     : o->format == RN_FMT_JSON	  ? rn_sink_json_new(&sinks[n++], out)
		     : o->format == RN_FMT_CHROME ? rn_sink_chrome_new(&sinks[n++], out)
						  : rn_sink_text_new(&sinks[n++], out, &text);
	if (!rc && (o->summary || o->summary_too))
		rc = rn_sink_summary_new(&sinks[n++], out, &summary);
	const char *what = "the output";
	if (!rc && o->otlp.enabled) {
		/* span ids from the session: the same from a restarted exporter */
		rc = rn_sink_otlp_new(&sinks[n], &o->otlp, dir);
		if (!rc)
			n++;
		else
			what = "the OpenTelemetry export";
	}
	/* the live stream is a view, never a reason to fail the trace */
	if (!rc && !rn_sink_tail_new(&sinks[n], dir, &text))
		n++;
	r->nsinks = n;
	if (rc)
		fprintf(stderr, "renacer: cannot set up %s: %s\n", what, strerror(-rc));
	return rc;
}

/* renacer-run restarts a dead exporter: resume where its output ends.
 * stderr is never cut back, even when it is a file: the program and the
 * launcher write there too (at least once, docs/RELIABILITY.md). A
 * commit record that cannot be kept is said, and the run goes on. */
static void rn_run_commit(struct rn_run_res *r, const char *dir, FILE *out, int ctl_fd)
{
	int dfd = ctl_fd >= 0 ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	int crc = dfd < 0 ? -errno : rn_commit_open(&r->commit, dfd, out != stderr ? out : NULL);
	if (dfd >= 0)
		close(dfd);
	if (ctl_fd >= 0 && crc)
		fprintf(stderr, "renacer: cannot keep a commit record in %s (%s): an exporter "
			"restarted after this may repeat records\n", dir, strerror(-crc));
}

/* -y, -P: the descriptor table, from the calls as they go out; returns 0
 * or a negative errno (said on stderr). */
static int rn_run_fdt(struct rn_run_res *r, const struct rn_opts *o, int ctl_fd)
{
	char cwd[4096];
	const struct rn_fdt_opts fo = {
		.decode = o->decode_fds, .paths = o->trace_paths, .npaths = o->ntrace_paths,
		/* the launcher's directory is where the program starts */
		.cwd = ctl_fd >= 0 && getcwd(cwd, sizeof cwd) ? cwd : NULL,
		.redact = r->redact,
	};
	int rc = rn_fdt_new(&r->fdt, &fo);
	if (rc)
		fprintf(stderr, "renacer: cannot set up -y/-P: %s\n", strerror(-rc));
	return rc;
}

/* Passes until *stop, or until the launcher's root process has ended
 * and the session is idle. */
static void rn_run_loop(struct rn_session *s, struct rn_control *control, int ctl_fd,
			volatile sig_atomic_t *stop)
{
	int root_done = 0;
	char line[128];
	size_t used = 0;
	while (!*stop) {
		/* the launcher's news first: the pass may see the root end */
		if (ctl_fd >= 0 && !root_done) {
			ssize_t r = read(ctl_fd, line + used, sizeof line - 1 - used);
			if (r > 0)
				used += (size_t)r;
			else if (r == 0 || (errno != EAGAIN && errno != EINTR))
				root_done = s->root_done = 1;
			used = rn_ctl_lines(s, line, used);
		}
		size_t got = rn_session_pass(s);
		rn_control_serve(control, s, stop);
		if (root_done && rn_session_idle(s))
			break;
		/* Rest between passes unless a ring is filling up: a consumer
		 * that polls without pause pulls the producer's cache lines
		 * over to this core on every record, and the traced program
		 * pays for each of those transfers. */
		if (!got || !s->pressed)
			rn_session_wait(s, RN_IDLE_SLEEP_MS, root_done ? -1 : ctl_fd);
	}
}

int rn_run(const struct rn_opts *o, const char *dir, FILE *out, int ctl_fd,
	   volatile sig_atomic_t *stop)
{
	struct rn_run_res r;
	int rc = 0;
	memset(&r, 0, sizeof r);
	if (rn_run_control(&r, o, dir))
		return 1;
	rn_fmt_set_style((enum rn_strhex)o->strhex, o->verbose);	/* -x, -xx, -v */
	if (rn_run_sinks(&r, o, dir, out))
		return rn_run_fail(&r);
	/* compiled here, in the process that uses it (the launcher forks us) */
	if (o->redact_re && (rc = rn_redact_new(&r.redact, o->redact_re)))
		fprintf(stderr, "renacer: --redact-paths: %s\n", strerror(-rc));
	rn_run_commit(&r, dir, out, ctl_fd);
	if (!rc && (o->decode_fds || o->ntrace_paths))
		rc = rn_run_fdt(&r, o, ctl_fd);
	struct rn_session s;
	const struct rn_session_cfg cfg = {
		.sinks = r.sinks, .nsinks = r.nsinks, .keep_files = ctl_fd < 0,
		.allow_uids = o->allow_uids, .nallow_uids = o->nallow_uids, .redact = r.redact,
		.commit = r.commit, .status_mask = o->status_mask,
		.fdt = r.fdt, .whole = o->ntrace_paths > 0,
		.signal_filter = o->signal_filter, .signal_set = o->signal_set,
	};
	if (!rc && (rc = rn_session_open(&s, dir, &cfg)))
		fprintf(stderr, "renacer: cannot read session directory %s: %s\n", dir, strerror(-rc));
	if (rc)
		return rn_run_fail(&r);
	rn_run_loop(&s, r.control, ctl_fd, stop);
	rn_control_close(r.control);
	rn_session_close(&s);
	rn_commit_close(s.commit);
	/* A loss is always said on stderr, whatever -o says: the text and
	 * summary sinks said it there already only when they write to stderr. */
	if (rn_stats_lost(&s.stats) && (out != stderr || o->format != RN_FMT_TEXT) &&
	    !(out == stderr && (o->summary || o->summary_too)))
		rn_print_lost(stderr, &s.stats);
	rn_redact_free(r.redact);
	rn_fdt_free(r.fdt);
	rn_run_destroy_sinks(&r);
	fflush(out);
	return 0;
}
