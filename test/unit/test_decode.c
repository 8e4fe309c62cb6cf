/* test_decode.c: records and their items decode as the table says, and no
 * malformed record -- what a hostile program could write into its arena --
 * is accepted or read out of bounds. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../common/record.h"
#include "../../common/table.h"
#include "../../exporter/decode/decode.h"
#include "../../exporter/decode/decode_fmt.h"

/* Appends one item to buf at *off. */
static void item(uint8_t *buf, uint32_t *off, uint8_t tag, uint8_t flags, const void *p, uint16_t len)
{
	struct rn_item it = { tag, flags, len };
	memcpy(buf + *off, &it, sizeof it);
	memcpy(buf + *off + sizeof it, p, len);
	*off += sizeof it + len;
}

Test(decode, openat_with_path_capture)
{
	uint8_t ext[256];
	uint32_t n = 0;
	item(ext, &n, RN_ARG_PATH, 0, "/etc/passwd", 11);
	struct rn_rec rec = { .t_enter = 10, .t_exit = 20, .ret = 3, .fn = RN_IDX_openat,
			      .arg = { (uint64_t)-100, 0x1234, 0x80000, 0 }, .ext_len = (uint16_t)n };
	struct rn_event ev;
	cr_assert_eq(rn_decode(&rec, ext, n, &ev), 0);
	cr_assert_eq(ev.fn, RN_IDX_openat);
	cr_assert_eq(ev.ret, 3);
	cr_assert_eq((int)ev.arg[0], -100);
	cr_assert_eq(ev.cap[1].present, 1, "the PATH is the second type");
	cr_assert_eq(ev.cap[1].len, 11);
	cr_assert_eq(memcmp(ev.cap[1].data, "/etc/passwd", 11), 0);
}

Test(decode, arguments_past_the_fourth_come_as_scalars)
{
	uint8_t ext[64];
	uint32_t n = 0;
	uint64_t fd = 7, off = 4096;
	item(ext, &n, RN_ITEM_SCALAR, 0, &fd, 8);
	item(ext, &n, RN_ITEM_SCALAR, 0, &off, 8);
	struct rn_rec rec = { .fn = RN_IDX_mmap, .arg = { 0, 8192, 3, 2 }, .ext_len = (uint16_t)n };
	struct rn_event ev;
	cr_assert_eq(rn_decode(&rec, ext, n, &ev), 0);
	cr_assert_eq(ev.arg[4], 7);
	cr_assert_eq(ev.arg[5], 4096);
}

Test(decode, malformed_records_are_rejected)
{
	uint8_t ext[64];
	uint32_t n = 0;
	item(ext, &n, RN_ARG_PATH, 0, "abc", 3);
	struct rn_event ev;
	struct rn_rec rec = { .fn = RN_IDX_unlink, .ext_len = (uint16_t)n };
	cr_assert_eq(rn_decode(&rec, ext, n, &ev), 0, "the good one");

	struct rn_rec bad = rec;
	bad.fn = RN_NFUNCS;
	cr_assert_eq(rn_decode(&bad, ext, n, &ev), -1, "function index out of the table");
	bad = rec;
	bad.ext_len = (uint16_t)(n + 1);
	cr_assert_eq(rn_decode(&bad, ext, n, &ev), -1, "length disagrees with the bytes");
	cr_assert_eq(rn_decode(&rec, ext, n - 1, &ev), -1, "item runs past the end");
	uint8_t wrongtag[64];
	uint32_t m = 0;
	item(wrongtag, &m, RN_ARG_STR, 0, "abc", 3);
	bad = rec;
	bad.ext_len = (uint16_t)m;
	cr_assert_eq(rn_decode(&bad, wrongtag, m, &ev), -1, "item of the wrong kind");
	uint8_t longer[64];
	memcpy(longer, ext, n);
	longer[n] = 0;
	bad = rec;
	bad.ext_len = (uint16_t)(n + 1);
	cr_assert_eq(rn_decode(&bad, longer, n + 1, &ev), -1, "trailing bytes");
	struct rn_item huge = { RN_ARG_PATH, 0, 60000 };
	memcpy(longer, &huge, sizeof huge);
	bad = rec;
	bad.ext_len = 8;
	cr_assert_eq(rn_decode(&bad, longer, 8, &ev), -1, "item longer than the record");
}

