/* fuzz_decode.c: libFuzzer target: arbitrary bytes as one record and its
 * items, through the decoder and every formatter a sink uses. Nothing a
 * traced program writes may crash, hang or overrun the exporter. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../common/record.h"
#include "../../exporter/decode/decode.h"
#include "../../exporter/decode/decode_fmt.h"
#include "../../exporter/options.h"
#include "../../exporter/sinks/sinks.h"

static struct rn_sink sinks[3];
static struct rn_proc proc = { .pid = 42, .ppid = 1, .exe = "/bin/fuzz" };

static void setup(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	static struct rn_opts o;
	o.tstamp = RN_TS_TT;
	o.durations = 1;
	FILE *null = fopen("/dev/null", "w");
	rn_sink_text_new(&sinks[0], null,
			 &(struct rn_text_opts){ .tstamp = o.tstamp, .durations = o.durations });
	rn_sink_json_new(&sinks[1], null);
	rn_sink_summary_new(&sinks[2], null, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size < sizeof(struct rn_rec))
		return 0;
	struct rn_rec rec;
	memcpy(&rec, data, sizeof rec);
	const uint8_t *ext = data + sizeof rec;
	size_t ext_len = size - sizeof rec;
	if (ext_len > RN_EXT_MAX)
		ext_len = RN_EXT_MAX;
	/* the record's own length claim is tried as given and as the truth */
	for (int pass = 0; pass < 2; pass++) {
		struct rn_rec r = rec;
		if (pass)
			r.ext_len = (uint16_t)ext_len;
		struct rn_event ev;
		if (rn_decode(&r, ext, (uint32_t)ext_len, &ev))
			continue;
		ev.proc = &proc;
		ev.tid = 42;
		ev.flags = rec.flags & 1;
		char buf[512];
		rn_fmt_args(buf, sizeof buf, &ev);
		rn_fmt_ret(buf, sizeof buf, &ev);
		rn_fmt_args(buf, 7, &ev);	/* truncation paths */
		for (unsigned i = 0; i < 3; i++)
			sinks[i].event(&sinks[i], &ev);
	}
	return 0;
}
