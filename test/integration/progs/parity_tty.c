/* parity_tty: ioctls on a terminal made with openpty, whose lines
 * test_parity compares with strace's. */
#include <pty.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int main(void)
{
	int m, s;
	if (openpty(&m, &s, NULL, NULL, NULL))
		return 1;
	getppid();
	struct winsize ws = { 24, 80, 0, 0 };
	ioctl(s, TIOCSWINSZ, &ws);
	ioctl(s, TIOCGWINSZ, &ws);
	int n;
	write(m, "ab", 2);
	ioctl(s, FIONREAD, &n);
	ioctl(m, TIOCOUTQ, &n);
	ioctl(-1, TIOCGWINSZ, &ws);
	close(s);
	close(m);
	return 0;
}
