/* ctl_main.c: renacer-ctl: options common to every verb, the verbs that
 * are one request (status, flush, stop), and dispatch to tail and top.
 * Access is the session directory's: a user who cannot enter it cannot
 * reach its sockets. Never writes to the session directory.
 */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../control.h"

static const char rn_ctl_usage[] =
	"usage: renacer-ctl [--session-dir DIR] VERB [options]\n"
	"  status [--json]     the exporter's figures: calls, losses, processes,\n"
	"                      outputs, and the call each blocked thread is in\n"
	"  flush               drain the rings now and make every output durable\n"
	"  stop                drain what is left, finish the outputs and exit\n"
	"  tail [-e trace=SET] [--format text|json] [-n COUNT]\n"
	"                      the calls as they are drained, live\n"
	"  top [-d SECONDS] [-n COUNT] [-b]\n"
	"                      calls, errors and p99 per process and syscall,\n"
	"                      and blocked calls, refreshed every second\n"
	"DIR defaults to $RENACER_SESSION_DIR.\n";

int rn_ctl_bad(const char *verb, const char *what, const char *arg)
{
	fprintf(stderr, "renacer-ctl: %s%s%s%s%s\n", verb ? verb : "", verb ? ": " : "", what,
		arg ? ": " : "", arg ? arg : "");
	return 2;
}

int rn_ctl_ask(const char *dir, const char *req, char *buf, size_t cap)
{
	int rc = rn_control_request(dir, req, buf, cap, RN_CTL_TIMEOUT_MS);
	if (rc == -ETIMEDOUT)
		fprintf(stderr, "renacer-ctl: no exporter answered in %s within %d ms\n", dir,
			RN_CTL_TIMEOUT_MS);
	else if (rc)
		fprintf(stderr, "renacer-ctl: %s: %s\n", dir, strerror(-rc));
	return rc ? 1 : 0;
}

/* A missing directory or socket is said at once, not after a timeout:
 * ZeroMQ would wait for an exporter that may come. */
int rn_ctl_ready(const char *verb, const char *dir)
{
	struct stat st;
	if (!dir || !*dir) {
		rn_ctl_bad(verb, "no session directory: give --session-dir DIR or set "
			   "RENACER_SESSION_DIR", NULL);
		return 2;
	}
	char sock[4096];
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "renacer-ctl: %s: %s\n", dir,
			errno && !S_ISDIR(st.st_mode) ? strerror(errno) : "not a directory");
		return 1;
	}
	snprintf(sock, sizeof sock, "%s/control", dir);
	if (stat(sock, &st) || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "renacer-ctl: %s: no exporter is serving this session directory\n",
			dir);
		return 1;
	}
	return 0;
}

static int rn_ctl_simple(const char *dir, const char *verb, int argc, char **argv)
{
	if (argc > 1)
		return rn_ctl_bad(verb, "takes no argument", argv[1]);
	int rc = rn_ctl_ready(verb, dir);
	if (rc)
		return rc;
	char rep[256];
	if (rn_ctl_ask(dir, verb, rep, sizeof rep))
		return 1;
	if (strncmp(rep, "ok", 2)) {
		fprintf(stderr, "renacer-ctl: %s: %s\n", verb, rep);
		return 1;
	}
	puts(rep);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("RENACER_SESSION_DIR");
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(rn_ctl_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			puts("renacer-ctl " RENACER_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "--session-dir") || !strcmp(argv[i], "-d")) {
			if (++i == argc)
				return rn_ctl_bad(NULL, "option needs a directory", argv[i - 1]);
			dir = argv[i];
		} else if (!strncmp(argv[i], "--session-dir=", 14)) {
			dir = argv[i] + 14;
		} else {
			return rn_ctl_bad(NULL, "unknown option", argv[i]);
		}
	}
	if (i == argc) {
		fputs(rn_ctl_usage, stderr);
		return 2;
	}
	const char *verb = argv[i];
	int vargc = argc - i;
	char **vargv = argv + i;
	if (strcmp(verb, "status") && strcmp(verb, "flush") && strcmp(verb, "stop") &&
	    strcmp(verb, "tail") && strcmp(verb, "top"))
		return rn_ctl_bad(NULL, "unknown verb (status, flush, stop, tail, top)", verb);
	if (!strcmp(verb, "status"))
		return rn_ctl_status(dir, vargc, vargv);
	if (!strcmp(verb, "tail"))
		return rn_ctl_tail(dir, vargc, vargv);
	if (!strcmp(verb, "top"))
		return rn_ctl_top(dir, vargc, vargv);
	return rn_ctl_simple(dir, verb, vargc, vargv);
}
