/* receiver_main.c: the tests' loopback OTLP receiver as a program, for
 * benchmarks/run: `otlp_receiver --port 0` listens on 127.0.0.1 (the port
 * is fixed by the kernel: only 0 is accepted), prints "listening on
 * 127.0.0.1 port N", accepts and counts every request until SIGTERM or
 * SIGINT, then prints "requests R spans S refused F". Keeps no spans. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "receiver.h"

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "--port") || strcmp(argv[2], "0")) {
		fprintf(stderr, "usage: otlp_receiver --port 0\n");
		return 2;
	}
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct rx *r = rx_start(NULL, 0);
	if (!r) {
		perror("otlp_receiver");
		return 1;
	}
	r->discard = 1;
	printf("listening on 127.0.0.1 port %d\n", r->port);
	fflush(stdout);
	while (!stop)
		pause();
	pthread_mutex_lock(&r->mu);
	size_t reqs = r->nreqs, acc = r->accepted, ref = r->nrefused;
	pthread_mutex_unlock(&r->mu);
	(void)reqs;
	printf("spans %zu refused %zu\n", acc, ref);
	rx_stop(r);
	return 0;
}
