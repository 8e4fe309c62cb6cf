/* table.c: expands syscalls.def into the rn_fns array. Data only. */
#include "table.h"

#include <string.h>

#include "table_macros.h"

const struct rn_fn_info rn_fns[RN_NFUNCS] = {
#define RN_FN(func, sys, cls, how, ret, rtype, proto, call, types)           \
	[RN_IDX_##func] = {                                                  \
		#func, #sys, RN_CLASS_##cls, RN_RET_##ret,                   \
		RN_NARGS call, RN_NARGS types,                               \
		sizeof(#how) == sizeof("CUSTOM"),                            \
		RN_CAPS_ types,                                              \
		{ RN_PFX types },                                            \
		RN_ANY_T(RN_IS_DATA, types),                                 \
	},
#include "syscalls.def"
#undef RN_FN
};

static const char *const rn_class_names[] = {
	"file", "desc", "network", "process", "memory", "signal", "ipc",
	"time", "poll",
};

unsigned rn_class_parse(const char *name, unsigned len)
{
	if (len && name[0] == '%') {
		name++;
		len--;
	}
	if (len == 3 && !memcmp(name, "net", 3))
		return RN_CLASS_NETWORK;
	for (unsigned i = 0; i < sizeof rn_class_names / sizeof *rn_class_names; i++)
		if (strlen(rn_class_names[i]) == len && !memcmp(rn_class_names[i], name, len))
			return 1u << i;
	return 0;
}

const char *rn_class_name(unsigned cls)
{
	for (unsigned i = 0; i < sizeof rn_class_names / sizeof *rn_class_names; i++)
		if (cls == 1u << i)
			return rn_class_names[i];
	return "?";
}
