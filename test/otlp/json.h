/* json.h: a small JSON reader for the tests: parses a whole document into
 * a tree, strictly (RFC 8259), so a test can check that renacer's OTLP
 * JSON is valid and read it back. Test code only: never used by renacer. */
#ifndef RN_TEST_JSON_H
#define RN_TEST_JSON_H

#include <stddef.h>
#include <stdint.h>

enum tj_type { TJ_NULL, TJ_BOOL, TJ_NUM, TJ_STR, TJ_ARR, TJ_OBJ };

struct tj {
	enum tj_type type;
	int b;
	double num;
	char *str;		/* TJ_STR: decoded, NUL-terminated */
	size_t len;		/* TJ_STR bytes; TJ_ARR/TJ_OBJ members */
	struct tj *kids;	/* members */
	char **keys;		/* TJ_OBJ: member names */
};

/* tj_parse: the document in s[0..n); NULL when it is not valid JSON
 * (with *err_at set to the offset of the problem). */
struct tj *tj_parse(const char *s, size_t n, size_t *err_at);
void tj_free(struct tj *v);

/* tj_get: member key of an object, NULL when absent or not an object. */
const struct tj *tj_get(const struct tj *o, const char *key);
/* tj_str: the string, or "" */
const char *tj_str(const struct tj *v);

#endif
