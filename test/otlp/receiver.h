/* receiver.h: a loopback OTLP/HTTP receiver for the tests. An HTTP/1.1
 * server on 127.0.0.1 (ephemeral port) in a thread of the test process:
 * keeps connections alive, gunzips, decodes every request with renacer's
 * own protobuf-c code (or the test JSON reader for http/json), records
 * each request and its spans, and answers as the test scripted: 200,
 * any status with an optional Retry-After, partial success, or closing
 * the connection without an answer. Test code only. */
#ifndef RN_TEST_RECEIVER_H
#define RN_TEST_RECEIVER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define RX_ATTRS 24

struct rx_span {
	uint8_t trace_id[16], span_id[8], parent[8], link[8];
	int has_parent, has_link;
	char name[64];
	char trace_state[128];
	uint32_t flags;
	int kind;
	uint64_t start, end;
	int status;
	char status_msg[128];
	unsigned nattrs;
	char key[RX_ATTRS][48];
	char val[RX_ATTRS][256];	/* ints and bools as text; arrays joined by '\x1f' */
	int req;		/* index of the request it came in */
};

struct rx_req {
	uint64_t t_ns;		/* CLOCK_MONOTONIC at arrival */
	size_t nspans;
	size_t body_len;	/* on the wire */
	int status;		/* what we answered, 0 when we closed */
	int decoded;		/* the body decoded as OTLP */
	char content_type[64], content_encoding[32], user_agent[64], custom[128];
	char resource[512];	/* resource attributes, k=v;... */
};

/* What to do with one request; requests past the script get 200. */
struct rx_action {
	int status;		/* 0: 200 */
	int retry_after;	/* seconds, sent when > 0 */
	int64_t rejected;	/* partial success with this many spans rejected */
	int close;		/* close the connection without answering */
};

/* One data point of a metrics request (POST /v1/metrics), flattened. */
struct rx_point {
	int mreq;		/* index of the metrics request it came in */
	int64_t pid;		/* the resource's process.pid, -1 when absent */
	char exe[64];		/* the resource's process.executable.name */
	char metric[48];
	char syscall[32];	/* renacer.syscall.name */
	char etype[32];		/* error.type, "" when absent */
	int kind;		/* 1 sum, 2 exponential histogram, 0 other */
	int temporality;	/* 2: cumulative */
	int monotonic;
	uint64_t value;		/* sum: the value; histogram: count */
	uint64_t buckets;	/* histogram: zero count + every bucket */
	double sum, min, max;
	int scale;
};

/* Outages (rx_set_mode). */
enum rx_mode {
	RX_UP,			/* answer as scripted */
	RX_REFUSE,		/* the port is closed: connections are refused */
	RX_HANGUP,		/* read each request, close without an answer */
};

struct rx {
	int fd, port, stop_pipe[2], ctl_pipe[2];
	int mode;		/* enum rx_mode, under mu */
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rx_action script[16];
	unsigned nscript, next;
	struct rx_req *reqs;
	size_t nreqs, capreqs;
	struct rx_span *spans;	/* from requests answered 2xx */
	size_t nspans, capspans;
	size_t nrefused;	/* spans in requests answered otherwise */
	size_t accepted;	/* spans answered 2xx, kept or not */
	int discard;		/* count spans only (long runs): nothing kept */
	/* with discard: called, under mu, with every span of each accepted
	 * request (decoded, then not kept): long runs count by span id */
	void (*tally)(void *ctx, const struct rx_span *s);
	void *tally_ctx;
	/* metrics requests: counted and decoded apart from the spans */
	struct rx_point *pts;
	size_t npts, cappts;
	int nmreqs;		/* metrics requests answered 2xx */
	int nmbad;		/* metrics requests that did not decode */
	int nmdown;		/* metrics requests met while down (RX_HANGUP) */
	char mcontent_type[64];	/* of the last one */
	char mcontent_encoding[32], mcustom[128];	/* of the last one (X-Test-Token) */
	char url[64];
};

/* rx_start: listening, or NULL. */
struct rx *rx_start(const struct rx_action *script, unsigned n);
void rx_stop(struct rx *r);

/* rx_set_mode: go down (or up again) the way mode says; the listening
 * socket and any open connection follow before the next request. */
void rx_set_mode(struct rx *r, enum rx_mode mode);

/* rx_wait_spans: until at least n spans were accepted or timeout_ms;
 * returns the count seen. */
size_t rx_wait_spans(struct rx *r, size_t n, int timeout_ms);

/* Decoders shared with the file checks. Append to *out (growable). */
int rx_decode_pb(const uint8_t *b, size_t n, struct rx_span **out, size_t *nout, size_t *cap,
		 int req, char *res, size_t rescap);
int rx_decode_json(const char *b, size_t n, struct rx_span **out, size_t *nout, size_t *cap,
		   int req, char *res, size_t rescap);

/* Metrics decoders (receiver_metrics.c): points appended to *out. Return
 * the points decoded, or -1 when the body is not a metrics request. */
int rx_decode_metrics_pb(const uint8_t *b, size_t n, struct rx_point **out, size_t *nout,
			 size_t *cap, int mreq);
int rx_decode_metrics_json(const char *b, size_t n, struct rx_point **out, size_t *nout,
			   size_t *cap, int mreq);

/* rx_point_last: the point of metric for (pid, syscall, etype: "" for
 * none) in the latest request that has it (cumulative: the totals), or
 * NULL. */
const struct rx_point *rx_point_last(const struct rx_point *p, size_t n, int64_t pid,
				     const char *metric, const char *syscall, const char *etype);

/* rx_wait_metrics: until at least n metrics requests were answered or
 * timeout_ms; returns the count. */
int rx_wait_metrics(struct rx *r, int n, int timeout_ms);

/* rx_count_pb: spans in a protobuf request, -1 when it does not decode. */
int rx_count_pb(const uint8_t *b, size_t n);

/* rx_attr: the value of key on s, NULL when absent. */
const char *rx_attr(const struct rx_span *s, const char *key);

/* hex of n bytes into out (2n+1) */
void rx_hex(const uint8_t *b, size_t n, char *out);

#endif
