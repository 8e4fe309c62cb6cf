/* sigdisp: prints, for every signal 1..31, whether it is ignored, default
 * or caught and whether it is blocked: what a program inherits from the one
 * that started it, which a launcher must pass on unchanged. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	sigset_t mask;
	sigprocmask(SIG_BLOCK, NULL, &mask);
	for (int s = 1; s < 32; s++) {
		struct sigaction sa;
		if (sigaction(s, NULL, &sa))
			continue;
		const char *d = sa.sa_handler == SIG_IGN ? "ignored" :
				sa.sa_handler == SIG_DFL ? "default" : "caught";
		printf("%2d %-8s %s%s\n", s, strsignal(s), d,
		       sigismember(&mask, s) ? " blocked" : "");
	}
	return 0;
}
