/* libdir.h: the shim's library inside the session directory (libdir.c). */
#ifndef RN_LIBDIR_H
#define RN_LIBDIR_H

#include <stddef.h>

/* rn_libdir_make: puts lib under session/rt/ for the loaders that may run
 * in the session, and writes into preload the LD_PRELOAD entry naming it
 * (with $LIB: each loader picks its own ABI's directory). Returns 0, or
 * -errno (then the caller preloads lib as it is). */
int rn_libdir_make(const char *session, const char *lib, char *preload, size_t cap);

/* rn_libdir_remove: removes session/rt and everything under it. */
void rn_libdir_remove(const char *session);

#endif
