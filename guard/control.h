/*
 * Guard control socket: how guardctl talks to a running guardd or
 * tunclient. One unix stream socket per tunnel device (control-socket,
 * by default /run/guard/DEV.sock), owned by root, mode 0600, and a peer
 * credential check on top: only root is answered.
 *
 * A request is one line: "status", "status json", "rekey PEER" or
 * "kick PEER" (PEER: identity or peer id). The answer is text (or JSON)
 * until GUARD closes the connection; a failed request answers a line
 * starting "error: ".
 */
#ifndef GUARD_CONTROL_H
#define GUARD_CONTROL_H

#include <stddef.h>

struct guard_env;

enum {
	CONTROL_REQUEST_MAX = 256,	/* one request line, newline included */
	CONTROL_TIMEOUT_MS = 1000,	/* to read a request or write a reply */
};

/* Create, bind and listen; watch it in the event loop. 0 or -1. */
int control_open(struct guard_env *env);

/* Answer one connection (called when the socket is readable). */
void control_serve(struct guard_env *env);

/* Close and remove the socket. */
void control_close(struct guard_env *env);

/* A growing text buffer for replies. */
struct cbuf {
	char *s;
	size_t len, cap;
	int failed;			/* out of memory: reply is cut */
};

void cbuf_printf(struct cbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The answer to one request line into b (unit-testable). */
void control_answer(struct guard_env *env, const char *request,
    struct cbuf *b);

#endif
