/* fuzz_opts.c: libFuzzer target: arbitrary command lines and environments
 * through the option and environment parsers (rn_opts_parse_r, the form
 * that returns its error instead of exiting), and a --redact-paths
 * expression that parsed through the redactor. Nothing a user types may
 * crash, hang or leak; a bad value is always one line naming the option.
 *
 * Input: NUL-separated tokens. A token "NAME=value" whose NAME is one of
 * the variables below sets it for this run (every one is unset first);
 * the others are argv[1..]. The parser is told to create and check no
 * file (RN_OPTS_NO_FILES), so a fuzzed name never becomes a file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/record.h"
#include "../../exporter/options.h"
#include "../../exporter/redact.h"

static const char *const rn_vars[] = {
	"RENACER_STRSIZE", "RENACER_ON_FULL", "RENACER_RING_SIZE", "RENACER_RINGS", "RENACER_TRACE",
	"OTEL_BSP_EXPORT_TIMEOUT", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BSP_MAX_QUEUE_SIZE",
	"OTEL_BSP_SCHEDULE_DELAY", "OTEL_EXPORTER_OTLP_CERTIFICATE",
	"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_KEY",
	"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS",
	"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TIMEOUT",
	"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
	"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
	"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
	"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
	"OTEL_RESOURCE_ATTRIBUTES", "OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "TRACEPARENT",
	"TRACESTATE",
};
#define RN_NVARS (sizeof rn_vars / sizeof *rn_vars)
#define RN_MAX_TOKENS 64
#define RN_MAX_INPUT 8192

/* putenv keeps the buffer: one per variable, no allocation per run */
static char rn_envbuf[RN_NVARS][RN_MAX_INPUT + 64];

static int rn_var(const char *tok)
{
	const char *eq = strchr(tok, '=');
	if (!eq)
		return -1;
	for (unsigned i = 0; i < RN_NVARS; i++)
		if (strlen(rn_vars[i]) == (size_t)(eq - tok) && !memcmp(tok, rn_vars[i], (size_t)(eq - tok)))
			return (int)i;
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > RN_MAX_INPUT)
		return 0;
	/* regcomp's own cost grows with nested bounds ("(a{999}){999}"):
	 * that is glibc's to fuzz, not ours */
	if (memchr(data, '{', size))
		return 0;
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (unsigned i = 0; i < RN_NVARS; i++)
		unsetenv(rn_vars[i]);

	char *argv[RN_MAX_TOKENS + 2];
	int argc = 0;
	argv[argc++] = "renacer-exporter";
	for (char *t = buf; t <= buf + size && argc <= RN_MAX_TOKENS; t += strlen(t) + 1) {
		int v = rn_var(t);
		if (v >= 0) {
			snprintf(rn_envbuf[v], sizeof rn_envbuf[v], "%s", t);
			putenv(rn_envbuf[v]);
		} else {
			argv[argc++] = t;
		}
	}
	argv[argc] = NULL;

	struct rn_opts o;
	char msg[512];
	int rc = rn_opts_parse_r(&o, argc, argv, RN_OPTS_NO_FILES, msg, sizeof msg);
	switch (rc) {
	case RN_OPTS_ERROR:
		if (!msg[0] || strchr(msg, '\n'))
			abort();	/* one line, naming something */
		break;
	case RN_OPTS_OK:
		if (o.otlp.tune.batch > o.otlp.tune.queue || o.shim.strsize > RN_STRSIZE_MAX ||
		    o.nallow_uids > RN_ALLOW_UIDS_MAX ||
		    (!o.argv && !o.session_dir && !o.status_dir && !o.replay_dir))
			abort();
		if (o.redact_re) {
			struct rn_redact *r;
			if (rn_redact_new(&r, o.redact_re))
				abort();	/* the parser accepted it */
			struct rn_proc p = { .exe = "/home/alice/secret-42/bin/tool" };
			memcpy(p.argv, "tool\0--key=hunter2\0/home/alice/x", 33);
			p.argv_len = 33;
			rn_redact_proc(r, &p);
			if (p.exe[sizeof p.exe - 1] || p.argv_len > sizeof p.argv)
				abort();
			rn_redact_free(r);
		}
		break;
	case RN_OPTS_HELP:
	case RN_OPTS_VERSION:
		break;
	default:
		abort();
	}
	for (unsigned i = 0; i < RN_NVARS; i++)
		unsetenv(rn_vars[i]);
	free(buf);
	return 0;
}
