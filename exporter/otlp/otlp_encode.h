/* otlp_encode.h: a batch of spans as an ExportTraceServiceRequest, in the
 * protobuf (otlp_pb.c) or the OTLP JSON (otlp_json.c) encoding.
 *
 * Encoders keep their buffers and scratch arrays from batch to batch and
 * run on the sender thread only. They never change the spans and never
 * print.
 */
#ifndef RN_OTLP_ENCODE_H
#define RN_OTLP_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "otlp_model.h"
#include "otlp_span.h"

struct rn_otlp_batch {
	const uint8_t *trace_id;	/* 16 bytes, every span's */
	const char *trace_state;	/* TRACESTATE or NULL */
	const struct rn_otlp_resource *res;
	struct rn_span *const *spans;
	size_t n;
};

/* A growable byte buffer. */
struct rn_otlp_buf {
	uint8_t *p;
	size_t len, cap;
};

/* rn_otlp_buf_reserve: room for n more bytes. Returns 0 or -ENOMEM. */
int rn_otlp_buf_reserve(struct rn_otlp_buf *b, size_t n);
void rn_otlp_buf_free(struct rn_otlp_buf *b);

struct rn_otlp_pb;

/* rn_otlp_pb_new / _free: the protobuf encoder's workspace. */
struct rn_otlp_pb *rn_otlp_pb_new(void);
void rn_otlp_pb_free(struct rn_otlp_pb *e);

/* rn_otlp_pb_encode: the batch as protobuf bytes in *out (valid until the
 * next call). Returns 0 or -ENOMEM. */
int rn_otlp_pb_encode(struct rn_otlp_pb *e, const struct rn_otlp_batch *b,
		      const uint8_t **out, size_t *len);

/* rn_otlp_json_encode: the batch as one line of OTLP JSON (with its '\n'
 * when newline) appended to out. Returns 0 or -ENOMEM. */
int rn_otlp_json_encode(struct rn_otlp_buf *out, const struct rn_otlp_batch *b, int newline);

#endif
