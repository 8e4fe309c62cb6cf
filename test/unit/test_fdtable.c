/* test_fdtable.c: the exporter's descriptor table (exporter/fdtable.c)
 * fed hand-built events, and the text the formatter prints from it (-y):
 * what a process's descriptors are after opens, dups, closes, close_range,
 * exec, fork, threads and chdir; what -P selects; hostile numbers.
 *
 * The pids are above any pid_max, so the /proc fallback never finds a
 * process: results never depend on what runs on the machine.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <string.h>

#include "../../exporter/decode/decode_fmt.h"
#include "../../exporter/fdtable.h"

#define PID 999999901
#define CHILD 999999902

static struct rn_proc proc1 = { .pid = PID };
static struct rn_proc proc2 = { .pid = CHILD, .ppid = PID };

static struct rn_event ev_new(unsigned fn, const struct rn_proc *p)
{
	struct rn_event ev;
	memset(&ev, 0, sizeof ev);
	ev.fn = (uint16_t)fn;
	ev.proc = p;
	ev.tid = p->pid;
	return ev;
}

static struct rn_fdt *fdt_new(const char *const *paths, unsigned npaths)
{
	struct rn_fdt *t = NULL;
	const struct rn_fdt_opts o = { .decode = RN_FDT_PATH | RN_FDT_SOCKET, .paths = paths,
				       .npaths = npaths, .cwd = "/nonexistent-rn/home" };
	cr_assert_eq(rn_fdt_new(&t, &o), 0);
	return t;
}

static char line[4096];

/* Feeds ev; returns its argument text as the text sink prints it, with
 * " = RET" after it, or NULL when -P left it out. */
static const char *feed(struct rn_fdt *t, struct rn_event *ev)
{
	if (!rn_fdt_event(t, ev))
		return NULL;
	size_t n = rn_fmt_args(line, sizeof line, ev);
	snprintf(line + n, sizeof line - n, " = ");
	n += 3;
	rn_fmt_ret(line + n, sizeof line - n, ev);
	return line;
}

static const char *open_(struct rn_fdt *t, const struct rn_proc *p, const char *path, int flags, int ret)
{
	struct rn_event ev = ev_new(RN_IDX_open, p);
	ev.arg[1] = (uint64_t)flags;
	ev.cap[1] = (struct rn_capture){ (const uint8_t *)path, (uint16_t)(strlen(path) + 1), 0, 1 };
	ev.ret = ret;
	return feed(t, &ev);
}

static const char *fdcall(struct rn_fdt *t, const struct rn_proc *p, unsigned fn, int64_t fd, int64_t ret)
{
	struct rn_event ev = ev_new(fn, p);
	ev.arg[0] = (uint64_t)fd;
	ev.ret = ret;
	return feed(t, &ev);
}

Test(fdtable, open_read_close_and_after)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	cr_assert_str_eq(open_(t, &proc1, "/etc/x", O_RDONLY, 3),
			 "AT_FDCWD</nonexistent-rn/home>, \"/etc/x\", O_RDONLY = 3</etc/x>");
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 3, 0), "3</etc/x> = 0");
	/* closed: a plain number, as strace shows a descriptor not open */
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 3, -1), "3 = -1");
	rn_fdt_free(t);
}

Test(fdtable, relative_paths_follow_chdir)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	struct rn_event ev = ev_new(RN_IDX_chdir, &proc1);
	ev.cap[0] = (struct rn_capture){ (const uint8_t *)"../w/./d", 9, 0, 1 };
	feed(t, &ev);
	cr_assert_str_eq(open_(t, &proc1, "../y", O_RDONLY, 3),
			 "AT_FDCWD</nonexistent-rn/w/d>, \"../y\", O_RDONLY = 3</nonexistent-rn/w/y>");
	rn_fdt_free(t);
}

