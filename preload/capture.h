/* capture.h: what the capture files (capture.c: item writing;
 * capture_str.c: paths and strings; capture_struct.c: structures;
 * capture_data.c: data buffers) share: the writer of continuation bytes
 * after a record slot and the helpers each file calls in the others.
 * Private to them: the wrappers never include it.
 *
 * The byte-level helpers are static inline here, so splitting capture by
 * job adds no call. Nothing here reads the program's memory except through
 * rn_cw_copy_user, which is fault-safe in safe mode.
 */
#ifndef RN_CAPTURE_H
#define RN_CAPTURE_H

#include <string.h>

#include "shim_priv.h"

#pragma GCC visibility push(hidden)

/* Writes continuation bytes after the record slot, wrapping at the ring's
 * end. 'off' counts bytes from the first continuation slot. */
struct rn_cw {
	struct rn_prod *p;
	uint32_t off;
	uint32_t cap;		/* bytes available */
	int safe;		/* read the program's memory with process_vm_readv */
};

static inline uint8_t *rn_cw_at(const struct rn_cw *w, uint32_t off, uint32_t *contig)
{
	uint64_t ringbytes = (w->p->mask + 1) * RN_REC_SIZE;
	uint64_t pos = (((w->p->tail + 1) & w->p->mask) * RN_REC_SIZE + off) % ringbytes;
	*contig = (uint32_t)(ringbytes - pos);
	return (uint8_t *)w->p->slots + pos;
}

/* Copies n bytes to w->off (capture.c): out of line, as it always was
 * (inlined, it grows every caller's frame: RN_STACK_BUDGET). */
void rn_cw_put(struct rn_cw *w, const void *src, uint32_t n);

static inline void rn_cw_item(struct rn_cw *w, uint8_t tag, uint8_t flags, uint16_t len)
{
	struct rn_item it = { tag, flags, len };
	rn_cw_put(w, &it, sizeof it);
}

/* Patches an item header written earlier at 'at'. */
static inline void rn_cw_patch(struct rn_cw *w, uint32_t at, uint8_t tag, uint8_t flags, uint16_t len)
{
	uint32_t save = w->off;
	w->off = at;
	rn_cw_item(w, tag, flags, len);
	w->off = save;
}

/* Elements of an array argument kept at most (pollfd, epoll_event,
 * iovec): strace too abbreviates long arrays. */
#define RN_ARRAY_MAX 32

/* capture.c */
/* Copies up to n bytes of the program's memory at src into the ring;
 * returns the bytes copied. In safe mode a bad address yields a short copy
 * instead of a crash. */
uint32_t rn_cw_copy_user(struct rn_cw *w, const void *src, uint32_t n);
/* Fixed-size output or input memory: the item, RN_ITEM_UNREAD when not
 * readable (or no room), RN_ITEM_NULL for NULL. */
void rn_cw_mem(struct rn_cw *w, uint8_t tag, const void *p, uint32_t n, int readable);

/* capture_str.c */
/* A NUL-terminated string item, cut at limit bytes. */
void rn_cw_string(struct rn_cw *w, uint8_t tag, const char *s, uint32_t limit);
/* argv: each string as a u16 length then its bytes (RN_ARG_ARGV). */
void rn_cw_argv(struct rn_cw *w, char *const *argv, uint32_t strsize);
/* envp: the number of variables (RN_ARG_ENVP). */
void rn_cw_envp(struct rn_cw *w, char *const *envp);

/* capture_struct.c */
/* Whether an argument of type ty has an item of capture_struct.c's (every
 * case of rn_cw_struct's switch). */
static inline int rn_cw_struct_type(unsigned ty)
{
	switch (ty) {
	case RN_ARG_SOCKADDR: case RN_ARG_SOCKADDR_OUT: case RN_ARG_PIPEFDS: case RN_ARG_STATUSP:
	case RN_ARG_PIDP: case RN_ARG_TIMESPEC: case RN_ARG_STATBUF: case RN_ARG_STATXBUF:
	case RN_ARG_RLIMIT_OUT: case RN_ARG_UTSNAME: case RN_ARG_SIGACTION_OUT:
	case RN_ARG_EPOLLEVS: case RN_ARG_RLIMIT: case RN_ARG_SIGACTION: case RN_ARG_EPOLLEV:
	case RN_ARG_POLLFDS: case RN_ARG_IOVEC: case RN_ARG_IOVEC_OUT: case RN_ARG_SOCKOPTVAL:
	case RN_ARG_SOCKLENP: case RN_ARG_IOCTLARG:
		return 1;
	default:
		return 0;
	}
}
/* The item of argument k of type ty (a structure or array: one
 * rn_cw_struct_type says it has) of a call that returned ret with errno
 * err (0: success). */
void rn_cw_struct(struct rn_cw *w, unsigned ty, unsigned k, const uint64_t *a, uint32_t nargs,
		  int err, int64_t ret);

/* capture_data.c */
/* A msghdr's control messages kept (an SCM_RIGHTS of 60 descriptors). */
#define RN_CMSG_MAX 256
/* Upper bound of the data bytes an iovec array's item keeps. */
uint32_t rn_vec_data_bound(void);
/* The data items (RN_ITEM_DATA, RN_ITEM_DUMP) of a data row. */
void rn_write_data(struct rn_cw *w, const struct rn_fn_info *fi, const uint64_t *a, int err,
		   int64_t ret);

#pragma GCC visibility pop

#endif
