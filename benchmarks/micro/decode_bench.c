/* decode_bench: the exporter's per-record parse (exporter/decode/decode.h) on the
 * two shapes that make up most traces:
 *   decode_read        a read() record, no items
 *   decode_openat_path an openat() record with a 24-byte path item
 * Usage: decode_bench [RECORDS (default 5000000)] [REPS (default 7)] */
#include <stdint.h>
#include <string.h>

#include "../../common/record.h"
#include "../../common/table.h"
#include "../../exporter/decode/decode.h"
#include "bench.h"

static long records;
static volatile uint64_t sink;

struct shape {
	struct rn_rec rec;
	uint8_t ext[256];
	uint32_t ext_len;
};

static long decode_loop(void *arg)
{
	const struct shape *s = arg;
	struct rn_event ev;
	uint64_t sum = 0;
	for (long i = 0; i < records; i++) {
		struct rn_rec r = s->rec;
		r.t_enter = (uint64_t)i;
		if (rn_decode(&r, s->ext, s->ext_len, &ev))
			exit(1);
		sum += ev.t_enter_ns + (uint64_t)ev.ret;
	}
	sink = sum;
	return records;
}

int main(int argc, char **argv)
{
	records = argc > 1 ? atol(argv[1]) : 5000000;
	int reps = argc > 2 ? atoi(argv[2]) : 7;
	static struct shape rd, op;
	rd.rec = (struct rn_rec){ .t_enter = 1, .t_exit = 40, .ret = 1, .fn = RN_IDX_read,
				  .arg = { 3, 0x7ffd0000, 1, 0 } };
	const char path[] = "/usr/lib/x86_64-linux-gn";	/* 24 bytes */
	struct rn_item it = { RN_ARG_PATH, 0, 24 };
	memcpy(op.ext, &it, sizeof it);
	memcpy(op.ext + sizeof it, path, 24);
	op.ext_len = sizeof it + 24;
	op.rec = (struct rn_rec){ .t_enter = 1, .t_exit = 900, .ret = 3, .fn = RN_IDX_openat,
				  .arg = { (uint64_t)-100, 0x7ffd0000, 0x80000, 0 },
				  .ext_len = (uint16_t)op.ext_len };
	bench_run("decode_read", decode_loop, &rd, reps);
	bench_run("decode_openat_path", decode_loop, &op, reps);
	return 0;
}
