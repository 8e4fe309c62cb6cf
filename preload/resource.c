/* resource.c: the program's OpenTelemetry identity in its arena header
 * (format 3): OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, TRACEPARENT,
 * TRACESTATE as the image started with them, its host name (uname, its
 * own UTS namespace's) and the id of the container it runs in.
 *
 * Runs inside the traced program, from the constructor only (a fork child
 * copies its parent's: rn_resource_copy). Raw system calls only, no
 * malloc, no errno change; every read bounded by the field it fills. The
 * environment is the vector the kernel built on the new image's stack,
 * handed to our constructor before the program's code ran: valid memory,
 * and not yet changed by the program. The exporter trusts none of it.
 */
#include "shim_priv.h"

#include <fcntl.h>
#include <string.h>
#include <sys/utsname.h>

#include "../common/rawsys.h"

/* Copies the value of NAME= from envp into out (cap bytes, NUL-terminated),
 * reading at most cap bytes of it. Returns 1 when it was cut, 0 when whole
 * or absent (out is then "" when absent). */
static int rn_env_value(char **envp, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	out[0] = '\0';
	for (char **e = envp; e && *e; e++) {
		const char *s = *e;
		size_t i = 0;
		while (i < nl && s[i] == name[i])
			i++;
		if (i < nl || s[nl] != '=')
			continue;
		s += nl + 1;
		size_t n = 0;
		while (n < cap && s[n])
			n++;
		if (n == cap) {
			/* longer than the field: the caller decides where to cut */
			memcpy(out, s, cap - 1);
			out[cap - 1] = '\0';
			return 1;
		}
		memcpy(out, s, n + 1);
		return 0;	/* the first one, as getenv */
	}
	return 0;
}

/* A list cut in the middle of a member: keep the whole members only. */
static void rn_cut_list(char *s)
{
	char *comma = strrchr(s, ',');
	if (comma)
		*comma = '\0';
	else
		s[0] = '\0';
}

static int rn_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* The last run of exactly 64 lowercase hex digits in s[0..n) (a container
 * id as Docker, containerd, CRI-O and Podman name their cgroups and
 * files: "docker-<id>.scope", "/docker/<id>", "crio-<id>"). Copies it to
 * out (65 bytes) and returns 1, or returns 0. */
static int rn_find_id(const char *s, size_t n, char *out)
{
	int found = 0;
	size_t i = 0;
	while (i < n) {
		if (!rn_is_hex(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && rn_is_hex(s[j]))
			j++;
		if (j - i == 64) {
			memcpy(out, s + i, 64);
			out[64] = '\0';
			found = 1;
		}
		i = j;
	}
	return found;
}

/* The kernel's fixed inode number of the initial pid namespace
 * (PROC_PID_INIT_INO). */
#define RN_PIDNS_INIT_INO 0xEFFFFFFCull

/* Reads up to cap - 1 bytes of a /proc file into buf; returns the count. */
static size_t rn_read_small(const char *path, char *buf, size_t cap)
{
	long fd = rn_sys4(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	size_t got = 0;
	while (got < cap - 1) {
		long r = rn_sys3(SYS_read, fd, buf + got, cap - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	rn_sys1(SYS_close, fd);
	buf[got] = '\0';
	return got;
}

/* The id in ".../containers/<64 hex>/" within s[0..n) (Docker's
 * /var/lib/docker/containers/<id>/hostname, Podman's
 * overlay-containers/<id>/userdata/hostname; not a Kubernetes sandbox's
 * directory, whose id is the pod's, not the container's). */
static int rn_find_container_dir(const char *s, size_t n, char *out)
{
	static const char dir[] = "containers/";
	size_t dl = sizeof dir - 1;
	int found = 0;
	for (size_t i = 0; i + dl + 65 <= n; i++) {
		if (memcmp(s + i, dir, dl))
			continue;
		const char *id = s + i + dl;
		size_t k = 0;
		while (k < 64 && rn_is_hex(id[k]))
			k++;
		if (k == 64 && id[64] == '/') {
			memcpy(out, id, 64);
			out[64] = '\0';
			found = 1;
		}
	}
	return found;
}

/* Container runtimes bind-mount a file of the container's own directory
 * on /etc/hostname (".../containers/<id>/hostname"); with a private
 * cgroup namespace that is the only place a process sees its id. Read
 * only when the cgroup path named none; bounded (a container's mount
 * table is short). */
static char rn_mountinfo[16384];

static int rn_container_from_mounts(char *out)
{
	size_t n = rn_read_small("/proc/self/mountinfo", rn_mountinfo, sizeof rn_mountinfo);
	const char *p = rn_mountinfo, *end = rn_mountinfo + n;
	int found = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		/* the line's mount point is /etc/hostname; the last such line
		 * is the mount on top, the one the process sees */
		static const char mp[] = " /etc/hostname ";
		size_t ml = sizeof mp - 1;
		for (const char *q = p; q + ml <= le; q++)
			if (!memcmp(q, mp, ml)) {
				found |= rn_find_container_dir(p, (size_t)(q - p), out);
				break;
			}
		p = le + 1;
	}
	return found;
}

void rn_resource_read(struct rn_arena_hdr *h, char **envp)
{
	uint32_t f = 0;
	if (rn_env_value(envp, "OTEL_SERVICE_NAME", h->service, sizeof h->service))
		f |= RN_RES_CUT_SERVICE;
	if (rn_env_value(envp, "OTEL_RESOURCE_ATTRIBUTES", h->res_attrs, sizeof h->res_attrs)) {
		rn_cut_list(h->res_attrs);
		f |= RN_RES_CUT_ATTRS;
	}
	if (rn_env_value(envp, "TRACEPARENT", h->traceparent, sizeof h->traceparent)) {
		h->traceparent[0] = '\0';	/* no valid one is this long */
		f |= RN_RES_BAD_PARENT;
	}
	if (rn_env_value(envp, "TRACESTATE", h->tracestate, sizeof h->tracestate)) {
		rn_cut_list(h->tracestate);
		f |= RN_RES_CUT_STATE;
	}
	h->res_flags = f;

	struct utsname u;
	if (rn_sys1(SYS_uname, &u) == 0) {
		size_t n = strnlen(u.nodename, sizeof u.nodename);
		if (n >= sizeof h->host)
			n = sizeof h->host - 1;
		memcpy(h->host, u.nodename, n);
		h->host[n] = '\0';
	}

	/* A process of the initial pid namespace is in no container (Docker,
	 * Podman and Kubernetes give each container or pod its own): no
	 * reads there, which cost tens of microseconds per image. */
	if (!h->pidns || h->pidns == RN_PIDNS_INIT_INO)
		return;
	char cg[4096];
	char id[65];
	size_t n = rn_read_small("/proc/self/cgroup", cg, sizeof cg);
	if (rn_find_id(cg, n, id) || rn_container_from_mounts(id))
		memcpy(h->container_id, id, sizeof id);
}

void rn_resource_copy(struct rn_arena_hdr *dst, const struct rn_arena_hdr *src)
{
	dst->res_flags = src->res_flags;
	memcpy(dst->service, src->service, sizeof dst->service);
	memcpy(dst->res_attrs, src->res_attrs, sizeof dst->res_attrs);
	memcpy(dst->traceparent, src->traceparent, sizeof dst->traceparent);
	memcpy(dst->tracestate, src->tracestate, sizeof dst->tracestate);
	memcpy(dst->container_id, src->container_id, sizeof dst->container_id);
	memcpy(dst->host, src->host, sizeof dst->host);
}
