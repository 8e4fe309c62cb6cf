/* parity_proc: a child's wait status and a pipe between the two, whose
 * lines test_parity compares with strace's. */
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	getppid();
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(3);
	}
	close(p[1]);
	char c;
	read(p[0], &c, 1);
	int st;
	waitpid(pid, &st, 0);
	waitpid(pid, &st, WNOHANG);
	return 0;
}
