/* otlp_compress.c: request bodies compressed for OTLP/HTTP.
 *
 * gzip goes through libdeflate, not zlib: a body is always whole in
 * memory, the one case libdeflate is made for, and at the same level it
 * is several times faster than zlib's deflate with a smaller result
 * (zlib was a third of the OTLP exporter's CPU under perf). zstd at
 * level 1 is faster still and smaller; it is opt-in, since the OTLP
 * specification only asks receivers for gzip and none.
 *
 * It must never print, never keep a pointer into a body, and never
 * return a buffer it did not fill completely.
 */
#include "otlp_compress.h"

#include <errno.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <zstd.h>

/* libdeflate's level 1: the exporter's CPU is the scarce thing, loopback
 * and LAN bytes are not (docs/BENCHMARKS.md has bytes per span). */
#define RN_GZIP_LEVEL 1
/* zstd's level 1; negative levels gained little speed on span batches
 * for a third more bytes (benchmarks/micro/otlp_bench). */
#define RN_ZSTD_LEVEL 1

struct rn_otlp_comp {
	enum rn_otlp_comp_kind kind;
	struct libdeflate_compressor *gz;
	ZSTD_CCtx *zs;
};

const char *rn_otlp_comp_encoding(enum rn_otlp_comp_kind kind)
{
	return kind == RN_OTLP_COMP_GZIP ? "gzip" : kind == RN_OTLP_COMP_ZSTD ? "zstd" : NULL;
}

int rn_otlp_comp_new(struct rn_otlp_comp **out, enum rn_otlp_comp_kind kind)
{
	*out = NULL;
	if (kind != RN_OTLP_COMP_GZIP && kind != RN_OTLP_COMP_ZSTD)
		return -EINVAL;
	struct rn_otlp_comp *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->kind = kind;
	if (kind == RN_OTLP_COMP_GZIP) {
		c->gz = libdeflate_alloc_compressor(RN_GZIP_LEVEL);
	} else if ((c->zs = ZSTD_createCCtx()) &&
		   ZSTD_isError(ZSTD_CCtx_setParameter(c->zs, ZSTD_c_compressionLevel, RN_ZSTD_LEVEL))) {
		ZSTD_freeCCtx(c->zs);
		c->zs = NULL;
	}
	if (!c->gz && !c->zs) {
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void rn_otlp_comp_free(struct rn_otlp_comp *c)
{
	if (!c)
		return;
	if (c->gz)
		libdeflate_free_compressor(c->gz);
	if (c->zs)
		ZSTD_freeCCtx(c->zs);
	free(c);
}

int rn_otlp_comp_run(struct rn_otlp_comp *c, const void *body, size_t len, struct rn_otlp_buf *out)
{
	out->len = 0;
	size_t bound = c->gz ? libdeflate_gzip_compress_bound(c->gz, len) : ZSTD_compressBound(len);
	if (rn_otlp_buf_reserve(out, bound))
		return -ENOMEM;
	size_t n;
	if (c->gz) {
		n = libdeflate_gzip_compress(c->gz, body, len, out->p, out->cap);
		if (!n)
			return -ENOMEM;	/* cannot happen with the bound's room */
	} else {
		/* one frame with the content size in its header: a receiver
		 * knows how much to allocate before it decodes */
		n = ZSTD_compress2(c->zs, out->p, out->cap, body, len);
		if (ZSTD_isError(n))
			return -ENOMEM;
	}
	out->len = n;
	return 0;
}
