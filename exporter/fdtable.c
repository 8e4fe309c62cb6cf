/* fdtable.c: the exporter's table of each traced process's descriptors,
 * built from the decoded calls in time order (fdtable.h): what -y/-yy
 * print behind a descriptor ("read(3</etc/passwd>, ...)") and what -P
 * PATH selects by. This file is the API, -P, and the names an event
 * carries; the table itself is fdtable_store.c, the names' text
 * fdtable_render.c, and what each call does fdtable_apply.c.
 *
 * A descriptor the table never saw made (0, 1, 2, those
 * inherited from an untraced parent) is looked up once in /proc/PID/fd
 * while the process lives, as strace does; otherwise it shows as a plain
 * number. Pipe and socket inodes come from the same place, at the call
 * that made them.
 *
 * It must never trust a capture's bytes beyond their length, never print,
 * and never make a system call when neither -y nor -P was given (it is
 * not made at all then).
 */
#include "fdtable_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "../common/record.h"
#include "redact.h"

static int is_fd_type(unsigned ty)
{
	return ty == RN_ARG_FD || ty == RN_ARG_DIRFD || ty == RN_ARG_FILEP || ty == RN_ARG_DIRP;
}

/* ------------------------------------------------------------ -P */

static int path_selected(const struct rn_fdt *t, const char *s, size_t n)
{
	for (unsigned i = 0; i < t->npaths; i++)
		if (strlen(t->paths[i]) == n && !memcmp(t->paths[i], s, n))
			return 1;
	return 0;
}

/* strace's -P: a path argument as given, or a descriptor argument whose
 * file is one of the paths. */
static int selects(struct fdproc *p, const struct rn_fdt *t, const struct rn_event *ev,
		   const struct args *a)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	for (unsigned i = 0; i < fi->ntypes && i < RN_MAX_TYPES; i++) {
		const uint8_t *s;
		size_t n;
		if (fi->types[i] == RN_ARG_PATH && rn_fdt_cap_at(ev, i, &s, &n) &&
		    path_selected(t, (const char *)s, strnlen((const char *)s, n)))
			return 1;
	}
	for (unsigned i = 0; i < a->n; i++) {
		if (!is_fd_type(a->type[i]) || (int32_t)a->v[i] == AT_FDCWD)
			continue;
		const struct fde *e = rn_fdt_fd_get(p, (int32_t)a->v[i], ev->err != EBADF);
		if (e && e->kind == K_FILE && e->name && path_selected(t, e->name, strlen(e->name)))
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ API */

/* The names of the call's descriptor arguments as they were when it was
 * made (and of its cwd), into fdn. */
static void names_before(struct rn_fdt *t, struct fdproc *p, const struct rn_event *ev,
			 const struct args *a, struct rn_fdnames *fdn)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	for (unsigned i = 0; i < a->n; i++) {
		if (!is_fd_type(a->type[i]))
			continue;
		int32_t fd = (int32_t)a->v[i];
		unsigned ti = a->ti[i];
		if (a->type[i] == RN_ARG_DIRFD && fd == AT_FDCWD) {
			if (p->cwd) {
				snprintf(t->nb[ti], NAME_CAP, "%s", p->cwd);
				if (t->redact)
					rn_redact_str(t->redact, t->nb[ti], NAME_CAP);
				fdn->arg[ti] = t->nb[ti];
			}
			continue;
		}
		/* a dup2 target is the call's to make: never asked of
		 * /proc, which shows it after the call */
		int target = i == 1 && (fi->nr == SYS_dup2 || fi->nr == SYS_dup3);
		const struct fde *e = rn_fdt_fd_get(p, fd, ev->err != EBADF && !target);
		if (e) {
			fdn->made |= rn_fdt_render(t, e, t->nb[ti], NAME_CAP) ? RN_FDN_ARG(ti) : 0;
			fdn->arg[ti] = t->nb[ti];
		}
	}
	for (unsigned k = 0; k < fi->ntypes && k < RN_MAX_TYPES; k++)
		if (fi->types[k] == RN_ARG_CWD && p->cwd) {
			snprintf(t->nb[k], NAME_CAP, "%s", p->cwd);
			if (t->redact)
				rn_redact_str(t->redact, t->nb[k], NAME_CAP);
			fdn->arg[k] = t->nb[k];
		}
}

/* The names of what the call made (its result, a pipe's pair), as they
 * are after it, into fdn. */
