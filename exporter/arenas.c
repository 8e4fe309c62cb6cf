/* arenas.c: finding arena files in the session directory, validating
 * their headers, mapping them, and starting them once their creator
 * published them (oldest first); also "not traced" notes and freeing.
 *
 * Everything read from an arena is copied before it is checked and checked
 * before it is used. It must never map a file whose owner we do not trust
 * (--allow-uid), nor block on, signal or otherwise touch the traced
 * processes beyond the shared memory they gave us.
 */
#include "session_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "commit.h"
#include "decode/decode.h"
#include "redact.h"

/* ---------------------------------------------------------------- arenas */

/* Is the process of arena a (pid as its namespace sees it) alive: 1 or
 * 0, -1 when we cannot tell. In another namespace, the pid its note
 * gave us (a pid namespace's processes are all visible from ours). */
int rn_pid_alive(const struct rn_session *s, const struct rn_ar *a, int32_t pid)
{
	const struct rn_arena_hdr *h = a->hdr;
	if (!s->pidns || h->pidns != s->pidns)
		pid = rn_pidmap_by_id(s, h->id);
	if (pid <= 0)
		return -1;	/* cannot tell from here */
	return kill(pid, 0) == 0 || errno == EPERM;
}

void rn_ar_free(struct rn_session *s, struct rn_ar *a, int unlink_file)
{
	if (a->thr) {
		for (uint32_t i = 0; i < a->nrings; i++) {
			free(a->thr[i].pend_exec);
			free(a->thr[i].pend_exit);
		}
		free(a->thr);
	}
	free(a->exec_pend);
	if (a->hdr)
		munmap(a->hdr, a->size);
	if (unlink_file)
		unlinkat(s->dirfd, a->name, 0);
	free(a);
}

/* Checks a header whose magic is set; copies what we will rely on.
 * Returns NULL, or what is wrong with it. */
static const char *rn_ar_validate(struct rn_ar *a)
{
	const struct rn_arena_hdr *h = a->hdr;
	uint64_t ro, dof;
	uint32_t nr = h->nrings, cap = h->ring_cap;
	if (h->version != RN_FORMAT_VERSION || h->hdr_size != sizeof *h)
		return "format version or header size unknown";
	if (nr < 1 || nr > RN_RINGS_MAX || cap < RN_RING_CAP_MIN || cap > RN_RING_CAP_MAX ||
	    (cap & (cap - 1)))
		return "ring count or size out of range";
	if (rn_arena_size(nr, cap, &ro, &dof) != a->size || h->file_size != a->size ||
	    h->rings_off != ro || h->data_off != dof)
		return "layout does not match the file size";
	if (h->clock != RN_CLOCK_TSC && h->clock != RN_CLOCK_MONO)
		return "unknown clock";
	a->nrings = nr;
	a->cap = cap;
	a->clock = h->clock;
	a->thr = calloc(nr, sizeof *a->thr);
	if (!a->thr)
		return "out of memory";
	for (uint32_t i = 0; i < nr; i++) {
		struct rn_cons *c = &a->thr[i].cons;
		c->ring = rn_arena_ring(h, i);
		c->slots = rn_arena_slots(h, i);
		c->mask = cap - 1;
		c->head = rn_load_acquire(&c->ring->head);
		c->tail_cache = c->head;
		a->thr[i].dur_head = a->thr[i].c_head = a->thr[i].c_dur = c->head;
		a->thr[i].mark_step = cap / RN_MARK_STEPS ? cap / RN_MARK_STEPS : 1;
		/* counted from zero: what was dropped before we first looked
		 * is lost all the same */
		a->thr[i].lost_seen = 0;
		a->thr[i].nested_seen = 0;
	}
	a->lost_noring_seen = 0;
	return NULL;
}

/* Shows the exec held in a->exec_pend: succeeded, ending at clock ticks
 * t_exit (0: when it began), or with an unknown result (UINT64_MAX). */
