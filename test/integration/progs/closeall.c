/* closeall.c: a daemon's start: closes every descriptor above stderr (with
 * close_range, then with a loop up to the limit), then keeps working. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

int main(void)
{
	close_range(3, ~0u, 0);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	for (unsigned i = 3; i < rl.rlim_cur && i < 65536; i++)
		close((int)i);
	for (int i = 0; i < 100; i++) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || write(fd, "x", 1) != 1 || close(fd))
			return 1;
	}
	printf("still working\n");
	return 0;
}
