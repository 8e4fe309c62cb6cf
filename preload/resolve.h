/* resolve.h: finding the definitions dlsym(RTLD_NEXT) would return, for
 * many names at once and without dlsym's per-call cost (resolve.c). */
#ifndef RN_RESOLVE_H
#define RN_RESOLVE_H

#include <stddef.h>

/* rn_lookup_next: for each of n names (a const char * every 'stride'
 * bytes from names), the definition that dlsym(RTLD_NEXT, name) called
 * from the object containing 'self' returns, into out[k]; NULL where this
 * cannot tell (the caller asks dlsym then). Returns how many were found. */
unsigned rn_lookup_next(const void *self, const char *const *names, size_t stride, unsigned n,
			void **out);

#endif