void rn_exec_shown(struct rn_session *s, struct rn_ar *a, uint64_t t_exit)
{
	struct rn_pend *p = a->exec_pend;
	if (!p)
		return;
	if (t_exit == UINT64_MAX) {
		rn_queue_pend(s, a, &a->exec_thr, &a->exec_pend);
		return;
	}
	uint8_t *ext = rn_scratch_pend(s, p);
	p->rec.t_exit = t_exit > p->rec.t_enter ? t_exit : p->rec.t_enter;
	p->rec.ret = 0;
	p->rec.err = 0;
	p->rec.flags = 0;
	if (rn_queue(s, a, &a->exec_thr, &p->rec, ext, p->ext_len, 0))
		s->stats.corrupt++;
	free(p);
	a->exec_pend = NULL;
}

/* Heads a dead exporter committed but may not have published: reading
 * resumes at the durable head; what lies before the file head is in the
 * output files already and goes to the durable sinks only (replay_end).
 * Never past the producer's tail, never before the published head. */
static void rn_resume_heads(struct rn_session *s, struct rn_ar *a)
{
	for (uint32_t i = 0; i < a->nrings; i++) {
		struct rn_thr *t = &a->thr[i];
		struct rn_cons *c = &t->cons;
		uint64_t head, dur;
		if (!rn_commit_resume(s->commit, a->hdr->id, i, &head, &dur))
			continue;
		uint64_t tail = rn_load_acquire(&c->ring->tail);
		if (head - c->head > tail - c->head || tail - c->head > a->cap)
			continue;
		if (dur - c->head > head - c->head)
			dur = c->head;	/* before what was published: not believed */
		t->replay_end = head;
		c->head = c->tail_cache = dur;
		t->dur_head = dur;
	}
}

/* The previous image of a's pid, still being read (its end not yet
 * noticed), or NULL. */
static struct rn_ar *rn_old_image(const struct rn_session *s, const struct rn_ar *a)
{
	struct rn_ar *best = NULL;
	for (struct rn_ar *b = s->arenas; b; b = b->next)
		if (b != a && !b->main && b->state == RN_AR_LIVE && b->hdr->ext_of == 0 &&
		    b->inner_pid == a->hdr->pid && b->pidns == a->hdr->pidns &&
		    b->hdr->t0_mono_ns < a->hdr->t0_mono_ns &&
		    /* a new pid namespace may get a dead one's inode: the same
		     * inner pid there is another process when the pids their
		     * notes gave us differ (an exec keeps its pid) */
		    !(a->proc.pid != a->inner_pid && b->proc.pid != b->inner_pid &&
		      a->proc.pid != b->proc.pid) &&
		    (!best || b->hdr->t0_mono_ns > best->hdr->t0_mono_ns))
			best = b;	/* the latest: an older one is a dead pid's */
	return best;
}

static int rn_has_pending_exec(const struct rn_ar *b)
{
	if (b->execd)
		return 1;
	for (uint32_t i = 0; i < b->nrings; i++)
		if (b->thr[i].pend_exec)
			return 1;
	return 0;
}

/* Drops an image's own account of its exec when the image before it
 * recorded that exec (with the real arguments and timing). */
void rn_drop_known_execs(struct rn_session *s)
{
	size_t w = 0;
	for (size_t r = 0; r < s->nev; r++) {
		struct rn_event *ev = &s->evs[r];
		if (ev->flags & RN_EV_EXEC_START) {
			const struct rn_ar *a = NULL;
			for (const struct rn_ar *x = s->arenas; x; x = x->next)
				if (&x->proc == ev->proc)
					a = x;
			const struct rn_ar *old = a ? rn_old_image(s, a) : NULL;
			if (a && (a->exec_seen || (old && rn_has_pending_exec(old))))
				continue;
			ev->flags &= (uint8_t)~RN_EV_EXEC_START;
		}
		if (w != r)
			s->evs[w] = *ev;
		w++;
	}
	s->nev = w;
}

/* A string of the arena header into dst (cap bytes): "" unless it ends
 * within the field and holds no control character (a hostile program
 * writes anything there; UTF-8 is the OTLP encoder's to check). */
