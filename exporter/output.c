/* output.c: the trace's destination (see output.h). The command of
 * -o '|command' is started with fork and /bin/sh like popen, but with
 * close-on-exec descriptors (popen's stay open in later children), the
 * dispositions a shell would give it (renacer-run ignores SIGPIPE: the
 * command must not), and a wait the launcher can share with its own
 * reaping loop. It never prints and never exits. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decode/names.h"

int rn_output_open(struct rn_output *o, const char *spec)
{
	memset(o, 0, sizeof *o);
	o->f = stderr;
	if (!spec)
		return 0;
	if (spec[0] != '|' && spec[0] != '!') {
		o->f = fopen(spec, "we");
		return o->f ? 0 : -errno;
	}
	o->cmd = spec + 1;
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t pid = fork();
	if (pid == 0) {
		/* the dispositions a shell gives a pipeline's command; the
		 * terminal's Ctrl-C is for the program, whose last lines
		 * the command must still read */
		static const int dfl[] = { SIGPIPE, SIGXFSZ, SIGCHLD, SIGTERM, SIGHUP };
		for (unsigned i = 0; i < sizeof dfl / sizeof *dfl; i++)
			signal(dfl[i], SIG_DFL);
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (dup2(p[0], 0) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", o->cmd, (char *)NULL);
		_exit(127);
	}
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -e;
	}
	o->pid = pid;
	o->f = fdopen(p[1], "w");
	if (!o->f) {
		e = errno;
		close(p[1]);
		o->f = stderr;
		waitpid(pid, &o->status, 0);
		o->pid = 0;
		return -e;
	}
	return 0;
}

int rn_output_reaped(struct rn_output *o, pid_t pid, int st)
{
	if (!o->cmd || !o->pid || pid != o->pid)
		return 0;
	o->status = st;
	o->reaped = 1;
	o->pid = 0;
	return 1;
}

int rn_output_close(struct rn_output *o, char *why, size_t cap)
{
	if (cap)
		why[0] = '\0';
	if (o->f && o->f != stderr)
		fclose(o->f);	/* EOF: the command finishes its input */
	o->f = NULL;
	if (!o->cmd)
		return 0;
	while (o->pid && !o->reaped) {
		if (waitpid(o->pid, &o->status, 0) == o->pid)
			o->reaped = 1;
		else if (errno != EINTR)
			break;	/* reaped elsewhere: nothing known */
	}
	o->pid = 0;
	if (!o->reaped)
		return 0;
	int st = o->status;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		snprintf(why, cap, "-o: the command '%.200s' exited with status %d%s; the trace it was "
			 "given may be incomplete", o->cmd, WEXITSTATUS(st),
			 WEXITSTATUS(st) == 127 ? " (not found?)" : "");
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE)
		return 0;	/* it read what it wanted (head) and stopped */
	else if (WIFSIGNALED(st)) {
		char num[24];
		const char *name = rn_signal_name(WTERMSIG(st));
		snprintf(num, sizeof num, "signal %d", WTERMSIG(st));
		snprintf(why, cap, "-o: the command '%.200s' was killed by %s; the trace it was "
			 "given may be incomplete", o->cmd, name ? name : num);
	}
	for (char *c = why; *c; c++)	/* one line, whatever the command says */
		if (*c == '\n')
			*c = ' ';
	return 1;
}
