/* otlp_http.h: OTLP/HTTP export of one encoded request, with the retries
 * the specification asks for.
 *
 * One libcurl easy handle, kept alive between requests. Runs on the sender
 * thread only. It never prints: what happened comes back in struct
 * rn_otlp_result, and header values (credentials) are never copied into it.
 */
#ifndef RN_OTLP_HTTP_H
#define RN_OTLP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "otlp_env.h"

struct rn_otlp_http;

enum rn_otlp_outcome {
	RN_OTLP_OK,		/* 2xx: delivered (maybe partly rejected) */
	RN_OTLP_REJECTED,	/* a 4xx/5xx the specification says not to retry */
	RN_OTLP_FAILED,		/* retryable failures until the deadline */
	RN_OTLP_ABORTED,	/* *abort was set */
};

struct rn_otlp_result {
	enum rn_otlp_outcome outcome;
	long status;		/* last HTTP status, 0 when none */
	int64_t rejected;	/* partial_success.rejected_spans */
	char message[256];	/* partial success message, or the last error */
	unsigned attempts;
	uint64_t bytes_sent;	/* on the wire, after compression */
};

/* rn_otlp_http_new: a transport to x->endpoint. Returns 0 or -errno. */
int rn_otlp_http_new(struct rn_otlp_http **out, const struct rn_otlp_opts *x);
void rn_otlp_http_free(struct rn_otlp_http *h);

/* rn_otlp_http_export: POST body (already encoded) with retries until
 * deadline_ns (CLOCK_MONOTONIC) or *abort. Never blocks past either (a
 * request in flight is cut when *abort becomes nonzero). */
void rn_otlp_http_export(struct rn_otlp_http *h, const void *body, size_t len,
			 uint64_t deadline_ns, volatile int *abort, struct rn_otlp_result *res);

/* rn_otlp_http_fail_fast: with on, a connection the receiver refuses (or
 * that cannot be made) fails at once instead of being retried until the
 * deadline; for a caller with a spool, which keeps the batch and probes. */
void rn_otlp_http_fail_fast(struct rn_otlp_http *h, int on);

/* rn_otlp_http_export_once: one attempt within the request timeout, no
 * retry: a retryable failure comes back as RN_OTLP_FAILED at once. For
 * probing a receiver that was down. */
void rn_otlp_http_export_once(struct rn_otlp_http *h, const void *body, size_t len,
			      volatile int *abort, struct rn_otlp_result *res);

/* rn_otlp_http_url: later requests go to url (another signal's path on
 * the same receiver: the kept-alive connection is reused). */
void rn_otlp_http_url(struct rn_otlp_http *h, const char *url);

/* rn_otlp_retry_after: a Retry-After value (seconds, or an HTTP date
 * relative to now) in ms; -1 when it cannot be read. */
int64_t rn_otlp_retry_after(const char *v, int64_t now_unix);

#endif