static void rn_copy_field(char *dst, const volatile char *src, size_t cap)
{
	size_t n = 0;
	while (n < cap) {
		char c = src[n];	/* read once: the program may change it */
		dst[n] = c;
		if (!c)
			break;
		if ((unsigned char)c < 0x20 || c == 0x7f) {
			n = cap;
			break;
		}
		n++;
	}
	if (n >= cap)
		dst[0] = '\0';
}

/* The program's OpenTelemetry identity (format 3 header fields). */
static void rn_ar_identity(struct rn_proc *p, const struct rn_arena_hdr *h)
{
	rn_copy_field(p->service, h->service, sizeof p->service);
	rn_copy_field(p->res_attrs, h->res_attrs, sizeof p->res_attrs);
	rn_copy_field(p->traceparent, h->traceparent, sizeof p->traceparent);
	rn_copy_field(p->tracestate, h->tracestate, sizeof p->tracestate);
	rn_copy_field(p->container_id, h->container_id, sizeof p->container_id);
	rn_copy_field(p->host, h->host, sizeof p->host);
	size_t n = strlen(p->container_id);
	for (size_t i = 0; i < n; i++)
		if (!((p->container_id[i] >= '0' && p->container_id[i] <= '9') ||
		      (p->container_id[i] >= 'a' && p->container_id[i] <= 'f')))
			n = 0;
	if (n != 64)
		p->container_id[0] = '\0';
	p->res_flags = rn_load_relaxed(&h->res_flags) &
		       (RN_RES_CUT_SERVICE | RN_RES_CUT_ATTRS | RN_RES_CUT_STATE | RN_RES_BAD_PARENT);
}

static void rn_ar_identify(struct rn_session *s, struct rn_ar *a)
{
	const struct rn_arena_hdr *h = a->hdr;
	struct rn_proc *p = &a->proc;
	p->pid = h->pid;
	p->ppid = h->ppid;
	a->inner_pid = h->pid;
	a->pidns = h->pidns;
	if (!s->pidns || h->pidns != s->pidns) {
		/* another namespace: pids as we see them, when told (the
		 * note was sent before the arena was published or adopted,
		 * which we have seen: it is queued if not taken yet) */
		int32_t o = rn_pidmap_by_id(s, h->id);
		if (o <= 0) {
			rn_accept_pids(s);
			o = rn_pidmap_by_id(s, h->id);
		}
		if (o > 0)
			p->pid = o;
		o = rn_pidmap_by_inner(s, h->pidns, h->ppid);
		for (const struct rn_ar *b = s->arenas; !o && h->parent_id && b; b = b->next)
			if (b != a && b->started && b->proc.arena_id == h->parent_id)
				o = b->proc.pid;
		if (o > 0)
			p->ppid = o;
	}
	p->arena_id = h->id;
	p->parent_arena_id = h->parent_id;
	p->creator_tid = h->creator_tid;
	memcpy(p->exe, (const char *)h->exe, sizeof p->exe);
	p->exe[sizeof p->exe - 1] = '\0';
	rn_ar_identity(p, h);
	uint32_t al = h->argv_len < sizeof p->argv ? h->argv_len : sizeof p->argv;
	memcpy(p->argv, (const char *)h->argv, al);
	p->argv_len = al;
	if (s->redact)
		rn_redact_proc(s->redact, p);
	al = p->argv_len;
	/* count what is really there, whatever argc claims */
	p->argc = 0;
	for (uint32_t i = 0; i < al; i++)
		p->argc += p->argv[i] == '\0';
	if (al && p->argv[al - 1] != '\0') {
		p->argv[al - 1] = '\0';
		p->argc++;
	}
	p->t_start_ns = rn_clock_unix(&s->clock, RN_CLOCK_MONO, h->t0_mono_ns);
	/* an exec'd image: the same pid, announced by its predecessor */
	for (unsigned i = 0; i < s->nexecwait; i++) {
		struct rn_execwait *w = &s->execwait[i];
		if (w->pid == h->pid && w->pidns == h->pidns) {
			p->exec_gen = w->gen;
			p->prev_arena_id = w->arena_id;
			a->exec_seen = 1;
			s->execwait[i] = s->execwait[--s->nexecwait];
			return;
		}
	}
	struct rn_ar *old = rn_old_image(s, a);
	if (old) {
		p->exec_gen = old->proc.exec_gen + 1;
		p->prev_arena_id = old->proc.arena_id;
	}
}