static void names_after(struct rn_fdt *t, struct fdproc *p, const struct rn_event *ev,
			const struct args *a, struct rn_fdnames *fdn)
{
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	int makes = 0;
	switch (fi->nr) {
	case SYS_open: case SYS_openat: case SYS_creat: case SYS_openat2: case SYS_dup:
	case SYS_dup2: case SYS_dup3: case SYS_socket: case SYS_accept: case SYS_accept4:
	case SYS_memfd_create:
		makes = 1;
		break;
	case SYS_fcntl:
		makes = a->n >= 2 && ((uint32_t)a->v[1] == F_DUPFD || (uint32_t)a->v[1] == F_DUPFD_CLOEXEC);
		break;
	default:
		makes = rn_fdt_anon_name(fi->nr) != NULL;
	}
	struct fde *e;
	if (makes && !ev->err && !(ev->flags & RN_EV_UNFINISHED) && ev->ret >= 0 &&
	    (e = rn_fdt_fd_get(p, ev->ret, 0))) {
		fdn->made |= rn_fdt_render(t, e, t->nb[RN_MAX_TYPES], NAME_CAP) ? RN_FDN_RET : 0;
		fdn->ret = t->nb[RN_MAX_TYPES];
	}
	int c = rn_fdt_arg_find(a, RN_ARG_PIPEFDS);
	const uint8_t *s;
	size_t n;
	if (c >= 0 && !ev->err && rn_fdt_cap_at(ev, a->ti[c], &s, &n) && n >= 8) {
		for (int k = 0; k < 2; k++) {
			int32_t fd;
			memcpy(&fd, s + 4 * k, sizeof fd);
			if ((e = rn_fdt_fd_get(p, fd, 0))) {
				if (rn_fdt_render(t, e, t->nb[RN_MAX_TYPES + 1 + k], NAME_CAP))
					fdn->made |= RN_FDN_PAIR(k);
				fdn->pair[k] = t->nb[RN_MAX_TYPES + 1 + k];
			}
		}
	}
}

int rn_fdt_event(struct rn_fdt *t, struct rn_event *ev)
{
	ev->fdn = NULL;
	if (ev->fn >= RN_NFUNCS || (ev->flags & RN_EV_BLOCKED) || ev->split == RN_SPLIT_ENTRY)
		return 1;
	const struct rn_fn_info *fi = &rn_fns[ev->fn];
	if (fi->ntypes && fi->types[0] == RN_ARG_SYSNO)
		return t->npaths ? 0 : 1;	/* syscall(2): not followed (docs) */
	struct fdproc *p = rn_fdt_proc_of(t, ev);
	if (!p)
		return 1;
	struct args a;
	rn_fdt_args_of(ev, &a);
	int show = !t->npaths || selects(p, t, ev, &a);

	struct rn_fdnames *fdn = &t->cur;
	memset(fdn, 0, sizeof *fdn);
	if (t->decode && show)
		names_before(t, p, ev, &a, fdn);
	rn_fdt_apply(t, p, ev, &a);
	if (t->decode && show) {
		names_after(t, p, ev, &a, fdn);
		ev->fdn = fdn;
	}
	return show;
}

void rn_fdt_proc_end(struct rn_fdt *t, const struct rn_proc *p)
{
	if (p && (p->has_exit || p->term_signal))
		rn_fdt_proc_drop(t, p->pid);
}

int rn_fdt_new(struct rn_fdt **out, const struct rn_fdt_opts *o)
{
	struct rn_fdt *t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	t->decode = o->decode;
	t->redact = o->redact;
	if (o->cwd && !(t->cwd = strdup(o->cwd)))
		goto nomem;
	if (o->npaths) {
		/* each path as given and, as strace does, as resolved */
		t->paths = calloc(2 * (size_t)o->npaths, sizeof *t->paths);
		if (!t->paths)
			goto nomem;
		for (unsigned i = 0; i < o->npaths; i++) {
			char real[PATH_MAX];
			if (!(t->paths[t->npaths++] = strdup(o->paths[i])))
				goto nomem;
			if (realpath(o->paths[i], real) && strcmp(real, o->paths[i]) &&
			    !(t->paths[t->npaths++] = strdup(real)))
				goto nomem;
		}
	}
	*out = t;
	return 0;
nomem:
	rn_fdt_free(t);
	return -ENOMEM;
}

void rn_fdt_free(struct rn_fdt *t)
{
	if (!t)
		return;
	while (t->procs) {
		struct fdproc *p = t->procs;
		t->procs = p->next;
		rn_fdt_proc_free(p);
	}
	for (unsigned i = 0; i < t->npaths; i++)
		free(t->paths[i]);
	free(t->paths);
	free(t->cwd);
	free(t);
}
