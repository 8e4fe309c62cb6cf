/* otlp_file.c: creates the default OTLP JSON lines file. It is made in the
 * current directory, which others may be able to write, so it is created
 * new (O_EXCL: a planted file or link at the name is never opened, let
 * alone followed), private (0600), and only when the first spans are
 * written, long after the program started, so that the program never
 * finds it among its own files. Must never open an existing file it did not
 * create in this run, and never print (the sink reports what it returns).
 * A file the user names (--otlp-file) is opened as strace opens -o: created
 * or truncated, by the first exporter of a run; a restarted one appends,
 * after cutting the line a kill may have left half written.
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

/* A restarted exporter's file: a kill in the middle of a write leaves a
 * last line without its end, which the next line would make unreadable:
 * cut it (its spans are sent again: they were not durable). Returns 0 or
 * -errno. */
static int rn_cut_torn_line(int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		return -errno;
	off_t end = st.st_size;
	char buf[4096];
	while (end > 0) {
		size_t n = end < (off_t)sizeof buf ? (size_t)end : sizeof buf;
		if (pread(fd, buf, n, end - (off_t)n) != (ssize_t)n)
			return -EIO;
		size_t i = n;
		while (i > 0 && buf[i - 1] != '\n')
			i--;
		if (i > 0) {
			end -= (off_t)(n - i);
			break;
		}
		end -= (off_t)n;
	}
	if (end != st.st_size && ftruncate(fd, end))
		return -errno;
	return 0;
}

/* The file an earlier exporter of this run made, if it is still that
 * file: a link or another file put at its name since is refused. */
static int rn_reopen(char *path, size_t cap)
{
	int fd = open(rn_memo->path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) || st.st_dev != rn_memo->dev || st.st_ino != rn_memo->ino) {
		close(fd);
		return -EEXIST;
	}
	int rc = rn_cut_torn_line(fd);
	if (rc) {
		close(fd);
		return rc;
	}
	snprintf(path, cap, "%s", rn_memo->path);
	return fd;
}

FILE *rn_otlp_file_open_given(const char *name)
{
	/* a restarted exporter appends to what the dead one wrote: truncating
	 * would throw away every span before the restart */
	int again = rn_memo && rn_memo->given_opened;
	/* read too: a torn last line is looked for */
	FILE *f = fopen(name, again ? "a+e" : "we");
	if (f && again) {
		int rc = rn_cut_torn_line(fileno(f));
		if (rc) {
			fclose(f);
			errno = -rc;
			return NULL;
		}
	}
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
