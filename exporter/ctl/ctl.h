/* ctl.h: the pieces of renacer-ctl, the control plane's command-line
 * client: each verb is one function, given the session directory and its
 * own arguments, returning the process's exit status (0 ok, 1 the
 * exporter did not answer or failed, 2 a bad option, said in one line).
 */
#ifndef RN_CTL_H
#define RN_CTL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define RN_CTL_TIMEOUT_MS 2000

int rn_ctl_status(const char *dir, int argc, char **argv);
int rn_ctl_tail(const char *dir, int argc, char **argv);
int rn_ctl_top(const char *dir, int argc, char **argv);

/* rn_ctl_bad: "renacer-ctl: VERB: what" on stderr; returns 2. */
int rn_ctl_bad(const char *verb, const char *what, const char *arg);

/* rn_ctl_ready: dir given, a directory, with an exporter's control
 * socket in it; else says why and returns 2 (no dir) or 1. */
int rn_ctl_ready(const char *verb, const char *dir);

/* rn_ctl_ask: send req to the exporter of dir and put the reply in buf;
 * says why on stderr when it cannot. Returns 0 or 1. */
int rn_ctl_ask(const char *dir, const char *req, char *buf, size_t cap);

/* The live stream (ctl_stream.c): open subscribes to one format ("text"
 * or "json") and stops on SIGINT/SIGTERM/SIGPIPE by setting rn_ctl_stop;
 * returns 0, or 1 having said why. next waits at most the open's timeout:
 * 1 with a message (its table index in *fn, 0xffff for lines that are not
 * calls; the line NUL-terminated, cut to cap - 1), 0 with none, -1 when
 * the stream failed. */
struct rn_ctl_stream {
	void *ctx, *sock;
};
extern volatile sig_atomic_t rn_ctl_stop;
int rn_ctl_stream_open(struct rn_ctl_stream *s, const char *verb, const char *dir,
		       const char *fmt, int timeout_ms);
int rn_ctl_stream_next(struct rn_ctl_stream *s, uint16_t *fn, char *line, size_t cap, size_t *len);
void rn_ctl_stream_close(struct rn_ctl_stream *s);

/* A small reader of the exporter's own flat JSON (ctl_json.c): the
 * value of the top-level member key of obj, copied into out (strings
 * without their quotes or escapes, anything else as written). Returns
 * its length, or -1 when absent. Never reads past obj's terminator. */
int rn_ctl_json_get(const char *obj, const char *key, char *out, size_t cap);

/* rn_ctl_json_print: obj as "name  value" lines, arrays of objects as
 * one indented line each. Returns 0, or -1 when obj is not an object. */
int rn_ctl_json_print(const char *obj);

#endif