Test(fdtable, exec_closes_only_cloexec)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	open_(t, &proc1, "/a", O_RDONLY, 3);
	open_(t, &proc1, "/b", O_RDONLY | O_CLOEXEC, 4);
	struct rn_event d = ev_new(RN_IDX_dup3, &proc1);
	d.arg[0] = 3;
	d.arg[1] = 9;
	d.arg[2] = O_CLOEXEC;
	d.ret = 9;
	cr_assert_str_eq(feed(t, &d), "3</a>, 9, O_CLOEXEC = 9</a>");
	struct rn_event x = ev_new(RN_IDX_execve, &proc1);
	x.flags = RN_EV_UNFINISHED;
	feed(t, &x);
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 3, 0), "3</a> = 0");
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 4, -1), "4 = -1");
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 9, -1), "9 = -1");
	rn_fdt_free(t);
}

Test(fdtable, a_failed_exec_closes_nothing)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	open_(t, &proc1, "/b", O_RDONLY | O_CLOEXEC, 4);
	struct rn_event x = ev_new(RN_IDX_execve, &proc1);
	x.ret = -1;
	x.err = 2;
	feed(t, &x);
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 4, 0), "4</b> = 0");
	rn_fdt_free(t);
}

Test(fdtable, close_range_closes_or_marks)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	open_(t, &proc1, "/a", O_RDONLY, 3);
	open_(t, &proc1, "/b", O_RDONLY, 5);
	open_(t, &proc1, "/c", O_RDONLY, 7);
	struct rn_event c = ev_new(RN_IDX_close_range, &proc1);
	c.arg[0] = 5;
	c.arg[1] = 5;
	c.arg[2] = CLOSE_RANGE_CLOEXEC;
	feed(t, &c);
	c.arg[0] = 6;
	c.arg[1] = ~0u;
	c.arg[2] = 0;
	feed(t, &c);
	struct rn_event x = ev_new(RN_IDX_execve, &proc1);
	feed(t, &x);
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 3, 0), "3</a> = 0");
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 5, -1), "5 = -1");
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 7, -1), "7 = -1");
	rn_fdt_free(t);
}

Test(fdtable, a_fork_child_starts_from_a_copy)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	open_(t, &proc1, "/a", O_RDONLY, 3);
	struct rn_event f = ev_new(RN_IDX_fork, &proc1);
	f.ret = CHILD;
	feed(t, &f);
	fdcall(t, &proc1, RN_IDX_close, 3, 0);	/* the parent's close is its own */
	cr_assert_str_eq(fdcall(t, &proc2, RN_IDX_close, 3, 0), "3</a> = 0");
	rn_fdt_free(t);
}

Test(fdtable, a_child_whose_fork_was_not_seen_first_copies_its_parent)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	open_(t, &proc1, "/a", O_RDONLY, 3);
	cr_assert_str_eq(fdcall(t, &proc2, RN_IDX_close, 3, 0), "3</a> = 0");
	/* the fork's own line, later: the child's table is kept */
	struct rn_event f = ev_new(RN_IDX_fork, &proc1);
	f.ret = CHILD;
	feed(t, &f);
	cr_assert_str_eq(fdcall(t, &proc2, RN_IDX_close, 3, -1), "3 = -1");
	rn_fdt_free(t);
}

Test(fdtable, threads_share_one_table)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	struct rn_event ev = ev_new(RN_IDX_open, &proc1);
	ev.tid = PID + 5;
	ev.cap[1] = (struct rn_capture){ (const uint8_t *)"/t", 3, 0, 1 };
	ev.ret = 6;
	feed(t, &ev);
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 6, 0), "6</t> = 0");
	rn_fdt_free(t);
}

Test(fdtable, names_are_escaped_as_strace_does)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	cr_assert_str_eq(open_(t, &proc1, "/a>b\n1", O_RDONLY, 3),
			 "AT_FDCWD</nonexistent-rn/home>, \"/a>b\\n1\", O_RDONLY = 3</a\\76b\\n1>");
	rn_fdt_free(t);
}

