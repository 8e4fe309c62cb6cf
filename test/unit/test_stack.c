/* test_stack.c: the exporter's side of -k: stack items decode and are
 * bounds-checked, module records a hostile program could write are
 * refused, and a return address in a known object is named (function, or
 * module+offset). */
#include <criterion/criterion.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "../../common/record.h"
#include "../../common/table.h"
#include "../../exporter/decode/decode.h"
#include "../../exporter/stack/stack.h"

static void item(uint8_t *buf, uint32_t *off, uint8_t tag, uint8_t flags, const void *p, uint16_t len)
{
	struct rn_item it = { tag, flags, len };
	memcpy(buf + *off, &it, sizeof it);
	memcpy(buf + *off + sizeof it, p, len);
	*off += sizeof it + len;
}

Test(decode, stack_item_follows_the_calls_items)
{
	uint8_t ext[256];
	uint32_t n = 0;
	uint64_t ips[3] = { 0x1000, 0x2000, 0x3000 };
	item(ext, &n, RN_ARG_PATH, 0, "/etc/passwd", 11);
	item(ext, &n, RN_ITEM_STACK, RN_ITEM_TRUNC, ips, sizeof ips);
	struct rn_rec rec = { .fn = RN_IDX_openat, .ret = 3, .ext_len = (uint16_t)n };
	struct rn_event ev;
	cr_assert_eq(rn_decode(&rec, ext, n, &ev), 0);
	cr_assert_eq(ev.stack_n, 3);
	cr_assert_eq(ev.stack_flags, RN_ITEM_TRUNC);
	uint64_t second;
	memcpy(&second, ev.stack + 8, 8);
	cr_assert_eq(second, 0x2000);
	cr_assert_eq(ev.cap[1].len, 11, "the path is still the path");

	/* a simple record (no captures) with only a stack */
	n = 0;
	item(ext, &n, RN_ITEM_STACK, 0, ips, 8);
	struct rn_rec close_rec = { .fn = RN_IDX_close, .ext_len = (uint16_t)n };
	cr_assert_eq(rn_decode(&close_rec, ext, n, &ev), 0);
	cr_assert_eq(ev.stack_n, 1);
}

Test(decode, bad_stack_items_are_rejected)
{
	uint8_t ext[64];
	uint32_t n = 0;
	uint64_t ip = 0x1000;
	item(ext, &n, RN_ITEM_STACK, 0, &ip, 7);	/* not whole addresses */
	struct rn_rec rec = { .fn = RN_IDX_close, .ext_len = (uint16_t)n };
	struct rn_event ev;
	cr_assert_eq(rn_decode(&rec, ext, n, &ev), -1);
	n = 0;
	item(ext, &n, RN_ITEM_STACK, 0, &ip, 8);
	ext[2] = 64;	/* len past the end */
	cr_assert_eq(rn_decode(&rec, ext, n, &ev), -1);
}

/* A module record as the shim writes it. */
static uint32_t module_item(uint8_t *ext, const void *id, uint8_t idlen, const char *path)
{
	uint32_t len = 4 + 1 + idlen + (uint32_t)strlen(path);
	struct rn_item it = { RN_ITEM_MODULE, 0, (uint16_t)(len - 4) };
	memcpy(ext, &it, 4);
	ext[4] = idlen;
	memcpy(ext + 5, id, idlen);
	memcpy(ext + 5 + idlen, path, strlen(path));
	return len;
}

