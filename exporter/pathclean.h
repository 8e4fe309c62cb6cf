/* pathclean.h: lexical cleaning of an absolute path ("//", "/./",
 * "/../"), shared by the descriptor table (fdtable_store.c) and the stack
 * symbolizer (stack/symbolize.c). Touches nothing but the string: no file
 * system access, no allocation. */
#ifndef RN_PATHCLEAN_H
#define RN_PATHCLEAN_H

#include <stddef.h>

/* Cleans p (absolute, NUL-terminated) in place; returns its new length.
 * Never makes it longer; ".." at the root stays at the root. */
size_t rn_path_clean(char *p);

#endif
