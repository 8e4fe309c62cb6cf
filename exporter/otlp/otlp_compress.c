/* otlp_compress.c: request bodies compressed for OTLP/HTTP.
 *
 * gzip goes through ISA-L's igzip at level 1 where the build found it
 * (libisal: about 0.2 us a span where libdeflate's level 1 took 0.5, for
 * the same bytes within 2%: 18.8 a span against 18.5, on otlp_bench's
 * batch), else through libdeflate: a body is always whole in memory, the
 * one case libdeflate is made for, and at the same level it is several
 * times faster than zlib's deflate with a smaller result (zlib was a third
 * of the OTLP exporter's CPU under perf). zstd at level 1 is faster still
 * and smaller; it is opt-in, since the OTLP specification only asks
 * receivers for gzip and none.
 *
 * It must never print, never keep a pointer into a body, and never
 * return a buffer it did not fill completely.
 */
#include "otlp_compress.h"

#include <errno.h>
#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>
#include <zstd.h>
#ifdef RN_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

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
	uint8_t *isal_buf;	/* igzip's level 1 work space (RN_HAVE_ISAL) */
};

#ifdef RN_HAVE_ISAL
#define RN_ISAL_BUF ISAL_DEF_LVL1_DEFAULT

/* body as one gzip member by igzip at level 1 into out (room: cap bytes).
 * Returns its length, or 0 when it did not fit. */
static size_t rn_isal_gzip(struct rn_otlp_comp *c, const void *body, size_t len, uint8_t *out,
			   size_t cap)
{
	struct isal_zstream s;
	isal_deflate_init(&s);
	s.level = 1;
	s.level_buf = c->isal_buf;
	s.level_buf_size = RN_ISAL_BUF;
	s.gzip_flag = IGZIP_GZIP;
	s.end_of_stream = 1;
	s.flush = NO_FLUSH;
	s.next_in = (uint8_t *)(uintptr_t)body;	/* only read */
	s.avail_in = (uint32_t)len;
	s.next_out = out;
	s.avail_out = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	if (isal_deflate(&s) != COMP_OK || s.internal_state.state != ZSTATE_END)
		return 0;
	return s.total_out;
}
#endif

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
		/* libdeflate also gives the bound, and takes a body igzip
		 * could not fit in it */
		c->gz = libdeflate_alloc_compressor(RN_GZIP_LEVEL);
#ifdef RN_HAVE_ISAL
		if (c->gz && !(c->isal_buf = malloc(RN_ISAL_BUF))) {
			libdeflate_free_compressor(c->gz);
			c->gz = NULL;
		}
#endif
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
	free(c->isal_buf);
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
		n = 0;
#ifdef RN_HAVE_ISAL
		if (len <= UINT32_MAX)
			n = rn_isal_gzip(c, body, len, out->p, out->cap);
#endif
		if (!n)
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
