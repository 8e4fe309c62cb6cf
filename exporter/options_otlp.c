/* options_otlp.c: the options of OpenTelemetry export (--otlp-*, spans,
 * metrics), of the spool and --replay, of the service modes
 * (--session-dir, --daemon, --status) and of security (--allow-uid,
 * --redact-paths), and their checks once the whole command line is
 * known. Never prints or exits (options.c does), except the one warning
 * that the default OTLP file cannot be written.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options_priv.h"

#define RN_OTLP_MS_MAX 3600000u
#define RN_OTLP_SPANS_MAX 1000000u

/* The --otlp-* numbers: a value in [1, hi], and the bit saying the
 * command line gave it (it then wins over the environment and presets). */
static int rn_otlp_u32(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg,
		       uint32_t hi, uint32_t *out, uint32_t set)
{
	const char *why;
	if (rn_parse_u32(arg, 1, hi, out, &why))
		return rn_bad_opt(e, opt, arg, why);
	o->otlp.opt_set |= set;
	return 0;
}

int rn_opt_otlp_endpoint(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	if (rn_otlp_endpoint_check(arg))
		return rn_bad_opt(e, opt, arg, "expected an http:// or https:// URL");
	o->otlp.opt_endpoint = arg;
	return 0;
}

int rn_opt_otlp_protocol(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	static const struct rn_choice protos[] = {
		{ "http/protobuf", RN_OTLP_PROTOBUF }, { "http/json", RN_OTLP_JSON },
	};
	int v;
	if (rn_parse_choice(arg, protos, RN_NCHOICES(protos), &v))
		return rn_bad_opt(e, opt, arg, "expected http/protobuf or http/json");
	o->otlp.protocol = (enum rn_otlp_proto)v;
	o->otlp.opt_set |= RN_OTLP_SET_PROTOCOL;
	return 0;
}

/* gzip, none, or zstd: not in the OTLP specification, so opt-in */
int rn_opt_otlp_compression(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	enum { GZIP = 1, ZSTD = 2 };
	static const struct rn_choice kinds[] = { { "gzip", GZIP }, { "none", 0 }, { "zstd", ZSTD } };
	int v;
	if (rn_parse_choice(arg, kinds, RN_NCHOICES(kinds), &v))
		return rn_bad_opt(e, opt, arg, "expected gzip, zstd or none");
	o->otlp.gzip = v == GZIP;
	o->otlp.zstd = v == ZSTD;
	o->otlp.opt_set |= RN_OTLP_SET_COMPRESSION;
	return 0;
}

int rn_opt_otlp_file(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	if (!*arg)
		return rn_bad_opt(e, opt, arg, "empty file name");
	o->otlp.opt_file = arg;
	return 0;
}

int rn_opt_otlp_batch(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_otlp_u32(e, o, opt, arg, RN_OTLP_SPANS_MAX, &o->otlp.opt_tune.batch,
			   RN_OTLP_SET_BATCH);
}

int rn_opt_otlp_delay(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_otlp_u32(e, o, opt, arg, RN_OTLP_MS_MAX, &o->otlp.opt_tune.delay_ms,
			   RN_OTLP_SET_DELAY);
}

int rn_opt_otlp_queue(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_otlp_u32(e, o, opt, arg, RN_OTLP_SPANS_MAX, &o->otlp.opt_tune.queue,
			   RN_OTLP_SET_QUEUE);
}

int rn_opt_otlp_timeout(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_otlp_u32(e, o, opt, arg, RN_OTLP_MS_MAX, &o->otlp.timeout_ms, RN_OTLP_SET_TIMEOUT);
}

int rn_opt_pool_size(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_otlp_u32(e, o, opt, arg, RN_OTLP_SPANS_MAX, &o->otlp.opt_tune.pool,
			   RN_OTLP_SET_POOL);
}

int rn_opt_perf_mode(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	static const struct rn_choice modes[] = {
		{ "balanced", RN_PERF_BALANCED }, { "aggressive", RN_PERF_AGGRESSIVE },
		{ "low-latency", RN_PERF_LOW_LATENCY },
	};
	int v;
	if (rn_parse_choice(arg, modes, RN_NCHOICES(modes), &v))
		return rn_bad_opt(e, opt, arg, "expected balanced, aggressive or low-latency");
	o->otlp.perf_mode = (enum rn_perf_mode)v;
	o->otlp.perf_mode_set = 1;
	return 0;
}

