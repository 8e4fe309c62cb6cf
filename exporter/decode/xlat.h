/* xlat.h: the shape of a generated name table (one per xlat/NAME.in, built
 * by tools/gen_xlat.cmake into gen/xlat/NAME.c). Included by those
 * generated files next to kernel headers, so it includes nothing that
 * could clash with them. */
#ifndef RN_XLAT_H
#define RN_XLAT_H

#include <stddef.h>
#include <stdint.h>

struct rn_xlat {
	uint64_t val;
	const char *name;
};

#endif
