/* settings.c: parsing, defaults and writing of the RENACER_* variables
 * (see settings.h). Pure code over the table in settings.def: no
 * allocation, no errno change, no libc call a wrapper interposes, so the
 * shim's constructor can use it.
 */
#include "settings.h"

#include "filter.h"

const struct rn_setting_info rn_setting_info[RN_NSETTINGS] = {
#define RN_SETTING(id, field, kind, def, lo, hi, choices, doc) \
	[RN_SET_##id] = { "RENACER_" #id, RN_SK_##kind, def, lo, hi, choices, doc },
#include "settings.def"
#undef RN_SETTING
};

void rn_settings_default(struct rn_settings *s)
{
#define RN_SK_DEF_STR(def) NULL
#define RN_SK_DEF_TRACE(def) NULL
#define RN_SK_DEF_U32(def) (def)
#define RN_SK_DEF_POW2(def) (def)
#define RN_SK_DEF_CHOICE(def) (def)
#define RN_SETTING(id, field, kind, def, lo, hi, choices, doc) s->field = RN_SK_DEF_##kind(def);
#include "settings.def"
#undef RN_SETTING
}

/* A decimal without sign or spaces, at most 10 digits; -1 otherwise. */
static int rn_dec(const char *v, uint64_t *out)
{
	uint64_t n = 0;
	unsigned i = 0;
	for (; v[i]; i++) {
		if (v[i] < '0' || v[i] > '9' || i == 10)
			return -1;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	*out = n;
	return i ? 0 : -1;
}

static int rn_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Appends the decimal v at out; returns the bytes written (at most 10). */
static unsigned rn_u32_text(char *out, uint32_t v)
{
	char tmp[10];
	unsigned t = 0, i = 0;
	do
		tmp[t++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (t)
		out[i++] = tmp[--t];
	return i;
}

static unsigned rn_cat(char *out, const char *s)
{
	unsigned i = 0;
	for (; s[i]; i++)
		out[i] = s[i];
	return i;
}

/* The reason a value is refused, in a static buffer: it must outlive the
 * call, and settings are parsed by one thread at a time (the option
 * parser, or the constructor before any thread exists). */
static char rn_why[96];

static const char *rn_range_why(uint32_t lo, uint32_t hi)
{
	unsigned n = rn_cat(rn_why, "out of range ");
	n += rn_u32_text(rn_why + n, lo);
	n += rn_cat(rn_why + n, "..");
	n += rn_u32_text(rn_why + n, hi);
	rn_why[n] = '\0';
	return rn_why;
}

/* The name after c in a NUL-separated list ("" at the end). */
static const char *rn_next_name(const char *c)
{
	while (*c)
		c++;
	return c + 1;
}

/* "expected a, b or c" from a CHOICE's names. */
static const char *rn_choice_why(const char *c)
{
	unsigned n = rn_cat(rn_why, "expected ");
	for (; *c; c = rn_next_name(c)) {
		const char *next = rn_next_name(c);
		if (n + (unsigned)(next - c) + 4 >= sizeof rn_why)
			break;
		n += rn_cat(rn_why + n, c);
		if (*next)
			n += rn_cat(rn_why + n, *rn_next_name(next) ? ", " : " or ");
	}
	rn_why[n] = '\0';
	return rn_why;
}

int rn_setting_set(struct rn_settings *s, enum rn_setting_id id, const char *v, const char **why)
{
	const struct rn_setting_info *in = &rn_setting_info[id];
	uint64_t n = 0;
	switch (in->kind) {
	case RN_SK_STR:
	case RN_SK_TRACE:
		if (!*v) {
			*why = "empty";
			return -1;
		}
		if (in->kind == RN_SK_TRACE) {
			struct rn_filter f;
			const char *bad;
			unsigned badlen;
			if (rn_filter_parse(&f, v, &bad, &badlen)) {
				*why = badlen ? "unknown syscall or class" : "empty set";
				return -1;
			}
		}
		break;
	case RN_SK_U32:
	case RN_SK_POW2:
		if (rn_dec(v, &n)) {
			*why = "expected a non-negative integer";
			return -1;
		}
		if (in->kind == RN_SK_POW2 && (n & (n - 1))) {
			*why = "not a power of two";
			return -1;
		}
		if (n < in->lo || n > in->hi) {
			*why = rn_range_why(in->lo, in->hi);
			return -1;
		}
		break;
	case RN_SK_CHOICE: {
		const char *c = in->choices;
		for (n = 0; *c && !rn_streq(c, v); n++)
			c = rn_next_name(c);
		if (!*c) {
			*why = rn_choice_why(in->choices);
			return -1;
		}
		break;
	}
	}
	switch (id) {
#define RN_SK_SET_STR(field) s->field = v
#define RN_SK_SET_TRACE(field) s->field = v
#define RN_SK_SET_U32(field) s->field = (uint32_t)n
#define RN_SK_SET_POW2(field) s->field = (uint32_t)n
#define RN_SK_SET_CHOICE(field) s->field = (uint32_t)n
#define RN_SETTING(id, field, kind, def, lo, hi, choices, doc) \
	case RN_SET_##id:                                      \
		RN_SK_SET_##kind(field);                       \
		break;
#include "settings.def"
#undef RN_SETTING
	default:
		break;
	}
	return 0;
}

void rn_settings_read(struct rn_settings *s, rn_getenv_fn *get, rn_warn_fn *warn)
{
	rn_settings_default(s);
	for (unsigned i = 0; i < RN_NSETTINGS; i++) {
		const char *v = get(rn_setting_info[i].env), *why;
		if (v && *v && rn_setting_set(s, (enum rn_setting_id)i, v, &why) && warn)
			warn(rn_setting_info[i].env, v, why);
	}
}

const char *rn_setting_choice(enum rn_setting_id id, uint32_t v)
{
	const char *c = rn_setting_info[id].choices;
	for (; c && *c && v; v--)
		c = rn_next_name(c);
	return c && *c ? c : NULL;
}

const char *rn_setting_text(const struct rn_settings *s, enum rn_setting_id id, char *buf,
			    size_t cap)
{
	uint32_t n = 0;
	switch (id) {
#define RN_SK_GET_STR(field) return s->field
#define RN_SK_GET_TRACE(field) return s->field
#define RN_SK_GET_U32(field) n = s->field
#define RN_SK_GET_POW2(field) n = s->field
#define RN_SK_GET_CHOICE(field) return rn_setting_choice(id, s->field)
#define RN_SETTING(id, field, kind, def, lo, hi, choices, doc) \
	case RN_SET_##id:                                      \
		RN_SK_GET_##kind(field);                       \
		break;
#include "settings.def"
#undef RN_SETTING
	default:
		return NULL;
	}
	if (cap < 11)
		return NULL;
	buf[rn_u32_text(buf, n)] = '\0';
	return buf;
}