Test(decode, every_function_survives_garbage_items)
{
	/* deterministic pseudo-random bytes: nothing may be accepted that
	 * points outside the buffer */
	uint8_t ext[512];
	uint64_t x = 88172645463325252ull;
	for (unsigned round = 0; round < 20000; round++) {
		for (unsigned i = 0; i < sizeof ext; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			ext[i] = (uint8_t)x;
		}
		uint32_t len = (uint32_t)(x % sizeof ext);
		struct rn_rec rec = { .fn = (uint16_t)(round % (RN_NFUNCS + 3)), .ext_len = (uint16_t)len };
		struct rn_event ev;
		if (rn_decode(&rec, ext, len, &ev) == 0) {
			for (unsigned k = 0; k < rn_fns[ev.fn].ntypes; k++)
				if (ev.cap[k].present) {
					cr_assert_geq(ev.cap[k].data, ext);
					cr_assert_leq(ev.cap[k].data + ev.cap[k].len, ext + len);
				}
			/* and every formatter reads what it was given, no more */
			char out[8192];
			ev.flags = 0;
			rn_fmt_args(out, sizeof out, &ev);
			rn_fmt_ret(out, sizeof out, &ev);
		}
	}
}

/* RN_ITEM_DATA: after every other item, naming a DATA_IN/DATA_OUT
 * position of the row, at most once each; anything else is malformed. */
Test(decode, data_items_name_a_data_argument_once)
{
	uint8_t ext[64];
	uint32_t n = 0;
	uint8_t pay[] = { 1, 'h', 'i' };	/* position 1: write's buffer */
	item(ext, &n, RN_ITEM_DATA, 0, pay, sizeof pay);
	struct rn_rec rec = { .fn = RN_IDX_write, .ret = 2, .arg = { 1, 0x1000, 2 }, .ext_len = (uint16_t)n };
	struct rn_event ev;
	cr_assert_eq(rn_decode(&rec, ext, n, &ev), 0);
	cr_assert_eq(ev.cap[1].present, 1);
	cr_assert_eq(ev.cap[1].len, 2);
	cr_assert_eq(memcmp(ev.cap[1].data, "hi", 2), 0);

	struct rn_rec bad = rec;
	item(ext, &n, RN_ITEM_DATA, 0, pay, sizeof pay);
	bad.ext_len = (uint16_t)n;
	cr_assert_eq(rn_decode(&bad, ext, n, &ev), -1, "the same buffer twice");

	uint8_t other[64];
	uint32_t m = 0;
	uint8_t fd_pos[] = { 0, 'x' };	/* position 0 is the fd */
	item(other, &m, RN_ITEM_DATA, 0, fd_pos, sizeof fd_pos);
	bad = rec;
	bad.ext_len = (uint16_t)m;
	cr_assert_eq(rn_decode(&bad, other, m, &ev), -1, "not a data argument");
	m = 0;
	uint8_t far[] = { 200, 'x' };
	item(other, &m, RN_ITEM_DATA, 0, far, sizeof far);
	bad.ext_len = (uint16_t)m;
	cr_assert_eq(rn_decode(&bad, other, m, &ev), -1, "position past the row");
	m = 0;
	item(other, &m, RN_ITEM_DATA, 0, far, 0);
	bad.ext_len = (uint16_t)m;
	cr_assert_eq(rn_decode(&bad, other, m, &ev), -1, "no position byte");
}

/* RN_ITEM_DUMP (-e read=/write=): after the data items, naming a
 * DATA_IN/DATA_OUT position once, its full length no less than what it
 * holds; the dump prints as strace's hex lines. */
