/* decode.c: parse a record and its tagged items against the table (see
 * decode.h). Never trusts a length it has not checked against what is left.
 */
#include "decode.h"

#include <string.h>

#include "../../common/table.h"
#include "siginfo.h"

/* Items appear in type order: one per captured argument, one per
 * scalar call argument past the fourth. */
static int decode_args(const struct rn_fn_info *fi, const uint8_t *ext, uint32_t ext_len,
		       uint32_t *offp, struct rn_event *ev)
{
	uint32_t off = *offp;
	unsigned k = 0;
	for (unsigned i = 0; i < fi->ntypes; i++) {
		unsigned ty = fi->types[i];
		if (rn_arg_is_implied(ty))
			continue;
		int want_item = rn_arg_is_capture(ty) || k >= 4;
		if (want_item && ext_len) {
			struct rn_item it;
			if (ext_len - off < sizeof it)
				return -1;
			memcpy(&it, ext + off, sizeof it);
			off += sizeof it;
			if (it.len > ext_len - off)
				return -1;
			if (rn_arg_is_capture(ty)) {
				if (it.tag != ty)
					return -1;
				ev->cap[i] = (struct rn_capture){ ext + off, it.len, it.flags, 1 };
			} else {
				if (it.tag != RN_ITEM_SCALAR || it.len != 8)
					return -1;
				if (k < RN_MAX_ARGS)
					memcpy(&ev->arg[k], ext + off, 8);
			}
			off += it.len;
		}
		k++;
	}
	*offp = off;
	return 0;
}

/* Then the data items (RN_ITEM_DATA), each naming the position of a
 * DATA_IN/DATA_OUT argument, at most one per position. */
static int decode_data(const struct rn_fn_info *fi, const uint8_t *ext, uint32_t ext_len,
		       uint32_t *offp, struct rn_event *ev)
{
	uint32_t off = *offp;
	while (ext_len - off >= sizeof(struct rn_item)) {
		struct rn_item it;
		memcpy(&it, ext + off, sizeof it);
		if (it.tag != RN_ITEM_DATA)
			break;
		off += sizeof it;
		if (it.len < 1 || it.len > ext_len - off)
			return -1;
		unsigned pos = ext[off];
		if (pos >= fi->ntypes || pos >= RN_MAX_TYPES)
			return -1;
		unsigned ty = fi->types[pos];
		unsigned slot = ty == RN_ARG_DATA_IN || ty == RN_ARG_DATA_OUT ? pos
				: ty == RN_ARG_IOVEC || ty == RN_ARG_IOVEC_OUT || ty == RN_ARG_MSGHDR ||
						  ty == RN_ARG_MSGHDR_OUT
					? RN_CAP_VEC
					: RN_EV_CAPS;
		if (slot == RN_EV_CAPS || ev->cap[slot].present)
			return -1;
		ev->cap[slot] = (struct rn_capture){ ext + off + 1, (uint16_t)(it.len - 1), it.flags, 1 };
		if (slot == RN_CAP_VEC)
			ev->vec_pos = (uint8_t)pos;
		off += it.len;
	}
	*offp = off;
	return 0;
}

/* -e read=/write=: one dump of a DATA_IN/DATA_OUT buffer */
static int decode_dump(const struct rn_fn_info *fi, const uint8_t *ext, uint32_t ext_len,
		       uint32_t *offp, struct rn_event *ev)
{
	uint32_t off = *offp;
	while (ext_len - off >= sizeof(struct rn_item) && ext[off] == RN_ITEM_DUMP) {
		struct rn_item it;
		memcpy(&it, ext + off, sizeof it);
		off += sizeof it;
		if (it.len < 5 || it.len > ext_len - off || ev->cap[RN_CAP_DUMP].present)
			return -1;
		unsigned pos = ext[off];
		if (pos >= fi->ntypes || pos >= RN_MAX_TYPES ||
		    (fi->types[pos] != RN_ARG_DATA_IN && fi->types[pos] != RN_ARG_DATA_OUT &&
		     fi->types[pos] != RN_ARG_IOVEC && fi->types[pos] != RN_ARG_IOVEC_OUT))
			return -1;
		memcpy(&ev->dump_total, ext + off + 1, 4);
		if (ev->dump_total < (uint32_t)(it.len - 5))
			return -1;
		ev->dump_pos = (uint8_t)pos;
		ev->cap[RN_CAP_DUMP] = (struct rn_capture){ ext + off + 5, (uint16_t)(it.len - 5),
							    it.flags, 1 };
		off += it.len;
	}
	*offp = off;
	return 0;
}

/* -k: the stack item follows the call's own */
static int decode_stack(const uint8_t *ext, uint32_t ext_len, uint32_t *offp, struct rn_event *ev)
{
	uint32_t off = *offp;
	if (ext_len - off >= sizeof(struct rn_item) && ext[off] == RN_ITEM_STACK) {
		struct rn_item it;
		memcpy(&it, ext + off, sizeof it);
		off += sizeof it;
		if (it.len > ext_len - off || it.len % 8)
			return -1;
		ev->stack = ext + off;
		ev->stack_n = (uint16_t)(it.len / 8);
		ev->stack_flags = it.flags & RN_ITEM_TRUNC;
		off += it.len;
	}
	*offp = off;
	return 0;
}

int rn_decode(const struct rn_rec *rec, const uint8_t *ext, uint32_t ext_len,
	      struct rn_event *ev)
{
	if (rec->fn >= RN_NFUNCS || rec->ext_len != ext_len || ext_len > RN_EXT_MAX)
		return -1;
	if (rec->flags & RN_REC_SIGNAL)
		return rn_decode_signal(rec, ext, ext_len, ev);
	const struct rn_fn_info *fi = &rn_fns[rec->fn];
	/* Only what this function uses is cleared: this runs once per call
	 * the program made, and the event is large. */
	ev->proc = NULL;
	ev->tid = 0;
	ev->flags = 0;
	ev->fn = rec->fn;
	ev->ret = rec->ret;
	ev->err = rec->err;
	ev->t_enter_ns = rec->t_enter;
	ev->t_exit_ns = rec->t_exit;
	/* Readers use arg[k] for k < nargs and cap[i] only where types[i] is
	 * a captured type, so the common record (no items) needs no more. */
	memcpy(ev->arg, rec->arg, sizeof rec->arg);
	ev->stack_n = 0;
	ev->stack_flags = 0;
	ev->frames = NULL;
	ev->fdn = NULL;
	ev->spawn_pid = 0;
	ev->cap[RN_CAP_VEC].present = ev->cap[RN_CAP_DUMP].present = 0;
	if (!ext_len && !fi->capture && !fi->data && fi->nargs <= 4)
		return 0;
	memset(ev->arg + 4, 0, sizeof ev->arg - sizeof rec->arg);
	memset(ev->cap, 0, fi->ntypes * sizeof *ev->cap);
	ev->cap[RN_CAP_VEC].present = ev->cap[RN_CAP_DUMP].present = 0;
	ev->cap[RN_CAP_VEC].data = ev->cap[RN_CAP_DUMP].data = NULL;

	uint32_t off = 0;
	if (decode_args(fi, ext, ext_len, &off, ev) || decode_data(fi, ext, ext_len, &off, ev) ||
	    decode_dump(fi, ext, ext_len, &off, ev) || decode_stack(ext, ext_len, &off, ev))
		return -1;
	/* A record written after its call (the AFTER_NORET half of exec)
	 * carries no items; any other leftover bytes mean a malformed one. */
	return off == ext_len ? 0 : -1;
}
