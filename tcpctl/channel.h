/*
 * Guard control channel: typed messages (ctlmsg.h) over one TLS connection
 * on a non-blocking socket, with deadlines so that a silent peer can never
 * hold a process forever.
 */
#ifndef GUARD_CHANNEL_H
#define GUARD_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "ctlmsg.h"

struct channel {
	SSL *ssl;
	int fd;
	uint8_t rbuf[CTL_HDR_LEN + CTL_MAX_BODY];
	size_t rlen;
	char err[256];		/* why the last call failed */
	char peer_alert[64];	/* the last alert the peer sent, if any */
};

/* Set up over a connected socket; the socket is made non-blocking. */
int channel_init(struct channel *ch, SSL_CTX *ctx, int fd, int role,
    const char *server_name);

/*
 * The TLS handshake, within timeout_ms. 0, -1 on a failure (reason in
 * ch->err), or -2 when the time ran out.
 */
int channel_handshake(struct channel *ch, int role, int timeout_ms);

/* Send one message within timeout_ms. 0 or -1. */
int channel_send(struct channel *ch, const struct ctl_msg *m, int timeout_ms);

/*
 * Receive one message. timeout_ms 0 only uses what is already there.
 * Returns 1 with m filled, 0 when the peer closed the connection between
 * messages, -1 on an error, a malformed message or a connection closed
 * within one (reason in ch->err), -2 when the timeout passed with no
 * complete message.
 */
int channel_recv(struct channel *ch, struct ctl_msg *m, int timeout_ms);

/*
 * Did the last failure mean the peer refused us (an alert from it, or its
 * certificate failing our check), rather than a network problem? 1 or 0.
 */
int channel_refused(const struct channel *ch);

/* Send BYE (best effort), shut TLS down, free. The socket is closed. */
void channel_close(struct channel *ch, int bye_reason);

/* Free TLS and close the socket at once, sending nothing. */
void channel_drop(struct channel *ch);

#endif
