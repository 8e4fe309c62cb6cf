/* otlp_resource.c: the OpenTelemetry resource of a traced program, built
 * from its process's identity as its arena header gave it (see
 * otlp_model.h, rn_otlp_resource_for). One function for traces and
 * metrics alike.
 *
 * Everything in struct rn_proc's identity came from a program's shared
 * memory: bounded and free of control characters, but not valid UTF-8 nor
 * a valid attribute list. This file must never trust a byte of it: every
 * string is copied made valid, every length bounded by r's own buffer, and
 * it never prints (a resource attribute may carry a secret).
 * rn_otlp_resource_build, the exporter's own resource for spans of no
 * known program, is here too.
 */
#include "otlp_model.h"

#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Copies s[0..n) into r's text as valid UTF-8 (an invalid byte becomes
 * U+FFFD, NUL ends it). Returns the copy, or NULL when r is full. */
static const char *rn_res_text(struct rn_otlp_resource *r, const char *s, size_t n)
{
	char *out = r->text + r->text_used;
	size_t cap = sizeof r->text - r->text_used, o = 0;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n && u[i];) {
		unsigned c = u[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
			   : (c & 0xf8) == 0xf0 ? 4 : 0;
		int ok = len > 0 && i + len <= n;
		for (size_t k = 1; ok && k < len; k++)
			ok = (u[i + k] & 0xc0) == 0x80;
		if (ok && len == 2 && c < 0xc2)
			ok = 0;	/* overlong */
		if (ok && len == 3) {
			unsigned v = (c & 0x0f) << 12 | (u[i + 1] & 0x3f) << 6 | (u[i + 2] & 0x3f);
			ok = v >= 0x800 && (v < 0xd800 || v > 0xdfff);
		}
		if (ok && len == 4) {
			unsigned v = (c & 0x07) << 18 | (u[i + 1] & 0x3f) << 12 | (u[i + 2] & 0x3f) << 6 |
				     (u[i + 3] & 0x3f);
			ok = v >= 0x10000 && v <= 0x10ffff;
		}
		const char *src = ok ? s + i : "\xef\xbf\xbd";
		size_t sl = ok ? len : 3;
		if (o + sl + 1 > cap)
			return NULL;
		memcpy(out + o, src, sl);
		o += sl;
		i += ok ? len : 1;
	}
	if (o + 1 > cap)
		return NULL;
	out[o++] = '\0';
	r->text_used += o;
	return out;
}

/* Slots kept for the closing attributes (truncated, telemetry.sdk.*). */
#define RN_RES_OPEN (RN_OTLP_RES_ATTRS - 4)

static void rn_res_const(struct rn_otlp_resource *r, const char *key, const char *v)
{
	r->attrs[r->nattrs++] = (struct rn_attr){ .key = key, .type = RN_AV_STR,
						  .s = { v, 0, (uint32_t)strlen(v) } };
}

static const char *rn_base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

static int rn_res_has(const struct rn_otlp_resource *r, const char *key)
{
	for (unsigned i = 0; i < r->nattrs; i++)
		if (!strcmp(r->attrs[i].key, key))
			return 1;
	return 0;
}

/* A string attribute (key constant or in r's text); 0, or -1 when full. */
static int rn_res_str(struct rn_otlp_resource *r, const char *key, const char *v, size_t n)
{
	if (r->nattrs >= RN_RES_OPEN)
		return -1;
	const char *c = rn_res_text(r, v, n);
	if (!c)
		return -1;
	r->attrs[r->nattrs++] = (struct rn_attr){ .key = key, .type = RN_AV_STR,
						  .s = { c, 0, (uint32_t)strlen(c) } };
	return 0;
}

static int rn_res_int(struct rn_otlp_resource *r, const char *key, int64_t v)
{
	if (r->nattrs >= RN_RES_OPEN)
		return -1;
	r->attrs[r->nattrs++] = (struct rn_attr){ .key = key, .type = RN_AV_INT, .i = v };
	return 0;
}

static int rn_res_bool(struct rn_otlp_resource *r, const char *key)
{
	if (r->nattrs >= RN_RES_OPEN)
		return -1;
	r->attrs[r->nattrs++] = (struct rn_attr){ .key = key, .type = RN_AV_BOOL, .i = 1 };
	return 0;
}

