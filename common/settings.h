/* settings.h: the RENACER_* variables (settings.def) as one struct, with
 * one parser and one writer: the launcher validates and writes them, the
 * shim reads them back with the same code.
 *
 * Runs inside the traced program (the shim's constructor): no allocation,
 * no errno change, no libc call that a wrapper interposes.
 */
#ifndef RN_SETTINGS_H
#define RN_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "record.h"

enum rn_setting_kind { RN_SK_STR, RN_SK_TRACE, RN_SK_U32, RN_SK_POW2, RN_SK_CHOICE };

enum rn_setting_id {
#define RN_SETTING(id, field, kind, def, lo, hi, choices, doc) RN_SET_##id,
#include "settings.def"
#undef RN_SETTING
	RN_NSETTINGS
};

struct rn_setting_info {
	const char *env;	/* "RENACER_STRSIZE" */
	enum rn_setting_kind kind;
	uint32_t def, lo, hi;
	const char *choices;	/* CHOICE: "a\0b\0" */
	const char *doc;
};

extern const struct rn_setting_info rn_setting_info[RN_NSETTINGS];

#define RN_SK_TYPE_STR const char *
#define RN_SK_TYPE_TRACE const char *
#define RN_SK_TYPE_U32 uint32_t
#define RN_SK_TYPE_POW2 uint32_t
#define RN_SK_TYPE_CHOICE uint32_t

/* The values; strings point into the environment (or argv) they came
 * from, NULL when unset. */
struct rn_settings {
#define RN_SETTING(id, field, kind, def, lo, hi, choices, doc) RN_SK_TYPE_##kind field;
#include "settings.def"
#undef RN_SETTING
};

/* rn_settings_default: every setting at its default. */
void rn_settings_default(struct rn_settings *s);

/* rn_setting_set: parse v as setting id into s. Returns 0, or -1 with
 * *why saying what is wrong ("not a power of two", "out of range
 * 1024..4194304", "expected drop or block"); s is then unchanged. */
int rn_setting_set(struct rn_settings *s, enum rn_setting_id id, const char *v, const char **why);

/* The caller's getenv, and what to do with a bad value. */
typedef char *rn_getenv_fn(const char *name);	/* getenv */
typedef void rn_warn_fn(const char *name, const char *value, const char *why);

/* rn_settings_read: defaults, then each variable that is set and not
 * empty; a bad value is passed to warn (if not NULL) and the default
 * kept. */
void rn_settings_read(struct rn_settings *s, rn_getenv_fn *get, rn_warn_fn *warn);

/* rn_setting_text: setting id of s as the environment carries it, NULL
 * when unset (a NULL string). Numbers are written into buf. */
const char *rn_setting_text(const struct rn_settings *s, enum rn_setting_id id, char *buf,
			    size_t cap);

/* rn_setting_choice: the name of CHOICE value v of setting id. */
const char *rn_setting_choice(enum rn_setting_id id, uint32_t v);

#endif
