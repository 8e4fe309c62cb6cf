/* ctl_json.c: just enough JSON for renacer-ctl to read the exporter's own
 * replies and lines (flat objects, arrays of flat objects, strings with
 * the escapes rn_json_escape writes). Not a general parser: it skips what
 * it does not know and never reads past a terminator.
 */
#include "ctl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Skips one value starting at p; returns the byte after it, or NULL. */
static const char *rn_skip_value(const char *p)
{
	int depth = 0;
	for (;;) {
		if (!*p)
			return NULL;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				return NULL;
			p++;
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			if (!depth)
				return p;	/* the end of the enclosing object */
			depth--;
			p++;
		} else if (depth) {
			p++;
		} else {
			while (*p && *p != ',' && *p != '}' && *p != ']')
				p++;
			return p;
		}
		if (!depth)
			return p;
	}
}

/* Copies a string value (at its opening quote) unescaped, or another
 * value as written; returns its length. */
static int rn_copy_value(const char *p, const char *end, char *out, size_t cap)
{
	size_t n = 0;
	if (*p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			char c = *p;
			if (c == '\\' && p + 1 < end) {
				c = *++p;
				c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
			}
			if (n + 1 < cap)
				out[n++] = c;
		}
	} else {
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
		for (; p < end; p++)
			if (n + 1 < cap)
				out[n++] = *p;
	}
	if (cap)
		out[n] = '\0';
	return (int)n;
}

/* Calls fn for each top-level member of the object at obj. */
static int rn_members(const char *obj, int (*fn)(const char *k, size_t kl, const char *v,
						   const char *vend, void *arg),
		      void *arg)
{
	const char *p = obj;
	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != '{')
		return -1;
	for (;;) {
		while (isspace((unsigned char)*p) || *p == ',')
			p++;
		if (*p != '"')
			return *p == '}' ? 0 : -1;
		const char *k = ++p;
		while (*p && *p != '"')
			p++;
		if (!*p)
			return -1;
		size_t kl = (size_t)(p - k);
		p++;
		while (isspace((unsigned char)*p) || *p == ':')
			p++;
		const char *v = p, *e = rn_skip_value(p);
		if (!e)
			return -1;
		int r = fn(k, kl, v, e, arg);
		if (r)
			return r > 0 ? 0 : r;
		p = e;
	}
}

struct rn_get {
	const char *key;
	char *out;
	size_t cap;
	int len;
};

static int rn_get_one(const char *k, size_t kl, const char *v, const char *vend, void *arg)
{
	struct rn_get *g = arg;
	if (strlen(g->key) != kl || memcmp(k, g->key, kl))
		return 0;
	g->len = rn_copy_value(v, vend, g->out, g->cap);
	return 1;
}

int rn_ctl_json_get(const char *obj, const char *key, char *out, size_t cap)
{
	struct rn_get g = { key, out, cap, -1 };
	if (rn_members(obj, rn_get_one, &g) < 0)
		return -1;
	return g.len;
}

static int rn_print_inline(const char *k, size_t kl, const char *v, const char *vend, void *arg)
{
	char val[256];
	rn_copy_value(v, vend, val, sizeof val);
	printf("%s%.*s=%s", *(int *)arg ? "" : " ", (int)kl, k, val);
	*(int *)arg = 0;
	return 0;
}

static int rn_print_one(const char *k, size_t kl, const char *v, const char *vend, void *arg)
{
	(void)arg;
	if (*v == '[') {
		printf("%.*s:\n", (int)kl, k);
		for (const char *p = v + 1; p && p < vend && *p != ']';) {
			while (*p == ',' || isspace((unsigned char)*p))
				p++;
			if (*p != '{')
				break;
			int first = 1;
			fputs("  ", stdout);
			rn_members(p, rn_print_inline, &first);
			putchar('\n');
			p = rn_skip_value(p);
		}
		return 0;
	}
	char val[512];
	rn_copy_value(v, vend, val, sizeof val);
	printf("%-22.*s %s\n", (int)kl, k, val);
	return 0;
}

int rn_ctl_json_print(const char *obj)
{
	return rn_members(obj, rn_print_one, NULL) < 0 ? -1 : 0;
}
