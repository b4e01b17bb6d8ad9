/* Guard tcpctl: the control process of one peer (see tcpctl.c). */
#ifndef GUARD_TCPCTL_H
#define GUARD_TCPCTL_H

#include <stdint.h>

#include "imsg.h"

/* How a tcpctl ends; GUARD decides from it whether to try again. */
enum tcpctl_exit {
	TCPCTL_EXIT_DONE = 0,		/* the session ended */
	TCPCTL_EXIT_ERROR = 1,		/* a local or transient failure */
	TCPCTL_EXIT_REFUSED = 3,	/* the peer will not have us: its
					   certificate check failed, or a
					   newer session replaced this one */
};

/* Run the control process; returns the exit status. */
int tcpctl_main(uint32_t peerid, const struct imsg_tcpctl_init *init);

#endif