Test(decode, dump_items_are_checked_and_print_as_hex_lines)
{
	uint8_t ext[128];
	uint32_t n = 0;
	uint8_t pay[] = { 1, 3, 0, 0, 0, 'h', 'i', '\n' };	/* position 1, 3 bytes */
	item(ext, &n, RN_ITEM_DUMP, 0, pay, sizeof pay);
	struct rn_rec rec = { .fn = RN_IDX_write, .ret = 3, .arg = { 1, 0x1000, 3 }, .ext_len = (uint16_t)n };
	struct rn_event ev;
	cr_assert_eq(rn_decode(&rec, ext, n, &ev), 0);
	cr_assert_eq(ev.cap[RN_CAP_DUMP].present, 1);
	cr_assert_eq(ev.dump_total, 3);
	char l[128];
	cr_assert_gt(rn_fmt_dump_line(l, sizeof l, &ev, 0), 0);
	cr_assert_str_eq(l, " | 00000  68 69 0a                                          hi.              |");
	cr_assert_eq(rn_fmt_dump_line(l, sizeof l, &ev, 16), 0);

	struct rn_rec bad = rec;
	uint8_t liar[] = { 1, 1, 0, 0, 0, 'h', 'i' };	/* says 1 byte, holds 2 */
	uint32_t m = 0;
	uint8_t other[64];
	item(other, &m, RN_ITEM_DUMP, 0, liar, sizeof liar);
	bad.ext_len = (uint16_t)m;
	cr_assert_eq(rn_decode(&bad, other, m, &ev), -1, "holds more than its length");
	m = 0;
	uint8_t fd_pos[] = { 0, 1, 0, 0, 0, 'x' };
	item(other, &m, RN_ITEM_DUMP, 0, fd_pos, sizeof fd_pos);
	bad.ext_len = (uint16_t)m;
	cr_assert_eq(rn_decode(&bad, other, m, &ev), -1, "not a data argument");
	item(ext, &n, RN_ITEM_DUMP, 0, pay, sizeof pay);
	bad.ext_len = (uint16_t)n;
	cr_assert_eq(rn_decode(&bad, ext, n, &ev), -1, "two dumps");
}

/* An iovec array's bytes whose lengths lie print no more than they hold:
 * the buffers past the lie print as addresses. */
Test(decode, vector_bytes_with_lying_lengths_stay_in_bounds)
{
	uint8_t ext[256];
	uint32_t n = 0;
	struct { uint64_t base, len; } iov[2] = { { 0x1000, 2 }, { 0x2000, 6 } };
	item(ext, &n, RN_ARG_IOVEC, 0, iov, sizeof iov);
	uint8_t pay[] = { 1, 2, 0, 'h', 'i', 0xff, 0x7f, 't' };	/* 2nd claims 32767 bytes */
	item(ext, &n, RN_ITEM_DATA, 0, pay, sizeof pay);
	struct rn_rec rec = { .fn = RN_IDX_writev, .ret = 8, .arg = { 4, 0x3000, 2 }, .ext_len = (uint16_t)n };
	struct rn_event ev;
	cr_assert_eq(rn_decode(&rec, ext, n, &ev), 0);
	char out[512];
	rn_fmt_args(out, sizeof out, &ev);
	cr_assert_str_eq(out, "4, [{iov_base=\"hi\", iov_len=2}, {iov_base=0x2000, iov_len=6}], 2");
}

/* Well-formed items of every length from 0 to 300 with garbage bytes, for
 * every row: each formatter checks its structure's size before reading. */
Test(decode, formatters_survive_every_capture_length)
{
	static uint8_t ext[RN_MAX_TYPES * (4 + 300) + 64];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (unsigned fn = 0; fn < RN_NFUNCS; fn++) {
		const struct rn_fn_info *fi = &rn_fns[fn];
		for (unsigned l = 0; l <= 300; l += 7) {
			uint32_t n = 0;
			unsigned k = 0;
			for (unsigned i = 0; i < fi->ntypes; i++) {
				unsigned t = fi->types[i];
				if (rn_arg_is_implied(t))
					continue;
				uint8_t junk[300];
				for (unsigned j = 0; j < sizeof junk; j++) {
					x ^= x << 13;
					x ^= x >> 7;
					x ^= x << 17;
					junk[j] = (uint8_t)x;
				}
				if (rn_arg_is_capture(t))
					item(ext, &n, (uint8_t)t, (uint8_t)(x & RN_ITEM_TRUNC), junk,
					     (uint16_t)l);
				else if (k >= 4)
					item(ext, &n, RN_ITEM_SCALAR, 0, junk, 8);
				k++;
			}
			struct rn_rec rec = { .fn = (uint16_t)fn, .ret = (int64_t)(x % 64),
					      .arg = { x, x >> 3, x >> 7, x >> 11 }, .ext_len = (uint16_t)n };
			struct rn_event ev;
			cr_assert_eq(rn_decode(&rec, ext, n, &ev), 0, "%s", fi->func);
			char out[16384];
			rn_fmt_args(out, sizeof out, &ev);
			rn_fmt_ret(out, sizeof out, &ev);
		}
	}
}