Test(fdtable, sockets_show_their_endpoints)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	struct rn_event s = ev_new(RN_IDX_socket, &proc1);
	s.arg[0] = 2;	/* AF_INET */
	s.arg[1] = 1;	/* SOCK_STREAM */
	s.ret = 3;
	cr_assert_str_eq(feed(t, &s), "AF_INET, SOCK_STREAM, IPPROTO_IP = 3<TCP:[?]>");
	/* connect to 127.0.0.1:8080 */
	static const uint8_t sin[16] = { 2, 0, 0x1f, 0x90, 127, 0, 0, 1 };
	struct rn_event c = ev_new(RN_IDX_connect, &proc1);
	c.arg[0] = 3;
	c.arg[2] = 16;
	c.cap[1] = (struct rn_capture){ sin, 16, 0, 1 };
	feed(t, &c);
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 3, 0), "3<TCP:[?->127.0.0.1:8080]> = 0");
	rn_fdt_free(t);
}

Test(fdtable, trace_path_selects_by_path_and_descriptor)
{
	const char *paths[] = { "/p" };
	struct rn_fdt *t = fdt_new(paths, 1);
	cr_assert_not_null(open_(t, &proc1, "/p", O_RDONLY, 3));
	cr_assert_null(open_(t, &proc1, "/q", O_RDONLY, 4));
	cr_assert_not_null(fdcall(t, &proc1, RN_IDX_read, 3, 0));
	cr_assert_null(fdcall(t, &proc1, RN_IDX_read, 4, 0));
	struct rn_event d = ev_new(RN_IDX_dup2, &proc1);
	d.arg[0] = 3;
	d.arg[1] = 30;
	d.ret = 30;
	cr_assert_not_null(feed(t, &d));
	cr_assert_not_null(fdcall(t, &proc1, RN_IDX_close, 30, 0));
	cr_assert_null(fdcall(t, &proc1, RN_IDX_close, 30, -1));
	rn_fdt_free(t);
}

Test(fdtable, hostile_numbers_are_plain)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	cr_assert_str_eq(open_(t, &proc1, "/a", O_RDONLY, 1 << 30),
			 "AT_FDCWD</nonexistent-rn/home>, \"/a\", O_RDONLY = 1073741824");
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, -5, -1), "-5 = -1");
	/* a pipe whose filled-in pair was cut: nothing learnt */
	struct rn_event p = ev_new(RN_IDX_pipe, &proc1);
	static const uint8_t half[4] = { 7 };
	p.cap[0] = (struct rn_capture){ half, 4, 0, 1 };
	feed(t, &p);
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 7, 0), "7 = 0");
	rn_fdt_free(t);
}

Test(fdtable, posix_spawn_children_start_from_a_copy)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	open_(t, &proc1, "/a", O_RDONLY, 3);
	struct rn_event s = ev_new(RN_IDX_posix_spawn, &proc1);
	static const int32_t child = CHILD;
	s.cap[0] = (struct rn_capture){ (const uint8_t *)&child, 4, 0, 1 };
	s.ret = 0;
	feed(t, &s);
	fdcall(t, &proc1, RN_IDX_close, 3, 0);
	cr_assert_str_eq(fdcall(t, &proc2, RN_IDX_close, 3, 0), "3</a> = 0");
	rn_fdt_free(t);
}

Test(fdtable, popen_gives_a_pipe_and_system_no_child)
{
	struct rn_fdt *t = fdt_new(NULL, 0);
	struct rn_event s = ev_new(RN_IDX_system, &proc1);
	s.cap[0] = (struct rn_capture){ (const uint8_t *)"true", 5, 0, 1 };
	s.ret = 3;	/* a status, not a pid */
	feed(t, &s);
	struct rn_event p = ev_new(RN_IDX_popen, &proc1);
	p.cap[0] = (struct rn_capture){ (const uint8_t *)"ls", 3, 0, 1 };
	p.cap[1] = (struct rn_capture){ (const uint8_t *)"re", 3, 0, 1 };
	p.ret = 5;
	feed(t, &p);
	cr_assert_str_eq(fdcall(t, &proc1, RN_IDX_close, 5, 0), "5<pipe:[?]> = 0");
	rn_fdt_free(t);
}
