/* test_otlp_options.c: every new option with a bad value exits 2 with one
 * line naming it; every OTEL_* variable (and TRACEPARENT) with a bad value
 * warns once and keeps its default; header values are never printed.
 * Runs the real renacer-exporter, as a user would. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "opt_run.h"

/* a clean OTEL environment (and a directory where a default OTLP file may
 * go), then the case's */
static struct result run(const char *env, const char *args)
{
	return run_pre("cd /tmp && env -u OTEL_EXPORTER_OTLP_ENDPOINT -u OTEL_EXPORTER_OTLP_TRACES_ENDPOINT "
		       "-u OTEL_SDK_DISABLED -u TRACEPARENT", env, args);
}

Test(otlp_options, bad_values_exit_2_naming_the_option)
{
	bad_option("--otlp-endpoint localhost:4318 -- true", "--otlp-endpoint");
	bad_option("--otlp-endpoint '' -- true", "--otlp-endpoint");
	bad_option("--otlp-protocol grpc -- true", "--otlp-protocol");
	bad_option("--otlp-compression br -- true", "--otlp-compression");
	bad_option("--otlp-compression ZSTD -- true", "--otlp-compression");
	bad_option("--otlp-file '' -- true", "--otlp-file");
	bad_option("--otlp-file /nonexistent-dir/x.jsonl -- true", "--otlp-file");
	bad_option("--otlp-batch-size 0 -- true", "--otlp-batch-size");
	bad_option("--otlp-batch-size x -- true", "--otlp-batch-size");
	bad_option("--otlp-batch-size 4096 --otlp-queue-size 100 -- true", "--otlp-batch-size");
	bad_option("--otlp-batch-delay -5 -- true", "--otlp-batch-delay");
	bad_option("--otlp-queue-size 0 -- true", "--otlp-queue-size");
	bad_option("--otlp-timeout 10s -- true", "--otlp-timeout");
	bad_option("--span-pool-size '' -- true", "--span-pool-size");
	bad_option("--perf-mode turbo -- true", "--perf-mode");
	bad_option("--otlp-endpoint", "--otlp-endpoint");
	bad_option("--span-pool-disable=1 -- true", "--span-pool-disable");
}

Test(otlp_options, reliability_and_security_options_exit_2_naming_the_option)
{
	bad_option("--spool-dir '' -- true", "--spool-dir");
	bad_option("--spool-dir /etc/passwd -- true", "--spool-dir");
	bad_option("--spool-max-mb x -- true", "--spool-max-mb");
	bad_option("--spool-max-mb -1 -- true", "--spool-max-mb");
	bad_option("--spool-max-mb 99999999999 -- true", "--spool-max-mb");
	bad_option("--spool-max-mb 1M -- true", "--spool-max-mb");
	bad_option("--replay /tmp", "--replay");	/* no endpoint */
	bad_option("--replay /nonexistent-dir --otlp-endpoint http://127.0.0.1:9/v1/traces", "--replay");
	bad_option("--replay /tmp --otlp-endpoint http://127.0.0.1:9/v1/traces -- true", "--replay");
	bad_option("--replay ''", "--replay");
	bad_option("--allow-uid '' -- true", "--allow-uid");
	bad_option("--allow-uid alice -- true", "--allow-uid");
	bad_option("--allow-uid 1,,2 -- true", "--allow-uid");
	bad_option("--allow-uid 1, -- true", "--allow-uid");
	bad_option("--allow-uid -3 -- true", "--allow-uid");
	bad_option("--allow-uid 4294967295 -- true", "--allow-uid");
	bad_option("--allow-uid 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,"
		   "27,28,29,30,31,32,33 -- true", "--allow-uid");
	bad_option("--redact-paths '' -- true", "--redact-paths");
	bad_option("--redact-paths 'a(b' -- true", "--redact-paths");
	bad_option("--redact-paths '[z-a]' -- true", "--redact-paths");
	bad_option("--redact-paths", "--redact-paths");
	/* and good values pass */
	struct result r = run(NULL, "-c -o /dev/null --spool-dir /tmp/rn-otlpopt-spool --spool-max-mb 0 "
				    "--allow-uid 0,65534 --allow-uid 1 --redact-paths '^/home/[^/]+' -- true");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(r.lines, 0, "%s", r.err);
}

