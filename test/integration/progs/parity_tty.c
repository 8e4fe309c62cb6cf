/* parity_tty: ioctls on a terminal made with openpty, whose lines
 * test_parity compares with strace's; tcsetattr's three requests share
 * their numbers with the OSS timer's (strace: "SNDCTL_TMR_START or
 * TCSETS"). */
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
	/* tcsetattr's requests, made directly: glibc's tcsetattr calls
	 * its internal ioctl, which the shim does not see */
	struct termios t;
	if (ioctl(s, TCGETS, &t) || ioctl(s, TCSETS, &t) || ioctl(s, TCSETSW, &t) ||
	    ioctl(s, TCSETSF, &t))
		return 1;
	close(s);
	close(m);
	return 0;
}
