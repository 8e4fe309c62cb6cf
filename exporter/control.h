/* control.h: the exporter's control plane: a ZeroMQ request/reply socket
 * in the session directory (ipc://DIR/control), through which a user or a
 * supervisor asks for status figures or a clean stop. The directory's 0700
 * mode is its access control. */
#ifndef RN_CONTROL_H
#define RN_CONTROL_H

#include <signal.h>
#include <stddef.h>

struct rn_session;
struct rn_control;

/* rn_control_open: bind ipc://dir/control, replacing a socket file no
 * exporter answers on any more. Returns 0, -EADDRINUSE when another
 * exporter answers there (this one must not drain the same session), or
 * another -errno (the exporter then runs without a control plane).
 * rn_control_close removes the socket file. */
int rn_control_open(struct rn_control **c, const char *dir);

/* rn_control_fd: readable (edge-triggered, ZMQ_FD) when requests may be
 * waiting: for poll(). */
int rn_control_fd(const struct rn_control *c);

/* rn_control_serve: answer every waiting request without blocking:
 * "status" -> one JSON object of the session's figures, "flush" -> a pass
 * and every output made durable now, then "ok: N records read", "stop" ->
 * "ok" and *stop set. Anything else gets an error reply. */
void rn_control_serve(struct rn_control *c, struct rn_session *s,
		      volatile sig_atomic_t *stop);

void rn_control_close(struct rn_control *c);

/* rn_control_request: the client side: send req to the exporter of dir
 * and put its reply in buf. Returns 0, or -ETIMEDOUT when no exporter
 * answered within timeout_ms, or another -errno. */
int rn_control_request(const char *dir, const char *req, char *buf, size_t cap, int timeout_ms);

#endif
