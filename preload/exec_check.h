/* exec_check.h: what an image a traced process execs or spawns will do
 * with the shim (exec_check.c), and the environment and note that follow.
 * Used by env.c (the check and the LD_PRELOAD it implies) and the exec and
 * spawn wrappers (the note). */
#ifndef RN_EXEC_CHECK_H
#define RN_EXEC_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* How the image is named: a path, a file searched in PATH as execvp does
 * (when it has no slash), or a descriptor (fexecve). */
enum rn_exec_kind { RN_EXEC_PATH = 0, RN_EXEC_SEARCH = 1, RN_EXEC_FD = 2 };

struct rn_exec_verdict {
	uint32_t why;		/* 0: the image loads the shim; else the
				 * enum rn_note_why it runs untraced for */
	int32_t noted;		/* pid a note file was left for, or 0 */
	uint32_t in_hdr;	/* our arena's exec_untraced was set */
	uint32_t in_vfork;	/* rn_t.vfork_note was set (a vfork child) */
	char asan[32];		/* "libasan.so.N": its ASan runtime, which must
				 * come first in LD_PRELOAD; or "" */
};

/* rn_exec_check: fills *v for the image named by (kind, file, fd): a
 * statically linked or 32-bit ELF file, or a root (chroot) from which
 * 'lib' (our library's path as this loader expanded it) cannot be
 * reached; the ASan runtime the image needs. Reads at most 'cap' bytes of
 * the file's headers into buf. Makes system calls (the caller never calls
 * it once sandboxed), never changes errno; an image it cannot read is
 * taken as one that loads the shim. */
void rn_exec_check(struct rn_exec_verdict *v, enum rn_exec_kind kind, const char *file, int fd,
		   const char *lib, char *buf, size_t cap);

/* rn_exec_preload: the LD_PRELOAD entry "LD_PRELOAD=value" (value read
 * from 'in', in our memory) rewritten for v into out (cap bytes): without
 * the entries naming 'ours' when the library cannot be reached, with the
 * ASan runtime first when the image needs it. Returns the length of out,
 * 0 when the variable should go (nothing left), or -1 when unchanged
 * (nothing to do, or no room: then the loader says what it says). */
long rn_exec_preload(const struct rn_exec_verdict *v, const char *in, const char *ours, char *out,
		     size_t cap);

/* rn_exec_note: the image of process pid (0: the caller) runs untraced:
 * say so in the session (a "not traced" note). rn_exec_unnote: the exec
 * failed, the process goes on traced: take the note back. buf: scratch
 * room for a path (RN_ARENA_PATH_MAX), kept off the stack. */
void rn_exec_note(struct rn_exec_verdict *v, int32_t pid, char *buf);
void rn_exec_unnote(struct rn_exec_verdict *v, char *buf);

/* env.c: rn_env_fix (shim.h) for an exec or spawn of the image (kind,
 * file, fd), checked first: its LD_PRELOAD as the check says. Then, with
 * the scratch it returned: rn_env_note just before the exec (pid 0) or
 * after a spawn (the child's pid), rn_env_unnote when the exec failed. */
char *const *rn_env_fix_exec(enum rn_exec_kind kind, const char *file, int fd,
			     char *const *envp, void **scratch);
void rn_env_note(void *scratch, int32_t pid);
void rn_env_unnote(void *scratch);

#endif
