/* json.c: the tests' strict JSON reader (see json.h). */
#include "json.h"

#include <stdlib.h>
#include <string.h>

struct tj_p {
	const char *s;
	size_t n, i;
	int bad;
	int depth;
};

static void ws(struct tj_p *p)
{
	while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]))
		p->i++;
}

static int peek(struct tj_p *p)
{
	return p->i < p->n ? (unsigned char)p->s[p->i] : -1;
}

static int lit(struct tj_p *p, const char *w)
{
	size_t l = strlen(w);
	if (p->n - p->i < l || memcmp(p->s + p->i, w, l))
		return 0;
	p->i += l;
	return 1;
}

static void put_utf8(char *o, size_t *k, unsigned cp)
{
	if (cp < 0x80) {
		o[(*k)++] = (char)cp;
	} else if (cp < 0x800) {
		o[(*k)++] = (char)(0xc0 | cp >> 6);
		o[(*k)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		o[(*k)++] = (char)(0xe0 | cp >> 12);
		o[(*k)++] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[(*k)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		o[(*k)++] = (char)(0xf0 | cp >> 18);
		o[(*k)++] = (char)(0x80 | (cp >> 12 & 0x3f));
		o[(*k)++] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[(*k)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static int hex4(struct tj_p *p, unsigned *out)
{
	unsigned v = 0;
	if (p->n - p->i < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		char c = p->s[p->i++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *string(struct tj_p *p, size_t *len)
{
	if (peek(p) != '"') {
		p->bad = 1;
		return NULL;
	}
	p->i++;
	char *o = malloc(p->n - p->i + 1);
	size_t k = 0;
	while (p->i < p->n) {
		unsigned char c = (unsigned char)p->s[p->i++];
		if (c == '"') {
			o[k] = '\0';
			*len = k;
			return o;
		}
		if (c < 0x20)
			break;
		if (c != '\\') {
			o[k++] = (char)c;
			continue;
		}
		if (p->i >= p->n)
			break;
		c = (unsigned char)p->s[p->i++];
		const char *esc = strchr("\"\\/bfnrt", c);
		if (esc && c != 'u') {
			static const char to[] = "\"\\/\b\f\n\r\t";
			o[k++] = to[esc - "\"\\/bfnrt"];
			continue;
		}
		unsigned cp, lo;
		if (c != 'u' || hex4(p, &cp))
			break;
		if (cp >= 0xd800 && cp < 0xdc00) {
			if (!lit(p, "\\u") || hex4(p, &lo) || lo < 0xdc00 || lo > 0xdfff)
				break;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			break;
		}
		put_utf8(o, &k, cp);
	}
	free(o);
	p->bad = 1;
	return NULL;
}

static void value(struct tj_p *p, struct tj *v);

static void push(struct tj *v, size_t *cap)
{
	if (v->len == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		v->kids = realloc(v->kids, *cap * sizeof *v->kids);
		if (v->type == TJ_OBJ)
			v->keys = realloc(v->keys, *cap * sizeof *v->keys);
	}
	memset(&v->kids[v->len], 0, sizeof *v->kids);
}

static void container(struct tj_p *p, struct tj *v, int obj)
{
	size_t cap = 0;
	v->type = obj ? TJ_OBJ : TJ_ARR;
	p->i++;
	if (++p->depth > 200) {
		p->bad = 1;
		return;
	}
	ws(p);
	if (peek(p) == (obj ? '}' : ']')) {
		p->i++;
		p->depth--;
		return;
	}
	for (;;) {
		push(v, &cap);
		if (obj) {
			size_t l;
			ws(p);
			char *k = string(p, &l);
			if (!k)
				return;
			v->keys[v->len] = k;
			ws(p);
			if (peek(p) != ':') {
				v->len++;
				p->bad = 1;
				return;
			}
			p->i++;
		}
		value(p, &v->kids[v->len]);
		v->len++;
		if (p->bad)
			return;
		ws(p);
		int c = peek(p);
		p->i++;
		if (c == ',')
			continue;
		if (c != (obj ? '}' : ']'))
			p->bad = 1;
		p->depth--;
		return;
	}
}

static void number(struct tj_p *p, struct tj *v)
{
	size_t st = p->i;
	if (peek(p) == '-')
		p->i++;
	if (peek(p) == '0')
		p->i++;
	else if (peek(p) >= '1' && peek(p) <= '9')
		while (peek(p) >= '0' && peek(p) <= '9')
			p->i++;
	else
		p->bad = 1;
	if (peek(p) == '.') {
		p->i++;
		if (!(peek(p) >= '0' && peek(p) <= '9'))
			p->bad = 1;
		while (peek(p) >= '0' && peek(p) <= '9')
			p->i++;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->i++;
		if (peek(p) == '+' || peek(p) == '-')
			p->i++;
		if (!(peek(p) >= '0' && peek(p) <= '9'))
			p->bad = 1;
		while (peek(p) >= '0' && peek(p) <= '9')
			p->i++;
	}
	char buf[64];
	size_t l = p->i - st < sizeof buf - 1 ? p->i - st : sizeof buf - 1;
	memcpy(buf, p->s + st, l);
	buf[l] = '\0';
	v->type = TJ_NUM;
	v->num = strtod(buf, NULL);
}

static void value(struct tj_p *p, struct tj *v)
{
	ws(p);
	int c = peek(p);
	if (c == '{' || c == '[') {
		container(p, v, c == '{');
	} else if (c == '"') {
		v->type = TJ_STR;
		v->str = string(p, &v->len);
	} else if (lit(p, "true")) {
		v->type = TJ_BOOL;
		v->b = 1;
	} else if (lit(p, "false")) {
		v->type = TJ_BOOL;
	} else if (lit(p, "null")) {
		v->type = TJ_NULL;
	} else {
		number(p, v);
	}
}

static void tj_clear(struct tj *v)
{
	for (size_t i = 0; (v->type == TJ_ARR || v->type == TJ_OBJ) && i < v->len; i++) {
		tj_clear(&v->kids[i]);
		if (v->type == TJ_OBJ)
			free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->str);
}

void tj_free(struct tj *v)
{
	if (v) {
		tj_clear(v);
		free(v);
	}
}

struct tj *tj_parse(const char *s, size_t n, size_t *err_at)
{
	struct tj_p p = { s, n, 0, 0, 0 };
	struct tj *v = calloc(1, sizeof *v);
	value(&p, v);
	ws(&p);
	if (p.bad || p.i != n) {
		if (err_at)
			*err_at = p.i;
		tj_free(v);
		return NULL;
	}
	return v;
}

const struct tj *tj_get(const struct tj *o, const char *key)
{
	if (!o || o->type != TJ_OBJ)
		return NULL;
	for (size_t i = 0; i < o->len; i++)
		if (!strcmp(o->keys[i], key))
			return &o->kids[i];
	return NULL;
}

const char *tj_str(const struct tj *v)
{
	return v && v->type == TJ_STR && v->str ? v->str : "";
}