Test(modules, hostile_module_records_are_refused)
{
	uint8_t ext[256];
	struct rn_rec rec = { .flags = RN_REC_META, .arg = { 0x1000, 0x1000, 0x2000 } };
	uint32_t n = module_item(ext, "", 0, "/bin/true");
	cr_assert_eq(rn_modules_note(1, &rec, ext, n), 0, "the good one");
	cr_assert_eq(rn_modules_note(1, &rec, ext, n - 1), -1, "length not the item's");
	ext[4] = 200;
	cr_assert_eq(rn_modules_note(1, &rec, ext, n), -1, "build id longer than the item");
	n = module_item(ext, "", 0, "/bin/true");
	ext[8] = '\0';
	cr_assert_eq(rn_modules_note(1, &rec, ext, n), -1, "a NUL in the path");
	n = module_item(ext, "", 0, "/bin/true");
	struct rn_rec empty = rec;
	empty.arg[2] = empty.arg[1];
	cr_assert_eq(rn_modules_note(1, &empty, ext, n), -1, "an empty range");
	ext[0] = RN_ITEM_STACK;
	cr_assert_eq(rn_modules_note(1, &rec, ext, n), -1, "another item");
	rn_stack_free();
}

__attribute__((noinline)) int rn_test_known_function(int x)
{
	return x * 3 + 1;
}

static int main_obj(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	memcpy(arg, info, sizeof *info);
	return 1;	/* the first is the program */
}

Test(modules, a_return_address_is_named)
{
	struct dl_phdr_info me;
	dl_iterate_phdr(main_obj, &me);
	char exe[4096];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	cr_assert_gt(l, 0);
	exe[l] = '\0';
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (unsigned i = 0; i < me.dlpi_phnum; i++)
		if (me.dlpi_phdr[i].p_type == PT_LOAD) {
			uintptr_t a = me.dlpi_addr + me.dlpi_phdr[i].p_vaddr;
			lo = a < lo ? a : lo;
			hi = a + me.dlpi_phdr[i].p_memsz > hi ? a + me.dlpi_phdr[i].p_memsz : hi;
		}
	uint8_t ext[4200];
	struct rn_rec rec = { .flags = RN_REC_META, .arg = { me.dlpi_addr, lo, hi } };
	uint32_t n = module_item(ext, "", 0, exe);
	cr_assert_eq(rn_modules_note(42, &rec, ext, n), 0);

	/* a return address 5 bytes into the function, one in no object */
	uint64_t ips[2] = { (uintptr_t)rn_test_known_function + 5, 0x10 };
	struct rn_proc proc = { .pid = 1, .arena_id = 42 };
	struct rn_event ev = { .proc = &proc, .stack = (const uint8_t *)ips, .stack_n = 2 };
	cr_assert_eq(rn_stack_resolve(&ev, 1), 0);
	cr_assert_not_null(ev.frames);
	cr_assert_str_eq(ev.frames[0].module, exe);
	cr_assert_eq(ev.frames[0].offset, ips[0] - me.dlpi_addr);
	cr_assert_str_eq(ev.frames[0].func, "rn_test_known_function");
	cr_assert_eq(ev.frames[0].func_off, 5);
	char buf[256];
	cr_assert_str_eq(rn_frame_name(&ev.frames[0], buf, sizeof buf), "rn_test_known_function+0x5");
	cr_assert_null(ev.frames[1].module, "0x10 is in no object");
	cr_assert_str_eq(rn_frame_name(&ev.frames[1], buf, sizeof buf), "0x10");

	/* a file whose build id is not the one reported is not used: the
	 * frame keeps its module and offset, no name */
	struct rn_proc other = { .pid = 2, .arena_id = 43 };
	n = module_item(ext, "\x01\x02\x03\x04", 4, exe);
	cr_assert_eq(rn_modules_note(43, &rec, ext, n), 0);
	struct rn_event ev2 = { .proc = &other, .stack = (const uint8_t *)ips, .stack_n = 1 };
	cr_assert_eq(rn_stack_resolve(&ev2, 1), 0);
	cr_assert_str_eq(ev2.frames[0].module, exe);
	cr_assert_null(ev2.frames[0].func);
	const char *base = strrchr(exe, '/') + 1;
	char want[256];
	snprintf(want, sizeof want, "%s+0x%llx", base, (unsigned long long)(ips[0] - me.dlpi_addr));
	cr_assert_str_eq(rn_frame_name(&ev2.frames[0], buf, sizeof buf), want);
	rn_stack_free();
}