static void bad_env(const char *env, const char *name)
{
	struct result r = run(env, "-c -o /dev/null -- true");
	cr_assert_eq(r.status, 0, "%s: exit %d: %s", env, r.status, r.err);
	cr_assert_eq(r.lines, 1, "%s: expected one warning, got: %s", env, r.err);
	cr_assert(strstr(r.err, name) && strstr(r.err, "warning"), "%s: %s", env, r.err);
}

Test(otlp_options, bad_environment_warns_once_and_falls_back)
{
	bad_env("OTEL_EXPORTER_OTLP_ENDPOINT=localhost:4318", "OTEL_EXPORTER_OTLP_ENDPOINT");
	bad_env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=ftp://x", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	bad_env("OTEL_EXPORTER_OTLP_HEADERS=authorization", "OTEL_EXPORTER_OTLP_HEADERS");
	bad_env("OTEL_EXPORTER_OTLP_TRACES_HEADERS='a b=c'", "OTEL_EXPORTER_OTLP_TRACES_HEADERS");
	bad_env("OTEL_EXPORTER_OTLP_COMPRESSION=zstd", "OTEL_EXPORTER_OTLP_COMPRESSION");
	bad_env("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=br", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION");
	bad_env("OTEL_EXPORTER_OTLP_TIMEOUT=10s", "OTEL_EXPORTER_OTLP_TIMEOUT");
	bad_env("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=0", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT");
	bad_env("OTEL_EXPORTER_OTLP_PROTOCOL=grpc", "OTEL_EXPORTER_OTLP_PROTOCOL");
	bad_env("OTEL_EXPORTER_OTLP_CERTIFICATE=/nonexistent.pem", "OTEL_EXPORTER_OTLP_CERTIFICATE");
	bad_env("OTEL_EXPORTER_OTLP_CLIENT_KEY=/nonexistent.key", "OTEL_EXPORTER_OTLP_CLIENT_KEY");
	bad_env("OTEL_BSP_SCHEDULE_DELAY=-1", "OTEL_BSP_SCHEDULE_DELAY");
	bad_env("OTEL_BSP_EXPORT_TIMEOUT=1e3", "OTEL_BSP_EXPORT_TIMEOUT");
	bad_env("OTEL_BSP_MAX_QUEUE_SIZE=0", "OTEL_BSP_MAX_QUEUE_SIZE");
	bad_env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE=many", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
	bad_env("OTEL_SDK_DISABLED=maybe", "OTEL_SDK_DISABLED");
	bad_env("OTEL_RESOURCE_ATTRIBUTES=a=%zz", "OTEL_RESOURCE_ATTRIBUTES");
	bad_env("TRACEPARENT=00-abc", "TRACEPARENT");
}

Test(otlp_options, header_values_are_never_printed)
{
	struct result r = run("OTEL_EXPORTER_OTLP_HEADERS='authorization=Bearer%20s3cr3t,bad'",
			      "-c -o /dev/null -- true");
	cr_assert_eq(r.lines, 1, "%s", r.err);
	cr_assert_null(strstr(r.err, "s3cr3t"), "%s", r.err);
}

Test(otlp_options, empty_values_mean_unset_and_good_values_pass)
{
	struct result r = run("OTEL_EXPORTER_OTLP_ENDPOINT= OTEL_BSP_SCHEDULE_DELAY= TRACEPARENT= "
			      "OTEL_EXPORTER_OTLP_PROTOCOL=http/json OTEL_EXPORTER_OTLP_COMPRESSION=none "
			      "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=4096 OTEL_SDK_DISABLED=false",
			      "-c -o /dev/null --perf-mode low-latency --span-pool-size 8 "
			      "--span-pool-disable --capture-argv --no-otlp -- true");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(r.lines, 0, "%s", r.err);
}