int rn_opt_span_min(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	if (rn_otlp_parse_duration(arg, &o->otlp.span_min_ns))
		return rn_bad_opt(e, opt, arg,
				  "expected a duration with its unit: ns, us, ms or s (e.g. 10us)");
	return 0;
}

RN_OPT_FLAG(rn_opt_pool_disable, otlp.pool_disable)
RN_OPT_FLAG(rn_opt_capture_argv, otlp.capture_argv)
RN_OPT_FLAG(rn_opt_no_otlp, otlp.no_otlp)
RN_OPT_FLAG(rn_opt_metrics_only, otlp.metrics_only)
RN_OPT_FLAG(rn_opt_no_metrics, otlp.no_metrics)
RN_OPT_FLAG(rn_opt_span_errors, otlp.span_errors)
RN_OPT_FLAG(rn_opt_daemon, daemon)

/* A directory's name: checked later (rn_check_dirs, rn_spool_finish_opts),
 * once the mode is known; only an empty one is refused now. */
static int rn_dir_arg(struct rn_perr *e, const char *opt, const char *arg, const char **out)
{
	if (!*arg)
		return rn_bad_opt(e, opt, arg, "empty directory name");
	*out = arg;
	return 0;
}

int rn_opt_spool_dir(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_dir_arg(e, opt, arg, &o->otlp.spool_dir);
}

int rn_opt_session_dir(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_dir_arg(e, opt, arg, &o->session_dir);
}

int rn_opt_status(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_dir_arg(e, opt, arg, &o->status_dir);
}

int rn_opt_replay(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	return rn_dir_arg(e, opt, arg, &o->replay_dir);
}

int rn_opt_spool_max(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	const char *why;
	/* 0: no spool; at most 1 TiB */
	if (rn_parse_u32(arg, 0, 1u << 20, &o->otlp.spool_max_mb, &why))
		return rn_bad_opt(e, opt, arg, why);
	return 0;
}

/* --allow-uid UID[,UID...]: decimal uids, at most RN_ALLOW_UIDS_MAX in
 * all (the option may be repeated). */
int rn_opt_allow_uid(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	const char *p = arg, *why;
	if (!*p)
		return rn_bad_opt(e, opt, arg, "expected UID[,UID...]");
	while (*p) {
		char one[64];
		size_t l = strcspn(p, ",");
		uint32_t uid;
		if (!l || l >= sizeof one)
			return rn_bad_opt(e, opt, arg, "expected UID[,UID...]");
		memcpy(one, p, l);
		one[l] = '\0';
		/* a user name, as chown takes one; else a number */
		struct passwd *pw = *one >= '0' && *one <= '9' ? NULL : getpwnam(one);
		if (pw) {
			uid = (uint32_t)pw->pw_uid;
		} else if (*one < '0' || *one > '9') {
			return rn_bad_opt(e, opt, arg, "no such user");
		/* (uid_t)-1 means "no change" to the kernel: never an owner */
		} else if (rn_parse_u32(one, 0, UINT32_MAX - 1, &uid, &why)) {
			return rn_bad_opt(e, opt, arg, why);
		}
		if (o->nallow_uids == RN_ALLOW_UIDS_MAX)
			return rn_bad_opt(e, opt, arg, "too many uids (at most 32)");
		o->allow_uids[o->nallow_uids++] = uid;
		p += l;
		if (*p == ',' && !*++p)
			return rn_bad_opt(e, opt, arg, "expected UID[,UID...]");
	}
	return 0;
}

/* --redact-paths REGEX: a POSIX extended regex that compiles. */
int rn_opt_redact(struct rn_perr *e, struct rn_opts *o, const char *opt, const char *arg)
{
	if (!*arg)
		return rn_bad_opt(e, opt, arg, "empty regular expression");
	if (strlen(arg) > 1024)
		return rn_bad_opt(e, opt, arg, "longer than 1024 bytes");
	regex_t re;
	int rc = regcomp(&re, arg, REG_EXTENDED);
	if (rc) {
		char why[128];
		regerror(rc, &re, why, sizeof why);
		return rn_bad_opt(e, opt, arg, why);
	}
	regfree(&re);
	o->redact_re = arg;
	return 0;
}

/* After the command line: final OTLP settings, and the file is checked
 * now, while an error can still stop the run before it starts. */
