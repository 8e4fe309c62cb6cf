/* gen_syscall_doc.c: prints docs/SYSCALLS.md from common/syscalls.def, so
 * the documented list is the wrapped list. A test fails when the committed
 * file is stale: regenerate with build/gen_syscall_doc > docs/SYSCALLS.md */
#include <stdio.h>
#include <string.h>

struct row {
	const char *func, *sys, *cls, *how, *ret, *decl, *types;
};

static const struct row rows[] = {
#define RN_FN(func, sys, cls, how, ret, rtype, proto, call, types) \
	{ #func, #sys, #cls, #how, #ret, #rtype " " #func #proto, #types },
#include "../common/syscalls.def"
#undef RN_FN
};

int main(void)
{
	const char *classes[] = { "FILE", "DESC", "NETWORK", "PROCESS", "MEMORY", "SIGNAL",
				  "IPC", "TIME", "POLL" };
	puts("# Wrapped functions\n");
	puts("Generated from `common/syscalls.def` by `tools/gen_syscall_doc.c`; do not edit.");
	puts("Each libc entry point below is wrapped by `librenacer.so` and recorded as the");
	puts("kernel system call it issues on x86-64 glibc (the name strace prints). The");
	puts("class is what `-e trace=%class` selects. The implied arguments `CWD`, `ZERO`,");
	puts("`EMPTY`, `EMPTYPATH`, `SYMNOFOLLOW`, `REALTIME`, `ALLPIDS`, `NULLP`, `DIROFLAGS`,");
	puts("`GETFL` and `HIDDEN` are the constants glibc passes: shown, not recorded. `BUF`");
	puts("arguments are data buffers: only their address is kept, never their contents.");
	puts("`PATH`, `STR`, `ARGV` and `SOCKADDR` are copied (strings up to `-s` bytes).\n");
	printf("%zu functions.\n", sizeof rows / sizeof *rows);
	for (unsigned c = 0; c < sizeof classes / sizeof *classes; c++) {
		unsigned n = 0;
		for (unsigned i = 0; i < sizeof rows / sizeof *rows; i++)
			n += !strcmp(rows[i].cls, classes[c]);
		if (!n)
			continue;
		char lower[16];
		unsigned k;
		for (k = 0; classes[c][k] && k < sizeof lower - 1; k++)
			lower[k] = (char)(classes[c][k] | 0x20);
		lower[k] = '\0';
		printf("\n## %%%s\n\n", lower);
		puts("| function | syscall | returns | arguments as decoded |");
		puts("|---|---|---|---|");
		for (unsigned i = 0; i < sizeof rows / sizeof *rows; i++) {
			if (strcmp(rows[i].cls, classes[c]))
				continue;
			printf("| `%s`%s | `%s` | %s | `%s` |\n", rows[i].func,
			       strcmp(rows[i].how, "CUSTOM") ? "" : " (hand-written)", rows[i].sys,
			       rows[i].ret, rows[i].types);
		}
	}
	return 0;
}
