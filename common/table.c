/* table.c: expands syscalls.def into the rn_fns array, and answers
 * questions about the x86-64 system calls (gen/sysnames.h). Data and
 * lookups only: the shim reads it from its constructor. */
#include "table.h"

#include <string.h>

#include "sysnames.h"
#include "table_macros.h"

/* A row's system call by number: RN_NR_<sys> from the kernel headers, so
 * a row naming a call x86-64 does not have fails to compile. syscall(2)'s
 * row is the one without a number of its own. */
#define RN_NR_syscall (-1)
#define RN_HOW_GEN 0
#define RN_HOW_CUSTOM 1
#define RN_HOW_VDSO 2

const struct rn_fn_info rn_fns[RN_NFUNCS] = {
#define RN_FN(func, sys, cls, how, ret, rtype, proto, call, types)           \
	[RN_IDX_##func] = {                                                  \
		#func, #sys, RN_CLASS_##cls, RN_RET_##ret,                   \
		RN_NARGS call, RN_NARGS types,                               \
		RN_HOW_##how == RN_HOW_CUSTOM,                               \
		RN_CAPS_ types,                                              \
		{ RN_PFX types },                                            \
		RN_NR_##sys, RN_HOW_##how == RN_HOW_VDSO,                    \
		RN_ANY_T(RN_IS_DATA, types),                                 \
	},
#include "syscalls.def"
#undef RN_FN
};

/* by bit, as enum rn_class; "%stat" is strace's %%stat (stat_like) */
static const char *const rn_class_names[] = {
	"file", "desc", "network", "process", "memory", "signal", "ipc",
	"time", "poll", "stat", "lstat", "fstat", "%stat", "statfs", "fstatfs",
	"%statfs", "pure", "creds", "clock",
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

#define RN_NSYSENTS (sizeof rn_sysents / sizeof rn_sysents[0])
_Static_assert(RN_NSYSENTS <= RN_NSYS, "RN_NSYS covers every x86-64 number");

const char *rn_sys_name(unsigned nr)
{
	return nr < RN_NSYSENTS ? rn_sysents[nr].name : NULL;
}

uint32_t rn_sys_classes(unsigned nr)
{
	return nr < RN_NSYSENTS ? rn_sysents[nr].cls : 0;
}

int rn_sys_lookup(const char *name, unsigned len)
{
	for (unsigned nr = 0; nr < RN_NSYSENTS; nr++) {
		const char *s = rn_sysents[nr].name;
		if (s && !strncmp(s, name, len) && !s[len])
			return (int)nr;
	}
	return -1;
}
