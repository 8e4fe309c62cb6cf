/* otlp_compress.h: the request body's Content-Encoding: gzip (ISA-L's
 * igzip, else libdeflate) or zstd (libzstd), one whole body at a time into
 * a buffer kept from request to request.
 *
 * Runs on the thread that owns the compressor (the sender). It never
 * prints and never keeps a pointer into the body past the call.
 */
#ifndef RN_OTLP_COMPRESS_H
#define RN_OTLP_COMPRESS_H

#include <stddef.h>

#include "otlp_encode.h"

enum rn_otlp_comp_kind {
	RN_OTLP_COMP_NONE,
	RN_OTLP_COMP_GZIP,	/* every OTLP receiver must take it */
	RN_OTLP_COMP_ZSTD,	/* opt-in: the Collector takes it, the specification does not ask */
};

struct rn_otlp_comp;

/* rn_otlp_comp_new: a compressor of that kind (not NONE). Returns 0,
 * -ENOMEM or -EINVAL. */
int rn_otlp_comp_new(struct rn_otlp_comp **out, enum rn_otlp_comp_kind kind);
void rn_otlp_comp_free(struct rn_otlp_comp *c);

/* rn_otlp_comp_run: body[0..len) compressed into out (its bytes replaced).
 * Returns 0 or -ENOMEM. */
int rn_otlp_comp_run(struct rn_otlp_comp *c, const void *body, size_t len, struct rn_otlp_buf *out);

/* rn_otlp_comp_encoding: the Content-Encoding token of kind, NULL for NONE. */
const char *rn_otlp_comp_encoding(enum rn_otlp_comp_kind kind);

#endif
