/*
 * Guard's permission table: which message each child may send GUARD, in
 * which state of its peer, with or without a descriptor, and how often
 * (the shape of OpenSSH's monitor table). GUARD checks every message
 * against it before it looks at the contents; anything else is a
 * protocol violation: GUARD kills the sender and tears its peer down.
 */
#ifndef GUARD_PERMIT_H
#define GUARD_PERMIT_H

#include <stdint.h>

enum permit_from {
	FROM_TCPCTL = 1,
	FROM_UDPDATA = 2,
};

struct permit_query {
	int role;		/* ROLE_SERVER or ROLE_CLIENT (GUARD's own) */
	enum permit_from from;
	int state;		/* the peer's enum peer_state */
	uint32_t type;		/* message type */
	int has_fd;		/* a descriptor came with it */
	uint32_t seen;		/* bit (1 << type) for each once-only type
				   already received in this session */
};

/* 0 when allowed; -1 with a reason in *why otherwise. */
int permit_check(const struct permit_query *q, const char **why);

/* The bit to add to seen once an allowed message was handled. */
uint32_t permit_seen_bit(uint32_t type);

#endif
