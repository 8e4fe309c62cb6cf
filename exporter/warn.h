/* warn.h: the one warning line for a bad environment value, shared by the
 * option parser and the OTLP settings (which must not include each other).
 */
#ifndef RN_WARN_H
#define RN_WARN_H

/* rn_env_warn: "renacer: warning: NAME='VALUE' ignored: WHY" on stderr. */
void rn_env_warn(const char *name, const char *value, const char *why);

#endif
