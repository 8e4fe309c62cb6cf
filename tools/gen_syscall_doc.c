/* gen_syscall_doc.c: prints docs/SYSCALLS.md from common/syscalls.def and
 * the x86-64 system call table (kernel headers + common/sysent.in), so the
 * documented lists are the wrapped list and the names -e trace= takes. A
 * test fails when the committed file is stale: regenerate with
 * build/gen_syscall_doc > docs/SYSCALLS.md */
#include <stdio.h>
#include <string.h>

#include "../common/table.h"

struct row {
	const char *func, *sys, *cls, *how, *ret, *decl, *types;
};

static const struct row rows[] = {
#define RN_FN(func, sys, cls, how, ret, rtype, proto, call, types) \
	{ #func, #sys, #cls, #how, #ret, #rtype " " #func #proto, #types },
#include "../common/syscalls.def"
#undef RN_FN
};

/* the strace classes of a set of bits, "%file %desc", or "" */
static const char *classes_of(unsigned bits, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned b = 0; b < 32 && n < cap; b++)
		if (bits & (1u << b))
			n += (size_t)snprintf(buf + n, cap - n, "%s%%%s", n ? " " : "",
					      rn_class_name(1u << b));
	return buf;
}

int main(void)
{
	const char *groups[] = { "FILE", "DESC", "NETWORK", "PROCESS", "MEMORY", "SIGNAL",
				 "IPC", "TIME", "POLL" };
	char cb[256];
	puts("# Wrapped functions\n");
	puts("Generated from `common/syscalls.def` and `common/sysent.in` by");
	puts("`tools/gen_syscall_doc.c`; do not edit.");
	puts("Each libc entry point below is wrapped by `librenacer.so` and recorded as the");
	puts("kernel system call it issues on x86-64 glibc (the name strace prints). Rows are");
	puts("grouped by what they do; `-e trace=%class` selects by the classes of the system");
	puts("call (strace's, from `common/sysent.in`), shown in the last column. `VDSO` rows");
	puts("are answered by the vDSO without a system call: they are recorded only when");
	puts("named in `-e trace=` (never by `all`, a class or a negation). The implied");
	puts("arguments `CWD`, `ZERO`, `EMPTY`, `EMPTYPATH`, `SYMNOFOLLOW`, `REALTIME`,");
	puts("`ALLPIDS`, `NULLP`, `DIROFLAGS`, `GETFL` and `HIDDEN` are the constants glibc");
	puts("passes: shown, not recorded. `BUF` arguments are data buffers: only their address");
	puts("is kept, never their contents. `PATH`, `STR`, `ARGV` and `SOCKADDR` are copied");
	puts("(strings up to `-s` bytes).\n");
	printf("%zu functions.\n", sizeof rows / sizeof *rows);
	for (unsigned c = 0; c < sizeof groups / sizeof *groups; c++) {
		unsigned n = 0;
		for (unsigned i = 0; i < sizeof rows / sizeof *rows; i++)
			n += !strcmp(rows[i].cls, groups[c]);
		if (!n)
			continue;
		char lower[16];
		unsigned k;
		for (k = 0; groups[c][k] && k < sizeof lower - 1; k++)
			lower[k] = (char)(groups[c][k] | 0x20);
		lower[k] = '\0';
		printf("\n## %s\n\n", lower);
		puts("| function | syscall | returns | arguments as decoded | classes |");
		puts("|---|---|---|---|---|");
		for (unsigned i = 0; i < sizeof rows / sizeof *rows; i++) {
			if (strcmp(rows[i].cls, groups[c]))
				continue;
			printf("| `%s`%s | `%s` | %s | `%s` | %s |\n", rows[i].func,
			       !strcmp(rows[i].how, "CUSTOM") ? " (hand-written)"
			       : !strcmp(rows[i].how, "VDSO") ? " (VDSO)" : "",
			       rows[i].sys, rows[i].ret, rows[i].types,
			       classes_of(rn_fn_classes(i), cb, sizeof cb));
		}
	}
	puts("\n## System calls without a wrapper\n");
	puts("glibc exports no function for these x86-64 system calls (or only one that does");
	puts("more than the call, or that renacer cannot wrap). `-e trace=` takes their names:");
	puts("they are seen with `--complete`, and when made through `syscall(2)`.\n");
	puts("| syscall | classes |");
	puts("|---|---|");
	for (unsigned nr = 0; nr < RN_NSYS; nr++) {
		const char *s = rn_sys_name(nr);
		int row = 0;
		for (unsigned i = 0; s && i < RN_NFUNCS && !row; i++)
			row = rn_fns[i].nr == (int)nr;
		if (s && !row)
			printf("| `%s` | %s |\n", s, classes_of(rn_sys_classes(nr), cb, sizeof cb));
	}
	return 0;
}
