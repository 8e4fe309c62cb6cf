/* otlp_file.c: creates the default OTLP JSON lines file. It is made in the
 * current directory, which others may be able to write, so it is created
 * new (O_EXCL: a planted file or link at the name is never opened, let
 * alone followed), private (0600), and only when the first spans are
 * written, long after the program started, so that the program never
 * finds it among its own files. Must never open an existing file it did not
 * create in this run, and never print (the sink reports what it returns).
 * A file the user names (--otlp-file) is opened as strace opens -o: created
 * or truncated, by the first exporter of a run; a restarted one appends.
 */
#include "otlp_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Shared by renacer-run with all its exporters (inherited over fork): the
 * file the first one made, by name and identity. */
struct rn_otlp_memo {
	dev_t dev;
	ino_t ino;
	char path[4096];
	int given_opened;	/* an exporter of this run opened --otlp-file */
};

static struct rn_otlp_memo *rn_memo;

void rn_otlp_file_share(void)
{
	if (rn_memo)
		return;
	void *p = mmap(NULL, sizeof *rn_memo, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (p != MAP_FAILED)
		rn_memo = p;	/* zeroed: nothing chosen yet */
}

/* The file an earlier exporter of this run made, if it is still that
 * file: a link or another file put at its name since is refused. */
static int rn_reopen(char *path, size_t cap)
{
	int fd = open(rn_memo->path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) || st.st_dev != rn_memo->dev || st.st_ino != rn_memo->ino) {
		close(fd);
		return -EEXIST;
	}
	snprintf(path, cap, "%s", rn_memo->path);
	return fd;
}

FILE *rn_otlp_file_open_given(const char *name)
{
	/* a restarted exporter appends to what the dead one wrote: truncating
	 * would throw away every span before the restart */
	int again = rn_memo && rn_memo->given_opened;
	FILE *f = fopen(name, again ? "ae" : "we");
	if (f && rn_memo)
		rn_memo->given_opened = 1;
	return f;
}

int rn_otlp_file_open_default(const char *name, char *path, size_t cap)
{
	if (rn_memo && rn_memo->path[0])
		return rn_reopen(path, cap);
	int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd >= 0) {
		if (snprintf(path, cap, "%s", name) >= (int)cap) {
			close(fd);
			unlink(name);
			return -ENAMETOOLONG;
		}
	} else if (errno == EEXIST) {
		/* taken (perhaps planted): a fresh unique name beside it */
		if (snprintf(path, cap, "renacer-%d-XXXXXX.otlp.jsonl", (int)getpid()) >= (int)cap)
			return -ENAMETOOLONG;
		fd = mkostemps(path, (int)strlen(".otlp.jsonl"), O_CLOEXEC);	/* O_EXCL, 0600 */
		if (fd < 0)
			return -errno;
	} else {
		return -errno;
	}
	struct stat st;
	if (rn_memo && fstat(fd, &st) == 0 && strlen(path) < sizeof rn_memo->path) {
		char abs[4096];
		/* by absolute name: a restarted exporter has the same cwd, but
		 * say so anyway */
		if (realpath(path, abs)) {
			rn_memo->dev = st.st_dev;
			rn_memo->ino = st.st_ino;
			snprintf(rn_memo->path, sizeof rn_memo->path, "%s", abs);
		}
	}
	return fd;
}
