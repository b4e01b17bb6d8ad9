/*
 * Guard replay window: a sliding bitmap of REPLAY_BITS counters in the
 * shape of WireGuard's counter_validate. One window per receive key.
 */
#ifndef GUARD_REPLAY_H
#define GUARD_REPLAY_H

#include <stdint.h>

#include "proto.h"

struct replay {
	uint64_t top;		/* highest counter accepted + 1; 0 = none yet */
	uint64_t bitmap[REPLAY_BITS / 64];
};

void replay_init(struct replay *r);

/*
 * May counter still be accepted? 1 yes, 0 no (already seen, older than
 * the window, or >= REJECT_AFTER_MESSAGES). Changes nothing: call it
 * before the (costly) AEAD open.
 */
int replay_check(const struct replay *r, uint64_t counter);

/*
 * Accept counter after its packet authenticated: 1 when it was new and is
 * now marked, 0 when it must be dropped (same rules as replay_check).
 */
int replay_accept(struct replay *r, uint64_t counter);

#endif