/* An arena's owner is us, or a user --allow-uid names. */
int rn_owner_ok(const struct rn_session *s, uint32_t uid)
{
	if (uid == s->uid)
		return 1;
	for (unsigned i = 0; i < s->nallow_uids; i++)
		if (s->allow_uids[i] == uid)
			return 1;
	return 0;
}

/* Parses a decimal field of a note's name ending at '.'; NULL if bad. */
static const char *rn_note_field(const char *p, uint32_t *out)
{
	uint64_t v = 0;
	const char *start = p;
	while (*p >= '0' && *p <= '9' && p - start < 10)
		v = v * 10 + (uint64_t)(*p++ - '0');
	if (p == start || *p != '.' || v > INT32_MAX)
		return NULL;
	*out = (uint32_t)v;
	return p + 1;
}

/* What each "not traced" reason says (enum rn_note_why); those that
 * name an errno are written out below. */
static const char *const rn_why_text[] = {
	[RN_NOTE_RING] = "no space for ring memory",	/* (ENOSPC) */
	[RN_NOTE_NORING] = "every ring is taken",
	[RN_NOTE_STATIC] = "statically linked",
	[RN_NOTE_ELF32] = "32-bit program",
	[RN_NOTE_NOLIB] = "the library cannot be reached (chroot, or a user who may not read it)",
	[RN_NOTE_SANDBOX] = "sandboxed (seccomp): renacer makes no system call there",
};

/* Tells the sinks that pid (thread tid, 0: all of it) runs untraced, for
 * reason why (enum rn_note_why) and errno err, and counts it. Returns 0,
 * or -EINVAL for a reason we do not know (nothing said). */
int rn_session_untraced(struct rn_session *s, int32_t pid, int32_t tid, uint32_t why, uint32_t err)
{
	char text[160];
	if (why == RN_NOTE_ARENA)
		snprintf(text, sizeof text, "cannot create arena: %s%s", strerror((int)err),
			 err == EFBIG ? " (RLIMIT_FSIZE, ulimit -f)" : "");
	else if (why == RN_NOTE_RING && err != ENOSPC)
		snprintf(text, sizeof text, "no ring: %s", strerror((int)err));
	else if (why < sizeof rn_why_text / sizeof *rn_why_text && rn_why_text[why])
		snprintf(text, sizeof text, "%s", rn_why_text[why]);
	else
		return -EINVAL;
	struct rn_untraced u = { pid, tid, text };
	for (unsigned i = 0; i < s->nsinks; i++)
		if (s->sinks[i].untraced)
			s->sinks[i].untraced(&s->sinks[i], &u);
	s->stats.untraced++;
	return 0;
}

/* A "not traced" note (arena.h, RN_NOTE_SUFFIX): tell the sinks, count
 * it, remove it. Its name is all it says; a malformed one is ignored. */
static void rn_note_consider(struct rn_session *s, const char *name)
{
	struct stat st;
	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode) ||
	    !rn_owner_ok(s, st.st_uid))
		return;
	uint32_t pid, tid, why, err;
	const char *p = name;
	if (!(p = rn_note_field(p, &pid)) || !(p = rn_note_field(p, &tid)) ||
	    !(p = rn_note_field(p, &why)) || !(p = rn_note_field(p, &err)) ||
	    strcmp(p - 1, RN_NOTE_SUFFIX))
		return;
	if (rn_session_untraced(s, (int32_t)pid, (int32_t)tid, why, err) == 0)
		unlinkat(s->dirfd, name, 0);
}