/* process.command_args: argc strings, each made valid UTF-8, stored one
 * after the other (NUL-separated, as RN_AV_STRARR wants). */
static int rn_res_argv(struct rn_otlp_resource *r, const struct rn_proc *p)
{
	if (r->nattrs >= RN_RES_OPEN || !p->argc || !p->argv_len)
		return 0;
	size_t before = r->text_used;
	const char *arg = p->argv, *end = p->argv + (p->argv_len < sizeof p->argv ? p->argv_len
									  : sizeof p->argv);
	uint32_t count = 0;
	const char *first = r->text + r->text_used;
	while (arg < end && count < p->argc) {
		size_t alen = strnlen(arg, (size_t)(end - arg));
		if (!rn_res_text(r, arg, alen)) {
			r->text_used = before;
			return -1;
		}
		count++;
		arg += alen + 1;
	}
	if (!count)
		return 0;
	r->attrs[r->nattrs++] = (struct rn_attr){
		.key = "process.command_args", .type = RN_AV_STRARR, .count = count,
		.s = { first, 0, (uint32_t)(r->text_used - before) }
	};
	return 0;
}

void rn_otlp_resource_for(struct rn_otlp_resource *r, const struct rn_proc *p, int capture_argv)
{
	int full = 0;
	memset(r, 0, offsetof(struct rn_otlp_resource, text));
	r->text_used = 0;

	/* the program's OTEL_RESOURCE_ATTRIBUTES: decoded, or discarded whole
	 * when they do not decode (as the specification says) */
	struct rn_otlp_kv kv[RN_OTLP_RATTR_MAX];
	char kvbuf[RN_OTLP_KVBUF];
	int nkv = p->res_attrs[0] ? rn_otlp_parse_kvlist(p->res_attrs, kv, RN_OTLP_RATTR_MAX, kvbuf,
							  sizeof kvbuf)
				  : 0;
	int bad_attrs = nkv < 0;
	if (nkv < 0)
		nkv = 0;

	/* service.name first: receivers index on it */
	const char *service = p->service[0] ? p->service : NULL;
	for (int i = 0; !service && i < nkv; i++)
		if (!strcmp(kv[i].key, "service.name") && kv[i].value[0])
			service = kv[i].value;
	char unknown[128];
	if (!service) {
		const char *base = rn_base(p->exe);
		if (!*base && p->argc)
			base = rn_base(p->argv);
		snprintf(unknown, sizeof unknown, "unknown_service:%.100s", *base ? base : "renacer");
		service = unknown;
	}
	full |= rn_res_str(r, "service.name", service, strlen(service));

	/* the program's own attributes win over what we know (a user's
	 * word about itself), except telemetry.sdk.*, which is ours. Keys are
	 * copied too: they are the program's bytes. */
	for (int i = 0; i < nkv; i++) {
		if (!strcmp(kv[i].key, "service.name") || !strncmp(kv[i].key, "telemetry.sdk.", 14) ||
		    !kv[i].key[0])
			continue;
		const char *key = rn_res_text(r, kv[i].key, strlen(kv[i].key));
		if (!key || rn_res_has(r, key)) {
			full |= !key;
			continue;
		}
		full |= rn_res_str(r, key, kv[i].value, strlen(kv[i].value));
	}

	if (!rn_res_has(r, "process.pid"))
		full |= rn_res_int(r, "process.pid", p->pid);
	if (p->ppid > 0 && !rn_res_has(r, "process.parent_pid"))
		full |= rn_res_int(r, "process.parent_pid", p->ppid);
	const char *base = rn_base(p->exe);
	if (*base && !rn_res_has(r, "process.executable.name"))
		full |= rn_res_str(r, "process.executable.name", base, strlen(base));
	if (p->exe[0] && !rn_res_has(r, "process.executable.path"))
		full |= rn_res_str(r, "process.executable.path", p->exe, strnlen(p->exe, sizeof p->exe));
	if (capture_argv && !rn_res_has(r, "process.command_args"))
		full |= rn_res_argv(r, p);
	if (p->has_uid && !rn_res_has(r, "process.owner")) {
		/* the last answer kept: a user lookup may read files (or ask
		 * a directory service) and programs mostly share one owner */
		static __thread char name[256];
		static __thread uint32_t name_uid;
		static __thread int have;
		if (!have || name_uid != p->uid) {
			struct passwd pw, *res = NULL;
			char pwbuf[1024];
			if (getpwuid_r((uid_t)p->uid, &pw, pwbuf, sizeof pwbuf, &res) || !res)
				snprintf(name, sizeof name, "%u", p->uid);
			else
				snprintf(name, sizeof name, "%s", res->pw_name);
			name_uid = p->uid;
			have = 1;
		}
		full |= rn_res_str(r, "process.owner", name, strlen(name));
	}
	if (p->t_start_ns && !rn_res_has(r, "process.creation.time")) {
		char buf[64];
		time_t sec = (time_t)(p->t_start_ns / 1000000000ull);
		struct tm tm;
		gmtime_r(&sec, &tm);
		size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf + n, sizeof buf - n, ".%03uZ",
			 (unsigned)(p->t_start_ns / 1000000ull % 1000));
		full |= rn_res_str(r, "process.creation.time", buf, strlen(buf));
	}
	if (!rn_res_has(r, "host.name")) {
		const char *host = p->host;
		if (!host[0] && gethostname(r->host, sizeof r->host - 1) == 0)
			host = r->host;
		if (host[0])
			full |= rn_res_str(r, "host.name", host, strlen(host));
	}
	if (p->container_id[0] && !rn_res_has(r, "container.id"))
		full |= rn_res_str(r, "container.id", p->container_id, strlen(p->container_id));
	if (bad_attrs)
		full |= rn_res_bool(r, "renacer.resource.attributes_invalid");
	if (full || p->res_flags)
		r->attrs[r->nattrs++] = (struct rn_attr){ .key = "renacer.resource.truncated",
							  .type = RN_AV_BOOL, .i = 1 };
	rn_res_const(r, "telemetry.sdk.name", "renacer");
	rn_res_const(r, "telemetry.sdk.language", "c");
	rn_res_const(r, "telemetry.sdk.version", RENACER_VERSION);
}