int rn_otlp_finish_opts(struct rn_perr *e, struct rn_opts *o, unsigned flags)
{
	struct rn_otlp_opts *x = &o->otlp;
	const char *bad, *why;
	/* a replay writes no trace: it must not choose a default file */
	int default_outputs = !o->output && !o->summary && !o->summary_too && !o->format_set &&
			      !o->replay_dir;
	if (rn_otlp_settle(x, default_outputs, &bad, &why))
		return rn_bad_opt(e, bad, NULL, why);
	if (x->metrics_only && x->no_otlp)
		return rn_bad_opt(e, "--metrics-only", NULL, "contradicts --no-otlp");
	if (x->metrics_only && !x->enabled && !x->sdk_disabled && !o->replay_dir)
		return rn_bad_opt(e, "--metrics-only", NULL,
				  "nowhere to send metrics: give --otlp-endpoint or --otlp-file");
	if (!x->enabled || !x->file || (flags & RN_OPTS_NO_FILES))
		return 0;
	/* The default file is made new, with the first spans (otlp_file.c):
	 * only the directory is asked about now, and nothing at the name is
	 * touched (it may be a planted link). */
	if (x->file_is_default && faccessat(AT_FDCWD, ".", W_OK | X_OK, AT_EACCESS) == 0)
		return 0;
	if (x->file_is_default)
		goto no_default;
	/* Can it be written? Asked without leaving a file behind: a run that
	 * never starts (a later error, a missing program) must not leave an
	 * empty trace file; the sink creates it when it starts. */
	int fd = open(x->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd >= 0) {
		close(fd);
		unlink(x->file);
		return 0;
	}
	if (errno == EEXIST && (fd = open(x->file, O_WRONLY | O_CLOEXEC | O_NOCTTY)) >= 0) {
		close(fd);
		return 0;
	}
	if (!x->file_is_default)
		return rn_bad_opt(e, "--otlp-file", x->file, strerror(errno));
no_default:
	/* our own choice of file: say so, and go on without it */
	fprintf(stderr, "renacer: warning: cannot write %s in the current directory: %s; "
		"no OTLP file\n", x->file, strerror(errno));
	x->file = NULL;
	x->file_is_default = 0;
	x->enabled = x->endpoint != NULL;
	return 0;
}

/* The spool and replay options, once everything else is known. */
int rn_spool_finish_opts(struct rn_perr *e, struct rn_opts *o, unsigned flags)
{
	struct stat st;
	if (o->replay_dir) {
		if (o->argv || o->session_dir || o->status_dir)
			return rn_bad_opt(e, "--replay", o->replay_dir,
					  "takes no program, --session-dir or --status");
		if (!o->otlp.endpoint)
			return rn_bad_opt(e, "--replay", o->replay_dir,
					  "no endpoint (--otlp-endpoint or OTEL_EXPORTER_OTLP_ENDPOINT)");
		if (!(flags & RN_OPTS_NO_FILES) && (stat(o->replay_dir, &st) || !S_ISDIR(st.st_mode)))
			return rn_bad_opt(e, "--replay", o->replay_dir, "not a directory");
	}
	if (o->otlp.spool_dir && !(flags & RN_OPTS_NO_FILES) && stat(o->otlp.spool_dir, &st) == 0 &&
	    !S_ISDIR(st.st_mode))
		return rn_bad_opt(e, "--spool-dir", o->otlp.spool_dir, "not a directory");
	return 0;
}

/* --status and --session-dir name directories: one that is missing, or
 * that the traced programs would refuse (not ours, or writable by others:
 * preload/shim.c), is said now, not after a timeout or a silent session. */
int rn_check_dirs(struct rn_perr *e, const struct rn_opts *o, unsigned flags)
{
	struct stat st;
	if (flags & RN_OPTS_NO_FILES)
		return 0;
	if (o->status_dir && (stat(o->status_dir, &st) || !S_ISDIR(st.st_mode)))
		return rn_bad_opt(e, "--status", o->status_dir,
				  errno == ENOENT ? "no such directory" : "not a directory");
	if (!o->session_dir)
		return 0;
	if (stat(o->session_dir, &st))
		return errno == ENOENT && o->daemon ? 0	/* --daemon makes it, 0700 */
		       : rn_bad_opt(e, "--session-dir", o->session_dir,
				    errno == ENOENT ? "no such directory" : strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return rn_bad_opt(e, "--session-dir", o->session_dir, "not a directory");
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return rn_bad_opt(e, "--session-dir", o->session_dir,
				  "not private to this user (the traced programs would refuse it): "
				  "use a directory of yours with mode 0700");
	return 0;
}
