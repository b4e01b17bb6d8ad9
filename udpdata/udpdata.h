/* Guard udpdata: the data worker of one peer (see udpdata.c). */
#ifndef GUARD_UDPDATA_H
#define GUARD_UDPDATA_H

#include <stdint.h>

#include "imsg.h"

/* Run the worker; returns the exit status. */
int udpdata_main(uint32_t peerid, const struct imsg_udpdata_init *init);

#endif
