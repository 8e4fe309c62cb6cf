/* env.c: keeping LD_PRELOAD and RENACER_* in the environment of exec'd
 * images, even when the program passes its own envp or edited environ.
 *
 * Runs in exec wrappers, possibly in a vfork child that borrows its
 * parent's memory: no allocation, only the caller's buffers and a copy of
 * the variables taken once at start-up.
 */
#include <dlfcn.h>
#include <string.h>

#include "shim.h"

#define RN_KEEP_MAX 16

static char rn_keep_buf[8192];
static char *rn_keep[RN_KEEP_MAX];	/* "NAME=value" */
static unsigned rn_nkeep;
static const char *rn_libpath;		/* our own path, as loaded */

static void rn_keep_add(const char *name, const char *value)
{
	static size_t used;
	size_t nl = strlen(name), vl = strlen(value);
	if (rn_nkeep == RN_KEEP_MAX || used + nl + vl + 2 > sizeof rn_keep_buf)
		return;
	char *p = rn_keep_buf + used;
	memcpy(p, name, nl);
	p[nl] = '=';
	memcpy(p + nl + 1, value, vl + 1);
	used += nl + vl + 2;
	rn_keep[rn_nkeep++] = p;
}

void rn_env_capture(char **envp)
{
	Dl_info di;
	if (dladdr((void *)rn_env_capture, &di) && di.dli_fname && di.dli_fname[0] == '/')
		rn_libpath = di.dli_fname;
	for (char **e = envp; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || strncmp(*e, "RENACER_", 8))
			continue;
		char name[64];
		size_t nl = (size_t)(eq - *e);
		if (nl >= sizeof name)
			continue;
		memcpy(name, *e, nl);
		name[nl] = '\0';
		rn_keep_add(name, eq + 1);
	}
	/* renacer-run names us with $LIB, so that each exec'd image's loader
	 * picks its own ABI's directory (a 32-bit one finds a silent no-op):
	 * put back that form, not the path this loader expanded it to */
	for (char **e = envp; e && *e; e++)
		if (!strncmp(*e, "RENACER_PRELOAD=", 16) && (*e)[16] == '/')
			rn_libpath = *e + 16;
	if (rn_libpath) {
		unsigned before = rn_nkeep;
		rn_keep_add("LD_PRELOAD", rn_libpath);
		/* our copy: the program may rewrite its environment */
		rn_libpath = rn_nkeep > before ? rn_keep[before] + 11 : NULL;
	}
}

/* Does the LD_PRELOAD value 'v' already name our library? */
static int rn_preload_has(const char *v)
{
	size_t ll = strlen(rn_libpath);
	for (const char *p = v; (p = strstr(p, rn_libpath)); p += ll) {
		char before = p == v ? ':' : p[-1], after = p[ll];
		if ((before == ':' || before == ' ') && (after == ':' || after == ' ' || !after))
			return 1;
	}
	return 0;
}

char *const *rn_env_fix(char *const *envp, char **vec, unsigned veccap, char *buf,
			unsigned bufcap)
{
	if (!rn_nkeep)
		return envp;
	unsigned n = 0;
	while (envp && envp[n])
		n++;
	if (n + rn_nkeep + 1 > veccap)
		return envp;	/* too large to fix here: runs untraced */
	memcpy(vec, envp, n * sizeof *vec);
	for (unsigned k = 0; k < rn_nkeep; k++) {
		const char *kv = rn_keep[k];
		size_t nl = (size_t)(strchr(kv, '=') - kv) + 1;
		unsigned i;
		for (i = 0; i < n; i++)
			if (!strncmp(vec[i], kv, nl))
				break;
		if (i == n) {
			vec[n++] = (char *)kv;
			continue;
		}
		if (strncmp(kv, "LD_PRELOAD=", 11) || rn_preload_has(vec[i] + 11))
			continue;	/* theirs stays: RENACER_* they set, or ours is in */
		/* prepend our library to the program's own preload list */
		size_t ol = strlen(vec[i] + 11), ml = strlen(kv);
		if (ml + 1 + ol + 1 > bufcap)
			continue;
		memcpy(buf, kv, ml);
		buf[ml] = ':';
		memcpy(buf + ml + 1, vec[i] + 11, ol + 1);
		vec[i] = buf;
	}
	vec[n] = NULL;
	return vec;
}