/* Maps a file of the session directory if it is new to us. */
static void rn_ar_consider(struct rn_session *s, const char *name)
{
	size_t nl = strlen(name), sl = strlen(RN_ARENA_SUFFIX);
	size_t ns = strlen(RN_NOTE_SUFFIX);
	if (nl > ns && !strcmp(name + nl - ns, RN_NOTE_SUFFIX)) {
		rn_note_consider(s, name);
		return;
	}
	if (nl <= sl || nl >= sizeof((struct rn_ar *)0)->name || strcmp(name + nl - sl, RN_ARENA_SUFFIX))
		return;
	for (struct rn_ar *a = s->arenas; a; a = a->next)
		if (!strcmp(a->name, name))
			return;
	for (struct rn_ar *a = s->linger; a; a = a->next)
		if (!strcmp(a->name, name))
			return;	/* ended, kept until durable */
	int fd = openat(s->dirfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;	/* vanished, or a symlink (ELOOP): not ours */
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !rn_owner_ok(s, st.st_uid) ||
	    (size_t)st.st_size < RN_ARENA_HDR_PAGE) {
		/* a file being sized is tiny for a moment: look again later */
		close(fd);
		s->scan_unsure |= S_ISREG(st.st_mode);	/* reorder.c waits for it */
		return;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return;
	struct rn_ar *a = calloc(1, sizeof *a);
	if (!a) {
		munmap(m, (size_t)st.st_size);
		return;
	}
	memcpy(a->name, name, nl + 1);
	a->hdr = m;
	a->size = (size_t)st.st_size;
	a->proc.uid = st.st_uid;	/* the kernel's word, not the header's */
	a->proc.has_uid = 1;
	a->state = RN_AR_WAITING;
	a->first_seen_ns = rn_mono_ns();
	/* at the tail: the list stays in the order arenas appeared */
	struct rn_ar **pp = &s->arenas;
	while (*pp)
		pp = &(*pp)->next;
	*pp = a;
}

void rn_scan_dir(struct rn_session *s)
{
	int fd = dup(s->dirfd);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	s->scan_start_ns = rn_mono_ns();	/* what was published before, it sees */
	rewinddir(d);
	struct dirent *e;
	while ((e = readdir(d)))
		rn_ar_consider(s, e->d_name);
	closedir(d);
	s->last_scan_ns = rn_mono_ns();
}

/* Rescans the directory when it may have changed. An entry added or
 * renamed in it changes its mtime; two changes within one tick of the
 * kernel's coarse clock look like one, so a recent mtime means "look
 * again next pass too". This replaces inotify, whose teardown waits for
 * an RCU grace period (5-30 ms measured here) at every exporter's exit. */
void rn_maybe_scan(struct rn_session *s)
{
	struct stat st;
	uint64_t now = rn_mono_ns();
	if (s->spawn_scan) {	/* spawns.c: whether a child will ever come */
		s->spawn_scan = 0;
		rn_scan_dir(s);
		return;
	}
	if (fstat(s->dirfd, &st) == 0) {
		uint64_t mt = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
		if (mt != s->dir_mtime_ns || rn_real_ns() - mt < RN_MTIME_FRESH_NS) {
			s->dir_mtime_ns = mt;
			rn_scan_dir(s);
			return;
		}
	}
	if (now - s->last_scan_ns > RN_SCAN_EVERY_NS)
		rn_scan_dir(s);
}


/* A waiting arena becomes live once its creator published it and, for a
 * fork child, once the child adopted it. Returns 1 when it should go. */
static int rn_ar_try_start(struct rn_session *s, struct rn_ar *a, uint64_t now)
{
	const struct rn_arena_hdr *h = a->hdr;
	if (rn_load_acquire(&h->magic) != RN_ARENA_MAGIC) {
		if (rn_since(now, a->first_seen_ns) > RN_MAGIC_WAIT_NS) {
			rn_note(a->name, "not a renacer arena; ignored");
			a->state = RN_AR_CORRUPT;
			s->stats.corrupt++;
		}
		return 0;
	}
	int fresh = !a->thr;
	const char *why = fresh ? rn_ar_validate(a) : NULL;
	if (why) {
		rn_note(a->name, why);
		a->state = RN_AR_CORRUPT;
		s->stats.corrupt++;
		return 0;
	}
	if (fresh && s->commit) {
		/* a dead exporter announced this end already: nothing to say */
		if (rn_commit_ended(s->commit, h->id))
			return 1;
		/* announced to the files, not durable in every sink: its
		 * end goes to the durable sinks again (rn_dispatch_proc) */
		a->end_files = rn_commit_files_ended(s->commit, h->id);
		rn_resume_heads(s, a);
	}
	if (rn_load_acquire(&h->state) != RN_ARENA_LIVE) {
		/* a fork child that has not run yet, or never will */
		int32_t pid = rn_load_relaxed(&h->pid);
		int alive = rn_pid_alive(s, a, pid);
		if (alive == 0 || (alive < 0 && rn_since(now, a->first_seen_ns) > RN_GRACE_NS && pid))
			return 1;
		if (!pid && rn_since(now, a->first_seen_ns) > 10 * RN_GRACE_NS)
			return 1;	/* the forking parent never came back */
		return 0;
	}
	if (h->ext_of) {
		/* more rings for a process we know: its threads are that
		 * process's; it ends with it */
		for (struct rn_ar *m = s->arenas; m; m = m->next)
			if (m->state == RN_AR_LIVE && !m->main && m->proc.arena_id == h->ext_of &&
			    m->hdr->ext_of == 0) {
				a->main = m;
				a->state = RN_AR_LIVE;
				return 0;
			}
		if (rn_since(now, a->first_seen_ns) < 5 * RN_GRACE_NS)
			return 0;	/* its main arena is not live yet */
	}
	rn_ar_identify(s, a);
	/* A newer image of the same pid in the same namespace proves the old
	 * one is over, whatever its rings' owner words say (an exec the shim
	 * did not see, from a thread whose id the kernel changed). */
	struct rn_ar *old = h->ext_of || !h->pidns ? NULL : rn_old_image(s, a);
	if (old) {
		old->superseded = 1;
		old->next_t0 = a->hdr->clock == old->clock ? a->hdr->t0_ticks : 0;
		/* the exec that made us succeeded, whether or not its thread's
		 * end was noticed yet: shown now, with its result, before our
		 * own calls (its ring is read first, unless the drain is held) */
		for (uint32_t i = 0; i < old->nrings && !old->exec_pend && !s->holding; i++) {
			struct rn_thr *t = &old->thr[i];
			if (rn_load_relaxed(&t->cons.ring->state) == RN_RING_FREE)
				continue;
			rn_drain_ring(s, old, t);
			if (t->pend_exec)
				rn_exec_succeeded(s, old, t);
		}
		if (old->exec_pend || rn_has_pending_exec(old))
			a->exec_seen = 1;
		rn_exec_shown(s, old, old->next_t0);
	}
	a->state = RN_AR_LIVE;
	a->started = 1;
	s->stats.procs++;
	s->nprocs_seen++;
	rn_spawn_started(s, a);	/* spawns.c: a system/popen child? */
	rn_dispatch_proc(s, a, 0);
	return 0;
}

/* Starts waiting arenas oldest first (by the creation time in their
 * header): a parent before its fork child, an image before the one that
 * replaced it by exec, so each finds the other already known. */
void rn_start_waiting(struct rn_session *s, uint64_t now)
{
	/* an arena still waiting holds back, for this pass, the ones that
	 * name it as their fork parent */
	uint64_t held[64];
	unsigned nheld = 0;
	s->pass_no++;
	for (;;) {
		struct rn_ar *next = NULL;
		for (struct rn_ar *a = s->arenas; a; a = a->next)
			if (a->state == RN_AR_WAITING && a->tried != s->pass_no &&
			    (!next || a->hdr->t0_mono_ns < next->hdr->t0_mono_ns))
				next = a;
		if (!next)
			return;
		next->tried = s->pass_no;
		uint64_t parent = rn_load_relaxed(&next->hdr->parent_id);
		int blocked = 0;
		for (unsigned i = 0; i < nheld && parent; i++)
			blocked |= held[i] == parent;
		if (!blocked && rn_ar_try_start(s, next, now))
			next->gone = 1;
		if (next->state == RN_AR_WAITING && nheld < 64)
			held[nheld++] = rn_load_relaxed(&next->hdr->id);
	}
}