/* ------------------------------------------------- the exporter's own */

static const char *rn_res_base(const char *path)
{
	const char *b = strrchr(path, '/');
	return b && b[1] ? b + 1 : path;
}

void rn_otlp_resource_build(struct rn_otlp_resource *r, const struct rn_otlp_opts *x,
			    const char *exe)
{
	const char *service = x ? x->service_name : NULL;
	memset(r, 0, sizeof *r);
	for (unsigned i = 0; x && !service && i < x->nrattrs; i++)
		if (!strcmp(x->rattrs[i].key, "service.name"))
			service = x->rattrs[i].value;
	if (!service) {
		snprintf(r->service, sizeof r->service, "unknown_service:%s",
			 exe && *exe ? rn_res_base(exe) : "renacer");
		service = r->service;
	}
	struct rn_attr *a = r->attrs;
#define RN_RATTR(k, v) (*a++ = (struct rn_attr){ .key = (k), .type = RN_AV_STR, \
			 .s = { (v), 0, (uint32_t)strlen(v) } })
	RN_RATTR("service.name", service);
	for (unsigned i = 0; x && i < x->nrattrs; i++) {
		const char *k = x->rattrs[i].key;
		if (!strcmp(k, "service.name") || !strcmp(k, "host.name") ||
		    !strncmp(k, "telemetry.sdk.", 14))
			continue;
		RN_RATTR(k, x->rattrs[i].value);
	}
	const char *host = NULL;
	for (unsigned i = 0; x && i < x->nrattrs; i++)
		if (!strcmp(x->rattrs[i].key, "host.name"))
			host = x->rattrs[i].value;
	if (!host && gethostname(r->host, sizeof r->host - 1) == 0)
		host = r->host;
	if (host)
		RN_RATTR("host.name", host);
	RN_RATTR("telemetry.sdk.name", "renacer");
	RN_RATTR("telemetry.sdk.language", "c");
	RN_RATTR("telemetry.sdk.version", RENACER_VERSION);
#undef RN_RATTR
	r->nattrs = (unsigned)(a - r->attrs);
}
