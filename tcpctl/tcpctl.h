/* Guard tcpctl: the control process of one peer (see tcpctl.c). */
#ifndef GUARD_TCPCTL_H
#define GUARD_TCPCTL_H

#include <stdint.h>

#include "imsg.h"

/* Run the control process; returns the exit status. */
int tcpctl_main(uint32_t peerid, const struct imsg_tcpctl_init *init);

#endif
