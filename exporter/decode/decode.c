/* decode.c: parse a record and its tagged items against the table (see
 * decode.h). Never trusts a length it has not checked against what is left.
 */
#include "decode.h"

#include <string.h>

#include "../../common/table.h"
#include "siginfo.h"

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
	if (!ext_len && !fi->capture && !fi->data && fi->nargs <= 4)
		return 0;
	memset(ev->arg + 4, 0, sizeof ev->arg - sizeof rec->arg);
	memset(ev->cap, 0, fi->ntypes * sizeof *ev->cap);

	/* Items appear in type order: one per captured argument, one per
	 * scalar call argument past the fourth. */
	uint32_t off = 0;
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
	/* Then the data items (RN_ITEM_DATA), each naming the position of a
	 * DATA_IN/DATA_OUT argument, at most one per position. */
	while (ext_len - off >= sizeof(struct rn_item)) {
		struct rn_item it;
		memcpy(&it, ext + off, sizeof it);
		if (it.tag != RN_ITEM_DATA)
			break;
		off += sizeof it;
		if (it.len < 1 || it.len > ext_len - off)
			return -1;
		unsigned pos = ext[off];
		if (pos >= fi->ntypes || pos >= RN_MAX_TYPES ||
		    (fi->types[pos] != RN_ARG_DATA_IN && fi->types[pos] != RN_ARG_DATA_OUT) ||
		    ev->cap[pos].present)
			return -1;
		ev->cap[pos] = (struct rn_capture){ ext + off + 1, (uint16_t)(it.len - 1), it.flags, 1 };
		off += it.len;
	}
	/* -k: the stack item follows the call's own */
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
	/* A record written after its call (the AFTER_NORET half of exec)
	 * carries no items; any other leftover bytes mean a malformed one. */
	return off == ext_len ? 0 : -1;
}
