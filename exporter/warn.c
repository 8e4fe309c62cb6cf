/* warn.c: the warning line for a bad environment value (warn.h). Prints
 * and returns; never exits: a bad variable keeps its default. */
#include "warn.h"

#include <stdio.h>

void rn_env_warn(const char *name, const char *value, const char *why)
{
	fprintf(stderr, "renacer: warning: %s='%s' ignored: %s\n", name, value, why);
}
