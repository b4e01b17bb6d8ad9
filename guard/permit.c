/*
 * Guard's permission table. See permit.h.
 */
#include <stddef.h>

#include "conf.h"
#include "guard.h"
#include "imsg.h"
#include "permit.h"

#define IN(s)		(1u << (s))
#define LIVE		(IN(PEER_STARTING) | IN(PEER_UP))
#define BOTH_ROLES	(ROLE_SERVER | ROLE_CLIENT)

enum permit_flags {
	PERMIT_FD = 1,		/* exactly one descriptor comes with it */
	PERMIT_ONCE = 2,	/* at most once per session */
};

static const struct permit {
	uint32_t type;
	enum permit_from from;
	int roles;		/* GUARD's roles that take it */
	unsigned int states;	/* peer states it may come in */
	int flags;
} permits[] = {
	/* Log lines, relayed whatever the state. */
	{ IMSG_LOG, FROM_TCPCTL, BOTH_ROLES, LIVE, 0 },
	{ IMSG_LOG, FROM_UDPDATA, BOTH_ROLES, LIVE, 0 },
	/* udpdata: its queue's write end, once, before the peer is up. */
	{ IMSG_WORKER_READY, FROM_UDPDATA, BOTH_ROLES, IN(PEER_STARTING),
	    PERMIT_FD | PERMIT_ONCE },
	{ IMSG_WORKER_STATS, FROM_UDPDATA, BOTH_ROLES, LIVE, 0 },
	/* Server: the identity tcpctl authenticated, once, while starting. */
	{ IMSG_PEER_HELLO, FROM_TCPCTL, ROLE_SERVER, IN(PEER_STARTING),
	    PERMIT_ONCE },
	/* Client: what the server pushed, once, while starting. */
	{ IMSG_CLIENT_CONFIG, FROM_TCPCTL, ROLE_CLIENT, IN(PEER_STARTING),
	    PERMIT_ONCE },
	{ IMSG_PEER_EPOCH, FROM_TCPCTL, BOTH_ROLES, LIVE, 0 },
};

uint32_t
permit_seen_bit(uint32_t type)
{
	return type < 32 ? 1u << type : 0;
}

int
permit_check(const struct permit_query *q, const char **why)
{
	const struct permit *p = NULL;
	size_t i;

	for (i = 0; i < sizeof(permits) / sizeof(permits[0]); i++)
		if (permits[i].type == q->type && permits[i].from == q->from &&
		    (permits[i].roles & q->role)) {
			p = &permits[i];
			break;
		}
	if (p == NULL) {
		*why = "a type this process may never send";
		return -1;
	}
	if (q->state < 0 || q->state >= 32 ||
	    !(p->states & IN((unsigned int)q->state))) {
		*why = "not in this state of the peer";
		return -1;
	}
	if (q->has_fd != ((p->flags & PERMIT_FD) != 0)) {
		*why = q->has_fd ? "a descriptor where none belongs" :
		    "without its descriptor";
		return -1;
	}
	if ((p->flags & PERMIT_ONCE) && (q->seen & permit_seen_bit(q->type))) {
		*why = "a second time";
		return -1;
	}
	return 0;
}
