/* otlp_map.c: the OTLP model's hash map (see otlp_map.h).
 *
 * It must never allocate on a lookup, and never leave a hole a probe
 * could stop at (deletion shifts entries back).
 */
#include "otlp_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t rn_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static size_t rn_map_home(const struct rn_otlp_map *m, uint64_t a, uint64_t b)
{
	return (size_t)rn_mix(a * 0x9e3779b97f4a7c15ull ^ b) & (m->cap - 1);
}

struct rn_otlp_map *rn_map_new(void)
{
	struct rn_otlp_map *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->cap = 64;
	m->s = calloc(m->cap, sizeof *m->s);
	if (!m->s) {
		free(m);
		return NULL;
	}
	return m;
}

void rn_map_free(struct rn_otlp_map *m)
{
	if (m) {
		free(m->s);
		free(m);
	}
}

struct rn_map_slot *rn_map_find(struct rn_otlp_map *m, uint64_t a, uint64_t b)
{
	for (size_t i = rn_map_home(m, a, b);; i = (i + 1) & (m->cap - 1)) {
		struct rn_map_slot *s = &m->s[i];
		if (!s->used)
			return NULL;
		if (s->a == a && s->b == b)
			return s;
	}
}

static int rn_map_grow(struct rn_otlp_map *m)
{
	struct rn_otlp_map n = { calloc(m->cap * 2, sizeof *m->s), m->cap * 2, 0 };
	if (!n.s)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->s[i].used)
			continue;
		size_t j = rn_map_home(&n, m->s[i].a, m->s[i].b);
		while (n.s[j].used)
			j = (j + 1) & (n.cap - 1);
		n.s[j] = m->s[i];
		n.n++;
	}
	free(m->s);
	*m = n;
	return 0;
}

/* Inserts or replaces; returns the slot or NULL on ENOMEM. */
struct rn_map_slot *rn_map_put(struct rn_otlp_map *m, uint64_t a, uint64_t b)
{
	struct rn_map_slot *s = rn_map_find(m, a, b);
	if (s)
		return s;
	if ((m->n + 1) * 4 > m->cap * 3 && rn_map_grow(m))
		return NULL;
	size_t i = rn_map_home(m, a, b);
	while (m->s[i].used)
		i = (i + 1) & (m->cap - 1);
	s = &m->s[i];
	memset(s, 0, sizeof *s);
	s->a = a;
	s->b = b;
	s->used = 1;
	m->n++;
	return s;
}

void rn_map_del(struct rn_otlp_map *m, struct rn_map_slot *s)
{
	size_t i = (size_t)(s - m->s), j = i;
	m->s[i].used = 0;
	m->n--;
	/* backward shift: move later members of the run into the hole */
	for (;;) {
		j = (j + 1) & (m->cap - 1);
		if (!m->s[j].used)
			return;
		size_t h = rn_map_home(m, m->s[j].a, m->s[j].b);
		/* can s[j] move to i? only if its home is not in (i, j] */
		int stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (stays)
			continue;
		m->s[i] = m->s[j];
		m->s[j].used = 0;
		i = j;
	}
}
