/* wrapper_cost.c: what one traced call adds, measured inside the traced
 * process: the same failing read(-1) through the wrapper and straight to
 * libc's own definition (dlsym on libc itself), interleaved in blocks, medians.
 * Run it under renacer-run (so the exporter drains meanwhile) or plainly.
 * Usage: wrapper_cost [ITERS-PER-BLOCK (default 20000)] [BLOCKS (default 101)] [NEST]
 * NEST (default 0): the calls are made NEST frames deep, so a stack
 * recorded with --stack-depth has that many frames to walk (-k figures). 
 * With a fourth argument 'openfail' the call is a failing open of a path
 * that does not exist (ENOENT: a failed path call, as in PATH searches)
 * instead of read(-1); with a FILE there, read 64 bytes from FILE (opened
 * first: fd 3), a call that succeeds, so data capture (--data-size) and
 * -e read=3 dumps have bytes to copy: use /dev/zero.
 * Also prints BENCH lines (see bench.h) for benchmarks/run. */
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Runs the block 'nest' frames below main; noinline and the volatile
 * add keep each frame a real one. */
static volatile int rn_sink;
static int (*open_fn)(const char *, int, ...);
static const char missing[] = "/nonexistent-renacer-bench/file";
static int rn_fd = -1;	/* FILE's descriptor, or -1 */
static size_t rn_len = 1;

__attribute__((noinline)) static void block(int nest, long iters, ssize_t (*fn)(int, void *, size_t))
{
	if (nest > 0) {
		block(nest - 1, iters, fn);
		rn_sink += nest;
		return;
	}
	char c[64];
	if (open_fn) {
		/* the wrapped open, or libc's (fn says which) */
		int (*o)(const char *, int, ...) = fn == read ? open : open_fn;
		for (long i = 0; i < iters; i++)
			o(missing, O_RDONLY);
		return;
	}
	for (long i = 0; i < iters; i++)
		fn(rn_fd, c, rn_len);
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 20000;
	int blocks = argc > 2 ? atoi(argv[2]) : 101;
	int nest = argc > 3 ? atoi(argv[3]) : 0;
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	ssize_t (*real_read)(int, void *, size_t) =
		libc ? (ssize_t (*)(int, void *, size_t))dlsym(libc, "read") : NULL;
	if (!real_read)
		return 1;
	const char *what = "read";
	if (argc > 4 && !strcmp(argv[4], "openfail")) {
		open_fn = (int (*)(const char *, int, ...))dlsym(libc, "open");
		if (!open_fn)
			return 1;
		what = "openfail";
	} else if (argc > 4) {
		rn_fd = open(argv[4], O_RDONLY);
		rn_len = 64;
		if (rn_fd < 0)
			return 1;
	}
	double *w = calloc(blocks, sizeof *w), *r = calloc(blocks, sizeof *r);
	for (int b = 0; b < blocks; b++) {
		double t0 = now_ns();
		block(nest, iters, read);
		double t1 = now_ns();
		block(nest, iters, real_read);
		double t2 = now_ns();
		w[b] = (t1 - t0) / iters;
		r[b] = (t2 - t1) / iters;
	}
	qsort(w, blocks, sizeof *w, cmp);
	qsort(r, blocks, sizeof *r, cmp);
	printf("wrapped %.1f ns, direct %.1f ns, added %.1f ns per call (median of %d blocks of %ld)\n",
	       w[blocks / 2], r[blocks / 2], w[blocks / 2] - r[blocks / 2], blocks, iters);
	printf("BENCH wrapper_%s_wrapped ns/op=%.2f ops/s=%.0f min=%.2f max=%.2f reps=%d\n", what,
	       w[blocks / 2], 1e9 / w[blocks / 2], w[0], w[blocks - 1], blocks);
	printf("BENCH wrapper_%s_direct ns/op=%.2f ops/s=%.0f min=%.2f max=%.2f reps=%d\n", what,
	       r[blocks / 2], 1e9 / r[blocks / 2], r[0], r[blocks - 1], blocks);
	return 0;
}
